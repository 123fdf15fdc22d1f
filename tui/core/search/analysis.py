"""The one tokeniser: how text becomes index terms, for every path that writes or reads them.

Latin words are lower-cased and Porter-stemmed; Han, Kana and Hangul runs become overlapping
bigrams; ``_ . -`` and camelCase humps split compound words into parts, and the index also
holds each compound whole at its first part's position. Queries (``tokens``), the writers
(``index_tokens``, ``term_offsets``, the array tokeniser of ``whoosh.pool``) and highlighting
all use these functions, and tests hold the fast paths to the reference ones.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from operator import itemgetter

from tui.core.search.porter import stem as porter_stem

MAX_WORD_CHARS = 80
"""Whoosh's parser and fuzzy expansion are quadratic in word length; longer words are refused."""
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)


class _Patterns:
    """The analyzer's regular expressions, each compiled when first used: the CJK ranges make
    each take milliseconds (a first search needs two of eight, the unchanged check none)."""

    @functools.cached_property
    def token(self) -> re.Pattern[str]:
        """A Latin word, or a CJK run (group 1)."""
        return re.compile(f"([{_CJK}]+)|[^\\W_{_CJK}]+")

    @functools.cached_property
    def latin_word(self) -> re.Pattern[str]:
        return re.compile(f"[^\\W\\d_{_CJK}]{{3,30}}")

    @functools.cached_property
    def plain_word(self) -> re.Pattern[str]:
        """A query word that is not a field name, prefix or wildcard (a misspelling~ is one: a
        failed fuzzy search still suggests a spelling)."""
        return re.compile(r"(?<![\w:*?~-])([^\W\d_]{3,})(?![\w:*?])")

    @functools.cached_property
    def split(self) -> re.Pattern[str]:
        """``token`` as one group, for ``re.split``."""
        return re.compile(f"([{_CJK}]+|[^\\W_{_CJK}]+)")

    @functools.cached_property
    def cjk(self) -> re.Pattern[str]:
        return re.compile(f"[{_CJK}]")

    @functools.cached_property
    def compound(self) -> re.Pattern[str]:
        """Words joined by ``_``, ``.`` or ``-`` (``spin_lock``, ``os.path``, ``2020-01-19``),
        from a word's start only: tried inside a word, it would scan the rest again."""
        return re.compile(f"(?<![^\\W_{_CJK}])[^\\W_{_CJK}]+(?:[._-][^\\W_{_CJK}]+)+")

    @functools.cached_property
    def camel(self) -> re.Pattern[str]:
        """Where a camelCase word has a boundary inside (``get|Element``, ``HTTP|Server``):
        ``[a-z][A-Z]|[A-Z][A-Z][a-z]{2}``, written to start at a capital (five times faster)."""
        return re.compile(r"[A-Z](?:(?<=[a-z].)|(?=[A-Z][a-z]{2}))")

    @functools.cached_property
    def camel_boundary(self) -> re.Pattern[str]:
        """The same boundaries, zero-width, to split at."""
        return re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})")


@functools.cache
def compiled_patterns() -> _Patterns:
    """The analyzer's regular expressions (one object per process; threads may compile a
    pattern twice, never wrongly)."""
    return _Patterns()


_stems: dict[str, str] = {}


def stem(word: str) -> str:
    """Porter stem of a lower-case word, memoised (the vocabulary is small, tokens are many)."""
    try:
        return _stems[word]
    except KeyError:
        result = _stems[word] = porter_stem(word) if len(word) <= 40 else word
        return result


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """Words of ``text`` as (term, start, end), split into their parts: stemmed Latin words and
    CJK bigrams. This is how a query reads its words.

    ``_``, ``.`` and ``-`` separate words, and so does a camelCase hump: ``spin_lock`` is
    ``spin`` then ``lock``, ``getElementById`` is ``get element by id``. A query word written
    so becomes the phrase of its parts, which finds the identifier and the words in prose."""
    patterns = compiled_patterns()
    humps = patterns.camel.search(text) is not None
    for match in patterns.token.finditer(text):
        run = match.group(1)
        start = match.start()
        if run is None:
            word = match.group()
            if humps and patterns.camel.search(word):
                yield from _camel_parts(word, start)
            else:
                yield stem(word.lower()), start, match.end()
        elif len(run) == 1:
            yield run, start, start + 1
        else:
            for i in range(len(run) - 1):
                yield run[i : i + 2], start + i, start + i + 2


