"""Pilot tests of the annotation browser (``B``): every annotation of the corpus listed, the
filter (words, tag: color: status:), sorting by header click and by ``s``, opening a passage,
renaming and merging tags across the corpus, the per-tag and per-colour charts, going back, and
the palette's CSV export. Annotations are made with the real store API on a copy of the seeds."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Select, Static
from textual.widgets._toast import Toast

from tests.seeds import BELT, CHINA, GARDEN, GARDEN_TEXT
from tests.ui.helpers import SIZE, app_for, main_screen, palette_choice, ready, settle, wait_until
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.paths import Paths
from tui.core.sanitize import visible_line
from tui.ui.screens.browser import (
    CELL_PADDING,
    CHARTS_MIN_WIDTH,
    COLUMNS,
    SCROLLBAR,
    AnnotationBrowser,
    column_widths,
)
from tui.ui.screens.export import ExportDialog, write_export
from tui.ui.screens.main import MainScreen
from tui.ui.screens.rename import RenameTagDialog
from tui.ui.widgets.reader import Reader

BY_DOCUMENT = ["exception", "corruption", "conflux", "wu", "tomatoes", "soil"]
"""The rows sorted by document title (China < Chinese < Garden), then by position."""


# ---------------------------------------------------------------------- fixture and helpers


def read(corpus: Path, doc_id: str) -> Document:
    path = (corpus / doc_id).resolve()
    stat = path.stat()
    doc = read_document(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    return doc


def annotate(corpus: Path, doc_id: str, quote: str, **fields: Any) -> Annotation:
    """Annotate the first occurrence of ``quote`` through the store, as the app does."""
    doc = read(corpus, doc_id)
    start = doc.text.index(quote)
    annotation = Annotation.create(doc.text, start, start + len(quote), sha256=doc.sha256, **fields)
    store = AnnotationStore.under(Paths.from_environment().data)
    store.save(reference(doc.id, doc.path, doc.sha256, doc.title), annotation)
    return annotation


@pytest.fixture
def made(corpus: Path) -> dict[str, Annotation]:
    """Six annotations in three documents, four tags, five colours, one orphaned."""
    (corpus / "notes").mkdir()
    (corpus / GARDEN).write_text(GARDEN_TEXT, encoding="utf-8")
    annotations = {
        "corruption": annotate(
            corpus, CHINA, "reduce corruption", tags=["graft", "policy"], note="key claim"
        ),
        "exception": annotate(corpus, CHINA, "China is no exception", tags=["policy"], color="green"),
        "conflux": annotate(
            corpus, BELT, "Conflux Network", tags=["crypto"], color="blue", note="the company"
        ),
        "wu": annotate(corpus, BELT, "Wu Blockchain", color="pink"),
        "tomatoes": annotate(corpus, GARDEN, "Tomatoes need sun", tags=["garden", "policy"]),
        "soil": annotate(
            corpus,
            GARDEN,
            "The soil was dry in August",
            tags=["garden"],
            color="orange",
            note="check the hose",
        ),
    }
    # the soil passage is cut from the text: that annotation is orphaned when the corpus is read
    (corpus / GARDEN).write_text(GARDEN_TEXT.replace("\nThe soil was dry in August.\n", ""), encoding="utf-8")
    return annotations


async def open_browser(pilot: Pilot[Any], count: int = 6) -> AnnotationBrowser:
    """Wait for the reading room, press B and wait until the browser lists ``count`` annotations."""
    await ready(pilot)
    await pilot.press("B")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotationBrowser))
    browser = pilot.app.screen
    assert isinstance(browser, AnnotationBrowser)
    await wait_until(pilot, lambda: len(browser.records) == count)
    await pilot.pause()
    return browser


def table(browser: AnnotationBrowser) -> DataTable[Any]:
    return browser.query_one("#browser-table", DataTable)


def row_ids(browser: AnnotationBrowser, made: dict[str, Annotation]) -> list[str]:
    """The table's rows, top to bottom, by the fixture's names for them."""
    names = {a.id: name for name, a in made.items()}
    return [names[str(row.key.value)] for row in table(browser).ordered_rows]


def title(browser: AnnotationBrowser) -> str:
    return str(browser.query_one("#browser-title", Label).render())


def chart(browser: AnnotationBrowser) -> str:
    return str(browser.query_one("#browser-chart", Static).render())


def chart_counts(text: str, section: str) -> dict[str, int]:
    """``{name: count}`` from one section of the chart ("Per tag" or "Per colour")."""
    body = text.split(section + "\n", 1)[1].split("\n\n", 1)[0]
    found = {}
    for line in body.splitlines():
        match = re.match(r"\s+(\S.*?)\s+[█▌▏]+\s+([\d,]+)$", line)
        assert match, line
        found[match.group(1)] = int(match.group(2).replace(",", ""))
    return found


async def set_filter(pilot: Pilot[Any], browser: AnnotationBrowser, text: str) -> None:
    """Type a filter (``/``, clear, the text) and wait until the table shows its result."""
    await pilot.press("slash")
    field = browser.query_one("#browser-filter", Input)
    await wait_until(pilot, lambda: field.has_focus)
    await pilot.press("end", "ctrl+u", *text)
    await wait_until(pilot, lambda: field.value == text)
    await pilot.pause()


def stored() -> dict[str, Annotation]:
    """Every annotation in the annotation files, by id (read afresh from disk)."""
    store = AnnotationStore.under(Paths.from_environment().data)
    return {a.id: a for found in store.summaries() for a in found.annotations}


# ---------------------------------------------------------------------- listing, charts, filter


async def test_b_lists_every_annotation_of_the_corpus_with_charts(
    made: dict[str, Annotation], corpus: Path
) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)
        assert table(browser).row_count == 6
        assert row_ids(browser, made) == BY_DOCUMENT
        assert title(browser) == "Annotations · 6 of 6 · sorted by document ↑"
        assert {r.doc_id for r in browser.records} == {CHINA, BELT, GARDEN}
        statuses = {r.annotation.id: r.annotation.anchor for r in browser.records}
        assert statuses[made["soil"].id] == "orphaned"
        assert sum(s == "orphaned" for s in statuses.values()) == 1
        grid = table(browser)
        keys = [str(c.key.value) for c in grid.ordered_columns]
        cells = dict(zip(keys, map(str, grid.get_row(made["conflux"].id)), strict=True))
        assert cells == {
            **cells,
            "quote": "Conflux Network",
            "note": "the company",
            "tags": "crypto",
            "colour": "██ blue",
            "status": "anchored",
        }
        assert cells["document"].startswith("Chinese gov")  # cut to its share of 120 columns
        assert cells["modified"] == made["conflux"].modified[:10]  # 120 columns: the date alone

        text = chart(browser)
        assert chart_counts(text, "Per tag") == {"policy": 3, "garden": 2, "graft": 1, "crypto": 1}
        assert chart_counts(text, "Per colour") == {
            "yellow": 2,
            "green": 1,
            "blue": 1,
            "pink": 1,
            "orange": 1,
        }

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        assert pilot.app.screen is main_screen(pilot)


async def test_filter_by_words_tag_colour_and_status(made: dict[str, Annotation], corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)
        expected = {
            "conflux": ["conflux"],  # a word of the quote, any case
            "hose": ["soil"],  # a word of the note
            "garden": ["tomatoes", "soil"],  # a word of the title (and a tag)
            "Belt": ["conflux", "wu"],  # B, s and r typed in the filter are text, not keys
            "tag:policy": ["exception", "corruption", "tomatoes"],
            "tag:POLICY tag:graft": ["corruption"],  # tokens combine; tag names match in any case
            "color:green": ["exception"],
            "colour:yellow": ["corruption", "tomatoes"],
            "status:orphaned": ["soil"],
            "status:anchored tag:garden": ["tomatoes"],
            "tag:nothing-like-this": [],
        }
        for query, rows in expected.items():
            await set_filter(pilot, browser, query)
            await wait_until(pilot, lambda rows=rows: row_ids(browser, made) == rows)
            assert table(browser).row_count == len(rows)
            assert title(browser) == f"Annotations · {len(rows)} of 6 · sorted by document ↑", query
        await set_filter(pilot, browser, "tag:policy")
        await wait_until(pilot, lambda: table(browser).row_count == 3)
        assert chart_counts(chart(browser), "Per tag") == {"policy": 3, "graft": 1, "garden": 1}
        await set_filter(pilot, browser, "")
        await wait_until(pilot, lambda: table(browser).row_count == 6)
        assert "6 of 6" in title(browser)


# ---------------------------------------------------------------------- columns fit the width

LONG = {"quote": 300, "note": 60, "tags": 40, "colour": 9, "status": 8, "document": 80, "modified": 16}
"""A corpus with long values in every column."""


def used(widths: dict[str, int]) -> int:
    """Cells the table needs across for ``widths``: content, padding, the scrollbar."""
    return sum(widths.values()) + 2 * CELL_PADDING * len(COLUMNS) + SCROLLBAR


@pytest.mark.parametrize("width", [80, 88, 100, 120, 168, 200, 300])
def test_column_widths_fill_the_width_exactly(width: int) -> None:
    widths = column_widths(width, LONG)
    assert list(widths) == list(COLUMNS)
    assert used(widths) == width
    assert widths["document"] >= 10 and widths["quote"] >= 12


def test_the_quote_takes_what_is_left_and_grows_with_the_terminal() -> None:
    quotes = [column_widths(width, LONG)["quote"] for width in (80, 120, 168, 200, 300)]
    assert quotes == sorted(quotes) and len(set(quotes)) == len(quotes)
    assert column_widths(200, LONG)["quote"] >= 60  # not ~30 at any width
    short = {**LONG, "document": 12, "note": 4, "tags": 6}
    widths = column_widths(200, short)
    assert (widths["document"], widths["note"], widths["tags"]) == (12, 4, 6)  # no more than they hold
    assert used(widths) == 200  # the quote has the rest
    assert column_widths(200, short)["quote"] > column_widths(200, LONG)["quote"]


def test_dates_lose_the_time_before_the_quote_loses_room() -> None:
    assert column_widths(120, LONG)["modified"] == 10
    assert column_widths(200, LONG)["modified"] == 16


def column_spans(browser: AnnotationBrowser) -> dict[str, tuple[int, int]]:
    """Where each column starts and ends across the table, in cells."""
    grid, x, spans = table(browser), 0, {}
    for key, column in grid.columns.items():
        width = column.get_render_width(grid)
        spans[str(key.value)] = (x, x + width)
        x += width
    return spans


def header_line(pilot: Pilot[Any]) -> str:
    """The screen's line with the table's headers."""
    lines = [strip.text for strip in pilot.app.screen._compositor.render_strips()]
    return next(line for line in lines if "Quote" in line and "Note" in line)


async def assert_columns_fit(pilot: Pilot[Any], browser: AnnotationBrowser, width: int) -> dict[str, int]:
    """Every column inside the table's width, no horizontal scrolling, every header on screen."""
    await wait_until(pilot, lambda: browser.size.width == width)
    grid = table(browser)
    await wait_until(pilot, lambda: column_spans(browser)["modified"][1] <= grid.size.width)
    assert grid.max_scroll_x == 0
    assert not grid.show_horizontal_scrollbar
    line = header_line(pilot)
    for name in ("Quote", "Note", "Tags", "Colour", "Status", "Document", "Modified"):
        assert name in line, (name, line)
    charts = browser.query_one("#browser-charts")
    assert charts.display == (width >= CHARTS_MIN_WIDTH)
    return {key: end - start for key, (start, end) in column_spans(browser).items()}


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_columns_fit_the_terminal_and_the_document_is_visible(
    made: dict[str, Annotation], corpus: Path, width: int
) -> None:
    async with app_for([corpus]).run_test(size=(width, 36)) as pilot:
        browser = await open_browser(pilot)
        spans = await assert_columns_fit(pilot, browser, width)
        title = str(table(browser).get_row(made["conflux"].id)[5])
        assert title.startswith("Chinese")  # the document column shows the title
        if width >= 120:
            assert str(table(browser).get_row(made["conflux"].id)[0]) == "Conflux Network"
        if width == 200:
            assert spans["quote"] >= 60


