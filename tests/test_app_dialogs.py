"""Dialogs show their whole text at any width; toasts keep clear of the quiz's verdict."""

from __future__ import annotations

import pytest

from tui_backprop.app.widgets.screens import ConfirmScreen, PromptScreen

from app_driver import drive, notifications, press, screen_text, settle, type_in


def dialog_text(app) -> str:
    """The open dialog's text with every space and line break taken out: a wrapped word reads whole."""
    region = app.screen.query_one(".dialog").content_region
    lines = screen_text(app).split("\n")[region.y:region.bottom]
    return "".join("".join(line[region.x:region.right].split()) for line in lines)


def unspaced(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_a_long_missing_path_is_shown_whole(size, tmp_path):
    path = tmp_path / ("a-folder-with-a-long-name-" * 3) / "and-a-network-file-that-is-not-there.toml"

    async def body(app, pilot):
        await press(pilot, "o")
        app.focused.value = str(path)  # typed key by key, a path this long takes seconds
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        assert unspaced(f"{path}: cannot read") in dialog_text(app)

    drive(body, size=size)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_the_reset_question_is_shown_whole(size):
    async def body(app, pilot):
        await press(pilot, "e", "e", "e", "0")
        assert isinstance(app.screen, ConfirmScreen)
        assert unspaced(app.screen.question) in dialog_text(app)
        assert unspaced("3 finished epochs and cannot be undone (ctrl+s saves them first)") in dialog_text(app)

    drive(body, size=size)


def test_dialogs_grow_with_a_wide_terminal():
    async def body(app, pilot):
        await press(pilot, "l")
        assert app.screen.query_one(".dialog").region.width > 100

    drive(body, size=(200, 50))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_a_toast_during_the_quiz_leaves_its_verdict_in_sight(size):
    async def body(app, pilot):
        await press(pilot, "z", "escape")  # a verdict: h1 given up
        await press(pilot, "p", "p")  # back to the start, then once more: "Already at the start."
        assert "Already at the start." in notifications(app)
        verdict = app.query_one("#verdict").region
        toasts = list(app.screen.query("Toast"))
        assert toasts and not any(toast.region.overlaps(verdict) for toast in toasts)

    drive(body, size=size, toasts=True)


def test_each_worker_result_is_told_once(tmp_path, monkeypatch):
    # A worker's PENDING and RUNNING events can arrive after it has finished; each was once taken for its end.
    from tui_backprop.core import load_network

    monkeypatch.chdir(tmp_path)
    line = tmp_path / "line.toml"  # one identity neuron at lr 3: each epoch multiplies the error by −2
    line.write_text('layers = [1, 1]\nactivations = "identity"\nweights = [0.5]\nlearning_rate = 3\n'
                    '[[samples]]\ninputs = [1.0]\ntargets = [1.0]\n')

    async def body(app, pilot):
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await press(pilot, "r")
        await type_in(pilot, "2000")
        await app.workers.wait_for_complete()
        await press(pilot, "x")  # the numbers are not finite any more: said, not crashed
        await app.workers.wait_for_complete()
        await press(pilot, "s")
        assert len(app.screen_stack) == 1
        await press(pilot, "ctrl+s")
        await type_in(pilot, "line.backprop")
        await app.workers.wait_for_complete()
        await pilot.pause()
        told = app.notified
        assert len(told) == 5, told
        assert told[0].startswith("Exported") and "diverges" in told[1]
        assert told[2].startswith("Export stopped: weights: numbers must be finite")
        assert told[3].startswith("No learning rates to compare from here") and told[4].startswith("Saved")

    drive(body, network=load_network(line), toasts=True)


@pytest.mark.parametrize("keys, footer", [
    (["l"], ["esc", "Cancel"]),
    (["question_mark"], ["esc", "Close"]),
    (["n", "0"], ["⏎", "Yes", "esc", "No"]),
    (["n", "q"], ["esc", "Cancel"]),
    (["c"], ["esc", "Close", "space", "Show/hide"]),  # the column chooser and the gradient check showed the main screen's ? Help q Quit
    (["g"], ["esc", "Close"]),
])
def test_an_open_dialog_has_the_footer_of_its_own_keys(keys, footer):
    # Behind a dialog the main screen's footer showed keys that did something else there (q closes the help).
    async def body(app, pilot):
        await press(pilot, *keys)
        assert len(app.screen_stack) == 2
        assert screen_text(app).split("\n")[-1].split() == footer

    drive(body, size=(80, 24))


def test_a_typed_path_is_shown_as_typed_not_as_markup():
    async def body(app, pilot):
        await press(pilot, "o")
        app.focused.value = "[bold]no[/bold].toml"
        await press(pilot, "enter")
        await settle(pilot)
        assert "[bold]no[/bold].toml" in screen_text(app)

    drive(body)
