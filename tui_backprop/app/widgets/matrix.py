"""The matrix view: the current step as vectors and matrices, in the form of seed 002.

For the layer (and sample) of the current operation it arranges the core's own
values into blocks:
    forward   s⁽ℓ⁾ = W⁽ℓ⁾·a⁽ℓ⁻¹⁾ + b⁽ℓ⁾ and a⁽ℓ⁾ = g(s⁽ℓ⁾)
    loss      E = loss(t, a) and E_total = ΣE
    backward  ∂E/∂a⁽ℓ⁾ (from the loss, or W⁽ℓ⁺¹⁾ᵀ·δ⁽ℓ⁺¹⁾), g'(s⁽ℓ⁾), and with δ⁽ℓ⁾ = ∂E/∂a⁽ℓ⁾ ⊙ g'(s⁽ℓ⁾)
              ∂E/∂W⁽ℓ⁾ = δ⁽ℓ⁾·a⁽ℓ⁻¹⁾ᵀ and ∂E/∂b⁽ℓ⁾, per sample; then summed over the samples
    update    W⁽ℓ⁾ ← W⁽ℓ⁾ − η·∂E/∂W⁽ℓ⁾ (and b)

It computes nothing: every number is a value of the stepper, and the formula of
an entry is its quantity's own (`Quantity.formula`).  δ, which the core never
names (it multiplies the two chain-rule factors inside each gradient), is shown
as those two factors, (∂E/∂a ⊙ g').  An entry not computed yet this epoch shows
as "·"; the entry of the current operation is reversed, what it read underlined.

Blocks are drawn through a window: a layer of 100 neurons shows the few rows and
columns around the current entry, with ⋮ and … for the rest, so the cost of a
redraw follows what is on screen, not the size of the network.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region

from ...core import Names, Stepper
from ...core.expr import format_number
from ...core.quantity import Kind
from ...core.text import printable
from .line_panel import LinePanel, set_border_titles
from .symbol_places import Structure

DIGITS = 4
BLANK = "·"
CURRENT, READ, TITLE, DIM = "bold reverse", "underline", "bold", "dim"
FUNCTION = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "identity": "id", "softmax": "softmax"}
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
FORWARD_KINDS, LOSS_KINDS = (Kind.SUM, Kind.ACTIVATION), (Kind.ERROR, Kind.TOTAL)
BACKWARD_KINDS = (Kind.LOSS_SLOPE, Kind.ROUTE, Kind.ACTIVATION_SLOPE, Kind.GRADIENT)
# The most rows and columns of a block on show; beyond them a window around the current entry.
MAX_ROWS, MAX_COLUMNS = 7, 5
# The most per-sample blocks in a sum over the samples: the first ones, …, the last one.
MAX_PARTS = 3


def sup(layer: int) -> str:
    return f"⁽{str(layer).translate(SUPERSCRIPT)}⁾"


def window(size: int, focus: int | None, limit: int) -> list[int | None]:
    """The indices on show out of `size`, around `focus`; None marks the ones left out (⋮ or …)."""
    if size <= limit:
        return list(range(size))
    room = limit - 2
    start = 0 if focus is None else min(max(focus - room // 2, 0), size - room)
    shown: list[int | None] = list(range(start, start + room))
    if start > 0:
        shown.insert(0, None)
    else:
        shown.append(start + room)  # no gap above: one more entry instead
    if shown[-1] is not None and shown[-1] < size - 1:
        shown.append(None)
    return shown


@dataclass(frozen=True)
class Axis:
    """What a block's rows or columns run over: the neurons of a layer, the samples, or one."""

    name: str  # blocks on the same axis share one window, so their rows line up
    size: int


ONE = Axis("one", 1)


@dataclass(frozen=True)
class Entry:
    """One result entry: where it sits, the core symbol it stands for and the core's value."""

    label: str  # "row 2 of s⁽¹⁾", "(1,2) of ∂E/∂W⁽²⁾"
    symbol: str
    value: float | None  # None until the core computes it this epoch
    current: bool


@dataclass(frozen=True)
class Cell:
    text: str
    style: str
    entry: Entry | None = None  # results only


@dataclass(frozen=True)
class Block:
    title: str
    cells: list[list[Cell]]


# ---------------------------------------------------------------------------
# The equations of one step


