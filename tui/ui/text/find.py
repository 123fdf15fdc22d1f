"""Find in one document (literal text, or a regular expression between slashes), and the places
``n`` and ``N`` step through: the search's hits, or the find's matches while there is a find.

``ctrl+f`` in the reader looks for what the user types in the document's text, not in the index:
any string, punctuation and all. ``/pattern/`` (optionally ``/pattern/i``) is a Python regular
expression; anything else is literal. Both ignore case unless the query has a capital letter
(as vim's smartcase). A pattern that does not compile, or that takes longer than
``FIND_SECONDS`` on the document (catastrophic backtracking), is a ``FindError`` with a message
to show, never a crash or a frozen screen: patterns run on the ``regex`` package, whose
matching can be stopped by a timeout (Python's ``re`` cannot). A pattern that matches the empty
string matches nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from tui.ui.wording import counted

Span = tuple[int, int]
MAX_MATCHES = 10_000
"""Matches found at most (the count then says "10,000+")."""
FIND_SECONDS = 0.25
"""The longest one find may take (it runs while the user waits)."""


class FindError(ValueError):
    """The query is not a valid regular expression; ``str(error)`` says why."""


@dataclass(frozen=True)
class Query:
    """What to look for, compiled."""

    text: str
    """As typed."""
    pattern: Any
    """A compiled ``regex`` pattern."""
    regex: bool


def parse(query: str) -> Query:
    """Compile ``query``: ``/re/`` or ``/re/i`` a regular expression, else literal text."""
    import regex as rx  # loaded by the first find, not with the reader (it is 10 ms of start-up)

    regex = len(query) >= 2 and query.startswith("/") and (query.endswith("/") or query.endswith("/i"))
    if regex:
        ignore = query.endswith("/i") and len(query) >= 3
        body = query[1:-2] if ignore else query[1:-1]
        flags = rx.IGNORECASE if ignore or not _has_capital(body) else 0
        try:
            return Query(query, rx.compile(body, flags | rx.MULTILINE | rx.VERSION0), True)
        except rx.error as error:
            position, message = getattr(error, "pos", None), getattr(error, "msg", None) or str(error)
            where = f" at position {position}" if position is not None else ""
            raise FindError(f"bad regular expression: {message}{where}") from None
        except (OverflowError, RecursionError, ValueError):
            raise FindError("bad regular expression: too large") from None
    flags = 0 if _has_capital(query) else rx.IGNORECASE
    return Query(query, rx.compile(rx.escape(query), flags | rx.VERSION0), False)


def find_all(text: str, query: Query, limit: int = MAX_MATCHES) -> list[tuple[int, int]]:
    """The non-empty matches of ``query`` in ``text``, in order, at most ``limit``."""
    found: list[tuple[int, int]] = []
    try:
        for match in query.pattern.finditer(text, timeout=FIND_SECONDS):
            if match.end() > match.start():
                found.append((match.start(), match.end()))
                if len(found) >= limit:
                    break
    except TimeoutError:
        raise FindError(
            f"that pattern takes too long on this document (over {FIND_SECONDS} s): make it more specific"
        ) from None
    return found


def describe(count: int, limit: int = MAX_MATCHES) -> str:
    """How many matches, in words."""
    if count == 0:
        return "no match"
    if count >= limit:
        return f"{limit:,}+ matches"
    return counted(count, "match", "matches")


def _has_capital(text: str) -> bool:
    # Escapes such as \S or \W are not capitals the user typed.
    return any(char.isupper() for char in re.sub(r"\\.", "", text))


@dataclass
class Targets:
    """The search hits and the find's matches of the open document, and which one is current."""

    hits: list[Span] = field(default_factory=list)
    """Search hits, sorted offsets into the text."""
    matches: list[Span] = field(default_factory=list)
    """The find's matches, sorted; while there is a find they replace the hits."""
    query: str = ""
    """What the find looks for ('' when there is none)."""
    current: int = -1
    """Index of the current one in ``spans`` (-1: none)."""
    landed: int = -1
    """Where the last jump put the cursor: from there ``n`` goes to the one after ``current``."""

    @property
    def spans(self) -> list[Span]:
        """What ``n`` and ``N`` move between."""
        return self.matches if self.query else self.hits

    @property
    def kind(self) -> str:
        """What they are called in the status line."""
        return "match" if self.query else "hit"

    def find(self, text: str, query: str) -> None:
        """Find ``query`` in ``text`` (raises ``FindError`` for a bad regular expression)."""
        self.matches, self.query, self.current = find_all(text, parse(query)), query, -1

    def drop_find(self) -> None:
        self.matches, self.query, self.current = [], "", -1

    def first_after(self, cursor: int) -> int:
        """Index of the first one starting at or after ``cursor`` (wrapping to the first)."""
        return bisect_right(self.spans, (cursor, -1)) % len(self.spans)

    def step(self, cursor: int, forward: bool) -> int:
        """Index of the one ``n`` (``forward``) or ``N`` goes to, wrapping around: the one after
        (before) the current one when the cursor is still where the last jump put it, else the
        first one after (last one before) the cursor."""
        spans = self.spans
        if self.current >= 0 and self.landed == cursor:
            index = self.current + 1 if forward else self.current - 1
        elif forward:
            index = bisect_right(spans, (cursor, 1 << 62))
        else:
            index = bisect_right(spans, (cursor, -1)) - 1
        return index % len(spans)
