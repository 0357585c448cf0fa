"""The matrix view against the core, and the core against numpy.

The view lays out the core's own values (W·a + b, Wᵀ·δ, δ·aᵀ, W − η·∂E/∂W …) and computes
nothing.  These tests step whole epochs of the presets and of random networks and check,
after every operation, that each entry on show is the core's value for its symbol (shown
as "·" until computed), that the highlighted entry is the operation's own, and that the
core's values equal an independent numpy implementation of the same epoch
(tests/numpy_reference.py).
"""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.geometry import Region

from tui_backprop.app.widgets.matrix import (
    CURRENT,
    DIGITS,
    MAX_COLUMNS,
    MAX_ROWS,
    Block,
    MatrixForm,
    MatrixView,
    window,
)
from tui_backprop.core import PRESETS, UPDATE, Network, Parameters, Sample, Stepper
from tui_backprop.core.expr import Add, Mul, Num, Sub, Sym, format_number
from tui_backprop.core.presets import random_weights

import numpy_reference as ref
from budget import examples

HIDDEN = ("sigmoid", "tanh", "relu", "identity")


class MatrixApp(App):
    def __init__(self, stepper: Stepper):
        super().__init__()
        self.stepper = stepper

    def compose(self):
        yield MatrixView(self.stepper)


def size_of_terms(expr, values: dict[str, float]) -> float:
    """A sum of products with every sign made positive: the size its rounding errors scale with.

    numpy may add the terms of W·a + b in another order than the core (or fuse a multiply
    and an add), so where the terms cancel the two agree to this size, not to the result's.
    Anything else (σ, ln, softmax, squares) is compared relative to its own value: 0 here.
    """
    if isinstance(expr, Sym):
        return abs(values[expr.name])
    if isinstance(expr, Num):
        return abs(expr.value)
    if isinstance(expr, (Add, Sub)):
        return sum(size_of_terms(term, values) for term in expr.children())
    if isinstance(expr, Mul):
        return math.prod(size_of_terms(factor, values) for factor in expr.factors)
    return 0.0


def propagated_size(symbol: str, performed: dict, sizes: dict[str, float]) -> float:
    """size_of_terms of the quantity with every value it read at least that value's own size: an
    independent implementation agrees to the size of every sum on the way, not only the last one
    (a gradient whose terms cancel to 1e-17 carries that into its update)."""
    if symbol not in sizes:
        op = performed.get(symbol)
        if op is None:
            return 0.0
        reads = {read: max(abs(value), propagated_size(read, performed, sizes)) for read, value in op.inputs.items()}
        sizes[symbol] = size_of_terms(op.quantity.expr, reads)
    return sizes[symbol]


def agree(numpy_value: float, core_value: float, terms: float) -> bool:
    if math.isnan(core_value):
        return math.isnan(numpy_value)
    # 1e-300: below the normal range (2.2e-308) a float no longer carries 53 bits.
    return abs(numpy_value - core_value) <= 1e-12 * max(abs(core_value), terms) + 1e-300


def reference(stepper: Stepper) -> dict[str, float]:
    """numpy's values of the stepper's next epoch, from its parameters, inputs and lr as they are now;
    the updated parameters under their own names."""
    net = stepper.net
    env = {symbol: stepper.values[symbol] for symbol in stepper.program.free}
    result = ref.epoch(net, env)
    return {**ref.values(net, result), **ref.updated(net, result)}


def check(stepper: Stepper, entries, expected: dict[str, float] | None = None) -> None:
    """Every entry on show is the core's value for its symbol, and the current one is the operation's;
    with `expected` (numpy's epoch), the core's values are numpy's too."""
    op = stepper.last
    quantity = op.quantity if op else stepper.upcoming
    current = [e for e in entries if e.current]
    assert [e.symbol for e in current] == [quantity.symbol], current
    performed = {o.symbol: o for o in stepper.done if o.phase != UPDATE}
    updates = {o.quantity.param: o for o in stepper.done if o.phase == UPDATE}
    if op is not None:
        assert current[0].value == op.value
    else:
        assert current[0].value is None
    assert len({e.symbol for e in entries}) == len(entries), "a symbol shown twice as a result"
    sizes: dict[str, float] = {}
    for e in entries:
        done = updates.get(e.symbol) if quantity.phase == UPDATE else performed.get(e.symbol)
        if done is None:
            assert e.value is None, e  # not computed yet this epoch: shown as a blank
            continue
        assert e.value == done.value, e  # the view shows the core's number, bit for bit
        if expected is not None:
            reads = {read: max(abs(value), propagated_size(read, performed, sizes))
                     for read, value in done.inputs.items()}
            terms = size_of_terms(done.quantity.expr, reads)
            assert agree(expected[e.symbol], e.value, terms), (e, expected[e.symbol], terms)


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 3))
    sizes = tuple(draw(st.integers(1, 4)) for _ in range(depth + 1))
    loss = draw(st.sampled_from(("half_sse", "mse", "bce", "cce")))
    hidden = tuple(draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1))
    out = {"cce": "softmax", "bce": "sigmoid"}.get(loss) or draw(st.sampled_from(HIDDEN))
    bias = draw(st.sampled_from(("none", "shared", "neuron")))
    value = st.floats(-2.0, 2.0)
    target = st.floats(0.0, 1.0) if loss in ("bce", "cce") else value
    samples = tuple(
        Sample(tuple(draw(value) for _ in range(sizes[0])), tuple(draw(target) for _ in range(sizes[-1])))
        for _ in range(draw(st.integers(1, 2)))
    )
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    biases = {"none": 0, "shared": depth, "neuron": sum(sizes[1:])}[bias]
    return Network(sizes=sizes, activations=(*hidden, out), loss=loss, bias=bias, train_bias=draw(st.booleans()),
                   start=Parameters(tuple(draw(value) for _ in range(weights)), tuple(draw(value) for _ in range(biases)),
                                    lr=draw(st.floats(0.01, 2.0))), samples=samples)


