"""The values table: every quantity of the current epoch, filled in as it is computed.

Two tables side by side (stacked when narrow): one row per neuron — its sum,
output, error, and the two chain-rule factors of the backward pass — and one row
per parameter — its value, gradient and new value, with a penalty its term and
whole gradient, with momentum or Adam the optimizer's state (v; m, v, m̂, v̂);
then lr and the penalty's and the optimizer's constants (and Adam's step t).  Every row and its symbols
follow from the network's shape and names, so a line is drawn only when it is
on screen: a 100-100-100 network with 16 samples has 4,800 neuron rows and
20,000 parameter rows, and a keypress draws the forty or so in view.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.geometry import Region

from ...core import Names, Stepper
from ...core.expr import format_number
from ...core.quantity import Kind
from .line_panel import LinePanel

DIGITS = 6
JUST_COMPUTED = "bold reverse"
READ_BY_IT = "underline"
NEURON_TITLES = ("sum", "output", "error", "dE_total/d·", "slope", "target")
# Where the neuron table is wider than the panel (long names, as at 80×24): the gradient's title shortened,
# then the numbers rounded to fewer digits, never cut and no column left out (the target was cut to "targe").
SHORT_NEURON_TITLES = ("sum", "output", "error", "∂E/∂·", "slope", "target")
NARROWEST_NUMBER = 7
PARAMETER_TITLES = ("value", "gradient", "new")
# The columns a penalty and an optimizer add between the gradient and the new value: (title, symbol prefix).
PENALTY_COLUMNS = (("penalty", "dE_reg/d"), ("dE/d·", "dE/d"))
OPTIMIZER_COLUMNS = {"sgd": (), "momentum": (("v", "v_"),),
                     "adam": (("m", "m_"), ("v", "v_"), ("m̂", "mhat_"), ("v̂", "vhat_"))}
GAP = 3  # between the two tables side by side
NUMBER_WIDTH = len(format_number(-0.0123456, DIGITS))  # a number too long for it is rounded to fit, never cut


def fitted_number(value: float, width: int = NUMBER_WIDTH) -> str:
    """The value to DIGITS significant digits, or fewer when that is too wide: rounded honestly, never cut."""
    for digits in range(DIGITS, 0, -1):
        text = format_number(value, digits)
        if len(text) <= width:
            return text
    return text


class Rows:
    """The two tables' rows, worked out from the network's shape: row n's label and symbols."""

    def __init__(self, stepper: Stepper):
        net = stepper.program.net  # with batches, the net of the batch's samples
        self.program = stepper.program
        self.names, self.net = net.names, net
        self.per_sample = sum(net.sizes)
        self.layer_first = [sum(net.sizes[:layer]) for layer in range(len(net.sizes))]
        self.samples = len(net.samples)
        self.neuron_count = 1 + self.samples * self.per_sample + 1  # header, neurons, E_total
        self.parameters = stepper.program.parameters
        self.trained = set(stepper.program.trained)
        self.weights = set(self.names.weights)
        self.extra = (PENALTY_COLUMNS if net.regularized else ()) + OPTIMIZER_COLUMNS[net.optimizer]
        self.parameter_titles = (*PARAMETER_TITLES[:2], *(title for title, _ in self.extra), PARAMETER_TITLES[2])
        self.parameter_widths = [max(NUMBER_WIDTH, len(title)) for title in self.parameter_titles]
        # After the parameters: lr, the penalty's and the optimizer's constants, and Adam's step count.
        self.constants = ["lr", *net.hyperparameters(), *self.names.state[:1 if net.optimizer == "adam" else 0]]
        self.below = ["E_reg"] if net.regularized else []  # the penalty, below E_total
        self.neuron_count += len(self.below)
        self.parameter_count = 1 + len(self.parameters) + len(self.constants)  # header, parameters, constants
        self.parameter_row = {}  # built when first asked: a large network has 20,000 parameters
        last_sample = self.names.suffix(self.samples - 1)
        longest_neuron = max(len(self.names.neuron(layer, size - 1)) for layer, size in enumerate(net.sizes))
        self.neuron_label_width = max(len("E_total"), longest_neuron + len(last_sample))
        self.parameter_label_width = max([len(c) for c in self.constants] + [len(p) for p in (self.parameters[-1:] + self.names.biases[-1:])])

    def neuron(self, row: int) -> tuple[int, int, int]:
        """(sample, layer, j) of neuron row `row` (1-based, after the header)."""
        sample, rest = divmod(row - 1, self.per_sample)
        layer = max(layer for layer, first in enumerate(self.layer_first) if first <= rest)
        return sample, layer, rest - self.layer_first[layer]

    def neuron_symbols(self, sample: int, layer: int, j: int) -> list[str | None]:
        """The symbols of a neuron's row, in the order of NEURON_TITLES (None: no such cell)."""
        names, net = self.names, self.net
        if layer == 0:
            return [None, names.total(0, j, sample), None, None, None, None]
        out_layer = layer == net.depth
        softmax = net.activations[layer - 1] == "softmax"
        neuron, suffix = names.neuron(layer, j), names.suffix(sample)
        return [
            names.total(layer, j, sample), names.output(layer, j, sample),
            names.error(j, sample) if out_layer else None,
            Names.grad(neuron, suffix) if softmax else Names.grad(names.output(layer, j, sample)),
            None if softmax else names.activation_slope(layer, j, sample),
            names.target(j, sample) if out_layer else None,
        ]

    def spot_of(self, stepper: Stepper) -> tuple[str, int] | None:
        """Which table and row hold the cell just computed."""
        last = stepper.last
        if last is None:
            return None
        q = last.quantity
        if q.param is not None:
            if not self.parameter_row:
                self.parameter_row = {p: n for n, p in enumerate(self.parameters, 1)}
            return "parameters", self.parameter_row[q.param]
        if q.kind == Kind.STEP_COUNT:
            return "parameters", 1 + len(self.parameters) + self.constants.index(q.symbol)
        if q.kind == Kind.TOTAL:
            return "neurons", self.neuron_count - 1 - len(self.below)
        if q.kind == Kind.PENALTY:
            return "neurons", self.neuron_count - len(self.below) + self.below.index(q.symbol)
        return "neurons", 1 + (q.sample or 0) * self.per_sample + self.layer_first[q.layer] + q.neuron


