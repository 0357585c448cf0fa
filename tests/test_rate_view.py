"""The learning-rate view: one curve and one table row per rate, each equal to the core's sweep."""

from __future__ import annotations

import asyncio
import math
import threading
import time

from textual.app import App
from textual.widgets import DataTable, Input, Static

from tui_backprop.app.widgets import loss_chart, rate_view
from tui_backprop.app.widgets.loss_chart import LossChart
from tui_backprop.app.widgets.rate_view import RateView
from tui_backprop.core.batches import Schedule
from tui_backprop.core.expr import format_number
from tui_backprop.core.network import Network, Parameters, Sample
from tui_backprop.core.presets import excel, mazur
from tui_backprop.training.sweep import SEED_RATES, checkpoints, sweep

EPOCHS = 1000


def straight_line_net() -> Network:
    """One identity neuron, E = ½(t − w·i)²: the error is multiplied by (1 − lr) each epoch, so lr > 2 diverges."""
    return Network(sizes=(1, 1), activations=("identity",), start=Parameters((0.5,)), samples=(Sample((1.0,), (1.0,)),),
                   name="line")


class RateApp(App):
    def __init__(self, network: Network, **options):
        super().__init__()
        self.network, self.options = network, options

    def compose(self):
        yield RateView(self.network, **self.options)


def in_rate_view(body, network: Network | None = None, size=(100, 40), **options) -> None:
    """Run `await body(app, pilot)` in a rate view of `network` (excel by default), once its first sweep shows."""

    async def main():
        app = RateApp(network or excel(), **options)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await body(app, pilot)

    asyncio.run(main())


def record_builds(monkeypatch) -> list[dict]:
    builds = []
    real_build = loss_chart.build_chart

    def spy(curves, width, height, title, color, **options):
        builds.append(curves)
        return real_build(curves, width, height, title, color, **options)

    monkeypatch.setattr(loss_chart, "build_chart", spy)
    return builds


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def submit(pilot, selector: str, text: str) -> None:
    field = pilot.app.query_one(selector, Input)
    field.value = text
    field.focus()
    await pilot.press("enter")
    await settle(pilot)


def table_rows(app) -> list[list[str]]:
    table = app.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def status(app) -> Static:
    return app.query_one("#sweep-status", Static)


def assert_shows(app, builds, network: Network, rates, epochs: int = EPOCHS) -> None:
    """The last chart and the table hold exactly the core's sweep of `network`."""
    expected = sweep(Schedule(network), rates, epochs)
    assert builds[-1] == {f"lr {format_number(rate)}": curve for rate, curve in expected.items()}
    marks = checkpoints(epochs)
    headers = [str(column.label) for column in app.query_one(DataTable).ordered_columns]
    assert headers[:-1] == ["lr"] + [f"epoch {mark:,}" for mark in marks]
    rows = table_rows(app)
    assert [row[0] for row in rows] == [format_number(rate) for rate in rates]
    for row, curve in zip(rows, expected.values()):
        assert row[1:-1] == [format_number(curve[mark - 1], 6) for mark in marks]


def test_the_seed_rates_are_swept_into_six_curves_and_six_rows(monkeypatch):
    builds = record_builds(monkeypatch)

    async def scenario(app, pilot):
        assert len(builds[-1]) == len(SEED_RATES) == 6
        assert_shows(app, builds, excel(), SEED_RATES)
        assert all(row[-1] == "" for row in table_rows(app))
        assert "-error" not in status(app).classes

    in_rate_view(scenario)


def test_editing_the_rates_sweeps_again(monkeypatch):
    builds = record_builds(monkeypatch)

    async def scenario(app, pilot):
        await submit(pilot, "#sweep-rates", "0.5 3")
        assert_shows(app, builds, excel(), [0.5, 3.0])
        await submit(pilot, "#sweep-epochs", "250")
        assert_shows(app, builds, excel(), [0.5, 3.0], epochs=250)

    in_rate_view(scenario)


