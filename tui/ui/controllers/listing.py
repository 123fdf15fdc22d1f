"""What the reading room knows of the corpus, and the list rows made from it.

``Corpus`` is the state the search, the list and the annotation counts share: every document by
id, whether the indexer is running, whether an index answers, and the annotation counts and tags
per document. The functions turn it (or a search's results) into ``DocumentList`` rows, and list
the files of a corpus no index holds yet. Browsing rows are a ``RowSource`` made when shown:
100,000 documents are one sorted list of entries, not 100,000 rows.

``CatalogReader`` reads the catalog database for the screen, once: the first screenful (its
count and a window of rows, which ``CatalogRows`` lists before anything else is read), then
every entry, then after each indexer commit only the rows that save changed. Nothing here
touches a widget; the disk is read only in the screen's workers (``CatalogReader.read``,
``discover_entries``) and, for rows scrolled to before the whole catalog is read, a query of a
window.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tui.core.catalog import CATALOG_NAME, COLUMN, CatalogDamaged, Entry, OlderFormat, share
from tui.core.catalog_view import View
from tui.core.discovery import EXTENSIONS, SourceFile, discover
from tui.core.library import Library
from tui.core.search import Results
from tui.ui.collector import freeze_read
from tui.ui.widgets.document_list import Row, RowSource


class Listed(NamedTuple):
    """A document as the list knows it: what its row shows, and where its file is. Kept for
    every document (100,000 of them), so nothing more: the catalog holds the rest (sha256, size,
    language ...), a third of the memory again."""

    id: str
    path: str
    title: str
    date: str
    byline: str
    """The author (a book or a page names one), else the source (notes name theirs)."""
    words: int
    indexed: bool
    """False for a file found on disk that no index holds yet (``placeholder``)."""


_ID, _PATH, _TITLE, _DATE, _SOURCE, _WORDS, _AUTHOR = (
    COLUMN[name] for name in ("id", "path", "title", "date", "source", "words", "author")
)


def listed_values(values: tuple[Any, ...]) -> Listed:
    """What the list keeps of a catalog row's values (``View.changed_values``)."""
    byline = share(values[_AUTHOR] or values[_SOURCE])
    return Listed(
        values[_ID], values[_PATH], values[_TITLE], share(values[_DATE]), byline, values[_WORDS], indexed=True
    )


def listed(entry: Entry) -> Listed:
    """What the list keeps of a catalog entry."""
    return Listed(
        entry.id, entry.path, entry.title, entry.date, entry.author or entry.source, entry.words, indexed=True
    )


READ_PAGE = 2_000
"""Catalog rows read between two looks at whether a search is running (some 20 ms of work)."""
SEARCH_PAUSE = 1.0
"""Longest the catalog's read waits for one search before reading on (a search is far quicker)."""
TYPING_PAUSE = 0.3
"""Seconds after a key in the search box during which the catalog's read waits: the debounce and
the search that follows it, and the keys' own echo, come first."""


