"""PDFs: the text layer page by page under ``## Page N`` markers, offsets mapped to pages,
hyphenation joined, metadata, and scanned, encrypted and broken files reported."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.core.formats.builders import pdf_bytes
from tui.core.discovery import Skipped, SourceFile
from tui.core.documents import Document, read_document
from tui.core.formats.pages import marker, page_at, page_starts
from tui.core.formats.pdf import page_text

INFO = {
    "Title": "Harbour Survey",
    "Author": "Port Authority",
    "CreationDate": "D:20200119120000+01'00'",
    "Keywords": "harbour; survey",
}
PAGE_ONE = [
    "The survey of the harbour was carried out in the spring and sum-",
    "mer of the year by a team of six engineers from the port autho-",
    "rity, who measured every pile and every stone of the quay walls.",
    "The work took four months.",
    "Results",
]
PAGE_TWO = [
    "Most piles were sound, but the north wall needs urgent repairs",
    "before the winter storms arrive on the coast and the tides rise.",
    "# not a heading, * not a bullet",
]


def write(folder: Path, name: str, data: bytes) -> SourceFile:
    path = folder / name
    path.write_bytes(data)
    stat = path.stat()
    return SourceFile(name, path, stat.st_size, stat.st_mtime_ns)


def survey(tmp_path: Path) -> Document:
    doc = read_document(
        write(tmp_path, "survey.pdf", pdf_bytes([PAGE_ONE, PAGE_TWO, ["Appendix: tables"]], INFO))
    )
    assert isinstance(doc, Document), doc
    return doc


def test_pages_are_marked_and_hyphenation_joined(tmp_path: Path) -> None:
    doc = survey(tmp_path)
    assert doc.text.startswith(
        marker(1) + "\n\nThe survey of the harbour was carried out in the spring and summer of"
    )
    assert "by a team of six engineers from the port authority, who measured every pile" in doc.text
    assert "quay walls. The work took four months.\n\nResults\n\n## Page 2\n\nMost piles" in doc.text
    assert (
        "the tides rise. # not a heading, \\* not a bullet\n\n## Page 3" in doc.text
    )  # no markup from the page
    assert [n for n, _ in page_starts(doc.text)] == [1, 2, 3]


def test_an_offset_maps_to_its_page(tmp_path: Path) -> None:
    doc = survey(tmp_path)
    starts = page_starts(doc.text)
    assert page_at(doc.text, doc.text.index("summer")) == 1
    assert page_at(doc.text, doc.text.index("north wall"), starts) == 2
    assert page_at(doc.text, doc.text.index(marker(2))) == 2  # a marker is on its own page
    assert page_at(doc.text, doc.text.index("Appendix")) == 3
    assert page_at(doc.text, len(doc.text)) == 3
    assert page_at("no pages here", 3) is None


def test_metadata_from_the_document_information(tmp_path: Path) -> None:
    doc = survey(tmp_path)
    assert (doc.title, doc.author, doc.date, doc.tags) == (
        "Harbour Survey",
        "Port Authority",
        "2020-01-19",
        ("harbour", "survey"),
    )


def test_title_from_the_first_line_when_the_metadata_has_none(tmp_path: Path) -> None:
    data = pdf_bytes(
        [None, ["Quay Walls: A Study", "of the old harbour"]], {"Title": "Microsoft Word - draft3.docx"}
    )
    doc = read_document(write(tmp_path, "study.pdf", data))
    assert isinstance(doc, Document) and doc.title == "Quay Walls: A Study"
    assert doc.problems == ("no text layer on page 1 (scanned?)",)


def test_a_pdf_without_a_text_layer_is_reported(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "scan.pdf", pdf_bytes([None, None])))
    assert isinstance(doc, Skipped) and doc.reason == "no text layer: scanned?"


def test_encrypted_and_broken_pdfs_are_reported(tmp_path: Path) -> None:
    locked = read_document(write(tmp_path, "locked.pdf", pdf_bytes([["secret"]], encrypted=True)))
    assert isinstance(locked, Skipped) and locked.reason == "encrypted: needs a password to open"
    broken = read_document(write(tmp_path, "broken.pdf", b"%PDF-1.4\nnot really a pdf\n"))
    assert isinstance(broken, Skipped) and broken.reason.startswith("not a readable PDF")


def test_page_text_joins_pdfium_hyphens_and_keeps_real_ones() -> None:
    assert page_text("an infor\ufffemation system") == "an information system"
    assert page_text("a well\x02Known case") == "a well-Known case"
    assert page_text("a long line that ends with a hyphen in the word infor-\r\nmation and goes on") == (
        "a long line that ends with a hyphen in the word information and goes on"
    )
    assert page_text("the year 1990-\r\n1995") == "the year 1990- 1995"
    assert page_text("\x00\x0c") == ""


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=80), max_size=12))
def test_page_text_never_makes_a_page_marker(lines: list[str]) -> None:
    text = page_text("\r\n".join(lines))
    assert page_starts(text) == [] and "\x00" not in text
