"""Command palette (ctrl+p): open a document by title, change the list's order.

Themes come from Textual's own "Change theme" command.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.core.sanitize import visible

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen


class DocumentCommands(Provider):
    """Fuzzy-match document titles (Textual's matcher) and the sort orders."""

    def _screen(self) -> object:
        from tui.ui.screens.main import MainScreen

        screen = self.app.screen_stack[0] if self.app.screen_stack else None
        for candidate in self.app.screen_stack:
            if isinstance(candidate, MainScreen):
                return candidate
        return screen

    async def search(self, query: str) -> Hits:
        from tui.ui.screens.main import MainScreen

        screen = self._screen()
        if not isinstance(screen, MainScreen):
            return
        matcher = self.matcher(query)
        for sort in ("date", "title", "relevance"):
            label = f"Sort by {sort}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(screen.set_sort, sort),
                    help="Order of the document list",
                )
        for label, action, help_text in _screen_commands(screen):
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), action, help=help_text)
        for entry in list(screen.entries.values()):
            label = f"Open: {visible(entry.title)}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(label), partial(screen._open, entry.id), help=visible(entry.id)
                )

    async def discover(self) -> Hits:
        from tui.ui.screens.main import MainScreen

        screen = self._screen()
        if not isinstance(screen, MainScreen):
            return
        for sort in ("date", "title"):
            yield DiscoveryHit(
                f"Sort by {sort}", partial(screen.set_sort, sort), help="Order of the document list"
            )
        for label, action, help_text in _screen_commands(screen):
            yield DiscoveryHit(label, action, help=help_text)


def _screen_commands(screen: MainScreen) -> list[tuple[str, Callable[[], object], str]]:
    """Annotation commands: the panel, and the list filtered by each annotation tag."""
    commands: list[tuple[str, Callable[[], object], str]] = [
        ("Show or hide the annotation panel", screen.action_toggle_panel, "Annotations of the open document"),
        ("Browse all annotations", screen.action_browse, "Filter, sort, open, rename tags, label counts"),
    ]
    from tui.core.export import FORMATS  # only when the palette opens: not on the first paint

    for fmt in FORMATS:
        commands.append(
            (
                f"Export annotations as {fmt}",
                partial(screen.export_annotations, fmt),
                "Writes a file and says where",
            )
        )
    for tag in screen.known_tags():
        commands.append(
            (
                f"Documents tagged #{visible(tag)}",
                partial(screen.filter_by_tag, tag),
                "Filter the list by annotation tag",
            )
        )
    if screen.tag_filter:
        commands.append(("Show all documents", partial(screen.filter_by_tag, None), "Drop the tag filter"))
    return commands
