"""Grading a folder of students' sheets: one row per file, and the slips the class made most often.

Each sheet is recognised by the numbers it gives (the learning rate and the
starting values above its table, and the first epoch's weights): with a key
(the folder `exercise` wrote), they name the student whose variant they are;
without one, the sheet is checked against the network they describe.  A file
that cannot be read, or is not a sheet of this exercise, is one row with the
reason; the run goes on.  Only the files directly in the folder are read
(never its subfolders, so the grades folder inside it is not), and nothing is
written anywhere but the output folder, each file by a rename into place.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core import Network, NetworkError, Parameters, Sample, build_program
from ..core.batches import sheet_refusal
from ..core.expr import counted
from ..core.loader import load_network
from ..core.program import Program
from ..core.safe_files import read_regular, together
from ..core.slips import SlipFinder
from ..core.text import FORMULA_START, csv_text, markdown, printable
from .check import check
from .check_report import CheckReport
from .columns import Columns, Sheet, sheet_from_table
from .exercise import KEY, MAX_NAMES_BYTES, ROSTER
from .reader import Number, SheetError, read_table

MAX_SHEETS = 10_000
TABLE_COLUMNS = ("student", "file", "cells", "right", "first mistake", "slip", "epochs affected", "note")


class GradeError(ValueError):
    """A folder or key that cannot be graded at all; str() is one line for the user."""


@dataclass(frozen=True)
class GradeRow:
    file: str
    student: str = ""
    cells: int = 0  # cells the student computed (the given numbers are not counted)
    right: int = 0
    first: str = ""
    slip: str = ""
    slips: tuple = ()  # every named slip of the sheet, (kind, words)
    epochs: str = ""
    note: str = ""  # why a file could not be graded, or a word on the result
    report: CheckReport | None = field(default=None, repr=False, compare=False)
    unread_sheet: bool = field(default=False, repr=False, compare=False)  # not read as a sheet at all

    @property
    def graded(self) -> bool:
        return self.report is not None

    def cells_in_table(self) -> list[str]:
        """The row as text; the student's name, the file's and what a note quotes of it come from anyone."""
        return [self.student, self.file, str(self.cells) if self.graded else "", str(self.right) if self.graded else "",
                self.first, self.slip, self.epochs, self.note]


@dataclass(frozen=True)
class ClassReport:
    folder: str
    rows: list[GradeRow]
    skipped: list[str] = field(default_factory=list)  # files in the folder that are not sheets (notes.txt)
    key: str | None = None  # the key's folder, when one was used

    @property
    def common_slips(self) -> list[tuple[str, int]]:
        """Each slip with the number of students who made it, most often first."""
        counts = Counter(f"{words} ({kind})" for row in self.rows for kind, words in row.slips)
        return counts.most_common()


def given_on(sheet: Sheet, free: list[str]) -> dict[str, Number]:
    """The starting values a sheet gives: above its table, and in its first epoch's row."""
    given = {symbol: number for symbol, (number, _, _) in sheet.given.items()}
    first = sheet.first_row()
    if first is not None and first.epoch == 1:
        for symbol, number in first.cells.items():
            if symbol in free:
                given.setdefault(symbol, number)
    return given


def with_given(net: Network, given: dict[str, Number]) -> Network:
    """The network with the starting values a sheet gives in place of its own."""
    names = net.names
    value = lambda symbol, old: given[symbol].value if symbol in given else old  # noqa: E731
    weights = tuple(value(w, old) for w, old in zip(names.weights, net.start.weights))
    biases = tuple(value(b, old) for b, old in zip(names.biases, net.start.biases))
    samples = tuple(Sample(tuple(value(s, old) for s, old in zip(names.input_symbols(n), sample.inputs)),
                           tuple(value(s, old) for s, old in zip(names.target_symbols(n), sample.targets)))
                    for n, sample in enumerate(net.samples))
    return net.with_changes(start=Parameters(weights, biases, value("lr", net.start.lr)), samples=samples)


