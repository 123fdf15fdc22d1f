"""The index: query syntax, malformed queries, hit spans, snippets, CJK, incremental updates,
schema bumps and recovery from a corrupt index. Indexing runs in-process (``indexer.sync``)
here for speed; the child-process path is covered by the CLI tests."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.search.reference import merge_spans
from tests.seeds import BELT, CHINA
from tui.core import indexer
from tui.core.library import load_text
from tui.core.search import IndexUnavailable
from tui.core.search.analysis import compound_spans, index_tokens, stem, term_offsets, tokens
from tui.core.search.highlight import merge_sorted, snippet_of
from tui.core.search.query import Expansion, Group, Native, Not, Phrase, Term, positive_leaves
from tui.core.search.types import QueryError
from tui.core.search.whoosh import FOLDER, SCHEMA_VERSION, WhooshBackend, parallel
from tui.core.search.whoosh import schema as whoosh_schema
from tui.core.search.whoosh.codec import FastWriter, add_all
from tui.core.search.whoosh.lexicon import Lexicon
from tui.core.search.whoosh.parallel import can_fork
from tui.core.search.whoosh.parse import parse_query, to_tree, to_whoosh, walk_query
from tui.core.search.whoosh.schema import BodyFormat
from tui.core.search.whoosh.scoring import FastPhrase
from tui.core.search.whoosh.searcher import Index
from tui.core.search.whoosh.writing import check, create, fields_of, write

CJK_DOC = """---
title: 区块链与プロジェクト
date: 2023-05-06
language: zh
tags: [cjk]
---

