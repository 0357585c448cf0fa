"""How fast the core trains the 2-2-2 excel net, against the floors it should be close to.

Run:  python bench/bench_core.py      (from the repository root)

Rows: the fast path (program.run, recording "loss" and "history"), the trace
(Stepper.next one operation at a time), a hand-unrolled straight-line Python
loop (the CPython floor: same math, locals, math.exp), and numpy vectorised per
epoch with 2x2 matrices.  Then a six-rate sweep, and the whole `train` command
as a process against the floor as a process.  Every time is the best of several
repeats.  Targets: fast path within 1.5x of the floor, faster than numpy; sweep
under 0.5 s; the train process within 2x of the floor process.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from array import array
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from timing import best  # noqa: E402

from tui_backprop.core import PRESETS, Stepper, build_program  # noqa: E402
from tui_backprop.core.batches import Schedule  # noqa: E402
from tui_backprop.training.sweep import SEED_RATES, sweep  # noqa: E402

NET = PRESETS["excel"]()
START = NET.start_env()
REPEATS = 5

# The floor: what a person would write by hand for this one net.  It is source text so
# that the same code runs in this process and as a process of its own; RECORD is the
# line that keeps E_total (or the history record) of each epoch.
FLOOR_TEMPLATE = """
import math
from array import array

def floor(env, epochs, out):
    w1, w2, w3, w4 = env["w1"], env["w2"], env["w3"], env["w4"]
    w5, w6, w7, w8 = env["w5"], env["w6"], env["w7"], env["w8"]
    i1, i2, t1, t2, lr = env["i1"], env["i2"], env["t1"], env["t2"], env["lr"]
    exp = math.exp
    keep = out.append
    keep_all = out.extend
    for _ in range(epochs):
        a_h1 = 1.0 / (1.0 + exp(-(w1 * i1 + w2 * i2)))
        a_h2 = 1.0 / (1.0 + exp(-(w3 * i1 + w4 * i2)))
        a_o1 = 1.0 / (1.0 + exp(-(w5 * a_h1 + w6 * a_h2)))
        a_o2 = 1.0 / (1.0 + exp(-(w7 * a_h1 + w8 * a_h2)))
        e_total = 0.5 * (t1 - a_o1) * (t1 - a_o1) + 0.5 * (t2 - a_o2) * (t2 - a_o2)
        RECORD
        d_o1 = (a_o1 - t1) * a_o1 * (1.0 - a_o1)
        d_o2 = (a_o2 - t2) * a_o2 * (1.0 - a_o2)
        d_h1 = (d_o1 * w5 + d_o2 * w7) * a_h1 * (1.0 - a_h1)
        d_h2 = (d_o1 * w6 + d_o2 * w8) * a_h2 * (1.0 - a_h2)
        w1 -= lr * d_h1 * i1
        w2 -= lr * d_h1 * i2
        w3 -= lr * d_h2 * i1
        w4 -= lr * d_h2 * i2
        w5 -= lr * d_o1 * a_h1
        w6 -= lr * d_o1 * a_h2
        w7 -= lr * d_o2 * a_h1
        w8 -= lr * d_o2 * a_h2
    return out
