"""Converted texts kept in the cache folder, so a book or a PDF is converted once.

Two kinds of file under ``<cache>/converted/``:

- ``texts/<ab>/<key>.json``: one conversion (the Markdown and metadata, or the reason it failed),
  named by the sha256 of the file's bytes and the converter's version key. Content-addressed:
  a touched, renamed or copied file is not converted again; a new converter version (or an
  upgraded extraction library) finds no entry and converts afresh.
- ``files/<ab>/<hash of the path>.json``: what the file at a path was when last seen (size,
  mtime, content sha256, and for the current converter the sha256 of the text it made), so
  an unchanged file is found with a ``stat`` and one small read instead of hashing its bytes.

Everything here is rebuildable: a missing, damaged or unwritable entry is a miss, and a cache
that cannot be written is simply not written (the conversion is still returned). Writes are
atomic (temp file and rename) but not fsynced: a crash loses at most a cache entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tui.core.formats import Converted, Failure
from tui.core.storage import sweep_stale_temps


class ConversionCache:
    """The converted-text cache in ``root`` (``Paths.converted``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # ------------------------------------------------------------------ reading

    def by_file(self, path: Path, size: int, mtime_ns: int, key: str) -> Converted | Failure | None:
        """The conversion of the file at ``path`` if it is the version last seen there (same size
        and mtime) and it was converted by converter ``key``."""
        pointer = self._pointer(path)
        if pointer is None or pointer.get("size") != size or pointer.get("mtime_ns") != mtime_ns:
            return None
        digest = pointer.get("content")
        return self.by_content(digest, key) if isinstance(digest, str) else None

    def by_content(self, digest: str, key: str) -> Converted | Failure | None:
        """The conversion of a file whose bytes have sha256 ``digest``, by converter ``key``."""
        raw = _load(self._entry_file(digest, key))
        if raw is None or raw.get("key") != key:
            return None
        if isinstance(raw.get("failure"), str):
            return Failure(raw["failure"])
        try:
            return Converted.from_json(raw.get("converted"))
        except ValueError:
            return None

    def text_sha256(self, path: Path, size: int, mtime_ns: int, key: str) -> str | None:
        """The sha256 of the text converter ``key`` made of this file version (pointer only)."""
        pointer = self._pointer(path)
        if pointer is None or (pointer.get("size"), pointer.get("mtime_ns"), pointer.get("key")) != (
            size,
            mtime_ns,
            key,
        ):
            return None
        found = pointer.get("text_sha256")
        return found if isinstance(found, str) else None

    # ------------------------------------------------------------------ writing

    def store_content(self, digest: str, key: str, result: Converted | Failure) -> None:
        """Keep a conversion of the bytes with sha256 ``digest``."""
        raw: dict[str, Any] = {"key": key}
        if isinstance(result, Failure):
            raw["failure"] = result.reason
        else:
            raw["converted"] = result.to_json()
        _save(self._entry_file(digest, key), raw)

    def point(
        self, path: Path, size: int, mtime_ns: int, digest: str, key: str, result: Converted | Failure
    ) -> None:
        """Remember that the file at ``path`` (``size``, ``mtime_ns``) has bytes ``digest`` and
        converts to ``result``; the entry of an older version of the file is removed."""
        from tui.core.documents import text_sha256  # documents imports this package at load time

        try:  # the file changed while it was read: remember nothing
            stat = os.stat(path)
        except OSError:
            return
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return
        previous = self._pointer(path)
        pointer = {
            "path": os.path.abspath(path),
            "size": size,
            "mtime_ns": mtime_ns,
            "content": digest,
            "key": key,
            "text_sha256": text_sha256(result.text) if isinstance(result, Converted) else None,
        }
        if previous == pointer:
            return
        _save(self._pointer_file(path), pointer)
        if (
            previous is not None
            and isinstance(previous.get("content"), str)
            and isinstance(previous.get("key"), str)
        ):
            old = self._entry_file(previous["content"], previous["key"])
            if (previous["content"], previous["key"]) != (digest, key):
                with contextlib.suppress(
                    OSError
                ):  # rarely shared by another path: it is then converted again
                    old.unlink(missing_ok=True)

    # ------------------------------------------------------------------ layout

    def _entry_file(self, digest: str, key: str) -> Path:
        name = hashlib.sha256(f"{digest}\n{key}".encode()).hexdigest()[:40]
        return self.root / "texts" / name[:2] / f"{name}.json"

    def _pointer_file(self, path: Path) -> Path:
        name = hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogateescape")).hexdigest()[:40]
        return self.root / "files" / name[:2] / f"{name}.json"

    def _pointer(self, path: Path) -> dict[str, Any] | None:
        raw = _load(self._pointer_file(path))
        return raw if raw is not None and raw.get("path") == os.path.abspath(path) else None


def _load(file: Path) -> dict[str, Any] | None:
    try:
        with open(file, encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


_swept: set[Path] = set()


def _save(file: Path, raw: dict[str, Any]) -> None:
    """Write atomically; a cache that cannot be written is left as it is."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        if file.parent not in _swept:  # temp files of a killed writer, once per folder and process
            _swept.add(file.parent)
            sweep_stale_temps(file.parent)
        fd, temp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(raw, handle)  # ASCII: any file name or stray surrogate round-trips
        os.replace(temp, file)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temp)
