"""Documents: find them in a corpus, read them safely, split off their YAML front matter.

Corpus folders hold whatever users put there, so reading never raises on bad input: binary
files, files over the size cap and unreadable files become a ``Skipped`` with a reason;
mis-encoded text and malformed front matter still give a ``Document``, with the problem noted in
``Document.problems``. Offsets everywhere in lectern are code points into ``Document.text``
(front matter removed, newlines normalised to ``\\n``), and ``sha256`` is taken of that text.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from tui.core.storage import load_yaml_safely

EXTENSIONS = frozenset({".md", ".markdown", ".txt", ".rst"})
MAX_BYTES = 50 * 1024 * 1024
MAX_FRONT_MATTER_CHARS = 64 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S | re.M)
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_SETEXT_HEADING = re.compile(r"^([^\n]*\S[^\n]*)\n(?:=+|-+|~+|\*+)[ \t]*$", re.M)


@dataclass(frozen=True)
class SourceFile:
    """A file found in a corpus, before it is read."""

    id: str
    """Path relative to its corpus root, with POSIX slashes: the document's stable name."""
    path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    """A file that was not read, and why."""

    path: Path
    reason: str


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

    @property
    def words(self) -> int:
        """Number of whitespace-separated words in the text."""
        return len(self.text.split())


class BinaryFileError(ValueError):
    """The bytes are not text (they contain NUL bytes outside a UTF-16/32 encoding)."""


