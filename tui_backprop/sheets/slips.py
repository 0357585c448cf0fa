"""Naming the slip behind a wrong cell: which common mistake reproduces the student's number.

A cell where a mistake starts disagrees with its own formula applied to the
student's inputs.  The slips students make are small changes to that formula:
a neighbouring symbol read for the right one (a_h1 for a_h2, t1 for t2, w2
for w4), the updated weight where the old one belongs or the epoch before's
value, a factor left out (σ′ forgotten), a bracket left out (only one term
multiplied through), a sign turned round, a factor ½ or 2 too many, or a
different learning rate.  Each is built here as a modified copy of the
quantity's own expression tree (core/expr.py) and evaluated with the
student's numbers; a slip is named when its value matches the sheet's number
to the precision it is printed with.  Symbols the sheet does not show are
first written out by their own formulas, so a slip inside one of them (a_h1
in a_h2·(1 − a_h2)) is found and named as the student wrote it.
"""

from __future__ import annotations

import math
import re
from collections import ChainMap
from dataclasses import dataclass
from typing import Callable, Iterator

from ..core.expr import Add, Expr, Mul, Neg, Num, Sub, Sym
from ..core.program import UPDATE, Program, Quantity

# Writing out symbols the sheet does not show stops here, so a formula stays readable.
MAX_NODES = 40


@dataclass(frozen=True)
class Slip:
    """A named slip: `kind` for counting, `words` for people, `formula` as the student must have computed it."""

    kind: str  # e.g. "neighbouring symbol", "missing factor", "sign error"
    words: str  # e.g. "a_h1 where a_h2 belongs"; the same in every row the slip is filled down
    formula: str  # e.g. "dE_total/dw3 = dE_total/da_h2·a_h1·(1 − a_h1)·i1"

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.words

    def as_dict(self) -> dict:
        return {"name": self.kind, "words": self.words, "formula": self.formula}


ROUNDING = "rounded too early"


@dataclass(frozen=True)
class _Candidate:
    kind: str
    words: str
    tree: Expr
    # A stand-in symbol and where its value comes from: ("new w5", "new", "w5"), ("w5 (epoch before)", "before", "w5")
    stand_in: tuple[str, str, str] | None = None


