"""The confusion matrix of the current parameters as a dialog: for each class of target, how many samples
the network names as each class, for the training samples and the held-out ones."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...core.expr import format_number
from ...core.metrics import Metrics
from .line_panel import ascii_scrollbars
from .screens import dialog_footer


def confusion_text(metrics: Metrics, matrix: list[list[int]], what: str) -> str:
    """One matrix as text: a row per target class, a column per class named, the accuracy above it."""
    names = metrics.class_names()
    right, total, share = metrics.diagonal(matrix)
    accuracy = f"accuracy {format_number(share, 4)} ({right:,} of {total:,} right)" if total else "no samples"
    width = max(6, *(len(f"{n:,}") for row in matrix for n in row), *map(len, names))
    label = max(len("target"), *map(len, names))
    lines = [f"{what}: {accuracy}",
             " " * label + "  " + "named as".center((width + 2) * len(names) - 2),
             "target".ljust(label) + "".join(f"  {name:>{width}}" for name in names)]
    for name, row in zip(names, matrix):
        lines.append(name.ljust(label) + "".join(f"  {n:>{width},}" for n in row))
    return "\n".join(lines)


class ConfusionScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,C,q", "close", "Close", tooltip="Close the confusion matrix")]

    def __init__(self, title: str, tables: list[str], note: str):
        super().__init__()
        self.title_text, self.tables, self.note = title, tables, note

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog") as dialog:
            # As wide as the widest table, so that no row wraps (.dialog's max-width still holds).
            dialog.styles.width = max(len(line) for text in [self.title_text, *self.tables] for line in text.splitlines()) + 8
            yield Label(self.title_text, classes="dialog-title", markup=False)
            for table in self.tables:
                yield Static(table, classes="confusion", markup=False)
            yield Label(self.note, classes="dim", markup=False)
        yield dialog_footer()  # its own keys, over the main screen's

    def on_mount(self) -> None:
        ascii_scrollbars(self.query_one(VerticalScroll))

    def action_close(self) -> None:
        self.dismiss(None)
