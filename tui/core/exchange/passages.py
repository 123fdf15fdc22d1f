"""A passage as every export gives it: its text now, its context, and offsets that are never wrong.

The exports differ in shape, not in what a passage is: each carries the text at its offsets as it
is now (and the quote as first made, when re-anchoring found it edited), and offsets only when the
passage is really in the current text (an orphan, or a document whose text cannot be read, gets
none rather than wrong ones). Documents come in id order and passages in ``annotations.ordered``
order, so an export is a pure function of the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from tui.core.anchoring import target_at
from tui.core.annotations import Annotation, ordered
from tui.core.documents import text_sha256
from tui.core.exchange.corpus import ExportDocument

OFFSETS_FILE = "file"
"""The ``offsets`` of jsonl lines: code points into the document file's text (``FILE_TEXT``)."""
FILE_TEXT = (
    "code points into the document file's text: its bytes decoded (UTF-8, or UTF-16/32 as its "
    "byte-order mark says; the mark is not counted; Windows-1252 when not UTF-8), every line ending "
    "(CRLF, CR) counted as one LF, front matter included: what Python's open(path, encoding='utf-8-sig')"
    ".read() gives for a UTF-8 file"
)
"""What the offsets of the exports that name a file index (W3C, jsonl, csv, markdown)."""


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


def file_span(doc: ExportDocument, passage: Passage) -> tuple[int, int] | None:
    """The passage's offsets into the file's text (``FILE_TEXT``), when both are known."""
    if passage.span is None or doc.text_start is None:
        return None
    return passage.span[0] + doc.text_start, passage.span[1] + doc.text_start


def json_line(value: dict[str, Any]) -> str:
    """One JSON line; the characters ``str.splitlines`` breaks on are escaped too."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"
