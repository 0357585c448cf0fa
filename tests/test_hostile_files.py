"""Hostile files and names: safe file names, regular bounded reads, the atomic writer's targets, signals, limits."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tui_backprop
from tui_backprop import cli

# Modules, not names: each test then fails on its own where a piece is missing, instead of the whole file.
from tui_backprop.core import PRESETS, loader, network, safe_files
from tui_backprop.core.loader import load_network, network_to_dict
from tui_backprop.core.network import Network, NetworkError, Parameters, Sample
from tui_backprop.core.safe_files import OutputError, atomic_writer

from budget import DEEP, examples

# Children run the package these tests import (not necessarily the repository's).
ROOT = Path(tui_backprop.__file__).resolve().parent.parent

# -- file names from content ------------------------------------------------------------------

HOSTILE_NAMES = ["../../../escaped", "/etc/passwd", "C:\\Windows\\x", "a/b\\c", "a\x00b", "line\nbreak\r",
                 "[bold]x[/]", "[/]", "x" * 10_000, "CON", "nul.txt", "LPT1", "..", ".", "", "-rf", ".hidden",
                 "\u202etxt.exe", "ｆｕｌｌ／ｗｉｄｔｈ"]


def assert_safe(name: str, suffix: str, folder: Path) -> None:
    assert name.endswith(suffix)
    stem = name[: len(name) - len(suffix)] if suffix else name
    assert stem and len(stem) <= safe_files.MAX_STEM
    assert os.path.basename(name) == name and "/" not in name and "\\" not in name
    assert name.isprintable() and not name.startswith((".", "-"))
    assert stem.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM1"}
    path = folder / name
    path.write_text("x")  # a name the filesystem takes, in this folder and nowhere else
    assert path.resolve().parent == folder.resolve()


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
@pytest.mark.parametrize("suffix", ["", "-history.csv", ".xlsx", ".backprop"])
def test_a_name_from_content_becomes_one_plain_file_name_in_the_folder(tmp_path, name, suffix):
    assert_safe(safe_files.safe_file_name(name, suffix), suffix, tmp_path)


def test_ordinary_names_keep_their_spelling():
    for name in ("mazur", "tanh-3-layer", "xor_2.1", "Übung"):
        assert safe_files.safe_file_name(name, ".xlsx") == name + ".xlsx"


@settings(max_examples=examples(200))
@given(name=st.text(max_size=300))
def test_fuzz_any_name_becomes_a_safe_file_name(tmp_path_factory, name):
    assert_safe(safe_files.safe_file_name(name, ".md"), ".md", tmp_path_factory.mktemp("names"))


# -- reading network files: regular files of bounded size --------------------------------------

LOAD_IN_A_PROCESS = "import sys\nfrom tui_backprop.core.loader import load_network\nload_network(sys.argv[1])\n"


def test_a_fifo_or_a_device_as_a_network_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "net.toml"
    os.mkfifo(fifo)
    for path, word in ((fifo, "pipe"), ("/dev/zero", "device")):
        # In a process of its own: reading a FIFO with no writer would block this one for good.
        done = subprocess.run([sys.executable, "-m", "tui_backprop", "train", "--epochs", "1", "--config", str(path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and word in done.stderr, done.stderr


def test_a_huge_network_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "net.toml"
    with open(path, "wb") as stream:
        stream.truncate(loader.MAX_FILE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(NetworkError) as caught:
        load_network(path)
    assert "MB" in str(caught.value)


def network_data(layers, samples=1) -> dict:
    return {"layers": layers, "samples": [{"inputs": [0.5] * layers[0], "targets": [0.5] * layers[-1]}] * samples}


def test_at_most_max_layers_layers(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(network_data([2] * network.MAX_LAYERS)))
    assert load_network(path).sizes == (2,) * network.MAX_LAYERS
    path.write_text(json.dumps(network_data([2] * (network.MAX_LAYERS + 1))))
    with pytest.raises(NetworkError, match="layers: at most"):
        load_network(path)
    start = Network(sizes=(1, 1), activations=("sigmoid",), start=Parameters((0.1,)), samples=(Sample((0.5,), (0.5,)),))
    with pytest.raises(NetworkError, match="at most"):
        start.with_changes(sizes=(1,) * (network.MAX_LAYERS + 1), activations=("sigmoid",) * network.MAX_LAYERS,
                           start=Parameters((0.1,) * network.MAX_LAYERS))


def test_at_most_max_samples_samples(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(network_data([1, 1], loader.MAX_SAMPLES + 1)))
    with pytest.raises(NetworkError, match="samples: at most"):
        load_network(path)


@pytest.mark.parametrize("name", ["a\x00b", "two\nlines", "x" * 1000])
def test_a_name_that_is_not_one_line_of_text_is_refused(tmp_path, name):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(dict(network_to_dict(PRESETS["mazur"]()), name=name)))
    with pytest.raises(NetworkError) as caught:
        load_network(path)
    assert str(caught.value).startswith("name:") and len(str(caught.value)) < 200


# -- every bad network file is one line ----------------------------------------------------------


def mutated_network_files(folder: Path, count: int) -> list[Path]:
    """The shipped examples (the lessons in examples/lessons too), each damaged by a few random byte changes,
    insertions and deletions (seeded)."""
    chance = random.Random(13)
    originals = [path.read_bytes() for path in sorted((ROOT / "examples").rglob("*")) if path.is_file()]
    paths = []
    for n in range(count):
        data = bytearray(chance.choice(originals))
        for _ in range(chance.randint(1, 6)):
            at = chance.randrange(len(data))
            what = chance.random()
            byte = chance.choice(b'\n\r\x00"[]{}=,.-+e0123456789 \t\\#') if chance.random() < 0.7 else chance.randrange(256)
            if what < 0.4:
                data[at] = byte
            elif what < 0.7:
                data.insert(at, byte)
            else:
                del data[at]
        path = folder / f"net{n}{'.json' if data.lstrip().startswith(b'{') else '.toml'}"
        path.write_bytes(bytes(data))
        paths.append(path)
    return paths


def test_every_fuzzed_network_file_gets_exactly_one_line(tmp_path, capsys):
    missing_sheet = str(tmp_path / "missing.csv")  # loading comes first; a file that loads fails on the sheet
    for path in mutated_network_files(tmp_path, 400 if DEEP else 120):  # every one deep (budget.py)
        assert cli.main(["check", missing_sheet, "--config", str(path)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1, (path.read_bytes(), captured.err)


@pytest.mark.parametrize("data", [{"a\nb": 1}, {"layers": [1, 1], "samples": [{"inputs": [1], "targets": [1], "x\ny": 1}]},
                                  {"layers": [1, 1], "weights": {"seed": 1, "s\r\nx": 2}, "samples": []}], ids=repr)
def test_a_key_with_a_newline_is_one_line(tmp_path, capsys, data):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(data))
    assert cli.main(["check", str(tmp_path / "missing.csv"), "--config", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_file_name_with_a_newline_is_one_line(tmp_path, capsys):
    path = tmp_path / "two\nlines.toml"
    path.write_text("layers = [")
    assert cli.main(["train", "--epochs", "1", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "two\\nlines.toml" in err


# -- the atomic writer's targets ---------------------------------------------------------------------


def device(tmp_path, name: str, minor: int) -> Path:
    """A character device of our own (1, minor) in tmp_path: /dev/null is 3, /dev/full 7.  Never the real ones:
    a writer that replaced them would break them for every process on the machine."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (PermissionError, AttributeError):
        pytest.skip("cannot make a device node here")
    return path


