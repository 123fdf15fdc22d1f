"""Where an annotation sits in a document, and finding that place again after the text changed.

A target is a W3C-style pair of selectors on ``Document.text``: the quoted passage with up to 32
characters of context either side (TextQuoteSelector) and its code-point offsets
(TextPositionSelector). When the text changed, ``reanchor`` proceeds as Hypothesis does:

1. the stored offsets still hold the quote in its whole context: ``anchored``;
2. else the exact occurrence nearest the expected place whose whole context still fits, else the
   one whose context fits best, then the nearest: ``moved`` (or ``anchored`` at its old offsets);
3. unless that settled it, the passage as edited: the old quote with its context is aligned word
   by word (rapidfuzz's Indel alignment: the most words in common, in order) with the text
   around the expected place, or around the place rapidfuzz's partial match finds. The span
   runs from where the quote's first word aligns to where its last word does, so it covers the
   words inserted inside it and never starts or ends inside a word or on a space. It is taken
   when similar enough to the quote, the more so the less of its context agrees (``_accepted``),
   and wins over an exact occurrence elsewhere whose context fits worse: ``fuzzy``;
4. else ``orphaned``: the target is kept unchanged, so the quote is never lost.

A found target is rebuilt from the new text (``exact``, ``prefix`` and ``suffix`` as they are
now), so what it says and where it is always agree (``text[start:end] == exact``), and keeps the
quote as first made in ``original`` for the user to see what they highlighted.

Words are what ``_token()`` finds: runs of letters and digits with their combining marks, each Han
character or kana alone (CJK text has no spaces: a character is a word there), each other mark
that is not whitespace.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

CONTEXT = 32
"""Characters of prefix and suffix kept with a quote."""
FUZZY_ALONE = 0.85
"""Similarity (``_similarity``, 0-1) at which an edited passage is the quote, whatever surrounds it."""
CONTEXT_CREDIT = 0.30
"""How far context that agrees wholly lowers that bar (to 0.55): an edited passage between the same
surroundings is the same passage, even a short one with a long word inserted."""
MIN_FUZZY_QUOTE = 12
"""Quotes shorter than this many characters are too ambiguous to match fuzzily on their own ..."""
SHORT_CONTEXT = 0.5
"""... they are found fuzzily only where at least this share of their context agrees."""
SEARCH_CUTOFF = 70.0
"""Lowest rapidfuzz partial score (0-100) at which a place away from the old one is looked at closely:
unrelated prose sharing common words scores up to about 65, and the search costs less the higher it is."""
MAX_OCCURRENCES = 2_000
NEARBY = 256
"""Characters either side of the expected place searched first for an exact, well-fitting quote."""
SLACK = 64
"""Characters beyond a quote's own length aligned either side of the expected place: room for the
words inserted into it and for the distance it moved."""
FUZZY_WINDOW = 4_000
"""Characters either side of the old place searched first for a fuzzy match."""
FUZZY_WHOLE_TEXT = 2_000_000
"""Texts up to this size are searched whole when the window around the old place fails."""

Status = Literal["anchored", "moved", "fuzzy", "orphaned"]
STATUSES: tuple[Status, ...] = ("anchored", "moved", "fuzzy", "orphaned")
_Ops = list[tuple[str, int, int, int, int]]
"""An alignment: opcodes (tag, old start, old end, new start, new end) as rapidfuzz gives them."""

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
_MARKS = (  # combining marks, variation selectors, skin tones: never split from the character before
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
    "\U0001f3fb-\U0001f3ff\U000e0100-\U000e01ef"
)
_SCRIPTS = "\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f"
"""Indic, Thai, Lao and Myanmar: their vowel signs are marks, not letters, but inside words."""


@functools.cache
def _token() -> re.Pattern[str]:
    """A word (the scripts above), one CJK character, or one other character that is not
    whitespace. Compiled when first needed: its Unicode classes take milliseconds, at start-up."""
    return re.compile(
        rf"[{_CJK}][{_MARKS}]*|(?:[^\W{_CJK}]|[{_MARKS}{_SCRIPTS}])+|[\U0001f1e6-\U0001f1ff]{{2}}"
        rf"|\S(?:[{_MARKS}]|\u200d\S)*"
    )


@dataclass(frozen=True)
class Target:
    """A passage of a document: the quote, its context and its offsets (end exclusive)."""

    exact: str
    prefix: str
    suffix: str
    start: int
    end: int
    original: str = ""
    """The quote as the annotation was made, once re-anchoring found it edited ('' while ``exact``
    is still that quote)."""

    @property
    def original_quote(self) -> str:
        """The passage as it was quoted when the annotation was made."""
        return self.original or self.exact


def target_at(text: str, start: int, end: int) -> Target:
    """The target for ``text[start:end]``."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    return Target(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


