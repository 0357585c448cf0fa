"""The epoch as a list of quantities, each written once, and its compiled forms.

`build_program(net)` lists every quantity of one epoch in the order a student
works it by hand.  A Quantity is a symbol, the expression that defines it and
one sentence of why.  From that single description come the trace (values with
formulas and substitutions), the fast path (all quantities compiled into one
straight-line Python loop) and the gradient check.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from functools import cached_property

from .expr import RUNTIME, Add, Call, Div, Expr, Mul, Neg, Num, Softmax, Square, Sub, Sym, STEP_PY, TANH_PY, RELU_PY
from .expr import clipped, log, sigmoid
from .network import Names, Network

FORWARD, BACKWARD, UPDATE = "forward", "backward", "update"
PHASES = (FORWARD, BACKWARD, UPDATE)

_ACTIVATION_WORDS = {
    "sigmoid": "the sigmoid σ(x) = 1/(1 + e^−x)",
    "tanh": "tanh",
    "relu": "ReLU, max(0, x)",
    "identity": "the identity (it passes the sum on unchanged)",
    "softmax": "softmax, which turns all output sums into probabilities that add up to 1",
}


@dataclass(frozen=True)
class Quantity:
    symbol: str
    phase: str
    expr: Expr
    why: str
    kind: str  # sum, activation, error, total, loss_slope, activation_slope, route, gradient, sample_sum, update
    layer: int | None = None
    neuron: int | None = None
    sample: int | None = None
    param: str | None = None  # the parameter a gradient or update belongs to

    @cached_property
    def reads(self) -> tuple[str, ...]:
        return tuple(self.expr.reads())

    @cached_property
    def formula(self) -> str:
        return f"{self.symbol} = {self.expr.text()}"

    def substituted(self, values: dict[str, float], digits: int | None = None) -> str:
        return f"{self.symbol} = {self.expr.substituted(values, digits)}"


def identifier(symbol: str) -> str:
    """A Python name for a symbol: dE_total/dw1 -> dE_total_dw1, h1[2] -> h1_s2."""
    return re.sub(r"\W", "_", symbol.replace("[", "_s").replace("]", ""))


class Program:
    def __init__(self, net: Network, quantities: list[Quantity]):
        self.net = net
        self.names: Names = net.names
        self.quantities = quantities
        self.index = {q.symbol: n for n, q in enumerate(quantities) if q.phase != UPDATE}
        self.parameters = list(net.parameters())
        self.trained = [q.param for q in quantities if q.phase == UPDATE]
        forward = [q for q in quantities if q.phase == FORWARD]
        # The spreadsheet layout of the worked examples: one row per epoch.
        self.columns = ["lr", *self.parameters, *(q.symbol for q in forward), *(Names.grad(p) for p in self.trained)]
        self.free = list(net.start_env())
        symbols = self.free + [q.symbol for q in quantities if q.phase != UPDATE]
        ids = {s: identifier(s) for s in symbols}
        if len(set(ids.values())) != len(ids):  # pragma: no cover - guards the naming scheme
            raise AssertionError("two symbols share a Python name")
        self.ids = ids
        self._runners: dict[str, object] = {}
        self._other_sets: dict[tuple, Program] = {}

    def phase_bounds(self, phase: str) -> tuple[int, int]:
        positions = [n for n, q in enumerate(self.quantities) if q.phase == phase]
        return (positions[0], positions[-1] + 1) if positions else (0, 0)

    @cached_property
    def evaluators(self):
        """One compiled function per quantity, reading a dict of values."""
        return [_compile(f"lambda v: {q.expr.py(lambda s: f'v[{s!r}]')}") for q in self.quantities]

    def lineage(self, symbol: str, through: tuple[str, ...] = PHASES) -> list[str]:
        """Every symbol `symbol` depends on, following the quantities of the phases `through`.

        Through the backward phase only, these are the chain-rule routes: for
        dE_total/dw1, w5 into o1 and w7 into o2 (forward values are read as numbers)."""
        seen: list[str] = []
        stack = [symbol]
        while stack:
            n = self.index.get(stack.pop())
            if n is None or self.quantities[n].phase not in through:
                continue
            for read in self.quantities[n].reads:
                if read not in seen:
                    seen.append(read)
                    stack.append(read)
        return seen

    def runner(self, record: str):
        """The fast path: `run(env, epochs, out)` runs whole epochs with no objects or strings.

        record = "loss": appends E_total of each epoch to `out`;
        "history": extends `out` with lr, every parameter and E_total;
        "row": extends `out` with every column of `self.columns`.
        Returns the env after the last update.
        """
        if record not in self._runners:
            self._runners[record] = _compile(self._runner_source(record), name="run")
        return self._runners[record]

    def _runner_source(self, record: str) -> str:
        name = self.ids.__getitem__
        lines = ["def run(env, epochs, out):"]
        lines += [f"    {name(s)} = env[{s!r}]" for s in self.free]
        recorded = {
            "loss": ["E_total"],
            "history": ["lr", *self.parameters, "E_total"],
            "row": self.columns,
        }[record]
        lines.append("    keep = out.append" if len(recorded) == 1 else "    keep = out.extend")
        lines.append("    for _ in range(epochs):")
        for q in self.quantities:
            if q.phase == UPDATE:
                if recorded:
                    kept = ", ".join(name(s) for s in recorded)
                    lines.append(f"        keep({kept})" if len(recorded) == 1 else f"        keep(({kept}))")
                    recorded = []
                lines.append(f"        {name(q.symbol)} = {q.expr.py(name)}")
            else:
                lines.append(f"        {name(q.symbol)} = {q.expr.py(name)}")
        if recorded:  # nothing trains: the row is complete after the backward pass
            kept = ", ".join(name(s) for s in recorded)
            lines.append(f"        keep({kept})" if len(recorded) == 1 else f"        keep(({kept}))")
        lines.append("    env = dict(env)")
        lines += [f"    env[{s!r}] = {name(s)}" for s in self.parameters]
        lines.append("    return env")
        return "\n".join(lines)

    @cached_property
    def loss_function(self):
        """E_total as a function of the free symbols: forward pass only, for gradient checks."""
        name = self.ids.__getitem__
        lines = ["def loss(env):"]
        lines += [f"    {name(s)} = env[{s!r}]" for s in self.free]
        lines += [f"    {name(q.symbol)} = {q.expr.py(name)}" for q in self.quantities if q.phase == FORWARD]
        lines.append("    return E_total")
        return _compile("\n".join(lines), name="loss")

    def predict(self, env: dict[str, float], inputs) -> list[float]:
        """The network's outputs for one input vector, with the parameters of `env` (a forward pass)."""
        names, net = self.names, self.net
        values = dict(env)
        values.update(zip(names.input_symbols(0), inputs))
        for n, q in enumerate(self.quantities):
            if q.phase == FORWARD and q.sample == 0 and q.kind in ("sum", "activation"):
                values[q.symbol] = self.evaluators[n](values)
        return [values[names.output(net.depth, k, 0)] for k in range(net.sizes[-1])]

    def loss_on(self, env: dict[str, float], samples) -> float:
        """E_total, as this network's loss defines it, over other samples (a held-out test set)
        with the parameters of `env`: a forward pass, no update."""
        samples = tuple(samples)
        if samples not in self._other_sets:
            self._other_sets[samples] = build_program(self.net.with_changes(samples=samples))
        other = self._other_sets[samples]
        values = other.net.start_env()
        values.update((p, env[p]) for p in self.parameters)
        return other.loss_function(values)

    def run(self, env: dict[str, float], epochs: int, record: str = "loss"):
        out = array("d")
        return self.runner(record)(env, epochs, out), out


