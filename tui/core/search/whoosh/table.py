"""Whoosh's term table for the fields it still holds (id, date, language), written in one pass.

Whoosh writes a term through a chain of calls: a posting writer started (asking the file where
it is) and finished, a term info built and pickled, a table entry whose position is asked of
the file again, three writes and a hash: some 35 µs a term. Ids and the eight tiers of every
date make several terms per document, most of a segment's cost once the searched fields went to
the ``.lps`` file. Here a field's entries are built in memory, positions counted rather than
asked, and written with one ``write``; a term with fewer postings than the codec's inline limit
is put in the table whole (as ``LecternPostingsWriter`` does), the others get Whoosh's posting
blocks through its writer. Hash buckets and the position index are filled as
``OrderedHashWriter.add`` fills them, so closing the field writer finishes the same file
Whoosh's own writer makes (a test compares them byte for byte).
"""

from __future__ import annotations

import pickle
import struct
from array import array
from typing import Any

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.system import pack_ushort

from tui.core.search.whoosh.pool import TermPool, TermPostings

_LENGTHS = struct.Struct("!ii")
"""A table entry's key and value lengths (``filetables._lengths``)."""
_INFO = struct.Struct("!BfIBBfII")
"""``W3TermInfo``: inlined, total weight, documents, shortest and longest length (as bytes),
greatest weight, first and last document."""


def write_terms(fieldwriter: Any, schema: Any, pool: TermPool) -> None:
    """Write the pool's own fields through Whoosh's field writer's files, in field and term order."""
    table = fieldwriter._tindex
    position = table.dbfile.tell()
    hashed, buckets, index = table.hashfn, table.buckets, table.index
    limit = fieldwriter._codec._inlinelimit
    entries: list[bytes] = []
    for fieldname in sorted(pool.fields):
        fieldwriter.start_field(fieldname, schema[fieldname])
        prefix = pack_ushort(fieldwriter._fieldid)
        source = pool.fields[fieldname]
        for tbytes in sorted(source):
            postings = source[tbytes]
            value = inlined(postings) if len(postings[0]) < limit else in_blocks(fieldwriter, postings)
            key = prefix + tbytes
            if key <= table.lastkey:
                raise ValueError(f"term table keys out of order: {table.lastkey!r}..{key!r}")
            table.lastkey = key
            entry = _LENGTHS.pack(len(key), len(value)) + key + value
            index.append(position)
            code = hashed(key)
            buckets[code & 255].append((code, position))
            entries.append(entry)
            position += len(entry)
        fieldwriter.finish_field()
    table.dbfile.write(b"".join(entries))


def inlined(postings: TermPostings) -> bytes:
    """``W3TermInfo.to_bytes`` of a term whose postings are inlined (lengths unknown: 0)."""
    ids, weights, values = postings
    stored = array("f", weights)
    info = _INFO.pack(1, sum(stored), len(ids), 0, 0, max(0.0, *weights), ids[0], ids[-1])
    return info + pickle.dumps((tuple(ids), tuple(stored), tuple(filter(None, values))), 2)


def in_blocks(fieldwriter: Any, postings: TermPostings) -> bytes:
    """Write the term's posting blocks with Whoosh's writer; its term info."""
    writer = fieldwriter._postwriter
    writer.start_postings(fieldwriter._format, W3TermInfo())
    docnums, weights, values = postings
    limit = writer._blocklimit
    for start in range(0, len(docnums), limit):
        if start:
            writer._write_block()
        block_weights = weights[start : start + limit]
        writer._ids = docnums[start : start + limit]
        writer._weights = array("f", block_weights)
        writer._values = list(filter(None, values[start : start + limit]))
        writer._maxweight = max(0.0, *block_weights)
        writer._minlength = None
        writer._maxlength = 0
    info: bytes = writer.finish_postings().to_bytes()
    return info
