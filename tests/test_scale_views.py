"""The diagram and the matrix view of a 100-100-100 network (the file format's cap): correct, and
set up and redrawn without walking the epoch's quantities (timings: bench/bench_scale_diagram.py)."""

from __future__ import annotations

import pytest

from tui_backprop.app.widgets.diagram import NetworkDiagram
from tui_backprop.app.widgets.matrix import MAX_COLUMNS, MAX_ROWS, Block, MatrixForm
from tui_backprop.core import Network, Sample, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.core.presets import random_weights

SIZES = (100, 100, 100)


class Counted(list):
    """The epoch's quantities, counting what is read of them."""

    def __init__(self, items):
        super().__init__(items)
        self.walks = self.reads = 0

    def __iter__(self):
        self.walks += 1
        return super().__iter__()

    def __getitem__(self, index):
        self.reads += 1
        return super().__getitem__(index)


@pytest.fixture(scope="module")
def stepper() -> Stepper:
    weights = SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2]
    net = Network(sizes=SIZES, activations=("tanh", "sigmoid"), bias="neuron",
                  weights=random_weights(weights, 11, 0.1), biases=random_weights(sum(SIZES[1:]), 12, 0.1),
                  samples=(Sample(tuple(0.01 * k for k in range(SIZES[0])), (0.5,) * SIZES[-1]),), name="big")
    return Stepper(net)


def lines_of(diagram: NetworkDiagram, width: int = 68, height: int = 12) -> str:
    return "\n".join(line.plain for line in diagram.draw(width, height))


def test_a_100_100_100_diagram_is_set_up_and_stepped_without_walking_the_epoch(stepper):
    program = stepper.program
    counted = program.quantities = Counted(program.quantities)
    walks = reads = 0

    def drawn(action):
        """What `action` reads of the quantities: the diagram's work, not the core's stepping."""
        nonlocal walks, reads
        counted.walks = counted.reads = 0
        result = action()
        walks, reads = walks + counted.walks, reads + counted.reads
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
            assert f"{first} {format_number(stepper.values[first], 4)}" in text
    finally:
        program.quantities = list(counted)
    assert walks == 0
    assert reads <= 10  # the current operation's quantity, not the epoch's 40,000


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
