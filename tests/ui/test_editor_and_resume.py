"""Pilot tests of three reading-room features: ``E`` runs ``$EDITOR`` on the open file and the
reader reads it again; the document open at quit reopens on the next start, where it was left;
and the status line's reading progress. Plus the pieces beneath them, without an app: the
editor's command and the ``last`` flag of the positions file."""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.pilot import Pilot

from tests.ui.helpers import SIZE, app_for, main_screen, ready, search, settle, wait_until
from tui.core.reading import Position, ReadingPositions
from tui.ui.app import LecternApp
from tui.ui.controllers.editor import editor_command
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader

NOTE = (
    "---\ntitle: Note\ndate: 2024-02-02\n---\n# Note\n\nFirst paragraph here.\n\n"
    "Second paragraph with the passage to keep.\n"
)
EDIT = """\
import sys
from pathlib import Path
path = Path(sys.argv[-1])
text = path.read_text(encoding="utf-8")
text = text.replace("First paragraph here.", "First paragraph here, now longer by the zanzibar words.")
path.write_text(text, encoding="utf-8")
"""


def corpus_with_note(root: Path) -> Path:
    folder = root / "notes"
    folder.mkdir()
    (folder / "note.md").write_text(NOTE)
    (folder / "other.md").write_text("---\ntitle: Other\ndate: 2024-01-01\n---\n# Other\n\nAnother one.\n")
    return folder


def use_editor(monkeypatch: pytest.MonkeyPatch, root: Path, script: str = EDIT) -> None:
    """$EDITOR: a Python script that edits the file it is given, as an editor would."""
    path = root / "editor.py"
    path.write_text(script)
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(path))}")


def suspendable(monkeypatch: pytest.MonkeyPatch, app: LecternApp) -> list[int]:
    """Let the headless app "hand the terminal over" (Pilot's driver cannot): count the times."""
    suspended: list[int] = []

    @contextlib.contextmanager
    def suspend() -> Iterator[None]:
        suspended.append(1)
        yield

    monkeypatch.setattr(app, "suspend", suspend)
    return suspended


async def open_doc(pilot: Pilot[Any], doc_id: str) -> Reader:
    screen = main_screen(pilot)
    reader = screen.query_one(Reader)
    screen.open_document(doc_id)
    await wait_until(pilot, lambda: reader.doc_id == doc_id and screen.document is not None)
    await settle(pilot)
    await pilot.pause()
    return reader


def notes(pilot: Pilot[Any]) -> list[str]:
    return [n.message for n in pilot.app._notifications]


# ---------------------------------------------------------------------- E: the editor


@pytest.mark.parametrize(
    ("environ", "command"),
    [
        ({"EDITOR": "nano", "VISUAL": "emacs"}, ["nano"]),
        ({"EDITOR": "code --wait", "VISUAL": "emacs"}, ["code", "--wait"]),
        ({"EDITOR": "'/opt/my editor/ed' -x"}, ["/opt/my editor/ed", "-x"]),
        ({"EDITOR": "  ", "VISUAL": "emacs -nw"}, ["emacs", "-nw"]),
        ({"EDITOR": "'unclosed", "VISUAL": "vim"}, ["vim"]),
        ({}, ["vi"]),
    ],
)
def test_the_editor_is_editor_then_visual_then_vi(environ: dict[str, str], command: list[str]) -> None:
    assert editor_command(environ) == command


