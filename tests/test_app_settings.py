"""The settings screen (issue 20 §1): S opens what a network file says as a form; applying builds the
network through the loader (its one-line messages, nothing changed on a refusal), asks before dropping
unsaved work, and is one step `p` takes back; the screen saves what it shows as a network file."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import Input, OptionList, Select

from tui_backprop import cli
from tui_backprop.app.served import Served
from tui_backprop.app.widgets.screens import ConfirmScreen
from tui_backprop.app.widgets.settings_screen import SettingsScreen, form_of, network_data
from tui_backprop.core import PRESETS, NetworkError, Stepper
from tui_backprop.core.loader import load_lesson, load_network, network_from_dict, network_path, network_to_dict

from app_driver import drive, notifications, press, settle, widget_text
from budget import examples


async def fill(app, pilot, **fields) -> None:
    """Put each field's text into its input, or pick its choice, as a person would (the input keeps the focus)."""
    screen = app.screen
    for key, value in fields.items():
        widget = screen.query_one(f"#{key}")
        if isinstance(widget, Input):
            widget.focus()
        widget.value = value
    await pilot.pause()


async def type_into(app, pilot, key: str, text: str) -> None:
    """Type `text` into a field key by key (slower: a tenth of a second a key)."""
    widget = app.screen.query_one(f"#{key}", Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def apply(app, pilot, button: bool = False) -> None:
    """enter in the form's focused field (or the Apply button pressed): the network is built in a worker, then put
    on screen; returns once what it led to shows: the settings closed, a question, or a message under the form.
    (Waiting for the workers alone raced the key: under load the worker had not started yet.)"""
    settings = app.screen
    settings.show_message("")  # what the key leads to shows here, if the settings stay open
    if button:
        settings.query_one("#apply").press()
    else:
        await pilot.press("enter")
    for _ in range(400):
        await settle(pilot)
        if app.screen is not settings:
            return
        message = str(settings.query_one("#settings-message").render())
        if message and "Building the network" not in message:
            return


def listed(samples) -> list[dict]:
    return [{"inputs": list(s.inputs), "targets": list(s.targets)} for s in samples]


def error_line(app) -> str:
    return widget_text(app, app.screen.query_one("#settings-message"))


def all_values(stepper: Stepper) -> dict:
    return dict(stepper.values.items())


def test_applied_settings_are_the_network_the_same_file_loads_and_p_takes_them_back(tmp_path):
    mazur = PRESETS["mazur"]()
    # The same keys as a network file, for the loader to read: the form's choices below, mazur's samples.
    twin = tmp_path / "twin.json"
    twin.write_text(json.dumps({"name": "mazur", "layers": [2, 3, 2], "activations": ["tanh", "sigmoid"],
                                "loss": "half_sse", "bias": "shared", "train_bias": False, "learning_rate": 0.5,
                                "weights": {"seed": 3, "scale": 0.7}, "optimizer": "adam", "eps": 1e-6,
                                "samples": listed(mazur.samples)}))
    expected = load_network(twin)

    async def body(app, pilot):
        await press(pilot, "n", "n", "n")  # work under way: applying asks first
        before, kept = app.stepper, all_values(app.stepper)
        position = before.position
        await press(pilot, "S")
        assert isinstance(app.screen, SettingsScreen)
        await fill(app, pilot, optimizer="adam", eps="1e-6")
        await type_into(app, pilot, "layers", "2, 3, 2")
        # another shape: the numbers on screen no longer fit, so it starts from random weights
        assert app.screen.query_one("#start").value == "random"
        await fill(app, pilot, weights_seed="3", weights_scale="0.7", activations="tanh, sigmoid")
        await apply(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)  # 3 steps of epoch 1 would go
        assert app.stepper is before
        await press(pilot, "n")  # no: the settings stay open, nothing changed
        assert isinstance(app.screen, SettingsScreen) and app.stepper is before and all_values(before) == kept
        await apply(app, pilot, button=True)
        await press(pilot, "y")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert app.stepper.net == expected and app.stepper.pristine
        await press(pilot, "e")
        twin_stepper = Stepper(expected)
        twin_stepper.finish_epoch()
        assert all_values(app.stepper) == all_values(twin_stepper)
        # p takes the epoch back, operation by operation, then the settings: the stepper before, exactly
        while app.stepper.position:
            app.action_previous()  # what p does, without a frame drawn for each of the epoch's operations
        await press(pilot, "p")
        assert app.stepper is before and before.position == position and all_values(before) == kept
        assert app.unsaved_work() is not None  # its work is as unsaved as before
        await press(pilot, "p")
        assert before.position == position - 1
        assert "Took back the settings" in notifications(app)

    drive(body)


@pytest.mark.parametrize("field, text, key, value", [
    ("layers", "2,,2", "layers", [2, "", 2]),
    ("learning_rate", "abc", "learning_rate", "abc"),
    ("batch", "0", "batch", 0),
])
def test_a_refused_entry_shows_the_loaders_line_and_changes_nothing(field, text, key, value):
    mazur = PRESETS["mazur"]()
    with pytest.raises(NetworkError) as refusal:
        network_from_dict({**network_to_dict(mazur), key: value})

    async def body(app, pilot):
        before, kept = app.stepper, all_values(app.stepper)
        await press(pilot, "S")
        await type_into(app, pilot, field, text)
        await apply(app, pilot)
        assert isinstance(app.screen, SettingsScreen)  # still open, to put it right
        assert error_line(app) == f"Not applied: {refusal.value}"
        assert app.stepper is before and all_values(before) == kept and before.net == mazur
        await press(pilot, "escape")
        assert len(app.screen_stack) == 1 and app.stepper is before

    drive(body, network=mazur)


def test_saved_settings_load_to_the_same_numbers_and_a_file_is_not_replaced_unasked(tmp_path):
    path = tmp_path / "spiral.toml"
    generated = {"generate": "spiral", "count": 40, "noise": 0.1, "seed": 2}

    async def body(app, pilot):
        await press(pilot, "S")
        await fill(app, pilot, data="generate", gen_kind="spiral", gen_count="40", gen_noise="0.1", gen_seed="2",
                   test_fraction="0.25", layers="2, 4, 1", activations="tanh, sigmoid", loss="bce", bias="neuron",
                   batch="8", shuffle_seed="5", regularization="l2", regularization_rate="0.01",
                   optimizer="momentum", momentum="0.8", learning_rate="0.3")
        await fill(app, pilot, path=str(path))
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert "Saved to" in error_line(app)
        saved = load_network(path)
        twin = network_from_dict({"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                                  "bias": "neuron", "learning_rate": 0.3, "batch": 8, "shuffle_seed": 5,
                                  "regularization": "l2", "regularization_rate": 0.01, "optimizer": "momentum",
                                  "momentum": 0.8, "samples": generated, "test_fraction": 0.25, "name": "xor",
                                  "weights": {"seed": 0, "scale": 0.5}})
        assert saved == twin and saved.test_samples == twin.test_samples
        # applied, the network on screen is the one the file holds
        await apply(app, pilot, button=True)
        assert len(app.screen_stack) == 1 and app.stepper.net == saved
        # saved again over the file: it asks, and no keeps the file as it is
        text = path.read_text()
        await press(pilot, "S")
        await fill(app, pilot, learning_rate="0.9", path=str(path))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "n")
        assert path.read_text() == text and f"Not saved: {path} is kept." == error_line(app)

    drive(body, preset="xor")
    # --config reads it: train runs its epochs from those numbers
    assert cli.main(["train", "--config", str(path), "--epochs", "2", "--csv", str(tmp_path / "run.csv")]) == 0


