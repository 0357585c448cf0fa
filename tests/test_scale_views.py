"""The diagram and the matrix view of a 100-100-100 network with 16 samples (the file format's cap): correct, and
set up and redrawn without walking the epoch's quantities (timings: bench/bench_scale_diagram.py)."""

from __future__ import annotations

import pytest

from tui_backprop.app.widgets.diagram import NetworkDiagram
from tui_backprop.app.widgets.matrix import MAX_COLUMNS, MAX_ROWS, Block, MatrixForm
from tui_backprop.core import Network, Parameters, Sample, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.core.presets import random_weights

SIZES, SAMPLES = (100, 100, 100), 16


class SegmentsRead:
    """Which segments of the epoch's quantities a program is asked for (it builds each on demand)."""

    def __init__(self, program):
        self.asked: set[int] = set()
        self.original = program.segment_quantities
        program.segment_quantities = self

    def __call__(self, n: int):
        self.asked.add(n)
        return self.original(n)


@pytest.fixture(scope="module")
def stepper() -> Stepper:
    weights = SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2]
    net = Network(sizes=SIZES, activations=("tanh", "sigmoid"), bias="neuron",
                  start=Parameters(random_weights(weights, 11, 0.1), random_weights(sum(SIZES[1:]), 12, 0.1)),
                  samples=tuple(Sample(tuple(0.01 * (k + s) for k in range(SIZES[0])), (0.5,) * SIZES[-1])
                                for s in range(SAMPLES)), name="big")
    return Stepper(net)


def lines_of(diagram: NetworkDiagram, width: int = 68, height: int = 12) -> str:
    return "\n".join(line.plain for line in diagram.draw(width, height))


def test_a_100_100_100_diagram_is_set_up_and_stepped_without_walking_the_epoch(stepper):
    program = stepper.program
    segments = SegmentsRead(program)
    read: set[int] = set()

    def drawn(action):
        """What `action` reads of the quantities: the views' work, not the core's stepping."""
        segments.asked = set()
        result = action()
        read.update(segments.asked)
        return result

    try:
        diagram = drawn(lambda: NetworkDiagram(stepper))
        text = drawn(lambda: lines_of(diagram))
        assert "100-100-100: 20000 weights, 200 biases, too many to draw" in text
        for _ in range(3):
            op = stepper.next()
            text = drawn(lambda: lines_of(diagram))
            assert f"{op.symbol} = {format_number(op.value, 4)}" in text
            first = op.quantity.reads[0]
            # shown without its sample's suffix: the header names the sample
            assert f"{first.split('[')[0]} {format_number(stepper.values[first], 4)}" in text
            drawn(lambda: MatrixForm(stepper).render(68))
    finally:
        del program.segment_quantities  # the method again
    # the segments of the current operations: not the epoch's 40,000 quantities, nor its segments
    assert len(read) <= 6, read
    assert len(program.segments) > 100 * len(read)


def test_a_100_100_100_gradient_shows_in_the_diagram_and_the_matrix_view(stepper):
    stepper.finish_phase()  # the forward pass
    op = stepper.next()  # the first backward operation
    while op.quantity.kind != "gradient":
        op = stepper.next()
    text = lines_of(NetworkDiagram(stepper))
    assert f"{op.symbol} = {format_number(op.value, 4)}" in text
    form = MatrixForm(stepper)
    blocks = [item for row in form.rows for item in row if isinstance(item, Block)]
    assert all(len(block.cells) <= MAX_ROWS and len(block.cells[0]) <= MAX_COLUMNS for block in blocks)
    (current,) = [entry for entry in form.entries() if entry.current]
    assert current.symbol == op.symbol and current.value == op.value
    for entry in form.entries():
        assert entry.value == stepper.values.get(entry.symbol)
    rendered, spot = form.render(68)
    line = rendered.plain.split("\n")[spot.y]
    assert line[spot.x : spot.x + spot.width].strip() == format_number(op.value, 4)
