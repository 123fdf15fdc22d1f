"""Pilot tests of the reading room's layout at 80x24 and 120x36: who gets the width with no
document open, while searching, while reading, with the list hidden or resized (keys and a drag
of the divider, remembered across runs), and with the annotation panel open; whole titles and
dates in the rows, the whole selected row highlighted, toasts above the status line, counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.style import Style
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip

from tests.seeds import BELT, CHINA
from tests.ui.helpers import app_for, main_screen, ready, search, settle, wait_until
from tui.core.paths import Paths
from tui.ui.controllers.panes import READER_MIN, READER_MIN_SEARCHING, STEP
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.annotation_panel import AnnotationPanel
from tui.ui.widgets.divider import Divider
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader
from tui.ui.widgets.status_bar import StatusBar

SIZES = [(80, 24), (120, 36)]
CHINA_TITLE = "China Shifts Focus to Blockchain Technology"
BELT_TITLE = 'Chinese government launches blockchain project for "One Belt, One Road" initiative'


def text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def row_lines(listed: DocumentList, doc_id: str) -> list[str]:
    """The lines of a document's row as drawn, cut where the scrollbar's gutter starts."""
    top = [r.id for r in listed.rows].index(doc_id) * listed.row_height - round(listed.scroll_y)
    return [text(listed.render_line(y))[: listed.text_width] for y in range(top, top + listed.row_height)]


def panes(screen: MainScreen) -> tuple[DocumentList, Reader, AnnotationPanel]:
    return screen.query_one(DocumentList), screen.query_one(Reader), screen.query_one(AnnotationPanel)


def width(widget: Any) -> int:
    return int(widget.region.width) if widget.display else 0


async def open_doc(pilot: Pilot[Any], doc_id: str) -> Reader:
    """Open ``doc_id`` from the list with the keyboard; the reader has the focus after."""
    screen = main_screen(pilot)
    listed = screen.query_one(DocumentList)
    screen.set_focus(listed)
    await pilot.press("g", *["j"] * [r.id for r in listed.rows].index(doc_id), "enter")
    reader = screen.query_one(Reader)
    await wait_until(pilot, lambda: reader.doc_id == doc_id and reader.has_focus)
    await settle(pilot)
    await pilot.pause()
    return reader


def many_documents(root: Path, count: int = 40) -> Path:
    """A corpus long enough for the list to scroll, with long titles."""
    folder = root / "many"
    folder.mkdir()
    for n in range(count):
        (folder / f"doc-{n:02}.md").write_text(
            f"---\ntitle: Document {n} on reading rooms and lecterns\ndate: 2026-11-{n % 28 + 1:02}\n"
            f"---\nThe body of document {n} talks about lecterns and reading rooms.\n",
            encoding="utf-8",
        )
    return folder


# ---------------------------------------------------------------------- no document, searching


@pytest.mark.parametrize("size", SIZES)
async def test_with_no_document_the_list_has_the_whole_width_and_whole_titles(size: tuple[int, int]) -> None:
    async with app_for().run_test(size=size) as pilot:
        screen = await ready(pilot)
        listed, reader, panel = panes(screen)
        assert width(listed) == size[0] and width(reader) == 0 and width(panel) == 0
        title, meta = row_lines(listed, CHINA)
        assert CHINA_TITLE in title and "2020-01-19" in title + meta
        if size[0] >= 100:
            assert BELT_TITLE in row_lines(listed, BELT)[0]


@pytest.mark.parametrize("size", SIZES)
async def test_search_results_get_the_room_and_show_their_hits(size: tuple[int, int]) -> None:
    async with app_for().run_test(size=size) as pilot:
        screen = await ready(pilot)
        listed, reader, _ = panes(screen)
        await open_doc(pilot, BELT)
        reading_width = width(listed)
        await search(pilot, "corruption")
        assert screen.panes.plan is not None and screen.panes.plan.mode == "searching"
        assert width(listed) > reading_width and width(reader) >= READER_MIN_SEARCHING
        lines = row_lines(listed, CHINA)
        assert CHINA_TITLE in lines[0]
        snippet = lines[2:]
        assert len(snippet) >= 2 and "corruption" in " ".join(snippet)  # the hit, on screen
        await pilot.press("enter")  # reading again: the reader gets the room back
        await wait_until(pilot, lambda: reader.doc_id == CHINA and reader.has_focus)
        await wait_until(pilot, lambda: width(listed) == reading_width)
        assert width(reader) >= READER_MIN


@pytest.mark.parametrize("size", SIZES)
async def test_reading_keeps_dates_whole_beside_the_scrollbar(size: tuple[int, int], tmp_path: Path) -> None:
    async with app_for([many_documents(tmp_path)]).run_test(size=size) as pilot:
        screen = await ready(pilot)
        listed, reader, _ = panes(screen)
        first = listed.rows[0].id
        await open_doc(pilot, first)
        await wait_until(pilot, lambda: listed.show_vertical_scrollbar)
        assert 0 < width(listed) < size[0] // 2 and width(reader) >= READER_MIN
        for row in listed.rows[: listed.size.height // listed.row_height]:
            lines = row_lines(listed, row.id)
            assert row.date in "".join(lines)  # every digit, left of the scrollbar
            assert lines[0].startswith(" Document")
        await search(pilot, "lecterns")
        for row in listed.rows[:3]:
            assert row.date in "".join(row_lines(listed, row.id))
            assert row.title in row_lines(listed, row.id)[0]  # the results' room: whole titles


async def test_the_whole_selected_row_is_highlighted() -> None:
    async with app_for().run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await search(pilot, "blockchain")
        listed.focus()
        await pilot.pause()
        cursor = (listed.rich_style + listed.get_component_rich_style("list--cursor")).bgcolor
        mark = listed.get_component_rich_style("list--mark").bgcolor
        for y in range(listed.row_height):  # the first row is the highlighted one
            for segment in listed.render_line(y):
                style = segment.style or Style()
                if segment.text.strip() and style.bgcolor != mark:
                    assert style.bgcolor == cursor, (y, segment.text)
        plain = listed.rich_style.bgcolor
        assert any((s.style or Style()).bgcolor == plain for s in listed.render_line(listed.row_height))


async def test_a_frame_of_the_list_takes_its_styles_once_and_draws_what_each_line_would() -> None:
    # The widget's style walks its ancestors: it is taken once per frame, not once per line, and
    # the lines of a frame are those drawn one at a time.
    async with app_for().run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await search(pilot, "blockchain")
        await settle(pilot)
        looks: list[int] = []
        drawn: dict[int, Strip] = {}
        look_now, render_line = listed._look_now, listed.render_line

        def counted() -> Any:
            looks.append(1)
            return look_now()

        def recorded(y: int) -> Strip:
            drawn[y] = render_line(y)
            return drawn[y]

        listed._look_now = counted  # type: ignore[method-assign]
        listed.render_line = recorded  # type: ignore[method-assign]
        listed._styles_cache.clear()
        listed.render_lines(Region(0, 0, listed.size.width, listed.size.height))
        assert len(looks) == 1 and len(drawn) == listed.size.height
        for y, strip in drawn.items():
            assert list(render_line(y)) == list(strip) and strip.cell_length == listed.size.width
        assert len(looks) == 1 + listed.size.height  # a line drawn alone takes its own


# ---------------------------------------------------------------------- hidden, resized, remembered


async def test_the_list_hides_for_reading_and_stays_hidden_across_runs() -> None:
    async with app_for().run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot)
        listed, reader, _ = panes(screen)
        await open_doc(pilot, CHINA)
        await pilot.press("backslash")
        await wait_until(pilot, lambda: not listed.display)
        assert reader.region.x == 0 and width(reader) == 120 and reader.has_focus
        await pilot.press("escape")  # back to the list: it shows while it has the focus
        await wait_until(pilot, lambda: listed.display and listed.has_focus)
        await pilot.press("enter")
        await wait_until(pilot, lambda: reader.has_focus and not listed.display)
        await settle(pilot)
    config = yaml.safe_load(Paths.from_environment().config_file.read_text(encoding="utf-8"))
    assert config["panes"]["list_hidden"] is True
    app = app_for()
    app.positions.set_last(None)  # else the document open at quit opens again
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot)
        listed, reader, _ = panes(screen)
        assert listed.display  # no document open: the library shows
        await open_doc(pilot, CHINA)
        await wait_until(pilot, lambda: not listed.display and width(reader) == 120)
        await pilot.press("backslash")
        await wait_until(pilot, lambda: listed.display)


@pytest.mark.parametrize("size", SIZES)
async def test_keys_resize_the_list_and_the_size_is_remembered(size: tuple[int, int]) -> None:
    async with app_for().run_test(size=size) as pilot:
        screen = await ready(pilot)
        listed, reader, _ = panes(screen)
        await open_doc(pilot, CHINA)
        before = width(listed)
        await pilot.press("greater_than_sign", "greater_than_sign", "less_than_sign")
        await wait_until(pilot, lambda: width(listed) == before + STEP)
        assert width(reader) >= READER_MIN
        for _ in range(40):  # as wide as it goes: the reader keeps its room
            await pilot.press("greater_than_sign")
        await wait_until(pilot, lambda: size[0] - width(listed) - 1 == READER_MIN)
        chosen = width(listed)
        await settle(pilot)
    async with app_for().run_test(size=size) as pilot:
        screen = await ready(pilot)
        listed, _, _ = panes(screen)
        await open_doc(pilot, CHINA)
        await wait_until(pilot, lambda: width(listed) == chosen)


async def test_dragging_the_divider_resizes_the_list_and_is_remembered() -> None:
    async with app_for().run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot)
        listed, reader, _ = panes(screen)
        await open_doc(pilot, CHINA)
        divider = screen.query_one(Divider)
        assert divider.display and divider.region.x == width(listed)
        await pilot.mouse_down(Divider)
        await pilot.hover(Reader, offset=(10, 3))  # ten columns right of the reader's left edge
        await pilot.mouse_up(Reader, offset=(10, 3))  # the reader moved right: a little further
        await wait_until(pilot, lambda: width(listed) > 40 and not divider.dragging)
        chosen = width(listed)
        assert divider.region.x == chosen and width(reader) >= READER_MIN
        await settle(pilot)
    config = yaml.safe_load(Paths.from_environment().config_file.read_text(encoding="utf-8"))
    assert config["panes"]["list"] == chosen
    async with app_for().run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot)
        await open_doc(pilot, CHINA)
        await wait_until(pilot, lambda: width(screen.query_one(DocumentList)) == chosen)


# ---------------------------------------------------------------------- the panel


@pytest.mark.parametrize("size", SIZES)
async def test_the_panel_takes_the_lists_place_and_the_document_stays(size: tuple[int, int]) -> None:
    async with app_for().run_test(size=size) as pilot:
        screen = await ready(pilot)
        listed, reader, panel = panes(screen)
        await open_doc(pilot, CHINA)
        height = reader.scrollable_content_region.height
        bottom = round(reader.scroll_y) + height - 1 - reader.header_lines  # the last row shown
        reader.go_to(reader.row(bottom).start)  # a narrower reader pushes it down, out of view
        await pilot.pause()
        cursor = reader.cursor
        await pilot.press("A")
        await wait_until(pilot, lambda: panel.display and panel.has_focus)
        await settle(pilot)
        await pilot.pause()
        assert width(reader) >= READER_MIN and width(panel) > 0 and not listed.display
        assert width(listed) + width(reader) + width(panel) <= size[0]

        def cursor_shown() -> bool:
            line = reader.line_of(reader.cursor) + reader.header_lines
            return reader.scroll_y <= line < reader.scroll_y + reader.scrollable_content_region.height

        await wait_until(pilot, cursor_shown)
        assert reader.cursor == cursor
        await pilot.press("A")  # closed: the list comes back
        await wait_until(pilot, lambda: listed.display and not panel.display and reader.has_focus)


async def test_a_long_note_leaves_its_tags_in_view() -> None:
    async with app_for().run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        reader = await open_doc(pilot, CHINA)
        start = reader.text.index("China is no exception")
        reader.go_to(start)
        await pilot.press("v", *"www", "a")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "AnnotationDialog")
        dialog = pilot.app.screen
        from textual.widgets import Input, TextArea

        dialog.query_one("#dialog-note", TextArea).load_text("a long note that goes on " * 12)
        dialog.query_one("#dialog-tags", Input).value = "policy, belt-and-road"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(reader.annotations) == 1)
        reader.focus()
        reader.go_to(start + 2)
        await wait_until(pilot, lambda: reader.annotation_under_cursor is not None and not screen.indexing)
        await pilot.pause()
        note = screen.query_one("#status-note")
        shown = str(note.render())
        assert shown.startswith("✎ a long note") and "…" in shown  # the note is cut, not its tags
        assert shown.endswith("#policy  #belt-and-road") and len(shown) <= note.content_region.width
        assert note.region.right <= screen.query_one(StatusBar).region.right


# ---------------------------------------------------------------------- toasts, counts


@pytest.mark.parametrize("size", SIZES)
async def test_toasts_leave_the_status_line_visible(size: tuple[int, int]) -> None:
    async with app_for().run_test(size=size, notifications=True) as pilot:
        screen = await ready(pilot)
        screen.notify("A notification " * 8, timeout=30)
        await wait_until(pilot, lambda: bool(screen.query("Toast")))
        await pilot.pause()
        status = screen.query_one(StatusBar).region
        for toast in screen.query("Toast"):
            assert toast.region.bottom <= status.y


async def test_one_hit_is_one_hit() -> None:
    async with app_for().run_test(size=(120, 36)) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await search(pilot, "exception")
        row = next(r for r in listed.rows if r.id == CHINA)
        assert row.hits == 1
        meta = row_lines(listed, CHINA)[1]
        assert "1 hit " in meta + " " and "1 hits" not in meta
        assert "1 result" in str(screen.query_one("#search-message").render())
        await pilot.press("enter")
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == CHINA and bool(reader.hits))
        status = screen.query_one("#status-hit")
        await wait_until(pilot, lambda: str(status.render()) in ("hit 1/1", "1 hit"))
