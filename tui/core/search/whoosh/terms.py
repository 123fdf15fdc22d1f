"""Whoosh's view of a segment's terms: its own table for id, date and language, the ``.lps`` file
for the searched fields.

The searched fields' postings are written once, to the flat file; everything in Whoosh that
asks its reader about a term (document frequencies for idf, matchers for sorting, for the
date and language nodes combined with words, for phrases with a slop, for a merge) gets them
from there through ``LecternTermsReader``, the terms reader ``LecternCodec`` opens. Values are
encoded in the field's Whoosh format only when a matcher asks for one. Without a readable
``.lps`` file the segment cannot be opened at all: the searcher reports the index damaged and
it is rebuilt, never answered from half its postings.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import takewhile
from typing import Any

from whoosh.codec.base import TermsReader
from whoosh.matching import ListMatcher
from whoosh.reading import TermInfo, TermNotFound
from whoosh.system import pack_uint

from tui.core.search.flat.postings import FlatPostings
from tui.core.search.query import SEARCH_FIELDS

FLAT_FIELDS = frozenset(SEARCH_FIELDS)
_LONGEST = 1 << 31


class LecternTermsReader(TermsReader):  # type: ignore[misc]
    """``own`` (Whoosh's ``W3TermsReader``) for its fields, ``flat`` for the searched ones."""

    def __init__(self, own: Any, flat: FlatPostings) -> None:
        self.own = own
        self.flat = flat

    def _key(self, fieldname: str, tbytes: bytes) -> int | None:
        return self.flat.find(fieldname, tbytes)

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        fieldname, tbytes = term
        if fieldname in FLAT_FIELDS:
            return self._key(fieldname, tbytes) is not None
        return term in self.own

    def indexed_field_names(self) -> list[str]:
        flat = [name for name, info in self.flat.fields.items() if info.end > info.first]
        return sorted({*self.own.indexed_field_names(), *flat})

    def _field_terms(self, fieldname: str, prefix: bytes = b"") -> Iterator[bytes]:
        if fieldname in FLAT_FIELDS:
            info = self.flat.fields.get(fieldname)
            if info is not None:
                yield from self.flat.terms(self.flat.lower_bound(fieldname, prefix), info.end)
            return
        found = self.own.terms_from(fieldname, prefix)
        yield from (t for _, t in takewhile(lambda term: term[0] == fieldname, found))

    def terms(self) -> Iterator[tuple[str, bytes]]:
        for fieldname in self.indexed_field_names():
            yield from ((fieldname, t) for t in self._field_terms(fieldname))

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        """Terms from ``prefix`` on, this field's and then every later field's (as Whoosh's)."""
        for name in self.indexed_field_names():
            if name == fieldname:
                yield from ((name, t) for t in self._field_terms(name, prefix))
            elif name > fieldname:
                yield from ((name, t) for t in self._field_terms(name))

    def items(self) -> Iterator[tuple[tuple[str, bytes], Any]]:
        for term in self.terms():
            yield term, self.term_info(*term)

    def items_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[tuple[str, bytes], Any]]:
        for term in self.terms_from(fieldname, prefix):
            yield term, self.term_info(*term)

    def cursor(self, fieldname: str, fieldobj: Any) -> Any:
        if fieldname in FLAT_FIELDS:
            return ListCursor(self, fieldname, fieldobj)
        return self.own.cursor(fieldname, fieldobj)

    def _postings(self, fieldname: str, tbytes: bytes) -> tuple[int, Any, Any]:
        key = self._key(fieldname, tbytes)
        if key is None:
            raise TermNotFound(f"{fieldname}:{tbytes!r}")
        ids, counts = self.flat.postings(key)
        return key, ids, counts

    def term_info(self, fieldname: str, tbytes: bytes) -> Any:
        if fieldname not in FLAT_FIELDS:
            return self.own.term_info(fieldname, tbytes)
        _, ids, counts = self._postings(fieldname, tbytes)
        boost = self.flat.fields[fieldname].boost
        return TermInfo(
            weight=float(counts.sum()) * boost,
            df=len(ids),
            minlength=1,  # bounds, not Whoosh's (quality estimates stay upper bounds)
            maxlength=_LONGEST,
            maxweight=float(counts.max()) * boost,
            minid=int(ids[0]),
            maxid=int(ids[-1]),
        )

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        if fieldname not in FLAT_FIELDS:
            return float(self.own.frequency(fieldname, tbytes))
        key = self._key(fieldname, tbytes)
        if key is None:
            raise KeyError((fieldname, tbytes))
        return float(self.flat.postings(key)[1].sum()) * self.flat.fields[fieldname].boost

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        if fieldname not in FLAT_FIELDS:
            return int(self.own.doc_frequency(fieldname, tbytes))
        key = self._key(fieldname, tbytes)
        if key is None:
            raise KeyError((fieldname, tbytes))
        return self.flat.doc_frequency(key)

    def matcher(self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None) -> Any:
        if fieldname not in FLAT_FIELDS:
            return self.own.matcher(fieldname, tbytes, format_, scorer=scorer)
        info = self.term_info(fieldname, tbytes)
        key, ids, counts = self._postings(fieldname, tbytes)
        weights = (counts * self.flat.fields[fieldname].boost).astype(float).tolist()
        values = Values(self.flat, fieldname, key, format_, counts)
        return ListMatcher(
            ids.tolist(), weights, values, format_, scorer=scorer, term=(fieldname, tbytes), terminfo=info
        )

    def close(self) -> None:
        self.own.close()
        self.flat.close()


