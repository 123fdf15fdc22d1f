"""Helpers for driving the app with Pilot: wait for a condition, not for a fixed time."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tui.core.paths import Paths
from tui.ui.app import LecternApp, make_app
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader

SIZE = (120, 36)


def app_for(inputs: list[Path] | None = None) -> LecternApp:
    """The app as the CLI builds it, under the test's LECTERN_HOME."""
    return make_app(Paths.from_environment(), inputs or [])


CHARACTERS = {"slash": "/", "space": " ", "enter": "\r", "escape": "\x1b", "tab": "\t"}


def type_ahead(app: App[Any], *keys: str) -> None:
    """Queue ``keys`` for ``app`` all at once, as a terminal delivers keys typed while the app is
    busy (starting, say): nothing runs between them, unlike ``pilot.press``, which lets the app
    settle after each key. Before ``run_test`` they are read first thing, as typed-ahead input is."""
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        character = key if len(key) == 1 else CHARACTERS.get(key)
        app.post_message(events.Key(name, character))


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Let the app run until ``condition`` holds (fails the test after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for the app's workers; one superseded by a newer one (exclusive workers) is fine."""
    with contextlib.suppress(WorkerCancelled):
        await pilot.app.workers.wait_for_complete()


def main_screen(pilot: Pilot[Any]) -> MainScreen:
    screen = pilot.app.screen_stack[1] if len(pilot.app.screen_stack) > 1 else pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def ready(pilot: Pilot[Any]) -> MainScreen:
    """Wait until the corpus is listed and the indexer has finished."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    screen = main_screen(pilot)
    await wait_until(pilot, lambda: screen._index_ready and not screen.indexing and bool(screen.entries))
    listed = screen.query_one(DocumentList)
    # The catalog read after indexing replaces the files listed from disk (a skipped one goes).
    await wait_until(pilot, lambda: bool(listed.rows) and all(row.indexed for row in listed.rows))
    # The run's end starts the searcher's warm-up (a query in a thread): over before a test
    # counts the searches asked of the index, or swaps the index for one that records them.
    await wait_until(pilot, lambda: screen.searching._warm_up != "running")
    return screen


async def search(pilot: Pilot[Any], text: str) -> MainScreen:
    """Type ``text`` into the search bar and wait for its results to be listed."""
    screen = main_screen(pilot)
    await pilot.press("slash", *text)
    listed = screen.query_one(DocumentList)
    note = screen.query_one("#search-message")
    await wait_until(
        pilot, lambda: screen.active_query == text and (listed.snippets or "-error" in note.classes)
    )
    await settle(pilot)
    await pilot.pause()
    return screen


async def open_highlighted(pilot: Pilot[Any]) -> Reader:
    """Open the highlighted document and wait until the reader shows it (and its hits)."""
    screen = main_screen(pilot)
    listed = screen.query_one(DocumentList)
    target = listed.highlighted.id if listed.highlighted else None
    listed.focus()
    await pilot.press("enter")
    reader = screen.query_one(Reader)
    await wait_until(pilot, lambda: reader.doc_id == target)
    await settle(pilot)
    await pilot.pause()
    return reader


async def palette_choice(pilot: Pilot[Any], typed: str, top: Callable[[str], bool]) -> None:
    """Open the command palette, type ``typed``, and wait until its top command is the one
    ``top`` accepts (its first line, lower-cased): the palette searches again on each key and
    shows the previous list until that search is over, so ``enter`` before it may pick another."""
    from textual.command import CommandList

    await pilot.press("ctrl+p", *typed)
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CommandPalette")
    commands = pilot.app.screen.query_one(CommandList)

    def ready_to_choose() -> bool:
        if not commands.option_count:
            return False
        return top(str(commands.get_option_at_index(0).prompt).splitlines()[0].strip().lower())

    await wait_until(pilot, ready_to_choose)
