"""Relevance search over whole posting lists: a parsed query evaluated as numpy arrays.

Whoosh scores one document at a time in Python. Here each segment's flat postings give a node's
documents and BM25F scores in one expression; And, Or, Not and phrases combine masks and score
arrays, and any node this does not know runs through Whoosh's matcher for that segment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh.reading import TermNotFound

from tui.core.search.query import SEARCH_FIELDS, AndMaybe, AndNot, Expansion, Group, Node, Not, Phrase, Term
from tui.core.search.ranking import bm25, length_norm
from tui.core.search.whoosh.blocks import ids_and_weights
from tui.core.search.whoosh.lexicon import Lexicon
from tui.core.search.whoosh.parse import expand, to_whoosh


class Segment:
    """One segment of a searcher, as the bulk evaluator reads it.

    Body postings come from the segment's flat ``.lps`` file when it has one; other fields (and
    the body without that file) from Whoosh's posting blocks, read whole. Scores are Whoosh's
    BM25F (``Scorer``): the same numbers, computed for a posting list at a time.
    """

    def __init__(self, top: Any, searcher: Any, offset: int, folder: Path, lexicon: Lexicon) -> None:
        import numpy as np

        from tui.core.search.flat.postings import SUFFIX, FlatPostings

        self.np = np
        self.top, self.searcher, self.offset, self.lexicon = top, searcher, offset, lexicon
        self.reader = searcher.reader()
        self.size = int(self.reader.doc_count_all())
        self.live = np.ones(self.size, dtype=bool)
        segment = self.reader.segment()
        deleted = list(segment.deleted_docs()) if segment.has_deletions() else []
        self.live[np.asarray(deleted, dtype=np.int64)] = False
        self.flat: FlatPostings | None = None
        try:
            self.flat = FlatPostings(folder / segment.make_filename(SUFFIX))
        except (OSError, ValueError):  # none written, or damaged: Whoosh's postings answer
            self.flat = None
        else:
            if self.flat.doc_count != self.size:
                self.close()
        self._norms: dict[str, Any] = {}

    def close(self) -> None:
        """Let go of the ``.lps`` file: Whoosh's postings answer for this segment from now on."""
        if self.flat is not None:
            self.flat.close()
            self.flat = None

    def fits(self, ids: Any, positions: Any = None) -> bool:
        """Whether numbers read from the ``.lps`` file are possible here; if not, the file is
        damaged in a way its sizes and magic numbers do not show, and it is let go."""
        flat = self.flat
        assert flat is not None
        ok = (not len(ids) or int(ids.max()) < self.size) and (
            positions is None or not len(positions) or int(positions.max()) < flat.span
        )
        if not ok:
            self.close()
        return ok

    def empty(self) -> tuple[Any, Any]:
        return self.np.zeros(self.size, dtype=bool), self.np.zeros(self.size)

    def postings(self, fieldname: str, tbytes: bytes) -> tuple[Any, Any] | None:
        """A term's document numbers and weights in this segment."""
        if self.flat is not None and fieldname in SEARCH_FIELDS:
            found = self.flat.postings(flat_key(fieldname, tbytes))
            if found is None or self.fits(found[0]):
                return found
        try:
            return ids_and_weights(self.reader, fieldname, tbytes)
        except (KeyError, TermNotFound):  # not in this segment (one look-up, not two)
            return None

    def documents_with(self, fieldname: str, tbytes: bytes) -> int:
        """How many live documents hold the term."""
        found = self.postings(fieldname, tbytes)
        return 0 if found is None else int(self.live[found[0]].sum())

    def term(self, fieldname: str, tbytes: bytes, boost: float = 1.0) -> tuple[Any, Any]:
        np = self.np
        matched, scores = self.empty()
        found = self.postings(fieldname, tbytes)
        if found is None or not len(found[0]):
            return matched, scores
        ids, weights = found[0], found[1].astype(np.float64)
        if self.top.schema[fieldname].scorable:
            idf = self.top.idf(fieldname, tbytes)
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
            lengths = self.np.asarray(weighting.lengths_of(self.reader, fieldname), dtype=self.np.float64)
            norm = self._norms[fieldname] = length_norm(lengths, average, weighting.B, weighting.K1)
        return norm


def flat_key(fieldname: str, tbytes: bytes) -> bytes:
    from tui.core.search.flat.postings import key

    return key(fieldname, tbytes)


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
    if (
        isinstance(node, Phrase)
        and node.slop == 1
        and node.field in SEARCH_FIELDS
        and segment.flat is not None
    ):
        return _phrase(node, segment) if node.field == "body" else _phrase_elsewhere(node, segment)
    if isinstance(node, Expansion):
        return _expanded(node, segment)
    return _with_whoosh(node, segment)


def _boosted(scores: Any, boost: float) -> Any:
    return scores * boost if boost != 1.0 else scores


def _phrase(q: Phrase, segment: Segment) -> tuple[Any, Any]:
    from tui.core.search.flat.postings import phrase_documents

    flat = segment.flat
    assert flat is not None
    words = [segment.top.schema["body"].to_bytes(w) for w in q.words]
    found = [f for w in words if (f := flat.occurrences(flat_key("body", w))) is not None]
    if not all(segment.fits(ids, positions) for ids, _, positions in found):
        return _with_whoosh(q, segment)
    matched, scores = segment.empty()
    if not words or len(found) != len(words):
        return matched, scores
    matched[phrase_documents(found, flat.span)] = True
    for word in words:  # scored as the intersection of its words (each repeat counts), like FastPhrase
        scores += segment.term("body", word)[1]
    return matched, _boosted(scores * matched, q.boost)


def _phrase_elsewhere(q: Phrase, segment: Segment) -> tuple[Any, Any]:
    """A phrase in a field stored without positions here: Whoosh's matcher checks it, unless
    its words share no document (the usual case, and far cheaper to see)."""
    field = segment.top.schema[q.field]
    shared = None
    for word in q.words:
        found = segment.postings(q.field, field.to_bytes(word))
        if found is None:
            return segment.empty()
        shared = found[0] if shared is None else segment.np.intersect1d(shared, found[0])
        if not len(shared):
            return segment.empty()
    return _with_whoosh(q, segment)


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
    """Any other query (dates, ranges, title phrases): Whoosh's matcher, walked to the end."""
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
