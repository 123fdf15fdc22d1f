"""Where an annotation sits in a document, and finding that place again after the text changed.

A target is a W3C-style pair of selectors on ``Document.text``: the quoted passage with up to 32
characters of context either side (TextQuoteSelector) and its code-point offsets
(TextPositionSelector). When the text changed, ``reanchor`` proceeds as Hypothesis does:

1. the stored offsets still hold the quote: ``anchored``;
2. else every exact occurrence of the quote, choosing by how well the context fits and then by
   nearness to the old offsets: ``moved``;
3. else a fuzzy match of the quote (rapidfuzz's alignment, near the old place first), accepted
   above ``FUZZY_THRESHOLD``: ``fuzzy``;
4. else ``orphaned``: the target is kept unchanged, so the quote is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

CONTEXT = 32
"""Characters of prefix and suffix kept with a quote."""
FUZZY_THRESHOLD = 85.0
"""Lowest rapidfuzz score (0-100) at which a changed passage is still taken as the quote."""
MIN_FUZZY_QUOTE = 12
"""Shorter quotes are too ambiguous to match fuzzily: they are found exactly or orphaned."""
MAX_OCCURRENCES = 2_000
NEARBY = 256
"""Characters either side of the expected place searched first for an exact, well-fitting quote."""
FUZZY_WINDOW = 4_000
"""Characters either side of the old place searched first for a fuzzy match."""
FUZZY_WHOLE_TEXT = 2_000_000
"""Texts up to this size are searched whole when the window around the old place fails."""

Status = Literal["anchored", "moved", "fuzzy", "orphaned"]
STATUSES: tuple[Status, ...] = ("anchored", "moved", "fuzzy", "orphaned")


@dataclass(frozen=True)
class Target:
    """A passage of a document: the quote, its context and its offsets (end exclusive)."""

    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


def target_at(text: str, start: int, end: int) -> Target:
    """The target for ``text[start:end]``."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    return Target(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


def reanchor(target: Target, text: str, shift: int = 0) -> tuple[Target, Status]:
    """Find ``target`` in ``text``: the new target and how it was found.

    ``shift`` is a hint: how far the previous annotation moved (edits above a passage move
    everything below by the same amount), tried before the text is searched as a whole.
    """
    if not target.exact:
        return target, "orphaned"
    if text[target.start : target.end] == target.exact:
        return target, "anchored"
    found = _nearby_perfect_fit(target, text, shift)
    if found is None:
        found = _best_occurrence(target, text)
    if found is not None:
        return replace(target, start=found, end=found + len(target.exact)), "moved"
    span = _fuzzy(target, text)
    if span is not None:
        return replace(target, start=span[0], end=span[1]), "fuzzy"
    return target, "orphaned"


def reanchor_all(targets: Sequence[Target], text: str) -> list[tuple[Target, Status]]:
    """Re-anchor many targets, in document order, passing each shift on as the next hint."""
    found: list[tuple[Target, Status]] = []
    shift = 0
    for target in targets:
        new, status = reanchor(target, text, shift)
        if status in ("anchored", "moved"):
            shift = new.start - target.start
        found.append((new, status))
    return found


def _nearby_perfect_fit(target: Target, text: str, shift: int) -> int | None:
    """The occurrence nearest the expected place (old, or shifted) whose whole context still fits."""
    best = len(target.prefix) + len(target.suffix)
    for guess in dict.fromkeys((target.start + shift, target.start)):
        high = guess + NEARBY + len(target.exact)
        fits = []
        at = text.find(target.exact, max(0, guess - NEARBY), high)
        while at >= 0:
            if _context_fit(target, text, at) == best:
                fits.append(at)
            at = text.find(target.exact, at + 1, high)
        if fits:
            return min(fits, key=lambda s: abs(s - guess))
    return None


def _best_occurrence(target: Target, text: str) -> int | None:
    starts: list[int] = []
    at = text.find(target.exact)
    while at >= 0 and len(starts) < MAX_OCCURRENCES:
        starts.append(at)
        at = text.find(target.exact, at + 1)
    if not starts:
        return None
    return max(starts, key=lambda s: (_context_fit(target, text, s), -abs(s - target.start)))


def _context_fit(target: Target, text: str, start: int) -> int:
    """Characters of the stored prefix and suffix that match around ``start``."""
    end = start + len(target.exact)
    before = text[max(0, start - len(target.prefix)) : start]
    after = text[end : end + len(target.suffix)]
    return _common_suffix(before, target.prefix) + _common_prefix(after, target.suffix)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


def _fuzzy(target: Target, text: str) -> tuple[int, int] | None:
    if len(target.exact) < MIN_FUZZY_QUOTE or not text:
        return None
    from rapidfuzz import fuzz  # here, not at the top: the indexer's start-up never needs it

    reach = FUZZY_WINDOW + len(target.exact)
    low = max(0, min(target.start, len(text)) - reach)
    windows = [(low, text[low : target.end + reach])]
    if len(text) <= FUZZY_WHOLE_TEXT and len(windows[0][1]) < len(text):
        windows.append((0, text))
    for base, window in windows:
        if len(window) < len(target.exact) // 2:
            continue
        found = fuzz.partial_ratio_alignment(target.exact, window, score_cutoff=FUZZY_THRESHOLD)
        if found is not None:
            start, end = base + found.dest_start, base + found.dest_end
            while start < end and text[start].isspace() and not target.exact[0].isspace():
                start += 1
            while end > start and text[end - 1].isspace() and not target.exact[-1].isspace():
                end -= 1
            if end > start:
                return start, end
    return None
