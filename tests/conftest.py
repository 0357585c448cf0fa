"""Shared test setup: the repository path, and hypothesis without per-example deadlines."""

from __future__ import annotations

import gc
import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent

# Python's cache of compiled modules, kept outside the repository.  Where the environment turns it off
# (PYTHONDONTWRITEBYTECODE, as on this project's CI machines), each of the workers compiles the package
# and pytest rewrites every test module again, and so does each of the ~200 CLI processes the tests start:
# about 6 % of the suite's CPU time, measured.  Set in the environment, so those processes share it.
sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir(), "backprop-tui-pycache"))
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def seed_pycache() -> None:
    """The installed packages' compiled modules, which pip wrote beside them, copied where the cache above
    looks (a module not found there is compiled again): once, before the workers start, instead of each of
    them compiling textual, numpy, openpyxl, Hypothesis… on a fresh clone (about 18 s of the first run)."""
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        for compiled in Path(folder).rglob(f"__pycache__/*.{sys.implementation.cache_tag}.pyc"):
            try:
                seeded = Path(importlib.util.cache_from_source(importlib.util.source_from_cache(str(compiled))))
            except ValueError:  # not a module's cache (an optimised one, a stray file)
                continue
            if not seeded.exists():
                seeded.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(compiled, seeded)


if "PYTEST_XDIST_WORKER" not in os.environ:
    seed_pycache()

# numpy_reference sits beside the tests; make it importable however pytest imports them.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Examples build and compile a program each; their time varies too much for a deadline.  Two budgets
# (budget.py): ci, the default, and deep, for a run of its own (HYPOTHESIS_PROFILE=deep).
settings.register_profile("ci", deadline=None)
settings.register_profile("deep", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_finish(session):
    """Each worker builds and drops hundreds of apps in a heap that also holds pytest, Hypothesis and every
    test module; at Python's default thresholds the collector went over all of it again and again (the app
    tests' CPU time 20 % less without that, measured in pairs).  What is there once the tests are collected
    lives to the end anyway: frozen, never examined again; the young generation is collected every 50,000
    allocations instead of every 700.  Memory tests collect before they measure (test_scale_state)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def pytest_collection_modifyitems(items):
    """The long tests first: xdist hands the tests out in this order, and one handed out last kept its
    worker busy for up to 40 s after the others had finished."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(autouse=True)
def user_data_folder(tmp_path_factory, monkeypatch):
    """Every test's user data folder (progress records, hang-up saves) is a temporary one of its own: no
    test writes into the user's real folder.  Set in the environment, so the processes a test starts
    (the CLI, the app in tmux given `env`) inherit it."""
    from tui_backprop.user_data import ENVIRONMENT

    folder = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv(ENVIRONMENT, str(folder))
    return folder
