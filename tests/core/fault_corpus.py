"""A corpus and a fixed query set for the index fault tests (kills and damage)."""

from __future__ import annotations

import random
from pathlib import Path

from tui.core.library import load_text
from tui.core.search.whoosh.searcher import Index

WORDS = [
    "river",
    "harbour",
    "ledger",
    "bridge",
    "railway",
    "garden",
    "museum",
    "theatre",
    "novel",
    "chapter",
    "author",
    "letter",
    "journal",
    "market",
    "policy",
    "reform",
    "budget",
    "credit",
    "coin",
    "exchange",
    "island",
    "village",
    "forest",
    "ocean",
    "energy",
    "climate",
    "court",
    "parliament",
    "election",
    "crisis",
    "growth",
    "decline",
    "pattern",
    "measure",
    "theory",
    "method",
    "evidence",
    "answer",
]
QUERIES = (
    ("harbour", "relevance"),
    ("ledg*", "relevance"),
    ("parlament~", "relevance"),
    ('"river harbour"', "relevance"),
    ("date:2021", "relevance"),
    ("bridge OR museum", "date"),
    ("climate NOT ocean", "title"),
    ("tag:odd", "relevance"),
)


def make_corpus(root: Path, documents: int = 120, seed: int = 3) -> Path:
    """About 3 MB in ``documents`` files: two batches (the second split between two processes)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for n in range(documents):
        words = rng.choices(WORDS, k=4_500 if n % 2 else 4_000)
        paragraphs = [" ".join(words[i : i + 60]) + "." for i in range(0, len(words), 60)]
        tags = "[odd]" if n % 2 else "[even]"
        text = (
            f"---\ntitle: Document {n:03d} {rng.choice(WORDS)}\ndate: {2018 + n % 6}-0{1 + n % 9}-1{n % 10}\n"
            f"tags: {tags}\n---\n\n" + "\n\n".join(paragraphs) + "\n"
        )
        (root / f"d{n:03d}.md").write_text(text, encoding="utf-8")
    return root


def answers(index_dir: Path) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    """For each query: its total and (id, hit count) of every result. Sorted by id: an index
    updated in place scores a little differently from a fresh one (deleted documents still
    count in Whoosh's field-length statistics), so ranks may differ where results may not."""
    ix = Index(index_dir, load_text)
    try:
        found = []
        for q, sort in QUERIES:
            results = ix.search(q, limit=1_000, sort=sort)
            ids = [h.id for h in results.hits]
            assert len(ids) == len(set(ids)) == results.total, f"{q}: a document is listed twice"
            found.append((q, sort, results.total, sorted((h.id, h.hits) for h in results.hits)))
        return found
    finally:
        ix.close()
