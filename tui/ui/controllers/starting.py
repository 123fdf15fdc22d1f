"""The reading room's start, in the order the user sees it: the list in the first frame, then the
reader, the annotation panel and the footer, then what competes with them for the CPU.

The reader and the panel are mounted just after the first frame: the list the app opens on shows
neither, and styling them (the reader has a style for each Markdown element and highlight
colour, the footer a widget per key) was a third of the time to the first paint. Until then the
keys that act on them are off (``reader_mounted``), and a document read meanwhile waits for them
(``hold``). A file named on the command line is what the user waits for instead: the reader and
the panel are composed with the list (``reader_widgets``), the file is read once that first frame
is out (reading it sooner shared the GIL with the frame, and both came later), and the footer and
the rest start once it shows.

The rest: the catalog's full read, the labels, the last document's place, the indexer child,
then the searcher's warm-up and, a moment later and later again while a query is typed, the
file watcher.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen
from textual.timer import Timer

from tui.ui.widgets.footer import Footer
from tui.ui.widgets.lookup import PANEL_ID, READER_ID

if TYPE_CHECKING:
    from tui.ui.controllers.catalog_loading import CatalogLoader
    from tui.ui.controllers.indexer import IndexerClient
    from tui.ui.controllers.labelling import LabellingController
    from tui.ui.controllers.opening import DocumentOpener
    from tui.ui.controllers.panes import PaneController
    from tui.ui.controllers.search import SearchController
    from tui.ui.controllers.watcher import FileWatcher
    from tui.ui.messages import DocumentLoaded
    from tui.ui.widgets.annotation_panel import AnnotationPanel
    from tui.ui.widgets.reader import Reader

WARM_UP_DELAY = 0.5
"""Seconds after the first frame before the searcher is opened (``SearchController.warm_up``)."""
WATCH_DELAY = 1.0
"""Seconds after the first frame, and after the last change of the query, before files are watched."""


class Start:
    """What the main screen starts after its first frame, and in what order."""

    def __init__(
        self,
        screen: Screen[Any],
        *,
        opening: DocumentOpener,
        catalog: CatalogLoader,
        labelling: LabellingController,
        indexer: IndexerClient,
        searching: SearchController,
        watching: FileWatcher,
        panes: PaneController,
        measure: int | None = None,
    ) -> None:
        self._screen = screen
        self._opening, self._catalog, self._labelling = opening, catalog, labelling
        self._indexer, self._searching, self._watching = indexer, searching, watching
        self._panes = panes
        self._measure = measure
        self.reader_mounted = False
        """Whether the reader and the annotation panel are mounted (just after the first frame)."""
        self._waiting: DocumentLoaded | None = None
        """A document read before the reader was mounted: shown once it is."""
        self._watch_timer: Timer | None = None
        """Starts the file watcher, a moment after the first frame (None once it has)."""

    def reader_widgets(self) -> tuple[Reader, AnnotationPanel]:
        """A new reader and annotation panel."""
        # Imported here: the reader and its text layout are not needed to paint the list.
        from tui.ui.widgets.annotation_panel import AnnotationPanel
        from tui.ui.widgets.reader import Reader

        reader = Reader(id=READER_ID)
        if self._measure is not None:
            reader.measure = self._measure
        return reader, AnnotationPanel(id=PANEL_ID)

    async def after_first_frame(self) -> None:
        """Mount what the list does not show, and start what would compete with the paint for
        the CPU (and the workers for the GIL)."""
        self._opening.start_named()
        await self.mount_reader()
        # A document named on the command line is what the user waits for: the rest starts
        # once it is shown (its read would share the GIL with the catalog's and the indexer's).
        self._opening.when_shown(self._start_the_rest)

    async def mount_reader(self) -> None:
        """Mount the reader, the panel and the footer (composed already for a named file), and
        show a document read meanwhile."""
        if not self._opening.named:  # (else composed with the list, and the footer mounted once it shows)
            await self._screen.query_one("#panes").mount(*self.reader_widgets())
            await self._screen.mount(Footer())
        self.reader_mounted = True
        self._labelling.reader_mounted()
        self._panes.plan = None  # laid out again, the reader and the panel included
        self._panes.lay_out()
        self._screen.refresh_bindings()
        self._opening.reader_ready()
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self._opening.loaded(waiting)

    def hold(self, message: DocumentLoaded) -> bool:
        """Keep a document read before the reader is mounted (True), to show it then."""
        if self.reader_mounted:
            return False
        self._waiting = message
        return True

    def typed(self) -> None:
        """The query changed: the watcher waits until it has not for a while."""
        if self._watch_timer is not None:
            self._watch_timer.reset()  # its child's start takes a CPU: not while a query is typed

    def _start_the_rest(self) -> None:
        screen = self._screen
        if self._opening.named:  # (its keys built, and built again as the focus and bindings
            screen.mount(Footer())  # change, were some 40 ms on the way to the document's text)
        self._catalog.painted()
        self._labelling.load()
        self._opening.start()
        self._indexer.start()
        # The searcher's warm-up imports the engine (GIL-bound): not while a document given on
        # the command line, or the last one read, is being opened and shown (with none to reopen,
        # the opener asks for it at once: the first query typed would wait for it).
        screen.set_timer(WARM_UP_DELAY, self._searching.warm_up)
        # The watcher's child walks the corpus as it starts (0.35 s at 100,000 files, on a CPU the
        # indexer may be using): a moment later, and later again while a query is being typed.
        self._watch_timer = screen.set_timer(WATCH_DELAY, self._start_watching)

    def _start_watching(self) -> None:
        self._watch_timer = None
        self._watching.start()
