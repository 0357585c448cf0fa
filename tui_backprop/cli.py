"""The command line: open the app, explain an epoch, train, check a sheet, check the gradients.

`explain`, `train` and `check` never import textual: scripts and tests call them,
and they should start as fast as Python does.  So the app, the sheets (openpyxl),
sessions and network files are imported by the commands that use them, each
with a comment (docs/architecture.md, "Imports").

Exit status: 0 success, 1 `check` found a wrong cell or `gradcheck` a gradient
off, 2 bad arguments or input, 3 the app crashed.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import shlex
import sys
from array import array
from dataclasses import replace
from pathlib import Path

from .core import PRESETS, Network, NetworkError, Stepper, build_program
from .core.batches import Schedule, Trainer
from .core.compiled import readable_source
from .core.expr import counted, format_number
from .core.gradcheck import DEFAULT_STEP, DEFAULT_TOLERANCE, check_epochs
from .core.history import first_divergence
from .core.metrics import Metrics, gradient_mean_columns
from .core.precision import read_number, read_whole
from .core.safe_files import OutputError, atomic_writer, clean_up_on_signals
from .core.text import QUOTED, printable
from .reports.chart import build_chart
from .reports.explanation import describe, gradient_table, render_explanation, step_line, write_rows
from .training import bulk
from .training.sweep import SEED_RATES, checkpoints, sweep

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3
PROG = "backprop-tui"
# `explain` refuses to write more than this without --force: 100,000 epochs were 889 MB and 3 minutes.
LARGE_OUTPUT = 100 * 10**6
# A run of train is refused past this: 10 million epochs of a small network take minutes already.
MAX_TRAIN_EPOCHS = 10_000_000
# explain prints every operation, some 250-650 bytes each (streamed, one at a time): past this even one
# epoch would be most of a GB.  One epoch of a 100-100-100 network with 16 samples is 374,401.
MAX_EXPLAIN_OPERATIONS = 1_000_000


class UsageError(Exception):
    """Bad arguments or input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the whole usage; one line is enough
        raise UsageError(f"{message} (see {self.prog} --help)")

    def format_help(self):
        if callable(self.epilog):  # made only when asked for: start-up stays fast
            self.epilog = self.epilog()
        return super().format_help()

    def print_help(self, file=None):
        """As argparse's, except that a write that fails is an error: argparse ignores it, and
        `--help > /dev/full` said nothing and exited 0."""
        (file or _standard_output()).write(self.format_help())


class _Version(argparse.Action):
    """--version: the installed package's version, looked up only when asked (start-up stays fast)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import version  # only for --version: it costs every command's start-up

        _standard_output().write(f"{parser.prog} {version('backprop-tui')}\n")
        parser.exit()


def _standard_output():
    if sys.stdout is None:
        raise UsageError("standard output is closed: there is nowhere to write")
    return sys.stdout


def _argument(parse, acceptable, wanted: str):
    """An argparse type: `parse` the text, and refuse it unless `acceptable`, saying what is `wanted`."""
    def convert(text: str):
        try:
            value = parse(text)
        except ValueError:
            value = None
        if value is None or not acceptable(value):
            raise argparse.ArgumentTypeError(f"{wanted}, got {text!r}")
        return value

    return convert


# Numbers as the app reads them (core/precision.py): 0.5 or 0,5; 1000, 1,000 or 1_000.
_positive_rate = _argument(read_number, lambda x: x > 0, "learning rate must be a positive finite number")
_positive_int = _argument(read_whole, lambda n: n >= 1, "must be a whole number of at least 1")
_digits = _argument(read_whole, lambda n: 1 <= n <= 17, "significant digits are a whole number from 1 to 17")
_port = _argument(read_whole, lambda n: 1 <= n <= 65535, "a port is a whole number from 1 to 65535")
_tolerance = _argument(read_number, lambda x: 0 <= x < 1, "a relative tolerance is a number from 0 to below 1")


def check_epilog() -> str:
    """`check --help`'s column names, from the one alias table (imported only when help is shown)."""
    from .sheets.columns import alias_help  # as in write_xlsx

    return ("Columns may come in any order, any subset of them.\n" + alias_help() + "\n"
            "The epoch column numbers the rows; without it they are epochs 1, 2, 3, ...\n"
            "The header is the first row naming two known columns, so a title, and given numbers such as\n"
            "'η = 0.05', may sit above it.  Without --preset or --config, a workbook written by exercise, x or\n"
            "train --xlsx is checked against the network it carries, any other sheet against the preset it fits.\n"
            "Exit status: 0 every cell is right, 1 a cell is wrong, 2 the file cannot be read.")


