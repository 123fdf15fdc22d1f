"""The segment writer and codec: Whoosh's term table for its own fields, the ``.lps`` for the rest.

A segment's searched fields (title, body, tags, notes) are written once, to the flat postings
file (``tui.core.search.flat.postings``), from ``FieldPool`` arrays in a few numpy passes; their
readers serve them to Whoosh (``whoosh.terms``). Whoosh's own term table and posting blocks keep
only the fields lectern looks documents up by (id, date, language): a few terms per document,
the rare ones inlined in the table (the inline path of Whoosh 2.7.4 calls a method that does not
exist, ``set_inline``; ``LecternPostingsWriter`` calls ``set_inlined``). Writing a term through
Whoosh costs some 30 µs (a block, a pickle, a zlib call, a table entry and its ``tell``); the
searched fields hold almost all the terms, so the per-term cost is now numpy's.

The classes here are pickled into the index's table of contents by name: keep the names, or
bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter
from whoosh.util.numeric import length_to_byte
from whoosh.writing import NO_MERGE, SegmentWriter

from tui.core.faults import checkpoint
from tui.core.search.whoosh.pool import TermPool

MergePolicy = Callable[[Any, list[Any]], list[Any]]
"""Whoosh's merge policies: (writer, the index's segments) -> the segments kept as they are."""
INLINE_LIMIT = 4
"""Terms with fewer postings than this are kept in the term table itself (no posting block)."""


def make_codec() -> W3Codec:
    """Whoosh's codec writing blocks with ``LecternPostingsWriter`` and zlib level 1 (Whoosh uses 3):
    a third less compression time for 1-2% larger postings; reading is as fast."""
    return LecternCodec(blocklimit=128, compression=1, inlinelimit=INLINE_LIMIT)


class LecternCodec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec with lectern's posting writer, stored fields compressed against a
    dictionary (``whoosh.stored``), and a terms reader that serves the searched fields from the
    segment's ``.lps`` file (this class's name is part of the index format: the table of
    contents pickles it with each segment)."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        return LecternPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def per_document_writer(self, storage: Any, segment: Any) -> Any:
        from tui.core.search.whoosh.stored import LecternPerDocWriter

        return LecternPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        from tui.core.search.whoosh.stored import LecternPerDocReader

        return LecternPerDocReader(storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> Any:
        from tui.core.search.flat.postings import SUFFIX, FlatPostings
        from tui.core.search.whoosh.terms import LecternTermsReader

        own = super().terms_reader(storage, segment)
        try:
            flat = FlatPostings(Path(storage.folder) / segment.make_filename(SUFFIX))
        except BaseException:
            own.close()
            raise
        return LecternTermsReader(own, flat)


class LecternPostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh's posting writer, pickling each block with protocol 5 instead of 2, and inlining a
    term with fewer than ``inlinelimit`` postings into its table entry.

    Protocol 2 writes every bytes value as a call to ``codecs.encode`` on a text: ten times
    slower, and twice the bytes to compress. Whoosh reads blocks with ``pickle.loads``, which
    takes any protocol. The rest is Whoosh 2.7.4's, with ``set_inlined`` for its ``set_inline``.
    """

    _terminfo: Any

    def finish_postings(self) -> Any:
        if not self.written() and len(self) < self._inlinelimit:
            terminfo = self._terminfo
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()

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
    """Whoosh's segment writer, never compound: the searched fields pooled as arrays and written
    to the ``.lps`` file, Whoosh's own fields written a block at a time.

    Whoosh sends every posting through an external sort (pickled to disk past ``limitmb``), then
    through a chain of Python calls per posting; a merge reads every posting back the same way.
    Here postings are grouped as they arrive (``TermPool``), a merged segment's searched fields
    come as whole arrays from its ``.lps`` file, and a test checks that a reader sees exactly
    the postings Whoosh's own writer writes.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, compound=False, codec=make_codec(), **kwargs)
        self.pool = TermPool(self.schema)

    def add_document(self, **fields_: Any) -> None:
        """Whoosh's ``add_document`` for lectern's schema, a field's postings pooled in one call.

        Lectern passes no document or field boosts (names starting ``_``), and its fields have
        no vectors and no separate spelling words, so the rest of Whoosh's version is idle.
        """
        self._check_state()
        names = sorted(fields_)
        self._check_fields(self.schema, names)
        perdoc, docnum, flat = self.perdocwriter, self.docnum, self.pool.flat
        perdoc.start_doc(docnum)
        for name in names:
            value = fields_[name]
            if value is None:
                continue
            field = self.schema[name]
            length = 0
            if name in flat:
                length = flat[name].add(docnum, field, value)
                length = length if field.scorable else 0
            elif field.indexed:
                length = self.pool.add_field(name, docnum, field.index(value))
                length = length if field.scorable else 0
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def write_per_doc(self, fieldnames: list[str], reader: Any) -> dict[int, int] | None:
        """Whoosh's copy of a merged segment's stored fields, lengths and columns, with each
        field's lengths read once: Whoosh looks them up per document and field, and each look-up
        of a field without lengths checks again that its file is missing (140,000 ``stat`` calls,
        two thirds of a merge's time, at 100,000 documents)."""
        from whoosh.columns import TranslatingColumnReader

        from tui.core.search.whoosh.scoring import doc_lengths

        schema = self.schema
        if any(schema[name].vector for name in fieldnames):  # none in lectern's schema
            found: dict[int, int] | None = super().write_per_doc(fieldnames, reader)
            return found
        columns: dict[str, Any] = {}
        for name in fieldnames:
            kind = schema[name].column_type
            if kind and reader.has_column(name):
                column = reader.column_reader(name, kind)
                columns[name] = column.raw_column() if isinstance(column, TranslatingColumnReader) else column
        lengths = {name: doc_lengths(reader, name) for name in fieldnames}
        docmap: dict[int, int] | None = {} if reader.has_deletions() else None
        perdoc = self.perdocwriter
        for docnum, stored in reader.iter_docs():
            if docmap is not None:
                docmap[docnum] = self.docnum
            perdoc.start_doc(self.docnum)
            for name in fieldnames:
                field = schema[name]
                perdoc.add_field(name, field, stored.get(name), lengths[name][docnum])
                if name in columns:
                    perdoc.add_column_value(name, field.column_type, columns[name][docnum])
            perdoc.finish_doc()
            self.docnum += 1
        return docmap

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: dict[int, int] | None) -> None:
        """A segment being merged in: Whoosh's own fields a posting at a time (a few per
        document), the searched fields as whole arrays from its ``.lps`` file."""
        import numpy as np

        terms = reader._terms
        numbers = np.arange(reader.doc_count_all(), dtype=np.int64) + startdoc
        if docmap is not None:  # deleted documents are left out
            numbers[:] = -1
            numbers[np.fromiter(docmap, dtype=np.int64)] = list(docmap.values())
        for item in self._process_posts(own_postings(reader), startdoc, docmap):
            self.pool.add(item)
        for name, pool in self.pool.flat.items():
            if name in terms.flat.fields:
                pool.add_merged(terms.flat.field_postings(name), numbers)
        checkpoint("segment-merged")

    def write_segment(
        self, merge: bool = True, policy: Callable[[Any, list[Any]], list[Any]] | None = None
    ) -> list[Any]:
        """``commit`` up to the table of contents: apply the merge policy (``merge_bounded``, or
        ``policy``) and write this writer's segment; the segments the index should then hold
        (``commit_segments`` makes it so)."""
        from tui.core.search.whoosh.merging import merge_bounded

        policy = policy or (merge_bounded if merge else NO_MERGE)
        segments: list[Any] = self._merge_segments(policy, None, merge)
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
        from tui.core.search.whoosh.table import write_terms

        self.perdocwriter.close()
        write_terms(self.fieldwriter, self.schema, self.pool)
        self.fieldwriter.close()
        self._write_flat_postings()

    def _write_flat_postings(self) -> None:
        """The segment's ``.lps`` file, from the pooled searched fields."""
        from tui.core.search.flat import postings

        name = self.newsegment.make_filename(postings.SUFFIX)
        fields = (pool.grouped(self.docnum) for pool in self.pool.flat.values())  # one at a time
        postings.write_fields(Path(self.storage.folder) / name, fields, self.docnum)
        checkpoint("segment-postings")


def own_postings(reader: Any) -> Iterator[tuple[str, bytes, int, float, bytes]]:
    """Every posting of the fields Whoosh's term table keeps, deleted documents left out."""
    terms = reader._terms
    for fieldname, tbytes in terms.own.terms():
        if fieldname in terms.flat.fields or fieldname not in reader.schema:
            continue
        matcher = reader.postings(fieldname, tbytes)
        while matcher.is_active():
            yield fieldname, tbytes, matcher.id(), matcher.weight(), matcher.value()
            matcher.next()


def add_all(
    writer: Any, documents: list[dict[str, Any]], progress: Callable[[int], None] | None = None
) -> set[str]:
    """Analyse ``documents`` into ``writer``'s segment (``progress`` hears the count after each);
    their vocabulary."""
    for count, fields_ in enumerate(documents, 1):
        writer.add_document(**fields_)
        if progress is not None:
            progress(count)
    return set(writer.pool.body.vocabulary())
