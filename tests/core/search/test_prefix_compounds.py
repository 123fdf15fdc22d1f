"""A prefix without a joiner leaves out the compound words kept whole (``government_bank``)
whose first part it reaches: every prefix of every word of a corpus of identifiers, prose and
camelCase finds exactly the documents it found with them, through fewer terms."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tui.core import indexer
from tui.core.library import load_text
from tui.core.search.whoosh import parse
from tui.core.search.whoosh.searcher import Index

WORDS = ["government", "governments", "govern", "bank", "banking", "rate", "ring", "rx", "size", "tx"]
JOINED = ["_", ".", "-"]


def identifier(rng: random.Random) -> str:
    parts = rng.sample(WORDS, rng.randint(2, 3))
    word = rng.choice(JOINED).join(parts)
    if rng.random() < 0.2:  # camelCase, and one written in capitals
        return parts[0] + "".join(p.title() for p in parts[1:])
    return word.upper() if rng.random() < 0.2 else word


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(5)
    root = tmp_path_factory.mktemp("compounds")
    corpus = root / "corpus"
    corpus.mkdir()
    for n in range(80):
        words = [
            identifier(rng) if rng.random() < 0.4 else rng.choice(WORDS) for _ in range(rng.randint(1, 6))
        ]
        (corpus / f"d{n:02}.md").write_text(" ".join(words) + "\n", encoding="utf-8")
    indexer.sync(root / "index", [corpus], False, lambda _: None)
    return root / "index"


def prefixes() -> list[str]:
    return sorted({word[:n] for word in WORDS for n in range(1, len(word) + 1)})


def found(folder: Path, queries: list[str]) -> dict[str, tuple[int, set[str]]]:
    index = Index(folder, load_text)
    try:
        results = {q: index.search(q, limit=500) for q in queries}
    finally:
        index.close()
    return {q: (r.total, {h.id for h in r.hits}) for q, r in results.items()}


def test_every_prefix_finds_the_same_documents_without_the_compounds_it_reaches(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = [f"{p}*" for p in prefixes()] + [f"title:{p}*" for p in ("gov", "ban")]
    filtered = found(folder, queries)
    monkeypatch.setattr(parse, "_without_reached_compounds", lambda terms, _: terms)
    assert filtered == found(folder, queries)
    assert any(total for total, _ in filtered.values())


def test_the_compounds_a_prefix_reaches_are_left_out_and_the_others_kept() -> None:
    terms = ["govern", "govern_bank", "government_rate", "gov.uk", "govern-ring", "govsize"]
    # "governments_x" is held with its first part stemmed ("govern"): "governme" does not reach it
    assert parse._without_reached_compounds([*terms, "governments_x"], "gov") == ["govern", "govsize"]
    assert parse._without_reached_compounds(["governments_x"], "governme") == ["governments_x"]
