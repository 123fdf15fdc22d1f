"""Where a document is cut into chunks laid out one at a time, and what its headings are.

markdown-it parses about a megabyte a second, so a long document is never parsed at once: one
pass over its lines cuts it where a new top-level block starts (a line at the left margin after
a blank line, outside a code fence or an HTML comment), and the reader parses a chunk when it is
first shown. The same pass lists the headings (the outline, the section name in the status
line) and the line lengths (an estimate of a chunk's rows until it is laid out). A chunk too
long to parse at once (one huge code block or list) is shown as its source, in pieces; plain
text is cut every few hundred lines.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate

MAX_MARKDOWN = 150_000
"""The most a chunk parsed as Markdown may cost: its characters, and ``DELIMITER_COST`` more for
each character that may open emphasis, code or a link (which markdown-it pairs up: a line of
nothing else takes it seconds). A costlier block is shown as its source."""
DELIMITER_COST = 20
_DELIMITERS = "*_`[<"
PIECE_LINES = 400
PIECE_CHARS = 64_000
"""A chunk of source shown as it is holds at most this many lines (or characters, unless one line
is longer)."""

_REFERENCE = re.compile(r"^ {0,3}\[((?:[^\]\\\n]|\\.){1,999})\]:", re.M)


@dataclass(frozen=True)
class Heading:
    """A heading of the document, for the outline and the section name."""

    level: int
    source: str
    """Its text as written (inline Markdown still in it: see ``markdown.plain_title``)."""
    offset: int
    """Where its text starts in the document."""

    @property
    def title(self) -> str:
        """The words it shows (its inline Markdown rendered as plain text)."""
        from tui.ui.text.markdown import plain_title

        return plain_title(self.source)


@dataclass
class Chunks:
    """A document cut into chunks: ``[starts[k], ends[k])`` is chunk ``k``; together they cover it."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    markdown: list[bool] = field(default_factory=list)
    """Whether chunk ``k`` is parsed as Markdown (else shown as its source)."""
    first_lines: list[int] = field(default_factory=list)
    """Index (in ``line_lengths``) of each chunk's first line."""
    line_lengths: list[int] = field(default_factory=list)
    """Length of every line of the document (newline excluded)."""
    headings: list[Heading] = field(default_factory=list)

    def _add(self, start: int, end: int, markdown: bool, first_line: int) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.markdown.append(markdown)
        self.first_lines.append(first_line)

    def _add_source(self, offsets: list[int], first: int, last: int) -> None:
        """Lines ``[first, last)`` as chunks of source, cut at line ends."""
        line = first
        while line < last:
            # Lines are added while those taken hold fewer than PIECE_CHARS characters (newlines
            # counted): found by bisection in the offsets, not line by line.
            full = bisect_left(offsets, offsets[line] + PIECE_CHARS, line + 1)
            stop = min(last, line + PIECE_LINES, full)
            self._add(offsets[line], offsets[stop] if stop < len(offsets) else offsets[-1], False, line)
            line = stop


def plain_chunks(text: str) -> Chunks:
    """``text`` as source shown as it is: chunks of whole lines."""
    chunks = Chunks(line_lengths=list(map(len, text.split("\n"))))
    offsets = _line_offsets(chunks.line_lengths)
    chunks._add_source(offsets, 0, len(chunks.line_lengths))
    _close(chunks, len(text))
    return chunks


def markdown_chunks(text: str) -> Chunks:
    """``text`` as Markdown: chunks that start with a top-level block, and the headings."""
    return _markdown_chunks(text, fast=True)


_PROSE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
"""First characters of a line that can only be a paragraph's: no block starts with a letter."""


def _markdown_chunks(text: str, fast: bool) -> Chunks:
    """``markdown_chunks``; ``fast`` takes an empty line, and a line that starts with a letter at
    the margin (most lines of prose: it can only start or go on with a paragraph), in a few steps.
    Without it every line takes the careful path (what the tests compare it with)."""
    lines = text.split("\n")
    chunks = Chunks(line_lengths=list(map(len, lines)))
    offsets = _line_offsets(chunks.line_lengths)
    fence = ""
    in_comment = previous_blank = in_list = False
    chunk_line = 0
    paragraph = -1  # first line of the paragraph running (a setext heading's text), or -1
    for i, line in enumerate(lines):
        if fast and not fence and not in_comment and (not line or line[0] in _PROSE):
            if not line:
                previous_blank, paragraph = True, -1
            else:
                if previous_blank and i > chunk_line:
                    _cut(chunks, text, offsets, chunk_line, i)
                    chunk_line = i
                in_list = previous_blank = False
                paragraph = i if paragraph < 0 else paragraph
            continue
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        if fence:
            if stripped.startswith(fence) and not stripped.rstrip(" \t").strip(fence[0]):
                fence = ""
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if not stripped:
            previous_blank, paragraph = True, -1
            continue
        item = _list_item(stripped)
        if previous_blank and indent == 0 and i > chunk_line and not (item and in_list):
            _cut(chunks, text, offsets, chunk_line, i)  # (a list goes on after a blank line: one chunk)
            chunk_line = i
        if indent == 0:
            in_list = item
        previous_blank = False
        if stripped.startswith(("```", "~~~")):
            run = len(stripped) - len(stripped.lstrip(stripped[0]))
            if stripped[0] == "~" or "`" not in stripped[run:]:
                fence, paragraph = stripped[0] * run, -1
                continue
        if indent <= 3 and stripped.startswith("<!--") and "-->" not in stripped:
            in_comment, paragraph = True, -1
            continue
        if indent <= 3:
            paragraph = _heading(chunks, lines, offsets, i, paragraph, item)
    _cut(chunks, text, offsets, chunk_line, len(lines))
    _close(chunks, len(text))
    return chunks