async def test_e_edits_the_file_and_the_reader_reads_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus_with_note(tmp_path)
    use_editor(monkeypatch, tmp_path)
    app = app_for([folder])
    suspended = suspendable(monkeypatch, app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_doc(pilot, "note.md")
        reader.go_to(reader.text.index("Second"))
        await pilot.press("v", "w", "w", "h")  # a highlight on "Second paragraph": it must follow the edit
        reader.go_to(reader.text.index("passage"))
        await pilot.pause()
        await wait_until(pilot, lambda: len(reader.annotations) == 1)
        await settle(pilot)
        await pilot.press("E")
        await wait_until(pilot, lambda: "zanzibar" in reader.text)
        await settle(pilot)
        assert suspended == [1]
        assert "now longer by the zanzibar words" in (folder / "note.md").read_text()
        # the cursor is still on the same words, though the text before it grew
        assert reader.text[reader.cursor :].startswith("passage to keep")
        (highlight,) = reader.annotations
        assert reader.text[highlight.start : highlight.end].startswith("Second paragraph")
        assert reader.has_focus and screen.document is not None and "zanzibar" in screen.document.text
        await search(pilot, "zanzibar")  # the indexer was asked to catch up
        listed = screen.query_one(DocumentList)
        await wait_until(pilot, lambda: [r.id for r in listed.rows] == ["note.md"])


async def test_e_without_a_terminal_to_hand_over_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus_with_note(tmp_path)
    use_editor(monkeypatch, tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:  # Pilot's driver cannot suspend
        await ready(pilot)
        reader = await open_doc(pilot, "note.md")
        await pilot.press("E")
        await pilot.pause()
        assert pilot.app.is_running and reader.doc_id == "note.md"
        assert any("cannot be handed over to an editor" in n for n in notes(pilot))
        assert (folder / "note.md").read_text() == NOTE


async def test_an_editor_that_cannot_run_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = corpus_with_note(tmp_path)
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    app = app_for([folder])
    suspendable(monkeypatch, app)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_doc(pilot, "note.md")
        await pilot.press("E")
        await pilot.pause()
        assert pilot.app.is_running and reader.doc_id == "note.md"
        assert any("Could not run the editor" in n and "no-such-editor" in n for n in notes(pilot))


async def test_a_converted_document_is_not_edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = corpus_with_note(tmp_path)
    (folder / "page.html").write_text(
        "<html><head><title>A page</title></head><body><article><h1>A page</h1>"
        + "<p>Some words of a saved page, enough of them to be its article.</p>" * 8
        + "</article></body></html>"
    )
    use_editor(monkeypatch, tmp_path)
    app = app_for([folder])
    suspended = suspendable(monkeypatch, app)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_doc(pilot, "page.html")
        await pilot.press("E")
        await pilot.pause()
        assert reader.doc_id == "page.html" and not suspended
        assert any("read from HTML" in n and "no text file to edit" in n for n in notes(pilot))


# ---------------------------------------------------------------------- the last document reopens


def long_corpus(root: Path) -> Path:
    folder = root / "long"
    folder.mkdir()
    body = "\n\n".join(f"Paragraph {n}: " + "reading is a quiet craft " * 20 for n in range(120))
    (folder / "long.md").write_text("---\ntitle: Long\ndate: 2024-01-01\n---\n# Long\n\n" + body + "\n")
    (folder / "short.md").write_text("---\ntitle: Short\ndate: 2024-03-01\n---\n# Short\n\nA few words.\n")
    return folder


async def test_the_document_open_at_quit_reopens_where_it_was_left(tmp_path: Path) -> None:
    folder = long_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert screen.query_one(Reader).doc_id is None  # a fresh home: the list
        reader = await open_doc(pilot, "long.md")
        for _ in range(4):
            await pilot.press("space")
        left = (reader.top_offset, reader.cursor)
        await pilot.press("q")
    assert left[0] > 0
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == "long.md" and reader.has_focus)
        await wait_until(pilot, lambda: reader.cursor == left[1])
        # The scroll is restored with the layout, which may come a frame after the cursor.
        await wait_until(pilot, lambda: reader.top_offset == reader.row(reader.line_of(left[0])).start)
        assert reader.doc_id == "long.md" and not [n for n in notes(pilot) if "Cannot open" in n]


async def test_a_document_opened_before_lectern_was_killed_reopens(tmp_path: Path) -> None:
    folder = long_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_doc(pilot, "short.md")
        await settle(pilot)  # ended without quitting: only what was written as it went is kept
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        reader = (await ready(pilot)).query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == "short.md")


async def test_a_last_document_that_has_gone_leaves_the_list_and_says_nothing(tmp_path: Path) -> None:
    folder = long_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_doc(pilot, "short.md")
        await pilot.press("q")
    (folder / "short.md").unlink()
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await settle(pilot)
        await pilot.pause(0.2)
        assert screen.query_one(Reader).doc_id is None and screen.focused is screen.query_one(DocumentList)
        assert not [n for n in notes(pilot) if n]


