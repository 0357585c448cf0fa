"""The program turned into Python source and compiled: the fast path.

One sample's quantities are written out once as straight-line code, and the
epoch loops over the samples with it, adding each sample's errors and gradients
into E_total and the gradient sums in the order the trace adds them.  A product
the epoch uses more than once (dE_total/da·da/ds, which every gradient into a
neuron and every route through it starts with) is computed once and kept.
Each line is the expression's own `py()`, which does the same floating-point
operations as its `evaluate()`, so the fast path and the step-by-step trace
agree to the last bit.
"""

from __future__ import annotations

import re
from collections import Counter
from enum import Enum
from typing import TYPE_CHECKING

from .expr import CLIP_PY, RELU_PY, RUNTIME, SIGMOID_PY, SIGN_PY, STEP_PY, Add, Expr, Mul, Sym
from .quantity import BACKWARD, FORWARD, UPDATE, Kind, Quantity

if TYPE_CHECKING:  # program.py compiles its programs here: it imports this module, not the other way round
    from .program import Program

# The kinds of segment that one sample computes for itself.
PER_SAMPLE_KEYS = ("neuron", "sum", "errors", "slope", "gradient", "bias gradient")
# The kinds computed once a step from the step's sums: the penalty, its gradients, and the updates.
SHARED_KEYS = ("penalty", "penalty gradient", "step", "update")
INDENT = "    "


class Record(str, Enum):
    """What a run on the fast path records of each update step, one record after another."""

    LOSS = "loss"  # E_total
    HISTORY = "history"  # what carries from step to step (program.carried: lr, the parameters, ...) and E_total
    ROW = "row"  # every column of program.columns: the spreadsheet layout
    # What core/history.py's History keeps of a run: E_total of every step, and lr and the parameters only at
    # every CHECKPOINT_EVERY-th step from the first, as blocks of lr, parameters, then E_total of the
    # CHECKPOINT_EVERY steps from there (the last block may be shorter).  training/bulk.py records it in numpy, so that a
    # large network's parameters are not copied every step; history.checkpoint_records makes it from HISTORY.
    CHECKPOINTS = "checkpoints"
    # Every quantity of one step, by its place in the program: the step `r` ends on, whole, without a trace
    # (Program.step_values; numpy lays it out itself, training/bulk_numpy.py).
    VALUES = "values"


def identifier(symbol: str) -> str:
    """A Python name for a symbol: dE_total/dw1 -> dE_total_dw1, h1[2] -> h1_s2."""
    return re.sub(r"\W", "_", symbol.replace("[", "_s").replace("]", ""))


def compile_run(program: Program, record: Record):
    """`run(env, steps, out)`: `steps` update steps from `env`, recording into `out` what `record` says;
    returns the env after the last update."""
    if record not in (Record.LOSS, Record.HISTORY, Record.ROW):
        raise ValueError(f"the compiled loop records loss, history or row, not {Record(record).value}")
    return _compiled(program, *run_source(program, record))


def compile_loss(program: Program):
    """`loss(env)`: E_total of one forward pass from the free symbols of `env`, for gradient checks."""
    return _compiled(program, *run_source(program, None))


def compile_predict(program: Program, every_neuron: bool = False):
    """`predict(env, inputs)`: the outputs for one input vector, with the parameters of `env`; with
    `every_neuron`, every neuron's output (a hidden layer's, then the next, the output layer's last)."""
    source, entry = predict_source(program, every_neuron)
    return _exec(source, entry, "predict")


def _compiled(program: Program, source: str, entry: str):
    inner = _exec(source, entry, "run")
    if not program.names.multi_sample:
        return inner
    samples = [program.names.input_symbols(s) + program.names.target_symbols(s) for s in range(len(program.net.samples))]

    def with_samples(env, *args):
        return inner(env, *args, [tuple(env[symbol] for symbol in symbols) for symbols in samples])

    return with_samples


def _exec(source: str, entry: str, what: str):
    namespace = dict(RUNTIME)
    exec(compile(source, f"<backprop {what}>", "exec"), namespace)
    return namespace[entry]


