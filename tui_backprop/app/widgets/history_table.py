"""One row per finished epoch, in the spreadsheet layout of `train --csv`."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import DataTable

from ...core import Stepper
from ...core.expr import format_number

DIGITS = 6
MAX_ROWS = 500  # a DataTable of 100,000 rows would be slow to build; the newest are what a student reads


class HistoryTable(DataTable):
    # No repaint of its own: sync() adds the rows an epoch finishes, and adding repaints.
    version = reactive(0, repaint=False)

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(zebra_stripes=True, cursor_type="row", **kwargs)
        self.stepper = stepper
        self.shown = (0, 0)  # (first epoch, last epoch) currently in the table
        # (epoch, column) → explanation, for cells a checked sheet got wrong
        self.marks: dict[tuple[int, str], str] = {}
        self.rebuild()  # before mounting, so that the first frame has the columns

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_newest)  # once it has a size to scroll in

    def watch_version(self) -> None:
        if self.is_mounted:
            self.sync()

    def _row(self, epoch: int) -> list[Text]:
        row = self.stepper.history.row(epoch)
        cells = [Text(str(epoch), style="bold")]
        for column, value in zip(self.stepper.history.columns, row):
            wrong = (epoch, column) in self.marks
            cells.append(Text(format_number(value, DIGITS), style="bold reverse red" if wrong else ""))
        return cells

    def rebuild(self) -> None:
        self.clear(columns=True)
        self.add_columns("epoch", *self.stepper.history.columns)
        last = len(self.stepper.history)
        first = max(1, last - MAX_ROWS + 1)
        for epoch in range(first, last + 1):
            self.add_row(*self._row(epoch), key=str(epoch))
        self.shown = (first, last)
        self._show_newest()

    def sync(self) -> None:
        first, last = self.shown
        now = len(self.stepper.history)
        if now == last:
            return
        if now == last + 1:  # the common case: one more epoch finished
            self.add_row(*self._row(now), key=str(now))
            if self.row_count > MAX_ROWS:
                self.remove_row(str(first))
                first += 1
            self.shown = (max(first, 1), now)
            self._show_newest()
        else:
            self.rebuild()

    def _show_newest(self) -> None:
        if self.row_count and self.is_mounted:
            self.move_cursor(row=self.row_count - 1, animate=False)
