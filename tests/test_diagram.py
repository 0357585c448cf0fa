"""The network diagram widget: names, values, highlights, clicks and sizes.

Values shown are checked against the stepper (formatted the way the diagram
formats them) and, where seed 003 prints them, against the seed.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from textual.app import App

from tui_backprop.app.widgets.diagram import NetworkDiagram
from tui_backprop.app.widgets.diagram.graph import short_name
from tui_backprop.core.expr import format_number
from tui_backprop.core.network import Network, Parameters, Sample
from tui_backprop.core.presets import PRESETS, random_weights
from tui_backprop.core.stepper import Stepper

from budget import DEEP


class DiagramApp(App):
    def __init__(self, stepper: Stepper):
        super().__init__()
        self.stepper = stepper
        self.selected: list[str] = []

    def compose(self):
        yield NetworkDiagram(self.stepper)

    def on_network_diagram_selected(self, message: NetworkDiagram.Selected) -> None:
        self.selected.append(message.symbol)


def run(stepper: Stepper, size: tuple[int, int], check) -> None:
    """Mount the diagram alone on a screen of `size` and call `check(app, pilot, diagram)`."""

    async def main():
        app = DiagramApp(stepper)
        async with app.run_test(size=size) as pilot:
            await check(app, pilot, app.query_one(NetworkDiagram))

    asyncio.run(main())


def on_screen(diagram: NetworkDiagram) -> str:
    """The diagram's lines as they are on screen."""
    return "\n".join(diagram.render_line(y).text.rstrip() for y in range(diagram.scrollable_content_region.height))


def screen_text(stepper: Stepper, size: tuple[int, int]) -> str:
    texts = []

    async def check(app, pilot, diagram):
        texts.append(on_screen(diagram))

    run(stepper, size, check)
    return texts[0]


def draw_text(diagram: NetworkDiagram, width: int, height: int) -> str:
    """The same drawing without an app, for sweeps over many states."""
    return "\n".join(line.plain for line in diagram.draw(width, height))


def step_to(stepper: Stepper, symbol: str) -> None:
    for _ in range(10 * len(stepper.quantities)):
        if stepper.last is not None and stepper.last.symbol == symbol:
            return
        stepper.next()
    raise AssertionError(f"{symbol} never computed")


def shown(stepper: Stepper, symbol: str) -> str:
    return format_number(stepper.values[symbol], 4)


def network(sizes: tuple[int, ...], bias: str = "neuron", samples: int = 1) -> Network:
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    biases = {"none": 0, "shared": len(sizes) - 1, "neuron": sum(sizes[1:])}[bias]
    data = tuple(Sample(tuple(0.1 * (k + 1) for k in range(sizes[0])), (0.5,) * sizes[-1]) for _ in range(samples))
    return Network(sizes=sizes, activations=("sigmoid",) * (len(sizes) - 1), bias=bias,
                   start=Parameters(random_weights(weights, 1, 1.0), random_weights(biases, 2, 1.0)), samples=data)


def words(text: str) -> set[str]:
    return set(re.findall(r"[\w/\[\]]+", text))


def shows(text: str, name: str, value: float) -> bool:
    """`name` is drawn followed by `value` (after `old→` while being updated) to at most 4
    significant digits: the picture uses fewer where a number would not fit its room."""
    number = r"[−\d.e+-]+"
    numbers = re.findall(rf"(?<![\w/]){re.escape(name)} (?:{number}→)?({number})", text)
    return any(number in {format_number(value, digits) for digits in (4, 3, 2, 1)} for number in numbers)


def assert_shows(text: str, name: str, value: float) -> None:
    assert shows(text, name, value), (name, value, text)


# -- values --------------------------------------------------------------


