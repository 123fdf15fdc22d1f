"""Pilot tests of annotating: selecting (keys and mouse), highlighting, the dialog, editing,
deleting, undo, colours, the panel, counts, persistence, re-anchoring, note search, the tag
filter and damaged annotation files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.style import Style
from textual.command import CommandList
from textual.geometry import Offset
from textual.pilot import Pilot
from textual.selection import Selection
from textual.widgets import Input, Select, TextArea

from tests.seeds import BELT, CHINA
from tests.ui.helpers import SIZE, app_for, main_screen, ready, settle, wait_until
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import COLORS, Annotation
from tui.core.paths import Paths, bundled_seeds
from tui.ui.screens.annotate import AnnotationDialog
from tui.ui.screens.confirm import ConfirmDialog
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.annotation_panel import AnnotationPanel
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import GUTTER, Reader

FIRST = "As blockchain technology continues to mature"
PARAGRAPH = (
    "As blockchain technology continues to mature, an increasing number of countries are shifting "
    "their focus toward it to explore its benefits and potential applications."
)
SECOND = "China is no exception"
CORRUPTION = "One reason for this shift is the potential for blockchain to help reduce corruption."


# ---------------------------------------------------------------------- helpers


async def open_doc(pilot: Pilot[Any], doc_id: str = CHINA) -> tuple[MainScreen, Reader]:
    """Open a document from the list with the keyboard and wait until it and its annotations show."""
    screen = main_screen(pilot)
    listed = screen.query_one(DocumentList)
    listed.focus()
    index = [r.id for r in listed.rows].index(doc_id)
    await pilot.press("g", *["j"] * index, "enter")
    reader = screen.query_one(Reader)
    await wait_until(
        pilot,
        lambda: reader.doc_id == doc_id and screen.document is not None and screen.document.id == doc_id,
    )
    await pilot.pause()
    return screen, reader


async def start(pilot: Pilot[Any], doc_id: str = CHINA) -> tuple[MainScreen, Reader]:
    await ready(pilot)
    return await open_doc(pilot, doc_id)


def saved(screen: MainScreen) -> tuple[Annotation, ...]:
    """The open document's annotations as last saved (what the reader draws)."""
    annotations = screen.annotating.annotations
    return annotations.annotations if annotations else ()


def find(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


async def select(pilot: Pilot[Any], reader: Reader, quote: str) -> tuple[int, int]:
    """Select ``quote`` with ``v``: the cursor is put on its first and last characters."""
    start, end = find(reader.text, quote)
    reader.focus()
    reader.clear_selection()
    reader.go_to(start)
    await pilot.press("v")
    reader.go_to(end - 1)
    await pilot.pause()
    assert reader.selection == (start, end)
    return start, end


async def annotate_with(pilot: Pilot[Any], screen: MainScreen, key: str = "h") -> Annotation:
    """Press ``key`` (h: no dialog) and wait for the new annotation to be saved."""
    before = {a.id for a in saved(screen)}
    await pilot.press(key)
    await wait_until(pilot, lambda: len(saved(screen)) == len(before) + 1)
    return next(a for a in saved(screen) if a.id not in before)


async def highlight(pilot: Pilot[Any], screen: MainScreen, reader: Reader, quote: str) -> Annotation:
    await select(pilot, reader, quote)
    return await annotate_with(pilot, screen, "h")


async def dialog(pilot: Pilot[Any]) -> AnnotationDialog:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotationDialog))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AnnotationDialog)
    return screen


async def fill_and_save(pilot: Pilot[Any], note: str, tags: str) -> None:
    """Fill the open dialog's fields (typing is covered by its own test) and press ctrl+s."""
    form = await dialog(pilot)
    form.query_one("#dialog-note", TextArea).load_text(note)
    form.query_one("#dialog-tags", Input).value = tags
    await pilot.press("ctrl+s")
    await closed(pilot)


async def closed(pilot: Pilot[Any]) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    await pilot.pause()


def notes(pilot: Pilot[Any]) -> list[str]:
    return [n.message for n in pilot.app._notifications]


def cell_style(reader: Reader, offset: int) -> Style:
    """The style the reader draws the (ASCII) character at ``offset`` with."""
    line = reader.line_of(offset)
    strip = reader.render_line(line + reader.header_lines - round(reader.scroll_y))
    column = reader.text_column + reader.row(line).cell_of(offset)
    cells = 0
    for segment in strip:
        if cells <= column < cells + segment.cell_length:
            return segment.style or Style()
        cells += segment.cell_length
    raise AssertionError(f"offset {offset} is not drawn")


def drawn_color(reader: Reader, offset: int) -> str | None:
    """Which highlight colour the character at ``offset`` is drawn in (None: no annotation)."""
    background = cell_style(reader, offset).bgcolor
    for color in COLORS:
        if reader.get_component_rich_style(f"reader--{color}").bgcolor == background:
            return color
    return None


