"""Markdown as a reader expects it, every drawn character mapped back to the document.

markdown-it-py parses one chunk of the document (``blocks`` cuts them). Its tokens give the block
structure and line numbers, not where inline text sits on a line, so each inline token is found
again in the source, in order: text where the previous token ended, markers (``**``, ``[``, a
link's ``(url "title")``) stepped over; what is stepped over is hidden. Each drawn character keeps
the offset it came from (``rows.Row``), so hits, annotations and the cursor land on the right
characters whatever was hidden. A block that cannot be found again this way (a construct the
walk does not know) is shown as its source: never drawn with a wrong map.

Each link drawn is noted (``links.Link``: its source span and destination) for the reader's
``enter``, status line and ``y``. markdown-it's link validation is off: it exists to keep
``javascript:`` out of HTML, and nothing here is HTML or is ever opened; a ``file://`` link stays
a link.

Nothing here reads text as markup: rows are characters and offsets, styled by component name.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.core.sanitize import visible
from tui.ui.text.cells import BLANKS, MIN_WIDTH, cell_width, char_cells, wrap, wrap_characters
from tui.ui.text.links import Link
from tui.ui.text.rows import NOWHERE, Row, RowBuilder, plain_row

if TYPE_CHECKING:
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode


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


HARD_BREAK = "\n"
"""An atom that ends a row (a hard line break); it draws nothing."""
BULLETS = ("•", "◦", "▪")
QUOTE_BAR = "▎ "
RULE = "─"
_INLINE_STYLES = {
    "em": "reader--emphasis",
    "strong": "reader--strong",
    "s": "reader--strike",
}
Prefix = tuple[tuple[str, str | None], ...]
"""What the layout draws left of a block's rows (bullets, quote bars, indents), with components."""


class Misaligned(Exception):
    """An inline token could not be found again in the source: show the block as source."""


@dataclass
class Atoms:
    """The characters of an inline run, in reading order, each with its offset in the document."""

    chars: list[str] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    """Components over atom indices ``[first, last)`` (emphasis, links, code spans)."""

    def add(self, char: str, source: int) -> None:
        self.chars.append(char)
        self.sources.append(source)

    def extend(self, display: str, start: int, end: int) -> None:
        self.chars.extend(display[start:end])
        self.sources.extend(range(start, end))


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
    chunk = _Chunk(text, display, start, end, max(width, MIN_WIDTH))
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


def source_rows(display: str, start: int, end: int, width: int, style: str | None = None) -> list[Row]:
    """``display[start:end]`` as it is, wrapped at ``width``."""
    starts, ends = wrap(display, width, start, end)
    return [plain_row(display, s, e, style) for s, e in zip(starts, ends, strict=True)]


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


