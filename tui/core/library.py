"""A corpus as the rest of lectern sees it: its inputs, index folder, indexer and index.

The command line and the UI both go through a Library, so they agree on where a corpus's index
lives and how it is brought up to date (always by the indexer child process).

The indexer, the catalog, the annotation store and the search engine are imported by the
methods that use them: the app opens a Library before its first paint, which needs none of them,
and ``lectern index`` starts the indexer child before it needs them (some 50 ms sooner).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.paths import Paths, bundled_seeds

if TYPE_CHECKING:
    from tui.core.annotation_store import AnnotationStore
    from tui.core.annotations import AnnotationSet, DocumentRef
    from tui.core.catalog import Catalog
    from tui.core.documents import Document
    from tui.core.search import SearchIndex


@dataclass(frozen=True)
class Library:
    """The folders and files the user opened, and where their index lives."""

    paths: Paths
    inputs: tuple[Path, ...]

    @classmethod
    def open(cls, paths: Paths, inputs: Sequence[Path] = ()) -> Library:
        """The library for ``inputs`` (resolved), or the bundled seeds when none are given."""
        chosen = [Path(p).expanduser().resolve() for p in inputs] or [bundled_seeds()]
        return cls(paths=paths, inputs=tuple(dict.fromkeys(chosen)))

    @property
    def index_dir(self) -> Path:
        """Where this corpus's index and catalog live (one per distinct set of inputs)."""
        return self.paths.index_dir(self.inputs)

    @property
    def annotations_dir(self) -> Path:
        """The annotation store (shared by every corpus: annotations follow moved documents)."""
        return self.paths.annotations

    def any_annotations(self) -> bool:
        """Whether the store holds any annotation file: one look at its folder, so a document opens
        without loading the store's modules while nothing has been annotated yet."""
        try:
            with os.scandir(self.annotations_dir) as found:
                return any(e.name.endswith(".yaml") and not e.name.startswith(".") for e in found)
        except FileNotFoundError:
            return False
        except OSError:
            return True  # the store will say what is wrong with the folder

    def annotation_store(self) -> AnnotationStore:
        """A store over ``annotations_dir``."""
        from tui.core.annotation_store import AnnotationStore

        return AnnotationStore(self.annotations_dir)

    def update(self, rebuild: bool = False) -> Generator[dict[str, Any], None, None]:
        """Run the indexer child process; yields its events (see ``tui.core.indexer``)."""
        from tui.core import indexer_client

        return indexer_client.run(self.index_dir, self.inputs, rebuild, self.annotations_dir)

    def update_command(self, rebuild: bool = False) -> list[str]:
        """The indexer's argv, for callers that run it themselves (the UI's async worker)."""
        from tui.core import indexer_client

        return indexer_client.command(self.index_dir, self.inputs, rebuild, self.annotations_dir)

    def catalog(self) -> Catalog | None:
        """What the index held at its last commit, every entry read (no Whoosh import)."""
        from tui.core.catalog import Catalog

        return Catalog.load(self.index_dir)

    def references(self) -> list[DocumentRef]:
        """Every indexed document as the annotation store names it (from the catalog: four
        columns of it, not whole entries; none when it is missing or damaged)."""
        import sqlite3

        from tui.core.annotations import reference
        from tui.core.catalog import CatalogDamaged
        from tui.core.catalog_view import View

        try:
            with View(self.index_dir) as view:
                names = view.names()
        except (OSError, sqlite3.Error, CatalogDamaged):
            return []
        return [reference(doc_id, path, sha256, title) for doc_id, path, sha256, title in names]

    def annotated(self, store: AnnotationStore, *, with_missing: bool = False) -> list[AnnotationSet]:
        """The annotations of every document in this corpus that has some (re-anchored, adopted).

        ``with_missing`` adds the annotation files of documents under this corpus's inputs that
        vanished or became unreadable, marked so (``AnnotationSet.document_status``): for the
        listings that must show them; exports and the reading room name only current documents.
        """
        from tui.core.annotation_tracking import corpus_annotations

        if not store.summaries():  # no annotation file: no need to read 100,000 catalog rows
            return []
        roots = self.inputs if with_missing else ()
        return corpus_annotations(store, self.references(), lambda ref: read_text(ref.path), roots)

    def open_index(self) -> SearchIndex:
        """A searcher over the index; imports the engine, so call it off the UI thread."""
        from tui.core.search import open_index

        return open_index(self.index_dir, load_text)


def read_text(path: str) -> str | None:
    """The current text of the document file at ``path``, or None when it cannot be read."""
    doc = _read(path)
    return doc.text if doc is not None else None


def load_text(path: str, sha256: str) -> str | None:
    """The text of the file at ``path`` if it is still the version with ``sha256``."""
    doc = _read(path)
    return doc.text if doc is not None and doc.sha256 == sha256 else None


def _read(path: str) -> Document | None:
    from tui.core.discovery import SourceFile
    from tui.core.documents import Document, read_document  # not needed to list a corpus

    file = Path(path)
    try:
        stat = file.stat()
    except OSError:
        return None
    doc = read_document(SourceFile(file.name, file, stat.st_size, stat.st_mtime_ns))
    return doc if isinstance(doc, Document) else None
