"""Every neuron's picture (issue 20 §5): beside the decision boundary, each hidden neuron's output over the
same plane, checked against an independent numpy forward pass; the selected neuron enlarged, paging at
80×24, `r` redrawing them; and the diagram of networks up to 10 neurons a layer as a picture whose edges
show their weights' sign and size without colour."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tui_backprop.app.widgets.neurons import NEGATIVE_COLOURS, NEGATIVE_SHADES, POSITIVE_COLOURS, POSITIVE_SHADES
from tui_backprop.core import load_network
from tui_backprop.core.loader import network_path

from app_driver import drive, press, screen_text, type_in
from numpy_reference import activate, start

SPIRAL = "playground-spiral"  # 2-8-8-1, tanh hidden layers: 16 hidden neurons over a plane
HIDDEN_SCALE = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}  # each activation's range (neurons.py's legend says so)


def example(name: str):
    return load_network(network_path(name))


def numpy_hidden_outputs(net, env, points) -> dict[str, np.ndarray]:
    """Each hidden neuron's output at each point: numpy's own forward pass, s = W·a + b, a = g(s)."""
    weights, biases, _, _, _ = start(net, env)
    a = np.array(points, dtype=float).T
    outputs = {}
    for layer in range(1, net.depth):
        a = activate(net.activations[layer - 1], weights[layer - 1] @ a + biases[layer - 1][:, None])
        for j in range(net.sizes[layer]):
            outputs[net.names.neuron(layer, j)] = a[j]
    return outputs


def expected_glyph(value: float, low: float, high: float) -> str:
    """The glyph the legend promises: block shades for a positive output, marks for a negative one, by its
    share of the layer's range, in as many steps as there are glyphs."""
    shades, bound = (POSITIVE_SHADES, high) if value >= 0 else (NEGATIVE_SHADES, low)
    return shades[int(np.clip(np.round(value / bound * (len(shades) - 1)), 0, len(shades) - 1))]


def points_of(plane) -> list[tuple[float, float]]:
    return [plane.centre(c, r) for r in range(plane.rows) for c in range(plane.columns)]


def layer_scale(view, net, env, layer: int) -> tuple[float, float]:
    """The range a hidden layer is shaded on: its activation's, or (ReLU) from 0 to the furthest output of any
    of its neurons on the planes drawn (the small pictures' and the enlarged one's)."""
    activation = net.activations[layer - 1]
    if activation in HIDDEN_SCALE:
        return HIDDEN_SCALE[activation]
    planes = {plane for plane, _ in view.neuron_pictures.values()}
    values = np.concatenate([numpy_hidden_outputs(net, env, points_of(plane))[net.names.neuron(layer, j)]
                             for plane in planes for j in range(net.sizes[layer])])
    return min(values.min(), 0.0), max(values.max(), 0.0)


def assert_pictures_match_numpy(view, net, env) -> None:
    """Every picture the boundary drew is, cell by cell, what numpy's forward pass says at the cell's centre."""
    assert view.neuron_pictures
    for name, (plane, lines) in view.neuron_pictures.items():
        points = points_of(plane)
        low, high = layer_scale(view, net, env, net.names.neuron_at(name)[0])
        values = numpy_hidden_outputs(net, env, points)[name]
        expected = [expected_glyph(v, low, high) for v in values]
        assert [char for line in lines for char in line.ljust(plane.columns)] == expected, name


def braille_dots(text: str) -> int:
    return sum(bin(ord(char) - 0x2800).count("1") for char in text if "\u2800" <= char <= "\u28ff")


def region_text(app, widget) -> str:
    region = widget.content_region
    return "\n".join(line[region.x:region.right] for line in screen_text(app).split("\n")[region.y:region.bottom])


# -- the neurons' pictures beside the boundary ----------------------------------------------------------


