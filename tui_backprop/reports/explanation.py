"""The run as files a student keeps: the worked solution as text or Markdown, and rows as CSV.

The command line (`explain`, `train --csv`) and the app's export key share these.
"""

from __future__ import annotations

import csv
import math
import textwrap
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring as _quoted  # a str as json.dumps writes it (ensure_ascii=False)

from ..core import Network
from ..core.batches import Schedule
from ..core.expr import counted, format_number
from ..core.network import LOSS_NAMES
from ..core.stepper import CLAMPING_KINDS
from ..core.text import markdown as markdown_text
from ..core.text import printable


def describe(net: Network, shown=printable) -> str:
    """The network in one line; its name (from a file) as `shown` writes text for the output at hand."""
    bias = {"none": "no biases", "shared": "one bias per layer", "neuron": "one bias per neuron"}[net.bias]
    if net.bias != "none" and not net.train_bias:
        bias += " (frozen)"
    samples = counted(len(net.samples), "sample")
    if net.test_samples:
        samples += f" + {len(net.test_samples)} held out for testing"
    if 0 < net.batch < len(net.samples):
        samples += f" in batches of {net.batch}, shuffled from seed {net.shuffle_seed}"
    training = ""
    if net.regularized:
        training += f", {net.regularization.upper()} regularization λ {format_number(net.regularization_rate)}"
    if net.optimizer == "momentum":
        training += f", momentum μ {format_number(net.momentum)}"
    elif net.optimizer == "adam":
        training += f", Adam β1 {format_number(net.betas[0])} β2 {format_number(net.betas[1])} ε {format_number(net.eps)}"
    return (f"{shown(net.name)}: {'-'.join(map(str, net.sizes))}, {' → '.join(net.activations)}, "
            f"{LOSS_NAMES[net.loss]}, {bias}, {samples}{training}, lr {format_number(net.start.lr)}")


def step_document(step) -> dict:
    """One operation for `explain --format json`.

    Strict JSON has no Infinity or NaN: a value that is no longer a finite
    number is written as null, with `"not_finite"` saying which it was
    ("Infinity", "-Infinity" or "NaN").
    """
    document = step.as_dict()
    value = document["value"]
    if not math.isfinite(value):
        document["value"] = None
        document["not_finite"] = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return document


def step_line(step) -> str:
    """The text json.dumps(step_document(step), ensure_ascii=False) gives, written out here from the step
    itself: a large network's explanation has hundreds of thousands of steps, and the dict and the encoder
    json.dumps makes anew for each were a quarter of `explain --format json`'s time."""
    q = step.quantity
    inputs = dict(zip(q.reads, step.read_values))
    tail = ""
    if q.kind in CLAMPING_KINDS:
        clamped = q.expr.clamped(inputs)
        if clamped:
            tail = ', "clamped": [' + ", ".join(map(_quoted, clamped)) + "]"
    value = step.value
    if math.isfinite(value):
        text = repr(value)
    else:
        text = "null"
        tail += ', "not_finite": ' + ('"NaN"' if math.isnan(value) else '"Infinity"' if value > 0 else '"-Infinity"')
    batch = f'"batch": {step.batch}, ' if step.batch else ""
    return (f'{{"epoch": {step.epoch}, {batch}"phase": "{q.phase}", "position": {step.position}, '
            f'"symbol": {_quoted(q.symbol)}, "formula": {_quoted(q.formula)}, '
            f'"substituted": {_quoted(q.substituted(inputs))}, "value": {text}, '
            f'"reads": [{", ".join(map(_quoted, q.reads))}], "why": {_quoted(q.why)}{tail}}}')


def render_explanation(net: Network, start: dict, steps, digits: int | None, markdown: bool) -> str:
    return "\n".join(explanation_lines(net, start, steps, digits, markdown)) + "\n"


