"""Hostile input, second pass (issue 18, points 4–8): small input must not cost gigabytes or minutes.

Each test shows the cost without timing it: the work per step that does not grow with the data, a file
refused after reading about as many rows as the limit allows (a bad row planted after them is never
reached), the most memory Python held (tracemalloc) on an input sized to show the difference, a thread
that ends when asked.  bench/bench_hostile.py measures the full-size cases.
"""

from __future__ import annotations

import asyncio
import csv
import json
import tracemalloc
from pathlib import Path

import openpyxl
from app_driver import drive, press

from tui_backprop import bulk, cli
from tui_backprop.core import PRESETS, Stepper, build_program
from tui_backprop.core.batches import Schedule
from tui_backprop.core.expr import format_number
from tui_backprop.core.loader import network_from_dict
from tui_backprop.core.program import Program
from tui_backprop.core.sweep import sweep
from tui_backprop.sheets import check as check_module
from tui_backprop.sheets.check import check_sheet
from tui_backprop.sheets.columns import MAX_HEADER_ROW
from tui_backprop.sheets.grade import grade_folder


def online(count: int, **keys) -> dict:
    """A 2-3-1 network file's keys, learning online (batch = 1) from `count` spiral points."""
    return {"name": f"online-{count}", "layers": [2, 3, 1], "batch": 1,
            "samples": {"generate": "spiral", "count": count, "seed": 1}, **keys}


# -- point 7: online learning is linear in the samples ---------------------------------------------


def test_a_step_of_online_learning_is_given_its_own_sample_not_every_sample():
    """One epoch of batch = 1 took samples² (each step copied an env of every sample): 29 s at 20,000."""
    net = network_from_dict(online(300))
    seen = []

    def trainer(program, env, epochs, record):
        seen.append(len(env))
        return program.run(env, epochs, record)

    schedule = Schedule(net)
    _, losses = schedule.train_epochs(trainer, net.start_env(), 2)
    own = 1 + len(schedule.program(1).parameters) + 3  # lr, the weights, one sample's inputs and target
    assert len(seen) == 2 * 300 and max(seen) == own
    # the numbers are the stepper's (the app's `r`), which always stepped with its batch alone
    stepper = Stepper(net)
    stepper.run(2)
    assert list(losses) == list(stepper.history.epoch_losses())


def test_train_csv_rows_of_online_learning_see_their_own_sample(monkeypatch):
    net = network_from_dict(online(300))
    schedule = Schedule(net)
    seen, run = [], Program.run

    def spy(self, env, epochs, record="loss"):
        seen.append(len(env))
        return run(self, env, epochs, record)

    monkeypatch.setattr(Program, "run", spy)
    rows = list(schedule.rows(net.start_env(), 300))
    monkeypatch.setattr(Program, "run", run)
    assert len(rows) == 300 and max(seen) == 1 + len(schedule.program(1).parameters) + 3
    assert [row[0] for _, row in rows] == [net.lr] * 300


def test_a_sweep_stops_when_asked_between_chunks_of_steps():
    net = network_from_dict(online(2000))
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 3

    curves = sweep(Schedule(net), [0.5, 1.0], 1000, train=bulk.train, should_stop=should_stop)
    # 2,000 steps an epoch, 10 epochs a chunk: three chunks of the first rate, then it stopped
    assert list(curves) == [0.5] and len(curves[0.5]) == 30
    assert list(curves[0.5]) == list(sweep(Schedule(net), [0.5], 30, train=bulk.train)[0.5])


def test_leaving_the_rate_view_stops_its_sweep():
    """`s` then esc left the sweep running in its thread, and `n` went from 108 ms to 3 s."""
    net = network_from_dict(online(5000))  # six rates × 1,000 epochs × 5,000 steps: minutes of sweeping

    def sweeping(app) -> list:
        return [worker for worker in app.workers if worker.group == "rate-sweep" and not worker.is_finished]

    async def body(app, pilot):
        await press(pilot, "s")
        assert sweeping(app)
        await press(pilot, "escape")
        for _ in range(200):  # the sweep hears it between chunks of 20,000 steps, a fraction of a second
            if not sweeping(app):
                break
            await asyncio.sleep(0.05)
        assert not sweeping(app)
        await press(pilot, "n")
        assert app.stepper.position == 1

    drive(body, network=net)