def line_text(reader: Reader, offset: int) -> str:
    """The screen text of the visual line holding ``offset`` (with the margin)."""
    line = reader.line_of(offset)
    strip = reader.render_line(line + reader.header_lines - round(reader.scroll_y))
    return "".join(segment.text for segment in strip)


def annotation_file(doc_path: Path) -> Path:
    return AnnotationStore.under(Paths.from_environment().data).file_for(doc_path)


# ---------------------------------------------------------------------- selecting with the keyboard


async def test_v_then_w_and_b_select_words_and_escape_cancels() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        assert reader.cursor == reader.text.index("China") and reader.selection is None  # past "# "
        await pilot.press("right_curly_bracket", "right_curly_bracket")  # } }: to the first paragraph
        assert reader.text.startswith(PARAGRAPH, reader.cursor)
        first = reader.cursor
        await pilot.press("v")
        assert reader.selection == (first, first + 1)  # the character under the cursor
        await pilot.press("w", "w")
        assert reader.text[slice(*reader.selection)] == "As blockchain t"
        await pilot.press("b")  # a word back while selecting (not a page back)
        assert reader.text[slice(*reader.selection)] == "As b"
        await pilot.press("escape")
        assert reader.selection is None and reader.selection_anchor is None
        assert screen.focused is reader  # escape dropped the selection, did not leave the reader


async def test_sentence_and_paragraph_motions_select_across_paragraphs() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        _, reader = await start(pilot)
        start_offset = reader.text.index(PARAGRAPH)
        reader.go_to(start_offset)
        await pilot.press("v", "right_parenthesis")  # ) : to the start of the next sentence
        selected = reader.text[slice(*reader.selection)]
        assert selected == PARAGRAPH + "\n\nC"  # crosses the blank line into the next paragraph
        await pilot.press("right_curly_bracket")  # } : the paragraph after that
        third = reader.text.index("This move signals")
        assert reader.cursor == third and reader.selection == (start_offset, third + 1)
        await pilot.press("left_curly_bracket")  # { : back to the start of the previous paragraph
        assert reader.cursor == reader.text.index(SECOND)
        await pilot.press("left_parenthesis")  # ( : back a sentence (into the first paragraph)
        assert reader.cursor == start_offset and reader.selection == (start_offset, start_offset + 1)
        await pilot.press("v")  # v again ends the selection
        assert reader.selection is None


async def test_line_motions_and_j_k_extend_the_selection() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        _, reader = await start(pilot)
        start_offset = reader.text.index(PARAGRAPH)
        reader.go_to(start_offset + 3)  # "blockchain"
        await pilot.press("v", "dollar_sign")  # $: the last character of the line on screen
        line = reader.line_of(start_offset)
        assert reader.selection == (start_offset + 3, reader.row(line).last_stop + 1)
        await pilot.press("0")  # 0: the start of the line
        assert reader.selection == (start_offset, start_offset + 4)
        await pilot.press("j", "j")  # two visual lines down, same column
        assert reader.line_of(reader.cursor) == line + 2
        assert reader.cursor == reader.row(line + 2).start
        await pilot.press("k")
        assert reader.line_of(reader.cursor) == line + 1
        assert reader.selection == (start_offset + 3, reader.cursor + 1)


async def test_shift_arrows_select_without_v() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        _, reader = await start(pilot)
        start_offset = reader.text.index(PARAGRAPH)
        reader.go_to(start_offset)
        await pilot.press("shift+right", "shift+right")
        assert reader.selection == (start_offset, start_offset + 3)
        await pilot.press("shift+down")  # a visual line down: the selection crosses lines
        line = reader.line_of(start_offset)
        assert reader.line_of(reader.cursor) == line + 1
        selected = reader.text[slice(*reader.selection)]
        assert selected.startswith("As blockchain") and len(selected) > reader.row(line).end - start_offset
        await pilot.press("shift+up", "shift+left", "shift+left", "shift+left")
        before = reader.text.rindex("2020", 0, start_offset) + 3  # the newlines are not drawn: passed
        assert reader.cursor == before and reader.selection == (before, start_offset + 1)
        await pilot.press("escape")
        assert reader.selection is None


async def test_y_copies_the_selection() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        _, reader = await start(pilot)
        await pilot.press("y")
        assert any("Nothing selected" in n for n in notes(pilot))
        await select(pilot, reader, CORRUPTION)
        await pilot.press("y")
        assert pilot.app.clipboard == CORRUPTION
        assert any(f"Copied {len(CORRUPTION)} characters" in n for n in notes(pilot))
        assert reader.selection is not None  # copying keeps the selection


# ---------------------------------------------------------------------- selecting with the mouse


