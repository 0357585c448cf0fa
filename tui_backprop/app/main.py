"""The Textual app: one screen over one Stepper.

The stepper on screen is a reactive of the app, and every panel that shows it is
data-bound to it: a step changes the stepper in place and the app calls
`mutate_reactive`; another stepper (an open, a reset) is simply assigned.  Each
panel redraws itself and sets its own titles in its `watch_stepper`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from ..core import PRESETS, Network, NetworkError, Stepper
from ..core.batches import Schedule
from ..core.expr import counted, format_number
from ..core.gradcheck import DEFAULT_TOLERANCE, check_epochs
from ..core.precision import read_number, read_whole
from ..core.quiz import Quiz
from ..core.safe_files import Stopped, safe_file_name
from ..reports.explanation import gradient_table
from ..training import bulk
from .widgets.boundary import BoundaryView
from .widgets.confusion import ConfusionScreen, confusion_text
from .widgets.diagram import NetworkDiagram
from .widgets.footer import KeyFooter
from .widgets.gradcheck_screen import GradientCheckScreen
from .widgets.gradients import GradientsScreen
from .widgets.history_table import ColumnsScreen, HistoryTable
from .widgets.loss_chart import LossChart
from .widgets.neurons import hidden_neurons
from .widgets.operation import OperationPanel
from .widgets.progress_line import ProgressLine
from .widgets.quiz_bar import QuizBar
from .widgets.screens import WAIT, ChoiceScreen, ConfirmScreen, HelpScreen, PathSuggester, PromptScreen, RunScreen
from .widgets.values import ValuesTable

if TYPE_CHECKING:
    from textual.await_complete import AwaitComplete
    from textual.screen import Screen

    from ..core.lesson import Lesson
    from ..core.tutor import Tutor
    from .served import Served
    from .widgets.tutor_bar import TutorBar

MIN_WIDTH, MIN_HEIGHT = 80, 24
# Below this the bottom panels take turns (v cycles them) instead of sharing the screen.
ROOMY_WIDTH, ROOMY_HEIGHT = 110, 34
CHART_ROOM_HEIGHT = 40  # from here a network of several samples gets a taller chart (app.tcss: -chart-room)
# Below this height the tutor's bar (about 11 rows) would leave the values table a few lines (3 at 120×40): the
# history and the chart give it their rows instead (app.tcss: -values-first).  15 + 10 + 14 + 11 + 1: the top, the
# history, all of a 2-2-2's values, the bar and the footer.  (The quiz's bar, 6 rows, leaves them 6 lines and the
# chart its place: the diagram shows every number too.)
TUTOR_ROOM_HEIGHT = 51
PANELS = ("values", "chart", "history")
MAX_RUN = 10_000_000
SHEET_SUFFIXES = (".csv", ".xlsx")
QUIT_KEYS = ("q", "ctrl+q")  # the keys that work below the smallest size

# One paragraph: the help dialog wraps it to its width.
HELP_INTRO = ("Each epoch is worked the way the examples do it by hand: the forward pass (every weighted sum, "
              "activation and error), the backward pass (every chain-rule factor and gradient) and the update "
              "(every parameter, all from the same forward pass). n computes the next operation; p takes it back "
              "exactly. Click a neuron or an edge to see its formula and value.")

# Actions that change the stepper: refused while a run or a dialog is under way.
STEPPING = {"next", "previous", "finish_phase", "finish_epoch", "run", "reset", "learning_rate", "edit", "open",
            "rates", "cycle_panel", "quiz", "quiz_phases", "quiz_tolerance", "save", "export", "matrix", "tutor",
            "settings", "gradients"}  # the gradients' view reads the history in a thread
# Actions only for targets that are classes: elsewhere they leave the footer and do nothing.
CLASSES_ONLY = {"accuracy_chart", "confusion"}
# A lesson's hidden_keys may name a key as it is typed as well as by its name.
KEY_ALIASES = {"?": "question_mark", "[": "left_square_bracket", "]": "right_square_bracket", "→": "right", "←": "left"}
# Workers that hold `running` while they read the stepper.
BUSY_GROUPS = {"run", "export", "save", "gradients"}
# Seconds `f` and `e` trace on the spot; what is left then (a large network's phase: 8,001 operations of
# 100 terms each at 100-100-100 × 16, 4.8 s) goes on in a worker behind a progress bar.  Timed, not
# counted: an operation costs from one multiplication to a sum of a hundred products.
FINISH_AT_ONCE = 0.25
# Seconds `r` runs under its own prompt ("Running N epochs · esc stops") before a progress bar takes its place:
# a run of half a second drew no dialog of its own, whose coming and going took 30 ms of the run's thread
# at 100-100-100 (bench/bench_scale.py 3).
RUN_DIALOG_AFTER = 1.0
TRACE_CHUNK = 2_000  # operations between the progress bar's updates and the checks for esc
SERVER_CHECK = 2.0  # seconds between a served app's looks for its server
FINISHED = {WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED}


class BackpropApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "backprop-tui"

    # The tooltip is the long form: the Footer shows it on hover, and `?` and the command palette list it.
    # The footer shows those that work now, as many as fit (footer_order); `?` lists every one.
    BINDINGS = [
        Binding("n,right", "next", "Next", tooltip="Compute the next operation"),
        Binding("p,left", "previous", "Back", tooltip="Take the last operation back (exact undo)"),
        Binding("f", "finish_phase", "Phase", tooltip="Finish the current phase (forward, backward or update)"),
        Binding("e", "finish_epoch", "Epoch", tooltip="Finish the epoch"),
        Binding("r", "run", "Run", tooltip="Run N epochs on the fast path (esc stops)"),
        Binding("question_mark", "help", "Help", tooltip="Show every key"),
        Binding("o", "open", "Open",
                tooltip="Open a preset, a network file, a saved session, or a spreadsheet (.csv, .xlsx) to check"),
        Binding("S", "settings", "Settings",
                tooltip="Change the experiment: data, layers, activations, loss, batch, rates, penalty, optimizer"),
        Binding("s", "rates", "Rates", tooltip="Compare learning rates (0.1 … 2.0) on one chart"),
        Binding("m", "matrix", "Matrix", tooltip="Matrix view: the same step as vectors and matrices (s = W·a + b …)"),
        Binding("z", "quiz", "Quiz", tooltip="Quiz mode: type each value before it is revealed"),
        Binding("u", "tutor", "Tutor",
                tooltip="The tutor: a ladder from a worked epoch to one you compute alone, \"which rule?\" first"),
        Binding("q", "quit", "Quit", tooltip="Leave (offers to save unsaved work first)"),
        Binding("l", "learning_rate", "Rate", tooltip="Set the learning rate"),
        Binding("w", "edit", "Edit", tooltip="Edit a weight, bias, input or target"),
        Binding("0", "reset", "Reset", tooltip="Back to the network's starting numbers, as opened (asks)"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the whole session to a file (o opens it again)"),
        Binding("x", "export", "Export", tooltip="Export the history (.csv), and the current epoch as a "
                                                             "live workbook (.xlsx) and a worked solution (.md), into "
                                                             "this folder (never over a file)"),
        # Shown in the footer only while an export works (check_action).
        Binding("escape", "stop_export", "Stop export", tooltip="Stop the export under way (it writes no file then)"),
        Binding("v", "cycle_panel", "Panel",
                tooltip="On terminals smaller than 110×34, switch the bottom panel (values, chart, history)"),
        Binding("Z", "quiz_phases", "Asks",
                tooltip="Choose what the quiz asks: every phase, forward, backward or update only"),
        Binding("t", "quiz_tolerance", "Tolerance", tooltip="Set the quiz's relative tolerance"),
        Binding("P", "progress", "Progress",
                tooltip="Your progress: attempts by network and kind of operation, what is mastered, slips that recur"),
        Binding("left_square_bracket", "history_sideways(-1)", "History ←", show=False,
                tooltip="Scroll the history one column left"),
        Binding("right_square_bracket", "history_sideways(1)", "History →", show=False,
                tooltip="Scroll the history one column right"),
        Binding("c", "history_columns", "Columns", tooltip="Choose the history's columns"),
        Binding("L", "log_scale", "Log", tooltip="Switch the loss chart between linear and log scale"),
        Binding("a", "accuracy_chart", "Accuracy",
                tooltip="Switch the chart between the loss and the accuracy (for targets that are classes)"),
        Binding("C", "confusion", "Confusion",
                tooltip="The confusion matrix of the current parameters (for targets that are classes)"),
        Binding("G", "gradients", "Gradients",
                tooltip="Each layer's mean |∂E/∂w| over the epochs, log scale: why gradients vanish"),
        Binding("g", "gradient_check", "Gradcheck",
                tooltip="Check this epoch's gradients against central differences of E_total"),
        Binding("b", "boundary", "Boundary",
                tooltip="Decision boundary (two inputs): the input plane shaded by the output, redrawn as r runs, "
                        "beside each hidden neuron's output over it"),
        Binding("greater_than_sign", "select_neuron(1)", "Neuron ▶",
                tooltip="Select the next hidden neuron (or click one in the diagram): the decision boundary shows "
                        "its picture enlarged"),
        Binding("less_than_sign", "select_neuron(-1)", "Neuron ◀", tooltip="Select the previous hidden neuron"),
        Binding("pagedown", "neuron_page(1)", "Neurons ▼",
                tooltip="The next page of the hidden neurons' pictures, when they do not all fit beside the boundary"),
        Binding("pageup", "neuron_page(-1)", "Neurons ▲", tooltip="The previous page of the hidden neurons' pictures"),
        Binding("shift+up", "scroll_view(0, -1)", "Scroll up", show=False,
                tooltip="Scroll the diagram or matrix view up (a step brings the operation back)"),
        Binding("shift+down", "scroll_view(0, 1)", "Scroll down", show=False,
                tooltip="Scroll the diagram or matrix view down"),
        Binding("shift+left", "scroll_view(-1, 0)", "Scroll left", show=False,
                tooltip="Scroll the diagram or matrix view left"),
        Binding("shift+right", "scroll_view(1, 0)", "Scroll right", show=False,
                tooltip="Scroll the diagram or matrix view right"),
    ]

    # The stepper on screen.  Every step changes it in place, and `changed` then calls mutate_reactive;
    # the panels are data-bound to it and redraw themselves.  always_update: the same stepper set again
    # (after a reset) is a change too.  The app itself has nothing to repaint (a repaint here would
    # redraw the whole screen), and nothing to watch before it is first set (init=False).
    stepper: reactive[Stepper] = reactive(None, repaint=False, init=False, always_update=True)
    # The quiz's settings and score; the quiz bar is bound to it (it asks again when the phases change).
    quiz: reactive[Quiz] = reactive(None, repaint=False, init=False)
    panel = reactive("values")
    quiz_on = reactive(False)
    tutor_on = reactive(False)
    matrix_on = reactive(False)
    boundary_on = reactive(False)
    # The hidden neuron selected (h1, h2_3): a click on it in the diagram or on its picture, or < and >;
    # the boundary's pictures show it enlarged.
    selected_neuron: reactive[str | None] = reactive(None)
    accuracy_on = reactive(False)  # the chart shows accuracy instead of the loss (a, for targets that are classes)
    # A run, an export or a save is reading the stepper: the stepping keys wait (and leave the footer).
    running = reactive(False, bindings=True)
    too_small = reactive(False, bindings=True)

    def __init__(self, network: Network | None = None, stepper: Stepper | None = None, quiz: Quiz | None = None,
                 session_path: str | None = None, *, tutor: Tutor | None = None, tutoring: bool = False,
                 lesson: Lesson | None = None, ladder: bool = False, record: bool = True, ascii: bool = False,
                 served: Served | None = None):
        """Open `network` (default: the excel preset), or a resumed session's stepper, quiz and tutor.
        `lesson` starts a lesson (a resumed one carries on); `ladder` starts with the tutor on; `record` keeps
        every attempt in the user's progress record.  `ascii`: draw with what a real console's font holds (no
        braille, no rounded corners; cli.py sets it for TERM=linux).  `served`: the app is in a browser
        (`backprop-tui serve`, app/served.py): files go to the visitor as downloads, `o` offers a list, and
        a record is kept only in the served results folder, once the visitor has given a name."""
        super().__init__()
        self.ascii = ascii
        self.set_class(ascii, "-ascii")
        # set_reactive: nothing is on screen yet to be told
        self.set_reactive(BackpropApp.stepper, stepper or Stepper(network or PRESETS["excel"](), trainer=bulk.TRAINER))
        self.set_reactive(BackpropApp.quiz, quiz or Quiz())
        self.session_path = session_path  # where ctrl+s saves; it asks, offering this
        self.stop_requested = False
        self.run_dialog: PromptScreen | RunScreen | None = None  # what a run or a long finish shows its progress in
        self.run_done = 0  # what the run under way has done
        # The work on screen as last saved or opened (`_progress`): only what came after it can be lost.
        self.saved = self.saving = self._progress()
        self.quit_after_save = False
        self.quit_after_delivery = False  # served: q's "save, then quit" waits for the browser to have the file
        self.quit_when_idle = False  # q was pressed while a worker held `running`: quit once it has stopped
        self.leave_when_idle = False  # a signal came while a worker held `running`: save and leave once it has
        self.exporting = False
        self.quiz_bar: QuizBar | None = None  # mounted on first use: start-up has less to style
        self._fitted: Network | None = None  # the network the layout classes were set for
        self._pristine = True  # whether the footer was last chosen for a stepper at its start
        self.compact = False
        self.tutor = tutor  # made on first use
        self.tutor_bar: TutorBar | None = None  # mounted on first use
        self.served = served
        # A served app's visitors are not the server's user: their record goes to the results folder, under
        # the name they give first (ask_visitor_name), or nowhere.
        self.recording = record and (served is None or served.results is not None)
        self.record_path: Path | None = None  # None: the user's own, in their data folder
        self.lesson: Lesson | None = None
        self.hidden_keys: set[str] = set()  # the lesson's: every key of the bindings it hides
        self.hidden_actions: set[str] = set()
        self._starting = (lesson, tutor is not None, tutoring or ladder)
        self.progress_line: ProgressLine | None = None  # mounted on first use, like the quiz bar
        # What the settings screen replaced, the latest last: each stepper as it was, and its `saved` mark.
        # `p` at the start of the new network brings the one before back; opening, resetting or checking forgets them.
        self.before_settings: list[tuple[Stepper, tuple]] = []

    # -- layout ---------------------------------------------------------
    def compose(self) -> ComposeResult:
        stepper = self.stepper
        # Before the panels exist, so that the first style pass already has the layout's classes.
        self._fit(self.size.width, self.size.height)
        self.watch_panel()
        # Kept by id: quicker than querying the DOM for them.  Each is given the stepper for its first
        # frame and bound to the app's, and sets its own border titles.
        self.panels = panels = {
            "diagram": NetworkDiagram(stepper, id="diagram").data_bind(BackpropApp.stepper),
            "operation": OperationPanel(stepper, id="operation").data_bind(BackpropApp.stepper),
            "values": ValuesTable(stepper, id="values").data_bind(BackpropApp.stepper),
            "history": HistoryTable(stepper, id="history").data_bind(BackpropApp.stepper),
            "chart": LossChart(id="chart"),
        }
        panels["chart"].border_title = "loss"
        # Filled before it mounts, so that the first frame is the finished one.
        self._update_chart()
        with Vertical(id="board"):
            with Horizontal(id="top"):
                yield panels["diagram"]
                yield panels["operation"]
            yield panels["values"]
            with Horizontal(id="bottom"):
                yield panels["history"]
                yield panels["chart"]
        yield Static(f"Please enlarge the terminal to at least {MIN_WIDTH}×{MIN_HEIGHT}.", id="too-small")
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        # The app's containers (Textual's, a large network's program) live as long as it does, and at Python's
        # default thresholds the collector went through all of them two or three times in every `r` at
        # 100-100-100 (50-80 ms each time, a quarter of what the run took past plain numpy); as Textual pauses
        # the collector during a scroll (PAUSE_GC_ON_SCROLL), the app collects its young every 50,000
        # allocations instead of every 700, and so the old ones far more seldom.
        gc.set_threshold(50_000, 20, 20)
        if not self.is_headless:
            # Through the event loop, which they wake: a handler of signal.signal's ran at once, but the app's
            # exit waited for the next key (after a hang-up, never), and SIGTERM killed the process with the
            # terminal left in the alternate screen, mouse tracking on.
            loop = asyncio.get_running_loop()
            for number in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(number, self._signalled)
        lesson, resumed, tutoring = self._starting
        if lesson:
            self.start_lesson(lesson, opening=not resumed)
        if tutoring:
            self.tutor_on = True
        if self.served is None:
            self.tell_of_hangup_saves()  # a visitor has no hang-up saves: the server's user's are not theirs
            return
        # A server killed outright (SIGKILL, a crash) cannot end its visitors' apps, and an app reads no end
        # of its input as one: it leaves once it finds itself handed to another parent.
        server = os.getppid()
        self.set_interval(SERVER_CHECK, lambda: os.getppid() == server or self.exit())
        if self.served.results is not None:
            self.ask_visitor_name()

    def ask_visitor_name(self) -> None:
        """A served class with results: the visitor's name first, for the file their record goes to."""
        from ..core.progress import claim_record  # on first use, as in watch_tutor_on

        def check(text: str) -> str | None:
            if not text.strip():
                return "your name, as your teacher should see it"
            try:
                self.record_path = claim_record(self.served.results, text.strip())
            except OSError as error:
                self.recording = False
                self.notify(f"Your answers are not recorded: {error.strerror or error}.", severity="warning")
            return None

        self.push_screen(PromptScreen("Your name, for your teacher's results", "e.g. Ada Lovelace", check=check),
                         lambda name: None if name else self.ask_visitor_name())

    @work(thread=True, group="hangups")
    def tell_of_hangup_saves(self) -> None:
        """Say that work kept at a hang-up waits in the user's data folder, and how to bring it back.
        In a thread: the folder's listing (and the session module) stay out of the first frame's way."""
        from .saving import hangup_saves  # app.saving waits for first use (start-up): here, in the thread

        saves = [path for path in hangup_saves() if not self.session_path or path != Path(self.session_path)]
        if saves:
            others = f" ({len(saves) - 1:,} more in {saves[0].parent})" if len(saves) > 1 else ""
            self.call_from_thread(
                self.notify, f"Unsaved work was kept when a terminal hung up: {saves[0]}{others}. "
                             f"backprop-tui --resume {saves[0]} brings it back (or o and the path); delete the "
                             "file once it is no longer needed.", title="Hang-up save", timeout=20)

    def _signalled(self) -> None:
        """The terminal went away (a dropped SSH connection: SIGHUP) or the app is asked to end (SIGTERM):
        keep unsaved work in a file of its own, then leave, the terminal restored.  A run or an export under
        way stops first (a save finishes), since the stepper may not be saved while it changes."""
        if self.running:
            self.leave_when_idle = True
            self._request_stop()
            return
        if self.served is not None:  # the server ends a visitor's app: nothing of it is kept on the server
            self.exit()
            return
        self.keep_unsaved_work()  # nowhere to say where, or that it failed: the terminal is gone
        self.exit()

    def keep_unsaved_work(self) -> Path | None:
        """Unsaved work kept in a file of its own in the user's data folder, as the terminal hangs up or after
        the app crashed (cli.py): its path; None if there was none, or it could not be written."""
        # Here, not at the top, as everywhere below that reads or writes a session or a sheet: the session
        # module (with the TOML parser) and the sheets (with openpyxl) would cost every start-up
        # (docs/architecture.md, "Imports"); app/saving.py imports both.
        from .saving import hangup_path

        if not self.unsaved_work():
            return None
        path = hangup_path(self.stepper.net.name, self.session_path)
        try:
            self.save_study(str(path))
        except Exception:  # after a crash anything may be amiss: the caller says nothing was kept
            return None
        return path

    def on_resize(self, event) -> None:
        self._fit(event.size.width, event.size.height)
        # The command palette cannot draw its list in a few columns (rich's chop_cells divides by the width).
        if (event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT) and isinstance(self.screen, CommandPalette):
            self.pop_screen()

    async def on_event(self, event: events.Event) -> None:
        """Below the smallest size, no key or click reaches any screen or dialog (they show nothing then,
        and a widget in a few cells may fail on one: the columns list's page keys divide by its height);
        only q and ctrl+q work, to quit."""
        if self.too_small and isinstance(event, (events.Key, events.MouseEvent)) and not event.is_forwarded:
            if isinstance(event, events.Key) and event.key in QUIT_KEYS:
                await self.run_action("quit")
            return
        await super().on_event(event)

    def notify(self, message: str, *, markup: bool = False, **options) -> None:
        """As App.notify, but plain text: every message here may quote a file name or a file's content."""
        super().notify(message, markup=markup, **options)

    def _fit(self, width: int, height: int) -> None:
        self.too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.compact = width < ROOMY_WIDTH or height < ROOMY_HEIGHT
        self.set_class(self.too_small, "-too-small")  # every screen over the main one hides (app.tcss)
        self._layout_classes({
            "-too-small": self.too_small,
            "-compact": self.compact,
            # Several samples make the values table scroll whatever its height, and the chart (E_test beside
            # E_total for a data set) is what they are run for: from 40 rows the chart gets 8 rows to draw in.
            "-chart-room": height >= CHART_ROOM_HEIGHT and len(self.stepper.net.samples) > 1,
            # (compact, v shows one panel at a time: the history and the chart stay among them)
            "-values-first": self.tutor_on and not self.compact and height < TUTOR_ROOM_HEIGHT,
        })
        self._fitted = self.stepper.net
        self._refresh_footer()

    def watch_panel(self) -> None:
        self._layout_classes({f"-show-{panel}": panel == self.panel for panel in PANELS})
        self._refresh_footer()

    # -- the footer -------------------------------------------------------
    def footer_order(self) -> list[str]:
        """The actions the footer may show in this state, the most useful first (KeyFooter shows those
        that work now, as many as fit)."""
        order = ["stop_export", "next", "previous", "finish_phase", "finish_epoch", "run"]
        if self.compact:  # v is the only way to the chart and the history; theirs come with them
            order += ["cycle_panel", *{"history": ["history_columns"], "chart": ["log_scale", "accuracy_chart"]}.get(self.panel, [])]
        if self.boundary_on:  # the neurons' pictures beside it page on small screens: the next page first
            order.append("neuron_page(1)")
        order += ["help", "quit"]
        if self.boundary_on:
            order += ["neuron_page(-1)", "select_neuron(1)", "select_neuron(-1)"]
        order += ["tutor", "quiz"]
        if self.quiz_on:
            order += ["quiz_phases", "quiz_tolerance"]
        order += ["open", "rates", "matrix", "edit", "learning_rate", "save", "export"]
        if not self.compact:
            order += ["history_columns", "log_scale", "accuracy_chart"]
        if self.stepper.net.sizes[0] == 2:
            order.append("boundary")
        # settings last: a key added later takes no place from those the footer showed before it
        return order + ["confusion", "gradients", "gradient_check", "progress", "reset", "settings"]

    def _refresh_footer(self) -> None:
        """Have the footer choose its keys again: footer_order depends on this state (it redraws only
        where its keys changed)."""
        if hasattr(self, "panels"):  # not composed yet: the footer chooses when it is first drawn
            self.screen_stack[0].refresh_bindings()

    def _layout_classes(self, wanted: dict[str, bool]) -> None:
        """Set the main screen's layout classes in one go: each change restyles the whole screen."""
        screen = self.screen_stack[0]
        classes = (set(screen.classes) - set(wanted)) | {name for name, on in wanted.items() if on}
        if classes != set(screen.classes):
            screen.set_classes(classes)

    def _update_chart(self) -> None:
        history = self.stepper.history
        version = (id(history), history.revision)
        if self.accuracy_on and history.metrics.classes:  # each curve's share of samples right, from 0 to 1
            curves = {"training": history.accuracies()}
            if self.stepper.net.test_samples:
                curves["test"] = history.test_accuracies()
            self.panels["chart"].set_curves(curves, version, mark=self.stepper.epoch,
                                            title="accuracy at each epoch's start", limits=(0.0, 1.0))
            return
        curves = {"E_total": history.epoch_losses()}
        if self.stepper.net.test_samples:
            curves["E_test"] = history.test_losses()
        self.panels["chart"].set_curves(curves, version, mark=self.stepper.epoch)

    def changed(self) -> None:
        """The stepper changed in place: its watchers, the app's and the bound panels', redraw what reads it.
        The tutor first takes back what was taken back (`p`)."""
        if self.tutor is not None:
            self.tutor.sync(self.stepper)
        self.mutate_reactive(BackpropApp.stepper)

    def watch_stepper(self) -> None:
        if self.stepper.net is not self._fitted:  # another network: its layout classes
            self._fit(self.size.width, self.size.height)
        if self.stepper.pristine != self._pristine:  # 0 works from the first step on
            self._pristine = self.stepper.pristine
            self._refresh_footer()
        self._update_chart()

    def _progress(self) -> tuple:
        """The stepper's undo mark, finished steps, and the step and position under way."""
        stepper = self.stepper
        return stepper.mark(), len(stepper.history), stepper.step, stepper.position

    def unsaved_work(self) -> str | None:
        """What would be lost if the session were replaced or left now, in words; None if nothing:
        the steps since it was last saved or opened (all of them, for work never saved)."""
        stepper = self.stepper
        mark, finished, step, position = self.saved
        if not (stepper.position or len(stepper.history)) or not stepper.changed_since(mark):
            return None
        epochs = len(stepper.history) - finished
        steps = 0 if stepper.step_done else stepper.position - (position if stepper.step == step else 0)
        parts = [counted(epochs, f"finished {stepper.schedule.unit}")] if epochs > 0 else []
        parts += [f"{counted(steps, 'step')} of {stepper.where}"] if steps > 0 else []
        return " and ".join(parts) or "work since the last save (steps taken back, or a value edited)"

    # -- stepping -------------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        # Below the smallest size only the note asking for more room is drawn: nothing else may open
        # (the command palette cannot even draw its list in a few columns).
        if action != "quit" and self.too_small:
            return False
        if action == "stop_export":
            return self.exporting
        if action in STEPPING and (self.running or len(self.screen_stack) > 1):
            return False
        if action in self.hidden_actions:  # a lesson's hidden keys leave the footer too
            return False
        if action == "cycle_panel":  # the panels take turns only on a compact screen
            return self.compact
        if action == "reset":  # nothing to go back to
            return not self.stepper.pristine
        if action == "select_neuron":  # the boundary's pictures show the selection
            return self.boundary_on and self.stepper.net.sizes[0] == 2 and self.stepper.net.depth > 1
        if action == "neuron_page":
            return self.boundary_on and "boundary" in self.panels and self.panels["boundary"].pages > 1
        if action in CLASSES_ONLY:
            return self.stepper.history.metrics.classes
        if action == "settings":  # a lesson is about its own network (o, opening another, ends it)
            return self.lesson is None
        return True

    def action_next(self) -> None:
        if self.tutor_on:
            self.tutor_next()
            return
        if self.quiz_on and self.quiz.asks(self.stepper.upcoming):
            self.quiz_bar.tell("Type your value and press enter, or esc to see it.")
            return
        self.stepper.next()
        self.changed()

    def action_previous(self) -> None:
        edit = self.stepper.last_edit
        if self.stepper.previous():
            self.changed()
            if edit:  # nothing on screen may show the value an edit changed: say it is back
                symbol, old = edit
                self.notify(f"Took back the edit of {symbol}: it is {format_number(old)} again.", timeout=4)
        elif self.before_settings:
            self.take_back_settings()
        else:
            self.notify("Already at the start.", timeout=2)

    def action_finish_phase(self) -> None:
        self.finish("phase")

    def action_finish_epoch(self) -> None:
        self.finish("epoch")

    def finish(self, until: str) -> None:
        """Finish the phase or the epoch: at once, or what is left after FINISH_AT_ONCE seconds in a worker
        with a progress bar, so that nothing keeps the screen waiting without a word (a 100-100-100 epoch
        with 16 samples is 374,401 operations)."""
        if self.tutor_on:
            self.tutor_finish(until)
            return
        stepper = self.stepper
        count = stepper.operations_left(until)
        done, deadline = 0, time.perf_counter() + FINISH_AT_ONCE
        while done < count and time.perf_counter() < deadline:
            stepper.next()
            done += 1
        if done == count:
            self.changed()
            return
        self.running, self.stop_requested = True, False
        progress = self.run_dialog = RunScreen(count, on_cancel=self._request_stop,
                                               title=f"Finishing the {until}: {counted(count, 'operation')}, each traced")
        self.push_screen(progress)
        self.trace_operations(count, progress, done)

    @work(thread=True, exclusive=True, group="run")
    def trace_operations(self, count: int, progress: RunScreen, done: int = 0) -> tuple[int, int, str]:
        """(operations done, operations asked, "operation"): each one traced, as `n` would, so each can be
        undone; `done` of them already are."""
        worker = get_current_worker()
        if done:
            self.call_from_thread(progress.advance, done)
        while done < count and not (self.stop_requested or worker.is_cancelled):
            for _ in range(min(TRACE_CHUNK, count - done)):
                self.stepper.next()
            done = min(done + TRACE_CHUNK, count)
            self.call_from_thread(progress.advance, done)
        return done, count, "operation"

    def action_reset(self) -> None:
        def reset(sure: bool | None) -> None:
            if sure:
                self.stepper.reset()
                self._replace_stepper(self.stepper)
                self.notify("Back to the network's starting numbers.", timeout=3)

        stepper = self.stepper
        if stepper.pristine:
            return
        # Reset cannot be undone, so it asks first: a stray 0 must not cost an afternoon's work.
        self.push_screen(ConfirmScreen(f"Back to the network's starting numbers, as it was opened (edits made with "
                                       f"w and l go too)? This clears {counted(len(stepper.history), f'finished {stepper.schedule.unit}')} "
                                       "and cannot be undone (ctrl+s saves them first)."), reset)

    def action_run(self) -> None:
        if self.tutor_on:  # a run would skip every value the tutor asks
            self.tutor_bar.tell("The tutor is on: u turns it off, then r runs many epochs.")
            return

        def check(text: str) -> str | None:
            try:
                epochs = read_whole(text)
            except ValueError:
                return "a whole number of epochs, e.g. 1000"
            if not 1 <= epochs <= MAX_RUN:
                return f"between 1 and {MAX_RUN:,}"
            self.start_run(epochs, prompt)
            return WAIT

        prompt = PromptScreen("Run how many epochs?", "e.g. 1000", "1000", check)
        self.push_screen(prompt)

    def start_run(self, epochs: int, prompt: PromptScreen) -> None:
        """The run in a worker, said in its prompt, which stays until the run ends (esc stops it); past
        RUN_DIALOG_AFTER a progress bar takes the prompt's place."""
        self.running, self.stop_requested = True, False
        self.run_dialog, self.run_done = prompt, 0

        def stop() -> None:  # the prompt stays until the run has stopped, as the progress bar does
            self._request_stop()
            prompt.wait("Stopping after the current chunk …", stop)

        prompt.wait(f"Running {counted(epochs, 'epoch')} · esc stops", stop)
        self.set_timer(RUN_DIALOG_AFTER, lambda: self._show_run_progress(epochs, prompt))
        # Looked up here, not in the thread: it only calls the boundary's show_run, through call_from_thread.
        boundary = self.panels.get("boundary") if self.boundary_on and self.stepper.net.sizes[0] == 2 else None
        self.run_epochs(epochs, boundary)

    def _show_run_progress(self, epochs: int, prompt: PromptScreen) -> None:
        if self.run_dialog is prompt and self.screen is prompt:  # still running, and nothing opened over it
            self.run_dialog = RunScreen(epochs, on_cancel=self._request_stop, done=self.run_done)
            self.switch_screen(self.run_dialog)

    def _run_advanced(self, done: int) -> None:
        self.run_done = done
        if isinstance(self.run_dialog, RunScreen):
            self.run_dialog.advance(done)

    def _request_stop(self) -> None:
        self.stop_requested = True

    @work(thread=True, exclusive=True, group="run")
    def run_epochs(self, epochs: int, boundary=None) -> tuple[int, int]:
        """(epochs done, epochs asked), with the decision `boundary` redrawn as it goes if it is on show;
        on_worker_state_changed takes it from there."""
        worker = get_current_worker()

        def on_progress(count: int) -> None:
            self.call_from_thread(self._run_advanced, count)
            if boundary is not None:  # a copy, taken here between chunks, for the main thread to draw
                self.call_from_thread(boundary.show_run, dict(self.stepper.values))

        done = self.stepper.run(
            epochs,
            on_progress=on_progress,
            should_stop=lambda: self.stop_requested or worker.is_cancelled,
            # shown, the boundary is redrawn about 50 times a run, as TensorFlow Playground does
            **({"chunk": min(max(1, epochs // 50), 20_000)} if boundary is not None else {}),
        )
        self.stepper.history.first_divergence()  # looked through here, not on the main thread after the run
        return done, epochs, "epoch"

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        # event.state, not worker.state: by the time the PENDING and RUNNING events arrive, a short
        # worker has finished, and each of them would be taken for its end.
        if worker.group not in BUSY_GROUPS or event.state not in FINISHED:
            return
        if worker.group == "export":
            self.exporting = False
            self.progress_line.finish()
        self.running = False
        if worker.group == "run":
            await self._run_finished(worker)
        elif worker.group == "gradients":
            if event.state == WorkerState.SUCCESS:
                screen, curves, note = worker.result
                screen.show(curves, note)
        elif event.state == WorkerState.SUCCESS:
            message, severity = worker.result
            self.notify(message, severity=severity)
            if worker.group == "export" and severity == "information":
                self.panels["operation"].note = message
            if worker.group == "save" and severity == "information":
                self.saved = self.saving
                if self.quit_after_save and self.served is None:
                    self.exit()
                elif self.quit_after_save:  # the download must reach the browser before the app goes
                    self.quit_after_delivery = True
            self.quit_after_save = False
        if self.leave_when_idle:
            self._signalled()
        elif self.quit_when_idle:
            self.quit_when_idle = False
            self.action_quit()

    async def _run_finished(self, worker: Worker) -> None:
        # The panels told first: the dialog's going draws them with the run's numbers, where it drew them as they
        # were and then they came in a frame later (17-25 ms after `r` at 100-100-100).
        self.changed()
        dialog, self.run_dialog = self.run_dialog, None
        if isinstance(dialog, PromptScreen):
            dialog.stop_waiting()
        closing = self.close_dialog(dialog)
        if closing is not None:
            await closing
        if worker.state == WorkerState.SUCCESS:
            done, asked, unit = worker.result
            if done < asked:
                self.notify(f"Stopped after {done:,} of {counted(asked, unit)}.")
        diverged, schedule = self.stepper.history.first_divergence(), self.stepper.schedule
        if diverged:  # a step: with batches, a batch of an epoch
            where = schedule.describe(diverged) if schedule.batched else f"epoch {diverged:,}"
            self.notify(f"E_total stopped being a finite number at {where}: this learning rate diverges.",
                        severity="warning")

    # -- editing --------------------------------------------------------
    def action_learning_rate(self) -> None:
        old = self.stepper.values["lr"]

        def check(text: str) -> str | None:
            try:
                rate = read_number(text)
            except ValueError:
                return "a positive number, e.g. 0.5"
            try:
                self.stepper.set_lr(rate)
            except ValueError as error:
                return str(error)
            return None

        self.push_screen(PromptScreen("Learning rate (applies from the next update)", "e.g. 0.5", format_number(old),
                                      check), lambda done: self._edited("lr", old) if done else self.changed())

    def _edited(self, symbol: str, old: float) -> None:
        """Say what an edit changed: until an operation reads it, the screen may show nothing of it."""
        self.changed()
        when = "the next update" if symbol == "lr" else "the next operation that reads it"
        self.notify(f"{symbol} = {format_number(self.stepper.values[symbol])} (was {format_number(old)}), from {when}; "
                    "p takes the edit back.", timeout=4)

    def action_edit(self) -> None:
        symbols = self.stepper.free_symbols()
        edited: list[tuple[str, float]] = []  # the symbol, and its value before the edit

        def check(text: str) -> str | None:
            name, _, number = text.replace("=", " ").strip().partition(" ")
            try:
                value = read_number(number)
            except ValueError:
                return f"write it as: {name or 'w5'} = 0.42"
            old = self.stepper.values.get(name)
            try:
                self.stepper.set_value(name, value)
            except KeyError as error:
                return error.args[0]
            except ValueError as error:
                return str(error)
            edited.append((name, old))
            return None

        self.push_screen(
            PromptScreen("Edit a value: symbol = number (applies from the next operation that reads it)",
                         "e.g. w5 = 0.42", check=check, suggestions=[f"{s} = " for s in symbols],
                         hint=f"editable: {', '.join(symbols[:24])}{' …' if len(symbols) > 24 else ''}"),
            lambda _: self._edited(*edited[-1]) if edited else self.changed(),
        )

    def action_open(self) -> None:
        if self.served is not None:
            self.open_served()
            return
        from ..core.loader import example_names  # on first use, as in _signalled
        from ..core.session import SESSION_SUFFIX

        def check(text: str) -> str | None:
            text = text.strip()
            if text in PRESETS:
                return None
            if text.lower().endswith(SHEET_SUFFIXES):
                if not Path(text).is_file():
                    return f"{text}: no such file"
                # A sheet starts at epoch 1: the network as opened, with the learning rate now on screen.
                self.check_sheet(text, self.stepper.net.with_start(lr=self.stepper.parameters.lr))
                return None
            # A network file or a session can take seconds to read (a data file of 100,000 rows, a long
            # history): in a worker, which esc stops, while the prompt says so.
            prompt.wait(f"Opening {text} … (esc stops)", lambda: self._stop_opening(prompt, text))
            self.open_file(text, prompt)
            return WAIT

        def done(result: str | None) -> None:
            from ..core.session import Study  # on first use, as in _signalled

            if result and result.strip() in PRESETS:
                name = result.strip()
                self.show_opened(name, Study(Stepper(PRESETS[name](), trainer=bulk.TRAINER), self.quiz))

        examples = [name for name in example_names() if name not in PRESETS]
        prompt = PromptScreen(f"Open a preset ({', '.join(PRESETS)}), an example ({', '.join(examples)}), "
                              f"a network file (.toml, .json), a saved session ({SESSION_SUFFIX}) or a "
                              "spreadsheet to check (.csv, .xlsx)", "mazur  or  tanh-3-layer", check=check,
                              suggester=PathSuggester(list(PRESETS) + examples))
        self.push_screen(prompt, done)

    def open_served(self) -> None:
        """`o` in a browser: a name from the list (app/served.py), never a path a visitor types."""
        from ..core.session import Study  # on first use, as in _signalled

        names = self.served.openable()

        def check(text: str) -> str | None:
            name = text.strip()
            if name not in names:
                return f"not one of these: {', '.join(names)}"
            if names[name] is None:  # a preset
                return None
            prompt.wait(f"Opening {name} … (esc stops)", lambda: self._stop_opening(prompt, name))
            self.open_file(str(names[name]), prompt, shown=name)
            return WAIT

        def done(result: str | None) -> None:
            name = (result or "").strip()
            if names.get(name, "") is None:
                self.show_opened(name, Study(Stepper(PRESETS[name](), trainer=bulk.TRAINER), self.quiz))

        prompt = PromptScreen("Open a preset, an example or one of this lesson's files", "mazur  or  tanh-3-layer",
                              check=check, suggestions=list(names), hint=", ".join(names))
        self.push_screen(prompt, done)

    @work(thread=True, exclusive=True, group="open")
    def open_file(self, path: str, prompt: PromptScreen, shown: str | None = None) -> None:
        """Read a network file (a lesson, if it has a `[lesson]` table) or a saved session, and hand it to the main
        thread (`_opened`).  `shown`: the name to tell the user instead of the path (a served app's list)."""
        from ..core.loader import load_lesson, network_path  # on first use: start-up stays fast
        from ..core.session import SESSION_SUFFIX, SessionError, Study, open_study

        worker = get_current_worker()
        stop = lambda: worker.is_cancelled  # noqa: E731
        try:
            if path.endswith(SESSION_SUFFIX):
                opened = (open_study(path, bulk.TRAINER, should_stop=stop), path)
            else:
                # a file, or a shipped example by name; served, its data file is kept to the file's folder
                network, lesson = load_lesson(network_path(path), should_stop=stop, confined=self.served is not None)
                opened = (Study(Stepper(network, trainer=bulk.TRAINER), self.quiz, lesson=lesson), None)
                unknown = self.unknown_keys(lesson.hidden_keys) if lesson else []
                if unknown:
                    opened = f"{path}: lesson.hidden_keys: {unknown[0]!r} is not a key of the app"
            if not isinstance(opened, str):
                opened[0].stepper.history.first_divergence()  # looked through here, not when the history first draws
        except Stopped:
            return
        except NetworkError as error:
            opened = f"{shown or path}: {error}"
        except SessionError as error:
            opened = str(error)
        self.call_from_thread(self._opened, worker, prompt, shown or path, opened)

    def _opened(self, worker: Worker, prompt: PromptScreen, path: str, opened) -> None:
        if worker.is_cancelled:  # esc came first: the prompt already says it stopped
            return
        prompt.stop_waiting()
        if isinstance(opened, str):
            prompt.show_error(opened)
            return
        self.close_dialog(prompt)
        self.show_opened(path, *opened)

    def close_dialog(self, dialog: Screen | None) -> AwaitComplete | None:
        """Close `dialog` and whatever was opened over it meanwhile (the command palette, help), which would
        otherwise leave it waiting under them; a dialog already gone is left alone."""
        if dialog not in self.screen_stack:
            return None
        while self.screen is not dialog:
            self.pop_screen()
        return dialog.dismiss(None)

    def _stop_opening(self, prompt: PromptScreen, path: str) -> None:
        self.workers.cancel_group(self, "open")
        prompt.show_error(f"Stopped: {path} is not opened.")

    def show_opened(self, what: str, study, session_path: str | None = None) -> None:
        """Put an opened network, lesson or session (a session.Study) on screen, after a yes if unsaved work
        would be lost."""

        def replace() -> None:
            self.quiz = study.quiz
            if session_path:
                self.session_path = session_path
            self._replace_stepper(study.stepper)
            self.open_tutor(study)

        self.replace_if_sure(f"open {what}", replace)

    def replace_if_sure(self, what: str, replace) -> None:
        """Call `replace` (which replaces the work on screen) at once, or after a yes if work would be lost."""
        lost = self.unsaved_work()
        if not lost:
            replace()
            return
        self.push_screen(ConfirmScreen(f"To {what}, the work on screen goes: {lost}, not saved "
                                       "(p cannot bring it back). Go on? (esc, then ctrl+s, saves it first)"),
                         lambda sure: replace() if sure else None)

    @work(thread=True, exclusive=True, group="sheet")
    def check_sheet(self, path: str, net: Network) -> None:
        """Check a student's sheet against the network it carries (a workbook of exercise or x) or else `net`
        (the network on screen, as opened), then show where it first goes wrong."""
        from ..sheets import SheetError, check_sheet  # on first use, as in _signalled
        from ..sheets.carried import carried_network

        try:
            net = carried_network(path) or net
            report = check_sheet(path, net)
        except SheetError as error:
            self.call_from_thread(self.notify, str(error), severity="error")
            return
        stepper = Stepper(net, trainer=bulk.TRAINER)
        if report.first:
            stepper.go_to(report.first.step, report.first.symbol)  # the epoch, without batches
        self.call_from_thread(self._show_check, report, stepper)

    def _show_check(self, report, stepper: Stepper) -> None:
        first = report.first
        if report.ok:
            note = f"{report.path}: " + ("the one cell is right." if report.cells == 1 else f"all {report.cells:,} cells are right.")
            self.notify(note)
        else:
            note = (f"{report.path}: {counted(report.wrong, 'wrong cell')}. First: {first.where}, "
                    f"{first.symbol} (cell {first.cell}) is {first.sheet_text}; correct "
                    f"{format_number(first.correct, 6)} — {first.explanation()}.")
            if first.slip is not None and first.slip.formula != first.formula:
                note += f" The sheet computed {first.slip.formula}."
            note += " Wrong cells are marked in the history."
            self.notify(f"{counted(report.wrong, 'wrong cell')}; the first mistake starts at {first.where}, "
                        f"{first.symbol}.", severity="warning")
        marks = {(m.step, m.symbol): m.explanation() for m in report.mismatches}  # the history has a row per step
        self.replace_if_sure(f"show {report.path} checked", lambda: self._replace_stepper(stepper, marks, note))

    async def action_export(self) -> None:
        if self.progress_line is None:
            self.progress_line = ProgressLine(id="progress-line")
            await self.mount(self.progress_line, before="#too-small")
        self.exporting, self.stop_requested = True, False
        self.running = True
        self.progress_line.start("Exporting the history, the workbook and the worked solution")
        self.export_files(self.progress_line)

    def action_stop_export(self) -> None:
        self._request_stop()

    @work(thread=True, exclusive=True, group="export")
    def export_files(self, line: ProgressLine) -> tuple[str, str]:
        """(message, severity), for on_worker_state_changed.  It reads the stepper while `running` keeps
        the stepping keys off; the screen, the views and help stay in use, and esc or q stops it."""
        from ..sheets import ExportError  # on first use, as in _signalled
        from .saving import Stopped, export_files

        worker = get_current_worker()
        shown = [0.0]  # when the bar last moved: ten times a second is enough for the eye

        def progress(done: int, total: int) -> None:
            if self.stop_requested or worker.is_cancelled:
                raise Stopped
            if time.monotonic() - shown[0] >= 0.1:
                shown[0] = time.monotonic()
                self.call_from_thread(line.advance, done, total)

        try:
            if self.served is None:
                return export_files(self.stepper, quiz=self.quiz, progress=progress), "information"
            from .served import bundled, deliver, written  # served only (app/served.py)

            said: list[str] = []
            files = written(lambda folder: said.append(export_files(self.stepper, folder, self.quiz, progress,
                                                                     self_contained=True)))
            archive = bundled(safe_file_name(self.stepper.net.name, "-export.zip"), files)
            self.call_from_thread(deliver, self, [archive])
            contents = said[0].removeprefix("Exported ")
            return f"Sent to your browser as {archive[0]}, which holds: {contents}", "information"
        except Stopped:
            return "Export stopped: no file written.", "information"
        except (OSError, ExportError, NetworkError) as error:  # NetworkError: numbers no longer finite
            return f"Export stopped: {error} (no file written)", "error"
        # An export is an extra: whatever goes wrong in it must not crash the app and lose the work on screen.
        except Exception as error:
            return f"Export failed: {type(error).__name__}: {error} (no file written)", "error"

    def action_save(self) -> None:
        from ..core.session import SESSION_SUFFIX  # on first use, as in _signalled

        if self.served is not None:  # a download, named after the network: the server keeps nothing
            self.running = True
            self.saving = self._progress()
            self.save_study_as(safe_file_name(self.stepper.net.name, SESSION_SUFFIX))
            return

        def save(path: str | None) -> None:
            path = (path or "").strip()
            if not path:
                self.quit_after_save = False
            elif path != self.session_path and os.path.lexists(path) and not os.path.isdir(path):
                # Another file of that name (the session's own is saved over, as an editor saves):
                # replaced only when the student says so.
                self.push_screen(ConfirmScreen(f"{path} exists already. Replace it with this session?"),
                                 lambda sure: start(path) if sure else save(None))
            else:
                start(path)

        def start(path: str) -> None:
            self.session_path = path
            self.running = True
            self.saving = self._progress()  # the stepping keys wait until it is written
            self.save_study_as(path)

        from .saving import hangup_folder  # on first use, as in check_sheet

        # A resumed hang-up save is saved where the user works, not back into the data folder.
        hung_up = self.session_path and Path(self.session_path).parent == hangup_folder()
        suggested = (None if hung_up else self.session_path) or safe_file_name(self.stepper.net.name, SESSION_SUFFIX)
        self.push_screen(PromptScreen("Save the session to", f"e.g. mazur{SESSION_SUFFIX}", suggested,
                                      suggester=PathSuggester([])), save)

    @work(thread=True, exclusive=True, group="save")
    def save_study_as(self, path: str) -> tuple[str, str]:
        """(message, severity), for on_worker_state_changed.  Served, `path` is the download's name."""
        if self.served is not None:
            from .served import deliver, written  # served only (app/served.py)

            try:
                files = written(lambda folder: self.save_study(str(folder / path)))
            except OSError as error:
                return f"Not saved: {error.strerror or error}", "error"
            self.call_from_thread(deliver, self, files)
            return (f"Sent to your browser as {path}: backprop-tui --resume {path} brings it back on a machine with "
                    "backprop-tui.", "information")
        try:
            self.save_study(path)
        except OSError as error:
            return f"Not saved: {error}", "error"
        return f"Saved to {path}; backprop-tui --resume {path} brings it back.", "information"

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        if self.quit_after_delivery:
            self.exit()

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        self.quit_after_delivery = False
        self.notify(f"The download did not reach your browser: {event.exception}", severity="error")

    def action_quit(self) -> None:
        if self.running:
            # The stepper is changing in a thread: it can be neither saved nor left unasked.  A run stops
            # after its chunk (keeping the epochs done), an export writes nothing, a save finishes; then q goes on.
            self.quit_when_idle = True
            self._request_stop()
            self.notify("Stopping what is under way; then quitting.", timeout=3)
            return
        lost = self.unsaved_work()
        if not lost:
            self.exit()
            return

        def answer(choice: str | None) -> None:
            if choice == "quit":
                self.exit()
            elif choice == "save":
                self.quit_after_save = True
                self.action_save()

        self.push_screen(ChoiceScreen(f"{lost[0].upper()}{lost[1:]} not saved.",
                                      [("s", "save, then quit", "save"), ("d", "quit without saving", "quit")]), answer)

    def _replace_stepper(self, stepper: Stepper, marks: dict | None = None, note: str | None = None,
                         undoable: bool = False) -> None:
        """Show another stepper, or the same one reset; `marks` are a checked sheet's wrong cells, `note` its verdict.
        Only the settings' replacements are `undoable`: anything else forgets the steppers they replaced."""
        if not undoable:
            self.before_settings.clear()
        self.stepper = stepper  # the bound panels take it up
        if self.tutor is not None:
            self.tutor.restart(stepper.net)
        self.panels["history"].marks = marks or {}
        self.panels["operation"].note = note
        self.saved = self._progress()

    # -- settings -------------------------------------------------------
    def action_settings(self) -> None:
        from .widgets.settings_screen import SettingsScreen  # on first use: it imports the loader (start-up)

        try:
            net = self.stepper.network()  # the numbers as they stand, edits included
        except NetworkError:  # a diverged run: its numbers are not finite; the network as opened, then
            net = self.stepper.net
        self.push_screen(SettingsScreen(net, self.unsaved_work, served=self.served is not None), self.apply_settings)

    def apply_settings(self, stepper: Stepper | None) -> None:
        """Put the network the settings screen built on screen, as one step: `p` at its start brings back the
        stepper it replaced, exactly as it was (take_back_settings)."""
        # The network is built in a worker: its result may come as the app closes, with no screen to show it on.
        if stepper is None or not self.screen_stack:
            return
        self.before_settings.append((self.stepper, self.saved))
        self._replace_stepper(stepper, undoable=True)
        self.notify(f"New settings: {stepper.net.name}, layers {'-'.join(map(str, stepper.net.sizes))}, "
                    f"{counted(len(stepper.net.samples), 'training sample')}; p takes them back.", timeout=4)

    def take_back_settings(self) -> None:
        stepper, saved = self.before_settings.pop()
        self._replace_stepper(stepper, undoable=True)
        self.saved = saved  # its own work, saved or not, as before the settings
        self.notify(f"Took back the settings: {stepper.net.name} again, at {stepper.where}.", timeout=4)

    # -- history and chart ----------------------------------------------
    def action_history_sideways(self, step: int) -> None:
        self.panels["history"].scroll_columns(step)

    def action_history_columns(self) -> None:
        self.push_screen(ColumnsScreen(self.panels["history"]))

    def action_log_scale(self) -> None:
        self.panels["chart"].log_scale = not self.panels["chart"].log_scale

    def action_accuracy_chart(self) -> None:
        self.accuracy_on = not self.accuracy_on

    def watch_accuracy_on(self, on: bool) -> None:
        self.panels["chart"].border_title = "accuracy" if on else "loss"
        self._update_chart()

    def action_confusion(self) -> None:
        stepper = self.stepper
        metrics = stepper.history.metrics
        net, parameters = stepper.net, stepper.parameters
        env = dict(zip(net.names.weights, parameters.weights))
        env.update(zip(net.names.biases, parameters.biases))
        tables = [confusion_text(metrics, metrics.confusion(env, stepper.samples), "training samples")]
        if net.test_samples:
            tables.append(confusion_text(metrics, metrics.confusion(env, net.test_samples), "test samples"))
        self.push_screen(ConfusionScreen(f"Confusion matrix, {stepper.where}: the current parameters", tables,
                                         "A row per target class, a column per class the network names; the right "
                                         "ones are on the diagonal. esc closes"))

    def action_gradients(self) -> None:
        self.push_screen(GradientsScreen(self.stepper.history, self.stepper.net.depth))

    def measure_gradients(self, screen: GradientsScreen, width: int) -> None:
        """The gradients' view's numbers, worked out in a thread that holds `running` (the stepping keys wait:
        it re-derives rows from the history) until on_worker_state_changed hands them to the view."""
        self.running = True
        self._measure_gradients(screen, width)

    @work(thread=True, exclusive=True, group="gradients")
    def _measure_gradients(self, screen: GradientsScreen, width: int) -> tuple:
        return (screen, *screen.measure(width))

    def action_gradient_check(self) -> None:
        stepper = self.stepper
        # This epoch's parameters as its forward pass used them: undone where the update has begun.
        env = {symbol: stepper.values[symbol] for symbol in stepper.program.free}
        env.update((op.symbol, op.old) for op in stepper.done[stepper.program.phase_bounds("update")[0]:]
                   if op.old is not None)
        results = check_epochs(Schedule(stepper.program.net, stepper.program), env, 1, DEFAULT_TOLERANCE)
        table, ok = gradient_table(results, DEFAULT_TOLERANCE)
        wrong = sum(not worst.passed for worst in results)
        verdict = ("Every gradient agrees." if ok else
                   f"{counted(wrong, 'gradient')} off by more than a relative {format_number(DEFAULT_TOLERANCE)}.")
        self.push_screen(GradientCheckScreen(f"Gradient check, {stepper.where}: backward pass vs "
                                             "(E(p+h) − E(p−h)) / 2h", table, verdict, ok))

    # -- quiz -----------------------------------------------------------
    def action_quiz(self) -> None:
        self.quiz_on = not self.quiz_on

    async def watch_quiz_on(self, on: bool) -> None:
        if on:
            self.tutor_on = False  # one of them asks at a time
        if on and not self.quiz_bar:
            self.quiz_bar = QuizBar(self.stepper, self.quiz, id="quiz").data_bind(BackpropApp.stepper, BackpropApp.quiz)
            await self.mount(self.quiz_bar, before="#too-small")
        if self.quiz_bar:
            self.quiz_bar.set_class(on, "-on")
            self.quiz_bar.turn(on)
        self.screen_stack[0].query("ToastRack").set_class(on or self.tutor_on, "-quiz")
        self._refresh_footer()
        if on:
            self.quiz_bar.tell(f"Quiz on ({', '.join(self.quiz.phases)}); z turns it off, Z chooses the phases.")

    def action_quiz_phases(self) -> None:
        self.quiz.phases = self.quiz.next_phases()
        self.mutate_reactive(BackpropApp.quiz)  # the quiz bar asks again
        message = f"The quiz asks about: {', '.join(self.quiz.phases)}."
        if self.quiz_on:
            self.quiz_bar.tell(message)
        else:
            self.notify(message, timeout=2)

    def action_quiz_tolerance(self) -> None:
        def check(text: str) -> str | None:
            try:
                value = read_number(text)
            except ValueError:
                value = 0.0
            if not value > 0:
                return "a positive number, e.g. 0.001 for 0.1 %"
            self.quiz.tolerance = value
            return None

        self.push_screen(PromptScreen("Quiz tolerance (relative)", "e.g. 0.001", format_number(self.quiz.tolerance),
                                      check))

    def on_quiz_bar_step(self, message: QuizBar.Step) -> None:
        op = self.stepper.next()
        self.changed()
        self.quiz_bar.reveal(op, message.right, message.said)

    # -- the tutor ----------------------------------------------------------
    def action_tutor(self) -> None:
        self.tutor_on = not self.tutor_on

    async def watch_tutor_on(self, on: bool) -> None:
        # The tutor, lessons and the progress record wait for first use (docs/architecture.md, "Imports").
        from ..core.tutor import Tutor
        from .widgets.tutor_bar import TutorBar

        if on:
            self.quiz_on = False
            if self.tutor is None:
                self.tutor = Tutor(self.stepper.net)
        if on and not self.tutor_bar:
            self.tutor_bar = TutorBar(self.stepper, self.tutor, self.quiz, id="tutor").data_bind(BackpropApp.stepper)
            # On the main screen, under a lesson's opening page if that is already up.
            await self.screen_stack[0].mount(self.tutor_bar, before="#too-small")
        if self.tutor_bar:
            self.tutor_bar.turn(on, self.tutor, self.quiz)
        self._fit(self.size.width, self.size.height)  # the bar's rows: the layout classes (-values-first)
        self.screen_stack[0].query("ToastRack").set_class(on or self.quiz_on, "-quiz")
        if on and self.tutor.place.rung == 0 and self.tutor.ladder and not self.tutor.trail:
            self.tutor_bar.tell("Rung 0: the whole epoch is worked for you. Step through it with n; before the "
                                "first of each kind of operation, pick the rule that gives it. u turns the tutor off.")

    def tutor_next(self) -> None:
        """n under the tutor: a worked operation is performed; one the student computes waits for its value."""
        q = self.stepper.upcoming
        if self.tutor.wants_rule(q):
            self.tutor_bar.tell("Pick the rule first: 1–4, or esc to be shown it.")
        elif self.tutor.asks(q):
            self.tutor_bar.tell("Type your value and press enter, or esc to see it.")
        else:
            self.tutor_step(None)

    def tutor_step(self, outcome: str | None, said: str = "", slip: str = "") -> None:
        """Perform the next operation under the tutor: worked (outcome None) or answered; and keep the attempt."""
        tutor, q = self.tutor, self.stepper.upcoming
        was_over = self.lesson_over()
        op, news = tutor.next(self.stepper, outcome)
        if outcome is not None or news:
            name, place = self.stepper.net.name, tutor.place

            def change(record) -> None:
                if outcome is not None:
                    record.add(name, q.kind, outcome, slip)
                if tutor.ladder:
                    record.add_ladder(name, place.rung, tutor.top, place.alone)

            self.record(change)
        self.changed()
        self.tutor_bar.reveal(op, outcome, said, news)
        if not was_over and self.lesson_over():
            self.close_lesson()

    def tutor_finish(self, until: str) -> None:
        """f and e under the tutor: the worked operations up to the end of the phase or the epoch, stopping at
        the first one the student computes or picks a rule for (and after FINISH_AT_ONCE seconds: e again
        goes on, so that a key never keeps the screen waiting)."""
        stepper, tutor = self.stepper, self.tutor
        phase, op, news, steps = stepper.upcoming.phase, None, "", 0
        deadline = time.perf_counter() + FINISH_AT_ONCE
        while time.perf_counter() < deadline:
            q = stepper.upcoming
            if tutor.wants_rule(q) or tutor.asks(q) or (until == "phase" and q.phase != phase and steps):
                break
            op, said = tutor.next(stepper)
            news, steps = said or news, steps + 1
            if stepper.epoch_done or (until == "phase" and stepper.step_done):
                break
        if op is None:
            self.tutor_next()  # says what the operation waits for
            return
        if news:
            self.record(lambda record: record.add_ladder(stepper.net.name, tutor.place.rung, tutor.top,
                                                         tutor.place.alone))
        self.changed()
        self.tutor_bar.reveal(op, None, "", news)

    def on_tutor_bar_step(self, message: TutorBar.Step) -> None:
        self.tutor_step(message.outcome, message.said, message.slip)

    def on_tutor_bar_picked(self, message: TutorBar.Picked) -> None:
        name = self.stepper.net.name
        self.record(lambda record: record.add_rule(name, message.kind, message.right))

    def on_quiz_bar_attempt(self, message: QuizBar.Attempt) -> None:
        name = self.stepper.net.name
        self.record(lambda record: record.add(name, message.kind, message.outcome, message.slip))

    def record(self, change) -> None:
        """Add to the user's progress record (not with --no-record).  A few hundred bytes of JSON, read and
        written again at once, so that two apps of one user add up."""
        if not self.recording or (self.served is not None and self.record_path is None):
            return
        from ..core.progress import update_record  # on first use, as the tutor

        try:
            note = update_record(self.progress_path(), change)
        except OSError as error:
            self.recording = False
            self.notify(f"Progress not recorded: {error} (not tried again until the app restarts).", severity="warning")
            return
        if note:
            self.notify(note, severity="warning")

    def progress_path(self) -> Path:
        """The progress record: the visitor's in a served class's results, else the user's own."""
        from ..core.progress import RECORD_NAME  # on first use, as the tutor
        from ..user_data import data_folder

        return self.record_path or data_folder() / RECORD_NAME

    def action_progress(self) -> None:
        from ..core.progress import RecordError, read_records, render_table  # on first use, as the tutor
        from .widgets.study_screens import TextScreen

        if self.served is not None and self.record_path is None:
            self.push_screen(TextScreen("Your progress", "Nothing is recorded here: this class keeps no results."))
            return
        path = self.progress_path()
        try:
            text = render_table(read_records(path)[0])
        except RecordError as error:
            text = "Nothing recorded yet." if not path.exists() else str(error)
        if not self.recording:
            text += "\n(--no-record: nothing of this session is being added.)"
        # A visitor is not told where the server keeps their record: the name they gave is theirs to know.
        self.push_screen(TextScreen("Your progress" if self.served else f"Your progress ({path})", text))

    # -- lessons --------------------------------------------------------
    @classmethod
    def unknown_keys(cls, keys) -> list[str]:
        """The keys of a lesson's hidden_keys that are not keys of the app."""
        known = {key for binding in cls.BINDINGS for key in binding.key.split(",")}
        return [key for key in keys if KEY_ALIASES.get(key, key) not in known]

    def start_lesson(self, lesson: Lesson, opening: bool = True) -> None:
        """Take the lesson's settings: its tolerance, its tutor (unless one was resumed), its hidden keys."""
        from ..core.tutor import Tutor  # on first use, as in watch_tutor_on
        from .widgets.study_screens import TextScreen

        self.lesson = lesson
        hidden = {KEY_ALIASES.get(key, key) for key in lesson.hidden_keys}
        bindings = [b for b in self.BINDINGS if hidden & set(b.key.split(","))]
        self.hidden_actions = {b.action for b in bindings}
        self.hidden_keys = {key for b in bindings for key in b.key.split(",")}
        if lesson.tolerance:
            self.quiz.tolerance = lesson.tolerance
        if opening:
            self.tutor = Tutor(self.stepper.net, lesson.ladder, lesson.rung, lesson.asks)
            if self.tutor_bar and self.tutor_on:
                self.tutor_bar.turn(True, self.tutor, self.quiz)
            self.tutor_on = True
            self.push_screen(TextScreen(lesson.title, lesson.opening or "Compute what the tutor asks."))
        self.refresh_bindings()

    def open_tutor(self, study) -> None:
        """What an opened file brings: a lesson, or a session's tutor; anything else ends a lesson under way."""
        if study.tutor is not None:
            self.tutor = study.tutor
        if study.lesson is not None:
            self.start_lesson(study.lesson, opening=study.tutor is None)
        elif self.lesson is not None:
            self.lesson, self.hidden_actions, self.hidden_keys = None, set(), set()
            self.tutor, self.tutor_on = None, False
            self.refresh_bindings()
        if study.tutor is not None:
            if self.tutor_bar and self.tutor_on:
                self.tutor_bar.turn(True, self.tutor, self.quiz)
            self.tutor_on = study.tutoring

    def lesson_over(self) -> bool:
        """The lesson is done: the ladder climbed, or without it, its epochs finished."""
        lesson, tutor = self.lesson, self.tutor
        if lesson is None:
            return False
        return tutor.complete if lesson.ladder else tutor.place.finished >= lesson.epochs

    def close_lesson(self) -> None:
        from .widgets.study_screens import TextScreen  # on first use, as in watch_tutor_on

        closing = self.lesson.closing + "\n\n" if self.lesson.closing else ""
        self.push_screen(TextScreen(f"{self.lesson.title}: done", f"{closing}Your score: {self.tutor.summary()}."))

    def on_key(self, event) -> None:
        if event.key in self.hidden_keys and len(self.screen_stack) == 1:
            self.notify(f"{event.key} is not part of this lesson.", timeout=2)

    def save_study(self, path: str) -> None:
        """The whole session, with the quiz, the tutor and the lesson (core/session.py)."""
        from ..core.session import save_study  # on first use, as in _signalled

        save_study(path, self.stepper, self.quiz, self.tutor, self.tutor_on, self.lesson)

    # -- views ----------------------------------------------------------
    def action_rates(self) -> None:
        from .rates import RatesScreen  # on first use: its widgets cost start-up (docs/architecture.md, "Imports")

        try:
            network, start = self.stepper.network(), self.stepper.describe_numbers()
        except NetworkError as error:  # a diverged run: there is nothing to sweep from
            self.notify(f"No learning rates to compare from here: {error} (p takes the run back).", severity="error")
            return
        if self.is_screen_installed("rates"):
            self.get_screen("rates").show(network, start)
        else:
            self.install_screen(RatesScreen(network, start), "rates")
        self.push_screen("rates")

    def action_matrix(self) -> None:
        self.matrix_on = not self.matrix_on

    def action_boundary(self) -> None:
        self.boundary_on = not self.boundary_on

    def watch_boundary_on(self, on: bool) -> None:
        if on:
            self.matrix_on = False  # both take the diagram's place
        if on and "boundary" not in self.panels:
            view = self.panels["boundary"] = BoundaryView(self.stepper, id="boundary").data_bind(
                BackpropApp.stepper, selected=BackpropApp.selected_neuron)
            self.query_one("#top").mount(view, before="#operation")
        self._swap_diagram()
        self._refresh_footer()

    def action_select_neuron(self, step: int) -> None:
        names = [neuron.name for neuron in hidden_neurons(self.stepper.net)]
        at = names.index(self.selected_neuron) if self.selected_neuron in names else (-1 if step > 0 else 0)
        self.selected_neuron = names[(at + step) % len(names)]

    def action_neuron_page(self, pages: int) -> None:
        self.panels["boundary"].turn_page(pages)

    def watch_matrix_on(self, on: bool) -> None:
        if on:
            self.boundary_on = False
        if on and "matrix" not in self.panels:
            # Mounted on first use: start-up has less to build and style, and less to import
            # (docs/architecture.md, "Imports").
            from .widgets.matrix import MatrixView

            view = self.panels["matrix"] = MatrixView(self.stepper, id="matrix").data_bind(BackpropApp.stepper)
            self.query_one("#top").mount(view, before="#operation")
        self._swap_diagram()

    def _swap_diagram(self) -> None:
        """The matrix view or the decision boundary in the diagram's place, or the diagram itself."""
        self.panels["diagram"].set_class(self.matrix_on or self.boundary_on, "-off")
        for name, on in (("matrix", self.matrix_on), ("boundary", self.boundary_on)):
            if name in self.panels:
                self.panels[name].set_class(on, "-on")

    def action_scroll_view(self, columns: int, rows: int) -> None:
        if self.matrix_on:
            self.panels["matrix"].scroll_relative(x=8 * columns, y=3 * rows, animate=False)
        else:
            self.panels["diagram"].scroll_by(columns, rows)

    def action_cycle_panel(self) -> None:
        self.panel = PANELS[(PANELS.index(self.panel) + 1) % len(PANELS)]

    def action_help(self) -> None:
        if len(self.screen_stack) == 1:
            self.push_screen(HelpScreen(self.key_help(), HELP_INTRO))

    def key_help(self) -> list[tuple[str, str]]:
        keys = []
        for binding in self.BINDINGS:
            if binding.action in self.hidden_actions:
                continue
            names = ", ".join(self.get_key_display(Binding(key, "")) for key in binding.key.split(","))
            keys.append((names, binding.tooltip))
        return keys

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action not in ("quit", "help", "stop_export") and binding.action not in self.hidden_actions:
                yield SystemCommand(binding.tooltip, f"key: {binding.key}",
                                    lambda action=binding.action: self.run_action(action))

    def on_boundary_view_selected(self, message: BoundaryView.Selected) -> None:
        self.selected_neuron = message.neuron

    def on_network_diagram_selected(self, message: NetworkDiagram.Selected) -> None:
        self.panels["operation"].selected = message.symbol
        where = self.stepper.net.names.neuron_at(message.element or "")
        if where and 0 < where[0] < self.stepper.net.depth:  # a hidden neuron: the boundary's pictures enlarge it
            self.selected_neuron = message.element