def retarget(target: Target, text: str, start: int, end: int) -> Target:
    """``target`` moved to ``text[start:end]``, keeping the quote it was first made on."""
    found = target_at(text, start, end)
    first = target.original_quote
    return found if first == found.exact else replace(found, original=first)


def reanchor(target: Target, text: str, shift: int = 0) -> tuple[Target, Status]:
    """Find ``target`` in ``text``: the new target and how it was found.

    ``shift`` is a hint: how far the previous annotation moved (edits above a passage move
    everything below by the same amount), tried before the text is searched as a whole.
    """
    if not target.exact:
        return target, "orphaned"
    at = _exact_place(target, text, shift)
    whole = len(target.prefix) + len(target.suffix)
    if at is not None and _context_fit(target, text, at) == whole:
        return _placed(target, text, at, at + len(target.exact))
    fuzzy = _fuzzy(target, text, shift)
    if at is not None:
        end = at + len(target.exact)
        same_place = fuzzy is not None and fuzzy.start < end and at < fuzzy.end
        if fuzzy is None or same_place or 1.0 + _agreement(target, text, at, end) >= fuzzy.score:
            return _placed(target, text, at, end)
    if fuzzy is not None:
        return retarget(target, text, fuzzy.start, fuzzy.end), "fuzzy"
    return target, "orphaned"


def reanchor_all(targets: Sequence[Target], text: str) -> list[tuple[Target, Status]]:
    """Re-anchor many targets, in document order, passing each shift on as the next hint."""
    found: list[tuple[Target, Status]] = []
    shift = 0
    for target in targets:
        new, status = reanchor(target, text, shift)
        if status != "orphaned":
            shift = new.start - target.start
        found.append((new, status))
    return found


def _placed(target: Target, text: str, start: int, end: int) -> tuple[Target, Status]:
    """The exact quote found at ``start``: where it was (``anchored``) or elsewhere (``moved``)."""
    return retarget(target, text, start, end), "anchored" if start == target.start else "moved"


# --------------------------------------------------------------------------- exact occurrences


def _exact_place(target: Target, text: str, shift: int) -> int | None:
    """The best exact occurrence of the quote: at its offsets when its context still fits there,
    else the nearest one around the expected place whose whole context fits, else the best."""
    whole = len(target.prefix) + len(target.suffix)
    if text[target.start : target.end] == target.exact and _context_fit(target, text, target.start) == whole:
        return target.start
    near = _nearby_perfect_fit(target, text, shift)
    return near if near is not None else _best_occurrence(target, text)


def _nearby_perfect_fit(target: Target, text: str, shift: int) -> int | None:
    """The occurrence nearest the expected place (old, or shifted) whose whole context still fits."""
    best = len(target.prefix) + len(target.suffix)
    for guess in dict.fromkeys((target.start + shift, target.start)):
        high = guess + NEARBY + len(target.exact)
        fits = []
        at = text.find(target.exact, max(0, guess - NEARBY), high)
        while at >= 0:
            if _context_fit(target, text, at) == best:
                fits.append(at)
            at = text.find(target.exact, at + 1, high)
        if fits:
            return min(fits, key=lambda s: abs(s - guess))
    return None


def _best_occurrence(target: Target, text: str) -> int | None:
    starts: list[int] = []
    at = text.find(target.exact)
    while at >= 0 and len(starts) < MAX_OCCURRENCES:
        starts.append(at)
        at = text.find(target.exact, at + 1)
    if not starts:
        return None
    return max(starts, key=lambda s: (_context_fit(target, text, s), -abs(s - target.start)))


def _context_fit(target: Target, text: str, start: int) -> int:
    """Characters of the stored prefix and suffix that match around ``start``."""
    end = start + len(target.exact)
    before = text[max(0, start - len(target.prefix)) : start]
    after = text[end : end + len(target.suffix)]
    return _common_prefix(before[::-1], target.prefix[::-1]) + _common_prefix(after, target.suffix)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


# --------------------------------------------------------------------------- the passage as edited


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    score: float
    """Similarity of the quote plus agreement of the context (each 0-1): compared with an exact
    occurrence's 1 plus its context's agreement."""


def _fuzzy(target: Target, text: str, shift: int) -> _Match | None:
    """The edited passage: aligned at the expected place first, then where a search finds it."""
    for start, end in _places(target, text, shift):
        found = _aligned(target, text, start, end)
        if found is not None:
            return found
    return None


