"""Network files: every bad file is one NetworkError naming its key; good files load."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_backprop.core import PRESETS, NetworkError, Stepper, load_network, loader, network_from_dict
from tui_backprop.core.loader import KEYS

from budget import examples

GOOD = {
    "layers": [2, 2, 2],
    "activations": "sigmoid",
    "loss": "half_sse",
    "bias": "shared",
    "train_bias": False,
    "learning_rate": 0.5,
    "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55],
    "biases": [0.35, 0.60],
    "samples": [{"inputs": [0.05, 0.1], "targets": [0.01, 0.99]}],
}


def changed(**changes):
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return data


def write_json(tmp_path, data, name="net.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def one_line_error(path) -> str:
    with pytest.raises(NetworkError) as caught:
        load_network(path)
    message = str(caught.value)
    assert "\n" not in message and message
    return message


def test_the_good_file_is_the_mazur_preset(tmp_path):
    net = load_network(write_json(tmp_path, GOOD))
    mazur = PRESETS["mazur"]()
    for field in ("sizes", "activations", "loss", "bias", "train_bias", "start", "samples"):
        assert getattr(net, field) == getattr(mazur, field), field
    assert net.name == "net"  # the file's name when it has none


BAD = {
    "unknown activation": (changed(activations="softsign"), "activations"),
    "unknown activation in a list": (changed(activations=["sigmoid", "gelu"]), "activations"),
    "too few activations": (changed(activations=["sigmoid"]), "activations"),
    "unknown loss": (changed(loss="hinge"), "loss"),
    "unknown bias mode": (changed(bias="some"), "bias"),
    "too few weights": (changed(weights=[0.1] * 7), "weights"),
    "too many weights": (changed(weights=[0.1] * 9), "weights"),
    "too few biases": (changed(biases=[0.35]), "biases"),
    "biases without a bias mode": (changed(bias="none"), "biases"),
    "a weight that is text": (changed(weights=["0.15"] + [0.2] * 7), "weights"),
    "a weight that is true": (changed(weights=[True] + [0.2] * 7), "weights"),
    "weights that are text": (changed(weights="0.15"), "weights"),
    "an input that is text": (changed(samples=[{"inputs": ["a", 0.1], "targets": [0.01, 0.99]}]), "inputs"),
    "a target that is null": (changed(samples=[{"inputs": [0.05, 0.1], "targets": [None, 0.99]}]), "targets"),
    "learning rate text": (changed(learning_rate="fast"), "learning_rate"),
    "learning rate zero": (changed(learning_rate=0), "learning_rate"),
    "learning rate negative": (changed(learning_rate=-0.5), "learning_rate"),
    "learning rate huge integer": (changed(learning_rate=10**400), "learning_rate"),
    "a weight beyond the largest float": (changed(weights=[10**400] + [0.2] * 7), "weights"),
    "empty layers": (changed(layers=[]), "layers"),
    "a single layer": (changed(layers=[2]), "layers"),
    "a zero-size layer": (changed(layers=[2, 0, 2]), "layers"),
    "a negative layer": (changed(layers=[2, -2, 2]), "layers"),
    "a fractional layer": (changed(layers=[2, 1.5, 2]), "layers"),
    "an absurdly large layer": (changed(layers=[2, 10**8, 2]), "layers"),
    "layers missing": (changed(layers=None), "layers"),
    "samples missing": (changed(samples=None), "samples"),
    "samples empty": (changed(samples=[]), "samples"),
    "a sample that is a number": (changed(samples=[3]), "samples[1]"),
    "a sample without targets": (changed(samples=[{"inputs": [0.05, 0.1]}]), "targets"),
    "too few inputs": (changed(samples=[{"inputs": [0.05], "targets": [0.01, 0.99]}]), "inputs"),
    "softmax on a hidden layer": (changed(activations=["softmax", "sigmoid"]), "activations"),
    "cce without softmax": (changed(loss="cce"), "loss"),
    "softmax without cce": (changed(activations=["sigmoid", "softmax"]), "loss"),
    "bce target above 1": (changed(loss="bce", samples=[{"inputs": [0.05, 0.1], "targets": [0.01, 1.5]}]), "targets"),
    "bce target below 0": (changed(loss="bce", samples=[{"inputs": [0.05, 0.1], "targets": [-0.01, 0.99]}]), "targets"),
    "cce target above 1": (changed(loss="cce", activations=["sigmoid", "softmax"],
                                   samples=[{"inputs": [0.05, 0.1], "targets": [0.0, 2.0]}]), "targets"),
    "unknown key": (changed(momentum=0.9), "momentum"),
    "unknown key in a sample": (changed(samples=[{"inputs": [0.05, 0.1], "targets": [0.01, 0.99], "weight": 1}]), "weight"),
    "unknown key in random weights": (changed(weights={"seed": 1, "spread": 2}), "spread"),
    "random weights with a text seed": (changed(weights={"seed": "one"}), "seed"),
    "name that is a number": (changed(name=7), "name"),
    "train_bias that is text": (changed(train_bias="yes"), "train_bias"),
}


@pytest.mark.parametrize(("data", "key"), BAD.values(), ids=BAD.keys())
def test_bad_json_names_the_key(tmp_path, data, key):
    assert key in one_line_error(write_json(tmp_path, data))


def test_the_top_level_must_be_a_table(tmp_path):
    assert "top level" in one_line_error(write_json(tmp_path, [1, 2, 3]))


# The same network as GOOD, in TOML, one line per key; [[samples]] stays last.
GOOD_TOML = {
    "layers": "layers = [2, 2, 2]",
    "activations": 'activations = "sigmoid"',
    "bias": 'bias = "shared"',
    "train_bias": "train_bias = false",
    "learning_rate": "learning_rate = 0.5",
    "weights": "weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]",
    "biases": "biases = [0.35, 0.60]",
    "samples": "[[samples]]\ninputs = [0.05, 0.1]\ntargets = [0.01, 0.99]",
}


def toml_with(key: str, line: str) -> str:
    return "\n".join({**GOOD_TOML, key: line}.values()) + "\n"


def test_toml_and_json_of_the_good_network_agree(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(toml_with("layers", GOOD_TOML["layers"]))
    assert load_network(path) == load_network(write_json(tmp_path, GOOD))


# TOML can write what JSON cannot: nan and inf literals.
NON_FINITE_TOML = {
    "nan weight": ("weights", "weights = [nan, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55]"),
    "inf weight": ("weights", "weights = [inf, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55]"),
    "nan bias": ("biases", "biases = [nan, 0.6]"),
    "-inf input": ("samples", "[[samples]]\ninputs = [-inf, 0.1]\ntargets = [0.01, 0.99]"),
    "nan target": ("samples", "[[samples]]\ninputs = [0.05, 0.1]\ntargets = [0.01, nan]"),
    "nan learning rate": ("learning_rate", "learning_rate = nan"),
    "inf learning rate": ("learning_rate", "learning_rate = inf"),
    "random weights at an infinite scale": ("weights", "weights = { seed = 1, scale = inf }"),
    "random weights at a scale that overflows": ("weights", "weights = { seed = 1, scale = 1e308 }"),
}


@pytest.mark.parametrize(("key", "line"), NON_FINITE_TOML.values(), ids=NON_FINITE_TOML.keys())
def test_non_finite_numbers_name_the_key(tmp_path, key, line):
    path = tmp_path / "net.toml"
    path.write_text(toml_with(key, line))
    message = one_line_error(path)
    assert key in message and "finite" in message


JSON_NON_FINITE = {"NaN weight": ('"weights": [NaN', "weights"), "Infinity rate": ('"learning_rate": Infinity', "learning_rate")}


@pytest.mark.parametrize(("fragment", "key"), JSON_NON_FINITE.values(), ids=JSON_NON_FINITE.keys())
def test_non_finite_json_literals_name_the_key(tmp_path, fragment, key):
    # Python's json reads NaN and Infinity although JSON has no such numbers.
    text = json.dumps(GOOD)
    target = '"weights": [0.15' if key == "weights" else '"learning_rate": 0.5'
    path = tmp_path / "net.json"
    path.write_text(text.replace(target, fragment))
    assert key in one_line_error(path)


SYNTAX = {
    "invalid TOML": ("net.toml", "layers = [2, 2,", "TOML"),
    "invalid JSON": ("net.json", '{"layers": [2, 2', "JSON"),
    "JSON nested too deeply": ("net.json", "[" * 100_000, "JSON"),
    "TOML nested too deeply": ("net.toml", "a = " + "[" * 100_000, "TOML"),
    "a JSON number of 5000 digits": ("net.json", '{"learning_rate": 1' + "0" * 5000 + "}", "JSON"),
    "a TOML number of 5000 digits": ("net.toml", "learning_rate = 1" + "0" * 5000, "TOML"),
}


@pytest.mark.parametrize(("name", "text", "word"), SYNTAX.values(), ids=SYNTAX.keys())
def test_unparsable_files_say_so(tmp_path, name, text, word):
    path = tmp_path / name
    path.write_text(text)
    assert f"not valid {word}" in one_line_error(path)


def test_unreadable_files(tmp_path):
    assert "cannot read" in one_line_error(tmp_path / "missing.toml")
    assert "cannot read" in one_line_error(tmp_path)  # a directory
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00layers")
    assert "cannot read" in one_line_error(binary)


NETWORK_FILES = sorted(p for p in (REPO / "examples").iterdir() if p.suffix in (".toml", ".json"))  # not their data


@pytest.mark.parametrize("path", NETWORK_FILES, ids=lambda p: p.name)
def test_shipped_examples_load_and_train(path):
    net = load_network(path)
    stepper = Stepper(net)
    stepper.run(20)
    losses = stepper.history.epoch_losses()  # a row per update step; with batches, several an epoch
    assert len(losses) == 20 and all(math.isfinite(x) for x in losses)


def test_the_examples_ship_in_the_package_and_are_found_by_name(tmp_path, monkeypatch, capsys):
    """Installed, there is no examples/ beside the working folder: the package carries them, and --config
    takes an example's name (with or without its suffix or folder) from anywhere."""
    from importlib.resources import files

    from tui_backprop import cli

    shipped = files("tui_backprop") / "examples"
    for path in (REPO / "examples").rglob("*"):  # the lessons' folder included
        if path.is_file():
            assert shipped.joinpath(*path.relative_to(REPO / "examples").parts).read_bytes() == path.read_bytes()
    assert loader.example_names() == sorted(p.stem for p in NETWORK_FILES)
    monkeypatch.chdir(tmp_path)  # no examples/ here
    for name in ("tanh-3-layer", "tanh-3-layer.toml", "examples/tanh-3-layer.toml"):
        assert load_network(loader.network_path(name)) == load_network(REPO / "examples" / "tanh-3-layer.toml")
        assert cli.main(["train", "--config", name, "--epochs", "2"]) == 0
        assert capsys.readouterr().out.startswith("tanh-3-layer: 2-3-3-2")
    assert cli.main(["train", "--config", "iris", "--epochs", "1"]) == 0  # its data file, beside it, is found too
    # A file of that name in the working folder comes first; an unknown name lists the examples.
    (tmp_path / "iris").write_text('layers = [1, 1]\n[[samples]]\ninputs = [1]\ntargets = [0]\n')
    assert loader.network_path("iris") == Path("iris")
    capsys.readouterr()
    assert cli.main(["train", "--config", "irises", "--epochs", "1"]) == 2
    assert f"(the examples: {', '.join(loader.example_names())})" in capsys.readouterr().err
    assert "iris" in loader.example_names() and "tanh-3-layer" in loader.example_names()


