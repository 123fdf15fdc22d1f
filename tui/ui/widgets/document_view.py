"""The drawing half of the reader: a document laid out in rows on Textual's Line API.

Only visible rows are drawn (``render_line``), from a ``DocumentLayout`` (``tui.ui.text``) that
lays the document out chunk by chunk as rows are asked for, so a multi-MB text opens at once:
Markdown with its markers hidden, or the source as written (``source_view``; always for
``.txt`` and ``.rst``). Each drawn character keeps the code-point offset it stands for, and the
view paints by offset: search hits and find matches (``marks``), annotations, the selection and
the cursor land on the characters they cover, whatever the layout hid or added. Text is shown
literally: rows are ``rich.text.Text`` built from characters (never parsed as markup) after
``sanitize.visible`` (which the layout applies a chunk at a time); the header's title and
metadata are labels (``sanitize.visible_line``).

The text runs at most ``measure`` cells wide, centred. ``Reader`` adds the keys, the cursor's
moves, selecting and the messages.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Offset, Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.colors import COLORS
from tui.core.formats import SUFFIXES as CONVERTED_SUFFIXES
from tui.core.sanitize import visible_line
from tui.core.settings import MEASURE
from tui.ui.palette import highlight_css
from tui.ui.text.document import DocumentLayout
from tui.ui.text.find import Targets
from tui.ui.text.paint import Annotations, paint, paint_annotations, paint_targets, row_text
from tui.ui.text.rows import Row

if TYPE_CHECKING:
    from tui.core.annotations import Annotation

Span = tuple[int, int]
GUTTER = 2
"""Cells left of the text: a bar marks lines that carry an annotation with a note."""
MARKDOWN_SUFFIXES = (".md", ".markdown", *sorted(CONVERTED_SUFFIXES))
"""Rendered as Markdown: Markdown files, and EPUB, HTML and PDF (converted to Markdown)."""
FIRST_LAYOUT = 0.03
"""Seconds spent laying out a document from its start when it is shown: a short one is then
exact at once (its scrollbar never moves)."""
FIRST_LAYOUT_CHARS = 200_000
"""Longest text given ``FIRST_LAYOUT``: a longer one cannot be laid out in that time anyway, and
the time would only delay its first paint (and be spent at its top, where it may not open)."""
DRAWN_ROWS = 300
"""Rows kept as drawn (some screens' worth): a key or a scroll that changes a row or two of the
screen draws only those; the rest come from here unless something they show has changed."""
IDLE_LAYOUT = 2_000_000
"""Longest text (characters) laid out entirely while idle; a longer one keeps estimated row
counts for the chunks not shown, which only the scrollbar's size reflects (it is cut whole,
though: cutting is cheaper than laying out by far)."""


class Frame(NamedTuple):
    """What every line of one frame is drawn from (``DocumentView.render_lines``)."""

    width: int
    base: Style
    margin: int
    indent: Strip
    view: tuple[object, ...]
    """What every row is drawn from, but the styles (``notify_style_update`` clears the rows)."""
    current: Span | None
    selection: Span | None
    cursor_line: int
    """The cursor's row, or -1 when the view has not the focus (no cursor is drawn)."""
    cursor: int
    under: tuple[str, int, int] | None
    """The annotation under the cursor (drawn in bold): its id, start and end."""


def _row_state(frame: Frame, line: int, row: Row) -> tuple[object, ...]:
    """What a row's drawing depends on beyond ``Frame.view``: the current hit, the selection, the
    cursor and the annotation under it, where they touch the row."""
    start, end = row.start, row.end
    current = frame.current
    if current is not None and not (current[0] <= end and current[1] >= start):
        current = None
    selection = frame.selection
    if selection is not None:
        low, high = max(selection[0], start), min(selection[1], end + 1)
        selection = (low, high) if low < high else None
    under = frame.under
    if under is not None and not (under[1] <= end and under[2] >= start):
        under = None
    return (current, selection, frame.cursor if frame.cursor_line == line else None, under)


