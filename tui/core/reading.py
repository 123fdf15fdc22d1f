"""Where the reader left each document, remembered across runs (``reading.yaml`` in data).

Positions are code-point offsets into ``Document.text`` (the first visible character and the
cursor), keyed by corpus and document id; offsets survive a different terminal width, unlike
line numbers. Written atomically; a damaged file is set aside, never overwritten unread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from tui.core.storage import atomic_write_text, load_yaml_safely, set_aside


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
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            raw = load_yaml_safely(self.path.read_text(encoding="utf-8")) or {}
            if not isinstance(raw, dict):
                raise ValueError("not a mapping")
            self._positions = {
                str(doc_id): Position(int(p["top"]), int(p["cursor"])) for doc_id, p in raw.items()
            }
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError, yaml.YAMLError) as error:
            moved = set_aside(self.path) if self.path.exists() else self.path
            self.problem = f"reading positions were unreadable ({type(error).__name__}); kept as {moved.name}"

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
            payload = {k: {"top": p.top, "cursor": p.cursor} for k, p in sorted(self._positions.items())}
            atomic_write_text(self.path, yaml.safe_dump(payload, allow_unicode=True))
