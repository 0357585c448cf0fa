"""A large network's step, held and moved at the cost of what it is (issue 22, points 1 and 3).

At the cap (100-100-100 × 93 samples, 1,983,701 operations an epoch) the stepper
held every operation as objects: 1.67 GB after `e`.  Counted here on smaller
networks, in bytes Python allocates (tracemalloc), never in seconds: the values
of a stepped epoch cost a few bytes an operation, a move into the next step and
back costs what the free symbols cost, and `r` computes its last epoch on the
fast path instead of tracing it.  bench/bench_scale.py measures the same at the
cap, in megabytes and milliseconds.
"""

from __future__ import annotations

import gc
import random
import tracemalloc

import pytest

from tui_backprop.core import Network, Parameters, Sample, Stepper
from tui_backprop.core.presets import random_weights
from tui_backprop.training import bulk


def wide(sizes: tuple[int, ...], samples: int) -> Network:
    r = random.Random(5)
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    data = tuple(Sample(tuple(r.uniform(0, 1) for _ in range(sizes[0])), tuple(r.uniform(0, 1) for _ in range(sizes[-1])))
                 for _ in range(samples))
    return Network(sizes=sizes, activations=("sigmoid",) * (len(sizes) - 1),
                   start=Parameters(random_weights(weights, 3, 0.1), lr=0.1), samples=data, name="wide")


def allocated(action) -> tuple[int, int]:
    """(bytes still allocated after `action()`, the most allocated at any moment during it), both counted
    from before it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        action()
        gc.collect()
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return now - before, peak - before


@pytest.fixture(scope="module")
def stepped() -> Stepper:
    """30-30-30 with 16 samples (36,721 operations an epoch), its first epoch traced: the program's caches
    of built quantities and places (bounded, whatever the network's size) are as full as they get."""
    stepper = Stepper(wide((30, 30, 30), 16))
    stepper.finish_epoch()
    return stepper


@pytest.mark.long
def test_a_stepped_epoch_keeps_a_few_bytes_an_operation(stepped):
    count = len(stepped.program)
    kept, _ = allocated(stepped.finish_epoch)
    assert stepped.epoch == 2 and stepped.epoch_done and len(stepped.done) == count
    # 8 bytes a value, the epoch's history row and the updates' old values, and what the program's caches
    # of built quantities hold at the time (bounded: here 2 to 3 MB): before, an operation kept an
    # Operation, an undo record and a dict entry, about 800 bytes.
    assert kept < 150 * count
    # The operations are made from the values when read, each with the numbers it read as they were then
    # (the first update read its weight before it changed it).
    ops = Stepper(wide((30, 30, 30), 16)).trace(2)[-count:]
    for n in (0, 1, 61, 2400, count - 1800, count - 1):
        assert stepped.done[n]._replace(program=None) == ops[n]._replace(program=None)
    first_update = stepped.program.phase_bounds("update")[0]
    assert stepped.done[first_update].old == ops[first_update].old != stepped.values[ops[first_update].symbol]


def test_a_step_at_the_epoch_boundary_touches_the_free_symbols_not_the_epoch(stepped):
    assert stepped.epoch_done  # at the end of epoch 1, or of 2 where the test above ran first in this process
    epoch, count = stepped.epoch, len(stepped.program)
    free = len(stepped.program.free)  # 1,800 weights, lr and 16 samples' inputs and targets: 2,761
    _, peak = allocated(stepped.next)
    assert (stepped.epoch, stepped.position) == (epoch + 1, 1)
    # A copy of the free symbols, at most: before, the move built a dict and a list over every value of
    # the epoch, 36,721 of them (over 3 MB).
    assert peak < 100 * free
    _, peak = allocated(stepped.previous)
    assert (stepped.epoch, stepped.position) == (epoch, count) and peak < 100 * free


def test_r_takes_its_last_epoch_from_the_fast_path_untraced(monkeypatch):
    """`r` traced its last epoch one operation at a time (13 s of a 13.5 s run at 100-100-100 × 16); it
    takes it from the trainer now, and the trace of that epoch is there as if stepped."""
    net = wide((20, 20, 20), 4)
    stepper = Stepper(net, trainer=bulk.TRAINER)
    traced = []
    step = Stepper.next
    monkeypatch.setattr(Stepper, "next", lambda self: traced.append(1) or step(self))
    stepper.run(5)
    assert not traced and stepper.epoch_done and len(stepper.history) == 5
    assert stepper.last.symbol == stepper.program.parameters[-1] and stepper.last.old is not None
    assert stepper.values["E_total"] == stepper.history.losses()[-1]
    monkeypatch.undo()
    stepper.previous()
    assert stepper.pristine


@pytest.mark.parametrize("seed", range(40))
def test_every_quantity_is_named_without_being_built(seed):
    """A large step's values are kept by place and read by name: the places come from the names alone."""
    from test_engine_scale import random_network

    from tui_backprop.core import build_program

    program = build_program(random_network(seed, max_size=4, max_samples=3))
    built = [q.symbol for q in program.quantities]
    named = build_program(program.net)
    assert [named.symbol(n) for n in range(len(named))] == built


def test_explains_json_lines_are_the_text_json_writes():
    """`explain --format json` writes each step's line itself (the encoder json.dumps makes anew for every
    call was a fifth of its time at 100-100-100): the same text, batches, clamps and diverged values too."""
    import json

    from test_batches import many
    from test_engine_scale import saturated_network

    from tui_backprop.reports.explanation import step_document, step_line

    diverging = wide((2, 3, 2), 2).with_start(lr=1e154).with_changes(activations=("identity", "identity"))
    for net in (many(3, 3), saturated_network(), diverging):
        for op in Stepper(net).trace(3):
            assert step_line(op) == json.dumps(step_document(op), ensure_ascii=False, allow_nan=False)
