"""`exercise` and `grade`: a class's variants out, their filled sheets back, each student's slip named."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil

import openpyxl
import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from tui_backprop import cli
from tui_backprop.core import PRESETS, build_program, load_network
from tui_backprop.sheets.exercise import MAX_NAME, file_names, safe_name

from sheet_builder import slipped_run


def make_exercise(tmp_path, names, *options):
    tmp_path.mkdir(parents=True, exist_ok=True)
    roster = tmp_path / "names.txt"
    roster.write_text("\n".join(names) + "\n", encoding="utf-8")
    course = tmp_path / "course"
    assert cli.main(["exercise", "--students", str(roster), "--out", str(course), *options]) == 0
    with open(course / "key" / "students.csv", encoding="utf-8") as stream:
        stems = {name: stem for name, stem in list(csv.reader(stream))[1:]}
    return course, stems


def fill(workbook_path, rows, out_path):
    """The student's workbook with every blank cell under the header filled from `rows` (an epoch's dict,
    whose symbols it has), saved as out_path; the rows beyond `rows` are left as they are."""
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook.active
    header_row = next(row for row in sheet.iter_rows() if row[0].value == "epoch")
    columns = {cell.column: cell.value for cell in header_row}
    for row in sheet.iter_rows(min_row=header_row[0].row + 1):
        epoch = row[0].value
        for cell in row[1:]:
            if cell.value is None and epoch <= len(rows) and columns[cell.column] in rows[epoch - 1]:
                cell.value = rows[epoch - 1][columns[cell.column]]
    if str(out_path).endswith(".csv"):
        with open(out_path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            for row in sheet.iter_rows(values_only=True):
                writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])
    else:
        workbook.save(out_path)


# Slips that need nothing but the student's own values; (slip, where, words the grade names it by).
PLANTED = [
    ({(1, "da_h2/dh2"): lambda c, v, b: v["da_h1/dh1"]}, (1, "dE_total/dw3"), "a_h1 where a_h2 belongs"),
    ({(1, "E2"): lambda c, v, b: c({"t2": v["t1"]})}, (1, "E2"), "t1 where t2 belongs"),
    ({(1, "h2"): lambda c, v, b: c({"w4": v["w2"]})}, (1, "h2"), "w2 where w4 belongs"),
    ({(1, "E2"): lambda c, v, b: c({"a_o2": v["a_o1"]})}, (1, "E2"), "a_o1 where a_o2 belongs"),
    ({(1, "dE_total/dw5"): lambda c, v, b: c({"da_o1/do1": 1.0})}, (1, "dE_total/dw5"), "σ′ forgotten"),
    ({(1, "dE_total/da_o1"): lambda c, v, b: -c({})}, (1, "dE_total/dw5"), "t1 − a_o1 where a_o1 − t1 belongs"),
    ({(1, "E1"): lambda c, v, b: 2 * c({})}, (1, "E1"), "the factor ½ left out"),
    ({(2, "o1"): lambda c, v, b: c({"w5": b["w5"]})}, (2, "o1"), "the epoch before's w5"),
    ({(1, w): (lambda c, v, b: c({"lr": v["lr"] / 10})) for w in ("w1", "w2", "w6")}, (2, "w1"),
     "a learning rate of"),
]


def visible(net, planted) -> bool:
    """Whether this variant's numbers let the slip show: its first cell moves by more than 1%."""
    slips, (epoch, symbol), _ = planted
    _, right = slipped_run(net, 2)
    _, wrong = slipped_run(net, 2, slips)
    return abs(wrong[epoch - 1][symbol] - right[epoch - 1][symbol]) > 0.01 * abs(right[epoch - 1][symbol])