def _network_options(parser: argparse.ArgumentParser, several_rates: bool = False, main: bool = False) -> None:
    """--preset, --config and --lr, on the main parser and again on each command.

    Only the main parser has defaults: a command's copy records an option only when it is
    given after the command, so `backprop-tui --preset xor explain` keeps xor.
    """
    default = None if main else argparse.SUPPRESS
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME", default=default,
                        help=f"a built-in network: {', '.join(PRESETS)} (default: excel)")
    source.add_argument("--config", metavar="FILE", default=default, help="a network file (TOML or JSON), or a shipped example by name (iris, "
                             "tanh-3-layer, …)")
    if several_rates:
        parser.add_argument("--lr", metavar="X", type=_positive_rate, nargs="+", action="extend", default=default,
                            help="learning rate; several values train one curve each (a sweep)")
    else:
        parser.add_argument("--lr", metavar="X", type=_positive_rate, default=default,
                            help="learning rate (default: the network's)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Step through backpropagation one operation at a time.",
                     epilog="Without a command, opens the app.  Exit status: 0 ok, 1 check found a mistake "
                            "or gradcheck a gradient off, "
                            "2 bad arguments or input, 3 the app crashed.")
    _network_options(parser, main=True)
    parser.add_argument("--resume", metavar="FILE", help="reopen a saved session")
    parser.add_argument("--ascii", action="store_true",
                        help="draw without braille or rounded corners, for a console font that lacks them "
                             "(chosen by itself where TERM=linux)")
    parser.add_argument("--ladder", action="store_true",
                        help="start with the tutor on: a ladder from a worked epoch to one you compute alone")
    parser.add_argument("--no-record", action="store_true",
                        help="keep no record of your answers in your progress (see the progress command)")
    parser.add_argument("--version", action=_Version)
    # Set by `serve` in the command it runs for each visitor, never by a person: the app is in a browser, and
    # where the visitors' records go (app/served.py).
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--served-results", metavar="DIR", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    explain = commands.add_parser("explain", help="print the worked solution of the first epochs")
    _network_options(explain)
    explain.add_argument("--epochs", type=_positive_int, default=1, metavar="N", help="how many epochs (default 1)")
    explain.add_argument("--format", choices=("text", "markdown", "json", "python"), default="text",
                         help="python: one epoch as plain Python with the seeds' names, ready to run")
    explain.add_argument("--force", action="store_true",
                         help=f"write it even when it comes to more than {LARGE_OUTPUT // 10**6} MB")
    explain.add_argument("--digits", type=_digits, default=None, metavar="D",
                         help="significant digits in text and markdown (default 12; 17 shows every bit)")
    explain.set_defaults(handler=run_explain)

    train = commands.add_parser("train", help="train on the fast path; summary, CSV, or a learning-rate sweep")
    _network_options(train, several_rates=True)
    train.add_argument("--epochs", type=_positive_int, required=True, metavar="N")
    train.add_argument("--sweep", action="store_true", help=f"compare the rates {' '.join(map(str, SEED_RATES))}")
    train.add_argument("--csv", metavar="FILE", help="one row per epoch in the spreadsheet layout ('-' for stdout)")
    train.add_argument("--plot", action="store_true", help="draw the loss chart even when stdout is not a terminal")
    train.add_argument("--xlsx", metavar="FILE",
                       help="the same rows as a workbook of live formulas: change a weight or lr and it recomputes")
    train.add_argument("--save-network", metavar="FILE",
                       help="write the trained network, the parameters reached, as a network file (TOML, or JSON "
                            "for .json) that --config loads again")
    train.set_defaults(handler=run_train)

    check = commands.add_parser(
        "check", help="check a spreadsheet of the exercise: every wrong cell, and where each mistake starts",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=check_epilog)
    _network_options(check)
    check.add_argument("file", metavar="FILE", help="a CSV or XLSX sheet: a header of symbols, one row per epoch "
                       "(with batches, per update step: epoch and batch columns)")
    check.add_argument("--rel-tol", type=_tolerance, default=None, metavar="T",
                       help="relative tolerance (default 1e-4); a value printed with fewer digits is "
                            "compared at its own precision")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=run_check)

    gradcheck = commands.add_parser(
        "gradcheck", help="compare every gradient of the backward pass with central differences of E_total")
    _network_options(gradcheck)
    gradcheck.add_argument("--epochs", type=_positive_int, default=1, metavar="N",
                           help="check at the start of each of the first N epochs (default 1); the table shows "
                                "each parameter's worst")
    gradcheck.add_argument("--tolerance", type=_tolerance, default=None, metavar="T",
                           help="relative error allowed (default 1e-5; a tiny gradient may also differ by rounding)")
    gradcheck.set_defaults(handler=run_gradcheck)

    exercise = commands.add_parser(
        "exercise", help="one variant of the network per student: workbooks to hand out, the key and solutions")
    _network_options(exercise)
    exercise.add_argument("--students", metavar="FILE", required=True, help="the students' names, one a line")
    exercise.add_argument("--epochs", type=_positive_int, default=1, metavar="N", help="epochs to work (default 1)")
    exercise.add_argument("--seed", metavar="TEXT", help="the course seed (default 'backprop'): the same names and "
                                                         "seed always give the same numbers")
    exercise.add_argument("--out", metavar="DIR", required=True, help="the folder to write into (nothing outside it)")
    exercise.set_defaults(handler=run_exercise)

    grade = commands.add_parser("grade", help="check every sheet in a folder: a class table and the commonest slips")
    _network_options(grade)
    grade.add_argument("folder", metavar="DIR", help="the students' sheets (CSV or XLSX), directly in this folder")
    grade.add_argument("--key", metavar="DIR", help="the folder `exercise` wrote: each sheet is recognised as a "
                                                    "student's variant by the numbers it gives")
    grade.add_argument("--out", metavar="DIR", help="where class.csv and class.md go (default DIR/grades)")
    grade.set_defaults(handler=run_grade)

    progress = commands.add_parser(
        "progress", help="your progress: every attempt by network and kind of operation, what is mastered, the "
                         "slips that recur")
    progress.add_argument("path", metavar="PATH", nargs="?",
                          help="a progress record, or a folder of them (default: yours, in your data folder)")
    progress.add_argument("--csv", metavar="FILE", help="a row per record, network and kind, for a teacher "
                                                       "('-' for stdout)")
    progress.set_defaults(handler=run_progress)

    serve = commands.add_parser(
        "serve", help="serve the app to browsers (a class): each visitor gets their own app, files as downloads")
    _network_options(serve)
    serve.add_argument("--lesson", metavar="FILE", help="a lesson (a network file with a [lesson] table) to start "
                                                        "every visitor on; `o` offers the files of its folder")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for a room)")
    serve.add_argument("--port", type=_port, default=8000, help="the port (default 8000)")
    serve.add_argument("--max-sessions", type=_positive_int, default=40, metavar="N",
                       help="at most N visitors' apps at once; the next visitor is told the room is full (default 40)")
    serve.add_argument("--results", metavar="DIR",
                       help="ask each visitor's name and keep their progress and quiz answers here, a file each "
                            "(backprop-tui progress DIR sums them up)")
    serve.set_defaults(handler=run_serve)

    parser.set_defaults(handler=run_app)
    return parser


