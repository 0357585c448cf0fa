"""The same training in PyTorch, float64: the independent reference for the penalties and the optimizers.

Each layer is a weight matrix (and a bias vector, or one shared bias) as torch tensors; the loss is the
network's loss over the step's batch, written with torch's own operations; the penalty is added to the
loss as an explicit term (L2: λ·Σ½w², L1: λ·Σ|w|, over the weights only), so autograd gives its gradient;
torch.optim.SGD (with or without momentum) or torch.optim.Adam takes the step.  Nothing here uses the
core's program or formulas: only the network's numbers and the schedule's batches come from it.
"""

from __future__ import annotations

import torch

from tui_backprop.core import Network
from tui_backprop.core.batches import Schedule


def _activate(name: str, s: torch.Tensor) -> torch.Tensor:
    if name == "sigmoid":
        return torch.sigmoid(s)
    if name == "tanh":
        return torch.tanh(s)
    if name == "relu":
        return torch.relu(s)
    if name == "softmax":
        return torch.softmax(s, dim=1)
    return s


def _loss(net: Network, a: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    rows, outputs = a.shape
    if net.loss == "half_sse":
        return 0.5 * ((t - a) ** 2).sum()
    if net.loss == "mse":
        return ((t - a) ** 2).sum() / (rows * outputs)
    if net.loss == "bce":
        return -(t * torch.log(a) + (1 - t) * torch.log(1 - a)).sum() / (rows * outputs)
    return -(t * torch.log(a)).sum() / rows  # cce, after softmax


class TorchNetwork:
    """`net` in torch, trained step by step as its schedule says."""

    def __init__(self, net: Network):
        self.net = net
        self.schedule = Schedule(net)
        self.weights, self.biases, at = [], [], 0
        for fan_in, fan_out in zip(net.sizes, net.sizes[1:]):
            values = torch.tensor(net.start.weights[at:at + fan_in * fan_out], dtype=torch.float64).reshape(fan_out, fan_in)
            self.weights.append(values.requires_grad_(True))
            at += fan_in * fan_out
        at = 0
        for layer in range(1, net.depth + 1):
            count = {"none": 0, "shared": 1, "neuron": net.sizes[layer]}[net.bias]
            if count:
                values = torch.tensor(net.start.biases[at:at + count], dtype=torch.float64)
                self.biases.append(values.requires_grad_(net.train_bias))
            else:
                self.biases.append(None)
            at += count
        trained = self.weights + ([b for b in self.biases if b is not None] if net.train_bias else [])
        if net.optimizer == "adam":
            self.optimizer = torch.optim.Adam(trained, lr=net.start.lr, betas=net.betas, eps=net.eps)
        else:
            self.optimizer = torch.optim.SGD(trained, lr=net.start.lr, momentum=net.momentum if net.optimizer == "momentum" else 0)
        data = torch.tensor([s.inputs + s.targets for s in net.samples], dtype=torch.float64)
        self.inputs, self.targets = data[:, :net.sizes[0]], data[:, net.sizes[0]:]

    def step(self, step: int) -> float:
        """Update step `step` (1-based) of the schedule: its E_total, and the parameters move."""
        rows = list(self.schedule.members(step))
        a = self.inputs[rows]
        for layer, (w, b) in enumerate(zip(self.weights, self.biases), 1):
            s = a @ w.T
            if b is not None:
                s = s + b
            a = _activate(self.net.activations[layer - 1], s)
        loss = _loss(self.net, a, self.targets[rows])
        objective = loss
        rate = self.net.regularization_rate
        if self.net.regularization == "l2":
            objective = objective + rate * sum(0.5 * (w ** 2).sum() for w in self.weights)
        elif self.net.regularization == "l1":
            objective = objective + rate * sum(w.abs().sum() for w in self.weights)
        self.optimizer.zero_grad()
        objective.backward()
        self.optimizer.step()
        return float(loss.detach())

    def parameters(self) -> list[float]:
        """Every parameter in the core's order: w1..wN layer by layer, then the biases."""
        out = [x for w in self.weights for x in w.detach().reshape(-1).tolist()]
        return out + [x for b in self.biases if b is not None for x in b.detach().reshape(-1).tolist()]
