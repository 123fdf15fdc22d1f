"""Exports and import of annotations: every format's shape, lossless round trips through lectern
JSON and W3C JSON-LD, import of Hypothesis exports, finding documents (by URI, by hash after a
move, by quote), orphans kept and reported, idempotent re-import, and malformed files refused
without touching the store. A property writes files with and without front matter, in any line
ending, UTF-8 with or without a BOM, UTF-16 or UTF-32, with non-ASCII and astral characters, and
checks that every format's offsets slice what it declares (the file, as a consumer reads it, or
the embedded text) to the passage, and that importing gives the same spans back. Two corpora in
one store each get their own copy of an import. Corpora are small real files in tmp_path with
real Annotations."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tui.core import indexer
from tui.core.anchoring import Target
from tui.core.annotations import Annotation, AnnotationStore, DocumentRef, reference
from tui.core.documents import text_sha256
from tui.core.export import (
    CSV_COLUMNS,
    FORMATS,
    W3C_CONTEXT,
    ExportDocument,
    ImportFormatError,
    export,
    file_uri,
    gather,
    import_annotations,
    left_out,
    path_of_uri,
    read_document_file,
    select,
)
from tui.core.library import Library
from tui.core.paths import Paths

ALPHA = """# Alpha report

The committee met on Tuesday to discuss the budget.
It agreed that blockchain pilots deserve more funding.

## Details

区块链技术的发展 was noted. Everyone agreed — even the sceptics 🙂.
The budget will be reviewed next year.
"""
BETA = """# Beta notes

Some unrelated prose about gardening and tomatoes.
The budget will be reviewed next year.
Tomatoes need sun.
"""


def make_doc(folder: Path, name: str, text: str, title: str, source: str = "") -> ExportDocument:
    """A real file and the ExportDocument a corpus would give for it."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    file = read_document_file(path)
    assert file is not None and file.text == text
    ref = reference(name, path, text_sha256(text), title)
    return ExportDocument(ref, source, text, author=file.author, text_start=file.text_start)


def on(doc: ExportDocument, quote: str, occurrence: int = 1, **fields: Any) -> Annotation:
    """An annotation on the n-th occurrence of ``quote`` in the document."""
    assert doc.text is not None
    start = -1
    for _ in range(occurrence):
        start = doc.text.index(quote, start + 1)
    return Annotation.create(doc.text, start, start + len(quote), sha256=doc.ref.sha256, **fields)


def with_annotations(doc: ExportDocument, *annotations: Annotation) -> ExportDocument:
    return replace(doc, annotations=annotations)


def from_store(store: AnnotationStore, corpus: list[ExportDocument]) -> list[ExportDocument]:
    """What an export would see: each corpus document with its stored annotations."""
    found = []
    for doc in corpus:
        stored = store.load(doc.ref.path)
        if stored is not None and stored.annotations:
            found.append(replace(doc, ref=stored.document, annotations=stored.annotations))
    return found


def bare(docs: list[ExportDocument]) -> list[ExportDocument]:
    return [replace(d, annotations=()) for d in docs]


def store_state(store: AnnotationStore) -> dict[str, bytes]:
    folder = store.folder
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def docs(tmp_path: Path) -> list[ExportDocument]:
    """Two annotated documents: notes, tags, colours, overlaps, CJK and an emoji, odd statuses."""
    alpha = make_doc(tmp_path / "corpus", "reports/alpha.md", ALPHA, "Alpha report", "Committee Press")
    beta = make_doc(tmp_path / "corpus", "beta.md", BETA, "Beta notes")
    overlap = on(alpha, "blockchain pilots deserve more funding", tags=["policy"], color="green")
    orphan = on(alpha, "The committee met")
    orphan = replace(
        orphan, target=replace(orphan.target, exact="a passage since deleted"), anchor="orphaned"
    )
    alpha_notes = (
        on(
            alpha,
            "It agreed that blockchain pilots",
            note="Key decision.\nSee minutes.",
            tags=["policy", "money"],
        ),
        overlap,
        replace(on(alpha, "区块链技术的发展", tags=["cjk"], color="pink"), anchor="moved"),
        on(alpha, "even the sceptics 🙂", note="“quoted” note, with, commas"),
        orphan,
    )
    beta_notes = (on(beta, "The budget will be reviewed next year.", tags=["money"], color="blue"),)
    return [with_annotations(alpha, *alpha_notes), with_annotations(beta, *beta_notes)]


