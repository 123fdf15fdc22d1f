"""The full-text index: the only module in lectern that imports Whoosh.

It holds the schema, the analyzer (Latin words stemmed, Han/Kana/Hangul runs as overlapping
bigrams), writing batches of documents, parsing and running queries, snippets, spelling
suggestions, and *hit spans*: where a query's matches lie in a document's text. Hit spans come
from the character offsets stored in the postings (the segment's ``.lps`` file, else Whoosh's
body postings, ``chars=True``), so what the search matched is exactly what the reader
highlights; when a text is newer than the index, the same analyzer finds them in the text.

Indexing speed: Whoosh spends most of its time per token and per posting in Python. Here
``_BodyPool`` tokenises a body in C (one ``re.split``, offsets from the pieces' lengths, a dict
from word to term number) and groups a segment's occurrences by term with one numpy sort;
``_encode_all`` encodes every posting's value at once; ``_FastWriter`` fills Whoosh's posting
blocks itself and ``_PostingsWriter`` pickles them with protocol 5. The query side and Whoosh's
own writer use the same ``tokens`` and ``_encode`` (``BodyFormat``, ``LecternAnalyzer``); tests
check that both ways give the same terms, offsets and bytes. Segments are never compound: Whoosh
copies a compound segment's files into memory on every open.

Search speed: Whoosh scores one document at a time in Python. A relevance search here runs on
whole posting lists instead ("bulk queries" below): each segment's flat ``.lps`` file
(``tui.core.postings``, written by ``_FastWriter`` from the same pool) holds the searched
fields' postings, the body's positions and its tokens' character offsets; they are combined as
numpy masks and BM25F score arrays, and any query node it does not know runs through Whoosh's
matcher. Fuzzy and prefix terms expand against a per-searcher lexicon with rapidfuzz. A hit's
offsets come from the same file (two binary searches), and its text is read only when the file
is still the indexed version (size, mtime).
"""

from __future__ import annotations

import bisect
import functools
import heapq
import io
import os
import pickle
import re
import struct
import sys
import threading
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate, pairwise
from operator import add, itemgetter, sub
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from whoosh import fields, formats, index, matching, qparser, query, scoring
from whoosh.analysis import Analyzer, Token
from whoosh.codec.whoosh3 import LENGTHS_COLUMN as _LENGTHS_COLUMN
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter
from whoosh.index import EmptyIndexError
from whoosh.lang.porter import stem as porter_stem
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE, pack_uint
from whoosh.util import make_binary_tree
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from tui.core import catalog as catalog_format
from tui.core.catalog import SCHEMA_VERSION, VOCABULARY_NAME, WHOOSH_DIR
from tui.core.documents import read_body, text_sha256
from tui.core.results import Hit, IndexDamaged, IndexUnavailable, QueryError, Results, Span

MAX_QUERY_CHARS = 400
MAX_WORD_CHARS = 80
"""Whoosh's parser and fuzzy expansion are quadratic in word length; longer words are refused."""
SNIPPET_CHARS = 180
DATE_HELP = "date: takes a year (date:2020), a day (date:2020-01-19) or a range (date:[2019 to 2021])"
SEARCH_FIELDS = ("title", "body", "tags", "note")
FIELD_ALIASES = {"tags": ["tag"], "language": ["lang"], "note": ["notes"]}
QUERY_FIELDS = frozenset({*SEARCH_FIELDS, "date", "language"})
"""The fields a query may name (with their aliases); the others are stored, not searchable."""
FIELDS_HELP = "search title:, tag:, note:, lang: or date:"
MAX_FUZZY_DISTANCE = 2
MAX_EXPANSIONS = 1024
"""A prefix, wildcard or fuzzy term matches at most this many words (the most frequent): every
query then answers within a bounded time, whatever the size of the vocabulary."""
_FIELD_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*):")
_FUZZY_DISTANCE = re.compile(r"~(\d+)")

_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)


class _Patterns(NamedTuple):
    token: re.Pattern[str]
    """A Latin word, or a CJK run (group 1)."""
    latin_word: re.Pattern[str]
    plain_word: re.Pattern[str]
    """A query word that is not a field name, prefix or wildcard (a misspelling~ is one: a failed
    fuzzy search still suggests a spelling)."""
    split: re.Pattern[str]
    """``token`` as one group, for ``re.split``."""
    cjk: re.Pattern[str]
    compound: re.Pattern[str]
    """Words joined by ``_``, ``.`` or ``-`` (``spin_lock``, ``os.path``, ``2020-01-19``)."""
    camel: re.Pattern[str]
    """Where a camelCase word has a boundary inside (``get|Element``, ``HTTP|Server``)."""
    camel_boundary: re.Pattern[str]
    """The same boundaries, zero-width, to split at."""


@functools.cache
def _patterns() -> _Patterns:
    """The analyzer's regular expressions, compiled when first needed: the CJK ranges make each
    take milliseconds, and the indexer's unchanged check needs none of them."""
    return _Patterns(
        token=re.compile(f"([{_CJK}]+)|[^\\W_{_CJK}]+"),
        latin_word=re.compile(f"[^\\W\\d_{_CJK}]{{3,30}}"),
        plain_word=re.compile(r"(?<![\w:*?~-])([^\W\d_]{3,})(?![\w:*?])"),
        split=re.compile(f"([{_CJK}]+|[^\\W_{_CJK}]+)"),
        cjk=re.compile(f"[{_CJK}]"),
        compound=re.compile(f"[^\\W_{_CJK}]+(?:[._-][^\\W_{_CJK}]+)+"),
        camel=re.compile(r"[a-z][A-Z]|[A-Z][A-Z][a-z]{2}"),
        camel_boundary=re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})"),
    )


_stems: dict[str, str] = {}


def stem(word: str) -> str:
    """Porter stem of a lower-case word, memoised (the vocabulary is small, tokens are many)."""
    try:
        return _stems[word]
    except KeyError:
        result = _stems[word] = porter_stem(word) if len(word) <= 40 else word
        return result


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """Words of ``text`` as (term, start, end), split into their parts: stemmed Latin words and
    CJK bigrams. This is how a query reads its words.

    ``_``, ``.`` and ``-`` separate words, and so does a camelCase hump: ``spin_lock`` is
    ``spin`` then ``lock``, ``getElementById`` is ``get element by id``. A query word written
    so becomes the phrase of its parts, which finds the identifier and the words in prose."""
    patterns = _patterns()
    humps = patterns.camel.search(text) is not None
    for match in patterns.token.finditer(text):
        run = match.group(1)
        start = match.start()
        if run is None:
            word = match.group()
            if humps and patterns.camel.search(word):
                yield from _camel_parts(word, start)
            else:
                yield stem(word.lower()), start, match.end()
        elif len(run) == 1:
            yield run, start, start + 1
        else:
            for i in range(len(run) - 1):
                yield run[i : i + 2], start + i, start + i + 2


def _camel_parts(word: str, start: int) -> Iterator[tuple[str, int, int]]:
    at = 0
    for boundary in [*(m.start() for m in _patterns().camel_boundary.finditer(word)), len(word)]:
        if boundary > at:
            yield stem(word[at:boundary].lower()), start + at, start + boundary
        at = boundary


def index_tokens(text: str) -> list[tuple[str, int, int, int]]:
    """The terms ``text`` is indexed under, as (term, position, start, end), in position order.

    Each word's parts (``tokens``), and each compound word whole (``spin_lock``, ``os.path``,
    ``getElementById``) at the position of its first part: a phrase of the parts and the
    whole word written without humps (``getelementbyid``) both find it."""
    parts = list(tokens(text))
    found = [(term, pos, start, end) for pos, (term, start, end) in enumerate(parts)]
    wholes = _wholes(text)
    if wholes:
        starts = [start for _, start, _ in parts]
        for start, end in wholes:
            found.append(
                (_whole_term(text[start:end].lower()), bisect.bisect_left(starts, start), start, end)
            )
        found.sort(key=itemgetter(1))
    return found


def _whole_term(word: str) -> str:
    """A camelCase word is stemmed like the one word a query would write it as; a joined one
    is kept as written (a query reads it as a phrase; only ``spin_lo*`` and the like reach it)."""
    return word if _JOINERS.intersection(word) else stem(word)


_JOINERS = frozenset("._-")


def _wholes(text: str) -> list[tuple[int, int]]:
    """Spans of the compound words of ``text``: joined by separators, or camelCase."""
    patterns = _patterns()
    spans = {m.span() for m in patterns.compound.finditer(text)}
    if patterns.camel.search(text):
        for match in patterns.token.finditer(text):
            if match.lastindex is None and patterns.camel.search(match.group()):
                spans.add(match.span())
    return sorted(span for span in spans if span[1] - span[0] <= MAX_WORD_CHARS)


def term_offsets(text: str) -> dict[str, list[int]]:
    """Each term of ``text`` with its occurrences flattened: position, start, end, position, ...

    The same terms as ``index_tokens``; a text without compound words (most prose) is
    tokenised inline, as this runs once per token of every document.
    """
    lower = text.lower()
    patterns = _patterns()
    # A letter that lower-cases to two would shift offsets; a capital sigma lower-cases by what
    # stands around it (word-final or not), and ``tokens`` lower-cases one word at a time.
    if (
        len(lower) != len(text)
        or "Σ" in text
        or patterns.compound.search(lower) is not None
        or patterns.camel.search(text) is not None
    ):
        return _term_offsets_slowly(text)
    found: dict[str, list[int]] = {}
    entry_of = found.get
    stems = _stems
    pos = 0
    for match in patterns.token.finditer(lower):
        if match.lastindex is not None:  # a CJK run
            pos = _add_cjk_run(found, match.group(1), match.start(), pos)
            continue
        word = match.group()
        term = stems.get(word) or stem(word)
        entry = entry_of(term)
        if entry is None:
            found[term] = [pos, *match.span()]
        else:
            entry += (pos, *match.span())
        pos += 1
    return found


