"""The vocabulary of an epoch, not its maths: the phases, the kinds of quantity, and a `Quantity`, one number
with its symbol, the expression that defines it (maths.py's) and its sentence of why."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .expr import Expr

FORWARD, BACKWARD, UPDATE = "forward", "backward", "update"
PHASES = (FORWARD, BACKWARD, UPDATE)


class Kind(str, Enum):
    """What a quantity is, in the order an epoch first computes each kind."""

    SUM = "sum"  # a neuron's weighted sum: h1
    ACTIVATION = "activation"  # its output: a_h1
    ERROR = "error"  # an output's error: E1
    TOTAL = "total"  # E_total
    PENALTY = "penalty"  # E_reg, a penalty on the weights
    LOSS_SLOPE = "loss_slope"  # dE_total/da_o1 (through softmax: dE_total/do1)
    ROUTE = "route"  # dE_total/da_h1, summed over the routes through the next layer
    ACTIVATION_SLOPE = "activation_slope"  # da_h1/dh1
    GRADIENT = "gradient"  # dE_total/dw1 of one sample
    SAMPLE_SUM = "sample_sum"  # dE_total/dw1 over every sample
    PENALTY_GRADIENT = "penalty_gradient"  # dE_reg/dw1
    OBJECTIVE_GRADIENT = "objective_gradient"  # dE/dw1 = dE_total/dw1 + dE_reg/dw1
    STEP_COUNT = "step_count"  # Adam's t
    VELOCITY = "velocity"  # momentum's v_w1
    MOMENT = "moment"  # Adam's m_w1, v_w1
    CORRECTED = "corrected"  # Adam's mhat_w1, vhat_w1
    UPDATE = "update"  # w1 after the step


@dataclass(frozen=True, init=False)
class Quantity:
    """One number of the epoch: its symbol, the expression that defines it (maths.py's), and why."""

    symbol: str
    phase: str
    expr: Expr
    why: str
    kind: Kind
    layer: int | None = None
    neuron: int | None = None
    sample: int | None = None
    param: str | None = None  # the parameter a gradient or update belongs to
    reads: tuple[str, ...] = field(init=False, repr=False, compare=False)  # the symbols `expr` reads, in order

    def __init__(self, symbol: str, phase: str, expr: Expr, why: str, kind: Kind, layer: int | None = None,
                 neuron: int | None = None, sample: int | None = None, param: str | None = None):
        # The fields in one go: a frozen dataclass's own __init__ sets each through object.__setattr__, ten
        # calls a quantity, and a large network's epoch builds 374,401 quantities (explain builds them all).
        self.__dict__.update({"symbol": symbol, "phase": phase, "expr": expr, "why": why, "kind": kind,
                              "layer": layer, "neuron": neuron, "sample": sample, "param": param,
                              "reads": tuple(expr.reads())})

    @property
    def formula(self) -> str:
        return f"{self.symbol} = {self.expr.text()}"

    def substituted(self, values: dict[str, float], digits: int | None = None, most_terms: int | None = None) -> str:
        return f"{self.symbol} = {self.expr.substituted(values, digits, most_terms)}"

    def shortened(self, most_terms: int) -> str:
        """The formula, a long sum shown by its first and last terms (a screen has no room for 100)."""
        return f"{self.symbol} = {self.expr.text(most_terms)}"

    def evaluate(self, values: dict[str, float]) -> float:
        return self.expr.evaluate(values)