async def test_mouse_drag_selects_a_passage_that_h_highlights() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        start_offset = reader.text.index(PARAGRAPH)
        line = reader.line_of(start_offset)
        y = line + reader.header_lines - round(reader.scroll_y)
        x0 = reader.styles.padding.left + reader.text_column
        await pilot.mouse_down(Reader, offset=(x0 + 3, y))  # on "blockchain"
        await pilot.hover(Reader, offset=(x0 + 5, y + 1))  # down to the next visual line
        await pilot.mouse_up(Reader, offset=(x0 + 5, y + 1))
        await wait_until(pilot, lambda: reader.selection is not None)
        low, high = reader.selection
        assert low == start_offset + 3 and high == reader.row(line + 1).start + 6
        assert screen.get_selected_text() == reader.text[low:high]
        annotation = await annotate_with(pilot, screen, "h")
        assert annotation.target.exact == reader.text[low:high] and annotation.color == "yellow"
        assert reader.selection is None  # highlighting drops the selection


async def test_selection_from_compositor_offsets_spans_lines() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        _, reader = await start(pilot)
        start_offset = reader.text.index(PARAGRAPH)
        line = reader.line_of(start_offset)
        reader.selection_updated(Selection(Offset(3, line), Offset(10, line + 2)))
        low, high = reader.selection
        assert (low, high) == (start_offset + 3, reader.row(line + 2).start + 10)
        assert reader.get_selection(Selection(Offset(3, line), Offset(10, line + 2))) == (
            reader.text[low:high],
            "\n",
        )
        reader.selection_updated(Selection(Offset(200, line), Offset(0, line + 1)))  # past a line end
        assert reader.selection == (reader.row(line).end, reader.row(line + 1).start)
        reader.selection_updated(None)
        assert reader.selection is None


@pytest.mark.parametrize("where", ["blank line", "left margin"])
async def test_mouse_drag_from_a_blank_line_or_the_margin(where: str) -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        _, reader = await start(pilot)
        start_offset = reader.text.index(PARAGRAPH)
        line = reader.line_of(start_offset)
        y = line + reader.header_lines - round(reader.scroll_y)
        x0 = reader.styles.padding.left + GUTTER
        down = (x0 + 4, y - 1) if where == "blank line" else (reader.styles.padding.left, y)
        await pilot.mouse_down(Reader, offset=down)
        await pilot.hover(Reader, offset=(x0 + 5, y + 1))
        await pilot.mouse_up(Reader, offset=(x0 + 5, y + 1))
        await wait_until(pilot, lambda: reader.selection is not None)
        low, _ = reader.selection
        assert start_offset - 1 <= low <= start_offset  # from the blank line, or the line's start


# ---------------------------------------------------------------------- highlighting and the dialog


async def test_h_highlights_in_the_current_colour_and_1_to_5_change_it() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await pilot.press("h")
        assert any("Select a passage first" in n for n in notes(pilot)) and not saved(screen)
        first = await highlight(pilot, screen, reader, FIRST)
        assert first.color == "yellow" and first.note == "" and first.tags == ()
        assert (first.start, first.end) == find(reader.text, FIRST)
        await pilot.press("3")
        assert screen.annotating.color == "blue" and any("Highlight colour: blue" in n for n in notes(pilot))
        second = await highlight(pilot, screen, reader, SECOND)
        assert second.color == "blue"
        await pilot.press("5")
        third = await highlight(pilot, screen, reader, CORRUPTION)
        assert third.color == "orange"
        reader.go_to(0)  # the cursor away, so nothing else styles the passages
        await pilot.pause()
        assert drawn_color(reader, first.start) == drawn_color(reader, first.end - 1) == "yellow"
        assert drawn_color(reader, second.start + 3) == "blue"
        assert drawn_color(reader, third.end - 1) == "orange"
        assert drawn_color(reader, first.end) is None and drawn_color(reader, second.end) is None
        assert "▍" not in line_text(reader, first.start)  # plain highlights have no margin bar


async def test_a_opens_the_dialog_with_note_tags_completion_and_colour() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await select(pilot, reader, SECOND)
        await pilot.press("t")  # tags only: no note, no colour
        tags_dialog = await dialog(pilot)
        assert not tags_dialog.query(TextArea) and not tags_dialog.query(Select)
        assert tags_dialog.focused is tags_dialog.query_one("#dialog-tags", Input)
        before = {a.id for a in saved(screen)}
        await pilot.press(*"tax, Trade", "enter")  # enter in the tags field saves
        await closed(pilot)
        await wait_until(pilot, lambda: len(saved(screen)) == 1)
        tagged = saved(screen)[0]
        assert tagged.id not in before and tagged.tags == ("tax", "Trade") and tagged.note == ""
        assert tagged.color == "yellow" and tagged.target.exact == SECOND

        await select(pilot, reader, CORRUPTION)
        await pilot.press("a")
        form = await dialog(pilot)
        quote = str(form.query_one("#dialog-quote").render())
        assert CORRUPTION in quote
        assert form.focused is form.query_one("#dialog-note", TextArea)
        await pilot.press(*"One", "enter", *"two")
        await pilot.press("tab")
        tags = form.query_one("#dialog-tags", Input)
        assert form.focused is tags
        await pilot.press("t", "a")
        await wait_until(pilot, lambda: tags._suggestion == "tax")  # completion from the tags in use
        await pilot.press("right")
        await pilot.press(*", t")
        await wait_until(pilot, lambda: tags._suggestion == "tax, Trade")  # case-insensitive
        await pilot.press("right", *", new")
        assert tags.value == "tax, Trade, new"
        await pilot.press("tab")
        color = form.query_one("#dialog-color", Select)
        assert form.focused is color and color.value == "yellow"
        await pilot.press("enter")  # open the colour menu
        await wait_until(pilot, lambda: color.expanded)
        await pilot.press("down", "down", "enter")
        await wait_until(pilot, lambda: color.value == "blue")
        await pilot.press("ctrl+s")
        await closed(pilot)
        await wait_until(pilot, lambda: len(saved(screen)) == 2)
        made = next(a for a in saved(screen) if a.target.exact == CORRUPTION)
        assert made.note == "One\ntwo"
        assert made.tags == ("tax", "Trade", "new") and made.color == "blue"
        assert reader.selection is None
        assert screen.known_tags() == ["new", "tax", "Trade"]


