"""The reading room on a damaged index: the searcher's warm-up or a search that finds it damaged
rebuilds it once, says so, and shows the right results when the rebuild lands; odd queries are
explained in the bar."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.seeds import CHINA
from tests.ui.helpers import SIZE, app_for, main_screen, ready, search, wait_until
from tui.core.faults import VARIABLE
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.document_list import DocumentList


def garble_keeping_mtime(path: Path) -> None:
    stat = path.stat()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2  # (some files hold a few hundred bytes: the middle 32 of them)
    for i in range(max(0, middle - 16), min(len(data), middle + 16)):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def notes(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("suffix", "query"),
    [
        # (Whoosh's own .pst holds the keyword fields' postings, which a corpus this small keeps
        # inline in .trm: it is empty here.)
        (".lps", "corruption"),
        (".trm", "corruption"),
        (".trm", "lang:en corruption"),
        ("._stored.col", "corruption"),
        (".title_sort.col", "corruption"),
    ],
)
async def test_a_damaged_index_is_rebuilt_once_and_the_search_answers(
    corpus: Path, suffix: str, query: str
) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        folder = (await ready(pilot)).library.index_dir
    # Damaged between two runs, keeping its mtime: the start-up check (a stat per file) believes
    # it, and the searcher, opened once the index is current, finds it out.
    garble_keeping_mtime(next(folder.glob(f"whoosh/*{suffix}")))
    app = app_for([corpus])
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        screen = main_screen(pilot)
        await pilot.press("slash", *query)
        listed = screen.query_one(DocumentList)
        await wait_until(pilot, lambda: any("index was damaged" in n for n in notes(app)))
        await wait_until(pilot, lambda: [r.id for r in listed.rows] == [CHINA] and bool(listed.snippets))
        assert not any("still damaged" in n for n in notes(app))


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ('date:"a b"', "date:"),
        ("x source:[ to ]", "not a field"),
        ("*", "matches everything"),
        ("usb~9999999999", "1 or 2 edits"),
        ("sha256:abc", "not a field"),
    ],
)
async def test_odd_queries_are_explained_and_the_app_lives(query: str, says: str) -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, query)
        note = screen.query_one("#search-message")
        assert "-error" in note.classes and says in str(note.render())
        assert pilot.app.is_running


async def test_an_index_that_cannot_be_updated_is_searched_as_it_is(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        await ready(pilot)
    monkeypatch.setenv(VARIABLE, "lock:EROFS")  # the next indexer child finds the cache read-only
    app = app_for([corpus])
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("could not be updated" in n for n in notes(app)))
        screen = await search(pilot, "corruption")
        assert [r.id for r in screen.query_one(DocumentList).rows] == [CHINA]
        assert "index not updated" in str(screen.query_one("#status-corpus").render())
