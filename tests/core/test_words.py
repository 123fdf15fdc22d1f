"""``word_count.count_words`` counts words the fast way (bytes mapped to blank or word): it must
say exactly what ``len(text.split())`` says, on any text."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.word_count import _WIDE_BLANKS, count_words

BLANKS = st.sampled_from(
    [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2003", "\u3000"]
)
WORDS = st.sampled_from(["word", "café", "中文", "\U0001f600", "\ud800", "e\u0301", "\x1b[31m", "\u200b"])


@settings(max_examples=500)
@given(st.one_of(st.text(), st.lists(st.one_of(BLANKS, WORDS), max_size=50).map("".join)))
def test_count_words_is_split(text: str) -> None:
    assert count_words(text) == len(text.split())


def test_every_blank_past_ascii_is_known() -> None:
    """The pattern of blanks past ASCII is every code point ``str.isspace`` calls blank."""
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        assert char.isspace() == bool(_WIDE_BLANKS.match(char)), hex(code)
