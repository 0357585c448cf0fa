"""Timing helpers the bench scripts share: the best of a few runs, or of rounds taken in turns."""

from __future__ import annotations

import time


def best(action, repeats: int = 3) -> float:
    """The shortest of `repeats` runs of `action()`, in seconds: the run the machine's load disturbed least."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)
