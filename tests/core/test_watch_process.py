"""The watching child process (``tui.core.watch_process``): its bursts, its failures, that a name it
cannot read costs a burst and never the watch, and that it never outlives the reading room that
started it, however that ends."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from tui.core import faults, watch_process
from tui.core.watch_process import Said
from tui.core.watching import Watched

CHANGE_ADDED = 1  # watchfiles.Change.added
posix = pytest.mark.skipif(os.name != "posix", reason="names of bytes that are not text are POSIX's")


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

    def wait_for(self, wanted: Callable[[Said], bool], within: float) -> list[Said]:
        """The lines said up to the first that is ``wanted`` (fails after ``within`` seconds)."""
        seen: list[Said] = []
        deadline = time.monotonic() + within
        while (line := self.next(max(deadline - time.monotonic(), 0.01))) is not None:
            seen.append(watch_process.parse(line))
            if wanted(seen[-1]):
                return seen
        raise AssertionError(f"not said within {within} s: {seen}")

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
            changes, failed, missed = watch_process.parse(line)
            assert failed is None and not missed and changes is not None
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


def badly_named(folder: Path, name: bytes, *, is_folder: bool = False) -> Path:
    """A file (or folder) in ``folder`` named by bytes that are not UTF-8, as a Latin-1 system
    writes them (skips where the file system refuses such names)."""
    path = folder / os.fsdecode(name)
    try:
        if is_folder:
            path.mkdir()
        else:
            path.write_text("Latin-1 named.", encoding="utf-8")
    except OSError as error:
        pytest.skip(f"this file system refuses names that are not UTF-8 ({error})")
    return path


def reported(lines: Lines, path: Path, within: float = 15) -> None:
    """Write ``path`` and wait for a burst that names it."""
    path.write_text("x", encoding="utf-8")
    seen = lines.wait_for(lambda said: said.failed is not None or str(path) in named(said), within)
    assert seen[-1].failed is None, seen[-1].failed


def named(said: Said) -> list[str]:
    return [path for _, path in said.changes or []]


def said_about(lines: Lines, path: Path) -> None:
    """``path`` is seen: written (again, under another name, should the watch not be up yet)
    until a burst names it."""
    for attempt in range(30):
        made = path.with_name(f"{path.stem}-{attempt}{path.suffix}")
        made.write_text("x", encoding="utf-8")
        deadline = time.monotonic() + 0.5
        while (line := lines.next(max(deadline - time.monotonic(), 0.01))) is not None:
            said = watch_process.parse(line)
            assert said.failed is None, said.failed
            if str(made) in named(said):
                return
    raise AssertionError(f"nothing under {path.parent} was said in 15 s")


@posix
def test_a_file_whose_name_is_not_text_costs_its_burst_and_not_the_watch(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with child([corpus]) as process:
        lines = Lines(process)
        first_burst(lines, corpus / "made")
        badly_named(corpus, b"caf\xe9.md")
        seen = lines.wait_for(lambda said: said.missed or said.failed is not None, within=15)
        assert seen[-1] == Said(missed=True)  # the burst is lost: the reading room checks the corpus
        reported(lines, corpus / "later.md")  # and the watch goes on
        assert process.poll() is None


@posix
def test_a_folder_whose_name_is_not_text_leaves_the_other_folders_watched(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub" / "deep").mkdir(parents=True)
    badly_named(corpus, b"d\xe9j\xe0", is_folder=True)
    with child([corpus]) as process:
        lines = Lines(process)
        first_burst(lines, corpus / "made")  # watched, and nothing missed at the start
        said_about(lines, corpus / "sub" / "deep" / "seen.md")  # ("made" came: watched again)
        badly_named(corpus / "sub", b"caf\xe9.md")
        seen = lines.wait_for(lambda said: said.missed or said.failed is not None, within=15)
        assert seen[-1] == Said(missed=True)
        reported(lines, corpus / "sub" / "later.md")  # a good file after the bad one is still said
        assert process.poll() is None


@posix
def test_watching_each_folder_alone_a_new_folder_is_watched_too(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    badly_named(corpus, b"d\xe9j\xe0", is_folder=True)
    with child([corpus]) as process:
        lines = Lines(process)
        first_burst(lines, corpus / "made")
        (corpus / "new" / "deeper").mkdir(parents=True)  # one event, for "new", as mkdir -p makes it
        said_about(lines, corpus / "new" / "deeper" / "note.md")
        (tmp_path / "moved").mkdir()
        (tmp_path / "moved").rename(corpus / "new" / "moved")  # a folder moved in, under a new one
        said_about(lines, corpus / "new" / "moved" / "note.md")


@posix
def test_names_that_keep_failing_the_watch_end_it_with_a_reason(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with child([corpus]) as process:
        lines = Lines(process)
        first_burst(lines, corpus / "made")
        failed = None
        for n in range(300):  # a bad name every 0.1 s: the watch restarts until it gives up
            badly_named(corpus, b"caf\xe9-%d.md" % n)
            line = lines.next(0.1)
            failed = watch_process.parse(line).failed if line is not None else None
            if failed is not None:
                break
        assert failed is not None and "not UTF-8" in failed
        assert process.wait(timeout=10) == 0


def test_roots_that_cannot_be_watched_are_said_once_with_a_reason_to_act_on(tmp_path: Path) -> None:
    with child([tmp_path], {faults.VARIABLE: "watch:ENOSPC"}) as process:
        lines = Lines(process)
        said = lines.next(30)
        assert said is not None and lines.next(1.0) is None  # said once
        assert process.wait(timeout=10) == 0  # and over: the reading room reads on unwatched
    changes, failed, _ = watch_process.parse(said)
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
    assert watch_process.parse("not json") == Said()
    assert watch_process.parse("[1, 2]") == Said()
    assert watch_process.parse('{"other": 1}') == Said()
    assert watch_process.parse('{"changes": [[2, "/a"]]}') == Said(changes=[(2, "/a")])
    assert watch_process.parse('{"failed": "why"}') == Said(failed="why")
    assert watch_process.parse('{"missed": true}') == Said(missed=True)


def test_the_name_watchfiles_could_not_decode_is_read_from_its_error() -> None:
    said = RuntimeError('Unable to decode path "/x/d\\xE9j\\xE0 \\"\\u{301}\\n" to string')
    assert watch_process.undecodable(said) == os.fsdecode(b'/x/d\xe9j\xe0 "\xcc\x81\n')
    assert watch_process.undecodable(RuntimeError("Unable to decode path")) == ""  # it failed so, somewhere
    assert watch_process.undecodable(RuntimeError("error in underlying watcher")) is None
    assert watch_process.undecodable(OSError("decode path")) is None
