"""The live numbers' one home (issue 19, point 2): the stepper's parameters, samples and network as they
stand, edits included, from one moment only; the network itself keeps only where they started."""

from __future__ import annotations

import pytest

from tui_backprop.core import PRESETS, UPDATE, Network, Parameters, Sample, Stepper


def test_at_the_start_it_is_the_network():
    stepper = Stepper(PRESETS["mazur"]())
    assert stepper.parameters == stepper.net.start
    assert stepper.network() == stepper.net
    assert stepper.describe_numbers() == "the network's starting numbers"


def test_edits_of_weights_lr_inputs_and_targets_are_kept():
    stepper = Stepper(PRESETS["xor"]())
    stepper.next()
    for symbol, value in (("w5", 0.42), ("lr", 0.3), ("i1[2]", 0.25), ("t1[3]", 0.75)):
        stepper.set_value(symbol, value)
    assert stepper.parameters.weights[4] == 0.42 and stepper.parameters.lr == 0.3
    rebuilt = Stepper(stepper.network())
    for symbol in ("w5", "lr", "i1[2]", "t1[3]", "w1"):
        assert rebuilt.values[symbol] == stepper.values[symbol]


def test_mid_update_it_is_the_numbers_the_step_computes_with():
    stepper = Stepper(PRESETS["mazur"]())
    start = stepper.net.start
    stepper.finish_phase()
    stepper.finish_phase()
    stepper.next()
    stepper.next()  # two weights updated, the rest not yet
    assert stepper.last.phase == UPDATE and stepper.values["w1"] != start.weights[0]
    assert stepper.parameters == start
    assert stepper.describe_numbers() == "the numbers epoch 1 computes with"


def test_after_the_epoch_it_is_the_updated_numbers():
    stepper = Stepper(PRESETS["mazur"]())
    stepper.finish_epoch()
    names = stepper.net.names
    assert stepper.parameters == Parameters(tuple(stepper.values[w] for w in names.weights),
                                            tuple(stepper.values[b] for b in names.biases), stepper.values["lr"])
    assert stepper.describe_numbers() == "the numbers after epoch 1"
    # and a fresh stepper from it computes what the session's next epoch computes
    fresh = Stepper(stepper.network())
    fresh.finish_epoch()
    stepper.finish_epoch()
    assert fresh.history.losses()[-1] == stepper.history.losses()[-1]


def test_training_never_changes_where_the_network_started():
    """The network holds its starting parameters apart from what it is, and a run leaves them as they were:
    reset goes back to them."""
    net = PRESETS["xor"]()
    stepper = Stepper(net)
    stepper.run(3)
    stepper.set_value("lr", 0.1)
    assert stepper.net.start == net.start and stepper.parameters != net.start
    with pytest.raises(AttributeError):
        stepper.net.weights  # noqa: B018 - the numbers a network holds are its start, and say so
    stepper.reset()
    assert stepper.parameters == net.start


def test_a_network_is_told_its_starting_parameters_apart_from_its_shape():
    net = PRESETS["excel"]()
    moved = net.with_start(lr=0.1)
    assert moved.start == Parameters(net.start.weights, (), 0.1) and moved.sizes == net.sizes
    one = Network(sizes=(1, 1), activations=("identity",), start=Parameters((2.0,)), samples=(Sample((1.0,), (3.0,)),))
    assert one.start_env() == {"w1": 2.0, "lr": 0.5, "i1": 1.0, "t1": 3.0}
