"""Inter-annotator agreement: how far two people labelling the same documents agree, and where not.

A labelled set is only as good as the agreement between the people who made it, so before one is
used its annotators are compared, pair by pair. A *span* is one label (a tag) on one annotation:
an annotation tagged ``PER`` and ``hero`` is two spans. For each pair of annotators, per label and
over all labels (micro-averaged):

- **Span precision, recall and F1**, with two matchings. *Exact*: a span of one annotator matches
  a span of the other with the same start, end and label. *Overlap*: spans with the same label
  match when they share at least one character, one to one: exact pairs are matched first, then
  the remaining candidate pairs greedily, the largest overlap (in characters) first, ties broken
  by the two spans' offsets taken as an unordered pair. That tie-break makes the matching the same
  whichever annotator is named first (two tied candidates never share a span), so F1 is symmetric.
  ``first`` is measured against ``second``: precision = matched / spans of ``first``, recall =
  matched / spans of ``second`` (so P(a, b) = R(b, a)); F1 = 2·matched / (both counts), which is
  their harmonic mean. A figure without a denominator is None (no spans to measure).
- **Cohen's kappa at token level.** The units are the words of lectern's own tokeniser
  (``tui.core.search.analysis.tokens``: a camelCase or ``snake_case`` word is its parts) over each
  document's text; a run of Chinese, Japanese or Korean text, which the tokeniser reads as
  overlapping bigrams, counts one unit per character, so that units never overlap. A span covers a
  token it shares a character with. Per label the kappa is binary: does the annotator's label
  cover the token, yes or no. Over all labels each token has one category per annotator: ``O``
  when no span covers it, else the first of the covering labels in sorted order (overlapping spans
  of different labels on one token are so counted once). Kappa = (pₒ − pₑ) / (1 − pₑ), None when
  pₑ = 1 (both annotators gave every token the same single category: kappa is undefined there).

**Which annotations count.** Suggested annotations (pre-annotation not yet accepted) are left out,
as are orphans (they mark no passage), the annotations of a missing or unreadable document, and
annotations without a tag (a highlight has no label; the document still counts as *seen*). The
same span and label given twice by one annotator counts once. Annotations without an annotator
(made before lectern recorded one) belong to no one and are only counted in the report.

**Which documents count.** Only the documents *both* annotators of a pair annotated (any annotation
at all, labelled or not): a document one of them never annotated is taken as not yet seen by them,
not as a document where they found nothing, which would count every span of the other as
missing. Those documents are reported as skipped, with who annotated them.

**Disagreements**, per document: after exact matches, same-label spans matched by overlap are a
*boundary* disagreement; of the rest, spans of different labels that overlap (greedily, largest
overlap first) are a *label* disagreement; a span left with nothing of the other annotator's over
it is *missing* on the other side. ``tui.core.review`` turns the reviewer's choice on each into the
adjudicated (gold) set.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

from tui.core.annotations import Annotation, AnnotationSet, DocumentRef
from tui.core.search.analysis import compiled_patterns, tokens

GOLD = "gold"
"""The annotator of the adjudicated set (``tui.core.review``): left out of the default pairs."""
OUTSIDE = "O"
"""The token category of a token no span covers (named so in reports)."""
Kind = Literal["missing", "boundary", "label"]
Key = tuple[int, int, str]
"""A span by its start, end and label (within one document)."""


@dataclass(frozen=True)
class Span:
    """One label on one annotation: what annotators are compared on."""

    doc_id: str
    start: int
    end: int
    label: str
    annotator: str
    annotation: Annotation
    """The annotation it comes from (its quote, colour and note; copied into the gold set)."""

    @property
    def key(self) -> Key:
        """The span within its document: start, end and label."""
        return (self.start, self.end, self.label)

    @property
    def quote(self) -> str:
        """The passage it marks, as it was last anchored."""
        return self.annotation.target.exact


@dataclass(frozen=True)
class Figures:
    """Agreement between two annotators on one label (or, ``label`` None, on all of them)."""

    label: str | None
    first_spans: int
    second_spans: int
    exact: int
    """Spans matched exactly (same start, end and label)."""
    overlap: int
    """Spans matched by overlap (same label, one to one); at least ``exact``."""
    kappa: float | None
    tokens: int
    """Tokens the kappa was computed over."""

    def precision(self, matching: Literal["exact", "overlap"] = "exact") -> float | None:
        """Matched spans out of the first annotator's (None when they have none)."""
        return _ratio(getattr(self, matching), self.first_spans)

    def recall(self, matching: Literal["exact", "overlap"] = "exact") -> float | None:
        """Matched spans out of the second annotator's (None when they have none)."""
        return _ratio(getattr(self, matching), self.second_spans)

    def f1(self, matching: Literal["exact", "overlap"] = "exact") -> float | None:
        """2·matched / all spans of both: the harmonic mean of precision and recall."""
        return _ratio(2 * getattr(self, matching), self.first_spans + self.second_spans)


