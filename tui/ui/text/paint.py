"""Painting a row: its own styles, then annotations, hits, the selection and the cursor, by offset.

Annotations are background colours; where two or more overlap the characters are underlined
(doubly where three do), so nested and overlapping labels stay distinct; suggestions (made by
pre-annotation, not yet accepted) are paler and italic.

Everything the reader highlights is a range of document offsets; ``Row.spans`` turns a range into
the runs of drawn characters that stand for it, so a highlight covers exactly the characters of
its range that are drawn (a hidden marker inside it takes no cell, a bullet beside it none of
the colour). Rows become ``rich.text.Text`` from plain characters: nothing is read as markup.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from rich.color import Color
from rich.color_triplet import ColorTriplet
from rich.style import Style
from rich.text import Text

from tui.ui.text.rows import Row

if TYPE_CHECKING:
    from tui.core.annotations import Annotation

StyleOf = Callable[[str], Style]
"""A component class name (``reader--hit``) to its style."""


class Annotations:
    """A document's placed annotations, sorted, with lookups by offset range."""

    def __init__(self, annotations: Sequence[Annotation], length: int) -> None:
        placed = [a for a in annotations if a.anchor != "orphaned" and a.end <= length]
        self.all = tuple(sorted(placed, key=lambda a: (a.start, a.end)))
        """Placed annotations (orphans are listed elsewhere, not drawn), by start."""
        self._starts = [a.start for a in self.all]
        self._longest = max((a.end - a.start for a in self.all), default=0)

    def between(self, start: int, end: int) -> list[Annotation]:
        """Those that overlap ``[start, end)``, in order."""
        low = bisect_right(self._starts, start - self._longest - 1)
        high = bisect_right(self._starts, end)
        return [a for a in self.all[low:high] if a.start < end and a.end > start]

    def at(self, offset: int) -> Annotation | None:
        """The innermost (shortest) one holding ``offset``."""
        holding = [a for a in self.between(offset, offset + 1) if a.start <= offset < a.end]
        return min(holding, key=lambda a: a.end - a.start) if holding else None


def row_text(row: Row, base: Style, style_of: StyleOf) -> Text:
    """The row's characters with its own styles (Markdown structure, bullets, code)."""
    text = Text(row.text, style=base, no_wrap=True, end="")
    for first, last, component in row.styles:
        text.stylize(style_of(component), first, last)
    return text


def paint(text: Text, row: Row, style: Style, low: int, high: int) -> None:
    """Style the characters of ``row`` drawn for document offsets ``[low, high)``."""
    for first, last in row.spans(low, high):
        text.stylize(style, first, last)


OVERLAP = Style(underline=True)
"""Where two annotations overlap (or one is nested in another): underlined, in the inner one's colour."""
OVERLAP_DEEPER = Style(underline2=True)
"""Where three or more overlap: a double underline (a single one where the terminal has none)."""
SUGGESTED = Style(italic=True)
"""A suggestion (pre-annotation not yet accepted): italic, on a background half as strong."""
SUGGESTED_STRENGTH = 0.5


def paint_annotations(
    text: Text, row: Row, here: list[Annotation], current: str | None, style_of: StyleOf, current_style: Style
) -> Annotation | None:
    """Colour the annotations ``here`` on a row; the first one with a note (for the margin bar).

    Longer annotations are painted first, so one nested in (or starting with) another shows, and
    the characters two or more of them cover are underlined (``OVERLAP``): nested and overlapping
    spans stay apart. Suggestions are paler and italic (``SUGGESTED``).
    """
    base = text.style.bgcolor if isinstance(text.style, Style) else None
    for annotation in sorted(here, key=lambda a: a.start - a.end) if len(here) > 1 else here:
        style = style_of(f"reader--{annotation.color}")
        if annotation.suggested:
            style = suggested_style(style, base)
        paint(text, row, style, annotation.start, annotation.end)
        if annotation.id == current:
            paint(text, row, current_style, annotation.start, annotation.end)
    if len(here) > 1:
        for low, high, depth in overlaps(here, row.start, row.end):
            paint(text, row, OVERLAP if depth == 2 else OVERLAP_DEEPER, low, high)
    return next((a for a in here if a.note), None)


def suggested_style(style: Style, background: Color | None) -> Style:
    """A highlight's style for a suggestion: its background halfway to the text's, italic."""
    colour = style.bgcolor
    if colour is not None and background is not None:
        mine, theirs = colour.get_truecolor(), background.get_truecolor()
        mixed = ColorTriplet(
            *(round(b + (m - b) * SUGGESTED_STRENGTH) for m, b in zip(mine, theirs, strict=True))
        )
        style = style + Style(bgcolor=Color.from_triplet(mixed))
    return style + SUGGESTED


def overlaps(annotations: Sequence[Annotation], low: int, high: int) -> list[tuple[int, int, int]]:
    """The runs of ``[low, high)`` that two or more ``annotations`` cover: (start, end, how many)."""
    bounds = sorted({low, high, *(p for a in annotations for p in (a.start, a.end) if low < p < high)})
    runs: list[tuple[int, int, int]] = []
    for start, end in pairwise(bounds):
        depth = sum(1 for a in annotations if a.start <= start and a.end >= end)
        if depth < 2:
            continue
        if runs and runs[-1][1] == start and runs[-1][2] == depth:
            runs[-1] = (runs[-1][0], end, depth)
        else:
            runs.append((start, end, depth))
    return runs


def paint_targets(
    text: Text, row: Row, targets: list[tuple[int, int]], current: int, style: Style, current_style: Style
) -> None:
    """Highlight the hits (or matches) on a row; ``current`` (an index) stands out."""
    if not targets or not row.has_stops:
        return
    chosen = targets[current] if 0 <= current < len(targets) else None
    # By index from the row's place, never a slice: a slice copies every target after the row,
    # tens of thousands per row on a long document.
    for i in range(max(bisect_right(targets, (row.start, row.start)) - 1, 0), len(targets)):
        s, e = targets[i]
        if s >= row.end:
            break
        if e > row.start:
            paint(text, row, current_style if (s, e) == chosen else style, s, e)
