"""Labelled spans into a document's own text: what the formats that carry the text share.

Label Studio, spaCy/Prodigy, doccano and brat each write a document's text with spans into it,
so their offsets index that text (``ExportDocument.text``: the file's text after its front matter,
or the text lectern extracted from an EPUB, HTML or PDF file), whatever file it came from, and
``about`` says which document it is and where that text starts in the file. Writing, each takes
the tagged passages in the current text (``labelled``) and reports what it leaves out
(``left_out``: untagged passages, orphans, unreadable texts and, in the formats that cannot mark
them, suggestions not yet reviewed). Reading, each turns what it found into ``Span``s of a
``Source`` and ``incoming`` makes them annotations, checked against the text, for the import to
match to documents as every import does (by URI or path, then the text's sha256, then the quote).
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from typing import Any

from tui.core.anchoring import Target, target_at
from tui.core.annotation_format import clean_tags
from tui.core.annotations import Annotation
from tui.core.documents import text_sha256
from tui.core.exchange.corpus import ExportDocument, document_uri, path_of_uri
from tui.core.exchange.incoming import (
    ContentKeyed,
    Incoming,
    created_modified,
    fail,
    kept_id,
    palette_color,
)
from tui.core.exchange.passages import in_current_text

OFFSETS_TEXT = "text"
"""The ``offsets`` these formats give: code points into the document text they carry."""
UNKNOWN_ANNOTATOR = "lectern-anonymous"
"""Names the annotator of annotations made before lectern recorded one, where a format needs a
name (Label Studio's ``completed_by``); read back as no name."""

# --------------------------------------------------------------------------- writing


def labelled(doc: ExportDocument, *, suggested: bool | None = False) -> list[Annotation]:
    """The tagged passages in the document's current text, in order: the reviewed ones
    (``suggested=False``), the suggestions (True), or both (None)."""
    return [a for a in in_current_text(doc) if a.tags and (suggested is None or a.suggested == suggested)]


def about(doc: ExportDocument) -> dict[str, Any]:
    """Which document a text is and what its offsets index, for a format's metadata: its id,
    title, file:// URI and sha256, ``offsets`` "text", ``text_start`` (where the text starts in
    the file's text: after the front matter, 0 for an extracted text) and, for an EPUB, HTML or
    PDF file, the ``extractor`` that made the text."""
    found: dict[str, Any] = {
        "document": doc.ref.id,
        "title": doc.ref.title,
        "uri": document_uri(doc.ref.path),
        "sha256": doc.ref.sha256,
        "offsets": OFFSETS_TEXT,
    }
    if doc.text_start is not None:
        found["text_start"] = doc.text_start
    if doc.extractor:
        found["extractor"] = doc.extractor
    return found


def annotators(annotations: list[Annotation]) -> list[tuple[str, bool, list[Annotation]]]:
    """The annotations by who made them and whether they are suggestions: reviewed ones first,
    then by name, each group in document order."""
    groups: dict[tuple[bool, str], list[Annotation]] = {}
    for a in annotations:
        groups.setdefault((a.suggested, a.annotator), []).append(a)
    return [(name, suggested, found) for (suggested, name), found in sorted(groups.items())]


def left_out(docs: list[ExportDocument], *, suggestions: bool = False) -> list[str]:
    """What a labelled-span export leaves out, one line per document: all of a document whose
    text cannot be read, untagged passages, passages no longer in the text and, when the format
    cannot mark them (``suggestions``), suggested passages not yet reviewed."""
    lines = []
    for doc in docs:
        if doc.text is None:
            lines.append(f"{doc.ref.id}: left out {len(doc.annotations)} passage(s): its text cannot be read")
            continue
        current = {a.id for a in in_current_text(doc)}
        untagged = sum(1 for a in doc.annotations if not a.tags)
        missing = sum(1 for a in doc.annotations if a.tags and a.id not in current)
        unreviewed = sum(1 for a in doc.annotations if a.tags and a.id in current and a.suggested)
        reasons = [f"{untagged} untagged passage(s)"] if untagged else []
        reasons += [f"{missing} passage(s) no longer in the text"] if missing else []
        if suggestions and unreviewed:
            reasons.append(f"{unreviewed} suggested passage(s) not yet reviewed")
        if reasons:
            lines.append(f"{doc.ref.id}: left out {' and '.join(reasons)}")
    return lines


def quoted(text: str, width: int = 40) -> str:
    """A passage for a message: on one line, shortened."""
    flat = " ".join(text.split())
    return f"“{flat[: width - 1]}…”" if len(flat) > width else f"“{flat}”"


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Source:
    """A document as a file gives it: its text (None when the file has none) and what it says
    about which document it is."""

    text: str | None
    where: str
    """Where in the file the document is (``line 3``, ``task 2``, ``alpha.ann``)."""
    doc_id: str = ""
    title: str = ""
    uri: str = ""
    sha256: str = ""
    path: str = ""


@dataclass(frozen=True)
class Span:
    """One labelled span a file gives, in code points into its source's text."""

    start: int
    end: int
    labels: tuple[str, ...]
    where: str
    quote: str | None = None
    """The span's text as the file gives it; None when it gives none (doccano)."""
    id: str = ""
    """The file's id for the annotation the span belongs to ('' when it has none)."""
    note: str = ""
    annotator: str = ""
    suggested: bool = False
    color: str = ""
    created: str = ""
    modified: str = ""


def meta_string(raw: dict[str, Any], key: str) -> str:
    """A string another tool's metadata may hold (or not, or hold as something else): '' then."""
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def source_about(text: str | None, where: str, meta: dict[str, Any]) -> Source:
    """The source of a document whose metadata is lectern's ``about`` (or partly, or not)."""
    uri = meta_string(meta, "uri")
    return Source(
        text,
        where,
        doc_id=meta_string(meta, "document"),
        title=meta_string(meta, "title"),
        uri=uri,
        sha256=meta_string(meta, "sha256"),
        path=path_of_uri(uri) or "",
    )


def incoming(source: Source, spans: list[Span]) -> list[Incoming]:
    """The annotations of one document's spans.

    Spans with one id (by one annotator, suggested or not) make one annotation, its tags in
    order; an id found again for another annotator or as a suggestion (Label Studio copies a
    region's id when an annotator accepts a prediction) is kept by the first, the others' get
    ids of their own. Spans without ids are grouped as lectern writes them: a span with a note
    starts an annotation, and one without joins the last one on the same passage (by the same
    annotator, as suggested or not) that lacks its labels.
    """
    text_hash = text_sha256(source.text) if source.text is not None else ""
    key = text_hash or source.sha256 or source.doc_id or source.where
    groups: list[list[Span]] = []
    by_id: dict[tuple[str, str, bool], list[Span]] = {}
    last: dict[tuple[int, int, str, bool], list[Span]] = {}
    for span in spans:
        if span.id:
            named = (span.id, span.annotator, span.suggested)
            if named not in by_id:
                by_id[named] = []
                groups.append(by_id[named])
            by_id[named].append(span)
            continue
        place = (span.start, span.end, span.annotator, span.suggested)
        group = last.get(place)
        labels = {label for s in group for label in s.labels} if group else set()
        if group is None or span.note or labels.intersection(span.labels):
            group = last[place] = []
            groups.append(group)
        group.append(span)
    ordinal: dict[tuple[int, int, str, bool], int] = {}
    taken: set[str] = set()
    found = []
    for group in groups:
        first = group[0]
        if first.id and first.id not in taken:
            taken.add(first.id)
            annotation_id = kept_id(first.id, (key, first.id))
        elif first.id:
            annotation_id = kept_id("", (key, first.id, first.annotator, first.suggested))
        else:
            place = (first.start, first.end, first.annotator, first.suggested)
            ordinal[place] = ordinal.get(place, 0) + 1
            annotation_id = kept_id("", (key, *place, ordinal[place]))
        made = Incoming if first.id else ContentKeyed
        found.append(
            made(
                _annotation(source, group, annotation_id, text_hash),
                doc_id=source.doc_id,
                title=source.title,
                path=source.path,
                uri=source.uri,
                doc_sha256=text_hash or source.sha256,
            )
        )
    return found


def _annotation(source: Source, group: list[Span], annotation_id: str, text_hash: str) -> Annotation:
    first = group[0]
    created, modified = created_modified(first.created, first.modified)
    return Annotation(
        id=annotation_id,
        created=created,
        modified=modified,
        color=palette_color(first.color),
        note=next((s.note for s in group if s.note), "").strip(),
        tags=clean_tags(label for s in group for label in s.labels),
        target=_target(source, first),
        sha256=text_hash or source.sha256,
        annotator=first.annotator.strip(),
        suggested=first.suggested,
    )


def _target(source: Source, span: Span) -> Target:
    """Where the span is: at its offsets when they hold its text (or, for offsets a browser
    counted in UTF-16 units, as Label Studio and doccano once did, at the code points those
    name); else its quote, to be found by re-anchoring."""
    text, start, end = source.text, span.start, span.end
    if text is None:
        if span.quote is None:
            raise fail(span.where, "gives no text, and neither does its document")
        return Target(span.quote, "", "", start, end)
    if end <= len(text) and span.quote in (None, text[start:end]):
        return target_at(text, start, end)
    if span.quote is None:
        raise fail(span.where, f"ends at {end}, after the end of its text ({len(text)} characters)")
    counted = _from_utf16(text, start, end)
    if counted is not None and text[counted[0] : counted[1]] == span.quote:
        return target_at(text, *counted)
    return Target(span.quote, "", "", start, end)  # the quote finds it, or it is kept as an orphan


def _from_utf16(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Code-point offsets of UTF-16 offsets into ``text``; None when one is outside it or inside
    a character (between the two halves of a surrogate pair)."""
    pairs = _pairs(text)
    found = []
    for units in (start, end):
        before = bisect.bisect_right(pairs, units - 2)  # the pairs that end before it
        if before < len(pairs) and pairs[before] == units - 1:
            return None  # between the halves of a pair
        point = units - before
        if not 0 <= point <= len(text):
            return None
        found.append(point)
    return found[0], found[1]


@functools.lru_cache(maxsize=8)
def _pairs(text: str) -> list[int]:
    """Where each character that takes two UTF-16 units (a surrogate pair) starts, in units."""
    return [i + n for n, i in enumerate(i for i, char in enumerate(text) if ord(char) > 0xFFFF)]
