"""Ask where an export goes, then write it there (the palette's "Export annotations as …").

An export is the user's work leaving lectern, so it never lands anywhere silently (the current
folder of whatever shell started the app, say): the dialog proposes the folder from the settings
(``export_dir``, else the home folder), the user confirms or changes it, and only then is a file
written, under a new name that never replaces an existing file. Escape or Cancel writes nothing.
A folder that cannot be written is said in the dialog, which stays open to try another.

The writing runs in a worker (gathering re-reads every annotation file); the worker posts a
message and the handler updates the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from tui.core.sanitize import visible_line

if TYPE_CHECKING:
    from tui.core.library import Library


@dataclass(frozen=True)
class Exported:
    """A file written: where, and how many annotations it holds."""

    path: Path
    count: int
    problems: tuple[str, ...] = ()
    """Annotation files that could not be read (their annotations are not in the export)."""


Writer = Callable[[Path], Exported]
"""Writes the export into a folder (creating it) and says what it wrote; raises ``OSError``."""


def write_export(library: Library, fmt: str, folder: Path) -> Exported:
    """Every annotation of the corpus in ``fmt``, to a new file in ``folder``.

    The name carries the time (``lectern-annotations-20261122-101500.csv``) and a number when
    that is taken; the file is created exclusively, so an existing file is never replaced. A
    format that writes a folder (brat) gets a new folder of that name (``….brat``) instead.
    """
    from tui.core.exchange import FOLDERS, SUFFIXES, export, export_files, gather, write_folder

    store = library.annotation_store()
    docs = gather(library, store)
    text = "" if fmt in FOLDERS else export(docs, fmt)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"lectern-annotations-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    for number in range(1, 1000):
        path = folder / f"{stem}{'' if number == 1 else f'-{number}'}.{SUFFIXES[fmt]}"
        if fmt in FOLDERS:
            try:
                path.mkdir()  # a new folder: the export's files are all its own
            except FileExistsError:
                continue
            try:
                write_folder(path, export_files(docs, fmt))
            except BaseException:
                path.rmdir()  # emptied again by write_folder: no half-written export left behind
                raise
            return Exported(path, sum(len(d.annotations) for d in docs), tuple(store.problems))
        try:
            handle = path.open("x", encoding="utf-8", newline="")
        except FileExistsError:
            continue
        try:
            with handle:
                handle.write(text)
        except BaseException:
            path.unlink(missing_ok=True)  # no half-written export left behind
            raise
        return Exported(path, sum(len(d.annotations) for d in docs), tuple(store.problems))
    raise FileExistsError(f"{folder}: too many exports named {stem}")


class ExportDialog(ModalScreen[Exported | None]):
    """Returns what was written, or None when the user cancelled (and nothing was written)."""

    CSS_PATH = "export.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape", "cancel", "Cancel", id="export.cancel", tooltip="Close without writing anything"),
    ]

    class Done(Message):
        """The worker wrote the export (``exported``) or could not (``problem``)."""

        def __init__(self, exported: Exported | None, problem: str = "") -> None:
            super().__init__()
            self.exported, self.problem = exported, problem

    def __init__(self, fmt: str, folder: Path, write: Writer) -> None:
        super().__init__()
        self.fmt = fmt
        self.folder = folder
        """The folder proposed (the user may type another)."""
        self.write = write
        self.writing = False
        """Whether the worker is writing: then the dialog waits for it (Cancel could not undo it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Export annotations as {self.fmt}", id="dialog-title")
            yield Label("Into the folder (created if it does not exist)")
            yield Input(str(self.folder), id="export-folder")
            yield Label("", id="export-error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-folder", Input).focus()

    @on(Input.Submitted, "#export-folder")
    @on(Button.Pressed, "#export-ok")
    def _confirm(self) -> None:
        typed = self.query_one("#export-folder", Input).value.strip()
        if not typed:
            self._say("Type a folder to write the export into")
            return
        if "\0" in typed:  # pasted: no file name holds one (the worker's mkdir would raise ValueError)
            self._say("A folder name cannot hold a NUL character")
            return
        try:
            folder = Path(typed).expanduser()
        except RuntimeError:  # ~name of no user
            self._say(Text(f"No such home folder: {visible_line(typed.split('/', 1)[0])}"))
            return
        self._busy(True)
        self._say(Text(f"Writing into {visible_line(typed)} …"))
        self._write(folder)

    @work(thread=True, exclusive=True, group="export")
    def _write(self, folder: Path) -> None:
        try:
            self.post_message(self.Done(self.write(folder)))
        except OSError as error:
            where = error.filename if error.filename is not None else folder
            self.post_message(self.Done(None, f"Cannot write in {where}: {error.strerror or error}"))

    def on_export_dialog_done(self, message: Done) -> None:
        if message.exported is not None:
            self.dismiss(message.exported)
            return
        self._busy(False)
        self._say(Text(visible_line(message.problem)))
        self.query_one("#export-folder", Input).focus()

    def _say(self, text: str | Text) -> None:
        self.query_one("#export-error", Label).update(text if isinstance(text, Text) else Text(text))

    def _busy(self, busy: bool) -> None:
        self.writing = busy
        for selector in ("#export-folder", "#export-ok", "#export-cancel"):
            self.query_one(selector).disabled = busy

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        if not self.writing:
            self.dismiss(None)
