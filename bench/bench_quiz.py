"""Naming a wrong quiz answer's slip (issue 17.2): what it costs over the hint the quiz gave before.

    python bench/bench_quiz.py

At a few operations of Mazur's 2-2-2, a 50-50-50 and a 100-100-100 network with 4 samples (a
weight's gradient, the sum over every route through a hidden neuron, an update), a wrong answer
is judged: the first on that network (the slip catalogue's finder is built then, its neighbours
and candidate trees found) and again (they are kept).  The baseline, in the same process, is what
a wrong answer cost before: the right value and its formula with the numbers put in.  The
answer is a number no slip gives, so every candidate is tried.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import best

from tui_backprop.core import PRESETS, Network, Parameters, Sample, Stepper
from tui_backprop.core.presets import random_weights
from tui_backprop.core.quiz import Quiz, read_answer


def square(size: int, samples: int) -> Network:
    sizes = (size, size, size)
    weights = random_weights(2 * size * size, seed=1, scale=0.5)
    return Network(sizes=sizes, activations=("sigmoid", "sigmoid"), start=Parameters(weights), name=f"{size}-{size}-{size}",
                   samples=tuple(Sample((0.1,) * size, (0.5,) * size) for _ in range(samples)))


def at(stepper: Stepper, kind: str) -> Stepper:
    while stepper.upcoming.kind != kind:
        stepper.next()
    return stepper


def main() -> None:
    for net in (PRESETS["mazur"](), square(50, 1), square(100, 4)):
        stepper = Stepper(net)
        for kind in ("gradient", "route", "update"):
            at(stepper, kind)
            quantity, values = stepper.upcoming, stepper.values
            wrong = read_answer(repr(stepper.peek() * 1.37 + 0.01))
            before = best(lambda: (stepper.peek(), quantity.substituted(values, 6)), 5)
            cold = best(lambda: Quiz().judge_next(wrong, stepper), 1)
            quiz = Quiz()
            quiz.judge_next(wrong, stepper)
            warm = best(lambda: quiz.judge_next(wrong, stepper), 5)
            print(f"{net.name} ({len(stepper.quantities):,} operations), {quantity.symbol}: a wrong answer "
                  f"{cold * 1000:.1f} ms the first time, {warm * 1000:.2f} ms after "
                  f"({cold / before:,.0f}× and {warm / before:.1f}× the hint alone, {before * 1000:.3f} ms)")


if __name__ == "__main__":
    main()