"""
FLOOR_LOSS = FLOOR_TEMPLATE.replace("RECORD", "keep(e_total)")
FLOOR_HISTORY = FLOOR_TEMPLATE.replace("RECORD", "keep_all((lr, w1, w2, w3, w4, w5, w6, w7, w8, e_total))")


def compiled_floor(source: str):
    namespace: dict = {}
    exec(source, namespace)
    return namespace["floor"]


floor_loss = compiled_floor(FLOOR_LOSS)
floor_history = compiled_floor(FLOOR_HISTORY)


def best_interleaved(candidates: dict, rounds: int = REPEATS) -> dict[str, float]:
    """Best time of each candidate, taking turns round by round so that a busy spell
    on the machine hurts them all alike instead of whichever ran during it."""
    times = {name: math.inf for name in candidates}
    for _ in range(rounds):
        for name, function in candidates.items():
            start = time.perf_counter()
            function()
            times[name] = min(times[name], time.perf_counter() - start)
    return times


def numpy_loop(env, epochs: int) -> list[float]:
    W1 = np.array([[env["w1"], env["w2"]], [env["w3"], env["w4"]]])
    W2 = np.array([[env["w5"], env["w6"]], [env["w7"], env["w8"]]])
    x = np.array([env["i1"], env["i2"]])
    t = np.array([env["t1"], env["t2"]])
    lr = env["lr"]
    out = []
    for _ in range(epochs):
        a_h = 1.0 / (1.0 + np.exp(-(W1 @ x)))
        a_o = 1.0 / (1.0 + np.exp(-(W2 @ a_h)))
        out.append(float(0.5 * ((t - a_o) ** 2).sum()))
        d_o = (a_o - t) * a_o * (1.0 - a_o)
        d_h = (W2.T @ d_o) * a_h * (1.0 - a_h)
        W2 -= lr * np.outer(d_o, a_h)
        W1 -= lr * np.outer(d_h, x)
    return out


def trace_loop(epochs: int) -> None:
    stepper = Stepper(NET)
    step = stepper.next
    for _ in range(epochs * len(stepper.quantities)):
        step()


def run_process(args: list[str]) -> None:
    subprocess.run(args, cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    program = build_program(NET)
    program.runner("loss"), program.runner("history")  # compile outside the timings

    # The floor must compute what the core computes, or the comparison means nothing.
    fast_losses = program.run(START, 1000, "loss")[1]
    floor_losses = floor_loss(START, 1000, array("d"))
    numpy_losses = numpy_loop(START, 1000)
    gap = max(abs(a - b) / a for a, b in zip(fast_losses, floor_losses))
    numpy_gap = max(abs(a - b) / a for a, b in zip(fast_losses, numpy_losses))
    assert gap < 1e-12 and numpy_gap < 1e-12, (gap, numpy_gap)

    n, numpy_n, trace_n = 200_000, 20_000, 2_000
    epochs = {"fast path, record loss": n, "fast path, record history": n, "floor (hand loop), loss": n,
              "floor (hand loop), history": n, "numpy, 2x2 matrices": numpy_n, "trace (Stepper.next)": trace_n}
    seconds = best_interleaved({
        "fast path, record loss": lambda: program.run(START, n, "loss"),
        "floor (hand loop), loss": lambda: floor_loss(START, n, array("d")),
        "fast path, record history": lambda: program.run(START, n, "history"),
        "floor (hand loop), history": lambda: floor_history(START, n, array("d")),
        "numpy, 2x2 matrices": lambda: numpy_loop(START, numpy_n),
        "trace (Stepper.next)": lambda: trace_loop(trace_n),
    })
    rate = {what: epochs[what] / seconds[what] for what in epochs}
    print(f"2-2-2 excel net, best of {REPEATS} taken in turns (processes: best of 3, in turns)\n")
    print(f"{'what':<30} {'epochs':>9} {'seconds':>9} {'epochs/s':>12}")
    for what in epochs:
        print(f"{what:<30} {epochs[what]:>9} {seconds[what]:>9.4f} {rate[what]:>12,.0f}")

    loss_ratio = rate["floor (hand loop), loss"] / rate["fast path, record loss"]
    history_ratio = rate["floor (hand loop), history"] / rate["fast path, record history"]
    numpy_ratio = rate["fast path, record loss"] / rate["numpy, 2x2 matrices"]
    trace_ratio = rate["fast path, record loss"] / rate["trace (Stepper.next)"]
    print()
    print(f"fast/floor time, loss:     {loss_ratio:6.2f}x   (target <= 1.5x)  {verdict(loss_ratio <= 1.5)}")
    print(f"fast/floor time, history:  {history_ratio:6.2f}x   (target <= 1.5x)  {verdict(history_ratio <= 1.5)}")
    print(f"fast vs numpy speed:       {numpy_ratio:6.1f}x faster (target > 1x)  {verdict(numpy_ratio > 1)}")
    print(f"fast vs trace speed:       {trace_ratio:6.0f}x faster")

    sweep_seconds = best(lambda: sweep(Schedule(program.net, program), SEED_RATES, 10_000), REPEATS)
    print(f"sweep, 6 rates x 10,000 epochs: {sweep_seconds:.4f} s (target < 0.5 s)  {verdict(sweep_seconds < 0.5)}")

    process_epochs = 200_000
    floor_script = FLOOR_LOSS + (
        "\nfrom tui_backprop.core import PRESETS\n"
        f"losses = floor(PRESETS['excel']().start_env(), {process_epochs}, array('d'))\n"
        "print(losses[-1])\n"
    )
    processes = best_interleaved({
        "train": lambda: run_process([sys.executable, "-m", "tui_backprop", "train", "--epochs", str(process_epochs)]),
        "floor": lambda: run_process([sys.executable, "-c", floor_script]),
    }, rounds=3)
    ratio = processes["train"] / processes["floor"]
    print(f"process, train --epochs {process_epochs}: {processes['train']:.4f} s; floor process: "
          f"{processes['floor']:.4f} s; ratio {ratio:.2f}x (target <= 2x)  {verdict(ratio <= 2)}")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


if __name__ == "__main__":
    main()
