"""Inline Markdown found again in the source: each character a paragraph shows, and its offset.

markdown-it's inline tokens say what a paragraph, heading or table cell shows, not where on its
lines each piece sits. ``InlineWalk`` finds them again in the source, in order: text where the
previous token ended, markers (``**``, ``[``, a link's ``(url "title")``) stepped over, and what
is stepped over is hidden. A token that cannot be found so raises ``Misaligned``, and its block
is shown as its source: never drawn with a wrong map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.sanitize import visible
from tui.ui.text.cells import BLANKS
from tui.ui.text.links import Link
from tui.ui.text.rows import NOWHERE

if TYPE_CHECKING:
    from markdown_it.token import Token

    from tui.ui.text.markdown_blocks import ChunkRenderer

HARD_BREAK = "\n"
"""An atom that ends a row (a hard line break); it draws nothing."""
_INLINE_STYLES = {
    "em": "reader--emphasis",
    "strong": "reader--strong",
    "s": "reader--strike",
}


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


class InlineWalk:
    """One pass over an inline token's children, keeping where in the source it has got to."""

    def __init__(self, chunk: ChunkRenderer, atoms: Atoms, lines: list[str], first_line: int) -> None:
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
                self.pos = align(self.text, token.content, self.pos, self.limit)[-1] + 1
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
        found = align(self.text, content, pos, self.limit if line_end < 0 else line_end)
        for char, source in zip(content, found, strict=True):
            self.atoms.add(self.display[source] if char == self.text[source] else visible(char), source)
        self.pos = found[-1] + 1

    def code_span(self, token: Token) -> None:
        opening = self.find(token.markup, self.pos)
        begin = len(self.atoms.chars)
        content = token.content
        found = align(self.text, content, opening + len(token.markup), self.limit) if content else []
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


def align(text: str, content: str, low: int, high: int) -> list[int]:
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
