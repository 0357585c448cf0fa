"""The engine at every size the file format allows: built on demand, found by name, trained by numpy
where numpy wins — and still the same numbers (issue 9, part 1)."""

from __future__ import annotations

import math
import random

import pytest

from tui_backprop.core import Network, Parameters, Sample, Stepper, build_program
from tui_backprop.core.presets import random_weights
from tui_backprop.training import bulk
from tui_backprop.training.bulk_numpy import NumpyEpochs


def random_network(seed: int, max_size: int = 5, max_samples: int = 4) -> Network:
    r = random.Random(seed)
    depth = r.randint(1, 3)
    sizes = tuple(r.randint(1, max_size) for _ in range(depth + 1))
    loss = r.choice(["half_sse", "mse", "bce", "cce"])
    activations = [r.choice(["sigmoid", "tanh", "relu", "identity"]) for _ in range(depth)]
    if loss == "cce":
        activations[-1] = "softmax"
    if loss == "bce":
        activations[-1] = "sigmoid"
    bias = r.choice(["none", "shared", "neuron"])
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    biases = {"none": 0, "shared": depth, "neuron": sum(sizes[1:])}[bias]
    samples = tuple(Sample(tuple(r.uniform(-1, 1) for _ in range(sizes[0])), tuple(r.uniform(0, 1) for _ in range(sizes[-1])))
                    for _ in range(r.randint(1, max_samples)))
    return Network(sizes=sizes, activations=tuple(activations), loss=loss, bias=bias, train_bias=r.random() < 0.7,
                   start=Parameters(random_weights(weights, seed, 0.8), random_weights(biases, seed + 1, 0.5),
                                    lr=r.uniform(0.05, 1.0)), samples=samples, name=f"random-{seed}")


def wide_network(sizes: tuple[int, ...], samples: int) -> Network:
    r = random.Random(7)
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    data = tuple(Sample(tuple(r.uniform(0, 1) for _ in range(sizes[0])), tuple(r.uniform(0, 1) for _ in range(sizes[-1])))
                 for _ in range(samples))
    return Network(sizes=sizes, activations=("sigmoid",) * (len(sizes) - 1), start=Parameters(random_weights(weights, 3, 0.1)),
                   samples=data, name="wide")


@pytest.mark.parametrize("seed", range(60))
def test_every_quantity_is_found_by_its_name(seed):
    program = build_program(random_network(seed))
    for n, q in enumerate(program.quantities):
        if q.phase == "update":
            assert program.update_position(q.param) == n
            assert q.symbol not in program.index  # a parameter is free: the epoch's index leaves updates out
        else:
            assert program.index[q.symbol] == n
            assert program.position(q.symbol) == n
    for junk in ("w0", "w999999", "h9_9", "a_q1", "E0", "dE_total/dx", "da_h1/dh2", "E_total[1]", "h1[0]", "", "[1]"):
        assert program.index.get(junk) is None


def test_quantities_come_the_same_whether_built_once_or_again():
    """The program keeps only recent segments; a quantity built again is the same quantity."""
    program = build_program(wide_network((20, 20, 20), 3))
    first = [(q.symbol, q.formula, q.why, q.reads) for q in program.quantities]
    again = [(q.symbol, q.formula, q.why, q.reads) for q in program.quantities]
    assert first == again and len(first) == len(program.quantities)


def test_set_up_does_not_build_the_epoch():
    """A 100-100-100 network with 16 samples has about 370,000 quantities; set-up builds none of them."""
    program = build_program(wide_network((100, 100, 100), 16))
    weights = 100 * 100 * 2
    per_sample = (2 * 100 * 2 + 100) + (2 * 100 * 2 + weights)  # forward (sums, outputs, errors), backward
    assert len(program.quantities) == 16 * per_sample + 1 + weights + weights  # E_total, sample sums, updates
    assert len(program.columns) == 1 + weights + 16 * 500 + 1 + weights
    assert sum(len(program.segment_quantities(n)) for n in range(3)) == 6  # built only when asked for


def test_a_wide_network_steps_to_the_same_bits_as_its_fast_path():
    net = wide_network((30, 30, 30), 3)
    stepper = Stepper(net)
    stepper.finish_epoch()
    env, row = stepper.program.run(net.start_env(), 1, "row")
    assert list(row) == stepper.history.exact_rows[1]
    assert all(stepper.values[p] == env[p] for p in stepper.program.parameters)


def test_a_long_sum_is_shortened_on_screen_but_not_in_the_formula():
    program = build_program(wide_network((30, 4, 2), 1))
    q = program.quantities[program.index["h1"]]
    assert q.formula.count("+") == 29
    short = q.shortened(8)
    assert short.startswith("h1 = w1·i1 + w2·i2") and "…(22 more)…" in short and short.endswith("+ w30·i30")
    values = {symbol: 0.5 for symbol in q.reads}
    assert q.substituted(values, 3, 8).count("0.5·0.5") == 8


