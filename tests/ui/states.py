"""The app's main states, driven through Pilot: shared by the snapshot tests and by
``screenshots/make.py`` so the README shows exactly what the tests check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from tests.ui.helpers import open_highlighted, ready, search, settle, wait_until


async def library(pilot: Pilot[Any]) -> None:
    await ready(pilot)


async def search_results(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await search(pilot, "blockchain corruption")


async def reader_with_hits(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await search(pilot, "conflux")
    await open_highlighted(pilot)
    await pilot.press("n")


async def searching_while_reading(pilot: Pilot[Any]) -> None:
    """A document open and a new query typed: the results get the room, the reader a strip."""
    await ready(pilot)
    await open_highlighted(pilot)
    await search(pilot, "corruption")


async def list_hidden(pilot: Pilot[Any]) -> None:
    """Reading with the list hidden (``\\``): the reader has the whole width."""
    await reader_with_hits(pilot)
    await pilot.press("backslash")
    await settle(pilot)
    await pilot.pause()


async def annotated(pilot: Pilot[Any]) -> None:
    """A document with a note (yellow) and a highlight (green), the panel open."""
    from tui.ui.widgets.reader import Reader

    screen = await ready(pilot)
    await open_highlighted(pilot)
    reader = screen.query_one(Reader)
    start = reader.text.index("On the 1st")
    reader.go_to(start)
    await pilot.press("v", *")" * 1, "left", "left", "a")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "AnnotationDialog")
    await pilot.press(*"The announcement itself.", "tab", *"policy, belt-and-road", "ctrl+s")
    await wait_until(pilot, lambda: len(reader.annotations) == 1)
    reader.go_to(reader.text.index("Conflux Network"))
    await pilot.press("v", "w", "right", "right", "right", "right", "right", "right", "2", "h")
    await wait_until(pilot, lambda: len(reader.annotations) == 2)
    await pilot.press("A")
    reader.focus()
    reader.go_to(start + 5)
    await wait_until(pilot, lambda: reader.annotation_under_cursor is not None)
    await settle(pilot)
    pilot.app.clear_notifications()


async def browser(pilot: Pilot[Any]) -> None:
    """The annotation browser over the annotations of ``annotated``."""
    await annotated(pilot)
    await pilot.press("B")
    await wait_until(pilot, lambda: len(getattr(pilot.app.screen, "records", ())) == 2)


async def outline(pilot: Pilot[Any]) -> None:
    """The outline of a rendered Markdown document (``o``)."""
    await reader_with_hits(pilot)
    await pilot.press("o")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "OutlineScreen")
    await settle(pilot)


async def help_screen(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")


STATES: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "library": library,
    "search": search_results,
    "reader": reader_with_hits,
    "help": help_screen,
    "annotated": annotated,
    "browser": browser,
    "searching_while_reading": searching_while_reading,
    "list_hidden": list_hidden,
    "outline": outline,
}
SNAPSHOTS = ("library", "search", "reader", "help", "annotated", "searching_while_reading", "list_hidden", "outline")
"""States whose SVG is compared in tests (the browser shows modification times, so it is not)."""
NARROW = (80, 24)
NARROW_SNAPSHOTS = ("library", "search", "reader", "annotated")
"""States also compared (and shown in the README) at 80×24: the panes must fit there too."""
