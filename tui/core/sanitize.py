"""Make untrusted text safe to put on a terminal.

Document text may carry ANSI/OSC escape sequences or other control characters that would
drive the user's terminal. ``visible`` replaces each such character by exactly one visible
stand-in (the Unicode "control pictures", so ESC shows as ␛), keeping code-point offsets
identical between the stored text, the index's hit spans, annotations and what is displayed.
It leaves every other character alone: the reader shows a document as it was written.

``visible`` is on the way to the screen of every document opened, so it costs what a regular
expression scan costs: a text with nothing to replace is returned as it is after one search, and
one with a few controls (a stray escape sequence in a 5 MB file) has just those runs replaced.
``str.translate`` over the whole text, its careful path, takes some 45 ns a character once its
table maps outside ASCII, over ten times the scan (0.23 s for 5 MB); it is kept for text dense
with controls, where replacing run by run would cost more.

Labels (a title, a file name, a tag, a source, a message about a file) are one line and carry
no offsets, so ``visible_line`` also drops the invisible format characters: bidirectional
overrides and isolates, which would reorder the label and what follows it on screen, and
zero-width characters, which hide text inside a name. ``visible_line_spans`` does the same for
a one-line snippet and moves its highlight spans along.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

_TABLE = {code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A)}
_TABLE[0x7F] = 0x2421  # ␡
_TABLE.update({code: 0xFFFD for code in range(0x80, 0xA0)})  # C1 controls, e.g. the 8-bit CSI
_TABLE.update({code: 0xFFFD for code in range(0xD800, 0xE000)})  # lone surrogates: no terminal can take one
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Whatever ``_TABLE`` replaces: most texts have none, and a search is far cheaper than a translate."""
_UNSAFE_RUN = re.compile(_UNSAFE.pattern + "+")
DENSE = 64
"""Replaced runs at most one per this many characters: with more, one translate is cheaper than
a splice per run."""

_LINE_TABLE = {0x09: 0x20, 0x0A: 0x240A, 0x2028: 0x20, 0x2029: 0x20}  # tab, ␊, line/paragraph separators
_BREAKS = re.compile("[\t\n\u2028\u2029]")
_INVISIBLE = re.compile(
    "["
    "\u00ad"  # soft hyphen
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u180e\u200b-\u200d\u2060-\u2064\ufeff"  # zero-width spaces, joiners, invisible operators
    "\u206a-\u206f\ufff9-\ufffb"  # deprecated format controls, interlinear annotation
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers: letters that draw nothing
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"  # shorthand and musical format controls
    "\U000e0000-\U000e007f"  # tag characters (invisible ASCII)
    "]"
)


def visible(text: str) -> str:
    """``text`` with every control character but tab and newline shown as one visible glyph."""
    found = _UNSAFE.search(text)
    if found is None:
        return text
    # Searched one character at a time: a run pattern (``[...]+``) loses re's fast scan for a
    # set of characters and takes three times as long over clean text.
    pieces: list[str] = []
    kept, budget = 0, len(text) // DENSE
    while found is not None:
        budget -= 1
        if budget < 0:
            return text.translate(_TABLE)
        run = _UNSAFE_RUN.match(text, found.start())
        assert run is not None  # (it starts with the character found)
        pieces += (text[kept : run.start()], run.group().translate(_TABLE))
        kept = run.end()
        found = _UNSAFE.search(text, kept)
    pieces.append(text[kept:])
    return "".join(pieces)


def has_unsafe(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``visible`` would change anything in ``text[start:end]`` (a scan of that range only)."""
    return _UNSAFE.search(text, start, len(text) if end is None else end) is not None


def visible_line(text: str) -> str:
    """``text`` for a one-line label: controls shown (a newline as ␊, a tab as a space) and
    invisible format characters (bidi controls, zero-width characters) dropped."""
    shown = _INVISIBLE.sub("", visible(text))
    return shown.translate(_LINE_TABLE) if _BREAKS.search(shown) else shown


def visible_line_spans(
    text: str, spans: Sequence[tuple[int, int]]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``visible_line(text)`` and ``spans`` (offsets into ``text``) moved to match it."""
    dropped = [m.start() for m in _INVISIBLE.finditer(text)]
    if not dropped:
        return visible_line(text), tuple(spans)

    def moved(offset: int) -> int:
        return offset - bisect_left(dropped, offset)

    return visible_line(text), tuple((moved(start), moved(end)) for start, end in spans)
