"""Hostile input, second pass (issue 18, points 4–8): small input must not cost gigabytes or minutes.

Each test shows the cost without timing it: the work per step that does not grow with the data, a file
refused after reading about as many rows as the limit allows (a bad row planted after them is never
reached), the most memory Python held (tracemalloc) on an input sized to show the difference, a thread
that ends when asked.  bench/bench_hostile.py measures the full-size cases.
"""

from __future__ import annotations

import asyncio

from app_driver import drive, press

from tui_backprop import bulk
from tui_backprop.core import Stepper
from tui_backprop.core.batches import Schedule
from tui_backprop.core.expr import format_number
from tui_backprop.core.loader import network_from_dict
from tui_backprop.core.program import Program
from tui_backprop.core.sweep import sweep


def online(count: int, **keys) -> dict:
    """A 2-3-1 network file's keys, learning online (batch = 1) from `count` spiral points."""
    return {"name": f"online-{count}", "layers": [2, 3, 1], "batch": 1,
            "samples": {"generate": "spiral", "count": count, "seed": 1}, **keys}


# -- point 7: online learning is linear in the samples ---------------------------------------------


def test_a_step_of_online_learning_is_given_its_own_sample_not_every_sample():
    """One epoch of batch = 1 took samples² (each step copied an env of every sample): 29 s at 20,000."""
    net = network_from_dict(online(300))
    seen = []

    def trainer(program, env, epochs, record):
        seen.append(len(env))
        return program.run(env, epochs, record)

    schedule = Schedule(net)
    _, losses = schedule.train_epochs(trainer, net.start_env(), 2)
    own = 1 + len(schedule.program(1).parameters) + 3  # lr, the weights, one sample's inputs and target
    assert len(seen) == 2 * 300 and max(seen) == own
    # the numbers are the stepper's (the app's `r`), which always stepped with its batch alone
    stepper = Stepper(net)
    stepper.run(2)
    assert list(losses) == list(stepper.history.epoch_losses())


def test_train_csv_rows_of_online_learning_see_their_own_sample(monkeypatch):
    net = network_from_dict(online(300))
    schedule = Schedule(net)
    seen, run = [], Program.run

    def spy(self, env, epochs, record="loss"):
        seen.append(len(env))
        return run(self, env, epochs, record)

    monkeypatch.setattr(Program, "run", spy)
    rows = list(schedule.rows(net.start_env(), 300))
    monkeypatch.setattr(Program, "run", run)
    assert len(rows) == 300 and max(seen) == 1 + len(schedule.program(1).parameters) + 3
    assert [row[0] for _, row in rows] == [net.lr] * 300


def test_a_sweep_stops_when_asked_between_chunks_of_steps():
    net = network_from_dict(online(2000))
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 3

    curves = sweep(Schedule(net), [0.5, 1.0], 1000, train=bulk.train, should_stop=should_stop)
    # 2,000 steps an epoch, 10 epochs a chunk: three chunks of the first rate, then it stopped
    assert list(curves) == [0.5] and len(curves[0.5]) == 30
    assert list(curves[0.5]) == list(sweep(Schedule(net), [0.5], 30, train=bulk.train)[0.5])


def test_leaving_the_rate_view_stops_its_sweep():
    """`s` then esc left the sweep running in its thread, and `n` went from 108 ms to 3 s."""
    net = network_from_dict(online(5000))  # six rates × 1,000 epochs × 5,000 steps: minutes of sweeping

    def sweeping(app) -> list:
        return [worker for worker in app.workers if worker.group == "rate-sweep" and not worker.is_finished]

    async def body(app, pilot):
        await press(pilot, "s")
        assert sweeping(app)
        await press(pilot, "escape")
        for _ in range(200):  # the sweep hears it between chunks of 20,000 steps, a fraction of a second
            if not sweeping(app):
                break
            await asyncio.sleep(0.05)
        assert not sweeping(app)
        await press(pilot, "n")
        assert app.stepper.position == 1

    drive(body, network=net)


def test_the_rate_view_left_mid_sweep_sweeps_again_when_shown_again(monkeypatch):
    from tui_backprop.app.widgets import rate_view
    from tui_backprop.app.widgets.rate_view import RateView

    real_sweep, calls = rate_view.sweep, []

    def held_until_left(schedule, rates, epochs, **options):
        calls.append(1)
        while len(calls) == 1 and not options["should_stop"]():  # the first sweep lasts until the view is left
            pass
        return real_sweep(schedule, rates, epochs, **options)

    monkeypatch.setattr(rate_view, "sweep", held_until_left)

    async def body(app, pilot):
        await press(pilot, "s", "escape")
        await app.workers.wait_for_complete()
        await press(pilot, "s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = app.screen.query_one(RateView)
        expected = real_sweep(Schedule(view.network), view.rates, view.epochs)
        shown = [view.query_one("DataTable").get_row_at(n) for n in range(len(expected))]
        assert len(calls) == 2 and [str(row[0]) for row in shown] == [format_number(rate) for rate in expected]
        assert str(shown[0][-2]) == format_number(expected[view.rates[0]][-1], 6)

    drive(body)