class Values:
    """A term's postings' values in the field's Whoosh format, encoded when first asked for."""

    def __init__(self, flat: FlatPostings, fieldname: str, key: int, format_: Any, counts: Any) -> None:
        self._flat, self._fieldname, self._key, self._format = flat, fieldname, key, format_
        self._counts = counts.tolist()
        self._heads = [0]
        for count in self._counts:
            self._heads.append(self._heads[-1] + count)
        self._occurrences: tuple[list[int], list[int], list[int]] | None = None

    def __len__(self) -> int:
        return len(self._counts)

    def __getitem__(self, i: int) -> bytes:
        format_ = self._format
        if not format_.supports("positions"):
            return bytes(pack_uint(self._counts[i]))
        if self._occurrences is None:
            _, _, *columns = self._flat.posting_occurrences(self._key)
            self._occurrences = (columns[0].tolist(), columns[1].tolist(), columns[2].tolist())
        head, end = self._heads[i], self._heads[i + 1]
        positions, starts, ends = (column[head:end] for column in self._occurrences)
        if format_.supports("characters"):
            return bytes(format_.encode(list(zip(positions, starts, ends, strict=True))))
        return bytes(format_.encode(positions))


class ListCursor:
    """Whoosh's field cursor over a searched field's terms, as ``W3FieldCursor`` behaves (lectern's
    own expansions never use it; Whoosh's fuzzy automaton does)."""

    def __init__(self, reader: LecternTermsReader, fieldname: str, fieldobj: Any) -> None:
        self._reader, self._fieldname, self._fieldobj = reader, fieldname, fieldobj
        self._terms = list(reader._field_terms(fieldname))
        self._at = 0

    def first(self) -> Any:
        self._at = 0
        return self.text()

    def find(self, term: Any) -> Any:
        import bisect

        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        self._at = bisect.bisect_left(self._terms, term)
        return self.text()

    def next(self) -> Any:
        self._at += 1
        return self.text()

    def text(self) -> Any:
        return self._fieldobj.from_bytes(self._terms[self._at]) if self.is_valid() else None

    def term_info(self) -> Any:
        return self._reader.term_info(self._fieldname, self._terms[self._at]) if self.is_valid() else None

    def is_valid(self) -> bool:
        return self._at < len(self._terms)
