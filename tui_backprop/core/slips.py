"""The slips students make, and naming the one behind a wrong number: one catalogue for `check` and the quiz.

A number where a mistake starts disagrees with its own formula applied to the
student's inputs.  The slips students make are small changes to that formula:
a neighbouring symbol read for the right one (a_h1 for a_h2, t1 for t2, w2
for w4, another neuron's slope), a neuron's sum where its output belongs (or
back), the updated weight where the old one belongs or the epoch before's
value, a factor left out (σ′ forgotten), a term left out (a bias, a route
through a hidden neuron), a bracket left out (only one term multiplied
through), a sign turned round (t − a for a − t, + for − in the update), a
factor ½ or 2 too many, the mean's count left out or taken twice, another
activation's slope (softmax with cross-entropy's written as a sigmoid's), or
a learning rate off by a factor of 10.  Each is built here as a modified copy
of the quantity's own expression tree (core/expr.py) and evaluated with the
student's numbers; a slip is named when its value matches the student's
number to the precision it is written with.  `check` first writes out the
symbols a sheet does not show by their own formulas, so a slip inside one of
them (a_h1 in a_h2·(1 − a_h2)) is found and named as the student wrote it;
the quiz, where every earlier value is on screen, writes out nothing.

Each slip carries `words` (a short name, the same in every row a formula is
filled down) and, for a tutor's sentence, `said` (what the number is) and
`why` (the rule the slip breaks): "0.0822 is dE_total/dw5 without
a_o1·(1 − a_o1): the sigmoid's slope is missing".
"""

from __future__ import annotations

import math
import re
from collections import ChainMap
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .expr import Add, Call, Div, Expr, Mul, Neg, Num, Sub, Sym, format_number
from .maths import ACTIVATIONS, LOSSES, ONE
from .program import Program
from .quantity import UPDATE, Quantity

# Writing out symbols the sheet does not show stops here, so a formula stays readable.
MAX_NODES = 40
# The neighbouring symbols tried for each one read: the nearest (a slip reads a symbol near the right one).
NEAREST = 8
# A number carried on rounded to this many significant digits, tried by `typed_slip`.
ROUNDED_DIGITS = (2, 3, 4)


@dataclass(frozen=True)
class Slip:
    """A named slip: `kind` for counting, `words` for people, `formula` as the student must have computed it;
    `said` and `why` make a tutor's sentence of it (`sentence`)."""

    kind: str  # e.g. "neighbouring symbol", "missing factor", "sign error"
    words: str  # e.g. "a_h1 where a_h2 belongs"; the same in every row the slip is filled down
    formula: str  # e.g. "dE_total/dw3 = dE_total/da_h2·a_h1·(1 − a_h1)·i1"
    said: str = ""  # what the student's number is: "dE_total/dw5 without a_o1·(1 − a_o1)"
    why: str = ""  # the rule it breaks: "the sigmoid's slope is missing"

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.words

    def as_dict(self) -> dict:
        return {"name": self.kind, "words": self.words, "formula": self.formula}

    def sentence(self, number: str) -> str:
        """What a tutor says of the student's `number`: "0.0822 is dE_total/dw5 without a_o1·(1 − a_o1): the
        sigmoid's slope is missing"."""
        text = f"{number} is {self.said or self.formula}"
        return f"{text}: {self.why}" if self.why else text


ROUNDING = "rounded too early"


@dataclass(frozen=True)
class _Candidate:
    kind: str
    words: str
    tree: Expr
    # A stand-in symbol and where its value comes from: ("new w5", "new", "w5"), ("w5 (epoch before)", "before", "w5")
    stand_in: tuple[str, str, str] | None = None
    said: str = ""
    why: str = ""


