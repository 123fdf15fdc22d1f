"""The bulk query evaluator (``top_documents`` over the flat ``.lps`` postings of ``tui.core.search.flat.postings``):
the same documents, totals and scores as Whoosh's own search (which reads the same file through
``whoosh.terms``), the same order as Whoosh's sorting, damage when a segment's file is missing or
damaged, phrases that never span two documents, and hit spans and snippets."""

from __future__ import annotations

import math
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.util.numeric import byte_to_length

from tests.core.search.reference import merge_spans
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.library import load_text
from tui.core.search import phrases
from tui.core.search.analysis import tokens
from tui.core.search.flat import layout, packing, postings
from tui.core.search.highlight import SNIPPET_CHARS
from tui.core.search.types import IndexDamaged
from tui.core.search.whoosh import FOLDER, merging
from tui.core.search.whoosh.bulk import sorted_documents, top_documents
from tui.core.search.whoosh.parse import to_tree
from tui.core.search.whoosh.searcher import Index
from tui.core.search.whoosh.writing import create, write

WORDS = ("alpha", "beta", "gamma", "delta", "zeta", "that")  # each is its own stem
EXTRA = ("kiwi", "lemon", "mango")

EXACT = [
    *["alpha", "that", "alpha beta", "alpha AND gamma", "alpha OR kiwi", "nosuchword", "alpha nosuchword"],
    *["alpha NOT beta", "gamma AND NOT delta", "alpha ANDNOT zeta", "(alpha OR beta) NOT (gamma OR delta)"],
    *["alpha ANDMAYBE beta", "zeta ANDMAYBE (kiwi OR lemon)", "(alpha OR mango) AND (zeta OR lemon)"],
    *['"alpha beta"', '"that that"', '"alpha beta gamma"', '"that that zeta"', '"zeta alpha" OR kiwi'],
    *['"alpha beta" NOT "that that"', "body:zeta", "title:mango", "title:kiwi alpha", "tag:t1"],
    *["tag:t2 alpha", "lang:fr", "lang:en ANDMAYBE zeta", "date:2020", "date:[2019 to 2020] gamma"],
    *["alpha^2 beta", "(alpha OR beta)^3 kiwi", '"alpha beta"^2 OR delta'],
]
EXPANDED = [
    "alp*",
    "ze*",
    "ma?go",
    "l?m*",
    "lemn~",
    "gama~ zeta",
    "al* NOT beta",
    "title:ma*",
    "tag:t*",
    "lang:e*",
]
FOUND = ['"that that"', '"alpha beta gamma"', '"that that zeta"', "alp*", "lemn~"]
"""Queries the generated corpus is built to match: an empty answer would prove nothing."""


