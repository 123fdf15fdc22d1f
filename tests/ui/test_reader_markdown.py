"""Pilot tests of the reader as a Markdown reading room: rendering with markers hidden (and ``m`` for
the source), the measure, the outline (``o``), find in the document (``ctrl+f``, ``n``/``N``),
``0``/``$`` on rows on screen, context below a hit, and hits and highlights on the right cells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.style import Style
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList

from tests.ui.helpers import SIZE, app_for, open_highlighted, ready, wait_until
from tui.core.annotations import Annotation
from tui.ui.screens.find import FindDialog
from tui.ui.screens.outline import OutlineScreen
from tui.ui.widgets.reader import Reader
from tui.ui.widgets.status_bar import StatusBar

DOC = (
    """---
title: Field notes
---

# Field notes

Intro with **bold words** and a [link](http://example.org/page) here.

## Birds

- the *wren* sings
- the robin, whose song is long enough to wrap onto a second row of the reader at this width, waits

## Trees

> A quoted beech.

```
code *stays* as written
```

### Oaks

Oak and beta and BETA and beta again.

"""
    + "\n\n".join(f"Filler paragraph {n}." for n in range(40))
    + "\n"
)


def corpus(tmp_path: Path, name: str = "notes.md", text: str = DOC) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / name).write_text(text)
    return folder


async def open_doc(pilot: Pilot[Any]) -> Reader:
    await ready(pilot)
    reader = await open_highlighted(pilot)
    reader.focus()
    await pilot.pause()
    return reader


def screen_rows(reader: Reader) -> list[str]:
    """The text rows on screen, without the margin and gutter."""
    top = reader.header_lines - round(reader.scroll_y)
    return [
        "".join(s.text for s in reader.render_line(y))[reader.text_column :].rstrip()
        for y in range(max(top, 0), reader.scrollable_content_region.height)
    ]


def painted(reader: Reader, style: Style) -> list[str]:
    """Runs of text drawn with ``style``'s background, over every row on screen."""
    found: list[str] = []
    for y in range(reader.scrollable_content_region.height):
        run = ""
        for segment in reader.render_line(y):
            if segment.style and segment.style.bgcolor == style.bgcolor:
                run += segment.text
            elif run:
                found.append(run)
                run = ""
        if run:
            found.append(run)
    return found


def status(pilot: Pilot[Any], part: str) -> str:
    return str(pilot.app.screen.query_one(StatusBar).query_one(f"#status-{part}", Label).render())


async def test_markdown_is_rendered_and_m_shows_the_source(tmp_path: Path) -> None:
    async with app_for([corpus(tmp_path)]).run_test(size=SIZE) as pilot:
        reader = await open_doc(pilot)
        rows = screen_rows(reader)
        assert rows[0] == "Field notes" and "Intro with bold words and a link here." in rows
        assert "• the wren sings" in rows and "▎ A quoted beech." in rows
        assert "code *stays* as written" in rows  # code keeps its characters
        assert not any(marker in "".join(rows) for marker in ("**", "](", "## ", "> "))
        reader.go_to(reader.text.index("bold"))
        await pilot.press("m")
        assert reader.source_view
        rows = screen_rows(reader)
        assert "# Field notes" in rows and any("**bold words**" in row for row in rows)
        assert reader.cursor == reader.text.index("bold")  # the cursor stays on its character
        await pilot.press("m")
        assert not reader.source_view and screen_rows(reader)[0] == "Field notes"


async def test_plain_text_stays_plain(tmp_path: Path) -> None:
    async with app_for([corpus(tmp_path, "notes.txt", "# not a heading\n**not bold**\n")]).run_test(
        size=SIZE
    ) as pilot:
        reader = await open_doc(pilot)
        assert screen_rows(reader)[:2] == ["# not a heading", "**not bold**"]
        await pilot.press("m")
        assert not reader.source_view


async def test_the_text_keeps_a_readable_measure_centred_at_200_columns(tmp_path: Path) -> None:
    long = "word " * 400
    async with app_for([corpus(tmp_path, text=f"# Wide\n\n{long}\n")]).run_test(size=(200, 40)) as pilot:
        reader = await open_doc(pilot)
        available = reader.scrollable_content_region.width
        assert available > 120 and reader.layout_width == 88
        assert reader.text_column == (available - 2 - 88) // 2 + 2  # centred (a gutter of 2 before it)
        assert max(len(row) for row in screen_rows(reader)) <= 88
        reader.measure = 60
        await pilot.pause()
        assert reader.layout_width == 60 and max(len(row) for row in screen_rows(reader)) <= 60


async def test_o_lists_the_headings_and_jumps_to_one(tmp_path: Path) -> None:
    async with app_for([corpus(tmp_path)]).run_test(size=SIZE) as pilot:
        reader = await open_doc(pilot)
        await wait_until(pilot, lambda: status(pilot, "section") == "§ Field notes")
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OutlineScreen))
        outline = pilot.app.screen
        listed = outline.query_one(OptionList)
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert prompts == ["Field notes", "  Birds", "  Trees", "    Oaks"]
        await pilot.press(*"oak", "enter")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, OutlineScreen))
        assert reader.cursor == reader.text.index("Oaks") and reader.moved
        assert screen_rows(reader)[0] == "Oaks"  # the heading on top
        await wait_until(pilot, lambda: status(pilot, "section") == "§ Oaks")
        await pilot.press("o", "escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, OutlineScreen))
        assert reader.cursor == reader.text.index("Oaks")


async def test_ctrl_f_finds_text_and_regex_and_n_moves_between_matches(tmp_path: Path) -> None:
    async with app_for([corpus(tmp_path)]).run_test(size=SIZE) as pilot:
        reader = await open_doc(pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, FindDialog))
        await pilot.press(*"beta")
        dialog = pilot.app.screen
        await wait_until(pilot, lambda: "3 matches" in str(dialog.query_one("#find-status", Label).render()))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen.query_one(Reader), Reader))
        await wait_until(pilot, lambda: reader.marks.query == "beta" and status(pilot, "hit") == "match 1/3")
        text = reader.text
        starts = [i for i in range(len(text)) if text[i : i + 4].lower() == "beta"]
        assert reader.cursor == starts[0]
        hit = reader.get_component_rich_style("reader--hit")
        current = reader.get_component_rich_style("reader--current-hit")
        assert painted(reader, hit) == ["BETA", "beta"]
        assert painted(reader, current) == ["eta"]  # and the "b" under the cursor, drawn reversed
        await pilot.press("n")
        await wait_until(pilot, lambda: status(pilot, "hit") == "match 2/3")
        assert reader.cursor == starts[1]
        await pilot.press("n", "n")
        assert reader.cursor == starts[0]  # wraps around
        await pilot.press("N")
        assert reader.cursor == starts[2]
        await pilot.press("escape")  # drops the find
        await wait_until(pilot, lambda: status(pilot, "hit") == "")
        assert reader.marks.query == ""
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, FindDialog))
        box = pilot.app.screen.query_one(Input)
        box.value = "/b[aeiou]ta/"
        await pilot.press("enter")
        await wait_until(pilot, lambda: reader.marks.query == "/b[aeiou]ta/")
        assert len(reader.marks.matches) == 3  # no capital letter: case is ignored (BETA is one)
        reader.find("/BE.A/")
        await wait_until(pilot, lambda: status(pilot, "hit") == "match 1/1")
        assert reader.marks.matches == [(starts[1], starts[1] + 4)]


