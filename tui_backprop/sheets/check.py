"""Checking a student's sheet cell by cell, and finding where each mistake starts.

The core recomputes the run from the network's starting values; every number
on the sheet is compared with the value of its symbol in its epoch.  A cell is
right when it is within the relative tolerance (default 1e-4) of the correct
value, or within half a unit in its last printed digit (0.59 is right for
0.5932699; a whole number such as 1 is exact, and so is an XLSX number).

Where a mistake starts.  A wrong cell is either a mistake of its own or the
consequence of wrong inputs.  To tell them apart the checker recomputes each
wrong cell's formula from what the student had: every input as the sheet
shows it, and an input the sheet does not show computed the same way from its
own inputs.  Printed digits make that uncertain: a wrong input may be anything
within half a unit of its last digit, a right one anything between its printed
and its correct value; how far that moves the recomputed value widens the
tolerance.  Then a wrong cell

- that disagrees with the recomputation is where a mistake starts
  (`starts_here`), even if some of its inputs were wrong as well;
- that agrees with it follows from its wrong inputs: `causes` names the
  nearest inputs on the sheet that were already wrong (looking through
  inputs the sheet does not show);
- that agrees with it although no input is wrong was computed from values
  right only at the digits printed, and magnified their rounding: the mistake
  starts here, and `rounded` names those inputs.

Epochs are linked the same way.  The weights of an epoch after the first come
from the update of the epoch before, w = w − lr·dE_total/dw with that epoch's
numbers as the sheet has them.  A wrong weight that agrees with that update
follows from the earlier epoch; one that does not is a mistake of its own (in
the first epoch, every starting value is compared with the network's).  Each
wrong cell carries the epoch where the mistake behind it started (`origin`),
so a row whose weights are off because an earlier row was wrong is reported
as following from that row, and the cascade after a mistake is not taken for
new ones.  Where two mistakes meet in one formula, the inputs that are wrong
decide the origin; a right value a hair off (an earlier mistake within the
tolerance) passes its origin on only when no input is wrong.  When the sheet
skips epochs, the skipped ones are run as a correct student would run them,
from the sheet's values before the gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..core import Network, build_program
from ..core.expr import format_number
from ..core.precision import agrees
from ..core.program import UPDATE, Program, Quantity
from .columns import Sheet, SheetRow, read_sheet
from .reader import Number, SheetError

REL_TOL = 1e-4

__all__ = ["CheckReport", "Mismatch", "REL_TOL", "SheetError", "check", "check_sheet", "render_text"]


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
    origin: int  # the epoch where the mistake behind this cell started
    # Inputs the sheet shows right but rounded, from which this cell was rightly computed and came out wrong.
    rounded: tuple[str, ...] = ()
    quantity: Quantity | None = field(default=None, repr=False, compare=False)
    inputs: dict = field(default_factory=dict, repr=False, compare=False)  # the correct values the formula reads

    @property
    def follows_epoch(self) -> int | None:
        """The earlier epoch this cell's mistake comes from, if it comes from one."""
        return self.origin if self.origin < self.epoch else None

    def substituted(self, digits: int | None = None) -> str:
        """The formula with the correct numbers: dE_total/dw5 = (0.75 − 0.01)·0.19·0.59."""
        if self.quantity is None:
            return f"{self.symbol} = {format_number(self.correct, digits)}"
        return self.quantity.substituted(self.inputs, digits)

    def explanation(self) -> str:
        causes = ", ".join(self.causes)
        were = "was" if len(self.causes) == 1 else "were"
        if self.starts_here:
            if self.rounded:
                return (f"the mistake starts here: it is computed from {', '.join(self.rounded)} as rounded on the "
                        "sheet; keep more digits")
            return "the mistake starts here" + (f" ({causes} {were} also wrong)" if causes else "")
        if self.follows_epoch:
            if not causes:
                return f"follows from epoch {self.origin}"
            if self.quantity is not None and self.quantity.phase == UPDATE:  # its inputs are the epoch before's
                return f"follows from epoch {self.origin}; in epoch {self.epoch - 1}, {causes} {were} wrong"
            return f"follows from epoch {self.origin}: {causes} {were} already wrong"
        return f"wrong because {causes} {were} already wrong"

    def as_dict(self) -> dict:
        return {
            "epoch": self.epoch, "symbol": self.symbol, "cell": self.cell, "column": self.column,
            "sheet": _json_number(self.sheet), "sheet_text": self.sheet_text, "correct": _json_number(self.correct),
            "formula": self.formula, "substituted": self.substituted(), "starts_here": self.starts_here,
            "causes": list(self.causes), "rounded": list(self.rounded), "follows_epoch": self.follows_epoch,
            "explanation": self.explanation(),
        }


