"""App-wide messages: results that workers carry back to the UI thread.

Workers never touch widgets; they post one of these, and a handler on the screen updates the
widgets. Each is a plain dataclass (Textual messages) so handlers read like function calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from tui.core.catalog import Entry
from tui.core.documents import Document
from tui.core.reading import Position
from tui.core.results import Results


@dataclass
class CatalogLoaded(Message):
    """The documents of the corpus are known (from the catalog or from discovery)."""

    entries: list[Entry]


@dataclass
class IndexerEvent(Message):
    """One JSON event from the indexer child process (see ``tui.core.indexer``)."""

    event: dict[str, Any]


@dataclass
class SearchFinished(Message):
    """A search worker finished: results, or the reason the query cannot run."""

    query: str
    results: Results | None
    error: str | None = None


@dataclass
class DocumentLoaded(Message):
    """A document was read from disk, with where to put the reader."""

    document: Document
    position: Position | None
    query: str


@dataclass
class DocumentFailed(Message):
    """A document could not be read."""

    doc_id: str
    reason: str


@dataclass
class HitsFound(Message):
    """Hit spans of the current query in the open document."""

    doc_id: str
    query: str
    spans: list[tuple[int, int]]
    jump: bool
