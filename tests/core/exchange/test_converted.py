"""Exports of EPUB, HTML and PDF documents: their annotations anchor into the Markdown lectern
extracted from the file, so every export indexes that text, says so ("extracted"), names the
original file as the source and the extractor that made the text. A property checks, for every
format, that the text an export says its offsets index, sliced at them, is the passage; a PDF
passage is cited by its page; the author is the one the file names; an export imports back into
a fresh home (the same corpus, or a copy of it elsewhere) with the same passages; and the catalog
remembers the author without breaking catalogs saved before it did."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.core.exchange.helpers import bare, on, with_annotations
from tests.core.formats.builders import epub_bytes, pdf_bytes, xhtml
from tui.core import index_check, indexer
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.catalog import CATALOG_NAME, Catalog, Entry
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.exchange import ExportDocument, export, file_uri, gather, import_annotations, read_document_file
from tui.core.formats import format_of, version_key
from tui.core.formats.pages import page_at
from tui.core.library import Library
from tui.core.paths import HOME_VARIABLE, Paths

PDF_PAGES = [
    ["The survey of the harbour was carried out in the spring.", "Every pile was measured."],
    ["Most piles were sound, but the north wall needs repairs.", "Costs are in the appendix."],
    ["Appendix: tables of costs and dates."],
]
EPUB_CHAPTER = xhtml(
    "One",
    "<h1>The Quay</h1><p>It was a <em>dark</em> night at the harbour.</p><p>Ships came and went.</p>",
)
HTML_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harbour repairs</title>'
    '<meta name="author" content="Dana Reporter"></head><body><article><h1>Harbour repairs agreed</h1>'
    "<p>"
    + "The council met on Monday to discuss the harbour, and agreed that the quay would be repaired. " * 3
    + "</p><p>The works start in March and come in three parts.</p></article></body></html>"
)
AUTHORS = {"survey.pdf": "Port Authority", "book.epub": "Ann Author", "page.html": "Dana Reporter"}


def write_converted(folder: Path) -> dict[str, Path]:
    """A PDF (three pages), an EPUB and a saved web page, each naming its author."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "survey.pdf": pdf_bytes(PDF_PAGES, {"Title": "Harbour Survey", "Author": "Port Authority"}),
        "book.epub": epub_bytes(
            [("one.xhtml", EPUB_CHAPTER)],
            metadata="<dc:title>The Harbour Book</dc:title><dc:creator>Ann Author</dc:creator>",
        ),
        "page.html": HTML_PAGE.encode("utf-8"),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


def extracted(path: Path) -> str:
    """The text lectern extracts from ``path``, read as the document model reads it: what an
    export of a converted document says its offsets index."""
    stat = path.stat()
    doc = read_document(SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document), doc
    return doc.text


def export_document(path: Path) -> ExportDocument:
    file = read_document_file(path)
    assert file is not None and file.text_start == 0 and file.author == AUTHORS[path.name]
    fmt = format_of(path)
    assert fmt is not None and (file.format, file.extractor) == (fmt.name, version_key(fmt))
    ref = reference(path.name, path, file.sha256, path.stem)
    return ExportDocument(
        ref, "", file.text, author=file.author, text_start=0, format=file.format, extractor=file.extractor
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExportDocument]:
    """The three documents, converted once for the module (conversion runs a worker process)."""
    folder = tmp_path_factory.mktemp("converted")
    home = tmp_path_factory.mktemp("converted-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_VARIABLE, str(home))
        return {name: export_document(path) for name, path in write_converted(folder / "corpus").items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(AUTHORS)), st.data())
