"""A whole document as rows, laid out chunk by chunk as they are needed.

The reader asks for row ``n`` (to draw it), for the row holding an offset (to show the cursor),
and for the nearest place the cursor can stop. ``DocumentLayout`` answers from chunks (see
``blocks``) laid out on first use and kept in a bounded cache: opening a 5 MB document lays
out only the screenful shown. Until a chunk is laid out its row count is an estimate from its
line lengths; a Fenwick tree of the counts maps a row number to its chunk in log time, and
corrects every number below a chunk at once when its count becomes exact. ``lay_out_pending``
lays out the rest in small steps, so the scrollbar settles while the reader is idle.

The links of a chunk (``links``) are noted as it is laid out and kept with its rows: ``link_at``
answers for the cursor's offset, whose chunk is on screen, so laid out already.

Cutting a document into chunks reads all of it (some 25 ms for 5 MB of Markdown, and markdown-it
is imported before its first chunk is parsed), so the worker that reads a document cuts it too
(``prepare``): the layout made on the UI thread for that same text (the same object) takes the
chunks it left, and the UI thread does only what the screen shows before the first paint.

Control characters are shown as their stand-ins (``sanitize.visible``) a chunk at a time too:
each character is replaced on its own, so a chunk without any (a scan of that chunk) is drawn
from the text itself, and the whole text is sanitized, once, only when a chunk that holds one
is first laid out.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass

from tui.core.sanitize import has_unsafe, visible
from tui.ui.text import markdown
from tui.ui.text.blocks import Chunks, Heading, markdown_chunks, plain_chunks, references
from tui.ui.text.cells import MIN_WIDTH
from tui.ui.text.links import NO_LINKS, Link, Links
from tui.ui.text.rows import EMPTY, Row, placed

CACHE_CHUNKS = 2048
"""Chunks whose rows are kept; one laid out again gets the same rows (and the same count)."""


@dataclass(frozen=True)
class _Cut:
    text: str
    chunks: Chunks
    references: list[tuple[str, str]]


_prepared: dict[bool, _Cut] = {}
"""The last text ``prepare`` cut, as Markdown (True) and as source (False)."""


def prepare(text: str, rendered: bool) -> None:
    """Cut ``text`` into chunks now (in a worker), as Markdown when ``rendered`` (a Markdown
    document opened in the source view cuts its source when shown: 13 ms for 5 MB)."""
    chunks = markdown_chunks(text) if rendered else plain_chunks(text)
    _prepared[rendered] = _Cut(text, chunks, references(text) if rendered else [])
    if rendered:
        markdown.load_parser()


def cut(text: str, rendered: bool) -> tuple[Chunks, list[tuple[str, str]]]:
    """``text``'s chunks (as Markdown when ``rendered``, else as source) and its link references:
    those ``prepare`` left for this very text object, else cut now."""
    found = _prepared.get(rendered)
    if found is not None and found.text is text:
        return found.chunks, found.references
    if rendered:
        return markdown_chunks(text), references(text)
    return plain_chunks(text), []


class DocumentLayout:
    """The rows of ``text`` at ``width`` cells: Markdown rendered, or the source as it is."""

    def __init__(self, text: str, display: str | None, width: int, markdown: bool) -> None:
        self.text = text
        self.display = display
        """``visible(text)``; None until a chunk needs it (a chunk with no control character draws
        from ``text``)."""
        self.markdown = markdown
        """Whether Markdown is rendered (else every chunk shows its source)."""
        self.chunks: Chunks
        self.chunks, self._references = cut(text, markdown)
        self.width = max(width, MIN_WIDTH)
        self._cache: OrderedDict[int, tuple[list[Row], list[int], Links]] = OrderedDict()
        self._exact = bytearray(len(self.chunks.starts))
        self._counts = self._estimates()
        self._tree = _Fenwick(self._counts)
        self._next_pending = 0
        self.generation = 0
        """Bumped whenever a row count changes: row numbers below that chunk moved."""

    @property
    def headings(self) -> list[Heading]:
        """The document's headings, in order (none for source shown as it is)."""
        return self.chunks.headings if self.markdown else []

    @property
    def line_count(self) -> int:
        """Rows in the document (estimated for the chunks not laid out yet)."""
        return self._tree.total

    @property
    def complete(self) -> bool:
        """Whether every chunk has been laid out (so every row number is exact)."""
        return self._next_pending >= len(self._exact)

    def resize(self, width: int) -> None:
        """Lay out again at ``width`` cells (lazily, as for a new document)."""
        width = max(width, MIN_WIDTH)
        if width == self.width:
            return
        self.width = width
        self._cache.clear()
        self._exact = bytearray(len(self.chunks.starts))
        self._counts = self._estimates()
        self._tree = _Fenwick(self._counts)
        self._next_pending = 0
        self.generation += 1

    # ------------------------------------------------------------------ rows

    def row(self, line: int) -> Row:
        """Row ``line`` (0 = the first row of the text)."""
        if line < 0 or self.line_count == 0:
            return EMPTY
        chunk, index = self.locate(line)
        rows = self._rows(chunk)[0]
        if self.line_at(chunk, index) != line or index >= len(rows):
            return EMPTY  # past the end, now that the last chunks are laid out
        return rows[index]

    def locate(self, line: int) -> tuple[int, int]:
        """The chunk holding row ``line`` and the row's index in it (laying the chunk out, so the
        answer is exact: a row past the end is the last row)."""
        while True:
            total = self.line_count
            if total == 0:
                return 0, 0
            line = min(max(line, 0), total - 1)
            chunk = self._tree.find(line)
            rows = self._rows(chunk)[0]
            index = line - self._tree.prefix(chunk)
            if 0 <= index < len(rows):
                return chunk, index

    def line_at(self, chunk: int, index: int) -> int:
        """The row number of row ``index`` of ``chunk``."""
        return self._tree.prefix(chunk) + index

    def line_of(self, offset: int) -> int:
        """The row holding ``offset`` (or the last row drawn before it, when it is hidden)."""
        chunk = self._chunk_of(offset)
        while chunk > 0 and not self._rows(chunk)[0]:
            chunk -= 1
        rows, starts = self._rows(chunk)
        if not rows:
            return 0
        return self._tree.prefix(chunk) + max(bisect_right(starts, offset) - 1, 0)

    def stop_at_or_after(self, offset: int) -> int | None:
        """The first offset drawn at or after ``offset`` (where the cursor can stop)."""
        chunk = self._chunk_of(offset)
        while chunk < len(self._exact):
            rows, starts = self._rows(chunk)
            for row in rows[max(bisect_right(starts, offset) - 1, 0) :]:
                found = row.stop_at_or_after(offset)
                if found is not None:
                    return found
            chunk += 1
        return None

    def stop_at_or_before(self, offset: int) -> int | None:
        """The last offset drawn at or before ``offset``."""
        chunk = self._chunk_of(offset)
        while chunk >= 0:
            rows, starts = self._rows(chunk)
            for row in reversed(rows[: bisect_right(starts, offset)]):
                found = row.stop_at_or_before(offset)
                if found is not None:
                    return found
            chunk -= 1
        return None

    def snap(self, offset: int, forward: bool = True) -> int:
        """The stop nearest ``offset`` in one direction (the other when there is none); 0 when
        nothing at all is drawn."""
        first, second = (
            (self.stop_at_or_after, self.stop_at_or_before)
            if forward
            else (self.stop_at_or_before, self.stop_at_or_after)
        )
        found = first(offset)
        if found is None:
            found = second(offset)
        return found if found is not None else 0

    def link_at(self, offset: int) -> Link | None:
        """The link whose source holds ``offset`` (only a rendered Markdown link is one)."""
        if not self.markdown or not self.chunks.starts:
            return None
        return self._laid_out(self._chunk_of(offset))[2].at(offset)

    def links_in(self, chunk: int) -> Links:
        """The links drawn in ``chunk`` (laying it out)."""
        return self._laid_out(chunk)[2]

    def lay_out_pending(self, seconds: float) -> bool:
        """Lay out chunks not laid out yet, in order, for about ``seconds``; whether any row count
        changed."""
        deadline = time.perf_counter() + seconds
        generation = self.generation
        while self._next_pending < len(self._exact) and time.perf_counter() < deadline:
            if not self._exact[self._next_pending]:
                self._rows(self._next_pending)
            self._next_pending += 1
        return self.generation != generation

    # ------------------------------------------------------------------ chunks

    def _chunk_of(self, offset: int) -> int:
        return max(bisect_right(self.chunks.starts, offset) - 1, 0)

    def _rows(self, chunk: int) -> tuple[list[Row], list[int]]:
        rows, starts, _ = self._laid_out(chunk)
        return rows, starts

    def _laid_out(self, chunk: int) -> tuple[list[Row], list[int], Links]:
        cached = self._cache.get(chunk)
        if cached is not None:
            self._cache.move_to_end(chunk)
            return cached
        links: list[Link] = []
        rows = self._render(chunk, links)
        found = (rows, [row.start for row in rows], Links(links) if links else NO_LINKS)
        self._cache[chunk] = found
        if len(self._cache) > CACHE_CHUNKS:
            self._cache.popitem(last=False)
        if not self._exact[chunk]:
            self._exact[chunk] = 1
            if len(rows) != self._counts[chunk]:
                self._tree.add(chunk, len(rows) - self._counts[chunk])
                self._counts[chunk] = len(rows)
                self.generation += 1
        return found

    def _display(self, start: int, end: int) -> str:
        """A text to draw ``[start, end)`` from: ``visible(text)`` there."""
        if self.display is not None:
            return self.display
        if not has_unsafe(self.text, start, end):
            return self.text
        self.display = visible(self.text)
        return self.display

    def _render(self, chunk: int, links: list[Link]) -> list[Row]:
        chunks = self.chunks
        start, end = chunks.starts[chunk], chunks.ends[chunk]
        noted = len(links)
        rows = self._draw(chunk, self._display(start, end), links)
        if self.display is None and any(has_unsafe(row.text) for row in rows):
            # Drawn from the raw text (its chunk holds no control character), and yet one reached
            # a row: the layout looked past its chunk. Never sent to the terminal: drawn again
            # from the sanitized text.
            del links[noted:]
            self.display = visible(self.text)
            rows = self._draw(chunk, self.display, links)
        last = chunk == len(chunks.starts) - 1
        if self.markdown and rows and not last and (chunks.markdown[chunk] or chunks.markdown[chunk + 1]):
            rows.append(EMPTY)  # a blank row between blocks
        return placed(rows, end)

    def _draw(self, chunk: int, display: str, links: list[Link]) -> list[Row]:
        start, end = self.chunks.starts[chunk], self.chunks.ends[chunk]
        if self.markdown and self.chunks.markdown[chunk]:
            return markdown.render(self.text, display, start, end, self.width, self._references, links)
        return markdown.source_rows(display, start, _without_newline(self.text, start, end), self.width)

    def _estimates(self) -> list[int]:
        """A guess of each chunk's rows from its line lengths (wrapped at the width). In Markdown a
        run of blank lines is one blank row between blocks, and a chunk of blank lines shows none."""
        width, markdown = self.width, self.markdown
        lengths = self.chunks.line_lengths
        firsts = [*self.chunks.first_lines, len(lengths)]
        estimates = []
        for k in range(len(self.chunks.starts)):
            rows, blank = 0, True
            for length in lengths[firsts[k] : firsts[k + 1]]:
                if length:
                    rows += 1 + (length - 1) // width
                elif not (markdown and blank):
                    rows += 1
                blank = not length
            estimates.append(rows)
        return estimates


