"""The reading room: search bar, document list, reader, annotation panel and status line.

This screen owns every call into ``tui.core``, always from a worker. It reads the catalog and
the documents itself and composes a controller for each other role: ``SearchController`` (the
query, the list it fills, what ``enter`` opens), ``AnnotationController`` (making and changing
annotations), ``PaneController`` (who gets the width), ``IndexerClient`` (the indexer child) and
``FileWatcher`` (files that change on disk while the app runs).
Results come back as messages (``tui.ui.messages``); the handlers here, or the controllers they
hand them to, are what touch widgets.

Keys are taken in the order they were typed, from the first paint on: the list has the focus as
soon as the screen is composed, and the keys that move the focus into or out of the search box
(``/``, and ``enter``, ``escape`` and ``down`` in it) are priority bindings, handled as the app
reads them, so the keys typed after them already go where they lead.

The reader, the annotation panel and the footer are mounted just after the first frame: the
list the app opens on shows neither pane, and styling them (the reader has a style for each
Markdown element and highlight colour, the footer a widget per key) was a third of the time to
the first paint. Until then the keys that act on them are
off (``check_action``), and a document read meanwhile waits for them (``on_document_loaded``).

``DocumentOpener`` opens documents in the reader, reads a changed one again in place, and keeps
the reading positions. ``LinkController`` follows the reader's links between documents and keeps the way back;
``EditorController`` runs ``$EDITOR`` on the open file, which is then read again as a changed one.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input, Label

from tui.core.catalog import Entry
from tui.core.documents import Document
from tui.core.library import Library
from tui.core.reading import ReadingPositions
from tui.core.sanitize import visible_line
from tui.core.settings import Panes
from tui.core.watching import Batch
from tui.ui.controllers.annotations import BINDINGS as ANNOTATION_BINDINGS
from tui.ui.controllers.annotations import AnnotationController
from tui.ui.controllers.editor import EditorController
from tui.ui.controllers.indexer import IndexerClient
from tui.ui.controllers.labelling import BINDINGS as LABELLING_BINDINGS
from tui.ui.controllers.labelling import LabellingController, LabelsLoaded
from tui.ui.controllers.links import LinkController
from tui.ui.controllers.listing import Corpus, FirstScreen, discover_entries, early, merge_entries
from tui.ui.controllers.opening import DocumentOpener
from tui.ui.controllers.panes import BINDINGS as PANE_BINDINGS
from tui.ui.controllers.panes import STEP, PaneController
from tui.ui.controllers.search import BINDINGS as SEARCH_BINDINGS
from tui.ui.controllers.search import SEARCH_BOX_ACTIONS, SearchController
from tui.ui.controllers.watcher import FileWatcher
from tui.ui.messages import (
    AnnotationsFailed,
    AnnotationsListed,
    AnnotationsSaved,
    CatalogLoaded,
    DocumentFailed,
    DocumentLoaded,
    FilesChanged,
    FilesSurveyed,
    HitsFound,
    IndexerEvent,
    LastDocumentFound,
    PanesChanged,
    SearchFinished,
    WatchFailed,
)
from tui.ui.widgets.annotation_panel import AnnotationPanel
from tui.ui.widgets.divider import Divider
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.reader import Reader
from tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.ui.screens.browser import Destination

KEYS = [
    Binding("B", "browse", "Browse", id="main.browse", tooltip="Every annotation of the corpus", show=False),
    Binding(
        "ctrl+g",
        "agreement",
        "Agreement",
        id="main.agreement",
        tooltip="Agreement between annotators; review their disagreements",
        show=False,
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
"""The reading room's own keys; each controller's module declares the keys of its role."""
READER_ACTIONS = frozenset(
    key.action.partition("(")[0] for key in (*ANNOTATION_BINDINGS, *LABELLING_BINDINGS, *PANE_BINDINGS)
)
"""Actions on the reader or the panel: off until they are mounted, just after the first frame."""
WARM_UP_DELAY = 0.5
"""Seconds after the first frame before the searcher is opened (``SearchController.warm_up``)."""
WATCH_DELAY = 1.0
"""Seconds after the first frame before files are watched."""
FIRST_FRAME_WAIT = 2.0
"""Seconds the whole catalog's read waits for the first frame at most."""