@dataclass(frozen=True)
class CheckReport:
    path: str
    network: str
    rel_tol: float
    rows: int
    cells: int
    columns: dict[str, str]  # symbol -> the header that named it
    mismatches: list[Mismatch]

    @property
    def ok(self) -> bool:
        return not self.mismatches

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
            "cells": self.cells, "ok": self.ok, "wrong": len(self.mismatches), "mistakes_start": len(self.starts),
            "columns": self.columns, "mismatches": [m.as_dict() for m in self.mismatches],
        }


def _json_number(value: float):
    return value if math.isfinite(value) else repr(value)


def check_sheet(path: str | Path, net: Network, rel_tol: float = REL_TOL) -> CheckReport:
    """Read a sheet and check it; raises SheetError (one line) when it cannot be read."""
    program = build_program(net)
    return check(read_sheet(path, program), program, rel_tol)


def check(sheet: Sheet, program: Program, rel_tol: float = REL_TOL) -> CheckReport:
    checker = _Checker(program, rel_tol)
    mismatches = []
    for row in sheet.rows:
        mismatches += checker.check_row(sheet, row)
    return CheckReport(
        path=sheet.path, network=program.net.name, rel_tol=rel_tol, rows=len(sheet.rows),
        cells=sum(len(row.cells) for row in sheet.rows),
        columns={symbol: header for symbol, (_, header) in sheet.columns.items()}, mismatches=mismatches,
    )


@dataclass
class _Held:
    """What the student held in one epoch, as far as the sheet tells: values, their uncertainty, their origin."""

    epoch: int
    values: dict[str, float]
    uncertainty: dict[str, float] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)  # the epoch where the mistake behind a value started
    tainted: set[str] = field(default_factory=set)  # values that are wrong, or computed from wrong ones
    wrong: frozenset = frozenset()  # the cells of this row that are wrong on the sheet
    rounded: set[str] = field(default_factory=set)  # wrong cells computed rightly from values printed too short

    def origin_of(self, reads) -> tuple[int | None, bool]:
        """Where the mistakes in these inputs started, and whether any input is wrong.

        Wrong inputs decide; only without one do right values that are a hair off
        (a mistake further back, within the tolerance) pass their origin on.
        """
        wrong = [self.origin[read] for read in reads if read in self.tainted]
        if wrong:
            return min(wrong), True
        return _earliest(self.origin.get(read) for read in reads), False


