"""Tiny expression trees: the one description every formula is written in.

Each node can evaluate itself, print itself in symbols, print itself with the
current numbers substituted, list the symbols it reads, and emit Python source.
Values are never computed by walking the tree: the tree is turned into Python
source once, and both the step-by-step trace and the fast path run that same
source, so the two agree to the last bit.
"""

from __future__ import annotations

import math

# Stable forms of the non-linear pieces, as Python source templates over a
# plain name.  exp(-x) would overflow below -708, where σ(x) equals e^x anyway.
SIGMOID_PY = "(1.0/(1.0 + exp(-{x})) if {x} > -708.0 else exp({x}))"
TANH_PY = "tanh({x})"
RELU_PY = "(0.0 if {x} <= 0.0 else {x})"  # NaN passes through: a divergence must stay visible
STEP_PY = "(1.0 if {x} > 0.0 else 0.0)"
# Logs and divisions that the losses need are clipped away from 0 so that a
# saturated output gives a huge but finite number, never a ZeroDivisionError.
EPS = 1e-12
# Written so that NaN passes through (a divergence must stay visible).
CLIP_PY = "(1e-12 if {x} <= 1e-12 else {x})"

RUNTIME = {"exp": math.exp, "tanh": math.tanh, "log": math.log}

# Binding strength, used to decide where parentheses are needed.
_SUM, _PRODUCT, _UNARY, _ATOM = 1, 2, 3, 4


def format_number(value: float, digits: int | None = None) -> str:
    """A number as a student reads it: at most `digits` significant digits, 12 unless told.

    Twelve is more than any hand calculation carries and few enough to hide the last bits of
    binary rounding: 0.25·0.05 + 0.3·0.1 + 0.35 is 0.39249999999999996 in floating point, and
    shows as 0.3925.  Files that keep every bit (JSON, CSV, sessions) write repr, not this.
    A negative zero shows as 0: "−0" reads as a sign that means something.
    """
    text = f"{float(value) + 0.0:.{12 if digits is None else digits}g}"  # + 0.0 turns −0.0 into 0.0
    if text.startswith("-"):
        return "−" + text[1:]
    return text


class Expr:
    precedence = _ATOM

    def reads(self) -> list[str]:
        """Symbols this expression reads, in order of first appearance."""
        seen: list[str] = []
        self._collect(seen)
        return seen

    def _collect(self, seen: list[str]) -> None:
        for child in self.children():
            child._collect(seen)

    def children(self) -> tuple[Expr, ...]:
        return ()

    def text(self) -> str:
        return self.render(lambda name: name)

    def substituted(self, values: dict[str, float], digits: int | None = None) -> str:
        def show(name):
            text = format_number(values[name], digits)
            # A negative number in the middle of a formula reads better bracketed: 0.5·(−0.02).
            return f"({text})" if text.startswith("−") else text

        return self.render(show)

    def render(self, show) -> str:  # pragma: no cover - every node overrides
        raise NotImplementedError

    def py(self, name) -> str:  # pragma: no cover - every node overrides
        raise NotImplementedError

    def _wrap(self, child: Expr, show, tighter: bool = False) -> str:
        inner = child.render(show)
        if child.precedence < self.precedence or (tighter and child.precedence == self.precedence):
            return f"({inner})"
        return inner


class Sym(Expr):
    def __init__(self, name: str):
        self.name = name

    def _collect(self, seen):
        if self.name not in seen:
            seen.append(self.name)

    def render(self, show):
        return show(self.name)

    def py(self, name):
        return name(self.name)


class Num(Expr):
    """A constant; `label` is how it is written (½, n) when not a plain number."""

    def __init__(self, value: float, label: str | None = None):
        self.value = float(value)
        self.label = label

    def render(self, show):
        return self.label or format_number(self.value)

    def py(self, name):
        return repr(self.value)


class Add(Expr):
    precedence = _SUM

    def __init__(self, *terms: Expr):
        self.terms = terms

    def children(self):
        return self.terms

    def render(self, show):
        return " + ".join(self._wrap(term, show) for term in self.terms)

    def py(self, name):
        return "(" + " + ".join(term.py(name) for term in self.terms) + ")"


