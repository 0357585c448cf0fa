"""The quiz as a student meets it (issue 17 §1, §2, §7), through the real app under Pilot.

Every number typed comes from the core: the right value, or a slip planted by evaluating the
operation's own formula with one of its inputs changed.
"""

from __future__ import annotations

from collections import ChainMap

import pytest

from tui_backprop.app.widgets.screens import ChoiceScreen, ConfirmScreen
from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.core.quiz import Quiz, digits_needed
from tui_backprop.core.session import load_study, save_study

from app_driver import drive, paste_in, press, screen_text, type_in, widget_text


def verdict(app) -> str:
    return widget_text(app, app.query_one("#verdict"))


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


async def answer(pilot, text: str) -> None:
    """Type into the answer box as a student does: the keys, then enter."""
    await press(pilot, *text, "enter")


async def quiz_off_until(app, pilot, symbol: str, epoch: int = 1) -> None:
    """With the quiz off, step until `symbol` of `epoch` is next (a parameter: its update); then turn the quiz on.
    Whole epochs and phases go by e and f, the rest by n."""
    stepper = app.stepper
    while stepper.epoch + stepper.step_done < epoch:
        await press(pilot, "e")
    program = stepper.program
    target = program.update_position(symbol) if symbol in program.parameters else program.position(symbol)
    def here() -> int:  # operations done in the epoch of the next one
        return 0 if stepper.step_done else stepper.position

    while here() < program.phase_bounds(program.quantity(target).phase)[0]:
        await press(pilot, "f")
    await press(pilot, *"n" * (target - here()), "z")
    assert app.quiz_on and stepper.upcoming.symbol == symbol


def slipped(app, **overrides) -> str:
    """The next operation's own formula on its own numbers with `overrides` in place, as typed (7 digits)."""
    stepper = app.stepper
    return format_number(stepper.upcoming.expr.evaluate(ChainMap(overrides, stepper.values)), 7).replace("−", "-")


# -- §1: right only within the tolerance; too coarse is asked again -------------------------------------------

def test_an_answer_too_coarse_to_tell_is_asked_again_and_not_counted():
    async def body(app, pilot):
        await press(pilot, "z")
        await answer(pilot, format_number(app.stepper.peek(), 6))  # h1
        assert app.stepper.last.symbol == "h1"
        a_h1 = app.stepper.peek()
        await answer(pilot, "0.6")  # the try: a_h1 is 0.593…
        assert app.stepper.position == 1, "0.6 is not taken as right"
        needed = digits_needed(a_h1, app.quiz.tolerance)
        assert f"0.6 is too coarse to tell: give a_h1 to {needed} significant digits" in verdict(app)
        assert app.quiz.score["forward"]["wrong"] == 0 and app.quiz.tries == 0
        await answer(pilot, format_number(a_h1, needed))
        assert app.stepper.last.symbol == "a_h1" and "✓ right" in verdict(app)
        await answer(pilot, "0.4")  # h2 = 0.3924…
        assert app.stepper.upcoming.symbol == "h2" and "0.4 is too coarse to tell" in verdict(app)
        assert app.quiz.score["forward"] == {"right": 2, "right after a hint": 0, "given up": 0, "wrong": 0}
        # At a tolerance of 1e-6, 0.7 for epoch 2's dE_total/da_o1 (0.732088) is too coarse too.
        await press(pilot, "t")
        await type_in(pilot, "1e-6")
        await press(pilot, "z")
        await quiz_off_until(app, pilot, "dE_total/da_o1", epoch=2)
        correct = app.stepper.peek()
        await answer(pilot, "0.7")
        assert app.stepper.upcoming.symbol == "dE_total/da_o1"
        assert f"give dE_total/da_o1 to {digits_needed(correct, 1e-6)} significant digits" in verdict(app)
        await answer(pilot, format_number(correct, 4))  # four digits agree, but not within 1e-6
        assert app.stepper.upcoming.symbol == "dE_total/da_o1" and "too coarse to tell" in verdict(app)
        await answer(pilot, format_number(correct, 7))
        assert app.stepper.last.symbol == "dE_total/da_o1"

    drive(body)


# -- §2: a wrong answer names its slip -----------------------------------------------------------------------

