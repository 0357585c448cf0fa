"""The app served to a browser (`backprop-tui serve`): what a visitor may open, and how files reach them.

A visitor types into a page on someone else's machine, so nothing they type may
reach that machine's files: `o` opens only the presets, the shipped examples and
the network files of the lesson's own folder, each by a name from a list, and a
file's data path stays in the file's folder (loader.load_lesson's `confined`).
What the app would write (the exports of `x`, a session of ctrl+s, the quiz's
score) is made in a temporary folder and handed to the browser as downloads.

Imported only by a served app (cli.py): the app on a terminal never needs it.
"""

from __future__ import annotations

import io
import mimetypes
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from textual.drivers.web_driver import WebDriver

from ..core import PRESETS
from ..core.loader import EXAMPLE_SUFFIXES, EXAMPLES, example_names


@dataclass(frozen=True)
class Served:
    """How the app is served: `folder`, the lesson's folder whose network files `o` offers (None: only the
    presets and examples); `results`, the folder each visitor's record goes to (None: no record is kept)."""

    folder: Path | None = None
    results: Path | None = None

    def openable(self) -> dict[str, Path | None]:
        """Every name `o` opens, and its file (None for a preset): the presets, the examples, then the lesson
        folder's network files (a name the examples already have is the example)."""
        names: dict[str, Path | None] = dict.fromkeys(PRESETS)
        for name in example_names():
            names.setdefault(name, next(path for suffix in EXAMPLE_SUFFIXES
                                        if (path := EXAMPLES / f"{name}{suffix}").is_file()))
        if self.folder is not None:
            try:
                files = sorted(self.folder.iterdir())
            except OSError:  # the folder went away: the presets and examples are still there
                files = []
            for path in files:
                if path.suffix.lower() in EXAMPLE_SUFFIXES and path.is_file():
                    names.setdefault(path.name, path)
        return names


def written(write) -> list[tuple[str, bytes]]:
    """Call `write(folder)`, which writes files into a fresh temporary folder, and return each file it wrote
    as (name, bytes), by name; the folder is gone when this returns (a worker may call it)."""
    with tempfile.TemporaryDirectory(prefix="backprop-tui-") as folder:
        write(Path(folder))
        return [(path.name, path.read_bytes()) for path in sorted(Path(folder).iterdir())]


def bundled(name: str, files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """Several files as one zip archive `name`: the browser opens each download in a tab of its own, and a
    popup blocker lets one through a key press, not five."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for member, data in files:
            zipped.writestr(member, data)
    return name, archive.getvalue()


def deliver(app, files: list[tuple[str, bytes]]) -> None:
    """Hand each (name, bytes) to the browser as a download (on the main thread: App.deliver_binary)."""
    for name, data in files:
        app.deliver_binary(io.BytesIO(data), save_filename=name,
                           mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream")


class SerialWebDriver(WebDriver):
    """Textual's web driver with its writes one at a time.  It writes the screen from one thread and a
    download's chunks (64 KB each, answering the server) from another; a write larger than a pipe takes at
    once can be split when the server reads slowly, and two threads' packets then interleave: the server
    read a damaged packet and the visitor's zip stopped short (seen under load, about one download in
    six).  textual-serve starts a visitor's app with this driver (app/server.py)."""

    def __init__(self, *args, **options):
        super().__init__(*args, **options)
        self.writing = threading.Lock()

    def write(self, data: str) -> None:
        with self.writing:
            super().write(data)

    def write_meta(self, data: dict[str, object]) -> None:
        with self.writing:
            super().write_meta(data)

    def write_binary_encoded(self, data: tuple) -> None:
        with self.writing:
            super().write_binary_encoded(data)
