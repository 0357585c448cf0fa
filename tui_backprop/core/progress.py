"""Progress that lasts: a record of every attempt, by network and by kind of operation.

The record is one small JSON file (the app keeps the user's in their data folder,
user_data.py; a class's results may be a folder of them):

    {"format": "backprop-tui progress", "version": 1,
     "networks": {
       "mazur": {
         "updated": "2025-03-01T10:00:00Z",     when an attempt was last added (UTC)
         "rung": 3, "top": 4, "alone": 0,       the highest ladder rung reached, the ladder's top,
                                                and the epochs computed alone on it
         "kinds": {"update": {"right": 5, "right after a hint": 1, "slip named": 2, "wrong": 0,
                              "given up": 0, "rule right": 1, "rule wrong": 0, "streak": 3}, ...},
         "slips": {"update": {"sign error": 2}, ...}}}}

A kind is one of tutor.KINDS.  Every count is of attempts: a typed value right at
the first try ("right"), right after wrong tries ("right after a hint"), a wrong
try whose slip was named ("slip named", and the slip's kind under "slips"),
another wrong try ("wrong"), a value given up ("given up"), a "which rule?"
pick.  "streak" is the operations of that kind right at the first try in a row,
the latest last: the kind is mastered at 3.

The file comes from anyone (a shared folder, a class's results), so it is read
within bounds: a regular file of at most 2 MB, every field checked.  A damaged or
foreign record is one line (RecordError), never a crash; before a new record is
written in its place, the old one is kept beside it as NAME.damaged (-2, -3, …).
"""

from __future__ import annotations

import csv
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .expr import counted
from .safe_files import atomic_writer, read_regular, safe_file_name
from .text import csv_text, printable
from .tutor import KIND_WORDS, KINDS

FORMAT = "backprop-tui progress"
VERSION = 1
RECORD_NAME = "progress.json"
ANSWERS = ("right", "right after a hint", "slip named", "wrong", "given up")
COUNTS = ANSWERS + ("rule right", "rule wrong")
MASTERED = 3  # operations of a kind right at the first try in a row
MAX_BYTES = 2 * 2**20
MAX_NETWORKS = 200  # the most recently practised are kept
MAX_SLIPS = 12  # slips listed by name for a kind; more still count in "slip named"
MAX_TEXT = 300  # characters of a network's name or a slip's words
MAX_COUNT = 10**12
_lock = threading.Lock()  # one read-change-write at a time in this process


class RecordError(ValueError):
    """A record that cannot be read; str() is one line for the user."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {' '.join(reason.split())}")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _counts() -> dict[str, int]:
    return dict.fromkeys(COUNTS + ("streak",), 0)


@dataclass
class Practice:
    """One network's part of the record."""

    kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    slips: dict[str, dict[str, int]] = field(default_factory=dict)
    rung: int = 0
    top: int = 0
    alone: int = 0
    updated: str = ""

    def counts(self, kind: str) -> dict[str, int]:
        return self.kinds.setdefault(kind, _counts())

    def as_dict(self) -> dict:
        return {"updated": self.updated, "rung": self.rung, "top": self.top, "alone": self.alone,
                "kinds": {k: self.kinds[k] for k in KINDS if k in self.kinds},
                "slips": {k: self.slips[k] for k in KINDS if self.slips.get(k)}}


@dataclass
class Record:
    networks: dict[str, Practice] = field(default_factory=dict)

    def practice(self, network: str) -> Practice:
        network = network[:MAX_TEXT]
        practice = self.networks.setdefault(network, Practice())
        practice.updated = _now()
        return practice

    def add(self, network: str, kind: str, outcome: str, slip: str = "") -> None:
        """An attempt at an operation of `kind`: one of ANSWERS, with the slip's words when one was named."""
        practice = self.practice(network)
        counts = practice.counts(kind)
        counts[outcome] += 1
        counts["streak"] = counts["streak"] + 1 if outcome == "right" else 0
        if outcome == "slip named" and slip:
            slips = practice.slips.setdefault(kind, {})
            slip = slip[:MAX_TEXT]
            if slip in slips or len(slips) < MAX_SLIPS:
                slips[slip] = slips.get(slip, 0) + 1

    def add_rule(self, network: str, kind: str, right: bool) -> None:
        self.practice(network).counts(kind)["rule right" if right else "rule wrong"] += 1

    def add_ladder(self, network: str, rung: int, top: int, alone: int) -> None:
        """The ladder's rung reached (the highest is kept), its top, and the epochs computed alone so far."""
        practice = self.practice(network)
        practice.rung, practice.top = max(practice.rung, rung) if practice.top == top else rung, top
        practice.alone = max(practice.alone, alone)

    def as_dict(self) -> dict:
        newest = sorted(self.networks.items(), key=lambda item: item[1].updated, reverse=True)[:MAX_NETWORKS]
        return {"format": FORMAT, "version": VERSION,
                "networks": {name: practice.as_dict() for name, practice in sorted(newest)}}


