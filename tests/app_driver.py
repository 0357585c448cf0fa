"""Helpers for driving the real app under Pilot from plain (sync) pytest functions."""

from __future__ import annotations

import asyncio

from tui_backprop.app.main import BackpropApp
from tui_backprop.core import PRESETS


def drive(body, preset: str = "mazur", size=(120, 40), network=None, **app_args):
    """Run `await body(app, pilot)` inside the real app; returns the app afterwards.

    run_test re-raises any exception the app met, so a crash fails the test."""
    app = BackpropApp(network or (None if app_args else PRESETS[preset]()), **app_args)

    async def main():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await body(app, pilot)

    asyncio.run(main())
    return app


def screen_text(app) -> str:
    """The whole screen as plain text, as a person would read it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


async def type_in(pilot, text: str) -> None:
    """Replace the focused input's text, then press enter."""
    pilot.app.focused.value = ""
    await pilot.press(*text, "enter")
    await pilot.pause()


def widget_text(app, widget) -> str:
    """What a widget shows on screen, its wrapped lines joined with single spaces."""
    region = widget.content_region
    lines = screen_text(app).split("\n")[region.y:region.bottom]
    return " ".join(" ".join(line[region.x:region.right].split()) for line in lines).strip()


def notifications(app) -> str:
    """Every message the app has shown as a toast (toasts sit on a layer of their own)."""
    return "\n".join(notification.message for notification in app._notifications)
