"""Accuracy, the confusion matrix and each layer's mean |∂E/∂w| (issue 20 §4, §6): through the real CLI and
app, against an independent numpy forward pass (numpy_reference.py) and numpy's own argmax, mean and abs."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from conftest import REPO

from tui_backprop import cli
from tui_backprop.core import PRESETS, Stepper, build_program
from tui_backprop.core.batches import Schedule
from tui_backprop.core.compiled import Record
from tui_backprop.core.expr import format_number
from tui_backprop.core.loader import load_network
from tui_backprop.core.metrics import Metrics, gradient_mean_columns
from tui_backprop.training import bulk
from tui_backprop.training.bulk_numpy import NumpyEpochs
from tui_backprop.training.bulk_numpy import gradient_means as numpy_gradient_means

import numpy_reference
from app_driver import drive, press, screen_text, type_in

IRIS = REPO / "examples" / "iris.toml"
SPIRAL = REPO / "examples" / "playground-spiral.toml"


def numpy_outputs(net, parameters: dict[str, float], samples) -> np.ndarray:
    """The network's outputs for `samples` (a column each) with `parameters`, by numpy_reference's forward pass."""
    alone = net.with_changes(samples=tuple(samples), test_samples=(), batch=0)
    env = alone.start_env()
    env.update(parameters)
    return numpy_reference.epoch(alone, env).outputs[-1]


def numpy_accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Argmax accuracy (one-hot targets), or with one output 0.5 as the threshold; a column a sample."""
    if outputs.shape[0] == 1:
        return float(np.mean((outputs[0] > 0.5) == (targets[0] == 1.0)))
    return float(np.mean(np.argmax(outputs, axis=0) == np.argmax(targets, axis=0)))


def targets_of(samples) -> np.ndarray:
    return np.array([sample.targets for sample in samples]).T


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def train_csv(capsys, *args) -> tuple[list[str], list[list[str]]]:
    assert cli.main(["train", *args, "--csv", "-"]) == 0
    return read_csv(capsys.readouterr().out)


def parameters_of(net, header, row) -> dict[str, float]:
    return {p: float(row[header.index(p)]) for p in net.names.weights + net.names.biases}


# -- train --csv and the summary ------------------------------------------------------------------------


def test_csv_accuracy_of_a_threshold_network_is_numpys(capsys):
    """playground-spiral: one sigmoid output, targets 0/1, no batches, 40 points held out."""
    net = load_network(SPIRAL)
    header, rows = train_csv(capsys, "--config", str(SPIRAL), "--epochs", "40")
    assert header[-(2 + net.depth):] == ["accuracy", "test_accuracy", *gradient_mean_columns(net.depth)]
    seen = set()
    for row in rows[::7]:
        parameters = parameters_of(net, header, row)
        train = numpy_accuracy(numpy_outputs(net, parameters, net.samples), targets_of(net.samples))
        test = numpy_accuracy(numpy_outputs(net, parameters, net.test_samples), targets_of(net.test_samples))
        assert float(row[header.index("accuracy")]) == pytest.approx(train, abs=1e-15)
        assert float(row[header.index("test_accuracy")]) == pytest.approx(test, abs=1e-15)
        seen.add(train)
    assert len(seen) > 1  # the accuracy moves as it learns: the test compares more than one value


def test_csv_accuracy_of_batches_is_the_batchs_and_test_accuracy_numpys(capsys):
    """iris: softmax over 3 one-hot classes, batches of 16: a row's accuracy is its batch's forward pass."""
    net = load_network(IRIS)
    schedule = Schedule(net)
    header, rows = train_csv(capsys, "--config", str(IRIS), "--epochs", "3")
    assert len(rows) == 3 * schedule.steps_per_epoch
    for step, row in enumerate(rows, 1):
        parameters = parameters_of(net, header, row)
        batch = [net.samples[k] for k in schedule.members(step)]
        expected = numpy_accuracy(numpy_outputs(net, parameters, batch), targets_of(batch))
        assert float(row[header.index("accuracy")]) == pytest.approx(expected, abs=1e-15)
        test = numpy_accuracy(numpy_outputs(net, parameters, net.test_samples), targets_of(net.test_samples))
        assert float(row[header.index("test_accuracy")]) == pytest.approx(test, abs=1e-15)


