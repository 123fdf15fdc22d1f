"""The collector's timing (``tui.ui.collector``): frozen after the start only when the command
line paused it, and the listed catalog frozen only then."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path


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


def test_a_catalog_read_is_frozen_page_by_page_after_a_paused_start(tmp_path: Path) -> None:
    # The read gives way to typing and may last as long as the user types: the entries read so
    # far must already be out of the collector's generations, or full collections walk them.
    code = f"""
import gc, sys
sys.path.insert(0, {str(Path(__file__).parents[2])!r})
from pathlib import Path
from tests.core.test_catalog import entry
from tests.ui.test_catalog_listing import library_at
from tui.core.catalog import Catalog
from tui.ui.collector import collect_again
from tui.ui.controllers import listing

library = library_at(Path({str(tmp_path)!r}))
Catalog(1, {{e.id: e for e in (entry(n) for n in range(1050))}}).save(library.index_dir)
listing.READ_PAGE = 100
gc.disable(); collect_again()
tracked = []
def give_way():
    tracked.append(sum(type(o) is listing.Listed for o in gc.get_objects()))
read = listing.CatalogReader(library, give_way).read()
assert read.entries is not None and len(read.entries) == 1050
assert len(tracked) == 11 and not any(tracked), tracked
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_catalog_read_freezes_nothing_where_the_start_was_not_paused(tmp_path: Path) -> None:
    from tests.core.test_catalog import entry
    from tests.ui.test_catalog_listing import library_at
    from tui.core.catalog import Catalog
    from tui.ui.controllers.listing import CatalogReader

    library = library_at(tmp_path)
    Catalog(1, {e.id: e for e in (entry(n) for n in range(300))}).save(library.index_dir)
    assert CatalogReader(library).read().entries is not None
    assert gc.get_freeze_count() == 0  # this process's collector is the test run's own
