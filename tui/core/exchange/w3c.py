"""W3C Web Annotation JSON-LD, written and read back: the format other annotation tools speak.

Written: an AnnotationCollection with one AnnotationPage. Each Annotation has a TextualBody per
note ("commenting") and tag ("tagging") and a target whose source is the file:// URI, with a
TextQuoteSelector and a TextPositionSelector into the file (``lectern:offsets`` on the collection
says so, and on each annotation: "file"). An EPUB, HTML or PDF file's positions index the text
lectern extracted from it instead: its annotations say ``lectern:offsets`` "extracted" and name the
extractor and its version (``lectern:extractor``), the source still being the original file.
The colour is the target's ``styleClass`` (``lectern-<color>``, with a CssStylesheet); the
document's id, title, sha256 and where its text starts in what the positions index (``textStart``:
after the front matter, 0 for an extracted text), the anchor status, the annotation's sha256,
its first quote and, for a passage with no position, lectern's own offsets are
``lectern:``-prefixed extension properties (absolute IRIs to a JSON-LD processor, so they survive
one), so w3c -> import -> w3c gives the same annotations.

Read: a collection, a page, a list or one Annotation, from lectern or any other tool; positions
that do not come from lectern's own text are only a hint, and re-anchoring finds the quote.
Hypothesis rows carry the same targets, so ``read_target`` serves its reader too.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from typing import Any

from tui.core.anchoring import Target
from tui.core.annotation_format import clean_tags
from tui.core.annotations import Annotation
from tui.core.exchange.corpus import ExportDocument, document_uri, path_of_uri
from tui.core.exchange.incoming import (
    Incoming,
    anchor_status,
    created_modified,
    fail,
    foreign_id,
    iso_time,
    json_list,
    json_object,
    offset,
    palette_color,
    start_end,
    string,
    strings,
)
from tui.core.exchange.passages import (
    EXTRACTED_TEXT,
    FILE_TEXT,
    OFFSETS_EXTRACTED,
    export_span,
    offsets_of,
    passage_of,
    passages,
)

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EXTENSION = "lectern:"
"""Prefix of lectern's own properties in W3C JSON-LD."""
CSS = {"yellow": "#fff59d", "green": "#c5e1a5", "blue": "#90caf9", "pink": "#f48fb1", "orange": "#ffcc80"}
"""Highlight colours for the W3C stylesheet (readers of the export, not lectern's theme)."""


def write(docs: list[ExportDocument]) -> str:
    """An AnnotationCollection holding every passage, its ids derived from the content."""
    items = [_w3c_annotation(doc, a) for doc, a in passages(docs)]
    # ids derived from the content, so the same annotations always make the same collection
    key = uuid.uuid5(uuid.NAMESPACE_URL, "lectern:collection:" + ",".join(sorted(i["id"] for i in items)))
    collection = {
        "@context": W3C_CONTEXT,
        "id": f"urn:uuid:{key}",
        "type": "AnnotationCollection",
        "label": "lectern annotations",
        EXTENSION + "offsets": (
            f"TextPositionSelector: {FILE_TEXT}; in an annotation whose {EXTENSION}offsets is "
            f'"{OFFSETS_EXTRACTED}": {EXTRACTED_TEXT} ({EXTENSION}extractor)'
        ),
        "total": len(items),
        "first": {
            "id": f"urn:uuid:{uuid.uuid5(key, 'page-1')}",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }
    return json.dumps(collection, ensure_ascii=False, indent=2) + "\n"


def _w3c_annotation(doc: ExportDocument, a: Annotation) -> dict[str, Any]:
    passage = passage_of(doc, a)
    span = export_span(doc, passage)
    item: dict[str, Any] = {
        "id": _urn(a.id),
        "type": "Annotation",
        "created": a.created,
        "modified": a.modified,
        "motivation": "commenting" if a.note else "highlighting",
    }
    note = {"type": "TextualBody", "value": a.note, "format": "text/plain", "purpose": "commenting"}
    bodies = [note] if a.note else []
    bodies += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in a.tags]
    if bodies:
        item["body"] = bodies
    quote = {"type": "TextQuoteSelector", "exact": passage.quote}
    quote.update(prefix=passage.prefix, suffix=passage.suffix)
    position = {"type": "TextPositionSelector", "start": span[0], "end": span[1]} if span else None
    item["target"] = {
        "source": document_uri(doc.ref.path),
        "styleClass": f"lectern-{a.color}",
        "selector": [quote, position] if position else [quote],
    }
    if a.color in CSS:  # the model asks for a stylesheet wherever a styleClass is used
        item["stylesheet"] = {
            "type": "CssStylesheet",
            "value": f".lectern-{a.color} {{ background-color: {CSS[a.color]}; }}",
        }
    item[EXTENSION + "offsets"] = offsets_of(doc)
    if doc.extractor:
        item[EXTENSION + "extractor"] = doc.extractor
    item[EXTENSION + "anchor"] = a.anchor
    item[EXTENSION + "sha256"] = a.sha256
    if passage.original:
        item[EXTENSION + "original"] = passage.original
    if position is None:  # no place in the file to point at: lectern's own offsets, for a lossless import
        item[EXTENSION + "textPosition"] = {"start": a.start, "end": a.end}
    document: dict[str, Any] = {"id": doc.ref.id, "title": doc.ref.title, "sha256": doc.ref.sha256}
    if doc.text_start is not None:
        document["textStart"] = doc.text_start
    item[EXTENSION + "document"] = document
    return item


