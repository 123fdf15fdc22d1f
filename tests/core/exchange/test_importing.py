"""Importing: finding documents (by URI, by hash after a move, by quote), orphans kept and
reported, idempotent re-import where a newer version wins, malformed files refused without
touching the store, and two corpora in one store each getting their own copy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.core.exchange.helpers import ALPHA, bare, hypothesis_row, make_doc, on, store_state, w3c_annotation
from tui.core.annotation_store import AnnotationStore
from tui.core.exchange import ExportDocument, ImportFormatError, export, file_uri, import_annotations
from tui.core.exchange.w3c import W3C_CONTEXT

# --------------------------------------------------------------------------- import: finding documents


def test_import_finds_the_document_by_uri_first(docs: list[ExportDocument], store: AnnotationStore) -> None:
    alpha, beta = bare(docs)
    quote = "The budget will be reviewed next year."  # in both documents
    for doc in (alpha, beta):
        report = import_annotations(
            json.dumps(w3c_annotation(file_uri(doc.ref.path), quote)), [alpha, beta], store
        )
        assert report.added == 1 and not report.orphaned
    for doc in (alpha, beta):
        stored = store.load(doc.ref.path)
        assert stored is not None and stored.document == doc.ref
        (a,) = stored.annotations
        assert doc.text is not None and doc.text[a.start : a.end] == quote and a.anchor == "anchored"


def test_import_finds_a_moved_file_by_its_hash(
    docs: list[ExportDocument], store: AnnotationStore, tmp_path: Path
) -> None:
    exported = export(docs, "json")
    moved = [
        make_doc(tmp_path / "elsewhere", f"renamed-{d.ref.id.replace('/', '-')}", d.text or "", d.ref.title)
        for d in docs
    ]
    report = import_annotations(exported, moved, store)
    assert report.added == 6
    for old, new in zip(docs, moved, strict=True):
        stored = store.load(new.ref.path)
        assert stored is not None and stored.document == new.ref
        assert {a.id for a in stored.annotations} == {a.id for a in old.annotations}
        assert store.load(old.ref.path) is None


def test_import_finds_the_document_by_its_quote_and_reanchors(
    docs: list[ExportDocument], store: AnnotationStore, tmp_path: Path
) -> None:
    edited_text = "# Alpha report\n\nA new opening paragraph, added later.\n" + ALPHA.split("\n", 2)[2]
    edited = make_doc(tmp_path / "new", "alpha-v2.md", edited_text, "Alpha report (revised)")
    others = make_doc(tmp_path / "new", "other.md", "Nothing to see.\n", "Other")
    payload = json.loads(export(docs[:1], "w3c"))
    for item in payload["first"]["items"]:  # as another tool would send it: no lectern extensions
        for key in [k for k in item if k.startswith("lectern:")]:
            del item[key]
        item["target"]["source"] = "https://example.com/alpha"
    report = import_annotations(json.dumps(payload), [others, edited], store)
    assert report.added == 5
    stored = store.load(edited.ref.path)
    assert stored is not None
    found = {a.target.exact: a for a in stored.annotations}
    decision = found["It agreed that blockchain pilots"]
    assert decision.anchor == "moved" and edited_text[decision.start : decision.end] == decision.target.exact
    assert found["a passage since deleted"].anchor == "orphaned"
    assert report.orphaned == (
        "“a passage since deleted”: not found in alpha-v2.md; kept there as an orphan",
    )


def test_a_quote_in_several_documents_that_fits_each_as_well_is_an_orphan(
    docs: list[ExportDocument], store: AnnotationStore
) -> None:
    row = w3c_annotation("https://example.com/x", "The budget will be reviewed next year.")
    report = import_annotations(json.dumps(row), bare(docs), store)
    assert report.added == 1
    (reason,) = report.orphaned
    assert "occurs in 2 documents" in reason
    # but the context picks one when it fits one better
    row = w3c_annotation("https://example.com/y", "The budget will be reviewed next year.")
    row["target"]["selector"] = [
        dict(row["target"]["selector"], prefix="Tomatoes? no: gardening and tomatoes.\n")
    ]
    report = import_annotations(json.dumps(row), bare(docs), store)
    assert report.orphaned == ()
    stored = store.load(docs[1].ref.path)
    assert stored is not None and len(stored.annotations) == 1


def test_unmatched_annotations_are_kept_as_orphans_and_reported(
    docs: list[ExportDocument], store: AnnotationStore, tmp_path: Path
) -> None:
    gone = tmp_path / "gone" / "lost.md"
    by_path = w3c_annotation(file_uri(gone), "words nobody wrote in this corpus")
    no_uri = w3c_annotation("https://example.com/page", "other words nobody wrote")
    collection = {
        "@context": W3C_CONTEXT,
        "type": "AnnotationCollection",
        "first": {"type": "AnnotationPage", "items": [by_path, no_uri]},
    }
    report = import_annotations(json.dumps(collection), bare(docs), store)
    assert report.added == 2 and len(report.orphaned) == 2
    assert all("kept as an orphan" in r for r in report.orphaned)
    kept = store.load(gone)
    assert kept is not None and kept.document.path == str(gone)
    assert [a.anchor for a in kept.annotations] == ["orphaned"]
    (synthetic,) = [s for s in store.summaries() if s.document.id == "https://example.com/page"]
    assert Path(synthetic.document.path).parent == (store.folder / "unmatched").absolute()
    assert synthetic.annotations[0].target.exact == "other words nobody wrote"
    assert synthetic.annotations[0].note == "from elsewhere"


def test_an_orphan_imported_earlier_moves_to_its_document_once_the_corpus_has_it(
    docs: list[ExportDocument], store: AnnotationStore
) -> None:
    row = json.dumps(w3c_annotation("https://example.com/p", "Tomatoes need sun."))
    assert import_annotations(row, bare(docs)[:1], store).orphaned  # beta is not in this corpus
    report = import_annotations(row, bare(docs), store)
    assert (report.added, report.updated, report.orphaned) == (0, 1, ())
    stored = store.load(docs[1].ref.path)
    assert stored is not None and [a.anchor for a in stored.annotations] == ["anchored"]
    assert sum(len(s.annotations) for s in store.summaries()) == 1


# --------------------------------------------------------------------------- import: idempotence


def test_reimport_changes_nothing_and_a_newer_version_wins(
    docs: list[ExportDocument], store: AnnotationStore
) -> None:
    exported = export(docs, "json")
    import_annotations(exported, bare(docs), store)
    before = store_state(store)
    report = import_annotations(exported, bare(docs), store)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 6)
    assert store_state(store) == before

    payload = json.loads(exported)
    alpha = next(d for d in payload["documents"] if d["id"] == "reports/alpha.md")
    first = alpha["annotations"][0]
    older = dict(first, note="an older note", modified="2000-01-01T00:00:00+00:00")
    newer = dict(
        alpha["annotations"][1], note="edited on another machine", modified="2999-01-01T00:00:00+00:00"
    )
    alpha["annotations"][:2] = [older, newer]
    report = import_annotations(json.dumps(payload), bare(docs), store)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 5)
    stored = store.load(docs[0].ref.path)
    assert stored is not None
    notes = {a.id: a.note for a in stored.annotations}
    assert notes[first["id"]] == "Key decision.\nSee minutes."
    assert notes[newer["id"]] == "edited on another machine"


def test_import_keeps_what_the_store_already_has(docs: list[ExportDocument], store: AnnotationStore) -> None:
    alpha = docs[0]
    mine = on(alpha, "Everyone agreed", note="mine")
    store.save(alpha.ref, mine)
    import_annotations(export(docs, "json"), bare(docs), store)
    stored = store.load(alpha.ref.path)
    assert stored is not None and len(stored.annotations) == 6 and stored.get(mine.id) == mine


# --------------------------------------------------------------------------- import: malformed files


def lectern_file(**annotation: Any) -> str:
    entry = {"id": "x", "created": "2024-01-01T00:00:00+00:00", "modified": "2024-01-01T00:00:00+00:00",
             "color": "yellow", "note": "", "tags": [], "target": {"exact": "Tomatoes", "start": 0, "end": 8}}  # fmt: skip
    entry.update(annotation)
    good = dict(entry, id="good")
    return json.dumps(
        {"format": "lectern", "version": 1, "documents": [{"id": "beta.md", "annotations": [good, entry]}]}
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json at all", "not JSON"),
        ("", "not JSON"),
        (b'{"annotations": []}\x00\x00', "binary"),
        (b"\x89PNG\r\n\x1a\n\xff\xd8", "not UTF-8"),
        ("[1, 2, 3]", "item 0: is a number, not an object"),
        ("42", "JSON is a number"),
        ('{"hello": "world"}', "not a lectern, W3C Web Annotation or Hypothesis export"),
        (
            json.dumps({"@context": W3C_CONTEXT, "type": "Annotation", "target": 42}),
            "annotation.target: is a number",
        ),
        (json.dumps({"@context": W3C_CONTEXT, "type": "Annotation"}), "has no target"),
        (json.dumps({"@context": W3C_CONTEXT, "items": []}), "has no type"),
        (
            json.dumps(
                {"@context": W3C_CONTEXT, "type": "AnnotationCollection", "first": "https://x.org/p1"}
            ),
            "not in this file",
        ),
        (
            json.dumps(
                [
                    w3c_annotation("file:///a.md", "q"),
                    w3c_annotation(
                        "file:///a.md",
                        "q",
                        target={
                            "source": "file:///a.md",
                            "selector": {"type": "TextPositionSelector", "start": -3, "end": 4},
                        },
                    ),
                ]
            ),
            "-3 is negative",
        ),
        (json.dumps([w3c_annotation("file:///a.md", "q", target={"selector": []})]), "has no source"),
        (json.dumps([w3c_annotation("file:///a.md", "q", created="yesterday")]), "not an ISO 8601 time"),
        (
            json.dumps([hypothesis_row(tags="policy, web")]).replace('"policy, web"', "[1]"),
            "tags[0]: is a number",
        ),
        (json.dumps([hypothesis_row(text=["not", "a", "string"])]), "text: is a list, not a string"),
        (lectern_file(target={"exact": "Tomatoes", "start": -1, "end": 8}), "start: -1 is negative"),
        (lectern_file(target={"exact": "Tomatoes", "start": 9, "end": 8}), "ends (8) before it starts (9)"),
        (lectern_file(target={"exact": "Tomatoes", "start": True, "end": 8}), "not a whole number"),
        (lectern_file(target={"exact": 5, "start": 0, "end": 8}), "exact: is a number"),
        (lectern_file(anchor="lost"), "is not one of anchored"),
        (lectern_file(id=None), "has no 'id'"),
        (json.dumps({"format": "lectern", "version": 99, "documents": []}), "newer lectern"),
        (
            json.dumps({"format": "lectern", "version": 1, "documents": {}}),
            "documents: is an object, not a list",
        ),
    ],
)
def test_malformed_files_are_refused_and_change_nothing(
    data: str | bytes, reason: str, docs: list[ExportDocument], store: AnnotationStore
) -> None:
    import_annotations(export(docs, "json"), bare(docs), store)
    before = store_state(store)
    with pytest.raises(ImportFormatError, match=re.escape(reason)):
        import_annotations(data, bare(docs), store)
    assert store_state(store) == before


# --------------------------------------------------------------------------- import: two corpora, one store


def test_importing_into_a_second_corpus_adds_there_and_leaves_the_first_alone(
    docs: list[ExportDocument], store: AnnotationStore, tmp_path: Path
) -> None:
    exported = export(docs, "json")
    first = bare(docs)
    second = [
        make_doc(tmp_path / "second", d.ref.id, d.text or "", d.ref.title, d.source) for d in first
    ]  # the same documents, another folder
    assert import_annotations(exported, first, store).added == 6
    first_files = store_state(store)

    report = import_annotations(exported, second, store)
    assert (report.added, report.updated, report.unchanged) == (6, 0, 0)
    again = import_annotations(exported, second, store)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 6)
    assert import_annotations(exported, first, store).unchanged == 6
    kept = store_state(store)
    assert all(kept[name] == content for name, content in first_files.items())  # untouched
    for one, two in zip(first, second, strict=True):
        a, b = store.load(one.ref.path), store.load(two.ref.path)
        assert a is not None and b is not None and b.document == two.ref
        assert [(x.id, x.start, x.end, x.anchor) for x in a.annotations] == [
            (x.id, x.start, x.end, x.anchor) for x in b.annotations
        ]  # ids are per document file: the same annotation, one copy in each corpus
