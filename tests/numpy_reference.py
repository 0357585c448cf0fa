"""An independent numpy implementation of one epoch, in the matrix form of seed 002.

s = W·a + b and a = g(s) for the whole batch at once (one column per sample),
δ = dE_total/ds worked back layer by layer, dE_total/dW = δ·aᵀ summed over the
samples, then W ← W − lr·dE_total/dW.  Nothing here uses the core's program or
expressions: the tests compare the core against it.  Only the symbol names come
from the core, so that the two can be lined up value by value.

The weights are read as network.py documents them: w1..wN layer by layer, each
neuron's incoming weights in the order of its inputs, so layer ℓ's matrix is the
next sizes[ℓ]·sizes[ℓ−1] weights reshaped row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_backprop.core import Names, Network


@dataclass
class Epoch:
    weights: list[np.ndarray]  # W[ℓ − 1] has shape (sizes[ℓ], sizes[ℓ − 1])
    biases: list[np.ndarray]  # one vector per layer, zeros without biases
    inputs: np.ndarray  # (sizes[0], samples)
    targets: np.ndarray  # (sizes[−1], samples)
    sums: list[np.ndarray]  # s per layer, (sizes[ℓ], samples)
    outputs: list[np.ndarray]  # a per layer; outputs[0] is the inputs
    errors: np.ndarray  # each output's share of E_total, (sizes[−1], samples)
    total: float
    output_slopes: list[np.ndarray]  # dE_total/da per layer ≥ 1
    activation_slopes: list[np.ndarray]  # da/ds per layer ≥ 1 (unused for softmax)
    deltas: list[np.ndarray]  # dE_total/ds per layer ≥ 1
    weight_gradients: list[np.ndarray]
    bias_gradients: list[np.ndarray]  # per neuron; a shared bias sums its layer's
    new_weights: list[np.ndarray]
    new_biases: list[np.ndarray]


def activate(name: str, s: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-s))
    if name == "tanh":
        return np.tanh(s)
    if name == "relu":
        return np.maximum(s, 0.0)
    if name == "identity":
        return s.copy()
    if name == "softmax":
        shifted = np.exp(s - s.max(axis=0))
        return shifted / shifted.sum(axis=0)
    raise ValueError(name)


def activation_slope(name: str, s: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (s > 0.0).astype(float)
    if name == "identity":
        return np.ones_like(s)
    raise ValueError(name)


def errors(loss: str, a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Each output's and sample's share of E_total; they add up to E_total."""
    if loss == "half_sse":
        return 0.5 * (t - a) ** 2
    if loss == "mse":
        return (t - a) ** 2 / a.size
    if loss == "bce":
        return -(t * np.log(a) + (1.0 - t) * np.log(1.0 - a)) / a.size
    if loss == "cce":
        return -t * np.log(a) / a.shape[1]
    raise ValueError(loss)


