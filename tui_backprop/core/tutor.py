"""The tutor: worked examples that fade rung by rung, and "which rule?" before a number.

The ladder (Atkinson, Renkl & Merrill 2003): rung 0 works the whole epoch for the
student, who steps through it; each next rung blanks more operations, from the end
of the epoch backward — the updates, then the output layer's gradients, then each
hidden layer's (the last first), then the forward pass — until the student computes
a whole epoch alone.  Two answers in a row right at the first try, on what the rung
newly asks, climb a rung (the updates still asked on the rungs above do not count
again: a student climbs by computing the new part); a wrong answer keeps the rung,
and that one operation is shown worked.

Which rule? (self-explanation): at the first operation of each kind that a rung
newly asks (on rung 0, of each kind it works), the student first picks the rule that
gives it from a few, written from the core's own description of that quantity (its
kind, the neuron's activation, the network's loss; see maths.py).  A wrong pick is
answered with why the right rule applies.

The tutor's place on the ladder is filed under the stepper's undo depth, so that
`p` takes an answer back together with the climb it made, and a saved session
brings both back.  Its score is what happened, and stays.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .expr import Sym, counted
from .maths import (
    ACTIVATIONS,
    LOSSES,
    PENALTIES,
    adam_step,
    corrected,
    count_step,
    first_moment,
    second_moment,
    sgd_step,
    velocity,
)
from .network import Network
from .quantity import FORWARD, PHASES, UPDATE, Quantity

# Every kind of quantity an epoch has (program.py), in the order an epoch meets them, as a student says it.
KIND_WORDS = {
    "sum": "weighted sum",
    "activation": "activation",
    "error": "error",
    "total": "total error",
    "penalty": "penalty",
    "loss_slope": "output slope",
    "activation_slope": "activation slope",
    "route": "route through a hidden neuron",
    "gradient": "gradient",
    "sample_sum": "sum over the samples",
    "penalty_gradient": "penalty's gradient",
    "objective_gradient": "gradient with the penalty",
    "step_count": "Adam's step count",
    "velocity": "momentum's velocity",
    "moment": "Adam's moment",
    "corrected": "Adam's corrected moment",
    "update": "update",
}
KINDS = tuple(KIND_WORDS)
CLIMB = 2  # answers in a row right at the first try that climb a rung
# What an asked operation can end as, under the tutor (one try: a wrong answer is shown worked).
OUTCOMES = ("right", "slip named", "wrong", "given up")
SCORE_KEYS = OUTCOMES + ("rule right", "rule wrong")
PRIME = {"sigmoid": "σ′", "tanh": "tanh′", "relu": "relu′", "identity": "identity′"}


def stage(q: Quantity, net: Network) -> int:
    """The first rung that asks `q`: 1 the updates, 2 the output layer's gradients, then each hidden
    layer's from the last back, and last (depth + 2) the forward pass."""
    if q.phase == UPDATE:
        return 1
    if q.phase == FORWARD:
        return net.depth + 2
    # a sum over the samples, a penalty's gradient or the two summed: the layer of the parameter
    layer = q.layer if q.layer is not None else net.names.parameter_group(q.param)[1]
    return 2 + net.depth - layer


def stage_names(net: Network) -> list[str]:
    """What each rung newly asks, rung 1 first."""
    hidden = net.depth - 1
    names = ["the updates", "the output layer's gradients"]
    names += ["the hidden layer's gradients" if hidden == 1 else f"hidden layer {layer}'s gradients"
              for layer in range(hidden, 0, -1)]
    return names + ["the forward pass"]


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# -- which rule? --------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    text: str  # the rule, as the student reads it among the choices
    gives: str  # what it gives: "the slope of tanh"


@dataclass(frozen=True)
class RuleQuestion:
    symbol: str
    choices: tuple[Rule, ...]
    right: int  # the place of the right rule among the choices
    why: str  # the quantity's own sentence of why

    def feedback(self, chosen: int | None) -> str:
        """What the tutor says to a pick (None: the student asked to be shown)."""
        right = self.choices[self.right]
        if chosen == self.right:
            return f"✓ {right.text}. {self.why}"
        said = ""
        if chosen is not None:
            said = f"Not “{self.choices[chosen].text}”: that gives {self.choices[chosen].gives}. "
        return f"{said}{self.symbol} is {right.gives}, so the rule is “{right.text}”. {self.why}"


