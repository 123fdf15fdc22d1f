"""Where a query matched, as code-point spans, and the snippet that shows the most of them.

Spans come from an occurrence lookup (term -> positions, starts, ends): the index's stored
offsets when the text is the indexed version, else ``offsets_in_text`` over the text itself
with the same analyzer. Phrases are found by consecutive positions, so what the search matched
is exactly what the reader highlights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tui.core.search.analysis import term_offsets
from tui.core.search.phrases import phrase_starts
from tui.core.search.types import Span

SNIPPET_CHARS = 180
Occurrences = tuple[Any, Any, Any]
"""One term in one document: numpy arrays of its positions, start and end offsets."""
Postings = Callable[[str], "Occurrences | None"]


def offsets_in_text(text: str) -> Callable[[str], Occurrences | None]:
    """A term -> occurrences lookup over ``text`` itself (when it is newer than the index)."""
    import numpy as np

    offsets = term_offsets(text)

    def lookup(term: str) -> Occurrences | None:
        flat = offsets.get(term)
        if flat is None:
            return None
        triples = np.asarray(flat, dtype=np.int64).reshape(-1, 3)
        return triples[:, 0], triples[:, 1], triples[:, 2]

    return lookup


def phrase_spans(words: Sequence[str], postings: Postings) -> tuple[Any, Any]:
    """Spans from the first word's start to the last word's end, where the words stand in order."""
    import numpy as np

    found = [f for f in map(postings, words) if f is not None]
    if not found or len(found) != len(words):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = phrase_starts([positions for positions, _, _ in found])
    (first_positions, first_starts, _), (last_positions, _, last_ends) = found[0], found[-1]
    begin = first_starts[np.searchsorted(first_positions, starts)]
    return begin, last_ends[np.searchsorted(last_positions, starts + len(words) - 1)]


def merge_sorted(starts: Any, ends: Any) -> tuple[Any, Any]:
    """Sort spans (their starts and ends) and merge the overlapping ones, without overlaps."""
    import numpy as np

    if not len(starts) or bool((starts[1:] >= ends[:-1]).all()):  # in order, apart
        return starts, ends
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    first = np.ones(len(starts), dtype=bool)
    first[1:] = starts[1:] >= reach[:-1]
    heads = np.flatnonzero(first)
    tails = np.append(heads[1:] - 1, len(starts) - 1)
    return starts[heads], reach[tails]


def span_pairs(spans: tuple[Any, Any]) -> list[Span]:
    return list(zip(spans[0].tolist(), spans[1].tolist(), strict=True))


def snippet_of(text: str, starts: Any, ends: Any, width: int = SNIPPET_CHARS) -> tuple[str, tuple[Span, ...]]:
    """The window of ``text`` with the most hits (anywhere in the text), and their marks;
    the hits are sorted, merged spans given as their starts and ends."""
    import numpy as np

    if not len(starts):
        head = text[:width]
        return _fold(head) + ("…" if len(text) > width else ""), ()
    if len(text) <= width:  # a title, a tag list, a short note: all of it
        return _fold(text), tuple(zip(starts.tolist(), ends.tolist(), strict=True))
    # For each span, how many spans end within ``width`` of its start (ends are sorted too).
    counts = np.searchsorted(ends, starts + width, side="right") - np.arange(len(starts))
    best = int(np.argmax(counts))
    best_count = int(counts[best])
    if best_count <= 0:
        best, best_count = 0, 0
    chosen = slice(best, best + best_count)
    window = list(zip(starts[chosen].tolist(), ends[chosen].tolist(), strict=True))
    first = int(starts[best])
    last_end = window[-1][1] if window else int(ends[-1])
    lead = min(40, max(0, (width - (last_end - first)) // 2))
    begin = max(0, first - lead)
    space = text.rfind(" ", max(0, begin - 15), begin + 1)
    begin = space + 1 if space >= 0 and begin > 0 else begin
    end = min(len(text), begin + width)
    marks = tuple((max(s, begin) - begin, min(e, end) - begin) for s, e in window if s < end)
    prefix = "…" if begin > 0 else ""
    body = _fold(text[begin:end]) + ("…" if end < len(text) else "")
    return prefix + body, tuple((s + len(prefix), e + len(prefix)) for s, e in marks)


def _fold(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ")