class _Chunk:
    """Renders the blocks of one parsed chunk; token line numbers count from the chunk's start."""

    def __init__(self, text: str, display: str, start: int, end: int, width: int) -> None:
        self.text, self.display, self.start, self.end, self.width = text, display, start, end, width
        self.links: list[Link] = []
        """The links walked so far, in order."""
        self.line_starts = [start]
        newline = text.find("\n", start, end)
        while newline >= 0:
            self.line_starts.append(newline + 1)
            newline = text.find("\n", newline + 1, end)

    # ------------------------------------------------------------------ lines of the chunk

    def bounds(self, line: int) -> tuple[int, int]:
        """Document offsets of chunk line ``line`` (its newline excluded)."""
        if line >= len(self.line_starts):
            return self.end, self.end
        low = self.line_starts[line]
        high = self.line_starts[line + 1] - 1 if line + 1 < len(self.line_starts) else self.end
        return low, max(high, low)

    def lines_as_source(self, first: int, last: int) -> list[Row]:
        """Chunk lines ``[first, last)`` drawn as written."""
        rows: list[Row] = []
        for line in range(first, last):
            low, high = self.bounds(line)
            rows += source_rows(self.display, low, high, self.width)
        return rows

    # ------------------------------------------------------------------ blocks

    def block(
        self, node: SyntaxTreeNode, first: Prefix, rest: Prefix, style: tuple[str, ...], depth: int
    ) -> list[Row]:
        """Rows of one block; ``first`` is drawn left of its first row, ``rest`` of the others."""
        kind = node.type
        if kind == "paragraph":
            return self.inline_rows(self.inline_atoms(_inline(node)), first, rest, style)
        if kind == "heading":
            styles = (*style, "reader--heading", *(("reader--h1",) if node.tag == "h1" else ()))
            return self.inline_rows(self.inline_atoms(_inline(node)), first, rest, styles)
        if kind == "blockquote":
            bar = ((QUOTE_BAR, "reader--quote-bar"),)
            return self.blocks(
                node.children, first + bar, rest + bar, (*style, "reader--quote"), depth, False
            )
        if kind in ("bullet_list", "ordered_list"):
            return self.list_rows(node, first, rest, style, depth)
        if kind in ("fence", "code_block"):
            return self.code_rows(node, first, rest, style)
        if kind == "hr":
            builder = _start_row(first)
            builder.add(RULE * max(self.width - _cells(first), 1), "reader--rule")
            return [builder.build()]
        if kind == "table":
            return self.table_rows(node, first, rest, style)
        if kind == "html_block":
            return self.code_rows(node, first, rest, (*style, "reader--markup"), box=False)
        raise Misaligned(kind)

    def blocks(
        self,
        nodes: Sequence[SyntaxTreeNode],
        first: Prefix,
        rest: Prefix,
        style: tuple[str, ...],
        depth: int,
        tight: bool,
    ) -> list[Row]:
        rows: list[Row] = []
        for node in nodes:
            if rows and not tight:
                rows.append(_start_row(rest).build())
            rows += self.block(node, first if not rows else rest, rest, style, depth)
        return rows

    def list_rows(
        self, node: SyntaxTreeNode, first: Prefix, rest: Prefix, style: tuple[str, ...], depth: int
    ) -> list[Row]:
        ordered = node.type == "ordered_list"
        items = node.children
        tight = all(child.hidden for item in items for child in item.children if child.type == "paragraph")
        if ordered:
            numbers = [item.info or str(n + 1) for n, item in enumerate(items)]
            delimiter = node.markup or "."
            marks = [f"{number}{delimiter}" for number in numbers]
            size = max(len(mark) for mark in marks) + 1
            marks = [mark.rjust(size - 1) + " " for mark in marks]
        else:
            bullet = BULLETS[depth % len(BULLETS)]
            marks = [bullet + " "] * len(items)
            size = 2
        rows: list[Row] = []
        for item, mark in zip(items, marks, strict=True):
            if rows and not tight:
                rows.append(_start_row(rest).build())
            item_first = (first if not rows else rest) + ((mark, "reader--bullet"),)
            item_rest = (*rest, (" " * size, None))
            found = self.blocks(item.children, item_first, item_rest, style, depth + 1, tight)
            rows += found or [_start_row(item_first).build()]
        return rows

    def code_rows(
        self, node: SyntaxTreeNode, first: Prefix, rest: Prefix, style: tuple[str, ...], box: bool = True
    ) -> list[Row]:
        """A code block (or an HTML block) line by line, each mapped where it is in the source."""
        first_line, _ = node.map or (0, 0)
        if node.type == "fence":
            first_line += 1
        content = node.content[:-1] if node.content.endswith("\n") else node.content
        names = (*style, "reader--code") if box else style
        rows: list[Row] = []
        for k, line in enumerate(content.split("\n")):
            atoms = Atoms()
            self.map_line(atoms, first_line + k, line)
            prefix = first if not rows else rest
            width = self.width - _cells(prefix)
            for low, high in wrap_characters(atoms.chars, 0, len(atoms.chars), max(width, MIN_WIDTH)):
                builder = _start_row(first if not rows else rest)
                begin = len(builder)
                _draw(builder, atoms, low, high)
                if box:  # a code block is a box: padded to the measure, so its background shows
                    builder.add(" " * max(self.width - _cells(prefix) - _drawn_cells(builder, begin), 0))
                for name in names:
                    builder.style(begin, len(builder), name)
                rows.append(builder.build())
        return rows

    def map_line(self, atoms: Atoms, line: int, content: str) -> None:
        """The characters of ``content``, which markdown-it took from chunk line ``line`` (less its
        indent or container markers): usually the line's end; else found in it in order."""
        low, high = self.bounds(line)
        if high - low >= len(content) and self.text.endswith(content, low, high):
            atoms.extend(self.display, high - len(content), high)
            return
        for char, source in zip(content, _align(self.text, content, low, high), strict=True):
            atoms.add(self.display[source] if char != " " else " ", source)

    def table_rows(
        self, node: SyntaxTreeNode, first: Prefix, rest: Prefix, style: tuple[str, ...]
    ) -> list[Row]:
        table: list[tuple[bool, list[tuple[Atoms, str]]]] = []
        for section in node.children:
            for tr in section.children:
                cells: list[tuple[Atoms, str]] = []
                position = self.bounds((tr.map or (0, 0))[0])[0]
                for cell in tr.children:
                    atoms = Atoms()
                    if cell.children:
                        position = self.walk_inline(_inline(cell), atoms, position)
                    align = str(cell.attrs.get("style", "")).removeprefix("text-align:")
                    cells.append((atoms, align))
                table.append((section.type == "thead", cells))
        columns = max((len(cells) for _, cells in table), default=0)
        widths = [0] * columns
        for _, cells in table:
            for c, (atoms, _) in enumerate(cells):
                widths[c] = max(widths[c], sum(cell_width(ch) for ch in atoms.chars))
        needed = sum(widths) + 3 * max(columns - 1, 0) + _cells(first)
        if needed > self.width or any("\t" in ch for _, cells in table for a, _ in cells for ch in a.chars):
            first_line, last_line = node.map or (0, 0)
            return self.lines_as_source(first_line, last_line)  # too wide to draw as a table
        rows: list[Row] = []
        for header, cells in table:
            builder = _start_row(first if not rows else rest)
            for c in range(columns):
                if c:
                    builder.add(" │ ", "reader--table-border")
                atoms, align = cells[c] if c < len(cells) else (Atoms(), "")
                pad = widths[c] - sum(cell_width(ch) for ch in atoms.chars)
                left = pad if align == "right" else pad // 2 if align == "center" else 0
                builder.add(" " * left)
                begin = len(builder)
                _draw(builder, atoms, 0, len(atoms.chars))
                for name in (*style, *(("reader--table-header",) if header else ())):
                    builder.style(begin, len(builder), name)
                builder.add(" " * (pad - left))
            rows.append(builder.build())
            if header:
                rule = _start_row(rest)
                rule.add("─┼─".join(RULE * w for w in widths), "reader--table-border")
                rows.append(rule.build())
        return rows

    # ------------------------------------------------------------------ inline

    def inline_rows(self, atoms: Atoms, first: Prefix, rest: Prefix, style: tuple[str, ...]) -> list[Row]:
        """A paragraph's atoms wrapped to the measure, each row behind its prefix."""
        width = max(self.width - max(_cells(first), _cells(rest)), MIN_WIDTH)
        pieces: list[tuple[int, int]] = []
        low = 0
        for i, char in enumerate([*atoms.chars, HARD_BREAK]):
            if char == HARD_BREAK:
                pieces += wrap_characters(atoms.chars, low, i, width)
                low = i + 1
        rows: list[Row] = []
        for low, high in pieces:
            builder = _start_row(first if not rows else rest)
            begin = len(builder)
            positions = _draw(builder, atoms, low, high)
            for name in style:
                builder.style(begin, len(builder), name)
            for span_low, span_high, component in atoms.spans:
                a, b = max(span_low, low), min(span_high, high)
                if a < b:
                    builder.style(positions[a - low], positions[b - low], component)
            rows.append(builder.build())
        return rows

    def inline_atoms(self, token: Token) -> Atoms:
        """The characters an inline token shows, each found again in the source."""
        atoms = Atoms()
        self.walk_inline(token, atoms, None)
        return atoms

    def walk_inline(self, token: Token, atoms: Atoms, position: int | None) -> int:
        """Find ``token``'s children in the source from ``position`` (default: where its first
        line's content starts), adding what they show to ``atoms``; where it ended."""
        first_line = (token.map or (0, 0))[0]
        walk = _InlineWalk(self, atoms, token.content.split("\n"), first_line)
        if position is not None:
            walk.pos = position
        walk.walk(token.children or [])
        return walk.pos


