"""How the reading room shares its width between the document list, the reader and the panel.

Who gets the room follows what the user is doing:

- *library*: no document open. The list takes the whole width: full titles, and snippets over
  two or three lines that show the hits.
- *searching*: the search box has the focus, or the list has it while it shows results. The
  results get the room (``Panes.results`` columns, by default three fifths of the width); the
  reader keeps a strip beside them.
- *reading*: the reader (or the annotation panel) has the focus. The list is narrower
  (``Panes.list``, by default about a quarter), or hidden (``\\``) until the focus comes back to
  it. The annotation panel takes the list's place when the three do not fit beside a readable
  reader, as at 80 columns.

``plan_panes`` decides (pure, tested without an app); ``PaneController`` applies a plan to the
widgets, resizes the list from keys and drags of the divider, and reports the sizes the user
chose so the app can remember them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from tui.core.settings import Panes
from tui.ui.widgets.divider import Divider
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.lookup import PANEL_ID, READER_ID, panel_of, readers_of

Mode = Literal["library", "searching", "reading"]
Focus = Literal["search", "list", "reader", "panel"] | None

LIST_MIN = 24
"""The narrowest list: a title's start, its date and the scrollbar."""
READER_MIN = 40
"""The narrowest reader while reading; the list (or the panel) gives way first."""
READER_MIN_SEARCHING = 24
"""The narrowest reader beside the results (it only has to show where the user is)."""
READER_BESIDE_PANEL = 60
"""The reader beside the annotation panel keeps a comfortable line: the list gives way first."""
PANEL_WIDTH = 44
PANEL_MIN = 28
STEP = 4
"""Columns a resize key moves the divider by."""

BINDINGS = [
    Binding(
        "less_than_sign",
        "resize_list(-1)",
        "Narrower",
        show=False,
        id="main.list_narrower",
        tooltip="Narrow the document list (or drag the line beside it)",
    ),
    Binding(
        "greater_than_sign",
        "resize_list(1)",
        "Wider",
        show=False,
        id="main.list_wider",
        tooltip="Widen the document list (or drag the line beside it)",
    ),
    Binding(
        "backslash",
        "toggle_list",
        "List",
        show=False,
        id="main.toggle_list",
        tooltip="Hide the document list while reading (or show it again)",
    ),
]
"""The layout keys of the main screen (its actions forward them here)."""


@dataclass(frozen=True)
class Plan:
    """The widths to give the panes (0: hidden)."""

    mode: Mode
    list: int
    reader: bool
    panel: int
    snippet_lines: int
    """The most snippet lines a result row may take."""

    @property
    def divider(self) -> bool:
        """Whether the divider between the list and the reader shows."""
        return self.list > 0 and self.reader


