"""Bulk training's records (tui_backprop/bulk.py) and the history that keeps them (core/history.py)."""

from __future__ import annotations

import math
from array import array

import numpy as np
import pytest
from test_engine_scale import wide_network

from tui_backprop.core import Stepper
from tui_backprop.core.history import CHECKPOINT_EVERY, checkpoint_records, checkpoint_records_length
from tui_backprop.training import bulk
from tui_backprop.training.bulk_numpy import NumpyEpochs


def test_a_schedule_whose_last_batch_is_small_takes_one_path_so_its_history_keeps_only_checkpoints():
    # 200 weights: a batch of 2 trains in numpy, the last batch's one sample in the compiled loop.
    net = wide_network((10, 10, 10), 5).with_changes(batch=2, shuffle_seed=1)
    stepper = Stepper(net, trainer=bulk.TRAINER)
    assert bulk.uses_numpy(stepper.schedule.program(1)) and not bulk.uses_numpy(stepper.schedule.program(3))
    steps = 3 * CHECKPOINT_EVERY
    stepper.run(steps // stepper.schedule.steps_per_epoch + 1)
    history = stepper.history
    last = len(history)  # traced, so a checkpoint of its own
    assert list(history._checkpoint_steps) == [1, 1 + CHECKPOINT_EVERY, 1 + 2 * CHECKPOINT_EVERY, 1 + 3 * CHECKPOINT_EVERY, last]
    # A stretch re-derived from a checkpoint at a short last batch has the bits of the run.
    _, records = stepper.schedule.train(bulk.TRAINER, net.start_env(), 1, steps, "history")
    assert history.data[: len(records)].tobytes() == records.tobytes()


NETWORKS = {  # each with the path bulk.train takes for it
    "numpy": lambda: wide_network((20, 20, 20), 2),
    "compiled": lambda: wide_network((3, 4, 2), 2),
    "numpy, in batches": lambda: wide_network((10, 10, 10), 5).with_changes(batch=2, shuffle_seed=3),
    "compiled, in batches": lambda: wide_network((3, 4, 2), 5).with_changes(batch=2, shuffle_seed=3),
}


@pytest.mark.parametrize("steps", [1, 2, CHECKPOINT_EVERY - 1, CHECKPOINT_EVERY, CHECKPOINT_EVERY + 1, 3 * CHECKPOINT_EVERY + 5])
@pytest.mark.parametrize("kind", NETWORKS)
def test_checkpoint_records_are_the_history_records_a_history_keeps(kind, steps):
    net = NETWORKS[kind]()
    stepper = Stepper(net, trainer=bulk.TRAINER)
    schedule, env, stride = stepper.schedule, dict(stepper.values), stepper.history.stride
    full_env, full = schedule.train(bulk.TRAINER, env, 1, steps, "history")
    thin_env, thin = schedule.train(bulk.TRAINER, env, 1, steps, "checkpoints")
    assert thin_env == full_env
    assert len(thin) == checkpoint_records_length(steps, stride)
    assert thin.tobytes() == checkpoint_records(full, stride).tobytes()
    # the history keeps the same numbers from either
    samples = stepper._samples()
    whole, kept = Stepper(net, trainer=bulk.TRAINER).history, stepper.history
    whole.extend(full, samples)
    kept.extend(thin, samples, "checkpoints")
    assert list(kept._checkpoint_steps) == list(whole._checkpoint_steps) == list(range(1, steps + 1, CHECKPOINT_EVERY))
    assert kept._checkpoints.tobytes() == whole._checkpoints.tobytes()
    assert kept.losses().tobytes() == whole.losses().tobytes() == full[stride - 1 :: stride].tobytes()
    assert list(kept.starts) == [1] and kept.nbytes == whole.nbytes
    assert kept.data.tobytes() == full.tobytes()


def test_numpy_records_only_the_checkpoints_parameters():
    net = NETWORKS["numpy"]()
    program = Stepper(net).program
    stride = len(program.parameters) + 2
    _, full = NumpyEpochs(program, net.start_env()).run(200, "history")
    _, thin = NumpyEpochs(program, net.start_env()).run(200, "checkpoints")
    assert len(thin) == 200 + 4 * (stride - 1) < len(full) / 10
    assert thin.tobytes() == checkpoint_records(full, stride).tobytes()


def test_checkpoint_records_the_fast_path_does_not_re_derive_are_run_again_and_kept_whole():
    net = NETWORKS["compiled"]()
    stepper = Stepper(net)  # the compiled loop re-derives the history
    epochs, stride = 2 * CHECKPOINT_EVERY + 3, stepper.history.stride
    _, full = stepper.program.run(stepper.values, epochs, "history")
    thin = checkpoint_records(full, stride)
    thin[stride - 1 + 5] = math.nextafter(thin[stride - 1 + 5], math.inf)  # E_total of epoch 6: another path's last bit
    stepper.history.extend(thin, stepper._samples(), "checkpoints")
    history = stepper.history
    assert history.losses().tobytes() == full[stride - 1 :: stride].tobytes()  # not the nudged E_total
    assert history.data.tobytes() == full.tobytes()
    assert list(history.starts) == [1]


def test_numpy_steps_are_the_epochs_steps():
    """NumpyEpochs.step, one update over given samples (a column a sample), is what an epoch is made of."""
    net = NETWORKS["numpy"]()
    program = Stepper(net).program
    env = net.start_env()
    names = net.names
    by_steps = NumpyEpochs(program, env)
    inputs = np.array([[env[s] for s in names.input_symbols(k)] for k in range(len(net.samples))]).T.copy()
    targets = np.array([[env[s] for s in names.target_symbols(k)] for k in range(len(net.samples))]).T.copy()
    losses = [by_steps.step(inputs, targets, by_steps.count) for _ in range(3)]
    after, records = NumpyEpochs(program, env).run(3, "loss")
    assert array("d", losses).tobytes() == records.tobytes()
    assert by_steps.flat.tolist() == [after[p] for p in program.parameters]
