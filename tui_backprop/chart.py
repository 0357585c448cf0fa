"""Loss curves drawn with plotext, for the terminal and for the app's chart widget.

plotext's cost grows with the number of points, so each curve is thinned to
about two points per column first: a 1,000,000-epoch history draws as fast as
a 100-epoch one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def thin(values: Sequence[float], points: int) -> tuple[list[int], list[float]]:
    """About `points` (epoch, value) pairs spread evenly over `values`, the last one kept;
    non-finite values are dropped, since a diverged run has nothing to draw there."""
    count = len(values)
    step = max(1, math.ceil(count / max(points, 1)))
    epochs = list(range(1, count + 1, step))
    if count and epochs[-1] != count:
        epochs.append(count)
    xs, ys = [], []
    for epoch in epochs:
        value = values[epoch - 1]
        if math.isfinite(value):
            xs.append(epoch)
            ys.append(value)
    return xs, ys


def build_chart(curves: dict[str, Sequence[float]], width: int, height: int, title: str = "E_total per epoch",
                color: bool = True) -> str:
    """The chart as text with ANSI colour codes (plain text when color is False).

    Background and axes use the terminal's own colours, so it reads on light and dark themes.
    """
    import plotext

    plotext.clear_figure()
    plotext.plotsize(max(width, 20), max(height, 6))
    plotext.canvas_color("default")
    plotext.axes_color("default")
    plotext.ticks_color("default")
    plotted, longest = False, 0
    for label, values in curves.items():
        xs, ys = thin(values, 2 * width)
        if xs:
            plotext.plot(xs, ys, label=label if len(curves) > 1 else None, marker="braille")
            plotted = True
            longest = max(longest, len(values))
    if not plotted:
        plotext.text("no finished epoch yet", 0.5, 0.5, alignment="center")
        plotext.xlim(0, 1)
        plotext.ylim(0, 1)
    else:
        ticks = sorted({1 + round(n * (longest - 1) / 4) for n in range(5)})
        plotext.xticks(ticks, [str(t) for t in ticks])
    plotext.title(title)
    plotext.xlabel("epoch")
    text = plotext.build()
    if not color:
        text = plotext.uncolorize(text)
    return text
