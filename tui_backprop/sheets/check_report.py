"""What `check` found, and how it is told: the report's wrong cells, its slip groups, its JSON and its text.

sheets/check.py works out which cells are wrong and where each mistake starts; this module holds what it
finds (`Mismatch`, `SlipGroup`, `CheckReport`) and says it, to a person (`render_text`) or as JSON
(`as_dict`), so the text can be read without the checker's machinery.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ..core.expr import counted, format_number
from ..core.quantity import UPDATE, Quantity
from ..core.slips import ROUNDING, Slip
from ..core.text import printable


@dataclass(frozen=True)
class Mismatch:
    """One wrong cell: what the sheet says, what is correct, and why."""

    epoch: int
    symbol: str
    cell: str  # its address on the sheet, e.g. C7
    column: str  # the header of its column, as the sheet writes it
    sheet: float
    sheet_text: str
    correct: float
    formula: str  # how the correct value is computed, in symbols
    starts_here: bool  # wrong even with the sheet's own inputs: a mistake starts in this cell
    causes: tuple[str, ...]  # the formula's inputs that were already wrong on the sheet
    origin: int  # the step where the mistake behind this cell started: its epoch, without batches
    # Inputs the sheet shows right but rounded, from which this cell was rightly computed and came out wrong.
    rounded: tuple[str, ...] = ()
    # Inputs right at the digits the sheet shows, but computed from an earlier mistake that this cell magnifies.
    carried: tuple[str, ...] = ()
    quantity: Quantity | None = field(default=None, repr=False, compare=False)
    inputs: dict = field(default_factory=dict, repr=False, compare=False)  # the correct values the formula reads
    slip: Slip | None = None  # the common slip that reproduces the sheet's number, where a mistake starts
    group: int | None = None  # which of the report's slip groups this cell belongs to
    batch: int = 1  # the row's batch in its epoch, on a batched sheet
    steps_per_epoch: int = 1  # update steps an epoch: 1 without batches, where a step is an epoch

    @property
    def step(self) -> int:
        """The row's update step, 1, 2, … across epochs: its epoch, without batches."""
        return (self.epoch - 1) * self.steps_per_epoch + self.batch

    @property
    def follows(self) -> int | None:
        """The earlier step this cell's mistake comes from, if it comes from one."""
        return self.origin if self.origin < self.step else None

    @property
    def follows_epoch(self) -> int | None:
        """The earlier epoch this cell's mistake comes from (with batches, the epoch of that step)."""
        return None if self.follows is None else (self.follows - 1) // self.steps_per_epoch + 1

    @property
    def where(self) -> str:
        """"epoch 3", or on a batched sheet "epoch 3 · batch 2"."""
        return step_name(self.step, self.steps_per_epoch)

    def named(self, step: int) -> str:
        return step_name(step, self.steps_per_epoch)

    def substituted(self, digits: int | None = None) -> str:
        """The formula with the correct numbers: dE_total/dw5 = (0.75 − 0.01)·0.19·0.59."""
        if self.quantity is None:
            return f"{self.symbol} = {format_number(self.correct, digits)}"
        return self.quantity.substituted(self.inputs, digits)

    @property
    def named_causes(self) -> tuple[str, ...]:
        """The earlier cells the explanation names as the reason this cell is wrong: `causes` (inputs already
        wrong), or where it starts here from rounded inputs those (`rounded`), or inputs right at their digits
        that carry an earlier mistake (`carried`).  `--format json`'s "causes" is this, so it names what the
        text names."""
        if self.starts_here:
            if self.rounded and (self.slip is None or self.slip.kind == ROUNDING):
                return self.rounded
            return self.causes
        if self.follows or self.causes:
            return self.causes
        return self.carried

    def explanation(self) -> str:
        causes = ", ".join(self.causes)
        were = "was" if len(self.causes) == 1 else "were"
        if self.starts_here:
            if self.rounded and (self.slip is None or self.slip.kind == ROUNDING):
                return (f"the mistake starts here: it is computed from {', '.join(self.rounded)} as rounded on the "
                        "sheet; keep more digits")
            also = f" ({causes} {were} also wrong)" if causes else ""
            if self.slip is not None:
                return f"the mistake starts here{also}; the slip: {self.slip.words}"
            return "the mistake starts here" + also
        if self.follows:
            origin = self.named(self.origin)
            if not causes:
                return f"follows from {origin}"
            if self.quantity is not None and self.quantity.phase == UPDATE:  # its inputs are the step before's
                return f"follows from {origin}; in {self.named(self.step - 1)}, {causes} {were} wrong"
            return f"follows from {origin}: {causes} {were} already wrong"
        if causes:
            return f"wrong because {causes} {were} already wrong"
        if self.carried:
            carried = ", ".join(self.carried)
            return (f"wrong because {carried} {'was' if len(self.carried) == 1 else 'were'} already off: right at the "
                    "digits the sheet shows, but computed from an earlier wrong value")
        return f"wrong because values before it in this {'batch' if self.steps_per_epoch > 1 else 'epoch'} were already off"

    def as_dict(self) -> dict:
        # A batched sheet's cell also has its batch and step, and where its mistake comes from is an epoch
        # and a batch; a full-batch sheet's cells keep the keys they always had.
        batched = self.steps_per_epoch > 1
        place = {"batch": self.batch, "step": self.step} if batched else {}
        follows_batch = None if self.follows is None else (self.follows - 1) % self.steps_per_epoch + 1
        return {
            "epoch": self.epoch, **place, "symbol": self.symbol, "cell": self.cell, "column": self.column,
            "sheet": _json_number(self.sheet), "sheet_text": self.sheet_text, "correct": _json_number(self.correct),
            "formula": self.formula, "substituted": self.substituted(), "starts_here": self.starts_here,
            "causes": list(self.named_causes), "rounded": list(self.rounded), "carried": list(self.carried),
            "follows_epoch": self.follows_epoch, **({"follows_batch": follows_batch} if batched else {}),
            "explanation": self.explanation(),
            "slip": None if self.slip is None else {**self.slip.as_dict(), "group": self.group},
        }