def _compile(source: str, name: str | None = None):
    namespace = dict(RUNTIME)
    if name is None:
        return eval(compile(source, "<backprop formula>", "eval"), namespace)
    exec(compile(source, f"<backprop {name}>", "exec"), namespace)
    return namespace[name]


# ---------------------------------------------------------------------------
# Building the description


def build_program(net: Network) -> Program:
    return Program(net, _Builder(net).build())


class _Builder:
    def __init__(self, net: Network):
        self.net = net
        self.n = net.names
        self.samples = range(len(net.samples))
        self.out_layer = net.depth
        self.quantities: list[Quantity] = []

    def add(self, symbol, phase, expr, why, kind, **where):
        self.quantities.append(Quantity(symbol, phase, expr, why, kind, **where))

    def build(self) -> list[Quantity]:
        for s in self.samples:
            self.forward(s)
        self.total()
        for s in self.samples:
            self.backward(s)
        if self.n.multi_sample:
            self.sample_sums()
        self.updates()
        return self.quantities

    # -- forward ----------------------------------------------------------
    def forward(self, s: int) -> None:
        net, n = self.net, self.n
        for layer in range(1, net.depth + 1):
            act = net.activations[layer - 1]
            sums = [Sym(n.total(layer, j, s)) for j in range(net.sizes[layer])]
            for j in range(net.sizes[layer]):
                terms = [
                    Mul(Sym(n.weight_at[layer][j][i]), Sym(n.output(layer - 1, i, s)))
                    for i in range(net.sizes[layer - 1])
                ]
                bias = n.bias_at[layer][j]
                if bias:
                    terms.append(Sym(bias))
                name = n.neuron(layer, j)
                self.add(
                    sums[j].name, FORWARD, Add(*terms) if len(terms) > 1 else terms[0],
                    f"{name} adds up what flows into it: every incoming value times the weight on its edge"
                    + (f", plus the bias {bias}." if bias else "."),
                    "sum", layer=layer, neuron=j, sample=s,
                )
                if act != "softmax":
                    self.add(
                        n.output(layer, j, s), FORWARD, _activation(act, sums[j]),
                        f"The neuron's output is its sum {sums[j].name} passed through {_ACTIVATION_WORDS[act]}.",
                        "activation", layer=layer, neuron=j, sample=s,
                    )
            if act == "softmax":
                for j in range(net.sizes[layer]):
                    self.add(
                        n.output(layer, j, s), FORWARD, Softmax(j, sums),
                        f"The output is {_ACTIVATION_WORDS['softmax']}.",
                        "activation", layer=layer, neuron=j, sample=s,
                    )
        for k in range(net.sizes[-1]):
            expr, why = self.error_term(k, s)
            self.add(n.error(k, s), FORWARD, expr, why, "error", layer=self.out_layer, neuron=k, sample=s)

    def error_term(self, k: int, s: int) -> tuple[Expr, str]:
        net, n = self.net, self.n
        t, a = Sym(n.target(k, s)), Sym(n.output(self.out_layer, k, s))
        outputs, count = net.sizes[-1], len(net.samples)
        if net.loss == "half_sse":
            return Mul(Num(0.5, "½"), Square(Sub(t, a))), f"E{k + 1} is half the squared distance between the output {a.name} and its target {t.name}."
        if net.loss == "mse":
            return _over(Square(Sub(t, a)), outputs * count), f"E{k + 1} is this output's share of the mean squared error over all {outputs * count} outputs."
        if net.loss == "bce":
            one = Num(1)
            expr = Neg(Add(Mul(t, log(a)), Mul(Sub(one, t), log(Sub(one, a)))))
            return _over(expr, outputs * count), f"E{k + 1} is the binary cross-entropy of {a.name} against {t.name}: large when a confident output is wrong."
        return _over(Neg(Mul(t, log(a))), count), f"E{k + 1} is −t·ln(a): only the classes the target puts weight on cost anything."

    def total(self) -> None:
        errors = [Sym(self.n.error(k, s)) for s in self.samples for k in range(self.net.sizes[-1])]
        what = "every output" + (" of every sample" if self.n.multi_sample else "")
        self.add("E_total", FORWARD, Add(*errors) if len(errors) > 1 else errors[0],
                 f"E_total adds up the errors of {what}: it is the one number training makes small.", "total")

    # -- backward ---------------------------------------------------------
    def delta(self, layer: int, j: int, s: int) -> list[Sym]:
        """The factors of dE_total/d(sum of neuron j): one or two symbols."""
        n, suffix = self.n, self.n.suffix(s)
        if self.net.activations[layer - 1] == "softmax":
            return [Sym(Names.grad(n.neuron(layer, j), suffix))]
        out = "a_" + n.neuron(layer, j)
        return [Sym(Names.grad(out, suffix)), Sym(f"d{out}/d{n.neuron(layer, j)}{suffix}")]

    def backward(self, s: int) -> None:
        net, n = self.net, self.n
        suffix = n.suffix(s)
        for layer in range(net.depth, 0, -1):
            act = net.activations[layer - 1]
            for j in range(net.sizes[layer]):
                name, out = n.neuron(layer, j), n.output(layer, j, s)
                if layer == net.depth:
                    self.loss_slope(j, s)
                else:
                    self.route_sum(layer, j, s)
                if act != "softmax":
                    self.add(
                        f"da_{name}/d{name}{suffix}", BACKWARD, _slope(act, Sym(out), Sym(n.total(layer, j, s))),
                        f"How fast {out} changes with {n.total(layer, j, s)}: the slope of {act} at that point"
                        + (", written through its output." if act in ("sigmoid", "tanh") else "."),
                        "activation_slope", layer=layer, neuron=j, sample=s,
                    )
            self.layer_gradients(layer, s)

    def loss_slope(self, k: int, s: int) -> None:
        net, n = self.net, self.n
        suffix = n.suffix(s)
        t, a = Sym(n.target(k, s)), Sym(n.output(self.out_layer, k, s))
        error, outputs, count = n.error(k, s), net.sizes[-1], len(net.samples)
        others = [n.error(j, s) for j in range(outputs) if j != k]
        dropped = f" ({', '.join(others)} {'does' if len(others) == 1 else 'do'} not)" if others else ""
        if net.loss == "cce":
            symbol = Names.grad(n.neuron(self.out_layer, k), suffix)
            # a·Σt − t is exact for any targets; it is the familiar a − t only when they add up to 1.
            targets = [Sym(n.target(j, s)) for j in range(outputs)]
            expr = Sub(Mul(a, Add(*targets) if outputs > 1 else targets[0]), t)
            self.add(symbol, BACKWARD, _over(expr, count),
                     "Softmax and cross-entropy together have the slope a·(sum of the targets) − t for each output sum, which is a − t when the targets add up to 1: every E depends on every o through softmax, and the terms collapse.",
                     "loss_slope", layer=self.out_layer, neuron=k, sample=s)
            return
        if net.loss == "half_sse":
            expr, how = Sub(a, t), f"d/d{a.name} of ½({t.name} − {a.name})² is {a.name} − {t.name}"
        elif net.loss == "mse":
            expr, how = _over(Mul(Num(2), Sub(a, t)), outputs * count), "the derivative of the squared difference, divided by the count"
        else:
            one = Num(1)
            expr = Div(Sub(a, t), _times(outputs * count, clipped(Mul(a, Sub(one, a)))))
            how = "the derivative of the cross-entropy"
        self.add(Names.grad(a.name), BACKWARD, expr,
                 f"How E_total changes as {a.name} moves: only {error} depends on {a.name}{dropped}, and {how}.",
                 "loss_slope", layer=self.out_layer, neuron=k, sample=s)

    def route_sum(self, layer: int, j: int, s: int) -> None:
        net, n = self.net, self.n
        out = n.output(layer, j, s)
        routes = [Mul(*self.delta(layer + 1, k, s), Sym(n.weight_at[layer + 1][k][j])) for k in range(net.sizes[layer + 1])]
        nexts = [n.neuron(layer + 1, k) for k in range(net.sizes[layer + 1])]
        if len(routes) == 1:
            why = f"{out} reaches E_total only through {nexts[0]}, along the weight {n.weight_at[layer + 1][0][j]}."
        else:
            via = ", ".join(f"through {n.weight_at[layer + 1][k][j]} into {nexts[k]}" for k in range(len(nexts)))
            why = f"{out} feeds {', '.join(nexts[:-1])} and {nexts[-1]}, so its effect on E_total is the sum over every route: {via}."
        self.add(Names.grad(out), BACKWARD, Add(*routes) if len(routes) > 1 else routes[0], why,
                 "route", layer=layer, neuron=j, sample=s)

    def layer_gradients(self, layer: int, s: int) -> None:
        net, n = self.net, self.n
        suffix = n.suffix(s)
        out_errors = [n.error(k, s) for k in range(net.sizes[-1])]
        for j in range(net.sizes[layer]):
            name = n.neuron(layer, j)
            for i in range(net.sizes[layer - 1]):
                weight, source = n.weight_at[layer][j][i], n.output(layer - 1, i, s)
                if layer == net.depth and net.loss != "cce":
                    others = [e for k, e in enumerate(out_errors) if k != j]
                    reach = f"{weight} reaches E_total only through {name}" + (
                        f", so {', '.join(others)} {'drops' if len(others) == 1 else 'drop'} out" if others else "")
                elif layer == net.depth:
                    reach = f"{weight} reaches E_total through {name}"
                else:
                    reach = f"{weight} reaches E_total through {name} and then every route out of a_{name}, already summed in {Names.grad('a_' + name)}"
                self.add(Names.grad(weight, suffix), BACKWARD, Mul(*self.delta(layer, j, s), Sym(source)),
                         f"{reach}; d{name}/d{weight} = {source}.",
                         "gradient", layer=layer, neuron=j, sample=s, param=weight)
        if not (net.train_bias and net.bias != "none"):
            return
        if net.bias == "shared":
            bias = n.bias_at[layer][0]
            parts = [Mul(*self.delta(layer, j, s)) for j in range(net.sizes[layer])]
            fed = [n.neuron(layer, j) for j in range(net.sizes[layer])]
            self.add(Names.grad(bias, suffix), BACKWARD, Add(*parts) if len(parts) > 1 else parts[0],
                     f"{bias} is added into {', '.join(fed)} with slope 1, so its gradient sums what reaches each of them.",
                     "gradient", layer=layer, sample=s, param=bias)
        else:
            for j in range(net.sizes[layer]):
                bias = n.bias_at[layer][j]
                self.add(Names.grad(bias, suffix), BACKWARD, Mul(*self.delta(layer, j, s)),
                         f"{bias} is added into {n.neuron(layer, j)} with slope 1, so its gradient is what reaches that sum.",
                         "gradient", layer=layer, neuron=j, sample=s, param=bias)

    def sample_sums(self) -> None:
        count = len(self.net.samples)
        for param in self.trained_parameters():
            parts = [Sym(Names.grad(param, self.n.suffix(s))) for s in self.samples]
            self.add(Names.grad(param), BACKWARD, Add(*parts),
                     f"E_total sums over all {count} samples, so its gradient is the sum of each sample's part.",
                     "sample_sum", param=param)

    # -- update -----------------------------------------------------------
    def trained_parameters(self) -> list[str]:
        trained = list(self.n.weights)
        if self.net.train_bias:
            trained += self.n.biases
        return trained

    def updates(self) -> None:
        for param in self.trained_parameters():
            self.add(param, UPDATE, Sub(Sym(param), Mul(Sym("lr"), Sym(Names.grad(param)))),
                     f"Gradient descent moves {param} a step of lr against its gradient; every gradient came from the same forward pass, so all parameters update together.",
                     "update", param=param)


def _activation(act: str, total: Sym) -> Expr:
    if act == "sigmoid":
        return sigmoid(total)
    if act == "tanh":
        return Call("tanh", TANH_PY, total)
    if act == "relu":
        return Call("relu", RELU_PY, total)
    return total


def _slope(act: str, out: Sym, total: Sym) -> Expr:
    one = Num(1)
    if act == "sigmoid":
        return Mul(out, Sub(one, out))
    if act == "tanh":
        return Sub(one, Square(out))
    if act == "relu":
        return Call("step", STEP_PY, total)
    return one


def _over(expr: Expr, count: int) -> Expr:
    return expr if count == 1 else Div(expr, Num(count))


def _times(count: int, expr: Expr) -> Expr:
    return expr if count == 1 else Mul(Num(count), expr)
