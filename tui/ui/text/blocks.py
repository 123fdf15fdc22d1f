"""Where a document is cut into chunks laid out one at a time, and what its headings are.

markdown-it parses about a megabyte a second, so a long document is never parsed at once: one
pass over its lines cuts it where a new top-level block starts (a line at the left margin after
a blank line, outside a code fence or an HTML comment), and the reader parses a chunk when it is
first shown. The same pass lists the headings (the outline, the section name in the status
line) and the line lengths (an estimate of a chunk's rows until it is laid out). A chunk too
long to parse at once (one huge code block or list) is shown as its source, in pieces; plain
text is cut every few hundred lines. The pass itself (some 12 ms a megabyte) runs only as far as
it is asked to (``Cutter``): a document is shown once its first screens are cut.
"""

from __future__ import annotations

import functools
import re
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate, islice

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

    def _add_source(self, offsets: list[int], first: int, last: int, whole: bool = True) -> int:
        """Lines ``[first, last)`` as chunks of source, cut at line ends; the first line left out.

        Not ``whole``: more lines follow ``last``, so a last piece that only ``last`` ends (not
        ``PIECE_LINES`` or ``PIECE_CHARS``) is left for when they are read.
        """
        line = first
        while line < last:
            # Lines are added while those taken hold fewer than PIECE_CHARS characters (newlines
            # counted): found by bisection in the offsets, not line by line.
            full = bisect_left(offsets, offsets[line] + PIECE_CHARS, line + 1)
            stop = min(last, line + PIECE_LINES, full)
            if not whole and line + PIECE_LINES > last and full > last:
                break
            self._add(offsets[line], offsets[stop] if stop < len(offsets) else offsets[-1], False, line)
            line = stop
        return line


def plain_chunks(text: str) -> Chunks:
    """``text`` as source shown as it is: chunks of whole lines."""
    return Cutter(text, markdown=False).finish()


def markdown_chunks(text: str) -> Chunks:
    """``text`` as Markdown: chunks that start with a top-level block, and the headings."""
    return Cutter(text, markdown=True).finish()


def _markdown_chunks(text: str, fast: bool) -> Chunks:
    """``markdown_chunks``, with or without the fast path (what the tests compare)."""
    return Cutter(text, markdown=True, fast=fast).finish()


_PROSE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
"""First characters of a line that can only be a paragraph's: no block starts with a letter."""
SEGMENT = 32_768
"""Characters read per step of a cut (then on to the end of a line): a step takes well under a
millisecond, so a cut stops soon after the place it was asked to reach."""


