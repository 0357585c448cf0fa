"""Save and resume: a whole stepping session in one file, back bit for bit.

A session file is a zip archive of two members:

session.json  the format name and version, the network (the keys a network
              file uses), the position in the trace, the values, the
              operations of the current epoch, the undo stack, the exact rows
              and sample segments of the history, and the app's own state.
history.bin   what the history keeps (core/history.py), as raw numbers in the
              byte order session.json names, one part after another: E_total
              of every epoch (doubles), the epochs that have a checkpoint (64-bit
              integers; session.json says how many) and the lr and parameters of
              each (doubles): 9.5 bytes an epoch of the 2-2-2, far too much for
              JSON text.  session.json lists the epochs where a stretch of
              continuous fast-path epochs starts ("starts"), each a checkpoint.
              Format 1 held lr, the parameters and E_total of every epoch (80
              bytes an epoch of the 2-2-2, and saving re-derived them all); it
              is still read, a chunk at a time.

In session.json a finite float is a JSON number (Python writes the shortest
text that reads back to the same bits); any other float is the 16 hex digits
of its IEEE bits, so the -nan of a diverged run comes back as -nan and not as
some other NaN.  An operation is [quantity index, epoch, value, inputs in the
order the quantity reads them, old value or null]; an undo record is the
fields of stepper.UndoRecord in order, null standing for a symbol that did not
exist, and its update row a place in the shared "rows" table.

The file's "epoch" keys hold update steps (core/batches.py), which without
batches are the epochs the format was first written for; the history holds a
record per step.  With batches the undo stack is saved back to the start
of the current step, so after resuming, `previous` goes back as far as the
start of the batch under way.

`load_stepper` checks everything, down to every state `previous` can lead back
to, before it builds the stepper: a damaged or doctored file is refused with
one line, never half loaded.
"""

from __future__ import annotations

import json
import math
import re
import struct
import sys
import zipfile
from array import array
from dataclasses import dataclass
from pathlib import Path

from .batches import COMPILED, Trainer
from .history import CHECKPOINT_EVERY, History
from .lesson import Lesson, lesson_from_dict
from .loader import network_from_dict, network_to_dict
from .network import NetworkError
from .program import Program
from .quantity import PHASES, UPDATE
from .quiz import Quiz
from .safe_files import Stopped, atomic_writer, open_regular
from .stepper import MISSING, UNDO_KINDS, Operation, Snapshot, Stepper, UndoRecord
from .tutor import Tutor

FORMAT = "backprop-tui session"
VERSION = 2  # 1: history.bin held every epoch's record
STATE, HISTORY = "session.json", "history.bin"
ZIP_MAGIC = b"PK\x03\x04"
_BITS = re.compile(r"[0-9a-f]{16}")
# session.json holds the undo stack, one short list per step taken: a year of stepping by hand is a
# few MB.  The history's doubles are in history.bin, whose size the epoch count fixes.
MAX_STATE_BYTES = 32 * 2**20
CHUNK_BYTES = 2**20  # history.bin is read this much at a time (and asked between whether to stop)