@dataclass(frozen=True)
class SlipGroup:
    """One slip repeated: a formula filled down makes the same slip in every row."""

    slip: Slip  # as in its first cell
    cells: list[Mismatch]

    @property
    def epochs(self) -> tuple[int, int]:
        return self.cells[0].epoch, self.cells[-1].epoch

    @property
    def symbols(self) -> list[str]:
        return list(dict.fromkeys(m.symbol for m in self.cells))

    def describe(self) -> str:
        where = _span(self.cells[0].step, self.cells[-1].step, self.cells[0].steps_per_epoch)
        count = len(self.cells)
        return f"the same slip in {where}: {counted(count, 'cell')} ({', '.join(self.symbols)})"

    def as_dict(self) -> dict:
        formulas = {}
        for m in self.cells:
            formulas.setdefault(m.symbol, m.slip.formula)
        return {**self.slip.as_dict(), "formulas": formulas, "epochs": list(self.epochs), "count": len(self.cells),
                "cells": [m.cell for m in self.cells]}


@dataclass(frozen=True)
class CheckReport:
    path: str
    network: str
    rel_tol: float
    rows: int
    cells: int
    columns: dict[str, str]  # symbol -> the header that named it
    mismatches: list[Mismatch]  # the wrong cells in the order they are computed: the first MAX_LISTED
    slips: list[SlipGroup] = field(default_factory=list)  # the named slips, each with every listed cell it explains
    note: str | None = None  # which preset the sheet fits, when that is not the one asked for
    wrong: int = 0  # every wrong cell, listed or not
    wrong_given: int = 0  # the wrong starting values of epoch 1 (lr, weights, biases, inputs, targets)
    given: int = 0  # of `cells`, those starting values: the numbers the sheet gives, not computes
    wrong_epochs: tuple[int, int, int] = (0, 0, 0)  # the first and the last epoch with a wrong cell, and how many
    blank: int = 0  # the cells a row has a column for and leaves blank (the last row: its parameters, if it has only those)
    first_blank: str | None = None  # the first of them, as "h1 in L22"

    @property
    def ok(self) -> bool:
        return not self.wrong and not self.mismatches

    @property
    def computed(self) -> int:
        """The cells a student computed: every cell but the given numbers (what `grade` counts)."""
        return self.cells - self.given

    @property
    def unlisted(self) -> int:
        """The wrong cells after the first MAX_LISTED, counted but not listed."""
        return self.wrong - len(self.mismatches)

    @property
    def first(self) -> Mismatch | None:
        """The first wrong cell in the order a student computes them; a mistake always starts there."""
        return self.mismatches[0] if self.mismatches else None

    @property
    def starts(self) -> list[Mismatch]:
        """The cells where a mistake starts; every other wrong cell follows from one of them."""
        return [m for m in self.mismatches if m.starts_here]

    def as_dict(self) -> dict:
        return {
            "file": self.path, "network": self.network, "rel_tol": self.rel_tol, "rows": self.rows,
            "cells": self.cells, "given": self.given, "ok": self.ok, "wrong": self.wrong,
            "wrong_given": self.wrong_given, "mistakes_start": len(self.starts),
            "listed": len(self.mismatches),
            "columns": self.columns, "note": self.note, "slips": [group.as_dict() for group in self.slips],
            "mismatches": [m.as_dict() for m in self.mismatches],
            "blank": self.blank, "first_blank": self.first_blank,
        }


