"""One row per finished epoch, in the spreadsheet layout of `train --csv`.

A scroll view that draws only the rows on screen, each recomputed from the
compact history when it comes into view: a million epochs scroll as smoothly as
ten, and an empty history costs start-up nothing (a DataTable cost about 80 ms).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core import Stepper
from ...core.expr import format_number
from .lines import set_border_titles

DIGITS = 6
NUMBER_WIDTH = len(format_number(-0.0123456, DIGITS))
GAP = 2


class HistoryTable(ScrollView, can_focus=False):
    COMPONENT_CLASSES = {"history--header", "history--epoch", "history--wrong", "history--newest"}
    DEFAULT_CSS = """
    HistoryTable > .history--header { text-style: bold; background: $boost; }
    HistoryTable > .history--epoch { text-style: bold; }
    HistoryTable > .history--wrong { text-style: bold reverse; color: $error; }
    HistoryTable > .history--newest { background: $boost; }
    """

    # Bumped on every step, but most steps finish no epoch: watch_version repaints only on a change.
    version = reactive(0, repaint=False)

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(**kwargs)
        # (epoch, column) → explanation, for cells a checked sheet got wrong
        self.marks: dict[tuple[int, str], str] = {}
        self.stepper = stepper

    @property
    def stepper(self) -> Stepper:
        return self._stepper

    @stepper.setter
    def stepper(self, stepper: Stepper) -> None:
        self._stepper = stepper
        columns = stepper.history.columns
        self.widths = [max(len(column), NUMBER_WIDTH) for column in columns]
        self.drawn: tuple[int, int] | None = None  # the history and revision on screen
        self.watch_version()

    @property
    def epoch_width(self) -> int:
        return max(len("epoch"), len(f"{len(self._stepper.history)}"))

    def watch_version(self) -> None:
        history = self._stepper.history
        if (id(history), history.revision) == self.drawn:
            return
        self.drawn = (id(history), history.revision)
        diverged = history.first_divergence()
        epochs = f"{len(history):,} epochs" + (f" · diverged at epoch {diverged:,}" if diverged else "")
        set_border_titles(self, "history (one row per epoch)", epochs)
        width = self.epoch_width + sum(GAP + width for width in self.widths)
        self.virtual_size = Size(width, len(history) + 1)  # the header is row 0
        self.refresh()

    def on_mount(self) -> None:
        # Follow the newest epoch, as a spreadsheet being filled in does, until the student scrolls up.
        self.anchor()

    def cells(self, epoch: int) -> list[str]:
        """An epoch's row as it is shown: the epoch, then every column to 6 significant digits."""
        return [str(epoch)] + [format_number(value, DIGITS) for value in self._stepper.history.row(epoch)]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        columns = self._stepper.history.columns
        if y == 0:  # the header stays put while the rows scroll under it
            texts, epoch = ["epoch", *columns], None
            style = base + self.get_component_rich_style("history--header")
        else:
            epoch = scroll_y + y
            if epoch > len(self._stepper.history):
                return Strip.blank(width, base)
            texts = self.cells(epoch)
            newest = epoch == len(self._stepper.history)
            style = base + self.get_component_rich_style("history--newest") if newest else base
        segments = []
        for n, (text, cell_width) in enumerate(zip(texts, [self.epoch_width, *self.widths])):
            cell_style = style
            if epoch is not None and n and (epoch, columns[n - 1]) in self.marks:
                cell_style = style + self.get_component_rich_style("history--wrong")
            elif n == 0 and epoch is not None:
                # partial: only its boldness, so that the newest row's background runs under it too
                cell_style = style + self.get_component_rich_style("history--epoch", partial=True)
            if n:
                segments.append(Segment(" " * GAP, style))
                segments.append(Segment(text.rjust(cell_width), cell_style))
            else:
                segments.append(Segment(text.ljust(cell_width), cell_style))
        line = Strip(segments).crop(scroll_x, scroll_x + width)
        return line.extend_cell_length(width, style)