def step_and_check(net: Network, epochs: int) -> int:
    """Mount the view, then step `epochs` epochs and one operation more, checking before and after each."""
    stepper = Stepper(net)
    checked = 0

    async def run():
        nonlocal checked
        async with MatrixApp(stepper).run_test(size=(100, 30)) as pilot:
            view = pilot.app.query_one(MatrixView)
            expected = reference(stepper)
            check(stepper, view.entries(), expected)
            for _ in range(epochs * len(stepper.quantities) + 1):
                if stepper.epoch_done:
                    expected = reference(stepper)
                stepper.next()
                view.mutate_reactive(MatrixView.stepper)
                check(stepper, view.entries(), expected)
                checked += 1

    asyncio.run(run())
    return checked


@pytest.mark.parametrize("net", [
    PRESETS["mazur"](),
    PRESETS["mazur"]().with_changes(train_bias=True),  # a shared bias that trains: ∂E/∂b = Σδ
    PRESETS["xor"](),  # four samples, per-neuron biases, tanh
], ids=["mazur", "mazur-trained-biases", "xor"])
def test_presets_agree_with_the_core_for_two_epochs(net):
    assert step_and_check(net, 2) == 2 * len(Stepper(net).quantities) + 1


@pytest.mark.long
@settings(max_examples=examples(25), deadline=None)
@given(networks())
def test_random_networks_agree_with_the_core(net):
    step_and_check(net, 1)


def test_an_edit_after_a_value_was_used_keeps_the_numbers_the_core_used():
    net = PRESETS["mazur"]()
    stepper = Stepper(net)
    stepper.next()  # h1 = w1·i1 + w2·i2 + b1, with the starting w1
    stepper.set_value("w1", net.start.weights[0] + 0.5)
    for _ in range(len(stepper.quantities) - 1):
        stepper.next()
        check(stepper, MatrixForm(stepper).entries())
    assert stepper.epoch_done


def test_previous_keeps_the_view_in_step_with_the_core():
    stepper = Stepper(PRESETS["xor"]())
    operations = len(stepper.quantities) + 5  # into the second epoch, then all the way back
    for _ in range(operations):
        stepper.next()
    for _ in range(operations):
        assert stepper.previous()
        check(stepper, MatrixForm(stepper).entries())
    assert stepper.last is None


@pytest.mark.parametrize("preset, size", [("mazur", (60, 13)), ("mazur", (40, 10)), ("xor", (40, 10))])
def test_the_current_entry_stays_in_sight_when_the_view_scrolls(preset, size):
    stepper = Stepper(PRESETS[preset]())

    async def run():
        async with MatrixApp(stepper).run_test(size=size) as pilot:
            view = pilot.app.query_one(MatrixView)
            scrolled = False
            for _ in range(len(stepper.quantities)):
                stepper.next()
                view.mutate_reactive(MatrixView.stepper)
                await pilot.pause()
                _, spot = view.form.render(view.scrollable_content_region.width)
                window = Region(*view.scroll_offset, *view.scrollable_content_region.size)
                assert window.contains_region(spot), (stepper.last.symbol, window, spot)
                scrolled = scrolled or view.scroll_offset != (0, 0)
            return scrolled

    scrolled = asyncio.run(run())
    if size == (40, 10):
        assert scrolled  # the backward pass is taller than 10 rows: following it must scroll


