"""Painting a row: its own styles, then annotations, hits, the selection and the cursor, by offset.

Everything the reader highlights is a range of document offsets; ``Row.spans`` turns a range into
the runs of drawn characters that stand for it, so a highlight covers exactly the characters of
its range that are drawn (a hidden marker inside it takes no cell, a bullet beside it none of
the colour). Rows become ``rich.text.Text`` from plain characters: nothing is read as markup.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence

from rich.style import Style
from rich.text import Text

from tui.core.annotations import Annotation
from tui.ui.text.rows import Row

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


def paint_annotations(
    text: Text, row: Row, here: list[Annotation], current: str | None, style_of: StyleOf, current_style: Style
) -> Annotation | None:
    """Colour the annotations ``here`` on a row; the first one with a note (for the margin bar).

    Longer annotations are painted first, so one nested in (or starting with) another shows.
    """
    for annotation in sorted(here, key=lambda a: a.start - a.end) if len(here) > 1 else here:
        paint(text, row, style_of(f"reader--{annotation.color}"), annotation.start, annotation.end)
        if annotation.id == current:
            paint(text, row, current_style, annotation.start, annotation.end)
    return next((a for a in here if a.note), None)


def paint_targets(
    text: Text, row: Row, targets: list[tuple[int, int]], current: int, style: Style, current_style: Style
) -> None:
    """Highlight the hits (or matches) on a row; ``current`` (an index) stands out."""
    if not targets or not row.has_stops:
        return
    chosen = targets[current] if 0 <= current < len(targets) else None
    for s, e in targets[max(bisect_right(targets, (row.start, row.start)) - 1, 0) :]:
        if s >= row.end:
            break
        if e > row.start:
            paint(text, row, current_style if (s, e) == chosen else style, s, e)