def test_thirty_students_round_trip_each_slip_named(tmp_path):
    names = [f"Student {chr(65 + n % 26)}{n // 26} Müller" for n in range(30)]
    course, stems = make_exercise(tmp_path, names, "--epochs", "2", "--seed", "autumn")
    returned = tmp_path / "returned"
    returned.mkdir()
    expected = {}
    order = list(range(30))
    random.Random(7).shuffle(order)  # files named by arrival, not by student: the numbers must tell
    for position, n in enumerate(order):
        name = names[n]
        net = load_network(course / "key" / f"{stems[name]}.json")
        planted = next(p for k in range(len(PLANTED)) if visible(net, p := PLANTED[(n + k) % len(PLANTED)]))
        _, rows = slipped_run(net, 2, planted[0])
        suffix = "csv" if position % 3 == 0 else "xlsx"
        fill(course / "students" / f"{stems[name]}.xlsx", rows, returned / f"sheet-{position:02}.{suffix}")
        expected[name] = planted
    assert cli.main(["grade", str(returned), "--key", str(course)]) == 0
    with open(returned / "grades" / "class.csv", encoding="utf-8") as stream:
        table = list(csv.DictReader(stream))
    assert len(table) == 30 and {row["student"] for row in table} == set(names)
    for row in table:
        _, (epoch, symbol), words = expected[row["student"]]
        assert row["first mistake"].startswith(f"epoch {epoch}, {symbol} ("), row
        assert words in row["slip"], row
    markdown = (returned / "grades" / "class.md").read_text(encoding="utf-8")
    assert "## The slips made most often" in markdown


def test_a_clean_class_passes_and_a_blank_workbook_is_nothing_filled_in(tmp_path, capsys):
    """All right, nothing filled in, and right so far but unfinished (the last row, the updated parameters,
    left blank) are told apart: a sheet is all right only when nothing is left to fill."""
    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    course, stems = make_exercise(tmp_path, names)
    returned = tmp_path / "returned"
    returned.mkdir()
    for name, epochs in (("Ada Lovelace", 2), ("Grace Hopper", 1)):
        net = load_network(course / "key" / f"{stems[name]}.json")
        fill(course / "students" / f"{stems[name]}.xlsx", slipped_run(net, epochs)[1], returned / f"{name[0]}.xlsx")
    (returned / "b.xlsx").write_bytes((course / "students" / f"{stems['Alan Turing']}.xlsx").read_bytes())
    capsys.readouterr()
    assert cli.main(["grade", str(returned), "--key", str(course)]) == 0
    out = capsys.readouterr().out
    assert ("3 sheets: 1 all right, 0 with mistakes, 1 unfinished (right so far), 1 with nothing filled in, "
            "0 not graded") in out
    with open(returned / "grades" / "class.csv", encoding="utf-8") as stream:
        rows = {row["student"]: row for row in csv.DictReader(stream)}
    ada, grace = rows["Ada Lovelace"], rows["Grace Hopper"]
    assert ada["note"] == "every cell right" and ada["cells"] == ada["right"]
    parameters = build_program(load_network(course / "key" / f"{stems['Grace Hopper']}.json")).parameters
    assert grace["note"].startswith(f"every filled cell right; {len(parameters)} cells blank, from w1 in ")
    assert rows["Alan Turing"]["note"] == "nothing filled in yet"


def test_without_a_key_each_sheet_is_checked_with_the_numbers_it_gives(tmp_path):
    course, stems = make_exercise(tmp_path / "teacher", ["Grace Hopper"])
    net = load_network(course / "key" / f"{stems['Grace Hopper']}.json")
    returned = tmp_path / "inbox" / "returned"  # no key beside it to be found
    returned.mkdir(parents=True)
    fill(course / "students" / f"{stems['Grace Hopper']}.xlsx", slipped_run(net, 2)[1], returned / "g.xlsx")
    assert net.start.weights != PRESETS["excel"]().start.weights
    assert cli.main(["grade", str(returned), "--out", str(tmp_path / "grades")]) == 0
    with open(tmp_path / "grades" / "class.csv", encoding="utf-8") as stream:
        (row,) = csv.DictReader(stream)
    assert row["note"] == "every cell right"


