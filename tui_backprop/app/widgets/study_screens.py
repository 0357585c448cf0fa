"""A page of text to read and close: a lesson's opening and closing, the progress table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from .screens import dialog_footer


class TextScreen(ModalScreen[None]):
    """A title and a text (a teacher's, or a table: shown as written, never as markup); enter or esc closes it."""

    BINDINGS = [Binding("escape,enter", "close", "Go on")]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog text-page"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.text, markup=False, id="text")
            yield Label("enter or esc: go on", classes="dim")
        yield dialog_footer()

    def action_close(self) -> None:
        self.dismiss(None)