class Key:
    """The variants `exercise` wrote, found by the numbers they give."""

    def __init__(self, folder: str | Path):
        self.folder = folder = Path(folder)
        roster = folder / KEY / ROSTER
        if not roster.is_file() and (folder / ROSTER).is_file():
            roster = folder / ROSTER
        try:  # a regular file of bounded size: a FIFO or a device is refused at once, not waited on
            text = read_regular(roster, 2 * MAX_NAMES_BYTES).decode("utf-8")
            lines = list(csv.reader(io.StringIO(text)))
        except OSError as error:
            raise GradeError(f"cannot read the key's list of students {roster}: {error.strerror or error}") from None
        except (UnicodeDecodeError, csv.Error) as error:
            raise GradeError(f"cannot read the key's list of students {roster}: {error}") from None
        self.students: dict[str, Network] = {}
        for line in lines[1:]:
            if len(line) != 2:
                continue
            name, stem = line
            if name.startswith("'") and name[1:].startswith(FORMULA_START):  # written as text (core.text.csv_text)
                name = name[1:]
            try:
                self.students[name] = load_network(roster.parent / f"{Path(stem).name}.json")
            except (NetworkError, OSError) as error:
                raise GradeError(f"the key of {name!r} cannot be read: {error}") from None
        if not self.students:
            raise GradeError(f"{roster} names no student")
        self.base = next(iter(self.students.values()))
        self._starts = {name: net.start_env() for name, net in self.students.items()}
        self._index: dict[tuple, dict[tuple, list[str]]] = {}

    def find(self, given: dict[str, Number]) -> list[str]:
        """The students whose variant has every number the sheet gives."""
        symbols = tuple(sorted(given))
        if symbols not in self._index:
            index: dict[tuple, list[str]] = {}
            for name, start in self._starts.items():
                if all(s in start for s in symbols):
                    index.setdefault(tuple(_rounded(start[s]) for s in symbols), []).append(name)
            self._index[symbols] = index
        exact = self._index[symbols].get(tuple(_rounded(given[s].value) for s in symbols))
        if exact:
            return exact
        return [name for name, start in self._starts.items()
                if all(s in start and _close(given[s], start[s]) for s in symbols)]


def _rounded(value: float) -> float:
    return float(f"{value:.9g}")


def _close(number: Number, value: float) -> bool:
    return abs(number.value - value) <= number.half_unit + 1e-9 * max(abs(value), 1.0)


def find_key(folder: str | Path) -> Path | None:
    """The key `exercise` wrote beside `folder`: a KEY folder with its ROSTER in the folder's parent or in one
    of the parent's folders (`course/key` beside `returned`, or above `course/students`); None if there is
    none, GradeError if there are several."""
    folder = Path(folder)
    parent = folder.parent if folder.name not in ("", "..") else folder.resolve().parent  # as typed, where it can
    try:
        places = [parent] + sorted(path for path in parent.iterdir() if path.is_dir() and not path.name.startswith("."))
    except OSError:
        return None
    found = [place / KEY for place in places if (place / KEY / ROSTER).is_file()]
    if len(found) > 1:
        raise GradeError(f"several exercise keys beside {folder}: {', '.join(map(str, found[:4]))}"
                         f"{' …' if len(found) > 4 else ''}; name one with --key")
    return found[0] if found else None


# A file with one of these names is a sheet, read or not: it gets a row (with the reason it cannot be
# graded).  Any other file is graded if it reads as one (Excel's "Unicode text" export is a .txt) and else
# skipped, with a count: notes.txt beside the sheets is no student's failed sheet.
SHEET_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")


