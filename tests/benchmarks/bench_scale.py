"""Scale benchmark, run by hand: ``python tests/benchmarks/bench_scale.py`` (from the repo root).

For each corpus size (``--docs 3000,30000,100000``, text ``--mb 25,50,75``; generated with
``corpus.generate``, no downloads) it measures lectern beside SQLite FTS5 (``tokenize='porter'``,
every document inserted in one transaction) in the same run, under a throw-away LECTERN_HOME:

- full index: the real indexer child process (``Library.update(rebuild=True)``) / FTS5 inserts;
- index size against the text's (the whole index folder: catalog and vocabulary included);
- first search: a fresh process opens the index and runs one word query (files are checked,
  the searcher opened) / a fresh process connects and runs the same MATCH;
- first prefix and first fuzzy query in that process (the lexicon's first look at the terms);
- prefix p50: each of ``PREFIXES`` once, in a warm process, nothing cached / FTS5 ``word*``.

Every timing is the median of ``--repeat`` runs (3). The machine's load is printed with the
tables; nothing is asserted about wall-clock time.

The measures are ``LINES``, a list of ``Line`` objects run in order for each size, each filling
one row (lectern, peer, target, note) from a ``Scale`` (the corpus, the library, the FTS5
database, the repetitions). More lines (the UI's: first paint, keystrokes, memory) are added by
appending to ``LINES``; ``--only`` picks lines by name.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_index import FTS5_SEARCH, fts5_available, fts5_full_index  # noqa: E402
from tests.benchmarks.common import Row, median, table  # noqa: E402
from tests.benchmarks.corpus import VOCABULARY, generate  # noqa: E402

FIRST_WORD = "government"
FIRST_PREFIX = "parl*"
FIRST_FUZZY = "goverment~"
PREFIXES = [
    "bank*", "gov*", "clim*", "rail*", "exch*", "tra*", "inf*", "mark*", "poli*", "res*",
    "cour*", "elec*", "fin*", "hist*", "lang*", "mount*", "nov*", "oce*", "pric*", "ref*",
]  # fmt: skip
FUZZY = {"goverment~": "government"}
"""FTS5 has no fuzzy matching: a fuzzy query runs there as the intended word."""
TARGETS = {
    "full_index_vs_fts5": 5.0,
    "size_vs_text": 2.0,
    "first_search": 0.3,
    "first_prefix": 0.1,
    "prefix_p50": 0.015,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Scale:
    """One corpus size, and what the lines before have measured or built for the ones after."""

    documents: int
    megabytes: float
    work: Path
    repeat: int
    corpus: Path = field(init=False)
    corpus_bytes: int = 0
    library: Any = None
    fts_path: Path | None = None
    fts_problem: str | None = None
    found: dict[str, Any] = field(default_factory=dict)
    """Figures a line leaves for later ones (full index times, first-query timings)."""

    words: int = VOCABULARY
    """Distinct words the corpus draws from."""

    def __post_init__(self) -> None:
        self.corpus = self.work / f"corpus-{self.documents}{self.variant}"

    @property
    def variant(self) -> str:
        """How a corpus of other words is named apart (its folder, its FTS5 database)."""
        return "" if self.words == VOCABULARY else f"-w{self.words}"


Measure = Callable[[Scale], Row]


@dataclass(frozen=True)
class Line:
    """One measured row of the table: ``measure`` runs it for a corpus size."""

    name: str
    measure: Measure


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


# --------------------------------------------------------------------------- preparing


def prepare(scale: Scale) -> None:
    """The corpus (generated once, kept with ``--keep``) and the library over it."""
    from tui.core.library import Library
    from tui.core.paths import Paths

    marker = scale.corpus / ".generated"
    if not marker.exists():
        log(f"generating {scale.documents:,} documents / {scale.megabytes:g} MB in {scale.corpus} …")
        generate(scale.corpus, documents=scale.documents, total_mb=scale.megabytes, words=scale.words)
        marker.write_text(f"{scale.documents} {scale.megabytes}\n")
    scale.corpus_bytes = sum(f.stat().st_size for f in scale.corpus.rglob("*.md"))
    scale.library = Library.open(Paths.from_environment(), [scale.corpus])
    scale.fts_problem = fts5_available()
    scale.fts_path = scale.work / f"fts5-{scale.documents}{scale.variant}.sqlite"


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


# --------------------------------------------------------------------------- lines


def full_index(scale: Scale) -> Row:
    lectern, peer, reported = [], [], []
    for n in range(scale.repeat):
        log(f"  lectern: full index, run {n + 1} of {scale.repeat} …")
        seconds, done = timed(lambda: last_event(scale.library.update(rebuild=True)))
        if done.get("event") != "done":
            raise SystemExit(f"the indexer failed: {done}")
        lectern.append(seconds)
        reported.append(done["seconds"])
        if scale.fts_problem is None and scale.fts_path is not None:
            log(f"  FTS5: full index, run {n + 1} of {scale.repeat} …")
            fts_seconds, count = fts5_full_index(scale.fts_path, scale.corpus)
            assert count == done["documents"], (count, done["documents"])
            peer.append(fts_seconds)
    scale.found["full_index"] = (median(lectern), median(peer) if peer else None)
    megabytes = scale.corpus_bytes / 1e6
    return Row(
        f"full index, {scale.documents:,} docs / {megabytes:.1f} MB",
        median(lectern),
        median(peer) if peer else None,
        None,
        unit="s",
        note=(
            f"median of {scale.repeat}; lectern {megabytes / median(lectern):.1f} MB/s (indexer child, start to "
            f"exit; its sync() {median(reported):.1f} s)"
            + (f", FTS5 {megabytes / median(peer):.1f} MB/s (in-process, same reader)" if peer else "")
            + f"; target: within {TARGETS['full_index_vs_fts5']:g}x FTS5"
        ),
    )


def last_event(events: Any) -> dict[str, Any]:
    done: dict[str, Any] = {}
    for event in events:
        if event["event"] in ("done", "error"):
            done = event
    return done


def index_size(scale: Scale) -> Row:
    lectern = folder_bytes(scale.library.index_dir)
    peer = scale.fts_path.stat().st_size if scale.fts_path and scale.fts_path.exists() else None
    text = scale.corpus_bytes
    return Row(
        "index size",
        lectern / 1e6,
        peer / 1e6 if peer else None,
        TARGETS["size_vs_text"] * text / 1e6,
        unit="MB",
        note=(
            f"/ text ({text / 1e6:.1f} MB): lectern {lectern / text:.2f}x"
            + (f", FTS5 {peer / text:.2f}x" if peer else "")
            + f"; target {TARGETS['size_vs_text']:g}x the text"
        ),
    )


_LECTERN_CHILD = """
import json, sys, time
started = time.perf_counter()
from tui.core.library import Library
from tui.core.paths import Paths
library = Library.open(Paths.from_environment(), [sys.argv[1]])
index = library.open_index()
queries = json.loads(sys.argv[2])
found = {"imports": time.perf_counter() - started}
for name, text in queries:
    began = time.perf_counter()
    found[name] = (index.search(text, limit=20).total, time.perf_counter() - began)
