"""The maths a student reads: each activation and each loss, its forward formula,
its local slope and its sentence of why, side by side.

Like micrograd's `Value`, every operation carries its own derivative next to it;
the program (program.py) only strings these pieces together over a network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .expr import (
    RELU_PY,
    STEP_PY,
    TANH_PY,
    Abs,
    Add,
    Call,
    Div,
    Expr,
    Mul,
    Neg,
    Num,
    Power,
    Square,
    Sub,
    Sym,
    clipped,
    log,
    sigmoid,
    sign,
    sqrt,
)
from .network import BETA1, BETA2, EPS, MU, STEP
from .quantity import Kind


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


# -- regularization: a penalty on the weights, added to the objective once per update step ---------------


@dataclass(frozen=True)
class Penalty:
    name: str
    total: Callable[[Sym, list[Sym]], Expr]  # (λ, weights) -> E_reg
    total_why: str
    slope: Callable[[Sym, Sym], Expr]  # (λ, w) -> dE_reg/dw
    slope_why: str  # formatted with w


def sum_of(terms: list[Expr]) -> Expr:
    """t1 + t2 + …, or the one term alone."""
    return Add(*terms) if len(terms) > 1 else terms[0]


PENALTIES = {
    "l2": Penalty(
        "l2", lambda rate, weights: Mul(rate, sum_of([Mul(Num(0.5, "½"), Square(w)) for w in weights])),
        "E_reg, the L2 penalty, is λ times half the sum of every weight's square (never a bias's): large weights "
        "cost more, so training prefers small ones.",
        lambda rate, w: Mul(rate, w),
        "d/d{w} of λ·½{w}² is λ·{w}: the penalty pulls {w} towards 0 in proportion to its size (weight decay)."),
    "l1": Penalty(
        "l1", lambda rate, weights: Mul(rate, sum_of([Abs(w) for w in weights])),
        "E_reg, the L1 penalty, is λ times the sum of every weight's size |w| (never a bias's): it pushes "
        "weights that matter little all the way to 0.",
        lambda rate, w: Mul(rate, sign(w)),
        "d/d{w} of λ·|{w}| is λ·sign({w}) (sign(0) = 0): the same pull towards 0 whatever {w}'s size."),
}
OBJECTIVE_WHY = ("Training makes E_total + E_reg small, so {w}'s gradient is the data's dE_total/d{w} "
                 "plus the penalty's dE_reg/d{w}.")


# -- optimizers: how a gradient becomes a step, with PyTorch's definitions ---------------------------------
# SGD:      p ← p − lr·g
# momentum: v ← μ·v + g, p ← p − lr·v             (torch.optim.SGD(momentum=μ): no dampening, no Nesterov, v starts at 0)
# Adam:     t ← t + 1, m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t),
#           p ← p − lr·m̂/(√v̂ + ε)                  (torch.optim.Adam; m, v and t start at 0)


def sgd_step(p: Sym, lr: Sym, g: Sym) -> Expr:
    return Sub(p, Mul(lr, g))


def velocity(v: Sym, mu: Sym, g: Sym) -> Expr:
    return Add(Mul(mu, v), g)


def count_step(t: Sym) -> Expr:
    return Add(t, ONE)


def first_moment(m: Sym, beta1: Sym, g: Sym) -> Expr:
    return Add(Mul(beta1, m), Mul(Sub(ONE, beta1), g))


def second_moment(v: Sym, beta2: Sym, g: Sym) -> Expr:
    return Add(Mul(beta2, v), Mul(Sub(ONE, beta2), Square(g)))


def corrected(moment: Sym, beta: Sym, t: Sym) -> Expr:
    return Div(moment, Sub(ONE, Power(beta, t)))


def adam_step(p: Sym, lr: Sym, m_hat: Sym, v_hat: Sym, eps: Sym) -> Expr:
    return Sub(p, Mul(lr, Div(m_hat, Add(sqrt(v_hat), eps))))


COUNT_WHY = "Adam counts its update steps from 1: t sets how much its bias correction lifts the moments."
CORRECTED_WHY = ("The moving average started at 0, so early on it is too small; dividing by 1 − {beta}^t, which tends "
                 "to 1 as t grows, corrects that bias.")


@dataclass(frozen=True)
class UpdateQuantity:
    """One quantity of a parameter p's update: its symbol, its formula from p's name and the gradient g it
    steps by, and its sentence of why; the symbol and the sentence are patterns over p."""

    symbol: str  # formatted with p
    kind: Kind
    formula: Callable[[str, Sym], Expr]  # (p, g) -> the expression
    why: str  # formatted with p


LR = Sym("lr")

# Each optimizer's quantities of one parameter, in the order they are worked; the last is the parameter's step.
UPDATES = {
    "sgd": (
        UpdateQuantity("{p}", Kind.UPDATE, lambda p, g: sgd_step(Sym(p), LR, g),
                       "Gradient descent moves {p} a step of lr against its gradient; every gradient came from the "
                       "same forward pass, so all parameters update together."),
    ),
    "momentum": (
        UpdateQuantity("v_{p}", Kind.VELOCITY, lambda p, g: velocity(Sym(f"v_{p}"), Sym(MU), g),
                       "Momentum keeps a running sum of the gradients, each step's shrunk by μ: v_{p} is {p}'s "
                       "velocity, which builds up while the gradient keeps its sign and damps a zig-zag."),
        UpdateQuantity("{p}", Kind.UPDATE, lambda p, g: sgd_step(Sym(p), LR, Sym(f"v_{p}")),
                       "With momentum, {p} moves a step of lr along its velocity v_{p}, not along this step's "
                       "gradient alone."),
    ),
    "adam": (
        UpdateQuantity("m_{p}", Kind.MOMENT, lambda p, g: first_moment(Sym(f"m_{p}"), Sym(BETA1), g),
                       "m_{p} is the moving average of {p}'s gradient (Adam's first moment): β1 of the old average "
                       "and 1 − β1 of the new gradient."),
        UpdateQuantity("v_{p}", Kind.MOMENT, lambda p, g: second_moment(Sym(f"v_{p}"), Sym(BETA2), g),
                       "v_{p} is the moving average of {p}'s squared gradient (Adam's second moment): how large its "
                       "gradients have been, whatever their sign."),
        UpdateQuantity("mhat_{p}", Kind.CORRECTED, lambda p, g: corrected(Sym(f"m_{p}"), Sym(BETA1), Sym(STEP)),
                       CORRECTED_WHY.format(beta="β1")),
        UpdateQuantity("vhat_{p}", Kind.CORRECTED, lambda p, g: corrected(Sym(f"v_{p}"), Sym(BETA2), Sym(STEP)),
                       CORRECTED_WHY.format(beta="β2")),
        UpdateQuantity("{p}", Kind.UPDATE,
                       lambda p, g: adam_step(Sym(p), LR, Sym(f"mhat_{p}"), Sym(f"vhat_{p}"), Sym(EPS)),
                       "Adam moves {p} by lr times its average gradient over the root of its average squared "
                       "gradient: about lr in size whatever the gradient's scale (ε keeps it finite where the "
                       "gradient has been 0)."),
    ),
}


# -- accuracy: for targets that are classes, how often the largest output (or one past 0.5) is the target's class --
ARGMAX = "argmax"  # one-hot targets over two or more outputs: the largest output names the class
THRESHOLD = "threshold"  # one output with targets 0 and 1: an output above 0.5 is class 1
THRESHOLD_AT = 0.5


def class_rule(outputs: int, targets) -> str | None:
    """How an output vector names a class, when every target vector is a class and two classes at least
    occur: ARGMAX for one-hot targets over two or more outputs, THRESHOLD for one output with targets 0 and 1;
    None for any other targets (a regression, the worked examples' 0.01 and 0.99, or one sample's 1: nothing
    to tell apart), which have no accuracy."""
    rows = [tuple(row) for row in targets]
    if outputs == 1:
        rule = THRESHOLD if all(row[0] in (0.0, 1.0) for row in rows) else None
    else:
        rule = ARGMAX if all(row.count(1.0) == 1 and row.count(0.0) == outputs - 1 for row in rows) else None
    return rule if rule and len({target_class(rule, row) for row in rows}) >= 2 else None


def predicted_class(rule: str, outputs) -> int:
    """The class an output vector names: the first of the largest outputs (as numpy's argmax), or above 0.5
    (as Keras's binary accuracy)."""
    if rule == THRESHOLD:
        return int(outputs[0] > THRESHOLD_AT)
    best = 0
    for k in range(1, len(outputs)):
        if outputs[k] > outputs[best]:
            best = k
    return best


def target_class(rule: str, targets) -> int:
    """The class a target vector names, read as an output vector is: the same for a one-hot or a 0/1 target,
    and a target edited in the app (`w t1 = 0.7`) still names one."""
    return predicted_class(rule, targets)


def correct_count(rule: str, outputs, targets) -> int:
    """How many of the samples (an output vector and a target vector each) the outputs name the class of."""
    return sum(predicted_class(rule, out) == target_class(rule, target) for out, target in zip(outputs, targets))

