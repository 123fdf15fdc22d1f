"""User settings in ``config.yaml``: the theme, key remaps, colour names and pane sizes.

```yaml
theme: textual-light
keymap:            # binding id -> keys (comma-separated), see ``?`` in the app
  reader.next_hit: "n,ctrl+n"
colors:            # names for the five highlight colours (keys 1-5)
  yellow: evidence
  green: claim
panes:             # written by the app: the list's widths (columns) and whether it is hidden
  list: 40
  results: 72
  list_hidden: false
export_dir: ~/exports  # where the palette's exports are proposed (default: the home folder)
measure: 88        # widest the reader's text runs, in cells (centred in a wider reader)
annotator: ada     # who the annotations made here are by (default: the login name)
watch: false       # follow files changing on disk while the app runs (default: true)
```
An unreadable file is set aside (``config.yaml.corrupt-<time>``) and defaults are used, so a
typo never stops the app and saving the theme never overwrites the user's file unread. A value
the app does not know (a theme, a binding id: only the app knows which exist, so it asks
``check``) is reported the same way and ignored, and the file is left as the user wrote it.
"""

from __future__ import annotations

import getpass
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.storage import atomic_write_text, set_aside

MEASURE = 88
"""The reader's default measure: about the 66-90 characters a line that reads best, in cells."""


def login_name() -> str:
    """The user's login name; "anonymous" where the system has none (a bare container)."""
    try:
        return getpass.getuser() or "anonymous"
    except (KeyError, OSError):  # no USER variables and no password entry
        return "anonymous"


@dataclass
class Panes:
    """How the user last sized the reading room's panes (None: the app's default for the width)."""

    list: int | None = None
    """Columns of the document list beside the reader."""
    results: int | None = None
    """Columns of the list while searching with a document open (the results get the room)."""
    list_hidden: bool = False
    """Whether the list is hidden while reading."""

    @classmethod
    def parse(cls, raw: object) -> Panes:
        """Read the ``panes`` mapping; a value of the wrong kind is dropped, not an error (the app
        writes this section, and a bad size only costs the default)."""
        if not isinstance(raw, dict):
            return cls()

        def width(key: str) -> int | None:
            value = raw.get(key)
            fits = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10_000
            return value if fits else None

        hidden = raw.get("list_hidden")
        return cls(width("list"), width("results"), hidden if isinstance(hidden, bool) else False)

    def dump(self) -> dict[str, int | bool]:
        """The ``panes`` mapping to write (sizes left at the default are not written)."""
        payload: dict[str, int | bool] = {}
        if self.list is not None:
            payload["list"] = self.list
        if self.results is not None:
            payload["results"] = self.results
        payload["list_hidden"] = self.list_hidden
        return payload


@dataclass
class Settings:
    """What the user chose."""

    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)
    """Names the user gives the highlight colours (``yellow: evidence``)."""
    panes: Panes = field(default_factory=Panes)
    """The reading room's pane sizes, as the user last left them."""
    export_dir: str = ""
    """Where exports are proposed, as written (``~`` allowed); empty: see ``export_folder``."""
    measure: int = MEASURE
    """Widest the reader's text runs, in cells; a wider reader centres it."""
    annotator: str = ""
    """Who annotates here, as written; empty: see ``annotator_name``."""
    watch: bool = True
    """Whether the reading room follows files that change on disk (``LECTERN_WATCH=0`` also stops it)."""
    problem: str | None = None
    """Set when the file could not be used, for the UI to show once."""
    source: Path | None = None
    """The file these settings were read from (named in ``problem``)."""

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read ``path``; defaults when it is missing; set aside and report when it is broken."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as error:
            return cls._broken(path, f"{type(error).__name__}: {error}".splitlines()[0])
        import yaml  # PyYAML only when there is a file to read: it takes 6 ms to load

        from tui.core.safe_yaml import load_yaml_safely

        try:
            raw = load_yaml_safely(text)
        except yaml.YAMLError as error:
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
        export_dir = raw.get("export_dir") or ""
        annotator = raw.get("annotator") or ""
        measure = raw.get("measure", MEASURE)
        measure_fits = isinstance(measure, int) and not isinstance(measure, bool) and 20 <= measure <= 1000
        watch = raw.get("watch", True)
        settings = cls(
            theme=theme,
            keymap={str(k): str(v) for k, v in keymap.items()},
            colors={str(k): str(v) for k, v in colors.items()},
            panes=Panes.parse(raw.get("panes")),
            export_dir=export_dir if isinstance(export_dir, str) else "",
            measure=measure if measure_fits else MEASURE,
            annotator=annotator.strip() if isinstance(annotator, str) else "",
            watch=watch if isinstance(watch, bool) else True,
            source=path,
        )
        if not measure_fits:
            settings._report(f"'measure' must be a number of cells from 20 to 1000 (using {MEASURE})")
        if not isinstance(watch, bool):
            settings._report("'watch' must be true or false (using true)")
        if not isinstance(annotator, str):
            settings._report(f"'annotator' must be a name (using {settings.annotator_name()!r})")
        if not isinstance(export_dir, str):
            settings._report(f"'export_dir' must be a folder name (using {settings.export_folder()})")
        return settings

    def export_folder(self) -> Path:
        """The folder an export is proposed in: ``export_dir``, else the home folder (else the
        current one, when there is no home); the user confirms or changes it before anything is written."""
        if self.export_dir.strip():
            return Path(self.export_dir.strip()).expanduser()
        try:
            return Path.home()
        except RuntimeError:  # no HOME and no password entry: a bare container
            return Path.cwd()

    def annotator_name(self) -> str:
        """Who the annotations made here are by: ``annotator``, else the login name."""
        return self.annotator or login_name()

    def check(self, themes: Collection[str], binding_ids: Collection[str]) -> None:
        """Report a theme or a key binding id that does not exist, as a broken file is reported.

        The app keeps its default theme and Textual ignores a keymap entry for no binding, so the
        user would otherwise see their setting silently do nothing. The settings are not changed:
        saving them later keeps what the user wrote.
        """
        unknown = []
        if self.theme not in themes:
            unknown.append(f"unknown theme {self.theme!r} (using the default)")
        ids = sorted(set(self.keymap) - set(binding_ids))
        if ids:
            names = ", ".join(repr(i) for i in ids)
            plural = "s" if len(ids) > 1 else ""
            unknown.append(f"unknown key binding id{plural} {names} (ignored; ? lists the ids)")
        if unknown:
            self._report("; ".join(unknown))

    def _report(self, reason: str) -> None:
        where = self.source if self.source is not None else "config.yaml"
        note = f"{where}: {reason}"
        self.problem = note if self.problem is None else f"{self.problem}; {note}"

    @classmethod
    def _broken(cls, path: Path, reason: str) -> Settings:
        try:
            moved = set_aside(path)
        except OSError:
            return cls(problem=f"{path} is unreadable ({reason}); using defaults")
        return cls(problem=f"{path} was unreadable ({reason}); kept as {moved.name}, using defaults")

    def save(self, path: Path) -> None:
        """Write atomically."""
        payload: dict[str, object] = {
            "theme": self.theme,
            "keymap": dict(self.keymap),
            "colors": dict(self.colors),
            "panes": self.panes.dump(),
        }
        if self.export_dir:
            payload["export_dir"] = self.export_dir
        if self.measure != MEASURE:
            payload["measure"] = self.measure
        if self.annotator:
            payload["annotator"] = self.annotator
        if not self.watch:
            payload["watch"] = False
        import yaml

        atomic_write_text(path, yaml.safe_dump(payload, sort_keys=False, allow_unicode=True))