def discover(paths: Sequence[Path]) -> tuple[list[SourceFile], list[Skipped]]:
    """Every document file under ``paths`` (folders recursively, or files given directly).

    Hidden files and folders are skipped, symlinked folders are followed once (loops are cut),
    and ids are relative to their root, prefixed by the root's name when there are several.
    """
    found: list[SourceFile] = []
    skipped: list[Skipped] = []
    roots = [Path(p) for p in paths]
    seen_ids: set[str] = set()
    for root in roots:
        prefix = f"{root.name}/" if len(roots) > 1 and root.is_dir() else ""
        if not root.exists():
            skipped.append(Skipped(root, "does not exist"))
            continue
        for path, rel in _walk(root, skipped):
            try:
                stat = path.stat()
            except OSError as error:
                skipped.append(Skipped(path, f"cannot be read: {error.strerror or error}"))
                continue
            doc_id = _unique(prefix + rel, seen_ids)
            found.append(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    return found, skipped


def corpus_roots(paths: Sequence[Path]) -> list[Path]:
    """The folders that anchor a corpus: each folder given, or the folder of each file given."""
    roots = [(p if p.is_dir() else p.parent).resolve() for p in map(Path, paths)]
    return list(dict.fromkeys(roots))


def _unique(doc_id: str, seen: set[str]) -> str:
    candidate, n = doc_id, 2
    while candidate in seen:
        candidate, n = f"{doc_id}~{n}", n + 1
    seen.add(candidate)
    return candidate


def _walk(root: Path, skipped: list[Skipped]) -> Iterator[tuple[Path, str]]:
    if root.is_file():
        if root.suffix.lower() in EXTENSIONS:
            yield root, root.name
        else:
            skipped.append(Skipped(root, f"not a document type ({', '.join(sorted(EXTENSIONS))})"))
        return
    visited: set[tuple[int, int]] = set()
    for folder, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            stat = os.stat(folder)
        except OSError:
            continue
        key = (stat.st_dev, stat.st_ino)
        if key in visited:  # a symlink loop or a second link to a folder already read
            dirnames.clear()
            continue
        visited.add(key)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        base = Path(folder)
        # String work per file, Path work per folder: corpora hold thousands of files.
        relative = base.relative_to(root).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        for name in sorted(filenames):
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in EXTENSIONS:
                continue
            yield base / name, prefix + name


def read_document(source: SourceFile, max_bytes: int = MAX_BYTES) -> Document | Skipped:
    """Read and parse one file; never raises for bad content."""
    if source.size > max_bytes:
        return Skipped(source.path, f"larger than the {max_bytes // (1024 * 1024)} MB cap")
    try:
        data = source.path.read_bytes()
    except OSError as error:
        return Skipped(source.path, f"cannot be read: {error.strerror or error}")
    try:
        raw, warning = decode(data)
    except BinaryFileError as error:
        return Skipped(source.path, str(error))
    return parse_document(source, raw, [warning] if warning else [])


def parse_document(source: SourceFile, raw: str, problems: list[str] | None = None) -> Document:
    """Build a Document from decoded file text."""
    notes = list(problems or [])
    meta, text, problem = split_front_matter(_normalise_newlines(raw))
    if problem:
        notes.append(problem)
    day, date_problem = _date_of(meta.get("date"), source.mtime_ns)
    if date_problem:
        notes.append(date_problem)
    return Document(
        id=source.id,
        path=source.path,
        title=_text_field(meta.get("title")) or fallback_title(text) or source.path.stem,
        date=day,
        source=_text_field(meta.get("source")),
        language=_text_field(meta.get("language") or meta.get("lang")),
        tags=_tags(meta.get("tags")),
        text=text,
        sha256=text_sha256(text),
        size=source.size,
        mtime_ns=source.mtime_ns,
        problems=tuple(notes),
    )


def read_body(path: Path) -> str | None:
    """``Document.text`` of the file at ``path`` without parsing its metadata or hashing it.

    For callers that already know the file is the version they want (same size and mtime) and
    only need its text; None when it cannot be read as text.
    """
    try:
        raw, _ = decode(path.read_bytes())
    except (OSError, BinaryFileError):
        return None
    raw = _normalise_newlines(raw)
    match = _front_matter(raw)
    return raw[match.end() :] if match else raw


def _normalise_newlines(raw: str) -> str:
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(raw: str) -> re.Match[str] | None:
    """The ``---`` block the body starts after; removing it never depends on its YAML."""
    return _FRONT_MATTER.match(raw) if raw.startswith("---") else None


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

    A malformed block is still removed from the body (it is not prose), and reported.
    """
    match = _front_matter(raw)
    if match is None:
        if raw.startswith("---\n") or raw.rstrip("\n") == "---":
            return {}, raw, "front matter is not closed by a '---' line; shown as text"
        return {}, raw, None
    block, body = match.group(1), raw[match.end() :]
    if len(block) > MAX_FRONT_MATTER_CHARS:
        return {}, body, f"front matter is larger than {MAX_FRONT_MATTER_CHARS} characters; ignored"
    try:
        meta = load_yaml_safely(block)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        return {}, body, f"malformed front matter{where}: {reason}"
    if meta is None:
        return {}, body, None
    if not isinstance(meta, dict):
        return {}, body, f"front matter is a {type(meta).__name__}, not a mapping; ignored"
    return {str(k): v for k, v in meta.items()}, body, None


def fallback_title(text: str) -> str:
    """The first heading (ATX or underlined), else the first non-blank line, trimmed."""
    head = text[:20_000]
    candidates = [m for m in (_ATX_HEADING.search(head), _SETEXT_HEADING.search(head)) if m]
    if candidates:
        first = min(candidates, key=lambda m: m.start())
        return first.group(1).strip()[:200]
    for line in head.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def _text_field(value: object) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _tags(value: object) -> tuple[str, ...]:
    items: Iterable[object]
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple, set)):
        items = value
    else:
        items = [value]
    return tuple(dict.fromkeys(t for t in (_text_field(i).strip() for i in items) if t))


def _date_of(value: object, mtime_ns: int) -> tuple[str, str | None]:
    fallback = datetime.fromtimestamp(mtime_ns / 1e9, tz=timezone.utc).date().isoformat()
    if value is None or value == "":
        return fallback, None
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    text = str(value).strip()
    for candidate in (text, text[:10]):
        try:
            return date.fromisoformat(candidate).isoformat(), None
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}", text):
        return f"{text}-01-01", None
    return fallback, f"date {text[:40]!r} is not ISO 8601; using the file's modification date"
