"""A cursor over the trace: next, previous (exact undo), finish, run, edit.

The trace is a run of update steps: one an epoch, or with batches (batches.py)
one a batch, each the full-batch program of its batch's samples.

The stepper holds the step's values (`StepValues`): the free symbols
(parameters, lr, inputs, targets) in a dict, and what the step has computed so
far in an array, by place.  It is the one home of the live numbers: training
and the user's edits (w, l) change them there, never the network, whose
`start` is only where they began.  Every consumer that starts afresh from
"this network" (the rate view, `x`) reads them through `parameters`, `samples`
and `network()`.  `previous` restores the earlier state bit for bit: an
operation is taken back by its place (an update's old value is kept in
`changes`), and a move into the next step, an edit or a run leaves a mark with
what it replaced.  An operation is made from these when it is read, with the
numbers it read as they were: at the real cap (100-100-100 × 93, 1,983,701
operations a step) the step takes 16 MB, where objects for each took 1.6 GB.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from .batches import CHUNK_STEPS, COMPILED, Schedule, Trainer
from .history import ComputedList, History
from .network import BETA1, BETA2, EPS, MU, RATE, Network, Parameters, Sample
from .program import Program, Record, StepValues
from .quantity import UPDATE, Kind, Quantity


class Operation(NamedTuple):
    """One performed step: what was computed, from what, and why.

    It keeps its place in the epoch and the numbers it read, not the Quantity,
    which the program builds again whenever it is asked.  The stepper makes one
    when it is read (`Stepper.operation`), never keeps one for every step."""

    epoch: int
    position: int  # 1-based place in its step (in the epoch, without batches)
    program: Program  # the program of its step
    value: float
    read_values: tuple[float, ...]  # the values it read, as they were, in the order of quantity.reads
    old: float | None  # the value it replaced (an update's old weight)
    step: int  # the update step it belongs to (its epoch, without batches)
    batch: int = 0  # its batch in the epoch, 1-based; 0 when every sample is one batch

    @property
    def quantity(self) -> Quantity:
        return self.program.quantity(self.position - 1)

    @property
    def phase(self) -> str:
        return self.quantity.phase

    @property
    def phase_position(self) -> int:
        """1-based place in its phase."""
        return self.position - self.program.phase_bounds(self.phase)[0]

    @property
    def phase_count(self) -> int:
        start, end = self.program.phase_bounds(self.phase)
        return end - start

    @property
    def symbol(self) -> str:
        return self.quantity.symbol

    @property
    def formula(self) -> str:
        return self.quantity.formula

    @property
    def why(self) -> str:
        return self.quantity.why

    @property
    def reads(self) -> tuple[str, ...]:
        return self.quantity.reads

    @property
    def inputs(self) -> dict[str, float]:
        return dict(zip(self.reads, self.read_values))

    def substituted(self, digits: int | None = None, most_terms: int | None = None) -> str:
        return self.quantity.substituted(self.inputs, digits, most_terms)

    @property
    def clamped(self) -> list[str]:
        """Where a logarithm or division of this operation was clamped at 1e-12, in words (usually none)."""
        q = self.quantity
        return q.expr.clamped(self.inputs) if q.kind in CLAMPING_KINDS else []

    def as_dict(self) -> dict:
        # The quantity and its inputs are found once here, not once a property: explain writes this for
        # every operation of an epoch.
        q = self.quantity
        inputs = dict(zip(q.reads, self.read_values))
        step = {
            "epoch": self.epoch,
            **({"batch": self.batch} if self.batch else {}),
            "phase": q.phase,
            "position": self.position,
            "symbol": q.symbol,
            "formula": q.formula,
            "substituted": q.substituted(inputs),
            "value": self.value,
            "reads": list(q.reads),
            "why": q.why,
        }
        if q.kind in CLAMPING_KINDS:
            clamped = q.expr.clamped(inputs)
            if clamped:
                step["clamped"] = clamped
        return step


CLAMPING_KINDS = (Kind.ERROR, Kind.LOSS_SLOPE)  # the only quantities with a logarithm or a clipped division
MISSING = object()  # in an undo record: the symbol had no value before


@dataclass(slots=True)
class UndoRecord:
    """How to take one step back, as a saved session writes it: the values it changed and the cursor before it.

    kind is "op" (one operation), "rollover" (the move into a new step, which
    clears the computed values and brings in the next batch's samples), "edit"
    (a value typed in) or "run" (a whole run of epochs, whose changes are the
    entire old values).  The stepper keeps its trail more compactly (`_Mark`)
    and writes it out this way for a snapshot."""

    kind: str
    changes: object  # [(symbol, old value or MISSING)], or for a run the whole old dict
    step: int  # the update step (the epoch, without batches)
    position: int
    done: list[Operation] | None  # the epoch's operations, kept where the record replaces them
    row: list | None
    history_length: int


UNDO_KINDS = ("op", "rollover", "edit", "run")


@dataclass(frozen=True)
class Snapshot:
    """Everything a stepper is, as plain data: what a saved session holds (core/session.py).

    Versioned, so that a session file outlives changes to the stepper's insides."""

    step: int  # the update step (the epoch, without batches)
    position: int
    values: dict[str, float]
    done: list[Operation]
    row: list[float] | None
    undo: list[UndoRecord]
    version: int = 2


@dataclass(slots=True)
class _Step:
    """One update step's numbers as far as it has gone: what a move into the next step or a run keeps to
    come back to.  Kept, not copied: the stepper goes on with new ones."""

    step: int
    position: int
    values: StepValues  # the free symbols, and what the step has computed (by place; a run's may run on)
    # free symbol -> [(the first place whose operation sees the new value, the value before)], in order: an
    # update or an edit.  An operation's numbers as it read them are worked out from these, never stored.
    changes: dict[str, list[tuple[int, float]]]
    row: list[float] | None  # the step's history row, taken before its first update


@dataclass(slots=True)
class _Mark:
    """What `previous` takes back besides operations, which it takes back by place alone: a move into the
    next step, an edit (`edit`: the symbol and its old value) or a whole run.  `at` is the step and the
    place right after it; `before` the step a move or a run left."""

    kind: str  # "rollover", "edit" or "run"
    at: tuple[int, int]
    before: _Step | None = None
    edit: tuple[str, float] | None = None
    history_length: int = 0


class Operations(ComputedList):
    """The operations of the step under way, each made when it is read: a large network's epoch has up to
    2,000,000, far too many to keep as objects."""

    def __init__(self, stepper: Stepper):
        self.stepper = stepper

    def __len__(self) -> int:
        return self.stepper.position

    def item(self, n: int) -> Operation:
        return self.stepper.operation(n)


class Stepper:
    def __init__(self, net: Network, program: Program | None = None, trainer: Trainer = COMPILED):
        """`trainer` runs whole update steps (`r`, and the history's re-derived rows): by default each program's
        own compiled loop; tui_backprop.training.bulk.TRAINER picks numpy for a large network."""
        self.net = net
        self.schedule = Schedule(net, program)
        self.trainer = trainer
        self.reset()

    def reset(self) -> None:
        """Back to the network's starting numbers, with no history."""
        self.step = 1
        self.program: Program = self.schedule.program(1)
        start = self.net.start_env()
        self._start = self._step_env(1, start) if self.schedule.batched else start
        self.history = History(self.program, self.train, self.schedule, self.trainer)
        self._marks: list[_Mark] = []
        self._recording = True
        self._last: tuple[int, Operation | None] = (-1, None)  # (`_moves` when made, the operation)
        self._moves = 0  # counts the changes of the cursor: `last` is made again after one
        self._floor = (1, 0)  # (step, place): `previous` takes no operation back from here (steps without undo)
        self._enter_program()
        self._start_step(1, dict(self._start))

    def _enter_program(self) -> None:
        self._free = set(self.program.free)
        self._count = len(self.program)  # operations in a step
        self._first_update = self.program.phase_bounds(UPDATE)[0]

    def _step_env(self, step: int, values) -> dict[str, float]:
        """lr and the parameters of `values`, with the samples of `step`'s batch."""
        env = {key: values[key] for key in self.program.carried}
        env.update(self.schedule.samples_env(step))
        return env

    # -- where the trace is ----------------------------------------------
    @property
    def step(self) -> int:
        """The update step under way or just finished: the epoch, without batches."""
        return self._step

    @step.setter
    def step(self, step: int) -> None:
        # Its epoch and batch are worked out once here, not for each of a large epoch's operations.
        self._step = step
        epoch, batch = self.schedule.place(step)
        self._place = (epoch, batch if self.schedule.batched else 0)

    @property
    def epoch(self) -> int:
        return self._place[0]

    @property
    def batch(self) -> int:
        """The batch under way or just finished, 1-based; 0 when every sample is one batch."""
        return self._place[1]

    @property
    def where(self) -> str:
        """"epoch 3", or with batches "epoch 3 · batch 2 of 8": the step under way or just finished."""
        return self.schedule.describe(self.step)

    @property
    def step_done(self) -> bool:
        return self.position == self._count

    @property
    def epoch_done(self) -> bool:
        """The last step of the epoch is done (with batches, its last batch)."""
        return self.step_done and self.step % self.schedule.steps_per_epoch == 0

    @property
    def pristine(self) -> bool:
        """Nothing stepped, run or edited since the network was opened."""
        return self.step == 1 and self.position == 0 and self.values.free == self._start

    @property
    def depth(self) -> int:
        """How many undo records a saved session would hold here (an operation, an edit, a move into the next
        step or a run each): the tutor files its own state under it.  Counted from the trail, not built."""
        return sum(len(edits) + state.position - entered + (leaving is not None)
                   for state, entered, edits, leaving in self._eras())

    # -- the whole state, for saving ---------------------------------------
    def snapshot(self) -> Snapshot:
        return Snapshot(self.step, self.position, dict(self.values.items()), list(self.done), self._row,
                        self._undo_records())

    def train(self, env: dict[str, float], steps: int, first: int, record: Record = Record.HISTORY):
        """Whole steps on the fast path from step `first`: (env after them, records of lr, parameters and
        E_total, a record a step, or what `record` asks); how the history re-derives what it does not keep."""
        return self.schedule.train(self.trainer, env, first, steps, record)

    @classmethod
    def restore(cls, program: Program, snapshot: Snapshot, history: History, trainer: Trainer = COMPILED) -> Stepper:
        """A stepper over `program` (the program of the snapshot's step) in the state of `snapshot`
        (which the caller has checked: see core/session.py)."""
        stepper = cls(history.schedule.net, history.schedule.program(1), trainer)
        stepper.schedule = history.schedule
        stepper.history = history
        history.train, history.trainer = stepper.train, trainer
        stepper._take_up(program, snapshot)
        return stepper

    # -- the live numbers ---------------------------------------------------
    @property
    def parameters(self) -> Parameters:
        """The live parameters, from one moment: before the update phase and once the step is done, the values
        now (edits included).  In the middle of the update phase some parameters hold new values and some old;
        a network mixing the two was never trained, so every parameter this step has already updated is taken
        back to its value before that update: the numbers the step computes with, which is what a step
        started afresh would compute with too."""
        values = self.values
        taken_back = {}
        if not self.step_done:
            for parameter in self.program.trained:
                update = self.updated(parameter)
                if update is not None and update.old is not None:
                    taken_back[parameter] = update.old
        names = self.net.names
        number = lambda symbol: taken_back.get(symbol, values[symbol])  # noqa: E731
        return Parameters(tuple(map(number, names.weights)), tuple(map(number, names.biases)), values["lr"])

    @property
    def samples(self) -> tuple[Sample, ...]:
        """The training samples as they stand: edited with w, or with batches the data set's (never edited)."""
        if self.schedule.batched:
            return self.net.samples
        names, values = self.net.names, self.values
        return tuple(Sample(tuple(values[s] for s in names.input_symbols(k)), tuple(values[s] for s in names.target_symbols(k)))
                     for k in range(len(self.net.samples)))

    def network(self) -> Network:
        """The network as it stands, to start afresh from: its samples as edited, starting from `parameters`,
        with the penalty's and the optimizer's constants as edited (a fresh start's optimizer state is 0)."""
        samples = self.samples
        # Edited samples are no longer the data set's: a saved network then lists them instead of referring to it.
        source = self.net.source if samples == self.net.samples else None
        return self.net.with_changes(start=self.parameters, samples=samples, source=source).with_hyperparameters(self.values)

    def describe_numbers(self) -> str:
        """Which moment's numbers `parameters` holds, in words for the screen."""
        if self.step_done:
            return f"the numbers after {self.where}"
        if self.pristine:
            return "the network's starting numbers"
        return f"the numbers {self.where} computes with"

    # -- reading --------------------------------------------------------
    @property
    def quantities(self) -> list[Quantity]:
        return self.program.quantities

    @property
    def done(self) -> Operations:
        """The operations of the step under way, in order."""
        return Operations(self)

    @property
    def upcoming(self) -> Quantity:
        """The operation `next` will perform."""
        if self.step_done:
            return self.schedule.program(self.step + 1).quantity(0)
        return self.program.quantity(self.position)

    def upcoming_reads(self) -> dict[str, float]:
        """The values the upcoming operation reads, as `next` will read them (at a step's end, the next
        step's: with batches, its samples)."""
        q = self.upcoming
        values = self.values
        if self.step_done:  # the next step's first operation, which reads free symbols alone
            values = self._step_env(self.step + 1, values.free) if self.schedule.batched else values.free
        return {s: values[s] for s in q.reads}

    @property
    def last(self) -> Operation | None:
        """The operation performed most recently, if the step has one."""
        if not self.position:
            return None
        if self._last[0] != self._moves:
            self._last = (self._moves, self.operation(self.position - 1))
        return self._last[1]

    def operation(self, n: int) -> Operation:
        """The step's operation at place `n` (0-based), as it was performed."""
        return _operation(self._now(), self.program, self.schedule, n)

    def updated(self, parameter: str) -> Operation | None:
        """The update operation of `parameter` in this step, once it has run."""
        n = self.program.update_position(parameter)
        return self.operation(n) if n is not None and n < self.position else None

    def peek(self) -> float:
        """The value `next` will compute, without computing it (for the quiz).

        Every quantity reads only free symbols and earlier quantities of its own
        step; a new step's first one reads the next batch's samples."""
        if not self.step_done:
            return self.program.evaluate(self.position, self.values)
        program = self.schedule.program(self.step + 1)
        return program.evaluate(0, self._step_env(self.step + 1, self.values) if self.schedule.batched else self.values)

    def free_symbols(self) -> list[str]:
        return list(self.program.free)

    def mark(self) -> tuple:
        """The stepper now, for `changed_since` (a session saved here, say): its trail and its place."""
        return tuple(self._marks), (self.step, self.position, len(self.history))

    def changed_since(self, mark: tuple) -> bool:
        """Whether its numbers may differ from those at `mark`.  Operations are taken back by place, and
        every other change (a move into the next step, an edit, a run) leaves a mark that `previous` takes
        back; steps taken back and done again to the same place are no change (the same operations give
        the same bits), unless a value edited came or went meanwhile."""
        marks, place = mark
        if place != (self.step, self.position, len(self.history)):
            return True
        common = 0
        for then, now in zip(marks, self._marks):
            if then is not now:
                break
            common += 1
        return any(m.kind == "edit" for m in (*marks[common:], *self._marks[common:]))

    # -- moving ---------------------------------------------------------
    def _now(self) -> _Step:
        return _Step(self.step, self.position, self.values, self._changes, self._row)

    def _rollover(self) -> None:
        """Into the next step: the computed values go, and with batches the next batch's samples come in.
        The step left is kept as it is for `previous` (nothing of it is copied), so a move costs what the
        free symbols cost, however many values the step computed."""
        left, step = self._now(), self.step + 1
        free = self._step_env(step, left.values.free) if self.schedule.batched else dict(left.values.free)
        if self._recording:
            self._marks.append(_Mark("rollover", (step, 0), before=left))
        self._start_step(step, free)

    def next(self) -> Operation:
        if self.position == self._count:
            self._rollover()
        n = self.position
        q = self.program.quantity(n)
        values, program = self.values, self.program
        free, computed, places, position = values.free, values.computed, program.places, program.position
        reads = q.reads
        read_values = tuple([free[s] if s in free else computed[places[s] if s in places else position(s)]
                             for s in reads])
        value = q.expr.evaluate(dict(zip(reads, read_values)))
        if n == self._first_update and self._row is None:
            self._row = self._current_row()
        computed.append(value)
        symbol, old = q.symbol, None
        if symbol in free:  # an update: the new value holds from the next operation on
            old = free[symbol]
            self._changes.setdefault(symbol, []).append((n + 1, old))
            free[symbol] = value
        else:
            program.note_place(symbol, n)
        self.position = n + 1
        self._moves += 1
        epoch, batch = self._place
        op = Operation(epoch, n + 1, self.program, value, read_values, old, self._step, batch)
        if self.position == self._count:
            self.history.append_row(self._row or self._current_row(), self._samples(), self._edited_midway())
        return op

    @property
    def last_edit(self) -> tuple[str, float] | None:
        """The edit `previous` would take back next: its symbol and the value before it; None when the last
        step is not an edit."""
        mark = self._marks[-1] if self._marks else None
        if mark is not None and mark.kind == "edit" and mark.at == (self.step, self.position):
            return mark.edit
        return None

    def previous(self) -> bool:
        """Undo the last step: an operation, an edit or a whole run; False at the very start."""
        mark = self._marks[-1] if self._marks else None
        if mark is not None and mark.at == (self.step, self.position):
            self._take_back(self._marks.pop())
            return True
        if not self.position or (self.step, self.position) == self._floor:
            return False
        self._undo_operation()
        mark = self._marks[-1] if self._marks else None
        if not self.position and mark is not None and mark.kind == "rollover" and mark.at == (self.step, 0):
            self._take_back(self._marks.pop())
        return True

    def _undo_operation(self) -> None:
        n = self.position - 1
        values = self.values
        values.computed.pop()
        symbol = self.program.symbol(n)
        if symbol in values.free:
            values.free[symbol] = self._changes[symbol].pop()[1]
        if n <= self._first_update:
            self._row = None
        self.position = n
        self._moves += 1
        self.history.truncate(self.step - 1)

    def _take_back(self, mark: _Mark) -> None:
        if mark.kind == "edit":
            symbol, old = mark.edit
            self.values.free[symbol] = old
            self._changes[symbol].pop()
            self._moves += 1
            return
        before = mark.before
        self.step = before.step
        if self.program is not self.schedule.program(before.step):  # with batches, a smaller last batch's
            self.program = self.schedule.program(before.step)
            self._enter_program()
        del before.values.computed[before.position:]  # what a run went on to compute in it
        self.position, self.values, self._changes, self._row = before.position, before.values, before.changes, before.row
        self._moves += 1
        self.history.truncate(mark.history_length if mark.kind == "run" else before.step)

    def operations_left(self, until: str) -> int:
        """How many operations `finish_phase` (until = "phase") or `finish_epoch` ("epoch") would perform."""
        step, position = (self.step + 1, 0) if self.step_done else (self.step, self.position)
        program = self.schedule.program(step)
        if until == "phase":
            return program.phase_bounds(program.quantity(position).phase)[1] - position
        last = self.schedule.step(self.schedule.place(step)[0] + 1) - 1  # the epoch's last step
        return len(program) - position + sum(len(self.schedule.program(s)) for s in range(step + 1, last + 1))

    def finish_phase(self) -> None:
        phase = self.upcoming.phase
        self.next()
        while not self.step_done and self.upcoming.phase == phase:
            self.next()

    def finish_step(self) -> None:
        self.next()
        while not self.step_done:
            self.next()

    def finish_epoch(self) -> None:
        self.finish_step()
        while not self.epoch_done:
            self.finish_step()

    def run(self, epochs: int, on_progress: Callable[[int], None] | None = None,
            should_stop: Callable[[], bool] | None = None, chunk: int = 20_000) -> int:
        """Complete `epochs` more epochs (the one under way counts as the first) on the fast path (`train`),
        the last step with every value it computes (`_fill_step`), so that its numbers are on screen.
        `on_progress` hears the epochs done after each `chunk` of them.

        The whole run is one undo step.
        Returns how many epochs were completed (fewer if `should_stop` said so between chunks).
        """
        if epochs < 1:
            return 0
        per = self.schedule.steps_per_epoch
        first_epoch = self.schedule.place(self.step + 1 if self.step_done else self.step)[0]
        last_step = (first_epoch + epochs - 1) * per
        # The step under way, to come back to: its free symbols and changes copied (finishing it changes
        # them), its computed values cut back to where they were.
        before = _Step(self.step, self.position, StepValues(dict(self.values.free), self.values.computed, self.program),
                       {symbol: list(changes) for symbol, changes in self._changes.items()}, self._row)
        length = len(self.history)
        stopped = should_stop or (lambda: False)
        self._recording = False
        try:
            if 0 < self.position < self._count:
                self.finish_step()
            if self.step_done and self.step < last_step:
                self._rollover()
            # `chunk` epochs a call of the fast path, at most CHUNK_STEPS steps (a run of online learning
            # over many samples has many steps an epoch), and always whole epochs.
            chunk = max(per, min(chunk * per, CHUNK_STEPS) // per * per)
            # A trainer that can returns only what the history keeps: numpy need not copy a large
            # network's parameters every epoch (training/bulk.py).
            record = Record.CHECKPOINTS if self.trainer.records_checkpoints else Record.HISTORY
            while self.position == 0 and self.step < last_step and not stopped():
                count = min(chunk, last_step - self.step)
                env, records = self.schedule.train(self.trainer, self.values.free, self.step, count, record)
                self.history.extend(records, self._samples(), record)
                self._start_step(self.step + count, self._step_env(self.step + count, env) if self.schedule.batched else env)
                if on_progress:
                    on_progress(self._epochs_since(first_epoch))
            if self.position == 0 and self.step == last_step and not stopped():
                self._fill_step()
        finally:
            self._recording = True
        self._marks.append(_Mark("run", (self.step, self.position), before=before, history_length=length))
        done = self._epochs_since(first_epoch)
        if on_progress:
            on_progress(done)
        return done

    def _fill_step(self) -> None:
        """The step under way, whole, from the trainer: every value of it as the fast path computed it (for a
        large network numpy's, the numbers of every other epoch of the run), instead of traced one operation
        at a time (13 s of a 100-100-100 network's 13.5 s `r`).  A trainer without record "values" traces it."""
        free = self.values.free
        filled = self.schedule.train(self.trainer, free, self.step, 1, Record.VALUES)
        if filled is None or filled[1] is None or len(filled[1]) != self._count:
            self.finish_step()
            return
        computed = filled[1]
        self.values = StepValues(free, computed, self.program)
        self.position = self._count
        self._moves += 1
        self._row = self._current_row()  # before the updates below: the parameters the step computed with
        for n, symbol in self.program.updates:
            if symbol in free:
                self._changes.setdefault(symbol, []).append((n + 1, free[symbol]))
                free[symbol] = computed[n]
        record = array("d", self._row[: self.history.stride - 1])
        record.append(computed[self.program.position("E_total")])
        self.history.extend(record, self._samples())
        # the history shows this row next: not derived again (14 ms at 100-100-100 × 16)
        self.history.keep_row(self.step, self._row)

    def _start_step(self, step: int, free: dict[str, float]) -> None:
        """At the start of `step`, with `free` (lr, the parameters and the step's samples)."""
        self.step, self.position, self._row = step, 0, None
        if self.schedule.batched and self.program is not self.schedule.program(step):
            self.program = self.schedule.program(step)
            self._enter_program()
        self.values = StepValues(free, array("d"), self.program)
        self._changes: dict[str, list[tuple[int, float]]] = {}
        self._moves += 1

    def _epochs_since(self, first_epoch: int) -> int:
        """Epochs completed from the start of `first_epoch` up to now."""
        return len(self.history) // self.schedule.steps_per_epoch - (first_epoch - 1)

    def _edited_midway(self) -> tuple[str, ...]:
        """The values edited while this epoch was under way (after its first operation, before its last):
        its row then mixes numbers computed before the edit with numbers computed after."""
        edited = []
        for mark in reversed(self._marks):
            if mark.kind != "edit" or mark.at[0] != self.step:
                break
            if mark.at[1] > 0:
                edited.append(mark.edit[0])
        return tuple(dict.fromkeys(reversed(edited)))

    def _current_row(self) -> list[float]:
        """The step's history row (the columns of `train --csv`), from the values as they stand."""
        program, values = self.program, self.values
        free, computed = values.free, values.computed
        row = [free[column] if place is None else computed[place]
               for column, place in zip(program.columns, program.column_places)]
        return self.history.aligned(program, row)

    def _samples(self) -> dict[str, float]:
        """The samples as edited, for the history; with batches they come from the data set, step by step."""
        if self.schedule.batched:
            return {}
        names, free = self.net.names, self.values.free
        return {s: free[s] for k in range(len(self.net.samples)) for s in names.input_symbols(k) + names.target_symbols(k)}

    # -- editing --------------------------------------------------------
    def set_value(self, symbol: str, value: float) -> None:
        """Change lr, a parameter, an input or a target; it applies from the next operation that reads it."""
        if symbol not in self._free:
            free = self.program.free
            raise KeyError(f"{symbol} cannot be edited (editable: {', '.join(free[:12])}{' …' if len(free) > 12 else ''})")
        if symbol in self.net.names.state:
            raise KeyError(f"{symbol} is the optimizer's state: the update phase computes it")
        if self.schedule.batched and symbol not in self.program.carried:
            raise KeyError(f"{symbol} comes from the data set, a batch at a time: edit the samples in the network file")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{symbol} must be a finite number")
        if symbol == "lr" and value <= 0:
            raise ValueError("the learning rate must be positive")
        if symbol in (RATE, MU) and value < 0 or symbol == EPS and value <= 0 or symbol in (BETA1, BETA2) and not 0 <= value < 1:
            raise ValueError(f"{symbol} must be {'positive' if symbol == EPS else 'at least 0' + (' and below 1' if symbol in (BETA1, BETA2) else '')}")
        if self.net.loss in ("bce", "cce") and symbol.startswith("t") and not 0.0 <= value <= 1.0:
            raise ValueError(f"{self.net.loss} needs targets between 0 and 1")
        free = self.values.free
        old = free[symbol]
        self._changes.setdefault(symbol, []).append((self.position, old))
        if self._recording:
            self._marks.append(_Mark("edit", (self.step, self.position), edit=(symbol, old)))
        free[symbol] = float(value)
        self._moves += 1

    def set_lr(self, value: float) -> None:
        self.set_value("lr", value)

    def go_to(self, step: int, symbol: str) -> None:
        """Step on to the operation that computes `symbol` in `step` (1-based; the epoch, without batches).

        A parameter's value in step k was computed by its update in step k − 1;
        a symbol nothing computes (lr, an input) is reached at the start of its step."""
        if symbol in self.program.parameters:
            step -= 1
            symbol = symbol if symbol in self.program.trained else ""
        elif symbol not in self.program.index:
            symbol = ""
        if step < 1:
            return
        if not self.schedule.batched:
            self.run(step - 1 - len(self.history))
        while len(self.history) < step - 1:
            self.finish_step()
        while symbol and self.step <= step and not (self.last and self.last.step == step and self.last.symbol == symbol):
            self.next()

    # -- whole runs without a cursor -------------------------------------
    def trace(self, epochs: int = 1) -> list[Operation]:
        """Every operation of the next `epochs` epochs."""
        return list(self.steps(epochs))

    def steps(self, epochs: int = 1, undoable: bool = True):
        """Every operation of the next `epochs` epochs, one at a time: a reader that handles each as it
        comes finds its quantity still built (a large network's epoch is too long to keep them all).
        undoable=False keeps no undo step for them (explain writes them out and is done): `previous`
        afterwards is not to be trusted."""
        recording, self._recording = self._recording, self._recording and undoable
        per = self.schedule.steps_per_epoch
        try:
            for _ in range(epochs):
                yield self.next()
                while not (self.position == self._count and self._step % per == 0):  # not epoch_done
                    yield self.next()
        finally:
            self._recording = recording
            if not undoable:
                self._floor = (self.step, self.position)

    # -- the trail as a saved session writes it --------------------------------
    def _eras(self) -> list[tuple[_Step, int, list[_Mark], _Mark | None]]:
        """The trail a step at a time: (the step as it ended, the place the trail entered it at, its edits,
        the move or run that left it: None for the step under way)."""
        eras, edits, entered = [], [], None
        for mark in self._marks:
            if mark.kind == "edit":
                edits.append(mark)
                continue
            eras.append((mark.before, entered, edits, mark))
            edits, entered = [], mark.at[1] if mark.kind == "run" else 0
        eras.append((self._now(), entered, edits, None))
        # The trail's first step is entered where it begins: the start, or where a saved trail began.
        first = eras[0][0]
        eras[0] = (first, self._floor[1] if self._floor[0] == first.step else 0, *eras[0][2:])
        return eras

    def _undo_records(self) -> list[UndoRecord]:
        """The undo stack as saved sessions hold it: a record an operation, an edit, a move or a run."""
        records = []
        for state, entered, edits, leaving in self._eras():
            program = self.schedule.program(state.step)
            count, first_update, end = len(program), program.phase_bounds(UPDATE)[0], state.position
            edits = iter(edits)
            edit = next(edits, None)
            for n in range(entered, end + 1):
                row = state.row if n > first_update else None
                while edit is not None and edit.at[1] == n:
                    records.append(UndoRecord("edit", [edit.edit], state.step, n, None, row,
                                              state.step - 1 + (n == count)))
                    edit = next(edits, None)
                if n < end:
                    symbol = program.symbol(n)
                    old = _old_value(state, symbol, n) if symbol in state.values.free else MISSING
                    records.append(UndoRecord("op", ((symbol, old),), state.step, n, None, row, state.step - 1))
            if leaving is None:
                continue
            values = StepValues(state.values.free, state.values.computed[:end], program)
            ended = _Step(state.step, end, values, state.changes, state.row)
            done = [_operation(ended, program, self.schedule, n) for n in range(end)]
            old = dict(values.items())
            if leaving.kind == "run":
                records.append(UndoRecord("run", old, state.step, end, done, state.row, leaving.history_length))
                continue
            if self.schedule.batched:
                new = {key: old[key] for key in program.carried}
                new.update(self.schedule.samples_env(state.step + 1))
            else:
                new = dict(state.values.free)
            changes = [(symbol, value) for symbol, value in old.items() if new.get(symbol, MISSING) != value]
            changes += [(symbol, MISSING) for symbol in new if symbol not in old]
            records.append(UndoRecord("rollover", changes, state.step, end, done, state.row, state.step))
        return records

    def _take_up(self, program: Program, snapshot: Snapshot) -> None:
        """The state of `snapshot`: its undo records walked back as `previous` once walked them, and the
        steps they pass through kept as the stepper keeps them."""
        values, done, row = dict(snapshot.values), list(snapshot.done), snapshot.row
        step, position = snapshot.step, snapshot.position
        marks: list[_Mark] = []  # latest first
        edits: list[tuple[int, str, float]] = []  # the step walked back through: its edits, latest first
        now = walked = self._kept(step, position, values, done, row)
        # The steps a run went on in without leaving them (begun mid-step, it finished that step): an edit made
        # in the step before the run is one of theirs too, since their first operations read the value before it.
        continuing: list[_Step] = []
        for record in reversed(snapshot.undo):
            if record.kind == "edit":
                edits.append((record.position, *record.changes[0]))
                marks.append(_Mark("edit", (record.step, record.position), edit=record.changes[0]))
            elif record.kind in ("rollover", "run"):
                for state in (walked, *continuing):
                    _add_edits(state, edits)
                continuing = [walked, *continuing] if record.kind == "run" and record.step == walked.step else []
                edits = []
                marks.append(_Mark(record.kind, (step, position), history_length=record.history_length))
            if record.kind == "run":
                values = dict(record.changes)
            else:
                for symbol, old in reversed(record.changes):
                    if old is MISSING:
                        values.pop(symbol, None)
                    else:
                        values[symbol] = old
            if record.kind == "op":
                done.pop()
            elif record.done is not None:
                done = list(record.done)
            step, position, row = record.step, record.position, record.row
            if record.kind in ("rollover", "run"):
                walked = marks[-1].before = self._kept(step, position, values, done, row)
        for state in (walked, *continuing):
            _add_edits(state, edits)
        self._marks = marks[::-1]
        self._floor = (step, position)  # where the saved trail begins
        self.step, self.program = snapshot.step, program
        self._enter_program()
        self.position, self.values, self._changes, self._row = now.position, now.values, now.changes, now.row
        self._moves += 1

    def _kept(self, step: int, position: int, values: dict, done: list, row) -> _Step:
        """A step as the stepper keeps it, from its values and operations as a saved session holds them
        (its edits are added as they are found)."""
        program = self.schedule.program(step)
        symbols = set(program.free)
        changes: dict[str, list[tuple[int, float]]] = {}
        for n, op in enumerate(done):
            if op.old is not None and op.symbol in symbols:
                changes.setdefault(op.symbol, []).append((n + 1, op.old))
        free = {symbol: value for symbol, value in values.items() if symbol in symbols}
        return _Step(step, position, StepValues(free, array("d", [op.value for op in done]), program), changes, row)


def _add_edits(state: _Step, edits: list[tuple[int, str, float]]) -> None:
    """Edits made in a step (latest first) into its changes: each after the updates and edits before it."""
    for at, symbol, old in reversed(edits):
        entries = state.changes.setdefault(symbol, [])
        k = len(entries)
        while k and entries[k - 1][0] > at:
            k -= 1
        entries.insert(k, (at, old))


def _old_value(state: _Step, symbol: str, n: int) -> float:
    """The value a free symbol had before the operation at place n changed it."""
    for since, old in state.changes.get(symbol, ()):
        if since == n + 1:
            return old
    return state.values.free[symbol]


def _value_then(state: _Step, symbol: str, n: int) -> float:
    """The value `symbol` had when the operation at place n read it: a free symbol changed since (an update,
    an edit) had the value before the change; a computed value never changes within its step."""
    for since, old in state.changes.get(symbol, ()):
        if since > n:
            return old
    return state.values[symbol]


def _operation(state: _Step, program: Program, schedule: Schedule, n: int) -> Operation:
    """The operation at place n of a step, as it was performed."""
    q = program.quantity(n)
    read_values = tuple([_value_then(state, symbol, n) for symbol in q.reads])
    old = _old_value(state, q.symbol, n) if q.symbol in state.values.free else None
    epoch, batch = schedule.place(state.step)
    return Operation(epoch, n + 1, program, state.values.computed[n], read_values, old, state.step,
                     batch if schedule.batched else 0)
