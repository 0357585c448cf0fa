"""The main screen's footer: of the keys that work now, the most useful ones that fit.

Textual's Footer shows every shown binding and cuts the row at the terminal's
edge, so at 80 columns the keys that matter there (`v`, the only way to the
chart and the history) never appeared.  This one takes the keys Textual's would
show (those that work now: the app's check_action, and not a key a focused
input takes), in the order of the app's `footer_order` (the most useful first),
as many as the width holds, Quit last; `?` lists every key.
"""

from __future__ import annotations

from textual.widgets import Footer


class KeyFooter(Footer):
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

    def compose(self):
        keys = {key.action: key for key in super().compose() if hasattr(key, "action")}
        yield from (keys[action] for action in self.choice() if action in keys)