中国正在推动区块链技术的发展。日本の大型プロジェクトとして立ち上げへ。블록체인 기술도 있다.
"""


def build(folder: Path, corpus: Path, rebuild: bool = False) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    report = indexer.sync(folder, [corpus], rebuild, events.append)
    return {"report": report, "events": events}


@pytest.fixture
def library(tmp_path: Path, corpus: Path) -> tuple[Path, Path]:
    (corpus / "cjk.md").write_text(CJK_DOC, encoding="utf-8")
    folder = tmp_path / "index"
    build(folder, corpus)
    return folder, corpus


@pytest.fixture
def ix(library: tuple[Path, Path]) -> Index:
    return Index(library[0], load_text)


def ids(ix: Index, q: str, **kw: Any) -> list[str]:
    return [h.id for h in ix.search(q, **kw).hits]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("blockchain", {CHINA, BELT}),
        ("blockchains", {CHINA, BELT}),  # stemmed
        ("corruption bribes", {CHINA}),  # AND by default
        ("bribes OR conflux", {CHINA, BELT}),
        ("blockchain NOT corruption", {BELT}),
        ("(bribes OR conflux) AND shanghai", {BELT}),
        ('"One Belt, One Road"', {BELT}),
        ('"road one belt"', set()),  # phrase order matters
        ("conflu*", {BELT}),
        ("blokchain~", {CHINA, BELT}),
        ("title:shifts", {CHINA}),
        ("tag:anti-corruption", {CHINA}),
        ("tag:cjk", {"cjk.md"}),
        ("lang:zh", {"cjk.md"}),
        ("date:2020", {CHINA}),
        ("date:[2021 to 2023]", {"cjk.md"}),
        ("date:2024-04-01", {BELT}),
        ("プロジェクト", {BELT, "cjk.md"}),
        ("区块链", {"cjk.md"}),
        ("블록체인", {"cjk.md"}),
    ],
)
def test_query_syntax(ix: Index, q: str, expected: set[str]) -> None:
    assert set(ids(ix, q)) == expected


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "(",
        "NOT china",
        "*chain",
        "?lock",
        "x" * 200,
        "a " * 300,
        "date:banana",
        "date:[2020 to x]",
    ],
)
def test_malformed_queries_explain_themselves(ix: Index, q: str) -> None:
    with pytest.raises(QueryError) as caught:
        ix.search(q)
    assert str(caught.value) and "Traceback" not in str(caught.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.lists(
        st.sampled_from(
            [*"ab c\"()*?~:^-+[]{}<>!/\\'", "AND ", "OR ", "NOT ", "title:", "date:", "tag:", "区块"]
        ),
        max_size=20,
    ).map("".join)
)
def test_any_query_either_runs_or_says_why(ix: Index, q: str) -> None:
    try:
        results = ix.search(q)
    except QueryError:
        return
    assert results.total >= len(results.hits)


def test_results_carry_what_the_list_needs(ix: Index) -> None:
    hit = ix.search("blockchain corruption").hits[0]
    assert (hit.id, hit.date, hit.source) == (CHINA, "2020-01-19", "unknown")
    assert hit.title == "China Shifts Focus to Blockchain Technology"
    assert hit.score > 0 and hit.hits > 5
    for start, end in hit.marks:
        assert re.fullmatch(r"(?i)blockchain|corruption", hit.snippet[start:end])


def test_sorting(ix: Index) -> None:
    assert ids(ix, "blockchain", sort="date") == [BELT, CHINA]
    assert ids(ix, "blockchain", sort="title") == [CHINA, BELT]
    with pytest.raises(QueryError):
        ix.search("blockchain", sort="size")


def test_suggestion_when_nothing_matches(ix: Index) -> None:
    results = ix.search("tecnology")
    assert results.total == 0 and results.suggestion == "technology"
    assert ix.search("blockchain").suggestion is None


def test_stemmed_hit_spans_land_on_the_variants(ix: Index, library: tuple[Path, Path]) -> None:
    text = load_text(str(library[1] / CHINA), _sha(library[1] / CHINA))
    assert text is not None
    spans = ix.hit_spans(CHINA, text, "blockchains")
    assert spans and all(text[s:e].lower() == "blockchain" for s, e in spans)
    assert len(spans) == len(re.findall(r"(?i)\bblockchain\b", text))


def test_phrase_is_one_span_and_cjk_spans_cover_the_word(ix: Index, library: tuple[Path, Path]) -> None:
    belt = library[1] / BELT
    text = load_text(str(belt), _sha(belt))
    assert text is not None
    spans = ix.hit_spans(BELT, text, '"one belt one road"')
    assert [text[s:e] for s, e in spans] == ["One Belt, One Road"] * len(spans) and spans
    assert [text[s:e] for s, e in ix.hit_spans(BELT, text, "プロジェクト")] == ["プロジェクト"]


def test_spans_from_text_agree_with_spans_from_postings(ix: Index, library: tuple[Path, Path]) -> None:
    path = library[1] / CHINA
    text = load_text(str(path), _sha(path))
    assert text is not None
    for q in ["blockchain", "govern* transparency", '"Chinese government"', "corupt~"]:
        from_postings = ix.hit_spans(CHINA, text, q)
        from_text = ix.hit_spans(CHINA, text + " ", q)  # a different sha forces the text path
        assert from_postings == from_text and from_postings


def test_negated_terms_are_not_highlighted(ix: Index, library: tuple[Path, Path]) -> None:
    path = library[1] / BELT
    text = load_text(str(path), _sha(path))
    assert text is not None
    spans = ix.hit_spans(BELT, text, "conflux NOT corruption")
    assert spans and {text[s:e].lower() for s, e in spans} == {"conflux"}


def test_snippet_comes_from_anywhere_in_a_long_document(tmp_path: Path) -> None:
    corpus = tmp_path / "long"
    corpus.mkdir()
    filler = "lorem ipsum dolor sit amet. " * 8000  # ~224 K characters, past Whoosh's 32 K limit
    (corpus / "long.md").write_text(filler + "the zanzibar clause appears here. " + filler)
    folder = tmp_path / "ix"
    build(folder, corpus)
    hit = Index(folder, load_text).search("zanzibar").hits[0]
    assert "zanzibar" in hit.snippet
    assert [hit.snippet[s:e] for s, e in hit.marks] == ["zanzibar"]


def test_the_snippet_is_the_densest_window() -> None:
    text = "alpha " * 100 + "beta gamma beta gamma beta " + "alpha " * 100
    spans = np.asarray([(m.start(), m.end()) for m in re.finditer("beta", text)])
    snippet, marks = snippet_of(text, spans[:, 0], spans[:, 1])
    assert len(marks) == 3 and all(snippet[s:e] == "beta" for s, e in marks)


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10)), max_size=30))
def test_spans_merge_like_the_obvious_merge(pairs: list[tuple[int, int]]) -> None:
    spans = [(start, start + size) for start, size in pairs]
    starts, ends = merge_sorted(np.asarray([s for s, _ in spans]), np.asarray([e for _, e in spans]))
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == merge_spans(spans)


def test_cjk_tokens_are_bigrams_with_offsets() -> None:
    assert list(tokens("区块链 Blockchains")) == [("区块", 0, 2), ("块链", 1, 3), ("blockchain", 4, 15)]


# --------------------------------------------------------------------------- updates


def test_unchanged_corpus_opens_no_writer(
    library: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus = library

    def forbidden(*_: Any, **__: Any) -> None:
        raise AssertionError("a writer was opened for an unchanged corpus")

    monkeypatch.setattr(WhooshBackend, "write", forbidden)
    report = build(folder, corpus)["report"]
    assert (report.indexed, report.updated, report.removed, report.unchanged) == (0, 0, 0, 3)


def test_touched_but_identical_file_is_not_reindexed(
    library: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus = library
    path = corpus / CHINA
    path.write_bytes(path.read_bytes())  # new mtime, same content
    monkeypatch.setattr(WhooshBackend, "write", lambda *a, **k: pytest.fail("re-indexed an identical file"))
    assert build(folder, corpus)["report"].unchanged == 3


def test_incremental_update_add_change_delete(library: tuple[Path, Path], ix: Index) -> None:
    folder, corpus = library
    (corpus / "new.md").write_text("# Fresh\n\nA quokka appears.\n")
    china = corpus / CHINA
    china.write_text(china.read_text().replace("bribes", "kickbacks"))
    (corpus / "cjk.md").unlink()
    report = build(folder, corpus)["report"]
    assert (report.indexed, report.updated, report.removed) == (1, 1, 1)
    assert ids(ix, "quokka") == ["new.md"]  # the open Index sees the new commit
    assert ids(ix, "kickbacks") == [CHINA] and ids(ix, "bribes") == []
    assert ids(ix, "プロジェクト") == [BELT]


def test_file_turned_binary_is_removed_and_reported(library: tuple[Path, Path], ix: Index) -> None:
    folder, corpus = library
    (corpus / "cjk.md").write_bytes(b"\x00\x01binary now")
    report = build(folder, corpus)["report"]
    assert report.removed == 1 and any("binary" in s["reason"] for s in report.skipped)
    assert "cjk.md" not in ids(ix, "lang:zh OR tag:cjk OR blockchain")


def test_schema_bump_rebuilds(library: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    folder, corpus = library
    monkeypatch.setattr(WhooshBackend, "schema_version", SCHEMA_VERSION + 1)
    monkeypatch.setattr(whoosh_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    report = build(folder, corpus)["report"]
    assert report.rebuilt and "format changed" in report.rebuilt and report.indexed == 3


def test_corrupt_index_is_rebuilt_and_reported_once(library: tuple[Path, Path]) -> None:
    folder, corpus = library
    for part in (folder / FOLDER).iterdir():
        if part.suffix in (".seg", ".toc"):
            part.write_bytes(b"garbage" * 10)
    report = build(folder, corpus)["report"]
    assert report.rebuilt and "unreadable" in report.rebuilt and report.indexed == 3
    assert build(folder, corpus)["report"].rebuilt is None
    assert set(ids(Index(folder, load_text), "blockchain")) == {CHINA, BELT}


def test_an_index_as_the_last_run_left_it_is_not_opened_again(
    library: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.core.catalog import Catalog

    folder, corpus = library
    checked: list[Path] = []
    real_check = check
    monkeypatch.setattr(WhooshBackend, "check", lambda _, f: checked.append(f) or real_check(f))
    catalog = Catalog.load(folder)
    assert catalog is not None and catalog.files and all(name in catalog.files for name in catalog.files)
    assert build(folder, corpus)["report"].rebuilt is None and checked == []
    # Any change to a file of the index (here only its time) and it is opened and checked again.
    some_file = next(p for p in (folder / FOLDER).iterdir() if p.suffix == ".pst")
    os.utime(some_file, ns=(some_file.stat().st_atime_ns, some_file.stat().st_mtime_ns + 10**9))
    assert build(folder, corpus)["report"].rebuilt is None and checked == [folder]
    assert build(folder, corpus)["report"].rebuilt is None and checked == [folder]  # recorded again
    # A catalog from before the file list was kept: checked once, then trusted.
    catalog = Catalog.load(folder)
    assert catalog is not None
    catalog.files = None
    catalog.save(folder)
    build(folder, corpus)
    build(folder, corpus)
    assert checked == [folder, folder]


def test_the_unchanged_check_imports_no_whoosh(library: tuple[Path, Path]) -> None:
    import subprocess
    import sys

    folder, corpus = library
    code = (
        "import sys; from pathlib import Path; from tui.core import indexer; "
        f"r = indexer.sync(Path({str(folder)!r}), [Path({str(corpus)!r})], False, lambda e: None); "
        "print(r.rebuilt, r.unchanged, 'whoosh' in sys.modules, 'numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["None", "3", "False", "False"]


def test_missing_catalog_rebuilds(library: tuple[Path, Path]) -> None:
    folder, corpus = library
    (folder / "catalog.db").write_text("{not a database")
    report = build(folder, corpus)["report"]
    assert report.rebuilt and report.indexed == 3
    assert (folder / "catalog.db.damaged").read_text() == "{not a database"  # set aside, not read again


def test_partial_index_is_committed_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "many"
    corpus.mkdir()
    for n in range(30):
        (corpus / f"d{n:02d}.md").write_text(f"# Doc {n}\n\n" + "word " * 400)
    monkeypatch.setattr(indexer, "FIRST_BATCH_BYTES", 5_000)
    monkeypatch.setattr(indexer, "BATCH_BYTES", 20_000)
    events = build(tmp_path / "ix", corpus)["events"]
    commits = [e["documents"] for e in events if e["event"] == "commit"]
    assert len(commits) > 2 and commits == sorted(commits) and commits[-1] == 30


def _sha(path: Path) -> str:
    from tui.core.discovery import SourceFile
    from tui.core.documents import read_document

    stat = path.stat()
    doc = read_document(SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns))
    return str(getattr(doc, "sha256", ""))


# --------------------------------------------------------------------------- speed work: same answers


def _corpus_with_common_words(folder: Path, documents: int = 300) -> Path:
    """More documents than a posting block holds (128), a few words in all of them."""
    folder.mkdir()
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa"]
    for n in range(documents):
        body = " ".join(words[(n + i) % len(words)] for i in range(n % 40 + 5))
        (folder / f"d{n:03d}.md").write_text(
            f"---\ntitle: Doc {n} {words[n % 8]}\ntags: [t{n % 3}]\n---\n\n{body} alpha beta.\n"
        )
    return folder


def _documents(folder: Path) -> list[Any]:
    from tui.core.discovery import discover
    from tui.core.documents import read_document

    return [read_document(s) for s in discover([folder])[0]]


def _walked(matcher: Any) -> list[tuple[int, float, bytes]]:
    """A matcher's postings (an empty value is None from a block, '' from an inlined term)."""
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value() or b""))
        matcher.next()
    return found