def make_doc(corpus: Path, name: str, body: str, n: int = 0) -> Document:
    """A document file in ``corpus``, read as the indexer reads it."""
    path = corpus / f"{name}.md"
    tags, lang, date = f"t{n % 3}", ("en", "fr")[n % 2], f"{2019 + n % 4}-05-06"
    title = f"Doc {EXTRA[n % 3]} {n}"
    path.write_text(f"---\ntitle: {title}\ndate: {date}\nlanguage: {lang}\ntags: [{tags}]\n---\n\n{body}\n")
    stat = path.stat()
    doc = read_document(SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    return doc


def generated(corpus: Path, count: int, seed: int, first: int = 0) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for n in range(first, first + count):
        words = [rng.choice(WORDS + EXTRA) for _ in range(rng.randint(3, 20))]
        if n % 5 == 0:
            words[1:1] = ["alpha", "beta", "gamma"]
        if n % 7 == 0:
            words += ["that", "that", "zeta"]
        docs.append(make_doc(corpus, f"d{n:02d}", " ".join(words), n))
    return docs


def assert_same_as_whoosh(ix: Index) -> None:
    """``_top`` finds exactly what ``searcher.search`` finds: documents, total and (for queries
    without expansions) scores; a limit keeps the best of the full order."""
    searcher = ix._current()
    segments = ix._segments_of(searcher)
    for text in EXACT + EXPANDED:
        q = ix._query(searcher, text)
        ours, total = top_documents(to_tree(q), segments, None)
        theirs = searcher.search(q, limit=None, optimize=False)
        for field, reverse in (("date", True), ("title_sort", False)):
            by_whoosh = searcher.search(q, limit=None, optimize=False, sortedby=field, reverse=reverse)
            expected_order = [(r.docnum, r.score) for r in by_whoosh]
            assert sorted_documents(to_tree(q), segments, field, reverse, None) == (
                expected_order,
                len(theirs),
            )
            assert sorted_documents(to_tree(q), segments, field, reverse, 4) == (
                expected_order[:4],
                len(theirs),
            )
        expected = {r.docnum: r.score for r in theirs}
        got = dict(ours)
        assert (sorted(got), total) == (sorted(expected), len(theirs)), text
        assert total > 0 or text not in FOUND, text
        if text in EXPANDED:
            continue
        wrong = {
            d: (s, expected[d]) for d, s in got.items() if not math.isclose(s, expected[d], abs_tol=1e-6)
        }
        assert not wrong, text
        best = sorted(ours, key=lambda pair: (-pair[1], pair[0]))
        assert ours == best
        assert top_documents(to_tree(q), segments, 3) == (best[:3], total), text


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """40 documents in three separate segments, with deletions and replaced documents."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    folder = tmp_path / "ix"
    create(folder)
    docs = generated(corpus, 40, seed=7)
    write(folder, [], docs[:20], merge=False)
    write(folder, [], docs[20:], merge=False)
    replaced = [make_doc(corpus, "d05", "that that zeta kiwi", 5), make_doc(corpus, "d31", "lemon alpha", 31)]
    write(folder, ["d03.md", "d04.md", "d05.md", "d27.md", "d31.md"], replaced, merge=False)
    return folder


@pytest.fixture
def ix(folder: Path) -> Iterator[Index]:
    opened = Index(folder, load_text)
    yield opened
    opened.close()


def test_bulk_results_are_whooshs(ix: Index) -> None:
    reader = ix._current().reader()
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    assert len(leaves) == 3 and leaves[0].has_deletions() and leaves[1].has_deletions()
    assert reader.doc_count() == 37
    assert_same_as_whoosh(ix)


def test_merged_segments_get_flat_postings_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    folder = tmp_path / "ix"
    create(folder)
    counts = []
    for batch in range(7):
        docs = generated(corpus, 4, seed=batch, first=4 * batch)
        removed = [f"d{4 * batch - 3:02d}.md"] if batch >= 2 else []
        if batch == 6:  # the three smallest segments fit under the bound, the others do not
            sizes = sorted(p.stat().st_size for p in (folder / FOLDER).glob(f"*{postings.SUFFIX}"))
            monkeypatch.setattr(merging, "MERGE_BYTES", sum(sizes[:3]))
        write(folder, removed, docs, merge=batch == 6)
        counts.append(len(list((folder / FOLDER).glob("*.pst"))))
    assert counts[:6] == [1, 2, 3, 4, 5, 6] and counts[-1] == 6 - 3 + 1  # three merged into the new one
    ix = Index(folder, load_text)
    try:
        leaves = [leaf for leaf, _ in ix._current().reader().leaf_readers()]
        assert len(leaves) == counts[-1] and any(leaf.has_deletions() for leaf in leaves)
        assert_same_as_whoosh(ix)
    finally:
        ix.close()


DAMAGE: dict[str, Any] = {
    "deleted": lambda data: None,
    "garbage": lambda data: random.Random(1).randbytes(len(data)),
    "bad magic": lambda data: b"XXXX" + data[4:],
    "half": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "short header": lambda data: data[:10],
    "last bytes cut": lambda data: data[:-2],
    "bytes added": lambda data: data + b"more",
    "bad tables": lambda data: data[:80] + b"{" + data[81:],
    # Sizes and magic numbers intact, numbers impossible: a document or a position past the end.
    "impossible document": lambda data: _patched_record(data, "alpha", 0xFF),
    "impossible position": lambda data: _patched_spans(data),  # noqa: PLW0108 (defined below)
    "counts that do not add up": lambda data: _patched_record(data, "that", 0x7F, column=1),
}


def _layout(data: bytes) -> dict[str, Any]:
    fields = layout.HEADER.unpack_from(data, 0)
    table_size, flags, keys, _, blocks, docs = (
        fields[1],
        fields[2],
        fields[4],
        fields[5],
        fields[6],
        fields[7],
    )
    at = layout.HEADER.size
    table = __import__("json").loads(data[at : at + table_size])
    at += table_size

    def array(dtype: str, count: int) -> Any:
        nonlocal at
        import numpy as np

        values = np.frombuffer(data, dtype=dtype, count=count, offset=at)
        at += values.nbytes + (-values.nbytes % 8)
        return values

    wide = layout.offset_type
    found = {"table": table, "posting_starts": array(wide(flags, 0), keys + 1)}
    found["record_offsets"] = array(wide(flags, 1), keys + 1)
    found["widths"] = array("<u2", keys)
    array(wide(flags, 2), blocks + 1)
    found["spans_at"] = at
    found["docs"] = docs
    return found


def _patched_record(data: bytes, word: str, value: int, column: int = 0) -> bytes:
    """The first number of ``column`` of ``word``'s record set to ``value`` (at its width)."""
    path = Path(tempfile.mkdtemp()) / f"x{postings.SUFFIX}"
    path.write_bytes(data)
    flat = postings.FlatPostings(path)
    key = flat.find("body", word.encode())
    assert key is not None
    tables = _layout(data)
    start = flat._data_at + int(tables["record_offsets"][key])
    code = int(tables["widths"][key])
    postings_count = int(tables["posting_starts"][key + 1] - tables["posting_starts"][key])
    widths = [int(packing.WIDTHS[(code >> (2 * c)) & 3]) for c in range(layout.COLUMNS)]
    at = start + (postings_count * widths[0] if column == 1 else 0)
    assert widths[column], "a column stored in 0 bytes cannot be patched"
    flat.close()
    return data[:at] + bytes([value]) * widths[column] + data[at + widths[column] :]


def _patched_spans(data: bytes) -> bytes:
    """Every document's span in the body set to 0: positions no longer fit their documents."""
    tables = _layout(data)
    names = [entry["name"] for entry in tables["table"] if entry["positions"]]
    at = tables["spans_at"] + names.index("body") * (4 * tables["docs"] + (-4 * tables["docs"] % 8))
    return data[:at] + bytes(4 * tables["docs"]) + data[at + 4 * tables["docs"] :]


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_missing_or_damaged_postings_file_is_damage_never_an_answer(folder: Path, damage: Any) -> None:
    """The ``.lps`` file is the only copy of the searched fields' postings: when one is missing
    or damaged, searching says the index is damaged (it is then rebuilt), never answers."""
    queries = ["alpha", "zeta", "that", '"that that"', '"alpha beta gamma"', "lemon OR kiwi", "al*"]
    ix = Index(folder, load_text)
    try:
        for text in queries:
            assert ix.search(text, limit=100).total
    finally:
        ix.close()
    files = sorted((folder / FOLDER).glob(f"*{postings.SUFFIX}"))
    assert len(files) == 3
    for path in files:
        changed = damage(path.read_bytes())
        if changed is None:
            path.unlink()
        else:
            path.write_bytes(changed)
    ix = Index(folder, load_text)
    try:
        with pytest.raises(IndexDamaged):
            for text in queries:
                ix.search(text, limit=100)
                ix.search(text, limit=100, sort="date")
    finally:
        ix.close()


def test_a_phrase_never_spans_two_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    a = make_doc(corpus, "a", "gamma delta alpha", 0)
    b = make_doc(corpus, "b", "beta zeta gamma", 1)
    filler = [make_doc(corpus, f"f{n}", "delta zeta", n) for n in range(4)]
    # Written together; or in six one-document segments, merged into one by the last write.
    for batches in ([[a, b]], [[a], [b], *[[f] for f in filler]]):
        folder = tmp_path / f"ix{len(batches)}"
        create(folder)
        for n, batch in enumerate(batches):
            write(folder, [], batch, merge=n == len(batches) - 1)
        ix = Index(folder, load_text)
        try:
            searcher = ix._current()
            assert len(list(searcher.reader().leaf_readers())) == 1
            assert searcher.document_number(id="b.md") == searcher.document_number(id="a.md") + 1
            assert all(s.flat is not None for s in ix._segments_of(searcher))
            for text, expected in [
                ('"alpha beta"', set()),
                ('"gamma delta alpha"', {"a.md"}),
                ("alpha", {"a.md"}),
            ]:
                assert {h.id for h in ix.search(text).hits} == expected, text
                q = ix._query(searcher, text)
                assert top_documents(to_tree(q), ix._segments_of(searcher), None)[1] == len(expected), text
        finally:
            ix.close()


def contains(terms: list[str], phrase: list[str]) -> bool:
    return any(terms[i : i + len(phrase)] == phrase for i in range(len(terms) - len(phrase) + 1))


@settings(max_examples=40, deadline=None)
@given(
    bodies=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), min_size=1, max_size=6),
    phrase=st.lists(st.sampled_from(WORDS), min_size=2, max_size=3),
    split=st.integers(0, 6),
)
def test_phrases_find_the_documents_that_hold_them(
    bodies: list[list[str]], phrase: list[str], split: int
) -> None:
    texts = [" ".join(words).capitalize() + "." for words in bodies]
    docs = [
        Document(f"d{n}", Path(f"d{n}"), "x", "2020-01-01", "", "en", (), text, "", 0, 0)
        for n, text in enumerate(texts)
    ]
    wanted = [t for t, _, _ in tokens(" ".join(phrase))]
    expected = {d.id for d in docs if contains([t for t, _, _ in tokens(d.text)], wanted)}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        create(folder)
        for part in (docs[:split], docs[split:]):
            if part:
                write(folder, [], part, merge=False)
        ix = Index(folder, load_text)
        try:
            assert all(s.flat is not None for s in ix._segments_of(ix._current()))
            results = ix.search(f'"{" ".join(phrase)}"', limit=50)
        finally:
            ix.close()
    assert {h.id for h in results.hits} == expected and results.total == len(expected)


