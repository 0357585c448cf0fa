"""Bulk training: whole epochs on the faster path for the network at hand.

The core (core/compiled.py) runs an epoch as straight-line Python, which beats
numpy by far on the seeds' 2-2-2 (numpy's call overhead is most of an epoch
there) and loses by far at 100-100-100.  `train` picks numpy (training/bulk_numpy.py)
once weights × samples reach NUMPY_FROM: on this project's 2-core machine the
two cross near 300 (a 10-20-10 net with one sample, or a 4-8-3 with four).  Only
runs of whole epochs come here — `r`, `train`, the rate sweep — never a step the
user sees one at a time, and `r`'s last epoch, whose every value numpy gives
(Record.VALUES).  numpy's numbers agree with the core's to 1e-12 of the
parameters' scale (it adds each sum in another order; relative to each
parameter it can be 1e-11, for one that shrinks toward zero), which
tests/test_engine_scale.py and tests/test_one_run.py check.  A run is trained
by one path from its first epoch to its last, and every output of it (rows,
the history, the last epoch's values) comes from that path.  numpy is imported
only when a network needs it.

A run records what core/compiled.py's Record says (Record.ROW: every column of
`train --csv`; Record.VALUES: every quantity of one step, by its place: `r`'s
last step); here it may also be Record.CHECKPOINTS (what core/history.py's
History keeps of a run), which numpy records without copying a large network's
parameters every epoch (bench_scale.py).  TRAINER is all this as a
core/batches.py Trainer.
"""

from __future__ import annotations

from array import array

from ..core.batches import COMPILED, Schedule
from ..core.history import checkpoint_records
from ..core.metrics import Metrics
from ..core.program import Program, Record

# An epoch's work grows with weights × samples; from here on numpy trains faster than the compiled
# Python loop (bench/bench_scale.py prints both per epoch for a range of sizes).
NUMPY_FROM = 300


def uses_numpy(program: Program) -> bool:
    return program.net.weight_count() * len(program.net.samples) >= NUMPY_FROM


def train(program: Program, env: dict[str, float], epochs: int, record: Record = Record.LOSS) -> tuple[dict, array]:
    """Like Program.run for any Record, or CHECKPOINTS, on the faster path for this network."""
    if not uses_numpy(program):
        if record == Record.CHECKPOINTS:
            env, records = program.run(env, epochs, Record.HISTORY)
            return env, checkpoint_records(records, len(program.carried) + 1)
        return program.run(env, epochs, record)
    from .bulk_numpy import NumpyEpochs  # here: numpy costs a small network's start-up 0.1 s and saves nothing

    epochs_in_numpy = NumpyEpochs(program, env)
    if record in (Record.ROW, Record.VALUES) and not epochs_in_numpy.lays_out:
        return _laid_out_by_the_core(program, env, epochs, record)
    return epochs_in_numpy.run(epochs, record)


def _laid_out_by_the_core(program: Program, env: dict[str, float], epochs: int, record: Record) -> tuple[dict, array]:
    """Records ROW and VALUES where numpy trains with an optimizer or a penalty, whose quantities it does not
    lay out: each epoch's row by the core from the numbers numpy reached, numpy training on (the run's
    path stays numpy's); an epoch's values by the core, from numpy's numbers at its start."""
    from .bulk_numpy import NumpyEpochs  # as in train: only for a network numpy trains

    if record == Record.VALUES:
        return program.run(env, epochs, Record.VALUES)
    out = array("d")
    for _ in range(epochs):
        out.extend(program.run(env, 1, Record.ROW)[1])
        env = NumpyEpochs(program, env).run(1, Record.LOSS)[0]
    return env, out


def train_steps(schedule: Schedule, env: dict[str, float], first: int, count: int,
                record: Record) -> tuple[dict, array] | None:
    """`count` steps of a batched schedule (core/batches.py) in numpy, when its batches are large enough
    for numpy to win; None leaves them to the compiled loop, a step at a time (for "checkpoints",
    thinned here from the steps' "history", as a step at a time would give every step's parameters).
    The path is chosen by a full batch, so that every step of the schedule takes the same one: a run
    re-derived from any checkpoint (core/history.py), a short last batch's included, has its bits."""
    program = schedule.program(1)
    if not uses_numpy(program):
        if record != Record.CHECKPOINTS:
            return None
        env, records = schedule.train(COMPILED, env, first, count, Record.HISTORY)
        return env, checkpoint_records(records, len(program.carried) + 1)
    from .bulk_numpy import NumpyEpochs  # as in train

    epochs_in_numpy = NumpyEpochs(program, env)
    if record in (Record.ROW, Record.VALUES) and not epochs_in_numpy.lays_out:
        return None  # a step at a time, each by `train`
    return epochs_in_numpy.run_steps(schedule, first, count, record)


def gradient_means(metrics: Metrics, row) -> list[float]:
    """Each layer's mean |dE_total/dw| in a row (core/metrics.py), in numpy for a network numpy trains: there a
    row holds tens of thousands of gradients, which the core's sum would take longer over than numpy's epoch."""
    if not uses_numpy(metrics.program):
        return metrics.gradient_means(row)
    from .bulk_numpy import gradient_means  # as in train

    return gradient_means(metrics.layer_spans, row)


class BulkTrainer:
    """`train` and `train_steps` as a Trainer (core/batches.py), for the stepper, sweeps and runs."""

    records_checkpoints = True

    def __call__(self, program: Program, env: dict[str, float], steps: int, record: Record) -> tuple[dict, array]:
        return train(program, env, steps, record)

    def steps(self, schedule: Schedule, env: dict[str, float], first: int, count: int,
              record: Record) -> tuple[dict, array] | None:
        return train_steps(schedule, env, first, count, record)

    def gradient_means(self, metrics: Metrics, row) -> list[float]:
        return gradient_means(metrics, row)


TRAINER = BulkTrainer()
