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
import threading
import tracemalloc
import zipfile
from array import array
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import Input

from tui_backprop import cli
from tui_backprop.app.widgets.screens import PromptScreen
from tui_backprop.core import PRESETS, Stepper, build_program
from tui_backprop.core import session as session_module
from tui_backprop.core.batches import COMPILED, CompiledLoop, Schedule
from tui_backprop.core.expr import format_number
from tui_backprop.core.loader import load_network, network_from_dict, row_limit
from tui_backprop.core.network import MAX_EPOCH_OPERATIONS, NetworkError, sample_operations
from tui_backprop.core.program import Program, Record
from tui_backprop.core.quiz import Quiz
from tui_backprop.core.safe_files import Stopped
from tui_backprop.core.session import HISTORY, STATE, SessionError, load_stepper, load_study, save_study
from tui_backprop.sheets import check as check_module
from tui_backprop.sheets.check import check_sheet
from tui_backprop.sheets.columns import MAX_HEADER_ROW
from tui_backprop.sheets.grade import grade_folder
from tui_backprop.training import bulk
from tui_backprop.training.sweep import sweep

from app_driver import drive, press, settle, type_in, widget_text
from budget import examples

REPO = Path(__file__).resolve().parent.parent


def online(count: int, **keys) -> dict:
    """A 2-3-1 network file's keys, learning online (batch = 1) from `count` spiral points."""
    return {"name": f"online-{count}", "layers": [2, 3, 1], "batch": 1,
            "samples": {"generate": "spiral", "count": count, "seed": 1}, **keys}


# -- point 7: online learning is linear in the samples ---------------------------------------------


def test_a_step_of_online_learning_is_given_its_own_sample_not_every_sample():
    """One epoch of batch = 1 took samples² (each step copied an env of every sample): 29 s at 20,000."""
    net = network_from_dict(online(300))
    seen = []

    class Spy(CompiledLoop):
        def __call__(self, program, env, steps, record):
            seen.append(len(env))
            return super().__call__(program, env, steps, record)

    trainer = Spy()

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

    def spy(self, env, epochs, record=Record.LOSS):
        seen.append(len(env))
        return run(self, env, epochs, record)

    monkeypatch.setattr(Program, "run", spy)
    rows = list(schedule.rows(COMPILED, net.start_env(), 300))
    monkeypatch.setattr(Program, "run", run)
    assert len(rows) == 300 and max(seen) == 1 + len(schedule.program(1).parameters) + 3
    assert [row[0] for _, row in rows] == [net.start.lr] * 300


def test_a_sweep_stops_when_asked_between_chunks_of_steps():
    net = network_from_dict(online(2000))
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 3

    curves = sweep(Schedule(net), [0.5, 1.0], 1000, trainer=bulk.TRAINER, should_stop=should_stop)
    # 2,000 steps an epoch, 10 epochs a chunk: three chunks of the first rate, then it stopped
    assert list(curves) == [0.5] and len(curves[0.5]) == 30
    assert list(curves[0.5]) == list(sweep(Schedule(net), [0.5], 30, trainer=bulk.TRAINER)[0.5])


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
    path.write_text(line * 40_000)  # 1.2 MB: 400,000 cells
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
    assert (report.wrong, report.wrong_given, report.wrong_epochs) == (whole.wrong, whole.wrong_given, (1, 60, 60))
    assert report.cells == whole.cells and not report.ok
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
    for epochs in (200, 2000):
        path = tmp_path / f"right-{epochs}.csv"
        assert cli.main(["train", "--preset", "excel", "--epochs", str(epochs), "--csv", str(path)]) == 0
        reports = []
        peaks.append(peak_of(lambda: reports.append(check_sheet(path, PRESETS["excel"]()))))
        assert reports[0].ok and reports[0].rows == epochs
    assert peaks[1] < 1.5 * peaks[0], peaks


# -- point 6: a data file past the operation limit is refused at the row that passes it ---------------


def wide(tmp_path: Path, rows: int, bad_row: int | None = None, **keys) -> Path:
    """layers [100, 100] over a data file of `rows` rows × 200 columns; the cell of row `bad_row` (as a
    spreadsheet numbers it: the header is row 1) is not a number."""
    names = [f"c{n}" for n in range(1, 201)]
    lines = [",".join(names)] + [",".join(["0.5"] * 200)] * rows
    if bad_row is not None:
        lines[bad_row - 1] = ",".join(["oops"] * 200)
    (tmp_path / "wide.csv").write_text("\n".join(lines) + "\n")
    path = tmp_path / "wide.json"
    path.write_text(json.dumps({"layers": [100, 100], **keys,
                                "samples": {"file": "wide.csv", "inputs": names[:100], "targets": names[100:]}}))
    return path