class SessionError(ValueError):
    """A file that cannot be resumed; str() is one line for the user."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {' '.join(reason.split())}")


class _Damaged(Exception):
    """A piece of session.json that cannot be right; load_stepper words it for the user."""


# -- saving ---------------------------------------------------------------------


def save_stepper(path: str | Path, stepper: Stepper, extra: dict | None = None) -> None:
    """Write the whole session to `path`, atomically; `extra` is the app's own state, as plain JSON.

    A path that cannot be written raises OutputError (one line).
    """
    history = stepper.history
    state = stepper.snapshot()
    # Every undo record of an update phase holds the same row list: write each row once, refer to it by place.
    rows: dict[int, int] = {}
    table: list[list] = []

    def row_ref(row: list | None) -> int | None:
        if row is None:
            return None
        if id(row) not in rows:
            rows[id(row)] = len(table)
            table.append(_numbers(row))
        return rows[id(row)]

    document = {
        "format": FORMAT,
        "version": VERSION,
        "network": network_to_dict(stepper.net),
        "quantities": [q.symbol for q in stepper.quantities],
        "epoch": state.step,
        "position": state.position,
        "values": _numbers_by_symbol(state.values),
        "done": [_operation_out(op) for op in state.done],
        "row": row_ref(state.row),
        "undo": [_undo_out(record, row_ref) for record in _saved_undo(stepper, state)],
        "rows": table,
        "history": {
            "epochs": len(history),
            "checkpoints": len(history.stored()[1]),
            "byte_order": sys.byteorder,
            "exact_rows": [[epoch, _numbers(row)] for epoch, row in history.exact_rows.items()],
            "mixed": [[epoch, list(symbols)] for epoch, symbols in history.mixed.items()],
            "segments": [[first, _numbers_by_symbol(samples)] for first, samples in history.segments],
            "starts": list(history.starts),
        },
        "extra": {} if extra is None else extra,
    }
    text = json.dumps(document, allow_nan=False, separators=(",", ":"))
    with atomic_writer(path, "wb") as stream, zipfile.ZipFile(stream, "w") as archive:
        archive.writestr(STATE, text, compress_type=zipfile.ZIP_DEFLATED)
        # Stored as is: doubles hardly compress, and deflating 200 MB would take seconds.
        with archive.open(HISTORY, "w", force_zip64=True) as member:
            for chunk in history.chunks():
                chunk.tofile(member)


def _number(value: float):
    value = float(value)  # a Network may hold ints; they read back as the same floats
    return value if math.isfinite(value) else struct.pack(">d", value).hex()


def _numbers(values) -> list:
    return [_number(v) for v in values]


def _numbers_by_symbol(values: dict[str, float]) -> dict:
    return {symbol: _number(v) for symbol, v in values.items()}


def _operation_out(op: Operation) -> list:
    old = None if op.old is None else _number(op.old)
    return [op.position - 1, op.step, _number(op.value), _numbers(op.read_values), old]


def _saved_undo(stepper: Stepper, state) -> list[UndoRecord]:
    """The undo stack, or with batches its part within the current step: a file holds one program's trail."""
    if not stepper.schedule.batched:
        return state.undo
    kept = len(state.undo)
    while kept and state.undo[kept - 1].step == state.step:
        kept -= 1
    return state.undo[kept:]


def _undo_out(record: UndoRecord, row_ref) -> list:
    if record.kind == "run":
        changes = _numbers_by_symbol(record.changes)
    else:
        changes = [[symbol, None if old is MISSING else _number(old)] for symbol, old in record.changes]
    done = None if record.done is None else [_operation_out(op) for op in record.done]
    # A list, not a table: a long session has one record per operation, and the keys would be most of the file.
    return [record.kind, changes, record.step, record.position, done, row_ref(record.row), record.history_length]


# -- loading --------------------------------------------------------------------


def load_stepper(path: str | Path, trainer: Trainer = COMPILED, should_stop=None) -> tuple[Stepper, dict]:
    """The stepper exactly as it was saved, and the app's `extra` state; SessionError if the file is not right.

    `trainer` is the stepper's (see Stepper): the path its runs were trained on re-derives its history.
    `should_stop()` is asked between the chunks of the history, and raises files.Stopped when it says so."""
    document, data = _read(path)
    data.should_stop = should_stop
    try:
        return _build(document, data, trainer)
    except _Damaged as error:
        raise SessionError(path, f"truncated or corrupt ({error})") from None


