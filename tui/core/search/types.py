"""What a search returns, and why it may not: plain types, importable without Whoosh.

The UI imports these on its first paint; the backend (loaded later, in a worker) imports its
engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Span = tuple[int, int]
"""A (start, end) range of code points in a document text, end exclusive."""


class QueryError(ValueError):
    """A query that cannot be run; the message is meant for the user."""


class IndexUnavailable(RuntimeError):
    """No usable index on disk (missing, corrupt, or built with another schema)."""


class IndexDamaged(IndexUnavailable):
    """The index is there but cannot be read correctly: rebuild it (once) and ask again."""


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    title: str
    path: str
    date: str
    source: str
    tags: tuple[str, ...]
    score: float
    hits: int
    """Number of hit spans in the document text (title-only matches count none)."""
    snippet: str
    """Text around the densest cluster of hits, newlines folded to spaces."""
    marks: tuple[Span, ...]
    """Hit spans as offsets into ``snippet``."""
    matched: str = ""
    """Where the query matched: ``body``; or ``title``, ``note`` or ``tags`` when the text holds no
    hit, and then ``snippet`` is that field (the notes, the tag list) with its hits marked."""


@dataclass(frozen=True)
class Results:
    """The answer to one query."""

    query: str
    hits: tuple[Hit, ...]
    total: int
    suggestion: str | None = None


TextLoader = Callable[[str, str], str | None]
"""(path, sha256) -> the document text if it is still that version, else None."""
