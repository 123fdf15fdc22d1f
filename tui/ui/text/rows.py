"""One row of the reader as drawn, with the offset in the document of every character on it.

A row is what one screen line of text shows: its drawn characters (tabs expanded, Markdown markers
gone, a bullet or a quote bar added), and beside each the code-point offset in the document text
it stands for, or ``NOWHERE`` for what the layout added (bullets, bars, table rules, padding).
Offsets on a row only grow from left to right (a tab's spaces, or an entity's characters, repeat
one), so a row covers the document range ``[start, end)``. Every position the reader deals in
is an offset: a hit, an annotation or a selection is painted on the characters whose offsets it
covers, and the cursor stops only where some character is drawn. Hidden markers have no
character, so no cursor, hit or highlight ever lands on one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.ui.text.cells import cell_width, drawn, wrap

NOWHERE = -1
"""The offset of a character the layout drew (a bullet, a bar, padding), not the document."""

StyleSpan = tuple[int, int, str]
"""``(first, last + 1, component)``: drawn characters of a row painted with a component class."""


@dataclass(frozen=True, slots=True)
class Row:
    """A screen line of text and the map from its characters back to the document."""

    text: str
    """The characters as drawn (no tab, no newline, no control character)."""
    sources: Sequence[int]
    """The document offset of each drawn character (``NOWHERE`` for added ones); a ``range`` when
    the row is a run of the document drawn one character each."""
    styles: tuple[StyleSpan, ...] = ()
    """Component classes over drawn characters, in the order they are applied."""
    start: int = 0
    """The first offset drawn on the row (for a row without one: where the next drawn one is)."""
    end: int = 0
    """One past the last offset drawn on the row (``start`` when it draws none)."""

    @property
    def has_stops(self) -> bool:
        """Whether the cursor can stop on this row (it draws a character of the document)."""
        return self.end > self.start

    def spans(self, low: int, high: int) -> list[tuple[int, int]]:
        """The runs of drawn characters whose offsets lie in ``[low, high)``."""
        if high <= self.start or low >= self.end:
            return []
        sources = self.sources
        if isinstance(sources, range):
            first, last = max(low, self.start) - self.start, min(high, self.end) - self.start
            return [(first, last)] if first < last else []
        found: list[tuple[int, int]] = []
        run = -1
        for i, offset in enumerate(sources):
            if low <= offset < high:
                if run < 0:
                    run = i
            elif run >= 0:
                found.append((run, i))
                run = -1
        if run >= 0:
            found.append((run, len(sources)))
        return found

    def cells(self) -> list[int]:
        """The cell where each drawn character begins, and where the row ends."""
        if self.text.isascii():
            return list(range(len(self.text) + 1))
        found = [0]
        column = 0
        for char in self.text:
            column += cell_width(char)
            found.append(column)
        return found

    def position_of(self, offset: int) -> int | None:
        """The first drawn character for ``offset`` (None when the row does not draw it)."""
        sources = self.sources
        if isinstance(sources, range):
            return offset - self.start if self.start <= offset < self.end else None
        for i, source in enumerate(sources):
            if source == offset:
                return i
            if source > offset:
                return None
        return None

    def cell_of(self, offset: int) -> int:
        """The cell where ``offset`` is drawn (past the last character when the row does not draw it)."""
        position = self.position_of(offset)
        cells = self.cells()
        return cells[position] if position is not None else cells[-1]

    def offset_at(self, position: int) -> int:
        """The offset under drawn character ``position``: the next one drawn when the layout added
        that character, ``end`` past the last."""
        sources = self.sources
        for i in range(max(position, 0), len(sources)):
            if sources[i] != NOWHERE:
                return sources[i]
        return self.end

    def offset_at_cell(self, column: int) -> int:
        """The stop nearest cell ``column``: the offset drawn there, else the next one drawn to its
        right, else the last one on the row (``start`` on a row without any)."""
        if not self.has_stops:
            return self.start
        cells = self.cells()
        position = len(self.text)
        for i in range(len(self.text)):
            if cells[i + 1] > column:
                position = i
                break
        found = self.offset_at(position)
        return found if found < self.end else self.last_stop

    @property
    def first_stop(self) -> int:
        """The first offset drawn (``start``)."""
        return self.start

    @property
    def last_stop(self) -> int:
        """The last offset drawn (``start`` on a row without any)."""
        return self.end - 1 if self.has_stops else self.start

    def stop_at_or_after(self, offset: int) -> int | None:
        """The first offset drawn at or after ``offset``."""
        if offset >= self.end or not self.has_stops:
            return None
        if offset <= self.start:
            return self.start
        if isinstance(self.sources, range):
            return offset
        return next((s for s in self.sources if s >= offset), None)

    def stop_at_or_before(self, offset: int) -> int | None:
        """The last offset drawn at or before ``offset``."""
        if offset < self.start or not self.has_stops:
            return None
        if offset >= self.end - 1:
            return self.last_stop
        if isinstance(self.sources, range):
            return offset
        found = None
        for source in self.sources:
            if source > offset:
                break
            if source != NOWHERE:
                found = source
        return found


EMPTY = Row("", ())


def source_rows(display: str, start: int, end: int, width: int, style: str | None = None) -> list[Row]:
    """``display[start:end]`` as it is, wrapped at ``width``."""
    starts, ends = wrap(display, width, start, end)
    return [plain_row(display, s, e, style) for s, e in zip(starts, ends, strict=True)]


def plain_row(display: str, start: int, end: int, style: str | None = None) -> Row:
    """The source ``display[start:end]`` (one visual line) drawn as it is, tabs expanded."""
    shown, index = drawn(display, start, end)
    sources: Sequence[int]
    if index is None:
        sources = range(start, end)
    else:
        sources = tuple(start + k for k in range(end - start) for _ in range(index[k + 1] - index[k]))
    styles = ((0, len(shown), style),) if style and shown else ()
    return Row(shown, sources, styles, start, end)


class RowBuilder:
    """Assembles a row from added pieces (bullets, bars, padding) and document characters."""

    __slots__ = ("chars", "sources", "styles")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.sources: list[int] = []
        self.styles: list[StyleSpan] = []

    def __len__(self) -> int:
        return len(self.chars)

    def add(self, text: str, component: str | None = None) -> None:
        """Draw ``text`` that is not in the document (one character per code point)."""
        if component and text:
            self.styles.append((len(self.chars), len(self.chars) + len(text), component))
        self.chars.extend(text)
        self.sources.extend([NOWHERE] * len(text))

    def add_mapped(self, char: str, source: int) -> None:
        """Draw one character that stands for document offset ``source``."""
        self.chars.append(char)
        self.sources.append(source)

    def style(self, first: int, last: int, component: str) -> None:
        """Paint drawn characters ``[first, last)`` with ``component``."""
        if first < last:
            self.styles.append((first, last, component))

    def build(self) -> Row:
        """The row; where it draws no document character, it starts and ends at ``NOWHERE`` until
        the layout places it (``placed``)."""
        drawn_offsets = [s for s in self.sources if s != NOWHERE]
        start = drawn_offsets[0] if drawn_offsets else NOWHERE
        end = drawn_offsets[-1] + 1 if drawn_offsets else NOWHERE
        return Row("".join(self.chars), tuple(self.sources), tuple(self.styles), start, end)


def placed(rows: list[Row], after: int) -> list[Row]:
    """``rows`` with every row that draws no document character given the offset of the next one
    that does (``after`` past the last), so row starts only grow and a lookup by offset lands on
    a row the cursor can stop on."""
    following = after
    out = list(rows)
    for i in range(len(out) - 1, -1, -1):
        row = out[i]
        if row.has_stops and row.start >= 0:
            following = row.start
        else:
            out[i] = Row(row.text, row.sources, row.styles, following, following)
    return out
