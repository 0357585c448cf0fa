"""Keys at a large network redraw the screen once, and `r` ends in the frame that closes its dialog (issue 22,
point 3).

The operation panel's text is longer for a sum of a hundred products than for the
output that follows it; the panel set its scrollable size from each text, so every
key at 100-100-100 switched its scrollbar on or off and laid the whole screen out
again, three or four full redraws a key (75–124 ms).  It keeps the height of the
longest text it has shown at this size now.  bench/bench_scale.py times the keys.
"""

from __future__ import annotations

import random
import threading

import pytest

from tui_backprop.app.widgets.operation import OperationPanel
from tui_backprop.core import Network, Parameters, Sample
from tui_backprop.core.presets import random_weights

from app_driver import drive, notifications, press, screen_text, type_in


def wide_inputs() -> Network:
    """100 inputs into 4 hidden neurons: each hidden sum has 100 terms, its output one."""
    r = random.Random(2)
    return Network(sizes=(100, 4, 1), activations=("sigmoid", "sigmoid"), start=Parameters(random_weights(404, 1, 0.1)),
                   samples=(Sample(tuple(r.uniform(0, 1) for _ in range(100)), (0.5,)),), name="wide inputs")


def test_stepping_to_and_fro_keeps_the_operation_panels_size():
    sizes = []

    async def body(app, pilot):
        panel = app.query_one(OperationPanel)
        for key in "nnpnpnnpnp":
            await press(pilot, key)
            sizes.append(panel.virtual_size)

    drive(body, network=wide_inputs())
    # It grows once, to the longest text shown, and stays: no key lays the screen out again after that.
    assert sum(before != after for before, after in zip(sizes, sizes[1:])) <= 1, sizes


def test_finishing_a_long_phase_shows_its_progress(monkeypatch):
    """`f` at 100-100-100 × 16 traced 8,001 operations (4.8 s) without a word; anything longer than a
    quarter of a second goes on behind a progress bar now (here about 1 s on this machine)."""
    from tui_backprop.app.widgets.screens import RunScreen

    r = random.Random(3)
    net = Network(sizes=(100, 100, 100), activations=("sigmoid", "sigmoid"), start=Parameters(random_weights(20_000, 1, 0.1)),
                  samples=tuple(Sample(tuple(r.uniform(0, 1) for _ in range(100)), tuple(r.uniform(0, 1) for _ in range(100)))
                                for _ in range(16)), name="wide")
    seen = []
    advance = RunScreen.advance
    monkeypatch.setattr(RunScreen, "advance", lambda screen, done: (seen.append(done), advance(screen, done)))

    async def body(app, pilot):
        forward = app.stepper.operations_left("phase")
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.position == forward and app.stepper.upcoming.phase == "backward"
        assert seen and seen[-1] == forward and not isinstance(app.screen, RunScreen)

    drive(body, network=net)


def held_runs(monkeypatch) -> tuple[threading.Event, list]:
    """Stepper.run held until the event is set, so that a test looks at the screen while a run goes on (no
    sleeps); and the arguments of each run, in order."""
    from tui_backprop.core import Stepper

    release, runs, run = threading.Event(), [], Stepper.run
    monkeypatch.setattr(Stepper, "run", lambda stepper, *args, **kwargs: (
        runs.append(args), release.wait(10), run(stepper, *args, **kwargs))[2])
    return release, runs


async def start_run(pilot, epochs: str = "5") -> None:
    await press(pilot, "r")
    await type_in(pilot, epochs)


@pytest.mark.parametrize("long", [False, True])
def test_a_run_goes_on_under_its_prompt_and_closes_on_panels_that_show_it(monkeypatch, long):
    """`r` runs under its own prompt, which says so; a run past RUN_DIALOG_AFTER gets a progress bar in the
    prompt's place (no dialog came and went for a run of half a second: 30 ms of its thread at 100-100-100).
    Either closes on panels that show the run already: told after, they came a frame later (17-25 ms)."""
    from textual.screen import Screen

    from tui_backprop.app import main
    from tui_backprop.app.widgets.screens import PromptScreen, RunScreen

    closed, dismiss = [], Screen.dismiss
    monkeypatch.setattr(Screen, "dismiss", lambda screen, *result: (
        closed.append((type(screen), screen.app.panels["history"].border_subtitle)), dismiss(screen, *result))[1])
    release, runs = held_runs(monkeypatch)
    if long:
        monkeypatch.setattr(main, "RUN_DIALOG_AFTER", 0.001)  # Textual's timers take no 0

    async def body(app, pilot):
        await start_run(pilot)
        for _ in range(100 if long else 1):  # until the timer has put the progress bar in the prompt's place
            await pilot.pause()
            if isinstance(app.screen, RunScreen):
                break
        try:
            assert isinstance(app.screen, RunScreen if long else PromptScreen) and len(app.screen_stack) == 2
            assert ("Running 5 epochs" if long else "Running 5 epochs · esc stops") in screen_text(app)
            await press(pilot, "enter")  # the prompt is at work on the first: a second starts nothing
        finally:
            release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.screen_stack) == 1 and len(app.stepper.history) == 5

    drive(body)
    assert closed == [(RunScreen if long else PromptScreen, "5 epochs")] and runs == [(5,)]


def test_a_run_ends_its_prompt_under_the_command_palette_opened_over_it(monkeypatch):
    """The command palette, opened over a run's prompt, goes with it when the run ends: the prompt, left
    waiting under it, kept the screen with nothing to stop."""
    from textual.command import CommandPalette

    release, _ = held_runs(monkeypatch)

    async def body(app, pilot):
        await start_run(pilot)
        try:
            await press(pilot, "ctrl+p")
            assert isinstance(app.screen, CommandPalette) and len(app.screen_stack) == 3
        finally:
            release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.screen_stack) == 1 and len(app.stepper.history) == 5 and not app.running

    drive(body)


def test_esc_stops_a_run_under_its_prompt_which_stays_until_the_run_has_stopped(monkeypatch):
    """esc in a run's prompt asks the run to stop; the prompt says so and stays, another esc too, until the
    run has stopped (as the progress bar's dialog does): closed at once, it left a run going on unseen."""
    from tui_backprop.app.widgets.screens import PromptScreen

    release, _ = held_runs(monkeypatch)

    async def body(app, pilot):
        await start_run(pilot)
        try:
            await press(pilot, "escape", "escape")
            assert isinstance(app.screen, PromptScreen) and "Stopping after the current chunk" in screen_text(app)
        finally:
            release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.screen_stack) == 1 and len(app.stepper.history) == 0 and not app.running
        assert "Stopped after 0 of 5 epochs." in notifications(app)

    drive(body)
