"""Pages of a converted PDF: where each starts in the text, and which page an offset is on.

A PDF's text starts every page with a marker line of its own, ``## Page N`` (N counts the PDF's
pages from 1), preceded by a blank line unless it opens the text. It is a Markdown heading, so
the reader's outline lists the pages; the page's own text never starts a line with ``#`` (the
converter escapes it), so a marker is always lectern's. Exports use ``page_at`` to give an
annotation's page (a Location column, a citation).
"""

from __future__ import annotations

import re
from bisect import bisect_right

MARKER = "## Page {number}"
"""The line that starts page ``number``."""
_MARKER = re.compile(r"^## Page ([0-9]{1,7})$", re.MULTILINE)


def marker(number: int) -> str:
    """The marker line of page ``number``."""
    return MARKER.format(number=number)


def page_starts(text: str) -> list[tuple[int, int]]:
    """Each page's number and the offset of its marker in ``text``, in order."""
    return [(int(found.group(1)), found.start()) for found in _MARKER.finditer(text)]


def page_at(text: str, offset: int, starts: list[tuple[int, int]] | None = None) -> int | None:
    """The number of the page ``offset`` (a code-point offset into ``text``) lies on; None before
    the first page or in a text without page markers. Pass ``starts`` (``page_starts(text)``)
    when asking for many offsets of one text."""
    found = page_starts(text) if starts is None else starts
    index = bisect_right([start for _, start in found], offset) - 1
    return found[index][0] if index >= 0 else None
