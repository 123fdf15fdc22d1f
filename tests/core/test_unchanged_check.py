"""The start-up check of an unchanged corpus (``unchanged_check``): the catalog's rows and the
files compared as two texts.

The property: for any catalog and any files found, the check proves "nothing to do" exactly
when ``make_plan`` would find nothing to remove and only files the catalog never held (still
unreadable) to read (names in any script and order, sub-folders, notes, converted files). Then, on real indexes: an unchanged corpus takes
the short way and reports what the full check reports; each kind of change or damage takes the
full way, which decides as before.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from tests.core.test_indexer_plan import GONE, NOTES, case_of, fake_sha256, planned_files
from tui.core import catalog as catalog_format
from tui.core import formats, index_plan, indexer, unchanged_check
from tui.core.annotation_store import AnnotationStore
from tui.core.catalog import Catalog
from tui.core.search import backend

NAMES = [
    "a.md",
    "B.md",
    "a b.md",
    "a-b.md",
    "a/b.md",
    "a.b/c.md",
    "é.md",
    "e\u0301.md",  # the same letter decomposed: another name
    "中文.md",
    "😀.txt",
    "\uffff.md",
    "tab\there.md",
    "new\nline.md",
    "d.pdf",
    "e.HTML",
    "f.Pdf",
    "g.hTm.md",  # not converted: the suffix is the last one
    "x~2.md",
]


@settings(max_examples=200, deadline=None)
@given(planned_files(NAMES), GONE, NOTES)
def test_nothing_to_do_is_proven_exactly_when_the_plan_is_empty(
    files: list[tuple[Any, ...]], gone: list[str], notes_kind: str
) -> None:
    entries, sources, notes = case_of(files, gone, notes_kind)
    with tempfile.TemporaryDirectory() as temp, pytest.MonkeyPatch.context() as patch:
        folder = Path(temp)
        catalog = Catalog(backend().schema_version, entries)
        catalog.save(folder)
        patch.setattr(formats, "current_sha256", fake_sha256)
        patch.setattr(catalog_format, "describes", lambda *_: True)  # the index's files: below
        plan = index_plan.make_plan(catalog, sources, [], notes)  # type: ignore[arg-type]
        listed = unchanged_check.CatalogSignatures(folder)
        proven = unchanged_check.proven_unchanged(folder, listed, sources, notes)  # type: ignore[arg-type]
    # the files here are not on disk: one the catalog never held is read, found unreadable
    # (as make_plan's run would), and reported; one it held and changed, or one to convert
    # (a converter may take a minute: the full check runs it, with its progress), is for the
    # full check
    only_unreadable = all(s.id not in entries and not formats.format_of(s.location) for s in plan.to_read)
    assert (proven is not None) == (not plan.removed and only_unreadable and notes is not None)
    if proven is not None:
        assert [str(s.path) for s in proven] == [s.location for s in plan.to_read]


# --------------------------------------------------------------------------- on real indexes


def sync(folder: Path, corpus: Path | list[Path], annotations: Path) -> tuple[indexer.Report, list[Any]]:
    events: list[dict[str, Any]] = []
    roots = corpus if isinstance(corpus, list) else [corpus]
    report = indexer.sync(folder, roots, False, events.append, annotations)
    return report, events


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    for n, name in enumerate(["a.md", "b.txt", "sub/c.md", "é.md", "中文.md", "sub/a b.md", "z.html"]):
        (corpus / name).write_text(f"# Doc {n}\n\nword{n} shared text\n", encoding="utf-8")
    (corpus / "binary.md").write_bytes(b"\x00\x01\x02" * 100)  # skipped, and said so each run
    folder, annotations = tmp_path / "index", tmp_path / "annotations"
    report, _ = sync(folder, corpus, annotations)
    assert report.indexed == 7 and report.skipped
    return folder, corpus, annotations


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders the full start-up check ran on."""
    ran: list[Path] = []
    real = indexer.check_index
    monkeypatch.setattr(indexer, "check_index", lambda folder: ran.append(folder) or real(folder))
    return ran


