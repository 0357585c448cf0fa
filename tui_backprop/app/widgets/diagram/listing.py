"""The list: layers as columns, each neuron with its incoming weights listed under it."""

from __future__ import annotations

from .canvas import Canvas
from .scene import GRADIENT_ROOM, ROLE_ORDER, Scene


class Listing:
    """Layers as columns; under each neuron its weights and bias, each with its gradient.

    `joined` puts a neuron's sum and output on one line (and target and error);
    `beside` puts each gradient on its parameter's line rather than under it.
    """

    VARIANTS = [(True, True, True), (True, True, False), (False, True, True), (False, True, False),
                (False, False, True), (False, False, False)]

    def __init__(self, scene: Scene, joined: bool, beside: bool, long_update: bool):
        self.scene, self.beside, self.long_update = scene, beside, long_update
        net, names = scene.net, scene.names
        # each line: its (text, symbol) pieces and the room it keeps for numbers still to come
        self.columns: list[list[tuple[list, int]]] = []
        self.heads: set[int] = set()  # ids of each neuron's first line
        heads = self.heads
        for layer, size in enumerate(net.sizes):
            lines = []
            for j in range(size):
                if j and layer:
                    lines.append(([], 0))
                neuron = [[piece] for piece in scene.neuron_lines(layer, j)]
                if joined:
                    neuron = [sum(neuron[k : k + 2], []) for k in range(0, len(neuron), 2)]
                    neuron = [line[:1] + [("  ", None)] + line[1:] if len(line) > 1 else line for line in neuron]
                for line in neuron:
                    lines.append((line, sum(scene.room(text, symbol) for text, symbol in line)))
                heads.add(id(lines[-len(neuron)]))
                if layer:
                    for param in list(names.weight_at[layer][j]) + [b for b in [names.bias_at[layer][j]] if b]:
                        lines += self.parameter_lines(param)
            self.columns.append(lines)
        self.widths = [max(room for _, room in lines) for lines in self.columns]
        self.height = max(len(lines) for lines in self.columns)

    def parameter_lines(self, param: str) -> list[tuple[list, int]]:
        label = self.scene.parameter_label(param, self.long_update)
        gradient = self.scene.gradient_label(param)
        trained = self.scene.facts.trained(param)
        line = [(" ", None), label]
        if not trained:
            return [(line, len(label[0]) + 1)]
        room = max(GRADIENT_ROOM, len(gradient[0]) if gradient else 0)
        if self.beside:
            return [(line + ([(" ", None), gradient] if gradient else []), len(label[0]) + 2 + room)]
        under = [("   ", None), gradient] if gradient else [("", None)]  # kept for the gradient to come
        return [(line, len(label[0]) + 1), (under, 3 + room)]

    @classmethod
    def best(cls, scene: Scene, width: int) -> Listing:
        """The first variant as wide as the space (later ones are never shorter), else the narrowest."""
        for variant in cls.VARIANTS:
            listing = cls(scene, *variant)
            if listing.width <= width:
                return listing
        return listing

    @property
    def width(self) -> int:
        return sum(self.widths) + 2 * (len(self.widths) - 1)

    def scroll(self, lines: list, height: int, pan: int = 0) -> int:
        """First line shown of a column taller than the height: the strongest lit line stays in view,
        unless the user moved the view `pan` lines."""
        if len(lines) <= height:
            return 0
        best, focus = 0, 0
        for y, (line, _) in enumerate(lines):
            for _, symbol in line:
                role = self.scene.text_role(symbol, self.scene.elements_of(symbol)) if symbol else None
                if role and ROLE_ORDER[role] > best:
                    best, focus = ROLE_ORDER[role], y
        block_start = focus
        while block_start > 0 and lines[block_start - 1][0]:
            block_start -= 1
        top = block_start if focus < block_start + height else focus - height // 3
        return min(max(top + pan, 0), len(lines) - height)

    def draw(self, first: int, last: int, height: int, pan: int = 0) -> tuple[Canvas, bool]:
        """Columns first..last, each scrolled to what is lit (and `pan` lines on); also whether any
        column is cut."""
        canvas, x, cut = Canvas(), 0, False
        for lines, width in zip(self.columns[first : last + 1], self.widths[first : last + 1]):
            if len(lines) > height:  # the blank lines between neurons give way first
                lines = [line for line in lines if line[0]]
            top = self.scroll(lines, height, pan)
            cut = cut or len(lines) > height
            shown = lines[top : top + height]
            if top > 0 and id(shown[0]) not in self.heads:
                # the neuron whose weights are shown stays named on the first line
                shown[0] = next(line for line in reversed(lines[:top]) if id(line) in self.heads)
            for y, (line, _) in enumerate(shown):
                cx = x
                for text, symbol in line:
                    cx = canvas.text(cx, y, text, symbol, self.scene.elements_of(symbol) if symbol else ())
            x += width + 2
        return canvas, cut

    def window(self, width: int, pan: int = 0) -> tuple[int, int]:
        """The run of whole layer columns that fits the width, around the most strongly lit one
        (or the one `pan` columns from it)."""
        scene = self.scene
        lit = [max((ROLE_ORDER.get(scene.text_role(symbol, scene.elements_of(symbol)), 0)
                    for line, _ in column for _, symbol in line if symbol), default=0)
               for column in self.columns]
        first = last = min(max(lit.index(max(lit)) + pan, 0), len(self.columns) - 1)
        grown = True
        while grown:
            grown = False
            if first > 0 and sum(self.widths[first - 1 : last + 1]) + 2 * (last - first + 1) <= width:
                first, grown = first - 1, True
            if last < len(self.columns) - 1 and sum(self.widths[first : last + 2]) + 2 * (last - first + 1) <= width:
                last, grown = last + 1, True
        return first, last
