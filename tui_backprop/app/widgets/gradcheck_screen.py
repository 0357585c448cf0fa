"""The gradient check as a dialog: each analytic gradient of this epoch against central differences."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from .line_panel import ascii_scrollbars
from .screens import dialog_footer


class GradientCheckScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,g,q", "close", "Close", tooltip="Close the gradient check")]

    def __init__(self, title: str, table: str, verdict: str, ok: bool):
        super().__init__()
        self.title_text, self.table, self.verdict, self.ok = title, table, verdict, ok

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog") as dialog:
            # As wide as the table, so that no row wraps (.dialog's max-width still holds on a small terminal).
            dialog.styles.width = max(map(len, [self.title_text, *self.table.splitlines()])) + 8
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.table, id="gradients", markup=False)
            yield Label(self.verdict, classes="dialog-title" if self.ok else "error", markup=False)
            yield Label("esc closes", classes="dim")
        yield dialog_footer()  # its own keys, over the main screen's

    def on_mount(self) -> None:
        ascii_scrollbars(self.query_one(VerticalScroll))

    def action_close(self) -> None:
        self.dismiss(None)