def test_a_data_file_past_the_operation_limit_is_refused_before_its_later_rows_are_read(tmp_path, capsys):
    """99,999 rows × 200 columns through layers [100, 100] took 97 s and 1.56 GB to refuse, after every row."""
    per_sample = sample_operations((100, 100), ("sigmoid",), 0, True)
    most = MAX_EPOCH_OPERATIONS // per_sample
    path = wide(tmp_path, 1000, bad_row=most + 10)  # a bad row a little past the limit is never reached
    status, out, err = run(capsys, "train", "--config", str(path), "--epochs", "1")
    assert status == 2 and f"wide.csv: more than {most:,} rows" in err and "oops" not in err, err
    assert "use fewer rows, smaller layers, or hold rows out with test_fraction" in err
    # held out, more rows fit: half of them train
    path = wide(tmp_path, 1000, bad_row=2 * most + 10, test_fraction=0.5)
    status, out, err = run(capsys, "train", "--config", str(path), "--epochs", "1")
    assert status == 2 and f"more than {int((most + 0.5) / 0.5):,} rows" in err and "oops" not in err, err


@settings(max_examples=examples(6))
@given(st.integers(20, 60), st.integers(20, 60), st.sampled_from([None, 0.1, 0.25, 0.5]), st.booleans())
def test_the_early_row_limit_refuses_no_file_the_operation_limit_takes(inputs, outputs, fraction, bias):
    """At the limit's rows a file is still read; one more is refused, and would have been after reading."""
    keys = {"layers": [inputs, outputs], **({"test_fraction": fraction} if fraction else {}),
            **({"bias": "neuron"} if bias else {})}
    per_sample = sample_operations((inputs, outputs), ("sigmoid",), outputs if bias else 0, True)
    limit = row_limit(keys, keys["layers"], per_sample)
    sample = {"inputs": [0.5] * inputs, "targets": [0.5] * outputs}
    with pytest.raises(NetworkError, match="operations"):
        network_from_dict({**keys, "samples": [sample] * (limit.rows + 1)})  # a list: no early limit
    try:
        network_from_dict({**keys, "samples": [sample] * limit.rows})
    except NetworkError as error:  # may still be over: the limit is the most a file may hold, not the least
        assert "operations" in str(error)


def test_reading_a_data_file_stops_when_asked(tmp_path):
    path = wide(tmp_path, 150)
    with pytest.raises(Stopped):
        load_network(path, should_stop=lambda: True)


# -- point 8: a session holds the history as the app keeps it ----------------------------------------


def long_session(tmp_path: Path) -> tuple[Stepper, Path]:
    stepper = Stepper(PRESETS["excel"](), trainer=bulk.TRAINER)
    stepper.run(150_000)
    stepper.finish_epoch()
    stepper.next()
    path = tmp_path / "long.backprop"
    save_study(path, stepper, Quiz())
    return stepper, path


def test_a_session_holds_the_checkpoints_and_saving_re_derives_nothing(tmp_path, monkeypatch):
    """Two runs of 10,000,000 epochs saved took 49 s and 1.92 GB: every epoch's parameters were re-derived."""
    stepper = Stepper(PRESETS["excel"](), trainer=bulk.TRAINER)
    stepper.run(150_000)
    calls = []
    train = stepper.history.train
    monkeypatch.setattr(stepper.history, "train", lambda *args: calls.append(1) or train(*args))
    path = tmp_path / "long.backprop"
    save_study(path, stepper, Quiz())
    assert calls == []
    with zipfile.ZipFile(path) as archive:
        state, size = json.loads(archive.read(STATE)), archive.getinfo(HISTORY).file_size
    history = state["history"]
    assert size == 8 * (history["epochs"] + history["checkpoints"] * stepper.history.stride)
    assert size < 10 * 150_000  # format 1 held 80 bytes an epoch


def test_a_long_session_loads_in_little_more_memory_than_it_holds(tmp_path):
    stepper, path = long_session(tmp_path)
    loaded = []
    peak = peak_of(lambda: loaded.append(load_study(path, bulk.TRAINER)))
    assert peak < 4 * 2**20, peak  # its history keeps 1.4 MB; format 1 read 12 MB, then copied them
    assert loaded[0][0].history.losses() == stepper.history.losses()
    assert loaded[0][0].history.row(77_777) == stepper.history.row(77_777)