def _rates(args) -> list[float]:
    """Every --lr given, before or after the command (one before it, several after `train`)."""
    rate = getattr(args, "lr", None)
    return rate if isinstance(rate, list) else [rate] if rate else []


def load(args) -> Network:
    """The network the options name, with --lr applied."""
    return load_with_lesson(args)[0]


def load_with_lesson(args, confined: bool = False):
    """The network the options name, with --lr applied, and the lesson its file holds (or None).
    `confined`: a data file the network file names must lie in its folder (a served app)."""
    preset = getattr(args, "preset", None)
    config = getattr(args, "config", None)
    if preset and config:  # one on each side of the command: argparse sees each alone
        raise UsageError("--preset and --config both name a network; give one of them")
    lesson = None
    if config:
        from .core.loader import (  # only for --config: the TOML parser and data sets cost start-up
            example_names,
            load_lesson,
            network_path,
        )

        path = network_path(config)  # a file, or a shipped example by name
        try:
            net, lesson = load_lesson(path, confined=confined)
        except NetworkError as error:
            hint = f" (the examples: {', '.join(example_names())})" if not path.exists() else ""
            raise UsageError(f"{printable(config, QUOTED)}: {error}{hint}") from None
    else:
        name = preset or "excel"
        if name not in PRESETS:
            raise UsageError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
        net = PRESETS[name]()
    rates = _rates(args)
    return (net.with_start(lr=rates[0]) if len(rates) == 1 else net), lesson


# -- explain ------------------------------------------------------------------

def run_explain(args) -> int:
    if args.format == "python":
        print(readable_source(build_program(load(args))), end="")
        return EXIT_OK
    net = load(args)
    stepper = Stepper(net)
    per_epoch = net.epoch_operations()
    if per_epoch * args.epochs > MAX_EXPLAIN_OPERATIONS:
        raise UsageError(f"explain --epochs {args.epochs:,} would print {per_epoch * args.epochs:,} operations "
                         f"({per_epoch:,} an epoch); it prints at most {MAX_EXPLAIN_OPERATIONS:,} "
                         f"(train --csv writes one row per epoch instead)")
    start = dict(stepper.values)
    if args.epochs > 1 and not args.force:
        # Every epoch writes about as much as the first: refuse before minutes of work, not after.
        first = io.StringIO()
        _write_explanation(first, net, start, Stepper(net), 1, args)
        size = len(first.getvalue().encode()) * args.epochs
        if size > LARGE_OUTPUT:
            raise UsageError(f"{counted(args.epochs, 'epoch')} of explanation come to about "
                             f"{format_number(size / 10**6, 3)} MB; add --force to write them, or ask for fewer --epochs")
    _write_explanation(sys.stdout, net, start, stepper, args.epochs, args)
    return EXIT_OK