def test_train_summary_prints_the_accuracies_numpy_finds(capsys):
    net = load_network(IRIS)
    schedule = Schedule(net)
    header, rows = train_csv(capsys, "--config", str(IRIS), "--epochs", "10")
    assert cli.main(["train", "--config", str(IRIS), "--epochs", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    heading = lines[1].split("  ")
    heading = [cell.strip() for cell in heading if cell.strip()]
    assert heading == ["epoch", "lr 0.5 train", "lr 0.5 test", "lr 0.5 accuracy", "lr 0.5 test accuracy"]
    for line in lines[2:]:
        epoch, _, _, accuracy, test = line.split()
        # The parameters epoch N starts with are those of its first step's row.
        parameters = parameters_of(net, header, rows[schedule.step(int(epoch)) - 1])
        train = numpy_accuracy(numpy_outputs(net, parameters, net.samples), targets_of(net.samples))
        held = numpy_accuracy(numpy_outputs(net, parameters, net.test_samples), targets_of(net.test_samples))
        assert float(accuracy) == pytest.approx(train, rel=1e-9)
        assert float(test) == pytest.approx(held, rel=1e-9)


def test_targets_that_are_not_classes_have_no_accuracy(capsys):
    """The worked examples' targets 0.01 and 0.99: no accuracy column, and the summary is as it was."""
    header, _ = train_csv(capsys, "--preset", "mazur", "--epochs", "2")
    assert "accuracy" not in header and header[-2:] == gradient_mean_columns(2)
    assert cli.main(["train", "--preset", "mazur", "--epochs", "2"]) == 0
    assert "accuracy" not in capsys.readouterr().out


def test_one_class_is_nothing_to_tell_apart(tmp_path, capsys):
    """One sample with target 1: 0/1 targets, but a single class, so no accuracy (as the boundary view says)."""
    config = tmp_path / "line.json"
    config.write_text(json.dumps({"layers": [1, 1], "activations": "sigmoid", "weights": [0.5],
                                  "samples": [{"inputs": [1.0], "targets": [1.0]}]}))
    header, _ = train_csv(capsys, "--config", str(config), "--epochs", "2")
    assert "accuracy" not in header


def test_csv_gradient_means_are_numpys_mean_of_the_gradient_columns(capsys):
    """Each layer's mean |dE_total/dw| is the mean of the row's own weight gradients, small and large networks
    alike (tanh-3-layer on the compiled loop; spiral's 2-8-8-1 × 160 on numpy's path)."""
    for config in (REPO / "examples" / "tanh-3-layer.toml", SPIRAL):
        net = load_network(config)
        assert bulk.uses_numpy(build_program(net)) == (config == SPIRAL)
        header, rows = train_csv(capsys, "--config", str(config), "--epochs", "5")
        names = net.names
        for row in rows:
            for layer, column in enumerate(gradient_mean_columns(net.depth), 1):
                weights = [w for neuron in names.weight_at[layer] for w in neuron]
                gradients = np.array([float(row[header.index(f"dE_total/d{w}")]) for w in weights])
                assert float(row[header.index(column)]) == pytest.approx(np.abs(gradients).mean(), rel=1e-13)


def test_check_reads_past_the_measures_train_writes(tmp_path, capsys):
    config, sheet = tmp_path / "small.json", tmp_path / "small.csv"
    config.write_text(json.dumps({"name": "small", "layers": [2, 3, 1], "activations": ["tanh", "sigmoid"],
                                  "loss": "bce", "learning_rate": 0.5, "weights": {"seed": 1, "scale": 0.5},
                                  "test_fraction": 0.25, "samples": {"generate": "circle", "count": 8, "seed": 1}}))
    assert cli.main(["train", "--config", str(config), "--epochs", "3", "--csv", str(sheet)]) == 0
    header = sheet.read_text().splitlines()[0].split(",")
    assert {"test_E_total", "accuracy", "test_accuracy", *gradient_mean_columns(2)} <= set(header)
    capsys.readouterr()
    assert cli.main(["check", str(sheet), "--config", str(config)]) == 0
    assert "every cell is right" in capsys.readouterr().out


# -- the core's paths agree ------------------------------------------------------------------------------


def test_numpys_gradient_means_agree_with_the_compiled_loops():
    """The same steps on the compiled loop and in numpy: each layer's mean |dE_total/dw| agrees to 1e-12
    relative, step by step (the core's from its row, numpy's from its own)."""
    net = load_network(SPIRAL)
    program = build_program(net)
    metrics = Metrics(program)
    _, core_rows = program.run(net.start_env(), 20, Record.ROW)
    _, numpy_rows = NumpyEpochs(program, net.start_env()).run(20, Record.ROW)
    width = len(program.columns)
    for step in range(20):
        core = metrics.gradient_means(core_rows[step * width:(step + 1) * width])
        other = numpy_gradient_means(metrics.layer_spans, numpy_rows[step * width:(step + 1) * width])
        assert other == pytest.approx(core, rel=1e-12, abs=0)


def test_the_history_measures_what_the_csv_holds(capsys):
    """One run, one set of numbers: the history's accuracy, test accuracy and gradient means of each step are
    the CSV's."""
    net = load_network(IRIS)
    header, rows = train_csv(capsys, "--config", str(IRIS), "--epochs", "2")
    stepper = Stepper(net, trainer=bulk.TRAINER)
    stepper.run(2)
    history = stepper.history
    for step, row in enumerate(rows, 1):
        assert history.accuracy(step) == float(row[header.index("accuracy")])
        assert history.test_accuracy(step) == float(row[header.index("test_accuracy")])
        assert history.gradient_means(step) == [float(row[header.index(c)]) for c in gradient_mean_columns(2)]


def test_an_edited_target_counts_as_it_stood():
    """xor's targets are classes; a target edited to 0.3 (w) names class 0 from the next step on, in numpy's
    reading too (0.3 is not above 0.5)."""
    net = PRESETS["xor"]()
    stepper = Stepper(net)
    stepper.finish_epoch()
    stepper.set_value("t1[2]", 0.3)
    stepper.finish_epoch()
    history = stepper.history
    for step in (1, 2):
        targets = targets_of(net.samples)
        if step == 2:
            targets[0, 1] = 0.3
        parameters = {p: history.start_env(step)[p] for p in net.names.weights + net.names.biases}
        assert history.accuracy(step) == numpy_accuracy(numpy_outputs(net, parameters, net.samples), targets > 0.5)


def test_a_resumed_session_measures_as_the_run_did(tmp_path):
    """A saved session keeps no measure: the resumed history works them out again, on the run's own path."""
    from tui_backprop.core.session import load_stepper, save_stepper

    stepper = Stepper(load_network(IRIS), trainer=bulk.TRAINER)
    stepper.run(3)
    save_stepper(tmp_path / "iris.backprop", stepper)
    resumed = load_stepper(tmp_path / "iris.backprop", bulk.TRAINER)[0].history
    for step in (1, 12, 24):
        assert resumed.gradient_means(step) == stepper.history.gradient_means(step)
        assert resumed.accuracy(step) == stepper.history.accuracy(step)
        assert resumed.test_accuracy(step) == stepper.history.test_accuracy(step)


# -- the shipped deep examples ---------------------------------------------------------------------------


def test_deep_sigmoid_starves_its_first_layer_and_deep_relu_does_not():
    """What docs/guide.md says to look for: after 10 epochs, the first layer's mean |∂E/∂w| over the last's is
    more than two orders of magnitude smaller with sigmoid hidden layers than with relu, on the same data."""
    ratios = {}
    for name in ("deep-sigmoid", "deep-relu"):
        net = load_network(REPO / "examples" / f"{name}.toml")
        assert net.sizes == (2, 8, 8, 8, 8, 1)
        stepper = Stepper(net, trainer=bulk.TRAINER)
        stepper.run(10)
        means = stepper.history.gradient_means(10)
        ratios[name] = means[0] / means[-1]
    assert ratios["deep-sigmoid"] * 100 < ratios["deep-relu"]


# -- the app ---------------------------------------------------------------------------------------------


async def run_epochs(app, pilot, epochs: int) -> None:
    await press(pilot, "r")
    await type_in(pilot, str(epochs))
    for _ in range(200):
        if not app.running:
            break
        await pilot.pause(0.05)
    await pilot.pause()


def test_the_app_shows_accuracy_a_confusion_matrix_and_each_layers_gradients():
    net = load_network(SPIRAL)

    async def body(app, pilot):
        await run_epochs(app, pilot, 12)
        history = app.stepper.history
        # The history's accuracy columns, by default for targets that are classes.
        assert {"accuracy", "test_accuracy"} <= set(app.panels["history"].shown)
        # a: the chart shows accuracy at each epoch's start, numpy's.
        await press(pilot, "a")
        chart = app.panels["chart"]
        assert set(chart.curves) == {"training", "test"} and "accuracy" in screen_text(app)
        for epoch in (1, 6, 12):
            parameters = {p: history.start_env(epoch)[p] for p in net.names.weights + net.names.biases}
            expected = numpy_accuracy(numpy_outputs(net, parameters, net.samples), targets_of(net.samples))
            assert chart.curves["training"][epoch - 1] == pytest.approx(expected, abs=1e-15)
        await press(pilot, "a")
        assert set(chart.curves) == {"E_total", "E_test"}
        # C: the confusion matrix of the current parameters, numpy's counts.
        await press(pilot, "C")
        parameters = {p: app.stepper.values[p] for p in net.names.weights + net.names.biases}
        outputs = numpy_outputs(net, parameters, net.samples)
        named, target = (outputs[0] > 0.5).astype(int), targets_of(net.samples)[0].astype(int)
        counts = [[int(np.sum((target == t) & (named == n))) for n in (0, 1)] for t in (0, 1)]
        lines = screen_text(app).split("\n")
        assert any("Confusion matrix" in line for line in lines)
        header = next(n for n, line in enumerate(lines) if "target" in line)  # the training samples' table
        shown = [line.split("█")[1].split() for line in lines[header + 1:header + 3]]  # inside the dialog's frame
        assert shown == [[str(t), *map(str, counts[t])] for t in (0, 1)]
        share = numpy_accuracy(outputs, targets_of(net.samples))
        right = counts[0][0] + counts[1][1]
        assert f"training samples: accuracy {format_number(share, 4)} ({right} of {len(net.samples)} right)" in lines[header - 2]
        await press(pilot, "escape")
        # G: each layer's mean |∂E/∂w| over the epochs, on a log scale.
        await press(pilot, "G")
        for _ in range(100):
            if "epoch 12:" in screen_text(app):
                break
            await pilot.pause(0.05)
        text = screen_text(app)
        assert "Why gradients vanish" in text and "log scale" in text
        means = history.gradient_means(history.schedule.step(12))
        for n, mean in enumerate(means, 1):
            assert f"L{n} {format_number(mean, 3)}" in text
        gradients_chart = app.screen.query_one("#gradients-chart")
        assert list(gradients_chart.curves) == ["L1", "L2", "L3"]
        await press(pilot, "escape")

    drive(body, network=net)


def test_networks_without_classes_show_no_accuracy_silently():
    async def body(app, pilot):
        await press(pilot, "e", "e")
        assert not app.check_action("accuracy_chart", ()) and not app.check_action("confusion", ())
        await press(pilot, "a", "C")
        assert set(app.panels["chart"].curves) == {"E_total"} and len(app.screen_stack) == 1
        assert "accuracy" not in app.panels["history"].shown
        assert not app.notified

    drive(body, preset="mazur")


def test_the_three_views_are_in_the_palette_and_gradients_work_for_any_network():
    async def body(app, pilot):
        titles = {command.title for command in app.get_system_commands(app.screen)}
        tooltips = {binding.action: binding.tooltip for binding in app.BINDINGS}
        assert {tooltips["accuracy_chart"], tooltips["confusion"], tooltips["gradients"]} <= titles
        await press(pilot, "e", "e", "e")
        table = app.panels["history"]
        # c offers each layer's mean |∂E/∂w| as a column; shown, it holds the history's numbers.
        table.show_columns(["E_total", *gradient_mean_columns(2)])
        await pilot.pause()
        assert table.cells(3)[2:] == [format_number(mean, 6) for mean in app.stepper.history.gradient_means(3)]
        await press(pilot, "G")
        for _ in range(100):
            if "epoch 3:" in screen_text(app):
                break
            await pilot.pause(0.05)
        assert not app.running  # the measuring thread let the stepper go
        means = app.stepper.history.gradient_means(3)
        assert f"epoch 3: L1 {format_number(means[0], 3)} · L2 {format_number(means[1], 3)}" in screen_text(app)

    drive(body, preset="mazur")
