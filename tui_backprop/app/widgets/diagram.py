"""The network diagram: neurons, weights and the current operation, drawn in text.

Three forms, chosen by what fits:
- the picture: layers as columns joined by real edges, every edge labelled with
  its weight (the drawing students know from the worked examples);
- the list: layers as columns, each neuron with its incoming weights listed
  under it, shown through a window that follows the current operation;
- the summary, for networks beyond 8 neurons a layer or 6 layers.

Everything is drawn on a grid of cells; each cell remembers the symbol it shows
(for clicks) and the elements it belongs to (neurons, weights, biases), so the
highlight of the current operation is decided per element, never by parsing
text.  Every number comes from the stepper.
"""

from __future__ import annotations

from textual.content import Content, Span
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...core.expr import format_number
from ...core.network import Names
from ...core.program import BACKWARD, UPDATE, Program
from ...core.stepper import Stepper

DIGITS = 4
MAX_NEURONS, MAX_LAYERS = 8, 6
# Bigger layers make the picture's edges a thicket; they get the list instead.
PICTURE_MAX_NEURONS = 4
BLANK = "·"
# Room kept for numbers not yet computed, so the picture does not shift as
# values appear: a value like 0.5933, a gradient like ∂0.0004386.
VALUE_ROOM, GRADIENT_ROOM = 6, 10

ROLE_ORDER = {"current": 3, "read": 2, "route": 1}
# The backward quantities that belong to a neuron but have no place of their own
# in the drawing: while one is current, its neuron is lit as current.
NEURON_BACKWARD_KINDS = ("loss_slope", "activation_slope", "route")

# (up, down, left, right) -> box-drawing character
BOX = {
    (0, 0, 1, 1): "─", (0, 0, 1, 0): "─", (0, 0, 0, 1): "─", (1, 1, 0, 0): "│",
    (0, 1, 1, 0): "┐", (1, 0, 1, 0): "┘", (0, 1, 0, 1): "┌", (1, 0, 0, 1): "└",
    (1, 1, 1, 0): "┤", (1, 1, 0, 1): "├", (0, 1, 1, 1): "┬", (1, 0, 1, 1): "┴",
    (1, 1, 1, 1): "┼", (1, 0, 0, 0): "│", (0, 1, 0, 0): "│", (0, 0, 0, 0): " ",
}


# ---------------------------------------------------------------------------
# What to show, read from the stepper


def chain_route(program: Program, symbol: str) -> list[str]:
    """What a backward quantity reads, directly or through other backward quantities.

    Unlike `program.lineage`, the walk stops at forward values: those are read
    as numbers, so the symbols it reaches are exactly the chain-rule routes
    (for dE_total/dw1: w5 into o1 and w7 into o2, not w6 or w8).
    """
    seen: list[str] = []
    stack = [symbol]
    while stack:
        n = program.index.get(stack.pop())
        if n is None or program.quantities[n].phase != BACKWARD:
            continue
        for read in program.quantities[n].reads:
            if read not in seen:
                seen.append(read)
                stack.append(read)
    return seen


def element_map(program: Program) -> dict[str, str]:
    """Symbol -> the drawn element it belongs to: a neuron (i1, h1, o1), a weight, a bias, E_total or lr."""
    net, names = program.net, program.names
    elements = {p: p for p in program.parameters}
    elements["lr"] = "lr"
    for s in range(len(net.samples)):
        for i, symbol in enumerate(names.input_symbols(s)):
            elements[symbol] = names.neuron(0, i)
        for k, symbol in enumerate(names.target_symbols(s)):
            elements[symbol] = names.neuron(net.depth, k)
    for q in program.quantities:
        if q.param:
            elements[q.symbol] = q.param
        elif q.layer is not None:
            elements[q.symbol] = names.neuron(q.layer, q.neuron)
        else:
            elements[q.symbol] = q.symbol
    return elements



def raise_role(roles: dict[str, str], key: str, role: str) -> None:
    if ROLE_ORDER[role] > ROLE_ORDER.get(roles.get(key), 0):
        roles[key] = role


class NetworkFacts:
    """What the drawing needs to know about one stepper's network, worked out once."""

    def __init__(self, program: Program):
        self.program = program
        self.elements = element_map(program)
        self.update_position = {q.param: n for n, q in enumerate(program.quantities) if q.phase == UPDATE}
        # Backward quantities of a neuron (dE_total/da_h1, da_h1/dh1) have no label of their own.
        self.undrawn = {q.symbol for q in program.quantities if q.kind in NEURON_BACKWARD_KINDS}
        self.routes: dict[str, list[str]] = {}

    def route(self, symbol: str) -> list[str]:
        if symbol not in self.routes:
            self.routes[symbol] = chain_route(self.program, symbol)
        return self.routes[symbol]


