"""What the diagram shows, read from the stepper: the shown sample's values, the labels, and the
highlight role (current, read, route) of every element for the current operation."""

from __future__ import annotations

from ....core.expr import format_number
from ....core.network import Names
from ....core.program import Program
from ....core.quantity import BACKWARD, UPDATE
from ....core.stepper import Stepper
from ..symbol_places import Structure

DIGITS = 4
BLANK = "·"
# The picture keeps a fixed room for each number, so it never shifts as values
# appear or change: a value like −0.5933, a gradient like ∂0.0004386; a longer
# number is shown there with fewer digits.  The list keeps the same room where
# it can and lets longer numbers through.
VALUE_ROOM, GRADIENT_ROOM = 7, 10

ROLE_ORDER = {"current": 3, "read": 2, "route": 1}


def raise_role(roles: dict[str, str], key: str, role: str) -> None:
    if ROLE_ORDER[role] > ROLE_ORDER.get(roles.get(key), 0):
        roles[key] = role


class NetworkFacts:
    """What the drawing needs to know about one stepper's network.

    Worked out from the names, per symbol asked (symbol_places.py): setting up costs the same for a
    100-100-100 net with 16 samples (about 370,000 quantities an epoch) as for the 2-2-2."""

    def __init__(self, program: Program):
        self.program = program
        self.structure = Structure(program)
        self.free = set(program.free)
        self.routes: dict[str, list[str]] = {}
        self._elements: dict[str, str | None] = {}

    def element(self, symbol: str) -> str | None:
        """The drawn element a symbol belongs to: a neuron (i1, h1, o1), a weight, a bias, E_total or lr."""
        if symbol not in self._elements:
            self._elements[symbol] = self.structure.element(symbol)
        return self._elements[symbol]

    def trained(self, param: str) -> bool:
        return param in self.structure.trained

    def undrawn(self, symbol: str) -> bool:
        """Backward quantities of a neuron (dE_total/da_h1, da_h1/dh1) have no label of their own."""
        return self.structure.is_neuron_slope(symbol)

    def route(self, symbol: str) -> list[str]:
        if symbol not in self.routes:
            self.routes[symbol] = self.program.lineage(symbol, through=(BACKWARD,))
        return self.routes[symbol]


