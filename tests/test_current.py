"""current_network: the network as the stepper holds it, edits included, from one moment only."""

from __future__ import annotations

from tui_backprop.core import PRESETS, UPDATE, Stepper
from tui_backprop.core.current import current_network, describe_start


def parameters(net) -> dict[str, float]:
    return net.parameters()


def test_at_the_start_it_is_the_network():
    stepper = Stepper(PRESETS["mazur"]())
    assert current_network(stepper) == stepper.net
    assert describe_start(stepper) == "the network's starting numbers"


def test_edits_of_weights_lr_inputs_and_targets_are_kept():
    stepper = Stepper(PRESETS["xor"]())
    stepper.next()
    for symbol, value in (("w5", 0.42), ("lr", 0.3), ("i1[2]", 0.25), ("t1[3]", 0.75)):
        stepper.set_value(symbol, value)
    net = current_network(stepper)
    assert net.parameters()["w5"] == 0.42 and net.lr == 0.3
    rebuilt = Stepper(net)
    for symbol in ("w5", "lr", "i1[2]", "t1[3]", "w1"):
        assert rebuilt.values[symbol] == stepper.values[symbol]


def test_mid_update_it_is_the_numbers_the_epoch_computes_with():
    stepper = Stepper(PRESETS["mazur"]())
    start = dict(stepper.values)
    stepper.finish_phase()
    stepper.finish_phase()
    stepper.next()
    stepper.next()  # two weights updated, the rest not yet
    assert stepper.last.phase == UPDATE
    net = current_network(stepper)
    assert net.parameters() == {p: start[p] for p in net.parameters()}
    assert describe_start(stepper) == "the numbers epoch 1 computes with"


def test_after_the_epoch_it_is_the_updated_numbers():
    stepper = Stepper(PRESETS["mazur"]())
    stepper.finish_epoch()
    net = current_network(stepper)
    assert net.parameters() == {p: stepper.values[p] for p in net.parameters()}
    assert describe_start(stepper) == "the numbers after epoch 1"
    # and a fresh stepper from it computes what the session's next epoch computes
    fresh = Stepper(net)
    fresh.finish_epoch()
    stepper.finish_epoch()
    assert fresh.history.losses()[-1] == stepper.history.losses()[-1]
