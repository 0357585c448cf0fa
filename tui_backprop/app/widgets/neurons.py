"""Every hidden neuron's picture: its output over the decision boundary's plane, as TensorFlow Playground
draws one beside each neuron.

Each cell is filled by what the neuron outputs at the cell's centre (`Program.neuron_outputs`, the core's
forward pass, the same one the output's picture takes), with the same parameters as the output's picture
(a run's latest while `r` runs).  The fill reads without colour: a positive output in block shades
(░ ▒ ▓ █), a negative one in marks (· : = #), each the darker the larger it is; colour (blue for
positive, orange for negative, as Playground) adds to the shades but never replaces them.  A layer's
pictures share one scale: its activation's range where it has one (sigmoid 0…1, tanh −1…1), else the
largest |output| the layer's pictures show (ReLU).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.geometry import Region

from ...core.expr import format_number

if TYPE_CHECKING:
    from .boundary import Plane

POSITIVE_SHADES, NEGATIVE_SHADES = " ░▒▓█", " ·:=#"
POSITIVE_COLOURS = ("#c9d9ea", "#93b5d8", "#5b8fc7", "#2f64a3")
NEGATIVE_COLOURS = ("#f3d2b3", "#eba970", "#d9731e", "#a4520f")
# Each activation's outputs lie in (low, high): a layer of it is shaded on that range.
BOUNDS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
# format_number(·, 3) writes hardly any number wider (−1.23e-10): the legend keeps room for it
WIDEST_NUMBER = -1.234e-10
# A small picture's rows: as tall as lets every one show, else 2 and paged; as characters are about twice
# as tall as wide, twice as many columns.
TILE_ROWS_TRIED = (3, 2)
MIN_BIG_ROWS = 3  # the selected neuron's picture is shown enlarged when it can have at least these rows
MIN_OUTPUT_COLUMNS = 12  # the output's picture beside the neurons' keeps at least these columns


@dataclass(frozen=True)
class Neuron:
    name: str  # h1, h2_3
    layer: int
    index: int  # its place in Program.neuron_outputs' list


def hidden_neurons(net) -> list[Neuron]:
    """The hidden neurons, layer by layer, with their place among every neuron's outputs."""
    neurons, place = [], 0
    for layer in range(1, net.depth):
        for j in range(net.sizes[layer]):
            neurons.append(Neuron(net.names.neuron(layer, j), layer, place))
            place += 1
    return neurons


@dataclass(frozen=True)
class Layout:
    """Where the output's picture and the hidden neurons' pictures go in a panel (see `layout`)."""

    output_width: int  # the output's picture: columns, and `rows` rows
    rows: int
    tile_rows: int  # a small picture's rows (and twice as many columns), under its name
    per_row: int  # small pictures side by side, and rows of them
    tile_lines: int
    big_rows: int  # the selected neuron's picture, under its name, above the small ones: 0 without one
    side_width: int

    @property
    def tile_columns(self) -> int:
        return 2 * self.tile_rows

    @property
    def per_page(self) -> int:
        return self.per_row * self.tile_lines


