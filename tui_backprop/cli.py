"""The command line: open the app, explain an epoch, train, check a sheet.

`explain`, `train` and `check` never import textual: scripts and tests call them,
and they should start as fast as Python does.

Exit status: 0 success, 1 `check` found a wrong cell, 2 bad arguments or
input, 3 the app crashed.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys

from .core import PRESETS, Network, NetworkError, Stepper, build_program
from .core.expr import format_number
from .core.sweep import SEED_RATES, checkpoints, first_divergence, sweep
from .core.files import OutputError, atomic_writer, clean_up_on_signals
from .worked import describe, render_explanation, step_document, write_rows

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3
PROG = "backprop-tui"
# A run of train is refused past this: 10 million epochs of a small network take minutes already.
MAX_TRAIN_EPOCHS = 10_000_000
# explain prints every operation, some 250-450 bytes each and an object per operation held until printed:
# past this the output would reach a hundred MB and the process several hundred.
MAX_EXPLAIN_OPERATIONS = 250_000


class UsageError(Exception):
    """Bad arguments or input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the whole usage; one line is enough
        raise UsageError(f"{message} (see {self.prog} --help)")


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


_positive_rate = _argument(float, lambda x: math.isfinite(x) and x > 0, "learning rate must be a positive finite number")
_positive_int = _argument(int, lambda n: n >= 1, "must be a whole number of at least 1")
_digits = _argument(int, lambda n: 1 <= n <= 17, "significant digits are a whole number from 1 to 17")
_tolerance = _argument(float, lambda x: math.isfinite(x) and 0 <= x < 1,
                       "a relative tolerance is a number from 0 to below 1")


CHECK_EPILOG = """\
Columns may come in any order, any subset of them.  Case, spaces, _ - . ( ) and
the marks ∂ 𝟃 δ are ignored, and so is the d of a derivative, so these all work:
  lr: η, eta, learning rate, alpha      i1: x1      t1: target1      o1: y1
  a_h1: out_h1, h1out, H1out; a_o1: out_o1, y1out
  E_total: E, E_tot, Etot, E_Total, loss
  dE_total/dw1: ∂E/∂w1, dE/dw1, E_total/w1, ∂E_total/∂w1 (and so for every symbol)
  epoch (or iteration, iter, row, step, #): numbers the rows; without it they are epochs 1, 2, 3, ...
The header is the first row naming two known columns, so a title may sit above it.
Exit status: 0 every cell is right, 1 a cell is wrong, 2 the file cannot be read."""


def _network_options(parser: argparse.ArgumentParser, several_rates: bool = False) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME", help=f"a built-in network: {', '.join(PRESETS)} (default: excel)")
    source.add_argument("--config", metavar="FILE", help="a network file (TOML or JSON, see examples/)")
    if several_rates:
        parser.add_argument("--lr", metavar="X", type=_positive_rate, nargs="+", action="extend",
                            help="learning rate; several values train one curve each (a sweep)")
    else:
        parser.add_argument("--lr", metavar="X", type=_positive_rate, help="learning rate (default: the network's)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Step through backpropagation one operation at a time.",
                     epilog="Without a command, opens the app.  Exit status: 0 ok, 1 check found a mistake, "
                            "2 bad arguments or input, 3 the app crashed.")
    _network_options(parser)
    parser.add_argument("--resume", metavar="FILE", help="reopen a saved session")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    explain = commands.add_parser("explain", help="print the worked solution of the first epochs")
    _network_options(explain)
    explain.add_argument("--epochs", type=_positive_int, default=1, metavar="N", help="how many epochs (default 1)")
    explain.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    explain.add_argument("--digits", type=_digits, default=None, metavar="D",
                         help="significant digits in text and markdown (default: full precision)")
    explain.set_defaults(handler=run_explain)

    train = commands.add_parser("train", help="train on the fast path; summary, CSV, or a learning-rate sweep")
    _network_options(train, several_rates=True)
    train.add_argument("--epochs", type=_positive_int, required=True, metavar="N")
    train.add_argument("--sweep", action="store_true", help=f"compare the rates {' '.join(map(str, SEED_RATES))}")
    train.add_argument("--csv", metavar="FILE", help="one row per epoch in the spreadsheet layout ('-' for stdout)")
    train.add_argument("--plot", action="store_true", help="draw the loss chart even when stdout is not a terminal")
    train.add_argument("--xlsx", metavar="FILE",
                       help="the same rows as a workbook of live formulas: change a weight or lr and it recomputes")
    train.set_defaults(handler=run_train)

    check = commands.add_parser(
        "check", help="check a spreadsheet of the exercise: every wrong cell, and where each mistake starts",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=CHECK_EPILOG)
    _network_options(check)
    check.add_argument("file", metavar="FILE", help="a CSV or XLSX sheet: a header of symbols, one row per epoch")
    check.add_argument("--rel-tol", type=_tolerance, default=None, metavar="T",
                       help="relative tolerance (default 1e-4); a value printed with fewer digits is "
                            "compared at its own precision")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=run_check)

    parser.set_defaults(handler=run_app)
    return parser


