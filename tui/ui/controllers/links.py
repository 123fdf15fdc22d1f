"""Following a link from the reader, and the way back (``enter`` and ``backspace`` on a link).

A link to a file of the corpus (a relative path, resolved against the linking document's folder,
or a ``file://`` URI) opens that document; a ``#fragment`` of the same document goes to the
heading it names. Either way the place left (document, first offset shown, cursor) is pushed on
a history, and ``backspace`` goes back to it, as many levels as were followed. Anything else (a
web address, a file that is not one of the corpus's documents) is never opened: the reading room
stays offline, and says where the link leads instead (``y`` copies it).

Where a link leads is worked out without the disk (``links.resolve``, then the path is looked up
among the corpus's documents), so it runs on the UI thread; opening goes through the screen's
usual path, a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.core.sanitize import visible_line
from tui.ui.controllers.listing import Corpus

if TYPE_CHECKING:
    from tui.ui.text.links import Link
    from tui.ui.widgets.reader import Reader

HISTORY = 100
"""Places kept to go back to (the oldest go first)."""
SHOWN = 200
"""Most characters of a destination quoted in a notification."""


@dataclass(frozen=True)
class Place:
    """Where the reader was when a link was followed."""

    doc_id: str
    top: int
    cursor: int


class LinkController:
    """Follows links between the corpus's documents and keeps the way back."""

    def __init__(
        self,
        screen: Screen[None],
        corpus: Corpus,
        open_document: Callable[[str, int | None, int | None], None],
    ) -> None:
        self._screen = screen
        self._corpus = corpus
        self._open = open_document
        self.history: list[Place] = []
        """Places left by following a link, the latest last."""

    def follow(self, reader: Reader, link: Link) -> None:
        """Go where ``link`` (in the document ``reader`` shows) leads, or say where that is."""
        from tui.ui.text.links import resolve  # loaded with the reader, which sent the link

        entry = self._corpus.entries.get(reader.doc_id or "")
        if entry is None:
            return
        target = resolve(link.destination, entry.path)
        if target.kind == "none":
            self._tell("This link leads nowhere: it has no destination", "warning")
        elif target.kind == "anchor":
            offset = reader.heading_at_anchor(target.fragment)
            if offset is None:
                self._tell(f"No heading here has the anchor #{target.fragment}", "warning")
                return
            self._push(reader)
            reader.go_to_heading(offset)
        elif target.kind == "file":
            doc_id = self.document_at(target.path)
            if doc_id is None:
                self._tell(f"Not a document of this corpus: {_cut(link.shown)}", "warning")
                return
            self._push(reader)
            self._open(doc_id, None, None)
        else:
            self._tell(f"Outside this corpus (y copies it): {_cut(link.shown)}", "information")

    def back(self, reader: Reader) -> None:
        """Back to the place the last link was followed from (one that has gone is passed over)."""
        while self.history:
            place = self.history.pop()
            if place.doc_id == reader.doc_id:
                reader.return_to(place.top, place.cursor)
                return
            if place.doc_id in self._corpus.entries:
                self._open(place.doc_id, place.cursor, place.top)
                return
        self._tell("Nothing to go back to: backspace returns from a link you followed", "information")

    def document_at(self, path: str) -> str | None:
        """The id of the corpus's document at ``path`` (absolute), if it is one."""
        from tui.ui.text.links import path_key

        wanted = path_key(path)
        for entry in self._corpus.entries.values():
            if path_key(entry.path) == wanted:
                return entry.id
        return None

    def _push(self, reader: Reader) -> None:
        if reader.doc_id is None:
            return
        self.history.append(Place(reader.doc_id, reader.top_offset, reader.cursor))
        del self.history[:-HISTORY]

    def _tell(self, message: str, severity: SeverityLevel) -> None:
        self._screen.notify(visible_line(message), severity=severity, timeout=6, markup=False)


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
