"""History memory for long runs (issue 12.11): 10,000,000 epochs of the 2-2-2 net must stay under 200 MB.

    python bench/bench_history.py [EPOCHS]

Runs mazur (the 2-2-2 preset with the most numbers an epoch) on the fast path in a
fresh process and prints the history's own bytes, the process's peak resident
size (VmHWM, interpreter included), and how long re-deriving a row takes against
the one-epoch fast-path call it is built on (a ratio in the same process).
Nothing is asserted.
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui_backprop.core import PRESETS, Stepper


def peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024 / 1e6


def main() -> None:
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    stepper = Stepper(PRESETS["mazur"]())
    start = time.perf_counter()
    stepper.run(epochs)
    ran = time.perf_counter() - start
    history = stepper.history
    print(f"mazur, {len(history):,} epochs on the fast path in {ran:.1f} s")
    print(f"history: {history.nbytes / 1e6:.1f} MB ({history.nbytes / len(history):.2f} bytes an epoch; "
          f"{len(history.starts):,} stretches); process peak {peak_mb():.0f} MB")
    picks = random.Random(1).sample(range(1, len(history)), 2000)
    start = time.perf_counter()
    for epoch in picks:
        history.row(epoch)
    per_row = (time.perf_counter() - start) / len(picks)
    env = history.start_env(picks[0])
    start = time.perf_counter()
    for _ in picks:
        stepper.program.run(env, 1, "row")
    baseline = (time.perf_counter() - start) / len(picks)
    print(f"a random row: {per_row * 1e6:.0f} µs, {per_row / baseline:.1f}× a one-epoch fast-path row "
          f"({baseline * 1e6:.0f} µs)")
    start = time.perf_counter()
    for epoch in range(picks[0], picks[0] + 40):  # a screenful of the history table
        history.row(epoch)
    print(f"40 consecutive rows (a screenful): {(time.perf_counter() - start) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
