"""The document list: one row per document, rendered line by line (no widget per row).

Every row has the same height (a title line and a meta line, and while searching one to three
snippet lines), so the row under any screen line is a division away and 100,000 documents cost
no more to show than ten. Rows come from a ``RowSource``: a sequence that makes a row when it is
shown (from the catalog's entries, or a window of the catalog database itself), so listing a
corpus never builds a row per document. How many snippet lines a row gets follows the list's width, up to
``max_snippet_lines`` (the screen asks for more when the results get the room): a wide list
shows the snippet whole, a narrow one the words around its first hit. Rows come in through
``set_rows``: a new listing (a new query) starts on its first row; an update of the same listing
(more results, a re-sort, a re-count) keeps the document the user moved to, when it is still
listed. Highlights and opens go out as nested messages; a listing fetched a page at a time is
told when its last row is drawn (``near_end``). Every row is data from files, so it is
built as ``rich.text.Text`` from ``sanitize.visible_line`` (never markup).

Lines are laid out in the width the scrollbar leaves (its gutter is always kept), so a title's
date never loses a digit when the list grows long enough to scroll; the highlighted row's
background runs under all of its lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from math import ceil
from typing import NamedTuple, overload

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.sanitize import visible_line, visible_line_spans
from tui.ui.wording import counted

WORDS_PER_MINUTE = 230
SNIPPET_CHARS = 150
"""About how much of a snippet is worth showing: the lines a row gets are those this many
characters need at the list's width (up to ``max_snippet_lines``)."""
INDENT = 2
"""Cells before the meta and snippet lines."""
DATE_BESIDE_TITLE = 60
"""From this many cells on, a row's date ends its title line; a narrower list starts the meta
line with it, so the title gets the whole line."""


@dataclass(frozen=True)
class Row:
    """What the list shows of one document."""

    id: str
    title: str
    date: str
    source: str
    words: int
    hits: int = 0
    snippet: str = ""
    marks: tuple[tuple[int, int], ...] = ()
    annotations: int = 0
    matched: str = ""
    """Where the query matched (``Hit.matched``): ``title``, ``tags`` or ``note`` when the text holds
    no hit and ``snippet`` is that field."""
    indexed: bool = True
    """False for a file found on disk that the index does not hold yet (its length is unknown)."""


