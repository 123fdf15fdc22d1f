"""spaCy/Prodigy JSON lines, written and read back: a text with its labelled character spans.

Written: one line per document and annotator, as Prodigy's ``db-out`` gives one example per
annotator: ``{"text", "spans": [{"start", "end", "label", "text", "id", ...}], "meta":
spans.about(doc), "answer": "accept", "_annotator_id", "_session_id"}``. Each tag of a passage is
a span (a passage with two tags is two spans with one ``id``, its lectern id), with its note,
colour and times beside it; ``_annotator_id`` and ``_session_id`` name the annotator (left out
for passages made before lectern recorded one). Suggested passages, not yet reviewed, are a line
of their own without ``answer``: a task Prodigy asks about, with the suggestions pre-annotated.
Spans are characters, not tokens: no ``tokens``, ``token_start`` or ``token_end`` (spaCy's
``Doc.char_span`` and Prodigy both take character spans).

Read: such lines from lectern, Prodigy or anything that writes spaCy's ``{"text", "spans"}``: an
example answered ``reject`` or ``ignore`` says its spans are wrong, or skipped, and is left out;
one without ``answer`` is suggestions. The annotator is ``_annotator_id`` (else ``_session_id``).
"""

from __future__ import annotations

from typing import Any

from tui.core.annotations import Annotation
from tui.core.exchange import spans
from tui.core.exchange.corpus import ExportDocument
from tui.core.exchange.incoming import (
    Incoming,
    fail,
    iso_time,
    json_kind,
    json_list,
    json_object,
    start_end,
    string,
)
from tui.core.exchange.passages import json_line
from tui.core.exchange.spans import Span

ACCEPT = "accept"
SKIPPED = ("reject", "ignore")
"""Prodigy's answers that say an example's spans are not to be used."""


def write(docs: list[ExportDocument]) -> str:
    """One line per document and annotator (suggestions a line of their own)."""
    lines = []
    for doc in docs:
        if doc.text is None:
            continue
        for name, suggested, found in spans.annotators(spans.labelled(doc, suggested=None)):
            line: dict[str, Any] = {
                "text": doc.text,
                "spans": [span for a in found for span in _spans(doc.text, a)],
                "meta": spans.about(doc),
            }
            if not suggested:
                line["answer"] = ACCEPT
            if name:
                line.update(_annotator_id=name, _session_id=name)
            lines.append(json_line(line))
    return "".join(lines)


def _spans(text: str, a: Annotation) -> list[dict[str, Any]]:
    found = []
    for tag in a.tags:
        span: dict[str, Any] = {"start": a.start, "end": a.end, "label": tag, "text": text[a.start : a.end]}
        span["id"] = a.id
        if a.note:
            span["note"] = a.note
        span.update(color=a.color, created=a.created, modified=a.modified)
        found.append(span)
    return found


def left_out(docs: list[ExportDocument]) -> list[str]:
    """What the spaCy export leaves out, one line per document."""
    return spans.left_out(docs)


def claims_line(raw: dict[str, Any]) -> bool:
    """Whether a JSON line is spaCy's or Prodigy's: a text with ``spans``."""
    return isinstance(raw.get("text"), str) and "spans" in raw


def read_lines(lines: list[tuple[str, dict[str, Any]]]) -> list[Incoming]:
    """The passages of spaCy/Prodigy lines (each with where it is in the file)."""
    found: list[Incoming] = []
    for where, line in lines:
        text = string(line, "text", where, required=True)
        answer = string(line, "answer", where)
        if answer in SKIPPED:
            continue
        if answer and answer != ACCEPT:
            raise fail(f"{where}.answer", f"{answer[:20]!r} is not accept, reject or ignore")
        who = string(line, "_annotator_id", where) or string(line, "_session_id", where)
        meta = json_object(line.get("meta") or {}, f"{where}.meta")
        source = spans.source_about(text, where, meta)
        entries = json_list(line.get("spans") or [], f"{where}.spans")
        found_spans = [
            _span(entry, f"{where}.spans[{i}]", who.strip(), suggested=not answer)
            for i, entry in enumerate(entries)
        ]
        found.extend(spans.incoming(source, found_spans))
    return found


def _span(raw: Any, where: str, annotator: str, *, suggested: bool) -> Span:
    entry = json_object(raw, where)
    start, end = start_end(entry, where)
    label = entry.get("label")
    if not isinstance(label, str):
        raise fail(f"{where}.label", f"is {json_kind(label)}, not a name")
    return Span(
        start,
        end,
        (label,),
        where,
        quote=string(entry, "text", where) if "text" in entry else None,
        id=_id(entry, where),
        note=string(entry, "note", where),
        annotator=annotator,
        suggested=suggested,
        color=string(entry, "color", where),
        created=iso_time(entry, "created", where),
        modified=iso_time(entry, "modified", where),
    )


def _id(entry: dict[str, Any], where: str) -> str:
    value = entry.get("id")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fail(f"{where}.id", f"is {json_kind(value)}, not an id")
    return str(value)
