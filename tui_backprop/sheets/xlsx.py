"""The run as an XLSX workbook of live formulas, in the spreadsheet layout.

At the top, one row per starting value: the learning rate, every input and
target, every weight and bias, each in column B and named (a defined name, so
a formula reads =w_1*i_1+w_2*i_2).  A bare symbol such as w1 is a cell
address in Excel, so a name gets an underscore before its number: w_1, i_1,
b_1; lr and b_h1 keep their own spelling, one sample's values end in _s2.

Below, one row per epoch: the epoch, lr and the parameters, every forward
value, the parameter gradients (the columns of `train --csv`), then the rest
of the backward pass (the chain-rule factors the gradients are made of).  The
first epoch reads the named starting values; every later one updates the
weights of the row above, w = w − lr·dE_total/dw.  Change a starting value or
the learning rate and every epoch recomputes, in Excel or LibreOffice.

Each formula is the core's expression tree, translated node by node, so the
workbook computes what the app computes: σ(x) is 1/(1+EXP(−x)), ReLU is
MAX(0,x), its slope IF(x>0,1,0), a logarithm LN(MAX(x,1e-12)) (the core's
clipping), softmax subtracts the largest sum before EXP.  One difference is
kept on purpose, for readable formulas: where the core switches σ to e^x
below x = −708, the workbook's EXP overflows and shows #NUM!.

openpyxl writes formulas but cannot compute them, so the file holds no
cached values; Excel and LibreOffice compute every cell when they open it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.batches import sheet_refusal
from ..core import Network, build_program
from ..core.expr import Expr
from ..core.program import UPDATE, Program, identifier
from ..core.files import atomic_writer

SHEET = "backprop"
# Every epoch is a row of live formulas; past this a spreadsheet crawls.
MAX_EPOCHS = 100_000


class ExportError(ValueError):
    """A run the workbook cannot hold; str() is one line for the user."""


def export_xlsx(net: Network, epochs: int, path: str | Path) -> None:
    """Write `epochs` epochs of `net` as a live workbook; the old file stays until the new one is complete."""
    if sheet_refusal(net):
        raise ExportError(sheet_refusal(net))
    import io

    with atomic_writer(path, "wb") as stream:  # first, so that a bad path fails before any work
        # Made in memory, then written: when the disk fills, openpyxl's own writer would leave its zip
        # archive and worksheet half open, to fail again when collected (messages on stderr after ours).
        workbook = io.BytesIO()
        build_workbook(build_program(net), epochs).save(workbook)
        stream.write(workbook.getbuffer())


def defined_name(symbol: str) -> str:
    """The workbook name of a starting value: w1 -> w_1, lr -> lr, i1[2] -> i1_s2."""
    name = identifier(symbol)
    bare = re.fullmatch(r"([A-Za-z]{1,3})(\d+)", name)
    return f"{bare[1]}_{bare[2]}" if bare else name


def build_workbook(program: Program, epochs: int):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.workbook.defined_name import DefinedName

    if not 1 <= epochs <= MAX_EPOCHS:
        raise ExportError(f"a workbook holds 1 to {MAX_EPOCHS:,} epochs of live formulas, not {epochs:,}")
    net = program.net
    starts = _starting_values(program)
    backward_rest = [q.symbol for q in program.quantities if q.phase != UPDATE and q.symbol not in program.columns]
    columns = ["epoch", *program.columns, *backward_rest]
    first_row, later_rows = _row_templates(program, columns)  # any ExportError comes before the file is begun

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    bold = Font(bold=True)

    def heading(text):
        cell = WriteOnlyCell(sheet, text)
        cell.font = bold
        return cell

    header_line = len(starts) + 5
    sheet.freeze_panes = f"B{header_line + 1}"
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["C"].width = 40
    # A cell cannot hold control characters (openpyxl refuses them), and a name may come with some.
    name = "".join(c if c.isprintable() else " " for c in net.name)
    sheet.append([heading(f"backprop-tui: {name}, {'-'.join(map(str, net.sizes))}, "
                          f"{' → '.join(net.activations)}, loss {net.loss}")])
    sheet.append(["Change a starting value or the learning rate in column B: every epoch below recomputes."])
    sheet.append([heading("symbol"), heading("value"), heading("what it is")])
    for line, (symbol, value, role) in enumerate(starts, start=4):
        name = defined_name(symbol)
        workbook.defined_names[name] = DefinedName(name, attr_text=f"{SHEET}!$B${line}")
        sheet.append([symbol, value, f"{role} (named {name})"])
    sheet.append([])
    sheet.append([heading(symbol) for symbol in columns])
    for epoch in range(1, epochs + 1):
        line = header_line + epoch
        templates = first_row if epoch == 1 else later_rows
        sheet.append([epoch] + [template.format(row=line, above=line - 1) for template in templates])
    return workbook


def _row_templates(program: Program, columns: list[str]) -> tuple[list[str], list[str]]:
    """The formulas of the first epoch's row and of every later one, with {row} and {above} for row numbers.

    Spreadsheet formulas never contain braces, so str.format fills in the numbers safely.
    """
    from openpyxl.utils import get_column_letter

    letter = {symbol: get_column_letter(n + 1) for n, symbol in enumerate(columns)}
    quantities = {q.symbol: q for q in program.quantities if q.phase != UPDATE}
    trained = {q.param: q for q in program.quantities if q.phase == UPDATE}

    def here(symbol):  # inputs and targets are named cells; everything else is in this row
        return f"{letter[symbol]}{{row}}" if symbol in letter else defined_name(symbol)

    def above(symbol):
        return f"{letter[symbol]}{{above}}"

    computed = ["=" + excel_formula(quantities[symbol].expr, here) for symbol in columns[2 + len(program.parameters):]]
    first = ["=lr", *(f"={defined_name(p)}" for p in program.parameters), *computed]
    later = ["=lr", *(f"={defined_name(p)}" if p not in trained else "=" + excel_formula(trained[p].expr, above)
                      for p in program.parameters), *computed]
    return first, later


def _starting_values(program: Program) -> list[tuple[str, float, str]]:
    net = program.net
    rows = [("lr", float(net.lr), "learning rate")]
    for s in range(len(net.samples)):
        sample = f" of sample {s + 1}" if len(net.samples) > 1 else ""
        inputs, targets = net.names.input_symbols(s), net.names.target_symbols(s)
        rows += [(symbol, value, "input" + sample) for symbol, value in zip(inputs, net.samples[s].inputs)]
        rows += [(symbol, value, "target" + sample) for symbol, value in zip(targets, net.samples[s].targets)]
    trained = set(net.names.weights) | (set(net.names.biases) if net.train_bias else set())
    for symbol, value in net.parameters().items():
        kind = "weight" if symbol in net.names.weights else "bias"
        rows.append((symbol, value, f"starting {kind}" if symbol in trained else f"{kind}, not trained"))
    return rows


def excel_formula(expr: Expr, ref) -> str:
    """An expression tree as spreadsheet formula text; `ref(symbol)` gives a symbol's cell or name.

    Each node writes its own (core/expr.py), beside its Python source: the workbook computes
    what the app computes."""
    try:
        return expr.excel(ref)[0]
    except NotImplementedError as error:
        raise ExportError(str(error)) from None

