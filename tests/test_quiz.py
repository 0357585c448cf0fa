"""The quiz judges a typed answer within its relative tolerance (issue 17.1); check keeps its sheet rule."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.core.precision import agrees
from tui_backprop.core.quantity import PHASES
from tui_backprop.core.quiz import COUNTS, DEFAULT_TOLERANCE, Quiz, digits_needed, read_answer
from tui_backprop.sheets.check import check_sheet
from tui_backprop.sheets.reader import parse_number

from budget import examples


def first_operation(name: str = "excel"):
    stepper = Stepper(PRESETS[name]())
    return stepper, stepper.upcoming, stepper.peek()


def check_accepts(tmp_path, symbol: str, text: str, tolerance: float, preset: str = "excel") -> bool:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"epoch,{symbol}\n1,{text}\n", encoding="utf-8")
    return check_sheet(sheet, PRESETS[preset](), tolerance).ok


@pytest.mark.parametrize("digits", [1, 2, 3, 4, 6, 12])
def test_a_value_with_too_few_digits_is_right_in_check_but_asked_again_in_the_quiz(tmp_path, digits):
    # issue 17.1: a sheet shows rounded values, so check takes 0.59 for 0.59327; a typed answer is the
    # student's whole claim, so the quiz takes it only within its tolerance, and asks for more digits.
    stepper = Stepper(PRESETS["mazur"]())
    stepper.next()
    quantity, correct = stepper.upcoming, stepper.peek()  # a_h1 = 0.59327, as Mazur prints it
    text = format_number(correct, digits)
    assert check_accepts(tmp_path, quantity.symbol, text, 1e-9, "mazur")
    quiz = Quiz()
    verdict = quiz.judge(read_answer(text), correct, quantity)
    needed = digits_needed(correct, DEFAULT_TOLERANCE)
    assert abs(float(format_number(correct, needed)) - correct) <= DEFAULT_TOLERANCE * abs(correct)
    assert abs(float(format_number(correct, needed - 1)) - correct) > 0  # fewer digits lose something
    if digits >= needed:
        assert verdict.right and not verdict.coarse
    else:  # neither right nor wrong: asked again, and not a wrong try
        assert not verdict.right and verdict.coarse and verdict.digits == needed
        assert f"give a_h1 to {needed} significant digits" in verdict.said
        assert quiz.tries == 0 and not quiz.has_score()


def test_the_issues_answers_are_no_longer_taken_as_right():
    """Issue 17.1, as tried on mazur: 0.6 for a_h1 and 0.4 for h2, and at a tolerance of 1e-6, 0.7 for
    epoch 2's dE_total/da_o1 (0.732088)."""
    stepper = Stepper(PRESETS["mazur"]())
    answers = {(1, "a_h1"): ("0.6", 1e-3), (1, "h2"): ("0.4", 1e-3), (2, "dE_total/da_o1"): ("0.7", 1e-6)}
    while answers:
        quantity = stepper.upcoming
        epoch = stepper.epoch + stepper.step_done
        if (epoch, quantity.symbol) in answers:
            text, tolerance = answers.pop((epoch, quantity.symbol))
            verdict = Quiz(tolerance=tolerance).judge(read_answer(text), stepper.peek(), quantity)
            assert not verdict.right and verdict.coarse, (quantity.symbol, verdict)
        stepper.next()


@pytest.mark.parametrize("digits", [2, 3, 4, 6])
def test_a_value_a_unit_off_in_its_last_digit_is_wrong_in_both(tmp_path, digits):
    _, quantity, correct = first_operation()
    text = format_number(correct, digits)
    unit = 2 * read_answer(text).precision
    off = format_number(float(text) + unit, digits)
    quiz = Quiz(tolerance=1e-9)
    assert not quiz.judge(read_answer(off), correct, quantity).right
    assert not check_accepts(tmp_path, quantity.symbol, off, 1e-9)


@settings(max_examples=examples(300), deadline=None)
@given(correct=st.floats(-1e6, 1e6, allow_nan=False), digits=st.integers(1, 8), shift=st.floats(-3, 3),
       tolerance=st.sampled_from([1e-9, 1e-4, 1e-3, 1e-2]))
