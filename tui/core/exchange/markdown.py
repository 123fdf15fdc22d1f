"""Annotations as Markdown, for people: the passages of each document, or the whole text marked.

Per document its title, id, author, source and file, then each passage as a quote with its note,
tags, colour and offsets in the file (``OFFSETS_FILE``), its provenance in an HTML comment. An EPUB,
HTML or PDF file's passages are cited in the text lectern extracted from it (``OFFSETS_EXTRACTED``):
the header names the extractor and its version, and a PDF passage is cited by its page ("p. 12"). With full
text the whole text follows instead, each passage in ``<mark>`` (overlapping passages are cut
where they overlap, so marks never nest) and a numbered footnote with its note after it; passages
no longer in the text are listed after it.
"""

from __future__ import annotations

import itertools
import json
import re

from tui.core.annotations import Annotation
from tui.core.exchange.corpus import ExportDocument, document_uri
from tui.core.exchange.passages import (
    OFFSETS_EXTRACTED,
    export_span,
    in_current_text,
    offsets_of,
    page_of,
    passage_of,
)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_BLOCK_MARKER = re.compile(r"[ \t]*(?:(?:#{1,6}|>|[-*+]|\d{1,9}[.)])(?:[ \t]+|$))*")
_UNMARKABLE = re.compile(r"\s*(?:`{3,}|~{3,}|\||(?:[-*_=][ \t]*){3,}$)")
"""Lines left bare inside a mark: code fences, table rows, rules and setext underlines."""


def write(docs: list[ExportDocument]) -> str:
    """Each document's passages, quoted with their notes."""
    return _markdown(docs, full_text=False)


def write_full_text(docs: list[ExportDocument]) -> str:
    """Each document's whole text with its passages marked and their notes as footnotes."""
    return _markdown(docs, full_text=True)


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
    if doc.author:
        lines.append(f"- Author: {_md(doc.author)}")
    if doc.source:
        lines.append(f"- Source: {_md(doc.source)}")
    if ref.path:
        lines.append(f"- File: <{document_uri(ref.path)}>")
    if doc.extractor:
        lines.append(f"- Text: extracted from the file by {_md(doc.extractor)}; the offsets below index it")
    lines.append(f"- Text sha256: {ref.sha256 or 'unknown'}")
    count = len(doc.annotations)
    lines.append(f"- {count} passage{'s' if count != 1 else ''}\n")
    return "\n".join(lines)


def _markdown_passage(doc: ExportDocument, a: Annotation) -> str:
    passage = passage_of(doc, a)
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
    passage = passage_of(doc, a)
    page = page_of(doc, passage)
    if page is not None:
        facts.append(f"p. {page}")
    if a.tags:
        facts.append("tags: " + ", ".join(_md(t) for t in a.tags))
    span = export_span(doc, passage)
    offsets = offsets_of(doc)
    if span is not None:
        of = "the extracted text" if offsets == OFFSETS_EXTRACTED else "the file"
        facts.append(f"characters {span[0]}–{span[1]} of {of}")
    if a.anchor != "anchored":
        facts.append("not found in the current text" if a.anchor == "orphaned" else f"anchor {a.anchor}")
    start, end = span if span else (None, None)
    carried = {
        "id": a.id,
        "document": doc.ref.id,
        "start": start,
        "end": end,
        "offsets": offsets,
        "sha256": a.sha256,
    }
    # "--" may not occur inside an HTML comment; as a JSON escape it reads back the same
    comment = json.dumps(carried, ensure_ascii=False).replace("--", "-\\u002d")
    return f"*{' · '.join(facts)}* <!-- lectern {comment} -->"


def _markdown_full(doc: ExportDocument, numbers: _Footnotes) -> str:
    text = doc.text or ""
    marked = in_current_text(doc)
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