def _write_explanation(out, net: Network, start: dict, stepper: Stepper, epochs: int, args) -> None:
    """The next `epochs` epochs of `stepper`, explained."""
    # Stepping keeps a record of every operation (here without their undo steps: nothing is taken back;
    # still hundreds of thousands on a large network), and the collector would walk them all again and again while they pile up: on a
    # 100-100-100 network that was half the time of stepping.  Nothing made per operation is a cycle
    # (the only cyclic garbage is a program or two), so the collector waits until the explanation is
    # written, and the records go first, by reference counting: the stepper is in a cycle, and the
    # collector took three times as long to find and free them all with it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _write_steps(out, net, start, stepper.steps(epochs, undoable=False), args)
        stepper.reset()
    finally:
        if collecting:
            gc.enable()


def _write_steps(out, net: Network, start: dict, steps, args) -> None:
    if args.format == "json":
        # One step a line (step_line is json.dumps's text, written out quicker); a large network's epoch
        # has hundreds of thousands, written a thousand at a time.
        head = json.dumps({"network": describe(net), "start": start}, ensure_ascii=False)
        out.write(head[:-1] + ', "steps": [\n')
        lines = []
        for n, step in enumerate(steps):
            lines.append(("," if n else "") + step_line(step) + "\n")
            if len(lines) == 1000:
                out.write("".join(lines))
                lines = []
        out.write("".join(lines) + "]}\n")
    else:
        out.write(render_explanation(net, start, steps, args.digits, markdown=args.format == "markdown"))


# -- train ----------------------------------------------------------------------

def run_train(args) -> int:
    if args.epochs > MAX_TRAIN_EPOCHS:
        raise UsageError(f"train runs at most {MAX_TRAIN_EPOCHS:,} epochs at a time, not {args.epochs:,}")
    net = load(args)
    rates = list(_rates(args))
    if args.sweep:
        rates += [rate for rate in SEED_RATES if rate not in rates]
    rates = rates or [net.start.lr]
    schedule = Schedule(net)
    # One run, one trainer: the summary, the CSV, the plot, the decision boundary and the saved network
    # all come from the path bulk.TRAINER picks for this network (numpy for a large one): the same numbers.
    if args.save_network is not None and len(rates) > 1:
        raise UsageError("--save-network takes one learning rate: it saves the network trained at it")
    if args.xlsx is not None:
        write_xlsx(net, rates, args.epochs, args.xlsx)
    if args.csv is not None:
        write_csv(schedule, rates, args.epochs, args.csv, bulk.TRAINER)
    if args.save_network is not None:
        save_network(schedule, rates[0], args.epochs, args.save_network, bulk.TRAINER)
        saved = f"The network after {counted(args.epochs, 'epoch')} is in {args.save_network}"
        if args.csv == "-":
            print(saved, file=sys.stderr)
    if args.csv == "-":
        return EXIT_OK  # stdout is the CSV
    metrics = Metrics(schedule.program(1), net)
    if net.test_samples or metrics.classes:
        runs = {rate: train_and_test(schedule, rate, checkpoints(args.epochs), bulk.TRAINER) for rate in rates}
        curves = {rate: curve for rate, (curve, _) in runs.items()}
        tests = {rate: test for rate, (_, test) in runs.items()}
    else:
        curves, tests = sweep(schedule, rates, args.epochs, trainer=bulk.TRAINER), None
    print(describe(net).rsplit(", lr", 1)[0] + f" — {counted(args.epochs, 'epoch')}")
    print(summary_table(curves, args.epochs, tests))
    if args.plot or (sys.stdout.isatty() and len(rates) > 1):
        print(build_chart({f"lr {format_number(r)}": c for r, c in curves.items()}, 100, 24, color=sys.stdout.isatty(),
                          ascii=ascii_wanted(args)))
        if net.sizes[0] == 2:
            from .app.widgets.boundary import boundary_refusal  # as in plot_boundary: it imports textual

            refusal = boundary_refusal(net)  # one sample, or one class: nothing to separate
            print(refusal or plot_boundary(net, rates[0], args.epochs, bulk.TRAINER))
    if args.save_network is not None:
        print(saved)
    return EXIT_OK


