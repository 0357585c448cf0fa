"""Hostile names and hostile targets in what we generate (issue 18): code, escapes and formulas come back as data,
and no export crashes or leaves half its files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import tui_backprop
from tui_backprop.core import PRESETS, Parameters, build_program
from tui_backprop.core.loader import network_to_dict

from budget import examples

# Children run the package these tests import (not necessarily the repository's).
ROOT = Path(tui_backprop.__file__).resolve().parent.parent


def backprop(*args: str, cwd: Path, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_backprop", *args], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          cwd=cwd, capture_output=True, text=True, timeout=120, **options)


def network_file(folder: Path, stem: str, name: str | None = None) -> Path:
    """The mazur network as a JSON file `stem`.json, named `name` (without one, the file's stem names it)."""
    data = network_to_dict(PRESETS["mazur"]())
    data.pop("name", None)
    if name is not None:
        data["name"] = name
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- 1. explain --format python: a name is a literal, never code ----------------------------------------------

INJECTED_NAMES = {
    "a name that closes the docstring": 'x"""; import os; os.system("echo INJECTED > pwned"); """',
    "a backslash-N, a SyntaxError in a docstring": "x\\N y \\ z \\",
    "quotes of every kind": "it's \"quoted\" ''' \"\"\" `x`",
}


def run_script(script: str, folder: Path) -> tuple[str, str]:
    """Run a generated script as a student would (python epoch.py), and read its NETWORK as a module;
    (what it printed, NETWORK's repr)."""
    (folder / "epoch.py").write_text(script, encoding="utf-8")
    ran = subprocess.run([sys.executable, "epoch.py"], cwd=folder, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    named = subprocess.run([sys.executable, "-c", "import runpy; print(repr(runpy.run_path('epoch.py')['NETWORK']))"],
                           cwd=folder, capture_output=True, text=True, timeout=60)
    assert named.returncode == 0, named.stderr
    return ran.stdout, named.stdout.strip()


@pytest.mark.parametrize("name", INJECTED_NAMES.values(), ids=INJECTED_NAMES.keys())
def test_a_network_name_reaches_the_python_script_only_as_a_literal(tmp_path, name):
    done = backprop("explain", "--config", str(network_file(tmp_path, "net", name)), "--format", "python", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed, network = run_script(done.stdout, tmp_path)
    assert network == repr(name)
    assert not (tmp_path / "pwned").exists() and "INJECTED" not in printed
    net = PRESETS["mazur"]()
    env, losses = build_program(net).run(net.start_env(), 1, "loss")
    assert printed.startswith(f"({losses[0]!r}, ")  # it still computes the epoch


def test_a_file_name_that_closes_the_docstring_is_a_literal_too(tmp_path):
    stem = 'x"""+__import__("os").system("echo FROMNAME")+"""'
    done = backprop("explain", "--config", str(network_file(tmp_path, stem)), "--format", "python", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed, network = run_script(done.stdout, tmp_path)
    assert "FROMNAME" not in printed and network == repr(stem)


# -- 3. exports: a workbook past the format's limits is refused at once; no export crashes or leaves half -----

SPIRAL = ROOT / "examples" / "playground-spiral.toml"


def wide_network_file(folder: Path) -> Path:
    """The issue's 100-100-10 network with 2 samples: 44,903 columns a workbook row, past the 16,384 there are."""
    import random

    chance = random.Random(1)
    data = {"name": "wide", "layers": [100, 100, 10],
            "samples": [{"inputs": [chance.random() for _ in range(100)], "targets": [chance.random() for _ in range(10)]}
                        for _ in range(2)]}
    path = folder / "wide.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("network", ["spiral", "wide"])
def test_train_xlsx_past_the_formats_columns_is_one_line_and_no_file(tmp_path, network):
    from tui_backprop.sheets.xlsx import MAX_COLUMNS

    config = SPIRAL if network == "spiral" else wide_network_file(tmp_path)
    done = backprop("train", "--config", str(config), "--epochs", "1", "--xlsx", "run.xlsx", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "", done
    assert done.stderr.startswith("backprop-tui: run.xlsx: a workbook has at most ") and done.stderr.count("\n") == 1
    assert f"{MAX_COLUMNS:,} columns" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run.xlsx").exists() and not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_the_workbooks_size_is_counted_before_it_is_built_as_it_is_built():
    """The refusal comes from the shape alone; it counts the rows and columns build_workbook then lays out
    (here for the presets and the examples: full batch, batches, several samples, softmax, a penalty and
    the optimizers' state)."""
    import io

    import openpyxl

    from tui_backprop.core.batches import Schedule
    from tui_backprop.core.loader import load_network
    from tui_backprop.sheets import xlsx

    iris = load_network(ROOT / "examples" / "iris.toml")  # softmax and cce, in batches: a few of its rows
    networks = [preset() for preset in PRESETS.values()] + [
        load_network(ROOT / "examples" / "tanh-3-layer.toml"), iris.with_changes(samples=iris.samples[:7], batch=3),
        PRESETS["xor"]().with_changes(optimizer="adam", regularization="l2", regularization_rate=0.01),
        PRESETS["mazur"]().with_changes(optimizer="momentum", momentum=0.9, regularization="l1", regularization_rate=0.1)]
    for net in networks:
        schedule = Schedule(net)
        built = io.BytesIO()
        xlsx.build_workbook(schedule, 2).save(built)
        rows = list(openpyxl.load_workbook(built, read_only=True).worksheets[0].iter_rows(values_only=True))
        columns = max(len(row) for row in rows)
        assert xlsx.workbook_size(schedule, 2) == (len(rows), columns), net.name


def test_a_workbook_past_the_cells_check_reads_is_refused_before_it_is_begun():
    from tui_backprop.core.batches import Schedule
    from tui_backprop.sheets import xlsx
    from tui_backprop.sheets.reader import MAX_CELLS

    excel = PRESETS["excel"]()
    wide = excel.with_changes(sizes=(2, 60, 2), activations=("sigmoid", "sigmoid"),
                              start=Parameters(tuple(0.01 * k for k in range(240)), lr=excel.start.lr))
    wide_schedule = Schedule(wide)
    per_row = xlsx.workbook_size(wide_schedule, 1)[1]
    too_many = MAX_CELLS // per_row + 1
    assert too_many <= xlsx.MAX_EPOCHS
    assert "cells" in xlsx.workbook_refusal(wide_schedule, too_many)
    assert xlsx.workbook_refusal(wide_schedule, too_many - 1) is None


def test_x_on_the_spiral_example_writes_the_history_and_solution_and_says_why_no_workbook(tmp_path, monkeypatch):
    from tui_backprop.core.loader import load_network

    from app_driver import drive, notifications, press

    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and not app.running

    app = drive(body, network=load_network(SPIRAL))
    assert sorted(os.listdir(tmp_path)) == ["playground-spiral-history.csv", "playground-spiral-network.toml",
                                            "playground-spiral-solution.md"]
    message = notifications(app).splitlines()[-1]
    assert message.startswith("Exported playground-spiral-history.csv") and "no workbook: a workbook has at most" in message


class Gate:
    """Holds an export after the history's first row until `open()`; what the app does meanwhile is the test's."""

    def __init__(self, monkeypatch):
        import threading

        from tui_backprop.app import saving  # the export's own name for explanation.write_rows

        self.reached, self.opened = threading.Event(), threading.Event()
        write_rows = saving.write_rows

        def held(stream, columns, rows):
            def rows_held():
                for n, row in enumerate(rows):
                    if n == 1:
                        self.reached.set()
                        self.opened.wait(30)
                    yield row
            write_rows(stream, columns, rows_held())

        monkeypatch.setattr(saving, "write_rows", held)

    async def wait_until_reached(self, pilot) -> None:
        for _ in range(300):
            if self.reached.is_set():
                return
            await pilot.pause(0.02)
        raise AssertionError("the export never began")

    def open(self) -> None:
        self.opened.set()


def test_esc_stops_an_export_and_leaves_no_file_while_the_app_stays_in_use(tmp_path, monkeypatch):
    from app_driver import drive, notifications, press, screen_text

    monkeypatch.chdir(tmp_path)
    gate = Gate(monkeypatch)

    async def body(app, pilot):
        await press(pilot, "e", "e")  # two rows of history
        await press(pilot, "x")
        await gate.wait_until_reached(pilot)
        assert "esc stops" in screen_text(app) and "esc Stop export" in screen_text(app)
        await press(pilot, "L", "b")  # the app is in use meanwhile: the chart's scale, the decision boundary,
        assert app.panels["chart"].log_scale and app.boundary_on
        await press(pilot, "question_mark")  # and help
        assert type(app.screen).__name__ == "HelpScreen"
        await press(pilot, "escape")
        where = app.stepper.where
        await press(pilot, "n")  # stepping waits: the export reads the stepper
        assert app.stepper.where == where
        await press(pilot, "escape")  # stops the export
        gate.open()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.running and "esc stops" not in screen_text(app)
        await press(pilot, "n")
        assert app.stepper.where != where

    app = drive(body)
    assert os.listdir(tmp_path) == []  # neither the history's CSV nor a temporary
    assert "Export stopped: no file written." in notifications(app)


def test_q_during_an_export_stops_it_and_quits(tmp_path, monkeypatch):
    from app_driver import drive, press

    monkeypatch.chdir(tmp_path)
    gate = Gate(monkeypatch)

    async def body(app, pilot):
        await press(pilot, "e", "e", "ctrl+s")  # saved: nothing to ask about on the way out
        await press(pilot, "enter")
        await app.workers.wait_for_complete()
        await press(pilot, "x")
        await gate.wait_until_reached(pilot)
        await press(pilot, "q")
        gate.open()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.is_running

    drive(body)
    assert os.listdir(tmp_path) == ["mazur.backprop"]


def test_an_export_that_fails_part_way_leaves_none_of_its_files(tmp_path, monkeypatch):
    """A full disk at the workbook, after the history's CSV was complete: the CSV goes too."""
    import errno

    from tui_backprop.sheets import xlsx

    from app_driver import drive, notifications, press

    monkeypatch.chdir(tmp_path)

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(xlsx, "build_workbook", full)

    async def body(app, pilot):
        await press(pilot, "e", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()

    app = drive(body)
    assert os.listdir(tmp_path) == []
    assert "Export stopped: cannot write mazur.xlsx: No space left on device (no file written)" in notifications(app)


# -- 14. links: x never writes through one; a loop is refused ------------------------------------------------


def test_x_takes_a_dangling_link_for_a_file_and_writes_beside_it(tmp_path, monkeypatch):
    from app_driver import drive, press

    folder, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    (folder / "mazur-history.csv").symlink_to(elsewhere / "stolen.csv")
    elsewhere.mkdir()

    async def body(app, pilot):
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()

    drive(body)
    assert os.listdir(elsewhere) == []
    assert sorted(os.listdir(folder)) == ["mazur-2-history.csv", "mazur-2-network.toml", "mazur-2-solution.md",
                                          "mazur-2.xlsx", "mazur-history.csv"]


def test_a_symlink_loop_as_csv_target_is_refused_and_stays_a_link(tmp_path):
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    done = backprop("train", "--epochs", "2", "--csv", "loop.csv", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done
    assert "loop.csv" in done.stderr and "symbolic links" in done.stderr
    assert loop.is_symlink() and os.readlink(loop) == str(loop)


# -- 9, 11. exercise: a control character in a name, a full disk --------------------------------------------


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x00"])
def test_exercise_refuses_a_name_with_a_control_character_in_one_line_and_writes_nothing(tmp_path, capsys, character):
    from tui_backprop import cli

    names = tmp_path / "names.txt"
    names.write_text(f"Ada Lovelace\nBob{character}Jones\n", encoding="utf-8")
    out = tmp_path / "course"
    assert cli.main(["exercise", "--students", str(names), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "line 2" in captured.err and repr(character)[1:-1] in captured.err and character not in captured.err
    assert not out.exists()


def limited_file_size(limit: int):
    """For a child process: no file it writes may grow past `limit` bytes (EFBIG, as a full disk fails a write)."""
    import resource

    def set_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


@pytest.mark.parametrize("limit", [3_000, 6_000], ids=["at the first workbook", "at the first worked solution"])
def test_exercise_on_a_full_disk_is_one_line_and_leaves_no_half_written_folder(tmp_path, limit):
    names = tmp_path / "names.txt"
    names.write_text("".join(f"Student {n}\n" for n in range(12)), encoding="utf-8")
    course = tmp_path / "course"
    done = backprop("exercise", "--students", str(names), "--out", str(course), cwd=tmp_path,
                    preexec_fn=limited_file_size(limit))
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "File too large" in done.stderr, done.stderr
    assert "Exception ignored" not in done.stderr
    assert not course.exists()  # the folders it made went with the files


def test_exercise_into_a_folder_that_holds_other_files_keeps_them_when_it_fails(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Ada\nBob\n", encoding="utf-8")
    course = tmp_path / "course"
    (course / "key").mkdir(parents=True)
    (course / "notes.txt").write_text("mine")
    done = backprop("exercise", "--students", str(names), "--out", str(course), cwd=tmp_path,
                    preexec_fn=limited_file_size(6_000))
    assert done.returncode == 2
    assert sorted(str(p.relative_to(course)) for p in course.rglob("*")) == ["key", "notes.txt"]


# -- 12, 13. names printed and written: escapes shown, formulas written as text ------------------------------

TITLE_ESCAPE = "\x1b]0;pwned\x07"
FORMULA = '=WEBSERVICE("http:⁄⁄evil.example")+1'


def test_grade_prints_and_writes_a_file_name_with_an_escape_sequence_escaped(tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / f"{TITLE_ESCAPE}x.csv").write_text("not, a sheet\n1,2\n")
    (folder / f"{FORMULA}.csv").write_text("not, a sheet\n1,2\n")
    done = backprop("grade", str(folder), "--preset", "mazur", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for text in (done.stdout, (folder / "grades" / "class.csv").read_text(), (folder / "grades" / "class.md").read_text()):
        assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b]0;pwned\\x07x.csv" in text.replace("\\\\", "\\").replace("\\]", "]")
    import csv

    rows = list(csv.reader((folder / "grades" / "class.csv").open(encoding="utf-8")))
    files = {row[1] for row in rows[1:]}
    assert f"'{FORMULA}.csv" in files  # text to a spreadsheet, not a formula
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("form", ["text", "json"])
def test_check_prints_a_sheet_name_with_an_escape_sequence_escaped(tmp_path, form):
    sheet = tmp_path / f"{TITLE_ESCAPE}\x9b31m.csv"
    sheet.write_text("epoch,w1\n1,0.15\n")
    done = backprop("check", str(sheet), "--preset", "mazur", "--format", form, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not any(c in done.stdout for c in "\x1b\x07\x9b")
    if form == "json":
        assert json.loads(done.stdout)["file"] == str(sheet)  # the same name, as data
    else:
        assert "\\x1b]0;pwned\\x07\\x9b31m.csv" in done.stdout


def test_an_exercise_for_a_student_named_as_a_formula_holds_the_name_as_text(tmp_path):
    import csv

    import openpyxl

    from tui_backprop import cli

    name = '=HYPERLINK("http://evil.example","click")'
    names = tmp_path / "names.txt"
    names.write_text(f"{name}\n", encoding="utf-8")
    course = tmp_path / "course"
    assert cli.main(["exercise", "--students", str(names), "--out", str(course)]) == 0
    # the workbook, and beside it the student's lesson (issue 17 §6)
    workbook, lesson = sorted((course / "students").iterdir(), key=lambda p: p.suffix != ".xlsx")
    assert workbook.suffix == ".xlsx" and lesson.name == workbook.stem + "-lesson.json"
    cell = openpyxl.load_workbook(workbook).active["B1"]
    assert cell.value == name and cell.data_type == "s"
    key = next(path for path in (course / "key").iterdir() if path.name.endswith("-key.csv"))
    for path in (key, course / "key" / "students.csv"):
        cells = [cell for row in csv.reader(path.open(encoding="utf-8")) for cell in row]
        assert "'" + name in cells and name not in cells
    # grade reads the list of students back as the names they are
    returned = tmp_path / "returned"
    returned.mkdir()
    assert cli.main(["grade", str(returned), "--key", str(course)]) == 0
    from tui_backprop.sheets.grade import Key

    assert list(Key(course).students) == [name]


# -- Done means: hostile names through every generated output come back as data ---------------------------

HOSTILE_PIECES = ['"""', "'''", '"', "'", "\\", "\\N{", "\n", "\r\n", "\x00", "\x01", TITLE_ESCAPE, "\x9b31m", "\x7f",
                  "\u2028", "\udcff", "[bold]", "[/]", "*x*", "_y_", "`z`", "|", "#", "<b>", "&amp;", "![i](j)",
                  "[l](m)", "~~s~~", "=1+1", "+A1", "-A1", "@SUM(A1)", '=HYPERLINK("http://x")', "\t", " "]
HOSTILE_NAMES = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=4)), min_size=1,
                         max_size=6).map("".join)


def markdown_texts(document: str) -> list[str]:
    """The plain text of every heading and table cell of a Markdown document, as a renderer reads it; a
    piece of markup (emphasis, a link, HTML) would show as a node that is not text."""
    from markdown_it import MarkdownIt

    texts = []
    tokens = MarkdownIt("commonmark").enable("table").parse(document)
    for opening, token in zip(tokens, tokens[1:]):
        if token.type == "inline" and opening.type in ("heading_open", "th_open", "td_open"):
            assert all(child.type == "text" for child in token.children), token.children
            texts.append("".join(child.content for child in token.children))
    return texts


@pytest.mark.long
@settings(max_examples=examples(2), suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(HOSTILE_NAMES, min_size=5, max_size=5))
@example(names=['x"""; import os; os.system("echo INJECTED"); """', f"{TITLE_ESCAPE}=HYPERLINK(\"http://x\")*bold*|\\N",
                "[bold]x[/]", "\\N{[link=file:///etc]y"])
def test_hostile_names_come_back_as_data_from_every_generated_output(tmp_path_factory, names):
    """Python, Markdown, CSV, XLSX and the screen; on screen, the names a network file may hold (one line
    of printable text: the loader refuses the rest)."""
    import tempfile

    from textual.content import Content

    from app_driver import drive, press, screen_text

    folder = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    for n, name in enumerate(names):
        assert_generated_files_hold_as_data(name, folder / str(n))
    on_screen = [name for name in names if name.isprintable() and name.strip()]
    paths = [network_file(folder, f"net{n}", name) for n, name in enumerate(on_screen)]

    async def body(app, pilot):
        for path, name in zip(paths, on_screen):
            await press(pilot, "o")
            app.focused.value = str(path)  # as pasted
            await press(pilot, "enter")
            assert Content.from_markup(app.query_one("#diagram").border_title).plain.startswith(name + " · ")
            if name.isascii():
                assert name + " · 2-2-2" in screen_text(app)

    drive(body)


def assert_generated_files_hold_as_data(name: str, folder: Path) -> None:
    import csv
    import io

    import openpyxl

    from tui_backprop.core import Stepper
    from tui_backprop.core.batches import Schedule
    from tui_backprop.core.compiled import readable_source
    from tui_backprop.core.text import printable
    from tui_backprop.reports.explanation import render_explanation
    from tui_backprop.sheets.exercise import write_exercises
    from tui_backprop.sheets.grade import ClassReport, GradeRow, write_table
    from tui_backprop.sheets.xlsx import build_workbook

    net = PRESETS["mazur"]().with_changes(name=name)
    shown = printable(name)
    assert shown.isprintable()

    # Python: the name is a literal the script holds, whatever it holds
    namespace: dict = {}
    exec(compile(readable_source(build_program(net)), "epoch.py", "exec"), namespace)
    assert namespace["NETWORK"] == name

    # Markdown: the worked solution's title, and a class table's cells
    stepper = Stepper(net)
    start = dict(stepper.values)
    solution = render_explanation(net, start, stepper.trace(1), None, markdown=True)
    assert markdown_texts(solution)[0] == f"Worked solution: {shown}".strip()
    report = ClassReport(name, [GradeRow(name, student=name, note=name)])
    csv_path, md_path = write_table(report, folder / "grades")
    texts = markdown_texts(md_path.read_text(encoding="utf-8"))
    assert texts[0] == f"Grades: {shown}".strip()
    assert texts.count(shown.strip()) >= 3  # student, file, note

    # CSV: one row, the text cells as written, and none a formula
    rows = list(csv.reader(csv_path.open(encoding="utf-8", newline="")))
    formula = shown.startswith(("=", "+", "-", "@"))
    assert len(rows) == 2 and rows[1][0] == rows[1][1] == ("'" if formula else "") + shown

    # TOML: the network file x writes holds the name as a string (one line of it, as the loader reads names)
    from tui_backprop.core.loader import network_text

    written = tomllib.loads(network_text(net, folder / "net.toml"))["name"]
    assert written == "".join(c if c.isprintable() else " " for c in name)[:200]

    # XLSX: the live workbook's title, and a student's exercise workbook (its names are one line of text)
    live = io.BytesIO()
    build_workbook(Schedule(net), 1).save(live)
    title = openpyxl.load_workbook(live).active["A1"]
    assert title.data_type == "s" and title.value.startswith(f"backprop-tui: {shown}, ")
    student = " ".join(name.split())
    if student.isprintable() and student and not student.startswith("#"):
        write_exercises(PRESETS["excel"](), [student], 1, folder / "course")
        # the workbook, and beside it the student's lesson (issue 17 §6)
        workbook, lesson = sorted((folder / "course" / "students").iterdir(), key=lambda p: p.suffix != ".xlsx")
        assert workbook.suffix == ".xlsx" and lesson.name == workbook.stem + "-lesson.json"
        cell = openpyxl.load_workbook(workbook).active["B1"]
        assert (cell.value, cell.data_type) == (student, "s")


# -- 17. smaller: ctrl+s asks before replacing another file ---------------------------------------------------


def test_ctrl_s_asks_before_replacing_another_file_and_then_saves_over_its_own(tmp_path, monkeypatch):
    from tui_backprop.core.session import load_study

    from app_driver import drive, press

    monkeypatch.chdir(tmp_path)
    (tmp_path / "mazur.backprop").write_text("someone else's")

    async def body(app, pilot):
        await press(pilot, "n", "ctrl+s", "enter")  # the suggested name is taken
        assert type(app.screen).__name__ == "ConfirmScreen"
        await press(pilot, "n")  # no: nothing is written
        await app.workers.wait_for_complete()
        assert (tmp_path / "mazur.backprop").read_text() == "someone else's" and app.unsaved_work()
        await press(pilot, "ctrl+s", "enter", "y")  # yes: replaced
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.unsaved_work()
        await press(pilot, "n", "ctrl+s", "enter")  # now it is the session's own file: saved over, unasked
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.screen_stack) == 1 and not app.unsaved_work()

    drive(body)
    stepper, _ = load_study(tmp_path / "mazur.backprop", None)
    assert stepper.position == 2


# -- 17. smaller: data files in UTF-16, rows longer than the header, long names in messages ------------------


def data_network(folder: Path, data: bytes, file: str = "data.csv", targets="t") -> Path:
    (folder / file).write_bytes(data) if data is not None else None
    path = folder / "net.json"
    path.write_text(json.dumps({"layers": [2, 1], "samples": {"file": file, "inputs": ["x", "y"], "targets": targets}}))
    return path


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_data_file_in_utf16_with_its_byte_order_mark_reads_as_its_utf8_twin(tmp_path, encoding):
    """Excel's "Unicode text": UTF-16 with a byte order mark, tabs between the columns."""
    from tui_backprop.core.loader import load_network

    text = "x\ty\tt\n0.5\t-1,5\t1\n2\t3\t0\n"
    plain = load_network(data_network(tmp_path, text.encode("utf-8")))
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    assert load_network(data_network(tmp_path, data)).samples == plain.samples
    assert [s.inputs for s in plain.samples] == [(0.5, -1.5), (2.0, 3.0)]


def test_a_data_row_longer_than_the_header_is_refused_naming_the_row(tmp_path):
    from tui_backprop.core import NetworkError
    from tui_backprop.core.loader import load_network

    with pytest.raises(NetworkError) as caught:
        load_network(data_network(tmp_path, b"x,y,t\n1,2,1\n3,4,0,7\n"))
    assert "row 3 has 4 cells, but the header names 3 columns" in str(caught.value)
    # empty cells past the header, as spreadsheets export them, are nothing
    assert len(load_network(data_network(tmp_path, b"x,y,t,\n1,2,1,,\n3,4,0,\n")).samples) == 2


def test_a_message_quotes_a_long_class_name_and_a_long_path_shortened(tmp_path, capsys):
    from tui_backprop import cli

    long_class = "k" * 500
    rows = "".join(f"{n},{n},{long_class}{n}\n" for n in range(3)).encode()
    config = data_network(tmp_path, b"x,y,t\n" + rows)
    assert cli.main(["train", "--epochs", "1", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "(501 characters)" in err and len(err) < 600, err
    deep = "/".join(["d" * 200] * 25)  # a 5,000-character path, in the network file and on the command line
    config = data_network(tmp_path, None, file=deep)
    assert cli.main(["train", "--epochs", "1", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and " characters): cannot read" in err and len(err) < 600, err
    assert cli.main(["train", "--epochs", "1", "--config", str(tmp_path / deep)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 600, err


# -- 2. below the smallest size every dialog and view hides, and takes no key ----------------------------------


@pytest.mark.long
def test_below_the_smallest_size_every_dialog_shows_only_the_note_and_takes_no_key():
    from app_driver import drive, press, screen_text

    async def body(app, pilot):
        for key, screen in [("c", "ColumnsScreen"), ("question_mark", "HelpScreen"), ("s", "RatesScreen"),
                            ("w", "PromptScreen"), ("g", "GradientCheckScreen")]:
            await press(pilot, key)
            await pilot.resize_terminal(60, 20)
            await press(pilot, "pagedown", "pageup", "down", "enter", "escape", "n")
            assert type(app.screen).__name__ == screen  # escape did not reach it
            assert [line.strip() for line in screen_text(app).splitlines() if line.strip()] == [
                "Please enlarge the terminal to at least 80×24."]
            await pilot.resize_terminal(120, 40)
            await press(pilot, "escape")  # there again, and esc closes it
            assert len(app.screen_stack) == 1 and app.stepper.position == 0
        await pilot.resize_terminal(4, 25)
        await press(pilot, "q")  # q still quits
        assert not app.is_running

    drive(body)
