"""The decision boundary: every cell is the core's prediction at its centre, the samples on top."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest

from tui_backprop import cli
from tui_backprop.app.widgets.boundary import (
    CLASS_COLOURS,
    SHADE_COLOURS,
    SHADES,
    TEST_MARKS,
    TRAIN_MARKS,
    Boundary,
    BoundaryView,
    sample_class,
)
from tui_backprop.core import PRESETS, Network, Parameters, Sample, Stepper, build_program
from tui_backprop.core.presets import random_weights


def predict(stepper: Stepper, point) -> list[float]:
    """The core's forward pass at `point` with the stepper's parameters (a one-sample program of the net)."""
    net = stepper.net
    return build_program(net.with_changes(samples=net.samples[:1])).predict(stepper.values, point)


def expected_kind(stepper: Stepper, boundary: Boundary, outputs) -> int:
    """The fill the core's outputs call for, worked out here from the targets' range."""
    if len(outputs) > 1:
        return max(range(len(outputs)), key=lambda k: outputs[k])
    targets = [t for sample in stepper.net.samples for t in sample.targets]
    share = (outputs[0] - min(targets)) / (max(targets) - min(targets))
    return min(max(round(share * (len(SHADES) - 1)), 0), len(SHADES) - 1)


def three_classes() -> Network:
    """2 inputs, 3 softmax outputs: a small three-class problem."""
    points = [(0.0, 0.0, 0), (1.0, 0.2, 1), (0.1, 1.0, 2), (0.9, 0.9, 1), (0.2, 0.1, 0), (0.3, 0.8, 2)]
    samples = tuple(Sample((x, y), tuple(1.0 if k == c else 0.0 for k in range(3))) for x, y, c in points)
    return Network(sizes=(2, 4, 3), activations=("tanh", "softmax"), loss="cce", bias="neuron",
                   start=Parameters(random_weights(20, 5, 1.0), (0.0,) * 7, lr=0.5), samples=samples, name="three")


@pytest.mark.parametrize("net, epochs", [(PRESETS["xor"](), 0), (PRESETS["xor"](), 1500), (three_classes(), 300),
                                         (PRESETS["mazur"](), 5)], ids=["xor-start", "xor-trained", "3-class", "mazur"])
def test_the_cell_under_each_sample_is_the_cores_prediction_there(net, epochs):
    stepper = Stepper(net)
    if epochs:
        stepper.run(epochs)
    held_out = (Sample((0.5, 0.5), net.samples[0].targets),)
    boundary = Boundary(stepper, 40, 12, held_out)
    coloured, plain = boundary.lines(), boundary.lines(colour=False)
    colours = CLASS_COLOURS if net.sizes[-1] > 1 else SHADE_COLOURS
    for samples, marks in ((net.samples, TRAIN_MARKS), (held_out, TEST_MARKS)):
        for sample in samples:
            column, row = boundary.plane.cell(*sample.inputs)
            outputs = predict(stepper, boundary.plane.centre(column, row))
            kind = expected_kind(stepper, boundary, outputs)
            assert boundary.kinds[row][column] == kind
            # drawn: the sample's mark for its class, on the colour of the core's prediction
            assert plain[row].plain[column] == coloured[row].plain[column]
            if (marks is TEST_MARKS) and any(boundary.plane.cell(*s.inputs) == (column, row) for s in net.samples):
                continue  # a training sample on the same cell is drawn over it
            assert plain[row].plain[column] == marks[sample_class(sample.targets)]
            style = next(span.style for span in coloured[row].spans if span.start <= column < span.end)
            assert style.bgcolor.name == colours[kind % len(colours)]


def test_every_cell_is_filled_by_the_cores_prediction_at_its_centre():
    stepper = Stepper(PRESETS["xor"]())
    stepper.run(800)
    boundary = Boundary(stepper, 24, 8)
    marks = boundary.marks()
    plain = boundary.lines(colour=False)
    for row in range(8):
        for column in range(24):
            outputs = predict(stepper, boundary.plane.centre(column, row))
            kind = expected_kind(stepper, boundary, outputs)
            assert boundary.kinds[row][column] == kind
            if (column, row) not in marks:
                assert plain[row].plain[column] == SHADES[kind]


def test_train_plot_draws_the_boundary_for_two_inputs_in_shades():
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["train", "--preset", "xor", "--epochs", "1500", "--plot"]) == 0
    text = out.getvalue()
    assert "decision boundary after 1,500 epochs at lr 0.5" in text
    stepper = Stepper(PRESETS["xor"]())
    stepper.run(1500)
    plot = text.split("decision boundary after 1,500 epochs at lr 0.5\n", 1)[1].split("\n")
    boundary = Boundary(stepper, 72, 20)
    for sample in stepper.net.samples:  # the same run, the same picture, no colour codes
        column, row = boundary.plane.cell(*sample.inputs)
        assert plot[row][column] == TRAIN_MARKS[sample_class(sample.targets)]
    assert "\x1b[" not in "\n".join(plot)
    assert {"█", " "} <= set("".join(plot[:20]))  # both classes' shades: XOR learned


def test_train_plot_leaves_out_the_boundary_without_two_inputs(tmp_path):
    config = tmp_path / "three.toml"
    config.write_text('layers = [3, 2, 1]\nactivations = "sigmoid"\nweights = { seed = 1, scale = 0.5 }\n'
                      '[[samples]]\ninputs = [0.1, 0.2, 0.3]\ntargets = [0.5]\n')
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["train", "--config", str(config), "--epochs", "10", "--plot"]) == 0
    assert "decision boundary" not in out.getvalue()


def test_train_plot_leaves_out_a_boundary_with_nothing_to_separate(capsys):
    """mazur's one sample is one class: its plane would be a shade without meaning; one line says why."""
    assert cli.main(["train", "--preset", "mazur", "--epochs", "5", "--plot"]) == 0
    out = capsys.readouterr().out
    assert "decision boundary after" not in out and not set("░▒▓█") & set(out)
    assert out.rstrip().splitlines()[-1].startswith("No decision boundary: ")