async def test_columns_are_fitted_again_when_the_terminal_is_resized(
    made: dict[str, Annotation], corpus: Path
) -> None:
    async with app_for([corpus]).run_test(size=(80, 36)) as pilot:
        browser = await open_browser(pilot)
        narrow = await assert_columns_fit(pilot, browser, 80)
        table(browser).move_cursor(row=3)
        chosen = table(browser).cursor_row
        await pilot.resize_terminal(200, 40)
        wide = await assert_columns_fit(pilot, browser, 200)
        assert wide["quote"] > narrow["quote"] and wide["document"] > narrow["document"]
        assert table(browser).cursor_row == chosen  # the row the user was on stays chosen
        await pilot.resize_terminal(120, 36)
        middle = await assert_columns_fit(pilot, browser, 120)
        assert narrow["quote"] < middle["quote"] < wide["quote"]


# ---------------------------------------------------------------------- sorting


def header_offset(browser: AnnotationBrowser, column: str) -> tuple[int, int]:
    """Where to click (relative to the table) to hit a column's header cell."""
    grid = table(browser)
    x = grid.gutter.left
    for key, col in grid.columns.items():
        if key.value == column:
            return x + 2, grid.gutter.top
        x += col.get_render_width(grid)
    raise AssertionError(f"no column {column}")


