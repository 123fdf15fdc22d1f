"""The side panel (``A``): the open document's annotations in order, orphans last.

Each entry shows the colour, a quote excerpt, the note (cut with an ellipsis when long), the tags
on a line of their own, and how the annotation was anchored. ``enter`` asks to jump to it; ``r``
asks to re-attach it (an orphan, typically) to the reader's selection; ``d`` asks to delete it.
Data comes in through ``show``; requests go out as nested messages. Moving stops at the first and
last entries, as in the document list. Where the panel goes and how wide it is, the screen
decides (``controllers.panes``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.core.sanitize import visible_line
from tui.ui.palette import SWATCH

if TYPE_CHECKING:
    from tui.core.annotations import Annotation

EXCERPT = 70


def describe(annotation: Annotation, color_names: Mapping[str, str]) -> Text:
    """The panel entry for one annotation (plain text: document text is never markup)."""
    quote = visible_line(" ".join(annotation.target.exact.split()))
    quote = quote if len(quote) <= EXCERPT else quote[: EXCERPT - 1] + "…"
    entry = Text()
    entry.append("██ ", style=SWATCH.get(annotation.color, ""))
    entry.append(f"“{quote}”")
    if annotation.note:
        note = visible_line(" ".join(annotation.note.split()))
        entry.append("\n   " + (note if len(note) <= 2 * EXCERPT else note[: 2 * EXCERPT - 1] + "…"))
    if annotation.tags:  # a line of their own: however long the note, the tags show
        entry.append("\n   " + " ".join(f"#{visible_line(t)}" for t in annotation.tags), style="bold")
    meta = [visible_line(color_names.get(annotation.color, annotation.color))]
    if annotation.anchor != "anchored":
        meta.append(annotation.anchor.upper() if annotation.anchor == "orphaned" else annotation.anchor)
    entry.append("\n   " + " ".join(meta), style="dim" if annotation.anchor != "orphaned" else "bold red")
    return entry


class AnnotationRequest(Message):
    """Something the user asked of one annotation in the panel (the screen acts on it)."""

    def __init__(self, panel: AnnotationPanel, annotation: Annotation) -> None:
        super().__init__()
        self.panel, self.annotation = panel, annotation

    @property
    def control(self) -> AnnotationPanel:
        return self.panel


class AnnotationPanel(OptionList):
    """A list of one document's annotations."""

    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("j,down", "cursor_down", "Down", show=False, id="panel.down", tooltip="Next annotation"),
        Binding("k,up", "cursor_up", "Up", show=False, id="panel.up", tooltip="Previous annotation"),
        Binding(
            "r",
            "reattach",
            "Re-attach",
            id="panel.reattach",
            tooltip="Move to the reader's selection (asks first unless it is an orphan)",
        ),
        Binding(
            "d", "delete", "Delete", id="panel.delete", tooltip="Delete the highlighted annotation (u undoes)"
        ),
    ]
    DEFAULT_CSS = """
    AnnotationPanel { width: 44; height: 1fr; border-left: vkey $panel-lighten-2; background: $surface; }
    """

    class Jump(AnnotationRequest):
        """The user chose an annotation to go to."""

    class Reattach(AnnotationRequest):
        """The user asked to move an annotation onto the reader's current selection."""

    class Delete(AnnotationRequest):
        """The user asked to delete an annotation (orphans, which no cursor can reach, included)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: tuple[Annotation, ...] = ()
        """The annotations listed, in order."""
        self._color_names: Mapping[str, str] = {}
        self._built = True
        self._highlighted_id: str | None = None

    def show(self, annotations: Sequence[Annotation], color_names: Mapping[str, str]) -> None:
        """List these annotations (placed ones by position, orphans last), keeping the highlight.

        While the panel is hidden only the data is kept: thousands of entries are built when shown.
        """
        self.items = tuple(annotations)
        self._color_names = color_names
        self._built = False
        if self.display:
            self._build()

    def ensure_built(self) -> None:
        """Build the entries if they were deferred while the panel was hidden."""
        if not self._built:
            self._build()

    def _build(self) -> None:
        self._built = True
        self.items = tuple(sorted(self.items, key=lambda a: (a.anchor == "orphaned", a.start, a.end)))
        keep_id = self._highlighted_id
        keep_index = self.highlighted or 0
        self.clear_options()
        if not self.items:
            self.add_option(
                Option(Text("No annotations yet: press v to select, then h or a.", "dim"), disabled=True)
            )
            return
        self.add_options([Option(describe(a, self._color_names), id=a.id) for a in self.items])
        ids = [a.id for a in self.items]
        # The entry that was highlighted, or (deleted) the one that took its place.
        self.highlighted = ids.index(keep_id) if keep_id in ids else min(keep_index, len(ids) - 1)

    @property
    def highlighted_annotation(self) -> Annotation | None:
        """The annotation under the panel's cursor."""
        index = self.highlighted
        return self.items[index] if index is not None and 0 <= index < len(self.items) else None

    def highlight(self, annotation_id: str) -> None:
        """Move the panel's cursor to an annotation."""
        self._highlighted_id = annotation_id
        ids = [a.id for a in self.items]
        if self._built and annotation_id in ids:
            self.highlighted = ids.index(annotation_id)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._highlighted_id = event.option.id

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        annotation = self.highlighted_annotation
        if annotation is not None:
            self.post_message(self.Jump(self, annotation))

    def action_cursor_down(self) -> None:
        if self.highlighted is None or self.highlighted < self.option_count - 1:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.highlighted is None or self.highlighted > 0:
            super().action_cursor_up()

    def action_reattach(self) -> None:
        annotation = self.highlighted_annotation
        if annotation is not None:
            self.post_message(self.Reattach(self, annotation))

    def action_delete(self) -> None:
        annotation = self.highlighted_annotation
        if annotation is not None:
            self.post_message(self.Delete(self, annotation))
