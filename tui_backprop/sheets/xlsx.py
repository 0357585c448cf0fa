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
weights of the row above, w = w − lr·dE_total/dw.  With momentum or Adam the
optimizer's state has columns of its own, updated the same way from the row
above; a parameter's update reads the state its row holds (the new one), and
Adam's corrected moments m̂, v̂ are written into the update's formula.  Change a starting value or
the learning rate and every epoch recomputes, in Excel or LibreOffice.

Each formula is the core's expression tree, translated node by node, so the
workbook computes what the app computes: σ(x) is 1/(1+EXP(−x)), ReLU is
MAX(0,x), its slope IF(x>0,1,0), a logarithm LN(MAX(x,1e-12)) (the core's
clipping), softmax subtracts the largest sum before EXP.  One difference is
kept on purpose, for readable formulas: where the core switches σ to e^x
below x = −708, the workbook's EXP overflows and shows #NUM!.

openpyxl writes formulas but cannot compute them, so the file holds no
cached values; Excel and LibreOffice compute every cell when they open it.

A hidden sheet carries the network itself (carried.py), so `check` on the
workbook needs no --preset or --config.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from ..core import Network
from ..core.batches import Schedule
from ..core.compiled import identifier
from ..core.expr import Expr, Sym
from ..core.network import BETA1, BETA2, EPS, MU, RATE
from ..core.program import Program
from ..core.quantity import BACKWARD, UPDATE
from ..core.safe_files import atomic_writer
from ..core.text import printable
from .carried import embed_network
from .reader import MAX_CELLS as MAX_READ_CELLS

SHEET = "backprop"
# Every epoch is a row of live formulas; past this a spreadsheet crawls.
MAX_EPOCHS = 100_000
# The format's own limits (Excel's, which LibreOffice shares): a wider or longer sheet cannot be written.
MAX_COLUMNS, MAX_ROWS = 16_384, 1_048_576
# The most cells `check` reads back from a workbook (sheets/reader.py): past it, a workbook would take
# hours and gigabytes to write, and nothing of ours could read it.
MAX_CELLS = MAX_READ_CELLS


class ExportError(ValueError):
    """A run the workbook cannot hold; str() is one line for the user."""


def export_xlsx(net: Network, epochs: int, path: str | Path) -> None:
    """Write `epochs` epochs of `net` as a live workbook; the old file stays until the new one is complete."""
    with atomic_writer(path, "wb") as stream:  # first, so that a bad path fails before any work
        stream.write(workbook_data(net, epochs).getbuffer())


def workbook_data(net: Network, epochs: int):
    """The workbook's bytes (a BytesIO), made in memory to be written at once: when the disk fills,
    openpyxl's own writer would leave its zip archive and worksheet half open on the file, to fail again
    when collected (messages on stderr after ours)."""
    workbook = io.BytesIO()
    build_workbook(Schedule(net), epochs).save(workbook)
    return workbook


def defined_name(symbol: str) -> str:
    """The workbook name of a starting value: w1 -> w_1, lr -> lr, i1[2] -> i1_s2."""
    name = identifier(symbol)
    bare = re.fullmatch(r"([A-Za-z]{1,3})(\d+)", name)
    return f"{bare[1]}_{bare[2]}" if bare else name


def workbook_size(schedule: Schedule, epochs: int) -> tuple[int, int]:
    """The rows and columns build_workbook lays out for `epochs` epochs, counted from the network's shape
    before anything is built: a 100-100-100 network's epoch has 374,401 quantities, and a formula for
    each would take minutes to find out that they do not fit."""
    program = schedule.program(1)
    net = program.net
    start, end = program.phase_bounds(BACKWARD)
    # epoch (and batch and the batch's samples), the columns of train --csv, then the backward pass's
    # other quantities (every one but the trained parameters' gradients, which are columns already)
    samples = schedule.size * (net.sizes[0] + net.sizes[-1]) if schedule.batched else 0
    columns = 1 + schedule.batched + samples + len(program.columns) + (end - start) - len(program.gradient_columns)
    # a title block, the starting values (lr, the parameters, the optimizer's constants and state, and the
    # samples unless they come a batch at a time), a blank line and the header, then a row per update step
    starts = len(program.carried) + (0 if schedule.batched else len(net.samples) * (net.sizes[0] + net.sizes[-1]))
    return 3 + starts + 2 + epochs * schedule.steps_per_epoch, columns


