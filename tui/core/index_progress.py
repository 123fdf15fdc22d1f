"""How far an indexing run is, told as it goes: a few times a second, not once a batch.

The writer works in batches (read every document, analyse them all into a segment, commit), and
a batch of 24 MB takes seconds; an event only after each commit left the count standing still
that long, and said nothing of the commit itself. ``Progress`` hears of every document read and
analysed, and sends a ``progress`` event when ``INTERVAL`` has passed since the last one (in
the reading room each line is a message and a redraw of the status line: one per document would
keep its event loop busy), at once when a commit starts (phase ``committing``), when a batch
ends (``committed``: the event that was sent before), and when the run's last step merges the
segments its batches left (``merging``).

``done`` and ``bytes`` count a document in part once read (``READ_SHARE``) and whole once
analysed, so they move through both passes of a batch; they never go back, and reach the
batch's end before its commit starts and the run's totals before its last commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

Phase = Literal["reading", "indexing", "committing", "committed", "merging"]
INTERVAL = 0.2
"""Seconds between two events while documents are read or analysed: the status line moves
smoothly, and a run of 100,000 documents sends a few hundred lines, not 100,000."""
READ_SHARE = 0.3
"""The part of a document's work before the commit that is reading it (the rest is analysing
it): on a generated corpus of 30,000 documents (100 MB), 3.5 s of reading to 7.8 s of analysis."""


class Progress:
    """The run's position in documents and bytes of text, sent through ``emit``."""

    def __init__(
        self,
        emit: Callable[[dict[str, Any]], None],
        total: int,
        total_bytes: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self._clock = clock
        self.total, self.total_bytes = total, total_bytes
        self.done = self.bytes = 0
        """What the last event said (or is to say)."""
        self._start = self._start_bytes = 0
        """Where the current batch starts."""
        self._count = self._size = 0
        """The current batch: its documents and bytes."""
        self._analysing = 0
        """How many of the batch's documents go to the index (the others were unchanged or skipped)."""
        self._last = clock()

    def batch(self, count: int, size: int) -> None:
        """A batch of ``count`` documents of ``size`` bytes starts where the last one ended."""
        self._start, self._start_bytes = self._start + self._count, self._start_bytes + self._size
        self._count, self._size = count, size

    def read(self, count: int, size: int) -> None:
        """``count`` documents of the batch, ``size`` bytes of it, have been read."""
        self._move("reading", READ_SHARE * count, READ_SHARE * size)

    def analysing(self, count: int) -> None:
        """``count`` documents of the batch are about to be analysed (none: the commit starts)."""
        self._analysing = count
        if not count:
            self.committing()

    def analysed(self, count: int) -> None:
        """``count`` of the documents being analysed are in the segment; all of them: the commit starts."""
        if count >= self._analysing:
            self.committing()
            return
        share = READ_SHARE + (1 - READ_SHARE) * count / self._analysing
        self._move("indexing", share * self._count, share * self._size)

    def committing(self) -> None:
        """The batch's documents are analysed; its segment is written and committed now (with a
        forked helper, once it too is done; a last commit may merge segments: seconds more)."""
        self._move("committing", self._count, self._size, force=True)

    def merging(self) -> None:
        """Every batch is committed; the index's small segments are being merged (seconds each)."""
        self._move("merging", self._count, self._size, force=True)

    def committed(self) -> None:
        """The batch is done (committed, or had nothing to commit)."""
        self._move("committed", self._count, self._size, force=True)

    def _move(self, phase: Phase, documents: float, size: float, force: bool = False) -> None:
        """``documents`` and ``size`` bytes into the batch (counted as in the module's docstring);
        an event if it is time for one."""
        self.done = max(self.done, self._start + int(documents))
        self.bytes = max(self.bytes, self._start_bytes + int(size))
        now = self._clock()
        if not force and now - self._last < INTERVAL:
            return
        self._last = now
        self._emit(
            {
                "event": "progress",
                "phase": phase,
                "done": self.done,
                "total": self.total,
                "bytes": self.bytes,
                "total_bytes": self.total_bytes,
            }
        )
