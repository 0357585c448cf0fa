"""Modal screens: asking for a value or a choice, running epochs, and the help page.

Their text wraps (the dialogs' labels are as wide as the dialog, see app.tcss):
a message or a path is never cut.  Each has a footer of its own, over the main
screen's: the keys it shows are the dialog's, the ones that work while it is open.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Input, Label, ProgressBar, Static

from ...core.expr import counted
from .footer import SteadyFooter
from .line_panel import ascii_scrollbars


def dialog_footer() -> SteadyFooter:
    return SteadyFooter(compact=True, show_command_palette=False)


class PathSuggester(Suggester):
    """Completes a name from `names` (the presets), else a path: the first entry, in name order, of the
    folder typed so far that starts with what follows the last '/' (folders get their '/').  → accepts."""

    def __init__(self, names: list[str]):
        super().__init__(use_cache=False, case_sensitive=True)  # the folder may change while the prompt is open
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        for name in self.names:
            if name.startswith(value) and name != value:
                return name
        start = value.rpartition("/")[2]
        typed_folder = value[: len(value) - len(start)]
        try:
            with os.scandir(os.path.expanduser(typed_folder) or ".") as entries:
                found = sorted((entry.name, entry.is_dir()) for entry in entries
                               if entry.name.startswith(start) and (start or not entry.name.startswith(".")))
        except OSError:
            return None
        for name, is_folder in found:
            completed = typed_folder + name + ("/" if is_folder else "")
            if completed != value:
                return completed
        return None


WAIT = "wait"  # what a prompt's check returns when it goes on in a worker (PromptScreen.wait)


class WaitsOnAWorker:
    """A dialog that may wait on a worker: while `on_stop` is set, esc calls it and keeps the dialog open;
    otherwise esc closes it with nothing."""

    on_stop: Callable[[], None] | None = None

    def stop_waiting(self) -> None:
        self.on_stop = None

    def action_cancel(self) -> None:
        if self.on_stop is not None:
            stop, self.on_stop = self.on_stop, None
            stop()
            return
        self.dismiss(None)


class PromptScreen(WaitsOnAWorker, ModalScreen[str | None]):
    """One line of input; `check` returns an error message or None, and the screen stays open on error.

    A check that takes long (opening a file) starts a worker, calls `wait` and returns WAIT: the prompt
    stays open saying what it waits for, esc stops the worker instead of closing, and the worker's end
    either dismisses the prompt or shows its error (`stop_waiting`, `show_error`)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "",
                 check: Callable[[str], str | None] | None = None, suggestions: list[str] | None = None,
                 suggester: Suggester | None = None, hint: str = ""):
        """`suggestions` complete from a list; a `suggester` of one's own replaces them.  `hint` is a line
        under the input that wraps (a placeholder is cut at the input's width)."""
        super().__init__()
        self.title_text, self.placeholder, self.value, self.check = title, placeholder, value, check
        self.suggestions, self.suggester, self.hint = suggestions, suggester, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            suggester = self.suggester
            if suggester is None and self.suggestions:
                suggester = SuggestFromList(self.suggestions, case_sensitive=False)
            yield Input(value=self.value, placeholder=self.placeholder, suggester=suggester)
            if self.hint:
                yield Label(self.hint, classes="dim", markup=False)
            yield Label("", id="error", classes="error", markup=False)  # it quotes what was typed
            yield Label("enter to confirm · esc to cancel", classes="dim")
        yield dialog_footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.on_stop is not None:  # at work on the last enter
            return
        error = self.check(event.value) if self.check else None
        if error == WAIT:
            return
        if error:
            self.show_error(error)
        else:
            self.dismiss(event.value)

    def show_error(self, text: str) -> None:
        self.query_one("#error", Label).update(text)

    def wait(self, text: str, on_stop: Callable[[], None]) -> None:
        """Say what the prompt waits for; until `stop_waiting`, esc calls `on_stop` and keeps the prompt open."""
        self.show_error(text)
        self.on_stop = on_stop


class ConfirmScreen(ModalScreen[bool]):
    """A question with two answers: enter says yes, escape says no."""

    BINDINGS = [Binding("enter,y", "answer(True)", "Yes"), Binding("escape,n", "answer(False)", "No")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)  # questions quote paths
            yield Label("enter or y: yes · esc or n: no", classes="dim")
        yield dialog_footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChoiceScreen(ModalScreen[str | None]):
    """A question with several answers, each on its own key; escape answers None."""

    BINDINGS = [Binding("escape", "answer(None)", "Cancel")]

    def __init__(self, question: str, choices: list[tuple[str, str, str]]):
        """`choices`: (key, what the key says, the answer it gives)."""
        super().__init__()
        self.question, self.choices = question, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)  # questions quote paths
            yield Label(" · ".join(f"{key}: {label}" for key, label, _ in self.choices) + " · esc: cancel",
                        classes="dim")
        yield dialog_footer()

    def on_key(self, event) -> None:
        for key, _, answer in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(answer)

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)


class RunScreen(ModalScreen[None]):
    """Progress of a run of many epochs, or of many operations traced one by one; escape asks the worker to stop."""

    BINDINGS = [Binding("escape", "cancel", "Stop the run")]

    def __init__(self, epochs: int, on_cancel: Callable[[], None], title: str | None = None, done: int = 0):
        """`done`: as many as were done before it came (a run's prompt showed the first second)."""
        super().__init__()
        self.epochs, self.on_cancel, self.done = epochs, on_cancel, done
        self.title_text = title or f"Running {counted(epochs, 'epoch')}"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            # --ascii: its bar is drawn in heavy lines a real console's font lacks; the percentage alone then
            yield ProgressBar(total=self.epochs, show_eta=False, show_bar=not getattr(self.app, "ascii", False))
            yield Label("esc stops after the current chunk", classes="dim")
        yield dialog_footer()

    def on_mount(self) -> None:
        if self.done:
            self.advance(self.done)

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
        yield dialog_footer()

    def on_mount(self) -> None:
        ascii_scrollbars(self.query_one(VerticalScroll))

    def action_close(self) -> None:
        self.dismiss(None)
