"""The planner (program.py), the trace and the fast path held to the eager reference (core/reference.py):
the same quantities in the same order, with the same symbols, formulas and whys, and the same values bit
for bit, on random networks of every mode, batches included (issue 19, point 1)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_core_properties import networks
from test_engine_scale import random_network
from test_layers import imported_modules

from tui_backprop.core import PHASES, UPDATE, Kind, Stepper, build_program, reference
from tui_backprop.core.program import Record

from budget import examples

FIELDS = ("symbol", "phase", "kind", "formula", "why", "layer", "neuron", "sample", "param")


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


def first_difference(expected, planned) -> str | None:
    """Where two lists of quantities part: a field of one quantity, or their lengths; None if they agree."""
    for n, (mine, theirs) in enumerate(zip(expected, planned)):
        for field in FIELDS:
            if getattr(mine, field) != getattr(theirs, field):
                return f"quantity {n} ({mine.symbol}): {field} {getattr(mine, field)!r} != {getattr(theirs, field)!r}"
    if len(expected) != len(planned):
        return f"{len(expected)} quantities != {len(planned)}"
    return None


def assert_planned_as_the_reference(net) -> None:
    """The planner's quantities are reference.epoch's; each is found where the reference has it; and the
    trace, the compiled row and the compiled history give reference.work's values, bit for bit."""
    expected, program = reference.epoch(net), build_program(net)
    assert first_difference(expected, list(program.quantities)) is None, first_difference(expected, list(program.quantities))
    for n, q in enumerate(expected):  # a parameter is found by its update; an optimizer's state is not looked up
        if q.kind == Kind.UPDATE or q.phase != UPDATE:
            assert (program.update_position(q.param) if q.phase == UPDATE else program.position(q.symbol)) == n
    for phase in PHASES:
        at = [n for n, q in enumerate(expected) if q.phase == phase]
        assert program.phase_bounds(phase) == (at[0], at[-1] + 1)
    start = net.start_env()
    worked = reference.work(net, start)
    stepper = Stepper(net, program)
    operations = stepper.trace(1)
    assert [op.symbol for op in operations] == [q.symbol for q in expected]
    assert [bits(op.value) for op in operations] == [bits(worked[q.symbol]) for q in expected]
    assert all(bits(stepper.values[p]) == bits(worked[p]) for p in program.carried)
    env, row = program.run(start, 1, Record.ROW)
    before_update = {**worked, **{p: start[p] for p in program.carried}}
    assert [bits(v) for v in row] == [bits(before_update[column]) for column in program.columns]
    assert all(bits(env[p]) == bits(worked[p]) for p in program.carried)
    _, history = program.run(start, 1, Record.HISTORY)
    assert [bits(v) for v in history] == [bits(start[s]) for s in program.carried] + [bits(worked["E_total"])]


TRAINING = st.tuples(st.sampled_from(("none", "l1", "l2")), st.sampled_from(("sgd", "momentum", "adam")))


def training(net, how):
    """`net` with a penalty on its weights and an optimizer (the optimizers' own constants as they come)."""
    regularization, optimizer = how
    return net.with_changes(regularization=regularization, optimizer=optimizer,
                            regularization_rate=0.01 if regularization != "none" else 0.0)


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.too_slow])
@given(networks(), TRAINING)
def test_the_planner_trace_and_fast_path_are_the_reference(net, how):
    assert_planned_as_the_reference(training(net, how))


@pytest.mark.parametrize("seed", range(8))
def test_larger_networks_with_several_samples_are_the_reference(seed):
    assert_planned_as_the_reference(random_network(100 + seed, max_size=7, max_samples=5))


@settings(max_examples=examples(15), suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.integers(1, 3), st.integers(0, 5), TRAINING)
def test_each_batch_is_the_reference_epoch_of_its_samples(net, batch, seed, how):
    """With batches an update step is reference.epoch over the batch's samples, in the batch's order, from
    the parameters (and optimizer state) the step before left: two epochs stepped by hand, and on the fast path."""
    net = training(net, how).with_changes(samples=net.samples * 2, batch=batch, shuffle_seed=seed)
    stepper = Stepper(net)
    schedule = stepper.schedule
    params = {key: stepper.values[key] for key in stepper.program.carried}
    steps = 2 * schedule.steps_per_epoch
    for step in range(1, steps + 1):
        members = net.with_changes(samples=tuple(net.samples[k] for k in schedule.members(step)), batch=0)
        expected, program = reference.epoch(members), schedule.program(step)
        assert first_difference(expected, list(program.quantities)) is None
        worked = reference.work(members, {**members.start_env(), **params})
        stepper.finish_step()
        assert all(bits(stepper.values[q.symbol]) == bits(worked[q.symbol]) for q in expected if q.phase != UPDATE)
        params = {key: worked[key] for key in params}
        assert all(bits(stepper.values[key]) == bits(params[key]) for key in params)
    env, _ = schedule.train(stepper.trainer, net.start_env(), 1, steps, Record.HISTORY)
    assert all(bits(env[key]) == bits(params[key]) for key in params)


def test_the_comparison_finds_a_planner_that_strays():
    """The checks above can fail: two quantities swapped, or one left out, is found and named."""
    net = random_network(3)
    expected = reference.epoch(net)
    swapped = [expected[1], expected[0], *expected[2:]]
    assert first_difference(expected, swapped).startswith("quantity 0 (")
    assert first_difference(expected, expected[:-1]) == f"{len(expected)} quantities != {len(expected) - 1}"


def test_the_reference_is_the_maths_and_nothing_else():
    """reference.py is where reading starts (issue 19, point 1): about 200 lines, built from maths.py's entries
    and why.py's sentences over a network's names and the vocabulary of a quantity; no planner, no cache, no
    generated code (the planner, program.py, reads it, never the other way round)."""
    path = Path(reference.__file__)
    read = {name.split(".")[2] for name in imported_modules(path) if name.startswith("tui_backprop.core.")}
    assert read <= {"maths", "why", "expr", "network", "quantity"}
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 210


@pytest.mark.parametrize("seed", range(12))
def test_each_weights_gradient_says_its_own_weight_and_source(seed):
    """A neuron's weights share its delta and the middle of their sentence, built once for all of them
    (explain builds every one): each weight's gradient still reads its own weight and what it carries in."""
    net = random_network(seed)
    names = net.names
    for q in reference.epoch(net):
        if q.kind != Kind.GRADIENT or q.param not in names.weights:
            continue
        neuron = names.neuron(q.layer, q.neuron)
        source = names.output(q.layer - 1, names.weight_at[q.layer][q.neuron].index(q.param), q.sample)
        assert q.reads[-1] == source
        assert q.symbol == f"dE_total/d{q.param}{names.suffix(q.sample)}"
        assert q.why.startswith(f"{q.param} reaches E_total ") and q.why.endswith(f"; d{neuron}/d{q.param} = {source}.")
        if q.layer < net.depth:
            assert f"through {neuron} and then every route out of a_{neuron}, already summed in dE_total/da_{neuron}" in q.why
        elif net.loss != "cce":
            assert f" reaches E_total only through {neuron}" in q.why
