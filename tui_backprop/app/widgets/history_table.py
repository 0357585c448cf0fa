"""One row per finished epoch (with batches, per batch: "3·2" is epoch 3's second), then the columns
the student chose; E_test, the held-out samples' E_total, accuracy and test_accuracy (for targets that are
classes) and each layer's mean |∂E/∂w| are worked out for the rows in view (core/history.py).

By default E_total, then each parameter with its gradient beside it; `c` opens a list
of every column of `train --csv` to choose from. The view moves sideways a whole
column at a time, so a number is never cut at the panel's edge, and a number too
long for its column is rounded to fewer digits, never cut.

A scroll view that draws only the rows on screen, each recomputed from the
compact history when it comes into view: a million epochs scroll as smoothly as
ten, and an empty history costs start-up nothing (a DataTable cost about 80 ms).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ...core import History, Names, Program, Stepper
from ...core.expr import counted, format_number
from ...core.metrics import gradient_mean_columns
from .line_panel import ascii_scrollbars, set_border_titles
from .screens import dialog_footer

DIGITS = 6
NUMBER_WIDTH = len(format_number(-0.0123456, DIGITS))
GAP = 2
# In the header: columns hidden to the left, and to the right.
MORE_LEFT, MORE_RIGHT = " ‹", " ›"
GRADIENT = Names.grad("")  # how a gradient column's name starts: dE_total/d
TEST = "E_test"  # not a column of the rows: History.test_loss, for a network that holds samples out
ACCURACY, TEST_ACCURACY = "accuracy", "test_accuracy"  # nor these: History.accuracy and test_accuracy


def measures(history: History) -> dict:
    """The columns worked out from a row, not held in it, as train --csv names them: column -> measure(step)."""
    net = history.schedule.net
    found = {TEST: history.test_loss} if net.test_samples else {}
    if history.metrics.classes:
        found[ACCURACY] = history.accuracy
        if net.test_samples:
            found[TEST_ACCURACY] = history.test_accuracy
    for layer, column in enumerate(gradient_mean_columns(net.depth)):
        found[column] = lambda step, layer=layer: history.gradient_means(step)[layer]
    return found


def default_columns(program: Program, tests: bool = False, classes: bool = False) -> list[str]:
    """E_total (and E_test, and the penalty E_reg apart, and the accuracies), then each parameter with its
    gradient beside it."""
    trained, known = set(program.trained), set(program.columns)  # sets: a large network has 20,000 of each
    columns = ["E_total"] + [TEST] * tests + ["E_reg"] + ([ACCURACY] + [TEST_ACCURACY] * tests) * classes
    for parameter in program.parameters:
        columns.append(parameter)
        if parameter in trained:
            columns.append(Names.grad(parameter))
    return [column for column in columns if column in known or column in (TEST, ACCURACY, TEST_ACCURACY)]


def heading(column: str) -> str:
    """A column's header: dE_total/dw1 is written ∂E/∂w1, to leave room for the numbers."""
    return "∂E/∂" + column[len(GRADIENT):] if column.startswith(GRADIENT) else column


def fitted(value: float, width: int) -> str:
    """`value` to 6 significant digits, or rounded to fewer until it fits `width`; marked … if even 1 does not."""
    for digits in range(DIGITS, 0, -1):
        text = format_number(value, digits)
        if len(text) <= width:
            return text
    return text[: width - 1] + "…"


