"""What is done to the catalog's file as a whole: compacted after a run that wrote many rows,
set aside when damaged (a copy kept, never read again), removed with its index; and telling a
catalog that is busy (locked by a reader, read-only) from one that is damaged.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from tui.core.catalog import CATALOG_NAME, OLD_CATALOG_NAME, Catalog, OlderFormat, connect
from tui.core.faults import checkpoint


def compact(folder: Path) -> bool:
    """Write the catalog again in as few pages as its rows need (``VACUUM``); whether it was.

    A run that wrote many rows leaves its indexes' pages part-filled (their rows come in no
    order of theirs), a tenth of the file at 100,000 documents. ``VACUUM`` is one transaction:
    killed, the catalog is as before. It is a saving, never a step of the run: a catalog busy (a
    reader kept it past the writer's wait), or no room for the copy ``VACUUM`` writes (a full
    temporary folder), or any other failure leaves it as it is, already committed and correct.
    """
    try:
        with contextlib.closing(connect(folder, write=True)) as db:
            checkpoint("catalog-compact")
            db.execute("VACUUM")
    except (sqlite3.Error, OSError):
        return False
    return True


def searchable(folder: Path) -> bool:
    """Whether the index in ``folder`` can be searched as it stands after a failed run: its
    catalog believed, or of an earlier layout with its header intact (a read-only cache the
    indexer could not write it again in: the index it describes is still the one there)."""
    if Catalog.load(folder) is not None:
        return True
    try:
        Catalog.read(folder)
    except OlderFormat as error:
        return error.older() is not None
    except Exception:  # missing or damaged: nothing to search until a run rebuilds it
        return False
    return False


def busy(error: BaseException) -> bool:
    """Whether ``error`` says the catalog could not be read now (locked by a reader, a read-only
    or unopenable file), not that it is damaged: a damaged one is set aside, this one is not."""
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and any(
        word in text for word in ("locked", "readonly", "read-only", "unable to open", "disk i/o")
    )


def remove(folder: Path) -> None:
    """Delete the catalog (and a journal a killed write left, and an older JSON catalog)."""
    for name in (CATALOG_NAME, f"{CATALOG_NAME}-journal", f"{CATALOG_NAME}-wal", OLD_CATALOG_NAME):
        (folder / name).unlink(missing_ok=True)


def set_aside(folder: Path) -> None:
    """Move a damaged catalog out of the way (``catalog.db.damaged``, the last one kept) so that
    it is rebuilt and not read again; deleted when it cannot be moved."""
    path = folder / CATALOG_NAME
    try:
        os.replace(path, folder / f"{CATALOG_NAME}.damaged")
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        (folder / f"{CATALOG_NAME}-journal").unlink(missing_ok=True)
