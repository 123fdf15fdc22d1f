"""How the catalog keeps a row (format 2): a path as its folder's key and the id, a sha256 as its
32 bytes, no rowid. Every value reads back as it was saved, whatever its shape, through every
reader (the whole entry, the start-up check's signatures and text, the list's window, the
annotations' names); a catalog of the older layout is written again from the index's records,
not rebuilt; compacting it, killed or not, leaves it as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.test_catalog import entry
from tui.core import catalog as catalog_format
from tui.core import indexer, indexer_client, unchanged_check
from tui.core.catalog import CATALOG_NAME, Catalog, Entry
from tui.core.catalog_file import compact
from tui.core.catalog_view import View
from tui.core.faults import VARIABLE

NAME = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
FOLDERS = st.sampled_from(["/corpus/", "/corpus/sub/", "rel/", "", "C:\\docs\\", "/x", "5"])


@st.composite
def paths(draw: st.DrawFn, doc_id: str) -> str:
    """A path for ``doc_id``: mostly a folder then the id, else any text (a file given alone, a
    folder whose name does not end with a separator, a path of digits)."""
    kind = draw(st.sampled_from(["folder", "folder", "text", "digits"]))
    if kind == "folder":
        return draw(FOLDERS) + doc_id
    if kind == "digits":
        return str(draw(st.integers(0, 10**6)))
    return draw(NAME)


SHA256 = st.one_of(
    st.binary(min_size=32, max_size=32).map(bytes.hex),
    st.binary(min_size=32, max_size=32).map(lambda b: b.hex().upper()),
    st.text(alphabet="0123456789abcdef", max_size=70),
    NAME,
)


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Entry]:
    ids = draw(st.lists(NAME, min_size=1, max_size=8, unique=True))
    found = {}
    for n, doc_id in enumerate(ids):
        found[doc_id] = entry(n, id=doc_id, path=draw(paths(doc_id)), sha256=draw(SHA256))
    return found


def assert_reads_back(folder: Path, expected: dict[str, Entry]) -> None:
    loaded = Catalog.load(folder)
    assert loaded is not None and loaded.entries == expected
    read = Catalog.read(folder)
    assert read.signatures == Catalog(1, expected).signatures
    with View(folder) as view:
        assert {e.id: e for e in view.window("title", 0, len(expected) + 1)} == expected
        names = {doc_id: (path, sha) for doc_id, path, sha, _ in view.names()}
        assert names == {e.id: (e.path, e.sha256) for e in expected.values()}
    rows = unchanged_check.read_signature_rows(folder, [".md", "x"])
    fields = [
        "\0".join([e.id, e.path, str(e.size), str(e.mtime_ns), e.annotations]) for e in expected.values()
    ]
    assert rows.signatures == "\0".join(sorted(fields, key=lambda f: f.split("\0")[0]))
    suffixed = {row[0]: row for row in rows.suffixed}
    for e in expected.values():
        if e.path.lower().endswith((".md", "x")):
            assert suffixed[e.id] == (e.id, e.path, e.size, e.mtime_ns, e.sha256)


@settings(max_examples=60, deadline=None)
@given(entries(), entries())
def test_every_path_and_sha256_reads_back_as_saved(first: dict[str, Entry], second: dict[str, Entry]) -> None:
    """Saved whole, then changed a few rows at a time (new folders on the way): every reader
    gives back each value as it was."""
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        catalog = Catalog(1, dict(first))
        catalog.save(folder)
        assert_reads_back(folder, first)
        for doc_id in list(first)[::2]:
            catalog.drop(doc_id)
        for e in second.values():
            catalog.put(e)
        catalog.save(folder)
        expected = {k: v for k, v in first.items() if k not in list(first)[::2]} | second
        assert_reads_back(folder, expected)


def test_a_folder_is_kept_once_and_a_sha256_as_its_bytes(tmp_path: Path) -> None:
    catalog = Catalog(
        1, {e.id: e for e in (entry(n, path=f"/a/long/corpus/folder/d{n:04d}.md") for n in range(500))}
    )
    catalog.save(tmp_path)
    data = (tmp_path / CATALOG_NAME).read_bytes()
    assert data.count(b"/a/long/corpus/folder/") <= 2  # its row, and the index that keeps it unique
    assert f"{42:064x}".encode() not in data and bytes.fromhex(f"{42:064x}") in data
    with sqlite3.connect(tmp_path / CATALOG_NAME) as db:
        assert db.execute("SELECT count(*) FROM folders").fetchone() == (1,)
        assert db.execute("SELECT typeof(path), typeof(sha256) FROM documents LIMIT 1").fetchone() == (
            "integer",
            "blob",
        )


def _flip_all(folder: Path, found: bytes) -> None:
    """Change a byte of every copy of ``found`` in the database file, as a disk would."""
    path = folder / CATALOG_NAME
    data = bytearray(path.read_bytes())
    at = data.find(found)
    assert at >= 0
    while at >= 0:
        data[at + len(found) - 1] ^= 0x01
        at = data.find(found, at + 1)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "stored",
    [b"/corpus/", hashlib.sha256(b"42").digest(), b"/elsewhere/forty-two.md"],
    ids=["folder", "sha256 bytes", "path kept whole"],
)
def test_a_changed_byte_in_a_stored_signature_fails_the_start_up_check(tmp_path: Path, stored: bytes) -> None:
    rows = [entry(n, sha256=hashlib.sha256(str(n).encode()).hexdigest()) for n in range(300)]
    rows[42] = entry(42, path="/elsewhere/forty-two.md", sha256=rows[42].sha256)
    Catalog(1, {e.id: e for e in rows}).save(tmp_path)
    _flip_all(tmp_path, stored)
    with pytest.raises(catalog_format.CatalogDamaged):
        Catalog.read(tmp_path)
    assert Catalog.load(tmp_path) is None


# --------------------------------------------------------------------------- the older layout


def as_format_1(folder: Path) -> None:
    """Write the catalog in ``folder`` again as format 1 kept it: paths and sha256 as text, rows
    with a rowid, no folders."""
    with View(folder) as view:
        header = view.header()
        rows = [
            (e.id, e.path, e.size, e.mtime_ns, e.sha256, e.title, e.date, e.source, e.language,
             "\x1f".join(e.tags), e.words, e.annotations, e.author, e.title.casefold(), 1)
            for e in view.changed()
        ]  # fmt: skip
    (folder / CATALOG_NAME).unlink()
    with sqlite3.connect(folder / CATALOG_NAME) as db:
        db.executescript(
            """
            CREATE TABLE header (key INTEGER PRIMARY KEY CHECK (key = 0), value TEXT NOT NULL);
            CREATE TABLE documents (
                id TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                sha256 TEXT NOT NULL, title TEXT NOT NULL, date TEXT NOT NULL, source TEXT NOT NULL,
                language TEXT NOT NULL, tags TEXT NOT NULL, words INTEGER NOT NULL, annotations TEXT NOT NULL,
                author TEXT NOT NULL, title_key TEXT NOT NULL, seq INTEGER NOT NULL,
                crc INTEGER NOT NULL, sig_crc INTEGER NOT NULL);
            """
        )
        for row in rows:
            values = row[:13]
            signature = (row[0], row[1], row[2], row[3], row[4], row[11])
            crc = zlib.crc32(repr(values).encode("utf-8", "surrogatepass"))
            sig = zlib.crc32(repr(signature).encode("utf-8", "surrogatepass"))
            db.execute(f"INSERT INTO documents VALUES ({', '.join('?' * 17)})", (*row, crc, sig))
        old = {**header, "format": 1, "seq": 1}
        text = json.dumps(
            {**old, "crc": zlib.crc32(json.dumps(old, sort_keys=True).encode())}, sort_keys=True
        )
        db.execute("INSERT INTO header VALUES (0, ?)", (text,))


def test_a_catalog_of_the_older_layout_is_written_again_from_the_index_not_rebuilt(tmp_path: Path) -> None:
    corpus, folder, before = older_index(tmp_path)
    assert Catalog.load(folder) is None  # not believed as it is ...

    from tui.ui.controllers.listing import CatalogReader

    reader = CatalogReader(SimpleNamespace(index_dir=folder))  # type: ignore[arg-type]
    read = reader.read()  # ... nor damage to the list: the indexer writes it again
    assert read.entries is None and read.damaged is None

    report = indexer.sync(folder, [corpus], False, lambda _: None)
    assert report.rebuilt is None and report.indexed == 0
    assert report.repaired is not None and "new format" in report.repaired
    after = Catalog.load(folder)
    assert after is not None and after.entries == before.entries
    with View(folder) as view:
        assert view.header()["format"] == catalog_format.FORMAT
    again = indexer.sync(folder, [corpus], False, lambda _: None)
    assert again.repaired is None and again.rebuilt is None


def older_index(tmp_path: Path) -> tuple[Path, Path, Catalog]:
    """A corpus, its index with a catalog of the older layout, and the catalog as it was."""
    corpus = small_corpus(tmp_path / "corpus")
    folder = tmp_path / "index"
    indexer.sync(folder, [corpus], False, lambda _: None)
    before = Catalog.load(folder)
    assert before is not None
    as_format_1(folder)
    return corpus, folder, before


def small_corpus(folder: Path) -> Path:
    folder.mkdir()
    for n in range(12):
        (folder / f"d{n}.md").write_text(f"---\ntitle: Doc {n}\n---\nword{n} shared text\n", encoding="utf-8")
    return folder


def run_indexer(folder: Path, corpus: Path, fault: str) -> int:
    """The indexer child as the app starts it, killed at ``fault``; its exit code."""
    env = {**os.environ, VARIABLE: fault}
    argv = indexer_client.command(folder, [corpus], False)
    return subprocess.run(argv, env=env, capture_output=True, timeout=300).returncode


@pytest.mark.parametrize("fault", ["catalog-write@1:KILL", "catalog-write@1:INT", "catalog-compact@1:KILL"])
def test_an_upgrade_killed_is_done_again_by_the_next_run(tmp_path: Path, fault: str) -> None:
    corpus, folder, before = older_index(tmp_path)
    assert run_indexer(folder, corpus, fault) != 0, "the fault point was never reached"
    report = indexer.sync(folder, [corpus], False, lambda _: None)
    assert report.rebuilt is None and report.indexed == 0
    after = Catalog.load(folder)
    assert after is not None and after.entries == before.entries and after.describes(folder)


def test_a_save_over_the_older_layout_makes_the_new_tables(tmp_path: Path) -> None:
    rows = {e.id: e for e in (entry(n) for n in range(20))}
    Catalog(1, rows).save(tmp_path)
    as_format_1(tmp_path)
    Catalog(1, rows).save(tmp_path)
    assert_reads_back(tmp_path, rows)


# --------------------------------------------------------------------------- compacting


def scattered_rows(count: int) -> dict[str, Entry]:
    """Rows whose titles and dates come in no order of their indexes'."""
    rows = [
        entry(
            n,
            title=hashlib.md5(str(n).encode()).hexdigest(),
            date=f"{1990 + n * 7 % 30}-0{1 + n % 9}-1{n % 10}",
        )
        for n in range(count)
    ]
    return {e.id: e for e in rows}


