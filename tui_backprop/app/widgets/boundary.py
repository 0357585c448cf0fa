"""The decision boundary: the plane of a two-input network's inputs, each cell shaded by its output.

As TensorFlow Playground draws it: the plane spans the samples (train and test) with a margin;
every cell is filled by what the network outputs at its centre (`Program.predict`, the core's
own forward pass, with the stepper's current parameters).  With one output the fill is a shade
from the lowest target to the highest (░ ▒ ▓ █); with several, each cell takes the winning
class's fill.  Colour adds to the shades but never replaces them, so the view reads the same
with NO_COLOR and when `train --plot` prints it through a pipe.  The samples are drawn on top:
training samples filled (● ■ ▲ …), test samples hollow (○ □ △ …), by class.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from rich.style import Style
from rich.text import Text
from textual.events import Click
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive

from ...core import Stepper
from ...core.expr import format_number
from ...core.text import printable
from .line_panel import LinePanel, set_border_titles
from .neurons import NeuronPictures, hidden_neurons, layout

# One output: from the lowest target (blank) to the highest (full).
SHADES = " ░▒▓█"
# Several outputs: one fill per class (cycled beyond eight).
CLASS_FILLS = "░▓▒█:+=#"
TRAIN_MARKS, TEST_MARKS = "●■▲◆★✚", "○□△◇☆✜"
# Colours of the shades (low to high) and of the classes, readable on dark and light themes.
SHADE_COLOURS = ("#3b6ea5", "#7fa7cf", "#a0a0a0", "#e8a860", "#d9731e")
CLASS_COLOURS = ("#3b6ea5", "#d9731e", "#4c9a4c", "#c0392b", "#8e6bbf", "#8c6d4f", "#c76bad", "#7f7f7f")
MARGIN = 0.1


@dataclass(frozen=True)
class Plane:
    """The part of the input plane on show: columns × rows cells over [x0, x1] × [y0, y1]."""

    x0: float
    x1: float
    y0: float
    y1: float
    columns: int
    rows: int

    @classmethod
    def around(cls, points, columns: int, rows: int) -> Plane:
        """The samples' range with a margin on every side (±1 around a single value)."""
        xs, ys = [p[0] for p in points], [p[1] for p in points]

        def span(values):
            low, high = min(values), max(values)
            pad = (high - low) * MARGIN if high > low else 1.0
            return low - pad, high + pad

        (x0, x1), (y0, y1) = span(xs), span(ys)
        return cls(x0, x1, y0, y1, columns, rows)

    def centre(self, column: int, row: int) -> tuple[float, float]:
        """The point a cell stands for; row 0 is the top, the highest second input."""
        x = self.x0 + (column + 0.5) * (self.x1 - self.x0) / self.columns
        y = self.y1 - (row + 0.5) * (self.y1 - self.y0) / self.rows
        return x, y

    def cell(self, x: float, y: float) -> tuple[int, int]:
        column = int((x - self.x0) / (self.x1 - self.x0) * self.columns)
        row = int((self.y1 - y) / (self.y1 - self.y0) * self.rows)
        return min(max(column, 0), self.columns - 1), min(max(row, 0), self.rows - 1)


def sample_class(targets) -> int:
    """A sample's class: its largest target with several outputs, its target's half with one."""
    if len(targets) > 1:
        return max(range(len(targets)), key=lambda k: targets[k])
    return int(targets[0] >= 0.5)


def boundary_refusal(net) -> str | None:
    """Why the decision boundary of `net` would mean nothing, or None: it needs two inputs (a plane) and
    samples of at least two classes (a single sample, as in the worked examples, has nothing to separate)."""
    if net.sizes[0] != 2:
        return f"The decision boundary needs a network with two inputs; {printable(net.name)} has {net.sizes[0]}."
    samples = tuple(net.samples) + tuple(getattr(net, "test_samples", ()))
    if len({sample_class(sample.targets) for sample in samples}) < 2:
        held = "its one sample is" if len(samples) == 1 else f"its {len(samples)} samples are all"
        return (f"No decision boundary: it shows where a network separates classes, and {held} of one class "
                f"({printable(net.name)} would need samples of two).")
    return None


