"""Tiny expression trees: the one description every formula is written in.

Each node can print itself in symbols, print itself with the current numbers
substituted, list the symbols it reads, evaluate itself, and emit Python source.
`evaluate` (the step-by-step trace) and `py` (the compiled fast path) do the
same floating-point operations in the same order, each non-linear piece
compiled from one source template, so the two agree to the last bit (a test
holds them to it).
"""

from __future__ import annotations

import math

# Stable forms of the non-linear pieces, as Python source templates over a
# plain name.  exp(-x) would overflow below -708, where σ(x) equals e^x anyway.
SIGMOID_PY = "(1.0/(1.0 + exp(-{x})) if {x} > -708.0 else exp({x}))"
TANH_PY = "tanh({x})"
RELU_PY = "(0.0 if {x} <= 0.0 else {x})"  # NaN passes through: a divergence must stay visible
STEP_PY = "(1.0 if {x} > 0.0 else 0.0)"
# sign(0) = 0, as PyTorch's; NaN passes through (x*0.0 is NaN for NaN, 0.0 for a zero).
SIGN_PY = "(1.0 if {x} > 0.0 else -1.0 if {x} < 0.0 else {x}*0.0)"
SQRT_PY = "sqrt({x})"
# Logs and divisions that the losses need are clipped away from 0 so that a
# saturated output gives a huge but finite number, never a ZeroDivisionError.
EPS = 1e-12
# Written so that NaN passes through (a divergence must stay visible).
CLIP_PY = "(1e-12 if {x} <= 1e-12 else {x})"

RUNTIME = {"exp": math.exp, "tanh": math.tanh, "log": math.log, "sqrt": math.sqrt}


def function_of(template: str):
    """A one-argument Python function from a source template over {x}: the trace's copy of the compiled code."""
    if template not in _FUNCTIONS:
        _FUNCTIONS[template] = eval(f"lambda x: {template.format(x='x')}", dict(RUNTIME))
    return _FUNCTIONS[template]


_FUNCTIONS: dict = {}

# Binding strength, used to decide where parentheses are needed.
_SUM, _PRODUCT, _UNARY, _ATOM = 1, 2, 3, 4
# The same in a spreadsheet formula (sheets/xlsx.py), where unary minus binds tighter than ^.
X_SUM, X_PRODUCT, X_POWER, X_ATOM = 1, 2, 3, 4


def spreadsheet_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def format_number(value: float, digits: int | None = None) -> str:
    """A number as a student reads it: at most `digits` significant digits, 12 unless told.

    Twelve is more than any hand calculation carries and few enough to hide the last bits of
    binary rounding: 0.25·0.05 + 0.3·0.1 + 0.35 is 0.39249999999999996 in floating point, and
    shows as 0.3925.  Files that keep every bit (JSON, CSV, sessions) write repr, not this.
    A negative zero shows as 0: "−0" reads as a sign that means something.
    """
    # %-formatting, not an f-string with a nested width: a large network's explanation shows
    # millions of numbers, and this is the quicker of two ways to the same text.
    text = "%.*g" % (12 if digits is None else digits, float(value) + 0.0)  # noqa: UP031  (+ 0.0: −0.0 into 0.0)
    if text[0] == "-":
        return "−" + text[1:]
    return text


def counted(number: int, noun: str) -> str:
    """A count as a student reads it, and the one way to make a plural: 1 epoch, 2 epochs, 1,000 wrong cells,
    8 batches."""
    return f"{number:,} {plural(noun) if number != 1 else noun}"


def plural(noun: str) -> str:
    # -es after a soft ch, sh, s or x: "batch" is the one such noun here ("epoch", with its hard ch, takes -s).
    return noun + ("es" if noun.endswith(("batch", "sh", "s", "x")) else "s")


def _unbracketed(text: str) -> str:
    """A bracketed negative number alone between a function's own brackets needs no second pair: relu(−0.2)."""
    if text.startswith("(−") and text.endswith(")") and text.count("(") == 1:
        return text[1:-1]
    return text


# A symbol in a formula shows as its own name: str(name) is the name itself, with no Python call per symbol.
_name = str


