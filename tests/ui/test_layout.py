"""Unit and property tests of plain layout (tui.ui.text.cells and rows): wrapping, tab stops and the
map between drawn characters, cells and document offsets, without an app."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.ui.text.cells import MIN_WIDTH, TAB_SIZE, char_cells, columns, drawn, wrap
from tui.ui.text.rows import NOWHERE, Row, RowBuilder, placed, plain_row


def lines(text: str, width: int) -> list[str]:
    """The visual lines as drawn."""
    starts, ends = wrap(text, width)
    return [drawn(text, s, e)[0] for s, e in zip(starts, ends, strict=True)]


def rows(text: str, width: int) -> list[Row]:
    starts, ends = wrap(text, width)
    return [plain_row(text, s, e) for s, e in zip(starts, ends, strict=True)]


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
    (row,) = rows(text, 40)
    assert (row.start, row.end) == (0, 5) and row.text == "ab" + " " * 6 + "cd"
    assert list(row.sources) == [0, 1, 2, 2, 2, 2, 2, 2, 3, 4]
    for cell in range(2, 8):
        assert row.offset_at_cell(cell) == 2  # every cell of the tab
    assert row.offset_at_cell(8) == 3 and row.offset_at_cell(99) == 4  # past the end: the last stop
    assert row.cell_of(3) == 8
    for position in range(2, 8):
        assert row.offset_at(position) == 2  # a drag over the tab's spaces
    assert row.spans(2, 3) == [(2, 8)]  # the cursor (or a hit) on the tab: all its cells
    assert row.spans(3, 9) == [(8, 10)] and row.spans(6, 9) == []


def test_a_line_breaks_at_a_tab_that_does_not_fit() -> None:
    text = "abcdefghij\tklm"
    starts, ends = wrap(text, 12)
    assert list(zip(starts, ends, strict=True)) == [(0, 10), (11, 14)]  # the tab belongs to no line
    assert wrap("ab cd\tef gh", 8) == ([0, 6], [5, 11])  # the tab fits, the word after it does not


def test_wrap_takes_a_range_of_the_text() -> None:
    text = "skip this\nalpha beta gamma\nand not this"
    start = text.index("alpha")
    end = text.index("\nand")
    assert list(zip(*wrap(text, 11, start, end), strict=True)) == [(start, start + 10), (start + 11, end)]


def test_tab_stops_count_from_each_visual_line() -> None:
    text = "word " * 3 + "x\ty"  # wraps: the tab on the second line is measured there
    starts, ends = wrap(text, 12)
    last = drawn(text, starts[-1], ends[-1])[0]
    assert last.startswith("word x") and last[6:8] == "  " and last[8] == "y"


def test_wide_characters_and_control_pictures_are_measured() -> None:
    assert char_cells("区", 0) == 2 and char_cells("␛", 0) == 1 and char_cells("\t", 3) == 5
    text = "区块\tx"
    assert columns(text, 0, 4) == [0, 2, 4, 8, 9]
    (row,) = rows(text, 40)
    assert row.offset_at_cell(1) == 0 and row.offset_at_cell(5) == 2 and row.cell_of(1) == 2


def test_added_characters_belong_to_no_offset_and_rows_without_text_are_placed() -> None:
    builder = RowBuilder()
    builder.add("• ", "reader--bullet")
    for offset, char in enumerate("item", start=10):
        builder.add_mapped(char, offset)
    row = builder.build()
    assert row.text == "• item" and list(row.sources) == [NOWHERE, NOWHERE, 10, 11, 12, 13]
    assert (row.start, row.end, row.first_stop, row.last_stop) == (10, 14, 10, 13)
    assert row.offset_at_cell(0) == 10  # on the bullet: the first character of the item
    assert row.spans(0, 100) == [(2, 6)]  # a highlight never colours the bullet
    blank = placed([row, RowBuilder().build(), Row("x", (20,), (), 20, 21)], 30)
    assert (blank[1].start, blank[1].end, blank[1].has_stops) == (20, 20, False)


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
    for row in rows(text, width):
        where = columns(text, row.start, row.end)
        cells = row.cells()
        assert cells[-1] == where[-1]
        for k, offset in enumerate(range(row.start, row.end)):
            assert row.cell_of(offset) == where[k]
            for cell in range(where[k], where[k + 1]):  # every cell of a character is that character
                assert row.offset_at_cell(cell) == offset
            (span,) = row.spans(offset, offset + 1)
            assert all(row.sources[i] == offset for i in range(*span))
            assert row.text[span[0] : span[1]] == (
                text[offset] if text[offset] != "\t" else " " * (span[1] - span[0])
            )
            if text[offset] == "\t":
                assert where[k + 1] % TAB_SIZE == 0
        assert "\t" not in row.text
