"""Annotations out of lectern and back in: exports for people and tools, and import.

Highlights, notes and tags are the user's own work, so they must be able to leave lectern: to be
read elsewhere (Markdown), to become labelled data (JSONL, doccano), to go to Readwise-style
services (CSV) or to any tool that speaks the W3C Web Annotation model; and to come back in, from
lectern's own JSON (a lossless backup), from W3C JSON-LD or from a Hypothesis export.

Exporting is pure. ``gather`` builds ``ExportDocument``s (a corpus document, its current text,
where that text starts in its file, and its annotations) for a Library, ``select`` filters them
(``tags``: a passage must have all of them; ``color``; ``doc_id``) and
``export(docs, fmt, full_text=False)`` returns the text. Every passage carries its document's id
and title, the sha256 of the text it was made on (``Annotation.sha256``), its text as it is now
(the quote as first made too, when re-anchoring found it edited) and its offsets, code points, end
exclusive, into what the format says. A consumer has the file, not lectern's text without front
matter, so an export that names the file indexes the file (``FILE_TEXT``: the file decoded,
byte-order mark not counted, line endings as LF, front matter included); one that embeds a text
indexes that text. A passage that is not in the current text (an orphan, or a document whose text
cannot be read) gets no offsets rather than wrong ones. Documents come in id order, passages in
``annotations.ordered`` order, so an export is a pure function of the store. The formats
(``FORMATS``):

- ``markdown``: per document its title, id, source and file, then each passage as a quote with
  its note, tags, colour and offsets in the file. With ``full_text`` the whole text follows
  instead, each passage in ``<mark>`` (overlapping passages are cut where they overlap, so marks
  never nest) and a numbered footnote with its note after it; passages no longer in the text are
  listed after it.
- ``json``: lectern's own lossless form ({"format": "lectern", "version": 1, "offsets":
  "document", "documents": [...]} with each document's reference and its annotations as the store
  keeps them: offsets into the document's text after its front matter). Export, import into an
  empty store and export again gives the same string.
- ``jsonl``: one passage a line (text, labels, document, title, uri, start, end, offsets: "file",
  sha256, note, color, id, anchor, original), for labelled sets.
- ``doccano``: doccano's span format, one document a line: {"text": the document text, "label":
  [[start, end, tag], ...], "offsets": "text", "document": id, ...}, one span per tag. Untagged
  passages, orphaned ones and documents whose text cannot be read are left out; ``left_out`` says
  which, for the caller to report.
- ``csv``: one passage a row, columns ``CSV_COLUMNS``: Readwise's (Highlight, Title, Author = the
  front matter's author or nobody, URL = the source when it is a web address, else the file's
  file:// URI, Note, Location = the start in the file), then Tags (comma-separated), Color,
  Document, Start (file), End (file), Date (created), SHA256 and Original (the first quote, when
  it differs). Rows end in CRLF (RFC 4180): write the text with ``newline=""``.
- ``w3c``: a W3C Web Annotation JSON-LD AnnotationCollection with one AnnotationPage. Each
  Annotation has a TextualBody per note ("commenting") and tag ("tagging") and a target whose
  source is the file:// URI, with a TextQuoteSelector and a TextPositionSelector into the file
  (``lectern:offsets`` on the collection says so). The colour is the target's ``styleClass``
  (``lectern-<color>``, with a CssStylesheet); the document's id, title, sha256 and where its text
  starts in the file (``textStart``), the anchor status, the annotation's sha256, its first quote
  and, for a passage with no position, lectern's own offsets are ``lectern:``-prefixed extension
  properties (absolute IRIs to a JSON-LD processor, so they survive one), so w3c -> import -> w3c
  gives the same annotations.

Importing (``import_annotations(data, corpus, store)``) first parses and validates the whole file
(lectern JSON; W3C JSON-LD as a collection, a page, a list or one Annotation; a Hypothesis export,
an object with "annotations" or a plain list of rows), so a malformed one raises
``ImportFormatError`` with the reason and changes nothing. Then each annotation's document is
found: by its source path (a file:// URI or lectern's path), then by content hash (of its document
in the file, or the annotation's own), then by its quote occurring in exactly one document (or
fitting its context best); annotations the file gives one source share the document their
siblings were found in. Each is re-anchored to that document's current text (unless the file says
it is anchored to this very text) and saved with ``AnnotationStore.transact``. What matches no
document is kept as an orphan under a reference made from what the file says (its path, or
``<store>/unmatched/<name>``) and reported: nothing is dropped. Importing is idempotent by
annotation id within a corpus: a newer ``modified`` replaces, anything else is left as it is.
The store is shared by every corpus, and an id is unique within a corpus, not across corpora: an
annotation stored for another corpus's document is a copy there, never "already imported" here
and never moved away (``_in_this_corpus``). Foreign ids become stable lectern ids (``urn:uuid:``
ids are kept, others are hashed with uuid5), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from tui.core.anchoring import STATUSES, Status, Target, reanchor, target_at
from tui.core.annotations import (
    COLORS,
    Annotation,
    AnnotationSet,
    AnnotationStore,
    DocumentRef,
    clean_tags,
    open_annotations,
    ordered,
    reference,
)
from tui.core.documents import MAX_BYTES, BinaryFileError, decode, split_front_matter, text_sha256
from tui.core.library import Library

SUFFIXES = {
    "markdown": "md",
    "json": "json",
    "jsonl": "jsonl",
    "doccano": "doccano.jsonl",
    "csv": "csv",
    "w3c": "jsonld",
}
"""The file name ending for each format."""
FORMATS = ("markdown", "json", "jsonl", "doccano", "csv", "w3c")
LECTERN_FORMAT = "lectern"
"""The ``format`` value of lectern's own JSON export."""
EXPORT_VERSION = 1
W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EXTENSION = "lectern:"
"""Prefix of lectern's own properties in W3C JSON-LD."""
CSV_COLUMNS = (
    "Highlight",
    "Title",
    "Author",
    "URL",
    "Note",
    "Location",
    "Tags",
    "Color",
    "Document",
    "Start (file)",
    "End (file)",
    "Date",
    "SHA256",
    "Original",
)
"""Readwise's columns first (Highlight, Title, Author, URL, Note, Location), then lectern's."""
OFFSETS_FILE = "file"
"""The ``offsets`` of jsonl lines: code points into the document file's text (``FILE_TEXT``)."""
OFFSETS_TEXT = "text"
"""The ``offsets`` of doccano lines: code points into the line's own ``text``."""
OFFSETS_DOCUMENT = "document"
"""The ``offsets`` of lectern's json: code points into the document's text after its front matter."""
FILE_TEXT = (
    "code points into the document file's text: its bytes decoded (UTF-8, or UTF-16/32 as its "
    "byte-order mark says; the mark is not counted; Windows-1252 when not UTF-8), every line ending "
    "(CRLF, CR) counted as one LF, front matter included: what Python's open(path, encoding='utf-8-sig')"
    ".read() gives for a UTF-8 file"
)
"""What the offsets of the exports that name a file index (W3C, jsonl, csv, markdown)."""
MAX_AUTHOR = 500
"""Characters of an author's name (or names), as for the other front-matter fields."""
UNKNOWN_TIME = "1970-01-01T00:00:00+00:00"
"""Stands for a time a foreign annotation does not give: fixed, so a re-import changes nothing."""
UNMATCHED = "unmatched"
"""Folder (under the store) named in the synthetic path of an orphan that says where it came from."""
CSS = {"yellow": "#fff59d", "green": "#c5e1a5", "blue": "#90caf9", "pink": "#f48fb1", "orange": "#ffcc80"}
"""Highlight colours for the W3C stylesheet (readers of the export, not lectern's theme)."""
_HYPOTHESIS = "https://hypothes.is/a/"
_MAX_OCCURRENCES = 1_000
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_BLOCK_MARKER = re.compile(r"[ \t]*(?:(?:#{1,6}|>|[-*+]|\d{1,9}[.)])(?:[ \t]+|$))*")
_UNMARKABLE = re.compile(r"\s*(?:`{3,}|~{3,}|\||(?:[-*_=][ \t]*){3,}$)")
"""Lines left bare inside a mark: code fences, table rows, rules and setext underlines."""


