"""Shared fixtures: every test runs with LECTERN_HOME in a temporary folder.

Tests never touch the real home directory: the autouse fixture below points config, data and
cache at a fresh temp folder, and ``corpus`` copies the bundled seeds somewhere writable.
"""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.core.paths import HOME_VARIABLE, Paths, bundled_seeds


@pytest.fixture(autouse=True, scope="session")
def interrupts_reach_the_children() -> None:
    """Ctrl-C as a foreground shell delivers it. A run started in the background by a shell
    without job control (a script's ``pytest &``) has SIGINT ignored, and every child lectern
    starts would inherit that: the tests that interrupt lectern would test nothing."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def lectern_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private LECTERN_HOME for each test."""
    home = tmp_path_factory.mktemp("lectern-home")
    monkeypatch.setenv(HOME_VARIABLE, str(home))
    # Files changing under a test are the test's doing: the watcher runs only where a test
    # turns it on (tests/ui/test_watching.py), so no other test depends on its timing.
    monkeypatch.setenv("LECTERN_WATCH", "0")
    yield home


@pytest.fixture
def paths(lectern_home: Path) -> Paths:
    """The Paths the app would use under the test's LECTERN_HOME."""
    return Paths.from_environment()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled seeds."""
    target = tmp_path / "corpus"
    shutil.copytree(bundled_seeds(), target)
    return target
