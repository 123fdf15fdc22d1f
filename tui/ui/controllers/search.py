"""Search and open: the query box, the list it fills, and which document ``enter`` opens.

``SearchController`` is owned by the main screen. The index is searched in an exclusive thread
worker (a newer keystroke cancels the older search): the rows on screen at once, the rest after.
Results come back to the screen as ``SearchFinished`` and are listed here. Browsing lists every
document (``browse_rows``: rows made as they are shown); before the whole catalog is read, the
list shows its first window, read from the catalog database (``show_first_screen``), so the first
paint does not wait on the corpus's size.

Keys are taken in the order they were typed. The screen's keys that move the focus into or out of
the search box (``/``, and ``enter``, ``escape`` and ``down`` in it) are priority bindings,
handled as the app reads them, so the keys typed after them already go where they lead.
``enter`` in the box opens the top result of the query typed (or the row the user moved to),
waiting for it when it has not been listed yet, or while the index being built holds no match
yet: never a row of an older query. ``escape``
empties the box (the list shows every document again); in an empty box it goes back to the list.
``tab`` takes the "did you mean" suggestion when one is shown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label

from tui.core.library import Library
from tui.core.sanitize import visible_line
from tui.core.search import IndexDamaged, IndexUnavailable, QueryError, Results
from tui.ui.controllers.listing import CatalogRows, Corpus, FirstScreen, browse_rows, result_rows
from tui.ui.messages import HitsFound, SearchFinished
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.lookup import readers_of
from tui.ui.wording import counted

SEARCH_DELAY = 0.08
"""Seconds of typing pause before a query's results are listed."""
PRESEARCH_DELAY = 0.04
"""Seconds of typing pause before the query is searched: the search runs in the rest of the
pause, and its results are listed when the pause is long enough (``SEARCH_DELAY``), not a
search's time after it. Longer than the gap between keys sent at once (a paste, a terminal
sending a burst), shorter than a typist's."""
FIRST_PAGE = 30
"""The most results fetched first: the rows the list shows and the one below them, so the list
repaints fast; the rest (up to RESULT_LIMIT) follow when the list draws its last row. Every
result's snippet reads its file (half a search's time at 100,000 documents), and most searches
are read no further than their first screen."""
RESULT_LIMIT = 200
SORTS = ("relevance", "date", "title")

BINDINGS = [
    # A priority binding runs as the app reads the key, so the focus has moved before the next
    # key is routed: `/` and the letters typed after it land in the search box, in order.
    Binding(
        "slash",
        "focus_search",
        "Search",
        id="main.search",
        tooltip="Type a query (search as you type)",
        priority=True,
    ),
    Binding("s", "cycle_sort", "Sort", id="main.sort", tooltip="Cycle the order of the list", show=False),
    Binding(
        "enter",
        "open_result",
        "Open",
        show=False,
        id="main.open_result",
        tooltip="In the search box: open the top result (or the one moved to in the list)",
        priority=True,
    ),
    Binding(
        "escape",
        "leave_search",
        "Clear",
        show=False,
        id="main.leave_search",
        tooltip="In the search box: clear the query; in an empty box, back to the list (no tag filter)",
        priority=True,
    ),
    Binding(
        "down",
        "to_list",
        "To the list",
        show=False,
        id="main.to_list",
        tooltip="In the search box: to the results, keeping the query",
        priority=True,
    ),
    Binding(
        "tab",
        "accept_suggestion",
        "Did you mean",
        show=False,
        id="main.accept_suggestion",
        tooltip="In the search box: search the 'did you mean' query instead (elsewhere: the next pane)",
    ),
]
"""The searching keys of the main screen (its actions forward them here)."""
SEARCH_BOX_ACTIONS = ("open_result", "leave_search", "to_list")
"""Actions of keys that belong to the search box: off while the focus is elsewhere."""


WARM_UP_QUERY = "time tme~1"
"""What the warm-up searches for: a common word, so the postings readers are loaded too, and a
fuzzy one, so the field's terms are (the first fuzzy query waited for them)."""


