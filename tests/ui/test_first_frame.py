"""Pilot tests: what the reading room puts off until after its first frame, and that nothing the
user does meanwhile is lost or crashes it.

The reader, the annotation panel and the footer are mounted just after the first frame; the
footer is rebuilt once per refresh however often the keys change; the searcher is opened as soon
as the index is current, before any query. These tests hold the reader back (the mount waits on
an event the test sets) to reach the moments a real terminal only sometimes shows.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Input

from tests.seeds import BELT, CHINA
from tests.ui.helpers import SIZE, app_for, main_screen, ready, search, type_ahead, wait_until
from tui.ui.app import LecternApp
from tui.ui.controllers.indexer import IndexerClient
from tui.ui.controllers.listing import CatalogReader
from tui.ui.controllers.starting import Start
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.annotation_panel import AnnotationPanel
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.reader import Reader


@pytest.fixture
def held_reader(monkeypatch: pytest.MonkeyPatch) -> Iterator[asyncio.Event]:
    """The reader's mount waits until the test sets the event it yields."""
    release = asyncio.Event()
    mount = Start.mount_reader

    async def held(self: Start) -> None:
        async def later() -> None:
            await release.wait()
            await mount(self)

        self._screen.run_worker(later(), group="held-reader")  # the screen goes on reading its messages

    monkeypatch.setattr(Start, "mount_reader", held)
    yield release
    release.set()


async def test_the_reader_and_the_panel_are_mounted_after_the_first_frame() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        screen = main_screen(pilot)
        await wait_until(pilot, lambda: screen.reader_mounted)
        panes = screen.query_one("#panes")
        assert [type(child) for child in panes.children] == [
            DocumentList,
            type(screen.query_one("#divider")),
            Reader,
            AnnotationPanel,
        ]