class _Shortened:
    """A way to show symbols (`show`) that also shortens sums of more than `most_terms` terms."""

    def __init__(self, show, most_terms: int):
        self.show, self.most_terms = show, most_terms

    def __call__(self, name: str) -> str:
        return self.show(name)


def _parts(show, parts, render) -> list[str]:
    """The parts of a sum rendered by `render` (a list of parts to a list of texts); when `show` shortens,
    the first few, "…(n more)…" and the last."""
    most = getattr(show, "most_terms", None)
    if most is None or len(parts) <= most:
        return render(parts)
    return render(parts[: most - 1]) + [f"…({len(parts) - most} more)…"] + render(parts[-1:])


class Expr:
    precedence = _ATOM

    def reads(self) -> list[str]:
        """Symbols this expression reads, in order of first appearance."""
        seen: dict[str, None] = {}
        self._collect(seen)
        return list(seen)

    def _collect(self, seen: dict[str, None]) -> None:
        for child in self.children():
            if type(child) is Sym:  # most children of a large network's sums and products: no call for them
                seen[child.name] = None
            else:
                child._collect(seen)

    def children(self) -> tuple[Expr, ...]:
        return ()

    def with_children(self, children) -> Expr:
        """The same node over other children (in the order of `children()`): for trees built from trees."""
        return self

    def clamped(self, values: dict[str, float]) -> list[str]:
        """Where these numbers hit a clamp: each logarithm or division whose argument was raised to 1e-12
        (a saturated output), said in words — its result is then a bound, not the exact value."""
        notes = []
        for child in self.children():
            notes += child.clamped(values)
        return notes

    def text(self, most_terms: int | None = None) -> str:
        """In symbols; a sum of more than `most_terms` terms shows its first and last few around "…"."""
        return self.render(_name if most_terms is None else _Shortened(_name, most_terms))

    def substituted(self, values: dict[str, float], digits: int | None = None, most_terms: int | None = None) -> str:
        places = 12 if digits is None else digits

        def show(name):
            # format_number's text, written out: explain shows millions of numbers.  A negative number
            # in the middle of a formula reads better bracketed: 0.5·(−0.02).
            text = "%.*g" % (places, values[name] + 0.0)  # noqa: UP031  (as in format_number)
            return f"(−{text[1:]})" if text[0] == "-" else text

        return self.render(show if most_terms is None else _Shortened(show, most_terms))

    def render(self, show) -> str:  # pragma: no cover - every node overrides
        raise NotImplementedError

    def py(self, name) -> str:  # pragma: no cover - every node overrides
        raise NotImplementedError

    def evaluate(self, values: dict[str, float]) -> float:  # pragma: no cover - every node overrides
        raise NotImplementedError

    def excel(self, ref) -> tuple[str, int]:
        """Spreadsheet formula text and its binding strength; `ref(symbol)` gives a symbol's cell or name."""
        raise NotImplementedError(f"a {type(self).__name__} node has no spreadsheet formula yet")

    @staticmethod
    def _excel_wrap(child: Expr, ref, weakest: int) -> str:
        text, strength = child.excel(ref)
        return f"({text})" if strength < weakest else text

    def _wrapped(self, children, show) -> list[str]:
        """Children rendered, each bracketed when it binds more loosely than this node: `_wrap` over a
        list in one go, since a sum of a large network has a hundred terms and each a Python call less."""
        mine = self.precedence
        # A symbol (most children of a large network's sums and products) is shown without a call to render.
        return [show(child.name) if type(child) is Sym else f"({child.render(show)})" if child.precedence < mine
                else child.render(show) for child in children]

    def _wrap(self, child: Expr, show, tighter: bool = False) -> str:
        inner = child.render(show)
        if child.precedence < self.precedence or (tighter and child.precedence == self.precedence):
            return f"({inner})"
        return inner


class Sym(Expr):
    def __init__(self, name: str):
        self.name = name

    def _collect(self, seen):
        seen[self.name] = None

    def render(self, show):
        return show(self.name)

    def py(self, name):
        return name(self.name)

    def evaluate(self, values):
        return values[self.name]

    def excel(self, ref):
        return ref(self.name), X_ATOM