def _places(target: Target, text: str, shift: int) -> Iterator[tuple[int, int]]:
    """Rough places of the passage (a generator: the costly whole-text search runs only if needed)."""
    length = len(target.exact)
    for guess in dict.fromkeys((target.start + shift, target.start)):
        yield guess, guess + length
    from rapidfuzz import fuzz  # here, not at the top: the indexer's start-up never needs it

    reach = FUZZY_WINDOW + length
    low = max(0, min(target.start + shift, len(text)) - reach)
    windows = [(low, text[low : low + 2 * reach])]
    if len(text) <= FUZZY_WHOLE_TEXT and len(windows[0][1]) < len(text):
        windows.append((0, text))
    for base, window in windows:
        if len(window) <= length:  # the aligned stretch around the guess held all of it
            continue
        found = fuzz.partial_ratio_alignment(target.exact, window, score_cutoff=SEARCH_CUTOFF)
        if found is not None:
            yield base + found.dest_start, base + found.dest_end


def _aligned(target: Target, text: str, start: int, end: int) -> _Match | None:
    """The quote's words aligned with the text around ``start:end``; None when not similar enough.

    The old quote with its prefix and suffix is aligned word by word with a stretch of the text
    around the rough place (whitespace is not a word: a changed space or line break changes no
    word). The new span runs from where the quote's first word aligns to where its last word
    does: words inserted before the first or after the last are outside, a word that replaced
    either is inside, and one deleted hands its part to its neighbour inside the quote.
    """
    from rapidfuzz.distance import Indel

    old_text = target.prefix + target.exact + target.suffix
    slack = len(target.exact) + SLACK
    low = max(0, start - len(target.prefix) - slack)
    high = min(len(text), end + len(target.suffix) + slack)
    old = _Side(old_text, _words(old_text, 0, len(old_text)), 0, len(old_text))
    new = _Side(text, _words(text, low, high), low, high)
    if not old.words or not new.words:
        return None
    first, last = _quote_words(old.words, len(target.prefix), len(target.prefix) + len(target.exact))
    blocks = _blocks(_listed(Indel.opcodes(old.keys(), new.keys())))
    begin, stop = _start_in(blocks, old, new, first), _end_in(blocks, old, new, last - 1)
    if begin is None or stop is None or begin >= stop:
        return None
    similarity = _similarity(target.exact, text[begin:stop])
    agreement = _agreement(target, text, begin, stop)
    if not _accepted(similarity, agreement, len(target.exact)):
        return None
    return _Match(begin, stop, similarity + agreement)


@dataclass(frozen=True)
class _Side:
    """One side of an alignment: a stretch ``low:high`` of a text and its words (start, end)."""

    text: str
    words: list[tuple[int, int]]
    low: int
    high: int

    def keys(self) -> list[str]:
        return [self.text[s:e] for s, e in self.words]

    def is_word(self, i: int) -> bool:
        """Whether word ``i`` is one (letters, digits, CJK), not a punctuation mark."""
        start, end = self.words[i]
        return any(c.isalnum() for c in self.text[start:end])

    def around(self, first: int, stop: int) -> tuple[int, int]:
        """The characters of words ``first:stop`` with the whitespace either side of them."""
        low = self.words[first - 1][1] if first > 0 else self.low
        high = self.words[stop][0] if stop < len(self.words) else self.high
        return low, high


def _words(text: str, low: int, high: int) -> list[tuple[int, int]]:
    return [m.span() for m in _token().finditer(text, low, high)]