def load(args) -> Network:
    """The network the options name, with --lr applied."""
    preset = getattr(args, "preset", None)
    config = getattr(args, "config", None)
    if config:
        from .core.loader import load_network  # here, so that the app starts without a TOML parser

        try:
            net = load_network(config)
        except NetworkError as error:
            raise UsageError(f"{config}: {error}") from None
    else:
        name = preset or "excel"
        if name not in PRESETS:
            raise UsageError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
        net = PRESETS[name]()
    rate = getattr(args, "lr", None)
    if isinstance(rate, list):
        rate = rate[0] if len(rate) == 1 else None
    return net.with_changes(lr=rate) if rate else net


# -- explain ------------------------------------------------------------------

def run_explain(args) -> int:
    net = load(args)
    stepper = Stepper(net)
    per_epoch = len(stepper.quantities)
    if per_epoch * args.epochs > MAX_EXPLAIN_OPERATIONS:
        raise UsageError(f"explain --epochs {args.epochs:,} would print {per_epoch * args.epochs:,} operations "
                         f"({per_epoch:,} an epoch); it prints at most {MAX_EXPLAIN_OPERATIONS:,} "
                         f"(train --csv writes one row per epoch instead)")
    start = dict(stepper.values)
    steps = stepper.trace(args.epochs)
    if args.format == "json":
        document = {"network": describe(net), "start": start, "steps": [step_document(step) for step in steps]}
        print(json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False))
    else:
        print(render_explanation(net, start, steps, args.digits, markdown=args.format == "markdown"), end="")
    return EXIT_OK


# -- train ----------------------------------------------------------------------

def run_train(args) -> int:
    if args.epochs > MAX_TRAIN_EPOCHS:
        raise UsageError(f"train runs at most {MAX_TRAIN_EPOCHS:,} epochs at a time, not {args.epochs:,}")
    net = load(args)
    rates = list(args.lr or [])
    if args.sweep:
        rates += [rate for rate in SEED_RATES if rate not in rates]
    rates = rates or [net.lr]
    program = build_program(net)
    if args.xlsx is not None:
        write_xlsx(net, rates, args.epochs, args.xlsx)
    if args.csv is not None:
        write_csv(program, net, rates, args.epochs, args.csv)
    if args.csv == "-":
        return EXIT_OK  # stdout is the CSV
    curves = sweep(program, rates, args.epochs)
    print(describe(net).rsplit(", lr", 1)[0] + f" — {args.epochs} epochs")
    print(summary_table(curves, args.epochs))
    if args.plot or (sys.stdout.isatty() and len(rates) > 1):
        from .chart import build_chart

        print(build_chart({f"lr {format_number(r)}": c for r, c in curves.items()}, 100, 24, color=sys.stdout.isatty()))
    return EXIT_OK


def summary_table(curves: dict, epochs: int) -> str:
    marks = checkpoints(epochs)
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


def write_csv(program, net: Network, rates, epochs: int, path: str) -> None:
    """One row per epoch and rate: epoch, lr, parameters, forward values, E_total, gradients."""
    width = len(program.columns)

    def rows():
        for rate in rates:
            env, done = dict(net.start_env(), lr=float(rate)), 0
            while done < epochs:
                count = min(10_000, epochs - done)
                env, out = program.run(env, count, "row")
                for k in range(count):
                    yield done + k + 1, out[k * width:(k + 1) * width]
                done += count

    if path == "-":
        write_rows(sys.stdout, program.columns, rows())
        return
    with atomic_writer(path, newline="", encoding="utf-8") as stream:
        write_rows(stream, program.columns, rows())


def write_xlsx(net: Network, rates, epochs: int, path: str) -> None:
    from .sheets.xlsx import ExportError, export_xlsx

    if len(rates) > 1:
        raise UsageError("--xlsx takes one learning rate: the workbook is live, change lr in it")
    try:
        export_xlsx(net.with_changes(lr=float(rates[0])), epochs, path)
    except ExportError as error:
        raise UsageError(f"{path}: {error}") from None


# -- check ------------------------------------------------------------------------

def run_check(args) -> int:
    from .sheets.check import REL_TOL, SheetError, check_sheet, render_text

    net = load(args)
    try:
        report = check_sheet(args.file, net, REL_TOL if args.rel_tol is None else args.rel_tol)
    except SheetError as error:
        raise UsageError(str(error)) from None
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
    else:
        print(render_text(report), end="")
    return EXIT_OK if report.ok else EXIT_MISMATCH


# -- the app ----------------------------------------------------------------------

def run_app(args) -> int:
    if args.resume and (args.preset or args.config or args.lr):
        raise UsageError("--resume brings back a whole session; it cannot be combined with --preset, --config or --lr")
    stepper = quiz = None
    if args.resume:
        from .core.session import SessionError, load_study

        try:
            stepper, quiz = load_study(args.resume)
        except SessionError as error:
            raise UsageError(str(error)) from None
    network = None if stepper else load(args)
    # Importing Textual makes a few hundred thousand objects that live as long as the app, and
    # the collector would walk them over and over while they are made (30–60 ms of start-up on
    # a 2-core machine).  Hold it off until they exist, then freeze them out of its way.
    gc.disable()
    try:
        from .app.main import BackpropApp
    finally:
        gc.freeze()
        gc.enable()

    app = BackpropApp(network, stepper=stepper, quiz=quiz, session_path=args.resume)
    app.run()
    # App.run() returns normally even when the app crashed; its return code says so.
    return EXIT_CRASH if app.return_code else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    clean_up_on_signals()  # a SIGTERM or SIGHUP mid-write leaves no temporary file behind
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
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