def test_forward_values_and_names_are_the_steppers():
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "E_total")
    text = screen_text(stepper, (120, 40))
    for symbol in ("h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "i1", "i2", "t1", "t2"):
        assert f"{symbol} {shown(stepper, symbol)}" in text
    for symbol in stepper.net.names.weights + stepper.net.names.biases:
        assert f"{symbol} {shown(stepper, symbol)}" in text
    assert f"E_total = {shown(stepper, 'E_total')}" in text


def test_values_match_seed_003():
    # Seed 003 (/work/shared/seeds/003_bc448b21b0075803.txt) prints H1out = 0.59326,
    # y1out = 0.75136507, dE/dw5 = 0.082165 and the new w5 = 0.358916.  The diagram
    # shows 4 significant digits, so each must be within half a unit of its last
    # digit plus the seed's own rounding.
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "dE_total/dw5")
    text = screen_text(stepper, (120, 40))
    for pattern, printed, ulp, seed_rounding in ((r"a_h1 ([\d.]+)", 0.59326, 1e-4, 5e-6),
                                                (r"a_o1 ([\d.]+)", 0.75136507, 1e-4, 5e-9),
                                                (r"∂([\d.]+)", 0.082165, 1e-5, 5e-7)):
        value = float(re.search(pattern, text).group(1))
        assert abs(value - printed) <= ulp / 2 + seed_rounding, pattern
    step_to(stepper, "w5")
    new = float(re.search(r"w5 [\d.]+→([\d.]+)", screen_text(stepper, (120, 40))).group(1))
    assert abs(new - 0.358916) <= 1e-4 / 2 + 5e-7


def test_uncomputed_values_are_blank():
    stepper = Stepper(PRESETS["mazur"]())
    stepper.next()  # h1 only
    text = screen_text(stepper, (120, 40))
    assert f"h1 {shown(stepper, 'h1')}" in text
    assert "a_h1 ·" in text and "o1 ·" in text and "E1 ·" in text


def test_several_samples_show_the_current_ones_and_say_which():
    stepper = Stepper(PRESETS["xor"]())
    step_to(stepper, "a_h2[3]")
    text = screen_text(stepper, (120, 40))
    assert "sample 3 of 4" in text
    for symbol in ("h1[3]", "a_h1[3]", "h2[3]", "a_h2[3]", "i1[3]", "i2[3]", "t1[3]"):
        assert f"{symbol.removesuffix('[3]')} {shown(stepper, symbol)}" in text
    for bias in stepper.net.names.biases:
        assert f"{bias} {shown(stepper, bias)}" in text


# -- highlights ------------------------------------------------------------


def test_backward_dw1_lights_both_routes():
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "dE_total/dw1")
    lit = {}

    async def check(app, pilot, diagram):
        lit.update(diagram.highlights)

    run(stepper, (120, 40), check)
    assert lit["w1"] == "current"
    assert lit["i1"] == "read" and lit["h1"] == "read"
    for element in ("w5", "w7", "o1", "o2"):
        assert element in lit, element
    # w6 and w8 leave h2, which is not on any route from w1
    assert not {"w6", "w8", "h2", "w2", "w3", "w4"} & set(lit)


def test_forward_sum_lights_what_it_reads():
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "o2")
    diagram = NetworkDiagram(stepper)
    assert diagram.highlights == {"o2": "current", "w7": "read", "h1": "read", "w8": "read", "h2": "read",
                                  "b2": "read"}


def test_update_shows_old_and_new():
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "w5")
    op = stepper.last
    old, new = format_number(op.old, 4), format_number(op.value, 4)
    text = screen_text(stepper, (120, 40))
    assert f"w5 {old}→{new}" in text
    assert f"update {op.phase_position}/{op.phase_count} · w5 {old} → {new}" in text
    assert NetworkDiagram(stepper).highlights["w5"] == "current"


def test_gradient_appears_beside_its_weight_once_computed():
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "dE_total/dw6")
    text = screen_text(stepper, (120, 40))
    assert f"∂{shown(stepper, 'dE_total/dw5')}" in text
    assert f"∂{shown(stepper, 'dE_total/dw6')}" in text
    assert text.count("∂") == 2  # w7, w8, w1..w4 not computed yet