class _Template:
    """One sample's quantities (sample 0's names stand for every sample), and the epoch's others."""

    def __init__(self, program: Program):
        self.program = program
        self.multi = program.names.multi_sample
        per_sample, shared = [], []
        for n, segment in enumerate(program.segments):
            mine = segment.key[0] in PER_SAMPLE_KEYS and segment.key[1] == 0
            if mine or (not self.multi and segment.key[0] in ("total",)) or segment.key[0] in SHARED_KEYS:
                (per_sample if mine else shared).extend(program.segment_quantities(n))
        self.forward = [q for q in per_sample if q.phase == FORWARD]
        self.backward = [q for q in per_sample if q.phase == BACKWARD]
        self.total = [q for q in shared if q.kind == Kind.TOTAL]
        # Once a step, after the samples: the penalty E_reg, each weight's penalty term and whole gradient.
        self.penalty = [q for q in shared if q.kind == Kind.PENALTY]
        self.penalty_gradients = [q for q in shared if q.phase == BACKWARD]
        self.updates = [q for q in shared if q.phase == UPDATE]
        names = program.names
        self.sample_inputs = names.input_symbols(0) + names.target_symbols(0)


class _Emitter:
    """Python lines for quantities, keeping each repeated leading product of two symbols in a variable."""

    def __init__(self, quantities: list[Quantity]):
        counts = Counter(pair for q in quantities for pair in _leading_pairs(q.expr))
        self.shared = {pair for pair, count in counts.items() if count > 1}
        self.kept: dict[tuple[str, str], str] = {}
        self.lines: list[str] = []

    def name(self, symbol: str) -> str:
        return identifier(symbol)

    def assign(self, target: str, expr: Expr, depth: int) -> None:
        source = self.source(expr, depth)
        self.lines.append(f"{INDENT * depth}{self.name(target)} = {source}")

    def source(self, expr: Expr, depth: int) -> str:
        if isinstance(expr, Add):
            return "(" + " + ".join(self.source(term, depth) for term in expr.terms) + ")"
        pair = _pair(expr)
        if pair is None or pair not in self.shared:
            return expr.py(self.name)
        if pair not in self.kept:
            kept = self.kept[pair] = f"_{len(self.kept)}"
            self.lines.append(f"{INDENT * depth}{kept} = ({self.name(pair[0])}*{self.name(pair[1])})")
        rest = [factor.py(self.name) for factor in expr.factors[2:]]
        # (a*b*c) is (a*b)*c in Python: the kept product gives the same bits.
        return "(" + "*".join([self.kept[pair], *rest]) + ")" if rest else self.kept[pair]


def _pair(expr: Expr) -> tuple[str, str] | None:
    if isinstance(expr, Mul) and len(expr.factors) >= 2 and all(isinstance(f, Sym) for f in expr.factors[:2]):
        return expr.factors[0].name, expr.factors[1].name
    return None


def _leading_pairs(expr: Expr):
    if isinstance(expr, Add):
        for term in expr.terms:
            yield from _leading_pairs(term)
    elif _pair(expr) is not None:
        yield _pair(expr)


def predict_source(program: Program, every_neuron: bool = False) -> tuple[str, str]:
    """The source of `predict(env, inputs)`, and its name: one sample's forward pass, returning the
    output layer's outputs or, with `every_neuron`, every layer's after the inputs."""
    template = _Template(program)
    name = identifier
    emit = _Emitter(template.forward)
    inputs = program.names.input_symbols(0)
    lines = ["def predict(env, inputs):", *(f"{INDENT}{name(p)} = env[{p!r}]" for p in program.parameters),
             f"{INDENT}({', '.join(map(name, inputs))},) = inputs"]
    for q in template.forward:
        if q.kind in (Kind.SUM, Kind.ACTIVATION):
            emit.assign(q.symbol, q.expr, 1)
    layers = range(1, program.net.depth + 1) if every_neuron else (program.net.depth,)
    outputs = [program.names.output(layer, k, 0) for layer in layers for k in range(program.net.sizes[layer])]
    return "\n".join(lines + emit.lines + [f"{INDENT}return [{', '.join(map(name, outputs))}]"]), "predict"


