"""The links the Markdown layout notes (source span, destination), where a destination leads, and
the reading-progress figure: pure, without an app."""

from __future__ import annotations

import os

import pytest

from tui.core.sanitize import visible, visible_line
from tui.ui.text import markdown
from tui.ui.text.document import DocumentLayout
from tui.ui.text.links import Link, Links, path_key, resolve, slug
from tui.ui.widgets.document_view import reading_progress


def links_of(text: str, width: int = 60) -> list[Link]:
    """Every link of ``text``, chunk by chunk, as the reader's layout notes them."""
    layout = DocumentLayout(text, visible(text), width, True)
    return [link for chunk in range(len(layout.chunks.starts)) for link in layout.links_in(chunk).all]


def test_an_inline_link_keeps_its_source_span_destination_and_title() -> None:
    text = 'See [the other](other.md "Other doc") now.\n'
    (link,) = links_of(text)
    assert text[link.start : link.end] == '[the other](other.md "Other doc")'
    assert link.destination == "other.md" and link.title == "Other doc"
    rows = markdown.render(text, text, 0, len(text), 60)
    assert rows[0].text == "See the other now."  # the layout still hides the (url "title")


def test_autolinks_and_mail_autolinks() -> None:
    text = "Go <https://example.org/a> or <me@example.org>.\n"
    web, mail = links_of(text)
    assert (
        text[web.start : web.end] == "<https://example.org/a>" and web.destination == "https://example.org/a"
    )
    assert text[mail.start : mail.end] == "<me@example.org>" and mail.destination == "mailto:me@example.org"


def test_reference_links_get_the_destination_defined_in_another_chunk() -> None:
    text = (
        "Start [full][far] and [collapsed][] and [shortcut] here.\n\n"
        "A middle paragraph.\n\n"
        "[far]: ./sub/far.md\n[collapsed]: <with space.md>\n[Shortcut]:\n  http://s.example/x\n"
    )
    full, collapsed, shortcut = links_of(text)
    assert text[full.start : full.end] == "[full][far]" and full.destination == "./sub/far.md"
    assert text[collapsed.start : collapsed.end] == "[collapsed][]"
    assert collapsed.destination == "with%20space.md" and collapsed.shown == "with space.md"
    assert text[shortcut.start : shortcut.end] == "[shortcut]"  # labels match without case
    assert shortcut.destination == "http://s.example/x"


def test_links_in_headings_lists_quotes_and_tables() -> None:
    text = "# See [h](h.md)\n\n- item [l](l.md)\n\n> quoted [q](q.md)\n\n| a | b |\n|---|---|\n| [t](t.md) | x |\n"
    assert [link.destination for link in links_of(text)] == ["h.md", "l.md", "q.md", "t.md"]
    for link in links_of(text):
        assert text[link.start] == "[" and text[link.end - 1] == ")"


def test_file_uris_and_any_scheme_stay_links() -> None:
    # markdown-it drops file: and javascript: destinations (for HTML); nothing here is HTML or opened
    text = "[f](file:///tmp/x.md) <file:///tmp/y.md> [j](javascript:alert(1))\n"
    assert [link.destination for link in links_of(text)] == [
        "file:///tmp/x.md",
        "file:///tmp/y.md",
        "javascript:alert(1)",
    ]


def test_the_cursor_is_on_a_link_over_its_text_only_where_drawn() -> None:
    text = "Before [the link](dest.md) after.\n"
    layout = DocumentLayout(text, text, 60, True)
    link = layout.link_at(text.index("the link"))
    assert link is not None and link.destination == "dest.md"
    assert layout.link_at(text.index("link]")) == link
    assert layout.link_at(text.index("Before")) is None and layout.link_at(text.index("after")) is None
    source = DocumentLayout(text, text, 60, False)  # the source view (and plain text): no links
    assert source.link_at(text.index("the link")) is None


def test_a_link_destination_is_shown_decoded_and_made_safe() -> None:
    (link,) = links_of("[x](evil%1B]0;title%07.md) [y](caf%C3%A9.md)\n")[:1]
    assert "\x1b" not in link.destination  # percent-encoded: what is copied is a URL
    assert "\x1b" not in visible_line(link.shown) and "␛" in visible_line(link.shown)
    assert links_of("[y](caf%C3%A9.md)\n")[0].shown == "café.md"


def test_links_lookup_by_offset() -> None:
    links = Links([Link(20, 30, "b"), Link(0, 10, "a")])
    assert [link.destination for link in links.all] == ["a", "b"]
    assert links.at(0) is links.all[0] and links.at(9) is links.all[0]
    assert links.at(10) is None and links.at(19) is None and links.at(29) is links.all[1]
    assert Links().at(5) is None


DOC = "/corpus/notes/here.md"


@pytest.mark.parametrize(
    ("destination", "kind", "path", "fragment"),
    [
        ("other.md", "file", "/corpus/notes/other.md", ""),
        ("./sub/b.md#part", "file", "/corpus/notes/sub/b.md", "part"),
        ("../up.md", "file", "/corpus/up.md", ""),
        ("my%20doc.md", "file", "/corpus/notes/my doc.md", ""),
        ("/abs/x.md", "file", "/abs/x.md", ""),
        ("file:///corpus/z%C3%A9.md#s%20x", "file", "/corpus/zé.md", "s x"),
        ("file://localhost/corpus/a.md", "file", "/corpus/a.md", ""),
        ("other.md?raw=1", "file", "/corpus/notes/other.md", ""),
        ("#second-part", "anchor", "", "second-part"),
        ("file://server/share/a.md", "outside", "", ""),
        ("https://example.org/a.md", "outside", "", ""),
        ("mailto:me@example.org", "outside", "", ""),
        ("//cdn.example/x.md", "outside", "", ""),
        ("http://[broken", "outside", "", ""),
        ("", "none", "", ""),
    ],
)
def test_where_a_destination_leads(destination: str, kind: str, path: str, fragment: str) -> None:
    target = resolve(destination, DOC)
    assert target.kind == kind
    assert target.path == (os.path.normpath(path) if path else "")
    assert target.fragment == fragment


def test_paths_compare_normalised() -> None:
    assert path_key("/corpus/notes/../notes/./a.md") == path_key("/corpus/notes/a.md")


@pytest.mark.parametrize(
    ("title", "anchor"),
    [("Second part", "second-part"), ("Why it matters!", "why-it-matters"), ("Ça va, 2024", "ça-va-2024")],
)
def test_heading_anchors_as_github_makes_them(title: str, anchor: str) -> None:
    assert slug(title) == anchor


@pytest.mark.parametrize(
    ("top", "last_top", "percent"),
    [
        (0, 100, 0),
        (42, 100, 42),
        (99.6, 100, 99),
        (100, 100, 100),
        (0, 0, 100),
        (5, -3, 100),
        (120, 100, 100),
    ],
)
def test_reading_progress_is_the_share_scrolled(top: float, last_top: float, percent: int) -> None:
    assert reading_progress(top, last_top) == percent
