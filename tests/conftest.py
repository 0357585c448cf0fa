"""Shared test setup: the repository path, and hypothesis without per-example deadlines."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent

# numpy_reference sits beside the tests; make it importable however pytest imports them.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Examples build and compile a program each; their time varies too much for a deadline.
settings.register_profile("backprop", deadline=None)
settings.load_profile("backprop")
