"""Predict-the-value quiz: judging an answer, and the score per phase."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .program import PHASES, Quantity

DEFAULT_TOLERANCE = 1e-3
# Which phases a student can choose to be asked about, in the order a key cycles them.
PHASE_CHOICES = (PHASES, ("forward",), ("backward",), ("update",))


@dataclass(frozen=True)
class Verdict:
    right: bool
    answer: float | None  # None when the student gave up


@dataclass
class Quiz:
    tolerance: float = DEFAULT_TOLERANCE
    phases: tuple[str, ...] = PHASES
    # phase -> {"right": n, "wrong": n, "given up": n}
    score: dict[str, dict[str, int]] = field(default_factory=lambda: {p: {"right": 0, "wrong": 0, "given up": 0} for p in PHASES})

    def asks(self, quantity: Quantity) -> bool:
        return quantity.phase in self.phases

    def is_close(self, answer: float, correct: float) -> bool:
        """Within the relative tolerance; an exact zero needs an answer within the tolerance itself."""
        return abs(answer - correct) <= self.tolerance * max(abs(correct), 1.0 if correct == 0 else 0.0)

    def judge(self, answer: float, correct: float, quantity: Quantity) -> Verdict:
        right = math.isfinite(answer) and self.is_close(answer, correct)
        self.score[quantity.phase]["right" if right else "wrong"] += 1
        return Verdict(right, answer)

    def give_up(self, quantity: Quantity) -> Verdict:
        self.score[quantity.phase]["given up"] += 1
        return Verdict(False, None)

    def next_phases(self) -> tuple[str, ...]:
        """The next choice of phases to be asked about."""
        return PHASE_CHOICES[(PHASE_CHOICES.index(self.phases) + 1) % len(PHASE_CHOICES)]

    def summary(self) -> str:
        parts = []
        for phase in PHASES:
            counts = self.score[phase]
            asked = sum(counts.values())
            if asked:
                parts.append(f"{phase} {counts['right']}/{asked} right"
                             + (f", {counts['given up']} given up" if counts["given up"] else ""))
        return "; ".join(parts) if parts else "nothing asked yet"

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
        score = {p: {k: int(data["score"][p][k]) for k in ("right", "wrong", "given up")} for p in PHASES}
        return cls(tolerance, phases, score)


def read_number(text: str) -> float:
    """A number as a student types it: 0.5933, -0.02, −0.02 (typographic minus), 1e-3."""
    value = float(text.strip().replace("−", "-"))
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value
