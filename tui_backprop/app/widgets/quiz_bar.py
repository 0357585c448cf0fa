"""The quiz bar: the next operation's formula, a box for the student's answer, and the verdict."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

NUMBER_CHARACTERS = "0123456789.-+eE−"


class AnswerInput(Input):
    """An Input that keeps only what can be part of a number; any other letter goes on
    to the app's keys, so n, p, z and q still work while the quiz is on."""

    BINDINGS = [Binding("escape", "give_up", "Show the answer", tooltip="Give up on this operation and see its value")]

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in NUMBER_CHARACTERS

    async def _on_key(self, event) -> None:
        if event.is_printable and not self.check_consume_key(event.key, event.character):
            event.prevent_default()  # skip Input's own handler, so the key bubbles up to the bindings

    def action_give_up(self) -> None:
        self.post_message(QuizBar.GaveUp())


class QuizBar(Widget):
    class GaveUp(Message):
        """The student asked to see the answer."""

    class Answered(Message):
        def __init__(self, text: str):
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield Static(id="question")
        yield AnswerInput(placeholder="your value, then enter · esc shows the answer", id="answer")
        yield Static(id="verdict")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Answered(event.value))

    def ask(self, question: Text) -> None:
        self.query_one("#question", Static).update(question)
        answer = self.query_one(AnswerInput)
        answer.value = ""
        answer.focus()

    def tell(self, verdict: Text) -> None:
        self.query_one("#verdict", Static).update(verdict)
