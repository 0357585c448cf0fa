"""The tutor in the real app (issue 17 §3–§6): the ladder climbed from a worked epoch to one computed alone,
"which rule?" before the first of each kind, a session that brings the ladder back with its undo, lessons,
and the progress screen."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tui_backprop.core.expr import format_number
from tui_backprop.core.loader import load_lesson
from tui_backprop.core.progress import RECORD_NAME, read_record
from tui_backprop.core.session import open_study
from tui_backprop.core.tutor import CLIMB

from app_driver import drive, notifications, press, screen_text, widget_text


def bounded(limit: int = 300):
    """`while condition and next(rounds)`: a key that stops working fails the test instead of hanging it."""
    yield from (True for _ in range(limit))
    raise AssertionError(f"not done after {limit} rounds")


def tutor_text(app) -> str:
    return widget_text(app, app.query_one("#tutor"))


async def pick(app, pilot, right: bool = True) -> None:
    """Answer "which rule?" for the upcoming operation, from the core's own question."""
    question = app.tutor.rule_question(app.stepper.upcoming)
    chosen = question.right if right else (question.right + 1) % len(question.choices)
    await press(pilot, str(chosen + 1))


async def answer(app, pilot, text: str) -> None:
    app.query_one("#tutor-answer").value = text
    await press(pilot, "enter")


def sign_slip(stepper) -> float:
    """An update the wrong way, w + lr·dE_total/dw, computed here from the stepper's numbers."""
    param = stepper.upcoming.param
    return stepper.values[param] + stepper.values["lr"] * stepper.values[f"dE_total/d{param}"]


async def work_on(app, pilot, slip=None, step: str = "n") -> str:
    """Whatever the upcoming operation needs: a rule picked, its value typed (the core's, or `slip`'s), or
    `step` (n, or e: every worked operation up to the next that asks something).  Returns what was done."""
    tutor, q = app.tutor, app.stepper.upcoming
    if tutor.wants_rule(q):
        await pick(app, pilot)
        return "rule"
    if tutor.asks(q):
        await answer(app, pilot, repr(slip(app.stepper)) if slip else format_number(app.stepper.peek(), 12))
        return "slip" if slip else "answer"
    await press(pilot, step)
    return "worked"


@pytest.mark.long
def test_a_student_climbs_the_mazur_ladder_from_a_worked_epoch_to_one_computed_alone():
    """The issue's scripted run: rung 0 to a whole epoch alone, with one slip typed on the way and named."""
    async def body(app, pilot):
        await press(pilot, "u")
        tutor, stepper, rounds = app.tutor, app.stepper, bounded()
        assert tutor.place.rung == 0 and "rung 0 of 4" in tutor_text(app)
        # Rung 0: the whole epoch is worked; before the first of each kind of operation, its rule.
        ruled = []
        while not stepper.epoch_done and next(rounds):
            kind = stepper.upcoming.kind
            if await work_on(app, pilot, step="e") == "rule":
                ruled.append(kind)
            else:
                assert tutor.score["right"] == 0  # nothing asked: every value worked
        assert ruled == list(dict.fromkeys(q.kind for q in stepper.quantities))  # once per kind, in order
        assert tutor.place.rung == 1 and "rung 1 of 4" in tutor_text(app)
        assert "Up to rung 1" in tutor_text(app) and "the updates" in tutor_text(app)

        # Rung 1 asks the updates: e steps through the worked part and stops at the first one's rule.
        await press(pilot, "e")
        assert stepper.upcoming.kind == "update" and tutor.wants_rule(stepper.upcoming)
        await pick(app, pilot, right=False)
        assert tutor.score["rule wrong"] == 1
        assert "so the rule is “gradient descent: w ← w − η·∂E/∂w”" in tutor_text(app)  # why the right one applies
        assert app.focused is app.query_one("#tutor-answer")

        # One slip on the way: the update the wrong way.  Named, the rung kept, that one operation worked.
        param = stepper.upcoming.param
        correct = stepper.peek()
        await work_on(app, pilot, slip=sign_slip)
        assert stepper.last.symbol == param and stepper.values[param] == correct  # worked: the core's value goes on
        assert tutor.place.rung == 1 and tutor.place.streak == 0
        text = tutor_text(app)
        assert "✗" in text and "the update went the wrong way" in text  # the slip, named
        assert "worked" in text and stepper.last.substituted(6) in text
        assert tutor.score["slip named"] == 1 and tutor.score["wrong"] == 0

        # Two right at the first try climb each rung, up to the top; then a whole epoch alone.
        rungs, epochs = [tutor.place.rung], {}
        while not tutor.complete and next(rounds):
            epoch = stepper.epoch + stepper.step_done
            done = await work_on(app, pilot, step="e")
            epochs.setdefault(epoch, []).append(done)
            if tutor.place.rung != rungs[-1]:
                rungs.append(tutor.place.rung)
                assert f"Up to rung {tutor.place.rung}" in tutor_text(app)
        assert rungs == [1, 2, 3, 4]
        assert "the ladder is climbed" in tutor_text(app) and "rung 4 of 4 ▰▰▰▰" in tutor_text(app)
        # The last epoch was computed alone: every operation asked and right (and the forward pass's rules).
        last = epochs[stepper.epoch]
        assert last.count("answer") == len(stepper.quantities) and "worked" not in last
        assert last.count("rule") == len({q.kind for q in stepper.quantities if q.phase == "forward"})

    drive(body)


