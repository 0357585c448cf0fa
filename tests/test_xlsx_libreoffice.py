"""The exported workbook in a real spreadsheet: LibreOffice recomputes it, and every cell is the core's.

The workbook holds formulas and no cached values (openpyxl cannot compute), so
LibreOffice has to calculate every cell when it loads the file; the CSV it
writes is what a student sees.  It prints 15 significant digits, so 1e-9
relative is a real comparison.  Changing the learning rate and a starting
weight in the workbook must recompute every epoch.
"""

from __future__ import annotations

import csv
import shutil
import subprocess

import openpyxl
import pytest
from test_sheets_xlsx import NETWORKS, core_rows

from tui_backprop.core import PRESETS
from tui_backprop.sheets.check import check_sheet
from tui_backprop.sheets.xlsx import SHEET, export_xlsx

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui; .ci/run does), "
               "so the exported workbook was not recomputed in a real spreadsheet"),
    # One worker runs them all (--dist loadgroup): the module's LibreOffice run then happens once.
    pytest.mark.xdist_group("libreoffice"),
    pytest.mark.long,  # together, on that one worker
]

EPOCHS = 50
CSV_UTF8 = "csv:Text - txt - csv (StarCalc):44,34,76"  # comma, double quote, UTF-8


@pytest.fixture(scope="module")
def recomputed(tmp_path_factory):
    """Export every network, plus excel edited in the workbook, and let one LibreOffice run recompute all."""
    folder = tmp_path_factory.mktemp("workbooks")
    nets = {name: factory() for name, factory in NETWORKS.items()}
    for name, net in nets.items():
        export_xlsx(net, EPOCHS, folder / f"{name}.xlsx")
    export_xlsx(batched(), EPOCHS, folder / "batched.xlsx")
    export_xlsx(batched_adam(), EPOCHS, folder / "batched-adam.xlsx")

    # A student changes the learning rate and w1 at the top of the sheet.
    workbook = openpyxl.load_workbook(folder / "excel.xlsx")
    for label, value in workbook[SHEET].iter_rows(max_col=2):
        if label.value == "lr":
            value.value = 2.0
        if label.value == "w1":
            value.value = 0.3
    workbook.save(folder / "excel-edited.xlsx")
    excel = nets["excel"]
    nets["excel-edited"] = excel.with_start(lr=2.0, weights=(0.3, *excel.start.weights[1:]))

    out = folder / "out"
    profile = folder / "profile"  # its own profile: no clash with a LibreOffice already running
    books = sorted(str(path) for path in folder.glob("*.xlsx"))
    done = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                           CSV_UTF8, "--outdir", str(out), *books], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    # A second conversion, to xlsx: the recomputed workbooks, as a student would save them.
    done = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
                           "--outdir", str(out / "saved"), str(folder / "mazur.xlsx"), str(folder / "batched.xlsx")],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return nets, out


