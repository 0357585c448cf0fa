"""Scale benchmarks (issues 9 and 22): the app and the engine at the largest networks the file format allows.

    python bench/bench_scale.py            (from the repository root, with the package installed)
    python bench/bench_scale.py 6 7        (those items only)

Every figure is printed beside a baseline run in the same process or session, in turns, and as their
ratio: this 2-core machine is shared, and its load moves every absolute time by up to 2× (3× when
other work runs).  Processes are timed by the clock and by their CPU time; in-process work by the clock.

1. App start-up to first frame: `backprop-tui --config` a 100-100-100 network with 16 samples
   against the 2-2-2 `backprop-tui`, each a process in a 120×40 pseudo-terminal, in turns.
   Targets: ≤ 1.5 s, and within 3× of the 2-2-2 in the same run.
2. A key to the last refresh of the screen (Pilot, 120×40) for n and p on that network at the start
   of the epoch, mid-forward, at step 20,001 (backward), in the update phase and at the epoch
   boundary (n into the next epoch, p back), against the 2-2-2's n and p in the same process.  Timed
   to the last frame the key causes, not the first (a key that lays the screen out draws several).
   Target: median ≤ 30 ms at every place.
3. `r` of 5,000 epochs on that network: `Stepper.run` alone, and the app's whole `r` (from enter in
   the prompt to the last refresh after the run), each against a plain numpy script of the same
   5,000 epochs in the same process, in turns.  Target: ≤ 1.5×.
4. `f` in the forward pass of that network (8,001 operations): how long the screen waits before the
   progress bar shows, against the time the whole phase takes.  Target: about 0.3 s at most.
5. The app at the real cap, 100-100-100 × 93 samples (1,983,701 operations an epoch), after `e`:
   its resident memory, against the 2-2-2 app's after `e`, each a process.  Target: ≤ 400 MB.
6. `explain --epochs 1 --format json` of the 100-100-100 × 16 network, as a process, against
   Python's own `json.load` + `json.dump` of the same output, as a process, in turns.  Target: ≤ 1.5×.
7. Bulk training per epoch (`tui_backprop.training.bulk.train`, which picks numpy there) against a plain
   numpy script of the same network, at 50-50-50 and 100-100-100 with 16 samples, in turns,
   recording E_total, the whole history, and the history's checkpoints.  Target: within 2×.
   (The 2-2-2 fast path against a hand-unrolled loop: bench/bench_core.py.)
8. Where numpy starts to win: the compiled Python loop and numpy per epoch over a range of
   sizes, and which one `bulk.train` picks (NUMPY_FROM in tui_backprop/bulk.py).
9. `train --csv` with issue 20's columns at 100-100-100 × 16 (each layer's mean |dE/dw|, numpy's sum; no
   accuracy: these targets are no classes): the rows and the means, against a plain numpy script of the
   same training keeping the same means, in turns; and the means alone against the rows alone.
   Target: within 2× (the rows' own layout, 48,202 values an epoch, was not within it before).
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_app import COMMAND, first_frame, frames_drawn  # noqa: E402
from hand_numpy import loss_and_gradients  # noqa: E402

RUNS = 5


def network_file(folder: Path, sizes: tuple[int, ...], samples: int) -> Path:
    r = random.Random(1)
    path = folder / f"net-{'-'.join(map(str, sizes))}-{samples}.json"
    path.write_text(json.dumps({
        "name": path.stem, "layers": list(sizes), "activations": "sigmoid", "weights": {"seed": 1, "scale": 0.1},
        "learning_rate": 0.05,  # calm: at 0.5 a 100-100-100 net is chaotic, and two correct programs part ways
        "samples": [{"inputs": [r.uniform(0, 1) for _ in range(sizes[0])],
                     "targets": [r.uniform(0, 1) for _ in range(sizes[-1])]} for _ in range(samples)],
    }))
    return path


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_up(big: Path) -> None:
    small_times, big_times = [], []
    for _ in range(RUNS):
        small_times.append(first_frame([str(COMMAND)], b"press n"))
        big_times.append(first_frame([str(COMMAND), "--config", str(big)], b"press n"))
    ratio = statistics.median(b / s for b, s in zip(big_times, small_times))
    print(f"1. first frame, 100-100-100 × 16 samples: median {statistics.median(big_times):.2f} s "
          f"(best {min(big_times):.2f} s); 2-2-2 median {statistics.median(small_times):.2f} s; "
          f"ratio {ratio:.2f}×   (targets ≤ 1.5 s, ≤ 3×)")


async def settled(pilot, drawn: list, quiet: float = 0.1) -> None:
    """Wait until the screen has drawn nothing more for `quiet` seconds."""
    while True:
        count = len(drawn)
        await pilot.pause(quiet)
        if len(drawn) == count:
            return


async def key_times(app, pilot, drawn: list, presses: int) -> dict[str, list[float]]:
    """n and p pressed in turns: the seconds from each key to the last frame it caused."""
    times: dict[str, list[float]] = {"n": [], "p": []}
    for key in ["n", "p"] * presses:
        await settled(pilot, drawn)
        drawn.clear()
        start = time.perf_counter()
        await pilot.press(key)
        await settled(pilot, drawn)
        times[key].append(drawn[-1][0] - start if drawn else 0.0)
    return times


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:5.1f}"


async def keypresses(big: Path, presses: int = 15) -> None:
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.core import PRESETS
    from tui_backprop.core.loader import load_network

    small = BackpropApp(PRESETS["mazur"]())
    async with small.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n", "n", "n")
        baseline = await key_times(small, pilot, frames_drawn(small), presses)
    base = statistics.median(baseline["n"] + baseline["p"])
    print(f"2. a key to the last refresh, the 2-2-2 (mazur) in this process: n {ms(baseline['n'])} ms, "
          f"p {ms(baseline['p'])} ms")
    app = BackpropApp(load_network(big))
    stepper = app.stepper
    count = len(stepper.program)
    forward = stepper.program.phase_bounds("forward")[1]
    update = stepper.program.phase_bounds("update")[0]
    places = {"start of the epoch": 0, "mid-forward": forward // 2, "step 20,001 (backward)": 20_000,
              "update phase": update + 10, "epoch boundary": count}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        drawn = frames_drawn(app)
        for name, place in places.items():
            while stepper.position > place:
                stepper.previous()
            while stepper.position < place:
                stepper.next()
            app.changed()
            times = await key_times(app, pilot, drawn, presses)
            print(f"   100-100-100 × 16 at {name:<24} n {ms(times['n'])} ms ({statistics.median(times['n']) / base:4.1f}×)"
                  f"   p {ms(times['p'])} ms ({statistics.median(times['p']) / base:4.1f}×)   (target ≤ 30 ms)")


def plain_numpy(sizes, inputs, targets, weights, lr, epochs):
    """What a person writes by hand in numpy for a sigmoid net with half the sum of squares."""
    weights = [w.copy() for w in weights]
    losses = np.empty(epochs)
    for epoch in range(epochs):
        losses[epoch], grads = loss_and_gradients(weights, inputs, targets)
        for w, g in zip(weights, grads):
            w -= lr * g
    return losses


def numpy_inputs(program):
    """The plain script's arguments for a program's network: its weights as matrices, its samples as rows."""
    net, env = program.net, program.net.start_env()
    names, sizes = net.names, net.sizes
    flat = np.array([env[w] for w in names.weights])
    weights, at = [], 0
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        weights.append(flat[at:at + fan_in * fan_out].reshape(fan_out, fan_in))
        at += fan_in * fan_out
    inputs = np.array([[env[s] for s in names.input_symbols(k)] for k in range(len(net.samples))])
    targets = np.array([[env[s] for s in names.target_symbols(k)] for k in range(len(net.samples))])
    return sizes, inputs, targets, weights, env["lr"]


def plain_run(program, epochs: int) -> float:
    start = time.perf_counter()
    plain_numpy(*numpy_inputs(program), epochs)
    return time.perf_counter() - start


async def runs(big: Path, epochs: int = 5000, rounds: int = 3) -> None:
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.app.widgets.screens import PromptScreen
    from tui_backprop.core import Stepper
    from tui_backprop.core.loader import load_network
    from tui_backprop.training import bulk

    net = load_network(big)
    warm = Stepper(net, trainer=bulk.TRAINER)
    warm.run(2)  # numpy imported, outside the timing
    ours, theirs = [], []
    for _ in range(rounds):
        stepper = Stepper(net, trainer=bulk.TRAINER)
        start = time.perf_counter()
        stepper.run(epochs)
        ours.append(time.perf_counter() - start)
        theirs.append(plain_run(stepper.program, epochs))
    ratio = statistics.median(a / b for a, b in zip(ours, theirs))
    print(f"3. r of {epochs:,} epochs, 100-100-100 × 16: Stepper.run median {statistics.median(ours):.2f} s, "
          f"plain numpy {statistics.median(theirs):.2f} s: {ratio:.2f}×   (target ≤ 1.5×)")
    app = BackpropApp(net)
    ours, theirs = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        drawn = frames_drawn(app)
        for _ in range(rounds):
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, PromptScreen)
            app.focused.value = str(epochs)
            await settled(pilot, drawn)
            drawn.clear()
            start = time.perf_counter()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await settled(pilot, drawn)
            ours.append(drawn[-1][0] - start)
            assert len(app.stepper.history) == epochs
            theirs.append(plain_run(app.stepper.program, epochs))
            await pilot.press("p")  # the run taken back, for the next round
            await settled(pilot, drawn)
    ratio = statistics.median(a / b for a, b in zip(ours, theirs))
    print(f"   the app's r (enter to the last refresh): median {statistics.median(ours):.2f} s, plain numpy "
          f"{statistics.median(theirs):.2f} s: {ratio:.2f}×   (target ≤ 1.5×)")


async def finish_phase(big: Path) -> None:
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.app.widgets.screens import RunScreen
    from tui_backprop.core.loader import load_network

    app = BackpropApp(load_network(big))
    composed, compose = [], RunScreen.compose
    RunScreen.compose = lambda screen: composed.append(time.perf_counter()) or compose(screen)  # the bar is made
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            start = time.perf_counter()
            await pilot.press("f")
            await app.workers.wait_for_complete()
            await pilot.pause()
            whole = time.perf_counter() - start
    finally:
        RunScreen.compose = compose
    shown = composed[0] - start if composed else None
    said = "never" if shown is None else f"after {shown:.2f} s"
    print(f"4. f in the forward pass of 100-100-100 × 16 ({app.stepper.position:,} operations, {whole:.1f} s): "
          f"the progress bar shows {said} ({(shown or whole) / whole:.2f} of the phase)   (target ≤ about 0.3 s)")


MEMORY_CHILD = """
import asyncio, sys
from tui_backprop.app.main import BackpropApp
from tui_backprop.core import PRESETS
from tui_backprop.core.loader import load_network

