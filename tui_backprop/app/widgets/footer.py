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
    def compose(self):
        keys = {key.action: key for key in super().compose() if hasattr(key, "action")}
        room, chosen = self.app.size.width + 1, []  # each key is followed by a space; the last one's may go
        for action in self.app.footer_order():
            key = keys.get(action)
            if key is not None and len(key.key_display) + len(key.description) + 2 <= room:
                chosen.append(key)
                room -= len(key.key_display) + len(key.description) + 2
        yield from sorted(chosen, key=lambda key: key.action == "quit")
