"""The reading room's workers under real faults on disk: what they read or write is damaged, or
cannot be written. An exception that escapes a Textual worker ends the whole app, so each case
checks that the app is still running, that the user was told, and that the user's files are as
they were (or kept aside)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label

from tests.read_only import read_only
from tests.seeds import CHINA
from tests.ui.helpers import SIZE, app_for, ready, settle, wait_until
from tests.ui.test_browser import annotate, open_export
from tui.core.annotation_store import AnnotationStore
from tui.core.library import Library
from tui.core.paths import Paths
from tui.ui.screens.browser import AnnotationBrowser
from tui.ui.screens.main import MainScreen
from tui.ui.screens.rename import RenameTagDialog


def told(pilot: Pilot[Any], words: str) -> bool:
    return any(words in n.message for n in pilot.app._notifications)


def annotation_file(corpus: Path, tags: list[str]) -> Path:
    """The annotation file of CHINA, one annotation in it."""
    annotate(corpus, CHINA, "reduce corruption", tags=tags, note="key claim")
    store = AnnotationStore.under(Paths.from_environment().data)
    return store.file_for((corpus / CHINA).resolve())


def lock_is_a_folder(file: Path) -> None:
    """Its lock cannot be opened (root writes anywhere, so this is the refusal every user meets)."""
    lock = file.with_name(f".{file.name}.lock")
    lock.unlink(missing_ok=True)
    lock.mkdir()


# ---------------------------------------------------------------------- reading positions


def positions_file(corpus: Path) -> Path:
    library = Library.open(Paths.from_environment(), [corpus])
    return Paths.from_environment().data / "reading" / f"{library.index_dir.name}.yaml"


POSITIONS = {
    "top is .inf": (f"{CHINA}:\n  top: .inf\n  cursor: 0\n  last: true\n", False, "kept as"),
    "not YAML": (f"{CHINA}: {{top: [\n", False, "kept as"),
    "damaged, folder read-only": (f"{CHINA}:\n  top: .inf\n  cursor: 0\n", True, "could not be kept aside"),
}


@pytest.mark.parametrize(("content", "locked", "said"), POSITIONS.values(), ids=POSITIONS.keys())
async def test_a_damaged_positions_file_is_reported_and_the_room_starts(
    corpus: Path, content: str, locked: bool, said: str
) -> None:
    file = positions_file(corpus)
    file.parent.mkdir(parents=True)
    file.write_text(content, encoding="utf-8")
    guard: Callable[[Path], AbstractContextManager[None]] = read_only if locked else lambda _: nullcontext()
    with guard(file.parent):
        async with app_for([corpus]).run_test(size=SIZE) as pilot:
            await ready(pilot)
            await wait_until(pilot, lambda: told(pilot, "reading positions"))
            assert told(pilot, said)
            await settle(pilot)
            assert isinstance(pilot.app.screen, MainScreen) and pilot.app.is_running
    kept = [file, *file.parent.glob(f"{file.name}.corrupt-*")]
    assert content in [p.read_text(encoding="utf-8") for p in kept if p.is_file()]


# ---------------------------------------------------------------------- annotation files


@pytest.fixture
def damaged_annotations(corpus: Path) -> Iterator[tuple[Path, bytes]]:
    """CHINA's annotation file with an entry it cannot read, and a lock that cannot be opened: the
    readable entries cannot be written back (the repair a read makes)."""
    file = annotation_file(corpus, ["graft"])
    text = file.read_text(encoding="utf-8") + f"- {json.dumps({'id': 'bad', 'target': 5})}\n"
    file.write_text(text, encoding="utf-8")
    lock_is_a_folder(file)
    yield file, text.encode("utf-8")


async def test_a_repair_that_cannot_be_written_does_not_stop_the_corpus_listing(
    corpus: Path, damaged_annotations: tuple[Path, bytes]
) -> None:
    file, before = damaged_annotations
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await wait_until(pilot, lambda: told(pilot, "could not be repaired"))
        await wait_until(pilot, lambda: screen.known_tags() == ["graft"])  # the readable one counts
        await pilot.press("B")  # the browser reads the same file in its own worker
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotationBrowser))
        browser = pilot.app.screen
        assert isinstance(browser, AnnotationBrowser)
        await wait_until(pilot, lambda: len(browser.records) == 1)
        await settle(pilot)
        assert pilot.app.is_running
    assert file.read_bytes() == before


async def test_a_tag_rename_that_cannot_be_written_is_reported(corpus: Path) -> None:
    file = annotation_file(corpus, ["graft"])
    before = file.read_bytes()
    lock_is_a_folder(file)
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("B")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotationBrowser))
        browser = pilot.app.screen
        assert isinstance(browser, AnnotationBrowser)
        await wait_until(pilot, lambda: len(browser.records) == 1)
        browser.query_one(DataTable).focus()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RenameTagDialog))
        field = pilot.app.screen.query_one("#rename-new", Input)
        await pilot.press("end", "ctrl+u", *"bribery", "enter")
        await wait_until(pilot, lambda: pilot.app.screen is browser)
        await wait_until(pilot, lambda: told(pilot, "Could not rename #graft everywhere"))
        await settle(pilot)
        assert pilot.app.is_running and not told(pilot, "Renamed #graft")
        assert field.value == "bribery"
    assert file.read_bytes() == before


# ---------------------------------------------------------------------- the export's folder

FOLDERS = {
    "a NUL pasted": ("/tmp/a\x00b", "cannot hold a NUL"),
    "the home of no user": ("~no-such-user-of-lectern/exports", "No such home folder"),
}


@pytest.mark.parametrize(("typed", "said"), FOLDERS.values(), ids=FOLDERS.keys())
async def test_a_folder_no_file_can_be_written_in_is_said_in_the_dialog(
    corpus: Path, typed: str, said: str
) -> None:
    annotation_file(corpus, ["graft"])
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        dialog = await open_export(pilot, "csv")
        field = dialog.query_one("#export-folder", Input)
        field.value = typed
        await pilot.press("enter")
        error = dialog.query_one("#export-error", Label)
        await wait_until(pilot, lambda: said in str(error.render()))
        await settle(pilot)
        assert pilot.app.screen is dialog and pilot.app.is_running and not field.disabled