def test_a_session_of_format_1_is_read_a_chunk_at_a_time(tmp_path, monkeypatch):
    """Sessions saved before hold every epoch's record: read in chunks, kept as the history keeps them."""
    stepper, path = long_session(tmp_path)
    with zipfile.ZipFile(path) as archive:
        state = json.loads(archive.read(STATE))
    state["version"] = 1
    del state["history"]["checkpoints"]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(STATE, json.dumps(state))
        archive.writestr(HISTORY, stepper.history.data.tobytes())  # 12 MB
    monkeypatch.setattr(session_module, "CHUNK_BYTES", 8 * 1001 * stepper.history.stride)  # mid-stretch chunks
    loaded = []
    peak = peak_of(lambda: loaded.append(load_study(path, bulk.TRAINER)))
    assert peak < 6 * 2**20, peak
    history = loaded[0][0].history
    assert history.stored()[0] == stepper.history.stored()[0]
    assert history.data.tobytes() == stepper.history.data.tobytes()
    assert (loaded[0][0].epoch, loaded[0][0].position) == (stepper.epoch, stepper.position)


def test_checkpoints_far_apart_are_refused(tmp_path):
    """A row is re-derived from the checkpoint before it: a doctored gap of millions would take that long."""
    stepper = Stepper(PRESETS["excel"]())
    stepper.run(1000)
    path = tmp_path / "s.backprop"
    save_study(path, stepper, Quiz())
    with zipfile.ZipFile(path) as archive:
        state = json.loads(archive.read(STATE))
    losses, _, values = stepper.history.stored()
    state["history"]["checkpoints"] = 1
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(STATE, json.dumps(state))
        archive.writestr(HISTORY, losses.tobytes() + array("q", [1]).tobytes() + values[: stepper.history.stride - 1].tobytes())
    with pytest.raises(SessionError, match="history.checkpoints: not rising from epoch 1, at most 64 epochs apart|"
                                           "none in the last 64 epochs"):
        load_stepper(path)


def test_reading_a_session_stops_when_asked(tmp_path):
    _, path = long_session(tmp_path)
    with pytest.raises(Stopped):
        load_stepper(path, should_stop=lambda: True)


# -- points 6 and 8 in the app: `o` reads in a worker, and esc stops it -------------------------------


def test_opening_a_file_reads_it_in_a_worker_while_the_app_keeps_going(monkeypatch, tmp_path):
    """`o` on a 60 MB data file froze the app for 90 s; on a long session, for the seconds it took to read."""
    from tui_backprop.core import loader

    real, release = loader.load_lesson, threading.Event()  # what `o` reads a network file with

    def slow(path, **options):
        release.wait(10)
        return real(path, **options)

    monkeypatch.setattr(loader, "load_lesson", slow)
    saved = tmp_path / "mazur.backprop"
    stepper = Stepper(PRESETS["mazur"]())
    stepper.run(3)
    save_study(saved, stepper, Quiz())

    async def body(app, pilot):
        await press(pilot, "o")
        app.focused.value = str(REPO / "examples" / "tanh-3-layer.toml")
        await press(pilot, "enter")
        prompt = app.screen
        assert isinstance(prompt, PromptScreen) and "Opening" in widget_text(app, prompt.query_one("#error"))
        await press(pilot, "x", "y")  # the prompt still takes keys: the main thread is free
        assert prompt.query_one(Input).value.endswith("tanh-3-layer.tomlxy")
        release.set()
        await settle(pilot)
        assert app.stepper.net.sizes == (2, 3, 3, 2) and len(app.screen_stack) == 1
        await press(pilot, "o")  # a session too
        app.focused.value = str(saved)
        await press(pilot, "enter")
        await settle(pilot)
        assert len(app.stepper.history) == 3 and app.session_path == str(saved)

    drive(body, preset="excel")


def test_esc_stops_opening_a_file(monkeypatch):
    from tui_backprop.core import loader

    def endless(path, should_stop, **options):
        asked = threading.Event()
        while not should_stop():
            asked.wait(0.01)  # a file that takes for ever to read, a hundredth of a second at a time
        raise Stopped

    monkeypatch.setattr(loader, "load_lesson", endless)  # what `o` reads a network file with

    async def body(app, pilot):
        await press(pilot, "o")
        await type_in(pilot, "huge.toml")
        await press(pilot, "escape")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        assert widget_text(app, prompt.query_one("#error")) == "Stopped: huge.toml is not opened."
        assert all(worker.is_finished for worker in app.workers)
        await press(pilot, "escape")  # and esc closes the prompt as ever
        assert len(app.screen_stack) == 1 and app.stepper.net.name == "mazur"

    drive(body)