async def test_sort_by_header_click_reverses_on_second_click_and_s_cycles(
    made: dict[str, Annotation], corpus: Path
) -> None:
    by_quote = ["exception", "conflux", "corruption", "soil", "tomatoes", "wu"]
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)
        await pilot.click("#browser-table", offset=header_offset(browser, "quote"))
        await wait_until(pilot, lambda: browser.sort_column == "quote")
        assert row_ids(browser, made) == by_quote
        assert title(browser) == "Annotations · 6 of 6 · sorted by quote ↑"
        await pilot.click("#browser-table", offset=header_offset(browser, "quote"))
        await wait_until(pilot, lambda: browser.sort_reverse)
        assert row_ids(browser, made) == by_quote[::-1]
        assert title(browser) == "Annotations · 6 of 6 · sorted by quote ↓"

        await pilot.click("#browser-table", offset=header_offset(browser, "colour"))
        await wait_until(pilot, lambda: browser.sort_column == "colour")
        assert not browser.sort_reverse  # a new column starts ascending
        assert row_ids(browser, made) == ["conflux", "exception", "soil", "wu", "corruption", "tomatoes"]

        table(browser).focus()
        await pilot.press("s")  # colour -> status: the orphan last
        await wait_until(pilot, lambda: browser.sort_column == "status")
        assert row_ids(browser, made) == ["exception", "corruption", "conflux", "wu", "tomatoes", "soil"]
        await pilot.press("s")  # status -> document
        assert browser.sort_column == "document" and row_ids(browser, made) == BY_DOCUMENT
        await pilot.press("s")  # document -> modified
        assert browser.sort_column == "modified" and title(browser).endswith("sorted by modified ↑")
        await pilot.press("s")  # modified -> quote (wrapping around), ascending again
        assert browser.sort_column == "quote" and row_ids(browser, made) == by_quote
        await pilot.press("s")  # quote -> note: empty notes first, ties by document id and position
        assert browser.sort_column == "note"
        assert row_ids(browser, made) == ["exception", "wu", "tomatoes", "soil", "corruption", "conflux"]


