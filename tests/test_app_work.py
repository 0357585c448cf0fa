"""No work is lost without a word: o and q ask, x never overwrites, a hang-up saves."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui_backprop.app.widgets.screens import ChoiceScreen, ConfirmScreen
from tui_backprop.core.session import load_study, save_study
from tui_backprop.user_data import ENVIRONMENT

from app_driver import drive, notifications, paste_in, press, type_in


@pytest.mark.long
def test_open_asks_before_unsaved_steps_go_and_not_otherwise(tmp_path):
    async def body(app, pilot):
        await press(pilot, "o")
        await type_in(pilot, "xor")  # nothing done yet: no question
        assert app.stepper.net.name == "xor" and len(app.screen_stack) == 1
        await press(pilot, "e", "e", "n", "n")
        await press(pilot, "o")
        await type_in(pilot, "mazur")
        assert isinstance(app.screen, ConfirmScreen)
        assert "2 finished epochs and 2 steps of epoch 3, not saved" in app.screen.question
        await press(pilot, "escape")  # no: everything stays
        assert app.stepper.net.name == "xor" and len(app.stepper.history) == 2 and app.stepper.position == 2
        await press(pilot, "ctrl+s")
        await paste_in(pilot, str(tmp_path / "xor.backprop"))
        await app.workers.wait_for_complete()
        await pilot.pause()
        await press(pilot, "o")
        await type_in(pilot, "mazur")  # saved: no question
        assert app.stepper.net.name == "mazur" and len(app.screen_stack) == 1

    drive(body)


def test_open_asks_and_yes_replaces():
    async def body(app, pilot):
        await press(pilot, "n")
        await press(pilot, "o")
        await type_in(pilot, "xor")
        assert isinstance(app.screen, ConfirmScreen) and app.stepper.net.name == "mazur"
        await press(pilot, "y")
        assert app.stepper.net.name == "xor" and app.stepper.position == 0

    drive(body)


def test_quit_offers_to_save_unsaved_epochs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        await press(pilot, "e", "e")
        await press(pilot, "q")
        assert isinstance(app.screen, ChoiceScreen) and "2 finished epochs not saved" in app.screen.question
        await press(pilot, "escape")
        assert app.is_running and len(app.screen_stack) == 1
        await press(pilot, "q", "s")  # save, then quit: the save prompt offers mazur.backprop
        await press(pilot, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.is_running

    app = drive(body)
    stepper, _ = load_study(tmp_path / "mazur.backprop")
    assert stepper.values == app.stepper.values and len(stepper.history) == 2


def test_quit_without_saving_when_asked_to():
    async def body(app, pilot):
        await press(pilot, "n", "q")
        assert isinstance(app.screen, ChoiceScreen)
        await press(pilot, "d")
        assert not app.is_running

    drive(body)


def test_quit_with_nothing_unsaved_just_quits():
    async def body(app, pilot):
        await press(pilot, "q")
        assert not app.is_running

    drive(body)


def test_export_never_overwrites_it_numbers_the_new_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mazur-solution.md"
    mine.write_text("my own notes")

    async def body(app, pilot):
        await press(pilot, "e", "x")
        await app.workers.wait_for_complete()
        await press(pilot, "e", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Exported mazur-2-history.csv (1 epoch), mazur-2.xlsx and mazur-2-solution.md" in notifications(app)
        assert "Exported mazur-3-history.csv (2 epochs)" in notifications(app)

    drive(body)
    assert mine.read_text() == "my own notes"
    assert not (tmp_path / "mazur-history.csv").exists()  # taken as a set: its solution name was taken
    assert len((tmp_path / "mazur-3-history.csv").read_text().splitlines()) == 3  # header and 2 epochs


TMUX = shutil.which("tmux")
COMMAND = Path(sys.executable).parent / "backprop-tui"


@pytest.mark.skipif(TMUX is None or not COMMAND.exists(), reason="needs tmux and the installed backprop-tui")
def test_a_hang_up_saves_the_unsaved_work_in_the_data_folder(tmp_path, user_data_folder):
    """The save goes to the user's data folder (the test's own, passed to tmux), never the working folder."""
    name = f"backprop-hangup-{os.getpid()}-{time.monotonic_ns()}"
    subprocess.run([TMUX, "new-session", "-d", "-x", "120", "-y", "40", "-s", name, "-c", str(tmp_path),
                    f"env {ENVIRONMENT}={shlex.quote(str(user_data_folder))} {COMMAND} --preset mazur"], check=True)
    try:
        deadline = time.monotonic() + 20
        while "press n" not in subprocess.run([TMUX, "capture-pane", "-p", "-t", name], capture_output=True,
                                              text=True).stdout:
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.1)
        for key in "nnn":
            subprocess.run([TMUX, "send-keys", "-t", name, key], check=True)
            time.sleep(0.2)
    finally:
        subprocess.run([TMUX, "kill-session", "-t", name], capture_output=True)  # the terminal hangs up
    saved = user_data_folder / "hang-ups" / "mazur-hangup.backprop"
    deadline = time.monotonic() + 20
    while not saved.exists():
        assert time.monotonic() < deadline, "nothing was saved on hang-up"
        time.sleep(0.1)
    time.sleep(0.5)  # the rename is the last step of the save: the file is whole once it exists
    stepper, _ = load_study(saved)
    assert stepper.position == 3
    assert list(tmp_path.iterdir()) == []  # nothing in the working folder


def test_the_next_start_says_a_hang_up_save_waits_and_how_to_resume_it(user_data_folder):
    from tui_backprop.app.saving import hangup_path
    from tui_backprop.core import PRESETS, Stepper
    from tui_backprop.core.quiz import Quiz

    stepper = Stepper(PRESETS["mazur"]())
    stepper.next()
    saved = hangup_path("mazur", None)
    save_study(saved, stepper, Quiz())
    assert saved.parent == user_data_folder / "hang-ups"

    async def body(app, pilot):
        await app.workers.wait_for_complete()  # the folder is looked at in a thread
        await pilot.pause()
        told = notifications(app)
        assert f"{saved}" in told and f"backprop-tui --resume {saved}" in told

    drive(body)
    # Resumed, it is saved where the user works, not back into the data folder.

    async def resumed(app, pilot):
        await app.workers.wait_for_complete()
        await press(pilot, "ctrl+s")
        assert app.focused.value == "mazur.backprop"
        assert str(saved) not in notifications(app)  # the save being resumed is not announced again

    drive(resumed, stepper=load_study(saved)[0], session_path=str(saved))


@pytest.mark.parametrize("key, until", [("e", "epoch"), ("f", "phase")])
def test_a_long_finish_is_traced_in_a_worker_with_a_progress_bar_and_every_step_kept(monkeypatch, key, until):
    """A large network's epoch (374,401 operations at 100-100-100 × 16) is traced in a worker: here the
    time traced on the spot is cut to nothing, so that mazur's epoch counts as long."""
    from tui_backprop.app import main
    from tui_backprop.app.widgets.screens import RunScreen
    from tui_backprop.core import PRESETS, Stepper

    monkeypatch.setattr(main, "FINISH_AT_ONCE", 0)
    monkeypatch.setattr(main, "TRACE_CHUNK", 3)
    direct = Stepper(PRESETS["mazur"]())
    direct.next()
    expected = direct.operations_left(until)
    direct.finish_phase() if until == "phase" else direct.finish_epoch()
    seen = []
    advance = RunScreen.advance
    monkeypatch.setattr(RunScreen, "advance", lambda screen, done: (seen.append(done), advance(screen, done)))

    async def body(app, pilot):
        await press(pilot, "n")
        await pilot.press(key)
        await app.workers.wait_for_complete()
        await pilot.pause()
        stepper = app.stepper
        assert not isinstance(app.screen, RunScreen) and not app.running
        assert (stepper.step, stepper.position) == (direct.step, direct.position)
        assert stepper.values == direct.values and len(stepper.done) == expected + 1
        await press(pilot, "p")  # each traced operation is its own undo step
        assert stepper.position == direct.position - 1

    drive(body)
    # the progress bar went up a chunk at a time to the whole count
    assert seen == [min(done, expected) for done in range(3, expected + 3, 3)]


