"""Shared test setup: the repository path, and hypothesis without per-example deadlines."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent

# numpy_reference sits beside the tests; make it importable however pytest imports them.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Examples build and compile a program each; their time varies too much for a deadline.  Two budgets
# (budget.py): ci, the default, and deep, for a run of its own (HYPOTHESIS_PROFILE=deep).
settings.register_profile("ci", deadline=None)
settings.register_profile("deep", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def user_data_folder(tmp_path_factory, monkeypatch):
    """Every test's user data folder (progress records, hang-up saves) is a temporary one of its own: no
    test writes into the user's real folder.  Set in the environment, so the processes a test starts
    (the CLI, the app in tmux given `env`) inherit it."""
    from tui_backprop.user_data import ENVIRONMENT

    folder = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv(ENVIRONMENT, str(folder))
    return folder
