"""Writing a segment's ``.lps`` file (``layout``) from its pooled postings, in a few numpy passes.

Every term's columns are made small (gaps, counts minus one, zigzag lengths) and packed at
their own widths (``packing``) for all terms at once: no Python code runs per term or per
value, whatever the size of the vocabulary. The file is written under a temporary name and
renamed into place, so a kill leaves either no file or the whole one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
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
    write_fields(path, segment.fields, segment.docs)


def write_fields(path: Path, fields: Iterable[FlatField], docs: int) -> None:
    """``write`` from fields taken one at a time: each field's columns are made small as it comes
    and the field let go (given a generator, a segment's largest arrays never coexist)."""
    parts: list[dict[str, Any]] = []
    for field in fields:
        part = _columns(field, docs)
        part.update(name=field.name, boost=field.boost, terms=list(field.terms))
        if field.positions is not None:
            part["spans"] = np.asarray(field.spans, dtype=np.int64)
        parts.append(part)
        del field  # (the last one too, before the packing)
    parts.sort(key=lambda p: str(p["name"]))
    table, key_count, block_count = _table(parts)
    record_offsets, data, widths, posting_starts = _packed(parts, key_count)
    key_bytes, sample_bytes, block_offsets = _keys([part["terms"] for part in parts])
    spans = [part["spans"] for part in parts if "spans" in part]
    if any(len(s) != docs for s in spans):
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
        docs,
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


def _table(parts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
    """The header's table of fields (their keys and blocks), and the counts of keys and blocks."""
    table: list[dict[str, Any]] = []
    key_count = block_count = 0
    for part in parts:
        count = len(part["terms"])
        blocks = -(-count // BLOCK_KEYS)
        table.append(
            {
                "name": part["name"],
                "boost": part["boost"],
                "positions": "spans" in part,
                "keys": [key_count, key_count + count],
                "blocks": [block_count, block_count + blocks],
            }
        )
        key_count += count
        block_count += blocks
    return table, key_count, block_count


def _packed(parts: list[dict[str, Any]], key_count: int) -> tuple[Any, Any, Any, Any]:
    """Every key's record offset, the packed records, each key's width codes, and where each
    key's postings start; each part's columns are let go as they are packed."""
    codes = np.concatenate([p["codes"] for p in parts]) if parts else np.zeros((0, COLUMNS), np.uint8)
    counts = [np.concatenate([p["counts"][c] for p in parts] or [np.zeros(0, np.int64)]) for c in range(5)]
    sizes = sum(counts[c] * WIDTHS[codes[:, c].astype(np.int64)] for c in range(COLUMNS))
    record_offsets = np.zeros(key_count + 1, dtype=np.int64)
    np.cumsum(sizes, out=record_offsets[1:])
    data = np.zeros(int(record_offsets[-1]), dtype=np.uint8)
    at = record_offsets[:-1].copy()
    for c in range(COLUMNS):
        first = 0
        for part in parts:  # each field's keys in turn
            keys = slice(first, first + len(part["codes"]))
            pack(data, at[keys], part["values"][c], counts[c][keys], codes[keys, c])
            part["values"][c] = None
            first = keys.stop
        at += counts[c] * WIDTHS[codes[:, c].astype(np.int64)]
    widths = np.zeros(key_count, dtype="<u2")
    for c in range(COLUMNS):
        widths |= (codes[:, c].astype(np.uint16) << (2 * c)).astype("<u2")
    posting_starts = np.zeros(key_count + 1, dtype=np.int64)
    np.cumsum(counts[0], out=posting_starts[1:])
    return record_offsets, data, widths, posting_starts


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
        # A segment's own occurrences are 32-bit (a pool's): kept so, they take half the memory
        # of the widest, which anything else (a hand-made field) is widened to, to be checked.
        kind = np.int32 if all(_int32(c) for c in (field.positions, field.starts, field.ends)) else np.int64
        positions = np.asarray(field.positions, dtype=kind)
        starts = np.asarray(field.starts, dtype=kind)
        if not len(positions) == len(starts) == len(field.ends) == int(counts.sum()):
            raise ValueError(f"{field.name}: counts that do not match the occurrences")
        occurrences = np.zeros(terms, dtype=np.int64)
        if terms:
            occurrences = np.add.reduceat(counts, posting_starts[:-1])
        sizes = np.fromiter((len(t.decode("utf-8")) for t in field.terms), dtype=np.int64, count=terms)
        # In place where it can be: a merge's largest moment is here, with the field still held.
        lengths = np.subtract(np.asarray(field.ends, dtype=kind), starts)
        lengths -= np.repeat(sizes.astype(kind), occurrences)
        values += [gaps(positions, counts), gaps(starts, counts), zigzag(lengths)]
        del positions, starts, lengths
        per_key += [occurrences] * 3
    codes = np.stack([width_codes(v, n) for v, n in zip(values, per_key, strict=True)], axis=1)
    return {"values": values, "counts": per_key, "codes": codes.reshape(-1, COLUMNS)}


def _int32(column: Any) -> bool:
    return isinstance(column, np.ndarray) and column.dtype == np.int32


def _keys(fields: Sequence[Sequence[bytes]]) -> tuple[bytes, bytes, Any]:
    """The term bytes (each followed by ``SEPARATOR``), the sample of every block's first term,
    and where each block starts in the term bytes (plus the end)."""
    joined: list[bytes] = []
    samples: list[bytes] = []
    block_starts: list[Any] = []
    at = 0
    for terms in fields:
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
