"""Reading and writing files that may come from anyone, so that no file name, size or kind can hurt.

Writes go to a temporary file beside the target and are renamed into place, so
a crash or a bad path never destroys what was there.  Reads open regular files
only, with a bound on their size, so a FIFO, a device or a huge file is refused
at once instead of hanging or filling the memory.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import tempfile
import threading
import unicodedata
from contextlib import contextmanager
from pathlib import Path


class OutputError(OSError):
    """A path we cannot write; str() is one line for the user."""


class Stopped(Exception):
    """Reading a file was asked to stop part way: in the app, esc while a network or a session opens."""


# -- file names from content --------------------------------------------------------

# Longest stem a name from content may give a file: with any suffix it stays well under
# the 255 bytes most filesystems allow, even in 4-byte UTF-8 characters.
MAX_STEM = 48
# Names Windows reserves, whatever the extension: a file shared with a class must open there too.
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?", re.IGNORECASE)
_UNSAFE = re.compile(r'[^\w.+-]+')


def safe_file_name(name: str, suffix: str = "", fallback: str = "network") -> str:
    """`name` (a network's, a student's, a sheet's) as one plain file name in the current folder, plus `suffix`.

    Only letters, digits and `_ . + -` survive; every other run of characters
    (slashes, backslashes, `..`, NUL, newlines, markup brackets, spaces) becomes
    one `-`, leading dots and dashes go (no hidden files, nothing that reads as an
    option), the stem is cut to MAX_STEM characters and a reserved device name
    gets a `_`.  A name with nothing left becomes `fallback`.
    """
    text = unicodedata.normalize("NFKC", str(name))
    stem = re.sub(r"-{2,}", "-", re.sub(r"\.{2,}", "-", _UNSAFE.sub("-", text))).strip(".-")[:MAX_STEM].rstrip(".-")
    if not stem:
        stem = fallback
    if _RESERVED.fullmatch(stem):
        stem = "_" + stem
    return stem + suffix


# -- reading ------------------------------------------------------------------------


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


@contextmanager
def open_regular(path: str | Path, limit: int | None = None):
    """A regular file opened for reading in binary; OSError with a one-line strerror otherwise.

    It is opened without blocking, so a FIFO with no writer is refused at once
    instead of hanging; a file over `limit` bytes is refused before anything is read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except ValueError:  # a NUL in the name
        raise OSError(errno.EINVAL, "the name holds a NUL character") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, f"{_kind(status.st_mode)}, not a file")
        if limit is not None and status.st_size > limit:
            raise OSError(errno.EFBIG, f"{_megabytes(status.st_size)}; files of up to {_megabytes(limit)} are read")
        os.set_blocking(descriptor, True)
        stream = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with stream:
        yield stream


def read_regular(path: str | Path, limit: int) -> bytes:
    """The whole of a regular file of at most `limit` bytes (see open_regular)."""
    with open_regular(path, limit) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:  # it grew while we read it
        raise OSError(errno.EFBIG, f"over {_megabytes(limit)}; files of up to {_megabytes(limit)} are read")
    return data


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size:,} bytes"


# -- writing ------------------------------------------------------------------------

# Our temporaries are `.NAME.backprop-tui-PID-RANDOM.tmp`: the process id says whether its writer still lives.
_TEMPORARY = re.compile(r"\..*\.backprop-tui-(\d+)-[^.]*\.tmp")
# The (folder, prefix) of every temporary being written: a signal handler removes what matches,
# even a file mkstemp has made but not yet named to us.
_being_written: set[tuple[str, str]] = set()
_lock = threading.Lock()


class Together:
    """Files written as one (see `together`): each to its temporary, all renamed into place at the end."""

    def __init__(self):
        self.pending: list[tuple[str, Path, tuple[str, str]]] = []  # (temporary, target, its _being_written entry)

    def writer(self, path: str | Path, mode: str = "w", **open_args):
        """As atomic_writer, except that the file is renamed into place only when the whole group is done."""
        return atomic_writer(path, mode, _group=self, **open_args)