print(json.dumps(found))
"""

_FTS5_CHILD = """
import json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
found = {}
for name, text in json.loads(sys.argv[2]):
    began = time.perf_counter()
    rows = db.execute(sys.argv[3], (text,)).fetchall()
    found[name] = (len(rows), time.perf_counter() - began)
print(json.dumps(found))
"""


def in_fresh_process(script: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def first_queries(scale: Scale) -> dict[str, tuple[float, float | None]]:
    """Median seconds of the first word, prefix and fuzzy queries in fresh processes, and the
    prefixes' (each run once, in order) in the same processes; lectern and FTS5."""
    if "first" in scale.found:
        found: dict[str, tuple[float, float | None]] = scale.found["first"]
        return found
    queries = [("word", FIRST_WORD), ("prefix", FIRST_PREFIX), ("fuzzy", FIRST_FUZZY)]
    queries += [(f"p:{p}", p) for p in PREFIXES]
    runs: list[dict[str, Any]] = []
    peer_runs: list[dict[str, Any]] = []
    for n in range(scale.repeat):
        log(f"  first queries in a fresh process, run {n + 1} of {scale.repeat} …")
        runs.append(in_fresh_process(_LECTERN_CHILD, str(scale.corpus), json.dumps(queries)))
        if scale.fts_problem is None and scale.fts_path is not None:
            peer_queries = [(name, FUZZY.get(text, text)) for name, text in queries]
            peer_runs.append(
                in_fresh_process(_FTS5_CHILD, str(scale.fts_path), json.dumps(peer_queries), FTS5_SEARCH)
            )
    found = {}
    for name, _ in queries:
        peer = median([r[name][1] for r in peer_runs]) if peer_runs else None
        found[name] = (median([r[name][1] for r in runs]), peer)
    scale.found["first"] = found
    return found


def first_search(scale: Scale) -> Row:
    lectern, peer = first_queries(scale)["word"]
    return Row(
        f"first search ({FIRST_WORD!r}, fresh process)",
        lectern,
        peer,
        TARGETS["first_search"],
        note=f"median of {scale.repeat} processes; opens the index (files checked) and searches",
    )


def first_prefix(scale: Scale) -> Row:
    lectern, peer = first_queries(scale)["prefix"]
    return Row(
        f"first prefix query ({FIRST_PREFIX!r})",
        lectern,
        peer,
        TARGETS["first_prefix"],
        note="right after the first search, in the same fresh process: the lexicon's first look",
    )


def first_fuzzy(scale: Scale) -> Row:
    lectern, peer = first_queries(scale)["fuzzy"]
    return Row(
        f"first fuzzy query ({FIRST_FUZZY!r})",
        lectern,
        peer,
        TARGETS["first_prefix"],
        note="after the first prefix query; FTS5 runs the intended word",
    )


