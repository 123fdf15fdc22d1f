"""Find in this document (``ctrl+f`` in the reader): literal text, or ``/regex/``.

The box says as you type how many matches there are, or why a regular expression does not
compile (it stays open on ``enter`` until it does); ``enter`` finds, ``escape`` closes without
changing anything, an empty box drops the find. The count is taken after a short pause in
typing, so a long document is not searched on every key.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label

from tui.ui.text.find import FindError, describe, find_all, parse

COUNT_DELAY = 0.15
"""Seconds of typing pause before the matches are counted."""


class FindDialog(ModalScreen[str | None]):
    """Returns the query to find ('' drops the find; None: closed without finding)."""

    CSS_PATH = "find.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape", "dismiss", "Close", id="find.close", tooltip="Close without finding"),
    ]

    def __init__(self, text: str, query: str = "") -> None:
        super().__init__()
        self.text = text
        self.query_text = query
        self.error: str | None = None
        """Why the query in the box cannot be used (a bad regular expression), or None."""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="find"):
            yield Label("Find in this document: text, or /regex/ (/regex/i ignores case)", id="find-title")
            yield Input(self.query_text, placeholder="Find", id="find-input")
            yield Label("", id="find-status", markup=False)

    def on_mount(self) -> None:
        self._count()

    @on(Input.Changed, "#find-input")
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(COUNT_DELAY, self._count)

    def _count(self) -> None:
        query = self.query_one("#find-input", Input).value
        status = self.query_one("#find-status", Label)
        try:
            found = describe(len(find_all(self.text, parse(query)))) if query else ""
        except FindError as error:
            self.error = str(error)
            status.update(self.error)
            status.set_class(True, "-error")
            return
        self.error = None
        status.update(found)
        status.set_class(False, "-error")

    @on(Input.Submitted, "#find-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self._count()  # the count may still be waiting for a pause in typing
        if self.error is None:
            self.dismiss(event.value)
        else:
            self.app.bell()

    async def action_dismiss(self, result: str | None = None) -> None:
        self.dismiss(result)
