"""The epoch as a list of quantities, each written once, built only when asked for.

`build_program(net)` lays out every quantity of one epoch in the order a student
works it by hand.  A Quantity is a symbol, the expression that defines it (from
maths.py) and one sentence of why.  From that single description come the trace
(values with formulas and substitutions), the compiled fast path (compiled.py)
and the gradient check.

A 100-100-100 network with 16 samples has about 370,000 quantities, so the
program never holds them all: it plans the epoch as small segments (a neuron's
sum and output, one neuron's incoming gradients, ...) whose lengths are known
from the shape alone, and builds a segment's quantities when one of them is
asked for, keeping the most recent few.  Set-up costs what the shape costs to
describe; a step costs one segment at most.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Callable

from .expr import Add, Expr, Mul, Num, Softmax, Sub, Sym
from . import maths
from .maths import ACTIVATIONS, LOSSES, PENALTIES, SOFTMAX_CCE_WHY, SOFTMAX_WORDS, softmax_cce_slope
from .network import BETA1, BETA2, EPS, MU, RATE, STEP, Names, Network

FORWARD, BACKWARD, UPDATE = "forward", "backward", "update"
PHASES = (FORWARD, BACKWARD, UPDATE)
SEGMENTS_KEPT = 256  # built segments kept: a few hundred small lists, whatever the network's size
ROUTES_NAMED = 6  # a sentence of why names each route up to this many, and counts them beyond


class _once:
    """functools.cached_property without its lock (Python 3.12 dropped it too): computed on first
    reading, then found in the instance's dict.  Stepping and explaining read `reads` and `formula`
    of hundreds of thousands of quantities once each, and the lock cost more than the reading."""

    def __init__(self, compute):
        self.compute, self.name = compute, compute.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Quantity:
    symbol: str
    phase: str
    expr: Expr
    why: str
    # sum, activation, error, total, penalty, loss_slope, activation_slope, route, gradient, sample_sum,
    # penalty_gradient, objective_gradient, update, and the optimizers' step_count, velocity, moment, corrected
    kind: str
    layer: int | None = None
    neuron: int | None = None
    sample: int | None = None
    param: str | None = None  # the parameter a gradient or update belongs to

    @_once
    def reads(self) -> tuple[str, ...]:
        return tuple(self.expr.reads())

    @_once
    def formula(self) -> str:
        return f"{self.symbol} = {self.expr.text()}"

    def substituted(self, values: dict[str, float], digits: int | None = None, most_terms: int | None = None) -> str:
        return f"{self.symbol} = {self.expr.substituted(values, digits, most_terms)}"

    def shortened(self, most_terms: int) -> str:
        """The formula, a long sum shown by its first and last terms (a screen has no room for 100)."""
        return f"{self.symbol} = {self.expr.text(most_terms)}"

    def evaluate(self, values: dict[str, float]) -> float:
        return self.expr.evaluate(values)


def identifier(symbol: str) -> str:
    """A Python name for a symbol: dE_total/dw1 -> dE_total_dw1, h1[2] -> h1_s2."""
    return re.sub(r"\W", "_", symbol.replace("[", "_s").replace("]", ""))


@dataclass(frozen=True)
class Segment:
    """A run of quantities built together; `key` says whose they are, for finding a symbol."""

    start: int
    length: int
    phase: str
    key: tuple
    build: Callable[[], list[Quantity]]
    symbols: tuple[str, ...] = ()  # forward segments name their symbols without building anything


class Program:
    def __init__(self, net: Network):
        self.net = net
        self.names: Names = net.names
        builder = _Builder(net)
        self.segments: list[Segment] = builder.plan()
        self._starts = [segment.start for segment in self.segments]
        self._by_key = {segment.key: n for n, segment in enumerate(self.segments)}
        self._built: OrderedDict[int, list[Quantity]] = OrderedDict()
        self._last: tuple[int, int, list[Quantity]] = (0, 0, [])  # (start, end, quantities) of the segment last found
        self.quantities = Quantities(self)
        self.index = SymbolIndex(self)
        self.parameters = self.names.weights + self.names.biases
        self.trained = builder.trained_parameters()
        self.free = list(net.start_env())
        # What carries from one update step to the next, and so what a history's record holds before E_total:
        # lr, the parameters, the penalty's and the optimizer's constants, and the optimizer's state.
        self.carried = ["lr", *self.parameters, *net.hyperparameters(), *self.names.state]
        self._bounds = {phase: (min((s.start for s in self.segments if s.phase == phase), default=0),
                                max((s.start + s.length for s in self.segments if s.phase == phase), default=0))
                        for phase in PHASES}
        self.forward_symbols = [symbol for segment in self.segments for symbol in segment.symbols]
        # The spreadsheet layout of the worked examples: one row per epoch.
        self.gradient_columns = [Names.grad(p) for p in self.trained]
        if net.regularized:
            self.gradient_columns += [f(w) for f in (Names.penalty_grad, Names.objective_grad) for w in self.names.weights]
        self.columns = [*self.carried, *self.forward_symbols, *self.gradient_columns]
        self._compiled: dict[str, object] = {}

    def __len__(self) -> int:
        return self.segments[-1].start + self.segments[-1].length

    # -- the quantities, built on demand ------------------------------------
    def segment_quantities(self, n: int) -> list[Quantity]:
        built = self._built.get(n)
        if built is None:
            built = self._built[n] = self.segments[n].build()
            if len(self._built) > SEGMENTS_KEPT:
                self._built.popitem(last=False)
        else:
            self._built.move_to_end(n)
        return built

    def quantity(self, n: int) -> Quantity:
        # Stepping asks for quantity after quantity of one segment: the last one found answers first.
        start, end, built = self._last
        if start <= n < end:
            return built[n - start]
        segment = bisect_right(self._starts, n) - 1
        built = self.segment_quantities(segment)
        start = self._starts[segment]
        self._last = (start, start + len(built), built)
        return built[n - start]

    def evaluate(self, n: int, values: dict[str, float]) -> float:
        return self.quantity(n).expr.evaluate(values)

    @property
    def evaluators(self) -> "Evaluators":
        return Evaluators(self)

    def phase_bounds(self, phase: str) -> tuple[int, int]:
        return self._bounds[phase]

    def position(self, symbol: str) -> int | None:
        """Where the epoch computes `symbol` (updates excluded: a parameter is computed by its update)."""
        key = self.names.locate(symbol)
        return self._find(key, lambda q: q.symbol == symbol) if key else None

    def update_position(self, parameter: str) -> int | None:
        """Where the epoch updates `parameter`, if it is trained."""
        group = self.names.parameter_group(parameter)
        return self._find(("update",) + group, lambda q: q.symbol == parameter) if group else None

    def _find(self, key: tuple, wanted) -> int | None:
        """The place of the quantity `wanted` picks in the segment `key` names, if both exist."""
        n = self._by_key.get(key)
        if n is not None:
            for offset, q in enumerate(self.segment_quantities(n)):
                if wanted(q):
                    return self._starts[n] + offset
        return None

    def lineage(self, symbol: str, through: tuple[str, ...] = PHASES) -> list[str]:
        """Every symbol `symbol` depends on, following the quantities of the phases `through`.

        Through the backward phase only, these are the chain-rule routes: for
        dE_total/dw1, w5 into o1 and w7 into o2 (forward values are read as numbers)."""
        seen: list[str] = []
        stack = [symbol]
        while stack:
            n = self.position(stack.pop())
            if n is None or self.quantity(n).phase not in through:
                continue
            for read in self.quantity(n).reads:
                if read not in seen:
                    seen.append(read)
                    stack.append(read)
        return seen

    def step_updates(self) -> dict[str, Quantity]:
        """Each carried value's update as one expression of the values the update phase starts with:
        what a sheet's next row starts from (sheets/check.py).  Plain descent's updates are the program's
        own; an optimizer's read what the phase computed before them (Adam's t, m, v, m̂, v̂), and those
        are written into them."""
        written: dict[str, Expr] = {}
        updates: dict[str, Quantity] = {}
        start, end = self.phase_bounds(UPDATE)
        for n in range(start, end):
            q = self.quantity(n)
            expr = _written_in(q.expr, written) if written else q.expr
            written[q.symbol] = expr
            if q.symbol in self.free:
                updates[q.symbol] = q if expr is q.expr else Quantity(q.symbol, UPDATE, expr, q.why, q.kind, param=q.param)
        return updates

    # -- compiled forms (compiled.py) -----------------------------------------
    def compiled(self, what: str):
        if what not in self._compiled:
            from .compiled import compile_program
            self._compiled[what] = compile_program(self, what)
        return self._compiled[what]

    def runner(self, record: str):
        """The fast path: `run(env, epochs, out)` runs whole epochs with no objects or strings.

        record = "loss": appends E_total of each epoch to `out`;
        "history": extends `out` with lr, every parameter and E_total;
        "row": extends `out` with every column of `self.columns`.
        Returns the env after the last update.
        """
        return self.compiled(record)

    def run(self, env: dict[str, float], epochs: int, record: str = "loss"):
        from array import array
        out = array("d")
        return self.runner(record)(env, epochs, out), out

    @property
    def loss_function(self):
        """E_total as a function of the free symbols: forward pass only, for gradient checks."""
        return self.compiled("loss_only")

    def predict(self, env: dict[str, float], inputs) -> list[float]:
        """The network's outputs for one input vector, with the parameters of `env` (a forward pass)."""
        return self.compiled("predict")(env, inputs)

    def loss_on(self, env: dict[str, float], samples) -> float:
        """E_total, as this network's loss defines it, over other samples (a held-out test set)
        with the parameters of `env`: a forward pass, no update."""
        samples = tuple(samples)
        other = self._compiled.setdefault(("other", samples), None)
        if other is None:
            other = self._compiled[("other", samples)] = build_program(self.net.with_changes(samples=samples))
        values = other.net.start_env()
        values.update((p, env[p]) for p in self.parameters)
        return other.loss_function(values)


