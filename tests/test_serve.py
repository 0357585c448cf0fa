"""`backprop-tui serve` (issue 21): the real server in a subprocess on 127.0.0.1, visited through textual-serve's
websocket as a browser's page does: each visitor their own app, the cap and the room-full page, every app ended
when its tab closes and when the server stops, and nothing a visitor types reaching the server's files."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys

import aiohttp
import psutil
import pytest

from tui_backprop.cli import main
from tui_backprop.core import PRESETS, Stepper
from tui_backprop.core.expr import format_number
from tui_backprop.core.progress import read_records

from serve_driver import Visitor, free_port, serve, wait_until  # noqa: F401 (serve: the fixture)

pytestmark = pytest.mark.xdist_group("serve")


def first_value(preset: str) -> tuple[str, str]:
    """The first operation's symbol and its value as the operation panel shows it, from the core."""
    op = Stepper(PRESETS[preset]()).next()
    return op.symbol, format_number(op.value)


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 90))


def test_two_visitors_get_two_apps_and_a_step_in_one_is_not_in_the_other(serve):
    server = serve("--preset", "mazur", "--max-sessions", "2")
    assert server.url in server.first_line
    symbol, value = first_value("mazur")

    async def visit():
        async with aiohttp.ClientSession() as session:
            page = await session.get(server.url)
            assert page.status == 200 and "<title>backprop-tui</title>" in await page.text()
            async with Visitor(session, server.url) as one, Visitor(session, server.url) as two:
                await one.wait_for("mazur · 2-2-2")
                await two.wait_for("mazur · 2-2-2")
                assert len(server.apps()) == 2
                seen = len(two.text())
                await one.press("n")
                await one.wait_for(f"{symbol} = {value}")
                await asyncio.sleep(0.5)
                assert f"{symbol} = {value}" not in two.text()[seen:]
                # the cap: a third visitor gets the room-full page, and a websocket that says so
                full = await session.get(server.url)
                assert full.status == 503 and "The room is full" in await full.text()
                async with Visitor(session, server.url) as three:
                    await three.wait_for("The room is full")
                assert len(server.apps()) == 2
            # both tabs closed: both apps end, and the room has space again
            assert wait_until(lambda: not server.apps())
            assert (await session.get(server.url)).status == 200

    run(visit())


def test_another_sites_page_cannot_open_an_app(serve):
    server = serve("--preset", "mazur")

    async def visit():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(f"{server.url.replace('http', 'ws')}/ws",
                                         headers={"Origin": "http://elsewhere.example"})
            assert refused.value.status == 403
            socket = await session.ws_connect(f"{server.url.replace('http', 'ws')}/ws",
                                              headers={"Origin": server.url})  # the page's own
            await socket.close()
        assert not server.apps() or wait_until(lambda: not server.apps())

    run(visit())


def test_ctrl_c_ends_every_visitors_app(serve):
    server = serve("--preset", "xor")

    async def visit():
        async with aiohttp.ClientSession() as session:
            async with Visitor(session, server.url) as one, Visitor(session, server.url) as two:
                await one.wait_for("xor")
                await two.wait_for("xor")
                apps = server.apps()
                assert len(apps) == 2
                assert server.stop(signal.SIGINT) == 0
                assert wait_until(lambda: not any(app.is_running() and app.status() != psutil.STATUS_ZOMBIE
                                                  for app in apps))

    run(visit())


def test_a_typed_path_in_o_opens_nothing_of_the_servers(serve, tmp_path):
    secret = tmp_path / "secret.toml"
    secret.write_text('layers = [2, 1]\nsamples = [{inputs = [0, 1], targets = [1]}]\nname = "secret-net"\n')
    server = serve("--preset", "mazur")

    async def visit():
        async with aiohttp.ClientSession() as session:
            async with Visitor(session, server.url) as one:
                await one.wait_for("mazur · 2-2-2")
                for typed in ("/etc/passwd", str(secret), "../secret.toml", "secret.toml"):
                    await one.press("o")
                    await one.wait_for("Open a preset, an example or one of this lesson's files", after=len(one.text()))
                    seen = len(one.text())
                    await one.press(typed + "\r")
                    await one.wait_for("not one of these", after=seen)
                    await one.press("\x1b")
                    await asyncio.sleep(0.5)  # a lone esc is told from the start of a sequence by a pause
                assert "secret-net" not in one.text() and "root:" not in one.text()

    run(visit())


