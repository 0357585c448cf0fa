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

The header is the first row that names two or more known columns (or, failing
that, the first that names one), so a title or a block of starting values may
sit above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core.program import UPDATE, Program
from .reader import Number, SheetError, Table, parse_number, quote_cell, read_table

EPOCH = "epoch"  # stands for the epoch column in a header's mapping
MAX_EPOCH = 1_000_000  # the checker runs the network up to the last epoch named

E_TOTAL_SPELLINGS = ("E_total", "E", "E_tot", "Etot", "total error", "error", "loss")
# ղ is seed 004's way of writing η.
LR_SPELLINGS = ("lr", "η", "eta", "learning rate", "alpha", "α", "ղ")
EPOCH_SPELLINGS = ("epoch", "epochs", "iteration", "iter", "row", "step", "#")

_IGNORED = str.maketrans("", "", "_-.()*'∂𝟃δ")


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
        return {form for name in _term_spellings(output[1]) for form in (f"a_{name}", f"out_{name}", f"{name}_out")}
    letter = re.fullmatch(r"([iot])(\d+)", term)
    if letter:
        return {term, {"i": "x", "o": "y", "t": "target"}[letter[1]] + letter[2]}
    return {term}


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

    def __init__(self, program: Program):
        symbols = list(program.free) + [q.symbol for q in program.quantities if q.phase != UPDATE]
        self.exact = set(symbols)
        meanings: dict[str, set[str]] = {}
        for symbol in symbols:
            for spelling in spellings(symbol) | {symbol}:
                meanings.setdefault(spelling_key(spelling), set()).add(symbol)
        for spelling in EPOCH_SPELLINGS:
            meanings.setdefault(spelling_key(spelling), set()).add(EPOCH)
        self.by_key = {key: next(iter(found)) for key, found in meanings.items() if len(found) == 1}

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


@dataclass(frozen=True)
class Sheet:
    path: str
    kind: str
    header_line: int
    columns: dict[str, tuple[int, str]]  # symbol -> (column index, header as written)
    rows: list[SheetRow]

    def cell(self, symbol: str, line: int) -> str:
        """A cell's address, as a spreadsheet writes it: C7."""
        return cell_address(self.columns[symbol][0], line)


def cell_address(column: int, line: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{line}"


def read_sheet(path: str | Path, program: Program) -> Sheet:
    """A student's sheet, its columns named by our symbols and its rows numbered by epoch."""
    table = read_table(path)
    return sheet_from_table(str(path), table, Columns(program))


def sheet_from_table(path: str, table: Table, names: Columns) -> Sheet:
    rows = table.rows
    at = _find_header(rows, names)
    if at is None:
        raise SheetError(f"{path}: no header row names a column of this network (such as w1, h1, E_total); "
                         "see `backprop-tui check --help` for the spellings")
    header = rows[at]
    width = max(n for n, cell in enumerate(header) if cell is not None) + 1
    columns, epoch_column = _name_columns(path, header, at + 1, names)
    if not columns:
        raise SheetError(f"{path}: the header names only the epoch; there is no column to check")
    sheet_rows: list[SheetRow] = []
    for n in range(at + 1, len(rows)):
        row, line = rows[n], n + 1
        if all(cell is None for cell in row):
            continue
        if table.kind == "csv" and len(row) < width:
            raise SheetError(f"{path}: row {line} has {len(row)} cells, the header has {width}")
        stray = next((c for c, cell in enumerate(row) if cell is not None and (c >= width or header[c] is None)), None)
        if stray is not None:
            raise SheetError(f"{path}: cell {cell_address(stray, line)} holds {quote_cell(row[stray])} but its column has no name")
        cells = {}
        for symbol, (column, _) in columns.items():
            number = _number(path, row[column], table.decimal_comma, column, line, symbol)
            if number is not None:
                cells[symbol] = number
        epoch = _epoch(path, row, epoch_column, table.decimal_comma, line, sheet_rows)
        sheet_rows.append(SheetRow(epoch, line, cells))
    if not any(row.cells for row in sheet_rows):
        hint = ("; if a program wrote this workbook, open it in Excel or LibreOffice and save it, "
                "so that its formulas get values" if table.kind == "xlsx" else "")
        raise SheetError(f"{path}: no numbers under the header in row {at + 1}{hint}")
    return Sheet(path, table.kind, at + 1, columns, sheet_rows)


def _find_header(rows, names: Columns) -> int | None:
    first_with_one = None
    for n, row in enumerate(rows):
        known = sum(1 for cell in row if isinstance(cell, str) and names.symbol(cell) is not None)
        if known >= 2:
            return n
        if known == 1 and first_with_one is None:
            first_with_one = n
    return first_with_one


def _name_columns(path: str, header, line: int, names: Columns):
    columns: dict[str, tuple[int, str]] = {}
    epoch_column = None
    for column, cell in enumerate(header):
        if cell is None:
            continue
        where = cell_address(column, line)
        if not isinstance(cell, str):
            raise SheetError(f"{path}: header cell {where} holds the number {cell!r}; expected a column name")
        symbol = names.symbol(cell)
        if symbol is None:
            raise SheetError(f"{path}: unknown column {quote_cell(cell.strip())} in {where}; "
                             "see `backprop-tui check --help` for the names a column may have")
        if symbol == EPOCH:
            if epoch_column is not None:
                raise SheetError(f"{path}: two epoch columns, {cell_address(epoch_column, line)} and {where}")
            epoch_column = column
        elif symbol in columns:
            other, text = columns[symbol]
            raise SheetError(f"{path}: columns {cell_address(other, line)} ({quote_cell(text)}) and {where} ({quote_cell(cell.strip())}) "
                             f"both mean {symbol}")
        else:
            columns[symbol] = (column, cell.strip())
    return columns, epoch_column


def _number(path, cell, decimal_comma, column, line, what) -> Number | None:
    try:
        return parse_number(cell, decimal_comma)
    except ValueError as error:
        raise SheetError(f"{path}: cell {cell_address(column, line)} ({what}): {error}") from None


def _epoch(path, row, column, decimal_comma, line, earlier: list[SheetRow]) -> int:
    if column is None:
        return len(earlier) + 1
    number = _number(path, row[column], decimal_comma, column, line, EPOCH)
    where = cell_address(column, line)
    if number is None:
        raise SheetError(f"{path}: cell {where} has no epoch number")
    if not (number.value.is_integer() and 1 <= number.value <= MAX_EPOCH):
        raise SheetError(f"{path}: cell {where}: the epoch must be a whole number from 1 to {MAX_EPOCH:,}, "
                         f"got {number.text}")
    epoch = int(number.value)
    if earlier and epoch <= earlier[-1].epoch:
        raise SheetError(f"{path}: cell {where}: epoch {epoch} comes after epoch {earlier[-1].epoch}; "
                         "the epochs must rise (one learning rate per sheet)")
    return epoch
