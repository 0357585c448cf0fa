"""The learning-rate view: the same network trained at several rates, on one chart."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from ..core import Network
from .widgets.rate_view import RateView


class RatesScreen(Screen[None]):
    """Installed once, so the rates and epochs a student typed are still there next time."""

    BINDINGS = [Binding("escape", "close", "Back to the stepper", tooltip="Back to the stepper")]

    def __init__(self, network: Network):
        super().__init__()
        self.network = network

    def compose(self) -> ComposeResult:
        yield RateView(self.network, id="rates")
        yield Footer()

    def show(self, network: Network) -> None:
        """Sweep `network` if it is not the one on show (another was opened, or lr changed)."""
        if network != self.network:
            self.network = network
            self.query_one(RateView).set_network(network)

    def action_close(self) -> None:
        self.app.pop_screen()
