"""The quiz bar: the next operation's formula, a box for the student's answer, and the verdict.

It asks and judges; the app, which owns the stepper, takes the step when the
bar posts `Step` and hands the performed operation back to `reveal`.  A wrong
answer is answered as a tutor would: the slip it is, named in a sentence, or
else the formula with the numbers; an answer too coarse to tell gets the
digits it needs.  Either way the answer stays in the box, selected, so the
next number typed replaces it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from ...core import Operation, Stepper
from ...core.expr import format_number
from ...core.quiz import Quiz, read_answer


def slip_name(verdict) -> str:
    """A named slip as the progress record counts it: its kind ("sign error", "missing factor"), the same
    whatever the symbols and numbers, so that a slip made again is seen to recur."""
    return "" if verdict.slip is None else verdict.slip.kind


NUMBER_CHARACTERS = "0123456789.-+eE−"
GIVEN_DIGITS = 6  # as the values table shows them
MOST_GIVENS = 8  # a sum of 100 products reads 201 values: its first ones, and where the rest are


class AnswerInput(Input):
    """An Input that keeps only what can be part of a number; any other letter goes on
    to the app's keys, so n, p, z and q still work while the quiz is on."""

    # Not in the footer, which has no room for it at 80 columns: the box itself says "esc shows the answer".
    # While the quiz waits for an answer, n is the box's: it says so, and the footer drops the app's "n Next".
    BINDINGS = [Binding("escape", "give_up", "Show the answer", show=False,
                        tooltip="Give up on this operation and see its value"),
                Binding("n", "waiting", "Next", show=False, tooltip="The quiz waits for your value")]

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "waiting":
            return isinstance(self.parent, QuizBar) and self.parent.waiting
        return True

    def action_waiting(self) -> None:
        self.parent.tell("Type your value and press enter, or esc to see it.")

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in NUMBER_CHARACTERS

    async def _on_key(self, event) -> None:
        if event.is_printable and not self.check_consume_key(event.key, event.character):
            event.prevent_default()  # skip Input's own handler, so the key bubbles up to the bindings

    def action_give_up(self) -> None:
        self.post_message(QuizBar.GaveUp())