# ---------------------------------------------------------------------- opening a passage


async def test_enter_opens_the_document_at_the_annotation(made: dict[str, Annotation], corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)
        screen = main_screen(pilot)
        reader = screen.query_one(Reader)
        table(browser).focus()
        await pilot.press("down", "down")  # the third row: Conflux Network
        assert table(browser).cursor_row == 2
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        start = made["conflux"].start
        await wait_until(pilot, lambda: reader.doc_id == BELT and reader.cursor == start)
        assert reader.text[start : made["conflux"].end] == "Conflux Network"
        assert screen.document is not None and screen.document.id == BELT

        browser = await open_browser(pilot)  # through the filter: Enter in it moves to the table
        await set_filter(pilot, browser, "exception")
        await wait_until(pilot, lambda: table(browser).row_count == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: table(browser).has_focus)
        await pilot.press("enter")
        start = made["exception"].start
        await wait_until(pilot, lambda: reader.doc_id == CHINA and reader.cursor == start)
        assert reader.text[start : made["exception"].end] == "China is no exception"


async def test_enter_on_an_orphan_opens_its_document_within_the_text(
    made: dict[str, Annotation], corpus: Path
) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)
        reader = main_screen(pilot).query_one(Reader)
        await set_filter(pilot, browser, "status:orphaned")
        await wait_until(pilot, lambda: table(browser).row_count == 1)
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: reader.doc_id == GARDEN)
        await pilot.pause()
        # its stored offset lies past the end of the shortened text: the cursor stays inside it
        assert made["soil"].start > len(reader.text) - 1
        assert 0 <= reader.cursor <= len(reader.text)


