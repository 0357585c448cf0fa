"""Random networks: gradients against finite differences and numpy, fast path against trace, numerics."""

from __future__ import annotations

import math
from array import array

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tui_backprop.core import PRESETS, UPDATE, Network, Parameters, Sample, Stepper, build_program, gradient_check

import numpy_reference as ref
from budget import examples

HIDDEN = ("sigmoid", "tanh", "relu", "identity")


@st.composite
def networks(draw, weight=st.floats(-2.0, 2.0), value=st.floats(-2.0, 2.0), max_layers=4, max_neurons=4):
    depth = draw(st.integers(1, max_layers))
    sizes = tuple(draw(st.integers(1, max_neurons)) for _ in range(depth + 1))
    loss = draw(st.sampled_from(("half_sse", "mse", "bce", "cce")))
    hidden = tuple(draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1))
    # Cross-entropy needs outputs in (0, 1): softmax for cce, sigmoid for bce.
    out = {"cce": "softmax", "bce": "sigmoid"}.get(loss) or draw(st.sampled_from(HIDDEN))
    bias = draw(st.sampled_from(("none", "shared", "neuron")))
    weight_count = sum(a * b for a, b in zip(sizes, sizes[1:]))
    bias_count = {"none": 0, "shared": depth, "neuron": sum(sizes[1:])}[bias]
    target = st.floats(0.0, 1.0) if loss in ("bce", "cce") else value
    samples = tuple(
        Sample(tuple(draw(value) for _ in range(sizes[0])), tuple(draw(target) for _ in range(sizes[-1])))
        for _ in range(draw(st.integers(1, 3)))
    )
    return Network(sizes=sizes, activations=(*hidden, out), loss=loss, bias=bias, train_bias=draw(st.booleans()),
                   start=Parameters(tuple(draw(weight) for _ in range(weight_count)),
                                    tuple(draw(weight) for _ in range(bias_count)), lr=draw(st.floats(0.01, 2.0))),
                   samples=samples)


def bits(values) -> bytes:
    return array("d", values).tobytes()


def relu_sums_clear_of_the_kink(net: Network, margin: float) -> bool:
    result = ref.epoch(net)
    return all(abs(s).min() > margin for s, act in zip(result.sums, net.activations) if act == "relu")


def clear_of_the_log_clip(net: Network, margin: float) -> bool:
    """The core takes ln of max(a, 1e-12) (by design: a saturated output costs a huge but
    finite amount); the true ln, and so numpy and the derivative, agree only away from it."""
    a = ref.epoch(net).outputs[-1]
    if net.loss == "cce":
        return a.min() > margin
    if net.loss == "bce":
        return a.min() > margin and (1.0 - a).min() > margin
    return True


# -- gradients --------------------------------------------------------------------


