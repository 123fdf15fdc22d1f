"""The collector's timing (``tui.ui.collector``): frozen after the start only when the command
line paused it, and the listed catalog frozen only then."""

from __future__ import annotations

import gc
import subprocess
import sys


def test_nothing_is_frozen_where_the_start_was_not_paused() -> None:
    code = (
        "import gc; from tui.ui.collector import collect_again, freeze_long_lived;"
        "keep = [[i] for i in range(1000)];"
        "collect_again(); freeze_long_lived();"
        "raise SystemExit(1 if gc.get_freeze_count() else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_after_a_paused_start_the_listed_catalog_is_frozen_too() -> None:
    code = (
        "import gc; from tui.ui.collector import collect_again, freeze_long_lived;"
        "gc.disable(); start = [[i] for i in range(1000)];"
        "collect_again(); assert gc.isenabled(); after_start = gc.get_freeze_count();"
        "catalog = {str(i): [i] for i in range(5000)};"
        "freeze_long_lived();"
        "assert gc.get_freeze_count() >= after_start + 5000, (after_start, gc.get_freeze_count())"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert gc.isenabled()  # this process's collector was never touched
