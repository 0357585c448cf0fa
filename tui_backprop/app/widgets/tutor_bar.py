"""The tutor bar: the ladder's rung and score, "which rule?", a box for the value, and what the tutor says.

It asks and judges; the app, which owns the stepper and the tutor, performs the
step when the bar posts `Step`, and hands the operation back to `reveal`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from ...core import Operation, Quantity, Stepper
from ...core.expr import format_number
from ...core.quiz import Quiz, read_answer
from ...core.tutor import Tutor
from .quiz_bar import AnswerInput, givens, slip_name

DIGITS = 6


class TutorAnswer(AnswerInput):
    """The quiz's answer box; its esc shows the tutor's value.  It is enabled only while a value is awaited,
    so its n (which keeps the app's "n Next" out of the footer) always says so."""

    def check_action(self, action: str, parameters) -> bool | None:
        return True

    def action_give_up(self) -> None:
        self.post_message(TutorBar.GaveUp())


class TutorBar(Widget, can_focus=True):
    """Shown while the tutor is on.  While it asks "which rule?" the bar itself has the focus and takes 1–4."""

    BINDINGS = [
        *(Binding(str(n), f"pick({n - 1})", f"Rule {n}", show=False, tooltip=f"Pick rule {n}") for n in range(1, 5)),
        Binding("escape", "pick(None)", "Show the rule", show=False, tooltip="Show which rule gives it"),
        # While a rule is asked, n is the bar's: it says so, and the footer drops the app's "n Next".
        Binding("n", "waiting", "Next", show=False, tooltip="The tutor waits for your rule"),
    ]

    # Data-bound to the app's: every change of the stepper asks again.
    stepper: reactive[Stepper | None] = reactive(None, repaint=False, init=False)

    class Step(Message):
        """Answered (or given up): the app should perform the step under the tutor and hand it to `reveal`."""

        def __init__(self, outcome: str, said: str = "", slip: str = ""):
            super().__init__()
            self.outcome, self.said, self.slip = outcome, said, slip

    class GaveUp(Message):
        """The student asked to see the value (posted by the answer box)."""

    class Picked(Message):
        """A "which rule?" pick, for the record."""

        def __init__(self, kind: str, right: bool):
            super().__init__()
            self.kind, self.right = kind, right

    def __init__(self, stepper: Stepper, tutor: Tutor, quiz: Quiz, **kwargs):
        super().__init__(**kwargs)
        self.stepper, self.tutor, self.quiz = stepper, tutor, quiz
        self.choosing: Quantity | None = None  # the operation whose rule is being asked
        self.judge = Quiz()  # keeps the slip catalogue of each program it has judged

    def compose(self) -> ComposeResult:
        yield Static(id="tutor-status")
        yield Static(id="tutor-question")
        yield TutorAnswer(placeholder="your value, then enter · esc shows it", id="tutor-answer", disabled=True)
        yield Static(id="tutor-verdict")

    @property
    def on(self) -> bool:
        return self.has_class("-on")

    def turn(self, on: bool, tutor: Tutor, quiz: Quiz) -> None:
        self.tutor, self.quiz = tutor, quiz
        self.set_class(on, "-on")
        # A hidden widget still counts as focusable to Textual's auto-focus, which would hand it the keys when
        # a dialog closes: only a bar on show takes the focus.
        self.can_focus = on
        if on:
            self.ask()
        else:
            answer = self.query_one(TutorAnswer)
            if self.has_focus or answer.has_focus:  # a hidden bar must not keep the keys
                self.screen.set_focus(None)
            answer.disabled = True

    def watch_stepper(self) -> None:
        if self.is_mounted and self.on:
            self.ask()

    def check_action(self, action: str, parameters) -> bool | None:
        return action not in ("pick", "waiting") or self.choosing is not None

    def action_waiting(self) -> None:
        self.tell("Pick the rule first: 1–4, or esc to be shown it.")

    def ask(self) -> None:
        """What the upcoming operation needs: a rule picked, a value typed, or nothing (it is worked)."""
        stepper, tutor = self.stepper, self.tutor
        q = stepper.upcoming
        self.query_one("#tutor-status", Static).update(Text("tutor · " + tutor.status(), style="bold"))
        start, end = stepper.program.phase_bounds(q.phase)
        position = stepper.position % len(stepper.quantities)
        question = Text()
        question.append(f"{q.phase} {position - start + 1} / {end - start}  ", style="bold reverse")
        answer = self.query_one(TutorAnswer)
        was_choosing, self.choosing = bool(self.choosing), q if tutor.wants_rule(q) else None
        if self.choosing:
            rules = tutor.rule_question(q)
            question.append(f" Which rule gives {q.symbol}? 1–{len(rules.choices)} picks, esc shows it", style="bold")
            for n, rule in enumerate(rules.choices, 1):
                question.append(f"\n {n}  {rule.text}")
        elif tutor.asks(q):
            question.append(f" {q.formula} = ?", style="bold")
            question.append_text(givens(stepper))
        else:
            question.append(f" {q.symbol}: worked for you on this rung; n shows it with its numbers", style="dim")
        self.query_one("#tutor-question", Static).update(question)
        if bool(self.choosing) != was_choosing:  # n comes and goes from the footer
            self.refresh_bindings()
        asking = tutor.asks(q) and not self.choosing
        answer.set_class(not asking, "-idle")  # nothing to type: the choices, or the worked value, take its rows
        answer.disabled = not asking
        if asking:
            answer.value = ""
            answer.focus()
        else:
            self.focus()

    def tell(self, text: str | Text) -> None:
        """A line for the student, where they are looking (a toast would cover the verdict)."""
        self.query_one("#tutor-verdict", Static).update(Text(text, style="bold") if isinstance(text, str) else text)

    def action_pick(self, chosen: int | None) -> None:
        q = self.choosing
        if q is None or (chosen is not None and chosen >= len(self.tutor.rule_question(q).choices)):
            return
        right, said = self.tutor.pick_rule(q, chosen, self.stepper.depth)
        self.post_message(self.Picked(q.kind, right))
        self.tell(Text(said, style="bold green" if right else "bold red"))
        self.ask()

    def on_input_submitted(self, event: TutorAnswer.Submitted) -> None:
        event.stop()
        upcoming = self.stepper.upcoming
        if self.choosing or not self.tutor.asks(upcoming):
            return
        try:
            answer = read_answer(event.value)
        except ValueError:
            self.tell("That is not a number; try again, or esc to see the value.")
            return
        # One try, judged by a quiz of the tutor's own: the student's quiz score (z) is not the tutor's.
        self.judge.tolerance, self.judge.tries = self.quiz.tolerance, 0
        verdict = self.judge.judge_next(answer, self.stepper)
        if verdict.coarse:  # too coarse to tell: asked again, and no try
            self.tell(Text.assemble(("… ", "bold yellow"), verdict.said, " — try again, or esc to see the value"))
            self.query_one(TutorAnswer).select_all()
        elif verdict.right:
            self.post_message(self.Step("right"))
        elif verdict.slip is not None:
            self.post_message(self.Step("slip named", verdict.said, slip_name(verdict)))
        else:
            self.post_message(self.Step("wrong", f"not {answer.text}"))

    def on_tutor_bar_gave_up(self, message: GaveUp) -> None:
        message.stop()
        if self.on and not self.choosing and self.tutor.asks(self.stepper.upcoming):
            self.post_message(self.Step("given up", "given up"))

    def reveal(self, op: Operation, outcome: str | None, said: str, ladder: str) -> None:
        """The operation just performed: right, or shown worked after a wrong answer or for the rung; and the
        ladder's news."""
        verdict = Text()
        if outcome == "right":
            verdict.append("✓ right  ", style="bold green")
        elif outcome is not None:
            verdict.append(f"✗ {said} — worked:  ", style="bold red")
        verdict.append(f"{op.substituted(DIGITS)} = {format_number(op.value)}")
        if ladder:
            verdict.append("\n" + ladder, style="bold")
        self.tell(verdict)
