"""What the app writes besides ctrl+s's sessions: the exports of `x`, and where a hang-up saves.

Run in a worker thread; nothing here touches a widget.  The app imports this
module on first use: the session module and the sheets it needs would cost
start-up (docs/architecture.md, "Imports").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..core import Stepper
from ..core.batches import Schedule
from ..core.expr import counted
from ..core.loader import network_text
from ..core.quiz import Quiz
from ..core.safe_files import safe_file_name, together
from ..core.session import SESSION_SUFFIX
from ..reports.explanation import explanation_lines, write_rows
from ..sheets.xlsx import workbook_data, workbook_refusal
from ..user_data import data_folder


class InEpoch:
    """An operation of a fresh stepper, which counts from epoch 1, told as the session's `epoch`."""

    def __init__(self, operation, epoch: int):
        self.operation, self.epoch = operation, epoch

    def __getattr__(self, name: str):
        return getattr(self.operation, name)


class Stopped(Exception):
    """Raised by an export's `progress` to stop it: nothing of it is written."""


def first_free(paths_for) -> list[Path]:
    """`paths_for(number)` for number "", "-2", "-3", …: the first list of which no file exists yet.
    What the app writes on its own never overwrites the student's files, nor writes through a link
    among them (a dangling link is taken, like a file)."""
    count = 1
    while True:
        paths = paths_for("" if count == 1 else f"-{count}")
        if not any(os.path.lexists(path) for path in paths):
            return paths
        count += 1


def export_paths(name: str, folder: Path) -> list[Path]:
    """The export files: NAME-history.csv, NAME.xlsx, NAME-solution.md, NAME-network.toml and NAME-quiz.csv
    (numbered if any is taken)."""
    name = safe_file_name(name)  # it comes from a file: a plain name, so that every export lands in `folder`
    return first_free(lambda number: [folder / f"{name}{number}-history.csv", folder / f"{name}{number}.xlsx",
                                      folder / f"{name}{number}-solution.md", folder / f"{name}{number}-network.toml",
                                      folder / f"{name}{number}-quiz.csv"])


def hangup_folder() -> Path:
    """Where hang-up saves wait: the user's data folder, never the working folder (every closed terminal
    would leave a file among the user's own)."""
    return data_folder() / "hang-ups"


def hangup_path(name: str, session_path: str | None) -> Path:
    """Where the work goes when the terminal hangs up: NAME-hangup.backprop in hangup_folder() (created),
    NAME the session's it came from or the network's (numbered if taken)."""
    folder = hangup_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_file_name(Path(session_path).name.removesuffix(SESSION_SUFFIX) if session_path else name)
    return first_free(lambda number: [folder / f"{name}-hangup{number}{SESSION_SUFFIX}"])[0]


def hangup_saves() -> list[Path]:
    """The hang-up saves waiting in hangup_folder(), newest first."""
    try:
        saves = [path for path in hangup_folder().iterdir() if path.name.endswith(SESSION_SUFFIX) and path.is_file()]
        return sorted(saves, key=lambda path: path.stat().st_mtime, reverse=True)
    except OSError:  # no folder yet, or one that cannot be read: nothing to tell
        return []


def export_files(stepper: Stepper, folder: Path = Path("."), quiz: Quiz | None = None,
                 progress: Callable[[int, int], None] | None = None, self_contained: bool = False) -> str:
    """Write the whole history as CSV, the current epoch as a live workbook and a worked solution in
    Markdown, the network with the parameters reached as a network file (which --config loads), and
    the quiz's score once it has asked something; returns one line saying what went where.  OSError,
    ExportError or NetworkError (parameters no longer finite) on failure.

    `progress(done, total)` hears of every row and operation written; raising Stopped stops the export.
    The files are written together (core.safe_files.together): a failure or a stop leaves none of them.  A
    network whose workbook the format cannot hold (over 16,384 columns: a formula for every value of
    every sample) gets the other files, and the line says why.  `self_contained`: the network file holds its
    samples rather than the path of the data file they came from (served: the server's paths mean nothing
    to a visitor, and are not theirs to know)."""
    history = stepper.history
    net = stepper.network()
    epoch = stepper.epoch + 1 if stepper.epoch_done else stepper.epoch
    csv_path, xlsx_path, solution_path, network_path, quiz_path = export_paths(stepper.net.name, folder)
    schedule = stepper.schedule
    solution = Stepper(net)
    rows, operations = len(history), solution.operations_left("epoch")
    no_workbook = workbook_refusal(Schedule(net), 1)
    done = 0

    def counting(items):
        """`items`, telling `progress` of each (a row of a large network's history is a MB of text)."""
        nonlocal done
        for item in items:
            done += 1
            if progress is not None:
                progress(done, rows + operations)
            yield item

    with together() as files:
        with files.writer(csv_path, newline="", encoding="utf-8") as stream:
            if schedule.batched:  # a row per step, its batch after the epoch, as train --csv writes them
                write_rows(stream, ["batch", *history.columns],
                           counting((schedule.place(k)[0], [schedule.place(k)[1], *history.row(k, rows)])
                                    for k in range(1, rows + 1)))
            else:
                write_rows(stream, history.columns, counting((k, history.row(k, rows)) for k in range(1, rows + 1)))
        if not no_workbook:
            with files.writer(xlsx_path, "wb") as stream:
                stream.write(workbook_data(net, 1).getbuffer())
        start = dict(solution.values)
        steps = counting(InEpoch(op, epoch) for op in solution.steps(1, undoable=False))
        with files.writer(solution_path, encoding="utf-8") as stream:
            # digits None: as `explain` writes it by default, not cut to the screen's 6 digits
            for line in explanation_lines(net, start, steps, None, markdown=True):
                stream.write(line + "\n")
        with files.writer(network_path, encoding="utf-8") as stream:
            stream.write(network_text(replace(net, source=None) if self_contained else net, network_path))
        quiz_note = ""
        if quiz is not None and quiz.has_score():
            with files.writer(quiz_path, newline="", encoding="utf-8") as stream:
                quiz.write_score(stream)
            quiz_note = f"; the quiz's score in {quiz_path.name}"
    mixed = "".join(f"; {schedule.describe(step) if schedule.batched else f'epoch {step:,}'}'s row mixes numbers "
                    f"from before and after {', '.join(symbols)} {'was' if len(symbols) == 1 else 'were'} edited midway"
                    for step, symbols in sorted(history.mixed.items()))
    files_note = f"{xlsx_path.name} and {solution_path.name}" if not no_workbook else (
        f"{solution_path.name} (no workbook: {no_workbook})")
    return (f"Exported {csv_path.name} ({counted(rows, schedule.unit)}), {files_note} "
            f"(epoch {epoch:,}, from {stepper.describe_numbers()}); the network, with those numbers, in "
            f"{network_path.name}{quiz_note}{mixed}")
