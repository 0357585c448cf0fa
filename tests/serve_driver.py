"""A `backprop-tui serve` for the tests: started on a free port of 127.0.0.1 in a subprocess, and ended (with every
visitor's app) when the test is done, whatever happened; and a visitor speaking textual-serve's websocket."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

START_WITHIN = 20.0  # seconds for the server to listen, or a visitor's app to draw its first screen
ESCAPES = re.compile(r"\x1b(\[[0-9;?$<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServeProcess:
    def __init__(self, options: list[str], folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui_backprop", "serve", "--port", str(self.port), *options], cwd=folder,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.first_line = self.process.stdout.readline()  # printed once it listens
        if not self.first_line:
            raise AssertionError(f"serve did not start: {self.process.stderr.read()}")
        # printed as the server starts, a moment before it listens
        assert wait_until(self._listening, START_WITHIN), "serve never listened"

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def apps(self) -> list[psutil.Process]:
        """The visitors' app processes the server has running."""
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self, how: int = signal.SIGINT) -> int:
        """Ctrl+C (SIGINT) and the server's exit status; the server and anything left of it killed after 15 s."""
        everything = [psutil.Process(self.process.pid), *self.apps()] if self.process.poll() is None else []
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            return self.process.wait(15)
        finally:
            for process in everything:
                try:
                    process.kill()
                except psutil.NoSuchProcess:
                    pass
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


class Visitor:
    """One browser tab's websocket: sends keys and sizes as textual.js does, reads the screen's text."""

    def __init__(self, session, url: str, width: int = 120, height: int = 40):
        self.session, self.url, self.size = session, url, (width, height)
        self.stream = b""
        self.messages: list = []  # textual-serve's JSON messages (a download's key)
        self.socket = None
        self.reader = None

    async def __aenter__(self):
        width, height = self.size
        self.socket = await self.session.ws_connect(f"{self.url.replace('http', 'ws')}/ws?width={width}&height={height}")
        await self.socket.send_str(json.dumps(["resize", {"width": width, "height": height}]))
        self.reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc):
        await self.socket.close()
        self.reader.cancel()

    async def _read(self):
        async for message in self.socket:
            if isinstance(message.data, bytes):
                self.stream += message.data
            elif isinstance(message.data, str):
                self.messages.append(json.loads(message.data))

    async def delivery(self, within: float = START_WITHIN) -> str:
        """The key of the next file the app delivers (the page would open /download/KEY)."""
        deadline = time.monotonic() + within
        while True:
            for message in self.messages:
                if message[0] == "deliver_file_start":
                    self.messages.remove(message)
                    return message[1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no file was delivered; the end of the screen: {self.text()[-600:]!r}")
            await asyncio.sleep(0.05)

    def text(self) -> str:
        """What the app has drawn so far, its escape sequences taken out."""
        return ESCAPES.sub("", self.stream.decode("utf-8", "replace"))

    async def wait_for(self, text: str, within: float = START_WITHIN, after: int = 0) -> None:
        """Until `text` is drawn (after the first `after` characters of the screen's text)."""
        deadline = time.monotonic() + within
        while text not in self.text()[after:]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never came; the end of the screen: {self.text()[-600:]!r}")
            if self.reader.done():
                raise AssertionError(f"the websocket closed before {text!r} came: {self.text()[-600:]!r}")
            await asyncio.sleep(0.05)

    async def press(self, key: str) -> None:
        await self.socket.send_str(json.dumps(["stdin", key]))


def wait_until(condition, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def serve(tmp_path):
    """Start servers with the options given; each is stopped (Ctrl+C, then killed) when the test ends."""
    started = []

    def start(*options: str) -> ServeProcess:
        server = ServeProcess(list(options), tmp_path)
        started.append(server)
        return server

    yield start
    for server in started:
        apps = server.apps()
        server.stop()
        assert not [app for app in apps if app.is_running() and app.status() != psutil.STATUS_ZOMBIE]
