"""Crash-safe file writes, and keeping damaged files aside.

Every file lectern writes goes through ``atomic_write_text``: a temp file in the same folder,
flushed and fsynced, then ``os.replace``d over the target, so a reader (or a crash) sees the
old file or the new one, never half of one. A writer killed between the two leaves its temp
file behind; ``sweep_stale_temps`` removes those once they are clearly abandoned. A file that
cannot be parsed is moved aside with ``set_aside`` rather than overwritten, so the user's data
is never destroyed by a rewrite. Reading YAML is ``safe_yaml``'s (not imported here: PyYAML
loads in about 6 ms, which the first frame need not wait for when no YAML file is read).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

STALE_TEMP_SECONDS = 10 * 60
"""A temp file untouched this long belongs to a writer that died (a live write takes milliseconds)."""
_TEMP_NAME = re.compile(r"\A\..+\.[A-Za-z0-9_]{8}\.tmp\Z", re.S)
"""What ``tempfile.mkstemp(prefix=".<name>.", suffix=".tmp")`` creates."""
_swept: set[Path] = set()


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_once(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def sweep_stale_temps(folder: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temp files killed writers left in ``folder``; the paths removed.

    Only regular files named like ``atomic_write_text``'s temp files and untouched for
    ``older_than`` seconds: another lectern may be writing one right now, and kept-aside
    ``*.corrupt-*`` files, locks and anything else are never touched.
    """
    removed: list[Path] = []
    cutoff = time.time() - older_than
    for entry in _entries(folder):
        if not _TEMP_NAME.match(entry.name) or ".corrupt-" in entry.name:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove: leave it
    return removed


def _entries(folder: Path) -> Iterable[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _sweep_once(folder: Path) -> None:
    """Sweep a folder the first time this process writes into it (cheap afterwards)."""
    if folder not in _swept:
        _swept.add(folder)
        sweep_stale_temps(folder)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def set_aside(path: Path, copy: bool = False) -> Path:
    """Move (or copy) a damaged file to ``<name>.corrupt-<timestamp>`` beside it; the new path."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    if copy:
        shutil.copy2(path, target)
    else:
        os.replace(path, target)
    return target
