"""Smaller gaps: --version, path completion in o, the footer at 80 and 100 columns, the README's sources."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO

from tui_backprop import cli
from tui_backprop.core import load_network

from app_driver import drive, press, screen_text, settle, type_in


def test_version_prints_the_installed_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as leaving:
        cli.main(["--version"])
    assert leaving.value.code == 0
    assert capsys.readouterr().out == f"backprop-tui {version('backprop-tui')}\n"


def test_open_completes_folders_and_files(tmp_path, monkeypatch):
    (tmp_path / "nets").mkdir()
    shutil.copy(REPO / "examples" / "tanh-3-layer.toml", tmp_path / "nets" / "tiny.toml")
    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        await press(pilot, "o")
        app.focused.value = ""
        await press(pilot, "n", "e")
        await pilot.pause(0.2)  # the suggestion comes from a worker
        await press(pilot, "right")  # takes the suggestion
        assert app.focused.value == "nets/"
        await press(pilot, "t")
        await pilot.pause(0.2)
        await press(pilot, "right", "enter")
        await settle(pilot)
        assert app.stepper.net.sizes == load_network(tmp_path / "nets" / "tiny.toml").sizes

    drive(body)


def test_open_completes_preset_names():
    async def body(app, pilot):
        await press(pilot, "o")
        app.focused.value = ""
        await press(pilot, "x")
        await pilot.pause(0.2)
        await press(pilot, "right", "enter")
        assert app.stepper.net.name == "xor"

    drive(body)


def test_open_finds_a_shipped_example_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no examples/ here: the package's own are found

    async def body(app, pilot):
        await press(pilot, "o")
        assert "tanh-3-layer" in screen_text(app) and "examples/" not in screen_text(app)
        app.focused.value = ""
        await press(pilot, "t", "a")
        await pilot.pause(0.2)
        await press(pilot, "right")  # the example's name is suggested
        assert app.focused.value == "tanh-3-layer"
        await press(pilot, "enter")
        await settle(pilot)  # read in a worker
        assert app.stepper.net == load_network(REPO / "examples" / "tanh-3-layer.toml")
        await press(pilot, "o")
        await type_in(pilot, "playground-spiral.toml")
        await settle(pilot)
        assert app.stepper.net.name == "playground-spiral"

    drive(body)


def footer_keys(app) -> list[tuple[str, str]]:
    """The footer's (key, description) pairs as the screen shows them, and it is whole: it ends in q Quit."""
    footer = screen_text(app).split("\n")[-1].split()
    assert footer[-2:] == ["q", "Quit"], footer
    bindings = {binding.description: binding for binding in app.BINDINGS}
    pairs, n = [], 0
    while n < len(footer):  # a description may be two words ("History ←"): match them against the bindings
        key, words = footer[n], 1
        while " ".join(footer[n + 1:n + 1 + words]) not in bindings:
            words += 1
            assert n + words < len(footer), footer
        pairs.append((key, " ".join(footer[n + 1:n + 1 + words])))
        n += 1 + words
    return pairs


async def footer_drawn(app, pilot) -> None:
    """Wait until the footer has chosen its keys again (it recomposes after a refresh; slower under load)."""
    for _ in range(50):
        if screen_text(app).split("\n")[-1].split()[-2:] == ["q", "Quit"]:
            return
        await pilot.pause(0.05)


def shown_actions_work(app) -> set[str]:
    bindings = {binding.description: binding for binding in app.BINDINGS}
    actions = set()
    for key, description in footer_keys(app):
        binding = bindings[description]
        assert key == app.get_key_display(type(binding)(binding.key.split(",")[0], "")), (key, description)
        assert app.check_action(binding.action, ()), binding.action  # a key that does something now
        actions.add(binding.action)
    return actions


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
def test_the_footer_shows_keys_that_work_now_whole(size):
    """Of the keys that work now, the most useful that fit: at 80×24 v (the only way to the chart and the
    history) and, with the history on show, c; in quiz mode Z and t; never a key that does nothing."""
    compact = size[0] < 110

    async def body(app, pilot):
        await footer_drawn(app, pilot)
        shown = shown_actions_work(app)
        assert {"next", "previous", "finish_phase", "finish_epoch", "run", "help", "quit"} <= shown
        assert ("cycle_panel" in shown) == compact  # v does nothing where every panel is on show
        assert "reset" not in shown  # nothing to go back to yet
        await press(pilot, "n", "z")
        await footer_drawn(app, pilot)
        assert {"quiz_phases", "quiz_tolerance"} <= shown_actions_work(app)
        await press(pilot, "z")
        if compact:
            await press(pilot, "v", "v")  # the history
            await footer_drawn(app, pilot)
            assert "history_columns" in shown_actions_work(app)
        else:
            await footer_drawn(app, pilot)
            assert {"edit", "learning_rate", "save"} <= shown_actions_work(app)

    drive(body, size=size)


