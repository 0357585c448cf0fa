"""The same network trained at several learning rates: one chart, one table (seeds 000 and 004)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import get_current_worker

from ...core.batches import Schedule
from ...core.expr import format_number
from ...core.history import first_divergence
from ...core.network import Network
from ...core.precision import read_number, read_whole
from ...core.text import printable
from ...training import bulk
from ...training.sweep import SEED_RATES, checkpoints, sweep
from .line_panel import ascii_scrollbars
from .loss_chart import LossChart

MAX_EPOCHS = 1_000_000  # six rates of the 2-2-2 net take about five seconds
DIGITS = 6


def parse_rates(text: str) -> list[float]:
    """Learning rates from '0.1 0.5 2' or '0.1, 0.5, 2' (a lone comma without a point is a decimal comma, as
    precision.read_number reads it: '0,5 2' is 0.5 and 2); ValueError with one line for the user."""
    words = [part for word in text.replace(";", " ").split()
             for part in (word.split(",") if word.count(",") > 1 or "." in word else [word]) if part]
    if not words:
        raise ValueError("enter at least one learning rate, e.g. 0.1 0.5 2")
    rates: list[float] = []
    for word in words:
        try:
            rate = read_number(word, finite=False)
        except ValueError:
            raise ValueError(f"learning rates: {word!r} is not a number") from None
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"learning rates must be positive numbers, got {word}")
        if rate not in rates:
            rates.append(rate)
    return rates


def parse_epochs(text: str) -> int:
    try:
        epochs = read_whole(text)
    except ValueError:
        raise ValueError(f"epochs: {text.strip()!r} is not a whole number") from None
    if not 1 <= epochs <= MAX_EPOCHS:
        raise ValueError(f"epochs must be from 1 to {MAX_EPOCHS:,}, got {epochs:,}")
    return epochs


class RateView(Widget):
    DEFAULT_CSS = """
    RateView {
        height: 1fr;
    }
    RateView .rate-controls {
        height: 1;
    }
    RateView .rate-controls Label {
        padding: 0 1;
    }
    RateView #sweep-rates {
        width: 1fr;
    }
    RateView #sweep-epochs {
        width: 10;
    }
    RateView #sweep-status {
        height: 1;
        padding: 0 1;
    }
    RateView #sweep-status.-error {
        color: $error;
        text-style: bold;
    }
    RateView #sweep-table {
        height: auto;
        max-height: 9;
    }
    """

    def __init__(self, network: Network, rates: Sequence[float] = SEED_RATES, epochs: int = 1000, **kwargs) -> None:
        super().__init__(**kwargs)
        self.network = network
        self.rates = list(rates)
        self.epochs = epochs
        self._request = 0  # numbers each sweep, so a late result of an older one is dropped
        self._shown = 0  # the request whose result is on show
        self._stopped = False  # a sweep was stopped before it finished (the view was left): resume starts it again

    def compose(self) -> ComposeResult:
        with Horizontal(classes="rate-controls"):
            yield Label("learning rates")
            yield Input(" ".join(format_number(rate) for rate in self.rates), id="sweep-rates", compact=True)
            yield Label("epochs")
            yield Input(str(self.epochs), id="sweep-epochs", compact=True)
        yield Static(id="sweep-status", markup=False)  # it names the network, whose name comes from a file
        yield LossChart(id="sweep-chart")
        yield DataTable(id="sweep-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        ascii_scrollbars(self.query_one(DataTable))
        self._start_sweep()

    def set_network(self, network: Network) -> None:
        """Sweep another network with the current rates and epochs."""
        self.network = network
        self._start_sweep()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            rates = self._read("#sweep-rates", parse_rates)
            epochs = self._read("#sweep-epochs", parse_epochs)
        except ValueError as error:
            self._set_status(str(error), error=True)
            return
        self.rates, self.epochs = rates, epochs
        self._start_sweep()

    def _read(self, selector: str, parse):
        """The parsed field; a field that does not parse is tinted until it is edited."""
        field = self.query_one(selector, Input)
        try:
            value = parse(field.value)
        except ValueError:
            field.add_class("-invalid")
            raise
        field.remove_class("-invalid")
        return value

    def _set_status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#sweep-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def stop(self) -> None:
        """Stop the sweep under way, if any: the view is no longer on screen, and a sweep of a large
        network or of online learning would keep the machine busy for nothing."""
        self._stopped = self._shown != self._request
        self.workers.cancel_group(self, "rate-sweep")

    def resume(self) -> None:
        """The view is on screen again: a sweep that `stop` cut short starts again."""
        if self._stopped:
            self._start_sweep()

    def _start_sweep(self) -> None:
        self._request += 1
        self._stopped = False
        self._set_status(f"training {printable(self.network.name)} at {len(self.rates)} learning rates for {self.epochs:,} epochs…")
        self._sweep(self.network, list(self.rates), self.epochs, self._request)

    @work(thread=True, exclusive=True, group="rate-sweep")
    def _sweep(self, network: Network, rates: list[float], epochs: int, request: int) -> None:
        worker = get_current_worker()
        # A newer request, or the view closed (esc), cancels it: the sweep stops at its next chunk of steps.
        curves = sweep(Schedule(network), rates, epochs, trainer=bulk.TRAINER, should_stop=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, curves, epochs, request)

    def _show(self, curves: dict, epochs: int, request: int) -> None:
        if request != self._request:
            return
        self._shown = request
        self.query_one(LossChart).set_curves({f"lr {format_number(rate)}": curve for rate, curve in curves.items()},
                                             request)
        marks = checkpoints(epochs)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("lr", *(f"epoch {mark:,}" for mark in marks), "")
        for rate, curve in curves.items():
            cells = [curve[mark - 1] for mark in marks]
            diverged = first_divergence(curve)
            table.add_row(
                format_number(rate),
                *(Text(format_number(cell, DIGITS) if math.isfinite(cell) else "—", justify="right") for cell in cells),
                Text(f"diverged at epoch {diverged:,}", style="bold red") if diverged else "",
            )
        self._set_status(f"{printable(self.network.name)}: E_total per learning rate, every run from the same starting weights")
