"""The diagram and the matrix view of a big network: set-up and a step's redraw follow the screen.

For 100-100-100 with 16 samples (about 370,000 quantities an epoch) it times, in one process:
  core     building the Stepper (the core's own set-up: the baseline);
  setup    the diagram's set-up (what it derives from the names) and its first drawing at 68×12,
           the size of its panel at 120×40;
  step     `n` and the diagram's redraw, median over steps at the start of the epoch, in the
           backward pass and in the update;
  matrix   the matrix view's drawing after the same steps;
and the same step and matrix figures for the 2-2-2, whose ratio says how far the cost grows
with the network (the target: set-up well under 100 ms, a step's redraw within a small
factor of the 2-2-2's).

Run from the repository root:  python bench/bench_scale_diagram.py [SIZES [SAMPLES]]
e.g. python bench/bench_scale_diagram.py 50-50-50 4
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui_backprop.app.widgets.diagram import NetworkDiagram
from tui_backprop.app.widgets.matrix import MatrixForm
from tui_backprop.app.widgets.symbol_places import Structure
from tui_backprop.core import PRESETS, Network, Parameters, Sample, Stepper
from tui_backprop.core.presets import random_weights

WIDTH, HEIGHT = 68, 12
STEPS = 15


def network(sizes: tuple[int, ...], samples: int) -> Network:
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    data = tuple(Sample(tuple(0.01 * (k + s) for k in range(sizes[0])), (0.5,) * sizes[-1]) for s in range(samples))
    return Network(sizes=sizes, activations=("tanh",) * (len(sizes) - 2) + ("sigmoid",), bias="neuron",
                   start=Parameters(random_weights(weights, 1, 0.1), random_weights(sum(sizes[1:]), 2, 0.1)),
                   samples=data, name="big")


def milliseconds(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def step_costs(stepper: Stepper, diagram: NetworkDiagram) -> tuple[list[float], list[float]]:
    """Step then redraw, and the matrix view's drawing, at three points of the epoch."""
    steps, matrix = [], []
    structure = Structure(stepper.program)  # the matrix view keeps one per stepper, as the diagram does
    for move in (None, "forward", "backward"):
        if move:
            stepper.finish_phase()
        for _ in range(STEPS):
            steps.append(milliseconds(lambda: (stepper.next(), diagram.draw(WIDTH, HEIGHT))))
            matrix.append(milliseconds(lambda: MatrixForm(stepper, structure).render(WIDTH)))
    return steps, matrix


def main() -> None:
    sizes = tuple(int(n) for n in (sys.argv[1] if len(sys.argv) > 1 else "100-100-100").split("-"))
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    small = Stepper(PRESETS["mazur"]())
    small_steps, small_matrix = step_costs(small, NetworkDiagram(small))

    core = milliseconds(lambda: globals().__setitem__("big", Stepper(network(sizes, samples))))
    stepper = globals()["big"]
    holder = {}
    setup = milliseconds(lambda: holder.__setitem__("diagram", NetworkDiagram(stepper)))
    first = milliseconds(lambda: holder["diagram"].draw(WIDTH, HEIGHT))
    steps, matrix = step_costs(stepper, holder["diagram"])
    name = "-".join(map(str, sizes))
    print(f"{name} with {samples} samples, {len(stepper.quantities):,} quantities an epoch")
    print(f"  core Stepper set-up          {core:10.1f} ms (baseline)")
    print(f"  diagram set-up               {setup:10.2f} ms ({setup / core:.2f}× the core's)")
    print(f"  diagram first drawing        {first:10.2f} ms")
    print(f"  step + diagram redraw        {statistics.median(steps):10.2f} ms median "
          f"({statistics.median(steps) / statistics.median(small_steps):.1f}× the 2-2-2's "
          f"{statistics.median(small_steps):.2f} ms)")
    print(f"  matrix view drawing          {statistics.median(matrix):10.2f} ms median "
          f"({statistics.median(matrix) / statistics.median(small_matrix):.1f}× the 2-2-2's "
          f"{statistics.median(small_matrix):.2f} ms)")


if __name__ == "__main__":
    main()
