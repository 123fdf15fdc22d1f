"""The reading room reads the catalog database once, then only what each save changed; the list
makes rows as they are shown, from the whole catalog or (before it is read) a window of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.test_catalog import _flip, entry, saved
from tui.core import catalog_file
from tui.core.catalog import CATALOG_NAME, COLUMN, Catalog, CatalogDamaged
from tui.core.catalog_view import View
from tui.core.library import Library
from tui.core.paths import Paths
from tui.ui.controllers import listing as listing_module
from tui.ui.controllers.listing import (
    BrowseRows,
    CatalogReader,
    CatalogRows,
    Corpus,
    Searches,
    browse_rows,
    listed,
    listed_values,
    merge_entries,
    update_entries,
)
from tui.ui.widgets.document_list import Row, RowSource


def library_at(tmp_path: Path) -> Library:
    paths = Paths.from_environment({"LECTERN_HOME": str(tmp_path / "home")})
    library = Library.open(paths, [tmp_path / "corpus"])
    library.index_dir.mkdir(parents=True, exist_ok=True)
    return library


def test_the_catalog_is_read_whole_once_then_by_the_rows_a_save_changed(tmp_path: Path) -> None:
    library = library_at(tmp_path)
    folder = library.index_dir
    reader = CatalogReader(library)
    assert reader.read().entries is None  # no catalog yet
    Catalog(1, {e.id: e for e in (entry(n) for n in range(500))}).save(folder)
    first = reader.read()
    assert first.entries is not None and len(first.entries) == 500 and first.fresh
    again = reader.read()
    assert again.entries is first.entries and not again.fresh  # nothing saved: nothing read
    catalog = Catalog.read(folder, write=True)
    catalog.put(entry(3, title="Renamed"))
    catalog.drop("d0004.md")
    catalog.save(folder)
    changed = reader.read()
    assert changed.fresh and changed.entries is not None and changed.entries is not first.entries
    assert changed.entries["d0003.md"].title == "Renamed" and "d0004.md" not in changed.entries
    assert len(changed.entries) == 499 and len(first.entries) == 500  # the old dict is left as it was
    catalog_file.remove(folder)  # a rebuild: another file
    Catalog(1, {"x.md": entry(1, id="x.md")}).save(folder)
    assert set(reader.read().entries or ()) == {"x.md"}


def test_the_whole_read_gives_way_between_pages_and_reads_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = library_at(tmp_path)
    Catalog(1, {e.id: e for e in (entry(n) for n in range(1050))}).save(library.index_dir)
    monkeypatch.setattr(listing_module, "READ_PAGE", 100)
    gave_way: list[int] = []
    reader = CatalogReader(library, lambda: gave_way.append(1))
    read = reader.read()
    assert read.entries is not None and len(read.entries) == 1050 and len(gave_way) == 11


def test_searches_hold_the_catalog_read_until_they_end_and_never_longer_than_the_pause() -> None:
    import threading

    searches = Searches()
    searches.wait(0)  # nothing running, nothing typed: no wait
    searches.begin()
    searches.begin()
    returned = threading.Event()
    waiter = threading.Thread(target=lambda: (searches.wait(30), returned.set()))
    waiter.start()
    searches.end()
    assert not returned.wait(0.2)  # one search still runs
    searches.end()
    assert returned.wait(10)  # the last one ended: the read goes on
    waiter.join()
    searches.begin()  # a search that never ends holds it for the pause at most
    searches.wait(0.05)
    searches.end()
    searches.end()  # (an extra end changes nothing)
    searches.wait(0)


def test_a_key_typed_holds_the_catalog_read_for_the_typing_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(listing_module, "TYPING_PAUSE", 0.15)
    searches = Searches()
    searches.typed()
    started = time.monotonic()
    searches.wait()
    assert time.monotonic() - started >= 0.1  # (sleeps are at least as long as asked)
    monkeypatch.setattr(listing_module, "TYPING_PAUSE", 60)
    started = time.monotonic()
    searches.typed()
    searches.wait(timeout=0.05)  # never past the timeout, however recent the key
    assert time.monotonic() - started < 30


def test_a_damaged_catalog_is_said_so_and_a_rebuild_asked_for_once(tmp_path: Path) -> None:
    library = library_at(tmp_path)
    Catalog(1, {e.id: e for e in (entry(n) for n in range(50))}).save(library.index_dir)
    path = library.index_dir / CATALOG_NAME
    data = bytearray(path.read_bytes())
    at = data.find(b"Title 2 30")
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    reader = CatalogReader(library)
    read = reader.read()
    assert read.entries is None and read.damaged is not None and "damaged" in read.damaged
    assert reader.repair() and not reader.repair()


def test_the_first_screen_is_a_window_and_further_rows_are_read_when_shown(tmp_path: Path) -> None:
    library = library_at(tmp_path)
    catalog = Catalog(1, {e.id: e for e in (entry(n) for n in range(1000))})
    catalog.save(library.index_dir)
    first = CatalogReader(library).first_screen("date")
    assert first is not None and first.count == 1000 and len(first.entries) == CatalogRows.WINDOW
    rows = CatalogRows(first.view, "date", first.count, first.entries, {"d0999.md": 2})
    corpus = Corpus(entries={k: listed(e) for k, e in catalog.entries.items()}, counts={"d0999.md": 2})
    whole = browse_rows(corpus, "date")
    assert len(rows) == len(whole) == 1000
    assert [rows[i] for i in (0, 1, 63, 64, 500, 999)] == [whole[i] for i in (0, 1, 63, 64, 500, 999)]
    assert rows.position(first.entries[5].id) == 5


def test_browsing_rows_are_made_when_shown(tmp_path: Path) -> None:
    entries = {e.id: listed(e) for e in (entry(n) for n in range(5000))}
    rows = browse_rows(Corpus(entries=entries, counts={"d0010.md": 3}), "title")
    assert isinstance(rows, BrowseRows) and len(rows) == 5000 and not rows._made
    titles = [rows[i].title for i in range(40)]
    assert titles == sorted(titles, key=str.casefold) and len(rows._made) == 40
    assert rows[rows.position("d0010.md") or 0] == Row(
        "d0010.md", "Title 3 10", "2010-01-02", "notes", 10, annotations=3
    )
    recounted = rows.counted({})
    assert recounted[rows.position("d0010.md") or 0].annotations == 0
    assert RowSource([]) == [] and rows[:2] == [rows[0], rows[1]]


async def test_results_past_the_rows_on_screen_are_fetched_when_the_list_reaches_them(tmp_path: Path) -> None:
    from tests.ui.helpers import SIZE, app_for, ready, search, settle, wait_until
    from tui.ui.widgets.document_list import DocumentList

    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(45):
        (folder / f"n{n:02d}.md").write_text(f"---\ntitle: Note {n:02d}\n---\nthe harbour wall, part {n}\n")
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await search(pilot, "harbour")
        await settle(pilot)
        # The rows on screen and the one below them: their snippets read those files, not 45.
        shown = listed.rows_fitting(snippets=True)
        assert 2 <= shown < 44 and shown * listed.row_height >= listed.size.height
        assert len(listed.rows) == shown + 1 and screen.searching._listed_total == 45
        listed.focus()
        await pilot.press(*["j"] * (shown - 1))  # to the last row on screen: nothing more is drawn
        await settle(pilot)
        assert len(listed.rows) == shown + 1
        await pilot.press("G")  # to the last row listed: its drawing asks for the rest
        await wait_until(pilot, lambda: len(listed.rows) == 45)
        assert listed.highlighted is not None and listed.cursor == shown  # still on the row moved to


def test_a_file_seen_changing_goes_to_the_indexer_even_when_its_row_looks_the_same() -> None:
    # The list keeps no sha256 or size: a change of words under the same title, date and length
    # (or of a converted document, which the watcher does not read) must still be indexed.
    known = listed(entry(1))
    corpus = Corpus(entries={known.id: known})
    assert update_entries(corpus, [known], []) and corpus.entries == {known.id: known}
    assert not update_entries(corpus, [], ["never-listed.md"])
    assert update_entries(corpus, [], [known.id]) and known.id not in corpus.entries


def test_the_list_order_is_sorted_once_per_entries_dict() -> None:
    entries = {e.id: listed(e) for e in (entry(n) for n in range(300))}
    corpus = Corpus(entries=entries)
    by_date = corpus.order("date", entries)  # as the catalog's worker does, before listing it
    assert corpus.order("date") is by_date and corpus.order("relevance") is by_date
    assert [e.date for e in by_date] == sorted((e.date for e in by_date), reverse=True)
    by_title = browse_rows(corpus, "title")
    assert [by_title[i].title for i in range(300)] == sorted(
        (e.title for e in entries.values()), key=str.casefold
    )
    changed = {**entries, "new.md": listed(entry(999))._replace(id="new.md")}
    corpus.entries = changed  # every change is a new dict: sorted again
    assert corpus.order("date") is not by_date and len(corpus.order("date")) == 301
    corpus.tags, corpus.tag_filter = {"d0007.md": {"x"}, "d0003.md": {"x"}}, "x"
    assert [browse_rows(corpus, "date")[i].id for i in range(2)] == [
        e.id for e in corpus.order("date") if e.id in ("d0003.md", "d0007.md")
    ]


def test_the_lists_reading_of_rows_is_the_entries_own_and_checked_the_same(tmp_path: Path) -> None:
    catalog = saved(tmp_path)
    with View(tmp_path) as view:
        values = list(view.changed_values())
        assert {v[COLUMN["id"]]: listed_values(v) for v in values} == {
            e.id: listed(e) for e in catalog.entries.values()
        }
    _flip(tmp_path, "Title 4 123")
    with View(tmp_path) as view, pytest.raises(CatalogDamaged):
        list(view.changed_values())


def test_a_catalog_read_while_indexing_is_listed_as_it_is_when_nothing_is_listed_yet() -> None:
    # While indexing, a read is merged over what is listed; over nothing, the read's own dict is
    # listed, so the order its worker sorted is the one the list uses (no sort on the UI thread).
    read = {e.id: listed(e) for e in (entry(n) for n in range(50))}
    corpus = Corpus()
    ordered = corpus.order("date", read)
    merge_entries(corpus, read, partial=True)
    assert corpus.entries is read and corpus.order("date") is ordered
    more = {"x.md": listed(entry(99))._replace(id="x.md")}
    merge_entries(corpus, more, partial=True)  # over what is listed now: merged, a new dict
    assert corpus.entries is not read and set(corpus.entries) == {*read, "x.md"}