@pytest.mark.parametrize("symbol, label", [
    ("h2", "row 2 of s⁽¹⁾"),
    ("dE_total/da_h1", "row 1 of ∂E/∂a⁽¹⁾"),  # the entry of W⁽²⁾ᵀ·δ⁽²⁾
    ("dE_total/dw6", "(1,2) of ∂E/∂W⁽²⁾"),
    ("w6", "(1,2) of new W⁽²⁾"),
])
def test_the_current_entry_is_drawn_reversed_where_its_label_says(symbol, label):
    stepper = Stepper(PRESETS["mazur"]())
    while stepper.next().symbol != symbol:
        pass
    form = MatrixForm(stepper)
    assert form.current.label == label
    text, spot = form.render()
    lines = text.plain.split("\n")
    start = sum(len(line) + 1 for line in lines[: spot.y]) + spot.x
    assert text.plain[start : start + spot.width].strip() == format_number(stepper.last.value, DIGITS)
    assert any(span.start <= start and start + spot.width <= span.end and span.style == CURRENT for span in text.spans)


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, 300), st.integers(0, 299), st.integers(3, 9))
def test_a_window_holds_its_focus_and_stays_within_its_limit(size, focus, limit):
    focus = focus % size
    shown = window(size, focus, limit)
    assert focus in shown and len(shown) <= max(limit, 1) if size > limit else shown == list(range(size))
    numbers = [n for n in shown if n is not None]
    assert numbers == list(range(numbers[0], numbers[-1] + 1))  # one run, in order
    assert (shown[0] is None) == (numbers[0] > 0) and (shown[-1] is None) == (numbers[-1] < size - 1)


def big_network(sizes=(20, 20, 20), samples=2) -> Network:
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    data = tuple(Sample(tuple(0.05 * (k + s + 1) for k in range(sizes[0])), (0.5,) * sizes[-1])
                 for s in range(samples))
    return Network(sizes=sizes, activations=("tanh", "sigmoid"), bias="neuron",
                   start=Parameters(random_weights(weights, 3, 0.5), random_weights(sum(sizes[1:]), 4, 0.5)), samples=data)


@pytest.mark.parametrize("symbol", ["h13[2]", "a_o17[1]", "E9[2]", "E_total", "dE_total/da_h11[2]",
                                    "dE_total/dw233[1]", "dE_total/dw555[2]", "dE_total/dw555", "w555", "b_o20"])
def test_a_big_network_shows_the_window_around_the_current_entry(symbol):
    """20 neurons a layer: each block shows at most MAX_ROWS × MAX_COLUMNS entries around the
    current one (the rest as ⋮ and …), every one of them the core's value."""
    stepper = Stepper(big_network())
    stepper.go_to(1, symbol) if symbol[0] != "w" and symbol[0] != "b" else stepper.go_to(2, symbol)
    assert stepper.last.symbol == symbol or stepper.last.quantity.param == symbol
    form = MatrixForm(stepper)
    check(stepper, form.entries())
    blocks = [item for row in form.rows for item in row if isinstance(item, Block)]
    assert all(len(block.cells) <= MAX_ROWS and len(block.cells[0]) <= MAX_COLUMNS for block in blocks)
    text, spot = form.render(68)
    plain = text.plain
    assert "⋮" in plain or "…" in plain
    assert all(len(line) <= 68 for line in plain.split("\n"))
    line = plain.split("\n")[spot.y]
    assert line[spot.x : spot.x + spot.width].strip() == format_number(stepper.last.value, DIGITS)


def test_a_3_4_2_update_fits_120_by_40_whole():
    """Issue 12.12: at 120×40 the update of W⁽²⁾ lost its "− η·∂E/∂W⁽²⁾" and the legend its h3 h4."""
    net = big_network((3, 4, 2), samples=1)
    stepper = Stepper(net)

    async def run():
        async with MatrixApp(stepper).run_test(size=(120, 40)) as pilot:
            view = pilot.app.query_one(MatrixView)
            stepper.go_to(2, net.names.weight_at[2][1][3])
            view.mutate_reactive(MatrixView.stepper)
            await pilot.pause()
            width = view.scrollable_content_region.width
            return [view.render_line(y).text.rstrip() for y in range(view.scrollable_content_region.height)], width

    lines, width = asyncio.run(run())
    text = "\n".join(lines)
    assert all(len(line) <= width for line in lines)
    for title in ("new W⁽²⁾", "W⁽²⁾", "η", "∂E/∂W⁽²⁾"):
        assert title in text, title
    assert "columns h1…h4" in text and "rows o1 o2" in text
    updated = stepper.last
    assert f"{format_number(updated.value, DIGITS)}" in text and f"{format_number(updated.old, DIGITS)}" in text


def test_shift_arrows_scroll_the_matrix_view_in_the_app():
    from app_driver import drive, press

    offsets = []

    async def body(app, pilot):
        await press(pilot, "m", "f", "n", "n")  # the backward pass: taller than the panel at 80×24
        view = app.query_one(MatrixView)
        offsets.append(view.scroll_offset.y)
        await press(pilot, "shift+down", "shift+down")
        offsets.append(view.scroll_offset.y)
        await press(pilot, "shift+up")
        offsets.append(view.scroll_offset.y)

    drive(body, network=big_network(), size=(80, 24))
    assert offsets[1] > offsets[0] and offsets[2] < offsets[1]