class _InlineWalk:
    """One pass over an inline token's children, keeping where in the source it has got to."""

    def __init__(self, chunk: _Chunk, atoms: Atoms, lines: list[str], first_line: int) -> None:
        self.chunk, self.atoms, self.text, self.display = chunk, atoms, chunk.text, chunk.display
        self.limit = chunk.end
        self.anchors = [self._anchor(first_line + k, line) for k, line in enumerate(lines)]
        self.line = 0
        self.pos = self.anchors[0]

    def _anchor(self, line: int, content: str) -> int:
        """Where ``content`` (one line of the inline text, its indent and container markers removed)
        starts in chunk line ``line``: the line's end when it ends so, else the line's start."""
        low, high = self.chunk.bounds(line)
        body = content.rstrip(BLANKS)
        source = self.text[low:high].rstrip(BLANKS)
        if body and source.endswith(body):
            return low + len(source) - len(body)
        return low

    def find(self, needle: str, pos: int) -> int:
        found = self.text.find(needle, pos, self.limit)
        if found < 0:
            raise Misaligned(needle)
        return found

    def next_line(self, newline: int) -> None:
        self.line += 1
        self.pos = self.anchors[self.line] if self.line < len(self.anchors) else newline + 1
        self.pos = max(self.pos, newline + 1)

    def walk(self, children: list[Token]) -> None:
        opened: list[tuple[str, int]] = []  # components open at an atom index
        sources: list[tuple[int, Token]] = []  # where each open link's source starts
        i = 0
        while i < len(children):
            token = children[i]
            kind = token.type
            if kind == "link_open" and token.markup == "autolink":
                self.autolink(token)
                while i < len(children) and children[i].type != "link_close":
                    i += 1  # its text is markdown-it's normalised URL: the source is drawn instead
            elif kind.endswith("_open") and kind[:-5] in _INLINE_STYLES:
                self.pos = self.find(token.markup, self.pos) + len(token.markup)
                opened.append((_INLINE_STYLES[kind[:-5]], len(self.atoms.chars)))
            elif kind.endswith("_close") and kind[:-6] in _INLINE_STYLES:
                self.pos = self.find(token.markup, self.pos) + len(token.markup)
                self.close(opened)
            elif kind == "link_open":
                bracket = self.find("[", self.pos)
                sources.append((bracket, token))
                self.pos = bracket + 1
                opened.append(("reader--link", len(self.atoms.chars)))
            elif kind == "link_close":
                self.close(opened)
                self.pos = self.after_label(self.pos)
                if sources:
                    begin, link = sources.pop()
                    self.add_link(begin, self.pos, link)
            else:
                self.leaf(token)
            i += 1
        if opened:
            raise Misaligned("unclosed")

    def close(self, opened: list[tuple[str, int]]) -> None:
        component, begin = opened.pop()
        self.atoms.spans.append((begin, len(self.atoms.chars), component))

    def leaf(self, token: Token) -> None:
        """A token that opens nothing: text, an escape or entity, a break, code, an image, HTML."""
        kind, atoms = token.type, self.atoms
        if kind == "text":
            self.add_text(token.content)
        elif kind == "text_special":
            at = self.find(token.markup, self.pos)
            if token.info == "escape":
                atoms.add(self.display[at + 1], at + 1)
            else:
                for char in visible(token.content):
                    atoms.add(char, at)
            self.pos = at + len(token.markup)
        elif kind == "softbreak":
            newline = self.find("\n", self.pos)
            atoms.add(" ", newline)  # a soft break is a space: the paragraph flows
            self.next_line(newline)
        elif kind == "hardbreak":
            newline = self.find("\n", self.pos)
            atoms.add(HARD_BREAK, NOWHERE)
            self.next_line(newline)
        elif kind == "code_inline":
            self.code_span(token)
        elif kind == "image":
            self.pos = self.find("![", self.pos) + 2
            begin = len(atoms.chars)
            self.walk(token.children or [])
            atoms.spans.append((begin, len(atoms.chars), "reader--image"))
            self.pos = self.after_label(self.pos)
        elif kind == "html_inline":
            if token.content:  # a tag: hidden (what it encloses is text of its own)
                self.pos = _align(self.text, token.content, self.pos, self.limit)[-1] + 1
        else:
            raise Misaligned(kind)

    def autolink(self, token: Token) -> None:
        low = self.find("<", self.pos)
        high = self.find(">", low)
        self.atoms.spans.append(
            (len(self.atoms.chars), len(self.atoms.chars) + high - low - 1, "reader--link")
        )
        self.atoms.extend(self.display, low + 1, high)
        self.pos = high + 1
        self.add_link(low, self.pos, token)

    def add_link(self, start: int, end: int, token: Token) -> None:
        href, title = token.attrs.get("href", ""), token.attrs.get("title", "")
        self.chunk.links.append(Link(start, end, str(href or ""), str(title or "")))

    def add_text(self, content: str) -> None:
        if not content:
            return
        pos = self.pos
        if self.text.startswith(content, pos):
            at = pos
        else:
            line_end = self.text.find("\n", pos, self.limit)
            at = self.text.find(content, pos, self.limit if line_end < 0 else line_end)
        if at >= 0:
            self.atoms.extend(self.display, at, at + len(content))
            self.pos = at + len(content)
            return
        line_end = self.text.find("\n", pos, self.limit)
        found = _align(self.text, content, pos, self.limit if line_end < 0 else line_end)
        for char, source in zip(content, found, strict=True):
            self.atoms.add(self.display[source] if char == self.text[source] else visible(char), source)
        self.pos = found[-1] + 1

    def code_span(self, token: Token) -> None:
        opening = self.find(token.markup, self.pos)
        begin = len(self.atoms.chars)
        content = token.content
        found = _align(self.text, content, opening + len(token.markup), self.limit) if content else []
        for char, source in zip(token.content, found, strict=True):
            self.atoms.add(self.display[source] if self.text[source] == char else " ", source)
        after = found[-1] + 1 if found else opening + len(token.markup)
        self.pos = self.find(token.markup, after) + len(token.markup)
        self.atoms.spans.append((begin, len(self.atoms.chars), "reader--code"))

    def after_label(self, pos: int) -> int:
        """Past a link's ``]`` and what follows it: ``(destination "title")`` or ``[label]``."""
        from markdown_it.helpers import parseLinkDestination, parseLinkTitle

        text, limit = self.text, self.limit
        close = self.find("]", pos)
        pos = close + 1
        if pos < limit and text[pos] == "(":
            inner = _skip_blanks(text, pos + 1, limit)
            destination = parseLinkDestination(text, inner, limit)
            if destination.ok:
                inner = _skip_blanks(text, destination.pos, limit)
                if inner < limit and text[inner] in "\"'(":
                    title = parseLinkTitle(text, inner, limit)
                    if title.ok:
                        inner = _skip_blanks(text, title.pos, limit)
            if inner < limit and text[inner] == ")":
                return inner + 1
        elif pos < limit and text[pos] == "[":
            label_end = text.find("]", pos + 1, limit)
            if label_end >= 0:
                return label_end + 1
        return pos