class MainScreen(Screen[None]):
    """Search, list, read and annotate."""

    CSS_PATH = "main.tcss"
    AUTO_FOCUS = "#documents"
    """Focused as the screen is composed, before any key is read: a key typed ahead goes to the
    list, never to whatever a later ``focus()`` call would take it from."""
    BINDINGS = [*SEARCH_BINDINGS, *KEYS, *PANE_BINDINGS, *ANNOTATION_BINDINGS, *LABELLING_BINDINGS]  # noqa: RUF012

    def __init__(
        self,
        library: Library,
        positions: ReadingPositions,
        open_first: str | None = None,
        color_names: dict[str, str] | None = None,
        panes: Panes | None = None,
        watch: bool | None = None,
        measure: int | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self._measure = measure
        self._reader_mounted = False
        self._waiting: DocumentLoaded | None = None
        """A document read before the reader was mounted: shown once it is."""
        self.positions = positions
        self.corpus = Corpus()
        """Every document, the indexer's state, annotation counts and tags."""
        self.indexer = IndexerClient(self, library, self.corpus)
        self.searching = SearchController(
            self,
            library,
            self.corpus,
            open_document=self.open_document,
            rebuild_index=lambda: self.indexer.start(rebuild=True),
        )
        self.annotating = AnnotationController(
            self,
            library,
            self.corpus,
            color_names,
            counts_changed=self.searching.counts_changed,
            saved=self.indexer.request,  # notes and tags are indexed with their document
        )
        self.labelling = LabellingController(self, library, self.annotating)
        self.panes = PaneController(self, panes or Panes(), self._situation, self._panes_changed)
        self.watching = FileWatcher(self, library, self.corpus, enabled=watch)
        """Files changing on disk (``watch``: None follows ``LECTERN_WATCH``)."""
        self.opening = DocumentOpener(
            self,
            positions,
            self.corpus,
            annotating=self.annotating,
            searching=self.searching,
            panes=self.panes,
            open_first=open_first,
        )
        self.links = LinkController(self, self.corpus, self.open_document)
        self.editing = EditorController(self, self.reload_document, self.indexer.request)
        self._painted = threading.Event()
        """Set after the first frame (the catalog is read whole only then)."""
        self._first_rows = early(self.corpus.catalog_reader(library).first_screen, self.sort)
        """The catalog's first screenful, read while the screen is built (SQLite lets go of the
        GIL as it reads): listed in the first frame rather than the one after."""

    # The state others read (the palette, the app, tests), kept where it lives.

    @property
    def entries(self) -> dict[str, Entry]:
        """Every document of the corpus, by id."""
        return self.corpus.entries

    @property
    def indexing(self) -> bool:
        """Whether the indexer is running."""
        return self.corpus.indexing

    @property
    def _index_ready(self) -> bool:
        """Whether an index answers (tests and benchmarks wait on it)."""
        return self.corpus.index_ready

    @property
    def active_query(self) -> str:
        """The query the list shows results for ('' when browsing)."""
        return self.searching.active_query

    @property
    def sort(self) -> str:
        """The list's order."""
        return self.searching.sort

    @property
    def tag_filter(self) -> str | None:
        """The annotation tag the list is filtered by, if any."""
        return self.corpus.tag_filter

    @property
    def document(self) -> Document | None:
        """The document open in the reader."""
        return self.annotating.document

    @property
    def color_names(self) -> dict[str, str]:
        """The user's names for the highlight colours."""
        return self.annotating.color_names

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder='Search: words, "phrases", prefix*, fuzzy~, title: tag: date: lang:', id="search"
        )
        # Labels that show queries, suggestions and counts: plain text, never markup.
        yield Label("", id="search-message", markup=False)
        with Horizontal(id="panes"):
            yield DocumentList(id="documents")
            yield Divider(id="divider")
        yield StatusBar(id="status")

    def on_mount(self) -> None:
        self.indexer.show_status("reading the catalog…")
        if self._first_rows.done():
            self._list_first_rows(self._first_rows.result())
        self.load_catalog(discover_if_missing=True)
        # After the first frame: the reader, the label set, the last document's place and the
        # indexer child all compete with the first paint for the CPU (and the workers for the GIL).
        self.call_after_refresh(self._painted.set)
        self.call_after_refresh(self._mount_reader)
        self.call_after_refresh(self.labelling.load)
        self.call_after_refresh(self.opening.start)
        self.call_after_refresh(self.indexer.start)
        # The searcher's warm-up imports the engine (GIL-bound): not while a document given on
        # the command line, or the last one read, is being opened and shown.
        self.call_after_refresh(lambda: self.set_timer(WARM_UP_DELAY, self.searching.warm_up))
        # watchfiles holds the GIL while it sets its watches up (0.2 s at 100,000 files), which
        # would keep the first frame from being written out: it starts a moment later.
        self.call_after_refresh(lambda: self.set_timer(WATCH_DELAY, self.watching.start))
        self._lay_out()

    async def _mount_reader(self) -> None:
        reader = Reader(id="reader")
        if self._measure is not None:
            reader.measure = self._measure
        await self.query_one("#panes").mount(reader, AnnotationPanel(id="annotation-panel"))
        await self.mount(Footer())
        self._reader_mounted = True
        self.labelling.reader_mounted()
        self.panes.plan = None  # laid out again, the reader and the panel included
        self._lay_out()
        self.refresh_bindings()
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.opening.loaded(waiting)

    @property
    def reader_mounted(self) -> bool:
        """Whether the reader and the annotation panel are mounted (just after the first frame)."""
        return self._reader_mounted

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a toast: literal text on one line (nearly every message here quotes a file's
        titles, paths, tags or notes), unless a caller asks for markup it wrote itself."""
        if not markup:
            message = visible_line(message)
        super().notify(message, title=visible_line(title), severity=severity, timeout=timeout, markup=markup)

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="catalog")
    def load_catalog(self, discover_if_missing: bool) -> None:
        corpus = self.corpus
        reader = corpus.catalog_reader(self.library)
        if discover_if_missing and not corpus.entries and corpus.first_screen is None:
            # The first screenful at once: the first paint waits on a window of rows, whatever
            # the corpus's size; every entry follows (the palette, links and the watcher need them).
            first = self._first_rows.result()
            if first is not None and first.count:
                corpus.first_screen = first
                self.post_message(CatalogLoaded(first.entries, partial=True, total=first.count))
        if discover_if_missing:
            # Every entry once the first frame is out: building 100,000 of them holds the GIL for
            # a second, which the first paint would otherwise share.
            self._painted.wait(FIRST_FRAME_WAIT)
        read = reader.read()
        if read.damaged is not None and reader.repair():
            damaged = f"The index catalog was damaged ({read.damaged}): rebuilding"
            self.app.call_from_thread(self.notify, damaged)
            self.app.call_from_thread(self.indexer.start, True)
        if read.entries:
            # Unchanged since it was listed whole, and still listed so: nothing to do (an indexer
            # run that found nothing to change, on 100,000 documents, costs no re-listing).
            if read.fresh or self.indexing or corpus.entries is not corpus.settled:
                self.post_message(CatalogLoaded(list(read.entries.values()), partial=self.indexing))
        elif discover_if_missing:
            self.post_message(CatalogLoaded(discover_entries(self.library), partial=True))
        elif read.entries is not None:  # indexed, and nothing readable: the placeholders listed go
            self.post_message(CatalogLoaded([], partial=self.indexing))

    # ------------------------------------------------------------------ the corpus and the indexer

    def _list_first_rows(self, first: FirstScreen | None) -> None:
        if first is not None and first.count and not self.corpus.entries:
            self.corpus.first_screen = first
            self.searching.show_first_screen(first)

    def on_catalog_loaded(self, message: CatalogLoaded) -> None:
        if message.total is not None:  # the first screenful: listed while the rest is read
            if not self.corpus.entries and self.corpus.first_screen is not None:
                self.searching.show_first_screen(self.corpus.first_screen)
            return
        self.corpus.first_screen = None  # its rows read the catalog file: every entry is here now
        merge_entries(self.corpus, message.entries, message.partial)
        self.indexer.show_status()
        self.searching.catalog_changed()
        self.opening.catalog_listed()

    def on_last_document_found(self, message: LastDocumentFound) -> None:
        self.opening.last_found(message)

    def on_indexer_event(self, message: IndexerEvent) -> None:
        outcome = self.indexer.follow(message.event)
        if outcome is not None:  # the index holds more: the catalog and the query's results too
            self.load_catalog(discover_if_missing=False)
            self.searching.rerun()
        if outcome == "done":
            self.annotating.list_corpus()
            self.searching.warm_up()

    def on_annotations_listed(self, message: AnnotationsListed) -> None:
        self.annotating.listed(message)

    # ------------------------------------------------------------------ files changing on disk

    def on_files_changed(self, message: FilesChanged) -> None:
        batch = self.watching.take(message.batch)
        if batch is not None:
            self.survey_files(batch)

    @work(thread=True, group="files")
    def survey_files(self, batch: Batch) -> None:
        self.post_message(self.watching.survey(batch))

    def on_files_surveyed(self, message: FilesSurveyed) -> None:
        applied = self.watching.apply(message, self.document)
        if applied.changed:  # the paths that changed, not a rescan: the indexer reads only those anew
            self.indexer.show_status()
            self.searching.catalog_changed()
            self.indexer.request()
        if applied.notice:
            self.notify(applied.notice, severity="information" if applied.reload else "warning", timeout=10)
        if applied.reload is not None:
            self.reload_document(applied.reload)
        batch = self.watching.next()
        if batch is not None:
            self.survey_files(batch)

    def on_watch_failed(self, message: WatchFailed) -> None:
        notice = self.watching.failed(message.reason)
        if notice is not None:
            self.notify(notice, severity="warning", timeout=15)

    def reload_document(self, doc_id: str) -> None:
        """Read the open document again (its file changed, or moved to ``doc_id``)."""
        self.opening.reload(doc_id)

    def on_screen_resume(self) -> None:
        self.opening.resumed()

    # ------------------------------------------------------------------ searching

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.searching.changed(event.value)
        self._lay_out()

    def on_search_finished(self, message: SearchFinished) -> None:
        self.searching.finished(message)
        self._lay_out()

    @on(DocumentList.Opened)
    def document_opened(self, message: DocumentList.Opened) -> None:
        self.searching.open_from_list(message)

    # ------------------------------------------------------------------ reading

    def open_document(self, doc_id: str, at: int | None = None, top: int | None = None) -> None:
        """Open a document: at ``at`` (with ``top`` the first line shown), else where it was left
        and then on the query's first hit, if it has one. The palette and the browser call this."""
        self.opening.open(doc_id, at, top)

    def on_document_loaded(self, message: DocumentLoaded) -> None:
        if not self._reader_mounted:
            self._waiting = message
            return
        self.opening.loaded(message)

    def on_document_failed(self, message: DocumentFailed) -> None:
        self.notify(f"Cannot open {message.doc_id}: {message.reason}", severity="error")
        self.load_catalog(discover_if_missing=False)
        self._lay_out()

    def on_hits_found(self, message: HitsFound) -> None:
        if not self._reader_mounted:
            return  # no document is open yet
        reader = self.query_one(Reader)
        if reader.doc_id == message.doc_id and message.query == self.active_query:
            reader.set_hits(message.spans, jump=message.jump)

    @on(Reader.HitChanged)
    def hit_changed(self, message: Reader.HitChanged) -> None:
        self.query_one(StatusBar).show_hit(message.index, message.total, message.kind)

    @on(Reader.SectionChanged)
    def section_changed(self, message: Reader.SectionChanged) -> None:
        self.query_one(StatusBar).show_section(message.title)

    @on(Reader.ProgressChanged)
    def progress_changed(self, message: Reader.ProgressChanged) -> None:
        self.query_one(StatusBar).show_reading(message.percent)

    @on(Reader.LinkUnderCursor)
    def link_under_cursor(self, message: Reader.LinkUnderCursor) -> None:
        link = message.link
        self.query_one(StatusBar).show_link(None if link is None else link.shown or "(no destination)")

    @on(Reader.LinkFollowed)
    def follow_link(self, message: Reader.LinkFollowed) -> None:
        self.links.follow(message.reader, message.link)

    @on(Reader.BackRequested)
    def go_back(self, message: Reader.BackRequested) -> None:
        self.links.back(message.reader)

    @on(Reader.EditRequested)
    def edit_document(self, message: Reader.EditRequested) -> None:
        self.editing.edit(message.reader, self.document)

    @on(Reader.OutlineRequested)
    def show_outline(self, message: Reader.OutlineRequested) -> None:
        from tui.ui.screens.outline import OutlineScreen  # dialogs load when asked for, not to paint

        self.app.push_screen(OutlineScreen(message.headings, message.current), message.reader.go_to_heading)

    @on(Reader.FindRequested)
    def show_find(self, message: Reader.FindRequested) -> None:
        from tui.ui.screens.find import FindDialog

        self.app.push_screen(FindDialog(message.reader.text, message.query), message.reader.find)

    def remember_position_now(self) -> None:
        """Save the open document's position synchronously (on quit, when workers are ending)."""
        self.opening.remember_position_now()

    # ------------------------------------------------------------------ annotations

    def on_annotations_saved(self, message: AnnotationsSaved) -> None:
        self.annotating.saved(message)

    def on_annotations_failed(self, message: AnnotationsFailed) -> None:
        self.annotating.failed(message)

    @on(Reader.AnnotationUnderCursor)
    def annotation_under_cursor(self, message: Reader.AnnotationUnderCursor) -> None:
        self.annotating.cursor_on(message.annotation)

    @on(AnnotationPanel.Jump)
    def annotation_chosen(self, message: AnnotationPanel.Jump) -> None:
        self.annotating.jump_to(message.annotation)

    @on(AnnotationPanel.Delete)
    def delete_from_panel(self, message: AnnotationPanel.Delete) -> None:
        self.annotating.delete(message.annotation)

    @on(AnnotationPanel.Reattach)
    def reattach(self, message: AnnotationPanel.Reattach) -> None:
        self.annotating.reattach(message.annotation)

    def known_tags(self) -> list[str]:
        """Every annotation tag used in the corpus, for completion and the tag filter."""
        return self.corpus.known_tags()

    def filter_by_tag(self, tag: str | None) -> None:
        """Show only the documents with an annotation tagged ``tag`` (None: all)."""
        self.searching.filter_by_tag(tag)
        self._lay_out()

    def action_browse(self) -> None:
        """Open the annotation browser; coming back, open the chosen passage and refresh."""
        from tui.ui.screens.browser import AnnotationBrowser  # not needed to paint

        self.app.push_screen(AnnotationBrowser(self.library, self.color_names), self._back_from_listing)

    def action_agreement(self) -> None:
        """Open the agreement between annotators; coming back, as from the browser."""
        from tui.ui.screens.agreement import AgreementScreen

        self.app.push_screen(AgreementScreen(self.library, self.color_names), self._back_from_listing)

    def _back_from_listing(self, destination: Destination | None) -> None:
        """Back from the browser or the agreement screen: open the passage chosen there (saying
        what its note says: whose span is which), else read the open document's annotations again."""
        self.annotating.list_corpus()
        if destination is not None:
            self.open_document(destination.doc_id, at=destination.offset)
            if destination.note:
                self.notify(destination.note, title="Disagreement", timeout=30)
        elif self.document is not None:  # its annotations may have changed: read them again
            reader = self.query_one(Reader)
            self.open_document(self.document.id, at=reader.cursor, top=reader.top_offset)

    def action_highlight(self) -> None:
        self.annotating.highlight()

    def action_annotate(self) -> None:
        self.annotating.annotate()

    def action_tag(self) -> None:
        self.annotating.annotate(tags_only=True)

    def action_edit(self) -> None:
        self.annotating.edit()

    def action_delete(self) -> None:
        self.annotating.delete()

    def action_undo(self) -> None:
        self.annotating.undo()

    def action_cycle_color(self) -> None:
        self.annotating.cycle_color()

    def action_choose_color(self, number: int) -> None:
        self.annotating.choose_color(number)

    def action_toggle_panel(self) -> None:
        """Show or hide the annotation panel (it takes the list's place when all three do not fit)."""
        if self.document is None and not self.panes.panel_open:
            self.notify("Open a document to see its annotations", timeout=3)
            return
        opened = self.panes.toggle_panel()
        self.panes.lay_out("panel" if opened else "reader", keep_cursor=True)
        self.query_one(AnnotationPanel if opened else Reader).focus()

    # ------------------------------------------------------------------ the panes

    def _situation(self) -> tuple[bool, bool]:
        open_now = self._reader_mounted and self.query_one(Reader).doc_id is not None
        return open_now, bool(self.active_query)

    def _lay_out(self) -> None:
        self.panes.lay_out()

    def _panes_changed(self, panes: Panes) -> None:
        self.post_message(PanesChanged(panes))

    def on_resize(self, _: events.Resize) -> None:
        self._lay_out()

    def on_descendant_focus(self, _: events.DescendantFocus) -> None:
        self._lay_out()

    @on(Divider.Dragged)
    def divider_dragged(self, message: Divider.Dragged) -> None:
        self.panes.drag_to(message.screen_x)

    @on(Divider.Released)
    def divider_released(self, _: Divider.Released) -> None:
        self.panes.drag_ended()

    def action_resize_list(self, direction: int) -> None:
        if not self.panes.resize(direction * STEP):
            self.notify("The list is as wide as the screen until a document is open", timeout=3)

    def action_toggle_list(self) -> None:
        reader = self.query_one(Reader)
        hidden = self.panes.toggle_list()
        if reader.doc_id is None:
            self.notify(f"The list {'hides' if hidden else 'shows'} once a document is open", timeout=3)
        elif hidden and not reader.has_focus:
            self.set_focus(reader)
        self.panes.lay_out(keep_cursor=True)

    # ------------------------------------------------------------------ keys of the search box

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The search box's own priority keys are off elsewhere: enter, escape and down in the list,
        # the reader and the panel are theirs (and the footer shows their bindings, not these).
        if action in SEARCH_BOX_ACTIONS:
            return self.searching.box_focused
        if action in READER_ACTIONS and not self._reader_mounted:
            return False
        if action == "labelling":  # label keys act in labelling mode only (the footer shows them then)
            return self.labelling.allows(parameters)
        return True

    def action_labelling(self, what: str, index: int = -1) -> None:
        """Labelling mode, its label keys, pre-annotation and reviewing (``LabellingController``)."""
        self.labelling.act(what, index)

    def on_labels_loaded(self, message: LabelsLoaded) -> None:
        self.labelling.loaded(message)

    @on(Reader.CursorMoved)
    def labelling_cursor(self, _: Reader.CursorMoved) -> None:
        self.labelling.cursor_moved()

    def action_open_result(self) -> None:
        self.searching.open_result()

    def action_focus_search(self) -> None:
        box = self.searching.box
        if self.focused is box:
            raise SkipAction()  # a `/` typed in the query is a character of it
        self.set_focus(box)  # now, not after the keys already read (``focus()`` waits its turn)

    def action_leave_search(self) -> None:
        if not self.searching.escape():  # a first escape empties the box, a second leaves it
            self.action_back_to_list()

    def action_to_list(self) -> None:
        self.set_focus(self.query_one(DocumentList))

    def action_accept_suggestion(self) -> None:
        if not (self.searching.box_focused and self.searching.accept_suggestion()):
            self.focus_next()

    def action_cycle_sort(self) -> None:
        self.searching.cycle_sort()

    def set_sort(self, sort: str) -> None:
        """Choose the list order (from the command palette)."""
        self.searching.set_sort(sort)

    def action_back_to_list(self) -> None:
        if self.corpus.tag_filter:
            self.filter_by_tag(None)
        self.set_focus(self.query_one(DocumentList))

    async def on_unmount(self) -> None:
        # Textual cancels workers without awaiting them: the indexer child is stopped and waited
        # for here, and annotation changes still queued are written, not lost.
        await self.watching.stop()
        await self.indexer.stop()
        self.annotating.flush()