def sheets_in(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise GradeError(f"{folder} is not a folder")
    try:
        found = sorted(path for path in folder.iterdir() if not path.name.startswith(".") and not path.is_dir())
    except OSError as error:
        raise GradeError(f"cannot list {folder}: {error.strerror or error}") from None
    if len(found) > MAX_SHEETS:
        raise GradeError(f"{folder} holds {len(found):,} files; at most {MAX_SHEETS:,} are graded at once")
    return found


def grade_folder(folder: str | Path, net: Network | None = None, key: Key | None = None,
                 progress: Callable[[int, int], None] | None = None) -> ClassReport:
    """Check every sheet in `folder`, against its student's variant in `key` or else against `net`
    with the numbers the sheet gives."""
    if key is None and net is None:
        raise GradeError("grading needs a key or a network")
    base = key.base if key is not None else net
    if sheet_refusal(base):
        raise GradeError(sheet_refusal(base))
    base_program = build_program(base)
    names = Columns(base_program)
    programs: dict[tuple, Program] = {}
    finders: dict[frozenset, SlipFinder] = {}  # every variant has the base's shape: one per set of columns
    paths = sheets_in(folder)
    rows, skipped = [], []
    for n, path in enumerate(paths):
        try:
            row = _grade_one(path, names, base_program, key, programs, finders)
        # One student's file, whatever is in it, must not end the grading of the class; its row says why.
        except Exception as error:
            row = GradeRow(path.name, note=f"cannot be checked ({type(error).__name__}: {error})"[:200])
        if row.unread_sheet and path.suffix.lower() not in SHEET_SUFFIXES:
            skipped.append(path.name)
        else:
            rows.append(row)
        if progress is not None:
            progress(n + 1, len(paths))
    return ClassReport(str(folder), rows, skipped, None if key is None else str(key.folder))


def _grade_one(path: Path, names: Columns, base: Program, key: Key | None, programs: dict, finders: dict
               ) -> GradeRow:
    try:
        sheet = sheet_from_table(str(path), read_table(path), names)
    except SheetError as error:
        return GradeRow(path.name, note=_reason(error, path), unread_sheet=True)
    given = given_on(sheet, base.free)
    student = path.stem
    if key is not None:
        found = key.find(given)
        if not found:
            return GradeRow(path.name, note="its given numbers are no student's variant in the key")
        if len(found) > 1:
            return GradeRow(path.name, note=f"its given numbers fit {len(found)} students' variants: "
                                            "the sheet gives too few of them")
        student = found[0]
        net = key.students[student]
    else:
        net = with_given(base.net, given)
    identity = tuple(net.start_env().items())
    if identity not in programs:
        programs[identity] = build_program(net)
    try:
        columns = frozenset(sheet.columns)
        if columns not in finders:
            finders[columns] = SlipFinder(base, set(columns))
        report = check(sheet, programs[identity], slips=finders[columns])
    except SheetError as error:  # a row further down that cannot be read: the rows are read as they are checked
        return GradeRow(path.name, student, note=_reason(error, path))
    except (ArithmeticError, ValueError) as error:  # numbers a network cannot run with
        return GradeRow(path.name, student, note=f"cannot be checked ({error})")
    # check() compares the given numbers too, and counts them apart (report.given): the table counts the rest
    if report.computed <= 0:
        return GradeRow(path.name, student, note="nothing filled in yet", report=report)
    return _row(path.name, student, report)


def _reason(error: SheetError, path: Path) -> str:
    text = str(error)
    prefix = f"{path}"
    return text[len(prefix):].lstrip(": ") if text.startswith(prefix) else text


def _row(file: str, student: str, report: CheckReport) -> GradeRow:
    computed = report.computed
    if report.ok:
        note = (f"every filled cell right; {counted(report.blank, 'cell')} blank, from {report.first_blank}"
                if report.blank else "every cell right")
        return GradeRow(file, student, computed, computed, note=note, report=report)
    wrong_computed = report.wrong - report.wrong_given  # check counts the given numbers apart
    first = report.first
    low, high, epochs = report.wrong_epochs
    span = str(low) if low == high else f"{low}–{high}"
    slip = first.slip.words if first.slip is not None else "no single slip"
    return GradeRow(
        file, student, computed, computed - wrong_computed,
        first=f"epoch {first.epoch}, {first.symbol} ({first.cell})", slip=slip,
        slips=tuple(group.slip.key for group in report.slips), epochs=f"{span} ({epochs})", report=report)


# -- the class table ----------------------------------------------------------------


def write_table(report: ClassReport, out: str | Path) -> list[Path]:
    """class.csv and class.md in `out`, each renamed into place when complete."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GradeError(f"cannot write into {out}: {error.strerror or error}") from None
    # Text cells as text: a file named =HYPERLINK(…).csv must not become a formula in the teacher's spreadsheet.
    table = [list(TABLE_COLUMNS)] + [[csv_text(cell) for cell in row.cells_in_table()] for row in report.rows]
    with together() as files:  # both or neither
        with files.writer(out / "class.csv", newline="", encoding="utf-8") as stream:
            csv.writer(stream, lineterminator="\n").writerows(table)
        with files.writer(out / "class.md", encoding="utf-8") as stream:
            stream.write(render_markdown(report))
    return [out / "class.csv", out / "class.md"]


def render_markdown(report: ClassReport) -> str:
    key = [f"Each sheet was checked against its student's variant in the key {markdown(report.key)}.", ""
           ] if report.key else []
    lines = [f"# Grades: {markdown(report.folder)}", "", summary_line(report, markdown), "", *key,
             "| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
    lines += ["| " + " | ".join(markdown(cell) for cell in row.cells_in_table()) + " |" for row in report.rows]
    common = report.common_slips
    if common:
        lines += ["", "## The slips made most often", "", "| slip | students |", "|---|---|"]
        lines += [f"| {markdown(slip)} | {count} |" for slip, count in common]
    return "\n".join(lines) + "\n"


def summary_line(report: ClassReport, shown=printable) -> str:
    """The class in one line; `shown` writes a file's name (printable for a terminal, markdown for class.md)."""
    graded = [row for row in report.rows if row.graded]
    empty = sum(1 for row in graded if row.cells <= 0)
    right = sum(1 for row in graded if row.report.ok and row.cells > 0 and not row.report.blank)
    unfinished = sum(1 for row in graded if row.report.ok and row.cells > 0 and row.report.blank)
    unread = len(report.rows) - len(graded)
    line = (f"{counted(len(report.rows), 'sheet')}: {right} all right, {len(graded) - right - unfinished - empty} with "
            f"mistakes, {unfinished} unfinished (right so far), {empty} with nothing filled in, {unread} not graded")
    if report.skipped:
        names = ", ".join(map(shown, report.skipped[:3])) + (" …" if len(report.skipped) > 3 else "")
        line += f"; {counted(len(report.skipped), 'file')} skipped, not a sheet ({names})"
    return line


def render_summary(report: ClassReport, paths: list[Path], top: int = 5, hint: str | None = None) -> str:
    """What `grade` prints; `hint` says how to grade better (where no key was found)."""
    lines = [summary_line(report) + "."]
    if report.key:
        lines.append(f"Each sheet was checked against its student's variant in the key {printable(report.key)}.")
    common = report.common_slips
    if common:
        lines.append("The slips made most often:")
        lines += [f"  {count:>3}  {printable(slip)}" for slip, count in common[:top]]
    unread = [row for row in report.rows if not row.graded]
    for row in unread[:top]:  # a file's name may hold an escape sequence: shown, never sent to the terminal
        lines.append(f"  not graded: {printable(row.file)}: {printable(row.note)}")
    if len(unread) > top:
        lines.append(f"  … and {len(unread) - top} more not graded (see the table)")
    if hint and unread:
        lines.append(hint)
    lines.append("The class table: " + ", ".join(printable(str(path)) for path in paths))
    return "\n".join(lines) + "\n"


__all__ = ["ClassReport", "GradeError", "GradeRow", "Key", "find_key", "grade_folder", "render_summary", "write_table"]