class Cutter:
    """Cuts a text into ``Chunks`` a segment at a time, from its start, as far as is asked.

    Where a Markdown block starts depends on everything before it (a code fence opened a
    megabyte earlier), so a cut always runs from the start; but it need not reach the end before
    anything is shown. ``advance`` cuts until an offset is inside a chunk (the first screen, the
    cursor, a hit) or for a while (the reader is idle); ``finish`` cuts the rest. Chunks cut are
    final and only ever appended: ``[0, cut_to)`` is covered. Headings are noted as their lines
    are read (some may lie past ``cut_to``).

    ``fast`` takes an empty line, and a line that starts with a letter at the margin (most lines
    of prose: it can only start or go on with a paragraph), in a few steps. Without it every line
    takes the careful path (what the tests compare it with).
    """

    def __init__(self, text: str, markdown: bool, fast: bool = True) -> None:
        self.text = text
        self.markdown = markdown
        self.chunks = Chunks()
        self._fast = fast
        self._offsets = [0]
        """Where each line read starts and, last, where the next one starts (one past the end once
        every line is read, as if the text ended with a newline)."""
        self._done = False
        self._first = 0
        """The first line in no chunk yet."""
        self._fence = ""
        self._in_comment = self._previous_blank = self._in_list = False
        self._paragraph = -1
        """First line of the paragraph running (a setext heading's text), or -1."""

    @property
    def complete(self) -> bool:
        """Whether the whole text is cut."""
        return self._done

    @property
    def cut_to(self) -> int:
        """The chunks cover ``[0, cut_to)``: where the part not cut yet starts."""
        return self.chunks.ends[-1] if self.chunks.ends else 0

    @functools.cached_property
    def references(self) -> list[tuple[str, str]]:
        """The link reference definitions of the whole text (``references``; none for source)."""
        return references(self.text) if self.markdown else []

    def lines_of(self, chunk: int) -> tuple[int, int]:
        """The lines of a chunk cut: ``[first, last)``."""
        first_lines = self.chunks.first_lines
        last = first_lines[chunk + 1] if chunk + 1 < len(first_lines) else self._first
        return first_lines[chunk], last

    def advance(self, until: int = -1, seconds: float | None = None) -> bool:
        """Cut until offset ``until`` is inside a chunk, or for about ``seconds`` (at least one
        step); whether a chunk was added."""
        before = len(self.chunks.starts)
        deadline = None if seconds is None else time.perf_counter() + seconds
        while not self._done and (until < 0 or self.cut_to <= until):
            self._step()
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return len(self.chunks.starts) != before

    def finish(self) -> Chunks:
        """Cut the rest of the text; the chunks."""
        while not self._done:
            self._step()
        return self.chunks

    def _step(self) -> None:
        """Read the next segment: whole lines, the last one running past ``SEGMENT`` to its end."""
        text, pos = self.text, self._offsets[-1]
        newline = text.find("\n", pos + SEGMENT) if pos + SEGMENT < len(text) else -1
        end = len(text) if newline < 0 else newline
        lines = text[pos:end].split("\n")
        first = len(self.chunks.line_lengths)
        lengths = list(map(len, lines))
        self.chunks.line_lengths += lengths
        self._offsets += islice(accumulate(map((1).__add__, lengths), initial=pos), 1, None)
        self._done = newline < 0
        last = len(self.chunks.line_lengths)
        if self.markdown:
            self._markdown_lines(lines, first)
            if self._done:
                self._cut(self._first, last)
        else:
            self._first = self.chunks._add_source(self._offsets, self._first, last, whole=self._done)
        if self._done:
            _close(self.chunks, len(text))

    def _line(self, k: int) -> str:
        start = self._offsets[k]
        return self.text[start : start + self.chunks.line_lengths[k]]

    def _markdown_lines(self, lines: list[str], first: int) -> None:
        """Read ``lines`` (line ``first`` on) as Markdown, cutting where a top-level block starts."""
        fast, fence, in_comment = self._fast, self._fence, self._in_comment
        previous_blank, in_list, paragraph = self._previous_blank, self._in_list, self._paragraph
        for i, line in enumerate(lines, first):
            if fast and not fence and not in_comment and (not line or line[0] in _PROSE):
                if not line:
                    previous_blank, paragraph = True, -1
                else:
                    if previous_blank and i > self._first:
                        self._cut(self._first, i)
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
            if previous_blank and indent == 0 and i > self._first and not (item and in_list):
                self._cut(self._first, i)  # (a list goes on after a blank line: one chunk)
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
                paragraph = self._heading(line, i, paragraph, item)
        self._fence, self._in_comment = fence, in_comment
        self._previous_blank, self._in_list, self._paragraph = previous_blank, in_list, paragraph

    def _heading(self, line: str, i: int, paragraph: int, item: bool) -> int:
        """Note line ``i`` if it is a heading (ATX, or the underline of a setext one under the
        paragraph that started at line ``paragraph``); the paragraph running after it (-1: none)."""
        stripped = line.lstrip(" \t")
        atx = _atx(line)
        if atx is not None:
            level, low, high = atx
            self.chunks.headings.append(Heading(level, line[low:high], self._offsets[i] + low))
            return -1
        if paragraph >= 0 and _underline(stripped):
            title = " ".join(self._line(k).strip() for k in range(paragraph, i))
            opening = self._line(paragraph)
            start = self._offsets[paragraph] + len(opening) - len(opening.lstrip(" \t"))
            self.chunks.headings.append(Heading(1 if stripped[0] == "=" else 2, title, start))
            return -1
        if paragraph < 0 and not item and not stripped.startswith((">", "|")):
            return i
        return paragraph

    def _cut(self, first: int, last: int) -> None:
        """Lines ``[first, last)`` as one Markdown chunk, or as source when too long to parse at
        once; the next chunk starts at line ``last``."""
        self._first = last
        if first >= last:
            return
        start, end = self._offsets[first], self._offsets[last]
        cost = end - start
        if MAX_MARKDOWN // (DELIMITER_COST + 1) < cost <= MAX_MARKDOWN:  # (a short one is cheap anyway)
            cost += DELIMITER_COST * sum(self.text.count(char, start, end) for char in _DELIMITERS)
        if cost > MAX_MARKDOWN:
            self.chunks._add_source(self._offsets, first, last)
        else:
            self.chunks._add(start, end, True, first)


def references(text: str) -> list[tuple[str, str]]:
    """The link reference definitions (``[label]: url``) anywhere in ``text``: each label and its
    destination as written (escapes undone; '' when there is none), so a chunk that uses one
    defined in another chunk still shows a link, and the reader knows where it leads.

    Only the lines holding ``]:`` are tried (a definition is one line up to its ``]:``): a scan
    for it, not a pattern tried at every line start of the document.
    """
    found: list[tuple[str, str]] = []
    at = text.find("]:")
    while at >= 0:
        match = _REFERENCE.match(text, text.rfind("\n", 0, at) + 1)
        if match is not None:
            found.append((match.group(1), _destination(text, match.end())))
        line_end = text.find("\n", at)
        at = text.find("]:", line_end) if line_end >= 0 else -1
    return found


def _destination(text: str, pos: int) -> str:
    """The destination of the definition whose ``]:`` ends at ``pos`` ('' when there is none)."""
    from markdown_it.helpers import parseLinkDestination

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
    return destination.str if destination and destination.ok else ""


def _line_offsets(lengths: list[int]) -> list[int]:
    """Where each line starts (and, last, one past the text's end as if it ended with a newline)."""
    return list(accumulate(map((1).__add__, lengths), initial=0))  # (no Python call per line)


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
