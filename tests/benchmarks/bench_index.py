"""Index benchmark, run by hand: ``python tests/benchmarks/bench_index.py`` (from the repo root).

On a generated corpus of 3,000 documents / 25 MB of English-like prose (``corpus.generate``),
under a throw-away LECTERN_HOME, it measures lectern beside SQLite FTS5 (stdlib ``sqlite3``,
``tokenize='porter'``) on the same documents in the same run:

- full index: the real indexer child process (``Library.update(rebuild=True)``) / FTS5 inserts;
- unchanged start-up check: the indexer child run again with nothing changed (whole process),
  and the in-process part (``Catalog.load`` + ``discover`` + ``make_plan``);
- query latency p50 / p95 over ~50 varied queries (``Index.search(limit=20)``) / FTS5 MATCH
  with ``snippet()`` and bm25 order, limit 20; one warm-up pass first;
- hit spans of a 5 MB document in the index (``Index.hit_spans``) / FTS5 ``highlight()``.

It prints a table with the targets and ratios and asserts nothing about wall-clock time.
Options: ``--documents N --mb M`` for a smaller or larger corpus, ``--keep DIR`` to keep files.
"""

from __future__ import annotations

import argparse
import collections
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.common import Row, median, percentile, table  # noqa: E402
from tests.benchmarks.corpus import generate, phrases, write_large_document  # noqa: E402

TARGETS = {
    "full_index": 12.0,
    "unchanged": 0.3,
    "query_p50": 0.005,
    "query_p95": 0.015,
    "hit_spans": 0.100,
}
QUERY_ROUNDS = 3
UNCHANGED_RUNS = 5
HIT_SPAN_RUNS = 5
LARGE_ID = "large/report-5mb.md"

# (kind, lectern query, FTS5 query). FTS5 has no fuzzy matching: those run as the intended word;
# it has no dates either: those run in lectern only (None).
FIXED_QUERIES: list[tuple[str, str, str | None]] = [
    ("word", "blockchain", "blockchain"),
    ("word", "government", "government"),
    ("word", "climate", "climate"),
    ("word", "railway", "railway"),
    ("word", "parliament", "parliament"),
    ("word", "currency", "currency"),
    ("word", "evidence", "evidence"),
    ("word", "theatre", "theatre"),
    ("word", "exchanges", "exchanges"),
    ("word", "reforming", "reforming"),
    ("word", "the", "the"),
    ("word (absent)", "zyzzyvas", "zyzzyvas"),
    ("and", "bank loan", "bank loan"),
    ("and", "climate energy", "climate energy"),
    ("and", "river bridge", "river bridge"),
    ("and", "market crisis", "market crisis"),
    ("and", "court law", "court law"),
    ("and", "city harbour", "city harbour"),
    ("and", "research method", "research method"),
    ("and", "government reform", "government reform"),
    ("prefix", "bank*", "bank*"),
    ("prefix", "gov*", "gov*"),
    ("prefix", "clim*", "clim*"),
    ("prefix", "rail*", "rail*"),
    ("prefix", "exch*", "exch*"),
    ("prefix", "parl*", "parl*"),
    ("prefix", "tra*", "tra*"),
    ("fuzzy", "blokchain~", "blockchain"),
    ("fuzzy", "goverment~", "government"),
    ("fuzzy", "climte~", "climate"),
    ("fuzzy", "parliment~", "parliament"),
    ("fuzzy", "currancy~", "currency"),
    ("fuzzy", "railwey~2", "railway"),
    ("or", "bank OR coin", "bank OR coin"),
    ("or", "river OR ocean", "river OR ocean"),
    ("or", "novel OR poem", "novel OR poem"),
    ("or", "court OR law", "court OR law"),
    ("or", "tax OR budget", "tax OR budget"),
    ("bool", "(bank OR loan) AND crisis", "(bank OR loan) AND crisis"),
    ("bool", "market NOT crisis", "market NOT crisis"),
    ("date", "date:2020", None),
    ("date", "date:[2000 to 2010]", None),
    ("date", "date:2015-03", None),
    ("date", "market date:[2010 to 2020]", None),
]
PHRASES = 10
"""Phrases are taken from the generated text (so they occur): 7 of two words, 3 of three."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def build_queries(corpus: Path) -> list[tuple[str, str, str | None]]:
    queries = list(FIXED_QUERIES)
    queries += [("phrase", p, p) for p in phrases(corpus, PHRASES)]
    return queries


# --------------------------------------------------------------------------- lectern


def lectern_full_index(library: Any) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done: dict[str, Any] = {}
    for event in library.update(rebuild=True):
        if event["event"] in ("done", "error"):
            done = event
    return time.perf_counter() - started, done


def lectern_update(library: Any) -> tuple[float, dict[str, Any]]:
    """One indexer child run, timed from start to exit (the generator ends after ``wait``)."""
    started = time.perf_counter()
    done: dict[str, Any] = {}
    for event in library.update():
        if event["event"] in ("done", "error"):
            done = event
    return time.perf_counter() - started, done


def in_process_check(library: Any, corpus: Path) -> tuple[float, Any]:
    from tui.core.catalog import Catalog
    from tui.core.discovery import discover
    from tui.core.index_plan import make_plan

    def check() -> Any:
        catalog = Catalog.load(library.index_dir)
        assert catalog is not None
        sources, skipped = discover([corpus])
        return make_plan(catalog, sources, skipped)

    return timed(check)


def run_queries(run: Callable[[str], Any], queries: list[str]) -> tuple[list[float], dict[str, float]]:
    """One warm-up pass, then QUERY_ROUNDS timed passes; every sample, and each query's median."""
    for q in queries:
        run(q)
    samples: list[float] = []
    per_query: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(QUERY_ROUNDS):
        for q in queries:
            seconds, _ = timed(lambda q=q: run(q))
            samples.append(seconds)
            per_query[q].append(seconds)
    return samples, {q: median(v) for q, v in per_query.items()}