def test_current_operation_is_reversed_without_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "dE_total/dw1")
    segments = []

    async def check(app, pilot, diagram):
        assert app.no_color
        for y in range(diagram.size.height):
            segments.extend(segment for segment in diagram.render_line(y) if segment.text.strip())

    run(stepper, (120, 40), check)
    reversed_texts = {segment.text for segment in segments if segment.style and segment.style.reverse}
    assert f"∂{shown(stepper, 'dE_total/dw1')}" in reversed_texts
    underlined = {segment.text for segment in segments if segment.style and segment.style.underline}
    assert f"i1 {shown(stepper, 'i1')}" in underlined


# -- clicks ----------------------------------------------------------------


def find(text: str, label: str) -> tuple[int, int]:
    """Where `label` is drawn below the header line."""
    for y, line in enumerate(text.split("\n")[1:], 1):
        x = line.find(label)
        if x >= 0:
            return x, y
    raise AssertionError(f"{label!r} not drawn")


@pytest.mark.parametrize("size", [(120, 40), (60, 14)])
def test_clicks_post_the_symbol_under_the_mouse(size):
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "dE_total/dw5")
    selected = []

    async def check(app, pilot, diagram):
        text = on_screen(diagram)
        for label in ("w5 ", "a_h1 ", "i2 ", "b2 ", f"∂{shown(stepper, 'dE_total/dw5')}"):
            x, y = find(text, label)
            await pilot.click(NetworkDiagram, offset=(x + 1, y))
            await pilot.pause()
        await pilot.click(NetworkDiagram, offset=(size[0] - 1, size[1] - 1))  # empty corner
        await pilot.pause()
        if "▶" in text:  # the picture: the line of an edge, right of its label, is the weight too
            x, y = find(text, "w7 ")
            await pilot.click(NetworkDiagram, offset=(x + len(f"w7 {shown(stepper, 'w7')}") + 1, y))
            await pilot.pause()
        selected.extend(app.selected)

    run(stepper, size, check)
    assert selected[:5] == ["w5", "a_h1", "i2", "b2", "dE_total/dw5"]
    assert selected[5:] == (["w7"] if size == (120, 40) else [])


# -- sizes and forms --------------------------------------------------------


def test_two_two_two_is_a_labelled_picture_at_70_and_a_drawn_one_at_60():
    """At 70 columns every edge carries its weight's label; at 60 the edges are drawn without
    labels (issue 12.4: a picture, not a list), each edge still its weight's (a click shows it),
    and the current operation's weight is named with its value under the drawing."""
    from tui_backprop.app.widgets.diagram.graph import draw_graph
    from tui_backprop.app.widgets.diagram.scene import NetworkFacts, Scene

    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "dE_total/dw3")
    names = stepper.net.names.weights + stepper.net.names.biases
    diagram = NetworkDiagram(stepper)
    picture = draw_text(diagram, 70, 20)
    drawn = draw_text(diagram, 60, 14)
    assert "▶" in picture and "┬" in picture
    assert set(names) <= words(picture)
    assert "▶" not in drawn and "more" not in drawn
    assert any("\u2800" < char <= "\u28ff" for char in drawn)  # edges in braille dots
    assert {"i1", "i2", "h1", "h2", "o1", "o2", "b1", "b2"} <= words(drawn)
    assert f"w3 {shown(stepper, 'w3')} ∂{shown(stepper, 'dE_total/dw3')}" in drawn
    canvas = draw_graph(Scene(stepper, NetworkFacts(stepper.program)), 60, 13)
    clickable = {canvas.symbol_at(x, y) for x in range(canvas.width) for y in range(canvas.height)}
    assert set(stepper.net.names.weights) <= clickable


SHAPES = [(1, 1), (2, 1), (1, 2), (2, 2, 2), (3, 3, 3), (2, 3, 3, 2), (4, 4, 4), (1, 8, 1), (5, 5, 5, 5),
          (8, 8, 8), (8, 2, 8, 2, 8, 2), (8,) * 6]


