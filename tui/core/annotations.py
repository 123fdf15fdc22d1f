"""The user's highlights, notes and tags as values: what an annotation is and how it is written.

An ``Annotation`` is one passage of a document (its quote and position selectors, ``Target``)
with a colour, a note and tags; an ``AnnotationSet`` is one document's annotations, which the
store (``annotation_store``) keeps in a file of its own and ``annotation_tracking`` keeps with
their document when it moves or changes. Kept apart from both: the exchange formats, the
agreement figures and the reader's painting use the values, and need neither the files nor the
policy for moved documents.

Every field of every entry is checked (``Annotation.from_dict``): a hand-edited or damaged entry
with an impossible offset (``1e400``, ``.nan``, a 40-digit number) or a value of the wrong type is
reported with its reason, never an exception that stops a command.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from tui.core.anchoring import STATUSES, Status, Target, target_at
from tui.core.annotation_format import (
    MAX_SHORT_CHARS,
    AnnotationError,
    clean_tags,
    describe,
    name_field,
    offset_field,
    stamp_field,
    tags_field,
    text_field,
)
from tui.core.colors import COLORS

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


def ordered(annotations: Iterable[Annotation]) -> tuple[Annotation, ...]:
    """Annotations sorted by position (orphans last), then by creation."""
    return tuple(sorted(annotations, key=lambda a: (a.anchor == "orphaned", a.start, a.end, a.created)))


def reference(doc_id: str, path: str | Path, sha256: str, title: str) -> DocumentRef:
    """The reference for a document as it is now."""
    return DocumentRef(id=doc_id, path=str(Path(path).absolute()), sha256=sha256, title=title)
