"""The stepper: exact undo, finishing phases and epochs, edits between steps, history rows, memory."""

from __future__ import annotations

import math
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_backprop.core import BACKWARD, FORWARD, PRESETS, UPDATE, Stepper
from tui_backprop.core.history import CHECKPOINT_EVERY

from budget import examples


def state(stepper: Stepper):
    """Everything `previous` must restore, with floats compared bit for bit."""
    last = stepper.last
    return (
        {symbol: float.hex(value) for symbol, value in stepper.values.items()},
        stepper.epoch,
        stepper.position,
        len(stepper.history),
        stepper.history.data.tobytes(),
        last and (last.epoch, last.position, last.symbol, float.hex(last.value), last.old),
    )


def stepped(name: str, operations: int) -> Stepper:
    stepper = Stepper(PRESETS[name]())
    for _ in range(operations):
        stepper.next()
    return stepper


# -- exact undo ---------------------------------------------------------------------------


@settings(max_examples=examples(60))
@given(name=st.sampled_from(sorted(PRESETS)), before=st.integers(0, 80), k=st.integers(1, 120))
def test_k_steps_forward_then_k_back_restores_the_state(name, before, k):
    stepper = stepped(name, before)
    start = state(stepper)
    for _ in range(k):
        stepper.next()
    for _ in range(k):
        assert stepper.previous()
    assert state(stepper) == start


def test_previous_at_the_very_start_does_nothing():
    stepper = Stepper(PRESETS["excel"]())
    start = state(stepper)
    assert stepper.previous() is False
    assert state(stepper) == start


def test_undo_back_to_the_start_across_epochs():
    stepper = Stepper(PRESETS["excel"]())
    start = state(stepper)
    stepper.trace(3)
    while stepper.previous():
        pass
    assert state(stepper) == start


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("before", [0, 7, 35, 36])
@pytest.mark.parametrize("epochs", [1, 2, 50])
def test_previous_after_run_restores_the_state_before_it(name, before, epochs):
    stepper = stepped(name, before)
    start = state(stepper)
    stepper.run(epochs)
    assert stepper.epoch > start[1] or stepper.position != start[2]
    assert stepper.previous()
    assert state(stepper) == start


def test_each_edit_is_a_step_of_its_own():
    """p right after an edit takes back the edit alone, then the operation before it (issue 12.10)."""
    stepper = stepped("excel", 3)
    before = state(stepper)
    stepper.next()
    after_op = state(stepper)
    stepper.set_value("w1", 0.9)
    after_edit = state(stepper)
    stepper.set_lr(0.1)
    assert stepper.previous()
    assert state(stepper) == after_edit
    assert stepper.previous()
    assert state(stepper) == after_op
    assert stepper.previous()
    assert state(stepper) == before


# -- finishing -----------------------------------------------------------------------------


def phase_ends(stepper: Stepper) -> dict[str, int]:
    return {phase: stepper.program.phase_bounds(phase)[1] for phase in (FORWARD, BACKWARD, UPDATE)}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_finish_phase_walks_phase_by_phase(name):
    stepper = Stepper(PRESETS[name]())
    ends = phase_ends(stepper)
    reference = Stepper(PRESETS[name]())
    for phase in (FORWARD, BACKWARD, UPDATE):
        stepper.finish_phase()
        assert (stepper.epoch, stepper.position) == (1, ends[phase])
        assert stepper.last.phase == phase
        while reference.position < ends[phase]:
            reference.next()
        assert state(stepper) == state(reference)
    assert stepper.epoch_done and len(stepper.history) == 1
    # At the end of an epoch, the next phase is the next epoch's forward pass.
    stepper.finish_phase()
    assert (stepper.epoch, stepper.position, stepper.last.phase) == (2, ends[FORWARD], FORWARD)


def test_finish_phase_from_the_middle_of_a_phase():
    stepper = stepped("excel", 3)
    ends = phase_ends(stepper)
    stepper.finish_phase()
    assert stepper.position == ends[FORWARD] and stepper.last.symbol == "E_total"
    stepper.next()
    stepper.next()
    stepper.finish_phase()
    assert stepper.position == ends[BACKWARD]


@pytest.mark.parametrize("before", [0, 1, 20, 34])
def test_finish_epoch_completes_the_current_epoch(before):
    stepper = stepped("excel", before)
    stepper.finish_epoch()
    assert stepper.epoch == 1 and stepper.epoch_done and len(stepper.history) == 1
    reference = Stepper(PRESETS["excel"]())
    reference.trace(1)
    assert state(stepper) == state(reference)


