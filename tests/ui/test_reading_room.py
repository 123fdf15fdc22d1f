"""Pilot tests of the reading room: search, open, n/N, resize, positions, literal text,
big documents, sorting, help, palette, keymap, theme, mouse and start-up options."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.seeds import BELT, CHINA
from tests.ui.helpers import (
    SIZE,
    app_for,
    main_screen,
    open_highlighted,
    palette_choice,
    ready,
    search,
    wait_until,
)
from tui.core.paths import Paths
from tui.ui.text.cells import wrap
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader


async def test_library_lists_the_seeds_newest_first() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert [r.id for r in screen.query_one(DocumentList).rows] == [BELT, CHINA]
        assert "2 documents · index ready" in str(screen.query_one("#status-corpus").render())


async def test_search_as_you_type_shows_results_with_snippets() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "corruption")
        listed = screen.query_one(DocumentList)
        assert [r.id for r in listed.rows] == [CHINA]
        row = listed.rows[0]
        assert row.hits > 0 and all(row.snippet[s:e].lower() == "corruption" for s, e in row.marks)
        assert "1 result" in str(screen.query_one("#search-message").render())
        await pilot.press("escape", "escape")  # the first clears the query, the second leaves the box
        assert screen.focused is listed


async def test_enter_in_search_opens_the_top_result_and_clearing_restores_browsing() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "conflux")
        await pilot.press("enter")
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == BELT and screen.focused is reader)
        await pilot.press("slash", *["backspace"] * len("conflux"))
        listed = screen.query_one(DocumentList)
        await wait_until(pilot, lambda: not listed.snippets and len(listed.rows) == 2)


async def test_bad_query_is_explained_in_the_bar() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "NOT china")
        note = screen.query_one("#search-message")
        assert "-error" in note.classes and "exclude" in str(note.render())


async def test_did_you_mean() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "corruptoin")
        assert "did you mean: corruption" in str(screen.query_one("#search-message").render())


async def test_open_from_results_lands_on_first_hit_and_n_cycles() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "conflux")
        reader = await open_highlighted(pilot)
        assert reader.doc_id == BELT and reader.has_focus
        assert reader.hits and reader.current_hit == 0 and reader.cursor == reader.hits[0][0]
        assert reader.text[reader.cursor : reader.cursor + 7].lower() == "conflux"
        total = len(reader.hits)
        status = screen.query_one("#status-hit")
        assert str(status.render()) == f"hit 1/{total}"
        await pilot.press("n", "n")
        assert reader.current_hit == 2 and str(status.render()) == f"hit 3/{total}"
        await pilot.press("N")
        assert reader.current_hit == 1 and reader.cursor == reader.hits[1][0]
        await pilot.press("N", "N")
        assert reader.current_hit == total - 1  # wraps around


def long_document(folder: Path) -> Path:
    folder.mkdir()
    paragraphs = [f"Paragraph {n}: " + "reading is a quiet craft " * 30 for n in range(400)]
    path = folder / "long.md"
    path.write_text("# Long\n\n" + "\n\n".join(paragraphs) + "\n")
    return path


async def test_resize_keeps_the_reading_position(tmp_path: Path) -> None:
    long_document(tmp_path / "long")
    async with app_for([tmp_path / "long"]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_highlighted(pilot)
        for _ in range(20):
            await pilot.press("space")
        before = reader.top_offset
        assert before > 10_000
        await pilot.resize_terminal(80, 30)
        await wait_until(pilot, lambda: reader.layout_width < 70)
        await pilot.pause()
        line = reader.line_of(before)
        assert reader.top_offset == reader.row(line).start <= before
        assert before - reader.top_offset < 80


async def test_reopening_restores_the_position(tmp_path: Path) -> None:
    long_document(tmp_path / "long")
    async with app_for([tmp_path / "long"]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_highlighted(pilot)
        for _ in range(5):
            await pilot.press("space")
        saved = (reader.top_offset, reader.cursor)
        await pilot.press("q")
    assert saved[0] > 0
    async with app_for([tmp_path / "long"]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_highlighted(pilot)
        # The row holding the saved top is on top (the reader may be a little wider or narrower).
        await wait_until(pilot, lambda: reader.top_offset == reader.row(reader.line_of(saved[0])).start)
        assert reader.top_offset <= saved[0] and reader.cursor == saved[1]


async def test_document_text_is_shown_literally_and_escapes_are_neutralised(tmp_path: Path) -> None:
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "evil.md").write_text(
        "# Markup\n\n[bold red]not bold[/] and [@click=app.quit]click[/] and [link=http://x]l[/link]\n"
        "escape \x1b[31mred\x1b[0m and \x1b]0;title\x07 and \x9b2J end\n"
    )
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_highlighted(pilot)
        lines = [
            "".join(seg.text for seg in reader.render_line(y))
            for y in range(reader.header_lines, reader.header_lines + 6)
        ]
        shown = "\n".join(lines)
        assert "[bold red]not bold[/]" in shown and "[@click=app.quit]click[/]" in shown
        assert "[link=http://x]l[/link]" in shown
        assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
        assert "␛[31mred␛[0m" in shown and "␇" in shown
        await pilot.click(
            Reader, offset=(5, reader.header_lines + 2)
        )  # clicking the fake [@click] does nothing
        assert pilot.app.is_running


async def test_big_document_renders_only_visible_lines(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    line = "The quick brown fox jumps over the lazy dog near the riverbank at dawn. "
    (folder / "big.md").write_text((line * 12 + "\n\n") * 6000)  # about 5.3 MB
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        reader = await open_highlighted(pilot)
        total_lines = reader.line_count
        assert len(reader.text) > 5_000_000 and total_lines > 50_000
        await pilot.press("space", "space")
        await pilot.pause()
        assert 0 < reader.lines_rendered < 300
        assert reader.top_offset > 0


async def test_sort_cycles_date_and_title() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await pilot.press("s")
        assert screen.sort == "title" and [r.id for r in listed.rows] == [CHINA, BELT]
        await pilot.press("s")
        assert screen.sort == "date" and [r.id for r in listed.rows] == [BELT, CHINA]


async def test_help_lists_every_binding() -> None:
    async with app_for().run_test(size=(140, 70)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")
        await pilot.pause()
        text = pilot.app.export_screenshot()
        body = pilot.app.screen.query_one("#help-body")
        while body.scroll_y < body.max_scroll_y:  # the table is longer than the screen: page by page
            body.scroll_to(y=body.scroll_y + body.size.height - 1, animate=False, immediate=True)
            await pilot.pause()
            text += pilot.app.export_screenshot()
        text = text.replace("&#160;", " ")
        for binding_id in (
            "reader.next_hit",
            "reader.word_end",
            "main.search",
            "main.open_result",
            "list.open",
            "app.quit",
            "panel.delete",
            "confirm.yes",
        ):
            assert binding_id in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "MainScreen")


async def test_command_palette_opens_a_document_by_title() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await palette_choice(pilot, "open belt", lambda top: top.startswith("open:") and "belt" in top)
        await pilot.press("enter")
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == BELT)


async def test_keymap_in_config_remaps_a_binding() -> None:
    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(yaml.safe_dump({"keymap": {"reader.next_hit": "x"}}))
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        await search(pilot, "blockchain")
        reader = await open_highlighted(pilot)
        await pilot.press("x")
        assert reader.current_hit == 1


async def test_theme_is_remembered() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        pilot.app.theme = "textual-light"
        config = Paths.from_environment().config_file
        await wait_until(pilot, lambda: config.exists() and "textual-light" in config.read_text())
    assert yaml.safe_load(Paths.from_environment().config_file.read_text())["theme"] == "textual-light"
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert pilot.app.theme == "textual-light"


async def test_broken_config_is_set_aside_and_reported() -> None:
    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("theme: [unclosed\n")
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert any("unreadable" in n.message for n in pilot.app._notifications)
    assert list(paths.config.glob("config.yaml.corrupt-*"))


async def test_mouse_click_opens_a_document_and_places_the_cursor() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.click(DocumentList, offset=(5, 2))  # second row: the older seed
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == CHINA)
        await pilot.click(Reader, offset=(10, reader.header_lines + 2))
        assert reader.cursor > 0 and reader.line_of(reader.cursor) == 2


async def test_a_single_file_opens_straight_in_the_reader(corpus: Path) -> None:
    async with app_for([corpus / CHINA]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = screen.query_one(Reader)
        await wait_until(pilot, lambda: reader.doc_id == CHINA)
        assert main_screen(pilot).entries.keys() == {CHINA}


def test_wrap_counts_wide_characters_as_two_cells() -> None:
    starts, ends = wrap("区块链技术的发展很快", 8)
    assert [(s, e) for s, e in zip(starts, ends, strict=True)] == [(0, 4), (4, 8), (8, 10)]
    starts, ends = wrap("alpha beta gamma", 11)
    assert list(zip(starts, ends, strict=True)) == [(0, 10), (11, 16)]


def test_first_listing_of_a_new_corpus_reads_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.core.documents as documents_module
    from tui.core.library import Library
    from tui.ui.controllers.listing import discover_entries

    (tmp_path / "a-first_note.md").write_text("---\ntitle: Real title\n---\nbody\n")

    def no_reading(*_: object) -> None:
        raise AssertionError("the first listing must not read documents")

    monkeypatch.setattr(documents_module, "read_document", no_reading)  # discovery lists, never reads
    entries = discover_entries(Library.open(Paths.from_environment(), [tmp_path]))
    assert [(e.id, e.title, e.words) for e in entries] == [("a-first_note.md", "a first note", 0)]


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.sampled_from("ab Z_-.é区 "), min_size=1, max_size=12).filter(lambda s: s.strip(". ")),
    st.sampled_from([".md", ".MD", ".txt", ".epub", ".tar.md"]),
    st.integers(-(10**18), 10**19),
)
def test_a_placeholder_titles_a_file_by_its_name_without_making_a_path(
    stem: str, suffix: str, mtime_ns: int
) -> None:
    """What the list shows before a file is indexed: its name's stem, ``_`` and ``-`` read as
    spaces (as ``Path.stem`` gives it), its modification day, and no ``Path`` made (100,000 of
    them left the app some 40 MB larger)."""
    from tui.core.discovery import _found
    from tui.ui.controllers.listing import placeholder

    name = stem + suffix
    source = _found(f"sub/{name}", f"/corpus/sub/{name}", 3, mtime_ns)
    entry = placeholder(source)
    expected = " ".join(Path(name).stem.replace("_", " ").replace("-", " ").split()) or name
    assert (entry.id, entry.path, entry.title, entry.words, entry.indexed) == (
        f"sub/{name}",
        f"/corpus/sub/{name}",
        expected,
        0,
        False,
    )
    assert source._path is None  # no Path was made for it
    again = placeholder(_found("other.md", "/corpus/other.md", 1, mtime_ns))
    assert again.date is entry.date  # one copy of each day, however many files share it


async def test_a_new_corpus_lists_placeholders_then_real_titles(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"doc-{n}.md").write_text(
            f"---\ntitle: Title {n}\ndate: 2020-01-0{n + 1}\n---\nText {n}.\n"
        )
    async with app_for([tmp_path]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        await wait_until(
            pilot, lambda: sorted(r.title for r in listed.rows) == ["Title 0", "Title 1", "Title 2"]
        )
        assert all(r.words for r in listed.rows)


async def test_tabs_keep_their_columns_and_each_is_one_code_point(tmp_path: Path) -> None:
    from textual.geometry import Offset
    from textual.selection import Selection

    folder = tmp_path / "tabs"
    folder.mkdir()
    # Plain text keeps its lines (a Markdown paragraph would flow them into one).
    (folder / "code.txt").write_text("Tabs\n\nid\tname\tsize\n42\tzed\t7\n\tindented\tpadding\n")
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        reader = await open_highlighted(pilot)
        text = reader.text
        first = reader.line_of(text.index("id\t"))

        def drawn_line(line: int) -> str:
            y = line + reader.header_lines - round(reader.scroll_y)
            return "".join(s.text for s in reader.render_line(y))[reader.text_column :]

        rows = [drawn_line(first + k) for k in range(3)]
        assert rows[0].startswith("id      name    size")
        assert rows[1].startswith("42      zed     7")
        assert rows[2].startswith("        indented        padding")
        assert "\t" not in "".join(rows)

        tab = text.index("\tname")
        x0 = reader.styles.padding.left + reader.text_column
        y = first + reader.header_lines - round(reader.scroll_y)
        for cell in (2, 5, 7):  # any cell of the tab's six
            await pilot.click(Reader, offset=(x0 + cell, y))
            assert reader.cursor == tab
        await pilot.click(Reader, offset=(x0 + 8, y))
        assert reader.cursor == tab + 1  # "name"
        reader.go_to(tab)
        await pilot.pause()
        cursor = reader.get_component_rich_style("reader--cursor")
        segments = list(reader.render_line(y))
        reversed_cells = "".join(s.text for s in segments if s.style and s.style.reverse == cursor.reverse)
        assert reversed_cells == " " * 6  # the cursor covers all of the tab

        await pilot.press("j")  # down a line, same cell column: "42\tzed": the tab there
        assert reader.cursor == text.index("\tzed")
        await pilot.press("j")
        assert reader.cursor == text.index("\tindented")  # cell 2 of a line that starts with a tab

        line = first + 1
        reader.selection_updated(Selection(Offset(3, line), Offset(8, line)))  # over "42"'s tab spaces
        assert reader.selection == (text.index("\tzed"), text.index("zed"))
        reader.set_hits([(text.index("zed"), text.index("zed") + 3)], jump=False)
        await pilot.pause()
        hit = reader.get_component_rich_style("reader--hit").bgcolor
        row = list(reader.render_line(line + reader.header_lines - round(reader.scroll_y)))
        painted, cells = [], 0
        for segment in row:
            if segment.style and segment.style.bgcolor == hit:
                painted.append((cells - reader.text_column, segment.text))
            cells += segment.cell_length
        assert painted == [(8, "zed")]
        assert screen.document is not None and reader.text == screen.document.text  # tabs kept, one each