def _heading(chunks: Chunks, lines: list[str], offsets: list[int], i: int, paragraph: int, item: bool) -> int:
    """Note line ``i`` if it is a heading (ATX, or the underline of a setext one under the
    paragraph that started at line ``paragraph``); the paragraph running after it (-1: none)."""
    line = lines[i]
    stripped = line.lstrip(" \t")
    atx = _atx(line)
    if atx is not None:
        level, low, high = atx
        chunks.headings.append(Heading(level, line[low:high], offsets[i] + low))
        return -1
    if paragraph >= 0 and _underline(stripped):
        title = " ".join(lines[k].strip() for k in range(paragraph, i))
        start = offsets[paragraph] + len(lines[paragraph]) - len(lines[paragraph].lstrip(" \t"))
        chunks.headings.append(Heading(1 if stripped[0] == "=" else 2, title, start))
        return -1
    if paragraph < 0 and not item and not stripped.startswith((">", "|")):
        return i
    return paragraph


def references(text: str) -> list[tuple[str, str]]:
    """The link reference definitions (``[label]: url``) anywhere in ``text``: each label and its
    destination as written (escapes undone; '' when there is none), so a chunk that uses one
    defined in another chunk still shows a link, and the reader knows where it leads."""
    if "]:" not in text:
        return []
    from markdown_it.helpers import parseLinkDestination

    found: list[tuple[str, str]] = []
    for match in _REFERENCE.finditer(text):
        pos = match.end()
        line_end = text.find("\n", pos)
        limit = len(text) if line_end < 0 else line_end
        while pos < limit and text[pos] in " \t":
            pos += 1
        if pos == limit and limit < len(text):  # the destination may start on the next line
            pos = limit + 1
            following = text.find("\n", pos)
            limit = len(text) if following < 0 else following
            while pos < limit and text[pos] in " \t":
                pos += 1
        destination = parseLinkDestination(text, pos, limit) if pos < limit else None
        found.append((match.group(1), destination.str if destination and destination.ok else ""))
    return found


def _line_offsets(lengths: list[int]) -> list[int]:
    """Where each line starts (and, last, one past the text's end as if it ended with a newline)."""
    return list(accumulate(map((1).__add__, lengths), initial=0))  # (no Python call per line)


def _cut(chunks: Chunks, text: str, offsets: list[int], first: int, last: int) -> None:
    """Lines ``[first, last)`` as one Markdown chunk, or as source when too long to parse at once."""
    if first >= last:
        return
    end = offsets[last] if last < len(offsets) else offsets[-1]
    start = offsets[first]
    cost = end - start
    if MAX_MARKDOWN // (DELIMITER_COST + 1) < cost <= MAX_MARKDOWN:  # (a short one is cheap anyway)
        cost += DELIMITER_COST * sum(text.count(char, start, end) for char in _DELIMITERS)
    if cost > MAX_MARKDOWN:
        chunks._add_source(offsets, first, last)
    else:
        chunks._add(offsets[first], end, True, first)


def _close(chunks: Chunks, length: int) -> None:
    """Make the chunks cover the text exactly (the last line has no newline after it)."""
    if not chunks.starts:
        chunks._add(0, length, False, 0)
    chunks.ends[-1] = length
    chunks.ends[:-1] = chunks.starts[1:]


def _atx(line: str) -> tuple[int, int, int] | None:
    """An ATX heading line (``## Title ##``): its level and where its text starts and ends."""
    i = 0
    while i < 3 and i < len(line) and line[i] == " ":
        i += 1
    j = i
    while j < len(line) and line[j] == "#":
        j += 1
    level = j - i
    if not 1 <= level <= 6 or (j < len(line) and line[j] not in " \t"):
        return None
    low = j
    while low < len(line) and line[low] in " \t":
        low += 1
    high = len(line.rstrip(" \t"))
    closing = high
    while closing > low and line[closing - 1] == "#":
        closing -= 1
    if closing < high and (closing == low or line[closing - 1] in " \t"):
        high = len(line[:closing].rstrip(" \t"))
    return level, low, max(high, low)


def _underline(stripped: str) -> bool:
    """A setext heading's underline (``===`` or ``---``)."""
    body = stripped.rstrip(" \t")
    return bool(body) and body[0] in "=-" and not body.strip(body[0])


def _list_item(stripped: str) -> bool:
    """Whether a line starts a list item (``-``, ``*``, ``+``, ``1.`` or ``1)``, then a blank)."""
    if stripped[:1] in ("-", "*", "+"):
        return stripped[1:2] in ("", " ", "\t")
    digits = len(stripped) - len(stripped.lstrip("0123456789"))
    return (
        0 < digits <= 9
        and stripped[digits : digits + 1] in (".", ")")
        and stripped[digits + 1 : digits + 2] in ("", " ", "\t")
    )
