"""Relevance search over whole posting lists: a parsed query evaluated as numpy arrays.

Whoosh scores one document at a time in Python. Here each segment's flat postings give a node's
documents and BM25F scores in one expression; And, Or, Not and phrases combine masks and score
arrays, and any node this does not know runs through Whoosh's matcher for that segment. A sort
by date or title takes the same matched documents and orders them by the column.
"""

from __future__ import annotations

from typing import Any

from whoosh.reading import TermNotFound

from tui.core.search.query import (
    SEARCH_FIELDS,
    AndMaybe,
    AndNot,
    Expansion,
    Group,
    Native,
    Node,
    Not,
    Phrase,
    Term,
)
from tui.core.search.ranking import bm25, length_norm
from tui.core.search.whoosh.blocks import ids_and_weights
from tui.core.search.whoosh.dates import ColumnRange, ColumnTerm, matching
from tui.core.search.whoosh.lexicon import Lexicon
from tui.core.search.whoosh.parse import expand, to_whoosh
from tui.core.search.whoosh.scoring import LENGTH_OF_BYTE, length_bytes


class Segment:
    """One segment of a searcher, as the bulk evaluator reads it.

    The searched fields come from the segment's flat ``.lps`` file (its reader opened it; it is
    their only copy), the others from Whoosh's posting blocks, read whole. Scores are Whoosh's
    BM25F (``Scorer``): the same numbers, computed for a posting list at a time. Numbers the
    file cannot hold raise ValueError: the searcher calls the index damaged.
    """

    def __init__(self, top: Any, searcher: Any, offset: int, lexicon: Lexicon) -> None:
        import numpy as np

        self.np = np
        self.top, self.searcher, self.offset, self.lexicon = top, searcher, offset, lexicon
        self.reader = searcher.reader()
        self.flat = self.reader._terms.flat
        self.size = int(self.reader.doc_count_all())
        if self.flat.doc_count != self.size:
            raise ValueError("a segment's postings file does not match the segment")
        self.live = np.ones(self.size, dtype=bool)
        segment = self.reader.segment()
        deleted = list(segment.deleted_docs()) if segment.has_deletions() else []
        self.live[np.asarray(deleted, dtype=np.int64)] = False
        self._norms: dict[str, Any] = {}
        self._sort_keys: dict[str, list[Any]] = {}

    def close(self) -> None:
        """Nothing to release: the segment's reader holds its files."""

    def empty(self) -> tuple[Any, Any]:
        return self.np.zeros(self.size, dtype=bool), self.np.zeros(self.size)

    def key(self, fieldname: str, tbytes: bytes) -> int | None:
        """The term's number in the flat file (a searched field), or None."""
        found: int | None = self.flat.find(fieldname, tbytes)
        return found

    def postings(self, fieldname: str, tbytes: bytes) -> tuple[Any, Any] | None:
        """A term's document numbers and weights in this segment."""
        if fieldname in SEARCH_FIELDS:
            key = self.flat.find(fieldname, tbytes)
            if key is None:
                return None
            ids, counts = self.flat.postings(key)
            return ids, counts * self.flat.fields[fieldname].boost
        try:
            return ids_and_weights(self.reader, fieldname, tbytes)
        except (KeyError, TermNotFound):  # not in this segment (one look-up, not two)
            return None

    def documents_with(self, fieldname: str, tbytes: bytes) -> int:
        """How many live documents hold the term."""
        found = self.postings(fieldname, tbytes)
        return 0 if found is None else int(self.live[found[0]].sum())

    def term(self, fieldname: str, tbytes: bytes, boost: float = 1.0) -> tuple[Any, Any]:
        return self.scored(fieldname, tbytes, self.postings(fieldname, tbytes), boost)

    def scored(
        self, fieldname: str, tbytes: bytes, found: tuple[Any, Any] | None, boost: float = 1.0
    ) -> tuple[Any, Any]:
        """The documents of a term's postings (ids, weights) and their BM25F scores."""
        np = self.np
        matched, scores = self.empty()
        if found is None or not len(found[0]):
            return matched, scores
        ids, weights = found[0], found[1].astype(np.float64)
        if self.top.schema[fieldname].scorable:
            idf = self.lexicon.idf(self.top, fieldname, tbytes)
            values = bm25(weights, self._norm(fieldname)[ids], idf, self.top.weighting.K1)
        else:
            values = weights
        matched[ids] = True
        scores[ids] = values * boost if boost != 1.0 else values
        return matched, scores

    def _norm(self, fieldname: str) -> Any:
        """``K1 * (1 - B + B * length / average length)`` for each document: BM25F's denominator."""
        norm = self._norms.get(fieldname)
        if norm is None:
            weighting = self.top.weighting
            average = self.top.avg_field_length(fieldname) or 1
            lengths = self._lengths(fieldname)
            norm = self._norms[fieldname] = length_norm(lengths, average, weighting.B, weighting.K1)
        return norm

    def _lengths(self, fieldname: str) -> Any:
        """The documents' lengths in ``fieldname``, as ``Scorer`` reads them."""
        np = self.np
        data = length_bytes(self.reader, fieldname)
        if not data:  # another codec, or no column written
            return np.asarray(self.top.weighting.lengths_of(self.reader, fieldname), dtype=np.float64)
        lengths = np.zeros(self.size)
        stored = np.frombuffer(data, dtype=np.uint8)[: self.size]
        lengths[: len(stored)] = np.asarray(LENGTH_OF_BYTE, dtype=np.float64)[stored]
        return lengths

    def sort_keys(self, fieldname: str) -> list[Any]:
        """Each document's key in the field's column, as Whoosh sorts by it."""
        keys = self._sort_keys.get(fieldname)
        if keys is None:
            column = self.reader.column_reader(fieldname, reverse=False, translate=False)
            keys = self._sort_keys[fieldname] = [column.sort_key(d) for d in range(self.size)]
        return keys