class MatrixForm:
    """The equations of the stepper's current operation, laid out from the core's values."""

    def __init__(self, stepper: Stepper, structure: Structure | None = None):
        self.stepper = stepper
        self.structure = structure or Structure(stepper.program)
        net = self.net = stepper.program.net  # with batches, the net of the batch's samples
        self.names: Names = net.names
        self.values = stepper.values
        op = self.op = stepper.last
        self.pending = op is None
        q = self.quantity = stepper.upcoming if op is None else op.quantity
        self.reads = set(q.reads)
        self.read_values = op.inputs if op else {}  # what the operation read, as it was
        self.count = len(net.samples)
        # Operations of no one sample (E_total, sample sums, updates) come after the last sample's.
        self.sample = q.sample if q.sample is not None else self.count - 1
        self.focus: dict[str, int] = {"samples": self.sample}
        place = self.structure.param_place(q.param) if q.param else None
        if place:
            self.layer, j, i = place
            if j is not None:
                self.focus[f"L{self.layer}"] = j
            if i is not None:
                self.focus[f"L{self.layer - 1}"] = i
        else:
            self.layer = q.layer if q.layer is not None else net.depth  # E_total sits on the output layer
            if q.neuron is not None:
                self.focus[f"L{self.layer}"] = q.neuron
        self.rows: list[list] = []
        if q.kind in FORWARD_KINDS:
            self.forward()
        elif q.kind in LOSS_KINDS:
            self.loss()
        elif q.kind in BACKWARD_KINDS:
            self.backward()
        elif q.kind == Kind.SAMPLE_SUM:
            self.sample_sums()
        else:
            self.update()
        self.current = next((e for e in self.entries() if e.current), None)

    # -- axes and symbols ---------------------------------------------------
    def neurons(self, layer: int) -> Axis:
        return Axis(f"L{layer}", self.net.sizes[layer])

    def shown(self, axis: Axis, limit: int) -> list[int | None]:
        return window(axis.size, self.focus.get(axis.name), limit)

    def value_of(self, symbol: str) -> float | None:
        """The value an operand had when it was used: what the current operation read, a parameter
        before this epoch's update, else the value now."""
        if symbol in self.read_values:
            return self.read_values[symbol]
        if symbol in self.structure.trained:
            update = self.structure.updated(self.stepper, symbol)
            if update is not None:
                return update.old
        return self.values.get(symbol)

    def number(self, value: float | None) -> str:
        # + 0.0 turns −0 (a zero input times a negative δ) into the 0 a student would write
        return BLANK if value is None else format_number(value + 0.0, DIGITS)

    # -- blocks -------------------------------------------------------------
    def block(self, title: str, rows: Axis, columns: Axis, symbol: Callable[[int, int], str],
              result: Callable[[str], float | None] | None = None) -> Block:
        """A block of `rows` × `columns`, drawn through its window.  An operand shows what was used
        (`value_of`); a result (`result` gives its value, None if not computed) carries an Entry."""
        row_window, column_window = self.shown(rows, MAX_ROWS), self.shown(columns, MAX_COLUMNS)
        cells = []
        for r in row_window:
            line = []
            for c in column_window:
                if r is None:
                    line.append(Cell("⋮", DIM))
                    continue
                if c is None:
                    line.append(Cell("…", DIM))
                    continue
                name = symbol(r, c)
                if result is None:
                    value = self.value_of(name)
                    style = READ if name in self.reads else "" if value is not None else DIM
                    line.append(Cell(self.number(value), style))
                    continue
                value = result(name)
                current = name == self.quantity.symbol
                entry = Entry(place(title, r, c, rows.size, columns.size), name, value, current)
                style = CURRENT if current else READ if name in self.reads else "" if value is not None else DIM
                line.append(Cell(self.number(value), style, entry))
            cells.append(line)
        return Block(title, cells)

    def computed(self, symbol: str) -> float | None:
        """A quantity's value once the core has computed it this epoch."""
        return self.values.get(symbol)

    def column(self, title: str, layer: int, symbol: Callable[[int], str], result: bool = False) -> Block:
        return self.block(title, self.neurons(layer), ONE, lambda r, _: symbol(r),
                          self.computed if result else None)

    def sums(self, layer: int, s: int, title: str = "", result: bool = False) -> Block:
        return self.column(title or f"s{sup(layer)}", layer, lambda j: self.names.total(layer, j, s), result)

    def outputs(self, layer: int, s: int, title: str = "", result: bool = False) -> Block:
        return self.column(title or f"a{sup(layer)}", layer, lambda j: self.names.output(layer, j, s), result)

    def output_slopes(self, layer: int, s: int, result: bool = False) -> Block:
        """dE_total/da of each neuron (for softmax the core's dE_total/ds: that is δ)."""
        if self.net.activations[layer - 1] == "softmax":
            return self.column(f"δ{sup(layer)}", layer, lambda j: self.sum_slope(layer, j, s), result)
        return self.column(f"∂E/∂a{sup(layer)}", layer,
                           lambda j: Names.grad(self.names.output(layer, j, s)), result)

    def sum_slope(self, layer: int, j: int, s: int) -> str:
        return Names.grad(self.names.neuron(layer, j), self.names.suffix(s))

    def activation_slope(self, layer: int, j: int, s: int) -> str:
        return self.names.activation_slope(layer, j, s)

    def delta(self, layer: int, s: int) -> list:
        """δ⁽ℓ⁾ = dE_total/ds⁽ℓ⁾, which the core never names: its two factors, (∂E/∂a⁽ℓ⁾ ⊙ g'(s⁽ℓ⁾)).
        For softmax the core's own δ."""
        if self.net.activations[layer - 1] == "softmax":
            return [self.output_slopes(layer, s)]
        return ["(", self.output_slopes(layer, s), "⊙", self.slopes(layer, s), ")"]

    def slopes(self, layer: int, s: int, result: bool = False) -> Block:
        """g'(s⁽ℓ⁾): da/ds of each neuron."""
        title = f"{FUNCTION[self.net.activations[layer - 1]]}'(s{sup(layer)})"
        return self.column(title, layer, lambda j: self.activation_slope(layer, j, s), result)

    def weights(self, layer: int, title: str = "", transposed: bool = False) -> Block:
        at = self.names.weight_at[layer]
        if transposed:
            return self.block(title or f"W{sup(layer)}ᵀ", self.neurons(layer - 1), self.neurons(layer),
                              lambda i, j: at[j][i])
        return self.block(title or f"W{sup(layer)}", self.neurons(layer), self.neurons(layer - 1),
                          lambda j, i: at[j][i])

    def trained_biases(self, layer: int) -> list[str]:
        """The layer's trained biases: one shared, one per neuron, or none."""
        net = self.net
        if net.bias == "none" or not net.train_bias:
            return []
        if net.bias == "shared":
            return [self.names.bias_at[layer][0]]
        return list(self.names.bias_at[layer])

    def bias_axis(self, layer: int, biases: list[str]) -> Axis:
        return self.neurons(layer) if len(biases) > 1 or self.net.bias == "neuron" else ONE

    def formula_of(self, symbol: str) -> str | None:
        n = self.stepper.program.index.get(symbol)
        return None if n is None else self.stepper.program.quantities[n].formula

    # -- words --------------------------------------------------------------
    def header(self) -> str:
        q = self.quantity
        if q.kind in FORWARD_KINDS:
            where = f"forward · layer {self.layer}"
        elif q.kind in LOSS_KINDS:
            where = "forward · loss"
        elif q.kind in BACKWARD_KINDS:
            where = f"backward · layer {self.layer}"
        elif q.kind == Kind.SAMPLE_SUM:
            where = f"backward · Σ over {self.count} samples · layer {self.layer}"
        else:
            where = f"update · layer {self.layer}"
        if self.count > 1 and q.kind in FORWARD_KINDS + LOSS_KINDS + BACKWARD_KINDS:
            where += f" · sample {self.sample + 1}/{self.count}"
        label = self.current.label if self.current else q.symbol
        return f"{where}  ▸ {'next: ' if self.pending else ''}{q.symbol}: {label}"

    def legend(self) -> str:
        names, net = self.names, self.net
        depth = net.depth

        def run(layer: int) -> str:
            size = net.sizes[layer]
            first, last = names.neuron(layer, 0), names.neuron(layer, size - 1)
            return first if size == 1 else f"{first} {last}" if size == 2 else f"{first}…{last}"

        if self.quantity.kind in LOSS_KINDS:
            return f"rows {run(depth)}" + (f", a column per sample 1…{self.count}" if self.count > 1 else "")
        layer = self.layer
        at = names.weight_at[layer]
        weights = f"{at[0][0]}…{at[-1][-1]}" if len(at) * len(at[0]) > 1 else at[0][0]
        return (f"W{sup(layer)} = [{weights}] row by row: rows {run(layer)}, columns {run(layer - 1)}")

    # -- the views ------------------------------------------------------------
    def forward(self) -> None:
        net, layer, s = self.net, self.layer, self.sample
        pieces = ["=", self.weights(layer), "·", self.outputs(layer - 1, s)]
        if net.bias != "none":
            biases = self.names.bias_at[layer]
            pieces += ["+", self.column(f"b{sup(layer)}", layer, lambda j: biases[j])]
        self.rows.append([self.sums(layer, s, result=True), *pieces])
        act = FUNCTION[net.activations[layer - 1]]
        self.rows.append([self.outputs(layer, s, result=True), f"= {act}(", self.sums(layer, s), ")"])

    def loss(self) -> None:
        net, names, s = self.net, self.names, self.sample
        depth = net.depth
        targets = self.column("t", depth, lambda k: names.target(k, s))
        shares = self.column("E", depth, lambda k: names.error(k, s), result=True)
        self.rows.append([shares, "= loss(", targets, ",", self.outputs(depth, s), ")"])
        self.rows.append([self.formula_of(names.error(self.focus.get(f"L{depth}", 0), s)) or ""])
        every = self.block("E, a column per sample" if self.count > 1 else "E", self.neurons(depth),
                           Axis("samples", self.count), lambda k, sample: names.error(k, sample))
        total = self.block("E_total", ONE, ONE, lambda r, c: "E_total", self.computed)
        self.rows.append([total, "= Σ", every])

    def backward(self) -> None:
        net, layer, s, names = self.net, self.layer, self.sample, self.names
        act = net.activations[layer - 1]
        focus = self.focus.get(f"L{layer}", 0)
        if layer == net.depth:
            targets = self.column("t", layer, lambda k: names.target(k, s))
            slopes = self.output_slopes(layer, s, result=True)
            self.rows.append([slopes, "= ∂E/∂a(", targets, ",", self.outputs(layer, s), ")"])
            first = self.sum_slope(layer, focus, s) if act == "softmax" else Names.grad(names.output(layer, focus, s))
            self.rows.append([self.formula_of(first) or ""])
        else:
            routes = self.output_slopes(layer, s, result=True)
            self.rows.append([routes, "=", self.weights(layer + 1, transposed=True), "·", *self.delta(layer + 1, s)])
        if act != "softmax":
            slope_formula = self.formula_of(self.activation_slope(layer, focus, s)) or ""
            self.rows.append([self.slopes(layer, s, result=True), f"  {slope_formula}"])
        self.gradients(layer, s)

    def gradients(self, layer: int, s: int) -> None:
        """∂E/∂W⁽ℓ⁾ = δ⁽ℓ⁾·a⁽ℓ⁻¹⁾ᵀ for one sample, and ∂E/∂b⁽ℓ⁾ beside it."""
        names, suffix = self.names, self.names.suffix(s)
        at = names.weight_at[layer]
        grads = self.block(f"∂E/∂W{sup(layer)}{suffix}", self.neurons(layer), self.neurons(layer - 1),
                           lambda j, i: Names.grad(at[j][i], suffix), self.computed)
        inputs = self.block(f"a{sup(layer - 1)}ᵀ", ONE, self.neurons(layer - 1),
                            lambda _, i: names.output(layer - 1, i, s))
        row = [grads, "=", *self.delta(layer, s), "·", inputs]
        biases = self.trained_biases(layer)
        if biases:
            shared = self.net.bias == "shared"
            block = self.block(f"∂E/∂b{sup(layer)}{suffix}", self.bias_axis(layer, biases), ONE,
                               lambda j, _: Names.grad(biases[j], suffix), self.computed)
            act = self.net.activations[layer - 1]
            delta = "δ" if act == "softmax" else f"(∂E/∂a ⊙ {FUNCTION[act]}')"
            row += ["  ", block, f"= {'Σ' if shared else ''}{delta}"]
        self.rows.append(row)
        if self.quantity.kind == Kind.GRADIENT:  # the entry as the core writes it: δ's factors times the input
            self.rows.append([self.quantity.formula])

    def parameter_blocks(self, layer: int) -> list[tuple[str, Axis, Axis, Callable[[int, int], str]]]:
        """The layer's trained weights and biases: (letter, rows, columns, symbol)."""
        at = self.names.weight_at[layer]
        blocks = [("W", self.neurons(layer), self.neurons(layer - 1), lambda j, i: at[j][i])]
        biases = self.trained_biases(layer)
        if biases:
            blocks.append(("b", self.bias_axis(layer, biases), ONE, lambda j, _: biases[j]))
        return blocks

    def sample_sums(self) -> None:
        layer, names = self.layer, self.names
        parts = list(range(self.count))
        if len(parts) > MAX_PARTS + 1:
            parts = parts[:MAX_PARTS] + [None, parts[-1]]
        for letter, rows, columns, symbol in self.parameter_blocks(layer):
            pieces: list = []
            for s in parts:
                if s is None:
                    pieces += ["+ … +"]
                    continue
                suffix = names.suffix(s)
                pieces += ["+", self.block(f"∂E/∂{letter}{sup(layer)}{suffix}", rows, columns,
                                           lambda r, c, suffix=suffix, symbol=symbol: Names.grad(symbol(r, c), suffix))]
            pieces[0] = "="
            total = self.block(f"∂E/∂{letter}{sup(layer)}", rows, columns, lambda r, c, symbol=symbol: Names.grad(symbol(r, c)),
                               self.computed)
            self.rows.append([total, *pieces])

    def update(self) -> None:
        layer = self.layer
        rate = self.block("η", ONE, ONE, lambda r, c: "lr")

        def new(param: str) -> float | None:
            update = self.structure.updated(self.stepper, param)
            return None if update is None else update.value

        for letter, rows, columns, symbol in self.parameter_blocks(layer):
            before = self.block(f"{letter}{sup(layer)}", rows, columns, symbol)
            grads = self.block(f"∂E/∂{letter}{sup(layer)}", rows, columns, lambda r, c, symbol=symbol: Names.grad(symbol(r, c)))
            self.rows.append([self.block(f"new {letter}{sup(layer)}", rows, columns, symbol, new),
                              "=", before, "−", rate, "·", grads])

    # -- reading it -----------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Every result entry on show, in reading order."""
        return [cell.entry for row in self.rows for item in row if isinstance(item, Block)
                for cells in item.cells for cell in cells if cell.entry]

    def render(self, width: int = 10_000) -> tuple[Text, Region]:
        """The view as lines no wider than `width` where it can, and where the current entry sits."""
        # The header and the legend wrap (at 80×24 the header was cut at "(1,2) of new …"); a formula is cut.
        lines = [Text(line, style=TITLE) for line in wrapped(self.header(), width)]
        spot = Region()
        for row in self.rows:
            if all(isinstance(item, str) for item in row):  # a line of words: an entry's formula
                lines.append(Text(cut("  " + "".join(row).strip(), width), style=DIM))
                continue
            drawn, found = draw_equation(row, width)
            if found:
                x, y, span = found
                spot = Region(x, len(lines) + y, span, 1)
            lines += drawn
        lines += [Text(line, style=DIM) for line in wrapped(self.legend(), width)]
        return Text("\n", no_wrap=True).join(lines), spot