@settings(max_examples=examples(100), suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(networks())
def test_gradients_match_finite_differences(net):
    step = 1e-6
    # Central differences straddle a ReLU kink when a sum is within reach of 0, and the slope
    # there is a convention, not a derivative.  A step of 1e-6 in one parameter moves a later
    # sum by at most about 1e-6·8³ (4 neurons, weights and values up to 2, 3 layers on), so
    # sums at least 1e-3 from 0 stay on their side.
    assume(relu_sums_clear_of_the_kink(net, 1e-3))
    # Near saturation a logarithm's third derivative (2/a^3) makes the central difference itself
    # wrong by about h^2/6 times it: with outputs within 1e-5 of 1 that was 2e-5 relative (a bce net,
    # targets 0).  The analytic gradients there are checked against numpy and torch elsewhere.
    assume(clear_of_the_log_clip(net, 1e-3))
    program = build_program(net)
    env = net.start_env()
    loss = program.loss_function(env)
    assume(math.isfinite(loss) and abs(loss) < 1e6)
    checks = gradient_check(program, env, step)
    assert [c.parameter for c in checks] == program.trained
    # Rounding in (E(p+h) − E(p−h)) / 2h is about 1e-16·|E| / h = 1e-10·|E|; allow 100 times that,
    # and otherwise agreement to 1e-5 relative.
    noise = 1e-8 * max(1.0, abs(loss))
    for check in checks:
        gap = abs(check.analytic - check.numeric)
        assert gap <= 1e-5 * max(abs(check.analytic), abs(check.numeric)) + noise, check


@settings(max_examples=examples(100))
@given(networks())
def test_every_value_matches_numpy(net):
    stepper = Stepper(net)
    operations = stepper.trace(1)
    result = ref.epoch(net)
    expected = ref.values(net, result)
    assume(all(math.isfinite(v) for v in expected.values()))
    assume(clear_of_the_log_clip(net, 1e-12))
    scale = 1.0 + max(abs(v) for v in expected.values())
    computed = {op.symbol: op.value for op in operations if op.phase != UPDATE}
    assert computed.keys() == expected.keys()
    for symbol, value in computed.items():
        assert math.isclose(value, expected[symbol], rel_tol=1e-9, abs_tol=1e-12 * scale), symbol
    for symbol, value in ref.updated(net, result).items():
        assert math.isclose(stepper.values[symbol], value, rel_tol=1e-9, abs_tol=1e-12 * scale), symbol


# -- fast path against trace -----------------------------------------------------------


def assert_fast_equals_trace(net: Network, epochs: int) -> None:
    program = build_program(net)
    env, rows = program.run(net.start_env(), epochs, "row")
    stepper = Stepper(net)
    stepper.trace(epochs)
    traced = [value for epoch in range(1, epochs + 1) for value in stepper.history.exact_rows[epoch]]
    assert bits(rows) == bits(traced)
    assert bits(env[p] for p in program.parameters) == bits(stepper.values[p] for p in program.parameters)
    _, losses = program.run(net.start_env(), epochs, "loss")
    assert bits(losses) == bits(stepper.history.losses())


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_fast_path_equals_trace_for_1000_epochs(name):
    assert_fast_equals_trace(PRESETS[name](), 1000)


@settings(max_examples=examples(2))  # each example traces 1000 epochs operation by operation
@given(networks(max_layers=3, max_neurons=3))
def test_fast_path_equals_trace_for_random_nets(net):
    assert_fast_equals_trace(net, 1000)


# -- numerics -------------------------------------------------------------------------

EXTREMES = st.sampled_from((1e300, -1e300, 1.7e308, -1.7e308, 1e-300, -1e-300, 5e-324, 0.0, 1e150, -1e150, 710.0, -710.0))


@settings(max_examples=examples(40))
# inf − inf makes a ReLU layer's sum NaN in epoch 2; the ReLU must not turn it back into 0.
@example(Network(sizes=(1, 2, 1, 1), activations=("identity", "relu", "identity"), start=Parameters((1e300, -1e300, 1.0, 1.0, 1.0)),
                 samples=(Sample((1e300,), (0.5,)),)))
@given(networks(weight=st.one_of(EXTREMES, st.floats(-2.0, 2.0)), value=st.one_of(EXTREMES, st.floats(-2.0, 2.0))))
def test_extreme_weights_never_raise_and_nan_stays_visible(net):
    stepper = Stepper(net)
    for op in stepper.trace(3):
        op.substituted(4)
        op.substituted()
    program = build_program(net)
    env, records = program.run(net.start_env(), 50, "history")
    stride = len(program.parameters) + 2
    epochs = [records[k : k + stride] for k in range(0, len(records), stride)]
    # Once a parameter is NaN, training has diverged; that epoch's E_total and every later one must say so.
    for epoch in epochs:
        if any(math.isnan(p) for p in epoch[1:-1]):
            assert math.isnan(epoch[-1])
    for before, after in zip(epochs, epochs[1:]):
        if math.isnan(before[-1]):
            assert math.isnan(after[-1])


@settings(max_examples=examples(25))
@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(1, 5))
def test_a_bias_shared_by_softmax_outputs_has_a_gradient_of_exactly_zero(seed, outputs, samples):
    """Softmax ignores a shift, so a bias shared by every output leaves E_total alone: its gradient is 0,
    not ±1e-17 of rounding, in the trace, the fast path and numpy, and the operation says why."""
    import random

    from tui_backprop.core.presets import random_weights

    r = random.Random(seed)
    sizes = (2, 3, outputs)
    data = [Sample((r.uniform(-1, 1), r.uniform(-1, 1)), tuple(float(k == r.randrange(outputs)) for k in range(outputs)))
            for _ in range(samples)]
    net = Network(sizes=sizes, activations=("tanh", "softmax"), loss="cce", bias="shared", train_bias=True,
                  start=Parameters(random_weights(3 * 2 + outputs * 3, seed, 1.5), (0.1, r.uniform(-1, 1)), 0.5),
                  samples=tuple(data))
    stepper = Stepper(net)
    operations = stepper.trace(2)
    gradients = [op for op in operations if op.symbol.startswith("dE_total/db2")]
    assert gradients and all(op.value == 0.0 for op in gradients)
    said = [op for op in gradients if op.quantity.kind == "gradient"]  # each sample's (a sum adds them up)
    assert said and all("softmax ignores a shift" in op.why and "exactly 0" in op.why for op in said)
    assert all(op.value == net.start.biases[1] for op in operations if op.symbol == "b2")
    # the fast path and numpy leave the shared output bias where it was, to the bit
    from tui_backprop.training.bulk_numpy import NumpyEpochs

    for variant in (net, net.with_changes(optimizer="adam")):  # numpy's plain update, and its optimizers'
        program = build_program(variant)
        for run in (program.run, lambda env, epochs, record: NumpyEpochs(program, env).run(epochs, record)):
            env, _ = run(variant.start_env(), 50, "loss")
            assert env["b2"] == net.start.biases[1]
