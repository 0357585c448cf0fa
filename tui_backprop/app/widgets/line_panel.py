"""A panel drawn as lines of Rich text that repaints only the lines that change.

The diagram, the operation, the values table, the matrix view and the decision
boundary show the app's stepper (a reactive the app binds them to) and are
redrawn on every keypress.
Drawn through `render()`, Textual would convert and restyle every line of each
(about 11 ms of a 17 ms keypress); one step changes only a few lines.  So these
panels give Textual their lines one at a time (its Line API), compare each new
line with the one on screen, and refresh only the lines that differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip

from ...core import Stepper


def set_border_titles(widget, title: str, subtitle: str = "") -> None:
    """A panel's border title and subtitle; set only on a change, since setting either repaints the panel.

    As Content, never markup: a title holds the network's name, which comes from a file
    (they read back as markup, hence the comparison with .markup)."""
    title, subtitle = Content(title), Content(subtitle)
    if (widget.border_title or "") != title.markup:
        widget.border_title = title
    if (widget.border_subtitle or "") != subtitle.markup:
        widget.border_subtitle = subtitle


class AsciiScrollBarRender(ScrollBarRender):
    """A scrollbar drawn in whole cells: the eighths of a cell (▁ … ▇) are not in a real console's font."""

    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


def ascii_scrollbars(widget) -> None:
    """With --ascii, a scrolling widget's scrollbars draw in whole cells (a scrollbar takes its renderer)."""
    if getattr(widget.app, "ascii", False):
        widget.vertical_scrollbar.renderer = widget.horizontal_scrollbar.renderer = AsciiScrollBarRender


