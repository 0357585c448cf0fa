"""The command line, run as the real process and through main()."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pytest
from conftest import REPO
from test_engine_scale import random_network
from test_optimizers import MODES, training_network

from tui_backprop import cli
from tui_backprop.core import PRESETS, Stepper, batches, build_program, load_network
from tui_backprop.core.expr import format_number
from tui_backprop.core.loader import network_text
from tui_backprop.core.metrics import gradient_mean_columns
from tui_backprop.reports.explanation import describe, step_document


def backprop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_backprop", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def traced_losses(name: str, epochs: int, lr: float | None = None) -> list[float]:
    """E_total per epoch computed the slow way, one traced operation at a time."""
    net = PRESETS[name]()
    stepper = Stepper(net.with_start(lr=lr) if lr else net)
    stepper.trace(epochs)
    return list(stepper.history.losses())


# -- explain ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_explain_json_has_every_step_with_full_precision(name):
    done = backprop("explain", "--preset", name, "--format", "json")
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)["steps"]
    reference = Stepper(PRESETS[name]()).trace(1)
    assert len(steps) == len(reference)
    for step, op in zip(steps, reference):
        assert {"epoch", "phase", "symbol", "formula", "substituted", "value", "reads", "why"} <= step.keys()
        assert (step["epoch"], step["phase"], step["symbol"]) == (op.epoch, op.phase, op.symbol)
        assert step["value"] == op.value  # JSON keeps every bit of a float
        assert step["formula"] == op.formula and step["substituted"] == op.substituted()
        assert step["reads"] == list(op.reads) and step["why"] == op.why


@pytest.mark.parametrize("optimizer,regularization", MODES)
def test_explain_json_is_json_dumps_of_each_step_byte_for_byte(optimizer, regularization, capsys, tmp_path):
    """explain writes its JSON lines itself, from quantities built the quick way: each line is still exactly
    json.dumps of the step's document, for every optimizer and penalty, each loss, bias mode and batches
    (training_network's cases), and deeper random networks."""
    cases = [training_network(case, optimizer, regularization) for case in range(4)]
    cases.append(random_network(MODES.index((optimizer, regularization))))
    for case, made in enumerate(cases):
        path = tmp_path / f"case-{case}.toml"
        path.write_text(network_text(made, path))
        net = load_network(path)
        assert cli.main(["explain", "--config", str(path), "--epochs", "2", "--format", "json"]) == 0
        out = capsys.readouterr().out
        head, *lines, end = out.splitlines()
        expected = [json.dumps(step_document(op), ensure_ascii=False) for op in Stepper(net).trace(2)]
        assert head == json.dumps({"network": describe(net), "start": dict(Stepper(net).values)},
                                  ensure_ascii=False)[:-1] + ', "steps": ['
        assert [line.removeprefix(",") for line in lines] == expected and end == "]}"
        assert all(line.startswith(",") for line in lines[1:]) and not lines[0].startswith(",")
        assert len(json.loads(out)["steps"]) == len(expected)


def test_explain_two_epochs(capsys):
    assert cli.main(["explain", "--epochs", "2", "--format", "json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    count = len(build_program(PRESETS["excel"]()).quantities)
    assert [step["epoch"] for step in steps] == [1] * count + [2] * count
    assert steps[-1]["phase"] == "update"


@pytest.mark.parametrize("form", ["text", "markdown"])
def test_explain_text_and_markdown_contain_every_formula(capsys, form):
    assert cli.main(["explain", "--preset", "mazur", "--format", form]) == 0
    out = capsys.readouterr().out
    for op in Stepper(PRESETS["mazur"]()).trace(1):
        assert op.formula in out
        assert format_number(op.value) in out


def test_explain_digits_rounds_what_is_shown(capsys):
    assert cli.main(["explain", "--digits", "4"]) == 0
    out = capsys.readouterr().out
    e_total = next(op for op in Stepper(PRESETS["excel"]()).trace(1) if op.symbol == "E_total")
    assert f"= {format_number(e_total.value, 4)}\n" in out
    assert format_number(e_total.value) not in out


# -- train ------------------------------------------------------------------------------------


def summary_rows(out: str) -> dict[int, list[str]]:
    rows = {}
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0].isdigit():
            rows[int(cells[0])] = cells[1:]
    return rows


def test_train_prints_e_total_at_powers_of_ten_and_the_last_epoch():
    done = backprop("train", "--epochs", "1234")
    assert done.returncode == 0, done.stderr
    rows = summary_rows(done.stdout)
    assert list(rows) == [1, 10, 100, 1000, 1234]
    losses = traced_losses("excel", 1234)
    for epoch, cells in rows.items():
        assert cells == [format_number(losses[epoch - 1], 10)]


def test_train_with_a_rate(capsys):
    assert cli.main(["train", "--preset", "mazur", "--epochs", "20", "--lr", "0.8"]) == 0
    rows = summary_rows(capsys.readouterr().out)
    losses = traced_losses("mazur", 20, lr=0.8)
    assert rows == {1: [format_number(losses[0], 10)], 10: [format_number(losses[9], 10)], 20: [format_number(losses[19], 10)]}


def test_sweep_compares_the_seed_rates():
    done = backprop("train", "--epochs", "50", "--sweep")
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if line.split()[:1] == ["epoch"])
    # The rates seeds 000 and 004 compare: "[0.1, 0.2, 0.5, 0.8, 1.0, 2.0]" (004_00047c2d3a5d56af.txt).
    rates = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]
    assert header.split()[1:] == [word for rate in rates for word in ("lr", format_number(rate))]
    rows = summary_rows(done.stdout)
    for column, rate in enumerate(rates):
        losses = traced_losses("excel", 50, lr=rate)
        assert [rows[epoch][column] for epoch in (1, 10, 50)] == [format_number(losses[e - 1], 10) for e in (1, 10, 50)]


