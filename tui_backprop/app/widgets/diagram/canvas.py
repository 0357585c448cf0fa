"""The rasteriser: a grid of cells of text (each naming a symbol), of box-drawing lines and of
braille dots (or, on a console without braille, ASCII strokes), each remembering the elements it
belongs to so that the current operation's highlight is decided per element."""

from __future__ import annotations

# (dot column, dot row) in a cell -> its bit in the braille block U+2800
BRAILLE = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (1, 0): 0x08, (1, 1): 0x10, (1, 2): 0x20,
           (0, 3): 0x40, (1, 3): 0x80}

# (up, down, left, right) -> box-drawing character
BOX = {
    (0, 0, 1, 1): "─", (0, 0, 1, 0): "─", (0, 0, 0, 1): "─", (1, 1, 0, 0): "│",
    (0, 1, 1, 0): "┐", (1, 0, 1, 0): "┘", (0, 1, 0, 1): "┌", (1, 0, 0, 1): "└",
    (1, 1, 1, 0): "┤", (1, 1, 0, 1): "├", (0, 1, 1, 1): "┬", (1, 0, 1, 1): "┴",
    (1, 1, 1, 1): "┼", (1, 0, 0, 0): "│", (0, 1, 0, 0): "│", (0, 0, 0, 0): " ",
}


class Canvas:
    """Cells of text (each naming a symbol), of lines (each joining elements) and of dots
    (braille: 2×4 dots a cell, for edges at any slope; with `ascii`, a stroke a cell instead: / \\ - |)."""

    def __init__(self, ascii: bool = False):
        self.ascii = ascii
        self.texts: dict[tuple[int, int], tuple[str, int]] = {}
        # (symbol, elements, whole): a whole item is lit as its element is (a neuron's bare name)
        self.items: list[tuple[str | None, tuple[str, ...], bool]] = []
        # (x, y) -> [up, down, left, right, elements]
        self.lines: dict[tuple[int, int], list] = {}
        # (x, y) -> [dot bits (or, with `ascii`, the stroke), elements]
        self.dots: dict[tuple[int, int], list] = {}
        self.signs: dict[tuple[int, int], set[int]] = {}  # (x, y) -> the signs of the unlit weights drawn there
        self.width = self.height = 0

    def _grow(self, x: int, y: int) -> None:
        self.width = max(self.width, x + 1)
        self.height = max(self.height, y + 1)

    def text(self, x: int, y: int, text: str, symbol: str | None, elements: tuple[str, ...] = (),
             whole: bool = False) -> int:
        """Write text; returns the column after it."""
        item = len(self.items)
        self.items.append((symbol, elements, whole))
        for k, char in enumerate(text):
            self.texts[(x + k, y)] = (char, item)
        self._grow(x + len(text) - 1, y)
        return x + len(text)

    def path(self, points: list[tuple[int, int]], elements: tuple[str, ...]) -> None:
        """A line through axis-aligned points, joined with box-drawing characters."""
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            if (x0, y0) == (x1, y1):
                continue
            if y0 == y1:
                cells = [(x, y0) for x in range(min(x0, x1), max(x0, x1) + 1)]
                ends = (2, 3)  # left, right
            else:
                cells = [(x0, y) for y in range(min(y0, y1), max(y0, y1) + 1)]
                ends = (0, 1)  # up, down
            for n, cell in enumerate(cells):
                state = self.lines.setdefault(cell, [0, 0, 0, 0, set()])
                if n > 0:
                    state[ends[0]] = 1
                if n < len(cells) - 1:
                    state[ends[1]] = 1
                state[4].update(elements)
                self._grow(*cell)

    def edge(self, start: tuple[int, int], end: tuple[int, int], elements: tuple[str, ...], lit: bool = False,
             sign: int = 0) -> None:
        """A straight line of dots between two dot positions (2 a cell across, 4 down); with `ascii`, of
        strokes following its slope, and of * where it is `lit` (thickness would not show).  A `sign`
        of −1 (a negative weight's edge, unlit) is dashed: two dots drawn, two left out."""
        (x0, y0), (x1, y1) = start, end
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        stroke = "*" if lit else _stroke((x1 - x0) / 2, (y1 - y0) / 4)
        for n in range(steps + 1):
            if sign < 0 and n % 4 >= 2:
                continue
            x, y = x0 + round((x1 - x0) * n / steps), y0 + round((y1 - y0) * n / steps)
            cell = (x // 2, y // 4)
            if self.ascii:
                state = self.dots.setdefault(cell, [None, set()])
                state[0] = _crossed(state[0], stroke)
            else:
                state = self.dots.setdefault(cell, [0, set()])
                state[0] |= BRAILLE[(x % 2, y % 4)]
            state[1].update(elements)
            if sign:
                self.signs.setdefault(cell, set()).add(sign)
            self._grow(*cell)

    def symbol_at(self, x: int, y: int) -> str | None:
        """The symbol drawn at a cell; on a line or an edge, the weight it carries if it carries only one."""
        cell = self.texts.get((x, y))
        if cell is not None:
            return self.items[cell[1]][0]
        for drawn, elements in ((self.lines, 4), (self.dots, 1)):
            state = drawn.get((x, y))
            if state is not None and len(state[elements]) == 1:
                return next(iter(state[elements]))
        return None


def _stroke(across: float, down: float) -> str:
    """The ASCII stroke for an edge going `across` cells right and `down` cells down."""
    if abs(down) * 4 < abs(across):
        return "-"
    if abs(across) * 2 < abs(down):
        return "|"
    return "\\" if (across > 0) == (down > 0) else "/"


def _crossed(old: str | None, new: str) -> str:
    """A cell two strokes cross: a lit one shows, / and \\ make X, any other two +."""
    if old is None or old == new or new == "*":
        return new
    if old == "*":
        return old
    return "X" if {old, new} == {"/", "\\"} else "+"
