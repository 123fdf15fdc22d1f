"""The catalog: what the index holds, kept in a SQLite database beside it, and proof that it does.

One row per indexed document: where it was (path, size, mtime) and what it was (sha256 and the
metadata the document list shows). It serves two hot paths without importing the search engine:
the start-up check and the first paint of the document list. SQLite (the standard library's)
rather than one JSON document, so that the list can ask "how many" and "rows 0-40 by date"
without reading 100,000 rows, and so that each commit of the indexer writes only the rows it
changed, not the whole catalog again.

Catalog and index are one truth. The catalog names the index *generation* it describes (the
backend's newest commit, read from its file names) and every file of that generation with
its size, mtime and CRC-32. The indexer saves it after each commit, in one SQLite transaction
(rows and header together, or neither); a run killed between the commit and the save leaves a
catalog one generation behind, which the next run notices and repairs from the index's stored
entries. The start-up check trusts an index whose files are as listed (a ``stat`` each); a
searcher checks each file's CRC once before it believes it (``index_files.verify_files``), so a damaged
file is found even when its size and mtime were kept.

A row keeps its path as the key of its folder (``folders``: the path is that folder, then the
id) and its sha256 as 32 bytes; SQL reads them back as text (``selected``), so every reader
gets ``Entry``'s values, and the CRCs are of those. A third smaller than text at 100,000 rows.

The catalog's own damage is noticed too: SQLite reports a damaged structure, and every row
carries the CRC-32 of its values (the header row the CRC of the header), so a changed byte in a
title or an id is seen when the row is read; a catalog that fails either way is ``None`` to
``load`` and the index is rebuilt, never believed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tui.core.discovery import SourceFile
from tui.core.faults import checkpoint
from tui.core.index_files import FileState, index_stats, same_stats
from tui.core.search import backend

if TYPE_CHECKING:
    from tui.core.documents import Document

CATALOG_NAME = "catalog.db"
OLD_CATALOG_NAME = "catalog.json"
"""The JSON catalog of earlier versions: deleted when an index is wiped (its index is rebuilt)."""
FORMAT = 2
"""The layout of the database below; another one is not read (the catalog is made again from
the index's records). 2: paths by folder, sha256 as bytes, rows without a rowid."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One indexed document, as the catalog remembers it."""

    id: str
    path: str
    size: int
    mtime_ns: int
    sha256: str
    title: str
    date: str
    source: str
    language: str
    tags: tuple[str, ...]
    words: int
    annotations: str = ""
    """Signature (mtime, size) of the document's annotation file when it was indexed."""
    author: str = ""
    """``Document.author``. Last, with a default, so an index record saved before it existed
    still loads (its documents show no author until they are indexed again)."""

    @classmethod
    def of(cls, doc: Document, annotations: str = "") -> Entry:
        """The entry for a freshly read document."""
        return cls(
            id=doc.id,
            path=str(doc.path),
            size=doc.size,
            mtime_ns=doc.mtime_ns,
            sha256=doc.sha256,
            title=doc.title,
            date=doc.date,
            source=doc.source,
            language=doc.language,
            tags=doc.tags,
            words=doc.words,
            annotations=annotations,
            author=doc.author,
        )

    def record(self) -> dict[str, Any]:
        """Every field but the id, as the index's stored record keeps them."""
        return {name: getattr(self, name) for name in _RECORD_FIELDS}


class Signature(NamedTuple):
    """What the start-up check compares of a document: its file's cheap signature, what it was,
    and its annotations' signature (``Entry`` has them all; the catalog reads only these)."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    annotations: str

    def matches(self, source: SourceFile) -> bool:
        """Same file by its cheap signature (path, size, mtime): no need to read it. The path is
        compared as text (``SourceFile.location``): no ``Path`` is made for the file."""
        return self.mtime_ns == source.mtime_ns and self.size == source.size and self.path == source.location

    @classmethod
    def of(cls, entry: Entry) -> Signature:
        return cls(entry.path, entry.size, entry.mtime_ns, entry.sha256, entry.annotations)


_make_signature = tuple.__new__
"""A ``Signature`` from a tuple of its values without a call of its ``__new__`` (100,000 at start)."""
_FIELDS = tuple(f.name for f in fields(Entry))
_RECORD_FIELDS = _FIELDS[1:]
_TAGS = _FIELDS.index("tags")
_COLUMNS = ", ".join(_FIELDS)
_SIGNATURE = ("id", *Signature._fields)
_PATH, _SHA256 = _FIELDS.index("path"), _FIELDS.index("sha256")
_HEX_SHA256 = re.compile("[0-9a-f]{64}")
_TAG_SEPARATOR = "\x1f"
_TAGS_AS_JSON = "\x1e"
"""Tags are stored joined by the unit separator, which no tag holds in practice; tags that do
(or an empty tag) are stored as JSON after this mark. ``json.loads`` per row would cost more
than the rest of the row."""


# --------------------------------------------------------------------------- the database

_TABLES = """
CREATE TABLE IF NOT EXISTS header (key INTEGER PRIMARY KEY CHECK (key = 0), value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folders (k INTEGER PRIMARY KEY, folder TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    path NOT NULL,              -- a key of folders when the path is that folder then the id, else the path
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    sha256 NOT NULL,            -- its 32 bytes when it is lower-case hex (lectern's always is), else the text
    title TEXT NOT NULL, date TEXT NOT NULL, source TEXT NOT NULL,
    language TEXT NOT NULL, tags TEXT NOT NULL, words INTEGER NOT NULL, annotations TEXT NOT NULL,
    author TEXT NOT NULL,
    title_key TEXT NOT NULL,    -- the title casefolded: SQLite's lower() folds ASCII only
    seq INTEGER NOT NULL,       -- the save that last wrote the row: what a reader has not seen yet (a scan
                                -- off the GIL, 25 ms at 100,000 rows: an index on it cost 2.4 MB)
    crc INTEGER NOT NULL,       -- of the entry's values: a changed byte is noticed
    sig_crc INTEGER NOT NULL    -- of the id and the signature alone, which the start-up check reads
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS documents_by_date ON documents (date, title_key, id);
CREATE INDEX IF NOT EXISTS documents_by_title ON documents (title_key, id);
"""


class CatalogDamaged(Exception):
    """The catalog database is there but cannot be believed (its structure or a CRC)."""


class OlderFormat(CatalogDamaged):
    """A catalog of an earlier layout, its header intact: which commit and files it describes
    can be believed, its rows are to be read again from the index's records (``older``)."""

    def __init__(self, header: dict[str, Any]) -> None:
        super().__init__(f"catalog format {header.get('format')} is not {FORMAT}")
        self.header = header

    def older(self) -> Catalog | None:
        """The catalog the header describes, with no entries yet (``replace`` them); None when the
        header does not say which schema."""
        schema = self.header.get("schema")
        if type(schema) is not int:
            return None
        return Catalog(schema, {}, self.header.get("generation"), files_of(self.header))


def connect(folder: Path, write: bool = False, create: bool = False) -> sqlite3.Connection:
    """The catalog database of ``folder`` (FileNotFoundError when there is none, unless
    ``create``): read-only unless ``write``.

    Read-only opens never create a file and work in a read-only cache; but only a writer rolls
    back the journal of a killed write (the indexer reads with ``write``). Transactions are the
    caller's (``isolation_level=None``). A writer waits up to a minute for readers to finish (the
    app's first read of a large catalog), a reader up to 10 s for a commit.
    """
    path = (folder / CATALOG_NAME).absolute()
    if not create and not path.exists():
        raise FileNotFoundError(path)
    uri = f"{path.as_uri()}?mode={'rwc' if create else 'rw' if write else 'ro'}"
    timeout = 60 if write else 10
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)


def _crc(values: tuple[Any, ...]) -> int:
    # repr of a tuple of str and int: one C call, the same text on every Python.
    return zlib.crc32(repr(values).encode("utf-8", "surrogatepass"))


def _tags_text(tags: tuple[str, ...]) -> str:
    if any(not tag or _TAG_SEPARATOR in tag for tag in tags) or (tags and tags[0].startswith(_TAGS_AS_JSON)):
        return _TAGS_AS_JSON + json.dumps(list(tags), ensure_ascii=False)
    return _TAG_SEPARATOR.join(tags)


def _tags_of(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    if text.startswith(_TAGS_AS_JSON):
        return tuple(json.loads(text[1:]))
    return tuple(text.split(_TAG_SEPARATOR))


def _row_of(entry: Entry, seq: int, folders: _Folders) -> tuple[Any, ...]:
    """The row saved for ``entry``: its values stored (``_READ_AS`` reads them back), the title's
    sort key, the save, the CRCs of its values as read."""
    values = tuple(_tags_text(entry.tags) if name == "tags" else getattr(entry, name) for name in _FIELDS)
    signature = (entry.id, *Signature.of(entry))
    stored = list(values)
    stored[_PATH] = folders.stored(entry.path, entry.id)
    if _HEX_SHA256.fullmatch(entry.sha256):
        stored[_SHA256] = bytes.fromhex(entry.sha256)
    return (*stored, entry.title.casefold(), seq, _crc(values), _crc(signature))


_READ_AS = {
    "path": "CASE WHEN typeof(documents.path) = 'integer' THEN (SELECT folder FROM folders"
    " WHERE k = documents.path) || documents.id ELSE documents.path END",
    "sha256": "CASE WHEN typeof(sha256) = 'blob' THEN lower(hex(sha256)) ELSE sha256 END",
}
"""How a stored column reads back as ``Entry``'s value (a folder missing: NULL, and the row's
CRC fails)."""


def selected(*names: str) -> str:
    """A SELECT list of ``documents``' columns, each as ``Entry``'s value."""
    return ", ".join(_READ_AS.get(name, name) for name in names)


ENTRY_COLUMNS = f"{selected(*_FIELDS)}, crc"
"""Every value of an entry, then the row's CRC (``entry_of``, ``checked``)."""
SIGNATURE_COLUMNS = selected(*_SIGNATURE)
"""The id and the ``Signature``: ``signature_crc`` of them is the row's ``sig_crc``."""
PATH = _READ_AS["path"]
"""The path, as SQL over a row of ``documents``."""


def signature_crc(values: tuple[Any, ...]) -> int:
    """The CRC of a row's ``SIGNATURE_COLUMNS``, as saved in its ``sig_crc``."""
    return _crc(values)


class _Folders:
    """The folders of the catalog's paths, each held once (``folders``): a path is mostly its
    root's folder then the document's id, and a key of one byte stands for 60 of text."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._keys: dict[str, int] = dict(db.execute("SELECT folder, k FROM folders"))
        self._next = max(self._keys.values(), default=-1) + 1

    def stored(self, path: str, doc_id: str) -> int | str:
        """What the row keeps for ``path``: its folder's key, or the path when it does not end
        with the id just after a separator."""
        folder = path[: len(path) - len(doc_id)]
        if not doc_id or not path.endswith(doc_id) or not folder.endswith(("/", os.sep)):
            return path
        key = self._keys.get(folder)
        if key is None:
            key, self._next = self._next, self._next + 1
            self._db.execute("INSERT INTO folders (k, folder) VALUES (?, ?)", (key, folder))
            self._keys[folder] = key
        return key


_SHARED_FIELDS = tuple(
    _FIELDS.index(name) for name in ("date", "source", "language", "annotations", "author")
)
_shared: dict[Any, Any] = {}
"""One copy of each date, source, language (and tag list) however many entries have it: 100,000
entries hold some thousand distinct values, and a string each would be 20 MB more."""


COLUMN = {name: index for index, name in enumerate(_FIELDS)}
"""Where each of ``Entry``'s fields is in a row's values (``View.changed_values``; tags as text)."""


def checked(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The values of a row of ``ENTRY_COLUMNS`` (``COLUMN`` says which is where), checked
    against its CRC (CatalogDamaged when it fails)."""
    values = row[:-1]
    if _crc(values) != row[-1]:
        raise CatalogDamaged(f"the catalog row of {row[0]!r} is damaged")
    return values


def share(value: Any) -> Any:
    """One copy of a value many rows hold (a date, a source): see ``_shared``."""
    if len(_shared) > 200_000:  # a bound, whatever the corpus
        _shared.clear()
    return _shared.setdefault(value, value)


def entry_of(row: tuple[Any, ...]) -> Entry:
    """An entry from a row of ``ENTRY_COLUMNS``, checked (CatalogDamaged when it fails its CRC)."""
    fields_ = list(checked(row))
    for index in _SHARED_FIELDS:
        fields_[index] = share(fields_[index])
    tags = fields_[_TAGS]
    fields_[_TAGS] = _shared.get(("tags", tags)) or _share_tags(tags)
    return Entry(*fields_)


def _share_tags(text: str) -> tuple[str, ...]:
    tags = tuple(share(tag) for tag in _tags_of(text))
    _shared[("tags", text)] = tags
    return tags


def read_header(db: sqlite3.Connection) -> dict[str, Any]:
    """The header row, checked (CatalogDamaged when it fails its CRC or is of another format)."""
    found = db.execute("SELECT value FROM header WHERE key = 0").fetchone()
    if found is None:
        raise CatalogDamaged("the catalog has no header")
    header = json.loads(found[0])
    if not isinstance(header, dict) or header.pop("crc", None) != _header_crc(header):
        raise CatalogDamaged("the catalog header is damaged")
    if header.get("format") != FORMAT:
        older = type(header.get("format")) is int and 0 < header["format"] < FORMAT
        raise OlderFormat(header) if older else CatalogDamaged(f"catalog format {header.get('format')}")
    return header


def _saved_seq(db: sqlite3.Connection) -> int:
    """The save the rows on disk are of; -1 when no header of this format is there to believe."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'header'").fetchone() is None:
        return -1
    try:
        return int(read_header(db)["seq"])
    except (CatalogDamaged, ValueError, KeyError, TypeError):
        return -1


def _header_crc(header: Mapping[str, Any]) -> int:
    return zlib.crc32(json.dumps(header, sort_keys=True).encode("utf-8"))


def _write_header(db: sqlite3.Connection, header: dict[str, Any]) -> None:
    value = json.dumps({**header, "crc": _header_crc(header)}, sort_keys=True)
    db.execute("INSERT OR REPLACE INTO header (key, value) VALUES (0, ?)", (value,))


def _read_entries(db: sqlite3.Connection) -> dict[str, Entry]:
    return {row[0]: entry_of(row) for row in db.execute(f"SELECT {ENTRY_COLUMNS} FROM documents")}


# --------------------------------------------------------------------------- the whole catalog


class Catalog:
    """The documents of one index, and the index generation and files they describe.

    ``signatures`` (what the start-up check compares) are read with the catalog; whole
    ``entries`` only when asked for (the indexer of an unchanged corpus never does). Change it
    with ``put`` and ``drop`` (or ``replace`` every entry): ``save`` then writes only the rows
    that changed since the catalog was read or last saved.
    """

    def __init__(
        self,
        schema: int,
        entries: dict[str, Entry] | None = None,
        generation: int | None = None,
        files: dict[str, FileState] | None = None,
        *,
        signatures: dict[str, Signature] | None = None,
        folder: Path | None = None,
        seq: int = 0,
    ) -> None:
        self.schema = schema
        self.generation = generation
        """The backend's commit the entries describe; None: not yet known."""
        self.files = files
        """The index's files (see ``index_files``) as they were when the catalog was saved."""
        self._entries = entries if entries is not None or folder is not None else {}
        self.signatures: dict[str, Signature] = (
            signatures
            if signatures is not None
            else {doc_id: Signature.of(e) for doc_id, e in (self._entries or {}).items()}
        )
        """Every document's ``Signature`` by id: what the index holds."""
        self._folder = folder
        self.seq = seq
        """The save this catalog is (or was read from); 0: never saved."""
        self._pending: dict[str, Entry] = {}
        self._dropped: set[str] = set()
        self._whole = folder is None
        """Whether the next save writes every row (a new catalog, or entries replaced)."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Catalog):
            return NotImplemented
        mine = (self.schema, self.generation, self.files, self.entries)
        return mine == (other.schema, other.generation, other.files, other.entries)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"Catalog(schema={self.schema}, documents={len(self)}, generation={self.generation})"

    def __len__(self) -> int:
        return len(self.signatures)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.signatures

    @property
    def entries(self) -> dict[str, Entry]:
        """Every entry by id (read from the database the first time, with the changes since)."""
        if self._entries is None:
            assert self._folder is not None
            with contextlib.closing(connect(self._folder, write=True)) as db:
                db.execute("BEGIN")
                if int(read_header(db)["seq"]) != self.seq:
                    raise CatalogDamaged("the catalog was replaced since it was read")
                entries = _read_entries(db)
                db.execute("COMMIT")
            for doc_id in self._dropped:
                entries.pop(doc_id, None)
            entries.update(self._pending)
            if entries.keys() != self.signatures.keys():
                raise CatalogDamaged("the catalog changed under its reader")
            self._entries = entries
        return self._entries

    def put(self, entry: Entry) -> None:
        """Add or replace one document's entry."""
        self.signatures[entry.id] = Signature.of(entry)
        self._pending[entry.id] = entry
        self._dropped.discard(entry.id)
        if self._entries is not None:
            self._entries[entry.id] = entry

    def drop(self, doc_id: str) -> bool:
        """Remove one document's entry; whether it was there."""
        if self.signatures.pop(doc_id, None) is None:
            return False
        self._pending.pop(doc_id, None)
        self._dropped.add(doc_id)
        if self._entries is not None:
            self._entries.pop(doc_id, None)
        return True

    def replace(self, entries: dict[str, Entry]) -> None:
        """Every entry at once (a catalog rebuilt from the index): the next save writes them all."""
        self._entries = entries
        self.signatures = {doc_id: Signature.of(e) for doc_id, e in entries.items()}
        self._pending.clear()
        self._dropped.clear()
        self._whole = True

    @classmethod
    def load(cls, folder: Path) -> Catalog | None:
        """The catalog in ``folder`` with its entries, or None when missing, damaged or of
        another format."""
        try:
            catalog = cls.read(folder)
            catalog.entries  # noqa: B018 - read now, and checked: None rather than a raise later
        except (OSError, sqlite3.Error, CatalogDamaged, ValueError, KeyError, TypeError):
            return None
        return catalog

    @classmethod
    def read(cls, folder: Path, write: bool = False) -> Catalog:
        """The catalog in ``folder`` with its signatures, every row's checked; raises when it
        cannot be believed (``CatalogDamaged``, ``sqlite3.Error``) or is missing
        (``FileNotFoundError``). ``write``: open it as its writer, which rolls back what a
        killed save left half-done."""
        with contextlib.closing(connect(folder, write)) as db:
            db.execute("BEGIN")  # header and rows of one save, even while the indexer writes
            header = read_header(db)
            rows = db.execute(f"SELECT {SIGNATURE_COLUMNS}, sig_crc FROM documents").fetchall()
            db.execute("COMMIT")
        signatures: dict[str, Signature] = {}
        for row in rows:
            if _crc(row[:-1]) != row[-1]:
                raise CatalogDamaged(f"the catalog row of {row[0]!r} is damaged")
            signatures[row[0]] = _make_signature(Signature, row[1:-1])
        if len(signatures) != header["count"]:
            raise CatalogDamaged(f"the catalog lists {len(signatures)} documents, not {header['count']}")
        return cls(
            schema=int(header["schema"]),
            generation=header.get("generation"),
            files=files_of(header),
            signatures=signatures,
            folder=folder,
            seq=int(header["seq"]),
        )

    def save(self, folder: Path) -> None:
        """Write the changes since the last read or save, and the header, in one transaction.

        The rows on disk are those of the save this catalog last saw (``seq``), else (the file
        was replaced or lost meanwhile) every row is written again.
        """
        with contextlib.closing(connect(folder, write=True, create=True)) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                on_disk = _saved_seq(db)
                if on_disk < 0:  # another format's tables, or a damaged header: every row again
                    db.execute("DROP TABLE IF EXISTS documents")
                    db.execute("DROP TABLE IF EXISTS folders")
                for statement in _TABLES.split(";"):  # not executescript: it would commit first
                    if statement.strip():
                        db.execute(statement)
                seq = max(on_disk, self.seq) + 1
                if self._whole or on_disk != self.seq:
                    db.execute("DELETE FROM documents")
                    db.execute("DELETE FROM folders")
                    folders = _Folders(db)
                    everyone = self.entries.values()
                    rows: Iterable[tuple[Any, ...]] = (_row_of(e, seq, folders) for e in everyone)
                else:
                    db.executemany("DELETE FROM documents WHERE id = ?", ((i,) for i in self._dropped))
                    folders = _Folders(db)
                    rows = (_row_of(e, seq, folders) for e in self._pending.values())
                db.executemany(
                    f"INSERT OR REPLACE INTO documents ({_COLUMNS}, title_key, seq, crc, sig_crc) "
                    f"VALUES ({', '.join('?' * (len(_FIELDS) + 4))})",
                    rows,
                )
                header = {
                    "format": FORMAT,
                    "schema": self.schema,
                    "generation": self.generation,
                    "files": self.files,
                    "count": len(self.signatures),
                    "seq": seq,
                }
                _write_header(db, header)
                checkpoint("catalog-write")  # rows and header written, not yet committed
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
        self.seq = seq
        self._folder = folder
        self._entries = None  # on disk now, read again if asked for: an indexer need not hold 100,000
        self._pending.clear()
        self._dropped.clear()
        self._whole = False

    def describes(self, folder: Path) -> bool:
        """True when the index's files are exactly as this catalog lists them (a stat each)."""
        return describes(folder, self.generation, self.files)


def describes(folder: Path, generation: int | None, files: Mapping[str, FileState] | None) -> bool:
    """True when the index's files are exactly as ``files`` lists them, of commit ``generation``."""
    if not files or generation is None:
        return False
    stats = index_stats(folder)  # one listing serves both: the TOC's name carries the generation
    return generation == backend().generation(Path(name).name for name in stats) and same_stats(files, stats)


# --------------------------------------------------------------------------- reading a part


def read_files(folder: Path) -> dict[str, FileState] | None:
    """The files listed by the catalog in ``folder``, reading only its header."""
    try:
        with contextlib.closing(connect(folder)) as db:
            return files_of(read_header(db))
    except (OSError, sqlite3.Error, CatalogDamaged, ValueError):
        return None


# --------------------------------------------------------------------------- the index's files


def files_of(header: dict[str, Any]) -> dict[str, FileState] | None:
    """The index files a header lists (None when it lists none, or not as ``FileState``)."""
    files = header.get("files")
    if not isinstance(files, dict):
        return None
    valid = all(
        isinstance(v, list) and len(v) == 3 and all(type(n) is int for n in v) for v in files.values()
    )
    return files if valid else None
