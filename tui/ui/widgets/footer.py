"""Textual's footer, rebuilt once per refresh however often the keys change before it.

The footer rebuilds every key (a widget each, styled anew) when the screen's bindings change,
and Textual queues one rebuild per change: as the app starts, focus moves, the list fills and
the indexer reports, a dozen changes within a frame, and each rebuilt every key (some 10 ms of
styling each time). Here a change only marks the footer stale; the one rebuild queued builds it
as the bindings are then.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """The keys of the focused widget and the screen, at the bottom."""

    _rebuild_queued = False

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not (self.is_attached and screen is self.screen):
            return
        if not self._rebuild_queued:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False  # a change while rebuilding queues the next rebuild
        await self.recompose()
