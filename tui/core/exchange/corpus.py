"""The documents an export or an import is about: a corpus document with its text and annotations.

Every format reads the same ``ExportDocument``s, so what a document is (its reference, its text as
the annotations were anchored to it, where that text starts in the text an export's offsets
index, its author, the extractor that made its text) is decided once, here: ``gather`` builds
them for a Library, ``select`` applies the export's filters, and ``file_uri``/``path_of_uri`` are
the one mapping between a local path and the URI a file names.

A Markdown or text file is its own text: exports index the file as a consumer reads it. An EPUB,
HTML or PDF file is not: its annotations anchor into the Markdown lectern extracted from it, and
no consumer could map those offsets back into the file's bytes, so exports index the extracted
text instead and name the extractor (``extractor``) that makes it again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tui.core import formats
from tui.core.annotation_format import clean_tags
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, DocumentRef, reference
from tui.core.discovery import SourceFile
from tui.core.documents import MAX_BYTES, BinaryFileError, Document, decode, parse_document, read_document
from tui.core.library import Library


@dataclass(frozen=True)
class ExportDocument:
    """One corpus document and its annotations, as the exports and the import see it."""

    ref: DocumentRef
    """Id, path, title and the sha256 of the text its annotations are anchored to."""
    source: str = ""
    """Who published it (front matter ``source``): the CSV's URL when it is a web address."""
    text: str | None = None
    """Its current text (full-text Markdown, doccano, import); None when not read or unreadable."""
    annotations: tuple[Annotation, ...] = ()
    author: str = ""
    """``Document.author`` (front matter ``author`` or ``authors``, or what a converted file
    names): the CSV's Author, the Markdown export's."""
    text_start: int | None = None
    """Where ``text`` starts in the text the exports' offsets index: the file's text (``FILE_TEXT``)
    after its front matter, or 0 for an extracted text (``extractor``); None when unknown (no
    ``text``): the exports that index it then give no offsets."""
    format: str = ""
    """The converted format (``pdf``, ``epub``, ``html``); '' for a file read as it is."""
    extractor: str = ""
    """The converter that made ``text`` and its version (``formats.version_key``) when the file
    was converted; '' for a file read as it is. Non-empty: offsets index the extracted text."""


@dataclass(frozen=True)
class DocumentFile:
    """A document file as the exports index it."""

    text: str
    """``Document.text``: the body, front matter removed, line endings normalised; for a converted
    file, the extracted Markdown."""
    text_start: int
    """Where ``text`` starts in the text the offsets index (``FILE_TEXT``; 0 when extracted)."""
    author: str
    sha256: str = ""
    """``Document.sha256``: of ``text``."""
    format: str = ""
    """As ``ExportDocument.format``."""
    extractor: str = ""
    """As ``ExportDocument.extractor``."""


def read_document_file(path: str | Path, cache: Path | None = None) -> DocumentFile | None:
    """The file's text, where it starts in what the offsets index, its author; None when it cannot
    be read.

    A text file is decoded and normalised as ``tui.core.documents`` reads documents, so ``text``
    is ``Document.text`` (a caller checks its sha256) and ``text_start`` plus an offset into it is
    the same place in the file's text as a consumer of an export reads it (``FILE_TEXT``). An EPUB,
    HTML or PDF file is read through its converter (from ``cache``, ``Paths.converted`` by
    default): ``text`` is the extracted Markdown, and offsets index it (``text_start`` 0).
    """
    fmt = formats.format_of(path)
    try:
        stat = os.stat(path)
        source = SourceFile(Path(path).name, Path(path), stat.st_size, stat.st_mtime_ns)
        if fmt is not None:
            doc = read_document(source, cache=cache)
            if not isinstance(doc, Document):
                return None
            return DocumentFile(doc.text, 0, doc.author, doc.sha256, fmt.name, formats.version_key(fmt))
        if stat.st_size > MAX_BYTES:
            return None
        raw, _ = decode(Path(path).read_bytes())
    except (OSError, BinaryFileError):
        return None
    doc = parse_document(source, raw)
    whole_length = len(raw) - raw.count("\r\n")  # CRLF counts as one LF in the file's text
    return DocumentFile(doc.text, whole_length - len(doc.text), doc.author, doc.sha256)


def gather(
    library: Library, store: AnnotationStore, *, annotated_only: bool = True, with_text: bool = True
) -> list[ExportDocument]:
    """The corpus's documents with their annotations (re-anchored, moved ones adopted), in id order.

    An export needs the annotated documents; an import needs every document
    (``annotated_only=False``) with its text, to find quotes in. A text is kept only if it is
    the one the annotations are anchored to (its sha256), so offsets and text always agree.
    """
    catalog = library.catalog()
    entries = catalog.entries if catalog is not None else {}
    annotated = {found.document.id: found for found in library.annotated(store)}
    docs: list[ExportDocument] = []
    for doc_id in sorted(entries):
        entry, found = entries[doc_id], annotated.get(doc_id)
        if found is None and annotated_only:
            continue
        ref = found.document if found else reference(entry.id, entry.path, entry.sha256, entry.title)
        file = read_document_file(entry.path, library.paths.converted) if with_text else None
        current = file if file is not None and file.sha256 == ref.sha256 else None
        fmt = formats.format_of(entry.path)
        docs.append(
            ExportDocument(
                ref,
                entry.source,
                current.text if current else None,
                found.annotations if found else (),
                author=file.author if file else entry.author,
                text_start=current.text_start if current else None,
                format=fmt.name if fmt else "",
                extractor=formats.version_key(fmt) if fmt else "",
            )
        )
    return docs


def select(
    docs: Iterable[ExportDocument],
    *,
    tags: Iterable[str] = (),
    color: str | None = None,
    doc_id: str | None = None,
    annotator: str | None = None,
) -> list[ExportDocument]:
    """The documents and passages that pass every filter; documents left with none are dropped.

    ``annotator`` keeps the passages of one annotator (``gold``: the adjudicated set)."""
    wanted = set(clean_tags(tags))
    chosen: list[ExportDocument] = []
    for doc in docs:
        if doc_id is not None and doc.ref.id != doc_id:
            continue
        kept = tuple(
            a
            for a in doc.annotations
            if wanted <= set(a.tags) and color in (None, a.color) and annotator in (None, a.annotator)
        )
        if kept:
            chosen.append(replace(doc, annotations=kept))
    return chosen


def file_uri(path: str | Path) -> str:
    """The file:// URI of a local path (made absolute, percent-encoded)."""
    return Path(path).absolute().as_uri()


def path_of_uri(uri: str) -> str | None:
    """The local path a file:// URI names, or None for any other URI."""
    parts = urlsplit(uri)
    if parts.scheme.lower() != "file" or parts.netloc.lower() not in ("", "localhost"):
        return None
    path = unquote(parts.path)
    if re.match(r"/[A-Za-z]:", path):  # file:///C:/... names a Windows drive, not a folder "/C:"
        path = path[1:]
    return path or None


def document_uri(path: str) -> str:
    """The file:// URI of a document's path; '' for a document without one."""
    return file_uri(path) if path else ""