def _term_offsets_slowly(text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for term, pos, start, end in index_tokens(text):
        found.setdefault(term, []).extend((pos, start, end))
    return found


def _add_cjk_run(found: dict[str, list[int]], run: str, start: int, pos: int) -> int:
    """Add a CJK run's bigrams (or its single character); the next position."""
    if len(run) == 1:
        found.setdefault(run, []).extend((pos, start, start + 1))
        return pos + 1
    for i in range(len(run) - 1):
        found.setdefault(run[i : i + 2], []).extend((pos, start + i, start + i + 2))
        pos += 1
    return pos


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
    checks and hit spans (run on every candidate document) and for indexing. See ``_encode``.
    """

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        boost = self.field_boost
        for word, flat in term_offsets(value).items():
            count = len(flat) // 3
            yield word, count, count * boost, _encode(flat, count)

    def encode(self, poslist: Sequence[tuple[int, int, int]]) -> bytes:
        return _encode([n for triple in poslist for n in triple], len(poslist))

    def decode_characters(self, valuestring: bytes) -> list[tuple[int, int, int]]:
        numbers, n = _numbers(valuestring)
        starts = list(accumulate(numbers[n : 2 * n]))
        return list(zip(accumulate(numbers[:n]), starts, map(add, starts, numbers[2 * n :]), strict=True))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        numbers, n = _numbers(valuestring)
        return list(accumulate(numbers[:n]))

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in self.decode_positions(valuestring)]


class _BodyField(fields.TEXT):  # type: ignore[misc]
    """The body field: ``BodyFormat``'s postings as one list, terms already encoded.

    Whoosh's ``FieldType.index`` re-yields each posting through another generator to encode its
    term; this runs for every posting of every document.
    """

    def index(self, value: str, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        postings = []
        for word, flat in term_offsets(value).items():
            count = len(flat) // 3
            postings.append((word.encode("utf-8"), count, count * boost, _encode(flat, count)))
        return postings


_BIG_ENDIAN = sys.byteorder == "big"


def _encode(flat: list[int], count: int) -> bytes:
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


def _numbers(valuestring: bytes) -> tuple[array[int], int]:
    """The numbers ``_encode`` stored, and how many occurrences they describe."""
    numbers = array(chr(valuestring[_INT_SIZE]))
    numbers.frombytes(valuestring[_INT_SIZE + 1 :])
    if _BIG_ENDIAN:
        numbers.byteswap()
    return numbers, len(numbers) // 3


_BODY_FORMAT = BodyFormat()


def make_schema() -> fields.Schema:
    """The index schema (see design.md, section 3)."""
    analyzer = LecternAnalyzer()
    body = _BodyField(analyzer=analyzer, chars=True, multitoken_query="phrase")
    body.format = BodyFormat(field_boost=1.0)
    # Marks the schema version inside the index, so a searcher never reads an older format.
    version = {schema_mark(): fields.STORED()}
    return fields.Schema(
        **version,
        id=fields.ID(unique=True, stored=True),
        path=fields.STORED(),
        title=fields.TEXT(analyzer=analyzer, stored=True, field_boost=3.0, multitoken_query="phrase"),
        title_sort=fields.ID(sortable=True),
        body=body,
        note=fields.TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase"),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        date=fields.DATETIME(stored=True, sortable=True),
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


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class IndexedDocument:
    """What the writer needs of a document (a ``documents.Document`` fits)."""

    id: str
    path: Path
    title: str
    date: str
    source: str
    language: str
    tags: tuple[str, ...]
    text: str
    sha256: str
    size: int
    mtime_ns: int
    """The file's size and mtime when it was read: while they still match, so does the text."""


def create(folder: Path) -> None:
    """Create an empty index in ``folder/whoosh``, replacing whatever was there."""
    target = folder / WHOOSH_DIR
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if old.is_file():
            old.unlink()
    index.create_in(str(target), make_schema())


def collect_garbage(folder: Path) -> None:
    """Delete the files no generation uses: segments and tables of contents of a killed run."""
    try:
        ix = index.open_dir(str(folder / WHOOSH_DIR))
        toc = ix._read_toc()
        index.clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
    except Exception as error:  # damage: the caller's check reports it
        raise IndexUnavailable(f"{type(error).__name__}: {error}") from error


def stored_entries(folder: Path) -> list[tuple[str, str]]:
    """(id, catalog record) of every document in the index, to rebuild a lost catalog."""
    try:
        ix = index.open_dir(str(folder / WHOOSH_DIR))
        with ix.reader() as reader:
            return [(str(stored["id"]), str(stored["record"])) for _, stored in reader.iter_docs()]
    except Exception as error:  # any damage surfaces as a different exception type
        raise IndexUnavailable(f"{type(error).__name__}: {error}") from error


def check(folder: Path) -> int:
    """Open the index and read its segments; the document count, or IndexUnavailable."""
    try:
        ix = index.open_dir(str(folder / WHOOSH_DIR))
        with ix.reader() as reader:
            count = int(reader.doc_count())
            for _ in reader.iter_docs():  # touches the stored fields of every segment
                break
        return count
    except Exception as error:  # any damage surfaces as a different exception type
        raise IndexUnavailable(f"{type(error).__name__}: {error}") from error


def write(
    folder: Path,
    remove: Iterable[str],
    add: Sequence[Any],
    procs: int = 1,
    merge: bool = True,
    notes: Callable[[Any], tuple[str, tuple[str, ...]]] | None = None,
    records: Mapping[str, str] | None = None,
) -> set[str]:
    """One commit: delete ``remove`` ids, then add (or replace) the ``add`` documents.

    ``notes`` gives a document's annotation notes and tags, indexed with it (``note:``, ``tag:``).
    ``records`` holds each added document's catalog entry (JSON), stored with it.
    With ``procs`` > 1, a forked process writes a second segment from about half the text.
    Returns the vocabulary (``vocabulary_of``) of the added documents.
    """
    writer = _FastWriter(index.open_dir(str(folder / WHOOSH_DIR)))
    helper: _Helper | None = None
    try:
        for doc_id in remove:
            writer.delete_by_term("id", doc_id)
        documents = [
            _fields_of(doc, *(notes(doc) if notes else ("", ())), (records or {}).get(doc.id, "{}"))
            for doc in add
        ]
        mine, theirs = _share(documents) if procs > 1 and _can_fork() else (documents, [])
        helper = _Helper(folder, theirs) if theirs else None
        vocabulary = _add_all(writer, mine)
        segments = writer.write_segment(merge)  # while the helper may still be writing its own
        if helper is not None:
            segment, more = helper.result()
            segments.append(segment)
            vocabulary |= more
    except BaseException:
        if helper is not None:
            helper.stop()
        writer.cancel()
        raise
    writer.commit_segments(segments)
    return vocabulary


def _add_all(writer: Any, documents: list[dict[str, Any]]) -> set[str]:
    for fields_ in documents:
        writer.add_document(**fields_)
    return set(writer.pool.body.vocabulary())


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _share(documents: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split the documents in two runs of about the same amount of body text."""
    half = sum(len(d["body"]) for d in documents) / 2
    written = 0
    for i, fields_ in enumerate(documents):
        if written >= half:
            return documents[:i], documents[i:]
        written += len(fields_["body"])
    return documents, []


class _Helper:
    """A forked process writing one segment of documents beside the main writer.

    Whoosh's own ``procs`` option pickles every document to a file for its worker processes
    and uses Whoosh's slow writer there; a fork shares the documents as they are. The parent
    keeps the index lock and commits the helper's segment with its own (as Whoosh's
    multi-segment writer does).
    """

    def __init__(self, folder: Path, documents: list[dict[str, Any]]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # else the child flushes a copy when it ends
            stream.flush()
        self._pipe, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_write_segment, args=(folder, documents, child_end), daemon=True
        )
        self._process.start()
        child_end.close()

    def result(self) -> tuple[Any, set[str]]:
        """The helper's finished segment and vocabulary; raises what went wrong in the helper."""
        try:
            status, payload = self._pipe.recv()
        except EOFError:
            status, payload = "error", f"it ended with exit code {self._process.exitcode}"
        self._process.join()
        if status != "ok":
            raise RuntimeError(f"indexing helper process failed: {payload}")
        segment, vocabulary = payload
        return segment, vocabulary

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def _write_segment(folder: Path, documents: list[dict[str, Any]], pipe: Any) -> None:
    """The helper process: write ``documents`` as a new segment, send it back, never commit."""
    try:
        writer = _FastWriter(index.open_dir(str(folder / WHOOSH_DIR)), _lk=False)
        vocabulary = _add_all(writer, documents)
        pipe.send(("ok", (writer._finalize_segment(), vocabulary)))
    except BaseException as error:
        pipe.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        pipe.close()


def _fields_of(doc: Any, note: str, labels: tuple[str, ...], record: str = "{}") -> dict[str, Any]:
    return {
        "id": doc.id,
        "path": str(doc.path),
        "title": doc.title,
        "title_sort": doc.title.casefold()[:200],
        "body": doc.text,
        "tags": ",".join(dict.fromkeys((*doc.tags, *labels))),
        "note": note,
        "date": datetime.fromisoformat(doc.date),
        "language": doc.language.lower(),
        "source": doc.source,
        "sha256": doc.sha256,
        "size": doc.size,
        "mtime_ns": doc.mtime_ns,
        "record": record,
    }


_TermPostings = tuple["array[int]", "array[float]", list[bytes]]
"""One term's postings in a segment: document numbers, weights, encoded values."""


def _new_postings() -> _TermPostings:
    return array("I"), array("d"), []


@dataclass(frozen=True)
class _BodyPostings:
    """A segment's body postings, grouped by term (sorted by UTF-8), then document, then position."""

    terms: list[bytes]
    posting_starts: Any
    """Term ``t`` owns postings ``posting_starts[t]:posting_starts[t + 1]``."""
    ids: Any
    counts: Any
    weights: Any
    positions: Any
    """Per occurrence, grouped by posting, like ``starts`` and ``ends``."""
    starts: Any
    ends: Any


class _BodyPool:
    """The body's occurrences as arrays, one part per document; grouped by term at the end.

    Tokenising runs in C: one regular-expression split gives the words and, from the lengths of
    the pieces, their offsets; a dict gives each word's term number (stemming each new word
    once). Grouping a segment's occurrences by term is then one stable sort. A text with CJK, or
    whose lower case changes its length, goes through ``tokens`` instead. Occurrences are kept
    as 32-bit numbers (a document is at most 50 MB): 12 bytes each until the segment is written.
    """

    def __init__(self, boost: float) -> None:
        self.boost = boost
        self.lengths: dict[int, int] = {}
        """Per document, a bound on its body positions (for ``.lps`` bases): its number of
        occurrences when added, one past its last position when merged."""
        self._term_ids: dict[str, int] = {}
        self._word_ids: dict[str, int] = {}
        self._documents: list[int] = []
        self._parts: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
        """Per document added: its occurrences' term numbers, positions, starts and ends."""
        self._merged: tuple[list[int], ...] = ([], [], [], [], [])
        """Postings of merged segments, flat: term, document, position, start, end."""
        self._vocabulary: set[str] = set()

    def _term_id(self, term: str) -> int:
        return self._term_ids.setdefault(term, len(self._term_ids))

    def add_text(self, docnum: int, text: str) -> int:
        """A document's body; its number of occurrences (its length, as Whoosh counts it: a
        compound word counts as its parts and itself)."""
        import numpy as np

        lower = text.lower()
        patterns = _patterns()
        if (
            len(lower) == len(text)
            and "Σ" not in text
            and patterns.cjk.search(lower) is None
            and patterns.camel.search(text) is None
        ):
            pieces = patterns.split.split(lower)
            words = pieces[1::2]
            word_ids = self._word_ids
            for word in set(words).difference(word_ids):
                word_ids[word] = self._term_id(stem(word))
            ids = np.fromiter(map(word_ids.__getitem__, words), dtype=np.int32, count=len(words))
            sizes = np.fromiter(map(len, pieces), dtype=np.int32, count=len(pieces))
            bounds = np.cumsum(sizes, dtype=np.int32)
            starts, ends = bounds[0:-1:2], bounds[1::2]
            positions = np.arange(len(ids), dtype=np.int32)
            wholes = self._joined_words(lower, starts)
            if wholes is not None:
                ids, positions, starts, ends = (
                    np.concatenate([column, more]).astype(np.int32)
                    for column, more in zip((ids, positions, starts, ends), wholes, strict=True)
                )
        else:
            found = index_tokens(text)
            self._vocabulary |= vocabulary_of(text)
            ids = np.asarray([self._term_id(term) for term, _, _, _ in found], dtype=np.int32)
            columns = np.asarray([occurrence[1:] for occurrence in found], dtype=np.int32).reshape(-1, 3)
            positions, starts, ends = columns.T
        for part, column in zip(self._parts, (ids, positions, starts, ends), strict=True):
            part.append(column)
        self._documents.append(docnum)
        self.lengths[docnum] = len(ids)
        return len(ids)

    def _joined_words(self, lower: str, starts: Any) -> tuple[Any, Any, Any, Any] | None:
        """The compound words joined by separators in ``lower``, as columns: term numbers,
        positions (their first part's, from the parts' sorted ``starts``), starts and ends."""
        import numpy as np

        spans = [m.span() for m in _patterns().compound.finditer(lower)]
        spans = [(a, b) for a, b in spans if b - a <= MAX_WORD_CHARS]
        if not spans:
            return None
        word_ids = self._word_ids
        words = [lower[a:b] for a, b in spans]
        for word in set(words).difference(word_ids):
            word_ids[word] = self._term_id(word)
        bounds = np.asarray(spans, dtype=np.int32).reshape(-1, 2)
        ids = np.fromiter(map(word_ids.__getitem__, words), dtype=np.int32, count=len(words))
        return ids, np.searchsorted(starts, bounds[:, 0]), bounds[:, 0], bounds[:, 1]

    def add_posting(self, docnum: int, term: str, triples: list[tuple[int, int, int]]) -> None:
        """One posting of a segment being merged in: (position, start, end) triples."""
        term_id = self._term_id(term)
        ids, docnums, positions, starts, ends = self._merged
        for position, start, end in triples:
            ids.append(term_id)
            docnums.append(docnum)
            positions.append(position)
            starts.append(start)
            ends.append(end)
        self.lengths[docnum] = max(self.lengths.get(docnum, 0), triples[-1][0] + 1)

    def vocabulary(self) -> set[str]:
        """``vocabulary_of`` the texts added (not of merged postings)."""
        found = {word for text in self._word_ids for word in _patterns().latin_word.findall(text)}
        return found | self._vocabulary

    def grouped(self) -> _BodyPostings | None:
        """Every occurrence grouped by term, document and position; empties the pool."""
        import numpy as np

        if not self._documents and not self._merged[0]:
            return None
        ids, docnums, positions, starts, ends = self._columns()
        names = [b""] * len(self._term_ids)
        for term, term_id in self._term_ids.items():
            names[term_id] = term.encode("utf-8")
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(len(names), dtype=np.int32)
        keys = rank[ids]
        del ids
        # Parts arrive in document order for each term, so a stable sort by term suffices.
        sort = np.argsort(keys, kind="stable")
        keys, docnums, positions = keys[sort], docnums[sort], positions[sort]
        if not _grouped_in_order(keys, docnums, positions):
            again = np.lexsort((positions, docnums, keys))
            sort, keys, docnums, positions = sort[again], keys[again], docnums[again], positions[again]
        starts, ends = starts[sort], ends[sort]
        del sort
        new_posting = np.ones(len(keys), dtype=bool)
        new_posting[1:] = (keys[1:] != keys[:-1]) | (docnums[1:] != docnums[:-1])
        heads = np.flatnonzero(new_posting)
        del new_posting
        counts = np.diff(np.append(heads, len(keys)))
        posting_starts = np.searchsorted(keys[heads], np.arange(len(names) + 1))
        return _BodyPostings(
            terms=[names[i] for i in order],
            posting_starts=posting_starts,
            ids=docnums[heads],
            counts=counts,
            weights=counts * self.boost,
            positions=positions,
            starts=starts,
            ends=ends,
        )

    def _columns(self) -> tuple[Any, Any, Any, Any, Any]:
        """Term numbers, documents, positions, starts and ends of every occurrence, as added."""
        import numpy as np

        sizes = np.asarray([len(ids) for ids in self._parts[0]], dtype=np.int64)
        ids, positions, starts, ends = (
            np.concatenate(part) if part else np.zeros(0, dtype=np.int32) for part in self._parts
        )
        docnums = np.repeat(np.asarray(self._documents, dtype=np.int32), sizes)
        self._parts, self._documents = ([], [], [], []), []
        if self._merged[0]:
            more = [np.asarray(column, dtype=np.int32) for column in self._merged]
            self._merged = ([], [], [], [], [])
            ids, docnums, positions, starts, ends = (
                np.concatenate(pair)
                for pair in zip((ids, docnums, positions, starts, ends), more, strict=True)
            )
        return ids, docnums, positions, starts, ends


def _grouped_in_order(keys: Any, docnums: Any, positions: Any) -> bool:
    """Whether, within each term, occurrences are in document and position order."""
    same_key = keys[1:] == keys[:-1]
    later_doc = docnums[1:] > docnums[:-1]
    later_position = (docnums[1:] == docnums[:-1]) & (positions[1:] > positions[:-1])
    return bool((~same_key | later_doc | later_position).all())


_ENCODE_CHUNK = 1 << 16
"""Postings encoded per numpy pass: bounds the temporary arrays (about 100 bytes per occurrence)."""


def _encode_all(counts: Any, positions: Any, starts: Any, ends: Any) -> tuple[bytes, Any]:
    """``_encode`` of every posting at once, byte for byte: the values laid end to end in one
    buffer, and where each begins (plus the end); ``_values`` cuts them out."""
    import numpy as np

    counts = np.asarray(counts, dtype=np.int64)
    heads = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=heads[1:])
    blobs, bounds = [], [np.zeros(1, dtype=np.int64)]
    for first in range(0, len(counts), _ENCODE_CHUNK):
        last = min(first + _ENCODE_CHUNK, len(counts))
        low, high = int(heads[first]), int(heads[last])
        blob, edges = _encode_chunk(counts[first:last], positions[low:high], starts[low:high], ends[low:high])
        bounds.append(edges[1:] + bounds[-1][-1])
        blobs.append(blob)
    return b"".join(blobs), np.concatenate(bounds)