def test_with_batches_the_app_counts_and_names_update_steps_not_epochs():
    """A diverging run and a reset in a batched network speak of its batches, each an update step, where
    they spoke of as many epochs (issue 19, point 2)."""
    from tui_backprop.core import network_from_dict

    net = network_from_dict({"name": "wild", "layers": [1, 1], "activations": "identity", "learning_rate": 1e150,
                             "batch": 1, "samples": [{"inputs": [3.0], "targets": [1.0]}] * 2})

    async def body(app, pilot):
        await press(pilot, "r")
        await type_in(pilot, "4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        diverged = app.stepper.history.first_divergence()
        assert diverged is not None and app.stepper.schedule.batched
        assert f"finite number at {app.stepper.schedule.describe(diverged)}: this learning rate" in notifications(app)
        await press(pilot, "0")
        assert isinstance(app.screen, ConfirmScreen)
        assert f"This clears {len(app.stepper.history)} finished batches and cannot be undone" in app.screen.question

    drive(body, network=net)


def crashing_run(keys: str):
    """In place of App.run (which needs a terminal): the real app, headless, given `keys`, then an error
    raised in it, as a bug would; Textual ends the app with a failing return code, as App.run does."""
    import asyncio

    from tui_backprop.app.main import BackpropApp

    def run(app: BackpropApp) -> None:
        async def go():
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.press(*keys)
                await pilot.pause()
                app.call_later(lambda: 1 / 0)
                await pilot.pause()

        try:
            asyncio.run(go())
        except ZeroDivisionError:  # run_test raises the app's error again; App.run does not
            pass

    return run


def test_a_crash_keeps_the_unsaved_work_and_says_how_to_resume_it(monkeypatch, tmp_path, user_data_folder, capsys):
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.cli import EXIT_CRASH, main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(BackpropApp, "run", crashing_run("nnn"))
    assert main(["--preset", "mazur"]) == EXIT_CRASH
    saved = user_data_folder / "hang-ups" / "mazur-hangup.backprop"
    stepper, _ = load_study(saved)
    assert (stepper.epoch, stepper.position) == (1, 3)
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert said == (f"backprop-tui: the app crashed (above); the unsaved work is kept in {saved}: "
                    f"backprop-tui --resume {shlex.quote(str(saved))} brings it back.")
    assert list(tmp_path.iterdir()) == []  # nothing in the working folder


def test_a_crash_with_nothing_unsaved_keeps_nothing(monkeypatch, user_data_folder, capsys):
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.cli import EXIT_CRASH, main

    monkeypatch.setattr(BackpropApp, "run", crashing_run(""))
    assert main(["--preset", "mazur"]) == EXIT_CRASH
    assert not (user_data_folder / "hang-ups").exists() or not list((user_data_folder / "hang-ups").iterdir())
    assert "kept" not in capsys.readouterr().err
