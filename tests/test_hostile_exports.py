"""Hostile names and hostile targets in what we generate (issue 18): code, escapes and formulas come back as data,
and no export crashes or leaves half its files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tui_backprop
from tui_backprop.core import PRESETS, build_program
from tui_backprop.core.loader import network_to_dict

# Children run the package these tests import (not necessarily the repository's).
ROOT = Path(tui_backprop.__file__).resolve().parent.parent


def backprop(*args: str, cwd: Path, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_backprop", *args], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          cwd=cwd, capture_output=True, text=True, timeout=120, **options)


def network_file(folder: Path, stem: str, name: str | None = None) -> Path:
    """The mazur network as a JSON file `stem`.json, named `name` (without one, the file's stem names it)."""
    data = network_to_dict(PRESETS["mazur"]())
    data.pop("name", None)
    if name is not None:
        data["name"] = name
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- 1. explain --format python: a name is a literal, never code ----------------------------------------------

INJECTED_NAMES = {
    "a name that closes the docstring": 'x"""; import os; os.system("echo INJECTED > pwned"); """',
    "a backslash-N, a SyntaxError in a docstring": "x\\N y \\ z \\",
    "quotes of every kind": "it's \"quoted\" ''' \"\"\" `x`",
}


def run_script(script: str, folder: Path) -> tuple[str, str]:
    """Run a generated script as a student would (python epoch.py), and read its NETWORK as a module;
    (what it printed, NETWORK's repr)."""
    (folder / "epoch.py").write_text(script, encoding="utf-8")
    ran = subprocess.run([sys.executable, "epoch.py"], cwd=folder, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    named = subprocess.run([sys.executable, "-c", "import runpy; print(repr(runpy.run_path('epoch.py')['NETWORK']))"],
                           cwd=folder, capture_output=True, text=True, timeout=60)
    assert named.returncode == 0, named.stderr
    return ran.stdout, named.stdout.strip()


@pytest.mark.parametrize("name", INJECTED_NAMES.values(), ids=INJECTED_NAMES.keys())
def test_a_network_name_reaches_the_python_script_only_as_a_literal(tmp_path, name):
    done = backprop("explain", "--config", str(network_file(tmp_path, "net", name)), "--format", "python", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed, network = run_script(done.stdout, tmp_path)
    assert network == repr(name)
    assert not (tmp_path / "pwned").exists() and "INJECTED" not in printed
    net = PRESETS["mazur"]()
    env, losses = build_program(net).run(net.start_env(), 1, "loss")
    assert printed.startswith(f"({losses[0]!r}, ")  # it still computes the epoch


def test_a_file_name_that_closes_the_docstring_is_a_literal_too(tmp_path):
    stem = 'x"""+__import__("os").system("echo FROMNAME")+"""'
    done = backprop("explain", "--config", str(network_file(tmp_path, stem)), "--format", "python", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed, network = run_script(done.stdout, tmp_path)
    assert "FROMNAME" not in printed and network == repr(stem)