class Sub(Expr):
    precedence = _SUM

    def __init__(self, left: Expr, right: Expr):
        self.left, self.right = left, right

    def children(self):
        return (self.left, self.right)

    def render(self, show):
        return f"{self._wrap(self.left, show)} − {self._wrap(self.right, show, tighter=True)}"

    def py(self, name):
        return f"({self.left.py(name)} - {self.right.py(name)})"


class Mul(Expr):
    precedence = _PRODUCT

    def __init__(self, *factors: Expr):
        self.factors = factors

    def children(self):
        return self.factors

    def render(self, show):
        return "·".join(self._wrap(factor, show) for factor in self.factors)

    def py(self, name):
        return "(" + "*".join(factor.py(name) for factor in self.factors) + ")"


class Div(Expr):
    precedence = _PRODUCT

    def __init__(self, top: Expr, bottom: Expr):
        self.top, self.bottom = top, bottom

    def children(self):
        return (self.top, self.bottom)

    def render(self, show):
        return f"{self._wrap(self.top, show)} / {self._wrap(self.bottom, show, tighter=True)}"

    def py(self, name):
        return f"({self.top.py(name)} / {self.bottom.py(name)})"


class Neg(Expr):
    precedence = _UNARY

    def __init__(self, inner: Expr):
        self.inner = inner

    def children(self):
        return (self.inner,)

    def render(self, show):
        return "−" + self._wrap(self.inner, show, tighter=True)

    def py(self, name):
        return f"(-{self.inner.py(name)})"


class Square(Expr):
    precedence = _ATOM

    def __init__(self, inner: Expr):
        self.inner = inner

    def children(self):
        return (self.inner,)

    def render(self, show):
        inner = self.inner.render(show)
        return f"({inner})²" if self.inner.precedence < _ATOM or not isinstance(self.inner, Sym) else f"{inner}²"

    def py(self, name):
        # x*x, not x**2: float ** raises OverflowError where * gives inf.
        inner = self.inner.py(name)
        return f"({inner}*{inner})"


class Call(Expr):
    """A named function of one symbol, e.g. σ(h1); `template` is its Python source."""

    def __init__(self, label: str, template: str, arg: Expr):
        self.label, self.template, self.arg = label, template, arg

    def children(self):
        return (self.arg,)

    def render(self, show):
        return f"{self.label}({self.arg.render(show)})"

    def py(self, name):
        return self.template.format(x=self.arg.py(name))


class Softmax(Expr):
    """e^(x_k − m) / Σ e^(x_j − m) with m = max x_j, so no exp ever overflows."""

    def __init__(self, index: int, args: list[Sym]):
        self.index, self.args = index, args

    def children(self):
        return tuple(self.args)

    def render(self, show):
        shown = ", ".join(arg.render(show) for arg in self.args)
        return f"softmax({shown})_{self.index + 1}"

    def py(self, name):
        names = [arg.py(name) for arg in self.args]
        peak = f"max({', '.join(names)})" if len(names) > 1 else names[0]  # max() needs two arguments
        total = " + ".join(f"exp({n} - {peak})" for n in names)
        return f"(exp({names[self.index]} - {peak}) / ({total}))"


def sigmoid(x: Expr) -> Expr:
    return Call("σ", SIGMOID_PY, x)


def log(x: Expr) -> Expr:
    return Call("ln", "log(" + CLIP_PY + ")", x)


def clipped(x: Expr) -> Expr:
    """x kept above 1e-12; printed as x itself, since it only matters at saturation."""
    return _Clipped(x)


class _Clipped(Expr):
    def __init__(self, inner: Expr):
        self.inner = inner
        self.precedence = inner.precedence

    def children(self):
        return (self.inner,)

    def render(self, show):
        return self.inner.render(show)

    def py(self, name):
        return CLIP_PY.format(x=self.inner.py(name))
