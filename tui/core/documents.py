"""Documents: read them safely, split off their YAML front matter (``tui.core.discovery`` finds them).

Corpus folders hold whatever users put there, so reading never raises on bad input: binary
files, files over the size cap and unreadable files become a ``Skipped`` with a reason;
mis-encoded text and malformed front matter still give a ``Document``, with the problem noted in
``Document.problems``. ``parse_document`` is total: any text gives a Document whose title is one
bounded line and whose date is a valid ISO day, because one bad file must never stop a corpus
being indexed. Work per file is linear in its size (no pattern here can backtrack over a long
line), so an adversarial file costs what a plain one of the same size costs. Offsets everywhere
in lectern are code points into ``Document.text`` (front matter removed, newlines normalised to
``\\n``), and ``sha256`` is taken of that text.

EPUB, HTML and PDF files (``tui.core.formats``) are read through their converter: their ``text``
is the converted Markdown, cached by the file's content and the converter's version, and their
``sha256`` is that text's, so annotations anchor into what the reader shows; a new converter
version changes the text and the sha256, and annotations are re-anchored by quote as after an
edit. A file that cannot be converted is a ``Skipped`` with the reason.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from tui.core import formats
from tui.core.discovery import Skipped, SourceFile
from tui.core.safe_yaml import load_yaml_safely
from tui.core.word_count import count_utf8_words, count_words

MAX_BYTES = 50 * 1024 * 1024
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_TITLE = 200
"""Characters of a title (from front matter, a heading or the first line)."""
MAX_FIELD = 500
"""Characters of the source and language fields."""
MAX_TAG = 100
MAX_TAGS = 100
TITLE_SCAN = 20_000
"""Characters at the start of the text searched for a fallback title."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BOM_BYTES = tuple(bom for bom, _ in _BOMS)
# The closing line of a front matter block, found from the opening line's newline (so an empty
# block closes at once). It starts with a literal newline and its only repetition is bounded by
# the line, so a search is linear however many near-misses the text holds.
_CLOSING = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
_CLOSING_BYTES = re.compile(_CLOSING.pattern.encode())
_SURROGATES = re.compile("[\ud800-\udfff]")
_FULL_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_SHORT_DAY = re.compile(r"([0-9]{4})(?:([0-9]{2})([0-9]{2})|-([0-9]{1,2}))?")
_TIME = re.compile(
    r"(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]*)?)?"
    r"(?:[ \t]*(?:Z|[-+]([0-9]{1,2})(?::?([0-9]{2}))?))?[ \t]*"
)
_MAX_DATE_CHARS = 64
_MAX_INT_BITS = 10_000  # str() of a bigger int is refused (Python 3.11+) or slow (3.10)
_EPOCH = date(1970, 1, 1).toordinal()
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class Document:
    """A readable document: metadata from front matter (or fallbacks) and its text."""

    id: str
    path: Path
    title: str
    date: str
    """ISO 8601 day (``YYYY-MM-DD``): from front matter, else the file's modification time."""
    source: str
    language: str
    tags: tuple[str, ...]
    text: str
    """The body: front matter removed, newlines normalised. All offsets point into this."""
    sha256: str
    size: int
    mtime_ns: int
    problems: tuple[str, ...] = field(default=())
    """What was wrong with the file but did not stop it being read (encoding, front matter)."""
    author: str = ""
    """Front matter ``author`` (or ``authors``), or the author a converted file names."""

    @functools.cached_property
    def words(self) -> int:
        """Number of whitespace-separated words in the text (``len(text.split())``, counted once)."""
        return count_words(self.text)


class BinaryFileError(ValueError):
    """The bytes are not text (they contain NUL bytes outside a UTF-16/32 encoding)."""


