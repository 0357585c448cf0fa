"""The network a workbook carries, so that `check` on it needs no --preset or --config.

`exercise`, `x` and `train --xlsx` write it into a hidden worksheet called
NETWORK_SHEET: a line saying what it is, then the network as a network file's
JSON (core/loader.py's keys) cut into cells of at most CELL_TEXT characters (a
cell holds 32,767).  Excel and LibreOffice keep a hidden sheet when a student
saves the workbook again.  It comes back with the student's file, so it is read
as any network file is: within its limits, a damaged one refused in one line.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..core import Network, NetworkError
from ..core.loader import MAX_FILE_BYTES, network_from_dict, network_to_dict
from .reader import SheetError, read_named_sheet

NETWORK_SHEET = "network"
CELL_TEXT = 30_000
NOTE = ("The network this workbook was written for, as a backprop-tui network file (JSON, cut into the cells "
        "below): `backprop-tui check` reads it. Leave it as it is.")


def embed_network(workbook, net: Network) -> None:
    """Add the hidden sheet that carries `net` to an openpyxl workbook (write-only or not)."""
    sheet = workbook.create_sheet(NETWORK_SHEET)
    sheet.sheet_state = "hidden"
    sheet.append([NOTE])
    for piece in _pieces(json.dumps(network_to_dict(net), separators=(",", ":"))):
        sheet.append([piece])


def _pieces(text: str) -> list[str]:
    """`text` in pieces of at most CELL_TEXT characters, never cut beside a space (a reader strips a cell's
    spaces) nor before a '=' (a cell starting with one is a formula)."""
    pieces, start = [], 0
    while start < len(text):
        end = min(start + CELL_TEXT, len(text))
        while end < len(text) and (text[end - 1].isspace() or text[end].isspace() or text[end] == "="):
            end -= 1
        pieces.append(text[start:end])
        start = end
    return pieces


def carried_network(path: str | Path) -> Network | None:
    """The network the workbook at `path` carries; None for a CSV file or a workbook without one.
    SheetError (one line) when it carries one that cannot be read."""
    table = read_named_sheet(path, NETWORK_SHEET)
    if table is None:
        return None
    pieces = [row[0] for row in table.rows[1:] if row and row[0] is not None]
    where = f"{path}: the network it carries (its hidden sheet {NETWORK_SHEET!r})"
    if not all(isinstance(piece, str) for piece in pieces) or sum(map(len, pieces)) > MAX_FILE_BYTES:
        raise SheetError(f"{where} is damaged; give the network with --preset or --config")
    try:
        return network_from_dict(json.loads("".join(pieces)), default_name=Path(path).stem)
    except (ValueError, RecursionError) as error:  # json's errors are ValueErrors, and so is NetworkError
        reason = str(error) if isinstance(error, NetworkError) else "not JSON"
        raise SheetError(f"{where} is damaged ({reason}); give the network with --preset or --config") from None
