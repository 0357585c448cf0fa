"""`backprop-tui serve` in a real browser (issue 21): headless Chromium from the distribution (.ci/run installs it),
driven by Playwright, on textual-serve's own page.  The screen's text is read from what the page's terminal is
sent (its websocket frames, escape sequences taken out): xterm.js draws on a canvas, with no text in the DOM."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.sheets.carried import carried_network

from serve_driver import ESCAPES, serve, wait_until  # noqa: F401 (serve: the fixture)

pytestmark = pytest.mark.xdist_group("serve")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WAIT_MS = 30_000  # every wait in the browser is bounded


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (.ci/run installs the distribution's package; apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def screen_text(frames: list[bytes]) -> str:
    return ESCAPES.sub("", b"".join(frames).decode("utf-8", "replace"))


def open_app(browser, url: str, frames: list[bytes], size=(1280, 860)):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    page.set_default_timeout(WAIT_MS)
    page.on("websocket", lambda socket: socket.on(
        "framereceived", lambda frame: frames.append(frame) if isinstance(frame, bytes) else None))
    page.goto(url)
    page.wait_for_selector("body.-first-byte")  # textual-serve's page: the app has drawn
    page.focus(".xterm-helper-textarea")  # where xterm.js takes the keys from, as a click on the terminal does
    return page


def wait_for_text(page, frames: list[bytes], text: str) -> None:
    for _ in range(WAIT_MS // 100):
        if text in screen_text(frames):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{text!r} never showed; the end of the screen: {screen_text(frames)[-400:]!r}")


def test_a_class_in_the_browser_steps_exports_and_is_screenshot(browser, serve, tmp_path):
    """Open the served URL, press n until h1's value shows, x sends the export (the workbook in it) as a
    download, and a screenshot is taken (screenshots/make_screenshots.py keeps one as browser-mazur.png)."""
    server = serve("--preset", "mazur")
    frames: list[bytes] = []
    page = open_app(browser, server.url, frames)
    assert page.title() == "backprop-tui"
    wait_for_text(page, frames, "mazur · 2-2-2")
    stepper = Stepper(PRESETS["mazur"]())
    while True:  # n until h1's value shows: the core says which operation computes it, and its value
        op = stepper.next()
        page.keyboard.press("n")
        if op.symbol == "h1":
            break
    wait_for_text(page, frames, f"h1 = {format_number(op.value)}")

    with page.expect_download(timeout=WAIT_MS) as download:
        page.keyboard.press("x")
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    assert archive.name == "mazur-export.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert "mazur.xlsx" in names and "mazur-history.csv" in names
        (tmp_path / "got.xlsx").write_bytes(zipped.read("mazur.xlsx"))
    carried = carried_network(tmp_path / "got.xlsx")  # the workbook says which network it is: the one served
    assert carried.name == "mazur" and carried.start == PRESETS["mazur"]().start
    assert not list(tmp_path.glob("mazur*.xlsx")), "the export went to the server's folder"

    shot = tmp_path / "browser-mazur.png"
    page.screenshot(path=shot)
    assert shot.stat().st_size > 10_000
    page.close()
    assert wait_until(lambda: not server.apps(), 15), "the app outlived its tab"


def test_the_room_full_page_in_the_browser(browser, serve):
    server = serve("--preset", "xor", "--max-sessions", "1")
    frames: list[bytes] = []
    first = open_app(browser, server.url, frames)
    wait_for_text(first, frames, "xor")
    second = browser.new_page()
    second.goto(server.url, timeout=WAIT_MS)
    assert "The room is full" in second.inner_text("body", timeout=WAIT_MS)
    second.close()
    first.close()

