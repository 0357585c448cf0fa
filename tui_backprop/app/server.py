"""`backprop-tui serve`: the app for a room of browsers, on textual-serve.

textual-serve starts one app process per browser tab (its websocket) and renders
it with xterm.js.  What it leaves to us, and a lab would want before a port is
open to a room: a cap on the processes (`--max-sessions`; the visitor over it
gets a page saying the room is full, not a tab that hangs), each app started
without a shell (a list of arguments, not a command line), ended when its tab
closes (asked first, then killed), and every one ended when the server stops.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import signal
import socket
import sys
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve import download_manager
from textual_serve.app_service import AppService
from textual_serve.server import Server

log = logging.getLogger("textual-serve")

# Seconds an app is given to leave when its tab closes or the server stops, before it is killed.
LEAVE_WITHIN = 3.0
# Seconds a download waits for the app's next chunk.  textual-serve's own 4 s ends the download there, silently:
# on a loaded machine (the test suite's workers on two cores) an app was slower than that, and the
# visitor got a zip cut short.  A minute: a download that stalls so long has failed.
CHUNK_WITHIN = 60
ROOM_FULL = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}: the room is full</title></head>
<body style="background:#0c181f;color:#eee;font-family:monospace;font-size:18px;padding:3em">
<h1>The room is full</h1>
<p>{count} visitors have the app open, as many as this server takes.
When someone closes their tab there is room again: reload this page then.</p>
</body></html>
"""
# Written into a tab whose websocket came when the room was already full (it showed the page before).
ROOM_FULL_LINE = b"\r\n  The room is full: reload the page when someone has closed their tab.\r\n"


class VisitorApp(AppService):
    """One visitor's app: started from a list of arguments (no shell), in a process group of its own, so
    that ending it ends everything it started; ended for sure (killed after LEAVE_WITHIN seconds)."""

    def __init__(self, arguments: list[str], **options):
        super().__init__(arguments[0], **options)
        self.arguments = arguments

    async def _open_app_process(self, width: int = 80, height: int = 24):
        environment = self._build_environment(width=width, height=height)
        environment["TEXTUAL_DRIVER"] = "tui_backprop.app.served:SerialWebDriver"  # its writes one at a time
        self._process = process = await asyncio.create_subprocess_exec(
            *self.arguments, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=environment, start_new_session=True)
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def end(self) -> None:
        """Ask the app to quit (as textual-serve does), and kill its process group if it has not within
        LEAVE_WITHIN seconds."""
        try:
            await asyncio.wait_for(self.stop(), LEAVE_WITHIN)
        except (asyncio.TimeoutError, ConnectionError, RuntimeError):
            pass
        process = self._process
        if process is not None and process.returncode is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if process is not None:
            try:
                await asyncio.wait_for(process.wait(), LEAVE_WITHIN)
            except asyncio.TimeoutError:
                log.error("app process %s did not end", process.pid)
        if self._task is not None:  # the reader of its output, should stop() not have awaited it
            self._task.cancel()


class ClassServer(Server):
    """textual-serve's server with a cap on the visitors' apps, and no app left behind when it stops."""

    def __init__(self, arguments: list[str], *, host: str, port: int, title: str, max_sessions: int):
        super().__init__(" ".join(arguments), host=host, port=port, title=title)
        self.arguments, self.max_sessions = arguments, max_sessions
        self.visitors: set[VisitorApp] = set()

    def full(self) -> bool:
        return len(self.visitors) >= self.max_sessions

    async def handle_index(self, request: web.Request) -> web.Response:
        if self.full():
            return self.room_full()
        page = await super().handle_index(request)
        # textual-serve's page has no <title>: a tab among a student's twenty should say what it is.
        page.text = page.text.replace("<head>", f"<head>\n    <title>{html.escape(self.title)}</title>", 1)
        return page

    def room_full(self) -> web.Response:
        return web.Response(status=503, content_type="text/html", headers={"Retry-After": "30"},
                            text=ROOM_FULL.format(title=html.escape(self.title), count=len(self.visitors)))

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """As textual-serve's, with the cap checked and the app ended for sure when the tab closes."""
        origin = request.headers.get("Origin")
        if origin and urlsplit(origin).netloc != request.host:
            # Another site's page, in a visitor's browser, may not open an app here in their name.
            raise web.HTTPForbidden(text="the app opens from its own page only")
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.full():
            await websocket.send_bytes(ROOM_FULL_LINE)
            await websocket.close()
            return websocket
        width = _size(request.query.get("width"), 80)
        height = _size(request.query.get("height"), 24)
        visitor = VisitorApp(self.arguments, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                             close=websocket.close, download_manager=self.download_manager, debug=self.debug)
        self.visitors.add(visitor)
        try:
            await visitor.start(width, height)
            log.info("visitor %s: app %s started (%d of %d)", visitor.app_service_id[:8], visitor.pid,
                     len(self.visitors), self.max_sessions)
            await self._process_messages(websocket, visitor)
        except asyncio.CancelledError:
            pass
        except Exception as error:
            log.exception(error)
        finally:
            await asyncio.shield(self._leave(visitor, websocket))
        return websocket

    async def _leave(self, visitor: VisitorApp, websocket: web.WebSocketResponse) -> None:
        await visitor.end()
        self.visitors.discard(visitor)
        if not websocket.closed:
            await websocket.close()
        log.info("visitor %s: app ended (%d left)", visitor.app_service_id[:8], len(self.visitors))

    async def on_shutdown(self, app: web.Application) -> None:
        """Ctrl+C: every visitor's app ended before the server goes."""
        await asyncio.gather(*(visitor.end() for visitor in list(self.visitors)), return_exceptions=True)
        self.visitors.clear()

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: textual-serve prints a logo here, and a teacher needs the address, printed once it listens."""


def _size(text: str | None, default: int) -> int:
    """A terminal size the browser asks for, within reason (it is a visitor's to choose)."""
    try:
        return min(max(int(text), 10), 1000)
    except (TypeError, ValueError):
        return default


def serve(arguments: list[str], *, host: str, port: int, title: str, max_sessions: int) -> None:
    """Run the server until Ctrl+C (or SIGTERM), then end every visitor's app.  OSError when the address
    cannot be listened on (before anything is printed)."""
    server = ClassServer(arguments, host=host, port=port, title=title, max_sessions=max_sessions)
    download_manager.DOWNLOAD_TIMEOUT = CHUNK_WITHIN  # read by each chunk's wait
    if ":" in host:  # an IPv6 address, in a URL, goes in brackets
        server.public_url = f"http://[{host}]:{port}"
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    asyncio.run(_listen(server, host, port))


async def _listen(server: ClassServer, host: str, port: int) -> None:
    """aiohttp's runner by hand, not web.run_app: the URL is printed once the port is bound, not before."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    # textual-serve's one public door, Server.serve, prints before it binds: its app factory is the one name of
    # its insides this uses (pinned below textual-serve 2 in pyproject).
    runner = web.AppRunner(await server._make_app(), handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        print(f"Serving backprop-tui on {server.public_url} (at most {server.max_sessions} visitors); "
              "Ctrl+C stops it.", flush=True)
        if host in ("0.0.0.0", "::"):  # every address of the machine: a student needs one of them
            print(f"From another machine: http://{socket.gethostname()}:{port}, or this machine's address on the "
                  "room's network in its place.", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()  # on_shutdown: every visitor's app ended