@pytest.mark.parametrize("example", ["iris", "playground-spiral"])
def test_a_data_sets_reference_shows_in_the_form_and_applies_unchanged(example):
    """A CSV file (iris: standardized, a fifth held out) and a generated set come back as the same reference:
    applied untouched, the network is the one the file loads, a new stepper at its start."""
    net = load_network(network_path(example))

    async def body(app, pilot):
        before = app.stepper
        await press(pilot, "S")
        form = app.screen.read_form()
        assert form["data"] == ("file" if example == "iris" else "generate")
        assert form["test_fraction"] == repr(0.2)
        app.screen.query_one("#name").focus()
        await apply(app, pilot)
        assert len(app.screen_stack) == 1 and app.stepper is not before
        assert app.stepper.net == net and app.stepper.net.test_samples == net.test_samples

    drive(body, network=net)


def test_at_80x24_the_form_scrolls_to_its_last_field_and_S_is_in_help_and_the_palette():
    async def body(app, pilot):
        assert any(keys == "S" for keys, _ in app.key_help())
        assert any("Change the experiment" in command.title for command in app.get_system_commands(app.screen))
        await press(pilot, "S")
        await fill(app, pilot, optimizer="adam")
        form = app.screen.query_one("#settings-form")
        eps = app.screen.query_one("#eps", Input)
        assert not form.region.contains_region(eps.region)  # below the fold at first
        app.screen.query_one("#batch").focus()
        for _ in range(10):  # tab from field to field, as a person would, down to ε
            if app.focused is eps:
                break
            await pilot.press("tab")
        await pilot.pause()
        assert app.focused is eps and form.region.contains_region(eps.region)
        await type_into(app, pilot, "eps", "-1")
        await apply(app, pilot)
        with pytest.raises(NetworkError) as refusal:
            network_from_dict({**network_to_dict(PRESETS["mazur"]()), "optimizer": "adam", "eps": -1.0})
        line = app.screen.query_one("#settings-message")
        assert f"Not applied: {refusal.value}" == widget_text(app, line)
        assert app.screen.region.contains_region(line.region)  # the message is in view, under the form

    drive(body, size=(80, 24))