class SlipFinder:
    """Tries the common slips on the quantities of networks of one shape, for sheets with the same columns.

    The modified trees depend only on the shape and the columns, so one finder serves a whole class.
    """

    def __init__(self, program: Program, on_sheet: set[str], row: str = "epoch"):
        self.program = program
        self.on_sheet = on_sheet
        self.row = row  # what a row of the sheet is: an epoch, or with mini-batches a batch (an update step)
        self.updates = program.step_updates()  # each carried value's update, from the step before's values
        self._trees: dict[str, tuple[Expr, dict[int, str]]] = {}
        self._candidates: dict[str, list[_Candidate]] = {}
        self._last: dict[str, _Candidate] = {}  # the slip found last in each quantity: a formula filled down
        shapes: dict[str, list[str]] = {}
        for symbol in [*program.free, *(q.symbol for q in program.quantities if q.phase != UPDATE)]:
            shapes.setdefault(_shape(symbol), []).append(symbol)
        # One number changed (w2 for w4, da_h1/dh1 for da_h2/dh2, h1[3] for h1[2]), nearest first
        # (w3 and w5 before w1 for w4): where two give the same number, the nearer is named.
        layer = {w: n for n, rows in enumerate(program.names.weight_at) for row in rows for w in row}
        near = lambda a, b: _one_change(a, b) and layer.get(a) == layer.get(b)  # noqa: E731 - weights of one layer
        self.neighbours = {symbol: sorted((other for other in group if near(symbol, other)),
                                          key=lambda other, symbol=symbol: _apart(symbol, other))
                           for group in shapes.values() for symbol in group}

    def find(self, quantity: Quantity, values: dict, before: dict | None, target: float,
             accepts: Callable[[float], bool], search: bool = True) -> Slip | None:
        """The slip whose value `accepts` takes, or None; the one nearest `target` wins, earlier kinds on a tie.

        `values` are the student's numbers the formula reads; `before` the epoch before's (for a
        weight's update, `values` are that epoch's numbers already).  The slip found last in this
        quantity is tried first, and alone when not `search`: a slip filled down a column costs one
        evaluation a row.
        """
        tree, origins = self.written_out(quantity)
        try:
            right = tree.evaluate(values)
        except (KeyError, ArithmeticError, ValueError):
            return None
        if quantity.symbol not in self._candidates:
            self._candidates[quantity.symbol] = list(self.candidates(quantity, tree, origins))
        last = self._last.get(quantity.symbol)
        tried = [last] if last is not None else []
        if search:
            tried += self._candidates[quantity.symbol]
        found = None
        for candidate in tried:
            try:
                value = candidate.tree.evaluate(self._with_stand_in(candidate, values, before))
            except (KeyError, ArithmeticError, ValueError, TypeError):
                continue
            # A change that gives the same number is no slip: (a − t)² is (t − a)².
            if abs(value - right) <= 1e-9 * abs(right) or not accepts(value):
                continue
            distance = abs(value - target)
            if candidate is last:
                found = (distance, candidate)
                break
            if found is None or distance < found[0]:
                found = (distance, candidate)
        if found is None:
            return None
        candidate = self._last[quantity.symbol] = found[1]
        # Written-out symbols the slip left alone are shown as the symbols again.
        folded = rebuild(candidate.tree, lambda node: Sym(origins[id(node)]) if id(node) in origins else None)
        return Slip(candidate.kind, candidate.words, f"{quantity.symbol} = {folded.text()}")

    def _with_stand_in(self, candidate: _Candidate, values, before):
        if candidate.stand_in is None:
            return values
        label, source, symbol = candidate.stand_in
        if source == "new":
            return ChainMap({label: self.updates[symbol].expr.evaluate(values)}, values)
        return ChainMap({label: before[symbol]}, values)  # TypeError without an epoch before: no candidate

    def written_out(self, quantity: Quantity) -> tuple[Expr, dict[int, str]]:
        """The quantity's tree with the symbols the sheet does not show replaced by their formulas.

        Also returns, by node id, the symbol each written-out subtree stands for.
        """
        if quantity.symbol not in self._trees:
            tree = quantity.expr
            for depth in (2, 1, 0):
                origins: dict[int, str] = {}
                expanded = self._expand(quantity.expr, quantity.phase, origins, depth)
                if _size(expanded) <= MAX_NODES:
                    tree = expanded
                    break
            self._trees[quantity.symbol] = (tree, origins)
        return self._trees[quantity.symbol]

    def _expand(self, tree: Expr, phase: str, origins: dict[int, str], depth: int) -> Expr:
        def replace(node: Expr) -> Expr | None:
            if depth == 0 or not isinstance(node, Sym) or node.name in self.on_sheet:
                return None
            n = self.program.index.get(node.name)
            if n is None or self.program.quantities[n].phase != phase:
                return None
            inner = self._expand(self.program.quantities[n].expr, phase, origins, depth - 1)
            origins[id(inner)] = node.name
            return inner

        return rebuild(tree, replace)

    def candidates(self, quantity, tree, origins) -> Iterator[_Candidate]:
        reads = tree.reads()
        # A neighbouring symbol for the right one, in every place it is read.
        for symbol in reads:
            for other in self.neighbours.get(symbol, ()):
                yield _Candidate("neighbouring symbol", f"{other} where {symbol} belongs",
                                 _swap(tree, symbol, Sym(other)))
        if quantity.phase != UPDATE:
            # The updated weight where the old one belongs.
            for symbol in reads:
                if symbol in self.updates:
                    label = f"new {symbol}"
                    yield _Candidate("new weight for old", f"the updated {symbol} where the old {symbol} belongs",
                                     _swap(tree, symbol, Sym(label)), (label, "new", symbol))
            # The epoch before's value (the batch before's, a row per update step).
            row = self.row
            for symbol in reads:
                if symbol != "lr":
                    label = f"{symbol} ({row} before)"
                    yield _Candidate("previous epoch's value",
                                     f"the {row} before's {symbol} where this {row}'s belongs",
                                     _swap(tree, symbol, Sym(label)), (label, "before", symbol))
        if quantity.phase == UPDATE and isinstance(tree, Sub):
            yield _Candidate("sign error", "a step with the gradient (+ lr·gradient) where gradient descent steps "
                             "against it (− lr·gradient)", Add(tree.left, tree.right))
        yield from self._structural(tree, origins)
        yield _Candidate("sign error", "the sign turned round", Neg(tree))
        yield _Candidate("factor ½ or 2", "half the value", Mul(Num(0.5, "½"), tree))
        yield _Candidate("factor ½ or 2", "twice the value", Mul(Num(2), tree))

    def _structural(self, tree: Expr, origins: dict[int, str]) -> Iterator[_Candidate]:
        """Slips in the tree's shape: a factor or a bracket left out, a sign turned round."""
        for node, put in _places(tree):
            if isinstance(node, Mul) and len(node.factors) > 1:
                for k, factor in enumerate(node.factors):
                    rest = node.factors[:k] + node.factors[k + 1:]
                    kept = rest[0] if len(rest) == 1 else Mul(*rest)
                    yield _Candidate("missing factor", self._factor_words(factor, origins), put(kept))
                for k, factor in enumerate(node.factors):
                    others = node.factors[:k] + node.factors[k + 1:]
                    for partial in _one_term_multiplied(factor, others):
                        yield _Candidate("missing bracket", f"a bracket left out: only one term of "
                                         f"({_shown(factor, origins)}) multiplied by {_shown(Mul(*others), origins)}",
                                         put(partial))
            elif isinstance(node, Sub):
                left, right = _shown(node.left, origins), _shown(node.right, origins)
                yield _Candidate("sign error", f"{right} − {left} where {left} − {right} belongs",
                                 put(Sub(node.right, node.left)))
                yield _Candidate("sign error", f"{left} + {right} where {left} − {right} belongs",
                                 put(Add(node.left, node.right)))
            elif isinstance(node, Neg):
                yield _Candidate("sign error", f"the minus sign of {_shown(node, origins)} left out", put(node.inner))

    def _factor_words(self, factor: Expr, origins: dict[int, str]) -> str:
        symbol = origins.get(id(factor)) or (factor.name if isinstance(factor, Sym) else None)
        text = _shown(factor, origins)
        n = self.program.index.get(symbol) if symbol else None
        if n is not None and self.program.quantities[n].kind == "activation_slope":
            layer = self.program.quantities[n].layer
            shown = symbol if text == symbol else f"{symbol} = {text}"
            slope = "σ′" if self.program.net.activations[layer - 1] == "sigmoid" else "the activation's slope"
            return f"the activation's slope {shown} left out ({slope} forgotten)"
        return f"the factor {text} left out"


