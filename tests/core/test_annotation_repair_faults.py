"""Reading an annotation file with unreadable entries writes its readable ones back (a copy of the
whole kept aside first). That write is a repair, on the way to a read: a data folder that cannot
be written must not turn the read into an error (the reading room's corpus listing, the browser
and the agreement screen read the store in workers). The file is then read, reported, and left as
it is; nothing is lost."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.read_only import read_only
from tui.core import annotation_store
from tui.core.annotation_format import HEADER
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation
from tui.core.documents import text_sha256

TEXT = "The first paragraph talks about rivers.\n\nA second one is about mountains and roads.\n"
DOCUMENT = {"id": "d.md", "path": "/nowhere/d.md", "sha256": text_sha256(TEXT), "title": "T"}


def damaged_file(store: AnnotationStore) -> tuple[Path, bytes, str]:
    """A lectern file holding one good entry and one without a target; (file, bytes, good id)."""
    good = Annotation.create(TEXT, 4, 9, sha256=DOCUMENT["sha256"], note="kept").to_dict()
    lines = [json.dumps(good), json.dumps({"id": "bad", "target": 5})]
    text = f"{HEADER}version: 1\ndocument: {json.dumps(DOCUMENT)}\nannotations:\n" + "".join(
        f"- {line}\n" for line in lines
    )
    file = store.file_for(DOCUMENT["path"])
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(text.encode("utf-8"))
    return file, text.encode("utf-8"), good["id"]


def lock_is_a_folder(file: Path) -> None:
    """The file's lock cannot be opened: what a data folder that refuses new files does to it."""
    file.with_name(f".{file.name}.lock").mkdir()


def refuse_writes(code: int) -> Callable[[pytest.MonkeyPatch], None]:
    def fault(monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*_: Any, **__: Any) -> None:
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(annotation_store, "atomic_write_text", refuse)

    return fault


FAULTS = {
    "lock is a folder": None,
    "EROFS": refuse_writes(errno.EROFS),
    "ENOSPC": refuse_writes(errno.ENOSPC),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
@pytest.mark.parametrize("read", ["summaries", "load"])
def test_a_repair_that_cannot_be_written_is_reported_and_the_file_left(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: Callable[[pytest.MonkeyPatch], None] | None,
    read: str,
) -> None:
    store = AnnotationStore(tmp_path / "annotations")
    file, before, good = damaged_file(store)
    if fault is None:
        lock_is_a_folder(file)
    else:
        fault(monkeypatch)
    found = store.summaries() if read == "summaries" else [store.load(DOCUMENT["path"])]
    assert [a.id for s in found if s is not None for a in s.annotations] == [good]
    assert any("could not be repaired" in p for p in store.problems)
    assert file.read_bytes() == before
    [kept] = file.parent.glob(f"{file.name}.corrupt-*")  # copied once, not again at each read
    assert kept.read_bytes() == before
    store.summaries()
    assert len(list(file.parent.glob(f"{file.name}.corrupt-*"))) == 1


def test_a_repair_in_a_read_only_folder_is_reported_and_the_file_left(tmp_path: Path) -> None:
    store = AnnotationStore(tmp_path / "annotations")
    file, before, good = damaged_file(store)
    file.with_name(f".{file.name}.lock").touch()  # made by an earlier save
    with read_only(file.parent):
        [found] = store.summaries()
    assert [a.id for a in found.annotations] == [good]
    assert store.problems and file.read_bytes() == before


def test_a_file_whose_copy_failed_is_not_written_over_until_one_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write keeps the readable entries only: with no copy of the unreadable ones anywhere (the
    copy aside failed, a full disk, say), it would lose them. It waits for a copy."""
    store = AnnotationStore(tmp_path / "annotations")
    file, before, good = damaged_file(store)
    real_set_aside = annotation_store.set_aside

    def no_room(path: Path, copy: bool = False) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(annotation_store, "set_aside", no_room)
    [found] = store.summaries()
    assert [a.id for a in found.annotations] == [good] and file.read_bytes() == before
    extra = Annotation.create(TEXT, 10, 19, sha256=DOCUMENT["sha256"], note="new")
    ref = found.document
    with pytest.raises(OSError):
        store.save(ref, extra)
    assert file.read_bytes() == before
    monkeypatch.setattr(annotation_store, "set_aside", real_set_aside)  # room again
    store.save(ref, extra)
    [kept] = file.parent.glob(f"{file.name}.corrupt-*")
    assert kept.read_bytes() == before
    assert {a.id for a in store.summaries()[0].annotations} == {good, extra.id}
