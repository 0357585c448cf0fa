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

Mini-batches (core/batches.py).  A network that learns in batches has a row
per update step, named by its epoch and batch, and each row is checked against
the program of its step (a smaller last batch has its own) with the step's
samples from the schedule: everything above holds with "step" for "epoch".  The
parameters carry from step to step; the samples do not, each batch brings its
own.  So the checker's program-dependent state is kept per program (`_Shape`)
and chosen by the row's step; an origin is a step number, named "epoch 3 ·
batch 2" in the report.

Where a mistake starts, core/slips.py (the catalogue the quiz uses too) names the common slip that gives the sheet's
number, if one does; the cells of one slip (a formula filled down) form one
group in the report.
"""

from __future__ import annotations

import math
from collections import ChainMap
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core import Network
from ..core.batches import COMPILED, Schedule
from ..core.expr import counted, format_number
from ..core.precision import agrees
from ..core.program import Program, Record
from ..core.quantity import UPDATE, Quantity
from ..core.slips import ROUNDING, Slip, SlipFinder, implied_rate, rate_slip
from .check_report import CheckReport, Mismatch, SlipGroup, step_name
from .columns import Columns, Sheet, SheetRow, read_sheet, sheet_from_table
from .reader import Number, SheetError, read_table

REL_TOL = 1e-4
# Cells of one sheet for which every slip is tried; after these, only slips already found are (bounded work).
MAX_SLIP_SEARCHES = 5_000
# Wrong cells a report lists, each with its formula's numbers, its explanation and its slip; the ones after
# are counted, not listed: a sheet of 100,000 epochs with every cell off has millions (issue 18).
MAX_LISTED = 10_000

__all__ = ["REL_TOL", "SheetError", "check", "check_fitting", "check_sheet"]


def check_sheet(path: str | Path, net: Network, rel_tol: float = REL_TOL) -> CheckReport:
    """Read a sheet and check it; raises SheetError (one line) when it cannot be read.

    With mini-batches the sheet has a row per update step, in the columns of a full batch's program."""
    schedule = Schedule(net)
    program = schedule.program(1)
    return check(read_sheet(path, program, schedule.steps_per_epoch), program, rel_tol, schedule=schedule)


def check_fitting(path: str | Path, networks: dict[str, Network], asked: str, explicit: bool,
                  rel_tol: float = REL_TOL) -> CheckReport:
    """Check a sheet against the network `asked` for, or, unless it was `explicit`, the one it fits.

    A sheet fits the network whose starting values it gives (lr, weights, biases, inputs, targets)
    with the fewest wrong, then with the fewest wrong cells in all; a sheet with bias columns fits
    only a network with biases.  The report's note says when another network fits better.
    """
    table = read_table(path)
    reports, errors = {}, {}

    def checked(name: str, listed: int | None = None) -> CheckReport:
        schedule = Schedule(networks[name])
        program = schedule.program(1)
        sheet = sheet_from_table(str(path), table, Columns(program, schedule.steps_per_epoch))
        return check(sheet, program, rel_tol, schedule=schedule, listed=listed)

    # Which network fits is a matter of counts: each is checked for them alone, and the one whose
    # report is given is checked again in full (every cell of a long sheet traced once, not per network).
    for name in networks:
        try:
            reports[name] = checked(name, listed=0)
        except SheetError as error:
            errors[name] = error
    if not reports:
        raise errors[asked]

    def misfit(name: str) -> tuple[int, int, bool]:
        report = reports[name]
        return report.wrong_given, report.wrong, name != asked

    best = min(reports, key=misfit)
    if best == asked or (asked in reports and misfit(best)[:2] == misfit(asked)[:2]):
        return checked(asked)
    against = (f"{counted(reports[asked].wrong, 'wrong cell')} against {asked}" if asked in reports
               else f"its columns are not all {asked}'s")
    fits = f"the sheet fits --preset {best} ({counted(reports[best].wrong, 'wrong cell')}; {against})"
    if explicit:
        if asked not in reports:
            raise SheetError(f"{errors[asked]}; {fits}")
        return replace(checked(asked), note=fits)
    return replace(checked(best), note=f"checked against {best}: {fits}")


