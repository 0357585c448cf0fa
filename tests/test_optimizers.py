"""Regularization and the optimizers (issue 20, §2 and §3): every update against PyTorch, the trace against
the fast path and numpy, undo and sessions exact, the file keys and their messages."""

from __future__ import annotations

import itertools
import random

import pytest

from tui_backprop.core import Network, NetworkError, Parameters, Record, Sample, Stepper, network_from_dict
from tui_backprop.core.batches import COMPILED
from tui_backprop.core.loader import network_to_dict
from tui_backprop.core.presets import random_weights
from tui_backprop.core.session import load_stepper, save_stepper
from tui_backprop.training.bulk_numpy import NumpyEpochs

OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZATIONS = ("none", "l1", "l2")
LOSSES = ("half_sse", "mse", "bce", "cce")
BIASES = ("neuron", "shared", "none")


def training_network(case: int, optimizer: str, regularization: str) -> Network:
    """A small random network of mode `case`: each loss, bias mode, frozen biases and batches come round."""
    r = random.Random(case * 31 + OPTIMIZERS.index(optimizer) * 7 + REGULARIZATIONS.index(regularization))
    loss, bias = LOSSES[case % 4], BIASES[case % 3]
    sizes = (r.randint(1, 3), r.randint(1, 4), 2 if loss == "cce" else r.randint(1, 3))
    hidden = r.choice(["sigmoid", "tanh", "relu", "identity"])
    last = {"cce": "softmax", "bce": "sigmoid"}.get(loss, r.choice(["sigmoid", "tanh", "identity"]))
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    biases = {"none": 0, "shared": 2, "neuron": sum(sizes[1:])}[bias]
    samples = tuple(Sample(tuple(r.uniform(-1, 1) for _ in range(sizes[0])), tuple(r.uniform(0, 1) for _ in range(sizes[-1])))
                    for _ in range(r.randint(1, 5)))
    return Network(sizes=sizes, activations=(hidden, last), loss=loss, bias=bias, train_bias=case % 4 != 3,
                   start=Parameters(random_weights(weights, case, 0.8), random_weights(biases, case + 1, 0.5),
                                    lr=r.uniform(0.01, 0.5)), samples=samples, batch=2 if case % 2 else 0, shuffle_seed=case,
                   regularization=regularization, regularization_rate=r.uniform(0.001, 0.1) if regularization != "none" else 0.0,
                   optimizer=optimizer, momentum=r.uniform(0.5, 0.95), betas=(r.uniform(0.8, 0.95), r.uniform(0.9, 0.999)),
                   eps=10 ** r.uniform(-8, -4), name=f"case-{case}")


MODES = list(itertools.product(OPTIMIZERS, REGULARIZATIONS))


def _relative(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b), 1e-300)


def _gap(a: float, b: float) -> float:
    """Relative above 1, absolute below: a parameter passing near 0 has no meaningful relative difference."""
    return abs(a - b) / max(1.0, abs(a), abs(b))


