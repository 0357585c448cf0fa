"""The learning-rate view: the same network trained at several rates, on one chart."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from ..core import Network
from .widgets.rate_view import RateView


class RatesScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back to the stepper", tooltip="Back to the stepper")]

    def __init__(self, network: Network):
        super().__init__()
        self.network = network

    def compose(self) -> ComposeResult:
        yield RateView(self.network, id="rates")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