def _encode_chunk(counts: Any, positions: Any, starts: Any, ends: Any) -> tuple[bytes, Any]:
    import numpy as np

    bounds = np.zeros(len(counts) + 1, dtype=np.int64)
    heads = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=heads[1:])
    numbers = []
    columns = [np.asarray(column, dtype=np.int64) for column in (positions, starts, ends)]
    for column in columns[:2]:  # deltas within each posting, its first number as it is
        deltas = column.copy()
        deltas[1:] -= column[:-1]
        deltas[heads] = column[heads]
        numbers.append(deltas)
    numbers.append(columns[2] - columns[1])
    biggest = np.maximum.reduce([np.maximum.reduceat(n, heads) for n in numbers])
    wide = biggest >= 1 << 16
    width = np.where(wide, 4, 2)
    np.cumsum(_INT_SIZE + 1 + 3 * counts * width, out=bounds[1:])
    out = np.zeros(int(bounds[-1]), dtype=np.uint8)
    begins = bounds[:-1]
    for i in range(_INT_SIZE):  # the count, big-endian (``pack_uint``)
        out[begins + i] = (counts >> (8 * (_INT_SIZE - 1 - i))) & 0xFF
    out[begins + _INT_SIZE] = np.where(wide, ord("I"), ord("H"))
    owner = np.repeat(np.arange(len(counts)), counts)
    widths = width[owner]
    at = begins[owner] + _INT_SIZE + 1 + (np.arange(len(owner)) - heads[owner]) * widths
    step = counts[owner] * widths
    big = widths == 4
    for values in numbers:  # little-endian, each run of numbers after the last
        out[at] = values & 0xFF
        out[at + 1] = (values >> 8) & 0xFF
        out[at[big] + 2] = (values[big] >> 16) & 0xFF
        out[at[big] + 3] = (values[big] >> 24) & 0xFF
        at += step
    return out.tobytes(), bounds


def _values(blob: bytes, bounds: Any) -> list[bytes]:
    """The values ``_encode_all`` laid out, one per posting (``bounds`` has one more entry)."""
    edges = bounds.tolist()
    return [blob[a:b] for a, b in pairwise(edges)]


class _TermPool:
    """Stands in for Whoosh's posting pool: postings grouped by field and term as they arrive.

    A segment's documents are numbered in the order they are added (merged segments after the
    new documents), so each term's postings arrive already sorted by document number.
    """

    def __init__(self, body_boost: float = 1.0) -> None:
        self.fields: dict[str, dict[bytes, _TermPostings]] = {}
        self.body = _BodyPool(body_boost)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's pool interface (used when merging segments): one posting."""
        fieldname, tbytes, docnum, weight, value = item
        if fieldname == "body" and value:
            self.body.add_posting(docnum, tbytes.decode("utf-8"), _BODY_FORMAT.decode_characters(value))
            return
        self.add_field(fieldname, docnum, [(tbytes, 0, weight, value or b"")])

    def add_field(
        self, fieldname: str, docnum: int, postings: Iterable[tuple[bytes, int, float, bytes]]
    ) -> int:
        """``add`` for each of a field's (term, frequency, weight, value) postings in one
        document; the field's length (the sum of the frequencies)."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        term_postings = terms.get
        length = 0
        for tbytes, freq, weight, value in postings:
            found = term_postings(tbytes)
            if found is None:
                found = terms[tbytes] = _new_postings()
            found[0].append(docnum)
            found[1].append(weight)
            found[2].append(value or b"")
            length += freq
        return length

    def cleanup(self) -> None:
        self.fields.clear()
        self.body = _BodyPool(self.body.boost)


def make_codec() -> W3Codec:
    """Whoosh's codec writing blocks with ``_PostingsWriter`` and zlib level 1 (Whoosh uses 3):
    a third less compression time for 1-2% larger postings; reading is as fast."""
    return _Codec(blocklimit=128, compression=1)


class _Codec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec; only its posting writer differs (it is pickled into the index's table
    of contents with each segment, so this class's name is part of the index format)."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class _PostingsWriter(W3PostingsWriter):  # type: ignore[misc]
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


class _FastWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer, never compound, writing each term's postings a block at a time.

    Whoosh sends every posting through an external sort (pickled to disk past ``limitmb``), then
    through a chain of Python calls that re-reads the document's field length from disk for each
    one. Here postings are grouped as they arrive (``_TermPool``, the body's in arrays) and each
    posting block is filled in one step. This uses private parts of Whoosh 2.7.4's W3 codec (the
    version is pinned); a test checks that it writes exactly the postings Whoosh's own writer
    writes.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, compound=False, codec=make_codec(), **kwargs)
        self.pool = _TermPool(self.schema["body"].format.field_boost)

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
            if isinstance(field, _BodyField):
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
            _write_postings(self.fieldwriter, self.schema, lengths, self.pool, body)
        finally:
            lengths.close()
        self.fieldwriter.close()
        self._write_flat_postings(body)

    def _write_flat_postings(self, body: _BodyPostings | None) -> None:
        """The segment's ``.lps`` file (``tui.core.postings``), from the same pooled postings."""
        from tui.core import postings

        if body is None:
            return
        name = self.newsegment.make_filename(postings.SUFFIX)
        lengths = [self.pool.body.lengths.get(d, 0) for d in range(self.docnum)]
        postings.write(Path(self.storage.folder) / name, _flat_segment(body, self.pool, lengths))