def test_a_lesson_keeps_its_network():
    """S is off while a lesson runs: the lesson is about its network (o, opening another, ends the lesson)."""
    net, lesson = load_lesson(network_path("examples/lessons/mazur-ladder.toml"))

    async def body(app, pilot):
        await press(pilot, "escape")  # the lesson's opening page
        assert app.lesson is not None and len(app.screen_stack) == 1
        await press(pilot, "S")
        assert len(app.screen_stack) == 1 and app.stepper.net == net

    drive(body, network=net, lesson=lesson)


def test_a_csv_file_typed_in_is_read_as_a_network_file_reads_it(tmp_path):
    """iris's CSV through a 4-5-3 softmax network, standardized, a fifth held out: the network a file with the
    same keys loads; a folder as the file to save to is one line, nothing written."""
    iris = network_path("iris").parent / "iris.csv"
    columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    twin = network_from_dict({"name": "mazur", "layers": [4, 5, 3], "activations": ["tanh", "softmax"], "loss": "cce",
                              "bias": "neuron", "train_bias": False, "learning_rate": 0.5,
                              "weights": {"seed": 0, "scale": 0.5},
                              "samples": {"file": str(iris), "inputs": columns, "targets": "species",
                                          "standardize": True}, "test_fraction": 0.2})

    async def body(app, pilot):
        await press(pilot, "S")
        await fill(app, pilot, data="file", csv_file=str(iris), csv_inputs=", ".join(columns), csv_targets="species",
                   csv_standardize=True, test_fraction="0.2", layers="4, 5, 3", activations="tanh, softmax",
                   loss="cce", bias="neuron", path=str(tmp_path))
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert error_line(app).startswith(f"Not saved: cannot write {tmp_path}")
        assert list(tmp_path.iterdir()) == []
        await apply(app, pilot, button=True)
        assert len(app.screen_stack) == 1
        assert app.stepper.net == twin and app.stepper.net.test_samples == twin.test_samples

    drive(body)


def test_opening_another_network_forgets_what_p_would_bring_back():
    async def body(app, pilot):
        await press(pilot, "S")
        await type_into(app, pilot, "learning_rate", "0.25")
        await apply(app, pilot)
        assert app.stepper.net.start.lr == 0.25
        await press(pilot, "o")
        app.screen.query_one(Input).value = "excel"
        await pilot.press("enter")
        await settle(pilot)
        assert app.stepper.net.name == "excel"
        await press(pilot, "p")
        assert app.stepper.net.name == "excel" and "Already at the start." in notifications(app)

    drive(body)


TEXT_FIELDS = ["name", "gen_count", "gen_noise", "gen_seed", "csv_file", "csv_inputs", "csv_targets", "test_fraction",
               "split_seed", "layers", "activations", "weights_seed", "weights_scale", "learning_rate", "batch",
               "shuffle_seed", "regularization_rate", "momentum", "betas", "eps"]


@settings(max_examples=examples(100))
@given(data=st.sampled_from(["listed", "generate", "file", "xor"]), start=st.sampled_from(["on screen", "random"]),
       typed=st.dictionaries(st.sampled_from(TEXT_FIELDS), st.one_of(
           st.text(max_size=12), st.sampled_from(["", "0", "-1", "2.5", "1e999", "nan", "1,000", "2,,2", "[2, 2]",
                                                  "\x00", "../..", "9" * 400, "sigmoid, relu", "0,5"])), max_size=4),
       regularization=st.sampled_from(["none", "l1"]), optimizer=st.sampled_from(["sgd", "momentum", "adam"]))
def test_whatever_is_typed_the_form_gives_a_network_or_the_loaders_one_line(data, start, typed, regularization,
                                                                            optimizer):
    """The form's reading of typed text never fails on its own: the loader builds a network or refuses it in
    one line (a NetworkError), as it would a file with those keys."""
    mazur = PRESETS["mazur"]()
    form = {**form_of(mazur), "data": data, "start": start, "regularization": regularization,
            "optimizer": optimizer, **typed}
    try:
        net = network_from_dict(network_data(form, mazur), default_name="mazur")
    except NetworkError as error:
        assert "\n" not in str(error)
    else:
        assert net.sizes