@pytest.mark.parametrize("name", sorted(NETWORKS) + ["excel-edited"])
def test_every_cell_recomputed_by_libreoffice_is_the_cores(recomputed, name):
    nets, out = recomputed
    with open(out / f"{name}.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    at = next(n for n, row in enumerate(rows) if row and row[0] == "epoch")
    header = rows[at]
    expected = core_rows(nets[name], EPOCHS)
    body = [row for row in rows[at + 1:] if any(row)]
    assert len(body) == EPOCHS
    compared = 0
    for epoch, (row, core) in enumerate(zip(body, expected), start=1):
        assert row[0] == str(epoch)
        for symbol, text in zip(header[1:], row[1:]):
            value = float(text)  # a #NUM! or #NAME? would fail here, naming the cell
            assert value == pytest.approx(core[symbol], rel=1e-9, abs=0.0), (name, epoch, symbol, text)
            compared += 1
    assert compared == EPOCHS * (len(header) - 1)
    # The starting values at the top are the network's, as the formulas read them.
    top = {row[0]: row[1] for row in rows[:at] if row and row[0] in core_rows(nets[name], 1)[0]}
    start = nets[name].start_env()
    assert top and all(float(value) == pytest.approx(start[symbol], rel=1e-9, abs=0.0) for symbol, value in top.items())


def batched():
    """Mini-batches of 4 of 10 samples (the last batch of 2), mse: each batch averages over its own samples."""
    from tui_backprop.core.loader import network_from_dict

    return network_from_dict({"name": "batched", "layers": [2, 3, 1], "loss": "mse", "bias": "neuron",
                              "samples": {"generate": "xor", "count": 10, "seed": 3}, "batch": 4, "shuffle_seed": 5})


def batched_adam():
    """The same batches with Adam and an L2 penalty: the optimizer's state carries from batch to batch."""
    return batched().with_changes(name="batched-adam", optimizer="adam", regularization="l2",
                                  regularization_rate=0.01).with_start(lr=0.05)


@pytest.mark.parametrize("network", [batched, batched_adam])
def test_a_batched_workbook_recomputed_by_libreoffice_is_the_cores_step_by_step(recomputed, network):
    from tui_backprop.core.stepper import Stepper

    _, out = recomputed
    with open(out / f"{network().name}.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    at = next(n for n, row in enumerate(rows) if row and row[0] == "epoch")
    header, body = rows[at], [row for row in rows[at + 1:] if any(row)]
    stepper = Stepper(network())
    per = stepper.schedule.steps_per_epoch
    assert header[:2] == ["epoch", "batch"] and len(body) == EPOCHS * per == 3 * EPOCHS
    compared = 0
    for step, row in enumerate(body, start=1):
        assert (row[0], row[1]) == tuple(map(str, stepper.schedule.place(step)))
        ops = [stepper.next()]  # into the step: its batch's samples come in
        core = {symbol: stepper.values[symbol] for symbol in stepper.program.free}  # nothing updated yet
        while not stepper.step_done:
            ops.append(stepper.next())
        core.update((op.symbol, op.value) for op in ops if op.phase != "update")
        for symbol, text in zip(header[2:], row[2:]):
            if symbol not in core:  # the last batch's row has no third or fourth sample
                assert text == "" and step % per == 0, (step, symbol, text)
                continue
            assert float(text) == pytest.approx(core[symbol], rel=1e-9, abs=1e-300), (step, symbol, text)
            compared += 1
    assert compared > EPOCHS * per * 20


@pytest.mark.parametrize("saved", ["saved/mazur.xlsx", "mazur.csv"])
def test_the_workbook_saved_by_libreoffice_checks_clean(recomputed, saved):
    _, out = recomputed
    report = check_sheet(out / saved, PRESETS["mazur"]())
    assert report.ok and report.rows == EPOCHS and report.cells > EPOCHS * 30


def test_the_workbook_saved_by_libreoffice_still_carries_its_network(recomputed, capsys):
    """A student saves the workbook in LibreOffice: the hidden sheet with its network stays, so `check` on it
    needs no --preset or --config."""
    from tui_backprop import cli
    from tui_backprop.core.loader import network_to_dict
    from tui_backprop.sheets.carried import carried_network

    _, out = recomputed
    for name, net in (("mazur", PRESETS["mazur"]()), ("batched", batched())):
        assert network_to_dict(carried_network(out / "saved" / f"{name}.xlsx")) == network_to_dict(net)
        capsys.readouterr()
        assert cli.main(["check", str(out / "saved" / f"{name}.xlsx")]) == 0
        assert f"checked against the network the workbook carries, {name}" in capsys.readouterr().out


@pytest.mark.parametrize("saved", ["saved/batched.xlsx", "batched.csv"])
def test_the_batched_workbook_recomputed_by_libreoffice_checks_clean(recomputed, saved):
    """A row per update step, its batch's samples in the row: each row checked against its step's program."""
    from tui_backprop.core.batches import Schedule

    _, out = recomputed
    net = batched()
    schedule = Schedule(net)
    report = check_sheet(out / saved, net)
    assert report.ok and report.rows == EPOCHS * schedule.steps_per_epoch
    # Every number LibreOffice computed was checked (the smaller last batch's rows leave its missing samples empty).
    with open(out / "batched.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    at = next(n for n, row in enumerate(rows) if row and row[0] == "epoch")
    numbers = sum(1 for row in rows[at + 1:] for text in row[2:] if text)
    assert report.cells == numbers > EPOCHS * schedule.steps_per_epoch * 50
