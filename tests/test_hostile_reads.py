"""Hostile input, second pass (issue 18, points 10 and 16): every file the command line reads is a regular
file of bounded size, and a session reads nothing but itself."""

from __future__ import annotations

import json
import os
import zipfile

import pytest

from tui_backprop import cli
from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.quiz import Quiz
from tui_backprop.core.session import HISTORY, STATE, SessionError, load_session, save_study


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
        load_session(path)
    assert read == [] and "\n" not in str(refused.value)
    assert cli.main(["--resume", str(path)]) == 2
    assert "samples" in capsys.readouterr().err


def test_a_session_that_would_generate_its_samples_is_refused(tmp_path):
    path = session_reading(tmp_path, {"generate": "spiral", "count": 100_000})
    with pytest.raises(SessionError, match="samples: a session holds its samples as a list"):
        load_session(path)
