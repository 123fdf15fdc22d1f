"""Agreement between annotators (``tui.core.agreement``) and the gold set of a review
(``tui.core.review``): a case worked out by hand, properties against scikit-learn's kappa, the
symmetries the figures must have, and idempotent gold writing on a real store."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from tui.core.agreement import (
    GOLD,
    OUTSIDE,
    Figures,
    Pair,
    Span,
    agreement,
    cohen_kappa,
    token_labels,
    token_spans,
)
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, AnnotationSet, DocumentRef
from tui.core.review import adjudicate, chosen, decided, gold_id, write_gold

TEXT = "Ada Lovelace met Charles Babbage in London in 1833."
#       0   4        13  17      25      33 36     43 46
OTHER = "A second document only one annotator read."


def ref(doc_id: str) -> DocumentRef:
    return DocumentRef(id=doc_id, path=f"/corpus/{doc_id}", sha256="sha", title=doc_id.title())


def span(text: str, quote: str, *labels: str, by: str, nth: int = 1, **fields: object) -> Annotation:
    start = -1
    for _ in range(nth):
        start = text.index(quote, start + 1)
    return Annotation.create(
        text, start, start + len(quote), sha256="sha", tags=labels, annotator=by, **fields
    )  # type: ignore[arg-type]


def hand_case() -> list[AnnotationSet]:
    """ada and bob on TEXT; ada alone on OTHER; one suggestion and one unattributed annotation."""
    return [
        AnnotationSet(
            ref("one.md"),
            (
                span(TEXT, "Ada Lovelace", "PER", by="ada"),
                span(TEXT, "Charles Babbage", "PER", by="ada"),
                span(TEXT, "London", "LOC", by="ada"),
                span(TEXT, "Ada", "PER", by="bob"),
                span(TEXT, "Charles Babbage", "PER", by="bob"),
                span(TEXT, "London", "ORG", by="bob"),
                span(TEXT, "1833", "DATE", by="bob"),
                span(TEXT, "met", "PER", by="bob", suggested=True),  # not accepted: left out
                span(TEXT, "in", "LOC", by=""),  # made before annotators were recorded: left out
            ),
        ),
        AnnotationSet(ref("two.md"), (span(OTHER, "second", "PER", by="ada"),)),
    ]


TEXTS = {"one.md": TEXT, "two.md": OTHER}


def text_of(document: DocumentRef) -> str | None:
    return TEXTS.get(document.id)


def by_label(pair: Pair) -> dict[str | None, Figures]:
    return {f.label: f for f in (pair.overall, *pair.labels)}


def test_a_case_worked_out_by_hand() -> None:
    report = agreement(hand_case(), text_of)
    assert report.annotators == ("ada", "bob")
    assert (report.suggested, report.unattributed) == (1, 1)
    (pair,) = report.pairs
    assert (pair.first, pair.second) == ("ada", "bob")
    assert pair.documents == ("one.md",)
    assert pair.skipped == (("two.md", "ada"),)  # only ada annotated it: not yet seen by bob

    figures = by_label(pair)
    overall = figures[None]
    # ada: PER 0-12, PER 17-32, LOC 36-42 (3 spans); bob: PER 0-3, PER 17-32, ORG 36-42, DATE 46-50 (4).
    # Exact: only PER 17-32.            P = 1/3, R = 1/4, F1 = 2·1/(3+4) = 2/7
    # Overlap: + PER 0-12 ~ PER 0-3.    P = 2/3, R = 2/4, F1 = 2·2/(3+4) = 4/7
    assert (overall.first_spans, overall.second_spans, overall.exact, overall.overlap) == (3, 4, 1, 2)
    assert overall.precision("exact") == pytest.approx(1 / 3)
    assert overall.recall("exact") == pytest.approx(1 / 4)
    assert overall.f1("exact") == pytest.approx(2 / 7)
    assert overall.precision("overlap") == pytest.approx(2 / 3)
    assert overall.recall("overlap") == pytest.approx(1 / 2)
    assert overall.f1("overlap") == pytest.approx(4 / 7)
    # Tokens:  Ada Lovelace met Charles Babbage in London in 1833  (9)
    #   ada:   PER PER      O   PER     PER     O  LOC    O  O
    #   bob:   PER O        O   PER     PER     O  ORG    O  DATE
    # pₒ = 6/9 (Lovelace, London and 1833 differ)
    # ada: PER 4, O 4, LOC 1; bob: PER 3, O 4, ORG 1, DATE 1 -> pₑ = (4·3 + 4·4)/81 = 28/81
    # κ = (54/81 − 28/81) / (1 − 28/81) = 26/53
    assert overall.tokens == 9
    assert overall.kappa == pytest.approx(26 / 53)

    per = figures["PER"]
    # PER: 2 and 2 spans, 1 exact, 2 by overlap: exact P = R = F1 = 1/2, overlap 1.
    assert (per.first_spans, per.second_spans, per.exact, per.overlap) == (2, 2, 1, 2)
    assert (per.precision(), per.recall(), per.f1()) == (0.5, 0.5, 0.5)
    assert (per.precision("overlap"), per.recall("overlap"), per.f1("overlap")) == (1.0, 1.0, 1.0)
    # PER yes/no per token: ada 1 1 0 1 1 0 0 0 0 (4 yes), bob 1 0 0 1 1 0 0 0 0 (3 yes)
    # pₒ = 8/9; pₑ = (4·3 + 5·6)/81 = 42/81; κ = (72 − 42)/(81 − 42) = 30/39 = 10/13
    assert per.kappa == pytest.approx(10 / 13)

    loc = figures["LOC"]
    # LOC: ada 1 span, bob none: P = 0/1, R undefined, F1 = 0/(1+0) = 0.
    assert (loc.precision(), loc.recall(), loc.f1()) == (0.0, None, 0.0)
    # LOC yes/no: ada yes on London only, bob never: pₒ = 8/9 = pₑ = (1·0 + 8·9)/81 -> κ = 0
    assert loc.kappa == pytest.approx(0.0)
    org = figures["ORG"]
    assert (org.precision(), org.recall(), org.f1()) == (None, 0.0, 0.0)
    assert list(figures) == [None, "DATE", "LOC", "ORG", "PER"]

    kinds = [
        (d.kind, d.labels, d.first and d.first.quote, d.second and d.second.quote) for d in pair.disagreements
    ]
    assert kinds == [
        ("boundary", ("PER",), "Ada Lovelace", "Ada"),
        ("label", ("LOC", "ORG"), "London", "London"),
        ("missing", ("DATE",), None, "1833"),
    ]
    assert [s.quote for s in pair.agreed] == ["Charles Babbage"]


def test_the_reversed_pair_swaps_precision_and_recall() -> None:
    forward = by_label(agreement(hand_case(), text_of, annotators=["ada", "bob"]).pairs[0])
    backward = by_label(agreement(hand_case(), text_of, annotators=["bob", "ada"]).pairs[0])
    for label, figures in forward.items():
        other = backward[label]
        for matching in ("exact", "overlap"):
            assert figures.precision(matching) == other.recall(matching)  # type: ignore[arg-type]
            assert figures.f1(matching) == other.f1(matching)  # type: ignore[arg-type]
        assert figures.kappa == other.kappa


def test_a_label_filter_keeps_only_that_label() -> None:
    (pair,) = agreement(hand_case(), text_of, labels=["PER"]).pairs
    assert [f.label for f in pair.labels] == ["PER"]
    assert (pair.overall.exact, pair.overall.overlap) == (1, 2)
    assert pair.overall.kappa == pytest.approx(10 / 13)  # categories PER and O: the binary PER kappa
    assert [d.kind for d in pair.disagreements] == ["boundary"]


def test_gold_is_left_out_of_the_default_pairs_and_fewer_than_two_make_none() -> None:
    sets = [
        AnnotationSet(ref("one.md"), (span(TEXT, "Ada", "PER", by="ada"), span(TEXT, "Ada", "PER", by=GOLD)))
    ]
    report = agreement(sets, text_of)
    assert report.annotators == ("ada", GOLD) and report.pairs == ()
    (pair,) = agreement(sets, text_of, annotators=["ada", GOLD]).pairs
    assert pair.overall.f1() == 1.0


def test_orphans_missing_documents_and_untagged_highlights() -> None:
    orphan = span(TEXT, "London", "LOC", by="bob")
    orphan = Annotation(**{**orphan.__dict__, "anchor": "orphaned"})
    sets = [
        AnnotationSet(
            ref("one.md"), (span(TEXT, "London", "LOC", by="ada"), span(TEXT, "Ada", by="bob"), orphan)
        ),
        AnnotationSet(
            ref("gone.md"),
            (span(TEXT, "Ada", "PER", by="ada"), span(TEXT, "Ada", "PER", by="bob")),
            "missing",
        ),
    ]
    (pair,) = agreement(sets, text_of).pairs
    assert pair.documents == ("one.md",)  # bob's untagged highlight counts as having seen it
    assert (pair.overall.first_spans, pair.overall.second_spans) == (1, 0)
    assert [d.kind for d in pair.disagreements] == ["missing"]


def test_token_units_split_compounds_and_cjk_runs() -> None:
    text = "spin_lock getElementById 区块链 ok"
    units = [text[s:e] for s, e in token_spans(text)]
    assert units == ["spin", "lock", "get", "Element", "By", "Id", "区", "块", "链", "ok"]


# --------------------------------------------------------------------------- against scikit-learn

CATEGORIES = st.sampled_from(["O", "PER", "LOC", "ORG"])


@given(st.lists(st.tuples(CATEGORIES, CATEGORIES), min_size=1, max_size=60))
@settings(max_examples=300, deadline=None)
def test_kappa_equals_scikit_learns(pairs: list[tuple[str, str]]) -> None:
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    ours = cohen_kappa(first, second)
    theirs = cohen_kappa_score(first, second) if len(set(first) | set(second)) > 1 else math.nan
    if ours is None:
        assert math.isnan(theirs)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]
LABELS = ("A", "B", "C")


@st.composite
def annotations(draw: st.DrawFn, text: str, by: str) -> list[Annotation]:
    """Random labelled spans over whole words of ``text``."""
    units = token_spans(text)
    found = []
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(units) - 1))
        j = draw(st.integers(i, min(i + 3, len(units) - 1)))
        labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=2, unique=True))
        found.append(
            Annotation.create(text, units[i][0], units[j][1], sha256="sha", tags=labels, annotator=by)
        )
    return found


@st.composite
def two_annotators(draw: st.DrawFn) -> tuple[str, list[Annotation], list[Annotation]]:
    text = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14)))
    return text, draw(annotations(text, "ada")), draw(annotations(text, "bob"))


def sets_of(text: str, *groups: Sequence[Annotation]) -> list[AnnotationSet]:
    TEXTS["random.md"] = text
    return [AnnotationSet(ref("random.md"), tuple(a for group in groups for a in group))]


def categories(text: str, annotations: Sequence[Annotation], label: str | None) -> list[object]:
    """Each token's category, computed naively: the labels of the spans sharing a character with it."""
    found: list[object] = []
    for start, end in token_spans(text):
        labels = {t for a in annotations if a.start < end and start < a.end for t in a.tags}
        found.append(label in labels if label else min(labels) if labels else OUTSIDE)
    return found


