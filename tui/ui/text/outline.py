"""A document's headings as the reader asks for them, from a cut that may not have reached them.

The status line names the section the cursor is in, ``o`` lists every heading, and a link's
``#fragment`` names one. Headings are noted as ``blocks.Cutter`` reads the lines, and a large
document is cut only as far as it has been shown (``tui.ui.text.document``), so the section
asks the cut to reach the cursor (every heading before it is then known), and the outline and
anchors ask for the rest. A plain text, or Markdown shown as its source, is cut as Markdown
apart (only as far as these answers need).
"""

from __future__ import annotations

from bisect import bisect_right

from tui.ui.text.blocks import Cutter, Heading
from tui.ui.text.links import slug


class Outline:
    """The headings of one text; ``cut`` None: it has none (plain text)."""

    def __init__(self, cut: Cutter | None) -> None:
        self._cut = cut
        self._starts: list[int] = []

    @property
    def _headings(self) -> list[Heading]:
        return self._cut.chunks.headings if self._cut is not None else []

    def all(self) -> list[Heading]:
        """Every heading, in order (the text is cut to its end first)."""
        if self._cut is not None:
            self._cut.finish()
        return self._headings

    def section_at(self, offset: int) -> int:
        """The index of the last heading at or before ``offset`` (-1: none)."""
        if self._cut is None:
            return -1
        if offset >= self._cut.cut_to:
            self._cut.advance(offset)
        headings = self._headings
        if len(self._starts) < len(headings):
            self._starts += (h.offset for h in headings[len(self._starts) :])
        return bisect_right(self._starts, offset) - 1

    def title(self, index: int) -> str | None:
        """The title of heading ``index`` (known: ``section_at`` found it), or None for -1."""
        return self._headings[index].title if index >= 0 else None

    def anchor(self, fragment: str) -> int | None:
        """Where the heading a ``#fragment`` names starts (GitHub's anchors: ``slug`` of its title,
        ``-1``, ``-2``... after repeats); None when no heading has that anchor."""
        wanted = fragment.strip().lower()
        seen: dict[str, int] = {}
        for heading in self.all():
            base = slug(heading.title)
            count = seen.get(base, 0)
            seen[base] = count + 1
            if (base if count == 0 else f"{base}-{count}") == wanted:
                return heading.offset
        return None
