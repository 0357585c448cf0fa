"""SVG snapshots of the real app, to catch layout regressions (pytest --snapshot-update rewrites them)."""

from __future__ import annotations

import pytest

from tui_backprop.app.main import BackpropApp
from tui_backprop.core import PRESETS

ONE_PHASE = ["f"]


def mazur() -> BackpropApp:
    return BackpropApp(PRESETS["mazur"]())


def test_start_120x40(snap_compare):
    assert snap_compare(mazur(), terminal_size=(120, 40))


def test_backward_120x40(snap_compare):
    assert snap_compare(mazur(), terminal_size=(120, 40), press=["f", *"n" * 12])


def test_update_80x24(snap_compare):
    assert snap_compare(mazur(), terminal_size=(80, 24), press=["f", "f", "n", "n"])


def test_history_panel_80x24(snap_compare):
    assert snap_compare(mazur(), terminal_size=(80, 24), press=["e", "e", "e", "v", "v"])


def test_quiz_120x40(snap_compare):
    async def quiz_waiting(pilot):
        await pilot.press("z", "n")
        # The answer box's cursor blinks every 0.5 s: on a loaded machine the picture caught it either way.
        pilot.app.query_one("#answer").cursor_blink = False

    assert snap_compare(mazur(), terminal_size=(120, 40), run_before=quiz_waiting)


def test_matrix_view_120x40(snap_compare):
    assert snap_compare(mazur(), terminal_size=(120, 40), press=["m", "f", *"n" * 14])


def test_resumed_session_120x40(snap_compare, tmp_path):
    from tui_backprop.core import Stepper
    from tui_backprop.core.quiz import Quiz
    from tui_backprop.core.session import load_study, save_study

    stepper = Stepper(PRESETS["mazur"]())
    stepper.run(40)
    stepper.finish_phase()
    save_study(tmp_path / "mazur.backprop", stepper, Quiz())
    resumed, quiz = load_study(tmp_path / "mazur.backprop")
    assert snap_compare(BackpropApp(stepper=resumed, quiz=quiz), terminal_size=(120, 40), press=["n"])


def test_xor_picture_120x40(snap_compare):
    assert snap_compare(BackpropApp(PRESETS["xor"]()), terminal_size=(120, 40), press=["f", *"n" * 10])


def test_decision_boundary_80x24(snap_compare):
    assert snap_compare(BackpropApp(PRESETS["xor"]()), terminal_size=(80, 24), press=["b"])


# -- each screen and layout at 80×24 and 120×40 -------------------------------
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@SIZES
def test_help_screen(snap_compare, size):
    assert snap_compare(mazur(), terminal_size=size, press=["question_mark"])


@SIZES
def test_light_theme(snap_compare, size):
    async def light(pilot):
        pilot.app.theme = "textual-light"

    assert snap_compare(mazur(), terminal_size=size, run_before=light, press=["e", "f", "n"])


@SIZES
def test_a_checked_sheet_with_a_mistake(snap_compare, size, tmp_path, monkeypatch):
    import csv

    from tui_backprop.cli import main

    monkeypatch.chdir(tmp_path)  # the app shows the path as typed: relative, the same every run
    assert main(["train", "--preset", "mazur", "--epochs", "3", "--csv", "student.csv"]) == 0
    rows = list(csv.reader(open("student.csv")))
    rows[2][rows[0].index("a_h1")] = "0.61234"
    with open("student.csv", "w", newline="") as stream:
        csv.writer(stream).writerows(rows)

    async def check(pilot):
        await pilot.press("o")
        pilot.app.focused.value = ""
        await pilot.press(*"student.csv", "enter")
        await settle(pilot)

    assert snap_compare(mazur(), terminal_size=size, run_before=check)


@SIZES
def test_a_diverged_run(snap_compare, size, tmp_path):
    from tui_backprop.core import load_network

    # One identity neuron, E = ½(t − w·i)²: each epoch multiplies the error by (1 − lr), so lr 3 blows up.
    line = tmp_path / "line.toml"
    line.write_text('layers = [1, 1]\nactivations = "identity"\nweights = [0.5]\nlearning_rate = 3\n'
                    '[[samples]]\ninputs = [1.0]\ntargets = [1.0]\n')

    async def run(pilot):
        await pilot.press("r")
        pilot.app.focused.value = ""
        await pilot.press(*"2000", "enter")
        await settle(pilot)

    assert snap_compare(BackpropApp(load_network(line)), terminal_size=size, run_before=run)


def test_every_stored_snapshot_belongs_to_a_test_here():
    """syrupy fails a run that leaves a stored snapshot unused, but not under pytest-xdist (the suite's -n 2),
    where each worker sees only its share: the stored SVGs must be exactly this module's snapshot tests'."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider",
                           here.name], cwd=here.parent, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    ids = [line.partition("::") for line in done.stdout.splitlines()]
    names = {name for file, sep, name in ids if sep and file.endswith(here.name)}
    snapshot_tests = {name for name in names if name.split("[")[0] != "test_every_stored_snapshot_belongs_to_a_test_here"}
    assert len(snapshot_tests) >= 17
    stored = {path.stem for path in (here.parent / "__snapshots__" / here.stem).iterdir()}
    assert stored == snapshot_tests