async def test_escape_in_the_dialog_saves_nothing() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await select(pilot, reader, CORRUPTION)
        await pilot.press("a")
        await dialog(pilot)
        await pilot.press(*"no", "tab", *"t")
        await pilot.press("escape")
        await closed(pilot)
        await select(pilot, reader, SECOND)
        await pilot.press("t")
        await dialog(pilot)
        await pilot.press(*"n", "escape")
        await closed(pilot)
        await settle(pilot)
        screen.annotating.wait_for_saves()  # nothing queued behind it either
        await pilot.pause()
        assert saved(screen) == ()
        assert not annotation_file(Path(screen.document.path)).exists()
        assert screen.annotating.undo_stack == []


# ---------------------------------------------------------------------- changing an annotation


async def test_e_edits_in_a_prefilled_dialog_and_u_undoes_the_edit() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await select(pilot, reader, CORRUPTION)
        await pilot.press("a")
        await dialog(pilot)
        await pilot.press(*"old", "tab", *"a", "ctrl+s")
        await closed(pilot)
        await wait_until(pilot, lambda: len(saved(screen)) == 1)
        original = saved(screen)[0]
        assert reader.annotation_under_cursor == original  # the cursor ends inside the new annotation

        await pilot.press("e")
        form = await dialog(pilot)
        note = form.query_one("#dialog-note", TextArea)
        tags = form.query_one("#dialog-tags", Input)
        color = form.query_one("#dialog-color", Select)
        assert (note.text, tags.value, color.value) == ("old", "a", "yellow")
        assert CORRUPTION in str(form.query_one("#dialog-quote").render())
        note.select_all()
        await pilot.press(*"new", "tab", "ctrl+u", *"b, c", "ctrl+s")
        await closed(pilot)
        await wait_until(pilot, lambda: saved(screen)[0].note == "new")
        edited = saved(screen)[0]
        assert edited.id == original.id and len(saved(screen)) == 1
        assert edited.tags == ("b", "c") and edited.target == original.target
        assert edited.created == original.created

        await pilot.press("u")
        await wait_until(pilot, lambda: saved(screen)[0].note == "old")
        assert saved(screen)[0] == original


async def test_d_deletes_and_u_undoes_the_delete_then_the_add() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        made = await highlight(pilot, screen, reader, CORRUPTION)
        reader.go_to(0)
        await pilot.press("d")
        assert any("not in an annotation" in n for n in notes(pilot))
        reader.go_to(made.start + 5)
        await pilot.press("d")
        await wait_until(pilot, lambda: saved(screen) == ())
        assert reader.annotations == () and reader.annotation_under_cursor is None
        await pilot.press("u")  # undo the delete: the same annotation comes back
        await wait_until(pilot, lambda: saved(screen) == (made,))
        assert reader.annotations == (made,) and reader.annotation_under_cursor == made
        await pilot.press("u")  # undo the add
        await wait_until(pilot, lambda: saved(screen) == ())
        await pilot.press("u")
        assert any("Nothing to undo" in n for n in notes(pilot))


async def test_c_cycles_the_colour_of_the_annotation_under_the_cursor() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        made = await highlight(pilot, screen, reader, CORRUPTION)
        reader.go_to(made.start)
        seen = []
        for _ in COLORS:
            before = saved(screen)[0].color
            await pilot.press("c")
            await wait_until(pilot, lambda b=before: saved(screen)[0].color != b)
            seen.append(saved(screen)[0].color)
        assert seen == [*COLORS[1:], COLORS[0]]
        assert saved(screen)[0].id == made.id
        await pilot.press("u")  # undo the last colour change
        await wait_until(pilot, lambda: saved(screen)[0].color == COLORS[-1])