async def test_the_last_document_is_per_corpus(tmp_path: Path) -> None:
    folder = long_corpus(tmp_path)
    other = corpus_with_note(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_doc(pilot, "short.md")
        await pilot.press("q")
    async with app_for([other]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await settle(pilot)
        assert screen.query_one(Reader).doc_id is None


async def test_a_file_asked_for_opens_rather_than_the_last_one(tmp_path: Path) -> None:
    folder = long_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_doc(pilot, "short.md")
        await pilot.press("q")
    async with app_for([folder / "long.md"]).run_test(size=SIZE) as pilot:
        reader = (await ready(pilot)).query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == "long.md")


def test_the_positions_file_flags_the_last_document_and_old_files_still_read(tmp_path: Path) -> None:
    path = tmp_path / "reading" / "corpus.yaml"
    path.parent.mkdir()
    path.write_text("a.md: {top: 10, cursor: 12}\nb.md: {top: 0, cursor: 3}\n")  # as written before
    positions = ReadingPositions(path)
    assert positions.last is None and positions.get("a.md") == Position(10, 12)
    positions.set_last("c.md")  # no position of its own: its start
    raw = yaml.safe_load(path.read_text())
    assert raw["c.md"] == {"top": 0, "cursor": 0, "last": True}
    assert raw["a.md"] == {"top": 10, "cursor": 12}
    assert all({"top", "cursor"} <= set(entry) for entry in raw.values())  # an older lectern reads it
    positions.set("a.md", Position(20, 22))
    positions.set_last("a.md")
    again = ReadingPositions(path)
    assert again.last == "a.md" and again.get("a.md") == Position(20, 22) and again.problem is None
    assert yaml.safe_load(path.read_text())["a.md"]["last"] is True
    assert "c.md" not in yaml.safe_load(path.read_text())  # it had no position: it goes with the flag
    assert not [p for p in path.parent.iterdir() if p.name != "corpus.yaml"]  # no temp file left
    path.write_text("a.md: {top: 1, cursor: 1, last: true}\nb.md: {top: 2, cursor: 2, last: true}\n")
    assert ReadingPositions(path).last is None  # two claims: neither is trusted


# ---------------------------------------------------------------------- reading progress


async def test_the_status_line_shows_how_far_through_the_document_the_reader_is(tmp_path: Path) -> None:
    folder = long_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        shown = screen.query_one("#status-read")
        assert not shown.display  # no document: no figure

        def percent() -> str:
            return str(shown.render())

        reader = await open_doc(pilot, "long.md")
        await wait_until(pilot, lambda: shown.display and percent() == "0%")
        await pilot.press("space", "space")
        await wait_until(pilot, lambda: percent() not in ("0%", "100%"))
        middle = int(percent().rstrip("%"))
        expected = int(100 * reader.scroll_y / reader.max_scroll_y)
        assert middle == expected
        await pilot.press("j")  # the cursor moves on the page: the view, and the figure, stay
        assert percent() == f"{middle}%"
        await pilot.press("G")
        await wait_until(pilot, lambda: percent() == "100%")
        await pilot.press("g")
        await wait_until(pilot, lambda: percent() == "0%")
        await open_doc(pilot, "short.md")  # it all fits: read through
        await wait_until(pilot, lambda: percent() == "100%")


async def test_a_document_opened_while_the_last_one_reopens_is_the_one_shown(tmp_path: Path) -> None:
    """The last document is read again as lectern starts; one the user opens meanwhile is shown,
    and the reopened one, read by a worker since replaced, does not come back over it."""
    folder = long_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_doc(pilot, "long.md")
        await pilot.press("q")
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = main_screen(pilot)
        await wait_until(pilot, lambda: "short.md" in screen.entries and screen.reader_mounted)
        reader = screen.query_one(Reader)
        screen.open_document("short.md")
        await wait_until(pilot, lambda: reader.doc_id == "short.md")
        await settle(pilot)
        await pilot.pause(0.2)
        assert reader.doc_id == "short.md" and reader.lines_rendered


async def test_a_file_named_opens_before_the_rest_of_the_room_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file named on the command line is read from the start, and the indexer (like the
    catalog's whole read) starts once it is shown: they would share the GIL with it."""
    from tui.ui.controllers.indexer import IndexerClient

    folder = long_corpus(tmp_path)
    shown_when_started: list[str | None] = []
    start = IndexerClient.start

    def started(self: IndexerClient, rebuild: bool = False) -> None:
        shown_when_started.append(main_screen_of(self).query_one(Reader).doc_id)
        start(self, rebuild)

    def main_screen_of(client: IndexerClient) -> Any:
        return client._screen  # type: ignore[attr-defined]

    monkeypatch.setattr(IndexerClient, "start", started)
    async with app_for([folder / "long.md"]).run_test(size=SIZE) as pilot:
        reader = (await ready(pilot)).query_one(Reader)
        assert reader.doc_id == "long.md" and reader.has_focus
        assert shown_when_started[0] == "long.md"


async def test_a_file_named_is_composed_for_and_the_footer_follows_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a file named, the reader is composed with the list (the first frame lays out the
    panes it will show) and the footer is mounted once the text is shown: its keys, built again
    as the focus moved, were on the way to the text. Its keys are then the reader's."""
    from tui.ui.screens.main import MainScreen
    from tui.ui.widgets.footer import Footer

    folder = long_corpus(tmp_path)
    at_mount: list[int] = []
    footer_after: list[str | None] = []
    on_mount, mount = MainScreen.on_mount, MainScreen.mount

    def mounted(self: MainScreen) -> None:
        at_mount.append(len(self.query(Reader)))
        on_mount(self)

    def mounting(self: MainScreen, *widgets: Any, **where: Any) -> Any:
        if any(isinstance(w, Footer) for w in widgets):
            footer_after.append(self.query_one(Reader).doc_id)
        return mount(self, *widgets, **where)

    monkeypatch.setattr(MainScreen, "on_mount", mounted)
    monkeypatch.setattr(MainScreen, "mount", mounting)
    async with app_for([folder / "long.md"]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await wait_until(pilot, lambda: bool(screen.query(Footer)))
        await settle(pilot)
        assert at_mount == [1] and footer_after == ["long.md"]
        keys = {key.key for key in screen.query_one(Footer).query("FooterKey")}
        assert {"h", "a"} <= keys  # the reader's (highlight, annotate), now it has the focus


@pytest.mark.parametrize("damage", ["binary", "gone"])
async def test_a_file_named_that_cannot_be_read_is_said_and_the_room_starts_anyway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """A named file that turns out binary, or is gone by the time it is read: one message, and
    what waited for it to show (the footer, the catalog, the indexer) starts all the same."""
    from tui.ui.controllers.opening import DocumentOpener
    from tui.ui.screens.main import MainScreen
    from tui.ui.widgets.footer import Footer

    folder = long_corpus(tmp_path)
    named = folder / "long.md"
    start_named, notify = DocumentOpener.start_named, MainScreen.notify
    said: list[str] = []

    def damaged(self: DocumentOpener) -> None:
        if damage == "binary":
            named.write_bytes(b"\x00\x01 not text \xff" * 100)
        else:
            named.unlink()
        start_named(self)

    def told(self: MainScreen, message: str, **how: Any) -> None:
        said.append(message)
        notify(self, message, **how)

    monkeypatch.setattr(DocumentOpener, "start_named", damaged)
    monkeypatch.setattr(MainScreen, "notify", told)
    async with app_for([named]).run_test(size=SIZE) as pilot:
        screen = main_screen(pilot)
        await wait_until(pilot, lambda: bool(screen.query(Footer)) and not screen.indexing)
        assert sum(m.startswith("Cannot open long.md") for m in said) == 1, said
        assert screen.query_one(Reader).doc_id is None


async def test_a_large_document_opens_first_and_its_word_count_follows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document over ``COUNT_BEFORE_SHOWING`` bytes is shown before its words are counted (5 MB
    take some 15 ms); the count comes into its header after. A smaller one opens with it."""
    from tui.ui.controllers import opening

    folder = long_corpus(tmp_path)
    monkeypatch.setattr(opening, "COUNT_BEFORE_SHOWING", (folder / "long.md").stat().st_size - 1)
    metas: list[str] = []
    set_meta = Reader.set_meta

    def spied(self: Reader, meta: str) -> None:
        metas.append(meta)
        set_meta(self, meta)

    monkeypatch.setattr(Reader, "set_meta", spied)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_doc(pilot, "short.md")
        assert not metas and f"{len(reader.text.split())} words" in reader._header[1][0]
        reader = await open_doc(pilot, "long.md")
        await wait_until(pilot, lambda: bool(metas))
        words = f"{len(reader.text.split()):,} words"
        assert metas == [reader._header[1][0]] and words in metas[0]