def _catalogue(net: Network) -> dict[str, Rule]:
    """Every rule a choice can offer, written from maths.py's own expressions for this network's loss."""
    a, s, t, w, g, lr = Sym("a"), Sym("s"), Sym("t"), Sym("w"), Sym("g"), Sym("η")
    loss = LOSSES[net.loss]
    count = loss.count(net.sizes[-1], len(net.samples))
    rules = {
        "sum": Rule("the weighted sum: s = Σ w·a" + (" + b" if net.bias != "none" else ""),
                    "a neuron's weighted sum"),
        "output softmax": Rule("softmax: a = e^s / Σ e^s over the layer", "the output of a softmax layer"),
        "error": Rule(f"the loss: E = {loss.error(t, a, count).text()}", "one output's error"),
        "total": Rule("the total: E_total = Σ E, every output's error added up", "the total error"),
        "routes": Rule("the sum over every route: ∂E/∂a = Σ ∂E/∂s·w over the neurons a feeds",
                       "how E_total changes with a hidden output, which reaches it along every route out of it"),
        "route": Rule("the chain rule along its one route: ∂E/∂a = ∂E/∂s·w",
                      "how E_total changes with a hidden output that feeds a single neuron"),
        "chain": Rule("the chain rule along one route: ∂E/∂w = ∂E/∂a·∂a/∂s·∂s/∂w",
                      "a gradient along the one route from a parameter to E_total"),
        "shared": Rule("the sum over every neuron it is added into: ∂E/∂b = Σ ∂E/∂s",
                       "the gradient of a bias shared by a layer"),
        "samples": Rule("the sum over the samples: ∂E/∂w = Σ ∂E/∂w[n]", "a gradient of E_total over every sample"),
        "update": Rule(f"gradient descent: w ← {sgd_step(w, lr, Sym('∂E/∂w')).text()}", "the update of a parameter"),
        "ascent": Rule("w ← w + η·∂E/∂w", "a step up the slope, which makes E_total larger: never the update"),
        # The optimizers' and the penalty's, g being a parameter's gradient.
        "momentum step": Rule(f"momentum: w ← {sgd_step(w, lr, Sym('v')).text()}",
                              "the update of a parameter with momentum"),
        "velocity": Rule(f"momentum's velocity: v ← {velocity(Sym('v'), Sym('μ'), g).text()}",
                         "a parameter's velocity under momentum"),
        "adam step": Rule(f"Adam: w ← {adam_step(w, lr, Sym('m̂'), Sym('v̂'), Sym('ε')).text()}",
                          "the update of a parameter with Adam"),
        "count": Rule(f"t ← {count_step(Sym('t')).text()}", "Adam's count of update steps"),
        "first moment": Rule(f"m ← {first_moment(Sym('m'), Sym('β1'), g).text()}",
                             "Adam's first moment, the moving average of the gradient"),
        "second moment": Rule(f"v ← {second_moment(Sym('v'), Sym('β2'), g).text()}",
                              "Adam's second moment, the moving average of the squared gradient"),
        "first corrected": Rule(f"m̂ = {corrected(Sym('m'), Sym('β1'), Sym('t')).text()}",
                                "the first moment with its bias corrected"),
        "second corrected": Rule(f"v̂ = {corrected(Sym('v'), Sym('β2'), Sym('t')).text()}",
                                 "the second moment with its bias corrected"),
        "objective": Rule("the sum of both gradients: ∂E/∂w = ∂E_total/∂w + ∂E_reg/∂w",
                          "the gradient of E_total + E_reg, which the update reads"),
    }
    for name, penalty in PENALTIES.items():
        rules[f"penalty {name}"] = Rule(f"the {name.upper()} penalty: E_reg = {penalty.total(Sym('λ'), [w]).text()} "
                                        "summed over every weight", f"the {name.upper()} penalty")
        rules[f"penalty slope {name}"] = Rule(f"∂E_reg/∂w = {penalty.slope(Sym('λ'), w).text()}",
                                              f"the slope of the {name.upper()} penalty")
    if loss.slope is None:  # cce: through softmax and cross-entropy together
        rules["loss slope"] = Rule("softmax with cross-entropy: ∂E/∂s = a − t",
                                   "how E_total changes with an output's sum through softmax and cross-entropy")
    else:
        rules["loss slope"] = Rule(f"the loss's slope: ∂E/∂a = {loss.slope(t, a, count).text()}",
                                   "how E_total changes with an output")
    for name, activation in ACTIVATIONS.items():
        rules[f"output {name}"] = Rule(f"{name}: a = {activation.output(s).text()}", f"the output of a {name} neuron")
        rules[f"slope {name}"] = Rule(f"{PRIME[name]} = {activation.slope(a, s).text()}", f"the slope of {name}")
    return rules