# --------------------------------------------------------------------------- the documents


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


def _uri(path: str) -> str:
    return file_uri(path) if path else ""


# --------------------------------------------------------------------------- export


def export(docs: Sequence[ExportDocument], fmt: str, *, full_text: bool = False) -> str:
    """The documents' annotations in format ``fmt`` (one of ``FORMATS``); ``full_text``: Markdown only."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    docs = _in_order(docs)
    if fmt == "markdown":
        return _markdown(docs, full_text)
    writer = {"json": _json, "jsonl": _jsonl, "doccano": _doccano, "csv": _csv, "w3c": _w3c}[fmt]
    return writer(docs)


def left_out(docs: Sequence[ExportDocument], fmt: str) -> list[str]:
    """What format ``fmt`` leaves out, one line per document, for the caller to report."""
    if fmt != "doccano":
        return []
    lines = []
    for doc in _in_order(docs):
        if doc.text is None:
            lines.append(f"{doc.ref.id}: left out {len(doc.annotations)} passage(s): its text cannot be read")
            continue
        current = {a.id for a in _current(doc)}
        untagged = sum(1 for a in doc.annotations if not a.tags)
        missing = sum(1 for a in doc.annotations if a.tags and a.id not in current)
        reasons = [f"{untagged} untagged passage(s)"] if untagged else []
        reasons += [f"{missing} passage(s) no longer in the text"] if missing else []
        if reasons:
            lines.append(f"{doc.ref.id}: left out {' and '.join(reasons)}")
    return lines


def _in_order(docs: Iterable[ExportDocument]) -> list[ExportDocument]:
    """Documents by id, passages by position: so equal stores give equal exports."""
    ranked = sorted(docs, key=lambda d: (d.ref.id, d.ref.path))
    return [replace(d, annotations=ordered(d.annotations)) for d in ranked]


def _passages(docs: Iterable[ExportDocument]) -> Iterator[tuple[ExportDocument, Annotation]]:
    for doc in docs:
        for annotation in doc.annotations:
            yield doc, annotation


def _current(doc: ExportDocument) -> list[Annotation]:
    """The passages whose offsets mark them in ``doc.text`` as it is now."""
    text = doc.text
    if text is None:
        return []
    # a fuzzy passage no longer equals its quote, but its offsets hold for the text it was found in
    same_text = text_sha256(text) == doc.ref.sha256
    return [a for a in doc.annotations if _marks(a, text, same_text)]


def _marks(a: Annotation, text: str, same_text: bool) -> bool:
    if a.anchor == "orphaned" or not 0 <= a.start < a.end <= len(text):
        return False
    # a fuzzy passage re-anchored before quotes followed the text kept its old quote
    return text[a.start : a.end] == a.target.exact or (a.anchor == "fuzzy" and same_text)


@dataclass(frozen=True)
class _Passage:
    """A passage as the exports give it: the text at its offsets now, with the context around it."""

    quote: str
    prefix: str
    suffix: str
    span: tuple[int, int] | None
    """Its offsets into ``ExportDocument.text``; None when it is not in the current text (an
    orphan, or a document whose text cannot be read): then the quote is the last one known."""
    original: str
    """The quote as the annotation was made, when it is not ``quote`` ('' otherwise)."""


def _passage(doc: ExportDocument, a: Annotation) -> _Passage:
    text, t = doc.text, a.target
    if text is not None and _marks(a, text, text_sha256(text) == doc.ref.sha256):
        now = target_at(text, a.start, a.end)
        found = _Passage(now.exact, now.prefix, now.suffix, (a.start, a.end), "")
    else:
        found = _Passage(t.exact, t.prefix, t.suffix, None, "")
    return replace(found, original=t.original_quote) if t.original_quote != found.quote else found


def _file_span(doc: ExportDocument, passage: _Passage) -> tuple[int, int] | None:
    """The passage's offsets into the file's text (``FILE_TEXT``), when both are known."""
    if passage.span is None or doc.text_start is None:
        return None
    return passage.span[0] + doc.text_start, passage.span[1] + doc.text_start


def _web_address(source: str) -> bool:
    parts = urlsplit(source)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _json_line(value: dict[str, Any]) -> str:
    """One JSON line; the characters ``str.splitlines`` breaks on are escaped too."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


# --------------------------------------------------------------------------- json, jsonl, doccano, csv