def test_each_hidden_neurons_picture_is_numpys_forward_pass_without_colour_and_r_redraws_them(monkeypatch):
    """At 120×40 with NO_COLOR: all 16 pictures on screen, shades for positive outputs and marks for negative
    ones, each cell numpy's value; `r` redraws them as it runs, and the last drawing is the trained net's."""
    monkeypatch.setenv("NO_COLOR", "1")
    net = example(SPIRAL)
    hidden = [net.names.neuron(layer, j) for layer in range(1, net.depth) for j in range(net.sizes[layer])]
    seen = {}

    async def body(app, pilot):
        await press(pilot, "b")
        view = app.panels["boundary"]
        shown = region_text(app, view)
        assert app.no_color
        assert set(hidden) <= set(re.findall(r"h\d_\d", shown))  # every one, no paging at 120×40
        assert view.pages == 1
        assert_pictures_match_numpy(view, net, app.stepper.values)
        for name, (_, lines) in view.neuron_pictures.items():
            assert all(line.rstrip() in shown for line in lines), name  # drawn as computed
        glyphs = {char for _, lines in view.neuron_pictures.values() for line in lines for char in line}
        assert glyphs & set(POSITIVE_SHADES[1:]) and glyphs & set(NEGATIVE_SHADES[1:])  # sign, without colour
        segments = [segment for y in range(view.scrollable_content_region.height) for segment in view.render_line(y)]
        backgrounds = {segment.style.bgcolor.name for segment in segments if segment.style and segment.style.bgcolor}
        assert not backgrounds & set(POSITIVE_COLOURS + NEGATIVE_COLOURS)  # the shades alone
        seen["before"] = dict(view.neuron_pictures)
        redraws = []
        original = view.show_run
        view.show_run = lambda values: (redraws.append(dict(view.neuron_pictures)), original(values))
        await press(pilot, "r")
        await type_in(pilot, "200")
        for _ in range(400):
            if not app.running:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        assert len(redraws) >= 10  # redrawn while the run went on
        assert view.neuron_pictures != seen["before"]
        assert app.stepper.epoch > 1
        assert_pictures_match_numpy(view, net, app.stepper.values)

    drive(body, network=net)


def test_a_neuron_clicked_in_the_diagram_or_on_its_picture_or_picked_with_angle_brackets_is_enlarged():
    net = example(SPIRAL)
    third = net.names.neuron(1, 2)

    async def body(app, pilot):
        diagram = app.panels["diagram"]
        lines = region_text(app, diagram).split("\n")
        y = next(row for row, line in enumerate(lines) if re.search(rf"\b{third}\b", line))
        x = re.search(rf"\b{third}\b", lines[y]).start()
        await pilot.click("#diagram", offset=(x + 1 + diagram.styles.padding.left, y + 1))
        await pilot.pause()
        assert app.selected_neuron == third
        await press(pilot, "b")
        view = app.panels["boundary"]
        plane, _ = view.neuron_pictures[third]
        smallest = min(p.rows for p, _ in view.neuron_pictures.values())
        assert plane.rows > smallest and f"a_{third}, enlarged" in region_text(app, view)
        assert_pictures_match_numpy(view, net, app.stepper.values)
        await press(pilot, "greater_than_sign")  # the next hidden neuron
        following = net.names.neuron(1, 3)
        assert app.selected_neuron == following and f"a_{following}, enlarged" in region_text(app, view)
        assert view.neuron_pictures[following][0].rows > smallest
        await press(pilot, "less_than_sign", "less_than_sign")
        assert app.selected_neuron == net.names.neuron(1, 1)
        last = net.names.neuron(1, 4)  # a small picture: a click enlarges it
        assert last in view.neuron_pictures
        lines = region_text(app, view).split("\n")
        y = next(row for row, line in enumerate(lines) if re.search(rf"\b{last}\b", line))
        x = re.search(rf"\b{last}\b", lines[y]).start()
        await pilot.click("#boundary", offset=(x + 1 + view.styles.padding.left, y + 2))  # on its picture
        await pilot.pause()
        assert app.selected_neuron == last and f"a_{last}, enlarged" in region_text(app, view)
        assert "> Neuron ▶" in screen_text(app).split("\n")[-1]  # the keys in the footer

    drive(body, network=net)


def test_at_80x24_the_pictures_page_with_pgdn_shown_in_the_footer_and_pgup():
    net = example(SPIRAL)
    hidden = [net.names.neuron(layer, j) for layer in range(1, net.depth) for j in range(net.sizes[layer])]

    async def body(app, pilot):
        await press(pilot, "b")
        view = app.panels["boundary"]
        assert view.pages > 1
        footer = screen_text(app).split("\n")[-1]
        assert "pgdn Neurons ▼" in footer and footer.split()[-2:] == ["q", "Quit"]  # and whole
        pages = []
        for _ in range(view.pages):
            pages.append(list(view.neuron_pictures))
            assert set(pages[-1]) <= set(re.findall(r"h\d_\d", region_text(app, view)))
            assert_pictures_match_numpy(view, net, app.stepper.values)
            await press(pilot, "pagedown")
        assert [name for page in pages for name in page] == hidden  # every neuron once, in order
        await press(pilot, "pageup")
        assert list(view.neuron_pictures) == pages[-2]
        await press(pilot, "b")  # the diagram back: the page keys leave the footer
        assert "pgdn" not in screen_text(app).split("\n")[-1]

    drive(body, network=net, size=(80, 24))


# -- the diagram as a picture ---------------------------------------------------------------------------