def prefix_p50(scale: Scale) -> Row:
    found = first_queries(scale)
    lectern = [found[f"p:{p}"][0] for p in PREFIXES]
    peers = [found[f"p:{p}"][1] for p in PREFIXES]
    peer = median([p for p in peers if p is not None]) if all(p is not None for p in peers) else None
    return Row(
        f"prefix query p50 ({len(PREFIXES)} prefixes, each once)",
        median(lectern),
        peer,
        TARGETS["prefix_p50"],
        note=f"slowest {max(lectern) * 1e3:.1f} ms; nothing cached: each prefix is new to the searcher",
    )


LINES: list[Line] = [
    Line("full index", full_index),
    Line("index size", index_size),
    Line("first search", first_search),
    Line("first prefix", first_prefix),
    Line("first fuzzy", first_fuzzy),
    Line("prefix p50", prefix_p50),
]


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default="3000,30000,100000", help="corpus sizes, comma-separated")
    parser.add_argument("--mb", default="25,50,75", help="text per size, comma-separated (MB)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="line names to run, comma-separated (default: all)")
    parser.add_argument("--keep", type=Path, help="work under this folder and keep it (corpora are reused)")
    parser.add_argument(
        "--words",
        type=int,
        default=VOCABULARY,
        help=f"distinct words in the corpus (default {VOCABULARY:,}, prose; technical text has 10-20x more)",
    )
    args = parser.parse_args()
    sizes = [int(n) for n in args.docs.split(",")]
    megabytes = [float(m) for m in args.mb.split(",")]
    if len(megabytes) < len(sizes):
        megabytes += [megabytes[-1]] * (len(sizes) - len(megabytes))
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    lines = [line for line in LINES if not wanted or line.name in wanted]
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        bench(args.keep, sizes, megabytes, args.repeat, lines, args.words)
    else:
        with tempfile.TemporaryDirectory(prefix="lectern-scale-") as work:
            bench(Path(work), sizes, megabytes, args.repeat, lines, args.words)


def bench(
    work: Path, sizes: list[int], megabytes: list[float], repeat: int, lines: list[Line], words: int
) -> None:
    os.environ["LECTERN_HOME"] = str(work / "home")  # before anything reads it; children inherit it
    started = time.perf_counter()
    tables = []
    summary = []
    for documents, size in zip(sizes, megabytes, strict=False):
        scale = Scale(documents, size, work, repeat, words=words)
        prepare(scale)
        rows = []
        for line in lines:
            log(f"{documents:,} documents: {line.name} …")
            rows.append(line.measure(scale))
        tables.append((scale, rows))
        summary.append(summary_line(scale))
    print()
    print(
        f"lectern scale benchmark · {os.cpu_count()} CPUs · load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        f" · Python {sys.version.split()[0]} · SQLite {sqlite3.sqlite_version} · {repeat} runs, medians"
    )
    for scale, rows in tables:
        print(f"\n## {scale.documents:,} documents, {scale.corpus_bytes / 1e6:.1f} MB of text\n")
        print(table(rows, "FTS5"))
    if any(summary):
        print("\n## summary\n")
        print("| documents | index time vs FTS5 | size / text (lectern, FTS5) | first prefix | prefix p50 |")
        print("|---|---|---|---|---|")
        print("\n".join(s for s in summary if s))
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")


def summary_line(scale: Scale) -> str:
    full = scale.found.get("full_index")
    first = scale.found.get("first")
    if not full or not scale.library:
        return ""
    lectern_s, peer_s = full
    ratio = (
        f"{lectern_s / peer_s:.1f}x ({lectern_s:.1f} s / {peer_s:.1f} s)" if peer_s else f"{lectern_s:.1f} s"
    )
    text = scale.corpus_bytes
    size = folder_bytes(scale.library.index_dir) / text
    peer_size = scale.fts_path.stat().st_size / text if scale.fts_path and scale.fts_path.exists() else None
    sizes = f"{size:.2f}x, {peer_size:.2f}x" if peer_size else f"{size:.2f}x"
    prefix = f"{first['prefix'][0] * 1e3:.0f} ms" if first else "—"
    p50 = f"{median([first[f'p:{p}'][0] for p in PREFIXES]) * 1e3:.1f} ms" if first else "—"
    return f"| {scale.documents:,} | {ratio} | {sizes} | {prefix} | {p50} |"


def _ui_lines() -> list[Line]:
    from tests.benchmarks import scale_ui  # (it imports bench_ui: the Tmux runner, the peers)

    return [
        Line("first_paint_tmux", scale_ui.first_paint_tmux),
        Line("keystroke_tmux", scale_ui.keystroke_tmux),
        Line("memory_after_searches", scale_ui.memory_after_searches),
        Line("memory_while_indexing", scale_ui.memory_while_indexing),
        Line("unchanged_recheck", scale_ui.unchanged_recheck),
    ]


LINES += _ui_lines()


if __name__ == "__main__":
    main()