def test_finish_epoch_at_the_end_of_an_epoch_runs_the_next_one():
    stepper = stepped("excel", 35)
    stepper.finish_epoch()
    assert stepper.epoch == 2 and stepper.epoch_done and len(stepper.history) == 2
    reference = Stepper(PRESETS["excel"]())
    reference.trace(2)
    assert state(stepper) == state(reference)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_run_ends_traced_and_equal_to_stepping(name):
    stepper = stepped(name, 5)
    assert stepper.run(40) == 40  # the unfinished epoch 1 counts as one of them
    assert stepper.epoch == 40 and stepper.epoch_done and stepper.last is not None
    reference = stepped(name, 5)
    reference.trace(40)
    assert state(stepper) == state(reference)


# -- edits between steps ---------------------------------------------------------------------


def test_set_lr_applies_from_the_next_update():
    stepper = Stepper(PRESETS["excel"]())
    stepper.set_lr(0.1)
    stepper.finish_phase()
    stepper.finish_phase()  # forward and backward do not read lr
    reference = Stepper(PRESETS["excel"]())
    reference.finish_phase()
    reference.finish_phase()
    assert state(stepper)[0] == {**state(reference)[0], "lr": float.hex(0.1)}
    for count in range(8):
        if count == 3:
            stepper.set_lr(2.0)
        op = stepper.next()
        rate = 0.1 if count < 3 else 2.0
        gradient = stepper.values[f"dE_total/d{op.symbol}"]
        assert op.phase == UPDATE
        assert op.value == op.old - rate * gradient
        assert op.inputs["lr"] == rate
    # The epoch's row records the rate its first update used.
    assert stepper.history.row(1)[stepper.program.columns.index("lr")] == 0.1


@pytest.mark.parametrize("bad", [0, -0.5, math.inf, math.nan])
def test_set_lr_refuses_what_is_not_a_positive_finite_number(bad):
    stepper = Stepper(PRESETS["excel"]())
    with pytest.raises(ValueError):
        stepper.set_lr(bad)
    assert stepper.values["lr"] == 0.5


def test_set_value_of_a_weight_applies_from_the_next_operation_reading_it():
    stepper = stepped("excel", 1)  # h1 is computed
    h1 = stepper.values["h1"]
    stepper.set_value("w1", 0.9)
    assert stepper.values["h1"] == h1  # already computed: untouched
    stepper.finish_phase()
    reference = stepped("excel", 0)
    reference.finish_phase()
    forward = [q.symbol for q in stepper.quantities if q.phase == FORWARD]
    assert [stepper.values[s] for s in forward] == [reference.values[s] for s in forward]
    # w5 after the forward pass: the output-layer gradients never read it, the route through a_h1 does.
    stepper.set_value("w5", -0.3)
    stepper.finish_phase()
    reference.finish_phase()
    v = stepper.values
    for weight in ("w5", "w6", "w7", "w8"):
        assert v[f"dE_total/d{weight}"] == reference.values[f"dE_total/d{weight}"]
    assert v["dE_total/da_h1"] == v["dE_total/da_o1"] * v["da_o1/do1"] * -0.3 + v["dE_total/da_o2"] * v["da_o2/do2"] * v["w7"]
    op = stepper.next()
    assert (op.symbol, op.old, op.value) == ("w1", 0.9, 0.9 - v["lr"] * v["dE_total/dw1"])


def test_set_value_of_an_input_applies_to_the_first_sum():
    stepper = Stepper(PRESETS["excel"]())
    stepper.set_value("i1", 2.0)
    op = stepper.next()
    v = stepper.values
    assert op.value == v["w1"] * 2.0 + v["w2"] * v["i2"]


def test_set_value_refuses_computed_symbols_and_bad_numbers():
    stepper = Stepper(PRESETS["excel"]())
    with pytest.raises(KeyError):
        stepper.set_value("h1", 1.0)
    with pytest.raises(ValueError):
        stepper.set_value("w1", math.nan)


