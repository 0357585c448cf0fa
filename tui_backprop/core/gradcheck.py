"""Central finite differences for every parameter, against the backward pass."""

from __future__ import annotations

from dataclasses import dataclass

from .network import Names
from .program import Program


@dataclass(frozen=True)
class GradientCheck:
    parameter: str
    analytic: float
    numeric: float

    @property
    def relative_error(self) -> float:
        scale = max(abs(self.analytic), abs(self.numeric))
        return 0.0 if scale == 0.0 else abs(self.analytic - self.numeric) / scale


def gradient_check(program: Program, env: dict[str, float], step: float = 1e-6) -> list[GradientCheck]:
    """Compare dE_total/dp from the backward pass with (E(p+h) − E(p−h)) / 2h at `env`."""
    _, row = program.run(env, 1, "row")
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