@pytest.fixture
def store(tmp_path: Path) -> AnnotationStore:
    return AnnotationStore(tmp_path / "data" / "annotations")


# --------------------------------------------------------------------------- round trips


def test_json_export_import_export_is_identical(docs: list[ExportDocument], store: AnnotationStore) -> None:
    first = export(docs, "json")
    report = import_annotations(first, bare(docs), store)
    assert (report.added, report.updated, report.unchanged) == (6, 0, 0)
    assert len(report.orphaned) == 1 and "a passage since deleted" in report.orphaned[0]
    assert export(from_store(store, bare(docs)), "json") == first


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


# --------------------------------------------------------------------------- export formats


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


def test_csv_has_the_readwise_columns_and_one_row_per_passage(docs: list[ExportDocument]) -> None:
    rows = list(csv.reader(io.StringIO(export(docs, "csv"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0][:6] == ["Highlight", "Title", "Author", "URL", "Note", "Location"]  # Readwise's
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == sum(len(d.annotations) for d in docs)
    decision = next(r for r in records if r["Highlight"] == "It agreed that blockchain pilots")
    alpha = docs[0]
    start = ALPHA.index("It agreed that blockchain pilots")
    assert decision == {
        "Highlight": "It agreed that blockchain pilots",
        "Title": "Alpha report",
        "Author": "",  # the front matter names none; the source is a publisher, not an author
        "URL": file_uri(alpha.ref.path),  # the source is no web address
        "Note": "Key decision.\nSee minutes.",
        "Location": str(start),
        "Tags": "policy,money",
        "Color": "yellow",
        "Document": "reports/alpha.md",
        "Start (file)": str(start),
        "End (file)": str(start + len("It agreed that blockchain pilots")),
        "Date": decision["Date"],
        "SHA256": alpha.ref.sha256,
        "Original": "",
    }
    orphan = next(r for r in records if r["Highlight"] == "a passage since deleted")
    assert (orphan["Location"], orphan["Start (file)"], orphan["End (file)"]) == ("", "", "")
    assert any(r["Note"] == "“quoted” note, with, commas" for r in records)


def test_doccano_lines_have_the_text_and_one_span_per_tag(docs: list[ExportDocument]) -> None:
    lines = export(docs, "doccano").splitlines()
    assert len(lines) == 2
    by_doc = {d.ref.id: d for d in docs}
    for line in lines:
        record = json.loads(line)
        doc = by_doc[record["document"]]
        assert record["text"] == doc.text
        quotes = {(a.start, a.end): a for a in doc.annotations}
        for start, end, label in record["label"]:
            assert record["text"][start:end] == quotes[(start, end)].target.exact
            assert label in quotes[(start, end)].tags
    assert [json.loads(line)["document"] for line in lines] == ["beta.md", "reports/alpha.md"]
    alpha = json.loads(lines[1])
    # 2 tags + 1 + 1 on the tagged passages; the untagged note and the orphan are left out
    assert sorted(label for _, _, label in alpha["label"]) == ["cjk", "money", "policy", "policy"]
    assert left_out(docs, "doccano") == ["reports/alpha.md: left out 2 untagged passage(s)"]


def test_doccano_leaves_out_orphans_and_unreadable_texts(docs: list[ExportDocument]) -> None:
    alpha, beta = docs
    tagged_orphan = replace(alpha.annotations[-1], tags=("lost",))
    docs = [replace(alpha, annotations=(tagged_orphan,)), replace(beta, text=None)]
    assert export(docs, "doccano") == ""
    assert left_out(docs, "doccano") == [
        "beta.md: left out 1 passage(s): its text cannot be read",
        "reports/alpha.md: left out 1 passage(s) no longer in the text",
    ]


def test_jsonl_has_one_labelled_passage_per_line(docs: list[ExportDocument]) -> None:
    records = [json.loads(line) for line in export(docs, "jsonl").splitlines()]
    assert len(records) == 6
    cjk = next(r for r in records if r["labels"] == ["cjk"])
    start = ALPHA.index("区块链技术的发展")
    assert cjk == {
        "text": "区块链技术的发展",
        "labels": ["cjk"],
        "document": "reports/alpha.md",
        "title": "Alpha report",
        "uri": file_uri(docs[0].ref.path),
        "start": start,
        "end": start + 8,
        "offsets": "file",
        "sha256": docs[0].ref.sha256,
        "note": "",
        "color": "pink",
        "id": cjk["id"],
        "anchor": "moved",
        "original": "区块链技术的发展",
    }
    assert all(set(r) >= {"text", "labels", "document", "start", "end", "sha256"} for r in records)
    orphan = next(r for r in records if r["anchor"] == "orphaned")
    assert (orphan["text"], orphan["start"], orphan["end"]) == ("a passage since deleted", None, None)


def test_jsonl_lines_survive_splitlines(tmp_path: Path) -> None:
    text = "one\u2028two\x85three and more"
    doc = make_doc(tmp_path, "odd.md", text, "Odd")
    out = export([with_annotations(doc, on(doc, text))], "jsonl")
    assert len(out.splitlines()) == 1 and json.loads(out)["text"] == text


def test_markdown_lists_each_passage_with_note_and_tags(docs: list[ExportDocument]) -> None:
    out = export(docs, "markdown")
    assert "## Alpha report" in out and "## Beta notes" in out
    assert "- Source: Committee Press" in out
    assert f"<{file_uri(docs[0].ref.path)}>" in out
    assert "> It agreed that blockchain pilots\n\nKey decision.\nSee minutes.\n" in out
    assert "tags: policy, money" in out
    assert "> a passage since deleted" in out and "not found in the current text" in out
    for doc in docs:
        for a in doc.annotations:  # offsets and provenance travel with every passage
            if a.anchor == "orphaned":
                assert f'"id": "{a.id}", "document": "{doc.ref.id}", "start": null, "end": null' in out
                continue
            assert f'"id": "{a.id}", "document": "{doc.ref.id}", "start": {a.start}, "end": {a.end}' in out
            assert f"characters {a.start}–{a.end} of the file" in out


def test_markdown_full_text_marks_every_passage_even_overlapping_ones(docs: list[ExportDocument]) -> None:
    out = export(docs, "markdown", full_text=True)
    plain = re.sub(r"</?mark>|\[\^\d+\]", "", out)
    assert ALPHA.rstrip("\n") in plain and BETA.rstrip("\n") in plain
    # the overlapping pair: "It agreed that blockchain pilots" and "blockchain pilots deserve more funding"
    assert (
        "<mark>It agreed that </mark><mark>blockchain pilots</mark>[^2]<mark> deserve more funding</mark>[^3]."
        in out
    )  # beta.md comes first, so its passage is note 1
    assert "[^2]: Key decision.\n    See minutes.\n" in out
    assert "## Details" in out and "<mark>##" not in out  # block syntax stays outside the marks
    notes = re.findall(r"^\[\^(\d+)\]:", out, re.M)
    assert notes == [str(n) for n in range(1, 6)]  # numbered once across the whole export
    assert "### Not found in the current text\n\n> a passage since deleted" in out


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(st.sampled_from("ab #>\n-*`|é区"), min_size=1, max_size=60),
    spans=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20)), max_size=6),
)
def test_marked_full_text_keeps_the_text_and_never_nests_marks(
    tmp_path: Path, text: str, spans: list[tuple[int, int]]
) -> None:
    doc = ExportDocument(DocumentRef("d.md", str(tmp_path / "d.md"), text_sha256(text), "D"), "", text)
    notes = tuple(
        Annotation.create(text, s, min(len(text), s + n), sha256=doc.ref.sha256)
        for s, n in spans
        if s < len(text) and text[s : s + n].strip()
    )
    out = export([with_annotations(doc, *notes)], "markdown", full_text=True)
    body = out.split("- Text sha256: ", 1)[1].split("\n", 3)[3]
    assert re.sub(r"</?mark>|\[\^\d+\]", "", body).startswith(text.rstrip("\n"))
    depth = 0
    for tag in re.findall(r"</?mark>", out):
        depth += 1 if tag == "<mark>" else -1
        assert depth in (0, 1)
    assert depth == 0
    assert len(re.findall(r"^\[\^\d+\]:", out, re.M)) == len(notes)


