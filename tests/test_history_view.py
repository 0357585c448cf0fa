"""The history table (its columns, sideways scrolling, numbers never cut), the loss chart's scale and mark,
and the gradient check key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_backprop.app.widgets.history_table import (
    NUMBER_WIDTH,
    ColumnsScreen,
    HistoryTable,
    default_columns,
    fitted,
    heading,
)
from tui_backprop.app.widgets.loss_chart import LossChart
from tui_backprop.core import PRESETS, Names, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.reports.chart import build_chart

from app_driver import drive, press


def table_lines(table: HistoryTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def shown_headings(table: HistoryTable) -> list[str]:
    return table_lines(table)[0].replace("‹", " ").replace("›", " ").split()[1:]


def assert_no_number_is_cut(table: HistoryTable, history) -> None:
    """Every number on screen is its value rounded (to at most 6 digits), under the right heading."""
    lines = table_lines(table)
    by_heading = {heading(column): column for column in table.shown}
    headings = shown_headings(table)
    assert headings, "no column in view"
    for line in lines[1:]:
        cells = line.split()
        if not cells:
            continue
        row = dict(zip(history.columns, history.row(int(cells[0]))))
        assert len(cells) == len(headings) + 1, line
        for text, name in zip(cells[1:], headings):
            value = row[by_heading[name]]
            assert text in {format_number(value, digits) for digits in range(1, 7)}, (name, text, value)


@pytest.mark.parametrize("size, panel_keys", [((120, 40), []), ((100, 30), ["v", "v"]), ((80, 24), ["v", "v"]),
                                              ((200, 60), [])])
def test_the_history_shows_e_total_and_the_gradients_beside_the_weights_and_never_cuts_a_number(size, panel_keys):
    async def body(app, pilot):
        await press(pilot, "e", "e", "e", *panel_keys)
        table = app.query_one(HistoryTable)
        program = app.stepper.program
        assert table.shown == default_columns(program)
        trained = program.trained[0]
        assert table.shown[:3] == ["E_total", trained, Names.grad(trained)]
        assert shown_headings(table)[0] == "E_total"
        seen = set()
        for _ in range(len(table.shown)):  # sideways to the last column, a column at a time
            assert_no_number_is_cut(table, app.stepper.history)
            seen.update(shown_headings(table))
            await press(pilot, "right_square_bracket")
        assert seen == {heading(column) for column in table.shown}  # every column could be reached
        assert "‹" in table_lines(table)[0]
        for _ in range(len(table.shown)):
            await press(pilot, "left_square_bracket")
        assert shown_headings(table)[0] == "E_total" and "‹" not in table_lines(table)[0]

    drive(body, size=size)


@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_too_long_for_its_column_is_rounded_not_cut(value):
    width = NUMBER_WIDTH  # the narrowest column
    text = fitted(value, width)
    assert len(text) <= width
    assert text in {format_number(value, digits) for digits in range(1, 7)}


def test_the_columns_can_be_chosen_from_every_column_of_the_csv():
    async def body(app, pilot):
        await press(pilot, "e", "c")
        assert isinstance(app.screen, ColumnsScreen)
        await press(pilot, "enter")  # hides the first shown column, E_total
        table = app.query_one(HistoryTable)
        assert "E_total" not in table.shown
        options = app.screen.query_one("#columns")
        index = next(n for n in range(options.option_count) if options.get_option_at_index(n).id == "a_h1")
        options.highlighted = index
        await press(pilot, "enter")
        assert "a_h1" in table.shown
        await press(pilot, "escape")
        assert not isinstance(app.screen, ColumnsScreen)
        await pilot.pause()
        row = dict(zip(app.stepper.history.columns, app.stepper.history.row(1)))
        for _ in range(len(table.shown)):
            if "a_h1" in shown_headings(table):
                break
            await press(pilot, "right_square_bracket")
        position = shown_headings(table).index("a_h1")
        assert table_lines(table)[1].split()[1 + position] == format_number(row["a_h1"], 6)

    drive(body)


def test_the_column_chooser_says_shown_and_hidden_in_letters_not_colour():
    """Each row reads [x] (shown) or [ ] (hidden) on a screen without colour; space toggles one too."""
    from app_driver import screen_text

    async def body(app, pilot):
        await press(pilot, "e", "c")
        table = app.query_one(HistoryTable)
        import re

        def marks():
            columns = set(app.stepper.history.columns)
            found = re.findall(r"(\[[x ]\]) (\S+)", screen_text(app))
            return {column: mark for mark, column in found if column in columns}

        for _ in range(2):  # the top of the list (the shown ones come first), then its end
            rows = marks()
            assert len(rows) >= 10 and all(mark == ("[x]" if column in table.shown else "[ ]")
                                           for column, mark in rows.items())
            assert "▐X▌" not in screen_text(app)
            await press(pilot, "end")
        assert "[ ]" in rows.values()
        await press(pilot, "home")
        await press(pilot, "space")  # the first, E_total: hidden, and said so
        assert "E_total" not in table.shown and "[ ] E_total" in screen_text(app)
        await press(pilot, "enter")
        assert "E_total" in table.shown and "[x] E_total" in screen_text(app)

    drive(body)


def test_history_keys_have_descriptions():
    from tui_backprop.app.main import BackpropApp

    actions = {binding.action: binding for binding in BackpropApp.BINDINGS}
    for action in ("history_sideways(-1)", "history_sideways(1)", "history_columns", "log_scale", "gradient_check"):
        assert actions[action].description and actions[action].tooltip


def test_the_loss_chart_switches_to_a_log_scale_and_marks_the_current_epoch():
    async def body(app, pilot):
        await press(pilot, "e", "e", "e", "n")
        chart = app.query_one(LossChart)
        assert not chart.log_scale
        text = chart.render().plain
        assert f"│ epoch {app.stepper.epoch}" in text and "log scale" not in text
        await press(pilot, "L")
        assert chart.log_scale and "log scale" in chart.render().plain
        await press(pilot, "L")
        assert not chart.log_scale

    drive(body)


def y_labels(chart: str) -> list[float]:
    """The numbers on the chart's y axis, top to bottom."""
    import re

    return [float(match[1].replace("−", "-")) for line in chart.splitlines()
            if (match := re.match(r"\s*([−\d.e+-]+)┤", line))]


