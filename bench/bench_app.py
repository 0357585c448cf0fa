"""App benchmarks (issue 3): start-up to first frame, and keypress to updated screen.

    python bench/bench_app.py

1. Process start to first frame, `backprop-tui` against a bare Textual app started
   the same way (a fresh Python process each, headless, exiting right after the
   first refresh); best of several runs.  Target: ratio ≤ 1.3.
2. Keypress to updated screen for next / previous under Pilot: from the moment
   Pilot sends the key until the screen has finished drawing the frame that shows
   its effect (the screen's compositor refresh is timed from inside the app, since
   Pilot's own waits add a fixed ~80 ms of polling to any app, a bare one included).
   Target: median < 16 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 11

BARE = """
from textual.app import App
from textual.widgets import Footer, Static
class Bare(App):
    def compose(self):
        yield Static("hello")
        yield Footer()
    def on_mount(self):
        self.call_after_refresh(self.exit)
Bare().run(headless=True, size=(120, 40))
"""

OURS = """
from pathlib import Path
from tui_backprop.app import main
from tui_backprop.app.main import BackpropApp
class FirstFrame(BackpropApp):
    # A class defined in -c has no file for Textual to find app.tcss beside.
    CSS_PATH = str(Path(main.__file__).parent / BackpropApp.CSS_PATH)
    def on_mount(self):
        self.call_after_refresh(self.exit)
FirstFrame().run(headless=True, size=(120, 40))
"""


def process_times(*sources: str) -> list[float]:
    """Best of RUNS for each source, run in turns so that a busy moment hits both alike."""
    best = [float("inf")] * len(sources)
    for _ in range(RUNS):
        for n, source in enumerate(sources):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", source], cwd=ROOT, check=True)
            best[n] = min(best[n], time.perf_counter() - start)
    return best


async def keypress_latencies(presses: int = 200) -> dict[str, list[float]]:
    sys.path.insert(0, str(ROOT))
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.core import PRESETS

    app = BackpropApp(PRESETS["mazur"]())
    times: dict[str, list[float]] = {"n": [], "p": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        drawn: list[float] = []
        screen = app.screen
        refresh = screen._compositor_refresh

        def timed_refresh() -> None:
            refresh()
            drawn.append(time.perf_counter())

        screen._compositor_refresh = timed_refresh
        for key in ["n"] * presses + ["p"] * presses:
            drawn.clear()
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            times[key].append(drawn[0] - start)
    return times


def main() -> None:
    bare, ours = process_times(BARE, OURS)
    print(f"start-up to first frame (best of {RUNS}, in turns, headless, 120×40)")
    print(f"  bare Textual app   {bare * 1000:7.0f} ms")
    print(f"  backprop-tui       {ours * 1000:7.0f} ms")
    print(f"  ratio              {ours / bare:7.2f}×   (target ≤ 1.3×)")
    times = asyncio.run(keypress_latencies())
    print("keypress to updated screen (Pilot, 120×40, mazur, 200 presses each)")
    for key, name in (("n", "next"), ("p", "previous")):
        values = sorted(times[key])
        print(f"  {name:<9} median {statistics.median(values) * 1000:6.2f} ms   "
              f"p90 {values[int(len(values) * 0.9)] * 1000:6.2f} ms   (target median < 16 ms)")


if __name__ == "__main__":
    main()