def _flat_segment(body: _BodyPostings, pool: _TermPool, doc_lengths: list[int]) -> Any:
    """The searched fields' postings as ``tui.core.postings`` stores them (keys in order)."""
    import numpy as np

    from tui.core.postings import FlatSegment, key

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


def _write_postings(
    fieldwriter: Any, schema: Any, lengths: Any, pool: _TermPool, body: _BodyPostings | None
) -> None:
    """Write the pool through Whoosh's field writer, in field and term order, as Whoosh does."""
    names = sorted({*pool.fields, *(["body"] if body is not None and body.terms else [])})
    for fieldname in names:
        fieldwriter.start_field(fieldname, schema[fieldname])
        doc_lengths = [lengths.doc_field_length(d, fieldname) or 0 for d in range(lengths.doc_count_all())]
        source = body if fieldname == "body" else pool.fields.get(fieldname, {})
        for tbytes, postings in _term_postings(source):
            fieldwriter.start_term(tbytes)
            _fill_blocks(fieldwriter._postwriter, postings, doc_lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _term_postings(
    source: dict[bytes, _TermPostings] | _BodyPostings | None,
) -> Iterator[tuple[bytes, tuple[Sequence[int], Sequence[float], Sequence[bytes]]]]:
    """(term, (document numbers, weights, values)) in term order, from a field's pool or the body."""
    if isinstance(source, dict):
        for tbytes in sorted(source):
            yield tbytes, source[tbytes]
        return
    if source is None:
        return
    blob, bounds = _encode_all(source.counts, source.positions, source.starts, source.ends)
    edges = source.posting_starts.tolist()
    for term, start, end in zip(source.terms, edges, edges[1:], strict=False):
        ids, weights = source.ids[start:end].tolist(), source.weights[start:end].tolist()
        yield term, (ids, weights, _values(blob, bounds[start : end + 1]))


def _fill_blocks(
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


def vocabulary_of(text: str) -> set[str]:
    """Surface forms of the Latin words in ``text``, for spelling suggestions."""
    return set(_patterns().latin_word.findall(text.lower()))


# --------------------------------------------------------------------------- searching

TextLoader = Callable[[str, str], str | None]
"""(path, sha256) -> the document text if it is still that version, else None."""
_T = TypeVar("_T")


class Index:
    """A read-only view of one corpus index; safe to share between threads.

    Opens a new searcher whenever the indexer has committed since (never ``refresh()``).
    """

    def __init__(self, folder: Path, load_text: TextLoader) -> None:
        self.folder = folder
        self._load_text = load_text
        self._lock = threading.Lock()
        self._ix: Any = None
        self._searcher: Any = None
        self._vocabulary: list[str] | None = None
        self._parser: Any = None
        self._lexicon: _Lexicon | None = None
        self._segments: list[_Segment] | None = None
        self._verified: set[str] = set()
        """Index files whose checksum this process has checked."""

    def close(self) -> None:
        """Release the searcher's files."""
        with self._lock:
            self._drop_searcher()

    def _current(self) -> Any:
        try:
            if self._ix is None:
                self._ix = index.open_dir(str(self.folder / WHOOSH_DIR))
            if self._searcher is None or not self._searcher.up_to_date():
                if self._searcher is not None:
                    self._searcher.close()
                self._forget_segments()
                self._verify_files()
                self._searcher = self._ix.searcher(weighting=_Weighting())
                self._vocabulary = self._parser = None
                self._lexicon = _Lexicon(self._searcher.reader(), self._surface_words)
        except IndexUnavailable:
            self._drop_searcher()
            raise
        except EmptyIndexError as error:
            self._drop_searcher()
            raise IndexUnavailable("there is no index yet") from error
        except Exception as error:
            self._drop_searcher()
            raise IndexDamaged(f"{type(error).__name__}: {error}") from error
        if schema_mark() not in self._searcher.schema:  # postings it would misread
            self._drop_searcher()
            raise IndexUnavailable("the index has an older format: it is rebuilt at the next update")
        return self._searcher

    def _verify_files(self) -> None:
        """Check, once per file, that each index file the catalog lists is byte for byte what was
        written (CRC), so that no search believes a damaged file. Whoosh's files are written once
        under their name; the vocabulary is rewritten in place, so it is checked only while its
        size and mtime are still those the catalog recorded."""
        listed = catalog_format.read_files(self.folder) or {}
        stats = catalog_format.index_stats(self.folder)
        names = [
            name
            for name, state in listed.items()
            if name not in self._verified
            and name in stats
            and (name.startswith(f"{WHOOSH_DIR}/") or tuple(state[:2]) == stats[name])
        ]
        problem = catalog_format.verify_files(self.folder, listed, names)
        if problem is not None:
            raise IndexDamaged(problem)
        self._verified.update(names)

    def _query(self, searcher: Any, text: str) -> Any:
        """``parse_query``, then lectern's own fuzzy, prefix and phrase queries swapped in."""
        if self._parser is None:
            self._parser = make_parser(searcher.schema)
        assert self._lexicon is not None  # set with the searcher
        return _use_lexicon(parse_query(text, searcher.schema, self._parser), self._lexicon)

    def doc_count(self) -> int:
        """Documents in the index now."""
        with self._lock:
            return int(self._current().doc_count())

    def search(self, text: str, limit: int = 20, sort: str = "relevance") -> Results:
        """Run a query: ranked (or sorted) hits with snippets, and a suggestion when few hit."""
        # optimize=False: Whoosh's block-skipping top-N search cannot count its matches and
        # would run the query a second time for the exact total.
        options: dict[str, Any] = {"limit": limit, "optimize": False}
        if sort == "date":
            options.update(sortedby="date", reverse=True)
        elif sort == "title":
            options.update(sortedby="title_sort")
        elif sort != "relevance":
            raise QueryError(f"unknown sort {sort!r}: use relevance, date or title")
        return self._run(lambda searcher: self._search(searcher, text, options))

    def _search(self, searcher: Any, text: str, options: dict[str, Any]) -> Results:
        q = self._query(searcher, text)
        if not searcher.doc_count_all():  # no segment yet (an empty corpus, a fresh rebuild)
            return Results(query=text, hits=(), total=0)
        try:
            if "sortedby" in options:
                results = searcher.search(q, **options)
                found, total = [(r.docnum, r.score) for r in results], len(results)
            else:
                found, total = _top(q, self._segments_of(searcher), options["limit"])
        except query.QueryError as error:
            raise QueryError(f"cannot run that query: {error}") from error
        terms = _QueryTerms(q, searcher.reader())
        hits = self._hits(searcher, terms, found, _Elsewhere(q, searcher.reader()))
        # A misspelling~ that found something needs no "did you mean"; one that found nothing does.
        wanted = total == 0 if "~" in text else total < 3
        suggestion = self._suggest(searcher, text) if wanted else None
        return Results(query=text, hits=hits, total=total, suggestion=suggestion)

    def _segments_of(self, searcher: Any) -> list[_Segment]:
        if self._segments is None:
            folder = self.folder / WHOOSH_DIR
            self._segments = [
                _Segment(searcher, sub, offset, folder) for sub, offset in searcher.leaf_searchers()
            ]
        return self._segments

    def hit_spans(self, doc_id: str, text: str, query_text: str) -> list[Span]:
        """Where ``query_text`` matches in ``text`` (the current text of ``doc_id``)."""
        return self._run(lambda searcher: self._hit_spans(searcher, doc_id, text, query_text))

    def _hit_spans(self, searcher: Any, doc_id: str, text: str, query_text: str) -> list[Span]:
        q = self._query(searcher, query_text)
        terms = _QueryTerms(q, searcher.reader())
        docnum = searcher.document_number(id=doc_id) if searcher.doc_count_all() else None
        if docnum is not None:
            stored = searcher.stored_fields(docnum)
            if stored.get("sha256") == text_sha256(text):
                found = terms.occurrences_in(self._segments_of(searcher), [docnum]).get(docnum, {})
                return _pairs(terms.spans(found.get))
        return _pairs(terms.spans(_offsets_of(text)))

    def _run(self, action: Callable[[Any], _T]) -> _T:
        """``action`` on the current searcher, under the lock; again on a fresh searcher if a
        segment file vanished under it. Any other failure to read the index is IndexDamaged.

        Segments are not compound, so a searcher opens some of their files only when first
        needed; a merge committed by the indexer meanwhile deletes the files it replaced.
        """
        with self._lock:
            for attempt in range(2):
                try:
                    return action(self._current())
                except (QueryError, IndexUnavailable):
                    raise
                except FileNotFoundError as error:
                    self._drop_searcher()
                    if attempt:
                        raise IndexDamaged(f"an index file is missing: {error}") from error
                except Exception as error:  # damage shows as any exception type (zlib, struct, ...)
                    self._drop_searcher()
                    self._verified.clear()
                    raise IndexDamaged(f"{type(error).__name__}: {error}") from error
        raise AssertionError("unreachable")

    def _drop_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._forget_segments()
        self._searcher = self._ix = None

    def _forget_segments(self) -> None:
        for segment in self._segments or ():
            segment.close()
        self._segments = None

    def _hits(
        self, searcher: Any, terms: _QueryTerms, found: list[tuple[int, Any]], elsewhere: _Elsewhere
    ) -> tuple[Hit, ...]:
        docnums = sorted(docnum for docnum, _ in found)
        occurrences = terms.occurrences_in(self._segments_of(searcher), docnums)
        return tuple(
            self._hit(searcher.stored_fields(docnum), score, terms, occurrences.get(docnum, {}), elsewhere)
            for docnum, score in found
        )

    def _hit(
        self,
        stored: dict[str, Any],
        score: Any,
        terms: _QueryTerms,
        found: _Occurrences,
        elsewhere: _Elsewhere,
    ) -> Hit:
        text = self._text_of(stored)
        hits = 0
        snippet: str = ""
        marks: tuple[Span, ...] = ()
        matched = ""
        if text is not None:  # None: changed or gone since indexing; show no stale offsets
            starts, ends = terms.spans(found.get)
            snippet, marks = _snippet(text, starts, ends)
            hits = len(starts)
            matched = "body" if hits else ""
        if not hits:  # found through its title, tags or notes: show that, not the opening lines
            where = elsewhere.match(stored)
            if where is not None:
                matched, snippet, marks = where
        date = stored.get("date")
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            path=stored["path"],
            date=date.date().isoformat() if isinstance(date, datetime) else "",
            source=stored.get("source", ""),
            tags=tuple(t for t in stored.get("tags", "").split(",") if t),
            score=float(score) if isinstance(score, (int, float)) else 0.0,  # sort keys are not scores
            hits=hits,
            snippet=snippet,
            marks=marks,
            matched=matched,
        )

    def _text_of(self, stored: dict[str, Any]) -> str | None:
        """The document's text if its file is still the indexed version, else None.

        An unchanged size and mtime (what the catalog trusts too) spare parsing the front matter
        and hashing the text; a touched file is compared by content.
        """
        path = stored["path"]
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if (stat.st_size, stat.st_mtime_ns) == (stored.get("size"), stored.get("mtime_ns")):
            return read_body(Path(path))
        return self._load_text(path, stored["sha256"])

    def _surface_words(self) -> list[str]:
        """The vocabulary (words as written in the bodies), sorted; read once per searcher."""
        if self._vocabulary is None:
            self._vocabulary = sorted(_read_vocabulary(self.folder))
        return self._vocabulary

    def _suggest(self, searcher: Any, text: str) -> str | None:
        from rapidfuzz import fuzz, process

        vocabulary = self._surface_words()
        segments = self._segments_of(searcher)

        @functools.cache
        def frequency(word: str) -> int:
            term = stem(word).encode("utf-8")
            return sum(s.documents_with(field, term) for s in segments for field in ("body", "title"))

        most = 2 * int(searcher.doc_count())  # a word in every body and every title
        changed = text
        for word in _plain_words(text):
            own = frequency(word)
            if 3 * own >= most:  # no other word can be three times as common
                continue
            found = process.extract(word, vocabulary, scorer=fuzz.ratio, score_cutoff=75, limit=8)
            # A rarer word is only worth replacing by one that is clearly more common.
            better = [c for c, _, _ in found if stem(c) != stem(word) and frequency(c) > 3 * own]
            if better:
                best = max(better, key=lambda c: (fuzz.ratio(word, c), frequency(c)))
                changed = re.sub(rf"(?<![\w:]){re.escape(word)}\b", best, changed, count=1, flags=re.I)
        return changed if changed != text else None


def _read_vocabulary(folder: Path) -> list[str]:
    try:
        return (folder / VOCABULARY_NAME).read_text(encoding="utf-8").split()
    except OSError:
        return []


def make_parser(schema: Any) -> Any:
    """Lectern's query parser for ``schema`` (reusable: it keeps no state between parses)."""
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return parser


def parse_query(text: str, schema: Any, parser: Any = None) -> Any:
    """Parse with lectern's syntax; QueryError explains anything that cannot run.

    Every check that a query can fail is made here, before it runs: an exception while a parsed
    query runs means the index is damaged, never that the query was odd.
    """
    stripped = " ".join(text.split())
    _check_text(stripped, schema)
    try:
        q = (parser or make_parser(schema)).parse(stripped)
    except Exception as error:  # Whoosh raises assorted types on odd input
        problem: str | None = f"cannot understand the query: {error}"
    else:
        problem = _first_error(q)
    if problem:
        raise QueryError(DATE_HELP if "date:" in stripped.lower() else problem)
    q = q.accept(_drop_phrases_on_keywords).normalize()
    if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
        raise QueryError("nothing to search for in that query (only operators or stop characters)")
    if _only_negative(q):
        raise QueryError("a query cannot only exclude: add a word to look for")
    for node in _walk(q):
        _check_node(node, schema)
    return q


def _check_text(stripped: str, schema: Any) -> None:
    if not stripped:
        raise QueryError("type something to search for")
    if len(stripped) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(stripped)} characters; the limit is {MAX_QUERY_CHARS})")
    longest = max(stripped.split(), key=len)
    if len(longest) > MAX_WORD_CHARS:
        raise QueryError(
            f"a word of {len(longest)} characters is too long to search (limit {MAX_WORD_CHARS})"
        )
    aliases = {alias for names in FIELD_ALIASES.values() for alias in names}
    for name in _FIELD_NAME.findall(stripped):
        if name.lower() in schema.names() and name.lower() not in QUERY_FIELDS | aliases:
            raise QueryError(f"{name}: is not a field you can search: {FIELDS_HELP}")
    for distance in _FUZZY_DISTANCE.findall(stripped):
        if len(distance) > 1 or int(distance) > MAX_FUZZY_DISTANCE:
            raise QueryError(f"a misspelling can be 1 or 2 edits away (word~ or word~2), not ~{distance}")


