"""The user's highlights, notes and tags: the model and the store that never loses them.

One YAML file per document under ``<data>/annotations/``, named after the document's path, with
the document's id, path, title and text sha256 and a list of annotations (design.md, section 2).

Every change is a transaction (``AnnotationStore.transact``): under a file lock the file is
re-read, the change applied to what is on disk *now*, and the result written atomically. So two
running lectern instances (or the app and the command line) editing one document lose nothing.
A file that does not parse is moved aside (``*.corrupt-<time>``) and reported; one with some
unreadable entries is copied aside before the readable ones are written back. Nothing is dropped.
Every field of every entry is checked (``Annotation.from_dict``): a hand-edited or damaged entry
with an impossible offset (``1e400``, ``.nan``, a 40-digit number) or a value of the wrong type is
reported with its reason, never an exception that stops a command.

``open_annotations`` is what a reader calls when it opens a document: it finds the document's
file (or the file of a document that moved: same content hash, else same title and quotes),
re-anchors every annotation when the text changed since the last visit, and writes the new
offsets back.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import yaml

from tui.core.anchoring import STATUSES, Status, Target, reanchor_all, target_at
from tui.core.annotation_format import (
    FORMAT_VERSION,
    MAX_SHORT_CHARS,
    AnnotationError,
    clean_tags,
    describe,
    file_text,
    flow,
    load_yaml,
    name_field,
    offset_field,
    stamp_field,
    tags_field,
    text_field,
)
from tui.core.colors import COLORS
from tui.core.storage import atomic_write_text, set_aside, sweep_stale_temps

MAX_FILE_CHARS = 64 * 1024 * 1024
"""Largest annotation file read or written: 2,000 annotations take about 1 MB; beyond this a file
is not lectern's (reading it could exhaust memory), so it is kept aside unread and reported."""
DocumentStatus = Literal["present", "missing", "unreadable"]
"""Whether an annotation file's document is in the corpus, gone from its path, or cannot be read."""


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Annotation:
    """A highlight (empty note) or a note, with tags, on one passage."""

    id: str
    created: str
    modified: str
    color: str
    note: str
    tags: tuple[str, ...]
    target: Target
    anchor: Status = "anchored"
    """How the target was last found in the text: anchored, moved, fuzzy or orphaned."""
    sha256: str = ""
    """The sha256 of the document text when the annotation was made (provenance)."""
    annotator: str = ""
    """Who made it (``settings.annotator``, ``--as NAME``, or the login name); empty: made before
    lectern recorded annotators."""
    suggested: bool = False
    """Proposed by pre-annotation and not yet reviewed: accepted (``suggested`` dropped) or deleted."""

    @classmethod
    def create(
        cls,
        text: str,
        start: int,
        end: int,
        *,
        sha256: str,
        note: str = "",
        tags: Iterable[str] = (),
        color: str = COLORS[0],
        annotator: str = "",
        suggested: bool = False,
    ) -> Annotation:
        """A new annotation on ``text[start:end]``."""
        stamp = now()
        return cls(
            id=str(uuid.uuid4()),
            created=stamp,
            modified=stamp,
            color=color if color in COLORS else COLORS[0],
            note=note.strip(),
            tags=clean_tags(tags),
            target=target_at(text, start, end),
            sha256=sha256,
            annotator=annotator.strip(),
            suggested=suggested,
        )

    def edited(self, **changes: Any) -> Annotation:
        """A copy with ``changes`` applied and ``modified`` set to now."""
        if "tags" in changes:
            changes["tags"] = clean_tags(changes["tags"])
        if "note" in changes:
            changes["note"] = str(changes["note"]).strip()
        return replace(self, **changes, modified=now())

    @property
    def start(self) -> int:
        """Offset where the passage starts."""
        return self.target.start

    @property
    def end(self) -> int:
        """Offset where the passage ends (exclusive)."""
        return self.target.end

    def to_dict(self) -> dict[str, Any]:
        """The YAML form (design.md, section 2)."""
        t = self.target
        target: dict[str, Any] = {
            "exact": t.exact,
            "prefix": t.prefix,
            "suffix": t.suffix,
            "start": t.start,
            "end": t.end,
        }
        if t.original:  # only once re-anchoring found the passage edited: older files stay as they were
            target["original"] = t.original
        raw: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "modified": self.modified,
            "color": self.color,
            "note": self.note,
            "tags": list(self.tags),
            "target": target,
            "anchor": self.anchor,
            "sha256": self.sha256,
        }
        # written only when set, so files of annotations made without them stay byte for byte
        if self.annotator:
            raw["annotator"] = self.annotator
        if self.suggested:
            raw["suggested"] = True
        return raw

    @classmethod
    def from_dict(cls, raw: Any) -> Annotation:
        """Parse the YAML form; ``AnnotationError`` (with the reason) when it is not one.

        Small mistakes are repaired as before (a negative offset is 0, a reversed span empty, an
        unknown status ``anchored``); a value of the wrong type or an impossible offset is refused.
        """
        if not isinstance(raw, dict):
            raise AnnotationError(f"an annotation is {describe(raw)}, not a mapping")
        target = raw.get("target")
        if not isinstance(target, dict) or not isinstance(target.get("exact"), str):
            raise AnnotationError("an annotation has no target quote")
        start = offset_field(target, "start")
        end = max(start, offset_field(target, "end"))
        anchor = text_field(raw, "anchor", MAX_SHORT_CHARS) or "anchored"
        created = stamp_field(raw, "created")
        return cls(
            id=name_field(raw, "id") or str(uuid.uuid4()),
            created=created or now(),
            modified=stamp_field(raw, "modified") or created or now(),
            color=text_field(raw, "color", MAX_SHORT_CHARS) or COLORS[0],
            note=text_field(raw, "note"),
            tags=tags_field(raw.get("tags")),
            target=Target(
                exact=target["exact"],
                prefix=text_field(target, "prefix"),
                suffix=text_field(target, "suffix"),
                start=start,
                end=end,
                original=text_field(target, "original"),
            ),
            anchor=anchor if anchor in STATUSES else "anchored",  # type: ignore[arg-type]
            sha256=text_field(raw, "sha256", MAX_SHORT_CHARS),
            annotator=name_field(raw, "annotator").strip(),
            suggested=raw.get("suggested") is True,
        )


