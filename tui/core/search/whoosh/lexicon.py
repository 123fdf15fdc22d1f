"""What prefix, wildcard and fuzzy terms expand to, per searcher, from each segment's sorted terms.

A searched field's terms are sorted in each segment's ``.lps`` file, so a prefix is a range
there: two bisections per segment, whatever the size of the vocabulary, and no term list is
read for it. Fuzzy words are matched with rapidfuzz against the field's terms (their union
over the segments, as the indexer saved it: ``term_lists``) and the corpus's surface words,
ranked by closeness, then frequency; at most ``MAX_EXPANSIONS`` terms are kept.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Callable, Iterable
from typing import Any

from whoosh import fields

from tui.core.search.analysis import stem
from tui.core.search.near_words import WordsByLength
from tui.core.search.query import MAX_EXPANSIONS, SEARCH_FIELDS
from tui.core.search.whoosh.schema import LecternAnalyzer
from tui.core.search.whoosh.term_lists import Saved, flats_of, joined


class Lexicon:
    """Each field's terms and their document frequencies as a searcher sees them; and the
    expansions found in them.

    Whoosh expands a prefix, wildcard or fuzzy term in every segment separately, comparing
    each term in Python (fuzzy terms through a Levenshtein automaton, itself in Python).
    Expanding once against the whole index gives the same terms: a term missing from a
    segment just matches nothing there.
    """

    def __init__(
        self,
        reader: Any,
        vocabulary: Callable[[], list[str]] = list,
        saved: Callable[[], Saved | None] = lambda: None,
        surface: Callable[[], WordsByLength] | None = None,
    ) -> None:
        self._reader = reader
        self._flats = flats_of(reader)
        self._vocabulary = vocabulary
        """The corpus's words as written, sorted (read when a fuzzy term first needs them)."""
        self._saved = saved
        """The searched fields' terms and the words as the indexer saved them for this commit
        (``term_lists``)."""
        self._lists: dict[str, WordsByLength] | None = None
        """Each searched field's terms by length: saved, or joined from the segments."""
        self._surface = surface or (lambda: WordsByLength.of(vocabulary()))
        """The corpus's words by length (read when a fuzzy word first needs them)."""
        self._surface_words: WordsByLength | None = None
        self._surface_near: dict[tuple[str, str, int], dict[str, int]] = {}
        self._frequencies: dict[tuple[str, str], dict[str, int]] = {}
        self._summed: dict[tuple[str, bytes], int] = {}
        """Document frequencies a prefix's expansion summed over the segments, for ``idf``."""
        self._documents: int | None = None
        self._expansions: dict[tuple[Any, ...], list[bytes]] = {}
        self._distance: dict[tuple[str, str], int] = {}

    @property
    def schema(self) -> Any:
        return self._reader.schema

    def holds_text(self, fieldname: str | None) -> bool:
        """Whether the field's terms are UTF-8 text (not encoded numbers or dates)."""
        try:
            field = self._reader.schema[fieldname]
        except KeyError:
            return False
        return isinstance(field, (fields.TEXT, fields.KEYWORD, fields.ID))

    def frequencies(self, fieldname: str, prefix: str) -> dict[str, int]:
        """The field's terms that start with ``prefix`` and how many documents hold each
        (deleted ones too, as Whoosh counts), remembered for this searcher."""
        cache_key = (fieldname, prefix)
        found = self._frequencies.get(cache_key)
        if found is not None:
            return found
        found = {}
        if fieldname in SEARCH_FIELDS:
            start = prefix.encode("utf-8")
            for flat in self._flats:
                first, end = flat.prefix_range(fieldname, start)
                terms = flat.terms(first, end)
                for term, frequency in zip(terms, flat.doc_frequencies(first, end).tolist(), strict=True):
                    text = term.decode("utf-8")
                    found[text] = found.get(text, 0) + frequency
            self._summed.update(((fieldname, t.encode("utf-8")), n) for t, n in found.items())
        elif self.holds_text(fieldname):
            reader = self._reader
            for term in reader.expand_prefix(fieldname, prefix):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                found[text] = reader.doc_frequency(fieldname, text)
        self._frequencies[cache_key] = found
        return found

    def idf(self, searcher: Any, fieldname: str, tbytes: bytes) -> float:
        """BM25F's inverse document frequency of a term, as ``searcher.idf`` computes it, from
        the frequency its prefix's expansion summed when there is one: Whoosh would look each
        of a prefix's hundreds of terms up again in every segment (a fifth of a prefix query)."""
        summed = self._summed.get((fieldname, tbytes))
        if summed is None:
            return float(searcher.idf(fieldname, tbytes))
        if self._documents is None:
            self._documents = int(self._reader.doc_count_all())
        return math.log(self._documents / (summed + 1)) + 1  # whoosh.scoring.WeightingModel.idf

    def terms(self, fieldname: str, prefix: str = "") -> list[str]:
        """The field's terms that start with ``prefix``, in order."""
        return sorted(self.frequencies(fieldname, prefix))

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """How many documents hold the term (deleted ones too, as Whoosh counts)."""
        if fieldname not in SEARCH_FIELDS:
            return int(self._reader.doc_frequency(fieldname, term))
        tbytes = term.encode("utf-8")
        total = 0
        for flat in self._flats:
            key = flat.find(fieldname, tbytes)
            if key is not None:
                total += flat.doc_frequency(key)
        return total

    def expand(
        self, key: tuple[Any, ...], find: Callable[[], Iterable[str]], known: dict[str, int] | None = None
    ) -> list[bytes]:
        """The terms ``find`` gives (the ``MAX_EXPANSIONS`` most frequent when there are more; ``key``
        names the field second; ``known`` holds frequencies already counted), remembered under
        ``key`` for this searcher."""
        if key not in self._expansions:
            found = list(find())
            if len(found) > MAX_EXPANSIONS:
                frequency = functools.partial(self._frequency_of, key[1], known or {})
                found = sorted(heapq.nlargest(MAX_EXPANSIONS, found, key=frequency))
            self._expansions[key] = [t.encode("utf-8") for t in found]
        return self._expansions[key]

    def _frequency_of(self, fieldname: str, known: dict[str, int], term: str) -> int:
        found = known.get(term)
        return self.doc_frequency(fieldname, term) if found is None else found

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
            found = self._near_terms(fieldname, word, word[:prefix], maxdist)
            if self.stemmed(fieldname):
                for surface, distance in self._near_surface(word, word[:prefix], maxdist).items():
                    term = stem(surface)
                    if term not in found and not self._held(fieldname, term):
                        continue
                    found[term] = min(found.get(term, distance), distance)
            frequency = functools.partial(self.doc_frequency, fieldname)
            ranked = sorted(found, key=lambda t: (found[t], -frequency(t), t))
            for term in ranked:
                self._distance[(fieldname, term)] = found[term]
            return ranked

        key = ("fuzzy", fieldname, text, maxdist, prefix)
        if key not in self._expansions:  # ranked already: the cap keeps the closest
            self._expansions[key] = [t.encode("utf-8") for t in find()[:MAX_EXPANSIONS]]
        return self._expansions[key]

    def _held(self, fieldname: str, term: str) -> bool:
        tbytes = term.encode("utf-8")
        return any(flat.find(fieldname, tbytes) is not None for flat in self._flats)

    def _near_terms(self, fieldname: str, word: str, prefix: str, maxdist: int) -> dict[str, int]:
        """The field's terms within ``maxdist`` of ``word`` (a prefix narrows them to a range;
        else only the lengths within ``maxdist`` of the word's are looked at, ``near_words``)."""
        if fieldname not in SEARCH_FIELDS or prefix:
            return self._near(word, self.terms(fieldname, prefix), maxdist)
        return self._field_lists(fieldname).near(word, maxdist)

    def terms_of_length(self, fieldname: str, length: int) -> list[str]:
        """The searched field's terms of ``length`` characters, sorted: saved by the indexer,
        else joined from the segments (once per searcher)."""
        return self._field_lists(fieldname).of_length(length)

    def _field_lists(self, fieldname: str) -> WordsByLength:
        by_field = self._saved_lists()
        lists = by_field.get(fieldname)
        if lists is None:
            lists = by_field[fieldname] = WordsByLength.of(joined(self._flats, fieldname))
        return lists

    def _saved_lists(self) -> dict[str, WordsByLength]:
        """The fields' terms (and the words) saved for this commit, read once."""
        if self._lists is None:
            saved = self._saved()
            self._lists = (
                {name: WordsByLength(field) for name, field in saved.fields.items()} if saved else {}
            )
            if saved and saved.words:
                self._surface_words = WordsByLength(saved.words)
        return self._lists

    def field_terms(self, fieldname: str) -> list[str]:
        """Every term of a searched field, sorted."""
        lists = self._field_lists(fieldname)
        return sorted(term for n in lists.lengths() for term in lists.of_length(n))

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

    def _near_surface(self, word: str, prefix: str, maxdist: int) -> dict[str, int]:
        """The corpus's words within ``maxdist`` of ``word`` (with ``prefix``); once per word,
        whichever stemmed field asks."""
        key = (word, prefix, maxdist)
        found = self._surface_near.get(key)
        if found is None:
            if prefix:
                found = self._near(word, self._surface_with(prefix), maxdist)
            else:
                found = self.surface_words().near(word, maxdist)
            self._surface_near[key] = found
        return found

    def surface_words(self) -> WordsByLength:
        """The corpus's words by length: saved with the terms, else from the vocabulary."""
        self._saved_lists()  # (which may hold them)
        if self._surface_words is None:
            self._surface_words = self._surface()
        return self._surface_words

    def _surface_with(self, prefix: str) -> list[str]:
        import bisect

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
