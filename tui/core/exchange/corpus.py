"""The documents an export or an import is about: a corpus document with its text and annotations.

Every format reads the same ``ExportDocument``s, so what a document is (its reference, its text as
the annotations were anchored to it, where that text starts in its file, its author) is decided
once, here: ``gather`` builds them for a Library, ``select`` applies the export's filters, and
``file_uri``/``path_of_uri`` are the one mapping between a local path and the URI a file names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tui.core.annotations import Annotation, AnnotationStore, DocumentRef, clean_tags, reference
from tui.core.documents import MAX_BYTES, BinaryFileError, decode, split_front_matter, text_sha256
from tui.core.library import Library

MAX_AUTHOR = 500
"""Characters of an author's name (or names), as for the other front-matter fields."""


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
    """Who wrote it (front matter ``author`` or ``authors``): the CSV's Author."""
    text_start: int | None = None
    """Where ``text`` starts in the file's text (``FILE_TEXT``), after the front matter; None when
    unknown (no ``text``): the exports that index the file then give no offsets."""


@dataclass(frozen=True)
class DocumentFile:
    """A document file as the exports index it."""

    text: str
    """``Document.text``: the body, front matter removed, line endings normalised."""
    text_start: int
    """Where ``text`` starts in the file's text (``FILE_TEXT``)."""
    author: str


def read_document_file(path: str | Path) -> DocumentFile | None:
    """The file's text, where its body starts in it and its author; None when it cannot be read.

    Decoded and normalised as ``tui.core.documents`` reads documents, so ``text`` is
    ``Document.text`` (a caller checks its sha256) and ``text_start`` plus an offset into it is
    the same place in the file's text as a consumer of an export reads it (``FILE_TEXT``).
    """
    try:
        if os.stat(path).st_size > MAX_BYTES:
            return None
        raw, _ = decode(Path(path).read_bytes())
    except (OSError, BinaryFileError):
        return None
    whole = raw.replace("\r\n", "\n").replace("\r", "\n")
    meta, body, _ = split_front_matter(whole)
    return DocumentFile(body, len(whole) - len(body), _author(meta.get("author", meta.get("authors"))))


def _author(value: object) -> str:
    """A front-matter author (a name, or a list of names) as one line."""
    names = value if isinstance(value, list) else [value]
    text = ", ".join(" ".join(str(n).split()) for n in names if isinstance(n, (str, int)) and str(n).strip())
    return text if len(text) <= MAX_AUTHOR else text[: MAX_AUTHOR - 1].rstrip() + "…"


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
        file = read_document_file(entry.path) if with_text else None
        current = file if file is not None and text_sha256(file.text) == ref.sha256 else None
        docs.append(
            ExportDocument(
                ref,
                entry.source,
                current.text if current else None,
                found.annotations if found else (),
                author=file.author if file else "",
                text_start=current.text_start if current else None,
            )
        )
    return docs


def select(
    docs: Iterable[ExportDocument],
    *,
    tags: Iterable[str] = (),
    color: str | None = None,
    doc_id: str | None = None,
) -> list[ExportDocument]:
    """The documents and passages that pass every filter; documents left with none are dropped."""
    wanted = set(clean_tags(tags))
    chosen: list[ExportDocument] = []
    for doc in docs:
        if doc_id is not None and doc.ref.id != doc_id:
            continue
        kept = tuple(a for a in doc.annotations if wanted <= set(a.tags) and color in (None, a.color))
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