def cut(text: str, width: int) -> str:
    return text if cell_len(text) <= width else text[: max(width - 1, 0)] + "…"


def wrapped(text: str, width: int) -> list[str]:
    """`text` on as many lines of `width` as it needs, broken at spaces."""
    return textwrap.wrap(text, max(width, 1)) or [""] if cell_len(text) > width else [text]


def place(title: str, r: int, c: int, rows: int, columns: int) -> str:
    """Where an entry sits, in words: "row 2 of s⁽¹⁾", "(1,2) of ∂E/∂W⁽²⁾"."""
    if rows == columns == 1:
        return title
    if columns == 1:
        return f"row {r + 1} of {title}"
    if rows == 1:
        return f"column {c + 1} of {title}"
    return f"({r + 1},{c + 1}) of {title}"


def brackets(rows: int, r: int) -> tuple[str, str]:
    if rows == 1:
        return "[", "]"
    if r == 0:
        return "┌", "┐"
    if r == rows - 1:
        return "└", "┘"
    return "│", "│"


def block_width(block: Block) -> int:
    widths = [max(cell_len(row[c].text) for row in block.cells) for c in range(len(block.cells[0]))]
    return max(sum(widths) + len(widths) - 1 + 2, cell_len(block.title))


def draw_equation(items: list, width: int) -> tuple[list[Text], tuple[int, int, int] | None]:
    """The equation on as many lines of blocks as its width needs, each a title line over the
    blocks and operators (the operators on the middle row); continued lines are indented.

    Returns the lines and (x, y, width) of the current entry, if the equation has it.
    """
    # Pieces that stay together: the operators before a block, and the block.
    pieces, group = [], []
    for item in items:
        group.append(item)
        if isinstance(item, Block):
            pieces.append(group)
            group = []
    if group and pieces:  # words after the last block stay with it
        pieces[-1] += group
    elif group:
        pieces.append(group)
    lines_of: list[list] = [[]]
    used = 0
    for piece in pieces:
        size = sum(cell_len(f" {item} ") if isinstance(item, str) else block_width(item) for item in piece)
        if lines_of[-1] and used + size > width:
            lines_of.append(["  "])
            used = 2
        lines_of[-1] += piece
        used += size
    drawn, found = [], None
    for part in lines_of:
        lines, spot = draw_line(part)
        if spot:
            found = (spot[0], spot[1] + len(drawn), spot[2])
        drawn += lines
    return drawn, found


