"""A segment's postings in memory, grouped by term in numpy instead of per token in Python.

Whoosh's own pool costs most of an indexing run. ``BodyPool`` tokenises a body with one
regular-expression split (offsets from the pieces' lengths, a dict from word to term number),
keeps occurrences as 32-bit arrays and groups them by term with one stable sort;
``encode_all`` encodes every posting value at once, byte for byte what ``BodyFormat`` writes.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from whoosh.system import _INT_SIZE

from tui.core.search.analysis import (
    JOINERS,
    MAX_WORD_CHARS,
    compiled_patterns,
    index_tokens,
    stem,
    vocabulary_of,
)
from tui.core.search.whoosh.schema import BODY_FORMAT

TermPostings = tuple["array[int]", "array[float]", list[bytes]]
"""One term's postings in a segment: document numbers, weights, encoded values."""


def new_postings() -> TermPostings:
    return array("I"), array("d"), []


@dataclass(frozen=True)
class BodyPostings:
    """A segment's body postings, grouped by term (sorted by UTF-8), then document, then position."""

    terms: list[bytes]
    posting_starts: Any
    """Term ``t`` owns postings ``posting_starts[t]:posting_starts[t + 1]``."""
    ids: Any
    counts: Any
    weights: Any
    positions: Any
    """Per occurrence, grouped by posting, like ``starts`` and ``ends``."""
    starts: Any
    ends: Any


