"""The network diagram: neurons, weights and the current operation, drawn in text.

Four forms, the first that fits:
- the picture: layers as columns joined by real edges, every edge labelled with
  its weight (the drawing students know from the worked examples);
- the graph, up to 6 neurons a layer and 5 layers: the edges drawn in braille
  dots without labels, each neuron with its values (or its name alone), and under
  it the current operation with everything it reads and their numbers;
- the list: layers as columns, each neuron with its incoming weights listed
  under it, shown through a window that follows the current operation (and that
  the user can move with shift+arrows until the next step);
- the summary, for networks beyond 8 neurons a layer or 6 layers.

Everything is drawn on a grid of cells; each cell remembers the symbol it shows
(for clicks) and the elements it belongs to (neurons, weights, biases), so the
highlight of the current operation is decided per element, never by parsing
text.  Every number comes from the stepper, and what a symbol belongs to comes
from the names (structure.py), so a 100-100-100 net costs what is on screen.
"""

from __future__ import annotations

from rich.text import Span, Text
from textual.events import Click
from textual.message import Message

from ...core.expr import format_number
from ...core.network import Names
from ...core.program import BACKWARD, UPDATE, Program
from ...core.stepper import Stepper
from ...core.text import printable
from .lines import LinePanel, set_border_titles
from .structure import Structure

DIGITS = 4
MAX_NEURONS, MAX_LAYERS = 8, 6
# Bigger layers make the labelled picture's edges a thicket; they get the graph (edges
# without labels, values on demand) up to GRAPH_MAX_NEURONS and GRAPH_MAX_LAYERS (the
# inputs count as a layer), and the list beyond.
PICTURE_MAX_NEURONS = 4
GRAPH_MAX_NEURONS, GRAPH_MAX_LAYERS = 6, 5
BLANK = "·"
# The picture keeps a fixed room for each number, so it never shifts as values
# appear or change: a value like −0.5933, a gradient like ∂0.0004386; a longer
# number is shown there with fewer digits.  The list keeps the same room where
# it can and lets longer numbers through.
VALUE_ROOM, GRADIENT_ROOM = 7, 10

ROLE_ORDER = {"current": 3, "read": 2, "route": 1}

# Styles by highlight role.  The colours are theme variables in DEFAULT_CSS; the
# current operation is also reversed, which survives NO_COLOR (and component
# classes cannot carry reverse).
TEXT_STYLES = {"current": ("diagram--current", "reverse"), "read": ("diagram--read",),
               "route": ("diagram--route",), None: ()}
LINE_STYLES = {"current": ("diagram--current-line",), "read": ("diagram--read-line",),
               "route": ("diagram--route-line",), None: ("diagram--line",)}
BLANK_STYLE = ("diagram--blank",)

# (dot column, dot row) in a cell -> its bit in the braille block U+2800
BRAILLE = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (1, 0): 0x08, (1, 1): 0x10, (1, 2): 0x20,
           (0, 3): 0x40, (1, 3): 0x80}

# (up, down, left, right) -> box-drawing character
BOX = {
    (0, 0, 1, 1): "─", (0, 0, 1, 0): "─", (0, 0, 0, 1): "─", (1, 1, 0, 0): "│",
    (0, 1, 1, 0): "┐", (1, 0, 1, 0): "┘", (0, 1, 0, 1): "┌", (1, 0, 0, 1): "└",
    (1, 1, 1, 0): "┤", (1, 1, 0, 1): "├", (0, 1, 1, 1): "┬", (1, 0, 1, 1): "┴",
    (1, 1, 1, 1): "┼", (1, 0, 0, 0): "│", (0, 1, 0, 0): "│", (0, 0, 0, 0): " ",
}


# ---------------------------------------------------------------------------
# What to show, read from the stepper


def raise_role(roles: dict[str, str], key: str, role: str) -> None:
    if ROLE_ORDER[role] > ROLE_ORDER.get(roles.get(key), 0):
        roles[key] = role