def flat_file(tmp_path: Path) -> postings.FlatPostings:
    """Three documents of 3, 2 and 4 tokens: "a b c", "b c", "c a c a"; a title "b"."""
    body = postings.FlatField(
        "body", 1.0, [b"a", b"b", b"c"], [0, 2, 4, 7], [0, 2, 0, 1, 0, 1, 2], [1, 2, 1, 1, 1, 1, 2],
        positions=[0, 1, 3, 1, 0, 2, 1, 0, 2], starts=[0, 2, 6, 2, 0, 4, 2, 0, 4],
        ends=[1, 3, 7, 3, 1, 5, 3, 1, 5], spans=[3, 2, 4],
    )  # fmt: skip
    title = postings.FlatField("title", 3.0, [b"b"], [0, 1], [1], [1], [0], [0], [1], [0, 1, 0])
    path = tmp_path / f"seg{postings.SUFFIX}"
    postings.write(path, postings.FlatSegment([body, title], 3))
    return postings.FlatPostings(path)


def test_flat_postings_round_trip(tmp_path: Path) -> None:
    flat = flat_file(tmp_path)
    assert (flat.doc_count, flat.span("body")) == (3, 12)  # documents start at positions 0, 4 and 7

    def key(word: bytes, field: str = "body") -> int:
        found = flat.find(field, word)
        assert found is not None
        return found

    assert [part.tolist() for part in flat.postings(key(b"c"))] == [[0, 1, 2], [1, 1, 2]]
    assert [part.tolist() for part in flat.occurrences("body", key(b"a"))] == [[0, 2], [1, 2], [0, 8, 10]]
    assert flat.occurrences("body", key(b"c"))[2].tolist() == [2, 5, 7, 9]
    assert [part.tolist() for part in flat.postings(key(b"b", "title"))] == [[1], [1]]
    assert flat.fields["title"].boost == 3.0
    assert flat.find("body", b"d") is None and flat.find("body", b"") is None
    assert flat.find("title", b"a") is None and flat.find("tags", b"b") is None
    found = [[part.tolist() for part in parts] for parts in flat.in_documents(key(b"a"), [0, 1, 2])]
    assert found == [[[0], [0], [1]], [[], [], []], [[1, 3], [2, 6], [3, 7]]]
    assert flat.in_documents(key(b"a"), []) == []
    assert flat.field_terms("body") == [b"a", b"b", b"c"] and flat.prefix_range("body", b"b") == (1, 2)


