"""Pilot tests of files that change while the reading room is open (``FileWatcher``).

The watcher is off in the rest of the suite (``tests/conftest.py``); these tests turn it on, change
the corpus on disk, and wait (a bounded number of pauses) until the list, the reader and the
index say so. A burst of changes is one batch: the tests count the batches, surveys and indexer
runs, and that nothing walks the corpus.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, cast

import pytest
from textual.pilot import Pilot

from tests.seeds import BELT, CHINA, GARDEN_TEXT
from tests.ui.helpers import SIZE, app_for, ready, search, wait_until
from tui.core import faults
from tui.core import watching as core_watching
from tui.core.library import Library
from tui.core.paths import Paths
from tui.core.watching import Batch
from tui.ui.controllers import catalog_loading, watcher
from tui.ui.controllers.listing import Corpus
from tui.ui.controllers.watcher import WATCH_VARIABLE, FileWatcher, enabled_by_environment
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader

INSERTED = "An inserted paragraph, put in by an editor while the document was open.\n\n"


@pytest.fixture(autouse=True)
def watching_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WATCH_VARIABLE, "1")


async def watched(pilot: Pilot[Any], corpus: Path) -> MainScreen:
    """The screen once the corpus is indexed and the watcher is seen to report: a folder is made
    (again, should the watcher not have been up yet) until a batch for it has been applied."""
    screen = await ready(pilot)
    probe = corpus / "probe"
    for attempt in range(40):
        if screen.watching.batches:
            break
        if attempt % 10 == 0:  # a fresh event every so often, quiet in between (a burst must end)
            if probe.exists():
                probe.rmdir()
            probe.mkdir()
        await pilot.pause(0.1)
    await wait_until(pilot, lambda: screen.watching.batches > 0 and not screen.watching.busy)
    return screen


def notices(pilot: Pilot[Any]) -> list[str]:
    return [n.message for n in pilot.app._notifications]


def ids(screen: MainScreen) -> list[str]:
    return [row.id for row in screen.query_one(DocumentList).rows]


def save_like_an_editor(path: Path, text: str) -> None:
    """Write a temp file beside ``path`` and rename it over ``path`` (vim, VS Code, emacs)."""
    temp = path.with_name(path.name + "~")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


async def open_in_reader(pilot: Pilot[Any], screen: MainScreen, doc_id: str) -> Reader:
    listed = screen.query_one(DocumentList)
    listed.focus()
    await pilot.press("g", *["j"] * ids(screen).index(doc_id), "enter")
    reader = screen.query_one(Reader)
    await wait_until(pilot, lambda: screen.document is not None and screen.document.id == doc_id)
    await pilot.pause()
    return reader


# ---------------------------------------------------------------------- the list and the index


async def test_new_changed_and_deleted_files_show_in_the_list_then_the_index(corpus: Path) -> None:
    app = app_for([corpus])
    async with app.run_test(size=SIZE) as pilot:
        screen = await watched(pilot, corpus)
        rows = screen.query_one(DocumentList)

        (corpus / "garden.md").write_text(GARDEN_TEXT, encoding="utf-8")
        await wait_until(pilot, lambda: "garden.md" in ids(screen))
        garden = next(r for r in rows.rows if r.id == "garden.md")
        assert (garden.title, garden.date) == ("Garden notes", "2023-05-01")  # read, not just named

        china = corpus / CHINA
        save_like_an_editor(
            china,
            china.read_text(encoding="utf-8")
            .replace("title: China Shifts Focus to Blockchain Technology", "title: China Turns to Ledgers")
            .replace("date: 2020-01-19", "date: 2025-02-03"),
        )
        await wait_until(pilot, lambda: any(r.title == "China Turns to Ledgers" for r in rows.rows))
        assert next(r for r in rows.rows if r.id == CHINA).date == "2025-02-03"

        (corpus / BELT).unlink()
        await wait_until(pilot, lambda: BELT not in ids(screen))

        # The index catches up: every row indexed, the new words found, the deleted ones not.
        await wait_until(
            pilot,
            lambda: (
                not screen.indexing
                and sorted(ids(screen)) == sorted([CHINA, "garden.md"])
                and all(r.indexed for r in rows.rows)
            ),
        )
        await search(pilot, "tomatoes")
        assert ids(screen) == ["garden.md"]
        await pilot.press("escape", "escape")  # clear the query, leave the box
        await search(pilot, "ledgers")
        assert ids(screen) == [CHINA]
        await pilot.press("escape", "escape")  # clear the query, leave the box
        await search(pilot, "conflux")  # only in the deleted document
        assert ids(screen) == []
    assert not screen.watching.watching  # stopped with the app: no thread left behind


async def test_a_folder_moved_in_and_out_lists_and_drops_its_documents(corpus: Path, tmp_path: Path) -> None:
    staged = tmp_path / "staged"
    (staged / "deep").mkdir(parents=True)
    (staged / "deep" / "garden.md").write_text(GARDEN_TEXT, encoding="utf-8")
    (staged / "other.txt").write_text("Other words.", encoding="utf-8")
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await watched(pilot, corpus)
        staged.rename(corpus / "notes")  # one event for the folder: its files are found by walking it
        await wait_until(pilot, lambda: {"notes/deep/garden.md", "notes/other.txt"} <= set(ids(screen)))
        (corpus / "notes").rename(tmp_path / "gone")
        await wait_until(pilot, lambda: sorted(ids(screen)) == sorted([BELT, CHINA]))


# ---------------------------------------------------------------------- the reader


async def test_the_open_document_reloads_in_place_keeping_cursor_focus_and_annotations(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await watched(pilot, corpus)
        reader = await open_in_reader(pilot, screen, CHINA)
        quote = "China is no exception"
        start = reader.text.index(quote)
        reader.go_to(start)
        await pilot.press("v")
        reader.go_to(start + len(quote) - 1)
        await pilot.press("h")
        await wait_until(pilot, lambda: bool(reader.annotations))
        word = reader.text.index("corruption")
        reader.go_to(word)
        listed = screen.query_one(DocumentList)
        listed.focus()  # the user went back to the list: a reload does not take the focus
        await pilot.pause()

        path = corpus / CHINA
        raw = path.read_text(encoding="utf-8")
        heading = "# China Shifts Focus to Blockchain Technology\n\n"
        save_like_an_editor(path, raw.replace(heading, heading + INSERTED, 1))
        await wait_until(pilot, lambda: INSERTED.strip() in reader.text)

        assert reader.doc_id == CHINA and screen.focused is listed
        assert reader.text[reader.cursor :].startswith("corruption")  # the same word, moved down
        (annotation,) = reader.annotations
        target = annotation.target
        assert reader.text[target.start : target.end] == quote and target.start > start


async def test_under_a_dialog_the_reload_waits_until_it_closes(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await watched(pilot, corpus)
        reader = await open_in_reader(pilot, screen, CHINA)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: pilot.app.screen is not screen)
        batches = screen.watching.batches
        path = corpus / CHINA
        save_like_an_editor(path, path.read_text(encoding="utf-8") + "\n" + INSERTED)
        await wait_until(pilot, lambda: screen.watching.batches > batches and not screen.watching.busy)
        await pilot.pause()
        assert INSERTED.strip() not in reader.text  # a dialog's selection may point into this text
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is screen and INSERTED.strip() in reader.text)


async def test_a_vanished_open_document_is_reported_and_stays_shown(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await watched(pilot, corpus)
        reader = await open_in_reader(pilot, screen, BELT)
        text = reader.text
        (corpus / BELT).unlink()
        await wait_until(pilot, lambda: any("no longer on disk" in n for n in notices(pilot)))
        assert BELT not in ids(screen)
        assert reader.doc_id == BELT and reader.text == text  # what it had, still readable


async def test_a_renamed_open_document_is_followed(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await watched(pilot, corpus)
        reader = await open_in_reader(pilot, screen, CHINA)
        reader.go_to(reader.text.index("corruption"))
        (corpus / CHINA).rename(corpus / "china.md")
        await wait_until(pilot, lambda: reader.doc_id == "china.md")
        assert any("moved to" in n for n in notices(pilot))
        assert reader.text[reader.cursor :].startswith("corruption")
        assert CHINA not in ids(screen) and "china.md" in ids(screen)


async def test_a_single_file_opened_alone_is_read_again_when_an_editor_saves_it(tmp_path: Path) -> None:
    single = tmp_path / "garden.md"
    single.write_text(GARDEN_TEXT, encoding="utf-8")
    (tmp_path / "neighbour.md").write_text("Not part of the corpus.", encoding="utf-8")
    async with app_for([single]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == "garden.md")
        # Saved again until the reader shows it: the first save may come before the watcher is up.
        written = ""
        for attempt in range(40):
            if written and written in reader.text:
                break
            if attempt % 10 == 0:
                written = f"Version {attempt // 10 + 1}."
                save_like_an_editor(single, f"{GARDEN_TEXT}\n{written}\n")
            await pilot.pause(0.1)
        await wait_until(pilot, lambda: written in reader.text)
        (tmp_path / "other.md").write_text("Nor is this.", encoding="utf-8")
        await pilot.pause(0.5)
        assert ids(screen) == ["garden.md"]


@pytest.mark.skipif(os.name != "posix", reason="names of bytes that are not text are POSIX's")
async def test_a_file_whose_name_is_not_text_does_not_stop_the_watching(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await watched(pilot, corpus)
        # In the burst the badly named file costs the watcher: the index's check finds it.
        (corpus / "garden.md").write_text(GARDEN_TEXT, encoding="utf-8")
        try:
            (corpus / os.fsdecode(b"caf\xe9.md")).write_text("Named in Latin-1.", encoding="utf-8")
        except OSError as error:
            pytest.skip(f"this file system refuses names that are not UTF-8 ({error})")
        await wait_until(pilot, lambda: "garden.md" in ids(screen), timeout=20)
        (corpus / "later.md").write_text("# Later\n\nWritten afterwards.\n", encoding="utf-8")
        await wait_until(pilot, lambda: "later.md" in ids(screen), timeout=20)  # and the watch goes on
        assert screen.watching.failure is None and screen.watching.watching
        assert not any(n.startswith("Not watching") for n in notices(pilot))


# ---------------------------------------------------------------------- one batch per burst


async def test_a_burst_of_changes_is_one_batch_one_survey_one_indexer_run_and_no_rescan(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A longer quiet period than the default: the burst below must not read as two on a busy machine.
    monkeypatch.setattr(watcher, "QUIET_MS", 600)
    walks: list[object] = []
    monkeypatch.setattr(core_watching, "discover", lambda paths: walks.append(paths) or ([], []))
    monkeypatch.setattr(catalog_loading, "discover_entries", lambda library: walks.append(library) or [])
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await watched(pilot, corpus)
        walks.clear()  # the start-up listing and the probe's folder
        calls = {"survey": 0, "index": 0}
        survey, start = screen.watching.survey, screen.indexer.start

        def counted_survey(batch: Batch) -> Any:
            calls["survey"] += 1
            return survey(batch)

        def counted_start(rebuild: bool = False) -> None:
            calls["index"] += 1
            start(rebuild)

        monkeypatch.setattr(screen.watching, "survey", counted_survey)
        monkeypatch.setattr(screen.indexer, "start", counted_start)
        batches = screen.watching.batches
        count = 40
        for n in range(count):  # as a checkout does: many files, each with several events
            path = corpus / f"note-{n:02}.md"
            path.write_text(f"# Note {n}\n\nWords of note {n}.\n", encoding="utf-8")
            with path.open("a", encoding="utf-8") as handle:
                handle.write("More words.\n")
        (corpus / CHINA).unlink()
        await wait_until(pilot, lambda: len(ids(screen)) == count + 1)
        await wait_until(
            pilot, lambda: not screen.indexing and all(r.indexed for r in screen.query_one(DocumentList).rows)
        )
        assert screen.watching.batches - batches == 1
        assert calls == {"survey": 1, "index": 1}
        assert walks == []  # nothing walked: neither the corpus nor a folder


def test_bursts_that_come_while_one_is_surveyed_wait_and_are_merged(corpus: Path) -> None:
    watching = FileWatcher(
        cast(Any, None), Library.open(Paths.from_environment(), [corpus]), Corpus(), enabled=False
    )
    root = str(corpus)
    first = Batch(frozenset({f"{root}/a.md"}))
    assert watching.take(first) is first and watching.busy
    assert watching.take(Batch(frozenset({f"{root}/b.md"}))) is None
    assert watching.take(Batch(others=frozenset({f"{root}/c"}))) is None
    assert watching.next() == Batch(frozenset({f"{root}/b.md"}), frozenset({f"{root}/c"}), 0)
    assert watching.busy  # the merged batch is surveyed now
    assert watching.next() is None and not watching.busy


# ---------------------------------------------------------------------- off, and failing


def test_the_environment_turns_watching_off() -> None:
    assert enabled_by_environment({})
    assert enabled_by_environment({WATCH_VARIABLE: "1"})
    assert not any(enabled_by_environment({WATCH_VARIABLE: v}) for v in ("0", "false", "No", " off "))


async def test_off_nothing_watches(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WATCH_VARIABLE, "0")
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert not screen.watching.enabled and not screen.watching.watching


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("watch:ENOSPC", "max_user_watches"),  # in each watching child, as the system's limit would
        ("watch:KILL", "the watcher ended (exit status -9)"),  # each child killed as it starts
    ],
)
async def test_folders_that_cannot_be_watched_are_reported_once(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, reason: str
) -> None:
    monkeypatch.setenv(faults.VARIABLE, fault)
    single = tmp_path / "single.md"
    single.write_text(GARDEN_TEXT, encoding="utf-8")
    # A folder and a file: two watchers (recursive, and the file's folder alone), both refused.
    async with app_for([corpus, single]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await wait_until(pilot, lambda: screen.watching.failure is not None and not screen.watching.watching)
        await pilot.pause()
        said = [n for n in notices(pilot) if n.startswith("Not watching")]
        assert len(said) == 1 and reason in said[0]
        assert len(ids(screen)) == 3  # the app reads on


async def test_watch_false_in_the_config_keeps_the_watcher_off(corpus: Path) -> None:
    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("watch: false\n", encoding="utf-8")
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.pause(0.3)
        assert not screen.watching.enabled and not screen.watching.watching


async def test_watching_starts_once_a_query_is_no_longer_being_typed(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Setting the watches up holds the GIL (0.2 s at 100,000 files): not under a query's keys.
    from tui.ui.controllers import starting

    # The delay is long beside the keys' spacing (a slow machine may take a few tenths of a second
    # to read the first key after the start) and short beside the whole query's typing, so a key
    # that did not put it off would let it start while the query is typed.
    monkeypatch.setattr(starting, "WATCH_DELAY", 1.0)
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        screen = cast(MainScreen, pilot.app.screen)
        await wait_until(pilot, lambda: screen.reader_mounted)
        await pilot.press("slash")
        started = time.monotonic()
        for key in "conflux confluence":
            await pilot.press("space" if key == " " else key)
            await pilot.pause(0.1)
            assert screen.watching._thread is None  # every key puts it off
        assert time.monotonic() - started > 1.0  # (typed for longer than the delay)
        await wait_until(pilot, lambda: screen.watching._thread is not None)
