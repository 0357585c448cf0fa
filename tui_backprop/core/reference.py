"""One epoch of any network, worked eagerly, in the order a student works it by hand.  Start reading here.

Forward, sample by sample: each neuron's weighted sum and output, each output's error, then E_total (and
E_reg, a penalty on the weights).  Backward, sample by sample from the output layer in: how E_total changes
with each output (the loss's slope), each hidden output (the routes through the next layer), each sum (the
activation's slope), and each weight and bias; over several samples a gradient sums their parts, and a
penalty adds its own.  Then every parameter takes its optimizer's step (plain descent: lr against its
gradient).  Each formula is an entry of maths.py, each sentence one of why.py's or maths.py's; nothing is
cached, planned or generated.  With batches (batches.py) an update step is this epoch over a batch.
program.py plans the same quantities lazily and compiled.py makes them fast: tests/test_reference.py holds
both to this file, bit for bit.
"""

from __future__ import annotations

from . import maths, why
from .expr import Add, Mul, Num, Softmax, Sym
from .maths import ACTIVATIONS, LOSSES, PENALTIES, SOFTMAX_CCE_WHY, UPDATES, softmax_cce_slope, sum_of
from .network import RATE, STEP, Names, Network
from .quantity import BACKWARD, FORWARD, UPDATE, Kind, Quantity


def epoch(net: Network) -> list[Quantity]:
    """Every quantity of one update step over all of `net`'s samples, in the order a student works them."""
    sizes, depth, samples = net.sizes, net.depth, range(len(net.samples))
    out: list[Quantity] = []
    for s in samples:
        for layer in range(1, depth + 1):
            softmax = net.activations[layer - 1] == "softmax"
            for j in range(sizes[layer]):  # softmax needs every sum of its layer before the first output
                out += [weighted_sum(net, s, layer, j)] if softmax else neuron_forward(net, s, layer, j)
            out += [softmax_output(net, s, layer, j) for j in range(sizes[layer]) if softmax]
        out += errors(net, s)
    out.append(total(net))
    out += [penalty(net)] if net.regularized else []
    for s in samples:
        for layer in range(depth, 0, -1):
            for j in range(sizes[layer]):
                out += neuron_backward(net, s, layer, j)
            for j in range(sizes[layer]):
                out += weight_gradients(net, s, layer, j)
            if net.trains_biases:
                out += bias_gradients(net, s, layer)
    if net.names.multi_sample:
        out += [sample_sum(net, p) for p in trained(net)]
    for w in net.names.weights if net.regularized else ():
        out += penalty_gradients(net, w)
    out += [step_count()] if net.optimizer == "adam" else []
    for p in trained(net):
        out += update(net, p)
    return out


def work(net: Network, values: dict[str, float]) -> dict[str, float]:
    """`values` (the free symbols: lr, parameters, inputs, targets) with every quantity of `epoch(net)` worked
    out in order; each reads only free symbols and the quantities before it."""
    values = dict(values)
    for q in epoch(net):
        values[q.symbol] = q.evaluate(values)
    return values


def trained(net: Network) -> list[str]:
    """The parameters an update moves: every weight, then the biases unless they are frozen."""
    return net.names.weights + (net.names.biases if net.train_bias else [])


# -- forward ----------------------------------------------------------------------

def weighted_sum(net: Network, s: int, layer: int, j: int) -> Quantity:
    n = net.names
    terms = [Mul(Sym(n.weight_at[layer][j][i]), Sym(n.output(layer - 1, i, s))) for i in range(net.sizes[layer - 1])]
    bias = n.bias_at[layer][j]
    if bias:
        terms.append(Sym(bias))
    return Quantity(n.total(layer, j, s), FORWARD, sum_of(terms), why.weighted_sum(n.neuron(layer, j), bias), Kind.SUM,
                    layer, j, s)


def neuron_forward(net: Network, s: int, layer: int, j: int) -> list[Quantity]:
    """The neuron's sum, then its output a = g(sum)."""
    n, activation = net.names, ACTIVATIONS[net.activations[layer - 1]]
    total_ = n.total(layer, j, s)
    return [weighted_sum(net, s, layer, j), Quantity(n.output(layer, j, s), FORWARD, activation.output(Sym(total_)),
                                                     why.activation(total_, activation), Kind.ACTIVATION, layer, j, s)]