def _without_newline(text: str, start: int, end: int) -> int:
    """``end``, less the newline that ends the chunk (it starts no row of its own)."""
    return end - 1 if end > start and text[end - 1] == "\n" else end


class _Fenwick:
    """Row counts per chunk: prefix sums and "which chunk holds row n" in log time, updatable."""

    def __init__(self, counts: list[int]) -> None:
        self.size = len(counts)
        self.tree = [0] * (self.size + 1)
        self.total = 0
        for i, count in enumerate(counts):
            self.total += count
            j = i + 1
            self.tree[j] += count
            parent = j + (j & -j)
            if parent <= self.size:
                self.tree[parent] += self.tree[j]
        self._top = 1 << self.size.bit_length() if self.size else 0

    def add(self, index: int, delta: int) -> None:
        self.total += delta
        j = index + 1
        while j <= self.size:
            self.tree[j] += delta
            j += j & -j

    def prefix(self, index: int) -> int:
        """Rows in chunks ``[0, index)``."""
        found, j = 0, index
        while j > 0:
            found += self.tree[j]
            j -= j & -j
        return found

    def find(self, line: int) -> int:
        """The chunk holding row ``line``: the first whose rows, with those before it, exceed it."""
        position, remaining, step = 0, line, self._top
        while step:
            nxt = position + step
            if nxt <= self.size and self.tree[nxt] <= remaining:
                position = nxt
                remaining -= self.tree[nxt]
            step >>= 1
        return min(position, self.size - 1)
