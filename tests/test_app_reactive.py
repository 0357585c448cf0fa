"""The app's stepper and quiz are reactives the panels are data-bound to (issue 11.3):
nothing hands a panel its stepper by hand, and each panel redraws and retitles itself."""

from __future__ import annotations

from tui_backprop.app.widgets.history_table import default_columns
from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.quiz import Quiz
from tui_backprop.training import bulk

from app_driver import drive, press, screen_text


def bound_panels(app) -> dict:
    """Every widget that shows the stepper: the panels (the loss chart shows curves) and the quiz bar."""
    panels = {name: panel for name, panel in app.panels.items() if name != "chart"}
    return panels | ({"quiz": app.quiz_bar} if app.quiz_bar else {})


def test_another_stepper_assigned_to_the_app_reaches_every_panel_and_title():
    async def body(app, pilot):
        await press(pilot, "z", "m", "m")  # the quiz bar and the matrix view exist too (the matrix hidden)
        xor = Stepper(PRESETS["xor"](), trainer=bulk.TRAINER)
        app.stepper = xor
        await pilot.pause()
        assert set(bound_panels(app)) == {"diagram", "operation", "values", "history", "matrix", "quiz"}
        assert all(panel.stepper is xor for panel in bound_panels(app).values())
        text = screen_text(app)
        assert "xor · 2-3-1" in text and "mazur" not in text
        assert xor.upcoming.formula in text  # the quiz bar asks xor's first operation

        await press(pilot, "escape")  # shown: the step is taken on the same stepper, in place
        assert xor.position == 1
        assert all(panel.stepper is xor for panel in bound_panels(app).values())
        assert f"{xor.last.symbol} =" in screen_text(app)

    drive(body)


def test_a_reset_stepper_brings_the_history_back_to_its_default_columns():
    async def body(app, pilot):
        history = app.panels["history"]
        history.show_columns(["E_total"])
        await press(pilot, "e", "0", "enter")
        assert app.stepper.position == 0 and len(app.stepper.history) == 0
        assert history.shown == default_columns(app.stepper.program)
        assert app.unsaved_work() is None

    drive(body)


def test_a_new_quiz_or_new_phases_reach_the_quiz_bar():
    async def body(app, pilot):
        await press(pilot, "z")
        asked = app.stepper.upcoming.formula
        assert f"{asked} = ?" in screen_text(app)
        app.quiz = Quiz(phases=("update",))
        await pilot.pause()
        assert app.quiz_bar.quiz is app.quiz
        assert "not in this quiz (update)" in screen_text(app)  # asked again, by the new quiz's phases
        await press(pilot, "Z")  # the phases change in place (update → all): the bar asks again
        assert app.quiz.phases == ("forward", "backward", "update")
        assert f"{asked} = ?" in screen_text(app) and "not in this quiz" not in screen_text(app)

    drive(body)