def run_source(program: Program, record: Record | None) -> tuple[str, str]:
    """The source of `run(env, steps, out)` recording `record`, or with record None of `loss(env)` (a forward
    pass, no update), and the function's name."""
    template = _Template(program)
    name = identifier
    multi = template.multi
    parameters = program.carried
    loss_only = record is None
    signature = "env" if loss_only else "env, steps, out"
    lines = [f"def run({signature}{', samples' if multi else ''}):"]
    bound = parameters if multi else program.free
    lines += [f"{INDENT}{name(s)} = env[{s!r}]" for s in bound]
    body = 1 if loss_only else 2
    if not loss_only:
        recorded = {Record.LOSS: ["E_total"], Record.HISTORY: [*program.carried, "E_total"], Record.ROW: None}[record]
        lines.append(f"{INDENT}keep = out.append" if recorded and len(recorded) == 1 else f"{INDENT}keep = out.extend")
        lines.append(f"{INDENT}for _ in range(steps):")
    quantities = template.forward + ([] if loss_only else template.backward)
    emit = _Emitter(quantities + template.total)
    trained = list(program.trained)
    if multi:
        # Sums start from −0.0, which adds nothing to any number, not even the sign of a −0.0.
        accumulate = ["E_total"] + ([] if loss_only else [f"dE_total/d{p}" for p in trained])
        emit.lines += [f"{INDENT * body}{name(s)} = -0.0" for s in accumulate]
        if record == Record.ROW:
            emit.lines.append(f"{INDENT * body}forward = []")
        emit.lines.append(f"{INDENT * body}for {', '.join(map(name, template.sample_inputs))} in samples:")
        for q in template.forward:
            emit.assign(q.symbol, q.expr, body + 1)
        if record == Record.ROW:
            emit.lines.append(f"{INDENT * (body + 1)}forward.extend(({', '.join(name(q.symbol) for q in template.forward)},))")
        errors = [q.symbol for q in template.forward if q.kind == Kind.ERROR]
        emit.lines += [f"{INDENT * (body + 1)}{name('E_total')} = {name('E_total')} + {name(e)}" for e in errors]
        if not loss_only:
            for q in template.backward:
                emit.assign(q.symbol, q.expr, body + 1)
            emit.lines += [f"{INDENT * (body + 1)}{name(f'dE_total/d{p}')} = {name(f'dE_total/d{p}')} + "
                           f"{name(q.symbol)}" for p, q in _per_sample_gradients(template.backward, trained)]
    else:
        for q in template.forward + template.total:
            emit.assign(q.symbol, q.expr, body)
        if not loss_only:
            for q in template.backward:
                emit.assign(q.symbol, q.expr, body)
    if not loss_only:
        # E_reg only where a row shows it; the penalty's gradient terms always, as the updates read them.
        for q in (template.penalty if record == Record.ROW else []) + template.penalty_gradients:
            emit.lines.append(f"{INDENT * body}{name(q.symbol)} = {q.expr.py(name)}")
    lines += emit.lines
    if loss_only:
        return "\n".join(lines + [f"{INDENT}return {name('E_total')}"]), "run"
    if record == Record.ROW:
        forward = (f"*forward, E_total{''.join(', ' + name(q.symbol) for q in template.penalty)}" if multi
                   else ", ".join(map(name, program.forward_symbols)))
        grads = [name(c) for c in program.gradient_columns]
        lines.append(f"{INDENT * 2}keep(({', '.join(map(name, parameters))}, {forward}{''.join(', ' + g for g in grads)}))")
    else:
        kept = ", ".join(map(name, recorded))
        lines.append(f"{INDENT * 2}keep({kept})" if len(recorded) == 1 else f"{INDENT * 2}keep(({kept}))")
    for q in template.updates:
        lines.append(f"{INDENT * 2}{name(q.symbol)} = {q.expr.py(name)}")
    lines.append(f"{INDENT}env = dict(env)")
    lines += [f"{INDENT}env[{p!r}] = {name(p)}" for p in program.carried if p != "lr"]
    lines.append(f"{INDENT}return env")
    return "\n".join(lines), "run"


def _per_sample_gradients(backward: list[Quantity], trained: list[str]):
    """(parameter, sample 0's gradient quantity) in the order of `trained`."""
    by_param = {q.param: q for q in backward if q.kind == Kind.GRADIENT}
    return [(p, by_param[p]) for p in trained]


# -- one epoch as Python to read (explain --format python) ------------------------------------

# The non-linear pieces, from the same templates the fast path inlines.
READABLE_HELPERS = f"""from math import exp, log, sqrt, tanh


def sigmoid(x):
    return {SIGMOID_PY.format(x="x")}


def relu(x):
    return {RELU_PY.format(x="x")}


def step(x):
    return {STEP_PY.format(x="x")}


def sign(x):
    return {SIGN_PY.format(x="x")}


def clip(x):
    return {CLIP_PY.format(x="x")}


def ln(x):
    return log(clip(x))


def softmax(*sums):
    peak = max(sums)
    powers = [exp(s - peak) for s in sums]
    return [p / sum(powers) for p in powers]
"""
_GLYPHS = [("·", " * "), ("−", "-"), ("²", "**2"), ("½", "0.5"), ("σ(", "sigmoid("), ("√(", "sqrt("), ("^", " ** ")]


