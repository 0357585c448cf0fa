"""Issue 9's iris targets: examples/iris.toml (4-8-3 sigmoid → softmax, cce, 120 training rows, batch 16,
30 held out) trained 1,000 epochs, against a plain numpy script of the same training; and the app's `n`
inside a 16-row batch.

    .venv/bin/python bench/bench_iris.py

1. 1,000 epochs in one process, in turns with the numpy script (which imports nothing of the project).
   Target: under 2× numpy.
2. `backprop-tui train --epochs 1000` as a process against `python numpy_script` as a process.
3. `n` in the app, at steps inside the second batch of an epoch (Textual's pilot).  Target: ≤ 30 ms median.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
IRIS = REPO / "examples" / "iris.toml"
EPOCHS = 1000

# The baseline: what a student would write with numpy, from the same data the network file reads.
NUMPY_SCRIPT = r'''
import csv, random, sys, numpy as np
rows = list(csv.DictReader(open(sys.argv[1])))
species = sorted({r["species"] for r in rows})
X = np.array([[float(r[c]) for c in ("sepal_length", "sepal_width", "petal_length", "petal_width")] for r in rows])
T = np.array([[1.0 if r["species"] == s else 0.0 for s in species] for r in rows])
order = list(range(len(rows))); random.Random(0).shuffle(order)
test = sorted(order[:30]); train = [k for k in range(len(rows)) if k not in set(test)]
X, T = X[train], T[train]
X = (X - X.mean(axis=0)) / X.std(axis=0)
rng = np.random.default_rng(1)
W1, b1 = rng.uniform(-0.5, 0.5, (8, 4)), np.zeros(8)
W2, b2 = rng.uniform(-0.5, 0.5, (3, 8)), np.zeros(3)
lr, n = 0.5, len(X)
for epoch in range(1, int(sys.argv[2]) + 1):
    order = list(range(n)); random.Random(epoch).shuffle(order)
    for first in range(0, n, 16):
        batch = order[first:first + 16]
        x, t = X[batch].T, T[batch].T
        h = 1 / (1 + np.exp(-(W1 @ x + b1[:, None])))
        o = W2 @ h + b2[:, None]
        a = np.exp(o - o.max(axis=0)); a /= a.sum(axis=0)
        loss = -(t * np.log(a)).sum() / len(batch)
        d2 = (a - t) / len(batch)
        d1 = (W2.T @ d2) * h * (1 - h)
        W2 -= lr * d2 @ h.T; b2 -= lr * d2.sum(axis=1)
        W1 -= lr * d1 @ x.T; b1 -= lr * d1.sum(axis=1)
'''


def in_process() -> None:
    import numpy as np  # noqa: F401  (imported before timing either side)

    from tui_backprop.core.batches import Schedule
    from tui_backprop.core.loader import load_network
    from tui_backprop.training import bulk

    script = REPO / "bench" / ".iris_numpy.py"
    script.write_text(NUMPY_SCRIPT)
    code = compile(NUMPY_SCRIPT, str(script), "exec")
    net = load_network(IRIS)
    ours, theirs = [], []
    for _ in range(3):
        schedule = Schedule(net)
        start = time.perf_counter()
        schedule.train_epochs(bulk.TRAINER, net.start_env(), EPOCHS)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        saved = sys.argv
        sys.argv = ["numpy", str(REPO / "examples" / "iris.csv"), str(EPOCHS)]
        try:
            exec(code, {"__name__": "numpy_script"})
        finally:
            sys.argv = saved
        theirs.append(time.perf_counter() - start)
    print(f"1. iris, {EPOCHS:,} epochs in batches of 16, in one process: backprop-tui {min(ours):.2f} s, "
          f"plain numpy {min(theirs):.2f} s: {min(ours) / min(theirs):.2f}×   (target < 2×)")
    ours, theirs = [], []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tui_backprop", "train", "--config", str(IRIS), "--epochs", str(EPOCHS)],
                       check=True, capture_output=True)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([sys.executable, str(script), str(REPO / "examples" / "iris.csv"), str(EPOCHS)], check=True)
        theirs.append(time.perf_counter() - start)
    script.unlink()
    print(f"2. the same as processes: backprop-tui train {min(ours):.2f} s, numpy script {min(theirs):.2f} s: "
          f"{min(ours) / min(theirs):.2f}×")


async def keypresses() -> None:
    from bench_app import frames_drawn  # keypress to the frame drawn, as bench_scale measures it

    from tui_backprop.app.main import BackpropApp
    from tui_backprop.core.loader import load_network
    from tui_backprop.core.stepper import Stepper

    stepper = Stepper(load_network(IRIS))
    stepper.finish_step()  # into the second batch
    app = BackpropApp(stepper=stepper)
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        drawn = frames_drawn(app)
        for _ in range(200):
            drawn.clear()
            start = time.perf_counter()
            await pilot.press("n")
            await pilot.pause()
            times.append(drawn[0][0] - start)
    print(f"3. n inside a 16-row batch of iris: median {statistics.median(times) * 1000:.1f} ms, "
          f"worst {max(times) * 1000:.1f} ms over {len(times)} presses   (target ≤ 30 ms median)")


if __name__ == "__main__":
    in_process()
    asyncio.run(keypresses())
