"""Where backprop-tui keeps what belongs to the user, not to a project folder: progress records and
hang-up saves.

The platform's convention (platformdirs: ~/.local/share/backprop-tui on Linux, or $XDG_DATA_HOME),
never the working folder, which belongs to the user's own files.  BACKPROP_TUI_DATA names another
folder: the tests point it at a temporary one, and a lab can point it at a shared disk.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENVIRONMENT = "BACKPROP_TUI_DATA"


def data_folder() -> Path:
    """The folder, not yet created: a reader of an absent record needs none."""
    override = os.environ.get(ENVIRONMENT)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("backprop-tui", appauthor=False))
