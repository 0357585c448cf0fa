"""Whole epochs as numpy matrix products, for large networks (chosen by training/bulk.py).

The same formulas as core/maths.py, written for a batch of samples at once:
each layer's sums are one product of its weight matrix with its inputs, a column a sample
(s = W·a + b, as the maths is written).  Columns, not rows: with a sample a row, the forward
product a·Wᵀ mixes a row-major and a column-major operand, which BLAS takes 1.7× as long over
(12 µs against 7 at 16 samples of 100-100-100; per epoch: bench/bench_scale.py 7).
"""

from __future__ import annotations

import weakref
from array import array

import numpy as np

from ..core.history import CHECKPOINT_EVERY, checkpoint_records_length
from ..core.network import STEP
from ..core.program import Program, Record

CLIP = 1e-12  # the core's clip of a logarithm's argument (core/expr.py)


class NumpyEpochs:
    """The network's parameters as one vector (in the order of program.parameters), seen as a matrix
    and a bias vector per layer, trained whole epochs at a time."""

    def __init__(self, program: Program, env: dict[str, float]):
        net = self.net = program.net
        self.program, self.env = program, env
        self.lr = env["lr"]
        self.flat = np.array([env[p] for p in program.parameters])
        self.weights, at = [], 0
        for fan_in, fan_out in zip(net.sizes, net.sizes[1:]):
            self.weights.append(self.flat[at: at + fan_in * fan_out].reshape(fan_out, fan_in))
            at += fan_in * fan_out
        self.biases = []
        for layer in range(1, net.depth + 1):
            count = {"none": 0, "shared": 1, "neuron": net.sizes[layer]}[net.bias]
            self.biases.append(self.flat[at: at + count] if count else None)
            at += count
        self.count = self.loss_count(len(net.samples))
        self.trains_bias = net.trains_biases
        # The penalty's and the optimizer's constants, and the optimizer's state over the trained parameters
        # (the weights, then the biases if they train: the first `trained` of the flat vector), as the core's.
        self.hyper = [env[h] for h in net.hyperparameters()]
        self.trained = len(program.trained)
        self.weight_count = net.weight_count()
        state = net.names.state
        self.t = env[STEP] if net.optimizer == "adam" else 0.0
        moments = state[1:] if net.optimizer == "adam" else state
        self.moments = [np.array([env[s] for s in moments[k * self.trained:(k + 1) * self.trained]])
                        for k in range(len(moments) // self.trained if self.trained else 0)]
        self.plain = net.optimizer == "sgd" and not net.regularized
        # Rows and a step's values are laid out for plain gradient descent; an optimizer's or a penalty's
        # quantities are the core's (training/bulk.py).
        self.lays_out = self.plain
        # The gradients land in one vector of the trained parameters' order, seen per layer as the
        # parameters are, and the update works on it whole: no copies an update step.
        self.gradient = np.empty(self.trained)
        self.work, self.spare = np.empty(self.trained), np.empty(self.trained)
        self.weight_gradients, at = [], 0
        for w in self.weights:
            self.weight_gradients.append(self.gradient[at: at + w.size].reshape(w.shape))
            at += w.size
        self.bias_gradients = []
        for b in self.biases:
            trains = self.trains_bias and b is not None
            self.bias_gradients.append(self.gradient[at: at + b.size] if trains else None)
            at += b.size if trains else 0

    def carried(self) -> np.ndarray:
        """What carries from step to step, in program.carried's order: lr, the parameters, the constants, the state."""
        parts = [[self.lr], self.flat, self.hyper]
        if self.net.optimizer == "adam":
            parts.append([self.t])
        return np.concatenate(parts + self.moments) if not self.plain else np.concatenate(parts[:2])

    def loss_count(self, samples: int) -> int:
        """How many terms the loss averages over, for a batch of `samples` (core/maths.py's count)."""
        outputs = self.net.sizes[-1]
        return {"half_sse": 1, "mse": outputs * samples, "bce": outputs * samples, "cce": samples}[self.net.loss]

    def run(self, epochs: int, record: Record) -> tuple[dict, array]:
        """`epochs` epochs over the samples of the env, every sample in each step."""
        env = self.env
        inputs, targets = _sample_symbols(self.program)
        inputs = np.array([[env[s] for s in symbols] for symbols in inputs]).T.copy()
        targets = np.array([[env[s] for s in symbols] for symbols in targets]).T.copy()
        return self.run_batches([(inputs, targets, self.count)] * epochs, record)

    def run_steps(self, schedule, first: int, count: int, record: Record) -> tuple[dict, array]:
        """`count` update steps of a batched schedule (core/batches.py) from step `first`; the network's
        samples are the schedule's, each step's batch picked by its rows."""
        data = np.array(schedule.sample_numbers)
        inputs, targets = data[:, : self.net.sizes[0]], data[:, self.net.sizes[0]:]
        batches = []
        for step in range(first, first + count):
            rows = list(schedule.members(step))
            batches.append((inputs[rows].T.copy(), targets[rows].T.copy(), self.loss_count(len(rows))))
        return self.run_batches(batches, record)

    def run_batches(self, batches, record: Record) -> tuple[dict, array]:
        """An update step (`step`) on each of `batches` (inputs, targets: a column a sample; the loss's count) in turn, recorded
        as `record` says: LOSS, HISTORY or CHECKPOINTS (core/compiled.py's Record), ROW (every column of the
        step's program: `train --csv`'s row) or VALUES (every quantity of the step's program, by its place:
        the trace of one step, as numpy computed it).  An overflow gives the number it gives (inf, nan), as
        in the core: numpy is told once here, not in every step (each time costs a few µs)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._run_batches(batches, record)

    def _run_batches(self, batches, record: Record) -> tuple[dict, array]:
        if record == Record.LOSS:
            out = np.empty(len(batches))
            for n, batch in enumerate(batches):
                out[n] = self.step(*batch)
        elif record == Record.HISTORY:
            stride = len(self.program.carried) + 1
            out = np.empty(len(batches) * stride)
            for n, batch in enumerate(batches):
                row = out[n * stride:(n + 1) * stride]
                row[:-1] = self.carried()
                row[-1] = self.step(*batch)
        elif record == Record.CHECKPOINTS:
            # lr, the parameters and E_total at every CHECKPOINT_EVERY-th step from the first; E_total alone
            # at the others: the parameters History keeps, without copying the rest.
            stride = len(self.program.carried) + 1
            out = np.empty(checkpoint_records_length(len(batches), stride))
            at = 0
            for n, batch in enumerate(batches):
                if n % CHECKPOINT_EVERY == 0:
                    out[at:at + stride - 1] = self.carried()
                    at += stride - 1
                out[at] = self.step(*batch)
                at += 1
        elif record in (Record.ROW, Record.VALUES):
            out = np.concatenate([self.laid_out(*batch, record) for batch in batches])
        else:
            raise ValueError(f"numpy records no {Record(record).value}")
        env = dict(self.env)
        env.update(zip(self.program.carried, self.carried().tolist()))
        records = array("d")
        records.frombytes(memoryview(out).cast("B"))  # one copy, straight from numpy's buffer
        return env, records

    def step(self, inputs: np.ndarray, targets: np.ndarray, count: int) -> float:
        """One update step over a batch of samples (a column each of `inputs` and `targets`; `count` is the
        loss's averaging count for them, `loss_count`): E_total of its forward pass, and the parameters
        move by its gradients.  An epoch without batches is one step over every sample."""
        loss, gradients, bias_gradients = self.gradients(inputs, targets, count)
        self.update()
        return loss

    def laid_out(self, inputs: np.ndarray, targets: np.ndarray, count: int, record: Record) -> np.ndarray:
        """One update step as `step` takes it, its numbers laid out as the program of its batch lays out its
        columns (Record.ROW) or its quantities (VALUES): per sample, each layer's sums and outputs and
        the errors; E_total; per sample, each layer's slopes (dE/da, da/ds) and gradients, from the last
        layer back; the gradients summed over the samples; the updated parameters."""
        kept: dict = {}
        before = self.flat.copy()
        loss, gradients, bias_gradients = self.gradients(inputs, targets, count, kept)
        self.update()
        net, samples = self.net, inputs.shape[1]
        forward = []
        for layer, (total, out) in enumerate(zip(kept["sums"], kept["activations"][1:]), 1):
            pair = (total, out)
            forward.append(np.concatenate(pair, axis=1) if net.activations[layer - 1] == "softmax"
                           else np.stack(pair, axis=2).reshape(samples, -1))
        forward.append(kept["errors"])
        summed = [g.ravel() for g in gradients]
        if self.trains_bias:
            summed += [np.array([g.sum()]) if net.bias == "shared" else g for g in bias_gradients]
        if record == Record.ROW:
            return np.concatenate([[self.lr], before, np.concatenate(forward, axis=1).ravel(), [loss], *summed])
        # One sample's gradients are the gradients themselves: the very numbers the update took.
        backward, one = [], samples == 1
        for layer in range(net.depth, 0, -1):
            delta = kept["deltas"][layer - 1]
            if net.activations[layer - 1] == "softmax":
                backward.append(delta)
            else:
                pair = np.broadcast_arrays(kept["firsts"][layer - 1], kept["slopes"][layer - 1])  # identity's slope: 1
                backward.append(np.stack(pair, axis=2).reshape(samples, -1))
            source = kept["activations"][layer - 1]
            backward.append(gradients[layer - 1].reshape(1, -1) if one else
                            (delta[:, :, None] * source[:, None, :]).reshape(samples, -1))
            if self.trains_bias:
                shared = net.bias == "shared"
                backward.append(summed[net.depth + layer - 1].reshape(1, -1) if one else
                                delta.sum(axis=1, keepdims=True) if shared else delta)
        parts = [np.concatenate(forward, axis=1).ravel(), [loss], np.concatenate(backward, axis=1).ravel()]
        return np.concatenate(parts + ([] if one else summed) + [self.flat[:len(self.program.trained)]])

    def gradients(self, inputs: np.ndarray, targets: np.ndarray, count: int, kept: dict | None = None):
        """Forward, E_total and backward over a batch (a column a sample; `count` is the loss's averaging
        count): E_total (of the forward pass) and every gradient.  `kept`, if given, is filled with
        what `laid_out` shows, a row a sample: each layer's sums, activations, dE/da, da/ds and
        δ = dE/ds, and the errors."""
        net = self.net
        activations, sums = [inputs], []
        for layer, (w, b) in enumerate(zip(self.weights, self.biases), 1):
            total = w @ activations[-1]
            if b is not None:
                total += b[:, None]
            sums.append(total)
            activations.append(_activate(net.activations[layer - 1], total))
        a, t = activations[-1], targets
        errors = _error(net.loss, a, t, count)
        loss = float(errors.sum())
        firsts, slopes, deltas = [None] * net.depth, [None] * net.depth, [None] * net.depth
        if net.loss == "cce":
            delta = (a * t.sum(axis=0) - t) / count
        else:
            firsts[-1], slopes[-1] = _loss_slope(net.loss, a, t, count), _slope(net.activations[-1], a)
            delta = firsts[-1] * slopes[-1]
        gradients, bias_gradients = [None] * net.depth, [None] * net.depth
        for layer in range(net.depth, 0, -1):
            deltas[layer - 1] = delta
            # δ·aᵀ with aᵀ copied to rows first: OpenBLAS takes 12 µs over the transposed view, 9 over the copy
            source = np.ascontiguousarray(activations[layer - 1].T)
            gradients[layer - 1] = np.matmul(delta, source, out=self.weight_gradients[layer - 1])
            if self.trains_bias:
                bias = delta.sum(axis=1)
                if net.bias == "shared":  # exactly 0 where softmax ignores it (core/network.py), as the program says
                    bias = 0.0 if net.softmax_ignores_bias(layer) else bias.sum()
                bias_gradients[layer - 1] = bias
                self.bias_gradients[layer - 1][:] = bias
            if layer > 1:
                first, slope = self.weights[layer - 1].T @ delta, _slope(net.activations[layer - 2], activations[layer - 1])
                firsts[layer - 2], slopes[layer - 2] = first, slope
                delta = first * slope
        if kept is not None:
            kept.update(sums=_by_rows(sums), activations=_by_rows(activations), errors=errors.T,
                        firsts=_by_rows(firsts), slopes=_by_rows(slopes), deltas=_by_rows(deltas))
        return loss, gradients, bias_gradients

    def update(self) -> None:
        """The update of program.py's optimizers over the trained parameters as one vector: the penalty's term
        added to each weight's gradient, then SGD, momentum or Adam (core/maths.py's formulas)."""
        # Each operation in the core's order (maths.py), so each number rounds as the trace's does.
        net, trained = self.net, self.flat[:self.trained]  # a view: the layers' matrices see every change
        g, work, spare = self.gradient, self.work, self.spare  # the gradients are in g already (`gradients`)
        if net.regularized:
            weights, term = self.flat[:self.weight_count], work[:self.weight_count]
            np.multiply(self.hyper[0], weights if net.regularization == "l2" else np.sign(weights), out=term)
            g[:self.weight_count] += term
        if net.optimizer == "sgd":
            np.multiply(self.lr, g, out=work)
        elif net.optimizer == "momentum":
            velocity = self.moments[0]
            velocity *= self.hyper[-1]
            velocity += g
            np.multiply(self.lr, velocity, out=work)
        else:
            beta1, beta2, eps = self.hyper[-3:]
            self.t += 1.0
            m, v = self.moments
            m *= beta1
            m += np.multiply(1.0 - beta1, g, out=work)
            v *= beta2
            np.multiply(g, g, out=work)
            v += np.multiply(1.0 - beta2, work, out=work)
            np.divide(m, 1.0 - beta1 ** self.t, out=work)  # m̂
            np.divide(v, 1.0 - beta2 ** self.t, out=spare)  # v̂
            np.sqrt(spare, out=spare)
            spare += eps
            work /= spare
            work *= self.lr
        trained -= work


def gradient_means(spans, row) -> list[float]:
    """core/metrics.py's Metrics.gradient_means in numpy: each layer's mean |dE_total/dw|, its weights'
    gradients at `spans` of the row (an array of doubles, or a list), summed pairwise as numpy sums."""
    values = np.frombuffer(row, dtype=np.float64) if isinstance(row, array) else np.asarray(row, dtype=np.float64)
    return [float(np.abs(values[start:end]).mean()) for start, end in spans]


_SAMPLE_SYMBOLS: weakref.WeakKeyDictionary[Program, tuple] = weakref.WeakKeyDictionary()


def _sample_symbols(program: Program) -> tuple[list[list[str]], list[list[str]]]:
    """Each sample's input and target symbols, named once a program: a history row runs one epoch, and
    naming a 100-100-100 network's 16 samples took longer than the epoch."""
    symbols = _SAMPLE_SYMBOLS.get(program)
    if symbols is None:
        names, samples = program.net.names, range(len(program.net.samples))
        symbols = _SAMPLE_SYMBOLS[program] = ([names.input_symbols(k) for k in samples],
                                              [names.target_symbols(k) for k in samples])
    return symbols


def _by_rows(arrays: list) -> list:
    """Each layer's arrays seen a row a sample, as `laid_out` lays them out (a slope of 1, or none, as it is)."""
    return [x if x is None or np.isscalar(x) else x.T for x in arrays]


def _activate(name: str, total: np.ndarray) -> np.ndarray:
    """A layer's outputs from its sums (under run_batches' errstate: an overflow is the number it gives)."""
    if name == "sigmoid":
        out = 1.0 / (1.0 + np.exp(-total))
        if not total.min() > -708.0:  # (a NaN among them says so too) where the core takes e^x itself,
            deep = total <= -708.0  # as 1/(1 + e^−x) would overflow
            out[deep] = np.exp(total[deep])
        return out
    if name == "tanh":
        return np.tanh(total)
    if name == "relu":
        return np.where(total <= 0.0, 0.0, total)
    if name == "softmax":
        shifted = np.exp(total - total.max(axis=0))
        return shifted / shifted.sum(axis=0)
    return total


def _slope(name: str, out: np.ndarray) -> np.ndarray | float:
    """da/ds through the output, as the core writes it (relu's step: a > 0 exactly when s > 0)."""
    if name == "sigmoid":
        return out * (1.0 - out)
    if name == "tanh":
        return 1.0 - out * out
    if name == "relu":
        return np.where(out > 0.0, 1.0, 0.0)
    return 1.0


def _clip(x: np.ndarray) -> np.ndarray:
    return np.where(x <= CLIP, CLIP, x)


def _error(loss: str, a: np.ndarray, t: np.ndarray, count: int) -> np.ndarray:
    if loss in ("half_sse", "mse"):
        gap = t - a
        return 0.5 * gap * gap if loss == "half_sse" else gap * gap / count
    if loss == "bce":
        return -(t * np.log(_clip(a)) + (1.0 - t) * np.log(_clip(1.0 - a))) / count
    return -(t * np.log(_clip(a))) / count


def _loss_slope(loss: str, a: np.ndarray, t: np.ndarray, count: int) -> np.ndarray:
    if loss == "half_sse":
        return a - t
    if loss == "mse":
        return 2.0 * (a - t) / count
    return (a - t) / (count * _clip(a * (1.0 - a)))