class ValuesTable(LinePanel):
    """Cells not yet computed this epoch are blank; the cell just computed is reversed
    and the cells it read are underlined.  When the tables do not fit, the panel
    scrolls to keep the cell just computed in sight, under its table's header."""

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(**kwargs)
        self.stepper = stepper

    def watch_stepper(self, old: Stepper | None, stepper: Stepper) -> None:
        if stepper is not old:  # another network: other rows
            self.rows = Rows(stepper)
            self.border_title = "this batch" if stepper.schedule.batched else "this epoch"
        self.redraw()

    def cell(self, symbol: str | None, value: float | None = None, reads: frozenset = frozenset(),
             width: int = NUMBER_WIDTH) -> Text:
        if symbol is None:
            return Text("")
        stepper = self.stepper
        if value is None:
            value = stepper.values.get(symbol)
        last = stepper.last
        style = ""
        if last is not None and symbol == last.symbol:
            style = JUST_COMPUTED
        elif symbol in reads or (not reads and last is not None and symbol in last.reads):
            style = READ_BY_IT
        return Text("" if value is None else fitted_number(value, width), style=style)

    def neuron_line(self, row: int, reads: frozenset, layout: NeuronLayout) -> list[Text]:
        rows = self.rows
        if row == 0:
            return [Text("")] + [Text(title, style="bold") for title in layout.titles]
        if row >= rows.neuron_count - 1 - len(rows.below):
            symbol = (["E_total"] + rows.below)[row - (rows.neuron_count - 1 - len(rows.below))]
            return [Text(symbol, style="bold"), Text(""), Text(""), self.cell(symbol, reads=reads, width=layout.number)]
        sample, layer, j = rows.neuron(row)
        label = Text(rows.names.neuron(layer, j) + rows.names.suffix(sample), style="bold")
        return [label] + [self.cell(symbol, reads=reads, width=layout.number)
                          for symbol in rows.neuron_symbols(sample, layer, j)]

    def parameter_line(self, row: int, reads: frozenset) -> list[Text]:
        rows = self.rows
        if row == 0:
            return [Text("")] + [Text(title, style="bold") for title in rows.parameter_titles]
        if row > len(rows.parameters):
            symbol = rows.constants[row - len(rows.parameters) - 1]
            return [Text(symbol, style="bold"), self.cell(symbol, reads=reads)]
        param = rows.parameters[row - 1]
        update = self.stepper.updated(param)
        trained = param in rows.trained
        extra = [self.cell(prefix + param, reads=reads) if trained and (param in rows.weights or not prefix.startswith("dE"))
                 else Text("") for _, prefix in rows.extra]
        return [
            Text(param, style="bold"),
            self.cell(param, update.old, reads) if update else self.cell(param, reads=reads),
            self.cell(Names.grad(param), reads=reads) if trained else Text("frozen", style="dim"),
            *extra,
            self.cell(param, reads=reads) if update else Text(""),
        ]

    def draw(self, width: int, height: int) -> TableLines:
        if self.rows.program is not self.stepper.program:  # a smaller last batch has fewer rows
            self.rows = Rows(self.stepper)
        rows = self.rows
        neurons = NeuronLayout.fitting(rows.neuron_label_width, width)
        neuron_width = _width(rows.neuron_label_width, neurons.widths)
        parameter_width = _width(rows.parameter_label_width, rows.parameter_widths)
        side_by_side = neuron_width + GAP + parameter_width <= width
        spot = rows.spot_of(self.stepper)
        if spot is None:
            self.spot = None
        else:
            table, row = spot
            header = 0 if table == "neurons" or side_by_side else rows.neuron_count + 1
            self.spot = Region(0, header, 1, row + 1)
        last = self.stepper.last
        reads = frozenset(last.reads) if last is not None else frozenset()
        return TableLines(self, side_by_side, neurons, neuron_width, parameter_width, reads)


