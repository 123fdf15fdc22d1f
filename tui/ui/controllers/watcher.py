"""Watching the corpus while the reading room is open: bursts of changes become messages.

``FileWatcher`` is composed by the main screen like the other controllers. It runs watchfiles
(the Rust notify crate: inotify, FSEvents, ReadDirectoryChangesW) in a child process
(``tui.core.watch_process``: its setup holds the interpreter's lock for as long as it takes to
walk the corpus), read by a thread of its own; once the folders have been quiet for
``QUIET_MS`` (or after ``LONGEST_MS`` of steady change), the burst is folded by
``tui.core.watching.coalesce`` and posted as one ``FilesChanged``: an editor's save (several
events) or a checkout (hundreds) is one batch. The screen surveys a batch in a worker
(``survey``: a stat per path, the text documents read for their title and date) and hands the
result back here (``apply``): the listing is updated in place, only for the paths that changed,
and the screen asks the indexer once per batch. One survey runs at a time; bursts that arrive
meanwhile wait, merged (``take``, ``next``), so results land in the order the changes happened.

A plain thread, not a Textual worker: the watcher lives as long as the screen, and a worker that
never ends would keep ``workers.wait_for_complete()`` (how tests and benchmarks let the app
settle) from returning. ``stop`` sets its event and closes the child's input (the child stops
within ``QUIET_MS``), and waits for the thread: nothing posts to a closed event loop after the app
quit, and no child outlives it.

Roots that cannot be watched (the inotify watch limit, a folder that went away) are reported
once, and the app carries on unwatched. A name that is not UTF-8 costs the child a burst, not its
watch (it watches again): it says so, and the screen answers the ``FilesMissed`` with the indexer's
check of the whole corpus (``IndexerClient.request``), whose commits bring the listing up to date.
``LECTERN_WATCH=0`` (or ``enabled=False``) turns watching off; the test suite does so unless a
test is about watching.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.screen import Screen

from tui.core import formats, watch_process
from tui.core.catalog import Entry
from tui.core.discovery import Skipped, SourceFile
from tui.core.library import Library
from tui.core.watching import Batch, Kind, Watched, coalesce, resolve, updates
from tui.ui.controllers.listing import Corpus, Listed, listed, placeholder, update_entries
from tui.ui.messages import FilesChanged, FilesMissed, FilesSurveyed, WatchFailed

if TYPE_CHECKING:
    from tui.core.documents import Document

WATCH_VARIABLE = "LECTERN_WATCH"
"""``0`` (or ``false``, ``no``, ``off``) turns watching off."""
QUIET_MS = 200
"""A burst ends when the folders have been quiet this long (watchfiles' ``step``)."""
LONGEST_MS = 2_000
"""A burst that goes on (a long checkout) is handed over after this long anyway."""
READ_AT_MOST = 200
"""Text documents a survey reads for their title and date; beyond that (a large checkout) the rest
are listed by name until the indexer has read them."""
STOP_SECONDS = 2.0
"""How long ``stop`` waits for the watching thread (it notices the stop within ``QUIET_MS``)."""
_KINDS: dict[int, Kind] = {1: "added", 2: "modified", 3: "deleted"}  # watchfiles.Change's values


def enabled_by_environment(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``LECTERN_WATCH`` leaves watching on (it is on unless set to 0, false, no, off)."""
    value = (os.environ if environ is None else environ).get(WATCH_VARIABLE, "")
    return value.strip().lower() not in {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Applied:
    """What a surveyed batch meant for the screen."""

    changed: bool = False
    """Files of the corpus changed, came or went: the index has to catch up."""
    reload: str | None = None
    """The id of the document to read again into the reader: the open one changed, or moved there."""
    notice: str | None = None
    """What to tell the user (the open document's file went, or moved)."""


class FileWatcher:
    """Watches one screen's corpus and turns what changed into updates of its listing."""

    def __init__(
        self, screen: Screen[Any], library: Library, corpus: Corpus, enabled: bool | None = None
    ) -> None:
        self._screen = screen
        self._library = library
        self.corpus = corpus
        self.enabled = enabled_by_environment() if enabled is None else enabled
        """Whether ``start`` watches (``LECTERN_WATCH``, unless the screen was told)."""
        self.batches = 0
        """Bursts handed to the screen so far."""
        self.failure: str | None = None
        """Why watching stopped, once it did."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._children: list[Any] = []
        """The watching child processes started (``tui.core.watch_process``)."""
        self._children_lock = threading.Lock()
        self._busy = False
        self._waiting: Batch | None = None

    @property
    def watching(self) -> bool:
        """Whether the watching thread is running."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def busy(self) -> bool:
        """Whether a batch is being surveyed (or applied)."""
        return self._busy

    # ------------------------------------------------------------------ the watching thread

    def start(self) -> None:
        """Start watching the corpus's roots (nothing when watching is off, or already on)."""
        if not self.enabled or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="lectern-watch", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Stop watching and wait until the thread has ended."""
        self._stop.set()
        with self._children_lock:
            for child in self._children:
                self._close(child)
        thread = self._thread
        if thread is not None and thread.is_alive():
            await asyncio.to_thread(thread.join, STOP_SECONDS)

    def _run(self) -> None:
        paths = self._library.paths
        watched = Watched.of(self._library.inputs, (paths.cache, paths.data, paths.config))
        recursive, alone = watched.watch_paths()
        # A root that is a file is watched through its folder, alone (not its subfolders); a
        # second watcher, since watchfiles' ``recursive`` is one setting for all its paths.
        second = None
        if recursive and alone:
            second = threading.Thread(target=self._watch, args=(watched, alone, False), daemon=True)
            second.start()
        try:
            self._watch(watched, recursive or alone, bool(recursive))
        finally:
            if second is not None:
                second.join()

    def _watch(self, watched: Watched, roots: list[str], recursive: bool) -> None:
        import subprocess  # in this thread, not before the first paint
        import tempfile

        roots = [r for r in roots if os.path.exists(r)]  # a missing root is reported by the indexer
        if not roots:
            return
        # Its errors go to a file, not a pipe: a pipe nobody reads until the end could fill and
        # stop the child.
        with tempfile.TemporaryFile() as errors:
            try:
                child = subprocess.Popen(
                    watch_process.command(watched, roots, recursive, LONGEST_MS, QUIET_MS),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    encoding="utf-8",
                    errors="replace",
                )
            except OSError as error:
                self._post(WatchFailed(watch_process.failure_reason(error)))
                return
            with child:  # its pipes closed, and waited for, however this ends
                with self._children_lock:
                    self._children.append(child)
                if self._stop.is_set():  # stopped while it started: ``stop`` may have missed it
                    self._close(child)
                try:
                    failed = self._read(child, watched)
                finally:
                    self._close(child)
                    try:
                        child.wait(STOP_SECONDS)
                    except subprocess.TimeoutExpired:
                        child.kill()
            if failed is None and not self._stop.is_set():  # it ended unasked, and said nothing
                errors.seek(0)
                said = errors.read().decode("utf-8", "replace").strip().splitlines()
                failed = f"the watcher ended ({said[-1] if said else f'exit status {child.returncode}'})"
            if failed is not None and not self._stop.is_set():
                self._post(WatchFailed(failed))

    def _read(self, child: Any, watched: Watched) -> str | None:
        """Post the child's bursts as batches until it ends; why it failed, if it said."""
        failed = None
        for line in child.stdout:
            changes, said, missed = watch_process.parse(line)
            failed = failed or said
            if missed:
                self._post(FilesMissed())
            if changes:
                batch = coalesce(((_KINDS.get(kind, "modified"), path) for kind, path in changes), watched)
                if batch:
                    self._post(FilesChanged(batch))
        return failed

    @staticmethod
    def _close(child: Any) -> None:
        """Close the child's input: it stops within ``QUIET_MS``."""
        with contextlib.suppress(OSError):
            child.stdin.close()

    def _post(self, message: Message) -> None:
        with contextlib.suppress(RuntimeError):  # the app's loop is closing
            self._screen.post_message(message)

    # ------------------------------------------------------------------ on the UI thread

    def failed(self, reason: str) -> str | None:
        """Watching stopped for ``reason``: what to tell the user, the first time only."""
        if self.failure is not None:
            return None
        self.failure = reason
        return f"Not watching the folders for changes: {reason}"

    def take(self, batch: Batch) -> Batch | None:
        """A burst came: the batch to survey now, or None while another is being surveyed (then
        it waits, merged with any other that came meanwhile)."""
        self.batches += 1
        if self._busy:
            self._waiting = batch if self._waiting is None else self._waiting.merged(batch)
            return None
        self._busy = True
        return batch

    def next(self) -> Batch | None:
        """A survey was applied: the batch that waited meanwhile, to survey now, if any."""
        batch, self._waiting = self._waiting, None
        self._busy = batch is not None
        return batch

    def apply(self, message: FilesSurveyed, open_document: Document | None) -> Applied:
        """Update the listing with a survey; say what it means for the open document."""
        corpus = self.corpus
        before = corpus.entries
        _, dropped = updates({e.id: e.path for e in before.values()}, message.found)
        dropped = [*dropped, *(i for i in message.unreadable if i in before)]
        changed = update_entries(corpus, message.entries, dropped)
        if open_document is None:
            return Applied(changed)
        doc_id = open_document.id
        fresh = {e.id: e for e in message.entries}
        if doc_id in fresh and doc_id not in dropped:
            same = message.sha256.get(doc_id) == open_document.sha256
            return Applied(changed, None if same else doc_id)
        if doc_id not in dropped:
            return Applied(changed)
        moved = [
            i
            for i, sha in message.sha256.items()
            if sha == open_document.sha256 and i not in before and i != doc_id
        ]
        if moved:
            notice = f"{open_document.title} moved to {fresh[moved[0]].path}"
            return Applied(changed, moved[0], notice)
        notice = f"{open_document.title} is no longer on disk ({open_document.path}): showing it as it was"
        return Applied(changed, None, notice)

    # ------------------------------------------------------------------ in the screen's worker

    def survey(self, batch: Batch) -> FilesSurveyed:
        """What the paths of ``batch`` are on disk now, as list entries (runs in a worker)."""
        paths = self._library.paths
        watched = Watched.of(self._library.inputs, (paths.cache, paths.data, paths.config))
        found = resolve(batch, watched)
        entries: list[Listed] = []
        unreadable: list[str] = []
        hashes: dict[str, str] = {}
        for count, source in enumerate(found.present):
            known = self.corpus.entries.get(source.id)  # one lookup: the UI thread may replace the dict
            entry, sha256 = entry_for(source, known, read=count < READ_AT_MOST)
            if entry is None:
                unreadable.append(source.id)
                continue
            entries.append(entry)
            if sha256:
                hashes[source.id] = sha256
        return FilesSurveyed(found, entries, unreadable, hashes)


def entry_for(source: SourceFile, known: Listed | None, read: bool) -> tuple[Listed | None, str]:
    """The list entry of a file found changed, and its text's sha256 ('' when it was not read);
    None when it is not a readable document (any more).

    A text document is read (with ``read``): its row shows its title and date at once. A
    converted one (EPUB, HTML, PDF) is not: a conversion is the indexer's work, in its own process,
    and its row keeps what it showed until then. A row that was not indexed still says so.
    """
    indexed = known is not None and known.indexed
    if read and formats.format_of(source.path) is None:
        from tui.core.documents import read_document  # in a worker, when a file changes

        doc = read_document(source)
        if isinstance(doc, Skipped):
            return None, ""
        return listed(Entry.of(doc))._replace(indexed=indexed), doc.sha256
    if known is not None:
        return known._replace(path=str(source.path)), ""
    return placeholder(source), ""
