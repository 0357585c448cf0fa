"""Hostile input, second pass (issue 18, points 10 and 16): every file the command line reads is a regular
file of bounded size, and a session reads nothing but itself."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import tui_backprop
from tui_backprop import cli
from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.quiz import Quiz
from tui_backprop.core.session import HISTORY, STATE, SessionError, load_stepper, save_study

# -- point 16: a session's samples are lists ---------------------------------------------------------


def session_reading(tmp_path, table: dict):
    """A saved mazur session whose network's samples are `table` instead of their list."""
    stepper = Stepper(PRESETS["mazur"]())
    stepper.run(2)
    path = tmp_path / "s.backprop"
    save_study(path, stepper, Quiz())
    with zipfile.ZipFile(path) as archive:
        state, history = json.loads(archive.read(STATE)), archive.read(HISTORY)
    state["network"]["samples"] = table
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(STATE, json.dumps(state))
        archive.writestr(HISTORY, history)
    return path


def test_a_session_whose_samples_name_a_data_file_is_refused_unread(tmp_path, monkeypatch, capsys):
    """`samples = {file = ...}` was resolved against the current folder: any file was read, its header quoted."""
    data = tmp_path / "elsewhere" / "data.csv"
    data.parent.mkdir()
    data.write_text("a,b,c,d\n0.05,0.1,0.01,0.99\n")  # mazur's one sample: the session would load whole
    path = session_reading(tmp_path, {"file": str(data), "inputs": ["a", "b"], "targets": ["c", "d"]})
    monkeypatch.chdir(data.parent)
    read = []
    monkeypatch.setattr("tui_backprop.core.datasets.read_csv", lambda *args: read.append(args))
    with pytest.raises(SessionError, match="samples: a session holds its samples as a list") as refused:
        load_stepper(path)
    assert read == [] and "\n" not in str(refused.value)
    assert cli.main(["--resume", str(path)]) == 2
    assert "samples" in capsys.readouterr().err


def test_a_session_that_would_generate_its_samples_is_refused(tmp_path):
    path = session_reading(tmp_path, {"generate": "spiral", "count": 100_000})
    with pytest.raises(SessionError, match="samples: a session holds its samples as a list"):
        load_stepper(path)


# -- point 10: every file the command line reads is a regular file, of bounded size -------------------


def cli_process(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    """`backprop-tui ARGV` as a process of at most 1 GB, given 60 s: a read of /dev/zero fails, a FIFO hangs."""

    def at_most_a_gigabyte():
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    code = Path(tui_backprop.__file__).resolve().parent.parent  # the package under test, wherever it is
    return subprocess.run([sys.executable, "-m", "tui_backprop", *argv], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, preexec_fn=at_most_a_gigabyte,
                          env={**os.environ, "PYTHONPATH": str(code)})


def assert_one_line(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.mark.parametrize("kind", ["a device", "a FIFO"])
def test_exercise_refuses_a_list_of_names_that_is_no_regular_file(tmp_path, kind):
    """/dev/zero was read to a MemoryError at 3.7 GB; a FIFO hung for ever."""
    if kind == "a FIFO":
        names = tmp_path / "names.txt"
        os.mkfifo(names)
    else:
        names = Path("/dev/zero")
    done = cli_process(tmp_path, "exercise", "--students", str(names), "--out", str(tmp_path / "out"))
    assert_one_line(done, "cannot read", "not a file")
    assert not (tmp_path / "out").exists()


def test_grade_refuses_a_key_whose_list_of_students_is_a_fifo(tmp_path):
    """`grade --key DIR` whose students.csv is a FIFO hung."""
    names = tmp_path / "names.txt"
    names.write_text("ann\nbob\n")
    assert cli.main(["exercise", "--students", str(names), "--out", str(tmp_path / "course")]) == 0
    roster = tmp_path / "course" / "key" / "students.csv"
    roster.unlink()
    os.mkfifo(roster)
    (tmp_path / "returned").mkdir()
    done = cli_process(tmp_path, "grade", str(tmp_path / "returned"), "--key", str(tmp_path / "course"))
    assert_one_line(done, "cannot read the key's list of students", "pipe")