def test_export_order_is_stable_and_unknown_formats_are_refused(docs: list[ExportDocument]) -> None:
    reordered = [with_annotations(d, *d.annotations[::-1]) for d in docs[::-1]]
    for fmt in FORMATS:
        assert export(reordered, fmt) == export(docs, fmt)
    with pytest.raises(ValueError, match="unknown export format"):
        export(docs, "pdf")


def test_select_filters_by_tags_colour_and_document(docs: list[ExportDocument]) -> None:
    def quotes(chosen: list[ExportDocument]) -> list[str]:
        return [a.target.exact for d in chosen for a in d.annotations]

    assert quotes(select(docs, tags=["policy", "money"])) == ["It agreed that blockchain pilots"]
    assert len(quotes(select(docs, tags=["money"]))) == 2
    assert quotes(select(docs, color="green")) == ["blockchain pilots deserve more funding"]
    assert [d.ref.id for d in select(docs, doc_id="beta.md")] == ["beta.md"]
    assert select(docs, tags=["money"], doc_id="beta.md")[0].ref.id == "beta.md"
    assert select(docs, tags=["nothing"]) == []


def test_file_uris_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "a folder" / "100% ré#sumé?.md"
    uri = file_uri(path)
    assert uri.startswith("file:///") and " " not in uri and "#" not in uri.removeprefix("file://")
    assert path_of_uri(uri) == str(path)
    assert path_of_uri("https://example.com/a.md") is None