def test_a_character_device_is_written_through_not_replaced(tmp_path):
    null = device(tmp_path, "null", 3)
    with atomic_writer(null) as stream:
        stream.write("gone")
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["null"]


def test_a_full_device_is_one_line_and_no_temporary(tmp_path):
    full = device(tmp_path, "full", 7)
    with pytest.raises(OutputError) as caught:
        with atomic_writer(full) as stream:
            stream.write("x" * 100_000)
    assert "No space left" in str(caught.value) and "\n" not in str(caught.value)
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    with atomic_writer(fifo) as stream:
        stream.write("rows\n")
    reader.join(10)
    assert received == ["rows\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_is_followed_and_kept(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "later.csv")
    for path in (link, dangling):
        with atomic_writer(path) as stream:
            stream.write("new")
        assert path.is_symlink() and path.read_text() == "new"
    assert target.read_text() == "new" and (tmp_path / "later.csv").read_text() == "new"


def test_a_replaced_file_keeps_its_mode(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")
    path.chmod(0o640)
    with atomic_writer(path) as stream:
        stream.write("new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_read_only_file_is_refused_and_kept(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("precious")
    path.chmod(0o444)
    with pytest.raises(OutputError, match="read-only"):
        with atomic_writer(path) as stream:
            stream.write("new")
    assert path.read_text() == "precious" and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert os.listdir(tmp_path) == ["out.csv"]


@pytest.mark.parametrize("name", ["", "a\x00b"], ids=repr)
def test_an_empty_name_or_a_nul_is_refused(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError):
        with atomic_writer(name) as stream:
            stream.write("x")
    assert os.listdir(tmp_path) == []


def test_a_write_error_is_one_line_and_the_old_file_stays(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("precious")
    with pytest.raises(OutputError) as caught:
        with atomic_writer(path) as stream:
            stream.write("x")
            raise OSError(28, "No space left on device")
    assert "No space left" in str(caught.value)
    assert path.read_text() == "precious" and os.listdir(tmp_path) == ["out.csv"]


# -- temporaries left by a killed writer --------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_ours_are_swept_on_the_next_write(tmp_path):
    stale = tmp_path / f".out.csv.backprop-tui-{dead_pid()}-abc123.tmp"
    living = tmp_path / f".out.csv.backprop-tui-{os.getppid()}-def456.tmp"
    someone_elses = tmp_path / ".out.csv.abc.tmp"
    for path in (stale, living, someone_elses):
        path.write_text("half")
    with atomic_writer(tmp_path / "out.csv") as stream:
        stream.write("rows")
    assert sorted(os.listdir(tmp_path)) == sorted(["out.csv", living.name, someone_elses.name])


KILLED_WRITER = """
import os, sys
from tui_backprop.core.safe_files import atomic_writer
with atomic_writer(sys.argv[1]) as stream:
    stream.write("half")
    stream.flush()
    os._exit(9)  # as SIGKILL: no cleanup at all
"""


def test_a_killed_writers_temporary_is_gone_after_the_next_write(tmp_path):
    path = tmp_path / "out.csv"
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=ROOT, check=False)
    assert len(os.listdir(tmp_path)) == 1  # the temporary it left
    safe_files.sweep_stale_temporaries(tmp_path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_mid_write_leave_no_temporary(tmp_path, name):
    path = tmp_path / "epochs.csv"
    path.write_text("precious\n")
    child = subprocess.Popen([sys.executable, "-m", "tui_backprop", "train", "--epochs", "5000000", "--csv", str(path)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not [entry for entry in os.listdir(tmp_path) if entry.endswith(".tmp")]:
        assert child.poll() is None and time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.02)
    child.send_signal(getattr(signal, name))
    assert child.wait(60) == -getattr(signal, name)
    assert os.listdir(tmp_path) == ["epochs.csv"] and path.read_text() == "precious\n"