@dataclass(frozen=True)
class Disagreement:
    """A place where two annotators differ: a span of either (or both), and what kind of difference."""

    doc_id: str
    kind: Kind
    first: Span | None
    second: Span | None

    @property
    def start(self) -> int:
        """Where it begins in the document (the earlier of the two spans)."""
        return min(s.start for s in (self.first, self.second) if s is not None)

    @property
    def labels(self) -> tuple[str, ...]:
        """The label (or, for a label disagreement, the two labels) in question."""
        return tuple(dict.fromkeys(s.label for s in (self.first, self.second) if s is not None))

    @property
    def key(self) -> tuple[str, Key | None, Key | None]:
        """What identifies it when the figures are computed again."""
        return (
            self.doc_id,
            self.first.key if self.first else None,
            self.second.key if self.second else None,
        )


@dataclass(frozen=True)
class Pair:
    """Everything about one pair of annotators: figures, agreed spans, disagreements."""

    first: str
    second: str
    documents: tuple[str, ...]
    """The documents both annotated: the ones the figures are about."""
    skipped: tuple[tuple[str, str], ...]
    """Documents only one of them annotated, with who did: (document id, annotator)."""
    overall: Figures
    labels: tuple[Figures, ...]
    """Per label, in label order."""
    agreed: tuple[Span, ...]
    """The first annotator's spans the second matched exactly: taken as they are into the gold set."""
    disagreements: tuple[Disagreement, ...]
    """In document order, then by position."""


@dataclass(frozen=True)
class Report:
    """The agreement of every pair asked for, and what was left out."""

    annotators: tuple[str, ...]
    """Everyone with annotations in the corpus (gold included), sorted."""
    pairs: tuple[Pair, ...]
    documents: Mapping[str, DocumentRef] = field(default_factory=dict)
    """Every annotated document, by id (titles for display, references to write gold to)."""
    unattributed: int = 0
    """Annotations without an annotator (left out)."""
    suggested: int = 0
    """Suggested annotations not yet accepted (left out)."""
    gold: Mapping[str, frozenset[Key]] = field(default_factory=dict)
    """The gold set's spans, by document (which review decisions were already taken)."""


@dataclass
class _Corpus:
    """The spans of every annotator, by annotator and document."""

    spans: dict[str, dict[str, dict[Key, Span]]] = field(default_factory=dict)
    touched: dict[str, set[str]] = field(default_factory=dict)
    """Documents each annotator annotated (labelled or not)."""
    documents: dict[str, DocumentRef] = field(default_factory=dict)
    unattributed: int = 0
    suggested: int = 0


def _collect(sets: Iterable[AnnotationSet], labels: Collection[str]) -> _Corpus:
    corpus = _Corpus()
    for found in sets:
        if found.document_status != "present":
            continue
        doc_id = found.document.id
        corpus.documents[doc_id] = found.document
        for annotation in found.annotations:
            if annotation.suggested:
                corpus.suggested += 1
                continue
            if not annotation.annotator:
                corpus.unattributed += 1
                continue
            if annotation.anchor == "orphaned" or annotation.end <= annotation.start:
                continue
            who = annotation.annotator
            corpus.touched.setdefault(who, set()).add(doc_id)
            mine = corpus.spans.setdefault(who, {}).setdefault(doc_id, {})
            for label in annotation.tags:
                if labels and label not in labels:
                    continue
                span = Span(doc_id, annotation.start, annotation.end, label, who, annotation)
                mine.setdefault(span.key, span)
    return corpus


def agreement(
    sets: Iterable[AnnotationSet],
    text_of: Callable[[DocumentRef], str | None],
    *,
    labels: Collection[str] = (),
    annotators: Sequence[str] | None = None,
) -> Report:
    """The agreement of every pair of ``annotators`` (default: everyone but ``GOLD``) in ``sets``.

    ``text_of`` gives a document's current text (the one the annotations are anchored to), for
    the tokens of the kappa; a document without one counts in the span figures only. ``labels``
    restricts everything to those labels.
    """
    corpus = _collect(sets, set(labels))
    everyone = tuple(sorted(corpus.touched))
    chosen = [a for a in everyone if a != GOLD] if annotators is None else list(dict.fromkeys(annotators))
    texts: dict[str, str | None] = {}

    def text(doc_id: str) -> str | None:
        if doc_id not in texts:
            texts[doc_id] = text_of(corpus.documents[doc_id])
        return texts[doc_id]

    pairs = tuple(_pair(corpus, a, b, text) for a, b in combinations(chosen, 2))
    gold = {doc: frozenset(spans) for doc, spans in corpus.spans.get(GOLD, {}).items()}
    return Report(everyone, pairs, dict(corpus.documents), corpus.unattributed, corpus.suggested, gold)