def _check_node(node: Any, schema: Any) -> None:
    """QueryError for a parsed node that could not run (Whoosh would raise while running it)."""
    if isinstance(node, query.TermRange):  # a range of words: most of the vocabulary, slowly
        raise QueryError("a range [a to b] works on dates only: date:[2019 to 2021]")
    if isinstance(node, query.Every):
        raise QueryError(
            "* alone matches everything: type a few letters before it (clear the search to list all)"
        )
    fieldname = getattr(node, "fieldname", None)
    if fieldname is not None and fieldname not in QUERY_FIELDS:
        raise QueryError(f"{fieldname}: is not a field you can search: {FIELDS_HELP}")
    if isinstance(node, query.Wildcard) and str(node.text).startswith(("*", "?")):
        raise QueryError("a wildcard cannot come first in a word: type a few letters before *")
    if fieldname == "date" and node.is_leaf() and not isinstance(node, query.RangeMixin):
        try:
            schema["date"].to_bytes(node.text)
        except Exception as error:  # Whoosh's date parser raises a bare Exception
            raise QueryError(DATE_HELP) from error


def _drop_phrases_on_keywords(q: Any) -> Any:
    """A phrase spread over the fields also lands on ``tags``, which has no positions."""
    if isinstance(q, query.Phrase) and q.fieldname == "tags":
        return query.NullQuery
    return q


def _walk(q: Any) -> Iterator[Any]:
    yield q
    if q.is_leaf():
        return
    for child in q.children():
        yield from _walk(child)


def _first_error(q: Any) -> str | None:
    for node in _walk(q):
        error = getattr(node, "error", None)
        if error:
            return f"cannot understand part of the query: {error}"
    return None


def _only_negative(q: Any) -> bool:
    if isinstance(q, query.Not):
        return True
    if isinstance(q, query.And):
        return all(_only_negative(c) for c in q.children())
    return False


def _plain_words(text: str) -> list[str]:
    """The words of a query as typed, without operators, field names, wildcards or negations."""
    words = [m.group(1) for m in _patterns().plain_word.finditer(text)]
    return list(dict.fromkeys(w.lower() for w in words if w not in ("AND", "OR", "NOT", "ANDNOT")))


def _positive_leaves(q: Any) -> Iterator[tuple[str, str, Any]]:
    """(field, kind, payload) for each leaf not under a NOT: kind is term, phrase or multi."""
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from _positive_leaves(q.a)
        return
    if isinstance(q, query.Phrase):
        yield q.fieldname, "phrase", tuple(q.words)
    elif isinstance(q, (query.MultiTerm, query.FuzzyTerm)):
        yield q.fieldname, "multi", q
    elif isinstance(q, query.Term):
        yield q.fieldname, "term", q.text
    elif not q.is_leaf():
        for child in q.children():
            yield from _positive_leaves(child)


Occurrences = tuple[Any, Any, Any]
"""One term in one document: numpy arrays of its positions, start and end offsets."""
Postings = Callable[[str], "Occurrences | None"]
_Occurrences = dict[str, Occurrences]
"""A document's occurrences of some terms."""


class _QueryTerms:
    """The terms and phrases a query looks for in one field (the body unless told), with
    wildcards expanded in the index."""

    def __init__(self, q: Any, reader: Any, fieldname: str = "body") -> None:
        self.terms: set[str] = set()
        self.phrases: list[tuple[str, ...]] = []
        for field, kind, payload in _positive_leaves(q):
            if field != fieldname:
                continue
            if kind == "term":
                self.terms.add(payload)
            elif kind == "phrase":
                self.phrases.append(payload)
            else:
                self.terms.update(_expand(payload, reader))

    def spans(self, postings: Postings) -> tuple[Any, Any]:
        """Merged, sorted hit spans given a term -> occurrences lookup: their starts and ends."""
        import numpy as np

        starts: list[Any] = []
        ends: list[Any] = []
        for term in self.terms:
            occurrences = postings(term)
            if occurrences is not None:
                starts.append(occurrences[1])
                ends.append(occurrences[2])
        for words in self.phrases:
            phrase_starts, phrase_ends = _phrase_spans(words, postings)
            starts.append(phrase_starts)
            ends.append(phrase_ends)
        if len(starts) == 1:
            return _merged(starts[0], ends[0])
        if not starts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return _merged(np.concatenate(starts), np.concatenate(ends))

    def occurrences_in(self, segments: list[_Segment], docnums: Sequence[int]) -> dict[int, _Occurrences]:
        """The stored occurrences of every word of the query in each of the sorted ``docnums``.

        From a segment's flat postings, two binary searches per word and document; else only
        the Whoosh posting blocks that hold those documents are decompressed.
        """
        found: dict[int, _Occurrences] = defaultdict(dict)
        words = self.terms.union(*self.phrases)
        for segment in segments:
            end = segment.offset + segment.size
            local = [d - segment.offset for d in docnums if segment.offset <= d < end]
            if not local:
                continue
            if segment.flat is not None:
                try:
                    in_segment = _flat_occurrences(segment, words, local)
                except ValueError:  # impossible numbers in the file: Whoosh's postings answer
                    segment.close()
                else:
                    for docnum, occurrences in in_segment.items():
                        found[docnum + segment.offset].update(occurrences)
                    continue
            for word in words:
                try:
                    for docnum, value in _values_at(segment.reader, "body", word.encode("utf-8"), local):
                        found[docnum + segment.offset][word] = _decoded(value)
                except (KeyError, TermNotFound):  # not in this segment
                    continue
        return found


def _flat_occurrences(segment: _Segment, words: Iterable[str], local: list[int]) -> dict[int, _Occurrences]:
    """``occurrences_in`` for one segment from its ``.lps`` file: two binary searches and a
    read per word and document. ValueError if the file holds impossible numbers."""
    flat = segment.flat
    assert flat is not None
    found: dict[int, _Occurrences] = defaultdict(dict)
    for word in words:
        in_documents = flat.in_documents(_flat_key("body", word.encode("utf-8")), local)
        if in_documents is None:
            continue
        for docnum, occurrences in zip(local, in_documents, strict=True):
            if len(occurrences[0]):
                found[docnum][word] = occurrences
    return found