def _json(docs: list[ExportDocument]) -> str:
    payload = {
        "format": LECTERN_FORMAT,
        "version": EXPORT_VERSION,
        "offsets": OFFSETS_DOCUMENT,
        "documents": [_json_document(doc) for doc in docs],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def _json_document(doc: ExportDocument) -> dict[str, Any]:
    ref = doc.ref
    return {
        "id": ref.id,
        "title": ref.title,
        "path": ref.path,
        "uri": _uri(ref.path),
        "sha256": ref.sha256,
        "source": doc.source,
        "annotations": [a.to_dict() for a in doc.annotations],
    }


def _jsonl(docs: list[ExportDocument]) -> str:
    return "".join(_json_line(_labelled(doc, a)) for doc, a in _passages(docs))


def _labelled(doc: ExportDocument, a: Annotation) -> dict[str, Any]:
    passage = _passage(doc, a)
    span = _file_span(doc, passage)
    return {
        "text": passage.quote,
        "labels": list(a.tags),
        "document": doc.ref.id,
        "title": doc.ref.title,
        "uri": _uri(doc.ref.path),
        "start": span[0] if span else None,
        "end": span[1] if span else None,
        "offsets": OFFSETS_FILE,
        "sha256": a.sha256,
        "note": a.note,
        "color": a.color,
        "id": a.id,
        "anchor": a.anchor,
        "original": a.target.original_quote,
    }


def _doccano(docs: list[ExportDocument]) -> str:
    lines = []
    for doc in docs:
        spans = _spans(doc)
        if doc.text is None or not spans:
            continue
        line = {
            "text": doc.text,
            "label": spans,
            "offsets": OFFSETS_TEXT,
            "document": doc.ref.id,
            "title": doc.ref.title,
            "sha256": doc.ref.sha256,
        }
        lines.append(_json_line(line))
    return "".join(lines)


def _spans(doc: ExportDocument) -> list[list[int | str]]:
    """One [start, end, tag] per tag of each passage in the current text, without duplicates."""
    spans = {(a.start, a.end, tag) for a in _current(doc) for tag in a.tags}
    return [[start, end, tag] for start, end, tag in sorted(spans)]


def _csv(docs: list[ExportDocument]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: CRLF row ends, quotes only where a cell needs them
    writer.writerow(CSV_COLUMNS)
    for doc, a in _passages(docs):
        passage = _passage(doc, a)
        span = _file_span(doc, passage)
        start, end = span if span else ("", "")
        url = doc.source if _web_address(doc.source) else _uri(doc.ref.path)
        writer.writerow(
            [
                passage.quote,
                doc.ref.title,
                doc.author,
                url,
                a.note,
                start,
                ",".join(a.tags),
                a.color,
                doc.ref.id,
                start,
                end,
                a.created,
                a.sha256,
                passage.original,
            ]
        )
    return out.getvalue()


# --------------------------------------------------------------------------- W3C Web Annotation


def _w3c(docs: list[ExportDocument]) -> str:
    items = [_w3c_annotation(doc, a) for doc, a in _passages(docs)]
    # ids derived from the content, so the same annotations always make the same collection
    key = uuid.uuid5(uuid.NAMESPACE_URL, "lectern:collection:" + ",".join(sorted(i["id"] for i in items)))
    collection = {
        "@context": W3C_CONTEXT,
        "id": f"urn:uuid:{key}",
        "type": "AnnotationCollection",
        "label": "lectern annotations",
        EXTENSION + "offsets": f"TextPositionSelector: {FILE_TEXT}",
        "total": len(items),
        "first": {
            "id": f"urn:uuid:{uuid.uuid5(key, 'page-1')}",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }
    return json.dumps(collection, ensure_ascii=False, indent=2) + "\n"


def _w3c_annotation(doc: ExportDocument, a: Annotation) -> dict[str, Any]:
    passage = _passage(doc, a)
    span = _file_span(doc, passage)
    item: dict[str, Any] = {
        "id": _urn(a.id),
        "type": "Annotation",
        "created": a.created,
        "modified": a.modified,
        "motivation": "commenting" if a.note else "highlighting",
    }
    note = {"type": "TextualBody", "value": a.note, "format": "text/plain", "purpose": "commenting"}
    bodies = [note] if a.note else []
    bodies += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in a.tags]
    if bodies:
        item["body"] = bodies
    quote = {"type": "TextQuoteSelector", "exact": passage.quote}
    quote.update(prefix=passage.prefix, suffix=passage.suffix)
    position = {"type": "TextPositionSelector", "start": span[0], "end": span[1]} if span else None
    item["target"] = {
        "source": _uri(doc.ref.path),
        "styleClass": f"lectern-{a.color}",
        "selector": [quote, position] if position else [quote],
    }
    if a.color in CSS:  # the model asks for a stylesheet wherever a styleClass is used
        item["stylesheet"] = {
            "type": "CssStylesheet",
            "value": f".lectern-{a.color} {{ background-color: {CSS[a.color]}; }}",
        }
    item[EXTENSION + "anchor"] = a.anchor
    item[EXTENSION + "sha256"] = a.sha256
    if passage.original:
        item[EXTENSION + "original"] = passage.original
    if position is None:  # no place in the file to point at: lectern's own offsets, for a lossless import
        item[EXTENSION + "textPosition"] = {"start": a.start, "end": a.end}
    document: dict[str, Any] = {"id": doc.ref.id, "title": doc.ref.title, "sha256": doc.ref.sha256}
    if doc.text_start is not None:
        document["textStart"] = doc.text_start
    item[EXTENSION + "document"] = document
    return item


def _urn(annotation_id: str) -> str:
    """An annotation's IRI: its uuid as a URN (an id that is no uuid gets a stable one)."""
    try:
        return f"urn:uuid:{uuid.UUID(annotation_id)}"
    except ValueError:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'lectern:' + annotation_id)}"


# --------------------------------------------------------------------------- Markdown


class _Footnotes:
    """Footnote numbers, shared by every document of one export so labels never clash."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last += 1
        return self.last


def _markdown(docs: list[ExportDocument], full_text: bool) -> str:
    numbers = _Footnotes()
    parts = ["# Annotations\n"]
    for doc in docs:
        parts.append(_markdown_head(doc))
        if full_text and doc.text is not None:
            parts.append(_markdown_full(doc, numbers))
        else:
            if full_text:
                parts.append("*The text of this document cannot be read; its passages follow.*\n")
            parts.extend(_markdown_passage(doc, a) for a in doc.annotations)
    return "\n".join(parts)


def _md(text: str) -> str:
    """Inline text with the characters Markdown would act on escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _markdown_head(doc: ExportDocument) -> str:
    ref = doc.ref
    lines = [f"## {_md(ref.title or ref.id)}\n", f"- Document: {_md(ref.id)}"]
    if doc.source:
        lines.append(f"- Source: {_md(doc.source)}")
    if ref.path:
        lines.append(f"- File: <{_uri(ref.path)}>")
    lines.append(f"- Text sha256: {ref.sha256 or 'unknown'}")
    count = len(doc.annotations)
    lines.append(f"- {count} passage{'s' if count != 1 else ''}\n")
    return "\n".join(lines)


def _markdown_passage(doc: ExportDocument, a: Annotation) -> str:
    passage = _passage(doc, a)
    quote = "\n".join(f"> {line}".rstrip() for line in passage.quote.split("\n"))
    parts = [quote or "> (no quoted passage)", ""]
    if passage.original:
        parts += [f"*First quoted as:* {_md(passage.original)}", ""]
    if a.note:
        parts += [a.note, ""]
    parts += [_markdown_facts(doc, a), ""]
    return "\n".join(parts)


