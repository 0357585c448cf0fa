"""App benchmarks (issue 3): start-up to first frame, and keypress to updated screen.

    python bench/bench_app.py

1. Process start to first frame: the installed `backprop-tui`, exactly as a student
   starts it, against a bare Textual app (a Static and a Footer) started the same
   way; each in a pseudo-terminal of 120×40, timed from starting the process until
   the terminal has received a whole first frame (the text it must show, then the
   Footer's last word on the bottom line).  Both byte-compiled; run in turns; the
   median of each run's ratio to the bare run beside it, and the ratio of the best
   runs.  Target: ratio ≤ 1.3.
2. Keypress to updated screen for next / previous under Pilot: from the moment
   Pilot sends the key until the screen has finished drawing the frame that shows
   its effect (the screen's compositor refresh is timed from inside the app, since
   Pilot's own waits add a fixed ~80 ms of polling to any app, a bare one included).
   Target: median < 16 ms.
3. `n` held down: key events queued at once, as auto-repeat queues them; the time
   per press until all are stepped and drawn, against the 30–40 ms between a
   keyboard's repeats (faster than that, holding `n` never lags).
4. The decision boundary's redraw as `r` runs (about 50 a run), with every hidden
   neuron's picture beside the output's (playground-spiral, 2-8-8-1, at 120×40),
   against the output's picture alone filling the same panel (as it was drawn
   before the neurons' pictures), in turns in the same app.

    python bench/bench_app.py boundary     (4 alone)
"""

from __future__ import annotations

import asyncio
import compileall
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 21
COMMAND = Path(sys.executable).parent / "backprop-tui"  # the console script pip installed
sys.path.insert(0, str(ROOT))  # the checkout's package, for the in-process benchmarks

BARE = """
from textual.app import App
from textual.widgets import Footer, Static
class Bare(App):
    def compose(self):
        yield Static("hello")
        yield Footer()
Bare().run()
"""
# The Footer's last word: a frame is drawn top to bottom, so it comes last.  The bare app's footer
# ends with Textual's "^p palette"; ours leaves that out (ctrl+p still works) and ends with "q Quit".
BARE_FRAME_END, FRAME_END = b"palette", b"Quit"


def first_frame(command: list[str], text: bytes, end: bytes = FRAME_END) -> float:
    """Seconds from starting `command` in a 120×40 pseudo-terminal until its first frame showing `text` is out."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, cwd=ROOT, env=env,
                               start_new_session=True)
    os.close(follower)
    received = b""
    try:
        while True:
            if not select.select([leader], [], [], 30)[0]:
                raise RuntimeError(f"no first frame from {command[0]} in 30 s: {received[-300:]!r}")
            received += os.read(leader, 1 << 16)
            seen = received.find(text)
            if seen >= 0 and received.find(end, seen) >= 0:
                return time.perf_counter() - start
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(leader)


def process_times() -> tuple[list[float], list[float]]:
    """Both apps RUNS times, in turns, so that a busy moment hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(RUNS):
        times[0].append(first_frame([sys.executable, "-c", BARE], b"hello", BARE_FRAME_END))
        times[1].append(first_frame([str(COMMAND)], b"press n"))
    return times


def mazur_app():
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.core import PRESETS

    return BackpropApp(PRESETS["mazur"]())


def frames_drawn(app) -> list[tuple[float, int]]:
    """From now on, each frame the screen finishes drawing: when, and how many operations were done by then."""
    stepper, screen = app.stepper, app.screen
    refresh, drawn = screen._compositor_refresh, []

    def timed_refresh() -> None:
        refresh()
        drawn.append((time.perf_counter(), (stepper.epoch - 1) * len(stepper.quantities) + stepper.position))

    screen._compositor_refresh = timed_refresh
    return drawn


