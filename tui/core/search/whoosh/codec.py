"""The segment writer: Whoosh's codec fed from lectern's pools, and the ``.lps`` beside it.

``FastWriter`` stands in for Whoosh's ``SegmentWriter`` pool: it fills Whoosh's posting blocks
itself and pickles them with protocol 5, then writes the flat postings file from the same
pooled arrays. The classes here are pickled into the index's table of contents by name: keep
the names, or bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from tui.core.search.query import SEARCH_FIELDS
from tui.core.search.whoosh.pool import BodyPostings, TermPool, TermPostings, cut_values, encode_all
from tui.core.search.whoosh.schema import BodyField


def make_codec() -> W3Codec:
    """Whoosh's codec writing blocks with ``LecternPostingsWriter`` and zlib level 1 (Whoosh uses 3):
    a third less compression time for 1-2% larger postings; reading is as fast."""
    return LecternCodec(blocklimit=128, compression=1)


class LecternCodec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec; only its posting writer differs (it is pickled into the index's table
    of contents with each segment, so this class's name is part of the index format)."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        return LecternPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class LecternPostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh's posting writer, pickling each block with protocol 5 instead of 2.

    Protocol 2 writes every bytes value (each body posting has one) as a call to
    ``codecs.encode`` on a text: ten times slower, and twice the bytes to compress. Whoosh reads
    blocks with ``pickle.loads``, which takes any protocol. The rest is ``_write_block`` as
    Whoosh 2.7.4 has it.
    """

    def _write_block(self, last: bool = False) -> None:
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, 5)
        compression = self._compression
        if compression:
            databytes = zlib.compress(databytes, compression)
        ids = self._ids
        info = (
            len(ids),
            ids[-1],
            self._maxweight,
            compression,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        infobytes = pickle.dumps(info, 2)
        length = len(infobytes) + len(databytes)
        postfile.write_int(-length if last else length)  # negative: the term's last block
        postfile.write(infobytes)
        postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class FastWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer, never compound, writing each term's postings a block at a time.

    Whoosh sends every posting through an external sort (pickled to disk past ``limitmb``), then
    through a chain of Python calls that re-reads the document's field length from disk for each
    one. Here postings are grouped as they arrive (``TermPool``, the body's in arrays) and each
    posting block is filled in one step. This uses private parts of Whoosh 2.7.4's W3 codec (the
    version is pinned); a test checks that it writes exactly the postings Whoosh's own writer
    writes.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, compound=False, codec=make_codec(), **kwargs)
        self.pool = TermPool(self.schema["body"].format.field_boost)

    def add_document(self, **fields_: Any) -> None:
        """Whoosh's ``add_document`` for lectern's schema, a field's postings pooled in one call.

        Lectern passes no document or field boosts (names starting ``_``), and its fields have
        no vectors and no separate spelling words, so the rest of Whoosh's version is idle.
        """
        self._check_state()
        names = sorted(fields_)
        self._check_fields(self.schema, names)
        perdoc, docnum = self.perdocwriter, self.docnum
        perdoc.start_doc(docnum)
        for name in names:
            value = fields_[name]
            if value is None:
                continue
            field = self.schema[name]
            length = 0
            if isinstance(field, BodyField):
                length = self.pool.body.add_text(docnum, value)
            elif field.indexed:
                length = self.pool.add_field(name, docnum, field.index(value))
                length = length if field.scorable else 0
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def write_segment(self, merge: bool = True) -> list[Any]:
        """``commit`` up to the table of contents: apply the merge policy and write this writer's
        segment; the segments the index should then hold (``commit_segments`` makes it so)."""
        segments: list[Any] = self._merge_segments(None, None, merge)
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        return segments

    def commit_segments(self, segments: list[Any]) -> None:
        """The rest of ``commit``: these segments (with helpers' ones, as Whoosh's MpWriter adds
        them) become the index."""
        self._commit_toc(segments)
        self._finish()

    def _flush_segment(self) -> None:
        body = self.pool.body.grouped()
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            write_postings(self.fieldwriter, self.schema, lengths, self.pool, body)
        finally:
            lengths.close()
        self.fieldwriter.close()
        self._write_flat_postings(body)

    def _write_flat_postings(self, body: BodyPostings | None) -> None:
        """The segment's ``.lps`` file (``tui.core.search.flat.postings``), from the same pooled postings."""
        from tui.core.search.flat import postings

        if body is None:
            return
        name = self.newsegment.make_filename(postings.SUFFIX)
        lengths = [self.pool.body.lengths.get(d, 0) for d in range(self.docnum)]
        postings.write(Path(self.storage.folder) / name, flat_segment(body, self.pool, lengths))