def test_the_quiz_takes_an_answer_within_its_tolerance_and_asks_again_where_only_check_would(
        correct, digits, shift, tolerance):
    _, quantity, _ = first_operation()
    text = f"{correct:.{digits}e}"
    unit = 2 * read_answer(text).precision
    answer = format_number(float(text) + shift * unit, digits + 1).replace("−", "-")
    number = parse_number(answer)
    quiz = Quiz(tolerance=tolerance)
    verdict = quiz.judge(read_answer(answer), correct, quantity)
    assert verdict.right == agrees(number.value, correct, tolerance)
    # Too coarse to tell exactly where check's rule (the printed digits) takes what the tolerance does not.
    assert verdict.coarse == (not verdict.right and agrees(number.value, correct, tolerance, number.half_unit))
    assert quiz.score[quantity.phase]["wrong"] == (not verdict.right and not verdict.coarse)
    if verdict.coarse:  # that many digits, rounded right, are right
        rounded = float(f"{correct:.{verdict.digits - 1}e}")
        assert Quiz(tolerance=tolerance).judge(read_answer(repr(rounded)), correct, quantity).right


def test_the_tolerance_the_user_sets_decides_a_full_precision_answer():
    _, quantity, correct = first_operation()
    near = repr(correct * (1 + 5e-4))  # every digit given: only the tolerance can make it right
    assert Quiz(tolerance=1e-3).judge(read_answer(near), correct, quantity).right
    assert not Quiz(tolerance=1e-4).judge(read_answer(near), correct, quantity).right


def test_a_wrong_try_gives_the_formula_with_numbers_and_may_be_retried():
    stepper, quantity, correct = first_operation()
    quiz = Quiz()
    wrong = quiz.judge(read_answer(repr(correct * 2)), correct, quantity, stepper.values)
    assert not wrong.right and wrong.hint == quantity.substituted(stepper.values, 6)
    assert wrong.hint != quantity.formula  # the numbers are in it
    assert quiz.judge(read_answer(repr(correct)), correct, quantity, stepper.values).right
    assert quiz.score[quantity.phase] == {"right": 0, "right after a hint": 1, "given up": 0, "wrong": 1}
    stepper.next()
    assert quiz.judge(read_answer(repr(stepper.peek())), stepper.peek(), stepper.upcoming).right
    assert quiz.score[quantity.phase]["right"] == 1  # the next operation starts afresh


def test_the_score_exports_as_csv_and_reloads_from_a_session_dictionary():
    stepper, quantity, correct = first_operation()
    quiz = Quiz()
    quiz.judge(read_answer(repr(correct)), correct, quantity)
    stepper.next()
    quiz.give_up(stepper.upcoming)
    stream = io.StringIO()
    quiz.write_score(stream)
    rows = {row["phase"]: row for row in csv.DictReader(io.StringIO(stream.getvalue()))}
    assert {k: int(rows["forward"][k]) for k in COUNTS} == quiz.score["forward"]
    assert int(rows["total"]["asked"]) == 2 and float(rows["total"]["relative tolerance"]) == quiz.tolerance
    assert Quiz.from_dict(quiz.as_dict()) == quiz


def test_a_score_saved_before_retries_still_loads():
    old = {"tolerance": DEFAULT_TOLERANCE, "phases": list(PHASES),  # as sessions were written before
           "score": {p: {"right": 2, "wrong": 1, "given up": 0} for p in PHASES}}
    quiz = Quiz.from_dict(old)
    assert quiz.score["forward"] == {"right": 2, "right after a hint": 0, "given up": 0, "wrong": 1}


def test_a_wrong_try_left_behind_does_not_make_the_next_answer_one_after_a_hint():
    stepper, quantity, correct = first_operation("mazur")
    quiz = Quiz()
    assert not quiz.judge(read_answer(repr(2 * correct)), correct, quantity).right
    stepper.next()  # stepped on without answering (the quiz turned off, say)
    assert quiz.judge(read_answer(repr(stepper.peek())), stepper.peek(), stepper.upcoming).right
    assert quiz.score["forward"]["right"] == 1 and quiz.score["forward"]["right after a hint"] == 0
