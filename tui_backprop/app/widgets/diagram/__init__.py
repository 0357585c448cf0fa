"""The network diagram: neurons, weights and the current operation, drawn in text.

Four forms, the first that fits:
- the picture (picture.py): layers as columns joined by real edges, every edge labelled with
  its weight (the drawing students know from the worked examples);
- the graph (graph.py), up to 10 neurons a layer and 6 layers: the edges drawn in braille
  dots without labels, each by its weight's sign (dashed when negative) and size (thicker
  for the larger half), each neuron with its values (or its name alone), and under it
  the current operation with everything it reads and their numbers;
- the list (listing.py): layers as columns, each neuron with its incoming weights listed
  under it, shown through a window that follows the current operation (and that
  the user can move with shift+arrows until the next step);
- the summary (summary.py), for networks beyond 8 neurons a layer or 6 layers.

What is drawn (values, labels, the current operation's highlights) is the scene (scene.py);
everything is drawn on a grid of cells, the canvas (canvas.py), where each cell remembers the
symbol it shows (for clicks) and the elements it belongs to (neurons, weights, biases), so the
highlight of the current operation is decided per element, never by parsing text.  Every
number comes from the stepper, and what a symbol belongs to comes from the names
(symbol_places.py), so a 100-100-100 net costs what is on screen.  The widget (widget.py) picks
the form and turns the canvas into styled lines.
"""

from .widget import NetworkDiagram

__all__ = ["NetworkDiagram"]
