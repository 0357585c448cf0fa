"""Writing files so that a crash or a bad path never destroys what was there."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


class OutputError(OSError):
    """A path we cannot write; str() is one line for the user."""


@contextmanager
def atomic_writer(path: str | Path, mode: str = "w", **open_args):
    """Write to a temporary file beside `path`, then rename it into place.

    The old file stays intact until the new one is complete; the directory is
    checked before any work is done, so a bad path fails fast.
    """
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, mode, **open_args) as stream:
            yield stream
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would surprise the user
        try:
            os.replace(temporary, path)
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