def _json_number(value: float):
    return value if math.isfinite(value) else repr(value)


MAX_LINES = 40


def render_text(report: CheckReport, digits: int = 6) -> str:
    # The report quotes the sheet's file name and cells, which may hold an escape sequence: each line is
    # printed with its control characters shown (core.text.printable), never sent to the terminal.
    return "".join(printable(line) + "\n" for line in _report_lines(report, digits))


def _report_lines(report: CheckReport, digits: int) -> list[str]:
    cells = f"{counted(report.rows, 'row')}, {counted(report.cells, 'cell')}"
    if report.note:
        return [f"{report.path}: {report.note}."] + _report_lines(replace(report, note=None), digits)
    if report.ok and report.computed <= 0 and report.blank:  # a sheet as handed out: its given numbers are right
        return [f"{report.path}: nothing filled in yet: {counted(report.blank, 'blank cell')} to fill, starting with "
                f"{report.first_blank} (its {counted(report.given, 'given number')} are right, checked against {report.network})"]
    if report.ok:
        filled = "every filled cell is right" if report.blank else "every cell is right"
        still = f"; {counted(report.blank, 'cell')} still blank, starting with {report.first_blank}" if report.blank else ""
        return [f"{report.path}: {filled} ({cells} checked against {report.network}, "
                f"within a relative {format_number(report.rel_tol)} or the precision each value is printed with){still}"]
    count, starts, listed = report.wrong, len(report.starts), len(report.mismatches)
    summary = f"{report.path}: {counted(count, 'wrong cell')} of {cells}"
    if report.given:  # grade counts the computed cells only: both counts are here
        summary += (f" ({count - report.wrong_given:,} of the {report.computed:,} computed, "
                    f"{report.wrong_given:,} of the {counted(report.given, 'given number')})")
    summary += f", checked against {report.network}"
    if starts < listed:  # of the cells listed: the others are counted, not traced
        within = f" of the first {listed:,}" if report.unlisted else ""
        summary += (f"; {'a mistake starts' if starts == 1 else 'mistakes start'} in {starts:,}{within}, "
                    f"the other {listed - starts:,} follow{'s' if listed - starts == 1 else ''} from "
                    f"{'it' if starts == 1 else 'them'}")
    first = report.first
    shown_sheet, shown_correct = _two_numbers(first, digits)
    lines = [summary + ".", "",
             f"The first wrong cell: {first.where}, {first.symbol} in {first.cell} (column {first.column!r})",
             f"  sheet    {shown_sheet}",
             f"  correct  {shown_correct}",
             f"  {first.formula}"]
    if first.quantity is not None:
        numbers = first.substituted(digits).split(" = ", 1)[1]
        lines.append(f"  {' ' * len(first.symbol)} = {numbers} = {shown_correct}")
        if first.quantity.phase == UPDATE:
            lines[-1] += f"  ({first.named(first.step - 1)}'s numbers)"
    explanation = first.explanation()
    lines.append(f"  {explanation[0].upper()}{explanation[1:]}.")
    if first.slip is not None and first.slip.kind != ROUNDING and first.slip.formula != first.formula:
        lines.append(f"  The sheet's number comes from {first.slip.formula}")
    elif first.starts_here and first.slip is None and first.quantity is not None:
        lines.append("  No single common slip gives the sheet's number.")
    repeated = [group for group in report.slips if len(group.cells) > 1]
    if first.group is not None and len(report.slips[first.group].cells) > 1:
        lines.append(f"  One slip: {report.slips[first.group].describe()}.")
    lines.append("")
    if count > 1:
        if report.unlisted:
            lines.append(f"The first {len(report.mismatches):,} wrong cells, in the order they are computed "
                         f"(the {report.unlisted:,} after them are counted, not listed):")
        else:
            lines.append("Every wrong cell, in the order they are computed:")
        lines += _compact(report.mismatches, digits, repeated, listed=not report.unlisted)
    return lines


