"""The label set dialog (list, add, change, remove the corpus's labels) and the pre-annotation
dialog (which label to suggest, on which phrase).

Neither writes anything: ``LabelSetDialog`` returns the changed set (or None), which the
labelling controller writes in a worker; ``PreannotateDialog`` returns a ``PreannotateForm``.
Every check is the core's (``tui.core.labels``): a name or key used twice, a key labelling mode
uses itself, an unknown colour are refused with the reason under the form. While the label file
has problems to fix, the set is shown but cannot be changed here (the file is the user's).
Names and descriptions come from a file: they are shown as text, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select

from tui.core.colors import COLORS
from tui.core.labels import LabelError, LabelFile, LabelSet
from tui.core.sanitize import visible_line
from tui.ui.palette import SWATCH
from tui.ui.text.find import FindError, parse
from tui.ui.wording import counted


def _swatch(color: str, names: Mapping[str, str]) -> Text:
    name = names.get(color)
    shown = f"{color} ({visible_line(name)})" if name and name != color else color
    return Text.assemble(("■ ", SWATCH.get(color, "")), shown)


class LabelSetDialog(ModalScreen[LabelSet | None]):
    """The corpus's labels in a table, and a form to add one or change the one chosen."""

    CSS_PATH = "labels.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("ctrl+s", "done", "Save", id="labels.save", tooltip="Save the label set and close"),
        Binding("ctrl+n", "new", "New", id="labels.new", tooltip="Clear the form for a new label"),
        Binding("ctrl+d", "remove", "Remove", id="labels.remove", tooltip="Remove the label chosen"),
        Binding("escape", "cancel", "Cancel", id="labels.cancel", tooltip="Close without saving"),
    ]

    def __init__(self, found: LabelFile, color_names: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.found = found
        self.labels = found.labels
        """The set as changed so far."""
        self.editing: str | None = None
        """The name of the label the form changes (None: the form adds a new one)."""
        self.color_names = dict(color_names or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Labels of this corpus", id="dialog-title")
            yield Label(visible_line(str(self.found.path)), id="labels-path", markup=False)
            if self.found.problems:
                problems = "; ".join(self.found.problems)
                fix = " Fix the file to change the labels here." if not self.found.writable else ""
                yield Label(visible_line(problems) + fix, id="labels-problems", markup=False)
            yield DataTable(id="labels-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="labels-form"):
                yield Input(placeholder="name (the tag)", id="label-name")
                yield Input(placeholder="key", id="label-key", max_length=1)
                yield Select(
                    [(_swatch(c, self.color_names), c) for c in COLORS],
                    prompt="colour: next in turn",
                    id="label-color",
                )
            yield Input(placeholder="description (optional)", id="label-description")
            yield Label("", id="labels-error", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Add", id="label-apply")
                yield Button("New", id="label-new")
                yield Button("Remove", id="label-remove")
                yield Button("Save", variant="primary", id="labels-save")
                yield Button("Cancel", id="labels-cancel")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "name", "colour", "description")
        self._fill()
        if not self.found.writable:
            for widget in self.query("Input, Select, #label-apply, #label-new, #label-remove, #labels-save"):
                widget.disabled = True
            table.focus()
        else:
            self.query_one("#label-name", Input).focus()
        self._form_for(None)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for label in self.labels:
            table.add_row(
                Text(label.key, style="bold"),
                Text(visible_line(label.name)),
                _swatch(label.color, self.color_names),
                Text(visible_line(label.description)),
                key=label.name,
            )

    def _form_for(self, name: str | None) -> None:
        """Put the label ``name`` in the form to change it (None: an empty form, to add one)."""
        label = self.labels.get(name) if name is not None else None
        self.editing = label.name if label else None
        self.query_one("#label-name", Input).value = label.name if label else ""
        self.query_one("#label-key", Input).value = label.key if label else ""
        self.query_one("#label-description", Input).value = label.description if label else ""
        colour = self.query_one("#label-color", Select)
        if label:
            colour.value = label.color
        else:
            colour.clear()
        self.query_one("#label-apply", Button).label = "Change" if label else "Add"

    def _say(self, problem: str) -> None:
        self.query_one("#labels-error", Label).update(visible_line(problem))

    @on(DataTable.RowHighlighted, "#labels-table")
    def _chosen(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(DataTable)  # filling the table highlights a row too: not a choice
        if self.found.writable and table.has_focus and event.row_key.value is not None:
            self._form_for(str(event.row_key.value))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        table = self.query_one(DataTable)
        if event.widget is table and self.found.writable and table.row_count:
            row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self._form_for(str(row.value))

    @on(DataTable.RowSelected, "#labels-table")
    def _to_form(self) -> None:
        if self.found.writable:
            self.query_one("#label-name", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#label-apply")
    def apply(self) -> None:
        """Add the label in the form, or change the one chosen to it."""
        if not self.found.writable:
            return
        name = self.query_one("#label-name", Input).value
        key = self.query_one("#label-key", Input).value
        colour = self.query_one("#label-color", Select).value
        color = colour if isinstance(colour, str) else ""
        description = self.query_one("#label-description", Input).value
        try:
            if self.editing is not None:
                self.labels = self.labels.edit(self.editing, name, key, color, description)
            else:
                self.labels = self.labels.add(name, key, color, description)
        except LabelError as error:
            self._say(str(error))
            return
        changed = self.editing is not None
        self._say(f"{'Changed' if changed else 'Added'}; ctrl+s saves the set")
        self._fill()
        self._form_for(None)
        self.query_one("#label-name", Input).focus()

    @on(Button.Pressed, "#label-new")
    def action_new(self) -> None:
        self._form_for(None)
        self._say("")
        self.query_one("#label-name", Input).focus()

    @on(Button.Pressed, "#label-remove")
    def action_remove(self) -> None:
        if self.editing is None or not self.found.writable:
            self._say("Choose a label in the table first")
            return
        name = self.editing
        self.labels = self.labels.remove(name)
        self._fill()
        self._form_for(None)
        self._say(f"Removed {name} (its spans keep their tag); ctrl+s saves the set")

    @on(Button.Pressed, "#labels-save")
    def action_done(self) -> None:
        self.dismiss(self.labels if self.found.writable else None)

    @on(Button.Pressed, "#labels-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class PreannotateForm:
    """What to suggest: ``label`` on every occurrence of ``phrase`` ('' for the current hits),
    in the open document, or in every document the search matches (``everywhere``)."""

    label: str
    phrase: str
    everywhere: bool = False


class PreannotateDialog(ModalScreen[PreannotateForm | None]):
    """Which label, on which phrase (or the hits), and where."""

    CSS_PATH = "labels.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape", "cancel", "Cancel", id="preannotate.cancel", tooltip="Close without suggesting"),
    ]

    def __init__(
        self,
        labels: LabelSet,
        chosen: str | None = None,
        *,
        phrase: str = "",
        hits: int = 0,
        query: str = "",
        documents: int = 0,
    ) -> None:
        super().__init__()
        self.labels = labels
        self.chosen = chosen if chosen is not None and labels.get(chosen) else labels.names[0]
        self.phrase = phrase
        self.hits = hits
        self.search_query = query
        self.documents = documents

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Suggest a label everywhere it occurs", id="dialog-title")
            yield Label("Label")
            yield Select(
                [(Text(f"{label.key}  {visible_line(label.name)}"), label.name) for label in self.labels],
                value=self.chosen,
                allow_blank=False,
                id="pre-label",
            )
            hint = f"; empty: the {counted(self.hits, 'hit')} in this document" if self.hits else ""
            yield Label(f"Phrase (whole words, or /regex/ as in ctrl+f){hint}", markup=False)
            yield Input(visible_line(self.phrase), placeholder="a phrase", id="pre-phrase")
            if self.search_query and self.documents > 1:
                where = f"In every document matching {visible_line(self.search_query)!r} ({self.documents:,})"
                yield Checkbox(where, id="pre-everywhere")
            yield Label("", id="pre-error", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Suggest", variant="primary", id="pre-ok")
                yield Button("Cancel", id="pre-cancel")

    def on_mount(self) -> None:
        self.query_one("#pre-phrase", Input).focus()

    @on(Input.Submitted, "#pre-phrase")
    @on(Button.Pressed, "#pre-ok")
    def confirm(self) -> None:
        phrase = self.query_one("#pre-phrase", Input).value
        error = self.query_one("#pre-error", Label)
        if not phrase.strip() and not self.hits:
            error.update("Type a phrase: this document has no search hits")
            return
        if phrase.strip():
            try:
                parse(phrase)
            except FindError as problem:
                error.update(visible_line(str(problem)))
                return
        label = self.query_one("#pre-label", Select).value
        everywhere = bool(self.query("#pre-everywhere") and self.query_one("#pre-everywhere", Checkbox).value)
        self.dismiss(PreannotateForm(str(label), phrase if phrase.strip() else "", everywhere))

    @on(Button.Pressed, "#pre-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