def scattered(folder: Path, count: int, batch: int = 200) -> dict[str, Entry]:
    """A catalog saved as an indexing run saves it: a batch of ``scattered_rows`` at a time."""
    catalog = Catalog(1, {})
    catalog.save(folder)
    rows = scattered_rows(count)
    for n, e in enumerate(rows.values(), 1):
        catalog.put(e)
        if n % batch == 0 or n == count:
            catalog.save(folder)
    return rows


def test_compacting_keeps_every_row_in_fewer_pages(tmp_path: Path) -> None:
    rows = scattered(tmp_path, 3000)
    size = (tmp_path / CATALOG_NAME).stat().st_size
    assert compact(tmp_path)
    assert (tmp_path / CATALOG_NAME).stat().st_size < size * 0.95  # 8% at 3,000, 10% at 100,000
    assert_reads_back(tmp_path, rows)


def test_a_catalog_a_reader_holds_is_left_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = scattered(tmp_path, 300)
    monkeypatch.setattr(catalog_format, "connect", _impatient(catalog_format.connect))
    from tui.core import catalog_file

    monkeypatch.setattr(catalog_file, "connect", catalog_format.connect)
    with View(tmp_path) as view, view.snapshot():
        view.header()
        assert compact(tmp_path) is False
    assert_reads_back(tmp_path, rows)


