"""In the app, opening a sheet names the slip beside the first wrong operation."""

from __future__ import annotations

from app_driver import drive, press, type_in, widget_text
from sheet_builder import slipped_run, write_sheet
from tui_backprop.app.widgets.operation import OperationPanel
from tui_backprop.core import PRESETS


def test_opening_a_sheet_shows_the_slip_in_the_operation_panel(tmp_path):
    net = PRESETS["mazur"]()
    program, rows = slipped_run(net, 2, {(1, "da_h2/dh2"): lambda compute, v, b: v["da_h1/dh1"]})
    sheet = write_sheet(tmp_path / "student.xlsx", program.columns, rows, title=True)

    async def body(app, pilot):
        await press(pilot, "o")
        await type_in(pilot, str(sheet))
        await app.workers.wait_for_complete()
        await pilot.pause()
        last = app.stepper.last
        assert (last.epoch, last.symbol) == (1, "dE_total/dw3")
        panel = widget_text(app, app.query_one(OperationPanel))
        assert "the slip: a_h1 where a_h2 belongs" in panel
        assert "The sheet computed dE_total/dw3 = dE_total/da_h2·a_h1·(1 − a_h1)·i1." in panel

    drive(body, size=(160, 50))