def test_train_csv_has_one_row_per_epoch_equal_to_the_core(tmp_path):
    path = tmp_path / "epochs.csv"
    done = backprop("train", "--preset", "mazur", "--epochs", "30", "--csv", str(path))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(path.open(newline="")))
    program = build_program(PRESETS["mazur"]())
    # Each layer's mean |dE/dw| after the row's own columns (the targets 0.01 and 0.99 are no classes).
    assert rows[0] == ["epoch", *program.columns, *gradient_mean_columns(2)]
    assert [int(row[0]) for row in rows[1:]] == list(range(1, 31))
    stepper = Stepper(PRESETS["mazur"]())
    stepper.trace(30)
    for epoch, row in enumerate(rows[1:], 1):
        assert [float(cell) for cell in row[1:len(program.columns) + 1]] == list(stepper.history.row(epoch))


def test_train_csv_to_stdout(capsys):
    assert cli.main(["train", "--epochs", "3", "--csv", "-"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    losses = traced_losses("excel", 3)
    column = rows[0].index("E_total")
    assert [float(row[column]) for row in rows[1:]] == losses


DIVERGING = """\
name = "runaway"
layers = [2, 2, 2]
activations = "identity"
loss = "mse"
learning_rate = 50.0
weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]

[[samples]]
inputs = [0.5, 1.0]
targets = [0.01, 0.99]
"""


def test_divergence_is_reported(tmp_path):
    path = tmp_path / "runaway.toml"
    path.write_text(DIVERGING)
    done = backprop("train", "--config", str(path), "--epochs", "1000")
    assert done.returncode == 0, done.stderr
    stepper = Stepper(load_network(path))
    stepper.run(1000)
    diverged = stepper.history.first_divergence()
    assert diverged is not None and diverged > 1
    assert f"lr 50 diverged at epoch {diverged}" in done.stdout
    last = summary_rows(done.stdout)[1000][0]
    assert last in ("nan", "inf")


# -- bad input ----------------------------------------------------------------------------------

BAD_ARGUMENTS = {
    "unknown preset": ["train", "--preset", "nope", "--epochs", "3"],
    "unknown preset (explain)": ["explain", "--preset", "nope"],
    "epochs 0": ["train", "--epochs", "0"],
    "epochs negative": ["train", "--epochs", "-3"],
    "epochs not a number": ["train", "--epochs", "many"],
    "epochs 0 (explain)": ["explain", "--epochs", "0"],
    "epochs missing": ["train"],
    "lr 0": ["train", "--epochs", "3", "--lr", "0"],
    "lr negative": ["train", "--epochs", "3", "--lr", "-0.5"],
    "lr nan": ["train", "--epochs", "3", "--lr", "nan"],
    "lr inf": ["train", "--epochs", "3", "--lr", "inf"],
    "lr text": ["train", "--epochs", "3", "--lr", "fast"],
    "lr 0 (explain)": ["explain", "--lr", "0"],
    "lr -inf (explain)": ["explain", "--lr", "-inf"],
    "digits 0": ["explain", "--digits", "0"],
    "unknown format": ["explain", "--format", "pdf"],
    "unknown command": ["frobnicate"],
    "csv in a missing directory": ["train", "--epochs", "3", "--csv", "/nonexistent-dir/epochs.csv"],
    "config missing": ["train", "--epochs", "3", "--config", "/nonexistent-dir/net.toml"],
    "preset and config": ["train", "--epochs", "3", "--preset", "excel", "--config", "examples/mazur.json"],
    # The same, with the network options before the command (the main parser reads them).
    "unknown preset before train": ["--preset", "nope", "train", "--epochs", "3"],
    "unknown preset before explain": ["--preset", "nope", "explain"],
    "unknown preset before check": ["--preset", "nope", "check", "examples/mazur.json"],
    "lr 0 before train": ["--lr", "0", "train", "--epochs", "3"],
    "lr nan before explain": ["--lr", "nan", "explain"],
    "lr text before check": ["--lr", "fast", "check", "examples/mazur.json"],
    "config missing before train": ["--config", "/nonexistent-dir/net.toml", "train", "--epochs", "3"],
    "config missing before explain": ["--config", "/nonexistent-dir/net.toml", "explain"],
    "preset and config before explain": ["--preset", "excel", "--config", "examples/mazur.json", "explain"],
    "preset before, config after explain": ["--preset", "excel", "explain", "--config", "examples/mazur.json"],
    "config before, preset after train": ["--config", "examples/mazur.json", "train", "--epochs", "3",
                                          "--preset", "xor"],
}


def assert_one_line_usage_error(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("backprop-tui: "), done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("args", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_give_one_line_and_status_2(args):
    assert_one_line_usage_error(backprop(*args))


# -- where the network options go --------------------------------------------------------------

def explained_network(capsys, args: list[str]) -> dict:
    assert cli.main([*args]) == 0
    return json.loads(capsys.readouterr().out)


NETWORK_OPTION_ORDERS = {
    "preset before": (["--preset", "xor", "explain", "--format", "json"], "xor", None),
    "preset after": (["explain", "--preset", "xor", "--format", "json"], "xor", None),
    "lr before": (["--lr", "0.3", "explain", "--format", "json"], "excel", 0.3),
    "lr after": (["explain", "--lr", "0.3", "--format", "json"], "excel", 0.3),
    "preset before, lr after": (["--preset", "mazur", "explain", "--lr", "0.3", "--format", "json"], "mazur", 0.3),
    "lr before, preset after": (["--lr", "0.3", "explain", "--preset", "mazur", "--format", "json"], "mazur", 0.3),
    "config before": (["--config", "examples/mazur.json", "explain", "--format", "json"], "mazur-json", None),
    "the later preset wins": (["--preset", "xor", "explain", "--preset", "mazur", "--format", "json"], "mazur", None),
}


@pytest.mark.parametrize("args, name, lr", NETWORK_OPTION_ORDERS.values(), ids=NETWORK_OPTION_ORDERS.keys())
def test_explain_reads_the_network_options_on_either_side_of_the_command(capsys, monkeypatch, args, name, lr):
    monkeypatch.chdir(REPO)
    document = explained_network(capsys, args)
    net = load_network(REPO / "examples" / "mazur.json") if name == "mazur-json" else PRESETS[name]()
    net = net.with_start(lr=lr) if lr else net
    assert document["network"] == describe(net)
    assert document["start"] == Stepper(net).values


@pytest.mark.parametrize("before", [True, False])
def test_train_reads_the_network_options_on_either_side_of_the_command(capsys, before):
    options = ["--preset", "mazur", "--lr", "0.8"]
    args = options + ["train", "--epochs", "20"] if before else ["train", "--epochs", "20"] + options
    assert cli.main(args) == 0
    rows = summary_rows(capsys.readouterr().out)
    losses = traced_losses("mazur", 20, lr=0.8)
    assert rows[20] == [format_number(losses[19], 10)]


def test_a_rate_after_train_replaces_the_one_before_it(capsys):
    assert cli.main(["--lr", "0.3", "train", "--epochs", "10", "--lr", "0.8", "1.0"]) == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch"))
    assert header.split()[1:] == ["lr", format_number(0.8), "lr", format_number(1.0)]


def test_check_reads_the_network_options_before_the_command(tmp_path):
    sheet = tmp_path / "xor.csv"
    assert cli.main(["train", "--preset", "xor", "--epochs", "2", "--csv", str(sheet)]) == 0
    assert backprop("--preset", "xor", "check", str(sheet)).returncode == cli.EXIT_OK
    assert backprop("--preset", "mazur", "check", str(sheet)).returncode != cli.EXIT_OK  # another network


@pytest.mark.parametrize("args, name, lr", [(["--preset", "xor"], "xor", None),
                                            (["--lr", "0.3"], "excel", 0.3),
                                            (["--preset", "mazur", "--lr", "0.8"], "mazur", 0.8)])
def test_without_a_command_the_app_opens_on_the_named_network(monkeypatch, args, name, lr):
    opened = []

    class RecordingApp:  # stands in for the app, which needs a terminal
        return_code = 0

        def __init__(self, network, **options):
            opened.append(network)

        def run(self):
            pass

    import tui_backprop.app.main

    monkeypatch.setattr(tui_backprop.app.main, "BackpropApp", RecordingApp)
    assert cli.build_parser().parse_args(args).handler is cli.run_app
    assert cli.main(args) == 0
    expected = PRESETS[name]()
    expected = expected.with_start(lr=lr) if lr else expected
    assert [describe(net) for net in opened] == [describe(expected)]
    assert opened[0].start_env() == expected.start_env()


def test_csv_onto_a_directory_is_refused(tmp_path):
    assert_one_line_usage_error(backprop("train", "--epochs", "3", "--csv", str(tmp_path)))


BAD_CONFIGS = {
    "invalid.toml": "layers = [2, 2,",
    "invalid.json": '{"layers": ',
    "unknown-key.toml": 'layers = [1, 1]\nmomentum = 0.9\n[[samples]]\ninputs = [1]\ntargets = [0]\n',
    "nan-weight.toml": 'layers = [1, 1]\nweights = [nan]\n[[samples]]\ninputs = [1]\ntargets = [0]\n',
}


@pytest.mark.parametrize("name", BAD_CONFIGS)
@pytest.mark.parametrize("command", [["train", "--epochs", "3"], ["explain"]])
def test_bad_config_files_give_one_line_naming_the_file(tmp_path, name, command):
    path = tmp_path / name
    path.write_text(BAD_CONFIGS[name])
    done = backprop(*command, "--config", str(path))
    assert_one_line_usage_error(done)
    assert str(path) in done.stderr


def test_an_existing_csv_survives_a_failed_command(tmp_path):
    path = tmp_path / "epochs.csv"
    path.write_text("precious\n")
    bad = tmp_path / "bad.toml"
    bad.write_text("layers = [")
    assert_one_line_usage_error(backprop("train", "--epochs", "3", "--config", str(bad), "--csv", str(path)))
    assert path.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "epochs.csv"]


def test_an_existing_csv_survives_an_interrupted_write(tmp_path, monkeypatch):
    path = tmp_path / "epochs.csv"
    path.write_text("precious\n")
    calls = []

    def interrupted_program(net):
        program = build_program(net)
        real_run = program.run

        def run(env, epochs, record="loss"):
            calls.append(epochs)
            if len(calls) == 2:  # the first chunk is written, the second never arrives
                raise KeyboardInterrupt
            return real_run(env, epochs, record)

        program.run = run
        return program

    monkeypatch.setattr(batches, "build_program", interrupted_program)  # the schedule builds train's program
    assert cli.main(["train", "--epochs", "25000", "--csv", str(path)]) == 130
    assert len(calls) == 2
    assert path.read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["epochs.csv"]


# -- imports --------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["train", "--epochs", "100"], ["train", "--epochs", "10", "--sweep"],
                                  ["explain", "--format", "json"], ["explain", "--format", "markdown"],
                                  ["gradcheck", "--epochs", "3"]])
def test_train_and_explain_import_neither_textual_nor_numpy(args):
    script = (
        "import io, sys, contextlib\n"
        "import tui_backprop.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert tui_backprop.cli.main({args!r}) == 0\n"
        "assert 'textual' not in sys.modules and 'numpy' not in sys.modules, sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- digits a person reads ---------------------------------------------------------------------

def noisy_values(name: str) -> list[float]:
    """Values of the first epoch whose exact binary value needs more than 12 significant digits."""
    return [op.value for op in Stepper(PRESETS[name]()).trace(1) if float(f"{op.value:.12g}") != op.value]


@pytest.mark.parametrize("form", ["text", "markdown"])
def test_explain_shows_at_most_12_significant_digits_by_default(capsys, form):
    assert cli.main(["explain", "--preset", "excel", "--format", form]) == 0
    out = capsys.readouterr().out
    noisy = noisy_values("excel")
    assert noisy  # the excel network's first epoch has binary noise to hide (e.g. net_h1)
    for value in noisy:
        assert repr(value).lstrip("-") not in out
        assert format_number(value) in out and float(format_number(value).replace("−", "-")) == float(f"{value:.12g}")


def test_explain_digits_17_shows_every_bit(capsys):
    assert cli.main(["explain", "--digits", "17"]) == 0
    results = [line.strip()[2:] for line in capsys.readouterr().out.splitlines() if line.strip().startswith("= ")]
    shown = {float(text.replace("−", "-")) for text in results if re.fullmatch(r"−?[\d.e+-]+", text)}
    assert set(noisy_values("excel")) <= shown


def test_explain_json_keeps_every_bit_of_a_noisy_value(capsys):
    assert cli.main(["explain", "--format", "json"]) == 0
    values = [step["value"] for step in json.loads(capsys.readouterr().out)["steps"]]
    assert set(noisy_values("excel")) <= set(values)


RELU = """\
name = "relu"
layers = [2, 2, 2]
activations = ["relu", "sigmoid"]
loss = "half_sse"
learning_rate = 0.5
weights = [-0.15, -0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]

[[samples]]
inputs = [0.05, 0.1]
targets = [0.01, 0.99]
"""


def test_a_negative_zero_reads_as_zero(tmp_path, capsys):
    path = tmp_path / "relu.toml"
    path.write_text(RELU)
    steps = Stepper(load_network(path)).trace(1)
    assert any(op.value == 0 and str(op.value) == "-0.0" for op in steps)  # a dead relu's gradient is −0.0
    for digits in ([], ["--digits", "4"]):  # the app's panels show 4 digits
        assert cli.main(["explain", "--config", str(path), *digits]) == 0
        out = capsys.readouterr().out
        assert re.search(r"−0(?![.\d])", out) is None
    assert format_number(-0.0, 4) == format_number(0.0, 4) and format_number(-0.0) == format_number(0.0)


def test_a_negative_argument_is_bracketed_once(tmp_path, capsys):
    path = tmp_path / "relu.toml"
    path.write_text(RELU)
    assert cli.main(["explain", "--config", str(path)]) == 0
    assert "((−" not in capsys.readouterr().out


def test_one_epoch_is_singular(capsys):
    assert cli.main(["train", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "— 1 epoch\n" in out and "1 epochs" not in out


# -- large output ---------------------------------------------------------------------------------

def test_explain_refuses_output_of_more_than_100_mb_without_force():
    one_epoch = len(backprop("explain").stdout.encode())
    epochs = cli.LARGE_OUTPUT // one_epoch + 1
    done = backprop("explain", "--epochs", str(epochs))
    assert_one_line_usage_error(done)
    assert "--force" in done.stderr and f"{epochs:,} epochs" in done.stderr


@pytest.mark.parametrize("form", ["text", "json"])
def test_the_size_explain_warns_of_is_the_size_it_writes(capsys, monkeypatch, form):
    epochs = 20
    assert cli.main(["explain", "--epochs", str(epochs), "--format", form]) == 0
    written = len(capsys.readouterr().out.encode())
    monkeypatch.setattr(cli, "LARGE_OUTPUT", written // 2)
    assert cli.main(["explain", "--epochs", str(epochs), "--format", form]) == cli.EXIT_USAGE
    estimate = float(re.search(r"about ([\d.e+-]+) MB", capsys.readouterr().err)[1]) * 1e6
    assert abs(estimate - written) <= 0.05 * written
    assert cli.main(["explain", "--epochs", str(epochs), "--format", form, "--force"]) == 0
    assert len(capsys.readouterr().out.encode()) == written


# -- gradcheck --------------------------------------------------------------------------------------

def table_rows(out: str) -> dict[str, list[str]]:
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("parameter"))
    rows = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_gradcheck_prints_every_trained_parameter_and_passes(capsys, name):
    from tui_backprop.core import gradient_check

    assert cli.main(["--preset", name, "gradcheck"]) == cli.EXIT_OK
    rows = table_rows(capsys.readouterr().out)
    net = PRESETS[name]()
    program = build_program(net)
    checks = gradient_check(program, dict(net.start_env(), lr=net.start.lr))
    assert list(rows) == program.trained
    for check in checks:
        analytic, numeric, error, *verdict = rows[check.parameter]
        assert (analytic, numeric) == (format_number(check.analytic, 10), format_number(check.numeric, 10))
        assert error == format_number(check.relative_error, 2) and verdict[0] == "ok"


def test_gradcheck_over_several_epochs_reports_each_parameters_worst(capsys):
    from tui_backprop.core.gradcheck import gradient_check

    assert cli.main(["gradcheck", "--preset", "xor", "--epochs", "5"]) == cli.EXIT_OK
    rows = table_rows(capsys.readouterr().out)
    net = PRESETS["xor"]()
    program = build_program(net)
    env, worst = dict(net.start_env(), lr=net.start.lr), {}
    for epoch in range(1, 6):
        for check in gradient_check(program, env):
            if check.relative_error > worst.get(check.parameter, (-1.0,))[0]:
                worst[check.parameter] = (check.relative_error, epoch)
        env, _ = program.run(env, 1, "loss")
    assert {p: (row[2], row[3]) for p, row in rows.items()} == {
        p: (format_number(error, 2), str(epoch)) for p, (error, epoch) in worst.items()}


def test_gradcheck_exits_1_when_a_gradient_is_off(capsys, monkeypatch):
    from tui_backprop.core import gradcheck

    real = gradcheck.gradient_check

    def one_wrong(program, env, step=gradcheck.DEFAULT_STEP):  # as if the backward pass had a bug in one gradient
        checks = real(program, env, step)
        first = checks[0]
        return [gradcheck.GradientCheck(first.parameter, first.analytic * 1.01, first.numeric), *checks[1:]]

    monkeypatch.setattr(gradcheck, "gradient_check", one_wrong)
    assert cli.main(["gradcheck"]) == cli.EXIT_MISMATCH
    out = capsys.readouterr().out
    rows = table_rows(out)
    first = build_program(PRESETS["excel"]()).trained[0]
    assert rows[first][-2:] == ["over", format_number(gradcheck.DEFAULT_TOLERANCE)]
    assert all(row[-1] == "ok" or row[-2:] == ["within", "rounding"] for p, row in rows.items() if p != first)
    assert "1 gradient off" in out


def test_gradcheck_bad_arguments_give_one_line_and_status_2():
    for args in (["gradcheck", "--epochs", "0"], ["gradcheck", "--tolerance", "-1"], ["--preset", "nope", "gradcheck"]):
        assert_one_line_usage_error(backprop(*args))
