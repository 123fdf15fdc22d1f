"""Flat body postings beside each Whoosh segment, read in place by numpy to score whole lists.

Whoosh stores a term's documents, weights and encoded positions together in pickled, compressed
blocks, then scores one document at a time in Python: a common word costs milliseconds to
decompress and more to score. This file (``<segment>.lps``) keeps, for each body term, the
document numbers, weights, occurrence counts and positions as plain little-endian arrays. A
query maps them (no copy, no decoding), scores a posting list in one numpy expression and checks
a phrase with a bitmap over the segment's positions. Whoosh's own postings stay complete and
authoritative (hit offsets, snippets, anything this file cannot answer).

Positions are segment-wide: each document's are offset by the token counts of the documents
before it, plus one, so ``p`` and ``p + 1`` are never in two documents.

Layout, little-endian: ``MAGIC``; a header (term, posting, position and document counts, the
span of positions, the size of the term names);
then uint32 ids, float32 weights, uint32 counts (per posting), uint32 positions, uint64 posting
starts and uint64 position starts (per term, plus one), the sorted terms joined by NUL, and
``MAGIC`` again.
"""

from __future__ import annotations

import bisect
import mmap
import struct
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"LPS1"
SUFFIX = ".lps"
_HEADER = struct.Struct("<4sQQQQQQ")
_MAX_POSITION = (1 << 32) - 2
"""Positions are uint32; a segment with more tokens than that gets no file (Whoosh answers)."""


TermPostings = tuple["array[int]", "array[float]", "array[int]", "array[int]"]
"""One term's postings in a segment being written, in document order: document numbers,
weights, occurrence counts, and each posting's positions within its own document."""


def write(path: Path, terms: dict[bytes, TermPostings], doc_lengths: Sequence[int]) -> bool:
    """Write the file for a segment of ``len(doc_lengths)`` documents; False if it cannot hold
    them (positions past uint32), in which case no file is written."""
    lengths = np.asarray(doc_lengths, dtype=np.uint64)
    base = np.zeros(len(lengths) + 1, dtype=np.uint64)
    np.cumsum(lengths + 1, out=base[1:])
    if base[-1] > _MAX_POSITION:
        return False
    names = sorted(terms)
    chosen = [terms[name] for name in names]
    ids = _joined(chosen, 0, np.uint32)
    counts = _joined(chosen, 2, np.uint32)
    local = _joined(chosen, 3, np.uint32)
    positions = (local + np.repeat(base[ids], counts)).astype("<u4")
    weights = _joined(chosen, 1, np.float64)
    posting_starts = np.zeros(len(names) + 1, dtype="<u8")
    np.cumsum([len(p[0]) for p in chosen], out=posting_starts[1:])
    position_starts = np.zeros(len(names) + 1, dtype="<u8")
    np.cumsum([len(p[3]) for p in chosen], out=position_starts[1:])
    joined_names = b"\0".join(names)
    header = _HEADER.pack(
        MAGIC, len(names), len(ids), len(positions), len(lengths), int(base[-1]), len(joined_names)
    )
    parts = [
        header,
        ids.astype("<u4").tobytes(),
        weights.astype("<f4").tobytes(),
        counts.astype("<u4").tobytes(),
        positions.tobytes(),
        posting_starts.tobytes(),
        position_starts.tobytes(),
        joined_names,
        MAGIC,  # the end: a cut or extended file is refused, not misread
    ]
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(b"".join(parts))
    temporary.replace(path)
    return True


def _joined(postings: list[TermPostings], part: int, dtype: Any) -> Any:
    return np.frombuffer(b"".join(p[part].tobytes() for p in postings), dtype=dtype)


class BodyPostings:
    """A segment's ``.lps`` file, mapped read-only; arrays are views into the mapping."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if len(self._map) < _HEADER.size or self._map[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path.name}: not a lectern postings file")
        _, terms, postings, positions, docs, span, names = _HEADER.unpack_from(self._map, 0)
        expected = _HEADER.size + 12 * postings + 4 * positions + 16 * (terms + 1) + names + len(MAGIC)
        if len(self._map) != expected or self._map[-len(MAGIC) :] != MAGIC:
            raise ValueError(f"{path.name}: damaged (cut short or extended)")
        offset = _HEADER.size
        self.ids, offset = self._array("<u4", postings, offset)
        self.weights, offset = self._array("<f4", postings, offset)
        self.counts, offset = self._array("<u4", postings, offset)
        self.positions, offset = self._array("<u4", positions, offset)
        self._posting_starts, offset = self._array("<u8", terms + 1, offset)
        self._position_starts, offset = self._array("<u8", terms + 1, offset)
        self._names_at = offset
        self._names: list[bytes] | None = None
        self.doc_count = docs
        self.span = span
        """Every position is below this."""
        ends = (int(self._posting_starts[-1]), int(self._position_starts[-1]))
        if ends != (postings, positions):
            raise ValueError(f"{path.name}: inconsistent term table")

    def _array(self, dtype: str, count: int, offset: int) -> tuple[Any, int]:
        values = np.frombuffer(self._map, dtype=dtype, count=count, offset=offset)
        return values, offset + values.nbytes

    def _find(self, term: bytes) -> int | None:
        if self._names is None:
            self._names = bytes(self._map[self._names_at : -len(MAGIC)]).split(b"\0")
        i = bisect.bisect_left(self._names, term)
        return i if i < len(self._names) and self._names[i] == term else None

    def postings(self, term: bytes) -> tuple[Any, Any] | None:
        """The term's document numbers and weights, or None if the segment lacks it."""
        i = self._find(term)
        if i is None:
            return None
        start, end = int(self._posting_starts[i]), int(self._posting_starts[i + 1])
        return self.ids[start:end], self.weights[start:end]

    def occurrences(self, term: bytes) -> tuple[Any, Any, Any] | None:
        """The term's document numbers, counts and (segment-wide) positions."""
        i = self._find(term)
        if i is None:
            return None
        start, end = int(self._posting_starts[i]), int(self._posting_starts[i + 1])
        first, last = int(self._position_starts[i]), int(self._position_starts[i + 1])
        return self.ids[start:end], self.counts[start:end], self.positions[first:last]


def phrase_documents(words: Sequence[tuple[Any, Any, Any]], span: int) -> Any:
    """The documents where word ``i`` of the phrase stands at ``p + i``; ``words`` are
    ``occurrences`` results. The rarest word anchors; the others are bitmap look-ups."""
    anchor = min(range(len(words)), key=lambda i: len(words[i][2]))
    ids, counts, positions = words[anchor]
    starts = positions.astype(np.int64) - anchor
    found = np.ones(len(starts), dtype=bool)
    size = span + len(words) + 1
    for i, (_, _, others) in enumerate(words):
        if i == anchor:
            continue
        marks = np.zeros(size, dtype=bool)
        marks[others] = True
        wanted = starts + i
        inside = wanted >= 0  # before the first position: cannot match
        found &= inside & marks[np.where(inside, wanted, 0)]
        if not found.any():
            return np.zeros(0, dtype=np.uint32)
    return np.unique(np.repeat(ids, counts)[found])
