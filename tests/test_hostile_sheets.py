"""Hostile sheets: XLSX amplification, entity attacks, huge cells in messages, quoted decimal commas."""

from __future__ import annotations

import io
import socket
import tracemalloc
import zipfile

import openpyxl
import pytest

from tui_backprop import cli
from tui_backprop.core import PRESETS, Stepper
from tui_backprop.sheets import reader

SHEET = "xl/worksheets/sheet1.xml"
PEAK_BYTES = 32 * 2**20
MAZUR = Stepper(PRESETS["mazur"]())
MAZUR.finish_epoch()
W1, H1 = PRESETS["mazur"]().start.weights[0], MAZUR.history.row(1)[MAZUR.history.columns.index("h1")]


def run_check(capsys, path):
    status = cli.main(["check", str(path), "--preset", "mazur"])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(capsys, path) -> str:
    status, out, err = run_check(capsys, path)
    assert status == 2 and out == "" and err.count("\n") == 1, (status, out, err)
    return err


def workbook(path, sheet_xml: str | None = None) -> None:
    """A real workbook of a header (w1, h1) and one right row, its worksheet's XML replaced if given."""
    book = openpyxl.Workbook()
    book.active.append(["w1", "h1"])
    book.active.append([W1, H1])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, sheet_xml if name == SHEET and sheet_xml is not None else source.read(name))


def sheet_xml(rows: str, dimension: str = "A1:B2", doctype: str = "") -> str:
    return (f'<?xml version="1.0"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>')


RIGHT_ROWS = ('<row r="1"><c r="A1" t="inlineStr"><is><t>w1</t></is></c><c r="B1" t="inlineStr"><is><t>h1</t></is></c></row>'
              f'<row r="2"><c r="A2"><v>{W1!r}</v></c><c r="B2"><v>{H1!r}</v></c></row>')


def peak_of(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- amplification ------------------------------------------------------------------------------


def test_a_workbook_claiming_gigabytes_unpacked_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "s.xlsx"
    workbook(path)
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the central directory's first entry; on to the sheet's
    while data[entry + 46: entry + 46 + len(SHEET)] != SHEET.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24: entry + 28] = (1500 * 2**20).to_bytes(4, "little")  # the sheet claims 1.5 GB unpacked
    path.write_bytes(bytes(data))
    err = refused(capsys, path)
    assert "unpack" in err and SHEET in err


def test_a_claimed_used_range_is_not_trusted(tmp_path, capsys):
    path = tmp_path / "s.xlsx"
    # A blank formatted cell far away: the range claimed is what openpyxl pads every row to.
    workbook(path, sheet_xml(RIGHT_ROWS + '<row r="20000"><c r="ALL20000" s="0"/></row>', dimension="A1:ALL20000"))
    peak = peak_of(lambda: run_check(capsys, path))
    assert peak < PEAK_BYTES, peak
    status, out, err = run_check(capsys, path)
    assert status == 0 and "every cell is right" in out and "2 cells" in out, (out, err)


def test_a_stray_cell_at_the_last_cell_of_a_sheet_is_refused_in_bounded_memory(tmp_path, capsys):
    path = tmp_path / "s.xlsx"
    workbook(path, sheet_xml(RIGHT_ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                             dimension="A1:XFD1048576"))
    errors = []
    peak = peak_of(lambda: errors.append(refused(capsys, path)))
    assert f"more than {reader.MAX_ROWS:,} rows" in errors[0]
    assert peak < PEAK_BYTES, peak


def test_a_huge_cell_is_quoted_in_a_few_dozen_characters(tmp_path, capsys):
    huge = "x" * 100_000
    csv = tmp_path / "s.csv"
    csv.write_text(f"w1,h1\n{huge},{H1!r}\n")
    assert len(refused(capsys, csv)) < 300
    csv.write_text(f"w1,{huge}\n{W1!r},{H1!r}\n")  # an unknown column name
    assert len(refused(capsys, csv)) < 300
    xlsx = tmp_path / "s.xlsx"
    workbook(xlsx, sheet_xml(RIGHT_ROWS.replace(f"<v>{W1!r}</v>", f"<v>{huge}</v>")))
    assert len(refused(capsys, xlsx)) < 300


# -- XML entity attacks ---------------------------------------------------------------------------

BILLION_LAUGHS = "".join(['<!DOCTYPE worksheet [<!ENTITY lol0 "lol">']
                         + [f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)] + [']>'])
# Under expat's amplification threshold (8 MB): only refusing entities outright stops it.
QUADRATIC = f'<!DOCTYPE worksheet [<!ENTITY big "{"x" * 20_000}">]>'
EXTERNAL = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'


def entity_cell(name: str) -> str:
    return f'<row r="3"><c r="A3" t="inlineStr"><is><t>{name}</t></is></c></row>'


@pytest.mark.parametrize(("doctype", "cell"), [(BILLION_LAUGHS, entity_cell("&lol9;")),
                                               (QUADRATIC, entity_cell("&big;" * 200)),
                                               (EXTERNAL, entity_cell("&secret;"))],
                         ids=["billion laughs", "quadratic blow-up", "external entity"])
def test_xml_bombs_and_external_references_are_refused_outright(tmp_path, capsys, doctype, cell):
    path = tmp_path / "s.xlsx"
    workbook(path, sheet_xml(RIGHT_ROWS + cell, dimension="A1:B3", doctype=doctype))
    errors = []
    used = peak_of(lambda: errors.append(refused(capsys, path)))
    err = errors[0]
    assert "declares XML entities" in err, err
    assert socket.gethostname() not in err
    assert used < PEAK_BYTES


# -- quoted decimal commas -------------------------------------------------------------------------


def decimal_comma(value: float) -> str:
    return repr(value).replace(".", ",")


def test_a_comma_separated_sheet_with_quoted_decimal_commas_is_read(tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text(f'epoch,w1,h1\n1,"{decimal_comma(W1)}","{decimal_comma(H1)}"\n')
    status, out, err = run_check(capsys, path)
    assert status == 0 and "2 cells" in out, (out, err)
    path.write_text(f'epoch,w1,h1\n1,"{decimal_comma(W1)}","{decimal_comma(H1 + 0.1)}"\n')
    status, out, err = run_check(capsys, path)
    assert status == 1 and "h1" in out, (out, err)


def test_a_quoted_thousands_separator_beside_decimal_points_is_not_a_decimal_comma(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('epoch,w1,h1\n"1,234",0.15,0.3775\n')
    table = reader.read_table(path)
    assert not table.decimal_comma
    with pytest.raises(ValueError):
        reader.parse_number(list(table.rows)[1][0], table.decimal_comma)
