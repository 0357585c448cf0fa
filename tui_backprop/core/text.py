"""Text that came from a file, shown as data: never as a terminal control, markup, a formula or code.

A network's name, a student's name, a sheet's file name or a class label may hold
anything: an escape sequence that retitles the terminal, a newline that breaks a
table, `*` that Markdown reads as emphasis, `=` that a spreadsheet reads as a
formula, `\"\"\"` that ends a docstring.  Each output has its own rule here; Python
code takes such text only as `repr(text)`, a literal.
"""

from __future__ import annotations

# Characters of a quoted piece of text in a message: a 5,000-character path says no more than its ends.
QUOTED = 120
# A spreadsheet reads a cell that starts with one of these as a formula (OWASP's list; its tab and CR
# are escaped by `printable` before this is asked).
FORMULA_START = ("=", "+", "-", "@")
# What Markdown may read as markup inside a line: emphasis, code, links and images, HTML and entities,
# strikethrough, a table's cell border, a heading's closing #s (a line's start never holds such text).
_MARKDOWN = {ord(c): "\\" + c for c in "\\`*_[]<>|~&!#$"}


def printable(text: str, limit: int | None = None) -> str:
    """`text` on one line with every control character (ESC, BEL, newline, NUL, U+009B …) shown as its
    escape (`\\x1b`, `\\n`), so that printing it can never move the cursor or retitle the terminal; cut in
    the middle to about `limit` characters, saying how long it was."""
    cut = ""
    if limit is not None and len(text) > limit:
        head = limit * 2 // 3
        text, cut = f"{text[:head]}…{text[len(text) - (limit - head):]}", f" ({len(text):,} characters)"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + cut


def quoted(text: str) -> str:
    """`text` in quotes for a message, printable and at most about QUOTED characters."""
    return f"'{printable(text, QUOTED)}'"


def markdown(text: str) -> str:
    """`text` as Markdown inside a line (a heading, a table cell) that renders as exactly `printable(text)`:
    every mark that could be read as markup is escaped with a backslash, as CommonMark allows."""
    return printable(text).translate(_MARKDOWN)


def csv_text(text: str) -> str:
    """A text cell of a CSV file: printable (a file printed in the terminal is printed raw), and a `'`
    before a leading `= + - @`, the mark spreadsheets take to mean "text, not a formula"."""
    text = printable(text)
    return "'" + text if text.startswith(FORMULA_START) else text
