"""W3C Web Annotation JSON-LD: the fields the model requires, round trips through import (equal up
to order, and lossless into lectern JSON), the shapes other tools send (one Annotation, a page, a
list, the spec's minimal annotation), positions from another text taken only as a hint, and
exports of an older lectern that gave offsets into the text."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.core.exchange.helpers import BETA, bare, from_store, on, w3c_annotation, with_annotations
from tui.core.anchoring import Target
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import reference
from tui.core.documents import text_sha256
from tui.core.exchange import ExportDocument, export, file_uri, import_annotations, read_document_file
from tui.core.exchange.w3c import W3C_CONTEXT


def test_w3c_export_import_export_is_equal_up_to_order(
    docs: list[ExportDocument], store: AnnotationStore
) -> None:
    first = json.loads(export(docs, "w3c"))
    shuffled = dict(first, first=dict(first["first"], items=first["first"]["items"][::-1]))
    report = import_annotations(json.dumps(shuffled), bare(docs), store)
    assert report.added == 6
    again = json.loads(export(from_store(store, bare(docs)), "w3c"))

    def by_id(collection: dict[str, Any]) -> dict[str, Any]:
        return {item["id"]: item for item in collection["first"]["items"]}

    assert by_id(again) == by_id(first)
    assert {k: v for k, v in again.items() if k != "first"} == {
        k: v for k, v in first.items() if k != "first"
    }


def test_w3c_import_then_lectern_json_is_lossless(docs: list[ExportDocument], store: AnnotationStore) -> None:
    import_annotations(export(docs, "w3c"), bare(docs), store)
    assert export(from_store(store, bare(docs)), "json") == export(docs, "json")


def test_w3c_export_has_the_fields_the_model_requires(docs: list[ExportDocument]) -> None:
    collection = json.loads(export(docs, "w3c"))
    assert collection["@context"] == W3C_CONTEXT
    assert collection["type"] == "AnnotationCollection"
    assert collection["id"].startswith("urn:uuid:")
    page = collection["first"]
    assert page["type"] == "AnnotationPage" and page["id"].startswith("urn:uuid:")
    items = page["items"]
    assert collection["total"] == len(items) == 6
    texts = {file_uri(d.ref.path): d.text or "" for d in docs}
    for item in items:
        assert item["type"] == "Annotation"
        uuid.UUID(item["id"].removeprefix("urn:uuid:"))
        assert item["id"].startswith("urn:uuid:")
        datetime.fromisoformat(item["created"])
        datetime.fromisoformat(item["modified"])
        assert item["motivation"] in ("commenting", "highlighting")
        target = item["target"]
        assert target["source"].startswith("file:///") and target["source"] in texts
        assert re.fullmatch(r"lectern-(yellow|green|blue|pink|orange)", target["styleClass"])
        assert item["stylesheet"]["type"] == "CssStylesheet"
        quote, *positions = target["selector"]
        assert quote["type"] == "TextQuoteSelector"
        if item["lectern:anchor"] == "orphaned":  # in no text: lectern's own offsets, no position
            assert positions == [] and set(item["lectern:textPosition"]) == {"start", "end"}
        else:
            (position,) = positions
            assert position["type"] == "TextPositionSelector" and "lectern:textPosition" not in item
            assert texts[target["source"]][position["start"] : position["end"]] == quote["exact"]
        for body in item.get("body", []):
            assert body["type"] == "TextualBody" and isinstance(body["value"], str)
            assert body["purpose"] in ("commenting", "tagging")
        assert set(item["lectern:document"]) == {"id", "title", "sha256", "textStart"}
    noted = next(
        i for i in items if i["motivation"] == "commenting" and "Key decision" in i["body"][0]["value"]
    )
    assert [b["value"] for b in noted["body"] if b["purpose"] == "tagging"] == ["policy", "money"]


@pytest.mark.parametrize("shape", ["annotation", "page", "list"])
def test_w3c_single_annotation_page_and_list_are_accepted(
    shape: str, docs: list[ExportDocument], store: AnnotationStore
) -> None:
    item = w3c_annotation("https://example.com/b", "Tomatoes need sun.")
    payload: Any = {
        "annotation": item,
        "page": {"@context": W3C_CONTEXT, "type": "AnnotationPage", "items": [item]},
        "list": [item],
    }[shape]
    assert import_annotations(json.dumps(payload), bare(docs), store).added == 1
    stored = store.load(docs[1].ref.path)
    assert stored is not None and stored.annotations[0].id == item["id"].removeprefix("urn:uuid:")


def test_the_specs_minimal_annotation_is_kept_as_an_orphan(
    docs: list[ExportDocument], store: AnnotationStore
) -> None:
    minimal = {"@context": W3C_CONTEXT, "id": "http://example.org/anno1", "type": "Annotation",
               "body": "http://example.org/post1", "target": "http://example.com/page1"}  # fmt: skip
    report = import_annotations(json.dumps(minimal), bare(docs), store)
    assert report.added == 1 and len(report.orphaned) == 1
    (kept,) = store.summaries()
    assert kept.annotations[0].note == "http://example.org/post1"
    assert kept.annotations[0].id == str(uuid.uuid5(uuid.NAMESPACE_URL, "http://example.org/anno1"))


def test_target_offsets_of_another_text_are_only_a_hint(
    docs: list[ExportDocument], store: AnnotationStore
) -> None:
    item = w3c_annotation("https://example.com/b", "Tomatoes need sun.")
    item["target"]["selector"] = [
        item["target"]["selector"],
        {"type": "TextPositionSelector", "start": 5000, "end": 5018},
    ]
    import_annotations(json.dumps(item), bare(docs), store)
    stored = store.load(docs[1].ref.path)
    assert stored is not None
    (a,) = stored.annotations
    assert BETA[a.start : a.end] == "Tomatoes need sun." and a.target == Target(
        "Tomatoes need sun.",
        a.target.prefix,
        a.target.suffix,
        BETA.index("Tomatoes need"),
        BETA.index("Tomatoes need") + 18,
    )


def test_an_older_lectern_w3c_export_with_text_offsets_still_imports_in_place(
    tmp_path: Path, store: AnnotationStore
) -> None:
    text = "# Ledger\n\nThe blockchain ledger keeps records.\n"
    path = tmp_path / "old.md"
    path.write_text("---\ntitle: Ledger\n---\n" + text, encoding="utf-8")
    file = read_document_file(path)
    assert file is not None and file.text == text
    doc = ExportDocument(
        reference("old.md", path, text_sha256(text), "Ledger"), text=text, text_start=file.text_start
    )
    note = on(doc, "ledger keeps")
    payload = json.loads(export([with_annotations(doc, note)], "w3c"))
    (item,) = payload["first"]["items"]
    del item["lectern:document"]["textStart"]  # as lectern wrote it before: offsets into the text
    item["target"]["selector"][1].update(start=note.start, end=note.end)
    import_annotations(json.dumps(payload), [doc], store)
    stored = store.load(path)
    assert stored is not None and [(a.start, a.end, a.anchor) for a in stored.annotations] == [
        (note.start, note.end, "anchored")
    ]