def _others(name: str) -> list[str]:
    """Two activations a student may take for `name`."""
    return [other for other in ("sigmoid", "tanh", "relu") if other != name][:2]


def _keys(q: Quantity, net: Network) -> list[str]:
    """The right rule's key, then the keys of the rules most easily taken for it."""
    kind = q.kind
    activation = net.activations[q.layer - 1] if q.layer else None
    out = net.activations[-1] if net.activations[-1] != "softmax" else "sigmoid"
    if kind == "sum":
        return ["sum", f"output {net.activations[0]}", "total", "routes"]
    if kind == "activation":
        other = "tanh" if activation != "tanh" else "sigmoid"
        slope = f"slope {activation}" if activation != "softmax" else "slope sigmoid"
        return [f"output {activation}", "sum", slope, f"output {other}"]
    if kind == "error":
        return ["error", "loss slope", "total", f"output {out}"]
    if kind == "total":
        return ["total", "error", "sum", "samples"]
    if kind == "loss_slope":
        return ["loss slope", f"slope {out}", "error", "routes"]
    if kind == "activation_slope":
        return [f"slope {activation}", *(f"slope {other}" for other in _others(activation)), "loss slope"]
    if kind == "route":
        one = net.sizes[q.layer + 1] == 1  # the next layer has one neuron: one route
        return ["route", "routes", "loss slope", "chain"] if one else ["routes", "chain", "samples", "loss slope"]
    if kind == "gradient":
        if net.bias == "shared" and q.param in net.names.biases:
            return ["shared", "chain", "samples", "routes"]
        return ["chain", "routes", "update", "loss slope"]
    if kind == "sample_sum":
        return ["samples", "routes", "total", "chain"]
    other = "l1" if net.regularization == "l2" else "l2"
    if kind == "penalty":
        return [f"penalty {net.regularization}", f"penalty {other}", "total", "error"]
    if kind == "penalty_gradient":
        return [f"penalty slope {net.regularization}", f"penalty slope {other}", "chain", "objective"]
    if kind == "objective_gradient":
        return ["objective", f"penalty slope {net.regularization}", "samples", "chain"]
    if kind == "step_count":
        return ["count", "first moment", "first corrected", "update"]
    if kind == "velocity":
        return ["velocity", "first moment", "momentum step", "update"]
    if kind in ("moment", "corrected"):
        first = q.symbol.startswith(("m_", "mhat_"))
        names = ["first moment", "second moment"] if kind == "moment" else ["first corrected", "second corrected"]
        others = ["velocity", "first corrected"] if kind == "moment" else ["first moment", "second moment"]
        return (names if first else names[::-1]) + others
    step = {"momentum": "momentum step", "adam": "adam step"}.get(net.optimizer, "update")
    return [step, "ascent", "update" if step != "update" else "chain", "loss slope"]


def rule_question(q: Quantity, net: Network) -> RuleQuestion:
    """Which rule gives `q`? The right one and up to three it is easily taken for, in an order fixed by the symbol."""
    catalogue = _catalogue(net)
    rules: list[Rule] = []
    for key in _keys(q, net):
        if catalogue[key].text not in (rule.text for rule in rules):
            rules.append(catalogue[key])
    right = rules[0]
    random.Random(q.symbol).shuffle(rules)  # a str seed is hashed with SHA-512: the same order everywhere
    return RuleQuestion(q.symbol, tuple(rules), rules.index(right), q.why)


# -- the ladder ---------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where the student is on the ladder: what `p` takes back with the answer that changed it."""

    rung: int
    streak: int = 0  # answers right at the first try in a row, on this rung
    ruled: frozenset = frozenset()  # the kinds whose rule has been asked on this rung
    whole: bool = False  # the step under way began on this rung, and every answer in it was right at the first try
    alone: int = 0  # epochs computed alone on the top rung, every answer right at the first try
    finished: int = 0  # epochs (update steps) finished under the tutor

    def as_list(self) -> list:
        return [self.rung, self.streak, sorted(self.ruled), self.whole, self.alone, self.finished]


