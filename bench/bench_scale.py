"""Scale benchmarks (issue 9): the app and the engine at the largest network the file format allows.

    python bench/bench_scale.py            (from the repository root, with the package installed)

1. App start-up to first frame: `backprop-tui --config` a 100-100-100 network with 16 samples
   against the 2-2-2 `backprop-tui`, each a process in a 120×40 pseudo-terminal, in turns.
   Targets: ≤ 1.5 s, and within 3× of the 2-2-2 in the same run.
2. Keypress to updated screen (Pilot, 120×40) for n and p on that network at the start of the
   epoch, mid-forward, at step 20,001 (backward) and in the update phase.  Target: median ≤ 30 ms.
3. Peak memory of the app process after stepping to step 20,001 and back.  Target: ≤ 400 MB.
4. `explain --epochs 1 --format json` of that network, as a process.  Target: ≤ 10 s.
5. Bulk training per epoch (`tui_backprop.bulk.train`, which picks numpy there) against a plain
   numpy script of the same network, at 50-50-50 and 100-100-100 with 16 samples, in turns,
   recording E_total, the whole history, and the history's checkpoints.
   Target: within 2×.  (The 2-2-2 fast path against a hand-unrolled loop: bench/bench_core.py.)
6. Where numpy starts to win: the compiled Python loop and numpy per epoch over a range of
   sizes, and which one `bulk.train` picks (NUMPY_FROM in tui_backprop/bulk.py).
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


def start_up(big: Path) -> None:
    small_times, big_times = [], []
    for _ in range(RUNS):
        small_times.append(first_frame([str(COMMAND)], b"press n"))
        big_times.append(first_frame([str(COMMAND), "--config", str(big)], b"press n"))
    ratio = statistics.median(b / s for b, s in zip(big_times, small_times))
    print(f"1. first frame, 100-100-100 × 16 samples: median {statistics.median(big_times):.2f} s "
          f"(best {min(big_times):.2f} s); 2-2-2 median {statistics.median(small_times):.2f} s; "
          f"ratio {ratio:.2f}×   (targets ≤ 1.5 s, ≤ 3×)")


async def keypresses(big: Path, presses: int = 30) -> None:
    from tui_backprop.app.main import BackpropApp
    from tui_backprop.core.loader import load_network

    app = BackpropApp(load_network(big))
    stepper = app.stepper
    forward = stepper.program.phase_bounds("forward")[1]
    update = stepper.program.phase_bounds("update")[0]
    places = {"start of the epoch": 0, "mid-forward": forward // 2, "step 20,001 (backward)": 20_000,
              "update phase": update + 10}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        drawn = frames_drawn(app)
        for name, place in places.items():
            while stepper.position > place:
                stepper.previous()
            while stepper.position < place:
                stepper.next()
            app.changed()
            await pilot.pause()
            times = {"n": [], "p": []}
            for key in ["n", "p"] * presses:
                drawn.clear()
                start = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                times[key].append(drawn[0][0] - start)
            print(f"2. keypress at {name:<24} n median {statistics.median(times['n']) * 1000:5.1f} ms   "
                  f"p median {statistics.median(times['p']) * 1000:5.1f} ms   (target ≤ 30 ms)")
    print(f"3. peak memory of this process after all that: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB   (target ≤ 400 MB)")


def explain(big: Path) -> None:
    start = time.perf_counter()
    done = subprocess.run([str(COMMAND), "explain", "--config", str(big), "--epochs", "1", "--format", "json"],
                          stdout=subprocess.DEVNULL, check=True)
    del done
    print(f"4. explain --epochs 1 --format json, 100-100-100 × 16: {time.perf_counter() - start:.1f} s   (target ≤ 10 s)")


def plain_numpy(sizes, inputs, targets, weights, lr, epochs):
    """What a person writes by hand in numpy for a sigmoid net with half the sum of squares."""
    weights = [w.copy() for w in weights]
    losses = np.empty(epochs)
    for epoch in range(epochs):
        outs = [inputs]
        for w in weights:
            outs.append(1.0 / (1.0 + np.exp(-(outs[-1] @ w.T))))
        a = outs[-1]
        losses[epoch] = 0.5 * ((targets - a) ** 2).sum()
        delta = (a - targets) * a * (1.0 - a)
        grads = []
        for layer in range(len(weights) - 1, -1, -1):
            grads.append(delta.T @ outs[layer])
            if layer:
                delta = (delta @ weights[layer]) * outs[layer] * (1.0 - outs[layer])
        for w, g in zip(weights, reversed(grads)):
            w -= lr * g
    return losses


def bulk_training(folder: Path, epochs: int = 200) -> None:
    from tui_backprop import bulk
    from tui_backprop.core import build_program
    from tui_backprop.core.loader import load_network

    for sizes in ((50, 50, 50), (100, 100, 100)):
        program = build_program(load_network(network_file(folder, sizes, 16)))
        env = program.net.start_env()
        names = program.net.names
        flat = np.array([env[w] for w in names.weights])
        weights, at = [], 0
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            weights.append(flat[at:at + fan_in * fan_out].reshape(fan_out, fan_in))
            at += fan_in * fan_out
        inputs = np.array([[env[s] for s in names.input_symbols(k)] for k in range(16)])
        targets = np.array([[env[s] for s in names.target_symbols(k)] for k in range(16)])
        # "checkpoints" is what a history keeps of a run (E_total of each epoch, the parameters of every
        # 64th), and what the app's `r` records; "history" copies every epoch's parameters.
        for record in ("loss", "history", "checkpoints"):
            ours, theirs = [], []
            for _ in range(RUNS):
                start = time.perf_counter()
                _, out = bulk.train(program, env, epochs, record)
                ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                reference = plain_numpy(sizes, inputs, targets, weights, env["lr"], epochs)
                theirs.append(time.perf_counter() - start)
            agree = abs(out[-1] - reference[-1]) / abs(reference[-1])
            print(f"5. bulk training {'-'.join(map(str, sizes))} × 16, recording {record:<11}: "
                  f"{min(ours) / epochs * 1e6:4.0f} µs an epoch vs plain numpy {min(theirs) / epochs * 1e6:4.0f} µs: "
                  f"{min(ours) / min(theirs):.2f}×   (target ≤ 2×; last E_total agrees to {agree:.0e})")


def crossing(folder: Path, epochs: int = 200) -> None:
    from tui_backprop import bulk
    from tui_backprop.bulk_numpy import NumpyEpochs
    from tui_backprop.core import build_program
    from tui_backprop.core.loader import load_network

    print("6. per epoch, compiled Python loop vs numpy, and the path bulk.train picks:")
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


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        big = network_file(folder, (100, 100, 100), 16)
        start_up(big)
        explain(big)
        bulk_training(folder)
        crossing(folder)
        asyncio.run(keypresses(big))


if __name__ == "__main__":
    main()