def test_flat_postings_search_without_mapping_the_file(tmp_path: Path) -> None:
    """Searching reads what it needs (terms, a term's record) and never maps the file: a fault in
    a mapping maps the page cache's whole large folio, so searches kept most of every segment
    resident. A merge, which reads everything, maps it."""
    flat = flat_file(tmp_path)
    key = flat.find("body", b"a")
    assert key is not None
    flat.postings(key), flat.occurrences("body", key), flat.posting_occurrences(key)
    assert flat.in_documents(key, [2])[0][0].tolist() == [1, 3]
    assert flat.field_terms("body") == [b"a", b"b", b"c"] and flat.terms(*flat.prefix_range("body", b"")) == [
        b"a", b"b", b"c",
    ]  # fmt: skip
    assert flat._map is None
    merged = flat.field_postings("body")
    assert list(merged.terms) == [b"a", b"b", b"c"] and merged.ids.tolist() == [0, 2, 0, 1, 0, 1, 2]
    assert flat._map is not None
    flat.close()
    with pytest.raises(ValueError):  # closed: refused, never another file's bytes
        flat.find("body", b"zz")


def test_flat_postings_cut_short_after_opening_are_damaged(tmp_path: Path) -> None:
    flat = flat_file(tmp_path)
    path = tmp_path / f"seg{postings.SUFFIX}"
    with path.open("r+b") as handle:
        handle.truncate(flat._data_at + 1)  # (a mapping would have died of SIGBUS here)
    key = flat.find("body", b"c")
    assert key is not None
    with pytest.raises(ValueError, match="cut short"):
        flat.postings(key)
    damaged = tmp_path / "short.lps"
    damaged.write_bytes(path.read_bytes()[: flat._keys_at - 3])
    with pytest.raises(ValueError):
        postings.FlatPostings(damaged)


