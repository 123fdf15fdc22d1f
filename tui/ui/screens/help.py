"""Every key binding of the app, grouped by where it applies (``?``).

The table is built from the bindings themselves (with the user's keymap applied), so it cannot
drift from what the keys do. Keys are shown as they are typed and as the footer shows them
(Textual's ``App.get_key_display``): ``)`` ``$`` ``]`` ``^p``, never ``right_parenthesis``. The
five colour keys are one row that names each colour as the user does (``colors:`` in
``config.yaml``). Keys and names come from the user's file: every cell is a ``rich.text.Text``,
so a key written as ``[bold]`` shows as typed instead of being read as markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.core.colors import COLORS
from tui.core.sanitize import visible_line

_COLOUR_ACTION = re.compile(r"choose_color\((\d+)\)\Z")


class HelpScreen(ModalScreen[None]):
    """A table of bindings: where, keys, what; any key in ``escape,q,?`` closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(
        self,
        groups: Iterable[tuple[str, Iterable[object]]],
        keymap: Mapping[str, str],
        color_names: Mapping[str, str] | None = None,
    ) -> None:
        """``groups``: (where, bindings) in the order shown; ``color_names``: the user's names for
        the highlight colours."""
        super().__init__()
        self.groups = [(name, [b for b in bindings if isinstance(b, Binding)]) for name, bindings in groups]
        self.keymap = dict(keymap)
        self.color_names = dict(color_names or {})

    def compose(self) -> ComposeResult:
        table = Table(title="lectern: keys", expand=True, show_edge=False, pad_edge=False)
        table.add_column("where", style="bold")
        table.add_column("keys", style="bold cyan")
        table.add_column("what")
        table.add_column("id (for keymap)", style="dim")
        for name, bindings in self.groups:
            for keys, what, ids in self.rows(bindings):
                table.add_row(*(Text(visible_line(cell)) for cell in (name, keys, what, ids)))
        with VerticalScroll(id="help-body"):
            yield Static(table)
            yield Static(
                "Mouse: click a document to open it, click in the text to move the cursor, drag to select "
                "a passage, wheel to scroll."
            )

    def rows(self, bindings: Sequence[Binding]) -> list[tuple[str, str, str]]:
        """(keys, what, ids) for each binding; the colour keys together in one row."""
        rows: list[tuple[str, str, str]] = []
        colours = [b for b in bindings if _COLOUR_ACTION.match(b.action)]
        for binding in bindings:
            if binding in colours:
                if binding is colours[0]:
                    rows.append(self._colour_row(colours))
                continue
            what = binding.tooltip or binding.description
            rows.append((", ".join(self.key_names(binding)), what, binding.id or ""))
        return rows

    def key_names(self, binding: Binding) -> list[str]:
        """The keys of ``binding`` (after the keymap) as the user types them."""
        remapped = self.keymap.get(binding.id or "")
        if remapped is None and binding.key_display:
            return [binding.key_display]
        keys = [k.strip() for k in (remapped or binding.key).split(",") if k.strip()]
        return [self.app.get_key_display(Binding(key, binding.action)) for key in keys]

    def _colour_row(self, bindings: Sequence[Binding]) -> tuple[str, str, str]:
        names = self.color_names
        keys = [", ".join(self.key_names(b)) for b in bindings]
        singles = all(len(k) == 1 for k in keys)
        digits = "".join(keys)
        run = singles and digits.isdigit() and len(digits) > 2 and digits in "0123456789"
        shown = f"{keys[0]}–{keys[-1]}" if run else " ".join(keys)
        parts = []
        for key, binding in zip(keys, bindings, strict=True):
            match = _COLOUR_ACTION.match(binding.action)
            number = int(match.group(1)) if match else 0
            colour = COLORS[number - 1] if 1 <= number <= len(COLORS) else binding.description
            name = names.get(colour, "")
            parts.append(f"{key} {colour}" + (f" ({name})" if name and name != colour else ""))
        what = "Highlight colour: " + ", ".join(parts)
        ids = f"{bindings[0].id} … {bindings[-1].id}" if len(bindings) > 1 else bindings[0].id or ""
        return shown, what, ids or ""

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def known_binding_ids() -> set[str]:
    """The id of every binding a lectern screen or widget declares (for checking a keymap).

    Walks the classes, not the mounted nodes: a dialog that is not open still has its keys. The
    modules of ``tui.ui`` are imported first, as the app imports some only when they are used.
    """
    import contextlib
    import importlib
    import pkgutil

    import tui.ui

    for module in pkgutil.walk_packages(tui.ui.__path__, "tui.ui."):
        with contextlib.suppress(ImportError):  # a module that cannot load declares no keys in use
            importlib.import_module(module.name)
    ids: set[str] = set()
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui."):
            ids.update(b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id)
    return ids
