"""The index schema, the analyzer Whoosh calls, and the body's posting format.

``LecternAnalyzer`` and ``BodyFormat`` wrap ``tui.core.search.analysis`` so that Whoosh's
parser sees lectern's terms; the body format is how a body posting's positions and character
offsets look to Whoosh's matchers (small delta-encoded arrays instead of Whoosh's pickles; the
postings themselves live in the ``.lps`` file). ``SortKey`` and ``DateField`` are columns
Whoosh sorts by and never indexes. These classes are pickled into the index by name: keep the
names, or bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate
from operator import add, sub
from typing import Any

from whoosh import fields, formats
from whoosh.analysis import Analyzer, Token
from whoosh.system import _INT_SIZE, pack_uint

from tui.core.search.analysis import index_tokens, term_offsets, tokens
from tui.core.search.whoosh import SCHEMA_VERSION


class LecternAnalyzer(Analyzer):  # type: ignore[misc]
    """Whoosh analyzer over ``tokens``; used for titles and for parsing queries."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # prefix, wildcard and fuzzy texts: lower-cased, not stemmed
            token.original = token.text = value.lower()
            token.boost, token.pos = 1.0, start_pos
            token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        # A query reads a compound word as the phrase of its parts; the index holds both.
        found = (
            [(term, pos, start, end) for pos, (term, start, end) in enumerate(tokens(value))]
            if mode == "query"
            else index_tokens(value)
        )
        for term, pos, start, end in found:
            token.text, token.boost, token.stopped = term, 1.0, False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token

    def has_morph(self) -> bool:
        return True


class BodyFormat(formats.Characters):  # type: ignore[misc]
    """Positions and character offsets, computed in one pass of ``term_offsets``.

    Whoosh's Characters format pickles a tuple per occurrence and decodes them in a Python loop;
    this stores one array of small numbers, built and read back in C, which matters for phrase
    checks and hit spans (run on every candidate document) and for indexing. See ``encode_occurrences``.
    """

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        boost = self.field_boost
        for word, flat in term_offsets(value).items():
            count = len(flat) // 3
            yield word, count, count * boost, encode_occurrences(flat, count)

    def encode(self, poslist: Sequence[tuple[int, int, int]]) -> bytes:
        return encode_occurrences([n for triple in poslist for n in triple], len(poslist))

    def decode_characters(self, valuestring: bytes) -> list[tuple[int, int, int]]:
        numbers, n = decode_numbers(valuestring)
        starts = list(accumulate(numbers[n : 2 * n]))
        return list(zip(accumulate(numbers[:n]), starts, map(add, starts, numbers[2 * n :]), strict=True))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        numbers, n = decode_numbers(valuestring)
        return list(accumulate(numbers[:n]))

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in self.decode_positions(valuestring)]


class BodyField(fields.TEXT):  # type: ignore[misc]
    """The body field: ``BodyFormat``'s postings as one list, terms already encoded.

    Whoosh's ``FieldType.index`` re-yields each posting through another generator to encode its
    term; this runs for every posting of every document.
    """

    def index(self, value: str, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        postings = []
        for word, flat in term_offsets(value).items():
            count = len(flat) // 3
            postings.append((word.encode("utf-8"), count, count * boost, encode_occurrences(flat, count)))
        return postings


_BIG_ENDIAN = sys.byteorder == "big"


def encode_occurrences(flat: list[int], count: int) -> bytes:
    """The count, then a typecode, then position deltas, start deltas and lengths.

    Deltas keep the numbers small: 16 bits (typecode H) unless one does not fit (I, 32 bits),
    which makes postings smaller than Whoosh's pickles. Stored little-endian.
    """
    if count == 1:  # most postings: a word once in a document
        pos, start, end = flat
        if end < 1 << 16:  # pos <= start < end: all three fit in 16 bits
            return _SINGLE_HEADER + _SINGLE.pack(pos, start, end - start)
        numbers = [pos, start, end - start]
    else:
        positions, starts = flat[0::3], flat[1::3]
        numbers = [
            positions[0],
            *map(sub, positions[1:], positions),
            starts[0],
            *map(sub, starts[1:], starts),
            *map(sub, flat[2::3], starts),
        ]
    code = "H" if max(numbers) < 1 << 16 else "I"
    packed = array(code, numbers)
    if _BIG_ENDIAN:
        packed.byteswap()
    return bytes(pack_uint(count) + code.encode("ascii") + packed.tobytes())


_SINGLE = struct.Struct("<HHH")
_SINGLE_HEADER = bytes(pack_uint(1) + b"H")


def decode_numbers(valuestring: bytes) -> tuple[array[int], int]:
    """The numbers ``encode_occurrences`` stored, and how many occurrences they describe."""
    numbers = array(chr(valuestring[_INT_SIZE]))
    numbers.frombytes(valuestring[_INT_SIZE + 1 :])
    if _BIG_ENDIAN:
        numbers.byteswap()
    return numbers, len(numbers) // 3


BODY_FORMAT = BodyFormat()


class DateField(fields.DATETIME):  # type: ignore[misc]
    """A date kept as a column, not as terms: ``whoosh.dates`` answers date queries from it (a
    date indexed by Whoosh is eight terms, most of them unique to the day)."""

    indexed = False


class SortKey(fields.ID):  # type: ignore[misc]
    """A sortable column that is not indexed: titles are sorted by it, never searched (an
    indexed ID would put one term per document in Whoosh's term table)."""

    indexed = False


def make_schema() -> fields.Schema:
    """The index schema (see design.md, section 3)."""
    analyzer = LecternAnalyzer()
    body = BodyField(analyzer=analyzer, chars=True, multitoken_query="phrase")
    body.format = BodyFormat(field_boost=1.0)
    # Marks the schema version inside the index, so a searcher never reads an older format.
    version = {schema_mark(): fields.STORED()}
    return fields.Schema(
        **version,
        id=fields.ID(unique=True, stored=True),
        path=fields.STORED(),
        title=fields.TEXT(analyzer=analyzer, stored=True, field_boost=3.0, multitoken_query="phrase"),
        title_sort=SortKey(sortable=True),
        body=body,
        note=fields.TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase"),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        date=DateField(stored=True, sortable=True),
        language=fields.ID(stored=True),
        source=fields.STORED(),
        sha256=fields.STORED(),
        size=fields.STORED(),
        mtime_ns=fields.STORED(),
        record=fields.STORED(),  # the document's catalog entry (JSON): the catalog's backup
    )


def schema_mark() -> str:
    """The name of the (empty) field that marks an index built with this ``SCHEMA_VERSION``."""
    return f"schema_v{SCHEMA_VERSION}"
