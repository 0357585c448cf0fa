"""The matrix view: the current step as vectors and matrices, in the form of seed 002.

For the layer (and sample) of the current operation it shows
    forward   s⁽ℓ⁾ = W⁽ℓ⁾·a⁽ℓ⁻¹⁾ + b⁽ℓ⁾ and a⁽ℓ⁾ = g(s⁽ℓ⁾)
    loss      E = loss(t, a) and E_total = ΣE
    backward  ∂E/∂a⁽ℓ⁾ (from the loss, or W⁽ℓ⁺¹⁾ᵀ·δ⁽ℓ⁺¹⁾), δ⁽ℓ⁾ = ∂E/∂a⁽ℓ⁾ ⊙ g'(s⁽ℓ⁾),
              ∂E/∂W⁽ℓ⁾ = δ⁽ℓ⁾·a⁽ℓ⁻¹⁾ᵀ and ∂E/∂b⁽ℓ⁾, per sample; then summed over the samples
    update    W⁽ℓ⁾ ← W⁽ℓ⁾ − η·∂E/∂W⁽ℓ⁾ (and b)

The operands are the scalar core's own values, as its operations read them;
every result is computed here by numpy from those operands and shown where the
core has computed the same entry, so the view is an independent check of the
core (`MatrixForm.entries` lets the tests compare the two).  An entry the core
has not computed yet this epoch shows as "·"; the entry of the current scalar
operation is reversed, the entries it read are underlined.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region

from ...core import Names, Stepper
from ...core.expr import EPS, format_number
from ...core.program import UPDATE
from .lines import LinePanel, set_border_titles

DIGITS = 4
BLANK = "·"
CURRENT, READ, TITLE, DIM = "bold reverse", "underline", "bold", "dim"
FUNCTION = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "identity": "id", "softmax": "softmax"}
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
FORWARD_KINDS, LOSS_KINDS = ("sum", "activation"), ("error", "total")
BACKWARD_KINDS = ("loss_slope", "route", "activation_slope", "gradient")


def sup(layer: int) -> str:
    return f"⁽{str(layer).translate(SUPERSCRIPT)}⁾"


@dataclass(frozen=True)
class Entry:
    """One result entry: where it sits, the core symbol it stands for, numpy's value and the core's."""

    label: str  # "row 2 of s⁽¹⁾", "(1,2) of ∂E/∂W⁽²⁾"
    symbol: str | None  # None for δ, which the core never names
    value: float  # numpy's
    core: float | None  # None until the core computes it this epoch
    current: bool


@dataclass(frozen=True)
class Cell:
    text: str
    style: str
    entry: Entry | None = None  # results only; operands are the core's values as they are


@dataclass(frozen=True)
class Block:
    title: str
    cells: list[list[Cell]]


# ---------------------------------------------------------------------------
# numpy forms of the network's functions (imported lazily: the app starts without numpy)


def activate(act: str, s):
    import numpy as np

    if act == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -s))  # σ without overflow for any s, like the core's stable form
    if act == "tanh":
        return np.tanh(s)
    if act == "relu":
        return np.where(s <= 0.0, 0.0, s)
    if act == "identity":
        return s.copy()
    shifted = np.exp(s - s.max())
    return shifted / shifted.sum()


def slope(act: str, s, a):
    import numpy as np

    if act == "sigmoid":
        return a * (1.0 - a)
    if act == "tanh":
        return 1.0 - a * a
    if act == "relu":
        return np.where(s > 0.0, 1.0, 0.0)
    return np.ones_like(s)


def clip(x):
    """Kept above the core's EPS, as its logs and divisions are."""
    import numpy as np

    return np.where(x <= EPS, EPS, x)


def errors(loss: str, t, a, count: int):
    """Each output's share of E_total for one sample; `count` is the number of samples."""
    import numpy as np

    n = t.size * count
    if loss == "half_sse":
        return 0.5 * (t - a) ** 2
    if loss == "mse":
        return (t - a) ** 2 / n
    if loss == "bce":
        return -(t * np.log(clip(a)) + (1.0 - t) * np.log(clip(1.0 - a))) / n
    return -(t * np.log(clip(a))) / count


def loss_slope(loss: str, t, a, count: int):
    """dE_total/da of the output layer; for softmax with cce, dE_total/ds."""
    n = t.size * count
    if loss == "half_sse":
        return a - t
    if loss == "mse":
        return 2.0 * (a - t) / n
    if loss == "bce":
        return (a - t) / (n * clip(a * (1.0 - a)))
    return (a * t.sum() - t) / count