# -- reading -------------------------------------------------------------------------


def read_record(path: str | Path) -> Record:
    """The record in `path`; RecordError (one line) if it is missing, damaged or not a record."""
    try:
        data = read_regular(path, MAX_BYTES)
    except FileNotFoundError:
        raise RecordError(path, "no such file") from None
    except OSError as error:
        raise RecordError(path, f"cannot read ({error.strerror or error})") from None
    try:
        document = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON; lists nested too deeply
        raise RecordError(path, f"damaged (not JSON: {error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RecordError(path, "not a backprop-tui progress record")
    version = document.get("version")
    if type(version) is not int or version < 1:
        raise RecordError(path, "damaged (no format version)")
    if version > VERSION:
        raise RecordError(path, f"written by a newer backprop-tui (progress format {version}; this one reads {VERSION})")
    try:
        return _record(document)
    except _Damaged as error:
        raise RecordError(path, f"damaged ({error})") from None


class _Damaged(Exception):
    pass


def _check(ok: bool, where: str) -> None:
    if not ok:
        raise _Damaged(where)


def _count(value, where: str) -> int:
    _check(type(value) is int and 0 <= value <= MAX_COUNT, where)
    return value


def _text(value, where: str) -> str:
    _check(isinstance(value, str) and len(value) <= MAX_TEXT and value.isprintable(), where)
    return value


def _record(document: dict) -> Record:
    networks = document.get("networks")
    _check(isinstance(networks, dict) and len(networks) <= MAX_NETWORKS, "networks")
    record = Record()
    for name, raw in networks.items():
        where = f"networks.{name[:40]!r}" if isinstance(name, str) else "networks"
        _text(name, where)
        _check(isinstance(raw, dict), where)
        practice = Practice(rung=_count(raw.get("rung", 0), f"{where}.rung"), top=_count(raw.get("top", 0), f"{where}.top"),
                            alone=_count(raw.get("alone", 0), f"{where}.alone"),
                            updated=_text(raw.get("updated", ""), f"{where}.updated"))
        kinds, slips = raw.get("kinds", {}), raw.get("slips", {})
        _check(isinstance(kinds, dict) and isinstance(slips, dict), where)
        for kind, counts in kinds.items():
            _check(kind in KINDS and isinstance(counts, dict) and set(counts) <= set(_counts()), f"{where}.kinds")
            practice.kinds[kind] = {key: _count(counts.get(key, 0), f"{where}.kinds.{kind}") for key in _counts()}
        for kind, named in slips.items():
            _check(kind in KINDS and isinstance(named, dict) and len(named) <= MAX_SLIPS, f"{where}.slips")
            practice.slips[kind] = {_text(words, f"{where}.slips.{kind}"): _count(n, f"{where}.slips.{kind}")
                                    for words, n in named.items()}
        record.networks[name] = practice
    return record


def read_records(path: str | Path) -> tuple[list[tuple[str, Record]], list[str]]:
    """The record in a file, or every record (*.json) directly in a folder, each named by its file's stem;
    and one line for each file in the folder that is not a record.  RecordError for a file that is not one."""
    path = Path(path)
    if not path.is_dir():
        return [(path.stem, read_record(path))], []
    records, problems = [], []
    try:
        files = sorted(entry for entry in path.iterdir() if entry.suffix == ".json")
    except OSError as error:
        raise RecordError(path, f"cannot read ({error.strerror or error})") from None
    for file in files:
        try:
            records.append((file.stem, read_record(file)))
        except RecordError as error:
            problems.append(str(error))
    return records, problems


# -- writing -------------------------------------------------------------------------


def update_record(path: str | Path, change) -> str | None:
    """Read the record in `path` (none yet: a new one), `change(record)` it and write it back atomically.

    Read again each time, so that two apps of one user add up instead of overwriting each other.  A damaged
    or foreign record is first kept beside it (NAME.damaged); the one line saying so is returned."""
    path = Path(path)
    with _lock:
        note = None
        try:
            record = read_record(path)
        except RecordError as error:
            record = Record()
            if os.path.lexists(path):
                aside = set_aside(path)
                note = f"{error}; kept as {aside.name}, and a new record started"
        change(record)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path, encoding="utf-8") as stream:
            # Compact: the encoder with an indent is pure Python, four times slower, and this runs at every answer.
            json.dump(record.as_dict(), stream, ensure_ascii=False, separators=(",", ":"))
        return note


def claim_record(folder: str | Path, name: str) -> Path:
    """A new, empty record for a visitor called `name` in `folder` (a served class's results), and its path:
    NAME.json with the name made a plain file name, or NAME-2.json, NAME-3.json, … when it is taken, so that
    two visitors of one name keep two records.  Taken with O_EXCL: two visitors at once cannot get one file,
    and a link planted under the name is not followed."""
    folder = Path(folder)
    stem = safe_file_name(name, fallback="visitor")
    text = json.dumps(Record().as_dict(), separators=(",", ":")).encode("utf-8")
    number = 1
    while True:
        path = folder / f"{stem}{'' if number == 1 else f'-{number}'}.json"
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            number += 1
            continue
        with os.fdopen(handle, "wb") as stream:
            stream.write(text)
        return path


