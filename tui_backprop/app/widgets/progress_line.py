"""A line above the footer that shows the progress of work in a thread (an export), while the app stays in use.

Unlike a run's progress dialog, it covers nothing: the panels, views and help stay at
hand while it works; esc (the app's binding, shown in the footer meanwhile) stops it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class ProgressLine(Horizontal):
    def compose(self) -> ComposeResult:
        yield Label(id="progress-title", markup=False)
        yield ProgressBar(show_eta=False)
        yield Label("esc stops", classes="dim")

    def start(self, title: str) -> None:
        self.query_one("#progress-title", Label).update(title)
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.add_class("-on")

    def advance(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)

    def finish(self) -> None:
        self.remove_class("-on")
