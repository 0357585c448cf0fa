"""`check`: every wrong cell of a student's sheet, and where each mistake starts."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import REPO

from tui_backprop import cli
from tui_backprop.core import PRESETS, UPDATE, build_program, load_network
from tui_backprop.sheets.check import check_sheet

TANH_3_LAYER = REPO / "examples" / "tanh-3-layer.toml"


def network(name):
    return load_network(TANH_3_LAYER) if name == "tanh-3-layer" else PRESETS[name]()


def student_rows(net, epochs, mistakes=None):
    """The rows a student computes, formula by formula, carrying each mistake on.

    `mistakes[(epoch, symbol)]` turns the value the student should have
    written into the one they wrote; every later value is then computed from
    the wrong one, as it would be on a real sheet.  A mistake on a weight in
    an epoch after the first is a wrong update.
    """
    mistakes = mistakes or {}
    program = build_program(net)
    start = net.start_env()
    rows = []
    for epoch in range(1, epochs + 1):
        values = dict(start)
        for symbol in program.free:
            if (epoch, symbol) in mistakes:
                values[symbol] = mistakes[epoch, symbol](values[symbol])
        for n, q in enumerate(program.quantities):
            if q.phase != UPDATE:
                values[q.symbol] = program.evaluators[n](values)
                if (epoch, q.symbol) in mistakes:
                    values[q.symbol] = mistakes[epoch, q.symbol](values[q.symbol])
        rows.append(values)
        updated = dict(values)
        for n, q in enumerate(program.quantities):
            if q.phase == UPDATE:
                updated[q.param] = program.evaluators[n](updated)
        start = {symbol: updated[symbol] for symbol in program.free}
    return rows


def write_sheet(path, columns, rows, show=repr, epochs=None):
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow((["epoch"] if epochs else []) + list(columns))
        for n, row in enumerate(rows):
            writer.writerow(([epochs[n]] if epochs else []) + [show(row[symbol]) for symbol in columns])
    return path


def wrong_by_epoch(report):
    found = {}
    for m in report.mismatches:
        found.setdefault(m.epoch, set()).add(m.symbol)
    return found


# -- all right -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["excel", "mazur", "xor", "tanh-3-layer"])
def test_a_sheet_from_train_csv_passes_with_exit_0(tmp_path, capsys, name):
    sheet = tmp_path / "run.csv"
    source = ["--config", str(TANH_3_LAYER)] if name == "tanh-3-layer" else ["--preset", name]
    assert cli.main(["train", *source, "--epochs", "20", "--csv", str(sheet)]) == 0
    capsys.readouterr()
    assert cli.main(["check", str(sheet), *source]) == 0
    out = capsys.readouterr().out
    assert "every cell is right" in out and "20 rows" in out


def test_rounded_values_are_right_at_their_own_precision(tmp_path):
    net = PRESETS["mazur"]()
    program = build_program(net)
    rows = student_rows(net, 5)
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns, rows, show=lambda v: f"{v:.3g}"), net)
    assert report.ok, report.mismatches[:3]


def test_a_value_beyond_half_a_unit_of_its_last_digit_is_wrong(tmp_path):
    net = PRESETS["mazur"]()
    a_h1 = student_rows(net, 1)[0]["a_h1"]
    near = f"{a_h1:.2f}"  # what a student who rounds writes
    off = f"{float(near) + 0.01:.2f}"  # one unit of the last digit away: more than half a unit
    assert check_sheet(write_sheet(tmp_path / "a.csv", ["a_h1"], [{"a_h1": near}], show=str), net).ok
    report = check_sheet(write_sheet(tmp_path / "b.csv", ["a_h1"], [{"a_h1": off}], show=str), net)
    assert [m.symbol for m in report.mismatches] == ["a_h1"]
    assert report.first.correct == a_h1


def test_relative_tolerance_is_an_option(tmp_path, capsys):
    net = PRESETS["excel"]()
    rows = student_rows(net, 1, {(1, "E_total"): lambda v: v * (1 + 1e-3)})
    sheet = write_sheet(tmp_path / "s.csv", ["E_total"], rows)
    assert cli.main(["check", str(sheet)]) == 1
    assert cli.main(["check", str(sheet), "--rel-tol", "1e-2"]) == 0
    capsys.readouterr()


# -- seed 003 ------------------------------------------------------------------------------
# /work/shared/seeds/003_bc448b21b0075803.txt works one step of the mazur preset by hand.
# Its README says which printed numbers are wrong: ∂E/∂H1out = 0.58326 and ∂E/∂w1 = 0.007037
# (while its updated w1..w4 are right).  The sheet below holds every number it prints, under
# its own spellings, the updated weights in a second row.

SEED_003_ROW_1 = {
    "H1": "0.3775", "H1out": "0.59326", "H2out": "0.59683", "y1": "1.105905967", "y1out": "0.75136507",
    "y2out": "0.772928465", "Etot": "0.298371108", "∂E/∂y1out": "0.74136507", "∂y1out/∂y1": "0.186815601",
    "∂E/∂w5": "0.082165", "∂E/∂H1out": "0.58326", "∂H1out/∂H1": "0.24130257", "∂E/∂w1": "0.007037",
}
SEED_003_ROW_2 = {
    "w1": "0.14978", "w2": "0.199561", "w3": "0.249751", "w4": "0.299502",
    "w5": "0.358916", "w6": "0.408666186", "w7": "0.511301270", "w8": "0.561370121",
}


def seed_003_sheet(path, **replace):
    header = list(SEED_003_ROW_1) + list(SEED_003_ROW_2)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerow([replace.get(h, SEED_003_ROW_1.get(h, "")) for h in header])
        writer.writerow([SEED_003_ROW_2.get(h, "") for h in header])
    return path


def test_seed_003_its_two_known_mistakes_are_found_and_the_first_is_the_root(tmp_path):
    report = check_sheet(seed_003_sheet(tmp_path / "003.csv"), PRESETS["mazur"]())
    assert wrong_by_epoch(report) == {1: {"dE_total/da_h1", "dE_total/dw1"}}
    first, gradient = report.mismatches
    assert (first.symbol, first.starts_here, first.column, first.cell) == ("dE_total/da_h1", True, "∂E/∂H1out", "K2")
    assert first.sheet == 0.58326
    # 0.007037 is what the seed's own wrong ∂E/∂H1out gives: it follows from it.
    assert (gradient.symbol, gradient.starts_here, gradient.causes) == ("dE_total/dw1", False, ("dE_total/da_h1",))
    assert gradient.sheet == 0.007037 and gradient.follows_epoch is None


def test_seed_003_gradient_alone_is_where_the_mistake_starts(tmp_path, capsys):
    sheet = tmp_path / "w1.csv"
    sheet.write_text("epoch,∂E/∂w1\n1,0.007037\n", encoding="utf-8")
    assert cli.main(["check", str(sheet), "--preset", "mazur"]) == 1
    out = capsys.readouterr().out
    program = build_program(PRESETS["mazur"]())
    formula = program.quantities[program.index["dE_total/dw1"]].formula
    assert "epoch 1, dE_total/dw1 in B2" in out and "0.007037" in out
    assert formula in out and "The mistake starts here." in out


def test_seed_003_json_for_scripts(tmp_path, capsys):
    assert cli.main(["check", str(seed_003_sheet(tmp_path / "003.csv")), "--preset", "mazur", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False and document["wrong"] == 2 and document["mistakes_start"] == 1
    first = document["mismatches"][0]
    assert first["symbol"] == "dE_total/da_h1" and first["starts_here"] is True
    assert first["substituted"].startswith("dE_total/da_h1 = ")
    assert first["correct"] == student_rows(PRESETS["mazur"](), 1)[0]["dE_total/da_h1"]  # full precision
    assert document["columns"]["dE_total/dw1"] == "∂E/∂w1"


# -- root causes inside a row ------------------------------------------------------------------


def test_one_wrong_forward_value_everything_after_it_follows(tmp_path):
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net, 3, {(1, "a_h1"): lambda v: v + 0.01})
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns, rows), net)
    downstream = {s for s in program.columns if "a_h1" in program.lineage(s)}
    assert wrong_by_epoch(report)[1] == downstream | {"a_h1"}
    assert [m.symbol for m in report.starts] == ["a_h1"]
    by_symbol = {m.symbol: m for m in report.mismatches if m.epoch == 1}
    assert by_symbol["o1"].causes == ("a_h1",) and by_symbol["o1"].origin == 1
    assert by_symbol["E_total"].causes == ("E1", "E2")
    later = [m for m in report.mismatches if m.epoch > 1]
    assert later and all(m.follows_epoch == 1 and not m.starts_here for m in later)


def test_causes_look_through_columns_the_sheet_does_not_have(tmp_path):
    net = PRESETS["excel"]()
    rows = student_rows(net, 1, {(1, "h1"): lambda v: v * 2})
    report = check_sheet(write_sheet(tmp_path / "s.csv", ["h1", "E_total"], rows), net)
    assert [(m.symbol, m.starts_here, m.causes) for m in report.mismatches] == [
        ("h1", True, ()), ("E_total", False, ("h1",))]


def test_two_mistakes_in_a_chain_are_both_found(tmp_path):
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net, 1, {(1, "h1"): lambda v: v + 0.1, (1, "o1"): lambda v: v - 0.2})
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns, rows), net)
    starts = {m.symbol: m for m in report.starts}
    assert set(starts) == {"h1", "o1"}
    assert starts["o1"].causes == ("a_h1",)  # wrong even given the wrong a_h1


@pytest.mark.parametrize("digits", [4, 6])
def test_rounding_does_not_hide_or_invent_a_mistake(tmp_path, digits):
    # A student who writes every value rounded, and carries one mistake on.
    net = PRESETS["mazur"]()
    program = build_program(net)
    rows = student_rows(net, 3, {(1, "da_h2/dh2"): lambda v: v * 1.5})
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns + ["da_h2/dh2"], rows,
                                     show=lambda v: f"{v:.{digits}g}"), net)
    assert [(m.epoch, m.symbol) for m in report.starts] == [(1, "da_h2/dh2")]
    assert all(m.origin == 1 for m in report.mismatches)


def test_a_value_rounded_too_far_before_it_is_used_is_named(tmp_path):
    # a_o2 written as 0.630 is right at its printed precision, but E2 computed from it is not.
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net, 1, {(1, "a_o2"): lambda v: round(v, 2)})
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns, rows), net)
    assert "a_o2" not in wrong_by_epoch(report)[1]
    e2 = next(m for m in report.mismatches if m.symbol == "E2")
    assert e2.starts_here and e2.rounded == ("a_o2",) and "keep more digits" in e2.explanation()


def test_a_later_mistake_is_its_own_even_after_an_earlier_one(tmp_path):
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net, 4, {(1, "a_o2"): lambda v: round(v, 2), (3, "w5"): lambda v: v + 0.05})
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns, rows), net)
    o1 = next(m for m in report.mismatches if (m.epoch, m.symbol) == (3, "o1"))
    assert (o1.starts_here, o1.causes, o1.origin) == (False, ("w5",), 3)
    assert (3, "w5") in [(m.epoch, m.symbol) for m in report.starts]


# -- across rows --------------------------------------------------------------------------------


def test_a_wrong_gradient_makes_later_rows_follow_from_its_row(tmp_path):
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net, 5, {(2, "dE_total/dw5"): lambda v: -v})
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns, rows), net)
    wrong = wrong_by_epoch(report)
    assert 1 not in wrong and wrong[2] == {"dE_total/dw5"}
    assert [(m.epoch, m.symbol) for m in report.starts] == [(2, "dE_total/dw5")]
    w5 = next(m for m in report.mismatches if (m.epoch, m.symbol) == (3, "w5"))
    assert w5.follows_epoch == 2 and w5.causes == ("dE_total/dw5",)
    assert w5.formula == "w5 = w5 − lr·dE_total/dw5"
    assert all(m.follows_epoch == 2 for m in report.mismatches if m.epoch > 2)


def test_a_wrong_update_is_a_mistake_of_its_own_row(tmp_path):
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net, 5, {(3, "w5"): lambda v: v + 0.05})
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns, rows), net)
    assert [(m.epoch, m.symbol) for m in report.starts] == [(3, "w5")]
    assert min(wrong_by_epoch(report)) == 3
    assert all(m.origin == 3 for m in report.mismatches)


def test_a_wrong_starting_weight_starts_in_row_1(tmp_path):
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net, 2, {(1, "w2"): lambda v: 0.25})
    report = check_sheet(write_sheet(tmp_path / "s.csv", program.columns, rows), net)
    assert [(m.epoch, m.symbol) for m in report.starts] == [(1, "w2")]
    assert report.first.formula == "w2 is a starting value of the network"


def test_skipped_epochs_are_run_between_rows(tmp_path):
    net = PRESETS["mazur"]()
    program = build_program(net)
    epochs = [1, 2, 7, 40]
    right = student_rows(net, 40)
    assert check_sheet(write_sheet(tmp_path / "a.csv", program.columns, [right[e - 1] for e in epochs],
                                   epochs=epochs), net).ok
    wrong = student_rows(net, 40, {(2, "dE_total/dw3"): lambda v: v * 3})
    report = check_sheet(write_sheet(tmp_path / "b.csv", program.columns, [wrong[e - 1] for e in epochs],
                                     epochs=epochs), net)
    assert [(m.epoch, m.symbol) for m in report.starts] == [(2, "dE_total/dw3")]
    assert {m.epoch for m in report.mismatches} == {2, 7, 40}
    assert all(m.follows_epoch == 2 for m in report.mismatches if m.epoch > 2)


def test_text_output_collapses_a_cascade(tmp_path, capsys):
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net, 30, {(1, "dE_total/dw8"): lambda v: v * 2})
    sheet = write_sheet(tmp_path / "s.csv", program.columns, rows)
    assert cli.main(["check", str(sheet)]) == 1
    out = capsys.readouterr().out
    report = check_sheet(sheet, net)
    later = sum(1 for m in report.mismatches if m.epoch > 1)
    assert f"epochs 2–30: {later:,} wrong cells, all following from epoch 1" in out
    assert len(out.splitlines()) < 15


def test_the_learning_rate_option_is_what_the_sheet_is_checked_against(tmp_path):
    net = PRESETS["excel"]()
    program = build_program(net)
    rows = student_rows(net.with_start(lr=0.1), 3)
    sheet = write_sheet(tmp_path / "s.csv", program.columns, rows)
    report = check_sheet(sheet, net)
    assert report.first.symbol == "lr" and report.first.starts_here
    assert check_sheet(sheet, net.with_start(lr=0.1)).ok


def test_check_imports_no_textual_and_a_csv_needs_no_openpyxl_or_numpy(tmp_path):
    import subprocess
    import sys

    sheet = tmp_path / "s.csv"
    sheet.write_text("w1,∂E/∂w1\n0.15,0.007037\n", encoding="utf-8")
    probe = ("import sys; from tui_backprop import cli; status = cli.main(['check', sys.argv[1], '--preset', 'mazur']); "
             "print(status, *sorted(m for m in ('textual', 'numpy', 'openpyxl') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe, str(sheet)], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.splitlines()[-1] == "1", done.stdout + done.stderr


# -- the preset a sheet fits (issue 12.9) ----------------------------------------------------------


def test_a_mazur_sheet_without_a_preset_is_checked_against_mazur_and_says_so(tmp_path, capsys):
    sheet = seed_003_sheet(tmp_path / "003.csv")
    against_excel = len(check_sheet(sheet, PRESETS["excel"]()).mismatches)
    assert cli.main(["check", str(sheet)]) == 1
    out = capsys.readouterr().out
    assert (f"checked against mazur: the sheet fits --preset mazur (2 wrong cells; {against_excel} wrong cells "
            "against excel)") in out.splitlines()[0]
    assert "epoch 1, dE_total/da_h1" in out


def test_a_sheet_with_mazurs_names_and_biases_fits_mazur(tmp_path, capsys):
    net = PRESETS["mazur"]()
    rows = student_rows(net, 3)
    columns = ["b1", "b2", "w1", "h1", "a_h1", "o1", "E_total"]
    spelled = {"h1": "net h1", "o1": "net o1", "a_h1": "out h1"}
    sheet = tmp_path / "mazur.csv"
    with open(sheet, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow([spelled.get(c, c) for c in columns])
        writer.writerows([[repr(row[c]) for c in columns] for row in rows])
    assert cli.main(["check", str(sheet)]) == 0
    assert "checked against mazur" in capsys.readouterr().out
    assert check_sheet(sheet, net).ok


def test_a_named_preset_is_kept_and_the_better_fit_named(tmp_path, capsys):
    assert cli.main(["check", str(seed_003_sheet(tmp_path / "003.csv")), "--preset", "excel"]) == 1
    out = capsys.readouterr().out
    assert "the sheet fits --preset mazur" in out.splitlines()[0] and "checked against excel" in out