def test_the_rate_view_left_mid_sweep_sweeps_again_when_shown_again(monkeypatch):
    from tui_backprop.app.widgets import rate_view
    from tui_backprop.app.widgets.rate_view import RateView

    real_sweep, calls = rate_view.sweep, []

    def held_until_left(schedule, rates, epochs, **options):
        calls.append(1)
        while len(calls) == 1 and not options["should_stop"]():  # the first sweep lasts until the view is left
            pass
        return real_sweep(schedule, rates, epochs, **options)

    monkeypatch.setattr(rate_view, "sweep", held_until_left)

    async def body(app, pilot):
        await press(pilot, "s", "escape")
        await app.workers.wait_for_complete()
        await press(pilot, "s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = app.screen.query_one(RateView)
        expected = real_sweep(Schedule(view.network), view.rates, view.epochs)
        shown = [view.query_one("DataTable").get_row_at(n) for n in range(len(expected))]
        assert len(calls) == 2 and [str(row[0]) for row in shown] == [format_number(rate) for rate in expected]
        assert str(shown[0][-2]) == format_number(expected[view.rates[0]][-1], 6)

    drive(body)


# -- points 4 and 5: a sheet is read a row at a time, never held whole or padded ---------------------


def peak_of(action) -> int:
    """The most memory Python held while `action()` ran."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def far_cells(path: Path, down: int) -> Path:
    """Issue 18's 4.9 KB workbook: `epoch,w1,w2`, `1,0.15,0.2`, one cell at (3, 1000), one at (`down`, 1)."""
    book = openpyxl.Workbook()
    for row in (("epoch", "w1", "w2"), (1, 0.15, 0.2)):
        book.active.append(row)
    book.active.cell(3, 1000, 0.5)
    book.active.cell(down, 1, 0.5)
    book.save(path)
    return path


def test_a_workbook_with_a_far_cell_is_not_padded_to_its_width(tmp_path, capsys):
    """Every row was padded to the widest after the cells were counted: 1.59 GB at 200,000 rows."""
    path = far_cells(tmp_path / "far.xlsx", 5000)  # 5,000 rows × 1,000 columns, padded: 40 MB of pointers
    said = []
    peak = peak_of(lambda: said.append(run(capsys, "check", str(path), "--preset", "excel")))
    status, out, err = said[0]
    assert status == 2 and "cell ALL3 holds '0.5' but its column has no name" in err
    assert peak < 8 * 2**20, peak
    folder = tmp_path / "class"
    folder.mkdir()
    path.rename(folder / path.name)
    peak = peak_of(lambda: grade_folder(folder, PRESETS["excel"]()))
    assert peak < 8 * 2**20, peak
    row, = grade_folder(folder, PRESETS["excel"]()).rows
    assert "cell ALL3 holds '0.5'" in row.note


def test_a_sheet_of_cells_without_a_header_is_refused_within_its_first_rows(tmp_path, capsys):
    """A 63 MB sheet of two-character cells peaked at 1.85 GB before it was refused: every row was held."""
    path = tmp_path / "cells.csv"
    line = ",".join(["ab"] * 10) + "\n"
    path.write_text(line * 60_000)  # 1.8 MB: 600,000 cells
    said = []
    peak = peak_of(lambda: said.append(run(capsys, "check", str(path))))
    status, out, err = said[0]
    assert status == 2 and f"in its first {MAX_HEADER_ROW:,} rows" in err and err.count("\n") == 1
    assert peak < 8 * 2**20, peak


def test_a_header_below_the_first_rows_is_not_looked_for(tmp_path, capsys):
    path = tmp_path / "late.csv"
    path.write_text("a title\n" * MAX_HEADER_ROW + "w1,w2\n0.15,0.2\n")
    status, out, err = run(capsys, "check", str(path), "--preset", "excel")
    assert status == 2 and f"in its first {MAX_HEADER_ROW:,} rows" in err
    path.write_text("a title\n" * (MAX_HEADER_ROW - 1) + "w1,w2\n0.15,0.2\n")
    assert run(capsys, "check", str(path), "--preset", "excel")[0] == 0


def every_cell_off(tmp_path: Path, epochs: int) -> Path:
    """`train --csv` of the excel preset for `epochs` epochs, every number after the epoch 1.5 times the right one."""
    right = tmp_path / "right.csv"
    assert cli.main(["train", "--preset", "excel", "--epochs", str(epochs), "--csv", str(right)]) == 0
    rows = list(csv.reader(right.open()))
    path = tmp_path / "off.csv"
    with path.open("w", newline="") as stream:
        csv.writer(stream).writerows([rows[0]] + [[row[0]] + [repr(1.5 * float(x)) for x in row[1:]] for row in rows[1:]])
    return path


def test_a_sheet_of_wrong_cells_lists_the_first_and_counts_the_rest(tmp_path, capsys, monkeypatch):
    """Every cell of 100,000 epochs off took 3.36 GB: every wrong cell was kept with its formula's numbers."""
    path = every_cell_off(tmp_path, 60)
    capsys.readouterr()
    program = build_program(PRESETS["excel"]())
    whole = check_sheet(path, PRESETS["excel"]())
    monkeypatch.setattr(check_module, "MAX_LISTED", 100)
    report = check_sheet(path, PRESETS["excel"]())
    assert len(whole.mismatches) == whole.wrong > 100 and whole.unlisted == 0
    assert len(report.mismatches) == 100 and report.mismatches == whole.mismatches[:100]
    assert (report.wrong, report.started, report.wrong_epochs) == (whole.wrong, whole.started, (1, 60, 60))
    assert whole.started == len(whole.starts) and report.cells == whole.cells and not report.ok
    assert report.wrong == 60 * (len(program.columns) - 1 + 1)  # every column but lr, and lr too: all are off
    document = json.loads(run(capsys, "check", str(path), "--preset", "excel", "--format", "json")[1])
    assert (document["wrong"], document["listed"], len(document["mismatches"])) == (whole.wrong, 100, 100)
    text = run(capsys, "check", str(path), "--preset", "excel")[1]
    assert f"{whole.wrong:,} wrong cells" in text
    assert f"The first 100 wrong cells, in the order they are computed (the {whole.wrong - 100:,} after them" in text
    status, out, err = run(capsys, "grade", str(path.parent), "--preset", "excel", "--out", str(tmp_path / "g"))
    graded = {row[1]: row for row in csv.reader((tmp_path / "g" / "class.csv").open())}
    assert graded["off.csv"][6] == "1–60 (60)"


def test_a_long_sheet_is_checked_without_holding_its_rows(tmp_path):
    """Its rows are read as they are checked: ten times the rows, about the same memory."""
    peaks = []
    for epochs in (300, 3000):
        path = tmp_path / f"right-{epochs}.csv"
        assert cli.main(["train", "--preset", "excel", "--epochs", str(epochs), "--csv", str(path)]) == 0
        reports = []
        peaks.append(peak_of(lambda: reports.append(check_sheet(path, PRESETS["excel"]()))))
        assert reports[0].ok and reports[0].rows == epochs
    assert peaks[1] < 1.5 * peaks[0], peaks