@pytest.mark.long
def test_a_wrong_answer_names_the_slip_or_gives_the_formula_with_numbers():
    async def body(app, pilot):
        await press(pilot, "z")
        await answer(pilot, slipped(app, b1=0.0))  # h1 without its bias
        assert app.stepper.position == 0 and "is h1 without its bias b1" in verdict(app)
        await press(pilot, "z")
        await quiz_off_until(app, pilot, "dE_total/dw5")
        await answer(pilot, slipped(app, **{"da_o1/do1": 1.0}))  # σ′ forgotten
        assert "is dE_total/dw5 without a_o1·(1 − a_o1): the sigmoid's slope is missing" in verdict(app)
        assert "hint:" not in verdict(app)
        await answer(pilot, slipped(app, **{"da_o1/do1": 1.0}))  # the same again: now the numbers too
        assert app.stepper.upcoming.substituted(app.stepper.values, 6) in verdict(app)
        odd = format_number(app.stepper.peek() * 1.37, 7)  # a number no slip gives
        await answer(pilot, odd)
        assert f"✗ not {odd}" in verdict(app)
        assert app.stepper.upcoming.substituted(app.stepper.values, 6) in verdict(app)
        await press(pilot, "escape", "z")
        await quiz_off_until(app, pilot, "dE_total/da_h1")
        program = app.stepper.program
        new_w5 = program.quantity(program.update_position("w5")).expr.evaluate(app.stepper.values)
        await answer(pilot, slipped(app, w5=new_w5))
        assert "with the updated w5: the backward pass reads the weights of the forward pass" in verdict(app)
        await press(pilot, "z")
        await quiz_off_until(app, pilot, "w5")
        await answer(pilot, slipped(app, lr=-app.stepper.values["lr"]))
        assert "w5 + lr·dE_total/dw5: the update went the wrong way" in verdict(app)
        assert app.quiz.score["backward"]["wrong"] == 4 and app.quiz.score["update"]["wrong"] == 1

    drive(body)


# -- §7: the four defects --------------------------------------------------------------------------------------

def test_after_giving_up_and_taking_it_back_the_answer_is_not_shown():
    async def body(app, pilot):
        await quiz_off_until(app, pilot, "a_h2")
        await press(pilot, "escape")
        assert "given up a_h2" in verdict(app)
        await press(pilot, "p")
        assert app.stepper.upcoming.symbol == "a_h2"
        text = screen_text(app)
        assert "a_h2 = σ(h2) = ?" in text and "given up" not in text
        assert format_number(app.stepper.peek()) not in verdict(app)

    drive(body)


def test_quit_counts_only_the_steps_since_the_save(tmp_path):
    path = tmp_path / "mine.backprop"

    async def body(app, pilot):
        await press(pilot, "n", "n", "n", "ctrl+s")
        await paste_in(pilot, str(path))
        await app.workers.wait_for_complete()
        await pilot.pause()
        await press(pilot, "n", "q")
        assert isinstance(app.screen, ChoiceScreen)
        assert "1 step of epoch 1 not saved" in app.screen.question
        await press(pilot, "escape", "p", "n", "q")  # one step taken back and done again: still the one
        assert "1 step of epoch 1 not saved" in app.screen.question

    drive(body)


def test_a_resumed_session_has_nothing_unsaved_until_something_changes(tmp_path):
    path = tmp_path / "mine.backprop"

    stepper = Stepper(PRESETS["mazur"]())
    for _ in range(26):
        stepper.next()
    save_study(path, stepper, Quiz())
    stepper, quiz = load_study(path)

    async def resume(app, pilot):
        assert app.stepper.position == 26
        await press(pilot, "l", "escape", "w", "escape", "z", "z", "p", "n")  # dialogs left, a step back and on
        await press(pilot, "o")
        await type_in(pilot, "excel")
        assert not isinstance(app.screen, ConfirmScreen) and app.stepper.net.name == "excel"

    drive(resume, network=None, stepper=stepper, quiz=quiz, session_path=str(path))
    stepper, quiz = load_study(path)

    async def edit(app, pilot):
        await press(pilot, "w")
        await type_in(pilot, "w5 = 0.42")
        await press(pilot, "o")
        await type_in(pilot, "excel")
        assert isinstance(app.screen, ConfirmScreen) and "a value edited" in app.screen.question

    drive(edit, network=None, stepper=stepper, quiz=quiz, session_path=str(path))


def test_next_leaves_the_footer_while_the_quiz_waits_for_an_answer():
    async def body(app, pilot):
        assert "n Next" in footer(app)
        await press(pilot, "z")
        assert "n Next" not in footer(app) and "z Quiz" in footer(app)
        await press(pilot, "n")
        assert app.stepper.position == 0 and "Type your value" in verdict(app)
        await press(pilot, "Z", "Z")  # backward only: the forward pass is not asked, and n computes it
        assert app.quiz.phases == ("backward",) and "n Next" in footer(app)
        await press(pilot, "n")
        assert app.stepper.position == 1
        await press(pilot, "f")  # into the backward pass: asked again
        assert "n Next" not in footer(app)

    drive(body)


def test_after_a_wrong_try_the_next_number_typed_replaces_the_answer():
    async def body(app, pilot):
        await press(pilot, "z")
        right = format_number(app.stepper.peek(), 6)
        await answer(pilot, slipped(app, b1=0.0))
        assert app.stepper.position == 0
        box = app.query_one("#answer")
        assert box.selected_text == box.value != ""  # selected: typing replaces it
        await press(pilot, *right)
        assert box.value == right
        await press(pilot, "enter")
        assert app.stepper.last.symbol == "h1" and "✓ right" in verdict(app)

    drive(body)
