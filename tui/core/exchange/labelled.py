"""Passages as labelled data: JSON lines for training sets, and doccano's span format.

``jsonl``: one passage a line (text, labels, document, title, uri, start, end, offsets: "file",
or "extracted" for an EPUB, HTML or PDF file with the extractor that made the text its offsets
index, sha256, note, color, id, anchor, original). ``doccano``: one document a line, {"text": the document
text, "label": [[start, end, tag], ...], "offsets": "text", ...}, one span per tag; untagged
passages, orphaned ones and documents whose text cannot be read are left out, and
``doccano_left_out`` says which, for the caller to report. Both write one JSON value a line, so
they share ``json_line``.
"""

from __future__ import annotations

from typing import Any

from tui.core.annotations import Annotation
from tui.core.exchange.corpus import ExportDocument, document_uri
from tui.core.exchange.passages import (
    export_span,
    in_current_text,
    json_line,
    offsets_of,
    passage_of,
    passages,
)

OFFSETS_TEXT = "text"
"""The ``offsets`` of doccano lines: code points into the line's own ``text``."""


def write_jsonl(docs: list[ExportDocument]) -> str:
    """One passage a line, its offsets into the file (or the text extracted from it)."""
    return "".join(json_line(_labelled(doc, a)) for doc, a in passages(docs))


def _labelled(doc: ExportDocument, a: Annotation) -> dict[str, Any]:
    passage = passage_of(doc, a)
    span = export_span(doc, passage)
    return {
        "text": passage.quote,
        "labels": list(a.tags),
        "document": doc.ref.id,
        "title": doc.ref.title,
        "uri": document_uri(doc.ref.path),
        "start": span[0] if span else None,
        "end": span[1] if span else None,
        "offsets": offsets_of(doc),
        "extractor": doc.extractor or None,
        "sha256": a.sha256,
        "note": a.note,
        "color": a.color,
        "id": a.id,
        "anchor": a.anchor,
        "original": a.target.original_quote,
    }


def write_doccano(docs: list[ExportDocument]) -> str:
    """One document a line: its text and its tagged passages as spans into it."""
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
        lines.append(json_line(line))
    return "".join(lines)


def _spans(doc: ExportDocument) -> list[list[int | str]]:
    """One [start, end, tag] per tag of each passage in the current text, without duplicates."""
    spans = {(a.start, a.end, tag) for a in in_current_text(doc) for tag in a.tags}
    return [[start, end, tag] for start, end, tag in sorted(spans)]


def doccano_left_out(docs: list[ExportDocument]) -> list[str]:
    """What the doccano export leaves out, one line per document."""
    lines = []
    for doc in docs:
        if doc.text is None:
            lines.append(f"{doc.ref.id}: left out {len(doc.annotations)} passage(s): its text cannot be read")
            continue
        current = {a.id for a in in_current_text(doc)}
        untagged = sum(1 for a in doc.annotations if not a.tags)
        missing = sum(1 for a in doc.annotations if a.tags and a.id not in current)
        reasons = [f"{untagged} untagged passage(s)"] if untagged else []
        reasons += [f"{missing} passage(s) no longer in the text"] if missing else []
        if reasons:
            lines.append(f"{doc.ref.id}: left out {' and '.join(reasons)}")
    return lines
