"""Unit and property tests of the reader's layout (tui.ui.widgets.layout): wrapping, tab stops and
the maps between code points, cells and drawn characters, without an app."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.ui.widgets.layout import (
    MIN_WIDTH,
    TAB_SIZE,
    cell_of,
    char_cells,
    columns,
    drawn,
    drawn_span,
    offset_at_cell,
    offset_at_drawn,
    wrap,
)


def lines(text: str, width: int) -> list[str]:
    """The visual lines as drawn."""
    starts, ends = wrap(text, width)
    return [drawn(text, s, e)[0] for s, e in zip(starts, ends, strict=True)]


def test_tabs_run_to_the_next_stop() -> None:
    assert lines("a\tb", 40) == ["a" + " " * 7 + "b"]
    assert lines("abcdefghi\tb", 40) == ["abcdefghi" + " " * 7 + "b"]  # from column 9 to 16
    assert lines("abcdefgh\tb", 40) == ["abcdefgh" + " " * 8 + "b"]  # on a stop: a whole stop on
    assert lines("\t\treturn x", 40) == [" " * 16 + "return x"]


def test_tab_indented_code_and_tab_separated_tables_keep_their_columns() -> None:
    code = "def f():\n\tif x:\n\t\treturn 1\n\treturn 2"
    assert lines(code, 60) == ["def f():", " " * 8 + "if x:", " " * 16 + "return 1", " " * 8 + "return 2"]
    table = "id\tname\tsize\n42\tzed\t7\n7\tlonger\t1234"
    shown = lines(table, 60)
    for column in ("name", "size"):
        at = shown[0].index(column)
        assert all(row[at - 1] == " " and row[at] != " " for row in shown[1:])


def test_a_tab_is_one_code_point_on_every_cell_it_takes() -> None:
    text = "ab\tcd"
    starts, ends = wrap(text, 40)
    assert (starts, ends) == ([0], [5])
    assert columns(text, 0, 5) == [0, 1, 2, 8, 9, 10]
    for cell in range(2, 8):
        assert offset_at_cell(text, 0, 5, cell) == 2  # every cell of the tab
    assert offset_at_cell(text, 0, 5, 8) == 3 and offset_at_cell(text, 0, 5, 99) == 5
    assert cell_of(text, 0, 3) == 8
    shown, index = drawn(text, 0, 5)
    assert index == [0, 1, 2, 8, 9, 10] and len(shown) == 10
    for position in range(2, 8):
        assert offset_at_drawn(index, 0, 5, position) == 2  # a drag over the tab's spaces
    assert drawn_span(index, 0, 5, 2, 3) == (2, 8)  # the cursor (or a hit) on the tab: all its cells
    assert drawn_span(index, 0, 5, 3, 9) == (8, 10) and drawn_span(index, 0, 5, 6, 9) is None


def test_a_line_breaks_at_a_tab_that_does_not_fit() -> None:
    text = "abcdefghij\tklm"
    starts, ends = wrap(text, 12)
    assert list(zip(starts, ends, strict=True)) == [(0, 10), (11, 14)]  # the tab belongs to no line
    assert wrap("ab cd\tef gh", 8) == ([0, 6], [5, 11])  # the tab fits, the word after it does not


def test_tab_stops_count_from_each_visual_line() -> None:
    text = "word " * 3 + "x\ty"  # wraps: the tab on the second line is measured there
    starts, ends = wrap(text, 12)
    last = drawn(text, starts[-1], ends[-1])[0]
    assert last.startswith("word x") and last[6:8] == "  " and last[8] == "y"


def test_wide_characters_and_control_pictures_are_measured() -> None:
    assert char_cells("区", 0) == 2 and char_cells("␛", 0) == 1 and char_cells("\t", 3) == 5
    text = "区块\tx"
    assert columns(text, 0, 4) == [0, 2, 4, 8, 9]
    assert offset_at_cell(text, 0, 4, 1) == 0 and offset_at_cell(text, 0, 4, 5) == 2


# ---------------------------------------------------------------------- properties

TEXTS = st.text(alphabet=st.sampled_from([*"ab Z9", " ", "\t", "\n", "区", "é", "␛"]), max_size=240)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(1, 40))
def test_every_visual_line_fits_and_the_lines_cover_the_text(text: str, width: int) -> None:
    starts, ends = wrap(text, width)
    covered: set[int] = set()
    previous_end = -1
    for start, end in zip(starts, ends, strict=True):
        assert previous_end <= start <= end <= len(text) and "\n" not in text[start:end]
        cells = columns(text, start, end)[-1]
        assert cells <= max(width, MIN_WIDTH) or end - start == 1  # a wide character on a line of its own
        covered.update(range(start, end))
        previous_end = end
    left_out = [i for i in range(len(text)) if i not in covered]
    assert all(text[i] in " \t\n" for i in left_out)  # only line breaks and the blanks lines break at


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(MIN_WIDTH, 40))
def test_cells_offsets_and_drawn_characters_agree(text: str, width: int) -> None:
    starts, ends = wrap(text, width)
    for start, end in zip(starts, ends, strict=True):
        where = columns(text, start, end)
        shown, index = drawn(text, start, end)
        positions = index if index is not None else list(range(end - start + 1))
        assert positions[-1] == len(shown)
        for k, offset in enumerate(range(start, end)):
            assert cell_of(text, start, offset) == where[k]
            for cell in range(where[k], where[k + 1]):  # every cell of a character is that character
                assert offset_at_cell(text, start, end, cell) == offset
            for position in range(positions[k], positions[k + 1]):
                assert offset_at_drawn(index, start, end, position) == offset
            assert drawn_span(index, start, end, offset, offset + 1) == (positions[k], positions[k + 1])
            if text[offset] == "\t":
                assert where[k + 1] % TAB_SIZE == 0 and set(shown[positions[k] : positions[k + 1]]) == {" "}
        assert offset_at_cell(text, start, end, where[-1]) == end  # past the last character
        assert "\t" not in shown
