"""SVG snapshots of the main screens (pytest-textual-snapshot); update with --snapshot-update."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.helpers import SIZE, app_for
from tests.ui.states import NARROW, NARROW_SNAPSHOTS, SNAPSHOTS, STATES


@pytest.mark.parametrize("state", SNAPSHOTS)
def test_main_screens(snap_compare: Any, state: str) -> None:
    assert snap_compare(app_for(), terminal_size=SIZE, run_before=STATES[state])


@pytest.mark.parametrize("state", NARROW_SNAPSHOTS)
def test_main_screens_at_80_columns(snap_compare: Any, state: str) -> None:
    assert snap_compare(app_for(), terminal_size=NARROW, run_before=STATES[state])
