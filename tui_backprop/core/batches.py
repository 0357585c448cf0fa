"""Mini-batches: which samples each update step learns from.

A network file's `batch` says how many samples one update step learns from:
"full" (all of them, the default and the worked examples' way), 1 (online
learning: a step after every sample) or N (mini-batches).  An epoch is one pass
over the training samples, so it has ceil(samples / N) update steps; the last
holds the samples left over when N does not divide them.

With batches the samples are shuffled at the start of every epoch, by
random.Random(shuffle_seed * SEED_STRIDE + epoch): a run repeats exactly, and any
epoch's order is found without replaying the ones before it.

A step is one full-batch program over the step's samples (program.py): the
samples of batch b are the free symbols i1[1], t1[1], ... of a program built for
a batch of that size, so one program serves every batch of its size, and the
trace of a batch reads exactly like the worked examples' epoch.
"""

from __future__ import annotations

import math
import random
from array import array
from functools import lru_cache
from typing import Protocol

from .maths import LOSSES
from .metrics import Metrics
from .network import Network
from .program import Program, Record, build_program

SEED_STRIDE = 1_000_003  # seeds s and s + 1 share no epoch's shuffle in their first million epochs
# Update steps a call of the fast path takes at most in a long run (the stepper's `r`, the rate sweep): the
# records of a chunk stay small, and a request to stop is heard between chunks.
CHUNK_STEPS = 20_000


class Trainer(Protocol):
    """How whole update steps run on the fast path: `COMPILED` (each program's compiled loop) by default;
    tui_backprop.training.bulk.TRAINER picks numpy for a large network."""

    # Whether it records Record.CHECKPOINTS (only what a history keeps of a run), not only LOSS and HISTORY.
    records_checkpoints: bool

    def __call__(self, program: Program, env: dict[str, float], steps: int, record: Record) -> tuple[dict, array]:
        """`steps` update steps over `program`'s own samples from `env`: (the env after them, the records)."""

    def steps(self, schedule: Schedule, env: dict[str, float], first: int, count: int,
              record: Record) -> tuple[dict, array] | None:
        """`count` steps of a batched `schedule` from step `first` in one go, or None to leave them to
        `__call__`, a step at a time."""

    def gradient_means(self, metrics: Metrics, row) -> list[float]:
        """Each layer's mean |dE_total/dw| in a row of this path's (core/metrics.py), as this path sums them."""


class CompiledLoop:
    """The default Trainer: each program's own compiled loop (compiled.py), a step at a time."""

    records_checkpoints = False

    def __call__(self, program: Program, env: dict[str, float], steps: int, record: Record) -> tuple[dict, array]:
        return program.run(env, steps, record)

    def steps(self, schedule: Schedule, env: dict[str, float], first: int, count: int, record: Record) -> None:
        return None

    def gradient_means(self, metrics: Metrics, row) -> list[float]:
        return metrics.gradient_means(row)


COMPILED = CompiledLoop()


