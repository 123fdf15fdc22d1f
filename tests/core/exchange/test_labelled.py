"""Labelled data: doccano's one document a line with a span per tag (and what it leaves out), and
JSON lines with one passage each that survive ``str.splitlines``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from tests.core.exchange.helpers import ALPHA, make_doc, on, with_annotations
from tui.core.exchange import ExportDocument, export, file_uri, left_out


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
        "extractor": None,  # the file is its own text
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
