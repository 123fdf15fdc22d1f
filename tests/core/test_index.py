"""The index: query syntax, malformed queries, hit spans, snippets, CJK, incremental updates,
schema bumps and recovery from a corrupt index. Indexing runs in-process (``indexer.sync``)
here for speed; the child-process path is covered by the CLI tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core import index, indexer
from tui.core.index import Index, QueryError, make_snippet, merge_spans, tokens
from tui.core.library import load_text

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


CHINA = "2020-01-19-china-shifts-focus-to-blockchain-technology.md"
BELT = "2024-04-01-chinese-government-launches-blockchain-project-for-one-belt-one-road-initiative.md"


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


def test_make_snippet_prefers_the_densest_window() -> None:
    text = "alpha " * 100 + "beta gamma beta gamma beta " + "alpha " * 100
    spans = [(m.start(), m.end()) for m in re.finditer("beta", text)]
    snippet, marks = make_snippet(text, spans)
    assert len(marks) == 3 and all(snippet[s:e] == "beta" for s, e in marks)


def test_merge_spans() -> None:
    assert merge_spans([(5, 9), (0, 3), (2, 4), (9, 10)]) == [(0, 4), (5, 9), (9, 10)]


def test_cjk_tokens_are_bigrams_with_offsets() -> None:
    assert list(tokens("区块链 Blockchains")) == [("区块", 0, 2), ("块链", 1, 3), ("blockchain", 4, 15)]


# --------------------------------------------------------------------------- updates


def test_unchanged_corpus_opens_no_writer(
    library: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus = library

    def forbidden(*_: Any, **__: Any) -> None:
        raise AssertionError("a writer was opened for an unchanged corpus")

    monkeypatch.setattr(index, "write", forbidden)
    report = build(folder, corpus)["report"]
    assert (report.indexed, report.updated, report.removed, report.unchanged) == (0, 0, 0, 3)


def test_touched_but_identical_file_is_not_reindexed(
    library: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus = library
    path = corpus / CHINA
    path.write_bytes(path.read_bytes())  # new mtime, same content
    monkeypatch.setattr(index, "write", lambda *a, **k: pytest.fail("re-indexed an identical file"))
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
    monkeypatch.setattr(index, "SCHEMA_VERSION", index.SCHEMA_VERSION + 1)
    report = build(folder, corpus)["report"]
    assert report.rebuilt and "format changed" in report.rebuilt and report.indexed == 3


def test_corrupt_index_is_rebuilt_and_reported_once(library: tuple[Path, Path]) -> None:
    folder, corpus = library
    for part in (folder / index.WHOOSH_DIR).iterdir():
        if part.suffix in (".seg", ".toc"):
            part.write_bytes(b"garbage" * 10)
    report = build(folder, corpus)["report"]
    assert report.rebuilt and "unreadable" in report.rebuilt and report.indexed == 3
    assert build(folder, corpus)["report"].rebuilt is None
    assert set(ids(Index(folder, load_text), "blockchain")) == {CHINA, BELT}


def test_missing_catalog_rebuilds(library: tuple[Path, Path]) -> None:
    folder, corpus = library
    (folder / "catalog.json").write_text("{not json")
    report = build(folder, corpus)["report"]
    assert report.rebuilt and report.indexed == 3


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
    from tui.core.documents import SourceFile, read_document

    stat = path.stat()
    doc = read_document(SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns))
    return str(getattr(doc, "sha256", ""))
