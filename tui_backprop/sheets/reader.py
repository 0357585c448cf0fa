"""Reading a student's sheet: a CSV or XLSX file into rows of raw cells.

Nothing here knows about networks.  A cell comes back as None (blank), text
(str; every CSV cell is text, so a number keeps the digits it was printed with)
or a float (an XLSX number).  `parse_number` turns a cell into a `Number` that
remembers its printed precision.

Every problem raises SheetError with one line for the user; reading only ever
opens the file for reading.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..core.precision import SPELLED, printed_half_unit, read_number

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
# A message quotes a cell, it does not reproduce it.
QUOTE_LENGTH = 40
# No number a student writes is longer; a longer "number" is a pasted mistake.
MAX_NUMBER_TEXT = 100


class SheetError(ValueError):
    """A sheet that cannot be read; str() is one line for the user."""


@dataclass(frozen=True)
class Table:
    kind: str  # "csv" or "xlsx"
    rows: list[tuple[str | float | None, ...]]
    decimal_comma: bool = False  # a CSV separated by ; or tabs may write 0,5 for 0.5


class Number(NamedTuple):  # a tuple, not a dataclass: a big sheet makes millions of them
    value: float
    text: str  # as the sheet shows it
    half_unit: float  # half a unit in the last printed digit; 0 for an exact value


def read_table(path: str | Path) -> Table:
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise SheetError(f"{path} is not a file")
        with path.open("rb") as stream:
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


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        encoding = "utf-16"
    else:
        if b"\x00" in data:
            raise SheetError(f"{path} holds binary data; expected a CSV or XLSX sheet")
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Windows saves CSV in the ANSI code page; no symbol we know needs more.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise SheetError(f"{path} is not text in UTF-8, UTF-16 or Windows-1252") from None


def _read_csv(path: Path) -> Table:
    try:
        text = _decode(path.read_bytes(), path)
    except OSError as error:
        raise SheetError(f"cannot read {path}: {error.strerror or error}") from None
    if "\x00" in text:
        raise SheetError(f"{path} holds binary data; expected a CSV or XLSX sheet")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise SheetError(f"{path} has no rows")
    delimiter = max(",;\t", key=first.count)
    rows = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            if len(rows) == MAX_ROWS:
                raise SheetError(f"{path} has more than {MAX_ROWS:,} rows; that many are not checked")
            if len(record) > MAX_COLUMNS:
                raise SheetError(f"{path}: row {len(rows) + 1} has {len(record):,} cells; "
                                 f"at most {MAX_COLUMNS:,} columns are checked")
            rows.append(tuple(cell if cell.strip() else None for cell in record))
    except csv.Error as error:
        raise SheetError(f"{path}: malformed CSV in row {len(rows) + 1}: {error}") from None
    return Table("csv", rows, decimal_comma=delimiter != "," or _quoted_decimal_commas(rows))


_COMMA_NUMBER = re.compile(r"[+\-−]?\d*,\d+(?:[eE][+-]?\d+)?")
_POINT_NUMBER = re.compile(r"[+\-−]?\d*\.\d+(?:[eE][+-]?\d+)?")


def _quoted_decimal_commas(rows) -> bool:
    """Whether a comma-separated file writes its numbers quoted with decimal commas ("0,5"), as European
    spreadsheets export CSV.  One number with a decimal point says it does not (then "1,234" is a thousand)."""
    commas = False
    for row in rows:
        for cell in row:
            if cell is None:
                continue
            if "," in cell:
                commas = commas or _COMMA_NUMBER.fullmatch(cell.strip()) is not None
            elif "." in cell and _POINT_NUMBER.fullmatch(cell.strip()):
                return False
    return commas


def quote_cell(cell) -> str:
    """A cell as a message quotes it: repr(), cut to QUOTE_LENGTH characters."""
    text = cell if isinstance(cell, str) else str(cell)
    if len(text) <= QUOTE_LENGTH:
        return repr(text)
    return repr(text[:QUOTE_LENGTH]) + f"… ({len(text):,} characters)"


def _check_archive(path: Path) -> None:
    """Refuse a workbook whose parts would unpack to more than MAX_UNPACKED_BYTES, before any is read."""
    try:
        with zipfile.ZipFile(path) as archive:
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


def read_named_sheet(path: str | Path, title: str) -> Table | None:
    """The worksheet called `title` of an XLSX workbook, hidden or not, within the same bounds as
    read_table; None when the file is no workbook or has no such sheet."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            if stream.read(4) != b"PK\x03\x04":
                return None
    except OSError:
        return None
    return _read_xlsx(path, title)


def _read_xlsx(path: Path, title: str | None = None) -> Table | None:
    """The sheet the workbook opens on, or the one called `title` (None if it has none)."""
    import openpyxl  # only XLSX needs it, so `check sheet.csv` starts fast

    _check_archive(path)
    rows = []
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    # A damaged or hostile archive can fail inside zipfile, the XML parser or
    # openpyxl in many ways; for the user each is the same: not a workbook.
    except Exception as error:  # noqa: BLE001
        _refuse_entities(path, error)
        raise SheetError(f"{path} is not a readable XLSX workbook ({_one_line(error)})") from None
    try:
        sheets = workbook.worksheets
        if title is not None:
            sheet = next((sheet for sheet in sheets if sheet.title == title), None)
            if sheet is None:
                return None
        else:  # the sheet the workbook opens on is the one the student worked in last
            sheet = workbook.active if workbook.active in sheets else (sheets[0] if sheets else None)
        if sheet is None:
            raise SheetError(f"{path} has no worksheet")
        # The size a sheet claims (its <dimension>) is not trusted: openpyxl would pad every row to
        # it.  Without it, each row is as long as its last cell, and a missing row costs nothing.
        sheet.reset_dimensions()
        cells = 0
        for values in sheet.iter_rows(values_only=True):
            if len(rows) == MAX_ROWS:
                raise SheetError(f"{path} has more than {MAX_ROWS:,} rows; that many are not checked")
            cells += len(values)
            if cells > MAX_CELLS:
                raise SheetError(f"{path} has more than {MAX_CELLS:,} cells; that many are not checked")
            if len(values) > MAX_COLUMNS and any(value is not None for value in values[MAX_COLUMNS:]):
                raise SheetError(f"{path}: row {len(rows) + 1} has cells beyond column {MAX_COLUMNS:,}; "
                                 "that many are not checked")
            row = [_xlsx_cell(value) for value in values[:MAX_COLUMNS]]
            while row and row[-1] is None:
                row.pop()
            rows.append(row)
    except SheetError:
        raise
    except Exception as error:  # noqa: BLE001 - as above, a damaged sheet inside a valid archive
        _refuse_entities(path, error)
        raise SheetError(f"{path}: cannot read its worksheet ({_one_line(error)})") from None
    finally:
        workbook.close()
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        raise SheetError(f"{path}: its worksheet {quote_cell(sheet.title)} is empty")
    width = max(map(len, rows))
    return Table("xlsx", [tuple(row) + (None,) * (width - len(row)) for row in rows])


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
