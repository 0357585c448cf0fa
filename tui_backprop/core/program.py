"""The epoch of reference.py, planned lazily: each quantity built only when asked for.

`build_program(net)` lays out the quantities of reference.epoch(net), in its
order, with the same symbols, formulas and sentences of why (it builds them
with reference.py's own functions).  From that single description come the
trace (values with formulas and substitutions), the compiled fast path
(compiled.py) and the gradient check.

A 100-100-100 network with 16 samples has about 370,000 quantities, so the
program never holds them all: it plans the epoch as small segments (a neuron's
sum and output, one neuron's incoming gradients, ...) whose lengths are known
from the shape alone, and builds a segment's quantities when one of them is
asked for, keeping the most recent few.  Set-up costs what the shape costs to
describe; a step costs one segment at most.  tests/test_reference.py holds the
plan to reference.epoch, quantity by quantity and bit for bit.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from . import reference
from .compiled import Record, compile_loss, compile_predict, compile_run
from .expr import Expr, Sym
from .maths import UPDATES
from .network import STEP, Names, Network
from .quantity import BACKWARD, FORWARD, PHASES, UPDATE, Quantity

__all__ = ["Program", "Record", "build_program"]

SEGMENTS_KEPT = 32  # built segments kept: at 100-100-100 × 93 a segment of sums over the samples is about 1 MB
# Symbols whose place is kept once found or computed: a step reads each value by its symbol, and the
# stepper keeps a large epoch's values by place (stepper.py); a layer's outputs are read by every neuron
# of the next, a neuron's slopes by every gradient into it.  About 8 MB at most.
POSITIONS_KEPT = 65_536
# Segments whose symbols' places are kept (the symbols only): a sum over the samples reads one value from
# each sample's segment, up to 93 of them.
OFFSETS_KEPT = 256


@dataclass(frozen=True)
class Segment:
    """A run of quantities built together; `key` says whose they are, for finding a symbol."""

    start: int
    length: int
    phase: str
    key: tuple
    build: Callable[[], list[Quantity]]
    symbols: tuple[str, ...] = ()  # forward segments name their symbols without building anything
    names: Callable[[], tuple[str, ...]] | None = None  # and the others, when asked: the names alone, no expression


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
        self._named: tuple[int, tuple[str, ...]] = (-1, ())  # (segment, its symbols) last named
        # symbol -> position, as found or noted (at most POSITIONS_KEPT): read it before asking `position`
        self.places: dict[str, int | None] = {}
        self._offsets: OrderedDict[int, dict[str, int]] = OrderedDict()  # a segment's symbols -> their offsets
        self.quantities = Quantities(self)
        self.index = SymbolIndex(self)
        self.parameters = self.names.weights + self.names.biases
        self.trained = reference.trained(net)
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
        # Compiled forms (compiled.py): a run's by its Record, "loss function", "predict"; and the
        # programs of held-out samples, by ("other", samples).
        self._compiled: dict = {}
        self._column_places: list[int | None] | None = None
        self._updates: list[tuple[int, str]] | None = None
        self._blocks = self._sample_blocks()

    def __len__(self) -> int:
        return self.segments[-1].start + self.segments[-1].length

    def _sample_blocks(self) -> tuple[int, int] | None:
        """How far apart two samples' quantities are in the forward and in the backward pass (None for
        one sample): the distance between the first segments of samples 1 and 2 in each."""
        if not self.names.multi_sample:
            return None
        starts = {}
        for segment in self.segments:
            key = segment.key
            if len(key) > 1 and key[1] in (0, 1) and (segment.phase, key[1]) not in starts:
                starts[segment.phase, key[1]] = segment.start
        return (starts[FORWARD, 1] - starts[FORWARD, 0], starts[BACKWARD, 1] - starts[BACKWARD, 0])

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

    def segment_symbols(self, n: int) -> tuple[str, ...]:
        """The symbols of segment n, named without building its quantities where it can be."""
        if self._named[0] != n:
            segment = self.segments[n]
            symbols = segment.symbols or (segment.names() if segment.names else
                                          tuple(q.symbol for q in self.segment_quantities(n)))
            self._named = (n, symbols)
        return self._named[1]

    def symbol(self, n: int) -> str:
        """The symbol quantity n computes, without building it."""
        segment = bisect_right(self._starts, n) - 1
        return self.segment_symbols(segment)[n - self._starts[segment]]

    def symbols(self, start: int, end: int):
        """(place, symbol) of the quantities from `start` up to `end`, named a segment at a time."""
        n = bisect_right(self._starts, start) - 1
        while n < len(self.segments) and self._starts[n] < end:
            first = self._starts[n]
            for place, symbol in enumerate(self.segment_symbols(n), first):
                if start <= place < end:
                    yield place, symbol
            n += 1

    @property
    def column_places(self) -> list[int | None]:
        """Where the epoch computes each of `columns` (None for a free symbol, read as it stands): the
        forward values from the start, the gradients found by name from the end of the backward pass."""
        if self._column_places is None:
            places = {symbol: n for n, symbol in enumerate(self.forward_symbols)}
            free = set(self.free)
            wanted = {column for column in self.columns if column not in free and column not in places}
            n = bisect_right(self._starts, self.phase_bounds(BACKWARD)[1] - 1) - 1
            while wanted and n >= 0 and self.segments[n].phase == BACKWARD:
                for offset, symbol in enumerate(self.segment_symbols(n)):
                    if symbol in wanted:
                        places[symbol] = self.segments[n].start + offset
                        wanted.discard(symbol)
                n -= 1
            self._column_places = [places.get(column) for column in self.columns]
        return self._column_places

    @property
    def updates(self) -> list[tuple[int, str]]:
        """(place, symbol) of the update phase's quantities, named once: a run's last step sets every one
        of them (20,000 at 100-100-100), and naming them again took longer than computing them."""
        if self._updates is None:
            first, end = self.phase_bounds(UPDATE)
            self._updates = list(self.symbols(first, end))
        return self._updates

    @property
    def evaluators(self) -> Evaluators:
        return Evaluators(self)

    def phase_bounds(self, phase: str) -> tuple[int, int]:
        return self._bounds[phase]

    def position(self, symbol: str) -> int | None:
        """Where the epoch computes `symbol` (updates excluded: a parameter is computed by its update)."""
        try:
            return self.places[symbol]
        except KeyError:
            pass
        if self._blocks and symbol[-1:] == "]":
            # Every sample's quantities are laid out alike, a block a sample in each pass: sample s's
            # symbol is sample 1's, s − 1 blocks on (a sum over 93 samples reads 93 of them, once each).
            at = symbol.rfind("[")
            sample = symbol[at + 1:-1]
            if sample.isdigit() and sample not in ("0", "1") and str(int(sample)) == sample:
                first = self.position(symbol[:at] + "[1]")
                if first is None or int(sample) > len(self.net.samples):
                    return None
                forward, backward = self._blocks
                return first + (int(sample) - 1) * (forward if first < self._bounds[FORWARD][1] else backward)
        key = self.names.locate(symbol)
        found = self._place_in(key, symbol) if key else None
        self.note_place(symbol, found)
        return found

    def _place_in(self, key: tuple, symbol: str) -> int | None:
        """Where the segment `key` computes `symbol`, if both exist: found by the segment's names."""
        n = self._by_key.get(key)
        if n is None:
            return None
        offsets = self._offsets.get(n)
        if offsets is None:
            offsets = self._offsets[n] = {name: k for k, name in enumerate(self.segment_symbols(n))}
            if len(self._offsets) > OFFSETS_KEPT:
                self._offsets.popitem(last=False)
        else:
            self._offsets.move_to_end(n)
        offset = offsets.get(symbol)
        return None if offset is None else self.segments[n].start + offset

    def note_place(self, symbol: str, n: int | None) -> None:
        """Keep `symbol`'s place in `places` (the stepper notes each value it computes: it is read soon)."""
        if len(self.places) >= POSITIONS_KEPT:
            self.places.clear()
        self.places[symbol] = n

    def update_position(self, parameter: str) -> int | None:
        """Where the epoch updates `parameter`, if it is trained."""
        group = self.names.parameter_group(parameter)
        return self._place_in(("update",) + group, parameter) if group else None

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
    def runner(self, record: Record):
        """The fast path: `run(env, steps, out)` runs whole update steps with no objects or strings, recording
        into `out` what `record` says (compiled.Record), and returns the env after the last update."""
        runner = self._compiled.get(record)
        if runner is None:
            runner = self._compiled[record] = compile_run(self, record)
        return runner

    def run(self, env: dict[str, float], steps: int, record: Record = Record.LOSS):
        """`steps` update steps over this program's samples from `env`: (the env after them, the records);
        Record.VALUES is one step's every quantity (`step_values`)."""
        if record == Record.VALUES:
            return self.step_values(env) if steps == 1 else None
        out = array("d")
        return self.runner(record)(env, steps, out), out

    def step_values(self, env: dict[str, float]) -> tuple[dict[str, float], array]:
        """One step from `env`, every quantity evaluated in turn as the trace evaluates it (so to the same
        bits), without a trace's records: (the env after its updates, every quantity's value by its place)."""
        values = StepValues(dict(env), array("d"), self)
        free, computed = values.free, values.computed
        for n in range(len(self)):
            q = self.quantity(n)
            value = q.expr.evaluate(values)
            computed.append(value)
            if q.symbol in free:
                free[q.symbol] = value
            else:
                self.note_place(q.symbol, n)
        return free, computed

    @property
    def loss_function(self):
        """E_total as a function of the free symbols: forward pass only, for gradient checks."""
        if "loss function" not in self._compiled:
            self._compiled["loss function"] = compile_loss(self)
        return self._compiled["loss function"]

    def predict(self, env: dict[str, float], inputs) -> list[float]:
        """The network's outputs for one input vector, with the parameters of `env` (a forward pass)."""
        if "predict" not in self._compiled:
            self._compiled["predict"] = compile_predict(self)
        return self._compiled["predict"](env, inputs)

    def neuron_outputs(self, env: dict[str, float], inputs) -> list[float]:
        """Every neuron's output for one input vector (layer 1's, then layer 2's, …, the output layer's
        last), with the parameters of `env`: the same forward pass as `predict`, operation for operation."""
        if "neuron outputs" not in self._compiled:
            self._compiled["neuron outputs"] = compile_predict(self, every_neuron=True)
        return self._compiled["neuron outputs"](env, inputs)

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


