"""E_total per epoch (or another measure per epoch: accuracy, each layer's gradients) as a plotext chart,
rebuilt only when the data or the size changes."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...reports.chart import build_chart


class LossChart(Widget):
    DEFAULT_CSS = """
    LossChart {
        height: 1fr;
        min-height: 8;
    }
    """

    log_scale = reactive(False)  # a key toggles it: after millions of epochs a linear chart is a flat line

    def __init__(self, title: str = "E_total per epoch", **kwargs) -> None:
        super().__init__(**kwargs)
        self.chart_title = self._title = title
        self._curves: dict[str, Sequence[float]] = {}
        self._version: Hashable = None  # no data yet: any version the caller starts from is new
        # The last two charts built, by what they show: `p` at an epoch's end moves the mark back and `n`
        # forward again, and each would build the chart anew.
        self._built: dict[tuple, Text] = {}
        self._mark: int | None = None
        self._limits: tuple[float, float] | None = None  # a fixed y axis (an accuracy's 0 to 1)
        self._clip = True  # whether a curve climbing far above its start is cut off (build_chart)

    @property
    def curves(self) -> dict[str, Sequence[float]]:
        """The curves on show."""
        return self._curves

    def set_curves(self, curves: dict[str, Sequence[float]], version: Hashable, mark: int | None = None, *,
                   title: str | None = None, limits: tuple[float, float] | None = None, clip: bool = True) -> None:
        """Show these curves, with a line at epoch `mark`; `version` must change whenever their data changes.
        `title`, `limits` and `clip` as build_chart takes them (the title given when the chart was made, if none)."""
        title = title or self.chart_title
        if (version, mark, title) != (self._version, self._mark, self._title):  # the app calls this on every step
            self._curves, self._version, self._mark = curves, version, mark
            self._title, self._limits, self._clip = title, limits, clip
            self.refresh()

    def render(self) -> Text:
        width, height = self.content_size
        if not any(len(values) for values in self._curves.values()):
            # Drawn without plotext, so that start-up need not import it (about 35 ms).
            return Text("\n" * (height // 2) + "no finished epoch yet".center(width), style="dim")
        color, ascii = not self.app.no_color, getattr(self.app, "ascii", False)
        key = (self._version, self._mark, self._title, self.log_scale, width, height, color, ascii)
        built = self._built.pop(key, None)
        if built is None:
            chart = build_chart(self._curves, width, height, self._title, color, log=self.log_scale,
                                mark=self._mark, ascii=ascii, limits=self._limits, clip=self._clip)
            built = Text.from_ansi(chart, no_wrap=True, overflow="crop", end="")
        self._built = {**dict(list(self._built.items())[-1:]), key: built}
        return built