def relative_gap(x: float, y: float) -> float:
    if x == y or (math.isnan(x) and math.isnan(y)):
        return 0.0
    return abs(x - y) / max(abs(x), abs(y))


@pytest.mark.parametrize("seed", range(200))
def test_numpy_bulk_training_agrees_with_the_core(seed):
    """numpy adds each sum in another order: agreement to 1e-12 relative, every record of three epochs."""
    net = random_network(seed)
    program = build_program(net)
    env, core = program.run(net.start_env(), 3, "history")
    numpy_env, by_numpy = NumpyEpochs(program, net.start_env()).run(3, "history")
    assert len(core) == len(by_numpy)
    assert max(map(relative_gap, core, by_numpy)) <= 1e-12
    assert max(relative_gap(env[p], numpy_env[p]) for p in program.parameters) <= 1e-12


def test_bulk_training_picks_numpy_only_for_large_networks():
    small, large = build_program(wide_network((2, 2, 2), 1)), build_program(wide_network((20, 20, 20), 2))
    assert not bulk.uses_numpy(small) and bulk.uses_numpy(large)
    # Below the threshold it is the core's own fast path, to the bit.
    assert bulk.train(small, small.net.start_env(), 5, "history")[1] == small.run(small.net.start_env(), 5, "history")[1]
    _, by_numpy = bulk.train(large, large.net.start_env(), 5, "loss")
    _, core = large.run(large.net.start_env(), 5, "loss")
    assert max(map(relative_gap, core, by_numpy)) <= 1e-12


def test_a_run_on_a_large_network_goes_through_numpy_and_ends_on_numpys_values():
    """One run, one trainer: numpy trains every epoch of it, and the last epoch's values on screen are
    the ones numpy computed (issue 22), within rounding of the core's trace of that epoch."""
    net = wide_network((20, 20, 20), 2)
    stepper, reference = Stepper(net, trainer=bulk.TRAINER), Stepper(net)
    program = stepper.program
    stepper.run(10)
    reference.run(10)
    assert len(stepper.history) == 10 and stepper.epoch_done
    assert max(map(relative_gap, stepper.history.losses(), reference.history.losses())) <= 1e-12
    env, losses = NumpyEpochs(program, net.start_env()).run(10, "loss")
    assert stepper.history.losses().tobytes() == losses.tobytes()
    assert stepper.values["E_total"] == losses[-1] and stepper.last.symbol == program.parameters[-1]
    assert all(stepper.values[p] == env[p] for p in program.parameters)
    traced = Stepper(net)
    traced.run(9)
    for _ in traced.steps(1):
        pass
    scale = max(abs(v) for v in traced.values.computed)
    assert max(abs(a - b) for a, b in zip(stepper.values.computed, traced.values.computed)) <= 1e-12 * scale
    assert stepper.history.row(10) == NumpyEpochs(program, stepper.history.start_env(10)).run(1, "row")[1]


def saturated_network() -> Network:
    """One sigmoid output driven to exactly 1.0 in floating point, while its target is 0."""
    return Network(sizes=(1, 1), activations=("sigmoid",), loss="bce", start=Parameters((60.0,)),
                   samples=(Sample((1.0,), (0.0,)),), name="saturated")


def test_a_clamped_logarithm_is_said_so_in_the_trace():
    stepper = Stepper(saturated_network())
    steps = {op.symbol: op for op in stepper.trace(1)}
    assert steps["a_o1"].value == 1.0  # saturated: 1 − a_o1 is exactly 0, and ln(0) would be −∞
    (error_note,) = steps["E1"].clamped
    assert error_note.startswith("ln(1 − a_o1): 1 − a_o1 is 0") and "bound, not exact" in error_note
    assert steps["dE_total/da_o1"].clamped  # the slope divides by a·(1 − a), clamped the same way
    assert not steps["o1"].clamped and not steps["a_o1"].clamped
    assert steps["E1"].as_dict()["clamped"] == [error_note]
    assert "clamped" not in steps["o1"].as_dict()


