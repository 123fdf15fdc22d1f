"""Converters run in a worker subprocess, with a time cap and a memory cap.

A PDF or an EPUB is untrusted input to C libraries (PDFium, libxml2): one can loop, exhaust
memory or crash its process. So conversion never runs in the process that asked for it (the
indexer child, or a reader thread of the app): ``WorkerPool`` keeps one worker process, sends it
a file at a time as a JSON line, and waits at most ``time_limit`` seconds for the answer. A worker
that overruns is killed, one that dies is noted, and either way the next file gets a new one; the
file is reported with the reason and the rest of the corpus goes on. The worker caps its own
address space (``RLIMIT_AS``), ignores Ctrl-C (its parent decides when it stops), and exits when
its parent is gone (stdin closed, or reparented), so a killed indexer leaves no converter behind.

``InProcess`` converts in the calling process: for tests that count or patch conversions.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, Protocol

from tui.core.child_boot import python_argv
from tui.core.formats import FORMATS, ConversionError, Converted, Failure, Format, convert_file

TIME_BASE = 60.0
TIME_PER_MB = 1.0
"""A conversion may take ``TIME_BASE`` seconds plus this much per MB of file."""
MEMORY_LIMIT = 2 * 1024 * 1024 * 1024
"""The worker's address space cap: what a 200 MB PDF needs with room to spare, far below what a
runaway allocation would take from the machine."""
_GRACE = 5.0
"""How long past its deadline the worker's own watchdog waits before it exits (the parent kills
it first; this covers a parent that stopped waiting)."""


def time_limit(size: int) -> float:
    """Seconds allowed to convert a file of ``size`` bytes."""
    return TIME_BASE + TIME_PER_MB * size / (1024 * 1024)


class Converter(Protocol):
    """Something that converts one file, never raising for a bad one."""

    def convert(self, path: Path, fmt: Format, seconds: float) -> Converted | Failure: ...


class InProcess:
    """Converts in this process, without caps: for tests and benchmarks."""

    def __init__(self) -> None:
        self.conversions = 0
        """How many files were converted (a cache hit converts none)."""

    def convert(self, path: Path, fmt: Format, seconds: float) -> Converted | Failure:
        self.conversions += 1
        try:
            return clean(convert_file(path, fmt))
        except ConversionError as error:
            return Failure(error.reason)
        except (MemoryError, RecursionError, OSError, ValueError) as error:
            return Failure(_unexpected(error))


class WorkerPool:
    """One worker process, started when first needed and restarted after a failure; conversions
    are serialised (a lock), so threads may share it."""

    def __init__(self, memory_limit: int = MEMORY_LIMIT) -> None:
        self.memory_limit = memory_limit
        self.conversions = 0
        """How many files were sent to a worker."""
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._reader: threading.Thread | None = None

    def convert(self, path: Path, fmt: Format, seconds: float) -> Converted | Failure:
        with self._lock:
            self.conversions += 1
            request = json.dumps({"path": str(path), "format": fmt.name, "seconds": seconds}) + "\n"
            if not self._send(request.encode("utf-8", "surrogateescape")):
                return Failure("the converter could not be started")
            try:  # a thread reads the worker's answers: waiting on it has a timeout on every platform
                line = self._lines.get(timeout=seconds)
            except queue.Empty:
                self._stop()
                return Failure(f"conversion took longer than {seconds:.0f} s; stopped")
            if not line:
                return Failure(f"the converter crashed on this file ({self._stop()})")
            try:
                answer = json.loads(line)
                if isinstance(answer.get("failure"), str):
                    if answer["failure"] == OUT_OF_MEMORY:
                        self._stop()  # it exits by itself now; the next file gets a fresh worker
                    return Failure(answer["failure"])
                return Converted.from_json(answer.get("converted"))
            except (ValueError, AttributeError):
                self._stop()
                return Failure("the converter gave an unreadable answer")

    def close(self) -> None:
        """Stop the worker (it also stops by itself when this process ends)."""
        with self._lock:
            self._stop()

    def _send(self, request: bytes) -> bool:
        for _ in range(2):  # a worker that died since the last file: start another, once
            child = self._child
            if child is None or child.poll() is not None:
                self._stop()
                try:
                    child = self._child = _start(self.memory_limit)
                except OSError:
                    return False
                self._lines = queue.Queue()
                self._reader = threading.Thread(target=_pump, args=(child.stdout, self._lines), daemon=True)
                self._reader.start()
            assert child.stdin is not None
            try:
                child.stdin.write(request)
                child.stdin.flush()
                return True
            except OSError:
                self._stop()
        return False

    def _stop(self) -> str:
        """Kill the worker if it runs; how it ended, for a message."""
        child, reader, self._child, self._reader = self._child, self._reader, None, None
        if child is None:
            return "no worker"
        if child.poll() is None:
            child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)
        if reader is not None:
            reader.join(timeout=5)  # its pipe is at its end now that the worker is gone
        for stream in (child.stdin, child.stdout):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()
        code = child.returncode
        if code is not None and code < 0:
            return f"signal {-code}"
        return f"exit code {code}"


def _pump(stream: IO[bytes] | None, lines: queue.Queue[bytes]) -> None:
    """Put each line the worker writes on ``lines`` (without its newline), then b'' at its end."""
    if stream is not None:
        with contextlib.suppress(OSError, ValueError):
            for line in iter(stream.readline, b""):
                lines.put(line.rstrip(b"\n") or b"{}")
    lines.put(b"")


def _start(memory_limit: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        python_argv("tui.core.formats.worker", "serve", str(memory_limit), str(os.getpid())),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # a chatty library must never fill a pipe nobody reads
        close_fds=True,
    )


_installed: dict[str, Converter] = {}
"""The converter in use, under the key "current" (a dict: set and read under ``_installed_lock``)."""
_installed_lock = threading.Lock()


def current() -> Converter:
    """The converter this process uses: a ``WorkerPool`` unless ``install`` chose another."""
    with _installed_lock:
        found = _installed.get("current")
        if found is None:
            pool = WorkerPool()
            atexit.register(pool.close)
            found = _installed["current"] = pool
        return found


def install(converter: Converter | None) -> Converter | None:
    """Use ``converter`` from now on (None: a new default pool when next needed); the previous one."""
    with _installed_lock:
        previous = _installed.pop("current", None)
        if converter is not None:
            _installed["current"] = converter
    return previous


# --------------------------------------------------------------------------- the worker side


def serve(argv: list[str]) -> int:
    """The worker's loop: a JSON request per line on stdin, a JSON answer per line on stdout."""
    import signal

    from tui.core.faults import checkpoint

    memory_limit, parent = int(argv[0]), int(argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory(memory_limit)
    sys.setrecursionlimit(20_000)  # deeply nested markup is walked recursively; a RecursionError is reported
    busy = [0.0]  # the deadline of the conversion in progress (0: none); one slot, written atomically
    threading.Thread(target=_watch, args=(parent, busy), daemon=True).start()
    out: IO[bytes] = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            path = Path(os.fsdecode(request["path"].encode("utf-8", "surrogateescape")))
            fmt = FORMATS[request["format"]]
            seconds = float(request["seconds"])
        except (ValueError, KeyError, TypeError):
            return 2
        busy[0] = time.monotonic() + seconds + _GRACE
        checkpoint("convert")
        answer = _convert(path, fmt, memory_limit)
        busy[0] = 0.0
        out.write(json.dumps(answer).encode("ascii") + b"\n")
        out.flush()
        if answer.get("failure") == OUT_OF_MEMORY:
            return 0  # a fresh worker for the next file: this one's heap is fragmented, its peak spent
    return 0


OUT_OF_MEMORY = "needs more memory than a conversion may take; skipped"


def _convert(path: Path, fmt: Format, memory_limit: int) -> dict[str, Any]:
    try:
        return {"converted": clean(convert_file(path, fmt)).to_json()}
    except ConversionError as error:
        return {"failure": error.reason}
    except Exception as error:  # a converter library's own failure on odd input: this file only
        # C libraries report a failed allocation their own way (libxml2: "unknown error"): a
        # failure after this worker came near its cap is the cap.
        if isinstance(error, MemoryError) or _peak_memory() >= memory_limit // 2:
            return {"failure": OUT_OF_MEMORY}
        return {"failure": _unexpected(error)}


def _peak_memory() -> int:
    """The most memory this process has held (bytes), or 0 where that is not known."""
    try:
        import resource
    except ImportError:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS counts bytes, Linux kilobytes


def _unexpected(error: BaseException) -> str:
    if isinstance(error, MemoryError):
        return OUT_OF_MEMORY
    if isinstance(error, RecursionError):
        return "nested too deeply to convert"
    if isinstance(error, OSError):
        return f"cannot be read: {error.strerror or error}"
    first = (str(error).splitlines() or [""])[0][:200]
    return f"cannot be converted ({type(error).__name__}{': ' + first if first else ''})"


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: the time cap still holds
        return
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def _watch(parent: int, busy: list[float]) -> None:
    """Exit when the parent is gone or a conversion overran its deadline (a C library call that
    never returns still lets this thread run: ctypes and lxml release the GIL)."""
    while True:
        time.sleep(0.5)
        deadline = busy[0]
        if os.getppid() != parent or (deadline and time.monotonic() > deadline):
            os._exit(3)


def clean(converted: Converted) -> Converted:
    """The text and fields without control characters (tab and newline kept in the text) or lone
    surrogates, whatever the converter let through."""
    from tui.core.formats.text import clean_text, one_line

    return Converted(
        text=clean_text(converted.text),
        title=one_line(converted.title),
        author=one_line(converted.author),
        date=one_line(converted.date),
        language=one_line(converted.language),
        tags=tuple(t for t in (one_line(tag) for tag in converted.tags) if t),
        source=one_line(converted.source),
        problems=tuple(one_line(p) for p in converted.problems),
    )