def _camel_parts(word: str, start: int) -> Iterator[tuple[str, int, int]]:
    at = 0
    for boundary in [*(m.start() for m in compiled_patterns().camel_boundary.finditer(word)), len(word)]:
        if boundary > at:
            yield stem(word[at:boundary].lower()), start + at, start + boundary
        at = boundary


def index_tokens(text: str) -> list[tuple[str, int, int, int]]:
    """The terms ``text`` is indexed under, as (term, position, start, end), in position order.

    Each word's parts (``tokens``), and each compound word whole (``spin_lock``, ``os.path``,
    ``getElementById``) at the position of its first part: a phrase of the parts and the
    whole word written without humps (``getelementbyid``) both find it."""
    parts = list(tokens(text))
    found = [(term, pos, start, end) for pos, (term, start, end) in enumerate(parts)]
    wholes = compound_spans(text)
    if wholes:
        starts = [start for _, start, _ in parts]
        for start, end in wholes:
            found.append(
                (_whole_term(text[start:end].lower()), bisect.bisect_left(starts, start), start, end)
            )
        found.sort(key=itemgetter(1))
    return found


def _whole_term(word: str) -> str:
    """A camelCase word is stemmed like the one word a query would write it as; a joined one
    is kept as written (a query reads it as a phrase; only ``spin_lo*`` and the like reach it)."""
    return word if JOINERS.intersection(word) else stem(word)


JOINERS = frozenset("._-")
"""What joins the parts of a compound word (one of them, between two words)."""


def compound_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the compound words of ``text``: joined by separators, or camelCase."""
    patterns = compiled_patterns()
    spans = {m.span() for m in patterns.compound.finditer(text)}
    if patterns.camel.search(text):
        for match in patterns.token.finditer(text):
            if match.lastindex is None and patterns.camel.search(match.group()):
                spans.add(match.span())
    return sorted(span for span in spans if span[1] - span[0] <= MAX_WORD_CHARS)


def term_offsets(text: str) -> dict[str, list[int]]:
    """Each term of ``text`` with its occurrences flattened: position, start, end, position, ...

    The same terms as ``index_tokens``; a text without compound words (most prose) is
    tokenised inline, as this runs once per token of every document.
    """
    lower = text.lower()
    patterns = compiled_patterns()
    # A letter that lower-cases to two would shift offsets; a capital sigma lower-cases by what
    # stands around it (word-final or not), and ``tokens`` lower-cases one word at a time.
    if (
        len(lower) != len(text)
        or "Σ" in text
        or patterns.compound.search(lower) is not None
        or patterns.camel.search(text) is not None
    ):
        return _term_offsets_slowly(text)
    found: dict[str, list[int]] = {}
    entry_of = found.get
    stems = _stems
    pos = 0
    for match in patterns.token.finditer(lower):
        if match.lastindex is not None:  # a CJK run
            pos = _add_cjk_run(found, match.group(1), match.start(), pos)
            continue
        word = match.group()
        term = stems.get(word) or stem(word)
        entry = entry_of(term)
        if entry is None:
            found[term] = [pos, *match.span()]
        else:
            entry += (pos, *match.span())
        pos += 1
    return found


def _term_offsets_slowly(text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for term, pos, start, end in index_tokens(text):
        found.setdefault(term, []).extend((pos, start, end))
    return found


def _add_cjk_run(found: dict[str, list[int]], run: str, start: int, pos: int) -> int:
    """Add a CJK run's bigrams (or its single character); the next position."""
    if len(run) == 1:
        found.setdefault(run, []).extend((pos, start, start + 1))
        return pos + 1
    for i in range(len(run) - 1):
        found.setdefault(run[i : i + 2], []).extend((pos, start + i, start + i + 2))
        pos += 1
    return pos


def vocabulary_of(text: str) -> set[str]:
    """Surface forms of the Latin words in ``text``, for spelling suggestions."""
    return set(compiled_patterns().latin_word.findall(text.lower()))