@pytest.mark.parametrize("limit", [0, 10**9], ids=["binary search", "bitmap"])
def test_phrase_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    monkeypatch.setattr(phrases, "_SEARCH_LIMIT", limit)
    flat = flat_file(tmp_path)

    def phrase(*words: bytes) -> list[int]:
        keys = [flat.find("body", w) for w in words]
        found = [flat.occurrences("body", k) for k in keys if k is not None]
        assert len(found) == len(words)
        return [int(d) for d in postings.phrase_documents(found, flat.span("body"))]

    assert phrase(b"a", b"b") == [0]
    assert phrase(b"b", b"c") == [0, 1]
    assert phrase(b"c", b"a") == [2]
    assert phrase(b"c", b"a", b"c") == [2]
    assert phrase(b"c", b"a", b"c", b"a") == [2]
    assert phrase(b"c", b"b") == []  # "c" ends document 0, "b" starts document 1
    assert phrase(b"a", b"a") == [] and phrase(b"b", b"a") == []


def test_flat_postings_refuse_what_they_cannot_hold(tmp_path: Path) -> None:
    path = tmp_path / "big.lps"
    for impossible in (
        postings.FlatField("body", 1.0, [b"a"], [0, 1], [5], [1], [0], [0], [1], [1]),  # document 5 of 1
        postings.FlatField("body", 1.0, [b"a"], [0, 1], [0], [1], [1 << 32], [0], [1], [1]),
        postings.FlatField("body", 1.0, [b"a"], [0, 1], [0], [1], [0], [0], [1], []),  # no spans
    ):
        with pytest.raises(ValueError):
            postings.write(path, postings.FlatSegment([impossible], 1))
        assert not path.exists()
    flat_file(tmp_path)
    damaged = tmp_path / "bad.lps"
    damaged.write_bytes(b"NOPE" + (tmp_path / f"seg{postings.SUFFIX}").read_bytes()[4:])
    with pytest.raises(ValueError, match="not a lectern postings file"):
        postings.FlatPostings(damaged)


