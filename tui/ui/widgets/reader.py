"""The reader: a document on Textual's Line API, so a multi-MB text opens at once.

Only visible lines are rendered (``render_line``). The layout is a list of visual lines, each
a (start, end) code-point range of the document text, wrapped by cell width (wide CJK
characters count two, a tab runs to the next tab stop: see ``layout``); every position the
widget deals in is such an offset, so search hits, the cursor and the reading position survive
a re-wrap. Styles for a line are merged from Markdown structure, search hits and the cursor
when it is drawn. Text is shown literally: it becomes a ``rich.text.Text`` (never parsed as
markup) after ``sanitize.visible``, which keeps every offset; the header's title and metadata
are labels (``sanitize.visible_line``). Lines are wrapped as displayed, so a control
character's stand-in is measured, not the character.

The reading position is the reader's own: ``moved`` says whether the user moved the cursor or
scrolled since the document was loaded, so opening, re-rendering or a jump to the first hit of a
search (which nobody asked for) never replaces the position the screen has stored.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rich.style import Style
from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollDown, ScrollTo, ScrollUp
from textual.selection import Selection
from textual.strip import Strip

from tui.core.annotations import COLORS, Annotation
from tui.core.sanitize import visible, visible_line
from tui.ui.widgets import motions
from tui.ui.widgets.layout import cell_of, drawn, drawn_span, offset_at_cell, offset_at_drawn, wrap

Span = tuple[int, int]
GUTTER = 2
"""Cells left of the text: a bar marks lines that carry an annotation with a note."""

_FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?(?:^\1[ \t]*$|\Z)", re.M | re.S)
_HEADING = re.compile(r" {0,3}(#{1,6})[ \t]")
_QUOTE = re.compile(r" {0,3}>")
_LIST = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]")
# Every repetition here stops at the next character that could start another match (a backtick,
# ``*``, ``_``, ``[`` or ``(``), and no two adjacent repetitions can take the same characters: a
# line costs its length, not its length squared, however many unclosed brackets it holds.
_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|(?P<strong>\*\*[^*\n]+\*\*|__[^_\n]+__)"
    r"|(?P<em>(?<![\w*])\*[^*\s][^*\n]*\*(?!\*)|(?<!\w)_[^_\s][^_\n]*_(?!\w))"
    r"|(?P<link>\[(?P<label>[^\[\]\n]+)\]\((?P<url>[^()\s]+)(?:[ \t][^()\n]*)?\))"
)


class _LineText(Text):
    """One visual line as drawn, painted by document offsets (``layout.drawn_span`` maps them)."""

    def __init__(self, shown: str, index: list[int] | None, start: int, end: int, style: Style) -> None:
        super().__init__(shown, style=style, no_wrap=True, end="")
        self._index, self._start, self._end = index, start, end

    def paint(self, style: Style, low: int, high: int) -> None:
        """Style the code points ``[low, high)`` of the document where they are on this line."""
        span = drawn_span(self._index, self._start, self._end, low, high)
        if span is not None:
            self.stylize(style, *span)


@dataclass(frozen=True)
class Header:
    """The front matter shown above the text (never part of its offsets)."""

    title: str
    meta: str


class Reader(ScrollView, can_focus=True):
    """Shows one document; cursor, search hits and Markdown styling by offset."""

    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("j,down", "cursor_down", "Down", show=False, id="reader.down", tooltip="Next line"),
        Binding("k,up", "cursor_up", "Up", show=False, id="reader.up", tooltip="Previous line"),
        Binding("left", "cursor_left", "Left", show=False, id="reader.left", tooltip="Previous character"),
        Binding("right", "cursor_right", "Right", show=False, id="reader.right", tooltip="Next character"),
        Binding("space,pagedown", "page_down", "Page", id="reader.page_down", tooltip="Next page"),
        Binding("pageup", "page_up", "Back", show=False, id="reader.page_up", tooltip="Previous page"),
        Binding(
            "b",
            "back",
            "Back",
            show=False,
            id="reader.back",
            tooltip="Previous page (a word back while selecting)",
        ),
        Binding("g,home", "top", "Top", show=False, id="reader.top", tooltip="Start of the document"),
        Binding("G,end", "bottom", "End", show=False, id="reader.bottom", tooltip="End of the document"),
        Binding("n", "next_hit", "Next hit", id="reader.next_hit", tooltip="Jump to the next search hit"),
        Binding(
            "N",
            "previous_hit",
            "Prev hit",
            id="reader.previous_hit",
            tooltip="Jump to the previous search hit",
        ),
        Binding("v", "toggle_selection", "Select", id="reader.select", tooltip="Start (or end) a selection"),
        Binding(
            "escape",
            "cancel_selection",
            "Cancel",
            show=False,
            id="reader.cancel",
            tooltip="Drop the selection",
        ),
        Binding("w", "word(1)", "Word", show=False, id="reader.word", tooltip="Next word"),
        Binding(
            "e",
            "word_end",
            "Word end",
            show=False,
            id="reader.word_end",
            tooltip="End of the word (while selecting; else e edits the annotation under the cursor)",
        ),
        Binding(
            "right_parenthesis",
            "sentence(1)",
            "Sentence",
            show=False,
            id="reader.sentence",
            tooltip="Next sentence",
        ),
        Binding(
            "left_parenthesis",
            "sentence(-1)",
            "Sentence",
            show=False,
            id="reader.sentence_back",
            tooltip="Previous sentence",
        ),
        Binding(
            "right_curly_bracket",
            "paragraph(1)",
            "Paragraph",
            show=False,
            id="reader.paragraph",
            tooltip="Next paragraph",
        ),
        Binding(
            "left_curly_bracket",
            "paragraph(-1)",
            "Paragraph",
            show=False,
            id="reader.paragraph_back",
            tooltip="Previous paragraph",
        ),
        Binding(
            "0", "line_start", "Line start", show=False, id="reader.line_start", tooltip="Start of the line"
        ),
        Binding(
            "dollar_sign", "line_end", "Line end", show=False, id="reader.line_end", tooltip="End of the line"
        ),
        Binding(
            "shift+left",
            "extend('left')",
            "Extend",
            show=False,
            id="reader.extend_left",
            tooltip="Select a character left",
        ),
        Binding(
            "shift+right",
            "extend('right')",
            "Extend",
            show=False,
            id="reader.extend_right",
            tooltip="Select a character right",
        ),
        Binding(
            "shift+up",
            "extend('up')",
            "Extend",
            show=False,
            id="reader.extend_up",
            tooltip="Select a line up",
        ),
        Binding(
            "shift+down",
            "extend('down')",
            "Extend",
            show=False,
            id="reader.extend_down",
            tooltip="Select a line down",
        ),
        Binding(
            "y", "copy_selection", "Copy", show=False, id="reader.copy", tooltip="Copy the selection (OSC 52)"
        ),
        Binding(
            "right_square_bracket",
            "next_annotation",
            "Next note",
            show=False,
            id="reader.next_annotation",
            tooltip="Next annotation",
        ),
        Binding(
            "left_square_bracket",
            "previous_annotation",
            "Prev note",
            show=False,
            id="reader.previous_annotation",
            tooltip="Previous annotation",
        ),
    ]
    COMPONENT_CLASSES = {  # noqa: RUF012
        "reader--title",
        "reader--meta",
        "reader--heading",
        "reader--quote",
        "reader--code",
        "reader--strong",
        "reader--emphasis",
        "reader--link",
        "reader--markup",
        "reader--hit",
        "reader--current-hit",
        "reader--cursor",
        "reader--empty",
        "reader--selection",
        "reader--annotation-current",
        *(f"reader--{color}" for color in COLORS),
    }
    DEFAULT_CSS = """
    Reader { background: $surface; padding: 0 1; overflow-x: hidden; scrollbar-gutter: stable; }
    Reader > .reader--title { color: $accent; text-style: bold; }
    Reader > .reader--meta { color: $text-muted; }
    Reader > .reader--heading { color: $primary; text-style: bold; }
    Reader > .reader--quote { color: $text-muted; text-style: italic; }
    Reader > .reader--code { color: $warning; background: $boost; }
    Reader > .reader--strong { text-style: bold; }
    Reader > .reader--emphasis { text-style: italic; }
    Reader > .reader--link { color: $accent; text-style: underline; }
    Reader > .reader--markup { color: $text-disabled; }
    Reader > .reader--hit { background: $warning 35%; }
    Reader > .reader--current-hit { background: $warning; color: $background; text-style: bold; }
    Reader > .reader--cursor { text-style: reverse; }
    Reader > .reader--empty { color: $text-muted; text-style: italic; }
    Reader > .reader--selection { background: $accent 55%; }
    Reader > .reader--annotation-current { text-style: bold underline; }
    Reader > .reader--yellow { background: #d7b400 40%; }
    Reader > .reader--green { background: #3fa34d 40%; }
    Reader > .reader--blue { background: #3d7fd9 40%; }
    Reader > .reader--pink { background: #d9467f 40%; }
    Reader > .reader--orange { background: #e07b1f 45%; }
    """

    class HitChanged(Message):
        """The current search hit changed (index is -1 when there is none)."""

        def __init__(self, reader: Reader, index: int, total: int) -> None:
            super().__init__()
            self.reader, self.index, self.total = reader, index, total

        @property
        def control(self) -> Reader:
            return self.reader

    class CursorMoved(Message):
        """The cursor moved to ``offset`` in the text."""

        def __init__(self, reader: Reader, offset: int) -> None:
            super().__init__()
            self.reader, self.offset = reader, offset

        @property
        def control(self) -> Reader:
            return self.reader

    class AnnotationUnderCursor(Message):
        """The annotation under the cursor changed (None: the cursor is in none)."""

        def __init__(self, reader: Reader, annotation: Annotation | None) -> None:
            super().__init__()
            self.reader, self.annotation = reader, annotation

        @property
        def control(self) -> Reader:
            return self.reader

    class SelectionChanged(Message):
        """A passage was selected (keyboard or mouse), or the selection was dropped (None)."""

        def __init__(self, reader: Reader, span: Span | None) -> None:
            super().__init__()
            self.reader, self.span = reader, span

        @property
        def control(self) -> Reader:
            return self.reader

    cursor: reactive[int] = reactive(0, repaint=False)
    """Offset of the cursor in the text."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.doc_id: str | None = None
        """The document shown, or None before one is opened."""
        self.text = ""
        self._display = ""
        self._header: list[tuple[str, str]] = []
        self._starts: list[int] = [0]
        self._ends: list[int] = [0]
        self._wrapped_width = 0
        self._fences: list[Span] = []
        self.hits: list[Span] = []
        """Search hits, sorted offsets into the text."""
        self.current_hit = -1
        self.lines_rendered = 0
        """How many lines ``render_line`` produced since the document was loaded (for tests)."""
        self.annotations: tuple[Annotation, ...] = ()
        """The document's placed annotations (orphans are not drawn), sorted by start."""
        self._annotation_starts: list[int] = []
        self._longest_annotation = 0
        self.annotation_under_cursor: Annotation | None = None
        """The innermost annotation holding the cursor."""
        self.selection_anchor: int | None = None
        """Where a keyboard selection (``v``) started; None when not selecting by keyboard."""
        self._mouse_selection: Span | None = None
        self.moved = False
        """Whether the user moved the cursor or scrolled since the document was loaded (only then
        is the reading position worth saving)."""

    # ------------------------------------------------------------------ data in

    def load(self, doc_id: str, text: str, header: Header, top: int = 0, cursor: int = 0) -> None:
        """Show a document, scrolled so ``top`` is the first visible offset."""
        self.doc_id, self.text = doc_id, text
        self._display = visible(text)  # tabs kept: ``layout`` gives each the cells to its tab stop
        self._header = [(header.title, "reader--title"), (header.meta, "reader--meta"), ("", "")]
        self._fences = (
            [(m.start(), m.end()) for m in _FENCE.finditer(text)] if "```" in text or "~~~" in text else []
        )
        self.hits, self.current_hit = [], -1
        self.selection_anchor = self._mouse_selection = None
        self.moved = False
        self.set_annotations(())
        self._block_style.cache_clear()
        self._inline_spans.cache_clear()
        self._wrapped_width = 0
        self._relayout(anchor=None)
        self.set_reactive(Reader.cursor, min(max(cursor, 0), len(text)))
        self.lines_rendered = 0
        self.call_after_refresh(self.scroll_to_offset, top, False)
        self.post_message(self.HitChanged(self, -1, 0))

    def set_hits(self, hits: Sequence[Span], jump: bool) -> None:
        """Highlight ``hits``; with ``jump``, put the cursor on the first one (unless the user has
        moved since the document was loaded: then the cursor stays where they put it)."""
        self.hits = list(hits)
        self.current_hit = -1
        if jump and self.hits and not self.moved:
            self._go_to_hit(0, by_user=False)
        else:
            self.post_message(self.HitChanged(self, -1, len(self.hits)))
        self.refresh()

    def set_annotations(self, annotations: Sequence[Annotation]) -> None:
        """Show these annotations (orphaned ones are listed elsewhere, not drawn)."""
        placed = [a for a in annotations if a.anchor != "orphaned" and a.end <= len(self.text)]
        self.annotations = tuple(sorted(placed, key=lambda a: (a.start, a.end)))
        self._annotation_starts = [a.start for a in self.annotations]
        self._longest_annotation = max((a.end - a.start for a in self.annotations), default=0)
        self._update_annotation_under_cursor()
        self.refresh()

    @property
    def selection(self) -> Span | None:
        """The selected passage as offsets (end exclusive), from ``v`` or a mouse drag."""
        if self.selection_anchor is not None:
            low, high = sorted((self.selection_anchor, self.cursor))
            return (low, min(high + 1, len(self.text))) if self.text else None
        return self._mouse_selection

    @property
    def passage(self) -> Span | None:
        """The words the selection means (``motions.passage``: the first letter of the next word a
        motion landed on dropped, blanks trimmed), for annotating and copying; None when there is
        no selection or it holds only blanks."""
        span = self.selection
        return motions.passage(self.text, *span) if span else None

    def clear_selection(self) -> None:
        """Drop any selection."""
        had = self.selection is not None
        self.selection_anchor = self._mouse_selection = None
        if had:
            self.screen.clear_selection()
            self.refresh()
            self.post_message(self.SelectionChanged(self, None))

    def annotations_between(self, start: int, end: int) -> list[Annotation]:
        """Placed annotations that overlap ``[start, end)``, in order."""
        low = bisect_right(self._annotation_starts, start - self._longest_annotation - 1)
        high = bisect_right(self._annotation_starts, end)
        return [a for a in self.annotations[low:high] if a.start < end and a.end > start]

    def annotation_at(self, offset: int) -> Annotation | None:
        """The innermost (shortest) annotation holding ``offset``."""
        holding = [a for a in self.annotations_between(offset, offset + 1) if a.start <= offset < a.end]
        return min(holding, key=lambda a: a.end - a.start) if holding else None

    def go_to(self, offset: int, by_user: bool = True) -> None:
        """Put the cursor on ``offset`` and scroll it into view (a third from the top).

        ``by_user``: the user asked for this place (an annotation chosen in the panel, a hit with
        ``n``), so it is a reading position worth keeping.
        """
        self.moved = self.moved or by_user
        self.cursor = min(max(offset, 0), len(self.text))
        line = self.line_of(self.cursor) + self.header_lines
        height = self.scrollable_content_region.height
        if not (self.scroll_y <= line < self.scroll_y + height):
            self.scroll_to(y=max(line - height // 3, 0), animate=False, immediate=True, force=True)

    def _update_annotation_under_cursor(self) -> None:
        found = self.annotation_at(self.cursor)
        if found != self.annotation_under_cursor:
            self.annotation_under_cursor = found
            self.refresh()
            self.post_message(self.AnnotationUnderCursor(self, found))

    # ------------------------------------------------------------------ layout

    @property
    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width - GUTTER, 10)

    @property
    def header_lines(self) -> int:
        """Virtual lines above the text (title, meta, blank)."""
        return len(self._header)

    def _relayout(self, anchor: int | None) -> None:
        width = self._text_width
        if width == self._wrapped_width:
            return
        self._wrapped_width = width
        self._starts, self._ends = wrap(self._display, width)
        self.virtual_size = Size(width, len(self._starts) + self.header_lines)
        if anchor is not None:
            self.scroll_to_offset(anchor, animate=False)
        self.refresh()

    def on_resize(self, _: events.Resize) -> None:
        anchor = self.top_offset if self._wrapped_width else None
        self._relayout(anchor)

    def line_of(self, offset: int) -> int:
        """The visual line (0 = first text line) holding ``offset``."""
        return max(bisect_right(self._starts, offset) - 1, 0)

    @property
    def top_offset(self) -> int:
        """Offset of the first character on screen: the reading position."""
        line = min(max(round(self.scroll_y) - self.header_lines, 0), len(self._starts) - 1)
        return self._starts[line] if self._starts else 0

    def scroll_to_offset(self, offset: int, animate: bool = False) -> None:
        """Scroll so the line holding ``offset`` is at the top (the header shows at offset 0)."""
        line = self.line_of(offset)
        y = 0 if offset <= 0 or line == 0 else line + self.header_lines
        # Forced: right after a load the scrollbars are not laid out yet, and an unforced scroll
        # of a reader that had no scrollbar does nothing (a document opened from the palette
        # showed its top, not where it was left).
        self.scroll_to(y=y, animate=animate, immediate=True, force=True)

    def _keep_cursor_visible(self) -> None:
        y = self.line_of(self.cursor) + self.header_lines
        region = Region(0, y, 1, 1)
        self.scroll_to_region(region, animate=False, immediate=True, spacing=None)

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index < self.header_lines:
            label, component = self._header[index]
            style = self.get_component_rich_style(component) if component else base
            text = Text(
                " " * GUTTER + visible_line(label), style=style, no_wrap=True, overflow="ellipsis", end=""
            )
            text.truncate(width, overflow="ellipsis")
            strip = Strip(text.render(self.app.console), text.cell_len).apply_style(base)
            return strip.extend_cell_length(width, base)
        line = index - self.header_lines
        if line >= len(self._starts):
            return Strip.blank(width, base)
        self.lines_rendered += 1
        return self._render_text_line(line, width, base)

    def _render_text_line(self, line: int, width: int, base: Style) -> Strip:
        start, end = self._starts[line], self._ends[line]
        shown, index = drawn(self._display, start, end)
        text = _LineText(shown, index, start, end, base)
        logical = self.text.rfind("\n", 0, start) + 1
        block = self._block_style(logical)
        if block:
            text.stylize(self.get_component_rich_style(block))
        for s, e, component in self._inline_spans(logical):
            text.paint(self.get_component_rich_style(component), s, e)
        noted = self._stylize_annotations(text, start, end)
        self._stylize_hits(text, start, end)
        selection = self.selection
        if selection:
            text.paint(self.get_component_rich_style("reader--selection"), *selection)
        if self.has_focus and start <= self.cursor <= end:
            if self.cursor < end:
                text.paint(self.get_component_rich_style("reader--cursor"), self.cursor, self.cursor + 1)
            elif self.cursor == end:
                text.append(" ", self.get_component_rich_style("reader--cursor"))
        body = Strip(list(text.render(self.app.console)), text.cell_len).apply_style(base)
        gutter = Text("▍ " if noted else "  ", style=base, end="")
        if noted:
            gutter.stylize(Style(color=self.get_component_rich_style(f"reader--{noted.color}").bgcolor), 0, 1)
        margin = Strip(list(gutter.render(self.app.console)), GUTTER).apply_style(base)
        # Offsets on every cell (margin and blank ends too), so a mouse drag can start anywhere on a line.
        joined = Strip.join([margin, body]).extend_cell_length(width, base).crop(0, width)
        return joined.apply_offsets(-GUTTER, line)

    def _stylize_annotations(self, text: _LineText, start: int, end: int) -> Annotation | None:
        """Colour the annotations on a line; the first one with a note (for the margin bar).

        Longer annotations are painted first, so one nested in (or starting with) another shows.
        """
        here = self.annotations_between(start, end)
        if not here:
            return None
        current = self.annotation_under_cursor.id if self.annotation_under_cursor else None
        for annotation in sorted(here, key=lambda a: a.start - a.end) if len(here) > 1 else here:
            low, high = annotation.start, annotation.end
            text.paint(self.get_component_rich_style(f"reader--{annotation.color}"), low, high)
            if annotation.id == current:
                current_style = self.get_component_rich_style("reader--annotation-current", partial=True)
                text.paint(current_style, low, high)
        return next((a for a in here if a.note), None)

    def _stylize_hits(self, text: _LineText, start: int, end: int) -> None:
        if not self.hits:
            return
        first = max(bisect_right(self.hits, (start, start)) - 1, 0)
        hit_style = self.get_component_rich_style("reader--hit")
        current = self.hits[self.current_hit] if self.current_hit >= 0 else None
        for s, e in self.hits[first:]:
            if s >= end:
                break
            if e > start:
                style = (
                    self.get_component_rich_style("reader--current-hit") if (s, e) == current else hit_style
                )
                text.paint(style, s, e)

    @lru_cache(maxsize=4096)  # noqa: B019 - cleared on every load; the widget lives as long as the app
    def _block_style(self, logical: int) -> str:
        if self._fences:
            i = bisect_right(self._fences, (logical, len(self.text) + 1)) - 1
            if i >= 0 and self._fences[i][0] <= logical < self._fences[i][1]:
                return "reader--code"
        head = self.text[logical : logical + 12]
        if _HEADING.match(head):
            return "reader--heading"
        if _QUOTE.match(head):
            return "reader--quote"
        return ""

    @lru_cache(maxsize=4096)  # noqa: B019
    def _inline_spans(self, logical: int) -> tuple[tuple[int, int, str], ...]:
        end = self.text.find("\n", logical)
        line = self.text[logical : end if end >= 0 else len(self.text)]
        if self._block_style(logical) == "reader--code":
            return ()
        spans: list[tuple[int, int, str]] = []
        marker = _LIST.match(line) or _HEADING.match(line)
        if marker:
            spans.append((logical, logical + marker.end(), "reader--markup"))
        for match in _INLINE.finditer(line):
            s, e = logical + match.start(), logical + match.end()
            kind = match.lastgroup if match.lastgroup in ("code", "strong", "em") else "link"
            if match.group("link"):
                label_s, label_e = logical + match.start("label"), logical + match.end("label")
                spans += [(s, e, "reader--markup"), (label_s, label_e, "reader--link")]
            else:
                mark = 1 if kind in ("code", "em") else 2
                component = {"code": "reader--code", "strong": "reader--strong", "em": "reader--emphasis"}[
                    kind
                ]
                spans += [(s, e, component), (s, s + mark, "reader--markup"), (e - mark, e, "reader--markup")]
        return tuple(spans)

    # ------------------------------------------------------------------ cursor and actions

    def watch_cursor(self, old: int, new: int) -> None:
        for offset in {old, new}:
            y = self.line_of(offset) + self.header_lines - round(self.scroll_y)
            self.refresh(Region(0, y, self.size.width, 1))
        self._keep_cursor_visible()
        self._update_annotation_under_cursor()
        if self.selection_anchor is not None:
            self.refresh()
            self.post_message(self.SelectionChanged(self, self.selection))
        self.post_message(self.CursorMoved(self, new))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _move(self, offset: int) -> None:
        """Put the cursor where the user moved it (keys, a click): a position worth saving."""
        self.moved = True
        self.cursor = offset

    def _move_lines(self, delta: int) -> None:
        """Up or down by visual lines, staying in the same cell column (past tabs and wide characters)."""
        line = self.line_of(self.cursor)
        column = cell_of(self._display, self._starts[line], self.cursor)
        target = min(max(line + delta, 0), len(self._starts) - 1)
        self._move(offset_at_cell(self._display, self._starts[target], self._ends[target], column))

    def action_cursor_down(self) -> None:
        self._move_lines(1)

    def action_cursor_up(self) -> None:
        self._move_lines(-1)

    def action_cursor_left(self) -> None:
        self._move(max(self.cursor - 1, 0))

    def action_cursor_right(self) -> None:
        self._move(min(self.cursor + 1, len(self.text)))

    def action_page_down(self) -> None:
        page = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(y=self.scroll_y + page, animate=False, immediate=True)
        self._move_lines(page)

    def action_page_up(self) -> None:
        page = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(y=self.scroll_y - page, animate=False, immediate=True)
        self._move_lines(-page)

    def action_top(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)
        self._move(0)

    def action_bottom(self) -> None:
        self.scroll_end(animate=False, immediate=True)
        self._move(self._starts[-1] if self._starts else 0)

    def action_next_hit(self) -> None:
        if self.hits:
            after = bisect_right(self.hits, (self.cursor, len(self.text) + 1))
            if self.current_hit >= 0 and self.hits[self.current_hit][0] == self.cursor:
                after = self.current_hit + 1
            self._go_to_hit(after % len(self.hits), by_user=True)

    def action_previous_hit(self) -> None:
        if self.hits:
            before = bisect_right(self.hits, (self.cursor, -1)) - 1
            self._go_to_hit(before % len(self.hits), by_user=True)

    def _go_to_hit(self, index: int, by_user: bool) -> None:
        self.current_hit = index
        self.go_to(self.hits[index][0], by_user=by_user)
        self.refresh()
        self.post_message(self.HitChanged(self, index, len(self.hits)))

    def on_click(self, event: events.Click) -> None:
        offset = self.offset_at(event.x, event.y)
        if offset is not None:
            self._move(offset)

    # Scrolling with the wheel or the scrollbar moves the reading position as keys do.

    def on_mouse_scroll_down(self, _: events.MouseScrollDown) -> None:
        self.moved = True

    def on_mouse_scroll_up(self, _: events.MouseScrollUp) -> None:
        self.moved = True

    def on_scroll_to(self, _: ScrollTo) -> None:
        self.moved = True

    def on_scroll_up(self, _: ScrollUp) -> None:
        self.moved = True

    def on_scroll_down(self, _: ScrollDown) -> None:
        self.moved = True

    def offset_at(self, x: int, y: int) -> int | None:
        """The text offset under a point of the widget, or None outside the text."""
        line = round(self.scroll_y) + y - self.header_lines
        if not 0 <= line < len(self._starts):
            return None
        column = x - self.styles.padding.left - GUTTER + round(self.scroll_x)
        return offset_at_cell(self._display, self._starts[line], self._ends[line], column)

    # ------------------------------------------------------------------ selecting

    def action_toggle_selection(self) -> None:
        if self.selection_anchor is not None:
            self.clear_selection()
            return
        self._mouse_selection = None
        self.selection_anchor = self.cursor
        self.refresh()
        self.post_message(self.SelectionChanged(self, self.selection))

    def action_cancel_selection(self) -> None:
        if self.selection is None:
            raise SkipAction()  # let escape mean "back to the list"
        self.clear_selection()

    def action_back(self) -> None:
        if self.selection_anchor is not None:
            self._move(motions.previous_word(self.text, self.cursor))
        else:
            self.action_page_up()

    def action_word(self, direction: int) -> None:
        move = motions.next_word if direction > 0 else motions.previous_word
        self._move(min(move(self.text, self.cursor), max(len(self.text) - 1, 0)))

    def action_word_end(self) -> None:
        if self.selection_anchor is None:
            raise SkipAction()  # not selecting: e edits the annotation under the cursor
        self._move(min(motions.end_of_word(self.text, self.cursor), max(len(self.text) - 1, 0)))

    def action_sentence(self, direction: int) -> None:
        move = motions.next_sentence if direction > 0 else motions.previous_sentence
        self._move(min(move(self.text, self.cursor), max(len(self.text) - 1, 0)))

    def action_paragraph(self, direction: int) -> None:
        move = motions.next_paragraph if direction > 0 else motions.previous_paragraph
        self._move(min(move(self.text, self.cursor), max(len(self.text) - 1, 0)))

    def action_line_start(self) -> None:
        self._move(motions.line_start(self.text, self.cursor))

    def action_line_end(self) -> None:
        self._move(motions.line_end(self.text, self.cursor))

    def action_extend(self, direction: str) -> None:
        if self.selection_anchor is None:
            self._mouse_selection = None
            self.selection_anchor = self.cursor
        {
            "left": self.action_cursor_left,
            "right": self.action_cursor_right,
            "up": self.action_cursor_up,
            "down": self.action_cursor_down,
        }[direction]()

    def action_copy_selection(self) -> None:
        span = self.passage
        if span is None:
            self.notify(
                "Nothing selected: press v and move to select", severity="warning", timeout=3, markup=False
            )
            return
        self.app.copy_to_clipboard(self.text[span[0] : span[1]])
        self.notify(f"Copied {span[1] - span[0]:,} characters", timeout=2, markup=False)

    def action_next_annotation(self) -> None:
        after = [a for a in self.annotations if a.start > self.cursor]
        if after or self.annotations:
            self.go_to((after or list(self.annotations))[0].start)

    def action_previous_annotation(self) -> None:
        before = [a for a in self.annotations if a.start < self.cursor]
        if before or self.annotations:
            self.go_to((before or list(self.annotations))[-1].start)

    # Textual's mouse selection: render_line tags each text line's characters with
    # (column, line) offsets, so a drag arrives here as offsets of the wrapped layout.

    def selection_updated(self, selection: Selection | None) -> None:
        self.selection_anchor = None
        self._mouse_selection = self._span_of(selection) if selection is not None else None
        self.refresh()
        self.post_message(self.SelectionChanged(self, self._mouse_selection))

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        span = self._span_of(selection)
        return (self.text[span[0] : span[1]], "\n") if span else None

    def _span_of(self, selection: Selection) -> Span | None:
        if not self._starts:
            return None
        start = self._offset_of(selection.start) if selection.start is not None else 0
        end = self._offset_of(selection.end) if selection.end is not None else len(self.text)
        return (start, end) if end > start else None

    def _offset_of(self, point: Offset) -> int:
        line = min(max(point.y, 0), len(self._starts) - 1)
        start, end = self._starts[line], self._ends[line]
        return offset_at_drawn(drawn(self._display, start, end)[1], start, end, point.x)
