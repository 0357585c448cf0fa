"""Where each symbol of a network sits, worked out from its names alone.

The diagram and the matrix view need to know which neuron, weight or bias a
symbol belongs to, and where in the epoch a parameter is updated.  An epoch of a
100-100-100 network with 16 samples has about 370,000 quantities, so none of this
walks them: every answer comes from the naming scheme of `Names` (network.py),
in time that does not grow with the network.
"""

from __future__ import annotations

import re

from ...core import Names, Operation, Program, Stepper

_SUFFIX = re.compile(r"\[(\d+)\]$")
OF_A_PARAMETER = ("dE_reg/d", "dE/d", "mhat_", "vhat_", "m_", "v_")
_WEIGHT = re.compile(r"w(\d+)$")


class Structure:
    """Places of neurons and parameters, from one program's names."""

    def __init__(self, program: Program):
        self.program = program
        self.net = net = program.net
        self.names: Names = net.names
        # The first weight number of each layer (index 0 unused), for w-number -> place.
        self.first_weight = [0, 1]
        for layer in range(1, net.depth + 1):
            self.first_weight.append(self.first_weight[-1] + net.sizes[layer] * net.sizes[layer - 1])
        self.biases: dict[str, tuple[int, int | None]] = {}
        for layer in range(1, net.depth + 1):
            for j, bias in enumerate(self.names.bias_at[layer]):
                if bias:
                    self.biases[bias] = (layer, j if net.bias == "neuron" else None)
        self.neurons = {self.names.neuron(layer, j): (layer, j)
                        for layer in range(net.depth + 1) for j in range(net.sizes[layer])}
        # The update phase comes last: Adam's step count, then each trained parameter's quantities in the
        # order of `trained`, its update the last of them (program.py).
        self.trained = {param: n for n, param in enumerate(program.trained)}
        self.per_parameter = {"sgd": 1, "momentum": 2, "adam": 5}[net.optimizer]
        self.update_start = len(program.quantities) - self.per_parameter * len(program.trained)

    # -- parameters -------------------------------------------------------
    def weight_place(self, param: str) -> tuple[int, int, int] | None:
        """(layer, j, i) of a weight: from neuron i of layer − 1 into neuron j of layer."""
        match = _WEIGHT.match(param)
        if not match:
            return None
        number = int(match.group(1))
        for layer in range(1, self.net.depth + 1):
            if number < self.first_weight[layer + 1]:
                j, i = divmod(number - self.first_weight[layer], self.net.sizes[layer - 1])
                return layer, j, i
        return None

    def param_place(self, param: str) -> tuple[int, int | None, int | None] | None:
        """(layer, neuron or None for a shared bias, source or None for a bias) of any parameter."""
        weight = self.weight_place(param)
        if weight:
            return weight
        if param in self.biases:
            layer, j = self.biases[param]
            return layer, j, None
        return None

    def is_parameter(self, symbol: str) -> bool:
        return self.param_place(symbol) is not None

    def update_position(self, param: str) -> int | None:
        n = self.trained.get(param)
        return None if n is None else self.update_start + self.per_parameter * (n + 1) - 1

    def updated(self, stepper: Stepper, param: str) -> Operation | None:
        """The update of `param` in the stepper's epoch, once it has run."""
        n = self.update_position(param)
        return stepper.done[n] if n is not None and stepper.position > n else None

    # -- any symbol -------------------------------------------------------
    def element(self, symbol: str) -> str | None:
        """The drawn element a symbol belongs to: a neuron (i1, h1, o1), a parameter, E_total or lr."""
        if symbol in ("lr", "E_total"):
            return symbol
        bare = _SUFFIX.sub("", symbol)
        for prefix in OF_A_PARAMETER:  # the penalty's terms and the optimizer's state belong to their parameter
            if bare.startswith(prefix) and self.is_parameter(bare[len(prefix):]):
                return bare[len(prefix):]
        if bare.startswith("dE_total/d"):  # a gradient, or a neuron's slope dE_total/da_h1, dE_total/do1
            bare = bare[len("dE_total/d"):]
        elif bare.startswith("da_"):  # da_h1/dh1
            bare = bare[len("da_"):].partition("/")[0]
        if self.is_parameter(bare):
            return bare
        bare = bare.removeprefix("a_")
        if bare in self.neurons:
            return bare
        if bare[:1] in ("t", "E") and bare[1:].isdigit():  # targets and errors belong to their output
            k = int(bare[1:]) - 1
            if 0 <= k < self.net.sizes[-1]:
                return self.names.neuron(self.net.depth, k)
        return None

    def is_neuron_slope(self, symbol: str) -> bool:
        """A backward quantity of a neuron (dE_total/da_h1, da_h1/dh1, softmax's dE_total/do1):
        it has no label of its own in the drawing."""
        return symbol.startswith("d") and self.element(symbol) in self.neurons
