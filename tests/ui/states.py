"""The app's main states, driven through Pilot: shared by the snapshot tests and by
``screenshots/make.py`` so the README shows exactly what the tests check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from tests.seeds import CHINA
from tests.ui.helpers import open_highlighted, ready, search, settle, wait_until


async def library(pilot: Pilot[Any]) -> None:
    await ready(pilot)


async def search_results(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await search(pilot, "blockchain corruption")


async def reader_with_hits(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await search(pilot, "conflux")
    await open_highlighted(pilot)
    await pilot.press("n")


async def searching_while_reading(pilot: Pilot[Any]) -> None:
    """A document open and a new query typed: the results get the room, the reader a strip."""
    await ready(pilot)
    await open_highlighted(pilot)
    await search(pilot, "corruption")


async def list_hidden(pilot: Pilot[Any]) -> None:
    """Reading with the list hidden (``\\``): the reader has the whole width."""
    await reader_with_hits(pilot)
    await pilot.press("backslash")
    await settle(pilot)
    await pilot.pause()


async def annotated(pilot: Pilot[Any]) -> None:
    """A document with a note (yellow) and a highlight (green), the panel open."""
    from tui.ui.widgets.reader import Reader

    screen = await ready(pilot)
    await open_highlighted(pilot)
    reader = screen.query_one(Reader)
    start = reader.text.index("On the 1st")
    reader.go_to(start)
    await pilot.press("v", *")" * 1, "left", "left", "a")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "AnnotationDialog")
    await pilot.press(*"The announcement itself.", "tab", *"policy, belt-and-road", "ctrl+s")
    await wait_until(pilot, lambda: len(reader.annotations) == 1)
    reader.go_to(reader.text.index("Conflux Network"))
    await pilot.press("v", "w", "right", "right", "right", "right", "right", "right", "2", "h")
    await wait_until(pilot, lambda: len(reader.annotations) == 2)
    await pilot.press("A")
    reader.focus()
    reader.go_to(start + 5)
    await wait_until(pilot, lambda: reader.annotation_under_cursor is not None)
    await settle(pilot)
    pilot.app.clear_notifications()


async def browser(pilot: Pilot[Any]) -> None:
    """The annotation browser over the annotations of ``annotated``."""
    await annotated(pilot)
    await pilot.press("B")
    await wait_until(pilot, lambda: len(getattr(pilot.app.screen, "records", ())) == 2)


async def outline(pilot: Pilot[Any]) -> None:
    """The outline of a rendered Markdown document (``o``)."""
    await reader_with_hits(pilot)
    await pilot.press("o")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "OutlineScreen")
    await settle(pilot)


async def labelling(pilot: Pilot[Any]) -> None:
    """Labelling mode (``L``) with a label set: two sentences labelled, the next one proposed."""
    from tui.core.labels import LabelSet, save_labels
    from tui.ui.widgets.reader import Reader

    screen = await ready(pilot)
    labels = LabelSet().add("claim", "a").add("evidence", "s", "green").add("method", "d", "blue")
    save_labels(screen.labelling.file.path, labels)
    screen.labelling.load()
    await wait_until(pilot, lambda: len(screen.labelling.labels) == 3)
    await open_highlighted(pilot)
    reader = screen.query_one(Reader)
    await wait_until(pilot, lambda: screen.document is not None)
    await pilot.press("L", *["right_curly_bracket"] * 3, "a", "s")
    await wait_until(pilot, lambda: len(reader.annotations) == 2)
    await settle(pilot)
    pilot.app.clear_notifications()


async def agreement(pilot: Pilot[Any]) -> None:
    """Two annotators' labels on one document compared (``ctrl+g``)."""
    screen = await ready(pilot)
    spans = [
        ("Chinese government", "ORG", "ada"),
        ("the Chinese government", "ORG", "bob"),
        ("China is no exception", "CLAIM", "ada"),
        ("China is no exception", "CLAIM", "bob"),
        ("reduce corruption", "GOAL", "ada"),
        ("reduce corruption", "POLICY", "bob"),
        ("accept bribes", "GOAL", "bob"),
    ]
    for quote, label, by in spans:
        _annotate(screen, CHINA, quote, label, by)
    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "AgreementScreen")
    await wait_until(pilot, lambda: getattr(pilot.app.screen, "report", None) is not None)
    await settle(pilot)


def _annotate(screen: Any, doc_id: str, quote: str, label: str, by: str) -> None:
    from pathlib import Path

    from tui.core.annotations import Annotation, reference
    from tui.core.discovery import SourceFile
    from tui.core.documents import Document, read_document

    path = Path(screen.entries[doc_id].path)
    stat = path.stat()
    doc = read_document(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    start = doc.text.index(quote)
    made = Annotation.create(
        doc.text, start, start + len(quote), sha256=doc.sha256, tags=[label], annotator=by
    )
    screen.library.annotation_store().save(reference(doc.id, doc.path, doc.sha256, doc.title), made)


async def help_screen(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")


STATES: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "library": library,
    "search": search_results,
    "reader": reader_with_hits,
    "help": help_screen,
    "annotated": annotated,
    "browser": browser,
    "searching_while_reading": searching_while_reading,
    "list_hidden": list_hidden,
    "outline": outline,
    "labelling": labelling,
    "agreement": agreement,
}
SNAPSHOTS = (
    "library",
    "search",
    "reader",
    "help",
    "annotated",
    "searching_while_reading",
    "list_hidden",
    "outline",
)
"""States whose SVG is compared in tests (the browser shows modification times, so it is not)."""
NARROW = (80, 24)
NARROW_SNAPSHOTS = ("library", "search", "reader", "annotated")
"""States also compared (and shown in the README) at 80×24: the panes must fit there too."""
