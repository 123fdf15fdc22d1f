"""The catalog: what the index holds, kept as plain JSON beside it.

One entry per indexed document: where it was (path, size, mtime) and what it was (sha256 and
the metadata the document list shows), and the index's own files as the indexer last left them.
It serves two hot paths without importing Whoosh: the start-up check (stat the files, compare,
open neither a writer nor the index when nothing changed) and the first paint of the document
list. The indexer child process rewrites it atomically after
every commit, so it never claims more than the index holds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.documents import Document, SourceFile
from tui.core.storage import atomic_write_text

CATALOG_NAME = "catalog.json"
SCHEMA_VERSION = 5
"""The index format (``tui.core.index``'s schema, analyzer and files): bump it with any change
to what is written, and every existing index is rebuilt. Kept here so that the start-up check
can compare it without importing Whoosh."""
WHOOSH_DIR = "whoosh"
VOCABULARY_NAME = "vocabulary.txt"


@dataclass(frozen=True)
class Entry:
    """One indexed document, as the catalog remembers it."""

    id: str
    path: str
    size: int
    mtime_ns: int
    sha256: str
    title: str
    date: str
    source: str
    language: str
    tags: tuple[str, ...]
    words: int
    annotations: str = ""
    """Signature (mtime, size) of the document's annotation file when it was indexed."""

    @classmethod
    def of(cls, doc: Document, annotations: str = "") -> Entry:
        """The entry for a freshly read document."""
        return cls(
            id=doc.id,
            path=str(doc.path),
            size=doc.size,
            mtime_ns=doc.mtime_ns,
            sha256=doc.sha256,
            title=doc.title,
            date=doc.date,
            source=doc.source,
            language=doc.language,
            tags=doc.tags,
            words=doc.words,
            annotations=annotations,
        )

    def matches(self, source: SourceFile) -> bool:
        """Same file by its cheap signature (path, size, mtime): no need to read it."""
        return self.path == str(source.path) and self.size == source.size and self.mtime_ns == source.mtime_ns


@dataclass
class Catalog:
    """Every entry of one index, with the schema version the index was built with."""

    schema: int
    entries: dict[str, Entry]
    files: dict[str, list[int]] | None = None
    """The index's files (name: size, mtime) when the indexer last finished with it checked or
    written; the start-up check trusts an index whose files still match (``index_files``)."""

    @classmethod
    def load(cls, folder: Path) -> Catalog | None:
        """The catalog in ``folder``, or None when missing or unreadable (the index rebuilds)."""
        try:
            raw = json.loads((folder / CATALOG_NAME).read_text(encoding="utf-8"))
            entries = {
                doc_id: Entry(id=doc_id, **{**fields, "tags": tuple(fields["tags"])})
                for doc_id, fields in raw["documents"].items()
            }
            files = raw.get("files")
            if not isinstance(files, dict):
                files = None
            return cls(schema=int(raw["schema"]), entries=entries, files=files)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, folder: Path) -> None:
        """Write atomically."""
        # vars(), not asdict(): asdict deep-copies every value (40 ms for 3,000 entries, each commit).
        documents: Mapping[str, Any] = {
            doc_id: {k: v for k, v in vars(entry).items() if k != "id"}
            for doc_id, entry in sorted(self.entries.items())
        }
        payload = {"schema": self.schema, "files": self.files, "documents": documents}
        atomic_write_text(folder / CATALOG_NAME, json.dumps(payload, ensure_ascii=False))


def index_files(folder: Path) -> dict[str, list[int]]:
    """Size and mtime of each file of the index in ``folder`` (lock files aside): what a
    finished indexer run leaves, and what any damage or outside change would alter."""
    found: dict[str, list[int]] = {}
    try:
        with os.scandir(folder / WHOOSH_DIR) as entries:
            for entry in entries:
                if "LOCK" not in entry.name.upper() and entry.is_file():
                    stat = entry.stat()
                    found[entry.name] = [stat.st_size, stat.st_mtime_ns]
    except OSError:
        return {}
    return found