def save_network(schedule: Schedule, rate: float, epochs: int, path: str, trainer: Trainer) -> None:
    """Train `epochs` epochs at `rate` and write the network with the parameters reached (core/loader.py)."""
    from .core.loader import network_text  # as in load

    net = schedule.net.with_start(lr=float(rate))
    env, _ = Schedule(net).train_epochs(trainer, net.start_env(), epochs)
    try:
        trained = net.with_start(weights=tuple(env[w] for w in net.names.weights),
                                 biases=tuple(env[b] for b in net.names.biases))
        text = network_text(trained, path)
    except NetworkError as error:
        raise UsageError(f"{path}: {error}") from None
    with atomic_writer(path, encoding="utf-8") as stream:
        stream.write(text)


def plot_boundary(net: Network, rate: float, epochs: int, trainer: Trainer) -> str:
    """The decision boundary after the last epoch at the first rate, in shades (it reads the same piped);
    `trainer` runs the epochs (core/batches.py)."""
    from .app.widgets.boundary import boundary_text  # only here: the app's widgets import textual

    stepper = Stepper(net.with_start(lr=rate), trainer=trainer)
    stepper.run(epochs)
    title = f"decision boundary after {epochs:,} epochs at lr {format_number(rate)}"
    return title + "\n" + boundary_text(stepper, 72, 20, getattr(net, "test_samples", ()))


def train_and_test(schedule: Schedule, rate: float, marks: list[int], trainer: Trainer) -> tuple[array, dict[int, dict]]:
    """E_total of every epoch up to the last mark, and at each mark what the parameters that epoch starts with
    (those its E_total is computed with, without batches) give: the test samples' E_total ("test") where some
    are held out, and for targets that are classes the accuracy on every training sample ("accuracy") and on
    the test samples ("test accuracy"); `trainer` runs the epochs (core/batches.py)."""
    net, program = schedule.net, schedule.program(1)
    metrics = Metrics(program, net)
    env, curve, tests = dict(net.start_env(), lr=float(rate)), array("d"), {}
    for mark in marks:
        if mark - 1 > len(curve):
            env, losses = schedule.train_epochs(trainer, env, mark - 1 - len(curve), len(curve) + 1)
            curve.extend(losses)
        measured = tests[mark] = {}
        if net.test_samples:
            measured["test"] = program.loss_on(env, net.test_samples)
        if metrics.classes:
            measured["accuracy"] = metrics.accuracy_on(env, net.samples)
            if net.test_samples:
                measured["test accuracy"] = metrics.accuracy_on(env, net.test_samples)
    curve.extend(schedule.train_epochs(trainer, env, 1, len(curve) + 1)[1])
    return curve, tests


def summary_table(curves: dict, epochs: int, tests: dict | None = None) -> str:
    """E_total at the checkpoints, one column per rate; with `tests` (train_and_test's), beside it the test
    samples' E_total and the accuracies each mark measured, a column each per rate."""
    marks = checkpoints(epochs)
    if tests:
        parts = [part for part in ("test", "accuracy", "test accuracy") if part in tests[next(iter(curves))][marks[0]]]
        header = ["epoch"] + [f"lr {format_number(rate)} {label}" for rate in curves for label in ["train", *parts]]
        rows = [[str(mark)] + [format_number(value, 10) for rate, curve in curves.items()
                               for value in (curve[mark - 1], *(tests[rate][mark][part] for part in parts))]
                for mark in marks]
    else:
        header = ["epoch"] + [f"lr {format_number(rate)}" for rate in curves]
        rows = [[str(mark)] + [format_number(curve[mark - 1], 10) for curve in curves.values()] for mark in marks]
    notes = []
    for rate, curve in curves.items():
        diverged = first_divergence(curve)
        if diverged:
            notes.append(f"lr {format_number(rate)} diverged at epoch {diverged} (E_total is no longer a finite number)")
    widths = [max(len(row[n]) for row in [header] + rows) for n in range(len(header))]
    text = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in [header] + rows]
    return "\n".join(text + notes)


