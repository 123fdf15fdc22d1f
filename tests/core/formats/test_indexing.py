"""End to end: a folder of Markdown, EPUB, HTML and PDF files indexed by the indexer (in
process), searched, re-checked cheaply, re-indexed after a converter upgrade with annotations
re-anchored; broken files reported while the rest index; a hung converter costs one file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.core.formats.builders import epub_bytes, pdf_bytes, xhtml
from tests.core.formats.upgraded import PREFACE
from tui.core import indexer
from tui.core.annotation_store import AnnotationStore
from tui.core.annotation_tracking import open_annotations
from tui.core.annotations import Annotation, reference
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.formats import FORMATS, worker
from tui.core.library import load_text
from tui.core.search import open_index


def build(
    folder: Path, corpus: Path, annotations: Path | None = None
) -> tuple[indexer.Report, list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    report = indexer.sync(folder, [corpus], False, events.append, annotations)
    return report, events


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    root.mkdir()
    (root / "notes.md").write_text("---\ntitle: Notes\nauthor: Me\n---\n# Notes\n\nAbout the lighthouse.\n")
    chapter = xhtml("One", "<h1>Departure</h1><p>The albatross followed the ship for days.</p>")
    (root / "voyage.epub").write_bytes(
        epub_bytes(
            [("one.xhtml", chapter)], metadata="<dc:title>Voyage</dc:title><dc:creator>A. Sailor</dc:creator>"
        )
    )
    page = (
        "<html><head><title>Tides</title><meta name='author' content='B. Writer'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/x'>Archive</a></nav><article><h1>Tides</h1>"
        "<p>The estuary floods twice a day, and the mudflats shine under a low sun in autumn.</p>"
        "<p>Fishermen read the water by its colour, its smell, and the birds above it.</p></article></body></html>"
    )
    (root / "tides.html").write_text(page, encoding="utf-8")
    (root / "tides_files").mkdir()
    (root / "tides_files" / "ad.html").write_text("<p>Buy a sextant today</p>", encoding="utf-8")
    (root / "survey.pdf").write_bytes(
        pdf_bytes([["The breakwater was built of granite."], ["Page two: cormorants nest here."]])
    )
    (root / "scan.pdf").write_bytes(pdf_bytes([None]))
    (root / "locked.pdf").write_bytes(pdf_bytes([["secret"]], encrypted=True))
    (root / "broken.epub").write_bytes(b"not a zip at all")
    return root


def test_every_format_is_indexed_and_found(tmp_path: Path, corpus: Path) -> None:
    folder = tmp_path / "index"
    report, _ = build(folder, corpus)
    assert report.indexed == 4
    skipped = {Path(s["path"]).name: s["reason"] for s in report.skipped}
    assert skipped == {
        "scan.pdf": "no text layer: scanned?",
        "locked.pdf": "encrypted: needs a password to open",
        "broken.epub": skipped["broken.epub"],
    }
    assert skipped["broken.epub"].startswith("not a valid EPUB")
    index = open_index(folder, load_text)
    try:
        for word, doc_id in [
            ("lighthouse", "notes.md"),
            ("albatross", "voyage.epub"),
            ("mudflats", "tides.html"),
            ("cormorants", "survey.pdf"),
        ]:
            assert [hit.id for hit in index.search(word).hits] == [doc_id]
        assert not index.search("sextant").hits and not index.search("archive").hits
        hit = index.search("cormorants").hits[0]
        assert hit.title == "The breakwater was built of granite."
    finally:
        index.close()


def test_an_unchanged_corpus_is_not_read_again(
    tmp_path: Path, corpus: Path, in_process: worker.InProcess
) -> None:
    folder = tmp_path / "index"
    build(folder, corpus)
    converted = in_process.conversions
    report, _ = build(folder, corpus)
    assert (report.indexed, report.updated, report.unchanged) == (0, 0, 4)
    assert in_process.conversions == converted  # failures are remembered too: nothing converted again


def test_a_converter_upgrade_reindexes_and_reanchors_annotations(
    tmp_path: Path, corpus: Path, in_process: worker.InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, store_folder = tmp_path / "index", tmp_path / "annotations"
    build(folder, corpus, store_folder)
    path = corpus / "tides.html"
    stat = path.stat()
    doc = read_document(SourceFile("tides.html", path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    quote = "Fishermen read the water"
    start = doc.text.index(quote)
    store = AnnotationStore(store_folder)
    made = Annotation.create(doc.text, start, start + len(quote), sha256=doc.sha256, note="local knowledge")
    store.save(reference(doc.id, doc.path, doc.sha256, doc.title), made)

    upgraded = replace(
        FORMATS["html"], version=FORMATS["html"].version + 1, module="tests.core.formats.upgraded"
    )
    monkeypatch.setitem(FORMATS, "html", upgraded)
    report, _ = build(folder, corpus, store_folder)
    assert (report.updated, report.unchanged) == (1, 3)

    new = read_document(SourceFile("tides.html", path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(new, Document) and new.text == PREFACE + doc.text and new.sha256 != doc.sha256
    opened = open_annotations(store, reference(new.id, new.path, new.sha256, new.title), new.text)
    (found,) = opened.annotations.annotations
    assert (
        found.anchor == "moved"
        and new.text[found.start : found.end] == quote
        and found.note == "local knowledge"
    )
    index = open_index(folder, load_text)
    try:
        (hit,) = index.search('"Fishermen read"').hits
        spans = index.hit_spans(hit.id, new.text, '"Fishermen read"')
        assert hit.id == "tides.html" and new.text[spans[0][0] : spans[-1][1]] == "Fishermen read"
    finally:
        index.close()


def test_a_hung_converter_costs_only_its_file(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each worker's second file hangs: in name order broken.epub converts, locked.pdf hangs, a new
    # worker reads scan.pdf, survey.pdf hangs, tides.html converts, voyage.epub hangs.
    monkeypatch.setenv("LECTERN_FAULT", "convert@2:STOP")
    monkeypatch.setattr(worker, "TIME_BASE", 1.5)
    pool = worker.WorkerPool()
    previous = worker.install(pool)
    try:
        report, _ = build(tmp_path / "index", corpus)
    finally:
        worker.install(previous)
        pool.close()
    reasons = {Path(s["path"]).name: s["reason"] for s in report.skipped}
    stopped = "conversion took longer than 2 s; stopped"
    assert reasons["locked.pdf"] == reasons["survey.pdf"] == reasons["voyage.epub"] == stopped
    assert reasons["scan.pdf"] == "no text layer: scanned?" and reasons["broken.epub"].startswith(
        "not a valid"
    )
    assert report.indexed == 2  # notes.md and tides.html