def test_a_bad_port_or_lesson_is_one_line_and_status_2(tmp_path):
    plain = tmp_path / "plain.toml"
    plain.write_text('layers = [2, 1]\nsamples = [{inputs = [0, 1], targets = [1]}]\n')
    for options, said in ((["--lesson", str(plain)], "not a lesson"), (["--port", "0"], "a port is a whole number"),
                          (["--preset", "nope"], "unknown preset")):
        done = subprocess.run([sys.executable, "-m", "tui_backprop", "serve", "--port", str(free_port()), *options],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert done.returncode == 2 and said in done.stderr and len(done.stderr.splitlines()) == 1
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = subprocess.run([sys.executable, "-m", "tui_backprop", "serve", "--port", port],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"backprop-tui: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_results_a_name_first_then_a_record_each_that_progress_sums_up(serve, tmp_path):
    results = tmp_path / "results"
    server = serve("--preset", "mazur", "--results", str(results))
    symbol, value = first_value("mazur")

    async def visit():
        async with aiohttp.ClientSession() as session:
            async with Visitor(session, server.url) as one, Visitor(session, server.url) as two:
                for visitor, file in ((one, "Ada-Lovelace.json"), (two, "Ada-Lovelace-2.json")):  # one name, two records
                    await visitor.wait_for("Your name, for your teacher's results")
                    await visitor.press("Ada Lovelace\r")
                    assert wait_until(lambda: (results / file).exists(), 10)
                await asyncio.sleep(0.5)
                await one.press("z")
                await one.wait_for("Quiz on")
                await one.press(value + "\r")
                await one.wait_for(f"{symbol} = {value}")
                assert wait_until(lambda: dict(read_records(results)[0])["Ada-Lovelace"].networks, 10)
        assert sorted(path.name for path in results.iterdir()) == ["Ada-Lovelace-2.json", "Ada-Lovelace.json"]

    run(visit())
    records = dict(read_records(results)[0])
    (name, practice), = records["Ada-Lovelace"].networks.items()
    assert name == "mazur" and sum(counts["right"] for counts in practice.kinds.values()) == 1
    assert records["Ada-Lovelace-2"].networks == {}
    assert main(["progress", str(results)]) == 0


def test_ctrl_s_sends_the_session_as_a_download_that_resumes(serve, tmp_path):
    from tui_backprop.core.session import open_study

    server = serve("--preset", "mazur")
    symbol, value = first_value("mazur")

    async def visit():
        async with aiohttp.ClientSession() as session:
            async with Visitor(session, server.url) as one:
                await one.wait_for("mazur · 2-2-2")
                await one.press("n")
                await one.wait_for(f"{symbol} = {value}")
                await one.press("\x13")  # ctrl+s
                key = await one.delivery()
                download = await session.get(f"{server.url}/download/{key}")
                assert download.status == 200
                assert "mazur.backprop" in download.headers["Content-Disposition"]
                (tmp_path / "got.backprop").write_bytes(await download.read())
        assert not list(tmp_path.glob("mazur*.backprop")), "the session went to the server's folder"

    run(visit())
    study = open_study(tmp_path / "got.backprop")
    assert study.stepper.position == 1 and study.stepper.done[0].symbol == symbol


def test_q_save_then_quit_leaves_once_the_browser_has_the_session(serve):
    server = serve("--preset", "mazur")
    symbol, value = first_value("mazur")

    async def visit():
        async with aiohttp.ClientSession() as session:
            async with Visitor(session, server.url) as one:
                await one.wait_for("mazur · 2-2-2")
                await one.press("n")
                await one.wait_for(f"{symbol} = {value}")
                await one.press("q")
                await one.wait_for("save, then quit")
                await one.press("s")
                key = await one.delivery()
                await asyncio.sleep(0.5)
                assert len(server.apps()) == 1  # still there: the file has not been fetched
                download = await session.get(f"{server.url}/download/{key}")
                assert download.status == 200 and len(await download.read()) > 0
                assert wait_until(lambda: not server.apps(), 15)

    run(visit())


def test_a_lesson_titles_the_page_and_o_offers_its_folder(serve, tmp_path):
    from tui_backprop.core.loader import EXAMPLES, load_lesson

    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("mazur-ladder.toml", "iris-softmax-step.toml"):
        (folder / name).write_bytes((EXAMPLES / "lessons" / name).read_bytes())
    lesson = load_lesson(folder / "mazur-ladder.toml")[1]
    other = load_lesson(folder / "iris-softmax-step.toml")[1]
    server = serve("--lesson", str(folder / "mazur-ladder.toml"))

    async def visit():
        async with aiohttp.ClientSession() as session:
            page = await (await session.get(server.url)).text()
            assert f"<title>backprop-tui: {lesson.title}</title>".replace("'", "&#x27;") in page
            async with Visitor(session, server.url) as one:
                await one.wait_for(lesson.title)
                await one.press("\x1b")  # the lesson's opening page
                await asyncio.sleep(0.5)
                await one.press("o")
                await one.wait_for("Open a preset, an example or one of this lesson's files")
                seen = len(one.text())
                await one.press("iris-softmax-step.toml\r")
                await one.wait_for(other.title, after=seen)

    run(visit())


def test_a_server_killed_outright_leaves_no_app_behind(serve):
    server = serve("--preset", "mazur")

    async def visit():
        async with aiohttp.ClientSession() as session:
            async with Visitor(session, server.url) as one:
                await one.wait_for("mazur · 2-2-2")
                apps = server.apps()
                assert len(apps) == 1
                server.process.kill()
                server.process.wait(10)
                try:
                    assert wait_until(lambda: not any(app.is_running() and app.status() != psutil.STATUS_ZOMBIE
                                                      for app in apps), 15)
                finally:
                    for app in apps:
                        if app.is_running():
                            app.kill()

    run(visit())


def exported_zip(server, name: str, stall: float = 0.0) -> bytes:
    """What `x` sends a visitor of `name`: the one zip, downloaded as the browser would.  `stall`: the
    visitor's app is stopped for that many seconds as the download starts (as on a loaded machine)."""
    async def visit():
        async with aiohttp.ClientSession() as session:
            async with Visitor(session, server.url) as one:
                await one.wait_for(name)
                await one.press("x")
                key = await one.delivery()
                if stall:
                    apps = server.apps()
                    for app in apps:
                        app.suspend()
                    asyncio.get_running_loop().call_later(stall, lambda: [app.resume() for app in apps])
                download = await session.get(f"{server.url}/download/{key}")
                assert f"{name}-export.zip" in download.headers["Content-Disposition"]
                return await download.read()

    return run(visit())


def test_a_download_waits_for_an_app_that_stalls_for_seconds(serve):
    """On a loaded machine a visitor's app can take seconds to send its next piece of a download; textual-serve's
    own 4 s cut the zip short, silently.  The app is stopped for 6 s as the download starts: it arrives whole."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(exported_zip(serve("--preset", "mazur"), "mazur", stall=6))) as zipped:
        assert zipped.testzip() is None
        assert sorted(zipped.namelist()) == ["mazur-history.csv", "mazur-network.toml", "mazur-solution.md", "mazur.xlsx"]


def test_a_visitors_app_writes_with_the_serial_driver(serve):
    """Textual's web driver wrote the screen and a download's chunks from two threads at once, and under load
    their packets interleaved: a zip stopped short in about one download of six.  Each visitor's app runs
    with the driver whose writes take turns (served.SerialWebDriver)."""
    server = serve("--preset", "mazur")

    async def visit():
        async with aiohttp.ClientSession() as session:
            async with Visitor(session, server.url) as one:
                await one.wait_for("mazur")
                return [app.environ().get("TEXTUAL_DRIVER") for app in server.apps()]

    assert set(run(visit())) == {"tui_backprop.app.served:SerialWebDriver"}


def test_x_sends_one_archive_whose_network_file_names_no_server_path(serve, tmp_path):
    import io
    import zipfile

    from tui_backprop.core.loader import EXAMPLES, load_lesson, load_network

    server = serve("--config", "iris")
    served = load_lesson(EXAMPLES / "iris.toml")[0]

    with zipfile.ZipFile(io.BytesIO(exported_zip(server, "iris"))) as zipped:
        assert sorted(zipped.namelist()) == ["iris-history.csv", "iris-network.toml", "iris-solution.md", "iris.xlsx"]
        network = zipped.read("iris-network.toml").decode()
    assert "file" not in network and str(EXAMPLES.parent) not in network
    (tmp_path / "got.toml").write_text(network)
    back = load_network(tmp_path / "got.toml")
    assert (back.samples, back.test_samples, back.start) == (served.samples, served.test_samples, served.start)
    assert not list(tmp_path.glob("iris-*")), "the export went to the server's folder"