def _values_at(
    reader: Any, fieldname: str, tbytes: bytes, docnums: Sequence[int]
) -> Iterator[tuple[int, bytes]]:
    """(docnum, encoded value) for each of the sorted ``docnums`` the term's postings hold.

    Walks the W3 codec's block headers and decompresses only the blocks holding those documents.
    """
    info = reader._terms.term_info(fieldname, tbytes)
    if info.is_inlined():
        ids, _, values = info.inlined_postings()
        wanted = set(docnums)
        yield from ((d, v) for d, v in zip(ids, values, strict=False) if d in wanted)
        return
    postfile = reader._terms._postfile
    position = info._offset + _INT_SIZE  # after the postings' magic number
    i = 0
    while i < len(docnums):
        head = io.BytesIO(postfile.get(position, 64))
        (size,) = _BLOCK_LENGTH.unpack(head.read(_BLOCK_LENGTH.size))
        _, last_id, _, compression, _, _ = pickle.load(head)
        block_end = position + _BLOCK_LENGTH.size + abs(size)
        if docnums[i] <= last_id:
            start = position + head.tell()
            raw = postfile.get(start, block_end - start)
            deltas, _, values = pickle.loads(zlib.decompress(raw) if compression else raw)
            ids = list(accumulate(deltas))
            for j in range(bisect.bisect_left(ids, docnums[i]), len(ids)):
                while i < len(docnums) and docnums[i] < ids[j]:
                    i += 1
                if i == len(docnums):
                    return
                if docnums[i] == ids[j]:
                    yield ids[j], values[j]
                    i += 1
            while i < len(docnums) and docnums[i] <= last_id:
                i += 1
        if size < 0:  # the last block
            return
        position = block_end


def _decoded(value: bytes) -> Occurrences:
    """A body posting's positions, starts and ends (see ``_encode``)."""
    import numpy as np

    numbers, n = _numbers(value)
    flat = np.asarray(numbers, dtype=np.int64)
    starts = np.cumsum(flat[n : 2 * n])
    return np.cumsum(flat[:n]), starts, starts + flat[2 * n :]


class _Elsewhere:
    """Where a document matched when its text holds no hit: its title, its tags or the user's
    notes, with the matching words marked (the same analyzer finds them)."""

    def __init__(self, q: Any, reader: Any) -> None:
        self._title = _QueryTerms(q, reader, "title")
        self._note = _QueryTerms(q, reader, "note")
        self._tags = _QueryTerms(q, reader, "tags").terms

    def match(self, stored: dict[str, Any]) -> tuple[str, str, tuple[Span, ...]] | None:
        """(field, text, marks in it), or None when nothing there matches either."""
        for field, terms in (("title", self._title), ("note", self._note)):
            value = str(stored.get(field) or "")
            if value and (terms.terms or terms.phrases):
                starts, ends = terms.spans(_offsets_of(value))
                if len(starts):
                    return (field, *_snippet(value, starts, ends))
        tags = [t for t in str(stored.get("tags") or "").split(",") if t]
        wanted = [t for t in tags if t.lower() in self._tags]
        if not wanted:
            return None
        text = ", ".join(tags)
        marks: list[Span] = []
        at = 0
        for tag in tags:
            if tag in wanted:
                marks.append((at, at + len(tag)))
            at += len(tag) + 2
        return "tags", text, tuple(marks)


def _offsets_of(text: str) -> Callable[[str], Occurrences | None]:
    """A term -> occurrences lookup over ``text`` itself (when it is newer than the index)."""
    import numpy as np

    offsets = term_offsets(text)

    def lookup(term: str) -> Occurrences | None:
        flat = offsets.get(term)
        if flat is None:
            return None
        triples = np.asarray(flat, dtype=np.int64).reshape(-1, 3)
        return triples[:, 0], triples[:, 1], triples[:, 2]

    return lookup


def _expand(q: Any, reader: Any) -> list[str]:
    try:
        return [t.decode("utf-8") if isinstance(t, bytes) else t for t in q._btexts(reader)]
    except Exception:  # an expansion that cannot run simply finds nothing to highlight
        return []


def _phrase_spans(words: Sequence[str], postings: Postings) -> tuple[Any, Any]:
    """Spans from the first word's start to the last word's end, where the words stand in order."""
    import numpy as np

    found = [f for f in map(postings, words) if f is not None]
    if not found or len(found) != len(words):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = found[0]
    ok = np.ones(len(first[0]), dtype=np.bool_)
    for i, (positions, _, _) in enumerate(found[1:], 1):
        ok &= np.isin(first[0] + i, positions)
    last_positions, _, last_ends = found[-1]
    at = np.searchsorted(last_positions, first[0][ok] + len(words) - 1)
    return first[1][ok], last_ends[at]


def _merged(starts: Any, ends: Any) -> tuple[Any, Any]:
    """Sort spans (their starts and ends) and merge the overlapping ones, as ``merge_spans``."""
    import numpy as np

    if not len(starts) or bool((starts[1:] >= ends[:-1]).all()):  # in order, apart
        return starts, ends
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    first = np.ones(len(starts), dtype=bool)
    first[1:] = starts[1:] >= reach[:-1]
    heads = np.flatnonzero(first)
    tails = np.append(heads[1:] - 1, len(starts) - 1)
    return starts[heads], reach[tails]


# --------------------------------------------------------------------------- faster queries


class _Weighting(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's BM25F, with each segment's field lengths read once per searcher.

    Whoosh's scorer looks a document's field length up through several calls and a file read
    for every posting it scores; here it is a list index. Scores are the same numbers.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lengths: dict[tuple[int, str], tuple[Any, list[int]]] = {}

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: float = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return super().scorer(searcher, fieldname, text, qf=qf)
        lengths = self._lengths_of(searcher.reader(), fieldname)
        return _Scorer(searcher, fieldname, text, self.B, self.K1, lengths, qf=qf)

    def _lengths_of(self, reader: Any, fieldname: str) -> list[int]:
        key = (id(reader), fieldname)
        if key not in self._lengths:  # the reader is kept with its lengths, so ids stay unique
            self._lengths[key] = (reader, _field_lengths(reader, fieldname))
        return self._lengths[key][1]


class _Scorer(scoring.BM25FScorer):  # type: ignore[misc]
    """``BM25FScorer`` over a list of the segment's field lengths; the same formula and order."""

    def __init__(
        self, searcher: Any, fieldname: str, text: Any, B: float, K1: float, lengths: list[int], qf: float = 1
    ) -> None:
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)
        self.dfl = lengths.__getitem__
        self._k1_plus_1 = K1 + 1
        self._one_minus_b = 1 - B

    def score(self, matcher: Any) -> float:
        tf = matcher.weight()
        fl = self.dfl(matcher.id())
        B, K1 = self.B, self.K1
        return float(
            self.idf * ((tf * self._k1_plus_1) / (tf + K1 * (self._one_minus_b + B * fl / self.avgfl)))
        )


def _field_lengths(reader: Any, fieldname: str) -> list[int]:
    """Each document's length in ``fieldname``, as Whoosh stores it (one byte, approximate).

    Reads the W3 codec's length column in one piece; any other reader is asked per document.
    """
    count = reader.doc_count_all()
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", _LENGTHS_COLUMN)
        data = column._dbfile.get(column._basepos, column._count) if column is not None else b""
    except AttributeError:
        return [reader.doc_field_length(d, fieldname, 1) or 0 for d in range(count)]
    if column is None:  # no lengths written: Whoosh's scorer then uses 1
        return [1] * count
    return [byte_to_length(b) for b in data] + [0] * (count - len(data))


class _Lexicon:
    """Each field's terms, sorted, read once per searcher; and the expansions found in them.

    Whoosh expands a prefix, wildcard or fuzzy term in every segment separately, comparing
    each term in Python (fuzzy terms through a Levenshtein automaton, itself in Python).
    Expanding once against the whole index gives the same terms: a term missing from a
    segment just matches nothing there.
    """

    def __init__(self, reader: Any, vocabulary: Callable[[], list[str]] = list) -> None:
        self._reader = reader
        self._vocabulary = vocabulary
        """The corpus's words as written, sorted (read when a fuzzy term first needs them)."""
        self._terms: dict[str, list[str]] = {}
        self._expansions: dict[tuple[Any, ...], list[bytes]] = {}
        self._distance: dict[tuple[str, str], int] = {}

    def holds_text(self, fieldname: str | None) -> bool:
        """Whether the field's terms are UTF-8 text (not encoded numbers or dates)."""
        try:
            field = self._reader.schema[fieldname]
        except KeyError:
            return False
        return isinstance(field, (fields.TEXT, fields.KEYWORD, fields.ID))

    def terms(self, fieldname: str, prefix: str = "") -> list[str]:
        """The field's terms that start with ``prefix``, in order."""
        terms = self._terms.get(fieldname)
        if terms is None:
            terms = self._terms[fieldname] = self._read(fieldname)
        if not prefix:
            return terms
        first = bisect.bisect_left(terms, prefix)
        return terms[first : bisect.bisect_left(terms, prefix + "\U0010ffff", first)]

    def _read(self, fieldname: str) -> list[str]:
        found: set[bytes] = set()
        for leaf, _ in self._reader.leaf_readers():
            found.update(_segment_terms(leaf, fieldname))
        return sorted(t.decode("utf-8") for t in found)

    def expand(self, key: tuple[Any, ...], find: Callable[[], Iterable[str]]) -> list[bytes]:
        """The terms ``find`` gives (the ``MAX_EXPANSIONS`` most frequent when there are more; ``key``
        names the field second), remembered under ``key`` for this searcher."""
        if key not in self._expansions:
            found = [t.encode("utf-8") for t in find()]
            if len(found) > MAX_EXPANSIONS:
                frequency = functools.partial(self._reader.doc_frequency, key[1])
                found = sorted(heapq.nlargest(MAX_EXPANSIONS, found, key=frequency))
            self._expansions[key] = found
        return self._expansions[key]

    def within(self, fieldname: str, text: str, maxdist: int, prefix: int) -> list[bytes]:
        """The field's terms a misspelling within ``maxdist`` edits (a transposition is one)
        stands for, closest and then most frequent first; ``closeness`` weighs each.

        Words are compared as written, not as stems: ``goverment`` is one edit from the word
        "government", three from its stem "govern". So a stemmed field is expanded through the
        corpus's surface words (each standing for its stem), and every field through its own
        terms too (tags, CJK pairs, words absent from the vocabulary).
        """

        def find() -> list[str]:
            word = text.lower()
            found = self._near(word, self.terms(fieldname, word[:prefix]), maxdist)
            if self.stemmed(fieldname):
                held = self.terms(fieldname)
                for surface, distance in self._near(word, self._surface(word[:prefix]), maxdist).items():
                    term = stem(surface)
                    at = bisect.bisect_left(held, term)
                    if at < len(held) and held[at] == term:
                        found[term] = min(found.get(term, distance), distance)
            frequency = functools.partial(self._reader.doc_frequency, fieldname)
            ranked = sorted(found, key=lambda t: (found[t], -frequency(t), t))
            for term in ranked:
                self._distance[(fieldname, term)] = found[term]
            return ranked

        key = ("fuzzy", fieldname, text, maxdist, prefix)
        if key not in self._expansions:  # ranked already: the cap keeps the closest
            self._expansions[key] = [t.encode("utf-8") for t in find()[:MAX_EXPANSIONS]]
        return self._expansions[key]

    def closeness(self, fieldname: str, term: bytes) -> float:
        """How much a fuzzy expansion counts: the word itself 1, one edit away 1/2, two 1/3."""
        return 1.0 / (1 + self._distance.get((fieldname, term.decode("utf-8")), 0))

    def stemmed(self, fieldname: str) -> bool:
        """Whether the field's terms are stems of the words (title, body, notes)."""
        try:
            field = self._reader.schema[fieldname]
        except KeyError:
            return False
        return isinstance(field, fields.TEXT) and isinstance(field.analyzer, LecternAnalyzer)

    def _surface(self, prefix: str) -> list[str]:
        words = self._vocabulary()
        if not prefix:
            return words
        first = bisect.bisect_left(words, prefix)
        return words[first : bisect.bisect_left(words, prefix + "\U0010ffff", first)]

    @staticmethod
    def _near(word: str, choices: list[str], maxdist: int) -> dict[str, int]:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
        return {term: int(distance) for term, distance, _ in found}


