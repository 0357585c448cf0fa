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
"""

from __future__ import annotations

from array import array

from .core.program import Program

# An epoch's work grows with weights × samples; from here on numpy trains faster than the compiled
# Python loop (bench/bench_scale.py prints both per epoch for a range of sizes).
NUMPY_FROM = 300


def uses_numpy(program: Program) -> bool:
    return program.net.weight_count() * len(program.net.samples) >= NUMPY_FROM


def train(program: Program, env: dict[str, float], epochs: int, record: str = "loss") -> tuple[dict, array]:
    """Like Program.run for record "loss" or "history", on the faster path for this network."""
    if not uses_numpy(program):
        return program.run(env, epochs, record)
    from .bulk_numpy import NumpyEpochs

    return NumpyEpochs(program, env).run(epochs, record)


def train_steps(schedule, env: dict[str, float], first: int, count: int, record: str) -> tuple[dict, array] | None:
    """`count` steps of a batched schedule (core/batches.py) in numpy, when its batches are large enough
    for numpy to win; None leaves them to the compiled loop, a step at a time.  The path is chosen by a
    full batch, so that every step of the schedule takes the same one: a run re-derived from any
    checkpoint (core/history.py), a short last batch's included, has its bits."""
    program = schedule.program(1)
    if not uses_numpy(program):
        return None
    from .bulk_numpy import NumpyEpochs

    return NumpyEpochs(program, env).run_steps(schedule, first, count, record)


train.steps = train_steps  # how Schedule.train finds it
