"""The command line: open the app, explain an epoch, train, check a sheet, check the gradients.

`explain`, `train` and `check` never import textual: scripts and tests call them,
and they should start as fast as Python does.

Exit status: 0 success, 1 `check` found a wrong cell or `gradcheck` a gradient
off, 2 bad arguments or input, 3 the app crashed.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import math
import sys

from .core import PRESETS, Network, NetworkError, Stepper, build_program
from .core.expr import format_number
from .core.sweep import SEED_RATES, checkpoints, first_divergence, sweep
from .core.files import OutputError, atomic_writer
from .worked import counted, describe, gradient_table, render_explanation, write_rows

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3
PROG = "backprop-tui"
# `explain` refuses to write more than this without --force: 100,000 epochs were 889 MB and 3 minutes.
LARGE_OUTPUT = 100 * 10**6


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


def _network_options(parser: argparse.ArgumentParser, several_rates: bool = False, main: bool = False) -> None:
    """--preset, --config and --lr, on the main parser and again on each command.

    Only the main parser has defaults: a command's copy records an option only when it is
    given after the command, so `backprop-tui --preset xor explain` keeps xor.
    """
    default = None if main else argparse.SUPPRESS
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME", default=default,
                        help=f"a built-in network: {', '.join(PRESETS)} (default: excel)")
    source.add_argument("--config", metavar="FILE", default=default, help="a network file (TOML or JSON, see examples/)")
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    explain = commands.add_parser("explain", help="print the worked solution of the first epochs")
    _network_options(explain)
    explain.add_argument("--epochs", type=_positive_int, default=1, metavar="N", help="how many epochs (default 1)")
    explain.add_argument("--format", choices=("text", "markdown", "json"), default="text")
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

    gradcheck = commands.add_parser(
        "gradcheck", help="compare every gradient of the backward pass with central differences of E_total")
    _network_options(gradcheck)
    gradcheck.add_argument("--epochs", type=_positive_int, default=1, metavar="N",
                           help="check at the start of each of the first N epochs (default 1); the table shows "
                                "each parameter's worst")
    gradcheck.add_argument("--tolerance", type=_tolerance, default=None, metavar="T",
                           help="relative error allowed (default 1e-5; a tiny gradient may also differ by rounding)")
    gradcheck.set_defaults(handler=run_gradcheck)

    parser.set_defaults(handler=run_app)
    return parser


def _rates(args) -> list[float]:
    """Every --lr given, before or after the command (one before it, several after `train`)."""
    rate = getattr(args, "lr", None)
    return rate if isinstance(rate, list) else [rate] if rate else []


def load(args) -> Network:
    """The network the options name, with --lr applied."""
    preset = getattr(args, "preset", None)
    config = getattr(args, "config", None)
    if preset and config:  # one on each side of the command: argparse sees each alone
        raise UsageError("--preset and --config both name a network; give one of them")
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
    rates = _rates(args)
    return net.with_changes(lr=rates[0]) if len(rates) == 1 else net


# -- explain ------------------------------------------------------------------

def run_explain(args) -> int:
    net = load(args)
    stepper = Stepper(net)
    start = dict(stepper.values)
    if args.epochs > 1 and not args.force:
        # Every epoch writes about as much as the first: refuse before minutes of work, not after.
        first = io.StringIO()
        _write_explanation(first, net, start, Stepper(net).steps(1), args)
        size = len(first.getvalue().encode()) * args.epochs
        if size > LARGE_OUTPUT:
            raise UsageError(f"{counted(args.epochs, 'epoch')} of explanation come to about "
                             f"{format_number(size / 10**6, 3)} MB; add --force to write them, or ask for fewer --epochs")
    _write_explanation(sys.stdout, net, start, stepper.steps(args.epochs), args)
    return EXIT_OK


def _write_explanation(out, net: Network, start: dict, steps, args) -> None:
    if args.format == "json":
        # One step a line, each by the C encoder: a large network's epoch has hundreds of thousands.
        head = json.dumps({"network": describe(net), "start": start}, ensure_ascii=False)
        out.write(head[:-1] + ', "steps": [\n')
        for n, step in enumerate(steps):
            out.write(("," if n else "") + json.dumps(step.as_dict(), ensure_ascii=False) + "\n")
        out.write("]}\n")
    else:
        out.write(render_explanation(net, start, steps, args.digits, markdown=args.format == "markdown"))


# -- train ----------------------------------------------------------------------

def run_train(args) -> int:
    net = load(args)
    rates = list(_rates(args))
    if args.sweep:
        rates += [rate for rate in SEED_RATES if rate not in rates]
    rates = rates or [net.lr]
    program = build_program(net)
    if args.xlsx:
        write_xlsx(net, rates, args.epochs, args.xlsx)
    if args.csv:
        write_csv(program, net, rates, args.epochs, args.csv)
    if args.csv == "-":
        return EXIT_OK  # stdout is the CSV
    from . import bulk  # numpy, for large networks: after the lines that need no numpy

    curves = sweep(program, rates, args.epochs, train=bulk.train)
    print(describe(net).rsplit(", lr", 1)[0] + f" — {counted(args.epochs, 'epoch')}")
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


# -- gradcheck ------------------------------------------------------------------------

def run_gradcheck(args) -> int:
    from .core.gradcheck import DEFAULT_STEP, DEFAULT_TOLERANCE, check_epochs

    net = load(args)
    tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    program = build_program(net)
    results = check_epochs(program, dict(net.start_env(), lr=float(net.lr)), args.epochs, tolerance)
    table, ok = gradient_table(results, tolerance, epochs=args.epochs > 1)
    epochs = "epoch 1" if args.epochs == 1 else f"epochs 1–{args.epochs:,}"
    print(f"{describe(net)}\nCentral differences (h = {format_number(DEFAULT_STEP)}) at the start of {epochs}:\n")
    print(table, end="")
    wrong = sum(not worst.passed for worst in results)
    print("\nEvery gradient agrees." if ok else f"\n{counted(wrong, 'gradient')} off by more than "
          f"a relative {format_number(tolerance)}.")
    return EXIT_OK if ok else EXIT_MISMATCH


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
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.handler(args)
    except (UsageError, OutputError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `backprop-tui explain | head` is fine
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
