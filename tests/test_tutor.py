"""The tutor's core (issue 17 §3, §4): which operations each rung asks, the "which rule?" choices written
from the core's own description of each quantity, climbing, and a place that `p` and a session take back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_backprop.core import PRESETS, Network, Sample, Stepper
from tui_backprop.core.expr import Sym
from tui_backprop.core.loader import load_network
from tui_backprop.core.maths import (
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
from tui_backprop.core.network import Parameters
from tui_backprop.core.quantity import BACKWARD, FORWARD, UPDATE
from tui_backprop.core.tutor import CLIMB, KINDS, Tutor, rule_question, stage

REPO = Path(__file__).resolve().parent.parent


def tanh_3_4_2() -> Network:
    """A 3-4-2 tanh network, as the issue names it, with a second hidden layer to fade through (3-4-4-2)."""
    return Network(sizes=(3, 4, 4, 2), activations=("tanh", "tanh", "sigmoid"), loss="mse", bias="neuron",
                   start=Parameters(tuple(0.05 * ((k * 7) % 11 - 5) for k in range(3 * 4 + 4 * 4 + 4 * 2)),
                                    (0.1,) * 10),
                   samples=(Sample((0.5, -0.2, 0.1), (0.2, 0.8)),), name="tanh 3-4-4-2")


NETWORKS = {
    "excel": PRESETS["excel"],
    "mazur": PRESETS["mazur"],
    "xor": PRESETS["xor"],  # four samples: sums over the samples
    "tanh": tanh_3_4_2,
    "iris-row": lambda: load_network(REPO / "examples" / "lessons" / "iris-softmax-step.toml"),  # softmax + cce
    "shared-bias": lambda: PRESETS["mazur"]().with_changes(train_bias=True),
    "l2-momentum": lambda: PRESETS["mazur"]().with_changes(regularization="l2", regularization_rate=0.01,
                                                           optimizer="momentum"),
    "l1-adam": lambda: PRESETS["excel"]().with_changes(regularization="l1", regularization_rate=0.01, optimizer="adam"),
}


def asked(tutor: Tutor, net: Network, rung: int) -> set[int]:
    tutor.place = tutor.place.__class__(rung)
    return {n for n, q in enumerate(Stepper(net).quantities) if tutor.asks(q)}


@pytest.mark.parametrize("name", NETWORKS)
def test_each_rung_blanks_more_from_the_end_of_the_epoch_backward(name):
    net = NETWORKS[name]()
    quantities = list(Stepper(net).quantities)
    tutor = Tutor(net)
    assert tutor.top == net.depth + 2
    rungs = [asked(tutor, net, rung) for rung in range(tutor.top + 1)]
    assert rungs[0] == set()  # rung 0: the whole epoch worked
    assert rungs[-1] == set(range(len(quantities)))  # the top: a whole epoch alone
    assert rungs[1] == {n for n, q in enumerate(quantities) if q.phase == UPDATE}
    for before, after in zip(rungs, rungs[1:]):
        assert before < after  # each rung asks strictly more, and all the rung before asked
    # The output layer's gradients next, then each hidden layer's from the last back, then the forward pass.
    layer_of = {n: (q.layer if q.layer is not None else net.names.parameter_group(q.param)[1])
                for n, q in enumerate(quantities) if q.phase == BACKWARD}
    for rung in range(2, tutor.top):
        layer = net.depth - (rung - 2)
        assert rungs[rung] - rungs[rung - 1] == {n for n, at in layer_of.items() if at == layer}
    assert rungs[-1] - rungs[-2] == {n for n, q in enumerate(quantities) if q.phase == FORWARD}


def right_rule(q, net):
    question = rule_question(q, net)
    return question.choices[question.right]


@pytest.mark.parametrize("name", NETWORKS)
def test_which_rule_offers_three_or_four_distinct_rules_with_the_right_one_from_the_core(name):
    net = NETWORKS[name]()
    a, s, t = Sym("a"), Sym("s"), Sym("t")
    loss = LOSSES[net.loss]
    places = set()
    for q in Stepper(net).quantities:
        question = rule_question(q, net)
        texts = [rule.text for rule in question.choices]
        assert 3 <= len(texts) <= 4 and len(set(texts)) == len(texts)
        assert question == rule_question(q, net)  # the same choices in the same order every time
        places.add(question.right)
        right = question.choices[question.right].text
        activation = ACTIVATIONS.get(net.activations[q.layer - 1]) if q.layer else None
        # The right rule is written from maths.py's own expression for this quantity.
        if q.kind == "activation_slope":
            assert right.endswith(activation.slope(a, s).text())
        elif q.kind == "activation" and activation:
            assert right.endswith(activation.output(s).text())
        elif q.kind == "error":
            assert right.endswith(loss.error(t, a, loss.count(net.sizes[-1], len(net.samples))).text())
        elif q.kind == "loss_slope" and loss.slope:
            assert right.endswith(loss.slope(t, a, loss.count(net.sizes[-1], len(net.samples))).text())
        elif q.kind == "loss_slope":
            assert "softmax with cross-entropy" in right and "a − t" in right
        elif q.kind == "update":
            step = {"sgd": sgd_step(Sym("w"), Sym("η"), Sym("∂E/∂w")),
                    "momentum": sgd_step(Sym("w"), Sym("η"), Sym("v")),
                    "adam": adam_step(Sym("w"), Sym("η"), Sym("m̂"), Sym("v̂"), Sym("ε"))}[net.optimizer]
            assert right.endswith(f"w ← {step.text()}")
        elif q.kind == "penalty":
            assert PENALTIES[net.regularization].total(Sym("λ"), [Sym("w")]).text() in right
        elif q.kind == "penalty_gradient":
            assert right.endswith(PENALTIES[net.regularization].slope(Sym("λ"), Sym("w")).text())
        elif q.kind == "objective_gradient":
            assert right.endswith("∂E_total/∂w + ∂E_reg/∂w")
        elif q.kind == "velocity":
            assert right.endswith(velocity(Sym("v"), Sym("μ"), Sym("g")).text())
        elif q.kind == "step_count":
            assert right.endswith(count_step(Sym("t")).text())
        elif q.kind == "moment":
            first = q.symbol.startswith("m_")
            moment = (first_moment(Sym("m"), Sym("β1"), Sym("g")) if first else
                      second_moment(Sym("v"), Sym("β2"), Sym("g")))
            assert right.endswith(moment.text())
        elif q.kind == "corrected":
            first = q.symbol.startswith("mhat_")
            assert right.endswith(corrected(Sym("m" if first else "v"), Sym("β1" if first else "β2"), Sym("t")).text())
        elif q.kind == "route":
            routes = net.sizes[q.layer + 1]
            assert right.startswith("the sum over every route" if routes > 1 else "the chain rule along its one route")
        elif q.kind == "gradient" and net.bias == "shared" and q.param in net.names.biases:
            assert right.startswith("the sum over every neuron it is added into")
        elif q.kind == "gradient":
            assert right.startswith("the chain rule along one route")
        elif q.kind == "sample_sum":
            assert right.startswith("the sum over the samples")
    assert len(places) > 1  # the right rule is not always in the same place


def test_the_issues_rules_are_among_the_choices():
    """σ′ = a(1 − a), tanh′ = 1 − a², the chain rule along one route, the sum over every route, the loss's slope,
    w ← w − η·∂E/∂w: each is the right rule somewhere."""
    rights = {right_rule(q, net).text for net in (PRESETS["mazur"](), tanh_3_4_2()) for q in Stepper(net).quantities}
    for wanted in ("σ′ = a·(1 − a)", "tanh′ = 1 − a²", "the chain rule along one route", "the sum over every route",
                   "the loss's slope", "w ← w − η·∂E/∂w"):
        assert any(wanted in text for text in rights), wanted


def test_a_wrong_pick_is_answered_with_why_the_right_rule_applies():
    net = PRESETS["mazur"]()
    q = next(q for q in Stepper(net).quantities if q.symbol == "da_h1/dh1")
    question = rule_question(q, net)
    wrong = next(n for n, rule in enumerate(question.choices) if rule.text.startswith("tanh′"))
    said = question.feedback(wrong)
    assert said.startswith("Not “tanh′ = 1 − a²”: that gives the slope of tanh.")
    assert "so the rule is “σ′ = a·(1 − a)”" in said and q.why in said
    assert question.feedback(question.right).startswith("✓ σ′ = a·(1 − a)")


def test_which_rule_comes_at_the_first_of_each_kind_a_rung_newly_asks():
    net = PRESETS["mazur"]()
    stepper = Stepper(net)
    tutor = Tutor(net)
    quantities = list(stepper.quantities)
    assert all(tutor.wants_rule(q) for q in quantities)  # rung 0: every kind it works, until its rule is picked
    first = {}
    for q in quantities:
        first.setdefault(q.kind, q)
    for q in first.values():
        tutor.pick_rule(q, 0, stepper.depth)
    assert not any(tutor.wants_rule(q) for q in quantities)
    tutor.place = tutor.place.__class__(2)  # the output layer's gradients: only what rung 2 newly asks
    assert {q.kind for q in quantities if tutor.wants_rule(q)} == {"loss_slope", "activation_slope", "gradient"}
    assert all(stage(q, net) == 2 for q in quantities if tutor.wants_rule(q))


def answer_every(tutor: Tutor, stepper: Stepper, outcome=lambda q: "right") -> list[str]:
    """Step through one epoch under the tutor, every asked operation answered with `outcome(q)`."""
    said = []
    while True:
        q = stepper.upcoming
        _, news = tutor.next(stepper, outcome(q) if tutor.asks(q) else None)
        said.append(news)
        if stepper.epoch_done:
            return said


def test_two_right_in_a_row_on_what_the_rung_newly_asks_climb_and_a_wrong_answer_keeps_the_rung():
    net = PRESETS["mazur"]()
    stepper, tutor = Stepper(net), Tutor(net)
    answer_every(tutor, stepper)  # rung 0: the whole epoch worked
    assert tutor.place.rung == 1 and tutor.score["right"] == 0
    outcomes = iter(["right", "wrong", "right", "right", "right", "given up", "right", "right"])
    answer_every(tutor, stepper, lambda q: next(outcomes))
    # right (1), wrong (0, the rung kept), right right: rung 2.  The updates left are still asked but climb no
    # further: rung 2 is climbed on the output layer's gradients.
    assert tutor.place.rung == 2 and tutor.place.streak == 0
    assert (tutor.score["right"], tutor.score["wrong"], tutor.score["given up"]) == (6, 1, 1)
    climbs = []
    while tutor.place.rung < tutor.top:
        q = stepper.upcoming
        rung = tutor.place.rung
        tutor.next(stepper, "right" if tutor.asks(q) else None)
        if tutor.place.rung != rung:
            climbs.append((rung, stage(q, net)))
    assert climbs == [(2, 2), (3, 3)]  # each climbed by an answer on what it newly asked


def test_rung_0_climbs_only_after_an_epoch_seen_whole():
    net = PRESETS["mazur"]()
    stepper = Stepper(net)
    stepper.next()  # the tutor turned on mid-epoch
    tutor = Tutor(net)
    answer_every(tutor, stepper)
    assert tutor.place.rung == 0
    answer_every(tutor, stepper)
    assert tutor.place.rung == 1


def test_the_top_rung_is_climbed_by_a_whole_epoch_right_at_the_first_try():
    net = PRESETS["mazur"]()
    stepper, tutor = Stepper(net), Tutor(net, rung=4)
    stepper.next()
    answer_every(tutor, stepper)  # begun before the top: not alone
    assert not tutor.complete
    first = True

    def one_slip(q):
        nonlocal first
        first, was = False, first
        return "slip named" if was else "right"

    answer_every(tutor, stepper, one_slip)
    assert not tutor.complete
    said = answer_every(tutor, stepper)
    assert tutor.complete and "the ladder is climbed" in said[-1]


def test_previous_takes_the_place_back_with_the_answers_it_undoes():
    net = PRESETS["mazur"]()
    stepper, tutor = Stepper(net), Tutor(net)
    places = [tutor.place]
    while tutor.place.rung < 3:
        q = stepper.upcoming
        if tutor.wants_rule(q):
            tutor.pick_rule(q, 0, stepper.depth)
        tutor.next(stepper, "right" if tutor.asks(q) else None)
        places.append(tutor.place)
    score = dict(tutor.score)
    while stepper.previous():
        tutor.sync(stepper)
        places.pop()
        assert tutor.place.rung == places[-1].rung and tutor.place.streak == places[-1].streak
    assert tutor.place.rung == 0 and tutor.place.ruled == frozenset()
    assert tutor.score == score  # what happened stays counted


def test_a_saved_tutor_comes_back_exactly_and_damage_is_refused():
    net = PRESETS["mazur"]()
    stepper, tutor = Stepper(net), Tutor(net, asks=("backward", "update"))
    for _ in range(30):
        q = stepper.upcoming
        if tutor.wants_rule(q):
            tutor.pick_rule(q, 1, stepper.depth)
        tutor.next(stepper, "right" if tutor.asks(q) else None)
    data = tutor.as_dict(stepper.depth)
    again = Tutor.from_dict(data, net, stepper.depth)
    assert (again.place, again.trail, again.score, again.asks_only) == (tutor.place, tutor.trail, tutor.score,
                                                                      tutor.asks_only)
    for broken in ({**data, "place": [9, 0, [], False, 0, 0]}, {**data, "score": {"right": -1}},
                   {**data, "trail": [[1, data["place"]]]}, {**data, "asks": ["nothing"]}, {**data, "ladder": "yes"},
                   {**data, "place": [1, 0, ["no kind"], False, 0, 0]}):
        with pytest.raises(ValueError):
            Tutor.from_dict(broken, net, stepper.depth)


def test_kinds_are_every_kind_the_program_has():
    kinds = {q.kind for name in NETWORKS for q in Stepper(NETWORKS[name]()).quantities}
    assert kinds == set(KINDS)
    assert CLIMB == 2  # the issue's "two answers in a row"


def test_a_change_that_leaves_the_undo_depth_as_it_was_takes_nothing_back():
    """A rule picked, then a dialog cancelled (the app says the stepper changed; its depth did not)."""
    net = PRESETS["mazur"]()
    stepper, tutor = Stepper(net), Tutor(net)
    tutor.pick_rule(stepper.upcoming, 0, stepper.depth)
    picked = tutor.place
    tutor.sync(stepper)
    assert tutor.place == picked and "sum" in picked.ruled
    tutor.next(stepper)
    stepper.set_lr(0.4)  # an edit: one more step back to take before the operation
    tutor.sync(stepper)
    stepper.previous()
    tutor.sync(stepper)
    assert tutor.place.ruled == picked.ruled  # the edit taken back, not the pick
    stepper.previous()
    tutor.sync(stepper)
    assert tutor.place.ruled == frozenset()  # h1 taken back: its rule is asked again
