"""Finding a corpus's documents: the files under its folders that lectern reads, each stat'ed once.

Discovery runs at every start (the start-up check compares each file's size and mtime with the
catalog), so it is string work with one ``stat`` per document and no ``Path`` per file; a file
that cannot be stat'ed is a ``Skipped`` with the reason, never an error. Reading what it found is
``tui.core.documents``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core import formats

TEXT_EXTENSIONS = frozenset({".md", ".markdown", ".txt", ".rst"})
EXTENSIONS = TEXT_EXTENSIONS | formats.SUFFIXES
"""Every suffix lectern reads: text files, and the formats it converts (EPUB, HTML, PDF)."""
SAVED_PAGE_FOLDER = "_files"
"""A browser saves a page ``name.html`` with its images and frames in ``name_files/``: that folder
belongs to the page, and is not walked for documents."""


class SourceFile:
    """A file found in a corpus, before it is read: never changed once made (equal, and hashed,
    by its fields).

    Discovery gives each file its path as text (``location``): a corpus holds 100,000 files,
    and the start-up check compares their text with the catalog's, so the ``Path`` (some 5 µs
    to build and print) is made only for the files something reads. Slots, not a dataclass's
    ``__dict__``: 100,000 of them cost 6 MB, not 30, in the indexer and in the app.
    """

    __slots__ = ("_location", "_path", "id", "mtime_ns", "size")

    id: str
    """Path relative to its corpus root, with POSIX slashes: the document's stable name."""
    size: int
    mtime_ns: int

    def __init__(self, id: str, path: Path | str, size: int, mtime_ns: int) -> None:
        self.id, self.size, self.mtime_ns = id, size, mtime_ns
        self._location: str | None = None
        self._path: Path | None = path if isinstance(path, Path) else Path(path)

    @property
    def path(self) -> Path:
        path = self._path
        if path is None:
            path = Path(self._location)  # type: ignore[arg-type]  # one of the two is always set
            self._path = path
        return path

    @property
    def location(self) -> str:
        """``str(self.path)``, without making the ``Path`` when discovery found the file."""
        location = self._location
        if location is None:
            location = str(self._path)
            self._location = location
        return location

    def _key(self) -> tuple[str, str, int, int]:
        return (self.id, self.location, self.size, self.mtime_ns)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceFile):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"SourceFile(id={self.id!r}, path={self.path!r}, size={self.size!r}, mtime_ns={self.mtime_ns!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (SourceFile, (self.id, self.location, self.size, self.mtime_ns))


def _found(doc_id: str, location: str, size: int, mtime_ns: int) -> SourceFile:
    """A discovered file's SourceFile; ``location`` is already what ``str(Path(location))`` is."""
    source = object.__new__(SourceFile)
    source.id, source.size, source.mtime_ns = doc_id, size, mtime_ns
    source._location, source._path = location, None
    return source


NAME_NOT_TEXT = "its name is not UTF-8 text: rename it to read it"
"""Why a file (or a folder's files) whose name holds bytes that are not UTF-8 is skipped."""