class BodyPool:
    """The body's occurrences as arrays, one part per document; grouped by term at the end.

    Tokenising runs in C: one regular-expression split gives the words and, from the lengths of
    the pieces, their offsets; a dict gives each word's term number (stemming each new word
    once). Grouping a segment's occurrences by term is then one stable sort. A text with CJK, or
    whose lower case changes its length, goes through ``tokens`` instead. Occurrences are kept
    as 32-bit numbers (a document is at most 50 MB): 12 bytes each until the segment is written.
    """

    def __init__(self, boost: float) -> None:
        self.boost = boost
        self.lengths: dict[int, int] = {}
        """Per document, a bound on its body positions (for ``.lps`` bases): its number of
        occurrences when added, one past its last position when merged."""
        self._term_ids: dict[str, int] = {}
        self._word_ids: dict[str, int] = {}
        self._documents: list[int] = []
        self._parts: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
        """Per document added: its occurrences' term numbers, positions, starts and ends."""
        self._merged: tuple[list[int], ...] = ([], [], [], [], [])
        """Postings of merged segments, flat: term, document, position, start, end."""
        self._vocabulary: set[str] = set()

    def _term_id(self, term: str) -> int:
        return self._term_ids.setdefault(term, len(self._term_ids))

    def add_text(self, docnum: int, text: str) -> int:
        """A document's body; its number of occurrences (its length, as Whoosh counts it: a
        compound word counts as its parts and itself)."""
        import numpy as np

        lower = text.lower()
        patterns = compiled_patterns()
        if (
            len(lower) == len(text)
            and "Σ" not in text
            and patterns.cjk.search(lower) is None
            and patterns.camel.search(text) is None
        ):
            pieces = patterns.split.split(lower)
            words = pieces[1::2]
            word_ids = self._word_ids
            for word in set(words).difference(word_ids):
                word_ids[word] = self._term_id(stem(word))
            ids = np.fromiter(map(word_ids.__getitem__, words), dtype=np.int32, count=len(words))
            sizes = np.fromiter(map(len, pieces), dtype=np.int32, count=len(pieces))
            bounds = np.cumsum(sizes, dtype=np.int32)
            starts, ends = bounds[0:-1:2], bounds[1::2]
            positions = np.arange(len(ids), dtype=np.int32)
            wholes = self._joined_words(lower, pieces, starts, ends)
            if wholes is not None:
                ids, positions, starts, ends = (
                    np.concatenate([column, more]).astype(np.int32)
                    for column, more in zip((ids, positions, starts, ends), wholes, strict=True)
                )
        else:
            found = index_tokens(text)
            self._vocabulary |= vocabulary_of(text)
            ids = np.asarray([self._term_id(term) for term, _, _, _ in found], dtype=np.int32)
            columns = np.asarray([occurrence[1:] for occurrence in found], dtype=np.int32).reshape(-1, 3)
            positions, starts, ends = columns.T
        for part, column in zip(self._parts, (ids, positions, starts, ends), strict=True):
            part.append(column)
        self._documents.append(docnum)
        self.lengths[docnum] = len(ids)
        return len(ids)

    def _joined_words(self, lower: str, pieces: list[str], starts: Any, ends: Any) -> tuple[Any, ...] | None:
        """The compound words of ``lower`` (words joined by one ``_``, ``.`` or ``-``, as
        ``analysis.compound_spans`` finds them) as columns: term numbers, positions (their
        first part's), starts and ends. From the split's separators, without another scan."""
        import numpy as np

        between = pieces[2:-1:2]  # the separator after word k, before word k + 1
        joined = np.fromiter(map(JOINERS.__contains__, between), dtype=np.int8, count=len(between))
        if not joined.any():
            return None
        edges = np.diff(np.concatenate(([0], joined, [0])))
        first, last = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        begin, end = starts[first], ends[last]
        short = (end - begin) <= MAX_WORD_CHARS
        first, begin, end = first[short], begin[short], end[short]
        word_ids = self._word_ids
        words = [lower[a:b] for a, b in zip(begin.tolist(), end.tolist(), strict=True)]
        for word in set(words).difference(word_ids):
            word_ids[word] = self._term_id(word)
        ids = np.fromiter(map(word_ids.__getitem__, words), dtype=np.int32, count=len(words))
        return ids, first.astype(np.int32), begin, end

    def add_posting(self, docnum: int, term: str, triples: list[tuple[int, int, int]]) -> None:
        """One posting of a segment being merged in: (position, start, end) triples."""
        term_id = self._term_id(term)
        ids, docnums, positions, starts, ends = self._merged
        for position, start, end in triples:
            ids.append(term_id)
            docnums.append(docnum)
            positions.append(position)
            starts.append(start)
            ends.append(end)
        self.lengths[docnum] = max(self.lengths.get(docnum, 0), triples[-1][0] + 1)

    def vocabulary(self) -> set[str]:
        """``vocabulary_of`` the texts added (not of merged postings)."""
        found = {word for text in self._word_ids for word in compiled_patterns().latin_word.findall(text)}
        return found | self._vocabulary

    def grouped(self) -> BodyPostings | None:
        """Every occurrence grouped by term, document and position; empties the pool."""
        import numpy as np

        if not self._documents and not self._merged[0]:
            return None
        ids, docnums, positions, starts, ends = self._columns()
        names = [b""] * len(self._term_ids)
        for term, term_id in self._term_ids.items():
            names[term_id] = term.encode("utf-8")
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(len(names), dtype=np.int32)
        keys = rank[ids]
        del ids
        # Parts arrive in document order for each term, so a stable sort by term suffices.
        sort = np.argsort(keys, kind="stable")
        keys, docnums, positions = keys[sort], docnums[sort], positions[sort]
        if not grouped_in_order(keys, docnums, positions):
            again = np.lexsort((positions, docnums, keys))
            sort, keys, docnums, positions = sort[again], keys[again], docnums[again], positions[again]
        starts, ends = starts[sort], ends[sort]
        del sort
        new_posting = np.ones(len(keys), dtype=bool)
        new_posting[1:] = (keys[1:] != keys[:-1]) | (docnums[1:] != docnums[:-1])
        heads = np.flatnonzero(new_posting)
        del new_posting
        counts = np.diff(np.append(heads, len(keys)))
        posting_starts = np.searchsorted(keys[heads], np.arange(len(names) + 1))
        return BodyPostings(
            terms=[names[i] for i in order],
            posting_starts=posting_starts,
            ids=docnums[heads],
            counts=counts,
            weights=counts * self.boost,
            positions=positions,
            starts=starts,
            ends=ends,
        )

    def _columns(self) -> tuple[Any, Any, Any, Any, Any]:
        """Term numbers, documents, positions, starts and ends of every occurrence, as added."""
        import numpy as np

        sizes = np.asarray([len(ids) for ids in self._parts[0]], dtype=np.int64)
        ids, positions, starts, ends = (
            np.concatenate(part) if part else np.zeros(0, dtype=np.int32) for part in self._parts
        )
        docnums = np.repeat(np.asarray(self._documents, dtype=np.int32), sizes)
        self._parts, self._documents = ([], [], [], []), []
        if self._merged[0]:
            more = [np.asarray(column, dtype=np.int32) for column in self._merged]
            self._merged = ([], [], [], [], [])
            ids, docnums, positions, starts, ends = (
                np.concatenate(pair)
                for pair in zip((ids, docnums, positions, starts, ends), more, strict=True)
            )
        return ids, docnums, positions, starts, ends


def grouped_in_order(keys: Any, docnums: Any, positions: Any) -> bool:
    """Whether, within each term, occurrences are in document and position order."""
    same_key = keys[1:] == keys[:-1]
    later_doc = docnums[1:] > docnums[:-1]
    later_position = (docnums[1:] == docnums[:-1]) & (positions[1:] > positions[:-1])
    return bool((~same_key | later_doc | later_position).all())


