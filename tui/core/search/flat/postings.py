"""Flat postings beside each Whoosh segment, read in place by numpy to score whole lists.

Whoosh stores a term's documents, weights and encoded positions together in pickled, compressed
blocks, then scores one document at a time in Python: a common word costs milliseconds to
decompress and more to score. This file (``<segment>.lps``) keeps, for each term of the searched
fields, the document numbers, weights and occurrence counts as plain little-endian arrays, and
for the body also the positions and each occurrence's character offsets (a compound word and
its first part share a position, each with its own offsets). A query maps them (no copy,
no decoding), scores a posting list in one numpy expression, checks a phrase against sorted
positions, and finds a hit document's offsets with two binary searches. Whoosh's own postings
stay complete and are what answers whenever this file is missing or damaged.

Keys are ``field NUL term`` (UTF-8), sorted. Positions are segment-wide: each document's are
offset by its *base*, the token counts of the documents before it plus one each, so ``p`` and
``p + 1`` are never in two documents and a term's positions are sorted across the segment.

Layout, little-endian: ``MAGIC``; a header (key, posting, position and document counts, the span
of positions, the size of the key bytes, the width of a token length); then uint32 ids, float32
weights, uint32 counts (per posting), uint32 positions, uint64 posting and position starts (per
key, plus one), uint64 key offsets (per key, plus one) and the key bytes, uint64 document bases
(per document, plus one), then per occurrence (as ``positions``) the uint32 start and uint16
(or uint32) length in characters; ``MAGIC`` again.
"""

from __future__ import annotations

import bisect
import mmap
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tui.core.search.phrases import phrase_anchor

MAGIC = b"LPS3"
SUFFIX = ".lps"
_HEADER = struct.Struct("<4sQQQQQQQ")
_MAX_POSITION = (1 << 32) - 2
"""Positions are uint32; a segment with more tokens than that gets no file (Whoosh answers)."""
_START = np.dtype("<u4")
_KEY_STRIDE = 32


@dataclass(frozen=True)
class FlatSegment:
    """What ``write`` stores for one segment (array-likes, any integer or float type).

    ``keys`` are sorted; key ``k`` owns postings ``posting_starts[k]:posting_starts[k + 1]``;
    each posting owns ``counts[p]`` consecutive occurrences: ``positions`` within its document
    and the token's ``starts`` and ``ends`` (character offsets). Postings of fields without
    positions have a count of 0.
    """

    keys: Sequence[bytes]
    posting_starts: Any
    ids: Any
    weights: Any
    counts: Any
    positions: Any
    starts: Any
    ends: Any
    doc_lengths: Any
    """Each document's number of body tokens (its positions run from 0 to this)."""


def key(fieldname: str, term: bytes) -> bytes:
    return fieldname.encode("utf-8") + b"\0" + term


def write(path: Path, segment: FlatSegment) -> bool:
    """Write the file; False if the segment cannot be held (positions past uint32), in which
    case no file is written. Each array is written as it is made: a segment's file is tens of
    megabytes, and the indexer should not hold it twice."""
    lengths = np.asarray(segment.doc_lengths, dtype=np.int64)
    bases = np.zeros(len(lengths) + 1, dtype="<u8")
    np.cumsum(lengths + 1, out=bases[1:])
    span = int(bases[-1])
    if span > _MAX_POSITION:
        return False
    ids = np.asarray(segment.ids).astype("<u4")
    counts = np.asarray(segment.counts).astype("<u4")
    positions = np.asarray(segment.positions).astype("<u4")
    positions += np.repeat(bases[ids].astype("<u4"), counts)
    starts = np.asarray(segment.starts)
    token_lengths = np.asarray(segment.ends) - starts
    width = 2 if not len(token_lengths) or int(token_lengths.max()) < 1 << 16 else 4
    posting_starts = np.asarray(segment.posting_starts).astype("<u8")
    occurrence_starts = np.zeros(len(counts) + 1, dtype="<u8")
    np.cumsum(counts, out=occurrence_starts[1:])
    keys = list(segment.keys)
    key_offsets = np.zeros(len(keys) + 1, dtype="<u8")
    np.cumsum([len(k) for k in keys], out=key_offsets[1:])
    joined = b"".join(keys)
    header = _HEADER.pack(MAGIC, len(keys), len(ids), len(positions), len(lengths), span, len(joined), width)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        for part in (
            header,
            ids,
            np.asarray(segment.weights).astype("<f4"),
            counts,
            positions,
            posting_starts,
            occurrence_starts[posting_starts.astype(np.int64)],
            key_offsets,
            joined,
            bases,
        ):
            handle.write(part if isinstance(part, bytes) else part.data)
        for values, dtype in ((starts, "<u4"), (token_lengths, "<u2" if width == 2 else "<u4")):
            handle.write(np.asarray(values).astype(dtype).data)
        handle.write(MAGIC)  # the end: a cut or extended file is refused, not misread
    temporary.replace(path)
    return True