class RowSource(Sequence[Row]):
    """The rows of a listing, made when asked for: ``len`` and ``[i]`` are what the list needs
    to draw and move, so a source need not hold a row per document.

    This base holds its rows (a search's results); subclasses make theirs on demand.
    """

    def __init__(self, rows: Sequence[Row] = ()) -> None:
        self._rows = list(rows)

    def __len__(self) -> int:
        return len(self._rows)

    def row(self, index: int) -> Row:
        """Row ``index`` (0 <= index < len)."""
        return self._rows[index]

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self.row(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.row(index)

    def __iter__(self) -> Iterator[Row]:
        return (self.row(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, RowSource)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def position(self, doc_id: str) -> int | None:
        """Where the document ``doc_id`` is listed, if it is."""
        return next((i for i, row in enumerate(self._rows) if row.id == doc_id), None)

    def counted(self, counts: dict[str, int]) -> RowSource:
        """The same rows with these annotation counts (document id -> count)."""
        return RowSource(
            [
                row
                if row.annotations == counts.get(row.id, 0)
                else replace(row, annotations=counts.get(row.id, 0))
                for row in self._rows
            ]
        )


class Look(NamedTuple):
    """What every line of one frame is drawn with (``DocumentList.render_lines``)."""

    width: int
    text_width: int
    date_beside_title: bool
    """Whether dates end the title lines (a wide list), or begin the meta lines (a narrow one,
    whose titles need every column)."""
    base: Style
    cursor: Style
    title: Style
    meta: Style
    snippet: Style
    where: Style
    mark: Style
    empty: Style


WHERE = {"title": "in title: ", "tags": "tag: ", "note": "note: "}
"""The snippet line's prefix for a document found through a field other than its text."""


def fit_snippet(
    snippet: str, marks: tuple[tuple[int, int], ...], room: int
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The part of ``snippet`` to show in about ``room`` cells: all of it when it fits, else from a
    few words before its first hit (marked with a leading "…"), so the hit is on screen."""
    if not marks or len(snippet) <= room or marks[0][1] <= room * 3 // 4:
        return snippet, marks
    first = marks[0][0]
    lead = min(max(room // 4, 4), 30)
    begin = max(first - lead, 0)
    space = snippet.find(" ", begin, first)
    begin = space + 1 if space >= 0 else begin
    if begin <= 1:
        return snippet, marks
    kept = tuple((s - begin + 1, e - begin + 1) for s, e in marks if e > begin)
    return "…" + snippet[begin:].lstrip("…"), kept


class DocumentList(ScrollView, can_focus=True):
    """Documents or search results; ``enter`` or a click opens one."""

    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("j,down", "move(1)", "Down", show=False, id="list.down", tooltip="Next document"),
        Binding("k,up", "move(-1)", "Up", show=False, id="list.up", tooltip="Previous document"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down", tooltip="Next page"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up", tooltip="Previous page"),
        Binding("g,home", "first", "First", show=False, id="list.first", tooltip="First document"),
        Binding("G,end", "last", "Last", show=False, id="list.last", tooltip="Last document"),
        Binding("enter,l", "open", "Open", id="list.open", tooltip="Open the highlighted document"),
    ]
    COMPONENT_CLASSES = {  # noqa: RUF012
        "list--title",
        "list--meta",
        "list--where",
        "list--snippet",
        "list--mark",
        "list--cursor",
        "list--empty",
    }
    DEFAULT_CSS = """
    DocumentList {
        background: $surface;
        overflow-x: hidden;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
    }
    DocumentList > .list--title { text-style: bold; }
    DocumentList > .list--meta { color: $text-muted; }
    DocumentList > .list--where { color: $text-muted; text-style: italic; }
    DocumentList > .list--snippet { color: $text; }
    DocumentList > .list--mark { background: $warning 35%; text-style: bold; }
    DocumentList > .list--cursor { background: $boost; }
    DocumentList:focus > .list--cursor { background: $accent 30%; }
    DocumentList > .list--empty { color: $text-muted; text-style: italic; }
    """

    class Highlighted(Message):
        """The highlighted document changed."""

        def __init__(self, document_list: DocumentList, doc_id: str) -> None:
            super().__init__()
            self.document_list, self.doc_id = document_list, doc_id

        @property
        def control(self) -> DocumentList:
            return self.document_list

    class Opened(Message):
        """The user asked to read a document: the highlighted one (a key), or one they clicked."""

        def __init__(self, document_list: DocumentList, doc_id: str, clicked: bool = False) -> None:
            super().__init__()
            self.document_list, self.doc_id, self.clicked = document_list, doc_id, clicked

        @property
        def control(self) -> DocumentList:
            return self.document_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: RowSource = RowSource()
        """The rows shown, in order (made as they are shown)."""
        self.cursor = 0
        """Index of the highlighted row."""
        self.snippets = False
        """Whether rows carry a snippet line (while a query is active)."""
        self.empty_message = "No documents."
        self.lines_rendered = 0
        self.moved = False
        """Whether the user moved the cursor in this listing (then updates keep it on that document)."""
        self.max_snippet_lines = 1
        """The most snippet lines a row may get (``set_max_snippet_lines``)."""
        self._snippet_lines = 1
        self._snippet_cache: dict[tuple[int, int], list[Text]] = {}
        self.near_end: Callable[[], None] | None = None
        """Called once per listing when its last rows are drawn: a listing fetched a page at a
        time (search results) asks for the rest then."""
        self._near_end_called = False
        self._look: Look | None = None
        """The styles and widths of the frame being drawn (``render_lines``)."""

    @property
    def row_height(self) -> int:
        """Screen lines per row."""
        return 2 + self._snippet_lines if self.snippets else 2

    @property
    def text_width(self) -> int:
        """Cells a line may fill: the width left of the scrollbar's gutter."""
        return max(self.scrollable_content_region.width, 1)

    def rows_fitting(self, snippets: bool) -> int:
        """How many rows (with snippet lines or without) the list's height shows, the last perhaps
        in part: 0 before the list is laid out."""
        return ceil(self.size.height / (2 + self._snippet_lines if snippets else 2))

    def set_max_snippet_lines(self, lines: int) -> None:
        """Let rows take up to ``lines`` snippet lines (the screen gives results more room)."""
        if lines != self.max_snippet_lines:
            self.max_snippet_lines = max(lines, 1)
            self._measure()

    def _measure(self) -> None:
        """Fit the rows to the width: snippet lines per row, the virtual size, the cursor shown."""
        room = max(self.text_width - INDENT, 8)
        self._snippet_lines = min(self.max_snippet_lines, max(ceil(SNIPPET_CHARS / room), 1))
        self._snippet_cache.clear()
        self.virtual_size = Size(self.size.width, len(self.rows) * self.row_height)
        self._reveal_cursor()
        self.refresh()

    @property
    def highlighted(self) -> Row | None:
        """The highlighted row, if any."""
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def set_rows(
        self,
        rows: Sequence[Row],
        snippets: bool,
        empty_message: str = "No documents.",
        fresh: bool = False,
    ) -> None:
        """Replace the rows (a ``RowSource``, or a list of them). ``fresh``: a new listing (a new
        query), highlighted from its first row; otherwise the document the user moved to stays
        highlighted while it is listed."""
        keep = self.highlighted.id if self.highlighted and self.moved and not fresh else None
        source = rows if isinstance(rows, RowSource) else RowSource(rows)
        self.rows, self.snippets, self.empty_message = source, snippets, empty_message
        self._snippet_cache.clear()
        self._near_end_called = False
        position = source.position(keep) if keep else None
        self.moved = position is not None
        self.cursor = position if position is not None else 0
        self.virtual_size = Size(self.size.width, len(rows) * self.row_height)
        if position is None:
            self.scroll_to(y=0, animate=False, immediate=True)
        self._reveal_cursor()
        self.refresh()
        if self.highlighted and self.highlighted.id != keep:
            self.post_message(self.Highlighted(self, self.highlighted.id))

    def set_counts(self, counts: dict[str, int]) -> None:
        """Update each row's annotation count (document id -> count)."""
        self.rows = self.rows.counted(counts)
        self._snippet_cache.clear()
        self.refresh()

    # ------------------------------------------------------------------ rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles and widths every line is drawn with, taken once per frame: the widget's
        # style alone walks its ancestors, and a frame after a search draws some forty lines.
        self._look = self._look_now()
        try:
            return super().render_lines(crop)
        finally:
            self._look = None

    def _look_now(self) -> Look:
        base = self.rich_style
        text_width = self.text_width
        return Look(
            width=self.size.width,
            text_width=text_width,
            date_beside_title=text_width >= DATE_BESIDE_TITLE,
            base=base,
            cursor=base + self.get_component_rich_style("list--cursor"),
            title=self._ink("list--title"),
            meta=self._ink("list--meta"),
            snippet=self._ink("list--snippet"),
            where=self._ink("list--where"),
            mark=self.get_component_rich_style("list--mark"),
            empty=self._ink("list--empty"),
        )

    def render_line(self, y: int) -> Strip:
        look = self._look or self._look_now()
        width, base = look.width, look.base
        if not self.rows:
            lines = self._empty_lines(look)
            return self._strip(lines[y - 1], look, base) if 1 <= y <= len(lines) else Strip.blank(width, base)
        index, part = divmod(round(self.scroll_y) + y, self.row_height)
        if self.near_end is not None and not self._near_end_called and index >= len(self.rows) - 1:
            self._near_end_called = True
            self.call_later(self.near_end)  # not while drawing
        if index >= len(self.rows):
            return Strip.blank(width, base)
        self.lines_rendered += 1
        row = self.rows[index]
        style = look.cursor if index == self.cursor else base
        if part == 0:
            text = self._title_line(row, look)
        elif part == 1:
            text = self._meta_line(row, look)
        else:
            snippet = self._snippet_lines_of(index, row, look)
            text = snippet[part - 2].copy() if part - 2 < len(snippet) else Text("")
        return self._strip(text, look, style)

    def _ink(self, component: str) -> Style:
        """A component's colour and text style without its background, so the highlighted row's
        background shows under every part of it (hits keep theirs: ``list--mark``)."""
        style = self.get_component_rich_style(component)
        return style.without_color + Style.from_color(style.color)

    def _empty_lines(self, look: Look) -> list[Text]:
        """The empty message wrapped to the width: it names a folder, which a narrow list would cut."""
        message = Text(visible_line(self.empty_message), look.empty)
        return [Text("  ") + line for line in message.wrap(self.app.console, max(look.text_width - 3, 8))]

    def _strip(self, text: Text, look: Look, style: Style) -> Strip:
        """One line: ``text`` cut to the text width, padded over the scrollbar's gutter."""
        text.truncate(look.text_width, overflow="ellipsis")
        segments = list(Segment.apply_style(text.render(self.app.console), style))
        length = text.cell_len
        if length < look.width:
            segments.append(Segment(" " * (look.width - length), style))
        return Strip(segments, max(length, look.width))  # one Strip, not three: each makes seven caches

    def _title_line(self, row: Row, look: Look) -> Text:
        title = Text(" " + visible_line(row.title), style=look.title, no_wrap=True, end="")
        if not look.date_beside_title:
            return title
        date = f" {visible_line(row.date)} "
        title.truncate(max(look.text_width - len(date), 4), overflow="ellipsis", pad=True)
        title.append(date, look.meta)
        return title

    def _meta_line(self, row: Row, look: Look) -> Text:
        minutes = max(1, round(row.words / WORDS_PER_MINUTE))
        if not row.indexed:
            length = "not indexed yet"
        else:
            length = f"{row.words:,} words · {minutes:,} min" if row.words else "empty"
        # First what a narrow list must not cut: the date (when the title line has no room for
        # it) and the annotation count.
        parts = ["" if look.date_beside_title else visible_line(row.date)]
        parts.append(f"✎ {row.annotations:,}" if row.annotations else "")
        if self.snippets and (row.hits or row.matched not in WHERE):  # else the snippet says where
            parts.append(counted(row.hits, "hit"))
        parts += [visible_line(row.source) if row.source else "", length]
        return Text(" " * INDENT + " · ".join(p for p in parts if p), style=look.meta, end="")

    def _snippet_lines_of(self, index: int, row: Row, look: Look) -> list[Text]:
        """The row's snippet wrapped to the width, around its first hit when it does not fit."""
        key = (index, look.text_width)
        cached = self._snippet_cache.get(key)
        if cached is not None:
            return cached
        room = max(look.text_width - INDENT, 8)
        snippet, marks = visible_line_spans(row.snippet, row.marks)
        snippet, marks = fit_snippet(snippet, marks, room * self._snippet_lines)
        text = Text("", style=look.snippet, end="")
        if not row.hits and row.matched in WHERE:  # found through its title, tags or the user's notes
            text.append(WHERE[row.matched], look.where)
        shift = len(text)
        text.append(snippet)
        for start, end in marks:
            text.stylize(look.mark, start + shift, end + shift)
        wrapped = list(text.wrap(self.app.console, room)) or [Text("")]
        for line in wrapped:
            line.rstrip()  # the blank a line broke at
        lines = [Text(" " * INDENT, end="") + line for line in wrapped[: self._snippet_lines]]
        if len(wrapped) > self._snippet_lines:  # the rest is cut: say so
            last = lines[-1]
            last.truncate(INDENT + room - 1)
            last.append("…")
        self._snippet_cache[key] = lines
        return lines

    # ------------------------------------------------------------------ moving

    def _set_cursor(self, index: int) -> None:
        if not self.rows:
            return
        index = min(max(index, 0), len(self.rows) - 1)
        if index != self.cursor:
            old, self.cursor = self.cursor, index
            for row in (old, index):
                top = row * self.row_height - round(self.scroll_y)
                self.refresh(Region(0, top, self.size.width, self.row_height))
            self.post_message(self.Highlighted(self, self.rows[index].id))
        self.moved = True
        self._reveal_cursor()

    def _reveal_cursor(self) -> None:
        top = self.cursor * self.row_height
        self.scroll_to_region(Region(0, top, 1, self.row_height), animate=False, immediate=True, spacing=None)

    def action_move(self, delta: int) -> None:
        self._set_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self.cursor + direction * max(self.size.height // self.row_height - 1, 1))

    def action_first(self) -> None:
        self._set_cursor(0)

    def action_last(self) -> None:
        self._set_cursor(len(self.rows) - 1)

    def action_open(self) -> None:
        if self.highlighted:
            self.post_message(self.Opened(self, self.highlighted.id))

    def on_click(self, event: events.Click) -> None:
        index = (round(self.scroll_y) + event.y) // self.row_height
        if 0 <= index < len(self.rows):
            self._set_cursor(index)
            self.post_message(self.Opened(self, self.rows[index].id, clicked=True))

    def on_resize(self, _: events.Resize) -> None:
        self._measure()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._snippet_cache.clear()  # a new theme: snippets are built with its colours