def test_every_export_of_a_converted_document_indexes_the_extracted_text(
    converted: dict[str, ExportDocument], tmp_path: Path, name: str, data: st.DataObject
) -> None:
    bare_doc = converted[name]
    path = Path(bare_doc.ref.path)
    text = bare_doc.text
    assert text is not None
    spans = data.draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(1, 30)), max_size=5))
    notes = [
        Annotation.create(text, s, min(len(text), s + n), sha256=bare_doc.ref.sha256, tags=["t"])
        for s, n in spans
        if text[s : s + n]
    ]
    assume(notes)
    doc = replace(bare_doc, annotations=tuple(notes))
    by_id = {a.id: text[a.start : a.end] for a in notes}
    as_extracted = extracted(path)  # what the exports say their offsets index
    assert as_extracted == text
    fmt = format_of(path)
    assert fmt is not None
    extractor, uri = version_key(fmt), file_uri(path)
    assert uri.endswith(path.suffix)  # the source is the original file, not the cached Markdown

    collection = json.loads(export([doc], "w3c"))
    assert '"extracted"' in collection["lectern:offsets"]
    for item in collection["first"]["items"]:
        assert (item["lectern:offsets"], item["lectern:extractor"]) == ("extracted", extractor)
        assert item["target"]["source"] == uri and item["lectern:document"]["textStart"] == 0
        quote, position = item["target"]["selector"]
        assert as_extracted[position["start"] : position["end"]] == quote["exact"] == by_id[item["id"][9:]]
    for row in map(json.loads, export([doc], "jsonl").splitlines()):
        assert (row["offsets"], row["extractor"], row["uri"]) == ("extracted", extractor, uri)
        assert as_extracted[row["start"] : row["end"]] == row["text"] == by_id[row["id"]]
    for record in csv.DictReader(io.StringIO(export([doc], "csv"), newline="")):
        assert (record["Offsets"], record["Extractor"], record["URL"]) == ("extracted", extractor, uri)
        start, end = int(record["Start (file)"]), int(record["End (file)"])
        assert as_extracted[start:end] == record["Highlight"]
        page = page_at(as_extracted, start) if fmt.name == "pdf" else None
        assert record["Location"] == str(page if page is not None else start)
        assert record["Author"] == AUTHORS[name]
    markdown = export([doc], "markdown")
    assert f"- Text: extracted from the file by {extractor}; the offsets below index it" in markdown
    assert f"- File: <{uri}>" in markdown and f"- Author: {AUTHORS[name]}" in markdown
    for found in re.findall(r"<!-- lectern (.*?) -->", markdown):
        carried = json.loads(found)
        assert carried["offsets"] == "extracted"
        assert as_extracted[carried["start"] : carried["end"]] == by_id[carried["id"]]
    (line,) = map(json.loads, export([doc], "doccano").splitlines())  # its own text: the extracted one
    assert line["offsets"] == "text" and line["text"] == as_extracted
    lectern = json.loads(export([doc], "json"))
    (document,) = lectern["documents"]
    assert (document["offsets"], document["extractor"], document["uri"]) == ("extracted", extractor, uri)
    for a in document["annotations"]:
        assert as_extracted[a["target"]["start"] : a["target"]["end"]] == by_id[a["id"]]

    for kind in ("w3c", "json"):  # and each import puts every passage back on the same characters
        fresh = AnnotationStore(tmp_path / f"fresh-{kind}-{uuid.uuid4()}")
        import_annotations(export([doc], kind), bare([doc]), fresh)
        stored = fresh.load(path)
        assert stored is not None
        assert {(a.id, a.start, a.end) for a in stored.annotations} == {(a.id, a.start, a.end) for a in notes}


def test_a_pdf_passage_is_cited_by_its_page_and_others_by_their_offset(
    converted: dict[str, ExportDocument],
) -> None:
    pdf, epub = converted["survey.pdf"], converted["book.epub"]
    wall = on(pdf, "the north wall needs repairs", note="urgent")
    appendix = on(pdf, "tables of costs")
    ships = on(epub, "Ships came and went.")
    docs = [with_annotations(pdf, wall, appendix), with_annotations(epub, ships)]
    rows = {r["Highlight"]: r for r in csv.DictReader(io.StringIO(export(docs, "csv"), newline=""))}
    assert (rows["the north wall needs repairs"]["Location"], rows["tables of costs"]["Location"]) == (
        "2",
        "3",
    )
    assert rows["Ships came and went."]["Location"] == str(ships.start)  # no pages: the offset, as before
    markdown = export(docs, "markdown")
    assert f"*yellow · p. 2 · characters {wall.start}–{wall.end} of the extracted text*" in markdown
    assert "*yellow · p. 3 · " in markdown
    assert f"*yellow · characters {ships.start}–{ships.end} of the extracted text*" in markdown
    full = export(docs, "markdown", full_text=True)
    assert re.search(r"<mark>the north wall needs repairs</mark>\[\^\d\]", full) and "p. 2" in full
    orphan = replace(wall, anchor="orphaned", target=replace(wall.target, exact="a passage since deleted"))
    (row,) = csv.DictReader(io.StringIO(export([with_annotations(pdf, orphan)], "csv"), newline=""))
    assert (row["Location"], row["Start (file)"], row["Offsets"]) == ("", "", "extracted")


