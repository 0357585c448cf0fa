"""The compact history gives back exactly the bits a history of every record would."""

from __future__ import annotations

import math
from array import array

import pytest
from test_batches import many

from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.batches import COMPILED
from tui_backprop.core.history import CHECKPOINT_EVERY, History
from tui_backprop.core.program import Record
from tui_backprop.core.session import load_stepper, save_stepper
from tui_backprop.training import bulk


def bits(values) -> bytes:
    return array("d", values).tobytes()


def one_go(net, epochs: int) -> array:
    """The records of `epochs` fast-path epochs from the network's start, in one call."""
    stepper = Stepper(net)
    _, records = stepper.program.run(stepper.values, epochs, "history")
    return records


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_start_env_and_row_are_the_bits_of_one_continuous_run(name):
    net = PRESETS[name]()
    epochs = 3 * CHECKPOINT_EVERY + 5
    records = one_go(net, epochs)
    stepper = Stepper(net)
    stepper.run(epochs + 1)  # the last one traced: every other epoch came from the fast path
    history, program, stride = stepper.history, stepper.program, stepper.history.stride
    assert len(history) == epochs + 1
    for epoch in range(1, epochs + 1):
        record = records[(epoch - 1) * stride : epoch * stride]
        env = history.start_env(epoch)
        assert bits([env["lr"], *(env[p] for p in program.parameters)]) == record[:-1].tobytes()
        assert bits([history.losses()[epoch - 1]]) == record[-1:].tobytes()
        _, row = program.run(env, 1, "row")
        assert bits(history.row(epoch)) == row.tobytes()
    assert history.data[: epochs * stride].tobytes() == records.tobytes()


def test_edits_between_runs_start_a_new_stretch_and_keep_every_bit():
    stepper = Stepper(PRESETS["mazur"]())
    expected = array("d")
    for edit in [None, ("lr", 0.8), ("w1", 0.3), ("i1", 0.2)]:
        if edit:
            stepper.set_value(*edit)
        start = dict(stepper.values)
        _, records = stepper.program.run(start, CHECKPOINT_EVERY + 7, "history")
        expected.extend(records)
        stepper.run(CHECKPOINT_EVERY + 7)  # the last epoch traced, the same numbers
    assert stepper.history.data.tobytes() == expected.tobytes()
    assert len(stepper.history.segments) == 2  # the inputs changed once


def test_undo_of_a_run_truncates_to_the_exact_bits_before():
    stepper = Stepper(PRESETS["excel"]())
    stepper.run(CHECKPOINT_EVERY * 2 + 3)
    before = (stepper.history.data.tobytes(), stepper.history.losses().tobytes(), stepper.history.nbytes)
    stepper.run(CHECKPOINT_EVERY * 5)
    stepper.previous()
    after = (stepper.history.data.tobytes(), stepper.history.losses().tobytes(), stepper.history.nbytes)
    assert after == before


def test_a_session_keeps_the_stretches_and_reads_back_the_same_bits(tmp_path):
    stepper = Stepper(PRESETS["mazur"]())
    stepper.run(CHECKPOINT_EVERY * 3)
    stepper.set_value("w2", 0.1)
    stepper.run(CHECKPOINT_EVERY + 1)
    path = tmp_path / "s.backprop"
    save_stepper(path, stepper)
    loaded, _ = load_stepper(path)
    assert list(loaded.history.starts) == list(stepper.history.starts)
    assert loaded.history.nbytes == stepper.history.nbytes
    assert loaded.history.data.tobytes() == stepper.history.data.tobytes()
    for epoch in range(1, len(stepper.history) + 1):
        assert bits(loaded.history.row(epoch)) == bits(stepper.history.row(epoch))


def test_a_session_saved_before_checkpoints_loads_every_epoch_as_its_own_start(tmp_path):
    import json
    import zipfile

    stepper = Stepper(PRESETS["excel"]())
    stepper.run(CHECKPOINT_EVERY + 3)
    path = tmp_path / "s.backprop"
    save_stepper(path, stepper)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["session.json"])
    del document["history"]["starts"]  # as written before this format had it: format 1, every epoch's record
    del document["history"]["checkpoints"]
    document["version"] = 1
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("session.json", json.dumps(document))
        archive.writestr("history.bin", stepper.history.data.tobytes())
    loaded, _ = load_stepper(path)
    assert list(loaded.history.starts) == list(range(1, len(stepper.history) + 1))
    assert loaded.history.data.tobytes() == stepper.history.data.tobytes()


def test_an_empty_history():
    history = History(Stepper(PRESETS["excel"]()).program)
    assert len(history) == 0 and history.data.tobytes() == b"" and list(history.chunks()) == []


def test_epochs_the_fast_path_does_not_reproduce_are_all_kept():
    # As numpy's bulk training of a large network gives: the same epochs, other last bits.
    stepper = Stepper(PRESETS["mazur"]())
    epochs = 2 * CHECKPOINT_EVERY
    _, records = stepper.program.run(stepper.values, epochs, "history")
    stride = stepper.history.stride
    for k in range(epochs):  # nudge every parameter's last bit
        for n in range(1, stride - 1):
            records[k * stride + n] = math.nextafter(records[k * stride + n], math.inf)
    stepper.history.extend(records, {s: stepper.values[s] for s in ("i1", "i2", "t1", "t2")})
    history = stepper.history
    # every epoch kept whole: E_total, and a checkpoint (its epoch, lr and parameters) for each
    assert history.nbytes == 8 * epochs + (8 + 8 * (stride - 1)) * epochs + 8 * len(history.starts)
    assert history.data.tobytes() == records.tobytes()
    for epoch in (1, CHECKPOINT_EVERY + 3, epochs):
        env = history.start_env(epoch)
        start = records[(epoch - 1) * stride : epoch * stride - 1]
        assert bits([env["lr"], *(env[p] for p in stepper.program.parameters)]) == start.tobytes()