@dataclass(frozen=True)
class DocumentRef:
    """Which document a file of annotations belongs to."""

    id: str
    """The document's id in its corpus (its path relative to the corpus folder)."""
    path: str
    """The absolute path of the file when the annotations were last saved."""
    sha256: str
    """The sha256 of its text when the annotations were last anchored to it."""
    title: str


@dataclass(frozen=True)
class AnnotationSet:
    """One document's annotations, ordered by position."""

    document: DocumentRef
    annotations: tuple[Annotation, ...] = ()
    document_status: DocumentStatus = "present"
    """Set by ``corpus_annotations``: ``missing`` or ``unreadable`` when the document is gone from
    the corpus but its annotations are kept (and shown, marked)."""

    def get(self, annotation_id: str) -> Annotation | None:
        """The annotation with that id, if present."""
        return next((a for a in self.annotations if a.id == annotation_id), None)


@dataclass(frozen=True)
class Opened:
    """What ``open_annotations`` found for a document."""

    annotations: AnnotationSet
    moved_from: str | None = None
    """The old path, when the annotations were found through a moved or renamed document."""
    reanchored: dict[str, int] = field(default_factory=dict)
    """How many annotations ended up in each status, when the text had changed."""


def ordered(annotations: Iterable[Annotation]) -> tuple[Annotation, ...]:
    """Annotations sorted by position (orphans last), then by creation."""
    return tuple(sorted(annotations, key=lambda a: (a.anchor == "orphaned", a.start, a.end, a.created)))


FILE_SUFFIX = ".yaml"