class Schedule:
    """The update steps of a network's epochs, numbered 1, 2, ... across epochs."""

    def __init__(self, net: Network, program: Program | None = None):
        self.net = net
        self.count = len(net.samples)
        self.size = net.batch if 0 < net.batch < self.count else self.count
        self.batched = self.size < self.count
        self.steps_per_epoch = -(-self.count // self.size)
        self._programs: dict[int, Program] = {}
        self._sample_symbols: dict[int, list[list[str]]] = {}  # batch size -> each place's input and target names
        self.sample_numbers = [sample.inputs + sample.targets for sample in net.samples]  # a row per sample
        if program is not None:  # already built: the program of a batch of its samples' count
            self._programs[len(program.net.samples)] = program

    # -- where a step is ------------------------------------------------------
    def place(self, step: int) -> tuple[int, int]:
        """(epoch, batch), both 1-based, of the 1-based `step`."""
        epoch, batch = divmod(step - 1, self.steps_per_epoch)
        return epoch + 1, batch + 1

    def step(self, epoch: int, batch: int = 1) -> int:
        return (epoch - 1) * self.steps_per_epoch + batch

    def members(self, step: int) -> tuple[int, ...]:
        """The 0-based numbers of the samples `step` learns from, in the order it adds them."""
        if not self.batched:
            return tuple(range(self.count))
        epoch, batch = self.place(step)
        order = _order(self.count, self.net.shuffle_seed, epoch)
        return order[(batch - 1) * self.size : batch * self.size]

    def batch_size(self, step: int) -> int:
        if not self.batched:
            return self.count
        batch = self.place(step)[1]
        return min(self.size, self.count - (batch - 1) * self.size)

    def describe(self, step: int) -> str:
        """"epoch 3", or "epoch 3 · batch 2 of 8": how a step is named on screen and in files."""
        epoch, batch = self.place(step)
        if not self.batched:
            return f"epoch {epoch}"
        return f"epoch {epoch} · batch {batch} of {self.steps_per_epoch}"

    @property
    def unit(self) -> str:
        """What one step, and so one row of a history, is: "batch", or without batches "epoch"."""
        return "batch" if self.batched else "epoch"

    @property
    def label_heading(self) -> str:
        return "epoch·batch" if self.batched else "epoch"

    def label(self, step: int) -> str:
        """A step in a table's first column: "3·2" (epoch 3, batch 2), or without batches "3"."""
        return "·".join(map(str, self.place(step))) if self.batched else str(step)

    def samples_text(self, step: int, most: int = 8) -> str:
        """The data's numbers of a batch's samples, in the batch's order: "samples 7, 2, 11 and 5"."""
        numbers = [str(k + 1) for k in self.members(step)]
        if len(numbers) == 1:
            return f"sample {numbers[0]}"
        shown = numbers if len(numbers) <= most else numbers[: most - 1] + [f"… ({len(numbers) - most + 1} more)"]
        return f"samples {', '.join(shown[:-1])} and {shown[-1]}"

    # -- the programs and their free symbols ----------------------------------
    def program(self, step: int) -> Program:
        size = self.batch_size(step)
        if size not in self._programs:
            net = self.net if size == self.count else self.net.with_changes(
                samples=self.net.samples[:size], test_samples=(), batch=0)
            self._programs[size] = build_program(net)
        return self._programs[size]

    def samples_env(self, step: int) -> dict[str, float]:
        """The inputs and targets of the step's samples, under the names its program gives them."""
        size = self.batch_size(step)
        if size not in self._sample_symbols:
            names = self.program(step).names
            self._sample_symbols[size] = [names.input_symbols(k) + names.target_symbols(k) for k in range(size)]
        numbers = self.sample_numbers
        env = {}
        for symbols, member in zip(self._sample_symbols[size], self.members(step)):
            env.update(zip(symbols, numbers[member]))
        return env

    # -- whole steps on the fast path ------------------------------------------
    def train(self, trainer: Trainer, env: dict[str, float], first: int, count: int, record: Record):
        """Run `count` steps from step `first` with `trainer` (one step is one run of the step's program):
        (the env after them, the records one after another)."""
        if not self.batched:
            return trainer(self.program(first), env, count, record)
        kept = self.program(first).carried  # what carries from step to step
        # Only that: each step brings its own samples, and a trainer copies the env it is given, so an env
        # holding every sample would make an epoch of online learning cost samples² (issue 18).
        env = {key: env[key] for key in kept}
        # A trainer may run a batched schedule's steps in one go (bulk.TRAINER does, in numpy).
        done = trainer.steps(self, env, first, count, record)
        if done:
            env, out = done
        else:
            out = array("d")
            for step in range(first, first + count):
                env.update(self.samples_env(step))
                env, records = trainer(self.program(step), env, 1, record)
                out.extend(records)
        return {key: env[key] for key in kept}, out

    def train_epochs(self, trainer: Trainer, env: dict[str, float], epochs: int, first_epoch: int = 1):
        """Whole epochs on the fast path: (the env after them, E_total of each epoch)."""
        if not self.batched:
            return trainer(self.program(1), env, epochs, Record.LOSS)
        env, losses = self.train(trainer, env, self.step(first_epoch), epochs * self.steps_per_epoch, Record.LOSS)
        return env, self.epoch_losses(losses)

    def rows(self, trainer: Trainer, env: dict[str, float], steps: int, chunk: int = 10_000, numbers: int = 1_000_000):
        """Every column of the next `steps` steps from step 1 (a row each, in the columns of a full batch),
        trained by `trainer` (as in `train`): the run's numbers, whichever path trains it.  At most `chunk`
        steps and about `numbers` numbers at a time (a row of 100-100-100 with 16 samples holds 48,202)."""
        program = self.program(1)
        if self.batched:  # lr and the parameters carry from step to step; each step brings its samples
            env = {key: env[key] for key in program.carried}
        done = 0
        while done < steps:
            count = 1 if self.batched else min(chunk, max(1, numbers // len(program.columns)), steps - done)
            step = done + 1
            here = self.program(step)
            env, out = self.train(trainer, env, step, count, Record.ROW)
            for k in range(count):
                row = out[k * len(here.columns) : (k + 1) * len(here.columns)]
                yield step + k, row if here is program else aligned(program.columns, here.columns, row)
            done += count

    # -- an epoch's E_total from its steps ----------------------------------------
    def epoch_losses(self, step_losses) -> array:
        """E_total of each finished epoch: the loss over every training sample, each sample's error
        taken when its batch was computed (the steps' E_total weighted by their share of the samples,
        as Keras reports an epoch's loss).  Without batches these are the steps' own numbers."""
        if not self.batched:
            return step_losses
        per, out = self.steps_per_epoch, array("d")
        weights = [self._share(self.batch_size(b)) for b in range(1, per + 1)]
        for start in range(0, len(step_losses) - per + 1, per):
            out.append(math.fsum(loss * weight for loss, weight in zip(step_losses[start : start + per], weights)))
        return out

    def _share(self, size: int) -> float:
        count = LOSSES[self.net.loss].count
        outputs = self.net.sizes[-1]
        return count(outputs, size) / count(outputs, self.count)


def sheet_refusal(net: Network) -> str | None:
    """Why an exercise or its grading cannot follow `net`, if it cannot: an exercise follows the worked
    examples, one full-batch epoch a row.  (`check` reads a batched network's sheet, a row per step.)"""
    if 0 < net.batch < len(net.samples):
        return (f"{net.name} learns in batches of {net.batch}; a worksheet follows the worked examples, "
                'one full-batch epoch a row (set batch = "full" in the network file)')
    return None


def aligned(columns, own_columns, row) -> list[float]:
    """A smaller last batch's row in a full batch's columns: the samples it lacks are nan."""
    by_column = dict(zip(own_columns, row))
    return [by_column.get(column, math.nan) for column in columns]


@lru_cache(maxsize=4)
def _order(count: int, seed: int, epoch: int) -> tuple[int, ...]:
    order = list(range(count))
    random.Random(seed * SEED_STRIDE + epoch).shuffle(order)
    return tuple(order)