def _markdown_facts(doc: ExportDocument, a: Annotation) -> str:
    """The passage's colour, tags and offsets for the reader, and its provenance in a comment."""
    facts = [a.color]
    if a.tags:
        facts.append("tags: " + ", ".join(_md(t) for t in a.tags))
    span = _file_span(doc, _passage(doc, a))
    if span is not None:
        facts.append(f"characters {span[0]}–{span[1]} of the file")
    if a.anchor != "anchored":
        facts.append("not found in the current text" if a.anchor == "orphaned" else f"anchor {a.anchor}")
    start, end = span if span else (None, None)
    carried = {
        "id": a.id,
        "document": doc.ref.id,
        "start": start,
        "end": end,
        "offsets": OFFSETS_FILE,
        "sha256": a.sha256,
    }
    # "--" may not occur inside an HTML comment; as a JSON escape it reads back the same
    comment = json.dumps(carried, ensure_ascii=False).replace("--", "-\\u002d")
    return f"*{' · '.join(facts)}* <!-- lectern {comment} -->"


def _markdown_full(doc: ExportDocument, numbers: _Footnotes) -> str:
    text = doc.text or ""
    marked = _current(doc)
    notes = [(a, numbers.next()) for a in marked]
    parts = [_marked_text(text, [(a.start, a.end, n) for a, n in notes]).rstrip("\n"), ""]
    parts += [_footnote(doc, a, n) for a, n in notes]
    rest = [a for a in doc.annotations if a not in marked]
    if rest:
        parts += ["", "### Not found in the current text\n"]
        parts += [_markdown_passage(doc, a) for a in rest]
    return "\n".join(parts) + "\n"


def _marked_text(text: str, spans: list[tuple[int, int, int]]) -> str:
    """``text`` with every span in ``<mark>`` and its footnote after its last visible character.

    The text is cut at every span boundary and each piece covered by one span or more is marked
    once, so overlapping passages give adjacent marks, never nested or crossed ones.
    """
    delta: dict[int, int] = {}
    notes_at: dict[int, list[int]] = {}
    for start, end, number in spans:
        delta[start] = delta.get(start, 0) + 1
        delta[end] = delta.get(end, 0) - 1
        # a passage ending in a newline gets its footnote before it, not at the next line's start
        shown = len(text[start:end].rstrip())
        notes_at.setdefault(start + shown if shown else end, []).append(number)
    cuts = sorted({0, len(text), *delta, *notes_at})
    out: list[str] = []
    depth = 0
    for low, high in itertools.pairwise(cuts):
        depth += delta.get(low, 0)
        piece = text[low:high]
        out.append(_mark(piece, low == 0 or text[low - 1] == "\n") if depth > 0 else piece)
        out.extend(f"[^{n}]" for n in notes_at.get(high, []))
    return "".join(out)


def _mark(piece: str, at_line_start: bool) -> str:
    """A piece in ``<mark>``, line by line, after any block syntax (headings, quotes, lists).

    A mark across a blank line or before a ``#`` would break the Markdown block it sits in, and
    fence or rule lines stay bare so code blocks still open and close.
    """
    lines = piece.split("\n")
    for i, line in enumerate(lines):
        starts_line = i > 0 or at_line_start
        match = _BLOCK_MARKER.match(line) if starts_line else None
        lead = match.end() if match else 0
        body = line[lead:]
        if body.strip() and not (starts_line and _UNMARKABLE.match(line)):
            lines[i] = f"{line[:lead]}<mark>{body}</mark>"
    return "\n".join(lines)


def _footnote(doc: ExportDocument, a: Annotation, number: int) -> str:
    note = a.note.replace("\n", "\n    ") if a.note else "(highlight)"
    return f"[^{number}]: {note}\n    {_markdown_facts(doc, a)}"


# --------------------------------------------------------------------------- import: the result


class ImportFormatError(ValueError):
    """The file is not one lectern can import (the message says why); nothing was changed."""


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    added: int = 0
    updated: int = 0
    """Annotations replaced by a newer version from the file (or found again after being orphaned)."""
    unchanged: int = 0
    orphaned: tuple[str, ...] = ()
    """One line per annotation kept as an orphan, saying why (no document, quote not found)."""

    @property
    def total(self) -> int:
        """How many annotations the file held (after duplicates by id)."""
        return self.added + self.updated + self.unchanged


@dataclass(frozen=True)
class _Incoming:
    """One validated annotation from the file, with what the file says about its document."""

    annotation: Annotation
    doc_id: str = ""
    title: str = ""
    path: str = ""
    """The document's local path (from lectern's JSON or a file:// URI); '' when unknown."""
    uri: str = ""
    doc_sha256: str = ""
    """The sha256 of the text the offsets were anchored to; '' when unknown."""
    trusted_anchor: bool = False
    """Whether the file is lectern's and gives the anchor status for that text."""


# --------------------------------------------------------------------------- import: parsing


def parse(data: str | bytes) -> list[Annotation]:
    """The annotations a file holds, validated (ImportFormatError otherwise); nothing is saved."""
    return [item.annotation for item in _parse(data)]


def _parse(data: str | bytes) -> list[_Incoming]:
    text = _decode(data)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            f"not JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except (RecursionError, ValueError) as error:
        raise ImportFormatError(f"not JSON lectern can read: {error}") from None
    return _dispatch(raw)


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        data = _decode_bytes(data)
    if "\x00" in data:
        raise ImportFormatError("binary data (a NUL character), not JSON")
    return data.removeprefix("\ufeff")


def _decode_bytes(data: bytes) -> str:
    """Decoded as documents are: a byte-order mark chooses UTF-8, UTF-16 or UTF-32 (tools on
    Windows write exports that way), else UTF-8. Never the Windows-1252 guess documents fall back
    to: an export is written in Unicode, and a guessed encoding would change the quotes that
    find each passage."""
    try:
        text, problem = decode(data)
    except BinaryFileError:
        nul = data.find(bytes(1))
        raise ImportFormatError(f"binary data (a NUL byte at offset {nul}), not JSON") from None
    if problem is None:
        return text
    if not data.startswith(_UNICODE_BOMS):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            where = f"byte 0x{data[error.start]:02x} at offset {error.start}"
            raise ImportFormatError(f"not UTF-8 text ({where})") from None
    raise ImportFormatError(f"not readable text: {problem}")


_UNICODE_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
"""The byte-order marks ``decode`` honours (UTF-32 LE's starts with UTF-16 LE's)."""


def _dispatch(raw: Any) -> list[_Incoming]:
    """Tell the formats apart by their shape: lectern's marker, W3C's types, Hypothesis's rows."""
    if isinstance(raw, dict):
        if raw.get("format") == LECTERN_FORMAT:
            return _from_lectern(raw)
        if "type" in raw or "@type" in raw or "@context" in raw:
            return [_from_w3c(item, where) for item, where in _w3c_items(raw, _root(raw))]
        if "annotations" in raw:
            rows = _list(raw["annotations"], "annotations")
            return [_from_hypothesis(row, f"annotations[{i}]") for i, row in enumerate(rows)]
        keys = f"keys {', '.join(sorted(raw)[:8])}" if raw else "no keys"
        raise ImportFormatError(
            f"not a lectern, W3C Web Annotation or Hypothesis export (a JSON object with {keys})"
        )
    if isinstance(raw, list):
        return [_from_list_item(item, f"item {i}") for i, item in enumerate(raw)]
    raise ImportFormatError(f"not an annotation export (the file's JSON is {_kind(raw)})")