HIT_TEXTS = [
    "Alpha beta and more. Then alpha, beta again; alpha gamma beta.",
    "beta alpha, only backwards",
    "alpha\nbeta across a line, that that that zeta",
    "alpha beta alpha beta gamma alpha beta gamma",
    "that that. That zeta, that that",
    "delta " * 40 + "alpha beta gamma in the middle of a long text " + "delta " * 40,
]


@pytest.mark.parametrize("phrase", ["alpha beta", "that that", "alpha beta gamma"])
def test_hits_and_snippet_marks_of_a_phrase(tmp_path: Path, phrase: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    folder = tmp_path / "ix"
    create(folder)
    docs = [make_doc(corpus, f"h{n}", text, n) for n, text in enumerate(HIT_TEXTS)]
    write(folder, [], docs[:3], merge=False)
    write(folder, [], docs[3:], merge=False)
    words = phrase.split()
    expected: dict[str, list[tuple[int, int]]] = {}
    for doc in docs:
        found = list(tokens(doc.text))
        terms = [t for t, _, _ in found]
        spans = [
            (found[i][1], found[i + len(words) - 1][2])
            for i in range(len(terms))
            if terms[i : i + len(words)] == words
        ]
        if spans:
            expected[doc.id] = merge_spans(spans)
    ix = Index(folder, load_text)
    try:
        results = ix.search(f'"{phrase}"')
    finally:
        ix.close()
    assert {h.id for h in results.hits} == set(expected) and results.total == len(expected)
    for hit in results.hits:
        assert hit.hits == len(expected[hit.id]), hit.id
        text = next(d.text for d in docs if d.id == hit.id)
        assert hit.marks, hit.id
        for start, end in hit.marks:  # a phrase, or overlapping ones merged: "that that that"
            marked = [t for t, _, _ in tokens(hit.snippet[start:end])]
            assert marked[: len(words)] == words == marked[-len(words) :], (hit.id, hit.snippet[start:end])
        if len(text) <= SNIPPET_CHARS:  # the whole text: every span, where it stands
            assert hit.marks == tuple(expected[hit.id]) and hit.snippet == text.replace("\n", " ")


DATE_QUERIES = [
    "date:2020", "date:2021-02", "date:2021-02-03", "date:[2019 to 2020]", "date:[2020-06 to 2021-03-15]",
    "date:[2021 to]", "date:[to 2019-12-31]", "date:{2019 to 2021}", "date:2020 OR date:2022",
    "alpha date:[2019 to 2021]", "date:2021-02-03T04:05:06", "date:2020 NOT date:2020-06",
]  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(2018, 2022), st.integers(1, 12), st.integers(1, 28)), min_size=1, max_size=30
    )
)
def test_dates_from_the_column_find_what_whooshs_date_terms_find(dates: list[tuple[int, int, int]]) -> None:
    """Date queries are answered from the date column (the field has no terms); Whoosh's own
    DATETIME field, indexed as terms, finds the same documents."""
    from datetime import datetime

    from whoosh import fields as whoosh_fields
    from whoosh import index as whoosh_index
    from whoosh import qparser

    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        corpus = base / "corpus"
        corpus.mkdir()
        docs = []
        for n, (year, month, day) in enumerate(dates):
            when = f"{year}-{month:02d}-{day:02d}" + ("T04:05:06" if n % 5 == 0 else "")
            path = corpus / f"d{n}.md"
            path.write_text(f"---\ntitle: D{n}\ndate: {when}\n---\n\nalpha {n}\n")
            stat = path.stat()
            doc = read_document(SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns))
            assert isinstance(doc, Document)
            docs.append(doc)
        folder = base / "ix"
        create(folder)
        half = max(1, len(docs) // 2)
        write(folder, [], docs[:half], merge=False)
        if docs[half:]:
            write(folder, [], docs[half:], merge=False)
        write(folder, [docs[0].id], docs[:1], merge=False)  # a deleted document in the first segment
        plain = whoosh_index.create_in(
            str(base),
            whoosh_fields.Schema(
                id=whoosh_fields.ID(stored=True), date=whoosh_fields.DATETIME, body=whoosh_fields.TEXT
            ),
        )
        with plain.writer() as writer:
            for doc in docs:
                writer.add_document(id=doc.id, date=datetime.fromisoformat(doc.date), body="alpha")
        parser = qparser.QueryParser("body", plain.schema, group=qparser.AndGroup)
        ix = Index(folder, load_text)
        try:
            with plain.searcher() as searcher:
                for text in DATE_QUERIES:
                    expected = {r["id"] for r in searcher.search(parser.parse(text), limit=None)}
                    found = ix.search(text, limit=100)
                    assert {h.id for h in found.hits} == expected and found.total == len(expected), text
                    assert {h.id for h in ix.search(text, limit=100, sort="date").hits} == expected, text
        finally:
            ix.close()


def test_fuzzy_terms_are_the_union_of_the_segments_terms(tmp_path: Path) -> None:
    """A field's terms for fuzzy words: every segment's, each once, sorted (by length: a word
    is compared with the lengths its edits allow), and only that union kept (the segments' own
    lists are read one at a time and let go)."""
    from tui.core.search.whoosh.lexicon import Lexicon

    def doc(n: int, text: str) -> Document:
        return Document(f"d{n}", Path(f"d{n}"), "x", "2020-01-01", "", "en", (), text, "", 0, 0)

    create(tmp_path)
    write(tmp_path, [], [doc(0, "Alpha beta kiwi."), doc(1, "Beta gamma.")], merge=False)
    write(tmp_path, [], [doc(2, "Gamma lemon alpha.")], merge=False)
    write(tmp_path, [], [doc(3, "Mango.")], merge=False)
    ix = Index(tmp_path, load_text)
    try:
        reader = ix._current().reader()
        assert len(list(reader.leaf_readers())) == 3
        lexicon = Lexicon(reader)
        assert lexicon.field_terms("body") == ["alpha", "beta", "gamma", "kiwi", "lemon", "mango"]
        assert lexicon._field_lists("body") is lexicon._field_lists("body")  # joined once per searcher
        assert lexicon.terms_of_length("body", 5) == ["alpha", "gamma", "lemon", "mango"]
        assert lexicon.within("body", "lemn", 1, 0) == [b"lemon"]
        assert ix.search("mangp~").total == 1 and ix.search("gama~").total == 2
    finally:
        ix.close()


def test_field_lengths_read_whole_are_whooshs_per_document(ix: Index) -> None:
    from tui.core.search.whoosh.bulk import Segment
    from tui.core.search.whoosh.scoring import LENGTH_OF_BYTE, field_lengths

    assert [byte_to_length(b) for b in range(256)] == LENGTH_OF_BYTE
    searcher = ix._current()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        segment = Segment(searcher, sub, offset, ix._lexicon_of())
        for name in ("body", "title", "tags"):
            expected = [reader.doc_field_length(d, name, 0) for d in range(reader.doc_count_all())]
            assert field_lengths(reader, name) == expected
            assert segment._lengths(name).tolist() == expected


def test_an_expansions_idf_from_its_summed_frequency_is_whooshs(ix: Index) -> None:
    """A prefix's terms are scored with the document frequencies its expansion summed over the
    segments (deleted documents counted, as Whoosh counts them): exactly Whoosh's idf, for
    every term of every prefix of every searched field, in three segments with deletions."""
    searcher = ix._current()
    lexicon = ix._lexicon_of()
    checked = 0
    for field in ("title", "body", "tags", "note"):  # SEARCH_FIELDS
        for prefix in ["", "a", "b", "th", "co", "z"]:
            for text in lexicon.frequencies(field, prefix):
                tbytes = text.encode("utf-8")
                assert lexicon.idf(searcher, field, tbytes) == searcher.idf(field, tbytes), (field, text)
                checked += 1
    assert checked > 30
    assert lexicon.idf(searcher, "body", b"no-such-term") == searcher.idf("body", b"no-such-term")
