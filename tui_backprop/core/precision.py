"""Numbers people write: the one way to read them, and when one is right.

Every number typed in the app (a quiz answer, l, w, t, the rate view's fields,
r), given on the command line, or read from a data file or a student's sheet
is read by `read_number` (or `read_whole`), with one set of rules: a sign, the
typographic minus our explanations print, digits with a point or a decimal
comma, an exponent.

For `check`, a cell is right within a relative tolerance of the correct value, or within
half a unit of its own last printed digit: 0.59 stands for anything from 0.585 to 0.595,
so it is right for 0.59327, while 0.5933 is not right for 0.5935 (a sheet shows values
rounded for display).  The quiz takes a typed answer only within its tolerance, and uses
the printed digits to tell an answer too coarse to judge from a wrong one (quiz.py).
"""

from __future__ import annotations

import math
import re
import sys

# A decimal number as people write it: digits, a point, decimals, an exponent.
NUMBER = re.compile(r"[+-]?(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
# Not finite, spelled out: what `train --csv` writes once a run diverges.
SPELLED = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
# A whole number, its thousands perhaps set apart: 1000, 1,000, 1_000.
WHOLE = re.compile(r"[+-]?\d{1,3}(?:([,_]?)\d{3}(?:\1\d{3})*)?|[+-]?\d+")
# The float rounding of the subtraction itself: 0.378 − 0.3775 is a hair over 0.0005.
FLOAT_ROUNDING = 4 * sys.float_info.epsilon


def half_unit(decimals: str | None, exponent: str | None) -> float:
    """Half a unit in the last printed digit of a number written with these decimals and exponent.

    A whole number without an exponent (1, 0) is exact: 0.
    """
    if exponent is None and not decimals:
        return 0.0
    # float(), not int(): an exponent of thousands of digits is legal text; 10.0 ** 400 would overflow.
    last_digit = min(float(exponent or 0) - len(decimals or ""), 300.0)
    return 0.5 * 10.0 ** last_digit


def _numeral(text: str, decimal_comma: bool | None) -> tuple[str, re.Match | None]:
    """`text` as Python writes a number (a point, an ASCII minus), and its match of NUMBER if it is one.
    A comma is the decimal mark when `decimal_comma` says so, or when it is None and the comma is the
    text's only one and there is no point (0,5)."""
    number = text.strip().replace("−", "-")
    if decimal_comma or (decimal_comma is None and number.count(",") == 1 and "." not in number):
        number = number.replace(",", ".")
    match = NUMBER.fullmatch(number)
    return number, match if match and (match[1] or match[2]) else None


def read_number(text: str, decimal_comma: bool | None = None, finite: bool = True) -> float:
    """A number as people write it: 0.5933, -0.02, −0.02, 1e-3, .5, and with a decimal comma 0,5.

    `decimal_comma`: whether a comma is the decimal mark (a CSV file separated by ;), or None to take a
    lone comma without a point for one.  finite=False also reads nan and inf spelled out, and a number
    too large for a float as ±inf.  ValueError, with one line for the user, for anything else."""
    number, match = _numeral(text, decimal_comma)
    if match is None and (finite or not SPELLED.fullmatch(number)):
        raise ValueError(f"{text.strip()!r} is not a number")
    value = float(number)
    if finite and not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


def read_whole(text: str) -> int:
    """A whole number as people write it: 1000, 1,000 or 1_000; ValueError, with one line, for anything else."""
    number = text.strip().replace("−", "-")
    if not WHOLE.fullmatch(number):
        raise ValueError(f"{text.strip()!r} is not a whole number")
    return int(number.replace(",", "").replace("_", ""))


def printed_half_unit(text: str, decimal_comma: bool | None = None) -> float:
    """Half a unit in the last digit of `text` (0 when it is exact or not a plain decimal number)."""
    _, match = _numeral(text, decimal_comma)
    return half_unit(match[2], match[3]) if match else 0.0


def agrees(value: float, correct: float, rel_tol: float, precision: float = 0.0, spread: float = 0.0) -> bool:
    """`value`, written to within ± `precision`, is right for `correct`.

    `spread` is how far the writer's own earlier (rounded) inputs can move the correct value.
    Not finite: right only for the same inf, or nan where the correct value is nan.
    """
    difference = abs(value - correct)
    slack = FLOAT_ROUNDING * max(abs(value), abs(correct))
    if difference < float("inf") and difference <= max(rel_tol * abs(correct), precision) + spread + slack:
        return True
    return value == correct or (value != value and correct != correct)