def _two_numbers(mismatch: Mismatch, digits: int) -> tuple[str, str]:
    """The sheet's value as written, and the correct one with enough digits to differ from it."""
    for shown in range(digits, 18):
        correct = format_number(mismatch.correct, shown)
        if correct != format_number(mismatch.sheet, shown):
            break
    return mismatch.sheet_text, correct


def _compact(mismatches: list[Mismatch], digits: int, repeated: list[SlipGroup] = (), listed: bool = True) -> list[str]:
    # A slip made in many cells is one line; the cells that follow from it are listed as ever.
    lines = [f"  {group.slip.words}: {group.describe()}" for group in repeated]
    grouped = {id(m) for group in repeated for m in group.cells}
    by_step: dict[int, list[Mismatch]] = {}  # a step is an epoch, without batches
    for m in mismatches:
        by_step.setdefault(m.step, [])
        if id(m) not in grouped:
            by_step[m.step].append(m)
    per = mismatches[0].steps_per_epoch if mismatches else 1
    run = None  # run: [first step, last step, origin, cells] of rows that only follow from one step
    for step, found in by_step.items():
        if not found:
            continue
        origins = {m.follows for m in found}
        if len(origins) == 1 and None not in origins:
            origin = origins.pop()
            if run and run[2] == origin:
                run[1], run[3] = step, run[3] + len(found)
                continue
            if run:
                lines.append(_run_line(run, per))
            run = [step, step, origin, len(found)]
            continue
        if run:
            lines.append(_run_line(run, per))
            run = None
        for m in found:
            sheet, correct = _two_numbers(m, digits)
            lines.append(f"  {m.where}, {m.symbol} in {m.cell}: sheet {sheet}, correct {correct}; {m.explanation()}")
    if run:
        lines.append(_run_line(run, per))
    if len(lines) > MAX_LINES:
        hidden = len(lines) - MAX_LINES
        lists = "every cell" if listed else f"the first {len(mismatches):,} cells"
        lines = lines[:MAX_LINES] + [f"  … and {counted(hidden, 'more line')} (--format json lists {lists})"]
    return lines


def _run_line(run, per: int) -> str:
    first, last, origin, cells = run
    return f"  {_span(first, last, per)}: {counted(cells, 'wrong cell')}, all following from {step_name(origin, per)}"


def step_name(step: int, steps_per_epoch: int = 1) -> str:
    """How the report names an update step: "epoch 3", or with batches "epoch 3 · batch 2"."""
    if steps_per_epoch == 1:
        return f"epoch {step}"
    epoch, batch = divmod(step - 1, steps_per_epoch)
    return f"epoch {epoch + 1} · batch {batch + 1}"


def _span(first: int, last: int, steps_per_epoch: int) -> str:
    """Steps `first` to `last`: "epochs 2–7", or with batches "epoch 1 · batch 3 to epoch 2 · batch 1"."""
    if first == last:
        return step_name(first, steps_per_epoch)
    if steps_per_epoch == 1:
        return f"epochs {first}–{last}"
    return f"{step_name(first, steps_per_epoch)} to {step_name(last, steps_per_epoch)}"
