"""LinePanel: lines with component classes and Rich styles become the right segments."""

from __future__ import annotations

import asyncio

import pytest
from rich.style import Style
from rich.text import Span, Text
from textual.app import App

from tui_backprop.app.widgets.line_panel import LinePanel


class Marked(LinePanel):
    COMPONENT_CLASSES = {"marked--mark"}
    DEFAULT_CSS = "Marked > .marked--mark { color: red; text-style: italic; }"

    def __init__(self, lines: list[Text]):
        super().__init__()
        self.shown = lines

    def draw(self, width: int, height: int) -> list[Text]:
        return self.shown


def cell_styles(panel: LinePanel, line: Text) -> list[tuple[str, Style]]:
    """Each character with the style it is drawn in."""
    return [(char, segment.style) for segment in panel.strip(line) for char in segment.text]


def run(lines: list[Text], check) -> None:
    class Host(App):
        def compose(self):
            yield Marked(lines)

    async def main():
        app = Host()
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            check(app, app.query_one(Marked))

    asyncio.run(main())


@pytest.mark.parametrize("spans", [
    [Span(0, 2, "bold"), Span(4, 6, "marked--mark underline")],  # in order, apart: cut directly
    [Span(0, 4, "bold"), Span(2, 6, "marked--mark")],  # overlapping: Rich renders it
    [Span(3, 6, "bold"), Span(0, 2, "underline")],  # out of order
])
def test_segments_carry_each_characters_style(spans):
    line = Text("abcdefgh", spans=spans)

    def check(app, panel):
        base = panel.rich_style
        mark = panel.get_component_rich_style("marked--mark")
        drawn = cell_styles(panel, line)
        assert "".join(char for char, _ in drawn) == "abcdefgh"
        for n, (char, style) in enumerate(drawn):
            expected = base
            for span in spans:
                if span.start <= n < span.end:
                    for word in span.style.split():
                        expected += mark if word == "marked--mark" else Style.parse(word)
            assert style == expected, char
        assert mark.italic and mark.color is not None

    run([line], check)


def test_the_panel_shows_its_lines_and_scrolls_beyond_them():
    lines = [Text(f"line {n}") for n in range(30)]

    def check(app, panel):
        assert panel.render_line(0).text.startswith("line 0")
        assert panel.max_scroll_y == 30 - panel.scrollable_content_region.height

    run(lines, check)
