"""What every export says about a passage. A property writes files with and without front matter,
in any line ending, UTF-8 with or without a BOM, UTF-16 or UTF-32, with non-ASCII and astral
characters, and checks that every format's offsets slice what it declares (the file, as a consumer
reads it, or the embedded text) to the passage, and that importing gives the same spans back. An
export without the file gives no offsets rather than wrong ones; each gives the passage as it is
now and the quote it was first made on."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.core.exchange.helpers import bare, make_doc, with_annotations
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.documents import text_sha256
from tui.core.exchange import ExportDocument, export, import_annotations, read_document_file

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