def write_csv(schedule: Schedule, rates, epochs: int, path: str, trainer: Trainer) -> None:
    """One row per epoch and rate: epoch, lr, parameters, forward values, E_total, gradients; test_E_total
    (the test samples' E_total with the epoch's starting parameters) when there are test samples; for targets
    that are classes, accuracy (of the row's own forward pass, as its E_total) and test_accuracy (with the
    starting parameters); then each layer's mean |dE_total/dw| (core/metrics.py; numpy's for a run numpy trains).
    With batches, one row per update step, its batch in a column after the epoch (forward values,
    E_total and accuracy are the batch's; a smaller last batch has nan for the samples it lacks).  Trained by
    `trainer`, as the summary is."""
    net, program = schedule.net, schedule.program(1)
    test = net.test_samples
    metrics = Metrics(program, net)
    at = [program.columns.index(p) for p in program.parameters]
    targets = [sample.targets for sample in net.samples]

    def rows():
        for rate in rates:
            for step, row in schedule.rows(trainer, dict(net.start_env(), lr=float(rate)), epochs * schedule.steps_per_epoch):
                epoch, batch = schedule.place(step)
                extra = []
                if test or metrics.classes:
                    env = {p: row[n] for p, n in zip(program.parameters, at)}
                    if test:
                        extra.append(program.loss_on(env, test))
                    if metrics.classes:
                        extra.append(metrics.row_accuracy(row, [targets[k] for k in schedule.members(step)]))
                        if test:
                            extra.append(metrics.accuracy_on(env, test))
                extra += trainer.gradient_means(metrics, row)
                row = [batch, *row] if schedule.batched else list(row)
                yield epoch, row + extra

    columns = (["batch"] * schedule.batched + program.columns + ["test_E_total"] * bool(test)
               + ["accuracy", *["test_accuracy"] * bool(test)] * metrics.classes + gradient_mean_columns(net.depth))
    if path == "-":
        write_rows(sys.stdout, columns, rows())
        return
    with atomic_writer(path, newline="", encoding="utf-8") as stream:
        write_rows(stream, columns, rows())


def write_xlsx(net: Network, rates, epochs: int, path: str) -> None:
    from .sheets.xlsx import ExportError, export_xlsx  # here, as each command's sheets: they cost start-up

    if len(rates) > 1:
        raise UsageError("--xlsx takes one learning rate: the workbook is live, change lr in it")
    try:
        export_xlsx(net.with_start(lr=float(rates[0])), epochs, path)
    except ExportError as error:
        raise UsageError(f"{path}: {error}") from None


# -- check ------------------------------------------------------------------------

def run_check(args) -> int:
    from .sheets.carried import carried_network  # openpyxl and the sheets: as in write_xlsx
    from .sheets.check import REL_TOL, SheetError, check_fitting, check_sheet  # as in write_xlsx
    from .sheets.check_report import render_text

    rel_tol = REL_TOL if args.rel_tol is None else args.rel_tol
    load(args)  # a bad --preset or --config is refused before the sheet is read
    try:
        carried = None if args.config or args.preset else carried_network(args.file)
        if carried is not None:  # a workbook of exercise, x or train --xlsx says which network it is
            report = check_sheet(args.file, carried.with_start(lr=args.lr) if args.lr else carried, rel_tol)
            report = replace(report, note=f"checked against the network the workbook carries, {printable(carried.name)}")
        elif args.config:
            report = check_sheet(args.file, load(args), rel_tol)
        else:  # the sheet may fit another preset than the one named (or the default)
            presets = {name: load(argparse.Namespace(preset=name, lr=args.lr)) for name in PRESETS}
            report = check_fitting(args.file, presets, args.preset or "excel", bool(args.preset), rel_tol)
    except SheetError as error:
        raise UsageError(str(error)) from None
    if args.format == "json":
        # JSON escapes only C0 control characters: the file name and cells it quotes may hold others
        # (U+009B starts an escape sequence too) or undecodable bytes; each is written as its \u escape.
        text = json.dumps(report.as_dict(), indent=1, ensure_ascii=False)
        print("".join(c if c.isprintable() or c == "\n" else json.dumps(c)[1:-1] for c in text))
    else:
        print(render_text(report), end="")
    return EXIT_OK if report.ok else EXIT_MISMATCH


# -- gradcheck ------------------------------------------------------------------------

def run_gradcheck(args) -> int:
    net = load(args)
    tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    schedule = Schedule(net)
    results = check_epochs(schedule, dict(net.start_env(), lr=float(net.start.lr)), args.epochs, tolerance)
    several = args.epochs > 1 or schedule.batched
    table, ok = gradient_table(results, tolerance, epochs=several,
                               label=schedule.label, heading=schedule.label_heading)
    epochs = "epoch 1" if args.epochs == 1 else f"epochs 1–{args.epochs:,}"
    epochs = f"each batch of {epochs}" if schedule.batched else epochs
    print(f"{describe(net)}\nCentral differences (h = {format_number(DEFAULT_STEP)}) at the start of {epochs}:\n")
    print(table, end="")
    wrong = sum(not worst.passed for worst in results)
    print("\nEvery gradient agrees." if ok else f"\n{counted(wrong, 'gradient')} off by more than "
          f"a relative {format_number(tolerance)}.")
    return EXIT_OK if ok else EXIT_MISMATCH


# -- exercise and grade -------------------------------------------------------------

