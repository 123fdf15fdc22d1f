"""What an indexing run has to do: the difference between the catalog and the files on disk.

Apart from the writer because it decides without reading a document or opening the index (an
unchanged corpus is proven so without it, as one comparison of texts: ``unchanged_check``, which
a property test holds to this plan). ``Notes`` is here because a document whose notes or tags
changed is re-indexed like one whose text did.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core import formats
from tui.core.catalog import Catalog, Signature
from tui.core.discovery import Skipped, SourceFile
from tui.core.paths import Paths

if TYPE_CHECKING:
    from tui.core.annotation_store import AnnotationStore
    from tui.core.documents import Document


@dataclass
class Plan:
    """The difference between the catalog and the files on disk."""

    catalog: Catalog
    to_read: list[SourceFile]
    removed: list[str]
    unchanged: int
    skipped: list[Skipped]


def make_plan(
    catalog: Catalog, sources: list[SourceFile], skipped: list[Skipped], notes: Notes | None = None
) -> Plan:
    """Compare without reading: a file whose path, size, mtime and annotations match is unchanged
    (and, for a converted format, whose indexed text is what the current converter makes of it).

    Per unchanged text file, a dict look-up and ``Signature.matches`` (no ``Path`` is made), so
    the start-up check of 100,000 unchanged files costs little more than listing them.
    """
    signatures = catalog.signatures
    present = {s.id for s in sources}
    removed = [doc_id for doc_id in signatures if doc_id not in present]
    converted = Paths.from_environment().converted
    annotations = notes.signature_at if notes is not None and notes.has_files() else None
    formats_by_suffix: dict[str, bool] = {}
    to_read: list[SourceFile] = []
    for source in sources:
        entry = signatures.get(source.id)
        if entry is None or not entry.matches(source):
            to_read.append(source)
            continue
        location = source.location
        suffix = location[location.rfind(".") :]
        is_converted = formats_by_suffix.get(suffix)
        if is_converted is None:
            is_converted = formats_by_suffix[suffix] = formats.format_of(location) is not None
        if is_converted and not _current(entry, source, converted):
            to_read.append(source)
            continue
        if notes is not None and entry.annotations != (annotations(location) if annotations else ""):
            to_read.append(source)
    unchanged = len(sources) - len(to_read)
    return Plan(catalog, to_read, removed, unchanged, skipped)


def _current(entry: Signature, source: SourceFile, converted: Path) -> bool:
    """Whether the indexed text of a converted file is what the current converter makes of it
    (a new converter version re-indexes the file)."""
    return formats.current_sha256(source.path, source.size, source.mtime_ns, converted) == entry.sha256


class Notes:
    """The user's annotation notes and tags, read (never repaired) from the annotation store.

    The store's modules (YAML, the annotation model) are imported only when it holds files: the
    start-up check of a corpus nobody annotated needs none of them."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._files = _file_stats(folder)
        """Listed once: most documents have no annotation file, and a stat per document adds up."""

    @functools.cached_property
    def store(self) -> AnnotationStore:
        from tui.core.annotation_store import AnnotationStore

        return AnnotationStore(self._folder, keep_aside=False)

    @functools.cached_property
    def _path_digest(self) -> Callable[[str], str]:
        from tui.core.annotation_store import path_digest

        return path_digest

    def has_files(self) -> bool:
        """Whether the store holds any file: if not, every document's signature is ''."""
        return bool(self._files)

    def signature(self, path: Path | str) -> str:
        """Changes whenever the document's annotation file does ('' when it has none)."""
        if not self._files:
            return ""
        found = self._files.get(self.store.file_for(path).name)
        return f"{found[0]}:{found[1]}" if found else ""

    def signature_at(self, location: str) -> str:
        """``signature`` of the document whose path is ``location`` (``str`` of its ``Path``).

        The start-up check asks for every document, and a file name (``AnnotationStore.file_for``:
        a ``Path``, its absolute form, a sha256 and a pattern) costs some 8 µs: 0.8 s for 100,000
        documents as soon as one is annotated. A file name ends with the digest of the absolute
        path, so for an absolute ``location`` (its own absolute form) the digest alone (1 µs)
        rules out the documents no file names; the others are asked as ``signature`` asks.
        """
        if not self._files:
            return ""
        if os.path.isabs(location) and self._path_digest(location) not in self._digests:
            return ""
        return self.signature(location)

    @functools.cached_property
    def _digests(self) -> frozenset[str]:
        """The path digests that end the names of the store's files (``name-<digest>.yaml``)."""
        from tui.core.annotation_store import FILE_SUFFIX

        tail, digest = len(FILE_SUFFIX), len(self._path_digest(""))
        return frozenset(
            name[-tail - digest : -tail]
            for name in self._files
            if name.endswith(FILE_SUFFIX) and len(name) > tail + digest
        )

    def of(self, doc: Document) -> tuple[str, tuple[str, ...]]:
        """The notes (one text) and the tags of a document's annotations."""
        found = self.store.load(doc.path)
        if found is None:
            return "", ()
        notes = "\n".join(a.note for a in found.annotations if a.note)
        return notes, tuple(dict.fromkeys(t for a in found.annotations for t in a.tags))


def _file_stats(folder: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of each file in ``folder`` by name; empty when it cannot be read."""
    found: dict[str, tuple[int, int]] = {}
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                stat = entry.stat()
                found[entry.name] = (stat.st_mtime_ns, stat.st_size)
    return found
