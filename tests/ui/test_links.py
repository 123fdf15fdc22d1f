"""Pilot tests of links in the reader: the destination in the status line, ``enter`` between the
corpus's documents, ``backspace`` back through several levels, links that lead outside (a
notification, nothing opened), ``y`` copying a link, a click landing on one, ``enter`` off a link."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.ui.helpers import SIZE, app_for, main_screen, ready, settle, wait_until
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader

PARAGRAPH = "Words to scroll past, a line of them. " * 12


def make_corpus(root: Path) -> Path:
    folder = root / "linked"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text(
        "---\ntitle: Alpha\ndate: 2024-01-03\n---\n# Alpha\n\n"
        "See [the beta doc](sub/b.md#part) first.\n\n"
        'Also [the web](https://example.org/x%20y "Web") and <https://auto.example/p>.\n\n'
        "By reference: [beta again][beta], a [missing one](nope.md), and [spaced](my%20doc.md).\n\n"
        f"Absolute: [as a URI](file://{folder / 'sub' / 'b.md'}). Evil: [evil](x%1B[31m.md).\n\n"
        "Jump [down](#second-part) here.\n\n"
        + "\n\n".join([PARAGRAPH] * 6)
        + "\n\n## Second part\n\nThe end.\n\n[beta]: ./sub/b.md\n"
    )
    (folder / "sub" / "b.md").write_text(
        "---\ntitle: Beta\ndate: 2024-01-02\n---\n# Beta\n\n"
        + "\n\n".join([PARAGRAPH] * 8)
        + "\n\n## Part\n\nBack to [alpha](../a.md) and on to [gamma](../my%20doc.md).\n"
    )
    (folder / "my doc.md").write_text("---\ntitle: Gamma\ndate: 2024-01-01\n---\n# Gamma\n\nThe third.\n")
    return folder


async def open_doc(pilot: Pilot[Any], doc_id: str) -> Reader:
    screen = main_screen(pilot)
    reader = screen.query_one(Reader)
    screen.open_document(doc_id)
    await wait_until(pilot, lambda: reader.doc_id == doc_id and reader.has_focus)
    await settle(pilot)
    await pilot.pause()
    return reader


async def on_link(pilot: Pilot[Any], reader: Reader, words: str) -> None:
    reader.go_to(reader.text.index(words))
    await wait_until(pilot, lambda: reader.link_under_cursor is not None)
    await pilot.pause()


def showing(reader: Reader, doc_id: str) -> Callable[[], bool]:
    return lambda: reader.doc_id == doc_id


def status(screen: MainScreen, part: str) -> str:
    return str(screen.query_one(f"#status-{part}").render())


def notes(pilot: Pilot[Any]) -> list[str]:
    return [n.message for n in pilot.app._notifications]


async def test_enter_follows_a_link_and_backspace_comes_back_through_several_levels(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_doc(pilot, "a.md")
        await on_link(pilot, reader, "the beta doc")
        assert screen.query_one("#status-link").display and status(screen, "link") == "→ sub/b.md#part"
        assert not screen.query_one("#status-section").display  # the link takes its place
        left_at = (reader.top_offset, reader.cursor)

        await pilot.press("enter")
        await wait_until(pilot, lambda: reader.doc_id == "sub/b.md")
        await settle(pilot)
        assert reader.has_focus and reader.link_under_cursor is None
        assert not screen.query_one("#status-link").display
        await pilot.press("G")  # to the end, where the links back are
        await on_link(pilot, reader, "alpha](")
        in_b = (reader.top_offset, reader.cursor)
        assert in_b[1] > 0

        await pilot.press("enter")  # a second level: back into a.md by a link
        await wait_until(pilot, lambda: reader.doc_id == "a.md")
        await settle(pilot)
        assert len(screen.links.history) == 2

        await pilot.press("backspace")
        await wait_until(pilot, lambda: reader.doc_id == "sub/b.md")
        await settle(pilot)
        await wait_until(pilot, lambda: (reader.top_offset, reader.cursor) == in_b)
        await pilot.press("backspace")
        await wait_until(pilot, lambda: reader.doc_id == "a.md")
        await settle(pilot)
        await wait_until(pilot, lambda: (reader.top_offset, reader.cursor) == left_at)
        assert not screen.links.history

        await pilot.press("backspace")  # nothing left: said, and nothing moves
        await pilot.pause()
        assert reader.doc_id == "a.md" and any("Nothing to go back to" in n for n in notes(pilot))


async def test_reference_percent_encoded_and_file_uri_links_open_their_documents(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        for words, target in (("beta again", "sub/b.md"), ("spaced", "my doc.md"), ("as a URI", "sub/b.md")):
            reader = await open_doc(pilot, "a.md")
            await on_link(pilot, reader, words)
            await pilot.press("enter")
            await wait_until(pilot, showing(reader, target))
            await settle(pilot)


async def test_links_outside_the_corpus_are_named_not_opened(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_doc(pilot, "a.md")
        await on_link(pilot, reader, "the web")
        assert status(screen, "link") == "→ https://example.org/x y"
        await pilot.press("enter")
        await pilot.pause()
        assert reader.doc_id == "a.md" and pilot.app.is_running
        assert any("Outside this corpus" in n and "https://example.org/x y" in n for n in notes(pilot))

        await on_link(pilot, reader, "auto.example")  # an autolink
        assert status(screen, "link") == "→ https://auto.example/p"

        await on_link(pilot, reader, "missing one")
        await pilot.press("enter")
        await pilot.pause()
        assert reader.doc_id == "a.md"
        assert any("Not a document of this corpus: nope.md" in n for n in notes(pilot))
        assert not screen.links.history


async def test_a_destination_is_shown_without_its_control_characters(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_doc(pilot, "a.md")
        await on_link(pilot, reader, "evil")
        shown = status(screen, "link")
        assert "\x1b" not in shown and "␛[31m.md" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert all("\x1b" not in n for n in notes(pilot))


async def test_y_copies_the_link_under_the_cursor_when_nothing_is_selected(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_doc(pilot, "a.md")
        await on_link(pilot, reader, "the web")
        await pilot.press("y")
        assert pilot.app.clipboard == "https://example.org/x%20y"
        assert any("Copied the link: https://example.org/x y" in n for n in notes(pilot))
        await pilot.press("v", "w", "y")  # a selection is what y copies, link or not
        assert pilot.app.clipboard == "the"


async def test_an_anchor_link_goes_to_its_heading_and_back(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_doc(pilot, "a.md")
        await on_link(pilot, reader, "down")
        before = reader.cursor
        await pilot.press("enter")
        await wait_until(pilot, lambda: reader.cursor == reader.text.index("Second part"))
        assert "Second part" in status(screen, "section")
        await pilot.press("backspace")
        await wait_until(pilot, lambda: reader.cursor == before)


async def test_a_click_puts_the_cursor_on_a_link_without_opening_it(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_doc(pilot, "a.md")
        offset = reader.text.index("beta doc")
        line = reader.line_of(offset)
        x = reader.styles.padding.left + reader.text_column + reader.row(line).cell_of(offset)
        y = line + reader.header_lines - round(reader.scroll_y)
        await pilot.click(Reader, offset=(x, y))
        await pilot.pause()
        assert reader.cursor == offset and reader.doc_id == "a.md"
        assert reader.link_under_cursor is not None and status(screen, "link") == "→ sub/b.md#part"


async def test_enter_off_a_link_does_what_it_did_before(tmp_path: Path) -> None:
    folder = make_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_doc(pilot, "a.md")
        reader.go_to(reader.text.index("first."))
        await pilot.pause()
        cursor = reader.cursor
        await pilot.press("enter")
        await pilot.pause()
        assert reader.doc_id == "a.md" and reader.cursor == cursor and not notes(pilot)
        listed = screen.query_one(DocumentList)  # the list's enter still opens
        listed.focus()
        await pilot.press("G", "enter")
        await wait_until(pilot, lambda: reader.doc_id == "my doc.md")


async def test_the_help_lists_the_new_reader_keys() -> None:
    async with app_for().run_test(size=(140, 70)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")
        await pilot.pause()
        body = pilot.app.screen.query_one("#help-body")
        text = pilot.app.export_screenshot()
        while body.scroll_y < body.max_scroll_y:
            body.scroll_to(y=body.scroll_y + body.size.height - 1, animate=False, immediate=True)
            await pilot.pause()
            text += pilot.app.export_screenshot()
        text = text.replace("&#160;", " ")
        for binding_id in ("reader.follow_link", "reader.go_back", "reader.edit"):
            assert binding_id in text
        assert "Follow the link under the cursor" in text and "$EDITOR" in text