class NetworkFacts:
    """What the drawing needs to know about one stepper's network.

    Worked out from the names, per symbol asked (structure.py): setting up costs the same for a
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


# ---------------------------------------------------------------------------
# The grid


class Canvas:
    """Cells of text (each naming a symbol), of lines (each joining elements) and of dots
    (braille: 2×4 dots a cell, for edges at any slope; with `ascii`, a stroke a cell instead: / \\ - |)."""

    def __init__(self, ascii: bool = False):
        self.ascii = ascii
        self.texts: dict[tuple[int, int], tuple[str, int]] = {}
        # (symbol, elements, whole): a whole item is lit as its element is (a neuron's bare name)
        self.items: list[tuple[str | None, tuple[str, ...], bool]] = []
        # (x, y) -> [up, down, left, right, elements]
        self.lines: dict[tuple[int, int], list] = {}
        # (x, y) -> [dot bits (or, with `ascii`, the stroke), elements]
        self.dots: dict[tuple[int, int], list] = {}
        self.width = self.height = 0

    def _grow(self, x: int, y: int) -> None:
        self.width = max(self.width, x + 1)
        self.height = max(self.height, y + 1)

    def text(self, x: int, y: int, text: str, symbol: str | None, elements: tuple[str, ...] = (),
             whole: bool = False) -> int:
        """Write text; returns the column after it."""
        item = len(self.items)
        self.items.append((symbol, elements, whole))
        for k, char in enumerate(text):
            self.texts[(x + k, y)] = (char, item)
        self._grow(x + len(text) - 1, y)
        return x + len(text)

    def path(self, points: list[tuple[int, int]], elements: tuple[str, ...]) -> None:
        """A line through axis-aligned points, joined with box-drawing characters."""
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            if (x0, y0) == (x1, y1):
                continue
            if y0 == y1:
                cells = [(x, y0) for x in range(min(x0, x1), max(x0, x1) + 1)]
                ends = (2, 3)  # left, right
            else:
                cells = [(x0, y) for y in range(min(y0, y1), max(y0, y1) + 1)]
                ends = (0, 1)  # up, down
            for n, cell in enumerate(cells):
                state = self.lines.setdefault(cell, [0, 0, 0, 0, set()])
                if n > 0:
                    state[ends[0]] = 1
                if n < len(cells) - 1:
                    state[ends[1]] = 1
                state[4].update(elements)
                self._grow(*cell)

    def edge(self, start: tuple[int, int], end: tuple[int, int], elements: tuple[str, ...], lit: bool = False) -> None:
        """A straight line of dots between two dot positions (2 a cell across, 4 down); with `ascii`, of
        strokes following its slope, and of * where it is `lit` (thickness would not show)."""
        (x0, y0), (x1, y1) = start, end
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        stroke = "*" if lit else _stroke((x1 - x0) / 2, (y1 - y0) / 4)
        for n in range(steps + 1):
            x, y = x0 + round((x1 - x0) * n / steps), y0 + round((y1 - y0) * n / steps)
            cell = (x // 2, y // 4)
            if self.ascii:
                state = self.dots.setdefault(cell, [None, set()])
                state[0] = _crossed(state[0], stroke)
            else:
                state = self.dots.setdefault(cell, [0, set()])
                state[0] |= BRAILLE[(x % 2, y % 4)]
            state[1].update(elements)
            self._grow(*cell)

    def symbol_at(self, x: int, y: int) -> str | None:
        """The symbol drawn at a cell; on a line or an edge, the weight it carries if it carries only one."""
        cell = self.texts.get((x, y))
        if cell is not None:
            return self.items[cell[1]][0]
        for drawn, elements in ((self.lines, 4), (self.dots, 1)):
            state = drawn.get((x, y))
            if state is not None and len(state[elements]) == 1:
                return next(iter(state[elements]))
        return None


def _stroke(across: float, down: float) -> str:
    """The ASCII stroke for an edge going `across` cells right and `down` cells down."""
    if abs(down) * 4 < abs(across):
        return "-"
    if abs(across) * 2 < abs(down):
        return "|"
    return "\\" if (across > 0) == (down > 0) else "/"


def _crossed(old: str | None, new: str) -> str:
    """A cell two strokes cross: a lit one shows, / and \\ make X, any other two +."""
    if old is None or old == new or new == "*":
        return new
    if old == "*":
        return old
    return "X" if {old, new} == {"/", "\\"} else "+"


# ---------------------------------------------------------------------------
# The picture: real edges


class Picture:
    """Layers as columns; every edge runs from its source's bus to its target, labelled on the way.

    Each target neuron has a block of rows, one line per incoming weight (and
    bias) with the gradient in the row under it; the lines of a block merge
    into one arrow at the neuron's sum.  Widths depend on the names only, so
    the drawing stays put while the numbers change.
    """

    def __init__(self, scene: Scene, rows_per_edge: int, gap: int):
        self.scene, self.rows_per_edge, self.gap = scene, rows_per_edge, gap
        net, names = scene.net, scene.names
        self.sizes = net.sizes
        self.boxes = [[scene.neuron_lines(layer, j, VALUE_ROOM) for j in range(size)]
                      for layer, size in enumerate(net.sizes)]
        self.box_width = [max(scene.room(text, symbol) for box in column for text, symbol in box) for column in self.boxes]
        # labels[layer - 1][j]: (parameter, source neuron or None for a bias, top text, under text)
        self.labels = []
        for layer in range(1, net.depth + 1):
            column = []
            for j in range(net.sizes[layer]):
                params = [(w, i) for i, w in enumerate(names.weight_at[layer][j])]
                if names.bias_at[layer][j]:
                    params.append((names.bias_at[layer][j], None))
                column.append([(p, i, scene.parameter_label(p, False, VALUE_ROOM), scene.gradient_label(p, GRADIENT_ROOM))
                               for p, i in params])
            self.labels.append(column)
        self.label_width = [max(self.label_room(label[0]) for block in column for label in block) for column in self.labels]
        self.block_rows = [[self.block_layout(layer, j) for j in range(net.sizes[layer])] for layer in range(1, net.depth + 1)]
        heights = [sum(rows[-1] for rows in column) + gap * (len(column) - 1) for column in self.block_rows]
        self.height = max(heights)
        self.column_top = [(self.height - h) // 2 for h in heights]
        self.min_width = sum(self.box_width) + sum(
            self.sizes[layer - 1] + self.label_width[layer - 1] + 5 for layer in range(1, net.depth + 1))

    def label_room(self, param: str) -> int:
        """`w5 −0.1234✓` (updated), with `∂0.0004386` under it or after it."""
        top = len(param) + 2 + VALUE_ROOM
        if not self.trained(param):
            return top
        return max(top, GRADIENT_ROOM) if self.rows_per_edge == 2 else top + 1 + GRADIENT_ROOM

    def trained(self, param: str) -> bool:
        return self.scene.facts.trained(param)

    def block_layout(self, layer: int, j: int) -> tuple[list[int], int, int]:
        """Offsets in the block of each incoming line, of the neuron's box, and the block's height."""
        offsets, row = [], 0
        for param, _, _, _ in self.labels[layer - 1][j]:
            offsets.append(row)
            row += self.rows_per_edge if self.trained(param) else 1
        box = len(self.boxes[layer][j])
        height = max(row, box)
        return offsets, (height - box) // 2, height

    def draw(self, width: int) -> Canvas:
        scene, canvas, net = self.scene, Canvas(), self.scene.net
        # at least one dash after the longest label when there is room for it
        extra = min((width - self.min_width) // net.depth, 6)
        x_of, zones = [0], []  # each layer's column, each zone's bus, label and merge columns
        for layer in range(1, net.depth + 1):
            bus_x = x_of[-1] + self.box_width[layer - 1] + 1
            label_x = bus_x + self.sizes[layer - 1] + 1
            merge_x = label_x + self.label_width[layer - 1] + extra
            zones.append((bus_x, label_x, merge_x))
            x_of.append(merge_x + 3)
        # the first row of each block, and of each neuron's box
        block_tops: list[list[int]] = [[]]
        tops: list[list[int]] = [[]]
        for layer in range(1, net.depth + 1):
            row = self.column_top[layer - 1]
            block_tops.append([])
            tops.append([])
            for _, box_offset, height in self.block_rows[layer - 1]:
                block_tops[layer].append(row)
                tops[layer].append(row + box_offset)
                row += height + self.gap
        # Input i sits level with its edge into the hidden neuron at the same height
        # (i1 with w1, the last input with the last neuron's edge), so it runs straight.
        n0, n1 = self.sizes[0], self.sizes[1]
        for i in range(n0):
            j = round(i * (n1 - 1) / (n0 - 1)) if n0 > 1 else (n1 - 1) // 2
            tops[0].append(block_tops[1][j] + self.block_rows[0][j][0][i])
        for layer, column in enumerate(self.boxes):
            for j, box in enumerate(column):
                for k, (text, symbol) in enumerate(box):
                    canvas.text(x_of[layer], tops[layer][j] + k, text, symbol, scene.elements_of(symbol))
        for layer in range(1, net.depth + 1):
            self.draw_zone(canvas, layer, zones[layer - 1], x_of[layer - 1], tops[layer - 1], block_tops[layer])
        return canvas

    def draw_zone(self, canvas: Canvas, layer: int, zone, source_x: int, source_tops, block_tops) -> None:
        """The edges into `layer`: from each source's bus, along its labelled row, into the target's arrow."""
        scene = self.scene
        bus_x, label_x, merge_x = zone
        out_line = 0 if layer == 1 else 1  # inputs pass on their only line, neurons their output
        # a space after the text, then the line to the bus (at least one dash, so the bus has its arm)
        sources = [(min(source_x + len(box[out_line][0]) + 1, bus_x - 1), top + out_line)
                   for box, top in zip(self.boxes[layer - 1], source_tops)]
        for j, block in enumerate(self.labels[layer - 1]):
            offsets, box_offset, _ = self.block_rows[layer - 1][j]
            arrow = [(merge_x, block_tops[j] + box_offset), (merge_x + 1, block_tops[j] + box_offset)]
            for (param, source, top, under), offset in zip(block, offsets):
                row = block_tops[j] + offset
                old_to_new = scene.parameter_label(param, True, VALUE_ROOM)
                if len(old_to_new[0]) < merge_x - label_x:  # the current update, where it fits
                    top = old_to_new
                if source is None:
                    start = [(label_x + len(top[0]), row)]
                else:
                    start_x, start_row = sources[source]
                    start = [(start_x, start_row), (bus_x + source, start_row), (bus_x + source, row)]
                canvas.path(start + [(merge_x, row)] + arrow, (param,))
                end = canvas.text(label_x, row, top[0], top[1], (param,))
                if under is not None:
                    if self.rows_per_edge == 2:
                        canvas.text(label_x, row + 1, under[0], under[1], (param,))
                    else:
                        canvas.text(end + 1, row, under[0], under[1], (param,))
            incoming = tuple(label[0] for label in block)
            canvas.text(merge_x + 1, arrow[0][1], "▶", scene.names.total(layer, j, scene.sample), incoming)


# ---------------------------------------------------------------------------
# The list: each neuron with its incoming weights under it


class Listing:
    """Layers as columns; under each neuron its weights and bias, each with its gradient.

    `joined` puts a neuron's sum and output on one line (and target and error);
    `beside` puts each gradient on its parameter's line rather than under it.
    """

    VARIANTS = [(True, True, True), (True, True, False), (False, True, True), (False, True, False),
                (False, False, True), (False, False, False)]

    def __init__(self, scene: Scene, joined: bool, beside: bool, long_update: bool):
        self.scene, self.beside, self.long_update = scene, beside, long_update
        net, names = scene.net, scene.names
        # each line: its (text, symbol) pieces and the room it keeps for numbers still to come
        self.columns: list[list[tuple[list, int]]] = []
        self.heads: set[int] = set()  # ids of each neuron's first line
        heads = self.heads
        for layer, size in enumerate(net.sizes):
            lines = []
            for j in range(size):
                if j and layer:
                    lines.append(([], 0))
                neuron = [[piece] for piece in scene.neuron_lines(layer, j)]
                if joined:
                    neuron = [sum(neuron[k : k + 2], []) for k in range(0, len(neuron), 2)]
                    neuron = [line[:1] + [("  ", None)] + line[1:] if len(line) > 1 else line for line in neuron]
                for line in neuron:
                    lines.append((line, sum(scene.room(text, symbol) for text, symbol in line)))
                heads.add(id(lines[-len(neuron)]))
                if layer:
                    for param in list(names.weight_at[layer][j]) + [b for b in [names.bias_at[layer][j]] if b]:
                        lines += self.parameter_lines(param)
            self.columns.append(lines)
        self.widths = [max(room for _, room in lines) for lines in self.columns]
        self.height = max(len(lines) for lines in self.columns)

    def parameter_lines(self, param: str) -> list[tuple[list, int]]:
        label = self.scene.parameter_label(param, self.long_update)
        gradient = self.scene.gradient_label(param)
        trained = self.scene.facts.trained(param)
        line = [(" ", None), label]
        if not trained:
            return [(line, len(label[0]) + 1)]
        room = max(GRADIENT_ROOM, len(gradient[0]) if gradient else 0)
        if self.beside:
            return [(line + ([(" ", None), gradient] if gradient else []), len(label[0]) + 2 + room)]
        under = [("   ", None), gradient] if gradient else [("", None)]  # kept for the gradient to come
        return [(line, len(label[0]) + 1), (under, 3 + room)]

    @classmethod
    def best(cls, scene: Scene, width: int) -> "Listing":
        """The first variant as wide as the space (later ones are never shorter), else the narrowest."""
        for variant in cls.VARIANTS:
            listing = cls(scene, *variant)
            if listing.width <= width:
                return listing
        return listing

    @property
    def width(self) -> int:
        return sum(self.widths) + 2 * (len(self.widths) - 1)

    def scroll(self, lines: list, height: int, pan: int = 0) -> int:
        """First line shown of a column taller than the height: the strongest lit line stays in view,
        unless the user moved the view `pan` lines."""
        if len(lines) <= height:
            return 0
        best, focus = 0, 0
        for y, (line, _) in enumerate(lines):
            for _, symbol in line:
                role = self.scene.text_role(symbol, self.scene.elements_of(symbol)) if symbol else None
                if role and ROLE_ORDER[role] > best:
                    best, focus = ROLE_ORDER[role], y
        block_start = focus
        while block_start > 0 and lines[block_start - 1][0]:
            block_start -= 1
        top = block_start if focus < block_start + height else focus - height // 3
        return min(max(top + pan, 0), len(lines) - height)

    def draw(self, first: int, last: int, height: int, pan: int = 0) -> tuple[Canvas, bool]:
        """Columns first..last, each scrolled to what is lit (and `pan` lines on); also whether any
        column is cut."""
        canvas, x, cut = Canvas(), 0, False
        for lines, width in zip(self.columns[first : last + 1], self.widths[first : last + 1]):
            if len(lines) > height:  # the blank lines between neurons give way first
                lines = [line for line in lines if line[0]]
            top = self.scroll(lines, height, pan)
            cut = cut or len(lines) > height
            shown = lines[top : top + height]
            if top > 0 and id(shown[0]) not in self.heads:
                # the neuron whose weights are shown stays named on the first line
                shown[0] = next(line for line in reversed(lines[:top]) if id(line) in self.heads)
            for y, (line, _) in enumerate(shown):
                cx = x
                for text, symbol in line:
                    cx = canvas.text(cx, y, text, symbol, self.scene.elements_of(symbol) if symbol else ())
            x += width + 2
        return canvas, cut

    def window(self, width: int, pan: int = 0) -> tuple[int, int]:
        """The run of whole layer columns that fits the width, around the most strongly lit one
        (or the one `pan` columns from it)."""
        scene = self.scene
        lit = [max((ROLE_ORDER.get(scene.text_role(symbol, scene.elements_of(symbol)), 0)
                    for line, _ in column for _, symbol in line if symbol), default=0)
               for column in self.columns]
        first = last = min(max(lit.index(max(lit)) + pan, 0), len(self.columns) - 1)
        grown = True
        while grown:
            grown = False
            if first > 0 and sum(self.widths[first - 1 : last + 1]) + 2 * (last - first + 1) <= width:
                first, grown = first - 1, True
            if last < len(self.columns) - 1 and sum(self.widths[first : last + 2]) + 2 * (last - first + 1) <= width:
                last, grown = last + 1, True
        return first, last


# ---------------------------------------------------------------------------
# The graph: every edge drawn, values on demand


def short_name(symbol: str) -> str:
    """A symbol as the legend writes it: ∂E/∂w5 for dE_total/dw5, ∂a_h1/∂h1 for da_h1/dh1."""
    if symbol.startswith("dE_total/d"):
        return "∂E/∂" + symbol[len("dE_total/d"):]
    if symbol.startswith("da_"):
        top, _, bottom = symbol.partition("/")
        return f"∂{top[1:]}/∂{bottom[1:]}"
    return symbol


class Graph:
    """Layers as columns of neurons, every weight an edge drawn in dots; edges of the current
    operation are lit and drawn thick (so they show without colour too).

    The weights' numbers are on demand: the legend under the drawing holds the current operation
    and what it reads (weights with their values and gradients), and clicking an edge shows its
    weight.  `detail` says how much each neuron shows: its sum and output (and target and error),
    its output, or its name only.
    """

    DETAILS = ("full", "values", "outputs", "names")
    MIN_GAP, MAX_GAP = 6, 16
    MAX_SPACE = 3  # rows between neurons, at most

    def __init__(self, scene: Scene, detail: str):
        self.scene, self.detail = scene, detail
        net = scene.net
        self.nodes = [[self.node_lines(layer, j) for j in range(size)] for layer, size in enumerate(net.sizes)]
        self.node_height = max(len(lines) for column in self.nodes for lines in column)
        # shared biases sit above their layer's column
        self.bias_labels = [None] + [scene.parameter_label(scene.names.bias_at[layer][0], True)
                                     if net.bias == "shared" else None for layer in range(1, net.depth + 1)]
        self.widths = [max([self.line_room(line) for lines in column for line in lines]
                           + ([len(self.bias_labels[layer][0])] if self.bias_labels[layer] else []))
                       for layer, column in enumerate(self.nodes)]
        self.legend = self.legend_pieces()

    def node_lines(self, layer: int, j: int) -> list[list[tuple[str, str]]]:
        scene, names, s = self.scene, self.scene.names, self.scene.sample
        total, output = names.total(layer, j, s), names.output(layer, j, s)
        if self.detail == "names":
            return [[(names.neuron(layer, j), total)]]
        if layer == 0:
            return [[scene.named(total)]]
        out = scene.named(output)
        if layer < scene.net.depth:
            return [[scene.named(total)], [out]] if self.detail == "full" else [[out]]
        target, error = scene.named(names.target(j, s)), scene.named(names.error(j, s))
        if self.detail == "full":
            return [[scene.named(total), target], [out, error]]
        return [[out, target, error]] if self.detail == "values" else [[out]]

    def room(self, text: str, symbol: str) -> int:
        return len(text) if self.detail == "names" else self.scene.room(text, symbol)

    def line_room(self, line: list[tuple[str, str]]) -> int:
        return sum(self.room(text, symbol) for text, symbol in line) + 2 * (len(line) - 1)

    def legend_pieces(self) -> list[tuple[str, str]]:
        """The current operation and what it read, each with its value."""
        scene, op = self.scene, self.scene.op
        if op is None:
            return []
        q = op.quantity
        if q.phase == UPDATE and q.param:
            pieces = [scene.parameter_label(q.param)]
        elif q.param and q.kind not in ("gradient", "sample_sum"):  # a penalty's term or a weight's whole gradient
            pieces = [scene.parameter_label(q.param, False), self.short(q.symbol)]
        elif q.param:
            pieces = [scene.parameter_label(q.param, False), scene.gradient_label(q.param) or scene.named(q.symbol)]
        else:
            pieces = [self.short(q.symbol)]
        pieces.append(("←", None))
        for read in q.reads:
            if read == q.param:
                continue
            pieces.append(scene.parameter_label(read, False) if scene.facts.structure.is_parameter(read)
                          else self.short(read))
        return pieces

    def short(self, symbol: str) -> tuple[str, str]:
        text, symbol = self.scene.named(symbol)
        name, _, number = text.rpartition(" ")
        return f"{short_name(name)} {number}", symbol

    def legend_lines(self, width: int, rows: int) -> list[list[tuple[str, str | None]]]:
        lines: list[list] = [[]]
        used = 0
        for n, piece in enumerate(self.legend):
            size = len(piece[0]) + (1 if lines[-1] else 0)
            if used + size > width:
                if len(lines) == rows:
                    more = ("…", None)
                    while lines[-1] and used + 2 > width:
                        used -= len(lines[-1].pop()[0]) + 1
                    lines[-1].append(more)
                    return lines
                lines.append([])
                used, size = 0, len(piece[0])
            lines[-1].append(piece)
            used += size
        return lines

    def layout(self, width: int, height: int) -> tuple[int, int, int] | None:
        """(gap between columns, rows above the neurons, legend rows) if the graph fits, else None."""
        net = self.scene.net
        gap = min((width - sum(self.widths)) // max(net.depth, 1), self.MAX_GAP)
        # room for the fan of edges to spread, or it is a solid block of dots
        if gap < max(self.MIN_GAP, 2 * max(net.sizes)):
            return None
        top = 1 if any(self.bias_labels) else 0
        tallest = max(net.sizes) * self.node_height
        spare = height - top - tallest
        if spare < (1 if self.legend else 0):
            return None
        # the legend takes the rows it needs, and the neurons spread over the rest
        return gap, top, min(len(self.legend_lines(width, spare)), spare) if self.legend else 0

    def draw(self, width: int, height: int, gap: int, top: int, legend_rows: int) -> Canvas:
        scene, net, canvas = self.scene, self.scene.net, Canvas(ascii=self.scene.ascii)
        area = height - top - legend_rows
        x_of = [0]
        for column_width in self.widths[:-1]:
            x_of.append(x_of[-1] + column_width + gap)
        # rows where each neuron's edges leave (its output) and arrive (its sum)
        leave: list[list[int]] = []
        arrive: list[list[int]] = []
        for layer, column in enumerate(self.nodes):
            leave.append([])
            arrive.append([])
            # spread over the whole height, so that the edges fan out as far as they can
            spread = min(area - self.node_height, (len(column) - 1) * (self.node_height + self.MAX_SPACE))
            first = top + (area - self.node_height - spread) // 2
            for j, lines in enumerate(column):
                step = spread / (len(column) - 1) if len(column) > 1 else 0
                row = first + round(j * step) + (self.node_height - len(lines)) // 2
                x = x_of[layer]
                for k, line in enumerate(lines):
                    cx = x
                    for text, symbol in line:
                        whole = self.detail == "names"
                        elements = (scene.names.neuron(layer, j),) if whole else scene.elements_of(symbol)
                        end = canvas.text(cx, row + k, text, symbol, elements, whole)
                        cx = max(end, cx + self.room(text, symbol)) + 2
                leave[-1].append(row + len(lines) - 1)
                arrive[-1].append(row)
            label = self.bias_labels[layer]
            if label:
                canvas.text(x_of[layer], 0, label[0], label[1], scene.elements_of(label[1]))
        for layer in range(1, net.depth + 1):
            self.draw_edges(canvas, layer, x_of, leave[layer - 1], arrive[layer])
        legend_top = height - legend_rows
        for y, line in enumerate(self.legend_lines(width, legend_rows)):
            x = 0
            for text, symbol in line:
                x = canvas.text(x, legend_top + y, text, symbol, scene.elements_of(symbol) if symbol else ()) + 1
        return canvas

    def draw_edges(self, canvas: Canvas, layer: int, x_of: list[int], sources: list[int], targets: list[int]) -> None:
        """Each source's output runs to the column's edge, then straight to every target's sum."""
        scene, names = self.scene, self.scene.names
        start_x = 2 * (x_of[layer - 1] + self.widths[layer - 1] + 1)
        end_x = 2 * (x_of[layer] - 1) - 1
        for i, source_row in enumerate(sources):
            text_end = max(x for (x, y) in canvas.texts if y == source_row and x_of[layer - 1] <= x < x_of[layer - 1]
                           + self.widths[layer - 1]) + 2
            weights = tuple(names.weight_at[layer][j][i] for j in range(len(targets)))
            canvas.edge((2 * text_end, 4 * source_row + 1), (start_x, 4 * source_row + 1), weights)
            for j, target_row in enumerate(targets):
                weight = weights[j]
                lit = scene.line_role((weight,)) in ("current", "read")
                for thick in ((0, 1) if lit and not canvas.ascii else (0,)):
                    canvas.edge((start_x, 4 * source_row + 1 + thick), (end_x, 4 * target_row + 1 + thick), (weight,),
                                lit)


