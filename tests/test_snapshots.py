"""SVG snapshots of the real app, to catch layout regressions (pytest --snapshot-update rewrites them)."""

from __future__ import annotations

from tui_backprop.app.main import BackpropApp
from tui_backprop.core import PRESETS

ONE_PHASE = ["f"]


def mazur() -> BackpropApp:
    return BackpropApp(PRESETS["mazur"]())


def test_start_120x40(snap_compare):
    assert snap_compare(mazur(), terminal_size=(120, 40))


def test_backward_120x40(snap_compare):
    assert snap_compare(mazur(), terminal_size=(120, 40), press=["f", *"n" * 12])


def test_update_80x24(snap_compare):
    assert snap_compare(mazur(), terminal_size=(80, 24), press=["f", "f", "n", "n"])


def test_history_panel_80x24(snap_compare):
    assert snap_compare(mazur(), terminal_size=(80, 24), press=["e", "e", "e", "v", "v"])


def test_quiz_120x40(snap_compare):
    assert snap_compare(mazur(), terminal_size=(120, 40), press=["z", "n"])


def test_matrix_view_120x40(snap_compare):
    assert snap_compare(mazur(), terminal_size=(120, 40), press=["m", "f", *"n" * 14])


def test_resumed_session_120x40(snap_compare, tmp_path):
    from tui_backprop.core import Stepper
    from tui_backprop.core.quiz import Quiz
    from tui_backprop.core.session import load_study, save_study

    stepper = Stepper(PRESETS["mazur"]())
    stepper.run(40)
    stepper.finish_phase()
    save_study(tmp_path / "mazur.backprop", stepper, Quiz())
    resumed, quiz = load_study(tmp_path / "mazur.backprop")
    assert snap_compare(BackpropApp(stepper=resumed, quiz=quiz), terminal_size=(120, 40), press=["n"])


def test_xor_picture_120x40(snap_compare):
    assert snap_compare(BackpropApp(PRESETS["xor"]()), terminal_size=(120, 40), press=["f", *"n" * 10])


def test_decision_boundary_80x24(snap_compare):
    assert snap_compare(BackpropApp(PRESETS["xor"]()), terminal_size=(80, 24), press=["b"])
