"""Driving `backprop-tui serve` from a real browser: Debian's Chromium under Playwright for Python.

Playwright's own browser download is not reachable here, so it launches the distribution's
Chromium (`apt-get install chromium`; .ci/run installs it).  A tab reads the app's screen from the
websocket frames the browser receives (xterm.js draws on a canvas, so the page's DOM has no text):
the terminal output with its escape sequences taken out, which holds every run of text the app drew.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Escape sequences (CSI with its parameters, OSC up to its terminator, other two-byte ones).
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-Z\\-_]")
WAIT = 20.0  # seconds for anything the tests wait for: an app's start on a loaded 2-core machine


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright; .ci/run does)"
    if CHROMIUM is None:
        return "Chromium is not installed (apt-get install chromium; .ci/run does)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """`backprop-tui serve ARGS` in a process of its own, on a free loopback port, until `stop`."""

    def __init__(self, *args: str, cwd: Path, data: Path):
        self.port, self.cwd, self.data = free_port(), cwd, data
        self.url = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ, BACKPROP_TUI_DATA=str(data))
        self.process = subprocess.Popen([sys.executable, "-m", "tui_backprop", "serve", "--port", str(self.port), *args],
                                        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.said = self._line()
        if "Serving" not in self.said:
            self.stop()
            raise RuntimeError(f"the server did not start: {self.said!r}")

    def _line(self) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], WAIT)
        return self.process.stdout.readline() if ready else ""

    def health(self) -> dict:
        import json
        from urllib.request import urlopen

        with urlopen(self.url + "health", timeout=WAIT) as response:
            return json.load(response)

    def stop(self, number: int = signal.SIGINT) -> tuple[int | None, str]:
        """Ctrl+C (SIGINT), and what the server said until it ended; (None, …) if it did not within WAIT."""
        if self.process.poll() is None:
            self.process.send_signal(number)
        try:
            output, _ = self.process.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
            return None, output
        return self.process.returncode, output


def alive(pid: int) -> bool:
    """Whether a process of that id still runs (a zombie, ended but not yet waited for, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


class Tab:
    """One visitor: a page of the served URL, its screen read from the frames its websocket received."""

    def __init__(self, context, url: str, wait: bool = True, name: str | None = None):
        """`name`: the name to give when the server keeps results (--results asks it first)."""
        self.page = context.new_page()
        self.frames: list[str] = []
        self.downloads = []
        self.page.on("websocket", lambda socket: socket.on("framereceived", self._frame))
        self.page.goto(url)
        if wait:
            self.page.wait_for_selector("body.-first-byte", state="attached", timeout=WAIT * 1000)
            self.page.focus(".xterm-helper-textarea")  # where xterm.js takes the keys
        if name is not None:
            assert self.wait_for("Your name"), "the name was not asked"
            self.type(name)
            mark = self.press("Enter")
            assert self.wait_for("Next", since=mark), "the name was not taken"  # the main screen's footer again

    def _frame(self, frame) -> None:
        self.frames.append(frame if isinstance(frame, str) else frame.decode("utf-8", "replace"))

    def text(self, since: int = 0) -> str:
        """Every run of text the app drew (after the first `since` frames), escape sequences taken out."""
        return ESCAPES.sub("\n", "".join(self.frames[since:]))

    def wait_for(self, words: str, since: int = 0, timeout: float = WAIT) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if words in self.text(since):
                return True
            self.page.wait_for_timeout(50)
        return False

    def press(self, *keys: str) -> int:
        """Press the keys; returns the frame count before them, for `wait_for(…, since=)`."""
        mark = len(self.frames)
        for key in keys:
            self.page.keyboard.press(key)
        return mark

    def type(self, text: str) -> int:
        mark = len(self.frames)
        self.page.keyboard.type(text)
        return mark
