"""The same network trained at several learning rates, on the fast path."""

from __future__ import annotations

from array import array

from ..core.batches import CHUNK_STEPS, COMPILED, Schedule, Trainer

SEED_RATES = (0.1, 0.2, 0.5, 0.8, 1.0, 2.0)  # the rates seeds 000 and 004 compare


def sweep(schedule: Schedule, rates, epochs: int, start: dict[str, float] | None = None,
          trainer: Trainer = COMPILED, should_stop=None) -> dict[float, array]:
    """E_total per epoch for each learning rate, all from `start` (default: the network's starting numbers).

    `trainer` runs the update steps (batches.py): by default each program's own fast path;
    tui_backprop.training.bulk.TRAINER picks numpy for large networks.  The epochs run in chunks of about
    CHUNK_STEPS update steps (the same bits as in one go); `should_stop()` is asked before each, and once
    it says so the curves are returned as far as they got."""
    curves = {}
    start = start or schedule.net.start_env()
    chunk = max(1, CHUNK_STEPS // schedule.steps_per_epoch)
    for rate in rates:
        env, curve = dict(start, lr=float(rate)), curves.setdefault(rate, array("d"))
        while len(curve) < epochs:
            if should_stop is not None and should_stop():
                return curves
            env, losses = schedule.train_epochs(trainer, env, min(chunk, epochs - len(curve)), len(curve) + 1)
            curve.extend(losses)
    return curves


def checkpoints(epochs: int) -> list[int]:
    """Epochs 1, 10, 100, … up to `epochs`, and `epochs` itself."""
    marks, mark = [], 1
    while mark < epochs:
        marks.append(mark)
        mark *= 10
    return marks + [epochs]
