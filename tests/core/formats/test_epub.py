"""EPUB: metadata, chapters in spine order, the table of contents as headings, alt text,
footnotes, and broken, encrypted and oversized books reported with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.formats.builders import epub_bytes, xhtml
from tui.core.discovery import Skipped, SourceFile
from tui.core.documents import Document, read_document
from tui.core.formats import FORMATS, ConversionError, convert_file, epub

METADATA = (
    "<dc:title>The Harbour Book</dc:title><dc:creator>Ann Author</dc:creator><dc:creator>Bob Writer</dc:creator>"
    "<dc:date>2019-03-04</dc:date><dc:language>en</dc:language><dc:subject>Fiction</dc:subject>"
    "<dc:subject>Sea</dc:subject><dc:publisher>Quay Press</dc:publisher>"
)
CHAPTER_ONE = xhtml(
    "One",
    '<section epub:type="chapter"><h1>The Quay</h1>'
    '<p>It was a <em>dark</em> night at the harbour.<sup><a epub:type="noteref" href="#n1">1</a></sup></p>'
    '<figure><img src="map.png" alt="A map of the harbour"/></figure>'
    '<p>Ships <b>came</b> and <a href="two.xhtml">went</a>.</p>'
    '<aside epub:type="footnote" id="n1"><p>1 Harbours were busier then.</p></aside></section>',
)
CHAPTER_TWO = xhtml(
    "Two",
    "<p>Morning came over the water.</p>"
    '<p><a id="cargo"/>The cargo list was long.</p>'
    "<ul><li>salt</li><li>timber<ul><li>oak</li></ul></li></ul>"
    "<table><tr><th>Ship</th><th>Tons</th></tr><tr><td>Gull</td><td>120</td></tr></table>",
)
NAV = (
    '<ol><li><a href="one.xhtml">Chapter One: The Quay</a></li>'
    '<li><a href="two.xhtml">Chapter Two</a><ol><li><a href="two.xhtml#cargo">Cargo</a></li></ol></li></ol>'
)


def write(folder: Path, name: str, data: bytes) -> SourceFile:
    path = folder / name
    path.write_bytes(data)
    stat = path.stat()
    return SourceFile(name, path, stat.st_size, stat.st_mtime_ns)


def book(**kw: object) -> bytes:
    chapters = [("two.xhtml", CHAPTER_TWO), ("one.xhtml", CHAPTER_ONE)]  # manifest order differs from spine
    options: dict[str, object] = {"spine": ["one.xhtml", "two.xhtml"], "metadata": METADATA, "nav": NAV}
    options.update(kw)
    return epub_bytes(chapters, **options)  # type: ignore[arg-type]


def test_metadata_chapters_in_spine_order_and_contents_as_headings(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "harbour.epub", book()))
    assert isinstance(doc, Document), doc
    assert (doc.title, doc.author, doc.date, doc.language) == (
        "The Harbour Book",
        "Ann Author, Bob Writer",
        "2019-03-04",
        "en",
    )
    assert doc.tags == ("Fiction", "Sea") and doc.source == "Quay Press" and doc.problems == ()
    text = doc.text
    assert text.index("The Quay") < text.index("Morning came") < text.index("cargo list")
    # The book's own heading takes the contents' level; entries without one become headings.
    assert text.startswith("# The Quay\n")
    assert "\n# Chapter Two\n\nMorning came over the water." in text
    assert "\n## Cargo\n\nThe cargo list was long." in text


def test_alt_text_footnotes_links_lists_and_tables(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "harbour.epub", book()))
    assert isinstance(doc, Document)
    assert "It was a *dark* night at the harbour.[1]" in doc.text
    assert "\n\nA map of the harbour\n\n" in doc.text
    assert "Ships **came** and went." in doc.text  # a link into the book is its text
    assert "1 Harbours were busier then." in doc.text  # the footnote itself stays
    assert "- salt\n- timber\n  - oak" in doc.text
    assert "| Ship | Tons |\n| --- | --- |\n| Gull | 120 |" in doc.text


def test_ncx_table_of_contents_when_there_is_no_navigation_document(tmp_path: Path) -> None:
    ncx = (
        '<navPoint id="a"><navLabel><text>Opening</text></navLabel><content src="one.xhtml"/></navPoint>'
        '<navPoint id="b"><navLabel><text>Second</text></navLabel><content src="two.xhtml"/>'
        '<navPoint id="c"><navLabel><text>The Cargo</text></navLabel><content src="two.xhtml#cargo"/></navPoint>'
        "</navPoint>"
    )
    converted = convert_file(write(tmp_path, "b.epub", book(nav=None, ncx=ncx)).path, FORMATS["epub"])
    assert converted.text.startswith("# The Quay\n")
    assert "\n# Second\n\nMorning" in converted.text and "\n## The Cargo\n\nThe cargo" in converted.text


def test_title_falls_back_to_the_first_heading(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "nameless.epub", book(metadata="")))
    assert isinstance(doc, Document) and doc.title == "The Quay" and doc.author == ""


def test_a_broken_book_is_reported_and_not_read(tmp_path: Path) -> None:
    not_zip = read_document(write(tmp_path, "a.epub", b"PK\x03\x04 this is no zip"))
    assert isinstance(not_zip, Skipped) and "not a valid EPUB" in not_zip.reason
    data = book()
    truncated = read_document(write(tmp_path, "b.epub", data[: len(data) // 2]))
    assert isinstance(truncated, Skipped) and "EPUB" in truncated.reason
    no_spine = epub_bytes([("one.xhtml", CHAPTER_ONE)], spine=[])
    empty = read_document(write(tmp_path, "c.epub", no_spine))
    assert isinstance(empty, Skipped) and "spine" in empty.reason


def test_a_drm_book_is_reported_as_encrypted(tmp_path: Path) -> None:
    encryption = (
        b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        b'<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
        b'<enc:CipherData><enc:CipherReference URI="OEBPS/one.xhtml"/></enc:CipherData>'
        b"</enc:EncryptedData></encryption>"
    )
    doc = read_document(write(tmp_path, "drm.epub", book(extra={"META-INF/encryption.xml": encryption})))
    assert isinstance(doc, Skipped) and "encrypted" in doc.reason
    fonts_only = encryption.replace(
        b"http://www.w3.org/2001/04/xmlenc#aes128-cbc", b"http://www.idpf.org/2008/embedding"
    )
    assert isinstance(
        read_document(write(tmp_path, "fonts.epub", book(extra={"META-INF/encryption.xml": fonts_only}))),
        Document,
    )


def test_a_zip_bomb_is_refused_before_it_is_inflated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: object
) -> None:
    big = xhtml("Big", "<p>" + "harbour " * 40_000 + "</p>")  # 320 KB that deflate makes tiny
    data = epub_bytes([("one.xhtml", CHAPTER_ONE), ("big.xhtml", big)])
    assert len(data) < 20_000
    monkeypatch.setattr(epub, "MAX_MEMBER", 100_000)
    doc = read_document(write(tmp_path, "bomb.epub", data))
    assert isinstance(doc, Skipped) and "zip bomb" in doc.reason
    with pytest.raises(ConversionError, match="too large uncompressed"):
        convert_file(tmp_path / "bomb.epub", FORMATS["epub"])


def test_images_only_book_is_reported(tmp_path: Path) -> None:
    pictures = xhtml("P", '<p><img src="a.png" alt=""/></p>')
    doc = read_document(write(tmp_path, "comic.epub", epub_bytes([("p.xhtml", pictures)])))
    assert isinstance(doc, Skipped) and "no text" in doc.reason
