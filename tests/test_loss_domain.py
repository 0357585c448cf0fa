"""Losses where they are defined: binary cross-entropy needs outputs between 0 and 1, so a sigmoid output layer."""

from __future__ import annotations

import json

import pytest

from tui_backprop import cli
from tui_backprop.core import PRESETS, NetworkError


@pytest.mark.parametrize("output", ["identity", "tanh", "relu"])
def test_bce_without_sigmoid_outputs_is_refused_in_one_line(tmp_path, capsys, output):
    net = PRESETS["excel"]()
    config = tmp_path / "net.json"
    config.write_text(json.dumps({
        "layers": list(net.sizes), "activations": ["sigmoid", output], "loss": "bce", "weights": list(net.start.weights),
        "samples": [{"inputs": list(s.inputs), "targets": list(s.targets)} for s in net.samples]}))
    assert cli.main(["explain", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and "bce" in captured.err and "sigmoid" in captured.err
    with pytest.raises(NetworkError):
        net.with_changes(loss="bce", activations=("sigmoid", output))


def test_bce_with_sigmoid_outputs_is_accepted():
    net = PRESETS["excel"]().with_changes(loss="bce")
    assert net.activations[-1] == "sigmoid" and net.loss == "bce"