# ---------------------------------------------------------------------- renaming and merging tags


async def rename(pilot: Pilot[Any], browser: AnnotationBrowser, old: str, new: str) -> None:
    """Show the rows tagged ``old``, press r on the first and rename the tag to ``new``."""
    await set_filter(pilot, browser, f"tag:{old}")
    await wait_until(pilot, lambda: table(browser).row_count > 0)
    await pilot.press("enter")  # to the table
    await wait_until(pilot, lambda: table(browser).has_focus)
    await pilot.press("r")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RenameTagDialog))
    dialog = pilot.app.screen
    assert dialog.query_one("#rename-old", Select).value == old  # the row's first tag is proposed
    field = dialog.query_one("#rename-new", Input)
    assert field.value == old and field.has_focus
    await pilot.press("end", "ctrl+u", *new)
    await wait_until(pilot, lambda: field.value == new)
    await pilot.press("enter")
    await wait_until(pilot, lambda: pilot.app.screen is browser)


async def test_r_renames_a_tag_everywhere_and_onto_an_existing_tag_merges(
    made: dict[str, Annotation], corpus: Path
) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)
        notes = pilot.app._notifications

        await rename(pilot, browser, "graft", "bribery")
        await wait_until(pilot, lambda: any("Renamed #graft to #bribery" in n.message for n in notes))
        assert any(n.message == "Renamed #graft to #bribery on 1 annotation" for n in notes)
        await wait_until(pilot, lambda: row_ids(browser, made) == [])  # nothing is tagged graft now
        on_disk = stored()
        assert on_disk[made["corruption"].id].tags == ("bribery", "policy")
        assert on_disk[made["corruption"].id].modified >= made["corruption"].modified
        assert all("graft" not in a.tags for a in on_disk.values())

        await rename(pilot, browser, "garden", "policy")  # policy exists: the two merge
        await wait_until(pilot, lambda: any("Renamed #garden to #policy" in n.message for n in notes))
        assert any(n.message == "Renamed #garden to #policy on 2 annotations" for n in notes)
        on_disk = stored()
        assert on_disk[made["tomatoes"].id].tags == ("policy",)  # not ("policy", "policy")
        assert on_disk[made["soil"].id].tags == ("policy",)
        assert all("garden" not in a.tags for a in on_disk.values())
        for annotation in on_disk.values():
            assert len(set(annotation.tags)) == len(annotation.tags)
        untouched = ("exception", "conflux", "wu")
        assert all(on_disk[made[n].id] == made[n] for n in untouched)  # not even re-saved
        assert on_disk[made["soil"].id].anchor == "orphaned"  # an orphan is renamed as well

        await rename(pilot, browser, "crypto", "")  # an empty name removes the tag
        await wait_until(pilot, lambda: any("Renamed #crypto" in n.message for n in notes))
        assert any(n.message == "Renamed #crypto to nothing (removed) on 1 annotation" for n in notes)
        assert stored()[made["conflux"].id].tags == ()

        await set_filter(pilot, browser, "")
        await wait_until(pilot, lambda: table(browser).row_count == 6)
        assert chart_counts(chart(browser), "Per tag") == {"policy": 4, "bribery": 1}
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        screen = main_screen(pilot)  # the reading room's tags (completion, palette filter) follow
        await wait_until(pilot, lambda: screen.known_tags() == ["bribery", "policy"])


