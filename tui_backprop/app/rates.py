"""The learning-rate view: the same network trained at several rates, on one chart."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from ..core import Network
from .widgets.footer import SteadyFooter
from .widgets.rate_view import RateView


class RatesScreen(Screen[None]):
    """Installed once, so the rates and epochs a student typed are still there next time."""

    BINDINGS = [Binding("escape", "close", "Back to the stepper", tooltip="Back to the stepper")]

    def __init__(self, network: Network, start: str):
        """`start` says in words which numbers `network` holds (Stepper.describe_numbers)."""
        super().__init__()
        self.network, self.start = network, start

    def compose(self) -> ComposeResult:
        yield Static(self.starts_from(), id="rates-start", markup=False)
        yield RateView(self.network, id="rates")
        yield SteadyFooter()

    def starts_from(self) -> str:
        return f"Every rate starts from {self.start}."

    def show(self, network: Network, start: str) -> None:
        """Sweep `network` if it is not the one on show (another was opened, or it was edited or trained)."""
        self.start = start
        self.query_one("#rates-start", Static).update(self.starts_from())
        if network != self.network:
            self.network = network
            self.query_one(RateView).set_network(network)

    def on_screen_suspend(self) -> None:
        self.query_one(RateView).stop()

    def on_screen_resume(self) -> None:
        self.query_one(RateView).resume()

    def action_close(self) -> None:
        self.app.pop_screen()