def _urn(annotation_id: str) -> str:
    """An annotation's IRI: its uuid as a URN (an id that is no uuid gets a stable one)."""
    try:
        return f"urn:uuid:{uuid.UUID(annotation_id)}"
    except ValueError:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'lectern:' + annotation_id)}"


def claims(raw: dict[str, Any]) -> bool:
    """Whether a file's JSON object is JSON-LD (it has a type or a context)."""
    return "type" in raw or "@type" in raw or "@context" in raw


def read(raw: dict[str, Any]) -> list[Incoming]:
    """The annotations of a W3C JSON-LD object: one Annotation, a page or a collection."""
    return [read_entry(item, where) for item, where in _w3c_items(raw, _root(raw))]


def claims_entry(raw: dict[str, Any]) -> bool:
    """Whether one object of a file that is a plain list is a W3C Annotation (every one has a type;
    Hypothesis rows do not)."""
    return "type" in raw or "@type" in raw


def read_entry(raw: Any, where: str) -> Incoming:
    """One W3C Annotation, from lectern or any other tool."""
    item = json_object(raw, where)
    if "Annotation" not in _types(item, where):
        raise fail(where, "is not an Annotation")
    if item.get("target") is None:
        raise fail(where, "has no target")
    motivation = next(iter(strings(item, "motivation", where)), "")
    note, tags = _w3c_bodies(item, motivation, where)
    targeted = read_target(item["target"], f"{where}.target")
    doc = json_object(item.get(EXTENSION + "document", {}), f"{where}.{EXTENSION}document")
    created, modified = created_modified(iso_time(item, "created", where), iso_time(item, "modified", where))
    anchor = anchor_status(item, EXTENSION + "anchor", where)
    annotation = Annotation(
        id=foreign_id(string(item, "id", where), item),
        created=created,
        modified=modified,
        color=palette_color(targeted.style.removeprefix("lectern-")),
        note=note,
        tags=tags,
        target=_lectern_target(item, doc, targeted, where),
        anchor=anchor or "anchored",
        sha256=string(item, EXTENSION + "sha256", where),
    )
    source = targeted.source
    return Incoming(
        annotation,
        doc_id=string(doc, "id", f"{where}.{EXTENSION}document"),
        title=string(doc, "title", f"{where}.{EXTENSION}document"),
        path=path_of_uri(source) or "",
        uri=source,
        doc_sha256=string(doc, "sha256", f"{where}.{EXTENSION}document"),
        trusted_anchor=anchor is not None,
    )


def _root(raw: dict[str, Any]) -> str:
    """What to call the top object in a message: "collection", "page" or "annotation"."""
    kinds = " ".join(strings(raw, "type", "the file") if "type" in raw else [])
    return "collection" if "Collection" in kinds else "page" if "Page" in kinds else "annotation"


def _types(raw: dict[str, Any], where: str) -> set[str]:
    """The types of a JSON-LD node, without any ``oa:``-style prefix."""
    key = "type" if "type" in raw else "@type"
    if key not in raw:
        raise fail(where, "has no type (W3C Web Annotation needs one)")
    return {t.rsplit(":", 1)[-1] for t in strings(raw, key, where)}


def _w3c_items(raw: dict[str, Any], where: str) -> list[tuple[Any, str]]:
    """The Annotations in a W3C document: one Annotation, a page, or a collection of pages."""
    kinds = _types(raw, where)
    if "Annotation" in kinds:
        return [(raw, where)]
    if "AnnotationPage" in kinds:
        return _pages(raw, where)
    if "AnnotationCollection" in kinds:
        if "items" in raw:
            return _pages(raw, where)
        first = raw.get("first")
        return [] if first is None else _pages(first, f"{where}.first")
    raise fail(where, f"has type {', '.join(sorted(kinds))}, not Annotation, AnnotationPage or Collection")