def test_a_late_result_of_an_older_request_is_dropped(monkeypatch):
    builds = record_builds(monkeypatch)
    real_sweep = rate_view.sweep
    slow_one_done = threading.Event()

    def slow_for_rate_3(program, rates, epochs, **options):
        if 3.0 not in rates:
            return real_sweep(program, rates, epochs, **options)
        time.sleep(0.3)  # finishes after the newer request below
        curves = real_sweep(program, rates, epochs, **options)
        slow_one_done.set()
        return curves

    monkeypatch.setattr(rate_view, "sweep", slow_for_rate_3)

    async def scenario(app, pilot):
        field = app.query_one("#sweep-rates", Input)
        field.focus()
        field.value = "3"
        await pilot.press("enter")
        field.value = "0.7"
        await pilot.press("enter")
        await settle(pilot)
        while not slow_one_done.is_set():
            await asyncio.sleep(0.01)
        await settle(pilot)
        assert_shows(app, builds, excel(), [0.7])

    in_rate_view(scenario)


def test_closing_the_view_during_a_sweep_is_harmless(monkeypatch):
    real_sweep = rate_view.sweep
    started, finished = threading.Event(), threading.Event()

    def slow(program, rates, epochs, **options):
        started.set()
        time.sleep(0.3)
        curves = real_sweep(program, rates, epochs, **options)
        finished.set()
        return curves

    monkeypatch.setattr(rate_view, "sweep", slow)

    async def scenario():
        app = RateApp(excel(), rates=[0.5])
        async with app.run_test(size=(100, 40)) as pilot:
            while not started.is_set():
                await asyncio.sleep(0.01)
            await app.query_one(RateView).remove()
            while not finished.is_set():
                await asyncio.sleep(0.01)
            await pilot.pause(0.1)
            assert app.is_running and not app.query(RateView)

    asyncio.run(scenario())


def test_bad_input_shows_one_line_and_keeps_the_last_result(monkeypatch):
    builds = record_builds(monkeypatch)
    bad = {
        "#sweep-rates": ("abc", "-1", "0", "", "0.5 nan", "1,,x"),
        "#sweep-epochs": ("0", "ten", "1.5", "2000000"),
    }

    async def scenario(app, pilot):
        shown = builds[-1]
        for selector, texts in bad.items():
            for text in texts:
                await submit(pilot, selector, text)
                message = str(status(app).content)
                assert "-error" in status(app).classes and "\n" not in message and message
                assert "-invalid" in app.query_one(selector, Input).classes
                assert builds[-1] is shown
                assert_shows(app, builds, excel(), SEED_RATES)
            app.query_one(selector, Input).value = " ".join(map(str, SEED_RATES)) if "rates" in selector else "1000"
        await submit(pilot, "#sweep-rates", "0.1 0.5")
        assert "-error" not in status(app).classes
        assert not app.query(".-invalid")
        assert_shows(app, builds, excel(), [0.1, 0.5])

    in_rate_view(scenario)


def test_a_diverging_rate_is_marked():
    curves = sweep(Schedule(straight_line_net()), [0.5, 3.0], EPOCHS)
    assert all(math.isfinite(loss) for loss in curves[0.5])
    diverged_at = next(epoch for epoch, loss in enumerate(curves[3.0], 1) if not math.isfinite(loss))

    async def scenario(app, pilot):
        calm, wild = table_rows(app)
        assert calm[-1] == ""
        assert wild[-1] == f"diverged at epoch {diverged_at:,}"
        for mark, cell in zip(checkpoints(EPOCHS), wild[1:-1]):
            assert cell == ("—" if mark >= diverged_at else format_number(curves[3.0][mark - 1], 6))
        assert "clipped at the top" in app.query_one(LossChart).render().plain

    in_rate_view(scenario, network=straight_line_net(), rates=[0.5, 3.0])


def test_another_network_is_swept_with_the_same_rates(monkeypatch):
    builds = record_builds(monkeypatch)

    async def scenario(app, pilot):
        await submit(pilot, "#sweep-rates", "0.2 0.8")
        app.query_one(RateView).set_network(mazur())
        await settle(pilot)
        assert_shows(app, builds, mazur(), [0.2, 0.8])

    in_rate_view(scenario)


def test_it_fits_80_by_23_with_chart_and_all_six_rows_visible():
    async def scenario(app, pilot):
        screen = app.screen.region
        chart, table = app.query_one(LossChart), app.query_one(DataTable)
        assert chart.region.height >= 10
        assert screen.contains_region(table.region)
        assert table.region.height == 1 + len(SEED_RATES)

    in_rate_view(scenario, size=(80, 23))
