"""The pure-Python backprop core: standard library only, no textual, no numpy.

reference.py  one epoch of any network, eagerly, in the order a student works it: start here
maths.py      each activation, loss, penalty and optimizer: its formulas; why.py, each quantity's sentence of why
quantity.py   the vocabulary: the phases, a quantity's Kind, the Quantity (symbol, formula, sentence)
network.py    what a network is (its shape, choices and data), its starting parameters, and its symbol names
expr.py       the expression trees every formula is written in, once
program.py    reference.py's epoch planned lazily; compiled.py, the same as Python source: the fast path
stepper.py    the cursor over the trace: next, previous, finish, run, edit; the live numbers' one home
history.py    every finished update step, compactly
slips.py      the slips students make, each a modified copy of a quantity's tree: named by `check` and the quiz
quiz.py       the quiz: judging a typed answer, naming its slip, the score
"""

import importlib

from .gradcheck import GradientCheck, gradient_check
from .history import History
from .network import ACTIVATIONS, BIAS_MODES, LOSSES, Names, Network, NetworkError, Parameters, Sample
from .presets import PRESETS
from .program import Program, Record, build_program
from .quantity import BACKWARD, FORWARD, PHASES, UPDATE, Kind, Quantity
from .stepper import Operation, Stepper

__all__ = [
    "ACTIVATIONS", "BACKWARD", "BIAS_MODES", "FORWARD", "GradientCheck", "History", "Kind", "LOSSES", "Names",
    "Network", "NetworkError", "Operation", "PHASES", "Parameters", "PRESETS", "Program", "Quantity", "Record", "Sample", "Stepper",
    "UPDATE",
    "build_program", "gradient_check", "load_network", "network_from_dict",
]

# Imported when first asked for: the TOML parser and the data sets cost the app's start-up
# (docs/architecture.md, "Imports").
_ON_DEMAND = {"load_network": "loader", "network_from_dict": "loader"}


def __getattr__(name: str):
    if name in _ON_DEMAND:
        return getattr(importlib.import_module(f".{_ON_DEMAND[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
