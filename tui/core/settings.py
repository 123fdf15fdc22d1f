"""User settings in ``config.yaml``: the theme and key remaps.

```yaml
theme: textual-light
keymap:            # binding id -> keys (comma-separated), see ``?`` in the app
  reader.next_hit: "n,ctrl+n"
colors:            # names for the five highlight colours (keys 1-5)
  yellow: evidence
  green: claim
```
An unreadable file is set aside (``config.yaml.corrupt-<time>``) and defaults are used, so a
typo never stops the app and saving the theme never overwrites the user's file unread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tui.core.storage import atomic_write_text, load_yaml_safely, set_aside


@dataclass
class Settings:
    """What the user chose."""

    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)
    """Names the user gives the highlight colours (``yellow: evidence``)."""
    problem: str | None = None
    """Set when the file could not be used, for the UI to show once."""

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read ``path``; defaults when it is missing; set aside and report when it is broken."""
        try:
            raw = load_yaml_safely(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            return cls._broken(path, f"{type(error).__name__}: {error}".splitlines()[0])
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            return cls._broken(path, "not a mapping")
        keymap = raw.get("keymap") or {}
        colors = raw.get("colors") or {}
        theme = raw.get("theme", cls.theme)
        if not isinstance(keymap, dict) or not isinstance(colors, dict) or not isinstance(theme, str):
            return cls._broken(path, "'keymap' and 'colors' must be mappings and 'theme' a name")
        return cls(
            theme=theme,
            keymap={str(k): str(v) for k, v in keymap.items()},
            colors={str(k): str(v) for k, v in colors.items()},
        )

    @classmethod
    def _broken(cls, path: Path, reason: str) -> Settings:
        try:
            moved = set_aside(path)
        except OSError:
            return cls(problem=f"{path} is unreadable ({reason}); using defaults")
        return cls(problem=f"{path} was unreadable ({reason}); kept as {moved.name}, using defaults")

    def save(self, path: Path) -> None:
        """Write atomically."""
        payload = {"theme": self.theme, "keymap": dict(self.keymap), "colors": dict(self.colors)}
        atomic_write_text(path, yaml.safe_dump(payload, sort_keys=False, allow_unicode=True))
