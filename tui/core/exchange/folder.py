"""An export that is a folder of files (brat's collection), written without replacing anything.

A folder export lands beside whatever the folder already holds (a brat collection someone is
working on, a previous export), so it is written only when none of its files is there yet, each
file created exclusively; when writing fails half-way, the files it wrote are removed again:
the export is all there or not there at all, and nothing that was there is touched.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Mapping
from pathlib import Path


def write_folder(folder: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` (relative name, with ``/``, to text: UTF-8, line endings as they are) into
    ``folder``, creating it and its subfolders. Raises FileExistsError, before writing anything,
    when one of the files exists, and OSError when writing fails (what it wrote and the folders
    it made are removed)."""
    targets = [(folder.joinpath(*name.split("/")), text) for name, text in files.items()]
    for path, _ in targets:
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, "already there (an export replaces no file)", str(path))
    written: list[Path] = []
    made: list[Path] = []
    try:
        for path, text in targets:
            missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            made.extend(reversed(missing))
            with path.open("x", encoding="utf-8", newline="") as handle:
                written.append(path)
                handle.write(text)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for made_folder in reversed(made):  # the folders it made, deepest first, if left empty
            with contextlib.suppress(OSError):
                made_folder.rmdir()
        raise
