"""Reading the catalog into the reading room: the first screenful, then every entry.

The first screenful (a count and a window of rows) is read on a thread of its own from the moment
the screen is made, so the titles are in the first frame; every entry is read in a worker once
that frame is out (building 100,000 of them holds the GIL for about a second), sorted in the list's
order there, and read again, by the rows each save changed, after each indexer commit. A corpus
with no catalog yet is listed from its file names (``discover_entries``) until the indexer's
commits give the real titles. Nothing here touches a widget: the screen is given
``CatalogLoaded`` messages and hands them back to ``loaded``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from tui.core.library import Library
from tui.ui.collector import freeze_long_lived
from tui.ui.controllers.indexer import IndexerClient
from tui.ui.controllers.listing import Corpus, discover_entries, early, merge_entries
from tui.ui.controllers.search import SearchController
from tui.ui.messages import CatalogLoaded

FIRST_FRAME_WAIT = 2.0
"""Seconds the whole catalog's read waits for the first frame at most."""


class CatalogLoader:
    """The catalog, read for one screen: its first screenful at once, every entry after the
    first frame, the rows each commit changed after that."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        corpus: Corpus,
        searching: SearchController,
        indexer: IndexerClient,
        listed: Callable[[], None],
    ) -> None:
        self._screen = screen
        self._library = library
        self._corpus = corpus
        self._searching = searching
        self._indexer = indexer
        self._listed = listed
        """Called when every entry is listed (the document to open first may be there now)."""
        self._painted = threading.Event()
        """Set after the first frame (the catalog is read whole only then)."""
        self._first_rows = early(corpus.catalog_reader(library).first_screen, searching.sort)
        """The catalog's first screenful, read while the screen is built (SQLite lets go of the
        GIL as it reads): listed in the first frame rather than the one after."""

    def start(self) -> None:
        """List the first screenful if it is read already, and read the rest (as the screen
        mounts, before its first frame)."""
        first = self._first_rows.result() if self._first_rows.done() else None
        if first is not None and first.count and not self._corpus.entries:
            self._corpus.first_screen = first
            self._searching.show_first_screen(first)
        self.load(discover_if_missing=True)

    def painted(self) -> None:
        """The first frame is out: every entry may be read now."""
        self._painted.set()

    def load(self, discover_if_missing: bool = False) -> None:
        """Read the catalog in a worker (a newer read cancels an older one): every entry, or
        the rows changed since the last read; the file names when there is no catalog yet."""
        self._screen.run_worker(
            lambda: self._load(discover_if_missing), thread=True, exclusive=True, group="catalog"
        )

    def _load(self, discover_if_missing: bool) -> None:
        corpus, post = self._corpus, self._screen.post_message
        reader = corpus.catalog_reader(self._library)
        if discover_if_missing and not corpus.entries and corpus.first_screen is None:
            # The first screenful at once: the first paint waits on a window of rows, whatever
            # the corpus's size; every entry follows (the palette, links and the watcher need them).
            first = self._first_rows.result()
            if first is not None and first.count:
                corpus.first_screen = first
                post(CatalogLoaded(first.entries, partial=True, total=first.count))
        if discover_if_missing:
            self._painted.wait(FIRST_FRAME_WAIT)
        read = reader.read()
        if read.damaged is not None and reader.repair():
            damaged = f"The index catalog was damaged ({read.damaged}): rebuilding"
            self._screen.app.call_from_thread(self._screen.notify, damaged)
            self._screen.app.call_from_thread(self._indexer.start, True)
        indexing = corpus.indexing
        if read.entries:
            # Unchanged since it was listed whole, and still listed so: nothing to do (an indexer
            # run that found nothing to change, on 100,000 documents, costs no re-listing).
            if read.fresh or indexing or corpus.entries is not corpus.settled:
                # Listed as it is (unless it is merged over files listed before): sorted here,
                # not on the UI thread (0.15 s at 100,000 documents).
                corpus.order(self._searching.sort, read.entries)
                post(CatalogLoaded(read.entries, partial=indexing))
        elif discover_if_missing:
            post(CatalogLoaded(discover_entries(self._library), partial=True))
        elif read.entries is not None:  # indexed, and nothing readable: the placeholders listed go
            post(CatalogLoaded([], partial=indexing))

    def loaded(self, message: CatalogLoaded) -> None:
        """A read came back (on the UI thread): list it."""
        corpus = self._corpus
        if message.total is not None:  # the first screenful: listed while the rest is read
            if not corpus.entries and corpus.first_screen is not None:
                self._searching.show_first_screen(corpus.first_screen)
            return
        corpus.first_screen = None  # its rows read the catalog file: every entry is here now
        merge_entries(corpus, message.entries, message.partial)
        if not message.partial:
            freeze_long_lived()
        self._indexer.show_status()
        self._searching.catalog_changed()
        self._listed()