def evaluate(node: Node, segment: Segment) -> tuple[Any, Any]:
    """The documents of ``segment`` that ``node`` matches (a mask) and their scores.

    Combines masks and score arrays as Whoosh's matchers combine documents: AND and OR add
    their children's scores, NOT and AND NOT take none from the excluded side.
    """
    if isinstance(node, Group):
        parts = [evaluate(child, segment) for child in node.children]
        if not parts:
            return segment.empty()
        combine = segment.np.logical_and if node.op == "and" else segment.np.logical_or
        matched = combine.reduce([m for m, _ in parts])
        scores = sum(s for _, s in parts)
        return matched, _boosted(scores * matched, node.boost)
    if isinstance(node, Not):  # Whoosh's inverse matcher scores 1 for each document it matches
        matched, _ = evaluate(node.child, segment)
        matched = ~matched & segment.live
        return matched, matched.astype(segment.np.float64)
    if isinstance(node, AndNot):
        (matched, scores), (excluded, _) = evaluate(node.positive, segment), evaluate(node.negative, segment)
        matched = matched & ~excluded
        return matched, _boosted(scores * matched, node.boost)
    if isinstance(node, AndMaybe):
        (matched, scores), (_, extra) = evaluate(node.required, segment), evaluate(node.optional, segment)
        return matched, _boosted((scores + extra) * matched, node.boost)
    if isinstance(node, Term):
        try:
            tbytes = segment.top.schema[node.field].to_bytes(node.text)
        except (KeyError, ValueError):
            return segment.empty()
        return segment.term(node.field, tbytes, node.boost)
    if isinstance(node, Phrase) and node.slop == 1 and node.field in SEARCH_FIELDS:
        return _phrase(node, segment)
    if isinstance(node, Expansion):
        return _expanded(node, segment)
    if isinstance(node, Native) and isinstance(node.node, (ColumnRange, ColumnTerm)):
        matched = matching(node.node, segment.reader)
        return matched, matched * float(node.node.boost)
    return _with_whoosh(node, segment)


def _boosted(scores: Any, boost: float) -> Any:
    return scores * boost if boost != 1.0 else scores