class Quantities(Sequence):
    """The epoch's quantities as a list that builds each one when it is read."""

    def __init__(self, program: Program):
        self.program = program

    def __len__(self) -> int:
        return len(self.program)

    def __getitem__(self, n):
        if isinstance(n, slice):
            return [self.program.quantity(k) for k in range(*n.indices(len(self)))]
        if n < 0:
            n += len(self)
        if not 0 <= n < len(self):
            raise IndexError(n)
        return self.program.quantity(n)

    def __iter__(self):
        for n in range(len(self.program.segments)):
            yield from self.program.segment_quantities(n)


class SymbolIndex:
    """symbol -> its place in the epoch, found from the symbol's name (updates excluded)."""

    def __init__(self, program: Program):
        self.program = program

    def get(self, symbol: str, default=None):
        n = self.program.position(symbol) if isinstance(symbol, str) else None
        return default if n is None else n

    def __contains__(self, symbol) -> bool:
        return self.get(symbol) is not None

    def __getitem__(self, symbol: str) -> int:
        n = self.get(symbol)
        if n is None:
            raise KeyError(symbol)
        return n


class Evaluators:
    """evaluators[n](values): the value of quantity n from the values it reads."""

    def __init__(self, program: Program):
        self.program = program

    def __getitem__(self, n: int):
        return self.program.quantities[n].evaluate

    def __len__(self) -> int:
        return len(self.program)