class Num(Expr):
    """A constant; `label` is how it is written (½, n) when not a plain number."""

    def __init__(self, value: float, label: str | None = None):
        self.value = float(value)
        self.label = label

    def render(self, show):
        return self.label or format_number(self.value)

    def py(self, name):
        return repr(self.value)

    def evaluate(self, values):
        return self.value

    def excel(self, ref):
        text = spreadsheet_number(self.value)
        return (f"({text})" if self.value < 0 else text), X_ATOM


class Add(Expr):
    precedence = _SUM

    def __init__(self, *terms: Expr):
        self.terms = terms

    def children(self):
        return self.terms

    def with_children(self, children):
        return Add(*children)

    def render(self, show):
        return " + ".join(_parts(show, self.terms, lambda terms: self._wrapped(terms, show)))

    def py(self, name):
        return "(" + " + ".join(term.py(name) for term in self.terms) + ")"

    def evaluate(self, values):
        terms = iter(self.terms)
        first = next(terms)
        total = values[first.name] if type(first) is Sym else first.evaluate(values)
        for term in terms:  # left to right, as Python evaluates a + b + c; a symbol read without a call
            total = total + (values[term.name] if type(term) is Sym else term.evaluate(values))
        return total

    def excel(self, ref):
        return "+".join(self._excel_wrap(term, ref, X_SUM) for term in self.terms), X_SUM


class Sub(Expr):
    precedence = _SUM

    def __init__(self, left: Expr, right: Expr):
        self.left, self.right = left, right

    def children(self):
        return (self.left, self.right)

    def with_children(self, children):
        return Sub(*children)

    def render(self, show):
        return f"{self._wrap(self.left, show)} − {self._wrap(self.right, show, tighter=True)}"

    def py(self, name):
        return f"({self.left.py(name)} - {self.right.py(name)})"

    def evaluate(self, values):
        return self.left.evaluate(values) - self.right.evaluate(values)

    def excel(self, ref):
        return f"{self._excel_wrap(self.left, ref, X_SUM)}-{self._excel_wrap(self.right, ref, X_PRODUCT)}", X_SUM


class Mul(Expr):
    precedence = _PRODUCT

    def __init__(self, *factors: Expr):
        self.factors = factors

    def children(self):
        return self.factors

    def with_children(self, children):
        return Mul(*children)

    def render(self, show):
        return "·".join(self._wrapped(self.factors, show))

    def py(self, name):
        return "(" + "*".join(factor.py(name) for factor in self.factors) + ")"

    def evaluate(self, values):
        # A symbol factor (most of a large network's) is read without a call: the same value, the same bits.
        factors = iter(self.factors)
        first = next(factors)
        product = values[first.name] if type(first) is Sym else first.evaluate(values)
        for factor in factors:
            product = product * (values[factor.name] if type(factor) is Sym else factor.evaluate(values))
        return product

    def excel(self, ref):
        return "*".join(self._excel_wrap(factor, ref, X_PRODUCT) for factor in self.factors), X_PRODUCT


class Div(Expr):
    precedence = _PRODUCT

    def __init__(self, top: Expr, bottom: Expr):
        self.top, self.bottom = top, bottom

    def children(self):
        return (self.top, self.bottom)

    def with_children(self, children):
        return Div(*children)

    def render(self, show):
        return f"{self._wrap(self.top, show)} / {self._wrap(self.bottom, show, tighter=True)}"

    def py(self, name):
        return f"({self.top.py(name)} / {self.bottom.py(name)})"

    def evaluate(self, values):
        return self.top.evaluate(values) / self.bottom.evaluate(values)

    def excel(self, ref):
        return f"{self._excel_wrap(self.top, ref, X_PRODUCT)}/{self._excel_wrap(self.bottom, ref, X_POWER)}", X_PRODUCT


class Neg(Expr):
    precedence = _UNARY

    def __init__(self, inner: Expr):
        self.inner = inner

    def children(self):
        return (self.inner,)

    def with_children(self, children):
        return Neg(*children)

    def render(self, show):
        return "−" + self._wrap(self.inner, show, tighter=True)

    def py(self, name):
        return f"(-{self.inner.py(name)})"

    def evaluate(self, values):
        return -self.inner.evaluate(values)

    def excel(self, ref):
        # Ranked with sums, so that it is bracketed inside a product: 2*(-x), a-(-x).
        return "-" + self._excel_wrap(self.inner, ref, X_ATOM), X_SUM


