"""The live workbook: its formulas, evaluated here in plain Python, give the core's numbers.

LibreOffice recomputing the same workbooks is in test_xlsx_libreoffice.py; this file
runs everywhere.  The evaluator below knows only the few spreadsheet functions the
export uses, and reads the workbook the way a spreadsheet does: cell addresses and
defined names.
"""

from __future__ import annotations

import math
import re

import openpyxl
import pytest
from conftest import REPO

from tui_backprop import cli
from tui_backprop.core import PRESETS, UPDATE, Network, Parameters, Sample, Stepper, load_network
from tui_backprop.core.expr import Call, Sym
from tui_backprop.core.presets import random_weights
from tui_backprop.sheets.xlsx import SHEET, ExportError, defined_name, excel_formula, export_xlsx


def relu_softmax() -> Network:
    samples = (Sample((0.5, -0.2), (1.0, 0.0, 0.0)), Sample((0.1, 0.9), (0.0, 0.0, 1.0)))
    return Network(sizes=(2, 3, 3), activations=("relu", "softmax"), loss="cce", bias="neuron",
                   start=Parameters(random_weights(15, seed=3, scale=1.0), (0.1,) * 6, lr=0.3), samples=samples,
                   name="relu-softmax")


def identity_bce() -> Network:
    samples = (Sample((0.2, 0.7), (1.0,)), Sample((0.9, 0.1), (0.0,)))
    return Network(sizes=(2, 2, 1), activations=("identity", "sigmoid"), loss="bce", bias="shared",
                   start=Parameters(random_weights(6, seed=4, scale=1.0), (0.1, -0.2), lr=0.5), samples=samples,
                   name="identity-bce")


def tanh_mse() -> Network:
    return Network(sizes=(2, 2, 2), activations=("tanh", "identity"), loss="mse", bias="none",
                   start=Parameters(random_weights(8, seed=5, scale=1.0), lr=0.2), samples=PRESETS["excel"]().samples,
                   name="tanh-mse")


# Every activation, every loss, every bias mode, one sample and several.
def adam_l2() -> Network:
    """Adam with an L2 penalty, frozen shared biases: the optimizer's state in columns of its own."""
    return PRESETS["mazur"]().with_changes(name="adam-l2", optimizer="adam", regularization="l2",
                                           regularization_rate=0.02).with_start(lr=0.05)


def momentum_l1() -> Network:
    """Momentum with an L1 penalty."""
    return tanh_mse().with_changes(name="momentum-l1", optimizer="momentum", momentum=0.8, regularization="l1",
                                   regularization_rate=0.01)


NETWORKS = {
    "excel": PRESETS["excel"], "mazur": PRESETS["mazur"], "xor": PRESETS["xor"],
    "tanh-3-layer": lambda: load_network(REPO / "examples" / "tanh-3-layer.toml"),
    "relu-softmax": relu_softmax, "identity-bce": identity_bce, "tanh-mse": tanh_mse,
    "adam-l2": adam_l2, "momentum-l1": momentum_l1,
}


def core_rows(net: Network, epochs: int) -> list[dict[str, float]]:
    """Every value of every epoch, as the core's stepper traces them."""
    stepper = Stepper(net)
    rows = []
    for _ in range(epochs):
        row = {symbol: stepper.values[symbol] for symbol in stepper.program.free}
        row.update((op.symbol, op.value) for op in stepper.trace(1) if op.phase != UPDATE)
        rows.append(row)
    return rows


FUNCTIONS = {"EXP": math.exp, "TANH": math.tanh, "LN": math.log, "MAX": max,
             "IF": lambda condition, yes, no: yes if condition else no,
             "SQRT": math.sqrt, "ABS": abs, "SIGN": lambda x: float((x > 0) - (x < 0))}


def evaluate(path) -> tuple[dict[str, object], dict[str, str]]:
    """Every cell's value, computing formulas; and the defined names with the cells they name."""
    sheet = openpyxl.load_workbook(path)[SHEET]
    names = {name: definition.attr_text.split("!")[1].replace("$", "")
             for name, definition in openpyxl.load_workbook(path).defined_names.items()}
    values: dict[str, object] = {}

    def cell(address):
        if address not in values:
            content = sheet[address].value
            if isinstance(content, str) and content.startswith("="):
                source = re.sub(r"\b([A-Z]{1,3}\d+)\b", r"cell('\1')", content[1:])
                source = re.sub(r"(?<![\w'])([^\W\dA-Z]\w*)\b",
                                lambda m: f"cell('{names[m[1]]}')" if m[1] in names else m[0], source)
                content = eval(source.replace("^", "**"), {**FUNCTIONS, "cell": cell})
            values[address] = content
        return values[address]

    for row in sheet.iter_rows():  # top to bottom, so a row's recursion stops at the row above
        for item in row:
            cell(item.coordinate)
    return values, names