def centre_offset(widget: Any, size: tuple[int, int]) -> tuple[float, float]:
    """How far the middle of ``widget`` is from the middle of a screen of ``size``."""
    region = widget.region
    return (region.x + region.width / 2 - size[0] / 2, region.y + region.height / 2 - size[1] / 2)


@pytest.mark.parametrize("size", [(80, 30), SIZE, (200, 50)])
async def test_the_rename_dialog_is_centred(
    made: dict[str, Annotation], corpus: Path, size: tuple[int, int]
) -> None:
    async with app_for([corpus]).run_test(size=size) as pilot:
        browser = await open_browser(pilot)
        table(browser).focus()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RenameTagDialog))
        card = pilot.app.screen.query_one("#dialog")
        await wait_until(pilot, lambda: card.region.width > 0)
        dx, dy = centre_offset(card, size)
        assert abs(dx) <= 1 and abs(dy) <= 1, (card.region, size)
        assert card.region.width < size[0]


async def test_filter_by_the_users_name_for_a_colour(made: dict[str, Annotation], corpus: Path) -> None:
    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(yaml.safe_dump({"colors": {"yellow": "urgent", "green": "later"}}))
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)
        assert chart_counts(chart(browser), "Per colour") == {
            "urgent": 2,
            "later": 1,
            "blue": 1,
            "pink": 1,
            "orange": 1,
        }
        cells = [str(c) for c in table(browser).get_row(made["exception"].id)]
        assert "██ later" in cells  # the table shows the user's name for the colour
        await set_filter(pilot, browser, "color:yellow")  # the palette's own name still works
        await wait_until(pilot, lambda: row_ids(browser, made) == ["corruption", "tomatoes"])
        await set_filter(pilot, browser, "color:later")  # and so should the name the table shows
        await pilot.pause()
        assert row_ids(browser, made) == ["exception"]


async def test_browser_of_a_corpus_without_annotations(corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot, count=0)
        await wait_until(pilot, lambda: "0 of 0" in title(browser))
        assert table(browser).row_count == 0
        assert chart(browser).count("(none)") == 2
        await pilot.press("r")
        notes = pilot.app._notifications
        await wait_until(pilot, lambda: any(n.message == "No tags yet" for n in notes))
        assert pilot.app.screen is browser  # no dialog
        await pilot.press("enter")  # no row to open
        await pilot.pause()
        assert pilot.app.screen is browser
        await pilot.press("B")  # B closes it too
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


# ---------------------------------------------------------------------- export from the palette: ask where


def write_config(**settings: Any) -> None:
    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(yaml.safe_dump(settings), encoding="utf-8")


async def open_export(pilot: Pilot[Any], fmt: str) -> ExportDialog:
    """From the reading room, the palette's "Export annotations as ``fmt``": the dialog."""
    await ready(pilot)
    await palette_choice(pilot, f"export annotations as {fmt}", lambda top: top.endswith(f"as {fmt}"))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExportDialog))
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog)
    return dialog


def exports_in(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.is_dir() for p in folder.rglob("lectern-annotations-*")]


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder of the shell that started the app: an export must never land here."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


async def test_export_asks_for_the_folder_and_writes_there(
    made: dict[str, Annotation], corpus: Path, tmp_path: Path, elsewhere: Path
) -> None:
    proposed, chosen = tmp_path / "exports", tmp_path / "chosen" / "new"
    write_config(export_dir=str(proposed))
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        dialog = await open_export(pilot, "csv")
        field = dialog.query_one("#export-folder", Input)
        assert field.value == str(proposed) and field.has_focus  # the settings' folder, shown
        dx, dy = centre_offset(dialog.query_one("#dialog"), SIZE)
        assert abs(dx) <= 1 and abs(dy) <= 1  # a card in the middle, like every dialog
        assert exports_in(proposed, elsewhere, tmp_path) == []  # nothing before the user confirms
        field.value = str(chosen)  # a folder that does not exist yet is created
        await pilot.press("enter")
        notes = pilot.app._notifications
        await wait_until(pilot, lambda: any("Exported" in n.message for n in notes))
        assert isinstance(pilot.app.screen, MainScreen)
        [written] = exports_in(chosen)
        message = next(n.message for n in notes if "Exported" in n.message)
        assert message == f"Exported 6 annotations as csv to {written}"
    assert exports_in(proposed, elsewhere) == []
    with written.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["Highlight"] for r in rows} == {a.target.exact for a in made.values()}
    by_quote = {r["Highlight"]: r for r in rows}
    assert by_quote["reduce corruption"]["Tags"] == "graft,policy"
    assert by_quote["reduce corruption"]["Note"] == "key claim"
    assert by_quote["Conflux Network"]["Document"] == BELT
    in_file = (corpus / BELT).read_text(encoding="utf-8-sig").index("Conflux Network")
    assert by_quote["Conflux Network"]["Start (file)"] == str(in_file)  # offsets into the file
    assert by_quote["The soil was dry in August"]["Color"] == "orange"