class _Checker:
    def __init__(self, program: Program, rel_tol: float):
        self.program = program
        self.rel_tol = rel_tol
        self.quantities = program.quantities
        self.evaluators = program.evaluators
        self.epoch_steps = [(n, q) for n, q in enumerate(self.quantities) if q.phase != UPDATE]
        self.updates = {q.param: n for n, q in enumerate(self.quantities) if q.phase == UPDATE}
        self.free = list(program.free)
        computed = ["lr", *program.parameters, *self.free, *(q.symbol for _, q in self.epoch_steps)]
        self.order = {symbol: n for n, symbol in reversed(list(enumerate(computed)))}
        # The correct run: free values at the start of `epoch`, and every value of the epoch before.
        self.start = program.net.start_env()
        self.epoch = 1
        self.before: dict[str, float] | None = None
        self.held: _Held | None = None

    # -- the correct run -------------------------------------------------------
    def epoch_values(self, start: dict[str, float]) -> dict[str, float]:
        values = dict(start)
        for n, q in self.epoch_steps:
            values[q.symbol] = self.evaluators[n](values)
        return values

    def next_start(self, values: dict[str, float]) -> dict[str, float]:
        updated = dict(values)
        for param, n in self.updates.items():
            updated[param] = self.evaluators[n](updated)
        return {symbol: updated[symbol] for symbol in self.free}

    def advance(self, epoch: int) -> None:
        if epoch - 1 > self.epoch:  # epochs the sheet skips: the fast path
            self.start, _ = self.program.run(self.start, epoch - 1 - self.epoch, "loss")
            self.epoch = epoch - 1
        if epoch - 1 == self.epoch:
            self.before = self.epoch_values(self.start)
            self.start = self.next_start(self.before)
            self.epoch = epoch

    # -- one row -----------------------------------------------------------------
    def check_row(self, sheet: Sheet, row: SheetRow) -> list[Mismatch]:
        self.advance(row.epoch)
        correct = self.epoch_values(self.start)
        wrong = frozenset(s for s, number in row.cells.items() if not self.close(number, correct[s]))
        found = []
        if wrong:
            held, starts = self.trace_student(row, correct, wrong)
            found = sorted((self.mismatch(sheet, row, s, correct, held, starts) for s in wrong),
                           key=lambda m: self.order[m.symbol])
        else:
            held = _Held(row.epoch, correct)
        self.held = held
        self.before, self.start, self.epoch = correct, self.next_start(correct), row.epoch + 1
        return found

    def close(self, number: Number, reference: float, spread: float = 0.0) -> bool:
        return agrees(number.value, reference, self.rel_tol, number.half_unit, spread)

    def evaluate(self, n: int, values: dict[str, float], uncertainty: dict[str, float]) -> tuple[float, float]:
        """Quantity n from `values`, and how far the inputs' uncertainty can move it."""
        evaluate = self.evaluators[n]
        value = evaluate(values)
        spread = 0.0
        for read in self.quantities[n].reads:
            moved = uncertainty.get(read, 0.0)
            if moved:
                held = values[read]
                values[read] = held + moved
                up = evaluate(values)
                values[read] = held - moved
                down = evaluate(values)
                values[read] = held
                spread += max(abs(up - value), abs(down - value))
        return value, spread

    def inherited(self, epoch: int) -> _Held:
        """The free values the student should start `epoch` with, from the last row of the sheet."""
        last = self.held
        if last is None:
            return _Held(epoch, {s: self.start[s] for s in self.free})
        start = _Held(epoch, {})
        for symbol in self.free:
            if symbol in self.updates:
                n = self.updates[symbol]
                value, spread = self.evaluate(n, last.values, last.uncertainty)
                origin, tainted = last.origin_of(self.quantities[n].reads)
            else:
                value, spread = last.values[symbol], last.uncertainty.get(symbol, 0.0)
                origin, tainted = last.origin_of((symbol,))
            start.values[symbol] = value
            start.uncertainty[symbol] = spread
            if origin is not None:
                start.origin[symbol] = origin
            if tainted:
                start.tainted.add(symbol)
        skipped = epoch - last.epoch - 1
        if skipped > 0:  # run the skipped epochs as a correct student would, from the sheet's values
            origin, tainted = start.origin_of(self.free)
            env, _ = self.program.run(start.values, skipped, "loss")
            start = _Held(epoch, {s: env[s] for s in self.free})
            if origin is not None:
                start.origin = {s: origin for s in self.free}
            if tainted:
                start.tainted = set(self.free)
        return start

    def trace_student(self, row: SheetRow, correct: dict[str, float], wrong: frozenset) -> tuple[_Held, set[str]]:
        """Recompute the row from what the student had; return that and the cells where mistakes start."""
        start = self.inherited(row.epoch)
        held = _Held(row.epoch, {}, wrong=wrong)
        starts: set[str] = set()

        def settle(symbol: str, value: float, spread: float, origin: int | None, tainted: bool) -> None:
            number = row.cells.get(symbol)
            if number is None:  # not on the sheet: the student's value is the recomputed one
                held.values[symbol], held.uncertainty[symbol] = value, spread
            elif symbol in wrong:
                held.values[symbol], held.uncertainty[symbol] = number.value, number.half_unit
                consistent = self.close(number, value, spread)
                if origin is None or not consistent:
                    starts.add(symbol)
                    if consistent:  # right from its inputs, and none of them wrong: they were rounded
                        held.rounded.add(symbol)
                    origin = row.epoch
                tainted = True
            else:
                # A right value may still be a hair off, and a later formula can magnify that
                # beyond the tolerance, so the student's own number is what later cells read.
                # Its hidden digits lie between it and the correct value.
                held.values[symbol] = number.value
                held.uncertainty[symbol] = min(number.half_unit, abs(number.value - correct[symbol]))
                tainted = False
            if origin is not None:
                held.origin[symbol] = origin
            if tainted:
                held.tainted.add(symbol)

        for symbol in self.free:
            settle(symbol, start.values[symbol], start.uncertainty.get(symbol, 0.0), start.origin.get(symbol),
                   symbol in start.tainted)
        for n, q in self.epoch_steps:
            value, spread = self.evaluate(n, held.values, held.uncertainty)
            settle(q.symbol, value, spread, *held.origin_of(q.reads))
        return held, starts

    def mismatch(self, sheet: Sheet, row: SheetRow, symbol: str, correct, held: _Held, starts) -> Mismatch:
        quantity, inputs, causes, rounded = None, {}, (), ()
        if symbol in self.program.index:
            quantity = self.quantities[self.program.index[symbol]]
            inputs = {read: correct[read] for read in quantity.reads}
            on_sheet = self.nearest_on_sheet(symbol, row)
            causes = tuple(read for read in on_sheet if read in held.wrong)
            if symbol in held.rounded:
                rounded = tuple(read for read in on_sheet
                                if read not in held.wrong and row.cells[read].value != correct[read])
        elif symbol in self.updates and row.epoch > 1:
            quantity = self.quantities[self.updates[symbol]]
            inputs = {read: self.before[read] for read in quantity.reads}
            last = self.held
            if last is not None and last.epoch == row.epoch - 1:
                causes = tuple(read for read in quantity.reads if read in last.wrong)
        number = row.cells[symbol]
        return Mismatch(
            epoch=row.epoch, symbol=symbol, cell=sheet.cell(symbol, row.line), column=sheet.columns[symbol][1],
            sheet=number.value, sheet_text=number.text, correct=correct[symbol],
            formula=quantity.formula if quantity is not None else self.describe_free(symbol, row.epoch),
            starts_here=symbol in starts, causes=causes, origin=held.origin[symbol], rounded=rounded,
            quantity=quantity, inputs=inputs,
        )

    def nearest_on_sheet(self, symbol: str, row: SheetRow) -> list[str]:
        """The inputs of `symbol` the sheet shows, looking through those it does not, in computed order."""
        found, seen = [], set()
        pending = list(self.quantities[self.program.index[symbol]].reads)
        while pending:
            read = pending.pop(0)
            if read in seen:
                continue
            seen.add(read)
            if read in row.cells:
                found.append(read)
            elif read in self.program.index:
                pending += self.quantities[self.program.index[read]].reads
        return sorted(found, key=self.order.__getitem__)

    def describe_free(self, symbol: str, epoch: int) -> str:
        if symbol == "lr":
            return "lr is the learning rate, the same every epoch"
        if symbol in self.program.parameters:
            if epoch > 1:
                return f"{symbol} is not trained: it keeps its starting value"
            return f"{symbol} is a starting value of the network"
        return f"{symbol} is given by the sample"


