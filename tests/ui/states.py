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
}
SNAPSHOTS = ("library", "search", "reader", "help", "annotated")
"""States whose SVG is compared in tests (the browser shows modification times, so it is not)."""
