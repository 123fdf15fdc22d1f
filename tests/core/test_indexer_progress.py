"""Indexing progress moves with the documents: ``tui.core.index_progress`` and the events the
indexer sends through it (a few a second while documents are read and analysed, ``committing``
as each commit starts), in-process with tiny batches and a clock that the test moves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tui.core import indexer
from tui.core.index_progress import READ_SHARE, Progress
from tui.core.search.whoosh import writing
from tui.core.search.whoosh.parallel import can_fork

OLD_KEYS = {"event", "done", "total", "bytes", "total_bytes"}
"""What a ``progress`` event held before it had a phase: the CLI's bar and the UI read these."""


class Clock:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def corpus(folder: Path, documents: int = 300) -> Path:
    folder.mkdir()
    for n in range(documents):
        (folder / f"d{n:03d}.md").write_text(f"# Document {n}\n\n" + f"word{n % 17} text " * (40 + n % 30))
    return folder


def index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: Callable[[], float], *, parallel: bool = False
) -> list[dict[str, Any]]:
    """Index ``corpus`` in-process in batches of a few dozen documents; the events."""
    source = corpus(tmp_path / "corpus")
    monkeypatch.setattr(indexer, "FIRST_BATCH_BYTES", 10_000)
    monkeypatch.setattr(indexer, "BATCH_BYTES", 40_000)
    if parallel:  # every batch split with a forked helper: this process's count is scaled
        monkeypatch.setattr(indexer, "PARALLEL_BYTES", 1)
        monkeypatch.setattr(indexer.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(indexer, "Progress", lambda *a, **k: Progress(*a, clock=clock, **k))
    events: list[dict[str, Any]] = []
    indexer.sync(tmp_path / "index", [source], False, events.append)
    return events


def batches_of(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The progress events of each batch (each batch ends with its ``committed`` event)."""
    found: list[list[dict[str, Any]]] = [[]]
    for event in events:
        if event["event"] == "progress":
            found[-1].append(event)
            if event["phase"] == "committed":
                found.append([])
    return [b for b in found if b]


@pytest.mark.parametrize("parallel", [False, True])
def test_progress_moves_with_the_documents_and_ends_at_the_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    if parallel and not can_fork():
        pytest.skip("no fork: no helper process")
    events = index(tmp_path, monkeypatch, Clock(0.02), parallel=parallel)
    start = next(e for e in events if e["event"] == "start")
    progress = [e for e in events if e["event"] == "progress"]
    commits = [e for e in events if e["event"] == "commit"]
    assert start["total"] == 300 and len(commits) >= 5

    assert all(e.keys() >= OLD_KEYS for e in progress)  # the format the UI reads, and more
    done = [e["done"] for e in progress]
    sent = [e["bytes"] for e in progress]
    assert done == sorted(done) and sent == sorted(sent)  # never backwards
    assert done[-1] == start["total"] and sent[-1] == start["bytes"] == progress[-1]["total_bytes"]

    batches = batches_of(events)
    assert len(batches) == len(commits)
    moving = [[e for e in b if e["phase"] in ("reading", "indexing")] for b in batches]
    assert sum(map(len, moving)) > 2 * len(batches)  # many more events than batches...
    assert sum(1 for m in moving if len(m) >= 2) >= len(batches) - 1  # ...in (almost) every batch
    assert {e["phase"] for e in progress} == {"reading", "indexing", "committing", "committed"}


def test_a_commit_is_announced_before_it_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events = index(tmp_path, monkeypatch, Clock(0.02))
    kinds = [e.get("phase", e["event"]) for e in events if e["event"] in ("progress", "commit")]
    for n, kind in enumerate(kinds):
        if kind == "commit":
            assert kinds[n - 1] == "committing" and kinds[n + 1] == "committed"
    for batch in batches_of(events):
        committing = [e for e in batch if e["phase"] == "committing"]
        assert len(committing) == 1 and committing[0]["done"] == batch[-1]["done"]  # all analysed


def test_events_are_spaced_by_time_not_sent_per_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clock that hardly moves: only the events that mark a commit, none per document."""
    events = index(tmp_path, monkeypatch, Clock(1e-6))
    progress = [e for e in events if e["event"] == "progress"]
    commits = [e for e in events if e["event"] == "commit"]
    assert {e["phase"] for e in progress} == {"committing", "committed"}
    assert len(progress) == 2 * len(commits)


def test_a_batch_reads_then_analyses_then_commits() -> None:
    sent: list[dict[str, Any]] = []
    progress = Progress(sent.append, total=20, total_bytes=2_000, clock=Clock(1.0))
    progress.batch(10, 1_000)
    for n in range(1, 11):
        progress.read(n, n * 100)
    assert [e["done"] for e in sent] == [int(READ_SHARE * n) for n in range(1, 11)]
    assert {e["phase"] for e in sent} == {"reading"}
    sent.clear()
    progress.analysing(8)  # two were unchanged or skipped: they are not analysed
    for n in range(1, 9):
        progress.analysed(n)
    assert [e["phase"] for e in sent] == ["indexing"] * 7 + ["committing"]
    assert sent[-1]["done"] == 10 and sent[-1]["bytes"] == 1_000
    progress.committed()
    progress.batch(10, 1_000)
    progress.read(1, 100)
    assert sent[-1]["done"] == 10 + int(READ_SHARE) and sent[-1]["bytes"] == 1_000 + int(READ_SHARE * 100)


def test_a_batch_with_nothing_to_analyse_commits_at_once() -> None:
    sent: list[dict[str, Any]] = []
    progress = Progress(sent.append, total=3, total_bytes=30, clock=Clock(0.0))
    progress.batch(3, 30)
    progress.analysing(0)  # removals only, or every document unchanged
    assert [(e["phase"], e["done"], e["bytes"]) for e in sent] == [("committing", 3, 30)]


def test_a_helper_process_share_is_estimated_from_this_process_count() -> None:
    heard: list[int] = []
    scaled = writing._scaled(heard.append, total=10, mine=4)
    assert scaled is not None
    for n in range(1, 5):
        scaled(n)
    assert heard == [2, 5, 7, 10]  # the last of this process's documents: all of them
    assert writing._scaled(heard.append, total=4, mine=4) == heard.append
    assert writing._scaled(None, total=10, mine=4) is None


def test_freed_memory_goes_back_to_the_system_where_the_c_library_can() -> None:
    import ctypes
    import sys

    from tui.core.memory import release_memory

    glibc = sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "malloc_trim")
    big = [bytes(1000) for _ in range(20_000)]
    del big
    assert release_memory() is glibc  # elsewhere (musl, macOS, Windows) a no-op, never an error
    assert release_memory() is glibc