class QuizBar(Widget):
    """Shown while the quiz is on.  Off, its answer box is disabled: a hidden box that
    kept the focus would swallow e, 0 and esc (and a dialog closing would hand it the focus again)."""

    # Data-bound to the app's: every change of the stepper, or of the quiz (its phases), asks again.
    stepper: reactive[Stepper | None] = reactive(None, repaint=False, init=False)
    quiz: reactive[Quiz | None] = reactive(None, repaint=False, init=False)

    class GaveUp(Message):
        """The student asked to see the answer (posted by the answer box)."""

    class Step(Message):
        """Judged: the app should take the step and hand the operation to `reveal`."""

        def __init__(self, right: bool, said: str):
            super().__init__()
            self.right, self.said = right, said

    class Attempt(Message):
        """A try, for the progress record: the kind of operation, and how it went (progress.ANSWERS)."""

        def __init__(self, kind: str, outcome: str, slip: str = ""):
            super().__init__()
            self.kind, self.outcome, self.slip = kind, outcome, slip

    def __init__(self, stepper: Stepper, quiz: Quiz, **kwargs):
        super().__init__(**kwargs)
        self.stepper, self.quiz = stepper, quiz
        self._asked: bool | None = None  # whether the operation last asked about is in the quiz

    def compose(self) -> ComposeResult:
        yield Static(id="question")
        yield AnswerInput(placeholder="your value, then enter · esc shows the answer", id="answer", disabled=True)
        yield Static(id="verdict")

    @property
    def on(self) -> bool:
        return not self.query_one(AnswerInput).disabled

    @property
    def waiting(self) -> bool:
        """The operation `n` would do is asked: it waits for an answer."""
        return self.on and self.quiz.asks(self.stepper.upcoming)

    def turn(self, on: bool) -> None:
        answer = self.query_one(AnswerInput)
        answer.disabled = not on
        if on:
            self.ask()
            answer.focus()
        self.refresh_bindings()

    def watch_stepper(self) -> None:
        if self.is_mounted and self.on:
            self.ask()

    watch_quiz = watch_stepper

    def ask(self) -> None:
        stepper, quiz = self.stepper, self.quiz
        q = stepper.upcoming
        if quiz.asks(q) != self._asked:  # n comes and goes from the footer
            self._asked = quiz.asks(q)
            self.refresh_bindings()
        question = Text()
        start, end = stepper.program.phase_bounds(q.phase)
        position = stepper.position % len(stepper.quantities)
        question.append(f"{q.phase} {position - start + 1} / {end - start}  ", style="bold reverse")
        if quiz.asks(q):
            question.append(f" {q.formula} = ?", style="bold")
            question.append_text(givens(stepper))
        else:
            question.append(f" {q.symbol}: not in this quiz ({', '.join(quiz.phases)}); n computes it", style="dim")
        self.query_one("#question", Static).update(question)
        self.query_one(AnswerInput).value = ""
        # What was said belongs to the operation asked before: after p it would give the answer away.
        self.query_one("#verdict", Static).update("")

    def tell(self, text: str | Text) -> None:
        """A line for the student, where they are looking (a toast would cover the verdict)."""
        self.query_one("#verdict", Static).update(Text(text, style="bold") if isinstance(text, str) else text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        upcoming = self.stepper.upcoming
        if not self.quiz.asks(upcoming):
            return
        try:
            answer = read_answer(event.value)
        except ValueError:
            self.tell("That is not a number; try again, or esc to see the value.")
            return
        first = not self.quiz.tries
        verdict = self.quiz.judge_next(answer, self.stepper)
        if not verdict.coarse:  # too coarse to tell is no try at all
            outcome = "right" if first else "right after a hint"
            if not verdict.right:
                outcome = "slip named" if verdict.slip is not None else "wrong"
            self.post_message(self.Attempt(upcoming.kind, outcome, slip_name(verdict)))
        if verdict.right:
            self.post_message(self.Step(True, ""))
            return
        again = " — try again, or esc to see the value"
        if verdict.coarse:
            self.tell(Text.assemble(("… ", "bold yellow"), verdict.said, again))
        elif verdict.slip is not None:  # the slip named; from the second wrong try on, the numbers too
            hint = ("\nhint: " + verdict.hint) if self.quiz.tries > 1 else ""
            self.tell(Text.assemble(("✗ ", "bold red"), verdict.said, again, hint))
        else:  # the student tries again, with the numbers put in the formula
            self.tell(Text.assemble((f"✗ not {answer.text}  ", "bold red"), "hint: ", verdict.hint, again))
        self.query_one(AnswerInput).select_all()  # the next number typed replaces this one

    def on_quiz_bar_gave_up(self, message: GaveUp) -> None:
        message.stop()
        upcoming = self.stepper.upcoming
        if self.on and self.quiz.asks(upcoming):
            self.post_message(self.Attempt(upcoming.kind, "given up"))
            self.quiz.give_up(upcoming)
            self.post_message(self.Step(False, "given up"))

    def reveal(self, op: Operation, right: bool, said: str) -> None:
        verdict = Text()
        verdict.append("✓ right  " if right else "✗ " + said + "  ", style="bold green" if right else "bold red")
        verdict.append(f"{op.substituted(6)} = {format_number(op.value)}")
        if self.stepper.step_done:
            verdict.append(f"\n{self.stepper.schedule.describe(op.step)} done · score: {self.quiz.summary()}", style="bold")
        self.query_one("#verdict", Static).update(verdict)


def givens(stepper: Stepper) -> Text:
    """The values the asked operation reads, as an exercise lists its givens: below the roomy layout the values
    table has no rows beside a bar (at 80×24 the tutor's left it none), and nothing else on screen showed
    them.  A long sum's first ones, and where the rest are."""
    reads = stepper.upcoming_reads()
    shown = [f"{symbol} = {format_number(value, GIVEN_DIGITS)}" for symbol, value in list(reads.items())[:MOST_GIVENS]]
    more = f" … and {len(reads) - MOST_GIVENS} more in the values table" if len(reads) > MOST_GIVENS else ""
    return Text("\n given " + ", ".join(shown) + more, style="dim") if reads else Text()
