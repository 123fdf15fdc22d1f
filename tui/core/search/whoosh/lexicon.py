"""Every term of a field, sorted, per searcher: what prefix, wildcard and fuzzy terms expand to.

Whoosh walks its term table for each expansion. The lexicon reads it once per segment, answers
prefixes with a binary search, fuzzy words with rapidfuzz over the corpus's surface words
(ranked by closeness, then frequency), and keeps at most ``MAX_EXPANSIONS`` terms.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import struct
from collections.abc import Callable, Iterable
from typing import Any

from whoosh import fields

from tui.core.search.analysis import stem
from tui.core.search.query import MAX_EXPANSIONS
from tui.core.search.whoosh.schema import LecternAnalyzer


class Lexicon:
    """Each field's terms, sorted, read once per searcher; and the expansions found in them.

    Whoosh expands a prefix, wildcard or fuzzy term in every segment separately, comparing
    each term in Python (fuzzy terms through a Levenshtein automaton, itself in Python).
    Expanding once against the whole index gives the same terms: a term missing from a
    segment just matches nothing there.
    """

    def __init__(self, reader: Any, vocabulary: Callable[[], list[str]] = list) -> None:
        self._reader = reader
        self._vocabulary = vocabulary
        """The corpus's words as written, sorted (read when a fuzzy term first needs them)."""
        self._terms: dict[str, list[str]] = {}
        self._expansions: dict[tuple[Any, ...], list[bytes]] = {}
        self._distance: dict[tuple[str, str], int] = {}

    def holds_text(self, fieldname: str | None) -> bool:
        """Whether the field's terms are UTF-8 text (not encoded numbers or dates)."""
        try:
            field = self._reader.schema[fieldname]
        except KeyError:
            return False
        return isinstance(field, (fields.TEXT, fields.KEYWORD, fields.ID))

    def terms(self, fieldname: str, prefix: str = "") -> list[str]:
        """The field's terms that start with ``prefix``, in order."""
        terms = self._terms.get(fieldname)
        if terms is None:
            terms = self._terms[fieldname] = self._read(fieldname)
        if not prefix:
            return terms
        first = bisect.bisect_left(terms, prefix)
        return terms[first : bisect.bisect_left(terms, prefix + "\U0010ffff", first)]

    def _read(self, fieldname: str) -> list[str]:
        found: set[bytes] = set()
        for leaf, _ in self._reader.leaf_readers():
            found.update(segment_terms(leaf, fieldname))
        return sorted(t.decode("utf-8") for t in found)

    def expand(self, key: tuple[Any, ...], find: Callable[[], Iterable[str]]) -> list[bytes]:
        """The terms ``find`` gives (the ``MAX_EXPANSIONS`` most frequent when there are more; ``key``
        names the field second), remembered under ``key`` for this searcher."""
        if key not in self._expansions:
            found = [t.encode("utf-8") for t in find()]
            if len(found) > MAX_EXPANSIONS:
                frequency = functools.partial(self._reader.doc_frequency, key[1])
                found = sorted(heapq.nlargest(MAX_EXPANSIONS, found, key=frequency))
            self._expansions[key] = found
        return self._expansions[key]

    def within(self, fieldname: str, text: str, maxdist: int, prefix: int) -> list[bytes]:
        """The field's terms a misspelling within ``maxdist`` edits (a transposition is one)
        stands for, closest and then most frequent first; ``closeness`` weighs each.

        Words are compared as written, not as stems: ``goverment`` is one edit from the word
        "government", three from its stem "govern". So a stemmed field is expanded through the
        corpus's surface words (each standing for its stem), and every field through its own
        terms too (tags, CJK pairs, words absent from the vocabulary).
        """

        def find() -> list[str]:
            word = text.lower()
            found = self._near(word, self.terms(fieldname, word[:prefix]), maxdist)
            if self.stemmed(fieldname):
                held = self.terms(fieldname)
                for surface, distance in self._near(word, self._surface(word[:prefix]), maxdist).items():
                    term = stem(surface)
                    at = bisect.bisect_left(held, term)
                    if at < len(held) and held[at] == term:
                        found[term] = min(found.get(term, distance), distance)
            frequency = functools.partial(self._reader.doc_frequency, fieldname)
            ranked = sorted(found, key=lambda t: (found[t], -frequency(t), t))
            for term in ranked:
                self._distance[(fieldname, term)] = found[term]
            return ranked

        key = ("fuzzy", fieldname, text, maxdist, prefix)
        if key not in self._expansions:  # ranked already: the cap keeps the closest
            self._expansions[key] = [t.encode("utf-8") for t in find()[:MAX_EXPANSIONS]]
        return self._expansions[key]

    def closeness(self, fieldname: str, term: bytes) -> float:
        """How much a fuzzy expansion counts: the word itself 1, one edit away 1/2, two 1/3."""
        return 1.0 / (1 + self._distance.get((fieldname, term.decode("utf-8")), 0))

    def stemmed(self, fieldname: str) -> bool:
        """Whether the field's terms are stems of the words (title, body, notes)."""
        try:
            field = self._reader.schema[fieldname]
        except KeyError:
            return False
        return isinstance(field, fields.TEXT) and isinstance(field.analyzer, LecternAnalyzer)

    def _surface(self, prefix: str) -> list[str]:
        words = self._vocabulary()
        if not prefix:
            return words
        first = bisect.bisect_left(words, prefix)
        return words[first : bisect.bisect_left(words, prefix + "\U0010ffff", first)]

    @staticmethod
    def _near(word: str, choices: list[str], maxdist: int) -> dict[str, int]:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
        return {term: int(distance) for term, distance, _ in found}


def segment_terms(leaf: Any, fieldname: str) -> list[bytes]:
    """A segment's terms in ``fieldname``.

    Whoosh reads its term file with a seek and a read per term (some 80 ms for 30,000 terms);
    this reads the W3 codec's key/value area in one piece and walks it. Other readers are asked.
    """
    try:
        table = leaf._terms._tindex
        prefix = struct.pack("!H", leaf._terms._fieldmap[fieldname])  # keys: field number, term
        start = table.closest_key_pos(prefix)
    except KeyError:  # the segment has no terms in that field
        return []
    except AttributeError:
        return list(leaf.lexicon(fieldname)) if fieldname in leaf.indexed_field_names() else []
    if start is None:
        return []
    data = table.dbfile.get(start, table.endofdata - start)
    terms, pos, end = [], 0, len(data)
    while pos < end:  # each entry: key length, value length (two ints), key, value
        keylen, datalen = _ENTRY_LENGTHS.unpack_from(data, pos)
        pos += _ENTRY_LENGTHS.size
        if not data.startswith(prefix, pos):  # keys are in order: the field's terms are over
            break
        terms.append(data[pos + len(prefix) : pos + keylen])
        pos += keylen + datalen
    return terms


_ENTRY_LENGTHS = struct.Struct("!ii")