def _impatient(connect):  # type: ignore[no-untyped-def]
    def connect_now(folder: Path, write: bool = False, create: bool = False) -> sqlite3.Connection:
        db = connect(folder, write, create)
        db.execute("PRAGMA busy_timeout = 50")
        return db

    return connect_now


COMPACTING = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tui.core.catalog_file import compact
    from tests.core.test_catalog_storage import scattered
    folder = Path(sys.argv[1])
    scattered(folder, 6000, 1000)
    print("ready", flush=True)
    while True:
        compact(folder)
    """
)


@pytest.mark.parametrize("delay", [0.0, 0.03, 0.07, 0.15, 0.3])
def test_compacting_killed_at_any_moment_leaves_the_catalog_as_it_was(tmp_path: Path, delay: float) -> None:
    root = str(Path(__file__).resolve().parents[2])
    child = subprocess.Popen(
        [sys.executable, "-c", COMPACTING, str(tmp_path)], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(delay)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    expected = scattered_rows(6000)
    catalog = Catalog.read(tmp_path, write=True)  # the writer rolls back what the kill left
    assert catalog.entries == expected
    assert_reads_back(tmp_path, expected)
    assert compact(tmp_path)  # the next run's compaction: the journal a kill left is gone
    assert_reads_back(tmp_path, expected)
    assert not (tmp_path / f"{CATALOG_NAME}-journal").exists()


def test_an_older_header_that_does_not_say_its_schema_is_damage_and_rebuilt(tmp_path: Path) -> None:
    corpus, folder, before = older_index(tmp_path)
    with sqlite3.connect(folder / CATALOG_NAME) as db:
        header = {k: v for k, v in json.loads(db.execute("SELECT value FROM header").fetchone()[0]).items()}
        del header["crc"], header["schema"]
        text = json.dumps({**header, "crc": zlib.crc32(json.dumps(header, sort_keys=True).encode())})
        db.execute("UPDATE header SET value = ?", (text,))
    report = indexer.sync(folder, [corpus], False, lambda _: None)
    assert (
        report.rebuilt == "index catalog missing or damaged" and (folder / f"{CATALOG_NAME}.damaged").exists()
    )
    after = Catalog.load(folder)
    assert after is not None and after.entries.keys() == before.entries.keys()


def test_a_new_folder_takes_a_key_no_other_holds(tmp_path: Path) -> None:
    rows = {e.id: e for e in (entry(n, path=f"/f{n}/d{n:04d}.md") for n in range(3))}
    catalog = Catalog(1, dict(rows))
    catalog.save(tmp_path)
    catalog.drop("d0001.md")
    catalog.save(tmp_path)
    with sqlite3.connect(tmp_path / CATALOG_NAME) as db:  # keys 0, 2: the one in the middle let go
        db.execute("DELETE FROM folders WHERE k = 1")
    catalog.put(entry(7, path="/f7/d0007.md"))
    catalog.save(tmp_path)
    expected = {k: v for k, v in rows.items() if k != "d0001.md"} | {
        "d0007.md": entry(7, path="/f7/d0007.md")
    }
    assert_reads_back(tmp_path, expected)


class _NoRoom:
    """A catalog connection with no room for the copy ``VACUUM`` writes (a full temporary
    folder): everything else as the real one."""

    def __init__(self, db: sqlite3.Connection, error: sqlite3.Error) -> None:
        self.db, self.error = db, error

    def execute(self, sql: str, *args: object) -> object:
        if sql.strip().upper() == "VACUUM":
            raise self.error
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.db, name)


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database or disk is full"),
        sqlite3.DatabaseError("database disk image is malformed"),
        sqlite3.OperationalError("disk I/O error"),
    ],
    ids=str,
)
def test_a_compaction_that_fails_fails_no_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: sqlite3.Error
) -> None:
    """The run has committed its index and catalog when it compacts: a compaction that cannot be
    done leaves the catalog as it is, and the run says it indexed, not that it failed."""
    from tui.core import catalog_file

    real = catalog_file.connect
    monkeypatch.setattr(catalog_file, "connect", lambda *a, **k: _NoRoom(real(*a, **k), error))
    monkeypatch.setattr(indexer, "COMPACT_LEAST", 1)
    corpus = small_corpus(tmp_path / "corpus")
    folder = tmp_path / "index"
    report = indexer.sync(folder, [corpus], False, lambda _: None)
    assert report.indexed > 0 and report.documents == report.indexed
    catalog = Catalog.load(folder)
    assert catalog is not None and len(catalog) == report.documents


def test_an_older_catalog_that_cannot_be_written_again_leaves_its_index_searchable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A read-only cache holding an index of the earlier layout: the run fails (it cannot write
    the catalog in its new format), and says the index it has can still be searched."""
    corpus, folder, _ = older_index(tmp_path)

    def read_only(self: Catalog, folder: Path) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(Catalog, "save", read_only)
    assert indexer.main(["--index-dir", str(folder), str(corpus)]) == 1
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[-1]["event"] == "error" and events[-1]["index"] is True
    (folder / CATALOG_NAME).write_bytes(b"not a catalog at all")  # damaged: nothing to search
    assert indexer.main(["--index-dir", str(folder), str(corpus)]) == 1
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["index"] is False