# --------------------------------------------------------------------------- import: finding documents


def w3c_annotation(source: str, exact: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": W3C_CONTEXT,
        "id": extra.pop("id", f"urn:uuid:{uuid.uuid4()}"),
        "type": "Annotation",
        "created": "2024-01-01T10:00:00Z",
        "modified": extra.pop("modified", "2024-01-01T10:00:00Z"),
        "body": [{"type": "TextualBody", "value": "from elsewhere", "purpose": "commenting"}],
        "target": {"source": source, "selector": {"type": "TextQuoteSelector", "exact": exact}},
        **extra,
    }


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


# --------------------------------------------------------------------------- import: other formats


def hypothesis_row(**fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "Ab12Cd34",
        "created": "2023-03-01T12:00:00.000000+00:00",
        "updated": "2023-03-02T12:00:00.000000+00:00",
        "user": "acct:reader@hypothes.is",
        "uri": "https://news.example.com/alpha",
        "text": "Hypothesis note",
        "tags": ["web", "policy"],
        "group": "__world__",
        "document": {"title": ["Alpha report | News"]},
        "target": [
            {
                "source": "https://news.example.com/alpha",
                "selector": [
                    {
                        "type": "RangeSelector",
                        "startContainer": "/div[1]/p[2]",
                        "startOffset": 0,
                        "endContainer": "/div[1]/p[2]",
                        "endOffset": 33,
                    },
                    {"type": "TextPositionSelector", "start": 912, "end": 945},
                    {
                        "type": "TextQuoteSelector",
                        "exact": "It agreed that blockchain pilots",
                        "prefix": "et on Tuesday to discuss the budget.\n",
                        "suffix": " deserve more",
                    },
                ],
            }
        ],
    }
    row.update(fields)
    return row