@contextmanager
def together():
    """Several files that belong together (an export, a class's exercises), written so that a failure or a
    stop part-way (a full disk, a bad name, Ctrl+C, esc) leaves none of them: each is written to a temporary
    file by `group.writer(path)`, and only when the block ends without an error are they all renamed into
    place, one after another; otherwise every temporary is removed and no file is replaced."""
    group = Together()
    try:
        yield group
        for temporary, target, _ in group.pending:
            with _output_errors(str(target)):
                os.replace(temporary, target)
    finally:
        for temporary, _, writing in group.pending:
            Path(temporary).unlink(missing_ok=True)  # those renamed are no longer there
            with _lock:
                _being_written.discard(writing)


@contextmanager
def atomic_writer(path: str | Path, mode: str = "w", _group: Together | None = None, **open_args):
    """Write to a temporary file beside `path`, then rename it into place.

    The old file stays intact until the new one is complete; the directory is
    checked before any work is done, so a bad path fails fast.  A symlink is
    followed and its target replaced, as editors do; a replaced file keeps its
    permissions.  A character device or a pipe (/dev/null, /dev/stdout) is
    written directly, since it cannot be replaced.  A read-only file, a folder,
    a symlink loop or an empty name is refused.  Any OSError while writing
    becomes OutputError.
    """
    text = os.fspath(path)
    if not text:
        raise OutputError("no file name given")
    if "\x00" in text:
        raise OutputError(f"cannot write {text!r}: a file name cannot hold a NUL character")
    try:
        status = os.stat(text)
    except FileNotFoundError:  # a new file, or a link to one not there yet (the link is followed)
        status = None
    except OSError as error:  # a symlink loop (realpath would give back the link, to be replaced by a file)
        raise OutputError(f"cannot write {text}: {error.strerror or error}") from None
    if status is not None and not stat.S_ISREG(status.st_mode):
        if stat.S_ISDIR(status.st_mode):
            raise OutputError(f"cannot write {text}: it is a folder")
        with _output_errors(text):
            stream = open(text, mode, **open_args)
        with _output_errors(text), stream:
            yield stream
        return
    target = Path(os.path.realpath(text)) if os.path.islink(text) else Path(text)
    if status is not None and (not status.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise OutputError(f"cannot write {text}: it is read-only")
    folder = target.parent if str(target.parent) else Path(".")
    sweep_stale_temporaries(folder)
    prefix = f".{target.name[:MAX_STEM]}.backprop-tui-{os.getpid()}-"
    writing = (str(folder), prefix)
    with _lock:
        _being_written.add(writing)
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    except OSError as error:
        with _lock:
            _being_written.discard(writing)
        raise OutputError(f"cannot write {text}: {error.strerror or error}") from None
    pending = False
    try:
        with _output_errors(text):
            with os.fdopen(handle, mode, **open_args) as stream:
                yield stream
            if status is None:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would surprise the user
            else:
                os.chmod(temporary, stat.S_IMODE(status.st_mode))
                if (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
                    try:  # only root may give a file away; everyone else's replacement is theirs
                        os.chown(temporary, status.st_uid, status.st_gid)
                    except OSError:
                        pass
            if _group is None:
                os.replace(temporary, target)
            else:  # renamed with the rest of its group (and removed with it, should the group fail)
                _group.pending.append((temporary, target, writing))
                pending = True
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        if not pending:
            with _lock:
                _being_written.discard(writing)


@contextmanager
def _output_errors(path: str):
    try:
        yield
    except (OutputError, BrokenPipeError):  # a closed pipe is the reader's choice (`| head`), not a failure
        raise
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def sweep_stale_temporaries(folder: str | Path) -> None:
    """Remove temporaries of ours in `folder` whose writing process is gone (killed mid-write)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = _TEMPORARY.fullmatch(entry.name)
        if match and not _alive(int(match[1])):
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # someone else's process, or a number we cannot ask about: leave its file alone
    return True


def clean_up_on_signals() -> None:
    """On SIGTERM or SIGHUP, remove the temporaries being written, then die of the signal as before.

    (SIGINT raises KeyboardInterrupt, which atomic_writer already cleans up after.)
    Only from the main thread, and only where nobody else handles the signal.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, _remove_and_die)


def _remove_and_die(number, _frame) -> None:
    for folder, prefix in list(_being_written):
        try:
            names = [name for name in os.listdir(folder) if name.startswith(prefix) and name.endswith(".tmp")]
            for name in names:
                os.unlink(os.path.join(folder, name))
        except OSError:
            pass
    signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)
