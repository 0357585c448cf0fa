"""The quiz judges a typed answer by check's rule: printed precision and a relative tolerance."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.core.precision import agrees
from tui_backprop.core.program import PHASES
from tui_backprop.core.quiz import COUNTS, DEFAULT_TOLERANCE, Quiz, read_answer
from tui_backprop.sheets.check import check_sheet
from tui_backprop.sheets.reader import parse_number


def first_operation(name: str = "excel"):
    stepper = Stepper(PRESETS[name]())
    return stepper, stepper.upcoming, stepper.peek()


def check_accepts(tmp_path, symbol: str, text: str, tolerance: float) -> bool:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"epoch,{symbol}\n1,{text}\n", encoding="utf-8")
    return check_sheet(sheet, PRESETS["excel"](), tolerance).ok


@pytest.mark.parametrize("digits", [1, 2, 3, 4, 6, 12])
def test_a_value_written_with_fewer_digits_is_right_in_the_quiz_as_in_check(tmp_path, digits):
    _, quantity, correct = first_operation()
    text = format_number(correct, digits)
    quiz = Quiz(tolerance=1e-9)  # only the printed precision can make it right
    assert quiz.judge(read_answer(text), correct, quantity).right
    assert check_accepts(tmp_path, quantity.symbol, text, 1e-9)


@pytest.mark.parametrize("digits", [2, 3, 4, 6])
def test_a_value_a_unit_off_in_its_last_digit_is_wrong_in_both(tmp_path, digits):
    _, quantity, correct = first_operation()
    text = format_number(correct, digits)
    unit = 2 * read_answer(text).precision
    off = format_number(float(text) + unit, digits)
    quiz = Quiz(tolerance=1e-9)
    assert not quiz.judge(read_answer(off), correct, quantity).right
    assert not check_accepts(tmp_path, quantity.symbol, off, 1e-9)


@settings(max_examples=300, deadline=None)
@given(correct=st.floats(-1e6, 1e6, allow_nan=False), digits=st.integers(1, 8), shift=st.floats(-3, 3),
       tolerance=st.sampled_from([1e-9, 1e-4, 1e-3, 1e-2]))
def test_the_quiz_and_check_share_one_rule(correct, digits, shift, tolerance):
    _, quantity, _ = first_operation()
    text = f"{correct:.{digits}e}"
    unit = 2 * read_answer(text).precision
    answer = format_number(float(text) + shift * unit, digits + 1).replace("−", "-")
    number = parse_number(answer)
    assert Quiz(tolerance=tolerance).is_close(read_answer(answer), correct) == agrees(
        number.value, correct, tolerance, number.half_unit)


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