def test_a_reader_sees_the_postings_whoosh_writes(tmp_path: Path) -> None:
    """``FastWriter`` writes the searched fields to the ``.lps`` file only, and its reader serves
    them to Whoosh: every field's terms, postings, weights and values must be what Whoosh's own
    writer writes (all in its own tables); the per-document files are Whoosh's, byte for byte,
    but for the stored fields (compressed another way), which read back the same."""
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.writing import SegmentWriter

    corpus = _corpus_with_common_words(tmp_path / "c")
    # Offsets past 16 bits (32-bit values), CJK and a letter whose lower case is two characters
    # (the slow tokeniser), digits and underscores, camelCase, and a document without a body.
    (corpus / "long.md").write_text("# Long\n\n" + "filler words here " * 5000 + "alpha beta alpha\n")
    (corpus / "cjk.md").write_text("# 中文\n\n区块链技术 and プロジェクト alpha\n")
    (corpus / "dotted.md").write_text("# İstanbul\n\nİstanbul alpha beta İİ gamma\n")
    (corpus / "digits.md").write_text("# Digits\n\nv2_beta 42 alpha_1 x9y os.path.join getElementById\n")
    (corpus / "empty.md").write_text("---\ntitle: Nothing\n---\n")
    docs = _documents(corpus)
    folders = {}
    for name, make in (
        (
            "whoosh",
            lambda ix: SegmentWriter(ix, compound=False, codec=W3Codec(blocklimit=128, compression=1)),
        ),
        ("fast", FastWriter),
    ):
        folder = folders[name] = tmp_path / name
        create(folder)
        writer = make(whoosh_index.open_dir(str(folder / FOLDER)))
        for doc in docs:
            writer.add_document(**fields_of(doc, "a note on alpha", ("label",)))
        writer.commit(merge=False)
    columns = {
        name: {f.name.split(".", 1)[1]: f.read_bytes() for f in (folder / FOLDER).glob("*.col")}
        for name, folder in folders.items()
    }
    assert columns["fast"].keys() == columns["whoosh"].keys() and "_stored.col" in columns["fast"]
    assert {k: v for k, v in columns["fast"].items() if k != "_stored.col"} == {
        k: v for k, v in columns["whoosh"].items() if k != "_stored.col"
    }
    assert len(columns["fast"]["_stored.col"]) < len(columns["whoosh"]["_stored.col"]) * 0.7
    with (
        whoosh_index.open_dir(str(folders["whoosh"] / FOLDER)).reader() as theirs,
        whoosh_index.open_dir(str(folders["fast"] / FOLDER)).reader() as ours,
    ):
        assert list(ours.iter_docs()) == list(theirs.iter_docs())
        assert set(ours.indexed_field_names()) == set(theirs.indexed_field_names())
        for field in theirs.indexed_field_names():
            terms = list(theirs.lexicon(field))
            assert list(ours.lexicon(field)) == terms and terms, field
            for term in terms:
                assert _walked(ours.postings(field, term)) == _walked(theirs.postings(field, term)), (
                    field,
                    term,
                )
                assert ours.doc_frequency(field, term) == theirs.doc_frequency(field, term), (field, term)
                assert ours.frequency(field, term) == theirs.frequency(field, term), (field, term)
    assert len(list((folders["fast"] / FOLDER).glob("*.lps"))) == 1


