"""Run the ``lectern`` command as a user would: a subprocess, no colour, the test's environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tui.core.paths import HOME_VARIABLE

REPO = Path(__file__).resolve().parents[2]


def lectern(
    *args: str, cwd: Path | None = REPO, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m tui ARGS`` (under ``home`` as LECTERN_HOME when given)."""
    env = {**os.environ, "NO_COLOR": "1"}
    if home is not None:
        env[HOME_VARIABLE] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=300, env=env, cwd=cwd
    )
