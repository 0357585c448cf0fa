"""Helpers for driving the real app under Pilot from plain (sync) pytest functions."""

from __future__ import annotations

import asyncio
import html
import re

from textual import events

from tui_backprop.app.main import BackpropApp
from tui_backprop.core import PRESETS


def drive(body, preset: str = "mazur", size=(120, 40), network=None, toasts: bool = False, **app_args):
    """Run `await body(app, pilot)` inside the real app; returns the app afterwards.
    `toasts` shows notifications on screen (run_test leaves them out unless asked).

    run_test re-raises any exception the app met, so a crash fails the test."""
    app = BackpropApp(network or (None if app_args else PRESETS[preset]()), **app_args)
    record_notifications(app)

    async def main():
        async with app.run_test(size=size, notifications=toasts) as pilot:
            await pilot.pause()
            await footer_drawn(app, pilot)
            await body(app, pilot)

    asyncio.run(main())
    return app


async def footer_drawn(app, pilot) -> None:
    """Until the footer shows its keys: it composes them once the bindings are ready, a refresh or two
    after the first frame (on a loaded machine, after the one pause a test starts with)."""
    for _ in range(40):
        if app.screen_stack[0].query("KeyFooter > *") or app.screen_stack[0].query_one("KeyFooter").display is False:
            return
        await pilot.pause(0.025)


# Rich's SVG export: one <text> per run of like-styled characters, placed by x (12.2 px a column) and clipped to its line.
SVG_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                      r'clip-path="url\(#[\w-]*-line-(\d+)\)">([^<]*)</text>')
SVG_COLUMN_WIDTH = 12.2


def screen_text(app) -> str:
    """The whole screen as plain text, as a person would read it (from Textual's public screenshot)."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for x, line, text in SVG_TEXT.findall(app.export_screenshot()):
        column = round(float(x) / SVG_COLUMN_WIDTH)
        for offset, character in enumerate(html.unescape(text).replace("\xa0", " ")):
            if column + offset < width:
                rows[int(line)][column + offset] = character
    return "\n".join("".join(row) for row in rows)


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


async def type_in(pilot, text: str) -> None:
    """Replace the focused input's text, then press enter."""
    pilot.app.focused.value = ""
    await pilot.press(*text, "enter")
    await pilot.pause()


async def paste_in(pilot, text: str) -> None:
    """Replace the focused input's text by pasting `text` (as a terminal's bracketed paste reaches the app: one
    Paste event), then press enter: how a long path gets typed, which key by key took seconds a test."""
    pilot.app.focused.value = ""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def widget_text(app, widget) -> str:
    """What a widget shows on screen, its wrapped lines joined with single spaces."""
    region = widget.content_region
    lines = screen_text(app).split("\n")[region.y:region.bottom]
    return " ".join(" ".join(line[region.x:region.right].split()) for line in lines).strip()


def notifications(app) -> str:
    """Every message the app has shown as a toast, as recorded by `drive` from the public `notify`."""
    return "\n".join(app.notified)


def record_notifications(app) -> None:
    """Keep every message given to `app.notify` in `app.notified`."""
    app.notified = []
    shown = app.notify

    def notify(message, *args, **kwargs):
        app.notified.append(str(message))
        return shown(message, *args, **kwargs)

    app.notify = notify


async def settle(pilot) -> None:
    """Wait until the app's workers are done (`o` reads a file in one), and their results are on screen."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_checked(app, pilot, path) -> None:
    """`o` a path (a file is read, a sheet checked, in a worker), and wait until what it opened is on screen."""
    await press(pilot, "o")
    await paste_in(pilot, str(path))
    await settle(pilot)
