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


# ---------------------------------------------------------------------- e, and the passage a selection means

SENTENCES = "China is known as strict. However, more than 30% hold coins; it's (quite) rare.\n\nNext one."


def test_end_of_word_goes_to_the_last_letter_of_the_word_or_the_next_one() -> None:
    text = SENTENCES
    assert motions.end_of_word(text, 0) == text.index("a is")  # inside "China": its last letter
    assert motions.end_of_word(text, text.index("a is")) == text.index("s known")  # already there: next
    assert motions.end_of_word(text, text.index("strict") + 5) == text.index(". However")  # punctuation
    assert motions.end_of_word(text, text.index("rare") + 3) == text.index(".\n\nNext")
    assert motions.end_of_word(text, text.index(".\n\nNext")) == text.index("t one")  # over blank lines
    assert motions.end_of_word(text, len(text) - 1) == len(text) - 1  # no word after: stays
    assert motions.end_of_word("", 0) == 0


@pytest.mark.parametrize(
    ("selected", "meant"),
    [
        ("China is k", "China is"),  # v w w: the cursor on the next word's first letter
        ("as strict. H", "as strict."),  # v ): on the next sentence's first letter
        ("rare.\n\nN", "rare."),  # ) across a paragraph break
        (" known as ", "known as"),  # blanks around: trimmed
        ("China is", "China is"),  # exactly the words: kept
        ("China is kn", "China is kn"),  # two letters in: the user meant them
        ("is k", "is"),
        (" k", "k"),  # nothing else selected: the letter is all there is
        ("30% h", "30%"),
        ("strict.", "strict."),
    ],
)
def test_passage_is_the_words_the_selection_means(selected: str, meant: str) -> None:
    start = SENTENCES.index(selected)
    found = motions.passage(SENTENCES, start, start + len(selected))
    assert found is not None and SENTENCES[found[0] : found[1]] == meant


def test_passage_of_blanks_is_none() -> None:
    assert motions.passage("a  \n\t b", 1, 6) is None
    assert motions.passage("", 0, 0) is None
    assert motions.passage("word", 2, 2) is None


WORDY = st.text(alphabet=st.sampled_from([*"ab9Z.,;'", " ", "\n", "\t", "区", "é", "!"]), max_size=200)


@st.composite
def text_and_span(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(WORDY)
    start = draw(st.integers(0, len(text)))
    return text, start, draw(st.integers(start, len(text)))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_e_lands_on_the_last_character_of_a_word(data: st.DataObject) -> None:
    text = data.draw(WORDY)
    offset = data.draw(st.integers(0, len(text)))
    found = motions.end_of_word(text, offset)
    later = [m.end() - 1 for m in motions._WORD.finditer(text) if m.end() - 1 > offset]
    if not later:
        assert found == offset
        return
    assert found > offset and not text[found].isspace()
    word = next(m for m in motions._WORD.finditer(text) if m.start() <= found < m.end())
    assert found == word.end() - 1  # the word's last character: the next one starts another, or a blank
    assert found == later[0] or word.start() > offset  # the nearest word end after the cursor


@settings(max_examples=400, deadline=None)
@given(text_and_span())
def test_a_passage_starts_and_ends_on_a_non_blank_within_the_selection(case: tuple[str, int, int]) -> None:
    text, start, end = case
    found = motions.passage(text, start, end)
    if found is None:
        assert not text[start:end].strip()
        return
    low, high = found
    assert start <= low < high <= end
    assert not text[low].isspace() and not text[high - 1].isspace()
    assert not text[start:low].strip()  # only blanks left out before
    left = text[high:end].strip()  # after: blanks, and at most the letter a motion landed on
    landed = end < len(text) and not text[end].isspace() and text[end - 2].isspace()
    assert not left or (left == text[end - 1] and landed)
