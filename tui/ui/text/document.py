"""A whole document as rows, cut into chunks and laid out chunk by chunk as they are needed.

The reader asks for row ``n`` (to draw it), for the row holding an offset (to show the cursor),
and for the nearest place the cursor can stop. ``DocumentLayout`` answers from chunks (see
``blocks``) laid out on first use and kept in a bounded cache: opening a 5 MB document lays
out only the screenful shown. Until a chunk is laid out its row count is an estimate from its
line lengths; a Fenwick tree of the counts maps a row number to its chunk in log time, and
corrects every number below a chunk at once when its count becomes exact. ``lay_out_pending``
lays out the rest in small steps, so the scrollbar settles while the reader is idle.

The text is not even cut into chunks before it is shown: cutting reads every line (some 60 ms
for 5 MB of Markdown), so it goes only as far as what is asked for needs (``blocks.Cutter``),
and the rest is estimated from the part cut (rows per character) until the reader's idle steps
(``cut_pending``) or a jump (``G``, ``n``, the outline) cut further. The worker that reads a
document cuts its first screens (``prepare``) and imports markdown-it; the layout made on the UI
thread for that same text (the same object) goes on from where it stopped.

The links of a chunk (``links``) are noted as it is laid out and kept with its rows: ``link_at``
answers for the cursor's offset, whose chunk is on screen, so laid out already.

Control characters are shown as their stand-ins (``sanitize.visible``) a chunk at a time too:
each character is replaced on its own, so a chunk without any (a scan of that chunk) is drawn
from the text itself, and the whole text is sanitized, once, only when a chunk that holds one
is first laid out.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict

from tui.core.sanitize import has_unsafe, visible
from tui.ui.text import markdown
from tui.ui.text.blocks import Chunks, Cutter, Heading
from tui.ui.text.cells import MIN_WIDTH
from tui.ui.text.fenwick import Fenwick
from tui.ui.text.links import NO_LINKS, Link, Links
from tui.ui.text.rows import EMPTY, Row, placed

CACHE_CHUNKS = 2048
"""Chunks whose rows are kept; one laid out again gets the same rows (and the same count)."""
FIRST_CUT = 65_536
"""Characters ``prepare`` cuts: the first screens of a document opened at its start (a dozen at
the widest measure), in about a millisecond."""

_prepared: dict[bool, Cutter] = {}
"""The last text cut, as Markdown (True) and as source (False): the cut a worker began, which the
layouts of that text (and the reader's outline) share and carry on."""


def cutter(text: str, rendered: bool) -> Cutter:
    """The cut of ``text`` (as Markdown when ``rendered``, else as source) begun for this very
    text object, else a new one (kept for the next layout of the same text)."""
    found = _prepared.get(rendered)
    if found is None or found.text is not text:
        found = _prepared[rendered] = Cutter(text, rendered)
    return found


def prepare(text: str, rendered: bool) -> None:
    """(In the worker that read ``text``.) Cut its first screens, find its link references and
    import markdown-it now, rather than on the UI thread before its first paint."""
    cut = cutter(text, rendered)
    cut.advance(FIRST_CUT)
    if rendered:
        _ = cut.references
        markdown.load_parser()


class DocumentLayout:
    """The rows of ``text`` at ``width`` cells: Markdown rendered, or the source as it is."""

    def __init__(self, text: str, display: str | None, width: int, markdown: bool) -> None:
        self.text = text
        self.display = display
        """``visible(text)``; None until a chunk needs it (a chunk with no control character draws
        from ``text``)."""
        self.markdown = markdown
        """Whether Markdown is rendered (else every chunk shows its source)."""
        self._cutter = cutter(text, markdown)
        if not self._cutter.chunks.starts:
            self._cutter.advance(seconds=0)  # one step: a short text is cut whole, its rows estimated
        self._chunks = self._cutter.chunks
        """The chunks cut so far (the cut may be shared, and carried on by another user)."""
        self.width = max(width, MIN_WIDTH)
        self._cache: OrderedDict[int, tuple[list[Row], list[int], Links]] = OrderedDict()
        self.generation = 0
        """Bumped whenever a row count changes: row numbers below that chunk moved."""
        self._start_counts()

    def _start_counts(self) -> None:
        self._exact = bytearray()
        self._counts: list[int] = []
        self._tree = Fenwick()
        self._tail = 0
        """Estimated rows of the text not cut yet."""
        self._next_pending = 0
        self._take_chunks(start=True)

    @property
    def chunks(self) -> Chunks:
        """The document's chunks, all of them (the text is cut to its end first)."""
        self._cut_rest()
        return self._chunks

    @property
    def headings(self) -> list[Heading]:
        """The document's headings, in order, all of them (none for source shown as it is)."""
        self._cut_rest()
        return self._chunks.headings if self.markdown else []

    @property
    def line_count(self) -> int:
        """Rows in the document (estimated for the chunks not laid out, or not cut, yet)."""
        self._take_chunks()
        return self._tree.total + self._tail

    @property
    def cut_complete(self) -> bool:
        """Whether the whole text is cut into chunks."""
        return self._cutter.complete

    @property
    def complete(self) -> bool:
        """Whether every chunk has been cut and laid out (so every row number is exact)."""
        self._take_chunks()
        return self._cutter.complete and self._next_pending >= len(self._exact)

    def resize(self, width: int) -> None:
        """Lay out again at ``width`` cells (lazily, as for a new document)."""
        width = max(width, MIN_WIDTH)
        if width == self.width:
            return
        self.width = width
        self._cache.clear()
        self._start_counts()
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
            if line >= self._tree.total:  # in the part not cut yet: cut on until a chunk holds it
                self._cutter.advance(self._cutter.cut_to)
                continue
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
        while self._has_chunk(chunk):
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
        if not self.markdown:
            return None
        return self._laid_out(self._chunk_of(offset))[2].at(offset)

    def links_in(self, chunk: int) -> Links:
        """The links drawn in ``chunk`` (laying it out)."""
        return self._laid_out(chunk)[2]

    def cut_pending(self, seconds: float) -> bool:
        """Cut the text further for about ``seconds``; whether the row count changed."""
        generation = self.generation
        if not self._cutter.complete:
            self._cutter.advance(seconds=seconds)
            self._take_chunks()
        return self.generation != generation

    def lay_out_pending(self, seconds: float) -> bool:
        """Cut the text, then lay out chunks not laid out yet, in order, for about ``seconds``;
        whether any row count changed."""
        deadline = time.perf_counter() + seconds
        generation = self.generation
        self.cut_pending(seconds)
        while self._next_pending < len(self._exact) and time.perf_counter() < deadline:
            if not self._exact[self._next_pending]:
                self._rows(self._next_pending)
            self._next_pending += 1
        return self.generation != generation

    # ------------------------------------------------------------------ chunks

    def _take_chunks(self, start: bool = False) -> None:
        """Count the rows of the chunks cut since last asked (an estimate each), and estimate the
        rest of the text from the part cut (``start``: a layout's first count)."""
        chunks, known = self._chunks, len(self._counts)
        if len(chunks.starts) == known and not start:
            return
        for k in range(known, len(chunks.starts)):
            count = self._estimate(k)
            self._counts.append(count)
            self._exact.append(0)
            self._tree.append(count)
        self._tail = 0
        if not self._cutter.complete:
            cut, rest, rows = self._cutter.cut_to, len(self.text) - self._cutter.cut_to, self._tree.total
            self._tail = max(rest * rows // cut if cut and rows else rest // self.width, 1)
        self.generation += 1

    def _cut_rest(self) -> None:
        self._cutter.finish()
        self._take_chunks()

    def _has_chunk(self, chunk: int) -> bool:
        """Whether ``chunk`` exists (cutting on to it if need be)."""
        while chunk >= len(self._chunks.starts) and not self._cutter.complete:
            self._cutter.advance(self._cutter.cut_to)
        self._take_chunks()
        return chunk < len(self._chunks.starts)

    def _chunk_of(self, offset: int) -> int:
        if offset >= self._cutter.cut_to:
            self._cutter.advance(offset)
        self._take_chunks()
        return max(bisect_right(self._chunks.starts, offset) - 1, 0)

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
        chunks = self._chunks
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
        between = self.markdown and rows and self._has_chunk(chunk + 1)
        if between and (chunks.markdown[chunk] or chunks.markdown[chunk + 1]):
            rows.append(EMPTY)  # a blank row between blocks
        return placed(rows, end)

    def _draw(self, chunk: int, display: str, links: list[Link]) -> list[Row]:
        start, end = self._chunks.starts[chunk], self._chunks.ends[chunk]
        if self.markdown and self._chunks.markdown[chunk]:
            references = self._cutter.references
            return markdown.render(self.text, display, start, end, self.width, references, links)
        return markdown.source_rows(display, start, _without_newline(self.text, start, end), self.width)

    def _estimate(self, chunk: int) -> int:
        """A guess of a chunk's rows from its line lengths (wrapped at the width). In Markdown a
        run of blank lines is one blank row between blocks, and a chunk of blank lines shows none."""
        width, markdown = self.width, self.markdown
        first, last = self._cutter.lines_of(chunk)
        rows, blank = 0, True
        for length in self._chunks.line_lengths[first:last]:
            if length:
                rows += 1 + (length - 1) // width
            elif not (markdown and blank):
                rows += 1
            blank = not length
        return rows


def _without_newline(text: str, start: int, end: int) -> int:
    """``end``, less the newline that ends the chunk (it starts no row of its own)."""
    return end - 1 if end > start and text[end - 1] == "\n" else end
