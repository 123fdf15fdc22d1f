"""Crash-safe file writes and keeping damaged files aside.

Every file lectern writes goes through ``atomic_write_text``: a temp file in the same folder,
flushed and fsynced, then ``os.replace``d over the target, so a reader (or a crash) sees the
old file or the new one, never half of one. A file that cannot be parsed is moved aside with
``set_aside`` rather than overwritten, so the user's data is never destroyed by a rewrite.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it: the same safe subset, several times faster."""


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
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


def load_yaml_safely(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when available (plain Python objects only)."""
    return yaml.load(text, Loader=_SafeLoader)  # a SafeLoader: never constructs arbitrary objects


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
