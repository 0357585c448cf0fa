"""The loss chart: thinning, clipping, colour, and the widget's cache of the built chart."""

from __future__ import annotations

import asyncio
import math

import plotext
from rich.color import Color
from textual.app import App

from tui_backprop.app.widgets import loss_chart
from tui_backprop.app.widgets.loss_chart import LossChart
from tui_backprop.core.batches import Schedule
from tui_backprop.core.network import Network, Parameters, Sample
from tui_backprop.core.presets import excel
from tui_backprop.core.program import build_program
from tui_backprop.reports import chart
from tui_backprop.training.sweep import sweep

LONG = 100_000


def excel_losses(epochs: int) -> list[float]:
    program = build_program(excel())
    return list(program.run(program.net.start_env(), epochs, "loss")[1])


def straight_line_net() -> Network:
    """One identity neuron, E = ½(t − w·i)²: the error is multiplied by (1 − lr) each epoch, so lr > 2 diverges."""
    return Network(sizes=(1, 1), activations=("identity",), start=Parameters((0.5,)), samples=(Sample((1.0,), (1.0,)),))


def diverging_curves() -> dict[str, list[float]]:
    curves = sweep(Schedule(straight_line_net()), [0.5, 3.0], 1000)
    assert all(math.isfinite(loss) for loss in curves[0.5])
    assert not all(math.isfinite(loss) for loss in curves[3.0])
    return {"lr 0.5": list(curves[0.5]), "lr 3": list(curves[3.0])}


def record_plots(monkeypatch) -> list[tuple[list, list]]:
    """What plotext is asked to draw, curve by curve."""
    plotted = []
    real_plot = plotext.plot

    def spy(xs, ys, **options):
        plotted.append((list(xs), list(ys)))
        return real_plot(xs, ys, **options)

    monkeypatch.setattr(plotext, "plot", spy)
    return plotted


def record_builds(monkeypatch) -> list[dict]:
    builds = []
    real_build = loss_chart.build_chart

    def spy(curves, width, height, title, color, **options):
        builds.append({"curves": curves, "width": width, "height": height, "color": color, **options})
        return real_build(curves, width, height, title, color, **options)

    monkeypatch.setattr(loss_chart, "build_chart", spy)
    return builds


# -- thin and build_chart ---------------------------------------------------------


def test_thin_keeps_about_two_points_per_column_evenly_spread_and_the_last_epoch():
    losses = excel_losses(LONG)
    for width in (20, 60, 100, 333):
        xs, ys = chart.thin(losses, 2 * width)
        assert 0.99 * 2 * width <= len(xs) <= 2 * width + 1
        assert xs[0] == 1 and xs[-1] == LONG
        assert ys == [losses[x - 1] for x in xs]
        gaps = {b - a for a, b in zip(xs, xs[1:-1])}
        assert len(gaps) == 1 and xs[-1] - xs[-2] <= gaps.pop()


def test_thin_keeps_every_point_of_a_short_curve():
    losses = excel_losses(50)
    assert chart.thin(losses, 200) == (list(range(1, 51)), losses)


def test_thin_drops_the_epochs_after_divergence():
    diverged = diverging_curves()["lr 3"]
    first_bad = next(epoch for epoch, loss in enumerate(diverged, 1) if not math.isfinite(loss))
    xs, ys = chart.thin(diverged, 2000)
    assert xs == list(range(1, first_bad))
    assert all(math.isfinite(y) for y in ys)


def test_a_diverging_curve_is_clipped_instead_of_flattening_the_others(monkeypatch):
    plotted = record_plots(monkeypatch)
    curves = diverging_curves()
    text = chart.build_chart(curves, 60, 15, color=False)
    assert "clipped at the top" in text
    ceiling = chart.HEADROOM * curves["lr 0.5"][0]
    (_, calm), (_, wild) = plotted
    assert calm == chart.thin(curves["lr 0.5"], 120)[1]  # under the ceiling: untouched
    assert max(wild) == ceiling


def test_a_calm_chart_is_not_clipped():
    assert "clipped" not in chart.build_chart({"excel": excel_losses(1000)}, 60, 15, color=False)


def test_the_chart_fills_exactly_its_size_with_a_legend_for_several_curves():
    curves = {f"lr {rate}": excel_losses(200) for rate in range(9)}
    for width, height in ((60, 15), (80, 24), (100, 30)):
        lines = chart.build_chart(curves, width, height, color=False).split("\n")
        assert len(lines) == height
        assert max(len(line) for line in lines) <= width
        legend = " ".join(lines[1:4])
        assert all(label in legend for label in curves)


def test_without_colour_curves_differ_by_marker_and_no_escape_code_is_left():
    curves = {"lr 0.1": excel_losses(100), "lr 0.2": excel_losses(100)}
    plain = chart.build_chart(curves, 60, 15, color=False)
    assert "\x1b" not in plain
    assert "⣿⣿ lr 0.1" in plain and "xx lr 0.2" in plain
    coloured = chart.build_chart(curves, 60, 15, color=True)
    for code in chart.CURVE_COLORS[:2]:
        assert f"\x1b[38;5;{code}m" in coloured


