"""Editing the open document in the user's editor (``E``), then reading it again.

The editor is ``$EDITOR``, else ``$VISUAL``, else ``vi``, split as a shell would split it
(``code --wait``), run on the document's file while the app is suspended (``App.suspend``: the
terminal is the editor's until it quits). Then the screen reads the document again as it does
any file that changed under the reader (in a worker, its annotations re-anchored, the cursor on
the same words), and the indexer is asked to catch up.

Documents converted from EPUB, HTML or PDF are shown as the Markdown extracted from them, so
there is no text file to edit: that is said, and nothing runs. Where the app cannot hand the
terminal over (``SuspendNotSupported``: a headless or web driver) that is said too. While the
editor runs, a Ctrl-C in the terminal reaches lectern as well as the editor; lectern goes on
waiting, so the editor decides what it means.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.core.formats import format_of
from tui.core.sanitize import visible_line

if TYPE_CHECKING:
    from tui.core.documents import Document
    from tui.ui.widgets.reader import Reader

FALLBACK = "vi"


def editor_command(environ: Mapping[str, str]) -> list[str]:
    """The editor to run, as words: ``$EDITOR``, else ``$VISUAL`` (a value that does not split, as
    with an unclosed quote, is passed over), else ``vi``."""
    for name in ("EDITOR", "VISUAL"):
        value = environ.get(name, "")
        try:
            words = shlex.split(value)
        except ValueError:
            continue
        if words:
            return words
    return [FALLBACK]


class EditorController:
    """Runs the editor on the open document and has it read again after."""

    def __init__(
        self,
        screen: Screen[None],
        reopen: Callable[[str], None],
        reindex: Callable[[], None],
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """``reopen(doc_id)`` reads the open document again; ``reindex`` asks the indexer to catch
        up; ``environ``: where ``$EDITOR`` is read (the process's environment)."""
        self._screen = screen
        self._reopen = reopen
        self._reindex = reindex
        self._environ = environ

    def edit(self, reader: Reader, document: Document | None) -> None:
        """Edit ``document`` (the one ``reader`` shows), then show it again as it was left."""
        if document is None or reader.doc_id != document.id:
            self._tell("The document is still opening: try again in a moment", "warning")
            return
        converted = format_of(document.path)
        if converted is not None:
            self._tell(
                f"{document.id} is read from {converted.name.upper()}: lectern shows the text it "
                "extracted, so there is no text file to edit",
                "warning",
            )
            return
        outcome = self.run_editor(document.path)
        if outcome is None:
            return
        if outcome:
            self._tell(outcome, "warning")
        self._reopen(document.id)
        self._reindex()

    def command(self, path: Path) -> Sequence[str]:
        """What runs: the editor's words, then the file."""
        return [*editor_command(os.environ if self._environ is None else self._environ), str(path)]

    def run_editor(self, path: Path) -> str | None:
        """Run the editor on ``path`` with the terminal handed over to it; '' when it ran and
        quit, a message when it quit with an error status (the file may still have changed), None
        when it could not run (said already)."""
        command = self.command(path)
        failure = ""
        status = 0
        try:
            with self._screen.app.suspend():
                # Inside, nothing may escape: the app resumes the terminal only when the block ends.
                try:
                    status = _wait(subprocess.Popen(command))
                except OSError as error:
                    failure = error.strerror or str(error)
        except SuspendNotSupported:
            self._tell("This terminal cannot be handed over to an editor: edit the file elsewhere", "warning")
            return None
        if failure:
            self._tell(f"Could not run the editor {command[0]}: {failure} (set $EDITOR)", "error")
            return None
        return f"The editor quit with status {status}" if status else ""

    def _tell(self, message: str, severity: SeverityLevel) -> None:
        self._screen.notify(visible_line(message), severity=severity, timeout=8, markup=False)


def _wait(process: subprocess.Popen[bytes]) -> int:
    """Wait for the editor to quit; a Ctrl-C meanwhile was the editor's to handle."""
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
