"""Where each character of a document goes on screen: wrapping, and the maps between code points,
cells and drawn characters.

The reader deals in code-point offsets into the document text; the terminal deals in cells. Most
characters take one cell, wide CJK characters two, and a tab takes the cells up to the next tab
stop (every ``TAB_SIZE`` cells from the start of its visual line), so tab-indented code and
tab-separated tables keep their columns. A tab is still one code point: in the text, in every
offset, under the cursor and in a selection. Wrapping, drawing, moving the cursor by lines and
mapping a mouse click or drag back to an offset all measure with ``char_cells``, so they agree
on every line. Pure functions (no Textual), tested without an app.

``text`` here is the text as displayed (``sanitize.visible``: a control character's stand-in is
measured, not the character), with tabs and newlines kept.
"""

from __future__ import annotations

from rich.cells import get_character_cell_size

TAB_SIZE = 8
MIN_WIDTH = TAB_SIZE
"""Narrowest wrap width: a tab at the start of a line always fits."""
_BLANKS = " \t"


def cell_width(char: str) -> int:
    """Cells a character takes on the terminal (wide CJK: 2), tabs aside (see ``char_cells``)."""
    return 1 if char.isascii() else get_character_cell_size(char)


def char_cells(char: str, column: int) -> int:
    """Cells ``char`` takes when it starts at ``column`` of its visual line (a tab: up to the next stop)."""
    return TAB_SIZE - column % TAB_SIZE if char == "\t" else cell_width(char)


def wrap(text: str, width: int) -> tuple[list[int], list[int]]:
    """Visual lines of ``text`` at ``width`` cells, as parallel lists of start and end offsets.

    Breaks after the last blank (space or tab) that fits, else mid-word; the newline itself, and
    the blank a line breaks at, belong to no line.
    """
    width = max(width, MIN_WIDTH)
    starts: list[int] = []
    ends: list[int] = []
    pos, length = 0, len(text)
    while True:
        newline = text.find("\n", pos)
        line_end = length if newline < 0 else newline
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
    column, blank, line_start, i = 0, -1, start, start
    while i < end:
        char = text[i]
        size = char_cells(char, column)
        if column + size > width and i > line_start:
            if char in _BLANKS:  # the blank that does not fit ends the line
                starts.append(line_start)
                ends.append(i)
                line_start, column, blank, i = i + 1, 0, -1, i + 1
                continue
            cut = blank if blank > line_start else i
            starts.append(line_start)
            ends.append(cut)
            line_start = cut + 1 if cut == blank else cut
            column, blank = columns(text, line_start, i)[-1], -1
            continue  # measure this character again on the new line (a tab's width depends on where)
        column += size
        if char in _BLANKS:
            blank = i
        i += 1
    starts.append(line_start)
    ends.append(end)


def columns(text: str, start: int, end: int) -> list[int]:
    """The cell where each code point of the visual line ``[start, end)`` begins, and where the
    line ends (``end - start + 1`` numbers)."""
    found = [0]
    column = 0
    for char in text[start:end]:
        column += char_cells(char, column)
        found.append(column)
    return found


def cell_of(text: str, start: int, offset: int) -> int:
    """The cell where ``offset`` begins in the visual line that starts at ``start``."""
    if "\t" not in text[start:offset] and text[start:offset].isascii():
        return offset - start
    return columns(text, start, offset)[-1]


def offset_at_cell(text: str, start: int, end: int, column: int) -> int:
    """The code point drawn on cell ``column`` of the visual line ``[start, end)``; ``end`` past its end.

    Every cell of a tab (or of a wide character) is that one code point.
    """
    if column <= 0:
        return start
    if "\t" not in text[start:end] and text[start:end].isascii():
        return min(start + column, end)
    cells = 0
    for i in range(start, end):
        cells += char_cells(text[i], cells)
        if cells > column:
            return i
    return end


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


def offset_at_drawn(index: list[int] | None, start: int, end: int, position: int) -> int:
    """The code point whose drawn characters hold ``position`` (an index into ``drawn``'s line)."""
    if position <= 0:
        return start
    if index is None:
        return min(start + position, end)
    low, high = 0, end - start  # the last code point that begins at or before ``position``
    while low < high:
        middle = (low + high + 1) // 2
        if index[middle] <= position:
            low = middle
        else:
            high = middle - 1
    return start + low


def drawn_span(index: list[int] | None, start: int, end: int, low: int, high: int) -> tuple[int, int] | None:
    """The part of ``[low, high)`` (document offsets) on the visual line ``[start, end)``, as indices
    into its drawn line (``drawn``): a tab's every space is painted with it. None when they miss."""
    low, high = max(low, start), min(high, end)
    if low >= high:
        return None
    if index is None:
        return low - start, high - start
    return index[low - start], index[high - start]
