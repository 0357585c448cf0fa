"""The settings screen (S): what a network file says, edited in the app.

The form's text becomes the keys of a network file (`network_data`), and the loader builds the network
from them (`core.loader.network_from_dict`), so a value it refuses gets the same one line as in a file,
shown here, and nothing changes until the whole network is built.  The screen dismisses with the new
network's Stepper; the app puts it on screen as one step `p` takes back.  It can also save what it shows
as a network file (`core.loader.network_text`, the writer of `x` and `--save-network`).

The app imports this module on first use: it imports the loader (docs/architecture.md, "Imports").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Select
from textual.worker import get_current_worker

from ...core import PRESETS, Network, NetworkError, Stepper
from ...core.datasets import GENERATORS
from ...core.loader import network_from_dict, network_text, network_to_dict
from ...core.network import ACTIVATIONS, BIAS_MODES, LOSSES, OPTIMIZERS, REGULARIZATIONS
from ...core.precision import read_number, read_whole
from ...core.safe_files import OutputError, Stopped, atomic_writer, safe_file_name
from ...training import bulk
from .line_panel import ascii_scrollbars
from .screens import ConfirmScreen, PathSuggester, WaitsOnAWorker, dialog_footer

# Where the samples come from: those on screen (listed in the file), a preset's, a generated set, a CSV file.
LISTED, GENERATED, CSV = "listed", "generate", "file"
# The parameters the new network starts from: those on screen now, or random ones from a seed.
ON_SCREEN, RANDOM = "on screen", "random"
# Keys a file may leave out (the loader's default then): an empty field leaves them out.  Any other
# field left empty is given to the loader as it is, which says what it needs.
OPTIONAL = {"name", "test_fraction", "split_seed", "shuffle_seed", "momentum", "betas", "eps", "gen_count",
            "gen_noise", "gen_seed"}


def _number(text: str):
    """A number as people write it (core/precision.py), or the text itself for the loader to refuse in its words."""
    try:
        return read_number(text)
    except ValueError:
        return text.strip()


def _whole(text: str):
    """A whole number as people write it, else as `_number` reads it (2.5 is refused as 2.5, not as text)."""
    try:
        return read_whole(text)
    except ValueError:
        return _number(text)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.strip().strip("[]").split(",")]


def _shown(value) -> str:
    """A value of a network file as a field shows it: numbers as repr writes them, so they read back exactly."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(_shown, value))
    return value if isinstance(value, str) else repr(value)


def form_of(net: Network, served: bool = False) -> dict:
    """The form's fields for `net` (the network on screen, its numbers as they stand).  `served`: a data file's
    path as its network file names it, in that file's folder (the folder a served app's data stays in)."""
    data = network_to_dict(net)
    form = {
        "name": net.name, "data": LISTED, "gen_kind": GENERATORS[0], "gen_count": "200", "gen_noise": "0",
        "gen_seed": "0", "csv_file": "", "csv_inputs": "", "csv_targets": "", "csv_standardize": False,
        "test_fraction": "", "split_seed": "",
        "layers": _shown(list(net.sizes)),
        "activations": net.activations[0] if len(set(net.activations)) == 1 else _shown(list(net.activations)),
        "loss": net.loss, "bias": net.bias, "train_bias": net.train_bias, "start": ON_SCREEN,
        "weights_seed": "0", "weights_scale": "0.5", "learning_rate": _shown(net.start.lr),
        "batch": _shown(data.get("batch", "full")), "shuffle_seed": _shown(data.get("shuffle_seed", "")),
        "regularization": net.regularization, "regularization_rate": _shown(data.get("regularization_rate", "")),
        "optimizer": net.optimizer, "momentum": _shown(net.momentum), "betas": _shown(list(net.betas)),
        "eps": _shown(net.eps),
    }
    if net.source is not None:
        keys, folder = net.source
        source = dict(keys)
        table = source["samples"]
        if "generate" in table:
            form.update(data=GENERATED, gen_kind=table["generate"],
                        **{f"gen_{key}": _shown(table[key]) for key in ("count", "noise", "seed") if key in table})
        elif "file" in table:
            path = Path(folder, table["file"])
            relative = os.path.relpath(path)
            shown = table["file"] if served else path.as_posix() if relative.startswith("..") else Path(relative).as_posix()
            form.update(data=CSV, csv_file=shown,
                        csv_inputs=_shown(table.get("inputs", [])), csv_targets=_shown(table.get("targets", "")),
                        csv_standardize=table.get("standardize", False) is True)
        form.update({key: _shown(source[key]) for key in ("test_fraction", "split_seed") if key in source})
    return form


