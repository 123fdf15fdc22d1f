"""The user's highlights, notes and tags: the model and the store that never loses them.

One YAML file per document under ``<data>/annotations/``, named after the document's path, with
the document's id, path, title and text sha256 and a list of annotations (design.md, section 2).

Every change is a transaction (``AnnotationStore.transact``): under a file lock the file is
re-read, the change applied to what is on disk *now*, and the result written atomically. So two
running lectern instances (or the app and the command line) editing one document lose nothing.
A file that does not parse is moved aside (``*.corrupt-<time>``) and reported; one with some
unreadable entries is copied aside before the readable ones are written back. Nothing is dropped.

``open_annotations`` is what a reader calls when it opens a document: it finds the document's
file (or the file of a document that moved: same content hash, else same title and quotes),
re-anchors every annotation when the text changed since the last visit, and writes the new
offsets back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from tui.core.anchoring import STATUSES, Status, Target, reanchor_all, target_at
from tui.core.storage import atomic_write_text, set_aside

FORMAT_VERSION = 1
COLORS = ("yellow", "green", "blue", "pink", "orange")
"""The fixed highlight palette; users name the colours in their settings."""
FOLDER = "annotations"

HEADER = "# lectern annotations: YAML, one annotation a line (JSON-style flow mappings, fast to read)\n"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's build of SafeLoader
_NOT_YAML_PRINTABLE = re.compile(  # and the characters YAML or str.splitlines take as line breaks
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags trimmed, inner whitespace folded, empty ones and duplicates dropped, order kept."""
    cleaned = (" ".join(str(t).replace(",", " ").split()) for t in tags)
    return tuple(dict.fromkeys(t for t in cleaned if t))


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
        return {
            "id": self.id,
            "created": self.created,
            "modified": self.modified,
            "color": self.color,
            "note": self.note,
            "tags": list(self.tags),
            "target": {
                "exact": t.exact,
                "prefix": t.prefix,
                "suffix": t.suffix,
                "start": t.start,
                "end": t.end,
            },
            "anchor": self.anchor,
            "sha256": self.sha256,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> Annotation:
        """Parse the YAML form; ValueError (with the reason) when it is not one."""
        if not isinstance(raw, dict):
            raise ValueError("an annotation is not a mapping")
        target = raw.get("target")
        if not isinstance(target, dict) or not isinstance(target.get("exact"), str):
            raise ValueError("an annotation has no target quote")
        start = max(0, int(target.get("start", 0)))
        end = max(start, int(target.get("end", 0)))
        anchor = str(raw.get("anchor") or "anchored")
        tags = raw.get("tags") or []
        return cls(
            id=str(raw.get("id") or uuid.uuid4()),
            created=_timestamp(raw.get("created")) or now(),
            modified=_timestamp(raw.get("modified")) or _timestamp(raw.get("created")) or now(),
            color=str(raw.get("color") or COLORS[0]),
            note=str(raw.get("note") or ""),
            tags=clean_tags(tags if isinstance(tags, list) else [str(tags)]),
            target=Target(
                exact=target["exact"],
                prefix=str(target.get("prefix") or ""),
                suffix=str(target.get("suffix") or ""),
                start=start,
                end=end,
            ),
            anchor=anchor if anchor in STATUSES else "anchored",  # type: ignore[arg-type]
            sha256=str(raw.get("sha256") or ""),
        )


def _timestamp(value: object) -> str:
    """ISO 8601 text for a time as YAML may have parsed it (unquoted: a datetime or a date)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.isoformat(timespec="seconds")
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).isoformat(timespec="seconds")
    return str(value) if value else ""


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

    @classmethod
    def under(cls, data: Path) -> AnnotationStore:
        """The store in a data folder (``<data>/annotations``)."""
        return cls(data / FOLDER)

    def file_for(self, document_path: str | Path) -> Path:
        """The file that holds the annotations of the document at ``document_path``."""
        resolved = str(Path(document_path).absolute())
        digest = hashlib.sha256(resolved.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        stem = re.sub(r"[^\w.-]+", "_", Path(resolved).stem)[:40] or "document"
        return self.folder / f"{stem}-{digest}.yaml"

    # ------------------------------------------------------------------ reading

    def load(self, document_path: str | Path) -> AnnotationSet | None:
        """The annotations of the document at that path, or None when it has none."""
        return self._read(self.file_for(document_path))

    def summaries(self) -> list[AnnotationSet]:
        """Every annotation file in the store (re-read only the files that changed)."""
        try:
            files = sorted(p for p in self.folder.glob("*.yaml") if not p.name.startswith("."))
        except OSError:
            return []
        found = [self._read(f) for f in files]
        return [s for s in found if s is not None]

    def _read(self, file: Path, repair: bool = True) -> AnnotationSet | None:
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
            raw = load_yaml(file.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or not isinstance(raw.get("document"), dict):
                raise ValueError("not a lectern annotation file")
            if int(raw.get("version", FORMAT_VERSION)) > FORMAT_VERSION:
                raise ValueError(f"written by a newer lectern (format {raw['version']})")
            doc = raw["document"]
            ref = DocumentRef(
                id=str(doc.get("id", "")),
                path=str(doc.get("path", "")),
                sha256=str(doc.get("sha256", "")),
                title=str(doc.get("title", "")),
            )
            entries = raw.get("annotations") or []
            if not isinstance(entries, list):
                raise ValueError("'annotations' is not a list")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, ValueError, TypeError, yaml.YAMLError) as error:
            if not self.keep_aside:
                return None
            kept = self._keep_aside(file, move=True)
            self.problems.append(f"annotation file {file.name} is damaged ({_reason(error)}); kept as {kept}")
            return None
        annotations, bad = [], 0
        for entry in entries:
            try:
                annotations.append(Annotation.from_dict(entry))
            except (ValueError, TypeError, KeyError):
                bad += 1
        if bad and self.keep_aside:
            self._damaged.add(file)
            kept = self._keep_aside(file, move=False)
            self.problems.append(
                f"{bad} annotation(s) in {file.name} could not be read; the file was copied to {kept}"
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
        atomic_write_text(file, _file_text(head, [self._line(a) for a in content.annotations]))
        signature = _signature(file)
        if signature is not None:
            self._cache[file] = (signature, content)

    def _line(self, annotation: Annotation) -> str:
        """The file line of an annotation, encoded once: a save re-encodes only what changed."""
        cached = self._lines.get(annotation.id)
        if cached is not None and cached[0] == annotation:
            return cached[1]
        line = f"- {_flow(annotation.to_dict())}\n"
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


def dump_yaml(payload: dict[str, Any]) -> str:
    """The file text: YAML whose values are JSON-style flow collections, one annotation a line.

    Every JSON value is a valid YAML flow value once the characters YAML does not allow raw are
    escaped, so any YAML tool reads the file, while ``load_yaml`` reads it line by line with the
    json module: 2,000 annotations save and load in milliseconds instead of a quarter second.
    """
    return _file_text(payload["document"], [f"- {_flow(a)}\n" for a in payload["annotations"]])


def _file_text(document: dict[str, Any], lines: list[str]) -> str:
    head = f"{HEADER}version: {FORMAT_VERSION}\ndocument: {_flow(document)}\n"
    return head + ("annotations:\n" if lines else "annotations: []\n") + "".join(lines)


def _flow(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def load_yaml(text: str) -> Any:
    """Parse an annotation file: the fast line reader for files lectern wrote, else YAML.

    Either way no YAML tag is honoured: the fallback is libyaml's SafeLoader (``safe_load``).
    """
    fast = _load_lines(text)
    return fast if fast is not None else yaml.load(text, Loader=_Loader)


def _load_lines(text: str) -> dict[str, Any] | None:
    lines = text.rstrip("\n").split("\n")
    if len(lines) < 4 or lines[0] != HEADER.rstrip("\n"):
        return None
    try:
        version = int(lines[1].removeprefix("version: "))
        if not lines[2].startswith("document: ") or lines[3] not in ("annotations:", "annotations: []"):
            return None
        document = json.loads(lines[2].removeprefix("document: "))
        entries = [json.loads(line[2:]) for line in lines[4:] if line.startswith("- ")]
    except ValueError:
        return None
    if len(entries) != sum(1 for line in lines[4:] if line.strip()):
        return None
    return {"version": version, "document": document, "annotations": entries}


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
        current = store.adopt(old, replace(document, sha256=old.document.sha256))
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

    if current.document.sha256 == document.sha256:  # same text, new path or title: no re-anchoring
        return Opened(store.transact(document, list), moved_from)
    result = store.transact(document, refresh)
    return Opened(result, moved_from, dict(statuses))


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
    store: AnnotationStore, documents: Iterable[DocumentRef], read_text: Callable[[DocumentRef], str | None]
) -> list[AnnotationSet]:
    """The annotations of every document of a corpus that has some, current with its text.

    Files whose document changed are re-anchored (``read_text`` gives the text); files of
    documents that moved are found by content hash or by title and quotes, and adopted.
    """
    summaries = store.summaries()
    by_path = {s.document.path: s for s in summaries}
    gone = [s for s in summaries if not _exists(s.document.path)]
    found: list[AnnotationSet] = []
    for document in documents:
        current = by_path.get(document.path)
        if current is not None and current.document == document:
            found.append(current)
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
                found.append(current)
            continue
        opened = open_annotations(store, document, text)
        if opened.annotations.annotations:
            found.append(opened.annotations)
    return found


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