def _root(raw: dict[str, Any]) -> str:
    """What to call the top object in a message: "collection", "page" or "annotation"."""
    kinds = " ".join(_strings(raw, "type", "the file") if "type" in raw else [])
    return "collection" if "Collection" in kinds else "page" if "Page" in kinds else "annotation"


def _from_list_item(raw: Any, where: str) -> _Incoming:
    item = _mapping(raw, where)
    if "type" in item or "@type" in item:  # every W3C Annotation has a type; Hypothesis rows do not
        return _from_w3c(item, where)
    return _from_hypothesis(item, where)


def _kind(value: Any) -> str:
    """What a JSON value is, for a message: "an object", "a number"..."""
    if isinstance(value, bool):
        return "a boolean"
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), "null")


# ----- validation: every field the import uses is checked, with where it was found


def _fail(where: str, problem: str) -> ImportFormatError:
    return ImportFormatError(f"{where}: {problem}")


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"is {_kind(value)}, not an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(where, f"is {_kind(value)}, not a list")
    return value


def _string(raw: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None:
        if required:
            raise _fail(where, f"has no {key!r}")
        return ""
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", f"is {_kind(value)}, not a string")
    return value


def _strings(raw: dict[str, Any], key: str, where: str) -> list[str]:
    """A list of strings (a lone string counts as a list of one)."""
    value = raw.get(key)
    if value is None:
        return []
    items = [value] if isinstance(value, str) else _list(value, f"{where}.{key}")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _fail(f"{where}.{key}[{i}]", f"is {_kind(item)}, not a string")
    return items


def _offset(raw: dict[str, Any], key: str, where: str) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(f"{where}.{key}", f"is {_kind(value)}, not a whole number")
    if value < 0:
        raise _fail(f"{where}.{key}", f"{value} is negative")
    return value


def _span(raw: dict[str, Any], where: str) -> tuple[int, int]:
    start, end = _offset(raw, "start", where), _offset(raw, "end", where)
    if end < start:
        raise _fail(where, f"ends ({end}) before it starts ({start})")
    return start, end


def _time(raw: dict[str, Any], key: str, where: str) -> str:
    """An ISO 8601 time as written, or '' when absent."""
    value = _string(raw, key, where)
    if value and _instant(value) is None:
        raise _fail(f"{where}.{key}", f"{value[:40]!r} is not an ISO 8601 time")
    return value


def _instant(value: str) -> datetime | None:
    """The moment an ISO 8601 time names (UTC when it has no zone); None when it is not one."""
    text = value.strip()
    text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text  # Python 3.10 reads no "Z"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _times(created: str, modified: str) -> tuple[str, str]:
    """Created and modified, each standing in for the other, else a fixed unknown time."""
    created = created or modified or UNKNOWN_TIME
    return created, modified or created


def _color(value: str) -> str:
    """A palette colour; any other (another tool's, a newer lectern's) becomes the default."""
    return value if value in COLORS else COLORS[0]


def _anchor(raw: dict[str, Any], key: str, where: str) -> Status | None:
    value = _string(raw, key, where)
    if not value:
        return None
    for status in STATUSES:
        if value == status:
            return status
    raise _fail(f"{where}.{key}", f"{value[:40]!r} is not one of {', '.join(STATUSES)}")


def _foreign_id(value: str, fallback: Any) -> str:
    """A lectern id for a foreign annotation: its uuid when it has one, else a stable uuid5."""
    if value.lower().startswith("urn:uuid:"):
        try:
            return str(uuid.UUID(value[len("urn:uuid:") :]))
        except ValueError:
            pass
    seed = value or "lectern:content:" + json.dumps(fallback, sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


# ----- lectern's own JSON


def _from_lectern(raw: dict[str, Any]) -> list[_Incoming]:
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail("version", f"is {version!r}, not a format version")
    if version > EXPORT_VERSION:
        raise ImportFormatError(f"written by a newer lectern (export format {version}); update lectern")
    items: list[_Incoming] = []
    for i, entry in enumerate(_list(raw.get("documents"), "documents")):
        items.extend(_lectern_document(entry, f"documents[{i}]"))
    return items


def _lectern_document(raw: Any, where: str) -> list[_Incoming]:
    doc = _mapping(raw, where)
    uri = _string(doc, "uri", where)
    path = _string(doc, "path", where) or path_of_uri(uri) or ""
    about = {
        "doc_id": _string(doc, "id", where),
        "title": _string(doc, "title", where),
        "path": path,
        "uri": uri,
        "doc_sha256": _string(doc, "sha256", where),
    }
    _string(doc, "source", where)  # not used (the corpus knows it), but a wrong type means a damaged file
    entries = _list(doc.get("annotations", []), f"{where}.annotations")
    return [
        _Incoming(_lectern_annotation(a, f"{where}.annotations[{j}]"), **about, trusted_anchor=True)
        for j, a in enumerate(entries)
    ]


def _lectern_annotation(raw: Any, where: str) -> Annotation:
    entry = _mapping(raw, where)
    target = _mapping(entry.get("target"), f"{where}.target")
    start, end = _span(target, f"{where}.target")
    created, modified = _times(_time(entry, "created", where), _time(entry, "modified", where))
    return Annotation(
        id=_string(entry, "id", where, required=True),
        created=created,
        modified=modified,
        color=_color(_string(entry, "color", where)),
        note=_string(entry, "note", where).strip(),
        tags=clean_tags(_strings(entry, "tags", where)),
        target=Target(
            exact=_string(target, "exact", f"{where}.target", required=True),
            prefix=_string(target, "prefix", f"{where}.target"),
            suffix=_string(target, "suffix", f"{where}.target"),
            start=start,
            end=end,
            original=_string(target, "original", f"{where}.target"),
        ),
        anchor=_anchor(entry, "anchor", where) or "anchored",
        sha256=_string(entry, "sha256", where),
    )


# ----- W3C Web Annotation


def _types(raw: dict[str, Any], where: str) -> set[str]:
    """The types of a JSON-LD node, without any ``oa:``-style prefix."""
    key = "type" if "type" in raw else "@type"
    if key not in raw:
        raise _fail(where, "has no type (W3C Web Annotation needs one)")
    return {t.rsplit(":", 1)[-1] for t in _strings(raw, key, where)}


def _w3c_items(raw: dict[str, Any], where: str) -> list[tuple[Any, str]]:
    """The Annotations in a W3C document: one Annotation, a page, or a collection of pages."""
    kinds = _types(raw, where)
    if "Annotation" in kinds:
        return [(raw, where)]
    if "AnnotationPage" in kinds:
        return _pages(raw, where)
    if "AnnotationCollection" in kinds:
        if "items" in raw:
            return _pages(raw, where)
        first = raw.get("first")
        return [] if first is None else _pages(first, f"{where}.first")
    raise _fail(where, f"has type {', '.join(sorted(kinds))}, not Annotation, AnnotationPage or Collection")


def _pages(raw: Any, where: str) -> list[tuple[Any, str]]:
    """The items of a page and of the pages that follow it in the same file."""
    found: list[tuple[Any, str]] = []
    page: Any = raw
    while page is not None:
        if isinstance(page, str):  # offline: a page elsewhere cannot be fetched, and half is not enough
            raise _fail(where, f"the annotations are at {page[:80]}, which is not in this file")
        page = _mapping(page, where)
        items = _list(page.get("items", []), f"{where}.items")
        found.extend((item, f"{where}.items[{i}]") for i, item in enumerate(items))
        page, where = page.get("next"), f"{where}.next"
    return found


def _from_w3c(raw: Any, where: str) -> _Incoming:
    item = _mapping(raw, where)
    if "Annotation" not in _types(item, where):
        raise _fail(where, "is not an Annotation")
    if item.get("target") is None:
        raise _fail(where, "has no target")
    motivation = next(iter(_strings(item, "motivation", where)), "")
    note, tags = _w3c_bodies(item, motivation, where)
    targeted = _target(item["target"], f"{where}.target")
    doc = _mapping(item.get(EXTENSION + "document", {}), f"{where}.{EXTENSION}document")
    created, modified = _times(_time(item, "created", where), _time(item, "modified", where))
    anchor = _anchor(item, EXTENSION + "anchor", where)
    annotation = Annotation(
        id=_foreign_id(_string(item, "id", where), item),
        created=created,
        modified=modified,
        color=_color(targeted.style.removeprefix("lectern-")),
        note=note,
        tags=tags,
        target=_lectern_target(item, doc, targeted, where),
        anchor=anchor or "anchored",
        sha256=_string(item, EXTENSION + "sha256", where),
    )
    source = targeted.source
    return _Incoming(
        annotation,
        doc_id=_string(doc, "id", f"{where}.{EXTENSION}document"),
        title=_string(doc, "title", f"{where}.{EXTENSION}document"),
        path=path_of_uri(source) or "",
        uri=source,
        doc_sha256=_string(doc, "sha256", f"{where}.{EXTENSION}document"),
        trusted_anchor=anchor is not None,
    )


def _lectern_target(item: dict[str, Any], doc: dict[str, Any], found: _Targeted, where: str) -> Target:
    """The passage in lectern's own offsets (into the document's text after its front matter).

    lectern's export gives positions in the file's text with where the text starts in it
    (``textStart``), and lectern's own offsets where it gives no position (``textPosition``);
    older exports and other tools give positions that are read as they are (a hint, when they
    come from another text).
    """
    target = replace(found.target, original=_string(item, EXTENSION + "original", where))
    if found.positioned and "textStart" in doc:
        shift = _offset(doc, "textStart", f"{where}.{EXTENSION}document")
        return replace(target, start=max(0, target.start - shift), end=max(0, target.end - shift))
    if not found.positioned and item.get(EXTENSION + "textPosition") is not None:
        here = f"{where}.{EXTENSION}textPosition"
        start, end = _span(_mapping(item[EXTENSION + "textPosition"], here), here)
        return replace(target, start=start, end=end)
    return target


def _w3c_bodies(item: dict[str, Any], motivation: str, where: str) -> tuple[str, tuple[str, ...]]:
    """The note (commenting and other bodies, joined) and the tags (tagging bodies)."""
    notes: list[str] = [_string(item, "bodyValue", where)]
    tags: list[str] = []
    body = item.get("body")
    bodies = [] if body is None else body if isinstance(body, list) else [body]
    for i, entry in enumerate(bodies):
        value, purpose = _w3c_body(entry, motivation, f"{where}.body[{i}]")
        (tags if purpose == "tagging" else notes).append(value)
    return "\n\n".join(n.strip() for n in notes if n.strip()), clean_tags(tags)


def _w3c_body(raw: Any, motivation: str, where: str) -> tuple[str, str]:
    """A body's text and purpose (a body without one serves the annotation's motivation)."""
    if isinstance(raw, str):  # an IRI of a body elsewhere: keep the reference as text
        return raw, motivation
    body = _mapping(raw, where)
    value = _string(body, "value", where) or _string(body, "id", where)
    if not value and "value" not in body:
        raise _fail(where, "has neither a value nor an id")
    purpose = next(iter(_strings(body, "purpose", where)), "") or motivation
    return value, purpose


@dataclass(frozen=True)
class _Targeted:
    """What an annotation's target says: its source, passage and style class."""

    source: str
    target: Target
    style: str = ""
    positioned: bool = False
    """Whether a TextPositionSelector gave the offsets (they index the source's text)."""


def _target(raw: Any, where: str) -> _Targeted:
    """The source, the passage and the style class of an annotation's (first textual) target."""
    if isinstance(raw, list):
        if not raw:
            raise _fail(where, "is an empty list")
        found = [_target(entry, f"{where}[{i}]") for i, entry in enumerate(raw)]
        return next((f for f in found if f.target.exact or f.positioned), found[0])
    if isinstance(raw, str):  # the whole document, no passage
        return _Targeted(raw, Target("", "", "", 0, 0))
    target = _mapping(raw, where)
    source = _string(target, "source", where) or _string(target, "id", where)
    if not source:
        raise _fail(where, "has no source")
    selectors = target.get("selector")
    listed = [] if selectors is None else selectors if isinstance(selectors, list) else [selectors]
    passage, positioned = _selected(listed, f"{where}.selector")
    return _Targeted(source, passage, _string(target, "styleClass", where), positioned)


def _selected(selectors: list[Any], where: str) -> tuple[Target, bool]:
    """The passage a target's quote and position selectors give (other selectors are ignored), and
    whether a position was given."""
    exact, prefix, suffix, span = "", "", "", None
    for i, raw in enumerate(selectors):
        if isinstance(raw, str):  # a selector elsewhere, by IRI: nothing to read here
            continue
        selector, here = _mapping(raw, f"{where}[{i}]"), f"{where}[{i}]"
        kind = _string(selector, "type", here).rsplit(":", 1)[-1]
        if kind == "TextQuoteSelector":
            exact = _string(selector, "exact", here, required=True)
            prefix, suffix = _string(selector, "prefix", here), _string(selector, "suffix", here)
        elif kind == "TextPositionSelector":
            span = _span(selector, here)
    # offsets from another text (a web page) are only a hint: re-anchoring finds the quote
    start, end = span or (0, 0)
    return Target(exact, prefix, suffix, start, end), span is not None


# ----- Hypothesis


def _from_hypothesis(raw: Any, where: str) -> _Incoming:
    row = _mapping(raw, where)
    uri = _string(row, "uri", where)
    if row.get("target") is None and not uri:
        raise _fail(where, "is neither a W3C Annotation nor a Hypothesis annotation (no target, no uri)")
    # a reply or a page note has no passage: it targets the page, and is kept as an orphan
    found = row.get("target") or uri
    targeted = _target(found, f"{where}.target")
    source, target = targeted.source, targeted.target
    hypothesis_id = _string(row, "id", where)
    created, modified = _times(_time(row, "created", where), _time(row, "updated", where))
    document = _mapping(row.get("document") or {}, f"{where}.document")
    annotation = Annotation(
        id=_foreign_id(_HYPOTHESIS + hypothesis_id if hypothesis_id else "", row),
        created=created,
        modified=modified,
        color=COLORS[0],
        note=_string(row, "text", where).strip(),
        tags=clean_tags(_strings(row, "tags", where)),
        target=target,
    )
    title = next(iter(_strings(document, "title", f"{where}.document")), "")
    return _Incoming(annotation, title=" ".join(title.split()), path=path_of_uri(source) or "", uri=source)


# --------------------------------------------------------------------------- import: matching


class _Finder:
    """Finds an incoming annotation's document in the corpus: by path, by content hash, by quote."""

    def __init__(self, corpus: Sequence[ExportDocument]) -> None:
        self.docs = sorted(corpus, key=lambda d: (d.ref.id, d.ref.path))
        self.by_path: dict[str, ExportDocument] = {}
        self.by_sha: dict[str, list[ExportDocument]] = {}
        for doc in self.docs:
            for key in _path_keys(doc.ref.path):
                self.by_path.setdefault(key, doc)
            if doc.ref.sha256:
                self.by_sha.setdefault(doc.ref.sha256, []).append(doc)

    def find(self, item: _Incoming) -> tuple[ExportDocument | None, str]:
        """The document, or None and why there is none."""
        if item.path:
            found = next((self.by_path[k] for k in _path_keys(item.path) if k in self.by_path), None)
            if found is not None:
                return found, ""
        for sha in (item.doc_sha256, item.annotation.sha256):
            same = self.by_sha.get(sha, []) if sha else []
            if same:  # copies of one text: the one with the same id or title, else the first
                return max(same, key=lambda d: (d.ref.id == item.doc_id, d.ref.title == item.title)), ""
        return self._by_quote(item)

    def _by_quote(self, item: _Incoming) -> tuple[ExportDocument | None, str]:
        target = item.annotation.target
        if not target.exact:
            return None, "it has no quoted passage, and no document in this corpus has its path or hash"
        scored = [
            ((_fit(target, d.text), d.ref.id == item.doc_id, d.ref.title == item.title), d)
            for d in self.docs
            if d.text is not None and target.exact in d.text
        ]
        if not scored:
            return None, "no document in this corpus has its path, its hash or its quote"
        best = max(score for score, _ in scored)
        top = [d for score, d in scored if score == best]
        if len(top) == 1:
            return top[0], ""
        names = ", ".join(d.ref.id for d in top[:3]) + (", ..." if len(top) > 3 else "")
        return None, f"its quote occurs in {len(top)} documents and fits them equally well ({names})"


def _path_keys(path: str) -> list[str]:
    """The forms a path may be compared in: absolute, and with symbolic links resolved."""
    if not path:
        return []
    keys = [os.path.normpath(os.path.abspath(path))]
    with contextlib.suppress(OSError, RuntimeError):  # a loop of links, a folder we may not read
        keys.append(str(Path(path).resolve()))
    return list(dict.fromkeys(keys))


def _fit(target: Target, text: str | None) -> int:
    """Characters of the quote's stored prefix and suffix that match at its best occurrence."""
    if not text:
        return 0
    best, at, seen = 0, text.find(target.exact), 0
    while at >= 0 and seen < _MAX_OCCURRENCES:
        end = at + len(target.exact)
        before = text[max(0, at - len(target.prefix)) : at]
        after = text[end : end + len(target.suffix)]
        best = max(best, _common(before[::-1], target.prefix[::-1]) + _common(after, target.suffix))
        at, seen = text.find(target.exact, at + 1), seen + 1
    return best


def _common(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


# --------------------------------------------------------------------------- import: saving


@dataclass
class _Destination:
    """One annotation file the import writes to, and what goes into it."""

    ref: DocumentRef
    doc: ExportDocument | None
    annotations: list[Annotation] = field(default_factory=list)


@dataclass
class _Tally:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def import_annotations(
    data: str | bytes, corpus: Sequence[ExportDocument], store: AnnotationStore
) -> ImportReport:
    """Import a lectern JSON, W3C Web Annotation or Hypothesis export into ``store``.

    ``corpus`` is every document annotations may belong to, with its text (``gather`` with
    ``annotated_only=False``). Raises ImportFormatError, before anything is saved, when the file
    is malformed.
    """
    incoming = _newest_by_id(_parse(data))
    found = _documents(incoming, _Finder(corpus))
    plan: dict[str, _Destination] = {}
    orphaned: list[str] = []
    for item in incoming:
        doc, why = found[item.annotation.id]
        if doc is None:
            ref = _unmatched_ref(item, store)
            annotation = replace(item.annotation, anchor="orphaned")
            orphaned.append(f"{_describe(item)}: {why}; kept as an orphan")
        else:
            ref, annotation = doc.ref, _placed(item, doc)
            if annotation.anchor == "orphaned":
                missing = "not found in" if item.annotation.target.exact else "it marks no passage of"
                orphaned.append(f"{_describe(item, False)}: {missing} {doc.ref.id}; kept there as an orphan")
        plan.setdefault(str(store.file_for(ref.path)), _Destination(ref, doc)).annotations.append(annotation)
    tally = _save(list(plan.values()), store, corpus)
    return ImportReport(tally.added, tally.updated, tally.unchanged, tuple(orphaned))


def _documents(items: list[_Incoming], finder: _Finder) -> dict[str, tuple[ExportDocument | None, str]]:
    """Each annotation's document (or why it has none), by annotation id.

    Annotations the file gives one source share a document: one whose quote is gone from the
    text goes where its siblings' quotes were found, and is kept there as an orphan.
    """
    found = {item.annotation.id: finder.find(item) for item in items}
    groups: dict[tuple[str, ...], list[str]] = {}
    for item in items:
        key = (item.path, item.uri, item.doc_id, item.doc_sha256)
        if any(key):
            groups.setdefault(key, []).append(item.annotation.id)
    for ids in groups.values():
        shared = _most_found([found[i][0] for i in ids])
        for i in ids:
            if shared is not None and found[i][0] is None:
                found[i] = (shared, "")
    return found


def _most_found(docs: list[ExportDocument | None]) -> ExportDocument | None:
    """The document most of a group's annotations were found in, when one leads."""
    counts: dict[str, tuple[int, ExportDocument]] = {}
    for doc in docs:
        if doc is not None:
            counts[doc.ref.path] = (counts.get(doc.ref.path, (0, doc))[0] + 1, doc)
    ranked = sorted(counts.values(), key=lambda c: -c[0])
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]


def _newest_by_id(items: list[_Incoming]) -> list[_Incoming]:
    """One entry per annotation id: a file may hold two versions of one annotation."""
    newest: dict[str, _Incoming] = {}
    for item in items:
        known = newest.get(item.annotation.id)
        if known is None or not _newer(item.annotation, known.annotation):  # ties: the later one
            newest[item.annotation.id] = item
    return list(newest.values())


def _placed(item: _Incoming, doc: ExportDocument) -> Annotation:
    """The annotation anchored in the document's current text."""
    a, text = item.annotation, doc.text
    if text is None:  # nothing to anchor against: opening the document re-anchors it later
        return a
    if item.trusted_anchor and item.doc_sha256 == doc.ref.sha256 and _holds(a, text):
        return a  # lectern anchored it in this very text: keep it as it was, status and all
    target = a.target
    if not target.exact:  # a position without a quote (another tool's): take the passage there
        if target.start < target.end <= len(text):
            return replace(a, target=target_at(text, target.start, target.end), anchor="anchored")
        return replace(a, anchor="orphaned")
    found, status = reanchor(target, text)
    if status == "moved" and target.end == 0:  # it gave no position: found as quoted is anchored
        status = "anchored"
    return replace(a, target=found, anchor=status)


def _holds(a: Annotation, text: str) -> bool:
    if a.anchor == "orphaned":
        return True
    if a.anchor == "fuzzy":
        return a.end <= len(text)
    return text[a.start : a.end] == a.target.exact


def _unmatched_ref(item: _Incoming, store: AnnotationStore) -> DocumentRef:
    """Where an orphan is kept: its own path when it has one, else a name under the store."""
    key = item.doc_id or item.uri or item.title or "unknown"
    path = item.path or str((store.folder / UNMATCHED / _safe_name(key)).absolute())
    existing = store.load(path)
    if existing is not None:  # that file already names its document: keep what it says
        return existing.document
    sha = item.doc_sha256 or item.annotation.sha256
    return DocumentRef(id=item.doc_id or item.uri or Path(path).name, path=path, sha256=sha, title=item.title)


def _safe_name(key: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", key).strip("._")[:60] or "document"
    return f"{stem}-{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


def _describe(item: _Incoming, with_source: bool = True) -> str:
    """The annotation for a message: its quote, shortened, and where the file says it was."""
    quote = " ".join(item.annotation.target.exact.split())
    what = f"“{quote[:59]}…”" if len(quote) > 60 else f"“{quote}”" if quote else "a note without a passage"
    where = (item.doc_id or item.uri or item.title) if with_source else ""
    return f"{what} ({where})" if where else what


def _save(
    destinations: list[_Destination], store: AnnotationStore, corpus: Sequence[ExportDocument]
) -> _Tally:
    # Bring each document's stored annotations current first (re-anchored, a moved file adopted),
    # so what is there and what comes in are compared on the same text.
    for dest in destinations:
        if dest.doc is not None and dest.doc.text is not None:
            open_annotations(store, dest.ref, dest.doc.text)
    elsewhere = _in_this_corpus(store, corpus)
    tally = _Tally()
    for dest in destinations:
        merge = _Merge(dest.annotations, elsewhere, store.file_for(dest.ref.path), store, tally)
        store.transact(dest.ref, merge)
        for path, ids in merge.moved.items():  # saved in its new document first, so never lost
            _remove(store, path, ids)
    return tally


def _in_this_corpus(store: AnnotationStore, corpus: Sequence[ExportDocument]) -> dict[str, AnnotationSet]:
    """The annotations an import may find already stored, by id, with the file that holds them.

    The store is shared by every corpus, and ids are unique within a corpus, not across them: the
    same annotation imported into two corpora (two folders holding the same documents) is one
    copy in each, and a copy in another corpus is neither "already there" nor moved away. So only
    the files of this corpus's documents count, and orphans kept for documents that exist
    nowhere (where an earlier import kept what it could not place), which move to their document
    once a corpus has it.
    """
    mine = {key for doc in corpus for key in _path_keys(doc.ref.path)}
    found: dict[str, AnnotationSet] = {}
    for stored in store.summaries():
        ours = any(key in mine for key in _path_keys(stored.document.path))
        kept = not ours and not Path(stored.document.path).exists()
        for a in stored.annotations:
            if ours or (kept and a.anchor == "orphaned"):
                found[a.id] = stored
    return found


def _remove(store: AnnotationStore, path: str, ids: set[str]) -> None:
    """Take annotations that moved to another document out of the file of ``path``."""
    current = store.load(path)
    if current is not None:
        store.transact(current.document, lambda items: [a for a in items if a.id not in ids])


class _Merge:
    """The change ``transact`` applies to one file: add new ids, replace older versions."""

    def __init__(
        self,
        incoming: list[Annotation],
        elsewhere: dict[str, AnnotationSet],
        file: Path,
        store: AnnotationStore,
        tally: _Tally,
    ) -> None:
        self.incoming, self.elsewhere, self.file, self.store, self.tally = (
            incoming,
            elsewhere,
            file,
            store,
            tally,
        )
        self.moved: dict[str, set[str]] = {}
        """Ids that moved here, by the path of the document whose file they leave."""

    def __call__(self, items: list[Annotation]) -> list[Annotation]:
        mine = {a.id: a for a in items}
        for new in self.incoming:
            old = mine.get(new.id)
            other = self.elsewhere.get(new.id) if old is None else None
            if other is not None and self.store.file_for(other.document.path) == self.file:
                other = None  # the same file, changed since the summary: ``mine`` is the truth
            current = old if old is not None else other.get(new.id) if other is not None else None
            if current is None:
                mine[new.id] = new
                self.tally.added += 1
            elif _supersedes(new, current):
                mine[new.id] = new
                self.tally.updated += 1
                if other is not None:
                    self.moved.setdefault(other.document.path, set()).add(new.id)
            else:
                self.tally.unchanged += 1
        return list(mine.values())


def _newer(a: Annotation, b: Annotation) -> bool:
    """Whether ``b`` was modified after ``a`` (times compared as moments when both parse)."""
    first, second = _instant(a.modified), _instant(b.modified)
    if first is None or second is None:
        return b.modified > a.modified
    return second > first


def _supersedes(new: Annotation, old: Annotation) -> bool:
    """A newer version wins; the same version found again where the stored one is lost wins too."""
    if new == old:
        return False
    if _newer(old, new):
        return True
    same_version = not _newer(new, old)
    return same_version and old.anchor == "orphaned" and new.anchor != "orphaned"