class LinePanel(ScrollView, can_focus=False):
    """Subclasses say what to show of `stepper` in `draw`; each change of it draws again.

    Lines beyond the panel scroll (with the mouse wheel; the arrow keys stay the
    app's), and the panel scrolls by itself to keep `spot` in sight.  Not
    focusable, so the app's keys keep stepping.
    """

    DEFAULT_CSS = """
    LinePanel {
        scrollbar-size-vertical: 1;
    }
    """

    # A panel whose text is longer at some steps than at others keeps the height of the longest it has
    # drawn at this size: a virtual size that changes with a step lays the whole screen out again (the
    # operation panel's did at a large network, three or four full redraws a key).
    keeps_height = False

    # Data-bound to the app's: set to another stepper, or mutated in place by a step (the app's
    # mutate_reactive reaches the watcher with the same stepper).  repaint=False: only the changed
    # lines repaint.  No watcher call before a stepper is set (init=False).
    stepper: reactive[Stepper | None] = reactive(None, repaint=False, init=False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}  # rendered lines, by line number
        self._styles: dict[str, Style] = {}  # span styles, resolved
        self._base_style: Style | None = None
        self._drawn_for: Size | None = None  # the viewport the lines were drawn for; None: draw afresh
        self._kept_height: tuple[Size | None, int] = (None, 0)  # (the panel's size, lines): see keeps_height
        # What to keep in sight, in lines and columns: the current entry, with what heads it if that fits.
        self.spot: Region | None = None

    def on_mount(self) -> None:
        ascii_scrollbars(self)

    def draw(self, width: int, height: int) -> Sequence[Text]:
        """The panel's lines for a viewport of this size; more than `height` lines scroll.

        A list, or for a long panel a sequence that lays out each line when it is read and
        says its `width`: the panel reads only the lines in view."""
        raise NotImplementedError

    def style(self, style: str | Style) -> Style:
        """A span's style.  Written as words, it may mix Rich style words and component classes
        (declared in COMPONENT_CLASSES), so that `draw` needs no app to run."""
        if not isinstance(style, str):
            return style
        if style not in self._styles:
            resolved = Style()
            for word in style.split():
                resolved += self.get_component_rich_style(word) if word in self.COMPONENT_CLASSES else Style.parse(word)
            self._styles[style] = resolved
        return self._styles[style]

    def strip(self, line: Text) -> Strip:
        """A line as segments over the panel's colours."""
        plain, style = line.plain, self.style
        under = self.base_style + style(line.style)
        segments, at = [], 0
        # Lines are built by appending, so their spans come in order without overlapping;
        # cutting along them is several times quicker than Rich's general render.
        for span in line.spans:
            if span.start < at:  # overlapping spans: Rich sorts them out
                styled = Text(plain, style=under, spans=[span._replace(style=style(span.style)) for span in line.spans])
                return Strip(styled.render(self.app.console), line.cell_len)
            if span.start > at:
                segments.append(Segment(plain[at:span.start], under))
            if span.end > span.start:
                segments.append(Segment(plain[span.start:span.end], under + style(span.style)))
            at = span.end
        if at < len(plain):
            segments.append(Segment(plain[at:], under))
        return Strip(segments, line.cell_len)

    @property
    def base_style(self) -> Style:
        """The panel's own colours, under every line.  Kept, because Textual works it out
        again after every refresh, and this one holds until the styles change."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def watch_stepper(self, old: Stepper | None, stepper: Stepper | None) -> None:
        """`old is stepper` after a step; otherwise another network may be on show (the subclasses
        work out again what they keep of it)."""
        self.redraw()

    def redraw(self) -> None:
        """Draw again and refresh only the lines that differ from the ones on screen."""
        if self._drawn_for != self.scrollable_content_region.size:
            self.refresh()  # never drawn at this size: render_line draws it all
            return
        old = self._draw()
        new = self._lines
        # Only the lines in view are compared (and so drawn): the others lose their rendering and
        # are drawn afresh if they come into view.
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        self._strips = {y: strip for y, strip in self._strips.items() if top <= y < bottom}
        changed = [y for y in range(top, min(bottom, max(len(old), len(new))))
                   if y >= len(old) or y >= len(new) or old[y] != new[y]]
        for y in changed:
            self._strips.pop(y, None)
        # one refresh per run of consecutive changed lines
        for _, run in groupby(enumerate(changed), lambda numbered: numbered[1] - numbered[0]):
            lines = [y for _, y in run]
            self.refresh_lines(lines[0], len(lines))
        self._follow_spot()

    def _draw(self) -> list[Text]:
        """Draw for the current viewport; returns the lines drawn before."""
        size = self.scrollable_content_region.size
        old, self._lines = self._lines, self.draw(size.width, size.height)
        self._drawn_for = size
        # Setting the virtual size lays the whole screen out again, and only a size beyond the
        # viewport matters (it brings the scrollbars): lines that fit leave it alone.
        widest = getattr(self._lines, "width", None)
        if widest is None:
            widest = max((line.cell_len for line in self._lines), default=0)
        height = len(self._lines)
        if self.keeps_height:  # kept for the panel's place on screen, which its scrollbar does not change
            kept_for, kept = self._kept_height
            height = max(height, kept) if kept_for == self.region.size else height
            self._kept_height = (self.region.size, height)
        beyond = widest > size.width or height > size.height
        self.virtual_size = Size(max(widest, size.width), max(height, size.height)) if beyond else Size(0, 0)
        return old

    def forget_height(self) -> None:
        """Another network on show: the height kept for `keeps_height` goes."""
        self._kept_height = (None, 0)

    def _follow_spot(self) -> None:
        """Keep `spot` in sight: when it is not, scroll its top line to the top of the panel (so that
        what follows it shows too), or, taller than the panel, its last line to the bottom."""
        if self.spot is None:
            return
        spot, (left, top) = self.spot, self.scroll_offset
        width, height = self.scrollable_content_region.size
        if Region(left, top, width, height).contains_region(spot):
            return
        y = spot.y if spot.height <= height else spot.bottom - height
        x = min(max(left, spot.right - width), spot.x)  # as little sideways as will show it
        self.scroll_to(x=x, y=y, animate=False, immediate=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # A new theme or layout: the styles resolve again and every line is drawn afresh.
        self._styles.clear()
        self._base_style = None
        self._strips.clear()
        self._drawn_for = None

    def render_line(self, y: int) -> Strip:
        if self._drawn_for != self.scrollable_content_region.size:
            self._strips.clear()
            self._draw()
            self.call_later(self._follow_spot)  # not while the screen is being drawn
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.base_style
        number = scroll_y + y
        strip = self._strips.get(number)
        if strip is None:
            if number < len(self._lines):
                strip = self.strip(self._lines[number])
            else:
                strip = Strip.blank(width, base)
            self._strips[number] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base)
