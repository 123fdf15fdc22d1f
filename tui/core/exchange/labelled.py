"""Passages as labelled data: JSON lines for training sets, one passage a line.

``jsonl``: one passage a line (text, labels, document, title, uri, start, end, offsets: "file",
or "extracted" for an EPUB, HTML or PDF file with the extractor that made the text its offsets
index, sha256, note, color, id, anchor, original). The formats that write a document's text
with spans into it (doccano, Label Studio, spaCy, brat, CoNLL) have modules of their own.
"""

from __future__ import annotations

from typing import Any

from tui.core.annotations import Annotation
from tui.core.exchange.corpus import ExportDocument, document_uri
from tui.core.exchange.passages import export_span, json_line, offsets_of, passage_of, passages


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