def loss_pieces(loss: str, n: int, count: int, targets: Block, outputs: Block) -> list:
    over = f"/{n}" if n > 1 else ""
    if loss == "half_sse":
        return ["= ½(", targets, "−", outputs, ")²"]
    if loss == "mse":
        return ["= (", targets, "−", outputs, ")²" + over]
    if loss == "bce":
        return ["= −[", targets, "⊙ln", outputs, f"+ (1−t)⊙ln(1−a)]{over}"]
    return ["= −", targets, "⊙ln", outputs] + ([f"/{count}"] if count > 1 else [])


def slope_pieces(loss: str, n: int, count: int, outputs: Block, targets: Block) -> list:
    over = f"/{n}" if n > 1 else ""
    if loss == "half_sse":
        return ["=", outputs, "−", targets]
    if loss == "mse":
        return ["= 2(", outputs, "−", targets, ")" + over]
    if loss == "bce":
        return ["= (", outputs, "−", targets, f")/({n}·a⊙(1−a))" if n > 1 else ")/(a⊙(1−a))"]
    return ["= (", outputs, "·Σt −", targets, ")" + (f"/{count}" if count > 1 else "")]


# ---------------------------------------------------------------------------
# The equations of one step


class MatrixForm:
    """The equations of the stepper's current operation: built once, rendered, and checked by the tests."""

    def __init__(self, stepper: Stepper):
        import numpy as np

        self.np = np
        net = self.net = stepper.net
        self.names: Names = net.names
        self.values = stepper.values
        op = stepper.last
        self.pending = op is None
        q = self.quantity = stepper.upcoming if op is None else op.quantity
        self.reads = set(q.reads)
        # The numbers the core computed with: the first value each operation of this
        # epoch read, so an edit made after a value was used does not rewrite the past.
        self.read: dict[str, float] = {}
        for done in reversed(stepper.done):
            self.read.update(done.inputs)
        self.updates = {done.quantity.param: done for done in stepper.done if done.phase == UPDATE}
        self.count = len(net.samples)
        # Operations of no one sample (E_total, sample sums, updates) come after the last sample's.
        self.sample = q.sample if q.sample is not None else self.count - 1
        self.layer = q.layer if q.layer is not None else self.param_layer(q.param)
        self.rows: list[list] = []
        with np.errstate(all="ignore"):  # a diverging network shows inf and nan, as the core does
            if q.kind in FORWARD_KINDS:
                self.forward()
            elif q.kind in LOSS_KINDS:
                self.loss()
            elif q.kind in BACKWARD_KINDS:
                self.backward()
            elif q.kind == "sample_sum":
                self.sample_sums()
            else:
                self.update()
        self.current = next(e for e in self.entries() if e.current)

    def param_layer(self, param: str | None) -> int:
        names = self.names
        for layer in range(1, self.net.depth + 1):
            if any(param in row for row in names.weight_at[layer]) or param in names.bias_at[layer]:
                return layer
        return self.net.depth  # E_total: the loss sits on the output layer

    # -- the symbols of a layer, as columns -------------------------------
    def sums(self, layer: int, s: int) -> list[list[str]]:
        return [[self.names.total(layer, j, s)] for j in range(self.net.sizes[layer])]

    def outputs(self, layer: int, s: int) -> list[list[str]]:
        return [[self.names.output(layer, j, s)] for j in range(self.net.sizes[layer])]

    def targets(self, s: int) -> list[list[str]]:
        return [[self.names.target(k, s)] for k in range(self.net.sizes[-1])]

    def output_slopes(self, layer: int, s: int) -> list[list[str]]:
        """dE_total/da of each neuron."""
        return [[Names.grad(self.names.output(layer, j, s))] for j in range(self.net.sizes[layer])]

    def activation_slopes(self, layer: int, s: int) -> list[list[str]]:
        """da/ds of each neuron: g'(s)."""
        names = self.names
        return [[f"da_{names.neuron(layer, j)}/d{names.neuron(layer, j)}{names.suffix(s)}"]
                for j in range(self.net.sizes[layer])]

    def sum_slopes(self, layer: int, s: int) -> list[list[str]]:
        """dE_total/ds of each neuron: the core names δ itself only for softmax."""
        names = self.names
        return [[Names.grad(names.neuron(layer, j), names.suffix(s))] for j in range(self.net.sizes[layer])]

    # -- blocks -----------------------------------------------------------
    def value_of(self, symbol: str) -> float | None:
        return self.read.get(symbol, self.values.get(symbol))

    def number(self, value: float | None) -> str:
        # + 0.0 turns −0 (a zero input times a negative δ) into the 0 a student would write
        return BLANK if value is None else format_number(value + 0.0, DIGITS)

    def operand(self, title: str, symbols: list[list[str]], values: list[list[float | None]] | None = None):
        """A block of the core's values, and them as an array (nan where not computed yet)."""
        if values is None:
            values = [[self.value_of(symbol) for symbol in row] for row in symbols]
        cells = [[Cell(self.number(v), READ if symbol in self.reads else "" if v is not None else DIM)
                  for symbol, v in zip(row, row_values)] for row, row_values in zip(symbols, values)]
        array = self.np.array([[float("nan") if v is None else v for v in row] for row in values], dtype=float)
        return Block(title, cells), array

    def result(self, title: str, symbols: list[list[str]], array, core: list[list[float | None]] | None = None):
        """numpy's `array`, shown where the core has computed the same entry (`core`, by default its values)."""
        if core is None:
            core = [[self.values.get(symbol) for symbol in row] for row in symbols]
        rows = []
        for r, row in enumerate(symbols):
            cells = []
            for c, symbol in enumerate(row):
                value, shown = float(array[r, c]), core[r][c] is not None
                current = symbol == self.quantity.symbol
                entry = Entry(place(title, r, c, len(symbols), len(row)), symbol, value, core[r][c], current)
                style = CURRENT if current else READ if symbol in self.reads else "" if shown else DIM
                cells.append(Cell(self.number(value) if shown else BLANK, style, entry))
            rows.append(cells)
        return Block(title, rows)

    def delta(self, layer: int, s: int, as_result: bool = False):
        """δ⁽ℓ⁾ = dE_total/ds⁽ℓ⁾: the core's two chain-rule factors multiplied by numpy (softmax: the core's own)."""
        title = f"δ{sup(layer)}"
        if self.net.activations[layer - 1] == "softmax":
            return self.operand(title, self.sum_slopes(layer, s))
        outs, slopes = self.output_slopes(layer, s), self.activation_slopes(layer, s)
        _, out_slope = self.operand("", outs)
        _, act_slope = self.operand("", slopes)
        array = out_slope * act_slope
        rows = []
        for j, (out, slope_symbol) in enumerate(zip(outs, slopes)):
            known = not self.np.isnan(out_slope[j, 0]) and not self.np.isnan(act_slope[j, 0])
            style = READ if {out[0], slope_symbol[0]} & self.reads else "" if known else DIM
            value = float(array[j, 0])
            entry = Entry(place(title, j, 0, len(outs), 1), None, value, None, False) if as_result else None
            rows.append([Cell(self.number(value) if known else BLANK, style, entry)])
        return Block(title, rows), array

    def trained_biases(self, layer: int) -> list[list[str]]:
        """The layer's trained biases as a column: one shared, one per neuron, or none."""
        net = self.net
        if net.bias == "none" or not net.train_bias:
            return []
        if net.bias == "shared":
            return [[self.names.bias_at[layer][0]]]
        return [[bias] for bias in self.names.bias_at[layer]]

    # -- words ------------------------------------------------------------
    def header(self) -> str:
        q = self.quantity
        if q.kind in FORWARD_KINDS:
            where = f"forward · layer {self.layer}"
        elif q.kind in LOSS_KINDS:
            where = "forward · loss"
        elif q.kind in BACKWARD_KINDS:
            where = f"backward · layer {self.layer}"
        elif q.kind == "sample_sum":
            where = f"backward · Σ over {self.count} samples · layer {self.layer}"
        else:
            where = f"update · layer {self.layer}"
        if self.count > 1 and q.kind in FORWARD_KINDS + LOSS_KINDS + BACKWARD_KINDS:
            where += f" · sample {self.sample + 1}/{self.count}"
        return f"{where}  ▸ {'next: ' if self.pending else ''}{q.symbol}: {self.current.label}"

    def legend(self) -> str:
        names, net = self.names, self.net
        if self.quantity.kind in LOSS_KINDS:
            return f"rows {' '.join(names.neuron(net.depth, k) for k in range(net.sizes[-1]))}"
        layer = self.layer
        matrix = "; ".join(" ".join(row) for row in names.weight_at[layer])
        rows = " ".join(names.neuron(layer, j) for j in range(net.sizes[layer]))
        columns = " ".join(names.neuron(layer - 1, i) for i in range(net.sizes[layer - 1]))
        return f"W{sup(layer)} = [{matrix}]: rows {rows}, columns {columns}"

    # -- the views --------------------------------------------------------
    def forward(self) -> None:
        net, layer, s = self.net, self.layer, self.sample
        weights, w = self.operand(f"W{sup(layer)}", self.names.weight_at[layer])
        inputs, a = self.operand(f"a{sup(layer - 1)}", self.outputs(layer - 1, s))
        total, pieces = w @ a, ["=", weights, "·", inputs]
        if net.bias != "none":
            biases, b = self.operand(f"b{sup(layer)}", [[bias] for bias in self.names.bias_at[layer]])
            total, pieces = total + b, pieces + ["+", biases]
        self.rows.append([self.result(f"s{sup(layer)}", self.sums(layer, s), total), *pieces])
        act = net.activations[layer - 1]
        sums, s_values = self.operand(f"s{sup(layer)}", self.sums(layer, s))
        outputs = self.result(f"a{sup(layer)}", self.outputs(layer, s), activate(act, s_values))
        self.rows.append([outputs, f"= {FUNCTION[act]}(", sums, ")"])

    def loss(self) -> None:
        net, names, s = self.net, self.names, self.sample
        size, n = net.sizes[-1], net.sizes[-1] * self.count
        targets, t = self.operand("t", self.targets(s))
        outputs, a = self.operand(f"a{sup(net.depth)}", self.outputs(net.depth, s))
        shares = self.result("E", [[names.error(k, s)] for k in range(size)], errors(net.loss, t, a, self.count))
        self.rows.append([shares, *loss_pieces(net.loss, n, self.count, targets, outputs)])
        every = [[names.error(k, sample) for sample in range(self.count)] for k in range(size)]
        all_errors, e = self.operand("E, a column per sample" if self.count > 1 else "E", every)
        self.rows.append([self.result("E_total", [["E_total"]], self.np.array([[e.sum()]])), "= Σ", all_errors])

    def backward(self) -> None:
        net, layer, s = self.net, self.layer, self.sample
        act = net.activations[layer - 1]
        if layer == net.depth:
            targets, t = self.operand("t", self.targets(s))
            outputs, a = self.operand(f"a{sup(layer)}", self.outputs(layer, s))
            if act == "softmax":  # the core goes straight to dE_total/ds: that is δ
                title, symbols = f"δ{sup(layer)}", self.sum_slopes(layer, s)
            else:
                title, symbols = f"∂E/∂a{sup(layer)}", self.output_slopes(layer, s)
            slopes = self.result(title, symbols, loss_slope(net.loss, t, a, self.count))
            n = net.sizes[-1] * self.count
            self.rows.append([slopes, *slope_pieces(net.loss, n, self.count, outputs, targets)])
        else:
            after = self.names.weight_at[layer + 1]
            transposed = [[after[k][j] for k in range(len(after))] for j in range(net.sizes[layer])]
            weights, w = self.operand(f"W{sup(layer + 1)}ᵀ", transposed)
            deltas, d = self.delta(layer + 1, s)
            routes = self.result(f"∂E/∂a{sup(layer)}", self.output_slopes(layer, s), w @ d)
            self.rows.append([routes, "=", weights, "·", deltas])
        if act != "softmax":
            out_slopes, _ = self.operand(f"∂E/∂a{sup(layer)}", self.output_slopes(layer, s))
            _, sums = self.operand("", self.sums(layer, s))
            _, outs = self.operand("", self.outputs(layer, s))
            slopes = self.result(f"{FUNCTION[act]}'(s{sup(layer)})", self.activation_slopes(layer, s),
                                 slope(act, sums, outs))
            self.rows.append([self.delta(layer, s, as_result=True)[0], "=", out_slopes, "⊙", slopes])
        self.rows.append(self.gradients(layer, s))

    def gradients(self, layer: int, s: int) -> list:
        """∂E/∂W⁽ℓ⁾ = δ⁽ℓ⁾·a⁽ℓ⁻¹⁾ᵀ for one sample, and ∂E/∂b⁽ℓ⁾ beside it."""
        names, suffix = self.names, self.names.suffix(s)
        deltas, d = self.delta(layer, s)
        inputs, a = self.operand(f"a{sup(layer - 1)}ᵀ", [[row[0] for row in self.outputs(layer - 1, s)]])
        grads = [[Names.grad(w, suffix) for w in row] for row in names.weight_at[layer]]
        row = [self.result(f"∂E/∂W{sup(layer)}{suffix}", grads, d @ a), "=", deltas, "·", inputs]
        biases = self.trained_biases(layer)
        if biases:
            symbols = [[Names.grad(bias[0], suffix)] for bias in biases]
            shared = len(biases) == 1 and self.net.bias == "shared"
            values = self.np.array([[d.sum()]]) if shared else d
            row += ["  ", self.result(f"∂E/∂b{sup(layer)}{suffix}", symbols, values),
                    f"= {'Σ' if shared else ''}δ{sup(layer)}"]
        return row

    def sample_sums(self) -> None:
        layer = self.layer
        for params, letter in ((self.names.weight_at[layer], "W"), (self.trained_biases(layer), "b")):
            if not params:
                continue
            parts = []
            for s in range(self.count):
                suffix = self.names.suffix(s)
                part_symbols = [[Names.grad(p, suffix) for p in row] for row in params]
                parts.append(self.operand(f"∂E/∂{letter}{sup(layer)}{suffix}", part_symbols))
            total = sum(array for _, array in parts)  # left to right, as the core adds them
            pieces: list = []
            for block, _ in parts:
                pieces += ["+", block]
            pieces[0] = "="
            totals = [[Names.grad(p) for p in row] for row in params]
            self.rows.append([self.result(f"∂E/∂{letter}{sup(layer)}", totals, total), *pieces])

    def update(self) -> None:
        layer = self.layer
        rate, lr = self.operand("η", [["lr"]])
        for params, letter in ((self.names.weight_at[layer], "W"), (self.trained_biases(layer), "b")):
            if not params:
                continue
            done = [[self.updates.get(p) for p in row] for row in params]
            # Before its update a parameter holds its old value; after it, the update remembers it.
            old = [[op.old if op else self.values[p] for p, op in zip(row, ops)] for row, ops in zip(params, done)]
            new = [[op.value if op else None for op in ops] for ops in done]
            before, p = self.operand(f"{letter}{sup(layer)}", params, old)
            grads, g = self.operand(f"∂E/∂{letter}{sup(layer)}", [[Names.grad(q) for q in row] for row in params])
            self.rows.append([self.result(f"new {letter}{sup(layer)}", params, p - lr * g, new),
                              "=", before, "−", rate, "·", grads])

    # -- reading it ---------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Every result entry of the view, in reading order."""
        return [cell.entry for row in self.rows for item in row if isinstance(item, Block)
                for cells in item.cells for cell in cells if cell.entry]

    def render(self) -> tuple[Text, Region]:
        """The view as text, and where the current entry sits in it."""
        lines = [Text(self.header(), style=TITLE)]
        spot = Region()
        for row in self.rows:
            drawn, found = draw_equation(row)
            if found:
                x, y, width = found
                spot = Region(x, len(lines) + y, width, 1)
            lines += drawn
        lines.append(Text(self.legend(), style=DIM))
        return Text("\n", no_wrap=True).join(lines), spot


