"""Opening documents in the reader: where each opens, reading one again, and the place left.

A document opens at the offset asked for, else where the user left it (``ReadingPositions``),
and the query's first hit follows if it has one. A file that changed under the reader is read
again in place (``reload``): the cursor stays on the same words (``watching.follow``), and a
dialog open over the screen (its selection points into the old text) defers it until it closes.

A reading position is stored only when the user moved in the reader (``Reader.moved``): opening a
document, re-opening it, or the jump to the first hit of a search leave the stored one as it was.
The document open last is stored with the positions (when it opens, and on quit): started again
with no document asked for, the reading room opens it where it was left, or, when it has gone,
stays on the list and says nothing.

The file is read in a worker; ``DocumentLoaded`` brings it back and ``loaded`` shows it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen
from textual.widget import Widget

from tui.core.discovery import Skipped, SourceFile
from tui.core.reading import Position, ReadingPositions
from tui.core.sanitize import visible_line
from tui.core.watching import follow
from tui.ui.controllers.annotations import AnnotationController
from tui.ui.controllers.listing import Corpus, Listed
from tui.ui.controllers.panes import PaneController
from tui.ui.controllers.search import SearchController
from tui.ui.messages import DocumentFailed, DocumentLoaded, LastDocumentFound
from tui.ui.widgets.lookup import reader_of, readers_of
from tui.ui.wording import counted

if TYPE_CHECKING:
    from tui.core.documents import Document
    from tui.ui.screens.browser import Destination
    from tui.ui.widgets.reader import Reader

POSITION_NOT_SAVED = "Could not save the reading position: {}"
COUNT_BEFORE_SHOWING = 1_000_000
"""A document up to this many bytes opens with its word count in its header; a larger one opens
first (counting 5 MB takes some 15 ms) and the count follows."""


def _meta(doc: Document, words: str) -> str:
    """The header's line under the title: date, source, language, tags and ``words``."""
    return " · ".join(x for x in (doc.date, doc.source, doc.language, ", ".join(doc.tags), words) if x)