@pytest.mark.parametrize("keys, fits_the_width", [([], True), (["z"], True), (["question_mark"], False)])
def test_a_footer_keeps_its_keys_where_they_would_come_out_the_same(keys, fits_the_width):
    """Textual recomposes a footer whenever its screen's bindings are refreshed (a dialog opening, a toggle):
    every key made and mounted again, most often the same keys.  They are kept where nothing they show
    changed; on the main screen a change of width (which keys fit) still gives new ones."""
    async def body(app, pilot):
        await press(pilot, *keys)
        await footer_drawn(app, pilot)
        footer = app.screen.query_one("Footer")
        kept = list(footer.children)
        assert kept
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert list(footer.children) == kept
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert (list(footer.children) != kept) == fits_the_width

    drive(body)


def test_a_key_coming_to_work_off_the_footer_remakes_none_of_its_keys():
    """`0` starts to work with the first step, but at 120 columns there is no room for it: the keys shown are
    the same, and none is made again (each remake cost 16-25 ms after `r` at 100-100-100)."""
    async def body(app, pilot):
        await footer_drawn(app, pilot)
        footer = app.screen.query_one("KeyFooter")
        kept = list(footer.children)
        assert "reset" not in footer.choice() and not app.check_action("reset", ())
        await press(pilot, "n")
        await pilot.pause()
        await pilot.pause()
        assert app.check_action("reset", ()) and "reset" not in footer.choice()
        assert list(footer.children) == kept

    drive(body, size=(120, 40))


@pytest.mark.parametrize("dialog", ["r", "ctrl+s", "0", "question_mark"])
def test_the_main_footer_waits_under_a_dialog_and_is_as_it_was_when_it_closes(dialog):
    """A dialog disables the stepping keys and draws a footer of its own over the main screen's: the main
    footer's keys are not made again under it (each remake of them cost ~25 ms, twice a dialog), and when
    the dialog closes with nothing changed they are the same keys as before."""
    async def body(app, pilot):
        await press(pilot, "n")  # so that 0 has something to reset
        await footer_drawn(app, pilot)
        footer = app.screen_stack[0].query_one("KeyFooter")
        kept = list(footer.children)
        assert "next" in {key.action for key in kept}
        await press(pilot, dialog)
        await pilot.pause()
        assert len(app.screen_stack) == 2 and list(footer.children) == kept
        await press(pilot, "escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1 and list(footer.children) == kept

    drive(body)


def test_the_main_footer_shows_what_changed_under_a_dialog_once_it_closes():
    """The terminal narrowed while a dialog was open: once it closes, the main footer holds the keys that fit
    the new width (KeyFooter's choice), in its order."""
    async def body(app, pilot):
        await footer_drawn(app, pilot)
        footer = app.screen_stack[0].query_one("KeyFooter")
        wide = [key.action for key in footer.children]
        await press(pilot, "question_mark")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await press(pilot, "escape")
        await pilot.pause()
        await pilot.pause()
        narrow = [key.action for key in footer.children]
        assert len(app.screen_stack) == 1 and narrow == footer.choice() and narrow != wide

    drive(body)


def test_nothing_steps_behind_the_please_enlarge_note():
    async def body(app, pilot):
        await pilot.resize_terminal(70, 20)
        await press(pilot, "n", "f", "e", "right")
        assert "Please enlarge" in screen_text(app)
        assert app.stepper.position == 0 and len(app.screen_stack) == 1

    drive(body)


def test_the_readme_describes_its_sources_instead_of_pointing_at_files_users_lack():
    readme = (REPO / "README.md").read_text()
    assert "shared/" not in readme
    assert "Matt Mazur" in readme


def test_save_completes_folders(tmp_path, monkeypatch):
    (tmp_path / "sessions").mkdir()
    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        await press(pilot, "n", "ctrl+s")
        app.focused.value = ""
        await press(pilot, "s", "e")
        await pilot.pause(0.2)  # the suggestion comes from a worker
        await press(pilot, "right", *"mine.backprop", "enter")
        await app.workers.wait_for_complete()

    drive(body)
    assert (tmp_path / "sessions" / "mine.backprop").is_file()