async def test_overlapping_annotations_are_both_stored_and_drawn() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        outer = await highlight(pilot, screen, reader, "an increasing number of countries")
        await pilot.press("4")
        inner = await highlight(pilot, screen, reader, "number of countries are shifting")
        assert {a.id for a in saved(screen)} == {outer.id, inner.id}
        assert len(reader.annotations) == 2
        reader.go_to(0)
        await pilot.pause()
        assert drawn_color(reader, outer.start) == "yellow"  # only the first
        assert drawn_color(reader, inner.start) == "pink"  # both: the later one is on top
        assert drawn_color(reader, inner.end - 1) == "pink"  # only the second
        assert inner.end - inner.start < outer.end - outer.start
        assert reader.annotation_at(inner.start) == inner  # the shorter one is under the cursor there
        stored = yaml.safe_load(annotation_file(Path(screen.document.path)).read_text())
        assert len(stored["annotations"]) == 2


async def test_a_nested_annotation_starting_with_its_parent_is_drawn() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await highlight(pilot, screen, reader, CORRUPTION)
        await pilot.press("2")
        inner = await highlight(pilot, screen, reader, "One reason")
        assert reader.annotation_at(inner.start) == inner  # the innermost is "the" annotation here
        reader.go_to(0)
        await pilot.pause()
        assert drawn_color(reader, inner.start) == "green"


async def test_status_line_and_margin_show_the_note_under_the_cursor() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        plain = await highlight(pilot, screen, reader, FIRST)
        await select(pilot, reader, CORRUPTION)
        await pilot.press("a")
        await fill_and_save(pilot, "Less\ngraft", "g, l")
        await wait_until(pilot, lambda: len(saved(screen)) == 2)
        noted = next(a for a in saved(screen) if a.note)
        status = screen.query_one("#status-note")
        reader.go_to(noted.start + 2)
        await wait_until(pilot, lambda: "✎ Less graft" in str(status.render()))
        assert "#g  #l" in str(status.render())
        reader.go_to(plain.start)
        await wait_until(pilot, lambda: str(status.render()).strip() == "yellow")
        reader.go_to(0)
        await wait_until(pilot, lambda: str(status.render()).strip() == "")
        assert line_text(reader, noted.start).startswith("▍")  # a note puts a bar in the margin
        assert not line_text(reader, plain.start).startswith("▍")
        reader.go_to(noted.end - 1)
        await wait_until(pilot, lambda: "Less graft" in str(status.render()))
        await pilot.press("A")  # the panel opens on the annotation under the cursor
        assert screen.query_one(AnnotationPanel).highlighted_annotation == noted


# ---------------------------------------------------------------------- the panel and moving between annotations


def panel_text(panel: AnnotationPanel) -> list[str]:
    return [str(panel.get_option_at_index(i).prompt) for i in range(panel.option_count)]


async def test_panel_lists_annotations_in_order_enter_jumps_and_brackets_move() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        panel = screen.query_one(AnnotationPanel)
        assert not panel.display
        last = await highlight(pilot, screen, reader, CORRUPTION)  # made first, placed last
        await select(pilot, reader, FIRST)
        await pilot.press("a")
        await fill_and_save(pilot, "opening", "intro")
        await wait_until(pilot, lambda: len(saved(screen)) == 2)
        await pilot.press("2")
        middle = await highlight(pilot, screen, reader, SECOND)
        first = next(a for a in saved(screen) if a.target.exact == FIRST)

        await pilot.press("A")
        assert panel.display and screen.focused is panel
        assert [a.id for a in panel.items] == [first.id, middle.id, last.id]
        entries = panel_text(panel)
        assert f"“{FIRST}”" in entries[0] and "opening" in entries[0] and "#intro" in entries[0]
        assert "yellow" in entries[0] and "ORPHANED" not in entries[0]
        assert f"“{SECOND}”" in entries[1] and "green" in entries[1]
        assert "“One reason for this shift" in entries[2]
        await pilot.press("end", "up", "enter")  # the middle one
        assert screen.focused is reader and reader.cursor == middle.start
        assert reader.annotation_under_cursor == middle
        await pilot.press("A")
        assert not panel.display and screen.focused is reader
        await pilot.press("A")
        assert panel.highlighted_annotation == middle  # the panel follows the cursor
        await pilot.press("A")
        assert not panel.display

        reader.go_to(0)  # ] and [ in the reader: next and previous annotation, wrapping around
        await pilot.press("right_square_bracket")
        assert reader.cursor == first.start
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert reader.cursor == last.start and reader.annotation_under_cursor == last
        await pilot.press("right_square_bracket")
        assert reader.cursor == first.start
        await pilot.press("left_square_bracket")
        assert reader.cursor == last.start
        await pilot.press("left_square_bracket")
        assert reader.cursor == middle.start and reader.annotation_under_cursor == middle


async def test_the_document_list_shows_the_annotation_count() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        listed = screen.query_one(DocumentList)

        def count(doc_id: str) -> int:
            return next(r.annotations for r in listed.rows if r.id == doc_id)

        assert count(CHINA) == 0
        await highlight(pilot, screen, reader, FIRST)
        await wait_until(pilot, lambda: count(CHINA) == 1)
        made = await highlight(pilot, screen, reader, SECOND)
        await wait_until(pilot, lambda: count(CHINA) == 2)
        assert count(BELT) == 0
        reader.go_to(made.start)
        await pilot.press("d")
        await wait_until(pilot, lambda: count(CHINA) == 1)
        await wait_until(pilot, lambda: not screen.indexing)  # after the re-index, a re-count from disk
        assert count(CHINA) == 1 and screen.corpus.counts[CHINA] == 1