class SlipFinder:
    """Tries the common slips on the quantities of networks of one shape, for sheets with the same columns.

    The modified trees depend only on the shape and the columns, so one finder serves a whole class.
    `on_sheet` None: every symbol is on show and none is written out (the quiz).
    """

    def __init__(self, program: Program, on_sheet: set[str] | None, row: str = "epoch"):
        self.program = program
        self.on_sheet = on_sheet
        self.row = row  # what a row of the sheet is: an epoch, or with mini-batches a batch (an update step)
        self._trees: dict[str, tuple[Expr, dict[int, str]]] = {}
        self._candidates: dict[str, list[_Candidate]] = {}
        self._last: dict[str, _Candidate] = {}  # the slip found last in each quantity: a formula filled down
        self._near: dict[str, list[str]] = {}
        self._updates: dict[str, Quantity | None] = {}
        names = program.names
        # Where each parameter sits, for saying what a symbol is: w4 is on the edge from i2 into h2.
        neurons = [[names.neuron(layer, j) for j in range(size)] for layer, size in enumerate(program.net.sizes)]
        self.edges = {w: (neurons[layer - 1][i], neurons[layer][j]) for layer, rows in enumerate(names.weight_at)
                      for j, row in enumerate(rows) for i, w in enumerate(row)}
        self.layers = {w: layer for layer, rows in enumerate(names.weight_at) for row in rows for w in row}
        self.biases = {b: names.neuron(layer, j) for layer, row in enumerate(names.bias_at) for j, b in enumerate(row) if b}
        net = program.net
        self.given = {}  # the samples' symbols: "the target of a_o2"
        for sample in range(len(net.samples)):
            self.given.update((names.target(k, sample), f"the target of {names.output(net.depth, k, sample)}")
                              for k in range(net.sizes[-1]))
            self.given.update((symbol, f"input {k + 1}" + (f" of sample {sample + 1}" if names.multi_sample else ""))
                              for k, symbol in enumerate(names.input_symbols(sample)))
        self._free = {symbol: n for n, symbol in enumerate(program.free)}

    def neighbours(self, symbol: str) -> list[str]:
        """The symbols with one number of `symbol` changed (w2 for w4, da_h1/dh1 for da_h2/dh2, h1[3] for h1[2]),
        weights of its own layer only, the nearest NEAREST first: where two give the same number, the nearer is
        named.  Found when first asked, from the names alone: a large network's epoch is never built for it."""
        found = self._near.get(symbol)
        if found is None:
            found = self._near[symbol] = self._neighbours(symbol)
        return found

    def _neighbours(self, symbol: str) -> list[str]:
        parts = re.split(r"(\d+)", symbol)  # text, number, text, number, …, text
        numbers = range(1, len(parts), 2)
        found: dict[str, tuple] = {}
        for number in {parts[k] for k in numbers}:
            places = [k for k in numbers if parts[k] == number]
            for other in range(max(1, int(number) - NEAREST), int(number) + NEAREST + 1):
                for chosen in range(1, 2 ** len(places)):  # the number changed in some or all of its places
                    candidate = list(parts)
                    for bit, k in enumerate(places):
                        if chosen >> bit & 1:
                            candidate[k] = str(other)
                    name = "".join(candidate)
                    if name == symbol or name in found or self.layers.get(name) != self.layers.get(symbol):
                        continue
                    order = self._order(name)
                    if order is not None:
                        found[name] = (_apart(symbol, name), order)
        return sorted(found, key=found.get)[:NEAREST]

    def _order(self, symbol: str) -> int | None:
        """Where a symbol comes in the epoch (the free symbols first), or None if the network has no such symbol."""
        if symbol in self._free:
            return self._free[symbol]
        n = self.program.index.get(symbol)
        return None if n is None else len(self._free) + n

    def update(self, parameter: str) -> Quantity | None:
        """The update of a carried value (a trained parameter, an optimizer's state) from the step before's
        values, or None."""
        if parameter not in self._updates:
            if self.program.net.optimizer != "sgd":
                # An optimizer's update reads what its phase computed before it (t, m, v, m̂, v̂): written in.
                self._updates.update(self.program.step_updates())
                self._updates.setdefault(parameter, None)
            else:  # plain descent's update is the program's own, found without building the whole phase
                n = self.program.update_position(parameter)
                self._updates[parameter] = None if n is None else self.program.quantity(n)
        return self._updates[parameter]

    def find(self, quantity: Quantity, values: dict, before: dict | None, target: float,
             accepts: Callable[[float], bool], search: bool = True, repeat: bool = True) -> Slip | None:
        """The slip whose value `accepts` takes, or None; the one nearest `target` wins, earlier kinds on a tie.

        `values` are the student's numbers the formula reads; `before` the epoch before's (for a
        weight's update, `values` are that epoch's numbers already).  With `repeat`, the slip found
        last in this quantity is tried first, and alone when not `search`: a slip filled down a
        column costs one evaluation a row.
        """
        tree, origins = self.written_out(quantity)
        try:
            right = tree.evaluate(values)
        except (KeyError, ArithmeticError, ValueError):
            return None
        if quantity.symbol not in self._candidates:
            self._candidates[quantity.symbol] = list(self.candidates(quantity, tree, origins))
        last = self._last.get(quantity.symbol) if repeat else None
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
        candidate = found[1]
        if repeat:
            self._last[quantity.symbol] = candidate
        # Written-out symbols the slip left alone are shown as the symbols again.
        folded = rebuild(candidate.tree, lambda node: Sym(origins[id(node)]) if id(node) in origins else None)
        return Slip(candidate.kind, candidate.words, f"{quantity.symbol} = {folded.text()}", candidate.said,
                    candidate.why)

    def _with_stand_in(self, candidate: _Candidate, values, before):
        if candidate.stand_in is None:
            return values
        label, source, symbol = candidate.stand_in
        if source == "new":
            return ChainMap({label: self.update(symbol).expr.evaluate(values)}, values)
        return ChainMap({label: before[symbol]}, values)  # TypeError without an epoch before: no candidate

    def written_out(self, quantity: Quantity) -> tuple[Expr, dict[int, str]]:
        """The quantity's tree with the symbols the sheet does not show replaced by their formulas.

        Also returns, by node id, the symbol each written-out subtree stands for.
        """
        if quantity.symbol not in self._trees:
            tree = quantity.expr
            for depth in (2, 1, 0) if self.on_sheet is not None else ():
                origins: dict[int, str] = {}
                expanded = self._expand(quantity.expr, quantity.phase, origins, depth)
                if _size(expanded) <= MAX_NODES:
                    tree = expanded
                    break
            else:
                origins = {}
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

    # -- the catalogue --------------------------------------------------------------
    def candidates(self, quantity, tree, origins) -> Iterator[_Candidate]:
        """Every slip of the catalogue for this quantity, the most telling first (they win a tie).

        In a tree of more than MAX_NODES nodes (a sum over a wide layer) only the slips of the whole are
        tried: a term or a route left out, a count, a sign, a factor; one symbol at a time in a hundred
        would cost seconds where a student waits for an answer."""
        symbol, reads = quantity.symbol, tree.reads()
        if _size(tree) > MAX_NODES:
            reads = []
        # A neighbouring symbol for the right one, in every place it is read.
        for read in reads:
            for other in self.neighbours(read):
                yield _Candidate("neighbouring symbol", f"{other} where {read} belongs", _swap(tree, read, Sym(other)),
                                 said=f"{symbol} with {other} where {read} belongs",
                                 why=self._neighbour_why(quantity, read, other))
        yield from self._sum_for_output(quantity, tree, reads)
        if quantity.phase != UPDATE:
            # The updated weight where the old one belongs.
            for read in reads:
                if self.update(read) is not None:
                    label = f"new {read}"
                    yield _Candidate("new weight for old", f"the updated {read} where the old {read} belongs",
                                     _swap(tree, read, Sym(label)), (label, "new", read),
                                     f"{symbol} with the updated {read}",
                                     "the backward pass reads the weights of the forward pass; they change only "
                                     "in the update, after every gradient")
            # The epoch before's value (the batch before's, a row per update step).
            row = self.row
            for read in reads:
                if read != "lr":
                    label = f"{read} ({row} before)"
                    yield _Candidate("previous epoch's value", f"the {row} before's {read} where this {row}'s belongs",
                                     _swap(tree, read, Sym(label)), (label, "before", read),
                                     f"{symbol} with the {row} before's {read}",
                                     f"this {row} reads its own {read}" + (
                                         ", as the last update left it" if self.update(read) is not None else ""))
        if quantity.phase == UPDATE and isinstance(tree, Sub):
            right = tree.text()
            yield _Candidate("sign error", "a step with the gradient (+ lr·gradient) where gradient descent steps "
                             "against it (− lr·gradient)", Add(tree.left, tree.right),
                             said=Add(tree.left, tree.right).text(),
                             why=f"the update went the wrong way; gradient descent steps against the gradient, {right}")
            for words, rate, said in (("ten times the learning rate", Mul(Num(10), Sym("lr")), "10·lr"),
                                      ("a tenth of the learning rate", Div(Sym("lr"), Num(10)), "lr/10")):
                yield _Candidate("wrong learning rate", words, _swap(tree, "lr", rate),
                                 said=f"{symbol} with η off by a factor of 10 ({said} where lr belongs)",
                                 why=f"the update steps {tree.right.text()} with the learning rate lr itself")
        yield from self._slopes(quantity)
        yield from self._structural(quantity, tree, origins)
        yield _Candidate("sign error", "the sign turned round", Neg(tree), said=f"−{symbol}, the sign turned round")
        why = (LOSSES[self.program.net.loss].slope_how.format(a=quantity.reads[0], t=quantity.reads[1])
               if quantity.kind == "loss_slope" and self.program.net.loss in ("half_sse", "mse") else "")
        yield _Candidate("factor ½ or 2", "half the value", Mul(Num(0.5, "½"), tree), said=f"half of {symbol}", why=why)
        yield _Candidate("factor ½ or 2", "twice the value", Mul(Num(2), tree), said=f"twice {symbol}", why=why)

    def _sum_for_output(self, quantity, tree, reads) -> Iterator[_Candidate]:
        """A neuron's sum s where its output a belongs, and back; and an activation left out."""
        program, names = self.program, self.program.names
        symbol = quantity.symbol
        if quantity.kind == "activation" and isinstance(tree, Call):
            total = tree.arg.text()
            yield _Candidate("sum for output", f"the sum {total} where the output {symbol} belongs", tree.arg,
                             said=f"the sum {total}, not passed through {tree.label}",
                             why=f"{symbol} = {tree.text()} is the neuron's output, its sum passed through the "
                                 "activation")
        for read in reads:
            n = program.index.get(read)
            q = program.quantities[n] if n is not None else None
            if q is None or q.kind not in ("sum", "activation") or q.layer is None or q.layer == 0:
                continue
            total, output = names.total(q.layer, q.neuron, q.sample), names.output(q.layer, q.neuron, q.sample)
            if q.kind == "activation" and quantity.kind != "activation":
                why = (f"the slope is written through the output: {quantity.expr.text()}"
                       if quantity.kind == "activation_slope" else
                       f"what {names.neuron(q.layer, q.neuron)} passes on is its output {output} = {q.expr.text()}")
                yield _Candidate("sum for output", f"the sum {total} where the output {output} belongs",
                                 _swap(tree, output, Sym(total)),
                                 said=f"{symbol} with the sum {total} where the output {output} belongs", why=why)
            elif q.kind == "sum" and quantity.kind != "activation":
                yield _Candidate("output for sum", f"the output {output} where the sum {total} belongs",
                                 _swap(tree, total, Sym(output)),
                                 said=f"{symbol} with the output {output} where the sum {total} belongs",
                                 why=f"{quantity.formula} reads the sum {total}")

    def _slopes(self, quantity) -> Iterator[_Candidate]:
        """Another activation's slope where this one's belongs; softmax with cross-entropy's written as a sigmoid's."""
        net, names = self.program.net, self.program.names
        if quantity.kind == "activation_slope":
            mine = net.activations[quantity.layer - 1]
            a = Sym(names.output(quantity.layer, quantity.neuron, quantity.sample))
            s = Sym(names.total(quantity.layer, quantity.neuron, quantity.sample))
            if ACTIVATIONS[mine].through_output:  # σ′(s) = σ(s)·(1 − σ(s)) taken at the output a, not at the sum s
                activation = ACTIVATIONS[mine]
                tree = activation.slope(activation.output(a), s)
                yield _Candidate("output for sum", f"the slope taken at the output {a.name} where it belongs at the sum "
                                 f"{s.name}", tree, said=f"{tree.text()}, the slope taken at the output {a.name}",
                                 why=f"{a.name} is the activation of {s.name} already, so the slope at {s.name} is "
                                     f"{quantity.expr.text()}")
            for other in ("sigmoid", "tanh", "relu"):
                if other != mine:
                    tree = ACTIVATIONS[other].slope(a, s)
                    yield _Candidate("another activation's slope", f"{other}'s slope where {mine}'s belongs", tree,
                                     said=f"{tree.text()}, {other}'s slope",
                                     why=f"{names.neuron(quantity.layer, quantity.neuron)} uses {mine}, whose slope "
                                         f"is {quantity.expr.text()}")
        elif quantity.kind == "loss_slope" and net.loss == "cce":
            a = Sym(names.output(quantity.layer, quantity.neuron, quantity.sample))
            t = Sym(names.target(quantity.neuron, quantity.sample))
            count = LOSSES["cce"].count(net.sizes[-1], len(net.samples))
            why = ("softmax with cross-entropy has the slope a − t for each output sum (a·Σt − t): every output "
                   "depends on every sum, and the terms collapse")
            for words, tree in (
                    ("the sigmoid's slope (a − t)·a·(1 − a) where softmax with cross-entropy has a − t",
                     _over(Mul(Sub(a, t), a, Sub(ONE, a)), count)),
                    ("softmax's slope taken as a sigmoid's a·(1 − a), the other outputs' terms left out",
                     _over(Neg(Mul(t, Sub(ONE, a))), count))):
                yield _Candidate("softmax slope as a sigmoid's", words, tree,
                                 said=f"{tree.text()}, the slope written as for a sigmoid output", why=why)

    def _structural(self, quantity: Quantity, tree: Expr, origins: dict[int, str]) -> Iterator[_Candidate]:
        """Slips in the tree's shape: a factor, a term or a bracket left out, a count, a sign turned round."""
        symbol = quantity.symbol
        places = _places(tree) if _size(tree) <= MAX_NODES else [(tree, lambda new: new)]
        for node, put in places:
            if isinstance(node, Div):
                yield from self._count(quantity, node, put)
            if isinstance(node, Mul) and len(node.factors) > 1:
                for k, factor in enumerate(node.factors):
                    rest = node.factors[:k] + node.factors[k + 1:]
                    kept = rest[0] if len(rest) == 1 else Mul(*rest)
                    words, said, why = self._factor_words(quantity, factor, origins)
                    yield _Candidate("missing factor", words, put(kept), said=said, why=why)
                for k, factor in enumerate(node.factors):
                    others = node.factors[:k] + node.factors[k + 1:]
                    for partial in _one_term_multiplied(factor, others):
                        words = (f"a bracket left out: only one term of ({_shown(factor, origins)}) multiplied by "
                                 f"{_shown(Mul(*others), origins)}")
                        yield _Candidate("missing bracket", words, put(partial), said=f"{symbol} with {words}",
                                         why="a product multiplies the whole bracket")
            elif isinstance(node, Add) and len(node.terms) > 1:
                yield from self._terms(quantity, node, put, origins)
            elif isinstance(node, Sub):
                left, right = _shown(node.left, origins), _shown(node.right, origins)
                why = (LOSSES[self.program.net.loss].slope_how.format(a=left, t=right)
                       if quantity.kind == "loss_slope" and self.program.net.loss != "cce" else "")
                words = f"{right} − {left} where {left} − {right} belongs"
                yield _Candidate("sign error", words, put(Sub(node.right, node.left)), said=f"{symbol} with {words}",
                                 why=why)
                words = f"{left} + {right} where {left} − {right} belongs"
                yield _Candidate("sign error", words, put(Add(node.left, node.right)), said=f"{symbol} with {words}")
            elif isinstance(node, Neg):
                words = f"the minus sign of {_shown(node, origins)} left out"
                yield _Candidate("sign error", words, put(node.inner), said=f"{symbol} with {words}",
                                 why=quantity.why.removesuffix(".") if quantity.kind == "error" else "")

    def _terms(self, quantity: Quantity, node: Add, put, origins) -> Iterator[_Candidate]:
        """A term left out of a sum: a bias, a route through a hidden neuron, an error, an input."""
        symbol, terms = quantity.symbol, node.terms
        routes = quantity.kind == "route" and node is quantity.expr
        for k, term in enumerate(terms):
            rest = terms[:k] + terms[k + 1:]
            kept = put(rest[0] if len(rest) == 1 else Add(*rest))
            shown = _shown(term, origins)
            if isinstance(term, Sym) and term.name in self.biases:
                yield _Candidate("bias left out", f"the bias {shown} left out", kept, said=f"{symbol} without its bias "
                                 f"{shown}", why="every neuron adds its bias to the weighted sum of its inputs")
            elif routes and len(rest) == 1:
                through = _route_weight(rest[0])
                yield _Candidate("one route only", f"only the route through {through}", kept,
                                 said=f"{symbol} with only the route through {through}", why=quantity.why.removesuffix("."))
            elif routes:
                through = _route_weight(term)
                yield _Candidate("route left out", f"the route through {through} left out", kept,
                                 said=f"{symbol} without the route through {through}", why=quantity.why.removesuffix("."))
            else:
                yield _Candidate("term left out", f"the term {shown} left out", kept, said=f"{symbol} without {shown}",
                                 why=_sum_why(quantity))
        if routes and len(terms) > 2:  # one route alone, where there are three or more
            for term in terms:
                yield _Candidate("one route only", f"only the route through {_route_weight(term)}", put(term),
                                 said=f"{symbol} with only the route through {_route_weight(term)}",
                                 why=quantity.why.removesuffix("."))

    def _count(self, quantity: Quantity, node: Div, put) -> Iterator[_Candidate]:
        """The mean's count left out, or divided by twice: E = (t − a)²/n."""
        bottom = node.bottom
        count = bottom if isinstance(bottom, Num) else next(
            (f for f in getattr(bottom, "factors", ()) if isinstance(f, Num)), None)
        if count is None or count.value <= 1:
            return
        n = format_number(count.value)
        rest = [f for f in getattr(bottom, "factors", ()) if f is not count]
        left_out = node.top if not rest else Div(node.top, rest[0] if len(rest) == 1 else Mul(*rest))
        symbol, loss = quantity.symbol, self.program.net.loss
        why = f"{loss} averages over n = {n} terms, so it divides by n once"
        yield _Candidate("count", f"the count n = {n} left out", put(left_out),
                         said=f"{symbol} without the division by n = {n}", why=why)
        yield _Candidate("count", f"divided by the count n = {n} twice", put(Div(node, count)),
                         said=f"{symbol} divided by n = {n} twice", why=why)

    def _factor_words(self, quantity: Quantity, factor: Expr, origins: dict[int, str]) -> tuple[str, str, str]:
        """(words, said, why) of a factor left out."""
        symbol = origins.get(id(factor)) or (factor.name if isinstance(factor, Sym) else None)
        text = _shown(factor, origins)
        n = self.program.index.get(symbol) if symbol else None
        if n is not None and self.program.quantities[n].kind == "activation_slope":
            slope = self.program.quantities[n]
            shown = symbol if text == symbol else f"{symbol} = {text}"
            name = self.program.net.activations[slope.layer - 1]
            short = "σ′" if name == "sigmoid" else "the activation's slope"
            whose = {"sigmoid": "the sigmoid's", "tanh": "tanh's", "relu": "ReLU's"}.get(name, "the activation's")
            return (f"the activation's slope {shown} left out ({short} forgotten)",
                    f"{quantity.symbol} without {slope.expr.text()}", f"{whose} slope is missing")
        why = quantity.why.removesuffix(".") if isinstance(factor, Num) and quantity.kind == "error" else ""
        return f"the factor {text} left out", f"{quantity.symbol} without the factor {text}", why

    def _neighbour_why(self, quantity: Quantity, read: str, other: str) -> str:
        """Why `read` belongs where the student read `other`: what each of them is."""
        kinds = {s: self.program.quantities[n].kind for s in (read, other) if (n := self.program.index.get(s)) is not None}
        if kinds.get(read) == kinds.get(other) == "activation_slope":
            return f"another neuron's slope: each neuron has its own, and {read} = {self._formula(read)}"
        if quantity.kind == "activation_slope":
            return f"another neuron's output: each neuron's slope reads its own, here {read}"
        return f"{read} is {self._role(read)}; {other} is {self._role(other)}"

    def _formula(self, symbol: str) -> str:
        return self.program.quantities[self.program.index[symbol]].expr.text()

    def _role(self, symbol: str) -> str:
        """What a symbol is, in a few words: "the weight on the edge from i2 into h2"."""
        if symbol in self.edges:
            return "the weight on the edge from {} into {}".format(*self.edges[symbol])
        if symbol in self.biases:
            return f"the bias of {self.biases[symbol]}"
        if symbol in self.given:
            return self.given[symbol]
        sample = re.search(r"\[(\d+)\]$", symbol)
        of = f" of sample {sample[1]}" if sample else ""
        n = self.program.index.get(symbol)
        if n is None:
            return "another value"
        q = self.program.quantities[n]
        neuron = self.program.names.neuron(q.layer, q.neuron) if q.layer is not None and q.neuron is not None else ""
        return {"sum": f"{neuron}'s sum", "activation": f"{neuron}'s output", "error": f"{neuron}'s error",
                "activation_slope": f"{neuron}'s slope", "loss_slope": f"how E_total changes with {neuron}'s output",
                "route": f"how E_total changes with {neuron}'s output"}.get(q.kind, "another value") + of


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