def test_b_says_why_a_one_sample_network_has_no_boundary():
    from app_driver import drive, press, widget_text

    async def body(app, pilot):
        await press(pilot, "b")
        shown = widget_text(app, app.panels["boundary"])
        assert shown.startswith("No decision boundary: ") and "one sample" in shown
        assert not set("░▒▓█") & set(shown)

    drive(body, preset="mazur")


# -- in the app ------------------------------------------------------------------


def boundary_screen(no_color: bool, monkeypatch):
    from app_driver import drive, press, type_in

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    seen = {}

    async def body(app, pilot):
        await press(pilot, "b")
        view = app.query_one(BoundaryView)
        seen["shown"] = view.display and not app.query_one("#diagram").display
        seen["no_color"] = app.no_color
        seen["before"] = [list(row) for row in view.boundary.kinds]
        seen["segments"] = [segment for y in range(view.scrollable_content_region.height)
                            for segment in view.render_line(y)]
        redraws = []
        original = view.show_run
        view.show_run = lambda values: (redraws.append(values), original(values))
        await press(pilot, "r")
        await type_in(pilot, "1500")
        await pilot.wait_for_scheduled_animations()
        for _ in range(200):
            if not app.running:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        seen["redraws"] = len(redraws)
        seen["after"] = [list(row) for row in view.boundary.kinds]
        seen["stepper"] = app.stepper
        await press(pilot, "b")
        seen["back"] = app.query_one("#diagram").display

    drive(body, preset="xor", size=(80, 24))
    return seen


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
def test_b_shows_the_boundary_at_80x24_and_r_redraws_it_as_it_runs(no_color, monkeypatch):
    seen = boundary_screen(no_color, monkeypatch)
    assert seen["shown"] and seen["back"] and seen["no_color"] == no_color
    assert seen["redraws"] >= 10  # drawn again while the run went on, not only at its end
    assert seen["after"] != seen["before"]
    text = "".join(segment.text for segment in seen["segments"])
    assert set(TRAIN_MARKS[:2]) <= set(text)  # the samples, by class
    backgrounds = {segment.style.bgcolor.name for segment in seen["segments"] if segment.style and segment.style.bgcolor}
    assert bool(backgrounds & set(SHADE_COLOURS)) != no_color
    if no_color:  # shades, not colour, tell the cells apart
        assert len(set(text) & set(SHADES[1:])) >= 1
    stepper = seen["stepper"]
    boundary = Boundary(stepper, len(seen["after"][0]), len(seen["after"]))
    assert boundary.kinds == seen["after"]  # the last drawing is of the trained network


def test_train_plot_marks_the_held_out_test_samples(tmp_path):
    from tui_backprop.core import load_network

    config = tmp_path / "play.toml"
    config.write_text('name = "play"\nlayers = [2, 4, 1]\nactivations = ["tanh", "sigmoid"]\nbias = "neuron"\n'
                      'weights = { seed = 3, scale = 0.8 }\ntest_fraction = 0.25\n'
                      'samples = { generate = "xor", count = 40, noise = 0.1, seed = 1 }\n')
    net = load_network(str(config))
    assert net.test_samples
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["train", "--config", str(config), "--epochs", "50", "--plot"]) == 0
    plot = out.getvalue().split("decision boundary after 50 epochs at lr 0.5\n", 1)[1].split("\n")
    stepper = Stepper(net)
    boundary = Boundary(stepper, 72, 20, net.test_samples)
    trained_cells = {boundary.plane.cell(*s.inputs) for s in net.samples}
    shown = 0
    for sample in net.test_samples:
        column, row = boundary.plane.cell(*sample.inputs)
        if (column, row) not in trained_cells:
            assert plot[row][column] == TEST_MARKS[sample_class(sample.targets)]
            shown += 1
    assert shown and "test" in plot[20]
