"""The reader: a document on Textual's Line API, so a multi-MB text opens at once.

Only visible lines are rendered (``render_line``). The layout is a list of visual lines, each
a (start, end) code-point range of the document text, wrapped by cell width (wide CJK
characters count two); every position the widget deals in is such an offset, so search hits,
the cursor and the reading position survive a re-wrap. Styles for a line are merged from
Markdown structure, search hits and the cursor when it is drawn. Text is shown literally:
it becomes a ``rich.text.Text`` (never parsed as markup) after ``sanitize.visible``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rich.cells import get_character_cell_size
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.sanitize import visible

Span = tuple[int, int]

_FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?(?:^\1[ \t]*$|\Z)", re.M | re.S)
_HEADING = re.compile(r" {0,3}(#{1,6})[ \t]")
_QUOTE = re.compile(r" {0,3}>")
_LIST = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]")
_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|(?P<strong>\*\*[^*\n]+\*\*|__[^_\n]+__)"
    r"|(?P<em>(?<![\w*])\*[^*\s][^*\n]*\*(?!\*)|(?<!\w)_[^_\s][^_\n]*_(?!\w))"
    r"|(?P<link>\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)[^)\n]*\))"
)


def cell_width(char: str) -> int:
    """Cells a character takes on the terminal (wide CJK: 2)."""
    return 1 if char.isascii() else get_character_cell_size(char)


def wrap(text: str, width: int) -> tuple[list[int], list[int]]:
    """Visual lines of ``text`` at ``width`` cells, as parallel lists of start and end offsets.

    Breaks after the last space that fits, else mid-word; the newline itself belongs to no line.
    """
    width = max(width, 4)
    starts: list[int] = []
    ends: list[int] = []
    pos, length = 0, len(text)
    while True:
        newline = text.find("\n", pos)
        line_end = length if newline < 0 else newline
        _wrap_line(text, pos, line_end, width, starts, ends)
        if newline < 0:
            return starts, ends
        pos = newline + 1


def _wrap_line(text: str, start: int, end: int, width: int, starts: list[int], ends: list[int]) -> None:
    if end - start <= width and (end == start or text[start:end].isascii()):
        starts.append(start)
        ends.append(end)
        return
    if text[start:end].isascii():
        while end - start > width:
            cut = text.rfind(" ", start, start + width + 1)
            if cut <= start:
                starts.append(start)
                ends.append(start + width)
                start += width
            else:
                starts.append(start)
                ends.append(cut)
                start = cut + 1
        starts.append(start)
        ends.append(end)
        return
    cells, space, line_start = 0, -1, start
    for i in range(start, end):
        char = text[i]
        size = cell_width(char)
        if cells + size > width and i > line_start:
            if space > line_start:
                starts.append(line_start)
                ends.append(space)
                line_start = space + 1
            else:
                starts.append(line_start)
                ends.append(i)
                line_start = i
            cells = sum(cell_width(c) for c in text[line_start:i])
            space = -1
        cells += size
        if char == " ":
            space = i
    starts.append(line_start)
    ends.append(end)


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
        Binding("b,pageup", "page_up", "Back", show=False, id="reader.page_up", tooltip="Previous page"),
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
    }
    DEFAULT_CSS = """
    Reader { background: $surface; padding: 0 1; overflow-x: hidden; }
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

    # ------------------------------------------------------------------ data in

    def load(self, doc_id: str, text: str, header: Header, top: int = 0, cursor: int = 0) -> None:
        """Show a document, scrolled so ``top`` is the first visible offset."""
        self.doc_id, self.text = doc_id, text
        self._display = visible(text).replace("\t", " ")
        self._header = [(header.title, "reader--title"), (header.meta, "reader--meta"), ("", "")]
        self._fences = (
            [(m.start(), m.end()) for m in _FENCE.finditer(text)] if "```" in text or "~~~" in text else []
        )
        self.hits, self.current_hit = [], -1
        self._block_style.cache_clear()
        self._inline_spans.cache_clear()
        self._wrapped_width = 0
        self._relayout(anchor=None)
        self.set_reactive(Reader.cursor, min(max(cursor, 0), len(text)))
        self.lines_rendered = 0
        self.call_after_refresh(self.scroll_to_offset, top, False)
        self.post_message(self.HitChanged(self, -1, 0))

    def set_hits(self, hits: Sequence[Span], jump: bool) -> None:
        """Highlight ``hits``; with ``jump``, put the cursor on the first one."""
        self.hits = list(hits)
        self.current_hit = -1
        if jump and self.hits:
            self._go_to_hit(0)
        else:
            self.post_message(self.HitChanged(self, -1, len(self.hits)))
        self.refresh()

    # ------------------------------------------------------------------ layout

    @property
    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width, 10)

    @property
    def header_lines(self) -> int:
        """Virtual lines above the text (title, meta, blank)."""
        return len(self._header)

    def _relayout(self, anchor: int | None) -> None:
        width = self._text_width
        if width == self._wrapped_width:
            return
        self._wrapped_width = width
        self._starts, self._ends = wrap(self.text, width)
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
        self.scroll_to(y=y, animate=animate, immediate=True)

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
            text = Text(visible(label), style=style, no_wrap=True, overflow="ellipsis", end="")
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
        text = Text(self._display[start:end], style=base, no_wrap=True, end="")
        logical = self.text.rfind("\n", 0, start) + 1
        block = self._block_style(logical)
        if block:
            text.stylize(self.get_component_rich_style(block))
        for s, e, component in self._inline_spans(logical):
            if s < end and e > start:
                text.stylize(
                    self.get_component_rich_style(component), max(s, start) - start, min(e, end) - start
                )
        self._stylize_hits(text, start, end)
        if self.has_focus and start <= self.cursor <= end:
            if self.cursor < end:
                text.stylize(
                    self.get_component_rich_style("reader--cursor"),
                    self.cursor - start,
                    self.cursor - start + 1,
                )
            elif self.cursor == end:
                text.append(" ", self.get_component_rich_style("reader--cursor"))
        segments = list(text.render(self.app.console))
        return Strip(segments, text.cell_len).apply_style(base).extend_cell_length(width, base).crop(0, width)

    def _stylize_hits(self, text: Text, start: int, end: int) -> None:
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
                text.stylize(style, max(s, start) - start, min(e, end) - start)

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
        self.post_message(self.CursorMoved(self, new))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _move_lines(self, delta: int) -> None:
        line = self.line_of(self.cursor)
        column = self.cursor - self._starts[line]
        target = min(max(line + delta, 0), len(self._starts) - 1)
        self.cursor = min(self._starts[target] + column, self._ends[target])

    def action_cursor_down(self) -> None:
        self._move_lines(1)

    def action_cursor_up(self) -> None:
        self._move_lines(-1)

    def action_cursor_left(self) -> None:
        self.cursor = max(self.cursor - 1, 0)

    def action_cursor_right(self) -> None:
        self.cursor = min(self.cursor + 1, len(self.text))

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
        self.cursor = 0

    def action_bottom(self) -> None:
        self.scroll_end(animate=False, immediate=True)
        self.cursor = self._starts[-1] if self._starts else 0

    def action_next_hit(self) -> None:
        if self.hits:
            after = bisect_right(self.hits, (self.cursor, len(self.text) + 1))
            if self.current_hit >= 0 and self.hits[self.current_hit][0] == self.cursor:
                after = self.current_hit + 1
            self._go_to_hit(after % len(self.hits))

    def action_previous_hit(self) -> None:
        if self.hits:
            before = bisect_right(self.hits, (self.cursor, -1)) - 1
            self._go_to_hit(before % len(self.hits))

    def _go_to_hit(self, index: int) -> None:
        self.current_hit = index
        start = self.hits[index][0]
        self.cursor = start
        line = self.line_of(start) + self.header_lines
        height = self.scrollable_content_region.height
        if not (self.scroll_y <= line < self.scroll_y + height):
            self.scroll_to(y=max(line - height // 3, 0), animate=False, immediate=True)
        self.refresh()
        self.post_message(self.HitChanged(self, index, len(self.hits)))

    def on_click(self, event: events.Click) -> None:
        offset = self.offset_at(event.x, event.y)
        if offset is not None:
            self.cursor = offset

    def offset_at(self, x: int, y: int) -> int | None:
        """The text offset under a point of the widget, or None outside the text."""
        line = round(self.scroll_y) + y - self.header_lines
        if not 0 <= line < len(self._starts):
            return None
        start, end = self._starts[line], self._ends[line]
        column = x - self.styles.padding.left + round(self.scroll_x)
        cells = 0
        for i in range(start, end):
            cells += cell_width(self._display[i])
            if cells > column:
                return i
        return end
