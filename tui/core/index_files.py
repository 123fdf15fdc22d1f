"""The index's files on disk: which they are, their sizes, mtimes and CRC-32s, and the check that
they are as they were written.

The catalog records every file of the index generation it describes (``FileState``); the start-up
check compares a ``stat`` of each (``index_stats``, ``same_stats``), and a searcher reads each
file once to compare its CRC (``verify_files``) before it believes it. Nothing here imports the
search engine: the backend only names its folder and reads its generation from file names.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping
from pathlib import Path

from tui.core.search import VOCABULARY_NAME, backend

_CHUNK = 1 << 20

FileState = list[int]
"""A file of the index as [size, mtime_ns, crc32]."""


def toc_generation(folder: Path) -> int | None:
    """The newest generation of the index in ``folder``, from its file names (no engine import)."""
    try:
        return backend().generation(os.listdir(folder / backend().folder))
    except OSError:
        return None


def index_stats(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file of the index in ``folder`` by its name relative to the folder
    (the backend's files of its commits and the spelling vocabulary)."""
    found: dict[str, tuple[int, int]] = {}
    engine = backend().folder
    for sub in (folder / engine, folder):
        prefix = "" if sub == folder else f"{engine}/"
        try:
            with os.scandir(sub) as entries:
                for entry in entries:
                    if _is_index_file(entry.name, sub == folder) and entry.is_file():
                        stat = entry.stat()
                        found[prefix + entry.name] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            continue
    return found


def _is_index_file(name: str, top: bool) -> bool:
    if top:
        return name == VOCABULARY_NAME
    return backend().part_of_commit(name)


def index_files(folder: Path, known: Mapping[str, FileState] | None = None) -> dict[str, FileState]:
    """``index_stats`` with each file's CRC-32; read only for files not already ``known`` with
    the same size and mtime (the backend never rewrites a file under the same name)."""
    found: dict[str, FileState] = {}
    for name, (size, mtime) in index_stats(folder).items():
        previous = (known or {}).get(name)
        if previous is not None and previous[:2] == [size, mtime]:
            found[name] = previous
            continue
        crc = file_crc(folder / name)
        if crc is not None:
            found[name] = [size, mtime, crc]
    return found


def file_crc(path: Path) -> int | None:
    """The CRC-32 of a file's bytes, or None when it cannot be read."""
    crc = 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                crc = zlib.crc32(chunk, crc)
    except OSError:
        return None
    return crc


def verify_files(folder: Path, files: Mapping[str, FileState], names: list[str] | None = None) -> str | None:
    """Read each listed file (or only ``names``) and compare size and CRC: the first problem
    as a sentence, or None when every file is as it was written."""
    for name in names if names is not None else sorted(files):
        size, _, crc = files[name]
        path = folder / name
        try:
            actual = path.stat().st_size
        except OSError:
            return f"index file {name} is missing"
        if actual != size or file_crc(path) != crc:
            return f"index file {name} is damaged (its size or checksum changed)"
    return None


def same_stats(files: Mapping[str, FileState], stats: Mapping[str, tuple[int, int]]) -> bool:
    """Whether ``files`` (as recorded) are the files ``stats`` found, with the same sizes and mtimes."""
    return files.keys() == stats.keys() and all(tuple(files[n][:2]) == stats[n] for n in stats)
