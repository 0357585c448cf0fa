"""Hostile input (issue 18, points 4–8): small or odd input must not cost gigabytes or minutes.

    python bench/bench_hostile.py [--code DIR] [CASE ...]

Each case makes its input in a temporary folder, then runs in a child process of
its own, which prints its wall time and its peak memory (ru_maxrss); the target
is under 300 MB and time linear in what the input holds.  `--code DIR` runs the
children on another checkout's code (e.g. the code before the fix) in the same
session, for a before/after pair.  Each case is paired with a baseline that
never imports the project: reading the same file with the standard library, or
starting Python, so that the ratio says what the project adds.

Cases (default: all):
  xlsx-check     point 4: a 4.9 KB workbook with cells at (3, 1000) and (200000, 1), `check`
  xlsx-grade     point 4: `grade` on a folder holding it
  csv-cells      point 5: a 63 MB CSV sheet of two-character cells, `check`
  csv-epochs     point 5: a sheet of 10,000 and of 100,000 epochs, every cell off, `check`
  data-wide      point 6: a 60 MB data CSV, 99,999 rows × 200 columns, layers [100, 100], `train`
  app-open-wide  point 6: `o` on that network in the app: the longest the screen stops, and esc
  online         point 7: batch = 1 at 2,000, 20,000, 50,000 samples: `train`, `train --csv`, the rate sweep
  app-rates-esc  point 7: `s` then esc in the app: `n` before and after
  session        point 8: two runs of 10,000,000 epochs, saved; the file, saving and loading
  app-open-session  point 8: `o` on that session in the app: the longest the screen stops
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = ("xlsx-check", "xlsx-grade", "csv-cells", "csv-epochs", "data-wide", "app-open-wide", "online",
         "app-rates-esc", "session", "app-open-session")


# -- inputs ----------------------------------------------------------------------------------------
# Made with the standard library and openpyxl only, so that they are the same whichever code is measured.


def xlsx_claims(folder: Path) -> Path:
    """Row 1 `epoch,w1,w2`, row 2 `1,0.15,0.2`, one cell at (3, 1000) and one at (200000, 1): 4.9 KB."""
    import openpyxl

    path = folder / "claims" / "claims.xlsx"
    if not path.exists():
        path.parent.mkdir()
        book = openpyxl.Workbook()
        sheet = book.active
        for column, value in enumerate(("epoch", "w1", "w2"), 1):
            sheet.cell(1, column, value)
        for column, value in enumerate((1, 0.15, 0.2), 1):
            sheet.cell(2, column, value)
        sheet.cell(3, 1000, 0.5)
        sheet.cell(200_000, 1, 0.5)
        book.save(path)
    return path


def csv_cells(folder: Path) -> Path:
    """63 MB of two-character cells, 1,000 a row."""
    path = folder / "cells.csv"
    if not path.exists():
        line = ",".join(["ab"] * 1000) + "\n"
        with path.open("w") as stream:
            for _ in range(63_000_000 // len(line)):
                stream.write(line)
    return path


# The excel preset's columns in `train --csv`'s order, as a student's sheet names them.
EXCEL_COLUMNS = ("epoch lr w1 w2 w3 w4 w5 w6 w7 w8 i1 i2 t1 t2 h1 a_h1 h2 a_h2 o1 a_o1 o2 a_o2 E1 E2 E_total "
                 "dE_total/dw1 dE_total/dw2 dE_total/dw3 dE_total/dw4 dE_total/dw5 dE_total/dw6 dE_total/dw7 "
                 "dE_total/dw8").split()


def csv_epochs(folder: Path, epochs: int) -> Path:
    """A sheet of the excel preset's columns, `epochs` rows, every number 1.5 times what it might be:
    every cell is off.  100,000 epochs are about 62 MB."""
    path = folder / f"epochs-{epochs}.csv"
    if not path.exists():
        rng = random.Random(1)
        with path.open("w") as stream:
            stream.write(",".join(EXCEL_COLUMNS) + "\n")
            for epoch in range(1, epochs + 1):
                cells = [str(epoch)] + [repr(1.5 * rng.uniform(0.1, 0.9)) for _ in EXCEL_COLUMNS[1:]]
                stream.write(",".join(cells) + "\n")
    return path


def data_wide(folder: Path) -> Path:
    """layers [100, 100] over a data CSV of 99,999 rows × 200 columns (60 MB)."""
    path = folder / "wide.toml"
    if not path.exists():
        rng = random.Random(1)
        names = [f"c{n}" for n in range(1, 201)]
        with (folder / "wide.csv").open("w") as stream:
            stream.write(",".join(names) + "\n")
            for _ in range(99_999):
                stream.write(",".join(rng.choice(("1", "0.5", "0", "0.25")) for _ in names) + "\n")
        path.write_text(f'layers = [100, 100]\nsamples = {{ file = "wide.csv", inputs = {json.dumps(names[:100])}, '
                        f'targets = {json.dumps(names[100:])} }}\n')
    return path


def online(folder: Path, count: int) -> Path:
    """A 2-3-1 network learning online (batch = 1) from `count` spiral points."""
    path = folder / f"online-{count}.toml"
    path.write_text(f'name = "online-{count}"\nlayers = [2, 3, 1]\nbatch = 1\n'
                    f'samples = {{ generate = "spiral", count = {count}, seed = 1 }}\n')
    return path


# -- what a child measures ---------------------------------------------------------------------------


def cli(*argv: str) -> str:
    """`backprop-tui ARGV` in this process: its exit status and the first line it wrote to stderr."""
    import contextlib
    import io

    from tui_backprop import cli as command

    err = io.StringIO()
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), contextlib.redirect_stderr(err):
        status = command.main(list(argv))
    said = err.getvalue().strip().splitlines()
    return f"exit {status}" + (f": {said[0][:150]}" if said else "")


def stalls(app_body, network_args: dict | None = None, size=(120, 40)) -> str:
    """Run `app_body(app, pilot, clock)` in the real app; `clock()` is the longest the event loop has not
    run (a 10 ms timer's largest gap), since it was last asked."""
    import asyncio

    from tui_backprop.app.main import BackpropApp
    from tui_backprop.core import PRESETS, Stepper
    from tui_backprop.training import bulk

    app = BackpropApp(**(network_args or {"stepper": Stepper(PRESETS["excel"](), trainer=bulk.train)}))
    gaps = [time.perf_counter(), 0.0]

    def tick():
        now = time.perf_counter()
        gaps[1] = max(gaps[1], now - gaps[0])
        gaps[0] = now

    def clock() -> float:
        tick()
        worst, gaps[1] = gaps[1], 0.0
        return worst

    result = []

    async def main():
        async with app.run_test(size=size) as pilot:
            app.set_interval(0.01, tick)
            await pilot.pause()
            result.append(await app_body(app, pilot, clock))
            if not all(worker.is_finished for worker in app.workers):
                emit(result[0])  # a thread the code before the fix left running: the app would wait for it

    asyncio.run(main())
    return result[0]


async def type_path(pilot, text: str) -> None:
    pilot.app.focused.value = text
    await pilot.press("enter")


async def wait_until(pilot, done, limit: float = 600.0) -> float:
    start = time.perf_counter()
    while not done() and time.perf_counter() - start < limit:
        await pilot.pause(0.05)
    return time.perf_counter() - start


def app_open(path: Path, stop_after: float | None = None):
    """`o` PATH: the longest stall of the screen until the file is open or refused (or, with `stop_after`,
    until esc, pressed that many seconds in, has stopped the loading)."""

    async def body(app, pilot, clock):
        from tui_backprop.app.widgets.screens import PromptScreen

        stepper = app.stepper
        await pilot.press("o")
        await pilot.pause()
        clock()
        start = time.perf_counter()
        await type_path(pilot, str(path))
        if stop_after is not None:
            await pilot.pause(stop_after)
            await pilot.press("escape")
        # The code before the fix opened the file in the key's handler: done when the press returns.
        await wait_until(pilot, lambda: all(worker.is_finished for worker in app.workers))
        await pilot.pause()
        took = time.perf_counter() - start
        error = str(app.screen.query_one("#error").render()).strip() if isinstance(app.screen, PromptScreen) else ""
        what = "opened" if app.stepper is not stepper else (error[:100] or "stopped")
        return f"{what}; {took:.1f} s, the screen stopped for at most {clock() * 1000:,.0f} ms"

    return body


def rates_then_escape(path: Path):
    """`n` five times (median), then `s`, esc, and `n` five times again."""

    async def body(app, pilot, clock):
        import statistics

        async def presses():
            times = []
            for _ in range(5):
                start = time.perf_counter()
                await pilot.press("n")
                await pilot.pause()
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        before = await presses()
        await pilot.press("s")
        await pilot.pause(0.5)
        await pilot.press("escape")
        await pilot.pause(0.5)
        after = await presses()
        running = [w.name for w in app.workers if not w.is_finished]
        return f"n {before * 1000:.0f} ms before s, {after * 1000:.0f} ms after s and esc; still running: {running}"

    return body


def child(case: str, folder: Path, argument: str) -> str:
    """Run one case here; what it printed, in a word."""
    if case == "baseline-python":
        return "python started"
    if case == "baseline-csv":  # read the file as CSV with the standard library
        import csv

        with open(argument, newline="", encoding="utf-8") as stream:
            rows = sum(1 for _ in csv.reader(stream))
        return f"{rows:,} rows read"
    if case == "baseline-xlsx":  # unpack every part of the workbook
        import zipfile

        with zipfile.ZipFile(argument) as book:
            size = sum(len(book.read(name)) for name in book.namelist())
        return f"{size:,} bytes unpacked"
    if case == "check":
        return cli("check", argument, "--preset", "excel")
    if case == "grade":
        return cli("grade", argument, "--preset", "excel", "--out", str(folder / "grades"))
    if case == "train":
        return cli("train", "--config", argument, "--epochs", "1")
    if case == "train-csv":
        return cli("train", "--config", argument, "--epochs", "1", "--csv", str(folder / "out.csv"))
    if case == "sweep":  # what the rate view runs for one epoch at each of its six rates
        from tui_backprop.core import load_network
        from tui_backprop.core.batches import Schedule
        from tui_backprop.training import bulk
        from tui_backprop.training.sweep import SEED_RATES, sweep

        sweep(Schedule(load_network(argument)), SEED_RATES, 1, train=bulk.train)
        return "swept 6 rates, 1 epoch each"
    if case == "session-save":
        from tui_backprop.core import PRESETS, Stepper
        from tui_backprop.core.quiz import Quiz
        from tui_backprop.core.session import save_study
        from tui_backprop.training import bulk

        stepper = Stepper(PRESETS["excel"](), trainer=bulk.train)
        start = time.perf_counter()
        stepper.run(10_000_000)
        stepper.run(10_000_000)
        ran = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        save_study(argument, stepper, Quiz())
        saved = time.perf_counter() - start
        return (f"ran 2 × 10,000,000 epochs in {ran:.0f} s (peak {peak:,.0f} MB so far); saved in {saved:.1f} s, "
                f"{os.path.getsize(argument) / 1e6:,.0f} MB")
    if case == "session-load":
        from tui_backprop.core.session import load_study
        from tui_backprop.training import bulk

        stepper, _ = load_study(argument, bulk.train)
        return f"loaded {len(stepper.history):,} epochs"
    if case == "app-open":
        return stalls(app_open(Path(argument)))
    if case == "app-open-esc":
        return stalls(app_open(Path(argument), stop_after=1.0))
    if case == "app-rates-esc":
        from tui_backprop.core import Stepper, load_network
        from tui_backprop.training import bulk

        return stalls(rates_then_escape(Path(argument)),
                      {"stepper": Stepper(load_network(argument), trainer=bulk.train)})
    raise SystemExit(f"unknown case {case}")


STARTED = [time.perf_counter()]  # when a child's case began (after its imports)


def emit(said: str) -> None:
    """A child's last word: its time, its peak memory and what it said; then it ends, at once."""
    took = time.perf_counter() - STARTED[0]
    print(json.dumps([took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, said]), flush=True)
    os._exit(0)


def run_child(code: Path, case: str, folder: Path, argument: str = "") -> tuple[float, float, str]:
    """(seconds, peak MB, what it said) of one case in a fresh process on `code`."""
    out = subprocess.run([sys.executable, __file__, "--child", case, str(folder), argument, "--code", str(code)],
                         capture_output=True, text=True, cwd=folder)
    if out.returncode:
        return 0.0, 0.0, f"the child failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}"
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def report(label: str, measured, baseline=None) -> None:
    seconds, peak, said = measured
    line = f"  {label}: {seconds:.2f} s, peak {peak:,.0f} MB — {said}"
    if baseline is not None and baseline[0] > 0:
        line += f"  [baseline {baseline[0]:.2f} s, {baseline[1]:,.0f} MB: {seconds / baseline[0]:.1f}× its time]"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*", choices=(*CASES, []), metavar="CASE")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose code the children run")
    parser.add_argument("--samples", type=int, nargs="+", default=[2_000, 20_000, 50_000],
                        help="the sample counts of `online` (the code before the fix takes 12 min an epoch at 50,000)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    code = args.code.resolve()
    if args.child:
        sys.path.insert(0, str(code))
        case, folder, argument = args.child
        STARTED[0] = time.perf_counter()
        emit(child(case, Path(folder), argument))
    print(f"code: {code}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        python = run_child(code, "baseline-python", folder)
        print(f"baseline: python starting and stopping: {python[0]:.2f} s, peak {python[1]:.0f} MB")
        for case in args.cases or CASES:
            print(case, flush=True)
            if case in ("xlsx-check", "xlsx-grade"):
                path = xlsx_claims(folder)
                target = path if case == "xlsx-check" else path.parent
                report(f"{case.split('-')[1]} {target.name} ({path.stat().st_size / 1e3:.1f} KB)",
                       run_child(code, case.split("-")[1], folder, str(target)),
                       run_child(code, "baseline-xlsx", folder, str(path)))
            elif case == "csv-cells":
                path = csv_cells(folder)
                report(f"check {path.name} ({path.stat().st_size / 1e6:.0f} MB)", run_child(code, "check", folder, str(path)),
                       run_child(code, "baseline-csv", folder, str(path)))
            elif case == "csv-epochs":
                for epochs in (10_000, 100_000):
                    path = csv_epochs(folder, epochs)
                    report(f"check {path.name} ({path.stat().st_size / 1e6:.0f} MB)",
                           run_child(code, "check", folder, str(path)), run_child(code, "baseline-csv", folder, str(path)))
            elif case == "data-wide":
                path = data_wide(folder)
                size = (folder / "wide.csv").stat().st_size / 1e6
                report(f"train --config {path.name} ({size:.0f} MB of data)", run_child(code, "train", folder, str(path)),
                       run_child(code, "baseline-csv", folder, str(folder / "wide.csv")))
            elif case == "app-open-wide":
                path = data_wide(folder)
                report(f"o {path.name}", run_child(code, "app-open", folder, str(path)))
            elif case == "online":
                for count in args.samples:
                    path = online(folder, count)
                    for what in ("train", "train-csv", "sweep"):
                        report(f"{what} {path.name}, 1 epoch", run_child(code, what, folder, str(path)))
            elif case == "app-rates-esc":
                path = online(folder, 20_000)
                report(f"s, esc on {path.name}", run_child(code, "app-rates-esc", folder, str(path)))
            elif case in ("session", "app-open-session"):
                path = folder / "long.backprop"
                if not path.exists():
                    report("run and ctrl+s", run_child(code, "session-save", folder, str(path)))
                if case == "session":
                    report(f"load {path.name}", run_child(code, "session-load", folder, str(path)))
                else:
                    report(f"o {path.name}", run_child(code, "app-open", folder, str(path)))


if __name__ == "__main__":
    main()
