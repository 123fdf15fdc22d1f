"""What the reader tells the screen: one message per thing that happened in it.

Each is ``Reader.<Name>`` too (the reader's own names for them), and is handled as
``on_reader_<name>``, as a message defined inside the widget would be. They live apart so the
widget holds behaviour only; the screen's controllers depend on these, not on how the reader
moves its cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from tui.core.annotations import Annotation
    from tui.ui.text.blocks import Heading
    from tui.ui.text.links import Link
    from tui.ui.widgets.document_view import Span
    from tui.ui.widgets.reader import Reader


@dataclass
class ReaderMessage(Message):
    """Something the reader tells the screen; ``control`` is the reader."""

    reader: Reader

    @property
    def control(self) -> Reader:
        return self.reader


@dataclass
class HitChanged(ReaderMessage, namespace="reader"):
    """The current search hit (``kind`` "hit") or find match ("match") changed; index -1: none."""

    index: int
    total: int
    kind: str = "hit"


@dataclass
class CursorMoved(ReaderMessage, namespace="reader"):
    """The cursor moved to ``offset`` in the text."""

    offset: int


@dataclass
class AnnotationUnderCursor(ReaderMessage, namespace="reader"):
    """The annotation under the cursor changed (None: the cursor is in none)."""

    annotation: Annotation | None


@dataclass
class SelectionChanged(ReaderMessage, namespace="reader"):
    """A passage was selected (keyboard or mouse), or the selection was dropped (None)."""

    span: Span | None


@dataclass
class SectionChanged(ReaderMessage, namespace="reader"):
    """The cursor entered another section: the title of the heading it is under (or None)."""

    title: str | None


@dataclass
class OutlineRequested(ReaderMessage, namespace="reader"):
    """``o``: show these headings; ``current`` is the section the cursor is in (-1: none)."""

    headings: Sequence[Heading]
    current: int


@dataclass
class FindRequested(ReaderMessage, namespace="reader"):
    """``ctrl+f``: ask for what to find (``query`` was the last one); answer with ``find``."""

    query: str


@dataclass
class LinkUnderCursor(ReaderMessage, namespace="reader"):
    """The cursor moved onto a link, or off one (None)."""

    link: Link | None


@dataclass
class LinkFollowed(ReaderMessage, namespace="reader"):
    """``enter`` on a link: go where it leads."""

    link: Link


@dataclass
class BackRequested(ReaderMessage, namespace="reader"):
    """``backspace``: back to where the last link followed was followed from."""


@dataclass
class EditRequested(ReaderMessage, namespace="reader"):
    """``E``: open the document's file in the user's editor."""


@dataclass
class ProgressChanged(ReaderMessage, namespace="reader"):
    """How far through the document the view is scrolled, in percent (100: its end shows)."""

    percent: int
