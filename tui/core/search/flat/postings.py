"""Reading a segment's ``.lps`` file (``layout``) in place: terms found by bisection, a term's
columns decoded from views of its record's bytes (read alone) with a few numpy passes.

A query scores a posting list in one numpy expression, checks a phrase against sorted
segment-wide positions (``phrase_documents``), and finds a hit's offsets in the few bytes of
that document's posting. Decoded lists are kept for the queries that come again (``recent``).
Anything impossible in the file raises ValueError.
"""

from __future__ import annotations

import bisect
import json
import mmap
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tui.core.search.flat.layout import (
    BLOCK_KEYS,
    COLUMNS,
    HEADER,
    MAGIC,
    SEPARATOR,
    SUFFIX,
    FlatField,
    FlatSegment,
    offset_type,
)
from tui.core.search.flat.packing import WIDTHS, running, unpack, unzigzag, view
from tui.core.search.flat.recent import DECODED, TOKENS
from tui.core.search.flat.writing import write, write_fields
from tui.core.search.phrases import phrase_anchor

__all__ = [
    "MAGIC", "SUFFIX", "FlatField", "FlatPostings", "FlatSegment", "phrase_documents",
    "write", "write_fields",
]  # fmt: skip

KNOWN_TERMS = 1 << 16
"""Look-ups remembered per file (a prefix's expansions are looked up in every segment)."""
_W = WIDTHS.tolist()


@dataclass(frozen=True)
class FieldInfo:
    name: str
    boost: float
    positions: bool
    first: int
    """The field's terms are ``first:end`` among the file's."""
    end: int
    first_block: int
    end_block: int
    spans: Any


