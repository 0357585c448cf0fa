"""Bulk training's records (tui_backprop/bulk.py) and the history that keeps them (core/history.py)."""

from __future__ import annotations

from test_engine_scale import wide_network
from tui_backprop import bulk
from tui_backprop.core import Stepper
from tui_backprop.core.history import CHECKPOINT_EVERY


def test_a_schedule_whose_last_batch_is_small_takes_one_path_so_its_history_keeps_only_checkpoints():
    # 200 weights: a batch of 2 trains in numpy, the last batch's one sample in the compiled loop.
    net = wide_network((10, 10, 10), 5).with_changes(batch=2, shuffle_seed=1)
    stepper = Stepper(net, trainer=bulk.train)
    assert bulk.uses_numpy(stepper.schedule.program(1)) and not bulk.uses_numpy(stepper.schedule.program(3))
    steps = 3 * CHECKPOINT_EVERY
    stepper.run(steps // stepper.schedule.steps_per_epoch + 1)
    history = stepper.history
    last = len(history)  # traced, so a checkpoint of its own
    assert list(history._checkpoint_epochs) == [1, 1 + CHECKPOINT_EVERY, 1 + 2 * CHECKPOINT_EVERY, 1 + 3 * CHECKPOINT_EVERY, last]
    # A stretch re-derived from a checkpoint at a short last batch has the bits of the run.
    _, records = stepper.schedule.train(bulk.train, net.start_env(), 1, steps, "history")
    assert history.data[: len(records)].tobytes() == records.tobytes()
