"""Session file benchmarks (issue 5): how long saving and resuming take, and how big the file is.

    python bench/bench_session.py

1. A million epochs on the fast path (excel): the history is 80 MB of doubles.
2. A long hand-stepped session (xor, 100 epochs finished with `e`): 14,700
   operations, each with its undo record, all in session.json.
Best of several runs each.  The million-epoch session must also read back with every epoch's
loss equal (tests/test_session.py checks the same round trip on 150,000 epochs).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import best

from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.session import load_stepper, save_stepper

RUNS = 3


def measure(title: str, stepper: Stepper) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.session"
        save = best(lambda: save_stepper(path, stepper), RUNS)
        load = best(lambda: load_stepper(path), RUNS)
        size = os.path.getsize(path)
    print(f"{title}: save {save:.3f} s, load {load:.3f} s, file {size / 1e6:.1f} MB "
          f"({len(stepper.history):,} epochs, {len(stepper.snapshot().undo):,} undo records)")


def main() -> None:
    stepper = Stepper(PRESETS["excel"]())
    stepper.run(1_000_000)
    measure("excel, run 1,000,000 epochs", stepper)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "check.session"
        save_stepper(path, stepper)
        loaded, _ = load_stepper(path)
        assert len(loaded.history) == 1_000_000 and loaded.history.losses() == stepper.history.losses()
        assert (loaded.epoch, loaded.position, loaded.values) == (stepper.epoch, stepper.position, stepper.values)
    print("excel, run 1,000,000 epochs: the loaded session has the same loss at every epoch")
    stepper = Stepper(PRESETS["xor"]())
    for _ in range(100):
        stepper.finish_epoch()
    measure("xor, 100 epochs stepped", stepper)


if __name__ == "__main__":
    main()