class FlatPostings:
    """A segment's ``.lps`` file, mapped read-only; arrays are views into the mapping."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle = path.open("rb", buffering=0)
        try:
            self._map = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
            self._read_tables()
        except BaseException:
            self._handle.close()
            raise

    def close(self) -> None:
        """Close the file (the mapping goes with the last array that views it)."""
        self._handle.close()

    def _read_tables(self) -> None:
        path = self._path
        if len(self._map) < _HEADER.size or self._map[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path.name}: not a lectern postings file")
        _, keys, postings, positions, docs, span, names, width = _HEADER.unpack_from(self._map, 0)
        expected = (
            _HEADER.size
            + 12 * postings
            + 4 * positions
            + 24 * (keys + 1)
            + names
            + 8 * (docs + 1)
            + (4 + width) * positions
            + len(MAGIC)
        )
        if width not in (2, 4) or len(self._map) != expected or self._map[-len(MAGIC) :] != MAGIC:
            raise ValueError(f"{path.name}: damaged (cut short or extended)")
        offset = _HEADER.size
        self.ids, offset = self._array("<u4", postings, offset)
        self.weights, offset = self._array("<f4", postings, offset)
        self.counts, offset = self._array("<u4", postings, offset)
        self.positions, offset = self._array("<u4", positions, offset)
        self._posting_starts, offset = self._array("<u8", keys + 1, offset)
        self._position_starts, offset = self._array("<u8", keys + 1, offset)
        self._key_offsets, offset = self._array("<u8", keys + 1, offset)
        self._keys_at = offset
        offset += names
        self.bases, offset = self._array("<u8", docs + 1, offset)
        # Read with ``_read``, not through the mapping: a hit touches a few scattered pages, and
        # each mapped page fault brings its neighbours into this process's resident set too.
        self._char_starts_at, self._length_type = offset, np.dtype("<u2" if width == 2 else "<u4")
        self._char_lengths_at = offset + 4 * positions
        self._sample: list[bytes] | None = None
        self.doc_count = docs
        self.span = span
        """Every position is below this."""
        ends = (
            int(self._posting_starts[-1]),
            int(self._position_starts[-1]),
            int(self._key_offsets[-1]),
            int(self.bases[-1]),
        )
        if ends != (postings, positions, names, span):
            raise ValueError(f"{path.name}: inconsistent tables")

    def _array(self, dtype: str, count: int, offset: int) -> tuple[Any, int]:
        values = np.frombuffer(self._map, dtype=dtype, count=count, offset=offset)
        return values, offset + values.nbytes

    def _key(self, i: int) -> bytes:
        offsets, at = self._key_offsets, self._keys_at
        return self._map[at + int(offsets[i]) : at + int(offsets[i + 1])]

    def _find(self, key: bytes) -> int | None:
        """The key's number: a binary search in every ``_KEY_STRIDE``-th key (kept as a list),
        then in the mapped key bytes (a list of all the keys would take megabytes and
        milliseconds per segment before the first look-up)."""
        count = len(self._key_offsets) - 1
        if self._sample is None:
            self._sample = [self._key(i) for i in range(0, count, _KEY_STRIDE)]
        block = bisect.bisect_right(self._sample, key) - 1
        if block < 0:
            return None
        low, high = block * _KEY_STRIDE, min(count, (block + 1) * _KEY_STRIDE)
        while low < high:
            middle = (low + high) // 2
            if self._key(middle) < key:
                low = middle + 1
            else:
                high = middle
        return low if low < count and self._key(low) == key else None

    def postings(self, key: bytes) -> tuple[Any, Any] | None:
        """The key's document numbers and weights, or None if the segment lacks it."""
        i = self._find(key)
        if i is None:
            return None
        start, end = int(self._posting_starts[i]), int(self._posting_starts[i + 1])
        return self.ids[start:end], self.weights[start:end]

    def occurrences(self, key: bytes) -> tuple[Any, Any, Any] | None:
        """The key's document numbers, counts and (segment-wide, sorted) positions."""
        i = self._find(key)
        if i is None:
            return None
        start, end = int(self._posting_starts[i]), int(self._posting_starts[i + 1])
        first, last = int(self._position_starts[i]), int(self._position_starts[i + 1])
        return self.ids[start:end], self.counts[start:end], self.positions[first:last]

    def in_documents(self, key: bytes, docs: Sequence[int]) -> list[tuple[Any, Any, Any]] | None:
        """The key's occurrences in each of ``docs``: positions within the document, and the
        characters' starts and ends (empty arrays where it has none); None if the segment
        lacks the key. ValueError if the file holds impossible numbers."""
        i = self._find(key)
        if i is None:
            return None
        offset = int(self._position_starts[i])
        positions = self.positions[offset : int(self._position_starts[i + 1])]
        if len(positions) and int(positions[-1]) >= self.span:
            raise ValueError(f"{self._path.name}: a position past the segment's span")
        docs_at = np.asarray(docs, dtype=np.int64)
        bases = self.bases[docs_at].astype(np.int64)
        # Probes of the positions' own type: a mixed-type search would copy the whole array.
        firsts = np.searchsorted(positions, bases.astype(positions.dtype)).tolist()
        lasts = np.searchsorted(positions, self.bases[docs_at + 1].astype(positions.dtype)).tolist()
        empty = np.zeros(0, dtype=np.int64)
        found: list[tuple[Any, Any, Any]] = []
        size = self._length_type.itemsize
        for base, first, last in zip(bases.tolist(), firsts, lasts, strict=True):
            if first == last:
                found.append((empty, empty, empty))
                continue
            at = positions[first:last].astype(np.int64)
            if not bool((at[1:] >= at[:-1]).all()):
                raise ValueError(f"{self._path.name}: positions out of order")
            count, low = last - first, offset + first
            starts = _read(self._handle, self._char_starts_at + 4 * low, count, _START).astype(np.int64)
            lengths = _read(self._handle, self._char_lengths_at + size * low, count, self._length_type)
            found.append((at - base, starts, starts + lengths))
        return found


def _read(handle: Any, offset: int, count: int, dtype: Any) -> Any:
    if hasattr(os, "pread"):
        data = os.pread(handle.fileno(), count * dtype.itemsize, offset)
    else:  # Windows
        handle.seek(offset)
        data = handle.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise ValueError(f"{handle.name}: cut short while read")
    return np.frombuffer(data, dtype=dtype)


def phrase_documents(words: Sequence[tuple[Any, Any, Any]], span: int) -> Any:
    """The documents where the phrase stands; ``words`` are ``occurrences`` results, their
    positions segment-wide (a phrase cannot cross from one document into the next)."""
    anchor, found = phrase_anchor([positions for _, _, positions in words], span)
    if not found.any():
        return np.zeros(0, dtype=np.uint32)
    ids, counts, _ = words[anchor]
    return np.unique(np.repeat(ids, counts)[found])
