"""The annotation files: one YAML file per document, locked, written atomically, never lost.

One file per document under ``<data>/annotations/``, named after the document's path, with the
document's id, path, title and text sha256 and a list of annotations (design.md, section 2).

Every change is a transaction (``AnnotationStore.transact``): under a file lock the file is
re-read, the change applied to what is on disk *now*, and the result written atomically. So two
running lectern instances (or the app and the command line) editing one document lose nothing.
A file that does not parse is moved aside (``*.corrupt-<time>``) and reported; one with some
unreadable entries is copied aside before the readable ones are written back. Nothing is dropped.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from tui.core.annotation_format import (
    FORMAT_VERSION,
    AnnotationError,
    describe,
    file_text,
    flow,
    load_yaml,
    name_field,
    text_field,
)
from tui.core.annotations import Annotation, AnnotationSet, DocumentRef, ordered
from tui.core.storage import atomic_write_text, set_aside, sweep_stale_temps

MAX_FILE_CHARS = 64 * 1024 * 1024
"""Largest annotation file read or written: 2,000 annotations take about 1 MB; beyond this a file
is not lectern's (reading it could exhaust memory), so it is kept aside unread and reported."""
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
        self._uncopied: set[Path] = set()
        """Files read with unreadable entries that could not be copied aside: written over only
        once a copy is made, as a write keeps only the readable entries."""
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
                try:
                    with _file_lock(file):
                        if _signature(file) == signature:
                            self._write(file, loaded)
                            self._damaged.discard(file)
                except OSError as error:  # a read-only or full data folder: read, not repaired
                    self.problems.append(
                        f"annotation file {file.name} could not be repaired ({error.strerror or error}); "
                        "it is left as it is"
                    )
                    self._cache[file] = (signature, loaded)  # not parsed (and copied aside) again
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
            kept, _ = self._keep_aside(file, move=True)
            self.problems.append(f"annotation file {file.name} is damaged ({_reason(error)}); kept as {kept}")
            return None
        annotations, reasons = [], []
        for n, entry in enumerate(entries, 1):
            try:
                annotations.append(Annotation.from_dict(entry))
            except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as error:
                reasons.append(f"entry {n}: {_reason(error)}")
        if reasons and self.keep_aside:
            kept, copied = self._keep_aside(file, move=False)
            (self._damaged if copied else self._uncopied).add(file)
            why = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
            self.problems.append(
                f"{len(reasons)} annotation(s) in {file.name} could not be read ({why}); "
                f"the file was copied to {kept}"
            )
        return AnnotationSet(ref, ordered(annotations))

    def _keep_aside(self, file: Path, move: bool) -> tuple[str, bool]:
        """The name it is kept under (or why it is not), and whether it is."""
        try:
            return set_aside(file, copy=not move).name, True
        except OSError as error:
            return f"(could not be moved: {error.strerror or error}; left in place)", False

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
            if file in self._uncopied:  # OSError: the unreadable entries are kept nowhere else
                set_aside(file, copy=True)
                self._uncopied.discard(file)
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
