"""The line between the document list and the reader, which the mouse drags to resize the list.

A press on it captures the mouse, so the drag goes on wherever the pointer goes; while it moves
the divider asks for the column it is at (``Dragged``), and ``Released`` says the drag is over
(the screen saves the size then, once, not on every step). It knows nothing of the panes it
separates: the screen decides what a column means.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widget import Widget


class Divider(Widget):
    """A one-column vertical rule that can be dragged left and right."""

    ALLOW_SELECT = False
    """A press here starts a drag, never a text selection."""

    DEFAULT_CSS = """
    Divider {
        width: 1;
        height: 1fr;
        color: $panel-lighten-2;
        background: $surface;
    }
    Divider:hover, Divider.-dragging {
        color: $accent;
    }
    """

    class Dragged(Message):
        """The divider was dragged to ``screen_x`` (the column of the screen under the pointer)."""

        def __init__(self, divider: Divider, screen_x: int) -> None:
            super().__init__()
            self.divider, self.screen_x = divider, screen_x

        @property
        def control(self) -> Divider:
            return self.divider

    class Released(Message):
        """A drag of the divider ended."""

        def __init__(self, divider: Divider) -> None:
            super().__init__()
            self.divider = divider

        @property
        def control(self) -> Divider:
            return self.divider

    def render(self) -> str:
        return "\n".join("│" * self.size.width for _ in range(self.size.height))

    @property
    def dragging(self) -> bool:
        """Whether a drag is under way."""
        return self.has_class("-dragging")

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self.capture_mouse()
        self.add_class("-dragging")

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self.dragging:
            event.stop()
            self.post_message(self.Dragged(self, event.screen_x))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self.dragging:
            event.stop()
            self.capture_mouse(False)
            self.remove_class("-dragging")
            self.post_message(self.Released(self))