def test_iris_is_drawn_as_a_picture_whose_edges_show_their_weights_sign_and_size_without_colour(monkeypatch):
    """4-8-3 as neurons joined by edges (not a list of weights); with NO_COLOR a larger |w| draws more dots
    than a smaller one, and a negative weight is drawn otherwise (dashed, fewer dots) than a positive one."""
    monkeypatch.setenv("NO_COLOR", "1")
    net = example("iris")
    names = net.names

    async def body(app, pilot):
        diagram = app.panels["diagram"]
        shown = region_text(app, diagram)
        for layer, size in enumerate(net.sizes):
            for j in range(size):
                assert names.neuron(layer, j) in shown
        assert braille_dots(shown) and "w1 " not in shown  # edges drawn, no weights listed
        assert diagram.border_title.endswith("4-8-3")
        values = app.stepper.values
        into_outputs = [w for row in names.weight_at[net.depth] for w in row]
        by_size = sorted(into_outputs, key=lambda w: abs(values[w]))
        edited, small, large = by_size[1], by_size[0], by_size[-2]  # the largest stays the layer's largest
        assert abs(values[large]) > abs(values[by_size[-1]]) / 2 > abs(values[small])  # the two halves

        async def drawn_with(value: float) -> str:
            app.stepper.set_value(edited, value)
            app.changed()
            await pilot.pause()
            return region_text(app, diagram)

        thin = await drawn_with(abs(values[small]))
        thick = await drawn_with(abs(values[large]))
        negative = await drawn_with(-abs(values[large]))
        assert braille_dots(thick) > braille_dots(thin)
        assert braille_dots(negative) < braille_dots(thick) and negative != thick

    drive(body, network=net)


@pytest.mark.parametrize("sizes", [(2, 8, 8, 8, 8, 1), (2, 10, 10, 1)], ids=["deep", "10-wide"])
def test_networks_up_to_10_a_layer_and_6_layers_are_pictures_beside_the_operation(sizes):
    from tui_backprop.core import Network, Parameters
    from tui_backprop.core.presets import random_weights

    base = example(SPIRAL)
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    net = Network(sizes=sizes, activations=("tanh",) * (len(sizes) - 2) + ("sigmoid",), loss="bce", bias="none",
                  start=Parameters(random_weights(weights, 1, 1.0), (), lr=0.3), samples=base.samples[:4],
                  name="deep")

    async def body(app, pilot):
        shown = region_text(app, app.panels["diagram"])
        assert braille_dots(shown)
        for layer, size in enumerate(sizes):
            for j in range(size):
                assert net.names.neuron(layer, j) in shown

    drive(body, network=net)


def test_a_relu_layer_is_shaded_up_to_its_largest_output_shown():
    from tui_backprop.core import Network, Parameters
    from tui_backprop.core.presets import random_weights

    base = example(SPIRAL)
    net = Network(sizes=(2, 6, 1), activations=("relu", "sigmoid"), loss="bce", bias="neuron",
                  start=Parameters(random_weights(18, 4, 1.0), random_weights(7, 5, 1.0), lr=0.3),
                  samples=base.samples, name="relu")

    async def body(app, pilot):
        await press(pilot, "b", "greater_than_sign")
        view = app.panels["boundary"]
        assert_pictures_match_numpy(view, net, app.stepper.values)
        glyphs = {char for _, lines in view.neuron_pictures.values() for line in lines for char in line}
        assert POSITIVE_SHADES[-1] in glyphs and not glyphs & set(NEGATIVE_SHADES[1:])  # ReLU: never below 0

    drive(body, network=net)


@pytest.mark.parametrize("name", [SPIRAL, "iris"])
def test_every_neurons_output_from_the_core_is_the_traced_forward_pass_bit_for_bit(name):
    """Program.neuron_outputs, which the pictures are drawn from, is the forward pass the stepper traces."""
    from tui_backprop.core import Stepper

    stepper = Stepper(example(name))
    stepper.finish_phase()  # the forward pass of every sample of the first step
    program, names = stepper.program, stepper.program.net.names
    for sample in range(len(program.net.samples)):  # with batches, the batch's samples as the trace holds them
        inputs = [stepper.values[symbol] for symbol in names.input_symbols(sample)]
        expected = [stepper.values[names.output(layer, j, sample)]
                    for layer in range(1, program.net.depth + 1) for j in range(program.net.sizes[layer])]
        assert program.neuron_outputs(stepper.values, inputs) == expected
        assert program.predict(stepper.values, inputs) == expected[-program.net.sizes[-1]:]


@pytest.mark.parametrize("size", [(80, 24), (110, 34), (200, 60)])
def test_the_pictures_fit_the_panel_at_every_size_with_a_neuron_enlarged_or_none(size):
    net = example(SPIRAL)

    async def body(app, pilot):
        await press(pilot, "b")
        view = app.panels["boundary"]
        for keys in ([], ["greater_than_sign"]):
            await press(pilot, *keys)
            width, height = view.scrollable_content_region.size
            lines = view.draw(width, height)
            assert len(lines) <= height and max(line.cell_len for line in lines) <= width
            assert view.neuron_pictures and view.virtual_size.height <= height  # nothing scrolls

    drive(body, network=net, size=size)
