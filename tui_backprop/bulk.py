"""Bulk training: whole epochs on the faster path for the network at hand.

The core (core/compiled.py) runs an epoch as straight-line Python, which beats
numpy by far on the seeds' 2-2-2 (numpy's call overhead is most of an epoch
there) and loses by far at 100-100-100.  `train` picks numpy (bulk_numpy.py)
once weights × samples reach NUMPY_FROM: on this project's 2-core machine the
two cross near 300 (a 10-20-10 net with one sample, or a 4-8-3 with four).  Only
runs of whole epochs come here — `r`, `train`, the rate sweep — never a step the
user sees one at a time; numpy's numbers agree with the core's to 1e-12
relative (it adds each sum in another order), which tests/test_engine_scale.py
checks over random networks.  numpy is imported only when a network needs it.

A run is recorded as one of
  "loss"         E_total of each epoch;
  "history"      lr, every parameter (program.parameters' order) and E_total of each epoch;
  "checkpoints"  what core/history.py's History keeps of a run: E_total of each epoch, and lr and
                 the parameters only at every CHECKPOINT_EVERY-th epoch from the first.  It is blocks
                 of lr, parameters, then E_total of the CHECKPOINT_EVERY epochs from there (the last
                 block may be shorter): "history" with the parameters of the epochs between left out,
                 so numpy need not copy a large network's parameters every epoch (bench_scale.py).
"""

from __future__ import annotations

from array import array

from .core.history import CHECKPOINT_EVERY
from .core.program import Program

# An epoch's work grows with weights × samples; from here on numpy trains faster than the compiled
# Python loop (bench/bench_scale.py prints both per epoch for a range of sizes).
NUMPY_FROM = 300


def uses_numpy(program: Program) -> bool:
    return program.net.weight_count() * len(program.net.samples) >= NUMPY_FROM


def train(program: Program, env: dict[str, float], epochs: int, record: str = "loss") -> tuple[dict, array]:
    """Like Program.run for record "loss" or "history", or "checkpoints", on the faster path for this network."""
    if not uses_numpy(program):
        if record == "checkpoints":
            env, records = program.run(env, epochs, "history")
            return env, checkpoint_records(records, len(program.carried) + 1)
        return program.run(env, epochs, record)
    from .bulk_numpy import NumpyEpochs

    return NumpyEpochs(program, env).run(epochs, record)


def train_steps(schedule, env: dict[str, float], first: int, count: int, record: str) -> tuple[dict, array] | None:
    """`count` steps of a batched schedule (core/batches.py) in numpy, when its batches are large enough
    for numpy to win; None leaves them to the compiled loop, a step at a time (for "checkpoints",
    thinned here from the steps' "history", as a step at a time would give every step's parameters).
    The path is chosen by a full batch, so that every step of the schedule takes the same one: a run
    re-derived from any checkpoint (core/history.py), a short last batch's included, has its bits."""
    program = schedule.program(1)
    if not uses_numpy(program):
        if record != "checkpoints":
            return None
        env, records = schedule.train(_one_program_at_a_time, env, first, count, "history")
        return env, checkpoint_records(records, len(program.carried) + 1)
    from .bulk_numpy import NumpyEpochs

    return NumpyEpochs(program, env).run_steps(schedule, first, count, record)


train.steps = train_steps  # how Schedule.train finds it
train.records_checkpoints = True  # record "checkpoints" is understood: a run may record only what a history keeps


def _one_program_at_a_time(program: Program, env: dict[str, float], epochs: int, record: str):
    return train(program, env, epochs, record)


def checkpoint_records_length(epochs: int, stride: int) -> int:
    """How many numbers record "checkpoints" holds for `epochs` epochs of records of `stride` numbers."""
    return epochs + -(-epochs // CHECKPOINT_EVERY) * (stride - 1)


def checkpoint_records(records: array, stride: int) -> array:
    """Record "history" (a record of `stride` numbers an epoch) as record "checkpoints"."""
    out = array("d")
    epochs = len(records) // stride
    for first in range(0, epochs, CHECKPOINT_EVERY):
        out.extend(records[first * stride : (first + 1) * stride])
        out.extend(records[(first + 2) * stride - 1 : min(first + CHECKPOINT_EVERY, epochs) * stride : stride])
    return out