def set_aside(path: Path) -> Path:
    """Rename `path` to the first free NAME.damaged, NAME.damaged-2, …; OSError (its own words) if it cannot."""
    number = 1
    while True:
        aside = path.with_name(f"{path.name}.damaged" + (f"-{number}" if number > 1 else ""))
        if not os.path.lexists(aside):
            os.rename(path, aside)  # nothing else is in its place a moment later: the name was free
            return aside
        number += 1


# -- the table -------------------------------------------------------------------------

TABLE = ("kind", "tries", "right first", "after a hint", "slip named", "wrong", "given up", "rules", "mastered")


def _row(kind: str, counts: dict[str, int]) -> list[str]:
    picked = counts["rule right"] + counts["rule wrong"]
    return [KIND_WORDS[kind], str(sum(counts[k] for k in ANSWERS)), *(str(counts[k]) for k in ANSWERS),
            f"{counts['rule right']}/{picked}" if picked else "–", "yes" if counts["streak"] >= MASTERED else "–"]


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[n]) for row in [list(TABLE)] + rows) for n in range(len(TABLE))]
    return ["  ".join(cell.ljust(w) if n == 0 else cell.rjust(w) for n, (cell, w) in enumerate(zip(row, widths)))
            for row in [list(TABLE)] + rows]


def _total(practices: list[Practice]) -> dict[str, dict[str, int]]:
    """The counts of every kind over several networks; a kind is mastered where it is mastered on any."""
    total: dict[str, dict[str, int]] = {}
    for practice in practices:
        for kind, counts in practice.kinds.items():
            sums = total.setdefault(kind, _counts())
            for key, n in counts.items():
                sums[key] = max(sums[key], n) if key == "streak" else sums[key] + n
    return {kind: total[kind] for kind in KINDS if kind in total}


def recurring(practice: Practice) -> list[str]:
    """The slips named more than once, the commonest first: "update: the update went the wrong way (×3)"."""
    found = [(n, kind, words) for kind, named in practice.slips.items() for words, n in named.items() if n > 1]
    return [f"{KIND_WORDS[kind]}: {words} (×{n})" for n, kind, words in sorted(found, key=lambda f: (-f[0], f[1], f[2]))]


def render_table(records: list[tuple[str, Record]]) -> str:
    """Per record (when there are several), per network: a row per kind, then what is mastered and the slips
    that recur; then, for more than one network, the kinds over all of them."""
    lines: list[str] = []
    practices = []
    for name, record in records:
        if len(records) > 1:
            lines += [f"== {printable(name)} ==", ""]  # a file's name: anything but a control character
        if not record.networks:
            lines += ["Nothing practised yet.", ""]
        for network, practice in record.networks.items():
            practices.append(practice)
            heading = network
            if practice.top:
                heading += f" · ladder: rung {practice.rung} of {practice.top}"
                heading += f", {counted(practice.alone, 'epoch')} alone" if practice.alone else ""
            if practice.updated:
                heading += f" · last practised {practice.updated.replace('T', ' ').rstrip('Z')} UTC"
            lines += [heading] + _table([_row(kind, practice.kinds[kind]) for kind in KINDS if kind in practice.kinds])
            mastered = [KIND_WORDS[k] for k in KINDS if practice.kinds.get(k, {}).get("streak", 0) >= MASTERED]
            lines.append("mastered: " + (", ".join(mastered) if mastered else f"nothing yet ({MASTERED} right at the "
                                                                                "first try in a row masters a kind)"))
            slips = recurring(practice)
            if slips:
                lines.append("slips that recur: " + "; ".join(slips))
            lines.append("")
    if len(practices) > 1:
        total = _total(practices)
        lines += ["every network"] + _table([_row(kind, counts) for kind, counts in total.items()]) + [""]
    return "\n".join(lines)


CSV_COLUMNS = ("record", "network", "kind", "tries", *ANSWERS, "rule right", "rule wrong", "streak", "mastered",
               "slips", "rung", "top", "alone", "updated")


def write_csv(stream, records: list[tuple[str, Record]]) -> None:
    """A row per record, network and kind, for a teacher's spreadsheet."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for name, record in records:
        for network, practice in record.networks.items():
            for kind in KINDS:
                counts = practice.kinds.get(kind)
                if counts is None:
                    continue
                slips = "; ".join(f"{words} (×{n})" for words, n in practice.slips.get(kind, {}).items())
                writer.writerow([csv_text(name), csv_text(network), kind, sum(counts[k] for k in ANSWERS),
                                 *(counts[k] for k in ANSWERS),
                                 counts["rule right"], counts["rule wrong"], counts["streak"],
                                 "yes" if counts["streak"] >= MASTERED else "no", slips,
                                 practice.rung, practice.top, practice.alone, practice.updated])