def _segment_terms(leaf: Any, fieldname: str) -> list[bytes]:
    """A segment's terms in ``fieldname``.

    Whoosh reads its term file with a seek and a read per term (some 80 ms for 30,000 terms);
    this reads the W3 codec's key/value area in one piece and walks it. Other readers are asked.
    """
    try:
        table = leaf._terms._tindex
        prefix = struct.pack("!H", leaf._terms._fieldmap[fieldname])  # keys: field number, term
        start = table.closest_key_pos(prefix)
    except KeyError:  # the segment has no terms in that field
        return []
    except AttributeError:
        return list(leaf.lexicon(fieldname)) if fieldname in leaf.indexed_field_names() else []
    if start is None:
        return []
    data = table.dbfile.get(start, table.endofdata - start)
    terms, pos, end = [], 0, len(data)
    while pos < end:  # each entry: key length, value length (two ints), key, value
        keylen, datalen = _ENTRY_LENGTHS.unpack_from(data, pos)
        pos += _ENTRY_LENGTHS.size
        if not data.startswith(prefix, pos):  # keys are in order: the field's terms are over
            break
        terms.append(data[pos + len(prefix) : pos + keylen])
        pos += keylen + datalen
    return terms


_ENTRY_LENGTHS = struct.Struct("!ii")


class _FuzzyTerm(query.FuzzyTerm):  # type: ignore[misc]
    """A fuzzy term expanded in the lexicon, the same way for searching and for hit spans."""

    lexicon: _Lexicon

    def _btexts(self, ixreader: Any) -> list[bytes]:
        return self.lexicon.within(self.fieldname, self.text, self.maxdist, self.prefixlength)


class _Prefix(query.Prefix):  # type: ignore[misc]
    """A prefix expanded in the lexicon (a slice of its sorted terms)."""

    lexicon: _Lexicon

    def _btexts(self, ixreader: Any) -> list[bytes]:
        key = ("prefix", self.fieldname, self.text)
        return self.lexicon.expand(key, lambda: self.lexicon.terms(self.fieldname, self.text))


class _Wildcard(query.Wildcard):  # type: ignore[misc]
    """A wildcard expanded in the lexicon: its terms with the literal prefix, matched whole."""

    lexicon: _Lexicon

    def _btexts(self, ixreader: Any) -> list[bytes]:
        def find() -> list[str]:
            pattern = re.compile(self._get_pattern())
            candidates = self.lexicon.terms(self.fieldname, self._find_prefix(self.text))
            return [term for term in candidates if pattern.match(term)]

        return self.lexicon.expand(("wildcard", self.fieldname, self.text), find)


def _use_lexicon(q: Any, lexicon: _Lexicon) -> Any:
    """``q`` with its fuzzy, prefix, wildcard and phrase nodes replaced by lectern's own."""

    def swap(node: Any) -> Any:
        kind = type(node)
        if kind is query.Phrase and node.slop == 1:
            return _Phrase(node.fieldname, node.words, slop=1, boost=node.boost, char_ranges=node.char_ranges)
        if not lexicon.holds_text(getattr(node, "fieldname", None)):
            return node  # numbers and dates: Whoosh's own expansion, whatever it makes of them
        if kind is query.FuzzyTerm:
            new: Any = _FuzzyTerm(node.fieldname, node.text, node.boost, node.maxdist, node.prefixlength)
        elif kind is query.Prefix:
            new = _Prefix(node.fieldname, node.text, node.boost)
        elif kind is query.Wildcard:
            new = _Wildcard(node.fieldname, node.text, node.boost)
        else:
            return node
        new.lexicon = lexicon
        return new

    return q.accept(swap)


class _Phrase(query.Phrase):  # type: ignore[misc]
    """An exact phrase (slop 1), checked with set arithmetic on the words' positions.

    Whoosh runs phrases through SpanNear2, which builds a Python object per occurrence of each
    word in each candidate document. This matches the same documents with the same scores
    (the intersection of the words' postings, as SpanNear2 scores it).
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        schema = searcher.schema
        if self.fieldname not in schema or not schema[self.fieldname].format.supports("positions"):
            return super().matcher(searcher, context)  # nothing, or Whoosh's error message
        field = schema[self.fieldname]
        words = [field.to_bytes(w) for w in self.words]
        reader = searcher.reader()
        if not all((self.fieldname, w) in reader for w in words):
            return matching.NullMatcher()
        matchers = [query.Term(self.fieldname, w).matcher(searcher, context) for w in words]
        m: Any = _PhraseMatcher(matchers, words, field.format.decode_positions)
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


class _PhraseMatcher(matching.WrappingMatcher):  # type: ignore[misc]
    """The documents of an intersection where the words stand at consecutive positions.

    Scores are the intersection's, one matcher per word as SpanNear2 has; a word repeated in
    the phrase has its positions decoded once per document.
    """

    def __init__(self, matchers: list[Any], words: list[bytes], decode: Callable[[bytes], list[int]]) -> None:
        super().__init__(make_binary_tree(matching.IntersectionMatcher, matchers))
        self._matchers, self._words, self._decode = matchers, words, decode
        offsets: dict[bytes, tuple[Any, list[int]]] = {}
        for offset, (word, matcher) in enumerate(zip(words, matchers, strict=True)):
            offsets.setdefault(word, (matcher, []))[1].append(offset)
        self._offsets = list(offsets.values())
        self._find()

    def _find(self) -> None:
        child = self.child
        while child.is_active() and not self._in_order():
            child.next()

    def _in_order(self) -> bool:
        """Whether some position p has the phrase's word i at p + i, for every i."""
        starts: set[int] | None = None
        for matcher, offsets in self._offsets:
            positions = self._decode(matcher.value())
            for offset in offsets:
                shifted = map((-offset).__add__, positions)
                if starts is None:
                    starts = set(shifted)
                else:
                    starts.intersection_update(shifted)
                if not starts:
                    return False
        return True

    def copy(self) -> _PhraseMatcher:
        return _PhraseMatcher([m.copy() for m in self._matchers], self._words, self._decode)

    def replace(self, minquality: float = 0) -> Any:
        return self if self.is_active() else matching.NullMatcher()

    def supports_block_quality(self) -> bool:
        return False

    def next(self) -> None:
        self.child.next()
        self._find()

    def skip_to(self, docnum: int) -> None:
        self.child.skip_to(docnum)
        self._find()

    def all_ids(self) -> Iterator[int]:
        while self.is_active():
            yield self.id()
            self.next()


# --------------------------------------------------------------------------- bulk queries


class _Segment:
    """One segment of a searcher, as the bulk evaluator reads it.

    Body postings come from the segment's flat ``.lps`` file when it has one; other fields (and
    the body without that file) from Whoosh's posting blocks, read whole. Scores are Whoosh's
    BM25F (``_Scorer``): the same numbers, computed for a posting list at a time.
    """

    def __init__(self, top: Any, searcher: Any, offset: int, folder: Path) -> None:
        import numpy as np

        from tui.core.postings import SUFFIX, FlatPostings

        self.np = np
        self.top, self.searcher, self.offset = top, searcher, offset
        self.reader = searcher.reader()
        self.size = int(self.reader.doc_count_all())
        self.live = np.ones(self.size, dtype=bool)
        segment = self.reader.segment()
        deleted = list(segment.deleted_docs()) if segment.has_deletions() else []
        self.live[np.asarray(deleted, dtype=np.int64)] = False
        self.flat: FlatPostings | None = None
        try:
            self.flat = FlatPostings(folder / segment.make_filename(SUFFIX))
        except (OSError, ValueError):  # none written, or damaged: Whoosh's postings answer
            self.flat = None
        else:
            if self.flat.doc_count != self.size:
                self.close()
        self._norms: dict[str, Any] = {}

    def close(self) -> None:
        """Let go of the ``.lps`` file: Whoosh's postings answer for this segment from now on."""
        if self.flat is not None:
            self.flat.close()
            self.flat = None

    def fits(self, ids: Any, positions: Any = None) -> bool:
        """Whether numbers read from the ``.lps`` file are possible here; if not, the file is
        damaged in a way its sizes and magic numbers do not show, and it is let go."""
        flat = self.flat
        assert flat is not None
        ok = (not len(ids) or int(ids.max()) < self.size) and (
            positions is None or not len(positions) or int(positions.max()) < flat.span
        )
        if not ok:
            self.close()
        return ok

    def empty(self) -> tuple[Any, Any]:
        return self.np.zeros(self.size, dtype=bool), self.np.zeros(self.size)

    def postings(self, fieldname: str, tbytes: bytes) -> tuple[Any, Any] | None:
        """A term's document numbers and weights in this segment."""
        if self.flat is not None and fieldname in SEARCH_FIELDS:
            found = self.flat.postings(_flat_key(fieldname, tbytes))
            if found is None or self.fits(found[0]):
                return found
        try:
            return _read_postings(self.reader, fieldname, tbytes)
        except (KeyError, TermNotFound):  # not in this segment (one look-up, not two)
            return None

    def documents_with(self, fieldname: str, tbytes: bytes) -> int:
        """How many live documents hold the term."""
        found = self.postings(fieldname, tbytes)
        return 0 if found is None else int(self.live[found[0]].sum())

    def term(self, fieldname: str, tbytes: bytes, boost: float = 1.0) -> tuple[Any, Any]:
        np = self.np
        matched, scores = self.empty()
        found = self.postings(fieldname, tbytes)
        if found is None or not len(found[0]):
            return matched, scores
        ids, weights = found[0], found[1].astype(np.float64)
        if self.top.schema[fieldname].scorable:
            weighting = self.top.weighting
            idf = self.top.idf(fieldname, tbytes)
            values = idf * ((weights * (weighting.K1 + 1)) / (weights + self._norm(fieldname)[ids]))
        else:
            values = weights
        matched[ids] = True
        scores[ids] = values * boost if boost != 1.0 else values
        return matched, scores

    def _norm(self, fieldname: str) -> Any:
        """``K1 * (1 - B + B * length / average length)`` for each document: BM25F's denominator."""
        norm = self._norms.get(fieldname)
        if norm is None:
            weighting = self.top.weighting
            B, K1 = weighting.B, weighting.K1
            avgfl = self.top.avg_field_length(fieldname) or 1
            lengths = self.np.asarray(weighting._lengths_of(self.reader, fieldname), dtype=self.np.float64)
            norm = self._norms[fieldname] = K1 * ((1 - B) + B * lengths / avgfl)
        return norm


