"""The one phrase matcher: where word ``i`` of a phrase stands at position ``p + i``.

Every path that checks a phrase uses it: the bulk evaluator over a segment's positions (where
documents are kept apart by a gap), hit spans over one document's occurrences, and the
matcher that runs through Whoosh. The rarest word anchors; the others are looked up by binary
search in their sorted positions, or in a bitmap when they are common.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_SEARCH_LIMIT = 64
"""A word with fewer positions than the span over this is checked by binary search; a commoner
one by a bitmap of the span."""


def phrase_anchor(positions: Sequence[Any], span: int | None = None) -> tuple[int, Any]:
    """The anchor (the word with fewest positions) and, over its positions, which start a
    phrase: the other words stand where they should. ``positions`` are each word's sorted
    positions (a word repeated in the phrase repeats its array); ``span`` bounds them all."""
    anchor = min(range(len(positions)), key=lambda i: len(positions[i]))
    starts = np.asarray(positions[anchor], dtype=np.int64) - anchor
    found = np.ones(len(starts), dtype=bool)
    if span is None:
        span = 1 + max((int(p[-1]) for p in positions if len(p)), default=0)
    for i, others in enumerate(positions):
        if i == anchor:
            continue
        found &= _holds(np.asarray(others), starts + i, span + len(positions) + 1)
        if not found.any():
            break
    return anchor, found


def phrase_starts(positions: Sequence[Any], span: int | None = None) -> Any:
    """The positions ``p`` of the first word where the phrase stands, sorted."""
    anchor, found = phrase_anchor(positions, span)
    return np.asarray(positions[anchor], dtype=np.int64)[found] - anchor


def _holds(positions: Any, wanted: Any, size: int) -> Any:
    """Which of ``wanted`` are among the sorted ``positions`` (a negative one never is)."""
    if len(wanted) * _SEARCH_LIMIT < size:
        probes = np.where(wanted >= 0, wanted, 0).astype(positions.dtype)  # the same type: no copy
        at = np.searchsorted(positions, probes)
        inside = (at < len(positions)) & (wanted >= 0)
        return inside & (positions[np.where(inside, at, 0)] == probes)
    marks = np.zeros(size, dtype=bool)
    marks[positions] = True
    inside = wanted >= 0
    return inside & marks[np.where(inside, wanted, 0)]
