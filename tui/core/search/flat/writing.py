"""Writing a segment's ``.lps`` file (``layout``) from its pooled postings, in a few numpy passes.

Every term's columns are made small (gaps, counts minus one, zigzag lengths) and packed at
their own widths (``packing``) for all terms at once: no Python code runs per term or per
value, whatever the size of the vocabulary. The file is written under a temporary name and
renamed into place, so a kill leaves either no file or the whole one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tui.core.search.flat.layout import (
    BLOCK_KEYS,
    COLUMNS,
    HEADER,
    MAGIC,
    SEPARATOR,
    FlatField,
    FlatSegment,
    offset_type,
)
from tui.core.search.flat.packing import WIDTHS, gaps, pack, width_codes, zigzag


def write(path: Path, segment: FlatSegment) -> None:
    """Write the file (through a temporary file renamed into place)."""
    fields = sorted(segment.fields, key=lambda f: f.name)
    table: list[dict[str, Any]] = []
    key_count = block_count = 0
    parts: list[dict[str, Any]] = []
    for field in fields:
        part = _columns(field, segment.docs)
        count = len(field.terms)
        blocks = -(-count // BLOCK_KEYS)
        table.append(
            {
                "name": field.name,
                "boost": field.boost,
                "positions": field.positions is not None,
                "keys": [key_count, key_count + count],
                "blocks": [block_count, block_count + blocks],
            }
        )
        key_count += count
        block_count += blocks
        parts.append(part)
    codes = np.concatenate([p["codes"] for p in parts]) if parts else np.zeros((0, COLUMNS), np.uint8)
    counts = [np.concatenate([p["counts"][c] for p in parts] or [np.zeros(0, np.int64)]) for c in range(5)]
    sizes = sum(counts[c] * WIDTHS[codes[:, c].astype(np.int64)] for c in range(COLUMNS))
    record_offsets = np.zeros(key_count + 1, dtype=np.int64)
    np.cumsum(sizes, out=record_offsets[1:])
    data = np.zeros(int(record_offsets[-1]), dtype=np.uint8)
    at = record_offsets[:-1].copy()
    for c in range(COLUMNS):
        values = np.concatenate([p["values"][c] for p in parts] or [np.zeros(0, np.int64)])
        pack(data, at, values, counts[c], codes[:, c])
        at += counts[c] * WIDTHS[codes[:, c].astype(np.int64)]
    widths = np.zeros(key_count, dtype="<u2")
    for c in range(COLUMNS):
        widths |= (codes[:, c].astype(np.uint16) << (2 * c)).astype("<u2")
    posting_starts = np.zeros(key_count + 1, dtype=np.int64)
    np.cumsum(counts[0], out=posting_starts[1:])
    key_bytes, sample_bytes, block_offsets = _keys(fields)
    spans = [np.asarray(f.spans, dtype=np.int64) for f in fields if f.positions is not None]
    if any(len(s) != segment.docs for s in spans):
        raise ValueError("a positional field without a span for every document")
    if any(len(s) and int(s.max()) >= 1 << 32 for s in spans):
        raise ValueError("a document past 2**32 positions")
    offsets = (posting_starts, record_offsets, block_offsets)
    flags = sum(1 << i for i, values in enumerate(offsets) if len(values) and int(values[-1]) >= 1 << 32)
    encoded = json.dumps(table).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    header = HEADER.pack(
        MAGIC,
        len(encoded),
        flags,
        0,
        key_count,
        int(posting_starts[-1]),
        block_count,
        segment.docs,
        len(key_bytes),
        len(sample_bytes),
        len(data),
    )
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(header)
        handle.write(encoded)
        for i, values in enumerate(offsets[:2]):
            handle.write(_padded(values.astype(offset_type(flags, i)).tobytes()))
        handle.write(_padded(widths.tobytes()))
        handle.write(_padded(block_offsets.astype(offset_type(flags, 2)).tobytes()))
        for values in spans:
            handle.write(_padded(values.astype("<u4").tobytes()))
        handle.write(_padded(key_bytes))
        handle.write(_padded(sample_bytes))
        handle.write(data.data)
        handle.write(MAGIC)  # the end: a cut or extended file is refused, not misread
    temporary.replace(path)


def _columns(field: FlatField, docs: int) -> dict[str, Any]:
    """A field's five columns as stored (gaps, counts minus one), values per term, width codes."""
    posting_starts = np.asarray(field.posting_starts, dtype=np.int64)
    ids = np.asarray(field.ids, dtype=np.int64)
    counts = np.asarray(field.counts, dtype=np.int64)
    terms = len(field.terms)
    if len(posting_starts) != terms + 1 or len(ids) != int(posting_starts[-1]) or len(counts) != len(ids):
        raise ValueError(f"{field.name}: inconsistent postings")
    df = np.diff(posting_starts)
    if terms and (int(df.min()) < 1 or (len(ids) and int(ids.max()) >= docs)):
        raise ValueError(f"{field.name}: a term without postings, or a document past the segment")
    id_gaps = ids.copy()
    id_gaps[1:] -= ids[:-1] + 1
    id_gaps[posting_starts[:-1]] = ids[posting_starts[:-1]]
    values = [id_gaps, counts - 1]
    per_key = [df, df]
    if field.positions is None:
        empty = np.zeros(0, dtype=np.int64)
        values += [empty, empty, empty]
        per_key += [np.zeros(terms, dtype=np.int64)] * 3
    else:
        positions = np.asarray(field.positions, dtype=np.int64)
        starts = np.asarray(field.starts, dtype=np.int64)
        if not len(positions) == len(starts) == len(field.ends) == int(counts.sum()):
            raise ValueError(f"{field.name}: counts that do not match the occurrences")
        occurrences = np.zeros(terms, dtype=np.int64)
        if terms:
            occurrences = np.add.reduceat(counts, posting_starts[:-1])
        sizes = np.fromiter((len(t.decode("utf-8")) for t in field.terms), dtype=np.int64, count=terms)
        lengths = np.asarray(field.ends, dtype=np.int64) - starts - np.repeat(sizes, occurrences)
        values += [gaps(positions, counts), gaps(starts, counts), zigzag(lengths)]
        per_key += [occurrences] * 3
    codes = np.stack([width_codes(v, n) for v, n in zip(values, per_key, strict=True)], axis=1)
    return {"values": values, "counts": per_key, "codes": codes.reshape(-1, COLUMNS)}


def _keys(fields: Sequence[FlatField]) -> tuple[bytes, bytes, Any]:
    """The term bytes (each followed by ``SEPARATOR``), the sample of every block's first term,
    and where each block starts in the term bytes (plus the end)."""
    joined: list[bytes] = []
    samples: list[bytes] = []
    block_starts: list[Any] = []
    at = 0
    for field in fields:
        terms = list(field.terms)
        if not terms:
            continue
        sizes = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms)) + 1
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        block_starts.append(offsets[:-1][::BLOCK_KEYS] + at)
        at += int(offsets[-1])
        joined.append(SEPARATOR.join(terms) + SEPARATOR)
        samples.append(SEPARATOR.join(terms[::BLOCK_KEYS]) + SEPARATOR)
    block_offsets = np.concatenate([*block_starts, np.asarray([at], dtype=np.int64)])
    return b"".join(joined), b"".join(samples), block_offsets


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 8)
