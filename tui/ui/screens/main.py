"""The reading room: search bar, document list, reader, annotation panel and status line.

This screen owns every call into ``tui.core``, always from a worker. It reads the catalog and
the documents itself and composes a controller for each other role: ``SearchController`` (the
query, the list it fills, what ``enter`` opens), ``AnnotationController`` (making and changing
annotations), ``PaneController`` (who gets the width) and ``IndexerClient`` (the indexer child).
Results come back as messages (``tui.ui.messages``); the handlers here, or the controllers they
hand them to, are what touch widgets.

Keys are taken in the order they were typed, from the first paint on: the list has the focus as
soon as the screen is composed, and the keys that move the focus into or out of the search box
(``/``, and ``enter``, ``escape`` and ``down`` in it) are priority bindings, handled as the app
reads them, so the keys typed after them already go where they lead.

A reading position is stored only when the user moved in the reader (``Reader.moved``): opening
a document (from the list, the palette, the browser, a click), re-opening it, or the jump to the
first hit of a search leave the stored one as it was.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label

from tui.core.catalog import Entry
from tui.core.documents import Document, Skipped, SourceFile, read_document
from tui.core.library import Library
from tui.core.reading import Position, ReadingPositions
from tui.core.sanitize import visible_line
from tui.core.settings import Panes
from tui.ui.controllers.annotations import BINDINGS as ANNOTATION_BINDINGS
from tui.ui.controllers.annotations import AnnotationController
from tui.ui.controllers.indexer import IndexerClient
from tui.ui.controllers.listing import Corpus, discover_entries, merge_entries
from tui.ui.controllers.panes import BINDINGS as PANE_BINDINGS
from tui.ui.controllers.panes import STEP, PaneController
from tui.ui.controllers.search import BINDINGS as SEARCH_BINDINGS
from tui.ui.controllers.search import SEARCH_BOX_ACTIONS, SearchController
from tui.ui.messages import (
    AnnotationsFailed,
    AnnotationsListed,
    AnnotationsSaved,
    CatalogLoaded,
    DocumentFailed,
    DocumentLoaded,
    HitsFound,
    IndexerEvent,
    PanesChanged,
    SearchFinished,
)
from tui.ui.widgets.annotation_panel import AnnotationPanel
from tui.ui.widgets.divider import Divider
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Header, Reader
from tui.ui.widgets.status_bar import StatusBar
from tui.ui.wording import counted

KEYS = [
    Binding("B", "browse", "Browse", id="main.browse", tooltip="Every annotation of the corpus", show=False),
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


class MainScreen(Screen[None]):
    """Search, list, read and annotate."""

    CSS_PATH = "main.tcss"
    AUTO_FOCUS = "#documents"
    """Focused as the screen is composed, before any key is read: a key typed ahead goes to the
    list, never to whatever a later ``focus()`` call would take it from."""
    BINDINGS = [*SEARCH_BINDINGS, *KEYS, *PANE_BINDINGS, *ANNOTATION_BINDINGS]  # noqa: RUF012

    def __init__(
        self,
        library: Library,
        positions: ReadingPositions,
        open_first: str | None = None,
        color_names: dict[str, str] | None = None,
        panes: Panes | None = None,
    ) -> None:
        super().__init__()
        self.library = library
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
        self.panes = PaneController(self, panes or Panes(), self._situation, self._panes_changed)
        self._open_first = open_first
        self._focus_at_open: Widget | None = None
        """What had the focus when a document was asked for (it moves to the reader unless the user
        has gone elsewhere meanwhile)."""

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
            yield Reader(id="reader")
            yield AnnotationPanel(id="annotation-panel")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.indexer.show_status("reading the catalog…")
        self.load_catalog(discover_if_missing=True)
        # After the first frame: the child's start competes with the first paint for the CPUs.
        self.call_after_refresh(self.indexer.start)
        self._lay_out()

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
        catalog = self.library.catalog()
        if catalog is not None and catalog.entries:
            self.post_message(CatalogLoaded(list(catalog.entries.values()), partial=self.indexing))
        elif discover_if_missing:
            self.post_message(CatalogLoaded(discover_entries(self.library), partial=True))
        elif catalog is not None:  # indexed, and nothing readable: the placeholders listed go
            self.post_message(CatalogLoaded([], partial=self.indexing))

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
        opened, problems = self.annotating.read_for(doc)
        if at is not None:
            position: Position | None = Position(at if top is None else top, at)
        else:
            position = self.positions.get(entry.id)
        self.post_message(DocumentLoaded(doc, position, "" if at is not None else query, opened, problems))

    @work(thread=True, group="save")
    def save_position(self, doc_id: str, position: Position) -> None:
        try:
            self.positions.set(doc_id, position)
        except OSError as error:
            self.app.call_from_thread(
                self.notify, f"Could not save the reading position: {error}", severity="warning"
            )

    # ------------------------------------------------------------------ the corpus and the indexer

    def on_catalog_loaded(self, message: CatalogLoaded) -> None:
        merge_entries(self.corpus, message.entries, message.partial)
        self.indexer.show_status()
        self.searching.catalog_changed()
        if self._open_first and self._open_first in self.entries:
            self.open_document(self._open_first)
            self._open_first = None

    def on_indexer_event(self, message: IndexerEvent) -> None:
        outcome = self.indexer.follow(message.event)
        if outcome is not None:  # the index holds more: the catalog and the query's results too
            self.load_catalog(discover_if_missing=False)
            self.searching.rerun()
        if outcome == "done":
            self.annotating.list_corpus()

    def on_annotations_listed(self, message: AnnotationsListed) -> None:
        self.annotating.listed(message)

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
        entry = self.entries.get(doc_id)
        if entry is None:
            return
        self._remember_position()
        self._focus_at_open = self.focused
        self.load_document(entry, self.active_query, at, top)

    def on_document_loaded(self, message: DocumentLoaded) -> None:
        # The panes take their widths first, and the document is laid out once, at the reader's
        # width (a reader that was hidden has none yet).
        taking_focus = self.focused is self._focus_at_open or self.focused is None
        self.panes.lay_out("reader" if taking_focus else "current", document=True)
        self.call_after_refresh(self._show_document, message)

    def _show_document(self, message: DocumentLoaded) -> None:
        doc = message.document
        reader = self.query_one(Reader)
        words = counted(doc.words, "word")
        meta = " · ".join(x for x in (doc.date, doc.source, doc.language, ", ".join(doc.tags), words) if x)
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
        self.annotating.open(doc, message.annotations)
        for problem in message.problems:
            self.notify(problem, severity="warning", timeout=12)
        if doc.problems:
            self.notify("; ".join(doc.problems), title=doc.id, severity="warning")
        if message.query:
            self.searching.find_hits(doc.id, doc.text, message.query, True)

    def on_document_failed(self, message: DocumentFailed) -> None:
        self.notify(f"Cannot open {message.doc_id}: {message.reason}", severity="error")
        self.load_catalog(discover_if_missing=False)
        self._lay_out()

    def on_hits_found(self, message: HitsFound) -> None:
        reader = self.query_one(Reader)
        if reader.doc_id == message.doc_id and message.query == self.active_query:
            reader.set_hits(message.spans, jump=message.jump)

    @on(Reader.HitChanged)
    def hit_changed(self, message: Reader.HitChanged) -> None:
        self.query_one(StatusBar).show_hit(message.index, message.total, message.kind)

    @on(Reader.SectionChanged)
    def section_changed(self, message: Reader.SectionChanged) -> None:
        self.query_one(StatusBar).show_section(message.title)

    @on(Reader.OutlineRequested)
    def show_outline(self, message: Reader.OutlineRequested) -> None:
        from tui.ui.screens.outline import OutlineScreen  # dialogs load when asked for, not to paint

        self.app.push_screen(OutlineScreen(message.headings, message.current), message.reader.go_to_heading)

    @on(Reader.FindRequested)
    def show_find(self, message: Reader.FindRequested) -> None:
        from tui.ui.screens.find import FindDialog

        self.app.push_screen(FindDialog(message.reader.text, message.query), message.reader.find)

    def _remember_position(self) -> None:
        reader = self.query_one(Reader)
        if reader.doc_id is not None and reader.moved:
            self.save_position(reader.doc_id, Position(reader.top_offset, reader.cursor))

    def remember_position_now(self) -> None:
        """Save the open document's position synchronously (on quit, when workers are ending)."""
        reader = self.query_one(Reader)
        if reader.doc_id is not None and reader.moved:
            with contextlib.suppress(OSError):
                self.positions.set(reader.doc_id, Position(reader.top_offset, reader.cursor))

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
        from tui.ui.screens.browser import AnnotationBrowser, Destination  # not needed to paint

        def back(destination: Destination | None) -> None:
            self.annotating.list_corpus()
            if destination is not None:
                self.open_document(destination.doc_id, at=destination.offset)
            elif self.document is not None:  # its annotations may have changed: read them again
                reader = self.query_one(Reader)
                self.open_document(self.document.id, at=reader.cursor, top=reader.top_offset)

        self.app.push_screen(AnnotationBrowser(self.library, self.color_names), back)

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
        return self.query_one(Reader).doc_id is not None, bool(self.active_query)

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
        return True

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
        await self.indexer.stop()
        self.annotating.flush()