class _PythonNames:
    """Shows a symbol as a Python name: one sample's names without the sample number, except its part
    of a gradient, which ends in _s beside the sum over samples; `python` asks nodes to write what the
    screen leaves implicit (a clip)."""

    python = True

    def __init__(self, parameters):
        self.gradients = {f"dE_total/d{p}" for p in parameters}

    def __call__(self, symbol: str) -> str:
        base = re.sub(r"\[\d+\]$", "", symbol)
        return identifier(base) + ("_s" if base != symbol and base in self.gradients else "")


def _python(expr: Expr, names: _PythonNames) -> str:
    text = expr.render(names)
    for glyph, python in _GLYPHS:
        text = text.replace(glyph, python)
    return re.sub(r"softmax\(([^()]*)\)_(\d+)", lambda m: f"softmax({m.group(1)})[{int(m.group(2)) - 1}]", text)


def readable_source(program: Program) -> str:
    """One epoch of the network as plain Python with the seeds' names, in the order the app steps
    through it: the same formulas the fast path compiles, written to be read (and run)."""
    template = _Template(program)
    net = program.net
    name = _PythonNames(program.parameters)
    carried = "parameters" if program.carried == ["lr", *program.parameters] else "parameters and optimizer state"
    # The name comes from a file, so it is written only as a literal (repr): in the docstring, a \"\"\" in it
    # would end the string and run what follows; a backslash would be read as an escape.
    lines = ['"""One epoch of the network NETWORK names, as backprop-tui computes it: forward, backward, update.', "",
             f"Run it: epoch(parameters, samples) returns E_total (of the forward pass) and the updated {carried}.",
             '"""', "", READABLE_HELPERS, "", f"NETWORK = {net.name!r}", "", ""]
    lines.append("def epoch(parameters, samples):")
    lines += [f"    {name(p)} = parameters[{p!r}]" for p in program.carried]
    inputs = [name(s) for s in template.sample_inputs]
    body = "    "
    if template.multi:
        lines.append("    E_total = 0.0")
        lines += [f"    {name('dE_total/d' + p)} = 0.0" for p in program.trained]
        lines.append(f"    for {', '.join(inputs)} in samples:")
        body = "        "
    else:
        lines.append(f"    ({', '.join(inputs)},) = samples[0]")
    lines.append(f"{body}# forward pass")
    lines += [f"{body}{name(q.symbol)} = {_python(q.expr, name)}" for q in template.forward]
    if template.multi:
        lines += [f"{body}E_total += {name(q.symbol)}" for q in template.forward if q.kind == Kind.ERROR]
    else:
        lines += [f"{body}E_total = {_python(q.expr, name)}" for q in template.total]
    lines.append(f"{body}# backward pass")
    lines += [f"{body}{name(q.symbol)} = {_python(q.expr, name)}" for q in template.backward]
    if template.multi:
        lines.append(f"{body}# this sample's part of each gradient")
        lines += [f"{body}{name('dE_total/d' + p)} += {name(q.symbol)}" for p, q in _per_sample_gradients(template.backward, program.trained)]
    if template.penalty:
        lines.append("    # the penalty on the weights, and its part of each weight's gradient")
        lines += [f"    {name(q.symbol)} = {_python(q.expr, name)}" for q in template.penalty + template.penalty_gradients]
    lines.append("    # update")
    lines += [f"    {name(q.symbol)} = {_python(q.expr, name)}" for q in template.updates]
    kept = ", ".join(f"{p!r}: {name(p)}" for p in program.carried if p != "lr")
    lines += [f"    return E_total, {{{kept}}}", "", "",
              "if __name__ == \"__main__\":",
              f"    parameters = {{{', '.join(f'{p!r}: {v!r}' for p, v in net.start_env().items() if p in program.carried)}}}",
              f"    samples = {[tuple(s.inputs) + tuple(s.targets) for s in net.samples]!r}",
              "    print(epoch(parameters, samples))", ""]
    return "\n".join(lines)