async def keypress_latencies(presses: int = 200) -> dict[str, list[float]]:
    app = mazur_app()
    times: dict[str, list[float]] = {"n": [], "p": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        drawn = frames_drawn(app)
        for key in ["n"] * presses + ["p"] * presses:
            drawn.clear()
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            times[key].append(drawn[0][0] - start)
    return times


async def held_key(presses: int) -> float:
    """`n` held down: `presses` key events queued at once, as a keyboard's auto-repeat queues them
    whenever the app is slower than it; seconds until all are stepped and the screen shows the last."""
    from textual import events

    app = mazur_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        drawn = frames_drawn(app)
        start = time.perf_counter()
        for _ in range(presses):
            app.post_message(events.Key("n", "n"))
        while not any(done == presses for _, done in drawn):
            await pilot.pause()
        return next(when for when, done in drawn if done == presses) - start


async def boundary_redraws(redraws: int = 40) -> tuple[list[float], list[float]]:
    """Seconds to draw the boundary panel with the neurons' pictures, and the output's picture alone, in turns."""
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.app.widgets.boundary import Boundary, packed
    from tui_backprop.core import load_network
    from tui_backprop.core.loader import network_path

    app = BackpropApp(load_network(network_path("playground-spiral")), record=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        view, stepper = app.panels["boundary"], app.stepper
        width, height = view.scrollable_content_region.size
        values = dict(stepper.values)  # what show_run hands the panel between a run's chunks

        def output_only():
            boundary = Boundary(stepper, width, height, stepper.net.test_samples, values)
            legend = packed(boundary.legend(), width)
            return boundary.with_rows(height - len(legend)).lines(True) + legend

        with_neurons, alone = [], []
        view.show_run(values)
        for _ in range(redraws):
            start = time.perf_counter()
            view.draw(width, height)
            with_neurons.append(time.perf_counter() - start)
            start = time.perf_counter()
            output_only()
            alone.append(time.perf_counter() - start)
        return with_neurons, alone


def print_boundary() -> None:
    with_neurons, alone = asyncio.run(boundary_redraws())
    ratios = sorted(mine / theirs for mine, theirs in zip(with_neurons, alone))
    print("the boundary's redraw during r (playground-spiral 2-8-8-1, 120×40, 40 redraws each, in turns)")
    print(f"  output's picture alone          median {statistics.median(alone) * 1000:6.2f} ms")
    print(f"  with the 16 neurons' pictures   median {statistics.median(with_neurons) * 1000:6.2f} ms   "
          f"ratio median {statistics.median(ratios):.2f}×")


def main() -> None:
    if sys.argv[1:] == ["boundary"]:
        print_boundary()
        return
    # Byte-compile the package first, as pip does when it installs one: Textual's modules are
    # compiled, and an editable checkout run under PYTHONDONTWRITEBYTECODE (as here) would
    # otherwise compile ours from source at every start, about 50 ms the bare app never pays.
    compileall.compile_dir(ROOT / "tui_backprop", quiet=1)
    bare, ours = process_times()
    # Each run beside the bare run just before it: the machine's load drifts between rounds.
    ratios = sorted(mine / theirs for mine, theirs in zip(ours, bare))
    print(f"start-up to first frame ({RUNS} runs each, in turns, in a 120×40 pseudo-terminal)")
    print(f"  bare Textual app   best {min(bare) * 1000:5.0f} ms   median {statistics.median(bare) * 1000:5.0f} ms")
    print(f"  backprop-tui       best {min(ours) * 1000:5.0f} ms   median {statistics.median(ours) * 1000:5.0f} ms")
    print(f"  ratio              median {statistics.median(ratios):.2f}×   best {min(ours) / min(bare):.2f}×   "
          f"(target ≤ 1.3×)")
    times = asyncio.run(keypress_latencies())
    print("keypress to updated screen (Pilot, 120×40, mazur, 200 presses each)")
    for key, name in (("n", "next"), ("p", "previous")):
        values = sorted(times[key])
        print(f"  {name:<9} median {statistics.median(values) * 1000:6.2f} ms   "
              f"p90 {values[int(len(values) * 0.9)] * 1000:6.2f} ms   (target median < 16 ms)")
    presses = 350
    held = asyncio.run(held_key(presses))
    print(f"n held down: {presses} presses queued at once, all stepped and drawn in {held * 1000:.0f} ms, "
          f"{held / presses * 1000:.1f} ms a press (a keyboard repeats every 30–40 ms)")
    print_boundary()


if __name__ == "__main__":
    main()
