"""Column names: the spellings of the worked examples, mapped to our symbols.

A header cell names a column by any common spelling.  Case, spaces, `_`, `-`,
`.`, brackets ( ) and the derivative marks ∂ 𝟃 δ are ignored, and in a
fraction a leading d on either side is too, so dE/dw1, ∂E/∂w1, E_total/w1 and
dE_total/dw1 all name the same column.  Besides our own symbols:

| our symbol            | also written                                         |
|-----------------------|------------------------------------------------------|
| lr                    | η, eta, learning rate, alpha, α                      |
| i1                    | x1                                                   |
| t1                    | target1                                              |
| h1, h2_1 (any sum)    | H1                                                   |
| o1                    | y1                                                   |
| a_h1 (any output)     | out_h1, h1out, H1out, a_o1: out_o1, y1out, out_y1    |
| E_total               | E, E_tot, Etot, E_Total, total error, error, loss    |
| dE_total/dw1          | ∂E/∂w1, dE/dw1, E_total/w1, ∂E_total/∂w1, dEtot/dw1  |
| dE_total/da_h1        | ∂E/∂H1out, dE/dout_h1, …                             |
| da_h1/dh1             | ∂H1out/∂H1, dout_h1/dh1, …                           |
| (the epoch)           | epoch, iteration, iter, row, step, #                 |

Every symbol of an epoch can be a column: the starting values (lr, weights,
biases, inputs, targets), every forward value and every backward one,
including those of one sample (h1[2], dE_total/dw1[2]).  A spelling that
could mean two symbols of the network means neither; the exact symbol always
works.  The epoch column, when there is one, numbers the rows (from 1, rising,
gaps allowed); without it the rows are epochs 1, 2, 3, …

A network that learns in mini-batches (core/batches.py) has a row per update
step: its sheet needs an epoch and a `batch` column, which together name the
step (rising, gaps allowed).  Only such a network knows the batch column.

The header is the first row that names two or more known columns (or, failing
that, the first that names one), so a title or a block of starting values may
sit above it; it is looked for in the first MAX_HEADER_ROW rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.program import Program
from ..core.quantity import UPDATE
from .reader import Number, SheetError, Table, parse_number, quote_cell, read_table

EPOCH = "epoch"  # stands for the epoch column in a header's mapping
BATCH = "batch"  # stands for the batch column, which only a batched network's sheet has
MAX_EPOCH = 1_000_000  # the checker runs the network up to the last epoch named
# The header is looked for in the first rows only (and they are kept, for the starting values above it):
# a title block is a few rows, and a file without a header is not read to its end to find one.
MAX_HEADER_ROW = 1_000

# The one table of column names: `check --help` and docs/command-line.md's table are made from it (a test
# keeps that page in step).  {n} is a neuron's number (2_1 in deeper networks), {name} any
# neuron's name.  Every spelling also works inside a derivative and for one sample (h1[2]).
ALIASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lr", ("η", "eta", "learning rate", "alpha", "α", "ղ")),  # ղ is seed 004's way of writing η
    ("i{n}", ("x{n}",)),
    ("t{n}", ("target{n}",)),
    ("h{n}", ("net_h{n}",)),  # net h1, net o1: Matt Mazur's names for the sums
    ("o{n}", ("y{n}", "net_o{n}", "net_y{n}")),
    ("a_{name}", ("out_{name}", "{name}_out")),
    ("E_total", ("E", "E_tot", "Etot", "total error", "error", "loss")),
    (EPOCH, ("epochs", "iteration", "iter", "row", "step", "#")),
)
# How a derivative may be written: any of these forms, with any spelling above on either side.
DERIVATIVE_EXAMPLES = ("∂E/∂w1", "dE/dw1", "E_total/w1", "∂E_total/∂w1", "∂E/∂out_h1", "∂out_h1/∂net_h1")
IGNORED_MARKS = "_-.()*'∂𝟃δ"
_ALIAS = dict(ALIASES)
E_TOTAL_SPELLINGS = ("E_total", *_ALIAS["E_total"])
LR_SPELLINGS = ("lr", *_ALIAS["lr"])
EPOCH_SPELLINGS = (EPOCH, *_ALIAS[EPOCH])

_IGNORED = str.maketrans("", "", IGNORED_MARKS)


def spelling_key(text: str) -> str:
    """What is left of a header once the ignored marks are gone: dE/dw1 and ∂E/∂W1 give 'e/w1'."""
    key = "".join(text.split()).casefold().translate(_IGNORED)
    if key.count("/") == 1:
        top, bottom = key.split("/")
        key = _without_d(top) + "/" + _without_d(bottom)
    return key


def _without_d(part: str) -> str:
    # No symbol starts with d, so a leading d can only be the derivative's.
    return part[1:] if part.startswith("d") and len(part) > 1 else part


def _term_spellings(term: str) -> set[str]:
    if term == "E_total":
        return set(E_TOTAL_SPELLINGS)
    output = re.fullmatch(r"a_(.+)", term)
    if output:
        return {form.format(name=name) for name in _term_spellings(output[1])
                for form in ("a_{name}", *_ALIAS["a_{name}"])}
    numbered = re.fullmatch(r"([a-z])(\d+(?:_\d+)*)", term)
    if numbered and f"{numbered[1]}{{n}}" in _ALIAS:
        return {term} | {form.format(n=numbered[2]) for form in _ALIAS[f"{numbered[1]}{{n}}"]}
    return {term}


def alias_rows() -> list[tuple[str, str]]:
    """The alias table for people: each symbol as the first neuron writes it, and its other spellings."""
    rows = []
    for symbol, others in ALIASES:
        if symbol == "a_{name}":
            shown = "a_h1, a_o1"
            forms = "; ".join(", ".join(form.format(name=name) for form in others) for name in ("h1", "o1"))
        else:
            shown = "(the epoch)" if symbol == EPOCH else symbol.format(n=1)
            forms = ", ".join(form.format(n=1) for form in ((EPOCH, *others) if symbol == EPOCH else others))
        rows.append((shown, forms))
        if symbol == "E_total":
            rows.append(("dE_total/dw1", ", ".join(DERIVATIVE_EXAMPLES)))
    return rows


def ignored_marks_text() -> str:
    return " ".join(IGNORED_MARKS)


def alias_markdown() -> str:
    """docs/command-line.md's section on column names, made from the table above."""
    lines = [f"Column names: case, spaces and the marks `{ignored_marks_text()}` are ignored (so `H1out` is",
             "`h1_out`), and so is the d of a derivative. Every name below works for every neuron, weight and",
             "sample (`net_h2`, `∂E/∂w7`, `h1[2]`); without an epoch column, the rows are epochs 1, 2, 3, …", "",
             "| symbol | also written |", "|---|---|"]
    lines += [f"| {symbol} | {forms} |" for symbol, forms in alias_rows()]
    return "\n".join(lines) + "\n"


