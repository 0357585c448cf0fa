"""The operation panel: where we are, the formula, the numbers, the value, and why."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from ...core import Stepper
from ...core.expr import format_number
from .line_panel import LinePanel, set_border_titles

DIGITS = 6
EQUALS, CONTINUED = "  = ", "    "
MOST_TERMS = 8  # a longer sum shows its first terms, "…(n more)…" and its last: a large network's sums have 100


class OperationPanel(LinePanel):
    """Shows the operation just performed (or the one coming up), and a clicked symbol."""

    selected: reactive[str | None] = reactive(None, repaint=False)
    # a checked sheet's verdict, or where files were exported
    note: reactive[str | None] = reactive(None, repaint=False)

    keeps_height = True  # a sum of 100 terms takes more lines than its activation: the height stays

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(**kwargs)
        self.stepper = stepper

    def watch_stepper(self, old: Stepper | None, stepper: Stepper | None) -> None:
        if old is not stepper:
            self.forget_height()
        self.retitle()
        self.redraw()

    def retitle(self) -> None:
        set_border_titles(self, "operation", f"lr {format_number(self.stepper.values['lr'])}")

    def watch_selected(self) -> None:
        self.redraw()

    def watch_note(self) -> None:
        self.redraw()

    def draw(self, width: int, height: int) -> list[Text]:
        lines = []
        for line in self.text(width).split("\n", allow_blank=True):
            # A long "= numbers" line goes on indented under its "=", as it would be written by hand.
            indent = CONTINUED if line.plain.startswith(EQUALS) else ""
            first, *rest = line.wrap(self.app.console, max(width - len(indent), 1))
            lines += [first] + [Text(indent) + piece for piece in rest]
        return lines

    def text(self, width: int) -> Text:
        stepper = self.stepper
        text = Text()
        op = stepper.last
        if op is None:
            q = stepper.upcoming
            start, end = stepper.program.phase_bounds(q.phase)
            position = stepper.position % len(stepper.quantities)
            text.append(f"{stepper.where} · ready\n", style="bold")
            if stepper.schedule.batched:
                text.append(stepper.schedule.samples_text(stepper.step) + "\n", style="dim")
            text.append(f"next: {q.phase} {position - start + 1}/{end - start}\n", style="dim")
            text.append(q.shortened(MOST_TERMS) + "\n", style="bold")
            text.append("press n (or →) to compute it", style="italic dim")
        else:
            q = op.quantity
            phase = f"{op.phase} {op.phase_position}/{op.phase_count}"
            text.append(phase, style="bold reverse")
            # On one line: where it fits, "· step 28051/28051"; else without "step"; else only the epoch.
            where, count = stepper.schedule.describe(op.step), f"{op.position}/{len(op.program)}"
            heads = [f"  {where} · step {count}", f"  {where} · {count}", f"  {where}"]
            text.append(next((head for head in heads if len(phase) + len(head) <= width), heads[-1]) + "\n",
                        style="bold")
            if op.batch:
                text.append(stepper.schedule.samples_text(op.step) + "\n", style="dim")
            text.append(q.shortened(MOST_TERMS) + "\n", style="bold")
            # Written as by hand: the symbol once, then "= numbers" and "= value" beneath it.
            text.append(EQUALS + op.substituted(DIGITS, MOST_TERMS).split(" = ", 1)[1] + "\n")
            value = format_number(op.value)
            text.append(EQUALS)
            text.append(value, style="bold underline")
            if op.old is not None:
                was = f"(was {format_number(op.old)})"
                # beside the new value where it fits (draw wraps an "=" line CONTINUED short), else whole beneath it
                beside = len(EQUALS) + len(value) + 3 + len(was) <= width - len(CONTINUED)
                text.append(("   " if beside else "\n" + CONTINUED) + was, style="dim")
            text.append("\n")
            for note in op.clamped:
                text.append(f"clamped: {note}\n", style="bold")
            text.append(q.why, style="italic")
            history = stepper.history
            if stepper.step_done and stepper.schedule.batched:
                text.append(f"\nbatch {op.batch} done: its E_total = {format_number(history.losses()[-1], DIGITS)}",
                            style="bold")
            if stepper.epoch_done:
                text.append(f"\nepoch {op.epoch} done: E_total = {format_number(history.epoch_losses()[-1], DIGITS)}",
                            style="bold")
        if self.selected:
            text.append("\n\n")
            text.append_text(describe_symbol(stepper, self.selected))
        if self.note:
            text.append("\n\n" + self.note, style="bold")
        return text


def describe_symbol(stepper: Stepper, symbol: str) -> Text:
    """What a clicked neuron or edge is: its formula and its current value."""
    text = Text()
    value = stepper.values.get(symbol)
    shown = format_number(value, DIGITS) if value is not None else "not computed yet this epoch"
    index = stepper.program.index.get(symbol)
    text.append("◆ ", style="bold")
    performed = stepper.done[index] if index is not None and index < len(stepper.done) else None
    if index is not None:
        text.append(stepper.quantities[index].shortened(MOST_TERMS), style="bold")
        if performed:  # the numbers it was computed from, even if a weight has been updated since
            text.append("\n  " + performed.substituted(DIGITS, MOST_TERMS))
    else:
        text.append(symbol, style="bold")
        text.append(" (a starting value; w edits it)", style="dim")
    text.append(f"\n  {symbol} = {shown}")
    return text
