"""What `x` writes: the history, a live workbook and a worked solution.

Run in a worker thread; nothing here touches a widget.  The heavy modules are
imported on first use, so that start-up stays fast.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..core import Stepper
from ..core.current import current_network, describe_start

EXPORT_DIGITS = 6


def export_paths(name: str, folder: Path) -> list[Path]:
    """The three export files, numbered (name-2, name-3, …) past any that already exist:
    an export never overwrites the student's files."""
    number = 1
    while True:
        stem = name if number == 1 else f"{name}-{number}"
        paths = [folder / f"{stem}-history.csv", folder / f"{stem}.xlsx", folder / f"{stem}-solution.md"]
        if not any(path.exists() for path in paths):
            return paths
        number += 1


def export_files(stepper: Stepper, folder: Path = Path(".")) -> str:
    """Write the whole history as CSV, and the current epoch as a live workbook and a worked
    solution in Markdown; returns one line saying what went where.  OSError or ExportError on failure."""
    from ..core.files import atomic_writer
    from ..sheets import export_xlsx
    from ..worked import render_explanation, write_rows

    history = stepper.history
    net = current_network(stepper)
    epoch = stepper.epoch + 1 if stepper.epoch_done else stepper.epoch
    csv_path, xlsx_path, solution_path = export_paths(stepper.net.name, folder)
    with atomic_writer(csv_path, newline="", encoding="utf-8") as stream:
        write_rows(stream, history.columns, ((k, history.row(k)) for k in range(1, len(history) + 1)))
    export_xlsx(net, 1, xlsx_path)
    solution = Stepper(net)
    start = dict(solution.values)
    # The fresh stepper counts from 1; its steps are this session's epoch.
    steps = [dataclasses.replace(op, epoch=epoch) for op in solution.trace(1)]
    with atomic_writer(solution_path, encoding="utf-8") as stream:
        stream.write(render_explanation(net, start, steps, EXPORT_DIGITS, markdown=True))
    return (f"Exported {csv_path.name} ({len(history):,} epochs), {xlsx_path.name} and {solution_path.name} "
            f"(epoch {epoch:,}, from {describe_start(stepper)})")

