"""lectern's own JSON: the lossless backup, written and read back.

{"format": "lectern", "version": 1, "offsets": "document", "documents": [...]}, each document's
reference with its annotations as the store keeps them: offsets into the document's text after
its front matter. For an EPUB, HTML or PDF file that text is the Markdown lectern extracted from
it, and its document says so (``"offsets": "extracted"``) and names the extractor and its version
(``"extractor"``). Export, import into an empty store and export again gives the same string.
"""

from __future__ import annotations

import json
from typing import Any

from tui.core.anchoring import Target
from tui.core.annotation_format import clean_tags
from tui.core.annotations import Annotation
from tui.core.exchange.corpus import ExportDocument, document_uri, path_of_uri
from tui.core.exchange.incoming import (
    ImportFormatError,
    Incoming,
    anchor_status,
    created_modified,
    fail,
    iso_time,
    json_list,
    json_object,
    palette_color,
    start_end,
    string,
    strings,
)
from tui.core.exchange.passages import OFFSETS_EXTRACTED

LECTERN_FORMAT = "lectern"
"""The ``format`` value of lectern's own JSON export."""
EXPORT_VERSION = 1
OFFSETS_DOCUMENT = "document"
"""The ``offsets`` of lectern's json: code points into the document's text after its front matter."""


def write(docs: list[ExportDocument]) -> str:
    """Every document's reference and its annotations as the store keeps them."""
    payload = {
        "format": LECTERN_FORMAT,
        "version": EXPORT_VERSION,
        "offsets": OFFSETS_DOCUMENT,
        "documents": [_json_document(doc) for doc in docs],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def _json_document(doc: ExportDocument) -> dict[str, Any]:
    ref = doc.ref
    found: dict[str, Any] = {
        "id": ref.id,
        "title": ref.title,
        "path": ref.path,
        "uri": document_uri(ref.path),
        "sha256": ref.sha256,
    }
    if doc.extractor:  # a text file's document says nothing: the top-level "document" holds
        found.update(offsets=OFFSETS_EXTRACTED, extractor=doc.extractor)
    found.update(source=doc.source, annotations=[a.to_dict() for a in doc.annotations])
    return found


def claims(raw: dict[str, Any]) -> bool:
    """Whether a file's JSON object is lectern's own export (it says so)."""
    return raw.get("format") == LECTERN_FORMAT


def read(raw: dict[str, Any]) -> list[Incoming]:
    """The annotations of a lectern export (a newer format version is refused)."""
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("version", f"is {version!r}, not a format version")
    if version > EXPORT_VERSION:
        raise ImportFormatError(f"written by a newer lectern (export format {version}); update lectern")
    items: list[Incoming] = []
    for i, entry in enumerate(json_list(raw.get("documents"), "documents")):
        items.extend(_lectern_document(entry, f"documents[{i}]"))
    return items


def _lectern_document(raw: Any, where: str) -> list[Incoming]:
    doc = json_object(raw, where)
    uri = string(doc, "uri", where)
    path = string(doc, "path", where) or path_of_uri(uri) or ""
    about = {
        "doc_id": string(doc, "id", where),
        "title": string(doc, "title", where),
        "path": path,
        "uri": uri,
        "doc_sha256": string(doc, "sha256", where),
    }
    for known in ("source", "offsets", "extractor"):  # not used (the corpus knows them), but a
        string(doc, known, where)  # wrong type means a damaged file
    entries = json_list(doc.get("annotations", []), f"{where}.annotations")
    return [
        Incoming(_lectern_annotation(a, f"{where}.annotations[{j}]"), **about, trusted_anchor=True)
        for j, a in enumerate(entries)
    ]


def _lectern_annotation(raw: Any, where: str) -> Annotation:
    entry = json_object(raw, where)
    target = json_object(entry.get("target"), f"{where}.target")
    start, end = start_end(target, f"{where}.target")
    created, modified = created_modified(
        iso_time(entry, "created", where), iso_time(entry, "modified", where)
    )
    return Annotation(
        id=string(entry, "id", where, required=True),
        created=created,
        modified=modified,
        color=palette_color(string(entry, "color", where)),
        note=string(entry, "note", where).strip(),
        tags=clean_tags(strings(entry, "tags", where)),
        target=Target(
            exact=string(target, "exact", f"{where}.target", required=True),
            prefix=string(target, "prefix", f"{where}.target"),
            suffix=string(target, "suffix", f"{where}.target"),
            start=start,
            end=end,
            original=string(target, "original", f"{where}.target"),
        ),
        anchor=anchor_status(entry, "anchor", where) or "anchored",
        sha256=string(entry, "sha256", where),
        annotator=string(entry, "annotator", where).strip(),
        suggested=entry.get("suggested") is True,
    )
