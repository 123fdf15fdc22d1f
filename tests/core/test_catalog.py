"""The catalog database: written a save at a time (only the rows that changed), read in parts
(signatures for the start-up check, a window for the list, the rows a save changed), and never
believed when damaged or half-written.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tui.core.catalog import CATALOG_NAME, Catalog, CatalogDamaged, Entry, Signature
from tui.core.catalog_view import View
from tui.core.faults import VARIABLE


def entry(n: int, **changes: object) -> Entry:
    fields: dict[str, object] = {
        "id": f"d{n:04d}.md",
        "path": f"/corpus/d{n:04d}.md",
        "size": 100 + n,
        "mtime_ns": 10**18 + n,
        "sha256": f"{n:064x}",
        "title": f"Title {n % 7} {n}",
        "date": f"20{10 + n % 10}-01-0{1 + n % 9}",
        "source": "notes",
        "language": "en",
        "tags": ("odd",) if n % 2 else (),
        "words": n,
    }
    return Entry(**{**fields, **changes})  # type: ignore[arg-type]


def saved(folder: Path, count: int = 300) -> Catalog:
    catalog = Catalog(
        7, {e.id: e for e in (entry(n) for n in range(count))}, generation=4, files={"a": [1, 2, 3]}
    )
    catalog.save(folder)
    return catalog


def row_seqs(folder: Path) -> dict[str, int]:
    with sqlite3.connect(folder / CATALOG_NAME) as db:
        return dict(db.execute("SELECT id, seq FROM documents"))


def test_a_catalog_reads_back_as_it_was_saved(tmp_path: Path) -> None:
    catalog = saved(tmp_path)
    loaded = Catalog.load(tmp_path)
    assert loaded == catalog and loaded is not None
    assert (loaded.generation, loaded.files, loaded.schema, len(loaded)) == (4, {"a": [1, 2, 3]}, 7, 300)
    read = Catalog.read(tmp_path)  # the start-up check reads signatures only
    assert read.signatures == {e.id: Signature.of(e) for e in catalog.entries.values()}


def test_tags_of_any_text_round_trip(tmp_path: Path) -> None:
    odd = [(), ("a",), ("a", "b c"), ("x\x1fy",), ("",), ("\x1e[1]",), ("日本", "policy notes")]
    catalog = Catalog(1, {f"t{i}": entry(i, id=f"t{i}", tags=tags) for i, tags in enumerate(odd)})
    catalog.save(tmp_path)
    loaded = Catalog.load(tmp_path)
    assert loaded is not None and [loaded.entries[f"t{i}"].tags for i in range(len(odd))] == odd


def test_a_save_writes_only_the_rows_that_changed(tmp_path: Path) -> None:
    saved(tmp_path)
    catalog = Catalog.read(tmp_path)
    first = row_seqs(tmp_path)
    catalog.put(entry(5, title="Renamed"))
    catalog.put(entry(1000))
    assert catalog.drop("d0007.md") and not catalog.drop("nothing")
    catalog.save(tmp_path)
    after = row_seqs(tmp_path)
    changed = {doc_id for doc_id, seq in after.items() if seq != first.get(doc_id)}
    assert changed == {"d0005.md", "d1000.md"} and "d0007.md" not in after
    loaded = Catalog.load(tmp_path)
    assert loaded is not None and loaded.entries["d0005.md"].title == "Renamed" and len(loaded) == 300
    with View(tmp_path) as view:  # a reader asks what a save changed, not for everything
        since = first["d0000.md"]
        assert sorted(e.id for e in view.changed(since)) == ["d0005.md", "d1000.md"]
        assert view.header()["count"] == 300 and "d0007.md" not in view.ids()


def test_a_catalog_replaced_under_its_reader_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    saved(tmp_path)
    whole, signatures_only = Catalog.load(tmp_path), Catalog.read(tmp_path)
    assert whole is not None
    Catalog(7, {"x.md": entry(1, id="x.md")}).save(tmp_path)  # the rows on disk are not what they read
    signatures_only.put(entry(3, title="Changed"))
    with pytest.raises(CatalogDamaged):  # it cannot write what it never read
        signatures_only.save(tmp_path)
    whole.put(entry(3, title="Changed"))
    whole.save(tmp_path)  # every row again
    loaded = Catalog.load(tmp_path)
    assert loaded is not None and set(loaded.entries) == {entry(n).id for n in range(300)}
    assert loaded.entries["d0003.md"].title == "Changed"


def test_a_window_in_the_lists_orders(tmp_path: Path) -> None:
    catalog = saved(tmp_path)
    entries = list(catalog.entries.values())
    by_date = sorted(entries, key=lambda e: (e.date, e.title.casefold(), e.id), reverse=True)
    by_title = sorted(entries, key=lambda e: (e.title.casefold(), e.id))
    with View(tmp_path) as view:
        assert view.window("date", 0, 40) == by_date[:40]
        assert view.window("date", 250, 100) == by_date[250:]
        assert view.window("title", 100, 40) == by_title[100:140]
        names = {doc_id: (path, sha, title) for doc_id, path, sha, title in view.names()}
    assert names["d0003.md"] == ("/corpus/d0003.md", f"{3:064x}", "Title 3 3")


def _flip(folder: Path, text: str) -> None:
    """Change one byte of ``text`` where it is stored in the database file, as a disk would."""
    path = folder / CATALOG_NAME
    data = bytearray(path.read_bytes())
    at = data.find(text.encode())
    assert at >= 0
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_changed_byte_in_a_title_is_noticed_where_the_row_is_read(tmp_path: Path) -> None:
    saved(tmp_path)
    _flip(tmp_path, "Title 4 123")
    assert Catalog.read(tmp_path) is not None  # the start-up check's part is intact
    assert Catalog.load(tmp_path) is None
    with View(tmp_path) as view, pytest.raises(CatalogDamaged):
        list(view.changed())


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"not a database at all" * 100),
        lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 3]),
        lambda p: p.write_bytes(b""),
    ],
)
def test_a_damaged_database_is_not_believed(tmp_path: Path, damage: object) -> None:
    saved(tmp_path)
    damage(tmp_path / CATALOG_NAME)  # type: ignore[operator]
    assert Catalog.load(tmp_path) is None


def test_a_missing_catalog_is_none_and_is_not_created_by_reading(tmp_path: Path) -> None:
    assert Catalog.load(tmp_path) is None
    with pytest.raises(FileNotFoundError):
        View(tmp_path)
    assert not (tmp_path / CATALOG_NAME).exists()


KILLED_SAVE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tui.core.catalog import Catalog
    from tests.core.test_catalog import entry
    folder = Path(sys.argv[1])
    catalog = Catalog(1, {e.id: e for e in (entry(n) for n in range(2000))}, generation=1, files={})
    catalog.save(folder)
    for n in range(1500):
        catalog.put(entry(n, title="second"))
    catalog.drop("d1999.md")
    catalog.generation = 2
    catalog.save(folder)  # killed here, its rows written and not committed
    """
)