def test_an_unchanged_corpus_takes_the_short_way_and_reports_as_the_full_check(
    indexed: tuple[Path, Path, Path], full_checks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus, annotations = indexed
    short, short_events = sync(folder, corpus, annotations)
    assert full_checks == []
    monkeypatch.setattr(indexer, "proven_unchanged", lambda *_: None)
    full, full_events = sync(folder, corpus, annotations)
    assert full_checks == [folder]
    short.seconds = full.seconds = 0.0
    assert short == full and short.unchanged == 7 and short.documents == 7
    assert [s["path"] for s in short.skipped] == [str(corpus / "binary.md")]  # read again, said again

    def said(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events if e["event"] in ("skipped", "problem")]

    assert said(short_events) == said(full_events)


def test_several_roots_with_the_same_names_take_the_short_way(
    tmp_path: Path, full_checks: list[Path]
) -> None:
    roots = [tmp_path / "one" / "notes", tmp_path / "two" / "notes"]
    for root in roots:
        root.mkdir(parents=True)
        (root / "a.md").write_text(f"# A\n\n{root}\n", encoding="utf-8")
    folder, annotations = tmp_path / "index", tmp_path / "annotations"
    assert sync(folder, roots, annotations)[0].indexed == 2
    full_checks.clear()
    assert sync(folder, roots, annotations)[0].unchanged == 2 and full_checks == []


def touch(path: Path) -> None:
    stat = path.stat()
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def _edit(corpus: Path) -> None:
    (corpus / "a.md").write_text("# Doc 0\n\nword0 shared text, and more\n", encoding="utf-8")


def _touch(corpus: Path) -> None:
    touch(corpus / "sub" / "c.md")


def _add(corpus: Path) -> None:
    (corpus / "sub" / "new.md").write_text("# New\n\nfresh\n", encoding="utf-8")


def _delete(corpus: Path) -> None:
    (corpus / "b.txt").unlink()


def _rename(corpus: Path) -> None:
    (corpus / "é.md").rename(corpus / "e.md")


def _now_binary(corpus: Path) -> None:
    (corpus / "中文.md").write_bytes(b"\x00\xff" * 50)


CHANGES = {
    "edited": (_edit, {"updated": 1}),
    "touched": (_touch, {"unchanged": 7}),  # read again, found the same: not re-indexed
    "added": (_add, {"indexed": 1}),
    "deleted": (_delete, {"removed": 1}),
    "renamed": (_rename, {"indexed": 1, "removed": 1}),
    "now unreadable": (_now_binary, {"removed": 1}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_file_takes_the_full_way(
    indexed: tuple[Path, Path, Path], full_checks: list[Path], change: str
) -> None:
    folder, corpus, annotations = indexed
    edit, expected = CHANGES[change]
    edit(corpus)
    report, _ = sync(folder, corpus, annotations)
    assert full_checks == [folder]
    assert {k: getattr(report, k) for k in expected} == expected
    again, _ = sync(folder, corpus, annotations)
    assert full_checks == [folder] and again.unchanged == again.documents  # then the short way


def test_changed_notes_take_the_full_way(indexed: tuple[Path, Path, Path], full_checks: list[Path]) -> None:
    folder, corpus, annotations = indexed
    store = AnnotationStore(annotations)
    store.folder.mkdir(parents=True, exist_ok=True)
    store.file_for(corpus / "a.md").write_text("annotations: []\n", encoding="utf-8")
    report, _ = sync(folder, corpus, annotations)
    assert full_checks == [folder] and report.updated + report.unchanged == 7
    sync(folder, corpus, annotations)
    assert full_checks == [folder]  # notes unchanged since: the short way, with a store
    touch(store.file_for(corpus / "a.md"))
    sync(folder, corpus, annotations)
    assert full_checks == [folder, folder]


def _row_damaged(folder: Path, column: str, value: object) -> None:
    with sqlite3.connect(folder / catalog_format.CATALOG_NAME) as db:
        db.execute(f"UPDATE documents SET {column} = ? WHERE id = 'a.md'", (value,))


@pytest.mark.parametrize(
    ("column", "value"), [("mtime_ns", 1), ("size", 0), ("path", "/elsewhere/a.md"), ("annotations", "1:1")]
)
def test_a_damaged_signature_in_the_catalog_takes_the_full_way_which_rebuilds(
    indexed: tuple[Path, Path, Path], full_checks: list[Path], column: str, value: object
) -> None:
    folder, corpus, annotations = indexed
    _row_damaged(folder, column, value)  # its CRC no longer matches
    report, _ = sync(folder, corpus, annotations)
    assert full_checks == [folder] and report.rebuilt == "index catalog missing or damaged"
    assert report.indexed == 7


def test_a_changed_index_or_catalog_header_takes_the_full_way(
    indexed: tuple[Path, Path, Path], full_checks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus, annotations = indexed
    some_file = next(p for p in (folder / backend().folder).iterdir() if p.suffix == ".pst")
    touch(some_file)  # the catalog no longer describes the index's files
    assert sync(folder, corpus, annotations)[0].unchanged == 7 and full_checks == [folder]
    monkeypatch.setattr(type(backend()), "schema_version", backend().schema_version + 1)
    report, _ = sync(folder, corpus, annotations)
    assert full_checks == [folder, folder] and report.rebuilt and report.indexed == 7
    (folder / catalog_format.CATALOG_NAME).write_bytes(b"not a database")
    report, _ = sync(folder, corpus, annotations)
    assert full_checks == [folder] * 3 and report.rebuilt and report.indexed == 7


def test_a_converted_file_whose_converter_changed_takes_the_full_way(
    indexed: tuple[Path, Path, Path], full_checks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus, annotations = indexed
    assert formats.format_of(corpus / "z.html") is not None
    monkeypatch.setattr(formats, "current_sha256", lambda *_: "another converter's text")
    report, _ = sync(folder, corpus, annotations)
    assert full_checks == [folder] and report.unchanged == 7  # read again: the same text
