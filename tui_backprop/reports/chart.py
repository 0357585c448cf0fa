"""Loss curves drawn with plotext, for the terminal and for the app's chart widget.

plotext's cost grows with the number of points, so each curve is thinned to
about two points per column first: a 1,000,000-epoch history draws as fast as
a 100-epoch one.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

# A curve that climbs past twice the highest starting loss is diverging; drawn to
# its full height it would flatten every other curve onto the x-axis.
HEADROOM = 2.0
# plotext overflows on values near the largest float.
PLOTEXT_LIMIT = 1e300
# Mid-brightness colours of the 256-colour palette (blue, orange, green, red, purple,
# teal): each contrasts at least 3.8:1 with both black and white, so the curves read
# on light and dark themes and look the same in a 256-colour terminal.
CURVE_COLORS = (32, 166, 28, 160, 98, 30)
# The current epoch's line: grey, apart from every curve's colour.
MARK_COLOR = 244
# Without colour, curves are told apart by their marker.
MONOCHROME_MARKERS = ("braille", "x", "o", "+", "*", "#")
# Where braille cannot be drawn (--ascii, a real console): every curve in a sign of its own.
ASCII_MARKERS = ("*", "x", "o", "+", "#", "=")

# Below this height the x axis goes unlabelled: its row is worth more to the curves.
XLABEL_FROM = 16
# plotext keeps one global figure.
_plotext_lock = threading.Lock()


def thin(values: Sequence[float], points: int, log: bool = False) -> tuple[list[int], list[float]]:
    """About `points` (epoch, value) pairs spread evenly over `values`, the last one kept;
    non-finite values are dropped, since a diverged run has nothing to draw there, and so,
    on a log scale, are values that are not positive."""
    count = len(values)
    step = max(1, math.ceil(count / max(points, 1)))
    epochs = list(range(1, count + 1, step))
    if count and epochs[-1] != count:
        epochs.append(count)
    xs, ys = [], []
    for epoch in epochs:
        value = values[epoch - 1]
        if math.isfinite(value) and (value > 0 or not log):
            xs.append(epoch)
            ys.append(value)
    return xs, ys


def build_chart(curves: dict[str, Sequence[float]], width: int, height: int, title: str = "E_total per epoch",
                color: bool = True, log: bool = False, mark: int | None = None, ascii: bool = False,
                limits: tuple[float, float] | None = None, clip: bool = True) -> str:
    """The chart as `height` lines of text with ANSI colour codes (plain text when color is False).

    Background and axes use the terminal's own colours, so it reads on light and dark themes.
    Curves that climb past HEADROOM times the highest starting loss are cut off there.
    `log` draws E_total on a log scale: after millions of epochs a linear chart is a flat line.
    `mark` draws a vertical line at that epoch (the one the student is at).
    `ascii` marks the curves with letters and signs, not braille (a real console's font has none).
    `limits` fixes the y axis (an accuracy's 0 to 1), and with it or without `clip` nothing is cut off at the
    top (a layer's gradients may grow by orders of magnitude from their start: that is what they show).
    """
    thinned = {label: thin(values, 2 * width, log) for label, values in curves.items()}
    thinned = {label: (xs, ys) for label, (xs, ys) in thinned.items() if xs}
    highest_start = max((ys[0] for _, ys in thinned.values()), default=0.0)
    ceiling = HEADROOM * highest_start if highest_start > 0 else PLOTEXT_LIMIT
    if clip and not limits and any(max(ys) > ceiling for _, ys in thinned.values()):
        thinned = {label: (xs, [min(y, ceiling) for y in ys]) for label, (xs, ys) in thinned.items()}
        title += ", clipped at the top"
    y_ticks = None
    if log:
        title += ", log scale"
        # plotext's own log scale labels a flat curve (one epoch) upside down: the curves are drawn as
        # log10 of E_total on a linear axis instead, labelled with the values the rows stand for.
        thinned = {label: (xs, [math.log10(y) for y in ys]) for label, (xs, ys) in thinned.items()}
        y_ticks = _log_ticks([y for _, ys in thinned.values() for y in ys])
    epochs = max((len(values) for values in curves.values()), default=0)
    mark = mark if thinned and mark and mark >= 1 else None
    if mark:
        title += f" · │ epoch {mark:,}"
    legend = _legend(list(curves), width, color, ascii) if len(curves) > 1 else []
    import plotext  # here, not at the top: importing it costs the app's start-up about 35 ms

    with _plotext_lock:
        plotext.clear_figure()
        plotext.limit_size(False, False)  # the size asked for, not the terminal's
        plotext.plotsize(max(width, 20), max(height - 1 - len(legend), 6))
        plotext.canvas_color("default")
        plotext.axes_color("default")
        plotext.ticks_color("default")
        for number, label in enumerate(curves):
            if label in thinned:
                plotext.plot(*thinned[label], marker=_marker(number, color, ascii), color=_color(number))
        if thinned:
            last = max(epochs, mark or 0)  # an epoch under way is one beyond the last finished
            ticks = sorted({1 + round(n * (last - 1) / 4) for n in range(5)})
            plotext.xticks(ticks, [str(t) for t in ticks])
            if limits:
                plotext.ylim(*limits)
            if y_ticks:
                positions, labels = y_ticks
                plotext.ylim(positions[0], positions[-1])
                plotext.yticks(positions, labels)
            if mark:
                if mark > epochs:
                    plotext.xlim(1, mark)
                plotext.vline(mark, MARK_COLOR)
        else:
            empty = "nothing above 0 for a log scale" if log and epochs else "no finished epoch yet"
            plotext.text(empty, 0.5, 0.5, alignment="center")
            plotext.xlim(0, 1)
            plotext.ylim(0, 1)
            plotext.xticks([])
            plotext.yticks([])
        if height >= XLABEL_FROM:  # shorter, the rows go to the curves (the title says "per epoch")
            plotext.xlabel("epoch")
        body = plotext.build().rstrip("\n")
    chart = "\n".join([title.center(width), *legend, body])
    return chart if color else plotext.uncolorize(chart)


def _log_ticks(logs: list[float], count: int = 5) -> tuple[list[float], list[str]] | None:
    """Evenly spaced ticks over log10 values (half a decade either side of a flat curve), each labelled
    with the value it stands for, to 3 significant digits: the bottom one the smallest."""
    if not logs:
        return None
    low, high = min(logs), max(logs)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    positions = [low + n * (high - low) / (count - 1) for n in range(count)]
    return positions, [f"{10 ** position:.3g}" for position in positions]


def _marker(number: int, color: bool, ascii: bool = False) -> str:
    if ascii:
        return ASCII_MARKERS[number % len(ASCII_MARKERS)]
    return "braille" if color else MONOCHROME_MARKERS[number % len(MONOCHROME_MARKERS)]


def _color(number: int) -> str:
    return CURVE_COLORS[number % len(CURVE_COLORS)]


def _legend(labels: list[str], width: int, color: bool, ascii: bool = False) -> list[str]:
    """Each curve's name after a sample of its line, as many to a row as fit.

    plotext's own legend sits in the top-left corner, right where every loss curve starts.
    """
    import plotext  # here, as in build_chart

    rows: list[list[str]] = [[]]
    used = 0
    for number, label in enumerate(labels):
        marker = _marker(number, color, ascii)
        sample = marker * 2 if ascii or not color and marker != "braille" else "━━" if color else "⣿⣿"
        entry = plotext.colorize(sample, _color(number))
        entry += " " + label
        length = 3 + len(label)
        if rows[-1] and used + 2 + length > width:
            rows.append([])
            used = 0
        used += length + (2 if rows[-1] else 0)
        rows[-1].append(entry)
    return ["  ".join(row) for row in rows]
