"""The outline (``o`` in the reader): the document's headings, to jump to one.

Typing filters the list (words of a heading, in any case, after a pause in typing); ``enter``
or a click jumps to the highlighted heading, ``escape`` closes. Headings are document text: each
row is a ``rich.text.Text`` of the heading's words (``visible_line``), never markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.core.sanitize import visible_line
from tui.ui.text.blocks import Heading

FILTER_DELAY = 0.12
"""Seconds of typing pause before the list is filtered (a long outline takes a moment)."""


class OutlineScreen(ModalScreen[int | None]):
    """Returns the offset of the heading chosen (None: closed without choosing)."""

    CSS_PATH = "outline.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape", "dismiss", "Close", id="outline.close", tooltip="Close the outline"),
        Binding("down", "move(1)", "Down", show=False, id="outline.down", tooltip="Next heading"),
        Binding("up", "move(-1)", "Up", show=False, id="outline.up", tooltip="Previous heading"),
    ]

    def __init__(self, headings: Sequence[Heading], current: int) -> None:
        super().__init__()
        self.headings = list(headings)
        self.titles = [visible_line(h.title) for h in self.headings]
        """What each heading shows (its inline Markdown as words)."""
        self.current = current
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="outline"):
            yield Label("Outline", id="outline-title")
            yield Input(placeholder="Filter headings", id="outline-filter")
            yield OptionList(*self._options(""), id="outline-list")

    def on_mount(self) -> None:
        if self.current >= 0:
            self.query_one(OptionList).highlighted = self.current

    def _options(self, words: str) -> list[Option]:
        wanted = words.casefold().split()
        levels = [h.level for h in self.headings]
        top = min(levels, default=1)
        return [
            Option(Text("  " * (level - top) + title), id=str(index))
            for index, (level, title) in enumerate(zip(levels, self.titles, strict=True))
            if all(word in title.casefold() for word in wanted)
        ]

    @on(Input.Changed, "#outline-filter")
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(FILTER_DELAY, self._filter)

    def _filter(self) -> None:
        self._timer = None
        listed = self.query_one(OptionList)
        listed.clear_options()
        listed.add_options(self._options(self.query_one(Input).value))
        if listed.option_count:
            listed.highlighted = 0

    @on(Input.Submitted, "#outline-filter")
    def _submitted(self) -> None:
        if self._timer is not None:  # the list still shows what was typed before a pause
            self._timer.stop()
            self._filter()
        listed = self.query_one(OptionList)
        if listed.highlighted is not None:
            self._choose(listed.get_option_at_index(listed.highlighted))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option)

    def _choose(self, option: Option) -> None:
        self.dismiss(self.headings[int(option.id or 0)].offset)

    def action_move(self, step: int) -> None:
        listed = self.query_one(OptionList)
        if step > 0:
            listed.action_cursor_down()
        else:
            listed.action_cursor_up()

    async def action_dismiss(self, result: int | None = None) -> None:
        self.dismiss(result)
