"""The networks the app opens with; each one's source is in the README."""

from __future__ import annotations

import random

from .network import Network, Parameters, Sample

# The class spreadsheet of seeds 000, 001 and 004.
EXCEL_WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)
EXCEL_SAMPLE = Sample(inputs=(0.05, 0.1), targets=(0.01, 0.99))


def random_weights(count: int, seed: int, scale: float) -> tuple[float, ...]:
    """Reproducible starting weights, uniform in [-scale, scale]."""
    rng = random.Random(seed)
    return tuple(rng.uniform(-scale, scale) for _ in range(count))


def excel() -> Network:
    return Network(sizes=(2, 2, 2), activations=("sigmoid", "sigmoid"), loss="half_sse", bias="none",
                   start=Parameters(EXCEL_WEIGHTS, lr=0.5), samples=(EXCEL_SAMPLE,), name="excel")


def mazur() -> Network:
    """Seed 003: the same net with b1 = 0.35 into both hidden neurons, b2 = 0.60 into both outputs, not trained."""
    return Network(sizes=(2, 2, 2), activations=("sigmoid", "sigmoid"), loss="half_sse", bias="shared",
                   train_bias=False, start=Parameters(EXCEL_WEIGHTS, (0.35, 0.60), lr=0.5), samples=(EXCEL_SAMPLE,),
                   name="mazur")


def xor() -> Network:
    """XOR, the classic problem one straight line cannot solve: 2-3-1, tanh hidden, sigmoid out."""
    samples = tuple(Sample((a, b), (float(a != b),)) for a in (0.0, 1.0) for b in (0.0, 1.0))
    return Network(sizes=(2, 3, 1), activations=("tanh", "sigmoid"), loss="half_sse", bias="neuron",
                   start=Parameters(random_weights(9, seed=XOR_SEED, scale=1.0), (0.0,) * 4, lr=0.5),
                   samples=samples, name="xor")


XOR_SEED = 1

PRESETS = {"excel": excel, "mazur": mazur, "xor": xor}
