"""The network as it stands in a stepper: the numbers a new run, a sweep or an export starts from.

The stepper owns the numbers: training and the user's edits (w, l) change
`stepper.values`, never `stepper.net`.  Anything that starts afresh from "this
network" must start from these numbers, or the edits are silently dropped.
"""

from __future__ import annotations

from .network import BETA1, BETA2, EPS, MU, RATE, Network, Sample
from .stepper import Stepper


def current_network(stepper: Stepper) -> Network:
    """The stepper's network with its learning rate, parameters, inputs and targets as they stand.

    Which moment's parameters: before the update phase and once the epoch is
    done, the values now (edits included).  In the middle of the update phase
    some parameters hold new values and some old; a network mixing the two was
    never trained, so every parameter this epoch has already updated is taken
    back to its value before that update: the numbers the current epoch
    computes with, which is what an epoch started afresh would compute with too.
    """
    values = dict(stepper.values)
    if not stepper.step_done:
        for parameter in stepper.program.trained:
            update = stepper.updated(parameter)
            if update is not None and update.old is not None:
                values[parameter] = update.old
    names = stepper.net.names
    if stepper.schedule.batched:  # the samples come from the data set, a batch at a time: never edited
        samples = stepper.net.samples
    else:
        samples = tuple(Sample(inputs=tuple(values[s] for s in names.input_symbols(k)),
                               targets=tuple(values[s] for s in names.target_symbols(k)))
                        for k in range(len(stepper.net.samples)))
    return stepper.net.with_changes(
        lr=values["lr"],
        weights=tuple(values[w] for w in names.weights),
        biases=tuple(values[b] for b in names.biases),
        samples=samples,
        # Edited samples are no longer the data set's: a saved network then lists them instead of referring to it.
        source=stepper.net.source if samples == stepper.net.samples else None,
        **hyperparameters(stepper.net, values),
    )


def hyperparameters(net: Network, values: dict[str, float]) -> dict:
    """The penalty's and the optimizer's constants as the values hold them, as a Network's fields."""
    fields = {RATE: "regularization_rate", MU: "momentum", EPS: "eps"}
    changes = {fields[symbol]: values[symbol] for symbol in net.hyperparameters() if symbol in fields}
    if net.optimizer == "adam":
        changes["betas"] = (values[BETA1], values[BETA2])
    return changes


def starting_network(stepper: Stepper) -> Network:
    """The network as it was opened, with the learning rate now on screen: what a student's sheet,
    which starts at epoch 1, is checked against."""
    return stepper.net.with_changes(lr=stepper.values["lr"])


def describe_start(stepper: Stepper) -> str:
    """Which numbers `current_network` holds, in words for the screen."""
    if stepper.step_done:
        return f"the numbers after {stepper.where}"
    if stepper.pristine:
        return "the network's starting numbers"
    return f"the numbers {stepper.where} computes with"