def draw_line(items: list) -> tuple[list[Text], tuple[int, int, int] | None]:
    height = max((len(item.cells) for item in items if isinstance(item, Block)), default=1)
    middle = (height - 1) // 2
    lines = [Text() for _ in range(height + 1)]
    found = None
    for n, item in enumerate(items):
        if isinstance(item, str):
            piece = item if n == 0 else f" {item} "
            for r, line in enumerate(lines):
                line.append(piece if r == middle + 1 else " " * cell_len(piece))
            continue
        cells = item.cells
        widths = [max(cell_len(row[c].text) for row in cells) for c in range(len(cells[0]))]
        inner = sum(widths) + len(widths) - 1 + 2
        width = max(inner, cell_len(item.title))
        lines[0].append(item.title.center(width), style=TITLE)
        top = (height - len(cells)) // 2
        for r in range(height):
            line = lines[r + 1]
            if not top <= r < top + len(cells):
                line.append(" " * width)
                continue
            left, right = brackets(len(cells), r - top)
            line.append(left)
            for c, cell in enumerate(cells[r - top]):
                if c:
                    line.append(" ")
                if cell.entry and cell.entry.current:
                    found = (line.cell_len, r + 1, widths[c])
                line.append(cell.text.rjust(widths[c]), style=cell.style)
            line.append(right + " " * (width - inner))
    for line in lines:
        line.rstrip()
    return lines, found


# ---------------------------------------------------------------------------
# The widget


class MatrixView(LinePanel):
    """The current step in matrix form; scrolls (and follows the current entry) when it does not fit."""

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(**kwargs)
        self._structure: Structure | None = None
        self.form: MatrixForm | None = None
        self.stepper = stepper

    def watch_stepper(self, old: Stepper | None, stepper: Stepper) -> None:
        if stepper is not old:  # another network
            self._structure = Structure(stepper.program)
        # Hidden (the diagram is on show) it skips its work; shown again, it has a size
        # once more and draws afresh.
        if self.display:
            self.retitle()
            self.redraw()

    def on_show(self) -> None:
        self.retitle()  # another network may have been opened while it was hidden

    def retitle(self) -> None:
        set_border_titles(self, f"matrix form · {printable(self.stepper.net.name)}")  # what it is first (the boundary's too)

    def entries(self) -> list[Entry]:
        """The result entries on show, with the core's values, by symbol."""
        return (self.form or MatrixForm(self.stepper, self._structure)).entries()

    def draw(self, width: int, height: int) -> list[Text]:
        self.form = MatrixForm(self.stepper, self._structure)
        text, self.spot = self.form.render(width)
        return list(text.split("\n", allow_blank=True))