@pytest.mark.parametrize("name", [*PRESETS, "iris", "playground-spiral", "tanh-3-layer", "mazur-adam", "xor-batches"])
def test_the_form_of_a_network_untouched_builds_that_network_again(name):
    """What the form shows of a network is all of it: read back through the loader, the same network, bit for bit
    (a data set's reference, test rows, batches, a penalty and an optimizer included)."""
    if name in PRESETS:
        net = PRESETS[name]()
    elif name == "mazur-adam":
        net = PRESETS["mazur"]().with_changes(optimizer="adam", betas=(0.8, 0.99), eps=1e-7, regularization="l1",
                                              regularization_rate=0.01)
    elif name == "xor-batches":
        net = PRESETS["xor"]().with_changes(batch=2, shuffle_seed=4, optimizer="momentum", momentum=0.5)
    else:
        net = load_network(network_path(name))
    again = network_from_dict(network_data(form_of(net), net), default_name=net.name)
    assert again == net and again.test_samples == net.test_samples


def test_another_bias_mode_keeps_the_weights_on_screen_and_starts_its_biases_at_0():
    mazur = PRESETS["mazur"]()
    net = network_from_dict(network_data({**form_of(mazur), "bias": "neuron"}, mazur))
    assert net.start.weights == mazur.start.weights and net.bias == "neuron"
    assert net.start.biases == (0.0,) * net.bias_count()


def test_the_file_to_save_to_follows_the_name_until_a_path_is_typed():
    async def body(app, pilot):
        await press(pilot, "S")
        path = app.screen.query_one("#path", Input)
        assert path.value == "mazur-network.toml"
        await type_into(app, pilot, "name", "spiral 2")
        assert path.value == "spiral-2-network.toml"  # a plain file name, as x makes one
        await fill(app, pilot, path="mine.json", name="other")
        assert path.value == "mine.json"

    drive(body)


def test_the_activations_complete_as_they_are_typed():
    async def body(app, pilot):
        await press(pilot, "S")
        await type_into(app, pilot, "activations", "tanh, si")
        field = app.screen.query_one("#activations", Input)
        for _ in range(40):  # the input looks its suggestion up in a worker: → takes it once it is there
            await press(pilot, "right")
            if field.value != "tanh, si":
                break
            await pilot.pause(0.05)
        assert field.value == "tanh, sigmoid"

    drive(body)


def test_served_the_settings_reach_no_server_file_and_save_as_a_download(tmp_path):
    """In a browser (backprop-tui serve) a data file is read only from the folder of the network file on screen,
    as `o` confines it, no path is suggested from the server's folders, and Save as sends a download whose
    network file lists its samples rather than a server path."""
    lesson = tmp_path / "lesson"
    lesson.mkdir()
    (tmp_path / "outside.csv").write_text("a,b,y\n0,1,1\n1,0,0\n")
    (lesson / "data.csv").write_text("a,b,y\n0,1,1\n1,0,0\n1,1,1\n")
    path = lesson / "net.toml"
    path.write_text('layers = [2, 1]\nsamples = { file = "data.csv", inputs = ["a", "b"], targets = "y" }\n')
    net, _ = load_lesson(path, confined=True)
    delivered = []

    async def body(app, pilot):
        app.deliver_binary = lambda data, save_filename, mime_type: delivered.append((save_filename, data.read()))
        await press(pilot, "S")
        screen = app.screen
        assert screen.read_form()["csv_file"] == "data.csv"
        assert screen.query_one("#csv_file", Input).suggester is None and screen.query_one("#path").suggester is None
        for outside in ("../outside.csv", str(tmp_path / "outside.csv")):
            await fill(app, pilot, csv_file=outside)
            await apply(app, pilot)
            assert "own folder" in error_line(app) and app.stepper.net == net
        await fill(app, pilot, csv_file="data.csv", path="../../mine.toml")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert "Sent to your browser as mine.toml" in error_line(app)
        assert not (tmp_path / "mine.toml").exists() and not list(tmp_path.glob("**/mine.toml"))

    drive(body, network=net, served=Served(folder=lesson), record=False)
    (name, data), = delivered
    assert name == "mine.toml" and b"data.csv" not in data and str(tmp_path).encode() not in data
    saved = tmp_path / "saved.toml"
    saved.write_bytes(data)
    assert load_network(saved).samples == net.samples


def test_served_with_no_data_file_there_is_no_csv_to_choose():
    async def body(app, pilot):
        await press(pilot, "S")
        choices = [str(option.prompt) for option in app.screen.query_one("#data", Select).query_one(OptionList).options]
        assert "a generated set (Playground's)" in choices and not any("CSV" in choice for choice in choices)

    drive(body, served=Served(), record=False)


def test_a_network_built_as_the_app_closes_is_dropped_without_a_crash():
    """Apply builds the network in a worker; its result can arrive after the app has closed its screens (seen
    once under load: an IndexError as the app ended). It is dropped: there is nothing to show it on."""
    async def body(app, pilot):
        pass

    app = drive(body)
    assert not app.screen_stack
    built = Stepper(PRESETS["xor"]())
    app.apply_settings(built)
    assert app.stepper is not built and not app.before_settings
