"""Students' sheets built from the core's own values, with slips planted by the core's own evaluators.

A slip is planted by evaluating the quantity's compiled formula with some of
the values it reads replaced (`ChainMap(overrides, values)`), so the sheet's
number is exactly what a student who made that slip computes; every later
value is computed from it, as on a real sheet.  No number is typed in.
"""

from __future__ import annotations

import csv
from collections import ChainMap

import openpyxl

from tui_backprop.core import UPDATE, build_program


def slipped_run(net, epochs: int, slips=None):
    """Every value of each epoch as a student computes them.

    `slips[(epoch, symbol)](compute, values, before)` gives the value the student writes for
    `symbol` in `epoch`: `compute(overrides)` evaluates the quantity's formula with
    `overrides` in place of the values it reads, `before` is the epoch before's values.
    A key naming a trained parameter plants the slip in that epoch's update.
    """
    slips = slips or {}
    program = build_program(net)
    start = net.start_env()
    rows: list[dict] = []
    for epoch in range(1, epochs + 1):
        values = dict(start)
        before = rows[-1] if rows else None
        for n, q in enumerate(program.quantities):
            if q.phase == UPDATE:
                continue
            values[q.symbol] = program.evaluators[n](values)
            slip = slips.get((epoch, q.symbol))
            if slip is not None:
                values[q.symbol] = slip(lambda overrides, n=n: program.evaluators[n](ChainMap(overrides, values)),
                                        values, before)
        rows.append(values)
        updated = dict(values)
        for n, q in enumerate(program.quantities):
            if q.phase == UPDATE:
                slip = slips.get((epoch, q.param))
                if slip is None:
                    updated[q.param] = program.evaluators[n](updated)
                else:
                    updated[q.param] = slip(lambda overrides, n=n: program.evaluators[n](ChainMap(overrides, values)),
                                            values, before)
        start = {symbol: updated[symbol] for symbol in program.free}
    return program, rows


def every_epoch(epochs: int, symbol: str, slip):
    """The same slip filled down a column."""
    return {(epoch, symbol): slip for epoch in range(1, epochs + 1)}


def write_sheet(path, columns, rows, *, title=False, given=None, shown=repr, number_format=None):
    """A CSV or XLSX sheet (by the suffix): a header of symbols and one row per epoch.

    With `title`, a title line and a block of `given` starting values (symbol -> value) sit above
    the header; `shown` writes a CSV number (an XLSX number is stored in full, shown in `number_format`).
    """
    lines = []
    if title:
        lines.append(["Backpropagation exercise, worked by hand"])
        block = []
        for symbol, value in (given or {}).items():
            block += [symbol, value]
        lines.append(block)
        lines.append([])
    lines.append(list(columns))
    lines += [[row[symbol] for symbol in columns] for row in rows]
    if str(path).endswith(".xlsx"):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for line in lines:
            sheet.append(line)
        if number_format:
            for row in sheet.iter_rows(min_row=len(lines) - len(rows) + 1):
                for cell in row:
                    cell.number_format = number_format
        workbook.save(path)
    else:
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            for line in lines:
                writer.writerow([shown(cell) if isinstance(cell, float) else cell for cell in line])
    return path
