"""Progress that lasts (issue 17 §5): the record of every attempt, `backprop-tui progress` (text, --csv, a
folder of records), and a damaged or foreign record: one line, never a crash, never lost."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from tui_backprop import cli
from tui_backprop.core.progress import (
    ANSWERS,
    FORMAT,
    MASTERED,
    MAX_BYTES,
    RECORD_NAME,
    RecordError,
    read_record,
    update_record,
)
from tui_backprop.core.tutor import KIND_WORDS

from app_driver import drive, notifications, press

SLIP = "sign error"  # a slip as the record counts it: its kind (core/slips.py)


def practise(path, network="mazur"):
    """A few attempts: updates mastered, a slip named twice at the gradient, a rule picked wrong."""
    def change(record):
        for outcome in ["wrong"] + ["right"] * MASTERED:
            record.add(network, "update", outcome)
        for outcome in ("slip named", "slip named", "right after a hint", "given up"):
            record.add(network, "gradient", outcome, SLIP if outcome == "slip named" else "")
        record.add_rule(network, "gradient", False)
        record.add_rule(network, "update", True)
        record.add_ladder(network, 2, 4, 0)

    return update_record(path, change)


def test_every_attempt_is_counted_by_network_and_kind(tmp_path):
    path = tmp_path / RECORD_NAME
    assert practise(path) is None
    practise(path)  # read again and added to: two sittings add up
    record = read_record(path)
    update, gradient = record.networks["mazur"].kinds["update"], record.networks["mazur"].kinds["gradient"]
    assert (update["right"], update["wrong"], update["streak"], update["rule right"]) == (2 * MASTERED, 2, MASTERED, 2)
    assert (gradient["slip named"], gradient["right after a hint"], gradient["given up"], gradient["streak"]) == (4, 2, 2, 0)
    assert record.networks["mazur"].slips == {"gradient": {SLIP: 4}}
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT and data["version"] == 1 and data["networks"]["mazur"]["rung"] == 2


def test_progress_prints_what_is_mastered_and_the_slips_that_recur(tmp_path, capsys):
    path = tmp_path / RECORD_NAME
    practise(path)
    assert cli.main(["progress", str(path)]) == 0
    out = capsys.readouterr().out
    assert "mazur · ladder: rung 2 of 4" in out
    rows = {line.split("  ")[0]: line.split() for line in out.splitlines() if line.startswith(("update", "gradient"))}
    assert rows["update"][-1] == "yes" and rows["gradient"][-1] == "–"  # mastered
    assert rows["update"][1:4] == [str(1 + MASTERED), str(MASTERED), "0"]  # tries, right first, after a hint
    assert "mastered: update" in out
    assert f"slips that recur: gradient: {SLIP} (×2)" in out


def test_progress_as_csv_for_a_teacher_and_over_a_folder_of_records(tmp_path, capsys):
    folder = tmp_path / "results"
    folder.mkdir()
    practise(folder / "ada.json")
    practise(folder / "bob.json", network="excel")
    (folder / "eve.json").write_text("{not json", encoding="utf-8")
    (folder / "notes.txt").write_text("not a record", encoding="utf-8")
    out = tmp_path / "class.csv"
    assert cli.main(["progress", str(folder), "--csv", str(out)]) == 0
    captured = capsys.readouterr()
    assert "eve.json: damaged" in captured.err and len(captured.err.splitlines()) == 1
    assert "== ada ==" in captured.out and "== bob ==" in captured.out and "every network" in captured.out
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(row["record"], row["network"], row["kind"]) for row in rows} == {
        ("ada", "mazur", "update"), ("ada", "mazur", "gradient"), ("bob", "excel", "update"), ("bob", "excel", "gradient")}
    ada = next(row for row in rows if row["record"] == "ada" and row["kind"] == "gradient")
    assert (ada["slip named"], ada["mastered"], ada["slips"]) == ("2", "no", f"{SLIP} (×2)")
    assert cli.main(["progress", str(folder), "--csv", "-"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("record,network,kind,tries," + ",".join(ANSWERS))


@pytest.mark.parametrize("content, reason", [
    (b"\x00\x01garbage", "damaged (not JSON"),
    (json.dumps({"format": "something else"}).encode(), "not a backprop-tui progress record"),
    (json.dumps({"format": FORMAT, "version": 99, "networks": {}}).encode(), "written by a newer backprop-tui"),
    (json.dumps({"format": FORMAT, "version": 1, "networks": {"n": {"kinds": {"update": {"right": -3}}}}}).encode(),
     "damaged (networks.'n'.kinds.update)"),
    (json.dumps({"format": FORMAT, "version": 1, "networks": {"n": {"kinds": {"nonsense": {}}}}}).encode(),
     "damaged (networks.'n'.kinds)"),
    (b"[" * 100_000, "damaged (not JSON"),
    (b" " * (MAX_BYTES + 1), "files of up to 2 MB are read"),
])
def test_a_damaged_or_foreign_record_is_one_line_and_is_kept_before_a_new_one(tmp_path, capsys, content, reason):
    path = tmp_path / RECORD_NAME
    path.write_bytes(content)
    assert cli.main(["progress", str(path)]) == 2
    err = capsys.readouterr().err
    assert reason in err and err.count("\n") == 1 and "Traceback" not in err
    assert path.read_bytes() == content  # reading changes nothing
    note = practise(path)
    assert reason in note and f"kept as {RECORD_NAME}.damaged" in note
    assert (tmp_path / f"{RECORD_NAME}.damaged").read_bytes() == content
    assert read_record(path).networks["mazur"].kinds["update"]["right"] == MASTERED
    path.write_bytes(content)
    assert "kept as progress.json.damaged-2" in practise(path)  # the first one kept is never overwritten
    assert (tmp_path / f"{RECORD_NAME}.damaged").read_bytes() == content


def test_a_record_that_is_not_a_regular_file_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "record.json"
    os.mkfifo(fifo)
    assert cli.main(["progress", str(fifo)]) == 2
    assert "not a file" in capsys.readouterr().err
    with pytest.raises(RecordError):
        read_record(tmp_path / "missing.json")


def test_progress_without_a_record_says_so(capsys, user_data_folder):
    assert cli.main(["progress"]) == 0
    assert "No progress recorded yet" in capsys.readouterr().out
    assert cli.main(["progress", str(user_data_folder / "nothing.json")]) == 2


def test_the_app_keeps_a_damaged_record_aside_and_says_so_in_one_line(user_data_folder):
    path = user_data_folder / RECORD_NAME
    path.write_text('{"format": "backprop-tui progress", "version": 1, "networks": 7}', encoding="utf-8")

    async def body(app, pilot):
        await press(pilot, "z")
        await press(pilot, "escape")  # an attempt: given up
        await press(pilot, "escape")
        said = [line for line in notifications(app).splitlines() if RECORD_NAME in line]
        assert len(said) == 1 and "damaged (networks)" in said[0] and f"kept as {RECORD_NAME}.damaged" in said[0]

    drive(body)
    assert (user_data_folder / f"{RECORD_NAME}.damaged").read_text(encoding="utf-8").endswith('"networks": 7}')
    assert read_record(path).networks["mazur"].kinds["sum"]["given up"] == 1
    assert read_record(path).networks["mazur"].kinds["activation"]["given up"] == 1


def test_quiz_answers_are_recorded_too(user_data_folder):
    async def body(app, pilot):
        await press(pilot, "z")
        app.query_one("#answer").value = "12345"
        await press(pilot, "enter")  # wrong
        app.query_one("#answer").value = repr(app.stepper.peek())
        await press(pilot, "enter")  # right after a hint
        app.query_one("#answer").value = repr(app.stepper.peek())
        await press(pilot, "enter")  # right at the first try
        await press(pilot, "P")
        text = str(app.screen.query_one("#text").content)
        assert KIND_WORDS["sum"] in text and KIND_WORDS["activation"] in text

    drive(body)
    kinds = read_record(user_data_folder / RECORD_NAME).networks["mazur"].kinds
    assert (kinds["sum"]["wrong"], kinds["sum"]["right after a hint"], kinds["activation"]["right"]) == (1, 1, 1)


def test_the_text_and_the_csv_agree(tmp_path):
    from tui_backprop.core.progress import read_records, render_table, write_csv

    practise(tmp_path / RECORD_NAME)
    records = read_records(tmp_path / RECORD_NAME)[0]
    stream = io.StringIO()
    write_csv(stream, records)
    for row in csv.DictReader(io.StringIO(stream.getvalue())):
        line = next(line for line in render_table(records).splitlines() if line.startswith(KIND_WORDS[row["kind"]]))
        assert line.split()[-8:-2] == [row["tries"], *(row[k] for k in ANSWERS)]


def test_names_from_files_stay_data_in_the_table_and_the_csv(tmp_path, capsys):
    folder = tmp_path / "results"
    folder.mkdir()
    practise(folder / "eve\x1b]0;owned\x07.json", network="=HYPERLINK(1)")
    practise(folder / "ada.json")
    assert cli.main(["progress", str(folder), "--csv", str(tmp_path / "class.csv")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\\x1b" in out
    row = next(row for row in csv.DictReader((tmp_path / "class.csv").open(encoding="utf-8")) if row["record"] != "ada")
    assert row["network"] == "'=HYPERLINK(1)" and "\x1b" not in row["record"]
