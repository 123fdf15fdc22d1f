"""A passage as every export gives it: its text now, its context, and offsets that are never wrong.

The exports differ in shape, not in what a passage is: each carries the text at its offsets as it
is now (and the quote as first made, when re-anchoring found it edited), and offsets only when the
passage is really in the current text (an orphan, or a document whose text cannot be read, gets
none rather than wrong ones). Documents come in id order and passages in ``annotations.ordered``
order, so an export is a pure function of the store.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from tui.core.anchoring import target_at
from tui.core.annotations import Annotation, ordered
from tui.core.documents import text_sha256
from tui.core.exchange.corpus import ExportDocument
from tui.core.formats.pages import page_at, page_starts

OFFSETS_FILE = "file"
"""The ``offsets`` of a passage of a text file: code points into the file's text (``FILE_TEXT``)."""
OFFSETS_EXTRACTED = "extracted"
"""The ``offsets`` of a passage of an EPUB, HTML or PDF file: code points into the text lectern
extracted from it (``EXTRACTED_TEXT``), made by the extractor the export names."""
FILE_TEXT = (
    "code points into the document file's text: its bytes decoded (UTF-8, or UTF-16/32 as its "
    "byte-order mark says; the mark is not counted; Windows-1252 when not UTF-8), every line ending "
    "(CRLF, CR) counted as one LF, front matter included: what Python's open(path, encoding='utf-8-sig')"
    ".read() gives for a UTF-8 file"
)
"""What the offsets of the exports that name a text file index (W3C, jsonl, csv, markdown)."""
EXTRACTED_TEXT = (
    "code points into the Markdown text lectern extracted from the file (an EPUB, HTML or PDF "
    "file, whose bytes are not text), as the extractor named beside the offsets makes it; its "
    "sha256 is the document's"
)
"""What the offsets of those exports index for a converted document (``OFFSETS_EXTRACTED``)."""


def in_order(docs: Iterable[ExportDocument]) -> list[ExportDocument]:
    """Documents by id, passages by position: so equal stores give equal exports."""
    ranked = sorted(docs, key=lambda d: (d.ref.id, d.ref.path))
    return [replace(d, annotations=ordered(d.annotations)) for d in ranked]


def passages(docs: Iterable[ExportDocument]) -> Iterator[tuple[ExportDocument, Annotation]]:
    """Each passage with its document, in the order the documents give."""
    for doc in docs:
        for annotation in doc.annotations:
            yield doc, annotation


def in_current_text(doc: ExportDocument) -> list[Annotation]:
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
class Passage:
    """A passage as the exports give it: the text at its offsets now, with the context around it."""

    quote: str
    prefix: str
    suffix: str
    span: tuple[int, int] | None
    """Its offsets into ``ExportDocument.text``; None when it is not in the current text (an
    orphan, or a document whose text cannot be read): then the quote is the last one known."""
    original: str
    """The quote as the annotation was made, when it is not ``quote`` ('' otherwise)."""


def passage_of(doc: ExportDocument, a: Annotation) -> Passage:
    """The passage as it is in the document's current text, or as last known."""
    text, t = doc.text, a.target
    if text is not None and _marks(a, text, text_sha256(text) == doc.ref.sha256):
        now = target_at(text, a.start, a.end)
        found = Passage(now.exact, now.prefix, now.suffix, (a.start, a.end), "")
    else:
        found = Passage(t.exact, t.prefix, t.suffix, None, "")
    return replace(found, original=t.original_quote) if t.original_quote != found.quote else found


def offsets_of(doc: ExportDocument) -> str:
    """What the offsets ``export_span`` gives for ``doc`` index: ``OFFSETS_FILE`` or ``OFFSETS_EXTRACTED``."""
    return OFFSETS_EXTRACTED if doc.extractor else OFFSETS_FILE


def export_span(doc: ExportDocument, passage: Passage) -> tuple[int, int] | None:
    """The passage's offsets into the text ``offsets_of(doc)`` names (the file's text, or the text
    extracted from it), when both are known."""
    if passage.span is None or doc.text_start is None:
        return None
    return passage.span[0] + doc.text_start, passage.span[1] + doc.text_start


def page_of(doc: ExportDocument, passage: Passage) -> int | None:
    """The PDF page the passage starts on; None for other formats, or a passage not in the text."""
    if doc.format != "pdf" or doc.text is None or passage.span is None:
        return None
    return page_at(doc.text, passage.span[0], _page_starts(doc.text))


@functools.lru_cache(maxsize=1)
def _page_starts(text: str) -> list[tuple[int, int]]:
    # exports go document by document, asking passage by passage: one scan serves a document
    return page_starts(text)


def json_line(value: dict[str, Any]) -> str:
    """One JSON line; the characters ``str.splitlines`` breaks on are escaped too."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"