def place(title: str, r: int, c: int, rows: int, columns: int) -> str:
    """Where an entry sits, in words: "row 2 of s⁽¹⁾", "(1,2) of ∂E/∂W⁽²⁾"."""
    if rows == columns == 1:
        return title
    if columns == 1:
        return f"row {r + 1} of {title}"
    return f"({r + 1},{c + 1}) of {title}"


def brackets(rows: int, r: int) -> tuple[str, str]:
    if rows == 1:
        return "[", "]"
    if r == 0:
        return "┌", "┐"
    if r == rows - 1:
        return "└", "┘"
    return "│", "│"


def draw_equation(items: list) -> tuple[list[Text], tuple[int, int, int] | None]:
    """A title line over a line of blocks and operators, the operators on the middle row.

    Returns the lines and (x, y, width) of the current entry, if the equation has it.
    """
    height = max(len(item.cells) for item in items if isinstance(item, Block))
    middle = (height - 1) // 2
    lines = [Text() for _ in range(height + 1)]
    found = None
    for item in items:
        if isinstance(item, str):
            piece = f" {item} "
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
        self.stepper = stepper
        self.form: MatrixForm | None = None
        self.retitle()

    def watch_version(self) -> None:
        # Hidden (the diagram is on show) it skips its numpy work; shown again, it has a size
        # once more and draws afresh.  numpy is imported on its first showing.
        if self.display:
            self.retitle()
            self.redraw()

    def on_show(self) -> None:
        self.retitle()  # another network may have been opened while it was hidden

    def retitle(self) -> None:
        set_border_titles(self, f"{self.stepper.net.name} · matrix form")

    def entries(self) -> list[Entry]:
        """The result entries on show: numpy's value and the core's, by symbol."""
        return (self.form or MatrixForm(self.stepper)).entries()

    def draw(self, width: int, height: int) -> list[Text]:
        self.form = MatrixForm(self.stepper)
        text, self.spot = self.form.render()
        return list(text.split("\n", allow_blank=True))