ENCODE_CHUNK = 1 << 16
"""Postings encoded per numpy pass: bounds the temporary arrays (about 100 bytes per occurrence)."""


def encode_all(counts: Any, positions: Any, starts: Any, ends: Any) -> tuple[bytes, Any]:
    """``encode_occurrences`` of every posting at once, byte for byte: the values laid end to end in one
    buffer, and where each begins (plus the end); ``cut_values`` cuts them out."""
    import numpy as np

    counts = np.asarray(counts, dtype=np.int64)
    heads = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=heads[1:])
    blobs, bounds = [], [np.zeros(1, dtype=np.int64)]
    for first in range(0, len(counts), ENCODE_CHUNK):
        last = min(first + ENCODE_CHUNK, len(counts))
        low, high = int(heads[first]), int(heads[last])
        blob, edges = _encode_chunk(counts[first:last], positions[low:high], starts[low:high], ends[low:high])
        bounds.append(edges[1:] + bounds[-1][-1])
        blobs.append(blob)
    return b"".join(blobs), np.concatenate(bounds)


def _encode_chunk(counts: Any, positions: Any, starts: Any, ends: Any) -> tuple[bytes, Any]:
    import numpy as np

    bounds = np.zeros(len(counts) + 1, dtype=np.int64)
    heads = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=heads[1:])
    numbers = []
    columns = [np.asarray(column, dtype=np.int64) for column in (positions, starts, ends)]
    for column in columns[:2]:  # deltas within each posting, its first number as it is
        deltas = column.copy()
        deltas[1:] -= column[:-1]
        deltas[heads] = column[heads]
        numbers.append(deltas)
    numbers.append(columns[2] - columns[1])
    biggest = np.maximum.reduce([np.maximum.reduceat(n, heads) for n in numbers])
    wide = biggest >= 1 << 16
    width = np.where(wide, 4, 2)
    np.cumsum(_INT_SIZE + 1 + 3 * counts * width, out=bounds[1:])
    out = np.zeros(int(bounds[-1]), dtype=np.uint8)
    begins = bounds[:-1]
    for i in range(_INT_SIZE):  # the count, big-endian (``pack_uint``)
        out[begins + i] = (counts >> (8 * (_INT_SIZE - 1 - i))) & 0xFF
    out[begins + _INT_SIZE] = np.where(wide, ord("I"), ord("H"))
    owner = np.repeat(np.arange(len(counts)), counts)
    widths = width[owner]
    at = begins[owner] + _INT_SIZE + 1 + (np.arange(len(owner)) - heads[owner]) * widths
    step = counts[owner] * widths
    big = widths == 4
    for values in numbers:  # little-endian, each run of numbers after the last
        out[at] = values & 0xFF
        out[at + 1] = (values >> 8) & 0xFF
        out[at[big] + 2] = (values[big] >> 16) & 0xFF
        out[at[big] + 3] = (values[big] >> 24) & 0xFF
        at += step
    return out.tobytes(), bounds


def cut_values(blob: bytes, bounds: Any) -> list[bytes]:
    """The values ``encode_all`` laid out, one per posting (``bounds`` has one more entry)."""
    edges = bounds.tolist()
    return [blob[a:b] for a, b in pairwise(edges)]


class TermPool:
    """Stands in for Whoosh's posting pool: postings grouped by field and term as they arrive.

    A segment's documents are numbered in the order they are added (merged segments after the
    new documents), so each term's postings arrive already sorted by document number.
    """

    def __init__(self, body_boost: float = 1.0) -> None:
        self.fields: dict[str, dict[bytes, TermPostings]] = {}
        self.body = BodyPool(body_boost)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's pool interface (used when merging segments): one posting."""
        fieldname, tbytes, docnum, weight, value = item
        if fieldname == "body" and value:
            self.body.add_posting(docnum, tbytes.decode("utf-8"), BODY_FORMAT.decode_characters(value))
            return
        self.add_field(fieldname, docnum, [(tbytes, 0, weight, value or b"")])

    def add_field(
        self, fieldname: str, docnum: int, postings: Iterable[tuple[bytes, int, float, bytes]]
    ) -> int:
        """``add`` for each of a field's (term, frequency, weight, value) postings in one
        document; the field's length (the sum of the frequencies)."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        term_postings = terms.get
        length = 0
        for tbytes, freq, weight, value in postings:
            found = term_postings(tbytes)
            if found is None:
                found = terms[tbytes] = new_postings()
            found[0].append(docnum)
            found[1].append(weight)
            found[2].append(value or b"")
            length += freq
        return length

    def cleanup(self) -> None:
        self.fields.clear()
        self.body = BodyPool(self.body.boost)
