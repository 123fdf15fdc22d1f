"""The HTML-to-Markdown writer both EPUB and web pages go through: each construct, and any tree
of them, written so the reader's parser (CommonMark with tables) reads back the page's words."""

from __future__ import annotations

import html as html_module
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from tui.core.discovery import EXTENSIONS, discover
from tui.core.formats.markdown import MarkdownWriter


def markdown(fragment: str, links: bool = True) -> str:
    return MarkdownWriter(links=links).convert(lxml_html.fragment_fromstring(fragment, create_parent="div"))


def test_blocks() -> None:
    assert (
        markdown("<h3>Three <em>levels</em></h3><p>Para<br>graph</p>")
        == "### Three *levels*\n\nPara\\\ngraph"
    )
    assert markdown("<pre>x = 1\n  y = `2`</pre>") == "```\nx = 1\n  y = `2`\n```"
    assert markdown("<blockquote><p>one</p><p>two</p></blockquote>") == "> one\n>\n> two"
    assert markdown('<ol start="3"><li>c</li><li>d<ol><li>e</li></ol></li></ol>') == "3. c\n4. d\n   1. e"
    assert (
        markdown("<ul><li><p>first</p><p>more</p></li><li>second</li></ul>")
        == "- first\n\n  more\n\n- second"
    )
    assert markdown("<dl><dt>Term</dt><dd>its meaning</dd></dl>") == "**Term**\n\nits meaning"
    assert markdown("<p>a</p><hr><p>b</p>") == "a\n\n---\n\nb"


def test_inline() -> None:
    assert (
        markdown("<p>an <strong> open </strong>door and <code>a`b</code></p>")
        == "an **open** door and ``a`b``"
    )
    assert markdown('<p>see <a href="https://x.org/a(b)">this</a> or <a href="#n">that</a></p>') == (
        "see [this](https://x.org/a%28b%29) or that"
    )
    assert markdown('<p>see <a href="https://x.org">this</a></p>', links=False) == "see this"
    assert markdown('<p>a <a href="javascript:alert(1)">trap</a></p>') == "a trap"
    assert markdown('<p>x<sup>2</sup> and note<sup><a href="#f3">[3]</a></sup></p>') == "x^2 and note[3]"
    assert markdown('<p><img src="a.png" alt="A *bold* claim"> <img src="b.png"></p>') == "A \\*bold\\* claim"


def test_dropped_and_hidden_elements() -> None:
    page = (
        "<p>kept</p><script>alert(1)</script><style>p{}</style><form><input value='x'>Search</form>"
        "<p hidden>gone</p><p style='display: none'>gone</p><p aria-hidden='true'>gone</p>"
    )
    assert markdown(page) == "kept"


def test_tables() -> None:
    data = "<table><caption>Costs</caption><tr><th>a</th><th colspan='2'>b|c</th></tr><tr><td>1</td><td>2</td><td>3</td></tr></table>"
    assert markdown(data) == "Costs\n\n| a | b\\|c |   |\n| --- | --- | --- |\n| 1 | 2 | 3 |"
    layout = "<table><tr><td><h2>Side</h2><p>menu</p></td><td><p>Main text.</p></td></tr></table>"
    assert markdown(layout) == "## Side\n\nmenu\n\nMain text."
    single = "<table><tr><td>only</td></tr><tr><td>cells</td></tr></table>"
    assert markdown(single) == "only\n\ncells"


def test_the_new_formats_are_discovered(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    for name in ("a.epub", "b.HTML", "c.htm", "d.pdf", "e.md", "f.docx"):
        (folder / name).write_bytes(b"x")
    found, skipped = discover([folder])
    assert sorted(s.id for s in found) == ["a.epub", "b.HTML", "c.htm", "d.pdf", "e.md"] and skipped == []
    assert {".epub", ".html", ".htm", ".pdf", ".md", ".txt"} <= EXTENSIONS
    found, _ = discover([folder / "d.pdf"])
    assert [s.id for s in found] == ["d.pdf"]


_RENDER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_TAGS = re.compile(r"<[^>]+>")
_WORDS = st.text(st.sampled_from("abc *_#>-1.[]()<`~|&;\\!"), min_size=1, max_size=12)


def _tree(depth: int) -> st.SearchStrategy[str]:
    leaf = _WORDS.map(html_module.escape)
    if depth == 0:
        return leaf
    inner = st.lists(_tree(depth - 1), min_size=1, max_size=3).map(" ".join)
    tags = st.sampled_from(
        ["p", "div", "em", "strong", "span", "li", "ul", "ol", "blockquote", "h2", "section"]
    )
    return st.one_of(leaf, st.tuples(tags, inner).map(lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"))


@settings(max_examples=200, deadline=None)
@given(_tree(3))
def test_any_tree_keeps_its_words_and_never_fails(fragment: str) -> None:
    written = markdown(fragment)
    expected = lxml_html.fragment_fromstring(f"<div>{fragment}</div>").text_content()
    rendered = html_module.unescape(_TAGS.sub(" ", _RENDER.render(written)))
    # Every non-blank character of the page comes back, in order (markup added by lectern aside).
    page_chars = re.sub(r"\s", "", expected)
    shown = re.sub(r"\s", "", rendered)
    position = 0
    for char in page_chars:
        position = shown.find(char, position)
        assert position >= 0, (fragment, written)
        position += 1
