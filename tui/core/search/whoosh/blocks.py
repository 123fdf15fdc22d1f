"""Reading a term's postings straight from Whoosh's W3 posting blocks (the id, date and
language fields: the searched ones are in the ``.lps`` file).

Whoosh's matcher decodes a block one posting at a time. The bulk evaluator needs a term's ids
and weights for a whole segment; it walks the blocks here: a length, a pickled header (count,
last id, compression), then the pickled (and maybe zlib-compressed) ids, weights and values;
or the postings inlined in the term table. Only this module knows that layout.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from whoosh.system import _INT_SIZE

_BLOCK_LENGTH = struct.Struct("!i")
_HEADER_BYTES = 64
"""Enough for a block's length and pickled header, whatever its numbers."""


class _Block(NamedTuple):
    postings: int
    last_id: int
    load: Callable[[], tuple[Any, Any, Any]]
    """The block's id deltas, weights and values."""


def _blocks(reader: Any, fieldname: str, tbytes: bytes) -> Iterator[_Block] | tuple[Any, Any, Any]:
    """The term's blocks in order, or its (ids, weights, values) when they are inlined in the
    term table. KeyError or TermNotFound when the segment lacks the term."""
    terms = reader._terms.own  # Whoosh's own table (``whoosh.terms``)
    info = terms.term_info(fieldname, tbytes)
    if info.is_inlined():
        return tuple(info.inlined_postings())
    return _walk(terms._postfile, info._offset + _INT_SIZE)  # after the magic number


def _walk(postfile: Any, position: int) -> Iterator[_Block]:
    while True:
        head = io.BytesIO(postfile.get(position, _HEADER_BYTES))
        (size,) = _BLOCK_LENGTH.unpack(head.read(_BLOCK_LENGTH.size))
        count, last_id, _, compression, _, _ = pickle.load(head)
        start, end = position + head.tell(), position + _BLOCK_LENGTH.size + abs(size)
        yield _Block(count, last_id, _loader(postfile, start, end, bool(compression)))
        if size < 0:  # the last block
            return
        position = end


def _loader(postfile: Any, start: int, end: int, compressed: bool) -> Callable[[], tuple[Any, Any, Any]]:
    def load() -> tuple[Any, Any, Any]:
        raw = postfile.get(start, end - start)
        found: tuple[Any, Any, Any] = pickle.loads(zlib.decompress(raw) if compressed else raw)
        return found

    return load


def ids_and_weights(reader: Any, fieldname: str, tbytes: bytes) -> tuple[Any, Any]:
    """A term's document numbers and weights in the segment, as numpy arrays."""
    import numpy as np

    blocks = _blocks(reader, fieldname, tbytes)
    if isinstance(blocks, tuple):
        return np.asarray(blocks[0], dtype=np.int64), np.asarray(blocks[1], dtype=np.float64)
    id_parts, weight_parts = [], []
    for block in blocks:
        deltas, weights, _ = block.load()
        id_parts.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        if weights is None or isinstance(weights, float):  # all the same: stored once
            weight_parts.append(np.full(block.postings, 1.0 if weights is None else weights))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float64))
    return np.concatenate(id_parts), np.concatenate(weight_parts)