def test_import_a_hypothesis_export(docs: list[ExportDocument], store: AnnotationStore) -> None:
    reply = hypothesis_row(
        id="Re1",
        text="I agree",
        tags=[],
        references=["Ab12Cd34"],
        target=[{"source": "https://news.example.com/alpha"}],
    )
    export_file = {
        "export_date": "2023-04-01T00:00:00Z",
        "client_version": "1.0",
        "annotations": [hypothesis_row(), reply],
    }
    report = import_annotations(json.dumps(export_file), bare(docs), store)
    assert report.added == 2
    (reason,) = report.orphaned
    # the reply marks no passage: it goes where the page's other annotation was found
    assert (
        reason == "a note without a passage: it marks no passage of reports/alpha.md; kept there as an orphan"
    )
    stored = store.load(docs[0].ref.path)
    assert stored is not None
    a, kept_reply = stored.annotations
    assert (kept_reply.note, kept_reply.anchor) == ("I agree", "orphaned")
    assert (a.note, a.tags, a.color, a.anchor) == ("Hypothesis note", ("web", "policy"), "yellow", "moved")
    assert ALPHA[a.start : a.end] == "It agreed that blockchain pilots"
    assert (a.created, a.modified) == ("2023-03-01T12:00:00.000000+00:00", "2023-03-02T12:00:00.000000+00:00")
    # a plain list of rows is the same file: nothing new
    again = import_annotations(json.dumps([hypothesis_row(), reply]), bare(docs), store)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


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


# --------------------------------------------------------------------------- gathering a library


def test_gather_builds_export_documents_for_a_library(corpus: Path, paths: Paths) -> None:
    library = Library.open(paths, [corpus])
    indexer.sync(library.index_dir, library.inputs, False, lambda _: None, library.annotations_dir)
    store = library.annotation_store()
    refs = {r.id: r for r in library.references()}
    belt_id = next(i for i in refs if "belt" in i)
    belt = refs[belt_id]
    text = Path(belt.path).read_text(encoding="utf-8").split("---\n", 2)[2]
    start = text.index("Conflux Network")
    store.save(belt, Annotation.create(text, start, start + 15, sha256=belt.sha256, tags=["company"]))

    annotated = gather(library, store)
    assert [d.ref.id for d in annotated] == [belt_id]
    (doc,) = annotated
    assert (
        doc.source == "Iolite" and doc.text == text and doc.annotations[0].target.exact == "Conflux Network"
    )
    everything = gather(library, store, annotated_only=False, with_text=False)
    assert sorted(d.ref.id for d in everything) == sorted(refs) and all(d.text is None for d in everything)
    # and the export of a library imports back into a fresh store unchanged
    fresh = AnnotationStore(corpus.parent / "fresh")
    import_annotations(export(annotated, "w3c"), gather(library, fresh, annotated_only=False), fresh)
    assert export(gather(library, fresh), "json") == export(annotated, "json")


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


# --------------------------------------------------------------------------- offsets: what each export indexes