@pytest.mark.parametrize("sizes", SHAPES, ids=lambda sizes: "-".join(map(str, sizes)))
def test_every_network_up_to_8_by_6_fits_both_sizes(sizes):
    stepper = Stepper(network(sizes, samples=2 if len(sizes) == 3 else 1))
    diagram = NetworkDiagram(stepper)
    count = len(stepper.quantities)
    # before the first step, the first steps, and points in the forward, backward and update phases
    checkpoints = {0, 1, 2, count // 3, count // 2, count - count // 4, count - 1, count}
    for position in range(count + 1):
        if position in checkpoints:
            for width, height in ((40, 10), (120, 40)):
                lines = draw_text(diagram, width, height).split("\n")
                assert len(lines) <= height
                assert all(len(line) <= width for line in lines)
                if stepper.last is not None:  # the header names the operation
                    assert (stepper.last.quantity.param or stepper.last.symbol) in lines[0]
        if position < count:
            stepper.next()


@pytest.mark.parametrize("sizes", [(1, 1), (2, 2, 2), (2, 3, 1), (3, 3, 3), (2, 3, 3, 2), (4, 4, 4)])
def test_small_networks_show_every_weight_at_once_at_120_by_40(sizes):
    stepper = Stepper(network(sizes))
    step_to(stepper, stepper.quantities[-1].symbol)
    text = draw_text(NetworkDiagram(stepper), 120, 40)
    names = stepper.net.names
    assert set(names.weights + names.biases) <= words(text)
    for param in names.weights + names.biases:  # after the update: the new values
        assert_shows(text, param, stepper.values[param])


@pytest.mark.parametrize("sizes, stride", [((8, 8, 8), 1), ((3, 8, 8, 2), 1), ((8,) * 6, 5)])
def test_every_weight_is_on_screen_when_its_step_comes(sizes, stride):
    """Bigger nets are shown through a window that follows the steps: each weight is on
    screen, with its value, while its gradient is computed and while it is updated.
    (Every parameter of the 8×6 net at every 5th; in the ci budget every 3rd of those, budget.py.)"""
    stride = stride if DEEP else stride * 3
    stepper = Stepper(network(sizes))
    diagram = NetworkDiagram(stepper)
    names = stepper.net.names
    params = set((names.weights + names.biases)[::stride])
    seen_gradient, seen_update = set(), set()
    for _ in range(len(stepper.quantities)):
        q = stepper.next().quantity
        if q.param not in params or q.kind not in ("gradient", "update"):
            continue
        header, body = draw_text(diagram, 120, 40).split("\n", 1)
        if q.kind == "gradient":
            assert f"{q.param} {shown(stepper, q.param)}" in body
            assert f"∂{shown(stepper, q.symbol)}" in body
            seen_gradient.add(q.param)
        else:
            assert f"{q.param} {format_number(stepper.last.old, 4)} → {shown(stepper, q.param)}" in header
            assert q.param in words(body)
            seen_update.add(q.param)
    assert seen_gradient == params and seen_update == params


def test_the_current_neuron_is_on_screen_at_40_by_10():
    stepper = Stepper(network((8,) * 6))
    diagram = NetworkDiagram(stepper)
    names = stepper.net.names
    for _ in range(len(stepper.quantities)):
        q = stepper.next().quantity
        if q.kind == "activation":
            text = draw_text(diagram, 40, 10)
            assert f"{q.symbol} {shown(stepper, q.symbol)}" in text
            assert names.total(q.layer, q.neuron, 0) in words(text)


@pytest.mark.parametrize("sizes", [(2, 20, 1), (50, 16, 10), (2, 2, 2, 2, 2, 2, 2)])
def test_bigger_networks_get_a_summary(sizes):
    stepper = Stepper(network(sizes))
    step_to(stepper, stepper.quantities[0].symbol)
    q = stepper.quantities[0]
    diagram = NetworkDiagram(stepper)
    for width, height in ((40, 10), (120, 40)):
        text = draw_text(diagram, width, height)
        lines = text.split("\n")
        assert len(lines) <= height and all(len(line) <= width for line in lines)
        assert "-".join(map(str, sizes)) in text
        assert "┬" not in text and "▶" not in text
    text = draw_text(diagram, 120, 40)
    assert f"{stepper.net.weight_count()} weights" in text
    assert f"{q.symbol} = {shown(stepper, q.symbol)}" in text
    assert f"{q.reads[0]} {shown(stepper, q.reads[0])}" in text


def test_a_new_stepper_replaces_the_network():
    mazur, xor = Stepper(PRESETS["mazur"]()), Stepper(PRESETS["xor"]())
    texts = []

    async def check(app, pilot, diagram):
        texts.append(on_screen(diagram))
        diagram.stepper = xor
        await pilot.pause()
        texts.append(on_screen(diagram))

    run(mazur, (120, 40), check)
    assert "w8" in words(texts[0]) and "b_h1" not in words(texts[0])
    assert "b_h1" in words(texts[1]) and "o2" not in words(texts[1])


def test_undo_moves_the_highlight_back():
    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "a_h1")
    stepper.next()
    stepper.previous()
    assert NetworkDiagram(stepper).highlights == {"h1": "current"}