def read_document(
    source: SourceFile, max_bytes: int | None = None, cache: Path | None = None, *, words: bool = True
) -> Document | Skipped:
    """Read and parse one file; never raises for bad content.

    ``max_bytes`` caps the file's size (``MAX_BYTES`` for text, ``formats.MAX_BYTES`` for the
    converted formats); ``cache`` is the converted-text cache (``Paths.converted`` by default).
    ``words``: count the words now, from the bytes read (else ``Document.words`` counts them
    from the text when first asked: the reader shows a large document before its count).
    """
    fmt = formats.format_of(source.path)
    if fmt is not None:
        return _read_converted(source, fmt, formats.MAX_BYTES if max_bytes is None else max_bytes, cache)
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    if source.size > max_bytes:
        return Skipped(source.path, f"larger than the {max_bytes // (1024 * 1024)} MB cap")
    try:
        data = source.path.read_bytes()
    except OSError as error:
        return Skipped(source.path, f"cannot be read: {error.strerror or error}")
    doc = _read_utf8(source, data, words)
    if doc is not None:
        return doc
    try:
        raw, warning = decode(data)
    except BinaryFileError as error:
        return Skipped(source.path, str(error))
    return parse_document(source, raw, [warning] if warning else [])


def _read_utf8(source: SourceFile, data: bytes, words: bool = True) -> Document | None:
    """The usual file, UTF-8 without a BOM, read the short way: None for any other (``decode`` and
    ``parse_document`` then read it, and say what is wrong with it).

    Newlines are normalised and the front matter cut off in the bytes (a carriage return, a
    newline and ``---`` are single bytes in UTF-8, never part of another character), so only the
    body is decoded, once, and its hash and word count are taken from those bytes: no copy of the
    text and no encoding it again (for 5 MB, some 40 ms less on the way to the reader).
    """
    if data.startswith(_BOM_BYTES) or b"\x00" in data:
        return None
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    cut = 0
    if data.startswith(b"---"):
        end = _front_matter_end(data)
        if end is None:
            return None  # (not front matter after all, or not closed: the careful path says which)
        cut = end
    try:
        head = data[:cut].decode("utf-8")
        body = data[cut:] if cut else data
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    meta, rest, problem = split_front_matter(head) if cut else ({}, "", None)
    return _document(
        source, meta, rest + text if rest else text, [problem] if problem else [], body, words=words
    )


def _front_matter_end(data: bytes) -> int | None:
    """``_front_matter`` of UTF-8 bytes: where the body starts after the block (None: no block)."""
    newline = data.find(b"\n")
    if newline < 0 or data[3:newline].strip(b" \t"):
        return None
    closing = _CLOSING_BYTES.search(data, newline)
    return None if closing is None else closing.end()


def _read_converted(
    source: SourceFile, fmt: formats.Format, max_bytes: int, cache: Path | None
) -> Document | Skipped:
    if source.size > max_bytes:
        return Skipped(source.path, f"larger than the {max_bytes // (1024 * 1024)} MB cap")
    found = formats.obtain(source.path, source.size, source.mtime_ns, fmt, cache or _converted_dir())
    if isinstance(found, formats.Failure):
        return Skipped(source.path, found.reason)
    return converted_document(source, found)


def _converted_dir() -> Path:
    from tui.core.paths import Paths

    return Paths.from_environment().converted


def converted_document(source: SourceFile, converted: formats.Converted) -> Document:
    """The Document of a converted file: its Markdown, and its metadata bounded and checked as
    front matter is (a date that names no day falls back to the file's modification day)."""
    notes = list(converted.problems)
    day, date_problem = _date_of(converted.date or None, source.mtime_ns)
    if date_problem:
        notes.append(date_problem)
    text = converted.text
    return Document(
        id=source.id,
        path=source.path,
        title=_one_line(converted.title, MAX_TITLE)
        or _one_line(fallback_title(text), MAX_TITLE)
        or _name_title(source.path),
        date=day,
        source=_one_line(converted.source, MAX_FIELD),
        language=_one_line(converted.language, MAX_FIELD),
        tags=_tags(list(converted.tags), notes),
        text=text,
        sha256=text_sha256(text),
        size=source.size,
        mtime_ns=source.mtime_ns,
        problems=tuple(notes),
        author=_one_line(converted.author, MAX_FIELD),
    )


def parse_document(source: SourceFile, raw: str, problems: list[str] | None = None) -> Document:
    """Build a Document from decoded file text; total: every problem becomes a note, never an error."""
    notes = list(problems or [])
    meta, text, problem = split_front_matter(_normalise_newlines(raw))
    if problem:
        notes.append(problem)
    return _document(source, meta, text, notes, None)


