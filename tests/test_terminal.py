"""The installed `backprop-tui` in a real terminal (tmux): keys in, screen out, exit status."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui_backprop.user_data import ENVIRONMENT

TMUX = shutil.which("tmux")
# The console script pip installed beside this Python.
COMMAND = Path(sys.executable).parent / "backprop-tui"

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed, so there is no real terminal to test in")


def tmux(*args: str) -> str:
    return subprocess.run([TMUX, *args], check=True, capture_output=True, text=True).stdout


def wait_for(session: str, text: str, seconds: float = 20.0) -> str:
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


@pytest.fixture
def session(tmp_path):
    name = f"backprop-test-{os.getpid()}-{time.monotonic_ns()}"
    status = tmp_path / "status"
    yield name, status
    subprocess.run([TMUX, "kill-session", "-t", name], capture_output=True)


def start(name: str, status: Path, command: str) -> None:
    # The shell writes the exit status where the test can read it after the app is gone.  It starts in the
    # test's own folder, with the test's own data folder (the tmux server does not pass on the test's
    # environment): a session killed with unsaved work leaves its hang-up save there.
    data = f"{ENVIRONMENT}={shlex.quote(os.environ[ENVIRONMENT])}"
    tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", name, "-c", str(status.parent),
         f"env {data} {command}; echo $? > {status}; sleep 30")


def exit_status(status: Path, seconds: float = 20.0) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if status.exists() and status.read_text().strip():
            return int(status.read_text())
        time.sleep(0.1)
    raise AssertionError("the app did not exit")


def start_installed(session, environment: str = "") -> None:
    """Start the installed `backprop-tui --preset mazur` (with `environment` set) and wait for it."""
    if not COMMAND.exists():
        pytest.skip(f"{COMMAND} is not installed (pip install -e . installs it)")
    name, status = session
    start(name, status, f"env {environment} {COMMAND} --preset mazur")
    wait_for(name, "press n")


def test_installed_app_steps_and_quits_in_a_real_terminal(session):
    name, status = session
    start_installed(session)
    tmux("send-keys", "-t", name, "n", "n")
    screen = wait_for(name, "a_h1 = σ(h1)")
    assert "mazur" in screen and "forward 2/11" in screen
    tmux("send-keys", "-t", name, "p")
    wait_for(name, "forward 1/11")
    tmux("send-keys", "-t", name, "q")
    wait_for(name, "1 step of epoch 1 not saved")  # q offers to save first; d quits without
    tmux("send-keys", "-t", name, "d")
    assert exit_status(status) == 0


def test_a_256_colour_terminal_gets_256_colours_and_a_reversed_current_operation(session):
    # Lab machines over SSH often offer 256 colours and no truecolor: the app must not send
    # 24-bit colours there, and the current operation must stand out without relying on colour.
    name, status = session
    start_installed(session, "-u COLORTERM TERM=xterm-256color")
    tmux("send-keys", "-t", name, "n")
    wait_for(name, "forward 1/11 ·")
    screen = tmux("capture-pane", "-e", "-p", "-t", name)
    assert "38;5;" in screen and "38;2;" not in screen and "48;2;" not in screen
    header = next(line for line in screen.splitlines() if "forward 1/11 ·" in line)
    # the diagram's header: the operation just computed, reversed (SGR 7) right before its text
    assert re.search(r"\x1b\[[0-9;]*\b7m(\x1b\[[0-9;]*m)*h1 = ", header), header
    tmux("send-keys", "-t", name, "q")
    wait_for(name, "not saved")
    tmux("send-keys", "-t", name, "d")  # quit without saving the one step
    assert exit_status(status) == 0


def test_a_crash_gives_a_failing_exit_status(session):
    name, status = session
    # The real entry point, with one widget made to fail while drawing.
    crash = ("import tui_backprop.app.widgets.operation as o; o.OperationPanel.draw = lambda self, width, height: 1 / 0; "
             "from tui_backprop.cli import main; raise SystemExit(main([]))")
    start(name, status, f"{sys.executable} -c '{crash}'")
    assert exit_status(status) == 3


def test_a_linux_console_gets_the_ascii_fallback(session):
    """TERM=linux (a real console, whose font has no braille and no rounded corners) chooses it by itself."""
    name, status = session
    start_installed(session, "TERM=linux")
    tmux("send-keys", "-t", name, "e", "f", "n")  # the backward pass: edges lit in the graph
    screen = wait_for(name, "backward 1/")
    assert "+-" in screen and not set("╭╮╰╯━") & set(screen), screen
    assert not any(0x2800 <= ord(char) <= 0x28FF for char in screen), screen
    tmux("send-keys", "-t", name, "q")
    wait_for(name, "not saved")
    tmux("send-keys", "-t", name, "d")
    assert exit_status(status) == 0


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_a_signal_leaves_the_terminal_restored_and_the_work_saved(session, user_data_folder, signal_name):
    """SIGTERM left the alternate screen on, mouse tracking too (issue 18.15); SIGHUP's exit waited for a key."""
    import signal

    if not COMMAND.exists():
        pytest.skip(f"{COMMAND} is not installed (pip install -e . installs it)")
    name, status = session
    folder = status.parent
    start(name, status, f"env BACKPROP_TUI_DATA={user_data_folder} sh -c 'echo $$ > pid; exec {COMMAND} --preset mazur'")
    wait_for(name, "press n")
    assert tmux("display", "-p", "-t", name, "#{alternate_on} #{mouse_any_flag}").split() == ["1", "1"]
    tmux("send-keys", "-t", name, "n")  # one step not saved
    wait_for(name, "forward 1/11 ·")
    os.kill(int((folder / "pid").read_text()), getattr(signal, signal_name))
    assert exit_status(status) == 0
    assert tmux("display", "-p", "-t", name, "#{alternate_on} #{mouse_any_flag}").split() == ["0", "0"]
    saved = [path.name for path in (*folder.iterdir(), *user_data_folder.rglob("*")) if path.suffix == ".backprop"]
    assert len(saved) == 1 and "hangup" in saved[0], saved