def test_shipped_mazur_json_is_the_mazur_preset():
    net = load_network(REPO / "examples" / "mazur.json")
    assert net == PRESETS["mazur"]().with_changes(name=net.name)


def test_json_and_toml_of_the_same_structure_give_the_same_network(tmp_path):
    toml = load_network(REPO / "examples" / "tanh-3-layer.toml")
    data = loader.tomllib.loads((REPO / "examples" / "tanh-3-layer.toml").read_text())  # tomli on 3.10
    as_json = load_network(write_json(tmp_path, data, "tanh-3-layer.json"))
    assert as_json == toml
    assert as_json.start.weights == toml.start.weights  # also the seeded random weights


# -- fuzz ---------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 12), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["sigmoid", "tanh", "relu", "identity", "softmax", "half_sse", "mse", "bce", "cce",
                     "none", "shared", "neuron", "seed", "scale", ""]),
    st.text(max_size=5),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.sampled_from(["inputs", "targets", "seed", "scale", "x"]), inner, max_size=3),
    ),
    max_leaves=20,
)
DICTS = st.dictionaries(st.sampled_from(KEYS + ("extra",)), VALUES, max_size=len(KEYS))


def network_shaped():
    """Mostly-valid dicts: right keys and plausible shapes, so the fuzz reaches deep checks."""
    sizes = st.lists(st.integers(0, 4), min_size=0, max_size=4)
    numbers = st.lists(st.one_of(st.floats(-3, 3), st.integers(-2, 2), st.just(float("nan"))), max_size=12)
    return st.fixed_dictionaries(
        {"layers": sizes, "samples": st.lists(st.fixed_dictionaries({"inputs": numbers, "targets": numbers}), max_size=3)},
        optional={
            "activations": st.one_of(st.sampled_from(["sigmoid", "softmax", "relu"]),
                                     st.lists(st.sampled_from(["sigmoid", "tanh", "softmax", "identity"]), max_size=4)),
            "loss": st.sampled_from(["half_sse", "mse", "bce", "cce"]),
            "bias": st.sampled_from(["none", "shared", "neuron"]),
            "weights": st.one_of(numbers, st.fixed_dictionaries({"seed": st.integers()}, optional={"scale": st.floats()})),
            "biases": numbers,
            "learning_rate": st.one_of(st.floats(), st.integers()),
            "train_bias": st.booleans(),
        },
    )


def only_network_errors(data):
    try:
        network_from_dict(data)
    except NetworkError as error:
        assert "\n" not in str(error)


@settings(max_examples=examples(300))
@given(st.one_of(DICTS, network_shaped(), VALUES))
def test_fuzz_dicts_raise_only_network_errors(data):
    only_network_errors(data)


@settings(max_examples=examples(150))
@given(text=st.text(max_size=200), suffix=st.sampled_from([".toml", ".json", ".txt"]))
def test_fuzz_text_raises_only_network_errors(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"net{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        load_network(path)
    except NetworkError as error:
        assert "\n" not in str(error)


@settings(max_examples=examples(150))
@given(data=network_shaped())
def test_fuzz_files_of_network_shaped_data(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "net.json"
    path.write_text(json.dumps(data))
    try:
        load_network(path)
    except NetworkError as error:
        assert "\n" not in str(error)