def _document(
    source: SourceFile,
    meta: dict[str, Any],
    text: str,
    notes: list[str],
    body: bytes | None,
    *,
    words: bool = True,
) -> Document:
    """The Document of ``text`` and its front matter; ``body``: the text's UTF-8, when at hand
    (its words are counted from it, unless ``words`` is false)."""
    day, date_problem = _date_of(meta.get("date"), source.mtime_ns)
    if date_problem:
        notes.append(date_problem)
    title = _text_field(meta, "title", MAX_TITLE, notes)
    language = _text_field(meta, "language", MAX_FIELD, notes) or _text_field(meta, "lang", MAX_FIELD, notes)
    doc = Document(
        id=source.id,
        path=source.path,
        title=title or _one_line(fallback_title(text), MAX_TITLE) or _name_title(source.path),
        date=day,
        source=_text_field(meta, "source", MAX_FIELD, notes),
        language=language,
        tags=_tags(meta.get("tags"), notes),
        text=text,
        sha256=text_sha256(text) if body is None else hashlib.sha256(body).hexdigest(),
        size=source.size,
        mtime_ns=source.mtime_ns,
        problems=tuple(notes),
        author=_authors(meta, notes),
    )
    if body is not None and words:
        doc.__dict__["words"] = count_utf8_words(body)  # (``words`` is a cached property: its slot)
    return doc


def read_body(path: Path) -> str | None:
    """``Document.text`` of the file at ``path`` without parsing its metadata or hashing it.

    For callers that already know the file is the version they want (same size and mtime) and
    only need its text; None when it cannot be read as text. A converted format's text comes
    from the cache (converted now if it is not there).
    """
    fmt = formats.format_of(path)
    if fmt is not None:
        try:
            stat = path.stat()
        except OSError:
            return None
        doc = _read_converted(
            SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns), fmt, formats.MAX_BYTES, None
        )
        return doc.text if isinstance(doc, Document) else None
    try:
        raw, _ = decode(path.read_bytes())
    except (OSError, BinaryFileError):
        return None
    raw = _normalise_newlines(raw)
    span = _front_matter(raw)
    return raw[span[1] :] if span else raw


def _normalise_newlines(raw: str) -> str:
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(raw: str) -> tuple[str, int] | None:
    """The ``---`` block and where the body starts after it; removing it never depends on its YAML."""
    if not raw.startswith("---"):
        return None
    newline = raw.find("\n")
    if newline < 0 or raw[3:newline].strip(" \t"):
        return None
    closing = _CLOSING.search(raw, newline)
    if closing is None:
        return None
    return raw[newline + 1 : closing.start() + 1], closing.end()


