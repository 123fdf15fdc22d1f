"""Unit tests of the reader's text motions (tui.ui.widgets.motions), with a few properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.ui.widgets import motions

TEXT = (
    "# Title\n"
    "\n"
    "First sentence here. Second one! Third?\n"
    "Still the first paragraph.\n"
    "\n"
    "  \t\n"
    "Another paragraph... with “quotes.” Done"
)


def at(fragment: str) -> int:
    return TEXT.index(fragment)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (0, "Title"),  # "#" is a word of punctuation: the next word is the title
        (at("First"), "sentence"),
        (at("irst"), "sentence"),  # from inside a word: the start of the next one
        (at("here."), ". Second"),  # punctuation counts as a word
        (at("Done"), None),
    ],
)
def test_next_word(offset: int, expected: str | None) -> None:
    found = motions.next_word(TEXT, offset)
    if expected is None:
        assert found == len(TEXT)
    else:
        assert TEXT.startswith(expected, found)


def test_previous_word() -> None:
    assert motions.previous_word(TEXT, at("sentence here")) == at("First")
    assert motions.previous_word(TEXT, at("entence here")) == at("sentence")  # inside: its start
    assert motions.previous_word(TEXT, at("First")) == at("Title")  # across lines
    assert motions.previous_word(TEXT, 0) == 0
    assert motions.previous_word(TEXT, at("itle")) == at("Title")
    assert motions.previous_word(TEXT, len(TEXT)) == at("Done")


def test_previous_word_far_back_in_a_long_run_of_spaces() -> None:
    text = "word" + " " * 1000 + "next"
    assert motions.previous_word(text, len(text) - 4) == 0
    assert motions.previous_word("x" * 600, 600) == 0  # one word longer than the search window


def test_word_end() -> None:
    assert motions.word_end(TEXT, at("First")) == at(" sentence here")
    assert motions.word_end(TEXT, at(" sentence")) == at(" here")
    assert motions.word_end(TEXT, len(TEXT)) == len(TEXT)


def test_next_sentence() -> None:
    assert motions.next_sentence(TEXT, at("First")) == at("Second")
    assert motions.next_sentence(TEXT, at("Second")) == at("Third")
    assert motions.next_sentence(TEXT, at("Third")) == at("Still")  # "?" then a line break
    assert motions.next_sentence(TEXT, at("Still")) == at("Another")  # over blank lines
    assert motions.next_sentence(TEXT, at("Another")) == at("with")  # an ellipsis ends a sentence
    assert motions.next_sentence(TEXT, at("with")) == at("Done")  # closing quotes belong to it
    assert motions.next_sentence(TEXT, at("Done")) == len(TEXT)
    assert motions.next_sentence(TEXT, 0) == at("First")  # a heading ends at its paragraph break


def test_previous_sentence() -> None:
    assert motions.previous_sentence(TEXT, at("one!")) == at("Second")  # inside: its start
    assert motions.previous_sentence(TEXT, at("Second")) == at("First")  # at a start: the one before
    assert motions.previous_sentence(TEXT, at("Another")) == at("Still")
    assert motions.previous_sentence(TEXT, at("First")) == 0
    assert motions.previous_sentence(TEXT, 0) == 0


def test_paragraphs() -> None:
    assert motions.next_paragraph(TEXT, 0) == at("First")
    assert motions.next_paragraph(TEXT, at("First")) == at("Another")  # a blank line of spaces counts
    assert motions.next_paragraph(TEXT, at("Another")) == len(TEXT)
    assert motions.previous_paragraph(TEXT, at("Still")) == at("First")
    assert motions.previous_paragraph(TEXT, at("First")) == 0
    assert motions.previous_paragraph(TEXT, 0) == 0


@pytest.mark.parametrize("gap", ["\n\n\n", "\n\n  \t\n"])
def test_previous_paragraph_lands_on_text_after_several_blank_lines(gap: str) -> None:
    text = f"One para.{gap}Two para here."
    two = text.index("Two")
    assert motions.next_paragraph(text, 0) == two
    assert motions.previous_paragraph(text, text.index("here")) == two  # the start of its paragraph
    assert motions.previous_paragraph(text, two) == 0  # at a start: the paragraph before


def test_lines() -> None:
    assert motions.line_start(TEXT, at("one!")) == at("First")
    assert motions.line_end(TEXT, at("one!")) == at("?\nStill")
    assert motions.line_start(TEXT, 0) == 0
    assert motions.line_end(TEXT, at("Done")) == len(TEXT) - 1
    empty = at("\n\n") + 1  # the empty line after the title
    assert motions.line_start(TEXT, empty) == empty and motions.line_end(TEXT, empty) == empty
    assert motions.line_end("", 0) == 0


def test_empty_text() -> None:
    for move in (motions.next_word, motions.next_sentence, motions.next_paragraph, motions.word_end):
        assert move("", 0) == 0
    for move in (motions.previous_word, motions.previous_sentence, motions.previous_paragraph):
        assert move("", 0) == 0


# ---------------------------------------------------------------------- properties

ALPHABET = st.sampled_from([*"ab Z9", " ", "\n", "\t", ".", "!", "?", "…", "”", ")", ",", "。", "区", "é"])
texts = st.text(alphabet=ALPHABET, max_size=300)
FORWARD = (motions.next_word, motions.next_sentence, motions.next_paragraph)
BACKWARD = (motions.previous_word, motions.previous_sentence, motions.previous_paragraph)
ALL = (*FORWARD, *BACKWARD, motions.word_end, motions.line_start, motions.line_end)


@st.composite
def text_and_offset(draw: st.DrawFn) -> tuple[str, int]:
    text = draw(texts)
    return text, draw(st.integers(0, len(text)))


@settings(max_examples=300, deadline=None)
@given(text_and_offset())
def test_every_motion_stays_in_the_text(case: tuple[str, int]) -> None:
    text, offset = case
    for move in ALL:
        assert 0 <= move(text, offset) <= len(text), move.__name__


@settings(max_examples=300, deadline=None)
@given(text_and_offset())
def test_forward_motions_move_forward_unless_at_the_end(case: tuple[str, int]) -> None:
    text, offset = case
    for move in FORWARD:
        found = move(text, offset)
        assert found > offset or found == len(text), move.__name__


@settings(max_examples=300, deadline=None)
@given(text_and_offset())
def test_backward_motions_move_back_unless_at_the_start(case: tuple[str, int]) -> None:
    text, offset = case
    for move in BACKWARD:
        found = move(text, offset)
        assert found < offset or found == 0, move.__name__


@settings(max_examples=200, deadline=None)
@given(text_and_offset())
def test_line_motions_stay_on_the_logical_line(case: tuple[str, int]) -> None:
    text, offset = case
    start, end = motions.line_start(text, offset), motions.line_end(text, offset)
    assert start <= end and "\n" not in text[start:end]
    assert start <= offset or text[offset - 1 : offset] == "\n"
