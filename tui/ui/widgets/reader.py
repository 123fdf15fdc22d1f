"""The reader: the document view (``DocumentView``) with the keys, the cursor and selecting.

Every position the reader deals in is a code-point offset into the document text: the cursor
(which stops only where a character is drawn, so never on a hidden Markdown marker), search
hits, find matches, annotations, the selection and the reading position. So they survive a
re-wrap, the source view (``m``) and a resize. Motions (words, sentences, paragraphs) work on the
text; ``j``/``k``, ``0``/``$`` and paging on the rows on screen. ``o`` (outline) and ``ctrl+f``
(find) ask the screen for a dialog with a message; the answer comes back as ``go_to_heading``
and ``find``.

The reading position is the reader's own: ``moved`` says whether the user moved the cursor or
scrolled since the document was loaded, so opening, re-rendering or a jump to the first hit of
a search (which nobody asked for) never replaces the position the screen has stored.

Links are the layout's (``tui.ui.text.links``): the reader says which one the cursor is on
(``LinkUnderCursor``, for the status line) and asks the screen to follow it (``enter``), to go back
(``backspace``) or to edit the file (``E``); where a link leads and the way back are the screen's
business, as the corpus is. ``enter`` off a link is skipped, so it means whatever it meant before.
How far through the document the view is scrolled goes out as ``ProgressChanged``.

Its keys are a table apart (``reader_keys``: their ids are what users remap), as are the
messages it sends (``reader_messages``); the headings behind the outline, the section name and
``#fragment`` links come from ``tui.ui.text.outline``, which cuts a large text only as far as
they need.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

from textual import events, on
from textual.actions import SkipAction
from textual.geometry import Region
from textual.scrollbar import ScrollDown, ScrollTo, ScrollUp
from textual.selection import Selection

from tui.core.sanitize import visible_line
from tui.ui.text import document, navigate
from tui.ui.text.find import FindError
from tui.ui.text.links import Link
from tui.ui.text.outline import Outline
from tui.ui.widgets import motions
from tui.ui.widgets import reader_messages as messages
from tui.ui.widgets.document_view import GUTTER, DocumentView, Header, Span, is_markdown, reading_progress
from tui.ui.widgets.reader_keys import READER_BINDINGS
from tui.ui.widgets.reader_messages import ReaderMessage

if TYPE_CHECKING:
    from tui.core.annotations import Annotation
    from tui.core.documents import Document

__all__ = ["GUTTER", "Header", "Reader", "ReaderMessage", "is_markdown", "prepare"]


def prepare(doc: Document) -> None:
    """Do now, in the worker that read ``doc``, what showing it would otherwise do on the UI thread
    before its first paint: cut its first screens into chunks and import markdown-it
    (``document.prepare``)."""
    document.prepare(doc.text, is_markdown(doc.id))


class Reader(DocumentView):
    """Shows one document to read, move through, search in and select from."""

    BINDINGS = READER_BINDINGS

    # The messages it sends (``reader_messages``), by their names here.
    HitChanged: TypeAlias = messages.HitChanged
    CursorMoved: TypeAlias = messages.CursorMoved
    AnnotationUnderCursor: TypeAlias = messages.AnnotationUnderCursor
    SelectionChanged: TypeAlias = messages.SelectionChanged
    SectionChanged: TypeAlias = messages.SectionChanged
    OutlineRequested: TypeAlias = messages.OutlineRequested
    FindRequested: TypeAlias = messages.FindRequested
    LinkUnderCursor: TypeAlias = messages.LinkUnderCursor
    LinkFollowed: TypeAlias = messages.LinkFollowed
    BackRequested: TypeAlias = messages.BackRequested
    EditRequested: TypeAlias = messages.EditRequested
    ProgressChanged: TypeAlias = messages.ProgressChanged

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.doc_id: str | None = None
        """The document shown, or None before one is opened."""
        self._outline = Outline(None)
        self._section = -1
        self.selection_anchor: int | None = None
        """Where a keyboard selection (``v``) started; None when not selecting by keyboard."""
        self._mouse_selection: Span | None = None
        self.moved = False
        """Whether the user moved the cursor or scrolled since the document was loaded (only then
        is the reading position worth saving)."""
        self.link_under_cursor: Link | None = None
        """The link whose source holds the cursor (only a rendered Markdown link is one)."""
        self.progress = -1
        """How far through the document the view is scrolled, in percent (-1: no document yet)."""

    # ------------------------------------------------------------------ data in

    def load(
        self,
        doc_id: str,
        text: str,
        header: Header,
        top: int = 0,
        cursor: int = 0,
        markdown: bool | None = None,
    ) -> None:
        """Show a document, scrolled so ``top`` is the first visible offset; ``markdown`` (by
        default: from the file name) says whether it is rendered."""
        self.doc_id = doc_id
        self.selection_anchor = self._mouse_selection = None
        self.moved = False
        rendered = is_markdown(doc_id) if markdown is None else markdown
        self.show(text, header, rendered, top)
        # The layout's own cut when it renders Markdown; in the source view, one of its own.
        self._outline = Outline(document.cutter(text, True) if rendered else None)
        self._section = -2  # unknown: the next cursor update says which
        self.set_reactive(Reader.cursor, self._layout.snap(min(max(cursor, 0), len(text))))
        self._update_annotation_under_cursor()
        self._update_section()
        self._update_link_under_cursor()
        self.progress = -1
        self._update_progress()
        self.call_after_refresh(self.scroll_to_offset, top, False)
        self.post_message(self.HitChanged(self, -1, 0))

    def set_hits(self, hits: Sequence[Span], jump: bool) -> None:
        """Highlight ``hits``; with ``jump``, put the cursor on the first one (unless the user has
        moved since the document was loaded: then the cursor stays where they put it). While there
        is a find, its matches stay shown until it is dropped."""
        self.marks.hits = list(hits)
        if not self.marks.query:
            self.marks.current = -1
            if jump and self.hits and not self.moved:
                self._go_to_hit(0, by_user=False)
            else:
                self.post_message(self.HitChanged(self, -1, len(self.hits)))
        self.refresh()

    @property
    def hits(self) -> list[Span]:
        """Search hits, sorted offsets into the text."""
        return self.marks.hits

    @property
    def current_hit(self) -> int:
        """Index of the current hit (or match, while there is a find): -1 for none."""
        return self.marks.current

    def find(self, query: str | None) -> None:
        """Find ``query`` (text, or ``/regex/``) and go to the first match from the cursor on; ''
        drops the find, None (a cancelled dialog) changes nothing."""
        if query is None:
            return
        if not query:
            self._drop_find()
            return
        try:
            self.marks.find(self.text, query)
        except FindError as error:
            self.notify(str(error), severity="error", timeout=6, markup=False)
            return
        if self.marks.matches:
            self._go_to_hit(self.marks.first_after(self.cursor), by_user=True)
        else:
            self.notify(f"Not found: {visible_line(query)}", severity="warning", timeout=4, markup=False)
            self.post_message(self.HitChanged(self, -1, 0, "match"))
        self.refresh()

    def _drop_find(self) -> None:
        self.marks.drop_find()
        self.post_message(self.HitChanged(self, -1, len(self.hits)))
        self.refresh()

    def set_annotations(self, annotations: Sequence[Annotation]) -> None:
        """Show these annotations (orphaned ones are listed elsewhere, not drawn)."""
        super().set_annotations(annotations)
        self._update_annotation_under_cursor()

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

    def propose(self, span: Span | None) -> None:
        """Show ``span`` selected, as a drag would (moving the cursor does not extend it): what
        labelling mode would label next. None drops it; a ``v`` selection is left alone."""
        if self.selection_anchor is not None or span == self._mouse_selection:
            return
        self._mouse_selection = span
        self.refresh()
        self.post_message(self.SelectionChanged(self, span))

    def drawn_span(self, start: int, end: int) -> Span | None:
        """``[start, end)`` narrowed to the characters drawn (no hidden Markdown marker at either
        end), or None when it draws none."""
        first = self._layout.stop_at_or_after(max(start, 0))
        last = self._layout.stop_at_or_before(min(end, len(self.text)) - 1)
        return (first, last + 1) if first is not None and last is not None and first <= last else None

    def go_to(self, offset: int, by_user: bool = True, band: float = 1.0) -> None:
        """Put the cursor on ``offset`` (the first drawn character from there) and, unless its row
        is in the top ``band`` of the screen, scroll it to a third from the top.

        ``by_user``: the user asked for this place (an annotation chosen in the panel, a hit with
        ``n``), so it is a reading position worth keeping.
        """
        self.moved = self.moved or by_user
        offset = self._layout.snap(min(max(offset, 0), len(self.text)))
        line = self.line_of(offset) + self.header_lines
        height = self.scrollable_content_region.height
        top = round(self.scroll_y)
        if not (top <= line < top + max(int(height * band), 1)):
            self.scroll_to(y=max(line - height // 3, 0), animate=False, immediate=True, force=True)
        self.cursor = offset

    def go_to_heading(self, offset: int | None) -> None:
        """Jump to a heading chosen in the outline: its row at the top of the screen."""
        if offset is None:
            return
        self.moved = True
        offset = self._layout.snap(offset)
        self.scroll_to(y=self.line_of(offset) + self.header_lines, animate=False, immediate=True, force=True)
        self.cursor = offset

    def _update_annotation_under_cursor(self) -> None:
        found = self._annotations.at(self.cursor)
        if found != self.annotation_under_cursor:
            self.annotation_under_cursor = found
            self.refresh()
            self.post_message(self.AnnotationUnderCursor(self, found))

    def _update_link_under_cursor(self) -> None:
        found = self._layout.link_at(self.cursor)
        if found != self.link_under_cursor:
            self.link_under_cursor = found
            self.post_message(self.LinkUnderCursor(self, found))

    def heading_at_anchor(self, fragment: str) -> int | None:
        """Where the heading a ``#fragment`` names starts (GitHub's anchors: ``slug`` of its title,
        ``-1``, ``-2``... after repeats); None when no heading has that anchor."""
        return self._outline.anchor(fragment)

    def return_to(self, top: int, cursor: int) -> None:
        """Put the view back where it was (``top`` the first offset shown) with the cursor on
        ``cursor``: going back to a place the user left in this document."""
        self.moved = True
        self.scroll_to_offset(top)
        self.cursor = self._layout.snap(min(max(cursor, 0), len(self.text)))

    def _update_progress(self) -> None:
        if self.doc_id is None:
            return
        percent = reading_progress(self.scroll_y, self.max_scroll_y)
        if percent != self.progress:
            self.progress = percent
            self.post_message(self.ProgressChanged(self, percent))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._update_progress()

    def _sync_size(self) -> None:
        super()._sync_size()
        self._update_progress()

    def on_resize(self, _: events.Resize) -> None:
        self.call_after_refresh(self._update_progress)  # after the view's own re-layout

    def watch_source_view(self) -> None:
        super().watch_source_view()
        self._update_link_under_cursor()

    def _update_section(self) -> None:
        section = self._outline.section_at(self.cursor)
        if section != self._section:
            self._section = section
            self.post_message(self.SectionChanged(self, self._outline.title(section)))

    # ------------------------------------------------------------------ cursor and actions

    def _keep_cursor_visible(self) -> None:
        y = self.line_of(self.cursor) + self.header_lines
        self.scroll_to_region(Region(0, y, 1, 1), animate=False, immediate=True, spacing=None)

    def watch_cursor(self, old: int, new: int) -> None:
        for offset in {old, new}:
            y = self.line_of(offset) + self.header_lines - round(self.scroll_y)
            self.refresh(Region(0, y, self.size.width, 1))
        self._keep_cursor_visible()
        self._update_annotation_under_cursor()
        self._update_section()
        self._update_link_under_cursor()
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

    def _move_to(self, offset: int | None) -> None:
        if offset is not None:
            self._move(offset)

    def _move_lines(self, delta: int) -> None:
        self._move_to(navigate.by_rows(self._layout, self.cursor, delta))

    def _motion(self, move: navigate.Motion, forward: bool, snap_forward: bool = True) -> None:
        self._move_to(navigate.by_motion(self._layout, self.text, self.cursor, move, forward, snap_forward))

    def action_cursor_down(self) -> None:
        self._move_lines(1)

    def action_cursor_up(self) -> None:
        self._move_lines(-1)

    def action_cursor_left(self) -> None:
        self._move_to(self._layout.stop_at_or_before(self.cursor - 1))

    def action_cursor_right(self) -> None:
        self._move_to(self._layout.stop_at_or_after(self.cursor + 1))

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
        self._move(self._layout.snap(0))

    def action_bottom(self) -> None:
        self.scroll_end(animate=False, immediate=True)
        last = self._layout.snap(len(self.text), forward=False)
        self._move(self._layout.row(self.line_of(last)).first_stop)

    def action_next_hit(self) -> None:
        self._step_hit(forward=True)

    def action_previous_hit(self) -> None:
        self._step_hit(forward=False)

    def _step_hit(self, forward: bool) -> None:
        if self.marks.spans:
            self._go_to_hit(self.marks.step(self.cursor, forward), by_user=True)

    def _go_to_hit(self, index: int, by_user: bool) -> None:
        """Go to a hit (or match), leaving the lines below it in view: one in the lower third of
        the screen (or off it) is scrolled to a third from the top."""
        marks = self.marks
        marks.current = index
        self.go_to(marks.spans[index][0], by_user=by_user, band=2 / 3)
        marks.landed = self.cursor
        self.refresh()
        self.post_message(self.HitChanged(self, index, len(marks.spans), marks.kind))

    def action_find(self) -> None:
        self.post_message(self.FindRequested(self, self.marks.query))

    def action_outline(self) -> None:
        headings = self._outline.all()
        if not headings:
            self.notify("No headings in this document", timeout=3, markup=False)
            return
        self.post_message(self.OutlineRequested(self, tuple(headings), self._section))

    def action_toggle_source(self) -> None:
        if not self._markdown:
            self.notify("Plain text: it is shown as written", timeout=3, markup=False)
            return
        self.source_view = not self.source_view

    def on_click(self, event: events.Click) -> None:
        offset = self.offset_at(event.x, event.y)
        if offset is not None:
            self._move(offset)

    @on(events.MouseScrollDown)
    @on(events.MouseScrollUp)
    @on(ScrollTo)
    @on(ScrollUp)
    @on(ScrollDown)
    def _scrolled(self) -> None:
        """Scrolling with the wheel or the scrollbar moves the reading position as keys do."""
        self.moved = True

    # ------------------------------------------------------------------ selecting

    def action_toggle_selection(self) -> None:
        if self.selection_anchor is not None:
            self.clear_selection()
            return
        self._mouse_selection = None
        self.selection_anchor = self.cursor
        self.refresh()
        self.post_message(self.SelectionChanged(self, self.selection))

    def action_cancel(self) -> None:
        if self.selection is not None:
            self.clear_selection()
        elif self.marks.query:
            self._drop_find()
        else:
            raise SkipAction()  # let escape mean "back to the list"

    def action_back(self) -> None:
        if self.selection_anchor is not None:
            self._motion(motions.previous_word, forward=False)
        else:
            self.action_page_up()

    def action_word(self, direction: int) -> None:
        self._motion(motions.next_word if direction > 0 else motions.previous_word, forward=direction > 0)

    def action_word_end(self) -> None:
        if self.selection_anchor is None:
            raise SkipAction()  # not selecting: e edits the annotation under the cursor
        self._motion(motions.end_of_word, forward=True, snap_forward=False)

    def action_sentence(self, direction: int) -> None:
        move = motions.next_sentence if direction > 0 else motions.previous_sentence
        self._motion(move, forward=direction > 0)

    def action_paragraph(self, direction: int) -> None:
        move = motions.next_paragraph if direction > 0 else motions.previous_paragraph
        self._motion(move, forward=direction > 0)

    def action_line_start(self) -> None:
        self._move(navigate.row_start(self._layout, self.cursor))

    def action_line_end(self) -> None:
        self._move(navigate.row_end(self._layout, self.cursor))

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
        link = self.link_under_cursor
        if self.selection is None and link is not None and link.destination:
            self.app.copy_to_clipboard(link.destination)
            self.notify(f"Copied the link: {visible_line(link.shown)}", timeout=3, markup=False)
            return
        if span is None:
            self.notify(
                "Nothing selected: press v and move to select", severity="warning", timeout=3, markup=False
            )
            return
        self.app.copy_to_clipboard(self.text[span[0] : span[1]])
        self.notify(f"Copied {span[1] - span[0]:,} characters", timeout=2, markup=False)

    def action_follow_link(self) -> None:
        if self.link_under_cursor is None:
            raise SkipAction()  # enter off a link: whatever it means elsewhere
        self.post_message(self.LinkFollowed(self, self.link_under_cursor))

    def action_go_back(self) -> None:
        self.post_message(self.BackRequested(self))

    def action_edit_document(self) -> None:
        if self.doc_id is None:
            self.notify("Open a document first", timeout=3, markup=False)
            return
        self.post_message(self.EditRequested(self))

    def action_next_annotation(self) -> None:
        after = [a for a in self.annotations if a.start > self.cursor]
        if after or self.annotations:
            self.go_to((after or list(self.annotations))[0].start)

    def action_previous_annotation(self) -> None:
        before = [a for a in self.annotations if a.start < self.cursor]
        if before or self.annotations:
            self.go_to((before or list(self.annotations))[-1].start)

    # Textual's mouse selection: render_line tags each row's characters with (column, line)
    # offsets, so a drag arrives here as drawn positions on rows.

    def selection_updated(self, selection: Selection | None) -> None:
        self.selection_anchor = None
        self._mouse_selection = self._span_of(selection) if selection is not None else None
        self.refresh()
        self.post_message(self.SelectionChanged(self, self._mouse_selection))

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        span = self._span_of(selection)
        return (self.text[span[0] : span[1]], "\n") if span else None

    def _span_of(self, selection: Selection) -> Span | None:
        if not self._layout.line_count:
            return None
        start = self.offset_at_drawn(selection.start) if selection.start is not None else 0
        end = self.offset_at_drawn(selection.end) if selection.end is not None else len(self.text)
        return (start, end) if end > start else None
