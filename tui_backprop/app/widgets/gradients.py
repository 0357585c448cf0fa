"""Why gradients vanish: each layer's mean |∂E/∂w| over the epochs, on a log scale, as a dialog.

A deep sigmoid network's first layers learn from gradients orders of magnitude smaller than its last
layer's (each layer back multiplies by a slope σ' ≤ 0.25); with relu they stay within reach of each other.
The numbers are the history's (core/history.py: each epoch's first step, from its row); the app works them
out in a thread (`measure_gradients`), as many as the chart reads, before the chart draws them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from ...core import History
from ...core.expr import format_number
from ...reports.chart import thin
from .loss_chart import LossChart
from .screens import dialog_footer

TITLE = "mean |∂E/∂w| into each layer per epoch"


class GradientsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,G,q", "close", "Close", tooltip="Close the gradients per layer")]

    def __init__(self, history: History, depth: int):
        super().__init__()
        self.history, self.depth = history, depth

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="gradients-dialog"):
            yield Label(f"Why gradients vanish: {TITLE} (L1 is the weights from the inputs)", classes="dialog-title")
            chart = LossChart(TITLE, id="gradients-chart")
            chart.log_scale = True  # orders of magnitude apart: only a log scale shows every layer
            yield chart
            yield Label("working out each layer's gradients …", id="gradients-note", classes="dim", markup=False)
        yield dialog_footer()  # its own keys, over the main screen's

    def on_mount(self) -> None:
        self.call_after_refresh(self._start)  # once laid out: the chart's width says which epochs it reads

    def _start(self) -> None:
        self.app.measure_gradients(self, self.query_one(LossChart).content_size.width)

    def measure(self, width: int) -> tuple[dict, str]:
        """Each layer's means at the epochs a chart of `width` columns reads (the history keeps them), and a line
        of the last epoch's: in the app's worker thread, which holds the stepper meanwhile."""
        history = self.history
        curves = {f"L{layer}": history.layer_gradients(layer) for layer in range(1, self.depth + 1)}
        thin(curves["L1"], 2 * width, log=True)  # one row gives every layer's mean: the first curve reads them all
        note = "no finished epoch yet"
        if len(curves["L1"]):
            epoch = len(curves["L1"])
            means = history.gradient_means(history.schedule.step(epoch))
            note = (f"epoch {epoch:,}: " + " · ".join(f"L{n} {format_number(mean, 3)}" for n, mean in enumerate(means, 1))
                    + " — with sigmoid hidden layers the first layers' fall far below the last's (esc closes)")
        return curves, note

    def show(self, curves, note: str) -> None:
        """The measured curves and note on the chart (if the dialog is still open)."""
        if not self.is_attached:
            return
        self.query_one(LossChart).set_curves(curves, version=(id(self.history), self.history.revision), clip=False)
        self.query_one("#gradients-note", Label).update(note)

    def action_close(self) -> None:
        self.dismiss(None)