def reading_progress(top: float, last_top: float) -> int:
    """How far a view scrolled to row ``top`` is through a document it shows the end of from row
    ``last_top`` on, in percent: 0 at the start, 100 once the end is on screen (a document that
    fits is read through). Whole percents, rounded down: 100 % is never shown before the end."""
    if last_top <= 0:
        return 100
    return min(max(int(100 * top / last_top), 0), 100)


def is_markdown(doc_id: str) -> bool:
    """Whether a document is rendered as Markdown (by its file name)."""
    return doc_id.lower().endswith(MARKDOWN_SUFFIXES)


@dataclass(frozen=True)
class Header:
    """The front matter shown above the text (never part of its offsets)."""

    title: str
    meta: str


class DocumentView(ScrollView, can_focus=True):
    """Draws a document's rows with their styles, marks, annotations, selection and cursor."""

    COMPONENT_CLASSES = {  # noqa: RUF012
        f"reader--{name}"
        for name in (
            *("title", "meta", "heading", "h1", "quote", "quote-bar", "code", "strong", "emphasis", "strike"),
            *("link", "image", "bullet", "rule", "table-border", "table-header", "markup", "hit"),
            *("current-hit", "cursor", "selection", "annotation-current", *COLORS),
        )
    }
    DEFAULT_CSS = """
    DocumentView { background: $surface; padding: 0 1; overflow-x: hidden; scrollbar-gutter: stable; }
    DocumentView > .reader--title { color: $accent; text-style: bold; }
    DocumentView > .reader--meta { color: $text-muted; }
    DocumentView > .reader--heading { color: $primary; text-style: bold; }
    DocumentView > .reader--h1 { text-style: bold underline; }
    DocumentView > .reader--quote { color: $text-muted; text-style: italic; }
    DocumentView > .reader--quote-bar { color: $primary 60%; }
    DocumentView > .reader--code { color: $warning; background: $boost; }
    DocumentView > .reader--strong { text-style: bold; }
    DocumentView > .reader--emphasis { text-style: italic; }
    DocumentView > .reader--strike { text-style: strike; }
    DocumentView > .reader--link { color: $accent; text-style: underline; }
    DocumentView > .reader--image { color: $accent; text-style: italic; }
    DocumentView > .reader--bullet { color: $primary; }
    DocumentView > .reader--rule { color: $text-disabled; }
    DocumentView > .reader--table-border { color: $text-disabled; }
    DocumentView > .reader--table-header { text-style: bold; }
    DocumentView > .reader--markup { color: $text-muted; }
    DocumentView > .reader--hit { background: $warning 35%; }
    DocumentView > .reader--current-hit { background: $warning; color: $background; text-style: bold; }
    DocumentView > .reader--cursor { text-style: reverse; }
    DocumentView > .reader--selection { background: $accent 55%; }
    DocumentView > .reader--annotation-current { text-style: bold underline; }
    """ + highlight_css("DocumentView > .reader")

    cursor: reactive[int] = reactive(0, repaint=False)
    """Offset of the cursor in the text (always on a drawn character, when there is one)."""
    measure: reactive[int] = reactive(MEASURE)
    """Widest the text runs, in cells; the text is centred in a wider view."""
    source_view: reactive[bool] = reactive(False)
    """Whether a Markdown document shows its source instead of its rendering (``m``)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        """The document's text: every offset points into it."""
        self._markdown = False
        self._header: list[tuple[str, str]] = []
        self._layout = DocumentLayout("", None, 80, False)
        self.marks = Targets()
        """The search hits and the find's matches (``n`` and ``N`` move between them)."""
        self._annotations = Annotations((), 0)
        self.annotation_under_cursor: Annotation | None = None
        """The innermost annotation holding the cursor (drawn in bold)."""
        self.lines_rendered = 0
        """How many lines ``render_line`` produced since the document was shown (for tests)."""
        self._size_pending = False
        self._pinned = (0, -1)
        self._drawn: dict[int, tuple[tuple[object, ...], Strip]] = {}
        """Rows as last drawn, by line, with what they were drawn from (``_row_state``)."""
        self._drawn_for: tuple[object, ...] = ()
        """What every row is drawn from (``Frame.view``): the ones above are for it."""
        self._frame: Frame | None = None

    def show(self, text: str, header: Header, markdown: bool, top: int = 0) -> None:
        """Lay out a new text (rendered as Markdown when ``markdown``, unless in the source view),
        its screenful from offset ``top`` (where it is about to be scrolled) first."""
        self.text = text
        self._markdown = markdown
        self._header = [(header.title, "reader--title"), (header.meta, "reader--meta"), ("", "")]
        self.marks = Targets()
        self._annotations = Annotations((), len(text))
        self._build_layout(top)
        self.lines_rendered = 0

    @property
    def selection(self) -> Span | None:
        """The selected passage as offsets (none here: ``Reader`` selects)."""
        return None

    @property
    def annotations(self) -> tuple[Annotation, ...]:
        """The document's placed annotations (orphans are not drawn), sorted by start."""
        return self._annotations.all

    def annotations_between(self, start: int, end: int) -> list[Annotation]:
        """Placed annotations that overlap ``[start, end)``, in order."""
        return self._annotations.between(start, end)

    def annotation_at(self, offset: int) -> Annotation | None:
        """The innermost (shortest) annotation holding ``offset``."""
        return self._annotations.at(offset)

    def set_annotations(self, annotations: Sequence[Annotation]) -> None:
        """Show these annotations (orphaned ones are listed elsewhere, not drawn)."""
        self._annotations = Annotations(annotations, len(self.text))
        self.refresh()

    # ------------------------------------------------------------------ layout

    def set_meta(self, meta: str) -> None:
        """The header's second line (a count that came after the text), drawn again."""
        if len(self._header) > 1:
            self._header[1] = (meta, self._header[1][1])
            self.refresh()

    @property
    def header_lines(self) -> int:
        """Virtual lines above the text (title, meta, blank)."""
        return len(self._header)

    @property
    def line_count(self) -> int:
        """Rows of text (estimated for the parts of a long document not laid out yet)."""
        return self._layout.line_count

    @property
    def layout_width(self) -> int:
        """Cells the text is laid out in: the measure, or less in a narrow reader."""
        return self._layout.width

    def row(self, line: int) -> Row:
        """Row ``line`` of the text (0 = the first, below the header): characters and offsets."""
        return self._layout.row(line)

    @property
    def _text_width(self) -> int:
        return max(min(self.measure, self.scrollable_content_region.width - GUTTER), 10)

    @property
    def text_column(self) -> int:
        """The column (in the content area) where the text starts: the centring margin and the
        gutter are left of it."""
        return self._margin + GUTTER

    @property
    def _margin(self) -> int:
        """Blank cells left of the gutter that centre the text."""
        return max((self.scrollable_content_region.width - GUTTER - self._layout.width) // 2, 0)

    def _build_layout(self, top: int = 0) -> None:
        markdown = self._markdown and not self.source_view
        self._layout = DocumentLayout(self.text, None, self._text_width, markdown)
        if len(self.text) <= FIRST_LAYOUT_CHARS:
            self._layout.lay_out_pending(FIRST_LAYOUT)
        else:
            # The rows the first frame shows, laid out before the size is taken: their counts are
            # then exact, and no second frame follows the first to correct the scrollbar.
            first = self._layout.line_of(top) if top > 0 else 0
            for line in range(first, first + self.scrollable_content_region.height + 1):
                self._layout.row(line)
        self._sync_size()
        self._lay_out_later()
        self.refresh()

    def _relayout(self) -> None:
        """Lay the text out again at the current width, keeping the reading position on top (or
        the header in view, when it was)."""
        if self._text_width == self._layout.width:
            return
        anchor = self._reading_position() if round(self.scroll_y) > self.header_lines else None
        self._layout.resize(self._text_width)
        if len(self.text) <= FIRST_LAYOUT_CHARS:
            self._layout.lay_out_pending(FIRST_LAYOUT)
        self._sync_size()
        if anchor is not None:
            self.scroll_to_offset(anchor)
        self._lay_out_later()
        self.refresh()

    def _sync_size(self) -> None:
        self._size_pending = False
        size = Size(self.scrollable_content_region.width, self._layout.line_count + self.header_lines)
        if size != self.virtual_size:
            self.virtual_size = size

    def _lay_out_later(self) -> None:
        """While the reader is idle, cut the rest of a document into chunks (so a jump far into
        it finds them cut) and lay it out (up to ``IDLE_LAYOUT`` characters), so the scrollbar
        settles; the top row stays still as row counts above it become exact. The size is synced
        now and then, not on every step: each sync repaints."""
        layout = self._layout
        lay_out = len(self.text) <= IDLE_LAYOUT

        def finished() -> bool:
            return layout.complete if lay_out else layout.cut_complete

        if finished():
            return
        last_sync = [time.monotonic()]

        def step() -> None:
            if layout is not self._layout:
                return
            top = round(self.scroll_y) - self.header_lines
            anchor = layout.locate(top) if top > 0 else None
            changed = layout.lay_out_pending(0.01) if lay_out else layout.cut_pending(0.01)
            y = layout.line_at(*anchor) + self.header_lines if anchor is not None else round(self.scroll_y)
            done = finished()
            if done or y != round(self.scroll_y) or time.monotonic() - last_sync[0] > 1:
                last_sync[0] = time.monotonic()
                if changed or done:
                    self._sync_size()
                if y != round(self.scroll_y):
                    self.scroll_to(y=y, animate=False, immediate=True, force=True)
            if not done:
                self.set_timer(0.02, step)

        self.set_timer(0.05, step)

    def on_resize(self, _: events.Resize) -> None:
        self._relayout()

    def watch_measure(self) -> None:
        self._relayout()

    def watch_source_view(self) -> None:
        top, cursor = self._reading_position(), self.cursor
        self._build_layout()
        self.set_reactive(DocumentView.cursor, self._layout.snap(cursor))
        self.scroll_to_offset(top)

    def line_of(self, offset: int) -> int:
        """The row (0 = first text row) holding ``offset``."""
        return self._layout.line_of(offset)

    @property
    def top_offset(self) -> int:
        """Offset of the first character on screen: the reading position."""
        return self._layout.row(max(round(self.scroll_y) - self.header_lines, 0)).start

    def scroll_to_offset(self, offset: int, animate: bool = False) -> None:
        """Scroll so the row holding ``offset`` is at the top (the header shows at offset 0)."""
        line = self.line_of(offset)
        y = 0 if offset <= 0 or line == 0 else line + self.header_lines
        # Forced: right after a load the scrollbars are not laid out yet, and an unforced scroll
        # of a reader that had no scrollbar does nothing.
        self.scroll_to(y=y, animate=animate, immediate=True, force=True)
        self._pinned = (offset, round(self.scroll_y))

    def _reading_position(self) -> int:
        """The offset to keep on top through a re-layout: the one last scrolled to when nothing
        has scrolled since (the top row of a narrower layout starts before it), else the top's."""
        offset, y = self._pinned
        return offset if y == round(self.scroll_y) else self.top_offset

    # ------------------------------------------------------------------ rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line of this frame is drawn from, taken once (the widget's style alone
        # walks its ancestors): the lines kept as drawn come back for the cost of a lookup.
        self._frame = self._frame_state()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._frame_state()
        index = round(self.scroll_y) + y
        width, base = frame.width, frame.base
        if index < self.header_lines:
            label, component = self._header[index]
            style = self.get_component_rich_style(component) if component else base
            text = Text(" " * GUTTER + visible_line(label), style=style, no_wrap=True, end="")
            text.truncate(self._text_width + GUTTER, overflow="ellipsis")
            strip = Strip(text.render(self.app.console), text.cell_len).apply_style(base)
            return Strip.join([frame.indent, strip]).extend_cell_length(width, base).crop(0, width)
        line = index - self.header_lines
        if line >= self._layout.line_count:
            return Strip.blank(width, base)
        self.lines_rendered += 1
        if frame.view != self._drawn_for or len(self._drawn) > DRAWN_ROWS:
            self._drawn_for = frame.view
            self._drawn.clear()
        count = self._layout.line_count
        row = self._layout.row(line)
        if self._layout.line_count != count and not self._size_pending:
            self._size_pending = True  # this row's chunk was laid out: its real row count is known
            self.call_later(self._sync_size)
        state = _row_state(frame, line, row)
        drawn = self._drawn.get(line)
        if drawn is not None and drawn[0] == state:
            return drawn[1]
        strip = self._render_row(line, row, base)
        joined = Strip.join([frame.indent, strip]).extend_cell_length(width, base).crop(0, width)
        # Offsets on every cell (margin and blank ends too), so a mouse drag can start anywhere.
        drawn_strip = joined.apply_offsets(-GUTTER - frame.margin, line)
        self._drawn[line] = (state, drawn_strip)
        return drawn_strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()  # (the component styles, computed again just after this, too)

    def _frame_state(self) -> Frame:
        width, base, margin = self.scrollable_content_region.width, self.rich_style, self._margin
        layout, spans, current = self._layout, self.marks.spans, self.marks.current
        under = self.annotation_under_cursor
        # (The annotations and the hits or matches are new objects whenever they change.)
        view = (layout, layout.generation, width, margin, base, self._annotations, spans, len(spans))
        return Frame(
            width,
            base,
            margin,
            Strip.blank(margin, base),
            view,
            spans[current] if 0 <= current < len(spans) else None,
            self.selection,
            self.line_of(self.cursor) if self.has_focus else -1,
            self.cursor,
            (under.id, under.start, under.end) if under is not None else None,
        )

    def _render_row(self, line: int, row: Row, base: Style) -> Strip:
        style_of = self.get_component_rich_style
        text = row_text(row, base, style_of)
        here = self._annotations.between(row.start, row.end)
        current = self.annotation_under_cursor.id if self.annotation_under_cursor else None
        bold = self.get_component_rich_style("reader--annotation-current", partial=True)
        noted = paint_annotations(text, row, here, current, style_of, bold) if here else None
        hit, chosen = style_of("reader--hit"), style_of("reader--current-hit")
        paint_targets(text, row, self.marks.spans, self.marks.current, hit, chosen)
        if self.selection:
            paint(text, row, style_of("reader--selection"), *self.selection)
        if self.has_focus and self.line_of(self.cursor) == line:
            if row.position_of(self.cursor) is not None:
                paint(text, row, style_of("reader--cursor"), self.cursor, self.cursor + 1)
            else:
                text.append(" ", style_of("reader--cursor"))
        body = Strip(list(text.render(self.app.console)), text.cell_len).apply_style(base)
        gutter = Text("▍ " if noted else "  ", style=base, end="")
        if noted:
            gutter.stylize(Style(color=style_of(f"reader--{noted.color}").bgcolor), 0, 1)
        margin = Strip(list(gutter.render(self.app.console)), GUTTER).apply_style(base)
        return Strip.join([margin, body])

    def offset_at(self, x: int, y: int) -> int | None:
        """The text offset under a point of the widget (the nearest stop on its row), or None
        outside the text."""
        line = round(self.scroll_y) + y - self.header_lines
        if not 0 <= line < self._layout.line_count:
            return None
        column = x - self.styles.padding.left - self._margin - GUTTER + round(self.scroll_x)
        return self._layout.row(line).offset_at_cell(column)

    def offset_at_drawn(self, point: Offset) -> int:
        """The offset under a drawn position (a mouse selection's end: column, row)."""
        line = min(max(point.y, 0), self._layout.line_count - 1)
        return self._layout.row(line).offset_at(point.x)
