"""The app with a penalty and an optimizer (issue 20, §2, §3 and §7): the values table and the diagram
show the optimizer's state and the penalty as they are computed, and `x` writes the network reached."""

from __future__ import annotations

from tui_backprop.app.widgets.diagram import NetworkDiagram
from tui_backprop.app.widgets.values import ValuesTable, fitted_number
from tui_backprop.core import PRESETS
from tui_backprop.core.expr import format_number
from tui_backprop.core.loader import load_network

from app_driver import drive, notifications, press, widget_text


def adam_mazur():
    return PRESETS["mazur"]().with_changes(optimizer="adam", regularization="l2", regularization_rate=0.01,
                                           name="mazur-adam")


def test_the_values_table_and_the_diagram_show_each_new_quantity_as_it_is_computed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def body(app, pilot):
        table, diagram = app.query_one(ValuesTable), app.query_one(NetworkDiagram)
        await press(pilot, "e")  # epoch 1 done: the optimizer's state has moved
        stepper = app.stepper
        text = widget_text(app, table)
        assert "gradient penalty dE/d· m v m̂ v̂ new" in " ".join(text.split())
        lines = [line.plain for line in table.draw(200, 100)]  # every line, as scrolling shows them
        for symbol in ("E_reg", "λ", "β1", "β2", "ε", "t"):
            assert any(line.split()[:2] == [symbol, fitted_number(stepper.values[symbol])] for line in lines), symbol
        assert table.cell("m_w1").plain == fitted_number(stepper.values["m_w1"])
        assert table.cell("t").plain == "1"
        await press(pilot, "f")  # epoch 2's forward pass: E_reg is its last operation
        assert stepper.last.symbol == "E_reg"
        assert "reverse" in str(table.cell("E_reg").style)
        await press(pilot, "f", "n")  # the backward pass done, then Adam counts the step
        assert stepper.last.symbol == "t" and table.cell("t").plain == "2"
        assert "t = 2" in widget_text(app, diagram)
        await press(pilot, "n", "n")  # m_w1, then v_w1: the diagram's label of w1 names them
        assert stepper.last.symbol == "v_w1"
        shown = widget_text(app, diagram)
        assert f"v_w1 = {format_number(stepper.values['v_w1'], 4)}" in shown  # the header
        assert f"w1 v={format_number(stepper.values['v_w1'], 2)}" in shown  # the edge's label, as it fits
        await press(pilot, "n", "n", "n")  # m̂, v̂, then w1 itself: old → new
        assert stepper.last.symbol == "w1" and "→" in widget_text(app, diagram)
        await press(pilot, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        saved = load_network(tmp_path / "mazur-adam-network.toml")
        assert saved == stepper.network()
        assert (saved.optimizer, saved.regularization, saved.regularization_rate) == ("adam", "l2", 0.01)
        assert "the network, with those numbers, in mazur-adam-network.toml" in notifications(app)

    drive(body, network=adam_mazur(), size=(200, 50))  # wide enough for the update labels on the edges


def test_undo_in_the_app_takes_the_optimizer_state_back(tmp_path):
    async def body(app, pilot):
        await press(pilot, "e", "e")
        after_two = dict(app.stepper.values)
        await press(pilot, "e")
        assert app.stepper.values["v_w1"] != after_two["v_w1"]
        await press(pilot, *["p"] * len(app.stepper.program))
        assert app.stepper.values == after_two
        assert app.query_one(ValuesTable).cell("v_w1").plain == fitted_number(after_two["v_w1"])

    drive(body, network=adam_mazur().with_changes(optimizer="momentum", regularization="none", regularization_rate=0.0))


def test_the_history_shows_e_reg_apart_from_e_total():
    from tui_backprop.app.widgets.history_table import HistoryTable

    async def body(app, pilot):
        await press(pilot, "e", "e")
        history = app.query_one(HistoryTable)
        assert history.shown[:2] == ["E_total", "E_reg"]
        text = " ".join(widget_text(app, history).split())
        row = app.stepper.history.row(2)
        columns = app.stepper.history.columns
        assert "E_total E_reg" in text
        assert f"2 {format_number(row[columns.index('E_total')], 6)} {format_number(row[columns.index('E_reg')], 6)}" in text

    drive(body, network=adam_mazur())