class NeuronLayout:
    """The neuron table's titles, number width and column widths."""

    def __init__(self, titles: tuple[str, ...], number: int):
        self.titles, self.number = titles, number
        self.widths = [max(number, len(title)) for title in titles]

    @classmethod
    def fitting(cls, label_width: int, width: int) -> NeuronLayout:
        """The full layout where it fits `width`; else the short gradient title; else numbers narrowed
        (to NARROWEST_NUMBER at least) until it fits."""
        layout = cls(NEURON_TITLES, NUMBER_WIDTH)
        if _width(label_width, layout.widths) <= width:
            return layout
        number = NUMBER_WIDTH
        layout = cls(SHORT_NEURON_TITLES, number)
        while _width(label_width, layout.widths) > width and number > NARROWEST_NUMBER:
            number -= 1
            layout = cls(SHORT_NEURON_TITLES, number)
        return layout



def _width(label_width: int, widths: list[int]) -> int:
    return label_width + sum(width + 1 for width in widths)


class TableLines(Sequence):
    """The panel's lines, each laid out when first read (the panel reads only those in view)."""

    def __init__(self, table: ValuesTable, side_by_side: bool, neurons: NeuronLayout, neuron_width: int,
                 parameter_width: int, reads):
        self.table, self.side_by_side, self.reads, self.neurons = table, side_by_side, reads, neurons
        rows = table.rows
        self.neuron_width = neuron_width
        if side_by_side:
            self.count = max(rows.neuron_count, rows.parameter_count)
            self.width = neuron_width + GAP + parameter_width
        else:
            self.count = rows.neuron_count + 1 + rows.parameter_count
            self.width = max(neuron_width, parameter_width)
        self.cache: dict[int, Text] = {}

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, y: int) -> Text:
        if y < 0:
            y += self.count
        if not 0 <= y < self.count:
            raise IndexError(y)
        if y not in self.cache:
            self.cache[y] = self.line(y)
        return self.cache[y]

    def line(self, y: int) -> Text:
        table, rows, reads, neurons = self.table, self.table.rows, self.reads, self.neurons
        if not self.side_by_side:
            if y < rows.neuron_count:
                return _lay_out(table.neuron_line(y, reads, neurons), rows.neuron_label_width, neurons.widths)
            if y == rows.neuron_count:
                return Text("")
            return _lay_out(table.parameter_line(y - rows.neuron_count - 1, reads), rows.parameter_label_width,
                            rows.parameter_widths)
        line = (_lay_out(table.neuron_line(y, reads, neurons), rows.neuron_label_width, neurons.widths)
                if y < rows.neuron_count else Text(""))
        if y < rows.parameter_count:
            line.append(" " * (self.neuron_width - line.cell_len + GAP))
            line.append_text(_lay_out(table.parameter_line(y, reads), rows.parameter_label_width, rows.parameter_widths))
        return line


def _lay_out(cells: list[Text], label_width: int, widths: list[int]) -> Text:
    """A row of cells as a line: the label left-aligned, the numbers right-aligned in fixed columns.

    Laid out by hand because a rich Table measures every cell on every render,
    and this redraws on every keypress."""
    line = Text()  # not a copy of the label: its style would spread over the whole row
    line.append_text(cells[0])
    line.append(" " * (label_width - cells[0].cell_len))
    for cell, width in zip(cells[1:], widths):
        line.append(" " * max(1, width - cell.cell_len + 1))
        line.append_text(cell)
    return line