async def test_cancelling_the_export_writes_nothing(
    made: dict[str, Annotation], corpus: Path, tmp_path: Path, elsewhere: Path
) -> None:
    home = Path.home()
    before = set(exports_in(home)) if home.is_dir() else set()
    data = Paths.from_environment().data
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        dialog = await open_export(pilot, "json")
        assert dialog.query_one("#export-folder", Input).value == str(home)  # no export_dir: home
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        dialog = await open_export(pilot, "markdown")
        await pilot.click("#export-cancel")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        await settle(pilot)
        assert not any("Exported" in n.message for n in pilot.app._notifications)
    assert exports_in(elsewhere, tmp_path, data) == []
    assert (set(exports_in(home)) if home.is_dir() else set()) == before


async def test_a_folder_that_cannot_be_written_is_said_in_the_dialog(
    made: dict[str, Annotation], corpus: Path, tmp_path: Path, elsewhere: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    write_config(export_dir=str(blocker / "inside"))
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        dialog = await open_export(pilot, "jsonl")
        await pilot.press("enter")
        error = dialog.query_one("#export-error", Label)
        await wait_until(pilot, lambda: str(error.render()).startswith("Cannot write in"))
        assert str(blocker) in str(error.render())
        assert pilot.app.screen is dialog  # still open: the user can type another folder
        field = dialog.query_one("#export-folder", Input)
        await wait_until(pilot, lambda: not field.disabled)
        field.value = str(tmp_path / "good")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    [written] = exports_in(tmp_path / "good")
    assert written.suffix == ".jsonl" and exports_in(elsewhere) == []


def test_write_export_never_replaces_a_file(
    made: dict[str, Annotation], corpus: Path, tmp_path: Path
) -> None:
    from tui.core.library import Library

    library = Library.open(Paths.from_environment(), [corpus])
    events = [event["event"] for event in library.update(False)]  # exports read the index's catalog
    assert events[-1] == "done"
    first = write_export(library, "csv", tmp_path)
    second = write_export(library, "csv", tmp_path)
    assert first.path != second.path and first.count == second.count == 6
    assert first.path.read_text(encoding="utf-8") == second.path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- documents gone, hostile text


def annotation_files() -> dict[str, bytes]:
    folder = Paths.from_environment().data / "annotations"
    return {p.name: p.read_bytes() for p in folder.glob("*.yaml")}


def toasts(pilot: Pilot[Any]) -> list[str]:
    """The text of every notification on screen, as rendered."""
    return [str(toast.render()) for toast in pilot.app.screen.query(Toast)]


async def test_annotations_of_a_vanished_document_stay_listed_and_enter_explains(
    made: dict[str, Annotation], corpus: Path
) -> None:
    (corpus / BELT).unlink()
    belt_file = AnnotationStore.under(Paths.from_environment().data).file_for(corpus.resolve() / BELT).name
    before = annotation_files()[belt_file]
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)  # all six: the two of the vanished document too
        assert row_ids(browser, made) == BY_DOCUMENT
        status = {name: str(table(browser).get_row(made[name].id)[4]) for name in made}
        assert status == {**status, "conflux": "document missing", "wu": "document missing"}
        assert status["corruption"] == "anchored" and status["soil"] == "orphaned"

        await set_filter(pilot, browser, "status:missing")
        await wait_until(pilot, lambda: row_ids(browser, made) == ["conflux", "wu"])
        await set_filter(pilot, browser, "status:anchored")  # gone documents are not "anchored"
        await wait_until(pilot, lambda: "conflux" not in row_ids(browser, made))
        assert set(row_ids(browser, made)) == {"exception", "corruption", "tomatoes"}

        await set_filter(pilot, browser, "conflux")
        await wait_until(pilot, lambda: row_ids(browser, made) == ["conflux"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: table(browser).has_focus)
        await pilot.press("enter")  # cannot open: it explains, and stays
        notes = pilot.app._notifications
        await wait_until(pilot, lambda: any("is gone from" in n.message for n in notes))
        [note] = [n for n in notes if "is gone from" in n.message]
        store = AnnotationStore.under(Paths.from_environment().data)
        assert str(corpus.resolve() / BELT) in note.message
        assert str(store.file_for(corpus.resolve() / BELT)) in note.message
        assert note.markup is False and pilot.app.screen is browser
    assert annotation_files()[belt_file] == before  # listed and explained: never rewritten


async def test_an_unreadable_document_is_marked_unreadable(made: dict[str, Annotation], corpus: Path) -> None:
    (corpus / BELT).write_bytes(b"now a binary file\x00\x01\x02")
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        browser = await open_browser(pilot)
        assert str(table(browser).get_row(made["wu"].id)[4]) == "document unreadable"
        await set_filter(pilot, browser, "status:unreadable")
        await wait_until(pilot, lambda: row_ids(browser, made) == ["conflux", "wu"])


HOSTILE = "[/bold] [@click=app.quit] [red]x \x1b[2J"
"""Markup Textual or Rich would act on (or choke on), and a terminal escape."""


async def test_markup_in_notes_tags_titles_colours_and_file_names_shows_literally(corpus: Path) -> None:
    title = HOSTILE.replace("\x1b", "")
    (corpus / "hostile.md").write_text(
        f'---\ntitle: "{title}"\n---\n\nA plain passage to annotate.\n', encoding="utf-8"
    )
    tags = ["[red]x", "[/]", "[@click=app.quit]"]
    made = annotate(corpus, "hostile.md", "plain passage", note=HOSTILE, tags=tags)
    doc = read(corpus, "hostile.md")
    store = AnnotationStore.under(Paths.from_environment().data)
    store.save(reference(doc.id, doc.path, doc.sha256, doc.title), made.edited(color="[/bold]"))
    async with app_for([corpus]).run_test(size=SIZE, notifications=True) as pilot:  # toasts drawn
        await ready(pilot)
        damaged = store.folder / "[red]x-[@click=app.quit].yaml"  # a name is data too
        damaged.write_bytes(b"[/bold] not: [yaml")
        browser = await open_browser(pilot, count=1)
        cells = [str(c) for c in table(browser).get_row(made.id)]
        whole = ["plain passage", visible_line(HOSTILE), ", ".join(tags), "██ [/bold]", "anchored", title]
        for cell, text in zip(cells, whole, strict=False):  # cut to the column, never read as markup
            assert cell and text.startswith(cell.removesuffix("…")), (cell, text)
        assert cells[0] == "plain passage" and cells[3] == "██ [/bold]"
        assert "\x1b" not in "".join(cells)
        text = chart(browser)
        assert chart_counts(text, "Per tag") == {"[red]x": 1, "[/]": 1, "[@click=app.qu": 1}
        assert chart_counts(text, "Per colour") == {"[/bold]": 1}
        await wait_until(pilot, lambda: any(f"{damaged.name} is damaged" in t for t in toasts(pilot)))
        browser.post_message(AnnotationBrowser.Renamed("[/bold]", "[@click=app.quit]", 1))
        await wait_until(pilot, lambda: any(t.startswith("Renamed #[/bold]") for t in toasts(pilot)))
        assert "Renamed #[/bold] to #[@click=app.quit] on 1 annotation" in toasts(pilot)
        assert all(n.markup is False for n in pilot.app._notifications)
        assert pilot.app.is_running and pilot.app.screen is browser
