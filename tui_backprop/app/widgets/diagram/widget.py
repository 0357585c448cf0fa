"""The diagram's widget: the form that fits (picture, graph, list or summary), its header, and the
canvas turned into styled lines; a click names the symbol under it."""

from __future__ import annotations

from rich.text import Span, Text
from textual.events import Click
from textual.message import Message

from ....core.stepper import Stepper
from ....core.text import printable
from ..line_panel import LinePanel, set_border_titles
from .canvas import BOX, Canvas
from .graph import draw_graph
from .listing import Listing
from .picture import draw_picture
from .scene import NetworkFacts, Scene
from .summary import draw_summary

MAX_NEURONS, MAX_LAYERS = 8, 6
# Styles by highlight role.  The colours are theme variables in DEFAULT_CSS; the
# current operation is also reversed, which survives NO_COLOR (and component
# classes cannot carry reverse).
TEXT_STYLES = {"current": ("diagram--current", "reverse"), "read": ("diagram--read",),
               "route": ("diagram--route",), None: ()}
LINE_STYLES = {"current": ("diagram--current-line",), "read": ("diagram--read-line",),
               "route": ("diagram--route-line",), None: ("diagram--line",)}
BLANK_STYLE = ("diagram--blank",)
SIGN_STYLES = {1: ("diagram--positive-line",), -1: ("diagram--negative-line",)}


def draw_body(scene: Scene, width: int, height: int, pan: tuple[int, int] = (0, 0)) -> tuple[Canvas, list[str], bool]:
    """The picture if it fits, else the list, else the summary; with notes for the header and
    whether to centre it.  `pan` (columns, rows) moves the list and the summary off what is lit."""
    picture = draw_picture(scene, width, height)
    if picture is not None:
        return picture, [], True
    graph = draw_graph(scene, width, height)
    if graph is not None:
        return graph, [], False
    net = scene.net
    if max(net.sizes) > MAX_NEURONS or len(net.sizes) > MAX_LAYERS:
        return draw_summary(scene, width, height, pan[1]), [], False
    listing = Listing.best(scene, width)
    first, last = listing.window(width, pan[0])
    body, cut = listing.draw(first, last, height, pan[1])
    notes = []
    if first > 0 or last < len(listing.columns) - 1:
        notes.append(f"columns {first + 1}–{last + 1} of {len(listing.columns)}")
    if cut:
        notes.append("more ▲▼ (shift+arrows)")
    return body, notes, False


def draw_header(scene: Scene, notes: list[str], width: int) -> Canvas:
    """The current operation and shown sample on the left, the notes on the right.

    When space is short the phase counter goes first, then the notes, first ones first.
    """
    pieces = scene.header()

    def fits() -> bool:
        return sum(len(text) for text, _ in pieces) + sum(2 + len(note) for note in notes) <= width

    if not fits() and notes:
        pieces = pieces[1:]
    while not fits() and notes:
        notes = notes[1:]
    header, x = Canvas(), 0
    for text, symbol in pieces:
        x = header.text(x, 0, text, symbol, scene.elements_of(symbol) if symbol else ())
    if notes:
        note = "  ".join(notes)
        header.text(max(x + 2, width - len(note)), 0, note, None)
    return header


# ---------------------------------------------------------------------------
# The widget


