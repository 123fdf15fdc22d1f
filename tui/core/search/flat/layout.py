"""The ``.lps`` file: one per segment, the only copy of the searched fields' postings.

Whoosh's own term table keeps only the id and language fields; the searched fields (title,
body, tags, notes) are in this file, read by ``postings`` and served to Whoosh through
``whoosh.terms``. For each term it holds the documents and occurrence counts and, for the
fields with positions, each occurrence's position and character offsets. ``writing`` writes it
from ``FlatSegment`` arrays; ``postings.FlatPostings`` maps it, reads a term's columns as views,
and raises ValueError for anything impossible (the searcher then calls the index damaged and it
is rebuilt, never answered from).

Terms are kept per field, sorted by their UTF-8 bytes, each followed by ``SEPARATOR`` (a byte
UTF-8 never holds), so a field's whole term list is one ``split`` and a prefix is a range. Every
``BLOCK_KEYS``-th term is copied to a sample list: a look-up is a bisection of the samples, then
of one block. Each term has a *record*: its columns one after the other (document gaps, counts
minus one, then per occurrence the position and start gaps within the posting, and how much
its length differs from the term's, zigzag-coded: mostly nothing), each at the term's own
width (``packing``). Per term the file stores where its postings and its record start and the
five widths (2 bits each); the occurrences are the sum of the counts, and must fill the rest of
the record.

Positions within a document are made segment-wide by adding the document's *base* (the spans,
one past the last position, of the documents before it, plus one each), so ``p`` and ``p + 1``
are never in two documents and a term's positions are sorted across the segment.

Layout, little-endian: ``MAGIC``, a header (``HEADER``), the field table (JSON, padded), then
8-byte aligned: posting starts and record offsets (per term, plus one), widths (uint16 per
term), block offsets (per block, plus one), each positional field's document spans (uint32 per
document), the term bytes, the sample bytes, the records; ``MAGIC`` again.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAGIC = b"LPS4"
SUFFIX = ".lps"
SEPARATOR = b"\xff"
BLOCK_KEYS = 16
COLUMNS = 5
"""Document gaps, counts, positions, starts, lengths."""
HEADER = struct.Struct("<4sIIIQQQQQQQ")
"""Magic, field table bytes, flags (bit i: offset array i is 64-bit), a reserved zero, terms,
postings, blocks, documents, term bytes, sample bytes, record bytes (72 bytes: what follows
stays 8-byte aligned)."""


@dataclass(frozen=True)
class FlatField:
    """One field's postings in a segment, as ``write`` takes them and ``field_postings`` gives
    them back (array-likes of non-negative integers).

    Term ``k`` owns postings ``posting_starts[k]:posting_starts[k + 1]`` (documents in order);
    posting ``p`` owns ``counts[p]`` consecutive occurrences of ``positions`` (within the
    document, in order), ``starts`` and ``ends`` (character offsets). A field without positions
    (tags) has None there.
    """

    name: str
    boost: float
    """The field's weight per occurrence (Whoosh's ``field_boost``)."""
    terms: Sequence[bytes]
    posting_starts: Any
    ids: Any
    counts: Any
    positions: Any = None
    starts: Any = None
    ends: Any = None
    spans: Any = None
    """Per document of the segment, one past its last position (positional fields)."""


@dataclass(frozen=True)
class FlatSegment:
    """Every searched field of a segment of ``docs`` documents."""

    fields: Sequence[FlatField]
    docs: int


def offset_type(flags: int, i: int) -> str:
    """The type of the header's ``i``-th offset array (64-bit past 4 GiB, or past 2**32 items)."""
    return "<u8" if flags >> i & 1 else "<u4"
