"""A cursor over the trace: next, previous (exact undo), finish, run, edit.

The stepper holds one dict of values: the free symbols (parameters, lr,
inputs, targets) and whatever the current epoch has computed so far.  Every
change pushes an undo record of the old values, so `previous` restores the
earlier state bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

from .history import History
from .network import Network
from .program import FORWARD, UPDATE, Program, Quantity, build_program


class Operation(NamedTuple):
    """One performed step: what was computed, from what, and why.

    It keeps its place in the epoch and the numbers it read, not the Quantity:
    a fully stepped epoch of a large network has hundreds of thousands of
    operations (a tuple each, quick to make), and the program builds a quantity
    again whenever it is asked."""

    epoch: int
    position: int  # 1-based place in the epoch
    program: Program
    value: float
    read_values: tuple[float, ...]  # the values it read, as they were, in the order of quantity.reads
    old: float | None  # the value it replaced (an update's old weight)

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
        q = self.quantity
        step = {
            "epoch": self.epoch,
            "phase": q.phase,
            "position": self.position,
            "symbol": q.symbol,
            "formula": q.formula,
            "substituted": q.substituted(dict(zip(q.reads, self.read_values))),
            "value": self.value,
            "reads": list(q.reads),
            "why": q.why,
        }
        clamped = self.clamped
        if clamped:
            step["clamped"] = clamped
        return step


CLAMPING_KINDS = ("error", "loss_slope")  # the only quantities with a logarithm or a clipped division
MISSING = object()  # in an undo record: the symbol had no value before


@dataclass(slots=True)
class UndoRecord:
    """How to take one step back: the values it changed and the cursor before it.

    kind is "op" (one operation), "rollover" (the move into a new epoch, which
    clears the computed values), "edit" (a value typed in) or "run" (a whole
    run of epochs, whose changes are the entire old values)."""

    kind: str
    changes: object  # [(symbol, old value or MISSING)], or for a run the whole old dict
    epoch: int
    position: int
    done: list[Operation] | None  # the epoch's operations, kept where the record replaces them
    row: list | None
    history_length: int


UNDO_KINDS = ("op", "rollover", "edit", "run")


@dataclass(frozen=True)
class Snapshot:
    """Everything a stepper is, as plain data: what a saved session holds (core/session.py).

    Versioned, so that a session file outlives changes to the stepper's insides."""

    epoch: int
    position: int
    values: dict[str, float]
    done: list[Operation]
    row: list[float] | None
    undo: list[UndoRecord]
    version: int = 1