def check(sheet: Sheet, program: Program, rel_tol: float = REL_TOL, slips: SlipFinder | None = None,
          schedule: Schedule | None = None, listed: int | None = None) -> CheckReport:
    """Check every cell of `sheet`; `slips` may be shared by sheets of one shape with the same columns.

    A batched network's `schedule` says which program and samples each row's step has; `program` is
    then its first step's (a full batch's).  The first `listed` wrong cells (MAX_LISTED by default) are
    listed, each traced to where its mistake starts and with its slip; the rest are counted."""
    listed = MAX_LISTED if listed is None else listed
    if schedule is None:  # a full-batch network's (a batched network's caller passes its schedule)
        schedule = Schedule(program.net, program)
    row = "batch" if schedule.batched else "epoch"  # what the slips call a row
    checker = _Checker(schedule, rel_tol, slips or SlipFinder(program, set(sheet.columns), row), set(sheet.columns),
                       row)
    mismatches, cells, rows, wrong, given, given_cells = [], 0, 0, 0, 0, 0
    first_epoch = last_epoch = epochs = 0  # of the epochs with a wrong cell
    # The cells a row's step has a column for and the row leaves blank; the last row may ask only for the
    # parameters after the last update (as `exercise` does), so its count waits until it is known to be last.
    blanks, last_row_blanks = [], ([], [])
    # The rows are read as they are checked, one at a time (the sheet is never held whole).
    for n, row in enumerate(sheet.rows):
        step = schedule.step(row.epoch, row.batch)
        if n == 0 and step == 1 and sheet.given:  # starting values given above the header
            row = replace(row, cells={**{s: g[0] for s, g in sheet.given.items()}, **row.cells})
        row = checker.own_cells(sheet, row, step)
        found, count, starting_values = checker.check_row(sheet, row, step, listing=len(mismatches) < listed)
        mismatches += found[: listed - len(mismatches)]
        if count:
            wrong += count
            given += starting_values if row.epoch == 1 else 0
            epochs += row.epoch != last_epoch
            first_epoch, last_epoch = first_epoch or row.epoch, row.epoch
        cells += len(row.cells)
        blanks += last_row_blanks[0]
        empty = [(symbol, row.line) for symbol in sheet.columns if symbol in checker.here.symbols and symbol not in row.cells]
        parameters = checker.here.parameters
        only_parameters = all(symbol in parameters for symbol in row.cells)
        last_row_blanks = (empty, [blank for blank in empty if blank[0] in parameters] if only_parameters else empty)
        if row.epoch == 1:  # the starting values, as check_row counts the wrong ones
            given_cells += sum(1 for s in row.cells if checker.here.is_given(s, step))
        rows += 1
    blanks += last_row_blanks[1]
    mismatches, groups = _group_slips(mismatches)
    return CheckReport(
        path=sheet.path, network=schedule.net.name, rel_tol=rel_tol, rows=rows,
        cells=cells,
        columns={symbol: header for symbol, (_, header) in sheet.columns.items()}, mismatches=mismatches,
        slips=groups, wrong=wrong, wrong_given=given, given=given_cells, wrong_epochs=(first_epoch, last_epoch, epochs),
        blank=len(blanks), first_blank=f"{blanks[0][0]} in {sheet.cell(*blanks[0])}" if blanks else None,
    )


def _group_slips(mismatches: list[Mismatch]) -> tuple[list[Mismatch], list[SlipGroup]]:
    """The cells of each slip together: a slip filled down a column is one slip, not one per row."""
    at: dict[tuple, list[int]] = {}
    for n, m in enumerate(mismatches):
        if m.slip is not None:
            at.setdefault(m.slip.key, []).append(n)
    mismatches = list(mismatches)
    groups = []
    for number, positions in enumerate(at.values()):
        for n in positions:
            mismatches[n] = replace(mismatches[n], group=number)
        groups.append(SlipGroup(mismatches[positions[0]].slip, [mismatches[n] for n in positions]))
    return mismatches, groups


