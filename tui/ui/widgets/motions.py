"""Cursor motions over plain text, as offsets: words, sentences, paragraphs; and the passage a
selection means.

Pure functions, so the reader's keyboard selection (``w b e ( ) { }``) is tested without a
terminal and behaves the same on any width: motions work on the text, not on wrapped lines.

A keyboard selection holds the character under the cursor, so ``v w`` and ``v )`` end on the first
letter of the next word or sentence, as in vim. ``passage`` is what such a selection means when
it is used (annotated, copied): the words, without that letter and without blanks around them.
It only ever shrinks the selection, so nothing is saved that the user did not see selected.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+|[^\w\s]+")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*(?=\s|$)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_WORD_CHAR = re.compile(r"\w")
_WORD_RUN = re.compile(r"\w*")
_PUNCTUATION_RUN = re.compile(r"[^\w\s]*")
_CHUNK = 4096


def next_word(text: str, offset: int) -> int:
    """Start of the next word after ``offset`` (or the end of the text)."""
    here = _WORD.match(text, offset)
    found = _WORD.search(text, here.end() if here else offset)
    return found.start() if found else len(text)


def previous_word(text: str, offset: int) -> int:
    """Start of the word before ``offset`` (or of the word the offset is inside).

    Walks back in chunks, each read once: first over the blanks, then over the run of word (or
    punctuation) characters, so a long gap or a long word costs its length, not its square.
    """
    end = _after_last_non_space(text, offset)
    if end == 0:
        return 0
    run = _WORD_RUN if _WORD_CHAR.match(text, end - 1) else _PUNCTUATION_RUN
    start = end
    while start > 0:
        low = max(0, start - _CHUNK)
        found = run.match(text[low:start][::-1])  # a run backwards is a run forwards, reversed
        length = found.end() if found else 0
        start -= length
        if length < _CHUNK:
            break
    return start


def _after_last_non_space(text: str, offset: int) -> int:
    """Just after the last non-blank character before ``offset`` (0 when there is none)."""
    high = offset
    while high > 0:
        low = max(0, high - _CHUNK)
        kept = text[low:high].rstrip()
        if kept:
            return low + len(kept)
        high = low
    return 0


def word_end(text: str, offset: int) -> int:
    """End (exclusive) of the word at or after ``offset``."""
    match = _WORD.search(text, offset)
    return match.end() if match else len(text)


def end_of_word(text: str, offset: int) -> int:
    """The last character of the word ending after ``offset`` (vim's ``e``): of the word the
    cursor is in, or of the next one when it is on a word's last character already (``offset``
    when no word ends after it). Punctuation runs are words, as for ``next_word``."""
    match = _WORD.search(text, offset + 1)
    return match.end() - 1 if match else offset


def passage(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The words a selection ``[start, end)`` means: None when it holds only blanks.

    When its last character is the first of a word that goes on past it (after a blank), the
    cursor landed there by moving a word or sentence on (``v w``, ``v )``): that letter is
    dropped. Blanks at either end are trimmed. The result lies within ``[start, end)``.
    """
    start, end = max(start, 0), min(end, len(text))
    if (
        end - start >= 2
        and end < len(text)
        and text[end - 2].isspace()
        and not text[end - 1].isspace()
        and not text[end].isspace()
    ):
        dropped = _trim(text, start, end - 1)
        if dropped is not None:
            return dropped
    return _trim(text, start, end)


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def next_sentence(text: str, offset: int) -> int:
    """Start of the next sentence (after the next sentence end), or the end of the text."""
    match = _SENTENCE_END.search(text, offset)
    paragraph = _PARAGRAPH_BREAK.search(text, offset)
    ends = [m.end() for m in (match, paragraph) if m]
    if not ends:
        return len(text)
    return _skip_space(text, min(ends))


def previous_sentence(text: str, offset: int) -> int:
    """Start of the sentence holding ``offset``, or of the one before when already at a start."""
    start = _sentence_start(text, offset)
    if start >= offset > 0:
        start = _sentence_start(text, _skip_space_back(text, offset - 1))
    return start


def _sentence_start(text: str, offset: int) -> int:
    low = max(0, offset - 5_000)
    best = 0 if low == 0 else low
    for pattern in (_SENTENCE_END, _PARAGRAPH_BREAK):
        for match in pattern.finditer(text, low, offset):
            if match.end() <= offset:
                best = max(best, match.end())
    return min(_skip_space(text, best), offset) if best < offset else best


def next_paragraph(text: str, offset: int) -> int:
    """Start of the next paragraph (after a blank line), or the end of the text."""
    match = _PARAGRAPH_BREAK.search(text, offset)
    return _skip_space(text, match.end()) if match else len(text)


def previous_paragraph(text: str, offset: int) -> int:
    """Start of the paragraph holding ``offset``, or of the one before when already at a start."""
    start = _paragraph_start(text, offset)
    if start >= offset > 0:
        start = _paragraph_start(text, _skip_space_back(text, offset - 1))
    return start


def _paragraph_start(text: str, offset: int) -> int:
    best = 0
    for match in _PARAGRAPH_BREAK.finditer(text, max(0, offset - 50_000), offset):
        if match.end() <= offset:
            best = match.end()
    start = _skip_space(text, best)  # blank lines of spaces, or several, belong to no paragraph
    return start if start <= offset else best


def line_start(text: str, offset: int) -> int:
    """Start of the logical line holding ``offset``."""
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Offset of the last character of the logical line holding ``offset``."""
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    return max(end - 1, line_start(text, offset))


def _skip_space(text: str, offset: int) -> int:
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def _skip_space_back(text: str, offset: int) -> int:
    while offset > 0 and text[offset].isspace():
        offset -= 1
    return offset
