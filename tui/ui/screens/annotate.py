"""The annotation dialog: a note, tags (completed from the tags already used) and a colour.

It edits nothing itself: it returns an ``AnnotationForm`` (or None when cancelled) to the screen
that opened it, which saves through ``tui.core``. With ``tags_only`` it asks for tags alone.
The quote, note, tags and colour names come from files: they are shown as text (never markup),
with control characters made visible, so what the fields show is never sent to the terminal raw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from tui.core.annotation_format import clean_tags
from tui.core.colors import COLORS
from tui.core.sanitize import visible, visible_line

QUOTE_PREVIEW = 400


@dataclass(frozen=True)
class AnnotationForm:
    """What the user entered."""

    note: str
    tags: tuple[str, ...]
    color: str


class TagSuggester(Suggester):
    """Completes the tag being typed (the text after the last comma) from known tags."""

    def __init__(self, tags: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tags = sorted({visible_line(t) for t in tags}, key=str.casefold)

    async def get_suggestion(self, value: str) -> str | None:
        head, _, typed = value.rpartition(",")
        typed_clean = typed.lstrip()
        if not typed_clean:
            return None
        done = {t.strip() for t in head.split(",")}
        for tag in self.tags:
            if tag.casefold().startswith(typed_clean.casefold()) and tag not in done and tag != typed_clean:
                return value[: len(value) - len(typed_clean)] + tag
        return None


def parse_tags(text: str) -> tuple[str, ...]:
    """Comma-separated tags as typed."""
    return clean_tags(text.split(","))


class AnnotationDialog(ModalScreen[AnnotationForm | None]):
    """Ask for a note, tags and a colour for a passage."""

    CSS_PATH = "annotate.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("ctrl+s", "save", "Save", id="dialog.save", tooltip="Save the annotation"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self,
        quote: str,
        *,
        note: str = "",
        tags: Sequence[str] = (),
        color: str = COLORS[0],
        known_tags: Sequence[str] = (),
        color_names: Mapping[str, str] | None = None,
        tags_only: bool = False,
        title: str = "Annotate",
    ) -> None:
        super().__init__()
        self.quote = quote
        self.note = note
        self.tags = tuple(tags)
        self.color = color if color in COLORS else COLORS[0]
        self.known_tags = known_tags
        self.color_names = dict(color_names or {})
        self.tags_only = tags_only
        self.heading = title

    def compose(self) -> ComposeResult:
        excerpt = visible_line(" ".join(self.quote.split()))
        if len(excerpt) > QUOTE_PREVIEW:
            excerpt = excerpt[: QUOTE_PREVIEW - 1] + "…"
        with Vertical(id="dialog"):
            yield Label(self.heading, id="dialog-title", markup=False)
            yield Static(Text(f"“{excerpt}”"), id="dialog-quote")
            if not self.tags_only:
                yield Label("Note (ctrl+s saves)")
                yield TextArea(visible(self.note), id="dialog-note", soft_wrap=True, show_line_numbers=False)
            yield Label("Tags (comma-separated; → accepts a suggestion)")
            yield Input(
                ", ".join(visible_line(t) for t in self.tags),
                placeholder="e.g. policy, anti-corruption",
                id="dialog-tags",
                suggester=TagSuggester(self.known_tags),
            )
            if not self.tags_only:
                yield Label("Colour")
                yield Select(
                    [(self._color_label(c, n), c) for n, c in enumerate(COLORS, 1)],
                    value=self.color,
                    allow_blank=False,
                    id="dialog-color",
                )
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", variant="primary", id="dialog-save")
                yield Button("Cancel", id="dialog-cancel")

    def _color_label(self, color: str, number: int) -> Text:
        name = self.color_names.get(color)
        return Text(f"{number} {color}" + (f" ({visible_line(name)})" if name and name != color else ""))

    def on_mount(self) -> None:
        self.query_one("#dialog-tags" if self.tags_only else "#dialog-note").focus()

    def form(self) -> AnnotationForm:
        """The values as entered now."""
        note = "" if self.tags_only else self.query_one("#dialog-note", TextArea).text
        tags = parse_tags(self.query_one("#dialog-tags", Input).value)
        color = self.color if self.tags_only else str(self.query_one("#dialog-color", Select).value)
        return AnnotationForm(note=note.strip(), tags=tags, color=color)

    def action_save(self) -> None:
        self.dismiss(self.form())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#dialog-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#dialog-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#dialog-tags")
    def _tags_submitted(self) -> None:
        self.action_save()