class FlatPostings:
    """A segment's ``.lps`` file, read in place: its tables held, terms and records read when
    asked for (``pread``), a record's columns views of its bytes.

    Searching does not map the file: a fault in a mapping maps the whole large folio the page
    cache holds there (hundreds of KB of a file the indexer just wrote), so a few searches kept
    most of every segment resident. Only a merge, which reads all of it, maps it.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle = path.open("rb", buffering=0)
        self._fileno = self._handle.fileno() if _HAS_PREAD else -1
        """The file's descriptor for ``os.pread`` (-1: closed, or no ``pread``)."""
        try:
            self._size = os.fstat(self._handle.fileno()).st_size
            self._read_tables()
        except BaseException:
            self._handle.close()
            raise
        self._map: mmap.mmap | None = None
        """The whole file, mapped when a merge first reads it all."""
        self._samples: dict[str, list[bytes]] = {}
        self._bases: dict[str, Any] = {}
        self._steps = np.zeros(0, dtype=np.int64)
        self._known: dict[tuple[str, bytes], int] = {}
        """Terms looked up or listed lately, and their numbers (-1: not in this segment)."""
        self._token = next(TOKENS)
        """This file's name in the shared cache of decoded lists (never reused, unlike ``id``)."""
        """0, 1, 2 ... (what separates a term's document gaps from its documents), made once."""

    def close(self) -> None:
        """Close the file (a merge's mapping goes with the last array that views it)."""
        self._fileno = -1  # first: no read may reach a descriptor the system has given again
        self._handle.close()

    def _damaged(self, what: str) -> ValueError:
        return ValueError(f"{self._path.name}: {what}")

    def _read(self, at: int, size: int) -> bytes:
        """``size`` bytes of the file from ``at`` (ValueError past its end; closed: ValueError)."""
        if size <= 0:
            return b""
        if self._fileno >= 0:  # the common case, spared a call (searches make hundreds)
            found = os.pread(self._fileno, size, at)
            if len(found) == size:
                return found
        elif self._handle.closed:
            raise ValueError(f"{self._path.name}: closed")
        else:
            found = _pread(self._handle, size, at)
        while 0 < len(found) < size:  # a short read (huge ones): the rest
            more = _pread(self._handle, size - len(found), at + len(found))
            if not more:
                break
            found += more
        if len(found) != size:
            raise self._damaged("damaged (cut short)")
        return found

    def _read_tables(self) -> None:
        size = self._size
        if size < HEADER.size + len(MAGIC) or self._read(0, len(MAGIC)) != MAGIC:
            raise self._damaged("not a lectern postings file")
        if self._read(size - len(MAGIC), len(MAGIC)) != MAGIC:
            raise self._damaged("damaged (cut short or extended)")
        _, table_size, flags, _, keys, postings, blocks, docs, key_size, sample_size, data_size = (
            HEADER.unpack_from(self._read(0, HEADER.size), 0)
        )
        offset = HEADER.size
        try:
            if offset + table_size > size:
                raise ValueError("the field table runs past the file")
            table = json.loads(self._read(offset, table_size))
            offset += table_size
            self._posting_starts, offset = self._array(offset_type(flags, 0), keys + 1, offset)
            self._record_offsets, offset = self._array(offset_type(flags, 1), keys + 1, offset)
            self._widths, offset = self._array("<u2", keys, offset)
            self._block_offsets, offset = self._array(offset_type(flags, 2), blocks + 1, offset)
            fields: dict[str, FieldInfo] = {}
            for entry in table:
                spans = None
                if entry["positions"]:
                    spans, offset = self._array("<u4", docs, offset)
                first, end = entry["keys"]
                first_block, end_block = entry["blocks"]
                fields[entry["name"]] = FieldInfo(
                    entry["name"], float(entry["boost"]), bool(entry["positions"]), first, end,
                    first_block, end_block, spans,
                )  # fmt: skip
        except (ValueError, KeyError, TypeError) as error:
            raise self._damaged(f"unreadable tables ({error})") from error
        self._keys_at = offset
        offset += key_size + (-key_size % 8)
        self._samples_at = offset
        offset += sample_size + (-sample_size % 8)
        self._data_at = offset
        if offset + data_size + len(MAGIC) != size:
            raise self._damaged("damaged (cut short or extended)")
        ends = (
            int(self._posting_starts[-1]),
            int(self._record_offsets[-1]),
            int(self._block_offsets[-1]),
        )
        if ends != (postings, data_size, key_size) or (keys and int(self._widths.max()) >= 1 << 10):
            raise self._damaged("inconsistent tables")
        self._key_size, self._sample_size = key_size, sample_size
        self.fields = fields
        self.doc_count = docs

    def _array(self, dtype: str, count: int, offset: int) -> tuple[Any, int]:
        """A table of the file, read into memory (every search looks terms up in it)."""
        size = np.dtype(dtype).itemsize * count
        if count < 0 or offset + size > self._size:
            raise ValueError("a table runs past the file")
        values = np.frombuffer(self._read(offset, size), dtype=dtype, count=count)
        return values, offset + values.nbytes + (-values.nbytes % 8)

    # Terms -------------------------------------------------------------------------------------

    def _field_samples(self, info: FieldInfo) -> list[bytes]:
        """The first term of each of the field's blocks (every field's are split at once)."""
        if not self._samples:
            at = self._samples_at
            everything = self._read(at, self._sample_size).split(SEPARATOR)[:-1]
            for field in self.fields.values():
                self._samples[field.name] = everything[field.first_block : field.end_block]
                if len(self._samples[field.name]) != field.end_block - field.first_block:
                    raise self._damaged("inconsistent samples")
        return self._samples[info.name]

    def _block_terms(self, block: int) -> list[bytes]:
        at = self._keys_at
        start, end = self._block_offsets[block : block + 2].tolist()
        return self._read(at + start, end - start).split(SEPARATOR)[:-1]

    def lower_bound(self, fieldname: str, term: bytes) -> int:
        """The number of the field's first term not below ``term`` (its end when none is)."""
        info = self.fields.get(fieldname)
        if info is None:
            return 0
        samples = self._field_samples(info)
        block = bisect.bisect_right(samples, term) - 1
        if block < 0:
            return info.first
        terms = self._block_terms(info.first_block + block)
        return min(info.first + block * BLOCK_KEYS + bisect.bisect_left(terms, term), info.end)

    def find(self, fieldname: str, term: bytes) -> int | None:
        """The term's number, or None when the segment lacks it."""
        known = self._known.get((fieldname, term), -2)
        if known != -2:
            return None if known < 0 else known
        info = self.fields.get(fieldname)
        if info is None:
            return None
        samples = self._field_samples(info)
        block = bisect.bisect_right(samples, term) - 1
        found = None
        if block >= 0:
            terms = self._block_terms(info.first_block + block)
            i = bisect.bisect_left(terms, term)
            found = info.first + block * BLOCK_KEYS + i if i < len(terms) and terms[i] == term else None
        self._remember(fieldname, term, -1 if found is None else found)
        return found

    def _remember(self, fieldname: str, term: bytes, key: int) -> None:
        if len(self._known) >= KNOWN_TERMS:
            self._known.clear()
        self._known[(fieldname, term)] = key

    def term(self, key: int) -> bytes:
        """Term number ``key``."""
        info = next(f for f in self.fields.values() if f.first <= key < f.end)
        block, at = divmod(key - info.first, BLOCK_KEYS)
        return self._block_terms(info.first_block + block)[at]

    def prefix_range(self, fieldname: str, prefix: bytes) -> tuple[int, int]:
        """The numbers ``first:end`` of the field's terms that start with ``prefix``."""
        return self.lower_bound(fieldname, prefix), self.lower_bound(fieldname, prefix + SEPARATOR)

    def terms(self, first: int, end: int) -> list[bytes]:
        """The terms numbered ``first:end`` (all of one field); later look-ups of them are free."""
        if first >= end:
            return []
        info = next(f for f in self.fields.values() if f.first <= first < f.end)
        local, local_last = (first - info.first) // BLOCK_KEYS, (end - 1 - info.first) // BLOCK_KEYS
        block, last = info.first_block + local, info.first_block + local_last
        at = self._keys_at
        start, stop = int(self._block_offsets[block]), int(self._block_offsets[last + 1])
        found = self._read(at + start, stop - start).split(SEPARATOR)[:-1]
        skip = first - (info.first + local * BLOCK_KEYS)
        found = found[skip : skip + end - first]
        if len(found) <= KNOWN_TERMS // 4:
            for key, term in enumerate(found, first):
                self._remember(info.name, term, key)
        return found

    def field_terms(self, fieldname: str) -> list[bytes]:
        """Every term of the field, in order (one ``split`` of the mapped bytes)."""
        info = self.fields.get(fieldname)
        if info is None or info.first == info.end:
            return []
        at = self._keys_at
        start = int(self._block_offsets[info.first_block])
        stop = int(self._block_offsets[info.end_block])
        found = self._read(at + start, stop - start).split(SEPARATOR)[:-1]
        if len(found) != info.end - info.first:
            raise self._damaged("inconsistent terms")
        return found

    def doc_frequencies(self, first: int, end: int) -> Any:
        """How many documents each of the terms ``first:end`` is in."""
        return np.diff(self._posting_starts[first : end + 1].astype(np.int64))

    def doc_frequency(self, key: int) -> int:
        start, end = self._posting_starts[key : key + 2].tolist()
        return int(end - start)

    # Postings ----------------------------------------------------------------------------------

    def _record(self, key: int) -> tuple[int, int, int, list[int]]:
        """(postings, bytes of occurrence columns, record start, width codes) of term ``key``."""
        first, end = self._posting_starts[key : key + 2].tolist()
        start, stop = self._record_offsets[key : key + 2].tolist()
        code = int(self._widths[key])
        codes = [(code >> (2 * c)) & 3 for c in range(COLUMNS)]
        postings = end - first
        rest = stop - start - postings * (_W[codes[0]] + _W[codes[1]])
        if rest < 0 or postings < 1:
            raise self._damaged("a term's record does not fit its counts")
        return postings, rest, self._data_at + start, codes

    def postings(self, key: int) -> tuple[Any, Any]:
        """Term ``key``'s document numbers and occurrence counts (int64, read-only)."""
        ids, counts, _ = self._decoded(key)
        return ids, counts

    def _decoded(self, key: int) -> tuple[Any, Any, Any]:
        """Term ``key``'s ids, counts, and where each posting's occurrences end (cached)."""
        found: tuple[Any, Any, Any] = DECODED.get((self._token, key, 0), lambda: self._decode(key))
        return found

    def _decode(self, key: int) -> tuple[Any, Any, Any]:
        postings, _, at, codes = self._record(key)
        ids, counts = self._ids_counts(postings, at, codes)
        return ids, counts, np.cumsum(counts)

    def _ids_counts(self, postings: int, at: int, codes: list[int]) -> tuple[Any, Any]:
        if len(self._steps) < postings:
            self._steps = np.arange(self.doc_count, dtype=np.int64)
        head = self._read(at, postings * (_W[codes[0]] + _W[codes[1]]))
        ids = np.cumsum(view(head, 0, postings, codes[0]), dtype=np.int64)
        ids += self._steps[:postings]
        counts = np.add(view(head, postings * _W[codes[0]], postings, codes[1]), 1, dtype=np.int64)
        if int(ids[-1]) >= self.doc_count:
            raise self._damaged("a document past the segment")
        return ids, counts

    def _occurrence_columns(self, key: int) -> tuple[Any, Any, tuple[Any, Any, Any]]:
        """Term ``key``'s ids, counts, and its raw position gaps, start gaps and lengths (as
        stored: ``lengths`` turns them into lengths)."""
        postings, rest, at, codes = self._record(key)
        ids, counts, ends = self._decoded(key)
        occurrences = int(ends[-1])
        if rest != occurrences * (_W[codes[2]] + _W[codes[3]] + _W[codes[4]]):
            raise self._damaged("a term's counts do not match its occurrences")
        record = self._read(at + postings * (_W[codes[0]] + _W[codes[1]]), rest)
        at = 0
        columns = []
        for c in (2, 3, 4):
            columns.append(view(record, at, occurrences, codes[c]))
            at += occurrences * _W[codes[c]]
        return ids, counts, (columns[0], columns[1], columns[2])

    def lengths(self, key: int, stored: Any) -> Any:
        """The occurrences' lengths from their stored differences with term ``key``'s length."""
        return unzigzag(stored) + len(self.term(key).decode("utf-8"))

    def bases(self, fieldname: str) -> Any:
        """Each document's first segment-wide position in the field (plus the end)."""
        bases = self._bases.get(fieldname)
        if bases is None:
            info = self.fields[fieldname]
            bases = np.zeros(self.doc_count + 1, dtype=np.int64)
            np.cumsum(np.asarray(info.spans, dtype=np.int64) + 1, out=bases[1:])
            self._bases[fieldname] = bases
        return bases

    def span(self, fieldname: str) -> int:
        """Every segment-wide position of the field is below this."""
        return int(self.bases(fieldname)[-1])

    def occurrences(self, fieldname: str, key: int) -> tuple[Any, Any, Any]:
        """Term ``key``'s document numbers, counts and (segment-wide, sorted) positions."""
        found: tuple[Any, Any, Any] = DECODED.get(
            (self._token, key, 1), lambda: self._occurrences(fieldname, key)
        )
        return found

    def _occurrences(self, fieldname: str, key: int) -> tuple[Any, Any, Any]:
        ids, counts, (positions, _, _) = self._occurrence_columns(key)
        bases = self.bases(fieldname)
        if len(positions) == len(ids):  # one occurrence in each document: no gaps to add up
            found = bases[ids] + positions
        else:
            total = np.cumsum(positions, dtype=np.int64)
            heads = self._decoded(key)[2] - counts
            found = total + np.repeat(bases[ids] - (total[heads] - positions[heads]), counts)
        if int(found[-1]) >= self.span(fieldname):
            raise self._damaged("a position past the segment's span")
        return ids, counts, found

    def posting_occurrences(self, key: int) -> tuple[Any, Any, Any, Any, Any]:
        """Term ``key``'s ids and counts, and every occurrence's position within its document,
        start and end (grouped by posting)."""
        ids, counts, (positions, starts, lengths) = self._occurrence_columns(key)
        begins = running(starts, counts)
        return ids, counts, running(positions, counts), begins, begins + self.lengths(key, lengths)

    def in_documents(
        self, key: int, docs: Sequence[int], term: bytes | None = None
    ) -> list[tuple[Any, Any, Any]]:
        """Term ``key``'s occurrences in each of ``docs``: positions within the document and the
        characters' starts and ends (empty arrays where it has none). ``term`` spares looking
        its text up again."""
        ids, counts, (positions, starts, stored) = self._occurrence_columns(key)
        size = len((self.term(key) if term is None else term).decode("utf-8"))
        wanted = np.asarray(docs, dtype=np.int64)
        at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        held = ids[at] == wanted
        empty = np.zeros(0, dtype=np.int64)
        if not held.any():
            return [(empty, empty, empty)] * len(wanted)
        chosen = at[held]
        runs = counts[chosen]
        ends = np.cumsum(runs)
        # The chosen postings' occurrences, one run after the other, decoded at once.
        firsts = self._decoded(key)[2][chosen] - runs
        where = np.repeat(firsts - ends + runs, runs) + np.arange(int(ends[-1]))
        begins = running(starts[where], runs)
        within = running(positions[where], runs)
        finishes = begins + unzigzag(stored[where]) + size
        bounds = [0, *ends.tolist()]
        found: list[tuple[Any, Any, Any]] = []
        n = 0
        for here in held.tolist():
            if here:
                a, b = bounds[n], bounds[n + 1]
                found.append((within[a:b], begins[a:b], finishes[a:b]))
                n += 1
            else:
                found.append((empty, empty, empty))
        return found

    def field_postings(self, fieldname: str) -> FlatField:
        """The whole field, decoded at once (for a merge)."""
        info = self.fields[fieldname]
        first, end = info.first, info.end
        posting_starts = self._posting_starts[first : end + 1].astype(np.int64)
        df = np.diff(posting_starts)
        offsets = self._record_offsets[first : end + 1].astype(np.int64)
        codes = self._widths[first:end].astype(np.int64)
        widths = [WIDTHS[(codes >> (2 * c)) & 3] for c in range(COLUMNS)]
        rest = np.diff(offsets) - df * (widths[0] + widths[1])
        if len(df) and (int(df.min()) < 1 or int(rest.min()) < 0):
            raise self._damaged("a term's record does not fit its counts")
        if self._map is None:  # all of it is read: mapped, not copied
            self._map = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
        data = np.frombuffer(self._map, dtype=np.uint8, count=int(offsets[-1]), offset=self._data_at)
        at = offsets[:-1].copy()
        columns = [unpack(data, at, df, codes & 3)]
        at += df * widths[0]
        columns.append(unpack(data, at, df, (codes >> 2) & 3))
        at += df * widths[1]
        counts = columns[1] + 1
        postings = posting_starts - posting_starts[0]
        occurrences = np.add.reduceat(counts, postings[:-1]) if len(df) else np.zeros(0, dtype=np.int64)
        if not np.array_equal(rest, occurrences * (widths[2] + widths[3] + widths[4])):
            raise self._damaged("a term's counts do not match its occurrences")
        if info.positions:
            for c in (2, 3, 4):
                columns.append(unpack(data, at, occurrences, (codes >> (2 * c)) & 3))
                at += occurrences * widths[c]
        terms = self.terms(first, end)
        ids = running(columns[0], df) + np.arange(len(columns[0])) - np.repeat(postings[:-1], df)
        if len(ids) and int(ids.max()) >= self.doc_count:
            raise self._damaged("a document past the segment")
        if not info.positions:
            return FlatField(fieldname, info.boost, terms, postings, ids, counts)
        starts = running(columns[3], counts)
        sizes = np.fromiter((len(t.decode("utf-8")) for t in terms), dtype=np.int64, count=len(terms))
        ends = starts + unzigzag(columns[4]) + np.repeat(sizes, occurrences)
        return FlatField(
            fieldname, info.boost, terms, postings, ids, counts,
            running(columns[2], counts), starts, ends, np.asarray(info.spans),
        )  # fmt: skip


_SEEKING = threading.Lock()


def _pread(handle: Any, size: int, at: int) -> bytes:
    """Up to ``size`` bytes of the open file from ``at``, whatever thread asks (no shared offset
    where ``os.pread`` exists; a lock around seek and read where it does not: Windows)."""
    if _HAS_PREAD:
        return os.pread(handle.fileno(), size, at)
    with _SEEKING:
        handle.seek(at)
        found: bytes = handle.read(size)
        return found


_HAS_PREAD = hasattr(os, "pread")


def phrase_documents(words: Sequence[tuple[Any, Any, Any]], span: int) -> Any:
    """The documents where the phrase stands; ``words`` are ``occurrences`` results, their
    positions segment-wide (a phrase cannot cross from one document into the next)."""
    anchor, found = phrase_anchor([positions for _, _, positions in words], span)
    if not found.any():
        return np.zeros(0, dtype=np.int64)
    ids, counts, _ = words[anchor]
    return np.unique(np.repeat(ids, counts)[found])