async def test_the_annotation_count_is_visible_in_the_list() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        listed = screen.query_one(DocumentList)
        await highlight(pilot, screen, reader, FIRST)
        await highlight(pilot, screen, reader, SECOND)
        await wait_until(pilot, lambda: any(r.id == CHINA and r.annotations == 2 for r in listed.rows))
        row = [r.id for r in listed.rows].index(CHINA)
        meta = "".join(s.text for s in listed.render_line(row * listed.row_height + 1))
        assert "✎ 2" in meta


# ---------------------------------------------------------------------- across runs


async def test_annotations_persist_across_restarts() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await highlight(pilot, screen, reader, FIRST)
        await select(pilot, reader, CORRUPTION)
        await pilot.press("a")
        await fill_and_save(pilot, "kept\nlater", "keep")
        await wait_until(pilot, lambda: len(saved(screen)) == 2)
        before = saved(screen)
        path = Path(screen.document.path)
        await pilot.press("q")
    file = annotation_file(path)
    assert file.exists() and file.parent == Paths.from_environment().data / "annotations"
    stored = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert stored["document"]["id"] == CHINA
    assert [a["target"]["exact"] for a in stored["annotations"]] == [FIRST, CORRUPTION]
    assert stored["annotations"][1]["note"] == "kept\nlater" and stored["annotations"][1]["tags"] == ["keep"]

    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await wait_until(pilot, lambda: any(r.id == CHINA and r.annotations == 2 for r in listed.rows))
        screen, reader = await open_doc(pilot)
        assert saved(screen) == before
        assert [a.id for a in reader.annotations] == [a.id for a in before]
        assert screen.known_tags() == ["keep"]
        assert [a.id for a in screen.query_one(AnnotationPanel).items] == [a.id for a in before]


