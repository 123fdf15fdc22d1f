"""The file watcher's own process: watchfiles' setup walks every file under the roots while it
holds the interpreter's lock (0.34-0.39 s at 100,000 files, during which the reading room took
no key and drew no frame), so it runs in a child and the reading room reads its bursts from a pipe.

The child (``main``) runs ``watchfiles.watch`` over its roots with the corpus's filter
(``Watched.wants``) and prints each burst as one JSON line, ``{"changes": [[kind, path], ...]}``
(kind: watchfiles' ``Change`` value), or ``{"failed": reason}`` when the roots cannot be watched.
It stops when its standard input closes: the reading room closes it to stop it, and a reading
room that dies, however it dies, closes it too, so the child never outlives it.
"""

from __future__ import annotations

import errno
import json
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from tui.core import faults
from tui.core.child_boot import python_argv
from tui.core.watching import Watched


def command(
    watched: Watched, roots: Sequence[str], recursive: bool, debounce_ms: int, step_ms: int
) -> list[str]:
    """The argv that watches ``roots`` (recursively or each folder alone) in a child process."""
    spec = {
        "watched": [list(watched.roots), list(watched.folders), list(watched.ignored)],
        "roots": list(roots),
        "recursive": recursive,
        "debounce_ms": debounce_ms,
        "step_ms": step_ms,
    }
    return python_argv("tui.core.watch_process", "main", json.dumps(spec))


def parse(line: str) -> tuple[list[tuple[int, str]] | None, str | None]:
    """One line of the child's output: (the burst's changes, None), or (None, why watching
    failed); (None, None) for anything else."""
    try:
        said: Any = json.loads(line)
    except ValueError:
        return None, None
    if not isinstance(said, dict):
        return None, None
    if isinstance(said.get("failed"), str):
        return None, said["failed"]
    changes = said.get("changes")
    if not isinstance(changes, list):
        return None, None
    return [(int(kind), str(path)) for kind, path in changes], None


def failure_reason(error: Exception) -> str:
    """Why watching failed, as the user can act on it."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "the system's limit of watched folders is reached (raise fs.inotify.max_user_watches)"
    if isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE):
        return "the system's limit of watchers is reached (fs.inotify.max_user_instances)"
    if isinstance(error, PermissionError):
        return f"permission denied ({error.filename or error})"
    return str(error) or type(error).__name__


def main(argv: Sequence[str]) -> int:
    """The child: watch until standard input closes, a line per burst."""
    spec = json.loads(argv[0])
    roots, folders, ignored = spec["watched"]
    watched = Watched(tuple(roots), tuple(folders), tuple(ignored))
    stop = threading.Event()
    threading.Thread(target=_stop_when_closed, args=(stop,), daemon=True).start()
    try:
        faults.checkpoint("watch")
        import watchfiles

        for changes in watchfiles.watch(
            *spec["roots"],
            watch_filter=lambda _, path: watched.wants(path),
            debounce=spec["debounce_ms"],
            step=spec["step_ms"],
            stop_event=stop,
            recursive=spec["recursive"],
            ignore_permission_denied=True,  # an unreadable subfolder is skipped, not fatal
            raise_interrupt=False,
            debug=False,
        ):
            _say({"changes": [[int(kind), path] for kind, path in changes]})
    except BrokenPipeError:
        return 0  # the reading room is gone
    except Exception as error:  # the watch limit, a root gone: said, and the reading room reads on
        if not stop.is_set():
            _say({"failed": failure_reason(error)})
    return 0


def _say(said: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(said) + "\n")
    sys.stdout.flush()


def _stop_when_closed(stop: threading.Event) -> None:
    with os.fdopen(sys.stdin.fileno(), "rb", closefd=False) as stdin:
        while stdin.read(4096):
            pass
    stop.set()
