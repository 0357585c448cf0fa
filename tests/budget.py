"""How hard the property tests and the exhaustive walks try.

`ci`, the default, is what the README's command runs: the whole suite in about three minutes on two cores.
`deep` (HYPOTHESIS_PROFILE=deep) tries ten times the examples and walks every position, for a run of its own
before a release: `HYPOTHESIS_PROFILE=deep .venv/bin/python -m pytest`.
"""

from __future__ import annotations

import os

DEEP = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "deep"


def examples(count: int) -> int:
    """A property test's examples: `count` in the ci profile, ten times as many in the deep one."""
    return count * 10 if DEEP else count
