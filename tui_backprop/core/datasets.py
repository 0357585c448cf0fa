"""Samples from outside the network file: a CSV table, or points generated as TensorFlow Playground makes them.

A network file's `samples` may be a table instead of a list:

    samples = { file = "iris.csv", inputs = ["sepal_length", ...], targets = "species", standardize = true }
    samples = { generate = "spiral", count = 200, noise = 0.1, seed = 1 }

Every problem is a NetworkError of one line; a problem in a data file names the
file, the row (as a spreadsheet numbers it: the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
import stat
from pathlib import Path
from typing import NamedTuple

from .network import NetworkError, Sample
from .precision import read_number
from .safe_files import Stopped
from .text import QUOTED, printable, quoted

# Far more rows than a network stepped by hand needs, and a bound on the memory a file can take:
# both are checked while the file streams in, so a file of millions of rows stops at the limit.
MAX_ROWS = 100_000
MAX_BYTES = 64 * 1024 * 1024
GENERATORS = ("circle", "xor", "gauss", "spiral")
FILE_KEYS = ("file", "inputs", "targets", "standardize")
GENERATE_KEYS = ("generate", "count", "noise", "seed")
ROWS_BETWEEN_STOPS = 1_000  # rows read between two questions whether to stop


class RowLimit(NamedTuple):
    """How many data rows a network can take, and why that many (in words, after "more than N rows")."""

    rows: int = MAX_ROWS
    why: str = "the limit for a data file"


def load_samples(table: dict, base: Path, inputs: int, outputs: int, limit: RowLimit = RowLimit(),
                 should_stop=None, within: Path | None = None) -> tuple[list[Sample], int, bool]:
    """The samples a `samples = {...}` table describes, for a network of `inputs` and `outputs` neurons.

    Returns the samples, the seed their split into train and test rows falls back
    on (the generator's, or 0 for a file), and whether to standardize the inputs.
    A data file is refused at the first row past `limit`; `should_stop()` is asked every
    ROWS_BETWEEN_STOPS rows, and raises Stopped when it says so.  With `within`, the data file must lie
    in that folder once links and `..` are followed; one outside it is refused unread."""
    if "file" in table and "generate" in table:
        raise NetworkError("samples", "give either file = ... or generate = ..., not both")
    if "file" in table:
        _known_keys(table, FILE_KEYS, "a data file takes file, inputs, targets and standardize")
        name = table["file"]
        if not isinstance(name, str) or not name:
            raise NetworkError("samples.file", f"must be the path of a CSV file, got {name!r}")
        standardize = table.get("standardize", False)
        if not isinstance(standardize, bool):
            raise NetworkError("samples.standardize", f"must be true or false, got {standardize!r}")
        input_columns = _column_names(table, "inputs")
        target_columns = _column_names(table, "targets")
        if len(input_columns) != inputs:
            raise NetworkError("samples.inputs",
                               f"{len(input_columns)} columns, but the input layer has {inputs} neurons")
        if within is not None and not inside(base / name, within):
            raise NetworkError("samples.file", f"must be a file in the network file's own folder, and "
                                               f"{printable(name, QUOTED)} is not")
        return read_csv(base / name, input_columns, target_columns, outputs, limit, should_stop), 0, standardize
    if "generate" in table:
        _known_keys(table, GENERATE_KEYS, "a generated set takes generate, count, noise and seed")
        kind = table["generate"]
        if kind not in GENERATORS:
            raise NetworkError("samples.generate", f"unknown data set {kind!r} (choose from {', '.join(GENERATORS)})")
        count = table.get("count", 200)
        if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_ROWS:
            raise NetworkError("samples.count", f"must be a whole number from 2 to {MAX_ROWS:,}, got {count!r}")
        noise = table.get("noise", 0.0)
        if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 1:
            raise NetworkError("samples.noise", f"must be a number from 0 to 1, got {noise!r}")
        seed = table.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise NetworkError("samples.seed", f"must be a whole number, got {seed!r}")
        if inputs != 2:
            raise NetworkError("samples.generate",
                               f"a generated set has 2 inputs (x and y), but the input layer has {inputs} neurons")
        if outputs not in (1, 2):
            raise NetworkError("samples.generate", f"a generated set has 2 classes: the output layer needs 1 neuron "
                                                   f"(target 0 or 1) or 2 (one-hot), not {outputs}")
        return generate(kind, count, float(noise), seed, outputs), seed, False
    raise NetworkError("samples", "a table of samples needs file = \"data.csv\" or generate = \"spiral\"")


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` lies in `folder`, once links and `..` are followed on both."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return False


def _known_keys(table: dict, known: tuple[str, ...], what: str) -> None:
    unknown = [key for key in table if key not in known]
    if unknown:
        raise NetworkError(f"samples.{unknown[0]}", f"unknown key ({what})")


def _column_names(table: dict, key: str) -> list[str]:
    names = table.get(key)
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise NetworkError(f"samples.{key}", "must be a column name or a list of column names")
    return [n.strip() for n in names]


# -- CSV ----------------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _Bounded(io.RawIOBase):
    """A binary file that refuses to give more than `limit` bytes, counted as they are read."""

    def __init__(self, raw, limit: int):
        self.raw, self.left = raw, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.raw.readinto(buffer)
        self.left -= count
        if self.left < 0:
            raise _TooLarge
        return count


def read_csv(path: Path, input_columns: list[str], target_columns: list[str], outputs: int,
             limit: RowLimit = RowLimit(), should_stop=None) -> list[Sample]:
    """Every data row of a CSV file as a Sample: the input columns as numbers, the target columns
    as numbers or, for a class column (one that is not all numbers), one-hot over its sorted classes.
    The file is refused at the first row past `limit` (load_samples)."""
    where = printable(str(path), QUOTED)
    try:
        info = path.stat()
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL character
        raise _problem(where, f"cannot read: {getattr(error, 'strerror', None) or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise _problem(where, "not a regular file")
    if info.st_size > MAX_BYTES:
        raise _problem(where, _too_large())
    line = 0  # the last row read: a csv.Error is about the one after it
    try:
        with path.open("rb", buffering=0) as raw:
            data = io.BufferedReader(_Bounded(raw, MAX_BYTES))
            # UTF-16 with its byte order mark is Excel's "Unicode text" export (sheets are read so too).
            encoding = "utf-16" if data.peek(2)[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
            # Bytes that are not UTF-8 become lone surrogates, so that the row and column holding them can be named.
            text = io.TextIOWrapper(data, encoding=encoding, errors="surrogateescape", newline="")
            first, skipped = text.readline(), 0
            while first and not first.strip():  # blank lines above the header
                first, skipped = text.readline(), skipped + 1
            if not first:
                raise _problem(where, "empty: it needs a header row of column names")
            # A spreadsheet set to a decimal comma writes ; between the columns, its "Unicode text" a tab:
            # the one the header has most of (a comma where there is none), as sheets are read.
            delimiter = max(",;\t", key=first.count)
            rows = csv.reader(_chain(first, text), delimiter=delimiter)
            line = skipped
            header = next(rows)
            line += 1
            names = [name.strip() for name in header]
            input_at = [_column_index(names, name, where) for name in input_columns]
            target_at = [_column_index(names, name, where) for name in target_columns]
            used = input_at + target_at
            last = max(used)
            lines, inputs, targets = [], [], []
            # Rows as a spreadsheet numbers them: blank lines count, a quoted line break does not.
            first = line + 1
            for line, row in enumerate(rows, start=first):
                if not any(cell.strip() for cell in row):
                    continue  # a blank line
                if len(inputs) == limit.rows:
                    raise _problem(where, f"more than {limit.rows:,} rows, {limit.why}")
                if should_stop is not None and len(inputs) % ROWS_BETWEEN_STOPS == 0 and should_stop():
                    raise Stopped
                if len(row) > len(names) and any(cell.strip() for cell in row[len(names):]):
                    raise _problem(where, f"row {line} has {len(row)} cells, but the header names {len(names)} "
                                          "columns: a cell without a column")
                if len(row) <= last:
                    missing = names[last]
                    raise _problem(where, f"row {line}, column {quoted(missing)}: missing (the row has {len(row)} columns)")
                for at in used:
                    if not _is_utf8(row[at]):
                        raise _problem(where, f"row {line}, column {quoted(names[at])}: not UTF-8 text")
                inputs.append(tuple(_cell_number(row[at], where, line, names[at]) for at in input_at))
                targets.append([row[at].strip() for at in target_at])
                lines.append(line)
    except _TooLarge:
        raise _problem(where, _too_large()) from None
    except csv.Error as error:
        raise _problem(where, f"row {line + 1}: {error}") from None
    except OSError as error:
        raise _problem(where, f"cannot read: {error.strerror or error}") from None
    if not inputs:
        raise _problem(where, "no data rows under the header")
    encoded = _encode_targets(targets, lines, target_columns, outputs, where)
    return [Sample(i, t) for i, t in zip(inputs, encoded)]


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plain(text: str) -> str:
    """File text as it can stand in a one-line message: in quotes, escaped and cut short if it holds a line
    break or the like, or is long (a message names five classes, not five 500-character ones)."""
    return text if text.isprintable() and len(text) <= 40 else f"'{printable(text, 40)}'"


def _chain(first: str, rest):
    yield first
    yield from rest


def _too_large() -> str:
    return f"larger than {MAX_BYTES // (1024 * 1024)} MB, the limit for a data file"


def _problem(where: str, reason: str) -> NetworkError:
    return NetworkError("samples", f"{where}: {reason}")


def _column_index(names: list[str], name: str, where: str) -> int:
    if names.count(name) > 1:
        raise _problem(where, f"two columns of the header are called {quoted(name)}")
    if name not in names:
        shown = ", ".join(quoted(n) for n in names[:8]) + (", …" if len(names) > 8 else "")
        raise _problem(where, f"no column {quoted(name)} in the header (its columns are {shown})")
    return names.index(name)


def parse_number(text: str) -> float | None:
    """A number as a spreadsheet writes it (precision.read_number: 0.5, -1e3, a decimal comma 0,5, and nan or
    inf, which the caller refuses by name), or None."""
    try:
        return read_number(text, finite=False)
    except ValueError:
        return None


def _cell_number(text: str, where: str, line: int, column: str) -> float:
    number = parse_number(text)
    if number is None:
        what = "empty" if not text.strip() else f"not a number: {_shown(text)}"
        raise _problem(where, f"row {line}, column {quoted(column)}: {what}")
    if not math.isfinite(number):
        raise _problem(where, f"row {line}, column {quoted(column)}: numbers must be finite, got {_shown(text)}")
    return number


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _encode_targets(targets: list[list[str]], lines: list[int], columns: list[str], outputs: int,
                    where: str) -> list[tuple[float, ...]]:
    """Each target column as one number, or one-hot over its classes in sorted order."""
    encoders, widths = [], []
    for c, column in enumerate(columns):
        cells = [row[c] for row in targets]
        numbers = [parse_number(cell) for cell in cells]
        if all(n is not None for n in numbers):
            for n, line, cell in zip(numbers, lines, cells):
                if not math.isfinite(n):
                    raise _problem(where, f"row {line}, column {quoted(column)}: numbers must be finite, got {_shown(cell)}")
            encoders.append(lambda cell: (parse_number(cell),))
            widths.append(f"column {quoted(column)} is 1 number")
            continue
        for cell, line in zip(cells, lines):
            if not cell:
                raise _problem(where, f"row {line}, column {quoted(column)}: empty (a class column needs a class on each row)")
        classes = sorted(set(cells))
        position = {name: k for k, name in enumerate(classes)}
        encoders.append(lambda cell, position=position: tuple(float(k == position[cell]) for k in range(len(position))))
        shown = ", ".join(map(_plain, classes[:5])) + (", …" if len(classes) > 5 else "")
        note = f"column {quoted(column)} has {len(classes)} classes ({shown})"
        text_at = next((line for n, line in zip(numbers, lines) if n is None), None)
        if any(n is not None for n in numbers):
            note += f", read as classes because row {text_at} is not a number"
        widths.append(note)
    width = sum(len(encoder(targets[0][c])) for c, encoder in enumerate(encoders))
    if width != outputs:
        raise _problem(where, f"the targets are {width} numbers per row ({'; '.join(widths)}), "
                              f"but the output layer has {outputs} neurons")
    return [tuple(value for c, encoder in enumerate(encoders) for value in encoder(row[c])) for row in targets]


# -- generated sets -------------------------------------------------------------------------------


def generate(kind: str, count: int, noise: float, seed: int, outputs: int) -> list[Sample]:
    """Two classes of points in the plane, made as TensorFlow Playground's dataset.ts makes them
    (points within about ±6, playground's noise slider 0–50 is noise 0–0.5 here), from random.Random(seed).

    Playground's positive class has target 1 and the other target 0; with two outputs the
    targets are one-hot, (1, 0) for class 0 and (0, 1) for class 1."""
    rng = random.Random(seed)
    points = _GENERATORS[kind](rng, count, noise)
    if outputs == 1:
        return [Sample((x, y), (float(label),)) for x, y, label in points]
    return [Sample((x, y), (float(label == 0), float(label == 1))) for x, y, label in points]


def _halves(count: int) -> tuple[int, int]:
    return count - count // 2, count // 2


def _circle(rng: random.Random, count: int, noise: float):
    radius = 5.0
    points = []
    for size, low, high in zip(_halves(count), (0.0, radius * 0.7), (radius * 0.5, radius)):
        for _ in range(size):
            r = rng.uniform(low, high)
            angle = rng.uniform(0, 2 * math.pi)
            x, y = r * math.sin(angle), r * math.cos(angle)
            noise_x = rng.uniform(-radius, radius) * noise
            noise_y = rng.uniform(-radius, radius) * noise
            # As in playground, the label is where the noisy point falls; the point drawn is the clean one.
            points.append((x, y, int(math.hypot(x + noise_x, y + noise_y) < radius * 0.5)))
    return points


def _xor(rng: random.Random, count: int, noise: float):
    padding = 0.3  # keeps the points off the axes, where the class changes
    points = []
    for _ in range(count):
        x = rng.uniform(-5, 5)
        x += padding if x > 0 else -padding
        y = rng.uniform(-5, 5)
        y += padding if y > 0 else -padding
        noise_x = rng.uniform(-5, 5) * noise
        noise_y = rng.uniform(-5, 5) * noise
        points.append((x, y, int((x + noise_x) * (y + noise_y) >= 0)))
    return points


def _gauss(rng: random.Random, count: int, noise: float):
    variance = 0.5 + 7 * noise  # playground's scale: noise 0 → 0.5, noise 0.5 → 4
    spread = math.sqrt(variance)
    points = []
    for size, centre, label in zip(_halves(count), (2.0, -2.0), (1, 0)):
        points += [(rng.gauss(centre, spread), rng.gauss(centre, spread), label) for _ in range(size)]
    return points


def _spiral(rng: random.Random, count: int, noise: float):
    half = count / 2
    points = []
    for size, turn, label in zip(_halves(count), (0.0, math.pi), (1, 0)):
        for i in range(size):
            r = i / half * 5
            t = 1.75 * i / half * 2 * math.pi + turn
            x = r * math.sin(t) + rng.uniform(-1, 1) * noise
            y = r * math.cos(t) + rng.uniform(-1, 1) * noise
            points.append((x, y, label))
    return points


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral}


# -- train and test rows, and standardizing -------------------------------------------------------


def hold_out(samples: list[Sample], fraction: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """Split into training and test rows: round(fraction × rows) rows, picked by shuffling with
    random.Random(seed), are held out; both parts keep the rows' order."""
    held = round(len(samples) * fraction)
    if held == 0:
        raise NetworkError("test_fraction", f"{fraction!r} of {len(samples)} samples holds out no sample")
    if held >= len(samples):
        raise NetworkError("test_fraction", f"{fraction!r} of {len(samples)} samples leaves no training sample")
    order = list(range(len(samples)))
    random.Random(seed).shuffle(order)
    test_rows = set(order[:held])
    train = [s for n, s in enumerate(samples) if n not in test_rows]
    test = [s for n, s in enumerate(samples) if n in test_rows]
    return train, test


def standardized(train: list[Sample], test: list[Sample]) -> tuple[list[Sample], list[Sample]]:
    """Each input as a z-score, (x − mean) / std, with the mean and (population) standard
    deviation of the training rows only, so nothing about the test rows leaks into training.
    An input that is the same on every training row is only centred."""
    columns = list(zip(*(s.inputs for s in train)))
    count = len(train)
    # Dividing before adding keeps the sums of large finite inputs from overflowing.
    means = [math.fsum(x / count for x in column) for column in columns]
    scales = [math.sqrt(math.fsum((x - m) * (x - m) / count for x in column)) or 1.0
              for column, m in zip(columns, means)]

    def scaled(samples):
        return [Sample(tuple((x - m) / s for x, m, s in zip(sample.inputs, means, scales)), sample.targets)
                for sample in samples]

    return scaled(train), scaled(test)
