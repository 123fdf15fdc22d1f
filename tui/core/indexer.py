"""Bring a corpus index up to date, in a child process that is the index's only writer.

Run as ``python -m tui.core.indexer --index-dir DIR [--rebuild] PATH...``; it reports progress
as JSON lines on stdout (see ``Event`` kinds below). A child process keeps indexing off the
interpreter that draws the UI (a thread would starve Textual through the GIL) and avoids
starting multiprocessing from inside a running app. ``run`` is the synchronous client used by
the command line; the UI reads the same lines with an async worker.

The start-up check needs no writer when nothing changed: the catalog (size, mtime, sha256 of
every indexed file) is compared with a fresh discovery. Changed documents are re-indexed in
batches, each committed and recorded in the catalog, so a partial index is searchable early.

Events, one JSON object per line, each with an ``event`` key:
``start`` (total, bytes, rebuilt), ``skipped`` (path, reason), ``problem`` (path, problem),
``progress`` (done, total, bytes, total_bytes), ``commit`` (documents), ``done`` (the report),
``error`` (message, and ``index``: whether the index as it was can still be searched).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core import catalog as catalog_format
from tui.core import formats
from tui.core.annotations import FILE_SUFFIX, AnnotationStore, path_digest
from tui.core.catalog import Catalog, Entry, Signature
from tui.core.discovery import Skipped, SourceFile, discover
from tui.core.documents import Document, read_document
from tui.core.faults import checkpoint
from tui.core.paths import Paths
from tui.core.search import VOCABULARY_NAME, backend
from tui.core.search.types import IndexUnavailable

Emit = Callable[[dict[str, Any]], None]
FIRST_BATCH_BYTES = 1_000_000
"""Small, so the first results are searchable within a second of a cold start."""
BATCH_BYTES = 24_000_000
"""The largest batch: a commit whatever the pace (a fast machine writes fewer, larger segments)."""
COMMIT_SECONDS = 2.0
"""The aim for the time between two commits while indexing: what is searchable grows steadily."""
COMMIT_SHARE = 0.5
COMMIT_SECONDS_MOST = 6.0
"""On a long run, commits come after this share of the time taken so far (at most this many
seconds apart): each commit writes a segment, and Whoosh merges small segments again later, so
commits every 2 s throughout would make a 30,000-document index 1.3 times slower (18 s against
14 s); spaced so, it is searchable from the first second."""
PARALLEL_BYTES = 8_000_000
"""From this much text a batch is split between this process and a forked helper (two segments);
below it, the fork and the extra segment (written, then merged, on its own) cost more than
they save. Paced batches are smaller than this on most machines."""


@dataclass
class Report:
    """What one indexing run did."""

    indexed: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    rebuilt: str | None = None
    """Why the index was rebuilt from scratch, if it was."""
    repaired: str | None = None
    """What the start-up check repaired without a rebuild (a catalog behind its index)."""
    documents: int = 0
    seconds: float = 0.0


@dataclass
class Plan:
    """The difference between the catalog and the files on disk."""

    catalog: Catalog
    to_read: list[SourceFile]
    removed: list[str]
    unchanged: int
    skipped: list[Skipped]


def make_plan(
    catalog: Catalog, sources: list[SourceFile], skipped: list[Skipped], notes: Notes | None = None
) -> Plan:
    """Compare without reading: a file whose path, size, mtime and annotations match is unchanged
    (and, for a converted format, whose indexed text is what the current converter makes of it).

    Per unchanged text file, a dict look-up and ``Signature.matches`` (no ``Path`` is made), so
    the start-up check of 100,000 unchanged files costs little more than listing them.
    """
    signatures = catalog.signatures
    present = {s.id for s in sources}
    removed = [doc_id for doc_id in signatures if doc_id not in present]
    converted = Paths.from_environment().converted
    annotations = notes.signature_at if notes is not None and notes.has_files() else None
    formats_by_suffix: dict[str, bool] = {}
    to_read: list[SourceFile] = []
    for source in sources:
        entry = signatures.get(source.id)
        if entry is None or not entry.matches(source):
            to_read.append(source)
            continue
        location = source.location
        suffix = location[location.rfind(".") :]
        is_converted = formats_by_suffix.get(suffix)
        if is_converted is None:
            is_converted = formats_by_suffix[suffix] = formats.format_of(location) is not None
        if is_converted and not _current(entry, source, converted):
            to_read.append(source)
            continue
        if notes is not None and entry.annotations != (annotations(location) if annotations else ""):
            to_read.append(source)
    unchanged = len(sources) - len(to_read)
    return Plan(catalog, to_read, removed, unchanged, skipped)


def _current(entry: Signature, source: SourceFile, converted: Path) -> bool:
    """Whether the indexed text of a converted file is what the current converter makes of it
    (a new converter version re-indexes the file)."""
    return formats.current_sha256(source.path, source.size, source.mtime_ns, converted) == entry.sha256


class Notes:
    """The user's annotation notes and tags, read (never repaired) from the annotation store."""

    def __init__(self, folder: Path) -> None:
        self.store = AnnotationStore(folder, keep_aside=False)
        self._files = _file_stats(folder)
        """Listed once: most documents have no annotation file, and a stat per document adds up."""

    def has_files(self) -> bool:
        """Whether the store holds any file: if not, every document's signature is ''."""
        return bool(self._files)

    def signature(self, path: Path | str) -> str:
        """Changes whenever the document's annotation file does ('' when it has none)."""
        if not self._files:
            return ""
        found = self._files.get(self.store.file_for(path).name)
        return f"{found[0]}:{found[1]}" if found else ""

    def signature_at(self, location: str) -> str:
        """``signature`` of the document whose path is ``location`` (``str`` of its ``Path``).

        The start-up check asks for every document, and a file name (``AnnotationStore.file_for``:
        a ``Path``, its absolute form, a sha256 and a pattern) costs some 8 µs: 0.8 s for 100,000
        documents as soon as one is annotated. A file name ends with the digest of the absolute
        path, so for an absolute ``location`` (its own absolute form) the digest alone (1 µs)
        rules out the documents no file names; the others are asked as ``signature`` asks.
        """
        if not self._files:
            return ""
        if os.path.isabs(location) and path_digest(location) not in self._digests:
            return ""
        return self.signature(location)

    @functools.cached_property
    def _digests(self) -> frozenset[str]:
        """The path digests that end the names of the store's files (``name-<digest>.yaml``)."""
        tail, digest = len(FILE_SUFFIX), len(path_digest(""))
        return frozenset(
            name[-tail - digest : -tail]
            for name in self._files
            if name.endswith(FILE_SUFFIX) and len(name) > tail + digest
        )

    def of(self, doc: Document) -> tuple[str, tuple[str, ...]]:
        """The notes (one text) and the tags of a document's annotations."""
        found = self.store.load(doc.path)
        if found is None:
            return "", ()
        notes = "\n".join(a.note for a in found.annotations if a.note)
        return notes, tuple(dict.fromkeys(t for a in found.annotations for t in a.tags))