def alias_help() -> str:
    """The same for `check --help`."""
    lines = [f"Case, spaces and the marks {ignored_marks_text()} are ignored (so H1out is h1_out), and so is",
             "the d of a derivative;",
             "every name works for every neuron, weight and sample (net_h2, ∂E/∂w7, h1[2]):"]
    lines += [f"  {symbol}: {forms}" for symbol, forms in alias_rows()]
    return "\n".join(lines)


def spellings(symbol: str) -> set[str]:
    """The ways a sheet may write `symbol`, before spelling_key folds them."""
    if symbol == "lr":
        return set(LR_SPELLINGS)
    suffix = re.search(r"\[\d+\]$", symbol)
    sample = suffix[0] if suffix else ""
    base = symbol[: len(symbol) - len(sample)]
    if "/" in base:
        top, bottom = base.split("/", 1)
        return {f"d{a}/d{b}{sample}" for a in _term_spellings(top[1:]) for b in _term_spellings(bottom[1:])}
    return {form + sample for form in _term_spellings(base)}


class Columns:
    """Which symbol of one network a header cell names."""

    def __init__(self, program: Program, steps_per_epoch: int = 1):
        symbols = list(program.free) + [q.symbol for q in program.quantities if q.phase != UPDATE]
        self.exact = set(symbols)
        meanings: dict[str, set[str]] = {}
        for symbol in symbols:
            for spelling in spellings(symbol) | {symbol}:
                meanings.setdefault(spelling_key(spelling), set()).add(symbol)
        for spelling in EPOCH_SPELLINGS:
            meanings.setdefault(spelling_key(spelling), set()).add(EPOCH)
        # With batches a row is one update step, named by its epoch and its batch (1 to steps_per_epoch).
        self.steps_per_epoch = steps_per_epoch
        if steps_per_epoch > 1:
            meanings.setdefault(spelling_key(BATCH), set()).add(BATCH)
        self.network = program.net.name
        self.by_key = {key: next(iter(found)) for key, found in meanings.items() if len(found) == 1}
        self.free = list(program.free)

    def symbol(self, text: str) -> str | None:
        """The symbol `text` names, EPOCH for the epoch column, None if it names nothing known."""
        text = text.strip()
        if text in self.exact:
            return text
        return self.by_key.get(spelling_key(text))