def test_whooshs_own_fields_are_written_as_its_own_writer_writes_them(tmp_path: Path) -> None:
    """The id, date and language terms, written in one pass (``whoosh.table``): the term table and
    posting blocks are byte for byte what Whoosh's writer makes with lectern's codec, whose
    inline path works (a term with fewer than ``INLINE_LIMIT`` postings sits in the table)."""
    from whoosh import fields as whoosh_fields
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter

    from tui.core.search.query import SEARCH_FIELDS
    from tui.core.search.whoosh.codec import INLINE_LIMIT, make_codec
    from tui.core.search.whoosh.schema import make_schema

    docs = _documents(_corpus_with_common_words(tmp_path / "c"))
    schema = make_schema()
    own_only = whoosh_fields.Schema(
        **{name: whoosh_fields.STORED() if name in SEARCH_FIELDS else schema[name] for name in schema.names()}
    )
    written = {}
    for name in ("whoosh", "fast"):
        folder = tmp_path / name / FOLDER
        folder.mkdir(parents=True)
        if name == "whoosh":
            writer = SegmentWriter(
                whoosh_index.create_in(str(folder), own_only), compound=False, codec=make_codec()
            )
        else:
            writer = FastWriter(whoosh_index.create_in(str(folder), schema))
        for doc in docs:
            writer.add_document(**fields_of(doc, "", ()))
        writer.commit(merge=False)
        written[name] = {f.suffix: f.read_bytes() for f in folder.iterdir() if f.suffix in (".trm", ".pst")}
    assert written["fast"] == written["whoosh"] and written["fast"][".pst"]
    with whoosh_index.open_dir(str(tmp_path / "fast" / FOLDER)).reader() as reader:
        infos = {term: info for term, info in reader._terms.own.items()}
        assert all(info.is_inlined() == (info.doc_frequency() < INLINE_LIMIT) for info in infos.values())
        assert all(infos[("id", doc.id.encode())].is_inlined() for doc in docs)  # one posting each
        assert any(info.doc_frequency() > 128 for info in infos.values())  # more than one block


def test_two_writer_processes_index_what_one_does(tmp_path: Path) -> None:
    if not can_fork():
        pytest.skip("no fork on this platform")
    docs = _documents(_corpus_with_common_words(tmp_path / "c"))
    results = {}
    for procs in (1, 2):
        folder = tmp_path / f"ix{procs}"
        create(folder)
        vocabulary = write(folder, [], docs, procs=procs)
        assert vocabulary >= {"alpha", "kappa"}
        ix = Index(folder, load_text)
        results[procs] = {
            q: sorted(ids(ix, q, limit=500)) for q in ("alpha", "kappa zeta", '"beta gamma"', "title:doc")
        }
        ix.close()
    assert results[1] == results[2] and all(results[1].values())
    assert len(list((tmp_path / "ix2" / FOLDER).glob("*.pst"))) == 2


def test_scores_are_whoosh_bm25f(ix: Index) -> None:
    from whoosh import index as whoosh_index
    from whoosh import scoring

    searcher = ix._current()
    with whoosh_index.open_dir(str(ix.folder / FOLDER)).searcher(weighting=scoring.BM25F()) as plain:
        for q in [
            "blockchain",
            "china government",
            "conflu*",
            "blokchain~",
            '"one belt"',
            "title:blockchain",
        ]:
            query_ = ix._query(searcher, q)
            ours = [(r.docnum, r.score) for r in searcher.search(query_, limit=None)]
            theirs = [(r.docnum, r.score) for r in plain.search(query_, limit=None)]
            assert ours == theirs and ours, q