# -- history ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_history_rows_of_fast_epochs_equal_the_traced_rows(name):
    fast = Stepper(PRESETS[name]())
    fast.run(60)  # every epoch on the fast path, the last one with every value it computes
    traced = Stepper(PRESETS[name]())
    traced.trace(60)
    assert len(fast.history) == len(traced.history) == 60
    assert not fast.history.exact_rows  # none was stepped by hand
    assert fast.values == traced.values and fast.last._replace(program=None) == traced.last._replace(program=None)
    for epoch in range(1, 61):
        assert array("d", fast.history.row(epoch)).tobytes() == array("d", traced.history.row(epoch)).tobytes()
    assert fast.history.losses().tobytes() == traced.history.losses().tobytes()


def test_history_row_out_of_range():
    stepper = Stepper(PRESETS["excel"]())
    stepper.run(3)
    for epoch in (0, 4):
        with pytest.raises(IndexError):
            stepper.history.row(epoch)


@pytest.mark.parametrize("name", ["excel", "mazur"])
def test_history_stores_the_loss_of_every_epoch_and_checkpoints_of_the_rest(name):
    stepper = Stepper(PRESETS[name]())
    stepper.run(100_000)
    history = stepper.history
    # E_total: one float an epoch; lr and the parameters once every CHECKPOINT_EVERY epochs (and at
    # the start of each of the run's chunks), with the checkpoint's epoch number.
    record = 8 * (1 + len(stepper.program.parameters))
    checkpoints = len(history) / CHECKPOINT_EVERY + len(history.starts)
    assert history.nbytes <= 8 * len(history) + (record + 8) * checkpoints + 8 * len(history.starts) + 8
    assert history.nbytes / len(history) < 200e6 / 10_000_000  # 10,000,000 epochs stay under 200 MB
    assert not history.exact_rows  # every epoch came from the fast path, the last one too


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc")
def test_a_million_epochs_of_the_2_2_2_net_fit_well_under_200_mb():
    # The whole process, interpreter included, by its peak resident size (VmHWM: unlike
    # ru_maxrss it is not inherited from the forking pytest process).  mazur has the most
    # numbers per epoch of the 2-2-2 presets.
    script = (
        "import re\n"
        "from tui_backprop.core import PRESETS, Stepper\n"
        "stepper = Stepper(PRESETS['mazur']())\n"
        "assert stepper.run(1_000_000) == 1_000_000\n"
        "stepper.history.losses()\n"
        "peak = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1)\n"
        "print(len(stepper.history), peak)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    epochs, peak_kb = map(int, done.stdout.split())
    assert epochs == 1_000_000
    assert peak_kb * 1024 < 150e6


def test_an_epoch_edited_midway_is_noted_as_mixed_and_an_edit_before_it_is_not():
    """Issue 12.10: a row of an epoch with a value edited midway mixes numbers from before and after."""
    stepper = stepped("excel", 0)
    stepper.set_value("w1", 0.2)  # before the epoch's first operation: its row is consistent
    stepper.finish_epoch()
    stepper.next()
    stepper.set_value("w1", 1.0)  # after h1 read w1 = 0.2 ... (the update row will hold w1 = 1.0)
    stepper.set_lr(0.3)
    stepper.finish_epoch()
    assert stepper.history.mixed == {2: ("w1", "lr")}
    columns = stepper.program.columns
    before = stepped("excel", 0)
    before.set_value("w1", 0.2)
    before.finish_epoch()
    before.next()  # h1 of epoch 2, from the w1 of before the edit
    assert stepper.history.exact_rows[2][columns.index("w1")] == 1.0
    assert stepper.history.exact_rows[2][columns.index("h1")] == before.values["h1"]
    stepper.previous()  # the last operation: the epoch is no longer finished, nor noted
    assert 2 not in stepper.history.mixed
    while stepper.position > 1:
        stepper.previous()
    stepper.previous()  # the lr edit
    stepper.previous()  # the w1 edit
    stepper.finish_epoch()
    assert 2 not in stepper.history.mixed


def test_steps_without_undo_give_the_same_operations_and_keep_no_undo_step():
    from tui_backprop.core import PRESETS, Stepper

    kept, bare = Stepper(PRESETS["xor"]()), Stepper(PRESETS["xor"]())
    with_undo = [(op.symbol, op.value) for op in kept.steps(2)]
    without = [(op.symbol, op.value) for op in bare.steps(2, undoable=False)]
    assert without == with_undo and bare.values == kept.values
    assert not bare.previous() and kept.previous()
    bare.next()  # recording is back on afterwards
    assert bare.previous()