def test_explain_says_where_a_value_was_clamped(tmp_path):
    import json
    import subprocess
    import sys

    from tui_backprop.core.loader import network_to_dict

    path = tmp_path / "saturated.json"
    path.write_text(json.dumps(network_to_dict(saturated_network())))
    done = subprocess.run([sys.executable, "-m", "tui_backprop", "explain", "--config", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("clamped: ") == 2
    steps = json.loads(subprocess.run([sys.executable, "-m", "tui_backprop", "explain", "--config", str(path),
                                       "--format", "json"], capture_output=True, text=True, timeout=60).stdout)["steps"]
    assert [step["symbol"] for step in steps if "clamped" in step] == ["E1", "dE_total/da_o1"]


def test_the_operation_panel_says_where_a_value_was_clamped():
    from tests.app_driver import drive, press, widget_text
    from tui_backprop.app.widgets.operation import OperationPanel

    async def body(app, pilot):
        await press(pilot, "n", "n")
        assert "clamped" not in widget_text(app, app.query_one(OperationPanel))
        await press(pilot, "n")  # E1 = −(t1·ln(a_o1) + (1 − t1)·ln(1 − a_o1)) with a_o1 = 1
        shown = widget_text(app, app.query_one(OperationPanel))
        assert "clamped: ln(1 − a_o1): 1 − a_o1 is 0, so ln takes 1e-12 instead" in shown

    drive(body, network=saturated_network())


@pytest.mark.parametrize("seed", range(40))
def test_explain_as_python_runs_an_epoch_the_core_agrees_with(seed):
    """`explain --format python` is the epoch as plain Python: run, it gives the core's numbers."""
    from tui_backprop.core.compiled import readable_source

    net = random_network(seed)
    program = build_program(net)
    namespace: dict = {}
    exec(readable_source(program), namespace)
    samples = [tuple(s.inputs) + tuple(s.targets) for s in net.samples]
    loss, parameters = namespace["epoch"](dict(net.start_env()), samples)
    env, core = program.run(net.start_env(), 1, "loss")
    assert relative_gap(loss, core[0]) <= 1e-12
    assert max(relative_gap(parameters[p], env[p]) for p in program.parameters) <= 1e-12


def test_explain_as_python_uses_the_seeds_names():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "tui_backprop", "explain", "--preset", "mazur", "--format", "python"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "    h1 = w1 * i1 + w2 * i2 + b1\n" in done.stdout
    assert "    dE_total_dw5 = dE_total_da_o1 * da_o1_do1 * a_h1\n" in done.stdout
    ran = subprocess.run([sys.executable, "-c", done.stdout], capture_output=True, text=True, timeout=60)
    net = __import__("tui_backprop.core", fromlist=["PRESETS"]).PRESETS["mazur"]()
    env, core = build_program(net).run(net.start_env(), 1, "loss")
    loss = float(ran.stdout.split(",")[0].strip("("))
    assert relative_gap(loss, core[0]) <= 1e-12


def test_predict_works_for_a_network_of_several_samples():
    from tui_backprop.core import PRESETS

    net = PRESETS["xor"]()
    program = build_program(net)
    stepper = Stepper(net)
    stepper.finish_phase()  # the forward pass: every sample's outputs, by the trace
    for s, sample in enumerate(net.samples):
        assert program.predict(stepper.values, sample.inputs) == [stepper.values[f"a_o1[{s + 1}]"]]


def test_a_large_networks_history_keeps_checkpoints_re_derived_by_numpy_itself():
    """numpy trained the run, so numpy re-derives the epochs between checkpoints: the same bits, and the
    history keeps the parameters only at checkpoints, as it does for a small network."""
    from tui_backprop.core.history import CHECKPOINT_EVERY

    net = wide_network((20, 20, 20), 2)
    stepper = Stepper(net, trainer=bulk.TRAINER)
    epochs = 3 * CHECKPOINT_EVERY
    stepper.run(epochs)
    program = stepper.program
    _, records = NumpyEpochs(program, net.start_env()).run(epochs - 1, "history")
    stride = len(program.parameters) + 2
    for epoch in (2, CHECKPOINT_EVERY + 5, epochs - 1):
        start = stepper.history.start_env(epoch)
        assert [start["lr"], *(start[p] for p in program.parameters)] == list(records[(epoch - 1) * stride: epoch * stride - 1])
    every_epoch = (epochs - 1) * (stride - 1) * 8
    assert stepper.history.nbytes < every_epoch / 10


@pytest.mark.parametrize("seed", range(40))
def test_an_epochs_operations_are_counted_from_the_shape(seed):
    net = random_network(seed)
    assert net.epoch_operations() == len(build_program(net).quantities)


def test_a_network_whose_epoch_is_too_long_to_step_is_refused_in_one_line(tmp_path):
    import json
    import subprocess
    import sys

    from tui_backprop.core.network import MAX_EPOCH_OPERATIONS, NetworkError

    per_sample = wide_network((100, 100, 100), 3).epoch_operations() - wide_network((100, 100, 100), 2).epoch_operations()
    too_many = MAX_EPOCH_OPERATIONS // per_sample + 1
    with pytest.raises(NetworkError, match="operations; at most"):
        wide_network((100, 100, 100), too_many)
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"layers": [100, 100, 100], "samples": [
        {"inputs": [0.5] * 100, "targets": [0.5] * 100}] * too_many}))
    done = subprocess.run([sys.executable, "-m", "tui_backprop", "train", "--config", str(path), "--epochs", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "at most" in done.stderr