def typed_slip(finder: SlipFinder, quantity: Quantity, values: dict, before, target: float,
               accepts: Callable[[float], bool]) -> Slip | None:
    """The slip behind a number typed for `quantity` (the quiz): one of the catalogue, or else the right
    formula on its inputs rounded too early."""
    slip = finder.find(quantity, values, before, target, accepts, repeat=False)
    if slip is not None:
        return slip
    found = None
    for digits in ROUNDED_DIGITS:
        rounded = {read: float(f"{values[read]:.{digits - 1}e}") for read in quantity.reads if read != "lr"}
        try:
            value = quantity.expr.evaluate(ChainMap(rounded, values))
        except (KeyError, ArithmeticError, ValueError):
            return None
        if accepts(value) and (found is None or abs(value - target) < found[0]):
            found = (abs(value - target), digits, rounded)
    if found is None:
        return None
    _, digits, rounded = found
    return Slip(ROUNDING, f"computed from inputs rounded to {digits} significant digits",
                quantity.substituted(ChainMap(rounded, values)),
                f"{quantity.symbol} from its inputs rounded to {digits} significant digits",
                "carry every digit to the end, since a value rounded early moves every value computed from it")


def _over(expr: Expr, count: int) -> Expr:
    return expr if count == 1 else Div(expr, Num(count))


def _route_weight(term: Expr) -> str:
    """The weight a route through a hidden neuron passes: the last factor of dE/ds·w."""
    last = term.factors[-1] if isinstance(term, Mul) else term
    return last.name if isinstance(last, Sym) else last.text()


def _sum_why(quantity: Quantity) -> str:
    return {"sum": "a neuron adds up every incoming value times the weight on its edge",
            "total": "E_total adds up the error of every output",
            "sample_sum": "E_total sums over every sample, and so does its gradient",
            "gradient": "the bias feeds every neuron of its layer, and its gradient sums what reaches each"}.get(
        quantity.kind, "")


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

