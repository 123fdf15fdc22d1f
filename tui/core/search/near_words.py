"""The words of a list within a few edits of a misspelled one, without comparing them all.

A technical corpus holds half a million terms; a fuzzy word of 9 letters may be within two edits
of any of the 200,000 of 7 to 11 letters, and comparing each (rapidfuzz, in C) takes 40-50 ms a
query, more than splitting them into Python strings first. Most are ruled out by the letters
they hold: an edit adds, drops or swaps at most one letter of the set a word is made of, so two
words ``d`` edits apart differ in at most ``2 d`` of their letters. Each word's letters are kept
as a 64-bit mask (made with numpy from the joined words, never a Python pass over them), and
only the words whose mask is that close (under 1% of them) are taken out and compared.
(rapidfuzz, which compares them, is imported with the searcher: 20-40 ms that would otherwise
fall on the first fuzzy query.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

SEPARATOR = " "
"""Between the words of one length, as ``term_lists`` saves them (no term or word holds one)."""


def _mask_table() -> Any:
    """The mask of each ASCII character: letters and digits a bit each, the rest sharing 12 bits,
    the separators none."""
    table = np.array([1 << (36 + c % 12) for c in range(128)], dtype=np.uint64)
    for n, c in enumerate("abcdefghijklmnopqrstuvwxyz0123456789"):
        table[ord(c)] = 1 << n
    table[ord(" ")] = table[ord("\n")] = 0  # separators
    return table


_TABLE = _mask_table()
_ONE = np.uint64(1)


def _bits(points: Any) -> Any:
    """Each character's mask bit (code points in); characters past ASCII share the top 16 bits.
    Equal characters get the same bit, so two words' masks never differ in more bits than their
    sets of characters do."""
    bits = _TABLE[np.minimum(points, 127)]
    wide = points > 127
    if wide.any():
        bits[wide] = _ONE << (np.uint64(48) + (points[wide] & 15).astype(np.uint64))
    return bits


def _code_points(text: str) -> Any:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _mask_of(word: str) -> Any:
    return np.bitwise_or.reduce(_bits(_code_points(word)))


def _popcount(values: Any) -> Any:
    count = getattr(np, "bitwise_count", None)  # numpy 2
    if count is not None:
        return count(values)
    return np.unpackbits(values.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)


class WordsByLength:
    """Sorted words by length: for each length, the text holding them, where each begins and
    their masks. A length's words joined by ``SEPARATOR`` (as ``term_lists`` saves them) hold
    the ``i``-th at ``i * (length + 1)``; its starts and masks are made when first needed."""

    def __init__(self, groups: Mapping[int, str]) -> None:
        """``groups``: each length's words, sorted and joined by ``SEPARATOR`` (a mapping that
        decodes a length's only when it is asked for: most are never needed)."""
        self._groups = groups
        self._held = frozenset(n for n in groups if n > 0)
        self._texts: dict[int, str] = {}
        self._starts: dict[int, Any] = {}
        self._masks: dict[int, Any] = {}

    @classmethod
    def of_text(cls, text: str, separator: str = SEPARATOR) -> WordsByLength:
        """The words of ``text`` (sorted, a space or a line between two), every mask made at
        once with numpy: a Python pass over a technical corpus's 300,000 words takes longer
        than the query."""
        joined = separator + text + separator
        points = _code_points(joined)
        ends = np.flatnonzero(points == ord(separator))
        keep = np.flatnonzero(np.diff(ends) > 1)  # (no empty words)
        starts, lengths = ends[keep] + 1, np.diff(ends)[keep] - 1
        bits = _bits(points)  # (the separator's is none: a word's mask may take in the one after it)
        masks = np.bitwise_or.reduceat(bits, starts) if len(starts) else np.zeros(0, np.uint64)
        found = cls(dict.fromkeys(np.flatnonzero(np.bincount(lengths)).tolist(), joined))
        order = np.argsort(lengths, kind="stable")  # each length's words stay in order
        for group in np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1):
            if len(group):
                length = int(lengths[group[0]])
                found._texts[length] = joined
                found._starts[length] = starts[group]
                found._masks[length] = masks[group]
        return found

    @classmethod
    def of(cls, words: list[str]) -> WordsByLength:
        """``words`` (sorted), kept by length."""
        text = SEPARATOR.join(words)
        if text.count(SEPARATOR) == max(0, len(words) - 1):  # no word holds one, none is empty
            return cls.of_text(text)
        groups: dict[int, list[str]] = {}
        for word in words:
            groups.setdefault(len(word), []).append(word)
        return cls({n: SEPARATOR.join(group) for n, group in groups.items()})

    def lengths(self) -> list[int]:
        return sorted(self._held)

    def of_length(self, length: int) -> list[str]:
        """The words of ``length`` characters, in order."""
        if length not in self._held:
            return []
        starts = self._starts_of(length)  # (first: it may mend the text)
        text = self._texts[length]
        return [text[i : i + length] for i in starts.tolist()]

    def near(self, word: str, maxdist: int) -> dict[str, int]:
        """The words within ``maxdist`` edits of ``word`` (optimal string alignment: a swap of
        two neighbours is one edit) and their distances."""
        found: dict[str, int] = {}
        wanted = _mask_of(word)
        for length in range(max(1, len(word) - maxdist), len(word) + maxdist + 1):
            if length not in self._held:
                continue
            starts = self._starts_of(length)
            close = starts[_popcount(self._masks[length] ^ wanted) <= 2 * maxdist]
            text = self._texts[length]
            choices = [text[i : i + length] for i in close.tolist()]
            for term, distance, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=maxdist, limit=None
            ):
                found[term] = int(distance)
        return found

    def similar(self, word: str, score_cutoff: float, limit: int) -> list[str]:
        """The ``limit`` words most like ``word`` by rapidfuzz's ``fuzz.ratio`` (at least
        ``score_cutoff``), best first, then in order: what ``process.extract`` finds in all of
        them. The ratio is ``100 (1 - d / (m + n))`` for ``d`` letters inserted or deleted, and
        each changes a word's set of letters by one at most: only the lengths and masks that
        can reach it are compared."""
        wanted = _mask_of(word)
        found: list[tuple[float, str]] = []
        for length in self.lengths():
            most = int((1 - score_cutoff / 100) * (len(word) + length) + 1e-9)  # letters in or out
            if abs(len(word) - length) > most:
                continue
            starts = self._starts_of(length)
            close = starts[_popcount(self._masks[length] ^ wanted) <= most]
            text = self._texts[length]
            choices = [text[i : i + length] for i in close.tolist()]
            for other, score, _ in process.extract(
                word, choices, scorer=fuzz.ratio, score_cutoff=score_cutoff, limit=None
            ):
                found.append((-score, other))
        return [other for _, other in sorted(found)[:limit]]

    def _starts_of(self, length: int) -> Any:
        """Where each word of ``length`` begins in its text, its masks made with them. A joined
        length's text that does not divide so (only a damaged list could) keeps its words of
        that length alone."""
        if length not in self._starts:
            text = self._texts.get(length)
            if text is None:
                text = self._texts[length] = self._groups[length]
            points = _code_points(text + SEPARATOR)
            if len(points) % (length + 1) or (points[length :: length + 1] != ord(SEPARATOR)).any():
                text = SEPARATOR.join(w for w in text.split(SEPARATOR) if len(w) == length)
                self._texts[length] = text
                points = _code_points(text + SEPARATOR) if text else np.zeros(0, np.uint32)
            rows = points.reshape(-1, length + 1)[:, :length]
            self._starts[length] = np.arange(len(rows), dtype=np.int64) * (length + 1)
            self._masks[length] = np.bitwise_or.reduce(_bits(rows), axis=1)
        return self._starts[length]
