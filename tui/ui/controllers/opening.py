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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen
from textual.widget import Widget

from tui.core.discovery import Skipped, SourceFile
from tui.core.reading import Position, ReadingPositions
from tui.core.watching import follow
from tui.ui.controllers.annotations import AnnotationController
from tui.ui.controllers.listing import Corpus, Listed
from tui.ui.controllers.panes import PaneController
from tui.ui.controllers.search import SearchController
from tui.ui.messages import DocumentFailed, DocumentLoaded, LastDocumentFound
from tui.ui.widgets.lookup import reader_of, readers_of
from tui.ui.wording import counted

if TYPE_CHECKING:
    from tui.ui.widgets.reader import Reader

POSITION_NOT_SAVED = "Could not save the reading position: {}"


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
        open_first: str | None,
    ) -> None:
        self._screen = screen
        self.positions = positions
        self._corpus = corpus
        self._annotating = annotating
        self._searching = searching
        self._panes = panes
        self._open_first = open_first
        """The document named on the command line, opened once the corpus lists it."""
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

    @property
    def _reader(self) -> Reader:
        return reader_of(self._screen)

    # ------------------------------------------------------------------ the document open at start

    def start(self) -> None:
        """With no document asked for, look for the one open last (it opens once listed)."""
        if self._open_first is None:
            self._screen.run_worker(self._find_last, thread=True, group="resume")

    def _find_last(self) -> None:
        last = self.positions.last
        if last is not None:
            self._screen.post_message(LastDocumentFound(last))
        else:  # no document to show first: the searcher may load now, not half a second later
            self._screen.app.call_from_thread(self._searching.warm_up)

    def catalog_listed(self) -> None:
        """The corpus is listed: open the document asked for, or the one open last."""
        if self._open_first and self._open_first in self._corpus.entries:
            self.open(self._open_first)
            self._open_first = None
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
        entry: Listed,
        at: int | None = None,
        top: int | None = None,
        reread: str | None = None,
        quiet: bool = False,
    ) -> None:
        query = self._searching.active_query
        self._screen.run_worker(
            lambda: self._read(entry, query, at, top, reread, quiet),
            thread=True,
            exclusive=True,
            group="document",
        )

    def _read(
        self, entry: Listed, query: str, at: int | None, top: int | None, reread: str | None, quiet: bool
    ) -> None:
        """(A worker.) ``reread``: the text the reader shows, when this is its file read again after
        it changed (``at`` and ``top`` point into that text); ``quiet``: a document that cannot be
        read is passed over without a word (the last one, reopened on start)."""
        post = self._screen.post_message
        path = Path(entry.path)
        try:
            stat = path.stat()
        except OSError as error:
            if not quiet:
                post(DocumentFailed(entry.id, error.strerror or str(error)))
            return
        from tui.core.documents import read_document  # a worker: YAML is not on the way to the first frame

        doc = read_document(SourceFile(entry.id, path, stat.st_size, stat.st_mtime_ns))
        if isinstance(doc, Skipped):
            if not quiet:
                post(DocumentFailed(entry.id, doc.reason))
            return
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
            position = self.positions.get(entry.id)
        post(DocumentLoaded(doc, position, "" if at is not None else query, opened, problems))

    # ------------------------------------------------------------------ showing

    def loaded(self, message: DocumentLoaded) -> None:
        # The panes take their widths first, and the document is laid out once, at the reader's
        # width (a reader that was hidden has none yet).
        self._panes.lay_out("reader" if self._taking_focus(message) else "current", document=True)
        self._screen.call_after_refresh(self._show, message)

    def _taking_focus(self, message: DocumentLoaded) -> bool:
        focused = self._screen.focused
        return not message.reloaded and (focused is self._focus_at_open or focused is None)

    def _show(self, message: DocumentLoaded) -> None:
        from tui.ui.widgets.reader import Header  # mounted by now: its module is loaded

        doc = message.document
        reader = self._reader
        words = counted(doc.words, "word")
        meta = " · ".join(x for x in (doc.date, doc.source, doc.language, ", ".join(doc.tags), words) if x)
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

        self._screen.run_worker(run, thread=True, group="save")
