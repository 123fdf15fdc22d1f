"""Files that change while lectern runs: which documents a burst of changes touched, and what
each came to.

A file watcher (``tui.ui.controllers.watcher``, over watchfiles) reports each burst of changes
as a set of (kind, path), in no order, with editors' temp files, hidden folders and lectern's own
cache among them. ``Watched`` decides which paths are documents of the corpus by the rules
``discovery.discover`` lists them by (a suffix lectern reads, nothing hidden, not in a saved
page's ``_files`` folder, ids relative to the root) and ``coalesce`` folds a burst into a
``Batch``: the document files it named, and the other paths that appeared or went (they may be
folders: a ``mv`` or a checkout moves a whole folder with one event).

``resolve`` then asks the disk what each path came to. The disk is the truth, not the events: a
burst is a set, so whether a file was deleted then created (an editor's atomic save) or created
then deleted (its temp file) is lost, and one ``stat`` after the quiet period settles it. Only
the paths named are looked at, and a folder only when it appeared or went: a burst costs a stat
per path, never a scan of the corpus. ``updates`` turns what was found into changes to a listing;
applied to the listing before the burst it gives what ``discover`` would list now.

``follow`` carries an offset (the reader's cursor) from a document's old text into its new one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Literal

from tui.core.discovery import EXTENSIONS, SAVED_PAGE_FOLDER, SourceFile, discover, legible

Kind = Literal["added", "modified", "deleted"]
TEMP_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload", "~", "#")
"""Editors' and downloaders' files beside a document (vim's ``.foo.md.swp``, emacs's ``foo.md~``
and ``#foo.md#``): never documents, never folders worth walking."""
TEMP_NAMES = frozenset({"4913"})
"""vim's probe that it may write in a folder."""
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Batch:
    """One burst of changes, coalesced: each path once, whatever it went through."""

    documents: frozenset[str] = frozenset()
    """Document files (by suffix) the burst named: added, changed or deleted."""
    others: frozenset[str] = frozenset()
    """Other paths that appeared or went: maybe folders (their documents came or went with them)."""
    events: int = 0
    """How many raw changes it folds."""

    def __bool__(self) -> bool:
        return bool(self.documents or self.others)

    def merged(self, newer: Batch) -> Batch:
        """This burst and a later one, as one (the disk says what they came to)."""
        return Batch(self.documents | newer.documents, self.others | newer.others, self.events + newer.events)


@dataclass(frozen=True)
class Watched:
    """The corpus's roots as the watcher sees them, and lectern's own folders to ignore."""

    roots: tuple[str, ...]
    """The roots as absolute paths (``Library.inputs`` are resolved)."""
    folders: tuple[bool, ...]
    """Whether each root is a folder (a root may be a single file)."""
    ignored: tuple[str, ...] = ()
    """lectern's folders (cache, data, config) that lie under a root: it writes there itself."""

    @classmethod
    def of(cls, roots: Sequence[Path], ignored: Iterable[Path] = ()) -> Watched:
        """The roots (a ``stat`` each: file or folder) and those of ``ignored`` inside one."""
        names = tuple(os.fspath(r) for r in roots)
        inside = tuple(
            os.fspath(i)
            for i in ignored
            if any(_under(os.fspath(i), root) and os.fspath(i) != root for root in names)
        )
        return cls(names, tuple(os.path.isdir(r) for r in names), inside)

    def watch_paths(self) -> tuple[list[str], list[str]]:
        """(folders to watch recursively, folders to watch alone): a root that is a file is
        watched through its folder, so an editor that saves by replacing the file is still seen."""
        recursive = [r for r, folder in zip(self.roots, self.folders, strict=True) if folder]
        alone = sorted(
            {os.path.dirname(r) for r, folder in zip(self.roots, self.folders, strict=True) if not folder}
        )
        return recursive, [a for a in alone if not any(_under(a, r) for r in recursive)]

    def relative(self, path: str) -> tuple[int, str] | None:
        """(root index, path relative to it with POSIX slashes), or None outside every root."""
        for index, root in enumerate(self.roots):
            if not self.folders[index]:
                if path == root:
                    return index, os.path.basename(root)
            elif _under(path, root):
                rel = path[len(root) :].lstrip(os.sep)
                return index, rel.replace(os.sep, "/")
        return None

    def wants(self, path: str) -> bool:
        """Whether a change to ``path`` may matter: under a root, nothing hidden, not a temp file,
        not in lectern's own folders. Cheap (no disk): it filters every raw change."""
        found = self.relative(path)
        if found is None or any(_under(path, i) for i in self.ignored) or not legible(path):
            return False
        parts = found[1].split("/") if found[1] else []
        if any(p.startswith(".") for p in parts):
            return False
        name = parts[-1] if parts else ""
        return not (name in TEMP_NAMES or name.endswith(TEMP_SUFFIXES) or name.startswith("#"))

    def document_id(self, path: str) -> str | None:
        """The id ``discover`` gives the file at ``path`` (before any ``~2`` for a clash)."""
        found = self.relative(path)
        if found is None or not found[1] or not legible(path):
            return None
        index, rel = found
        prefix = (
            f"{os.path.basename(self.roots[index])}/" if len(self.roots) > 1 and self.folders[index] else ""
        )
        return prefix + rel


def walked(path: str, watched: Watched) -> bool:
    """Whether the folder at ``path`` is one ``discover`` walks for documents: under a root,
    nothing hidden, named in text, not lectern's own, not a saved page's. A watch of each folder
    alone (what a name watchfiles cannot read leaves) needs these, and only these, watched."""
    found = watched.relative(path)
    if found is None or not legible(path) or any(_under(path, i) for i in watched.ignored):
        return False
    if any(part.startswith(".") for part in found[1].split("/") if part):
        return False
    return not _in_saved_page_folder(path, watched, folder=True)


def is_document(path: str) -> bool:
    """Whether ``path`` has a suffix lectern reads."""
    return os.path.splitext(path)[1].lower() in EXTENSIONS


def coalesce(changes: Iterable[tuple[Kind, str]], watched: Watched) -> Batch:
    """A burst of raw changes as a Batch: the wanted paths, each once. A folder that only
    changed (a file inside it did) is left out: its files name themselves."""
    documents: set[str] = set()
    others: set[str] = set()
    count = 0
    for kind, path in changes:
        count += 1
        if not watched.wants(path):
            continue
        if is_document(path):
            documents.add(path)
        elif kind != "modified":
            others.add(path)
    return Batch(frozenset(documents), frozenset(others), count)


@dataclass(frozen=True)
class Found:
    """What the paths of a batch are on disk now."""

    present: tuple[SourceFile, ...] = ()
    """Document files there now (new, changed or touched), with their ids."""
    gone: frozenset[str] = frozenset()
    """Document files that are not there (or are no longer files)."""
    swept: tuple[str, ...] = ()
    """Folders described whole: a document under one that is not in ``present`` is gone."""


def resolve(batch: Batch, watched: Watched) -> Found:
    """Ask the disk what each path of ``batch`` came to: a stat per document, a walk of each
    folder that appeared (only it), nothing for a folder that went."""
    present: dict[str, SourceFile] = {}
    gone: set[str] = set()
    swept: list[str] = []
    for path in sorted(batch.documents):
        source = _source(path, watched)
        if source is None:
            gone.add(path)
        elif source is not False:
            present[path] = source
    for path in sorted(batch.others):
        if not watched.wants(path):
            continue
        swept.append(path)
        if os.path.isdir(path) and not _in_saved_page_folder(path, watched, folder=True):
            found, _ = discover([Path(path)])
            for source in found:
                doc_id = watched.document_id(os.fspath(source.path))
                if doc_id is not None and watched.wants(os.fspath(source.path)):
                    present[os.fspath(source.path)] = SourceFile(
                        doc_id, source.path, source.size, source.mtime_ns
                    )
    return Found(tuple(present.values()), frozenset(gone - present.keys()), tuple(swept))


def _source(path: str, watched: Watched) -> SourceFile | Literal[False] | None:
    """The document file at ``path``; None when it is not there; False when it is not one of
    the corpus's documents at all (inside a saved page's folder, or not under a root)."""
    doc_id = watched.document_id(path)
    if doc_id is None or _in_saved_page_folder(path, watched):
        return False
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):  # a folder named like a document
        return None
    return SourceFile(doc_id, Path(path), stat.st_size, stat.st_mtime_ns)