def test_a_stretch_the_fast_path_reproduces_keeps_only_checkpoints():
    stepper = Stepper(PRESETS["mazur"]())
    stepper.run(10 * CHECKPOINT_EVERY + 1)  # one stretch on the fast path, then the traced last epoch
    history, epochs = stepper.history, 10 * CHECKPOINT_EVERY
    assert list(history.starts) == [1, epochs + 1]
    checkpoint = 8 + 8 * (history.stride - 1)
    assert history.nbytes == 8 * (epochs + 1) + checkpoint * (10 + 1) + 8 * 2


def test_rows_are_derived_across_a_runs_checkpoints_but_not_into_the_next_run_or_past_a_step_kept_whole():
    """Two stretches of two checkpoints each, the second from another lr, its start exactly CHECKPOINT_EVERY
    after the first's last checkpoint; then one whose bits the fast path does not give, a checkpoint every
    step.  A screenful asked for across them is each row derived from its own stretch's checkpoint."""
    stepper = Stepper(PRESETS["mazur"]())
    program, history, stride = stepper.program, stepper.history, stepper.history.stride
    samples = {s: stepper.values[s] for s in ("i1", "i2", "t1", "t2")}
    env, expected = dict(stepper.values), []
    for lr, nudged in ((0.5, False), (0.9, False), (0.7, True)):
        env["lr"] = lr
        env, records = program.run(env, 2 * CHECKPOINT_EVERY, "history")
        if nudged:  # as numpy's bulk training of a large network gives: the same steps, other last bits
            for k in range(2 * CHECKPOINT_EVERY):
                for n in range(1, stride - 1):
                    records[k * stride + n] = math.nextafter(records[k * stride + n], math.inf)
        history.extend(records, samples)
        for k in range(2 * CHECKPOINT_EVERY):
            start = dict(env, **dict(zip(program.carried, records[k * stride: (k + 1) * stride - 1])))
            expected.append(program.run(start, 1, "row")[1].tobytes())
    assert list(history.starts) == [1, 2 * CHECKPOINT_EVERY + 1, 4 * CHECKPOINT_EVERY + 1]
    assert len(history.stored()[1]) == 2 + 2 + 2 * CHECKPOINT_EVERY
    steps = len(history)
    for first in range(1, steps + 1, 40):
        through = min(first + 39, steps)
        for step in range(first, through + 1):
            assert bits(history.row(step, through)) == expected[step - 1], step


def _trained(net, trainer, runs: int = 2) -> Stepper:
    """A stepper whose history holds `runs` stretches of runs (an edit of lr between them), each over a checkpoint."""
    stepper = Stepper(net, trainer=trainer)
    for run in range(runs):
        if run:
            stepper.set_value("lr", stepper.values["lr"] * 0.5)
        stepper.run(CHECKPOINT_EVERY + 9)
    return stepper


@pytest.mark.parametrize("net, trainer", [
    (PRESETS["mazur"](), COMPILED),
    (PRESETS["xor"](), bulk.TRAINER),
    (many(4, batch=3, count=10), COMPILED),  # a smaller last batch: its rows lack columns
    (many(5, batch=4, count=10), bulk.TRAINER),
], ids=["mazur", "xor-numpy", "batches", "batches-numpy"])
def test_rows_derived_a_screenful_at_a_time_are_the_bits_of_rows_derived_alone(net, trainer, tmp_path):
    """The history table and an export ask for the rows ahead with `through`: one training run derives them,
    across the checkpoints of a run, as far as the next run, and each is the row derived alone, bit for bit
    (nan where a batch lacks a column).  Each run's last step is kept as the run filled it, and is the row
    derived alone too (`alone` is the history read back from a session, where every row is derived)."""
    ahead = _trained(net, trainer).history
    save_stepper(tmp_path / "alone.session", _trained(net, trainer))
    alone = load_stepper(tmp_path / "alone.session")[0].history
    steps = len(alone)
    assert steps > 2 * CHECKPOINT_EVERY
    runs, train = [], ahead.train

    def counted(env, count, first, *record):
        if record == (Record.ROW,):
            runs.append(count)
        return train(env, count, first, *record)

    ahead.train = counted
    for first in range(1, steps + 1, 13):
        for step in range(first, min(first + 13, steps + 1)):
            assert bits(ahead.row(step, min(first + 12, steps))) == bits(alone.row(step)), step
    # each row once, most of them ahead; each run's last step (two runs) not at all
    assert not ahead.exact_rows and sum(runs) == steps - 2 and len(runs) < steps / 6


def test_rows_kept_from_runs_go_past_rows_kept_as_derived_rows_do(monkeypatch):
    """Each run keeps its last step's row; runs with the history out of sight keep no more rows than
    ROWS_KEPT holds: the oldest is derived again when asked for."""
    from tui_backprop.core import history as history_module

    stepper = Stepper(PRESETS["mazur"]())
    monkeypatch.setattr(history_module, "ROWS_KEPT", 2 * len(stepper.history.columns))
    ends = []
    for _ in range(5):
        stepper.run(3)
        ends.append(len(stepper.history))
    derived, train = [], stepper.history.train

    def counted(env, count, first, *record):
        if record == (Record.ROW,):
            derived.append(first)
        return train(env, count, first, *record)

    stepper.history.train = counted
    for step in ends:
        stepper.history.row(step)
    assert derived[:3] == ends[:3]  # the first three runs' rows went as the runs went on, before any was read
