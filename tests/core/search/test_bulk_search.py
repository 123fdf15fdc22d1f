"""The bulk query evaluator (``top_documents`` over the flat ``.lps`` postings of ``tui.core.search.flat.postings``):
the same documents, totals and scores as Whoosh's own search, Whoosh's postings when a segment's
file is missing or damaged, phrases that never span two documents, and hit spans and snippets."""

from __future__ import annotations

import math
import random
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.search.reference import merge_spans
from tui.core.documents import Document, SourceFile, read_document
from tui.core.library import load_text
from tui.core.search import phrases
from tui.core.search.analysis import tokens
from tui.core.search.flat import postings
from tui.core.search.highlight import SNIPPET_CHARS
from tui.core.search.whoosh import FOLDER
from tui.core.search.whoosh.bulk import top_documents
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
EXPANDED = ["alp*", "ze*", "ma?go", "l?m*", "lemn~", "gama~ zeta", "al* NOT beta", "title:ma*", "tag:t*"]
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
    assert all(s.flat is not None for s in segments)  # the .lps files answer, not the fallback
    for text in EXACT + EXPANDED:
        q = ix._query(searcher, text)
        ours, total = top_documents(to_tree(q), segments, None)
        theirs = searcher.search(q, limit=None, optimize=False)
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


def test_merged_segments_get_flat_postings_too(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    folder = tmp_path / "ix"
    create(folder)
    counts = []
    for batch in range(7):
        docs = generated(corpus, 4, seed=batch, first=4 * batch)
        removed = [f"d{4 * batch - 3:02d}.md"] if batch >= 2 else []
        write(folder, removed, docs, merge=True)
        counts.append(len(list((folder / FOLDER).glob("*.pst"))))
    assert max(counts) >= 5 and counts[-1] < max(counts)  # Whoosh merged the small segments
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
    # Sizes and magic numbers intact, numbers impossible: a document or a position past the end.
    "impossible document": lambda data: _patched(data, postings._HEADER.size, 1 << 30),
    "impossible position": lambda data: _patched(data, _first_position(data), (1 << 32) - 1),
}


def _patched(data: bytes, at: int, value: int) -> bytes:
    return data[:at] + struct.pack("<I", value) + data[at + 4 :]


def _first_position(data: bytes) -> int:
    postings_count = postings._HEADER.unpack_from(data, 0)[2]
    return postings._HEADER.size + 12 * postings_count


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_missing_or_damaged_file_falls_back_to_whoosh(folder: Path, damage: Any) -> None:
    queries = ["alpha", "zeta", "that", '"that that"', '"alpha beta gamma"', "lemon OR kiwi", "al*"]

    def answers() -> tuple[dict[str, Any], list[bool]]:
        ix = Index(folder, load_text)
        try:
            searcher = ix._current()
            segments = ix._segments_of(searcher)
            found = {}
            for text in queries:
                ours, total = top_documents(to_tree(ix._query(searcher, text)), segments, None)
                ids = {(h.id, h.hits, h.snippet, h.marks) for h in ix.search(text, limit=100).hits}
                found[text] = ([(d, round(s, 6)) for d, s in ours], total, ids)
            return found, [s.flat is None for s in segments]
        finally:
            ix.close()

    before, fallbacks = answers()
    assert fallbacks == [False] * 3
    files = sorted((folder / FOLDER).glob(f"*{postings.SUFFIX}"))
    assert len(files) == 3
    for path in files:
        changed = damage(path.read_bytes())
        if changed is None:
            path.unlink()
        else:
            path.write_bytes(changed)
    assert answers() == (before, [True] * 3)  # Whoosh's postings answer, and the same


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
    segment = postings.FlatSegment(
        keys=[b"body\0a", b"body\0b", b"body\0c", b"title\0b"],
        posting_starts=[0, 2, 4, 7, 8],
        ids=[0, 2, 0, 1, 0, 1, 2, 1],
        weights=[1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0],
        counts=[1, 2, 1, 1, 1, 1, 2, 0],
        positions=[0, 1, 3, 1, 0, 2, 1, 0, 2],
        starts=[0, 2, 6, 2, 0, 4, 2, 0, 4],
        ends=[1, 3, 7, 3, 1, 5, 3, 1, 5],
        doc_lengths=[3, 2, 4],
    )
    path = tmp_path / f"seg{postings.SUFFIX}"
    assert postings.write(path, segment)
    return postings.FlatPostings(path)


def test_flat_postings_round_trip(tmp_path: Path) -> None:
    flat = flat_file(tmp_path)
    assert (flat.doc_count, flat.span) == (3, 12)  # documents start at positions 0, 4 and 7
    found = flat.postings(b"body\0c")
    assert found is not None and [part.tolist() for part in found] == [[0, 1, 2], [1.0, 1.0, 2.0]]
    occurrences = flat.occurrences(b"body\0a")
    assert occurrences is not None
    assert [part.tolist() for part in occurrences] == [[0, 2], [1, 2], [0, 8, 10]]
    occurrences = flat.occurrences(b"body\0c")
    assert occurrences is not None and occurrences[2].tolist() == [2, 5, 7, 9]
    title = flat.postings(b"title\0b")
    assert title is not None and [part.tolist() for part in title] == [[1], [3.0]]
    assert flat.postings(b"body\0d") is None and flat.occurrences(b"") is None
    assert flat.postings(b"title\0a") is None and flat.postings(b"b") is None
    in_documents = flat.in_documents(b"body\0a", [0, 1, 2])
    assert in_documents is not None
    found = [[part.tolist() for part in parts] for parts in in_documents]
    assert found == [[[0], [0], [1]], [[], [], []], [[1, 3], [2, 6], [3, 7]]]
    assert flat.in_documents(b"body\0a", []) == [] and flat.in_documents(b"body\0d", [0]) is None


@pytest.mark.parametrize("limit", [0, 10**9], ids=["binary search", "bitmap"])
def test_phrase_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    monkeypatch.setattr(phrases, "_SEARCH_LIMIT", limit)
    flat = flat_file(tmp_path)

    def phrase(*words: bytes) -> list[int]:
        found = [f for w in words if (f := flat.occurrences(b"body\0" + w)) is not None]
        assert len(found) == len(words)
        return [int(d) for d in postings.phrase_documents(found, flat.span)]

    assert phrase(b"a", b"b") == [0]
    assert phrase(b"b", b"c") == [0, 1]
    assert phrase(b"c", b"a") == [2]
    assert phrase(b"c", b"a", b"c") == [2]
    assert phrase(b"c", b"a", b"c", b"a") == [2]
    assert phrase(b"c", b"b") == []  # "c" ends document 0, "b" starts document 1
    assert phrase(b"a", b"a") == [] and phrase(b"b", b"a") == []


def test_flat_postings_refuse_what_they_cannot_hold(tmp_path: Path) -> None:
    path = tmp_path / "big.lps"
    too_long = postings.FlatSegment([], [0], [], [], [], [], [], [], [1 << 32])
    assert not postings.write(path, too_long) and not path.exists()
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
