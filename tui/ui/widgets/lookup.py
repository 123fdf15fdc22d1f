"""The reader and the annotation panel, found by id and typed, without importing their modules.

They (and the text layout behind the reader) are imported when the screen mounts them, just after
the first frame; the screen and its controllers find them through these instead of by class, so
that loading the reading room does not load the reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from tui.ui.widgets.annotation_panel import AnnotationPanel
    from tui.ui.widgets.reader import Reader

READER_ID = "reader"
PANEL_ID = "annotation-panel"


def reader_of(node: DOMNode) -> Reader:
    """The reader under ``node`` (NoMatches before it is mounted)."""
    return cast("Reader", node.query_one(f"#{READER_ID}"))


def readers_of(node: DOMNode) -> list[Reader]:
    """The reader under ``node``, or none before it is mounted."""
    return cast("list[Reader]", list(node.query(f"#{READER_ID}")))


def panel_of(node: DOMNode) -> AnnotationPanel:
    """The annotation panel under ``node`` (NoMatches before it is mounted)."""
    return cast("AnnotationPanel", node.query_one(f"#{PANEL_ID}"))