def epoch_rows(path) -> list[dict[str, object]]:
    values, _ = evaluate(path)
    sheet = openpyxl.load_workbook(path)[SHEET]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    at = next(n for n, row in enumerate(rows) if row[0] == "epoch")
    header = rows[at]
    return [{symbol: values[f"{openpyxl.utils.get_column_letter(c + 1)}{line + 1}"] for c, symbol in enumerate(header)}
            for line in range(at + 1, len(rows))]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_formula_gives_the_cores_value(tmp_path, name):
    net = NETWORKS[name]()
    path = tmp_path / f"{name}.xlsx"
    export_xlsx(net, 8, path)
    rows = epoch_rows(path)
    assert [row["epoch"] for row in rows] == list(range(1, 9))
    for expected, got in zip(core_rows(net, 8), rows):
        for symbol, value in got.items():
            if symbol != "epoch":
                assert value == pytest.approx(expected[symbol], rel=1e-12, abs=1e-300), (name, got["epoch"], symbol)
    assert set(rows[0]) - {"epoch"} == {s for s in core_rows(net, 1)[0] if s in rows[0]}


def test_layout_named_starting_values_on_top_then_the_spreadsheet_columns(tmp_path):
    net = PRESETS["mazur"]()
    path = tmp_path / "m.xlsx"
    export_xlsx(net, 3, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[SHEET]
    names = {name: d.attr_text for name, d in workbook.defined_names.items()}
    for symbol, value in net.start_env().items():
        address = names[defined_name(symbol)].split("!")[1].replace("$", "")
        assert sheet[address].value == value and sheet[f"A{sheet[address].row}"].value == symbol
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "epoch")
    stepper = Stepper(net)
    assert list(header[1: 1 + len(stepper.program.columns)]) == stepper.program.columns
    first = next(row for row in sheet.iter_rows(values_only=True) if row[0] == 1)
    assert first[2] == "=w_1"  # the first epoch reads the named starting weight
    second = next(row for row in sheet.iter_rows(values_only=True) if row[0] == 2)
    assert re.fullmatch(r"=C\d+-B\d+\*[A-Z]+\d+", second[2])  # w1 = w1 − lr·dE_total/dw1 of the row above
    assert workbook.calculation.fullCalcOnLoad  # Excel computes every cell on opening


def test_names_are_never_cell_addresses():
    assert [defined_name(s) for s in ("w1", "w12", "i1", "t2", "b1", "lr", "b_h1", "i1[2]", "b_h2_1")] == [
        "w_1", "w_12", "i_1", "t_2", "b_1", "lr", "b_h1", "i1_s2", "b_h2_1"]


def test_a_function_without_a_spreadsheet_formula_is_a_clear_error():
    with pytest.raises(ExportError, match="softplus"):
        excel_formula(Call("softplus", "log(1.0 + exp({x}))", Sym("h1")), str)


def test_train_xlsx(tmp_path, capsys):
    path = tmp_path / "run.xlsx"
    assert cli.main(["train", "--preset", "excel", "--epochs", "5", "--lr", "0.8", "--xlsx", str(path)]) == 0
    rows = epoch_rows(path)
    expected = core_rows(PRESETS["excel"]().with_start(lr=0.8), 5)
    assert len(rows) == 5 and rows[-1]["E_total"] == pytest.approx(expected[-1]["E_total"], rel=1e-12)
    capsys.readouterr()


@pytest.mark.parametrize(("options", "words"), [
    (["--lr", "0.1", "0.5"], "one learning rate"),
    (["--epochs", "100001"], "100,000 epochs"),
])
def test_train_xlsx_refusals(tmp_path, capsys, options, words):
    args = ["train", "--preset", "excel", "--epochs", "5", *options, "--xlsx", str(tmp_path / "x.xlsx")]
    assert cli.main(args) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_train_xlsx_to_a_missing_folder(tmp_path, capsys):
    assert cli.main(["train", "--epochs", "2", "--xlsx", str(tmp_path / "no" / "x.xlsx")]) == 2
    assert "cannot write" in capsys.readouterr().err