@pytest.mark.parametrize("signame", ["KILL", "TERM"])
def test_a_save_killed_before_its_commit_leaves_the_save_before(tmp_path: Path, signame: str) -> None:
    env = {**os.environ, VARIABLE: f"catalog-write@2:{signame}"}
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(tmp_path)], env=env, cwd=root)
    assert done.returncode != 0, "the fault point was never reached"
    for reader in (Catalog.load, lambda f: Catalog.read(f, write=True)):
        catalog = reader(tmp_path)
        assert catalog is not None and catalog.generation == 1 and len(catalog) == 2000
    catalog = Catalog.read(tmp_path, write=True)
    assert {e.title for e in catalog.entries.values()} == {entry(n).title for n in range(2000)}
    catalog.put(entry(1, title="after"))
    catalog.save(tmp_path)  # the next writer goes on from the save before
    loaded = Catalog.load(tmp_path)
    assert loaded is not None and loaded.entries["d0001.md"].title == "after" and len(loaded) == 2000
    assert not (tmp_path / f"{CATALOG_NAME}-journal").exists()


def test_a_locked_catalog_is_busy_not_damaged(tmp_path: Path) -> None:
    from tui.core.catalog_file import busy

    assert busy(sqlite3.OperationalError("database is locked"))
    assert not busy(sqlite3.OperationalError("no such table: header"))  # an empty file: damage
    assert not busy(sqlite3.DatabaseError("file is not a database"))
    (tmp_path / CATALOG_NAME).write_bytes(b"")
    with pytest.raises(sqlite3.OperationalError) as raised:
        Catalog.read(tmp_path)
    assert not busy(raised.value)


def test_a_saved_catalog_reads_its_entries_again_when_asked(tmp_path: Path) -> None:
    """A save lets go of the entries (a long indexing run need not hold 100,000): they are read
    again, with the changes made since, when something asks for them."""
    catalog = saved(tmp_path, 50)
    catalog.put(entry(7, title="Changed"))
    assert catalog.drop("d0008.md")
    assert catalog.entries["d0007.md"].title == "Changed" and "d0008.md" not in catalog.entries
    catalog.save(tmp_path)
    catalog.put(entry(60))
    assert set(catalog.entries) == {entry(n).id for n in range(61) if n not in range(50, 60) and n != 8}
    loaded = Catalog.load(tmp_path)
    assert loaded is not None and set(loaded.entries) == set(catalog.entries) - {"d0060.md"}