async def test_a_bad_regex_is_explained_and_nothing_crashes(tmp_path: Path) -> None:
    async with app_for([corpus(tmp_path)]).run_test(size=SIZE) as pilot:
        reader = await open_doc(pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, FindDialog))
        await pilot.press(*"/(oak/", "enter")
        dialog = pilot.app.screen
        assert isinstance(dialog, FindDialog)  # still open: enter does not take a bad pattern
        message = str(dialog.query_one("#find-status", Label).render())
        assert message.startswith("bad regular expression: missing )")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, FindDialog))
        assert reader.marks.query == "" and pilot.app.is_running
        reader.find("/[/")  # straight to the reader: a notice, no crash
        assert reader.marks.query == ""


async def test_zero_and_dollar_follow_the_row_on_screen(tmp_path: Path) -> None:
    async with app_for([corpus(tmp_path)]).run_test(size=SIZE) as pilot:
        reader = await open_doc(pilot)
        text = reader.text
        robin = text.index("robin")
        first = reader.line_of(robin)
        second = reader.row(first + 1)
        assert second.has_stops and second.start > robin  # the item wraps onto a second row
        reader.go_to(second.start + 4)
        await pilot.press("0")
        assert reader.cursor == second.start and text[second.start - 1] == " "  # not the line's start
        await pilot.press("dollar_sign")
        assert reader.cursor == second.last_stop
        assert reader.line_of(reader.cursor) == first + 1
        reader.go_to(robin)
        await pilot.press("dollar_sign")
        assert reader.cursor == reader.row(first).last_stop < second.start


