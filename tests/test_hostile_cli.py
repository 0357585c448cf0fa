"""The command line against hostile arguments and outputs: caps, full and closed stdout, strict JSON, bad targets."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import tui_backprop
from tui_backprop import cli
from tui_backprop.core import PRESETS, Stepper

# Children run the package these tests import (not necessarily the repository's).
ROOT = Path(tui_backprop.__file__).resolve().parent.parent


def backprop(*args: str, **options) -> subprocess.CompletedProcess:
    options.setdefault("cwd", ROOT)
    options.setdefault("capture_output", "stdout" not in options)
    return subprocess.run([sys.executable, "-m", "tui_backprop", *args], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          text=True, timeout=120, **options)


def assert_one_line(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, done
    assert done.stderr.startswith("backprop-tui: ") and done.stderr.count("\n") == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


# -- caps ---------------------------------------------------------------------------------------


def test_train_refuses_more_epochs_than_its_cap_at_once():
    assert_one_line(backprop("train", "--epochs", str(cli.MAX_TRAIN_EPOCHS + 1)), "at most")
    assert_one_line(backprop("train", "--epochs", "1000000000000"), "at most")


def test_explain_refuses_output_beyond_its_cap_at_once():
    per_epoch = len(Stepper(PRESETS["xor"]()).quantities)
    too_many = cli.MAX_EXPLAIN_OPERATIONS // per_epoch + 1
    assert_one_line(backprop("explain", "--preset", "xor", "--epochs", str(too_many)), "operations")
    assert_one_line(backprop("explain", "--epochs", "1000000000"), "operations")


def test_explain_just_under_its_cap_is_not_refused(capsys):
    per_epoch = len(Stepper(PRESETS["excel"]()).quantities)
    epochs = min(cli.MAX_EXPLAIN_OPERATIONS // per_epoch, 3)
    assert cli.main(["explain", "--epochs", str(epochs)]) == 0
    assert capsys.readouterr().out.count("Epoch ") == 3 * epochs  # forward, backward, update


# -- empty targets --------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--csv", "--xlsx"])
def test_an_empty_output_name_is_one_line(tmp_path, option):
    done = backprop("train", "--epochs", "3", option, "", cwd=tmp_path)
    assert_one_line(done, "no file name")
    assert os.listdir(tmp_path) == []


# -- full and closed standard output ------------------------------------------------------------------

STDOUT_COMMANDS = {
    "explain": ["explain"],
    "explain json": ["explain", "--format", "json"],
    "train": ["train", "--epochs", "3"],
    "train --csv -": ["train", "--epochs", "3", "--csv", "-"],
    "check json": ["check", "SHEET", "--format", "json"],
}


def sheet(tmp_path) -> str:
    path = tmp_path / "sheet.csv"
    path.write_text("epoch,w1\n1,0.15\n")
    return str(path)


@pytest.mark.parametrize("args", STDOUT_COMMANDS.values(), ids=STDOUT_COMMANDS.keys())
def test_a_full_standard_output_is_one_line_and_status_2(tmp_path, args):
    args = [sheet(tmp_path) if arg == "SHEET" else arg for arg in args]
    with open("/dev/full", "w") as full:
        done = backprop(*args, stdout=full, stderr=subprocess.PIPE)
    assert_one_line(done, "No space left")


# argparse ignored a failed write: --help to a full or closed output said nothing and exited 0 (issue 18.17).
HELP_COMMANDS = {"--help": ["--help"], "train --help": ["train", "--help"]}


@pytest.mark.parametrize("args", HELP_COMMANDS.values(), ids=HELP_COMMANDS.keys())
def test_help_to_a_full_standard_output_is_one_line_and_status_2(args):
    with open("/dev/full", "w") as full:
        done = backprop(*args, stdout=full, stderr=subprocess.PIPE)
    assert_one_line(done, "No space left")


@pytest.mark.parametrize("args", [*STDOUT_COMMANDS.values(), *HELP_COMMANDS.values(), ["--version"]],
                         ids=[*STDOUT_COMMANDS.keys(), *HELP_COMMANDS.keys(), "--version"])
def test_a_closed_standard_output_is_one_line_and_status_2(tmp_path, args):
    args = [sheet(tmp_path) if arg == "SHEET" else arg for arg in args]
    done = backprop(*args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert_one_line(done, "standard output is closed")


# The targets below are our own device node and symlink, never /dev/full or /dev/stdout themselves: run as root,
# a writer that replaced its target (as today's main did) would break those for every process on the machine.


@pytest.mark.parametrize("option", ["--csv", "--xlsx"])
def test_writing_to_a_full_device_is_one_line_and_status_2(tmp_path, option):
    full = tmp_path / "full"
    try:
        os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # what /dev/full is
    except PermissionError:
        pytest.skip("cannot make a device node here")
    assert_one_line(backprop("train", "--epochs", "50", option, str(full)), "No space left")
    assert stat.S_ISCHR(full.stat().st_mode)


def test_csv_to_a_link_to_standard_output_writes_the_rows_there(tmp_path):
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
    done = backprop("train", "--epochs", "4", "--csv", str(link))
    assert link.is_symlink()
    assert done.returncode == 0, done.stderr
    assert [line.split(",")[0] for line in done.stdout.splitlines()[1:5]] == ["1", "2", "3", "4"]


def test_a_read_only_csv_is_refused_and_kept(tmp_path):
    path = tmp_path / "epochs.csv"
    path.write_text("precious\n")
    path.chmod(0o444)
    assert_one_line(backprop("train", "--epochs", "3", "--csv", str(path)), "read-only")
    assert path.read_text() == "precious\n"


# -- strict JSON -------------------------------------------------------------------------------------

OVERFLOWING = """
layers = [1, 1]
activations = "identity"
weights = [1e200]

[[samples]]
inputs = [1e200]
targets = [0.0]
"""


def refuse_constants(name):
    raise ValueError(f"{name} is not JSON")


def test_explain_json_writes_null_and_says_why_where_a_value_is_not_finite(tmp_path, capsys):
    path = tmp_path / "overflow.toml"
    path.write_text(OVERFLOWING)
    assert cli.main(["explain", "--config", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out, parse_constant=refuse_constants)
    values = Stepper(cli.load(cli.build_parser().parse_args(["explain", "--config", str(path)]))).trace(1)
    assert len(document["steps"]) == len(values)
    for step, op in zip(document["steps"], values):
        if op.value == op.value and abs(op.value) != float("inf"):
            assert step["value"] == op.value and "not_finite" not in step
        else:
            assert step["value"] is None
            assert step["not_finite"] == ("NaN" if op.value != op.value else "Infinity" if op.value > 0 else "-Infinity")
    assert any(step["value"] is None for step in document["steps"])


def test_explain_text_notes_where_a_value_stopped_being_finite(tmp_path, capsys):
    path = tmp_path / "overflow.toml"
    path.write_text(OVERFLOWING)
    assert cli.main(["explain", "--config", str(path)]) == 0
    text = capsys.readouterr().out
    first = next(op for op in Stepper(cli.load(cli.build_parser().parse_args(["explain", "--config", str(path)])))
                 .trace(1) if op.value != op.value or abs(op.value) == float("inf"))
    assert text.count("stopped being a finite number") == 1
    assert f"Here {first.symbol} stopped being a finite number" in text