def _read(path) -> tuple[dict, _Member]:
    """session.json, parsed, and the history member, not yet read: its size is checked against the network first."""
    try:
        with open_regular(path) as stream:
            head = stream.read(len(ZIP_MAGIC))
            stream.seek(0)
            try:
                with zipfile.ZipFile(stream) as archive:
                    members = {info.filename: info for info in archive.infolist()}
                    state = _read_state(path, archive, members.get(STATE))
            # A damaged archive raises any of BadZipFile, zlib.error, EOFError, NotImplementedError, …
            except SessionError:
                raise
            except Exception as error:
                if head != ZIP_MAGIC:
                    raise SessionError(path, "not a backprop-tui session") from None
                raise SessionError(path, f"truncated or corrupt ({str(error) or type(error).__name__})") from None
    except OSError as error:
        raise SessionError(path, f"cannot read ({error.strerror or error})") from None
    if state is None:
        raise SessionError(path, "not a backprop-tui session")
    try:
        document = json.loads(state.decode("utf-8"), parse_constant=_no_constant)
    # ValueError covers bad UTF-8 and bad JSON; RecursionError, lists nested too deeply.
    except (ValueError, RecursionError) as error:
        raise SessionError(path, f"truncated or corrupt ({STATE}: {error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SessionError(path, "not a backprop-tui session")
    version = document.get("version")
    if type(version) is not int or version < 1:
        raise SessionError(path, "truncated or corrupt (no format version)")
    if version > VERSION:
        raise SessionError(path, f"saved by a newer version of backprop-tui (session format {version}; this one reads {VERSION})")
    if HISTORY not in members:
        raise SessionError(path, f"truncated or corrupt ({HISTORY} is missing)")
    return document, _Member(path, members[HISTORY])


def _read_state(path, archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> bytes | None:
    """session.json, refused unread if it claims more than MAX_STATE_BYTES, and read no further than it claims."""
    if info is None:
        return None
    if info.file_size > MAX_STATE_BYTES:
        raise SessionError(path, f"truncated or corrupt ({STATE} claims {info.file_size:,} bytes; "
                                 f"a session's is at most {MAX_STATE_BYTES:,})")
    with archive.open(info) as member:
        return member.read(MAX_STATE_BYTES + 1)  # zipfile stops at the declared size and checks the CRC


class _Member:
    """history.bin, read only once its declared size is the one the network and the epoch count need,
    and then a chunk at a time: what it holds is never read whole into one more copy."""

    def __init__(self, path, info: zipfile.ZipInfo):
        self.path, self.info = path, info
        self.should_stop = None  # asked between chunks; load_stepper sets it

    def parts(self, sizes: list[tuple[str, int]], byte_order: str, chunk_items: int | None = None):
        """For each (typecode, count) of `sizes` in turn, arrays of that type holding its `count` numbers in
        order, at most `chunk_items` (by default CHUNK_BYTES' worth) an array: (part's index, array)."""
        info = self.info
        expected = sum(count for _, count in sizes) * 8
        if info.file_size != expected:
            raise _Damaged(f"{HISTORY} has {info.file_size} bytes, not the {expected} the history needs")
        # We store it as is: a deflated one could inflate a small file into gigabytes.
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise _Damaged(f"{HISTORY} is compressed; a session stores it as is")
        chunk_items = chunk_items or CHUNK_BYTES // 8
        try:
            with open_regular(self.path) as stream, zipfile.ZipFile(stream) as archive, archive.open(info) as member:
                for part, (code, count) in enumerate(sizes):
                    while count:
                        if self.should_stop is not None and self.should_stop():
                            raise Stopped
                        items = min(count, chunk_items)
                        data = member.read(items * 8)
                        if len(data) != items * 8:
                            raise _Damaged(f"{HISTORY} ends before the {expected} bytes the history needs")
                        numbers = array(code)
                        numbers.frombytes(data)
                        if byte_order != sys.byteorder:
                            numbers.byteswap()
                        yield part, numbers
                        count -= items
                if member.read(1):
                    raise _Damaged(f"{HISTORY} has more than the {expected} bytes the history needs")
        except (_Damaged, Stopped):
            raise
        except Exception as error:
            raise _Damaged(f"{HISTORY}: {str(error) or type(error).__name__}") from None


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _build(document: dict, data: _Member, trainer: Trainer) -> tuple[Stepper, dict]:
    network = _dict(document.get("network"), "network")
    for key in ("samples", "test_samples"):
        # A session stores its samples as lists.  A table would read a data file named by whoever wrote
        # the session, wherever it is (samples = {file = "/etc/passwd"}), or make up points.
        if isinstance(network.get(key), dict):
            raise _Damaged(f"network: {key}: a session holds its samples as a list; "
                           "it reads no data file and generates none")
    try:
        net = network_from_dict(network)
    except NetworkError as error:
        raise _Damaged(f"network: {error}") from None
    scratch = Stepper(net, trainer=trainer)  # only for its program and trainer until everything has passed
    step = _int(document.get("epoch"), "epoch", 1)
    program = scratch.schedule.program(step)
    if document.get("quantities") != [q.symbol for q in program.quantities]:
        raise _Damaged("the operations listed do not match the network")
    reader = _Reader(program, document.get("rows"), scratch)
    position = _int(document.get("position"), "position", 0, reader.count)
    values = reader.by_symbol(document.get("values"), "values")
    done = reader.operations(document.get("done"), "done")
    row = reader.row(document.get("row"), "row")
    undo = [reader.record(raw, f"undo[{n}]") for n, raw in enumerate(_list(document.get("undo"), "undo"))]
    history = reader.history(document.get("history"), data, document["version"])
    extra = document.get("extra")
    if not isinstance(extra, dict):
        raise _Damaged("extra: expected a table")
    reader.check_trail(step, position, values, done, row, undo, len(history))
    return Stepper.restore(program, Snapshot(step, position, values, done, row, undo), history, trainer), extra


def _dict(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Damaged(f"{where}: expected a table")
    return value


def _list(value, where: str, length: int | None = None) -> list:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise _Damaged(f"{where}: expected a list" + (f" of {length}" if length is not None else ""))
    return value


def _int(value, where: str, low: int, high: int | None = None) -> int:
    if type(value) is not int or value < low or (high is not None and value > high):
        raise _Damaged(f"{where}: expected a whole number from {low}" + (f" to {high}" if high is not None else ""))
    return value


def _float(value, where: str) -> float:
    if type(value) is float:
        return value
    if isinstance(value, str) and _BITS.fullmatch(value):
        return struct.unpack(">d", bytes.fromhex(value))[0]
    raise _Damaged(f"{where}: expected a number")


def _floats(value, where: str, length: int) -> list[float]:
    return [_float(v, where) for v in _list(value, where, length)]


class _Reader:
    """Turns session.json back into stepper state, checking every piece against the program."""

    def __init__(self, program: Program, rows, stepper: Stepper):
        self.program, self.train, self.schedule = program, stepper.train, stepper.schedule
        self.columns = stepper.history.columns
        self.quantities = program.quantities
        self.count = len(program.quantities)
        self.free = set(program.free)
        self.index = program.index  # computed symbol -> its place in the epoch
        self.ranges = {phase: program.phase_bounds(phase) for phase in PHASES}
        # The update row is taken just before the first update; before it the stepper has none.
        self.first_update = next((n for n, q in enumerate(self.quantities) if q.phase == UPDATE), self.count)
        # An update replaces a value that carries from step to step (a parameter, an optimizer's state); every
        # other quantity, Adam's corrected moments in the update phase included, adds a value of the step's own.
        self.computed_before = [0]
        for q in self.quantities:
            self.computed_before.append(self.computed_before[-1] + (q.symbol not in self.free))
        names, net = program.net.names, program.net
        self.sample_symbols = set() if self.schedule.batched else {
            s for k in range(len(net.samples)) for s in names.input_symbols(k) + names.target_symbols(k)}
        self.loss_column = self.columns.index("E_total")
        # The update rows, which the state and the undo records name by their place here.
        self.rows = [self.full_row(row, "rows") for row in _list(rows, "rows")]

    def known(self, symbol) -> bool:
        return isinstance(symbol, str) and (symbol in self.free or symbol in self.index)

    def expected(self, symbol: str, position: int) -> bool:
        """Whether the values hold `symbol` once `position` operations of the epoch are done."""
        return symbol in self.free or self.index[symbol] < position

    def by_symbol(self, value, where: str) -> dict[str, float]:
        for symbol in _dict(value, where):
            if not self.known(symbol):
                raise _Damaged(f"{where}: unknown symbol {symbol!r}")
        return {symbol: _float(v, where) for symbol, v in value.items()}

    def full_row(self, value, where: str) -> list[float]:
        return _floats(value, where, len(self.columns))

    def row(self, value, where: str) -> list[float] | None:
        """The update row a place in `rows` names, or None."""
        return None if value is None else self.rows[_int(value, where, 0, len(self.rows) - 1)]

    def operation(self, value, where: str) -> Operation:
        index, epoch, result, inputs, old = _list(value, where, 5)
        q = self.quantities[_int(index, where, 0, self.count - 1)]
        if q.symbol in self.free:
            old = _float(old, where)
        elif old is not None:
            raise _Damaged(f"{where}: only an update replaces an old value")
        step = _int(epoch, where, 1)
        return Operation(self.schedule.place(step)[0], index + 1, self.program, _float(result, where),
                         tuple(_floats(inputs, where, len(q.reads))), old, step,
                         self.schedule.place(step)[1] if self.schedule.batched else 0)

    def operations(self, value, where: str) -> list[Operation]:
        ops = [self.operation(item, where) for item in _list(value, where)]
        if [op.position for op in ops] != list(range(1, len(ops) + 1)) or len({op.step for op in ops}) > 1:
            raise _Damaged(f"{where}: not the first operations of one epoch, in order")
        return ops

    def record(self, value, where: str) -> UndoRecord:
        kind, changes, epoch, position, done, row, history_length = _list(value, where, 7)
        if kind not in UNDO_KINDS:
            raise _Damaged(f"{where}: unknown kind of step")
        if kind == "run":
            changes = self.by_symbol(changes, where)
        else:
            # An edit changes exactly one value: the history names it when an epoch mixes numbers (Stepper._edited_midway).
            changes = [self.change(pair, where) for pair in _list(changes, where, 1 if kind == "edit" else None)]
        return UndoRecord(kind, changes, _int(epoch, where, 1), _int(position, where, 0, self.count),
                     None if done is None else self.operations(done, where), self.row(row, where),
                     _int(history_length, where, 0))

    def change(self, value, where: str) -> tuple:
        symbol, old = _list(value, where, 2)
        if not self.known(symbol):
            raise _Damaged(f"{where}: unknown symbol {symbol!r}")
        return symbol, MISSING if old is None else _float(old, where)

    def history(self, value, data: _Member, version: int) -> History:
        value = _dict(value, "history")
        history = History(self.schedule.program(1), self.train, self.schedule)
        epochs = _int(value.get("epochs"), "history.epochs", 0)
        byte_order = value.get("byte_order")
        if byte_order not in ("little", "big"):
            raise _Damaged("history.byte_order: expected little or big")
        exact = {}
        for pair in _list(value.get("exact_rows"), "history.exact_rows"):
            epoch, row = _list(pair, "history.exact_rows", 2)
            epoch = _int(epoch, "history.exact_rows", 1, epochs)
            if epoch in exact:
                raise _Damaged(f"history.exact_rows: epoch {epoch} twice")
            exact[epoch] = self.full_row(row, "history.exact_rows")
        history.exact_rows.update(exact)
        # Written since edits midway are noted; a file from before has none.
        for pair in _list(value.get("mixed", []), "history.mixed"):
            epoch, symbols = _list(pair, "history.mixed", 2)
            epoch = _int(epoch, "history.mixed", 1, epochs)
            if epoch not in history.exact_rows or not all(self.known(s) for s in _list(symbols, "history.mixed")):
                raise _Damaged("history.mixed: an epoch stepped by hand, and the symbols edited in it")
            history.mixed[epoch] = tuple(symbols)
        previous = 0
        for pair in _list(value.get("segments"), "history.segments"):
            first, samples = _list(pair, "history.segments", 2)
            first = _int(first, "history.segments", previous + 1, epochs)
            samples = self.by_symbol(samples, "history.segments")
            if set(samples) != self.sample_symbols or (previous == 0 and first != 1):
                raise _Damaged("history.segments: not the inputs and targets from epoch 1 on")
            history.segments.append((first, samples))
            previous = first
        if epochs and not history.segments:
            raise _Damaged("history.segments: missing")
        given = set(range(1, epochs + 1)) if "starts" not in value else {
            _int(first, "history.starts", 1, epochs) for first in _list(value["starts"], "history.starts")}
        # A stepped epoch is a stretch of its own: it may have had a value edited halfway through;
        needed = {e for e in history.exact_rows} | {e + 1 for e in history.exact_rows if e < epochs}
        needed |= {first for first, _ in history.segments}  # and so is every change of the samples
        needed |= {1} if epochs else set()
        if version == 1:
            starts = sorted(given | needed)
            per_chunk = max(1, CHUNK_BYTES // (8 * history.stride)) * history.stride  # whole records
            chunks = (numbers for _, numbers in data.parts([("d", epochs * history.stride)], byte_order, per_chunk))
            history.load(chunks, epochs, starts)
        else:
            if not needed <= given:
                raise _Damaged("history.starts: not every stepped epoch and change of the samples starts a stretch")
            self.stored_history(history, value, data, byte_order, epochs, sorted(given))
        # The stored part of an exact row is the row's own lr, parameters and E_total, to the bit.
        losses = history.losses()
        for epoch, row in history.exact_rows.items():
            stored = history.checkpoint(epoch)
            if stored is None or (array("d", row[: history.stride - 1] + [row[self.loss_column]]).tobytes()
                                  != (stored + losses[epoch - 1 : epoch]).tobytes()):
                raise _Damaged(f"history.exact_rows: epoch {epoch} does not match {HISTORY}")
        return history

    def stored_history(self, history: History, value: dict, data: _Member, byte_order: str, epochs: int,
                       starts: list[int]) -> None:
        """What the history keeps, as format 2 holds it, checked to be a history's: checkpoints at every
        start, rising, at most CHECKPOINT_EVERY epochs apart and from the last epoch (a row is re-derived
        from the checkpoint before it: a gap of millions would take that long to show one)."""
        count = _int(value.get("checkpoints"), "history.checkpoints", 1 if epochs else 0, epochs)
        width = history.stride - 1
        parts = (array("d"), array("q"), array("d"))
        for part, numbers in data.parts([("d", epochs), ("q", count), ("d", count * width)], byte_order):
            parts[part].extend(numbers)
        losses, checkpoint_epochs, checkpoints = parts
        previous = 0
        for epoch in checkpoint_epochs:
            if not previous < epoch <= min(previous + CHECKPOINT_EVERY, epochs) or (previous == 0 and epoch != 1):
                raise _Damaged("history.checkpoints: not rising from epoch 1, at most "
                               f"{CHECKPOINT_EVERY} epochs apart")
            previous = epoch
        if epochs - previous >= CHECKPOINT_EVERY:
            raise _Damaged(f"history.checkpoints: none in the last {CHECKPOINT_EVERY} epochs")
        if not set(starts) <= set(checkpoint_epochs):
            raise _Damaged("history.starts: a stretch that starts without a checkpoint")
        history.restore(losses, checkpoint_epochs, checkpoints, starts)

    # -- the undo stack, walked back ---------------------------------------------
    def check_trail(self, step, position, values, done, row, undo, length) -> None:
        """Walk the undo stack as `previous` would, without the numbers, and check every state on the way.

        Each state must be one the stepper can be in, or a later `next` or
        `previous` would fail on it.  The work is proportional to the stack.
        """
        keys = _Keys(self, values, position)
        self.check_state("the current state", step, position, done, keys, row, length)
        done = list(done)
        for n in reversed(range(len(undo))):
            record = undo[n]
            if record.kind == "run":
                keys.replace(record.changes)
            else:
                for symbol, old in reversed(record.changes):
                    keys.set(symbol, old is not MISSING)
            if record.kind == "op":
                if not done:
                    raise _Damaged(f"undo[{n}]: takes back an operation the epoch does not have")
                done.pop()
            elif record.done is not None:
                done = list(record.done)
            keys.move(record.position)
            length = min(length, record.history_length)
            self.check_state(f"undo[{n}]", record.step, record.position, done, keys, record.row, length)

    def check_state(self, where, step, position, done, keys: _Keys, row, length) -> None:
        if length != step - 1 + (position == self.count):
            raise _Damaged(f"{where}: step {step} does not follow {length} finished steps")
        if keys.wrong:
            raise _Damaged(f"{where}: the values do not match operation {position} of the step")
        if len(done) != position or (done and done[0].step != step):
            raise _Damaged(f"{where}: the operations done do not match operation {position} of step {step}")
        if (row is None) == (position > self.first_update):
            raise _Damaged(f"{where}: the update row does not match operation {position} of the step")


class _Keys:
    """The symbols the values hold, and how many of them are wrong for the operation reached.

    Kept up to date change by change, so checking the whole undo stack costs
    no more than the stack itself.
    """

    def __init__(self, reader: _Reader, symbols, position: int):
        self.reader = reader
        self.position = position
        self.replace(symbols)

    def _wrong(self, symbol: str) -> bool:
        return (symbol in self.present) != self.reader.expected(symbol, self.position)

    def replace(self, symbols) -> None:
        self.present = set(symbols)
        hits = sum(self.reader.expected(s, self.position) for s in self.present)
        expected = len(self.reader.free) + self.reader.computed_before[self.position]
        self.wrong = (len(self.present) - hits) + (expected - hits)

    def set(self, symbol: str, present: bool) -> None:
        before = self._wrong(symbol)
        if present:
            self.present.add(symbol)
        else:
            self.present.discard(symbol)
        self.wrong += self._wrong(symbol) - before

    def move(self, position: int) -> None:
        low, high = sorted((self.position, position))
        flipping = [q.symbol for q in self.reader.quantities[low:high] if q.symbol not in self.reader.free]
        before = sum(map(self._wrong, flipping))
        self.position = position
        self.wrong += sum(map(self._wrong, flipping)) - before


# -- the app's sessions: a stepper, the student's quiz, tutor and lesson ---------------

SESSION_SUFFIX = ".backprop"


@dataclass
class Study:
    """A session as the app saves it."""

    stepper: Stepper
    quiz: Quiz
    tutor: Tutor | None = None  # the ladder, once it has been used
    tutoring: bool = False  # whether the tutor was on
    lesson: Lesson | None = None


def save_study(path: str | Path, stepper: Stepper, quiz: Quiz, tutor: Tutor | None = None, tutoring: bool = False,
               lesson: Lesson | None = None) -> None:
    extra: dict = {"quiz": quiz.as_dict()}
    if tutor is not None:
        extra["tutor"], extra["tutoring"] = tutor.as_dict(stepper.depth), tutoring
    if lesson is not None:
        extra["lesson"] = lesson.as_dict()
    save_stepper(path, stepper, extra)


def open_study(path: str | Path, trainer: Trainer = COMPILED, should_stop=None) -> Study:
    """A saved session with its quiz score, tutor and lesson; SessionError (one line) for anything damaged."""
    stepper, extra = load_stepper(path, trainer, should_stop)
    try:
        quiz = Quiz.from_dict(extra["quiz"]) if "quiz" in extra else Quiz()
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise SessionError(path, "truncated or corrupt (the quiz score is damaged)") from None
    study = Study(stepper, quiz)
    try:
        if "tutor" in extra:
            study.tutor = Tutor.from_dict(extra["tutor"], stepper.net, stepper.depth)
            study.tutoring = extra.get("tutoring") is True
        if "lesson" in extra:
            study.lesson = lesson_from_dict(extra["lesson"], stepper.net)
    except (ValueError, TypeError) as error:  # NetworkError, a lesson's, is a ValueError
        raise SessionError(path, f"truncated or corrupt ({error})") from None
    return study


def load_study(path: str | Path, trainer: Trainer = COMPILED) -> tuple[Stepper, Quiz]:
    """A saved session with its quiz score; SessionError (one line) for anything damaged."""
    study = open_study(path, trainer)
    return study.stepper, study.quiz
