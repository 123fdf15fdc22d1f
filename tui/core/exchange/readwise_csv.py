"""Passages as CSV with Readwise's columns, for highlight services and spreadsheets.

One passage a row: Readwise's columns (Highlight, Title, Author = the front matter's author or
nobody, URL = the source when it is a web address, else the file's file:// URI, Note, Location =
the start in the file), then lectern's: Tags (comma-separated), Color, Document, Start (file),
End (file), Date (created), SHA256 and Original (the first quote, when it differs). Rows end in
CRLF (RFC 4180): write the text with ``newline=""``.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

from tui.core.exchange.corpus import ExportDocument, document_uri
from tui.core.exchange.passages import file_span, passage_of, passages

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
        span = file_span(doc, passage)
        start, end = span if span else ("", "")
        url = doc.source if _web_address(doc.source) else document_uri(doc.ref.path)
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
