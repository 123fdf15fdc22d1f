"""The watching child process (``tui.core.watch_process``): its bursts, its failures, and that it
never outlives the reading room that started it, however that ends."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from tui.core import faults, watch_process
from tui.core.watching import Watched

CHANGE_ADDED = 1  # watchfiles.Change.added


@contextmanager
def child(
    roots: list[Path], env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    watched = Watched.of(roots)
    argv = watch_process.command(watched, [str(r) for r in roots], True, 200, 50)
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()


class Lines:
    """The child's output lines, read by a thread (a test waits for them with a timeout)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(process.stdout,), daemon=True).start()

    def _pump(self, stdout: IO[str]) -> None:
        for line in stdout:
            self._queue.put(line)

    def next(self, timeout: float) -> str | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def paths(self, within: float) -> list[str]:
        """The paths said in the bursts that come within ``within`` seconds."""
        said: list[str] = []
        deadline = time.monotonic() + within
        while (line := self.next(max(deadline - time.monotonic(), 0.01))) is not None:
            said += [path for _, path in watch_process.parse(line)[0] or []]
        return said


def first_burst(lines: Lines, make: Path) -> list[tuple[int, str]]:
    """Make ``make`` (again, until the child is seen watching) and return the first burst."""
    for _ in range(60):
        make.mkdir(exist_ok=True)
        line = lines.next(0.5)
        if line is not None:
            changes, failed = watch_process.parse(line)
            assert failed is None and changes is not None
            return changes
        make.rmdir()
    raise AssertionError("no burst in 30 s")


def test_a_burst_is_one_line_of_the_changes_the_corpus_wants(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with child([corpus]) as process:
        lines = Lines(process)
        assert (CHANGE_ADDED, str(corpus / "made")) in first_burst(lines, corpus / "made")
        (corpus / ".hidden.md").write_text("x")  # not wanted: never said
        (corpus / "seen.md").write_text("x")
        said = lines.paths(within=1.5)
        assert str(corpus / "seen.md") in said and not any(".hidden" in p for p in said)
        assert process.stdin is not None
        process.stdin.close()  # how the reading room stops it
        assert process.wait(timeout=10) == 0


def test_roots_that_cannot_be_watched_are_said_once_with_a_reason_to_act_on(tmp_path: Path) -> None:
    with child([tmp_path], {faults.VARIABLE: "watch:ENOSPC"}) as process:
        lines = Lines(process)
        said = lines.next(30)
        assert said is not None and lines.next(1.0) is None  # said once
        assert process.wait(timeout=10) == 0  # and over: the reading room reads on unwatched
    changes, failed = watch_process.parse(said)
    assert changes is None and failed is not None and "max_user_watches" in failed


def test_a_tui_in_the_working_folder_is_never_imported_by_the_child(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "tui").mkdir(parents=True)
    (work / "tui" / "__init__.py").write_text('raise SystemExit("the tui of the working folder")\n')
    (work / "tui.py").write_text('raise SystemExit("the tui.py of the working folder")\n')
    with child([tmp_path], {faults.VARIABLE: "watch:ENOSPC"}, cwd=work) as process:
        said = Lines(process).next(30)  # lectern's own child got as far as its watch
    assert said is not None and watch_process.parse(said)[1] is not None


@pytest.mark.parametrize("signame", ["SIGKILL", "SIGTERM"])
def test_the_child_ends_when_the_reading_room_is_killed(tmp_path: Path, signame: str) -> None:
    # A parent that starts a watching child as the reading room does, then is killed for real:
    # its end closes the child's input, and the child goes too.
    script = (
        "import subprocess, sys, time;"
        "child = subprocess.Popen(json.loads(sys.argv[1]), stdin=subprocess.PIPE, stdout=subprocess.PIPE);"
        "print(child.pid, flush=True); time.sleep(120)"
    )
    argv = watch_process.command(Watched.of([tmp_path]), [str(tmp_path)], True, 200, 50)
    parent = subprocess.Popen(
        [sys.executable, "-c", "import json;" + script, json.dumps(argv)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    watcher_pid = int(parent.stdout.readline())
    time.sleep(1.0)  # the child is up and watching
    assert alive(watcher_pid)
    parent.send_signal(getattr(signal, signame))
    parent.wait(timeout=10)
    parent.stdout.close()
    deadline = time.monotonic() + 15
    while alive(watcher_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(watcher_pid)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (an exited child not yet reaped by its new parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_lines_that_are_not_the_childs_are_ignored() -> None:
    assert watch_process.parse("not json") == (None, None)
    assert watch_process.parse("[1, 2]") == (None, None)
    assert watch_process.parse('{"other": 1}') == (None, None)
    assert watch_process.parse('{"changes": [[2, "/a"]]}') == ([(2, "/a")], None)
    assert watch_process.parse('{"failed": "why"}') == (None, "why")
