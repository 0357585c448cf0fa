"""`backprop-tui serve` under a class (issue 21): 40 visitors opened in turn on loopback, each stepped.

    python bench/bench_serve.py [VISITORS]

Starts the server on a free port of 127.0.0.1 (never another address) with --results, then for each visitor in
turn: opens textual-serve's websocket as a browser's page does, waits for the app's first screen (the start time
of a visitor's app: from the websocket opening to the screen drawn), gives a name (some of them hostile: `../`,
markup, one name twice), presses n five times and waits for the fifth step.  With every visitor still connected it prints each app's memory (resident, and unique: what one more
visitor costs the machine, the libraries' pages shared or not) and the server's, then closes every tab, checks
that every app has ended, and stops the server with Ctrl+C.  The baseline, in the same run: a bare Python
process's memory (`python -c pass`), which every app process pays as well.  Bounded: every wait has a timeout,
and the whole run stops itself after MAX_SECONDS.
"""

from __future__ import annotations

import asyncio
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

import aiohttp  # noqa: E402
import psutil  # noqa: E402

from tui_backprop.core import PRESETS, Stepper  # noqa: E402

from serve_driver import ServeProcess, Visitor, wait_until  # noqa: E402

VISITORS = 40
NAMES = ["Ada", "../../etc/passwd", "[b]bold[/b]", "<script>", "Ada", "..", "con", "/tmp/x"]
STEPS = 5
MAX_SECONDS = 900


def megabytes(count: int) -> float:
    return count / 2**20


def bare_python() -> tuple[float, float]:
    """Resident and unique MB of a Python process that has started and does nothing."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.5)
        info = psutil.Process(process.pid).memory_full_info()
        return megabytes(info.rss), megabytes(info.uss)
    finally:
        process.kill()
        process.wait()


async def visit_all(server: ServeProcess, visitors: int, results: Path) -> list[float]:
    stepper = Stepper(PRESETS["mazur"]())
    for _ in range(STEPS):
        stepper.next()
    shown = f"forward {stepper.position}/{stepper.operations_left('phase') + stepper.position}"  # the panel's place
    starts = []
    async with aiohttp.ClientSession() as session:
        tabs = []
        try:
            for number in range(visitors):
                tab = Visitor(session, server.url)
                opened = time.perf_counter()
                await tab.__aenter__()
                tabs.append(tab)
                await tab.wait_for("Your name, for your teacher's results", within=60)
                starts.append(time.perf_counter() - opened)
                await tab.press(NAMES[number % len(NAMES)] + "\r")
                await asyncio.sleep(0.3)  # the prompt closing: keys pressed before then would go to it
                for _ in range(STEPS):
                    await tab.press("n")
                await tab.wait_for(shown, within=60)
                print(f"\rvisitor {number + 1}/{visitors}: first screen in {starts[-1]:.2f} s", end="", flush=True)
            print()
            apps = server.apps()
            memory = [app.memory_full_info() for app in apps]
            rss = [megabytes(info.rss) for info in memory]
            uss = [megabytes(info.uss) for info in memory]
            host = psutil.Process(server.process.pid).memory_full_info()
            python_rss, python_uss = bare_python()
            print(f"{len(apps)} visitors' apps, each stepped {STEPS} times:")
            print(f"  an app: resident median {statistics.median(rss):.1f} MB (max {max(rss):.1f}), unique median "
                  f"{statistics.median(uss):.1f} MB (max {max(uss):.1f})")
            print(f"  baseline, a bare Python process: resident {python_rss:.1f} MB, unique {python_uss:.1f} MB; an app is "
                  f"{statistics.median(uss) / python_uss:.1f}× its unique memory")
            print(f"  the server: resident {megabytes(host.rss):.1f} MB; all together: resident "
                  f"{sum(rss) + megabytes(host.rss):.0f} MB, unique {sum(uss) + megabytes(host.uss):.0f} MB")
            print(f"  a visitor's app, websocket opened to first screen: median {statistics.median(starts):.2f} s, "
                  f"first {starts[0]:.2f} s, last {starts[-1]:.2f} s, slowest {max(starts):.2f} s")
            files = sorted(results.iterdir())
            print(f"  --results: {len(files)} records, all in the folder: {all(path.parent == results for path in files)}; "
                  f"e.g. {', '.join(path.name for path in files[:6])}")
        finally:
            for tab in tabs:
                await tab.__aexit__(None, None, None)
    return starts


def main() -> None:
    visitors = int(sys.argv[1]) if len(sys.argv) > 1 else VISITORS
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "results"
        server = ServeProcess(["--preset", "mazur", "--max-sessions", str(visitors), "--results", str(results)],
                              Path(folder))
        try:
            asyncio.run(asyncio.wait_for(visit_all(server, visitors, results), MAX_SECONDS))
            outside = sorted(path.name for path in Path(folder).iterdir() if path != results)
            print(f"  beside the results folder: {outside or 'nothing'}")
            ended = wait_until(lambda: not server.apps(), 60)
            print(f"every tab closed: {'every app ended' if ended else f'{len(server.apps())} apps left running'}")
        finally:
            status = server.stop(signal.SIGINT)
            print(f"Ctrl+C: the server exited with status {status}")


if __name__ == "__main__":
    main()
