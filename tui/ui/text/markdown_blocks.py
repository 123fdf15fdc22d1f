"""The blocks of one parsed Markdown chunk as rows: paragraphs, headings, quotes, lists, code,
tables and rules, with what the layout adds left of them (bullets, quote bars, hanging indents).

markdown-it gives each block its source lines; code and HTML blocks are mapped line by line, and
inline content is found again by ``markdown_inline``. A block the walk cannot map is drawn as its
source lines (``lines_as_source``). Token line numbers count from the chunk's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui.ui.text.cells import MIN_WIDTH, cell_width, char_cells, wrap_characters
from tui.ui.text.links import Link
from tui.ui.text.markdown_inline import HARD_BREAK, Atoms, InlineWalk, Misaligned, align
from tui.ui.text.rows import Row, RowBuilder, source_rows

if TYPE_CHECKING:
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode

BULLETS = ("•", "◦", "▪")
QUOTE_BAR = "▎ "
RULE = "─"
Prefix = tuple[tuple[str, str | None], ...]
"""What the layout draws left of a block's rows (bullets, quote bars, indents), with components."""


class ChunkRenderer:
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
        for char, source in zip(content, align(self.text, content, low, high), strict=True):
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
        walk = InlineWalk(self, atoms, token.content.split("\n"), first_line)
        if position is not None:
            walk.pos = position
        walk.walk(token.children or [])
        return walk.pos


def _inline(node: SyntaxTreeNode) -> Token:
    """The inline token of a paragraph, heading or table cell."""
    token = node.children[0].token if node.children else None
    if token is None:
        raise Misaligned(node.type)
    return token


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