def _pair(corpus: _Corpus, first: str, second: str, text: Callable[[str], str | None]) -> Pair:
    seen_a, seen_b = corpus.touched.get(first, set()), corpus.touched.get(second, set())
    documents = tuple(sorted(seen_a & seen_b))
    skipped = tuple(sorted([(d, first) for d in seen_a - seen_b] + [(d, second) for d in seen_b - seen_a]))
    tally = _Tally()
    agreed: list[Span] = []
    disagreements: list[Disagreement] = []
    for doc_id in documents:
        mine = list(corpus.spans.get(first, {}).get(doc_id, {}).values())
        theirs = list(corpus.spans.get(second, {}).get(doc_id, {}).values())
        found = compare(mine, theirs)
        agreed.extend(x for x, _ in found.exact)
        disagreements.extend(found.disagreements(doc_id))
        tally.add(mine, theirs, found)
        body = text(doc_id)
        if body is not None:
            tally.add_tokens(token_spans(body), mine, theirs)
    names = sorted(tally.labels)
    return Pair(
        first,
        second,
        documents,
        skipped,
        tally.figures(None),
        tuple(tally.figures(label) for label in names),
        tuple(agreed),
        tuple(disagreements),
    )


# --------------------------------------------------------------------------- matching spans


@dataclass(frozen=True)
class Comparison:
    """How one document's spans of two annotators pair up."""

    exact: tuple[tuple[Span, Span], ...]
    boundary: tuple[tuple[Span, Span], ...]
    """Same label, overlapping, not exact (overlap matches beyond the exact ones)."""
    label: tuple[tuple[Span, Span], ...]
    """Overlapping spans of different labels, neither matched otherwise."""
    first_only: tuple[Span, ...]
    second_only: tuple[Span, ...]

    def disagreements(self, doc_id: str) -> list[Disagreement]:
        """Every difference, by position."""
        found = [Disagreement(doc_id, "boundary", a, b) for a, b in self.boundary]
        found += [Disagreement(doc_id, "label", a, b) for a, b in self.label]
        found += [Disagreement(doc_id, "missing", a, None) for a in self.first_only]
        found += [Disagreement(doc_id, "missing", None, b) for b in self.second_only]

        def order(d: Disagreement) -> tuple[int, int, str]:
            spans = [s for s in (d.first, d.second) if s is not None]
            return (d.start, min(s.end for s in spans), ",".join(d.labels))

        return sorted(found, key=order)


def compare(first: Sequence[Span], second: Sequence[Span]) -> Comparison:
    """Match one document's spans: exact, then same label by overlap, then other labels by overlap."""
    by_key = {s.key: s for s in second}
    exact = [(s, by_key[s.key]) for s in first if s.key in by_key]
    used_a = {id(a) for a, _ in exact}
    used_b = {id(b) for _, b in exact}
    rest_a = [s for s in first if id(s) not in used_a]
    rest_b = [s for s in second if id(s) not in used_b]
    boundary = _greedy(rest_a, rest_b, same_label=True)
    used_a |= {id(a) for a, _ in boundary}
    used_b |= {id(b) for _, b in boundary}
    rest_a = [s for s in first if id(s) not in used_a]
    rest_b = [s for s in second if id(s) not in used_b]
    label = _greedy(rest_a, rest_b, same_label=False)
    used_a |= {id(a) for a, _ in label}
    used_b |= {id(b) for _, b in label}
    return Comparison(
        tuple(exact),
        tuple(boundary),
        tuple(label),
        tuple(s for s in first if id(s) not in used_a),
        tuple(s for s in second if id(s) not in used_b),
    )


def _greedy(first: Sequence[Span], second: Sequence[Span], same_label: bool) -> list[tuple[Span, Span]]:
    """One-to-one pairs of overlapping spans, the largest overlap first (see the module's doc)."""
    candidates = []
    for a, b in _overlapping(first, second):
        if (a.label == b.label) == same_label:
            shared = min(a.end, b.end) - max(a.start, b.start)
            ends = sorted([(a.start, a.end, a.label), (b.start, b.end, b.label)])
            candidates.append(((-shared, ends), a, b))
    candidates.sort(key=lambda c: c[0])
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    pairs = []
    for _, a, b in candidates:
        if id(a) not in taken_a and id(b) not in taken_b:
            taken_a.add(id(a))
            taken_b.add(id(b))
            pairs.append((a, b))
    return pairs


