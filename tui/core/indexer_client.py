"""The parent's side of the indexer child process: start it, read its events, stop it.

Apart from ``tui.core.indexer`` (the child) so that the parents (the reading room, which starts
the child itself and only parses its lines, and ``lectern index``) import none of what the child
needs to index (the catalog, the documents, the engine): some 90 ms of every command's start.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from tui.core.child_boot import python_argv


def command(
    index_dir: Path, paths: Sequence[Path], rebuild: bool = False, annotations: Path | None = None
) -> list[str]:
    """The argv that starts the indexer child process (``child_boot``: lectern's own ``tui``),
    as ``tui.core.indexer.main`` parses it."""
    argv = python_argv("tui.core.indexer", "main", "--index-dir", str(index_dir))
    if rebuild:
        argv.append("--rebuild")
    if annotations is not None:
        argv += ["--annotations", str(annotations)]
    return argv + [str(p) for p in paths]


def parse_event(line: str) -> dict[str, Any] | None:
    """One line of the child's output as an event, or None for anything else."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


GRACE_SECONDS = 5.0
"""How long a child asked to stop (SIGINT) may take to let go of its locks before it is killed."""


def run(
    index_dir: Path, paths: Sequence[Path], rebuild: bool = False, annotations: Path | None = None
) -> Generator[dict[str, Any], None, None]:
    """Run the indexer child process and yield its events; ends with ``done`` or ``error``.

    Closing the generator early (or an exception in the caller) stops the child: it never
    outlives the run that started it.
    """
    import subprocess  # only the parent runs the child

    with subprocess.Popen(
        command(index_dir, paths, rebuild, annotations),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        finished = False
        try:
            for line in child.stdout:
                event = parse_event(line)
                if event is not None:
                    finished = finished or event["event"] in ("done", "error")
                    yield event
        finally:
            if not finished or child.poll() is None:
                stop(child)
        errors = child.stderr.read()
        code = child.wait()
    if not finished:
        detail = errors.strip().splitlines()[-1] if errors.strip() else f"exit code {code}"
        yield {"event": "error", "message": f"indexer stopped unexpectedly: {detail}"}


def stop(child: Any) -> None:
    """Stop a child indexer. A Ctrl-C at a terminal reached it too, so first it has a moment to
    stop by itself; then it gets SIGINT, so it unwinds and lets go of its locks; it is killed
    after ``GRACE_SECONDS``, or at once on a second Ctrl-C."""
    import signal
    import subprocess

    steps = ((None, 0.25), (signal.SIGINT if os.name == "posix" else signal.SIGTERM, GRACE_SECONDS))
    try:
        for signum, seconds in steps:
            if signum is not None:
                child.send_signal(signum)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=seconds)
                return
    except BaseException:  # a second Ctrl-C: no more waiting
        pass
    child.kill()
    child.wait()