def sklearn_kappa(first: list[object], second: list[object]) -> float | None:
    if len(set(first) | set(second)) < 2:
        return None
    value = float(cohen_kappa_score([str(x) for x in first], [str(x) for x in second]))
    return None if math.isnan(value) else value


@given(two_annotators())
@settings(max_examples=200, deadline=None)
def test_token_kappa_equals_scikit_learns_over_the_tokens(
    case: tuple[str, list[Annotation], list[Annotation]],
) -> None:
    text, ada, bob = case
    if not ada or not bob:
        return  # a document one of them did not annotate is not counted
    (pair,) = agreement(sets_of(text, ada, bob), text_of).pairs
    for figures in (pair.overall, *pair.labels):
        expected = sklearn_kappa(categories(text, ada, figures.label), categories(text, bob, figures.label))
        if expected is None:
            assert figures.kappa is None
        else:
            assert figures.kappa == pytest.approx(expected, abs=1e-9)


@given(two_annotators())
@settings(max_examples=200, deadline=None)
def test_figures_are_symmetric(case: tuple[str, list[Annotation], list[Annotation]]) -> None:
    text, ada, bob = case
    sets = sets_of(text, ada, bob)
    forward = agreement(sets, text_of, annotators=["ada", "bob"]).pairs[0]
    backward = agreement(sets, text_of, annotators=["bob", "ada"]).pairs[0]
    ahead, behind = by_label(forward), by_label(backward)
    assert ahead.keys() == behind.keys()
    for label, figures in ahead.items():
        other = behind[label]
        assert (figures.exact, figures.overlap) == (other.exact, other.overlap)
        for matching in ("exact", "overlap"):
            assert figures.f1(matching) == other.f1(matching)  # type: ignore[arg-type]
            assert figures.precision(matching) == other.recall(matching)  # type: ignore[arg-type]
            assert figures.recall(matching) == other.precision(matching)  # type: ignore[arg-type]
        assert figures.kappa == other.kappa or figures.kappa == pytest.approx(other.kappa)
        assert figures.exact <= figures.overlap <= min(figures.first_spans, figures.second_spans)
    assert len(forward.disagreements) == len(backward.disagreements)


