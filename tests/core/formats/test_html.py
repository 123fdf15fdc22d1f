"""Saved web pages: the article without the page's boilerplate, its structure as Markdown, its
metadata, its charset, and the ``<name>_files`` folder a browser saves beside it."""

from __future__ import annotations

import codecs
import html as html_module
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from tui.core.discovery import Skipped, SourceFile, discover
from tui.core.documents import Document, read_document
from tui.core.formats.html import decode_html
from tui.core.formats.markdown import MarkdownWriter

PROSE = (
    "The council met on Monday to discuss the harbour, and agreed, after a long debate, that the "
    "old quay would be repaired before winter, with money from the port, the city and the state. "
)


def page(charset: str = "utf-8", body_extra: str = "", head_extra: str = "") -> str:
    return f"""<!DOCTYPE html>
<!-- saved from url=(0040)https://news.example.org/harbour-repairs -->
<html lang="en-GB"><head><meta charset="{charset}">
<title>Harbour repairs | The Example Gazette</title>
<meta property="og:title" content="Harbour repairs agreed">
<meta name="author" content="Dana Reporter">
<meta property="article:published_time" content="2022-10-05T08:30:00+01:00">
<meta name="keywords" content="harbour, council">
<link rel="stylesheet" href="page_files/site.css"><script src="page_files/app.js"></script>
<script>document.write("tracking");</script>{head_extra}
</head><body>
<header><div class="site-menu"><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></div></header>
<nav class="breadcrumbs"><ul><li><a href="/a">Front page</a></li><li><a href="/b">Local</a></li></ul></nav>
<div class="sidebar widget"><h3>Most read</h3><ul><li><a href="/1">Lottery winner</a></li><li><a href="/2">Storm warning</a></li></ul></div>
<div class="cookie-banner"><p>We use cookies. <a href="/cookies">Accept</a></p></div>
<article class="story-body">
<h1>Harbour repairs agreed</h1>
<p>{PROSE * 2}</p>
<h2>What will be done</h2>
<p>{PROSE}The works, which start in March, come in three parts:</p>
<ul><li>new piles</li><li>a wider slipway</li><li>lights</li></ul>
<table><tr><th>Part</th><th>Cost</th></tr><tr><td>Piles</td><td>£2m</td></tr><tr><td>Slipway</td><td>£1m</td></tr></table>
<p>{PROSE}Read <a href="https://council.example.org/minutes">the minutes</a> for details.</p>
<p><img src="page_files/quay.jpg" alt="The old quay at low tide"></p>
{body_extra}
</article>
<footer class="site-footer"><p>Copyright 2022 The Example Gazette. All rights reserved. Privacy policy, terms.</p></footer>
</body></html>"""


def write(folder: Path, name: str, data: bytes) -> SourceFile:
    path = folder / name
    path.write_bytes(data)
    stat = path.stat()
    return SourceFile(name, path, stat.st_size, stat.st_mtime_ns)


def test_article_without_boilerplate_as_markdown(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "page.html", page().encode()))
    assert isinstance(doc, Document), doc
    for boilerplate in ("Home", "Front page", "Most read", "Lottery", "cookies", "Copyright", "tracking"):
        assert boilerplate not in doc.text
    assert doc.text.startswith("# Harbour repairs agreed\n\nThe council met")
    assert "\n## What will be done\n" in doc.text
    assert "- new piles\n- a wider slipway\n- lights" in doc.text
    assert "| Part | Cost |\n| --- | --- |\n| Piles | £2m |\n| Slipway | £1m |" in doc.text
    assert "Read [the minutes](https://council.example.org/minutes) for details." in doc.text
    assert "\n\nThe old quay at low tide" in doc.text


def test_metadata_from_opengraph_meta_and_the_saved_from_comment(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "page.html", page().encode()))
    assert isinstance(doc, Document)
    assert (doc.title, doc.author, doc.date, doc.language) == (
        "Harbour repairs agreed",
        "Dana Reporter",
        "2022-10-05",
        "en-GB",
    )
    assert doc.tags == ("harbour", "council")
    assert doc.source == "https://news.example.org/harbour-repairs"


def test_title_falls_back_to_title_element_then_first_heading(tmp_path: Path) -> None:
    bare = "<html><head><title>Just a title</title></head><body><p>" + PROSE + "</p></body></html>"
    doc = read_document(write(tmp_path, "a.htm", bare.encode()))
    assert isinstance(doc, Document) and doc.title == "Just a title"
    headed = "<html><body><h1>A heading</h1><p>" + PROSE + "</p></body></html>"
    doc = read_document(write(tmp_path, "b.html", headed.encode()))
    assert isinstance(doc, Document) and doc.title == "A heading"