def legible(name: str) -> bool:
    """Whether a path's text is text: POSIX gives bytes that are not UTF-8 (a Latin-1 ``café``)
    as lone surrogates (``os.fsdecode``), which neither the catalog, the index, the annotation
    files nor a terminal can hold; ids and locations are made only of legible names."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Skipped:
    """A file that was not read, and why."""

    path: Path
    reason: str


def discover(paths: Sequence[Path]) -> tuple[list[SourceFile], list[Skipped]]:
    """Every document file under ``paths`` (folders recursively, or files given directly).

    Hidden files and folders are skipped, symlinked folders are followed once (loops are cut),
    and ids are relative to their root, prefixed by the root's name when there are several.
    A folder's documents come in name order, then its folders' (in name order, depth first).
    """
    found: list[SourceFile] = []
    skipped: list[Skipped] = []
    roots = [Path(p) for p in paths]
    seen_ids: set[str] = set()
    for n, root in enumerate(roots, 1):
        prefix = f"{root.name}/" if len(roots) > 1 and root.is_dir() else ""
        if not root.exists():
            skipped.append(Skipped(root, "does not exist"))
            continue
        if not legible(os.fspath(root)):
            skipped.append(Skipped(root, NAME_NOT_TEXT))
            continue
        if root.is_file():
            _add_file(root, prefix, found, skipped, seen_ids)
            continue
        # Ids within one root are distinct (each is a path walked once): they are checked against
        # the earlier roots' only, and only when there are any.
        start = len(found)
        found.extend(_scan(root, prefix, skipped, seen_ids if seen_ids else None))
        if n < len(roots):
            seen_ids.update(source.id for source in found[start:])
    return found, skipped


def _add_file(
    root: Path, prefix: str, found: list[SourceFile], skipped: list[Skipped], seen: set[str]
) -> None:
    """A root that is a file: a document if its suffix is one lectern reads."""
    if root.suffix.lower() not in EXTENSIONS:
        skipped.append(Skipped(root, f"not a document type ({', '.join(sorted(EXTENSIONS))})"))
        return
    try:
        stat = root.stat()
    except OSError as error:
        skipped.append(Skipped(root, f"cannot be read: {error.strerror or error}"))
        return
    found.append(SourceFile(_unique(prefix + root.name, seen), root, stat.st_size, stat.st_mtime_ns))


def _unique(doc_id: str, seen: set[str]) -> str:
    candidate, n = doc_id, 2
    while candidate in seen:
        candidate, n = f"{doc_id}~{n}", n + 1
    seen.add(candidate)
    return candidate


def _scan(root: Path, prefix: str, skipped: list[Skipped], seen: set[str] | None) -> Iterator[SourceFile]:
    """The documents under the folder ``root``, as ``os.walk(root, followlinks=True)`` visits it
    (a folder that cannot be listed is passed over), each stat'ed once.

    String work only (no ``Path``): corpora hold 100,000 files, and the start-up check should
    cost little more than listing and stat'ing them. A document's ``SourceFile.location`` is
    its folder's text joined with its name, which is ``str`` of the ``Path`` (a name holds no
    separator and is never ``.``); under the current folder (``.``) it is the name alone.
    Names are kept, not the ``os.DirEntry`` objects, and each document is stat'ed by its path:
    thousands of entries (each with its stat result) kept alive cost more than they save.
    """
    top = os.fspath(root)
    visited: set[tuple[int, int]] = set()
    # (folder to list, its text in locations: '' for '.', its id prefix); depth first, in name order
    stack = [(top, "" if top == os.curdir else top, prefix)]
    join, stat = os.path.join, os.stat
    while stack:
        folder, where, ids = stack.pop()
        names: list[str] = []
        folders: list[str] = []
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    try:
                        is_folder = entry.is_dir()  # follows symlinks, as os.walk's does
                    except OSError:
                        is_folder = False
                    (folders if is_folder else names).append(entry.name)
            info = stat(folder)
        except OSError:
            continue
        key = (info.st_dev, info.st_ino)
        if key in visited:  # a symlink loop or a second link to a folder already read
            continue
        visited.add(key)
        base = join(where, "") if where else ""  # ends with one separator (a root may: '/')
        names.sort()
        handle = _open_folder(folder)
        try:
            for name in names:
                dot = name.rfind(".")  # not hidden, so splitext's suffix is from the last dot
                if name[0] == "." or dot < 0 or name[dot:].lower() not in EXTENSIONS:
                    continue
                location = base + name
                if not legible(name):
                    skipped.append(Skipped(Path(location), NAME_NOT_TEXT))
                    continue
                try:
                    info = stat(location) if handle < 0 else stat(name, dir_fd=handle)
                except OSError as error:
                    skipped.append(Skipped(Path(location), f"cannot be read: {error.strerror or error}"))
                    continue
                doc_id = ids + name if seen is None else _unique(ids + name, seen)
                yield _found(doc_id, location, info.st_size, info.st_mtime_ns)
        finally:
            if handle >= 0:
                os.close(handle)
        stack += _subfolders(folder, base, ids, names, folders, skipped)


def _subfolders(
    folder: str, base: str, ids: str, names: list[str], folders: list[str], skipped: list[Skipped]
) -> list[tuple[str, str, str]]:
    """The folders of ``folder`` to walk, as ``_scan``'s stack takes them (last to walk first):
    not hidden, not a saved page's, and named in text (else skipped, and said)."""
    if any(name.endswith(SAVED_PAGE_FOLDER) for name in folders):
        pages = {os.path.splitext(n)[0] for n in names if os.path.splitext(n)[1].lower() in (".html", ".htm")}
        folders = [name for name in folders if not _saved_page_folder(name, pages)]
    walked = []
    for name in sorted((name for name in folders if not name.startswith(".")), reverse=True):
        if legible(name):
            walked.append((os.path.join(folder, name), base + name, f"{ids}{name}/"))
        else:
            skipped.append(Skipped(Path(base + name), NAME_NOT_TEXT))
    return walked


_BY_FOLDER = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


def _open_folder(folder: str) -> int:
    """The folder opened for ``stat(name, dir_fd=...)``, or -1 (where that does not exist, or it
    cannot be opened: each file is stat'ed by its path). A file's ``stat`` then looks up its
    name in the folder, not every folder of its path again: 15% of the ``stat`` calls' time
    (6% of discovery) at 100,000 files five folders deep, more deeper."""
    if not _BY_FOLDER:
        return -1
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return -1


def _saved_page_folder(name: str, pages: set[str]) -> bool:
    return name.endswith(SAVED_PAGE_FOLDER) and name[: -len(SAVED_PAGE_FOLDER)] in pages
