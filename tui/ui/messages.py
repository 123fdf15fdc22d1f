"""App-wide messages: results that workers carry back to the UI thread, and events for the app.

Workers never touch widgets; they post one of these, and a handler on the screen updates the
widgets. Events the app acts on (``PanesChanged``: settings to save) bubble up from the screen.
Each is a plain dataclass (Textual messages) so handlers read like function calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from tui.core.annotation_tracking import Opened
    from tui.core.annotations import AnnotationSet
    from tui.core.documents import Document
    from tui.core.reading import Position
    from tui.core.search import Results
    from tui.core.settings import Panes
    from tui.core.watching import Batch, Found
    from tui.ui.controllers.listing import Listed


@dataclass
class CatalogLoaded(Message):
    """The documents of the corpus are known (from the catalog or from discovery)."""

    entries: list[Listed] | dict[str, Listed]
    partial: bool = False
    """True while indexing (or before it): entries not in this list are kept, not dropped."""
    total: int | None = None
    """Set when ``entries`` are only the catalog's first screenful: how many it lists."""


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
    later: bool = False
    """No results yet, but they will follow (the index is being built or repaired)."""
    sort: str = "relevance"
    """The order the results are in."""
    seen: int = 0
    """How many index changes the screen had seen when the search began: results of an index
    since replaced are listed (and searched again), never held for later."""


@dataclass
class DocumentLoaded(Message):
    """A document was read from disk, with where to put the reader."""

    document: Document
    position: Position | None
    query: str
    annotations: Opened | None = None
    """The document's annotations (found again and re-anchored), or None when unreadable."""
    problems: tuple[str, ...] = ()
    """Damaged annotation files found on the way (already kept aside)."""
    reloaded: bool = False
    """The open document read again after its file changed: the focus and panes stay as they are."""


@dataclass
class DocumentFailed(Message):
    """A document could not be read."""

    doc_id: str
    reason: str


@dataclass
class LastDocumentFound(Message):
    """The document open when lectern last quit on this corpus: it opens again on start."""

    doc_id: str


@dataclass
class HitsFound(Message):
    """Hit spans of the current query in the open document."""

    doc_id: str
    query: str
    spans: list[tuple[int, int]]
    jump: bool


@dataclass
class AnnotationsSaved(Message):
    """A change to one document's annotations was written; ``annotations`` is the file now."""

    annotations: AnnotationSet
    report: str
    """What to tell the user ('' for nothing)."""


@dataclass
class AnnotationsFailed(Message):
    """A change to annotations could not be written (nothing was lost: the file is as it was)."""

    reason: str


@dataclass
class AnnotationsListed(Message):
    """Every annotated document of the corpus (for counts, tags and the tag filter)."""

    sets: list[AnnotationSet]
    problems: list[str]


@dataclass
class PanesChanged(Message):
    """The user resized or hid the document list: the sizes to remember across runs."""

    panes: Panes


@dataclass
class FilesChanged(Message):
    """Files under the corpus's roots changed on disk: one burst, coalesced (from the watcher)."""

    batch: Batch


@dataclass
class FilesSurveyed(Message):
    """What a burst of changes came to on disk: the files found, as list entries."""

    found: Found
    entries: list[Listed]
    """Documents to list or refresh."""
    unreadable: list[str]
    """Ids of files found that are not readable documents (any more): they leave the list."""
    sha256: dict[str, str]
    """The text's sha256 of each document that was read (a changed open document is read again;
    one that moved is found by it)."""


@dataclass
class FilesMissed(Message):
    """The watcher lost a burst of changes (a name it cannot read failed its watch, which is up
    again): only a check of the whole corpus finds what the burst held."""


@dataclass
class WatchFailed(Message):
    """The folders cannot be watched (any more): the app goes on without noticing changes."""

    reason: str
