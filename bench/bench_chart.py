"""Loss chart redraw after 100,000 epochs of history (target: under 30 ms).

Times LossChart.render() inside a headless app at 60x15 and 100x30:
  cold   - the data changed: thin each curve, build with plotext, parse the ANSI text;
  cached - nothing changed: the widget hands back the chart it built;
against a baseline that gives plotext the whole, un-thinned curve.

Run from the repository root:  python bench/bench_chart.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import plotext
from textual.app import App

from tui_backprop.app.widgets.loss_chart import LossChart
from tui_backprop.core.batches import Schedule
from tui_backprop.core.expr import format_number
from tui_backprop.core.presets import excel
from tui_backprop.core.program import build_program
from tui_backprop.training.sweep import SEED_RATES, sweep

EPOCHS = 100_000
SIZES = ((60, 15), (100, 30))
REPEATS = 15
TARGET_MS = 30.0


def milliseconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def unthinned(values, width: int, height: int) -> None:
    plotext.clear_figure()
    plotext.limit_size(False, False)
    plotext.plotsize(width, height)
    plotext.plot(list(range(1, len(values) + 1)), list(values), marker="braille")
    plotext.build()


class ChartApp(App):
    def compose(self):
        yield LossChart()


async def widget_times(curves: dict, size: tuple[int, int]) -> tuple[float, float]:
    app = ChartApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        chart = app.query_one(LossChart)
        version = 0

        def cold():
            nonlocal version
            version += 1
            chart.set_curves(curves, version)
            chart.render()

        cold_ms = milliseconds(cold, REPEATS)
        cached_ms = milliseconds(chart.render, REPEATS * 100)
        assert str(EPOCHS) in chart.render().plain
    return cold_ms, cached_ms


def main() -> None:
    program = build_program(excel())
    history = {"E_total": program.run(program.net.start_env(), EPOCHS, "loss")[1]}
    rates = {f"lr {format_number(rate)}": curve for rate, curve in sweep(Schedule(program.net, program), SEED_RATES, EPOCHS).items()}
    print(f"Loss chart redraw after {EPOCHS:,} epochs of history (median ms; target < {TARGET_MS:g} ms)")
    print(f"{'size':>7}  {'curves':>6}  {'un-thinned':>10}  {'cold':>7}  {'cached':>7}  {'un-thinned/cold':>15}")
    worst = 0.0
    for width, height in SIZES:
        baseline = milliseconds(lambda: unthinned(history["E_total"], width, height), 3)
        for curves in (history, rates):
            cold, cached = asyncio.run(widget_times(curves, (width, height)))
            worst = max(worst, cold)
            base = f"{baseline:10.1f}" if len(curves) == 1 else f"{'':>10}"
            ratio = f"{baseline / cold:14.0f}x" if len(curves) == 1 else ""
            print(f"{width:>3}x{height:<3}  {len(curves):>6}  {base}  {cold:7.2f}  {cached:7.4f}  {ratio:>15}")
    print(f"slowest cold redraw {worst:.1f} ms: {'meets' if worst < TARGET_MS else 'MISSES'} the {TARGET_MS:g} ms target")


if __name__ == "__main__":
    main()