def _earliest(origins) -> int | None:
    known = [origin for origin in origins if origin is not None]
    return min(known) if known else None


# -- text for people ---------------------------------------------------------------

MAX_LINES = 40


def render_text(report: CheckReport, digits: int = 6) -> str:
    cells = f"{_count(report.rows, 'row')}, {_count(report.cells, 'cell')}"
    if report.ok:
        return (f"{report.path}: every cell is right ({cells} checked against {report.network}, "
                f"within a relative {format_number(report.rel_tol)} or the precision each value is printed with)\n")
    count, starts = len(report.mismatches), len(report.starts)
    summary = f"{report.path}: {_count(count, 'wrong cell')} of {cells}, checked against {report.network}"
    if starts < count:
        summary += (f"; {'a mistake starts' if starts == 1 else 'mistakes start'} in {starts:,}, "
                    f"the other {count - starts:,} follow{'s' if count - starts == 1 else ''} from "
                    f"{'it' if starts == 1 else 'them'}")
    first = report.first
    shown_sheet, shown_correct = _two_numbers(first, digits)
    lines = [summary + ".", "",
             f"The first wrong cell: epoch {first.epoch}, {first.symbol} in {first.cell} (column {first.column!r})",
             f"  sheet    {shown_sheet}",
             f"  correct  {shown_correct}",
             f"  {first.formula}"]
    if first.quantity is not None:
        numbers = first.substituted(digits).split(" = ", 1)[1]
        lines.append(f"  {' ' * len(first.symbol)} = {numbers} = {shown_correct}")
        if first.quantity.phase == UPDATE:
            lines[-1] += f"  (epoch {first.epoch - 1}'s numbers)"
    explanation = first.explanation()
    lines += [f"  {explanation[0].upper()}{explanation[1:]}.", ""]
    if count > 1:
        lines.append("Every wrong cell, in the order they are computed:")
        lines += _compact(report.mismatches, digits)
    return "\n".join(lines) + "\n"