def flat_segment(body: BodyPostings, pool: TermPool, doc_lengths: list[int]) -> Any:
    """The searched fields' postings as ``tui.core.search.flat.postings`` stores them (keys in order)."""
    import numpy as np

    from tui.core.search.flat.postings import FlatSegment, key

    keys = [key("body", term) for term in body.terms]
    posting_starts, ids, weights, counts = [body.posting_starts], [body.ids], [body.weights], [body.counts]
    for fieldname in sorted(f for f in SEARCH_FIELDS if f != "body"):  # keys sort by field first
        terms = pool.fields.get(fieldname, {})
        for tbytes in sorted(terms):
            term_ids, term_weights, _ = terms[tbytes]
            keys.append(key(fieldname, tbytes))
            ids.append(np.asarray(term_ids, dtype=np.int64))
            weights.append(np.asarray(term_weights, dtype=np.float64))
            counts.append(np.zeros(len(term_ids), dtype=np.int64))
            posting_starts.append([int(posting_starts[-1][-1]) + len(term_ids)])
    return FlatSegment(
        keys=keys,
        posting_starts=np.concatenate(posting_starts),
        ids=np.concatenate(ids),
        weights=np.concatenate(weights),
        counts=np.concatenate(counts),
        positions=body.positions,
        starts=body.starts,
        ends=body.ends,
        doc_lengths=doc_lengths,
    )


def write_postings(
    fieldwriter: Any, schema: Any, lengths: Any, pool: TermPool, body: BodyPostings | None
) -> None:
    """Write the pool through Whoosh's field writer, in field and term order, as Whoosh does."""
    names = sorted({*pool.fields, *(["body"] if body is not None and body.terms else [])})
    for fieldname in names:
        fieldwriter.start_field(fieldname, schema[fieldname])
        doc_lengths = [lengths.doc_field_length(d, fieldname) or 0 for d in range(lengths.doc_count_all())]
        source = body if fieldname == "body" else pool.fields.get(fieldname, {})
        for tbytes, postings in term_postings(source):
            fieldwriter.start_term(tbytes)
            fill_blocks(fieldwriter._postwriter, postings, doc_lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def term_postings(
    source: dict[bytes, TermPostings] | BodyPostings | None,
) -> Iterator[tuple[bytes, tuple[Sequence[int], Sequence[float], Sequence[bytes]]]]:
    """(term, (document numbers, weights, values)) in term order, from a field's pool or the body."""
    if isinstance(source, dict):
        for tbytes in sorted(source):
            yield tbytes, source[tbytes]
        return
    if source is None:
        return
    blob, bounds = encode_all(source.counts, source.positions, source.starts, source.ends)
    edges = source.posting_starts.tolist()
    for term, start, end in zip(source.terms, edges, edges[1:], strict=False):
        ids, weights = source.ids[start:end].tolist(), source.weights[start:end].tolist()
        yield term, (ids, weights, cut_values(blob, bounds[start : end + 1]))


def fill_blocks(
    postwriter: Any, postings: tuple[Sequence[int], Sequence[float], Sequence[bytes]], doc_lengths: list[int]
) -> None:
    """What ``W3PostingsWriter.add_posting`` builds, one block at a time; the last block stays
    buffered for ``finish_term`` to write, as Whoosh does."""
    docnums, weights, values = postings
    limit = postwriter._blocklimit
    for start in range(0, len(docnums), limit):
        if start:
            postwriter._write_block()
        ids = docnums[start : start + limit]
        block_weights = weights[start : start + limit]
        lengths = list(filter(None, map(doc_lengths.__getitem__, ids)))  # Whoosh skips 0 too
        postwriter._ids = ids
        postwriter._weights = array("f", block_weights)
        postwriter._values = list(filter(None, values[start : start + limit]))
        postwriter._maxweight = max(0.0, *block_weights)
        postwriter._minlength = min(lengths) if lengths else None
        postwriter._maxlength = max(lengths, default=0)


def add_all(writer: Any, documents: list[dict[str, Any]]) -> set[str]:
    for fields_ in documents:
        writer.add_document(**fields_)
    return set(writer.pool.body.vocabulary())