def _overlapping(first: Sequence[Span], second: Sequence[Span]) -> Iterator[tuple[Span, Span]]:
    """Every pair of spans that share a character: for each of ``first``, the spans of ``second``
    starting before it ends and no earlier than the longest of them could (not every pair)."""
    ordered = sorted(second, key=lambda s: s.start)
    starts = [s.start for s in ordered]
    longest = max((s.end - s.start for s in ordered), default=0)
    for a in first:
        i = bisect.bisect_left(starts, a.start - longest)
        while i < len(ordered) and ordered[i].start < a.end:
            if ordered[i].end > a.start:
                yield a, ordered[i]
            i += 1


# --------------------------------------------------------------------------- counting


@dataclass
class _Tally:
    """Counts over the documents of a pair, per label, and the token categories for kappa."""

    labels: set[str] = field(default_factory=set)
    first: Counter[str] = field(default_factory=Counter)
    second: Counter[str] = field(default_factory=Counter)
    exact: Counter[str] = field(default_factory=Counter)
    overlap: Counter[str] = field(default_factory=Counter)
    first_tokens: list[frozenset[str]] = field(default_factory=list)
    second_tokens: list[frozenset[str]] = field(default_factory=list)

    def add(self, first: Sequence[Span], second: Sequence[Span], found: Comparison) -> None:
        self.first.update(s.label for s in first)
        self.second.update(s.label for s in second)
        self.labels.update(self.first, self.second)
        self.exact.update(a.label for a, _ in found.exact)
        self.overlap.update(a.label for a, _ in (*found.exact, *found.boundary))

    def add_tokens(self, units: Sequence[tuple[int, int]], first: list[Span], second: list[Span]) -> None:
        self.first_tokens.extend(token_labels(units, first))
        self.second_tokens.extend(token_labels(units, second))

    def figures(self, label: str | None) -> Figures:
        mine: list[object]
        theirs: list[object]
        if label is None:
            mine = [_category(t) for t in self.first_tokens]
            theirs = [_category(t) for t in self.second_tokens]
            counts = [sum(c.values()) for c in (self.first, self.second, self.exact, self.overlap)]
        else:
            mine = [label in t for t in self.first_tokens]
            theirs = [label in t for t in self.second_tokens]
            counts = [c[label] for c in (self.first, self.second, self.exact, self.overlap)]
        first, second, exact, overlap = counts
        return Figures(label, first, second, exact, overlap, cohen_kappa(mine, theirs), len(mine))


def _category(labels: frozenset[str]) -> str:
    return min(labels) if labels else OUTSIDE


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def shown(value: float | None) -> str:
    """A figure to two decimals (never "-0.00"); – where it is undefined."""
    return "–" if value is None else f"{round(value, 2) or 0.0:.2f}"


def cohen_kappa(first: Sequence[object], second: Sequence[object]) -> float | None:
    """Cohen's kappa of two annotators' categories for the same items; None when undefined (no
    items, or chance agreement 1: both gave every item the same single category)."""
    n = len(first)
    if n != len(second):
        raise ValueError("both annotators must categorise the same items")
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True))
    mine, theirs = Counter(first), Counter(second)
    chance = sum(count * theirs[category] for category, count in mine.items())
    if chance == n * n:
        return None
    return (observed * n - chance) / (n * n - chance)  # (pₒ − pₑ) / (1 − pₑ), times n² / n²


# --------------------------------------------------------------------------- tokens


def token_spans(text: str) -> list[tuple[int, int]]:
    """The units kappa counts: lectern's tokens, CJK bigrams as single characters; never overlapping."""
    cjk = compiled_patterns().cjk
    units: list[tuple[int, int]] = []
    last = 0
    for _, start, end in tokens(text):
        if cjk.match(text, start):
            units.extend((i, i + 1) for i in range(max(start, last), end))
        elif start >= last:
            units.append((start, end))
        last = max(last, end)
    return units


def token_labels(units: Sequence[tuple[int, int]], spans: Iterable[Span]) -> list[frozenset[str]]:
    """For each unit, the labels of the spans that share a character with it."""
    found: list[set[str]] = [set() for _ in units]
    ends = [end for _, end in units]
    for span in spans:
        i = bisect.bisect_right(ends, span.start)  # the first unit ending after the span starts
        while i < len(units) and units[i][0] < span.end:
            found[i].add(span.label)
            i += 1
    return [frozenset(f) for f in found]
