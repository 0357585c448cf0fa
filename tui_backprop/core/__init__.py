"""The pure-Python backprop core: standard library only, no textual, no numpy.

network.py  what a network is, and its symbol names
expr.py     the expression trees every formula is written in, once
program.py  the epoch as quantities; compiled into evaluators and the fast path
stepper.py  the cursor over the trace: next, previous, finish, run, edit
history.py  every finished epoch, compactly
slips.py    the slips students make, each a modified copy of a quantity's tree: named by `check` and the quiz
quiz.py     the quiz: judging a typed answer, naming its slip, the score
"""

import importlib

from .history import History
from .network import ACTIVATIONS, BIAS_MODES, LOSSES, Names, Network, NetworkError, Sample
from .presets import PRESETS
from .program import BACKWARD, FORWARD, PHASES, UPDATE, Program, Quantity, build_program
from .stepper import Operation, Stepper

__all__ = [
    "ACTIVATIONS", "BACKWARD", "BIAS_MODES", "FORWARD", "GradientCheck", "History", "LOSSES", "Names", "Network",
    "NetworkError", "Operation", "PHASES", "PRESETS", "Program", "Quantity", "Sample", "Stepper", "UPDATE",
    "build_program", "gradient_check", "load_network", "network_from_dict",
]

# Imported when first asked for: the app starts without a TOML parser or the gradient check.
_ON_DEMAND = {"load_network": "loader", "network_from_dict": "loader", "gradient_check": "gradcheck",
              "GradientCheck": "gradcheck"}


def __getattr__(name: str):
    if name in _ON_DEMAND:
        return getattr(importlib.import_module(f".{_ON_DEMAND[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
