"""What a served class may reach on the server (issue 21): a network file's data path kept to the file's own
folder, the results of a room of visitors inside the results folder whatever their names, and `o` offering a
list in the served app, never a typed path."""

from __future__ import annotations

import os

import pytest

from tui_backprop.app.served import Served
from tui_backprop.cli import main
from tui_backprop.core import PRESETS, NetworkError
from tui_backprop.core.loader import example_names, load_lesson
from tui_backprop.core.progress import claim_record, read_records

from app_driver import drive

NETWORK = 'layers = [2, 1]\nsamples = {{ file = "{data}", inputs = ["a", "b"], targets = ["y"] }}\n'
DATA = "a,b,y\n0,1,1\n1,0,1\n"


def network_file(folder, data: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "net.toml"
    path.write_text(NETWORK.format(data=data))
    return path


@pytest.mark.parametrize("data", ["/etc/passwd", "../outside.csv", "link.csv", "sub/../../outside.csv"])
def test_a_confined_data_path_outside_the_files_folder_is_refused_unread(tmp_path, data):
    (tmp_path / "outside.csv").write_text("root:x:0:0:the first line, never quoted\n" + DATA)
    lesson = tmp_path / "lesson"
    path = network_file(lesson, data)
    (lesson / "link.csv").symlink_to(tmp_path / "outside.csv")
    with pytest.raises(NetworkError) as refused:
        load_lesson(path, confined=True)
    assert "samples.file" in str(refused.value) and "own folder" in str(refused.value)
    assert "root:" not in str(refused.value)


def test_a_confined_data_path_inside_the_folder_loads_as_unconfined(tmp_path):
    lesson = tmp_path / "lesson"
    path = network_file(lesson, "sub/data.csv")
    (lesson / "sub").mkdir()
    (lesson / "sub" / "data.csv").write_text(DATA)
    confined, _ = load_lesson(path, confined=True)
    free, _ = load_lesson(path)
    assert confined.samples == free.samples and len(confined.samples) == 2


def test_the_served_command_line_confines_the_teachers_file_too(tmp_path, capsys):
    (tmp_path / "outside.csv").write_text(DATA)
    path = network_file(tmp_path / "lesson", "../outside.csv")
    assert main(["serve", "--config", str(path), "--port", "1"]) == 2
    assert "own folder" in capsys.readouterr().err


HOSTILE = ["../../etc/passwd", "..", ".", "a\x00b", "[b]bold[/b]", "<script>", "/abs/path", "con", "", " ", "ñame",
           "a" * 300, "..\\..\\windows", "name\nnewline", "-rf", ".hidden"]


def test_forty_visitors_results_land_in_the_folder_each_a_file_of_its_own(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    names = [HOSTILE[n % len(HOSTILE)] for n in range(40)]
    paths = [claim_record(results, name) for name in names]
    assert len(set(paths)) == 40
    for path in paths:
        assert path.parent == results and os.path.realpath(path).startswith(str(results.resolve()) + os.sep)
    assert sorted(os.listdir(results)) == sorted(path.name for path in paths)
    assert sorted(os.listdir(tmp_path)) == ["results"]
    records, problems = read_records(results)
    assert len(records) == 40 and not problems


def test_a_link_planted_under_a_visitors_name_is_not_followed(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    target = tmp_path / "target.json"
    (results / "Ada.json").symlink_to(target)
    path = claim_record(results, "Ada")
    assert path.name == "Ada-2.json" and not target.exists()


def test_o_in_a_served_app_opens_only_what_it_lists(tmp_path):
    lesson = tmp_path / "lesson"
    path = network_file(lesson, "data.csv")
    (lesson / "data.csv").write_text(DATA)
    served = Served(folder=lesson)
    assert list(served.openable())[:len(PRESETS)] == list(PRESETS)
    assert set(example_names()) <= set(served.openable()) and served.openable()["net.toml"] == path

    async def body(app, pilot):
        for typed in ("/etc/passwd", "../lesson/net.toml", str(path)):
            await pilot.press("o")
            prompt = app.screen
            prompt.query_one("Input").value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is prompt and "not one of these" in str(prompt.query_one("#error").render())
            await pilot.press("escape")
        await pilot.press("o")
        app.screen.query_one("Input").value = "net.toml"
        await pilot.press("enter")
        for _ in range(100):
            if app.stepper.net.sizes == (2, 1):
                break
            await pilot.pause(0.05)

    app = drive(body, served=served, network=PRESETS["mazur"](), record=False)
    assert app.stepper.net.sizes == (2, 1) and len(app.stepper.net.samples) == 2