def loss_slope(loss: str, a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """dE_total/da for the output layer."""
    if loss == "half_sse":
        return a - t
    if loss == "mse":
        return 2.0 * (a - t) / a.size
    if loss == "bce":
        return (-t / a + (1.0 - t) / (1.0 - a)) / a.size
    if loss == "cce":
        return -t / a / a.shape[1]
    raise ValueError(loss)


def softmax_delta(a: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """dE/ds = Jᵀ·dE/da per sample, with the full Jacobian J = diag(a) − a·aᵀ."""
    columns = []
    for column in range(a.shape[1]):
        out = a[:, column]
        jacobian = np.diag(out) - np.outer(out, out)
        columns.append(jacobian.T @ slope[:, column])
    return np.stack(columns, axis=1)


def start(net: Network, env: dict[str, float] | None = None):
    """Weight matrices, bias vectors, inputs, targets and lr from `env` (default: the net's start)."""
    env = net.start_env() if env is None else env
    flat = [env[f"w{k + 1}"] for k in range(net.weight_count())]
    weights, offset = [], 0
    for rows, columns in zip(net.sizes[1:], net.sizes):
        weights.append(np.array(flat[offset : offset + rows * columns], dtype=float).reshape(rows, columns))
        offset += rows * columns
    biases = []
    bias_values = [env[name] for name in net.names.biases]
    for layer, size in enumerate(net.sizes[1:]):
        if net.bias == "shared":
            biases.append(np.full(size, bias_values[layer], dtype=float))
        elif net.bias == "neuron":
            first = sum(net.sizes[1 : layer + 1])
            biases.append(np.array(bias_values[first : first + size], dtype=float))
        else:
            biases.append(np.zeros(size))
    names = net.names
    count = len(net.samples)
    inputs = np.array([[env[names.input_symbols(s)[i]] for s in range(count)] for i in range(net.sizes[0])])
    targets = np.array([[env[names.target_symbols(s)[k]] for s in range(count)] for k in range(net.sizes[-1])])
    return weights, biases, inputs, targets, env["lr"]


def epoch(net: Network, env: dict[str, float] | None = None) -> Epoch:
    weights, biases, inputs, targets, lr = start(net, env)
    sums, outputs = [], [inputs]
    for W, b, act in zip(weights, biases, net.activations):
        s = W @ outputs[-1] + b[:, None]
        sums.append(s)
        outputs.append(activate(act, s))
    a_out = outputs[-1]
    error = errors(net.loss, a_out, targets)

    depth = net.depth
    output_slopes: list = [None] * depth
    activation_slopes: list = [None] * depth
    deltas: list = [None] * depth
    slope = loss_slope(net.loss, a_out, targets)
    for layer in range(depth - 1, -1, -1):
        output_slopes[layer] = slope
        act = net.activations[layer]
        if act == "softmax":
            deltas[layer] = softmax_delta(outputs[layer + 1], slope)
        else:
            activation_slopes[layer] = activation_slope(act, sums[layer], outputs[layer + 1])
            deltas[layer] = slope * activation_slopes[layer]
        slope = weights[layer].T @ deltas[layer]

    weight_gradients = [deltas[layer] @ outputs[layer].T for layer in range(depth)]
    bias_gradients = [deltas[layer].sum(axis=1) for layer in range(depth)]
    if net.bias == "shared" and net.activations[-1] == "softmax":
        # One bias shared by every softmax output shifts every sum alike, and softmax ignores a shift: in exact
        # arithmetic its deltas add up to 0 (summed here they leave rounding), so its gradient is 0.
        bias_gradients[-1] = np.zeros_like(bias_gradients[-1])
    new_weights = [W - lr * dW for W, dW in zip(weights, weight_gradients)]
    if net.bias == "none" or not net.train_bias:
        new_biases = [b.copy() for b in biases]
    elif net.bias == "shared":
        new_biases = [b - lr * db.sum() for b, db in zip(biases, bias_gradients)]
    else:
        new_biases = [b - lr * db for b, db in zip(biases, bias_gradients)]
    return Epoch(weights, biases, inputs, targets, sums, outputs, error, float(error.sum()), output_slopes,
                 activation_slopes, deltas, weight_gradients, bias_gradients, new_weights, new_biases)


def values(net: Network, result: Epoch) -> dict[str, float]:
    """The epoch's forward and backward values under the core's symbol names.

    Per-sample parts (dE_total/dw1[2]) and their sums over the samples
    (dE_total/dw1) are both given when there are several samples.
    """
    names = net.names
    multi = names.multi_sample
    count = len(net.samples)
    out: dict[str, float] = {}
    for s in range(count):
        suffix = names.suffix(s)
        for layer in range(1, net.depth + 1):
            act = net.activations[layer - 1]
            for j in range(net.sizes[layer]):
                neuron = names.neuron(layer, j)
                out[names.total(layer, j, s)] = result.sums[layer - 1][j, s]
                out[names.output(layer, j, s)] = result.outputs[layer][j, s]
                if act == "softmax":
                    out[Names.grad(neuron, suffix)] = result.deltas[layer - 1][j, s]
                else:
                    out[Names.grad("a_" + neuron, suffix)] = result.output_slopes[layer - 1][j, s]
                    out[f"da_{neuron}/d{neuron}{suffix}"] = result.activation_slopes[layer - 1][j, s]
        for k in range(net.sizes[-1]):
            out[names.error(k, s)] = result.errors[k, s]
    out["E_total"] = result.total

    def per_sample_weight(layer, j, i, s):
        return result.deltas[layer - 1][j, s] * result.outputs[layer - 1][i, s]

    for layer in range(1, net.depth + 1):
        for j in range(net.sizes[layer]):
            for i in range(net.sizes[layer - 1]):
                weight = names.weight_at[layer][j][i]
                out[Names.grad(weight)] = result.weight_gradients[layer - 1][j, i]
                if multi:
                    for s in range(count):
                        out[Names.grad(weight, names.suffix(s))] = per_sample_weight(layer, j, i, s)
    if net.bias != "none" and net.train_bias:
        for layer in range(1, net.depth + 1):
            delta = result.deltas[layer - 1]
            if net.bias == "shared":
                # the softmax layer's shared bias: 0, as in epoch() (softmax ignores a shift)
                ignored = layer == net.depth and net.activations[-1] == "softmax"
                parts = {names.bias_at[layer][0]: np.zeros(delta.shape[1]) if ignored else delta.sum(axis=0)}
            else:
                parts = {names.bias_at[layer][j]: delta[j] for j in range(net.sizes[layer])}
            for bias, per_sample in parts.items():
                out[Names.grad(bias)] = per_sample.sum()
                if multi:
                    for s in range(count):
                        out[Names.grad(bias, names.suffix(s))] = per_sample[s]
    return {symbol: float(value) for symbol, value in out.items()}


def updated(net: Network, result: Epoch) -> dict[str, float]:
    """Every parameter after the update: w1..wN, then the biases in the order of names.biases."""
    flat = np.concatenate([W.ravel() for W in result.new_weights])
    params = {f"w{k + 1}": float(value) for k, value in enumerate(flat)}
    if net.bias == "shared":
        params.update({name: float(b[0]) for name, b in zip(net.names.biases, result.new_biases)})
    elif net.bias == "neuron":
        params.update(zip(net.names.biases, map(float, np.concatenate(result.new_biases))))
    return params


def train(net: Network, epochs: int) -> list[float]:
    """E_total of each epoch, the environment carried from epoch to epoch."""
    env = net.start_env()
    losses = []
    for _ in range(epochs):
        result = epoch(net, env)
        losses.append(result.total)
        env = dict(env, **updated(net, result))
    return losses


def train_in_batches(net: Network, epochs: int):
    """Mini-batch training by the rule the README states, on numpy alone: each epoch the samples are
    shuffled by random.Random(shuffle_seed * 1,000,003 + epoch) (not at all for one full batch) and cut
    into batches of `batch` in that order, the last holding what is left.

    Returns every step's E_total, the lr and parameters every step starts with, and each epoch's
    E_total: the steps' E_total weighted by their share of the samples (for half_sse, their sum)."""
    import random

    count = len(net.samples)
    size = net.batch if 0 < net.batch < count else count
    params = {"lr": net.start.lr, **net.parameters()}
    step_losses, starts, epoch_losses = [], [], []
    for number in range(1, epochs + 1):
        order = list(range(count))
        if size < count:
            random.Random(net.shuffle_seed * 1_000_003 + number).shuffle(order)
        total = 0.0
        for first in range(0, count, size):
            part = net.with_changes(samples=tuple(net.samples[k] for k in order[first : first + size]), batch=0)
            starts.append(dict(params))
            result = epoch(part, dict(part.start_env(), **params))
            step_losses.append(result.total)
            total += result.total * (1 if net.loss == "half_sse" else len(part.samples) / count)
            params.update(updated(part, result))
        epoch_losses.append(total)
    return step_losses, starts, epoch_losses
