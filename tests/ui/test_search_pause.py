"""Pilot tests: a query is searched while the typing pauses, and listed once the pause is long
enough (``PRESEARCH_DELAY``, then ``SEARCH_DELAY``).

The search runs in the pause, so its results are listed when the pause reaches the debounce, not
a search's time later; never before (the list does not flicker through half-typed queries), never
for a query typed over, and never searched twice. ``enter`` does not wait for the pause.
The delays are set long here (longer than the test's keys take to arrive), so what is checked
does not depend on the machine's speed.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import tui.ui.controllers.search as search_module
from tests.seeds import BELT
from tests.ui.helpers import SIZE, app_for, ready, wait_until
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader


class RecordingIndex:
    """The screen's index, counting the searches asked of it; ``gate``: each waits for it."""

    def __init__(self, index: Any, gated: bool = False) -> None:
        self.index = index
        self.queries: list[str] = []
        self.gate = threading.Event()
        if not gated:
            self.gate.set()

    def search(self, query: str, limit: int = 20, sort: str = "relevance") -> Any:
        self.queries.append(query)
        self.gate.wait(timeout=60)
        return self.index.search(query, limit=limit, sort=sort)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.index, name)


def recording(screen: MainScreen, gated: bool = False) -> RecordingIndex:
    index = RecordingIndex(screen.searching.open_index(), gated)
    screen.searching.index = index
    return index


def listed_queries(screen: MainScreen) -> list[str]:
    """The queries whose results the list is given, in order (recorded from now on)."""
    listed = screen.query_one(DocumentList)
    original = listed.set_rows
    found: list[str] = []

    def set_rows(rows: Any, snippets: bool, **options: Any) -> None:
        if snippets:
            found.append(screen.searching.active_query)
        original(rows, snippets, **options)

    listed.set_rows = set_rows  # type: ignore[method-assign]
    return found


@pytest.fixture
def long_pause(monkeypatch: pytest.MonkeyPatch) -> float:
    """A debounce long enough that a search ends well inside it, on any machine, and a pause
    before the search longer than the test's keys take to arrive."""
    monkeypatch.setattr(search_module, "PRESEARCH_DELAY", 0.5)
    monkeypatch.setattr(search_module, "SEARCH_DELAY", 3.0)
    return 3.0


async def test_a_query_is_searched_in_the_pause_and_listed_when_it_is_long_enough(long_pause: float) -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        index = recording(screen)
        shown = listed_queries(screen)
        await pilot.press("slash", *"government")
        controller = screen.searching
        await wait_until(pilot, lambda: controller._held is not None, timeout=long_pause - 0.5)
        assert index.queries == ["government"] and shown == []  # searched, not yet listed
        await wait_until(pilot, lambda: shown == ["government"])
        assert index.queries == ["government"]  # listed from the search the pause ran
        assert screen.query_one(DocumentList).rows[0].id == BELT


async def test_results_of_a_query_typed_over_are_never_listed(long_pause: float) -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        index = recording(screen)
        shown = listed_queries(screen)
        controller = screen.searching
        await pilot.press("slash", *"gover")
        await wait_until(pilot, lambda: controller._held is not None and controller._held.query == "gover")
        await pilot.press(*"nment")
        await wait_until(pilot, lambda: shown != [])
        assert shown == ["government"] and index.queries == ["gover", "government"]
        await pilot.press("backspace", "t")  # typed away and back within the pause: searched again
        await wait_until(pilot, lambda: shown == ["government", "government"])
        assert index.queries == ["gover", "government", "government"]


async def test_a_search_longer_than_the_pause_is_listed_as_soon_as_it_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_module, "PRESEARCH_DELAY", 0.5)
    monkeypatch.setattr(search_module, "SEARCH_DELAY", 0.6)
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        index = recording(screen, gated=True)
        shown = listed_queries(screen)
        controller = screen.searching
        await pilot.press("slash", *"government")
        await wait_until(pilot, lambda: controller._due == "government")
        assert shown == [] and index.queries == ["government"]  # due, and still searching: not again
        index.gate.set()
        await wait_until(pilot, lambda: shown == ["government"])
        assert index.queries == ["government"]


async def test_enter_does_not_wait_for_the_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "SEARCH_DELAY", 600.0)  # never, within the test
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"government", "enter")
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == BELT, timeout=30)


async def test_results_held_from_an_index_since_changed_are_searched_again(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index changes between the search in the pause and the moment its query is due: what
    was held is of the old index, so the query is searched again and the new document listed."""
    monkeypatch.setattr(search_module, "PRESEARCH_DELAY", 0.3)
    monkeypatch.setattr(search_module, "SEARCH_DELAY", 600.0)  # due only when enter asks
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        index = recording(screen)
        shown = listed_queries(screen)
        controller = screen.searching
        await pilot.press("slash", *"quillwort")
        await wait_until(pilot, lambda: controller._held is not None)
        seen = controller._seen
        (corpus / "quillwort.md").write_text("---\ntitle: Quillwort\n---\n\nQuillwort grows in lakes.\n")
        screen.indexer.request()  # as the watcher asks when a file appears
        # The run's commit and its end each say the index changed: enter is pressed after both.
        await wait_until(pilot, lambda: controller._seen > seen and not screen.indexing)
        assert controller._held is None
        await pilot.press("enter")
        await wait_until(pilot, lambda: shown == ["quillwort"])
        assert index.queries == ["quillwort", "quillwort"]
        assert [r.id for r in screen.query_one(DocumentList).rows] == ["quillwort.md"]
