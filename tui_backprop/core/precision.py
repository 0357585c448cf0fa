"""When a number someone wrote is right.

For `check`, a cell is right within a relative tolerance of the correct value, or within
half a unit of its own last printed digit: 0.59 stands for anything from 0.585 to 0.595,
so it is right for 0.59327, while 0.5933 is not right for 0.5935 (a sheet shows values
rounded for display).  The quiz takes a typed answer only within its tolerance, and uses
the printed digits to tell an answer too coarse to judge from a wrong one (quiz.py).
"""

from __future__ import annotations

import re
import sys

# A decimal number as people write it: digits, a point, decimals, an exponent.
NUMBER = re.compile(r"[+-]?(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
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


def printed_half_unit(text: str) -> float:
    """Half a unit in the last digit of `text` (0 when it is exact or not a plain decimal number)."""
    match = NUMBER.fullmatch(text.strip().replace("−", "-"))
    return half_unit(match[2], match[3]) if match and (match[1] or match[2]) else 0.0


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