class StepValues(Mapping):
    """A step's numbers by symbol: the free symbols (lr, the parameters, the samples: a quantity that
    updates one writes it here) in a dict, and the values the step has computed so far in an array, by
    their place in the step.  A large network's epoch computes up to 2,000,000 values: in a dict they took
    about 300 bytes each (a key string, a float and a slot, with the heap fragmented around them), in the
    array 8."""

    __slots__ = ("free", "computed", "program")

    def __init__(self, free: dict[str, float], computed: array, program: Program):
        self.free, self.computed, self.program = free, computed, program

    def __getitem__(self, symbol: str) -> float:
        try:
            return self.free[symbol]
        except KeyError:
            n = self.program.position(symbol) if isinstance(symbol, str) else None
            if n is not None and n < len(self.computed):
                return self.computed[n]
            raise KeyError(symbol) from None

    def get(self, symbol: str, default=None):
        # Without raising for a value not computed yet: a table of a new step asks for hundreds of them.
        value = self.free.get(symbol, self)
        if value is not self:
            return value
        n = self.program.position(symbol) if isinstance(symbol, str) else None
        return self.computed[n] if n is not None and n < len(self.computed) else default

    def __contains__(self, symbol) -> bool:
        return self.get(symbol, self) is not self

    def __iter__(self):
        yield from self.free
        for _, symbol in self.program.symbols(0, len(self.computed)):
            if symbol not in self.free:
                yield symbol

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __eq__(self, other) -> bool:
        # The free symbols first: they differ far more often, and a large step's computed values are many.
        if isinstance(other, StepValues) and (self.free != other.free or len(self.computed) != len(other.computed)):
            return False
        return super().__eq__(other)

    __hash__ = None


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
    """Plans reference.epoch(net) as segments; each segment's quantities are built by reference.py's functions."""

    def __init__(self, net: Network):
        self.net = net
        self.segments: list[Segment] = []
        self.at = 0

    def segment(self, phase: str, key: tuple, length: int, build, *args, symbols: tuple[str, ...] = (),
                names=None) -> None:
        """A segment of `length` quantities that `build(*args)` builds, named by `symbols` or by `names(*args)`."""
        self.segments.append(Segment(self.at, length, phase, key, partial(build, *args), symbols,
                                     partial(names, *args) if names else None))
        self.at += length

    def plan(self) -> list[Segment]:
        """reference.epoch's order: every sample's forward pass, E_total, every sample's backward pass, the
        sums over the samples, the updates."""
        net, n = self.net, self.net.names
        sizes, depth, samples = net.sizes, net.depth, range(len(net.samples))
        for s in samples:
            for layer in range(1, depth + 1):
                softmax = net.activations[layer - 1] == "softmax"
                for j in range(sizes[layer]):
                    if softmax:
                        self.segment(FORWARD, ("sum", s, layer, j), 1, _softmax_sum, net, s, layer, j,
                                     symbols=(n.total(layer, j, s),))
                    else:
                        self.segment(FORWARD, ("neuron", s, layer, j), 2, reference.neuron_forward, net, s, layer, j,
                                     symbols=(n.total(layer, j, s), n.output(layer, j, s)))
                for j in range(sizes[layer]) if softmax else ():
                    self.segment(FORWARD, ("neuron", s, layer, j), 1, _softmax_output, net, s, layer, j,
                                 symbols=(n.output(layer, j, s),))
            self.segment(FORWARD, ("errors", s), sizes[-1], reference.errors, net, s,
                         symbols=tuple(n.error(k, s) for k in range(sizes[-1])))
        self.segment(FORWARD, ("total",), 1, _total, net, symbols=("E_total",))
        if net.regularized:
            self.segment(FORWARD, ("penalty",), 1, _penalty, net, symbols=("E_reg",))
        trains_biases = net.trains_biases
        for s in samples:
            for layer in range(depth, 0, -1):
                slopes = 1 if net.activations[layer - 1] == "softmax" else 2
                for j in range(sizes[layer]):
                    self.segment(BACKWARD, ("slope", s, layer, j), slopes, reference.neuron_backward, net, s, layer, j,
                                 names=_slope_names)
                for j in range(sizes[layer]):
                    self.segment(BACKWARD, ("gradient", s, layer, j), sizes[layer - 1], reference.weight_gradients,
                                 net, s, layer, j, names=_gradient_names)
                if trains_biases:
                    count = 1 if net.bias == "shared" else sizes[layer]
                    self.segment(BACKWARD, ("bias gradient", s, layer), count, reference.bias_gradients, net, s, layer,
                                 names=_bias_gradient_names)
        # One neuron's incoming weights, then each layer's trained biases: reference.trained's order.
        groups = [(("gradient", layer, j), list(n.weight_at[layer][j])) for layer in range(1, depth + 1)
                  for j in range(sizes[layer])]
        if trains_biases:
            groups += [(("bias gradient", layer), [n.bias_at[layer][0]] if net.bias == "shared" else list(n.bias_at[layer]))
                       for layer in range(1, depth + 1)]
        if n.multi_sample:
            for key, parameters in groups:
                self.segment(BACKWARD, ("sample sum",) + key, len(parameters), self.sample_sums, parameters,
                             names=_sample_sum_names)
        if net.regularized:
            for key, parameters in groups:
                if key[0] == "gradient":
                    self.segment(BACKWARD, ("penalty gradient",) + key[1:], 2 * len(parameters), self.penalty_gradients,
                                 parameters, names=_penalty_gradient_names)
        if net.optimizer == "adam":
            self.segment(UPDATE, ("step",), 1, _step_count, names=_step_names)
        per_parameter = len(UPDATES[net.optimizer])
        for key, parameters in groups:
            self.segment(UPDATE, ("update",) + key, per_parameter * len(parameters), self.updates, parameters,
                         names=partial(_update_names, net.optimizer))
        return self.segments

    def sample_sums(self, parameters: list[str]) -> list[Quantity]:
        return [reference.sample_sum(self.net, p) for p in parameters]

    def penalty_gradients(self, weights: list[str]) -> list[Quantity]:
        return [q for w in weights for q in reference.penalty_gradients(self.net, w)]

    def updates(self, parameters: list[str]) -> list[Quantity]:
        return [q for p in parameters for q in reference.update(self.net, p)]


