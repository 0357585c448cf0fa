"""Dialogs show their whole text at any width; toasts keep clear of the quiz's verdict."""

from __future__ import annotations

import pytest
from app_driver import drive, notifications, press, screen_text, type_in

from tui_backprop.app.widgets.screens import ConfirmScreen, PromptScreen


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
        await type_in(pilot, str(path))
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