def _phrase(q: Phrase, segment: Segment) -> tuple[Any, Any]:
    """Documents where the words stand at consecutive positions, scored as the intersection of
    its words (each repeat counts), like ``FastPhrase``."""
    from tui.core.search.flat.postings import phrase_documents

    flat = segment.flat
    info = flat.fields.get(q.field)
    if info is None or not info.positions:
        return _with_whoosh(q, segment)  # a field without positions: Whoosh explains
    field = segment.top.schema[q.field]
    words = [field.to_bytes(w) for w in q.words]
    keys = [k for k in (segment.key(q.field, w) for w in words) if k is not None]
    matched, scores = segment.empty()
    if not words or len(keys) != len(words):
        return matched, scores
    decoded = {k: flat.occurrences(q.field, k) for k in dict.fromkeys(keys)}  # a repeat once
    matched[phrase_documents([decoded[k] for k in keys], flat.span(q.field))] = True
    if not matched.any():
        return matched, scores
    for word, key in zip(words, keys, strict=True):
        ids, counts, _ = decoded[key]
        scores += segment.scored(q.field, word, (ids, counts * info.boost))[1]
    return matched, _boosted(scores * matched, q.boost)


def _expanded(q: Expansion, segment: Segment) -> tuple[Any, Any]:
    """A prefix, wildcard or fuzzy term: the OR of its expansions, each scored by BM25F.

    Deliberately not Whoosh's "constant score" here, which gives each document 1, or BM25F,
    depending on how many expansions a segment happens to hold: ranking by the expansions'
    scores puts documents with more and rarer matching words first.
    """
    words = [w for w in expand(q, segment.lexicon) if w]
    if len(words) == 1 and q.kind != "fuzzy":  # Whoosh uses the term's matcher, unboosted
        return segment.term(q.field, words[0])
    matched, scores = segment.empty()
    for word in words:
        found, more = segment.term(q.field, word)
        matched |= found
        scores += more * segment.lexicon.closeness(q.field, word) if q.kind == "fuzzy" else more
    return matched, _boosted(scores, q.boost)


def _with_whoosh(node: Node, segment: Segment) -> tuple[Any, Any]:
    """Any other node (a phrase with a slop, a language): Whoosh's matcher, walked to the end."""
    matched, scores = segment.empty()
    matcher = to_whoosh(node, segment.lexicon).matcher(segment.searcher)
    ids, values = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        values.append(matcher.score())
        matcher.next()
    if ids:
        matched[ids] = True
        scores[ids] = values
    return matched, scores


def top_documents(
    tree: Node, segments: list[Segment], limit: int | None
) -> tuple[list[tuple[int, float]], int]:
    """The ``limit`` best (docnum, score) pairs, best first (ties: lower docnum, as Whoosh), and
    how many documents matched."""
    import numpy as np

    docs, scores = [], []
    for segment in segments:
        matched, values = evaluate(tree, segment)
        ids = np.flatnonzero(matched & segment.live)
        docs.append(ids + segment.offset)
        scores.append(values[ids])
    all_docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    all_scores = np.concatenate(scores) if scores else np.zeros(0)
    limit = len(all_docs) if limit is None else limit
    if 0 < limit < len(all_docs):
        keep = np.argpartition(-all_scores, limit - 1)[:limit]
        cutoff = all_scores[keep].min()
        keep = np.flatnonzero(all_scores >= cutoff)  # every tie at the cut, for a stable order
        all_docs, all_scores, total = all_docs[keep], all_scores[keep], len(all_docs)
    else:
        total = len(all_docs)
    order = np.lexsort((all_docs, -all_scores))[:limit]
    return [(int(all_docs[i]), float(all_scores[i])) for i in order], total


def sorted_documents(
    tree: Node, segments: list[Segment], fieldname: str, reverse: bool, limit: int | None
) -> tuple[list[tuple[int, Any]], int]:
    """The ``limit`` first (docnum, sort key) pairs in the field's column order, and how many
    documents matched: Whoosh's sorting collector's order (key, then document number, both
    reversed with ``reverse``) over the documents ``top_documents`` finds."""
    import numpy as np

    docs, keys = [], []
    for segment in segments:
        matched, _ = evaluate(tree, segment)
        ids = np.flatnonzero(matched & segment.live)
        column = segment.sort_keys(fieldname)
        docs.append(ids + segment.offset)
        keys += [column[i] for i in ids.tolist()]
    all_docs = np.concatenate(docs).tolist() if docs else []
    order = sorted(range(len(all_docs)), key=lambda i: (keys[i], all_docs[i]), reverse=reverse)
    chosen = order if limit is None else order[:limit]
    return [(all_docs[i], keys[i]) for i in chosen], len(all_docs)