def run_exercise(args) -> int:
    from .sheets.exercise import COURSE_SEED, ExerciseError, read_students, write_exercises  # as in write_xlsx

    net, lesson = load_with_lesson(args)

    def solution(variant: Network, epochs: int) -> str:
        stepper = Stepper(variant)
        start = dict(stepper.values)
        return render_explanation(variant, start, stepper.trace(epochs), None, markdown=True)

    try:
        names = read_students(args.students)
        write_exercises(net, names, args.epochs, args.out, args.seed or COURSE_SEED, solution, lesson)
    except ExerciseError as error:
        raise UsageError(str(error)) from None
    print(f"{len(names)} students: their workbooks and lessons are in {args.out}/students, the key and the worked "
          f"solutions in {args.out}/key")
    return EXIT_OK


def run_grade(args) -> int:
    from .sheets.grade import GradeError, Key, find_key, grade_folder, render_summary, write_table  # as in write_xlsx

    network_given = args.preset or args.config or args.lr
    if args.key and network_given:
        raise UsageError("--key names each student's network; it cannot be combined with --preset, --config or --lr")

    def progress(done: int, total: int) -> None:
        print(f"\rgrading {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)

    try:
        # Without --key or a network, the key `exercise` wrote is looked for beside the folder.
        key_folder = args.key or (None if network_given or not Path(args.folder).is_dir() else find_key(args.folder))
        key = Key(key_folder) if key_folder else None
        report = grade_folder(args.folder, None if key else load(args), key, progress if sys.stderr.isatty() else None)
        paths = write_table(report, args.out or Path(args.folder) / "grades")
    except GradeError as error:
        raise UsageError(str(error)) from None
    hint = None if key else (f"Checked against the network {load(args).name} with the numbers each sheet gives: for "
                             f"an exercise, --key DIR names the folder `exercise --out` wrote (found by itself when "
                             f"it is beside {args.folder}).")
    print(render_summary(report, paths, hint=hint), end="")
    return EXIT_OK


# -- progress ---------------------------------------------------------------------

def run_progress(args) -> int:
    # Only for progress: the tutor's modules cost every other command 10 ms (docs/architecture.md, "Imports").
    from .core.progress import RECORD_NAME, RecordError, read_records, render_table, write_csv
    from .user_data import data_folder

    path = Path(args.path) if args.path else data_folder() / RECORD_NAME
    if not args.path and not path.exists():
        print(f"No progress recorded yet ({printable(str(path))} is made by the first answer the app judges).")
        return EXIT_OK
    try:
        records, problems = read_records(path)
    except RecordError as error:
        raise UsageError(str(error)) from None
    for problem in problems:  # a folder's file that is not a record: one line each, the others still count
        _say(problem)
    if not records:
        if problems:
            raise UsageError(f"{path}: no file in it could be read as a progress record")
        print(f"No progress records (*.json) in {printable(str(path))}.")
        return EXIT_OK
    if args.csv == "-":
        write_csv(sys.stdout, records)
        return EXIT_OK
    if args.csv is not None:
        with atomic_writer(args.csv, newline="", encoding="utf-8") as stream:
            write_csv(stream, records)
    print(f"Progress in {printable(str(path))}\n")
    print(render_table(records), end="")
    return EXIT_OK


# -- the app ----------------------------------------------------------------------

def run_app(args) -> int:
    if args.resume and (args.preset or args.config or args.lr):
        raise UsageError("--resume brings back a whole session; it cannot be combined with --preset, --config or --lr")
    study = network = lesson = None
    if args.resume:
        from .core.session import SessionError, open_study  # only for --resume: sessions cost start-up

        try:
            study = open_study(args.resume, bulk.TRAINER)
        except SessionError as error:
            raise UsageError(str(error)) from None
        lesson = study.lesson
    else:
        network, lesson = load_with_lesson(args, confined=args.served)
    # Importing Textual makes a few hundred thousand objects that live as long as the app, and
    # the collector would walk them over and over while they are made (30–60 ms of start-up on
    # a 2-core machine).  Hold it off until they exist, then freeze them out of its way.
    gc.disable()
    try:
        from .app.main import BackpropApp  # only here: the commands never import textual
    finally:
        gc.freeze()
        gc.enable()

    unknown = BackpropApp.unknown_keys(lesson.hidden_keys) if lesson else []
    if unknown:
        raise UsageError(f"{printable(args.resume or args.config, QUOTED)}: lesson.hidden_keys: {unknown[0]!r} "
                         "is not a key of the app "
                         "(its keys are listed by ? in the app)")
    served = None
    if args.served:
        from .app.served import Served  # only for a served app (serve runs it with --served)

        served = Served(lesson_folder(args.config), Path(args.served_results) if args.served_results else None)
    app = BackpropApp(network, stepper=study and study.stepper, quiz=study and study.quiz, session_path=args.resume,
                      tutor=study and study.tutor, tutoring=bool(study and study.tutoring), lesson=lesson,
                      ladder=args.ladder, record=not args.no_record, ascii=ascii_wanted(args), served=served)
    app.run()
    # App.run() returns normally even when the app crashed; its return code says so.
    if not app.return_code:
        return EXIT_OK
    # Textual has shown the error; the work on screen is kept as at a hang-up, unless a run, an export or a
    # save was changing the stepper in a thread (it may be half-way), or the app was a visitor's (served).
    kept = None if app.running or app.served is not None else app.keep_unsaved_work()
    if kept is not None:
        shown = printable(str(kept))
        print(f"backprop-tui: the app crashed (above); the unsaved work is kept in {shown}: "
              f"backprop-tui --resume {shlex.quote(shown)} brings it back.", file=sys.stderr)
    return EXIT_CRASH


def lesson_folder(config: str | None) -> Path | None:
    """The folder of the network file `config` names, whose network files a served app's `o` offers; None
    for a shipped example (the examples are offered anyway) or no file."""
    from .core.loader import EXAMPLES, network_path  # as in load_with_lesson

    if not config:
        return None
    folder = network_path(config).resolve().parent
    return None if folder == EXAMPLES else folder


# -- serve ------------------------------------------------------------------------

def run_serve(args) -> int:
    if args.lesson and (args.preset or args.config):
        raise UsageError("--lesson names the network to start on; it cannot be combined with --preset or --config")
    if args.lesson:
        args.config = args.lesson
    if args.resume:
        raise UsageError("serve starts every visitor afresh; --resume brings back one person's session")
    _, lesson = load_with_lesson(args, confined=True)  # a bad file is refused here, not in every visitor's tab
    if args.lesson and lesson is None:
        raise UsageError(f"{printable(args.lesson, QUOTED)}: not a lesson (no [lesson] table); --config serves "
                         "a plain network file")
    arguments = [sys.executable, "-m", "tui_backprop", "--served"]
    if args.config:  # by its full path: the apps may not share the server's working folder forever
        from .core.loader import network_path  # as in load_with_lesson

        arguments += ["--config", str(network_path(args.config).resolve())]
    elif args.preset:
        arguments += ["--preset", args.preset]
    if args.lr:
        arguments += ["--lr", repr(_rates(args)[0])]
    if args.results:
        results = Path(args.results).resolve()
        try:
            results.mkdir(parents=True, exist_ok=True)
            probe = results / ".backprop-tui-probe"
            probe.touch()
            probe.unlink()
        except OSError as error:
            raise UsageError(f"--results {printable(args.results, QUOTED)}: cannot write there "
                             f"({error.strerror or error})") from None
        arguments += ["--served-results", str(results)]
    from .app.server import serve  # only for serve: aiohttp and textual-serve cost every other command start-up

    try:
        serve(arguments, host=args.host, port=args.port, max_sessions=args.max_sessions,
              title=f"backprop-tui: {lesson.title}" if lesson else "backprop-tui")
    except OSError as error:  # the port is taken, or the address is not this machine's
        # aiohttp words errno's reason into a sentence of its own; a host name not found has a negative errno
        reason = os.strerror(error.errno) if (error.errno or 0) > 0 else error.strerror or str(error)
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    return EXIT_OK


def ascii_wanted(args) -> bool:
    """--ascii, or a real console (TERM=linux), whose font has neither braille nor rounded corners."""
    return bool(getattr(args, "ascii", False)) or os.environ.get("TERM") == "linux"


def main(argv: list[str] | None = None) -> int:
    clean_up_on_signals()  # a SIGTERM or SIGHUP mid-write leaves no temporary file behind
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit:  # --help or --version has printed: flushed here, where a full disk is told
            _standard_output().flush()
            raise
        if args.command and sys.stdout is None:
            raise UsageError("standard output is closed: there is nowhere to write")
        status = args.handler(args)
        if args.command:
            sys.stdout.flush()  # here, where a full disk can still be reported, not at exit
        return status
    except (UsageError, OutputError) as error:
        _say(str(error))
        return EXIT_USAGE
    except BrokenPipeError:  # `backprop-tui explain | head` is fine
        _silence_stdout()
        return EXIT_OK
    except OSError as error:  # only writing to standard output is left to fail: a full disk
        _silence_stdout()
        _say(f"cannot write to standard output: {error.strerror or error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _say(message: str) -> None:
    """One line on stderr, whatever the message quotes: a control character is shown as its escape."""
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    if sys.stderr is not None:
        print(f"{PROG}: {line}", file=sys.stderr)


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the flush at exit has nothing to fail on."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
