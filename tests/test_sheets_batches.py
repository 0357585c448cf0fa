"""`check` on a batched network's sheet: a row per update step, each checked against its step's program.

Every correct number comes from the core: the sheets are the rows `train --csv` writes (the core's
run, step by step) or the core's programs run step by step with one value changed, as a spreadsheet
recomputes everything after a cell a student typed wrong.
"""

from __future__ import annotations

import csv
import json
import math

import pytest

from tui_backprop import cli
from tui_backprop.core.batches import Schedule, aligned
from tui_backprop.core.loader import network_from_dict
from tui_backprop.sheets.check import check_sheet
from tui_backprop.sheets.check_report import render_text
from tui_backprop.sheets.columns import is_measure

# 10 samples in batches of 4: three steps an epoch, the last of 2 samples, shuffled anew each epoch.
BATCHED = {"name": "batched", "layers": [2, 3, 1], "loss": "mse", "bias": "neuron",
           "samples": {"generate": "xor", "count": 10, "seed": 3}, "batch": 4, "shuffle_seed": 5}
EPOCHS = 3
SPOILED_STEP, SPOILED, BY = 5, "w5", 0.05  # epoch 2 · batch 2: a full batch whose next step is the smaller one


def batched():
    return network_from_dict(dict(BATCHED))


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("net") / "batched.json"
    path.write_text(json.dumps(BATCHED), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(config, tmp_path_factory):
    """The rows `train --csv` writes: the core's run, one row per step (epoch, batch, lr, parameters, …)."""
    path = tmp_path_factory.mktemp("sheets") / "run.csv"
    assert cli.main(["train", "--config", str(config), "--epochs", str(EPOCHS), "--csv", str(path)]) == 0
    return path


def read_rows(path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


def write_rows(path, header, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([header, *rows])


def recomputed_rows(schedule: Schedule, steps: int, change: tuple[int, str, float] | None = None):
    """The core's rows of the first `steps` steps, in train --csv's columns; with `change` = (step, symbol,
    delta), that symbol is `delta` off in that step and every later value is computed from it."""
    columns = schedule.program(1).columns
    env = dict(schedule.net.start_env())
    for step in range(1, steps + 1):
        env = {**env, **schedule.samples_env(step)}
        if change and change[0] == step:
            env[change[1]] += change[2]
        program = schedule.program(step)
        env, out = program.run(env, 1, "row")
        yield [*schedule.place(step), *aligned(columns, program.columns, list(out))]


@pytest.fixture(scope="module")
def spoiled(trained, tmp_path_factory):
    """The trained sheet with w5 typed 0.05 too high in epoch 2 · batch 2, everything after it recomputed."""
    schedule = Schedule(batched())
    header, _ = read_rows(trained)
    # The run's measures (accuracy, each layer's mean |dE/dw|) end the row; check reads past them.
    columns = ["epoch", "batch", *schedule.program(1).columns]
    assert header[:len(columns)] == columns and all(map(is_measure, header[len(columns):]))
    header = columns
    path = tmp_path_factory.mktemp("sheets") / "spoiled.csv"
    rows = recomputed_rows(schedule, EPOCHS * schedule.steps_per_epoch, (SPOILED_STEP, SPOILED, BY))
    write_rows(path, header, [[repr(value) if isinstance(value, float) else value for value in row] for row in rows])
    return path


def cells(path) -> dict[tuple[int, int, str], float]:
    header, rows = read_rows(path)
    return {(int(row[0]), int(row[1]), symbol): float(text)
            for row in rows for symbol, text in zip(header[2:], row[2:])
            if not math.isnan(float(text)) and not is_measure(symbol)}


def test_the_core_rows_check_clean(trained, config, capsys):
    schedule = Schedule(batched())
    report = check_sheet(trained, batched())
    assert report.ok, render_text(report)
    assert report.rows == EPOCHS * schedule.steps_per_epoch == 9
    # Every number on the sheet was checked; the smaller last batch's missing samples (nan) were not.
    assert report.cells == len(cells(trained))
    assert cli.main(["check", str(trained), "--config", str(config)]) == cli.EXIT_OK
    assert "every cell is right (9 rows" in capsys.readouterr().out


def test_the_rows_follow_the_shuffled_schedule(trained):
    """Checked against another shuffle of the samples, the same rows are wrong from the first batch on."""
    report = check_sheet(trained, batched().with_changes(shuffle_seed=6))
    assert not report.ok and report.first.epoch == 1 and report.first.batch == 1


def test_a_sheet_that_skips_steps_checks_clean(trained, tmp_path):
    """The steps between rows run on the fast path, across epochs and the smaller last batch."""
    header, rows = read_rows(trained)
    kept = [row for row in rows if (row[0], row[1]) in {("1", "1"), ("1", "2"), ("2", "3"), ("3", "3")}]
    path = tmp_path / "gaps.csv"
    write_rows(path, header, kept)
    report = check_sheet(path, batched())
    assert report.ok and report.rows == 4


def test_one_changed_cell_is_reported_first_and_the_cells_it_spoils_follow(trained, spoiled):
    report = check_sheet(spoiled, batched())
    right, sheet = cells(trained), cells(spoiled)
    epoch, batch = Schedule(batched()).place(SPOILED_STEP)
    first = report.first
    assert (first.epoch, first.batch, first.symbol, first.step) == (epoch, batch, SPOILED, SPOILED_STEP)
    assert first.starts_here and report.starts == [first]
    assert first.correct == right[epoch, batch, SPOILED] and first.sheet == sheet[epoch, batch, SPOILED]
    # The cells it spoils are exactly the cells that differ from the core's run.
    differ = {key for key, value in sheet.items() if not math.isclose(value, right[key], rel_tol=report.rel_tol)}
    assert {(m.epoch, m.batch, m.symbol) for m in report.mismatches} == differ
    for m in report.mismatches[1:]:
        assert not m.starts_here and m.origin == SPOILED_STEP
        if m.step == SPOILED_STEP:  # the same row: computed from w5
            assert m.follows is None and m.causes
        else:
            assert (m.follows, m.follows_epoch) == (SPOILED_STEP, epoch)
            assert m.explanation().startswith(f"follows from epoch {epoch} · batch {batch}")
    # Into the smaller last batch (epoch 2 · batch 3) and the next epoch's batches.
    assert {(m.epoch, m.batch) for m in report.mismatches} == {(2, 2), (2, 3), (3, 1), (3, 2), (3, 3)}
    text = render_text(report)
    assert f"The first wrong cell: epoch {epoch} · batch {batch}, {SPOILED} in " in text
    assert f"all following from epoch {epoch} · batch {batch}" in text
    found = report.as_dict()["mismatches"]
    assert (found[0]["epoch"], found[0]["batch"], found[0]["step"]) == (epoch, batch, SPOILED_STEP)
    assert (found[-1]["follows_epoch"], found[-1]["follows_batch"]) == (epoch, batch)


def test_a_mistake_carries_over_skipped_steps(spoiled, tmp_path):
    header, rows = read_rows(spoiled)
    path = tmp_path / "spoiled-gaps.csv"
    write_rows(path, header, [row for n, row in enumerate(rows, 1) if n <= SPOILED_STEP or n == 9])
    report = check_sheet(path, batched())
    assert [(m.step, m.symbol) for m in report.starts] == [(SPOILED_STEP, SPOILED)]
    last = [m for m in report.mismatches if m.step == 9]
    assert last and all(m.follows == SPOILED_STEP for m in last)


def test_a_changed_sample_is_a_wrong_given_value(trained, tmp_path):
    """The sample columns may be given; a wrong one names the batch's samples."""
    schedule = Schedule(batched())
    header, rows = read_rows(trained)
    samples = schedule.samples_env(2)  # a full batch's: i1[1], i2[1], t1[1], i1[2], …

    def with_samples(step: int, row: list[str]) -> list[str]:  # the smaller last batch leaves its lacking places blank
        given = schedule.samples_env(step)
        return row[:2] + [repr(given[symbol]) if symbol in given else "" for symbol in samples] + row[2:]

    header = header[:2] + list(samples) + header[2:]
    rows = [with_samples(step, row) for step, row in enumerate(rows, 1)]
    path = tmp_path / "samples.csv"
    write_rows(path, header, rows)
    assert check_sheet(path, batched()).ok
    rows[1][2] = repr(samples["i1[1]"] + 1)
    write_rows(path, header, rows)
    report = check_sheet(path, batched())
    first = report.first
    assert (first.epoch, first.batch, first.symbol, first.starts_here) == (1, 2, "i1[1]", True)
    assert first.formula == f"i1[1] is given by the batch's {schedule.samples_text(2)}"


def refused(capsys, path, config, *words) -> None:
    status = cli.main(["check", str(path), "--config", str(config)])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == "" and captured.err.count("\n") == 1, captured
    for word in words:
        assert word in captured.err, captured.err


def test_a_sheet_without_its_batch_column_is_one_line(trained, config, tmp_path, capsys):
    header, rows = read_rows(trained)
    path = tmp_path / "no-batch.csv"
    write_rows(path, [header[0], *header[2:]], [[row[0], *row[2:]] for row in rows])
    refused(capsys, path, config, "no batch column")
    write_rows(path, header[1:], [row[1:] for row in rows])
    refused(capsys, path, config, "no epoch column")


def test_rows_out_of_order_are_one_line(trained, config, tmp_path, capsys):
    header, rows = read_rows(trained)
    path = tmp_path / "order.csv"
    write_rows(path, header, [rows[1], rows[0], *rows[2:]])
    refused(capsys, path, config, "epoch 1 · batch 1 comes after epoch 1 · batch 2")
    write_rows(path, header, [rows[0], rows[0]])
    refused(capsys, path, config, "comes after")
    rows[0][1] = "4"  # three batches an epoch
    write_rows(path, header, rows)
    refused(capsys, path, config, "the batch must be a whole number from 1 to 3")


def test_a_number_where_the_last_batch_has_no_sample_is_one_line(trained, config, tmp_path, capsys):
    header, rows = read_rows(trained)
    rows[2][header.index("h1[3]")] = "0.5"  # epoch 1 · batch 3 has 2 samples
    path = tmp_path / "extra.csv"
    write_rows(path, header, rows)
    refused(capsys, path, config, "epoch 1 · batch 3 has 2 samples")


def test_a_full_batch_sheet_still_has_no_batch_column(trained, capsys):
    status = cli.main(["check", str(trained), "--preset", "mazur"])
    assert status == 2 and "unknown column 'batch'" in capsys.readouterr().err


def test_the_steps_a_sheet_names_are_bounded(trained, config, tmp_path, capsys):
    """The checker runs every step up to the last named, one at a time: at most MAX_EPOCH steps."""
    from tui_backprop.sheets.columns import MAX_EPOCH

    header, rows = read_rows(trained)
    most = MAX_EPOCH // Schedule(batched()).steps_per_epoch
    rows[-1][0] = str(most + 1)
    path = tmp_path / "far.csv"
    write_rows(path, header, rows)
    refused(capsys, path, config, f"the epoch must be a whole number from 1 to {most:,}")


def test_a_slip_is_named_in_the_words_of_batches(trained, tmp_path):
    """h3[1] computed with the batch before's w5: the core's formula with that one number changed."""
    schedule = Schedule(batched())
    header, rows = read_rows(trained)
    before, row = rows[SPOILED_STEP - 2], rows[SPOILED_STEP - 1]
    program = schedule.program(SPOILED_STEP)
    env = {**{symbol: float(text) for symbol, text in zip(header[2:], row[2:])}, **schedule.samples_env(SPOILED_STEP),
           "w5": float(before[header.index("w5")])}
    row[header.index("h3[1]")] = repr(program.evaluators[program.index["h3[1]"]](env))
    path = tmp_path / "slip.csv"
    write_rows(path, header, rows)
    report = check_sheet(path, batched())
    first = report.first
    assert (first.step, first.symbol, first.starts_here) == (SPOILED_STEP, "h3[1]", True)
    assert first.slip.words == "the batch before's w5 where this batch's belongs"
    assert "The sheet's number comes from h3[1] = " in render_text(report)
