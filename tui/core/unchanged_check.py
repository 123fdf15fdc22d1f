"""The start-up check of an unchanged corpus: the catalog's rows and the files on disk compared
as two texts, not one by one.

At 100,000 documents the full check (``index_check``, then ``index_plan.make_plan``) reads every
catalog row into Python and checks its CRC (some 0.45 s), then compares each file with its row
(0.2 s). Here SQLite writes the rows' signatures as one text, in a thread while the files are
listed, and the files are written the same way: equal texts prove that ``make_plan`` would find
nothing to do. Any difference or doubt (an older catalog, a damaged one, another index, a
converted file whose converter changed) and the full check runs and decides, as before.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from tui.core import catalog as catalog_format
from tui.core import formats
from tui.core.discovery import Skipped, SourceFile
from tui.core.index_files import FileState
from tui.core.index_plan import Notes
from tui.core.paths import Paths
from tui.core.search import backend

SIGNATURES_TEXT = (
    "SELECT group_concat(id || char(0) || path || char(0) || size || char(0) || mtime_ns || char(0) "
    "|| annotations, char(0)) FROM (SELECT id, "
    + catalog_format.PATH
    + " AS path, size, mtime_ns, annotations FROM documents ORDER BY id)"
)
"""Every row's id and signature but its sha256, in id order, as one text: fields and rows end
at a NUL, which no path holds. SQLite builds it in one step, without the GIL (a thread reads it
while the files are listed), and one comparison of texts checks 100,000 rows. (SQLite keeps a
subquery's order under an aggregate, though it does not promise to before ``group_concat(...
ORDER BY)`` in 3.44: another order would only make the texts differ, and the full check run.)"""


class SignatureRows(NamedTuple):
    """What the start-up check of an unchanged corpus reads of the catalog (one save's)."""

    schema: int | None
    generation: int | None
    files: dict[str, FileState] | None
    documents: int | None
    signatures: str
    """``SIGNATURES_TEXT``."""
    suffixed: list[tuple[str, str, int, int, str]]
    """(id, path, size, mtime_ns, sha256) of the rows whose path may end with a suffix asked for."""


def read_signature_rows(folder: Path, suffixes: Iterable[str] = ()) -> SignatureRows:
    """The catalog's header, checked, ``SIGNATURES_TEXT`` and the rows whose path ends with one
    of ``suffixes`` (lower case), all of the same save; raises as ``catalog.Catalog.read`` does.

    The rows' CRCs are not checked (that is the time saved): a changed byte in an id, path, size,
    mtime or notes signature makes the text differ from the files', and the full check (which
    checks them) runs instead. A changed byte in a sha256, a title or a CRC is found by whoever
    reads the row (``entry_of``: the reading room reads every row, and rebuilds on damage) or by
    the next full check. Suffixes are matched as ``LIKE`` does, ASCII letters in either case,
    with any character for a ``k`` (Python lower-cases the Kelvin sign to it): a superset of the
    paths whose suffix ``str.lower`` makes one of them.
    """
    patterns = ["%" + suffix.replace("k", "_") for suffix in suffixes]
    where = " OR ".join(f"({catalog_format.PATH}) LIKE ?" for _ in patterns)
    with contextlib.closing(catalog_format.connect(folder, write=True)) as db:
        db.execute("BEGIN")
        header = catalog_format.read_header(db)
        text = db.execute(SIGNATURES_TEXT).fetchone()[0]
        suffixed = (
            db.execute(
                f"SELECT {catalog_format.selected('id', 'path', 'size', 'mtime_ns', 'sha256')} "
                f"FROM documents WHERE {where}",
                patterns,
            ).fetchall()
            if patterns
            else []
        )
        db.execute("COMMIT")
    schema, generation, count = (header.get(k) for k in ("schema", "generation", "count"))
    return SignatureRows(schema, generation, catalog_format.files_of(header), count, text or "", suffixed)


class CatalogSignatures:
    """``read_signature_rows``, read in a thread started before the files are listed
    (SQLite builds the text without holding the GIL)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._found: SignatureRows | None = None
        self._thread = threading.Thread(target=self._read, name="catalog-signatures", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            self._found = read_signature_rows(self._folder, formats.SUFFIXES)
        except Exception:  # missing, damaged, busy: the full check reads it again and says so
            self._found = None

    def result(self) -> SignatureRows | None:
        self._thread.join()
        return self._found


def proven_unchanged(
    folder: Path, catalog: CatalogSignatures, sources: list[SourceFile], notes: Notes | None
) -> list[Skipped] | None:
    """When the index in ``folder`` provably holds ``sources`` as they are on disk, with their
    current notes and tags, but for files it never held that are still unreadable: those files'
    reasons (what ``make_plan`` and reading them would find: nothing else to do). Else None."""
    listed = catalog.result()
    if listed is None or notes is None:  # without the notes' signatures the full check decides
        return None
    if listed.schema != backend().schema_version or listed.documents is None:
        return None
    if not catalog_format.describes(folder, listed.generation, listed.files):
        return None
    held, others = sources, []
    if listed.documents != len(sources):  # files it never held: unreadable ones are read again
        ids = _ids_of(listed.signatures)
        if ids is None:
            return None
        held = [s for s in sources if s.id in ids]
        others = [s for s in sources if s.id not in ids]
    if len(held) != listed.documents or listed.signatures != files_text(held, notes):
        return None
    if not _conversions_current(listed):
        return None
    return _still_unreadable(others)


def _ids_of(text: str) -> set[str] | None:
    """The ids in ``SIGNATURES_TEXT`` (None when it does not split into whole rows)."""
    fields = text.split("\0") if text else []
    return set(fields[::5]) if len(fields) % 5 == 0 else None


UNREAD_BYTES = 8_000_000
"""The most bytes of files the index never held that the check reads again to find them still
unreadable; more (or a file to convert), and the full check reads them, with its progress."""


def _still_unreadable(sources: list[SourceFile]) -> list[Skipped] | None:
    """Why each file cannot be indexed, when none of them can (None as soon as one can, or when
    finding out would mean converting a file or reading more than ``UNREAD_BYTES``)."""
    if not sources:
        return []  # (and what reads documents, YAML with it, is not imported: 40 ms)
    if sum(s.size for s in sources) > UNREAD_BYTES or any(formats.format_of(s.location) for s in sources):
        return None
    from tui.core.documents import read_document

    found: list[Skipped] = []
    for source in sources:
        doc = read_document(source)
        if not isinstance(doc, Skipped):
            return None
        found.append(doc)
    return found


def files_text(sources: list[SourceFile], notes: Notes) -> str:
    """``catalog.SIGNATURES_TEXT`` as the catalog would hold it if it described ``sources``."""
    ordered = sorted(sources, key=attrgetter("id"))
    if not notes.has_files():
        return "\0".join([f"{s.id}\0{s.location}\0{s.size}\0{s.mtime_ns}\0" for s in ordered])
    annotations = notes.signature_at
    return "\0".join(
        [f"{s.id}\0{s.location}\0{s.size}\0{s.mtime_ns}\0{annotations(s.location)}" for s in ordered]
    )


def _conversions_current(listed: SignatureRows) -> bool:
    """Whether each converted file's indexed text is what the current converter makes of it
    (``index_plan._current``); the signatures' text leaves the sha256 out. Asked once the texts
    are equal, so each converted row's path, size and mtime are its file's."""
    cache = Paths.from_environment().converted
    return all(
        formats.current_sha256(Path(path), size, mtime_ns, cache) == sha256
        for _, path, size, mtime_ns, sha256 in listed.suffixed
        if formats.format_of(path) is not None
    )