def _inline(node: SyntaxTreeNode) -> Token:
    """The inline token of a paragraph, heading or table cell."""
    token = node.children[0].token if node.children else None
    if token is None:
        raise Misaligned(node.type)
    return token


def _align(text: str, content: str, low: int, high: int) -> list[int]:
    """Offsets in ``text[low:high]`` of ``content``'s characters, in order, skipping what is not
    them (a newline may stand for a space): how a token's text that markdown-it changed a little
    (an escaped table pipe, a code span across lines) is found again."""
    found: list[int] = []
    j = low
    for char in content:
        while j < high and not (text[j] == char or (char == " " and text[j] in "\n\t")):
            j += 1
        if j >= high:
            raise Misaligned(content)
        found.append(j)
        j += 1
    return found


def _skip_blanks(text: str, pos: int, limit: int) -> int:
    while pos < limit and text[pos] in " \t\n":
        pos += 1
    return pos


def _cells(prefix: Prefix) -> int:
    return sum(cell_width(char) for piece, _ in prefix for char in piece)


def _start_row(prefix: Prefix) -> RowBuilder:
    builder = RowBuilder()
    for piece, component in prefix:
        builder.add(piece, component)
    return builder


def _drawn_cells(builder: RowBuilder, begin: int) -> int:
    return sum(cell_width(char) for char in builder.chars[begin:])


def _draw(builder: RowBuilder, atoms: Atoms, low: int, high: int) -> list[int]:
    """Draw atoms ``[low, high)`` (tabs to their stops, counted from the first); where each began
    in the row, and where they ended (``high - low + 1`` positions)."""
    positions: list[int] = []
    column = 0
    for i in range(low, high):
        positions.append(len(builder))
        char, source = atoms.chars[i], atoms.sources[i]
        size = char_cells(char, column)
        if char == "\t":
            for _ in range(size):
                builder.add_mapped(" ", source)
        else:
            builder.add_mapped(char, source)
        column += size
    positions.append(len(builder))
    return positions