class Scene:
    """The state to draw: values of the shown sample, labels and highlight roles."""

    def __init__(self, stepper: Stepper, facts: NetworkFacts, ascii: bool = False):
        self.stepper = stepper
        self.ascii = ascii  # edges in ASCII strokes, not braille (a real console's font has none)
        self.net = stepper.program.net  # with batches, the net of the batch's samples
        self.names = self.net.names
        self.values = stepper.values
        self.facts = facts
        self._numbers: dict[tuple[str, int | None], str] = {}  # formatted once per render
        op = self.op = stepper.last
        # Operations without a sample (E_total, sample sums, updates) come after every
        # sample's work, so the last sample stays on screen rather than jumping back.
        if op is None:
            self.sample = 0
        elif op.quantity.sample is None:
            self.sample = len(self.net.samples) - 1
        else:
            self.sample = op.quantity.sample
        self.suffix = self.names.suffix(self.sample)
        # highlights: element -> role, everything lit; symbol_roles: the symbols the
        # operation names; element_roles: lit whole elements whose symbol has no label.
        self.highlights: dict[str, str] = {}
        self.symbol_roles: dict[str, str] = {}
        self.element_roles: dict[str, str] = {}
        if op is None:
            return
        q = op.quantity
        named_roles = {read: "read" for read in q.reads}
        named_roles[q.symbol] = "current"
        if q.phase == BACKWARD:
            for symbol in facts.route(q.symbol):
                element = facts.element(symbol)
                raise_role(self.highlights, element, "route")
                raise_role(self.element_roles, element, "route")
        for symbol, role in named_roles.items():
            raise_role(self.highlights, facts.element(symbol), role)
            if facts.undrawn(symbol):
                raise_role(self.element_roles, facts.element(symbol), role)
        self.symbol_roles = named_roles

    def elements_of(self, symbol: str) -> tuple[str, ...]:
        element = self.facts.element(symbol)
        return (element,) if element else ()

    def text_role(self, symbol: str | None, elements) -> str | None:
        if symbol in self.symbol_roles:
            return self.symbol_roles[symbol]
        return strongest(self.element_roles, elements)

    def line_role(self, elements) -> str | None:
        return strongest(self.highlights, elements)

    def number(self, symbol: str, room: int | None = None) -> str:
        key = (symbol, room)
        if key not in self._numbers:
            value = self.values.get(symbol)
            self._numbers[key] = BLANK if value is None else fitted(value, room)
        return self._numbers[key]

    def named(self, symbol: str, room: int | None = None) -> tuple[str, str]:
        """`name value` for a per-sample symbol, shown without its sample suffix."""
        return f"{symbol.removesuffix(self.suffix)} {self.number(symbol, room)}", symbol

    def room(self, text: str, symbol: str | None) -> int:
        """Width to keep for `name value`: computed values may grow, given ones (inputs, targets) stay."""
        if symbol is None or symbol in self.facts.free:
            return len(text)
        return max(len(text), text.index(" ") + 1 + VALUE_ROOM)

    # -- labels: (text, symbol) pieces; `room` bounds the width of each number --
    def neuron_lines(self, layer: int, j: int, room: int | None = None) -> list[tuple[str, str]]:
        names, s = self.names, self.sample
        lines = [self.named(names.total(layer, j, s), room)]
        if layer > 0:
            lines.append(self.named(names.output(layer, j, s), room))
        if layer == self.net.depth:
            lines += [self.named(names.target(j, s), room), self.named(names.error(j, s), room)]
        return lines

    def parameter_label(self, param: str, long_update: bool = True, room: int | None = None) -> tuple[str, str]:
        """The parameter's name and value: old → new while its update is the current operation."""
        op = self.op
        if long_update and op and op.quantity.phase == UPDATE and op.quantity.param == param:
            if op.quantity.kind == "update":
                return f"{param} {fitted(op.old, room)}→{fitted(op.value, room)}", param
            # The optimizer's quantity on the way to the update, in the parameter's place: w1 v=0.0123.
            return f"{param} {op.symbol.rsplit('_' + param, 1)[0]}={fitted(op.value, room)}", param
        mark = "✓" if self.updated(param) else ""
        return f"{param} {self.number(param, room)}{mark}", param

    def updated(self, param: str) -> bool:
        """Has this epoch's update phase already replaced the parameter?"""
        n = self.facts.structure.update_position(param)
        return n is not None and self.stepper.position > n

    def gradient_label(self, param: str, room: int | None = None) -> tuple[str, str] | None:
        """The gradient beside its parameter once computed: the total, or the shown sample's part."""
        for symbol in (Names.grad(param), Names.grad(param, self.suffix)):
            if symbol in self.values:
                return f"∂{self.number(symbol, room and room - 1)}", symbol
        return None

    def header(self) -> list[tuple[str, str | None]]:
        op = self.op
        if op is None:
            pieces = [(f"{self.stepper.where}: nothing computed yet", None)]
        elif op.quantity.kind == "update":
            pieces = [(f"{op.phase} {op.phase_position}/{op.phase_count} · ", None),
                      (self.parameter_label(op.quantity.param)[0].replace("→", " → "), op.symbol)]
        else:
            pieces = [(f"{op.phase} {op.phase_position}/{op.phase_count} · ", None),
                      (f"{op.symbol} = {format_number(op.value, DIGITS)}", op.symbol)]
        schedule = self.stepper.schedule
        if schedule.batched:  # the batch's place, and the data's row it holds there
            row = schedule.members(self.stepper.step)[self.sample] + 1
            pieces.append((f"  sample {self.sample + 1} of {len(self.net.samples)} in the batch: row {row}", None))
        elif len(self.net.samples) > 1:
            pieces.append((f"  sample {self.sample + 1} of {len(self.net.samples)}", None))
        return pieces


def fitted(value: float, room: int | None) -> str:
    """4 significant digits, or fewer where the picture keeps a fixed room (the header has all 4)."""
    digits = DIGITS
    text = format_number(value, digits)
    while room is not None and len(text) > room and digits > 1:
        digits -= 1
        text = format_number(value, digits)
    return text


def strongest(roles: dict[str, str], elements) -> str | None:
    best = None
    for element in elements:
        role = roles.get(element)
        if role and (best is None or ROLE_ORDER[role] > ROLE_ORDER[best]):
            best = role
    return best