class Searches:
    """The query being typed and the searches running now. The catalog's whole read (100,000
    rows: a second or more of the GIL) stops between pages while a key was typed a moment ago
    or a search runs, so a query typed as lectern starts is answered as quickly as later ones,
    and the list is complete a little later."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._idle = threading.Event()
        self._idle.set()
        self._typed_at = -TYPING_PAUSE

    def typed(self) -> None:
        """A key changed the search box (on the UI thread)."""
        self._typed_at = time.monotonic()

    def begin(self) -> None:
        with self._lock:
            self._running += 1
            self._idle.clear()

    def end(self) -> None:
        with self._lock:
            self._running = max(self._running - 1, 0)
            if not self._running:
                self._idle.set()

    def wait(self, timeout: float = SEARCH_PAUSE) -> None:
        """Return once no key was typed for ``TYPING_PAUSE`` and no search runs, or after
        ``timeout`` seconds."""
        until = time.monotonic() + timeout
        while (typing := self._typed_at + TYPING_PAUSE - time.monotonic()) > 0 and time.monotonic() < until:
            time.sleep(max(min(typing, until - time.monotonic()), 0))
        self._idle.wait(max(until - time.monotonic(), 0))


@dataclass
class Corpus:
    """The corpus as the reading room currently knows it."""

    entries: dict[str, Listed] = field(default_factory=dict)
    """Every document of the corpus, by id."""
    indexing: bool = False
    """Whether the indexer child is running."""
    index_ready: bool = False
    """Whether an index answers searches (a commit or a finished run has been seen)."""
    counts: dict[str, int] = field(default_factory=dict)
    """Annotations per document id."""
    tags: dict[str, set[str]] = field(default_factory=dict)
    """Annotation tags per document id."""
    tag_filter: str | None = None
    """When set, browsing lists only the documents with an annotation carrying this tag."""
    vanished: set[str] = field(default_factory=set)
    """Ids whose files the watcher saw go since the index last caught up: a catalog read while
    indexing may still hold them, and must not list them again."""
    catalog: CatalogReader | None = field(default=None, repr=False, compare=False)
    """The catalog database, read once and then by the rows each save changed."""
    first_screen: FirstScreen | None = field(default=None, repr=False, compare=False)
    """The catalog's first window, listed before the whole catalog is read."""
    orders: dict[str, tuple[dict[str, Listed], list[Listed]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Per sort, the entries dict last put in that order and its order: sorting 100,000 entries
    takes 0.1-0.15 s, too long to do again on the UI thread each time the list is browsed."""
    searches: Searches = field(default_factory=Searches, repr=False, compare=False)
    """The searches running now (the catalog's whole read gives way to them)."""
    settled: dict[str, Listed] | None = field(default=None, repr=False, compare=False)
    """``entries`` as a whole catalog's merge left them: while they still are, and the catalog
    has not changed, reading it again changes nothing."""

    def catalog_reader(self, library: Library) -> CatalogReader:
        """The reader of the corpus's catalog (made on first use)."""
        if self.catalog is None:
            self.catalog = CatalogReader(library, self.searches.wait)
        return self.catalog

    @property
    def empty(self) -> bool:
        """Indexed, and nothing to search (an empty folder, or only skipped files); not while
        only the first screenful is listed (a large catalog is still being read whole)."""
        listed = bool(self.entries) or (self.first_screen is not None and self.first_screen.count > 0)
        return not listed and self.index_ready and not self.indexing

    def order(self, sort: str, entries: dict[str, Listed] | None = None) -> list[Listed]:
        """``entries`` (the corpus's, by default) in the list's order ``sort``: sorted once per
        entries dict (every change makes a new one), whichever thread asks first. A worker that
        read the catalog asks for its dict, so the UI thread finds it sorted when it lists it."""
        entries = self.entries if entries is None else entries
        sort = "title" if sort == "title" else "date"  # browsing has no relevance: newest first
        known = self.orders.get(sort)
        if known is not None and known[0] is entries:
            return known[1]
        ordered = list(entries.values())
        if sort == "title":
            ordered.sort(key=lambda e: (e.title.casefold(), e.id))
        else:
            ordered.sort(key=lambda e: (e.date, e.title.casefold(), e.id), reverse=True)
        self.orders[sort] = (entries, ordered)
        return ordered

    def known_tags(self) -> list[str]:
        """Every annotation tag used in the corpus, sorted as people read them."""
        return sorted({t for tags in self.tags.values() for t in tags}, key=str.casefold)

    def no_documents(self, library: Library) -> str:
        """What an empty corpus lists: still looking, or where nothing readable was found."""
        where = ", ".join(str(p) for p in library.inputs)
        if self.indexing:
            return f"Looking for documents in {where}…"
        return f"No documents in {where}: lectern reads {', '.join(sorted(EXTENSIONS))} files."


def browse_rows(corpus: Corpus, sort: str) -> BrowseRows:
    """Every document (or those with the filtered tag), newest first or by title."""
    entries = corpus.order(sort)
    if corpus.tag_filter:
        entries = [e for e in entries if corpus.tag_filter in corpus.tags.get(e.id, ())]
    return BrowseRows(entries, corpus.counts)


def browse_row(entry: Listed, counts: dict[str, int]) -> Row:
    """The list's row for one document."""
    return Row(
        entry.id,
        entry.title,
        entry.date,
        entry.byline,
        entry.words,
        annotations=counts.get(entry.id, 0),
        indexed=entry.indexed,
    )


class BrowseRows(RowSource):
    """Documents in an order, each row made when it is shown (and kept while it is)."""

    def __init__(self, entries: list[Listed], counts: dict[str, int]) -> None:
        super().__init__()
        self._entries = entries
        self._counts = counts
        self._made: dict[int, Row] = {}
        self._positions: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def row(self, index: int) -> Row:
        made = self._made.get(index)
        if made is None:
            if len(self._made) > 1000:  # only what is on screen (and near it) is worth keeping
                self._made.clear()
            made = self._made[index] = browse_row(self._entries[index], self._counts)
        return made

    def position(self, doc_id: str) -> int | None:
        if self._positions is None:
            self._positions = {e.id: i for i, e in enumerate(self._entries)}
        return self._positions.get(doc_id)

    def counted(self, counts: dict[str, int]) -> RowSource:
        return BrowseRows(self._entries, counts)


class CatalogRows(RowSource):
    """The catalog's documents in an order, read a window at a time from its database: what
    the list shows before the whole catalog is read (a screenful costs the same at any size)."""

    WINDOW = 64

    def __init__(
        self, view: View, sort: str, count: int, first: list[Listed], counts: dict[str, int]
    ) -> None:
        super().__init__()
        self._view, self._sort, self._count, self._counts = view, sort, count, counts
        self._windows: dict[int, list[Listed]] = {0: first[: self.WINDOW]}

    def __len__(self) -> int:
        return self._count

    def _entry(self, index: int) -> Listed | None:
        number, offset = divmod(index, self.WINDOW)
        window = self._windows.get(number)
        if window is None:
            try:
                window = [listed(e) for e in self._view.window(self._sort, number * self.WINDOW, self.WINDOW)]
            except (sqlite3.Error, CatalogDamaged):  # being replaced: the whole read says why
                window = []
            if len(self._windows) > 64:
                self._windows.clear()
            self._windows[number] = window
        return window[offset] if offset < len(window) else None

    def row(self, index: int) -> Row:
        entry = self._entry(index)
        if entry is None:
            return Row("", "…", "", "", 0)
        return browse_row(entry, self._counts)

    def position(self, doc_id: str) -> int | None:
        return next((i for i, e in enumerate(self._windows.get(0, ())) if e.id == doc_id), None)

    def counted(self, counts: dict[str, int]) -> RowSource:
        self._counts = counts
        return self


@dataclass
class FirstScreen:
    """The first screenful of the catalog: how many documents, and a window of them."""

    view: View
    count: int
    entries: list[Listed]


@dataclass(frozen=True)
class CatalogRead:
    """What a read of the catalog found."""

    entries: dict[str, Listed] | None
    """Every entry by id; None when there is no catalog (or it cannot be read now, or is damaged)."""
    fresh: bool
    """Whether ``entries`` changed since the last read."""
    damaged: str | None = None
    """Why the catalog cannot be believed, when it cannot: the index should be rebuilt."""


class CatalogReader:
    """The catalog database as the reading room reads it: the first screenful, every entry
    once, then only the rows each save changed. Called from the screen's workers (one at a time:
    a lock keeps two reads from interleaving)."""

    def __init__(self, library: Library, give_way: Callable[[], None] = lambda: None) -> None:
        self._folder = library.index_dir
        self._give_way = give_way
        """Called between pages of a whole read: returns when the searches it waits for are done."""
        self._lock = threading.Lock()
        self._view: View | None = None
        self._file: tuple[int, int] | None = None
        """The database file the view has open: a rebuild replaces it with another one."""
        self._seq = 0
        self._entries: dict[str, Listed] | None = None
        self._repaired = False

    def _open(self) -> View | None:
        """The view of the catalog file there now (opened again when the file was replaced)."""
        try:
            stat = os.stat(self._folder / CATALOG_NAME)
        except OSError:
            self._forget()
            return None
        if self._view is not None and self._file != (stat.st_dev, stat.st_ino):
            self._forget()
        if self._view is None:
            try:
                self._view = View(self._folder)
            except (OSError, sqlite3.Error):
                return None
            self._file = (stat.st_dev, stat.st_ino)
        return self._view

    def _forget(self) -> None:
        if self._view is not None:
            self._view.close()
        self._view, self._file, self._seq, self._entries = None, None, 0, None

    def first_screen(self, sort: str) -> FirstScreen | None:
        """The count and the first window of entries by ``sort``; None without a catalog."""
        try:
            view = View(self._folder)  # the rows' own: the list reads windows from the UI thread
            count = int(view.header()["count"])
            return FirstScreen(view, count, [listed(e) for e in view.window(sort, 0, CatalogRows.WINDOW)])
        except (OSError, sqlite3.Error, CatalogDamaged, ValueError, KeyError, TypeError):
            return None

    def read(self) -> CatalogRead:
        """Every entry of the catalog (see ``CatalogRead``): read whole the first time, then
        only the rows of the saves since; the same dict while no save changed it."""
        with self._lock:
            view = self._open()
            if view is None:
                return CatalogRead(None, True)
            before = self._entries
            try:
                entries = self._read(view)
            except (sqlite3.OperationalError, OlderFormat):  # locked, a killed write to roll back, an
                self._forget()  # older layout to write again: the indexer will
                return CatalogRead(None, True)
            except (CatalogDamaged, sqlite3.Error, ValueError, KeyError, TypeError) as error:
                self._forget()
                return CatalogRead(None, True, f"{type(error).__name__}: {error}")
            return CatalogRead(entries, entries is not before)

    def repair(self) -> bool:
        """Whether to ask for a rebuild of a damaged catalog: once, not again if it stays damaged."""
        asked, self._repaired = self._repaired, True
        return not asked

    def _read(self, view: View) -> dict[str, Listed]:
        with view.snapshot():
            header = view.header()
            seq, count = int(header["seq"]), int(header["count"])
            if self._entries is not None and seq == self._seq:
                return self._entries
            known = self._entries if self._entries is not None and seq > self._seq else {}
            entries = dict(known)
            rows = view.changed_values(self._seq if known else 0)
            while page := list(itertools.islice(rows, READ_PAGE)):
                entries.update((v[_ID], listed_values(v)) for v in page)
                freeze_read()  # kept as long as the catalog is current: out of full collections
                self._give_way()
            if len(entries) != count:  # some were removed: the ids say which
                present = view.ids()
                entries = {doc_id: e for doc_id, e in entries.items() if doc_id in present}
            if len(entries) != count:
                raise CatalogDamaged(f"the catalog lists {len(entries)} documents, not {count}")
        self._entries, self._seq = entries, seq
        return entries


def early(read: Callable[[str], FirstScreen | None], sort: str) -> Future[FirstScreen | None]:
    """``read(sort)`` begun now on a thread of its own (``CatalogReader.first_screen`` catches
    what can go wrong and says None); its result whenever the caller asks."""
    future: Future[FirstScreen | None] = Future()
    threading.Thread(target=lambda: future.set_result(read(sort)), name="first-rows", daemon=True).start()
    return future


def result_rows(results: Results, corpus: Corpus) -> list[Row]:
    """One row per hit, with its snippet and where it matched."""
    return [
        Row(
            h.id,
            h.title,
            h.date,
            _byline(corpus, h.id, h.source),
            corpus.entries[h.id].words if h.id in corpus.entries else 0,
            h.hits,
            h.snippet,
            h.marks,
            corpus.counts.get(h.id, 0),
            matched=h.matched,
        )
        for h in results.hits
    ]


def _byline(corpus: Corpus, doc_id: str, source: str) -> str:
    entry = corpus.entries.get(doc_id)
    return entry.byline if entry is not None else source


def merge_entries(corpus: Corpus, entries: list[Listed] | dict[str, Listed], partial: bool) -> None:
    """Take a catalog's entries: all of them, or (while indexing) over those already known. A
    whole catalog's dict is taken as it is, not copied (it is never changed in place: every
    change makes a new one), so 100,000 entries are indexed by one dict, not two."""
    if isinstance(entries, dict) and not (partial and (corpus.entries or corpus.vanished)):
        fresh = entries  # nothing listed to keep (or none to keep it over): the dict as it is
    else:
        given = entries.values() if isinstance(entries, dict) else entries
        fresh = {e.id: e for e in given if not (partial and e.id in corpus.vanished)}
    # While indexing, the catalog holds only what is committed so far: keep the rest listed.
    corpus.entries = {**corpus.entries, **fresh} if partial and corpus.entries else fresh
    corpus.settled = None if partial else corpus.entries
    if not partial:
        corpus.vanished.clear()


def update_entries(corpus: Corpus, entries: Iterable[Listed], removed: Iterable[str]) -> bool:
    """Take what the watcher found: ``entries`` listed or refreshed, ``removed`` ids gone (a
    new dict: a worker may be reading the old one). Whether anything was found: a file seen
    changing may hold other words under the same title, date and length (or be a converted
    document, not read here), so the index looks at it whatever its row shows."""
    updated = dict(corpus.entries)
    found = False
    for doc_id in removed:
        found |= updated.pop(doc_id, None) is not None
        corpus.vanished.add(doc_id)
    for entry in entries:
        updated[entry.id] = entry
        corpus.vanished.discard(entry.id)
        found = True
    corpus.entries = updated
    return found


def discover_entries(library: Library) -> list[Listed]:
    """Entries straight from the file names, for the first run before any index exists.

    Nothing is read, so a corpus of any size lists at once; the indexer's commits replace these
    with the real titles, dates and lengths as it goes.
    """
    sources, _ = discover(list(library.inputs))
    return [placeholder(source) for source in sources]


def placeholder(source: SourceFile) -> Listed:
    """A file found on disk, before the index holds it: its name for a title, no length yet.

    String work on the file's location (no ``Path``: 100,000 of them, made and let go, would
    leave the app some 100 MB larger than the placeholders it keeps), and one copy of each day.
    """
    from tui.core.documents import mtime_day  # documents (and YAML) load after the first frame

    location = source.location
    name = os.path.basename(location)
    title = " ".join(os.path.splitext(name)[0].replace("_", " ").replace("-", " ").split()) or name
    return Listed(source.id, location, title, share(mtime_day(source.mtime_ns)), "", 0, indexed=False)