@dataclass(frozen=True)
class SheetRow:
    epoch: int
    line: int  # the row's number in the file, 1-based, as a spreadsheet shows it
    cells: dict[str, Number]
    batch: int = 1  # the update step's batch in its epoch: 1 without batches


@dataclass(frozen=True)
class Sheet:
    path: str
    kind: str
    header_line: int
    columns: dict[str, tuple[int, str]]  # symbol -> (column index, header as written)
    rows: SheetRows  # read again from the file on every pass
    # Starting values given above the header (η = 0.05): symbol -> (number, its cell, its label)
    given: dict[str, tuple[Number, str, str]] = field(default_factory=dict)

    def cell(self, symbol: str, line: int) -> str:
        """A cell's address, as a spreadsheet writes it: C7."""
        if symbol not in self.columns:
            return self.given[symbol][1]
        return cell_address(self.columns[symbol][0], line)

    def header(self, symbol: str) -> str:
        """How the sheet names `symbol`: its column's header, or its label above the header."""
        return self.columns[symbol][1] if symbol in self.columns else self.given[symbol][2]

    def first_row(self) -> SheetRow | None:
        """The first row under the header (read alone: the rest of the sheet is not)."""
        return next(iter(self.rows), None)


def cell_address(column: int, line: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{line}"


def read_sheet(path: str | Path, program: Program, steps_per_epoch: int = 1) -> Sheet:
    """A student's sheet, its columns named by our symbols and its rows numbered by epoch (and batch,
    when an epoch has `steps_per_epoch` update steps)."""
    table = read_table(path)
    return sheet_from_table(str(path), table, Columns(program, steps_per_epoch))


def sheet_from_table(path: str, table: Table, names: Columns) -> Sheet:
    """The sheet's header, its columns and the starting values above it; its rows are read, and each is
    checked, as `rows` is read."""
    found = _find_header(table.rows, names)
    if found is None:
        raise SheetError(f"{path}: no header row names a column of this network (such as w1, h1, E_total) "
                         f"in its first {MAX_HEADER_ROW:,} rows; see `backprop-tui check --help` for the spellings")
    above, header = found
    at = len(above)
    columns, epoch_column, batch_column = _name_columns(path, header, at + 1, names)
    if not columns:
        raise SheetError(f"{path}: the header names only the epoch; there is no column to check")
    if names.steps_per_epoch > 1 and (epoch_column is None or batch_column is None):
        missing = " and ".join(name for name, column in ((EPOCH, epoch_column), (BATCH, batch_column))
                               if column is None)
        raise SheetError(f"{path}: {names.network} learns in mini-batches, a row per update step, so the header "
                         f"needs an epoch and a batch column; it has no {missing} column")
    rows = SheetRows(path, table, at, header, columns, epoch_column, batch_column, names.steps_per_epoch)
    given = _given(above, table.decimal_comma, names, set(names.free) - set(columns))
    return Sheet(path, table.kind, at + 1, columns, rows, given)


class SheetRows:
    """The rows under a sheet's header as SheetRows, read again from the table on every pass and checked
    as they come: a cell that is not a number, a stray cell, epochs that do not rise."""

    def __init__(self, path: str, table: Table, at: int, header, columns, epoch_column, batch_column,
                 steps_per_epoch: int):
        self.path, self.table, self.at, self.header = path, table, at, header
        self.width = max(n for n, cell in enumerate(header) if cell is not None) + 1
        self.columns, self.epoch_column, self.batch_column = columns, epoch_column, batch_column
        self.steps_per_epoch = steps_per_epoch

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __iter__(self):
        path, table, header, width = self.path, self.table, self.header, self.width
        last, count, numbers = None, 0, False
        for n, row in enumerate(table.rows):
            if n <= self.at or all(cell is None for cell in row):
                continue
            line = n + 1
            if table.kind == "csv" and len(row) < width:
                raise SheetError(f"{path}: row {line} has {len(row)} cells, the header has {width}")
            stray = next((c for c, cell in enumerate(row)
                          if cell is not None and (c >= width or header[c] is None)), None)
            if stray is not None:
                raise SheetError(f"{path}: cell {cell_address(stray, line)} holds {quote_cell(row[stray])} "
                                 "but its column has no name")
            cells = {}
            for symbol, (column, _) in self.columns.items():
                number = _number(path, _cell(row, column), table.decimal_comma, column, line, symbol)
                if number is not None:
                    cells[symbol] = number
            numbers = numbers or bool(cells)
            if self.batch_column is None:
                epoch = _epoch(path, row, self.epoch_column, table.decimal_comma, line, last, count)
                last = SheetRow(epoch, line, cells)
            else:
                epoch, batch = _step(path, row, self.epoch_column, self.batch_column, table.decimal_comma, line,
                                     last, self.steps_per_epoch)
                last = SheetRow(epoch, line, cells, batch)
            count += 1
            yield last
        if not numbers:
            hint = ("; if a program wrote this workbook, open it in Excel or LibreOffice and save it, "
                    "so that its formulas get values" if table.kind == "xlsx" else "")
            raise SheetError(f"{path}: no numbers under the header in row {self.at + 1}{hint}")


def _cell(row, column: int):
    """A row's cell; a row is as long as its last cell, so one beyond it is blank."""
    return row[column] if column < len(row) else None


_LABELLED = re.compile(r"\s*(.+?)\s*[=:]\s*(\S+)\s*")


def _given(rows, decimal_comma: bool, names: Columns, wanted: set[str]) -> dict[str, tuple[Number, str, str]]:
    """Starting values in a title block: a label and its number side by side, or `η = 0.05` in one cell.

    Only the network's starting values (lr, weights, biases, inputs, targets) are read, and only those
    the table has no column for; anything else above the header is a title and is left alone.
    """
    given = {}
    for n, row in enumerate(rows):
        for column, cell in enumerate(row):
            if not isinstance(cell, str):
                continue
            label, text = cell, row[column + 1] if column + 1 < len(row) else None
            where = cell_address(column + 1, n + 1)
            match = _LABELLED.fullmatch(cell)
            if names.symbol(cell) is None and match:
                label, text, where = match[1], match[2], cell_address(column, n + 1)
            symbol = names.symbol(label)
            if symbol not in wanted or symbol in given:
                continue
            try:
                number = parse_number(text, decimal_comma)
            except ValueError:
                continue
            if number is not None:
                given[symbol] = (number, where, label.strip())
    return given


def _find_header(rows, names: Columns) -> tuple[list, tuple] | None:
    """(the rows above the header, the header): the first row that names two known columns and holds no
    number, or failing that the first that names one; within the first MAX_HEADER_ROW rows, which are
    all that is read to find it."""
    above, first_with_one = [], None
    for row in rows:
        known = sum(1 for cell in row if isinstance(cell, str) and names.symbol(cell) is not None)
        if known >= 2 and not any(_is_number(cell) for cell in row):  # not a row of given values: lr, 0.5, …
            return above, row
        if known == 1 and first_with_one is None:
            first_with_one = len(above)
        above.append(row)
        if len(above) == MAX_HEADER_ROW:
            break
    if first_with_one is None:
        return None
    return above[:first_with_one], above[first_with_one]


def _is_number(cell) -> bool:
    try:
        return parse_number(cell) is not None
    except ValueError:
        return False


# What `train --csv` writes after a row's own quantities: measures of the run, not a student's working, so
# `check` reads past them (test_E_total, accuracy, test_accuracy, mean_abs_dE_dw_L1, ...).
MEASURE = re.compile(r"(test_E_total|accuracy|test_accuracy|mean_abs_dE_dw_L\d+)")


def is_measure(cell: str) -> bool:
    return MEASURE.fullmatch(cell.strip()) is not None


def _name_columns(path: str, header, line: int, names: Columns):
    columns: dict[str, tuple[int, str]] = {}
    epoch_column = batch_column = None
    for column, cell in enumerate(header):
        if cell is None:
            continue
        where = cell_address(column, line)
        if not isinstance(cell, str):
            raise SheetError(f"{path}: header cell {where} holds the number {cell!r}; expected a column name")
        if is_measure(cell):
            continue
        symbol = names.symbol(cell)
        if symbol is None:
            raise SheetError(f"{path}: unknown column {quote_cell(cell.strip())} in {where}; "
                             "see `backprop-tui check --help` for the names a column may have")
        if symbol == EPOCH:
            if epoch_column is not None:
                raise SheetError(f"{path}: two epoch columns, {cell_address(epoch_column, line)} and {where}")
            epoch_column = column
        elif symbol == BATCH:
            if batch_column is not None:
                raise SheetError(f"{path}: two batch columns, {cell_address(batch_column, line)} and {where}")
            batch_column = column
        elif symbol in columns:
            other, text = columns[symbol]
            raise SheetError(f"{path}: columns {cell_address(other, line)} ({quote_cell(text)}) and {where} ({quote_cell(cell.strip())}) "
                             f"both mean {symbol}")
        else:
            columns[symbol] = (column, cell.strip())
    return columns, epoch_column, batch_column


def _number(path, cell, decimal_comma, column, line, what) -> Number | None:
    try:
        return parse_number(cell, decimal_comma)
    except ValueError as error:
        raise SheetError(f"{path}: cell {cell_address(column, line)} ({what}): {error}") from None


def _epoch(path, row, column, decimal_comma, line, last: SheetRow | None, count: int) -> int:
    """The epoch a row names; without an epoch column, rows are epochs 1, 2, 3, … (`count` came before)."""
    if column is None:
        return count + 1
    epoch = _whole(path, row, column, decimal_comma, line, EPOCH, MAX_EPOCH)
    where = cell_address(column, line)
    if last is not None and epoch <= last.epoch:
        raise SheetError(f"{path}: cell {where}: epoch {epoch} comes after epoch {last.epoch}; "
                         "the epochs must rise (one learning rate per sheet)")
    return epoch


def _whole(path, row, column, decimal_comma, line, what: str, most: int) -> int:
    """The epoch or the batch a row names: a whole number from 1 to `most`."""
    number = _number(path, _cell(row, column), decimal_comma, column, line, what)
    where = cell_address(column, line)
    if number is None:
        raise SheetError(f"{path}: cell {where} has no {what} number")
    if not (number.value.is_integer() and 1 <= number.value <= most):
        raise SheetError(f"{path}: cell {where}: the {what} must be a whole number from 1 to {most:,}, "
                         f"got {number.text}")
    return int(number.value)


def _step(path, row, epoch_column, batch_column, decimal_comma, line, last: SheetRow | None,
          steps_per_epoch: int) -> tuple[int, int]:
    """The (epoch, batch) of a batched sheet's row: the update steps rise down the sheet, as the run takes them."""
    # The checker runs every step up to the last one named, a step at a time: MAX_EPOCH bounds the steps.
    epoch = _whole(path, row, epoch_column, decimal_comma, line, EPOCH, max(1, MAX_EPOCH // steps_per_epoch))
    batch = _whole(path, row, batch_column, decimal_comma, line, BATCH, steps_per_epoch)
    if last is not None and (epoch, batch) <= (last.epoch, last.batch):
        raise SheetError(f"{path}: row {line}: epoch {epoch} · batch {batch} comes after epoch {last.epoch} · batch "
                         f"{last.batch}; the update steps must rise (one learning rate per sheet)")
    return epoch, batch
