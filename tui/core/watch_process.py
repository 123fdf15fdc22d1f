"""The file watcher's own process: watchfiles' setup walks every file under the roots while it
holds the interpreter's lock (0.34-0.39 s at 100,000 files, during which the reading room took
no key and drew no frame), so it runs in a child and the reading room reads its bursts from a pipe.

The child (``main``) runs ``watchfiles.watch`` over its roots with the corpus's filter
(``Watched.wants``) and prints each burst as one JSON line, ``{"changes": [[kind, path], ...]}``
(kind: watchfiles' ``Change`` value), ``{"missed": true}`` when a burst was lost (below), or
``{"failed": reason}`` when the roots cannot be watched. It stops when its standard input closes:
the reading room closes it to stop it, and a reading room that dies, however it dies, closes it
too, so the child never outlives it.

A name that is not UTF-8 (a Latin-1 ``café`` on Linux) is an error to watchfiles, not a path:
its watch fails, and stays failed. One such name must not cost the rest of the corpus its watch,
so the child starts the watch again (``Watching``). A folder so named fails the recursive watch's
setup for as long as it is there: the child then watches each folder ``discover`` walks alone
(``walked_folders``, a walk done only once the recursive setup failed), and again whenever a
folder comes or goes. A file so named costs the burst it came in: the child watches again at
once. Whenever it watched again, the child says ``missed`` once the new watch is up, and the
reading room checks the whole corpus, as at its start. A name that fails the
watch again and again (``RESTARTS`` in ``RESTART_WINDOW``) ends watching, with the reason.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from tui.core import faults
from tui.core.child_boot import python_argv
from tui.core.watching import Watched, walked

RESTARTS = 10
"""Restarts after a failed watch that end watching when they come within ``RESTART_WINDOW``."""
RESTART_WINDOW = 10.0
"""Seconds (see ``RESTARTS``): a long checkout of badly named files is a few restarts, not ten."""
_ADDED, _DELETED = 1, 3  # watchfiles.Change's values
_UNDECODABLE = re.compile(r'decode path "(.*)" to string', re.DOTALL)
_RUST_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u\{([0-9A-Fa-f]+)\}|(.))", re.DOTALL)
_RUST_ESCAPED = {"t": "\t", "r": "\r", "n": "\n", "0": "\0"}


class Said(NamedTuple):
    """One line of the child's: a burst's changes, why watching failed, or that changes may have
    been missed (nothing of these for a line that is not the child's)."""

    changes: list[tuple[int, str]] | None = None
    failed: str | None = None
    missed: bool = False


class NamesNotText(RuntimeError):
    """Names that are not UTF-8 keep failing the watch: watching ends, and says why."""


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


def parse(line: str) -> Said:
    """One line of the child's output."""
    try:
        said: Any = json.loads(line)
    except ValueError:
        return Said()
    if not isinstance(said, dict):
        return Said()
    if isinstance(said.get("failed"), str):
        return Said(failed=said["failed"])
    if said.get("missed") is True:
        return Said(missed=True)
    changes = said.get("changes")
    if not isinstance(changes, list):
        return Said()
    return Said([(int(kind), str(path)) for kind, path in changes])


def failure_reason(error: Exception) -> str:
    """Why watching failed, as the user can act on it."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "the system's limit of watched folders is reached (raise fs.inotify.max_user_watches)"
    if isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE):
        return "the system's limit of watchers is reached (fs.inotify.max_user_instances)"
    if isinstance(error, PermissionError):
        return f"permission denied ({error.filename or error})"
    return str(error) or type(error).__name__


def undecodable(error: BaseException) -> str | None:
    """The path watchfiles could not decode, when ``error`` is that failure (its internal error,
    a ``RuntimeError``): as ``os.fsdecode`` gives it, or '' when the message does not say it."""
    if not isinstance(error, RuntimeError) or "decode path" not in str(error):
        return None
    found = _UNDECODABLE.search(str(error))
    return "" if found is None else os.fsdecode(_unescape_rust(found[1]))


def _unescape_rust(text: str) -> bytes:
    """The bytes of a path as Rust's ``Debug`` prints it: ``\\xE9`` for a byte that is not UTF-8,
    ``\\u{..}`` for a character it does not print, ``\\n`` and the like."""
    out = bytearray()
    end = 0
    for escape in _RUST_ESCAPE.finditer(text):
        out += text[end : escape.start()].encode("utf-8", "surrogateescape")
        byte, code, plain = escape.groups()
        if byte is not None:
            out.append(int(byte, 16))
        elif code is not None:
            out += chr(int(code, 16)).encode("utf-8", "surrogatepass")
        else:
            out += _RUST_ESCAPED.get(plain, plain).encode("utf-8", "surrogateescape")
        end = escape.end()
    out += text[end:].encode("utf-8", "surrogateescape")
    return bytes(out)


def walked_folders(watched: Watched, roots: Sequence[str]) -> list[str]:
    """Every folder under ``roots`` that ``discover`` walks (``walked``), each once (a symlink
    loop or a second link is cut), and only those that can be listed: what watching each folder
    alone needs, when a name the recursive watch cannot read is in the way."""
    found: list[str] = []
    seen: set[tuple[int, int]] = set()
    stack = list(reversed(roots))
    while stack:
        folder = stack.pop()
        try:
            info = os.stat(folder)
            with os.scandir(folder) as listing:
                names = [entry.name for entry in listing if _is_folder(entry)]
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        found.append(folder)
        inside = (os.path.join(folder, name) for name in sorted(names, reverse=True) if name[0] != ".")
        stack += (path for path in inside if walked(path, watched))
    return found


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows symlinks, as discover's walk does
    except OSError:
        return False


class _Up:
    """The stop event as watchfiles asks it: it asks on every step once its watch is set up (a
    setup that failed raises first), so the first question says the watch is up, and ``on_up``
    runs (what was owed to the reading room is said once nothing more is lost)."""

    def __init__(self, stop: threading.Event, on_up: Callable[[], None]) -> None:
        self.up = False
        self._stop = stop
        self._on_up = on_up

    def is_set(self) -> bool:
        if not self.up:
            self.up = True
            self._on_up()
        return self._stop.is_set()


class Watching:
    """The child's watch, started again whenever a name it cannot read fails it."""

    def __init__(self, spec: dict[str, Any], watched: Watched, stop: threading.Event) -> None:
        self._spec = spec
        self._watched = watched
        self._stop = stop
        self.alone: list[str] | None = None
        """The folders watched each alone, once the recursive watch could not be set up."""
        self._missed = False
        """Whether the watch was set up again since it was up: what changed meanwhile is lost."""
        self._restarts: deque[float] = deque(maxlen=RESTARTS)

    def run(self) -> None:
        """Watch until stopped (or until it cannot)."""
        first = True
        while not self._stop.is_set():
            up = _Up(self._stop, self._owed)
            try:
                if self._watch(up):
                    return
            except Exception as error:
                self._failed(error, up.up, first)
            first = False

    def _watch(self, up: _Up) -> bool:
        """One watch, until it is stopped (True) or a folder comes or goes under the folders
        watched alone (False: they are walked again)."""
        import watchfiles

        spec, watched = self._spec, self._watched
        alone = self.alone
        paths = spec["roots"] if alone is None else alone
        if not paths:
            raise RuntimeError(f"no folder left to watch under {', '.join(spec['roots'])}")
        watching = set(alone or ())
        # Filtered here, not by watchfiles: a folder that comes matters to the folders watched
        # alone even where the reading room does not want it (``wants`` refuses ``notes.tmp``).
        changing = watchfiles.watch(
            *paths,
            watch_filter=None,
            debounce=spec["debounce_ms"],
            step=spec["step_ms"],
            stop_event=up,
            recursive=spec["recursive"] and alone is None,
            ignore_permission_denied=True,  # an unreadable subfolder is skipped, not fatal
            raise_interrupt=False,
            debug=False,
        )
        with contextlib.closing(changing):
            for changes in changing:
                wanted = [[int(kind), path] for kind, path in changes if watched.wants(path)]
                if wanted:
                    _say({"changes": wanted})
                if alone is not None and self._reshaped(changes, watching):
                    # Watched again with them (watchfiles adds no folder to a watch): what
                    # changes until then is lost, and said missed.
                    self._missed = True
                    self.alone = walked_folders(watched, spec["roots"])
                    return False
        return True

    def _reshaped(self, changes: set[tuple[Any, str]], watching: set[str]) -> bool:
        """Whether a folder came under the folders watched alone, or one of them went: the
        watch needs it (or no longer does)."""
        for kind, path in changes:
            if kind == _DELETED and path in watching:
                return True
            if (
                kind == _ADDED
                and path not in watching
                and walked(path, self._watched)
                and os.path.isdir(path)
            ):
                return True
        return False

    def _failed(self, error: Exception, up: bool, first: bool) -> None:
        """The watch failed (once ``up``, or as it was set up): set up the next one when a name
        it could not read failed it, else give up (raise)."""
        path = undecodable(error)
        gone = isinstance(error, FileNotFoundError) and self.alone is not None  # went as it was walked
        if (path is None and not gone) or self._stop.is_set():
            raise error
        now = time.monotonic()
        if len(self._restarts) == RESTARTS and now - self._restarts[0] < RESTART_WINDOW:
            if path is None:
                raise error
            raise NamesNotText(
                f"names that are not UTF-8 text keep stopping the watch ({error}): rename them"
            ) from error
        self._restarts.append(now)
        # Up, it lost the burst it was gathering; set up again, what came since the last one.
        self._missed = self._missed or up or not first
        if self.alone is not None:  # walked again: the lost burst may have moved some
            self.alone = walked_folders(self._watched, self._spec["roots"])
        elif self._spec["recursive"] and (os.path.isdir(path) if path else not up):
            # A folder so named fails the recursive watch's setup for as long as it is there (a
            # file so named, once: the recursive watch is set up again).
            self.alone = walked_folders(self._watched, self._spec["roots"])

    def _owed(self) -> None:
        """The watch is up: say what was missed, now that nothing more is (the reading room's
        check then sees every change the watch does not)."""
        if self._missed:
            _say({"missed": True})
            self._missed = False


def main(argv: Sequence[str]) -> int:
    """The child: watch until standard input closes, a line per burst."""
    spec = json.loads(argv[0])
    roots, folders, ignored = spec["watched"]
    watched = Watched(tuple(roots), tuple(folders), tuple(ignored))
    stop = threading.Event()
    threading.Thread(target=_stop_when_closed, args=(stop,), daemon=True).start()
    try:
        faults.checkpoint("watch")
        Watching(spec, watched, stop).run()
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
