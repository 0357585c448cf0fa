"""Grading a class (issue 10): `grade` on 300 returned workbooks, target under 10 s on the 2-core machine.

    python bench/bench_grade.py

`exercise` writes 300 students' variants (excel, 2 epochs); each workbook is
filled from the core's values with one slip planted (a_h1 where a_h2 belongs in
dE_total/dw3, as in the issue's class workbook) and saved as XLSX.  Then the
whole `grade DIR --key KEY` command runs in this process, best of 3.  The
baseline, in the same process, is only reading the 300 files (openpyxl), which
grading cannot avoid: the ratio is what checking, recognising and naming add.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from collections import ChainMap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl
from timing import best

from tui_backprop import cli
from tui_backprop.core import build_program, load_network
from tui_backprop.sheets.exercise import key_rows
from tui_backprop.sheets.reader import read_table

STUDENTS, RUNS = 300, 3


def slipped(net, epochs: int) -> list[dict]:
    """The key's rows with dE_total/dw3 computed from da_h1/dh1 where da_h2/dh2 belongs."""
    program = build_program(net)
    rows = key_rows(program, epochs)
    n = program.index["dE_total/dw3"]
    for row in rows:  # every value the formula reads is a column or the sample's: recompute them
        values = dict(program.net.start_env(), **row)
        for m, q in enumerate(program.quantities[:n]):
            values[q.symbol] = program.evaluators[m](values)
        row["dE_total/dw3"] = program.evaluators[n](ChainMap({"da_h2/dh2": values["da_h1/dh1"]}, values))
    return rows


def fill(workbook_path: Path, rows: list[dict], out: Path) -> None:
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook.active
    header = next(row for row in sheet.iter_rows() if row[0].value == "epoch")
    columns = {cell.column: cell.value for cell in header}
    for row in sheet.iter_rows(min_row=header[0].row + 1):
        for cell in row[1:]:
            if cell.value is None:
                cell.value = rows[row[0].value - 1][columns[cell.column]]
    workbook.save(out)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        names = root / "names.txt"
        names.write_text("\n".join(f"Student {n:03}" for n in range(STUDENTS)) + "\n", encoding="utf-8")
        course, returned = root / "course", root / "returned"
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(["exercise", "--students", str(names), "--out", str(course), "--epochs", "2"]) == 0
        returned.mkdir()
        for n, workbook in enumerate(sorted((course / "students").glob("*.xlsx"))):
            net = load_network(course / "key" / f"{workbook.stem}.json")
            fill(workbook, slipped(net, 2), returned / f"sheet-{n:03}.xlsx")
        files = sorted(returned.glob("*.xlsx"))

        def grade() -> None:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                assert cli.main(["grade", str(returned), "--key", str(course), "--out", str(root / "grades")]) == 0
            assert f"{STUDENTS} sheets" in out.getvalue()

        reading = best(lambda: [read_table(path) for path in files], RUNS)
        grading = best(grade, RUNS)
        named = (root / "grades" / "class.csv").read_text(encoding="utf-8").count("a_h1 where a_h2 belongs")
    print(f"grade {STUDENTS} XLSX sheets (excel, 2 epochs, one slip each): {grading:.2f} s "
          f"({grading / STUDENTS * 1000:.1f} ms a sheet); target < 10 s")
    print(f"  reading the same files alone: {reading:.2f} s; grading is {grading / reading:.2f}× that")
    print(f"  the slip named on {named} of {STUDENTS} sheets")


if __name__ == "__main__":
    main()