@given(two_annotators())
@settings(max_examples=150, deadline=None)
def test_identical_sets_agree_fully(case: tuple[str, list[Annotation], list[Annotation]]) -> None:
    text, ada, _ = case
    if not ada:
        return
    copy = [Annotation.create(text, a.start, a.end, sha256="sha", tags=a.tags, annotator="bob") for a in ada]
    (pair,) = agreement(sets_of(text, ada, copy), text_of).pairs
    for figures in (pair.overall, *pair.labels):
        assert figures.f1("exact") == figures.f1("overlap") == 1.0
        assert figures.kappa in (None, 1.0)  # undefined only where every token has one category
    assert pair.disagreements == ()


def test_a_span_covers_every_token_it_shares_a_character_with() -> None:
    units = token_spans(TEXT)  # Ada 0-3, Lovelace 4-12, met 13-16, Charles 17-24, ...
    source = Annotation.create(TEXT, 5, 14, sha256="sha", tags=["X"], annotator="ada")
    part = Span("one.md", 5, 14, "X", "ada", source)  # "ovelace m": part of two words
    blank = Span("one.md", 3, 4, "Y", "ada", source)  # the blank between two words: no token
    found = token_labels(units, [part, blank])
    assert found[:4] == [frozenset(), frozenset({"X"}), frozenset({"X"}), frozenset()]


