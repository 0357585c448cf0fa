"""The graph: every edge drawn in dots without labels, the values on demand."""

from __future__ import annotations

from ....core.quantity import UPDATE
from .canvas import Canvas
from .scene import Scene

# Up to 10 neurons a layer and 6 layers (the inputs count as one): iris's 4-8-3 and a 2-8-8-8-8-1.
GRAPH_MAX_NEURONS, GRAPH_MAX_LAYERS = 10, 6
GRAPH_ROOMY_NEURONS = 6  # up to here the fan always has two columns of dots a neuron (Graph.min_gaps)
# The current operation's edges: as many rows of dots as a cell is tall, thicker than any weight's.
LIT_ROWS = 4


def short_name(symbol: str) -> str:
    """A symbol as the legend writes it: ∂E/∂w5 for dE_total/dw5, ∂a_h1/∂h1 for da_h1/dh1."""
    if symbol.startswith("dE_total/d"):
        return "∂E/∂" + symbol[len("dE_total/d"):]
    if symbol.startswith("da_"):
        top, _, bottom = symbol.partition("/")
        return f"∂{top[1:]}/∂{bottom[1:]}"
    return symbol


class Graph:
    """Layers as columns of neurons, every weight an edge drawn in dots by its sign (dashed when
    negative) and size (thicker for the larger half); edges of the current operation are lit and
    drawn thicker still (so they show without colour too).

    The weights' numbers are on demand: the legend under the drawing holds the current operation
    and what it reads (weights with their values and gradients), and clicking an edge shows its
    weight.  `detail` says how much each neuron shows: its sum and output (and target and error),
    its output, or its name only.
    """

    DETAILS = ("full", "values", "outputs", "names")
    MIN_GAP, MAX_GAP = 6, 16
    MAX_SPACE = 3  # rows between neurons, at most

    def __init__(self, scene: Scene, detail: str):
        self.scene, self.detail = scene, detail
        net = scene.net
        self.nodes = [[self.node_lines(layer, j) for j in range(size)] for layer, size in enumerate(net.sizes)]
        self.node_height = max(len(lines) for column in self.nodes for lines in column)
        # shared biases sit above their layer's column
        self.bias_labels = [None] + [scene.parameter_label(scene.names.bias_at[layer][0], True)
                                     if net.bias == "shared" else None for layer in range(1, net.depth + 1)]
        self.widths = [max([self.line_room(line) for lines in column for line in lines]
                           + ([len(self.bias_labels[layer][0])] if self.bias_labels[layer] else []))
                       for layer, column in enumerate(self.nodes)]
        self.legend = self.legend_pieces()

    def node_lines(self, layer: int, j: int) -> list[list[tuple[str, str]]]:
        scene, names, s = self.scene, self.scene.names, self.scene.sample
        total, output = names.total(layer, j, s), names.output(layer, j, s)
        if self.detail == "names":
            return [[(names.neuron(layer, j), total)]]
        if layer == 0:
            return [[scene.named(total)]]
        out = scene.named(output)
        if layer < scene.net.depth:
            return [[scene.named(total)], [out]] if self.detail == "full" else [[out]]
        target, error = scene.named(names.target(j, s)), scene.named(names.error(j, s))
        if self.detail == "full":
            return [[scene.named(total), target], [out, error]]
        return [[out, target, error]] if self.detail == "values" else [[out]]

    def room(self, text: str, symbol: str) -> int:
        return len(text) if self.detail == "names" else self.scene.room(text, symbol)

    def line_room(self, line: list[tuple[str, str]]) -> int:
        return sum(self.room(text, symbol) for text, symbol in line) + 2 * (len(line) - 1)

    def legend_pieces(self) -> list[tuple[str, str]]:
        """The current operation and what it read, each with its value."""
        scene, op = self.scene, self.scene.op
        if op is None:
            return []
        q = op.quantity
        if q.phase == UPDATE and q.param:
            pieces = [scene.parameter_label(q.param)]
        elif q.param and q.kind not in ("gradient", "sample_sum"):  # a penalty's term or a weight's whole gradient
            pieces = [scene.parameter_label(q.param, False), self.short(q.symbol)]
        elif q.param:
            pieces = [scene.parameter_label(q.param, False), scene.gradient_label(q.param) or scene.named(q.symbol)]
        else:
            pieces = [self.short(q.symbol)]
        pieces.append(("←", None))
        for read in q.reads:
            if read == q.param:
                continue
            pieces.append(scene.parameter_label(read, False) if scene.facts.structure.is_parameter(read)
                          else self.short(read))
        return pieces

    def short(self, symbol: str) -> tuple[str, str]:
        text, symbol = self.scene.named(symbol)
        name, _, number = text.rpartition(" ")
        return f"{short_name(name)} {number}", symbol

    def legend_lines(self, width: int, rows: int) -> list[list[tuple[str, str | None]]]:
        lines: list[list] = [[]]
        used = 0
        for piece in self.legend:
            size = len(piece[0]) + (1 if lines[-1] else 0)
            if used + size > width:
                if len(lines) == rows:
                    more = ("…", None)
                    while lines[-1] and used + 2 > width:
                        used -= len(lines[-1].pop()[0]) + 1
                    lines[-1].append(more)
                    return lines
                lines.append([])
                used, size = 0, len(piece[0])
            lines[-1].append(piece)
            used += size
        return lines

    @classmethod
    def min_gaps(cls, widest: int) -> tuple[int, ...]:
        """Room for the fan of edges to spread, or it is a solid block of dots: two columns a neuron of the
        widest layer; beyond 6 neurons, one if need be (8 a layer then fit beside the operation panel),
        after every detail has been tried with two."""
        roomy = max(cls.MIN_GAP, 2 * widest)
        return (roomy,) if widest <= GRAPH_ROOMY_NEURONS else (roomy, max(cls.MIN_GAP, widest))

    def layout(self, width: int, height: int, min_gap: int) -> tuple[int, int, int] | None:
        """(gap between columns, rows above the neurons, legend rows) if the graph fits, else None."""
        net = self.scene.net
        gap = min((width - sum(self.widths)) // max(net.depth, 1), self.MAX_GAP)
        if gap < min_gap:
            return None
        top = 1 if any(self.bias_labels) else 0
        tallest = max(net.sizes) * self.node_height
        spare = height - top - tallest
        if spare < (1 if self.legend else 0):
            return None
        # the legend takes the rows it needs, and the neurons spread over the rest
        return gap, top, min(len(self.legend_lines(width, spare)), spare) if self.legend else 0

    def draw(self, width: int, height: int, gap: int, top: int, legend_rows: int) -> Canvas:
        scene, net, canvas = self.scene, self.scene.net, Canvas(ascii=self.scene.ascii)
        area = height - top - legend_rows
        x_of = [0]
        for column_width in self.widths[:-1]:
            x_of.append(x_of[-1] + column_width + gap)
        # rows where each neuron's edges leave (its output) and arrive (its sum)
        leave: list[list[int]] = []
        arrive: list[list[int]] = []
        for layer, column in enumerate(self.nodes):
            leave.append([])
            arrive.append([])
            # spread over the whole height, so that the edges fan out as far as they can
            spread = min(area - self.node_height, (len(column) - 1) * (self.node_height + self.MAX_SPACE))
            first = top + (area - self.node_height - spread) // 2
            for j, lines in enumerate(column):
                step = spread / (len(column) - 1) if len(column) > 1 else 0
                row = first + round(j * step) + (self.node_height - len(lines)) // 2
                x = x_of[layer]
                for k, line in enumerate(lines):
                    cx = x
                    for text, symbol in line:
                        whole = self.detail == "names"
                        elements = (scene.names.neuron(layer, j),) if whole else scene.elements_of(symbol)
                        end = canvas.text(cx, row + k, text, symbol, elements, whole)
                        cx = max(end, cx + self.room(text, symbol)) + 2
                leave[-1].append(row + len(lines) - 1)
                arrive[-1].append(row)
            label = self.bias_labels[layer]
            if label:
                canvas.text(x_of[layer], 0, label[0], label[1], scene.elements_of(label[1]))
        for layer in range(1, net.depth + 1):
            self.draw_edges(canvas, layer, x_of, leave[layer - 1], arrive[layer])
        legend_top = height - legend_rows
        for y, line in enumerate(self.legend_lines(width, legend_rows)):
            x = 0
            for text, symbol in line:
                x = canvas.text(x, legend_top + y, text, symbol, scene.elements_of(symbol) if symbol else ()) + 1
        return canvas

    def draw_edges(self, canvas: Canvas, layer: int, x_of: list[int], sources: list[int], targets: list[int]) -> None:
        """Each source's output runs to the column's edge, then straight to every target's sum: the edges of
        the current operation lit and thick, every other one drawn by its weight (`weight_stroke`)."""
        scene, names = self.scene, self.scene.names
        start_x = 2 * (x_of[layer - 1] + self.widths[layer - 1] + 1)
        end_x = 2 * (x_of[layer] - 1) - 1
        largest = max((abs(scene.values.get(w, 0.0)) for row in names.weight_at[layer] for w in row), default=0.0)
        for i, source_row in enumerate(sources):
            text_end = max(x for (x, y) in canvas.texts if y == source_row and x_of[layer - 1] <= x < x_of[layer - 1]
                           + self.widths[layer - 1]) + 2
            weights = tuple(names.weight_at[layer][j][i] for j in range(len(targets)))
            canvas.edge((2 * text_end, 4 * source_row + 1), (start_x, 4 * source_row + 1), weights)
            for j, target_row in enumerate(targets):
                weight = weights[j]
                lit = scene.line_role((weight,)) in ("current", "read")
                sign, rows = (0, LIT_ROWS) if lit else weight_stroke(scene.values.get(weight), largest)
                for thick in range(rows if not canvas.ascii else 1):
                    canvas.edge((start_x, 4 * source_row + 1 + thick), (end_x, 4 * target_row + 1 + thick), (weight,),
                                lit, sign)


def weight_stroke(value: float | None, largest: float) -> tuple[int, int]:
    """How an unlit edge shows its weight without colour, as TensorFlow Playground's lines do: its sign
    (−1 dashed, +1 solid; 0 for a weight not known) and its rows of dots, 2 for the larger half of the
    layer's |w| and 1 for the smaller (a lit edge's LIT_ROWS stay thicker than either)."""
    if value is None or value != value:  # not set, or NaN after a diverged run
        return 0, 1
    sign = -1 if value < 0 else 1
    return sign, 2 if largest > 0 and abs(value) > largest / 2 else 1


def draw_graph(scene: Scene, width: int, height: int) -> Canvas | None:
    net = scene.net
    if max(net.sizes) > GRAPH_MAX_NEURONS or len(net.sizes) > GRAPH_MAX_LAYERS:
        return None
    graphs = [Graph(scene, detail) for detail in Graph.DETAILS]
    for min_gap in Graph.min_gaps(max(net.sizes)):
        for graph in graphs:
            fitted_layout = graph.layout(width, height, min_gap)
            if fitted_layout:
                return graph.draw(width, height, *fitted_layout)
    return None
