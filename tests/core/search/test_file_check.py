"""The check of a new searcher's files (``Index._file_check``): it runs on a thread while the
first search does its work, and nothing that search found is returned before every file has
passed; a file found damaged makes the search (or the count) IndexDamaged, whatever it found."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.core.fault_corpus import make_corpus
from tui.core import index_files, indexer
from tui.core.library import load_text
from tui.core.search import IndexDamaged, IndexUnavailable
from tui.core.search.types import Results
from tui.core.search.whoosh import FOLDER
from tui.core.search.whoosh import searcher as searcher_module
from tui.core.search.whoosh.searcher import Index

WAIT = 60.0
"""Seconds a test waits for the other thread before it fails (never reached when all is well)."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An index the indexer built: its catalog lists the files and their CRCs."""
    folder = tmp_path / "ix"
    indexer.sync(folder, [make_corpus(tmp_path / "corpus")], False, lambda _: None)
    return folder


@pytest.fixture
def ix(folder: Path) -> Iterator[Index]:
    opened = Index(folder, load_text)
    yield opened
    opened.close()


class Gate:
    """``verify_files`` held until released, and what it was asked."""

    def __init__(self, answer: str | None = None, error: Exception | None = None) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        self.answer, self.error = answer, error
        self.names: list[list[str]] = []
        self.real = index_files.verify_files

    def __call__(self, folder: Path, files: Any, names: list[str] | None = None) -> str | None:
        self.names.append(list(names or []))
        self.started.set()
        assert self.release.wait(WAIT)
        if self.error is not None:
            raise self.error
        return self.answer if self.answer is not None else self.real(folder, files, names)


def test_no_result_is_returned_before_the_files_pass(ix: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    monkeypatch.setattr(index_files, "verify_files", gate)
    searched = threading.Event()
    real_top = searcher_module.top_documents

    def top_documents(*args: Any) -> Any:
        found = real_top(*args)
        searched.set()
        return found

    monkeypatch.setattr(searcher_module, "top_documents", top_documents)
    got: list[Results] = []
    search = threading.Thread(target=lambda: got.append(ix.search("harbour")))
    search.start()
    assert gate.started.wait(WAIT) and searched.wait(WAIT)  # the search ran while the check waited
    search.join(0.2)
    assert search.is_alive() and not got, "a result was returned before its files were checked"
    gate.release.set()
    search.join(WAIT)
    assert got and got[0].total > 0
    assert any(name.endswith(".lps") for name in gate.names[0])
    ix.search("river")
    assert len(gate.names) == 1, "files are checked once per process"


@pytest.mark.parametrize("ask", ["search", "malformed", "count"])
def test_a_file_found_damaged_wins_over_what_was_found(
    ix: Index, monkeypatch: pytest.MonkeyPatch, ask: str
) -> None:
    gate = Gate(answer="index file whoosh/x.lps is damaged (its size or checksum changed)")
    gate.release.set()
    monkeypatch.setattr(index_files, "verify_files", gate)
    actions = {
        "search": lambda: ix.search("harbour"),
        "malformed": lambda: ix.search('"harbour'),
        "count": ix.doc_count,
    }
    with pytest.raises(IndexDamaged, match=r"x\.lps is damaged"):
        actions[ask]()
    monkeypatch.undo()
    assert ix.search("harbour").total > 0, "the files are checked again, and pass"


def test_a_failure_while_checking_is_damage(ix: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate(error=MemoryError("no room"))
    gate.release.set()
    monkeypatch.setattr(index_files, "verify_files", gate)
    with pytest.raises(IndexDamaged, match="cannot be checked: MemoryError"):
        ix.search("harbour")


def test_real_damage_is_found_by_the_first_search(folder: Path) -> None:
    target = max((folder / "whoosh").glob("*.lps"), key=lambda p: p.stat().st_size)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit: every read of the file may still succeed
    target.write_bytes(bytes(data))
    opened = Index(folder, load_text)
    try:
        with pytest.raises(IndexDamaged, match=target.name):
            opened.search("harbour OR river OR ledger")
    finally:
        opened.close()


@pytest.mark.parametrize("change", ["a document removed", "a document added"])
def test_a_commit_while_the_files_are_checked_is_no_damage(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """The indexer commits while a new searcher's files are read: the commit it replaced is
    let go (its table of contents deleted, the vocabulary rewritten), which the check finds
    "missing" or "changed". That is the index moving on, not damage: the search is answered on
    the new commit, and no rebuild is asked for."""
    corpus = tmp_path / "corpus"
    gate = Gate()
    monkeypatch.setattr(index_files, "verify_files", gate)
    ix = Index(folder, load_text)
    try:
        got: list[Any] = []

        def search() -> None:
            try:
                got.append(ix.search("harbour", limit=500))
            except Exception as error:  # the test says what came back
                got.append(error)

        thread = threading.Thread(target=search)
        thread.start()
        assert gate.started.wait(WAIT)
        if change == "a document removed":
            (corpus / "d000.md").unlink()
        else:
            (corpus / "new.md").write_text("---\ntitle: New\n---\n\nharbour harbour\n", encoding="utf-8")
        indexer.sync(folder, [corpus], False, lambda _: None)  # a new commit; the old one let go
        gate.release.set()
        thread.join(WAIT)
        assert len(got) == 1 and isinstance(got[0], Results), got
        ids = {h.id for h in got[0].hits}
        assert ("d000.md" not in ids) if change == "a document removed" else ("new.md" in ids)
        assert len(gate.names) >= 2  # checked again on the new commit
    finally:
        ix.close()


def _toc_removed(whoosh: Path) -> None:
    for toc in whoosh.glob("*.toc"):
        toc.unlink()  # a rebuild's first step (``writing.create``)


def _emptied(whoosh: Path) -> None:
    for path in whoosh.iterdir():
        path.unlink()


def _toc_garbled(whoosh: Path) -> None:
    toc = max(whoosh.glob("*.toc"))
    generation = int(toc.stem.rsplit("_", 1)[1])
    newer = toc.with_name(toc.name.replace(f"_{generation}.toc", f"_{generation + 1}.toc"))
    newer.write_bytes(b"\x00garbage" * 8)  # a newer commit, unreadable


def _folder_removed(whoosh: Path) -> None:
    shutil.rmtree(whoosh)


@pytest.mark.parametrize("damage", [_toc_removed, _emptied, _toc_garbled, _folder_removed])
def test_an_open_searcher_whose_index_cannot_be_reopened_says_so_and_recovers(
    folder: Path, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    """The index changes under an open searcher (a rebuild begins, damage) so that the new one
    cannot be opened: the search says the index is unavailable or damaged, never anything else
    (the old searcher is closed once, not again as the failure is handled), and the same Index
    answers again once the index is rebuilt."""
    ix = Index(folder, load_text)
    try:
        expected = ix.search("harbour", limit=500).total
        damage(folder / FOLDER)
        for _ in range(2):  # and again: the failure left nothing half-closed behind
            with pytest.raises((IndexUnavailable, IndexDamaged)):
                ix.search("harbour")
        indexer.sync(folder, [tmp_path / "corpus"], True, lambda _: None)
        assert ix.search("harbour", limit=500).total == expected
    finally:
        ix.close()
