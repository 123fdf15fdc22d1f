"""Adjudication: the reviewer's decision on each disagreement, kept as the gold set.

Two annotators' spans are compared in ``tui.core.agreement``; a reviewer then settles each
disagreement by taking the first annotator's span, the second's, both, or neither. The result is
an annotation set of its own, by the annotator ``gold``: copies of the chosen spans (same passage,
same label, the source's colour and note) beside the annotators' own annotations, which are never
changed. Spans both annotators agreed on exactly are taken as they are. The gold set is stored like
any other annotation (``AnnotationStore.transact``), so it exports, filters and re-anchors like
them (``lectern export --annotator gold``).

Gold annotations are one per passage (start and end): the labels chosen for one passage are tags of
one annotation, whose id is derived from the document and the offsets, so two reviews never make
two copies. Writing is idempotent: a decision taken again changes nothing, and a decision changed
(first, then neither) removes the label it had added; a gold annotation left without labels is
deleted. Gold annotations no decision is about (made by hand, or from another pair's review) are
left as they are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Literal

from tui.core.agreement import GOLD, Disagreement, Key, Pair, Span
from tui.core.annotation_format import clean_tags
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, DocumentRef, now

Decision = Literal["first", "second", "both", "neither"]
DECISIONS: tuple[Decision, ...] = ("first", "second", "both", "neither")


def chosen(disagreement: Disagreement, decision: Decision) -> tuple[list[Span], list[Span]]:
    """The spans a decision keeps, and those it leaves out of the gold set."""
    sides = {"first": disagreement.first, "second": disagreement.second}
    keep = {"first": ("first",), "second": ("second",), "both": ("first", "second"), "neither": ()}[decision]
    wanted = [s for side, s in sides.items() if s is not None and side in keep]
    unwanted = [s for side, s in sides.items() if s is not None and side not in keep]
    return wanted, [s for s in unwanted if s.key not in {w.key for w in wanted}]


def decided(disagreement: Disagreement, gold: Mapping[str, frozenset[Key]]) -> Decision | None:
    """The decision the gold set already holds for a disagreement: which of its spans are there.

    None when neither is (undecided, or decided "neither": the gold set cannot tell them apart).
    """
    held = gold.get(disagreement.doc_id, frozenset())
    first = disagreement.first is not None and disagreement.first.key in held
    second = disagreement.second is not None and disagreement.second.key in held
    if first and second:
        return "both"
    if first or second:
        return "first" if first else "second"
    return None


def gold_id(doc_id: str, start: int, end: int) -> str:
    """The id of the gold annotation of a passage: the same in every review."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lectern:gold:{doc_id}:{start}:{end}"))


def write_gold(
    store: AnnotationStore,
    documents: Mapping[str, DocumentRef],
    wanted: Iterable[Span],
    unwanted: Iterable[Span] = (),
    gold: str = GOLD,
) -> int:
    """Put ``wanted`` in the gold set and take ``unwanted`` out of it; the annotations changed.

    One transaction per document (the file is re-read under its lock, so a reader or another
    review writing meanwhile loses nothing).
    """
    adding: dict[str, list[Span]] = {}
    removing: dict[str, list[Span]] = {}
    for span in wanted:
        adding.setdefault(span.doc_id, []).append(span)
    for span in unwanted:
        removing.setdefault(span.doc_id, []).append(span)
    changed = 0
    for doc_id in sorted(adding.keys() | removing.keys()):
        change = _GoldChange(doc_id, adding.get(doc_id, []), removing.get(doc_id, []), gold)
        store.transact(documents[doc_id], change)
        changed += change.changed
    return changed


def adjudicate(
    store: AnnotationStore,
    documents: Mapping[str, DocumentRef],
    pair: Pair,
    decisions: Mapping[Disagreement, Decision],
    with_agreed: bool = True,
) -> int:
    """Write the agreed spans of a pair (unless ``with_agreed`` is False) and these decisions."""
    wanted: list[Span] = list(pair.agreed) if with_agreed else []
    unwanted: list[Span] = []
    for disagreement, decision in decisions.items():
        keep, drop = chosen(disagreement, decision)
        wanted += keep
        unwanted += drop
    return write_gold(store, documents, wanted, unwanted)


class _GoldChange:
    """The change to one document's annotations: gold tags added and removed, passage by passage."""

    def __init__(self, doc_id: str, adding: list[Span], removing: list[Span], gold: str) -> None:
        self.doc_id, self.adding, self.removing, self.gold = doc_id, adding, removing, gold
        self.changed = 0

    def __call__(self, items: list[Annotation]) -> list[Annotation]:
        self.changed = 0
        kept = [a for a in items if not self._is_gold(a)]
        passages: dict[tuple[int, int], Annotation] = {}
        for a in items:
            if self._is_gold(a):
                passages.setdefault((a.start, a.end), a)  # a second one at the same place: kept as is
        extra = [a for a in items if self._is_gold(a) and passages.get((a.start, a.end)) is not a]
        before = dict(passages)
        for span in self.removing:
            found = passages.get((span.start, span.end))
            if found is not None and span.label in found.tags:
                passages[(span.start, span.end)] = replace(
                    found, tags=tuple(t for t in found.tags if t != span.label)
                )
        for span in self.adding:
            found = passages.get((span.start, span.end))
            if found is None:
                passages[(span.start, span.end)] = self._copy(span)
            elif span.label not in found.tags:
                passages[(span.start, span.end)] = replace(found, tags=clean_tags([*found.tags, span.label]))
        result = []
        for place, annotation in passages.items():
            old = before.get(place)
            if old is not None and annotation == old:
                result.append(old)
                continue
            self.changed += 1
            if annotation.tags:
                result.append(replace(annotation, modified=now()) if old is not None else annotation)
        return kept + extra + result

    def _is_gold(self, annotation: Annotation) -> bool:
        return annotation.annotator == self.gold and not annotation.suggested

    def _copy(self, span: Span) -> Annotation:
        """A gold annotation on the span's passage with its label (the source's colour and note)."""
        stamp = now()
        return replace(
            span.annotation,
            id=gold_id(self.doc_id, span.start, span.end),
            created=stamp,
            modified=stamp,
            tags=(span.label,),
            annotator=self.gold,
            suggested=False,
        )
