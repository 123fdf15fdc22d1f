"""Hypothesis exports, read in: an object with "annotations", or a plain list of rows.

Hypothesis annotates web pages, so its offsets index another text and only its quote and context
find the passage; a reply or a page note marks no passage and is kept as an orphan. Its targets
are W3C Web Annotation targets, read by ``w3c.read_target``. lectern writes no Hypothesis files.
"""

from __future__ import annotations

from typing import Any

from tui.core.annotation_format import clean_tags
from tui.core.annotations import Annotation
from tui.core.colors import COLORS
from tui.core.exchange.corpus import path_of_uri
from tui.core.exchange.incoming import (
    Incoming,
    created_modified,
    fail,
    foreign_id,
    iso_time,
    json_list,
    json_object,
    string,
    strings,
)
from tui.core.exchange.w3c import read_target

_HYPOTHESIS = "https://hypothes.is/a/"


def claims(raw: dict[str, Any]) -> bool:
    """Whether a file's JSON object is a Hypothesis export (it holds "annotations")."""
    return "annotations" in raw


def read(raw: dict[str, Any]) -> list[Incoming]:
    """The annotations of a Hypothesis export object."""
    rows = json_list(raw["annotations"], "annotations")
    return [read_entry(row, f"annotations[{i}]") for i, row in enumerate(rows)]


def read_entry(raw: Any, where: str) -> Incoming:
    """One Hypothesis row (an annotation of a web page, a page note or a reply)."""
    row = json_object(raw, where)
    uri = string(row, "uri", where)
    if row.get("target") is None and not uri:
        raise fail(where, "is neither a W3C Annotation nor a Hypothesis annotation (no target, no uri)")
    # a reply or a page note has no passage: it targets the page, and is kept as an orphan
    found = row.get("target") or uri
    targeted = read_target(found, f"{where}.target")
    source, target = targeted.source, targeted.target
    hypothesis_id = string(row, "id", where)
    created, modified = created_modified(iso_time(row, "created", where), iso_time(row, "updated", where))
    document = json_object(row.get("document") or {}, f"{where}.document")
    annotation = Annotation(
        id=foreign_id(_HYPOTHESIS + hypothesis_id if hypothesis_id else "", row),
        created=created,
        modified=modified,
        color=COLORS[0],
        note=string(row, "text", where).strip(),
        tags=clean_tags(strings(row, "tags", where)),
        target=target,
    )
    title = next(iter(strings(document, "title", f"{where}.document")), "")
    return Incoming(annotation, title=" ".join(title.split()), path=path_of_uri(source) or "", uri=source)
