"""Exercises for a class: each student's own variant of the network, a workbook to fill, and the key.

A variant keeps the network's shape and learning rate and gets its own starting
numbers, derived from the student's name and a course seed (the same name and
seed always give the same numbers, so a lost file can be made again).  They are
numbers a student works by hand: weights, biases and inputs in steps of 0.05,
targets in steps of 0.01.

For every student, inside the output folder and nowhere else:

    students/NAME.xlsx        the workbook to hand out: the network said in words and the given
                              numbers above the table, the cells to compute left blank under
                              their labels (a last row asks for the parameters the last update
                              gives), and the variant in a hidden sheet (carried.py), for
                              `check` on it
    students/NAME-lesson.json the same numbers as a lesson (`backprop-tui --config NAME-lesson.json`):
                              the network file's own [lesson], or a test of every value, one try
                              each, without the keys that would show them
    key/NAME-key.csv          the answer key: the same table with every cell filled in
    key/NAME-solution.md      the worked solution (the caller renders it)
    key/NAME.json             the variant as a network file (`check --config key/NAME.json`)
    key/students.csv          each student's name and file name

Every file is written to a temporary file and renamed into place.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import random
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from ..core import Network, Parameters, Sample, build_program
from ..core.batches import sheet_refusal
from ..core.expr import counted
from ..core.lesson import Lesson
from ..core.loader import network_to_dict
from ..core.maths import ACTIVATIONS, SOFTMAX_WORDS
from ..core.network import LOSS_NAMES
from ..core.program import Program, Record
from ..core.quantity import FORWARD
from ..core.safe_files import read_regular, together
from ..core.text import QUOTED, csv_text, printable
from .carried import embed_network

COURSE_SEED = "backprop"
MAX_STUDENTS = 2_000
MAX_NAMES_BYTES = 1_000_000  # a list of names, or the key's list of students and their files
MAX_NAME = 60  # characters of a file name made from a student's name
MAX_EPOCHS = 100  # an exercise is worked by hand
STUDENTS, KEY, ROSTER = "students", "key", "students.csv"
TITLE = "Backpropagation exercise"
MAX_FORMULAS = 24  # the title block's forward formulas: every neuron's of a small network


# The keys a test takes away: those that compute or show a value without the student (finish the phase or the
# epoch, run, the learning rates' curves, export, the gradient check), that change the numbers (edit, the
# learning rate), and that leave the test (the tutor, the quiz).
TEST_HIDES = ("f", "e", "r", "s", "x", "g", "w", "l", "u", "z")


def test_lesson(epochs: int) -> Lesson:
    """The lesson beside a student's workbook when the network file has none: every value, one try each."""
    return Lesson(
        title=f"Your exercise: {counted(epochs, 'epoch')} on your own numbers",
        opening="These are the numbers of your workbook. Compute every value in turn and type it: before the first "
                "of each kind of operation, pick the rule that gives it. One try each; a wrong value is named and "
                "shown, and you carry on with the right one. esc shows a value you cannot find.",
        ladder=False, hidden_keys=TEST_HIDES, epochs=epochs,
        closing="That is the whole exercise. Fill in your workbook from your own working, and hand it in.")


class ExerciseError(ValueError):
    """Bad input for an exercise; str() is one line for the user."""


def safe_name(name: str) -> str:
    """A file name for a student: letters, digits, . _ - only, no leading dot, at most MAX_NAME characters."""
    ascii_only = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_only).strip("._-")
    return text[:MAX_NAME].rstrip("._-") or "student"


