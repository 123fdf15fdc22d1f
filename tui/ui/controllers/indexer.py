"""The indexer child process as the reading room runs it: started, followed, stopped for good.

The index has one writer, a child process (``tui.core.indexer``). This client starts it in an
async worker of the screen and turns each line it prints into an ``IndexerEvent`` for the
screen; ``follow`` then reads an event into the corpus state, the status line and the user's
notifications, and tells the screen what it means for the rest (a commit: read the catalog and
search again). A run asked for while one is going (notes changed) starts when it ends.

``stop`` kills a child still running and waits until it and its pipes are done: a child left to
be reaped after the event loop closed is what made asyncio warn "Event loop is closed" when an
app (a Pilot test, say) quit mid-run.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any, Literal

from textual.screen import Screen

from tui.core.library import Library
from tui.ui.controllers.listing import Corpus
from tui.ui.messages import IndexerEvent
from tui.ui.widgets.status_bar import StatusBar
from tui.ui.wording import counted

READ_LIMIT = 1 << 24
"""Longest line read from the child (an event listing many skipped files is long)."""
Outcome = Literal["commit", "done"] | None
PHASES = {"committing": " · committing", "merging": " · merging segments"}
"""What the status line adds to the count for a phase of the run."""
"""What an event means for the rest of the screen: the index holds more (``commit``), the run
ended (``done``), or nothing to do."""


class IndexerClient:
    """Runs the indexer for one screen, one run at a time, and follows its progress."""

    def __init__(self, screen: Screen[Any], library: Library, corpus: Corpus) -> None:
        self._screen = screen
        self._library = library
        self.corpus = corpus
        self._child: asyncio.subprocess.Process | None = None
        self._pending = False
        self._merging = ""
        """The status while the run's last step merges segments (kept through its commits)."""

    @property
    def running(self) -> bool:
        """Whether a child is running now."""
        return self._child is not None and self._child.returncode is None

    def start(self, rebuild: bool = False) -> None:
        """Start a run (``rebuild``: from scratch); its events come to the screen as messages."""
        self.corpus.indexing = True
        self._screen.run_worker(self._run(rebuild), exclusive=True, group="indexer")

    def request(self) -> None:
        """Bring the index up to date (notes and tags changed, or changes the watcher missed): now,
        or when this run ends."""
        if self.corpus.indexing:
            self._pending = True
        else:
            self.start()

    async def _run(self, rebuild: bool) -> None:
        post = self._screen.post_message
        try:
            child = await asyncio.create_subprocess_exec(
                *self._library.update_command(rebuild),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                limit=READ_LIMIT,
            )
        except OSError as error:
            post(IndexerEvent({"event": "error", "message": str(error)}))
            return
        assert child.stdout is not None and child.stderr is not None
        self._child = child
        finished = False
        from tui.core.indexer_client import parse_event

        try:
            while line := await child.stdout.readline():
                event = parse_event(line.decode("utf-8", "replace"))
                if event is not None:
                    finished = finished or event["event"] in ("done", "error")
                    post(IndexerEvent(event))
            errors = (await child.stderr.read()).decode("utf-8", "replace").strip()
            code = await child.wait()
        finally:
            if child.returncode is None:  # the app is closing mid-run: the next start resumes
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
                await child.wait()
        if self._child is child:
            self._child = None
        if not finished:
            detail = errors.splitlines()[-1] if errors else f"exit code {code}"
            post(IndexerEvent({"event": "error", "message": f"indexer stopped: {detail}"}))

    async def stop(self) -> None:
        """Kill a running child and wait until it has exited (the next start resumes its work)."""
        child = self._child
        if child is None:
            return
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
        # Read its pipes to their end too: the transport closes once they are, and a transport
        # left open is closed by the garbage collector, on a loop that may be gone by then.
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                with contextlib.suppress(RuntimeError, ValueError, OSError):  # the run reads it itself
                    await pipe.read()
        await child.wait()
        await asyncio.sleep(0)  # the transport's own clean-up is scheduled, not run, by the exit

    # ------------------------------------------------------------------ following a run

    @property
    def _status(self) -> StatusBar:
        return self._screen.query_one(StatusBar)

    def show_status(self, state: str | None = None) -> None:
        """The corpus's size and the index's state in the status line."""
        corpus = self.corpus
        if state is None:
            state = self._merging if corpus.indexing else ""
            state = state or ("indexing…" if corpus.indexing else "index ready" if corpus.index_ready else "")
        first = corpus.first_screen
        count = counted(len(corpus.entries) or (first.count if first is not None else 0), "document")
        if corpus.empty:
            count = "no documents"  # the list says where it looked
        self._status.show_corpus(" · ".join(x for x in (count, state) if x))

    def follow(self, event: dict[str, Any]) -> Outcome:
        """Take one event of the child: state, status line, notifications; what it means."""
        kind = event["event"]
        status, corpus, notify = self._status, self.corpus, self._screen.notify
        if kind == "start" and event["total"]:
            status.show_progress(0, max(event["bytes"], 1))
            if event.get("rebuilt") and str(event["rebuilt"]).startswith(("index was", "index format")):
                notify(f"Rebuilding the index: {event['rebuilt']}", timeout=8)
        elif kind == "progress":
            status.show_progress(event["bytes"])
            phase = PHASES.get(event.get("phase", ""), "")
            text = f"indexing {event['done']:,}/{event['total']:,}{phase}"
            self._merging = text if event.get("phase") == "merging" else ""
            self.show_status(text)
        elif kind == "commit":
            corpus.index_ready = True
            return "commit"
        elif kind == "done":
            corpus.indexing, corpus.index_ready, self._merging = False, True, ""
            if self._pending:
                self._pending = False
                self.start()
            else:
                status.hide_progress()
            self.show_status()
            skipped = event["skipped"]
            if skipped:
                total = max(int(event.get("skipped_total", 0)), len(skipped))  # the first thousand are named
                reasons = "; ".join(f"{Path(s['path']).name}: {s['reason']}" for s in skipped[:3])
                more = f" (+{total - 3:,} more)" if total > 3 else ""
                notify(
                    f"Skipped {counted(total, 'file')}: {reasons}{more}",
                    severity="warning",
                    timeout=10,
                )
            return "done"
        elif kind == "error":
            corpus.indexing = False
            status.hide_progress()
            if event.get("index"):  # e.g. a read-only cache: the index as it was still answers
                corpus.index_ready = True
                self.show_status("index not updated")
                problem = f"The index could not be updated ({event['message']}): searching it as it is"
                notify(problem, severity="warning", timeout=15)
            else:
                self.show_status("index error")
                notify(f"Indexing failed: {event['message']}", severity="error", timeout=15)
        return None
