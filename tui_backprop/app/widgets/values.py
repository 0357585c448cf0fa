"""The values table: every quantity of the current epoch, filled in as it is computed.

Two tables side by side (stacked when narrow): one row per neuron — its sum,
output, error, and the two chain-rule factors of the backward pass — and one row
per parameter — its value, gradient and new value.  The table is laid out from
the quantities' own `kind`, `layer`, `neuron` and `sample`, so it fits any network.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region

from ...core import Names, Stepper
from ...core.expr import format_number
from .lines import LinePanel

DIGITS = 6
JUST_COMPUTED = "bold reverse"
READ_BY_IT = "underline"
# Neuron-table columns, by the kind of quantity that fills them.
# A hidden neuron's dE_total/da is a route sum, an output's comes from the loss: one column.
NEURON_COLUMNS = (("sum", "sum"), ("activation", "output"), ("error", "error"),
                  ("loss_slope", "dE_total/d·"), ("activation_slope", "slope"))
GAP = 3  # between the two tables side by side
NUMBER_WIDTH = len(format_number(-0.0123456, DIGITS))  # most values; rarer longer ones widen their column


class ValuesTable(LinePanel):
    """Cells not yet computed this epoch are blank; the cell just computed is reversed
    and the cells it read are underlined.  When the tables do not fit, the panel
    scrolls to keep the cell just computed in sight, under its table's header."""

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(**kwargs)
        self.stepper = stepper
        self.border_title = "this epoch"

    def cell(self, symbol: str, value: float | None = None) -> Text:
        stepper = self.stepper
        if value is None:
            value = stepper.values.get(symbol)
        last = stepper.last
        style = ""
        if last is not None and symbol == last.symbol:
            style = JUST_COMPUTED
        elif last is not None and symbol in last.reads:
            style = READ_BY_IT
        return Text("" if value is None else format_number(value, DIGITS), style=style)

    def holds_last(self, symbols) -> bool:
        """Whether the cell just computed is among these symbols."""
        last = self.stepper.last
        return last is not None and last.symbol in symbols

    def neuron_table(self) -> tuple[list[Text], int | None]:
        """The table's lines, and which of them holds the cell just computed."""
        stepper = self.stepper
        net, names = stepper.net, stepper.net.names
        # Rows keyed by (sample, layer, neuron); columns by the quantity's kind.
        rows: dict[tuple[int, int, int], dict[str, str]] = {}
        for s in range(len(net.samples)):
            for j in range(net.sizes[0]):
                rows[(s, 0, j)] = {"activation": names.total(0, j, s)}
        for q in stepper.quantities:
            if q.layer is not None and q.neuron is not None and q.kind != "gradient":
                column = "loss_slope" if q.kind == "route" else q.kind
                rows.setdefault((q.sample or 0, q.layer, q.neuron), {})[column] = q.symbol
        table = [[Text("")] + [Text(title, style="bold") for _, title in NEURON_COLUMNS] + [Text("target", style="bold")]]
        out_layer, spot = net.depth, None
        for (s, layer, j), symbols in sorted(rows.items()):
            if self.holds_last(symbols.values()):
                spot = len(table)
            label = names.neuron(layer, j) + names.suffix(s)
            cells = [Text(label, style="bold")]
            cells += [self.cell(symbols[kind]) if kind in symbols else Text("") for kind, _ in NEURON_COLUMNS]
            cells.append(self.cell(names.target(j, s)) if layer == out_layer else Text(""))
            table.append(cells)
        if self.holds_last(["E_total"]):
            spot = len(table)
        table.append([Text("E_total", style="bold"), Text(""), Text(""), self.cell("E_total")])
        return _lay_out(table), spot

    def parameter_table(self) -> tuple[list[Text], int | None]:
        """The table's lines, and which of them holds the cell just computed."""
        stepper = self.stepper
        program = stepper.program
        table = [[Text("")] + [Text(title, style="bold") for title in ("value", "gradient", "new")]]
        spot = None
        for param in program.parameters:
            if self.holds_last([param, Names.grad(param)]):
                spot = len(table)
            update = stepper.updated(param)
            table.append([
                Text(param, style="bold"),
                self.cell(param, update.old) if update else self.cell(param),
                self.cell(Names.grad(param)) if param in program.trained else Text("frozen", style="dim"),
                self.cell(param) if update else Text(""),
            ])
        table.append([Text("lr", style="bold"), self.cell("lr")])
        return _lay_out(table), spot

    def draw(self, width: int, height: int) -> list[Text]:
        (neurons, neuron_spot), (parameters, parameter_spot) = self.neuron_table(), self.parameter_table()
        neuron_width = max(line.cell_len for line in neurons)
        if neuron_width + GAP + max(line.cell_len for line in parameters) > width:  # one above the other
            below = len(neurons) + 1
            self.spot = (_rows(0, neuron_spot) if neuron_spot is not None else
                         _rows(below, below + parameter_spot) if parameter_spot is not None else None)
            return neurons + [Text("")] + parameters
        spot = neuron_spot if neuron_spot is not None else parameter_spot
        self.spot = _rows(0, spot) if spot is not None else None
        blank = Text(" " * neuron_width)
        lines = []
        for n in range(max(len(neurons), len(parameters))):
            line = (neurons[n] if n < len(neurons) else blank).copy()
            line.append(" " * (neuron_width - line.cell_len + GAP))
            if n < len(parameters):
                line.append_text(parameters[n])
            lines.append(line)
        return lines


def _rows(header: int, row: int) -> Region:
    """The lines from a table's header to one of its rows, at the row labels."""
    return Region(0, header, 1, row - header + 1)


def _lay_out(rows: list[list[Text]]) -> list[Text]:
    """Rows of cells as lines of text: the first column left-aligned, the rest right-aligned.

    Written out by hand because a rich Table measures every cell on every render,
    and this redraws on every keypress."""
    columns = max(len(row) for row in rows)
    rows = [row + [Text("")] * (columns - len(row)) for row in rows]
    # Number columns as wide as a number can be, so they do not shift as cells fill in.
    widths = [max([row[n].cell_len for row in rows] + [NUMBER_WIDTH if n else 0]) for n in range(columns)]
    lines = []
    for row in rows:
        line = Text()  # not a copy of the label: its style would spread over the whole row
        line.append_text(row[0])
        line.append(" " * (widths[0] - row[0].cell_len))
        for cell, width in zip(row[1:], widths[1:]):
            line.append(" " * (width - cell.cell_len + 1))
            line.append_text(cell)
        lines.append(line)
    return lines
