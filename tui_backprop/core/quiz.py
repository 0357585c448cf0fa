"""Predict-the-value quiz: judging an answer, naming its slip, retries with a hint, and the score per phase.

A typed answer is the student's whole claim, so it is right only within the
relative tolerance of the core's value (default 1e-3).  `check` is kinder to
a sheet, whose cells show rounded values: there a cell is also right within
half a unit of its last printed digit.  An answer too coarse to tell (0.6 for
0.593) is neither right nor wrong: the quiz says how many significant digits
it needs and asks again, and it does not count as a wrong try.  A wrong
answer is matched against the catalogue of slips (slips.py), and the slip it
is, if any, is said in a sentence; otherwise the hint is the formula with the
numbers put in.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple
from weakref import WeakKeyDictionary

from .expr import format_number
from .precision import agrees, printed_half_unit, read_number
from .program import Program
from .quantity import PHASES, Quantity
from .slips import Slip, SlipFinder, typed_slip

if TYPE_CHECKING:
    from .stepper import Stepper

DEFAULT_TOLERANCE = 1e-3
# Which phases a student can choose to be asked about, in the order a key cycles them.
PHASE_CHOICES = (PHASES, ("forward",), ("backward",), ("update",))
# What is counted per phase: operations right at the first try, right after one or more
# wrong tries, given up; and every wrong try.
COUNTS = ("right", "right after a hint", "given up", "wrong")
HINT_DIGITS = 6


class Answer(NamedTuple):
    """A number as the student typed it, and how precisely: 0.59 is ± 0.005."""
    value: float
    precision: float
    text: str


@dataclass(frozen=True)
class Verdict:
    right: bool
    answer: float | None  # None when the student gave up
    hint: str = ""  # after a wrong try: the formula with the numbers put in
    slip: Slip | None = None  # after a wrong try: the common slip that gives the answer, where one does
    # Too coarse to tell (neither right nor wrong, and not counted): the significant digits an answer needs.
    digits: int = 0
    said: str = ""  # what a tutor says: the slip in a sentence, or how many digits are needed

    @property
    def coarse(self) -> bool:
        """The answer agrees at its own few digits but cannot show it is within the tolerance: ask again."""
        return self.digits > 0


def _empty_score() -> dict[str, dict[str, int]]:
    return {p: dict.fromkeys(COUNTS, 0) for p in PHASES}


@dataclass
class Quiz:
    tolerance: float = DEFAULT_TOLERANCE
    phases: tuple[str, ...] = PHASES
    score: dict[str, dict[str, int]] = field(default_factory=_empty_score)
    # wrong tries at the operation being asked now; a right answer, giving up or another question ends it
    tries: int = 0
    _asking: tuple | None = field(default=None, repr=False, compare=False)  # (symbol, value) the tries are at
    # The slip catalogue of each program asked about, built on the first wrong answer.
    _finders: WeakKeyDictionary = field(default_factory=WeakKeyDictionary, repr=False, compare=False)

    def asks(self, quantity: Quantity) -> bool:
        return quantity.phase in self.phases

    def is_close(self, answer: Answer | float, correct: float) -> bool:
        """Right: within the relative tolerance.  Not `check`'s rule: an answer's few digits do not make it right."""
        value = answer.value if isinstance(answer, Answer) else answer
        return math.isfinite(value) and agrees(value, correct, self.tolerance)

    def judge(self, answer: Answer | float, correct: float, quantity: Quantity,
              values: dict[str, float] | None = None, program: Program | None = None,
              before: Mapping[str, float] | None = None, row: str = "epoch") -> Verdict:
        """A try at `quantity`.  Too coarse to tell, it asks for more digits and counts nothing.  Wrong, the
        hint is its formula with `values` put in, and with the `program` it belongs to the slip is named
        (`before`: the values of the {row} before, for the slip of reading them); it may be tried again."""
        counts = self.score[quantity.phase]
        value, precision, text = (answer.value, answer.precision, answer.text) if isinstance(answer, Answer) else (
            answer, 0.0, format_number(answer))
        if self._asking != (quantity.symbol, correct):  # another question: the student stepped on without it
            self._asking, self.tries = (quantity.symbol, correct), 0
        if self.is_close(value, correct):
            counts["right after a hint" if self.tries else "right"] += 1
            self.tries = 0
            return Verdict(True, value)
        if precision and agrees(value, correct, 0.0, precision):
            digits = digits_needed(correct, self.tolerance)
            return Verdict(False, value, digits=digits,
                           said=f"{text} is too coarse to tell: give {quantity.symbol} to {digits} significant "
                                f"digits, to be within a relative {format_number(self.tolerance)} "
                                "(not counted as a try)")
        counts["wrong"] += 1
        self.tries += 1
        hint = quantity.substituted(values, HINT_DIGITS) if values is not None else quantity.formula
        slip = None
        if values is not None and program is not None:
            slip = self.slip(Answer(value, precision, text), correct, quantity, values, program, before, row)
        return Verdict(False, value, hint, slip, said=slip.sentence(text) if slip else "")

    def judge_next(self, answer: Answer | float, stepper: Stepper) -> Verdict:
        """A try at the operation `stepper` performs next, with everything its slips may read."""
        step = stepper.step + 1 if stepper.step_done else stepper.step
        before = _Row(stepper.history, step - 1) if 1 < step <= len(stepper.history) + 1 else None
        return self.judge(answer, stepper.peek(), stepper.upcoming, stepper.values,
                          stepper.schedule.program(step), before, stepper.schedule.unit)

    def slip(self, answer: Answer, correct: float, quantity: Quantity, values: Mapping[str, float],
             program: Program, before: Mapping[str, float] | None = None, row: str = "epoch") -> Slip | None:
        """The slip of the catalogue whose value the answer is (at its precision and the tolerance), if any:
        none for a right answer, and never one within the tolerance of the right value (no answer tells them
        apart)."""
        if self.is_close(answer, correct):
            return None
        finder = self._finders.get(program)
        if finder is None or finder.row != row:
            finder = self._finders[program] = SlipFinder(program, None, row)

        def accepts(value: float) -> bool:
            return (agrees(answer.value, value, self.tolerance, answer.precision)
                    and not agrees(value, correct, self.tolerance) and not agrees(correct, value, self.tolerance))

        return typed_slip(finder, quantity, values, before, answer.value, accepts)

    def give_up(self, quantity: Quantity) -> Verdict:
        self.score[quantity.phase]["given up"] += 1
        self.tries = 0
        return Verdict(False, None)

    def next_phases(self) -> tuple[str, ...]:
        """The next choice of phases to be asked about."""
        return PHASE_CHOICES[(PHASE_CHOICES.index(self.phases) + 1) % len(PHASE_CHOICES)]

    def asked(self, phase: str) -> int:
        counts = self.score[phase]
        return counts["right"] + counts["right after a hint"] + counts["given up"]

    def has_score(self) -> bool:
        return any(n for counts in self.score.values() for n in counts.values())

    def summary(self) -> str:
        parts = []
        for phase in PHASES:
            counts, asked = self.score[phase], self.asked(phase)
            if asked:
                part = f"{phase} {counts['right']}/{asked} right"
                if counts["right after a hint"]:
                    part += f", {counts['right after a hint']} after a hint"
                if counts["given up"]:
                    part += f", {counts['given up']} given up"
                parts.append(part)
        return "; ".join(parts) if parts else "nothing asked yet"

    def write_score(self, stream) -> None:
        """The score as CSV: one row per phase, then the total."""
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["phase", "asked", *COUNTS, "relative tolerance"])
        for phase in PHASES:
            writer.writerow([phase, self.asked(phase), *(self.score[phase][k] for k in COUNTS), repr(self.tolerance)])
        writer.writerow(["total", sum(map(self.asked, PHASES)),
                         *(sum(self.score[p][k] for p in PHASES) for k in COUNTS), repr(self.tolerance)])

    def as_dict(self) -> dict:
        return {"tolerance": self.tolerance, "phases": list(self.phases), "score": self.score}

    @classmethod
    def from_dict(cls, data: dict) -> Quiz:
        phases = tuple(data["phases"])
        if phases not in PHASE_CHOICES:
            raise ValueError(f"unknown choice of phases {phases!r}")
        tolerance = float(data["tolerance"])
        if not (math.isfinite(tolerance) and tolerance > 0):
            raise ValueError("the tolerance must be a positive number")
        # Sessions saved before retries have no "right after a hint": none were.
        score = {p: {k: int(data["score"][p].get(k, 0) if k == "right after a hint" else data["score"][p][k])
                     for k in COUNTS} for p in PHASES}
        if any(n < 0 for counts in score.values() for n in counts.values()):
            raise ValueError("a count in the score is negative")
        return cls(tolerance, phases, score)


def digits_needed(correct: float, tolerance: float) -> int:
    """The significant digits that make any answer agreeing with `correct` at its last digit fall within the
    relative tolerance: 3 for 0.593270 at 1e-3 (half a unit of 0.593 is 0.0005, under 0.000593)."""
    magnitude = abs(correct)
    if not (math.isfinite(magnitude) and magnitude > 0):
        return 1
    exponent = math.floor(math.log10(magnitude))
    for digits in range(1, 18):
        if 0.5 * 10.0 ** (exponent - digits + 1) <= tolerance * magnitude:
            return digits
    return 17


class _Row(Mapping):
    """A finished step's values, read from the history only when a slip asks for one."""

    def __init__(self, history, step: int):
        self.history, self.step, self._row = history, step, None

    def _values(self) -> dict[str, float]:
        if self._row is None:
            self._row = dict(zip(self.history.columns, self.history.row(self.step)))
        return self._row

    def __getitem__(self, symbol: str) -> float:
        return self._values()[symbol]

    def __iter__(self):
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


def read_answer(text: str) -> Answer:
    """A number as a student types it (precision.read_number: 0.5933, −0.02, 1e-3, 0,59), with its precision."""
    value = read_number(text)
    return Answer(value, printed_half_unit(text), text.strip())
