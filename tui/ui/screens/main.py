"""The reading room: search bar, document list, reader, annotation panel and status line.

This screen owns every call into ``tui.core``, always from a worker, through a controller for
each role: ``CatalogLoader`` (the catalog, read into the list), ``SearchController`` (the
query, the list it fills, what ``enter`` opens), ``AnnotationController`` (making and changing
annotations), ``PaneController`` (who gets the width), ``IndexerClient`` (the indexer child) and
``FileWatcher`` (files that change on disk while the app runs).
Results come back as messages (``tui.ui.messages``); the handlers here, or the controllers they
hand them to, are what touch widgets.

Keys are taken in the order they were typed, from the first paint on: the list has the focus as
soon as the screen is composed, and the keys that move the focus into or out of the search box
(``/``, and ``enter``, ``escape`` and ``down`` in it) are priority bindings, handled as the app
reads them, so the keys typed after them already go where they lead.

The reader, the annotation panel and the footer are mounted just after the first frame, and
the rest started after them, by ``Start`` (``controllers/starting.py``); until then the keys
that act on them are off (``check_action``).

``DocumentOpener`` opens documents in the reader, reads a changed one again in place, and keeps
the reading positions. ``LinkController`` follows the reader's links between documents and keeps the way back;
``EditorController`` runs ``$EDITOR`` on the open file, which is then read again as a changed one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input, Label

from tui.core.library import Library
from tui.core.reading import ReadingPositions
from tui.core.sanitize import visible_line
from tui.core.settings import Panes
from tui.core.watching import Batch
from tui.ui.controllers.annotations import BINDINGS as ANNOTATION_BINDINGS
from tui.ui.controllers.annotations import AnnotationController
from tui.ui.controllers.catalog_loading import CatalogLoader
from tui.ui.controllers.editor import EditorController
from tui.ui.controllers.indexer import IndexerClient
from tui.ui.controllers.labelling import BINDINGS as LABELLING_BINDINGS
from tui.ui.controllers.labelling import LabellingController, LabelsLoaded
from tui.ui.controllers.links import LinkController
from tui.ui.controllers.listing import Corpus, Listed
from tui.ui.controllers.opening import DocumentOpener
from tui.ui.controllers.panes import BINDINGS as PANE_BINDINGS
from tui.ui.controllers.panes import PaneController
from tui.ui.controllers.search import BINDINGS as SEARCH_BINDINGS
from tui.ui.controllers.search import SEARCH_BOX_ACTIONS, SearchController
from tui.ui.controllers.starting import Start
from tui.ui.controllers.watcher import FileWatcher
from tui.ui.messages import (
    AnnotationsFailed,
    AnnotationsListed,
    AnnotationsSaved,
    CatalogLoaded,
    DocumentFailed,
    DocumentLoaded,
    FilesChanged,
    FilesMissed,
    FilesSurveyed,
    HitsFound,
    IndexerEvent,
    LastDocumentFound,
    PanesChanged,
    SearchFinished,
    WatchFailed,
)
from tui.ui.widgets.divider import Divider
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.lookup import reader_of
from tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.core.documents import Document
    from tui.ui.widgets.annotation_panel import AnnotationPanel
    from tui.ui.widgets.reader import Reader

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


class MainScreen(Screen[None]):
    """Search, list, read and annotate."""

    # Its CSS (main.tcss) is the app's: read with the app's, it is parsed once before the first
    # frame, where a screen's own CSS_PATH makes Textual parse every stylesheet again and restyle
    # the app when the screen is pushed.
    AUTO_FOCUS = "#documents"
    """Focused as the screen is composed, before any key is read: a key typed ahead goes to the
    list, never to whatever a later ``focus()`` call would take it from."""
    BINDINGS = [*SEARCH_BINDINGS, *KEYS, *PANE_BINDINGS, *ANNOTATION_BINDINGS, *LABELLING_BINDINGS]  # noqa: RUF012

    def __init__(
        self,
        library: Library,
        positions: ReadingPositions,
        open_first: Path | None = None,
        color_names: dict[str, str] | None = None,
        panes: Panes | None = None,
        watch: bool | None = None,
        measure: int | None = None,
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
        self.catalog = CatalogLoader(
            self, library, self.corpus, self.searching, self.indexer, listed=self.opening.catalog_listed
        )
        self.starting = Start(
            self,
            opening=self.opening,
            catalog=self.catalog,
            labelling=self.labelling,
            indexer=self.indexer,
            searching=self.searching,
            watching=self.watching,
            panes=self.panes,
            measure=measure,
        )

    # The state others read (the palette, the app, tests), kept where it lives.

    @property
    def entries(self) -> dict[str, Listed]:
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
        named = self.opening.named  # its document is what the user waits for: in the first frame
        with Horizontal(id="panes"):
            yield DocumentList(id="documents")
            yield Divider(id="divider")
            if named:
                yield from self.starting.reader_widgets()
        yield StatusBar(id="status")

    def on_mount(self) -> None:
        self.indexer.show_status("reading the catalog…")
        self.catalog.start()
        self._lay_out()

    async def after_first_frame(self) -> None:
        """The app's first frame is on screen (the app calls this: its own mount is one batch,
        painted only when it ends, so the screen's own after-refresh callbacks would run before
        anything is on screen)."""
        await self.starting.after_first_frame()

    @property
    def reader_mounted(self) -> bool:
        """Whether the reader and the annotation panel are mounted (just after the first frame)."""
        return self.starting.reader_mounted

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a toast on one line (the app's ``notify`` makes every toast literal text)."""
        super().notify(visible_line(message), title=title, severity=severity, timeout=timeout)

    # ------------------------------------------------------------------ workers

    def load_catalog(self, discover_if_missing: bool = False) -> None:
        """Read the catalog again (every entry, or the rows changed since), in a worker."""
        self.catalog.load(discover_if_missing)

    # ------------------------------------------------------------------ the corpus and the indexer

    def on_catalog_loaded(self, message: CatalogLoaded) -> None:
        self.catalog.loaded(message)

    def on_last_document_found(self, message: LastDocumentFound) -> None:
        self.opening.last_found(message)

    def on_indexer_event(self, message: IndexerEvent) -> None:
        outcome = self.indexer.follow(message.event)
        if outcome is not None:  # the index holds more: the catalog and the query's results too
            self.load_catalog(discover_if_missing=False)
            self.searching.rerun()
        if message.event["event"] in ("done", "error"):
            self.searching.indexer_done()
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

    def on_files_missed(self, _: FilesMissed) -> None:
        # The start-up's check: the indexer finds what the lost burst held, its commits list it.
        self.indexer.request()

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
        self.starting.typed()
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
        if not self.starting.hold(message):
            self.opening.loaded(message)

    def on_document_failed(self, message: DocumentFailed) -> None:
        self.opening.failed()
        self.notify(f"Cannot open {message.doc_id}: {message.reason}", severity="error")
        self.load_catalog(discover_if_missing=False)
        self._lay_out()

    def on_hits_found(self, message: HitsFound) -> None:
        if not self.starting.reader_mounted:
            return  # no document is open yet
        reader = reader_of(self)
        if reader.doc_id == message.doc_id and message.query == self.active_query:
            reader.set_hits(message.spans, jump=message.jump)

    def on_reader_hit_changed(self, message: Reader.HitChanged) -> None:
        self.query_one(StatusBar).show_hit(message.index, message.total, message.kind)

    def on_reader_section_changed(self, message: Reader.SectionChanged) -> None:
        self.query_one(StatusBar).show_section(message.title)

    def on_reader_progress_changed(self, message: Reader.ProgressChanged) -> None:
        self.query_one(StatusBar).show_reading(message.percent)

    def on_reader_link_under_cursor(self, message: Reader.LinkUnderCursor) -> None:
        link = message.link
        self.query_one(StatusBar).show_link(None if link is None else link.shown or "(no destination)")

    def on_reader_link_followed(self, message: Reader.LinkFollowed) -> None:
        self.links.follow(message.reader, message.link)

    def on_reader_back_requested(self, message: Reader.BackRequested) -> None:
        self.links.back(message.reader)

    def on_reader_edit_requested(self, message: Reader.EditRequested) -> None:
        self.editing.edit(message.reader, self.document)

    def on_reader_outline_requested(self, message: Reader.OutlineRequested) -> None:
        from tui.ui.screens.outline import OutlineScreen  # dialogs load when asked for, not to paint

        self.app.push_screen(OutlineScreen(message.headings, message.current), message.reader.go_to_heading)

    def on_reader_find_requested(self, message: Reader.FindRequested) -> None:
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

    def on_reader_annotation_under_cursor(self, message: Reader.AnnotationUnderCursor) -> None:
        self.annotating.cursor_on(message.annotation)

    def on_annotation_panel_jump(self, message: AnnotationPanel.Jump) -> None:
        self.annotating.jump_to(message.annotation)

    def on_annotation_panel_delete(self, message: AnnotationPanel.Delete) -> None:
        self.annotating.delete(message.annotation)

    def on_annotation_panel_reattach(self, message: AnnotationPanel.Reattach) -> None:
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

        self.app.push_screen(
            AnnotationBrowser(self.library, self.color_names), self.opening.back_from_listing
        )

    def action_agreement(self) -> None:
        """Open the agreement between annotators; coming back, as from the browser."""
        from tui.ui.screens.agreement import AgreementScreen

        self.app.push_screen(AgreementScreen(self.library, self.color_names), self.opening.back_from_listing)

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
        self.panes.toggle_panel(self.document is not None)

    # ------------------------------------------------------------------ the panes

    def _situation(self) -> tuple[bool, bool]:
        open_now = self.starting.reader_mounted and reader_of(self).doc_id is not None
        return open_now or self.opening.expected, bool(self.active_query)

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
        self.panes.resize(direction)

    def action_toggle_list(self) -> None:
        self.panes.toggle_list()

    # ------------------------------------------------------------------ keys of the search box

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The search box's own priority keys are off elsewhere: enter, escape and down in the list,
        # the reader and the panel are theirs (and the footer shows their bindings, not these).
        if action in SEARCH_BOX_ACTIONS:
            return self.searching.box_focused
        if action in READER_ACTIONS and not self.starting.reader_mounted:
            return False
        if action == "labelling":  # label keys act in labelling mode only (the footer shows them then)
            return self.labelling.allows(parameters)
        return True

    def action_labelling(self, what: str, index: int = -1) -> None:
        """Labelling mode, its label keys, pre-annotation and reviewing (``LabellingController``)."""
        self.labelling.act(what, index)

    def on_labels_loaded(self, message: LabelsLoaded) -> None:
        self.labelling.loaded(message)

    def on_reader_cursor_moved(self, _: Reader.CursorMoved) -> None:
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
