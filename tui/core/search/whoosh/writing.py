"""Writing a Whoosh index: create, check, collect an interrupted run's files, and commit.

``write`` is one commit of deletions and additions; with two processors a forked helper
(``parallel``) writes a second segment from half the text while this process writes the first.
Any damage found while opening is ``IndexUnavailable``, so the indexer rebuilds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import index

from tui.core.faults import checkpoint
from tui.core.search.types import IndexUnavailable
from tui.core.search.whoosh import FOLDER
from tui.core.search.whoosh.codec import FastWriter, add_all
from tui.core.search.whoosh.parallel import SegmentHelper, can_fork, share_documents
from tui.core.search.whoosh.schema import make_schema


def create(folder: Path) -> None:
    """Create an empty index in ``folder/whoosh``, replacing whatever was there."""
    target = folder / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if old.is_file():
            old.unlink()
    index.create_in(str(target), make_schema())


def collect_garbage(folder: Path) -> None:
    """Delete the files no generation uses: segments and tables of contents of a killed run."""
    try:
        ix = index.open_dir(str(folder / FOLDER))
        toc = ix._read_toc()
        index.clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
    except Exception as error:  # damage: the caller's check reports it
        raise IndexUnavailable(f"{type(error).__name__}: {error}") from error


def stored_entries(folder: Path) -> list[tuple[str, str]]:
    """(id, catalog record) of every document in the index, to rebuild a lost catalog."""
    try:
        ix = index.open_dir(str(folder / FOLDER))
        with ix.reader() as reader:
            return [(str(stored["id"]), str(stored["record"])) for _, stored in reader.iter_docs()]
    except Exception as error:  # any damage surfaces as a different exception type
        raise IndexUnavailable(f"{type(error).__name__}: {error}") from error


def check(folder: Path) -> int:
    """Open the index and read its segments; the document count, or IndexUnavailable."""
    try:
        ix = index.open_dir(str(folder / FOLDER))
        with ix.reader() as reader:
            count = int(reader.doc_count())
            for _ in reader.iter_docs():  # touches the stored fields of every segment
                break
        return count
    except Exception as error:  # any damage surfaces as a different exception type
        raise IndexUnavailable(f"{type(error).__name__}: {error}") from error


def write(
    folder: Path,
    remove: Iterable[str],
    add: Sequence[Any],
    procs: int = 1,
    merge: bool = True,
    notes: Callable[[Any], tuple[str, tuple[str, ...]]] | None = None,
    records: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> set[str]:
    """One commit: delete ``remove`` ids, then add (or replace) the ``add`` documents.

    ``notes`` gives a document's annotation notes and tags, indexed with it (``note:``, ``tag:``).
    ``records`` holds each added document's catalog entry (JSON), stored with it.
    With ``procs`` > 1, a forked process writes a second segment from about half the text.
    ``progress`` hears how many documents are analysed so far, after each (with a helper, this
    process's count scaled to all of them: the helper has about as much text to get through).
    Returns the vocabulary (``vocabulary_of``) of the added documents.
    """
    writer = FastWriter(index.open_dir(str(folder / FOLDER)))
    helper: SegmentHelper | None = None
    try:
        for doc_id in remove:
            writer.delete_by_term("id", doc_id)
        documents = [
            fields_of(doc, *(notes(doc) if notes else ("", ())), (records or {}).get(doc.id)) for doc in add
        ]
        mine, theirs = share_documents(documents) if procs > 1 and can_fork() else (documents, [])
        helper = SegmentHelper(folder, theirs) if theirs else None
        vocabulary = add_all(writer, mine, _scaled(progress, len(documents), len(mine)))
        theirs_done: list[Any] = []
        if helper is not None and merge:  # a merge's memory never on top of the helper's
            theirs_done.append(helper.result())
        segments = writer.write_segment(merge)  # else while the helper may still write its own
        if helper is not None:
            segment, more = theirs_done[0] if theirs_done else helper.result()
            segments.append(segment)
            vocabulary |= more
    except BaseException:
        if helper is not None:
            helper.stop()
        writer.cancel()
        raise
    writer.commit_segments(segments)
    return vocabulary


def tidy(folder: Path, merging: Callable[[], None] = lambda: None) -> bool:
    """One commit that merges the small segments a run left (``merging.merge_tidy``), told to
    ``merging`` first; whether there were any (the caller asks again until there are none).
    Nothing is opened for writing when there are none: a writer that commits nothing leaves
    files no commit names."""
    from tui.core.search.whoosh.merging import merge_tidy, tidy_choice

    ix = index.open_dir(str(folder / FOLDER))
    if not tidy_choice(ix.storage, ix._segments()):
        return False
    merging()
    writer = FastWriter(ix)
    try:
        segments = writer.write_segment(policy=merge_tidy)
        checkpoint("tidy-commit")
    except BaseException:
        writer.cancel()
        raise
    writer.commit_segments(segments)
    return True


def _scaled(progress: Callable[[int], None] | None, total: int, mine: int) -> Callable[[int], None] | None:
    """``progress`` told of ``total`` documents when this process analyses ``mine`` of them."""
    if progress is None or mine == total:
        return progress
    return lambda count: progress(count * total // mine)


def record_of(doc: Any) -> str:
    """The least record a document is stored with when no catalog entry is given for it: what a
    hit shows and checks that is stored nowhere else (``searcher.FROM_RECORD``)."""
    kept = {"path": str(doc.path), "source": doc.source, "sha256": doc.sha256, "size": doc.size}
    return json.dumps({**kept, "mtime_ns": doc.mtime_ns}, ensure_ascii=False)


def fields_of(doc: Any, note: str, labels: tuple[str, ...], record: str | None = None) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title": doc.title,
        "title_sort": doc.title.casefold()[:200],
        "body": doc.text,
        "tags": ",".join(dict.fromkeys((*doc.tags, *labels))),
        "note": note,
        "date": datetime.fromisoformat(doc.date),
        "language": doc.language.lower(),
        "record": record or record_of(doc),  # the path, source, sha256, size and mtime_ns: there alone
    }