def test_phrases_match_what_whoosh_phrases_match(tmp_path: Path) -> None:
    docs_folder = _corpus_with_common_words(tmp_path / "c")
    (docs_folder / "cjk.md").write_text(CJK_DOC, encoding="utf-8")
    build(tmp_path / "ix", docs_folder)
    ix = Index(tmp_path / "ix", load_text)
    searcher = ix._current()
    for text in [
        '"alpha beta"',
        '"alpha alpha"',
        '"beta gamma delta"',
        '"kappa alpha beta"',
        "区块链",
        '"doc 7"',
    ]:
        whoosh_query = parse_query(text, searcher.schema)
        ours = ix._query(searcher, text)
        assert any(isinstance(n, FastPhrase) for n in walk_query(ours)), text
        expected = [(r.docnum, r.score) for r in searcher.search(whoosh_query, limit=None, optimize=False)]
        assert [(r.docnum, r.score) for r in searcher.search(ours, limit=None, optimize=False)] == expected, (
            text
        )


def test_fuzzy_terms_expand_to_what_whoosh_finds_and_the_words_as_written(ix: Index) -> None:
    """Whoosh compares the misspelling with stems; lectern also with the words as written (a
    transposition counting one edit), so it finds at least what Whoosh finds, and each extra
    term is the stem of a word, or a term, within the distance."""
    from rapidfuzz.distance import OSA

    searcher = ix._current()
    lexicon = Lexicon(searcher.reader(), ix._surface_words)
    for text, maxdist, prefix in [
        ("blokchain", 1, 0),
        ("goverment", 1, 0),
        ("chna", 2, 0),
        ("corupt", 1, 2),
        ("区块", 1, 0),
        ("technolgy", 1, 0),
    ]:
        whoosh_found: set[bytes] = set()
        for leaf, _ in searcher.reader().leaf_readers():
            whoosh_found.update(t.encode() for t in leaf.terms_within("body", text, maxdist, prefix=prefix))
        ours = lexicon.within("body", text, maxdist, prefix)
        assert whoosh_found <= set(ours), text
        near_words = {stem(w) for w in ix._surface_words() if OSA.distance(text, w) <= maxdist}
        for term in set(ours) - whoosh_found:
            decoded = term.decode()
            assert OSA.distance(text, decoded) <= maxdist or decoded in near_words, (text, decoded)


@pytest.mark.parametrize("q", ["goverment~", "technolgy~", "blokchain~", "corruptoin~", "goverment~2"])
def test_a_misspelling_finds_the_word_it_is_one_edit_from(ix: Index, q: str) -> None:
    results = ix.search(q)
    assert results.total > 0 and results.suggestion is None
    assert all(hit.hits > 0 for hit in results.hits)  # what it matched is highlighted


def test_fuzzy_expansions_rank_the_closest_word_first(tmp_path: Path) -> None:
    corpus = tmp_path / "memory"
    corpus.mkdir()
    (corpus / "memory.md").write_text("# Paging\n\nThe kernel frees memory when memory runs low.\n")
    for name, word in [("memo", "memo"), ("metro", "metro"), ("membro", "membro")]:
        (corpus / f"{name}.md").write_text(f"# Note\n\nA {word} and a {word} and a {word} again.\n")
    folder = tmp_path / "index"
    build(folder, corpus)
    ix = Index(folder, load_text)
    assert ix.search("memry~").total == 1  # one edit from the word "memory" (three from its stem)
    ranked = [h.id for h in ix.search("memroy~2").hits]
    assert ranked[0] == "memory.md" and set(ranked) == {"memory.md", "memo.md", "metro.md", "membro.md"}
    failed = ix.search("memoryxx~")  # two edits: nothing within one, so a spelling is suggested
    assert failed.total == 0 and failed.suggestion == "memory~"


def test_lexicon_reads_every_term_of_a_field(ix: Index) -> None:
    reader = ix._current().reader()
    lexicon = Lexicon(reader)
    for field in ("body", "title", "tags", "id", "note"):
        assert lexicon.terms(field) == sorted({t.decode() for t in reader.lexicon(field)}), field
    assert lexicon.terms("body", "blockch") == ["blockchain", "blockchain-based"]  # part, whole


@pytest.mark.parametrize(
    "occurrences",
    [[(0, 0, 5)], [(3, 10, 14), (9, 40, 52)], [(70_000, 400_000, 400_007)], [(1, 2, 3), (2, 70_000, 70_100)]],
)
def test_body_postings_round_trip(occurrences: list[tuple[int, int, int]]) -> None:
    body_format = BodyFormat()
    value = body_format.encode(occurrences)
    assert body_format.decode_characters(value) == occurrences
    assert body_format.decode_positions(value) == [p for p, _, _ in occurrences]
    assert body_format.decode_frequency(value) == len(occurrences)


TOKEN_TEXTS = [
    "İstanbul Blockchains 区块链 x", "Ünïcode ΣΑΣ straße", CJK_DOC, "a1b2 __x__ co-op", "ΟΔΟΣ.ΤΕΛΟΣ",
    "call spin_lock(x) then getElementById, HTTPServer and URLs in os.path on 2023-05-06",
]  # fmt: skip


@pytest.mark.parametrize("text", TOKEN_TEXTS)
def test_term_offsets_are_the_index_tokens(text: str) -> None:
    expected: dict[str, list[int]] = {}
    for term, pos, start, end in index_tokens(text):
        expected.setdefault(term, []).extend((pos, start, end))
    assert term_offsets(text) == expected


