"""Reading a student's sheet: a CSV or XLSX file into rows of raw cells.

Nothing here knows about networks.  A cell comes back as None (blank), text
(str; every CSV cell is text, so a number keeps the digits it was printed with)
or a float (an XLSX number).  `parse_number` turns a cell into a `Number` that
remembers its printed precision.

Every problem raises SheetError with one line for the user; reading only ever
opens the file for reading.  A sheet is read a row at a time, again on each pass
(check.py makes one per network it checks against), and never held whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..core.precision import SPELLED, printed_half_unit, read_number
from ..core.safe_files import open_regular

# A class's sheet is a few hundred rows; these keep a wrong file (a log, a
# database dump) from filling the memory or the afternoon.
MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
# An XLSX is a zip of XML: what its parts unpack to is bounded before any is read (a 1.5 MB
# workbook can hold a 1.5 GB cell), and so are the cells the rows hold, whatever size the
# sheet claims for itself (a stray cell at XFD1048576 claims a billion).
MAX_UNPACKED_BYTES = 128 * 1024 * 1024
MAX_CELLS = 20_000_000
# A sheet's line is a row of at most MAX_COLUMNS cells; a longer one is refused as it is read, before a
# record of millions of cells is built from it.
MAX_LINE = 2**20
CHUNK_BYTES = 2**16  # what a pass reads at a time
# A message quotes a cell, it does not reproduce it.
QUOTE_LENGTH = 40
# No number a student writes is longer; a longer "number" is a pasted mistake.
MAX_NUMBER_TEXT = 100


class SheetError(ValueError):
    """A sheet that cannot be read; str() is one line for the user."""


@dataclass(frozen=True)
class Table:
    """A sheet's rows of raw cells.  `rows` is read again from the file on every pass (a list does too),
    a row at a time: a sheet of 200,000 rows is never held whole, in any form (issue 18).  A row is as
    long as its last cell: rows are not padded to the widest."""

    kind: str  # "csv" or "xlsx"
    rows: Iterable[tuple[str | float | None, ...]]
    decimal_comma: bool = False  # a CSV separated by ; or tabs may write 0,5 for 0.5


class Number(NamedTuple):  # a tuple, not a dataclass: a big sheet makes millions of them
    value: float
    text: str  # as the sheet shows it
    half_unit: float  # half a unit in the last printed digit; 0 for an exact value


def read_table(path: str | Path) -> Table:
    """The sheet at `path`, read through once to check it: its encoding, its rows and their lengths, their
    count; each later pass over `rows` reads it again."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise SheetError(f"{path} is not a file")
        with open_regular(path) as stream:
            head = stream.read(8)
    except OSError as error:
        raise SheetError(f"cannot read {path}: {error.strerror or error}") from None
    if size == 0:
        raise SheetError(f"{path} is empty")
    if size > MAX_BYTES:
        raise SheetError(f"{path} is {size / 2**20:.0f} MB; sheets of up to {MAX_BYTES // 2**20} MB are checked")
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if suffix == ".ods":
            raise SheetError(f"{path} is an OpenDocument spreadsheet; save it as .xlsx or .csv")
        return _read_xlsx(path)
    if suffix in (".xlsx", ".xlsm"):
        raise SheetError(f"{path} is not an XLSX workbook (an .xlsx file is a zip archive; this one is not)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(f"{path} is an old binary Excel file (.xls); save it as .xlsx or .csv")
    return _read_csv(path)


@contextmanager
def _opened(path: Path):
    """The file for reading in binary, as SheetError if it is gone or is no longer a regular file."""
    try:
        with open_regular(path, MAX_BYTES) as stream:
            yield stream
    except OSError as error:
        raise SheetError(f"cannot read {path}: {error.strerror or error}") from None


_CP1252_UNDEFINED = bytes((0x81, 0x8D, 0x8F, 0x90, 0x9D))


def _encoding(path: Path) -> str:
    """UTF-16 (Excel's "Unicode text" export, by its byte order mark), else UTF-8, else Windows-1252, which
    Excel on Windows saves CSV in (no symbol we know needs more); the file is read a chunk at a time."""
    with _opened(path) as stream:
        if stream.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16"
        stream.seek(0)
        utf8, cp1252 = codecs.getincrementaldecoder("utf-8")(), True
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            if b"\x00" in chunk:
                raise SheetError(f"{path} holds binary data; expected a CSV or XLSX sheet")
            if utf8 is not None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = None
            cp1252 = cp1252 and not any(byte in chunk for byte in _CP1252_UNDEFINED)
    if utf8 is not None:
        try:
            utf8.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if cp1252:
        return "cp1252"
    raise SheetError(f"{path} is not text in UTF-8, UTF-16 or Windows-1252")


class _CsvRows:
    """The records of a CSV file, read again on each pass, one line of at most MAX_LINE characters at a
    time: a record costs what it holds, and a file of too many rows or cells stops at the limit."""

    def __init__(self, path: Path, encoding: str, delimiter: str):
        self.path, self.encoding, self.delimiter = path, encoding, delimiter

    def lines(self, stream):
        path = self.path
        text = io.TextIOWrapper(stream, encoding=self.encoding, newline="")
        try:
            while line := text.readline(MAX_LINE + 1):
                if len(line) > MAX_LINE:
                    raise SheetError(f"{path} has a line of over {MAX_LINE:,} characters; that is not a sheet")
                if "\x00" in line:
                    raise SheetError(f"{path} holds binary data; expected a CSV or XLSX sheet")
                yield line
        except UnicodeDecodeError:  # the file changed since it was first read
            raise SheetError(f"{path} is not text in UTF-8, UTF-16 or Windows-1252") from None

    def __iter__(self):
        path, count = self.path, 0
        with _opened(path) as stream:
            try:
                for record in csv.reader(self.lines(stream), delimiter=self.delimiter, strict=True):
                    if count == MAX_ROWS:
                        raise SheetError(f"{path} has more than {MAX_ROWS:,} rows; that many are not checked")
                    count += 1
                    if len(record) > MAX_COLUMNS:
                        raise SheetError(f"{path}: row {count} has {len(record):,} cells; "
                                         f"at most {MAX_COLUMNS:,} columns are checked")
                    yield tuple(cell if cell.strip() else None for cell in record)
            except csv.Error as error:
                raise SheetError(f"{path}: malformed CSV in row {count + 1}: {error}") from None


def _read_csv(path: Path) -> Table:
    encoding = _encoding(path)
    with _opened(path) as stream:
        first = next((line for line in _CsvRows(path, encoding, ",").lines(stream) if line.strip()), "")
    if not first:
        raise SheetError(f"{path} has no rows")
    delimiter = max(",;\t", key=first.count)
    rows = _CsvRows(path, encoding, delimiter)
    # The first pass: every record well formed and within the limits, and how the numbers are written.
    commas = _DecimalCommas() if delimiter == "," else None
    for row in rows:
        if commas is not None:
            commas.read(row)
    return Table("csv", rows, decimal_comma=delimiter != "," or commas.found())


_COMMA_NUMBER = re.compile(r"[+\-−]?\d*,\d+(?:[eE][+-]?\d+)?")
_POINT_NUMBER = re.compile(r"[+\-−]?\d*\.\d+(?:[eE][+-]?\d+)?")


class _DecimalCommas:
    """Whether a comma-separated file writes its numbers quoted with decimal commas ("0,5"), as European
    spreadsheets export CSV.  One number with a decimal point says it does not (then "1,234" is a thousand)."""

    def __init__(self):
        self.commas = self.points = False

    def read(self, row) -> None:
        if self.points:
            return
        for cell in row:
            if cell is None:
                continue
            if "," in cell:
                self.commas = self.commas or _COMMA_NUMBER.fullmatch(cell.strip()) is not None
            elif "." in cell and _POINT_NUMBER.fullmatch(cell.strip()):
                self.points = True
                return

    def found(self) -> bool:
        return self.commas and not self.points


def quote_cell(cell) -> str:
    """A cell as a message quotes it: repr(), cut to QUOTE_LENGTH characters."""
    text = cell if isinstance(cell, str) else str(cell)
    if len(text) <= QUOTE_LENGTH:
        return repr(text)
    return repr(text[:QUOTE_LENGTH]) + f"… ({len(text):,} characters)"


def _check_archive(path: Path, stream) -> None:
    """Refuse a workbook whose parts would unpack to more than MAX_UNPACKED_BYTES, before any is read."""
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    # NotImplementedError: a header claiming a zip version or compression this Python cannot read.
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise SheetError(f"{path} is not a readable XLSX workbook ({_one_line(error)})") from None
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        biggest = max(members, key=lambda member: member.file_size)
        raise SheetError(f"{path} would unpack to {unpacked / 2**20:,.0f} MB ({quote_cell(biggest.filename)} alone "
                         f"{biggest.file_size / 2**20:,.0f} MB); workbooks of up to {MAX_UNPACKED_BYTES // 2**20} MB "
                         "unpacked are checked")


class _XlsxRows:
    """The rows of a workbook's active sheet, or of the one called `wanted` (hidden or not), read again on
    each pass (openpyxl's read-only mode streams them), each as long as its last cell.  A workbook without
    the sheet wanted has no rows, and `missing` says so."""

    def __init__(self, path: Path, wanted: str | None = None):
        self.path, self.wanted, self.missing = path, wanted, False

    def __iter__(self):
        import openpyxl  # only XLSX needs it, so `check sheet.csv` starts fast

        path = self.path
        with _opened(path) as stream:
            _check_archive(path, stream)
            stream.seek(0)
            try:
                workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            # A damaged or hostile archive can fail inside zipfile, the XML parser or
            # openpyxl in many ways; for the user each is the same: not a workbook.
            except Exception as error:
                _refuse_entities(path, error)
                raise SheetError(f"{path} is not a readable XLSX workbook ({_one_line(error)})") from None
            try:
                yield from self.rows(workbook)
            finally:
                workbook.close()

    def rows(self, workbook):
        path, count, cells = self.path, 0, 0
        try:
            sheets = workbook.worksheets
            if self.wanted is not None:
                sheet = next((sheet for sheet in sheets if sheet.title == self.wanted), None)
                if sheet is None:
                    self.missing = True
                    return
            else:  # the sheet the workbook opens on is the one the student worked in last
                sheet = workbook.active if workbook.active in sheets else (sheets[0] if sheets else None)
            if sheet is None:
                raise SheetError(f"{path} has no worksheet")
            # The size a sheet claims (its <dimension>) is not trusted: openpyxl would pad every row to
            # it.  Without it, each row is as long as its last cell, and a missing row costs nothing.
            sheet.reset_dimensions()
            for values in sheet.iter_rows(values_only=True):
                if count == MAX_ROWS:
                    raise SheetError(f"{path} has more than {MAX_ROWS:,} rows; that many are not checked")
                count += 1
                cells += len(values)
                if cells > MAX_CELLS:
                    raise SheetError(f"{path} has more than {MAX_CELLS:,} cells; that many are not checked")
                if len(values) > MAX_COLUMNS and any(value is not None for value in values[MAX_COLUMNS:]):
                    raise SheetError(f"{path}: row {count} has cells beyond column {MAX_COLUMNS:,}; "
                                     "that many are not checked")
                row = [_xlsx_cell(value) for value in values[:MAX_COLUMNS]]
                while row and row[-1] is None:
                    row.pop()
                yield tuple(row)
        except SheetError:
            raise
        except Exception as error:
            _refuse_entities(path, error)
            raise SheetError(f"{path}: cannot read its worksheet ({_one_line(error)})") from None
        self.title = sheet.title


def read_named_sheet(path: str | Path, title: str) -> Table | None:
    """The worksheet called `title` of an XLSX workbook, hidden or not, within the same bounds as
    read_table; None when the file is no workbook or has no such sheet.  Its rows are read once, here:
    such a sheet is small (a network's description)."""
    path = Path(path)
    try:
        with open_regular(path, MAX_BYTES) as stream:  # never a FIFO or a device: read_table says what it is
            if stream.read(4) != b"PK\x03\x04":
                return None
    except OSError:
        return None
    sheet = _XlsxRows(path, title)
    rows = list(sheet)
    return None if sheet.missing else Table("xlsx", rows)


def _read_xlsx(path: Path) -> Table:
    rows, empty = _XlsxRows(path), True
    for row in rows:  # the first pass: readable, within the limits, and not empty
        empty = empty and not row
    if empty:
        raise SheetError(f"{path}: its worksheet {quote_cell(rows.title)} is empty")
    return Table("xlsx", rows)


def _refuse_entities(path: Path, error: BaseException) -> None:
    """Name the refusal when defusedxml (which openpyxl parses with) found a DTD or an entity, however wrapped."""
    seen = 0
    while error is not None and seen < 10:
        if type(error).__name__ in ("DTDForbidden", "EntitiesForbidden", "ExternalReferenceForbidden"):
            raise SheetError(f"{path} declares XML entities, which a spreadsheet never writes; "
                             "they are refused (billion laughs, external files)") from None
        error, seen = error.__cause__ or error.__context__, seen + 1


def _xlsx_cell(value):
    if value is None or isinstance(value, bool):
        return None if value is None else str(value).upper()  # TRUE/FALSE, as Excel shows them
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()  # dates and times come back as text, and fail as numbers
    return text or None


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# -- numbers ---------------------------------------------------------------------

def parse_number(cell: str | float | None, decimal_comma: bool = False) -> Number | None:
    """A cell as a Number; None for a blank cell; ValueError for text that is not a number.

    A printed number is as precise as its last digit: 0.59 stands for anything
    from 0.585 to 0.595.  A whole number without an exponent (1, 0) is exact,
    and so is an XLSX number, which is stored in full.
    """
    if cell is None:
        return None
    if isinstance(cell, float):
        return Number(cell, _shown(cell), 0.0)
    shown = cell.strip()
    if not shown:
        return None
    if len(shown) > MAX_NUMBER_TEXT:
        raise ValueError(f"{quote_cell(shown)} is not a number")
    try:
        # precision.read_number; nan and inf are what `train --csv` writes once a run diverges.
        value = read_number(shown, decimal_comma, finite=False)
    except ValueError:
        raise ValueError(f"{quote_cell(shown)} is not a number") from None
    if math.isinf(value) and not SPELLED.fullmatch(shown.replace("\u2212", "-")):
        raise ValueError(f"{quote_cell(shown)} is too large a number")
    return Number(value, shown, printed_half_unit(shown, decimal_comma))


def _shown(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
