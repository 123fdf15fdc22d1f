"""Markdown as a reader expects it, every drawn character mapped back to the document.

markdown-it-py parses one chunk of the document (``blocks`` cuts them); this module holds the
parser and ``render``, the way in. Its tokens give the block structure and line numbers
(``markdown_blocks`` draws the blocks), not where inline text sits on a line (``markdown_inline``
finds it again in the source). Each drawn character keeps the offset it came from (``rows.Row``),
so hits, annotations and the cursor land on the right characters whatever was hidden. A block
that cannot be found again (a construct the walk does not know) is shown as its source: never
drawn with a wrong map.

Each link drawn is noted (``links.Link``: its source span and destination) for the reader's
``enter``, status line and ``y``. markdown-it's link validation is off: it exists to keep
``javascript:`` out of HTML, and nothing here is HTML or is ever opened; a ``file://`` link stays
a link.

Nothing here reads text as markup: rows are characters and offsets, styled by component name.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tui.ui.text.cells import MIN_WIDTH
from tui.ui.text.links import Link
from tui.ui.text.markdown_blocks import ChunkRenderer
from tui.ui.text.markdown_inline import Misaligned
from tui.ui.text.rows import Row, source_rows

if TYPE_CHECKING:
    from markdown_it.token import Token

__all__ = ["link_href", "link_text", "load_parser", "plain_title", "render", "source_rows"]


@functools.cache
def _parser() -> Any:
    """The parser, made when a document is first rendered: not on the app's first paint."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.disable("text_join")  # escapes and entities stay tokens of their own: their source differs
    parser.validateLink = _any_link  # type: ignore[method-assign]
    return parser


def load_parser() -> None:
    """Import markdown-it and make the parser now: some 40 ms, better spent in the worker that
    reads a Markdown document than on the UI thread before its first paint."""
    _parser()
    import markdown_it.common.utils
    import markdown_it.tree  # noqa: F401  (what ``render`` imports)


def _any_link(url: str) -> bool:
    return True


def link_href(destination: str) -> str:
    """A destination as written (escapes already undone) as markdown-it makes it a URL."""
    return str(_parser().normalizeLink(destination))


def link_text(url: str) -> str:
    """A link's URL as a person reads it (percent-escapes and punycode decoded)."""
    try:
        return str(_parser().normalizeLinkText(url))
    except (ValueError, UnicodeError):
        return url


def render(
    text: str,
    display: str,
    start: int,
    end: int,
    width: int,
    references: Sequence[tuple[str, str]] = (),
    links: list[Link] | None = None,
) -> list[Row]:
    """The rows of the Markdown chunk ``text[start:end]`` at ``width`` cells, blocks separated by a
    blank row. ``display`` is ``text`` with control characters shown (``sanitize.visible``).

    ``references``: the document's link reference definitions (``blocks.references``: label and
    destination), so a chunk that uses one defined in another chunk still has a link, to the right
    place. The links drawn are added to ``links``, in order.
    """
    from markdown_it.common.utils import normalizeReference
    from markdown_it.tree import SyntaxTreeNode

    defined: dict[str, dict[str, str]] = {}
    for label, destination in references:
        defined.setdefault(normalizeReference(label), {"href": link_href(destination), "title": ""})
    env = {"references": defined}
    try:
        tree = SyntaxTreeNode(_parser().parse(text[start:end], env))
    except (IndexError, KeyError, ValueError, RecursionError):
        return source_rows(display, start, end, width)
    chunk = ChunkRenderer(text, display, start, end, max(width, MIN_WIDTH))
    rows: list[Row] = []
    for block in tree.children:
        if rows:
            rows.append(Row("", ()))
        found = len(chunk.links)
        try:
            rows += chunk.block(block, (), (), (), 0)
        except (Misaligned, IndexError, ValueError):
            del chunk.links[found:]  # drawn as source: no link is drawn, and the walk may have erred
            first, last = block.map or (0, 0)
            rows += chunk.lines_as_source(first, last)
    if links is not None:
        links += chunk.links
    return rows


def plain_title(source: str) -> str:
    """A heading's inline Markdown as the words it shows (for the outline and the status line)."""
    if not any(char in source for char in "*_`[]<&\\!~"):
        return source.strip() or source  # nothing to render (most headings): no parse
    try:
        tokens = _parser().parseInline(source)
    except (IndexError, KeyError, ValueError, RecursionError):
        return source
    words: list[str] = []

    def collect(children: list[Token]) -> None:
        for token in children:
            if token.type in ("text", "text_special", "code_inline"):
                words.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                words.append(" ")
            elif token.type == "image":
                collect(token.children or [])

    for token in tokens:
        collect(token.children or [])
    return "".join(words).strip() or source
