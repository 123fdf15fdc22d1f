"""Every key binding of the app, grouped by where it applies (``?``).

Keys come from the user's ``config.yaml`` (a keymap): every cell is a ``rich.text.Text``, so a
key written as ``[bold]`` shows as typed instead of being read as markup.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.core.sanitize import visible_line


class HelpScreen(ModalScreen[None]):
    """A table of bindings: where, keys, what; any key in ``escape,q,?`` closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(self, groups: Iterable[tuple[str, Iterable[object]]], keymap: dict[str, str]) -> None:
        super().__init__()
        self.groups = [(name, [b for b in bindings if isinstance(b, Binding)]) for name, bindings in groups]
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        table = Table(title="lectern: keys", expand=True, show_edge=False, pad_edge=False)
        table.add_column("where", style="bold")
        table.add_column("keys", style="bold cyan", no_wrap=True)
        table.add_column("what")
        table.add_column("id (for keymap)", style="dim")
        for name, bindings in self.groups:
            for binding in bindings:
                keys = str(self.keymap.get(binding.id or "", binding.key))
                cells = (name, _pretty(keys), binding.tooltip or binding.description, binding.id or "")
                table.add_row(*(Text(visible_line(cell)) for cell in cells))
        with VerticalScroll(id="help-body"):
            yield Static(table)
            yield Static(
                "Mouse: click a document to open it, click in the text to move the cursor, drag to select "
                "a passage, wheel to scroll. Keys 1-5 choose the highlight colour."
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def _pretty(keys: str) -> str:
    names = {"question_mark": "?", "slash": "/", "space": "space", "ctrl+p": "ctrl+p"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))
