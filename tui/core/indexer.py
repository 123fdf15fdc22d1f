"""Bring a corpus index up to date, in a child process that is the index's only writer.

Run as ``python -m tui.core.indexer --index-dir DIR [--rebuild] PATH...``; it reports progress
as JSON lines on stdout (see ``Event`` kinds below). A child process keeps indexing off the
interpreter that draws the UI (a thread would starve Textual through the GIL) and avoids
starting multiprocessing from inside a running app. ``tui.core.indexer_client`` is the parent's
side: it starts this process (``command``) and reads its lines.

The start-up check (``index_check``) needs no writer when nothing changed, and the plan
(``index_plan``) compares the catalog (size, mtime, sha256 of every indexed file) with a fresh
discovery. Changed documents are re-indexed here in batches, each committed and recorded in the
catalog, so a partial index is searchable early.

Events, one JSON object per line, each with an ``event`` key:
``start`` (total, bytes, rebuilt), ``skipped`` (path, reason), ``problem`` (path, problem),
``progress`` (phase, done, total, bytes, total_bytes: see ``index_progress``), ``commit``
(documents), ``done`` (the report), ``error`` (message, and ``index``: whether the index as it
was can still be searched).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.catalog import Catalog, Entry
from tui.core.catalog_file import compact, searchable
from tui.core.discovery import Skipped, SourceFile, discover
from tui.core.faults import checkpoint
from tui.core.index_check import check_index, record, remove_stale_temp_files, wipe
from tui.core.index_plan import Notes, Plan, make_plan
from tui.core.index_progress import Progress
from tui.core.memory import release_memory
from tui.core.search import VOCABULARY_NAME, backend
from tui.core.unchanged_check import CatalogSignatures, proven_unchanged

if TYPE_CHECKING:  # read when there are documents to read: an unchanged corpus needs no YAML
    from tui.core.documents import Document

Emit = Callable[[dict[str, Any]], None]
FIRST_BATCH_BYTES = 1_000_000
"""Small, so the first results are searchable within a second of a cold start."""
BATCH_BYTES = 8_000_000
"""The largest batch: a commit whatever the pace (a fast machine writes fewer, larger segments)."""
COMMIT_SECONDS = 2.0
"""The aim for the time between two commits while indexing: what is searchable grows steadily."""
COMMIT_SHARE = 0.5
COMMIT_SECONDS_MOST = 6.0
"""On a long run, commits come after this share of the time taken so far (at most this many
seconds apart): each commit writes a segment, and Whoosh merges small segments again later, so
commits every 2 s throughout would make a 30,000-document index 1.3 times slower (18 s against
14 s); spaced so, it is searchable from the first second."""
PARALLEL_BYTES = 4_000_000
"""From this much text a batch is split between this process and a forked helper (two segments);
below it, the fork and the extra segment (written, then merged, on its own) cost more than
they save. Paced batches are smaller than this on most machines."""


COMPACT_LEAST = 1000
COMPACT_SHARE = 0.1
"""A run that wrote this share of the catalog's rows (and ``COMPACT_LEAST`` at least), or wrote
it again whole, compacts it (``catalog_file.compact``: a fifth smaller at 100,000 documents, for
half a second)."""
LISTED = 1000
"""Skipped files and problems a report names one by one; past that it counts them. The report
is one line the reading room reads: a folder of 100,000 files lectern cannot read would make it
megabytes, and no one reads past the first screenful."""


@dataclass
class Report:
    """What one indexing run did."""

    indexed: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    """The first ``LISTED`` files skipped, and why."""
    problems: list[dict[str, str]] = field(default_factory=list)
    """The first ``LISTED`` warnings about files indexed all the same."""
    skipped_total: int = 0
    problems_total: int = 0
    rebuilt: str | None = None
    """Why the index was rebuilt from scratch, if it was."""
    repaired: str | None = None
    """What the start-up check repaired without a rebuild (a catalog behind its index)."""
    documents: int = 0
    seconds: float = 0.0


def sync(
    folder: Path, roots: Sequence[Path], rebuild: bool, emit: Emit, annotations: Path | None = None
) -> Report:
    """Bring the index in ``folder`` up to date with ``roots``; the only writer.

    ``annotations`` is the annotation store's folder: notes and tags are indexed with their document.
    """
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(folder)
    report = Report()
    catalog: Catalog | None = None
    with _collector_paused():  # the check's objects (two per document) live through the run
        listed = CatalogSignatures(folder) if not rebuild else None
        sources, skipped = discover(list(roots))
        notes = Notes(annotations) if annotations is not None else None
        unreadable = proven_unchanged(folder, listed, sources, notes) if listed is not None else None
        if unreadable is not None:
            return _unchanged(
                folder, report, emit, len(sources) - len(unreadable), skipped + unreadable, started
            )
        if rebuild:
            report.rebuilt = "rebuild requested"
        else:
            catalog, report.rebuilt, report.repaired = check_index(folder)
        if catalog is None:
            catalog = wipe(folder)
        plan = make_plan(catalog, sources, skipped, notes)
    report.unchanged = plan.unchanged
    for item in plan.skipped:
        _skip(report, emit, item)
    total_bytes = sum(s.size for s in plan.to_read)
    emit({"event": "start", "total": len(plan.to_read), "bytes": total_bytes, "rebuilt": report.rebuilt})
    writes = bool(plan.to_read or plan.removed)
    progress = _write_changes(folder, plan, report, emit, total_bytes, notes)
    if writes:
        del plan  # the run's files and their batches: not held through the merges
        release_memory()
        _tidy(folder, catalog, emit, progress)
    backend().finish(folder)  # what a fresh searcher's first fuzzy query needs of this commit
    if not catalog.describes(folder):  # the next start-up can trust the index as it stands now
        record(folder, catalog)
    written = report.indexed + report.updated + report.removed
    if report.repaired or written >= max(COMPACT_LEAST, len(catalog) * COMPACT_SHARE):
        compact(folder)
    report.documents = len(catalog)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _unchanged(
    folder: Path, report: Report, emit: Emit, documents: int, skipped: list[Skipped], started: float
) -> Report:
    """The report of a run that found the index holding every file as it is (``proven_unchanged``)."""
    for item in skipped:
        _skip(report, emit, item)
    emit({"event": "start", "total": 0, "bytes": 0, "rebuilt": None})
    backend().finish(folder)
    report.unchanged = report.documents = documents
    report.seconds = round(time.perf_counter() - started, 3)
    return report


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the start-up check (as it was afterwards).

    The check makes two objects per document (its catalog signature, its file found), which
    live as long as the run and make no cycles; the collector, run every few hundred of them,
    would walk all those made so far again and again: some 10% of a check of 100,000 files.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_changes(
    folder: Path, plan: Plan, report: Report, emit: Emit, total_bytes: int, notes: Notes | None
) -> Progress:
    catalog = plan.catalog
    removals = list(plan.removed)
    done, total = 0, len(plan.to_read)
    signatures: dict[str, str] = {}
    pace = Pace()
    progress = Progress(emit, total, total_bytes)
    for batch in _batches(plan.to_read, pace):
        started = time.perf_counter()
        batch_bytes = sum(s.size for s in batch)
        progress.batch(len(batch), batch_bytes)
        docs = _read_batch(_told(batch, progress), catalog, report, emit, notes, removals, signatures)
        if docs or removals:
            last = done + len(batch) >= total
            _commit(folder, catalog, report, docs, removals, notes, signatures, last, progress)
            removals = []
            emit({"event": "commit", "documents": len(catalog)})
        done += len(batch)
        del docs, batch
        release_memory()  # before the next batch's helper is forked from this process
        pace.measured(batch_bytes, time.perf_counter() - started)
        progress.committed()
    if removals:
        _commit(folder, catalog, report, [], removals, None, signatures, True)
    if total or report.removed:
        record(folder, catalog)  # entries touched but not re-indexed
    return progress


def _tidy(folder: Path, catalog: Catalog, emit: Emit, progress: Progress) -> None:
    """Merge the small segments the run's batches left, a commit at a time, each described in
    the catalog at once (the batches' memory and the run's list of files are given back first:
    a merge's memory is on top of what the indexer holds); the reading room's searches get
    faster with each commit."""
    while backend().tidy(folder, progress.merging):
        checkpoint("after-tidy")
        record(folder, catalog)
        emit({"event": "commit", "documents": len(catalog)})


def _commit(
    folder: Path,
    catalog: Catalog,
    report: Report,
    docs: list[Document],
    removals: list[str],
    notes: Notes | None,
    signatures: dict[str, str],
    merge: bool,
    progress: Progress | None = None,
) -> None:
    """One index commit (and the new words in the vocabulary), then the catalog saved as its
    description.

    A document already in the catalog is deleted before it is added again: the catalog is
    proven to list exactly what the index holds, so no document is ever in the index twice.
    """

    entries = {doc.id: Entry.of(doc, signatures.get(doc.id, "")) for doc in docs}
    replaced = [d.id for d in docs if d.id in catalog]
    parallel = sum(len(d.text) for d in docs) >= PARALLEL_BYTES and (os.cpu_count() or 1) > 1
    if progress is not None:
        progress.analysing(len(docs))
    checkpoint("before-commit")
    vocabulary = backend().write(
        folder,
        removals + replaced,
        docs,
        procs=2 if parallel else 1,
        merge=merge,
        notes=notes.of if notes else None,
        records={doc_id: json.dumps(entry.record(), ensure_ascii=False) for doc_id, entry in entries.items()},
        progress=progress.analysed if progress is not None else None,
    )
    checkpoint("after-commit")
    if vocabulary:  # fuzzy terms expand through it: current with every commit, not only at the end
        _merge_vocabulary(folder / VOCABULARY_NAME, vocabulary)
    for doc_id in removals:
        if catalog.drop(doc_id):
            report.removed += 1
    for doc in docs:
        if doc.id in catalog:
            report.updated += 1
        else:
            report.indexed += 1
        catalog.put(entries[doc.id])
    record(folder, catalog)
    checkpoint("after-catalog")


def _read_batch(
    batch: Iterable[SourceFile],
    catalog: Catalog,
    report: Report,
    emit: Emit,
    notes: Notes | None,
    removals: list[str],
    signatures: dict[str, str],
) -> list[Document]:
    """Read a batch: the documents to (re)index; skipped ones already indexed join ``removals``."""
    from tui.core.documents import read_document

    docs: list[Document] = []
    for source in batch:
        doc = read_document(source)
        if isinstance(doc, Skipped):
            _skip(report, emit, doc)
            if source.id in catalog:
                removals.append(source.id)
            continue
        previous = catalog.signatures.get(doc.id)
        signature = signatures[doc.id] = notes.signature(doc.path) if notes else ""
        if previous is not None and previous.sha256 == doc.sha256 and previous.annotations == signature:
            catalog.put(Entry.of(doc, signature))  # touched, not changed: no re-index
            report.unchanged += 1
            continue
        for problem in doc.problems:
            report.problems_total += 1
            if len(report.problems) < LISTED:
                report.problems.append({"path": str(doc.path), "problem": problem})
                emit({"event": "problem", "path": str(doc.path), "problem": problem})
        docs.append(doc)
    return docs


def _told(batch: list[SourceFile], progress: Progress) -> Iterator[SourceFile]:
    """The batch's files one by one, ``progress`` told of each once the reader is done with it
    (its next ``next``), whichever way the reader went on."""
    size = 0
    for read, source in enumerate(batch, 1):
        yield source
        size += source.size
        progress.read(read, size)


class Pace:
    """How much text the next batch takes, so that a commit lands about every ``COMMIT_SECONDS``
    (or every ``COMMIT_SHARE`` of the time indexing has taken so far, when that is longer, up to
    ``COMMIT_SECONDS_MOST``).

    The first batch is small (the first results within a second of a cold start); after each
    commit the rate measured so far (bytes per second of reading, indexing and committing)
    sizes the next, between ``FIRST_BATCH_BYTES`` and ``BATCH_BYTES``. Every commit writes a
    segment with its own term table, a cost that does not shrink with the batch: on a long run
    commits space out a little, so the whole index is not much slower for being searchable early.
    """

    def __init__(self) -> None:
        self.bytes = 0
        self.seconds = 0.0

    def measured(self, size: int, seconds: float) -> None:
        """A batch of ``size`` bytes took ``seconds`` from its first read to its commit."""
        self.bytes += size
        self.seconds += seconds

    def next_batch(self) -> int:
        if not self.bytes or self.seconds <= 0:
            return FIRST_BATCH_BYTES
        interval = min(max(COMMIT_SECONDS, COMMIT_SHARE * self.seconds), COMMIT_SECONDS_MOST)
        wanted = int(self.bytes / self.seconds * interval)
        return max(FIRST_BATCH_BYTES, min(BATCH_BYTES, wanted))


def _batches(sources: list[SourceFile], pace: Pace | None = None) -> Iterator[list[SourceFile]]:
    """Batches of the size ``pace`` asks for (``BATCH_BYTES`` after a smaller first one without
    it); a last batch that would be under a quarter of the one before joins it: each batch is a
    commit and, when large, two segments written in parallel, and a small last one would be
    written alone.

    Each batch is taken off the front of ``sources``: a file read, with the ``Path`` made to
    read it, is not held to the end of a 100,000-file run.
    """
    limit = pace.next_batch() if pace else FIRST_BATCH_BYTES
    remaining = sum(s.size for s in sources)
    while sources:
        size = taken = 0
        for source in sources:
            taken += 1
            size += source.size
            remaining -= source.size
            if size >= limit and (not remaining or remaining >= limit // 4):
                break
        batch = sources[:taken]
        del sources[:taken]
        yield batch
        limit = pace.next_batch() if pace else BATCH_BYTES


def _merge_vocabulary(path: Path, words: set[str]) -> None:
    from tui.core.storage import atomic_write_text

    with contextlib.suppress(OSError):
        words |= set(path.read_text(encoding="utf-8").split())
    atomic_write_text(path, "\n".join(sorted(words)))


def _skip(report: Report, emit: Emit, item: Skipped) -> None:
    report.skipped_total += 1
    if len(report.skipped) < LISTED:
        report.skipped.append({"path": str(item.path), "reason": item.reason})
        emit({"event": "skipped", "path": str(item.path), "reason": item.reason})


@contextlib.contextmanager
def _writer_lock(folder: Path) -> Iterator[None]:
    """One indexer per index at a time; a second one waits, then finds little left to do."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: Whoosh's own write lock still guards the index
        yield
        return
    checkpoint("lock")
    with open(folder / "indexer.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main(argv: Sequence[str] | None = None) -> int:
    """Child-process entry point: JSON lines on stdout, exit 0 unless the run failed."""
    parser = argparse.ArgumentParser(prog="python -m tui.core.indexer")
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--annotations", type=Path, help="the annotation store, indexed with documents")
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    # The parent asks a run to stop with SIGINT (``indexer_client.stop``): it unwinds and lets go
    # of its lock even when lectern was started with SIGINT ignored (a shell's background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if isinstance(sys.stdout, io.TextIOWrapper):
        # A skipped file's name may hold bytes that are not UTF-8 (lone surrogates, as
        # ``os.fsdecode`` gives them), which a UTF-8 locale's stdout refuses, failing the run:
        # escaped, they are JSON's ``\udcxx`` and read back as they were.
        sys.stdout.reconfigure(errors="backslashreplace")

    def emit(event: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    try:
        with _writer_lock(args.index_dir):
            report = sync(args.index_dir, args.paths, args.rebuild, emit, args.annotations)
    except Exception as error:  # reported to the parent, which shows it; never a silent death
        usable = searchable(args.index_dir)  # e.g. a read-only cache: search what is there
        emit({"event": "error", "message": f"{type(error).__name__}: {error}", "index": usable})
        return 1
    emit({"event": "done", **report.__dict__})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
