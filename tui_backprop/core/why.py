"""The sentence of why beside each formula: what a quantity is, in words, for the student.

maths.py writes each activation, loss, penalty and optimizer as formulas, with
the words that name them and each update's sentence; here each other kind of
quantity of an epoch gets its one sentence, from the names it is about.
reference.py puts each sentence beside its formula; nothing here computes a
number.
"""

from __future__ import annotations

from .maths import SOFTMAX_WORDS, Activation, Loss

ROUTES_NAMED = 6  # a sentence names each route, or each other error, up to this many, and counts them beyond


# -- forward ----------------------------------------------------------------------

def weighted_sum(neuron: str, bias: str | None) -> str:
    return (f"{neuron} adds up what flows into it: every incoming value times the weight on its edge"
            + (f", plus the bias {bias}." if bias else "."))


def activation(total: str, activation: Activation) -> str:
    return f"The neuron's output is its sum {total} passed through {activation.words}."


def softmax_output() -> str:
    return f"The output is {SOFTMAX_WORDS}."


def error(loss: Loss, k: int, a: str, t: str, count: int) -> str:
    return loss.error_why.format(k=k + 1, a=a, t=t, count=count)


def total(multi_sample: bool) -> str:
    what = "every output" + (" of every sample" if multi_sample else "")
    return f"E_total adds up the errors of {what}: it is the one number training makes small."


# -- backward ---------------------------------------------------------------------

def loss_slope(a: str, t: str, error: str, others: list[str], loss: Loss) -> str:
    dropped = _others(error, others, "does not", "do not")
    dropped = f" ({dropped})" if dropped else ""
    how = loss.slope_how.format(a=a, t=t)
    return f"How E_total changes as {a} moves: only {error} depends on {a}{dropped}, and {how}."


def activation_slope(out: str, total: str, name: str, activation: Activation) -> str:
    return (f"How fast {out} changes with {total}: the slope of {name} at that point"
            + (", written through its output." if activation.through_output else "."))


def route(out: str, nexts: list[str], weights: list[str]) -> str:
    """dE_total/da of a hidden neuron: every route from its output `out` into `nexts`, along `weights`."""
    if len(nexts) == 1:
        return f"{out} reaches E_total only through {nexts[0]}, along the weight {weights[0]}."
    if len(nexts) > ROUTES_NAMED:
        return (f"{out} feeds every neuron of the next layer, {nexts[0]} to {nexts[-1]}, so its effect on E_total "
                f"is the sum over all {len(nexts)} routes, each through its weight into one of them.")
    via = ", ".join(f"through {weight} into {next_}" for weight, next_ in zip(weights, nexts))
    return f"{out} feeds {', '.join(nexts[:-1])} and {nexts[-1]}, so its effect on E_total is the sum over every route: {via}."


def weight_gradients(neuron: str, output_layer: bool, softmax_cce: bool, error: str, others: list[str]):
    """dE_total/dw of a weight into `neuron`, as a function of the weight and the `source` it carries in:
    the neuron's part is written once for all its weights (a large network has 100 into each)."""
    if output_layer and not softmax_cce:
        dropped = _others(error, others, "drops out", "drop out")
        reach = f" reaches E_total only through {neuron}" + (f", so {dropped}" if dropped else "")
    elif output_layer:
        reach = f" reaches E_total through {neuron}"
    else:
        reach = (f" reaches E_total through {neuron} and then every route out of a_{neuron}, "
                 f"already summed in dE_total/da_{neuron}")
    through = f"; d{neuron}/d"
    return lambda weight, source: f"{weight}{reach}{through}{weight} = {source}."


def shared_bias_gradient(bias: str, fed: list[str]) -> str:
    return f"{bias} is added into {', '.join(fed)} with slope 1, so its gradient sums what reaches each of them."


def softmax_shared_bias_gradient(bias: str) -> str:
    return (f"{bias} is added into every output's sum alike, and softmax ignores a shift: the same number added to "
            f"every sum changes no output, so E_total does not depend on {bias}. Its gradient is exactly 0 (the sum "
            "of what reaches each output, which is 0).")


def bias_gradient(bias: str, neuron: str) -> str:
    return f"{bias} is added into {neuron} with slope 1, so its gradient is what reaches that sum."


def sample_sum(samples: int) -> str:
    return f"E_total sums over all {samples} samples, so its gradient is the sum of each sample's part."


def _others(mine: str, others: list[str], one: str, several: str) -> str:
    """"E2 does not", or for many outputs "the 99 errors besides E1 do not": a sentence stays readable."""
    if not others:
        return ""
    if len(others) > ROUTES_NAMED:
        return f"the {len(others)} errors besides {mine} {several}"
    return f"{', '.join(others)} {one if len(others) == 1 else several}"