class Square(Expr):
    precedence = _ATOM

    def __init__(self, inner: Expr):
        self.inner = inner

    def children(self):
        return (self.inner,)

    def with_children(self, children):
        return Square(*children)

    def render(self, show):
        inner = self.inner.render(show)
        # A gradient's name holds a slash: (dE_total/dw1)² squares the whole of it.
        plain = isinstance(self.inner, Sym) and "/" not in self.inner.name
        return f"{inner}²" if plain else f"({inner})²"

    def py(self, name):
        # x*x, not x**2: float ** raises OverflowError where * gives inf.
        inner = self.inner.py(name)
        return f"({inner}*{inner})"

    def evaluate(self, values):
        inner = self.inner.evaluate(values)
        return inner * inner

    def excel(self, ref):
        # Excel's unary minus binds tighter than ^, so any base but a plain cell is bracketed.
        return self._excel_wrap(self.inner, ref, X_ATOM) + "^2", X_POWER


class Power(Expr):
    """base^exponent (Adam's β1^t): Python's float power, which gives inf where a product would."""

    precedence = _ATOM

    def __init__(self, base: Expr, exponent: Expr):
        self.base, self.exponent = base, exponent

    def children(self):
        return (self.base, self.exponent)

    def with_children(self, children):
        return Power(*children)

    def render(self, show):
        return f"{_atom(self.base, show)}^{_atom(self.exponent, show)}"

    def py(self, name):
        return f"({self.base.py(name)} ** {self.exponent.py(name)})"

    def evaluate(self, values):
        return self.base.evaluate(values) ** self.exponent.evaluate(values)

    def excel(self, ref):
        return f"{self._excel_wrap(self.base, ref, X_ATOM)}^{self._excel_wrap(self.exponent, ref, X_ATOM)}", X_POWER


def _atom(expr: Expr, show) -> str:
    """A symbol or a number as it is (a negative one bracketed, as substituted shows it), anything else bracketed."""
    text = expr.render(show)
    return text if isinstance(expr, (Sym, Num)) else f"({text})"


class Abs(Expr):
    """|x|, written between bars."""

    def __init__(self, inner: Expr):
        self.inner = inner

    def children(self):
        return (self.inner,)

    def with_children(self, children):
        return Abs(*children)

    def render(self, show):
        if getattr(show, "python", False):
            return f"abs({self.inner.render(show)})"
        return f"|{_unbracketed(self.inner.render(show))}|"

    def py(self, name):
        return f"abs({self.inner.py(name)})"

    def evaluate(self, values):
        return abs(self.inner.evaluate(values))

    def excel(self, ref):
        return f"ABS({self.inner.excel(ref)[0]})", X_ATOM


class Call(Expr):
    """A named function of one symbol, e.g. σ(h1); `template` is its Python source, `sheet` its
    spreadsheet formula over {x} (None: a workbook cannot hold it)."""

    def __init__(self, label: str, template: str, arg: Expr, sheet: str | None = None, sheet_strength: int = X_ATOM):
        self.label, self.template, self.arg = label, template, arg
        self.sheet, self.sheet_strength = sheet, sheet_strength

    def children(self):
        return (self.arg,)

    def with_children(self, children):
        return Call(self.label, self.template, *children, self.sheet, self.sheet_strength)

    def render(self, show):
        return f"{self.label}({_unbracketed(self.arg.render(show))})"

    def py(self, name):
        return self.template.format(x=self.arg.py(name))

    def evaluate(self, values):
        return function_of(self.template)(self.arg.evaluate(values))

    def excel(self, ref):
        if self.sheet is None:
            raise NotImplementedError(f"the function {self.label} has no spreadsheet formula yet")
        # An argument that is not a single cell is bracketed when the formula negates it: -(x).
        arg = self._excel_wrap(self.arg, ref, X_ATOM) if "-{x}" in self.sheet else self.arg.excel(ref)[0]
        return self.sheet.format(x=arg), self.sheet_strength


