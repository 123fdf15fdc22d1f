"""The writer's array tokenisers against the reference ``term_offsets``, the grouping of a segment's
postings, the ``.lps`` file's packing (what is written is read back, whole and a term at a time),
and the stored fields' column."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.search.analysis import term_offsets, vocabulary_of
from tui.core.search.flat import packing, postings
from tui.core.search.whoosh.pool import FieldPool

PIECES = [
    "alpha", "Beta", "GAMMA", "running", "runs", "x", "v2_beta", "42", "é", "İ", "ß", "ǅ",
    "区块链", "プロジェクト", "한국어", "中", " ", "  ", "\n", ", ", ".", "-", "e\u0301", "\t",
    "ΟΔΟΣ", "Σ", "ΤΕΛΟΣ", "_", "getElementById", "HTTPServer", "URLs", "os.path", "a.b-c_d", "--",
]  # fmt: skip
ASCII_PIECES = [p for p in PIECES if p.isascii()]


def occurrences_of(pool: FieldPool, docs: int = 1) -> dict[str, list[int]]:
    """The pool's postings flattened the way ``term_offsets`` gives them."""
    grouped = pool.grouped(docs)
    found: dict[str, list[int]] = {}
    edges = np.asarray(grouped.posting_starts).tolist()
    occurrence_starts = [0, *np.cumsum(grouped.counts).tolist()]
    for term, first, last in zip(grouped.terms, edges, edges[1:], strict=False):
        flat = found.setdefault(term.decode("utf-8"), [])
        for posting in range(first, last):
            for i in range(occurrence_starts[posting], occurrence_starts[posting + 1]):
                flat += [int(grouped.positions[i]), int(grouped.starts[i]), int(grouped.ends[i])]
    return found


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(PIECES), max_size=40), st.lists(st.sampled_from(ASCII_PIECES), max_size=40)
    )
)
def test_the_array_tokeniser_finds_what_term_offsets_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    pool = FieldPool("body", 1.0, True)
    offsets = term_offsets(text)
    assert pool.add_text(0, text) == sum(len(flat) // 3 for flat in offsets.values())
    positions = {pos for flat in offsets.values() for pos in flat[0::3]}
    assert positions == set(range(len(positions)))  # a compound shares its first part's
    assert occurrences_of(pool) == term_offsets(text)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=20), min_size=1, max_size=5))