ENCODINGS = {"utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "utf-32": "utf-32"}
"""How a file is written, and how a consumer reads it back (Python's text mode: CRLF and CR are LF)."""
LINE = st.text(st.sampled_from("ab zé中文😀𝔸.,#"), max_size=24)


@st.composite
def document_files(draw: st.DrawFn) -> tuple[str, str, str]:
    """A document file's text as written (front matter or none, any line ending, non-ASCII and
    astral characters), the encoding it is written in, and the title in its front matter."""
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    body = newline.join(draw(st.lists(LINE, min_size=1, max_size=8)))
    title = draw(st.sampled_from(["", "Ünïcode 😀 title"]))
    front = f"---{newline}title: {title}{newline}author: Ada{newline}---{newline}" if title else ""
    return front + body, draw(st.sampled_from(sorted(ENCODINGS))), title


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document_files(), st.data())
def test_every_export_indexes_what_it_says_it_indexes(
    tmp_path: Path, written: tuple[str, str, str], data: st.DataObject
) -> None:
    raw, encoding, _ = written
    path = tmp_path / "doc.md"
    path.write_bytes(raw.encode(encoding))
    file = read_document_file(path)
    assert file is not None
    text = file.text
    spans = data.draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(1, 12)), max_size=5))
    notes = [
        Annotation.create(text, s, min(len(text), s + n), sha256=text_sha256(text), tags=["t"])
        for s, n in spans
        if text[s : s + n]
    ]
    assume(notes)
    ref = reference("doc.md", path, text_sha256(text), "Doc")
    doc = ExportDocument(ref, "", text, tuple(notes), text_start=file.text_start)
    by_id = {a.id: text[a.start : a.end] for a in notes}
    as_read = path.read_text(encoding=ENCODINGS[encoding])  # the file's text, as a consumer reads it

    for item in json.loads(export([doc], "w3c"))["first"]["items"]:  # W3C: the source file
        quote, position = item["target"]["selector"]
        assert as_read[position["start"] : position["end"]] == quote["exact"] == by_id[item["id"][9:]]
        assert as_read[: position["start"]].endswith(quote["prefix"])
        assert as_read[position["end"] :].startswith(quote["suffix"])
    for row in map(json.loads, export([doc], "jsonl").splitlines()):  # jsonl: declared "file"
        assert (
            row["offsets"] == "file" and as_read[row["start"] : row["end"]] == row["text"] == by_id[row["id"]]
        )
    for row in csv.DictReader(io.StringIO(export([doc], "csv"), newline="")):  # csv: "(file)" columns
        start, end = int(row["Start (file)"]), int(row["End (file)"])
        assert as_read[start:end] == row["Highlight"] and row["Location"] == row["Start (file)"]
    (line,) = map(json.loads, export([doc], "doccano").splitlines())  # doccano: its own text
    assert line["offsets"] == "text" and line["text"] == text
    assert {line["text"][s:e] for s, e, _ in line["label"]} == set(by_id.values())
    for found in re.findall(r"<!-- lectern (.*?) -->", export([doc], "markdown")):  # markdown: the file
        carried = json.loads(found)
        assert (
            carried["offsets"] == "file"
            and as_read[carried["start"] : carried["end"]] == by_id[carried["id"]]
        )
    lectern = json.loads(export([doc], "json"))  # lectern's own: the text after the front matter
    assert lectern["offsets"] == "document"
    for a in lectern["documents"][0]["annotations"]:
        assert text[a["target"]["start"] : a["target"]["end"]] == a["target"]["exact"] == by_id[a["id"]]

    for fmt in ("w3c", "json"):  # and each import puts every passage back on the same characters
        fresh = AnnotationStore(tmp_path / f"fresh-{fmt}-{uuid.uuid4()}")
        import_annotations(export([doc], fmt), bare([doc]), fresh)
        stored = fresh.load(path)
        assert stored is not None
        assert {(a.id, a.start, a.end) for a in stored.annotations} == {(a.id, a.start, a.end) for a in notes}