# -- structure: every symbol's element from the names alone ------------------------


def elements_from_quantities(stepper: Stepper) -> dict[str, tuple[str, bool, bool]]:
    """Each symbol's element, whether it is a neuron's own backward quantity and whether it trains,
    read the long way: from every quantity of the epoch."""
    program, names = stepper.program, stepper.net.names
    net = stepper.net
    found = {p: (p, False, p in program.trained) for p in program.parameters}
    found["lr"] = ("lr", False, False)
    for s in range(len(net.samples)):
        for i, symbol in enumerate(names.input_symbols(s)):
            found[symbol] = (names.neuron(0, i), False, False)
        for k, symbol in enumerate(names.target_symbols(s)):
            found[symbol] = (names.neuron(net.depth, k), False, False)
    for q in program.quantities:
        if q.phase == "update":
            continue
        slope = q.kind in ("loss_slope", "activation_slope", "route")
        if q.param:
            found[q.symbol] = (q.param, slope, False)
        elif q.layer is not None:
            found[q.symbol] = (names.neuron(q.layer, q.neuron), slope, False)
        else:
            found[q.symbol] = (q.symbol, slope, False)
    return found


@pytest.mark.parametrize("sizes, bias, samples", [((2, 2, 2), "shared", 1), ((2, 3, 1), "neuron", 4),
                                                  ((3, 4, 4, 2), "neuron", 2), ((12, 11, 3), "shared", 3),
                                                  ((1, 1), "none", 1)])
def test_the_diagrams_elements_come_from_the_names_and_match_the_quantities(sizes, bias, samples):
    from tui_backprop.app.widgets.diagram.scene import NetworkFacts

    stepper = Stepper(network(sizes, bias, samples))
    facts = NetworkFacts(stepper.program)
    for symbol, (element, slope, trained) in elements_from_quantities(stepper).items():
        assert facts.element(symbol) == element, symbol
        assert facts.undrawn(symbol) == slope, symbol
        if element == symbol:
            assert facts.trained(symbol) == trained, symbol
    for param in stepper.program.trained:
        position = facts.structure.update_position(param)
        assert stepper.quantities[position].param == param


# -- pictures in the app (issue 12.4) ------------------------------------------------


def app_diagram_texts(net: Network, size: tuple[int, int], keys: list[str]):
    """Press `keys` in the real app, returning after each the stepper's last operation, its values
    and the diagram as it is on screen."""
    from app_driver import drive, press

    seen = []

    async def body(app, pilot):
        diagram = app.query_one(NetworkDiagram)
        for key in keys:
            await press(pilot, key)
            seen.append((app.stepper.last, dict(app.stepper.values), on_screen(diagram)))

    drive(body, network=net, size=size)
    return seen


