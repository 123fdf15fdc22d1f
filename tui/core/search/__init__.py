"""The search engine as lectern sees it: an index it writes and searches, behind one interface.

The indexer, the catalog, the UI and the CLI use only this package's names; the backend that
implements them (today ``tui.core.search.whoosh``, the only package that imports Whoosh) is
loaded when first needed, so the start-up check and the first paint import no engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tui.core.search.types import (
    Hit,
    IndexDamaged,
    IndexUnavailable,
    QueryError,
    Results,
    Span,
    TextLoader,
)

if TYPE_CHECKING:
    from tui.core.documents import Document

__all__ = [
    "VOCABULARY_NAME",
    "Hit",
    "IndexBackend",
    "IndexDamaged",
    "IndexUnavailable",
    "QueryError",
    "Results",
    "SearchIndex",
    "Span",
    "TextLoader",
    "backend",
    "open_index",
]

VOCABULARY_NAME = "vocabulary.txt"
"""The corpus's surface words, one per line, beside the backend's folder: spelling suggestions
and fuzzy matching expand against the words as written, whatever the backend stores."""

Notes = Callable[["Document"], tuple[str, tuple[str, ...]]]
"""A document's annotation notes and tags, indexed with it (``note:``, ``tag:``)."""


class SearchIndex(Protocol):
    """A read-only view of one corpus index, safe to share between threads."""

    def search(self, text: str, limit: int = 20, sort: str = "relevance") -> Results:
        """The documents ``text`` finds (QueryError explains a query that cannot run)."""
        ...

    def hit_spans(self, doc_id: str, text: str, query_text: str) -> list[Span]:
        """Where ``query_text`` matches in ``text``, the current text of ``doc_id``."""
        ...

    def doc_count(self) -> int:
        """How many documents the index holds."""
        ...

    def close(self) -> None:
        """Release the files (a later call opens them again)."""
        ...


class IndexBackend(Protocol):
    """What lectern needs of an engine to write, check and open an index in a folder."""

    schema_version: int
    """Bumped with any change to what is written: every older index is then rebuilt."""
    folder: str
    """The backend's own sub-folder of the index folder."""

    def generation(self, names: Iterable[str]) -> int | None:
        """The newest commit among the file names of ``folder`` (no engine import)."""
        ...

    def part_of_commit(self, name: str) -> bool:
        """Whether a file of ``folder`` is part of a commit, as the catalog records and a searcher
        checks byte for byte (not a lock, a temporary file, or a list the backend checks itself)."""
        ...

    def create(self, folder: Path) -> None:
        """An empty index in ``folder``, replacing whatever was there."""
        ...

    def check(self, folder: Path) -> int:
        """Open the index and read its parts; its document count, or IndexUnavailable."""
        ...

    def collect_garbage(self, folder: Path) -> None:
        """Delete the files no commit uses (an interrupted run's)."""
        ...

    def stored_entries(self, folder: Path) -> list[tuple[str, str]]:
        """(id, catalog record) of every document in the index."""
        ...

    def tidy(self, folder: Path, merging: Callable[[], None] = lambda: None) -> bool:
        """After a run's last batch: one commit that joins small parts of the index (fewer parts,
        faster queries; the same documents), ``merging`` told first; whether it did (asked again
        until it does not)."""
        ...

    def finish(self, folder: Path) -> None:
        """After a run's last commit: save what the first queries of a fresh searcher would
        otherwise work out from the whole index (cheap when it is saved already)."""
        ...

    def write(
        self,
        folder: Path,
        remove: Iterable[str],
        add: Sequence[Document],
        procs: int = 1,
        merge: bool = True,
        notes: Notes | None = None,
        records: Mapping[str, str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> set[str]:
        """One commit: delete ``remove`` ids, then add (or replace) ``add``; their vocabulary.

        ``progress`` hears how many of ``add`` are analysed so far, after each (estimated when
        another process analyses some of them); once it hears all of them, only the commit is left.
        """
        ...

    def open(self, folder: Path, load_text: TextLoader) -> SearchIndex:
        """A searcher over the index in ``folder``."""
        ...


def backend() -> IndexBackend:
    """The engine lectern indexes with."""
    from tui.core.search.whoosh import BACKEND

    return BACKEND


def open_index(folder: Path, load_text: TextLoader) -> SearchIndex:
    """A searcher over the index in ``folder``; imports the engine, so call it off the UI thread."""
    return backend().open(folder, load_text)