class Tutor:
    """The ladder over one network, its "which rule?" prompts and its score.

    ladder=False asks every operation the lesson asks about from the start and never climbs
    (a test); `asks` narrows what is asked to some phases or kinds (a lesson's)."""

    def __init__(self, net: Network, ladder: bool = True, rung: int = 0, asks: tuple[str, ...] = ()):
        self.net, self.ladder, self.asks_only = net, ladder, tuple(asks)
        self.top = net.depth + 2
        if not 0 <= rung <= self.top:
            raise ValueError(f"rung {rung} is not on this network's ladder (0 to {self.top})")
        self.place = Place(rung if ladder else self.top)
        self.trail: list[tuple[int, Place]] = []  # (the stepper's undo depth, the place before a change made there)
        self.depth = 0  # the stepper's undo depth when the tutor last looked
        self.score = dict.fromkeys(SCORE_KEYS, 0)

    # -- what it asks ----------------------------------------------------------
    def in_lesson(self, q: Quantity) -> bool:
        return not self.asks_only or q.phase in self.asks_only or q.kind in self.asks_only

    def asks(self, q: Quantity) -> bool:
        """Whether the student computes `q` (else it is worked for them)."""
        return stage(q, self.net) <= self.place.rung and self.in_lesson(q)

    def wants_rule(self, q: Quantity) -> bool:
        """Whether "which rule?" comes before `q`'s number."""
        place = self.place
        if q.kind in place.ruled or not self.in_lesson(q):
            return False
        if not self.ladder:
            return True
        return place.rung == 0 or stage(q, self.net) == place.rung

    def rule_question(self, q: Quantity) -> RuleQuestion:
        return rule_question(q, self.net)

    @property
    def complete(self) -> bool:
        """The ladder is climbed: a whole epoch computed alone."""
        return self.place.alone > 0

    # -- moving ------------------------------------------------------------------
    def pick_rule(self, q: Quantity, chosen: int | None, depth: int) -> tuple[bool, str]:
        """The student's pick for `q` (None: show me); (right, what the tutor says)."""
        question = self.rule_question(q)
        right = chosen == question.right
        self.score["rule right" if right else "rule wrong"] += 1
        self._move(depth, replace(self.place, ruled=self.place.ruled | {q.kind}))
        return right, question.feedback(chosen)

    def next(self, stepper, outcome: str | None = None):
        """Perform the stepper's next operation under the tutor: worked (outcome None) or asked and answered
        (one of OUTCOMES).  Returns the operation and what the tutor says about the ladder, or ''."""
        depth, began, q = stepper.depth, stepper.step_done or stepper.position == 0, stepper.upcoming
        op = stepper.next()
        said = self._after(depth, q, outcome, began, stepper.step_done)
        self.depth = stepper.depth
        return op, said

    def _after(self, depth: int, q: Quantity, outcome: str | None, began: bool, ended: bool) -> str:
        place = self.place
        streak, whole = place.streak, began or place.whole
        if outcome is not None:
            self.score[outcome] += 1
            if outcome != "right":
                streak, whole = 0, False
            elif stage(q, self.net) == place.rung:  # what the rung newly asks
                streak = min(streak + 1, CLIMB)  # no more than a climb needs (the top climbs no further)
        place = replace(place, streak=streak, whole=whole)
        said = ""
        if ended:
            place = replace(place, finished=place.finished + 1)
            if whole and place.rung == self.top and self.ladder:
                place = replace(place, alone=place.alone + 1)
                said = "A whole epoch computed alone, every value right at the first try: the ladder is climbed."
        climbs = streak >= CLIMB if place.rung else ended and whole
        if self.ladder and place.rung < self.top and climbs:
            place = replace(place, rung=place.rung + 1, streak=0, ruled=frozenset(), whole=False)
            worked = ("a worked epoch seen whole. " if place.rung == 1 else
                      f"{CLIMB} right in a row on {stage_names(self.net)[place.rung - 2]}. ")
            said = f"Up to rung {place.rung}: {worked}You now compute {self.asking(place.rung)}."
        self._move(depth, place)
        return said

    def _move(self, depth: int, place: Place) -> None:
        if not self.trail or self.trail[-1][0] != depth:
            self.trail.append((depth, self.place))
        self.place, self.depth = place, depth

    def sync(self, stepper) -> None:
        """After `p`: the place as it was before the changes made at the depths taken back (a change that left
        the depth as it was, a dialog cancelled, takes nothing back)."""
        if stepper.depth < self.depth:
            while self.trail and self.trail[-1][0] >= stepper.depth:
                self.place = self.trail.pop()[1]
        self.depth = stepper.depth

    def restart(self, net: Network) -> None:
        """Another stepper (opened, or reset): its undo history is new, so the trail goes; the rung stays."""
        self.net, self.top, self.trail, self.depth = net, net.depth + 2, [], 0
        rung = min(self.place.rung, self.top) if self.ladder else self.top
        self.place = replace(self.place, rung=rung, streak=0, ruled=frozenset(), whole=False)

    # -- in words --------------------------------------------------------------
    def asking(self, rung: int | None = None) -> str:
        """What a rung asks the student to compute, in the order of the epoch."""
        rung = self.place.rung if rung is None else rung
        if rung == 0:
            return "nothing yet: every value is worked for you"
        if rung == self.top:
            return "everything: a whole epoch alone"
        return _listed(stage_names(self.net)[:rung][::-1])

    def status(self) -> str:
        """The rung, what it asks, how far to the next, and the score: one line at 120 columns."""
        place = self.place
        if not self.ladder:
            where = "you compute every value this lesson asks"
        else:
            where = f"rung {place.rung} of {self.top} {'▰' * place.rung}{'▱' * (self.top - place.rung)} · "
            if place.rung == 0:
                where += f"every value is worked for you: step through the epoch (n); rung 1 asks {stage_names(self.net)[0]}"
            else:
                where += f"you compute {self.asking()}"
            if 0 < place.rung < self.top:
                where += f" · right in a row on {stage_names(self.net)[place.rung - 1]}: {place.streak} of {CLIMB} to climb"
            elif place.rung == self.top and self.complete:
                where += " · climbed"
        return f"{where} · {self.summary()}"

    def summary(self) -> str:
        score = self.score
        answered = sum(score[k] for k in OUTCOMES)
        parts = [f"{score['right']} of {answered} right at the first try" if answered else "nothing asked yet"]
        if score["slip named"]:
            parts.append(f"{counted(score['slip named'], 'slip')} named")
        picked = score["rule right"] + score["rule wrong"]
        if picked:
            parts.append(f"rules {score['rule right']} of {picked}")
        return ", ".join(parts)

    # -- saving --------------------------------------------------------------------
    def as_dict(self, depth: int) -> dict:
        """Plain JSON; the trail's depths counted back from `depth`, the stepper's now (a session of a batched
        network keeps only the current step's undo history, and the newest depths are the ones kept)."""
        return {"ladder": self.ladder, "asks": list(self.asks_only), "place": self.place.as_list(),
                "trail": [[at - depth, place.as_list()] for at, place in self.trail], "score": dict(self.score)}

    @classmethod
    def from_dict(cls, data: dict, net: Network, depth: int) -> Tutor:
        """The tutor `as_dict` wrote, over a stepper now at undo depth `depth`; ValueError when it cannot be right."""
        if not isinstance(data, dict) or not isinstance(data.get("ladder"), bool):
            raise ValueError("the tutor is damaged")
        asks = data.get("asks")
        if not isinstance(asks, list) or not all(a in PHASES + KINDS for a in asks):
            raise ValueError("the tutor's phases or kinds are damaged")
        tutor = cls(net, data["ladder"], asks=tuple(asks))
        tutor.place = tutor._place(data.get("place"))
        trail, last = [], -1
        raw = data.get("trail")
        if not isinstance(raw, list):
            raise ValueError("the tutor's trail is damaged")
        for item in raw:
            if not (isinstance(item, list) and len(item) == 2 and type(item[0]) is int and last < item[0] + depth <= depth):
                raise ValueError("the tutor's trail is damaged")
            last = item[0] + depth
            if last >= 0:  # older than the undo history the session kept: nothing can go back to it
                trail.append((last, tutor._place(item[1])))
        tutor.trail, tutor.depth = trail, depth
        score = data.get("score")
        if not (isinstance(score, dict) and set(score) == set(SCORE_KEYS)
                and all(type(n) is int and n >= 0 for n in score.values())):
            raise ValueError("the tutor's score is damaged")
        tutor.score = dict(score)
        return tutor

    def _place(self, raw) -> Place:
        if not (isinstance(raw, list) and len(raw) == 6):
            raise ValueError("the tutor's place is damaged")
        rung, streak, ruled, whole, alone, finished = raw
        numbers = (rung, streak, alone, finished)
        if (not all(type(n) is int and n >= 0 for n in numbers) or rung > self.top or streak > CLIMB
                or not isinstance(ruled, list) or not all(k in KINDS for k in ruled) or not isinstance(whole, bool)
                or (not self.ladder and rung != self.top)):
            raise ValueError("the tutor's place is damaged")
        return Place(rung, streak, frozenset(ruled), whole, alone, finished)