def path_digest(absolute: str) -> str:
    """What ends the name of a document's annotation file (before ``FILE_SUFFIX``): 16 hex
    digits of the sha256 of its absolute path. The indexer matches names by it."""
    return hashlib.sha256(absolute.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class AnnotationStore:
    """The annotation files under one data folder; safe across threads and processes."""

    def __init__(self, folder: Path, keep_aside: bool = True) -> None:
        self.folder = folder
        self.keep_aside = keep_aside
        """Whether damaged files are moved aside (a read-only reader such as the indexer skips them)."""
        self.problems: list[str] = []
        """Damaged files found and kept aside, for the UI or CLI to report."""
        self._lock = threading.RLock()
        self._cache: dict[Path, tuple[tuple[int, int, int], AnnotationSet]] = {}
        self._lines: dict[str, tuple[Annotation, str]] = {}
        self._damaged: set[Path] = set()
        """Files read with unreadable entries (copied aside), whose readable part is to be written back."""
        self._swept = not keep_aside  # a read-only reader leaves even stale temp files alone

    @classmethod
    def under(cls, data: Path) -> AnnotationStore:
        """The store in a data folder (``<data>/annotations``)."""
        return cls(data / "annotations")

    def file_for(self, document_path: str | Path) -> Path:
        """The file that holds the annotations of the document at ``document_path``."""
        resolved = str(Path(document_path).absolute())
        stem = re.sub(r"[^\w.-]+", "_", Path(resolved).stem)[:40] or "document"
        return self.folder / f"{stem}-{path_digest(resolved)}{FILE_SUFFIX}"

    # ------------------------------------------------------------------ reading

    def load(self, document_path: str | Path) -> AnnotationSet | None:
        """The annotations of the document at that path, or None when it has none."""
        return self._read(self.file_for(document_path))

    def summaries(self) -> list[AnnotationSet]:
        """Every annotation file in the store (re-read only the files that changed)."""
        self._sweep()
        try:
            files = sorted(p for p in self.folder.glob("*.yaml") if not p.name.startswith("."))
        except OSError:
            return []
        found = [self._read(f) for f in files]
        return [s for s in found if s is not None]

    def _sweep(self) -> None:
        """Once per store: remove the temp files of writers killed mid-save (only stale ones)."""
        with self._lock:
            if not self._swept:
                self._swept = True
                sweep_stale_temps(self.folder)

    def _read(self, file: Path, repair: bool = True) -> AnnotationSet | None:
        self._sweep()
        with self._lock:
            signature = _signature(file)
            if signature is None:
                self._cache.pop(file, None)
                return None
            cached = self._cache.get(file)
            if cached is not None and cached[0] == signature:
                return cached[1]
            loaded = self._parse(file)
            if loaded is None:
                return None
            if file in self._damaged and repair:  # write back the readable entries (a copy is kept)
                with _file_lock(file):
                    if _signature(file) == signature:
                        self._write(file, loaded)
                        self._damaged.discard(file)
                return loaded
            self._cache[file] = (signature, loaded)
            return loaded

    def _parse(self, file: Path) -> AnnotationSet | None:
        try:
            ref, entries = _header(load_yaml(_read_capped(file)))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, ValueError, TypeError, RecursionError, yaml.YAMLError) as error:
            if not self.keep_aside:
                return None
            kept = self._keep_aside(file, move=True)
            self.problems.append(f"annotation file {file.name} is damaged ({_reason(error)}); kept as {kept}")
            return None
        annotations, reasons = [], []
        for n, entry in enumerate(entries, 1):
            try:
                annotations.append(Annotation.from_dict(entry))
            except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as error:
                reasons.append(f"entry {n}: {_reason(error)}")
        if reasons and self.keep_aside:
            self._damaged.add(file)
            kept = self._keep_aside(file, move=False)
            why = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
            self.problems.append(
                f"{len(reasons)} annotation(s) in {file.name} could not be read ({why}); "
                f"the file was copied to {kept}"
            )
        return AnnotationSet(ref, ordered(annotations))

    def _keep_aside(self, file: Path, move: bool) -> str:
        try:
            return set_aside(file, copy=not move).name
        except OSError as error:
            return f"(could not be moved: {error.strerror or error}; left in place)"

    # ------------------------------------------------------------------ writing

    def transact(
        self, document: DocumentRef, change: Callable[[list[Annotation]], Iterable[Annotation]]
    ) -> AnnotationSet:
        """Apply ``change`` to the document's annotations as they are on disk now, and save.

        The file is re-read under a lock shared with other processes, so concurrent writers
        each see the other's work. Returns what was written.
        """
        file = self.file_for(document.path)
        with self._lock, _file_lock(file):
            current = self._read(file, repair=False)
            before = list(current.annotations) if current else []
            after = ordered(change(list(before)))
            same = current is not None and tuple(before) == after and current.document == document
            if current is not None and same and file not in self._damaged:
                return current
            self._damaged.discard(file)
            result = AnnotationSet(document, after)
            if after or current is not None:
                self._write(file, result)
            return result

    def save(self, document: DocumentRef, annotation: Annotation) -> AnnotationSet:
        """Add or replace one annotation (by id)."""
        return self.transact(
            document, lambda items: [a for a in items if a.id != annotation.id] + [annotation]
        )

    def delete(self, document: DocumentRef, annotation_id: str) -> AnnotationSet:
        """Remove one annotation (by id); the caller keeps it for undo."""
        return self.transact(document, lambda items: [a for a in items if a.id != annotation_id])

    def _write(self, file: Path, content: AnnotationSet) -> None:
        doc = content.document
        head = {"id": doc.id, "path": doc.path, "sha256": doc.sha256, "title": doc.title}
        text = file_text(head, [self._line(a) for a in content.annotations])
        if len(text) > MAX_FILE_CHARS:  # what lectern writes, it must be able to read back
            raise OSError(errno.EFBIG, f"the annotations of {doc.id} would exceed {_CAP}")
        atomic_write_text(file, text)
        signature = _signature(file)
        if signature is not None:
            self._cache[file] = (signature, content)

    def _line(self, annotation: Annotation) -> str:
        """The file line of an annotation, encoded once: a save re-encodes only what changed."""
        cached = self._lines.get(annotation.id)
        if cached is not None and cached[0] == annotation:
            return cached[1]
        line = f"- {flow(annotation.to_dict())}\n"
        self._lines[annotation.id] = (annotation, line)
        return line

    def adopt(self, old: AnnotationSet, document: DocumentRef) -> AnnotationSet:
        """Move the annotations of a document that moved to its new path (new file first)."""
        moved = self.transact(document, lambda items: _merge_by_id(items, old.annotations))
        old_file = self.file_for(old.document.path)
        if old_file != self.file_for(document.path):
            with self._lock, _file_lock(old_file):
                old_file.unlink(missing_ok=True)
                self._cache.pop(old_file, None)
        return moved