def _flat_key(fieldname: str, tbytes: bytes) -> bytes:
    from tui.core.postings import key

    return key(fieldname, tbytes)


def _read_postings(reader: Any, fieldname: str, tbytes: bytes) -> tuple[Any, Any]:
    """A term's document numbers and weights from the W3 codec's blocks, read in one piece.

    Whoosh's matcher decodes the same blocks one posting at a time; only ids and weights are
    needed here (values are decompressed with them: they share the block).
    """
    import numpy as np

    info = reader._terms.term_info(fieldname, tbytes)
    if info.is_inlined():
        ids, weights, _ = info.inlined_postings()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)
    length = info._length[0] if isinstance(info._length, tuple) else info._length  # Whoosh keeps a 1-tuple
    data = reader._terms._postfile.get(info._offset, length)
    stream = io.BytesIO(data)
    stream.seek(_INT_SIZE)  # the postings' magic number
    id_parts, weight_parts = [], []
    while True:
        (size,) = _BLOCK_LENGTH.unpack(stream.read(_BLOCK_LENGTH.size))
        start = stream.tell()
        count, _, _, compression, _, _ = pickle.load(stream)
        raw = data[stream.tell() : start + abs(size)]
        deltas, weights, _ = pickle.loads(zlib.decompress(raw) if compression else raw)
        id_parts.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        if weights is None or isinstance(weights, float):
            weight_parts.append(np.full(count, 1.0 if weights is None else weights))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float64))
        if size < 0:  # the last block
            break
        stream.seek(start + size)
    return np.concatenate(id_parts), np.concatenate(weight_parts)


_BLOCK_LENGTH = struct.Struct("!i")


def _evaluate(q: Any, segment: _Segment) -> tuple[Any, Any]:
    """The documents of ``segment`` that ``q`` matches (a mask) and their scores.

    Combines masks and score arrays as Whoosh's matchers combine documents: AND and OR add
    their children's scores, NOT and AND NOT take none from the excluded side.
    """
    kind = type(q)
    if kind is query.And or kind is query.Or:
        parts = [_evaluate(child, segment) for child in q.subqueries]
        if not parts:
            return segment.empty()
        masks = [m for m, _ in parts]
        combine = segment.np.logical_and if kind is query.And else segment.np.logical_or
        matched = combine.reduce(masks)
        scores = sum(s for _, s in parts)
        return matched, _boosted(scores * matched, q.boost)
    if kind is query.Not:  # Whoosh's inverse matcher scores 1 for each document it matches
        matched, _ = _evaluate(q.query, segment)
        matched = ~matched & segment.live
        return matched, matched.astype(segment.np.float64)
    if kind is query.AndNot:
        (matched, scores), (excluded, _) = _evaluate(q.a, segment), _evaluate(q.b, segment)
        matched = matched & ~excluded
        return matched, _boosted(scores * matched, q.boost)
    if kind is query.AndMaybe:
        (matched, scores), (_, extra) = _evaluate(q.a, segment), _evaluate(q.b, segment)
        return matched, _boosted((scores + extra) * matched, q.boost)
    if kind is query.Term:
        try:
            tbytes = segment.top.schema[q.fieldname].to_bytes(q.text)
        except (KeyError, ValueError):
            return segment.empty()
        return segment.term(q.fieldname, tbytes, q.boost)
    if kind is _Phrase and q.fieldname in SEARCH_FIELDS and segment.flat is not None:
        return _phrase(q, segment) if q.fieldname == "body" else _phrase_elsewhere(q, segment)
    if kind in (_Prefix, _Wildcard, _FuzzyTerm):
        return _expanded(q, segment)
    return _with_whoosh(q, segment)


def _boosted(scores: Any, boost: float) -> Any:
    return scores * boost if boost != 1.0 else scores


def _phrase(q: Any, segment: _Segment) -> tuple[Any, Any]:
    from tui.core.postings import phrase_documents

    flat = segment.flat
    assert flat is not None
    words = [segment.top.schema["body"].to_bytes(w) for w in q.words]
    found = [f for w in words if (f := flat.occurrences(_flat_key("body", w))) is not None]
    if not all(segment.fits(ids, positions) for ids, _, positions in found):
        return _with_whoosh(q, segment)
    matched, scores = segment.empty()
    if not words or len(found) != len(words):
        return matched, scores
    matched[phrase_documents(found, flat.span)] = True
    for word in words:  # scored as the intersection of its words (each repeat counts), like _Phrase
        scores += segment.term("body", word)[1]
    return matched, _boosted(scores * matched, q.boost)


def _phrase_elsewhere(q: Any, segment: _Segment) -> tuple[Any, Any]:
    """A phrase in a field stored without positions here: Whoosh's matcher checks it, unless
    its words share no document (the usual case, and far cheaper to see)."""
    field = segment.top.schema[q.fieldname]
    shared = None
    for word in q.words:
        found = segment.postings(q.fieldname, field.to_bytes(word))
        if found is None:
            return segment.empty()
        shared = found[0] if shared is None else segment.np.intersect1d(shared, found[0])
        if not len(shared):
            return segment.empty()
    return _with_whoosh(q, segment)


def _expanded(q: Any, segment: _Segment) -> tuple[Any, Any]:
    """A prefix, wildcard or fuzzy term: the OR of its expansions, each scored by BM25F.

    Deliberately not Whoosh's "constant score" here, which gives each document 1, or BM25F,
    depending on how many expansions a segment happens to hold: ranking by the expansions'
    scores puts documents with more and rarer matching words first.
    """
    words = [w for w in q._btexts(segment.reader) if w]
    if len(words) == 1 and not isinstance(q, _FuzzyTerm):  # Whoosh uses the term's matcher, unboosted
        return segment.term(q.fieldname, words[0])
    matched, scores = segment.empty()
    for word in words:
        found, more = segment.term(q.fieldname, word)
        matched |= found
        scores += more * q.lexicon.closeness(q.fieldname, word) if isinstance(q, _FuzzyTerm) else more
    return matched, _boosted(scores, q.boost)


def _with_whoosh(q: Any, segment: _Segment) -> tuple[Any, Any]:
    """Any other query (dates, ranges, title phrases): Whoosh's matcher, walked to the end."""
    matched, scores = segment.empty()
    matcher = q.matcher(segment.searcher)
    ids, values = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        values.append(matcher.score())
        matcher.next()
    if ids:
        matched[ids] = True
        scores[ids] = values
    return matched, scores


def _top(q: Any, segments: list[_Segment], limit: int | None) -> tuple[list[tuple[int, float]], int]:
    """The ``limit`` best (docnum, score) pairs, best first (ties: lower docnum, as Whoosh), and
    how many documents matched."""
    import numpy as np

    docs, scores = [], []
    for segment in segments:
        matched, values = _evaluate(q, segment)
        ids = np.flatnonzero(matched & segment.live)
        docs.append(ids + segment.offset)
        scores.append(values[ids])
    all_docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    all_scores = np.concatenate(scores) if scores else np.zeros(0)
    limit = len(all_docs) if limit is None else limit
    if 0 < limit < len(all_docs):
        keep = np.argpartition(-all_scores, limit - 1)[:limit]
        cutoff = all_scores[keep].min()
        keep = np.flatnonzero(all_scores >= cutoff)  # every tie at the cut, for a stable order
        all_docs, all_scores, total = all_docs[keep], all_scores[keep], len(all_docs)
    else:
        total = len(all_docs)
    order = np.lexsort((all_docs, -all_scores))[:limit]
    return [(int(all_docs[i]), float(all_scores[i])) for i in order], total


def _pairs(spans: tuple[Any, Any]) -> list[Span]:
    return list(zip(spans[0].tolist(), spans[1].tolist(), strict=True))


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sort and merge overlapping spans."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def make_snippet(text: str, spans: Any, width: int = SNIPPET_CHARS) -> tuple[str, tuple[Span, ...]]:
    """The window of ``text`` with the most hits (anywhere in the text), and their marks.

    ``spans`` are sorted, merged (start, end) pairs: a list or an (n, 2) array.
    """
    import numpy as np

    pairs = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return _snippet(text, pairs[:, 0], pairs[:, 1], width)


def _snippet(text: str, starts: Any, ends: Any, width: int = SNIPPET_CHARS) -> tuple[str, tuple[Span, ...]]:
    """``make_snippet`` for spans given as their (sorted) starts and ends."""
    import numpy as np

    if not len(starts):
        head = text[:width]
        return _fold(head) + ("…" if len(text) > width else ""), ()
    if len(text) <= width:  # a title, a tag list, a short note: all of it
        return _fold(text), tuple(zip(starts.tolist(), ends.tolist(), strict=True))
    # For each span, how many spans end within ``width`` of its start (ends are sorted too).
    counts = np.searchsorted(ends, starts + width, side="right") - np.arange(len(starts))
    best = int(np.argmax(counts))
    best_count = int(counts[best])
    if best_count <= 0:
        best, best_count = 0, 0
    chosen = slice(best, best + best_count)
    window = list(zip(starts[chosen].tolist(), ends[chosen].tolist(), strict=True))
    first = int(starts[best])
    last_end = window[-1][1] if window else int(ends[-1])
    lead = min(40, max(0, (width - (last_end - first)) // 2))
    begin = max(0, first - lead)
    space = text.rfind(" ", max(0, begin - 15), begin + 1)
    begin = space + 1 if space >= 0 and begin > 0 else begin
    end = min(len(text), begin + width)
    marks = tuple((max(s, begin) - begin, min(e, end) - begin) for s, e in window if s < end)
    prefix = "…" if begin > 0 else ""
    body = _fold(text[begin:end]) + ("…" if end < len(text) else "")
    return prefix + body, tuple((s + len(prefix), e + len(prefix)) for s, e in marks)


def _fold(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ")