async def listed(pilot: Pilot[Any]) -> MainScreen:
    """The reading room once its list shows the seeds (the reader may not be mounted yet)."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    screen = main_screen(pilot)
    await wait_until(pilot, lambda: len(screen.query_one(DocumentList).rows) == 2)
    return screen


async def test_reader_keys_before_the_reader_is_mounted_do_nothing_and_break_nothing(
    held_reader: asyncio.Event,
) -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await listed(pilot)
        assert not screen.reader_mounted and not screen.query(Reader)
        # Every key of the reader, the panel and labelling: each is off, none raises.
        await pilot.press("h", "a", "t", "e", "d", "u", "c", "1", "A", "L", "backslash", "plus", "minus")
        await pilot.pause()
        assert pilot.app.is_running and not screen.query(Reader)
        held_reader.set()
        await wait_until(pilot, lambda: screen.reader_mounted)
        assert screen.query_one(Reader).doc_id is None


async def test_a_document_opened_before_the_reader_is_mounted_shows_once_it_is(
    held_reader: asyncio.Event,
) -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await listed(pilot)
        first = screen.query_one(DocumentList).rows[0].id
        type_ahead(pilot.app, "enter")  # the list has the focus: its first row opens
        await wait_until(pilot, lambda: screen.starting._waiting is not None)
        assert not screen.query(Reader)
        held_reader.set()
        await wait_until(pilot, lambda: screen.reader_mounted and screen.query_one(Reader).doc_id == first)
        assert first in (CHINA, BELT)
        assert screen.query_one(Reader).display


async def test_a_query_typed_before_the_reader_is_mounted_is_searched_and_escape_clears_it(
    held_reader: asyncio.Event,
) -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        screen = main_screen(pilot)
        type_ahead(pilot.app, "slash", *"belt")
        box = screen.query_one("#search", Input)
        await wait_until(pilot, lambda: screen.active_query == "belt")
        await wait_until(pilot, lambda: [row.id for row in screen.query_one(DocumentList).rows] == [BELT])
        type_ahead(pilot.app, "escape")  # clearing the query drops the reader's hits: there is no reader yet
        await wait_until(pilot, lambda: box.value == "" and screen.active_query == "")
        assert not screen.query(Reader)
        held_reader.set()
        await wait_until(pilot, lambda: screen.reader_mounted)


async def test_quitting_before_the_reader_is_mounted_quits(held_reader: asyncio.Event) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running)


class FooterApp(App[None]):
    BINDINGS = [Binding("f2", "bell", "Ring"), Binding("f3", "focus_next", "Next")]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        yield Input()
        yield Footer()


async def test_the_footer_is_rebuilt_once_however_often_the_keys_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rebuilds: list[int] = []
    recompose = Footer.recompose

    async def counted(self: Footer) -> Any:
        rebuilds.append(1)
        return await recompose(self)

    monkeypatch.setattr(Footer, "recompose", counted)
    async with FooterApp().run_test(size=(80, 10)) as pilot:
        footer = pilot.app.query_one(Footer)
        # The start's own changes (mounting, the input taking focus) are rebuilt first, however slow
        # the machine: a rebuild of theirs still queued would be counted below.
        await wait_until(pilot, lambda: pilot.app.focused is not None and bool(pilot.app.query("FooterKey")))
        await wait_until(pilot, lambda: not footer._rebuild_queued)
        await pilot.pause()
        await wait_until(pilot, lambda: not footer._rebuild_queued)
        rebuilds.clear()
        for _ in range(12):
            pilot.app.screen.refresh_bindings()
        await wait_until(pilot, lambda: bool(rebuilds) and not footer._rebuild_queued)
        await pilot.pause()
        await pilot.pause()
        assert len(rebuilds) == 1
        keys = [key.key for key in pilot.app.query("FooterKey")]
        assert "f2" in keys and "f3" in keys


async def test_the_searcher_is_opened_once_the_index_is_ready_before_any_query() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await wait_until(pilot, lambda: screen.searching.index is not None)
        assert screen.active_query == ""  # nobody searched: the warm-up opened it
        await search(pilot, "conflux")
        assert [row.id for row in screen.query_one(DocumentList).rows] == [BELT]


async def test_a_query_typed_while_only_the_first_screenful_is_listed_is_searched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)  # the index and its catalog exist
    release = threading.Event()
    read = CatalogReader.read

    def held(self: CatalogReader) -> Any:  # the whole catalog of a large corpus takes a while
        release.wait(30)
        return read(self)

    monkeypatch.setattr(CatalogReader, "read", held)
    outcomes: list[object] = []
    follow = IndexerClient.follow

    def followed(self: IndexerClient, event: dict[str, Any]) -> Any:
        outcomes.append(outcome := follow(self, event))
        return outcome

    monkeypatch.setattr(IndexerClient, "follow", followed)
    try:
        async with app_for().run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
            screen = main_screen(pilot)
            listed = screen.query_one(DocumentList)
            # The indexer's run is over: nothing will ask the query again.
            await wait_until(pilot, lambda: len(listed.rows) == 2 and "done" in outcomes)
            assert not screen.entries  # only the first screenful: the rest is still being read
            assert "2 documents" in str(screen.query_one("#status-corpus").render())
            await pilot.press("slash", *"conflux")
            await wait_until(pilot, lambda: [row.id for row in listed.rows] == [BELT])
            assert "No documents" not in str(screen.query_one("#search-message").render())
            release.set()
            await wait_until(pilot, lambda: bool(screen.entries))
    finally:
        release.set()


def test_the_reading_room_loads_without_the_reader_and_its_text_layout() -> None:
    # What the first frame needs is imported before it; the reader, the panel, the text layout,
    # the progress bar and the annotation model wait until they are mounted or used.
    code = (
        "import sys, tui.cli;"
        "from tui.ui.app import make_app;"
        "import tui.ui.screens.main;"
        "late = ('tui.ui.widgets.reader', 'tui.ui.widgets.annotation_panel', 'tui.ui.text',"
        " 'tui.core.annotations', 'tui.core.anchoring', 'textual.widgets._progress_bar', 'regex');"
        "loaded = sorted(m for m in sys.modules if m.startswith(late));"
        "print(loaded); raise SystemExit(1 if loaded else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_indexing_progress_says_when_a_batch_is_committed_and_segments_merged() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        corpus = screen.query_one("#status-corpus")
        event = {"event": "progress", "done": 1200, "total": 100635, "bytes": 10, "total_bytes": 99}
        screen.indexer.follow({**event, "phase": "indexing"})
        assert "indexing 1,200/100,635" in str(corpus.render()) and "committing" not in str(corpus.render())
        screen.indexer.follow({**event, "phase": "committing"})
        assert str(corpus.render()).endswith("indexing 1,200/100,635 · committing")
        screen.indexer.follow({**event, "phase": "merging"})
        assert str(corpus.render()).endswith("indexing 1,200/100,635 · merging segments")
        screen.indexer.corpus.indexing = True  # as during a run
        screen.indexer.show_status()  # a commit of the merge: the list is read again
        assert str(corpus.render()).endswith("indexing 1,200/100,635 · merging segments")
        screen.indexer.follow({"event": "done", "skipped": []})
        assert str(corpus.render()).endswith("index ready")


async def test_what_waits_for_the_first_frame_waits_for_the_apps_mount_to_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The app's mount is one batch, painted only when it ends: work started from the screen's own
    # after-refresh callbacks ran inside it, before anything was on screen (0.05 s of the paint).
    app_mounted: list[bool] = []
    seen: list[bool] = []
    mount, app_mount = Start.mount_reader, LecternApp.on_mount

    async def recorded(self: Start) -> None:
        seen.append(bool(app_mounted))
        await mount(self)

    async def on_mount(self: LecternApp) -> None:
        await app_mount(self)
        app_mounted.append(True)

    monkeypatch.setattr(Start, "mount_reader", recorded)
    monkeypatch.setattr(LecternApp, "on_mount", on_mount)
    async with app_for().run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(seen))
    assert seen == [True]


async def test_with_nothing_to_reopen_the_searcher_warms_up_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The half-second wait is for a document being opened at start; with none, the first query
    # typed would meet the engine loading. (An indexer run's end asks for it too: it comes later.)
    from tui.ui.controllers import starting
    from tui.ui.controllers.search import SearchController

    asked: list[str] = []
    warm_up, follow = SearchController.warm_up, IndexerClient.follow

    def warm(self: SearchController) -> None:
        asked.append("warm-up")
        warm_up(self)

    def followed(self: IndexerClient, event: dict[str, Any]) -> Any:
        asked.extend(["indexer done"] if event["event"] == "done" else [])
        return follow(self, event)

    monkeypatch.setattr(starting, "WARM_UP_DELAY", 60.0)
    monkeypatch.setattr(SearchController, "warm_up", warm)
    monkeypatch.setattr(IndexerClient, "follow", followed)
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await wait_until(pilot, lambda: screen.searching.index is not None)
    assert asked[0] == "warm-up", asked
