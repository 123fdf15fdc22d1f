"""A query's terms per field, and their stored occurrences in the hit documents.

``QueryTerms`` collects what a parsed query looks for (terms, phrases, expansions);
``occurrences_in`` reads the occurrences of the hit documents from each segment's ``.lps``
file: a binary search in the term's documents, then that posting's few bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from tui.core.search.highlight import (
    Occurrences,
    Postings,
    merge_sorted,
    offsets_in_text,
    phrase_spans,
    snippet_of,
)
from tui.core.search.query import Expansion, Node, Phrase, Term, positive_leaves
from tui.core.search.types import Span
from tui.core.search.whoosh.bulk import Segment
from tui.core.search.whoosh.lexicon import Lexicon
from tui.core.search.whoosh.parse import expand

DocumentOccurrences = dict[str, Occurrences]
"""A document's occurrences of some terms."""


class QueryTerms:
    """The terms and phrases a query looks for in one field (the body unless told), with
    wildcards expanded in the index."""

    def __init__(self, tree: Node, lexicon: Lexicon, fieldname: str = "body") -> None:
        self.terms: set[str] = set()
        self.phrases: list[tuple[str, ...]] = []
        for leaf in positive_leaves(tree):
            if leaf.field != fieldname:
                continue
            if isinstance(leaf, Term):
                self.terms.add(leaf.text)
            elif isinstance(leaf, Phrase):
                self.phrases.append(leaf.words)
            else:
                self.terms.update(_expansion(leaf, lexicon))

    def spans(self, postings: Postings) -> tuple[Any, Any]:
        """Merged, sorted hit spans given a term -> occurrences lookup: their starts and ends."""
        import numpy as np

        starts: list[Any] = []
        ends: list[Any] = []
        for term in self.terms:
            occurrences = postings(term)
            if occurrences is not None:
                starts.append(occurrences[1])
                ends.append(occurrences[2])
        for words in self.phrases:
            phrase_starts, phrase_ends = phrase_spans(words, postings)
            starts.append(phrase_starts)
            ends.append(phrase_ends)
        if len(starts) == 1:
            return merge_sorted(starts[0], ends[0])
        if not starts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return merge_sorted(np.concatenate(starts), np.concatenate(ends))

    def occurrences_in(
        self, segments: list[Segment], docnums: Sequence[int]
    ) -> dict[int, DocumentOccurrences]:
        """The stored occurrences of every word of the query in each of the sorted ``docnums``.
        ValueError if a segment's file holds impossible numbers."""
        found: dict[int, DocumentOccurrences] = defaultdict(dict)
        words = self.terms.union(*self.phrases)
        for segment in segments:
            end = segment.offset + segment.size
            local = [d - segment.offset for d in docnums if segment.offset <= d < end]
            if not local:
                continue
            for docnum, occurrences in flat_occurrences(segment, words, local).items():
                found[docnum + segment.offset].update(occurrences)
        return found


def flat_occurrences(
    segment: Segment, words: Iterable[str], local: list[int]
) -> dict[int, DocumentOccurrences]:
    """``occurrences_in`` for one segment: per word, a binary search in its documents and a
    read of each hit document's posting."""
    found: dict[int, DocumentOccurrences] = defaultdict(dict)
    for word in words:
        term = word.encode("utf-8")
        key = segment.key("body", term)
        if key is None:
            continue
        for docnum, occurrences in zip(local, segment.flat.in_documents(key, local, term), strict=True):
            if len(occurrences[0]):
                found[docnum][word] = occurrences
    return found


def _expansion(leaf: Expansion, lexicon: Lexicon) -> list[str]:
    try:
        return [term.decode("utf-8") for term in expand(leaf, lexicon)]
    except Exception:  # an expansion that cannot run simply finds nothing to highlight
        return []


class Elsewhere:
    """Where a document matched when its text holds no hit: its title, its tags or the user's
    notes, with the matching words marked (the same analyzer finds them)."""

    def __init__(self, tree: Node, lexicon: Lexicon) -> None:
        self._title = QueryTerms(tree, lexicon, "title")
        self._note = QueryTerms(tree, lexicon, "note")
        self._tags = QueryTerms(tree, lexicon, "tags").terms

    def match(self, stored: dict[str, Any]) -> tuple[str, str, tuple[Span, ...]] | None:
        """(field, text, marks in it), or None when nothing there matches either."""
        for field, terms in (("title", self._title), ("note", self._note)):
            value = str(stored.get(field) or "")
            if value and (terms.terms or terms.phrases):
                starts, ends = terms.spans(offsets_in_text(value))
                if len(starts):
                    return (field, *snippet_of(value, starts, ends))
        tags = [t for t in str(stored.get("tags") or "").split(",") if t]
        wanted = [t for t in tags if t.lower() in self._tags]
        if not wanted:
            return None
        text = ", ".join(tags)
        marks: list[Span] = []
        at = 0
        for tag in tags:
            if tag in wanted:
                marks.append((at, at + len(tag)))
            at += len(tag) + 2
        return "tags", text, tuple(marks)