def test_postings_group_by_term_then_document(texts: list[list[str]]) -> None:
    pool = FieldPool("body", 2.0, True)
    for docnum, pieces in enumerate(texts):
        pool.add_text(docnum, "".join(pieces))
    grouped = pool.grouped(len(texts))
    assert list(grouped.terms) == sorted(grouped.terms)
    edges = np.asarray(grouped.posting_starts).tolist()
    for term, first, last in zip(grouped.terms, edges, edges[1:], strict=False):
        ids = grouped.ids[first:last].tolist()
        assert ids == sorted(set(ids)), term
        for docnum, count in zip(ids, grouped.counts[first:last].tolist(), strict=True):
            expected = term_offsets("".join(texts[docnum]))[term.decode("utf-8")]
            assert count == len(expected) // 3
    assert grouped.spans.tolist() == [
        sum(len(f) // 3 for f in term_offsets("".join(t)).values()) for t in texts
    ]


def test_the_vocabulary_is_vocabulary_of_each_text() -> None:
    texts = ["Alpha beta_2 gammas 42", "区块链 İstanbul naïve", "x yz " + "a" * 35, "plain ascii words.here"]
    pool = FieldPool("body", 1.0, True)
    for docnum, text in enumerate(texts):
        pool.add_text(docnum, text)
    assert pool.vocabulary() == set().union(*map(vocabulary_of, texts))


def test_merged_postings_join_the_documents_added() -> None:
    merged = postings.FlatField(
        "body", 1.0, [b"alpha", b"beta"], [0, 2, 3], [0, 1, 1], [2, 1, 1],
        positions=[0, 3, 1, 0], starts=[0, 20, 6, 0], ends=[5, 25, 11, 4], spans=[4, 2],
    )  # fmt: skip
    pool = FieldPool("body", 1.0, True)
    pool.add_text(0, "alpha beta")
    pool.add_merged(merged, np.asarray([2, 1]))  # its documents 0 and 1 become 2 and 1
    grouped = pool.grouped(3)
    assert list(grouped.terms) == [b"alpha", b"beta"]
    assert grouped.ids.tolist() == [0, 1, 2, 0, 1] and grouped.counts.tolist() == [1, 1, 2, 1, 1]
    assert grouped.positions.tolist() == [0, 1, 0, 3, 1, 0]
    assert grouped.starts.tolist() == [0, 6, 0, 20, 6, 0]
    assert grouped.spans.tolist() == [2, 2, 4]
    deleted = FieldPool("body", 1.0, True)
    deleted.add_merged(merged, np.asarray([0, -1]))  # document 1 deleted: beta's only posting goes
    grouped = deleted.grouped(1)
    assert (
        list(grouped.terms) == [b"alpha"] and grouped.ids.tolist() == [0] and grouped.counts.tolist() == [2]
    )
    assert grouped.spans.tolist() == [4]


def _field(draw: st.DrawFn, name: str, positional: bool, docs: int) -> postings.FlatField:
    """A field of random postings: Hypothesis chooses the shape (terms, sizes, how wide the
    numbers get), a seeded generator the many numbers."""
    import random

    rng = random.Random(draw(st.integers(0, 2**32)))
    terms = sorted(set(draw(st.lists(st.text(min_size=1, max_size=6), min_size=0, max_size=8))))
    most = draw(st.sampled_from([1, 2, 300]))
    starts, ids, counts = [0], [], []
    for _ in terms:
        chosen = sorted(rng.sample(range(docs), rng.randint(1, min(docs, 12))))
        ids += chosen
        counts += [rng.choice([1, 1, 2, most]) for _ in chosen]
        starts.append(len(ids))
    encoded = [t.encode("utf-8") for t in terms]
    if not positional:
        return postings.FlatField(name, 1.0, encoded, starts, ids, counts)
    big = draw(st.sampled_from([10, 300, 70_000, 5_000_000]))
    longest = draw(st.sampled_from([1, 2, 300, 70_000]))
    positions, begins, ends = [], [], []
    for count in counts:
        at = sorted(rng.randint(0, big) for _ in range(count))
        positions += at
        begins += [3 * p for p in at]
        ends += [3 * p + rng.choice([1, longest]) for p in at]
    spans = [big + 1] * docs
    return postings.FlatField(name, 3.0, encoded, starts, ids, counts, positions, begins, ends, spans)


@st.composite
def segments(draw: st.DrawFn) -> postings.FlatSegment:
    docs = draw(st.integers(1, 300))  # over 255: document gaps two bytes wide
    return postings.FlatSegment(
        [
            _field(draw, "body", True, docs),
            _field(draw, "tags", False, docs),
            _field(draw, "title", True, docs),
        ],
        docs,
    )


@settings(max_examples=80, deadline=None)
@given(segments())
def test_the_flat_file_gives_back_what_was_written(segment: postings.FlatSegment) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"s{postings.SUFFIX}"
        postings.write(path, segment)
        flat = postings.FlatPostings(path)
        for field in segment.fields:
            back = flat.field_postings(field.name)
            assert list(back.terms) == list(field.terms)
            for name in ("posting_starts", "ids", "counts", "positions", "starts", "ends", "spans"):
                wanted = getattr(field, name)
                got = getattr(back, name)
                assert (got is None) == (wanted is None), name
                if wanted is not None:
                    assert np.asarray(got).tolist() == list(wanted), (field.name, name)
            assert flat.field_terms(field.name) == list(field.terms)
            edges = list(field.posting_starts)
            occurrence = [0, *np.cumsum(np.asarray(field.counts, dtype=np.int64)).tolist()]
            for k, term in enumerate(field.terms):
                key = flat.find(field.name, term)
                assert key is not None and flat.doc_frequency(key) == edges[k + 1] - edges[k]
                ids, counts = flat.postings(key)
                assert ids.tolist() == list(field.ids[edges[k] : edges[k + 1]])
                assert counts.tolist() == list(field.counts[edges[k] : edges[k + 1]])
                if field.positions is None:
                    continue
                found = flat.in_documents(key, ids.tolist())
                for posting, (positions, begins, ends) in zip(
                    range(edges[k], edges[k + 1]), found, strict=True
                ):
                    span = slice(occurrence[posting], occurrence[posting + 1])
                    assert positions.tolist() == list(field.positions[span])
                    assert (begins.tolist(), ends.tolist()) == (
                        list(field.starts[span]),
                        list(field.ends[span]),
                    )
                _, _, segment_wide = flat.occurrences(field.name, key)
                bases = flat.bases(field.name)
                expected = [bases[d] + p for d, c, s in zip(ids.tolist(), counts.tolist(), range(len(ids)), strict=True)
                            for p in field.positions[occurrence[edges[k] + s] : occurrence[edges[k] + s] + c]]  # fmt: skip
                assert segment_wide.tolist() == expected
            for prefix in ("", "a", "b", "\U0010ffff"):
                first, end = flat.prefix_range(field.name, prefix.encode("utf-8"))
                assert flat.terms(first, end) == [
                    t for t in field.terms if t.startswith(prefix.encode("utf-8"))
                ]
            assert flat.find(field.name, b"\xfe") is None
        flat.close()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, (1 << 32) - 1), max_size=6), max_size=10))