# --------------------------------------------------------------------------- FTS5


def fts5_available() -> str | None:
    """None when FTS5 with the porter tokenizer works, else why not."""
    try:
        with sqlite3.connect(":memory:") as db:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(a, tokenize='porter')")
    except sqlite3.Error as error:
        return f"SQLite FTS5 unavailable ({error}); the peer is skipped"
    return None


def fts5_full_index(db_path: Path, corpus: Path) -> tuple[float, int]:
    """Discover and read with lectern's own reader, insert into FTS5, commit."""
    from tui.core.discovery import discover
    from tui.core.documents import Document, read_document

    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, path UNINDEXED, title, body, tags, tokenize='porter')"
    )
    sources, _ = discover([corpus])
    count = 0
    with db:
        for source in sources:
            doc = read_document(source)
            if isinstance(doc, Document):
                db.execute(
                    "INSERT INTO docs(id, path, title, body, tags) VALUES (?, ?, ?, ?, ?)",
                    (doc.id, str(doc.path), doc.title, doc.text, " ".join(doc.tags)),
                )
                count += 1
    db.close()
    return time.perf_counter() - started, count


def fts5_add(db: sqlite3.Connection, path: Path, doc_id: str) -> tuple[float, int]:
    from tui.core.discovery import SourceFile
    from tui.core.documents import read_document

    def add() -> int:
        stat = path.stat()
        doc = read_document(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
        with db:
            cursor = db.execute(
                "INSERT INTO docs(id, path, title, body, tags) VALUES (?, ?, ?, ?, ?)",
                (doc_id, str(path), doc.title, doc.text, " ".join(doc.tags)),  # type: ignore[union-attr]
            )
        return int(cursor.lastrowid or 0)

    return timed(add)


def fts5_highlight(db: sqlite3.Connection, q: str, rowid: int) -> float:
    """Median time of FTS5 highlighting every match of ``q`` in one document (its whole text)."""
    sql = "SELECT highlight(docs, 3, char(2), char(3)) FROM docs WHERE docs MATCH ? AND rowid = ?"
    db.execute(sql, (q, rowid)).fetchall()  # warm-up
    return median([timed(lambda: db.execute(sql, (q, rowid)).fetchall())[0] for _ in range(HIT_SPAN_RUNS)])


FTS5_SEARCH = "SELECT id, title, snippet(docs, 3, '[', ']', '…', 24) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 20"


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--mb", type=float, default=25.0)
    parser.add_argument("--keep", type=Path, help="write everything under this folder and keep it")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        bench(args.keep, args.documents, args.mb)
    else:
        with tempfile.TemporaryDirectory(prefix="lectern-bench-") as work:
            bench(Path(work), args.documents, args.mb)


def bench(work: Path, documents: int, megabytes: float) -> None:
    os.environ["LECTERN_HOME"] = str(work / "home")  # before anything reads it; the child inherits it
    from tui.core.discovery import SourceFile
    from tui.core.documents import read_document
    from tui.core.library import Library
    from tui.core.paths import Paths

    started = time.perf_counter()
    corpus = work / "corpus"
    log(f"generating {documents:,} documents / {megabytes:g} MB in {corpus} …")
    generate(corpus, documents=documents, total_mb=megabytes)
    corpus_bytes = sum(f.stat().st_size for f in corpus.rglob("*.md"))
    library = Library.open(Paths.from_environment(), [corpus])
    rows: list[Row] = []
    notes: list[str] = []
    fts_problem = fts5_available()

    # Full index -----------------------------------------------------------------------------
    log("lectern: full index (indexer child process, --rebuild) …")
    full_s, done = lectern_full_index(library)
    if done.get("event") != "done":
        raise SystemExit(f"the indexer failed: {done}")
    fts_full_s: float | None = None
    db_path = work / "fts5.sqlite"
    if fts_problem is None:
        log("FTS5: full index …")
        fts_full_s, fts_count = fts5_full_index(db_path, corpus)
        assert fts_count == done["documents"], (fts_count, done["documents"])
    rows.append(
        Row(
            f"full index, {done['documents']:,} docs / {corpus_bytes / 1e6:.1f} MB",
            full_s,
            fts_full_s,
            TARGETS["full_index"],
            unit="s",
            note=(
                f"lectern {corpus_bytes / 1e6 / full_s:.2f} MB/s (child process, start to exit; the child "
                f"reports {done['seconds']:.2f} s in sync())"
                + (
                    f"; FTS5 {corpus_bytes / 1e6 / fts_full_s:.2f} MB/s (in-process, same read_document)"
                    if fts_full_s
                    else ""
                )
            ),
        )
    )

    # Unchanged start-up check ---------------------------------------------------------------
    log("lectern: unchanged start-up check …")
    child_runs, inner_runs, reported = [], [], []
    for _ in range(UNCHANGED_RUNS):
        seconds, event = lectern_update(library)
        assert event.get("unchanged") == done["documents"] and not event.get("indexed"), event
        child_runs.append(seconds)
        reported.append(event["seconds"])
    for _ in range(UNCHANGED_RUNS):
        seconds, plan = in_process_check(library, corpus)
        assert not plan.to_read and not plan.removed, "the corpus should be unchanged"
        inner_runs.append(seconds)
    rows.append(
        Row(
            "unchanged check: indexer child, whole run",
            median(child_runs),
            None,
            TARGETS["unchanged"],
            unit="s",
            note=f"median of {UNCHANGED_RUNS}; the child's own sync() reports {median(reported) * 1e3:.0f} ms",
        )
    )
    rows.append(
        Row(
            "unchanged check: Catalog.load+discover+make_plan",
            median(inner_runs),
            None,
            TARGETS["unchanged"],
            unit="s",
            note=f"median of {UNCHANGED_RUNS}, in this process",
        )
    )

    # Queries --------------------------------------------------------------------------------
    queries = build_queries(corpus)
    log(f"queries: {len(queries)} ({', '.join(sorted({k for k, _, _ in queries}))}) …")
    index = library.open_index()
    totals: dict[str, int] = {}

    def lectern_search(q: str) -> Any:
        results = index.search(q, limit=20)
        totals[q] = results.total
        return results

    samples, per_query = run_queries(lectern_search, [q for _, q, _ in queries])
    fts_samples: list[float] = []
    fts_per_query: dict[str, float] = {}
    db: sqlite3.Connection | None = None
    if fts_problem is None:
        db = sqlite3.connect(db_path)
        conn = db

        def fts_search(q: str) -> Any:
            return conn.execute(FTS5_SEARCH, (q,)).fetchall()

        fts_samples, fts_per_query = run_queries(fts_search, [f for _, _, f in queries if f is not None])
    n = len(samples)
    for p, key in ((50, "query_p50"), (95, "query_p95")):
        rows.append(
            Row(
                f"query p{p} ({len(queries)} queries x {QUERY_ROUNDS}, limit 20)",
                percentile(samples, p),
                percentile(fts_samples, p) if fts_samples else None,
                TARGETS[key],
                note=(f"{n} samples after one warm-up pass" if p == 50 else ""),
            )
        )
    slowest = sorted(queries, key=lambda k: -per_query[k[1]])[:8]
    notes.append("slowest queries (median ms: lectern / FTS5, lectern total hits):")
    for kind, q, f in slowest:
        peer = f"{fts_per_query[f] * 1e3:7.2f}" if fts_per_query and f is not None else "      —"
        notes.append(f"  {kind:13} {q!r:34} {per_query[q] * 1e3:8.2f} / {peer}   {totals.get(q, 0):>5} hits")
    by_kind: dict[str, list[float]] = collections.defaultdict(list)
    fts_by_kind: dict[str, list[float]] = collections.defaultdict(list)
    for kind, q, f in queries:
        by_kind[kind.split()[0]].append(per_query[q])
        if fts_per_query and f is not None:
            fts_by_kind[kind.split()[0]].append(fts_per_query[f])
    notes.append(
        "median ms by kind (lectern / FTS5): "
        + ", ".join(
            f"{k} {median(v) * 1e3:.1f}/{median(fts_by_kind[k]) * 1e3 if fts_by_kind.get(k) else float('nan'):.1f}"
            for k, v in by_kind.items()
        )
    )

    # A 5 MB document in the index: incremental add, then hit spans ----------------------------
    large = write_large_document(corpus / LARGE_ID, megabytes=5.0)
    log(f"adding a {large.stat().st_size / 1e6:.1f} MB document and indexing it incrementally …")
    add_s, event = lectern_update(library)
    assert event.get("indexed") == 1, event
    fts_add_s: float | None = None
    large_rowid = 0
    if db is not None:
        fts_add_s, large_rowid = fts5_add(db, large, LARGE_ID)
    rows.append(
        Row(
            "incremental add of the 5 MB document",
            add_s,
            fts_add_s,
            None,
            unit="s",
            note="indexer child whole run / FTS5 read + insert + commit; no target",
        )
    )
    stat = large.stat()
    doc = read_document(SourceFile(LARGE_ID, large, stat.st_size, stat.st_mtime_ns))
    text = doc.text  # type: ignore[union-attr]
    index.close()
    index = library.open_index()
    a_phrase = next((q for kind, q, _ in queries if kind == "phrase"), "")
    span_queries = [q for q in ("government", "bank loan", "bank*", "goverment~", a_phrase) if q]
    fts_span_queries = {"goverment~": "government"}
    span_rows: list[tuple[str, float, float | None, int]] = []
    for q in span_queries:
        index.hit_spans(LARGE_ID, text, q)  # warm-up
        runs = [timed(lambda q=q: index.hit_spans(LARGE_ID, text, q)) for _ in range(HIT_SPAN_RUNS)]
        spans = len(runs[0][1])
        fts_median: float | None = None
        if db is not None:
            fts_median = fts5_highlight(db, fts_span_queries.get(q, q), large_rowid)
        span_rows.append((q, median([s for s, _ in runs]), fts_median, spans))
    worst = max(span_rows, key=lambda r: r[1])
    rows.append(
        Row(
            "hit spans, 5 MB document (worst query)",
            worst[1],
            worst[2],
            TARGETS["hit_spans"],
            note=f"worst of {len(span_rows)} queries, median of {HIT_SPAN_RUNS} runs each: {worst[0]!r} ({worst[3]:,} spans)",
        )
    )
    notes.append("hit spans on the 5 MB document (median ms: lectern Index.hit_spans / FTS5 highlight()):")
    for q, seconds, peer_s, spans in span_rows:
        peer = f"{peer_s * 1e3:7.1f}" if peer_s is not None else "      —"
        notes.append(f"  {q!r:34} {seconds * 1e3:8.1f} / {peer}   {spans:>7,} spans")
    index.close()
    if db is not None:
        db.close()

    print()
    print(
        f"lectern index benchmark · {os.cpu_count()} CPUs · Python {sys.version.split()[0]} · "
        f"SQLite {sqlite3.sqlite_version}"
    )
    if fts_problem:
        print(fts_problem)
    print("FTS5 has no fuzzy matching: fuzzy queries run there as the intended word.")
    print()
    print(table(rows, "FTS5"))
    print()
    print("\n".join(notes))
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