def _pages(raw: Any, where: str) -> list[tuple[Any, str]]:
    """The items of a page and of the pages that follow it in the same file."""
    found: list[tuple[Any, str]] = []
    page: Any = raw
    while page is not None:
        if isinstance(page, str):  # offline: a page elsewhere cannot be fetched, and half is not enough
            raise fail(where, f"the annotations are at {page[:80]}, which is not in this file")
        page = json_object(page, where)
        items = json_list(page.get("items", []), f"{where}.items")
        found.extend((item, f"{where}.items[{i}]") for i, item in enumerate(items))
        page, where = page.get("next"), f"{where}.next"
    return found


def _lectern_target(item: dict[str, Any], doc: dict[str, Any], found: Targeted, where: str) -> Target:
    """The passage in lectern's own offsets (into the document's text after its front matter).

    lectern's export gives positions in the file's text with where the text starts in it
    (``textStart``), and lectern's own offsets where it gives no position (``textPosition``);
    older exports and other tools give positions that are read as they are (a hint, when they
    come from another text).
    """
    target = replace(found.target, original=string(item, EXTENSION + "original", where))
    if found.positioned and "textStart" in doc:
        shift = offset(doc, "textStart", f"{where}.{EXTENSION}document")
        return replace(target, start=max(0, target.start - shift), end=max(0, target.end - shift))
    if not found.positioned and item.get(EXTENSION + "textPosition") is not None:
        here = f"{where}.{EXTENSION}textPosition"
        start, end = start_end(json_object(item[EXTENSION + "textPosition"], here), here)
        return replace(target, start=start, end=end)
    return target


def _w3c_bodies(item: dict[str, Any], motivation: str, where: str) -> tuple[str, tuple[str, ...]]:
    """The note (commenting and other bodies, joined) and the tags (tagging bodies)."""
    notes: list[str] = [string(item, "bodyValue", where)]
    tags: list[str] = []
    body = item.get("body")
    bodies = [] if body is None else body if isinstance(body, list) else [body]
    for i, entry in enumerate(bodies):
        value, purpose = _w3c_body(entry, motivation, f"{where}.body[{i}]")
        (tags if purpose == "tagging" else notes).append(value)
    return "\n\n".join(n.strip() for n in notes if n.strip()), clean_tags(tags)


def _w3c_body(raw: Any, motivation: str, where: str) -> tuple[str, str]:
    """A body's text and purpose (a body without one serves the annotation's motivation)."""
    if isinstance(raw, str):  # an IRI of a body elsewhere: keep the reference as text
        return raw, motivation
    body = json_object(raw, where)
    value = string(body, "value", where) or string(body, "id", where)
    if not value and "value" not in body:
        raise fail(where, "has neither a value nor an id")
    purpose = next(iter(strings(body, "purpose", where)), "") or motivation
    return value, purpose


@dataclass(frozen=True)
class Targeted:
    """What an annotation's target says: its source, passage and style class."""

    source: str
    target: Target
    style: str = ""
    positioned: bool = False
    """Whether a TextPositionSelector gave the offsets (they index the source's text)."""


def read_target(raw: Any, where: str) -> Targeted:
    """The source, the passage and the style class of an annotation's (first textual) target."""
    if isinstance(raw, list):
        if not raw:
            raise fail(where, "is an empty list")
        found = [read_target(entry, f"{where}[{i}]") for i, entry in enumerate(raw)]
        return next((f for f in found if f.target.exact or f.positioned), found[0])
    if isinstance(raw, str):  # the whole document, no passage
        return Targeted(raw, Target("", "", "", 0, 0))
    target = json_object(raw, where)
    source = string(target, "source", where) or string(target, "id", where)
    if not source:
        raise fail(where, "has no source")
    selectors = target.get("selector")
    listed = [] if selectors is None else selectors if isinstance(selectors, list) else [selectors]
    passage, positioned = _selected(listed, f"{where}.selector")
    return Targeted(source, passage, string(target, "styleClass", where), positioned)


def _selected(selectors: list[Any], where: str) -> tuple[Target, bool]:
    """The passage a target's quote and position selectors give (other selectors are ignored), and
    whether a position was given."""
    exact, prefix, suffix, span = "", "", "", None
    for i, raw in enumerate(selectors):
        if isinstance(raw, str):  # a selector elsewhere, by IRI: nothing to read here
            continue
        selector, here = json_object(raw, f"{where}[{i}]"), f"{where}[{i}]"
        kind = string(selector, "type", here).rsplit(":", 1)[-1]
        if kind == "TextQuoteSelector":
            exact = string(selector, "exact", here, required=True)
            prefix, suffix = string(selector, "prefix", here), string(selector, "suffix", here)
        elif kind == "TextPositionSelector":
            span = start_end(selector, here)
    # offsets from another text (a web page) are only a hint: re-anchoring finds the quote
    start, end = span or (0, 0)
    return Target(exact, prefix, suffix, start, end), span is not None
