"""In the app, opening a sheet names the slip beside the first wrong operation."""

from __future__ import annotations

from tui_backprop.app.widgets.operation import OperationPanel
from tui_backprop.core import PRESETS

from app_driver import drive, open_checked, widget_text
from sheet_builder import slipped_run, write_sheet


def test_opening_a_sheet_shows_the_slip_in_the_operation_panel(tmp_path):
    net = PRESETS["mazur"]()
    program, rows = slipped_run(net, 2, {(1, "da_h2/dh2"): lambda compute, v, b: v["da_h1/dh1"]})
    sheet = write_sheet(tmp_path / "student.xlsx", program.columns, rows, title=True)

    async def body(app, pilot):
        await open_checked(app, pilot, sheet)
        last = app.stepper.last
        assert (last.epoch, last.symbol) == (1, "dE_total/dw3")
        panel = widget_text(app, app.query_one(OperationPanel))
        assert "the slip: a_h1 where a_h2 belongs" in panel
        assert "The sheet computed dE_total/dw3 = dE_total/da_h2·a_h1·(1 − a_h1)·i1." in panel

    drive(body, size=(160, 50))


def test_opening_a_batched_sheet_goes_to_the_step_where_it_goes_wrong(tmp_path):
    """A row per update step: the first wrong cell is named by its epoch and batch, and marked in its step's row."""
    from test_sheets_batches import BY, SPOILED, SPOILED_STEP, batched, recomputed_rows

    from tui_backprop.core.batches import Schedule

    from app_driver import notifications

    net = batched()
    schedule = Schedule(net)
    sheet = tmp_path / "batched.csv"
    rows = recomputed_rows(schedule, 2 * schedule.steps_per_epoch, (SPOILED_STEP, SPOILED, BY))
    sheet.write_text("\n".join(",".join(map(str, row)) for row in
                               [["epoch", "batch", *schedule.program(1).columns], *rows]) + "\n", encoding="utf-8")

    async def body(app, pilot):
        await open_checked(app, pilot, sheet)
        last = app.stepper.last  # w5 of a step is computed by the update of the step before
        assert (last.step, last.symbol) == (SPOILED_STEP - 1, SPOILED)
        assert "the first mistake starts at epoch 2 · batch 2, w5" in notifications(app)
        assert (SPOILED_STEP, SPOILED) in app.panels["history"].marks

    drive(body, size=(160, 50), network=net)


def test_opening_an_exercise_workbook_checks_it_against_the_network_it_carries(tmp_path):
    """The excel network is on screen; Bob's workbook carries his own variant of mazur, and is checked against it."""
    from test_sheets_grade import filled_class

    _, stems, returned = filled_class(tmp_path, ("Bob Jones",))

    async def body(app, pilot):
        await open_checked(app, pilot, returned / f"{stems['Bob Jones']}.xlsx")
        assert app.stepper.net.name == stems["Bob Jones"] and app.stepper.net.bias == "shared"
        last = app.stepper.last
        assert (last.epoch, last.symbol) == (1, "h2")
        assert "the slip: w2 where w4 belongs" in widget_text(app, app.query_one(OperationPanel))

    drive(body, preset="excel", size=(160, 50))
