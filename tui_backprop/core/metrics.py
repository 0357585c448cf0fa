"""What a run's rows say beyond E_total: accuracy, and how large each layer's gradients are.

Both are read from a row of `train --csv` (Record.ROW: a program's columns), whichever path made it.
Accuracy (for targets that are classes, maths.py's class_rule) counts the samples of the row's own forward
pass, as its E_total does: every training sample without batches, the step's batch with them; on other
samples (held out) it takes a forward pass with the row's parameters.  A layer's mean |dE_total/dw| is
over the weights into that layer, from the data's gradient (without a penalty's term), the number that
shrinks layer by layer back through saturated sigmoids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .maths import THRESHOLD, class_rule, correct_count, predicted_class, target_class
from .network import Network
from .program import Program


class Metrics:
    """Where a program's row holds each sample's outputs and each layer's weight gradients."""

    def __init__(self, program: Program, data: Network | None = None):
        """`program`'s rows; `data`, the network whose samples say whether the targets are classes (by default
        the program's own: with batches, pass the whole network, as a batch's program holds only its samples)."""
        net = self.net = program.net
        self.program = program
        data = data or net
        # Held-out targets count too: a class the training rows lack is still a class.
        self.rule = class_rule(net.sizes[-1], [s.targets for s in (*data.samples, *data.test_samples)])
        names, depth = net.names, net.depth
        if self.rule:
            place = {symbol: n for n, symbol in enumerate(program.columns)}
            self.output_places = [[place[names.output(depth, k, s)] for k in range(net.sizes[-1])]
                                  for s in range(len(net.samples))]
        # The trained parameters' gradient columns come first, weights first in their layers' order.
        first = len(program.carried) + len(program.forward_symbols)
        self.layer_spans = []
        for fan_in, fan_out in zip(net.sizes, net.sizes[1:]):
            self.layer_spans.append((first, first + fan_in * fan_out))
            first += fan_in * fan_out

    @property
    def classes(self) -> bool:
        """Whether the targets are classes: only then is there an accuracy."""
        return self.rule is not None

    def correct(self, row: Sequence[float], targets: Sequence[Sequence[float]]) -> int:
        """How many of the row's samples its outputs classify right; `targets` are theirs, in the row's order
        (a smaller last batch fills the first places)."""
        outputs = [[row[n] for n in places] for places in self.output_places[: len(targets)]]
        return correct_count(self.rule, outputs, targets)

    def row_accuracy(self, row: Sequence[float], targets: Sequence[Sequence[float]]) -> float:
        """The share of the row's samples classified right (nan where the targets are not classes)."""
        if not self.rule or not targets:
            return math.nan
        return self.correct(row, targets) / len(targets)

    def accuracy_on(self, env: dict[str, float], samples) -> float:
        """The share of `samples` classified right by a forward pass with the parameters of `env` (nan where
        the targets are not classes, or there are no samples)."""
        samples = tuple(samples)
        if not self.rule or not samples:
            return math.nan
        outputs = [self.program.predict(env, sample.inputs) for sample in samples]
        return correct_count(self.rule, outputs, [sample.targets for sample in samples]) / len(samples)

    @property
    def class_count(self) -> int:
        return 2 if self.rule == THRESHOLD else self.net.sizes[-1]

    def class_names(self) -> list[str]:
        """Each class as the outputs name it: "0" and "1" past a threshold, else the output that wins (o1, o2, ...)."""
        if self.rule == THRESHOLD:
            return ["0", "1"]
        return [self.net.names.neuron(self.net.depth, k) for k in range(self.net.sizes[-1])]

    def confusion(self, env: dict[str, float], samples) -> list[list[int]]:
        """How many of `samples` of each class (a row each) a forward pass with the parameters of `env` names
        as each class (a column each): the right ones on the diagonal."""
        count = self.class_count
        matrix = [[0] * count for _ in range(count)]
        for sample in samples:
            named = predicted_class(self.rule, self.program.predict(env, sample.inputs))
            matrix[target_class(self.rule, sample.targets)][named] += 1
        return matrix

    @staticmethod
    def diagonal(matrix: list[list[int]]) -> tuple[int, int, float]:
        """A confusion matrix's samples classified right, its samples, and their share (nan for none)."""
        right, total = sum(matrix[k][k] for k in range(len(matrix))), sum(map(sum, matrix))
        return right, total, right / total if total else math.nan

    def gradient_means(self, row: Sequence[float]) -> list[float]:
        """Each layer's mean |dE_total/dw| over the weights into it, first layer first."""
        return [math.fsum(map(abs, row[start:end])) / (end - start) for start, end in self.layer_spans]


def gradient_mean_columns(depth: int) -> list[str]:
    """The CSV's and the history's names for each layer's mean |dE_total/dw|: mean_abs_dE_dw_L1, ..."""
    return [f"mean_abs_dE_dw_L{layer}" for layer in range(1, depth + 1)]
