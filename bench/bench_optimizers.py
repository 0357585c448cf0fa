"""Issue 20's optimizer targets: Adam's bulk training against plain numpy, and the deep PyTorch sweep.

    .venv/bin/python bench/bench_optimizers.py

1. `train` with Adam and an L2 penalty at 100-100-100 × 16 (what `backprop-tui train` runs: bulk.train, numpy
   there), against a plain numpy script of the same training, in turns, per epoch.  Target: ≤ 2×, as plain
   descent is.  Also with "checkpoints", what the app's `r` records.
2. The core against PyTorch (torch.optim.SGD with momentum, torch.optim.Adam, the penalty a term of the loss,
   float64) over many random networks of every mode, batches included, 20 steps each: the worst difference
   of E_total and of any parameter at any step, |a − b| / max(1, |a|, |b|) (relative above 1, absolute below:
   a parameter passing near 0 has no meaningful relative difference).  The suite checks a handful (tests/test_optimizers.py);
   this is the deeper sweep.  Skipped, with the reason, where torch is not installed.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))
from hand_numpy import loss_and_gradients  # noqa: E402  (beside this script: the path above finds it)

RUNS = 5
EPOCHS = 100


def network_file(folder: Path) -> Path:
    r = random.Random(1)
    path = folder / "adam-100-100-100-16.json"
    path.write_text(json.dumps({
        "name": path.stem, "layers": [100, 100, 100], "activations": "sigmoid", "weights": {"seed": 1, "scale": 0.1},
        "learning_rate": 0.001, "optimizer": "adam", "regularization": "l2", "regularization_rate": 0.0001,
        "samples": [{"inputs": [r.uniform(0, 1) for _ in range(100)], "targets": [r.uniform(0, 1) for _ in range(100)]}
                    for _ in range(16)],
    }))
    return path


def plain_numpy(inputs, targets, weights, lr, rate, betas, eps, epochs):
    """What a person writes by hand in numpy: a sigmoid net, half the sum of squares, L2, Adam."""
    weights = [w.copy() for w in weights]
    m = [np.zeros_like(w) for w in weights]
    v = [np.zeros_like(w) for w in weights]
    beta1, beta2 = betas
    losses = np.empty(epochs)
    for epoch in range(epochs):
        losses[epoch], grads = loss_and_gradients(weights, inputs, targets)
        t = epoch + 1
        for w, g, mk, vk in zip(weights, grads, m, v):
            g = g + rate * w
            mk *= beta1
            mk += (1 - beta1) * g
            vk *= beta2
            vk += (1 - beta2) * g * g
            w -= lr * (mk / (1 - beta1 ** t)) / (np.sqrt(vk / (1 - beta2 ** t)) + eps)
    return losses


def adam_against_numpy(folder: Path) -> None:
    from tui_backprop.core import build_program
    from tui_backprop.core.loader import load_network
    from tui_backprop.training import bulk

    net = load_network(network_file(folder))
    program = build_program(net)
    env = net.start_env()
    names = net.names
    flat = np.array([env[w] for w in names.weights])
    weights, at = [], 0
    for fan_in, fan_out in zip(net.sizes, net.sizes[1:]):
        weights.append(flat[at:at + fan_in * fan_out].reshape(fan_out, fan_in))
        at += fan_in * fan_out
    inputs = np.array([[env[s] for s in names.input_symbols(k)] for k in range(16)])
    targets = np.array([[env[s] for s in names.target_symbols(k)] for k in range(16)])
    for record in ("loss", "checkpoints"):
        ours, theirs = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            _, out = bulk.train(program, env, EPOCHS, record)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            reference = plain_numpy(inputs, targets, weights, net.start.lr, net.regularization_rate, net.betas, net.eps, EPOCHS)
            theirs.append(time.perf_counter() - start)
        agree = abs(out[-1] - reference[-1]) / abs(reference[-1])
        print(f"1. train, Adam + L2, 100-100-100 × 16, recording {record:<11}: {min(ours) / EPOCHS * 1e6:5.0f} µs an "
              f"epoch vs plain numpy {min(theirs) / EPOCHS * 1e6:5.0f} µs: {min(ours) / min(theirs):.2f}×   "
              f"(target ≤ 2×; last E_total agrees to {agree:.0e})")


def against_pytorch(networks: int = 40, steps: int = 20) -> None:
    try:
        import torch
    except ImportError as error:
        print(f"2. skipped: PyTorch is not installed ({error}); pip install torch==2.13.0")
        return
    from test_optimizers import MODES, training_network
    from torch_reference import TorchNetwork

    from tui_backprop.core import Stepper

    torch.set_default_dtype(torch.float64)
    worst = {}
    for optimizer, regularization in MODES:
        for case in range(networks):
            net = training_network(case + 100, optimizer, regularization)
            stepper, reference = Stepper(net), TorchNetwork(net)
            for step in range(1, steps + 1):
                stepper.finish_step()
                loss = reference.step(step)
                ours = [stepper.values["E_total"]] + [stepper.values[p] for p in stepper.program.parameters]
                for a, b in zip(ours, [loss] + reference.parameters()):
                    gap = abs(a - b) / max(1.0, abs(a), abs(b))
                    worst[optimizer, regularization] = max(worst.get((optimizer, regularization), 0.0), gap)
    for (optimizer, regularization), gap in worst.items():
        print(f"2. against PyTorch, {optimizer:<8} {regularization:<4}: {networks} networks × {steps} steps, "
              f"worst difference {gap:.1e}")
    print(f"2. worst of all: {max(worst.values()):.1e}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        adam_against_numpy(Path(folder))
    if "--numpy-only" not in sys.argv:
        against_pytorch()


if __name__ == "__main__":
    main()
