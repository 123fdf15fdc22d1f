"""The catalog: what the index holds, kept as plain JSON beside it, and proof that it does.

One entry per indexed document: where it was (path, size, mtime) and what it was (sha256 and
the metadata the document list shows). It serves two hot paths without importing the search
engine: the start-up check and the first paint of the document list.

Catalog and index are one truth. The catalog names the index *generation* it describes (the
backend's newest commit, read from its file names) and every file of that generation with
its size, mtime and CRC-32. The indexer saves it after each commit; a run killed between the two
leaves a catalog one generation behind, which the next run notices and repairs from the index's
stored entries. The start-up check trusts an index whose files are as listed (a ``stat`` each);
a searcher checks each file's CRC once before it believes it (``verify_files``), so a damaged
file is found even when its size and mtime were kept.

On disk: a first line of JSON (schema, generation, files, and the CRC of the rest), then the
documents as one JSON object: the header alone is cheap to read, and a damaged body is noticed.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.documents import Document, SourceFile
from tui.core.search import VOCABULARY_NAME, backend
from tui.core.storage import atomic_write_text

CATALOG_NAME = "catalog.json"
_CHUNK = 1 << 20

FileState = list[int]
"""A file of the index as [size, mtime_ns, crc32]."""


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
    author: str = ""
    """``Document.author``. Last, with a default, so a catalog or an index record saved before
    it existed still loads (its documents show no author until they are indexed again)."""

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
            author=doc.author,
        )

    def record(self) -> dict[str, Any]:
        """Every field but the id, as the catalog and the index's stored record keep them."""
        return {k: v for k, v in vars(self).items() if k != "id"}

    def matches(self, source: SourceFile) -> bool:
        """Same file by its cheap signature (path, size, mtime): no need to read it."""
        return self.path == str(source.path) and self.size == source.size and self.mtime_ns == source.mtime_ns


@dataclass
class Catalog:
    """Every entry of one index, and the index generation and files those entries describe."""

    schema: int
    entries: dict[str, Entry]
    generation: int | None = None
    """The backend's commit the entries describe; None: not yet known."""
    files: dict[str, FileState] | None = None
    """The index's files (see ``index_files``) as they were when the catalog was saved."""

    @classmethod
    def load(cls, folder: Path) -> Catalog | None:
        """The catalog in ``folder``, or None when missing, damaged or of another format."""
        try:
            data = (folder / CATALOG_NAME).read_bytes()
            header_line, _, body = data.partition(b"\n")
            header = _header(header_line)
            if header is None or zlib.crc32(body) != header.get("crc"):
                return None
            raw = json.loads(body)
            entries = {
                doc_id: Entry(id=doc_id, **{**fields, "tags": tuple(fields["tags"])})
                for doc_id, fields in raw.items()
            }
            return cls(
                schema=int(header["schema"]),
                entries=entries,
                generation=header.get("generation"),
                files=_files_of(header),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, folder: Path) -> None:
        """Write atomically: the header line, then the documents."""
        # vars(), not asdict(): asdict deep-copies every value (40 ms for 3,000 entries, each commit).
        documents: Mapping[str, Any] = {
            doc_id: entry.record() for doc_id, entry in sorted(self.entries.items())
        }
        body = json.dumps(documents, ensure_ascii=False)
        header = {
            "schema": self.schema,
            "generation": self.generation,
            "files": self.files,
            "crc": zlib.crc32(body.encode("utf-8")),
        }
        atomic_write_text(folder / CATALOG_NAME, json.dumps(header) + "\n" + body)

    def describes(self, folder: Path) -> bool:
        """True when the index's files are exactly as this catalog lists them (a stat each)."""
        if not self.files or self.generation is None:
            return False
        stats = index_stats(folder)  # one listing serves both: the TOC's name carries the generation
        generation = backend().generation(Path(name).name for name in stats)
        return self.generation == generation and _same_stats(self.files, stats)


def read_files(folder: Path) -> dict[str, FileState] | None:
    """The files listed by the catalog in ``folder``, reading only its header line."""
    try:
        with open(folder / CATALOG_NAME, "rb") as handle:
            header = _header(handle.readline())
    except OSError:
        return None
    return _files_of(header) if header is not None else None


def _header(line: bytes) -> dict[str, Any] | None:
    try:
        header = json.loads(line)
    except ValueError:
        return None
    return header if isinstance(header, dict) and "schema" in header else None


def _files_of(header: dict[str, Any]) -> dict[str, FileState] | None:
    files = header.get("files")
    if not isinstance(files, dict):
        return None
    valid = all(
        isinstance(v, list) and len(v) == 3 and all(type(n) is int for n in v) for v in files.values()
    )
    return files if valid else None


def toc_generation(folder: Path) -> int | None:
    """The newest generation of the index in ``folder``, from its file names (no engine import)."""
    try:
        return backend().generation(os.listdir(folder / backend().folder))
    except OSError:
        return None


def index_stats(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file of the index in ``folder`` by its name relative to the folder
    (the backend's files and the spelling vocabulary; lock and temp files aside)."""
    found: dict[str, tuple[int, int]] = {}
    engine = backend().folder
    for sub in (folder / engine, folder):
        prefix = "" if sub == folder else f"{engine}/"
        try:
            with os.scandir(sub) as entries:
                for entry in entries:
                    if _is_index_file(entry.name, sub == folder) and entry.is_file():
                        stat = entry.stat()
                        found[prefix + entry.name] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            continue
    return found


def _is_index_file(name: str, top: bool) -> bool:
    if top:
        return name == VOCABULARY_NAME
    return "LOCK" not in name.upper() and not name.endswith(".tmp")


def index_files(folder: Path, known: Mapping[str, FileState] | None = None) -> dict[str, FileState]:
    """``index_stats`` with each file's CRC-32; read only for files not already ``known`` with
    the same size and mtime (the backend never rewrites a file under the same name)."""
    found: dict[str, FileState] = {}
    for name, (size, mtime) in index_stats(folder).items():
        previous = (known or {}).get(name)
        if previous is not None and previous[:2] == [size, mtime]:
            found[name] = previous
            continue
        crc = file_crc(folder / name)
        if crc is not None:
            found[name] = [size, mtime, crc]
    return found


def file_crc(path: Path) -> int | None:
    """The CRC-32 of a file's bytes, or None when it cannot be read."""
    crc = 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                crc = zlib.crc32(chunk, crc)
    except OSError:
        return None
    return crc


def verify_files(folder: Path, files: Mapping[str, FileState], names: list[str] | None = None) -> str | None:
    """Read each listed file (or only ``names``) and compare size and CRC: the first problem
    as a sentence, or None when every file is as it was written."""
    for name in names if names is not None else sorted(files):
        size, _, crc = files[name]
        path = folder / name
        try:
            actual = path.stat().st_size
        except OSError:
            return f"index file {name} is missing"
        if actual != size or file_crc(path) != crc:
            return f"index file {name} is damaged (its size or checksum changed)"
    return None


def _same_stats(files: Mapping[str, FileState], stats: Mapping[str, tuple[int, int]]) -> bool:
    return files.keys() == stats.keys() and all(tuple(files[n][:2]) == stats[n] for n in stats)
