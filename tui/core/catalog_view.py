"""The reading room's look at the catalog: how many documents, a window of rows in the list's
order, the rows a save changed, the names annotations are matched by.

The catalog module writes and proves the database; this one only reads it, each call one
query that reads no more rows than it returns, so the list of 100,000 documents paints from
the rows on screen.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tui.core.catalog import (
    ENTRY_COLUMNS,
    SIGNATURE_COLUMNS,
    CatalogDamaged,
    Entry,
    checked,
    connect,
    entry_of,
    read_header,
    signature_crc,
)

SORTS = {
    "date": "ORDER BY date DESC, title_key DESC, id DESC",
    "title": "ORDER BY title_key, id",
}
"""The list's orders, as SQL (each served by an index of ``documents``)."""


class View:
    """A reader's look at the catalog, for the reading room: the header (how many, which
    save), a window of rows in the list's order, the rows a save changed. Opened read-only and
    kept; every call is one query, and none reads more rows than it returns."""

    def __init__(self, folder: Path) -> None:
        self._db = connect(folder)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> View:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def header(self) -> dict[str, Any]:
        """The header (generation, count, seq ...), checked."""
        return read_header(self._db)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: the header and the rows read inside it are of the same save."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("COMMIT")

    def window(self, sort: str, offset: int, limit: int) -> list[Entry]:
        """``limit`` entries from the ``offset``-th in the list's order (``SORTS``), checked."""
        query = f"SELECT {ENTRY_COLUMNS} FROM documents {SORTS[sort]} LIMIT ? OFFSET ?"
        return [entry_of(row) for row in self._db.execute(query, (limit, offset))]

    def changed(self, since: int = 0) -> Iterator[Entry]:
        """The entries written by the saves after ``since`` (every entry for 0), checked, one at a
        time: a caller keeping less than each entry never holds 100,000 of them at once."""
        query = f"SELECT {ENTRY_COLUMNS} FROM documents WHERE seq > ?"
        return (entry_of(row) for row in self._db.execute(query, (since,)))

    def changed_values(self, since: int = 0) -> Iterator[tuple[Any, ...]]:
        """``changed``'s rows as their checked values (``COLUMN``), no entry built: for a reader
        that keeps a few fields of 100,000 rows (the list), a third less work than ``changed``."""
        query = f"SELECT {ENTRY_COLUMNS} FROM documents WHERE seq > ?"
        return (checked(row) for row in self._db.execute(query, (since,)))

    def ids(self) -> set[str]:
        """Every document id."""
        return {row[0] for row in self._db.execute("SELECT id FROM documents")}

    def names(self) -> list[tuple[str, str, str, str]]:
        """(id, path, sha256, title) of every document: what annotations are matched by. The id,
        path and sha256 are checked (the signature's CRC), not the rest of the row: this is
        read at every start, and a quarter of a full read."""
        query = f"SELECT {SIGNATURE_COLUMNS}, sig_crc, title FROM documents"
        found: list[tuple[str, str, str, str]] = []
        for row in self._db.execute(query):
            if signature_crc(row[:-2]) != row[-2]:
                raise CatalogDamaged(f"the catalog row of {row[0]!r} is damaged")
            found.append((row[0], row[1], row[4], row[-1]))
        return found