def softmax_output(net: Network, s: int, layer: int, j: int) -> Quantity:
    n = net.names
    sums = [Sym(n.total(layer, k, s)) for k in range(net.sizes[layer])]
    return Quantity(n.output(layer, j, s), FORWARD, Softmax(j, sums), why.softmax_output(), Kind.ACTIVATION, layer, j, s)


def errors(net: Network, s: int) -> list[Quantity]:
    n, loss, outputs = net.names, LOSSES[net.loss], net.sizes[-1]
    count = loss.count(outputs, len(net.samples))
    t, a = [Sym(n.target(k, s)) for k in range(outputs)], [Sym(n.output(net.depth, k, s)) for k in range(outputs)]
    return [Quantity(n.error(k, s), FORWARD, loss.error(t[k], a[k], count), why.error(loss, k, a[k].name, t[k].name, count),
                     Kind.ERROR, net.depth, k, s) for k in range(outputs)]


def total(net: Network) -> Quantity:
    errors_ = [Sym(net.names.error(k, s)) for s in range(len(net.samples)) for k in range(net.sizes[-1])]
    return Quantity("E_total", FORWARD, sum_of(errors_), why.total(net.names.multi_sample), Kind.TOTAL)


def penalty(net: Network) -> Quantity:
    rule = PENALTIES[net.regularization]
    return Quantity("E_reg", FORWARD, rule.total(Sym(RATE), [Sym(w) for w in net.names.weights]), rule.total_why,
                    Kind.PENALTY)


# -- backward ---------------------------------------------------------------------

def delta(net: Network, layer: int, j: int, s: int) -> list[Sym]:
    """The factors of dE_total/d(the sum of neuron j): dE_total/da·da/ds, or through softmax dE_total/ds."""
    n = net.names
    if net.activations[layer - 1] == "softmax":
        return [Sym(Names.grad(n.neuron(layer, j), n.suffix(s)))]
    return [Sym(Names.grad(n.output(layer, j, s))), Sym(n.activation_slope(layer, j, s))]


def neuron_backward(net: Network, s: int, layer: int, j: int) -> list[Quantity]:
    """How E_total changes with the neuron's output, then with its sum (the slope of its activation)."""
    n, name = net.names, net.activations[layer - 1]
    first = loss_slope(net, j, s) if layer == net.depth else route(net, layer, j, s)
    if name == "softmax":
        return [first]
    activation, out, total_ = ACTIVATIONS[name], n.output(layer, j, s), n.total(layer, j, s)
    return [first, Quantity(n.activation_slope(layer, j, s), BACKWARD, activation.slope(Sym(out), Sym(total_)),
                            why.activation_slope(out, total_, name, activation), Kind.ACTIVATION_SLOPE, layer, j, s)]


def loss_slope(net: Network, k: int, s: int) -> Quantity:
    n, loss, outputs = net.names, LOSSES[net.loss], net.sizes[-1]
    t, a, count = Sym(n.target(k, s)), Sym(n.output(net.depth, k, s)), loss.count(outputs, len(net.samples))
    if loss.slope is None:  # cce, through softmax: dE_total/do_k
        targets = [Sym(n.target(j, s)) for j in range(outputs)]
        return Quantity(Names.grad(n.neuron(net.depth, k), n.suffix(s)), BACKWARD, softmax_cce_slope(a, t, targets, count),
                        SOFTMAX_CCE_WHY, Kind.LOSS_SLOPE, net.depth, k, s)
    others = [n.error(j, s) for j in range(outputs) if j != k]
    return Quantity(Names.grad(a.name), BACKWARD, loss.slope(t, a, count),
                    why.loss_slope(a.name, t.name, n.error(k, s), others, loss), Kind.LOSS_SLOPE, net.depth, k, s)


def route(net: Network, layer: int, j: int, s: int) -> Quantity:
    """dE_total/da of a hidden neuron: the sum over every route through the next layer."""
    n, after = net.names, range(net.sizes[layer + 1])
    routes = [Mul(*delta(net, layer + 1, k, s), Sym(n.weight_at[layer + 1][k][j])) for k in after]
    out, weights = n.output(layer, j, s), [n.weight_at[layer + 1][k][j] for k in after]
    return Quantity(Names.grad(out), BACKWARD, sum_of(routes), why.route(out, [n.neuron(layer + 1, k) for k in after], weights),
                    Kind.ROUTE, layer, j, s)