def test_packing_keeps_every_value_at_its_width(runs: list[list[int]]) -> None:
    values = np.asarray([v for run in runs for v in run], dtype=np.int64)
    counts = np.asarray([len(run) for run in runs], dtype=np.int64)
    codes = packing.width_codes(values, counts)
    widths = packing.WIDTHS[codes.astype(np.int64)]
    at = np.concatenate([[0], np.cumsum(counts * widths)[:-1]]).astype(np.int64) if len(runs) else counts
    data = np.zeros(int((counts * widths).sum()), dtype=np.uint8)
    packing.pack(data, at, values, counts, codes)
    assert packing.unpack(data, at, counts, codes).tolist() == values.tolist()
    for run, start, code in zip(runs, at.tolist(), codes.tolist(), strict=True):
        assert packing.view(data.tobytes(), start, len(run), code).tolist() == run
        assert code == (0 if not any(run) else 1 if max(run) < 256 else 2 if max(run) < 65536 else 3)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-(1 << 30), (1 << 30) - 1), max_size=50), st.sampled_from([np.int32, np.int64]))
def test_zigzag_is_the_textbook_map_and_comes_back(values: list[int], kind: type) -> None:
    """0, -1, 1, -2 ... as 0, 1, 2, 3 ... in the column's own width (a segment's 32-bit lengths
    stay 32-bit), and ``unzigzag`` gives them back."""
    column = np.asarray(values, dtype=kind)
    found = packing.zigzag(column)
    assert found.dtype == column.dtype
    assert found.tolist() == [2 * v if v >= 0 else -2 * v - 1 for v in values]
    assert packing.unzigzag(found).tolist() == values


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.dictionaries(st.sampled_from(["id", "path", "title"]), st.text(max_size=30))),
        max_size=20,
    )
)
def test_stored_fields_read_back_whatever_the_segment(values: list[dict[str, str] | None]) -> None:
    """Stored fields are compressed against the first documents' own (``whoosh.stored``): any
    number of documents, some without stored fields, read back as written."""
    from whoosh.filedb.filestore import RamStorage

    from tui.core.search.whoosh.stored import STORED

    storage = RamStorage()
    out = storage.create_file("stored")
    writer = STORED.writer(out)
    for docnum, value in enumerate(values):
        if value:  # Whoosh adds a document's stored fields only when it has some
            writer.add(docnum, value)
    writer.finish(len(values))
    out.close()
    reader = STORED.reader(storage.open_file("stored"), 0, storage.file_length("stored"), len(values))
    assert [reader[d] for d in range(len(values))] == [v or None for v in values]
    assert list(reader) == [v or None for v in values]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=12), min_size=1, max_size=9))
def test_parts_joined_as_they_come_group_as_parts_kept_apart(
    texts: list[list[str]],
) -> None:
    """A pool joins its documents' arrays every ``JOIN_PARTS`` documents; what it groups is the same."""
    from tui.core.search.whoosh import pool as pool_module

    def grouped(join_every: int) -> postings.FlatField:
        saved, pool_module.JOIN_PARTS = pool_module.JOIN_PARTS, join_every
        try:
            pool = FieldPool("body", 1.0, True)
            for docnum, pieces in enumerate(texts):
                pool.add_text(docnum, "".join(pieces))
            return pool.grouped(len(texts))
        finally:
            pool_module.JOIN_PARTS = saved

    apart, joined = grouped(10_000), grouped(2)
    for name in ("terms", "posting_starts", "ids", "counts", "positions", "starts", "ends", "spans"):
        assert np.asarray(getattr(joined, name)).tolist() == np.asarray(getattr(apart, name)).tolist(), name


@settings(max_examples=40, deadline=None)
@given(segments())
def test_a_segment_of_32_bit_columns_is_written_as_its_64_bit_copy(segment: postings.FlatSegment) -> None:
    """A pool's columns are 32-bit and kept so while written (half the memory); the file is the
    same as from the 64-bit columns of any other source, fields given one at a time or together."""

    def narrowed(field: postings.FlatField) -> postings.FlatField:
        if field.positions is None:
            return field
        columns = [np.asarray(c, dtype=np.int64) for c in (field.positions, field.starts, field.ends)]
        if any(len(c) and int(c.max()) >= 1 << 31 for c in columns):
            return field
        thin = [c.astype(np.int32) for c in columns]
        return dataclasses.replace(field, positions=thin[0], starts=thin[1], ends=thin[2])

    with tempfile.TemporaryDirectory() as folder:
        wide, thin = Path(folder) / f"wide{postings.SUFFIX}", Path(folder) / f"thin{postings.SUFFIX}"
        postings.write(wide, segment)
        postings.write_fields(thin, (narrowed(f) for f in segment.fields), segment.docs)
        assert thin.read_bytes() == wide.read_bytes()
