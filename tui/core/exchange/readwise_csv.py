"""Passages as CSV with Readwise's columns, for highlight services and spreadsheets.

One passage a row: Readwise's columns (Highlight, Title, Author = ``Document.author`` or nobody,
URL = the source when it is a web address, else the file's file:// URI, Note, Location = the
page for a PDF, else the start offset), then lectern's: Tags (comma-separated), Color, Document,
Start (file), End (file), Date (created), SHA256, Original (the first quote, when it differs),
Offsets and Extractor. Offsets says what Start and End index: "file" (the file's text), or
"extracted" for an EPUB, HTML or PDF file, whose offsets index the text Extractor (the converter
and its version) made of it. Rows end in CRLF (RFC 4180): write the text with ``newline=""``.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

from tui.core.exchange.corpus import ExportDocument, document_uri
from tui.core.exchange.passages import export_span, offsets_of, page_of, passage_of, passages

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
    "Offsets",
    "Extractor",
)
"""Readwise's columns first (Highlight, Title, Author, URL, Note, Location), then lectern's."""


def _web_address(source: str) -> bool:
    parts = urlsplit(source)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def write(docs: list[ExportDocument]) -> str:
    """A header row, then one row a passage."""
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: CRLF row ends, quotes only where a cell needs them
    writer.writerow(CSV_COLUMNS)
    for doc, a in passages(docs):
        passage = passage_of(doc, a)
        span = export_span(doc, passage)
        start, end = span if span else ("", "")
        page = page_of(doc, passage)
        location = page if page is not None else "" if doc.format == "pdf" else start
        url = doc.source if _web_address(doc.source) else document_uri(doc.ref.path)
        writer.writerow(
            [
                passage.quote,
                doc.ref.title,
                doc.author,
                url,
                a.note,
                location,
                ",".join(a.tags),
                a.color,
                doc.ref.id,
                start,
                end,
                a.created,
                a.sha256,
                passage.original,
                offsets_of(doc),
                doc.extractor,
            ]
        )
    return out.getvalue()