async def test_a_quote_moved_by_an_edit_is_found_again(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        made = await highlight(pilot, screen, reader, CORRUPTION)
    source = corpus / CHINA
    source.write_text(
        source.read_text().replace("19 Jan. 2020\n", "19 Jan. 2020\n\nA paragraph added above.\n"),
        encoding="utf-8",
    )
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        moved = saved(screen)[0]
        assert moved.id == made.id and moved.anchor == "moved"
        assert moved.start == made.start + len("\nA paragraph added above.\n")
        assert reader.text[moved.start : moved.end] == CORRUPTION
        reader.go_to(0)
        await pilot.pause()
        assert drawn_color(reader, moved.start) == drawn_color(reader, moved.end - 1) == "yellow"
        assert drawn_color(reader, moved.start - 1) is None
        await pilot.press("A")
        assert "moved" in panel_text(screen.query_one(AnnotationPanel))[0]


async def test_a_deleted_quote_is_orphaned_listed_and_reattached(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        kept = await highlight(pilot, screen, reader, FIRST)
        lost = await highlight(pilot, screen, reader, CORRUPTION)
    source = corpus / CHINA
    source.write_text(source.read_text().replace(CORRUPTION, ""), encoding="utf-8")
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        assert {a.id: a.anchor for a in saved(screen)} == {kept.id: "anchored", lost.id: "orphaned"}
        assert [a.id for a in reader.annotations] == [kept.id]  # an orphan is not drawn
        panel = screen.query_one(AnnotationPanel)
        await pilot.press("A")
        assert [a.id for a in panel.items] == [kept.id, lost.id]  # orphans last
        assert "ORPHANED" in panel_text(panel)[1] and CORRUPTION[:40] in panel_text(panel)[1]
        await pilot.press("end", "enter")
        assert any("lost its passage" in n for n in notes(pilot))
        replacement = "By creating a decentralized ledger"
        new_start, new_end = await select(pilot, reader, replacement)
        panel.focus()
        await pilot.press("end", "r")
        await wait_until(
            pilot, lambda: saved(screen)[-1].anchor == "anchored" and len(reader.annotations) == 2
        )
        attached = next(a for a in saved(screen) if a.id == lost.id)
        assert (attached.start, attached.end) == (new_start, new_end)
        assert attached.target.exact == replacement and attached.note == lost.note
        assert reader.selection is None
        assert "ORPHANED" not in "".join(panel_text(panel))
        stored = yaml.safe_load(annotation_file(source).read_text(encoding="utf-8"))
        assert {a["anchor"] for a in stored["annotations"]} == {"anchored"}


async def test_opening_a_changed_document_reports_orphaned_annotations(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await highlight(pilot, screen, reader, FIRST)
        await highlight(pilot, screen, reader, CORRUPTION)
    source = corpus / CHINA
    source.write_text(source.read_text().replace(CORRUPTION, ""), encoding="utf-8")
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await wait_until(pilot, lambda: screen.corpus.counts.get(CHINA) == 2)  # the listing ran
        screen, reader = await open_doc(pilot)
        assert any(a.anchor == "orphaned" for a in saved(screen))
        assert any("orphaned" in n for n in notes(pilot))


# ---------------------------------------------------------------------- search, tag filter, damage


async def annotate_passage(
    pilot: Pilot[Any], screen: MainScreen, reader: Reader, quote: str, note: str, tags: str
) -> Annotation:
    await select(pilot, reader, quote)
    await pilot.press("a")
    await fill_and_save(pilot, note, tags)
    await wait_until(pilot, lambda: any(a.target.exact == quote for a in saved(screen)))
    return next(a for a in saved(screen) if a.target.exact == quote)


async def test_notes_and_annotation_tags_are_searchable_after_reindexing() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await annotate_passage(pilot, screen, reader, CORRUPTION, "a quux", "zed")
        await wait_until(pilot, lambda: not screen.indexing)  # the indexer re-ran for the note
        listed = screen.query_one(DocumentList)
        await pilot.press("slash", *"note:quux")
        await wait_until(pilot, lambda: screen.active_query == "note:quux")
        # The rows of the query typed so far ("note") may show first: wait for this one's.
        await wait_until(pilot, lambda: [(r.id, r.matched) for r in listed.rows] == [(CHINA, "note")])
        await wait_until(pilot, lambda: bool(listed.snippets))
        snippet = "".join(s.text for s in listed.render_line(2))
        assert snippet.startswith("  note: a quux") and "hit" not in "".join(
            s.text for s in listed.render_line(1)
        )
        await pilot.press("escape")  # clears the query: browsing again
        await wait_until(pilot, lambda: not listed.snippets and len(listed.rows) == 2)
        await pilot.press(*"tag:zed")  # still in the search bar
        await wait_until(pilot, lambda: screen.active_query == "tag:zed")
        await wait_until(pilot, lambda: [r.id for r in listed.rows] == [CHINA] and listed.snippets)


async def test_palette_filters_the_list_by_annotation_tag_and_escape_clears_it() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await annotate_passage(pilot, screen, reader, CORRUPTION, "", "keeper")
        listed = screen.query_one(DocumentList)
        await wait_until(pilot, lambda: screen.known_tags() == ["keeper"])
        await pilot.press("ctrl+p", *"keeper")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CommandPalette")
        palette = pilot.app.screen
        commands = palette.query_one(CommandList)
        await wait_until(
            pilot,
            lambda: (
                commands.option_count > 0
                and "Documents tagged #keeper" in str(commands.get_option_at_index(0).prompt)
            ),
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.tag_filter == "keeper")
        assert [r.id for r in listed.rows] == [CHINA]
        assert "tagged #keeper" in str(screen.query_one("#search-message").render())
        screen.query_one(Reader).focus()
        await pilot.press("escape")  # no selection: escape leaves the reader and drops the filter
        assert screen.tag_filter is None and screen.focused is listed
        assert [r.id for r in listed.rows] == [BELT, CHINA]
        assert str(screen.query_one("#search-message").render()) == ""
        screen.filter_by_tag("nobody-uses-this")
        assert listed.rows == []
        await pilot.press("escape")
        assert len(listed.rows) == 2


async def test_a_damaged_annotation_file_is_reported_kept_aside_and_the_app_works() -> None:
    source = bundled_seeds() / CHINA
    file = annotation_file(source)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("version: 1\ndocument: [this is : not {valid\n", encoding="utf-8")
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        await wait_until(pilot, lambda: any("is damaged" in n for n in notes(pilot)))
        assert any(file.name in n and ".corrupt-" in n for n in notes(pilot))
        kept = list(file.parent.glob(f"{file.name}.corrupt-*"))
        assert len(kept) == 1 and "not {valid" in kept[0].read_text(encoding="utf-8")
        assert saved(screen) == ()
        made = await highlight(pilot, screen, reader, FIRST)
        assert saved(screen) == (made,)
        assert yaml.safe_load(file.read_text(encoding="utf-8"))["annotations"][0]["id"] == made.id
        assert pilot.app.is_running


# ---------------------------------------------------------------------- what a selection means


KNOWN = "China is known as one of the countries"
GOAL = "The goal of the project is to develop a public blockchain infrastructure platform"
REGULATIONS = f"{GOAL} that complies with Chinese regulations."


async def test_selections_by_words_and_sentences_annotate_exactly_the_words() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot, BELT)
        reader.go_to(reader.text.index(KNOWN))
        await pilot.press("v", "w", "w")
        assert reader.text[slice(*reader.selection)] == "China is k"  # as in vim: on the next word
        await pilot.press("y")
        assert pilot.app.clipboard == "China is"  # what it means
        made = await annotate_with(pilot, screen, "h")
        assert made.target.exact == "China is"

        reader.go_to(reader.text.index(GOAL))
        await pilot.press("v", "right_parenthesis")
        assert reader.text[slice(*reader.selection)] == REGULATIONS + " I"
        await pilot.press("a")
        form = await dialog(pilot)
        assert f"“{REGULATIONS}”" in str(form.query_one("#dialog-quote").render())
        await pilot.press("ctrl+s")
        await closed(pilot)
        await wait_until(pilot, lambda: len(saved(screen)) == 2)
        assert {a.target.exact for a in saved(screen)} == {"China is", REGULATIONS}


async def test_e_selects_to_the_end_of_a_word_and_still_edits_when_not_selecting() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot, BELT)
        start_offset = reader.text.index(KNOWN)
        reader.go_to(start_offset)
        await pilot.press("v", "e", "e", "e")
        assert reader.text[slice(*reader.selection)] == "China is known"
        made = await annotate_with(pilot, screen, "h")
        assert made.target.exact == "China is known"
        reader.go_to(start_offset + 2)  # in the annotation, not selecting: e edits it
        await wait_until(pilot, lambda: reader.annotation_under_cursor == made)
        await pilot.press("e")
        form = await dialog(pilot)
        assert "Edit" in str(form.query_one("#dialog-title").render())
        await pilot.press("escape")
        await closed(pilot)


async def test_a_selection_of_blanks_is_not_annotated() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        gap = reader.text.index("\nIn addition")  # a line break inside a paragraph: drawn as a space
        reader.go_to(gap)
        assert reader.cursor == gap
        await pilot.press("v", "h")
        assert any("only blanks" in n for n in notes(pilot)) and saved(screen) == ()


# ---------------------------------------------------------------------- the panel: r, d, u, ends


async def panel_on(pilot: Pilot[Any], screen: MainScreen, annotation: Annotation) -> AnnotationPanel:
    panel = screen.query_one(AnnotationPanel)
    if not panel.display:
        await pilot.press("A")
    panel.focus()
    await pilot.press("home", *["down"] * [a.id for a in panel.items].index(annotation.id))
    assert panel.highlighted_annotation == annotation
    return panel


async def test_r_asks_before_moving_an_annotation_that_still_has_its_passage() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        made = await highlight(pilot, screen, reader, FIRST)
        new_start, new_end = await select(pilot, reader, SECOND)
        await panel_on(pilot, screen, made)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
        question = str(pilot.app.screen.query_one("#confirm-question").render())
        assert FIRST in question and SECOND in question
        await pilot.press("n")
        await closed(pilot)
        await settle(pilot)
        assert saved(screen)[0].target.exact == FIRST and reader.selection == (new_start, new_end)

        screen.query_one(AnnotationPanel).focus()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
        await pilot.press("y")
        await closed(pilot)
        await wait_until(pilot, lambda: saved(screen)[0].target.exact == SECOND)
        assert (saved(screen)[0].start, saved(screen)[0].end) == (new_start, new_end)
        await pilot.press("u")
        await wait_until(pilot, lambda: saved(screen)[0].target.exact == FIRST)


async def test_d_in_the_panel_deletes_the_highlighted_annotation_and_u_undoes_it() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        first = await highlight(pilot, screen, reader, FIRST)
        second = await highlight(pilot, screen, reader, SECOND)
        reader.go_to(0)  # the reader's cursor in no annotation: the panel's d is the panel's
        panel = await panel_on(pilot, screen, second)
        await pilot.press("d")
        await wait_until(pilot, lambda: [a.id for a in saved(screen)] == [first.id])
        assert any("deleted" in n for n in notes(pilot))
        assert panel.highlighted_annotation == first and screen.focused is panel
        await pilot.press("u")
        await wait_until(pilot, lambda: {a.id for a in saved(screen)} == {first.id, second.id})
        stored = yaml.safe_load(annotation_file(Path(screen.document.path)).read_text(encoding="utf-8"))
        assert len(stored["annotations"]) == 2


async def test_up_and_down_in_the_panel_stop_at_the_ends() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await start(pilot)
        made = [await highlight(pilot, screen, reader, quote) for quote in (FIRST, SECOND, CORRUPTION)]
        panel = await panel_on(pilot, screen, made[0])
        await pilot.press("up", "k")
        assert panel.highlighted_annotation == made[0]  # no wrap to the last
        await pilot.press("down", "j")
        assert panel.highlighted_annotation == made[2]
        await pilot.press("down", "j")
        assert panel.highlighted_annotation == made[2]  # no wrap to the first


async def test_a_corpus_with_nothing_annotated_is_counted_without_opening_the_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui.ui.controllers.annotations import AnnotationController

    heard: list[int] = []
    listed = AnnotationController.listed
    monkeypatch.setattr(
        AnnotationController, "listed", lambda self, m: (heard.append(len(m.sets)), listed(self, m))
    )
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await wait_until(pilot, lambda: bool(heard))
        assert heard == [0] * len(heard) and screen.annotating._store is None
        assert screen.corpus.counts == {}
