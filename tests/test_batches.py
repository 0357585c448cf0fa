"""Mini-batches (core/batches.py): the trace, the fast path, undo, sessions and files understand them,
and they agree with an independent numpy implementation."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from test_engine_scale import random_network

from tui_backprop.core.batches import COMPILED, SEED_STRIDE, Schedule
from tui_backprop.core.expr import format_number
from tui_backprop.core.loader import network_from_dict, network_to_dict
from tui_backprop.core.network import NetworkError, Sample
from tui_backprop.core.session import load_stepper, save_stepper
from tui_backprop.core.stepper import Stepper
from tui_backprop.training import bulk

import numpy_reference

EPOCHS = 3
REPO = Path(__file__).resolve().parent.parent


def batched(seed: int, batch: int, max_samples: int = 7):
    net = random_network(seed, max_samples=max_samples)
    return net.with_changes(batch=batch, shuffle_seed=seed)


def reference_steps(net, epochs: int):
    """E_total of every update step and the parameters after them, from numpy_reference alone."""
    losses, _, _ = numpy_reference.train_in_batches(net, epochs)
    params = numpy_reference.train_in_batches(net, epochs + 1)[1][epochs * -(-len(net.samples) // (net.batch or len(net.samples)))]
    return losses, params


def many(seed: int, batch: int, count: int = 10):
    """A random network with `count` distinct samples."""
    net = random_network(seed)
    r = random.Random(seed)
    samples = tuple(Sample(tuple(r.uniform(-1, 1) for _ in net.samples[0].inputs), tuple(r.uniform(0, 1) for _ in net.samples[0].targets))
                    for _ in range(count))
    return net.with_changes(samples=samples, batch=batch, shuffle_seed=seed)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_the_documented_shuffle_rule_is_the_one_used():
    assert SEED_STRIDE == 1_000_003  # the README and reference_steps state this number


@pytest.mark.parametrize("batch", [0, 1, 2, 3])
@pytest.mark.parametrize("seed", range(25))
def test_batches_agree_with_an_independent_numpy_implementation(seed, batch):
    net = batched(seed, batch)
    losses, params = reference_steps(net, EPOCHS)
    for trainer in (COMPILED, bulk.TRAINER):
        stepper = Stepper(net, trainer=trainer)
        stepper.run(EPOCHS)
        assert len(stepper.history) == len(losses) == EPOCHS * stepper.schedule.steps_per_epoch
        assert all(close(a, b) for a, b in zip(stepper.history.losses(), losses))
        assert all(close(stepper.values[p], params[p]) for p in stepper.program.parameters)


@pytest.mark.parametrize("seed", range(12))
def test_a_stepped_batch_and_the_fast_path_agree_bit_for_bit(seed):
    net = batched(seed, 2)
    fast, stepped = Stepper(net), Stepper(net)
    fast.run(EPOCHS)
    for _ in range(EPOCHS):
        stepped.finish_epoch()
    assert fast.history.data.tobytes() == stepped.history.data.tobytes()
    assert fast.values == stepped.values
    # a row re-derived on the fast path is the row the trace made
    for step in range(1, len(stepped.history) + 1):
        assert [float.hex(v) for v in fast.history.row(step)] == [float.hex(v) for v in stepped.history.row(step)]


def test_an_epoch_learns_from_every_sample_once_in_batches_of_the_size_asked():
    net = many(3, 3)
    schedule = Schedule(net)
    count = len(net.samples)
    assert schedule.steps_per_epoch == -(-count // 3)
    for epoch in (1, 2, 7):
        steps = [schedule.step(epoch, b) for b in range(1, schedule.steps_per_epoch + 1)]
        members = [k for step in steps for k in schedule.members(step)]
        assert sorted(members) == list(range(count))
        assert [len(schedule.members(step)) for step in steps[:-1]] == [3] * (len(steps) - 1)
    assert schedule.members(schedule.step(1, 1)) != schedule.members(schedule.step(2, 1))


def test_the_same_seed_repeats_a_run_exactly_and_another_seed_does_not():
    net = many(9, 1)
    runs = [Stepper(net.with_changes(shuffle_seed=seed)) for seed in (1, 1, 2)]
    for stepper in runs:
        stepper.run(4)
    assert runs[0].history.data.tobytes() == runs[1].history.data.tobytes()
    assert runs[0].history.data.tobytes() != runs[2].history.data.tobytes()


@pytest.mark.parametrize("seed", range(6))
def test_undo_walks_back_across_batches_to_the_very_start(seed):
    net = batched(seed, 2)
    stepper = Stepper(net)
    start = dict(stepper.values)
    for _ in range(2 * len(stepper.program) + 3):
        stepper.next()
    stepper.run(2)
    while stepper.previous():
        pass
    assert stepper.values == start and (stepper.step, stepper.position, len(stepper.history)) == (1, 0, 0)


def test_a_batch_names_its_samples_and_its_place_in_the_epoch():
    net = many(2, 2)
    stepper = Stepper(net)
    stepper.finish_step()
    stepper.next()
    assert stepper.where == f"epoch 1 · batch 2 of {stepper.schedule.steps_per_epoch}"
    members = stepper.schedule.members(2)
    assert stepper.schedule.samples_text(2) == f"samples {members[0] + 1} and {members[1] + 1}"
    assert stepper.last.as_dict()["batch"] == 2
    # the batch's samples are its program's inputs
    inputs = stepper.program.names.input_symbols(0)
    assert [stepper.values[s] for s in inputs] == list(net.samples[members[0]].inputs)


def test_the_samples_of_a_batch_are_not_edited_by_hand():
    stepper = Stepper(many(9, 1))
    with pytest.raises(KeyError, match="data set"):
        stepper.set_value(stepper.program.names.input_symbols(0)[0], 0.5)
    stepper.set_value("lr", 0.25)
    assert stepper.values["lr"] == 0.25


def test_an_epochs_loss_weighs_each_batch_by_its_share_of_the_samples():
    net = many(9, 3).with_changes(loss="mse", activations=("sigmoid",) * random_network(9).depth)
    stepper = Stepper(net)
    stepper.run(2)
    per = stepper.schedule.steps_per_epoch
    steps = stepper.history.losses()
    sizes = [len(stepper.schedule.members(k)) for k in range(1, per + 1)]
    expected = math.fsum(loss * size / len(net.samples) for loss, size in zip(steps[:per], sizes))
    assert stepper.history.epoch_losses()[0] == expected
    assert len(stepper.history.epoch_losses()) == 2


@pytest.mark.parametrize("moves", [0, 5, 40, 61])
def test_a_batched_session_comes_back_exactly(tmp_path, moves):
    net = batched(1, 2)
    stepper = Stepper(net)
    stepper.run(2)
    for _ in range(moves):
        stepper.next()
    path = tmp_path / "batched.backprop"
    save_stepper(path, stepper)
    saved = (stepper.step, stepper.position)
    loaded, _ = load_stepper(path)
    assert (loaded.step, loaded.position, loaded.where) == (stepper.step, stepper.position, stepper.where)
    assert loaded.values == stepper.values
    assert loaded.history.data.tobytes() == stepper.history.data.tobytes()
    for one in (loaded, stepper):
        one.run(1)
    assert loaded.values == stepper.values
    # undo reaches back to the start of the batch under way
    while loaded.previous():
        pass
    assert (loaded.step, loaded.position) == (saved if saved[1] == len(loaded.program) else (saved[0], 0))


def test_the_network_file_takes_batch_and_shuffle_seed():
    base = network_to_dict(many(2, 0))
    assert network_from_dict({**base, "batch": "full"}).batch == 0
    net = network_from_dict({**base, "batch": 2, "shuffle_seed": 9})
    assert (net.batch, net.shuffle_seed) == (2, 9)
    assert network_from_dict(network_to_dict(net)) == net
    for bad, message in [(0, "batch"), (-1, "batch"), ("2", "batch"), (True, "batch"), (1.5, "batch")]:
        with pytest.raises(NetworkError, match=message):
            network_from_dict({**base, "batch": bad})
    with pytest.raises(NetworkError, match="shuffle_seed"):
        network_from_dict({**base, "batch": 2, "shuffle_seed": "x"})
    with pytest.raises(NetworkError, match="shuffle_seed"):
        network_from_dict({**base, "shuffle_seed": 3})


def test_a_negative_shuffle_seed_is_refused():
    """Python's random seeds with the absolute value, so -1 would shuffle as 1 does: refused, in the file and
    in the core, with one line."""
    base = network_to_dict(many(2, 0))
    with pytest.raises(NetworkError, match="shuffle_seed.*at least 0|shuffle_seed.*from 0"):
        network_from_dict({**base, "batch": 2, "shuffle_seed": -1})
    with pytest.raises(NetworkError, match="shuffle_seed"):
        many(4, 2).with_changes(shuffle_seed=-1)
    assert network_from_dict({**base, "batch": 2, "shuffle_seed": 0}).shuffle_seed == 0


@pytest.mark.parametrize("batch", [0, 3])
def test_the_history_gives_the_held_out_error_of_each_epoch(batch):
    net = many(11, batch, count=12)
    net = net.with_changes(samples=net.samples[:9], test_samples=net.samples[9:])
    stepper = Stepper(net)
    stepper.run(5)
    per = stepper.schedule.steps_per_epoch
    tests = stepper.history.test_losses()
    assert len(tests) == 5 == len(stepper.history.epoch_losses())
    losses, params = [], {"lr": net.start.lr, **net.parameters()}
    # independently: numpy over the held-out samples with the parameters each epoch starts with
    for epoch in range(1, 6):
        held_out = net.with_changes(samples=net.test_samples, test_samples=(), batch=0)
        losses.append(numpy_reference.epoch(held_out, dict(held_out.start_env(), **params)).total)
        params = stepper.history.start_env(epoch * per + 1) if epoch < 5 else params
        params = {key: params[key] for key in ("lr", *net.parameters())}
    assert all(close(a, b) for a, b in zip(tests, losses))
    stepper.run(2)
    assert len(stepper.history.test_losses()) == 7
    stepper.previous()
    after_undo = stepper.history.test_losses()
    assert len(after_undo) == 5 and all(close(a, b) for a, b in zip(after_undo, losses))


def test_the_app_steps_through_a_batch_and_names_it():
    from test_history_view import table_lines

    from tui_backprop.app.widgets.history_table import HistoryTable
    from tui_backprop.app.widgets.loss_chart import LossChart
    from tui_backprop.core.expr import format_number
    from tui_backprop.core.loader import load_network

    from app_driver import drive, press, screen_text

    net = load_network(REPO / "examples" / "iris.toml")

    async def body(app, pilot):
        stepper = app.stepper
        await press(pilot, "n")
        text = screen_text(app)
        assert "epoch 1 · batch 1 of 8" in text
        assert "this batch" in text and "this epoch" not in text  # the values table's title
        members = stepper.schedule.members(1)
        assert f"samples {members[0] + 1}, {members[1] + 1}, {members[2] + 1}" in text  # the line wraps after these
        await press(pilot, "e")
        assert (stepper.epoch, stepper.batch, len(stepper.history)) == (1, 8, 8)
        text = screen_text(app)
        assert f"epoch 1 done: E_total = {format_number(stepper.history.epoch_losses()[0], 6)}" in text
        await press(pilot, "v", "v")  # the history panel
        table = app.query_one(HistoryTable)
        lines = table_lines(table)
        assert lines[0].split()[:3] == ["epoch·batch", "E_total", "E_test"]
        rows = [line.split() for line in lines[1:] if line.strip()]
        first = 9 - len(rows)  # the table follows the newest row
        assert len(rows) >= 3 and [row[0] for row in rows] == [f"1·{b}" for b in range(first, 9)]
        for step, row in enumerate(rows, first):
            assert row[1] == format_number(stepper.history.losses()[step - 1], 6)
            assert row[2] == format_number(stepper.history.test_loss(step), 6)
        curves = app.query_one(LossChart).curves
        assert list(curves["E_total"]) == list(stepper.history.epoch_losses())
        assert list(curves["E_test"]) == [stepper.history.test_loss(1)]

    drive(body, network=net)


def test_x_exports_a_batched_history_a_row_per_step(tmp_path):
    import csv

    from tui_backprop.app.saving import export_files

    stepper = Stepper(many(9, 3))
    stepper.run(2)
    message = export_files(stepper, tmp_path)
    per = stepper.schedule.steps_per_epoch
    assert f"({2 * per} batches)" in message
    rows = list(csv.reader((tmp_path / next(p.name for p in tmp_path.iterdir() if p.name.endswith("-history.csv"))).open()))
    assert rows[0][:2] == ["epoch", "batch"] and rows[0][2:] == stepper.history.columns
    assert [(int(r[0]), int(r[1])) for r in rows[1:]] == [(e, b) for e in (1, 2) for b in range(1, per + 1)]
    assert [float(r[2 + stepper.history.columns.index("E_total")]) for r in rows[1:]] == list(stepper.history.losses())
    workbook = next(p for p in tmp_path.iterdir() if p.suffix == ".xlsx")  # the current epoch, a row per batch
    assert workbook.name in message


def test_gradcheck_checks_each_batch_over_its_own_samples(tmp_path, capsys):
    from tui_backprop import cli
    from tui_backprop.core.gradcheck import gradient_check

    net = many(9, 3)
    path = tmp_path / "batched.json"
    path.write_text(__import__("json").dumps(network_to_dict(net)))
    assert cli.main(["gradcheck", "--config", str(path), "--epochs", "2"]) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("parameter"))
    assert header.split()[-1] == "epoch·batch"
    schedule = Schedule(net)
    # the worst check of each parameter is the worst over every step's own batch
    params, worst = {"lr": net.start.lr, **net.parameters()}, {}
    for step in range(1, 2 * schedule.steps_per_epoch + 1):
        env = {**params, **schedule.samples_env(step)}
        for check in gradient_check(schedule.program(step), env):
            worst[check.parameter] = max(worst.get(check.parameter, 0.0), check.relative_error)
        params = {k: v for k, v in schedule.program(step).run(env, 1, "loss")[0].items() if k in params}
    rows = {line.split()[0]: line.split() for line in lines if line.split() and line.split()[0] in worst}
    assert set(rows) == set(worst)
    for parameter, error in worst.items():
        assert rows[parameter][3] == format_number(error, 2)


@pytest.mark.parametrize("batch", [0, 1, 2])
def test_the_values_the_next_operation_reads_are_told_before_it_as_it_reads_them(batch):
    """Stepper.upcoming_reads (the givens the quiz and the tutor list) is what `next` then reads, bit for bit,
    across the ends of steps too, where with batches the next batch's samples come in."""
    stepper = Stepper(many(3, batch, count=5))
    for _ in range(3 * len(stepper.quantities) + 2):
        reads = stepper.upcoming_reads()
        op = stepper.next()
        assert tuple(reads) == op.quantity.reads and tuple(reads.values()) == op.read_values