def test_json_ld_gives_author_and_date(tmp_path: Path) -> None:
    linked = (
        '<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@graph": '
        '[{"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Ola Nordmann"}], '
        '"datePublished": "2021-02-03T10:00:00Z"}]}</script></head><body><p>' + PROSE + "</p></body></html>"
    )
    doc = read_document(write(tmp_path, "ld.html", linked.encode()))
    assert isinstance(doc, Document) and (doc.author, doc.date) == ("Ola Nordmann", "2021-02-03")


def test_charset_from_meta_bom_and_fallback(tmp_path: Path) -> None:
    latin = page("iso-8859-1", "<p>Smørrebrød café naïve façade.</p>").encode("cp1252")
    doc = read_document(write(tmp_path, "latin.html", latin))
    assert isinstance(doc, Document) and "Smørrebrød café naïve façade." in doc.text and doc.problems == ()
    shift_jis = page("shift_jis", "<p>港の修理が決まりました。</p>").encode("shift_jis")
    doc = read_document(write(tmp_path, "sjis.html", shift_jis))
    assert isinstance(doc, Document) and "港の修理が決まりました。" in doc.text and doc.problems == ()
    utf16 = codecs.BOM_UTF16_LE + page("utf-8", "<p>Ærø ferry</p>").encode("utf-16-le")
    doc = read_document(write(tmp_path, "utf16.html", utf16))
    assert isinstance(doc, Document) and "Ærø ferry" in doc.text
    undeclared = page("utf-8", "<p>Smørrebrød</p>").replace('<meta charset="utf-8">', "").encode("cp1252")
    doc = read_document(write(tmp_path, "undeclared.html", undeclared))
    assert isinstance(doc, Document) and "Smørrebrød" in doc.text
    assert any("read as Windows-1252" in p for p in doc.problems)


def test_decode_html_rules() -> None:
    assert decode_html(b'<meta charset="latin1">\x80') == ('<meta charset="latin1">€', None)  # WHATWG: cp1252
    assert decode_html(b'<meta charset="utf-16"><p>\xc3\xa9')[0].endswith("é")  # no BOM: UTF-8
    text, problem = decode_html(b'<meta charset="base64"><p>caf\xe9')  # not a text encoding
    assert text.endswith("café") and problem and "unknown" in problem
    text, problem = decode_html(b'<meta charset="utf-8"><p>caf\xe9')
    assert text.endswith("caf\ufffd") and problem and "invalid utf-8" in problem


def test_saved_page_folder_is_part_of_its_page(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(page(), encoding="utf-8")
    files = tmp_path / "page_files"
    files.mkdir()
    (files / "frame.html").write_text("<p>an embedded frame</p>", encoding="utf-8")
    (files / "notes.md").write_text("# not a document of its own", encoding="utf-8")
    other = tmp_path / "reading_files"  # no page of that name: an ordinary folder
    other.mkdir()
    (other / "kept.md").write_text("# kept", encoding="utf-8")
    found, skipped = discover([tmp_path])
    assert sorted(s.id for s in found) == ["page.html", "reading_files/kept.md"] and skipped == []


def test_a_page_without_text_is_reported(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "empty.html", b"<html><body><script>x()</script></body></html>"))
    assert isinstance(doc, Skipped) and "no text" in doc.reason


def test_an_article_readability_misses_is_kept_whole_less_its_navigation(tmp_path: Path) -> None:
    short = "<html><body><nav><a href='/'>Home</a></nav><main><p>Short note.</p><p>Second.</p></main></body></html>"
    doc = read_document(write(tmp_path, "short.html", short.encode()))
    assert isinstance(doc, Document) and "Short note." in doc.text and "Home" not in doc.text


_RENDER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_TAGS = re.compile(r"<[^>]+>")


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60))
def test_page_text_is_escaped_so_the_reader_shows_it_as_written(text: str) -> None:
    """Whatever a paragraph says (``*``, ``#``, ``<tag>``, ``1.``, ``[x](y)``), the Markdown
    renders back to exactly its words: no markup appears from the page's own text."""
    root = lxml_html.fragment_fromstring(f"<p>{html_module.escape(text)}</p>", create_parent="div")
    markdown = MarkdownWriter(links=True).convert(root)
    rendered = html_module.unescape(_TAGS.sub("", _RENDER.render(markdown)))
    expected = " ".join(text.replace("\r", " ").replace("\f", " ").replace("\x0b", " ").split())
    assert " ".join(rendered.split()) == " ".join(expected.split())