def test_a_log_scale_labels_its_rows_from_the_largest_down_even_after_one_epoch():
    async def body(app, pilot):
        await press(pilot, "e", "L")
        chart = app.query_one(LossChart)
        labels = y_labels(chart.render().plain)
        assert len(labels) >= 3 and labels == sorted(labels, reverse=True), labels
        loss = app.stepper.history.epoch_losses()[0]
        assert labels[-1] < loss < labels[0]

    drive(body)
    stepper = Stepper(PRESETS["excel"]())
    stepper.run(500)
    labels = y_labels(build_chart({"E_total": list(stepper.history.losses())}, 60, 20, color=False, log=True))
    assert labels == sorted(labels, reverse=True) and len(set(labels)) == len(labels)


def test_the_chart_draws_a_line_at_the_marked_epoch():
    stepper = Stepper(PRESETS["excel"]())
    stepper.run(100)
    curve = list(stepper.history.losses())
    plain = build_chart({"E_total": curve}, 60, 16, color=False)
    marked = build_chart({"E_total": curve}, 60, 16, color=False, mark=50)
    body = [line for line in marked.splitlines()[2:-3]]
    columns = {n for line in body for n, char in enumerate(line) if char == "│" and n > 10}
    assert columns and all(any(line[n] == "│" for line in body) for n in columns)
    assert "│ epoch 50" in marked and "│ epoch" not in plain


def test_a_log_scale_spreads_a_curve_that_a_linear_one_flattens():
    stepper = Stepper(PRESETS["excel"]())
    stepper.run(20_000)
    curve = list(stepper.history.losses())

    def rows_used(chart: str) -> int:  # rows of the plot where the last quarter of the curve is drawn
        lines = chart.splitlines()[2:-3]
        return sum(any("\u2800" < char <= "\u28ff" for char in line[-len(line) // 4:]) for line in lines)

    assert rows_used(build_chart({"E": curve}, 60, 20, color=False, log=True)) > rows_used(
        build_chart({"E": curve}, 60, 20, color=False))


def test_g_checks_this_epochs_gradients_even_once_the_update_has_begun():
    from tui_backprop.app.widgets.gradcheck_screen import GradientCheckScreen
    from tui_backprop.core import gradient_check

    async def body(app, pilot):
        start = {symbol: app.stepper.values[symbol] for symbol in app.stepper.program.free}
        await press(pilot, "f", "f", "n", "n")  # two parameters already updated
        assert app.stepper.values["w1"] != start["w1"]
        await press(pilot, "g")
        assert isinstance(app.screen, GradientCheckScreen)
        table = str(app.screen.query_one("#gradients").content)
        rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[1:]}
        checks = gradient_check(app.stepper.program, start)
        assert list(rows) == [check.parameter for check in checks]
        for check in checks:
            assert rows[check.parameter][:2] == [format_number(check.analytic, 10), format_number(check.numeric, 10)]
            assert rows[check.parameter][-1] == "ok"
        await press(pilot, "escape")
        assert not isinstance(app.screen, GradientCheckScreen)

    drive(body)


def test_one_finished_epoch_is_singular_in_the_app():
    from app_driver import screen_text

    async def body(app, pilot):
        await press(pilot, "e")
        assert len(app.stepper.history) == 1
        assert "1 epoch" in screen_text(app) and "1 epochs" not in screen_text(app)
        await press(pilot, "0")
        assert "clears 1 finished epoch and" in screen_text(app)
        await press(pilot, "escape")

    drive(body)
