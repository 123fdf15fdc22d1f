"""Named points where a test can stop the indexer for real, to prove that every write path
leaves a correct state when killed at any instruction.

``LECTERN_FAULT=NAME[@N]:SIGNAL`` (for example ``after-commit@2:KILL``) makes the Nth call of
``checkpoint(NAME)`` (the first when ``@N`` is left out) send SIGNAL to its own process; an
errno name instead (``lock:EROFS``) raises that OSError there, as a read-only or full disk
would. Unset, a checkpoint costs one environment look-up. The points are named where they are called; the
fault-injection tests list them all.
"""

from __future__ import annotations

import errno
import os
import signal

VARIABLE = "LECTERN_FAULT"
_seen: dict[str, int] = {}


def checkpoint(name: str) -> None:
    """Stop here if the environment asks for a fault at this point."""
    wanted = os.environ.get(VARIABLE)
    if not wanted:
        return
    point, _, signame = wanted.partition(":")
    point_name, _, nth = point.partition("@")
    if point_name != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] != int(nth or 1):
        return
    if signame.startswith("E") and hasattr(errno, signame):
        code = getattr(errno, signame)
        raise OSError(code, os.strerror(code))
    os.kill(os.getpid(), getattr(signal, f"SIG{signame or 'KILL'}"))
