"""``read_document`` reads a UTF-8 file the short way (newlines and front matter cut in the
bytes, the hash and the word count taken from them): it must give exactly the Document the
careful way gives (decode, then ``parse_document``), for any bytes."""

from __future__ import annotations

import codecs
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import documents
from tui.core.discovery import SourceFile
from tui.core.documents import decode, parse_document, read_document
from tui.core.word_count import count_utf8_words

PIECES = st.sampled_from(
    [
        "---\n",
        "---",
        "--- \t\n",
        "---x\n",
        "...\n",
        "title: A Title\n",
        "date: 2031-13-01\n",
        "tags: [a, b]\n",
        ": bad: [yaml\n",
        "\n",
        "\r\n",
        "\r",
        "# Heading\n",
        "word ",
        "café ",
        "中文 ",
        "\u3000",
        "\xa0",
        "\u2028",
        "\u2019quoted\u201d ",
        "\x1b[31m",
        "\U0001f600",
    ]
)
RAW = st.lists(st.one_of(PIECES.map(lambda p: p.encode()), st.binary(max_size=3)), max_size=30).map(b"".join)
PREFIXES = st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xff", b"\x00"])


def _careful(source: SourceFile, data: bytes) -> documents.Document | str:
    try:
        raw, warning = decode(data)
    except documents.BinaryFileError as error:
        return str(error)
    return parse_document(source, raw, [warning] if warning else [])


@settings(max_examples=400, deadline=None)
@given(PREFIXES, RAW)
def test_the_short_way_reads_what_the_careful_way_reads(
    tmp_path_factory: pytest.TempPathFactory, prefix: bytes, data: bytes
) -> None:
    folder = tmp_path_factory.mktemp("docs")
    path = folder / "doc.md"
    path.write_bytes(prefix + data)
    source = SourceFile("doc.md", path, path.stat().st_size, path.stat().st_mtime_ns)
    read = read_document(source)
    careful = _careful(source, prefix + data)
    if isinstance(careful, str):
        assert getattr(read, "reason", None) == careful
        return
    assert read == careful
    assert isinstance(read, documents.Document)
    assert read.words == len(read.text.split()) == careful.words


@settings(max_examples=500)
@given(st.text())
def test_words_counted_from_utf8_are_split(text: str) -> None:
    assert count_utf8_words(text.encode("utf-8", "surrogatepass")) == len(text.split())


def test_a_utf8_file_is_decoded_once_and_not_encoded_again(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("---\ntitle: T\n---\n\nBody \u2019words\u201d\r\nmore\n", encoding="utf-8")
    source = SourceFile("doc.md", path, path.stat().st_size, path.stat().st_mtime_ns)
    with (
        mock.patch.object(documents, "text_sha256") as hashed_text,
        mock.patch.object(documents, "count_words") as counted_text,
    ):
        doc = read_document(source)
    assert isinstance(doc, documents.Document)
    assert not hashed_text.called and not counted_text.called
    assert doc.text == "\nBody \u2019words\u201d\nmore\n" and doc.title == "T" and doc.words == 3
    assert doc.sha256 == documents.text_sha256(doc.text)
