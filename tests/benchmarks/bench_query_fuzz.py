"""Random and hostile queries on a 3,000-document corpus: lectern beside SQLite FTS5.

Runs ``--queries`` random queries in lectern's syntax (``tests/core/query_fuzz.py``, odd ones
included: bare ``*``, short fuzzy terms, ``~9999999999``, unsearchable fields, bad dates,
unbalanced brackets) on every sort, and reports how many answered, how many were refused with
a reason, how many failed any other way (must be 0), and the slowest. The peer runs the same
strings as FTS5 MATCH queries on the same documents (it refuses what it cannot parse).

    python tests/benchmarks/bench_query_fuzz.py [--documents 3000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_index import FTS5_SEARCH, fts5_available, fts5_full_index
from tests.benchmarks.common import Row, median, percentile, table
from tests.benchmarks.corpus import generate
from tests.core.search.query_fuzz import random_query


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--mb", type=float, default=25.0)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lectern-fuzz-") as work:
        bench(Path(work), args.documents, args.mb, args.queries, args.seed)


def bench(work: Path, documents: int, megabytes: float, count: int, seed: int) -> None:
    os.environ["LECTERN_HOME"] = str(work / "home")
    from tui.core.library import Library
    from tui.core.paths import Paths
    from tui.core.search import QueryError

    corpus = generate(work / "corpus", documents=documents, total_mb=megabytes)
    library = Library.open(Paths.from_environment(), [corpus])
    for event in library.update(rebuild=True):
        if event["event"] == "error":
            raise SystemExit(event["message"])
    index = library.open_index()
    rng = random.Random(seed)
    queries = [random_query(rng) for _ in range(count)]
    times: list[float] = []
    refused = failed = 0
    slowest = (0.0, "")
    for n, q in enumerate(queries):
        sort = ("relevance", "date", "title")[n % 3]
        started = time.perf_counter()
        try:
            index.search(q, limit=20, sort=sort)
        except QueryError:
            refused += 1
        except Exception as error:  # the figure that must stay 0
            failed += 1
            print(f"FAILED {q!r} ({sort}): {type(error).__name__}: {error}", file=sys.stderr)
        took = time.perf_counter() - started
        times.append(took)
        slowest = max(slowest, (took, f"{q!r} by {sort}"))
    peer_times, peer_refused = fts5_run(work, corpus, queries)
    rows = [
        Row("query p50", median(times), median(peer_times) if peer_times else None, None),
        Row("query p95", percentile(times, 95), percentile(peer_times, 95) if peer_times else None, None),
        Row("slowest query", slowest[0], max(peer_times) if peer_times else None, 1.0, note=slowest[1]),
    ]
    print(f"\n{count} queries on {documents:,} documents ({megabytes:g} MB)")
    print(f"lectern: answered {count - refused - failed}, refused with a reason {refused}, failed {failed}")
    if peer_times:
        print(f"FTS5:    answered {count - peer_refused}, refused (syntax error) {peer_refused}\n")
    print(table(rows, "FTS5"))


def fts5_run(work: Path, corpus: Path, queries: list[str]) -> tuple[list[float], int]:
    if fts5_available() is not None:
        return [], 0
    db_path = work / "fts5.sqlite"
    fts5_full_index(db_path, corpus)
    db = sqlite3.connect(db_path)
    times: list[float] = []
    refused = 0
    for q in queries:
        started = time.perf_counter()
        try:
            db.execute(FTS5_SEARCH, (q,)).fetchall()
        except sqlite3.Error:
            refused += 1
        times.append(time.perf_counter() - started)
    db.close()
    return times, refused


if __name__ == "__main__":
    main()