@dataclass
class _Held:
    """What the student held in one step (an epoch, without batches), as far as the sheet tells: values,
    their uncertainty, their origin."""

    step: int
    values: dict[str, float]
    uncertainty: dict[str, float] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)  # the step where the mistake behind a value started
    tainted: set[str] = field(default_factory=set)  # values that are wrong, or computed from wrong ones
    wrong: frozenset = frozenset()  # the cells of this row that are wrong on the sheet
    rounded: set[str] = field(default_factory=set)  # wrong cells computed rightly from values printed too short
    spread: dict[str, float] = field(default_factory=dict)  # how far the inputs' uncertainty moves a wrong cell

    def origin_of(self, reads) -> tuple[int | None, bool]:
        """Where the mistakes in these inputs started, and whether any input is wrong.

        Wrong inputs decide; only without one do right values that are a hair off
        (a mistake further back, within the tolerance) pass their origin on.
        """
        wrong = [self.origin[read] for read in reads if read in self.tainted]
        if wrong:
            return min(wrong), True
        return _earliest(self.origin.get(read) for read in reads), False


class _Shape:
    """What the checker knows of one program: its quantities in order, its updates, its slips.

    Without batches there is one; a batched network has one per batch size (the smaller last
    batch has its own program), and each row is checked with its step's."""

    def __init__(self, program: Program, slips: SlipFinder):
        self.program = program
        self.slips = slips
        # Built once and kept: a program builds a quantity anew each time one is read, and every row
        # evaluates them all.
        self.quantities = list(program.quantities)
        self.evaluators = [q.evaluate for q in self.quantities]
        self.epoch_steps = [(n, q) for n, q in enumerate(self.quantities) if q.phase != UPDATE]
        # Each carried value's update (a parameter's, an optimizer's state), from the values of the step before.
        self.updates = program.step_updates()
        self.free = list(program.free)
        self.free_symbols = set(self.free)
        self.symbols = {*self.free, *(q.symbol for _, q in self.epoch_steps)}  # what a row of this program can show
        self.parameters = set(program.parameters)  # all a last row may hold: the parameters after the last update
        computed = ["lr", *program.parameters, *self.free, *(q.symbol for _, q in self.epoch_steps)]
        self.order = {symbol: n for n, symbol in reversed(list(enumerate(computed)))}

    def is_given(self, symbol: str, step: int) -> bool:
        """Whether a row's cell is a starting value (a free symbol: no formula computes it in the step, and
        after the first step no update does)."""
        return symbol in self.free_symbols and not (symbol in self.updates and step > 1)

    def step_values(self, start: dict[str, float]) -> dict[str, float]:
        """Every value of a step (an epoch) from its free values."""
        values = dict(start)
        for n, q in self.epoch_steps:
            values[q.symbol] = self.evaluators[n](values)
        return values

    def updated(self, values: dict[str, float]) -> dict[str, float]:
        """The step's values with the parameters updated: what the next step starts from."""
        updated = dict(values)
        updated.update((symbol, q.evaluate(values)) for symbol, q in self.updates.items())
        return updated

    def evaluate(self, n: int | Quantity, values: dict[str, float], uncertainty: dict[str, float]) -> tuple[float, float]:
        """Quantity n (or the quantity itself) from `values`, and how far the inputs' uncertainty can move it."""
        quantity = self.quantities[n] if isinstance(n, int) else n
        evaluate = quantity.evaluate
        value = evaluate(values)
        spread = 0.0
        for read in quantity.reads:
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


