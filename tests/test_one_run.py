"""One run, one trainer, one set of numbers (issue 22, point 2).

A run is trained by one path (bulk.train picks numpy for a large network, the
compiled loop otherwise), and every output of it shows that path's numbers: the
summary of `train` and its `--csv`, the app's history rows and its chart.  Two
correct paths part ways over a chaotic run (1e-16 a step grows), so two outputs
of one run that came from different paths disagreed in the printed digits.
"""

from __future__ import annotations

import csv
import json
import random

from test_engine_scale import wide_network

from tui_backprop import cli
from tui_backprop.core import Network, Parameters, Sample, Stepper
from tui_backprop.core.batches import COMPILED, Schedule
from tui_backprop.core.compiled import Record
from tui_backprop.core.expr import format_number
from tui_backprop.core.presets import random_weights
from tui_backprop.training import bulk
from tui_backprop.training.bulk_numpy import NumpyEpochs

# A 2-8-8-1 tanh network on 20 points of TensorFlow Playground's spiral at lr 1: chaotic enough that the
# compiled loop and numpy print different E_total by epoch 100 (0.6197519933 and 0.6421459058).
CHAOTIC = {"name": "chaotic", "layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"], "loss": "bce",
           "bias": "neuron", "learning_rate": 1.0, "weights": {"seed": 3, "scale": 0.5},
           "samples": {"generate": "spiral", "count": 20, "noise": 0.1, "seed": 1}}


def test_train_prints_the_numbers_its_csv_holds(tmp_path, capsys):
    config, table = tmp_path / "chaotic.json", tmp_path / "run.csv"
    config.write_text(json.dumps(CHAOTIC))
    assert cli.main(["train", "--config", str(config), "--epochs", "300", "--csv", str(table)]) == 0
    printed = {}
    for line in capsys.readouterr().out.splitlines():
        cells = line.split()  # epoch, E_total, accuracy (the spiral's targets are classes)
        if len(cells) == 3 and cells[0].isdigit():
            printed[int(cells[0])] = cells[1]
    assert sorted(printed) == [1, 10, 100, 300]
    with open(table, newline="") as stream:
        rows = list(csv.reader(stream))
    column = rows[0].index("E_total")
    written = {int(row[0]): float(row[column]) for row in rows[1:]}
    assert len(written) == 300
    assert {epoch: format_number(written[epoch], 10) for epoch in printed} == printed


def test_the_history_shows_the_numbers_of_the_trainer_that_ran_it():
    """A large network's run goes through numpy: its history rows, re-derived or not, are numpy's rows,
    so each row's E_total is the chart's to the bit."""
    net = wide_network((20, 20, 20), 4)
    stepper = Stepper(net, trainer=bulk.TRAINER)
    stepper.run(70)
    history, column = stepper.history, stepper.program.columns.index("E_total")
    losses = history.losses()
    assert [history.row(epoch)[column] for epoch in range(1, 71)] == list(losses)
    _, rows = NumpyEpochs(stepper.program, net.start_env()).run(70, Record.ROW)
    width = len(stepper.program.columns)
    assert history.row(66) == rows[65 * width: 66 * width]


def batch_one_tanh() -> Network:
    """6-9-9-11-3 tanh with batch 1, where some parameters shrink toward zero: numpy's updates of them
    agree with the core's to 1e-11 of their own size (9.8e-12 here), and to 1e-15 of the parameters'."""
    r = random.Random(43)
    sizes = (6, 9, 9, 11, 3)
    data = tuple(Sample(tuple(r.uniform(-1, 1) for _ in range(6)), tuple(r.uniform(-1, 1) for _ in range(3)))
                 for _ in range(8))
    start = Parameters(random_weights(sum(a * b for a, b in zip(sizes, sizes[1:])), 43, 0.5),
                       random_weights(sum(sizes[1:]), 44, 0.3), lr=0.1)
    return Network(sizes=sizes, activations=("tanh",) * 4, start=start, loss="mse", bias="neuron", samples=data,
                   batch=1, name="tanh")


def test_numpy_agrees_with_the_core_to_1e_12_of_the_parameters_scale():
    """The stated tolerance (docs/architecture.md): every parameter within 1e-12 of the largest one, after
    160 update steps of online learning, each summed in another order."""
    schedule = Schedule(batch_one_tanh())
    env, steps = schedule.net.start_env(), 20 * schedule.steps_per_epoch
    core, _ = schedule.train(COMPILED, env, 1, steps, Record.HISTORY)
    by_numpy, _ = NumpyEpochs(schedule.program(1), env).run_steps(schedule, 1, steps, Record.HISTORY)
    parameters = schedule.program(1).parameters
    scale = max(abs(core[p]) for p in parameters)
    assert max(abs(core[p] - by_numpy[p]) for p in parameters) <= 1e-12 * scale