WORDISH = st.sampled_from(
    ["spin", "lock", "get", "Element", "By", "Id", "HTTP", "Server", "URLs", "x", "42", "é", "区块", "ΣΑΣ"]
)
JOINS = st.sampled_from(["", "_", ".", "-", " ", ", ", "\n", "(", "__"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(WORDISH, JOINS), max_size=12))
def test_index_tokens_are_the_parts_plus_each_compound_whole(pairs: list[tuple[str, str]]) -> None:
    text = "".join(word + join for word, join in pairs)
    parts = list(tokens(text))
    found = index_tokens(text)
    positions = [p for _, p, _, _ in found]
    assert positions == sorted(positions)
    by_position = {p: (s, e) for p, (_, s, e) in enumerate(parts)}
    for term, pos, start, end in found:
        part_start, _ = by_position[pos]
        assert start == part_start  # a whole stands where its first part does
        if (term, start, end) not in parts:  # a whole: several parts, joined or humped
            inside = [p for p in parts if start <= p[1] and p[2] <= end]
            assert len(inside) >= 2 and (inside[0][1], inside[-1][2]) == (start, end)
    assert len(found) - len(parts) == len(compound_spans(text))


def test_hits_read_the_indexed_file_and_refuse_a_changed_one(library: tuple[Path, Path], ix: Index) -> None:
    china = library[1] / CHINA
    assert ix.search("corruption").hits[0].snippet
    stat = china.stat()
    os.utime(china, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same text: still shown
    assert "corruption" in ix.search("corruption").hits[0].snippet.lower()
    china.write_text(china.read_text().replace("corruption", "graft"))  # changed since indexing
    hit = ix.search("corruption").hits[0]
    assert (hit.id, hit.snippet, hit.marks, hit.hits) == (CHINA, "", (), 0)


def test_an_index_with_an_older_schema_is_unavailable(
    library: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whoosh_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(IndexUnavailable, match="older format"):
        Index(library[0], load_text).search("blockchain")


def test_a_small_last_batch_joins_the_one_before(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.core.discovery import SourceFile

    monkeypatch.setattr(indexer, "FIRST_BATCH_BYTES", 10)
    monkeypatch.setattr(indexer, "BATCH_BYTES", 100)

    def sources(*sizes: int) -> list[SourceFile]:
        return [SourceFile(f"d{n}", Path(f"d{n}"), size, 0) for n, size in enumerate(sizes)]

    assert [[s.id for s in b] for b in indexer._batches(sources(10, 60, 50, 20))] == [
        ["d0"],
        ["d1", "d2", "d3"],
    ]
    five = sources(10, 60, 50, 20, 40)
    assert [[s.id for s in b] for b in indexer._batches(five)] == [["d0"], ["d1", "d2"], ["d3", "d4"]]
    assert five == []  # taken off as the batches went: the files read are not held to the end


def test_read_body_is_the_document_text(corpus: Path) -> None:
    from tui.core.discovery import SourceFile
    from tui.core.documents import Document, read_body, read_document

    (corpus / "crlf.md").write_bytes(b"---\r\ntitle: [broken\r\n---\r\nbody\r\ntext\r\n")
    for path in corpus.iterdir():
        stat = path.stat()
        doc = read_document(SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns))
        assert isinstance(doc, Document) and read_body(path) == doc.text
    assert read_body(corpus / "missing.md") is None


def test_yaml_is_loaded_safely() -> None:
    import yaml

    from tui.core.safe_yaml import load_yaml_safely

    assert load_yaml_safely("title: x\ntags: [a, b]\ndate: 2020-01-02\n")["tags"] == ["a", "b"]
    with pytest.raises(yaml.YAMLError):
        load_yaml_safely("x: !!python/object/apply:os.system ['true']\n")


def test_merged_segments_keep_their_postings(tmp_path: Path) -> None:
    docs = _documents(_corpus_with_common_words(tmp_path / "c", documents=6))
    folder = tmp_path / "ix"
    create(folder)
    for n, doc in enumerate(docs):  # five one-document segments, merged by the last commit
        write(folder, [], [doc], merge=n == 5)
    assert len(list((folder / FOLDER).glob("*.pst"))) == 1
    ix = Index(folder, load_text)
    assert len(ids(ix, "alpha", limit=100)) == 6
    text = docs[3].text
    assert ix.hit_spans(docs[3].id, text, '"alpha beta"') == ix.hit_spans(
        docs[3].id, text + " ", '"alpha beta"'
    )


def test_a_failed_helper_process_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not can_fork():
        pytest.skip("no fork on this platform")
    docs = _documents(_corpus_with_common_words(tmp_path / "c", documents=20))
    folder = tmp_path / "ix"
    create(folder)
    write(folder, [], docs[:2])
    parent, real_add_all = os.getpid(), add_all

    def failing_in_the_helper(writer: Any, documents: list[dict[str, Any]]) -> set[str]:
        if os.getpid() != parent:
            raise OSError("disk full")
        return real_add_all(writer, documents)

    monkeypatch.setattr(parallel, "add_all", failing_in_the_helper)
    with pytest.raises(RuntimeError, match="disk full"):
        write(folder, [], docs[2:], procs=2)
    monkeypatch.undo()
    assert check(folder) == 2
    write(folder, [], docs[2:], procs=2)  # the lock was released
    assert check(folder) == 20


def test_a_segment_file_gone_mid_search_is_retried(ix: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    """The indexer may merge segments away while a searcher has not yet opened all their files."""
    calls: list[Any] = []
    search = Index._search

    def vanishing_once(self: Index, searcher: Any, *args: Any) -> Any:
        calls.append(searcher)
        if len(calls) == 1:
            raise FileNotFoundError("MAIN_x.pst")
        return search(self, searcher, *args)

    monkeypatch.setattr(Index, "_search", vanishing_once)
    assert ix.search("blockchain").total == 2 and calls[0] is not calls[1]
    monkeypatch.setattr(Index, "_search", lambda *a: (_ for _ in ()).throw(FileNotFoundError("gone")))
    with pytest.raises(IndexUnavailable, match="index file is missing"):
        ix.search("blockchain")


def test_a_document_found_only_by_its_title_tags_or_notes_says_where(tmp_path: Path) -> None:
    from tui.core.annotation_store import AnnotationStore
    from tui.core.annotations import Annotation, reference
    from tui.core.documents import text_sha256

    corpus = tmp_path / "docs"
    corpus.mkdir()
    doc = corpus / "a.md"
    doc.write_text(
        "---\ntitle: Harbour lights\ntags: [lighthouse, coast]\n---\nNothing in the text itself.\n"
    )
    text = "Nothing in the text itself.\n"
    store = AnnotationStore(tmp_path / "annotations")
    ref = reference("a.md", doc, text_sha256(text), "Harbour lights")
    store.save(ref, Annotation.create(text, 0, 7, sha256=ref.sha256, note="Seen from a zeppelin at dusk"))
    folder = tmp_path / "index"
    indexer.sync(folder, [corpus], False, lambda _: None, tmp_path / "annotations")
    ix = Index(folder, load_text)

    [title] = ix.search("harbour").hits
    assert (title.matched, title.hits, title.snippet, title.marks) == (
        "title",
        0,
        "Harbour lights",
        ((0, 7),),
    )
    [tag] = ix.search("tag:coast").hits
    assert (tag.matched, tag.snippet, tag.marks) == ("tags", "lighthouse, coast", ((12, 17),))
    [note] = ix.search("zeppelin").hits
    assert note.matched == "note" and [note.snippet[s:e] for s, e in note.marks] == ["zeppelin"]
    [body] = ix.search("nothing").hits
    assert body.matched == "body" and body.hits == 1


@pytest.mark.parametrize("sort", ["relevance", "date", "title"])
def test_an_empty_index_answers_nothing_not_damage(tmp_path: Path, sort: str) -> None:
    """An index with no segment yet (an empty corpus, the first moment of a rebuild) is not damaged."""
    (tmp_path / "empty").mkdir()
    build(tmp_path / "index", tmp_path / "empty")
    ix = Index(tmp_path / "index", load_text)
    assert ix.search("harbour", sort=sort).total == 0
    assert ix.hit_spans("a.md", "a harbour", "harbour") == [(2, 9)]
    with pytest.raises(QueryError):
        ix.search("date:banana", sort=sort)


def test_identifiers_are_found_by_their_parts_and_as_written(tmp_path: Path) -> None:
    corpus = tmp_path / "kernel"
    corpus.mkdir()
    (corpus / "locks.md").write_text("# Locks\n\nTake the lock with spin_lock(&dev->lock) first.\n")
    (corpus / "prose.md").write_text("# Prose\n\nA spin lock waits by spinning.\n")
    (corpus / "init.md").write_text("# Init\n\nThe __init__ method and MAX_PATH_LEN.\n")
    folder = tmp_path / "index"
    build(folder, corpus)
    ix = Index(folder, load_text)
    assert set(ids(ix, "spin_lock")) == set(ids(ix, '"spin lock"')) == {"locks.md", "prose.md"}
    text = (corpus / "locks.md").read_text()
    spans = ix.hit_spans("locks.md", text, "spin_lock")
    assert [text[s:e] for s, e in spans] == ["spin_lock"]
    assert ids(ix, "init") == ["init.md"] and ids(ix, "max_path_len") == ["init.md"]
    assert ids(ix, '"path len"') == ["init.md"]


def test_the_pace_sizes_batches_for_a_commit_every_few_seconds() -> None:
    pace = indexer.Pace()
    assert pace.next_batch() == indexer.FIRST_BATCH_BYTES  # the first results come fast
    pace.measured(1_000_000, 0.5)  # 2 MB/s so far
    assert pace.next_batch() == int(2_000_000 * indexer.COMMIT_SECONDS)
    pace.measured(30_000_000, 20.0)  # a long run: commits space out, up to the most
    rate = 31_000_000 / 20.5
    assert pace.next_batch() == min(indexer.BATCH_BYTES, int(rate * indexer.COMMIT_SECONDS_MOST))
    slow = indexer.Pace()
    slow.measured(10_000, 5.0)  # a slow machine never goes below the first batch's size
    assert slow.next_batch() == indexer.FIRST_BATCH_BYTES


def test_identifiers_are_found_whole_and_by_their_parts(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = {
        "code.md": "Call spin_lock(&q->lock) before document.getElementById(id) in os.path.join.",
        "prose.md": "Take the spin lock, then get the element by its id.",
        "camel.md": "An XMLHttpRequest and a spinLock.",
    }
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build(tmp_path / "index", corpus)
    ix = Index(tmp_path / "index", load_text)
    found = {q: sorted(ids(ix, q)) for q in texts_queries()}
    assert found == {
        "spin_lock": ["camel.md", "code.md", "prose.md"],  # the phrase of its parts
        '"spin lock"': ["camel.md", "code.md", "prose.md"],
        "spinlock": ["camel.md"],  # the camelCase word whole
        "getelementbyid": ["code.md"],
        "getElementById": ["code.md"],  # the phrase "get element by id": not the prose
        '"element by id"': ["code.md"],
        "xmlhttprequest": ["camel.md"],
        '"http request"': ["camel.md"],
        "os.path.join": ["code.md"],
        "spin_lo*": ["code.md"],
        "os.pa*": ["code.md"],
    }
    spans = ix.hit_spans("code.md", texts["code.md"], "getelementbyid")
    assert [texts["code.md"][s:e] for s, e in spans] == ["getElementById"]
    spans = ix.hit_spans("code.md", texts["code.md"], '"spin lock"')
    assert [texts["code.md"][s:e] for s, e in spans] == ["spin_lock"]


def texts_queries() -> list[str]:
    return [
        "spin_lock", '"spin lock"', "spinlock", "getelementbyid", "getElementById", '"element by id"',
        "xmlhttprequest", '"http request"', "os.path.join", "spin_lo*", "os.pa*",
    ]  # fmt: skip


def test_the_index_pickles_only_public_stable_names(library: tuple[Path, Path]) -> None:
    """The table of contents pickles lectern classes by module and name: renaming one is a
    format change, so they must be public names that import where the pickle says."""
    import importlib
    import pickletools

    toc = next((library[0] / FOLDER).glob("*.toc")).read_bytes()
    strings: list[str] = []
    at = toc.find(b"\x80")
    while at >= 0:  # the table holds several pickles (the schema's, then the segments')
        try:
            ops = list(pickletools.genops(toc[at:]))
        except Exception:  # a 0x80 byte inside other data: not a pickle's start
            at = toc.find(b"\x80", at + 1)
            continue
        strings += [arg for _, arg, _ in ops if isinstance(arg, str)]
        at = toc.find(b"\x80", at + ops[-1][2] + 1)
    named = {arg for arg in strings if arg.startswith("tui.")}
    found = {  # protocol 2 writes "module name" as one GLOBAL argument, 4+ as two strings
        tuple(arg.split(" ")) if " " in arg else (arg, strings[strings.index(arg) + 1]) for arg in named
    }
    assert {name for _, name in found} >= {"BodyField", "BodyFormat", "LecternAnalyzer", "LecternCodec"}
    assert all(module.startswith("tui.core.search.whoosh.") for module, _ in found)
    for module, name in found:
        assert not name.startswith("_") and isinstance(getattr(importlib.import_module(module), name), type)


QUERIES_BY_KIND = {
    "blockchain": Term,
    "china government": Group,
    "china OR belt": Group,
    "china NOT belt": Not,
    '"one belt"': Phrase,
    '"one belt"~2': Phrase,
    "conflu*": Expansion,
    "b?lt": Expansion,
    "blokchain~": Expansion,
    "title:blockchain": Term,
    "date:2020": Native,
}


@pytest.mark.parametrize("text", list(QUERIES_BY_KIND))
def test_queries_parse_into_lecterns_tree(ix: Index, text: str) -> None:
    """Ranking and highlighting walk lectern's tree; only what it does not name stays Whoosh's."""
    searcher = ix._current()
    tree = to_tree(ix._query(searcher, text))
    kinds = {type(node) for node in nodes(tree)}
    assert QUERIES_BY_KIND[text] in kinds, tree
    if Native not in kinds:
        assert list(positive_leaves(tree)) and to_tree(to_whoosh(tree, ix._lexicon_of())) == tree


def nodes(tree: Any) -> Iterator[Any]:
    yield tree
    for child in getattr(tree, "children", ()):
        yield from nodes(child)
    for name in ("child", "positive", "negative", "required", "optional"):
        if hasattr(tree, name):
            yield from nodes(getattr(tree, name))


def test_a_hits_path_and_checks_are_stored_once_in_its_record_and_older_segments_still_answer(
    tmp_path: Path,
) -> None:
    """The path, source, sha256, size and mtime are kept in the catalog record alone (a fifth of
    the stored bytes); a segment written before, which kept them as fields too, answers the same."""
    from whoosh import index as whoosh_index

    from tui.core.search.whoosh.searcher import FROM_RECORD, stored_of

    corpus = _corpus_with_common_words(tmp_path / "c", 20)
    docs = _documents(corpus)
    folders = {}
    for name in ("now", "before"):
        folder = folders[name] = tmp_path / name
        create(folder)
        writer = FastWriter(whoosh_index.open_dir(str(folder / FOLDER)))
        for doc in docs:
            fields = fields_of(doc, "", ())
            if name == "before":  # as the writer of the last format stored them
                kept = {"path": str(doc.path), "source": doc.source, "sha256": doc.sha256}
                fields.update(kept, size=doc.size, mtime_ns=doc.mtime_ns, record="{}")
            writer.add_document(**fields)
        writer.commit(merge=False)
    with whoosh_index.open_dir(str(folders["now"] / FOLDER)).searcher() as searcher:
        assert not set(FROM_RECORD) & set(searcher.stored_fields(0))
        now = [stored_of(searcher, n) for n in range(len(docs))]
    with whoosh_index.open_dir(str(folders["before"] / FOLDER)).searcher() as searcher:
        before = [stored_of(searcher, n) for n in range(len(docs))]
    by_id = {doc.id: doc for doc in docs}
    for found in (now, before):
        assert [{k: s[k] for k in FROM_RECORD} for s in found] == [
            {
                "path": str(d.path),
                "source": d.source,
                "sha256": d.sha256,
                "size": d.size,
                "mtime_ns": d.mtime_ns,
            }
            for d in (by_id[s["id"]] for s in found)
        ]
    hits = {
        name: [
            (h.id, h.path, h.snippet, h.marks)
            for h in Index(folder, load_text).search("alpha", limit=50).hits
        ]
        for name, folder in folders.items()
    }
    assert hits["now"] == hits["before"] and len(hits["now"]) == 20