class Softmax(Expr):
    """e^(x_k − m) / Σ e^(x_j − m) with m = max x_j, so no exp ever overflows."""

    def __init__(self, index: int, args: list[Sym]):
        self.index, self.args = index, args

    def children(self):
        return tuple(self.args)

    def with_children(self, children):
        return Softmax(self.index, list(children))

    def render(self, show):
        shown = ", ".join(_parts(show, self.args, lambda args: [_unbracketed(arg.render(show)) for arg in args]))
        return f"softmax({shown})_{self.index + 1}"

    def py(self, name):
        names = [arg.py(name) for arg in self.args]
        peak = f"max({', '.join(names)})" if len(names) > 1 else names[0]  # max() needs two arguments
        total = " + ".join(f"exp({n} - {peak})" for n in names)
        return f"(exp({names[self.index]} - {peak}) / ({total}))"

    def evaluate(self, values):
        sums = [arg.evaluate(values) for arg in self.args]
        peak = max(sums) if len(sums) > 1 else sums[0]
        total = math.exp(sums[0] - peak)
        for x in sums[1:]:
            total = total + math.exp(x - peak)
        return math.exp(sums[self.index] - peak) / total

    def excel(self, ref):
        sums = [arg.excel(ref)[0] for arg in self.args]
        peak = f"MAX({','.join(sums)})"
        total = "+".join(f"EXP({x}-{peak})" for x in sums)
        return f"EXP({sums[self.index]}-{peak})/({total})", X_PRODUCT


def sigmoid(x: Expr) -> Expr:
    # The workbook keeps the readable 1/(1+EXP(-x)): below x = −708 its EXP overflows to #NUM!.
    return Call("σ", SIGMOID_PY, x, "1/(1+EXP(-{x}))", X_PRODUCT)


def sign(x: Expr) -> Expr:
    return Call("sign", SIGN_PY, x, "SIGN({x})")


def sqrt(x: Expr) -> Expr:
    return Call("√", SQRT_PY, x, "SQRT({x})")


def log(x: Expr) -> Expr:
    return _Log(x)


class _Log(Call):
    """ln(x) with x kept above 1e-12, so that a saturated output costs a large but finite amount."""

    def __init__(self, arg: Expr):
        super().__init__("ln", "log(" + CLIP_PY + ")", arg, "LN(MAX({x}," + spreadsheet_number(EPS) + "))")

    def with_children(self, children):
        return _Log(*children)

    def clamped(self, values):
        return super().clamped(values) + _clamp_note(self.arg, values, f"ln({self.arg.text()}): ", "ln takes 1e-12 instead")


def clipped(x: Expr) -> Expr:
    """x kept above 1e-12; printed as x itself, since it only matters at saturation."""
    return _Clipped(x)


class _Clipped(Expr):
    def __init__(self, inner: Expr):
        self.inner = inner
        self.precedence = inner.precedence

    def children(self):
        return (self.inner,)

    def with_children(self, children):
        return _Clipped(*children)

    def render(self, show):
        if getattr(show, "python", False):  # readable Python must still clip, or it computes another number
            return f"clip({self.inner.render(show)})"
        return self.inner.render(show)

    def py(self, name):
        return CLIP_PY.format(x=self.inner.py(name))

    def evaluate(self, values):
        return function_of(CLIP_PY)(self.inner.evaluate(values))

    def clamped(self, values):
        return super().clamped(values) + _clamp_note(self.inner, values, "", "1e-12 stands in for it")

    def excel(self, ref):
        return f"MAX({self.inner.excel(ref)[0]},{spreadsheet_number(EPS)})", X_ATOM


def _clamp_note(arg: Expr, values: dict[str, float], where: str, what: str) -> list[str]:
    """A sentence for an argument that fell to 1e-12 or below and was clamped there; none otherwise."""
    value = arg.evaluate(values)
    if value > EPS:
        return []
    return [f"{where}{arg.text()} is {format_number(value)}, so {what} (the output is saturated; the value is a bound, not exact)"]
