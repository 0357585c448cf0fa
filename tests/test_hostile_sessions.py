"""Hostile session files: zip bombs, forged sizes, damaged quiz scores, FIFOs; refused in one line, unread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest

import tui_backprop
from tui_backprop import cli
from tui_backprop.core import PRESETS, Stepper, session
from tui_backprop.core.quiz import Quiz
from tui_backprop.core.session import HISTORY, STATE, SessionError, load_stepper, load_study, save_study

ROOT = Path(tui_backprop.__file__).resolve().parent.parent
# Far above what refusing a small file takes, far below what reading the bombs below would.
PEAK_BYTES = 16 * 2**20
BOMB_BYTES = 64 * 2**20


def members_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def saved(tmp_path, epochs: int = 3) -> Path:
    stepper = Stepper(PRESETS["mazur"]())
    stepper.run(epochs)
    path = tmp_path / "s.backprop"
    save_study(path, stepper, Quiz())
    return path


def rewrite(path, state: bytes, history: bytes, history_compression=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(STATE, state, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(HISTORY, history, compress_type=history_compression)


def peak_while_refused(path) -> tuple[str, int]:
    """The one-line refusal, and the most memory Python held while it was reached."""
    tracemalloc.start()
    try:
        with pytest.raises(SessionError) as caught:
            load_stepper(path)
        return str(caught.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_history_that_inflates_beyond_what_the_epochs_need_is_refused_unread(tmp_path):
    path = saved(tmp_path)
    state = members_of(path)[STATE]
    rewrite(path, state, bytes(BOMB_BYTES), zipfile.ZIP_DEFLATED)  # 64 MB of zeros, some 64 KB on disk
    assert path.stat().st_size < 2**20
    message, peak = peak_while_refused(path)
    assert "\n" not in message and HISTORY in message
    assert peak < PEAK_BYTES, peak


def test_a_deflated_history_of_the_right_size_is_refused(tmp_path):
    """We store the history as is; a deflated one could hold gigabytes in a small file, so it is not read."""
    path = saved(tmp_path)
    members = members_of(path)
    rewrite(path, members[STATE], members[HISTORY], zipfile.ZIP_DEFLATED)
    with pytest.raises(SessionError, match="compressed"):
        load_stepper(path)


def test_a_state_of_whitespace_is_refused_unread(tmp_path):
    path = saved(tmp_path)
    members = members_of(path)
    state = members[STATE] + b" " * BOMB_BYTES  # still valid JSON
    rewrite(path, state, members[HISTORY])
    assert path.stat().st_size < 2**20
    message, peak = peak_while_refused(path)
    assert "\n" not in message and STATE in message
    assert peak < PEAK_BYTES, peak


def test_a_forged_size_is_read_no_further_than_it_claims(tmp_path):
    """A member whose directory entry claims fewer bytes than its data: zipfile stops at the claim, the CRC fails."""
    path = saved(tmp_path)
    members = members_of(path)
    rewrite(path, members[STATE] + b" " * (4 * 2**20), members[HISTORY])
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(b"PK\x01\x02"))  # the first of two: session.json's
    data[entry + 24: entry + 28] = len(members[STATE]).to_bytes(4, "little")  # its uncompressed size
    path.write_bytes(bytes(data))
    message, peak = peak_while_refused(path)
    assert "truncated or corrupt" in message and peak < PEAK_BYTES


def test_a_session_under_the_bounds_still_loads(tmp_path):
    path = saved(tmp_path, epochs=50)
    stepper, _ = load_stepper(path)
    assert len(stepper.history) == 50 and session.MAX_STATE_BYTES > len(members_of(path)[STATE])


DAMAGED_QUIZZES = {
    "empty": {},
    "phases not a list": {"phases": 5, "tolerance": 0.001, "score": {}},
    "score beyond any integer": "SCORE_1E400",
    "a string": "[/]",
}


@pytest.mark.parametrize("quiz", DAMAGED_QUIZZES.values(), ids=DAMAGED_QUIZZES.keys())
def test_a_damaged_quiz_score_is_one_line(tmp_path, capsys, quiz):
    path = saved(tmp_path)
    members = members_of(path)
    document = json.loads(members[STATE])
    if quiz == "SCORE_1E400":
        quiz = document["extra"]["quiz"]
        quiz["score"]["forward"]["right"] = "PLACEHOLDER"
        text = json.dumps(document).replace('"PLACEHOLDER"', "1e400")
    else:
        document["extra"]["quiz"] = quiz
        text = json.dumps(document)
    rewrite(path, text.encode(), members[HISTORY])
    with pytest.raises(SessionError) as caught:
        load_study(path)
    assert str(caught.value) == f"{path}: truncated or corrupt (the quiz score is damaged)"
    assert cli.main(["--resume", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_fifo_as_a_session_is_refused_at_once(tmp_path):
    fifo = tmp_path / "s.backprop"
    os.mkfifo(fifo)
    # In a process of its own: opening a FIFO with no writer would block this one for good.
    done = subprocess.run([sys.executable, "-c", "import sys\nfrom tui_backprop.core.session import load_stepper\n"
                           "try:\n    load_stepper(sys.argv[1])\nexcept ValueError as error:\n    print(error)\n",
                           str(fifo)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "pipe" in done.stdout, done
