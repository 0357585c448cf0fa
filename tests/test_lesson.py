"""Lessons a teacher writes (issue 17 §6): the `[lesson]` table in TOML and JSON, the three shipped under
examples/lessons/, a lesson file beside each student's workbook, and a lesson that lasts through a session."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tui_backprop import cli
from tui_backprop.core import PRESETS, NetworkError
from tui_backprop.core.loader import load_lesson, load_network, network_to_dict
from tui_backprop.core.session import open_study
from tui_backprop.core.tutor import Tutor

from app_driver import drive, notifications, press, screen_text

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "examples" / "lessons"
TOML_LESSON = """
[lesson]
title = "Backward only"
opening = "Two lines\\nof opening."
asks = ["backward", "update"]
ladder = true
rung = 2
tolerance = 1e-4
hidden_keys = ["e", "r", "s", "?"]
closing = "The end."
"""


def toml_network(tmp_path, lesson: str = TOML_LESSON) -> Path:
    path = tmp_path / "lesson.toml"
    path.write_text((REPO / "examples" / "tanh-3-layer.toml").read_text(encoding="utf-8") + lesson, encoding="utf-8")
    return path


def test_a_lesson_table_reads_the_same_from_toml_and_json(tmp_path):
    net, lesson = load_lesson(toml_network(tmp_path))
    assert (lesson.title, lesson.opening, lesson.asks, lesson.ladder, lesson.rung, lesson.tolerance, lesson.hidden_keys,
            lesson.closing) == ("Backward only", "Two lines\nof opening.", ("backward", "update"), True, 2, 1e-4,
                                ("e", "r", "s", "?"), "The end.")
    as_json = tmp_path / "lesson.json"
    as_json.write_text(json.dumps(dict(network_to_dict(net), lesson=lesson.as_dict())), encoding="utf-8")
    assert load_lesson(as_json) == (net, lesson)
    assert load_lesson(REPO / "examples" / "mazur.json")[1] is None  # a network file without one


@pytest.mark.parametrize("table, message", [
    ('[lesson]\nrung = 9', "lesson.rung: must be a rung of this network's ladder, 0 to 5, got 9"),
    ('[lesson]\nladder = false\nrung = 1', "lesson.rung: is where the ladder starts, and ladder is false"),
    ('[lesson]\nasks = ["sideways"]', "lesson.asks: 'sideways' is not a phase"),
    ('[lesson]\nhidden_keys = ["q"]', "lesson.hidden_keys: q cannot be hidden"),
    ('[lesson]\ntolerance = 2', "lesson.tolerance: must be a relative tolerance above 0 and below 1, got 2"),
    ('[lesson]\ntitle = "a\\nb"', "lesson.title: must be text of up to 200 characters on one line"),
    ('[lesson]\nteacher = "me"', "lesson.teacher: unknown key"),
])
def test_a_bad_lesson_table_is_one_line_naming_the_key(tmp_path, capsys, table, message):
    path = toml_network(tmp_path, "\n" + table + "\n")
    with pytest.raises(NetworkError, match="^" + message.split(":")[0]):
        load_network(path)
    assert cli.main(["explain", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_lesson_that_is_not_a_table_is_one_line_too(tmp_path, capsys):
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(dict(json.loads((REPO / "examples" / "mazur.json").read_text()), lesson=3)))
    assert cli.main(["explain", "--config", str(path)]) == 2
    assert "lesson: must be a table of keys" in capsys.readouterr().err


def test_a_hidden_key_the_app_does_not_have_is_refused_before_it_starts(tmp_path, capsys):
    path = toml_network(tmp_path, '\n[lesson]\nhidden_keys = ["e", "k"]\n')
    assert cli.main(["--config", str(path)]) == 2
    assert "lesson.hidden_keys: 'k' is not a key of the app" in capsys.readouterr().err


def test_the_three_shipped_lessons():
    mazur_net, mazur = load_lesson(LESSONS / "mazur-ladder.toml")
    assert mazur_net == PRESETS["mazur"]().with_changes(name=mazur_net.name) and mazur.ladder and mazur.rung == 0
    assert "alone" in mazur.title
    sheet_net, sheet = load_lesson(LESSONS / "class-sheet-learning-rate.toml")
    assert sheet_net == PRESETS["excel"]().with_changes(name=sheet_net.name) and not sheet.ladder
    assert "learning rate" in sheet.closing and "s" not in sheet.hidden_keys  # the question is answered with s
    iris_net, iris = load_lesson(LESSONS / "iris-softmax-step.toml")
    assert iris_net.activations[-1] == "softmax" and iris_net.loss == "cce" and len(iris_net.samples) == 1
    with open(REPO / "examples" / "iris.csv", encoding="utf-8") as stream:
        first = next(csv.DictReader(stream))
    sample = iris_net.samples[0]
    assert sample.inputs == tuple(float(first[c]) for c in ("sepal_length", "sepal_width", "petal_length", "petal_width"))
    classes = sorted({"setosa", "versicolor", "virginica"})
    assert sample.targets == tuple(float(c == first["species"]) for c in classes)


def test_exercise_writes_a_lesson_beside_each_workbook(tmp_path, capsys):
    names = tmp_path / "names.txt"
    names.write_text("Ada Lovelace\nAlan Turing\n", encoding="utf-8")
    course = tmp_path / "course"
    assert cli.main(["exercise", "--students", str(names), "--preset", "mazur", "--epochs", "2", "--out", str(course)]) == 0
    for stem in ("Ada_Lovelace", "Alan_Turing"):
        net, lesson = load_lesson(course / "students" / f"{stem}-lesson.json")
        assert net == load_network(course / "key" / f"{stem}.json")  # the student's own numbers
        assert (course / "students" / f"{stem}.xlsx").exists()
        assert not lesson.ladder and lesson.epochs == 2 and {"e", "f", "r", "x", "g"} <= set(lesson.hidden_keys)
    # A network file's own lesson goes to every student instead.
    own = toml_network(tmp_path, '\n[lesson]\ntitle = "Mine"\nrung = 1\n')
    other = tmp_path / "other"
    assert cli.main(["exercise", "--students", str(names), "--config", str(own), "--out", str(other)]) == 0
    assert load_lesson(other / "students" / "Ada_Lovelace-lesson.json")[1].title == "Mine"


def test_a_lesson_lasts_through_a_saved_session(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    net, lesson = load_lesson(toml_network(tmp_path))
    path = tmp_path / "lesson.backprop"

    async def save(app, pilot):
        assert "Two lines" in screen_text(app)
        await press(pilot, "enter")
        assert app.tutor.place.rung == 2 and app.quiz.tolerance == 1e-4
        await press(pilot, "n")
        await app.run_action("save")
        await pilot.pause()
        app.screen.query_one("Input").value = str(path)
        await press(pilot, "enter")
        await app.workers.wait_for_complete()

    drive(save, network=net, lesson=lesson)
    study = open_study(path)
    assert study.lesson == lesson and study.tutoring and study.tutor.place.rung == 2

    async def resume(app, pilot):
        assert "Two lines" not in screen_text(app)  # the opening is not shown again
        assert app.tutor_on and "rung 2 of 5" in screen_text(app)
        await press(pilot, "s")
        assert "s is not part of this lesson" in notifications(app) and len(app.screen_stack) == 1

    drive(resume, network=None, stepper=study.stepper, quiz=study.quiz, tutor=study.tutor, tutoring=True,
          lesson=study.lesson)


def test_opening_a_lesson_file_with_o_starts_it_and_another_network_ends_it():
    async def body(app, pilot):
        await press(pilot, "o")
        app.screen.query_one("Input").value = str(LESSONS / "class-sheet-learning-rate.toml")
        await press(pilot, "enter")
        await app.workers.wait_for_complete()  # a network file is read in a worker
        await pilot.pause()
        assert "The class sheet, by hand" in screen_text(app)
        await press(pilot, "enter")
        assert app.tutor_on and not app.tutor.ladder and "e" in app.hidden_keys
        await press(pilot, "o")
        app.screen.query_one("Input").value = "mazur"
        await press(pilot, "enter")
        assert app.lesson is None and not app.hidden_keys and not app.tutor_on
        await press(pilot, "e")
        assert len(app.stepper.history) == 1

    drive(body)


def test_a_lesson_without_the_ladder_asks_everything_it_names_from_the_start():
    net = PRESETS["mazur"]()
    tutor = Tutor(net, ladder=False, asks=("gradient",))
    from tui_backprop.core import Stepper

    asked = [q.symbol for q in Stepper(net).quantities if tutor.asks(q)]
    assert asked == [q.symbol for q in Stepper(net).quantities if q.kind == "gradient"]