def weight_gradients(net: Network, s: int, layer: int, j: int) -> list[Quantity]:
    """dE_total/dw of each weight into neuron j: its delta times the value the weight carries in."""
    n, neuron, out = net.names, net.names.neuron(layer, j), layer == net.depth
    others = [n.error(k, s) for k in range(net.sizes[-1]) if k != j] if out else []
    sources = [n.output(layer - 1, i, s) for i in range(net.sizes[layer - 1])]
    # The neuron's delta, suffix and sentence are the same for each of its weights: found once.
    factors, suffix = delta(net, layer, j, s), n.suffix(s)
    because = why.weight_gradients(neuron, out, net.loss == "cce", n.error(j, s), others)
    return [Quantity(Names.grad(weight, suffix), BACKWARD, Mul(*factors, Sym(source)), because(weight, source),
                     Kind.GRADIENT, layer, j, s, weight) for weight, source in zip(n.weight_at[layer][j], sources)]


def bias_gradients(net: Network, s: int, layer: int) -> list[Quantity]:
    n, neurons = net.names, range(net.sizes[layer])
    if net.softmax_ignores_bias(layer):  # summed, the outputs' slopes would leave ±1e-17 where it is exactly 0
        bias = n.bias_at[layer][0]
        return [Quantity(Names.grad(bias, n.suffix(s)), BACKWARD, Num(0), why.softmax_shared_bias_gradient(bias),
                         Kind.GRADIENT, layer, sample=s, param=bias)]
    if net.bias == "shared":
        bias, parts = n.bias_at[layer][0], [Mul(*delta(net, layer, j, s)) for j in neurons]
        sentence = why.shared_bias_gradient(bias, [n.neuron(layer, j) for j in neurons])
        return [Quantity(Names.grad(bias, n.suffix(s)), BACKWARD, sum_of(parts), sentence, Kind.GRADIENT, layer, sample=s,
                         param=bias)]
    return [Quantity(Names.grad(n.bias_at[layer][j], n.suffix(s)), BACKWARD, Mul(*delta(net, layer, j, s)),
                     why.bias_gradient(n.bias_at[layer][j], n.neuron(layer, j)), Kind.GRADIENT, layer, j, s,
                     n.bias_at[layer][j]) for j in neurons]


def sample_sum(net: Network, param: str) -> Quantity:
    parts = [Sym(Names.grad(param, net.names.suffix(s))) for s in range(len(net.samples))]
    return Quantity(Names.grad(param), BACKWARD, Add(*parts), why.sample_sum(len(net.samples)), Kind.SAMPLE_SUM,
                    param=param)


def penalty_gradients(net: Network, w: str) -> list[Quantity]:
    """A weight's term of the penalty's gradient, and its gradient of the whole objective."""
    rule, term = PENALTIES[net.regularization], Names.penalty_grad(w)
    return [Quantity(term, BACKWARD, rule.slope(Sym(RATE), Sym(w)), rule.slope_why.format(w=w), Kind.PENALTY_GRADIENT,
                     param=w),
            Quantity(Names.objective_grad(w), BACKWARD, Add(Sym(Names.grad(w)), Sym(term)),
                     maths.OBJECTIVE_WHY.format(w=w), Kind.OBJECTIVE_GRADIENT, param=w)]


# -- update -----------------------------------------------------------------------

def step_count() -> Quantity:
    return Quantity(STEP, UPDATE, maths.count_step(Sym(STEP)), maths.COUNT_WHY, Kind.STEP_COUNT)


def update(net: Network, p: str) -> list[Quantity]:
    """The parameter's step, with its optimizer's quantities before it (its state, and Adam's corrections)."""
    g = Sym(net.names.step_gradient(p))
    return [Quantity(u.symbol.format(p=p), UPDATE, u.formula(p, g), u.why.format(p=p), u.kind, param=p)
            for u in UPDATES[net.optimizer]]