def rate_slip(quantity: Quantity, values: dict, rate: float) -> Slip:
    """The slip of an update computed with another learning rate."""
    label = "η′"
    tree = _swap(quantity.expr, "lr", Sym(label))
    words = f"a learning rate of {_short(rate)} where lr is {_short(values['lr'])}"
    return Slip("wrong learning rate", words, f"{quantity.symbol} = {tree.text()}".replace(label, _short(rate)))


def implied_rate(quantity: Quantity, values: dict, sheet_value: float) -> float | None:
    """The learning rate that gives `sheet_value` in the update w = w − lr·s, if there is one: s is the
    gradient for plain descent (the whole gradient under a penalty), the velocity with momentum, Adam's
    m̂/(√v̂ + ε) — whatever the update multiplies lr by, worked out from the step before's values."""
    tree = quantity.expr
    if not (isinstance(tree, Sub) and isinstance(tree.right, Mul) and len(tree.right.factors) == 2
            and isinstance(tree.right.factors[0], Sym) and tree.right.factors[0].name == "lr"):
        return None
    try:
        step = tree.right.factors[1].evaluate(values)
    except (KeyError, ArithmeticError, ValueError):
        return None
    old = values.get(quantity.param)
    if not step or old is None or not math.isfinite(step):
        return None
    return (old - sheet_value) / step


def _short(value: float) -> str:
    return f"{value:.6g}".replace("-", "−")


def _shown(node: Expr, origins: dict[int, str]) -> str:
    """A subtree as text, with the symbols written out inside it folded back (the node itself stays open)."""
    return rebuild(node, lambda at: Sym(origins[id(at)]) if at is not node and id(at) in origins else None).text()


def _one_term_multiplied(factor: Expr, others: tuple[Expr, ...]) -> Iterator[Expr]:
    """(x + y)·a written as x·a + y or x + y·a: the bracket forgotten."""
    if isinstance(factor, Add) and len(factor.terms) > 1:
        for k, term in enumerate(factor.terms):
            yield Add(*factor.terms[:k], Mul(term, *others), *factor.terms[k + 1:])
    elif isinstance(factor, Sub):
        yield Sub(Mul(factor.left, *others), factor.right)
        yield Sub(factor.left, Mul(factor.right, *others))


def _shape(symbol: str) -> str:
    return re.sub(r"\d+", "#", symbol)


def _one_change(symbol: str, other: str) -> bool:
    """Whether `other` is `symbol` with one number replaced by another (everywhere it occurs)."""
    changes = {(a, b) for a, b in zip(re.findall(r"\d+", symbol), re.findall(r"\d+", other)) if a != b}
    return len(changes) == 1


def _apart(symbol: str, other: str) -> int:
    """How far apart two symbols of one shape are: the sum of the differences of their numbers."""
    return sum(abs(int(a) - int(b)) for a, b in zip(re.findall(r"\d+", symbol), re.findall(r"\d+", other)))


# -- trees --------------------------------------------------------------------------


def rebuild(node: Expr, replace: Callable[[Expr], Expr | None]) -> Expr:
    """The tree with `replace(node)` wherever it returns a node; unchanged subtrees are the same objects."""
    new = replace(node)
    if new is not None:
        return new
    children = node.children()
    rebuilt = [rebuild(child, replace) for child in children]
    if all(a is b for a, b in zip(rebuilt, children)):
        return node
    return node.with_children(rebuilt)


def _swap(tree: Expr, symbol: str, by: Expr) -> Expr:
    return rebuild(tree, lambda node: by if isinstance(node, Sym) and node.name == symbol else None)


def _places(tree: Expr):
    """Every node of the tree with a function that puts a replacement in its place."""
    found = []

    def visit(node: Expr):
        found.append((node, lambda new, node=node: rebuild(tree, lambda at: new if at is node else None)))
        for child in node.children():
            visit(child)

    visit(tree)
    return found


def _size(tree: Expr) -> int:
    return 1 + sum(_size(child) for child in tree.children())