class NetworkDiagram(LinePanel):
    """The network with its current values; the current operation lit with what it reads."""

    COMPONENT_CLASSES = {
        "diagram--current", "diagram--read", "diagram--route", "diagram--blank",
        "diagram--line", "diagram--current-line", "diagram--read-line", "diagram--route-line",
        "diagram--positive-line", "diagram--negative-line",
    }
    DEFAULT_CSS = """
    NetworkDiagram {
        height: 1fr;
        overflow: hidden;  /* drawn to fit: the list form scrolls itself to what is lit */
    }
    NetworkDiagram > .diagram--current { text-style: bold; color: $text-accent; }
    NetworkDiagram > .diagram--read { text-style: bold underline; color: $text-primary; }
    NetworkDiagram > .diagram--route { text-style: bold; color: $text-success; }
    NetworkDiagram > .diagram--blank { color: $text-muted; }
    NetworkDiagram > .diagram--line { color: $text-muted; }
    NetworkDiagram > .diagram--current-line { text-style: bold; color: $text-accent; }
    NetworkDiagram > .diagram--read-line { text-style: bold; color: $text-primary; }
    NetworkDiagram > .diagram--route-line { text-style: bold; color: $text-success; }
    NetworkDiagram > .diagram--positive-line { color: #5b8fc7; }
    NetworkDiagram > .diagram--negative-line { color: #d9731e; }
    """

    class Selected(Message):
        """The user clicked a neuron, an edge or a bias: `symbol`, and the drawn element it belongs to
        (a neuron's name for its sum, output, target or error: h1, o2; a parameter's; or None)."""

        def __init__(self, symbol: str, element: str | None = None):
            super().__init__()
            self.symbol = symbol
            self.element = element

    def __init__(self, stepper: Stepper | None = None, **kwargs):
        super().__init__(**kwargs)
        self._facts: NetworkFacts | None = None
        self._clicks: tuple[Canvas, int] | None = None  # the body drawn last, and its first row
        self._pan = (0, 0)  # the user's scroll off what is lit, in layer columns and lines, until the next step
        if stepper is not None:
            self.stepper = stepper

    def scene(self) -> Scene:
        try:
            ascii = getattr(self.app, "ascii", False)
        except RuntimeError:  # drawn outside an app (Textual's NoActiveAppError): as on any terminal
            ascii = False
        return Scene(self.stepper, self._facts, ascii)

    def watch_stepper(self, old: Stepper | None, stepper: Stepper) -> None:
        if stepper is not old:  # another network
            self._facts = NetworkFacts(stepper.program)
            set_border_titles(self, f"{printable(stepper.net.name)} · {'-'.join(map(str, stepper.net.sizes))}")
        self._pan = (0, 0)  # a step brings the current operation back into view
        self.redraw()

    def scroll_by(self, columns: int, rows: int) -> None:
        """Move the view over what does not fit (the list's layer columns and lines, the summary's reads)."""
        before, pan = self._lines, self._pan
        self._pan = (pan[0] + columns, pan[1] + rows)
        self.redraw()
        if self._lines == before:  # already at the end that way: keep the pan there
            self._pan = pan

    @property
    def highlights(self) -> dict[str, str]:
        """Lit elements (neuron, weight or bias names, E_total, lr) -> 'current', 'read' or 'route'."""
        return self.scene().highlights if self.stepper else {}

    def draw(self, width: int, height: int) -> list[Text]:
        """The header line, then the body: the picture if it fits, else the list or the summary."""
        if self.stepper is None:
            return []
        scene = self.scene()
        body_height = max(height - 1, 1)
        body, notes, centred = draw_body(scene, width, body_height, self._pan)
        header = draw_header(scene, notes, width)
        top = 1 + (max(0, (body_height - body.height) // 2) if centred else 0)
        rows = [(header, 0)] + [(None, 0)] * (top - 1) + [(body, y) for y in range(min(body.height, body_height))]
        styles = {id(canvas): [self.item_style(scene, *item) for item in canvas.items] for canvas in (header, body)}
        self._clicks = (body, top)
        return [self.row(canvas, scene, styles[id(canvas)], y, width) if canvas else Text() for canvas, y in rows]

    @staticmethod
    def item_style(scene: Scene, symbol: str | None, elements, whole: bool = False) -> tuple[str, ...]:
        role = scene.line_role(elements) if whole else scene.text_role(symbol, elements)
        if role is None and symbol is not None and symbol not in scene.values:
            return BLANK_STYLE  # not computed yet this epoch
        return TEXT_STYLES[role]

    def row(self, canvas: Canvas, scene: Scene, item_styles: list, y: int, width: int) -> Text:
        """One line of the drawing, styled by each cell's role."""
        chars, spans = [], []
        run_style, run_start = (), 0
        for x in range(min(canvas.width, width)):
            cell = canvas.texts.get((x, y))
            if cell is not None:
                char, item = cell
                style = item_styles[item]
            elif (x, y) in canvas.lines:
                up, down, left, right, elements = canvas.lines[(x, y)]
                char = BOX[(up, down, left, right)]
                style = LINE_STYLES[scene.line_role(elements)]
            elif (x, y) in canvas.dots:
                bits, elements = canvas.dots[(x, y)]
                signs = canvas.signs.get((x, y), ())
                char = bits if canvas.ascii else chr(0x2800 + bits)
                role = scene.line_role(elements)
                # an unlit edge's colour adds its weight's sign (as in Playground) to its dashes
                style = SIGN_STYLES[next(iter(signs))] if role is None and len(signs) == 1 else LINE_STYLES[role]
            else:
                char, style = " ", ()
            if style != run_style:
                if run_style:
                    spans.append((run_start, len(chars), run_style))
                run_style, run_start = style, len(chars)
            chars.append(char)
        if run_style:
            spans.append((run_start, len(chars), run_style))
        text = "".join(chars).rstrip()
        return Text(text, spans=[Span(start, min(end, len(text)), " ".join(names))
                                 for start, end, names in spans if start < len(text)])

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._clicks is None:
            return
        canvas, top = self._clicks
        symbol = canvas.symbol_at(offset.x, offset.y - top)
        if symbol:
            self.post_message(self.Selected(symbol, self._facts.element(symbol)))