def network_data(form: dict, net: Network) -> dict:
    """The keys of a network file that the form says; `net` is the network on screen (its samples and numbers,
    for "the samples on screen" and "the numbers on screen").  Typed text is read as people write numbers;
    what is not a number goes to the loader as it is, to be refused there."""
    data = {"name": form["name"].strip(), "layers": [_whole(size) for size in _names(form["layers"])]}
    activations = _names(form["activations"])
    data["activations"] = activations[0] if len(activations) == 1 else activations
    data.update(loss=form["loss"], bias=form["bias"], train_bias=form["train_bias"],
                learning_rate=_number(form["learning_rate"]))
    batch = form["batch"].strip()
    data["batch"] = batch if batch == "full" else _whole(batch)
    data["shuffle_seed"] = _whole(form["shuffle_seed"])
    if form["start"] == RANDOM:
        data["weights"] = {"seed": _whole(form["weights_seed"]), "scale": _number(form["weights_scale"])}
    else:  # the numbers on screen: they fit the same shape only (the loader says so otherwise)
        data["weights"] = list(net.start.weights)
        if form["bias"] == net.bias and net.start.biases:
            data["biases"] = list(net.start.biases)
    data.update(_samples(form, net))
    data["test_fraction"] = _number(form["test_fraction"])
    data["split_seed"] = _whole(form["split_seed"])
    if form["regularization"] != "none":
        data["regularization"] = form["regularization"]
        data["regularization_rate"] = _number(form["regularization_rate"])
    if form["optimizer"] != "sgd":
        data["optimizer"] = form["optimizer"]
    if form["optimizer"] == "momentum":
        data["momentum"] = _number(form["momentum"])
    elif form["optimizer"] == "adam":
        betas = form["betas"].strip()
        data["betas"] = [_number(beta) for beta in _names(betas)] if betas else ""
        data["eps"] = _number(form["eps"])
    # An empty optional field leaves its key out: the loader's default, as in a file.
    return {key: value for key, value in data.items() if not (key in OPTIONAL and value == "")}


def _samples(form: dict, net: Network) -> dict:
    kind = form["data"]
    if kind == GENERATED:
        table = {"generate": form["gen_kind"], "count": _whole(form["gen_count"]), "noise": _number(form["gen_noise"]),
                 "seed": _whole(form["gen_seed"])}
        return {"samples": {key: value for key, value in table.items() if not (f"gen_{key}" in OPTIONAL and value == "")}}
    if kind == CSV:
        targets = _names(form["csv_targets"])
        return {"samples": {"file": form["csv_file"].strip(), "inputs": _names(form["csv_inputs"]),
                            "targets": targets[0] if len(targets) == 1 else targets,
                            "standardize": form["csv_standardize"]}}
    if kind in PRESETS:
        return {"samples": _listed(PRESETS[kind]().samples)}
    data = {"samples": _listed(net.samples)}
    if net.test_samples and not form["test_fraction"].strip():
        data["test_samples"] = _listed(net.test_samples)
    return data


def _file_for(name: str) -> str:
    """The network file a name suggests, as `x` names it: NAME-network.toml in the current folder."""
    return safe_file_name(f"{name}-network", ".toml")


def _listed(samples) -> list[dict]:
    """Samples as a network file lists them."""
    return [{"inputs": list(s.inputs), "targets": list(s.targets)} for s in samples]


class NamesSuggester(Suggester):
    """Completes the last name of a list typed with commas (`tanh, si` → `tanh, sigmoid`); → accepts."""

    def __init__(self, names):
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        typed = value.rpartition(",")[2].lstrip()
        for name in self.names if typed else ():
            if name.startswith(typed) and name != typed:
                return value + name[len(typed):]
        return None


