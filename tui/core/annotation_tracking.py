"""Annotations stay with their document: found again when it moved, re-anchored when it changed.

``open_annotations`` is what a reader calls when it opens a document: it finds the document's
file (or the file of a document that moved: same content hash, else same title and quotes),
re-anchors every annotation when the text changed since the last visit, and writes the new
offsets back. ``corpus_annotations`` does the same for every annotated document of a corpus and
keeps listing the annotations of documents that vanished. Apart from the store because this is
policy over documents (what counts as moved, what is kept), not how files are read and written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tui.core.anchoring import reanchor_all
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, AnnotationSet, DocumentRef, DocumentStatus, ordered


@dataclass(frozen=True)
class Opened:
    """What ``open_annotations`` found for a document."""

    annotations: AnnotationSet
    moved_from: str | None = None
    """The old path, when the annotations were found through a moved or renamed document."""
    reanchored: dict[str, int] = field(default_factory=dict)
    """How many annotations ended up in each status, when the text had changed."""


def open_annotations(store: AnnotationStore, document: DocumentRef, text: str) -> Opened:
    """The annotations of a document, found again if it moved and re-anchored if it changed."""
    current = store.load(document.path)
    moved_from = None
    if current is None:
        old = find_moved(store, document, text)
        if old is None:
            return Opened(AnnotationSet(document))
        moved_from = old.document.path
        # Adopted as the text it was anchored to, so a document both moved and edited re-anchors below.
        adopted = replace(document, sha256=old.document.sha256)
        try:
            current = store.adopt(old, adopted)
        except OSError as error:
            reason = error.strerror or error
            store.problems.append(f"the annotations of {document.id} could not be moved ({reason})")
            current = AnnotationSet(adopted, old.annotations)
    if current.document.sha256 == document.sha256 and current.document == document:
        return Opened(current, moved_from)
    statuses: dict[str, int] = {}

    def refresh(items: list[Annotation]) -> list[Annotation]:
        statuses.clear()
        items = sorted(items, key=lambda a: (a.start, a.end))
        found = reanchor_all([a.target for a in items], text)
        for _, status in found:
            statuses[status] = statuses.get(status, 0) + 1
        return [replace(a, target=t, anchor=s) for a, (t, s) in zip(items, found, strict=True)]

    same_text = current.document.sha256 == document.sha256  # new path or title: no re-anchoring
    change = list if same_text else refresh
    try:
        result = store.transact(document, change)
    except OSError as error:  # a read-only or full data folder: show them, save another time
        store.problems.append(
            f"the annotations of {document.id} could not be saved ({error.strerror or error}); "
            "they are shown as found now and kept as they were on disk"
        )
        result = AnnotationSet(document, ordered(change(list(current.annotations))))
    return Opened(result, moved_from, {} if same_text else dict(statuses))


def find_moved(store: AnnotationStore, document: DocumentRef, text: str) -> AnnotationSet | None:
    """The annotations of a document that is gone from its old path and is now ``document``.

    The same text (sha256) is the surest sign; else the same title with at least half of the
    quotes still in the text.
    """
    gone = [s for s in store.summaries() if s.document.path != document.path and not _exists(s.document.path)]
    for candidate in gone:
        if candidate.document.sha256 == document.sha256:
            return candidate
    for candidate in gone:
        if candidate.document.title and candidate.document.title == document.title and candidate.annotations:
            found = sum(1 for a in candidate.annotations if a.target.exact and a.target.exact in text)
            if found * 2 >= len(candidate.annotations):
                return candidate
    return None


def _exists(path: str) -> bool:
    try:
        return Path(path).exists()
    except OSError:
        return False


def corpus_annotations(
    store: AnnotationStore,
    documents: Iterable[DocumentRef],
    read_text: Callable[[DocumentRef], str | None],
    roots: Sequence[Path] = (),
) -> list[AnnotationSet]:
    """The annotations of every document of a corpus that has some, current with its text.

    Files whose document changed are re-anchored (``read_text`` gives the text); files of
    documents that moved are found by content hash or by title and quotes, and adopted. With
    ``roots`` (the corpus's folders, or files given directly), the files of documents under them
    that are no longer in ``documents`` are included too, marked ``missing`` or ``unreadable``
    and left exactly as they are: a document that vanished never takes its annotations with it.
    """
    documents = list(documents)
    summaries = store.summaries()
    by_path = {s.document.path: s for s in summaries}
    gone = [s for s in summaries if not _exists(s.document.path)]
    found: list[AnnotationSet] = []
    adopted: set[str] = set()
    for document in documents:
        current = by_path.get(document.path)
        if current is not None and current.document == document:
            found.append(current if _exists(document.path) else replace(current, document_status="missing"))
            continue
        maybe_moved = any(
            s.document.sha256 == document.sha256 or (s.document.title and s.document.title == document.title)
            for s in gone
        )
        if current is None and not maybe_moved:
            continue
        text = read_text(document)
        if text is None:
            if current is not None:
                found.append(replace(current, document_status=_unavailable(document.path)))
            continue
        opened = open_annotations(store, document, text)
        if opened.moved_from is not None:
            adopted.add(opened.moved_from)
        if opened.annotations.annotations:
            found.append(opened.annotations)
    known = {d.path for d in documents} | adopted
    for summary in summaries:
        path = summary.document.path
        if summary.annotations and path not in known and _within(path, roots):
            found.append(replace(summary, document_status=_status_outside(summary, read_text)))
    return found


def _status_outside(found: AnnotationSet, read_text: Callable[[DocumentRef], str | None]) -> DocumentStatus:
    """The status of a document not in the corpus's list: gone, unreadable (skipped by the
    indexer), or there and readable (listed as it was stored: the index has not caught up yet)."""
    if not _exists(found.document.path):
        return "missing"
    return "present" if read_text(found.document) is not None else "unreadable"


def _unavailable(path: str) -> DocumentStatus:
    return "unreadable" if _exists(path) else "missing"


def _within(path: str, roots: Sequence[Path]) -> bool:
    """Whether a document path lies under one of the corpus's folders (or is one of its files)."""
    try:
        return any(Path(path).is_relative_to(root) for root in roots)
    except (ValueError, OSError):
        return False
