"""A damaged cache never gives a traceback or a wrong answer: every kind of file the cache holds
(catalog, vocabulary, Whoosh's table of contents, term, postings, stored-field and column files,
lectern's flat postings, the saved term lists, the lock file) truncated, garbled in the middle, garbled with its mtime
put back, or deleted; then the start-up check and the fixed query set (word, prefix, fuzzy,
phrase, date:, sorted by date and title). Either the answers are right at once, or the search
says the index is damaged and, after one rebuild, they are right.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.core.fault_corpus import answers, make_corpus
from tui.core import indexer
from tui.core.search import IndexDamaged


def _pick(kind: str) -> Callable[[Path], Path]:
    def find(index_dir: Path) -> Path:
        names = sorted(p for p in index_dir.rglob("*") if p.is_file())
        matching = [p for p in names if _kind_of(p) == kind]
        assert matching, f"no {kind} file in the index"
        return matching[0]

    return find


def _kind_of(path: Path) -> str:
    """The file's role: its name at the top, else what follows the segment's name (``pst``,
    ``_stored.col``, ``_title_len.col`` ...), or ``toc``."""
    if path.parent.name != "whoosh":
        return path.name
    return "toc" if path.name.endswith(".toc") else path.name.partition(".")[2] or path.name


KINDS = [
    "catalog.db",
    "vocabulary.txt",
    "indexer.lock",
    "toc",
    "trm",
    "pst",
    "lps",
    "_stored.col",
    "_body_len.col",
    "_title_len.col",
    "_tags_len.col",
    "date.col",
    "title_sort.col",
    "json",  # the searched fields' terms, saved for the first fuzzy query (``term_lists``)
]


def truncate(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    if not data:
        data = bytearray(b"garbage")
    middle = len(data) // 2
    for i in range(middle, min(len(data), middle + 64)):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def garble_keep_mtime(path: Path) -> None:
    stat = path.stat()
    garble(path)
    if path.stat().st_size == stat.st_size:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def flip_bytes_keep_mtime(path: Path) -> None:
    """The quietest damage: three single bytes changed, size and mtime as they were."""
    stat = path.stat()
    data = bytearray(path.read_bytes() or b"x")
    for fraction in (0.1, 0.5, 0.9):
        data[int(len(data) * fraction)] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def delete(path: Path) -> None:
    path.unlink()


DAMAGES = {
    "truncate": truncate,
    "garble": garble,
    "garble-keep-mtime": garble_keep_mtime,
    "flip-bytes-keep-mtime": flip_bytes_keep_mtime,
    "delete": delete,
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    base = tmp_path_factory.mktemp("damage")
    corpus = make_corpus(base / "corpus")
    index_dir = base / "index"
    indexer.sync(index_dir, [corpus], False, lambda _: None)
    (index_dir / "indexer.lock").write_text("")
    return corpus, index_dir, answers(index_dir)


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("kind", KINDS)
def test_damage_is_rebuilt_or_harmless(
    pristine: tuple[Path, Path, Any], tmp_path: Path, kind: str, damage: str
) -> None:
    corpus, clean, expected = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    DAMAGES[damage](_pick(kind)(index_dir))
    report = indexer.sync(index_dir, [corpus], False, lambda _: None)
    try:
        got = answers(index_dir)
    except IndexDamaged:
        assert report.rebuilt is None, "a rebuilt index must not be damaged"
        indexer.sync(index_dir, [corpus], True, lambda _: None)
        got = answers(index_dir)
    assert got == expected


def test_the_matrix_covers_every_kind_of_file_the_cache_holds(pristine: tuple[Path, Path, Any]) -> None:
    _, index_dir, _ = pristine
    kinds = {_kind_of(p) for p in index_dir.rglob("*") if p.is_file() and "LOCK" not in p.name}
    assert kinds <= set(KINDS), f"untested kinds: {kinds - set(KINDS)}"