def explanation_lines(net: Network, start: dict, steps, digits: int | None, markdown: bool):
    """The worked solution line by line, as `steps` come: a large network's epoch is hundreds of MB of it."""
    number = lambda value: format_number(value, digits)  # noqa: E731
    if markdown:
        yield from [f"# Worked solution: {markdown_text(net.name)}", "", describe(net, markdown_text), "",
                    "| symbol | starting value |", "|---|---|"]
        yield from (f"| {symbol} | {number(value)} |" for symbol, value in start.items())
    else:
        yield from [describe(net), "", "Starting values: " + ", ".join(f"{s} = {number(v)}" for s, v in start.items())]
    section = None
    finite = True
    schedule = Schedule(net)
    for step in steps:
        lines = []
        if (step.step, step.phase) != section:
            section = (step.step, step.phase)
            batch = f", batch {step.batch} of {schedule.steps_per_epoch} ({schedule.samples_text(step.step)})" if step.batch else ""
            title = f"Epoch {step.epoch}{batch}, {step.phase} pass ({step.phase_count} operations)"
            lines += ["", f"## {title}" if markdown else title, ""]
        value = number(step.value)
        if markdown:
            lines.append(f"{step.phase_position}. `{step.formula}`  ")
            lines.append(f"   `= {step.substituted(digits).split(' = ', 1)[1]}` = **{value}**  ")
            lines.append(f"   {step.why}")
            lines += [f"   *Clamped:* {note}" for note in step.clamped]
        else:
            indent = " " * (len(str(step.phase_count)) + 2)
            lines.append(f"{step.phase_position:>{len(str(step.phase_count))}}. {step.formula}")
            pad = indent + " " * len(step.symbol) + " "
            lines.append(f"{pad}= {step.substituted(digits).split(' = ', 1)[1]}")
            lines.append(f"{pad}= {value}")
            lines += [f"{pad}  clamped: {note}" for note in step.clamped]
            lines += textwrap.wrap(step.why, 88, initial_indent=indent, subsequent_indent=indent)
        if finite and not math.isfinite(step.value):
            finite = False
            note = (f"Here {step.symbol} stopped being a finite number: every value computed from it is infinite "
                    "or not a number too.")
            lines += [f"   **{note}**"] if markdown else textwrap.wrap(note, 88, initial_indent=indent,
                                                                      subsequent_indent=indent)
        yield from lines


def write_rows(stream, columns: Sequence[str], rows: Iterable[tuple[int, Sequence[float]]]) -> None:
    """The spreadsheet layout: a header of symbols, then one row per epoch at full precision."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["epoch", *columns])
    for epoch, values in rows:
        writer.writerow([epoch, *map(repr, values)])


def gradient_table(results, tolerance: float, epochs: bool = False, label=str, heading: str = "epoch") -> tuple[str, bool]:
    """`check_epochs`' results as a table, one parameter a line (with the step of its worst error, named
    by `label`, when several were checked), and whether every gradient passed."""
    header = ["parameter", "analytic ∂E/∂p", "central difference", "relative error"] + [heading] * epochs + [""]
    rows = [[worst.check.parameter, format_number(worst.check.analytic, 10), format_number(worst.check.numeric, 10),
             format_number(worst.check.relative_error, 2)] + [label(worst.epoch)] * epochs
            + [_verdict(worst, tolerance)] for worst in results]
    widths = [max(len(row[n]) for row in [header] + rows) for n in range(len(header))]
    last = len(header) - 1
    lines = ["  ".join(cell.ljust(width) if n in (0, last) else cell.rjust(width)
                       for n, (cell, width) in enumerate(zip(row, widths))).rstrip() for row in [header] + rows]
    return "\n".join(lines) + "\n", all(worst.passed for worst in results)


def _verdict(worst, tolerance: float) -> str:
    if not worst.passed:
        return f"over {format_number(tolerance)}"
    # A tiny gradient: the central difference cannot resolve it better than rounding allows.
    return "ok" if worst.check.relative_error <= tolerance else "ok, within rounding"