def _two_numbers(mismatch: Mismatch, digits: int) -> tuple[str, str]:
    """The sheet's value as written, and the correct one with enough digits to differ from it."""
    for shown in range(digits, 18):
        correct = format_number(mismatch.correct, shown)
        if correct != format_number(mismatch.sheet, shown):
            break
    return mismatch.sheet_text, correct


def _compact(mismatches: list[Mismatch], digits: int) -> list[str]:
    by_epoch: dict[int, list[Mismatch]] = {}
    for m in mismatches:
        by_epoch.setdefault(m.epoch, []).append(m)
    lines, run = [], None  # run: [first epoch, last epoch, origin, cells] of rows that only follow from one epoch
    for epoch, found in by_epoch.items():
        origins = {m.follows_epoch for m in found}
        if len(origins) == 1 and None not in origins:
            origin = origins.pop()
            if run and run[2] == origin:
                run[1], run[3] = epoch, run[3] + len(found)
                continue
            if run:
                lines.append(_run_line(run))
            run = [epoch, epoch, origin, len(found)]
            continue
        if run:
            lines.append(_run_line(run))
            run = None
        for m in found:
            sheet, correct = _two_numbers(m, digits)
            lines.append(f"  epoch {m.epoch}, {m.symbol} in {m.cell}: sheet {sheet}, correct {correct}; {m.explanation()}")
    if run:
        lines.append(_run_line(run))
    if len(lines) > MAX_LINES:
        hidden = len(lines) - MAX_LINES
        lines = lines[:MAX_LINES] + [f"  … and {_count(hidden, 'more line')} (--format json lists every cell)"]
    return lines


def _run_line(run) -> str:
    first, last, origin, cells = run
    epochs = f"epoch {first}" if first == last else f"epochs {first}–{last}"
    return f"  {epochs}: {_count(cells, 'wrong cell')}, all following from epoch {origin}"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
