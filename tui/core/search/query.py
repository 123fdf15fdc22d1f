"""What a query may ask, checked on its text before any engine sees it.

The limits (length, word length, fuzzy distance, expansions) and the fields a user may name
are lectern's, not the backend's: a query refused here is refused the same way by any engine,
and an exception while a checked query runs can only mean a damaged index.
"""

from __future__ import annotations

import re
from typing import Any

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
