"""lectern's queries: what a query may ask, checked on its text, and the tree it parses into.

The limits (length, word length, fuzzy distance, expansions) and the fields a user may name
are lectern's, not the backend's: a query refused here is refused the same way by any engine,
and an exception while a checked query runs can only mean a damaged index. The tree (terms,
phrases, expansions, and/or/not) is what ranking and highlighting walk; a backend parses into
it and keeps its own nodes only for what the tree does not name (date ranges).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from tui.core.search.analysis import MAX_WORD_CHARS, compiled_patterns
from tui.core.search.types import QueryError

MAX_QUERY_CHARS = 400
DATE_HELP = "date: takes a year (date:2020), a day (date:2020-01-19) or a range (date:[2019 to 2021])"
SEARCH_FIELDS = ("title", "body", "tags", "note")
FIELD_ALIASES = {"tags": ["tag"], "language": ["lang"], "note": ["notes"]}
QUERY_FIELDS = frozenset({*SEARCH_FIELDS, "date", "language"})
"""The fields a query may name (with their aliases); the others are stored, not searchable."""
FIELDS_HELP = "search title:, tag:, note:, lang: or date:"
MAX_FUZZY_DISTANCE = 2
MAX_EXPANSIONS = 1024
"""A prefix, wildcard or fuzzy term matches at most this many words (the most frequent): every
query then answers within a bounded time, whatever the size of the vocabulary."""
FIELD_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*):")
FUZZY_DISTANCE = re.compile(r"~(\d+)")


def check_text(stripped: str, schema: Any) -> None:
    if not stripped:
        raise QueryError("type something to search for")
    if len(stripped) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(stripped)} characters; the limit is {MAX_QUERY_CHARS})")
    longest = max(stripped.split(), key=len)
    if len(longest) > MAX_WORD_CHARS:
        raise QueryError(
            f"a word of {len(longest)} characters is too long to search (limit {MAX_WORD_CHARS})"
        )
    aliases = {alias for names in FIELD_ALIASES.values() for alias in names}
    for name in FIELD_NAME.findall(stripped):
        if name.lower() in schema.names() and name.lower() not in QUERY_FIELDS | aliases:
            raise QueryError(f"{name}: is not a field you can search: {FIELDS_HELP}")
    for distance in FUZZY_DISTANCE.findall(stripped):
        if len(distance) > 1 or int(distance) > MAX_FUZZY_DISTANCE:
            raise QueryError(f"a misspelling can be 1 or 2 edits away (word~ or word~2), not ~{distance}")


def plain_words(text: str) -> list[str]:
    """The words of a query as typed, without operators, field names, wildcards or negations."""
    words = [m.group(1) for m in compiled_patterns().plain_word.finditer(text)]
    return list(dict.fromkeys(w.lower() for w in words if w not in ("AND", "OR", "NOT", "ANDNOT")))


@dataclass(frozen=True)
class Term:
    """A word (already analysed: a stem, a bigram, a tag) in one field."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Words at consecutive positions (``slop`` 1), or within ``slop`` of each other."""

    field: str
    words: tuple[str, ...]
    boost: float = 1.0
    slop: int = 1


@dataclass(frozen=True)
class Expansion:
    """A word that stands for the terms it expands to: a prefix (``bank*``), a wildcard
    (``b?nk``) or a misspelling ``distance`` edits away (``bnak~``)."""

    field: str
    kind: Literal["prefix", "wildcard", "fuzzy"]
    text: str
    boost: float = 1.0
    distance: int = 0
    prefix: int = 0
    """Leading characters a fuzzy match must keep."""


@dataclass(frozen=True)
class Group:
    """All the children (``and``: scores add up) or any of them (``or``)."""

    op: Literal["and", "or"]
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Not:
    """Every document the child does not match."""

    child: Node


@dataclass(frozen=True)
class AndNot:
    """``positive``'s documents that ``negative`` does not match, scored by ``positive``."""

    positive: Node
    negative: Node
    boost: float = 1.0


@dataclass(frozen=True)
class AndMaybe:
    """``required``'s documents; ``optional`` adds to the score where it matches too."""

    required: Node
    optional: Node
    boost: float = 1.0


@dataclass(frozen=True, eq=False)
class Native:
    """A backend's own node, run by the backend as it is (a date range, a language)."""

    node: Any


Node = Term | Phrase | Expansion | Group | Not | AndNot | AndMaybe | Native


def positive_leaves(node: Node) -> Iterator[Term | Phrase | Expansion]:
    """The terms, phrases and expansions a document is found by (none under a NOT)."""
    if isinstance(node, (Term, Phrase, Expansion)):
        yield node
    elif isinstance(node, Group):
        for child in node.children:
            yield from positive_leaves(child)
    elif isinstance(node, AndNot):
        yield from positive_leaves(node.positive)
    elif isinstance(node, AndMaybe):
        yield from positive_leaves(node.required)
        yield from positive_leaves(node.optional)
