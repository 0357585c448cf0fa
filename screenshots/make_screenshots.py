"""Screenshots of the real app: SVG from Textual, and PNG where rsvg-convert is installed.

    python screenshots/make_screenshots.py [NAME ...]      (every screenshot, or those named)

(Debian: `apt-get install librsvg2-bin` for the PNGs.)  browser-mazur.png is the app served
(`backprop-tui serve`) to headless Chromium (`apt-get install chromium`), through Playwright.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from collections import ChainMap  # noqa: E402

from tui_backprop.app.main import BackpropApp  # noqa: E402
from tui_backprop.core import PRESETS, load_network  # noqa: E402
from tui_backprop.core.expr import format_number  # noqa: E402


def slope_forgotten(app) -> str:
    """The next operation's value with its activation's slope left out, as the core computes it: a slip to type."""
    stepper = app.stepper
    value = stepper.upcoming.expr.evaluate(ChainMap({"da_o1/do1": 1.0}, stepper.values))
    return format_number(value, 7)


async def ladder(app, pilot) -> None:
    """The tutor on Mazur's network, climbed to rung 2 (each rule picked and value typed right, as the core
    gives them), then dE_total/da_o1 typed as t1 − a_o1: the slip named, the operation shown worked."""
    await pilot.press("u")
    tutor, stepper = app.tutor, app.stepper
    while not (tutor.place.rung == 2 and stepper.upcoming.symbol == "dE_total/da_o1"
               and not tutor.wants_rule(stepper.upcoming)):
        q = stepper.upcoming
        if tutor.wants_rule(q):
            await pilot.press(str(tutor.rule_question(q).right + 1))
        elif tutor.asks(q):
            app.query_one("#tutor-answer").value = format_number(stepper.peek(), 12)
            await pilot.press("enter")
        else:
            await pilot.press("e")
        await pilot.pause()
    app.query_one("#tutor-answer").value = format_number(stepper.values["t1"] - stepper.values["a_o1"], 6)
    await pilot.press("enter")


async def settings(app, pilot) -> None:
    """The settings screen over xor, changed to Playground's spiral through a 2-8-8-1 tanh network with Adam."""
    await pilot.press("S")
    await pilot.pause()
    fields = {"data": "generate", "gen_kind": "spiral", "gen_count": "200", "gen_noise": "0.1", "gen_seed": "1",
              "test_fraction": "0.2", "layers": "2, 8, 8, 1", "activations": "tanh, tanh, sigmoid",
              "loss": "bce", "optimizer": "adam", "learning_rate": "0.03", "batch": "10", "shuffle_seed": "1"}
    for key, value in fields.items():
        app.screen.query_one(f"#{key}").value = value
    await pilot.pause()
    app.screen.query_one("#layers").focus()


# name: (preset or network file, size, keys pressed first, a function of the app giving keys to type
# among them; or a script that drives the app)
SHOTS = {
    "forward-120x40": ("mazur", (120, 40), ["e", "e", *"n" * 6]),
    "backward-120x40": ("mazur", (120, 40), ["e", "e", "f", *"n" * 12]),
    "update-120x40": ("mazur", (120, 40), ["e", "e", "f", "f", *"n" * 5]),
    "rates-120x40": ("excel", (120, 40), ["s"]),
    "quiz-120x40": ("mazur", (120, 40), ["z", "escape", "escape", "escape", *"0.6", "enter"]),
    "quiz-slip-120x40": ("mazur", (120, 40), ["e", "f", *"n" * 4, "z", slope_forgotten, "enter"]),
    "matrix-120x40": ("mazur", (120, 40), ["m", "f", *"n" * 14]),
    "xor-120x40": ("xor", (120, 40), ["r", "ctrl+a", "ctrl+k", *"300", "enter", "f", *"n" * 10]),
    "compact-80x24": ("mazur", (80, 24), ["e", *"n" * 14]),
    "iris-batches-120x40": ("examples/iris.toml", (120, 40), ["r", "ctrl+a", "ctrl+k", *"40", "enter", "v", *"n" * 5]),
    "ladder-120x40": ("mazur", (120, 40), ladder),
    # each hidden neuron's picture beside the boundary, h1_3 enlarged, after 300 epochs
    "neurons-120x40": ("examples/playground-spiral.toml", (120, 40),
                       ["r", "ctrl+a", "ctrl+k", *"300", "enter", "b", *">" * 3]),
    # 4-8-3 drawn as a picture: o1's sum lit, every other edge by its weight's sign and size
    "iris-diagram-120x40": ("examples/iris.toml", (120, 40), ["n"] * 17),
    # Why gradients vanish: 20 epochs of the deep sigmoid network, then each layer's mean |∂E/∂w|.
    "gradients-120x40": ("examples/deep-sigmoid.toml", (120, 40), ["r", "ctrl+a", "ctrl+k", *"20", "enter", "G"]),
    "settings-120x40": ("xor", (120, 40), settings),
}


async def shoot(name: str, preset: str, size: tuple[int, int], keys) -> Path:
    # No progress record of the answers a screenshot types.
    app = BackpropApp(PRESETS[preset]() if preset in PRESETS else load_network(HERE.parent / preset), record=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        if callable(keys):
            await keys(app, pilot)
        for key in [] if callable(keys) else keys:
            await pilot.press(*(key(app) if callable(key) else [key]))
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        path = HERE / f"{name}.svg"
        app.save_screenshot(str(path))
    # Textual pads cells with non-breaking spaces; without xml:space="preserve", rsvg-convert (and
    # some viewers) strip the leading ones from each text run and every column after them shifts.
    svg = path.read_text(encoding="utf-8")
    path.write_text(svg.replace("<svg ", '<svg xml:space="preserve" ', 1), encoding="utf-8")
    return path


def browser_shot(path: Path) -> Path | None:
    """The app in a browser, as a class sees it: served to Chromium at 1280×860, three steps into the forward
    pass.  None where Chromium or Playwright is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    sys.path.insert(0, str(HERE.parent / "tests"))
    from test_serve_browser import open_app, wait_for_text

    from serve_driver import ServeProcess

    server = ServeProcess(["--preset", "mazur"], HERE)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            frames: list[bytes] = []
            page = open_app(browser, server.url, frames)
            wait_for_text(page, frames, "mazur · 2-2-2")
            for _ in range(3):
                page.keyboard.press("n")
            page.wait_for_timeout(1500)  # the third step drawn
            page.screenshot(path=path)
            browser.close()
    finally:
        server.stop()
    return path


def main(names: list[str]) -> None:
    """Every screenshot, or those `names` names (browser-mazur for the browser's)."""
    if not names or "browser-mazur" in names:
        shot = browser_shot(HERE / "browser-mazur.png")
        print(shot.relative_to(HERE.parent) if shot else "chromium or playwright not found: no browser-mazur.png")
    converter = shutil.which("rsvg-convert")
    for name, (preset, size, keys) in SHOTS.items():
        if names and name not in names:
            continue
        svg = asyncio.run(shoot(name, preset, size, keys))
        print(svg.relative_to(HERE.parent))
        if converter:
            png = svg.with_suffix(".png")
            subprocess.run([converter, "--zoom", "1", "-o", str(png), str(svg)], check=True)
            print(png.relative_to(HERE.parent))
    if not converter:
        print("rsvg-convert not found: SVG only (apt-get install librsvg2-bin for PNGs)")


if __name__ == "__main__":
    main(sys.argv[1:])
