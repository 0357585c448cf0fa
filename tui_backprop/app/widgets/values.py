"""The values table: every quantity of the current epoch, filled in as it is computed.

Two tables side by side (stacked when narrow): one row per neuron — its sum,
output, error, and the two chain-rule factors of the backward pass — and one row
per parameter — its value, gradient and new value.  The table is laid out from
the quantities' own `kind`, `layer`, `neuron` and `sample`, so it fits any network.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...core import Names, Stepper
from ...core.expr import format_number

DIGITS = 6
JUST_COMPUTED = "bold reverse"
READ_BY_IT = "underline"
# Neuron-table columns, by the kind of quantity that fills them.
# A hidden neuron's dE_total/da is a route sum, an output's comes from the loss: one column.
NEURON_COLUMNS = (("sum", "sum"), ("activation", "output"), ("error", "error"),
                  ("loss_slope", "dE_total/d·"), ("activation_slope", "slope"))
SIDE_BY_SIDE_WIDTH = 100


class ValuesTable(Widget):
    """Cells not yet computed this epoch are blank; the cell just computed is reversed
    and the cells it read are underlined."""

    version = reactive(0)

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(**kwargs)
        self.stepper = stepper

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

    def neuron_table(self) -> Table:
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
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", pad_edge=False)
        table.add_column("", no_wrap=True)
        for _, title in NEURON_COLUMNS:
            table.add_column(title, justify="right", no_wrap=True)
        table.add_column("target", justify="right", no_wrap=True)
        out_layer = net.depth
        for (s, layer, j), symbols in sorted(rows.items()):
            label = names.neuron(layer, j) + names.suffix(s)
            cells = [Text(label, style="bold")]
            cells += [self.cell(symbols[kind]) if kind in symbols else Text("") for kind, _ in NEURON_COLUMNS]
            cells.append(self.cell(names.target(j, s)) if layer == out_layer else Text(""))
            table.add_row(*cells)
        table.add_row(Text("E_total", style="bold"), *[Text("")] * 2, self.cell("E_total"))
        return table

    def parameter_table(self) -> Table:
        stepper = self.stepper
        program = stepper.program
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", pad_edge=False)
        table.add_column("", no_wrap=True)
        for title in ("value", "gradient", "new"):
            table.add_column(title, justify="right", no_wrap=True)
        for param in program.parameters:
            update = stepper.updated(param)
            table.add_row(
                Text(param, style="bold"),
                self.cell(param, update.old) if update else self.cell(param),
                self.cell(Names.grad(param)) if param in program.trained else Text("frozen", style="dim"),
                self.cell(param) if update else Text(""),
            )
        table.add_row(Text("lr", style="bold"), self.cell("lr"))
        return table

    def render(self) -> Group:
        neurons, parameters = self.neuron_table(), self.parameter_table()
        if self.size.width < SIDE_BY_SIDE_WIDTH:
            return Group(neurons, Text(""), parameters)
        layout = Table.grid(padding=(0, 3))
        layout.add_row(neurons, parameters)
        return layout
