"""The rate view, exports and sheet checks start from the numbers on screen, edits included, and say so."""

from __future__ import annotations

import openpyxl

from tui_backprop.app.rates import RatesScreen
from tui_backprop.app.widgets.rate_view import RateView
from tui_backprop.core import Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.sheets.xlsx import defined_name

from app_driver import drive, notifications, press, screen_text, type_in


async def edit(pilot, text: str) -> None:
    await press(pilot, "w")
    await type_in(pilot, text)


def test_the_rate_view_starts_from_an_edited_weight_and_says_which_numbers():
    async def body(app, pilot):
        await edit(pilot, "w5 = 0.42")
        await press(pilot, "s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RatesScreen)
        assert app.screen.query_one(RateView).network.parameters()["w5"] == 0.42
        assert "Every rate starts from the numbers epoch 1 computes with." in screen_text(app)
        await press(pilot, "escape", "e", "s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = app.screen.query_one(RateView)
        assert view.network.parameters() == {p: app.stepper.values[p] for p in view.network.parameters()}
        assert "Every rate starts from the numbers after epoch 1." in screen_text(app)

    drive(body)


def test_export_starts_the_workbook_from_an_edited_weight(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        await edit(pilot, "w5 = 0.42")
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "(epoch 1, from the numbers epoch 1 computes with)" in notifications(app)

    app = drive(body)
    workbook = openpyxl.load_workbook(tmp_path / "mazur.xlsx")
    sheet_name, cell = next(iter(workbook.defined_names[defined_name("w5")].destinations))
    assert workbook[sheet_name][cell.replace("$", "")].value == 0.42
    # and it carries that network, so `check` on it needs no options
    from tui_backprop.core.loader import network_to_dict
    from tui_backprop.sheets.carried import carried_network

    assert network_to_dict(carried_network(tmp_path / "mazur.xlsx")) == network_to_dict(app.stepper.network())
    solution = (tmp_path / "mazur-solution.md").read_text()
    assert "| w5 | 0.42 |" in solution
    # every digit, as `explain` writes it, not the screen's six
    a_h1 = Stepper(app.stepper.network()).trace(1)[1]
    assert a_h1.symbol == "a_h1" and len(format_number(a_h1.value)) > 8
    assert f"**{format_number(a_h1.value)}**" in solution


def test_each_edit_and_its_undo_is_confirmed_on_screen():
    """An edit changes nothing on screen until an operation reads it: w, l and p taking one back each say so."""
    from tui_backprop.core import PRESETS

    from app_driver import press, screen_text

    start = PRESETS["mazur"]()
    w5, lr = format_number(start.parameters()["w5"]), format_number(start.start.lr)

    async def body(app, pilot):
        await edit(pilot, "w5 = 0.42")
        await pilot.pause()
        assert f"w5 = 0.42 (was {w5}), from the next operation that reads it" in notifications(app)
        assert f"w5 = 0.42 (was {w5})" in screen_text(app)  # as a toast, on screen
        await press(pilot, "l")
        await type_in(pilot, "0.3")
        assert f"lr = 0.3 (was {lr}), from the next update" in notifications(app)
        await press(pilot, "p")
        assert f"Took back the edit of lr: it is {lr} again." in notifications(app)
        await press(pilot, "p")
        assert app.stepper.values["w5"] == start.parameters()["w5"]
        assert f"Took back the edit of w5: it is {w5} again." in notifications(app)
        await press(pilot, "n", "p")  # taking back an operation is no edit: nothing more is said
        assert notifications(app).count("Took back") == 2

    drive(body, toasts=True)
