"""Lessons a teacher writes: a `[lesson]` table in a network file (TOML, or `"lesson": {...}` in JSON).

    [lesson]
    title = "Mazur's epoch, from worked to alone"
    opening = "What the student reads first."
    asks = ["backward", "update"]   # phases (forward, backward, update) or kinds (tutor.KINDS); default all
    ladder = true                   # fade from worked to alone; false asks all of `asks` from the start
    rung = 0                        # where the ladder starts
    tolerance = 1e-3                # the relative tolerance a typed value must be within
    hidden_keys = ["e", "r", "s"]   # keys this lesson takes away (not q)
    epochs = 1                      # without the ladder, the lesson ends after this many epochs
    closing = "What the student reads at the end, above the score."

Every key is optional; the app opens such a file as a lesson (docs/network-files.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .network import Network, NetworkError
from .quantity import PHASES
from .tutor import KINDS

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_KEYS = 40
MAX_EPOCHS = 100
UNHIDEABLE = ("q",)  # a lesson that hid q would leave the student no way out but ctrl+c


@dataclass(frozen=True)
class Lesson:
    title: str = "Lesson"
    opening: str = ""
    asks: tuple[str, ...] = ()  # () is everything
    ladder: bool = True
    rung: int = 0
    tolerance: float | None = None  # None: the quiz's own
    hidden_keys: tuple[str, ...] = ()
    epochs: int = 1
    closing: str = ""

    def as_dict(self) -> dict:
        data = asdict(self)
        data["asks"], data["hidden_keys"] = list(self.asks), list(self.hidden_keys)
        if self.tolerance is None:
            del data["tolerance"]
        if not self.ladder:
            del data["rung"]  # there is no ladder to start on
        return data


FIELDS = tuple(Lesson.__dataclass_fields__)


def lesson_from_dict(data, net: Network) -> Lesson:
    """The lesson a `[lesson]` table describes, for `net`; NetworkError (one line naming the key) when it is wrong."""
    if not isinstance(data, dict):
        raise NetworkError("lesson", "must be a table of keys")
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        key = str(unknown[0])
        raise NetworkError(f"lesson.{key if key.isprintable() and len(key) <= 40 else repr(key[:40])}",
                           f"unknown key (known keys: {', '.join(FIELDS)})")
    title = _text(data, "title", "Lesson", MAX_TITLE, one_line=True)
    opening, closing = _text(data, "opening", "", MAX_TEXT), _text(data, "closing", "", MAX_TEXT)
    asks = _names(data, "asks", PHASES + KINDS, "a phase (forward, backward, update) or a kind of operation "
                                                f"({', '.join(KINDS)})")
    ladder = data.get("ladder", True)
    if not isinstance(ladder, bool):
        raise NetworkError("lesson.ladder", f"must be true or false, got {ladder!r}")
    top = net.depth + 2
    rung = _whole(data, "rung", 0, 0, top, f"a rung of this network's ladder, 0 to {top}")
    if "rung" in data and not ladder:
        raise NetworkError("lesson.rung", "is where the ladder starts, and ladder is false")
    tolerance = data.get("tolerance")
    if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, (int, float))
                                  or not (math.isfinite(tolerance) and 0 < tolerance < 1)):
        raise NetworkError("lesson.tolerance", f"must be a relative tolerance above 0 and below 1, got {tolerance!r}")
    keys = data.get("hidden_keys", [])
    if (not isinstance(keys, list) or len(keys) > MAX_KEYS
            or not all(isinstance(k, str) and 0 < len(k) <= 20 and k.isprintable() for k in keys)):
        raise NetworkError("lesson.hidden_keys", f"must be a list of up to {MAX_KEYS} keys, e.g. [\"e\", \"r\", \"s\"]")
    for key in keys:
        if key in UNHIDEABLE:
            raise NetworkError("lesson.hidden_keys", f"{key} cannot be hidden: it is the way out of the app")
    epochs = _whole(data, "epochs", 1, 1, MAX_EPOCHS, f"a whole number of epochs, 1 to {MAX_EPOCHS}")
    return Lesson(title, opening, asks, ladder, rung, None if tolerance is None else float(tolerance),
                  tuple(dict.fromkeys(keys)), epochs, closing)


def _text(data: dict, key: str, default: str, limit: int, one_line: bool = False) -> str:
    value = data.get(key, default)
    printable = isinstance(value, str) and (value if one_line else value.replace("\n", "")).isprintable()
    if not printable or len(value) > limit:
        raise NetworkError(f"lesson.{key}", f"must be text of up to {limit:,} characters"
                                            + (" on one line" if one_line else ""))
    return value


def _names(data: dict, key: str, known: tuple[str, ...], wanted: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise NetworkError(f"lesson.{key}", f"must be a list, each {wanted}")
    for name in value:
        if name not in known:
            raise NetworkError(f"lesson.{key}", f"{name[:40]!r} is not {wanted}")
    return tuple(dict.fromkeys(value))


def _whole(data: dict, key: str, default: int, low: int, high: int, wanted: str) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NetworkError(f"lesson.{key}", f"must be {wanted}, got {value!r}")
    return value
