"""Predict-the-value quiz: judging an answer, retries with a hint, and the score per phase."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from typing import NamedTuple

from .precision import agrees, printed_half_unit, read_number
from .program import PHASES, Quantity

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


def _empty_score() -> dict[str, dict[str, int]]:
    return {p: dict.fromkeys(COUNTS, 0) for p in PHASES}


@dataclass
class Quiz:
    tolerance: float = DEFAULT_TOLERANCE
    phases: tuple[str, ...] = PHASES
    score: dict[str, dict[str, int]] = field(default_factory=_empty_score)
    # wrong tries at the operation being asked now; a right answer or giving up ends it
    tries: int = 0

    def asks(self, quantity: Quantity) -> bool:
        return quantity.phase in self.phases

    def is_close(self, answer: Answer | float, correct: float) -> bool:
        """The rule `check` uses: within the relative tolerance, or within the answer's printed precision."""
        value, precision = (answer.value, answer.precision) if isinstance(answer, Answer) else (answer, 0.0)
        return math.isfinite(value) and agrees(value, correct, self.tolerance, precision)

    def judge(self, answer: Answer | float, correct: float, quantity: Quantity,
              values: dict[str, float] | None = None) -> Verdict:
        """A try at `quantity`; when wrong, the hint is its formula with `values` put in, and it may be tried again."""
        counts = self.score[quantity.phase]
        value = answer.value if isinstance(answer, Answer) else answer
        if self.is_close(answer, correct):
            counts["right after a hint" if self.tries else "right"] += 1
            self.tries = 0
            return Verdict(True, value)
        counts["wrong"] += 1
        self.tries += 1
        hint = quantity.substituted(values, HINT_DIGITS) if values is not None else quantity.formula
        return Verdict(False, value, hint)

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
    def from_dict(cls, data: dict) -> "Quiz":
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


def read_answer(text: str) -> Answer:
    """A number as a student types it (precision.read_number: 0.5933, −0.02, 1e-3, 0,59), with its precision."""
    value = read_number(text)
    return Answer(value, printed_half_unit(text), text.strip())