async def test_n_leaves_the_lines_below_a_hit_in_view(tmp_path: Path) -> None:
    paragraphs = [f"Paragraph {n}: " + "a quiet line of reading " * 8 for n in range(80)]
    paragraphs[12] += " needle"
    paragraphs[40] += " needle"
    paragraphs[70] += " needle"
    async with app_for([corpus(tmp_path, text="# Long\n\n" + "\n\n".join(paragraphs) + "\n")]).run_test(
        size=SIZE
    ) as pilot:
        reader = await open_doc(pilot)
        reader.find("needle")
        await pilot.pause()
        height = reader.scrollable_content_region.height
        for _ in range(3):
            line = reader.line_of(reader.cursor) + reader.header_lines
            assert line - round(reader.scroll_y) == height // 3  # a third from the top: context below
            await pilot.press("n")


async def test_hits_and_highlights_land_on_their_characters_with_markers_hidden(tmp_path: Path) -> None:
    async with app_for([corpus(tmp_path)]).run_test(size=SIZE) as pilot:
        reader = await open_doc(pilot)
        text = reader.text
        bold = text.index("bold words")
        reader.set_hits([(bold, bold + 4), (text.index("link"), text.index("link") + 4)], jump=False)
        start = text.index("**bold")
        end = text.index(" and a [")
        note = Annotation.create(text, start, end, sha256="", color="green")
        reader.set_annotations([note])
        await pilot.pause()
        hit = reader.get_component_rich_style("reader--hit")
        green = reader.get_component_rich_style("reader--green")
        assert painted(reader, hit) == ["bold", "link"]
        assert painted(reader, green) == [" words"]  # "bold" is drawn as a hit over the highlight
        reader.set_hits([], jump=False)
        await pilot.pause()
        assert painted(reader, green) == ["bold words"]  # the stars are not drawn, so not painted
        reader.go_to(start)  # on a hidden marker: the cursor goes to the first letter drawn
        assert reader.cursor == bold


async def test_the_measure_comes_from_the_settings(tmp_path: Path) -> None:
    import yaml

    from tui.core.paths import Paths
    from tui.core.settings import Settings

    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(yaml.safe_dump({"measure": 64}))
    async with app_for([corpus(tmp_path, text="# Wide\n\n" + "word " * 300 + "\n")]).run_test(
        size=(200, 40)
    ) as pilot:
        reader = await open_doc(pilot)
        assert reader.measure == 64 and reader.layout_width == 64
    paths.config_file.write_text(yaml.safe_dump({"measure": "wide"}))
    settings = Settings.load(paths.config_file)
    assert settings.measure == 88 and settings.problem and "'measure'" in settings.problem


async def test_a_pdf_is_read_as_rendered_pages_with_an_outline(tmp_path: Path) -> None:
    """A converted document is Markdown: its page markers are headings, in the outline."""
    from tests.core.formats.builders import pdf_bytes

    folder = tmp_path / "books"
    folder.mkdir()
    pages = [["Quarterly harbour report", "The keeper counts ships."], ["The fog signal is tested weekly."]]
    (folder / "report.pdf").write_bytes(pdf_bytes(pages, {"Title": "Harbour Report", "Author": "Ana Lima"}))
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        reader = await open_doc(pilot)
        await wait_until(pilot, lambda: "Page 2" in screen_rows(reader))
        assert not any(row.startswith("#") for row in screen_rows(reader))  # markers hidden
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OutlineScreen))
        options = pilot.app.screen.query_one(OptionList)
        titles = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert titles[:2] == ["Page 1", "Page 2"]
