"""Cells: how wide each character is on a terminal, and where plain lines wrap.

The reader deals in code-point offsets into the document text; the terminal deals in cells. Most
characters take one cell, wide CJK characters two, and a tab takes the cells up to the next tab
stop (every ``TAB_SIZE`` cells from the start of its visual line), so tab-indented code and
tab-separated tables keep their columns. A tab is still one code point: in the text, in every
offset, under the cursor and in a selection. Wrapping and drawing both measure with
``char_cells``, so they agree on every line.

``text`` here is the text as displayed (``sanitize.visible``: a control character's stand-in is
measured, not the character), with tabs and newlines kept.
"""

from __future__ import annotations

from rich.cells import get_character_cell_size

TAB_SIZE = 8
MIN_WIDTH = TAB_SIZE
"""Narrowest wrap width: a tab at the start of a line always fits."""
BLANKS = " \t"


def cell_width(char: str) -> int:
    """Cells a character takes on the terminal (wide CJK: 2), tabs aside (see ``char_cells``)."""
    return 1 if char.isascii() else get_character_cell_size(char)


def char_cells(char: str, column: int) -> int:
    """Cells ``char`` takes when it starts at ``column`` of its visual line (a tab: up to the next stop)."""
    return TAB_SIZE - column % TAB_SIZE if char == "\t" else cell_width(char)


def wrap(text: str, width: int, start: int = 0, end: int | None = None) -> tuple[list[int], list[int]]:
    """Visual lines of ``text[start:end]`` at ``width`` cells, as parallel lists of start and end
    offsets (into ``text``).

    Breaks after the last blank (space or tab) that fits, else mid-word; the newline itself, and
    the blank a line breaks at, belong to no line.
    """
    width = max(width, MIN_WIDTH)
    stop = len(text) if end is None else end
    starts: list[int] = []
    ends: list[int] = []
    pos = start
    while True:
        newline = text.find("\n", pos, stop)
        line_end = stop if newline < 0 else newline
        _wrap_line(text, pos, line_end, width, starts, ends)
        if newline < 0:
            return starts, ends
        pos = newline + 1


def _wrap_line(text: str, start: int, end: int, width: int, starts: list[int], ends: list[int]) -> None:
    plain = "\t" not in text[start:end] and text[start:end].isascii()  # one cell per character
    if plain and end - start <= width:
        starts.append(start)
        ends.append(end)
        return
    if plain:
        while end - start > width:
            cut = text.rfind(" ", start, start + width + 1)
            if cut <= start:
                starts.append(start)
                ends.append(start + width)
                start += width
            else:
                starts.append(start)
                ends.append(cut)
                start = cut + 1
        starts.append(start)
        ends.append(end)
        return
    for low, high in wrap_characters(text, start, end, width):
        starts.append(low)
        ends.append(high)


def wrap_characters(chars: str | list[str], start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Visual lines of ``chars[start:end]`` (one line: no newline in it) at ``width`` cells.

    The general case of ``wrap``, also used for a Markdown paragraph's characters, which come
    from several places of the document: breaks after the last blank that fits, else mid-word;
    the blank a line breaks at belongs to no line.
    """
    found: list[tuple[int, int]] = []
    column, blank, line_start, i = 0, -1, start, start
    while i < end:
        char = chars[i]
        size = char_cells(char, column)
        if column + size > width and i > line_start:
            if char in BLANKS:  # the blank that does not fit ends the line
                found.append((line_start, i))
                line_start, column, blank, i = i + 1, 0, -1, i + 1
                continue
            cut = blank if blank > line_start else i
            found.append((line_start, cut))
            line_start = cut + 1 if cut == blank else cut
            column, blank = columns(chars, line_start, i)[-1], -1
            continue  # measure this character again on the new line (a tab's width depends on where)
        column += size
        if char in BLANKS:
            blank = i
        i += 1
    found.append((line_start, end))
    return found


def columns(chars: str | list[str], start: int, end: int) -> list[int]:
    """The cell where each character of the visual line ``[start, end)`` begins, and where the
    line ends (``end - start + 1`` numbers)."""
    found = [0]
    column = 0
    for i in range(start, end):
        column += char_cells(chars[i], column)
        found.append(column)
    return found


def drawn(text: str, start: int, end: int) -> tuple[str, list[int] | None]:
    """The visual line ``[start, end)`` as drawn (each tab as the spaces up to its stop), and the
    index in it where each code point begins plus its length (None when each code point is one
    drawn character: no tab)."""
    line = text[start:end]
    if "\t" not in line:
        return line, None
    pieces: list[str] = []
    index = [0]
    column = drawn_length = 0
    for char in line:
        size = char_cells(char, column)
        piece = " " * size if char == "\t" else char
        pieces.append(piece)
        column += size
        drawn_length += len(piece)
        index.append(drawn_length)
    return "".join(pieces), index
