"""Per-key byte widths: each key's values stored at the narrowest whole-byte width they fit;
and the transforms that keep the values small (gaps, zigzag) with their inverses.

The ``.lps`` file keeps, for every term, a few columns of small non-negative numbers (document
gaps, counts, position and offset gaps, token lengths). Most are below 256 and the rest below
65,536, but a term's largest value decides the width its column needs. One width per key and
column (0 bytes when every value is 0, else 1, 2 or 4 bytes, little-endian) keeps the file small
and still lets numpy read a key's column as a view of the bytes read, with no decoding loop.
Escapes for the odd large value were measured and saved 5%: not worth a second code path.

Writing and bulk reading (a segment merge) handle every key of a segment at once: the byte
position of each value is computed with numpy, so no Python code runs per key or per value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

WIDTHS = np.array([0, 1, 2, 4], dtype=np.int64)
"""Bytes per value for each width code."""
DTYPES = (None, np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))
CHUNK_VALUES = 1 << 16
"""Values handled per numpy pass when packing or unpacking: bounds the temporary arrays (some
ten of 8 bytes a value: 5 MB). As fast as larger passes, whose temporaries were once a segment
write's largest memory."""


def width_codes(values: Any, counts: Any) -> Any:
    """The width code (0 to 3) of each key's run of ``values`` (runs of ``counts`` values, in
    order; a key without values gets 0). ValueError for a negative value or one past 32 bits."""
    values = np.asarray(values)  # as it is: a 32-bit column is not widened (a copy)
    counts = np.asarray(counts, dtype=np.int64)
    codes = np.zeros(len(counts), dtype=np.uint8)
    if not len(values):
        return codes
    if int(values.min()) < 0 or int(values.max()) >= 1 << 32:
        raise ValueError("a postings value out of range (negative or past 32 bits)")
    held = counts > 0
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    largest = np.zeros(len(counts), dtype=np.int64)
    largest[held] = np.maximum.reduceat(values, starts[held])
    codes[largest > 0] = 1
    codes[largest >= 1 << 8] = 2
    codes[largest >= 1 << 16] = 3
    return codes


def pack(out: Any, at: Any, values: Any, counts: Any, codes: Any) -> None:
    """Write each key's run of ``values`` into the byte array ``out`` from ``at[key]``, at the
    key's width (``codes``)."""
    values = np.asarray(values)  # widened a chunk at a time: a column may be 32-bit
    counts = np.asarray(counts, dtype=np.int64)
    widths = WIDTHS[np.asarray(codes, dtype=np.int64)]
    for keys, first, last in _chunks(counts):
        run = counts[keys]
        owner_width = np.repeat(widths[keys], run)
        local = np.arange(last - first, dtype=np.int64) - np.repeat(_starts(run), run)
        where = np.repeat(np.asarray(at, dtype=np.int64)[keys], run) + local * owner_width
        chunk = values[first:last].astype(np.int64)
        for byte in range(4):
            wide = owner_width > byte
            if not wide.any():
                break
            out[where[wide] + byte] = (chunk[wide] >> (8 * byte)) & 0xFF


def unpack(data: Any, at: Any, counts: Any, codes: Any) -> Any:
    """``pack`` read back: every key's run of values, concatenated, as int64."""
    counts = np.asarray(counts, dtype=np.int64)
    widths = WIDTHS[np.asarray(codes, dtype=np.int64)]
    found = np.zeros(int(counts.sum()), dtype=np.int64)
    for keys, first, last in _chunks(counts):
        run = counts[keys]
        owner_width = np.repeat(widths[keys], run)
        local = np.arange(last - first, dtype=np.int64) - np.repeat(_starts(run), run)
        where = np.repeat(np.asarray(at, dtype=np.int64)[keys], run) + local * owner_width
        chunk = found[first:last]
        for byte in range(4):
            wide = owner_width > byte
            if not wide.any():
                break
            chunk[wide] |= data[where[wide] + byte].astype(np.int64) << (8 * byte)
    return found


def view(data: Any, at: int, count: int, code: int) -> Any:
    """One key's run of values as a view of ``data`` (a buffer), or zeros for width code 0."""
    if code == 0:
        return np.zeros(count, dtype=np.uint8)
    return np.frombuffer(data, dtype=DTYPES[code], count=count, offset=at)


def _starts(counts: Any) -> Any:
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def _chunks(counts: Any) -> Any:
    """Runs of keys whose values together stay near ``CHUNK_VALUES``: (key slice, first value,
    end value)."""
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    key = 0
    first = 0
    while key < len(counts):
        last_key = int(np.searchsorted(ends, first + CHUNK_VALUES, side="right"))
        last_key = max(last_key, key + 1)
        last = int(ends[last_key - 1]) if last_key <= len(ends) else total
        yield slice(key, last_key), first, last
        key, first = last_key, last


def zigzag(values: Any) -> Any:
    """Signed numbers as unsigned ones, small either way: 0, -1, 1, -2 ... as 0, 1, 2, 3 ..."""
    values = np.asarray(values)
    found = values << 1  # 2n; for a negative n, -2n - 1 is its complement (~2n)
    np.invert(found, out=found, where=values < 0)
    return found


def unzigzag(values: Any) -> Any:
    values = np.asarray(values, dtype=np.int64)
    return (values >> 1) ^ -(values & 1)


def gaps(values: Any, counts: Any) -> Any:
    """Each posting's first value as it is, then the gaps from the one before (``running`` sums
    them back)."""
    found = values.copy()
    found[1:] -= values[:-1]
    heads = np.cumsum(counts) - counts
    found[heads] = values[heads]
    return found


def running(values: Any, counts: Any) -> Any:
    """Cumulative sums of ``values`` restarting with each run of ``counts`` values."""
    total = np.cumsum(values, dtype=np.int64)
    if not len(total):
        return total
    heads = np.cumsum(counts) - counts
    return total - np.repeat(total[heads] - values[heads], counts)
