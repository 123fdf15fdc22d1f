"""Documents that are not plain text (EPUB books, saved web pages, PDFs), read as Markdown.

The reader, the index and the annotations all work on one text per document, so each of these
formats is converted once into Markdown (headings, lists, tables, links; PDF pages marked by
``## Page N`` lines) plus the metadata the document list shows. Conversion is untrusted work on
untrusted bytes: it runs in a worker subprocess with a time and memory cap (``worker``), and
its result is cached by content and converter version (``cache``), so opening a converted
document later costs a file read. This module is the registry and the one entry point,
``obtain``; it imports no converter library itself (the worker child does), so listing a
corpus or opening a cached document never loads lxml or PDFium.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import importlib.util
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 200 * 1024 * 1024
"""Files of these formats over this size are skipped with the reason (plain text has its own cap)."""


@dataclass(frozen=True)
class Format:
    """One input format and the converter that reads it."""

    name: str
    suffixes: frozenset[str]
    version: int
    """Bumped whenever the converter's output may change: every cached text of the format is
    then converted again, re-indexed, and its annotations re-anchored by quote."""
    module: str
    """The converter (a module with ``convert(path) -> Converted``), imported by the worker only."""
    libraries: tuple[str, ...]
    """Distributions whose versions join the cache key: an upgraded extractor may extract differently."""


FORMATS: dict[str, Format] = {
    "epub": Format("epub", frozenset({".epub"}), 1, "tui.core.formats.epub", ("lxml",)),
    "html": Format(
        "html", frozenset({".html", ".htm"}), 1, "tui.core.formats.html", ("lxml", "readability-lxml")
    ),
    "pdf": Format("pdf", frozenset({".pdf"}), 1, "tui.core.formats.pdf", ("pypdfium2",)),
}
SUFFIXES = frozenset(suffix for fmt in FORMATS.values() for suffix in fmt.suffixes)
_BY_SUFFIX = {suffix: fmt.name for fmt in FORMATS.values() for suffix in fmt.suffixes}


@dataclass(frozen=True)
class Converted:
    """A converted document: Markdown text and the metadata found in the file (raw, one line each)."""

    text: str
    title: str = ""
    author: str = ""
    date: str = ""
    """As found (ISO 8601 when the format says so); the document model turns it into a day."""
    language: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""
    """Where the document came from: a web page's URL, a book's publisher."""
    problems: tuple[str, ...] = field(default=())
    """What was wrong but did not stop the conversion (a guessed charset, pages without text)."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what the worker sends and the cache keeps)."""
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Any) -> Converted:
        """Back from ``to_json``; raises ValueError on anything else (a damaged cache entry)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise ValueError("not a converted document")
        strings = {k: raw.get(k, "") for k in ("title", "author", "date", "language", "source")}
        lists = {k: raw.get(k, []) for k in ("tags", "problems")}
        if not all(isinstance(v, str) for v in strings.values()) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in lists.values()
        ):
            raise ValueError("not a converted document")
        return cls(raw["text"], **strings, tags=tuple(lists["tags"]), problems=tuple(lists["problems"]))


@dataclass(frozen=True)
class Failure:
    """Why a file could not be converted, as the skipped-file list shows it."""

    reason: str


class ConversionError(Exception):
    """Raised by a converter for a file it cannot read (broken, encrypted, no text); ``reason``
    is shown to the user as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def format_of(path: Path | str) -> Format | None:
    """The format of a file by its suffix (None: not a converted format)."""
    text = str(path)  # asked for every file at every start: the suffix found without splitext
    name = _BY_SUFFIX.get(text[text.rfind(".") :].lower()) if "." in text else None
    return FORMATS[name] if name else None


def version_key(fmt: Format) -> str:
    """The converter's identity in the cache: its version and its libraries' versions."""
    return _version_key(fmt.name, fmt.version, fmt.libraries)


@functools.cache
def _version_key(name: str, version: int, libraries: tuple[str, ...]) -> str:
    return f"{name}-{version}+" + ",".join(f"{library}={_installed(library)}" for library in libraries)


def _installed(distribution: str) -> str:
    """The installed version of ``distribution`` ('missing' when it is not).

    Read from the name of its ``.dist-info`` folder beside the package it installs, which costs
    a directory listing: the first open of a cached document needs this key, and importing
    ``importlib.metadata`` (and its scan of every path entry) would triple that open's time.
    """
    package = _PACKAGES.get(distribution, distribution)
    try:
        spec = importlib.util.find_spec(package)  # finds the package without importing it
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    prefix = distribution.replace("-", "_").lower() + "-"
    for folder in folders:
        with contextlib.suppress(OSError), os.scandir(os.path.dirname(folder)) as entries:
            for entry in entries:
                lower = entry.name.lower()
                if lower.startswith(prefix) and lower.endswith(".dist-info"):
                    return entry.name[len(prefix) : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "missing"


_PACKAGES = {"readability-lxml": "readability"}
"""The importable package of a distribution whose name differs."""


def convert_file(path: Path, fmt: Format) -> Converted:
    """Convert in this process (the worker child calls this); raises ConversionError."""
    module: Any = importlib.import_module(fmt.module)
    result = module.convert(path)
    assert isinstance(result, Converted)
    return result


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def obtain(path: Path, size: int, mtime_ns: int, fmt: Format, cache_dir: Path) -> Converted | Failure:
    """The conversion of the file at ``path`` (as it was when stat gave ``size`` and ``mtime_ns``):
    from the cache when it holds one for these bytes and this converter, else converted now (in
    the worker subprocess) and cached. Never raises for a bad file."""
    from tui.core.formats import worker
    from tui.core.formats.cache import ConversionCache

    cache = ConversionCache(cache_dir)
    key = version_key(fmt)
    found = cache.by_file(path, size, mtime_ns, key)
    if found is not None:
        return found
    try:
        digest = file_sha256(path)
    except OSError as error:
        return Failure(f"cannot be read: {error.strerror or error}")
    found = cache.by_content(digest, key)
    if found is None:
        found = worker.current().convert(path, fmt, worker.time_limit(size))
        cache.store_content(digest, key, found)
    cache.point(path, size, mtime_ns, digest, key, found)
    return found


def current_sha256(path: Path, size: int, mtime_ns: int, cache_dir: Path) -> str | None:
    """The sha256 of the text the current converter made of this file version, if it is cached
    (None: not converted yet, converted by another converter version, or failed). Reads one
    small file: the indexer's start-up check calls it for every converted document."""
    from tui.core.formats.cache import ConversionCache

    fmt = format_of(path)
    if fmt is None:
        return None
    return ConversionCache(cache_dir).text_sha256(path, size, mtime_ns, version_key(fmt))