def layout(width: int, rows: int, count: int, selected: bool) -> Layout | None:
    """The output's picture on the left and `count` small pictures in a grid on the right, as large as
    lets them all show (3 rows each, else 2), else 2 rows each paged; the output keeps at least a third of
    the width.  With a neuron `selected`, its picture enlarged above the small ones.  None: no room."""
    widest_side = width - max(width // 3, MIN_OUTPUT_COLUMNS) - 1
    big_rows = max(MIN_BIG_ROWS, (rows - 1) // 2) if selected else 0
    tile_area = rows - (big_rows + 1 if selected else 0)
    if widest_side < 2 * min(TILE_ROWS_TRIED) or tile_area < min(TILE_ROWS_TRIED) + 1:
        return None
    for tile_rows in TILE_ROWS_TRIED:
        lines = tile_area // (tile_rows + 1)
        if lines == 0:
            continue
        per_row = -(-count // lines)
        side = per_row * (2 * tile_rows + 1) - 1
        if side <= widest_side:
            lines = -(-count // per_row)
            side = max(side, min(widest_side, 4 * big_rows))  # the enlarged one wider than a small one
            return Layout(width - side - 1, rows, tile_rows, per_row, lines, big_rows, side)
    tile_rows = min(TILE_ROWS_TRIED)
    per_row = (widest_side + 1) // (2 * tile_rows + 1)
    return Layout(width - widest_side - 1, rows, tile_rows, per_row, tile_area // (tile_rows + 1), big_rows,
                  widest_side)


def shade(value: float, low: float, high: float) -> tuple[str, str | None]:
    """A cell's glyph and colour for an output on the scale low ≤ 0 ≤ high: blank at 0 (and for NaN)."""
    if value != value:
        return " ", None
    if value >= 0:
        share, shades, colours = (value / high if high > 0 else 0.0), POSITIVE_SHADES, POSITIVE_COLOURS
    else:
        share, shades, colours = (value / low if low < 0 else 0.0), NEGATIVE_SHADES, NEGATIVE_COLOURS
    level = min(max(round(share * (len(shades) - 1)), 0), len(shades) - 1)
    return shades[level], colours[level - 1] if level else None


class NeuronPictures:
    """The hidden neurons' outputs over a plane the size of a small picture (and of the enlarged one),
    worked out once per drawing: one forward pass of the core per cell gives every neuron's output there."""

    def __init__(self, program, env: dict[str, float], plane: Plane):
        self.program, self.env, self.plane = program, env, plane
        self.net = program.net
        self.neurons = hidden_neurons(self.net)
        # What `side` drew: name -> (its plane, its lines as plain text; the enlarged one's for the selected),
        # and where each small picture is in the side (its name and picture), for clicks.
        self.drawn: dict[str, tuple[Plane, list[str]]] = {}
        self.tiles: list[tuple[Region, str]] = []

    def side(self, place: Layout, shown: list[Neuron], selected: Neuron | None,
             colour: bool) -> tuple[list[Text], dict[int, tuple[float, float]]]:
        """The lines beside the output's picture: the selected neuron enlarged under its name, then the
        `shown` ones' small pictures in rows, each under its name; and each hidden layer's scale."""
        tiles = self.grid(place.tile_columns, place.tile_rows)
        big = self.grid(place.side_width, place.big_rows) if selected else None
        scales = self.scales(tiles, *([big] if big else []))
        lines: list[Text] = []
        if selected:
            lines.append(Text(f"a_{selected.name}, enlarged (< >)"[:place.side_width], style="bold"))
            lines += self.drawn_picture(big, selected, scales, colour, place.side_width, place.big_rows)
        for first in range(0, len(shown), place.per_row):
            names, pictures = Text(), [Text() for _ in range(place.tile_rows)]
            for n, neuron in enumerate(shown[first:first + place.per_row]):
                gap = " " if n else ""
                self.tiles.append((Region(n * (place.tile_columns + 1), len(lines), place.tile_columns,
                                          place.tile_rows + 1), neuron.name))
                names.append(gap + neuron.name[:place.tile_columns].ljust(place.tile_columns),
                             style="reverse" if neuron is selected else "")
                drawn = self.drawn_picture(tiles, neuron, scales, colour, place.tile_columns, place.tile_rows)
                for line, piece in zip(pictures, drawn):
                    line.append(gap)
                    line.append_text(piece)
            lines += [names, *pictures]
        return lines, scales

    def drawn_picture(self, grid, neuron: Neuron, scales, colour: bool, columns: int, rows: int) -> list[Text]:
        """One neuron's picture, kept in `drawn` (the larger, where it is drawn twice)."""
        lines = self.picture(grid, neuron, scales[neuron.layer], colour)
        if neuron.name not in self.drawn or rows > self.drawn[neuron.name][0].rows:
            self.drawn[neuron.name] = (replace(self.plane, columns=columns, rows=rows), [line.plain for line in lines])
        return lines

    def grid(self, columns: int, rows: int) -> list[list[list[float]]]:
        """outputs[row][column]: every neuron's output at the centre of each cell of a columns × rows plane."""
        plane = replace(self.plane, columns=columns, rows=rows)
        return [[self.program.neuron_outputs(self.env, plane.centre(c, r)) for c in range(columns)] for r in range(rows)]

    def scales(self, *grids) -> dict[int, tuple[float, float]]:
        """Each hidden layer's (low, high): its activation's range, or what its pictures show, 0 included."""
        scales = {}
        for layer in range(1, self.net.depth):
            activation = self.net.activations[layer - 1]
            if activation in BOUNDS:
                scales[layer] = BOUNDS[activation]
                continue
            places = [n.index for n in self.neurons if n.layer == layer]
            shown = [outputs[k] for grid in grids for row in grid for outputs in row for k in places
                     if outputs[k] == outputs[k]]
            scales[layer] = (min(shown + [0.0]), max(shown + [0.0]))
        return scales

    @staticmethod
    def picture(grid, neuron: Neuron, scale: tuple[float, float], colour: bool) -> list[Text]:
        """One neuron's picture as lines of text."""
        lines = []
        for row in grid:
            line = Text()
            for outputs in row:
                char, fill = shade(outputs[neuron.index], *scale)
                line.append(char, style=Style(color=fill, bgcolor=fill) if colour and fill else "")
            lines.append(line)
        return lines

    def widest_legend(self) -> list[str]:
        """The legend as wide as it can be, before the pictures are worked out: the layers with a range of
        their own as they will read, the others each on a scale of the widest numbers."""
        scales = {layer: BOUNDS.get(self.net.activations[layer - 1], (WIDEST_NUMBER, -WIDEST_NUMBER * layer))
                  for layer in range(1, self.net.depth)}
        return self.legend(scales)

    def legend(self, scales: dict[int, tuple[float, float]]) -> list[str]:
        """Each scale of the hidden layers, in words: which neurons' outputs, and what the shades and marks
        stand for (layers on the same scale share one piece)."""
        layers: dict[tuple[float, float], list[str]] = {}
        for layer, scale in scales.items():
            layers.setdefault(scale, []).extend(n.name for n in self.neurons if n.layer == layer)
        pieces = []
        for (low, high), names in layers.items():
            which = names[0] if len(names) == 1 else f"{names[0]}…{names[-1]}"
            text = f"a_{which}: {POSITIVE_SHADES[1:]} 0 → {format_number(high, 3)}"
            if low < 0:
                text += f", {NEGATIVE_SHADES[1:]} 0 → {format_number(low, 3)}"
            pieces.append(text)
        return pieces