def test_the_ladder_in_a_saved_session_comes_back_exactly_and_p_takes_a_climb_back(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "ladder.backprop"
    saved = {}

    async def climb_and_save(app, pilot):
        await press(pilot, "u")
        tutor, stepper, rounds = app.tutor, app.stepper, bounded()
        while tutor.place.rung < 2 and next(rounds):
            await work_on(app, pilot, step="e")
        await work_on(app, pilot)  # one more: the place after the climb
        saved["place"], saved["score"] = tutor.place, dict(tutor.score)
        saved["position"], saved["depth"] = stepper.position, stepper.depth
        await press(pilot, "ctrl+s")
        app.screen.query_one("Input").value = str(path)
        await press(pilot, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Saved to" in notifications(app)
        # What p does here, never having stopped: back past the climb to rung 2, to the place before it.
        saved["back"] = []
        while tutor.place.rung == 2 and next(rounds):
            await press(pilot, "p")
            saved["back"].append((stepper.depth, tutor.place))

    drive(climb_and_save)
    study = open_study(path)
    assert study.tutoring and study.tutor.place == saved["place"] and study.tutor.score == saved["score"]

    async def resume(app, pilot):
        tutor, stepper, rounds = app.tutor, app.stepper, bounded()
        assert app.tutor_on and "rung 2 of 4" in tutor_text(app)
        assert (stepper.position, stepper.depth) == (saved["position"], saved["depth"])
        back = []
        while tutor.place.rung == 2 and next(rounds):
            await press(pilot, "p")
            back.append((stepper.depth, tutor.place))
        assert back == saved["back"]  # undo included: the same places at the same depths
        assert tutor.place.rung == 1 and tutor.place.streak == CLIMB - 1

    drive(resume, network=None, stepper=study.stepper, quiz=study.quiz, tutor=study.tutor, tutoring=study.tutoring)


def test_every_answer_and_rule_pick_is_kept_in_the_users_progress_record(user_data_folder):
    async def body(app, pilot):
        await press(pilot, "u")
        await pick(app, pilot, right=False)  # h1's rule, wrong
        rounds = bounded()
        while app.tutor.place.rung == 0 and next(rounds):
            await work_on(app, pilot, step="e")
        await press(pilot, "e")
        await pick(app, pilot)
        await work_on(app, pilot, slip=sign_slip)
        await work_on(app, pilot)
        await app.query_one("#tutor-answer").run_action("give_up")
        await pilot.pause()
        await press(pilot, "P")
        assert "Your progress" in screen_text(app) and "update" in screen_text(app)

    drive(body)
    practice = read_record(user_data_folder / RECORD_NAME).networks["mazur"]
    assert practice.kinds["sum"]["rule wrong"] == 1
    update = practice.kinds["update"]
    assert (update["right"], update["given up"], update["rule right"]) == (1, 1, 2)  # rung 0 asked it too
    assert update["slip named"] == 1 and practice.slips["update"] == {"sign error": 1}
    assert (practice.rung, practice.top) == (1, 4)


def test_no_record_keeps_nothing(user_data_folder):
    async def body(app, pilot):
        await press(pilot, "u")
        await pick(app, pilot)

    drive(body, record=False)
    assert not (user_data_folder / RECORD_NAME).exists()


def test_a_lesson_opens_with_its_text_hides_its_keys_and_closes_with_the_score(tmp_path):
    lesson_file = tmp_path / "test.json"
    data = json.loads((__import__("pathlib").Path("examples/mazur.json")).read_text())
    data["lesson"] = {"title": "A test", "opening": "Compute every value.", "ladder": False,
                      "asks": ["update"], "hidden_keys": ["e", "r", "s"], "closing": "Well done."}
    lesson_file.write_text(json.dumps(data))
    network, lesson = load_lesson(lesson_file)

    async def body(app, pilot):
        assert "A test" in screen_text(app) and "Compute every value." in screen_text(app)
        await press(pilot, "enter")
        footer = screen_text(app).split("\n")[-1].split()
        assert "Epoch" not in footer and "Run" not in footer and "Rates" not in footer and "Next" in footer
        await press(pilot, "e")
        assert app.stepper.position == 0 and "e is not part of this lesson" in notifications(app)
        await press(pilot, "question_mark")
        help_text = str(app.screen.query_one("#keys").content)
        assert "Finish the epoch" not in help_text and "Compare learning rates" not in help_text
        assert "Compute the next operation" in help_text
        await press(pilot, "escape")
        palette = [command.help for command in app.get_system_commands(app.screen)]
        assert "key: e" not in palette and "key: s" not in palette and "key: n,right" in palette
        # Only the updates are asked, without a ladder: the rest is worked.
        for _ in range(len(app.stepper.quantities)):
            if app.stepper.upcoming.kind == "update":
                break
            await work_on(app, pilot, step="f")  # e is hidden
        assert app.tutor.place.rung == app.tutor.top
        for _ in range(len(app.stepper.quantities)):  # bounded: a key that did nothing fails, never hangs
            if len(app.stepper.history):
                break
            await work_on(app, pilot)
        assert "A test: done" in screen_text(app) and "Well done." in screen_text(app)
        assert f"{len(network.start.weights)} of {len(network.start.weights)} right at the first try" in screen_text(app)

    drive(body, network=network, lesson=lesson)


def test_n_leaves_the_footer_while_the_tutor_waits_for_a_rule_or_a_value():
    async def body(app, pilot):
        def footer():
            return screen_text(app).split("\n")[-1]

        assert "n Next" in footer()
        await press(pilot, "u")  # h1's rule is asked
        assert "n Next" not in footer()
        await press(pilot, "n")
        assert app.stepper.position == 0 and "Pick the rule first" in tutor_text(app)
        await pick(app, pilot)  # h1 is worked on rung 0: n shows it
        assert "n Next" in footer()
        app.tutor.place = replace(app.tutor.place, rung=app.tutor.top)  # the top rung, its rule picked: h1 is asked
        app.changed()
        await pilot.pause()
        assert app.focused is app.query_one("#tutor-answer") and "n Next" not in footer()
        await press(pilot, "n")
        assert app.stepper.position == 0 and "Type your value" in tutor_text(app)

    drive(body)


@pytest.mark.parametrize("height, history_shown", [(40, False), (51, True)])
def test_the_tutor_leaves_the_values_table_whole(height, history_shown):
    """The tutor's bar is about 11 rows: at 120×40 it left the values table 3 lines, and the values are what a
    student computes from.  Below 51 rows the history and the chart give it their rows while the tutor is on;
    u turns it off and brings them back, and z (the quiz, whose bar is 6 rows) too."""
    async def body(app, pilot):
        values, bottom = app.query_one("#values"), app.query_one("#bottom")
        await press(pilot, "u")
        await pilot.pause()
        assert app.tutor_on and values.max_scroll_y == 0  # every line of the 2-2-2's values on show
        assert bottom.display == history_shown
        for key in ("u", "u", "z"):  # off, on again, then the quiz in its place
            await press(pilot, key)
            await pilot.pause()
        assert not app.tutor_on and app.quiz_on and bottom.display

    drive(body, size=(120, height))


def test_at_80x24_the_tutor_leaves_v_its_history_and_chart():
    """Compact, one panel at a time: with the tutor on, v still comes to the history and the chart (the values
    come first only where every panel is on show)."""
    async def body(app, pilot):
        await press(pilot, "u")
        shown = []
        for _ in range(4):
            await press(pilot, "v")
            shown += [name for name in ("values", "chart", "history")
                      if app.screen.has_class(f"-show-{name}") and app.query_one(f"#{name}").region.height > 0]
        assert {"values", "chart", "history"} <= set(shown)

    drive(body, size=(80, 24))


def test_at_80x24_a_value_the_tutor_asks_comes_with_its_givens():
    """At 80×24 the tutor's bar leaves the values table no rows, and the diagram there is a picture without
    numbers: asked h1 on the top rung, a student found w1, i1, w2, i2 and b1 nowhere on screen.  The question
    lists them, as an exercise lists its givens (Mazur's, as seed 000 of ../shared/seeds prints them)."""
    async def body(app, pilot):
        await press(pilot, "u")
        await pick(app, pilot)  # h1's rule
        app.tutor.place = replace(app.tutor.place, rung=app.tutor.top)  # h1 asked
        app.changed()
        await pilot.pause()
        assert "h1 = w1·i1 + w2·i2 + b1 = ?" in tutor_text(app)
        assert "given w1 = 0.15, i1 = 0.05, w2 = 0.2, i2 = 0.1, b1 = 0.35" in screen_text(app)

    drive(body, size=(80, 24))