class SearchController:
    """The query, the results listed for it, and opening one of them."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        corpus: Corpus,
        *,
        open_document: Callable[[str], None],
        rebuild_index: Callable[[], None],
    ) -> None:
        self._screen = screen
        self._library = library
        self.corpus = corpus
        self._open_document = open_document
        self._rebuild_index = rebuild_index
        self.active_query = ""
        """The query the list currently shows results for ('' when browsing)."""
        self.sort = "date"
        """The list's order: relevance (while searching), date or title."""
        self.suggestion: str | None = None
        """The "did you mean" of the query typed, while it is shown."""
        self.index: Any = None
        """The index searcher, opened in the first search's worker (it imports the engine)."""
        self._index_lock = threading.Lock()
        self._warm_up = "to do"
        self._said_empty = False
        """The last query met an empty corpus: it is asked again when documents come."""
        self.open_top_of: str | None = None
        """``enter`` was pressed on this query before its results were listed: open the top one then."""
        self.repairs = 0
        """Rebuilds asked for since the last search that worked (one is tried, then reported)."""
        self._rebuilding = False
        """A rebuild was asked for and its indexer run has not ended: the damage the warm-up, a
        search or the hits find meanwhile is the same damage, not damage that outlived a rebuild."""
        self._listed_query = ""
        """The query the list's rows answer ('' for the browsing rows)."""
        self._listed_total = 0
        """How many results the listed query has (more than are listed, until they are fetched)."""
        self._more_asked = False
        """Whether the rest of the active query's results were asked for."""
        self._timer: Timer | None = None
        self._presearch_timer: Timer | None = None
        self._due: str | None = None
        """The query typed whose pause was long enough: its results are listed as they come."""
        self._held: SearchFinished | None = None
        """Results that came before their query was due: listed when it is, unless typing changed it."""
        self._running: tuple[str, str, int] | None = None
        """The query, order and index change (``_seen``) of the last search started."""
        self._seen = 0
        """Index changes seen (``rerun``): a search begun before one is not held past it."""

    # ------------------------------------------------------------------ widgets

    @property
    def box(self) -> Input:
        """The search box."""
        return self._screen.query_one("#search", Input)

    @property
    def _note(self) -> Label:
        return self._screen.query_one("#search-message", Label)

    @property
    def _list(self) -> DocumentList:
        return self._screen.query_one(DocumentList)

    @property
    def typed(self) -> str:
        """The query in the search box."""
        return self.box.value.strip()

    @property
    def box_focused(self) -> bool:
        """Whether the search box has the focus (its own keys are on only then)."""
        return self._screen.focused is self.box

    @property
    def listing_is_stale(self) -> bool:
        """The list still shows the rows of another query than the one typed (its own are coming)."""
        return bool(self.typed) and self.typed != self._listed_query

    # ------------------------------------------------------------------ searching

    def changed(self, value: str) -> None:
        """The box changed: search once the typing pauses, and list the results once it has
        paused for ``SEARCH_DELAY`` (an empty box lists every document)."""
        self.corpus.searches.typed()
        for timer in (self._timer, self._presearch_timer):
            if timer is not None:
                timer.stop()
        self._due = self._held = None
        text = value.strip()
        if self.typed != self.open_top_of:  # the box now (this event may be older than the enter)
            self.open_top_of = None
        if self.suggestion is not None and text != self.active_query:
            self.suggestion = None
        if not text:
            self.clear()
            return
        self._presearch_timer = self._screen.set_timer(PRESEARCH_DELAY, lambda: self._presearch(text))
        self._timer = self._screen.set_timer(SEARCH_DELAY, lambda: self.start(text))

    def _query_sort(self) -> str:
        """The order a query typed is listed in: relevance, unless the user chose one while searching."""
        return self.sort if self.sort in SORTS and self.active_query else "relevance"

    def _presearch(self, text: str) -> None:
        """Search ``text`` while the pause goes on (``PRESEARCH_DELAY``): held until it is due."""
        if not self.corpus.empty:
            self.run(text, sort=self._query_sort())

    def start(self, text: str) -> None:
        """List ``text``'s results now, or as soon as they come (searched earlier, or now)."""
        self.sort = self._query_sort()
        self.active_query = text
        self._due = text
        if self.corpus.empty:
            self._show_nothing_to_search()
            return
        held, self._held = self._held, None
        if held is not None and (held.query, held.sort, held.seen) == (text, self.sort, self._seen):
            self.finished(held)
        elif self._running != (text, self.sort, self._seen):  # not already on its way
            self.run(text)

    def list_now(self) -> None:
        """List the query typed as soon as its results come, without waiting for the pause
        (``enter`` asked for its top result)."""
        typed = self.typed
        if typed and self._due != typed:
            for timer in (self._timer, self._presearch_timer):
                if timer is not None:
                    timer.stop()
            self.start(typed)

    def run(self, query: str, limit: int | None = None, sort: str | None = None) -> None:
        """Search in a worker (the first ``limit`` results, else the first page; in ``sort``,
        else the list's order); a newer search cancels this one."""
        limit = limit or self._first_page()
        sort = sort or self.sort
        self._more_asked = limit >= RESULT_LIMIT
        self._said_empty = False
        seen = self._seen
        self._running = (query, sort, seen)
        self._screen.run_worker(
            lambda: self._search(query, limit, sort, seen), thread=True, exclusive=True, group="search"
        )

    def _first_page(self) -> int:
        """Results fetched first: the rows the list shows with their snippets, and one more (so a
        move down shows it at once); FIRST_PAGE before the list is laid out."""
        shown = self._list.rows_fitting(snippets=True)
        return min(shown + 1, FIRST_PAGE) if shown else FIRST_PAGE

    def more(self) -> None:
        """The list drew its last rows: fetch the rest of the results (up to RESULT_LIMIT), once."""
        listed = self._list
        if self._more_asked or not self.active_query or self._listed_query != self.active_query:
            return
        if self._listed_total <= len(listed.rows) or len(listed.rows) >= RESULT_LIMIT:
            return
        self.run(self.active_query, RESULT_LIMIT)

    def _search(self, query: str, limit: int, sort: str, seen: int) -> None:
        """The first ``limit`` results (with their snippets: each reads its document)."""
        post = self._screen.post_message
        self.corpus.searches.begin()
        try:
            index = self.open_index()
            post(SearchFinished(query, index.search(query, limit=limit, sort=sort), sort=sort, seen=seen))
        except QueryError as error:
            post(SearchFinished(query, None, str(error), sort=sort, seen=seen))
        except IndexDamaged as error:
            self._screen.app.call_from_thread(self.repair, str(error))
            damaged = "the index was damaged: rebuilding it, results will follow"
            post(SearchFinished(query, None, damaged, later=True, sort=sort, seen=seen))
        except IndexUnavailable:
            waiting = "the index is being built: results will follow"
            post(SearchFinished(query, None, waiting, later=True, sort=sort, seen=seen))
        else:
            self.repairs = 0
        finally:
            self.corpus.searches.end()

    def open_index(self) -> Any:
        """The searcher (opened once; imports the engine: only ever call it in a worker)."""
        with self._index_lock:  # the warm-up and a first search may ask at once
            if self.index is None:
                self.index = self._library.open_index()
            return self.index

    def warm_up(self) -> None:
        """Open the searcher and run one query, in a worker, so the first query typed does not
        wait for the engine to load (it waited 0.3 s). Asked after the first frame and when an
        indexer run ends; once it has worked, never again."""
        if self._warm_up != "to do":
            return
        self._warm_up = "running"

        def run() -> None:
            try:
                self.open_index().search(WARM_UP_QUERY, limit=1)
            except IndexDamaged as error:  # found before anyone searched: rebuilt at once
                self._warm_up = "to do"
                self._screen.app.call_from_thread(self.repair, str(error))
            except (QueryError, IndexUnavailable):
                self._warm_up = "to do"  # no index yet: again when the indexer has made one
            else:
                self._warm_up = "done"

        self._screen.run_worker(run, thread=True, group="warm-up")

    def find_hits(self, doc_id: str, text: str, query: str, jump: bool) -> None:
        """Find where ``query`` matches in the open document, in a worker (``HitsFound``)."""

        def run() -> None:
            try:
                spans = self.open_index().hit_spans(doc_id, text, query)
            except IndexDamaged as error:
                self._screen.app.call_from_thread(self.repair, str(error))
                spans = []
            except (QueryError, IndexUnavailable):
                spans = []
            self._screen.post_message(HitsFound(doc_id, query, spans, jump))

        self._screen.run_worker(run, thread=True, exclusive=True, group="hits")

    def repair(self, reason: str) -> None:
        """A search found the index damaged: rebuild it, once until a search succeeds again."""
        if self._rebuilding:
            return
        self._rebuilding = True
        self.repairs += 1
        if self.repairs > 1:
            if self.repairs == 2:
                self._screen.notify(
                    f"The index is still damaged after a rebuild ({reason}). "
                    "Run 'lectern index --rebuild' from a shell to see why.",
                    severity="error",
                    timeout=20,
                )
            return
        self._screen.notify(f"The index was damaged ({reason}): rebuilding it", timeout=8)
        self._rebuild_index()

    def indexer_done(self) -> None:
        """An indexer run ended: a rebuild asked for is over, and damage found from now on
        outlived it."""
        self._rebuilding = False

    def rerun(self) -> None:
        """The index changed (a commit, a finished run): search the active query again (as many
        results as are listed, so the row the user moved to stays listed). Results held for the
        query being typed are of the old index: it is searched again when due."""
        self._seen += 1
        self._held = None
        if self.active_query:
            shown = len(self._list.rows) if self._listed_query == self.active_query else 0
            self.run(self.active_query, min(max(shown, self._first_page()), RESULT_LIMIT))

    def finished(self, message: SearchFinished) -> None:
        """List the results of a search (or say why there are none)."""
        if self._running == (message.query, message.sort, message.seen):
            self._running = None
        if message.query != self.typed:
            return  # a stale answer: a newer search is on its way
        if message.query != self._due:
            if message.seen == self._seen:  # searched while the typing pauses: listed when due
                self._held = message
            return
        note = self._note
        if self.corpus.empty:
            self._show_nothing_to_search()
            return
        if message.results is None:
            note.update(visible_line(message.error or ""))
            note.set_class(True, "-error")
            if self.open_top_of == message.query and not message.later:
                self.open_top_of = None  # nothing to open: the bar says why
            return
        note.set_class(False, "-error")
        results: Results = message.results
        self.suggestion = results.suggestion
        hint = f"{counted(results.total, 'result')} · by {self.sort}"
        if results.suggestion:
            hint += f" · did you mean: {visible_line(results.suggestion)} (tab)"
        note.update(hint)
        rows = result_rows(results, self.corpus)
        self._list.set_rows(
            rows,
            snippets=True,
            empty_message=f"Nothing matches {visible_line(message.query)!r}.",
            fresh=message.query != self._listed_query,
        )
        self._listed_query = message.query
        self._listed_total = results.total
        self._list.near_end = self.more
        if self.open_top_of == message.query:
            if rows:
                self.open_top_of = None
                self._open_document(rows[0].id)
            elif not self.corpus.indexing:
                self.open_top_of = None  # nothing to open, and the index holds all it will
        for reader in readers_of(self._screen):  # none before the first frame: nothing open
            if reader.doc_id:
                self.find_hits(reader.doc_id, reader.text, message.query, False)

    def _show_nothing_to_search(self) -> None:
        """An empty corpus: say so in the bar and the list, not that an index is missing."""
        self._said_empty = True
        message = self.corpus.no_documents(self._library)
        note = self._note
        note.update(visible_line(message))
        note.set_class(False, "-error")
        self._list.set_rows([], snippets=True, empty_message=message)
        self._listed_query = self.active_query
        self.open_top_of = None

    def clear(self) -> None:
        """Back to browsing: every document (or the filtered ones), no hits in the reader."""
        self.active_query = ""
        self.suggestion = None
        if self.sort == "relevance":
            self.sort = "date"
        self._note.update("")
        self.show_browse_rows()
        for reader in readers_of(self._screen):  # none before the first frame
            reader.set_hits([], jump=False)

    def show_browse_rows(self) -> None:
        """List every document of the corpus (or those with the filtered tag) in the chosen order."""
        corpus = self.corpus
        empty = (
            "No documents with annotations of that tag."
            if corpus.tag_filter
            else corpus.no_documents(self._library)
        )
        self._list.set_rows(browse_rows(corpus, self.sort), snippets=False, empty_message=empty)
        self._listed_query = ""

    def show_first_screen(self, first: FirstScreen) -> None:
        """List the catalog's first window before the whole catalog is read (browsing only)."""
        if self.active_query or self.corpus.tag_filter or self.corpus.entries:
            return
        rows = CatalogRows(first.view, self.sort, first.count, first.entries, self.corpus.counts)
        self._list.set_rows(rows, snippets=False, empty_message=self.corpus.no_documents(self._library))
        self._listed_query = ""

    def catalog_changed(self) -> None:
        """The corpus's documents changed: browsing rows follow (results follow the next search)."""
        if not self.active_query:
            self.show_browse_rows()
        elif self._said_empty and not self.corpus.empty:  # documents came: the query is asked now
            self.run(self.active_query)

    def counts_changed(self) -> None:
        """Annotation counts changed: the rows say so."""
        self._list.set_counts(self.corpus.counts)

    # ------------------------------------------------------------------ order and filter

    def cycle_sort(self) -> None:
        """The next order: relevance (while searching), date, title."""
        order = SORTS if self.active_query else SORTS[1:]
        self.sort = order[(order.index(self.sort) + 1) % len(order)] if self.sort in order else order[0]
        self._screen.notify(f"Sorted by {self.sort}", timeout=2)
        self._relist()

    def set_sort(self, sort: str) -> None:
        """Choose the list order."""
        self.sort = sort
        self._relist()

    def _relist(self) -> None:
        if self.active_query:
            self.run(self.active_query)
        else:
            self.show_browse_rows()

    def filter_by_tag(self, tag: str | None) -> None:
        """Show only the documents with an annotation tagged ``tag`` (None: all)."""
        self.corpus.tag_filter = tag
        if self.active_query:
            self.box.value = ""
        self.clear()
        if tag:
            self._note.update(Text(f"documents with annotations tagged #{visible_line(tag)} · esc shows all"))

    # ------------------------------------------------------------------ keys in the box, opening

    def after_typing(self, callback: Callable[..., None], *args: object) -> None:
        """Call back once the search box has taken the keys typed so far (they are queued in it,
        and each may change the query): a decision on "the query typed" is made on all of it."""
        self.box.call_later(callback, *args)

    def open_from_list(self, message: DocumentList.Opened) -> None:
        """A row was opened: a click opens that row; a key, the query typed's row (see ``_open_listed``)."""
        if message.clicked:
            self._open_document(message.doc_id)  # the row the user pointed at, whatever the query
        else:
            self.after_typing(self._open_listed, message.doc_id)

    def _open_listed(self, doc_id: str) -> None:
        """A key asked for a row: on rows about to be replaced by the typed query's, open the top
        result of that query instead, when it comes."""
        if self.listing_is_stale:
            self.open_top_of = self.typed
            self.list_now()
        else:
            self._open_document(doc_id)

    def open_result(self) -> None:
        """``enter`` in the search box: open the top result of the query typed, or the row the user
        moved to in its results. The keys typed after it go to the list, so the row is chosen now;
        the query is read once the box has taken the letters typed before it."""
        listed = self._list
        chosen = listed.highlighted.id if listed.moved and listed.highlighted else None
        self._screen.set_focus(listed)
        self.after_typing(self._open_result, chosen, self._listed_query)

    def _open_result(self, chosen: str | None, chosen_in: str) -> None:
        typed = self.typed
        if not typed:
            return  # browsing: enter goes to the list
        if self.listing_is_stale:
            self.open_top_of = typed  # opened as soon as its results are listed
            self.list_now()
            return
        rows = self._list.rows
        if chosen is not None and chosen_in == typed and any(r.id == chosen for r in rows):
            self._open_document(chosen)
        elif rows:
            self._open_document(rows[0].id)

    def escape(self) -> bool:
        """``escape`` in the box: empty it and say True; an empty box is left alone (False)."""
        box = self.box
        if not box.value:
            return False
        box.value = ""  # now: the keys typed after the escape start a new query
        return True

    def accept_suggestion(self) -> bool:
        """Put the "did you mean" query in the box (it is searched as typed); whether there was one."""
        suggestion = self.suggestion
        if suggestion is None or self.typed != self.active_query:
            return False
        box = self.box
        box.value = suggestion
        box.cursor_position = len(suggestion)
        return True