async def main():
    app = BackpropApp(PRESETS["mazur"]() if sys.argv[1] == "mazur" else load_network(sys.argv[1]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.epoch_done, "the epoch did not finish"
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
        print(int(status["VmRSS"].split()[0]) // 1024, int(status["VmHWM"].split()[0]) // 1024)

asyncio.run(main())
"""


def memory(cap: Path) -> None:
    def after_e(network: str) -> tuple[int, int, float]:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", MEMORY_CHILD, network], capture_output=True, text=True, check=True)
        resident, peak = map(int, done.stdout.split())
        return resident, peak, time.perf_counter() - start

    small, _, _ = after_e("mazur")
    resident, peak, seconds = after_e(str(cap))
    print(f"5. the app at 100-100-100 × 93 (1,983,701 operations) after e ({seconds:.0f} s): {resident} MB resident "
          f"(peak {peak} MB), the 2-2-2 app after e {small} MB: {resident / small:.1f}×   (target ≤ 400 MB)")


def explain(big: Path, rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "explain.json"
        ours, theirs = [], []
        for _ in range(rounds):
            cpu, start = child_cpu(), time.perf_counter()
            with open(out, "w") as stream:
                subprocess.run([str(COMMAND), "explain", "--config", str(big), "--epochs", "1", "--format", "json"],
                               stdout=stream, check=True)
            ours.append((time.perf_counter() - start, child_cpu() - cpu))
            cpu, start = child_cpu(), time.perf_counter()
            subprocess.run([sys.executable, "-c", "import json, sys; document = json.load(open(sys.argv[1])); "
                            "json.dump(document, open(sys.argv[2], 'w'), ensure_ascii=False)", str(out),
                            str(Path(scratch) / "again.json")], check=True)
            theirs.append((time.perf_counter() - start, child_cpu() - cpu))
        size = out.stat().st_size
    wall = statistics.median(a[0] / b[0] for a, b in zip(ours, theirs))
    cpu = statistics.median(a[1] / b[1] for a, b in zip(ours, theirs))
    print(f"6. explain --epochs 1 --format json, 100-100-100 × 16 ({size / 1e6:.0f} MB): median "
          f"{statistics.median(a[0] for a in ours):.1f} s ({statistics.median(a[1] for a in ours):.1f} s CPU); "
          f"json.load + json.dump of it {statistics.median(b[0] for b in theirs):.1f} s "
          f"({statistics.median(b[1] for b in theirs):.1f} s CPU): {wall:.2f}× by the clock, {cpu:.2f}× in CPU time"
          f"   (target ≤ 1.5×)")


def bulk_training(folder: Path, epochs: int = 200) -> None:
    from tui_backprop.core import build_program
    from tui_backprop.core.loader import load_network
    from tui_backprop.training import bulk

    for sizes in ((50, 50, 50), (100, 100, 100)):
        program = build_program(load_network(network_file(folder, sizes, 16)))
        env = program.net.start_env()
        arguments = numpy_inputs(program)
        # "checkpoints" is what a history keeps of a run (E_total of each epoch, the parameters of every
        # 64th), and what the app's `r` records; "history" copies every epoch's parameters.
        for record in ("loss", "history", "checkpoints"):
            ours, theirs = [], []
            for _ in range(RUNS):
                start = time.perf_counter()
                _, out = bulk.train(program, env, epochs, record)
                ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                reference = plain_numpy(*arguments, epochs)
                theirs.append(time.perf_counter() - start)
            agree = abs(out[-1] - reference[-1]) / abs(reference[-1])
            print(f"7. bulk training {'-'.join(map(str, sizes))} × 16, recording {record:<11}: "
                  f"{min(ours) / epochs * 1e6:4.0f} µs an epoch vs plain numpy {min(theirs) / epochs * 1e6:4.0f} µs: "
                  f"{min(ours) / min(theirs):.2f}×   (target ≤ 2×; last E_total agrees to {agree:.0e})")


def plain_numpy_means(sizes, inputs, targets, weights, lr, epochs):
    """plain_numpy, also keeping each layer's mean |dE/dw| of every epoch: the columns `train --csv` adds."""
    weights = [w.copy() for w in weights]
    losses, means = np.empty(epochs), np.empty((epochs, len(weights)))
    for epoch in range(epochs):
        losses[epoch], grads = loss_and_gradients(weights, inputs, targets)
        for layer, (w, g) in enumerate(zip(weights, grads)):
            means[epoch, layer] = np.abs(g).mean()
            w -= lr * g
    return losses, means


def train_columns(folder: Path, epochs: int = 200) -> None:
    """`train --csv`'s rows with the columns of issue 20 §6 (each layer's mean |dE/dw|, numpy's sum for a network
    numpy trains; this network's targets are no classes, so no accuracy): the rows as `train --csv` makes them
    (bulk.train recording "row", every value of each epoch laid out) and the columns, against a plain numpy
    script of the same training keeping the same means; and the columns alone against the rows alone."""
    from tui_backprop.core import build_program
    from tui_backprop.core.loader import load_network
    from tui_backprop.core.metrics import Metrics
    from tui_backprop.training import bulk

    program = build_program(load_network(network_file(folder, (100, 100, 100), 16)))
    env, metrics, width = program.net.start_env(), Metrics(program), len(program.columns)
    arguments = numpy_inputs(program)
    rows, columns, theirs = [], [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        _, out = bulk.train(program, env, epochs, "row")
        laid_out = time.perf_counter()
        means = [bulk.TRAINER.gradient_means(metrics, out[k * width:(k + 1) * width]) for k in range(epochs)]
        done = time.perf_counter()
        rows.append(laid_out - start)
        columns.append(done - laid_out)
        start = time.perf_counter()
        _, reference = plain_numpy_means(*arguments, epochs)
        theirs.append(time.perf_counter() - start)
    agree = max(abs(a - b) / abs(b) for a, b in zip(means[-1], reference[-1]))
    ours = min(r + c for r, c in zip(rows, columns))
    print(f"9. train --csv's rows with each layer's mean |dE/dw|, 100-100-100 × 16: {ours / epochs * 1e6:5.0f} µs an epoch "
          f"vs plain numpy keeping the same means {min(theirs) / epochs * 1e6:4.0f} µs: {ours / min(theirs):.2f}×; "
          f"the means alone {min(columns) / epochs * 1e6:3.0f} µs, {min(columns) / min(rows):.2f}× the rows alone "
          f"(target ≤ 2×; the last epoch's means agree to {agree:.0e})")


def crossing(folder: Path, epochs: int = 200) -> None:
    from tui_backprop.core import build_program
    from tui_backprop.core.loader import load_network
    from tui_backprop.training import bulk
    from tui_backprop.training.bulk_numpy import NumpyEpochs

    print("8. per epoch, compiled Python loop vs numpy, and the path bulk.train picks:")
    for sizes, samples in [((2, 2, 2), 1), ((2, 3, 1), 4), ((10, 10, 10), 1), ((10, 20, 10), 1), ((4, 8, 3), 4),
                           ((10, 10, 10), 4), ((4, 8, 3), 120), ((10, 20, 10), 16)]:
        program = build_program(load_network(network_file(folder, sizes, samples)))
        env = program.net.start_env()
        program.run(env, 1, "history")  # compiled once, outside the timing
        python, numpy = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            program.run(env, epochs, "history")
            python.append(time.perf_counter() - start)
            start = time.perf_counter()
            NumpyEpochs(program, env).run(epochs, "history")
            numpy.append(time.perf_counter() - start)
        print(f"   {'-'.join(map(str, sizes)):>8} × {samples:<3} (weights × samples {program.net.weight_count() * samples:>5}): "
              f"Python {min(python) / epochs * 1e6:4.0f} µs, numpy {min(numpy) / epochs * 1e6:4.0f} µs; "
              f"picks {'numpy' if bulk.uses_numpy(program) else 'Python'}")


def main(chosen: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        big = network_file(folder, (100, 100, 100), 16)
        items = {"1": lambda: start_up(big), "2": lambda: asyncio.run(keypresses(big)),
                 "3": lambda: asyncio.run(runs(big)), "4": lambda: asyncio.run(finish_phase(big)),
                 "5": lambda: memory(network_file(folder, (100, 100, 100), 93)), "6": lambda: explain(big),
                 "7": lambda: bulk_training(folder), "8": lambda: crossing(folder), "9": lambda: train_columns(folder)}
        unknown = [item for item in chosen if item not in items]
        if unknown:
            sys.exit(f"bench_scale.py: no item {', '.join(unknown)}; the items are 1 to {len(items)}")
        for item in chosen or items:
            items[item]()


if __name__ == "__main__":
    main(sys.argv[1:])