def workbook_refusal(schedule: Schedule, epochs: int) -> str | None:
    """Why the workbook of `epochs` epochs cannot be written, in one line; None if it can."""
    rows = epochs * schedule.steps_per_epoch
    if not 1 <= rows <= MAX_EPOCHS:
        return (f"a workbook holds 1 to {MAX_EPOCHS:,} epochs of live formulas, not {epochs:,}" if not schedule.batched
                else f"a workbook holds 1 to {MAX_EPOCHS:,} rows of live formulas, not {rows:,} "
                     f"({schedule.steps_per_epoch} batches an epoch)")
    lines, columns = workbook_size(schedule, epochs)
    if columns > MAX_COLUMNS:
        per_row = "an update step" if schedule.batched else "an epoch"
        return (f"a workbook has at most {MAX_COLUMNS:,} columns, and {per_row} of this network takes {columns:,} "
                f"(a formula for every value of every sample)")
    if lines > MAX_ROWS:
        return f"a workbook has at most {MAX_ROWS:,} rows, and this one would take {lines:,}"
    if columns * rows > MAX_CELLS:
        return (f"{rows:,} rows of {columns:,} formulas come to {columns * rows:,} cells; a workbook of "
                f"at most {MAX_CELLS:,} is written (fewer epochs, or train --csv for the values)")
    return None


def build_workbook(schedule: Schedule, epochs: int):
    """The run as live formulas, a row per epoch; with batches (core/batches.py), a row per update step,
    with the batch's samples written into the row beside the formulas that read them."""
    refusal = workbook_refusal(schedule, epochs)
    if refusal:
        raise ExportError(refusal)
    # Here, not at the top: openpyxl costs start-up about 0.3 s, and `check sheet.csv` does without it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.workbook.defined_name import DefinedName

    program = schedule.program(1)
    net = schedule.net
    starts = _starting_values(program, schedule.batched)
    backward_rest = [q.symbol for q in program.quantities if q.phase != UPDATE and q.symbol not in program.columns]
    names = program.names
    samples = [s for k in range(schedule.size) for s in names.input_symbols(k) + names.target_symbols(k)
               ] if schedule.batched else []
    columns = ["epoch", *(["batch"] if schedule.batched else []), *samples, *program.columns, *backward_rest]
    # Each batch size's formulas (a smaller last batch has its own); any ExportError comes before the file is begun.
    given = len(columns) - len(program.columns) - len(backward_rest)  # epoch, batch and samples: numbers
    # A full batch's formulas, and the last batch's (the same one, or a smaller one of its own).
    templates = {schedule.batch_size(step): _row_templates(schedule.program(step), columns, given)
                 for step in (1, schedule.steps_per_epoch)}

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
    name = printable(net.name)
    sheet.append([heading(f"backprop-tui: {name}, {'-'.join(map(str, net.sizes))}, "
                          f"{' → '.join(net.activations)}, loss {net.loss}"
                          + (f", batches of {schedule.size} shuffled from seed {net.shuffle_seed}" if schedule.batched else ""))])
    sheet.append(["Change a starting value or the learning rate in column B: every epoch below recomputes."])
    sheet.append([heading("symbol"), heading("value"), heading("what it is")])
    for line, (symbol, value, role) in enumerate(starts, start=4):
        name = defined_name(symbol)
        workbook.defined_names[name] = DefinedName(name, attr_text=f"{SHEET}!$B${line}")
        sheet.append([symbol, value, f"{role} (named {name})"])
    sheet.append([])
    sheet.append([heading(symbol) for symbol in columns])
    for step in range(1, epochs * schedule.steps_per_epoch + 1):
        line = header_line + step
        first_row, later_rows = templates[schedule.batch_size(step)]
        epoch, batch = schedule.place(step)
        given = [epoch]
        if schedule.batched:
            numbers = schedule.samples_env(step)
            given += [batch, *(numbers.get(symbol) for symbol in samples)]
        sheet.append(given + [template and template.format(row=line, above=line - 1)
                              for template in (first_row if step == 1 else later_rows)])
    embed_network(workbook, net)  # `check` on the workbook needs no options
    return workbook


