"""Pilot tests of the agreement screen (``ctrl+g``, the palette, the browser): the figures of a pair
of annotators, their disagreements, opening one in the reader with both spans and who made which,
the review into the gold set (written at once, idempotent, read back when the screen opens again);
and the browser's annotator column and filter. Annotations are made with the real store API on a
copy of the seeds, by two annotators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label

from tests.seeds import BELT, CHINA
from tests.ui.helpers import SIZE, app_for, main_screen, ready, wait_until
from tui.core.agreement import GOLD, token_spans
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.paths import Paths
from tui.core.review import gold_id
from tui.ui.screens.agreement import AgreementScreen
from tui.ui.screens.browser import AnnotationBrowser
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.reader import Reader


def read(corpus: Path, doc_id: str) -> Document:
    path = (corpus / doc_id).resolve()
    stat = path.stat()
    doc = read_document(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    return doc


def annotate(corpus: Path, doc_id: str, quote: str, label: str, by: str, color: str) -> Annotation:
    doc = read(corpus, doc_id)
    start = doc.text.index(quote)
    made = Annotation.create(
        doc.text, start, start + len(quote), sha256=doc.sha256, tags=[label], annotator=by, color=color
    )
    store().save(reference(doc.id, doc.path, doc.sha256, doc.title), made)
    return made


def store() -> AnnotationStore:
    return AnnotationStore.under(Paths.from_environment().data)


@pytest.fixture
def made(corpus: Path) -> dict[str, Annotation]:
    """ada (yellow) and bob (green) on CHINA: one agreed span, a boundary, a label and a missing
    disagreement; ada alone on BELT (skipped)."""
    return {
        "ada-government": annotate(corpus, CHINA, "Chinese government", "ORG", "ada", "yellow"),
        "ada-exception": annotate(corpus, CHINA, "China is no exception", "CLAIM", "ada", "yellow"),
        "ada-corruption": annotate(corpus, CHINA, "reduce corruption", "GOAL", "ada", "yellow"),
        "bob-government": annotate(corpus, CHINA, "the Chinese government", "ORG", "bob", "green"),
        "bob-exception": annotate(corpus, CHINA, "China is no exception", "CLAIM", "bob", "green"),
        "bob-corruption": annotate(corpus, CHINA, "reduce corruption", "POLICY", "bob", "green"),
        "bob-bribes": annotate(corpus, CHINA, "accept bribes", "GOAL", "bob", "green"),
        "ada-conflux": annotate(corpus, BELT, "Conflux Network", "ORG", "ada", "yellow"),
    }


async def open_agreement(pilot: Pilot[Any]) -> AgreementScreen:
    await ready(pilot)
    await pilot.press("ctrl+g")
    return await agreement_shown(pilot)


async def agreement_shown(pilot: Pilot[Any]) -> AgreementScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AgreementScreen))
    screen = pilot.app.screen
    assert isinstance(screen, AgreementScreen)
    await wait_until(pilot, lambda: screen.report is not None and disagreements(screen).row_count > 0)
    await pilot.pause()
    return screen


def figures(screen: AgreementScreen) -> dict[str, list[str]]:
    table = screen.query_one("#agreement-figures", DataTable)
    return {
        str(row[0]): [str(c) for c in row[1:]]
        for row in (table.get_row_at(i) for i in range(table.row_count))
    }


def disagreements(screen: AgreementScreen) -> DataTable[Any]:
    return screen.query_one("#agreement-disagreements", DataTable)


def rows(screen: AgreementScreen) -> list[list[str]]:
    table = disagreements(screen)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def gold() -> dict[tuple[int, int], tuple[str, ...]]:
    return {
        (a.start, a.end): a.tags
        for found in store().summaries()
        for a in found.annotations
        if a.annotator == GOLD
    }


async def test_ctrl_g_shows_the_figures_and_disagreements(made: dict[str, Annotation], corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        title = str(screen.query_one("#agreement-title", Label).render())
        tokens = len(token_spans(read(corpus, CHINA).text))
        assert title == (
            f"Agreement · ada vs bob · 1 document both annotated ({tokens:,} tokens)"
            " · 1 skipped (annotated by one of them only)"
        )
        found = figures(screen)
        assert list(found) == ["CLAIM", "GOAL", "ORG", "POLICY", "all"]
        # ada 3 spans, bob 4; exact: CLAIM only (P 1/3, R 1/4, F1 2/7); overlap: + ORG (2/3, 2/4, 4/7)
        assert found["all"][:10] == ["3", "4", "1", "0.33", "0.25", "0.29", "2", "0.67", "0.50", "0.57"]
        assert found["CLAIM"][:10] == ["1", "1", "1", "1.00", "1.00", "1.00", "1", "1.00", "1.00", "1.00"]
        assert found["ORG"][2:10] == ["0", "0.00", "0.00", "0.00", "1", "1.00", "1.00", "1.00"]
        assert found["CLAIM"][10] == "1.00"  # the same tokens: kappa 1
        assert [(r[0], r[2]) for r in rows(screen)] == [
            ("boundary", "ORG"),
            ("label", "GOAL/POLICY"),
            ("missing", "GOAL"),
        ]
        assert all(r[1].startswith("China Shifts") and r[1].endswith("…") for r in rows(screen))  # cut to fit
        government = made["ada-government"]
        assert rows(screen)[0][3] == f"{government.start}–{government.end} “Chinese government”"
        assert rows(screen)[2][3] == "—" and rows(screen)[2][4].endswith("“accept bribes”")
        assert [r[5] for r in rows(screen)] == ["·", "·", "·"]  # nothing decided yet
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


async def test_enter_opens_the_disagreement_with_both_spans_and_says_whose(
    made: dict[str, Annotation], corpus: Path
) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        disagreements(screen).focus()
        await pilot.press("enter")  # the boundary disagreement
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        reader = main_screen(pilot).query_one(Reader)
        ada, bob = made["ada-government"], made["bob-government"]
        await wait_until(pilot, lambda: reader.doc_id == CHINA and reader.cursor == bob.start)
        await wait_until(pilot, lambda: {a.id for a in reader.annotations} >= {ada.id, bob.id})
        drawn = {a.id: a for a in reader.annotations}
        assert (drawn[ada.id].color, drawn[bob.id].color) == ("yellow", "green")  # each annotator's own
        notes = [n for n in pilot.app._notifications if n.title == "Disagreement"]
        assert len(notes) == 1
        assert notes[0].message == (
            f"boundary · ada: {ada.start}–{ada.end} “Chinese government” #ORG in yellow · "
            f"bob: {bob.start}–{bob.end} “the Chinese government” #ORG in green"
        )


async def test_review_writes_gold_once_and_reads_it_back(made: dict[str, Annotation], corpus: Path) -> None:
    before = {a.id: a for found in store().summaries() for a in found.annotations}
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        disagreements(screen).focus()
        await pilot.press("1")  # boundary: ada's span
        await pilot.press("equals_sign")  # label: both
        await pilot.press("x")  # missing: neither
        await wait_until(pilot, lambda: [r[5] for r in rows(screen)] == ["1 ada", "= both", "x neither"])
        assert "3 disagreements · 3 decided" in str(screen.query_one("#agreement-heading", Label).render())
        await pilot.press("escape")  # queued decisions are written before the screen goes
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))

        ada, exception = made["ada-government"], made["ada-exception"]
        corruption = made["ada-corruption"]
        expected = {
            (exception.start, exception.end): ("CLAIM",),  # agreed: taken as it is
            (ada.start, ada.end): ("ORG",),
            (corruption.start, corruption.end): ("GOAL", "POLICY"),  # both: one passage, two labels
        }
        await wait_until(pilot, lambda: gold() == expected)
        after = {a.id: a for found in store().summaries() for a in found.annotations}
        assert all(after[i] == a for i, a in before.items())  # the annotators' own, untouched
        assert gold_id(CHINA, ada.start, ada.end) in after

        screen = await open_agreement(pilot)  # decisions read back from the gold set
        assert [r[5] for r in rows(screen)] == ["1 ada", "= both", "·"]
        disagreements(screen).focus()
        await pilot.press("1", "equals_sign")  # the same decisions again: nothing new
        await pilot.press("up", "up", "2")  # a changed mind: bob's span, not ada's
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        bob = made["bob-government"]
        changed = {**expected, (bob.start, bob.end): ("ORG",)}
        del changed[(ada.start, ada.end)]
        await wait_until(pilot, lambda: gold() == changed)
        count = sum(a.annotator == GOLD for found in store().summaries() for a in found.annotations)
        assert count == 3


async def test_the_palette_and_the_browser_open_it(made: dict[str, Annotation], corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p", *"Agreement")
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "CommandPalette")
        commands = pilot.app.screen.query_one(CommandList)
        await wait_until(
            pilot,
            lambda: (
                commands.option_count > 0
                and "Agreement between annotators" in str(commands.get_option_at_index(0).prompt)
            ),
        )
        await pilot.press("enter")
        await agreement_shown(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))

        await pilot.press("B")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotationBrowser))
        browser = pilot.app.screen
        await wait_until(pilot, lambda: len(browser.records) == 8)
        browser.query_one("#browser-table", DataTable).focus()
        await pilot.press("ctrl+g")
        screen = await agreement_shown(pilot)
        disagreements(screen).focus()
        await pilot.press("down", "down", "enter")  # the missing one: straight to the reader
        reader = main_screen(pilot).query_one(Reader)
        bribes = made["bob-bribes"]
        await wait_until(pilot, lambda: reader.doc_id == CHINA and reader.cursor == bribes.start)
        assert isinstance(pilot.app.screen, MainScreen)


async def test_browser_shows_and_filters_by_annotator(made: dict[str, Annotation], corpus: Path) -> None:
    async with app_for([corpus]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("B")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotationBrowser))
        browser = pilot.app.screen
        assert isinstance(browser, AnnotationBrowser)
        await wait_until(pilot, lambda: len(browser.records) == 8)
        table = browser.query_one("#browser-table", DataTable)
        keys = [str(c.key.value) for c in table.ordered_columns]
        assert keys == ["quote", "note", "tags", "annotator", "colour", "status", "document", "modified"]
        cells = dict(zip(keys, map(str, table.get_row(made["bob-bribes"].id)), strict=True))
        assert cells["annotator"] == "bob"
        field = browser.query_one("#browser-filter", Input)
        table.focus()

        def shown() -> set[str]:
            return {r.annotation.annotator for r in browser.shown}

        await pilot.press("a")
        await wait_until(pilot, lambda: field.value == "annotator:ada" and shown() == {"ada"})
        assert table.row_count == 4
        await pilot.press("a")
        await wait_until(pilot, lambda: field.value == "annotator:bob" and shown() == {"bob"})
        await pilot.press("a")
        await wait_until(pilot, lambda: field.value == "" and shown() == {"ada", "bob"})
        field.value = "tag:ORG annotator:ADA"  # tokens combine; names match in any case
        await wait_until(
            pilot,
            lambda: (
                {r.annotation.id for r in browser.shown}
                == {made["ada-government"].id, made["ada-conflux"].id}
            ),
        )
        table.focus()
        await pilot.press("a")  # the next annotator after ada, the rest of the filter kept
        await wait_until(pilot, lambda: field.value == "tag:ORG annotator:bob")
        await wait_until(
            pilot, lambda: [r.annotation.id for r in browser.shown] == [made["bob-government"].id]
        )
