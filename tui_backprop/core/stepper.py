"""A cursor over the trace: next, previous (exact undo), finish, run, edit.

The trace is a run of update steps: one an epoch, or with batches (batches.py)
one a batch, each the full-batch program of its batch's samples.

The stepper holds one dict of values: the free symbols (parameters, lr,
inputs, targets) and whatever the current step has computed so far.  It is the
one home of the live numbers: training and the user's edits (w, l) change
them there, never the network, whose `start` is only where they began.  Every
consumer that starts afresh from "this network" (the rate view, `x`) reads
them through `parameters`, `samples` and `network()`.  Every change pushes an
undo record of the old values, so `previous` restores the earlier state bit
for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

from .batches import CHUNK_STEPS, COMPILED, Schedule, Trainer
from .history import History
from .network import BETA1, BETA2, EPS, MU, RATE, Network, Parameters, Sample
from .program import UPDATE, Kind, Program, Quantity, Record


class Operation(NamedTuple):
    """One performed step: what was computed, from what, and why.

    It keeps its place in the epoch and the numbers it read, not the Quantity:
    a fully stepped epoch of a large network has hundreds of thousands of
    operations (a tuple each, quick to make), and the program builds a quantity
    again whenever it is asked."""

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
    """How to take one step back: the values it changed and the cursor before it.

    kind is "op" (one operation), "rollover" (the move into a new step, which
    clears the computed values and brings in the next batch's samples), "edit"
    (a value typed in) or "run" (a whole run of epochs, whose changes are the
    entire old values)."""

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


class Stepper:
    def __init__(self, net: Network, program: Program | None = None, trainer: Trainer = COMPILED):
        """`trainer` runs whole update steps (`r`, and the history's re-derived rows): by default each program's
        own compiled loop; tui_backprop.bulk.TRAINER picks numpy for a large network."""
        self.net = net
        self.schedule = Schedule(net, program)
        self.trainer = trainer
        self.reset()

    def reset(self) -> None:
        """Back to the network's starting numbers, with no history."""
        self.step = 1
        self.program: Program = self.schedule.program(1)
        start = self.net.start_env()
        self.values: dict[str, float] = self._step_env(1, start) if self.schedule.batched else start
        self._start = dict(self.values)
        self.position = 0  # operations done in the current step
        self.done: list[Operation] = []  # those operations, in order
        self.history = History(self.program, self.train, self.schedule)
        self._row: list[float] | None = None
        self._undo: list[UndoRecord] = []
        self._recording = True
        self._enter_program()

    def _enter_program(self) -> None:
        self._free = set(self.program.free)
        self._count = len(self.program)  # operations in a step
        self._first_update = self.program.phase_bounds(UPDATE)[0]

    def _step_env(self, step: int, values: dict[str, float]) -> dict[str, float]:
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
        return self.step == 1 and self.position == 0 and self.values == self._start

    # -- the whole state, for saving ---------------------------------------
    def snapshot(self) -> Snapshot:
        return Snapshot(self.step, self.position, dict(self.values), list(self.done), self._row, list(self._undo))

    def train(self, env: dict[str, float], steps: int, first: int):
        """Whole steps on the fast path from step `first`: (env after them, records of lr, parameters and
        E_total, a record a step); how the history re-derives what it does not keep."""
        return self.schedule.train(self.trainer, env, first, steps, Record.HISTORY)

    @classmethod
    def restore(cls, program: Program, snapshot: Snapshot, history: History, trainer: Trainer = COMPILED) -> "Stepper":
        """A stepper over `program` (the program of the snapshot's step) in the state of `snapshot`
        (which the caller has checked: see core/session.py)."""
        stepper = cls(history.schedule.net, history.schedule.program(1), trainer)
        stepper.schedule = history.schedule
        stepper.step, stepper.position = snapshot.step, snapshot.position
        stepper.program = program
        stepper.values = dict(snapshot.values)
        stepper.done, stepper._row, stepper._undo = list(snapshot.done), snapshot.row, list(snapshot.undo)
        stepper.history = history
        history.train = stepper.train
        stepper._enter_program()
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
    def upcoming(self) -> Quantity:
        """The operation `next` will perform."""
        if self.step_done:
            return self.schedule.program(self.step + 1).quantity(0)
        return self.program.quantity(self.position)

    @property
    def last(self) -> Operation | None:
        """The operation performed most recently, if the step has one."""
        return self.done[-1] if self.done else None

    def updated(self, parameter: str) -> Operation | None:
        """The update operation of `parameter` in this step, once it has run."""
        n = self.program.update_position(parameter)
        return self.done[n] if n is not None and n < len(self.done) else None

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
        """The stepper now, for `changed_since` (a session saved here, say): its undo records and its place."""
        return tuple(self._undo), (self.step, self.position, len(self.history))

    def changed_since(self, mark: tuple) -> bool:
        """Whether its numbers may differ from those at `mark`.  Every change pushes an undo record and
        `previous` pops one; steps taken back and done again at the same place are no change (the same
        operations give the same bits), unless a value edited came or went meanwhile."""
        records, place = mark
        common = 0
        for then, now in zip(records, self._undo):
            if then is not now:
                break
            common += 1
        if common == len(records) == len(self._undo):
            return False
        if place != (self.step, self.position, len(self.history)):
            return True
        return any(record.kind == "edit" for record in (*records[common:], *self._undo[common:]))

    # -- moving ---------------------------------------------------------
    def _remember(self, kind: str, changes, keep_done: bool = False) -> None:
        if self._recording:
            done = list(self.done) if keep_done else None
            self._undo.append(UndoRecord(kind, changes, self.step, self.position, done, self._row, len(self.history)))

    def _rollover(self) -> None:
        """Into the next step: the computed values go, and with batches the next batch's samples come in."""
        old, step = self.values, self.step + 1
        if self.schedule.batched:
            new = self._step_env(step, old)
        else:
            new = {symbol: value for symbol, value in old.items() if symbol in self._free}
        changes = [(symbol, value) for symbol, value in old.items() if new.get(symbol, MISSING) != value]
        changes += [(symbol, MISSING) for symbol in new if symbol not in old]
        self._remember("rollover", changes, keep_done=True)
        self._start_step(step, new)

    def next(self) -> Operation:
        if self.step_done:
            self._rollover()
        n = self.position
        q = self.program.quantity(n)
        values = self.values
        read_values = tuple(values[symbol] for symbol in q.reads)
        value = q.expr.evaluate(values)
        old = values.get(q.symbol, MISSING)
        self._remember("op", ((q.symbol, old),))
        if n == self._first_update and self._row is None:
            self._row = self._current_row()
        values[q.symbol] = value
        epoch, batch = self._place
        self.done.append(Operation(epoch, n + 1, self.program, value, read_values,
                                   None if old is MISSING else old, self._step, batch))
        self.position += 1
        if self.step_done:
            self.history.append_row(self._row or self._current_row(), self._samples(), self._edited_midway())
        return self.done[-1]

    @property
    def last_edit(self) -> tuple[str, float] | None:
        """The edit `previous` would take back next: its symbol and the value before it; None when the last
        step is not an edit."""
        if self._undo and self._undo[-1].kind == "edit":
            symbol, old = self._undo[-1].changes[0]
            return symbol, old
        return None

    def previous(self) -> bool:
        """Undo the last step: an operation, an edit or a whole run; False at the very start."""
        if not self._undo:
            return False
        record = self._undo.pop()
        self._restore(record)
        if record.kind == "op" and self._undo and self._undo[-1].kind == "rollover":
            self._restore(self._undo.pop())
        return True

    def _restore(self, record: UndoRecord) -> None:
        if record.kind == "run":
            self.values = record.changes
        else:
            for symbol, old in reversed(record.changes):
                if old is MISSING:
                    self.values.pop(symbol, None)
                else:
                    self.values[symbol] = old
        if record.kind == "op":
            self.done.pop()
        elif record.done is not None:
            self.done = record.done
        if record.step != self.step:
            self.program = self.schedule.program(record.step)
            self._enter_program()
        self.step, self.position, self._row = record.step, record.position, record.row
        self.history.truncate(record.history_length)

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
        """Complete `epochs` more epochs (the one under way counts as the first); the last step is traced
        so its values stay on screen.  `on_progress` hears the epochs done after each `chunk` of them.

        The steps between run on the fast path (`train`).  The whole run is one undo step.
        Returns how many epochs were completed (fewer if `should_stop` said so between chunks).
        """
        if epochs < 1:
            return 0
        per = self.schedule.steps_per_epoch
        first_epoch = self.schedule.place(self.step + 1 if self.step_done else self.step)[0]
        last_step = (first_epoch + epochs - 1) * per
        before = UndoRecord("run", dict(self.values), self.step, self.position, list(self.done), self._row, len(self.history))
        self._recording = False
        try:
            if 0 < self.position < self._count:
                self.finish_step()
            if self.step_done and self.step < last_step - 1:
                self._rollover()
            fast = last_step - self.step  # steps before the traced last one
            # `chunk` epochs a call of the fast path, at most CHUNK_STEPS steps (a run of online learning
            # over many samples has many steps an epoch), and always whole epochs.
            chunk = max(per, min(chunk * per, CHUNK_STEPS) // per * per)
            while self.position == 0 and fast > 0 and not (should_stop and should_stop()):
                count = min(chunk, fast)
                # A trainer that can returns only what the history keeps: numpy need not copy a large
                # network's parameters every epoch (bulk.py).
                record = Record.CHECKPOINTS if self.trainer.records_checkpoints else Record.HISTORY
                env, records = self.schedule.train(self.trainer, self.values, self.step, count, record)
                self.history.extend(records, self._samples(), record)
                self._start_step(self.step + count, self._step_env(self.step + count, env) if self.schedule.batched else env)
                fast -= count
                if on_progress:
                    on_progress(self._epochs_since(first_epoch))
            if len(self.history) == last_step - 1 and not (should_stop and should_stop()):
                self.finish_step()
        finally:
            self._recording = True
        self._undo.append(before)
        done = self._epochs_since(first_epoch)
        if on_progress:
            on_progress(done)
        return done

    def _start_step(self, step: int, values: dict[str, float]) -> None:
        """At the start of `step`, with `values` (lr, the parameters and the step's samples)."""
        self.step, self.position, self.done, self._row = step, 0, [], None
        if self.schedule.batched and self.program is not self.schedule.program(step):
            self.program = self.schedule.program(step)
            self._enter_program()
        self.values = values

    def _epochs_since(self, first_epoch: int) -> int:
        """Epochs completed from the start of `first_epoch` up to now."""
        return len(self.history) // self.schedule.steps_per_epoch - (first_epoch - 1)

    def _edited_midway(self) -> tuple[str, ...]:
        """The values edited while this epoch was under way (after its first operation, before its last):
        its row then mixes numbers computed before the edit with numbers computed after."""
        edited = []
        for record in reversed(self._undo):
            if record.kind in ("rollover", "run"):
                break
            if record.kind == "edit" and record.position > 0:
                edited.append(record.changes[0][0])
        return tuple(dict.fromkeys(reversed(edited)))

    def _current_row(self) -> list[float]:
        return self.history.aligned(self.program, [self.values[c] for c in self.program.columns])

    def _samples(self) -> dict[str, float]:
        """The samples as edited, for the history; with batches they come from the data set, step by step."""
        if self.schedule.batched:
            return {}
        names = self.net.names
        return {s: self.values[s] for k in range(len(self.net.samples)) for s in names.input_symbols(k) + names.target_symbols(k)}

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
        self._remember("edit", [(symbol, self.values[symbol])])
        self.values[symbol] = float(value)

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
        try:
            for _ in range(epochs):
                yield self.next()
                while not self.epoch_done:
                    yield self.next()
        finally:
            self._recording = recording
