"""Data sets in network files: CSV tables, generated playground sets, held-out test rows, and the test error."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
from collections import Counter

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_backprop import cli
from tui_backprop.core import (
    Network,
    NetworkError,
    Parameters,
    Sample,
    Stepper,
    build_program,
    datasets,
    load_network,
    network_from_dict,
)
from tui_backprop.core.batches import Schedule
from tui_backprop.core.loader import network_to_dict
from tui_backprop.core.metrics import gradient_mean_columns
from tui_backprop.core.session import load_stepper, save_stepper

import numpy_reference
from budget import examples

IRIS_CSV = REPO / "examples" / "iris.csv"
IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def network_file(tmp_path, samples, layers=(2, 3, 1), name="net.json", **keys) -> os.PathLike:
    data = {"layers": list(layers), "samples": samples, **keys}
    if layers[-1] > 1 and "activations" not in keys and keys.get("loss") == "cce":
        data["activations"] = ["sigmoid"] * (len(layers) - 2) + ["softmax"]
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def csv_file(tmp_path, text: str, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(path) -> str:
    with pytest.raises(NetworkError) as caught:
        load_network(path)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


def iris_rows():
    """The shipped table read with the csv module alone: inputs, and the species one-hot in sorted order."""
    with IRIS_CSV.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    species = sorted({row["species"] for row in rows})
    return [(tuple(float(row[c]) for c in IRIS_COLUMNS), tuple(float(row["species"] == s) for s in species))
            for row in rows]


# -- iris -------------------------------------------------------------------------------------------


def test_iris_is_the_150_row_table():
    rows = iris_rows()
    # Fisher's table: 150 rows, 50 of each of 3 species (scikit-learn's iris.rst, "Class Distribution").
    assert len(rows) == 150
    assert sorted(Counter(targets for _, targets in rows).values()) == [50, 50, 50]


def test_iris_loads_as_120_train_and_30_test_rows_with_3_one_hot_targets():
    net = load_network(REPO / "examples" / "iris.toml")
    assert (len(net.samples), len(net.test_samples)) == (120, 30)
    assert net.sizes[0] == 4 and net.sizes[-1] == 3
    for sample in net.samples + net.test_samples:
        assert len(sample.inputs) == 4
        assert sorted(sample.targets) == [0.0, 0.0, 1.0]


def test_iris_inputs_are_standardized_with_the_training_rows_only():
    net = load_network(REPO / "examples" / "iris.toml")
    for column in zip(*(s.inputs for s in net.samples)):
        assert statistics.fmean(column) == pytest.approx(0.0, abs=1e-12)
        assert statistics.pstdev(column) == pytest.approx(1.0, rel=1e-12)
    # Undo the training rows' scaling and every one of the 150 rows of the file comes back.
    document = iris_document()
    unscaled = network_from_dict({**document, "samples": {**document["samples"], "standardize": False}},
                                 base=REPO / "examples")
    columns = list(zip(*(s.inputs for s in unscaled.samples)))
    means = [statistics.fmean(c) for c in columns]
    stds = [statistics.pstdev(c) for c in columns]
    for scaled, plain in zip(net.samples + net.test_samples, unscaled.samples + unscaled.test_samples):
        assert scaled.targets == plain.targets
        expected = [(x - m) / s for x, m, s in zip(plain.inputs, means, stds)]
        assert scaled.inputs == pytest.approx(expected, rel=1e-12, abs=1e-12)
    rows = [(s.inputs, s.targets) for s in unscaled.samples + unscaled.test_samples]
    assert Counter(rows) == Counter(iris_rows())


def iris_document() -> dict:
    from tui_backprop.core.loader import tomllib

    return tomllib.loads((REPO / "examples" / "iris.toml").read_text(encoding="utf-8"))


def test_a_test_set_survives_network_to_dict():
    net = load_network(REPO / "examples" / "iris.toml")
    again = network_from_dict(json.loads(json.dumps(network_to_dict(net))))
    assert again == net and again.test_samples == net.test_samples


def test_a_saved_session_keeps_its_test_samples(tmp_path):
    net = load_network(network_file(tmp_path, {"generate": "gauss", "count": 20, "noise": 0.1, "seed": 4},
                                    test_fraction=0.25))
    stepper = Stepper(net)
    stepper.run(2)
    save_stepper(tmp_path / "study.session", stepper)
    loaded, _ = load_stepper(tmp_path / "study.session")
    assert loaded.net == net and len(loaded.net.test_samples) == 5


def test_test_samples_are_validated_like_samples():
    good = Sample((0.1, 0.2), (0.5,))
    with pytest.raises(NetworkError, match="test_samples.inputs"):
        Network(sizes=(2, 1), activations=("sigmoid",), start=Parameters((0.1, 0.2)), samples=(good,),
                test_samples=(Sample((0.1,), (0.5,)),))
    with pytest.raises(NetworkError, match=r"test_samples\[2\].targets"):
        Network(sizes=(2, 1), activations=("sigmoid",), loss="bce", start=Parameters((0.1, 0.2)), samples=(good,),
                test_samples=(good, Sample((0.1, 0.2), (1.5,))))


# -- CSV forms ----------------------------------------------------------------------------------------


def test_a_csv_path_is_relative_to_the_network_file(tmp_path):
    folder = tmp_path / "nets"
    folder.mkdir()
    csv_file(folder, "x,y,t\n1,2,0.5\n3,4,0.25\n")
    net = load_network(network_file(folder, {"file": "data.csv", "inputs": ["x", "y"], "targets": "t"}))
    assert net.samples == (Sample((1.0, 2.0), (0.5,)), Sample((3.0, 4.0), (0.25,)))
    assert net.test_samples == ()


def test_numeric_target_columns_and_spreadsheet_habits(tmp_path):
    # A byte order mark, ; between columns, quoted decimal commas, spaces, blank lines and CRLF line ends.
    text = '\ufeff x ; y ;t1;t2\r\n\r\n"0,5";-1e1; 0.25;1\r\n2;"3,75";"0,125";0\r\n\r\n'
    csv_file(tmp_path, text)
    spec = {"file": "data.csv", "inputs": ["x", "y"], "targets": ["t1", "t2"]}
    net = load_network(network_file(tmp_path, spec, layers=(2, 2)))
    assert net.samples == (Sample((0.5, -10.0), (0.25, 1.0)), Sample((2.0, 3.75), (0.125, 0.0)))


def test_a_class_column_is_one_hot_in_sorted_order(tmp_path):
    csv_file(tmp_path, "x,y,kind\n1,1,pear\n2,2,apple\n3,3,fig\n4,4,apple\n")
    spec = {"file": "data.csv", "inputs": ["x", "y"], "targets": "kind"}
    net = load_network(network_file(tmp_path, spec, layers=(2, 3), loss="cce"))
    order = sorted(["pear", "apple", "fig"])
    expected = [tuple(float(name == c) for c in order) for name in ("pear", "apple", "fig", "apple")]
    assert [s.targets for s in net.samples] == expected


def csv_problem(tmp_path, text, spec=None, layers=(2, 3, 1), **keys) -> str:
    csv_file(tmp_path, text)
    spec = spec or {"file": "data.csv", "inputs": ["x", "y"], "targets": "t"}
    return one_line_error(network_file(tmp_path, spec, layers=layers, **keys))


BAD_ROWS = {
    "non-numeric input": ("x,y,t\n1,2,0\n3,abc,1\n", "row 3, column 'y'", "not a number"),
    "empty input": ("x,y,t\n1,2,0\n3,,1\n", "row 3, column 'y'", "empty"),
    "infinite input": ("x,y,t\n1,inf,0\n", "row 2, column 'y'", "finite"),
    "short row": ("x,y,t\n1,2,0\n\n4,5\n", "row 4, column 't'", "missing"),
    "a field beyond the csv module's limit": ("x,y,t\n1,2,0\n1," + "2" * 200_000 + ",0\n", "row 3", "field limit"),
    "after blank lines above the header": ("\n\nx,y,t\n1,2,0\n3,?,1\n", "row 5, column 'y'", "not a number"),
    "empty class": ("x,y,t\n1,2,a\n3,4,\n", "row 3, column 't'", "empty"),
    "a field over two lines": ('x,y,t\n1,2,0\n3,"4\n5",1\n', "row 3, column 'y'", "not a number: '4\\n5'"),
}


@pytest.mark.parametrize(("text", "place", "reason"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_names_the_file_row_and_column(tmp_path, text, place, reason):
    message = csv_problem(tmp_path, text)
    assert str(tmp_path / "data.csv") in message and place in message and reason in message


def test_missing_columns_and_files(tmp_path):
    assert "no column 'y'" in csv_problem(tmp_path, "x,z,t\n1,2,0\n")
    assert "two columns" in csv_problem(tmp_path, "x,y,y,t\n1,2,3,0\n")
    assert "empty" in csv_problem(tmp_path, "")
    assert "no data rows" in csv_problem(tmp_path, "x,y,t\n\n")
    missing = one_line_error(network_file(tmp_path, {"file": "gone.csv", "inputs": ["x", "y"], "targets": "t"}))
    assert "gone.csv" in missing and "cannot read" in missing
    (tmp_path / "folder.csv").mkdir()
    folder = one_line_error(network_file(tmp_path, {"file": "folder.csv", "inputs": ["x", "y"], "targets": "t"}))
    assert "not a regular file" in folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    message = one_line_error(network_file(tmp_path, {"file": "pipe.csv", "inputs": ["x", "y"], "targets": "t"}))
    assert "not a regular file" in message


def test_text_that_is_not_utf8_names_the_row(tmp_path):
    (tmp_path / "data.csv").write_bytes(b"x,y,t\n1,2,0\n1,\xff,0\n")
    message = one_line_error(network_file(tmp_path, {"file": "data.csv", "inputs": ["x", "y"], "targets": "t"}))
    assert "data.csv: row 3, column 'y': not UTF-8 text" in message


def test_class_count_must_match_the_output_layer(tmp_path):
    message = csv_problem(tmp_path, "x,y,t\n1,1,a\n2,2,b\n3,3,c\n", layers=(2, 2), loss="cce")
    assert "3 classes (a, b, c)" in message and "output layer has 2 neurons" in message
    broken = csv_problem(tmp_path, 'x,y,t\n1,1,"a\nb"\n2,2,c\n')
    assert "2 classes ('a\\nb', c)" in broken
    typo = csv_problem(tmp_path, "x,y,t\n1,1,0.5\n2,2,O.25\n")
    assert "read as classes because row 3 is not a number" in typo


def test_input_column_count_must_match_the_input_layer(tmp_path):
    message = csv_problem(tmp_path, "x,y,t\n1,2,0\n", spec={"file": "data.csv", "inputs": ["x"], "targets": "t"})
    assert "samples.inputs" in message and "input layer has 2" in message


def test_a_file_of_too_many_rows_is_refused_at_the_limit(tmp_path):
    path = tmp_path / "data.csv"
    with path.open("w", encoding="utf-8") as stream:
        stream.write("x,y,t\n")
        stream.write("1,2,0\n" * (datasets.MAX_ROWS + 1))
    # 2-1: an epoch of 100,000 samples is within the operation limit, so the row limit is the one reached
    message = one_line_error(network_file(tmp_path, {"file": "data.csv", "inputs": ["x", "y"], "targets": "t"},
                                          layers=(2, 1)))
    assert f"more than {datasets.MAX_ROWS:,} rows, the limit for a data file" in message


def test_a_file_beyond_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "data.csv"
    with path.open("wb") as stream:  # sparse: nothing is written but its size
        stream.truncate(datasets.MAX_BYTES + 1)
    message = one_line_error(network_file(tmp_path, {"file": "data.csv", "inputs": ["x", "y"], "targets": "t"}))
    assert "MB, the limit" in message


def test_a_file_growing_past_the_size_limit_stops_while_streaming(tmp_path, monkeypatch):
    csv_file(tmp_path, "x,y,t\n" + "1,2,0\n" * 50)
    real_stat = type(tmp_path).stat

    def reports_it_empty(path, *args, **kwargs):  # as a file still being written, or one in /proc, looks
        info = real_stat(path, *args, **kwargs)
        return os.stat_result((*info[:6], 0, *info[7:]))

    monkeypatch.setattr(type(tmp_path), "stat", reports_it_empty)
    monkeypatch.setattr(datasets, "MAX_BYTES", 100)
    message = one_line_error(network_file(tmp_path, {"file": "data.csv", "inputs": ["x", "y"], "targets": "t"}))
    assert "larger than" in message


BAD_TABLES = {
    "neither file nor generate": ({"inputs": ["x"]}, "samples"),
    "both file and generate": ({"file": "a.csv", "generate": "xor"}, "not both"),
    "unknown key with a file": ({"file": "a.csv", "inputs": ["x", "y"], "targets": "t", "sep": ";"}, "samples.sep"),
    "file that is a number": ({"file": 3, "inputs": ["x", "y"], "targets": "t"}, "samples.file"),
    "file name with a NUL": ({"file": "a\x00.csv", "inputs": ["x", "y"], "targets": "t"}, "cannot read"),
    "file name with a line break": ({"file": "a\nb.csv", "inputs": ["x", "y"], "targets": "t"}, "a\\nb.csv"),
    "inputs missing": ({"file": "a.csv", "targets": "t"}, "samples.inputs"),
    "targets a number": ({"file": "a.csv", "inputs": ["x", "y"], "targets": 1}, "samples.targets"),
    "standardize text": ({"file": "a.csv", "inputs": ["x", "y"], "targets": "t", "standardize": "yes"},
                         "samples.standardize"),
    "unknown generator": ({"generate": "moons"}, "samples.generate"),
    "unknown key with a generator": ({"generate": "xor", "file_name": "x"}, "samples.file_name"),
    "count too small": ({"generate": "xor", "count": 1}, "samples.count"),
    "count beyond the row limit": ({"generate": "xor", "count": datasets.MAX_ROWS + 1}, "samples.count"),
    "count fractional": ({"generate": "xor", "count": 10.5}, "samples.count"),
    "noise negative": ({"generate": "xor", "noise": -0.1}, "samples.noise"),
    "noise text": ({"generate": "xor", "noise": "low"}, "samples.noise"),
    "seed text": ({"generate": "xor", "seed": "one"}, "samples.seed"),
}


@pytest.mark.parametrize(("spec", "key"), BAD_TABLES.values(), ids=BAD_TABLES.keys())
def test_bad_sample_tables_name_the_key(tmp_path, spec, key):
    assert key in one_line_error(network_file(tmp_path, spec))


def test_generated_sets_need_two_inputs_and_one_or_two_outputs(tmp_path):
    assert "input layer has 3" in one_line_error(network_file(tmp_path, {"generate": "xor"}, layers=(3, 1)))
    three = one_line_error(network_file(tmp_path, {"generate": "xor"}, layers=(2, 3), loss="cce"))
    assert "output layer needs 1 neuron" in three


# -- generated sets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", datasets.GENERATORS)
def test_a_generated_set_repeats_exactly_from_its_seed(tmp_path, kind):
    spec = {"generate": kind, "count": 101, "noise": 0.2, "seed": 7}
    first = load_network(network_file(tmp_path, spec, test_fraction=0.25))
    again = load_network(network_file(tmp_path, spec, test_fraction=0.25, name="again.json"))
    assert first.samples == again.samples and first.test_samples == again.test_samples
    assert len(first.samples) + len(first.test_samples) == 101
    other = load_network(network_file(tmp_path, {**spec, "seed": 8}, test_fraction=0.25, name="other.json"))
    assert other.samples + other.test_samples != first.samples + first.test_samples


@pytest.mark.parametrize("kind", datasets.GENERATORS)
def test_generated_classes_are_balanced_and_two_outputs_are_one_hot(kind):
    one = datasets.generate(kind, 51, 0.1, 3, outputs=1)
    two = datasets.generate(kind, 51, 0.1, 3, outputs=2)
    assert [s.inputs for s in one] == [s.inputs for s in two]
    assert [s.targets for s in two] == [(1.0 - s.targets[0], s.targets[0]) for s in one]
    assert {s.targets for s in one} <= {(0.0,), (1.0,)}
    if kind in ("gauss", "spiral"):  # circle and xor label a point by where its noisy copy falls
        assert Counter(s.targets for s in one) == {(1.0,): 26, (0.0,): 25}
    assert all(math.isfinite(x) and abs(x) < 12 for s in one for x in s.inputs)


def test_without_noise_each_class_is_where_playground_puts_it():
    for sample in datasets.generate("circle", 200, 0.0, 1, outputs=1):
        assert sample.targets[0] == float(math.hypot(*sample.inputs) < 2.5)
    for sample in datasets.generate("xor", 200, 0.0, 1, outputs=1):
        x, y = sample.inputs
        assert sample.targets[0] == float(x * y >= 0) and min(abs(x), abs(y)) >= 0.3
    gauss = datasets.generate("gauss", 400, 0.0, 1, outputs=1)
    for label, centre in ((1.0, 2.0), (0.0, -2.0)):
        points = [s.inputs for s in gauss if s.targets[0] == label]
        assert statistics.fmean(p[0] for p in points) == pytest.approx(centre, abs=0.3)
    spiral = datasets.generate("spiral", 200, 0.0, 1, outputs=1)
    arms = [[s.inputs for s in spiral if s.targets[0] == label] for label in (1.0, 0.0)]
    for one, other in zip(*arms):  # the second arm is the first turned half a circle
        assert other == pytest.approx((-one[0], -one[1]), abs=1e-12)


# -- test_fraction ------------------------------------------------------------------------------------------


def explicit(count):
    return [{"inputs": [n, -n], "targets": [n / count]} for n in range(count)]


@pytest.mark.parametrize("fraction", [0, 1, -0.2, 1.5, "0.2", True, None])
def test_test_fraction_must_be_between_0_and_1(tmp_path, fraction):
    assert "test_fraction" in one_line_error(network_file(tmp_path, explicit(10), test_fraction=fraction))


def test_test_fraction_must_leave_training_rows_and_hold_some_out(tmp_path):
    assert "leaves no training sample" in one_line_error(network_file(tmp_path, explicit(2), test_fraction=0.9))
    assert "holds out no sample" in one_line_error(network_file(tmp_path, explicit(4), test_fraction=0.1))


def test_the_split_is_seeded_and_keeps_every_row_once(tmp_path):
    rows = [Sample(tuple(map(float, r["inputs"])), tuple(r["targets"])) for r in explicit(20)]
    nets = [load_network(network_file(tmp_path, explicit(20), test_fraction=0.25, split_seed=seed, name=f"{n}.json"))
            for n, seed in enumerate((5, 5, 6))]
    assert len(nets[0].test_samples) == 5 and len(nets[0].samples) == 15
    assert sorted(nets[0].samples + nets[0].test_samples, key=rows.index) == rows
    assert nets[0].samples == tuple(sorted(nets[0].samples, key=rows.index))  # the rows keep their order
    assert nets[0].test_samples == nets[1].test_samples
    order = list(range(20))
    random.Random(5).shuffle(order)  # the documented rule: the first round(0.25 × 20) rows of a seeded shuffle
    assert nets[0].test_samples == tuple(rows[n] for n in sorted(order[:5]))
    assert nets[0].test_samples != nets[2].test_samples


def test_split_seed_and_test_samples_keys(tmp_path):
    assert "split_seed" in one_line_error(network_file(tmp_path, explicit(10), split_seed=1))
    assert "split_seed" in one_line_error(network_file(tmp_path, explicit(10), test_fraction=0.2, split_seed="a"))
    both = network_file(tmp_path, explicit(10), test_fraction=0.2, test_samples=explicit(2))
    assert "test_samples" in one_line_error(both)
    net = load_network(network_file(tmp_path, explicit(10), test_samples=explicit(3)))
    assert len(net.samples) == 10 and len(net.test_samples) == 3


# -- the test error on the command line -----------------------------------------------------------------------


def reference_test_losses(net: Network, epochs: int, every_step: bool = False) -> list[float]:
    """The test samples' E_total with each epoch's (or step's) starting parameters, from the numpy reference."""
    test_net = net.with_changes(samples=net.test_samples, test_samples=(), batch=0)
    _, starts, _ = numpy_reference.train_in_batches(net, epochs)
    per = len(starts) // epochs
    return [numpy_reference.epoch(test_net, dict(test_net.start_env(), **params)).total
            for params in (starts if every_step else starts[::per])]


def test_train_prints_train_and_test_error_for_iris():
    command = [sys.executable, "-m", "tui_backprop", "train", "--config", "examples/iris.toml", "--epochs", "5"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr, done.stderr
    out = done.stdout
    assert "120 samples + 30 held out for testing" in out
    lines = out.splitlines()
    header = next(line.split() for line in lines if line.startswith("epoch"))
    # iris's targets are classes: the accuracies follow the errors (tests/test_metrics.py checks them).
    assert header == ["epoch", "lr", "0.5", "train", "lr", "0.5", "test", "lr", "0.5", "accuracy", "lr", "0.5", "test",
                      "accuracy"]
    rows = {int(line.split()[0]): [float(x) for x in line.split()[1:3]] for line in lines if line.split()[0].isdigit()}
    net = load_network(REPO / "examples" / "iris.toml")
    train = numpy_reference.train_in_batches(net, 5)[2]
    test = reference_test_losses(net, 5)
    assert list(rows) == [1, 5]
    for epoch, (train_value, test_value) in rows.items():
        # printed with 10 significant digits
        assert train_value == pytest.approx(train[epoch - 1], rel=1e-9)
        assert test_value == pytest.approx(test[epoch - 1], rel=1e-9)


def test_the_test_error_agrees_on_the_numpy_path(tmp_path):
    from tui_backprop.training import bulk

    spec = {"generate": "spiral", "count": 40, "noise": 0.1, "seed": 2}
    net = load_network(network_file(tmp_path, spec, layers=(2, 20, 20, 1), activations=["tanh", "tanh", "sigmoid"],
                                    bias="neuron", test_fraction=0.25))
    program = build_program(net)
    assert bulk.uses_numpy(program)
    marks = [1, 10, 20]
    schedule = Schedule(net, program)
    on_numpy = cli.train_and_test(schedule, 0.5, marks, bulk.TRAINER)
    in_python = cli.train_and_test(schedule, 0.5, marks, lambda p, env, epochs, record: p.run(env, epochs, record))
    assert list(on_numpy[0]) == pytest.approx(list(in_python[0]), rel=1e-12)
    assert [on_numpy[1][m]["test"] for m in marks] == pytest.approx([in_python[1][m]["test"] for m in marks], rel=1e-12)
    reference = reference_test_losses(net, 20)
    assert [in_python[1][m]["test"] for m in marks] == pytest.approx([reference[m - 1] for m in marks], rel=1e-12)


def test_train_csv_ends_with_the_test_error(capsys):
    assert cli.main(["train", "--config", str(REPO / "examples" / "iris.toml"), "--epochs", "4", "--csv", "-"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    net = load_network(REPO / "examples" / "iris.toml")
    # The accuracies and each layer's mean |dE/dw| follow it (tests/test_metrics.py checks them).
    assert rows[0] == ["epoch", "batch", *build_program(net.with_changes(samples=net.samples[:net.batch])).columns,
                       "test_E_total", "accuracy", "test_accuracy", *gradient_mean_columns(2)]
    test = reference_test_losses(net, 4, every_step=True)
    assert [(int(row[0]), int(row[1])) for row in rows[1:]] == [(e, b) for e in range(1, 5) for b in range(1, 9)]
    column = rows[0].index("test_E_total")
    assert [float(row[column]) for row in rows[1:]] == pytest.approx(test, rel=1e-12)


def test_train_without_test_samples_keeps_its_columns(capsys):
    assert cli.main(["train", "--preset", "mazur", "--epochs", "2", "--csv", "-"]) == 0
    header = next(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert "test_E_total" not in header


def test_a_bad_data_file_is_one_line_and_status_2(tmp_path, capsys):
    csv_file(tmp_path, "x,y,t\n1,2,0\n3,abc,1\n")
    path = network_file(tmp_path, {"file": "data.csv", "inputs": ["x", "y"], "targets": "t"})
    assert cli.main(["train", "--config", str(path), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "data.csv: row 3, column 'y': not a number" in err


def test_the_playground_example_holds_out_a_fifth_of_its_spiral():
    net = load_network(REPO / "examples" / "playground-spiral.toml")
    assert (len(net.samples), len(net.test_samples)) == (160, 40)
    assert Counter(s.inputs for s in net.samples + net.test_samples) == Counter(
        s.inputs for s in datasets.generate("spiral", 200, 0.1, 1, outputs=1))


# -- fuzz ---------------------------------------------------------------------------------------------------------

CELLS = st.one_of(st.sampled_from(["1", "-2.5", "0,5", '"0,5"', "1e400", "nan", "a", "b", "", " ", '"', '""']),
                  st.text(alphabet='0123456789.,;"-e \r\nab\x00', max_size=8))
TABLES = st.lists(st.lists(CELLS, max_size=5), max_size=6)


def only_network_errors(path):
    try:
        load_network(path)
    except NetworkError as error:
        assert "\n" not in str(error)


@settings(max_examples=examples(200))
@given(rows=TABLES, header=st.sampled_from(["x,y,t", "x;y;t", "t,x,y,x", "x,y", ""]),
       targets=st.sampled_from([1, 2, 3]))
def test_fuzz_csv_tables_raise_only_network_errors(tmp_path_factory, rows, header, targets):
    folder = tmp_path_factory.mktemp("fuzz")
    text = header + "\n" + "\n".join(",".join(row) for row in rows)
    csv_file(folder, text)
    loss = "cce" if targets > 1 else "half_sse"
    only_network_errors(network_file(folder, {"file": "data.csv", "inputs": ["x", "y"], "targets": "t"},
                                     layers=(2, targets), loss=loss, test_fraction=0.5))


@settings(max_examples=examples(100))
@given(data=st.binary(max_size=200))
def test_fuzz_csv_bytes_raise_only_network_errors(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "data.csv").write_bytes(b"x,y,t\n" + data)
    spec = {"file": "data.csv", "inputs": ["x", "y"], "targets": "t", "standardize": True}
    only_network_errors(network_file(folder, spec))


TABLE_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.floats(), st.text(max_size=6),
                         st.sampled_from(list(datasets.GENERATORS) + ["data.csv", ".", "x", "t"]),
                         st.lists(st.sampled_from(["x", "y", "t", ""]), max_size=3))


@settings(max_examples=examples(60))
@given(spec=st.dictionaries(st.sampled_from(datasets.FILE_KEYS + datasets.GENERATE_KEYS + ("other",)), TABLE_VALUES,
                            max_size=5),
       outputs=st.sampled_from([1, 2, 3]), fraction=st.one_of(st.none(), st.floats(-1, 2)))
def test_fuzz_sample_tables_raise_only_network_errors(tmp_path_factory, spec, outputs, fraction):
    folder = tmp_path_factory.mktemp("fuzz")
    csv_file(folder, "x,y,t\n1,2,a\n3,4,b\n5,6,0.5\n")
    extra = {} if fraction is None else {"test_fraction": fraction}
    only_network_errors(network_file(folder, spec, layers=(2, outputs), loss="cce" if outputs > 1 else "bce", **extra))