def _read_capped(file: Path) -> str:
    """The file's text, refusing (unread) one larger than ``MAX_FILE_CHARS``."""
    with open(file, encoding="utf-8") as handle:
        text = handle.read(MAX_FILE_CHARS + 1)
    if len(text) > MAX_FILE_CHARS:
        raise AnnotationError(f"larger than {_CAP}; not read")
    return text


_CAP = f"{MAX_FILE_CHARS // (1024 * 1024)} million characters"


def _header(raw: Any) -> tuple[DocumentRef, list[Any]]:
    """The document a parsed file belongs to, and its entries; ``AnnotationError`` if it is not one."""
    if not isinstance(raw, dict) or not isinstance(raw.get("document"), dict):
        raise AnnotationError("not a lectern annotation file")
    version = raw.get("version", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise AnnotationError(f"version is {describe(version)}, not a number")
    if version > FORMAT_VERSION:
        raise AnnotationError(f"written by a newer lectern (format {describe(version)})")
    doc = raw["document"]
    ref = DocumentRef(
        id=name_field(doc, "id"),
        path=text_field(doc, "path"),
        sha256=text_field(doc, "sha256"),
        title=text_field(doc, "title"),
    )
    entries = raw.get("annotations") or []
    if not isinstance(entries, list):
        raise AnnotationError("'annotations' is not a list")
    return ref, entries


def _merge_by_id(current: Sequence[Annotation], incoming: Iterable[Annotation]) -> list[Annotation]:
    merged = {a.id: a for a in current}
    for annotation in incoming:
        mine = merged.get(annotation.id)
        if mine is None or annotation.modified >= mine.modified:
            merged[annotation.id] = annotation
    return list(merged.values())


def _signature(file: Path) -> tuple[int, int, int] | None:
    try:
        stat = file.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _reason(error: BaseException) -> str:
    """One line saying what was wrong: for YAML, the problem and where (not the context before it)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem:
        mark = error.problem_mark
        return (error.problem + (f" at line {mark.line + 1}" if mark is not None else ""))[:160]
    return (str(error).splitlines() or [type(error).__name__])[0][:160]


@contextlib.contextmanager
def _file_lock(file: Path) -> Iterator[None]:
    """An exclusive lock beside ``file``, shared by every process (POSIX ``flock``)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: os.replace keeps each write whole; merging is best effort
        yield
        return
    with open(file.with_name(f".{file.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- opening a document


def reference(doc_id: str, path: str | Path, sha256: str, title: str) -> DocumentRef:
    """The reference for a document as it is now."""
    return DocumentRef(id=doc_id, path=str(Path(path).absolute()), sha256=sha256, title=title)


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


def rename_tag(store: AnnotationStore, sets: Iterable[AnnotationSet], old: str, new: str) -> int:
    """Rename ``old`` to ``new`` on every annotation of these files; the number of annotations changed.

    Renaming to a tag already used merges the two; renaming to '' removes the tag.
    """
    changed = 0

    def rename(items: list[Annotation]) -> list[Annotation]:
        nonlocal changed
        renamed = []
        for annotation in items:
            if old in annotation.tags:
                changed += 1
                renamed.append(annotation.edited(tags=[new if t == old else t for t in annotation.tags]))
            else:
                renamed.append(annotation)
        return renamed

    for found in sets:
        if any(old in a.tags for a in found.annotations):
            store.transact(found.document, rename)
    return changed
