"""Where the reader's cursor goes: by rows on screen, by motions over the text.

The cursor is a document offset that stops only where a character is drawn (``rows``): moving
by rows keeps the cell column and passes over rows without text (blank lines, rules); a motion
over the text (``motions``: words, sentences, paragraphs) that lands on a hidden marker goes on
to the next drawn character in its direction. Pure functions of a ``DocumentLayout``.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.ui.text.document import DocumentLayout

Motion = Callable[[str, int], int]


def by_rows(layout: DocumentLayout, cursor: int, delta: int) -> int | None:
    """The stop ``delta`` rows below (above, when negative) the cursor, in the same cell column;
    None when there is no row with text that way."""
    line = layout.line_of(cursor)
    column = layout.row(line).cell_of(cursor)
    target, step, last = line + delta, 1 if delta > 0 else -1, layout.line_count - 1
    while 0 <= target <= last and not layout.row(target).has_stops:
        target += step
    if not 0 <= target <= last:
        return None
    return layout.row(target).offset_at_cell(column)


def by_motion(
    layout: DocumentLayout,
    text: str,
    cursor: int,
    move: Motion,
    forward: bool,
    snap_forward: bool = True,
) -> int | None:
    """Where ``move`` takes the cursor, on a drawn character beyond it (None: nowhere further).

    A landing place that is hidden (a marker run such as ``**`` or ``[``) is left for the first
    word drawn after it (``snap_forward``; before it when false, as for the end of a word); when
    that is not beyond the cursor, the motion goes on from there.
    """
    target = move(text, cursor)
    for _ in range(64):  # a run of hidden markers ends long before this
        found = _landing(layout, text, target, snap_forward)
        if found is not None and ((found > cursor) if forward else (found < cursor)):
            return found
        if not 0 < target < len(text):
            return None
        target = move(text, target)
    return None


def _landing(layout: DocumentLayout, text: str, target: int, forward: bool) -> int | None:
    """The drawn character a motion to ``target`` lands on: past blanks drawn where markers were
    (the space after a hidden ``**``), so a word motion lands on a word."""
    found = layout.stop_at_or_after(target) if forward else layout.stop_at_or_before(target)
    for _ in range(256):
        if found is None or not text[found].isspace() or found == target:
            return found
        found = layout.stop_at_or_after(found + 1) if forward else layout.stop_at_or_before(found - 1)
    return found


def row_start(layout: DocumentLayout, cursor: int) -> int:
    """The first stop of the row on screen that holds the cursor (``0``)."""
    return layout.row(layout.line_of(cursor)).first_stop


def row_end(layout: DocumentLayout, cursor: int) -> int:
    """The last stop of the row on screen that holds the cursor (``$``)."""
    return layout.row(layout.line_of(cursor)).last_stop
