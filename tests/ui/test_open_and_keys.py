"""Pilot tests: what the search box, the list and the keys open, and what is left of the reading
position afterwards.

``enter`` in the search box opens the top result of the query typed (never a row of an older
query, also while results are still arriving); ``escape`` clears the box and a second leaves it;
``tab`` takes the "did you mean"; keys typed ahead while the app starts land where they lead, in
order; opening a document by any route never changes its stored reading position;
rows say where a document matched and whether it is indexed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.scrollbar import ScrollTo
from textual.widgets import Input

import tui.ui.controllers.search as search_module
from tests.seeds import BELT, CHINA
from tests.ui.helpers import (
    SIZE,
    app_for,
    main_screen,
    palette_choice,
    ready,
    search,
    settle,
    type_ahead,
    wait_until,
)
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.library import Library
from tui.core.paths import Paths, bundled_seeds
from tui.core.reading import Position, ReadingPositions
from tui.ui.controllers.listing import discover_entries
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader

# ---------------------------------------------------------------------- helpers


class GatedIndex:
    """The screen's index, with searches held until the test opens the gate: results "still
    arriving" on demand, without timing. ``hold_first``: hold the first page too (else only the
    rest, which follows it)."""

    def __init__(self, index: Any, hold_first: bool) -> None:
        self.index = index
        self.hold_first = hold_first
        self.gate = threading.Event()

    def search(self, query: str, limit: int = 20, sort: str = "relevance") -> Any:
        if self.hold_first or limit > search_module.FIRST_PAGE:
            self.gate.wait(timeout=60)
        return self.index.search(query, limit=limit, sort=sort)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.index, name)


@contextmanager
def gated(screen: MainScreen, hold_first: bool) -> Iterator[GatedIndex]:
    gate = GatedIndex(screen.searching.open_index(), hold_first)
    screen.searching.index = gate
    try:
        yield gate
    finally:
        gate.gate.set()  # never leave a worker thread waiting


def rows(pilot: Pilot[Any]) -> list[str]:
    return [r.id for r in main_screen(pilot).query_one(DocumentList).rows]


async def open_from_list(pilot: Pilot[Any], doc_id: str) -> Reader:
    screen = main_screen(pilot)
    listed = screen.query_one(DocumentList)
    screen.set_focus(listed)
    await pilot.press("g", *["j"] * rows(pilot).index(doc_id), "enter")
    reader = screen.query_one(Reader)
    await wait_until(pilot, lambda: reader.doc_id == doc_id and reader.has_focus)
    await settle(pilot)
    return reader


# ---------------------------------------------------------------------- 1. enter in the search box


async def test_enter_in_the_search_box_opens_the_top_result_not_the_open_document() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_from_list(pilot, CHINA)  # the list's cursor moved to it
        await search(pilot, "government")
        assert rows(pilot) == [BELT, CHINA]  # the open document is now second
        await pilot.press("enter")
        await wait_until(pilot, lambda: reader.doc_id == BELT, timeout=20)
        assert screen.focused is reader
        assert reader.text[reader.cursor : reader.cursor + 10].lower() == "government"  # its first hit


async def test_enter_in_the_search_box_opens_the_row_the_user_moved_to() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await search(pilot, "government")
        await pilot.press("down", "j", "slash", "enter")  # to the list, one down, back, enter
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == CHINA, timeout=20)


@pytest.mark.parametrize("held", ["every page", "the rest"])
async def test_enter_while_results_are_arriving_opens_the_top_one(
    held: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "FIRST_PAGE", 1)  # one row first, the other after
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = screen.query_one(Reader)
        listed = screen.query_one(DocumentList)
        with gated(screen, hold_first=held == "every page") as gate:
            await pilot.press("slash", *"government", "enter")
            if held == "every page":
                await wait_until(pilot, lambda: screen.searching.open_top_of == "government")
                assert reader.doc_id is None and not listed.snippets  # nothing opened from the old rows
            else:
                await wait_until(pilot, lambda: reader.doc_id == BELT, timeout=20)
                assert len(listed.rows) == 1  # the first page: the rest is held
            gate.gate.set()
            await wait_until(pilot, lambda: len(listed.rows) == 2 and reader.doc_id is not None)
            await settle(pilot)
        assert reader.doc_id == BELT and listed.cursor == 0 and rows(pilot) == [BELT, CHINA]


async def test_enter_never_opens_a_result_of_an_older_query() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = screen.query_one(Reader)
        await search(pilot, "conflux")
        assert rows(pilot) == [BELT]
        with gated(screen, hold_first=True) as gate:
            await pilot.press("ctrl+u", *"corruption", "enter")  # BELT, conflux's top, still listed
            await wait_until(pilot, lambda: screen.searching.open_top_of == "corruption")
            await pilot.press("enter")  # enter on the list of the older query: waits too
            assert reader.doc_id is None
            gate.gate.set()
            await wait_until(pilot, lambda: reader.doc_id is not None, timeout=20)
        assert reader.doc_id == CHINA


# ---------------------------------------------------------------------- 2. keys typed ahead


async def searched_for(pilot: Pilot[Any], query: str) -> None:
    """Every key typed went to the search box, and none acted on the list (``l`` opens)."""
    screen = main_screen(pilot)
    listed = screen.query_one(DocumentList)
    await wait_until(pilot, lambda: screen.active_query == query and listed.snippets and not screen.indexing)
    await settle(pilot)
    box = screen.query_one("#search", Input)
    assert box.value == query and screen.focused is box
    assert screen.query_one(Reader).doc_id is None


async def test_keys_typed_before_the_first_paint_land_in_the_search_box_in_order() -> None:
    app = app_for()
    type_ahead(app, "slash", *"lock")  # read first thing, before the reading room is even there
    async with app.run_test(size=SIZE) as pilot:
        await searched_for(pilot, "lock")


async def test_keys_typed_while_the_app_starts_land_in_the_search_box_in_order() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        type_ahead(pilot.app, "slash", *"lock")  # in one burst, while the catalog and indexer start
        await searched_for(pilot, "lock")


async def test_a_query_and_enter_typed_ahead_on_a_new_corpus_open_its_top_result(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        type_ahead(pilot.app, "slash", *"conflux", "enter")  # before any index exists
        screen = main_screen(pilot)
        await wait_until(pilot, lambda: screen.reader_mounted)  # just after the first frame
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == BELT)
        assert screen.query_one("#search", Input).value == "conflux"


async def test_down_typed_ahead_leaves_the_search_box_before_the_next_keys() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await search(pilot, "blockchain")
        assert rows(pilot) == [CHINA, BELT]
        type_ahead(pilot.app, "down", "j", "enter")
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == BELT)  # the row `j` moved to
        assert screen.query_one("#search", Input).value == "blockchain" and listed.cursor == 1


async def test_keys_typed_after_enter_do_not_change_what_it_opens() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await search(pilot, "blockchain")
        type_ahead(pilot.app, "enter", "j")  # the `j` goes to the list, after the choice was made
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id is not None)
        await settle(pilot)
        assert reader.doc_id == CHINA and listed.cursor == 1


# ---------------------------------------------------------------------- escape, did you mean


async def test_escape_in_the_search_box_clears_the_query_and_a_second_leaves_it() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        box = screen.query_one("#search", Input)
        await search(pilot, "conflux")
        assert rows(pilot) == [BELT] and listed.snippets
        await pilot.press("escape")
        assert box.value == "" and screen.focused is box  # cleared, still typing
        await wait_until(pilot, lambda: screen.active_query == "" and not listed.snippets)
        assert rows(pilot) == [BELT, CHINA]  # every document again
        await pilot.press("escape")
        assert screen.focused is listed


async def test_keys_typed_after_escape_start_a_new_query() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await search(pilot, "conflux")
        type_ahead(pilot.app, "escape", *"corruption")  # the escape empties the box first
        await wait_until(pilot, lambda: screen.active_query == "corruption" and rows(pilot) == [CHINA])
        assert screen.query_one("#search", Input).value == "corruption"


async def test_tab_takes_the_did_you_mean_query() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        box = screen.query_one("#search", Input)
        note = screen.query_one("#search-message")
        await search(pilot, "corruptoin")
        assert "did you mean: corruption (tab)" in str(note.render())
        await pilot.press("tab")
        assert box.value == "corruption" and screen.focused is box
        await wait_until(pilot, lambda: screen.active_query == "corruption" and rows(pilot) == [CHINA])
        await settle(pilot)
        assert "did you mean" not in str(note.render())
        await pilot.press("tab")  # no suggestion now: tab goes on to the list, as anywhere
        assert screen.focused is screen.query_one(DocumentList) and box.value == "corruption"


# ---------------------------------------------------------------------- 3. reading positions


def stored(app_positions: ReadingPositions) -> Position | None:
    """The position on disk (a fresh reader of the file, not the app's memory)."""
    return ReadingPositions(app_positions.path).get(CHINA)


def annotate_china(quote: str) -> Annotation:
    path = (bundled_seeds() / CHINA).resolve()
    stat = path.stat()
    doc = read_document(SourceFile(CHINA, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    start = doc.text.index(quote)
    annotation = Annotation.create(doc.text, start, start + len(quote), sha256=doc.sha256)
    store = AnnotationStore.under(Paths.from_environment().data)
    store.save(reference(doc.id, doc.path, doc.sha256, doc.title), annotation)
    return annotation


@pytest.mark.parametrize("route", ["palette", "list", "click", "browser"])
async def test_opening_a_document_by_any_route_keeps_its_reading_position(route: str) -> None:
    text = read_document(
        SourceFile(CHINA, bundled_seeds() / CHINA, 0, 0)  # size and mtime are only labels here
    )
    assert isinstance(text, Document)
    top = text.text.index("China is no exception")
    kept = Position(top, top + 6)
    if route == "browser":
        passage = annotate_china("One reason for this shift")
    app = app_for()
    app.positions.set(CHINA, kept)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = screen.query_one(Reader)
        if route == "palette":  # while a search that does not match it is active
            await search(pilot, "conflux")
            await palette_choice(
                pilot, "open china shifts", lambda top: top.startswith("open:") and "china" in top
            )
            await pilot.press("enter")
            await wait_until(pilot, lambda: reader.doc_id == CHINA)
            await wait_until(pilot, lambda: reader.top_offset == kept.top)
            assert reader.cursor == kept.cursor  # shown where it was left, not at its top
        elif route == "list":  # from search results: on its first hit, which nobody asked for
            await search(pilot, "corruption")
            await open_from_list(pilot, CHINA)
            await wait_until(pilot, lambda: bool(reader.hits) and reader.cursor == reader.hits[0][0])
        elif route == "click":
            await pilot.click(DocumentList, offset=(5, 2))  # the second row
            await wait_until(pilot, lambda: reader.doc_id == CHINA and reader.top_offset == kept.top)
        else:
            await pilot.press("B")
            await wait_until(pilot, lambda: len(getattr(pilot.app.screen, "records", ())) == 1)
            await pilot.press("enter")
            await wait_until(pilot, lambda: reader.doc_id == CHINA and reader.cursor == passage.start)
        await settle(pilot)
        screen.open_document(BELT)  # leaving it: its position is saved only if the reader moved
        await wait_until(pilot, lambda: reader.doc_id == BELT)
        await settle(pilot)
        assert stored(app.positions) == kept
        await pilot.press("q")
    assert stored(app.positions) == kept


@pytest.mark.parametrize("how", ["key", "wheel", "scrollbar"])
async def test_moving_in_the_reader_is_what_changes_the_stored_position(how: str) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await search(pilot, "corruption")
        reader = await open_from_list(pilot, CHINA)
        assert not reader.moved
        if how == "key":
            await pilot.press("space")
        elif how == "wheel":
            x, y = reader.region.x + 10, reader.region.y + 5
            for _ in range(3):  # as the terminal sends a turn of the wheel over the reader
                pilot.app.post_message(
                    events.MouseScrollDown(None, x, y, 0, 1, 0, False, False, False, screen_x=x, screen_y=y)
                )
        else:
            reader.post_message(ScrollTo(y=10))  # what a drag of the scrollbar sends
        await wait_until(pilot, lambda: reader.moved and reader.top_offset > 0)
        await settle(pilot)
        moved_to = Position(reader.top_offset, reader.cursor)
        assert screen.focused is reader
        await pilot.press("q")
    assert stored(app.positions) == moved_to


async def test_a_hit_jump_does_not_override_where_the_user_already_moved() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        await search(pilot, "corruption")
        reader = await open_from_list(pilot, CHINA)
        assert reader.cursor == reader.hits[0][0] and not reader.moved  # the jump nobody asked for
        await pilot.press("g")  # the user moves before the hits of a new search come
        top = reader.cursor  # the document's first character (a heading's marker is not one)
        assert top < reader.hits[0][0] and reader.moved
        reader.set_hits(reader.hits, jump=True)
        assert reader.cursor == top and reader.moved


# ---------------------------------------------------------------------- 4, 5. what a row says


def field_corpus(root: Path) -> Path:
    folder = root / "fields"
    folder.mkdir()
    (folder / "zebra.md").write_text("---\ntitle: Zebra migration\ndate: 2021-01-01\n---\nHerds cross.\n")
    (folder / "striped.md").write_text(
        "---\ntitle: Patterns\ntags: [striped, cloth]\ndate: 2021-01-02\n---\nNothing here.\n"
    )
    (folder / "empty.md").write_text("")
    return folder


def row_text(listed: DocumentList, doc_id: str) -> list[str]:
    top = [r.id for r in listed.rows].index(doc_id) * listed.row_height - round(listed.scroll_y)
    return ["".join(s.text for s in listed.render_line(y)) for y in range(top, top + listed.row_height)]


@pytest.mark.parametrize(
    ("query", "doc_id", "matched", "where", "marked"),
    [
        ("zebra", "zebra.md", "title", "in title: ", "Zebra"),
        ("striped", "striped.md", "tags", "tag: ", "striped"),
    ],
)
async def test_a_row_found_through_a_field_says_which(
    tmp_path: Path, query: str, doc_id: str, matched: str, where: str, marked: str
) -> None:
    async with app_for([field_corpus(tmp_path)]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await search(pilot, query)
        listed = screen.query_one(DocumentList)
        row = next(r for r in listed.rows if r.id == doc_id)
        assert row.hits == 0 and row.matched == matched
        _, meta, snippet, *_ = row_text(listed, doc_id)
        assert "hit" not in meta  # not "0 hits"
        assert snippet.startswith(f"  {where}{marked}")  # the field, not the text's opening lines
        line = [r.id for r in listed.rows].index(doc_id) * listed.row_height + 2 - round(listed.scroll_y)
        segments = list(listed.render_line(line))
        mark = listed.get_component_rich_style("list--mark").bgcolor
        where_color = listed.get_component_rich_style("list--where").color
        assert any(s.text == marked and s.style is not None and s.style.bgcolor == mark for s in segments)
        assert any(s.text == where and s.style is not None and s.style.color == where_color for s in segments)


async def test_an_empty_document_is_empty_not_waiting_to_be_indexed(tmp_path: Path) -> None:
    async with app_for([field_corpus(tmp_path)]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await wait_until(pilot, lambda: all(r.indexed for r in listed.rows))
        meta = row_text(listed, "empty.md")[1]
        assert "empty" in meta and "not indexed yet" not in meta
        assert "not indexed yet" not in row_text(listed, "zebra.md")[1]


async def test_a_file_the_index_does_not_hold_yet_says_so(tmp_path: Path) -> None:
    folder = field_corpus(tmp_path)
    entries = discover_entries(Library.open(Paths.from_environment(), [folder]))
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await settle(pilot)
        screen.corpus.entries = {e.id: e for e in entries}  # as listed before the first commit
        screen.searching.show_browse_rows()
        assert all(not r.indexed for r in listed.rows)
        assert "not indexed yet" in row_text(listed, "empty.md")[1]