def _row_templates(program: Program, columns: list[str], given: int) -> tuple[list, list]:
    """The formulas of the first row and of every later one, for the columns after the first `given`
    (which hold numbers), with {row} and {above} for row numbers; None where `program` (a smaller
    last batch) has no such quantity.

    Spreadsheet formulas never contain braces, so str.format fills in the numbers safely.
    """
    from openpyxl.utils import get_column_letter  # here, as in build_workbook

    letter = {symbol: get_column_letter(n + 1) for n, symbol in enumerate(columns)}
    carried = set(program.carried)
    quantities = {q.symbol: q for q in program.quantities if q.phase != UPDATE}
    # The update phase: each carried value's update, formulas over the row above, except that a value the
    # phase has already updated (momentum's v, Adam's t, m and v, read by the step) is this row's own; the
    # step's own values (Adam's m̂ and v̂) are written into the formulas that read them.
    updates, inline, new, updated_before = {}, {}, set(), {}
    for q in program.quantities:
        if q.phase != UPDATE:
            continue
        if q.symbol in carried:
            updates[q.symbol], updated_before[q.symbol] = q, set(new)
            new.add(q.symbol)
        else:
            inline[q.symbol] = q.expr

    def here(symbol):  # a batch's samples are in its row; without batches, inputs and targets are named cells
        return f"{letter[symbol]}{{row}}" if symbol in letter else defined_name(symbol)

    def update_formula(symbol: str) -> str:
        mine = updated_before[symbol]
        return "=" + excel_formula(inlined(updates[symbol].expr, inline),
                                   lambda s: f"{letter[s]}{{row}}" if s in mine else f"{letter[s]}{{above}}")

    def formula(symbol: str, later: bool):
        if symbol in carried:
            if later and symbol in updates:
                return update_formula(symbol)
            return f"={defined_name(symbol)}"
        return "=" + excel_formula(quantities[symbol].expr, here) if symbol in quantities else None

    shown = columns[given:]
    return [formula(symbol, False) for symbol in shown], [formula(symbol, True) for symbol in shown]


def _starting_values(program: Program, batched: bool) -> list[tuple[str, float, str]]:
    """lr, the samples (unless they come a batch at a time, in the rows) and the starting parameters."""
    net = program.net
    rows = [("lr", float(net.start.lr), "learning rate")]
    for s in range(0 if batched else len(net.samples)):
        sample = f" of sample {s + 1}" if len(net.samples) > 1 else ""
        inputs, targets = net.names.input_symbols(s), net.names.target_symbols(s)
        rows += [(symbol, value, "input" + sample) for symbol, value in zip(inputs, net.samples[s].inputs)]
        rows += [(symbol, value, "target" + sample) for symbol, value in zip(targets, net.samples[s].targets)]
    weights = set(net.names.weights)
    trained = weights | (set(net.names.biases) if net.train_bias else set())
    for symbol, value in net.parameters().items():
        kind = "weight" if symbol in weights else "bias"
        rows.append((symbol, value, f"starting {kind}" if symbol in trained else f"{kind}, not trained"))
    rows += [(symbol, value, HYPERPARAMETER_ROLES[symbol]) for symbol, value in net.hyperparameters().items()]
    rows += [(symbol, 0.0, "the optimizer's starting state") for symbol in net.names.state]
    return rows


HYPERPARAMETER_ROLES = {RATE: "regularization rate", MU: "momentum", BETA1: "Adam's β1", BETA2: "Adam's β2",
                        EPS: "Adam's ε"}


def inlined(expr: Expr, inline: dict[str, Expr]) -> Expr:
    """`expr` with each symbol of `inline` replaced by its own expression (itself inlined in turn)."""
    if isinstance(expr, Sym):
        return inlined(inline[expr.name], inline) if expr.name in inline else expr
    children = expr.children()
    return expr.with_children([inlined(child, inline) for child in children]) if children else expr


def excel_formula(expr: Expr, ref) -> str:
    """An expression tree as spreadsheet formula text; `ref(symbol)` gives a symbol's cell or name.

    Each node writes its own (core/expr.py), beside its Python source: the workbook computes
    what the app computes."""
    try:
        return expr.excel(ref)[0]
    except NotImplementedError as error:
        raise ExportError(str(error)) from None

