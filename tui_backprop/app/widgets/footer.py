"""The footers: Textual's, made again only when what it shows changed, and the main screen's choice of keys.

Textual recomposes a footer whenever a binding may have changed: when a dialog
opens (three or four times), when it closes, on every toggle.  Each recompose
makes and mounts every key again (~25 ms for the main screen's), mostly to show
the same keys; `SteadyFooter` keeps them where they would come out the same, and
under a dialog, which covers them, until its screen is on top again.

Textual's Footer shows every shown binding and cuts the row at the terminal's
edge, so at 80 columns the keys that matter there (`v`, the only way to the
chart and the history) never appeared.  `KeyFooter` takes the keys Textual's
would show (those that work now: the app's check_action, and not a key a
focused input takes), in the order of the app's `footer_order` (the most useful
first), as many as the width holds, Quit last; `?` lists every key.
"""

from __future__ import annotations

from textual.widgets import Footer


class SteadyFooter(Footer):
    drawn: tuple | None = None  # what the mounted keys were made from (None: no keys yet)

    def shown(self) -> tuple:
        """What Footer.compose makes its keys from: the screen's bindings, each with its state and tooltip."""
        return tuple((binding, enabled, tooltip) for _, binding, enabled, tooltip in self.screen.active_bindings.values())

    async def recompose(self) -> None:
        # A recompose may come after a refresh, when a closed dialog's footer has no screen: Footer's own
        # then does nothing.  Under a dialog (which draws a footer of its own over this one) the keys wait:
        # the screen refreshes its bindings when it is back on top, and they are made then if they changed.
        # Every dialog disabled the stepping keys, so each one cost two remakes of the main footer (~25 ms
        # each, a third of what follows `r` at 100-100-100).
        if self.is_attached and self.drawn is not None and (self.app.screen is not self.screen or self.shown() == self.drawn):
            return
        await super().recompose()

    def compose(self):
        keys = list(super().compose())  # none until the screen's bindings are ready
        self.drawn = self.shown() if keys else None
        yield from keys


class KeyFooter(SteadyFooter):
    def choice(self) -> list[str]:
        """The actions to show, Quit last: of those the screen's bindings show now (Footer's own choice: they
        work, and no focused input takes their key), in the app's footer_order, as many as fit the width."""
        shown = {}
        for active in self.screen.active_bindings.values():
            if active.binding.show:
                shown.setdefault(active.binding.action, active.binding)
        room, chosen = self.app.size.width + 1, []  # each key is followed by a space; the last one's may go
        for action in self.app.footer_order():
            binding = shown.get(action)
            if binding is not None:
                width = len(self.app.get_key_display(binding)) + len(binding.description) + 2
                if width <= room:
                    chosen.append(action)
                    room -= width
        return sorted(chosen, key=lambda action: action == "quit")

    def shown(self) -> tuple:
        # The chosen keys' bindings alone: one that is not on show coming to work (`0` after the first
        # step, at a width with no room for it) remade every key the same (16-25 ms after `r` at 100-100-100).
        chosen = self.choice()
        return tuple(entry for entry in super().shown() if entry[0].action in chosen), tuple(chosen)

    def compose(self):
        keys = {key.action: key for key in super().compose() if hasattr(key, "action")}
        yield from (keys[action] for action in self.choice() if action in keys)