def read_students(path: str | Path) -> list[str]:
    """One name a line; blank lines and lines starting with # are skipped, and so is a repeated name.
    A name with a control character in it (ESC, NUL, …) is refused, naming its line: it could not be
    written into a workbook, and printed it would act on the terminal."""
    try:  # a regular file of bounded size: /dev/zero or a FIFO is refused at once, not read or waited on
        data = read_regular(path, MAX_NAMES_BYTES)
    except OSError as error:
        if error.errno == errno.EFBIG:
            raise ExerciseError(f"{path} is too large for a list of names ({error.strerror})") from None
        raise ExerciseError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExerciseError(f"{path} is not UTF-8 text") from None
    names = []
    for number, line in enumerate(text.splitlines(), 1):
        name = " ".join(line.split())
        if not name.isprintable():
            wrong = next(c for c in name if not c.isprintable())
            raise ExerciseError(f"{printable(str(path), QUOTED)}: line {number}: a name holds the control character "
                                f"{printable(wrong)}; a name is one line of printable text")
        if name and not name.startswith("#") and name not in names:
            names.append(name)
    if not names:
        raise ExerciseError(f"{path} names no student")
    if len(names) > MAX_STUDENTS:
        raise ExerciseError(f"{path} names {len(names):,} students; at most {MAX_STUDENTS:,} are supported")
    return names


def file_names(names: list[str]) -> dict[str, str]:
    """Each student's file name, made unique with -2, -3, … where two names reduce to the same."""
    taken: set[str] = set()
    files = {}
    for name in names:
        base = safe_name(name)
        candidate, number = base, 2
        while candidate.casefold() in taken:
            candidate = f"{base}-{number}"
            number += 1
        taken.add(candidate.casefold())
        files[name] = candidate
    return files


def variant(net: Network, name: str, seed: str = COURSE_SEED, attempt: int = 0) -> Network:
    """The network with the student's own starting numbers; the same name and seed give the same numbers."""
    rng = random.Random(f"{seed}\n{name}\n{attempt}")  # a str seed is hashed with SHA-512: stable everywhere

    def numbers(count: int, steps: int, unit: float, sign: bool = False) -> tuple[float, ...]:
        # Different numbers where there are enough: a slip that reads w2 for w4 must change the result.
        grid = list(range(1, steps + 1))
        picked = rng.sample(grid, count) if count <= len(grid) else [rng.choice(grid) for _ in range(count)]
        return tuple(round(-k * unit if sign and rng.random() < 0.5 else k * unit, 2) for k in picked)

    weights = numbers(len(net.start.weights), 19, 0.05, sign=any(w < 0 for w in net.start.weights))
    biases = numbers(len(net.start.biases), 19, 0.05)
    samples = net.samples
    if len(samples) == 1 and net.loss != "cce":  # several samples are a data set (xor's), kept as it is
        sample = samples[0]
        samples = (Sample(numbers(len(sample.inputs), 19, 0.05), numbers(len(sample.targets), 99, 0.01)),)
    return net.with_changes(start=Parameters(weights, biases, net.start.lr), samples=samples, name=safe_name(name))


def variants(net: Network, names: list[str], seed: str = COURSE_SEED) -> dict[str, Network]:
    """Every student's variant; no two students share the same starting numbers."""
    seen: set[tuple] = set()
    found = {}
    for name in names:
        for attempt in range(100):
            candidate = variant(net, name, seed, attempt)
            numbers = tuple(candidate.start_env().values())
            if numbers not in seen:
                break
        seen.add(numbers)
        found[name] = candidate
    return found


def table_columns(program: Program) -> list[str]:
    """The columns a student fills: the parameters of each epoch, then its forward values and gradients."""
    return [column for column in program.columns if column != "lr"]


def given_numbers(program: Program) -> list[tuple[str, float]]:
    """The numbers an exercise gives: the learning rate and every starting value."""
    return list(program.net.start_env().items())


