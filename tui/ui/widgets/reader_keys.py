"""The reader's keys: each binding's id (``reader.<name>``) is what ``keymap:`` in config.yaml
remaps and what the help screen lists, so the table is kept apart from the code behind it."""

from __future__ import annotations

from textual.binding import Binding, BindingType


def _key(keys: str, action: str, description: str, name: str, tooltip: str, show: bool = False) -> Binding:
    return Binding(keys, action, description, show=show, id=f"reader.{name}", tooltip=tooltip)


READER_BINDINGS: list[BindingType] = [
    _key("j,down", "cursor_down", "Down", "down", "Next line"),
    _key("k,up", "cursor_up", "Up", "up", "Previous line"),
    _key("left", "cursor_left", "Left", "left", "Previous character"),
    _key("right", "cursor_right", "Right", "right", "Next character"),
    _key("space,pagedown", "page_down", "Page", "page_down", "Next page"),
    _key("pageup", "page_up", "Back", "page_up", "Previous page"),
    _key("b", "back", "Back", "back", "Previous page (a word back while selecting)"),
    _key("g,home", "top", "Top", "top", "Start of the document"),
    _key("G,end", "bottom", "End", "bottom", "End of the document"),
    _key("n", "next_hit", "Next hit", "next_hit", "Next search hit (or match)"),
    _key("N", "previous_hit", "Prev hit", "previous_hit", "Previous hit (or match)"),
    _key("ctrl+f", "find", "Find", "find", "Find text or /regex/ in this document", show=True),
    _key("o", "outline", "Outline", "outline", "Headings of the document: jump to one"),
    _key("m", "toggle_source", "Source", "source", "Show the Markdown source (or render it again)"),
    _key("v", "toggle_selection", "Select", "select", "Start (or end) a selection", show=True),
    _key("escape", "cancel", "Cancel", "cancel", "Drop the selection (or the find)"),
    _key("w", "word(1)", "Word", "word", "Next word"),
    _key("e", "word_end", "Word end", "word_end", "End of the word (selecting; else e edits the note)"),
    _key("right_parenthesis", "sentence(1)", "Sentence", "sentence", "Next sentence"),
    _key("left_parenthesis", "sentence(-1)", "Sentence", "sentence_back", "Previous sentence"),
    _key("right_curly_bracket", "paragraph(1)", "Paragraph", "paragraph", "Next paragraph"),
    _key("left_curly_bracket", "paragraph(-1)", "Paragraph", "paragraph_back", "Previous paragraph"),
    _key("0", "line_start", "Line start", "line_start", "Start of the line on screen"),
    _key("dollar_sign", "line_end", "Line end", "line_end", "End of the line on screen"),
    _key("shift+left", "extend('left')", "Extend", "extend_left", "Select a character left"),
    _key("shift+right", "extend('right')", "Extend", "extend_right", "Select a character right"),
    _key("shift+up", "extend('up')", "Extend", "extend_up", "Select a line up"),
    _key("shift+down", "extend('down')", "Extend", "extend_down", "Select a line down"),
    _key("y", "copy_selection", "Copy", "copy", "Copy the selection (OSC 52), or the link the cursor is on"),
    _key("enter", "follow_link", "Follow", "follow_link", "Follow the link under the cursor"),
    _key("backspace", "go_back", "Go back", "go_back", "Back to where you followed a link from"),
    _key("E", "edit_document", "Edit", "edit", "Edit the file in $EDITOR (it is read again after)"),
    _key("right_square_bracket", "next_annotation", "Next note", "next_annotation", "Next annotation"),
    _key(
        "left_square_bracket",
        "previous_annotation",
        "Prev note",
        "previous_annotation",
        "Previous annotation",
    ),
]
