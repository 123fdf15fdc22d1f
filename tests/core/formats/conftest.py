"""Fixtures for the converter tests: a converter that runs in the test process and counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui.core.formats import worker


@pytest.fixture
def in_process() -> Iterator[worker.InProcess]:
    """Conversions run in this process (so a test can count them or patch a converter)."""
    converter = worker.InProcess()
    previous = worker.install(converter)
    yield converter
    worker.install(previous)
