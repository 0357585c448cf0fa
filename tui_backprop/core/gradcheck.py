"""Central finite differences for every parameter, against the backward pass."""

from __future__ import annotations

from dataclasses import dataclass

from .batches import Schedule
from .network import Names
from .program import Program, Record

DEFAULT_TOLERANCE = 1e-5
DEFAULT_STEP = 1e-6


def rounding_noise(loss: float, step: float = DEFAULT_STEP) -> float:
    """How far (E(p+h) − E(p−h)) / 2h can be off from rounding alone: about 1e-16·|E| / h, times 100."""
    return 1e-14 * max(1.0, abs(loss)) / step


@dataclass(frozen=True)
class GradientCheck:
    parameter: str
    analytic: float
    numeric: float

    @property
    def relative_error(self) -> float:
        scale = max(abs(self.analytic), abs(self.numeric))
        return 0.0 if scale == 0.0 else abs(self.analytic - self.numeric) / scale

    def passes(self, tolerance: float, noise: float = 0.0) -> bool:
        """Within the relative `tolerance`, or within `noise` (a tiny gradient's difference is all rounding)."""
        gap = abs(self.analytic - self.numeric)
        return gap <= tolerance * max(abs(self.analytic), abs(self.numeric)) + noise


def gradient_check(program: Program, env: dict[str, float], step: float = DEFAULT_STEP) -> list[GradientCheck]:
    """Compare dE_total/dp from the backward pass with (E(p+h) − E(p−h)) / 2h at `env`."""
    _, row = program.run(env, 1, Record.ROW)
    values = dict(zip(program.columns, row))
    loss = program.loss_function
    checks = []
    for parameter in program.trained:
        up, down = dict(env), dict(env)
        up[parameter] += step
        down[parameter] -= step
        numeric = (loss(up) - loss(down)) / (2 * step)
        checks.append(GradientCheck(parameter, values[Names.grad(parameter)], numeric))
    return checks


@dataclass(frozen=True)
class WorstCheck:
    """A parameter's check at the update step where it agreed least, and whether every step passed."""
    check: GradientCheck
    epoch: int  # the update step: the epoch, without batches
    passed: bool


def check_epochs(schedule: Schedule, env: dict[str, float], epochs: int, tolerance: float = DEFAULT_TOLERANCE,
                 step: float = DEFAULT_STEP) -> list[WorstCheck]:
    """Check every gradient at the start of each update step of `epochs` epochs from `env` (with batches,
    each batch's gradients over its own samples); per parameter, the worst."""
    worst: dict[str, WorstCheck] = {}
    steps = epochs * schedule.steps_per_epoch
    for epoch in range(1, steps + 1):
        program = schedule.program(epoch)
        if schedule.batched:
            env = {**env, **schedule.samples_env(epoch)}
        noise = rounding_noise(program.loss_function(env), step)
        for check in gradient_check(program, env, step):
            passed = check.passes(tolerance, noise)
            before = worst.get(check.parameter)
            if before is None or check.relative_error > before.check.relative_error:
                worst[check.parameter] = WorstCheck(check, epoch, passed and (before is None or before.passed))
            elif not passed:
                worst[check.parameter] = WorstCheck(before.check, before.epoch, False)
        if epoch < steps:
            env, _ = program.run(env, 1, Record.LOSS)
    return list(worst.values())
