"""Every finished update step, stored compactly and re-derived on demand.

The history holds a row per update step, numbered 1, 2, ... (batches.py); without
batches a step is an epoch, and with them `epoch_losses` gives the epochs' E_total.

E_total is kept for every step (the loss chart needs them all); lr and the
parameters only at checkpoints: the first step of each stretch the fast path ran
in one go, then every CHECKPOINT_EVERY steps of it.  The start of any other step
is re-derived by running the fast path on from the checkpoint before it, the same
code on the same numbers, so it has the same bits as the first time.  10,000,000
epochs of the 2-2-2 net take about 95 MB instead of 960.

Steps a student stepped by hand keep their exact row, since they may have had a
value edited halfway through; each is a checkpoint of its own.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence

from .batches import COMPILED, Schedule, Trainer, aligned
from .metrics import Metrics
from .program import Program, Record

# Steps between checkpoints: 11 doubles every 64 steps add 1.4 bytes a step to
# E_total's 8, and a row is re-derived by running at most 63 steps (tens of µs).
CHECKPOINT_EVERY = 64
# Numbers of re-derived rows kept (8 MB, as doubles): a screenful of a large network's history, whose rows
# (48,202 numbers at 100-100-100 × 16) take 14 ms each to re-derive, redrawn at every step.
ROWS_KEPT = 1_000_000
PIECE_NUMBERS = 2**17  # a format-1 session's records are kept about a megabyte at a time (History.load)


def first_divergence(losses) -> int | None:
    """The first epoch whose E_total is no longer a finite number, if any.

    A stretch whose sum is finite holds only finite numbers, and `sum` adds them at C speed: a history of
    20,000,000 epochs is looked through in a fraction of a second, not seconds a number at a time.  (A sum
    that overflows, of finite numbers, only sends its stretch through the slow look.)"""
    stretch = 4096
    for first in range(0, len(losses), stretch):
        part = losses[first : first + stretch]
        if math.isfinite(sum(part)):
            continue
        for epoch, loss in enumerate(part, first + 1):
            if not math.isfinite(loss):
                return epoch
    return None


class History:
    def __init__(self, program: Program, train=None, schedule: Schedule | None = None, trainer: Trainer = COMPILED):
        """`train(env, steps, first, record=Record.HISTORY)` -> (env, records of lr, parameters, E_total) is
        how runs were trained, how the steps between checkpoints are re-derived and how a row is made
        (Record.ROW): the same path gives the same bits (numpy's, for a large network; by default the program's
        own compiled loop), so a row shows the numbers of the run that made it.  `program` is the program
        of a full batch: its columns are the history's.  `trainer` (the path of `train`) sums each layer's
        gradients in a row as `train --csv` does (core/metrics.py)."""
        self.program, self.trainer = program, trainer
        self.schedule = schedule or Schedule(program.net, program)
        self.train = train or (lambda env, steps, first, record=Record.HISTORY: self.schedule.train(
            COMPILED, env, first, steps, record))
        self.stride = len(program.carried) + 1  # a record: lr, parameters (and an optimizer's state), E_total
        self._losses = array("d")
        # The step of each checkpoint, and its lr and parameters (stride - 1 numbers each).
        self._checkpoint_steps = array("q")
        self._checkpoints = array("d")
        # The steps where a stretch of continuous fast-path steps starts (a subset of the checkpoints).
        self.starts = array("q")
        self.exact_rows: dict[int, list[float]] = {}  # step -> its row, for steps stepped by hand
        # Stepped steps in which a value was edited midway: their rows mix numbers from before and after.
        self.mixed: dict[int, tuple[str, ...]] = {}
        # (first step, inputs and targets) whenever the samples were edited
        self.segments: list[tuple[int, dict[str, float]]] = []
        self._block: tuple[int, array] | None = None  # the last stretch re-derived: (first step, records)
        self.revision = 0  # changes whenever the stored steps do: a cache key for charts
        self._divergence: tuple[int, int | None] = (-1, None)
        self._epoch_losses: tuple[int, array] = (-1, array("d"))
        self._test_losses: dict[int, float] = {}  # step -> the held-out samples' E_total, as read
        # (what, step) -> accuracy or the layers' mean |dE_total/dw|, as read (`accuracy`, `gradient_means`)
        self._measured: dict[tuple[str, int], float | list[float]] = {}
        self._metrics: Metrics | None = None
        self._rows: dict[int, array] = {}  # step -> its row, re-derived lately (ROWS_KEPT numbers at most)

    def __len__(self) -> int:
        return len(self._losses)

    @property
    def columns(self) -> list[str]:
        return self.program.columns

    @property
    def nbytes(self) -> int:
        """The memory the stored numbers take (not the exact rows of steps stepped by hand)."""
        return sum(len(a) * a.itemsize for a in (self._losses, self._checkpoint_steps, self._checkpoints, self.starts))

    def _note_samples(self, first_step: int, samples: dict[str, float]) -> None:
        if not self.segments or self.segments[-1][1] != samples:
            self.segments.append((first_step, dict(samples)))

    def _store(self, records) -> None:
        """Continuous steps as records of lr, parameters, E_total: a checkpoint every CHECKPOINT_EVERY,
        or at every step when the compiled fast path does not give these very bits (numpy's bulk
        training of a large network sums in another order)."""
        first = len(self) + 1
        self.starts.append(first)
        self._keep(records, first, 0, CHECKPOINT_EVERY if self._rederives(records, first) else 1)

    def _keep(self, records, first: int, offset: int, every: int) -> None:
        """Records of the stretch that starts at step `first`, from its step first + offset on: E_total of
        each, and lr and the parameters of every `every`-th from the stretch's first."""
        stride = self.stride
        for k in range((-offset) % every, len(records) // stride, every):
            self._checkpoint_steps.append(first + offset + k)
            self._checkpoints.extend(records[k * stride : (k + 1) * stride - 1])
        self._losses.extend(records[stride - 1 :: stride])

    def _rederives(self, records, first: int) -> bool:
        """Whether running the fast path from the first record gives the next ones, bit for bit."""
        stride, count = self.stride, min(len(records) // self.stride, CHECKPOINT_EVERY)
        if count < 2:
            return True  # a lone step is its own checkpoint
        env = self._start(first, records[: stride - 1])
        for k in range(count):
            env, record = self.train(env, 1, first + k)
            if record.tobytes() != records[k * stride : (k + 1) * stride].tobytes():
                return False
        return True

    def append_row(self, row: list[float], samples: dict[str, float], edited: tuple[str, ...] = ()) -> None:
        """A step stepped by hand: its full row in the order of `columns`; `edited`, the values edited midway."""
        step = len(self) + 1
        self._note_samples(step, samples)
        self._store(array("d", row[: self.stride - 1] + [row[self.columns.index("E_total")]]))
        self.exact_rows[step] = list(row)
        if edited:
            self.mixed[step] = tuple(edited)
        self._changed()

    def extend(self, records: array, samples: dict[str, float], record: Record = Record.HISTORY) -> None:
        """Steps from the fast path, one after another, recorded as lr, parameters, E_total (Record.HISTORY),
        or as Record.CHECKPOINTS: E_total of each, and lr and the parameters of every CHECKPOINT_EVERY-th
        from the first, the ones a history keeps."""
        self._note_samples(len(self) + 1, samples)
        if record == Record.CHECKPOINTS:
            self._store_checkpoints(records)
        else:
            self._store(records)
        self._changed()

    def _store_checkpoints(self, records: array) -> None:
        """Record.CHECKPOINTS, kept as they are when the fast path re-derives them; if it does not,
        the stretch is run again, recorded whole, and every step of it kept as `_store` keeps it."""
        stride, first, every = self.stride, len(self) + 1, CHECKPOINT_EVERY
        block = stride - 1 + every  # a checkpoint's lr and parameters, then E_total of `every` steps
        if not records:
            return
        steps = len(records) - -(-len(records) // block) * (stride - 1)
        # Read and copied as bytes, straight into the history's arrays: a slice of the records a checkpoint,
        # then extended, took 17 ms at 100-100-100 × 5,000 epochs.
        numbers, size = memoryview(records).cast("B"), records.itemsize
        count = min(steps, every)
        env = self._start(first, records[: stride - 1])
        after, rederived = self.train(env, count, first, Record.LOSS)
        same = rederived.tobytes() == numbers[(stride - 1) * size : (stride - 1 + count) * size]
        if same and steps > every:  # the second checkpoint, where the first stretch of steps ends
            after = array("d", [after[key] for key in self.program.carried])
            same = after.tobytes() == numbers[block * size : (block + stride - 1) * size]
        if not same:
            self._store(self.train(env, steps, first)[1])
            return
        self.starts.append(first)
        self._checkpoint_steps.extend(range(first, first + steps, every))
        for at in range(0, len(records), block):
            self._checkpoints.frombytes(numbers[at * size : (at + stride - 1) * size])
            self._losses.frombytes(numbers[(at + stride - 1) * size : (at + block) * size])

    def _start(self, step: int, checkpoint) -> dict[str, float]:
        """The free symbols at the start of `step`, with lr and the parameters of `checkpoint` (a record
        without its E_total); with batches, without the samples, which each step brings."""
        env = self._samples(step)
        env.update(zip(self.program.carried, checkpoint))
        return env

    def load(self, chunks, steps: int, starts: list[int]) -> None:
        """Records of lr, parameters and E_total for every one of `steps` steps, as a session of format 1
        holds them, in `chunks` (arrays of whole records, in order), each kept as `_store` keeps it as it
        comes: the whole history is never held (a million epochs of the 2-2-2 are 80 MB of records).
        Each of `starts` begins a stretch of continuous fast-path steps (1 and every edit)."""
        records, stride = _Records(chunks, self.stride), self.stride
        bounds = [*starts, steps + 1]
        for first, end in zip(bounds, bounds[1:]):
            head = records.take(min(end - first, CHECKPOINT_EVERY))
            self.starts.append(first)
            every = CHECKPOINT_EVERY if self._rederives(head, first) else 1
            self._keep(head, first, 0, every)
            done = len(head) // stride
            while done < end - first:
                piece = records.take(min(end - first - done, max(1, PIECE_NUMBERS // stride)))
                self._keep(piece, first, done, every)
                done += len(piece) // stride
        self._changed()

    def stored(self) -> tuple[array, array, array]:
        """What the history keeps, and a saved session holds: E_total of every step, the steps that have
        a checkpoint (in order), and the lr and parameters of each (stride − 1 numbers a checkpoint).
        The history's own arrays: read them, never change them."""
        return self._losses, self._checkpoint_steps, self._checkpoints

    def restore(self, losses: array, checkpoint_steps: array, checkpoints: array, starts) -> None:
        """Put back what `stored` gave and the stretches' `starts`, as a saved session holds them.  The
        caller checks that they fit: a checkpoint at every start, at most CHECKPOINT_EVERY steps from one
        checkpoint to the next and to the last step (session.py)."""
        self._losses, self._checkpoint_steps, self._checkpoints = losses, checkpoint_steps, checkpoints
        self.starts = array("q", starts)
        self._changed()

    def checkpoint(self, step: int) -> array | None:
        """The lr and parameters stored for `step`, if it has a checkpoint."""
        n = bisect_right(self._checkpoint_steps, step) - 1
        if n < 0 or self._checkpoint_steps[n] != step:
            return None
        return self._checkpoints[n * (self.stride - 1) : (n + 1) * (self.stride - 1)]

    def truncate(self, steps: int) -> None:
        """Back to the first `steps` steps."""
        if steps >= len(self):
            return
        del self._losses[steps:]
        kept = bisect_right(self._checkpoint_steps, steps)
        del self._checkpoint_steps[kept:]
        del self._checkpoints[kept * (self.stride - 1) :]
        del self.starts[bisect_right(self.starts, steps):]
        for step in [step for step in self.exact_rows if step > steps]:
            del self.exact_rows[step]
            self.mixed.pop(step, None)
        while self.segments and self.segments[-1][0] > steps:
            self.segments.pop()
        for step in [step for step in self._test_losses if step > steps]:
            del self._test_losses[step]
        for key in [key for key in self._measured if key[1] > steps]:
            del self._measured[key]
        for step in [step for step in self._rows if step > steps]:
            del self._rows[step]
        self._changed()

    def _changed(self) -> None:
        self._block = None
        self.revision += 1

    def losses(self) -> array:
        """E_total of every finished step, in order (the history's own array: read it, never change it)."""
        return self._losses

    def _samples(self, step: int) -> dict[str, float]:
        return dict(self.segments[bisect_right(self.segments, step, key=lambda seg: seg[0]) - 1][1])

    def _checkpoint(self, step: int) -> tuple[int, int, array]:
        """The checkpoint at or before `step`: its index, its step, and its lr and parameters."""
        n = bisect_right(self._checkpoint_steps, step) - 1
        return n, self._checkpoint_steps[n], self._checkpoints[n * (self.stride - 1) : (n + 1) * (self.stride - 1)]

    def _records(self, step: int) -> tuple[int, array]:
        """The stretch from the checkpoint at or before `step` to the next one, re-derived: (its first step, records)."""
        n, first, start = self._checkpoint(step)
        block = self._block  # once: a run in a worker thread may reset it meanwhile
        if block is None or block[0] != first:
            count = len(self) + 1 - first
            if n + 1 < len(self._checkpoint_steps):
                count = self._checkpoint_steps[n + 1] - first
            env = self._start(first, start)
            if count == 1:
                records = array("d", start)
                records.append(self._losses[first - 1])
            else:
                _, records = self.train(env, count, first)
            block = self._block = (first, records)
        return block

    def start_env(self, step: int) -> dict[str, float]:
        """The free symbols at the start of `step` (1-based)."""
        first, records = self._records(step)
        base = (step - first) * self.stride
        env = self._start(step, records[base : base + self.stride - 1])
        if self.schedule.batched:
            env.update(self.schedule.samples_env(step))
        return env

    def row(self, step: int, through: int = 0) -> array:
        """All columns of a finished step (1-based), from the path that trained it, as an array of doubles (a
        row of 100-100-100 × 16 holds 48,202 numbers: made Python floats, a screenful's took 13 ms).
        `through`: the last step whose row is asked for next (a screenful, an export); those not kept yet are
        derived in the same training run, as far as the next checkpoint and as many as ROWS_KEPT holds (at
        100-100-100 a row derived alone took 10 ms, mostly to set up the run)."""
        if not 1 <= step <= len(self):
            raise IndexError(f"step {step} is not in the history (1..{len(self)})")
        if step in self.exact_rows:
            return array("d", self.exact_rows[step])
        row = self._rows.pop(step, None)
        if row is None:
            self._derive_rows(step, through)
            row = self._rows.pop(step)
        self.keep_row(step, row)
        return row

    def _derive_rows(self, first: int, through: int) -> None:
        last = max(first, min(through, first + ROWS_KEPT // len(self.columns) - 1))
        last = min(last, self._run_end(first, last))  # never before `first`: the next checkpoint comes after it
        _, out = self.train(self._trained_to(first), last - first + 1, first, Record.ROW)
        at = 0
        for step in range(first, last + 1):
            program = self.schedule.program(step)
            row = out[at: at + len(program.columns)]
            self._rows[step] = row if program is self.program else array("d", self.aligned(program, row))
            at += len(program.columns)

    def _trained_to(self, step: int) -> dict[str, float]:
        """The free symbols at the start of `step`, trained on from the checkpoint before it recording E_total
        alone: `start_env` records every step's parameters on the way (20 ms of 60 steps at 100-100-100)."""
        _, first, start = self._checkpoint(step)
        env = self._start(first, start)
        return self.train(env, step - first, first, Record.LOSS)[0] if step > first else env

    def _run_end(self, step: int, through: int) -> int:
        """The last step up to `through` that training on from `step` reproduces: past the checkpoints of a
        stretch kept every CHECKPOINT_EVERY steps (one run gave them all), not into the next stretch, nor
        past a checkpoint of a stretch kept at every step (whose bits the fast path does not give)."""
        steps, n = self._checkpoint_steps, bisect_right(self._checkpoint_steps, step)
        k = bisect_right(self.starts, step)
        next_start = self.starts[k] if k < len(self.starts) else len(self) + 1
        while n < len(steps) and steps[n] <= through and steps[n] < next_start and steps[n] - steps[n - 1] == CHECKPOINT_EVERY:
            n += 1
        return steps[n] - 1 if n < len(steps) else len(self)

    def keep_row(self, step: int, row) -> None:
        """The row of `step`, derived or as the fast path computed it whole (the last step of a run, on screen
        next, which equals its derived row), kept as the latest; the oldest go past ROWS_KEPT numbers."""
        self._rows[step] = row if isinstance(row, array) else array("d", row)
        while len(self._rows) * len(row) > ROWS_KEPT and len(self._rows) > 1:
            del self._rows[next(iter(self._rows))]

    def aligned(self, program: Program, row) -> list[float]:
        """A row of `program`'s columns in the history's columns: a smaller last batch lacks some (nan)."""
        return list(row) if program is self.program else aligned(self.columns, program.columns, row)

    def test_loss(self, step: int) -> float:
        """E_total of the held-out samples with the parameters `step` starts with (those its E_total
        is computed with, without batches); nan when the network holds none out."""
        loss = self._test_losses.get(step)
        if loss is None:
            tests = self.schedule.net.test_samples
            loss = self._test_losses[step] = self.program.loss_on(self.start_env(step), tests) if tests else math.nan
        return loss

    @property
    def metrics(self) -> Metrics:
        """Where the rows hold each sample's outputs and each layer's gradients (core/metrics.py)."""
        if self._metrics is None:
            self._metrics = Metrics(self.program, self.schedule.net)
        return self._metrics

    def _measure(self, what: str, step: int, measure):
        value = self._measured.get((what, step))
        if value is None:
            value = self._measured[(what, step)] = measure()
        return value

    def accuracy(self, step: int) -> float:
        """The share of the step's own samples (its batch; without batches, every training sample) that its
        forward pass classifies right: from its row, as its E_total.  nan where the targets are not classes."""
        if not self.metrics.classes:
            return math.nan
        return self._measure("accuracy", step, lambda: self.metrics.row_accuracy(self.row(step), self._targets(step)))

    def _targets(self, step: int) -> list[list[float]]:
        """The targets of the step's samples, in its row's order: with batches the data set's (never edited),
        without them as they stood in that step (`w` edits them)."""
        if self.schedule.batched:
            samples = self.schedule.net.samples
            return [list(samples[k].targets) for k in self.schedule.members(step)]
        env, names = self._samples(step), self.program.names
        return [[env[t] for t in names.target_symbols(s)] for s in range(len(self.schedule.net.samples))]

    def training_accuracy(self, step: int) -> float:
        """The share of every training sample classified right with the parameters `step` starts with (without
        batches, `accuracy` itself).  nan where the targets are not classes."""
        if not self.metrics.classes:
            return math.nan
        if not self.schedule.batched:
            return self.accuracy(step)
        return self._start_accuracies(step)[0]

    def test_accuracy(self, step: int) -> float:
        """The share of the held-out samples classified right with the parameters `step` starts with (those
        its E_test is computed with); nan where there are none, or the targets are not classes."""
        if not self.metrics.classes or not self.schedule.net.test_samples:
            return math.nan
        return self._start_accuracies(step)[1]

    def _start_accuracies(self, step: int) -> list[float]:
        """The training and the test samples' accuracy with the parameters `step` starts with, worked out
        together: the chart draws both, and finding the parameters (re-deriving from a checkpoint) is most of it."""
        def measure():
            env, net = self.start_env(step), self.schedule.net
            training = self.metrics.accuracy_on(env, net.samples) if self.schedule.batched else math.nan
            return [training, self.metrics.accuracy_on(env, net.test_samples)]

        return self._measure("accuracies at the start", step, measure)

    def gradient_means(self, step: int) -> list[float]:
        """Each layer's mean |dE_total/dw| in the step's row, first layer first (core/metrics.py)."""
        return self._measure("gradients", step, lambda: self.trainer.gradient_means(self.metrics, self.row(step)))

    def accuracies(self) -> PerEpoch:
        """Every training sample's accuracy at the start of each finished epoch, worked out as it is read."""
        return PerEpoch(self, self.training_accuracy)

    def test_accuracies(self) -> PerEpoch:
        """The held-out samples' accuracy at the start of each finished epoch, worked out as it is read."""
        return PerEpoch(self, self.test_accuracy)

    def layer_gradients(self, layer: int) -> PerEpoch:
        """The mean |dE_total/dw| into `layer` (1-based) in the first step of each finished epoch."""
        return PerEpoch(self, lambda step: self.gradient_means(step)[layer - 1])

    def test_losses(self) -> PerEpoch:
        """The held-out samples' E_total at the start of each finished epoch, worked out as they are read:
        a chart reads a few hundred of a million."""
        return PerEpoch(self, self.test_loss)

    def epoch_losses(self) -> array:
        """E_total of every finished epoch (batches.py); without batches, `losses()` itself."""
        if not self.schedule.batched:
            return self._losses
        if self._epoch_losses[0] != self.revision:
            self._epoch_losses = (self.revision, self.schedule.epoch_losses(self._losses))
        return self._epoch_losses[1]

    def chunks(self) -> Iterator[array]:
        """What a saved session's history holds, one part after another: `stored`'s three arrays (none empty)."""
        yield from (part for part in self.stored() if part)

    def records(self, steps: int = 65_536) -> Iterator[array]:
        """Every step's record (lr, parameters, E_total), re-derived a stretch at a time."""
        out = array("d")
        for n in range(len(self._checkpoint_steps)):
            out.extend(self._records(self._checkpoint_steps[n])[1])
            if len(out) >= steps * self.stride:
                yield out
                out = array("d")
        if out:
            yield out

    @property
    def data(self) -> array:
        """Every step's record (lr, parameters, E_total) in one array: for small histories and tests."""
        whole = array("d")
        for chunk in self.records():
            whole.extend(chunk)
        return whole

    def first_divergence(self) -> int | None:
        """The first step whose E_total is not a finite number, if any (cached: the app asks on every step)."""
        if self._divergence[0] != self.revision:
            self._divergence = (self.revision, first_divergence(self.losses()))
        return self._divergence[1]


class ComputedList(Sequence):
    """A list whose items are computed when read: a subclass gives `__len__` and `item(n)` for 0 <= n < len;
    indexing from the end and slices work as a list's."""

    def __getitem__(self, n):
        if isinstance(n, slice):
            return [self[k] for k in range(*n.indices(len(self)))]
        if n < 0:
            n += len(self)
        if not 0 <= n < len(self):
            raise IndexError(n)
        return self.item(n)


class PerEpoch(ComputedList):
    """`measure(step)` at the first step of each finished epoch (history.test_loss, an accuracy, a layer's
    gradients), as a list that computes what is read."""

    def __init__(self, history: History, measure):
        self.history, self.measure = history, measure

    def __len__(self) -> int:
        return len(self.history) // self.history.schedule.steps_per_epoch

    def item(self, n: int):
        return self.measure(self.history.schedule.step(n + 1))


def checkpoint_records_length(steps: int, stride: int) -> int:
    """How many numbers Record.CHECKPOINTS holds for `steps` steps of records of `stride` numbers."""
    return steps + -(-steps // CHECKPOINT_EVERY) * (stride - 1)


def checkpoint_records(records: array, stride: int) -> array:
    """Record.HISTORY (a record of `stride` numbers a step) as Record.CHECKPOINTS."""
    out = array("d")
    steps = len(records) // stride
    for first in range(0, steps, CHECKPOINT_EVERY):
        out.extend(records[first * stride : (first + 1) * stride])
        out.extend(records[(first + 2) * stride - 1 : min(first + CHECKPOINT_EVERY, steps) * stride : stride])
    return out


class _Records:
    """Whole records taken from arrays of them as they come, whatever their sizes."""

    def __init__(self, chunks, stride: int):
        self.chunks, self.stride = iter(chunks), stride
        self.buffer, self.at = array("d"), 0

    def take(self, count: int) -> array:
        """The next `count` records (fewer only where the chunks end)."""
        wanted = count * self.stride
        while len(self.buffer) - self.at < wanted:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            del self.buffer[: self.at]
            self.at = 0
            self.buffer.extend(chunk)
        out = self.buffer[self.at : self.at + wanted]
        self.at += len(out)
        return out
