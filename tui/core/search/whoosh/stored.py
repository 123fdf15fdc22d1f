"""Stored fields compressed against the segment's first documents, still read one at a time.

Whoosh pickles each document's stored fields and compresses them alone: some 500 bytes a
document, most of it what every document of the corpus shares (the field names, the catalog
record's JSON keys, the folder in every path). zlib can start from a preset dictionary; here it
is the pickles of the segment's first ``SAMPLE_DOCUMENTS`` documents, kept at the head of the
column, and each document compresses to what it does not share with them: about 190 bytes, and
a hit's fields are still one ``decompress`` of their own bytes. ``LecternPerDocWriter`` and
``LecternPerDocReader`` use it for the ``_stored`` column; Whoosh's other per-document files
(lengths, sort columns) are its own.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterator
from typing import Any

from whoosh.codec.whoosh3 import W3PerDocReader, W3PerDocWriter
from whoosh.columns import Column, ColumnReader, ColumnWriter, VarBytesColumn

SAMPLE_DOCUMENTS = 8
"""Documents whose pickles make the dictionary (a segment's first ones)."""
DICTIONARY_BYTES = 32 * 1024
"""zlib's window: a longer dictionary is not looked at."""
LEVEL = 6


class StoredColumn(Column):  # type: ignore[misc]
    """Pickled values compressed with a dictionary held as the column's first value."""

    def writer(self, dbfile: Any) -> StoredWriter:
        return StoredWriter(dbfile)

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> StoredReader:
        return StoredReader(dbfile, basepos, length, doccount)


class StoredWriter(ColumnWriter):  # type: ignore[misc]
    def __init__(self, dbfile: Any) -> None:
        self._values = VarBytesColumn().writer(dbfile)
        self._waiting: list[tuple[int, bytes]] = []
        self._dictionary: bytes | None = None

    def add(self, docnum: int, value: Any) -> None:
        raw = pickle.dumps(value, 5)
        if self._dictionary is not None:
            self._values.add(docnum + 1, compress(raw, self._dictionary))
            return
        self._waiting.append((docnum, raw))
        if len(self._waiting) >= SAMPLE_DOCUMENTS:
            self._start()

    def _start(self) -> None:
        """The dictionary, as value 0, then the documents that waited for it."""
        self._dictionary = b"".join(raw for _, raw in self._waiting)[-DICTIONARY_BYTES:]
        self._values.add(0, self._dictionary)
        for docnum, raw in self._waiting:
            self._values.add(docnum + 1, compress(raw, self._dictionary))
        self._waiting = []

    def finish(self, doccount: int) -> None:
        if self._dictionary is None:
            self._start()
        self._values.finish(doccount + 1)


class StoredReader(ColumnReader):  # type: ignore[misc]
    def __init__(self, dbfile: Any, basepos: int, length: int, doccount: int) -> None:
        self._values = VarBytesColumn().reader(dbfile, basepos, length, doccount + 1)
        self._doccount = doccount
        self._dictionary = self._values[0]

    def __len__(self) -> int:
        return self._doccount

    def __getitem__(self, docnum: int) -> Any:
        if not 0 <= docnum < self._doccount:
            raise IndexError(docnum)
        value = self._values[docnum + 1]
        if not value:
            return None
        return pickle.loads(decompress(value, self._dictionary))

    def __iter__(self) -> Iterator[Any]:
        for docnum in range(self._doccount):
            yield self[docnum]


def compress(raw: bytes, dictionary: bytes) -> bytes:
    packer = zlib.compressobj(LEVEL, zdict=dictionary) if dictionary else zlib.compressobj(LEVEL)
    return packer.compress(raw) + packer.flush()


def decompress(value: bytes, dictionary: bytes) -> bytes:
    unpacker = zlib.decompressobj(zdict=dictionary) if dictionary else zlib.decompressobj()
    found = unpacker.decompress(value) + unpacker.flush()
    if not unpacker.eof:
        raise zlib.error("stored fields cut short")
    return found


STORED = StoredColumn()


class LecternPerDocWriter(W3PerDocWriter):  # type: ignore[misc]
    """Whoosh's per-document writer, its stored fields in a ``StoredColumn``."""

    def _create_column(self, fieldname: str, column: Any) -> None:
        super()._create_column(fieldname, STORED if fieldname == "_stored" else column)


class LecternPerDocReader(W3PerDocReader):  # type: ignore[misc]
    """Whoosh's per-document reader, its stored fields read from a ``StoredColumn``."""

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        reader = self._cached_reader("_stored", STORED)
        found = reader[docnum] if reader is not None else None
        return found if found is not None else {}