class _Checker:
    def __init__(self, schedule: Schedule, rel_tol: float, slips: SlipFinder, columns: set[str], row: str):
        self.schedule = schedule
        self.row = row
        self.per = schedule.steps_per_epoch  # how Mismatch names a step: 1 without batches
        self.columns = columns
        self.shapes = {schedule.batch_size(1): _Shape(slips.program, slips)}
        self.searches = 0
        self.rel_tol = rel_tol
        # The correct run: free values at the start of `step`, and every value of the step before.
        self.start = self.start_of(1, schedule.net.start_env())
        self.step = 1
        self.before: dict[str, float] | None = None
        self.held: _Held | None = None
        self.here = self.shape(1)  # the shape of the row being checked

    def shape(self, step: int) -> _Shape:
        size = self.schedule.batch_size(step)
        if size not in self.shapes:
            program = self.schedule.program(step)
            self.shapes[size] = _Shape(program, SlipFinder(program, self.columns, self.row))
        return self.shapes[size]

    # -- the correct run -------------------------------------------------------
    def start_of(self, step: int, values: dict[str, float]) -> dict[str, float]:
        """The free values `step` starts with: lr and the parameters of `values`, and, with batches,
        the samples the schedule gives the step (without, `values` hold the samples too)."""
        if self.schedule.batched:
            values = {**values, **self.schedule.samples_env(step)}
        return {symbol: values[symbol] for symbol in self.shape(step).free}

    def run_steps(self, env: dict[str, float], first: int, count: int) -> dict[str, float]:
        """The free values after `count` steps from step `first` (whose free values `env` are), on the fast path."""
        env, _ = self.schedule.train(COMPILED, env, first, count, Record.LOSS)
        return self.start_of(first + count, env)

    def advance(self, step: int) -> None:
        if step - 1 > self.step:  # steps the sheet skips: the fast path
            self.start = self.run_steps(self.start, self.step, step - 1 - self.step)
            self.step = step - 1
        if step - 1 == self.step:
            self.before = self.shape(self.step).step_values(self.start)
            self.start = self.start_of(step, self.shape(self.step).updated(self.before))
            self.step = step

    # -- one row -----------------------------------------------------------------
    def own_cells(self, sheet: Sheet, row: SheetRow, step: int) -> SheetRow:
        """The row without the cells its step's program has no symbol for: a smaller last batch lacks
        the samples a full one has, and their cells must be blank (or nan, as `train --csv` writes)."""
        symbols = self.shape(step).symbols
        extra = [symbol for symbol in row.cells if symbol not in symbols]
        if not extra:
            return row
        for symbol in extra:
            number = row.cells[symbol]
            if not math.isnan(number.value):
                size = self.schedule.batch_size(step)
                raise SheetError(f"{sheet.path}: cell {sheet.cell(symbol, row.line)} ({symbol}) holds {number.text}, "
                                 f"but {step_name(step, self.per)} has {counted(size, 'sample')}; leave it blank")
        return replace(row, cells={s: number for s, number in row.cells.items() if s in symbols})

    def check_row(self, sheet: Sheet, row: SheetRow, step: int, listing: bool = True) -> tuple[list[Mismatch], int, int]:
        """The row's wrong cells, each a Mismatch with where its mistake starts and its slip (only while
        `listing`: once the report lists no more, the rest are only counted, and not traced), how many
        cells are wrong, and how many of them are starting values (of a free symbol, with no formula)."""
        self.advance(step)
        here = self.here = self.shape(step)
        correct = here.step_values(self.start)
        wrong = frozenset(s for s, number in row.cells.items() if not self.close(number, correct[s]))
        found = []
        if wrong and listing:
            held, starts = self.trace_student(row, step, correct, wrong)
            found = sorted((self.mismatch(sheet, row, step, s, correct, held, starts) for s in wrong),
                           key=lambda m: here.order[m.symbol])
            found = self.name_slips(row, step, found, held, correct)
        else:
            held = _Held(step, correct)
        self.held = held
        self.before, self.start, self.step = correct, self.start_of(step + 1, here.updated(correct)), step + 1
        # As `mismatch` gives them no quantity: not computed in the step (a row's cells are its program's
        # free symbols or computed ones), nor (after the first) updated in it.
        given = sum(1 for s in wrong if here.is_given(s, step))
        return found, len(wrong), given

    def close(self, number: Number, reference: float, spread: float = 0.0) -> bool:
        return agrees(number.value, reference, self.rel_tol, number.half_unit, spread)

    def inherited(self, step: int) -> _Held:
        """The free values the student should start `step` with, from the last row of the sheet.

        An update reads lr, its parameter and its gradient, which every program of a schedule names
        alike, so this step's program computes the update of the step before.  A batch's samples are
        the schedule's, whatever the row before held."""
        here, last = self.here, self.held
        if last is None:
            return _Held(step, {s: self.start[s] for s in here.free})
        samples = self.schedule.samples_env(step) if self.schedule.batched else {}
        start = _Held(step, {})
        for symbol in here.free:
            if symbol in samples:
                start.values[symbol] = samples[symbol]
                continue
            if symbol in here.updates:
                update = here.updates[symbol]
                value, spread = here.evaluate(update, last.values, last.uncertainty)
                origin, tainted = last.origin_of(update.reads)
            else:
                value, spread = last.values[symbol], last.uncertainty.get(symbol, 0.0)
                origin, tainted = last.origin_of((symbol,))
            start.values[symbol] = value
            start.uncertainty[symbol] = spread
            if origin is not None:
                start.origin[symbol] = origin
            if tainted:
                start.tainted.add(symbol)
        skipped = step - last.step - 1
        if skipped > 0:  # run the skipped steps as a correct student would, from the sheet's values
            origin, tainted = start.origin_of(here.free)
            start = _Held(step, self.run_steps(start.values, last.step + 1, skipped))
            if origin is not None:
                start.origin = {s: origin for s in here.free}
            if tainted:
                start.tainted = set(here.free)
        return start

    def trace_student(self, row: SheetRow, step: int, correct: dict[str, float],
                      wrong: frozenset) -> tuple[_Held, set[str]]:
        """Recompute the row from what the student had; return that and the cells where mistakes start."""
        here = self.here
        start = self.inherited(step)
        held = _Held(step, {}, wrong=wrong)
        starts: set[str] = set()

        def settle(symbol: str, value: float, spread: float, origin: int | None, tainted: bool) -> None:
            number = row.cells.get(symbol)
            if number is None:  # not on the sheet: the student's value is the recomputed one
                held.values[symbol], held.uncertainty[symbol] = value, spread
            elif symbol in wrong:
                held.values[symbol], held.uncertainty[symbol] = number.value, number.half_unit
                held.spread[symbol] = spread
                consistent = self.close(number, value, spread)
                if origin is None or not consistent:
                    starts.add(symbol)
                    if consistent:  # right from its inputs, and none of them wrong: they were rounded
                        held.rounded.add(symbol)
                    origin = step
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

        for symbol in here.free:
            settle(symbol, start.values[symbol], start.uncertainty.get(symbol, 0.0), start.origin.get(symbol),
                   symbol in start.tainted)
        for n, q in here.epoch_steps:
            value, spread = here.evaluate(n, held.values, held.uncertainty)
            settle(q.symbol, value, spread, *held.origin_of(q.reads))
        return held, starts

    def mismatch(self, sheet: Sheet, row: SheetRow, step: int, symbol: str, correct, held: _Held,
                 starts) -> Mismatch:
        here = self.here
        quantity, inputs, causes, rounded, carried = None, {}, (), (), ()
        if symbol in here.program.index:
            quantity = here.quantities[here.program.index[symbol]]
            inputs = {read: correct[read] for read in quantity.reads}
            on_sheet = here.nearest_on_sheet(symbol, row)
            causes = tuple(read for read in on_sheet if read in held.wrong)
            if not causes and symbol not in starts:  # its inputs are right at their digits, yet carry a mistake
                carried = tuple(read for read in on_sheet if read in held.origin)
            if symbol in held.rounded:
                rounded = tuple(read for read in on_sheet
                                if read not in held.wrong and row.cells[read].value != correct[read])
        elif symbol in here.updates and step > 1:
            quantity = here.updates[symbol]
            inputs = {read: self.before[read] for read in quantity.reads}
            last = self.held
            if last is not None and last.step == step - 1:
                causes = tuple(read for read in quantity.reads if read in last.wrong)
        number = row.cells[symbol]
        return Mismatch(
            epoch=row.epoch, symbol=symbol, cell=sheet.cell(symbol, row.line), column=sheet.header(symbol),
            sheet=number.value, sheet_text=number.text, correct=correct[symbol],
            formula=quantity.formula if quantity is not None else self.describe_free(symbol, step),
            starts_here=symbol in starts, causes=causes, origin=held.origin[symbol], rounded=rounded, carried=carried,
            quantity=quantity, inputs=inputs, batch=row.batch, steps_per_epoch=self.per,
        )

    def name_slips(self, row: SheetRow, step: int, found: list[Mismatch], held: _Held,
                   correct) -> list[Mismatch]:
        """Each cell where a mistake starts with the slip that reproduces its number, where one does."""
        slips = self.here.slips
        last = self.held if self.held is not None and self.held.step == step - 1 else None
        by_rate = self.rate_slips(row, found, held, last)
        named = []
        for m in found:
            slip = None
            number = row.cells[m.symbol]
            if not m.starts_here:
                pass
            elif m.rounded:
                # Right from the sheet's rounded numbers, but a slip that needs no rounding to explain it is nearer.
                slip = slips.find(m.quantity, held.values, None if last is None else last.values, number.value,
                                  lambda value, number=number: self.close(number, value)) if m.quantity is not None else None
                slip = slip or Slip(ROUNDING, f"computed from {', '.join(m.rounded)} as rounded on the sheet",
                                    m.formula)
            elif m.symbol == "lr":
                slip = Slip("wrong learning rate", f"a learning rate of {m.sheet_text} where lr is "
                            f"{format_number(m.correct)}", f"lr = {m.sheet_text}")
            elif m.symbol in by_rate:
                slip = by_rate[m.symbol]
            elif m.quantity is not None and (m.quantity.phase != UPDATE or last is not None):
                update = m.quantity.phase == UPDATE
                spread = held.spread.get(m.symbol, 0.0)
                self.searches += 1
                slip = slips.find(m.quantity, last.values if update else held.values,
                                  None if update or last is None else last.values, number.value,
                                  lambda value, number=number, spread=spread: self.close(number, value, spread),
                                  search=self.searches <= MAX_SLIP_SEARCHES)
            else:
                slip = self.swapped_start(m, number, correct)
            named.append(m if slip is None else replace(m, slip=slip))
        return named

    def rate_slips(self, row: SheetRow, found: list[Mismatch], held: _Held, last: _Held | None) -> dict[str, Slip]:
        """The row's updates computed with another learning rate: one rate must give every wrong weight."""
        updates = [m for m in found if m.starts_here and m.quantity is not None and m.quantity.phase == UPDATE]
        if last is None or len(updates) < 2:  # one weight alone cannot tell a rate from any other slip
            return {}
        first = updates[0]
        rate = implied_rate(first.quantity, last.values, first.sheet)
        if rate is None or not math.isfinite(rate) or rate <= 0:
            return {}
        here = self.here
        for digits in range(1, 5):
            guess = float(f"{rate:.{digits}g}")
            if guess == last.values["lr"]:
                continue
            env = ChainMap({"lr": guess}, last.values)
            if all(self.close(row.cells[m.symbol], here.updates[m.symbol].evaluate(env),
                              held.spread.get(m.symbol, 0.0)) for m in updates):
                return {m.symbol: rate_slip(m.quantity, last.values, guess) for m in updates}
        return {}

    def swapped_start(self, m: Mismatch, number: Number, correct) -> Slip | None:
        """A starting value copied from its neighbour (w3's number where w2 belongs)."""
        for other in self.here.slips.neighbours(m.symbol):
            if other in correct and other in self.here.free and self.close(number, correct[other]):
                return Slip("neighbouring symbol", f"{other}'s value where {m.symbol}'s belongs",
                            f"{m.symbol} = {other}")
        return None

    def describe_free(self, symbol: str, step: int) -> str:
        if symbol == "lr":
            return "lr is the learning rate, the same every epoch"
        if symbol in self.here.program.parameters:
            if step > 1:
                return f"{symbol} is not trained: it keeps its starting value"
            return f"{symbol} is a starting value of the network"
        if self.schedule.batched:
            return f"{symbol} is given by the batch's {self.schedule.samples_text(step)}"
        return f"{symbol} is given by the sample"


def _earliest(origins) -> int | None:
    known = [origin for origin in origins if origin is not None]
    return min(known) if known else None