# --------------------------------------------------------------------------- the gold set


def store_with(tmp_path: Path, sets: list[AnnotationSet]) -> tuple[AnnotationStore, list[AnnotationSet]]:
    store = AnnotationStore(tmp_path / "annotations")
    written = [store.transact(s.document, lambda _, s=s: list(s.annotations)) for s in sets]
    return store, written


def gold_of(store: AnnotationStore, doc_id: str = "one.md") -> dict[tuple[int, int], tuple[str, ...]]:
    found = store.load(ref(doc_id).path)
    assert found is not None
    return {(a.start, a.end): a.tags for a in found.annotations if a.annotator == GOLD}


def test_adjudication_writes_copies_as_gold_and_is_idempotent(tmp_path: Path) -> None:
    store, sets = store_with(tmp_path, hand_case())
    report = agreement(sets, text_of)
    (pair,) = report.pairs
    boundary, label, missing = pair.disagreements
    before = {a.id: a for s in sets for a in s.annotations}

    decisions = {boundary: "first", label: "both", missing: "neither"}
    assert adjudicate(store, report.documents, pair, decisions) == 3  # type: ignore[arg-type]
    # agreed Charles Babbage, ada's Ada Lovelace, London as LOC and as ORG (one passage, two labels)
    assert gold_of(store) == {(17, 32): ("PER",), (0, 12): ("PER",), (36, 42): ("LOC", "ORG")}
    stored = {a.id: a for a in store.load(ref("one.md").path).annotations}  # type: ignore[union-attr]
    assert all(stored[i] == a for i, a in before.items() if i in stored)  # the annotators' untouched
    assert len(stored) == len(hand_case()[0].annotations) + 3
    gold = stored[gold_id("one.md", 0, 12)]
    assert (gold.annotator, gold.target.exact, gold.suggested) == (GOLD, "Ada Lovelace", False)

    again = {a.id: a for a in store.load(ref("one.md").path).annotations}  # type: ignore[union-attr]
    assert adjudicate(store, report.documents, pair, decisions) == 0  # type: ignore[arg-type]
    assert {a.id: a for a in store.load(ref("one.md").path).annotations} == again  # type: ignore[union-attr]

    # the decisions read back from the gold set (neither cannot be told from undecided)
    report = agreement(store.summaries(), text_of)
    assert [decided(d, report.gold) for d in report.pairs[0].disagreements] == ["first", "both", None]

    # a changed mind: bob's span instead, and no ORG on London
    assert adjudicate(store, report.documents, pair, {boundary: "second", label: "first"}) == 3
    assert gold_of(store) == {(17, 32): ("PER",), (0, 3): ("PER",), (36, 42): ("LOC",)}


def test_chosen_spans_per_decision() -> None:
    (pair,) = agreement(hand_case(), text_of).pairs
    boundary = pair.disagreements[0]
    quotes = {
        decision: tuple([s.quote for s in side] for side in chosen(boundary, decision))
        for decision in ("first", "second", "both", "neither")
    }
    assert quotes == {
        "first": (["Ada Lovelace"], ["Ada"]),
        "second": (["Ada"], ["Ada Lovelace"]),
        "both": (["Ada Lovelace", "Ada"], []),
        "neither": ([], ["Ada Lovelace", "Ada"]),
    }


def test_write_gold_leaves_other_gold_annotations_alone(tmp_path: Path) -> None:
    by_hand = span(TEXT, "met", "VERB", by=GOLD)
    store, sets = store_with(tmp_path, [AnnotationSet(ref("one.md"), (*hand_case()[0].annotations, by_hand))])
    report = agreement(sets, text_of)
    (pair,) = report.pairs
    write_gold(store, report.documents, pair.agreed)
    assert gold_of(store) == {(13, 16): ("VERB",), (17, 32): ("PER",)}
