"""Where the reader left each document, remembered across runs (``reading/<corpus>.yaml`` in data).

Positions are code-point offsets into ``Document.text`` (the first visible character and the
cursor), keyed by corpus and document id; offsets survive a different terminal width, unlike
line numbers. Written atomically; a damaged file is set aside, never overwritten unread.

The file also says which document was open last (reopened when lectern starts on the corpus
again): its entry carries ``last: true``. Not a key of its own at the top: the file stays a
mapping of document ids to ``{top, cursor}``, which every earlier lectern reads (it ignores the
flag), and a file an earlier lectern wrote has no flag (nothing is reopened). A last document
with no position of its own gets ``top: 0, cursor: 0``: the start, where it opens anyway.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from tui.core.storage import atomic_write_text, set_aside


@dataclass(frozen=True)
class Position:
    """A reading position in one document."""

    top: int
    """Offset of the first visible character."""
    cursor: int


class ReadingPositions:
    """The positions file of one corpus; thread-safe, saved on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._positions: dict[str, Position] = {}
        self._last: str | None = None
        self._loaded = False
        self._writable = True
        """False while the file could not be read or kept aside: it is left as it is."""

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        import yaml  # PyYAML when the positions are first asked for, after the first frame

        from tui.core.safe_yaml import load_yaml_safely

        try:
            raw = load_yaml_safely(self.path.read_text(encoding="utf-8")) or {}
            if not isinstance(raw, dict):
                raise ValueError("not a mapping")
            self._positions = {
                str(doc_id): Position(int(p["top"]), int(p["cursor"])) for doc_id, p in raw.items()
            }
            flagged = [str(doc_id) for doc_id, p in raw.items() if p.get("last") is True]
            self._last = flagged[0] if len(flagged) == 1 else None
        except FileNotFoundError:
            return
        except OSError as error:  # unreadable, not damaged: left where it is, and not written over
            self._writable = False
            self.problem = (
                f"reading positions cannot be read ({error.strerror or error}); not saved this time"
            )
        # OverflowError: ``top: .inf`` (a float ``int`` cannot take) in a hand-edited file
        except (ValueError, TypeError, KeyError, OverflowError, yaml.YAMLError) as error:
            self._set_aside(type(error).__name__)

    def _set_aside(self, reason: str) -> None:
        try:
            moved = set_aside(self.path)
        except OSError as error:  # a read-only data folder: the damaged file stays, never written over
            self._writable = False
            self.problem = (
                f"reading positions are unreadable ({reason}) and could not be kept aside "
                f"({error.strerror or error}); not saved this time"
            )
            return
        self.problem = f"reading positions were unreadable ({reason}); kept as {moved.name}"

    def get(self, doc_id: str) -> Position | None:
        """The saved position of ``doc_id``, if any."""
        with self._lock:
            self._load()
            return self._positions.get(doc_id)

    def set(self, doc_id: str, position: Position) -> None:
        """Remember and save (call from a worker: it writes to disk)."""
        with self._lock:
            self._load()
            if self._positions.get(doc_id) == position:
                return
            self._positions[doc_id] = position
            self._save()

    @property
    def last(self) -> str | None:
        """The document that was open last (None: none, or a file from before this was kept)."""
        with self._lock:
            self._load()
            return self._last

    def set_last(self, doc_id: str | None) -> None:
        """Remember ``doc_id`` as the document open now (None: none is) and save, if it changed."""
        with self._lock:
            self._load()
            if self._last == doc_id:
                return
            self._last = doc_id
            self._save()

    def _save(self) -> None:
        if not self._writable:
            return
        payload: dict[str, dict[str, int | bool]] = {}
        for doc_id in sorted({*self._positions, *([self._last] if self._last is not None else [])}):
            position = self._positions.get(doc_id, Position(0, 0))
            payload[doc_id] = {"top": position.top, "cursor": position.cursor}
            if doc_id == self._last:
                payload[doc_id]["last"] = True
        import yaml

        atomic_write_text(self.path, yaml.safe_dump(payload, allow_unicode=True))
