"""The writer's array tokeniser and posting encoder against the reference ``term_offsets`` and
``_encode``: the same terms, positions and offsets, the same bytes."""

from __future__ import annotations

from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.search.analysis import term_offsets, vocabulary_of
from tui.core.search.whoosh.pool import BodyPool, cut_values, encode_all
from tui.core.search.whoosh.schema import encode_occurrences

PIECES = [
    "alpha", "Beta", "GAMMA", "running", "runs", "x", "v2_beta", "42", "é", "İ", "ß", "ǅ",
    "区块链", "プロジェクト", "한국어", "中", " ", "  ", "\n", ", ", ".", "-", "e\u0301", "\t",
    "ΟΔΟΣ", "Σ", "ΤΕΛΟΣ", "_", "getElementById", "HTTPServer", "URLs", "os.path",
]  # fmt: skip


def occurrences_of(pool: BodyPool) -> dict[str, list[int]]:
    """The pool's postings flattened the way ``term_offsets`` gives them."""
    grouped = pool.grouped()
    assert grouped is not None
    found: dict[str, list[int]] = {}
    edges = grouped.posting_starts.tolist()
    occurrence_starts = [0, *grouped.counts.cumsum().tolist()]
    for term, first, last in zip(grouped.terms, edges, edges[1:], strict=False):
        flat = found.setdefault(term.decode("utf-8"), [])
        for posting in range(first, last):
            for i in range(occurrence_starts[posting], occurrence_starts[posting + 1]):
                flat += [int(grouped.positions[i]), int(grouped.starts[i]), int(grouped.ends[i])]
    return found


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_the_array_tokeniser_finds_what_term_offsets_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    pool = BodyPool(1.0)
    offsets = term_offsets(text)
    assert pool.add_text(0, text) == sum(len(flat) // 3 for flat in offsets.values())
    positions = {pos for flat in offsets.values() for pos in flat[0::3]}
    assert positions == set(range(len(positions)))  # a compound shares its first part's
    assert occurrences_of(pool) == term_offsets(text)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=20), min_size=1, max_size=5))
def test_postings_group_by_term_then_document(texts: list[list[str]]) -> None:
    pool = BodyPool(2.0)
    for docnum, pieces in enumerate(texts):
        pool.add_text(docnum, "".join(pieces))
    grouped = pool.grouped()
    assert grouped is not None
    assert grouped.terms == sorted(grouped.terms)
    edges = grouped.posting_starts.tolist()
    for term, first, last in zip(grouped.terms, edges, edges[1:], strict=False):
        ids = grouped.ids[first:last].tolist()
        assert ids == sorted(set(ids)), term
        for docnum, count in zip(ids, grouped.counts[first:last].tolist(), strict=True):
            expected = term_offsets("".join(texts[docnum]))[term.decode("utf-8")]
            assert count == len(expected) // 3
    assert grouped.weights.tolist() == (grouped.counts * 2.0).tolist()


step = st.tuples(st.integers(0, 70_000), st.integers(0, 70_000), st.integers(1, 70_000))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(step, min_size=1, max_size=6), max_size=8))
def test_all_postings_encode_as_encode_does(postings: list[list[tuple[int, int, int]]]) -> None:
    flats = []
    for steps in postings:  # a token's position never passes its start; both increase
        flat, position, start = [], -1, -1
        for forward, gap, length in steps:
            position, start = position + 1 + forward, start + 1 + forward + gap
            flat += [position, start, start + length]
        flats.append(flat)
    counts = array("q", [len(flat) // 3 for flat in flats])
    columns = [array("q", [n for flat in flats for n in flat[i::3]]) for i in range(3)]
    values = cut_values(*encode_all(counts, *columns))
    assert values == [encode_occurrences(f, len(f) // 3) for f in flats]


def test_the_vocabulary_is_vocabulary_of_each_text() -> None:
    texts = ["Alpha beta_2 gammas 42", "区块链 İstanbul naïve", "x yz " + "a" * 35]
    pool = BodyPool(1.0)
    for docnum, text in enumerate(texts):
        pool.add_text(docnum, text)
    assert pool.vocabulary() == set().union(*map(vocabulary_of, texts))


def test_merged_postings_out_of_order_are_sorted() -> None:
    pool = BodyPool(1.0)
    pool.add_text(0, "alpha beta")
    pool.add_posting(2, "alpha", [(0, 0, 5), (3, 20, 25)])
    pool.add_posting(1, "alpha", [(1, 6, 11)])
    pool.add_posting(1, "beta", [(0, 0, 4)])
    grouped = pool.grouped()
    assert grouped is not None and grouped.terms == [b"alpha", b"beta"]
    assert grouped.ids.tolist() == [0, 1, 2, 0, 1] and grouped.counts.tolist() == [1, 1, 2, 1, 1]
    assert grouped.positions.tolist() == [0, 1, 0, 3, 1, 0]
    assert grouped.starts.tolist() == [0, 6, 0, 20, 6, 0]
    assert pool.lengths == {0: 2, 2: 4, 1: 2}
