"""The status line under the panes: corpus size and indexing, the note under the cursor, where
the link under the cursor leads, the section the cursor is in, the current hit (or find match),
and how far through the document the reader is.

Its parts are labels the screen fills through methods (data in, nothing out). The note under the
cursor is drawn at the width it gets: its tags go last and stay whole, and the note before them
is cut with an ellipsis, so a long note never pushes its tags out of sight. A link's destination
takes the section's place (it is what the user is looking at), cut from its end. Everything shown
is plain text: notes, tags, destinations and counts come from files.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label

from tui.core.sanitize import visible_line
from tui.ui.wording import counted

TAG_GAP = "  "
HIDDEN_PARTS = ("mode", "link", "hit", "read")
"""Parts of the line hidden until something fills them: mounted just after the first frame."""


class NoteLabel(Widget):
    """The annotation under the cursor: its note (or colour), cut to leave room for its tags."""

    DEFAULT_CSS = """
    NoteLabel { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._note = ""
        self._tags: tuple[str, ...] = ()

    def update(self, note: str, tags: tuple[str, ...] = ()) -> None:
        """Show ``note`` and ``tags`` ('' and none: nothing)."""
        self._note, self._tags = visible_line(note), tuple(visible_line(t) for t in tags)
        self.refresh()

    def render(self) -> Text:
        tags = TAG_GAP.join(f"#{t}" for t in self._tags)
        width = self.content_region.width or self.size.width
        if not tags:
            return Text(self._note, no_wrap=True, overflow="ellipsis", end="")
        room = width - len(tags) - len(TAG_GAP)
        note = Text(self._note, no_wrap=True, end="")
        if room < 8:  # no room for both: the tags, as many as fit
            return Text(tags, no_wrap=True, overflow="ellipsis", end="")
        note.truncate(room, overflow="ellipsis")
        return note + Text(TAG_GAP + tags, style="italic", end="")


class StatusBar(Horizontal):
    """One line: corpus · progress · note and tags · section · hit."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    StatusBar > #status-mode { width: auto; background: $accent; color: $background; text-style: bold; }
    StatusBar > #status-mode { padding: 0 1; margin-right: 1; }
    StatusBar > #status-corpus { width: auto; margin-right: 2; }
    StatusBar > #status-progress { width: auto; }
    StatusBar > #status-progress Bar { width: 16; }
    StatusBar > #status-note { width: 1fr; color: $text; padding: 0 1; }
    StatusBar > #status-section { width: auto; max-width: 30%; color: $text-muted; padding: 0 1; }
    StatusBar > #status-link { width: auto; max-width: 50%; color: $accent; padding: 0 1; }
    StatusBar > #status-hit { width: auto; min-width: 10; text-align: right; }
    StatusBar > #status-read { width: 5; text-align: right; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._note_shown = False
        self._link_shown = False

    def compose(self) -> ComposeResult:
        yield Label("", id="status-corpus", markup=False)
        yield NoteLabel(id="status-note")
        yield Label("", id="status-section", markup=False)

    def on_mount(self) -> None:
        # The parts hidden until something fills them, after the first frame: fewer widgets
        # to build before the reading room is first on screen.
        self.call_after_refresh(self._mount_hidden_parts)

    def _mount_hidden_parts(self) -> None:
        mode, link, hit, read = (Label("", id=f"status-{part}", markup=False) for part in HIDDEN_PARTS)
        for label in (mode, link, hit, read):
            label.display = False
        self.mount(mode, before="#status-corpus")
        self.mount(link, before="#status-section")
        self.mount(hit, read)

    def show_mode(self, mode: str) -> None:
        """A mode the reader is in, first on the line ('' for none: labelling mode says LABELLING)."""
        label = self.query_one("#status-mode", Label)
        label.update(mode)
        label.display = bool(mode)

    def show_corpus(self, text: str) -> None:
        """What the corpus holds and what the indexer is doing."""
        self.query_one("#status-corpus", Label).update(text)

    def show_progress(self, done: float, total: float | None = None) -> None:
        """Show the indexing progress bar (``total`` starts a run, ``done`` moves it)."""
        from textual.widgets import ProgressBar  # loaded when first shown, as it is built

        bars = self.query(ProgressBar)
        if bars:
            bar = bars.first()
        else:  # made when first shown: four widgets fewer to build before the first paint
            bar = ProgressBar(id="status-progress", show_eta=True)
            self.mount(bar, after="#status-corpus")
        bar.display = True
        if total is not None:
            bar.update(total=total, progress=done)
        else:
            bar.update(progress=done)

    def hide_progress(self) -> None:
        """The indexer is not running."""
        for bar in self.query("#status-progress"):
            bar.display = False

    def show_note(self, note: str, tags: tuple[str, ...] = ()) -> None:
        """The annotation under the cursor: its note (or colour) and its tags ('' for none). While
        one shows, the section steps aside: a narrow status line has no room for both."""
        self.query_one(NoteLabel).update(note, tags)
        self._note_shown = bool(note or tags)
        self._show_section_or_not()

    def show_link(self, destination: str | None) -> None:
        """Where the link under the reader's cursor leads (None: the cursor is on no link)."""
        label = self.query_one("#status-link", Label)
        shown = visible_line(destination).strip() if destination else ""
        label.update(Text(f"→ {shown}" if shown else "", no_wrap=True, overflow="ellipsis"))
        label.display = self._link_shown = destination is not None
        self._show_section_or_not()

    def _show_section_or_not(self) -> None:
        self.query_one("#status-section").display = not (self._note_shown or self._link_shown)

    def show_reading(self, percent: int | None) -> None:
        """How far through the open document the reader has scrolled (None: no document)."""
        label = self.query_one("#status-read", Label)
        label.display = percent is not None
        label.update(f"{percent}%" if percent is not None else "")

    def show_section(self, title: str | None) -> None:
        """The heading the reader's cursor is under (None: before the first, or none)."""
        label = self.query_one("#status-section", Label)
        shown = visible_line(title).strip() if title else ""
        label.update(Text(f"§ {shown}" if shown else "", no_wrap=True, overflow="ellipsis"))

    def show_hit(self, index: int, total: int, kind: str = "hit") -> None:
        """The current search hit (``kind`` "hit") or find match ("match") in the reader (``index``
        -1: none chosen yet; ``total`` 0: none)."""
        label = self.query_one("#status-hit", Label)
        label.display = total > 0  # its room is the note's while there is nothing to count
        if total == 0:
            label.update("")
        elif index < 0:
            label.update(counted(total, kind, "matches" if kind == "match" else None))
        else:
            label.update(f"{kind} {index + 1:,}/{total:,}")
