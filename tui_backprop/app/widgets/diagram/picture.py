"""The picture: layers as columns joined by real edges, every edge labelled with its weight."""

from __future__ import annotations

from .canvas import Canvas
from .scene import GRADIENT_ROOM, VALUE_ROOM, Scene

# Bigger layers make the labelled picture's edges a thicket; they get the graph (edges
# without labels, values on demand) up to GRAPH_MAX_NEURONS and GRAPH_MAX_LAYERS (graph.py; the
# inputs count as a layer), and the list beyond.
PICTURE_MAX_NEURONS = 4


class Picture:
    """Layers as columns; every edge runs from its source's bus to its target, labelled on the way.

    Each target neuron has a block of rows, one line per incoming weight (and
    bias) with the gradient in the row under it; the lines of a block merge
    into one arrow at the neuron's sum.  Widths depend on the names only, so
    the drawing stays put while the numbers change.
    """

    def __init__(self, scene: Scene, rows_per_edge: int, gap: int):
        self.scene, self.rows_per_edge, self.gap = scene, rows_per_edge, gap
        net, names = scene.net, scene.names
        self.sizes = net.sizes
        self.boxes = [[scene.neuron_lines(layer, j, VALUE_ROOM) for j in range(size)]
                      for layer, size in enumerate(net.sizes)]
        self.box_width = [max(scene.room(text, symbol) for box in column for text, symbol in box) for column in self.boxes]
        # labels[layer - 1][j]: (parameter, source neuron or None for a bias, top text, under text)
        self.labels = []
        for layer in range(1, net.depth + 1):
            column = []
            for j in range(net.sizes[layer]):
                params = [(w, i) for i, w in enumerate(names.weight_at[layer][j])]
                if names.bias_at[layer][j]:
                    params.append((names.bias_at[layer][j], None))
                column.append([(p, i, scene.parameter_label(p, False, VALUE_ROOM), scene.gradient_label(p, GRADIENT_ROOM))
                               for p, i in params])
            self.labels.append(column)
        self.label_width = [max(self.label_room(label[0]) for block in column for label in block) for column in self.labels]
        self.block_rows = [[self.block_layout(layer, j) for j in range(net.sizes[layer])] for layer in range(1, net.depth + 1)]
        heights = [sum(rows[-1] for rows in column) + gap * (len(column) - 1) for column in self.block_rows]
        self.height = max(heights)
        self.column_top = [(self.height - h) // 2 for h in heights]
        self.min_width = sum(self.box_width) + sum(
            self.sizes[layer - 1] + self.label_width[layer - 1] + 5 for layer in range(1, net.depth + 1))

    def label_room(self, param: str) -> int:
        """`w5 −0.1234✓` (updated), with `∂0.0004386` under it or after it."""
        top = len(param) + 2 + VALUE_ROOM
        if not self.trained(param):
            return top
        return max(top, GRADIENT_ROOM) if self.rows_per_edge == 2 else top + 1 + GRADIENT_ROOM

    def trained(self, param: str) -> bool:
        return self.scene.facts.trained(param)

    def block_layout(self, layer: int, j: int) -> tuple[list[int], int, int]:
        """Offsets in the block of each incoming line, of the neuron's box, and the block's height."""
        offsets, row = [], 0
        for param, _, _, _ in self.labels[layer - 1][j]:
            offsets.append(row)
            row += self.rows_per_edge if self.trained(param) else 1
        box = len(self.boxes[layer][j])
        height = max(row, box)
        return offsets, (height - box) // 2, height

    def draw(self, width: int) -> Canvas:
        scene, canvas, net = self.scene, Canvas(), self.scene.net
        # at least one dash after the longest label when there is room for it
        extra = min((width - self.min_width) // net.depth, 6)
        x_of, zones = [0], []  # each layer's column, each zone's bus, label and merge columns
        for layer in range(1, net.depth + 1):
            bus_x = x_of[-1] + self.box_width[layer - 1] + 1
            label_x = bus_x + self.sizes[layer - 1] + 1
            merge_x = label_x + self.label_width[layer - 1] + extra
            zones.append((bus_x, label_x, merge_x))
            x_of.append(merge_x + 3)
        # the first row of each block, and of each neuron's box
        block_tops: list[list[int]] = [[]]
        tops: list[list[int]] = [[]]
        for layer in range(1, net.depth + 1):
            row = self.column_top[layer - 1]
            block_tops.append([])
            tops.append([])
            for _, box_offset, height in self.block_rows[layer - 1]:
                block_tops[layer].append(row)
                tops[layer].append(row + box_offset)
                row += height + self.gap
        # Input i sits level with its edge into the hidden neuron at the same height
        # (i1 with w1, the last input with the last neuron's edge), so it runs straight.
        n0, n1 = self.sizes[0], self.sizes[1]
        for i in range(n0):
            j = round(i * (n1 - 1) / (n0 - 1)) if n0 > 1 else (n1 - 1) // 2
            tops[0].append(block_tops[1][j] + self.block_rows[0][j][0][i])
        for layer, column in enumerate(self.boxes):
            for j, box in enumerate(column):
                for k, (text, symbol) in enumerate(box):
                    canvas.text(x_of[layer], tops[layer][j] + k, text, symbol, scene.elements_of(symbol))
        for layer in range(1, net.depth + 1):
            self.draw_zone(canvas, layer, zones[layer - 1], x_of[layer - 1], tops[layer - 1], block_tops[layer])
        return canvas

    def draw_zone(self, canvas: Canvas, layer: int, zone, source_x: int, source_tops, block_tops) -> None:
        """The edges into `layer`: from each source's bus, along its labelled row, into the target's arrow."""
        scene = self.scene
        bus_x, label_x, merge_x = zone
        out_line = 0 if layer == 1 else 1  # inputs pass on their only line, neurons their output
        # a space after the text, then the line to the bus (at least one dash, so the bus has its arm)
        sources = [(min(source_x + len(box[out_line][0]) + 1, bus_x - 1), top + out_line)
                   for box, top in zip(self.boxes[layer - 1], source_tops)]
        for j, block in enumerate(self.labels[layer - 1]):
            offsets, box_offset, _ = self.block_rows[layer - 1][j]
            arrow = [(merge_x, block_tops[j] + box_offset), (merge_x + 1, block_tops[j] + box_offset)]
            for (param, source, top, under), offset in zip(block, offsets):
                row = block_tops[j] + offset
                old_to_new = scene.parameter_label(param, True, VALUE_ROOM)
                if len(old_to_new[0]) < merge_x - label_x:  # the current update, where it fits
                    top = old_to_new
                if source is None:
                    start = [(label_x + len(top[0]), row)]
                else:
                    start_x, start_row = sources[source]
                    start = [(start_x, start_row), (bus_x + source, start_row), (bus_x + source, row)]
                canvas.path(start + [(merge_x, row)] + arrow, (param,))
                end = canvas.text(label_x, row, top[0], top[1], (param,))
                if under is not None:
                    if self.rows_per_edge == 2:
                        canvas.text(label_x, row + 1, under[0], under[1], (param,))
                    else:
                        canvas.text(end + 1, row, under[0], under[1], (param,))
            incoming = tuple(label[0] for label in block)
            canvas.text(merge_x + 1, arrow[0][1], "▶", scene.names.total(layer, j, scene.sample), incoming)


def draw_picture(scene: Scene, width: int, height: int) -> Canvas | None:
    if max(scene.net.sizes) > PICTURE_MAX_NEURONS:
        return None
    for rows_per_edge, gap in ((2, 1), (2, 0), (1, 1), (1, 0)):
        picture = Picture(scene, rows_per_edge, gap)
        if picture.min_width <= width and picture.height <= height:
            return picture.draw(width)
    return None