class HistoryTable(ScrollView, can_focus=False):
    COMPONENT_CLASSES = {"history--header", "history--epoch", "history--wrong", "history--newest"}
    DEFAULT_CSS = """
    HistoryTable > .history--header { text-style: bold; background: $boost; }
    HistoryTable > .history--epoch { text-style: bold; }
    HistoryTable > .history--wrong { text-style: bold reverse; color: $error; }
    HistoryTable > .history--newest { background: $boost; }
    """

    # Data-bound to the app's, and so set on every step, but most steps finish no epoch:
    # watch_stepper repaints only on a change of the history.
    stepper: reactive[Stepper | None] = reactive(None, repaint=False, init=False)
    # The first chosen column in view (the epoch always is): sideways moves a column at a time.
    first_column = reactive(0)

    def __init__(self, stepper: Stepper, **kwargs):
        super().__init__(**kwargs)
        self._marks: dict[tuple[int, str], str] = {}
        self._history: History | None = None  # the history whose columns are laid out
        self.drawn: int | None = None  # the revision of that history on screen
        self.stepper = stepper

    @property
    def marks(self) -> dict[tuple[int, str], str]:
        """(epoch, column) → explanation, for cells a checked sheet got wrong."""
        return self._marks

    @marks.setter
    def marks(self, marks: dict[tuple[int, str], str]) -> None:
        self._marks = marks
        marked = {column for _, column in marks}
        if not marked <= set(self.shown):  # a wrong cell is always in a column on show
            self.show_columns(self.shown + [c for c in self.stepper.history.columns if c in marked - set(self.shown)])
        self.refresh()

    def show_columns(self, columns: list[str]) -> None:
        """Show these columns of `train --csv`, in this order."""
        self.shown = [column for column in columns if column in self.position]
        self.widths = [max(len(heading(column)), NUMBER_WIDTH) for column in self.shown]
        self.first_column = min(self.first_column, max(len(self.shown) - 1, 0))
        self.refresh()

    @property
    def epoch_width(self) -> int:
        schedule = self.stepper.schedule
        return max(len(schedule.label_heading), len(schedule.label(len(self.stepper.history))))

    def watch_stepper(self, _old: Stepper | None, stepper: Stepper) -> None:
        history = stepper.history
        if history is not self._history:  # another network, or the same one reset: the columns afresh
            self._history = history
            self.position = {column: n for n, column in enumerate(history.columns)}
            self.measures = measures(history)
            self.position.update((column, -1) for column in self.measures)  # after the rows' own, in `c`'s list
            self.show_columns(default_columns(history.program, bool(stepper.net.test_samples), history.metrics.classes))
            self.drawn = None
        if history.revision == self.drawn:
            return
        self.drawn = history.revision
        diverged = history.first_divergence()
        schedule = stepper.schedule
        epochs = counted(len(history), schedule.unit) + (f" · diverged at {schedule.unit} {schedule.label(diverged)}"
                                                         if diverged else "")
        set_border_titles(self, f"history (one row per {schedule.unit})", epochs)
        # Only as wide as the epoch column: sideways is by whole columns (first_column), not by cells.
        self.virtual_size = Size(self.epoch_width, len(history) + 1)  # the header is row 0
        self.refresh()

    def on_mount(self) -> None:
        # Follow the newest epoch, as a spreadsheet being filled in does, until the student scrolls up.
        self.anchor()
        ascii_scrollbars(self)

    def scroll_columns(self, step: int) -> None:
        """Move sideways by `step` columns."""
        self.first_column = max(0, min(self.first_column + step, len(self.shown) - 1))

    def in_view(self, width: int) -> tuple[range, bool]:
        """The chosen columns that fit whole in `width` from first_column on, and whether more follow."""
        widths, used = self.widths, self.epoch_width + len(MORE_LEFT)
        last = self.first_column
        while last < len(widths) and used + GAP + widths[last] <= width - (len(MORE_RIGHT) if last + 1 < len(widths) else 0):
            used += GAP + widths[last]
            last += 1
        return range(self.first_column, last), last < len(widths)

    def cells(self, epoch: int, columns: range | None = None, through: int = 0) -> list[str]:
        """An epoch's row as it is shown: the epoch, then each chosen column (those in `columns`, by
        default all) to 6 significant digits (fewer where the column is too narrow).  `through`: the
        last epoch on screen, whose rows are derived with this one's (History.row)."""
        history = self.stepper.history
        row = history.row(epoch, through)
        columns = range(len(self.shown)) if columns is None else columns
        measured = self.measures
        return [self.stepper.schedule.label(epoch)] + [
            fitted(measured[self.shown[n]](epoch) if self.shown[n] in measured else row[self.position[self.shown[n]]],
                   self.widths[n]) for n in columns]

    def render_line(self, y: int) -> Strip:
        scroll_y = self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self.rich_style
        columns, more_right = self.in_view(width)
        if y == 0:  # the header stays put while the rows scroll under it
            texts, epoch = [self.stepper.schedule.label_heading, *(heading(self.shown[n]) for n in columns)], None
            style = base + self.get_component_rich_style("history--header")
        else:
            epoch = scroll_y + y
            if epoch > len(self.stepper.history):
                return Strip.blank(width, base)
            # only the columns in view: a large network has 40,000
            texts = self.cells(epoch, columns, through=min(len(self.stepper.history), scroll_y + self.size.height - 1))
            newest = epoch == len(self.stepper.history)
            style = base + self.get_component_rich_style("history--newest") if newest else base
        header = epoch is None
        segments = [Segment(texts[0].ljust(self.epoch_width),
                            style if header else style + self.get_component_rich_style("history--epoch", partial=True)),
                    # partial: only its boldness, so that the newest row's background runs under it too
                    Segment(MORE_LEFT if header and self.first_column else " " * len(MORE_LEFT), style)]
        widths = self.widths
        for k, n in enumerate(columns, 1):
            cell_style = style
            if not header and (epoch, self.shown[n]) in self._marks:
                cell_style = style + self.get_component_rich_style("history--wrong")
            segments.append(Segment(" " * GAP, style))
            segments.append(Segment(texts[k].rjust(widths[n]), cell_style))
        if header and more_right:
            segments.append(Segment(MORE_RIGHT, style))
        return Strip(segments).crop(0, width).extend_cell_length(width, style)


class ColumnsScreen(ModalScreen[None]):
    """Every column of the history, each marked [x] shown or [ ] hidden (in letters, so it reads the same
    without colour; a SelectionList marks both with the same ▐X▌): space or enter shows or hides one."""

    BINDINGS = [Binding("escape,c", "close", "Close", tooltip="Close the list of columns"),
                Binding("space", "toggle", "Show/hide", tooltip="Show or hide the highlighted column")]
    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; }
    ColumnsScreen OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, table: HistoryTable):
        super().__init__()
        self.table = table
        shown = table.shown
        # The shown ones first, in their order, then the others in the order of `train --csv`.
        self.order = shown + [c for c in table.position if c not in shown]
        self.ticked = set(shown)

    def prompt(self, column: str) -> Text:
        return Text(f"{'[x]' if column in self.ticked else '[ ]'} {column}")  # Text: a name is never markup

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("History columns: [x] shown, [ ] hidden", classes="dialog-title", markup=False)
            yield OptionList(*(Option(self.prompt(column), id=column) for column in self.order), id="columns")
            yield Label("space or enter shows or hides a column · esc closes", classes="dim")
        yield dialog_footer()  # its own keys, over the main screen's (whose q does nothing here)

    def on_mount(self) -> None:
        ascii_scrollbars(self.query_one(OptionList))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.toggle(event.option_index)

    def action_toggle(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None:
            self.toggle(highlighted)

    def toggle(self, index: int) -> None:
        column = self.order[index]
        self.ticked ^= {column}
        self.query_one(OptionList).replace_option_prompt_at_index(index, self.prompt(column))
        self.table.show_columns([c for c in self.order if c in self.ticked])

    def action_close(self) -> None:
        self.dismiss(None)
