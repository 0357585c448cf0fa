"""What a network is: its shape, its choices and its data; the parameters it starts from; and its names.

A Network is what a network file describes.  Its parameters (weights, biases,
learning rate) are a Parameters of their own, `start`: where training starts,
never where it is.  The live parameters have one home, the stepper's values
(stepper.py), which training and edits change and every consumer reads.

Names follow the worked examples: inputs i1 i2, hidden sums h1 h2 and outputs
a_h1 a_h2, output sums o1 o2 and outputs a_o1 a_o2, targets t1 t2, errors E1 E2,
weights w1..wN numbered layer by layer, each neuron's incoming weights in the
order of its inputs (so h1 = w1·i1 + w2·i2, h2 = w3·i1 + w4·i2).  With several
hidden layers the hidden neurons of layer ℓ are hℓ_1, hℓ_2, …; with several
samples every per-sample name gets the sample number in brackets: h1[3].
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity", "softmax")
LOSSES = ("half_sse", "mse", "bce", "cce")
BIAS_MODES = ("none", "shared", "neuron")
REGULARIZATIONS = ("none", "l1", "l2")
OPTIMIZERS = ("sgd", "momentum", "adam")
# The hyperparameters of the penalty and of each optimizer, as the symbols the formulas read (free
# symbols like lr: the values table shows them, and a substituted formula shows their numbers).
RATE, MU, BETA1, BETA2, EPS = "λ", "μ", "β1", "β2", "ε"
STEP = "t"  # Adam's count of update steps
# The input layer included: every layer more lengthens the chain rule of every weight before it.
MAX_LAYERS = 10
# Operations in one epoch (every sample's forward and backward pass, the sums and the updates): the
# step-by-step trace, explain and the app's tables work through them one by one.  A 100-100-100
# network with 16 samples has 374,401; past this, fewer samples or smaller layers.
MAX_EPOCH_OPERATIONS = 2_000_000

LOSS_NAMES = {
    "half_sse": "half sum of squares, E = Σ ½(t − a)²",
    "mse": "mean squared error",
    "bce": "binary cross-entropy",
    "cce": "categorical cross-entropy",
}


class NetworkError(ValueError):
    """A network description that cannot be used; str() is one line for the user."""

    def __init__(self, key: str, reason: str):
        super().__init__(reason if key == "file" else f"{key}: {reason}")
        self.key, self.reason = key, reason


@dataclass(frozen=True)
class Sample:
    inputs: tuple[float, ...]
    targets: tuple[float, ...]


@dataclass(frozen=True)
class Parameters:
    """The numbers training changes: the weights and the biases, in the order Names numbers them, and the
    learning rate."""

    weights: tuple[float, ...]
    biases: tuple[float, ...] = ()
    lr: float = 0.5


@dataclass(frozen=True)
class Network:
    sizes: tuple[int, ...]
    activations: tuple[str, ...]  # one per layer after the input layer
    start: Parameters  # where training starts
    loss: str = "half_sse"
    bias: str = "none"
    train_bias: bool = True
    samples: tuple[Sample, ...] = ()
    name: str = "network"
    test_samples: tuple[Sample, ...] = ()  # held out: never trained on, only measured
    batch: int = 0  # samples per update step; 0 is every sample ("full"): see batches.py
    shuffle_seed: int = 0  # seeds each epoch's order of the samples, when there are batches
    regularization: str = "none"  # none | l1 | l2: a penalty on the weights (never the biases), see program.py
    regularization_rate: float = 0.0  # λ
    optimizer: str = "sgd"  # sgd | momentum | adam, with PyTorch's definitions (program.py)
    momentum: float = 0.9  # μ
    betas: tuple[float, float] = (0.9, 0.999)  # Adam's β1, β2
    eps: float = 1e-8  # Adam's ε
    # Where the samples came from, when a file's `samples` was a data set (a CSV file or a generated one):
    # its keys as the file gave them and the file's folder, so that a saved network refers to the data
    # instead of copying it (loader.network_text).  Not part of what the network is.
    source: tuple | None = field(default=None, compare=False, repr=False)
    names: Names = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        self.validate()
        object.__setattr__(self, "names", Names(self))

    def with_changes(self, **changes) -> Network:
        return replace(self, **changes)

    def with_start(self, **changes) -> Network:
        """The same network starting from other parameters: with_start(lr=0.1), with_start(weights=...)."""
        return replace(self, start=replace(self.start, **changes))

    @property
    def depth(self) -> int:
        """Number of layers with weights (2 for the 2-2-2 examples)."""
        return len(self.sizes) - 1

    def weight_count(self) -> int:
        return sum(a * b for a, b in zip(self.sizes, self.sizes[1:]))

    def bias_count(self) -> int:
        if self.bias == "shared":
            return self.depth
        if self.bias == "neuron":
            return sum(self.sizes[1:])
        return 0

    def validate(self) -> None:
        if len(self.sizes) < 2:
            raise NetworkError("layers", "needs at least an input and an output layer")
        if len(self.sizes) > MAX_LAYERS:
            raise NetworkError("layers", f"at most {MAX_LAYERS} layers (the input layer included), got {len(self.sizes)}")
        for size in self.sizes:
            if not isinstance(size, int) or isinstance(size, bool) or size < 1:
                raise NetworkError("layers", f"every layer needs at least one neuron, got {size!r}")
        if len(self.activations) != self.depth:
            raise NetworkError(
                "activations", f"expected {self.depth} (one per layer after the inputs), got {len(self.activations)}"
            )
        for act in self.activations:
            if act not in ACTIVATIONS:
                raise NetworkError("activations", f"unknown activation {act!r} (choose from {', '.join(ACTIVATIONS)})")
        if "softmax" in self.activations[:-1]:
            raise NetworkError("activations", "softmax is only allowed on the output layer")
        if self.loss not in LOSSES:
            raise NetworkError("loss", f"unknown loss {self.loss!r} (choose from {', '.join(LOSSES)})")
        softmax_out = self.activations[-1] == "softmax"
        if softmax_out != (self.loss == "cce"):
            raise NetworkError("loss", "categorical cross-entropy ('cce') goes with a softmax output layer, and only with it")
        if self.loss == "bce" and self.activations[-1] != "sigmoid":
            # ln(a) and ln(1 − a) are defined only for outputs between 0 and 1, which only sigmoid promises.
            raise NetworkError("loss", "binary cross-entropy ('bce') needs a sigmoid output layer, "
                                       f"not {self.activations[-1]}")
        if self.bias not in BIAS_MODES:
            raise NetworkError("bias", f"unknown bias mode {self.bias!r} (choose from {', '.join(BIAS_MODES)})")
        if not isinstance(self.start, Parameters):
            raise NetworkError("weights", f"expected the starting Parameters, got {self.start!r}")
        _check_numbers("weights", self.start.weights, self.weight_count(), f"layers {list(self.sizes)}")
        _check_numbers("biases", self.start.biases, self.bias_count(), f"bias mode {self.bias!r}")
        if not self.samples:
            raise NetworkError("samples", "needs at least one sample (inputs and targets)")
        for part, samples in (("samples", self.samples), ("test_samples", self.test_samples)):
            for number, sample in enumerate(samples, 1):
                key = part if len(samples) == 1 else f"{part}[{number}]"
                _check_numbers(f"{key}.inputs", sample.inputs, self.sizes[0], "the input layer")
                _check_numbers(f"{key}.targets", sample.targets, self.sizes[-1], "the output layer")
                if self.loss in ("bce", "cce") and not all(0.0 <= t <= 1.0 for t in sample.targets):
                    raise NetworkError(f"{key}.targets", f"{self.loss} needs targets between 0 and 1")
        lr = self.start.lr
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
            raise NetworkError("learning_rate", f"must be a positive finite number, got {lr!r}")
        # shuffle_seed not negative: Python's random seeds with the absolute value, so -1 would be 1.
        for key, value in (("batch", self.batch), ("shuffle_seed", self.shuffle_seed)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise NetworkError(key, f"must be a whole number of at least 0, got {value!r}")
        self._validate_training()
        if self.epoch_operations() > MAX_EPOCH_OPERATIONS:
            raise NetworkError("samples", f"one epoch of {len(self.samples):,} samples through layers {list(self.sizes)} is "
                                          f"{self.epoch_operations():,} operations; at most {MAX_EPOCH_OPERATIONS:,} "
                                          "(use fewer samples, smaller layers, or hold rows out with test_fraction)")

    def _validate_training(self) -> None:
        """The penalty and the optimizer, with the ranges PyTorch's optimizers accept (ε > 0 here: with ε = 0,
        a weight whose gradient has always been 0 would divide 0 by 0)."""
        if self.regularization not in REGULARIZATIONS:
            raise NetworkError("regularization", f"unknown regularization {self.regularization!r} "
                                                 f"(choose from {', '.join(REGULARIZATIONS)})")
        if self.optimizer not in OPTIMIZERS:
            raise NetworkError("optimizer", f"unknown optimizer {self.optimizer!r} (choose from {', '.join(OPTIMIZERS)})")
        for key, value in (("regularization_rate", self.regularization_rate), ("momentum", self.momentum)):
            if not _real(value) or value < 0:
                raise NetworkError(key, f"must be a finite number of at least 0, got {value!r}")
        if not _real(self.eps) or not self.eps > 0:
            raise NetworkError("eps", f"must be a positive finite number, got {self.eps!r}")
        if not isinstance(self.betas, tuple) or len(self.betas) != 2 or not all(_real(b) and 0.0 <= b < 1.0 for b in self.betas):
            raise NetworkError("betas", f"must be two numbers, each at least 0 and below 1, got {list(self.betas) if isinstance(self.betas, tuple) else self.betas!r}")

    @property
    def regularized(self) -> bool:
        return self.regularization != "none"

    @property
    def trains_biases(self) -> bool:
        """Whether an update step has bias gradients to work out: the network has biases and they learn."""
        return self.train_bias and self.bias != "none"

    def hyperparameters(self) -> dict[str, float]:
        """The penalty's and the optimizer's constants, by symbol (none for plain descent without a penalty)."""
        values = {RATE: float(self.regularization_rate)} if self.regularized else {}
        if self.optimizer == "momentum":
            values[MU] = float(self.momentum)
        elif self.optimizer == "adam":
            values.update({BETA1: float(self.betas[0]), BETA2: float(self.betas[1]), EPS: float(self.eps)})
        return values


    def with_hyperparameters(self, values: dict[str, float]) -> Network:
        """The same network with the penalty's and the optimizer's constants as `values` holds them, by symbol
        (the user may edit them, as lr)."""
        fields = {RATE: "regularization_rate", MU: "momentum", EPS: "eps"}
        changes = {fields[symbol]: values[symbol] for symbol in self.hyperparameters() if symbol in fields}
        if self.optimizer == "adam":
            changes["betas"] = (values[BETA1], values[BETA2])
        return replace(self, **changes) if changes else self
    def epoch_operations(self) -> int:
        """How many operations one epoch has, from the shape alone (program.py lays them out)."""
        samples, trained = len(self.samples), self.weight_count() + (self.bias_count() if self.train_bias else 0)
        size = self.batch if 0 < self.batch < samples else samples
        steps = -(-samples // size)
        # Each step adds up its E_total and, over several samples, each gradient; then updates.
        sums = steps * (trained if size > 1 else 0) - (trained if size > 1 and samples % size == 1 else 0)
        per_sample = sample_operations(self.sizes, self.activations, self.bias_count(), self.train_bias)
        # The penalty: E_reg, then each weight's term and its gradient with it; each optimizer's own operations.
        extra = (1 + 2 * self.weight_count()) if self.regularized else 0
        extra += {"sgd": 0, "momentum": trained, "adam": 1 + 4 * trained}[self.optimizer]
        return samples * per_sample + steps * (1 + trained + extra) + sums

    def softmax_ignores_bias(self, layer: int) -> bool:
        """Whether `layer`'s bias is one shared by every output of a softmax layer: it shifts every sum
        alike, softmax ignores a shift, so E_total does not depend on it and its gradient is exactly 0."""
        return self.bias == "shared" and layer == self.depth and self.activations[-1] == "softmax"

    def parameters(self) -> dict[str, float]:
        """The starting parameters by symbol, trained and frozen: w1..wN then the biases."""
        return dict(zip(self.names.weights + self.names.biases, self.start.weights + self.start.biases))

    def inputs_env(self) -> dict[str, float]:
        env = {}
        for s, sample in enumerate(self.samples):
            env.update(zip(self.names.input_symbols(s), sample.inputs))
            env.update(zip(self.names.target_symbols(s), sample.targets))
        return env

    def start_env(self) -> dict[str, float]:
        """Every free symbol at the start: parameters, lr, inputs and targets."""
        env = self.parameters()
        env["lr"] = float(self.start.lr)
        env.update(self.hyperparameters())
        env.update(dict.fromkeys(self.names.state, 0.0))  # the optimizer's state starts at 0, as PyTorch's
        env.update(self.inputs_env())
        return env


def sample_operations(sizes, activations, bias_count: int, train_bias: bool) -> int:
    """The operations one sample adds to an epoch, its forward and its backward pass: the most of an epoch's
    operations, and known from the shape before the samples are read (a data file past the limit is
    refused at the row that passes it, not after the whole file)."""
    forward = sum(2 * size for size in sizes[1:]) + sizes[-1]
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    backward = weights + sum(size * (1 if act == "softmax" else 2) for size, act in zip(sizes[1:], activations))
    return forward + backward + (bias_count if train_bias else 0)


def _real(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _check_numbers(key: str, values, count: int, what: str) -> None:
    if len(values) != count:
        raise NetworkError(key, f"expected {count} numbers for {what}, got {len(values)}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise NetworkError(key, f"expected numbers, got {value!r}")
        if not math.isfinite(value):
            raise NetworkError(key, f"numbers must be finite, got {value!r}"
                               + (" (the training diverged)" if key in ("weights", "biases") else ""))


class Names:
    """Every symbol of a network, computed once from its shape."""

    def __init__(self, net: Network):
        self.net = net
        self.multi_sample = len(net.samples) > 1
        self.hidden_layers = net.depth - 1
        self.weights: list[str] = []
        # weight_at[layer][j][i]: the weight from neuron i of layer-1 into neuron j of layer
        self.weight_at: list[list[list[str]]] = [[]]
        number = 1
        for layer in range(1, net.depth + 1):
            rows = []
            for _ in range(net.sizes[layer]):
                row = [f"w{number + i}" for i in range(net.sizes[layer - 1])]
                number += len(row)
                rows.append(row)
                self.weights.extend(row)
            self.weight_at.append(rows)
        self.biases: list[str] = []
        self.bias_at: list[list[str | None]] = [[]]
        for layer in range(1, net.depth + 1):
            if net.bias == "shared":
                row = [f"b{layer}"] * net.sizes[layer]
                self.biases.append(f"b{layer}")
            elif net.bias == "neuron":
                row = [f"b_{self.neuron(layer, j)}" for j in range(net.sizes[layer])]
                self.biases.extend(row)
            else:
                row = [None] * net.sizes[layer]
            self.bias_at.append(row)
        self._weight_set = set(self.weights)
        trained = self.weights + (self.biases if net.train_bias else [])
        # The optimizer's state, carried from step to step with the parameters: momentum's velocity v of each
        # trained parameter, or Adam's step count t and its moments m and v (core/program.py).
        self.state: list[str] = {"sgd": [], "momentum": [f"v_{p}" for p in trained],
                                 "adam": [STEP, *(f"m_{p}" for p in trained), *(f"v_{p}" for p in trained)]}[net.optimizer]
        self._neuron_at = {self.neuron(layer, j): (layer, j) for layer in range(net.depth + 1) for j in range(net.sizes[layer])}
        self._first_weight = [1]  # the number of each layer's first weight, then one past the last
        for layer in range(1, net.depth + 1):
            self._first_weight.append(self._first_weight[-1] + net.sizes[layer] * net.sizes[layer - 1])

    def suffix(self, sample: int) -> str:
        return f"[{sample + 1}]" if self.multi_sample else ""

    def neuron(self, layer: int, j: int) -> str:
        """Name of neuron j (0-based) of a layer, without sample suffix: i1, h2, h2_1, o1."""
        if layer == 0:
            return f"i{j + 1}"
        if layer == self.net.depth:
            return f"o{j + 1}"
        if self.hidden_layers == 1:
            return f"h{j + 1}"
        return f"h{layer}_{j + 1}"

    def total(self, layer: int, j: int, sample: int) -> str:
        """The weighted sum (h1, o1) — for the input layer, the input itself."""
        return self.neuron(layer, j) + self.suffix(sample)

    def output(self, layer: int, j: int, sample: int) -> str:
        """What the neuron passes on: a_h1, a_o1; an input passes itself on."""
        if layer == 0:
            return self.total(0, j, sample)
        return "a_" + self.neuron(layer, j) + self.suffix(sample)

    def activation_slope(self, layer: int, j: int, sample: int) -> str:
        """How the neuron's output changes with its sum: da_h1/dh1."""
        neuron = self.neuron(layer, j)
        return f"da_{neuron}/d{neuron}{self.suffix(sample)}"

    def input_symbols(self, sample: int) -> list[str]:
        return [self.total(0, j, sample) for j in range(self.net.sizes[0])]

    def target(self, k: int, sample: int) -> str:
        return f"t{k + 1}" + self.suffix(sample)

    def target_symbols(self, sample: int) -> list[str]:
        return [self.target(k, sample) for k in range(self.net.sizes[-1])]

    def error(self, k: int, sample: int) -> str:
        return f"E{k + 1}" + self.suffix(sample)

    @staticmethod
    def grad(of: str, sample_suffix: str = "") -> str:
        return f"dE_total/d{of}{sample_suffix}"

    @staticmethod
    def penalty_grad(weight: str) -> str:
        """The penalty's part of a weight's gradient (regularization)."""
        return f"dE_reg/d{weight}"

    @staticmethod
    def objective_grad(weight: str) -> str:
        """A weight's gradient of the whole objective, E_total + E_reg."""
        return f"dE/d{weight}"

    def step_gradient(self, parameter: str) -> str:
        """The gradient an update step reads: the objective's for a weight under a penalty, else dE_total's."""
        return self.objective_grad(parameter) if self.net.regularized and parameter in self._weight_set else self.grad(parameter)

    # -- from a name back to its place ---------------------------------------
    def neuron_at(self, name: str) -> tuple[int, int] | None:
        """(layer, j) of a neuron's name (i1, h2, h2_1, o1), or None."""
        return self._neuron_at.get(name)

    def parameter_group(self, name: str) -> tuple | None:
        """Which gradients a parameter's belongs with: ("gradient", layer, j) for a weight into neuron j,
        ("bias gradient", layer) for a bias; None for anything else."""
        match = _WEIGHT.fullmatch(name)
        if match:
            number = int(match.group(1))
            if not 1 <= number < self._first_weight[-1]:
                return None
            layer = bisect_right(self._first_weight, number)
            return ("gradient", layer, (number - self._first_weight[layer - 1]) // self.net.sizes[layer - 1])
        if self.net.bias == "shared" and _SHARED_BIAS.fullmatch(name) and 1 <= int(name[1:]) <= self.net.depth:
            return ("bias gradient", int(name[1:]))
        if self.net.bias == "neuron" and name.startswith("b_"):
            where = self.neuron_at(name[2:])
            return ("bias gradient", where[0]) if where and where[0] >= 1 else None
        return None

    def locate(self, symbol: str) -> tuple | None:
        """The key of the program segment that computes `symbol` (see program.py), from its name alone."""
        base, sample = symbol, None
        match = _SUFFIXED.fullmatch(symbol)
        if self.multi_sample and match:
            base, sample = match.group(1), int(match.group(2)) - 1
            if not 0 <= sample < len(self.net.samples):
                return None
        elif not self.multi_sample:
            sample = 0
        # sample is None only for a name without a sample number, in a network with several samples.
        if base == "E_total":
            return ("total",) if symbol == "E_total" else None
        if symbol == "E_reg":
            return ("penalty",) if self.net.regularized else None
        for prefix in ("dE_reg/d", "dE/d"):
            if symbol.startswith(prefix):
                group = self.parameter_group(symbol[len(prefix):])
                return ("penalty gradient",) + group[1:] if self.net.regularized and group and group[0] == "gradient" else None
        for prefix in ("mhat_", "vhat_"):
            if symbol.startswith(prefix) and self.net.optimizer == "adam":
                group = self.parameter_group(symbol[len(prefix):])
                return ("update",) + group if group else None
        if base.startswith("dE_total/d"):
            of = base[len("dE_total/d"):]
            group = self.parameter_group(of)
            if group is not None:
                if sample is None:
                    return ("sample sum",) + group
                return (group[0], sample) + group[1:]
            where = self.neuron_at(of[2:] if of.startswith("a_") else of)
            return ("slope", sample) + where if sample is not None and where and where[0] >= 1 else None
        if sample is None:
            return None
        if base.startswith("da_"):
            neuron, _, wrt = base[3:].partition("/d")
            where = self.neuron_at(neuron)
            return ("slope", sample) + where if where and where[0] >= 1 and wrt == neuron else None
        if _ERROR.fullmatch(base):
            return ("errors", sample)
        where = self.neuron_at(base[2:] if base.startswith("a_") else base)
        if where is None or where[0] < 1:
            return None
        layer, j = where
        if self.net.activations[layer - 1] == "softmax" and not base.startswith("a_"):
            return ("sum", sample, layer, j)
        return ("neuron", sample, layer, j)


_SUFFIXED = re.compile(r"(.+)\[(\d+)\]")
_WEIGHT = re.compile(r"w([1-9]\d*)")
_SHARED_BIAS = re.compile(r"b[1-9]\d*")
_ERROR = re.compile(r"E[1-9]\d*")
