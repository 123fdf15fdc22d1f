"""The index as the indexer finds it: proven to match its catalog, repaired, or wiped.

Apart from the writer because it runs before any document is read, and decides whether the run
updates the index or rebuilds it. Every step leaves the index and catalog so that a run killed
at any point is repaired by the next (see the ``checkpoint`` names in ``tui.core.faults``).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from pathlib import Path

from tui.core import catalog as catalog_format
from tui.core import catalog_file, index_files
from tui.core.catalog import Catalog, Entry
from tui.core.faults import checkpoint
from tui.core.search import VOCABULARY_NAME, backend
from tui.core.search.types import IndexUnavailable


def check_index(folder: Path) -> tuple[Catalog | None, str | None, str | None]:
    """The catalog proven to describe the index in ``folder``: (catalog, None, repair note); or
    (None, why the index must be rebuilt, None).

    Cheap when nothing changed: one ``stat`` per index file, no Whoosh. Otherwise the index is
    opened, files the catalog knows are checked byte for byte (CRC), files of interrupted runs
    are deleted, and the entries are read back from the documents the index holds (a run killed
    after a commit left the catalog behind; an outside copy may have replaced the index).
    """
    if not (folder / backend().folder).exists():
        had_one = (folder / catalog_format.CATALOG_NAME).exists()
        return None, "index folder missing" if had_one else "no index yet", None
    older: Catalog | None = None
    try:
        catalog = Catalog.read(folder, write=True)
    except FileNotFoundError:
        return None, "index catalog missing or damaged", None
    except catalog_format.OlderFormat as error:  # its rows are read again from the index below
        older = error.older()
        if older is None:
            catalog_file.set_aside(folder)
            return None, "index catalog missing or damaged", None
        catalog = older
    except Exception as error:  # any failure to believe it (sqlite3, a CRC, a value): set aside, rebuilt
        if catalog_file.busy(error):
            raise  # not damage: this run fails, and the index is searched as it is
        catalog_file.set_aside(folder)
        return None, "index catalog missing or damaged", None
    version = backend().schema_version
    if catalog.schema != version:
        return None, f"index format changed (version {catalog.schema} -> {version})", None
    if catalog.describes(folder) and older is None:
        return catalog, None, None

    try:
        backend().collect_garbage(folder)
        backend().check(folder)
        stored = backend().stored_entries(folder)
    except IndexUnavailable as error:
        return None, f"index was unreadable ({error})", None
    files = catalog.files or {}
    known = [name for name in index_files.index_stats(folder) if name in files]
    problem = index_files.verify_files(folder, files, known)
    if problem is not None:
        return None, f"index was unreadable ({problem})", None
    entries = _entries_of(stored)
    if entries is None:
        return None, "index was unreadable (a document was indexed twice)", None
    note = None
    try:
        same = entries == catalog.entries
    except (catalog_format.CatalogDamaged, sqlite3.Error):  # a damaged row: the index's records win
        same = False
    if not same:
        why = "a run was interrupted" if older is None else "written in its new format"
        note = f"catalog rebuilt from the index ({len(entries)} documents; {why})"
        catalog.replace(entries)
    record(folder, catalog)
    return catalog, None, note


def _entries_of(stored: list[tuple[str, str]]) -> dict[str, Entry] | None:
    """Catalog entries from the index's stored records; None when an id is there twice or a
    record cannot be read."""
    entries: dict[str, Entry] = {}
    for doc_id, record in stored:
        if doc_id in entries:
            return None
        try:
            fields = json.loads(record)
            entries[doc_id] = Entry(id=doc_id, **{**fields, "tags": tuple(fields["tags"])})
        except (ValueError, TypeError, KeyError):
            return None
    return entries


def wipe(folder: Path) -> Catalog:
    """An empty index and catalog. The catalog goes first: a run killed half-way through never
    leaves a catalog that claims documents over a wiped index."""

    catalog_file.remove(folder)
    checkpoint("wipe")
    (folder / VOCABULARY_NAME).unlink(missing_ok=True)
    backend().create(folder)
    catalog = Catalog(backend().schema_version, {})
    record(folder, catalog)
    return catalog


def record(folder: Path, catalog: Catalog) -> None:
    """Save the catalog as the description of the index's current generation and files."""
    catalog.generation = index_files.toc_generation(folder)
    catalog.files = index_files.index_files(folder, catalog.files)
    catalog.save(folder)


def remove_stale_temp_files(folder: Path) -> None:
    """Temp files of a killed run (the indexer holds the writer lock: none is in use)."""
    for sub in (folder, folder / backend().folder):
        with contextlib.suppress(OSError):
            for path in sub.iterdir():
                if not path.name.endswith(".tmp"):
                    continue
                if path.is_dir():  # Whoosh's own temp folder
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