class Stepper:
    def __init__(self, net: Network, program: Program | None = None, trainer=None):
        """`trainer(program, env, epochs, record)` runs whole epochs (`r`, and the history's re-derived
        rows); by default the program's own compiled loop — tui_backprop.bulk.train picks numpy for a
        large network."""
        self.net = net
        self.program: Program = program or build_program(net)
        self.trainer = trainer or (lambda program, env, epochs, record: program.run(env, epochs, record))
        self.reset()

    def reset(self) -> None:
        """Back to the network's starting numbers, with no history."""
        self.values: dict[str, float] = self.net.start_env()
        self.epoch = 1
        self.position = 0  # operations done in the current epoch
        self.done: list[Operation] = []  # those operations, in order
        self.history = History(self.program, self.train)
        self._row: list[float] | None = None
        self._undo: list[UndoRecord] = []
        self._recording = True
        self._free = set(self.program.free)
        self._count = len(self.program)  # operations in an epoch
        self._first_update = self.program.phase_bounds(UPDATE)[0]

    # -- the whole state, for saving ---------------------------------------
    def snapshot(self) -> Snapshot:
        return Snapshot(self.epoch, self.position, dict(self.values), list(self.done), self._row, list(self._undo))

    def train(self, env: dict[str, float], epochs: int):
        """Whole epochs on the fast path: (env after them, records of lr, parameters and E_total)."""
        return self.trainer(self.program, env, epochs, "history")

    @classmethod
    def restore(cls, program: Program, snapshot: Snapshot, history: History, trainer=None) -> "Stepper":
        """A stepper over `program` in the state of `snapshot` (which the caller has checked: see core/session.py)."""
        stepper = cls(program.net, program, trainer)
        stepper.values, stepper.epoch, stepper.position = dict(snapshot.values), snapshot.epoch, snapshot.position
        stepper.done, stepper._row, stepper._undo = list(snapshot.done), snapshot.row, list(snapshot.undo)
        stepper.history = history
        return stepper

    # -- reading --------------------------------------------------------
    @property
    def quantities(self) -> list[Quantity]:
        return self.program.quantities

    @property
    def upcoming(self) -> Quantity:
        """The operation `next` will perform."""
        return self.quantities[self.position % self._count]

    @property
    def last(self) -> Operation | None:
        """The operation performed most recently, if the epoch has one."""
        return self.done[-1] if self.done else None

    def updated(self, parameter: str) -> Operation | None:
        """The update operation of `parameter` in this epoch, once it has run."""
        n = self.program.update_position(parameter)
        return self.done[n] if n is not None and n < len(self.done) else None

    @property
    def epoch_done(self) -> bool:
        return self.position == self._count

    def peek(self) -> float:
        """The value `next` will compute, without computing it (for the quiz).

        Every quantity reads only free symbols and earlier quantities of its own
        epoch, so this is right even at an epoch boundary."""
        return self.program.evaluate(self.position % self._count, self.values)

    def free_symbols(self) -> list[str]:
        return list(self.program.free)

    # -- moving ---------------------------------------------------------
    def _remember(self, kind: str, changes, keep_done: bool = False) -> None:
        if self._recording:
            done = list(self.done) if keep_done else None
            self._undo.append(UndoRecord(kind, changes, self.epoch, self.position, done, self._row, len(self.history)))

    def _rollover(self) -> None:
        free = self._free
        computed = [(symbol, value) for symbol, value in self.values.items() if symbol not in free]
        self.values = {symbol: value for symbol, value in self.values.items() if symbol in free}
        self._remember("rollover", computed, keep_done=True)
        self.epoch += 1
        self.position = 0
        self.done = []
        self._row = None

    def next(self) -> Operation:
        if self.epoch_done:
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
        self.done.append(Operation(self.epoch, n + 1, self.program, value, read_values, None if old is MISSING else old))
        self.position += 1
        if self.epoch_done:
            self.history.append_row(self._row or self._current_row(), self._samples(), self._edited_midway())
        return self.done[-1]

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
        self.epoch, self.position, self._row = record.epoch, record.position, record.row
        self.history.truncate(record.history_length)

    def finish_phase(self) -> None:
        phase = self.upcoming.phase if not self.epoch_done else FORWARD
        self.next()
        while not self.epoch_done and self.upcoming.phase == phase:
            self.next()

    def finish_epoch(self) -> None:
        self.next()
        while not self.epoch_done:
            self.next()

    def run(self, epochs: int, on_progress: Callable[[int], None] | None = None,
            should_stop: Callable[[], bool] | None = None, chunk: int = 20_000) -> int:
        """Complete `epochs` more epochs; the last one is traced so its values stay on screen.

        The epochs between run on the fast path (`train`).  The whole run is one undo step.
        Returns how many epochs were completed (fewer if `should_stop` said so between chunks).
        """
        if epochs < 1:
            return 0
        before = UndoRecord("run", dict(self.values), self.epoch, self.position, list(self.done), self._row, len(self.history))
        self._recording = False
        done = 0
        try:
            if 0 < self.position < self._count:
                self.finish_epoch()
                done = 1
            fast = epochs - done - 1
            if fast > 0:
                if self.epoch_done:
                    self._rollover()
                while fast > 0 and not (should_stop and should_stop()):
                    count = min(chunk, fast)
                    env, records = self.train(self.values, count)
                    self.history.extend(records, self._samples())
                    self.values = env
                    self.epoch += count
                    fast -= count
                    done += count
                    if on_progress:
                        on_progress(done)
            if done < epochs and not (should_stop and should_stop()):
                self.finish_epoch()
                done += 1
        finally:
            self._recording = True
        self._undo.append(before)
        if on_progress:
            on_progress(done)
        return done

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
        return [self.values[c] for c in self.program.columns]

    def _samples(self) -> dict[str, float]:
        names = self.net.names
        return {s: self.values[s] for k in range(len(self.net.samples)) for s in names.input_symbols(k) + names.target_symbols(k)}

    # -- editing --------------------------------------------------------
    def set_value(self, symbol: str, value: float) -> None:
        """Change lr, a parameter, an input or a target; it applies from the next operation that reads it."""
        if symbol not in self._free:
            free = self.program.free
            raise KeyError(f"{symbol} cannot be edited (editable: {', '.join(free[:12])}{' …' if len(free) > 12 else ''})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{symbol} must be a finite number")
        if symbol == "lr" and value <= 0:
            raise ValueError("the learning rate must be positive")
        if self.net.loss in ("bce", "cce") and symbol.startswith("t") and not 0.0 <= value <= 1.0:
            raise ValueError(f"{self.net.loss} needs targets between 0 and 1")
        self._remember("edit", [(symbol, self.values[symbol])])
        self.values[symbol] = float(value)

    def set_lr(self, value: float) -> None:
        self.set_value("lr", value)

    def go_to(self, epoch: int, symbol: str) -> None:
        """Step on to the operation that computes `symbol` in `epoch` (1-based).

        A parameter's value in epoch k was computed by its update in epoch k − 1;
        a symbol nothing computes (lr, an input) is reached at the start of its epoch."""
        if symbol in self.program.parameters:
            epoch -= 1
            symbol = symbol if symbol in self.program.trained else ""
        elif symbol not in self.program.index:
            symbol = ""
        if epoch < 1:
            return
        if epoch > self.epoch:
            self.run(epoch - self.epoch)
        while symbol and self.epoch <= epoch and not (self.last and self.last.epoch == epoch and self.last.symbol == symbol):
            self.next()

    # -- whole runs without a cursor -------------------------------------
    def trace(self, epochs: int = 1) -> list[Operation]:
        """Every operation of the next `epochs` epochs."""
        return list(self.steps(epochs))

    def steps(self, epochs: int = 1):
        """Every operation of the next `epochs` epochs, one at a time: a reader that handles each as it
        comes finds its quantity still built (a large network's epoch is too long to keep them all)."""
        for _ in range(epochs):
            yield self.next()
            while not self.epoch_done:
                yield self.next()