def _quote_words(words: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The words the quote ``start:end`` touches (widened to whole words): first, last + 1."""
    first = next((i for i, (_, e) in enumerate(words) if e > start), len(words))
    last = next((i for i in range(len(words) - 1, -1, -1) if words[i][0] < end), -1) + 1
    return first, last


def _listed(opcodes: Iterable[Any]) -> _Ops:
    """rapidfuzz's Opcodes as plain tuples."""
    return [(op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end) for op in opcodes]


def _blocks(ops: _Ops) -> _Ops:
    """The alignment as runs of equal words and runs of changes (deletions and insertions together:
    a word replaced is its deletion beside its insertion)."""
    blocks: _Ops = []
    for tag, i1, i2, j1, j2 in ops:
        if tag != "equal" and blocks and blocks[-1][0] == "change":
            blocks[-1] = ("change", blocks[-1][1], i2, blocks[-1][3], j2)
        else:
            blocks.append((tag if tag == "equal" else "change", i1, i2, j1, j2))
    return blocks


def _start_in(blocks: _Ops, old: _Side, new: _Side, word: int) -> int | None:
    """Where the old word ``word`` starts in the new text: at its equal, or, when it changed, at
    the new word its characters align to (the first after the change when it was deleted)."""
    for tag, i1, i2, j1, j2 in blocks:
        if i1 <= word < i2:
            if tag == "equal":
                return new.words[j1 + word - i1][0]
            old_low, old_high = old.around(i1, i2)
            new_low, new_high = new.around(j1, j2)
            at = new_low + _char_start(
                old.text[old_low:old_high], new.text[new_low:new_high], old.words[word][0] - old_low
            )
            after = [s for s, e in new.words[j1:j2] if e > at]
            if after:
                return after[0]
            # deleted: the passage starts at the next word, not at the punctuation that preceded it
            return next((new.words[j][0] for j in range(j2, len(new.words)) if new.is_word(j)), None)
    return None


def _end_in(blocks: _Ops, old: _Side, new: _Side, word: int) -> int | None:
    """Where the old word ``word`` ends in the new text (the same rules, mirrored)."""
    for tag, i1, i2, j1, j2 in blocks:
        if i1 <= word < i2:
            if tag == "equal":
                return new.words[j1 + word - i1][1]
            old_low, old_high = old.around(i1, i2)
            new_low, new_high = new.around(j1, j2)
            at = new_low + _char_end(
                old.text[old_low:old_high], new.text[new_low:new_high], old.words[word][1] - old_low
            )
            before = [e for s, e in new.words[j1:j2] if s < at]
            if before:
                return before[-1]
            return next((new.words[j][1] for j in range(j1 - 1, -1, -1) if new.is_word(j)), None)
    return None


def _char_start(old: str, new: str, at: int) -> int:
    """Where character ``at`` of ``old`` is in ``new`` (rapidfuzz's Levenshtein alignment): a
    character replaced is where its replacement is, one deleted where the next one is."""
    from rapidfuzz.distance import Levenshtein

    for tag, i1, i2, j1, j2 in _listed(Levenshtein.opcodes(old, new)):
        if i1 <= at < i2:
            return j1 if tag == "delete" else min(j1 + at - i1, j2)
    return len(new)


def _char_end(old: str, new: str, at: int) -> int:
    """Where the characters of ``old`` before ``at`` end in ``new`` (mirrors ``_char_start``)."""
    from rapidfuzz.distance import Levenshtein

    for tag, i1, i2, j1, j2 in _listed(Levenshtein.opcodes(old, new)):
        if i1 < at <= i2:
            return j1 if tag == "delete" else min(j1 + at - i1, j2)
    return 0


def _similarity(quote: str, found: str) -> float:
    """How alike a passage is to the quote (0-1): the mean of how alike their letters are and how
    alike their words are (rapidfuzz's normalised Indel, whitespace folded). Letters alone would
    take a quote's longest word found elsewhere for the quote; words alone, a word's new ending
    for a new word."""
    from rapidfuzz.distance import Indel

    letters = float(Indel.normalized_similarity(" ".join(quote.split()), " ".join(found.split())))
    quoted = _word_list(quote)
    if len(quoted) < 2:  # one word: its letters are all there is to compare
        return letters
    return (letters + float(Indel.normalized_similarity(quoted, _word_list(found)))) / 2


def _word_list(text: str) -> list[str]:
    return [text[s:e] for s, e in _words(text, 0, len(text))]


def _agreement(target: Target, text: str, start: int, end: int) -> float:
    """How much of the stored context is still around ``start:end`` (0-1, weighted by length).

    Compared word by word: unrelated prose shares as good as no words in order, where its letters
    would agree by half.
    """
    prefix, suffix = target.prefix, target.suffix
    if not prefix and not suffix:
        return 0.0
    agreed = len(prefix) * _word_similarity(prefix, text[max(0, start - len(prefix)) : start])
    agreed += len(suffix) * _word_similarity(suffix, text[end : end + len(suffix)])
    return agreed / (len(prefix) + len(suffix))


def _word_similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import Indel

    words_a, words_b = _word_list(a), _word_list(b)
    if not words_a or not words_b:
        return 1.0 if not words_a and not words_b and bool(a) == bool(b) else 0.0
    return float(Indel.normalized_similarity(words_a, words_b))


def _accepted(similarity: float, agreement: float, length: int) -> bool:
    """Whether an edited passage is still the quote: similar enough, less so where context agrees."""
    if length < MIN_FUZZY_QUOTE and agreement < SHORT_CONTEXT:
        return False
    return similarity >= FUZZY_ALONE - CONTEXT_CREDIT * agreement
