"""The summary, for a network too big to draw: layer sizes, then the current operation with what it reads."""

from __future__ import annotations

from ....core.expr import format_number
from .canvas import Canvas
from .scene import DIGITS, VALUE_ROOM, Scene


def draw_summary(scene: Scene, width: int, height: int, pan: int = 0) -> Canvas:
    """Layer sizes and counts, then the current operation with the values it reads that fit
    (`pan` rows on); only those are formatted, however many it reads (E_total: every error)."""
    net, canvas = scene.net, Canvas()
    layers = [f"{net.sizes[0]} inputs"] + [f"{size} {act}" for size, act in zip(net.sizes[1:], net.activations)]
    canvas.text(0, 0, f"{'-'.join(map(str, net.sizes))}: {net.weight_count()} weights, {net.bias_count()} biases,"
                " too many to draw", None)
    canvas.text(0, 1, " → ".join(layers), None)
    op = scene.op
    if op is None:
        return canvas
    canvas.text(0, 3, f"{op.symbol} = {format_number(op.value, DIGITS)}", op.symbol, scene.elements_of(op.symbol))
    reads = op.reads
    # the widest a cell can be: a name without its sample suffix, and a number in its room
    cell_width = max((len(symbol) for symbol in reads), default=0) + 1 + VALUE_ROOM + 2
    per_row = max(1, width // cell_width)
    rows = max(1, height - 5)
    total_rows = -(-len(reads) // per_row)
    start_row = min(max(pan, 0), max(total_rows - rows, 0))
    canvas.text(0, 4, "reads:" if not start_row else f"reads (from row {start_row + 1}):", None)
    first = start_row * per_row
    room = per_row * rows
    shown = reads[first : first + room] if first + room >= len(reads) else reads[first : first + room - 1]
    for n, symbol in enumerate(shown):
        text, symbol = scene.named(symbol)
        canvas.text((n % per_row) * cell_width, 5 + n // per_row, text, symbol, scene.elements_of(symbol))
    if first + len(shown) < len(reads):
        n = len(shown)
        canvas.text((n % per_row) * cell_width, 5 + n // per_row, f"… {len(reads) - first - n} more", None)
    return canvas