class DocumentOpener:
    """Opens documents in the reader, reads the open one again, and keeps reading positions."""

    def __init__(
        self,
        screen: Screen[Any],
        positions: ReadingPositions,
        corpus: Corpus,
        *,
        annotating: AnnotationController,
        searching: SearchController,
        panes: PaneController,
        open_first: Path | None,
    ) -> None:
        self._screen = screen
        self.positions = positions
        self._corpus = corpus
        self._annotating = annotating
        self._searching = searching
        self._panes = panes
        self._open_first = open_first
        self._named = open_first is not None
        """The document named on the command line: read from the start (``start_named``)."""
        self._expected = False
        self._asked_for: str | None = None
        """The document asked for last: one read before it, by a worker since replaced, is not shown."""
        self._deferred = 0
        """Documents waiting for a refresh to be shown."""
        self._when_shown: list[Callable[[], None]] = []
        self._focus_when_ready = False
        """Whether the focus to compare with is taken once the reader is mounted (a document read
        before the first frame: nothing had the focus yet)."""
        self._resume: str | None = None
        """The document open when lectern last quit, to open once the corpus is listed."""
        self._catalog_seen = False
        self._opened_any = False
        """Whether a document was asked for (then the last one is not reopened over it)."""
        self._focus_at_open: Widget | None = None
        """What had the focus when a document was asked for (it moves to the reader unless the user
        has gone elsewhere meanwhile)."""
        self._reload_when_back: str | None = None
        """A document to read again once no dialog covers the screen."""
        self._positions_told = threading.Lock()
        """Taken by the first worker that says what was wrong with the positions file (it is read
        in a worker, after the app's own start-up report of problems)."""

    @property
    def _reader(self) -> Reader:
        return reader_of(self._screen)

    # ------------------------------------------------------------------ the document open at start

    def start_named(self) -> None:
        """Read the document named on the command line, once the first frame is out: its text is
        what the user waits for, and the catalog need not list it first (a single file is the
        whole corpus, under its own name). Not sooner: a read (its imports, mostly) sharing the GIL
        with the first frame made both wait on each other, and the text showed 0.1 s later."""
        path, self._open_first = self._open_first, None
        if path is None:
            return
        self._opened_any = True
        self._focus_when_ready = True
        self._load((path.name, str(path)))
        self._expected = True

    @property
    def named(self) -> bool:
        """Whether a document was named on the command line (composed for, read after the first frame)."""
        return self._named

    @property
    def expected(self) -> bool:
        """Whether a document named on the command line is on its way (the panes are laid out
        for it from the first, so it shows without laying them out again)."""
        return self._expected or self._open_first is not None

    def reader_ready(self) -> None:
        """The reader is mounted (just after the first frame)."""
        if self._focus_when_ready:
            self._focus_when_ready = False
            self._focus_at_open = self._screen.focused

    def start(self) -> None:
        """With no document asked for, look for the one open last (it opens once listed)."""
        if not self._opened_any:
            self._screen.run_worker(self._find_last, thread=True, group="resume")

    def _find_last(self) -> None:
        last = self.positions.last
        self._tell_positions_problem()
        if last is not None:
            self._screen.post_message(LastDocumentFound(last))
        else:  # no document to show first: the searcher may load now, not half a second later
            self._screen.app.call_from_thread(self._searching.warm_up)

    def catalog_listed(self) -> None:
        """The corpus is listed: open the document open last, unless one was asked for."""
        self._catalog_seen = True
        self._reopen_last()

    def last_found(self, message: LastDocumentFound) -> None:
        self._resume = message.doc_id
        if self._catalog_seen:
            self._reopen_last()

    def _reopen_last(self) -> None:
        """Open the document open when lectern last quit, at its position, unless one was opened
        meanwhile; one the corpus no longer lists (or whose file has gone) is passed over."""
        doc_id, self._resume = self._resume, None
        entry = self._corpus.entries.get(doc_id) if doc_id is not None else None
        if entry is None or self._opened_any:
            return
        self._opened_any = True
        self._focus_at_open = self._screen.focused
        self._load(entry, quiet=True)

    # ------------------------------------------------------------------ opening

    def open(self, doc_id: str, at: int | None = None, top: int | None = None) -> None:
        """Open a document: at ``at`` (with ``top`` the first line shown), else where it was left
        and then on the query's first hit, if it has one."""
        entry = self._corpus.entries.get(doc_id)
        if entry is None:
            return
        self.remember_position()
        self._opened_any = True
        self._focus_at_open = self._screen.focused
        self._load(entry, at, top)

    def _open_reader(self) -> Reader | None:
        """The reader, when it shows a document (it is mounted just after the first frame)."""
        readers = readers_of(self._screen)
        return readers[0] if readers and readers[0].doc_id is not None else None

    def reload(self, doc_id: str) -> None:
        """Read the open document again (its file changed, or moved to ``doc_id``), with the
        cursor on the same words."""
        reader = self._open_reader()
        entry = self._corpus.entries.get(doc_id)
        if entry is None or reader is None:
            return
        if not self._screen.is_active:
            self._reload_when_back = doc_id
            return
        self.remember_position()
        self._load(entry, reader.cursor, reader.top_offset, reread=reader.text)

    def resumed(self) -> None:
        """The screen is on top again: read the document deferred while a dialog covered it."""
        doc_id, self._reload_when_back = self._reload_when_back, None
        if doc_id is not None:
            self.reload(doc_id)

    def _load(
        self,
        entry: Listed | tuple[str, str],
        at: int | None = None,
        top: int | None = None,
        reread: str | None = None,
        quiet: bool = False,
    ) -> None:
        """Read ``entry`` (a listed one, or an id and a path) in a worker, to show it."""
        query = self._searching.active_query
        doc_id, path = entry[:2]
        if doc_id != self._asked_for:
            self._expected = False  # another document than the one named: laid out as any other
        self._asked_for = doc_id
        self._screen.run_worker(
            lambda: self._read(doc_id, path, query, at, top, reread, quiet),
            thread=True,
            exclusive=True,
            group="document",
        )

    def _read(
        self,
        doc_id: str,
        location: str,
        query: str,
        at: int | None,
        top: int | None,
        reread: str | None,
        quiet: bool,
    ) -> None:
        """(A worker.) ``reread``: the text the reader shows, when this is its file read again after
        it changed (``at`` and ``top`` point into that text); ``quiet``: a document that cannot be
        read is passed over without a word (the last one, reopened on start)."""
        post = self._screen.post_message
        path = Path(location)
        try:
            stat = path.stat()
        except OSError as error:
            if not quiet:
                post(DocumentFailed(doc_id, error.strerror or str(error)))
            return
        from tui.core.documents import read_document  # a worker: YAML is not on the way to the first frame

        source = SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns)
        doc = read_document(source, words=stat.st_size <= COUNT_BEFORE_SHOWING)
        if isinstance(doc, Skipped):
            if not quiet:
                post(DocumentFailed(doc_id, doc.reason))
            return
        if stat.st_size <= COUNT_BEFORE_SHOWING:
            _ = doc.words  # counted here, not on the UI thread (a converted document's too)
        from tui.ui.widgets.reader import prepare  # a worker: the import may happen here

        prepare(doc)  # its whole-text work here, not on the UI thread before the first paint
        opened, problems = self._annotating.read_for(doc)
        if reread is not None and at is not None:  # the same words, wherever the edit moved them
            at, top = follow(reread, doc.text, at), follow(reread, doc.text, at if top is None else top)
            post(DocumentLoaded(doc, Position(top, at), query, opened, problems, reloaded=True))
            return
        if at is not None:
            position: Position | None = Position(at if top is None else top, at)
        else:
            position = self.positions.get(doc_id)
            self._tell_positions_problem()
        post(DocumentLoaded(doc, position, "" if at is not None else query, opened, problems))

    # ------------------------------------------------------------------ showing

    def loaded(self, message: DocumentLoaded) -> None:
        if message.document.id != self._asked_for:
            return  # read by a worker since replaced (the last document reopened, then another opened)
        # The panes take their widths first, and the document is laid out once, at the reader's
        # width (a reader that was hidden has none yet): after the next refresh if they change,
        # or if a document before it waits for that refresh (they show in the order they came).
        changed = self._panes.lay_out("reader" if self._taking_focus(message) else "current", document=True)
        if changed or not self._reader.size.width or self._deferred:
            self._deferred += 1
            self._screen.call_after_refresh(self._show_deferred, message)
        else:  # (a document named on the command line: the panes were laid out for it)
            self._show(message)

    def _show_deferred(self, message: DocumentLoaded) -> None:
        self._deferred -= 1
        self._show(message)

    def failed(self) -> None:
        """The document on its way could not be read."""
        self._expected = False
        self._run_when_shown()

    def when_shown(self, then: Callable[[], None]) -> None:
        """Call ``then`` once the document named on the command line is shown (or could not be
        read), or now when none is on its way."""
        self._when_shown.append(then)
        if not self._expected:
            self._run_when_shown()

    def _run_when_shown(self) -> None:
        waiting, self._when_shown = self._when_shown, []
        for then in waiting:
            then()

    def _taking_focus(self, message: DocumentLoaded) -> bool:
        focused = self._screen.focused
        return not message.reloaded and (focused is self._focus_at_open or focused is None)

    def _show(self, message: DocumentLoaded) -> None:
        from tui.ui.widgets.reader import Header  # mounted by now: its module is loaded

        doc = message.document
        reader = self._reader
        self._expected = False
        known = "words" in doc.__dict__  # (a cached property: counted, or not yet)
        meta = _meta(doc, counted(doc.words, "word") if known else "")
        # Where it was left (the first hit of the query, if any, follows): a document the query does
        # not match opens where the user left it, not at its top.
        position = message.position
        top, cursor = (position.top, position.cursor) if position else (0, 0)
        reader.load(doc.id, doc.text, Header(doc.title, meta), top, cursor)
        if self._taking_focus(message):
            reader.focus()  # unless the user went elsewhere (typed `/`...) while it loaded
        if not message.reloaded:
            self._save(lambda: self.positions.set_last(doc.id))
        self._annotating.open(doc, message.annotations)
        for problem in message.problems:
            self._screen.notify(problem, severity="warning", timeout=12)
        if doc.problems:
            self._screen.notify("; ".join(doc.problems), title=doc.id, severity="warning")
        if message.query:  # a document read again keeps its cursor: its hits are shown, not jumped to
            self._searching.find_hits(doc.id, doc.text, message.query, not message.reloaded)
        if self._when_shown:
            self._screen.app.call_after_refresh(self._run_when_shown)  # once it is painted
        if not known:  # after the text is painted: the count would share the GIL with that
            self._screen.app.call_after_refresh(
                lambda: self._screen.run_worker(lambda: self._count_words(doc), thread=True, group="words")
            )

    def _count_words(self, doc: Document) -> None:
        """(A worker.) The open document's word count, into its header once counted."""
        meta = _meta(doc, counted(doc.words, "word"))

        def show() -> None:
            reader = self._open_reader()
            if reader is not None and reader.doc_id == doc.id and reader.text is doc.text:
                reader.set_meta(meta)

        self._screen.app.call_from_thread(show)

    def back_from_listing(self, destination: Destination | None) -> None:
        """Back from the browser or the agreement screen: open the passage chosen there (saying
        what its note says: whose span is which), else read the open document's annotations again."""
        self._annotating.list_corpus()
        if destination is not None:
            self.open(destination.doc_id, at=destination.offset)
            if destination.note:
                self._screen.notify(destination.note, title="Disagreement", timeout=30)
            return
        reader = self._open_reader()
        if reader is not None and reader.doc_id is not None:  # its annotations may have changed
            self.open(reader.doc_id, at=reader.cursor, top=reader.top_offset)

    # ------------------------------------------------------------------ reading positions

    def remember_position(self) -> None:
        """Store where the open document is, if the user moved in it (in a worker)."""
        reader = self._open_reader()
        doc_id = reader.doc_id if reader is not None else None
        if reader is not None and doc_id is not None and reader.moved:
            position = Position(reader.top_offset, reader.cursor)
            self._save(lambda: self.positions.set(doc_id, position))

    def remember_position_now(self) -> None:
        """Save the open document's position synchronously (on quit, when workers are ending)."""
        reader = self._open_reader()
        if reader is not None and reader.doc_id is not None:  # (none yet: it may be on its way)
            with contextlib.suppress(OSError):
                if reader.moved:
                    self.positions.set(reader.doc_id, Position(reader.top_offset, reader.cursor))
                self.positions.set_last(reader.doc_id)

    def _save(self, write: Callable[[], None]) -> None:
        def run() -> None:
            try:
                write()
            except OSError as error:
                self._screen.app.call_from_thread(
                    self._screen.notify, POSITION_NOT_SAVED.format(error), severity="warning"
                )
            self._tell_positions_problem()

        self._screen.run_worker(run, thread=True, group="save")

    def _tell_positions_problem(self) -> None:
        """(A worker, once the positions were read.) Say, once, why their file was set aside or
        is left alone; the reading room goes on without it."""
        problem = self.positions.problem
        if problem and self._positions_told.acquire(blocking=False):
            self._screen.app.call_from_thread(
                self._screen.notify, visible_line(problem), severity="warning", timeout=12, markup=False
            )