# ---------------------------------------------------------------------------
# Building the description


def build_program(net: Network) -> Program:
    return Program(net)


class _Builder:
    """Plans the epoch as segments, and builds each segment's quantities when asked."""

    def __init__(self, net: Network):
        self.net = net
        self.n = net.names
        self.samples = range(len(net.samples))
        self.out_layer = net.depth
        self.loss = LOSSES[net.loss]
        self.segments: list[Segment] = []
        self.at = 0

    def segment(self, phase: str, key: tuple, length: int, build, *args, symbols: tuple[str, ...] = ()) -> None:
        self.segments.append(Segment(self.at, length, phase, key, partial(build, *args), symbols))
        self.at += length

    def plan(self) -> list[Segment]:
        net, n = self.net, self.n
        sizes, depth = net.sizes, net.depth
        for s in self.samples:
            for layer in range(1, depth + 1):
                for j in range(sizes[layer]):
                    if net.activations[layer - 1] == "softmax":
                        self.segment(FORWARD, ("sum", s, layer, j), 1, self.softmax_sum, s, layer, j,
                                     symbols=(n.total(layer, j, s),))
                    else:
                        self.segment(FORWARD, ("neuron", s, layer, j), 2, self.neuron_forward, s, layer, j,
                                     symbols=(n.total(layer, j, s), n.output(layer, j, s)))
                if net.activations[layer - 1] == "softmax":
                    for j in range(sizes[layer]):
                        self.segment(FORWARD, ("neuron", s, layer, j), 1, self.softmax_output, s, layer, j,
                                     symbols=(n.output(layer, j, s),))
            self.segment(FORWARD, ("errors", s), sizes[-1], self.errors, s,
                         symbols=tuple(n.error(k, s) for k in range(sizes[-1])))
        self.segment(FORWARD, ("total",), 1, self.total, symbols=("E_total",))
        if net.regularized:
            self.segment(FORWARD, ("penalty",), 1, self.penalty, symbols=("E_reg",))
        trains_bias = net.train_bias and net.bias != "none"
        for s in self.samples:
            for layer in range(depth, 0, -1):
                slopes = 1 if net.activations[layer - 1] == "softmax" else 2
                for j in range(sizes[layer]):
                    self.segment(BACKWARD, ("slope", s, layer, j), slopes, self.neuron_backward, s, layer, j)
                for j in range(sizes[layer]):
                    self.segment(BACKWARD, ("gradient", s, layer, j), sizes[layer - 1], self.weight_gradients, s, layer, j)
                if trains_bias:
                    count = 1 if net.bias == "shared" else sizes[layer]
                    self.segment(BACKWARD, ("bias gradient", s, layer), count, self.bias_gradients, s, layer)
        groups = [(("gradient", layer, j), sizes[layer - 1]) for layer in range(1, depth + 1) for j in range(sizes[layer])]
        if trains_bias:
            groups += [(("bias gradient", layer), 1 if net.bias == "shared" else sizes[layer]) for layer in range(1, depth + 1)]
        if self.n.multi_sample:
            for key, length in groups:
                self.segment(BACKWARD, ("sample sum",) + key, length, self.sample_sums, key)
        if net.regularized:
            for key, length in groups:
                if key[0] == "gradient":
                    self.segment(BACKWARD, ("penalty gradient",) + key[1:], 2 * length, self.penalty_gradients, key)
        if net.optimizer == "adam":
            self.segment(UPDATE, ("step",), 1, self.step_count)
        per_parameter = {"sgd": 1, "momentum": 2, "adam": 5}[net.optimizer]
        for key, length in groups:
            self.segment(UPDATE, ("update",) + key, per_parameter * length, self.updates, key)
        return self.segments

    # -- forward ----------------------------------------------------------
    def weighted_sum(self, s: int, layer: int, j: int) -> Quantity:
        net, n = self.net, self.n
        terms = [Mul(Sym(n.weight_at[layer][j][i]), Sym(n.output(layer - 1, i, s))) for i in range(net.sizes[layer - 1])]
        bias = n.bias_at[layer][j]
        if bias:
            terms.append(Sym(bias))
        return Quantity(
            n.total(layer, j, s), FORWARD, Add(*terms) if len(terms) > 1 else terms[0],
            f"{n.neuron(layer, j)} adds up what flows into it: every incoming value times the weight on its edge"
            + (f", plus the bias {bias}." if bias else "."),
            "sum", layer=layer, neuron=j, sample=s)

    def neuron_forward(self, s: int, layer: int, j: int) -> list[Quantity]:
        n = self.n
        activation = ACTIVATIONS[self.net.activations[layer - 1]]
        total = Sym(n.total(layer, j, s))
        return [self.weighted_sum(s, layer, j), Quantity(
            n.output(layer, j, s), FORWARD, activation.output(total),
            f"The neuron's output is its sum {total.name} passed through {activation.words}.",
            "activation", layer=layer, neuron=j, sample=s)]

    def softmax_sum(self, s: int, layer: int, j: int) -> list[Quantity]:
        return [self.weighted_sum(s, layer, j)]

    def softmax_output(self, s: int, layer: int, j: int) -> list[Quantity]:
        n = self.n
        sums = [Sym(n.total(layer, k, s)) for k in range(self.net.sizes[layer])]
        return [Quantity(n.output(layer, j, s), FORWARD, Softmax(j, sums), f"The output is {SOFTMAX_WORDS}.",
                         "activation", layer=layer, neuron=j, sample=s)]

    def errors(self, s: int) -> list[Quantity]:
        n, net, loss = self.n, self.net, self.loss
        count = loss.count(net.sizes[-1], len(net.samples))
        out = []
        for k in range(net.sizes[-1]):
            t, a = Sym(n.target(k, s)), Sym(n.output(self.out_layer, k, s))
            out.append(Quantity(n.error(k, s), FORWARD, loss.error(t, a, count),
                                loss.error_why.format(k=k + 1, a=a.name, t=t.name, count=count),
                                "error", layer=self.out_layer, neuron=k, sample=s))
        return out

    def total(self) -> list[Quantity]:
        errors = [Sym(self.n.error(k, s)) for s in self.samples for k in range(self.net.sizes[-1])]
        what = "every output" + (" of every sample" if self.n.multi_sample else "")
        return [Quantity("E_total", FORWARD, Add(*errors) if len(errors) > 1 else errors[0],
                         f"E_total adds up the errors of {what}: it is the one number training makes small.", "total")]

    def penalty(self) -> list[Quantity]:
        penalty = PENALTIES[self.net.regularization]
        return [Quantity("E_reg", FORWARD, penalty.total(Sym(RATE), [Sym(w) for w in self.n.weights]),
                         penalty.total_why, "penalty")]

    # -- backward ---------------------------------------------------------
    def delta(self, layer: int, j: int, s: int) -> list[Sym]:
        """The factors of dE_total/d(sum of neuron j): one or two symbols."""
        n, suffix = self.n, self.n.suffix(s)
        if self.net.activations[layer - 1] == "softmax":
            return [Sym(Names.grad(n.neuron(layer, j), suffix))]
        out = "a_" + n.neuron(layer, j)
        return [Sym(Names.grad(out, suffix)), Sym(f"d{out}/d{n.neuron(layer, j)}{suffix}")]

    def neuron_backward(self, s: int, layer: int, j: int) -> list[Quantity]:
        """How E_total changes with the neuron's output, then with its sum (the slope of its activation)."""
        n = self.n
        first = self.loss_slope(j, s) if layer == self.net.depth else self.route_sum(layer, j, s)
        name = self.net.activations[layer - 1]
        if name == "softmax":
            return [first]
        activation, neuron, out = ACTIVATIONS[name], n.neuron(layer, j), n.output(layer, j, s)
        total = n.total(layer, j, s)
        return [first, Quantity(
            f"da_{neuron}/d{neuron}{n.suffix(s)}", BACKWARD, activation.slope(Sym(out), Sym(total)),
            f"How fast {out} changes with {total}: the slope of {name} at that point"
            + (", written through its output." if activation.through_output else "."),
            "activation_slope", layer=layer, neuron=j, sample=s)]

    def loss_slope(self, k: int, s: int) -> Quantity:
        net, n, loss = self.net, self.n, self.loss
        suffix = n.suffix(s)
        t, a = Sym(n.target(k, s)), Sym(n.output(self.out_layer, k, s))
        outputs = net.sizes[-1]
        count = loss.count(outputs, len(net.samples))
        if loss.slope is None:  # cce, through softmax
            targets = [Sym(n.target(j, s)) for j in range(outputs)]
            return Quantity(Names.grad(n.neuron(self.out_layer, k), suffix), BACKWARD,
                            softmax_cce_slope(a, t, targets, count), SOFTMAX_CCE_WHY,
                            "loss_slope", layer=self.out_layer, neuron=k, sample=s)
        dropped = _others(n.error(k, s), [n.error(j, s) for j in range(outputs) if j != k], "does not", "do not")
        dropped = f" ({dropped})" if dropped else ""
        how = loss.slope_how.format(a=a.name, t=t.name)
        return Quantity(Names.grad(a.name), BACKWARD, loss.slope(t, a, count),
                        f"How E_total changes as {a.name} moves: only {n.error(k, s)} depends on {a.name}{dropped}, and {how}.",
                        "loss_slope", layer=self.out_layer, neuron=k, sample=s)

    def route_sum(self, layer: int, j: int, s: int) -> Quantity:
        net, n = self.net, self.n
        out = n.output(layer, j, s)
        routes = [Mul(*self.delta(layer + 1, k, s), Sym(n.weight_at[layer + 1][k][j])) for k in range(net.sizes[layer + 1])]
        nexts = [n.neuron(layer + 1, k) for k in range(net.sizes[layer + 1])]
        if len(routes) == 1:
            why = f"{out} reaches E_total only through {nexts[0]}, along the weight {n.weight_at[layer + 1][0][j]}."
        elif len(routes) > ROUTES_NAMED:
            why = (f"{out} feeds every neuron of the next layer, {nexts[0]} to {nexts[-1]}, so its effect on E_total "
                   f"is the sum over all {len(routes)} routes, each through its weight into one of them.")
        else:
            via = ", ".join(f"through {n.weight_at[layer + 1][k][j]} into {nexts[k]}" for k in range(len(nexts)))
            why = f"{out} feeds {', '.join(nexts[:-1])} and {nexts[-1]}, so its effect on E_total is the sum over every route: {via}."
        return Quantity(Names.grad(out), BACKWARD, Add(*routes) if len(routes) > 1 else routes[0], why,
                        "route", layer=layer, neuron=j, sample=s)

    def weight_gradients(self, s: int, layer: int, j: int) -> list[Quantity]:
        net, n = self.net, self.n
        suffix, name = n.suffix(s), n.neuron(layer, j)
        delta = self.delta(layer, j, s)
        if layer == net.depth and net.loss != "cce":
            others = _others(n.error(j, s), [n.error(k, s) for k in range(net.sizes[-1]) if k != j], "drops out", "drop out")
            reach = f" reaches E_total only through {name}" + (f", so {others}" if others else "")
        elif layer == net.depth:
            reach = f" reaches E_total through {name}"
        else:
            reach = f" reaches E_total through {name} and then every route out of a_{name}, already summed in {Names.grad('a_' + name)}"
        sources = [n.output(layer - 1, i, s) for i in range(net.sizes[layer - 1])]
        return [Quantity(f"dE_total/d{weight}{suffix}", BACKWARD, Mul(*delta, Sym(source)),
                         f"{weight}{reach}; d{name}/d{weight} = {source}.",
                         "gradient", layer, j, s, weight)
                for weight, source in zip(n.weight_at[layer][j], sources)]

    def bias_gradients(self, s: int, layer: int) -> list[Quantity]:
        net, n = self.net, self.n
        suffix = n.suffix(s)
        if net.softmax_ignores_bias(layer):
            bias = n.bias_at[layer][0]
            # Summed, the outputs' slopes would leave ±1e-17 of rounding where the answer is exactly 0.
            return [Quantity(Names.grad(bias, suffix), BACKWARD, Num(0),
                             f"{bias} is added into every output's sum alike, and softmax ignores a shift: the same "
                             f"number added to every sum changes no output, so E_total does not depend on {bias}. "
                             "Its gradient is exactly 0 (the sum of what reaches each output, which is 0).",
                             "gradient", layer=layer, sample=s, param=bias)]
        if net.bias == "shared":
            bias = n.bias_at[layer][0]
            parts = [Mul(*self.delta(layer, j, s)) for j in range(net.sizes[layer])]
            fed = [n.neuron(layer, j) for j in range(net.sizes[layer])]
            return [Quantity(Names.grad(bias, suffix), BACKWARD, Add(*parts) if len(parts) > 1 else parts[0],
                             f"{bias} is added into {', '.join(fed)} with slope 1, so its gradient sums what reaches each of them.",
                             "gradient", layer=layer, sample=s, param=bias)]
        return [Quantity(Names.grad(n.bias_at[layer][j], suffix), BACKWARD, Mul(*self.delta(layer, j, s)),
                         f"{n.bias_at[layer][j]} is added into {n.neuron(layer, j)} with slope 1, so its gradient is what reaches that sum.",
                         "gradient", layer=layer, neuron=j, sample=s, param=n.bias_at[layer][j])
                for j in range(net.sizes[layer])]

    def group_parameters(self, key: tuple) -> list[str]:
        """The parameters of a gradient group: one neuron's incoming weights, or a layer's trained biases."""
        n = self.n
        if key[0] == "gradient":
            return list(n.weight_at[key[1]][key[2]])
        layer = key[1]
        return [n.bias_at[layer][0]] if self.net.bias == "shared" else list(n.bias_at[layer])

    def sample_sums(self, key: tuple) -> list[Quantity]:
        count = len(self.net.samples)
        return [Quantity(Names.grad(param), BACKWARD, Add(*(Sym(Names.grad(param, self.n.suffix(s))) for s in self.samples)),
                         f"E_total sums over all {count} samples, so its gradient is the sum of each sample's part.",
                         "sample_sum", param=param)
                for param in self.group_parameters(key)]

    def penalty_gradients(self, key: tuple) -> list[Quantity]:
        """Each weight's term of the penalty's gradient, and its gradient of the whole objective."""
        penalty, out = PENALTIES[self.net.regularization], []
        for w in self.group_parameters(key):
            term = Names.penalty_grad(w)
            out += [Quantity(term, BACKWARD, penalty.slope(Sym(RATE), Sym(w)), penalty.slope_why.format(w=w),
                             "penalty_gradient", param=w),
                    Quantity(Names.objective_grad(w), BACKWARD, Add(Sym(Names.grad(w)), Sym(term)),
                             maths.OBJECTIVE_WHY.format(w=w), "objective_gradient", param=w)]
        return out

    # -- update -----------------------------------------------------------
    def trained_parameters(self) -> list[str]:
        trained = list(self.n.weights)
        if self.net.train_bias:
            trained += self.n.biases
        return trained

    def step_count(self) -> list[Quantity]:
        return [Quantity(STEP, UPDATE, maths.count_step(Sym(STEP)), maths.COUNT_WHY, "step_count")]

    def updates(self, key: tuple) -> list[Quantity]:
        """Each parameter's step, with the optimizer's quantities before it (its state, and Adam's corrections)."""
        out, optimizer, lr = [], self.net.optimizer, Sym("lr")
        for p in self.group_parameters(key):
            param, g = Sym(p), Sym(self.n.step_gradient(p))
            if optimizer == "sgd":
                out.append(Quantity(p, UPDATE, maths.sgd_step(param, lr, g), maths.SGD_WHY.format(p=p), "update", param=p))
            elif optimizer == "momentum":
                v = f"v_{p}"
                out += [Quantity(v, UPDATE, maths.velocity(Sym(v), Sym(MU), g), maths.VELOCITY_WHY.format(v=v, p=p),
                                 "velocity", param=p),
                        Quantity(p, UPDATE, maths.sgd_step(param, lr, Sym(v)), maths.MOMENTUM_STEP_WHY.format(v=v, p=p),
                                 "update", param=p)]
            else:
                m, v, t = f"m_{p}", f"v_{p}", Sym(STEP)
                out += [Quantity(m, UPDATE, maths.first_moment(Sym(m), Sym(BETA1), g),
                                 maths.FIRST_MOMENT_WHY.format(m=m, p=p), "moment", param=p),
                        Quantity(v, UPDATE, maths.second_moment(Sym(v), Sym(BETA2), g),
                                 maths.SECOND_MOMENT_WHY.format(v=v, p=p), "moment", param=p),
                        Quantity(f"mhat_{p}", UPDATE, maths.corrected(Sym(m), Sym(BETA1), t),
                                 maths.CORRECTED_WHY.format(beta="β1"), "corrected", param=p),
                        Quantity(f"vhat_{p}", UPDATE, maths.corrected(Sym(v), Sym(BETA2), t),
                                 maths.CORRECTED_WHY.format(beta="β2"), "corrected", param=p),
                        Quantity(p, UPDATE, maths.adam_step(param, lr, Sym(f"mhat_{p}"), Sym(f"vhat_{p}"), Sym(EPS)),
                                 maths.ADAM_STEP_WHY.format(p=p), "update", param=p)]
        return out


def _written_in(expr: Expr, written: dict[str, Expr]) -> Expr:
    """`expr` with every symbol of `written` replaced by its expression; the same object when none occurs."""
    if isinstance(expr, Sym):
        return written.get(expr.name, expr)
    children = expr.children()
    if not children:
        return expr
    new = [_written_in(child, written) for child in children]
    return expr if all(a is b for a, b in zip(new, children)) else expr.with_children(new)


def _others(mine: str, others: list[str], one: str, several: str) -> str:
    """"E2 does not", or for many outputs "the 99 errors besides E1 do not": a sentence stays readable."""
    if not others:
        return ""
    if len(others) > ROUTES_NAMED:
        return f"the {len(others)} errors besides {mine} {several}"
    return f"{', '.join(others)} {one if len(others) == 1 else several}"
