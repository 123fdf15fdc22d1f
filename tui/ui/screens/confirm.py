"""Ask a yes-or-no question before a change that replaces something (a quote, say).

The question quotes document text and notes, so it is built from ``Text`` (never markup) by the
caller, with ``visible_line`` applied to what came from files. ``y`` answers yes, ``n`` or
``escape`` no; ``enter`` presses the focused button, "No" at first, so a stray key changes nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmDialog(ModalScreen[bool]):
    """Returns True when the user confirms."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Yes: make the change"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="No: leave everything as it is"),
    ]

    def __init__(self, title: str, question: Text, confirm: str = "Yes") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Label(self.title_text, id="confirm-title", markup=False)
            yield Static(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.confirm_label} (y)", variant="warning", id="confirm-yes")
                yield Button("No (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # enter on the default keeps things as they are

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
