"""doccano's sequence-labelling JSON lines, written and read back.

Written: one document a line, ``{"text": the document text, "label": [[start, end, tag], ...],
"offsets": "text", "document", "title", "sha256"}``, one span per tag of each reviewed passage in
the current text (a passage with two tags is two spans), without duplicates; untagged passages,
orphans, suggestions not yet reviewed and documents whose text cannot be read are left out, and
``left_out`` says which, for the caller to report.

Read: those lines, or doccano's newer ``"entities": [{"start_offset", "end_offset", "label"}]``.
doccano's spans carry no id and no text of their own: the spans of one passage become one
annotation with their tags (an id derived from the document's text and the span, so importing a
file twice adds nothing), its document found by the line's ``uri`` or ``sha256``, else its text.
"""

from __future__ import annotations

from typing import Any

from tui.core.exchange import spans
from tui.core.exchange.corpus import ExportDocument
from tui.core.exchange.incoming import Incoming, fail, json_kind, json_list, json_object, offset, string
from tui.core.exchange.passages import json_line
from tui.core.exchange.spans import OFFSETS_TEXT, Span


def write(docs: list[ExportDocument]) -> str:
    """One document a line: its text and its tagged passages as spans into it."""
    lines = []
    for doc in docs:
        found = _spans(doc)
        if doc.text is None or not found:
            continue
        line = {
            "text": doc.text,
            "label": found,
            "offsets": OFFSETS_TEXT,
            "document": doc.ref.id,
            "title": doc.ref.title,
            "sha256": doc.ref.sha256,
        }
        lines.append(json_line(line))
    return "".join(lines)


def _spans(doc: ExportDocument) -> list[list[int | str]]:
    """One [start, end, tag] per tag of each reviewed passage in the current text, once each."""
    found = {(a.start, a.end, tag) for a in spans.labelled(doc) for tag in a.tags}
    return [[start, end, tag] for start, end, tag in sorted(found)]


def left_out(docs: list[ExportDocument]) -> list[str]:
    """What the doccano export leaves out, one line per document."""
    return spans.left_out(docs, suggestions=True)


def claims_line(raw: dict[str, Any]) -> bool:
    """Whether a JSON line is doccano's: a text with ``label`` spans or ``entities``."""
    return isinstance(raw.get("text"), str) and ("label" in raw or "entities" in raw)


def read_lines(lines: list[tuple[str, dict[str, Any]]]) -> list[Incoming]:
    """The annotations of doccano lines (each with where it is in the file)."""
    found: list[Incoming] = []
    for where, line in lines:
        text = string(line, "text", where, required=True)
        meta = line.get("meta")
        about = {**(meta if isinstance(meta, dict) else {}), **line}
        source = spans.source_about(text, where, about)
        found.extend(spans.incoming(source, _line_spans(line, where)))
    return found


def _line_spans(line: dict[str, Any], where: str) -> list[Span]:
    found: list[Span] = []
    for i, raw in enumerate(json_list(line.get("label", []), f"{where}.label")):
        at = f"{where}.label[{i}]"
        if not isinstance(raw, list):
            kind = "a text classification label, not a span" if isinstance(raw, str) else json_kind(raw)
            raise fail(at, f"is {kind}: doccano spans are [start, end, label]")
        if len(raw) != 3:
            raise fail(at, f"has {len(raw)} items, not [start, end, label]")
        start, end = offset({"start": raw[0]}, "start", at), offset({"end": raw[1]}, "end", at)
        found.append(_span(start, end, raw[2], at))
    for i, raw in enumerate(json_list(line.get("entities", []), f"{where}.entities")):
        at = f"{where}.entities[{i}]"
        entity = json_object(raw, at)
        start, end = offset(entity, "start_offset", at), offset(entity, "end_offset", at)
        found.append(_span(start, end, entity.get("label"), at))
    return found


def _span(start: int, end: int, label: Any, where: str) -> Span:
    if end < start:
        raise fail(where, f"ends ({end}) before it starts ({start})")
    if not isinstance(label, str):
        raise fail(where, f"its label is {json_kind(label)}, not a name")
    return Span(start, end, (label,), where)
