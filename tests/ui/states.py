"""The app's main states, driven through Pilot: shared by the snapshot tests and by
``screenshots/make.py`` so the README shows exactly what the tests check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from tests.ui.helpers import open_highlighted, ready, search, wait_until


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


async def help_screen(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")


STATES: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "library": library,
    "search": search_results,
    "reader": reader_with_hits,
    "help": help_screen,
}