@pytest.mark.long
# On one worker: each process that imports torch spends 1.6 s of CPU on it (4 s with a cold cache of compiled
# modules, as on a fresh clone), and as long tests these nine went out to every worker first.
@pytest.mark.xdist_group("torch")
@pytest.mark.parametrize("optimizer,regularization", MODES)
def test_every_update_agrees_with_pytorch(optimizer, regularization):
    """Step by step, the trace's E_total and every parameter against torch.optim.SGD(momentum=…) and
    torch.optim.Adam in float64, the penalty a term of torch's loss; batches and frozen biases included."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0; .ci/run does), "
                                                "so the optimizers were not compared with it")
    from torch_reference import TorchNetwork

    torch.set_default_dtype(torch.float64)
    worst = 0.0
    for case in range(4):
        net = training_network(case, optimizer, regularization)
        stepper, reference = Stepper(net), TorchNetwork(net)
        for step in range(1, 7):
            stepper.finish_step()
            loss = reference.step(step)
            worst = max(worst, _gap(stepper.values["E_total"], loss))
            ours = [stepper.values[p] for p in stepper.program.parameters]
            for a, b in zip(ours, reference.parameters()):
                worst = max(worst, _gap(a, b))
    assert worst < 1e-12, worst


@pytest.mark.parametrize("optimizer,regularization", MODES)
def test_trace_fast_path_and_numpy_agree(optimizer, regularization):
    """The trace and the compiled fast path to the last bit, numpy to 1e-12, for every carried value
    (the parameters and the optimizer's state)."""
    for case in range(4):
        net = training_network(case, optimizer, regularization)
        traced, fast = Stepper(net), Stepper(net)
        steps = 3 * traced.schedule.steps_per_epoch
        for _ in range(steps):
            traced.finish_step()
        env, _ = fast.schedule.train(COMPILED, net.start_env(), 1, steps, Record.HISTORY)
        program = traced.schedule.program(1)
        assert [traced.values[k] for k in program.carried] == [env[k] for k in program.carried]
        numbers = NumpyEpochs(program, net.start_env())
        after, _ = (numbers.run_steps(traced.schedule, 1, steps, "history") if traced.schedule.batched
                    else numbers.run(steps, "history"))
        for k in program.carried:
            assert _relative(after[k], env[k]) < 1e-12 or abs(after[k] - env[k]) < 1e-15, k


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_each_quantity_is_its_own_operation(optimizer):
    net = training_network(0, optimizer, "l2")
    program = Stepper(net).program
    kinds = {}
    for q in program.quantities:
        kinds.setdefault(q.kind, q)
    assert kinds["penalty"].symbol == "E_reg" and kinds["penalty"].phase == "forward"
    assert kinds["penalty_gradient"].formula == "dE_reg/dw1 = λ·w1"
    assert kinds["objective_gradient"].formula == "dE/dw1 = dE_total/dw1 + dE_reg/dw1"
    formulas = [q.formula for q in program.quantities if q.phase == "update" and q.param == "w1"]
    assert formulas == {
        "sgd": ["w1 = w1 − lr·dE/dw1"],
        "momentum": ["v_w1 = μ·v_w1 + dE/dw1", "w1 = w1 − lr·v_w1"],
        "adam": ["m_w1 = β1·m_w1 + (1 − β1)·dE/dw1", "v_w1 = β2·v_w1 + (1 − β2)·(dE/dw1)²",
                 "mhat_w1 = m_w1 / (1 − β1^t)", "vhat_w1 = v_w1 / (1 − β2^t)",
                 "w1 = w1 − lr·mhat_w1 / (√(vhat_w1) + ε)"]}[optimizer]
    if optimizer == "adam":
        assert kinds["step_count"].formula == "t = t + 1"
    assert all(q.why for q in program.quantities)
    # Every quantity is found by its name, and the optimizer's state is carried, not computed afresh.
    for n, q in enumerate(program.quantities):
        if q.symbol in program.carried:
            assert program.index.get(q.symbol) is None
        else:
            assert program.index[q.symbol] == n
    for p in program.trained:
        assert program.quantity(program.update_position(p)).symbol == p
    # The limits count them: an epoch's operations from the shape alone, as the program lays them out.
    for case in range(4):
        net = training_network(case, optimizer, "l1")
        schedule = Stepper(net).schedule
        assert net.epoch_operations() == sum(len(schedule.program(k)) for k in range(1, schedule.steps_per_epoch + 1))


def test_l1_sign_of_zero_is_zero():
    net = training_network(1, "sgd", "l1").with_start(weights=(0.0,) * len(training_network(1, "sgd", "l1").start.weights))
    stepper = Stepper(net)
    stepper.finish_step()
    assert stepper.values["dE_reg/dw1"] == 0.0


def test_frozen_biases_take_no_part():
    net = training_network(3, "adam", "l2")
    assert not net.train_bias and net.start.biases
    program = Stepper(net).program
    assert not any(s.endswith(b) for s in program.names.state for b in program.names.biases)
    stepper = Stepper(net)
    stepper.run(3)
    assert [stepper.values[b] for b in program.names.biases] == list(net.start.biases)


@pytest.mark.parametrize("optimizer,regularization", [("momentum", "l1"), ("adam", "l2")])
def test_undo_restores_the_optimizer_state_exactly(optimizer, regularization):
    net = training_network(2, optimizer, regularization)
    stepper = Stepper(net)
    marks = []
    for _ in range(2 * len(stepper.program) + 5):
        marks.append(dict(stepper.values))
        stepper.next()
    stepper.run(4)
    stepper.previous()
    for mark in reversed(marks):
        stepper.previous()
        assert stepper.values == mark


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_session_keeps_the_optimizer_state(tmp_path, optimizer):
    net = training_network(2, optimizer, "l2")
    stepper = Stepper(net)
    stepper.run(70)  # past a history checkpoint: the state is re-derived from one
    for _ in range(len(stepper.program) // 2 + 3):
        stepper.next()
    save_stepper(tmp_path / "s.backprop", stepper)
    resumed, _ = load_stepper(tmp_path / "s.backprop")
    assert resumed.values == stepper.values
    for step in (1, 40, 69):
        assert resumed.history.row(step) == stepper.history.row(step)
    resumed.finish_epoch(), stepper.finish_epoch()
    assert resumed.values == stepper.values
    while resumed.previous():
        assert stepper.previous()
        assert resumed.values == stepper.values


def test_history_rows_carry_the_state_and_the_penalty():
    net = training_network(0, "adam", "l1")
    stepper = Stepper(net)
    stepper.run(100)
    columns = stepper.history.columns
    for name in ("E_reg", "t", "m_w1", "v_w1", "β1", "λ", "dE_reg/dw1", "dE/dw1"):
        assert name in columns
    # A row re-derived from a checkpoint is the trace's own: step 77 traced afresh.
    traced = Stepper(net)
    for _ in range(76):
        traced.finish_step()
    traced.finish_step()
    row = stepper.history.row(77)
    assert row[columns.index("t")] == 77.0 - 1
    assert row == traced.history.row(77)


def test_file_keys_round_trip_and_defaults():
    net = network_from_dict({"layers": [2, 2, 1], "samples": [{"inputs": [0, 1], "targets": [1]}],
                             "regularization": "l2", "regularization_rate": 0.01, "optimizer": "adam",
                             "betas": [0.8, 0.99], "eps": 1e-6})
    assert (net.regularization, net.regularization_rate, net.optimizer, net.betas, net.eps) == ("l2", 0.01, "adam", (0.8, 0.99), 1e-6)
    assert network_from_dict(network_to_dict(net)) == net
    plain = network_from_dict({"layers": [2, 2, 1], "samples": [{"inputs": [0, 1], "targets": [1]}]})
    assert (plain.regularization, plain.optimizer) == ("none", "sgd")
    assert "optimizer" not in network_to_dict(plain) and "regularization" not in network_to_dict(plain)
    assert Stepper(plain).program.carried == ["lr", *plain.names.weights]


@pytest.mark.parametrize("keys,message", [
    ({"optimizer": "rmsprop"}, "optimizer: unknown optimizer 'rmsprop' (choose from sgd, momentum, adam)"),
    ({"regularization": "l3"}, "regularization: unknown regularization 'l3' (choose from none, l1, l2)"),
    ({"regularization": "l2"}, "regularization_rate: missing: regularization 'l2' needs its rate λ, e.g. 0.001"),
    ({"regularization_rate": 0.1}, 'regularization_rate: given, but regularization is "none"; set regularization = "l1" or "l2"'),
    ({"regularization": "l1", "regularization_rate": -1}, "regularization_rate: must be a finite number of at least 0, got -1.0"),
    ({"momentum": 0.9}, "momentum: given, but optimizer is 'sgd'; momentum belongs to optimizer = 'momentum'"),
    ({"optimizer": "momentum", "betas": [0.9, 0.9]}, "betas: given, but optimizer is 'momentum'; betas belongs to optimizer = 'adam'"),
    ({"optimizer": "momentum", "momentum": -0.5}, "momentum: must be a finite number of at least 0, got -0.5"),
    ({"optimizer": "adam", "betas": [0.9, 1.0]}, "betas: must be two numbers, each at least 0 and below 1, got [0.9, 1.0]"),
    ({"optimizer": "adam", "betas": [0.9]}, "betas: must be a list of two numbers [β1, β2], got [0.9]"),
    ({"optimizer": "adam", "eps": 0}, "eps: must be a positive finite number, got 0.0"),
    ({"optimizer": "adam", "eps": "small"}, "eps: expected numbers, got 'small'"),
])
def test_bad_keys_get_one_line(keys, message):
    with pytest.raises(NetworkError) as error:
        network_from_dict({"layers": [2, 1], "samples": [{"inputs": [0, 1], "targets": [1]}], **keys})
    assert str(error.value) == message


@pytest.mark.parametrize("optimizer,regularization", [("sgd", "l1"), ("momentum", "l2"), ("adam", "l1"), ("adam", "none")])
def test_explain_as_python_runs_the_optimizers(optimizer, regularization):
    """`explain --format python` writes the penalty and the optimizer's state too: run, it gives the core's numbers."""
    from tui_backprop.core.compiled import readable_source

    net = training_network(2, optimizer, regularization)
    program = Stepper(net).program
    namespace: dict = {}
    exec(readable_source(program), namespace)
    samples = [tuple(s.inputs) + tuple(s.targets) for s in net.samples]
    values = dict(net.start_env())
    for _ in range(3):
        loss, carried = namespace["epoch"](values, samples)
        values.update(carried)
    env, core = program.run(net.start_env(), 3, "loss")
    assert _relative(loss, core[-1]) <= 1e-12
    assert max(_relative(values[k], env[k]) for k in program.carried) <= 1e-12


def run_cli(capsys, *argv):
    from tui_backprop import cli

    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write_network(path, **keys):
    from tui_backprop.core.loader import network_text

    lr = keys.pop("lr", None)
    net = training_network(1, "sgd", "none").with_changes(**keys)
    net = net.with_start(lr=lr) if lr is not None else net
    path.write_text(network_text(net, path))
    return net


def test_train_csv_shows_e_reg_apart_and_the_penalty_in_the_gradients(tmp_path, capsys):
    import csv

    net = write_network(tmp_path / "n.toml", regularization="l2", regularization_rate=0.05, optimizer="momentum")
    status, out, _ = run_cli(capsys, "train", "--config", str(tmp_path / "n.toml"), "--epochs", "3", "--csv", str(tmp_path / "r.csv"))
    assert status == 0
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    stepper = Stepper(net)
    for row, step in zip(rows, range(1, 4 * stepper.schedule.steps_per_epoch)):
        stepper.finish_step()
        expected = stepper.history.row(step)
        for column in ("E_total", "E_reg", "dE_total/dw1", "dE_reg/dw1", "dE/dw1", "v_w1", "μ", "λ", "w1"):
            assert float(row[column]) == expected[stepper.history.columns.index(column)], column
        assert float(row["dE/dw1"]) == float(row["dE_total/dw1"]) + float(row["dE_reg/dw1"])
    assert "L2 regularization λ 0.05, momentum μ" in out


def test_train_save_network_loads_again_to_the_same_numbers(tmp_path, capsys):
    from tui_backprop.core.loader import load_network

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.csv").write_text("x,y,label\n0,1,a\n1,0,b\n1,1,a\n0.5,0.2,b\n0.1,0.9,a\n")
    (tmp_path / "n.toml").write_text(
        'layers = [2, 3, 2]\nactivations = ["tanh", "softmax"]\nloss = "cce"\nbias = "neuron"\noptimizer = "adam"\n'
        'regularization = "l1"\nregularization_rate = 0.01\nlearning_rate = 0.05\nbatch = 2\ntest_fraction = 0.2\n'
        'samples = { file = "data/points.csv", inputs = ["x", "y"], targets = "label" }\n')
    (tmp_path / "out").mkdir()
    for saved in ("out/trained.toml", "out/trained.json"):
        status, out, _ = run_cli(capsys, "train", "--config", str(tmp_path / "n.toml"), "--epochs", "7",
                                 "--save-network", str(tmp_path / saved))
        assert status == 0 and f"The network after 7 epochs is in {tmp_path / saved}" in out
        text = (tmp_path / saved).read_text()
        assert "../data/points.csv" in text and "0.5" not in text.split("samples")[1]  # a reference, not a copy
        again = load_network(tmp_path / saved)
        stepper = Stepper(load_network(tmp_path / "n.toml"))
        stepper.run(7)
        assert again.start.weights == tuple(stepper.values[w] for w in again.names.weights)
        assert again.start.biases == tuple(stepper.values[b] for b in again.names.biases)
        assert (again.samples, again.test_samples) == (stepper.net.samples, stepper.net.test_samples)
        assert (again.optimizer, again.regularization, again.batch) == ("adam", "l1", 2)


def test_save_network_refusals_are_one_line(tmp_path, capsys):
    status, _, err = run_cli(capsys, "train", "--preset", "xor", "--epochs", "2", "--lr", "0.1", "0.2",
                             "--save-network", str(tmp_path / "x.toml"))
    assert (status, err) == (2, "backprop-tui: --save-network takes one learning rate: it saves the network trained at it\n")
    status, _, err = run_cli(capsys, "train", "--preset", "xor", "--epochs", "2", "--save-network", str(tmp_path / "no" / "x.toml"))
    assert status == 2 and err.count("\n") == 1 and not (tmp_path / "no").exists()
    write_network(tmp_path / "n.toml", activations=("identity", "identity"), loss="half_sse", lr=1e200)
    status, _, err = run_cli(capsys, "train", "--config", str(tmp_path / "n.toml"), "--epochs", "5",
                             "--save-network", str(tmp_path / "x.toml"))
    assert status == 2 and "numbers must be finite, got nan (the training diverged)" in err and not (tmp_path / "x.toml").exists()


def test_explain_names_every_new_operation(tmp_path, capsys):
    write_network(tmp_path / "n.json", regularization="l1", regularization_rate=0.01, optimizer="adam", batch=0)
    status, out, _ = run_cli(capsys, "explain", "--config", str(tmp_path / "n.json"), "--format", "json")
    import json

    steps = json.loads(out)["steps"]
    symbols = [s["symbol"] for s in steps]
    for symbol in ("E_reg", "dE_reg/dw1", "dE/dw1", "t", "m_w1", "v_w1", "mhat_w1", "vhat_w1", "w1"):
        assert symbol in symbols
    first = steps[symbols.index("mhat_w1")]
    assert first["formula"] == "mhat_w1 = m_w1 / (1 − β1^t)" and first["why"]
    assert first["substituted"].startswith("mhat_w1 = ")


@pytest.mark.parametrize("optimizer,regularization,broken", [("adam", "l2", "m_w1"), ("momentum", "l1", "dE_reg/dw2"),
                                                             ("sgd", "l2", "E_reg")])
def test_check_reads_a_sheet_of_the_new_columns(tmp_path, capsys, optimizer, regularization, broken):
    """`train --csv` written back as a student's sheet checks clean; a wrong optimizer state, penalty term or
    penalty is found where it starts."""
    import csv

    write_network(tmp_path / "n.toml", regularization=regularization, regularization_rate=0.03, optimizer=optimizer,
                  batch=0)
    config = str(tmp_path / "n.toml")
    assert run_cli(capsys, "train", "--config", config, "--epochs", "4", "--csv", str(tmp_path / "s.csv"))[0] == 0
    status, out, _ = run_cli(capsys, "check", str(tmp_path / "s.csv"), "--config", config)
    assert status == 0, out
    rows = list(csv.reader((tmp_path / "s.csv").open()))
    at = rows[0].index(broken)
    rows[3][at] = repr(float(rows[3][at]) * 1.5 + 0.01)
    with (tmp_path / "bad.csv").open("w", newline="") as stream:
        csv.writer(stream).writerows(rows)
    status, out, _ = run_cli(capsys, "check", str(tmp_path / "bad.csv"), "--config", config, "--format", "json")
    import json

    report = json.loads(out)
    assert status == 1
    wrong = [cell for cell in report["mismatches"] if cell["starts_here"]]
    assert [(cell["symbol"], cell["epoch"]) for cell in wrong] == [(broken, 3)]


def test_editing_the_constants_and_not_the_state():
    stepper = Stepper(training_network(2, "adam", "l2"))
    stepper.set_value("β1", 0.5)
    assert stepper.values["β1"] == 0.5
    with pytest.raises(ValueError, match="β2 must be at least 0 and below 1"):
        stepper.set_value("β2", 1.0)
    with pytest.raises(ValueError, match="ε must be positive"):
        stepper.set_value("ε", 0.0)
    with pytest.raises(ValueError, match="λ must be at least 0"):
        stepper.set_value("λ", -0.1)
    with pytest.raises(KeyError, match="the optimizer's state"):
        stepper.set_value("m_w1", 1.0)
    stepper.run(3)
    assert stepper.history.row(2)[stepper.history.columns.index("β1")] == 0.5  # the edit is recorded with the step


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_run_on_numpys_path_keeps_the_state_in_its_history(optimizer):
    """`r` and `train` on a network large enough for numpy: the history's checkpoints hold the optimizer's
    state, so any row is re-derived, and the run agrees with the compiled loop to 1e-12."""
    from tui_backprop.training import bulk

    r = random.Random(5)
    sizes = (10, 10, 10)
    net = Network(sizes=sizes, activations=("tanh", "sigmoid"), bias="neuron",
                  start=Parameters(random_weights(200, 5, 0.3), random_weights(20, 6, 0.1), lr=0.01),
                  samples=tuple(Sample(tuple(r.uniform(-1, 1) for _ in range(10)), tuple(r.uniform(0, 1) for _ in range(10)))
                                for _ in range(3)), optimizer=optimizer, regularization="l2",
                  regularization_rate=0.001)
    assert bulk.uses_numpy(Stepper(net).program)
    fast, compiled = Stepper(net, trainer=bulk.TRAINER), Stepper(net)
    fast.run(150), compiled.run(150)
    for k in fast.program.carried:
        assert _relative(fast.values[k], compiled.values[k]) <= 1e-12 or abs(fast.values[k] - compiled.values[k]) < 1e-15, k
    columns = fast.history.columns
    for step in (1, 70, 130):
        row = fast.history.row(step)
        assert row[columns.index("w1")] == fast.history.start_env(step)["w1"]
        assert _relative(row[columns.index(fast.program.carried[-1])], compiled.history.row(step)[columns.index(fast.program.carried[-1])]) <= 1e-9


def test_a_saved_network_with_a_name_the_loader_refuses_is_written_as_one_it_reads(tmp_path):
    from tui_backprop.core.loader import load_network, network_text

    net = training_network(0, "sgd", "none").with_changes(name="a\x00b\n../c")
    (tmp_path / "n.toml").write_text(network_text(net, tmp_path / "n.toml"))
    assert load_network(tmp_path / "n.toml").name == "a b ../c"


@pytest.mark.parametrize("optimizer,regularization", [("sgd", "l2"), ("momentum", "l1"), ("adam", "none")])
def test_check_names_a_wrong_learning_rate_under_an_optimizer(tmp_path, capsys, optimizer, regularization):
    """A sheet worked with another learning rate: its first updated weights are named as that slip, whatever
    the update multiplies lr by (the whole gradient, the velocity, Adam's m̂/(√v̂ + ε))."""
    import csv
    import json

    net = write_network(tmp_path / "n.toml", regularization=regularization, regularization_rate=0.03,
                        optimizer=optimizer, batch=0, lr=0.1)
    assert run_cli(capsys, "train", "--config", str(tmp_path / "n.toml"), "--epochs", "3", "--lr", "0.3",
                   "--csv", str(tmp_path / "s.csv"))[0] == 0
    rows = list(csv.reader((tmp_path / "s.csv").open()))
    for row in rows[1:]:
        row[rows[0].index("lr")] = repr(net.start.lr)  # the sheet says 0.1, and steps with 0.3
    with (tmp_path / "bad.csv").open("w", newline="") as stream:
        csv.writer(stream).writerows(rows)
    status, out, _ = run_cli(capsys, "check", str(tmp_path / "bad.csv"), "--config", str(tmp_path / "n.toml"),
                             "--format", "json")
    starts = [cell for cell in json.loads(out)["mismatches"] if cell["starts_here"]]
    assert status == 1 and {cell["epoch"] for cell in starts} == {2, 3}  # each update steps with 0.3 anew
    assert {cell["slip"]["name"] for cell in starts} == {"wrong learning rate"}
    assert starts[0]["slip"]["words"] == "a learning rate of 0.3 where lr is 0.1"
