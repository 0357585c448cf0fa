"""Nothing the screen says is cut: at 80×24 and with long names, each text fits, wraps or is shortened whole."""

from __future__ import annotations

from conftest import REPO

from tui_backprop.core import load_network

from app_driver import drive, press, screen_text, widget_text


def panel_lines(app, widget) -> list[str]:
    region = widget.content_region
    return [line[region.x:region.right].rstrip() for line in screen_text(app).split("\n")[region.y:region.bottom]]


def test_a_long_network_at_80x24_cuts_no_title_header_or_column():
    """The spiral (names up to h2_8[160], 28,051 operations an epoch): the values table's last column, the
    operation header's step count and the decision boundary's title, whole."""
    net = load_network(REPO / "examples" / "playground-spiral.toml")

    async def body(app, pilot):
        await press(pilot, "n", "n")
        assert "target" in panel_lines(app, app.panels["values"])[0].split()
        operation = panel_lines(app, app.panels["operation"])
        steps = len(app.stepper.program)
        assert operation[0].endswith(f"2/{steps}") and operation[1].startswith("a_h1_1[1] = ")
        await press(pilot, "b")
        assert "decision boundary" in screen_text(app).split("\n")[0]

    drive(body, network=net, size=(80, 24))
    # At the end of the epoch, the five-digit count still sits on the header's line.

    async def finished(app, pilot):
        await press(pilot, "e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        steps = len(app.stepper.program)
        first = panel_lines(app, app.panels["operation"])[0]
        assert first.endswith(f"{steps}/{steps}"), first

    drive(finished, network=net, size=(100, 30))


def test_the_edit_dialog_names_every_editable_value_and_the_matrix_header_wraps():
    async def body(app, pilot):
        await press(pilot, "w")
        text = " ".join(screen_text(app).split())
        symbols = app.stepper.free_symbols()
        listed = text.split("editable:", 1)[1]
        assert all(f" {symbol}," in listed or f" {symbol} " in listed for symbol in symbols), listed
        await press(pilot, "escape", "m", "e", "f", "f", "n", "n", "n")
        matrix = widget_text(app, app.panels["matrix"])
        assert "w3: (2,1) of new W⁽¹⁾" in matrix and "…" not in matrix.split("┌")[0]

    drive(body, size=(80, 24))