class Boundary:
    """The network's outputs over a plane, as fills; built once per drawing."""

    def __init__(self, stepper: Stepper, columns: int, rows: int, test_samples=(), values=None):
        """`values`: the parameters to draw with, if not the stepper's own (a run's latest)."""
        net = stepper.net
        self.net, self.samples, self.test_samples = net, tuple(net.samples), tuple(test_samples)
        self.outputs = net.sizes[-1]
        points = [s.inputs for s in self.samples + self.test_samples]
        self.plane = Plane.around(points, columns, rows)
        targets = [t for s in self.samples for t in s.targets]
        self.low, self.high = (min(targets), max(targets)) if max(targets) > min(targets) else (0.0, 1.0)
        self.program, self.env = stepper.program, stepper.values if values is None else values

    def with_rows(self, rows: int) -> Boundary:
        """The same plane on fewer rows (before any cell is worked out), to leave room for the legend."""
        return self.with_size(self.plane.columns, rows)

    def with_size(self, columns: int, rows: int) -> Boundary:
        """The same plane on other cells (before any cell is worked out): room for the legend, the neurons."""
        self.plane = replace(self.plane, columns=columns, rows=rows)
        return self

    @cached_property
    def kinds(self) -> list[list[int]]:
        """Each cell's fill, row by row: one forward pass of the core per cell."""
        plane, program, env = self.plane, self.program, self.env
        return [[self.kind(program.predict(env, plane.centre(c, r))) for c in range(plane.columns)]
                for r in range(plane.rows)]

    def kind(self, outputs) -> int:
        """A cell's fill: the shade of its output (one output) or its winning class (several)."""
        if self.outputs > 1:
            return max(range(len(outputs)), key=lambda k: outputs[k])
        value = outputs[0]
        if value != value:  # a diverged network: NaN shows as blank
            return 0
        share = (value - self.low) / (self.high - self.low)
        return min(max(round(share * (len(SHADES) - 1)), 0), len(SHADES) - 1)

    def fill(self, kind: int) -> tuple[str, str]:
        if self.outputs > 1:
            return CLASS_FILLS[kind % len(CLASS_FILLS)], CLASS_COLOURS[kind % len(CLASS_COLOURS)]
        return SHADES[kind], SHADE_COLOURS[kind]

    def marks(self) -> dict[tuple[int, int], tuple[str, int]]:
        """Where each sample is drawn: cell -> (mark, class); a test sample never hides a training one."""
        drawn = {}
        for samples, marks in ((self.test_samples, TEST_MARKS), (self.samples, TRAIN_MARKS)):
            for sample in samples:
                k = sample_class(sample.targets)
                drawn[self.plane.cell(*sample.inputs[:2])] = (marks[k % len(marks)], k)
        return drawn

    def lines(self, colour: bool = True) -> list[Text]:
        """The plane as lines of text: shades (coloured when `colour`), the samples on top."""
        marks = self.marks()
        lines = []
        for r, row in enumerate(self.kinds):
            line = Text()
            for c, kind in enumerate(row):
                char, fill = self.fill(kind)
                if (c, r) in marks:
                    mark, _ = marks[(c, r)]
                    line.append(mark, style=Style(bold=True, color="#ffffff", bgcolor=fill) if colour else "bold")
                else:
                    # coloured, a cell is a block of its colour; the shade glyph is what NO_COLOR shows
                    line.append(char, style=Style(color=fill, bgcolor=fill) if colour else "")
            lines.append(line)
        return lines

    def legend(self) -> list[str]:
        names = self.net.names
        plane = self.plane
        axes = (f"{names.neuron(0, 0)} {format_number(plane.x0, 3)}…{format_number(plane.x1, 3)} →, "
                f"{names.neuron(0, 1)} {format_number(plane.y0, 3)}…{format_number(plane.y1, 3)} ↑")
        if self.outputs > 1:
            fills = "  ".join(f"{self.fill(k)[0]} {names.neuron(self.net.depth, k)}" for k in range(self.outputs))
        else:
            fills = (f"{SHADES[1]}{SHADES[2]}{SHADES[3]}{SHADES[4]} a_{names.neuron(self.net.depth, 0)} "
                     f"{format_number(self.low, 3)} → {format_number(self.high, 3)}")
        classes = max(self.outputs, 2)
        samples = f"{' '.join(TRAIN_MARKS[:classes])} train"
        if self.test_samples:
            samples += f", {' '.join(TEST_MARKS[:classes])} test"
        samples += f" ({names.target(0, 0).split('[')[0]} < ½, ≥ ½)" if self.outputs == 1 else " (by class)"
        return [fills, samples, axes]


def boundary_text(stepper: Stepper, columns: int = 60, rows: int = 20, test_samples=()) -> str:
    """The plane as plain text with shades, for `train --plot` (works piped)."""
    boundary = Boundary(stepper, columns, rows, test_samples)
    return "\n".join([line.plain.rstrip() for line in boundary.lines(colour=False)] + packed(boundary.legend(), columns))


def packed(pieces: list[str], width: int) -> list[str]:
    """Pieces of a legend on as few lines of `width` as they fit."""
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + 3 + len(piece) <= width:
            lines[-1] += "   " + piece
        else:
            lines.append(piece)
    return lines


