"""Ask which tag to rename, and to what (an existing tag merges the two).

Tags come from annotation files (imports included): every one is shown as text, never markup,
with control characters made visible; the tag chosen is still the stored one.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select

from tui.core.sanitize import visible_line


class RenameTagDialog(ModalScreen[tuple[str, str] | None]):
    """Returns (old, new), or None when cancelled; new may be '' to remove the tag."""

    CSS_PATH = "rename.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape", "cancel", "Cancel", id="rename.cancel", tooltip="Close without renaming"),
    ]

    def __init__(self, tags: Sequence[str], current: str) -> None:
        super().__init__()
        self.tags = list(tags)
        self.current = current if current in self.tags else self.tags[0]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Rename or merge a tag across the corpus", id="dialog-title")
            yield Label("Tag")
            yield Select(
                [(Text(visible_line(t)), t) for t in self.tags],
                value=self.current,
                allow_blank=False,
                id="rename-old",
            )
            yield Label("New name (an existing tag merges; empty removes the tag)")
            yield Input(
                visible_line(self.current),
                id="rename-new",
                suggester=SuggestFromList([visible_line(t) for t in self.tags], case_sensitive=False),
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Rename", variant="primary", id="rename-ok")
                yield Button("Cancel", id="rename-cancel")

    def on_mount(self) -> None:
        self.query_one("#rename-new", Input).focus()

    @on(Select.Changed, "#rename-old")
    def _old_changed(self, event: Select.Changed) -> None:
        self.query_one("#rename-new", Input).value = visible_line(str(event.value))

    @on(Input.Submitted, "#rename-new")
    @on(Button.Pressed, "#rename-ok")
    def _confirm(self) -> None:
        old = str(self.query_one("#rename-old", Select).value)
        new = " ".join(self.query_one("#rename-new", Input).value.replace(",", " ").split())
        self.dismiss((old, new))

    @on(Button.Pressed, "#rename-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