class Scene:
    """The state to draw: values of the shown sample, labels and highlight roles."""

    def __init__(self, stepper: Stepper, facts: NetworkFacts):
        self.stepper = stepper
        self.net = stepper.net
        self.names = self.net.names
        self.values = stepper.values
        self.facts = facts
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
        named = {read: "read" for read in q.reads}
        named[q.symbol] = "current"
        if q.phase == BACKWARD:
            for symbol in facts.route(q.symbol):
                raise_role(self.highlights, facts.elements[symbol], "route")
                raise_role(self.element_roles, facts.elements[symbol], "route")
        for symbol, role in named.items():
            raise_role(self.highlights, facts.elements[symbol], role)
            if symbol in facts.undrawn:
                raise_role(self.element_roles, facts.elements[symbol], role)
        self.symbol_roles = named

    def elements_of(self, symbol: str) -> tuple[str, ...]:
        element = self.facts.elements.get(symbol)
        return (element,) if element else ()

    def text_role(self, symbol: str | None, elements) -> str | None:
        if symbol in self.symbol_roles:
            return self.symbol_roles[symbol]
        return strongest(self.element_roles, elements)

    def line_role(self, elements) -> str | None:
        return strongest(self.highlights, elements)

    def number(self, symbol: str) -> str:
        value = self.values.get(symbol)
        return BLANK if value is None else format_number(value, DIGITS)

    def named(self, symbol: str) -> tuple[str, str]:
        """`name value` for a per-sample symbol, shown without its sample suffix."""
        return f"{symbol.removesuffix(self.suffix)} {self.number(symbol)}", symbol

    # -- labels: (text, symbol) pieces ------------------------------------
    def neuron_lines(self, layer: int, j: int) -> list[tuple[str, str]]:
        names, s = self.names, self.sample
        lines = [self.named(names.total(layer, j, s))]
        if layer > 0:
            lines.append(self.named(names.output(layer, j, s)))
        if layer == self.net.depth:
            lines += [self.named(names.target(j, s)), self.named(names.error(j, s))]
        return lines

    def parameter_label(self, param: str, long_update: bool = True) -> tuple[str, str]:
        """The parameter's name and value: old → new while its update is the current operation."""
        op = self.op
        if long_update and op and op.quantity.phase == UPDATE and op.quantity.param == param:
            return f"{param} {format_number(op.old, DIGITS)}→{format_number(op.value, DIGITS)}", param
        mark = "✓" if self.updated(param) else ""
        return f"{param} {self.number(param)}{mark}", param

    def updated(self, param: str) -> bool:
        """Has this epoch's update phase already replaced the parameter?"""
        n = self.facts.update_position.get(param)
        return n is not None and self.stepper.position > n

    def gradient_label(self, param: str) -> tuple[str, str] | None:
        """The gradient beside its parameter once computed: the total, or the shown sample's part."""
        for symbol in (Names.grad(param), Names.grad(param, self.suffix)):
            if symbol in self.values:
                return f"∂{format_number(self.values[symbol], DIGITS)}", symbol
        return None

    def header(self) -> list[tuple[str, str | None]]:
        op = self.op
        if op is None:
            pieces = [(f"epoch {self.stepper.epoch}: nothing computed yet", None)]
        elif op.quantity.phase == UPDATE:
            pieces = [(f"{op.phase} {op.phase_position}/{op.phase_count} · ", None),
                      (self.parameter_label(op.quantity.param)[0].replace("→", " → "), op.symbol)]
        else:
            pieces = [(f"{op.phase} {op.phase_position}/{op.phase_count} · ", None),
                      (f"{op.symbol} = {format_number(op.value, DIGITS)}", op.symbol)]
        if len(self.net.samples) > 1:
            pieces.append((f"  sample {self.sample + 1} of {len(self.net.samples)}", None))
        return pieces


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
    """Cells of text (each naming a symbol) and of lines (each joining elements)."""

    def __init__(self):
        self.texts: dict[tuple[int, int], tuple[str, int]] = {}
        self.items: list[tuple[str | None, tuple[str, ...]]] = []
        # (x, y) -> [up, down, left, right, elements]
        self.lines: dict[tuple[int, int], list] = {}
        self.width = self.height = 0

    def _grow(self, x: int, y: int) -> None:
        self.width = max(self.width, x + 1)
        self.height = max(self.height, y + 1)

    def text(self, x: int, y: int, text: str, symbol: str | None, elements: tuple[str, ...] = ()) -> int:
        """Write text; returns the column after it."""
        item = len(self.items)
        self.items.append((symbol, elements))
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

    def symbol_at(self, x: int, y: int) -> str | None:
        cell = self.texts.get((x, y))
        return None if cell is None else self.items[cell[1]][0]


