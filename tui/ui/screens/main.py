"""The reading room: search bar, document list, reader and status line.

This screen owns every call into ``tui.core``, always from a worker: the catalog and documents
are read in threads, the index is searched in an exclusive thread worker (a newer keystroke
cancels the older search), and the indexer child process is read by an async worker. Results
come back as messages (``tui.ui.messages``) and only the handlers here touch widgets.

Keys are taken in the order they were typed, from the first paint on: the list has the focus as
soon as the screen is composed, and the keys that move the focus into or out of the search box
(``/``, and ``enter`` and ``escape`` in it) are priority bindings, handled as the app reads them,
so the keys typed after them already go where they lead. ``enter`` in the search box opens the
top result of the query typed (or the row the user moved to), waiting for it when it has not
been listed yet: never a row of an older query.

A reading position is stored only when the user moved in the reader (``Reader.moved``): opening
a document (from the list, the palette, the browser, a click), re-opening it, or the jump to the
first hit of a search leave the stored one as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, ProgressBar
from textual.worker import get_current_worker

from tui.core.annotations import open_annotations
from tui.core.catalog import Entry
from tui.core.documents import (
    EXTENSIONS,
    Document,
    Skipped,
    SourceFile,
    discover,
    mtime_day,
    read_document,
)
from tui.core.library import Library
from tui.core.reading import Position, ReadingPositions
from tui.core.search import IndexDamaged, IndexUnavailable, QueryError, Results
from tui.core.sanitize import visible, visible_line
from tui.ui.messages import (
    AnnotationsListed,
    CatalogLoaded,
    DocumentFailed,
    DocumentLoaded,
    HitsFound,
    IndexerEvent,
    SearchFinished,
)
from tui.ui.screens.annotating import AnnotatingScreen, document_ref
from tui.ui.screens.browser import AnnotationBrowser, Destination
from tui.ui.widgets.annotation_panel import AnnotationPanel
from tui.ui.widgets.document_list import DocumentList, Row
from tui.ui.widgets.reader import Header, Reader

SEARCH_DELAY = 0.08
"""Seconds of typing pause before a search runs."""
FIRST_PAGE = 30
"""Results fetched first, so the list repaints fast; the rest (up to RESULT_LIMIT) follow."""
RESULT_LIMIT = 200


class MainScreen(AnnotatingScreen):
    """Search, list, read (and annotate: see ``AnnotatingScreen``)."""

    CSS_PATH = "main.tcss"
    AUTO_FOCUS = "#documents"
    """Focused as the screen is composed, before any key is read: a key typed ahead goes to the
    list, never to whatever a later ``focus()`` call would take it from."""
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        # A priority binding runs as the app reads the key, so the focus has moved before the
        # next key is routed: `/` and the letters typed after it land in the search box, in order.
        Binding(
            "slash",
            "focus_search",
            "Search",
            id="main.search",
            tooltip="Type a query (search as you type)",
            priority=True,
        ),
        Binding("s", "cycle_sort", "Sort", id="main.sort", tooltip="Cycle the order of the list"),
        Binding("B", "browse", "Browse", id="main.browse", tooltip="Every annotation of the corpus"),
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
            "Leave search",
            show=False,
            id="main.leave_search",
            tooltip="In the search box: back to the list (and drop the tag filter)",
            priority=True,
        ),
        Binding(
            "escape",
            "back_to_list",
            "Back",
            show=False,
            id="main.back_to_list",
            tooltip="Back to the list (and drop the tag filter)",
        ),
    ]

    def __init__(
        self,
        library: Library,
        positions: ReadingPositions,
        open_first: str | None = None,
        color_names: dict[str, str] | None = None,
    ) -> None:
        super().__init__(library.annotation_store(), color_names)
        self.library = library
        self.positions = positions
        self.tag_filter: str | None = None
        """When set, the list shows only documents with an annotation carrying this tag."""
        self._reindex_pending = False
        self._indexer_child: asyncio.subprocess.Process | None = None
        self.entries: dict[str, Entry] = {}
        """Every document of the corpus, by id."""
        self.active_query = ""
        """The query the list currently shows results for ('' when browsing)."""
        self.sort = "date"
        self.indexing = False
        self._index: Any = None
        self._index_ready = False
        self._repairs = 0
        """Rebuilds asked for since the last search that worked (one is tried, then reported)."""
        self._timer: Timer | None = None
        self._open_first = open_first
        self._listed_query = ""
        """The query the list's rows answer ('' for the browsing rows)."""
        self._open_top_of: str | None = None
        """``enter`` was pressed on this query before its results were listed: open the top one then."""
        self._focus_at_open: Widget | None = None
        """What had the focus when a document was asked for (it moves to the reader unless the user
        has gone elsewhere meanwhile)."""

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder='Search: words, "phrases", prefix*, fuzzy~, title: tag: date: lang:', id="search"
        )
        # Labels that show queries, suggestions and counts: plain text, never markup.
        yield Label("", id="search-message", markup=False)
        with Horizontal(id="panes"):
            yield DocumentList(id="documents")
            yield Reader(id="reader")
            yield AnnotationPanel(id="annotation-panel")
        with Horizontal(id="status"):
            yield Label("", id="status-corpus", markup=False)
            yield ProgressBar(id="status-progress", show_eta=True)
            yield Label("", id="status-note", markup=False)
            yield Label("", id="status-hit", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#status-progress").display = False
        self.query_one(AnnotationPanel).display = False
        self._set_corpus_status("reading the catalog…")
        self.load_catalog(discover_if_missing=True)
        self.run_indexer()

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="catalog")
    def load_catalog(self, discover_if_missing: bool) -> None:
        catalog = self.library.catalog()
        if catalog is not None and catalog.entries:
            self.post_message(CatalogLoaded(list(catalog.entries.values()), partial=self.indexing))
        elif discover_if_missing:
            self.post_message(CatalogLoaded(_discover_entries(self.library), partial=True))
        elif catalog is not None:  # indexed, and nothing readable: the placeholders listed go
            self.post_message(CatalogLoaded([], partial=self.indexing))

    @work(exclusive=True, group="indexer")
    async def run_indexer(self, rebuild: bool = False) -> None:
        self.indexing = True
        try:
            child = await asyncio.create_subprocess_exec(
                *self.library.update_command(rebuild),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                limit=1 << 24,
            )
        except OSError as error:
            self.post_message(IndexerEvent({"event": "error", "message": str(error)}))
            return
        assert child.stdout is not None and child.stderr is not None
        self._indexer_child = child
        finished = False
        from tui.core.indexer import parse_event

        try:
            while line := await child.stdout.readline():
                event = parse_event(line.decode("utf-8", "replace"))
                if event is not None:
                    finished = finished or event["event"] in ("done", "error")
                    self.post_message(IndexerEvent(event))
            errors = (await child.stderr.read()).decode("utf-8", "replace").strip()
            code = await child.wait()
        finally:
            self._indexer_child = None
            if child.returncode is None:  # the app is closing mid-run: the next start resumes
                child.kill()
                await child.wait()
        if not finished:
            detail = errors.splitlines()[-1] if errors else f"exit code {code}"
            self.post_message(IndexerEvent({"event": "error", "message": f"indexer stopped: {detail}"}))

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        """Search: the first screenful at once, then the rest (unless a newer keystroke came)."""
        worker = get_current_worker()
        try:
            index = self._open_index()
            first = index.search(query, limit=FIRST_PAGE, sort=self.sort)
            self.post_message(SearchFinished(query, first))
            if first.total > len(first.hits) and not worker.is_cancelled:
                self.post_message(
                    SearchFinished(query, index.search(query, limit=RESULT_LIMIT, sort=self.sort))
                )
        except QueryError as error:
            self.post_message(SearchFinished(query, None, str(error)))
        except IndexDamaged as error:
            self.app.call_from_thread(self.repair_index, str(error))
            self.post_message(
                SearchFinished(
                    query, None, "the index was damaged: rebuilding it, results will follow", later=True
                )
            )
        except IndexUnavailable:
            self.post_message(
                SearchFinished(query, None, "the index is being built: results will follow", later=True)
            )
        else:
            self._repairs = 0

    def _open_index(self) -> Any:
        if self._index is None:
            self._index = self.library.open_index()  # imports Whoosh: only ever in a worker
        return self._index

    @work(thread=True, exclusive=True, group="document")
    def load_document(self, entry: Entry, query: str, at: int | None = None, top: int | None = None) -> None:
        path = Path(entry.path)
        try:
            stat = path.stat()
        except OSError as error:
            self.post_message(DocumentFailed(entry.id, error.strerror or str(error)))
            return
        doc = read_document(SourceFile(entry.id, path, stat.st_size, stat.st_mtime_ns))
        if isinstance(doc, Skipped):
            self.post_message(DocumentFailed(entry.id, doc.reason))
            return
        try:
            opened = open_annotations(self.store, document_ref(doc), doc.text)
        except OSError as error:
            opened = None
            self.store.problems.append(
                f"annotations of {doc.id} could not be read: {error.strerror or error}"
            )
        problems = self._drain_problems()
        if at is not None:
            position: Position | None = Position(at if top is None else top, at)
        else:
            position = self.positions.get(entry.id)
        self.post_message(DocumentLoaded(doc, position, "" if at is not None else query, opened, problems))

    @work(thread=True, exclusive=True, group="annotation-list")
    def list_annotations(self) -> None:
        sets = self.library.annotated(self.store)
        self.post_message(AnnotationsListed(sets, list(self._drain_problems())))

    def _drain_problems(self) -> tuple[str, ...]:
        problems, self.store.problems[:] = tuple(self.store.problems), []
        return problems

    @work(thread=True, exclusive=True, group="hits")
    def find_hits(self, doc_id: str, text: str, query: str, jump: bool) -> None:
        try:
            spans = self._open_index().hit_spans(doc_id, text, query)
        except IndexDamaged as error:
            self.app.call_from_thread(self.repair_index, str(error))
            spans = []
        except (QueryError, IndexUnavailable):
            spans = []
        self.post_message(HitsFound(doc_id, query, spans, jump))

    @work(thread=True, group="save")
    def save_position(self, doc_id: str, position: Position) -> None:
        try:
            self.positions.set(doc_id, position)
        except OSError as error:
            self.app.call_from_thread(
                self.notify, f"Could not save the reading position: {error}", severity="warning"
            )

    def repair_index(self, reason: str) -> None:
        """A search found the index damaged: rebuild it, once until a search succeeds again."""
        self._repairs += 1
        if self._repairs > 1:
            if self._repairs == 2:
                self.notify(
                    f"The index is still damaged after a rebuild ({visible(reason)}). "
                    "Run 'lectern index --rebuild' from a shell to see why.",
                    severity="error",
                    timeout=20,
                    markup=False,
                )
            return
        self.notify(f"The index was damaged ({visible(reason)}): rebuilding it", timeout=8, markup=False)
        self.run_indexer(rebuild=True)

    # ------------------------------------------------------------------ handlers

    def on_catalog_loaded(self, message: CatalogLoaded) -> None:
        fresh = {e.id: e for e in message.entries}
        # While indexing, the catalog holds only what is committed so far: keep the rest listed.
        self.entries = {**self.entries, **fresh} if message.partial else fresh
        self._set_corpus_status()
        if not self.active_query:
            self._show_browse_rows()
        if self._open_first and self._open_first in self.entries:
            self._open(self._open_first)
            self._open_first = None

    def on_indexer_event(self, message: IndexerEvent) -> None:
        event = message.event
        kind = event["event"]
        bar = self.query_one("#status-progress", ProgressBar)
        if kind == "start" and event["total"]:
            bar.display = True
            bar.update(total=max(event["bytes"], 1), progress=0)
            if event.get("rebuilt") and str(event["rebuilt"]).startswith(("index was", "index format")):
                self.notify(
                    f"Rebuilding the index: {visible(str(event['rebuilt']))}", timeout=8, markup=False
                )
        elif kind == "progress":
            bar.update(progress=event["bytes"])
            self._set_corpus_status(f"indexing {event['done']:,}/{event['total']:,}")
        elif kind == "commit":
            self._index_ready = True
            self.load_catalog(discover_if_missing=False)
            if self.active_query:
                self.run_search(self.active_query)
        elif kind == "done":
            self.indexing, self._index_ready = False, True
            self.load_catalog(discover_if_missing=False)
            self.list_annotations()
            if self._reindex_pending:
                self._reindex_pending = False
                self.run_indexer()
            bar.display = False
            self._set_corpus_status()
            if event["skipped"]:
                reasons = "; ".join(f"{Path(s['path']).name}: {s['reason']}" for s in event["skipped"][:3])
                more = f" (+{len(event['skipped']) - 3} more)" if len(event["skipped"]) > 3 else ""
                self.notify(
                    f"Skipped {len(event['skipped'])} file(s): {visible(reasons)}{more}",
                    severity="warning",
                    timeout=10,
                    markup=False,
                )
            if self.active_query:
                self.run_search(self.active_query)
        elif kind == "error":
            self.indexing = False
            bar.display = False
            if event.get("index"):  # e.g. a read-only cache: the index as it was still answers
                self._index_ready = True
                self._set_corpus_status("index not updated")
                self.notify(
                    f"The index could not be updated ({visible(event['message'])}): searching it as it is",
                    severity="warning",
                    timeout=15,
                    markup=False,
                )
            else:
                self._set_corpus_status("index error")
                failed = f"Indexing failed: {visible(event['message'])}"
                self.notify(failed, severity="error", timeout=15, markup=False)

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        text = event.value.strip()
        if self._typed != self._open_top_of:  # the box now (this event may be older than the enter)
            self._open_top_of = None
        if not text:
            self._clear_search()
            return
        self._timer = self.set_timer(SEARCH_DELAY, lambda: self._start_search(text))

    def _start_search(self, text: str) -> None:
        if self.sort not in ("relevance", "date", "title"):
            self.sort = "relevance"
        if not self.active_query:
            self.sort = "relevance"
        self.active_query = text
        if self._nothing_to_search:
            self._show_nothing_to_search(self.query_one("#search-message", Label))
            return
        self.run_search(text)

    @property
    def _nothing_to_search(self) -> bool:
        """The corpus is indexed and holds no document (an empty folder, or only skipped files)."""
        return not self.entries and self._index_ready and not self.indexing

    @property
    def _typed(self) -> str:
        """The query in the search box."""
        return self.query_one("#search", Input).value.strip()

    @property
    def _listing_is_stale(self) -> bool:
        """The list still shows the rows of another query than the one typed (its own are coming)."""
        return bool(self._typed) and self._typed != self._listed_query

    def on_search_finished(self, message: SearchFinished) -> None:
        if message.query != self._typed:
            return  # a stale answer: a newer search is on its way
        note = self.query_one("#search-message", Label)
        if self._nothing_to_search:
            self._show_nothing_to_search(note)
            return
        if message.results is None:
            note.update(visible_line(message.error or ""))
            note.set_class(True, "-error")
            if self._open_top_of == message.query and not message.later:
                self._open_top_of = None  # nothing to open: the bar says why
            return
        note.set_class(False, "-error")
        results: Results = message.results
        hint = f"{results.total:,} result{'s' if results.total != 1 else ''} · by {self.sort}"
        if results.suggestion:
            hint += f" · did you mean: {visible_line(results.suggestion)}"
        note.update(hint)
        rows = [
            Row(
                h.id,
                h.title,
                h.date,
                h.source,
                self.entries[h.id].words if h.id in self.entries else 0,
                h.hits,
                h.snippet,
                h.marks,
                self.annotation_counts.get(h.id, 0),
                matched=h.matched,
            )
            for h in results.hits
        ]
        listed = self.query_one(DocumentList)
        listed.set_rows(
            rows,
            snippets=True,
            empty_message=f"Nothing matches {visible_line(message.query)!r}.",
            fresh=message.query != self._listed_query,
        )
        self._listed_query = message.query
        if self._open_top_of == message.query:
            self._open_top_of = None
            if rows:
                self._open(rows[0].id)
        reader = self.query_one(Reader)
        if reader.doc_id:
            self.find_hits(reader.doc_id, reader.text, message.query, False)

    def _show_nothing_to_search(self, note: Label) -> None:
        """An empty corpus: say so in the bar and the list, not that an index is missing."""
        message = self._no_documents()
        note.update(visible_line(message))
        note.set_class(False, "-error")
        self.query_one(DocumentList).set_rows([], snippets=True, empty_message=message)
        self._listed_query = self.active_query
        self._open_top_of = None

    @on(DocumentList.Opened)
    def document_opened(self, message: DocumentList.Opened) -> None:
        if message.clicked:
            self._open(message.doc_id)  # the row the user pointed at, whatever the query
        else:
            self._after_typing(self._open_listed, message.doc_id)

    def _after_typing(self, callback: Callable[..., None], *args: object) -> None:
        """Call back once the search box has taken the keys typed so far (they are queued in it,
        and each may change the query): a decision on "the query typed" is made on all of it."""
        self.query_one("#search", Input).call_later(callback, *args)

    def _open_listed(self, doc_id: str) -> None:
        """A key asked for a row: on rows about to be replaced by the typed query's, open the top
        result of that query instead, when it comes."""
        if self._listing_is_stale:
            self._open_top_of = self._typed
        else:
            self._open(doc_id)

    def _open(self, doc_id: str, at: int | None = None, top: int | None = None) -> None:
        """Open a document: at ``at`` (with ``top`` the first line shown), else where it was left
        and then on the query's first hit, if it has one."""
        entry = self.entries.get(doc_id)
        if entry is None:
            return
        self._remember_position()
        self._focus_at_open = self.focused
        self.load_document(entry, self.active_query, at, top)

    def on_document_loaded(self, message: DocumentLoaded) -> None:
        doc: Document = message.document
        reader = self.query_one(Reader)
        meta = " · ".join(
            x for x in (doc.date, doc.source, doc.language, ", ".join(doc.tags), f"{doc.words:,} words") if x
        )
        # Where it was left (the first hit of the query, if any, follows): a document the query does
        # not match opens where the user left it, not at its top.
        position = message.position
        reader.load(
            doc.id,
            doc.text,
            Header(doc.title, meta),
            position.top if position else 0,
            position.cursor if position else 0,
        )
        if self.focused is self._focus_at_open or self.focused is None:
            reader.focus()  # unless the user went elsewhere (typed `/`...) while it loaded
        self.document = doc
        self._show_annotations(message.annotations.annotations if message.annotations else None)
        if message.annotations is not None:
            self._report_opened(message.annotations.moved_from, message.annotations.reanchored)
        for problem in message.problems:
            self.notify(visible(problem), severity="warning", timeout=12)
        if doc.problems:
            self.notify(visible("; ".join(doc.problems)), title=visible(doc.id), severity="warning")
        if message.query:
            self.find_hits(doc.id, doc.text, message.query, True)

    def on_document_failed(self, message: DocumentFailed) -> None:
        self.notify(f"Cannot open {visible(message.doc_id)}: {visible(message.reason)}", severity="error")
        self.load_catalog(discover_if_missing=False)

    def on_hits_found(self, message: HitsFound) -> None:
        reader = self.query_one(Reader)
        if reader.doc_id == message.doc_id and message.query == self.active_query:
            reader.set_hits(message.spans, jump=message.jump)

    @on(Reader.HitChanged)
    def hit_changed(self, message: Reader.HitChanged) -> None:
        label = self.query_one("#status-hit", Label)
        if message.total == 0:
            label.update("")
        elif message.index < 0:
            label.update(f"{message.total} hits")
        else:
            label.update(f"hit {message.index + 1}/{message.total}")

    # ------------------------------------------------------------------ annotations across the corpus

    def on_annotations_listed(self, message: AnnotationsListed) -> None:
        self.annotation_counts = {s.document.id: len(s.annotations) for s in message.sets}
        self.annotation_tags = {
            s.document.id: {t for a in s.annotations for t in a.tags} for s in message.sets
        }
        self.query_one(DocumentList).set_counts(self.annotation_counts)
        for problem in message.problems:
            self.notify(visible(problem), severity="warning", timeout=12)

    def _request_reindex(self) -> None:
        """Notes and tags are indexed with their document: bring the index up to date."""
        if self.indexing:
            self._reindex_pending = True
        else:
            self.run_indexer()

    def filter_by_tag(self, tag: str | None) -> None:
        """Show only the documents with an annotation tagged ``tag`` (None: all)."""
        self.tag_filter = tag
        if self.active_query:
            self.query_one("#search", Input).value = ""
        self._clear_search()
        if tag:
            self.query_one("#search-message", Label).update(
                Text(f"documents with annotations tagged #{visible_line(tag)} · esc shows all")
            )

    def action_browse(self) -> None:
        """Open the annotation browser; coming back, open the chosen passage and refresh."""

        def back(destination: Destination | None) -> None:
            self.list_annotations()
            if destination is not None:
                self._open(destination.doc_id, at=destination.offset)
            elif self.document is not None:  # its annotations may have changed: read them again
                reader = self.query_one(Reader)
                self._open(self.document.id, at=reader.cursor, top=reader.top_offset)

        self.app.push_screen(AnnotationBrowser(self.library, self.color_names), back)

    @work(thread=True, group="export")
    def export_annotations(self, fmt: str) -> None:
        """Write every annotation of the corpus in ``fmt`` to a new file, and say where."""
        from tui.core.exchange import SUFFIXES, export, gather

        docs = gather(self.library, self.store)
        text = export(docs, fmt)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"lectern-annotations-{stamp}.{SUFFIXES[fmt]}"
        for folder in (Path.cwd(), self.library.paths.data / "exports"):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text(text, encoding="utf-8", newline="")
            except OSError:
                continue
            count = sum(len(d.annotations) for d in docs)
            self.app.call_from_thread(
                self.notify, f"Exported {count} annotation(s) as {fmt} to {folder / name}"
            )
            return
        self.app.call_from_thread(self.notify, "Could not write the export anywhere", severity="error")

    def counts_changed(self) -> None:
        self.query_one(DocumentList).set_counts(self.annotation_counts)

    def notes_changed(self) -> None:
        self._request_reindex()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The search box's own priority keys are off elsewhere: enter and escape in the list, the
        # reader and the panel are theirs (and the footer shows their bindings, not these).
        if action in ("open_result", "leave_search"):
            return self._search_focused
        return True

    @property
    def _search_focused(self) -> bool:
        focused = self.focused
        return isinstance(focused, Input) and focused.id == "search"

    def action_open_result(self) -> None:
        """``enter`` in the search box: open the top result of the query typed, or the row the user
        moved to in its results. The keys typed after it go to the list, so the row is chosen now;
        the query is read once the box has taken the letters typed before it."""
        listed = self.query_one(DocumentList)
        chosen = listed.highlighted.id if listed.moved and listed.highlighted else None
        self.set_focus(listed)
        self._after_typing(self._open_result, chosen, self._listed_query)

    def _open_result(self, chosen: str | None, chosen_in: str) -> None:
        typed = self._typed
        if not typed:
            return  # browsing: enter goes to the list
        if self._listing_is_stale:
            self._open_top_of = typed  # opened as soon as its results are listed
            return
        rows = self.query_one(DocumentList).rows
        if chosen is not None and chosen_in == typed and any(r.id == chosen for r in rows):
            self._open(chosen)
        elif rows:
            self._open(rows[0].id)

    def action_focus_search(self) -> None:
        box = self.query_one("#search", Input)
        if self.focused is box:
            raise SkipAction()  # a `/` typed in the query is a character of it
        self.set_focus(box)  # now, not after the keys already read (``focus()`` waits its turn)

    def action_cycle_sort(self) -> None:
        order = ("relevance", "date", "title") if self.active_query else ("date", "title")
        self.sort = order[(order.index(self.sort) + 1) % len(order)] if self.sort in order else order[0]
        self.notify(f"Sorted by {self.sort}", timeout=2)
        if self.active_query:
            self.run_search(self.active_query)
        else:
            self._show_browse_rows()

    def set_sort(self, sort: str) -> None:
        """Choose the list order (from the command palette)."""
        self.sort = sort
        if self.active_query:
            self.run_search(self.active_query)
        else:
            self._show_browse_rows()

    def action_leave_search(self) -> None:
        self.action_back_to_list()

    def action_back_to_list(self) -> None:
        if self.tag_filter:
            self.filter_by_tag(None)
        self.set_focus(self.query_one(DocumentList))

    # ------------------------------------------------------------------ helpers

    def _clear_search(self) -> None:
        self.active_query = ""
        if self.sort == "relevance":
            self.sort = "date"
        self.query_one("#search-message", Label).update("")
        self._show_browse_rows()
        self.query_one(Reader).set_hits([], jump=False)

    def _show_browse_rows(self) -> None:
        entries = list(self.entries.values())
        if self.sort == "title":
            entries.sort(key=lambda e: e.title.casefold())
        else:
            entries.sort(key=lambda e: (e.date, e.title.casefold()), reverse=True)
        if self.tag_filter:
            entries = [e for e in entries if self.tag_filter in self.annotation_tags.get(e.id, ())]
        counts = self.annotation_counts
        rows = [
            Row(
                e.id,
                e.title,
                e.date,
                e.source,
                e.words,
                annotations=counts.get(e.id, 0),
                indexed=not _is_placeholder(e),
            )
            for e in entries
        ]
        empty = "No documents with annotations of that tag." if self.tag_filter else self._no_documents()
        self.query_one(DocumentList).set_rows(rows, snippets=False, empty_message=empty)
        self._listed_query = ""

    def _no_documents(self) -> str:
        """What an empty corpus lists: still looking, or where nothing readable was found."""
        where = ", ".join(str(p) for p in self.library.inputs)
        if self.indexing:
            return f"Looking for documents in {where}…"
        return f"No documents in {where}: lectern reads {', '.join(sorted(EXTENSIONS))} files."

    def _set_corpus_status(self, state: str | None = None) -> None:
        if state is None:
            state = "indexing…" if self.indexing else "index ready" if self._index_ready else ""
        total = len(self.entries)
        count = f"{total:,} document{'s' if total != 1 else ''}"
        if not total and self._index_ready and not self.indexing:
            count = "no documents"  # the list says where it looked
        self.query_one("#status-corpus", Label).update(" · ".join(x for x in (count, state) if x))

    def _remember_position(self) -> None:
        reader = self.query_one(Reader)
        if reader.doc_id is not None and reader.moved:
            self.save_position(reader.doc_id, Position(reader.top_offset, reader.cursor))

    def on_unmount(self) -> None:
        # Textual cancels workers without awaiting them: make sure the indexer does not outlive us.
        if self._indexer_child is not None and self._indexer_child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._indexer_child.kill()
        self._saver.shutdown(wait=True)  # annotation changes still queued are written, not lost

    def remember_position_now(self) -> None:
        """Save the open document's position synchronously (on quit, when workers are ending)."""
        reader = self.query_one(Reader)
        if reader.doc_id is not None and reader.moved:
            with contextlib.suppress(OSError):
                self.positions.set(reader.doc_id, Position(reader.top_offset, reader.cursor))


def _discover_entries(library: Library) -> list[Entry]:
    """Entries straight from the file names, for the first run before any index exists.

    Nothing is read, so a corpus of any size lists at once; the indexer's commits replace these
    with the real titles, dates and lengths as it goes.
    """
    sources, _ = discover(list(library.inputs))
    return [_placeholder(source) for source in sources]


def _placeholder(source: SourceFile) -> Entry:
    """A file found on disk, before the index holds it: no sha256 (and no length) yet."""
    day = mtime_day(source.mtime_ns)
    title = " ".join(source.path.stem.replace("_", " ").replace("-", " ").split()) or source.path.name
    return Entry(source.id, str(source.path), source.size, source.mtime_ns, "", title, day, "", "", (), 0)


def _is_placeholder(entry: Entry) -> bool:
    """Whether ``entry`` came from discovery (``_placeholder``), not from the catalog: every indexed
    document has a sha256, the empty one included."""
    return not entry.sha256
