"""Which segments a commit merges: the smallest ones, never more postings at once than a bound.

A merge holds every posting it rewrites in memory (as arrays, some twelve bytes for each byte
of the segments' ``.lps`` files). Whoosh's own policy (``MERGE_SMALL``) merges by document
counts against a Fibonacci rule: at 100,000 documents it merges nothing until some twenty
segments exist, then rewrites most of the index in one go (1.1 GB at 100,000 documents). Here a
commit merges its smallest segments only while their postings together stay under
``MERGE_BYTES``, so the memory a merge takes is bounded whatever the corpus: the many small
segments of an early, paced run (or of many small updates) are folded together, and the
large ones stay as they are.

Once a run's batches are written and their memory given back, ``merge_tidy`` joins the segments
they left in threes or more (or two alike), under a larger bound (``TIDY_BYTES``): at 100,000
documents, 32 segments become 12, and every query, which visits each segment, is faster (prefix
queries by about 40%).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from tui.core.search.flat.postings import SUFFIX

MERGE_BYTES = 8_000_000
"""The most ``.lps`` bytes one merge rewrites (about 100 MB of memory while it does)."""
TIDY_BYTES = 12_000_000
"""The most ``.lps`` bytes a tidying merge rewrites: three segments of a large run's batches.
The indexer peaks at about 300 MB while it tidies 100,000 documents, and the app and the
indexer together at 434 MB (a 16 MB bound cost some 40 MB more)."""
TIDY_LEAST = 3
"""Segments a tidying merge joins at least: an update's small segment is never worth rewriting
two large ones for..."""
TIDY_PAIR = 2.0
"""... unless two are alike: neither more than this times the other. A busy machine paces a
run's batches smaller, and segments of a third to a half of ``TIDY_BYTES`` would never go three
at a time (38 were left at 100,000 documents of technical text, 19 in pairs)."""


def postings_bytes(storage: Any, segment: Any) -> int:
    """The size of a segment's ``.lps`` file (0 when missing: then it is merged, and its damage
    found by the merge, not hidden)."""
    try:
        return int(storage.file_length(segment.make_filename(SUFFIX)))
    except OSError:
        return 0


def smallest_within(sizes: list[int], limit: int | None = None, least: int = 2) -> list[int]:
    """The indexes of the segments to merge, by their sizes: the smallest first, as many as
    fit together under ``limit`` (``MERGE_BYTES``); none unless ``least`` or more do."""
    limit = MERGE_BYTES if limit is None else limit
    chosen: list[int] = []
    total = 0
    for i in sorted(range(len(sizes)), key=sizes.__getitem__):
        if total + sizes[i] > limit:
            break
        chosen.append(i)
        total += sizes[i]
    return chosen if len(chosen) >= max(least, 2) else []


def merge_bounded(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy: merge ``smallest_within`` into ``writer``; the segments kept."""
    return _merge(writer, segments, smallest_within([postings_bytes(writer.storage, s) for s in segments]))


def merge_tidy(writer: Any, segments: list[Any]) -> list[Any]:
    """The policy of a run's last step: merge ``tidy_choice`` into ``writer``."""
    return _merge(writer, segments, tidy_choice(writer.storage, segments))


def tidy_choice(storage: Any, segments: list[Any]) -> list[int]:
    """The indexes of the segments a tidying merge joins (``tidy_indexes``)."""
    return tidy_indexes([postings_bytes(storage, s) for s in segments])


def tidy_indexes(sizes: list[int]) -> list[int]:
    """``smallest_within`` ``TIDY_BYTES``, ``TIDY_LEAST`` at least; else the smallest two alike
    (``TIDY_PAIR``) that fit, wherever they are: a small leftover (a run's last, short batch)
    alike with none does not keep the pairs behind it apart."""
    chosen = smallest_within(sizes, TIDY_BYTES, TIDY_LEAST)
    if chosen:
        return chosen
    # Neighbours in size order suffice: two alike have alike neighbours between them, smaller.
    order = sorted(range(len(sizes)), key=sizes.__getitem__)
    for small, large in pairwise(order):
        if sizes[small] + sizes[large] > TIDY_BYTES:
            break
        if sizes[large] <= TIDY_PAIR * sizes[small]:
            return [small, large]
    return []


def _merge(writer: Any, segments: list[Any], indexes: list[int]) -> list[Any]:
    from whoosh.reading import SegmentReader

    chosen = set(indexes)
    for i in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[i])
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [s for i, s in enumerate(segments) if i not in chosen]