class SettingsScreen(WaitsOnAWorker, ModalScreen["Stepper | None"]):
    """The network file's settings as a form: enter applies (the loader builds the network; the screen then
    dismisses with its Stepper), ctrl+s saves them as a network file, esc leaves without a change."""

    BINDINGS = [Binding("enter", "apply", "Apply"), Binding("ctrl+s", "save", "Save as file"),
                Binding("escape", "cancel", "Cancel")]

    def __init__(self, net: Network, unsaved_work: Callable[[], str | None], served: bool = False):
        """`net`: the network on screen as it stands; `unsaved_work()` says what applying would drop (the app's).
        `served`: the app is in a browser (app/served.py): nothing typed reaches the server's files.  A data file
        is read only from the folder of the network file on screen that refers to one (as `o` confines it), and
        Save as sends the file to the browser as a download, its samples written out."""
        super().__init__()
        self.net, self.unsaved_work, self.served = net, unsaved_work, served
        self.form = form_of(net, served)
        source = dict(net.source[0]) if net.source is not None else {}
        has_file = "file" in source.get("samples", {})
        # Where a data file's path starts from: the working folder, or served, the network file's own folder,
        # the only one it may read from (None: no data file at all).
        self.data_folder: Path | None = Path(net.source[1]) if served and has_file else None if served else Path()
        self.named_path = _file_for(net.name)  # the file to save to, as the name gives it

    # -- the form ---------------------------------------------------------
    def compose(self) -> ComposeResult:
        form = self.form
        data_kinds = [("the samples on screen", LISTED)] + [(f"the {name} preset's samples", name) for name in PRESETS]
        data_kinds += [("a generated set (Playground's)", GENERATED)]
        if self.data_folder is not None:
            data_kinds.append(("a CSV file", CSV))
        # Served, no list of the server's folders: a path is suggested only on one's own machine.
        paths = None if self.served else PathSuggester([])
        with Vertical(classes="dialog", id="settings"):
            yield Label(f"Settings of {self.net.name}: as a network file says them (docs/network-files.md)",
                        classes="dialog-title", markup=False)
            with VerticalScroll(id="settings-form"):
                yield self._row("name", Input(form["name"], id="name", compact=True))
                yield self._row("data set", Select(data_kinds, value=form["data"], id="data", allow_blank=False,
                                                   compact=True))
                yield self._row("  generate", Select([(kind, kind) for kind in GENERATORS], value=form["gen_kind"],
                                                     id="gen_kind", allow_blank=False, compact=True), GENERATED)
                for key, label, hint in (("gen_count", "  count", "2 to 100,000"), ("gen_noise", "  noise", "0 to 1"),
                                         ("gen_seed", "  seed", "a whole number")):
                    yield self._row(label, Input(form[key], placeholder=hint, id=key, compact=True), GENERATED)
                yield self._row("  CSV file", Input(form["csv_file"], placeholder="data.csv", id="csv_file",
                                                    suggester=paths, compact=True), CSV)
                yield self._row("  input columns", Input(form["csv_inputs"], placeholder="x, y", id="csv_inputs",
                                                         compact=True), CSV)
                yield self._row("  target columns", Input(form["csv_targets"], placeholder="class", id="csv_targets",
                                                          compact=True), CSV)
                yield self._row("  standardize", self._yes_no(form["csv_standardize"], "csv_standardize",
                                                              "z-scores of the inputs"), CSV)
                yield self._row("test fraction", Input(form["test_fraction"], placeholder="none, or e.g. 0.2",
                                                       id="test_fraction", compact=True))
                yield self._row("split seed", Input(form["split_seed"], placeholder="the data's seed, or 0",
                                                    id="split_seed", compact=True))
                yield self._row("layers", Input(form["layers"], placeholder="2, 3, 1", id="layers", compact=True))
                yield self._row("activations", Input(form["activations"], id="activations", compact=True,
                                                     suggester=NamesSuggester(ACTIVATIONS),
                                                     placeholder=f"one for all, or one a layer: {', '.join(ACTIVATIONS)}"))
                yield self._row("loss", Select([(name, name) for name in LOSSES], value=form["loss"], id="loss",
                                               allow_blank=False, compact=True))
                yield self._row("bias", Select([(name, name) for name in BIAS_MODES],
                                               value=form["bias"], id="bias", allow_blank=False, compact=True))
                yield self._row("train biases", self._yes_no(form["train_bias"], "train_bias", "the biases learn"))
                yield self._row("start from", Select([("the numbers on screen", ON_SCREEN),
                                                      ("random weights (seed, scale)", RANDOM)],
                                                     value=form["start"], id="start", allow_blank=False, compact=True))
                yield self._row("  weights seed", Input(form["weights_seed"], id="weights_seed", compact=True), RANDOM)
                yield self._row("  weights scale", Input(form["weights_scale"], placeholder="uniform in ±scale",
                                                         id="weights_scale", compact=True), RANDOM)
                yield self._row("learning rate", Input(form["learning_rate"], id="learning_rate", compact=True))
                yield self._row("batch", Input(form["batch"], placeholder="full, 1, or N samples", id="batch",
                                               compact=True))
                yield self._row("shuffle seed", Input(form["shuffle_seed"], placeholder="with batches: 0 or more",
                                                      id="shuffle_seed", compact=True))
                yield self._row("regularization", Select([(name, name) for name in REGULARIZATIONS],
                                                         value=form["regularization"], id="regularization",
                                                         allow_blank=False, compact=True))
                yield self._row("  rate λ", Input(form["regularization_rate"], placeholder="e.g. 0.001",
                                                  id="regularization_rate", compact=True), "penalty")
                yield self._row("optimizer", Select([(name, name) for name in OPTIMIZERS],
                                                    value=form["optimizer"], id="optimizer", allow_blank=False,
                                                    compact=True))
                yield self._row("  momentum μ", Input(form["momentum"], id="momentum", compact=True), "momentum")
                yield self._row("  betas β1, β2", Input(form["betas"], id="betas", compact=True), "adam")
                yield self._row("  eps ε", Input(form["eps"], id="eps", compact=True), "adam")
            yield Label("", id="settings-message", markup=False)  # it quotes what was typed
            with Horizontal(id="settings-save"):
                yield Button("Apply", id="apply", variant="primary", compact=True)
                yield Button("Save as", id="save", compact=True)
                yield Input(_file_for(self.net.name), id="path", compact=True, suggester=paths)
            yield Label("enter applies (p takes it back) · ctrl+s saves as a network file · esc cancels",
                        classes="dim")
        yield dialog_footer()

    @staticmethod
    def _yes_no(value: bool, key: str, yes: str) -> Select:
        """A choice of true or false in words (a checkbox's tick shows its state in colour only)."""
        return Select([(f"yes: {yes}", True), ("no", False)], value=value, id=key, allow_blank=False, compact=True)

    @staticmethod
    def _row(label: str, widget, group: str = "") -> Horizontal:
        """A labelled field; `group` names the choice that shows it (its class -GROUP: _show_groups)."""
        return Horizontal(Label(label, classes="setting-name", markup=False), widget,
                          classes=f"setting -{group}" if group else "setting")

    def on_mount(self) -> None:
        ascii_scrollbars(self.query_one("#settings-form", VerticalScroll))
        self.show_message("")
        self._show_groups()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._show_groups()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Other layer sizes: the weights on screen no longer fit them, so the new network starts from random ones
        (another bias mode keeps the weights; its biases start at 0).  Another name: the file to save to follows
        it, unless a path of one's own was typed."""
        if event.input.id == "layers" and event.value != self.form["layers"]:
            self.query_one("#start", Select).value = RANDOM
        elif event.input.id == "name":
            path = self.query_one("#path", Input)
            if path.value == self.named_path:
                path.value = self.named_path = _file_for(event.value.strip() or self.net.name)

    def _show_groups(self) -> None:
        """Only the rows that the choices above them use."""
        form = self.read_form()
        shown = {GENERATED: form["data"] == GENERATED, CSV: form["data"] == CSV, RANDOM: form["start"] == RANDOM,
                 "penalty": form["regularization"] != "none", "momentum": form["optimizer"] == "momentum",
                 "adam": form["optimizer"] == "adam"}
        for group, on in shown.items():
            for row in self.query(f".-{group}"):
                row.display = on

    def read_form(self) -> dict:
        """Every field's text (or choice) by its key."""
        form = {}
        for key in self.form:
            widget = self.query_one(f"#{key}")
            form[key] = widget.value
        return form

    # -- apply and save ---------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "path":
            self.action_save()
        else:
            self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.action_save()

    def action_apply(self) -> None:
        self._build(None)

    def action_save(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.show_message("Save as: give the network file's path, e.g. spiral-network.toml")
        elif self.served:  # a download, under a plain file name: nothing of the server is looked at
            self._build(safe_file_name(path, fallback=_file_for(self.net.name)))
        elif os.path.lexists(path) and not os.path.isdir(path):  # a folder: the writer's one line says why not
            def replace(sure: bool | None) -> None:
                if sure:
                    self._build(path)
                else:
                    self.show_message(f"Not saved: {path} is kept.", note=True)

            self.app.push_screen(ConfirmScreen(f"{path} exists already. Replace it with these settings?"), replace)
        else:
            self._build(path)

    def _build(self, path: str | None) -> None:
        """Build the network the form says (and save it to `path`, if given) in a worker: a data file can take
        seconds to read.  esc stops it."""
        data = network_data(self.read_form(), self.net)
        self.show_message("Building the network (reading its data set) … esc stops", note=True)
        self.on_stop = self._stop_building
        self.build(data, path)

    @work(thread=True, exclusive=True, group="settings")
    def build(self, data: dict, path: str | None) -> None:
        worker = get_current_worker()

        def stop() -> None:
            if worker.is_cancelled:
                raise Stopped

        try:
            if self.data_folder is None and isinstance(data["samples"], dict) and "file" in data["samples"]:
                # served, and the network on screen has no data file whose folder could be read
                raise NetworkError("samples.file", "a served app reads data files only from its network file's folder")
            net = network_from_dict(data, default_name=self.net.name, base=self.data_folder or Path(),
                                    should_stop=stop, within=self.data_folder if self.served else None)
            if path is not None and self.served:
                from ..served import deliver, written  # served only (app/served.py)

                self_contained = net.with_changes(source=None)  # the server's paths are not the visitor's to know
                files = written(lambda folder: (folder / path).write_text(network_text(self_contained, folder / path),
                                                                          encoding="utf-8"))
                self.app.call_from_thread(deliver, self.app, files)
                outcome = (f"Sent to your browser as {path}: backprop-tui --config {path} loads it.", True)
            elif path is not None:
                text = network_text(net, path)
                with atomic_writer(path, encoding="utf-8") as stream:
                    stream.write(text)
                outcome = (f"Saved to {path}; backprop-tui --config {path} (or o and the path) opens it.", True)
            else:
                outcome = Stepper(net, trainer=bulk.TRAINER)
        except Stopped:
            return
        except NetworkError as error:
            outcome = (f"Not {'saved' if path else 'applied'}: {error}", False)
        except OutputError as error:
            outcome = (f"Not saved: {error}", False)
        # Settings are tried out: whatever else goes wrong must not crash the app and lose the work on screen.
        except Exception as error:
            outcome = (f"Not {'saved' if path else 'applied'}: {type(error).__name__}: {error}", False)
        self.app.call_from_thread(self._built, worker, outcome)

    def _stop_building(self) -> None:
        self.workers.cancel_group(self, "settings")
        self.show_message("Stopped: nothing was changed.", note=True)

    def _built(self, worker, outcome) -> None:
        if worker.is_cancelled:  # esc came first: the screen already says it stopped
            return
        self.stop_waiting()
        if isinstance(outcome, tuple):  # a line to show, and whether it is a note rather than a refusal
            self.show_message(*outcome)
            return
        lost = self.unsaved_work()
        if not lost:
            self.dismiss(outcome)
            return
        self.show_message("")
        self.app.push_screen(ConfirmScreen(f"Applying puts the new network on screen; the work there is not saved: "
                                           f"{lost}. p brings it back; ctrl+s on the main screen keeps it for good. "
                                           "Apply?"), lambda sure: self.dismiss(outcome) if sure else None)

    def show_message(self, text: str, note: bool = False) -> None:
        """The one line under the form: a refusal, or with `note` what is under way or where a file was saved;
        none when empty."""
        line = self.query_one("#settings-message", Label)
        line.update(text)
        line.display = bool(text)
        line.set_class(note, "-note")