# Segments of one quantity each.

def _softmax_sum(net: Network, s: int, layer: int, j: int) -> list[Quantity]:
    return [reference.weighted_sum(net, s, layer, j)]


def _softmax_output(net: Network, s: int, layer: int, j: int) -> list[Quantity]:
    return [reference.softmax_output(net, s, layer, j)]


def _total(net: Network) -> list[Quantity]:
    return [reference.total(net)]


def _penalty(net: Network) -> list[Quantity]:
    return [reference.penalty(net)]


def _step_count() -> list[Quantity]:
    return [reference.step_count()]


# The symbols of a segment, named as reference.py names its quantities (tests/test_scale_state.py holds them to it).

def _slope_names(net: Network, s: int, layer: int, j: int) -> tuple[str, ...]:
    n = net.names
    if net.activations[layer - 1] == "softmax":
        return (Names.grad(n.neuron(layer, j), n.suffix(s)),)
    return Names.grad(n.output(layer, j, s)), n.activation_slope(layer, j, s)


def _gradient_names(net: Network, s: int, layer: int, j: int) -> tuple[str, ...]:
    suffix = net.names.suffix(s)
    return tuple(Names.grad(weight, suffix) for weight in net.names.weight_at[layer][j])


def _bias_gradient_names(net: Network, s: int, layer: int) -> tuple[str, ...]:
    n = net.names
    biases = [n.bias_at[layer][0]] if net.bias == "shared" else n.bias_at[layer]
    return tuple(Names.grad(bias, n.suffix(s)) for bias in biases)


def _sample_sum_names(parameters: list[str]) -> tuple[str, ...]:
    return tuple(Names.grad(p) for p in parameters)


def _penalty_gradient_names(weights: list[str]) -> tuple[str, ...]:
    return tuple(name for w in weights for name in (Names.penalty_grad(w), Names.objective_grad(w)))


def _step_names() -> tuple[str, ...]:
    return (STEP,)


def _update_names(optimizer: str, parameters: list[str]) -> tuple[str, ...]:
    """Each parameter's update, after the optimizer's quantities of it (reference.update)."""
    return tuple(u.symbol.format(p=p) for p in parameters for u in UPDATES[optimizer])


def _written_in(expr: Expr, written: dict[str, Expr]) -> Expr:
    """`expr` with every symbol of `written` replaced by its expression; the same object when none occurs."""
    if isinstance(expr, Sym):
        return written.get(expr.name, expr)
    children = expr.children()
    if not children:
        return expr
    new = [_written_in(child, written) for child in children]
    return expr if all(a is b for a, b in zip(new, children)) else expr.with_children(new)
