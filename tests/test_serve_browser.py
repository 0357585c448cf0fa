"""`backprop-tui serve` in a real browser (issue 21): headless Chromium from the distribution, driven by
Playwright.  One server for the module (at most two visitors, so that the cap is reached cheaply); the last
test stops it with Ctrl+C."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

import browser
from browser import WAIT, Served, Tab, alive
from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.sheets import export_xlsx

pytestmark = [
    pytest.mark.skipif(browser.missing() is not None, reason=browser.missing() or ""),
    # One worker runs them in order (--dist loadgroup): one server and one browser for the module.
    pytest.mark.xdist_group("browser"),
]

MAX_SESSIONS = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Served("--preset", "excel", "--max-sessions", str(MAX_SESSIONS), "--results", "results",
                    cwd=tmp_path_factory.mktemp("cwd"), data=tmp_path_factory.mktemp("data"))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=browser.CHROMIUM, args=browser.ARGS,
            headless=True, viewport={"width": 1280, "height": 800}, accept_downloads=True)
        # textual-serve opens each download in a new tab, which the download then comes from.
        context.downloads = []
        context.on("page", lambda page: page.on("download", lambda download: context.downloads.append(download)))
        yield context
        context.close()


@pytest.fixture
def tabs(context, server):
    """The tabs a test opens, closed after it (and their apps ended) so that the next has the room."""
    opened: list[Tab] = []
    yield opened
    for tab in opened:
        tab.page.close()
    for _ in range(int(WAIT * 10)):
        if server.process.poll() is not None or server.health()["visitors"] == 0:
            break
        time.sleep(0.1)


def h1() -> str:
    """h1 as the operation panel shows it, computed by the core."""
    op = Stepper(PRESETS["excel"]()).next()
    assert op.symbol == "h1"
    return f"= {format_number(op.value)}"


def test_a_visitor_steps_to_h1_and_receives_the_workbook_as_a_download(context, server, tabs, tmp_path):
    from openpyxl import load_workbook

    tab = Tab(context, server.url, name="Ada")
    tabs.append(tab)
    assert tab.page.title() == "backprop-tui · excel"
    assert tab.wait_for("nothing computed yet")
    for _ in range(5):  # n until h1's value shows
        mark = tab.press("n")
        if tab.wait_for(h1(), since=mark, timeout=WAIT / 4):
            break
    assert h1() in tab.text(mark)
    tab.page.screenshot(path=tmp_path / "browser.png")
    assert (tmp_path / "browser.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    del context.downloads[:]
    tab.press("x")
    for _ in range(int(WAIT * 10)):
        if len(context.downloads) == 4:
            break
        tab.page.wait_for_timeout(100)
    names = sorted(download.suggested_filename for download in context.downloads)
    assert names == ["excel-history.csv", "excel-network.toml", "excel-solution.md", "excel.xlsx"]
    workbook = next(d for d in context.downloads if d.suggested_filename == "excel.xlsx")
    assert workbook.failure() is None
    workbook.save_as(tmp_path / "excel.xlsx")
    export_xlsx(PRESETS["excel"](), 1, tmp_path / "made-here.xlsx")  # what x writes in a terminal
    received, made = (load_workbook(tmp_path / name) for name in ("excel.xlsx", "made-here.xlsx"))
    assert [[cell.value for row in sheet.iter_rows() for cell in row] for sheet in received.worksheets] == \
        [[cell.value for row in sheet.iter_rows() for cell in row] for sheet in made.worksheets]
    assert [path.name for path in server.cwd.iterdir()] == ["results"]  # nothing else was written on the server


def test_two_visitors_get_two_independent_apps(context, server, tabs):
    first, second = Tab(context, server.url, name="Ada"), Tab(context, server.url, name="Ada")
    tabs += [first, second]
    assert len(set(server.health()["pids"])) == 2
    mark_first, mark_second = first.press("n"), len(second.frames)
    assert first.wait_for(h1(), since=mark_first)
    second.page.wait_for_timeout(500)
    assert h1() not in second.text(mark_second)  # a step in one does not show in the other
    mark = second.press("n", "n")
    assert second.wait_for("h2", since=mark)


def test_the_cap_gives_a_room_full_page_and_a_closed_tab_frees_its_place(context, server, tabs):
    first, second = Tab(context, server.url, name="Ada"), Tab(context, server.url, name="Ada")
    tabs += [first, second]
    full = context.new_page()
    response = full.goto(server.url)
    assert response.status == 503 and full.locator("#full").inner_text() == "The room is full"
    assert str(MAX_SESSIONS) in full.locator("main").inner_text()
    full.close()
    pids = server.health()["pids"]
    first.page.close()
    tabs.remove(first)
    for _ in range(int(WAIT * 10)):
        if server.health()["visitors"] == 1:
            break
        second.page.wait_for_timeout(100)
    assert server.health()["visitors"] == 1
    gone = [pid for pid in pids if pid not in server.health()["pids"]]
    assert len(gone) == 1 and not alive(gone[0])  # its app ended with its tab
    third = Tab(context, server.url, name="Ada")
    tabs.append(third)
    assert third.wait_for("nothing computed yet")


def test_a_typed_path_in_o_opens_nothing_on_the_server(context, server, tabs):
    tab = Tab(context, server.url, name="Ada")
    tabs.append(tab)
    tab.press("o")
    assert tab.wait_for("Open one of")
    for typed in ("/etc/passwd", "../README.md"):
        tab.press("Home", "Control+k")  # the input emptied
        mark = tab.type(typed)
        tab.press("Enter")
        assert tab.wait_for(f"{typed}' is not offered here", since=mark)
    assert "root:" not in tab.text()
    assert len(server.health()["pids"]) == 1  # the app is still there


def test_a_visitors_answers_land_in_their_file_in_the_results_folder(context, server, tabs):
    from tui_backprop.core.progress import RecordError, read_record

    tab = Tab(context, server.url, name="../../[b]Eve[/b]")
    tabs.append(tab)
    value = Stepper(PRESETS["excel"]()).next().value
    assert tab.wait_for("Quiz on", since=tab.press("z"))
    tab.type(repr(value))
    tab.press("Enter")
    path = server.cwd / "results" / "b-Eve-b.json"
    for _ in range(int(WAIT * 10)):
        try:
            if read_record(path).networks:
                break
        except RecordError:
            pass
        time.sleep(0.1)
    assert read_record(path).networks["excel"].kinds["sum"]["right"] == 1
    assert all(file.parent == server.cwd / "results" for file in (server.cwd / "results").iterdir())
    summary = subprocess.run([sys.executable, "-m", "tui_backprop", "progress", str(server.cwd / "results")],
                             capture_output=True, text=True, timeout=WAIT)
    assert summary.returncode == 0 and "== b-Eve-b ==" in summary.stdout


def test_ctrl_c_stops_the_server_and_every_app(context, server, tabs):
    first, second = Tab(context, server.url, name="Ada"), Tab(context, server.url, name="Ada")
    tabs += [first, second]
    for tab in (first, second):  # unsaved work, which a hang-up would save in a terminal
        assert tab.wait_for(h1(), since=tab.press("n"))
    pids = server.health()["pids"]
    assert len(pids) == 2 and all(map(alive, pids))
    status, output = server.stop()
    assert status == 0, output
    assert not [pid for pid in pids if alive(pid)]
    for tab in (first, second):  # each tab is told its session ended
        tab.page.wait_for_selector("body.-closed", state="attached", timeout=WAIT * 1000)
    assert "Traceback" not in output
    left = [path for folder in (server.cwd, server.data) for path in folder.rglob("*") if path.suffix == ".backprop"]
    assert left == []  # no hang-up save: a closed tab or a stopped server is the visitor leaving