def write_exercises(net: Network, names: list[str], epochs: int, out: str | Path, seed: str = COURSE_SEED,
                    solution: Callable[[Network, int], str] | None = None, lesson: Lesson | None = None) -> list[Path]:
    """Write every student's workbook and lesson, and the teacher's key, into `out`; returns the files written.
    `lesson` is the one each student's lesson file holds (default: `test_lesson`)."""
    if not 1 <= epochs <= MAX_EPOCHS:
        raise ExerciseError(f"an exercise has 1 to {MAX_EPOCHS} epochs, got {epochs}")
    if sheet_refusal(net):
        raise ExerciseError(sheet_refusal(net))
    out = Path(out)
    files = file_names(names)
    written = []
    made = []  # the folders this run makes: a failure takes them away again (if nothing else is in them)
    try:
        for folder in (out, out / STUDENTS, out / KEY):
            if not folder.is_dir():
                folder.mkdir()
                made.append(folder)
    except OSError as error:
        _remove_empty(made)
        raise ExerciseError(f"cannot write into {printable(str(out), QUOTED)}: {error.strerror or error}") from None
    try:
        # Every file of the class or none: a full disk or a stop halfway leaves no half-made key.
        with together() as group:
            for name, student_net in variants(net, names, seed).items():
                program = build_program(student_net)
                stem = files[name]
                written.append(_write_workbook(group, out / STUDENTS / f"{stem}.xlsx", program, name, epochs))
                lesson_file = dict(network_to_dict(student_net), lesson=(lesson or test_lesson(epochs)).as_dict())
                with group.writer(out / STUDENTS / f"{stem}-lesson.json", encoding="utf-8") as stream:
                    json.dump(lesson_file, stream, indent=1, ensure_ascii=False)
                written.append(out / STUDENTS / f"{stem}-lesson.json")
                written.append(_write_key(group, out / KEY / f"{stem}-key.csv", program, name, epochs))
                data = network_to_dict(student_net)
                with group.writer(out / KEY / f"{stem}.json", encoding="utf-8") as stream:
                    json.dump(data, stream, indent=1, ensure_ascii=False)
                written.append(out / KEY / f"{stem}.json")
                if solution is not None:
                    with group.writer(out / KEY / f"{stem}-solution.md", encoding="utf-8") as stream:
                        stream.write(solution(student_net, epochs))
                    written.append(out / KEY / f"{stem}-solution.md")
            with group.writer(out / KEY / ROSTER, newline="", encoding="utf-8") as stream:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(["student", "file"])
                writer.writerows([csv_text(name), files[name]] for name in names)
            written.append(out / KEY / ROSTER)
    except BaseException:
        _remove_empty(made)
        raise
    return written


def network_in_words(program: Program) -> list[list[str]]:
    """The network said in words for the title block, a [label, text] row each: its layers, which neurons
    each bias is added into, what the activations and the loss compute, the update, and the first
    sample's forward formulas (which weight goes into which neuron), as the core writes them."""
    net, names = program.net, program.names

    def layer(number: int) -> str:
        neurons = [names.neuron(number, j) for j in range(net.sizes[number])]
        listed = ", ".join(neurons) if len(neurons) <= 8 else f"{neurons[0]} … {neurons[-1]}"
        if number == 0:
            return f"{counted(len(neurons), 'input')} {listed}"
        kind = "output" if number == net.depth else "hidden neuron"
        return f"{counted(len(neurons), kind)} {listed} ({net.activations[number - 1]})"

    rows = [["network", f"{'-'.join(map(str, net.sizes))}: " + " → ".join(map(layer, range(net.depth + 1)))]]
    trained = "trained: each is updated like a weight" if net.train_bias else "not trained: each keeps its value"
    if net.bias == "shared":
        shared = [f"{names.bias_at[k][0]} is shared by {_listed([names.neuron(k, j) for j in range(net.sizes[k])])}"
                  for k in range(1, net.depth + 1)]
        rows.append(["biases", "; ".join(shared) + f" (added into each of their sums); {trained}"])
    elif net.bias == "neuron":
        rows.append(["biases", f"one per neuron, {names.bias_at[1][0]} added into {names.neuron(1, 0)}'s sum and so on; "
                               f"{trained}"])
    else:
        rows.append(["biases", "none"])
    words = dict.fromkeys(SOFTMAX_WORDS if name == "softmax" else ACTIVATIONS[name].words for name in net.activations)
    rows.append(["activation", "a neuron's output a_… is its activation of its sum: " + "; ".join(words)])
    forward = []
    for n in range(len(program)):
        q = program.quantity(n)
        if q.phase != FORWARD:
            break
        if q.sample in (None, 0) and len(forward) < MAX_FORMULAS:
            forward.append(q)
    errors = [q for q in forward if q.kind == "error"]
    total = next((q for q in forward if q.kind == "total"), None)
    loss = f"{net.loss}, {LOSS_NAMES[net.loss]}"
    if total is not None and errors:
        loss += f": {total.formula}; {errors[0].why}"
    rows.append(["loss", loss])
    rows.append(["update", "after each epoch, every trained parameter p = p − lr·dE_total/dp, all with that "
                           "epoch's gradients; the next row starts from them"])
    rows += [["formulas" if k == 0 else "", q.formula] for k, q in enumerate(forward)]
    if len(forward) == MAX_FORMULAS:
        rows.append(["", "… and the same for every other neuron and sample"])
    return rows


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            pass


