"""Modal screens: asking for a value, running epochs, and the help page."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Static


class PromptScreen(ModalScreen[str | None]):
    """One line of input; `check` returns an error message or None, and the screen stays open on error."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "",
                 check: Callable[[str], str | None] | None = None, suggestions: list[str] | None = None):
        super().__init__()
        self.title_text, self.placeholder, self.value, self.check = title, placeholder, value, check
        self.suggestions = suggestions

    def compose(self) -> ComposeResult:
        from textual.suggester import SuggestFromList

        with Vertical(classes="dialog"):
            # Every label here may quote what the user typed or a file held: plain text, never markup.
            yield Label(self.title_text, classes="dialog-title", markup=False)
            suggester = SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None
            yield Input(value=self.value, placeholder=self.placeholder, suggester=suggester)
            yield Label("", id="error", classes="error", markup=False)
            yield Label("enter to confirm · esc to cancel", classes="dim")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        error = self.check(event.value) if self.check else None
        if error:
            self.query_one("#error", Label).update(error)
        else:
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A question with two answers: enter says yes, escape says no."""

    BINDINGS = [Binding("enter,y", "answer(True)", "Yes"), Binding("escape,n", "answer(False)", "No")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            yield Label("enter or y: yes · esc or n: no", classes="dim")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class RunScreen(ModalScreen[None]):
    """Progress of a run of many epochs; escape asks the worker to stop."""

    BINDINGS = [Binding("escape", "cancel", "Stop the run")]

    def __init__(self, epochs: int, on_cancel: Callable[[], None]):
        super().__init__()
        self.epochs, self.on_cancel = epochs, on_cancel

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Running {self.epochs:,} epochs", classes="dialog-title")
            yield ProgressBar(total=self.epochs, show_eta=False)
            yield Label("esc stops after the current chunk", classes="dim")

    def advance(self, done: int) -> None:
        self.query_one(ProgressBar).update(progress=done)

    def action_cancel(self) -> None:
        self.on_cancel()


class HelpScreen(ModalScreen[None]):
    """Every key, taken from the app's own bindings so this page is always true."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, keys: list[tuple[str, str]], intro: str):
        super().__init__()
        self.keys, self.intro = keys, intro

    def compose(self) -> ComposeResult:
        width = max(len(key) for key, _ in self.keys)
        lines = [self.intro, ""] + [f"  {key:<{width}}  {description}" for key, description in self.keys]
        with VerticalScroll(classes="dialog help"):
            yield Label("backprop-tui: keys", classes="dialog-title")
            yield Static("\n".join(lines), markup=False, id="keys")
            yield Label("esc or ? closes · ctrl+p opens the command palette", classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)