def test_bad_files_are_one_row_each_and_nothing_is_written_outside_the_output(tmp_path, capsys):
    course, stems = make_exercise(tmp_path, ["Ada Lovelace"])
    returned = tmp_path / "returned"
    returned.mkdir()
    net = load_network(course / "key" / f"{stems['Ada Lovelace']}.json")
    fill(course / "students" / f"{stems['Ada Lovelace']}.xlsx", slipped_run(net, 2)[1], returned / "good.xlsx")
    (returned / "empty.csv").write_bytes(b"")
    (returned / "notes.txt").write_text("shopping list: milk, eggs\n", encoding="utf-8")
    (returned / "photo.xlsx").write_bytes(bytes(range(256)) * 4)
    (returned / "foreign.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with open(returned / "huge.csv", "wb") as stream:  # sparse: large to the reader, not to the disk
        stream.truncate(65 * 1024 * 1024)
    other = PRESETS["excel"]().with_start(weights=tuple(w + 0.01 for w in PRESETS["excel"]().start.weights))
    from tui_backprop.core import build_program

    from sheet_builder import write_sheet

    write_sheet(returned / "stranger.xlsx", build_program(other).columns, slipped_run(other, 1)[1])
    before = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*")}
    capsys.readouterr()
    assert cli.main(["grade", str(returned), "--key", str(course), "--out", str(tmp_path / "out")]) == 0
    after = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*")}
    changed = {path for path in after if before.get(path) != after[path]}
    assert changed == {tmp_path / "out", tmp_path / "out" / "class.csv", tmp_path / "out" / "class.md"}
    with open(tmp_path / "out" / "class.csv", encoding="utf-8") as stream:
        rows = {row["file"]: row for row in csv.DictReader(stream)}
    assert len(rows) == 6  # notes.txt is no sheet: skipped and counted, not a row
    assert rows["good.xlsx"]["note"] == "every cell right"
    assert "empty" in rows["empty.csv"]["note"]
    assert "MB" in rows["huge.csv"]["note"]
    assert "not an XLSX workbook" in rows["photo.xlsx"]["note"]
    assert "no header row" in rows["foreign.csv"]["note"]
    assert "1 file skipped, not a sheet (notes.txt)" in capsys.readouterr().out
    assert rows["stranger.xlsx"]["note"] == "its given numbers are no student's variant in the key"
    assert capsys.readouterr().err == ""


def filled_class(tmp_path, names=("Bob Jones", "Ada Li"), *options):
    """An exercise of the mazur network, each student's workbook filled in and returned beside the course
    folder: Bob's with w2 where w4 belongs in h2, carried on; the others right."""
    course, stems = make_exercise(tmp_path, list(names), "--preset", "mazur", *options)
    returned = tmp_path / "returned"
    returned.mkdir()
    for name in names:
        net = load_network(course / "key" / f"{stems[name]}.json")
        slips = PLANTED[2][0] if name == "Bob Jones" else None
        _, rows = slipped_run(net, 2, slips)
        fill(course / "students" / f"{stems[name]}.xlsx", rows, returned / f"{stems[name]}.xlsx")
    return course, stems, returned


def test_check_on_an_exercise_workbook_needs_no_options(tmp_path, capsys):
    _, stems, returned = filled_class(tmp_path)
    capsys.readouterr()
    # Without --preset or --config: the workbook carries Bob's own variant, so only his slip is wrong.
    assert cli.main(["check", str(returned / f"{stems['Bob Jones']}.xlsx"), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert "carries" in report["note"] and report["network"] == stems["Bob Jones"]
    assert report["wrong_given"] == 0 and report["mistakes_start"] >= 1
    first = report["mismatches"][0]
    assert (first["symbol"], first["slip"]["words"]) == ("h2", "w2 where w4 belongs")
    assert cli.main(["check", str(returned / f"{stems['Ada Li']}.xlsx")]) == 0
    assert "every cell is right" in capsys.readouterr().out


def test_workbooks_of_train_and_x_carry_their_network(tmp_path):
    from tui_backprop.core.loader import network_to_dict
    from tui_backprop.sheets.carried import carried_network

    net = load_network(REPO / "examples" / "tanh-3-layer.toml")
    path = tmp_path / "run.xlsx"
    assert cli.main(["train", "--config", str(REPO / "examples" / "tanh-3-layer.toml"), "--epochs", "2",
                     "--lr", "0.25", "--xlsx", str(path)]) == 0
    assert network_to_dict(carried_network(path)) == network_to_dict(net.with_start(lr=0.25))
    # A csv carries nothing; a damaged carried network is one line, never a traceback.
    csv_path = tmp_path / "s.csv"
    csv_path.write_text("epoch,w1\n1,0.1\n", encoding="utf-8")
    assert carried_network(csv_path) is None
    workbook = openpyxl.load_workbook(path)
    workbook["network"]["A2"] = "{not json"
    workbook.save(path)
    from tui_backprop.sheets.reader import SheetError

    with pytest.raises(SheetError, match="network it carries.*damaged") as caught:
        carried_network(path)
    assert "\n" not in str(caught.value)


def test_grade_finds_the_key_beside_the_folder_and_skips_what_is_no_sheet(tmp_path, capsys):
    course, stems, returned = filled_class(tmp_path)
    (returned / "notes.txt").write_text("Bob handed in late\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["grade", str(returned)]) == 0  # no --key: course/key is beside returned
    out = capsys.readouterr().out
    assert f"the key {course / 'key'}" in out
    assert "2 sheets: 1 all right, 1 with mistakes" in out and "1 file skipped, not a sheet (notes.txt)" in out
    with open(returned / "grades" / "class.csv", encoding="utf-8") as stream:
        rows = {row["student"]: row for row in csv.DictReader(stream)}
    assert set(rows) == {"Bob Jones", "Ada Li"} and "w2 where w4 belongs" in rows["Bob Jones"]["slip"]


def test_grade_without_a_key_says_how_to_give_it(tmp_path, capsys):
    course, stems, returned = filled_class(tmp_path)
    elsewhere = tmp_path / "inbox" / "returned"
    elsewhere.parent.mkdir()
    returned.rename(elsewhere)
    capsys.readouterr()
    assert cli.main(["grade", str(elsewhere)]) == 0
    out = capsys.readouterr().out
    assert "2 not graded" in out and "--key DIR names the folder `exercise --out` wrote" in out
    assert cli.main(["grade", str(elsewhere), "--key", str(course)]) == 0
    assert "1 all right, 1 with mistakes" in capsys.readouterr().out
    # Two keys beside the folder: which one is the teacher's to say.
    course.rename(tmp_path / "inbox" / "course")
    shutil.copytree(tmp_path / "inbox" / "course", tmp_path / "inbox" / "course-2")
    assert cli.main(["grade", str(elsewhere)]) == 2
    assert "several exercise keys" in capsys.readouterr().err


def test_check_and_grade_count_the_same_wrong_cells(tmp_path, capsys):
    _, stems, returned = filled_class(tmp_path, ("Bob Jones",), "--epochs", "2")
    sheet = returned / f"{stems['Bob Jones']}.xlsx"
    capsys.readouterr()
    cli.main(["check", str(sheet), "--format", "json"])
    checked = json.loads(capsys.readouterr().out)
    cli.main(["check", str(sheet)])
    text = capsys.readouterr().out
    cli.main(["grade", str(returned)])
    with open(returned / "grades" / "class.csv", encoding="utf-8") as stream:
        (row,) = csv.DictReader(stream)
    computed, wrong = int(row["cells"]), int(row["cells"]) - int(row["right"])
    assert checked["cells"] - checked["given"] == computed
    assert checked["wrong"] - checked["wrong_given"] == wrong
    # check's text gives both counts: all its wrong cells, and grade's (the computed ones)
    assert (f"{checked['wrong']} wrong cells of" in text
            and f"({wrong} of the {computed} computed, {checked['wrong_given']} of the {checked['given']} given" in text)


def test_grade_refuses_what_it_cannot_do_in_one_line(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path / "missing")]) == 2
    assert cli.main(["grade", str(tmp_path), "--key", str(tmp_path)]) == 2
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert cli.main(["grade", str(tmp_path), "--out", str(blocked / "sub")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 3 and "Traceback" not in err
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path))


def test_exercise_is_reproducible_and_differs_per_student(tmp_path):
    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    first, stems = make_exercise(tmp_path / "a", names)
    again, _ = make_exercise(tmp_path / "b", names)
    starts = []
    for name in names:
        one = json.loads((first / "key" / f"{stems[name]}.json").read_text(encoding="utf-8"))
        two = json.loads((again / "key" / f"{stems[name]}.json").read_text(encoding="utf-8"))
        assert one == two
        starts.append((tuple(one["weights"]), tuple(map(tuple, (s["inputs"] for s in one["samples"])))))
        # numbers worked by hand: two decimals at most
        assert all(round(w, 2) == w for w in one["weights"])
    assert len(set(starts)) == len(names)


@given(st.text(max_size=300))
def test_safe_file_names(name):
    stem = safe_name(name)
    assert stem and len(stem) <= MAX_NAME and not stem.startswith(".")
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in stem)


def test_names_that_reduce_alike_get_their_own_files():
    files = file_names(["Zoë", "Zoe", "zoe", "../..", "..", ".bashrc"])
    assert len(set(map(str.casefold, files.values()))) == 6
    assert files["../.."] == "student" and files[".bashrc"] == "bashrc"


@given(st.binary(max_size=2000))
def test_any_list_of_names_is_read_or_refused_in_one_line(tmp_path_factory, data):
    from tui_backprop.sheets.exercise import ExerciseError, read_students

    path = tmp_path_factory.mktemp("names") / "names.txt"
    path.write_bytes(data)
    try:
        names = read_students(path)
    except ExerciseError as error:
        assert "\n" not in str(error)
    else:
        assert names and all(name.strip() == name and "\n" not in name for name in names)


def test_an_exercise_asks_the_weights_its_last_update_gives(tmp_path, capsys):
    """One epoch (the default) still asks for the updated weights: a row for epoch 2's parameters, the
    cells it does not ask for shaded, the key's numbers the core's update."""
    from tui_backprop.core import Stepper, build_program

    course, stems = make_exercise(tmp_path, ["Bob Jones"], "--preset", "mazur")
    net = load_network(course / "key" / f"{stems['Bob Jones']}.json")
    program = build_program(net)
    sheet = openpyxl.load_workbook(course / "students" / f"{stems['Bob Jones']}.xlsx").active
    rows = list(sheet.iter_rows())
    at = next(n for n, row in enumerate(rows) if row[0].value == "epoch")
    header = [cell.value for cell in rows[at]]
    last = rows[at + 2]
    assert last[0].value == 2 and len(rows) == at + 3
    for symbol, cell in zip(header[1:], last[1:]):
        assert cell.value is None
        assert (cell.fill.fgColor.rgb == "00D9D9D9") == (symbol not in program.parameters), symbol
    stepper = Stepper(net)
    stepper.finish_epoch()
    with open(course / "key" / f"{stems['Bob Jones']}-key.csv", encoding="utf-8") as stream:
        key = list(csv.reader(stream))
    top = next(n for n, row in enumerate(key) if row[:1] == ["epoch"])
    assert key[top + 2][0] == "2" and len(key) == top + 3
    updated = {symbol: float(text) for symbol, text in zip(key[top], key[top + 2]) if text and symbol != "epoch"}
    assert updated == {p: stepper.values[p] for p in program.parameters}
    # A student who updates with a tenth of the learning rate is caught in the row of epoch 2.
    _, values = slipped_run(net, 2, PLANTED[8][0])
    returned = tmp_path / "returned"
    returned.mkdir()
    fill(course / "students" / f"{stems['Bob Jones']}.xlsx",
         [values[0], {p: values[1][p] for p in program.parameters}], returned / "bob.xlsx")
    capsys.readouterr()
    assert cli.main(["grade", str(returned)]) == 0
    with open(returned / "grades" / "class.csv", encoding="utf-8") as stream:
        (row,) = csv.DictReader(stream)
    assert row["first mistake"].startswith("epoch 2, w1 (") and "a learning rate of" in row["slip"]


def test_the_exercise_title_block_says_the_network_in_words(tmp_path):
    from tui_backprop.core import build_program
    from tui_backprop.core.quantity import FORWARD

    course, stems = make_exercise(tmp_path, ["Bob Jones"], "--preset", "mazur")
    net = load_network(course / "key" / f"{stems['Bob Jones']}.json")
    sheet = openpyxl.load_workbook(course / "students" / f"{stems['Bob Jones']}.xlsx").active
    block = {}
    for row in sheet.iter_rows(values_only=True):
        if row[0] == "epoch":
            break
        block.setdefault(row[0], []).append(row[1])
    assert "b1 is shared by h1 and h2" in block["biases"][0] and "b2 is shared by o1 and o2" in block["biases"][0]
    assert "not trained" in block["biases"][0]
    loss = block["loss"][0]
    assert "half_sse" in loss and "E_total = E1 + E2" in loss and "half the squared distance" in loss
    assert "σ(x) = 1/(1 + e^−x)" in block["activation"][0]
    # every forward formula, as the core writes it: which weight goes into which neuron
    program = build_program(net)
    forward = [q.formula for q in program.quantities if q.phase == FORWARD]
    assert block["formulas"] + block[None][:len(forward) - 1] == forward
    assert "h2 = w3·i1 + w4·i2 + b1" in forward
    # The title block is still read as one: the sheet filled in checks clean.
    returned = tmp_path / "returned"
    returned.mkdir()
    fill(course / "students" / f"{stems['Bob Jones']}.xlsx", slipped_run(net, 2)[1], returned / "bob.xlsx")
    assert cli.main(["check", str(returned / "bob.xlsx")]) == 0


def test_check_says_what_is_still_blank_in_a_handed_out_workbook(tmp_path, capsys):
    """A student checks their workbook before filling it in, and halfway: it is not "every cell is right".
    Blank, it says nothing is filled in yet and how many cells there are to fill: the cells the filled
    workbook computes.  Half filled, the filled cells are right and the blanks are counted, the first named
    by its cell."""
    course, stems = make_exercise(tmp_path, ["Ada Lovelace"], "--preset", "mazur")
    handed_out = course / "students" / f"{stems['Ada Lovelace']}.xlsx"
    net = load_network(course / "key" / f"{stems['Ada Lovelace']}.json")
    first, second = slipped_run(net, 2)[1]
    parameters = build_program(net).parameters
    rows = [first, {s: v for s, v in second.items() if s in parameters}]  # the last row asks for these only
    capsys.readouterr()

    def checked(path) -> tuple[dict, str]:
        assert cli.main(["check", str(path), "--format", "json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert cli.main(["check", str(path)]) == 0
        return report, capsys.readouterr().out

    fill(handed_out, rows, tmp_path / "whole.xlsx")
    whole, text = checked(tmp_path / "whole.xlsx")
    assert whole["blank"] == 0 and whole["first_blank"] is None and ": every cell is right (" in text
    blank, text = checked(handed_out)
    assert blank["ok"] and blank["blank"] == whole["cells"] - whole["given"] > 0
    assert f"nothing filled in yet: {blank['blank']} blank cells to fill, starting with h1 in " in text
    assert "every cell is right" not in text

    left = ["E1", "E2"]
    fill(handed_out, [{s: v for s, v in rows[0].items() if s not in left}, *rows[1:]], tmp_path / "half.xlsx")
    half, text = checked(tmp_path / "half.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "half.xlsx").active
    header = next(row for row in sheet.iter_rows() if row[0].value == "epoch")
    e1 = next(cell for cell in header if cell.value == "E1")
    where = f"E1 in {e1.column_letter}{header[0].row + 1}"
    assert half["ok"] and half["blank"] == len(left) and half["first_blank"] == where
    assert "every filled cell is right (" in text and f"; 2 cells still blank, starting with {where}" in text
