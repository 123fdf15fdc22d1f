"""Where lectern keeps its files: config, data (annotations, reading state) and cache (indexes).

The platform directories come from platformdirs. One environment variable, ``LECTERN_HOME``,
redirects all three below one folder, for tests and portable use. Nothing is created at import
time; callers ask for a folder to exist when they are about to write into it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "lectern"
HOME_VARIABLE = "LECTERN_HOME"


@dataclass(frozen=True)
class Paths:
    """The three folders lectern writes to."""

    config: Path
    """Settings (``config.yaml``: theme, key bindings)."""
    data: Path
    """The user's own work: annotations and reading positions. Never deleted by lectern."""
    cache: Path
    """Rebuildable state: one full-text index per corpus, and converted documents."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Paths:
        """Platform folders, or three folders under ``$LECTERN_HOME`` when it is set."""
        env = os.environ if environ is None else environ
        home = env.get(HOME_VARIABLE)
        if home:
            root = Path(home).expanduser()
            return cls(config=root / "config", data=root / "data", cache=root / "cache")
        return cls(
            config=platformdirs.user_config_path(APP_NAME),
            data=platformdirs.user_data_path(APP_NAME),
            cache=platformdirs.user_cache_path(APP_NAME),
        )

    def index_dir(self, roots: Sequence[Path]) -> Path:
        """The index folder for a corpus: one per distinct set of root folders."""
        return self.cache / "indexes" / corpus_key(roots)

    @property
    def converted(self) -> Path:
        """Converted texts of EPUB, HTML and PDF documents (``tui.core.formats.cache``)."""
        return self.cache / "converted"

    @property
    def annotations(self) -> Path:
        """The annotation store (``tui.core.annotation_store``), shared by every corpus."""
        return self.data / "annotations"

    @property
    def config_file(self) -> Path:
        """The YAML settings file."""
        return self.config / "config.yaml"


def corpus_key(roots: Sequence[Path]) -> str:
    """A stable, readable folder name for a set of corpus roots."""
    resolved = sorted(str(Path(root).resolve()) for root in roots)
    digest = hashlib.sha256("\n".join(resolved).encode("utf-8")).hexdigest()[:16]
    name = Path(resolved[0]).name if len(resolved) == 1 else f"{len(resolved)}-roots"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:40] or "corpus"
    return f"{safe}-{digest}"


def bundled_seeds() -> Path:
    """The default corpus shipped with lectern (inside the wheel, or at the repo root)."""
    packaged = Path(__file__).resolve().parent.parent / "seeds"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "seeds"