def neighbourhood_in_view(op, values: dict[str, float], text: str) -> None:
    """The operation's own number is on screen, and every element it reads is named there
    (lr is the operation panel's)."""
    q = op.quantity
    if q.phase == "update":
        assert f"{q.param} {format_number(op.old, 4)}→{format_number(op.value, 4)}" in text
    elif q.param:
        assert f"{q.param} {format_number(values[q.param], 4)}" in text
        assert f"∂{format_number(op.value, 4)}" in text
    elif f"{q.symbol} = {format_number(op.value, 4)}" not in text:  # not in the header: in the drawing
        bare = q.symbol.split("[")[0]
        names = {bare, short_name(bare)}  # the legend writes ∂E/∂a_o1 for dE_total/da_o1
        assert any(shows(text, name, op.value) for name in names), (q.symbol, text)
    for read in q.reads:
        if read == "lr":
            continue
        element = read.split("[")[0]
        for prefix in ("dE_total/da_", "dE_total/d", "da_", "a_"):
            element = element.removeprefix(prefix)
        element = element.split("/")[0]
        if element[0] in "tE" and element[1:].isdigit():
            element = "o" + element[1:]
        assert element in words(text), (q.symbol, read)


XOR = PRESETS["xor"]()
NET_342 = network((3, 4, 2))


@pytest.mark.parametrize("size", [(120, 40), (200, 60), (80, 24)], ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("net", [XOR, NET_342], ids=["xor", "3-4-2"])
def test_xor_and_a_3_4_2_are_pictures_with_the_operation_in_view(net, size):
    # the first operations of each phase, one at a time
    seen = app_diagram_texts(net, size, ["n"] * 14 + ["f"] + ["n"] * 14 + ["f"] + ["n"] * 4)
    neurons = {net.names.neuron(layer, j) for layer in range(net.depth + 1) for j in range(net.sizes[layer])}
    for op, values, text in seen:
        assert any("\u2800" < char <= "\u28ff" for char in text) or "▶" in text, text  # edges drawn
        assert neurons <= words(text), (op.symbol, neurons - words(text))
        neighbourhood_in_view(op, values, text)


# -- scrolling what does not fit --------------------------------------------------


def test_shift_arrows_scroll_a_cut_list_and_the_next_step_brings_the_operation_back():
    """An 8-8-8-8-8 net at 80×24 is a list cut to the panel: shift+down shows the lines below,
    shift+right the next layer's column; n follows the operations again."""
    from app_driver import drive, press

    net = network((8, 8, 8, 8, 8))
    texts = {}

    async def body(app, pilot):
        diagram = app.query_one(NetworkDiagram)
        await press(pilot, "n")
        texts["start"] = on_screen(diagram)
        await press(pilot, "shift+down", "shift+down", "shift+down")
        texts["down"] = on_screen(diagram)
        await press(pilot, "shift+right")
        texts["right"] = on_screen(diagram)
        await press(pilot, "n")
        texts["next"] = on_screen(diagram)

    drive(body, network=net, size=(80, 24))
    assert "more ▲▼" in texts["start"]
    below = words(texts["down"]) - words(texts["start"])
    assert {"w5", "w6"} <= below, below  # h1_1's weights further down its column
    assert "h2_1" in words(texts["right"]) and "i1" not in words(texts["right"])  # a layer further right
    assert "h2_1" not in words(texts["start"]) and "i1" in words(texts["start"])
    assert "i1" in words(texts["next"]) and "h2_1" not in words(texts["next"])  # back where the operation is
    assert "a_h1_1 ·" not in texts["next"]


def test_the_graph_draws_the_current_operations_edges_thick_so_they_show_without_colour():
    from tui_backprop.app.widgets.diagram.graph import draw_graph
    from tui_backprop.app.widgets.diagram.scene import NetworkFacts, Scene

    stepper = Stepper(PRESETS["mazur"]())
    step_to(stepper, "o1")  # reads w5 (from h1) and w6 (from h2); w7 and w8 go into o2
    canvas = draw_graph(Scene(stepper, NetworkFacts(stepper.program)), 60, 13)

    def dots(weight: str) -> int:
        return sum(bin(bits).count("1") for bits, elements in canvas.dots.values() if elements == {weight})

    assert min(dots("w5"), dots("w6")) > 1.5 * max(dots("w7"), dots("w8"))
