"""Handing memory the process has freed back to the system, where the C library allows it.

An indexing run frees a few hundred megabytes of arrays and texts after each commit. glibc keeps
much of it in its heap (pieces below its adaptive mmap threshold), so the process would stay as
large as its largest batch and the next batch's forked helper would start from that size. Other
C libraries return it themselves or offer no such call: there this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # the loaded C library: glibc has it
    except (OSError, AttributeError):
        return None
    return trim


def release_memory() -> bool:
    """Return the free pages of the C heap to the system; whether the C library could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
