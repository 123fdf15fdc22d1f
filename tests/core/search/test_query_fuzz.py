"""Any query either answers or says why (QueryError), on every sort, within a bounded time; an
odd query is never mistaken for a damaged index (which would rebuild it)."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.fault_corpus import make_corpus
from tests.core.search.query_fuzz import random_query
from tui.core import indexer
from tui.core.library import load_text
from tui.core.search import QueryError
from tui.core.search.whoosh.lexicon import Lexicon
from tui.core.search.whoosh.searcher import Index

BUDGET_SECONDS = 10.0
"""Far above any query's time here (milliseconds): only a runaway expansion would reach it."""


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Index:
    base = tmp_path_factory.mktemp("fuzz")
    corpus = make_corpus(base / "corpus", documents=40)
    indexer.sync(base / "index", [corpus], False, lambda _: None)
    return Index(base / "index", load_text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.randoms(use_true_random=False).map(random_query),
    sort=st.sampled_from(["relevance", "date", "title"]),
)
def test_any_query_answers_or_says_why(ix: Index, q: str, sort: str) -> None:
    started = time.perf_counter()
    try:
        results = ix.search(q, limit=20, sort=sort)
    except QueryError as error:
        assert str(error) and "Traceback" not in str(error)
    else:
        assert results.total >= len(results.hits)
        assert len({h.id for h in results.hits}) == len(results.hits)
    assert time.perf_counter() - started < BUDGET_SECONDS


@pytest.mark.parametrize(
    "q",
    [
        "*",
        "title:*",
        "a~2",
        "e~",
        "usb~9999999999",
        "usb~3",
        'date:"a b"',
        "x source:[ to ]",
        "sha256:abc",
        "record:x",
        "date:2020-13-01",
        "date:[0000 to 99999]",
        "lang:[a to z]",
    ],
)
def test_the_quoted_odd_queries_answer_or_say_why(ix: Index, q: str) -> None:
    for sort in ("relevance", "date", "title"):
        try:
            ix.search(q, sort=sort)
        except QueryError as error:
            assert str(error)


def test_a_broad_expansion_keeps_the_most_frequent_words(ix: Index, monkeypatch: pytest.MonkeyPatch) -> None:

    from tui.core.search.whoosh import lexicon

    monkeypatch.setattr(lexicon, "MAX_EXPANSIONS", 3)

    def expansion_and_frequencies(searcher: object) -> tuple[list[bytes], dict[bytes, int]]:
        lexicon = Lexicon(searcher.reader())  # type: ignore[attr-defined]
        every = lexicon.terms("body", "")
        kept = lexicon.expand(("prefix", "body", ""), lambda: every)
        reader = searcher.reader()  # type: ignore[attr-defined]
        return kept, {t.encode(): reader.doc_frequency("body", t.encode()) for t in every}

    kept, frequency = ix._run(expansion_and_frequencies)
    assert len(frequency) > 3 and len(kept) == 3
    assert sorted((frequency[t] for t in kept), reverse=True) == sorted(frequency.values(), reverse=True)[:3]