def _file_stats(folder: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of each file in ``folder`` by name; empty when it cannot be read."""
    found: dict[str, tuple[int, int]] = {}
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                stat = entry.stat()
                found[entry.name] = (stat.st_mtime_ns, stat.st_size)
    return found


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
        if rebuild:
            report.rebuilt = "rebuild requested"
        else:
            catalog, report.rebuilt, report.repaired = check_index(folder)
        if catalog is None:
            catalog = wipe(folder)
        sources, skipped = discover(list(roots))
        notes = Notes(annotations) if annotations is not None else None
        plan = make_plan(catalog, sources, skipped, notes)
    report.unchanged = plan.unchanged
    for item in plan.skipped:
        _skip(report, emit, item)
    total_bytes = sum(s.size for s in plan.to_read)
    emit({"event": "start", "total": len(plan.to_read), "bytes": total_bytes, "rebuilt": report.rebuilt})
    _write_changes(folder, plan, report, emit, total_bytes, notes)
    if not catalog.describes(folder):  # the next start-up can trust the index as it stands now
        _record(folder, catalog)
    report.documents = len(catalog)
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


def check_index(folder: Path) -> tuple[Catalog | None, str | None, str | None]:
    """The catalog proven to describe the index in ``folder``: (catalog, None, repair note); or
    (None, why the index must be rebuilt, None).

    Cheap when nothing changed: one ``stat`` per index file, no Whoosh. Otherwise the index is
    opened, files the catalog knows are checked byte for byte (CRC), files of interrupted runs
    are deleted, and the entries are read back from the documents the index holds (a run killed
    after a commit left the catalog behind; an outside copy may have replaced the index).
    """
    if not (folder / backend().folder).exists():
        had_one = (folder / catalog_format.CATALOG_NAME).exists()
        return None, "index folder missing" if had_one else "no index yet", None
    try:
        catalog = Catalog.read(folder, write=True)
    except FileNotFoundError:
        return None, "index catalog missing or damaged", None
    except Exception as error:  # any failure to believe it (sqlite3, a CRC, a value): set aside, rebuilt
        if catalog_format.busy(error):
            raise  # not damage: this run fails, and the index is searched as it is
        catalog_format.set_aside(folder)
        return None, "index catalog missing or damaged", None
    version = backend().schema_version
    if catalog.schema != version:
        return None, f"index format changed (version {catalog.schema} -> {version})", None
    if catalog.describes(folder):
        return catalog, None, None

    try:
        backend().collect_garbage(folder)
        backend().check(folder)
        stored = backend().stored_entries(folder)
    except IndexUnavailable as error:
        return None, f"index was unreadable ({error})", None
    files = catalog.files or {}
    known = [name for name in catalog_format.index_stats(folder) if name in files]
    problem = catalog_format.verify_files(folder, files, known)
    if problem is not None:
        return None, f"index was unreadable ({problem})", None
    entries = _entries_of(stored)
    if entries is None:
        return None, "index was unreadable (a document was indexed twice)", None
    note = None
    try:
        same = entries == catalog.entries
    except (catalog_format.CatalogDamaged, sqlite3.Error):  # a damaged row: the index's records win
        same = False
    if not same:
        note = f"catalog rebuilt from the index ({len(entries)} documents; a run was interrupted)"
        catalog.replace(entries)
    _record(folder, catalog)
    return catalog, None, note


def _entries_of(stored: list[tuple[str, str]]) -> dict[str, Entry] | None:
    """Catalog entries from the index's stored records; None when an id is there twice or a
    record cannot be read."""
    entries: dict[str, Entry] = {}
    for doc_id, record in stored:
        if doc_id in entries:
            return None
        try:
            fields = json.loads(record)
            entries[doc_id] = Entry(id=doc_id, **{**fields, "tags": tuple(fields["tags"])})
        except (ValueError, TypeError, KeyError):
            return None
    return entries


def wipe(folder: Path) -> Catalog:
    """An empty index and catalog. The catalog goes first: a run killed half-way through never
    leaves a catalog that claims documents over a wiped index."""

    catalog_format.remove(folder)
    checkpoint("wipe")
    (folder / VOCABULARY_NAME).unlink(missing_ok=True)
    backend().create(folder)
    catalog = Catalog(backend().schema_version, {})
    _record(folder, catalog)
    return catalog


def _record(folder: Path, catalog: Catalog) -> None:
    """Save the catalog as the description of the index's current generation and files."""
    catalog.generation = catalog_format.toc_generation(folder)
    catalog.files = catalog_format.index_files(folder, catalog.files)
    catalog.save(folder)


def remove_stale_temp_files(folder: Path) -> None:
    """Temp files of a killed run (the indexer holds the writer lock: none is in use)."""
    for sub in (folder, folder / backend().folder):
        with contextlib.suppress(OSError):
            for path in sub.iterdir():
                if not path.name.endswith(".tmp"):
                    continue
                if path.is_dir():  # Whoosh's own temp folder
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


def _write_changes(
    folder: Path, plan: Plan, report: Report, emit: Emit, total_bytes: int, notes: Notes | None
) -> None:
    catalog = plan.catalog
    removals = list(plan.removed)
    done = done_bytes = 0
    signatures: dict[str, str] = {}
    pace = Pace()
    for batch in _batches(plan.to_read, pace):
        started = time.perf_counter()
        docs = _read_batch(batch, catalog, report, emit, notes, removals, signatures)
        if docs or removals:
            last = done + len(batch) >= len(plan.to_read)
            _commit(folder, catalog, report, docs, removals, notes, signatures, last)
            removals = []
            emit({"event": "commit", "documents": len(catalog)})
        batch_bytes = sum(s.size for s in batch)
        pace.measured(batch_bytes, time.perf_counter() - started)
        done += len(batch)
        done_bytes += batch_bytes
        emit(
            {
                "event": "progress",
                "done": done,
                "total": len(plan.to_read),
                "bytes": done_bytes,
                "total_bytes": total_bytes,
            }
        )
    if removals:
        _commit(folder, catalog, report, [], removals, None, signatures, True)
    if plan.to_read or report.removed:
        _record(folder, catalog)  # entries touched but not re-indexed


def _commit(
    folder: Path,
    catalog: Catalog,
    report: Report,
    docs: list[Document],
    removals: list[str],
    notes: Notes | None,
    signatures: dict[str, str],
    merge: bool,
) -> None:
    """One index commit (and the new words in the vocabulary), then the catalog saved as its
    description.

    A document already in the catalog is deleted before it is added again: the catalog is
    proven to list exactly what the index holds, so no document is ever in the index twice.
    """

    entries = {doc.id: Entry.of(doc, signatures.get(doc.id, "")) for doc in docs}
    replaced = [d.id for d in docs if d.id in catalog]
    parallel = sum(len(d.text) for d in docs) >= PARALLEL_BYTES and (os.cpu_count() or 1) > 1
    checkpoint("before-commit")
    vocabulary = backend().write(
        folder,
        removals + replaced,
        docs,
        procs=2 if parallel else 1,
        merge=merge,
        notes=notes.of if notes else None,
        records={doc_id: json.dumps(entry.record(), ensure_ascii=False) for doc_id, entry in entries.items()},
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
    _record(folder, catalog)
    checkpoint("after-catalog")


def _read_batch(
    batch: list[SourceFile],
    catalog: Catalog,
    report: Report,
    emit: Emit,
    notes: Notes | None,
    removals: list[str],
    signatures: dict[str, str],
) -> list[Document]:
    """Read a batch: the documents to (re)index; skipped ones already indexed join ``removals``."""
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
            report.problems.append({"path": str(doc.path), "problem": problem})
            emit({"event": "problem", "path": str(doc.path), "problem": problem})
        docs.append(doc)
    return docs


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
    written alone."""
    batch: list[SourceFile] = []
    size = 0
    limit = pace.next_batch() if pace else FIRST_BATCH_BYTES
    remaining = sum(s.size for s in sources)
    for source in sources:
        batch.append(source)
        size += source.size
        remaining -= source.size
        if size >= limit and (not remaining or remaining >= limit // 4):
            yield batch
            batch, size = [], 0
            limit = pace.next_batch() if pace else BATCH_BYTES
    if batch:
        yield batch


def _merge_vocabulary(path: Path, words: set[str]) -> None:
    from tui.core.storage import atomic_write_text

    with contextlib.suppress(OSError):
        words |= set(path.read_text(encoding="utf-8").split())
    atomic_write_text(path, "\n".join(sorted(words)))


def _skip(report: Report, emit: Emit, item: Skipped) -> None:
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

    def emit(event: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    try:
        with _writer_lock(args.index_dir):
            report = sync(args.index_dir, args.paths, args.rebuild, emit, args.annotations)
    except Exception as error:  # reported to the parent, which shows it; never a silent death
        usable = Catalog.load(args.index_dir) is not None  # e.g. a read-only cache: search what is there
        emit({"event": "error", "message": f"{type(error).__name__}: {error}", "index": usable})
        return 1
    emit({"event": "done", **report.__dict__})
    return 0


def command(
    index_dir: Path, paths: Sequence[Path], rebuild: bool = False, annotations: Path | None = None
) -> list[str]:
    """The argv that starts the indexer child process.

    Not ``-m tui.core.indexer``: that puts the current folder first on the child's path, so a
    ``tui.py`` or ``tui/`` where the user runs lectern would be imported instead of lectern.
    """
    argv = [sys.executable, "-c", _CHILD_BOOT, _package_root(), "--index-dir", str(index_dir)]
    if rebuild:
        argv.append("--rebuild")
    if annotations is not None:
        argv += ["--annotations", str(annotations)]
    return argv + [str(p) for p in paths]


_CHILD_BOOT = (
    "import sys; sys.path[:] = [sys.argv.pop(1)] + [p for p in sys.path if p]; "
    "from tui.core.indexer import main; raise SystemExit(main())"
)
"""The child's path starts with the folder that holds this ``tui`` package (its first argument),
and drops the current folder (``''``, which ``-c`` puts first)."""


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])  # tui/core/indexer.py -> the folder holding tui/


def parse_event(line: str) -> dict[str, Any] | None:
    """One line of the child's output as an event, or None for anything else."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


GRACE_SECONDS = 5.0
"""How long a child asked to stop (SIGINT) may take to let go of its locks before it is killed."""


def run(
    index_dir: Path, paths: Sequence[Path], rebuild: bool = False, annotations: Path | None = None
) -> Generator[dict[str, Any], None, None]:
    """Run the indexer child process and yield its events; ends with ``done`` or ``error``.

    Closing the generator early (or an exception in the caller) stops the child: it never
    outlives the run that started it.
    """
    import subprocess  # only the parent runs the child

    with subprocess.Popen(
        command(index_dir, paths, rebuild, annotations),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        finished = False
        try:
            for line in child.stdout:
                event = parse_event(line)
                if event is not None:
                    finished = finished or event["event"] in ("done", "error")
                    yield event
        finally:
            if not finished or child.poll() is None:
                stop(child)
        errors = child.stderr.read()
        code = child.wait()
    if not finished:
        detail = errors.strip().splitlines()[-1] if errors.strip() else f"exit code {code}"
        yield {"event": "error", "message": f"indexer stopped unexpectedly: {detail}"}


def stop(child: Any) -> None:
    """Stop a child indexer. A Ctrl-C at a terminal reached it too, so first it has a moment to
    stop by itself; then it gets SIGINT, so it unwinds and lets go of its locks; it is killed
    after ``GRACE_SECONDS``, or at once on a second Ctrl-C."""
    import signal
    import subprocess

    steps = ((None, 0.25), (signal.SIGINT if os.name == "posix" else signal.SIGTERM, GRACE_SECONDS))
    try:
        for signum, seconds in steps:
            if signum is not None:
                child.send_signal(signum)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=seconds)
                return
    except BaseException:  # a second Ctrl-C: no more waiting
        pass
    child.kill()
    child.wait()


if __name__ == "__main__":
    raise SystemExit(main())