# ---------------------------------------------------------------------------
# The picture: real edges


class Picture:
    """Layers as columns; every edge runs from its source's bus to its target, labelled on the way.

    Each target neuron has a block of rows, one line per incoming weight (and
    bias) with the gradient in the row under it; the lines of a block merge
    into one arrow at the neuron's sum.
    """

    def __init__(self, scene: Scene, rows_per_edge: int, gap: int, long_update: bool):
        self.scene, self.rows_per_edge, self.gap = scene, rows_per_edge, gap
        net, names = scene.net, scene.names
        self.sizes = net.sizes
        self.boxes = [[scene.neuron_lines(layer, j) for j in range(size)] for layer, size in enumerate(net.sizes)]
        self.box_width = [max(max(len(text), text.index(" ") + 1 + VALUE_ROOM) for box in column for text, _ in box)
                          for column in self.boxes]
        # labels[layer][j]: (parameter, source neuron or None for a bias, top text, under text)
        self.labels = []
        for layer in range(1, net.depth + 1):
            column = []
            for j in range(net.sizes[layer]):
                params = [(w, i) for i, w in enumerate(names.weight_at[layer][j])]
                if names.bias_at[layer][j]:
                    params.append((names.bias_at[layer][j], None))
                column.append([(p, i, scene.parameter_label(p, long_update), scene.gradient_label(p)) for p, i in params])
            self.labels.append(column)
        self.label_width = [max(self.label_len(label) for block in column for label in block) for column in self.labels]
        self.block_rows = [[self.block_layout(layer, j) for j in range(net.sizes[layer])] for layer in range(1, net.depth + 1)]
        heights = [sum(rows[-1] for rows in column) + gap * (len(column) - 1) for column in self.block_rows]
        self.height = max(heights)
        self.column_top = [(self.height - h) // 2 for h in heights]
        self.min_width = sum(self.box_width) + sum(
            self.sizes[layer - 1] + self.label_width[layer - 1] + 6 for layer in range(1, net.depth + 1))

    def label_len(self, label) -> int:
        param, _, top, under = label
        if not self.trained(param):
            return len(top[0])
        room = max(GRADIENT_ROOM, len(under[0]) if under else 0)
        return max(len(top[0]), room) if self.rows_per_edge == 2 else len(top[0]) + 1 + room

    def trained(self, param: str) -> bool:
        return param in self.scene.facts.update_position

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
        zones = net.depth
        # at least one dash after the longest label when there is room for it
        extra = min((width - self.min_width) // zones, 6)
        # rows of each neuron's box (top) and of what it passes on (the output line)
        tops: list[list[int]] = [[]]
        x_of = [0]
        for layer in range(1, net.depth + 1):
            n = self.sizes[layer - 1]
            bus_x = x_of[layer - 1] + self.box_width[layer - 1] + 2
            label_x = bus_x + n + 1
            merge_x = label_x + self.label_width[layer - 1] + extra
            x_of.append(merge_x + 3)
            tops.append([])
        block_tops = []
        for layer in range(1, net.depth + 1):
            row, starts = self.column_top[layer - 1], []
            for offsets, box_offset, height in self.block_rows[layer - 1]:
                starts.append(row)
                tops[layer].append(row + box_offset)
                row += height + self.gap
            block_tops.append(starts)
        # Input i sits level with its edge into the hidden neuron at the same height
        # (i1 with w1, the last input with the last neuron's edge), so it runs straight.
        n0, n1 = self.sizes[0], self.sizes[1]
        for i in range(n0):
            j = round(i * (n1 - 1) / (n0 - 1)) if n0 > 1 else (n1 - 1) // 2
            tops[0].append(block_tops[0][j] + self.block_rows[0][j][0][i])
        for layer, column in enumerate(self.boxes):
            for j, box in enumerate(column):
                for k, (text, symbol) in enumerate(box):
                    canvas.text(x_of[layer], tops[layer][j] + k, text, symbol, scene.elements_of(symbol))
        for layer in range(1, net.depth + 1):
            self.draw_zone(canvas, layer, x_of, tops, block_tops[layer - 1], extra)
        return canvas

    def draw_zone(self, canvas: Canvas, layer: int, x_of, tops, block_tops, extra: int) -> None:
        scene, n = self.scene, self.sizes[layer - 1]
        bus_x = x_of[layer - 1] + self.box_width[layer - 1] + 2
        label_x = bus_x + n + 1
        merge_x = label_x + self.label_width[layer - 1] + extra
        out_line = 0 if layer == 1 else 1  # inputs pass on their only line, neurons their output
        sources = []
        for i in range(n):
            row = tops[layer - 1][i] + out_line
            text = self.boxes[layer - 1][i][out_line][0]
            sources.append((x_of[layer - 1] + len(text) + 1, row))
        for j, block in enumerate(self.labels[layer - 1]):
            offsets, box_offset, _ = self.block_rows[layer - 1][j]
            arrow_row = block_tops[j] + box_offset
            for (param, source, top, under), offset in zip(block, offsets):
                row = block_tops[j] + offset
                elements = (param,)
                if source is None:
                    canvas.path([(label_x + len(top[0]), row), (merge_x, row), (merge_x, arrow_row), (merge_x + 1, arrow_row)],
                                elements)
                else:
                    start_x, start_row = sources[source]
                    canvas.path([(start_x, start_row), (bus_x + source, start_row), (bus_x + source, row),
                                 (merge_x, row), (merge_x, arrow_row), (merge_x + 1, arrow_row)], elements)
                end = canvas.text(label_x, row, top[0], top[1], elements)
                if under is not None:
                    if self.rows_per_edge == 2:
                        canvas.text(label_x, row + 1, under[0], under[1], elements)
                    else:
                        canvas.text(end + 1, row, under[0], under[1], elements)
            incoming = tuple(label[0] for label in block)
            neuron_sum = scene.names.total(layer, j, scene.sample)
            canvas.text(merge_x + 1, arrow_row, "▶", neuron_sum, incoming)


# ---------------------------------------------------------------------------
# The list: each neuron with its incoming weights under it


class Listing:
    """Layers as columns; under each neuron its weights and bias, each with its gradient.

    `joined` puts a neuron's sum and output on one line (and target and error);
    `beside` puts each gradient on its parameter's line rather than under it.
    """

    VARIANTS = [(True, True, True), (True, True, False), (False, True, True), (False, True, False), (False, False, False)]

    def __init__(self, scene: Scene, joined: bool, beside: bool, long_update: bool):
        self.scene, self.beside, self.long_update = scene, beside, long_update
        net, names = scene.net, scene.names
        # each line: its (text, symbol) pieces and the room it keeps for numbers still to come
        self.columns: list[list[tuple[list, int]]] = []
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
                    room = sum(max(len(text), text.index(" ") + 1 + VALUE_ROOM) if symbol else len(text)
                               for text, symbol in line)
                    lines.append((line, room))
                if layer:
                    for param in list(names.weight_at[layer][j]) + [b for b in [names.bias_at[layer][j]] if b]:
                        lines += self.parameter_lines(param)
            self.columns.append(lines)
        self.widths = [max(room for _, room in lines) for lines in self.columns]
        self.height = max(len(lines) for lines in self.columns)

    def parameter_lines(self, param: str) -> list[tuple[list, int]]:
        label = self.scene.parameter_label(param, self.long_update)
        gradient = self.scene.gradient_label(param)
        trained = param in self.scene.facts.update_position
        line = [(" ", None), label]
        if not trained:
            return [(line, len(label[0]) + 1)]
        room = max(GRADIENT_ROOM, len(gradient[0]) if gradient else 0)
        if self.beside:
            return [(line + ([(" ", None), gradient] if gradient else []), len(label[0]) + 2 + room)]
        under = [("   ", None), gradient] if gradient else []
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

    def scroll(self, lines: list, height: int) -> int:
        """First line shown of a column taller than the height: the strongest lit line stays in view."""
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
        return min(max(top, 0), len(lines) - height)

    def draw(self, first: int, last: int, height: int) -> tuple[Canvas, bool]:
        """Columns first..last, each scrolled to what is lit; also whether any column is cut."""
        canvas, x, cut = Canvas(), 0, False
        for lines, width in zip(self.columns[first : last + 1], self.widths[first : last + 1]):
            top = self.scroll(lines, height)
            cut = cut or len(lines) > height
            for y, (line, _) in enumerate(lines[top : top + height]):
                cx = x
                for text, symbol in line:
                    cx = canvas.text(cx, y, text, symbol, self.scene.elements_of(symbol) if symbol else ())
            x += width + 2
        return canvas, cut

    def window(self, width: int) -> tuple[int, int]:
        """The run of whole layer columns that fits the width, around the one the operation is in."""
        op = self.scene.op
        current = 0 if op is None or op.quantity.layer is None else op.quantity.layer
        if op and op.quantity.param:
            current = next(n for n, column in enumerate(self.columns)
                           if any(symbol == op.quantity.param for line, _ in column for _, symbol in line))
        first = last = current
        grown = True
        while grown:
            grown = False
            if first > 0 and sum(self.widths[first - 1 : last + 1]) + 2 * (last - first + 1) <= width:
                first, grown = first - 1, True
            if last < len(self.columns) - 1 and sum(self.widths[first : last + 2]) + 2 * (last - first + 1) <= width:
                last, grown = last + 1, True
        return first, last


def draw_picture(scene: Scene, width: int, height: int) -> Canvas | None:
    if max(scene.net.sizes) > PICTURE_MAX_NEURONS:
        return None
    for rows_per_edge, gap in ((2, 1), (2, 0), (1, 1), (1, 0)):
        for long_update in (True, False):
            picture = Picture(scene, rows_per_edge, gap, long_update)
            if picture.min_width <= width and picture.height <= height:
                return picture.draw(width)
    return None


# ---------------------------------------------------------------------------
# The summary: too big to draw


def draw_summary(scene: Scene, width: int, height: int) -> Canvas:
    """Layer sizes and counts, then the current operation with every value it reads that fits."""
    net, canvas = scene.net, Canvas()
    layers = [f"{net.sizes[0]} inputs"] + [f"{size} {act}" for size, act in zip(net.sizes[1:], net.activations)]
    canvas.text(0, 0, f"{'-'.join(map(str, net.sizes))}: {' → '.join(layers)}", None)
    canvas.text(0, 1, f"{net.weight_count()} weights, {net.bias_count()} biases: too many to draw", None)
    op = scene.op
    if op is None:
        return canvas
    canvas.text(0, 3, f"{op.symbol} = {format_number(op.value, DIGITS)}", op.symbol, scene.elements_of(op.symbol))
    canvas.text(0, 4, "reads:", None)
    cells = [scene.named(symbol) for symbol in op.reads]
    cell_width = max(len(text) for text, _ in cells) + 2
    per_row = max(1, width // cell_width)
    rows = max(1, height - 5)
    shown = cells if len(cells) <= per_row * rows else cells[: per_row * rows - 1]
    for n, (text, symbol) in enumerate(shown):
        canvas.text((n % per_row) * cell_width, 5 + n // per_row, text, symbol, scene.elements_of(symbol))
    if len(shown) < len(cells):
        n = len(shown)
        canvas.text((n % per_row) * cell_width, 5 + n // per_row, f"… {len(cells) - n} more", None)
    return canvas


# ---------------------------------------------------------------------------
# The widget


class NetworkDiagram(Widget):
    """The network with its current values; the current operation lit with what it reads."""

    COMPONENT_CLASSES = {
        "diagram--current", "diagram--read", "diagram--route", "diagram--blank",
        "diagram--line", "diagram--current-line", "diagram--read-line", "diagram--route-line",
    }
    DEFAULT_CSS = """
    NetworkDiagram {
        height: 1fr;
    }
    NetworkDiagram > .diagram--current { text-style: bold reverse; color: $text-accent; }
    NetworkDiagram > .diagram--read { text-style: bold underline; color: $text-warning; }
    NetworkDiagram > .diagram--route { text-style: bold; color: $text-success; }
    NetworkDiagram > .diagram--blank { color: $text-muted; }
    NetworkDiagram > .diagram--line { color: $text-muted; }
    NetworkDiagram > .diagram--current-line { text-style: bold; color: $text-accent; }
    NetworkDiagram > .diagram--read-line { text-style: bold; color: $text-warning; }
    NetworkDiagram > .diagram--route-line { text-style: bold; color: $text-success; }
    """

    version = reactive(0)

    class Selected(Message):
        """The user clicked a neuron, an edge or a bias."""

        def __init__(self, symbol: str):
            super().__init__()
            self.symbol = symbol

    def __init__(self, stepper: Stepper | None = None, **kwargs):
        super().__init__(**kwargs)
        self._stepper: Stepper | None = None
        self._facts: NetworkFacts | None = None
        self._clicks: tuple[Canvas, int] | None = None  # the body drawn last, and its first row
        if stepper is not None:
            self.stepper = stepper

    @property
    def stepper(self) -> Stepper | None:
        return self._stepper

    @stepper.setter
    def stepper(self, stepper: Stepper) -> None:
        self._stepper = stepper
        self._facts = NetworkFacts(stepper.program)
        self.refresh()

    def scene(self) -> Scene:
        return Scene(self._stepper, self._facts)

    @property
    def highlights(self) -> dict[str, str]:
        """Lit elements (neuron, weight or bias names, E_total, lr) -> 'current', 'read' or 'route'."""
        return self.scene().highlights if self._stepper else {}

    def render(self) -> Content:
        if self._stepper is None:
            return Content("")
        return self.draw(self.scene(), self.content_size.width, self.content_size.height)

    def draw(self, scene: Scene, width: int, height: int) -> Content:
        """The header line, then the body: the picture if it fits, else the list or the summary."""
        body_height = max(height - 1, 1)
        notes: list[str] = []
        body = draw_picture(scene, width, body_height)
        picture = body is not None
        if body is None and max(scene.net.sizes) <= MAX_NEURONS and len(scene.net.sizes) <= MAX_LAYERS:
            listing = Listing.best(scene, width)
            first, last = listing.window(width)
            body, cut = listing.draw(first, last, body_height)
            if first > 0 or last < len(listing.columns) - 1:
                notes.append(f"columns {first + 1}–{last + 1} of {len(listing.columns)}")
            if cut:
                notes.append("more ▲▼")
        elif body is None:
            body = draw_summary(scene, width, body_height)
        header = Canvas()
        note = "  ".join(notes)
        pieces = scene.header()
        if note and sum(len(text) for text, _ in pieces) + 2 + len(note) > width:
            pieces = pieces[1:]  # the phase counter gives way to the notes
        if sum(len(text) for text, _ in pieces) + 2 + len(note) > width:
            note = ""
        x = 0
        for text, symbol in pieces:
            x = header.text(x, 0, text, symbol, scene.elements_of(symbol) if symbol else ())
        if note:
            header.text(max(x + 2, width - len(note)), 0, note, None)
        top = 1 + max(0, (body_height - body.height) // 2) if picture else 1
        lines, spans, offset = [], [], 0
        rows = [(header, 0)] + [(None, 0)] * (top - 1) + [(body, y) for y in range(min(body.height, body_height))]
        for canvas, y in rows:
            text, line_spans = self.row(canvas, scene, y, width) if canvas else ("", [])
            spans.extend(Span(offset + start, offset + end, style) for start, end, style in line_spans)
            lines.append(text)
            offset += len(text) + 1
        self._clicks = (body, top)
        return Content("\n".join(lines), spans)

    def row(self, canvas: Canvas, scene: Scene, y: int, width: int):
        chars, spans = [], []
        run_style, run_start = None, 0
        for x in range(min(canvas.width, width)):
            cell = canvas.texts.get((x, y))
            style = None
            if cell is not None:
                char, item = cell
                symbol, elements = canvas.items[item]
                role = scene.text_role(symbol, elements)
                if role:
                    style = f".diagram--{role}"
                elif char == BLANK:
                    style = ".diagram--blank"
            elif (x, y) in canvas.lines:
                up, down, left, right, elements = canvas.lines[(x, y)]
                char = BOX[(up, down, left, right)]
                role = scene.line_role(elements)
                style = f".diagram--{role}-line" if role else ".diagram--line"
            else:
                char = " "
            if style != run_style:
                if run_style:
                    spans.append((run_start, len(chars), run_style))
                run_style, run_start = style, len(chars)
            chars.append(char)
        if run_style:
            spans.append((run_start, len(chars), run_style))
        return "".join(chars).rstrip(), spans

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._clicks is None:
            return
        canvas, top = self._clicks
        symbol = canvas.symbol_at(offset.x, offset.y - top)
        if symbol:
            self.post_message(self.Selected(symbol))
