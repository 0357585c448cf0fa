"""One reader for every number a person writes, one way to count in words (issue 19, point 3): the quiz, l,
the rate view, the command line, a data file and a sheet read a number alike, decimal comma included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_backprop import cli
from tui_backprop.app.widgets.rate_view import parse_epochs, parse_rates
from tui_backprop.core.datasets import parse_number as data_number
from tui_backprop.core.expr import counted
from tui_backprop.core.precision import read_number, read_whole
from tui_backprop.core.quiz import read_answer
from tui_backprop.sheets.reader import parse_number as sheet_number

from app_driver import drive, press, type_in

PACKAGE = Path(__file__).resolve().parent.parent / "tui_backprop"


def written(value: float, comma: bool, minus: bool) -> str:
    text = repr(value)
    text = text.replace(".", ",") if comma else text
    return text.replace("-", "−", 1) if minus and text.startswith("-") else text


@given(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: x != 0), st.booleans(), st.booleans())
def test_every_reader_reads_a_number_as_the_others_do(value, comma, minus):
    text = written(value, comma, minus)
    assert read_number(text) == value
    assert read_answer(text).value == value
    assert data_number(text) == value
    assert sheet_number(text, decimal_comma=comma).value == value
    if value > 0:
        assert parse_rates(text) == [value]
        assert cli._positive_rate(text) == value


def test_a_decimal_comma_and_its_precision_in_a_quiz_answer():
    answer = read_answer("−0,593")
    assert answer.value == -0.593 and answer.precision == pytest.approx(0.0005)


@pytest.mark.parametrize("text", ["abc", "1,2.3", "0.5.1", "1_000", "e5", ".", "nan", "inf", "1e400", "", "12%"])
def test_what_is_not_a_finite_number_is_refused_in_one_line(text):
    with pytest.raises(ValueError, match=r"^'.*' is not a (finite )?number$"):
        read_number(text)


@pytest.mark.parametrize("text, whole", [("1000", 1000), ("1,000", 1000), ("1_000", 1000), ("123,456", 123456),
                                         (" 7 ", 7)])
def test_a_whole_number_may_set_its_thousands_apart_in_the_rate_view_r_and_the_command_line(text, whole):
    assert read_whole(text) == parse_epochs(text) == cli._positive_int(text) == whole


@pytest.mark.parametrize("text", ["1,0,0", "1,00", "1.5", "ten", ""])
def test_a_whole_number_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        read_whole(text)


def test_the_rate_list_takes_spaces_commas_and_decimal_commas():
    assert parse_rates("0.1, 0.5 2") == parse_rates("0.1,0.5,2") == [0.1, 0.5, 2.0]
    assert parse_rates("0,1 0,5 2") == [0.1, 0.5, 2.0]


def test_the_command_line_takes_a_decimal_comma(capsys):
    assert cli.main(["train", "--epochs", "1,000", "--lr", "0,25"]) == cli.EXIT_OK
    assert "1,000 epochs" in capsys.readouterr().out and cli.load(cli.build_parser().parse_args(
        ["explain", "--lr", "0,25"])).start.lr == 0.25


def test_l_takes_a_decimal_comma_as_a_data_file_does():
    async def body(app, pilot):
        await press(pilot, "l")
        await type_in(pilot, "0,25")
        assert len(app.screen_stack) == 1 and app.stepper.values["lr"] == 0.25

    drive(body)


@pytest.mark.parametrize("count, noun, words", [(1, "epoch", "1 epoch"), (2, "epoch", "2 epochs"),
                                                (8, "batch", "8 batches"), (1000, "wrong cell", "1,000 wrong cells")])
def test_counting_in_words(count, noun, words):
    assert counted(count, noun) == words


def test_plurals_are_made_one_way():
    """No module makes a noun's plural of its own (`'' if n == 1 else 's'`): core.expr.counted does."""
    own = re.compile(r"""['"]{2} if [^:]+ == 1 else ['"]e?s['"]|['"]e?s['"] if [^:]+ != 1 else ['"]{2}""")
    sources = {path: path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py"))}
    found = [f"{path.relative_to(PACKAGE)}:{node.lineno}"
             for path, source in sources.items() if path.name != "expr.py" and own.search(source)
             for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.FunctionDef) and own.search(ast.get_source_segment(source, node) or "")]
    assert found == []