def test_curve_colours_read_on_black_and_on_white():
    """Each colour (as rich maps the 256-colour palette) against both backgrounds, by the WCAG 2.1
    contrast ratio; 3:1 is its minimum for graphical objects (success criterion 1.4.11, non-text contrast)."""

    def luminance(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    for code in chart.CURVE_COLORS:
        assert code >= 16  # a fixed palette entry, not one of the 16 colours a terminal theme may redefine
        red, green, blue = Color.from_ansi(code).get_truecolor()
        light = 0.2126 * luminance(red) + 0.7152 * luminance(green) + 0.0722 * luminance(blue)
        assert (light + 0.05) / 0.05 >= 3  # against black
        assert 1.05 / (light + 0.05) >= 3  # against white


def test_no_data_says_so():
    assert "no finished epoch yet" in chart.build_chart({}, 60, 15, color=False)
    assert "no finished epoch yet" in chart.build_chart({"lr 1": []}, 60, 15, color=False)


# -- the widget ------------------------------------------------------------------


class CountingChart(LossChart):
    renders = 0

    def render(self):
        self.renders += 1
        return super().render()


class ChartApp(App):
    def compose(self):
        yield CountingChart()


def test_the_built_chart_is_reused_until_the_data_or_the_size_changes(monkeypatch):
    builds = record_builds(monkeypatch)
    first, second = {"excel": excel_losses(300)}, {"excel": excel_losses(600)}

    async def scenario():
        app = ChartApp()
        async with app.run_test(size=(60, 20)) as pilot:
            widget = app.query_one(CountingChart)
            await pilot.pause()
            assert builds == []  # the empty chart is drawn without plotext
            widget.set_curves(first, 1)
            await pilot.pause()
            assert len(builds) == 1 and builds[-1]["curves"] is first
            assert (builds[-1]["width"], builds[-1]["height"]) == (60, 20)

            renders = widget.renders
            widget.refresh()
            await pilot.pause()
            widget.set_curves(first, 1)
            await pilot.pause()
            assert widget.renders > renders
            assert len(builds) == 1

            widget.set_curves(second, 2)
            await pilot.pause()
            assert len(builds) == 2 and builds[-1]["curves"] is second

            await pilot.resize_terminal(100, 30)
            await pilot.pause()
            assert len(builds) == 3
            assert (builds[-1]["width"], builds[-1]["height"]) == (100, 30)

    asyncio.run(scenario())


def test_a_100k_epoch_history_renders_thinned_to_the_width(monkeypatch):
    plotted = record_plots(monkeypatch)
    losses = excel_losses(LONG)

    async def scenario():
        app = ChartApp()
        async with app.run_test(size=(80, 24)) as pilot:
            widget = app.query_one(CountingChart)
            widget.set_curves({"excel": losses}, 1)
            await pilot.pause()
            text = widget.render().plain
            assert str(LONG) in text and "epoch" in text
            assert any("\u2800" <= char <= "\u28ff" for char in text)  # the braille curve
        [(xs, ys)] = plotted
        assert len(xs) <= 2 * 80 + 1
        assert xs[-1] == LONG and ys[-1] == losses[-1]

    asyncio.run(scenario())


def test_colour_follows_no_color(monkeypatch):
    builds = record_builds(monkeypatch)
    curves = {"lr 0.1": excel_losses(100), "lr 0.5": excel_losses(100)}

    async def styles(no_color: bool) -> set[str]:
        if no_color:
            monkeypatch.setenv("NO_COLOR", "1")
        else:
            monkeypatch.delenv("NO_COLOR", raising=False)
        app = ChartApp()
        async with app.run_test(size=(60, 20)) as pilot:
            widget = app.query_one(CountingChart)
            widget.set_curves(curves, 1)
            await pilot.pause()
            return {str(span.style) for span in widget.render().spans}

    assert asyncio.run(styles(no_color=False))
    assert builds[-1]["color"] is True
    assert asyncio.run(styles(no_color=True)) == set()
    assert builds[-1]["color"] is False


def test_an_empty_widget_says_no_epoch_has_finished():
    async def scenario():
        app = ChartApp()
        async with app.run_test(size=(60, 20)) as pilot:
            await pilot.pause()
            assert "no finished epoch yet" in app.query_one(CountingChart).render().plain

    asyncio.run(scenario())


def plotted_rows(text: str) -> int:
    """The rows a chart draws its curves in: between its frame's top and bottom lines."""
    lines = text.splitlines()
    top = next(n for n, line in enumerate(lines) if "┌" in line)
    bottom = next(n for n, line in enumerate(lines) if "└" in line)
    return bottom - top - 1


def test_at_120x40_a_data_set_with_a_test_set_gets_a_readable_chart():
    """iris: E_test beside E_total, a legend row above the plot; 8 rows are left to draw the curves in."""
    from conftest import REPO

    from tui_backprop.core import load_network

    from app_driver import drive, press, type_in

    async def body(app, pilot):
        await press(pilot, "r")
        await type_in(pilot, "3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        widget = app.query_one(LossChart)
        assert set(widget.curves) == {"E_total", "E_test"}
        assert plotted_rows(widget.render().plain) >= 8
        assert app.panels["values"].content_region.height >= 5  # the values keep some room, and scroll
        await pilot.resize_terminal(110, 34)  # smaller than 40 rows, the values keep theirs
        await pilot.pause()
        assert app.panels["values"].content_region.height >= 5

    drive(body, network=load_network(REPO / "examples" / "iris.toml"), size=(120, 40))