def test_front_matter_bom_and_crlf_count_in_file_offsets_only(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    raw = (
        "---\r\ntitle: Ledger\r\nauthor: Ada Lovelace\r\n---\r\n# Ledger\r\n\r\nThe 😀 blockchain ledger.\r\n"
    )
    path.write_bytes(codecs.BOM_UTF8 + raw.encode("utf-8"))
    file = read_document_file(path)
    assert file is not None
    assert file.text == "# Ledger\n\nThe 😀 blockchain ledger.\n" and file.author == "Ada Lovelace"
    assert file.text_start == len("---\ntitle: Ledger\nauthor: Ada Lovelace\n---\n")  # the BOM is not counted
    doc = ExportDocument(
        reference("crlf.md", path, text_sha256(file.text), "Ledger"),
        text=file.text,
        text_start=file.text_start,
    )
    doc = with_annotations(doc, on(doc, "blockchain"))
    row = json.loads(export([doc], "jsonl"))
    assert path.read_text(encoding="utf-8-sig")[row["start"] : row["end"]] == "blockchain"
    assert (row["start"], row["end"]) == (file.text_start + 16, file.text_start + 26)  # 😀 is one


def test_an_export_without_the_file_gives_no_offsets_rather_than_wrong_ones(
    docs: list[ExportDocument],
) -> None:
    unread = [replace(d, text=None, text_start=None) for d in docs]
    assert all(r["start"] is None for r in map(json.loads, export(unread, "jsonl").splitlines()))
    for item in json.loads(export(unread, "w3c"))["first"]["items"]:
        assert [s["type"] for s in item["target"]["selector"]] == ["TextQuoteSelector"]
        assert "textStart" not in item["lectern:document"]
        assert set(item["lectern:textPosition"]) == {"start", "end"}  # lectern's own, for the import
    assert "characters" not in export(unread, "markdown")


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


# --------------------------------------------------------------------------- the passage now, and as first quoted


def test_exports_give_the_passage_as_it_is_now_and_the_first_quote(tmp_path: Path) -> None:
    first = "Alpha beta gamma delta"
    now = "Alpha beta and gamma delta"
    doc = make_doc(tmp_path, "q.md", f"Intro.\n\n{now} epsilon.\n", "Q")
    assert doc.text is not None
    start = doc.text.index(now)
    current = Annotation.create(doc.text, start, start + len(now), sha256="made-on-an-older-text", tags=["x"])
    refound = replace(current, target=replace(current.target, original=first), anchor="fuzzy")
    # re-anchored before quotes followed the text: the old quote, offsets on the new passage
    legacy = replace(current, id="legacy", target=replace(current.target, exact=first), anchor="fuzzy")
    for a in (refound, legacy):
        exported = with_annotations(doc, a)
        row = json.loads(export([exported], "jsonl"))
        assert (row["text"], row["original"]) == (now, first)
        (item,) = json.loads(export([exported], "w3c"))["first"]["items"]
        assert (item["target"]["selector"][0]["exact"], item["lectern:original"]) == (now, first)
        (record,) = csv.DictReader(io.StringIO(export([exported], "csv"), newline=""))
        assert (record["Highlight"], record["Original"]) == (now, first)
        assert f"> {now}\n\n*First quoted as:* {first}" in export([exported], "markdown")
    store = AnnotationStore(tmp_path / "store")
    import_annotations(export([with_annotations(doc, refound)], "w3c"), bare([doc]), store)
    stored = store.load(doc.ref.path)
    assert stored is not None and stored.annotations[0].target.original == first


def test_csv_author_and_url_come_from_the_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    front = (
        "---\ntitle: A\nsource: https://example.org/a?b=1\nauthors: [Ada Lovelace, Charles  Babbage]\n---\n"
    )
    path.write_text(front + "Engines compute.\n", encoding="utf-8")
    file = read_document_file(path)
    assert file is not None and file.author == "Ada Lovelace, Charles Babbage"
    doc = ExportDocument(
        reference("a.md", path, text_sha256(file.text), "A"),
        "https://example.org/a?b=1",
        file.text,
        author=file.author,
        text_start=file.text_start,
    )
    (row,) = csv.DictReader(
        io.StringIO(export([with_annotations(doc, on(doc, "compute"))], "csv"), newline="")
    )
    assert (row["Author"], row["URL"]) == ("Ada Lovelace, Charles Babbage", "https://example.org/a?b=1")


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
