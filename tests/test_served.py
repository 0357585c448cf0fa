"""The served app's room (issue 21): what a visitor may open, what reaches them as downloads, and the
command's refusals.  The real app under Pilot with a Room, as `backprop-tui serve` starts it; the browser
itself is tests/test_serve_browser.py."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from app_driver import drive, press, type_in, widget_text
from tui_backprop import cli
from tui_backprop.app.served import Room, examples_folder
from tui_backprop.core import PRESETS, NetworkError, Stepper
from tui_backprop.core.loader import load_network
from tui_backprop.core.session import load_study

NETWORK = """name = "{name}"
layers = [2, 1]
activations = ["sigmoid"]
samples = {{ file = "{data}", inputs = ["a", "b"], targets = "t" }}
"""


def capture_deliveries(app) -> list[tuple[str, bytes]]:
    """Every file the app hands to the browser, by name with its bytes, read as the web driver reads it."""
    delivered: list[tuple[str, bytes]] = []

    def deliver_binary(path, *, save_directory=None, name=None, **options):
        delivered.append((name, Path(path).read_bytes()))
        return f"key-{len(delivered)}"

    app.deliver_binary = deliver_binary
    return delivered


def served(body, room: Room | None = None, preset: str = "excel"):
    def wrapped(app, pilot):
        app.delivered = capture_deliveries(app)
        return body(app, pilot)

    return drive(wrapped, network=PRESETS[preset](), room=room or Room(start=preset))


@pytest.mark.parametrize("typed", ["/etc/passwd", "../README.md", "examples/../../etc/passwd", "~/.ssh/id_rsa",
                                   str(Path(__file__)), "/dev/zero", "mazur.backprop"])
def test_o_opens_nothing_that_is_not_offered(typed):
    async def body(app, pilot):
        await press(pilot, "o")
        await type_in(pilot, typed)
        error = widget_text(app, app.screen.query_one("#error"))
        assert "is not offered here" in error and "examples/iris.toml" in error
        assert app.stepper.net.name == "excel"  # nothing was opened

    served(body)


def test_o_opens_an_offered_example_and_a_preset():
    async def body(app, pilot):
        await press(pilot, "o")
        await type_in(pilot, "examples/tanh-3-layer.toml")
        assert app.stepper.net == load_network(examples_folder() / "tanh-3-layer.toml")
        await press(pilot, "o")
        await type_in(pilot, "mazur")
        assert app.stepper.net == PRESETS["mazur"]()

    served(body)


def test_the_lesson_folder_is_offered_and_its_data_stays_in_it(tmp_path):
    lesson = tmp_path / "lesson"
    lesson.mkdir()
    (lesson / "data.csv").write_text("a,b,t\n0,1,1\n1,0,0\n")
    (tmp_path / "outside.csv").write_text("a,b,t\n0,0,0\n1,1,1\n")
    (lesson / "inside.toml").write_text(NETWORK.format(name="inside", data="data.csv"))
    (lesson / "escapes.toml").write_text(NETWORK.format(name="escapes", data="../outside.csv"))
    (lesson / "passwd.toml").write_text(NETWORK.format(name="passwd", data="/etc/passwd"))
    (lesson / "linked.csv").symlink_to(tmp_path / "outside.csv")
    (lesson / "linked.toml").write_text(NETWORK.format(name="linked", data="linked.csv"))
    (lesson / "away.toml").symlink_to(tmp_path / "elsewhere.toml")
    (tmp_path / "elsewhere.toml").write_text(NETWORK.format(name="elsewhere", data="../outside.csv"))
    room = Room(start=str(lesson / "inside.toml"), folder=str(lesson), files=(str(lesson / "inside.toml"),))
    offered = room.offered()
    assert {"inside.toml", "escapes.toml", "passwd.toml", "linked.toml"} <= set(offered)
    assert "away.toml" not in offered  # a link out of the folder is not offered

    async def body(app, pilot):
        for name in ("escapes.toml", "passwd.toml", "linked.toml"):
            await press(pilot, "o")
            await type_in(pilot, name)
            error = widget_text(app, app.screen.query_one("#error"))
            assert error.startswith(f"{name}: samples.file:") and "own folder" in error, error
            assert "root:" not in error and str(tmp_path) not in error  # neither passwd's line nor the server's path
            await press(pilot, "escape")
        await press(pilot, "o")
        await type_in(pilot, "inside.toml")
        assert app.stepper.net.name == "inside" and len(app.stepper.net.samples) == 2

    drive(body, network=load_network(lesson / "inside.toml", confined=True), room=room)


def test_a_data_file_outside_its_folder_is_refused_when_confined_and_read_otherwise(tmp_path):
    (tmp_path / "lesson").mkdir()
    (tmp_path / "outside.csv").write_text("a,b,t\n0,0,0\n1,1,1\n")
    path = tmp_path / "lesson" / "net.toml"
    path.write_text(NETWORK.format(name="net", data="../outside.csv"))
    assert len(load_network(path).samples) == 2  # in a terminal, the user's own files are theirs to name
    with pytest.raises(NetworkError, match="own folder"):
        load_network(path, confined=True)


def test_x_hands_the_export_to_the_browser_and_writes_nothing_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        await press(pilot, "n", "z")
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()

    app = served(body)
    names = [name for name, _ in app.delivered]
    assert sorted(names) == ["excel-history.csv", "excel-network.toml", "excel-solution.md", "excel.xlsx"]
    assert list(tmp_path.iterdir()) == []
    history = dict(app.delivered)["excel-history.csv"].decode()
    assert history.splitlines()[0].startswith("epoch,")
    assert "Your browser downloads them" in "\n".join(app.notified)


def test_ctrl_s_hands_the_session_to_the_browser_without_asking_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        await press(pilot, "n", "n", "n")
        await press(pilot, "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.screen_stack) == 1  # no dialog asked where
        assert app.unsaved_work() is None

    app = served(body, preset="mazur")
    assert [name for name, _ in app.delivered] == ["mazur.backprop"]
    assert list(tmp_path.iterdir()) == []
    saved = tmp_path / "copy.backprop"
    saved.write_bytes(app.delivered[0][1])
    stepper, _ = load_study(saved)
    reference = Stepper(PRESETS["mazur"]())
    for _ in range(3):
        reference.next()
    assert stepper.position == 3 and stepper.values == reference.values


def test_quit_after_save_waits_for_the_download(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        await press(pilot, "n", "q", "s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.delivering == {"key-1"}  # the browser has not got it yet
        from textual.events import DeliveryComplete

        app.post_message(DeliveryComplete(key="key-1", name="mazur.backprop"))
        await pilot.pause()
        assert not app.is_running

    served(body, preset="mazur")


# -- the command ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("argv, said", [
    (["serve", "--lesson", "x.toml", "--preset", "xor"], "not allowed with argument"),
    (["--preset", "xor", "serve", "--lesson", "x.toml"], "--lesson names the network"),
    (["serve", "--port", "0"], "a port is a whole number"),
    (["serve", "--max-sessions", "0"], "at least 1"),
    (["serve", "--preset", "nonesuch"], "unknown preset"),
    (["serve", "--config", "/nonexistent.toml"], "cannot read"),
    (["--lr", "0.1", "serve"], "neither --lr"),
])
def test_serve_refuses_bad_options_in_one_line(argv, said, capsys):
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1


def test_serve_refuses_a_results_path_that_is_a_file(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    assert cli.main(["serve", "--results", str(tmp_path / "f")]) == cli.EXIT_USAGE
    assert "--results" in capsys.readouterr().err


def test_serve_refuses_a_config_whose_data_leaves_its_folder(tmp_path, capsys):
    path = tmp_path / "net.toml"
    path.write_text(NETWORK.format(name="net", data="/etc/passwd"))
    assert cli.main(["serve", "--config", str(path)]) == cli.EXIT_USAGE
    assert "own folder" in capsys.readouterr().err


def test_serve_on_a_port_in_use_says_so_in_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err and err.count("\n") == 1


# -- the class's results ----------------------------------------------------------------

HOSTILE = ["../../etc/passwd", "..", ".", "", "a\x00b", "[b]bold[/b]", "[link=file:///etc/passwd]x[/link]",
           "/abs/path", "C:\\Windows\\system32", "con", "nul.txt", "-rf", ".hidden", "x" * 300, "\n\n", "a/../../b",
           "💥", "Ada", "Ada", "ada", "Ada Lovelace", "Ada\tLovelace", "é", "e\u0301", "~root", "$HOME", "`id`",
           "a;b", "<script>alert(1)</script>", "a" * 47 + "/..", "NUL", "lpt1", "..\\..\\x", "%2e%2e%2f",
           "\u202eevil", "?", "*", "name.json", "name", "name"]


def test_forty_visitors_hostile_names_get_forty_files_inside_the_folder_only(tmp_path):
    from tui_backprop.app.served import claim
    from tui_backprop.core.progress import read_record

    folder = tmp_path / "results"
    folder.mkdir()
    assert len(HOSTILE) == 40
    paths = [claim(str(folder), name) for name in HOSTILE]
    assert len(set(paths)) == 40  # one file each, the same name twice included
    assert sorted(folder.iterdir()) == sorted(paths)  # every one inside the folder, nothing else there
    assert list(tmp_path.iterdir()) == [folder]  # and nothing beside it
    for path in paths:
        assert path.parent == folder and path.suffix == ".json" and not path.name.startswith((".", "-"))
        assert read_record(path).networks == {}  # an empty record until the visitor answers


def test_a_visitor_is_asked_a_name_first_and_their_answers_go_to_their_file(tmp_path, user_data_folder, capsys):
    from tui_backprop.core.progress import RECORD_NAME, read_record

    results = tmp_path / "results"
    results.mkdir()
    value = Stepper(PRESETS["excel"]()).upcoming.expr.evaluate(Stepper(PRESETS["excel"]()).values)

    async def body(app, pilot):
        assert "Your name" in widget_text(app, app.screen.query_one(".dialog-title"))
        await press(pilot, "escape")  # no name, no app: it asks again
        assert "Your name" in widget_text(app, app.screen.query_one(".dialog-title"))
        await type_in(pilot, "../../[b]Ada[/b]")
        assert len(app.screen_stack) == 1
        await press(pilot, "z")
        await type_in(pilot, repr(value))
        await pilot.pause()

    served(body, room=Room(start="excel", results=str(results)))
    files = list(results.iterdir())
    assert [path.name for path in files] == ["b-Ada-b.json"]
    assert read_record(files[0]).networks["excel"].kinds["sum"]["right"] == 1
    assert not (user_data_folder / RECORD_NAME).exists()  # never the server user's own record
    assert cli.main(["progress", str(results)]) == cli.EXIT_OK
    assert "excel" in capsys.readouterr().out


def test_served_without_results_keeps_no_record(user_data_folder):
    from tui_backprop.core.progress import RECORD_NAME

    value = Stepper(PRESETS["excel"]()).upcoming.expr.evaluate(Stepper(PRESETS["excel"]()).values)

    async def body(app, pilot):
        await press(pilot, "z")
        await type_in(pilot, repr(value))
        await press(pilot, "P")
        assert "this class keeps no results" in widget_text(app, app.screen.query_one("#text"))

    app = drive(body, network=PRESETS["excel"](), room=Room(start="excel"), record=False)
    assert app.quiz.has_score()
    assert not (user_data_folder / RECORD_NAME).exists()


def test_a_lesson_is_what_every_visitor_opens_and_o_offers_its_folder_and_the_shipped_lessons(tmp_path):
    shipped = examples_folder() / "lessons" / "mazur-ladder.toml"
    (tmp_path / "lesson.toml").write_text(shipped.read_text())
    (tmp_path / "other.toml").write_text(NETWORK.format(name="other", data="data.csv"))
    room = Room(start=str(tmp_path / "lesson.toml"), folder=str(tmp_path), files=(str(tmp_path / "lesson.toml"),))
    network, lesson = room.opening()
    assert lesson is not None and lesson.title and network.name
    assert {"lesson.toml", "other.toml", "examples/lessons/mazur-ladder.toml"} <= set(room.offered())

    async def body(app, pilot):
        assert app.lesson is lesson and app.tutor_on
        await press(pilot, "escape")  # the lesson's opening page
        await press(pilot, "o")
        await type_in(pilot, "examples/lessons/mazur-ladder.toml")
        assert app.lesson.title == lesson.title

    drive(body, network=network, lesson=lesson, room=room)


def test_serve_lesson_refuses_a_file_without_a_lesson(capsys):
    assert cli.main(["serve", "--lesson", str(examples_folder() / "iris.toml")]) == cli.EXIT_USAGE
    assert "not a lesson" in capsys.readouterr().err