def draw_graph(scene: Scene, width: int, height: int) -> Canvas | None:
    net = scene.net
    if max(net.sizes) > GRAPH_MAX_NEURONS or len(net.sizes) > GRAPH_MAX_LAYERS:
        return None
    for detail in Graph.DETAILS:
        graph = Graph(scene, detail)
        fitted_layout = graph.layout(width, height)
        if fitted_layout:
            return graph.draw(width, height, *fitted_layout)
    return None


def draw_picture(scene: Scene, width: int, height: int) -> Canvas | None:
    if max(scene.net.sizes) > PICTURE_MAX_NEURONS:
        return None
    for rows_per_edge, gap in ((2, 1), (2, 0), (1, 1), (1, 0)):
        picture = Picture(scene, rows_per_edge, gap)
        if picture.min_width <= width and picture.height <= height:
            return picture.draw(width)
    return None


# ---------------------------------------------------------------------------
# The summary: too big to draw


def draw_summary(scene: Scene, width: int, height: int, pan: int = 0) -> Canvas:
    """Layer sizes and counts, then the current operation with the values it reads that fit
    (`pan` rows on); only those are formatted, however many it reads (E_total: every error)."""
    net, canvas = scene.net, Canvas()
    layers = [f"{net.sizes[0]} inputs"] + [f"{size} {act}" for size, act in zip(net.sizes[1:], net.activations)]
    canvas.text(0, 0, f"{'-'.join(map(str, net.sizes))}: {net.weight_count()} weights, {net.bias_count()} biases,"
                " too many to draw", None)
    canvas.text(0, 1, " → ".join(layers), None)
    op = scene.op
    if op is None:
        return canvas
    canvas.text(0, 3, f"{op.symbol} = {format_number(op.value, DIGITS)}", op.symbol, scene.elements_of(op.symbol))
    reads = op.reads
    # the widest a cell can be: a name without its sample suffix, and a number in its room
    cell_width = max((len(symbol) for symbol in reads), default=0) + 1 + VALUE_ROOM + 2
    per_row = max(1, width // cell_width)
    rows = max(1, height - 5)
    total_rows = -(-len(reads) // per_row)
    start_row = min(max(pan, 0), max(total_rows - rows, 0))
    canvas.text(0, 4, "reads:" if not start_row else f"reads (from row {start_row + 1}):", None)
    first = start_row * per_row
    room = per_row * rows
    shown = reads[first : first + room] if first + room >= len(reads) else reads[first : first + room - 1]
    for n, symbol in enumerate(shown):
        text, symbol = scene.named(symbol)
        canvas.text((n % per_row) * cell_width, 5 + n // per_row, text, symbol, scene.elements_of(symbol))
    if first + len(shown) < len(reads):
        n = len(shown)
        canvas.text((n % per_row) * cell_width, 5 + n // per_row, f"… {len(reads) - first - n} more", None)
    return canvas


def draw_body(scene: Scene, width: int, height: int, pan: tuple[int, int] = (0, 0)) -> tuple[Canvas, list[str], bool]:
    """The picture if it fits, else the list, else the summary; with notes for the header and
    whether to centre it.  `pan` (columns, rows) moves the list and the summary off what is lit."""
    picture = draw_picture(scene, width, height)
    if picture is not None:
        return picture, [], True
    graph = draw_graph(scene, width, height)
    if graph is not None:
        return graph, [], False
    net = scene.net
    if max(net.sizes) > MAX_NEURONS or len(net.sizes) > MAX_LAYERS:
        return draw_summary(scene, width, height, pan[1]), [], False
    listing = Listing.best(scene, width)
    first, last = listing.window(width, pan[0])
    body, cut = listing.draw(first, last, height, pan[1])
    notes = []
    if first > 0 or last < len(listing.columns) - 1:
        notes.append(f"columns {first + 1}–{last + 1} of {len(listing.columns)}")
    if cut:
        notes.append("more ▲▼ (shift+arrows)")
    return body, notes, False


def draw_header(scene: Scene, notes: list[str], width: int) -> Canvas:
    """The current operation and shown sample on the left, the notes on the right.

    When space is short the phase counter goes first, then the notes, first ones first.
    """
    pieces = scene.header()

    def fits() -> bool:
        return sum(len(text) for text, _ in pieces) + sum(2 + len(note) for note in notes) <= width

    if not fits() and notes:
        pieces = pieces[1:]
    while not fits() and notes:
        notes = notes[1:]
    header, x = Canvas(), 0
    for text, symbol in pieces:
        x = header.text(x, 0, text, symbol, scene.elements_of(symbol) if symbol else ())
    if notes:
        note = "  ".join(notes)
        header.text(max(x + 2, width - len(note)), 0, note, None)
    return header


# ---------------------------------------------------------------------------
# The widget


class NetworkDiagram(LinePanel):
    """The network with its current values; the current operation lit with what it reads."""

    COMPONENT_CLASSES = {
        "diagram--current", "diagram--read", "diagram--route", "diagram--blank",
        "diagram--line", "diagram--current-line", "diagram--read-line", "diagram--route-line",
    }
    DEFAULT_CSS = """
    NetworkDiagram {
        height: 1fr;
        overflow: hidden;  /* drawn to fit: the list form scrolls itself to what is lit */
    }
    NetworkDiagram > .diagram--current { text-style: bold; color: $text-accent; }
    NetworkDiagram > .diagram--read { text-style: bold underline; color: $text-primary; }
    NetworkDiagram > .diagram--route { text-style: bold; color: $text-success; }
    NetworkDiagram > .diagram--blank { color: $text-muted; }
    NetworkDiagram > .diagram--line { color: $text-muted; }
    NetworkDiagram > .diagram--current-line { text-style: bold; color: $text-accent; }
    NetworkDiagram > .diagram--read-line { text-style: bold; color: $text-primary; }
    NetworkDiagram > .diagram--route-line { text-style: bold; color: $text-success; }
    """

    class Selected(Message):
        """The user clicked a neuron, an edge or a bias."""

        def __init__(self, symbol: str):
            super().__init__()
            self.symbol = symbol

    def __init__(self, stepper: Stepper | None = None, **kwargs):
        super().__init__(**kwargs)
        self._facts: NetworkFacts | None = None
        self._clicks: tuple[Canvas, int] | None = None  # the body drawn last, and its first row
        self._pan = (0, 0)  # the user's scroll off what is lit, in layer columns and lines, until the next step
        if stepper is not None:
            self.stepper = stepper

    def scene(self) -> Scene:
        try:
            ascii = getattr(self.app, "ascii", False)
        except RuntimeError:  # drawn outside an app (Textual's NoActiveAppError): as on any terminal
            ascii = False
        return Scene(self.stepper, self._facts, ascii)

    def watch_stepper(self, old: Stepper | None, stepper: Stepper) -> None:
        if stepper is not old:  # another network
            self._facts = NetworkFacts(stepper.program)
            set_border_titles(self, f"{printable(stepper.net.name)} · {'-'.join(map(str, stepper.net.sizes))}")
        self._pan = (0, 0)  # a step brings the current operation back into view
        self.redraw()

    def scroll_by(self, columns: int, rows: int) -> None:
        """Move the view over what does not fit (the list's layer columns and lines, the summary's reads)."""
        before, pan = self._lines, self._pan
        self._pan = (pan[0] + columns, pan[1] + rows)
        self.redraw()
        if self._lines == before:  # already at the end that way: keep the pan there
            self._pan = pan

    @property
    def highlights(self) -> dict[str, str]:
        """Lit elements (neuron, weight or bias names, E_total, lr) -> 'current', 'read' or 'route'."""
        return self.scene().highlights if self.stepper else {}

    def draw(self, width: int, height: int) -> list[Text]:
        """The header line, then the body: the picture if it fits, else the list or the summary."""
        if self.stepper is None:
            return []
        scene = self.scene()
        body_height = max(height - 1, 1)
        body, notes, centred = draw_body(scene, width, body_height, self._pan)
        header = draw_header(scene, notes, width)
        top = 1 + (max(0, (body_height - body.height) // 2) if centred else 0)
        rows = [(header, 0)] + [(None, 0)] * (top - 1) + [(body, y) for y in range(min(body.height, body_height))]
        styles = {id(canvas): [self.item_style(scene, *item) for item in canvas.items] for canvas in (header, body)}
        self._clicks = (body, top)
        return [self.row(canvas, scene, styles[id(canvas)], y, width) if canvas else Text() for canvas, y in rows]

    @staticmethod
    def item_style(scene: Scene, symbol: str | None, elements, whole: bool = False) -> tuple[str, ...]:
        role = scene.line_role(elements) if whole else scene.text_role(symbol, elements)
        if role is None and symbol is not None and symbol not in scene.values:
            return BLANK_STYLE  # not computed yet this epoch
        return TEXT_STYLES[role]

    def row(self, canvas: Canvas, scene: Scene, item_styles: list, y: int, width: int) -> Text:
        """One line of the drawing, styled by each cell's role."""
        chars, spans = [], []
        run_style, run_start = (), 0
        for x in range(min(canvas.width, width)):
            cell = canvas.texts.get((x, y))
            if cell is not None:
                char, item = cell
                style = item_styles[item]
            elif (x, y) in canvas.lines:
                up, down, left, right, elements = canvas.lines[(x, y)]
                char = BOX[(up, down, left, right)]
                style = LINE_STYLES[scene.line_role(elements)]
            elif (x, y) in canvas.dots:
                bits, elements = canvas.dots[(x, y)]
                char = bits if canvas.ascii else chr(0x2800 + bits)
                style = LINE_STYLES[scene.line_role(elements)]
            else:
                char, style = " ", ()
            if style != run_style:
                if run_style:
                    spans.append((run_start, len(chars), run_style))
                run_style, run_start = style, len(chars)
            chars.append(char)
        if run_style:
            spans.append((run_start, len(chars), run_style))
        text = "".join(chars).rstrip()
        return Text(text, spans=[Span(start, min(end, len(text)), " ".join(names))
                                 for start, end, names in spans if start < len(text)])

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._clicks is None:
            return
        canvas, top = self._clicks
        symbol = canvas.symbol_at(offset.x, offset.y - top)
        if symbol:
            self.post_message(self.Selected(symbol))
