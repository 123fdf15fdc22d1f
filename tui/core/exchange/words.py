"""A text as words with their offsets, and a sequence of words found back in a text.

Formats that label words rather than character spans (CoNLL/IOB) need the words of a text, each
with its code-point offsets, covering every character that is not whitespace: a passage is then
the words it covers, and a file that gives only the words can be matched back to the text it
came from. The words are lectern's own (``tui.core.search.analysis``: the tokeniser that indexes
and searches), as written rather than as index terms: a run of letters and digits is one word,
a Han, kana or Hangul run is one word per character (the index's bigrams overlap, and a word may
carry one label only), and any other character that is not whitespace (punctuation, a symbol,
an emoji) is a word of its own. Combining marks, variation selectors, skin tones and what a
zero-width joiner joins stay with the character before them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from tui.core.search.analysis import compiled_patterns

_MAX_STARTS = 1_000
"""Places a sequence of words is tried at (each occurrence of its first word) before giving up."""


def words_of(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each word of ``text``, in order; whitespace is in none of them."""
    found: list[tuple[int, int]] = []
    at = 0
    for match in compiled_patterns().token.finditer(text):
        _others(text, at, match.start(), found)
        if match.group(1) is not None:  # a CJK run: one word per character
            found.extend((i, i + 1) for i in range(match.start(), match.end()))
        else:
            found.append(match.span())
        at = match.end()
    _others(text, at, len(text), found)
    return _joined(text, found)


def _others(text: str, start: int, end: int, found: list[tuple[int, int]]) -> None:
    """Each character between two of the tokeniser's words that is not whitespace: a word."""
    found.extend((i, i + 1) for i in range(start, end) if not text[i].isspace())


def _joined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans with a mark (or what a zero-width joiner joins) merged into the span before it."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start and (_joins(text[start]) or text[start - 1] == "\u200d"):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _joins(char: str) -> bool:
    """Whether a character belongs to the one before it: a combining mark, a variation selector
    (both marks to Unicode), a zero-width joiner, a skin tone, an emoji tag."""
    return (
        unicodedata.category(char).startswith("M")
        or char == "\u200d"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
        or "\U000e0020" <= char <= "\U000e007f"
    )


def align(words: Sequence[str], text: str) -> list[tuple[int, int]] | None:
    """Where each of ``words`` is in ``text``: the first at one of its occurrences, each next one
    after only whitespace; None when the text does not hold them so.

    So a file's words find their text whoever split them into words (``do`` ``n't`` as well as
    lectern's ``don`` ``'`` ``t``), as long as they are its characters, in order.
    """
    if not words or not all(words):
        return None
    first = words[0]
    at, tried = text.find(first), 0
    while at >= 0 and tried < _MAX_STARTS:
        found = _from(words, text, at)
        if found is not None:
            return found
        at, tried = text.find(first, at + 1), tried + 1
    return None


def _from(words: Sequence[str], text: str, at: int) -> list[tuple[int, int]] | None:
    spans = [(at, at + len(words[0]))]
    pos = spans[0][1]
    length = len(text)
    for word in words[1:]:
        while pos < length and text[pos].isspace():
            pos += 1
        if not text.startswith(word, pos):
            return None
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans
