"""A forked helper that writes a second segment beside the main writer.

Indexing is CPU-bound Python; with two or more processors, half the text goes to a child that
writes its own segment and sends back its name and vocabulary. A failure or a kill in either
leaves no commit, so the index stays as it was.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

from whoosh import index

from tui.core.search.whoosh import FOLDER
from tui.core.search.whoosh.codec import FastWriter, add_all


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def share_documents(documents: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split the documents in two runs of about the same amount of body text."""
    half = sum(len(d["body"]) for d in documents) / 2
    written = 0
    for i, fields_ in enumerate(documents):
        if written >= half:
            return documents[:i], documents[i:]
        written += len(fields_["body"])
    return documents, []


class SegmentHelper:
    """A forked process writing one segment of documents beside the main writer.

    Whoosh's own ``procs`` option pickles every document to a file for its worker processes
    and uses Whoosh's slow writer there; a fork shares the documents as they are. The parent
    keeps the index lock and commits the helper's segment with its own (as Whoosh's
    multi-segment writer does).
    """

    def __init__(self, folder: Path, documents: list[dict[str, Any]]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # else the child flushes a copy when it ends
            stream.flush()
        self._pipe, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=write_segment_apart, args=(folder, documents, child_end), daemon=True
        )
        frozen_before = gc.get_freeze_count()
        gc.freeze()  # the collector in the child leaves the objects it shares alone: no copies
        try:
            self._process.start()
        finally:
            if not frozen_before:  # (what someone else froze stays frozen)
                gc.unfreeze()
        child_end.close()

    def result(self) -> tuple[Any, set[str]]:
        """The helper's finished segment and vocabulary; raises what went wrong in the helper."""
        try:
            status, payload = self._pipe.recv()
        except EOFError:
            status, payload = "error", f"it ended with exit code {self._process.exitcode}"
        self._process.join()
        if status != "ok":
            raise RuntimeError(f"indexing helper process failed: {payload}")
        segment, vocabulary = payload
        return segment, vocabulary

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def write_segment_apart(folder: Path, documents: list[dict[str, Any]], pipe: Any) -> None:
    """The helper process: write ``documents`` as a new segment, send it back, never commit."""
    try:
        writer = FastWriter(index.open_dir(str(folder / FOLDER)), _lk=False)
        vocabulary = add_all(writer, documents)
        pipe.send(("ok", (writer._finalize_segment(), vocabulary)))
    except BaseException as error:
        pipe.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        pipe.close()
