"""The same network trained at several learning rates, on the fast path."""

from __future__ import annotations

import math
from array import array

from .batches import COMPILED, Schedule, Trainer

SEED_RATES = (0.1, 0.2, 0.5, 0.8, 1.0, 2.0)  # the rates seeds 000 and 004 compare


def sweep(schedule: Schedule, rates, epochs: int, start: dict[str, float] | None = None,
          trainer: Trainer = COMPILED) -> dict[float, array]:
    """E_total per epoch for each learning rate, all from `start` (default: the network's starting numbers).

    `trainer` runs the update steps (batches.py): by default each program's own fast path;
    tui_backprop.bulk.TRAINER picks numpy for large networks."""
    curves = {}
    start = start or schedule.net.start_env()
    for rate in rates:
        curves[rate] = schedule.train_epochs(trainer, dict(start, lr=float(rate)), epochs)[1]
    return curves


def checkpoints(epochs: int) -> list[int]:
    """Epochs 1, 10, 100, … up to `epochs`, and `epochs` itself."""
    marks, mark = [], 1
    while mark < epochs:
        marks.append(mark)
        mark *= 10
    return marks + [epochs]


def first_divergence(losses) -> int | None:
    """The first epoch whose E_total is no longer a finite number, if any."""
    for epoch, loss in enumerate(losses, 1):
        if not math.isfinite(loss):
            return epoch
    return None
