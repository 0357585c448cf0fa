"""The ASCII fallback: on a real console (TERM=linux) or with --ascii, nothing its font lacks.

The Linux console's font holds ASCII and the old PC set (box lines ┌─┐, shades ░▒▓█, ▄ ▌), but no
braille, no rounded corners and none of the heavy, "tall" or eighth-block lines Textual draws with.
"""

from __future__ import annotations

import pytest

from tui_backprop import cli
from tui_backprop.reports.chart import build_chart

from app_driver import drive, press, screen_text, type_in

# Rounded corners, heavy lines, the tall border's and the scrollbars' eighth blocks.
LACKING = set("╭╮╰╯━┃▔▁▂▃▅▆▇▊▎▏▕")


def lacking(text: str) -> set[str]:
    return {char for char in text if 0x2800 <= ord(char) <= 0x28FF or char in LACKING}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_every_screen_of_the_app_is_drawn_with_what_a_console_font_holds(size):
    seen = []

    async def look(app, pilot):
        await pilot.pause()
        screen = screen_text(app)
        seen.append(screen)
        assert not lacking(screen), (lacking(screen), screen)

    async def body(app, pilot):
        await look(app, pilot)
        await press(pilot, "e", "f", "n", "n", "n")  # the graph at 80×24, lit edges
        await look(app, pilot)
        await press(pilot, "r")
        await type_in(pilot, "300")
        await app.workers.wait_for_complete()
        await press(pilot, "v", "L")  # the chart (at 80×24, v brings it), on a log scale
        await look(app, pilot)
        await press(pilot, "v", "c")  # the history's column chooser
        await look(app, pilot)
        await press(pilot, "escape", "m", "n")
        await look(app, pilot)
        await press(pilot, "m", "w")  # a dialog with an input
        await look(app, pilot)
        await press(pilot, "escape", "z")
        await look(app, pilot)

    drive(body, size=size, ascii=True)
    assert len(seen) == 7 and all("+-" in screen for screen in seen)  # borders drawn in ASCII


def test_without_the_fallback_the_app_draws_braille_and_rounded_corners():
    async def body(app, pilot):
        await press(pilot, "e", "f", "n", "n")
        assert lacking(screen_text(app)) >= {"╭", "╯"}
        assert any(0x2800 <= ord(char) <= 0x28FF for char in screen_text(app))

    drive(body, size=(80, 24))


def test_the_fallback_is_chosen_for_a_linux_console_and_by_a_flag(monkeypatch):
    parser = cli.build_parser()
    monkeypatch.setenv("TERM", "xterm-256color")
    assert not cli.ascii_wanted(parser.parse_args([]))
    assert cli.ascii_wanted(parser.parse_args(["--ascii"]))
    monkeypatch.setenv("TERM", "linux")
    assert cli.ascii_wanted(parser.parse_args([]))


def test_the_chart_marks_its_curves_in_ascii():
    stepper_curves = {"lr 0.5": [0.3, 0.2, 0.1], "lr 1": [0.3, 0.1, 0.05]}
    import plotext

    for color in (True, False):
        chart = build_chart(stepper_curves, 60, 16, color=color, ascii=True)
        assert not lacking(chart) and "** lr 0.5" in plotext.uncolorize(chart)
    assert lacking(build_chart(stepper_curves, 60, 16, color=False))  # braille, for the first curve