def _in_saved_page_folder(path: str, watched: Watched, folder: bool = False) -> bool:
    """Whether ``path`` lies in (or, for a ``folder``, is) the ``name_files`` folder of a saved
    page ``name.html`` beside it: ``discover`` does not walk those."""
    found = watched.relative(path)
    if found is None:
        return False
    root = watched.roots[found[0]]
    parts = found[1].split("/")
    holders = parts if folder else parts[:-1]
    for depth, name in enumerate(holders):
        if name.endswith(SAVED_PAGE_FOLDER) and len(name) > len(SAVED_PAGE_FOLDER):
            page = os.path.join(root, *parts[:depth], name[: -len(SAVED_PAGE_FOLDER)])
            if os.path.isfile(page + ".html") or os.path.isfile(page + ".htm"):
                return True
    return False


def updates(known: Mapping[str, str], found: Found) -> tuple[list[SourceFile], list[str]]:
    """(documents to list or refresh, ids to drop) for a listing of ``known`` documents (id to
    path): a document file gone, or under a swept folder and not found there, goes."""
    here = {os.fspath(s.path) for s in found.present}
    swept = found.swept
    dropped = [
        doc_id
        for doc_id, path in known.items()
        if path not in here and (path in found.gone or any(_under(path, folder) for folder in swept))
    ]
    return list(found.present), dropped


