"""A folder made read-only for this process, for in-process tests (the app under Pilot).

The command-line tests run lectern in a private mount namespace; a test of the app in its own
process cannot. Here a non-root run takes the folder's write bits away (``chmod``), and a root run,
which ``chmod`` binds not, makes it immutable (``chattr +i``: ext4 and similar, with the
CAP_LINUX_IMMUTABLE a root shell usually has). Where neither takes, the test is skipped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _chattr(folder: Path, flag: str) -> bool:
    if shutil.which("chattr") is None:
        return False
    done = subprocess.run(["chattr", flag, str(folder)], capture_output=True, check=False)
    return done.returncode == 0


def _writable(folder: Path) -> bool:
    probe = folder / ".read-only-probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` (not what is inside it) cannot be written while the block runs: no file made,
    renamed or removed in it."""
    as_root = os.geteuid() == 0
    mode = folder.stat().st_mode
    if as_root:
        made = _chattr(folder, "+i")
    else:
        folder.chmod(mode & ~0o222)
        made = True
    try:
        if not made or _writable(folder):
            pytest.skip("cannot make a folder read-only here (root without chattr +i)")
        yield
    finally:
        if as_root:
            if made:
                _chattr(folder, "-i")
        else:
            folder.chmod(mode)