def _header_block(program: Program, name: str) -> list[list]:
    given = []
    for symbol, value in given_numbers(program):
        given += [symbol, value]
    return [
        [TITLE, name],
        *network_in_words(program),
        given,
        ["Fill in every blank cell below, one row per epoch; each weight of an epoch after the first is the one "
         "its update gives. The last row asks only for the parameters after the last update."],
        [],
    ]


def _write_workbook(group, path: Path, program: Program, name: str, epochs: int) -> Path:
    import openpyxl  # only exercises and XLSX files need it
    from openpyxl.styles import Font, PatternFill

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "exercise"
    for line in _header_block(program, name):
        sheet.append(line)
    # The student's name is text, whatever it starts with: openpyxl takes a string that starts with = for a
    # formula, and =HYPERLINK(…) would be a live one in the workbook handed out.
    sheet.cell(1, 2).data_type = "s"
    columns = table_columns(program)
    sheet.append(["epoch", *columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    start = program.net.start_env()
    for epoch in range(1, epochs + 1):
        given = [start[c] if epoch == 1 and c in program.parameters else None for c in columns]
        sheet.append([epoch, *given])
    # One row more, for the parameters the last update gives (without it they are never asked for);
    # the cells it does not ask for are shaded.
    sheet.append([epochs + 1])
    unasked = PatternFill("solid", fgColor="D9D9D9")
    for column, symbol in enumerate(columns, start=2):
        if symbol not in program.parameters:
            sheet.cell(sheet.max_row, column).fill = unasked
    embed_network(workbook, program.net)  # `check` on the returned workbook needs no options
    # Made in memory, then written: when the disk fills, openpyxl's zip archive would be left half open
    # on the file, to fail again when collected (lines of "Exception ignored" after our one line).
    data = io.BytesIO()
    workbook.save(data)
    with group.writer(path, "wb") as stream:
        stream.write(data.getbuffer())
    return path


def key_rows(program: Program, epochs: int) -> list[dict[str, float]]:
    """Every value of every epoch, by the core's fast path, and then the parameters the last update gives
    (the first of epoch epochs + 1): the answer key."""
    env, out = program.run(program.net.start_env(), epochs + 1, Record.ROW)
    width = len(program.columns)
    rows = [dict(zip(program.columns, out[k * width:(k + 1) * width])) for k in range(epochs + 1)]
    rows[-1] = {p: rows[-1][p] for p in program.parameters}
    return rows


def _write_key(group, path: Path, program: Program, name: str, epochs: int) -> Path:
    columns = table_columns(program)
    with group.writer(path, newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        for line in _header_block(program, name):
            writer.writerow([repr(cell) if isinstance(cell, float) else csv_text(cell) for cell in line])
        writer.writerow(["epoch", *columns])
        for epoch, row in enumerate(key_rows(program, epochs), start=1):
            writer.writerow([epoch, *(repr(row[c]) if c in row else "" for c in columns)])
    return path

