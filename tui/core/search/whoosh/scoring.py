"""Whoosh's BM25F and phrase matching, made fast for the nodes that run through Whoosh.

``Weighting`` caches field lengths per reader and scores a block at a time; ``FastPhrase``
checks positions from the body's compact encoding. The bulk evaluator scores the same way, and
tests hold both to Whoosh's own results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from whoosh import matching, query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN as _LENGTHS_COLUMN
from whoosh.util import make_binary_tree
from whoosh.util.numeric import byte_to_length

from tui.core.search.phrases import phrase_anchor
from tui.core.search.ranking import K1, B, bm25, length_norm


class Weighting(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's BM25F, with each segment's field lengths read once per searcher.

    Whoosh's scorer looks a document's field length up through several calls and a file read
    for every posting it scores; here it is a list index. Scores are the same numbers.
    """

    def __init__(self) -> None:
        super().__init__(B=B, K1=K1)
        self._lengths: dict[tuple[int, str], tuple[Any, list[int]]] = {}

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: float = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return super().scorer(searcher, fieldname, text, qf=qf)
        lengths = self.lengths_of(searcher.reader(), fieldname)
        return Scorer(searcher, fieldname, text, self.B, self.K1, lengths, qf=qf)

    def lengths_of(self, reader: Any, fieldname: str) -> list[int]:
        key = (id(reader), fieldname)
        if key not in self._lengths:  # the reader is kept with its lengths, so ids stay unique
            self._lengths[key] = (reader, field_lengths(reader, fieldname))
        return self._lengths[key][1]


class Scorer(scoring.BM25FScorer):  # type: ignore[misc]
    """``BM25FScorer`` over a list of the segment's field lengths; the same formula and order."""

    def __init__(
        self, searcher: Any, fieldname: str, text: Any, B: float, K1: float, lengths: list[int], qf: float = 1
    ) -> None:
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)
        self.dfl = lengths.__getitem__

    def score(self, matcher: Any) -> float:
        norm = length_norm(self.dfl(matcher.id()), self.avgfl, self.B, self.K1)
        return float(bm25(matcher.weight(), norm, self.idf, self.K1))


def field_lengths(reader: Any, fieldname: str) -> list[int]:
    """Each document's length in ``fieldname``, as Whoosh stores it (one byte, approximate).

    Reads the W3 codec's length column in one piece; any other reader is asked per document.
    """
    count = reader.doc_count_all()
    data = length_bytes(reader, fieldname)
    if data is None:
        return [reader.doc_field_length(d, fieldname, 1) or 0 for d in range(count)]
    if not data:  # no lengths written: Whoosh's scorer then uses 1
        return [1] * count
    return doc_lengths(reader, fieldname, data)


def doc_lengths(reader: Any, fieldname: str, data: bytes | None = None) -> list[int]:
    """Each document's length in ``fieldname`` as ``doc_field_length`` gives it (0 for a field
    without lengths), read in one piece (``data``: the column, when read already)."""
    count = reader.doc_count_all()
    data = length_bytes(reader, fieldname) if data is None else data
    if data is None:
        return [reader.doc_field_length(d, fieldname) for d in range(count)]
    return list(map(LENGTH_OF_BYTE.__getitem__, data[:count])) + [0] * (count - len(data))


LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]
"""The length each stored byte stands for (a table: 100,000 calls cost 20 ms at a first search)."""


def length_bytes(reader: Any, fieldname: str) -> bytes | None:
    """The W3 codec's length column of ``fieldname`` as stored (empty when none was written), or
    None for a reader without one."""
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", _LENGTHS_COLUMN)
        return bytes(column._dbfile.get(column._basepos, column._count)) if column is not None else b""
    except AttributeError:
        return None


class FastPhrase(query.Phrase):  # type: ignore[misc]
    """An exact phrase (slop 1), checked with set arithmetic on the words' positions.

    Whoosh runs phrases through SpanNear2, which builds a Python object per occurrence of each
    word in each candidate document. This matches the same documents with the same scores
    (the intersection of the words' postings, as SpanNear2 scores it).
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        schema = searcher.schema
        if self.fieldname not in schema or not schema[self.fieldname].format.supports("positions"):
            return super().matcher(searcher, context)  # nothing, or Whoosh's error message
        field = schema[self.fieldname]
        words = [field.to_bytes(w) for w in self.words]
        reader = searcher.reader()
        if not all((self.fieldname, w) in reader for w in words):
            return matching.NullMatcher()
        matchers = [query.Term(self.fieldname, w).matcher(searcher, context) for w in words]
        m: Any = PhraseMatcher(matchers, words, field.format.decode_positions)
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


class PhraseMatcher(matching.WrappingMatcher):  # type: ignore[misc]
    """The documents of an intersection where the words stand at consecutive positions.

    Scores are the intersection's, one matcher per word as SpanNear2 has; a word repeated in
    the phrase has its positions decoded once per document.
    """

    def __init__(self, matchers: list[Any], words: list[bytes], decode: Callable[[bytes], list[int]]) -> None:
        super().__init__(make_binary_tree(matching.IntersectionMatcher, matchers))
        self._matchers, self._words, self._decode = matchers, words, decode
        self._first_matcher: dict[bytes, Any] = {}
        for word, matcher in zip(words, matchers, strict=True):
            self._first_matcher.setdefault(word, matcher)
        self._find()

    def _find(self) -> None:
        child = self.child
        while child.is_active() and not self._in_order():
            child.next()

    def _in_order(self) -> bool:
        """Whether some position p has the phrase's word i at p + i, for every i."""
        decoded = {word: self._decode(matcher.value()) for word, matcher in self._first_matcher.items()}
        positions = [decoded[word] for word in self._words]
        return all(positions) and bool(phrase_anchor(positions)[1].any())

    def copy(self) -> PhraseMatcher:
        return PhraseMatcher([m.copy() for m in self._matchers], self._words, self._decode)

    def replace(self, minquality: float = 0) -> Any:
        return self if self.is_active() else matching.NullMatcher()

    def supports_block_quality(self) -> bool:
        return False

    def next(self) -> None:
        self.child.next()
        self._find()

    def skip_to(self, docnum: int) -> None:
        self.child.skip_to(docnum)
        self._find()

    def all_ids(self) -> Iterator[int]:
        while self.is_active():
            yield self.id()
            self.next()
