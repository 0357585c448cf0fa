"""Random keys, hostile prompts and resizes in the real app: it never crashes, and undo brings back the start exactly."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.widgets import Input

from tui_backprop.core import PRESETS

from app_driver import drive
from budget import examples

HOSTILE_TEXT = st.one_of(
    st.sampled_from(["[/]", "[bold]x", "[/] = 1", "a\x00b", "w1 = 0.5", "w5=-1e308", "lr", "b1 = 2", "i1 = 1e300",
                     "../../x", "nonexist[/x].backprop", "x.xlsx", "0", "-1", "1e400", "t2 = nan", "\n"]),
    st.text(max_size=12),
)
# Keys that step, keys that open every dialog and view (c, g, ?, s, ctrl+p, the prompts), and the keys
# those dialogs and lists act on; a dialog stays open across later keys and resizes until esc closes it.
ACTIONS = st.one_of(
    st.tuples(st.just("key"), st.sampled_from(["n", "p", "f", "e", "n", "p", "v", "m", "question_mark", "escape",
                                               "ctrl+p", "d", "s", "left", "right", "c", "g", "b", "L",
                                               "pageup", "pagedown", "home", "end", "up", "down", "tab", "space",
                                               "enter", "escape"])),
    st.tuples(st.just("prompt"), st.sampled_from(["w", "l", "o", "t"]), HOSTILE_TEXT),
    st.tuples(st.just("resize"), st.integers(1, 300), st.integers(1, 100)),
    # tiny and just-too-small sizes, and back
    st.tuples(st.just("resize"), st.integers(1, 6), st.integers(1, 30)),
    st.tuples(st.just("resize"), st.sampled_from([79, 80, 120]), st.sampled_from([23, 24, 40])),
)


def snapshot(app) -> tuple:
    """Where the stepper stands, every value to the bit (NaN included)."""
    stepper = app.stepper
    values = {symbol: struct.pack(">d", value) for symbol, value in stepper.values.items()}
    return stepper.epoch, stepper.position, values, len(stepper.history)


@pytest.mark.long
@settings(max_examples=examples(1), suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(preset=st.sampled_from(sorted(PRESETS)), actions=st.lists(ACTIONS, max_size=25))
@example(preset="xor", actions=[("prompt", "w", "[/] = 1"), ("key", "f"), ("prompt", "w", "w1 = 0.5"), ("key", "e"),
                                 ("prompt", "o", "nonexist[/x].backprop"), ("prompt", "l", "a\x00b"),
                                 ("resize", 4, 24), ("key", "ctrl+p"), ("key", "d"), ("resize", 1, 1), ("key", "n")])
# The columns list left open in a tiny terminal, then its page keys (issue 18.2: KeyError in OptionList).
@example(preset="mazur", actions=[("key", "c"), ("resize", 4, 25), ("key", "pageup"), ("key", "pagedown"),
                                  ("resize", 2, 2), ("key", "pagedown"), ("resize", 120, 40), ("key", "escape")])
def test_random_keys_prompts_and_resizes_never_crash_and_undo_restores_the_start(tmp_path, monkeypatch, preset, actions):
    monkeypatch.chdir(tmp_path)  # nothing here for `o` to open
    actions = [a for a in actions if not (a[0] == "prompt" and a[1] == "o" and a[2].strip() in PRESETS)]

    async def body(app, pilot):
        start = snapshot(app)
        for action in actions:
            if action[0] == "key":
                await pilot.press(action[1])
            elif action[0] == "resize":
                await pilot.resize_terminal(action[1], action[2])
            else:
                await pilot.press(action[1])
                if isinstance(app.focused, Input):
                    app.focused.value = action[2]  # as pasted: any character, markup and NUL included
                    await pilot.press("enter")
            await pilot.pause()
            assert app.is_running  # a dialog may stay open: the next keys and resizes reach it
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        for _ in range(len(actions) + 1):  # every dialog, view and prompt left open, one esc each
            if len(app.screen_stack) == 1:
                break
            await pilot.press("escape")
            await pilot.pause()
        assert len(app.screen_stack) == 1
        # p until it changes nothing more: each takes back one operation, edit or run; past the start it is refused.
        # A burst of one p more than there were actions: each action leaves at most one step to take back, so
        # the first burst reaches the start and the next, changing nothing, ends the loop; were an action to
        # leave more, the loop goes on.  (Bursts of a fixed 50 cost about 3 s an example for the same check.)
        burst = len(actions) + 1
        for _ in range(200):
            before = snapshot(app)
            await pilot.press(*["p"] * burst)
            await pilot.pause()
            if snapshot(app) == before:
                break
        assert snapshot(app) == start

    drive(body, preset=preset)
