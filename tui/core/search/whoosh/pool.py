"""A segment's postings in memory, grouped by term in numpy instead of per token in Python.

Whoosh's own pool costs most of an indexing run. ``FieldPool`` holds one searched field:
a text is tokenised with one regular-expression split (offsets from the pieces' lengths, a dict
from word to term number), occurrences are kept as 32-bit arrays, a merged segment's postings
arrive as whole arrays from its ``.lps`` file, and the segment's are grouped by term with one
stable sort. ``TermPool`` adds the few fields Whoosh keeps in its own term table (id, date,
language), grouped as they arrive.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any

from tui.core.search.analysis import (
    JOINERS,
    MAX_WORD_CHARS,
    compiled_patterns,
    index_tokens,
    stem,
    vocabulary_of,
)
from tui.core.search.flat.postings import FlatField
from tui.core.search.query import SEARCH_FIELDS


def _ascii_tables() -> tuple[Any, bytes, Any]:
    import numpy as np

    letters = np.asarray([chr(c).isalnum() for c in range(128)] + [False] * 128)  # ``[^\W_]``
    spaces = bytes(c if letters[c] else 32 for c in range(256))
    joiners = np.zeros(256, dtype=bool)
    joiners[[ord(c) for c in JOINERS]] = True
    return letters, spaces, joiners


_ASCII_ALNUM, _ASCII_SPACES, _ASCII_JOINER = _ascii_tables()
JOIN_PARTS = 256
"""Parts (documents' columns) gathered before they are joined into one array per column."""
TermPostings = tuple["array[int]", "array[float]", list[bytes]]
"""One term's postings in a segment: document numbers, weights, encoded values."""


def new_postings() -> TermPostings:
    return array("I"), array("d"), []


class FieldPool:
    """One searched field's postings as arrays, one part per document or merged segment; grouped
    by term at the end.

    Tokenising runs in C: one regular-expression split gives the words and, from the lengths of
    the pieces, their offsets; a dict gives each word's term number (stemming each new word
    once). A text with CJK, or whose lower case changes its length, goes through
    ``index_tokens`` instead. Occurrences are kept as 32-bit numbers (a document is at most
    50 MB). A field without positions (tags) keeps (term, document, count) per posting.
    """

    def __init__(self, name: str, boost: float, positional: bool) -> None:
        self.name = name
        self.boost = boost
        self.positional = positional
        self.lengths: dict[int, int] = {}
        """Per document, a bound on its positions (its number of occurrences when added, its span
        when merged): the ``spans`` of the ``.lps`` file."""
        self._term_ids: dict[str, int] = {}
        self._word_ids: dict[str, int] = {}
        self._ascii_ids: dict[bytes, int] = {}
        """Words as found (lower case) to term numbers, for the two fast tokenisers."""
        self._columns: list[list[Any]] = [[] for _ in range(5 if positional else 3)]
        """Term numbers, documents, then positions, starts and ends (or counts, without
        positions): one array per document or merged segment in each (a column at a time is
        joined, and its parts let go, when the segment is written)."""
        self._joined_parts = 0
        """How many parts at the head of each column are joins of ``JOIN_PARTS`` parts."""
        self._vocabulary: set[str] = set()

    def _term_id(self, term: str) -> int:
        return self._term_ids.setdefault(term, len(self._term_ids))

    def add(self, docnum: int, field: Any, value: Any) -> int:
        """A document's value of this field; its length as Whoosh counts it (a compound word
        counts as its parts and itself)."""
        if self.positional:
            return self.add_text(docnum, value)
        return self.add_terms(docnum, field.index(value))

    def add_text(self, docnum: int, text: str) -> int:
        import numpy as np

        patterns = compiled_patterns()
        humps = patterns.camel.search(text) is not None
        if text.isascii() and not humps:
            ids, positions, starts, ends = self._ascii_columns(text)
        elif (
            not humps
            and len(lower := text.lower()) == len(text)
            and "Σ" not in text
            and patterns.cjk.search(lower) is None
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
            between = pieces[2:-1:2]  # the separator after word k, before word k + 1
            joined = np.fromiter(map(JOINERS.__contains__, between), dtype=np.int8, count=len(between))
            wholes = self._joined_words(lower, joined, starts, ends, word_ids)
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
        if len(ids):
            self._add_part(ids, np.full(len(ids), docnum, dtype=np.int32), positions, starts, ends)
        self.lengths[docnum] = len(ids)
        return len(ids)

    def _ascii_columns(self, text: str) -> tuple[Any, Any, Any, Any]:
        """``add_text``'s columns for an ASCII text without camelCase humps, found in numpy:
        words are the runs of letters and digits (a table over the bytes), their bytes one
        ``split`` after ``translate``; six times faster than the regular expression."""
        import numpy as np

        lower = text.encode("ascii").lower()
        letters = _ASCII_ALNUM[np.frombuffer(lower, dtype=np.uint8)].view(np.int8)
        edges = np.diff(letters, prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1).astype(np.int32)
        ends = np.flatnonzero(edges == -1).astype(np.int32)
        words = lower.translate(_ASCII_SPACES).split()
        word_ids = self._ascii_ids
        for word in set(words).difference(word_ids):
            word_ids[word] = self._term_id(stem(word.decode("ascii")))
        ids = np.fromiter(map(word_ids.__getitem__, words), dtype=np.int32, count=len(words))
        positions = np.arange(len(ids), dtype=np.int32)
        if len(ids) > 1:
            single = (starts[1:] - ends[:-1]) == 1
            joined = (single & _ASCII_JOINER[np.frombuffer(lower, dtype=np.uint8)[ends[:-1]]]).astype(np.int8)
            wholes = self._joined_words(lower, joined, starts, ends, word_ids)
            if wholes is not None:
                ids, positions, starts, ends = (
                    np.concatenate([column, more]).astype(np.int32)
                    for column, more in zip((ids, positions, starts, ends), wholes, strict=True)
                )
        return ids, positions, starts, ends

    def _joined_words(
        self, lower: Any, joined: Any, starts: Any, ends: Any, word_ids: dict[Any, int]
    ) -> tuple[Any, ...] | None:
        """The compound words of ``lower`` (words joined by one ``_``, ``.`` or ``-``, as
        ``analysis.compound_spans`` finds them; ``joined`` marks the separators between word
        ``k`` and ``k + 1`` that join) as columns: term numbers, positions (their first part's),
        starts and ends."""
        import numpy as np

        if not joined.any():
            return None
        edges = np.diff(np.concatenate(([0], joined, [0])))
        first, last = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        begin, end = starts[first], ends[last]
        short = (end - begin) <= MAX_WORD_CHARS
        first, begin, end = first[short], begin[short], end[short]
        words = [lower[a:b] for a, b in zip(begin.tolist(), end.tolist(), strict=True)]
        for word in set(words).difference(word_ids):
            word_ids[word] = self._term_id(word if isinstance(word, str) else word.decode("ascii"))
        ids = np.fromiter(map(word_ids.__getitem__, words), dtype=np.int32, count=len(words))
        return ids, first.astype(np.int32), begin, end

    def add_terms(self, docnum: int, postings: Iterable[tuple[bytes, int, float, bytes]]) -> int:
        """A document's (term, frequency, weight, value) postings of a field without positions;
        its length (the sum of the frequencies)."""
        import numpy as np

        terms, counts = [], []
        for tbytes, freq, _, _ in postings:
            terms.append(self._term_id(tbytes.decode("utf-8")))
            counts.append(freq)
        if terms:
            ids = np.asarray(terms, dtype=np.int32)
            self._add_part(ids, np.full(len(ids), docnum, dtype=np.int32), np.asarray(counts, np.int32))
        return sum(counts)

    def add_merged(self, field: FlatField, new_numbers: Any) -> None:
        """A merged segment's postings of this field (``FlatPostings.field_postings``);
        ``new_numbers`` maps its document numbers to this segment's (-1: deleted, left out)."""
        import numpy as np

        term_ids = np.asarray([self._term_id(t.decode("utf-8")) for t in field.terms], dtype=np.int32)
        edges: Any = np.asarray(field.posting_starts, dtype=np.int64)
        posting_terms = np.repeat(term_ids, np.diff(edges))
        numbers = np.asarray(new_numbers, dtype=np.int64)
        docs = numbers[np.asarray(field.ids, dtype=np.int64)]
        counts = np.asarray(field.counts, dtype=np.int64)
        if not self.positional:
            kept = docs >= 0
            kept_counts = counts[kept].astype(np.int32)
            self._add_part(posting_terms[kept], docs[kept].astype(np.int32), kept_counts)
            return
        live = np.flatnonzero(numbers >= 0)
        self.lengths.update(zip(numbers[live].tolist(), np.asarray(field.spans)[live].tolist(), strict=True))
        terms, docs = np.repeat(posting_terms, counts), np.repeat(docs, counts)
        kept = docs >= 0
        columns = (terms, docs, field.positions, field.starts, field.ends)
        self._add_part(*(np.asarray(c)[kept].astype(np.int32) for c in columns))

    def _add_part(self, *columns: Any) -> None:
        for parts, column in zip(self._columns, columns, strict=True):
            parts.append(column)
        if len(self._columns[0]) - self._joined_parts >= JOIN_PARTS:
            self._join_recent()

    def _join_recent(self) -> None:
        """The parts added since the last join, one array per column: a small document's arrays
        cost more in their headers (about 100 bytes each) than in their numbers."""
        import numpy as np

        for parts in self._columns:
            recent = np.concatenate(parts[self._joined_parts :])
            del parts[self._joined_parts :]
            parts.append(recent)
        self._joined_parts = len(self._columns[0])

    def _joined(self, i: int) -> Any:
        """Column ``i`` in one array; its parts are let go."""
        import numpy as np

        parts, self._columns[i] = self._columns[i], []
        self._joined_parts = 0
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def vocabulary(self) -> set[str]:
        """``vocabulary_of`` the texts added (not of merged postings)."""
        latin_word = compiled_patterns().latin_word
        words = [*self._word_ids, *(word.decode("ascii") for word in self._ascii_ids)]
        return {found for word in words for found in latin_word.findall(word)} | self._vocabulary

    def grouped(self, docs: int) -> FlatField:
        """Every posting grouped by term, document and position, for a segment of ``docs``
        documents; empties the pool."""
        import numpy as np

        names = [b""] * len(self._term_ids)
        for term, term_id in self._term_ids.items():
            names[term_id] = term.encode("utf-8")
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(len(names), dtype=np.int32)
        columns: list[Any] = [self._joined(i) for i in range(len(self._columns))]
        keys, docnums = rank[columns[0]] if len(names) else columns[0], columns[1]
        columns[0] = columns[1] = None  # each column is let go once sorted: a segment's worth each
        spans = None
        if self.positional:
            spans = np.zeros(docs, dtype=np.int64)
            if self.lengths:
                spans[np.fromiter(self.lengths, dtype=np.int64)] = list(self.lengths.values())
        if not len(keys):
            empty = np.zeros(0, dtype=np.int64)
            if not self.positional:
                return FlatField(self.name, self.boost, [], np.zeros(1, np.int64), empty, empty)
            return FlatField(
                self.name, self.boost, [], np.zeros(1, np.int64), empty, empty, empty, empty, empty, spans
            )
        # Parts arrive in document order, so a stable sort by term usually suffices.
        sort = np.argsort(keys, kind="stable")
        keys, docnums = keys[sort], docnums[sort]
        positions = columns[2][sort] if self.positional else None
        if positions is not None:
            columns[2] = None
        if not grouped_in_order(keys, docnums, positions):
            again = np.lexsort((positions, docnums, keys) if positions is not None else (docnums, keys))
            sort, keys, docnums = sort[again], keys[again], docnums[again]
            positions = positions[again] if positions is not None else None
        new_posting = np.ones(len(keys), dtype=bool)
        new_posting[1:] = (keys[1:] != keys[:-1]) | (docnums[1:] != docnums[:-1])
        heads = np.flatnonzero(new_posting)
        present = np.unique(keys)
        posting_starts = np.append(np.searchsorted(keys[heads], present), len(heads))
        terms = [names[order[k]] for k in present.tolist()]
        if not self.positional:
            counts = np.add.reduceat(columns[2][sort], heads)
            return FlatField(self.name, self.boost, terms, posting_starts, docnums[heads], counts)
        counts = np.diff(np.append(heads, len(keys)))
        return FlatField(
            self.name, self.boost, terms, posting_starts, docnums[heads], counts,
            positions, columns[3][sort], columns[4][sort], spans,
        )  # fmt: skip


def grouped_in_order(keys: Any, docnums: Any, positions: Any = None) -> bool:
    """Whether, within each term, occurrences are in document (and position) order."""
    same_key = keys[1:] == keys[:-1]
    later_doc = docnums[1:] > docnums[:-1]
    if positions is None:
        return bool((~same_key | later_doc).all())
    later_position = (docnums[1:] == docnums[:-1]) & (positions[1:] >= positions[:-1])
    return bool((~same_key | later_doc | later_position).all())


class TermPool:
    """Stands in for Whoosh's posting pool: the searched fields' ``FieldPool``s, and the postings
    of the fields Whoosh's term table keeps, grouped by field and term as they arrive.

    A segment's documents are numbered in the order they are added (merged segments after the
    new documents), so each term's postings arrive already sorted by document number.
    """

    def __init__(self, schema: Any) -> None:
        self.fields: dict[str, dict[bytes, TermPostings]] = {}
        self.flat = {
            name: FieldPool(name, schema[name].format.field_boost, schema[name].format.supports("positions"))
            for name in SEARCH_FIELDS
        }

    @property
    def body(self) -> FieldPool:
        return self.flat["body"]

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's pool interface (used when merging segments): one posting."""
        fieldname, tbytes, docnum, weight, value = item
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
        """Whoosh's pool interface: drop everything pooled."""
        self.fields.clear()
        for name, pool in self.flat.items():
            self.flat[name] = FieldPool(name, pool.boost, pool.positional)