def annotate(library: Library, store: AnnotationStore) -> dict[str, Annotation]:
    """One annotation on each document of the library, made on its extracted text."""
    made = {}
    quotes = {"survey.pdf": "the north wall needs repairs", "book.epub": "night at the harbour."}
    for ref in library.references():
        text = extracted(Path(ref.path))
        start = text.index(quotes[ref.id])
        annotation = Annotation.create(
            text, start, start + len(quotes[ref.id]), sha256=ref.sha256, note="n", tags=["harbour"]
        )
        store.save(ref, annotation)
        made[ref.id] = annotation
    return made


def indexed(home: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    monkeypatch.setenv(HOME_VARIABLE, str(home))
    library = Library.open(Paths.from_environment(), [corpus])
    indexer.sync(library.index_dir, library.inputs, False, lambda _: None, library.annotations_dir)
    return library


def test_an_export_of_converted_documents_imports_into_a_fresh_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    paths = write_converted(corpus)
    paths["page.html"].unlink()
    library = indexed(tmp_path / "home", corpus, monkeypatch)
    catalog = library.catalog()
    assert catalog is not None
    assert {i: e.author for i, e in catalog.entries.items()} == {
        "survey.pdf": "Port Authority",
        "book.epub": "Ann Author",
    }
    made = annotate(library, library.annotation_store())
    annotated = gather(library, library.annotation_store())
    assert {d.ref.id: (d.format, d.text_start) for d in annotated} == {
        "survey.pdf": ("pdf", 0),
        "book.epub": ("epub", 0),
    }
    exports = {kind: export(annotated, kind) for kind in ("w3c", "json")}

    moved = tmp_path / "elsewhere"  # a copy at another path: found by the sha256 of its text
    shutil.copytree(corpus, moved)
    for kind, text in exports.items():
        for where, folder in (("same", corpus), ("moved", moved)):
            fresh = indexed(tmp_path / f"home-{kind}-{where}", folder, monkeypatch)
            store = fresh.annotation_store()
            report = import_annotations(text, gather(fresh, store, annotated_only=False), store)
            assert (report.added, report.orphaned) == (2, ()), (kind, where, report)
            back = {d.ref.id: d.annotations for d in gather(fresh, store)}
            assert {i: [(a.id, a.start, a.end, a.anchor) for a in found] for i, found in back.items()} == {
                i: [(a.id, a.start, a.end, "anchored")] for i, a in made.items()
            }
            if where == "same":  # the same files: the export again, to the byte
                assert export(gather(fresh, store), kind) == text


def test_the_catalog_keeps_the_author_and_loads_catalogs_saved_without_it(tmp_path: Path) -> None:
    pdf = write_converted(tmp_path / "corpus")["survey.pdf"]
    stat = pdf.stat()
    doc = read_document(
        SourceFile("survey.pdf", pdf, stat.st_size, stat.st_mtime_ns), cache=tmp_path / "cache"
    )
    assert isinstance(doc, Document)
    entry = Entry.of(doc)
    assert entry.author == "Port Authority" and entry.record()["author"] == "Port Authority"
    Catalog(1, {entry.id: entry}, generation=3, files={}).save(tmp_path)
    assert Catalog.load(tmp_path) == Catalog(1, {entry.id: entry}, generation=3, files={})
    assert (tmp_path / CATALOG_NAME).exists()
    # An index record stored before the author was kept still makes an entry (no author yet).
    old = {k: v for k, v in entry.record().items() if k != "author"}
    loaded = index_check._entries_of([(entry.id, json.dumps(old))])
    assert loaded is not None and loaded[entry.id] == replace(entry, author="")
