"""Reading a student's sheet: bad input gets one line and exit status 2, and the file is never touched."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_backprop import cli
from tui_backprop.core import PRESETS, build_program
from tui_backprop.sheets import reader
from tui_backprop.sheets.check import check_sheet
from tui_backprop.sheets.reader import SheetError, parse_number

from budget import examples

MAZUR = PRESETS["mazur"]()


def run_check(capsys, path, *options):
    status = cli.main(["check", str(path), "--preset", "mazur", *options])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_refused(capsys, path, *words):
    status, out, err = run_check(capsys, path)
    assert status == 2, (out, err)
    assert out == "" and err.startswith("backprop-tui: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    return err


def xlsx(path, rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value", "half_unit"), [
    ("0.59", 0.59, 0.005),
    ("0.590", 0.59, 0.0005),
    ("-0.25", -0.25, 0.005),
    ("−0.25", -0.25, 0.005),  # the minus sign our own explanations print
    ("1.2e-05", 1.2e-05, 0.5e-06),
    ("1E-5", 1e-05, 0.5e-05),
    ("3", 3.0, 0.0),  # a whole number is exact
    (".5", 0.5, 0.05),
])
def test_a_printed_number_is_as_precise_as_its_last_digit(text, value, half_unit):
    number = parse_number(text)
    assert number.value == value and number.text == text.strip()
    assert number.half_unit == pytest.approx(half_unit, rel=1e-12)


def test_an_xlsx_number_is_exact_and_a_blank_is_none():
    assert parse_number(0.1).half_unit == 0.0
    assert parse_number(None) is None and parse_number("  ") is None


def test_a_decimal_comma_in_a_semicolon_sheet():
    assert parse_number("0,5", decimal_comma=True).value == 0.5
    with pytest.raises(ValueError):
        parse_number("0,5")


@pytest.mark.parametrize("text", ["abc", "1,2.3", "0.5.1", "1_000", "e5", "#DIV/0!", "TRUE", "12%", "."])
def test_text_that_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_nan_and_infinity_from_a_diverged_run_are_numbers():
    # `train --csv` writes repr() of each value, so a run that diverged has nan and inf cells.
    assert parse_number("inf").value == float("inf")
    assert parse_number("nan").value != parse_number("nan").value


def test_a_huge_exponent_is_a_number_not_a_crash():
    assert parse_number("0.0e400").value == 0.0
    with pytest.raises(ValueError):
        parse_number("1e400")


# -- bad input: one line, exit status 2 ---------------------------------------------------------


def test_missing_file(capsys, tmp_path):
    assert_refused(capsys, tmp_path / "nowhere.csv", "cannot read", "nowhere.csv")


def test_a_directory(capsys, tmp_path):
    assert_refused(capsys, tmp_path, "not a file")


# A file of these bytes, under this name, is refused with every one of these words.
REFUSED = {
    "empty file": ("empty.csv", b"", ["is empty"]),
    "blank lines only": ("blank.csv", b"\n \n\n", ["no rows"]),
    "unclosed quote": ("quote.csv", b'w1,h1\n0.15,"0.3775\n', ["malformed CSV"]),
    "text after a quote": ("quote.csv", b'w1,h1\n0.15,"0.37"75\n', ["malformed CSV", "row 2"]),
    "binary data": ("data.csv", b"w1,h1\n\x00\x01\x02\n", ["binary data"]),
    "an xlsx that is not one": ("sheet.xlsx", b"w1,h1\n0.15,0.3775\n", ["not an XLSX workbook"]),
    "no known column": ("s.csv", b"name,score\nann,3\n", ["no header row names a column"]),
    "only the epoch": ("s.csv", b"epoch\n1\n", ["only the epoch"]),
    "unknown column": ("s.csv", b"w1,h1,notes\n0.15,0.3775,\n", ["unknown column 'notes'", "C1"]),
    "a symbol mazur lacks": ("s.csv", b"w1,w9\n0.15,0.1\n", ["unknown column 'w9'"]),  # it has w1..w8
    "two columns for one symbol": ("s.csv", b"E,E_total\n0.29,0.29\n", ["both mean E_total"]),
    "text where a number should be": ("s.csv", b"w1,h1\n0.15,0.3775\n0.15,abc\n", ["B3", "h1", "'abc' is not a number"]),
    "a row too short": ("s.csv", b"w1,h1,a_h1\n0.15,0.3775,0.59\n0.15,0.3775\n",
                        ["row 3 has 2 cells, the header has 3"]),
    "a row too long": ("s.csv", b"w1,h1\n0.15,0.3775,0.59\n", ["C2", "no name"]),
    "no numbers under the header": ("s.csv", b"w1,h1\n,\n", ["no numbers under the header"]),
}


@pytest.mark.parametrize("name, content, words", REFUSED.values(), ids=REFUSED.keys())
def test_a_bad_sheet_is_refused_in_one_line(capsys, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    assert_refused(capsys, path, *words)


def test_a_zip_that_is_not_a_workbook(capsys, tmp_path):
    path = tmp_path / "sheet.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert_refused(capsys, path, "not a readable XLSX workbook")


def test_a_truncated_workbook(capsys, tmp_path):
    whole = xlsx(tmp_path / "whole.xlsx", [["w1", "h1"], [0.15, 0.3775]]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert_refused(capsys, path, "not a readable XLSX workbook")


def test_old_excel_and_opendocument_files_are_named(capsys, tmp_path):
    old = tmp_path / "sheet.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert_refused(capsys, old, ".xls", "save it as .xlsx or .csv")
    ods = tmp_path / "sheet.ods"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert_refused(capsys, ods, "OpenDocument")


def test_text_in_an_xlsx_number_cell(capsys, tmp_path):
    path = xlsx(tmp_path / "s.xlsx", [["w1", "h1"], [0.15, "#DIV/0!"]])
    assert_refused(capsys, path, "B2", "'#DIV/0!' is not a number")


def test_a_workbook_never_opened_in_a_spreadsheet_says_so(capsys, tmp_path):
    path = xlsx(tmp_path / "s.xlsx", [["w1", "h1"], ["=0.1+0.05", "=A2*2"]])
    assert_refused(capsys, path, "open it in Excel or LibreOffice and save it")


@pytest.mark.parametrize(("epochs", "words"), [
    (["1", "1"], ("epoch 1 comes after epoch 1",)),
    (["2", "1"], ("epoch 1 comes after epoch 2",)),
    (["0", "1"], ("whole number from 1",)),
    (["1.5", "2"], ("whole number from 1",)),
    (["1", ""], ("no epoch number",)),
])
def test_bad_epoch_numbers(capsys, tmp_path, epochs, words):
    path = tmp_path / "s.csv"
    path.write_text("epoch,w1\n" + "".join(f"{e},0.15\n" for e in epochs), encoding="utf-8")
    assert_refused(capsys, path, *words)


def test_a_huge_file_is_refused_before_it_is_read(capsys, tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as stream:
        stream.truncate(reader.MAX_BYTES + 1)  # sparse: no time or disk spent on it
    assert_refused(capsys, path, f"{reader.MAX_BYTES // 2**20} MB")


def test_too_many_rows(capsys, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("w1\n" + "0.15\n" * reader.MAX_ROWS, encoding="utf-8")
    assert_refused(capsys, path, f"more than {reader.MAX_ROWS:,} rows")


def test_too_many_columns(capsys, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("w1" + "," * reader.MAX_COLUMNS + "\n", encoding="utf-8")
    assert_refused(capsys, path, "columns")


def test_a_bad_tolerance_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("w1\n0.15\n", encoding="utf-8")
    for bad in ("-1", "abc", "nan", "2"):
        status, _, err = run_check(capsys, path, "--rel-tol", bad)
        assert status == 2 and "tolerance" in err


# -- what is read ----------------------------------------------------------------------------


def test_a_title_and_a_block_of_starting_values_may_sit_above_the_header(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("My backprop sheet,,\nw1,0.15,\n,,\nepoch,w1,h1\n1,0.15,0.3775\n", encoding="utf-8")
    report = check_sheet(path, MAZUR)
    assert report.ok and report.rows == 1 and report.cells == 2


def test_semicolons_decimal_commas_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes("\ufeffw1;h1;a_h1\n0,15;0,3775;0,59327\n".encode("utf-8"))
    report = check_sheet(path, MAZUR)
    assert report.ok and report.cells == 3


def test_utf16_tab_separated_text_as_excel_saves_it(tmp_path):
    path = tmp_path / "s.txt"
    path.write_bytes("∂E/∂w5\tw5\n0.082167\t0.4\n".encode("utf-16"))
    assert check_sheet(path, MAZUR).ok


def test_blank_cells_are_not_checked(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("w1,h1\n0.15,\n,\n0.149780716,\n", encoding="utf-8")
    report = check_sheet(path, MAZUR)
    assert report.ok and report.rows == 2 and report.cells == 2  # the blank row is no epoch


def test_an_xlsx_sheet(tmp_path):
    program = build_program(MAZUR)
    _, row = program.run(MAZUR.start_env(), 1, "row")
    path = xlsx(tmp_path / "s.xlsx", [["backprop by hand"], [], program.columns, list(row)])
    report = check_sheet(path, MAZUR)
    assert report.ok and report.cells == len(program.columns)


def digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_reading_never_modifies_the_file(tmp_path, kind):
    path = tmp_path / f"s.{kind}"
    if kind == "csv":
        path.write_text("w1,∂E/∂w1\n0.15,0.007037\n", encoding="utf-8")
    else:
        xlsx(path, [["w1", "∂E/∂w1"], [0.15, 0.007037]])
    os.chmod(path, 0o444)  # a write would fail loudly, not only change the hash
    before = digest(path)
    assert not check_sheet(path, MAZUR).ok
    assert digest(path) == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# -- fuzzing ---------------------------------------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(["w1", "h1", "a_h1", "E_total", "∂E/∂w1", "epoch", "lr", "notes", "", " ", "1", "0", "-1"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8),
)


def read_or_refuse(path: Path):
    """Reading a sheet either gives a report or raises SheetError: nothing else, and no change to the file."""
    before = path.read_bytes()
    try:
        report = check_sheet(path, MAZUR)
    except SheetError as error:
        message = str(error)
        assert message and "\n" not in message
        report = None
    assert path.read_bytes() == before
    return report


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_any_bytes(data):
    with tempfile.TemporaryDirectory() as folder:
        for name in ("s.csv", "s.xlsx"):
            path = Path(folder) / name
            path.write_bytes(data)
            read_or_refuse(path)


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELLS, max_size=6), max_size=6), st.sampled_from([",", ";", "\t"]), st.booleans())
def test_fuzz_csv_grids(grid, delimiter, quote):
    text = "\n".join(delimiter.join(f'"{cell}"' if quote else cell for cell in row) for row in grid)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.csv"
        path.write_text(text, encoding="utf-8")
        read_or_refuse(path)


XLSX_CELLS = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                       st.sampled_from(["w1", "h1", "a_h1", "E", "dE/dw1", "epoch", "x", "=1+1", "#N/A"]))


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(XLSX_CELLS, max_size=5), min_size=1, max_size=5))
def test_fuzz_xlsx_grids(grid):
    with tempfile.TemporaryDirectory() as folder:
        read_or_refuse(xlsx(Path(folder) / "s.xlsx", grid))


@functools.cache
def small_workbook() -> bytes:
    """Made once: openpyxl stamps the save time into the file, and hypothesis needs the same bytes
    (the same length to draw positions from) every time it replays an example."""
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["w1", "h1"])
    workbook.active.append([0.15, 0.3775])
    workbook.save(buffer)
    return buffer.getvalue()


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_damaged_workbooks(data):
    damaged = bytearray(small_workbook())
    for _ in range(data.draw(st.integers(1, 20))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.xlsx"
        path.write_bytes(bytes(damaged))
        read_or_refuse(path)


def test_the_real_process_prints_one_line_and_exits_2(tmp_path):
    import subprocess
    import sys

    from conftest import REPO

    path = tmp_path / "sheet.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "tui_backprop", "check", str(path), "--format", "json"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "not an XLSX workbook" in done.stderr


def test_a_workbook_of_a_zip_version_python_cannot_read_is_refused(tmp_path):
    """Found by the fuzz test above: zipfile raises NotImplementedError for a version it does not know."""
    import struct
    import zipfile

    path = tmp_path / "future.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 6, 64)  # "version needed to extract": 6.4
    path.write_bytes(bytes(data))
    with pytest.raises(SheetError) as caught:
        reader.read_table(path)
    assert "\n" not in str(caught.value) and str(path.name) in str(caught.value)
