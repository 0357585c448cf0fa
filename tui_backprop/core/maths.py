"""The maths a student reads: each activation and each loss, its forward formula,
its local slope and its sentence of why, side by side.

Like micrograd's `Value`, every operation carries its own derivative next to it;
the program (program.py) only strings these pieces together over a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .expr import RELU_PY, STEP_PY, TANH_PY, Add, Call, Div, Expr, Mul, Neg, Num, Square, Sub, Sym, clipped, log, sigmoid


@dataclass(frozen=True)
class Activation:
    name: str
    words: str  # how the "why" of an output names it
    output: Callable[[Sym], Expr]  # a = g(s)
    slope: Callable[[Sym, Sym], Expr]  # da/ds, from (a, s)
    through_output: bool = False  # whether the slope is written through the output a


ONE = Num(1)

ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", "the sigmoid σ(x) = 1/(1 + e^−x)",
                          sigmoid, lambda a, s: Mul(a, Sub(ONE, a)), through_output=True),
    "tanh": Activation("tanh", "tanh",
                       lambda s: Call("tanh", TANH_PY, s, "TANH({x})"), lambda a, s: Sub(ONE, Square(a)),
                       through_output=True),
    "relu": Activation("relu", "ReLU, max(0, x)",
                       lambda s: Call("relu", RELU_PY, s, "MAX(0,{x})"), lambda a, s: Call("step", STEP_PY, s, "IF({x}>0,1,0)")),
    "identity": Activation("identity", "the identity (it passes the sum on unchanged)",
                           lambda s: s, lambda a, s: ONE),
}
SOFTMAX_WORDS = "softmax, which turns all output sums into probabilities that add up to 1"


@dataclass(frozen=True)
class Loss:
    """E_k of one output, and dE_total/da_k, for a loss averaged over `count` outputs (or samples)."""

    name: str
    count: Callable[[int, int], int]  # (outputs, samples) -> how many terms the loss averages over
    error: Callable[[Sym, Sym, int], Expr]  # (t, a, count) -> E_k
    error_why: str  # formatted with k, a, t, count
    slope: Callable[[Sym, Sym, int], Expr] | None  # (t, a, count) -> dE_total/da_k; cce has none (see below)
    slope_how: str  # formatted with a, t


def _over(expr: Expr, count: int) -> Expr:
    return expr if count == 1 else Div(expr, Num(count))


def _times(count: int, expr: Expr) -> Expr:
    return expr if count == 1 else Mul(Num(count), expr)


LOSSES = {
    "half_sse": Loss(
        "half_sse", lambda outputs, samples: 1, lambda t, a, count: Mul(Num(0.5, "½"), Square(Sub(t, a))),
        "E{k} is half the squared distance between the output {a} and its target {t}.",
        lambda t, a, count: Sub(a, t), "d/d{a} of ½({t} − {a})² is {a} − {t}"),
    "mse": Loss(
        "mse", lambda outputs, samples: outputs * samples, lambda t, a, count: _over(Square(Sub(t, a)), count),
        "E{k} is this output's share of the mean squared error over all {count} outputs.",
        lambda t, a, count: _over(Mul(Num(2), Sub(a, t)), count),
        "the derivative of the squared difference, divided by the count"),
    "bce": Loss(
        "bce", lambda outputs, samples: outputs * samples, lambda t, a, count: _over(Neg(Add(Mul(t, log(a)), Mul(Sub(ONE, t), log(Sub(ONE, a))))), count),
        "E{k} is the binary cross-entropy of {a} against {t}: large when a confident output is wrong.",
        lambda t, a, count: Div(Sub(a, t), _times(count, clipped(Mul(a, Sub(ONE, a))))),
        "the derivative of the cross-entropy"),
    "cce": Loss(
        "cce", lambda outputs, samples: samples, lambda t, a, count: _over(Neg(Mul(t, log(a))), count),
        "E{k} is −t·ln(a): only the classes the target puts weight on cost anything.",
        None, ""),
}


def softmax_cce_slope(a: Sym, t: Sym, targets: list[Sym], count: int) -> Expr:
    """dE_total/do_k through softmax and cross-entropy together: a·Σt − t.

    Exact for any targets; it is the familiar a − t only when they add up to 1."""
    return _over(Sub(Mul(a, Add(*targets) if len(targets) > 1 else targets[0]), t), count)


SOFTMAX_CCE_WHY = ("Softmax and cross-entropy together have the slope a·(sum of the targets) − t for each output sum, "
                   "which is a − t when the targets add up to 1: every E depends on every o through softmax, "
                   "and the terms collapse.")