def text_sha256(text: str) -> str:
    """The hex sha256 of a document text, as UTF-8."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode file bytes: a BOM decides; else strict UTF-8; else Windows-1252 with a warning."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError as error:
                return data.decode(encoding, "replace"), f"invalid {encoding} ({error.reason})"
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BinaryFileError(f"binary file (NUL byte at offset {nul})")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        text = data.decode("cp1252", "replace")
        where = f"byte 0x{data[error.start]:02x} at offset {error.start}"
        return text, f"not valid UTF-8 ({where}); read as Windows-1252"


def split_front_matter(raw: str) -> tuple[dict[str, Any], str, str | None]:
    """Split ``---`` YAML front matter from the body: (metadata, body, problem or None).

    A malformed block is still removed from the body (it is not prose), and reported. Only
    string keys are kept: the fields lectern reads all have string names.
    """
    found = _front_matter(raw)
    if found is None:
        if raw.startswith("---\n") or raw.rstrip("\n") == "---":
            return {}, raw, "front matter is not closed by a '---' line; shown as text"
        return {}, raw, None
    block, body = found[0], raw[found[1] :]
    if len(block) > MAX_FRONT_MATTER_CHARS:
        return {}, body, f"front matter is larger than {MAX_FRONT_MATTER_CHARS} characters; ignored"
    meta, problem = _load_front_matter(block)
    if problem or meta is None:
        return {}, body, problem
    if not isinstance(meta, dict):
        return {}, body, f"front matter is {_kind(meta)}, not a mapping; ignored"
    return {k: v for k, v in meta.items() if isinstance(k, str)}, body, None


def _load_front_matter(block: str) -> tuple[Any, str | None]:
    """The block's YAML (or the reason it has none).

    The safe loader keeps a date or number it cannot build (``2020-13-01``, a 5,000-digit int) as
    text, and the field reports it. Anything else a value's construction raises that is not a
    YAMLError (the loader's constructors are PyYAML's: a MemoryError, a KeyError) must not cost
    the other fields either: every value is then read again as plain text.
    """
    try:
        return load_yaml_safely(block), None
    except yaml.YAMLError as error:
        return None, _yaml_problem(error)
    except Exception:  # any failure to build a value: the plain reading below names the field
        return _load_plainly(block)


def _load_plainly(block: str) -> tuple[Any, str | None]:
    try:
        return load_yaml_safely(block, plain=True), None  # builds str, list and dict only
    except yaml.YAMLError as error:
        return None, _yaml_problem(error)
    except Exception as error:  # e.g. RecursionError: the body is still read and indexed
        return None, f"malformed front matter: {type(error).__name__}"


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 2})" if mark is not None else ""
    first_line = next(iter(str(error).splitlines()), "")
    reason = getattr(error, "problem", None) or first_line or type(error).__name__
    return f"malformed front matter{where}: {_one_line(str(reason), MAX_FIELD)}"


def fallback_title(text: str) -> str:
    """The first heading (ATX or underlined), else the first non-blank line, trimmed.

    A scan of the lines (not a regular expression over the text) so a long line costs its
    length, once: a heading line is recognised where CommonMark's shapes would match it.
    """
    head = text[:TITLE_SCAN]
    lines = head.split("\n")
    for i, line in enumerate(lines):
        heading = _atx_heading(line)
        if heading is not None:
            return heading.strip()[:MAX_TITLE]
        if i + 1 < len(lines) and _is_underline(lines[i + 1]) and line.strip():
            return line.strip()[:MAX_TITLE]
    for line in head.splitlines():
        if line.strip():
            return line.strip()[:MAX_TITLE]
    return ""


def _atx_heading(line: str) -> str | None:
    """The text of ``line`` as an ATX heading (``## Title ##``), or None when it is not one.

    Up to three spaces, one to six ``#``, at least one space or tab, then the text; trailing
    spaces, tabs and ``#`` are dropped, but the text keeps at least one character.
    """
    indent = len(line) - len(line.lstrip(" "))
    if indent > 3:
        return None
    rest = line[indent:]
    hashes = len(rest) - len(rest.lstrip("#"))
    if not 1 <= hashes <= 6:
        return None
    rest = rest[hashes:]
    gap = len(rest) - len(rest.lstrip(" \t"))
    if gap == 0:
        return None
    if gap < len(rest):
        end = len(rest.rstrip(" \t#"))
        return rest[gap : max(gap + 1, end)]
    return rest[gap - 1 : gap] if gap >= 2 else None  # only blanks: the last one is the "text"


def _is_underline(line: str) -> bool:
    """A setext underline: one of ``= - ~ *`` repeated from the first column, then blanks."""
    mark = line.rstrip(" \t")
    return bool(mark) and mark[0] in "=-~*" and mark == mark[0] * len(mark)


def _one_line(text: str, limit: int) -> str:
    """``text`` on one line (whitespace runs, line breaks included, become one space), at most
    ``limit`` characters; lone surrogates (which no file can encode) become U+FFFD."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return _SURROGATES.sub("\ufffd", flat)


def _name_title(path: Path) -> str:
    return _one_line(path.stem, MAX_TITLE) or _one_line(path.name, MAX_TITLE) or "untitled"


def _kind(value: object) -> str:
    """What a YAML value is, for a message (never the value itself: it may be huge or recursive)."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "text" if isinstance(value, str) else f"a {type(value).__name__}"


def _scalar_text(value: object) -> str | None:
    """A YAML scalar as text; None for what is not one (lists, mappings, sets, binary data)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= _MAX_INT_BITS else None
    if isinstance(value, float):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return None


def _text_field(meta: dict[str, Any], key: str, limit: int, notes: list[str]) -> str:
    """A front-matter field as one bounded line ('' when absent or not text, which is noted)."""
    value = meta.get(key)
    if value is None:
        return ""
    text = _scalar_text(value)
    if text is None:
        notes.append(f"{key} is {_kind(value)}, not text; ignored")
        return ""
    return _one_line(text, limit)


def _authors(meta: dict[str, Any], notes: list[str]) -> str:
    """Front matter ``author`` or ``authors``: a name or a list of names, as one bounded line."""
    key = "author" if meta.get("author") is not None else "authors"
    value = meta.get(key)
    if value is None:
        return ""
    items = value if isinstance(value, (list, tuple)) else [value]
    names = [_scalar_text(item) for item in items[:MAX_TAGS]]
    if any(name is None for name in names):
        notes.append(f"{key}: entries that are not text were ignored")
    return _one_line(", ".join(n for n in names if n and n.strip()), MAX_FIELD)


def _tags(value: object, notes: list[str]) -> tuple[str, ...]:
    """Tags from a list or a comma-separated string, each one bounded line, at most MAX_TAGS."""
    if value is None:
        return ()
    items: Sequence[object]
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, (set, frozenset)):
        items = sorted(t for t in map(_scalar_text, value) if t is not None)  # a set has no order
    elif _scalar_text(value) is not None:
        items = [value]
    else:
        notes.append(f"tags is {_kind(value)}, not a list of tags; ignored")
        return ()
    # Once per object: aliases repeat one object many times, and must not cost more than its text.
    texts = [_scalar_text(item) for item in {id(item): item for item in items}.values()]
    if any(text is None for text in texts):
        notes.append("tags: entries that are lists, mappings or binary data were ignored")
    tags = dict.fromkeys(t for t in (_one_line(x, MAX_TAG) for x in texts if x is not None) if t)
    if len(tags) > MAX_TAGS:
        notes.append(f"tags: only the first {MAX_TAGS} of {len(tags)} are kept")
    return tuple(tags)[:MAX_TAGS]