def default_list(width: int) -> int:
    """The list beside the reader when the user has not sized it (33 columns at 120)."""
    return min(max(width * 11 // 40, 28), 48)


def default_results(width: int) -> int:
    """The results beside the reader when the user has not sized them."""
    return width * 3 // 5


def panel_width(width: int) -> int:
    """The annotation panel: 44 columns, less on a narrow terminal."""
    return min(PANEL_WIDTH, max(PANEL_MIN, width * 2 // 5))


def _clamp(value: int, low: int, high: int) -> int:
    return max(min(value, high), min(low, high), 1)


def plan_panes(width: int, focus: Focus, *, document: bool, query: bool, panel: bool, panes: Panes) -> Plan:
    """Who gets how many of ``width`` columns.

    ``focus``: the pane with the focus; ``document``: one is open; ``query``: the list shows
    results; ``panel``: the user opened the annotation panel; ``panes``: the user's sizes.
    """
    panel_cols = panel_width(width) if panel and document else 0
    if not document:
        return Plan("library", max(width - panel_cols, 1), False, panel_cols, 3)
    if focus == "search" or (focus == "list" and query):
        room = width - 1 - READER_MIN_SEARCHING
        wanted = panes.results or default_results(width)
        if panel_cols and min(wanted, room - panel_cols) < LIST_MIN:
            panel_cols = 0  # the results first: the panel comes back when reading
        return Plan("searching", _clamp(wanted, LIST_MIN, room - panel_cols), True, panel_cols, 3)
    shown = not panes.list_hidden or focus == "list"
    cols = _clamp(panes.list or default_list(width), LIST_MIN, width - 1 - READER_MIN) if shown else 0
    if cols and panel_cols and cols + 1 + panel_cols + READER_BESIDE_PANEL > width:
        if focus == "list":
            panel_cols = 0  # the user came back to the list: it shows, the panel waits
        else:
            cols = 0  # the panel takes the list's place
    return Plan("reading", cols, True, panel_cols, 1)


Situation = Callable[[], tuple[bool, bool]]
"""What the screen is showing: (a document is open, the list shows results)."""


class PaneController:
    """Applies plans to the main screen's panes and keeps the sizes the user chooses."""

    def __init__(
        self, screen: Screen[Any], panes: Panes, situation: Situation, changed: Callable[[Panes], None]
    ) -> None:
        self._screen = screen
        self.panes = replace(panes)
        """The user's sizes (what ``changed`` reports, to be saved)."""
        self.panel_open = False
        """Whether the user opened the annotation panel (a plan may still leave it out)."""
        self.plan: Plan | None = None
        """The plan applied last."""
        self._situation = situation
        self._changed = changed

    @property
    def focus(self) -> Focus:
        """The pane the focus is in."""
        focused: Widget | None = self._screen.focused
        if isinstance(focused, Input) and focused.id == "search":
            return "search"
        if isinstance(focused, DocumentList):
            return "list"
        if focused is not None and focused.id == READER_ID:
            return "reader"
        if focused is not None and focused.id == PANEL_ID:
            return "panel"
        return None

    def lay_out(
        self,
        focus: Focus | Literal["current"] = "current",
        *,
        document: bool | None = None,
        keep_cursor: bool = False,
    ) -> bool:
        """Give the panes their widths for what the screen shows now. ``focus``: the pane about to
        take the focus, when it is not there yet; ``document``: whether one is about to show;
        ``keep_cursor``: the user changed the panes beside the reader (the panel, the list's size),
        so its cursor is brought back on screen once it is re-wrapped. Whether the widths changed
        (then the panes have their new sizes only after the next refresh)."""
        width = self._screen.size.width
        if width <= 0:
            return True
        open_now, query = self._situation()
        plan = plan_panes(
            width,
            self.focus if focus == "current" else focus,
            document=open_now if document is None else document,
            query=query,
            panel=self.panel_open,
            panes=self.panes,
        )
        if plan == self.plan:
            return False
        self._apply(plan, keep_cursor)
        return True

    def _apply(self, plan: Plan, keep_cursor: bool) -> None:
        self.plan = plan
        screen = self._screen
        listed = screen.query_one(DocumentList)
        listed.display = plan.list > 0
        listed.styles.width = plan.list
        listed.set_max_snippet_lines(plan.snippet_lines)
        screen.query_one(Divider).display = plan.divider
        readers = readers_of(screen)
        if not readers:  # mounted just after the first frame, which lays the panes out again
            return
        reader = readers[0]
        panel = panel_of(screen)
        reader.display = plan.reader
        panel.display = plan.panel > 0
        panel.styles.width = plan.panel
        if plan.panel:
            panel.ensure_built()
        if listed.has_focus and not plan.list:
            reader.focus()
        if keep_cursor and plan.reader and reader.doc_id is not None:
            # After the layout the reader is re-wrapped (its resize is queued first), then its
            # cursor, wherever it is by then, is brought back on screen.
            screen.call_after_refresh(lambda: reader.call_later(lambda: reader.go_to(reader.cursor, False)))

    # ------------------------------------------------------------------ the user's sizes

    def resize(self, steps: int) -> None:
        """Widen (or narrow) the list of the current mode by ``steps`` of ``STEP`` columns (with no
        document open, or the list hidden, there is nothing to resize: the user is told)."""
        plan = self.plan
        if plan is None or plan.mode == "library" or not plan.list:
            self._screen.notify("The list is as wide as the screen until a document is open", timeout=3)
            return
        self.set_width(plan.list + steps * STEP)
        self._changed(self.panes)

    def drag_to(self, screen_x: int) -> None:
        """The divider was dragged to column ``screen_x``: the list ends there."""
        listed = self._screen.query_one(DocumentList)
        self.set_width(screen_x - listed.region.x)

    def drag_ended(self) -> None:
        """A drag of the divider ended: keep the size."""
        self._changed(self.panes)

    def set_width(self, columns: int) -> None:
        """Make the list of the current mode ``columns`` wide (within what leaves the reader room)."""
        plan = self.plan
        if plan is None or plan.mode == "library":
            return
        width = self._screen.size.width
        if plan.mode == "searching":
            room = width - 1 - READER_MIN_SEARCHING - plan.panel
            self.panes = replace(self.panes, results=_clamp(columns, LIST_MIN, room))
        else:
            room = width - 1 - READER_MIN - plan.panel
            self.panes = replace(self.panes, list=_clamp(columns, LIST_MIN, room))
        self.lay_out(keep_cursor=True)

    def toggle_list(self) -> None:
        """Hide (or show again) the list while reading; the reader takes the focus from a list
        that hides."""
        self.panes = replace(self.panes, list_hidden=not self.panes.list_hidden)
        self._changed(self.panes)
        hidden = self.panes.list_hidden
        reader = readers_of(self._screen)[0]
        if reader.doc_id is None:
            shows = "hides" if hidden else "shows"
            self._screen.notify(f"The list {shows} once a document is open", timeout=3)
        elif hidden and not reader.has_focus:
            self._screen.set_focus(reader)
        self.lay_out(keep_cursor=True)

    def toggle_panel(self, document_open: bool) -> None:
        """Open (or close) the annotation panel, which takes the focus (the reader takes it back);
        it opens only beside a document."""
        if not document_open and not self.panel_open:
            self._screen.notify("Open a document to see its annotations", timeout=3)
            return
        self.panel_open = not self.panel_open
        self.lay_out("panel" if self.panel_open else "reader", keep_cursor=True)
        (panel_of(self._screen) if self.panel_open else readers_of(self._screen)[0]).focus()