class BoundaryView(LinePanel):
    """The decision boundary of the stepper's network as it is now, with every hidden neuron's picture
    beside it (two inputs and hidden layers); redrawn on every change."""

    # The hidden neuron whose picture is shown enlarged (the app binds it to its selection), and the
    # page of small pictures on show when they do not all fit.
    selected: reactive[str | None] = reactive(None, repaint=False, init=False)
    page: reactive[int] = reactive(0, repaint=False, init=False)

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(**kwargs)
        self.boundary: Boundary | None = None
        self.pages = 1
        # What the neurons' pictures showed last: name -> (the plane, its lines as plain text)
        self.neuron_pictures: dict[str, tuple[Plane, list[str]]] = {}
        self._running_values: dict[str, float] | None = None  # a run's latest parameters, while it runs
        self._tiles: list[tuple[Region, str]] = []  # where each small picture is, for clicks
        self.stepper = stepper

    class Selected(Message):
        """The user clicked a hidden neuron's small picture."""

        def __init__(self, neuron: str):
            super().__init__()
            self.neuron = neuron

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            for region, name in self._tiles:
                if region.contains(offset.x + self.scroll_offset.x, offset.y + self.scroll_offset.y):
                    self.post_message(self.Selected(name))

    def watch_stepper(self) -> None:
        self._running_values = None
        if self.display:  # hidden, it skips its forward passes
            self.retitle()
            self.redraw()

    def watch_selected(self) -> None:
        if self.display:
            self.redraw()

    def watch_page(self) -> None:
        if self.display:
            self.redraw()

    def turn_page(self, pages: int) -> None:
        self.page = min(max(self.page + pages, 0), self.pages - 1)

    def on_show(self) -> None:
        self.retitle()  # another network may have been opened while it was hidden

    def retitle(self) -> None:
        stepper = self.stepper
        # what it is first: a narrow panel cuts the end of its title, and the network's name is long
        set_border_titles(self, f"decision boundary · {printable(stepper.net.name)}", f"epoch {stepper.epoch:,}")

    def show_run(self, values: dict[str, float]) -> None:
        """Redraw with the parameters a run has reached (a copy taken between its chunks)."""
        self._running_values = values
        if self.display:
            self.redraw()

    def draw(self, width: int, height: int) -> list[Text]:
        refusal = boundary_refusal(self.stepper.net)
        self.neuron_pictures = {}
        self._tiles = []
        if refusal:
            self.boundary = None
            self._paged(1)
            return list(Text(refusal).wrap(self.app.console, max(width, 1)))
        net = self.stepper.net
        width = max(width, 1)
        boundary = Boundary(self.stepper, width, height, getattr(net, "test_samples", ()), self._running_values)
        colour = not self.app.no_color  # NO_COLOR: the shades alone
        neurons = hidden_neurons(net)
        selected = next((n for n in neurons if n.name == self.selected), None)
        legend = packed(boundary.legend(), width)
        pictures = NeuronPictures(self.stepper.program, boundary.env, boundary.plane)
        # the neurons' legend takes the lines the longest it could be takes (its numbers are worked out last)
        widest_notes = pictures.widest_legend()
        widest_notes.append(f"{neurons[-1].name}…{neurons[-1].name} of {len(neurons)} (pgup pgdn)" if neurons else "")
        rows = height - len(packed(boundary.legend() + widest_notes, width))
        place = layout(width, rows, len(neurons), selected is not None) if neurons else None
        if place is None and selected:  # no room to enlarge it: the small pictures alone
            selected, place = None, layout(width, rows, len(neurons), False)
        if place is None:
            self._paged(1)
            self.boundary = boundary.with_rows(max(height - len(legend), 1))
            return boundary.lines(colour) + [Text(line, style="dim") for line in legend]
        self._paged(-(-len(neurons) // place.per_page))
        shown = neurons[self.page * place.per_page:(self.page + 1) * place.per_page]
        side, scales = pictures.side(place, shown, selected, colour)
        self.neuron_pictures = pictures.drawn
        self._tiles = [(region.translate((place.output_width + 1, 0)), name) for region, name in pictures.tiles]
        self.boundary = boundary.with_size(place.output_width, place.rows)
        output = boundary.lines(colour)
        top = []
        for y in range(place.rows):
            line = output[y].copy() if y < len(output) else Text(" " * place.output_width)
            line.append(" ")
            if y < len(side):
                line.append_text(side[y])
            top.append(line)
        notes = pictures.legend(scales)
        if self.pages > 1:
            notes.append(f"{shown[0].name}…{shown[-1].name} of {len(neurons)} (pgup pgdn)")
        return top + [Text(line, style="dim") for line in packed(boundary.legend() + notes, width)]

    def _paged(self, pages: int) -> None:
        """The number of pages of small pictures; the footer shows the page keys only while there are two."""
        if pages != self.pages:
            self.pages = pages
            self.set_reactive(BoundaryView.page, min(self.page, pages - 1))  # drawing now: no redraw
            self.screen.refresh_bindings()