def _under(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or inside it (strings: no disk)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# ---------------------------------------------------------------------- following an offset


def follow(old: str, new: str, offset: int) -> int:
    """Where ``offset`` in ``old`` is in ``new``: unmoved before the changed stretch, shifted by
    its growth after it, and inside it, as far into the new stretch as it was into the old one
    (at most its end). Linear, in C-speed chunks: a 5 MB document costs milliseconds."""
    offset = min(max(offset, 0), len(old))
    head = _common_prefix(old, new)
    tail = _common_suffix(old, new, min(len(old), len(new)) - head)
    if offset <= head:
        return min(offset, len(new))
    if offset >= len(old) - tail:
        return offset + len(new) - len(old)
    return head + min(offset - head, len(new) - tail - head)


def _common_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    start = 0
    while start < limit:
        end = min(start + _CHUNK, limit)
        if a[start:end] != b[start:end]:
            low, high = start, end  # a[:low] == b[:low]; they differ before high
            while high - low > 1:
                middle = (low + high) // 2
                if a[low:middle] == b[low:middle]:
                    low = middle
                else:
                    high = middle
            return low
        start = end
    return limit


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Characters ``a`` and ``b`` end with alike, at most ``limit`` (so it never overlaps the
    common prefix)."""
    size = 0
    while size < limit:
        step = min(_CHUNK, limit - size)
        if a[len(a) - size - step : len(a) - size] != b[len(b) - size - step : len(b) - size]:
            low, high = 0, step  # the last ``low`` of the chunk match; not the last ``high``
            while high - low > 1:
                middle = (low + high) // 2
                if a[len(a) - size - middle : len(a) - size] == b[len(b) - size - middle : len(b) - size]:
                    low = middle
                else:
                    high = middle
            return size + low
        size += step
    return limit