def mtime_day(mtime_ns: int) -> str:
    """The UTC day of a modification time, as ISO ``YYYY-MM-DD`` (clamped to years 1-9999)."""
    ordinal = _EPOCH + mtime_ns // _NS_PER_DAY
    return date.fromordinal(min(max(ordinal, 1), date.max.toordinal())).isoformat()


def _date_of(value: object, mtime_ns: int) -> tuple[str, str | None]:
    """The document's ISO day and a problem: a bad date falls back to the modification day."""
    fallback = mtime_day(mtime_ns)
    if value is None or value == "":
        return fallback, None
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    text = _scalar_text(value) if isinstance(value, (str, int, float)) else None
    if text is None or isinstance(value, bool):
        return fallback, f"date is {_kind(value)}, not a day; using the file's modification date"
    text = text.strip()
    day, reason = parse_day(text)
    shown = repr(_one_line(text, 40))
    if day is None:
        return fallback, f"date {shown} {reason}; using the file's modification date"
    if reason:
        return day.isoformat(), f"date {shown} {reason}; using its day"
    return day.isoformat(), None


def parse_day(text: str) -> tuple[date | None, str]:
    """The day ISO 8601 ``text`` names, and what is wrong ('' for nothing).

    ``YYYY-MM-DD`` (anything after it is ignored, but a time after it must be a possible one),
    ``YYYYMMDD``, ``YYYY-MM`` and ``YYYY`` are days; the day is None when the text is none.
    """
    if len(text) > _MAX_DATE_CHARS:
        return None, "is not a date"
    full = _FULL_DAY.match(text)
    if full is not None:
        parts, rest = full.groups(), text[full.end() :]
    elif short := _SHORT_DAY.fullmatch(text):
        year, month, day, only_month = short.groups()
        parts, rest = (year, month or only_month, day), ""
    else:
        return None, "is not an ISO 8601 day (YYYY-MM-DD)"
    try:
        found = date(*(int(p) if p else 1 for p in parts))
    except ValueError as error:
        return None, f"is not a possible day ({error})"
    return found, _time_problem(rest)


def _time_problem(rest: str) -> str:
    """What is impossible in a time of day after a date ('' when fine or not a time at all)."""
    time = _TIME.fullmatch(rest) if rest else None
    if time is None:
        return ""
    hour, minute, second, zone_hour, zone_minute = (int(p) if p else 0 for p in time.groups())
    if hour > 23 or minute > 59 or second > 59 or zone_hour > 23 or zone_minute > 59:
        return "has an impossible time of day"
    return ""
