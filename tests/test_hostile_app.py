"""Hostile input in the real app: markup, NUL and path tricks in prompts and files never crash it or escape the folder."""

from __future__ import annotations

import json
import os
import zipfile

import pytest
from textual.command import CommandPalette
from textual.content import Content
from textual.widgets import Label

from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.loader import network_to_dict
from tui_backprop.core.quiz import Quiz
from tui_backprop.core.session import STATE, save_study

from app_driver import drive, open_checked, press, settle, type_in


def error_shown(app) -> str:
    """The open prompt's error line, as plain text."""
    return app.screen.query_one("#error", Label).visual.plain


def recording_notifications(app) -> list[str]:
    """Every message the app notifies from now on (App.notify, wrapped)."""
    messages = []
    original = app.notify

    def notify(message, **options):
        messages.append(message)
        original(message, **options)

    app.notify = notify
    return messages


def unknown_key_file(tmp_path):
    path = tmp_path / "net.json"
    data = network_to_dict(PRESETS["mazur"]())
    data["[/]"] = 1
    path.write_text(json.dumps(data))
    return str(path)


PROMPTS = {
    "o [/]": ("o", lambda tmp: "[/]", "[/]"),
    "o missing session with markup": ("o", lambda tmp: "nonexist[/x].backprop", "nonexist[/x].backprop"),
    "o a file with the key [/]": ("o", unknown_key_file, "[/]: unknown key"),
    "w [/] = 1": ("w", lambda tmp: "[/] = 1", "[/]"),
    "w [bold]x = 1": ("w", lambda tmp: "[bold]x = 1", "[bold]x"),
}


@pytest.mark.parametrize(("key", "text", "shown"), PROMPTS.values(), ids=PROMPTS.keys())
def test_markup_typed_or_read_from_a_file_is_shown_literally(tmp_path, key, text, shown):
    typed = text(tmp_path)

    async def body(app, pilot):
        await press(pilot, key)
        await type_in(pilot, typed)
        await settle(pilot)
        assert shown in error_shown(app)

    drive(body)


@pytest.mark.parametrize("name", ["[/]", "[bold]x[/bold]", "[link=file:///etc]y"])
def test_a_network_named_in_markup_shows_exports_and_compares_rates_literally(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    notes: list[str] = []

    async def body(app, pilot):
        recorded = recording_notifications(app)
        assert Content.from_markup(app.query_one("#diagram").border_title).plain.startswith(name + " · ")
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await press(pilot, "s")
        await pilot.pause(0.3)
        notes.extend(recorded)

    drive(body, network=PRESETS["mazur"]().with_changes(name=name))
    assert any(note.startswith("Exported ") for note in notes), notes
    assert len(os.listdir(tmp_path)) == 4  # the history, the workbook, the solution and the network, all in this folder


def test_a_network_name_with_nul_exports_and_saves_into_this_folder(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)

    async def body(app, pilot):
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await press(pilot, "ctrl+s", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()

    drive(body, network=PRESETS["mazur"]().with_changes(name="a\x00b\n../c"))
    written = sorted(os.listdir(folder))
    assert len(written) == 5, written  # x's four files and the session
    assert all("\x00" not in name and "\n" not in name for name in written)
    assert os.listdir(tmp_path) == ["work"]


def test_a_name_of_dot_dots_exports_into_the_current_folder_only(tmp_path, monkeypatch):
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)

    async def body(app, pilot):
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()

    drive(body, network=PRESETS["mazur"]().with_changes(name="../../../escaped"))
    everything = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file())
    assert everything == ["a/b/c/d/escaped-history.csv", "a/b/c/d/escaped-network.toml", "a/b/c/d/escaped-solution.md",
                          "a/b/c/d/escaped.xlsx"]


def damaged_quiz_session(tmp_path):
    path = tmp_path / "s.backprop"
    save_study(path, Stepper(PRESETS["mazur"]()), Quiz())
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members[STATE])
    document["extra"]["quiz"] = {}
    members[STATE] = json.dumps(document).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_opening_a_session_with_a_damaged_quiz_score_is_one_message(tmp_path):
    path = damaged_quiz_session(tmp_path)

    async def body(app, pilot):
        await open_checked(app, pilot, path)
        assert "the quiz score is damaged" in error_shown(app)
        assert app.stepper.net.name == "mazur"

    drive(body)


def test_the_command_palette_does_not_open_in_four_columns():
    async def body(app, pilot):
        await pilot.resize_terminal(4, 24)
        await press(pilot, "ctrl+p", "d")
        assert not isinstance(app.screen, CommandPalette)
        await press(pilot, "question_mark", "o", "w")
        assert len(app.screen_stack) == 1

    drive(body)


def test_shrinking_to_four_columns_closes_the_command_palette():
    async def body(app, pilot):
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.resize_terminal(4, 24)
        await press(pilot, "d")
        assert not isinstance(app.screen, CommandPalette)

    drive(body)


def test_opening_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "net.toml"
    os.mkfifo(fifo)

    async def body(app, pilot):
        await open_checked(app, pilot, fifo)
        assert "pipe" in error_shown(app)

    drive(body)
