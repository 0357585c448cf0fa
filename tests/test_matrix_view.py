"""The matrix view against the scalar core: every numpy entry equals the core's value for its symbol.

The view multiplies the core's own values with numpy (W·a + b, Wᵀ·δ, δ·aᵀ, W − η·∂E/∂W …);
these tests step whole epochs of the presets and of random networks and check, after
every operation, that each entry numpy computed equals what the core computed for the
same symbol, and that the highlighted entry is the operation's own symbol.
"""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.geometry import Region

from tui_backprop.app.widgets.matrix import CURRENT, DIGITS, MatrixForm, MatrixView
from tui_backprop.core import PRESETS, UPDATE, Network, Sample, Stepper
from tui_backprop.core.expr import Add, Mul, Num, Sub, Sym, format_number

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


def agree(numpy_value: float, core_value: float, terms: float) -> bool:
    if math.isnan(core_value):
        return math.isnan(numpy_value)
    # 1e-300: below the normal range (2.2e-308) a float no longer carries 53 bits.
    return abs(numpy_value - core_value) <= 1e-12 * max(abs(core_value), terms) + 1e-300


def check(stepper: Stepper, entries) -> None:
    """The view's entries agree with the core, entry by entry, and the current one is the operation's."""
    op = stepper.last
    quantity = op.quantity if op else stepper.upcoming
    current = [e for e in entries if e.current]
    assert [e.symbol for e in current] == [quantity.symbol], current
    performed = {o.symbol: o for o in stepper.done if o.phase != UPDATE}
    updates = {o.quantity.param: o for o in stepper.done if o.phase == UPDATE}
    if op is not None:
        assert current[0].core == op.value
    else:
        assert current[0].core is None
    named = [e for e in entries if e.symbol is not None]
    assert len({e.symbol for e in named}) == len(named), "a symbol shown twice as a result"
    for e in named:
        done = updates.get(e.symbol) if quantity.phase == UPDATE else performed.get(e.symbol)
        if done is None:
            assert e.core is None, e  # not computed yet this epoch: shown as a blank
            continue
        assert e.core == done.value, e
        terms = size_of_terms(done.quantity.expr, done.inputs)
        assert agree(e.value, e.core, terms), (e, terms)


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
                   weights=tuple(draw(value) for _ in range(weights)), biases=tuple(draw(value) for _ in range(biases)),
                   samples=samples, lr=draw(st.floats(0.01, 2.0)))


def step_and_check(net: Network, epochs: int) -> int:
    """Mount the view, then step `epochs` epochs and one operation more, checking before and after each."""
    stepper = Stepper(net)
    checked = 0

    async def run():
        nonlocal checked
        async with MatrixApp(stepper).run_test(size=(100, 30)) as pilot:
            view = pilot.app.query_one(MatrixView)
            check(stepper, view.entries())
            for _ in range(epochs * len(stepper.quantities) + 1):
                stepper.next()
                view.version += 1
                check(stepper, view.entries())
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


@settings(max_examples=25, deadline=None)
@given(networks())
def test_random_networks_agree_with_the_core(net):
    step_and_check(net, 1)


def test_an_edit_after_a_value_was_used_keeps_the_numbers_the_core_used():
    net = PRESETS["mazur"]()
    stepper = Stepper(net)
    stepper.next()  # h1 = w1·i1 + w2·i2 + b1, with the starting w1
    stepper.set_value("w1", net.weights[0] + 0.5)
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
                view.version += 1
                await pilot.pause()
                _, spot = view.form.render()
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
