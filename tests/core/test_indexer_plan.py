"""The start-up check's plan (``index_plan.make_plan``): what is read again, what is removed.

``make_plan`` compares each file's signature with the catalog's without making a ``Path``
(``SourceFile.location``), and asks the converter cache and the annotation store only about
the files whose signature matches. The property: for any catalog and any files found, the plan
is what the straightforward comparison (``Signature.matches``, then the converted text, then
the annotations) gives.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import formats, index_plan
from tui.core.annotation_store import AnnotationStore
from tui.core.catalog import Catalog, Entry
from tui.core.discovery import SourceFile, _found, discover
from tui.core.paths import Paths


class FakeNotes:
    """Annotation signatures by document path ('' for most)."""

    def __init__(self, signatures: dict[str, str]) -> None:
        self.signatures = signatures
        self.asked: list[str] = []

    def has_files(self) -> bool:
        return bool(self.signatures)

    def signature(self, path: Path | str) -> str:
        self.asked.append(str(path))
        return self.signatures.get(str(path), "")

    signature_at = signature


def reference_plan(
    catalog: Catalog, sources: list[SourceFile], notes: Any
) -> tuple[list[str], list[str], int]:
    """``make_plan`` as it was: ``Signature.matches`` and the ``Path`` of every file."""
    converted = Paths.from_environment().converted
    present = {s.id for s in sources}
    removed = [doc_id for doc_id in catalog.signatures if doc_id not in present]

    def unchanged(source: SourceFile) -> bool:
        entry = catalog.signatures.get(source.id)
        if entry is None or not entry.matches(source):
            return False
        if formats.format_of(source.path) is not None:
            current = formats.current_sha256(source.path, source.size, source.mtime_ns, converted)
            if current != entry.sha256:
                return False
        return notes is None or entry.annotations == notes.signature(source.path)

    to_read = [s.id for s in sources if not unchanged(s)]
    return to_read, removed, len(sources) - len(to_read)


def entry(
    doc_id: str, path: str, size: int, mtime_ns: int, sha256: str = "s", annotations: str = ""
) -> Entry:
    return Entry(doc_id, path, size, mtime_ns, sha256, "t", "2020-01-01", "", "", (), 1, annotations)


def fake_sha256(path: Path, size: int, mtime_ns: int, cache_dir: Path) -> str | None:
    """What the converter cache would say: keyed by size (odd sizes were never converted)."""
    return None if size % 2 else f"sha-{size}"


NAMES = ["a.md", "b.MD", "c.txt", "d.pdf", "e.HTML", "f.epub", "g.rst", "noext", "h.htm"]


def planned_files(names: list[str]) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Files found now and as the catalog saw them: each a tuple as ``case_of`` reads it."""
    return st.lists(
        st.tuples(
            st.sampled_from(names),
            st.sampled_from(["/c", "/d"]),  # where the file is now
            st.sampled_from(["/c", "/d", None]),  # where the catalog saw it (None: not indexed)
            st.integers(0, 3),  # size now
            st.integers(0, 3),  # size indexed
            st.integers(0, 1),  # mtime changed
            st.sampled_from(["", "1:2"]),  # annotations now
            st.sampled_from(["", "1:2"]),  # annotations indexed
            st.booleans(),  # converted text indexed is the current converter's
            st.booleans(),  # found by discovery (text location) or made by hand (a Path)
        ),
        max_size=12,
        unique_by=lambda t: t[0],
    )


GONE = st.lists(st.sampled_from(["gone.md", "old/x.pdf"]), unique=True)
"""Documents the catalog holds that are no longer found."""
NOTES = st.sampled_from(["none", "empty", "some"])
"""No annotation store, one without files, one with files for some documents."""


def case_of(
    files: list[tuple[Any, ...]], gone: list[str], notes_kind: str
) -> tuple[dict[str, Entry], list[SourceFile], FakeNotes | None]:
    """The catalog's entries, the files found and the notes of one generated case."""
    sources: list[SourceFile] = []
    entries: dict[str, Entry] = {}
    annotated: dict[str, str] = {}
    for name, now, then, size, old_size, touched, note, old_note, current, discovered in files:
        location = f"{now}/{name}"
        mtime = 10 + touched
        made = _found if discovered else lambda i, loc, s, m: SourceFile(i, Path(loc), s, m)
        sources.append(made(name, location, size, mtime))
        if note:
            annotated[location] = note
        if then is not None:
            sha = f"sha-{old_size}" if current else "stale"
            entries[name] = entry(name, f"{then}/{name}", old_size, 10, sha, old_note)
    for name in gone:
        entries[name] = entry(name, f"/c/{name}", 1, 1)
    notes = None if notes_kind == "none" else FakeNotes(annotated if notes_kind == "some" else {})
    return entries, sources, notes


@settings(max_examples=200, deadline=None)
@given(planned_files(NAMES), GONE, NOTES)
def test_the_plan_is_the_straightforward_comparisons(
    files: list[tuple[Any, ...]], gone: list[str], notes_kind: str
) -> None:
    entries, sources, notes = case_of(files, gone, notes_kind)
    catalog = Catalog(1, entries)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(formats, "current_sha256", fake_sha256)
        expected = reference_plan(catalog, sources, notes)
        plan = index_plan.make_plan(catalog, sources, [], notes)  # type: ignore[arg-type]
    assert ([s.id for s in plan.to_read], plan.removed, plan.unchanged) == expected
    assert plan.catalog is catalog and plan.skipped == []


def test_an_unchanged_corpus_is_planned_without_a_path_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(30):
        (tmp_path / f"d{n:02}.md").write_text(f"doc {n}", encoding="utf-8")
    sources, skipped = discover([tmp_path])
    catalog = Catalog(1, {s.id: entry(s.id, str(s.path), s.size, s.mtime_ns) for s in sources})
    fresh, _ = discover([tmp_path])
    made: list[SourceFile] = []

    def path(source: SourceFile) -> Path:
        made.append(source)
        return Path(source.location)

    monkeypatch.setattr(SourceFile, "path", property(path))
    notes = FakeNotes({})
    plan = index_plan.make_plan(catalog, fresh, skipped, notes)  # type: ignore[arg-type]
    assert (plan.to_read, plan.removed, plan.unchanged) == ([], [], 30)
    assert made == [] and notes.asked == []  # no Path, and no annotation look-up with none stored


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("a", encoding="utf-8")
    (tmp_path / "b.md").write_text("b", encoding="utf-8")
    sources, _ = discover([tmp_path])
    entries = {s.id: entry(s.id, str(s.path), s.size, s.mtime_ns) for s in sources}
    entries["b.md"] = entry("b.md", str(tmp_path / "b.md"), 99, sources[1].mtime_ns)
    entries["c.md"] = entry("c.md", str(tmp_path / "c.md"), 1, 1)
    plan = index_plan.make_plan(Catalog(1, entries), sources, [])
    assert ([s.id for s in plan.to_read], plan.removed, plan.unchanged) == (["b.md"], ["c.md"], 1)


# ---------------------------------------------------------------------- annotation signatures

DOC_NAMES = ["a.md", "a b.md", "é.txt", "x.y.rst", "-.md", "long" * 15 + ".md", "noext", ".md"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(["c", "d", "sub dir", "ü"]), max_size=2), st.sampled_from(DOC_NAMES)
        ),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.booleans(), min_size=8, max_size=8),
    st.lists(st.sampled_from(["x-0123456789abcdef.yaml", "notes.txt", "-.yaml", "a.yaml.tmp"]), max_size=3),
    st.booleans(),
)
def test_a_signature_by_location_is_the_signature(
    docs: list[tuple[list[str], str]], annotated: list[bool], noise: list[str], relative: bool
) -> None:
    """``Notes.signature_at`` rules documents out by the digest that ends annotation file
    names; it must agree with ``Notes.signature`` (``AnnotationStore.file_for``) everywhere."""
    with tempfile.TemporaryDirectory() as temp:
        top = Path(temp)
        store = AnnotationStore(top / "annotations")
        store.folder.mkdir()
        for name in noise:
            (store.folder / name).write_text("noise", encoding="utf-8")
        paths = [
            Path(*folders, name) if relative else top.joinpath("corpus", *folders, name)
            for folders, name in docs
        ]
        for n, (path, has_notes) in enumerate(zip(paths, annotated, strict=False)):
            if has_notes:
                store.file_for(path).write_text("x" * n, encoding="utf-8")
        notes = index_plan.Notes(store.folder)
        here = os.getcwd()
        os.chdir(top)
        try:
            for path in paths:
                assert notes.signature_at(str(path)) == notes.signature(path)
                if path.is_absolute() and store.file_for(path).exists():
                    assert notes.signature_at(str(path)) != ""
        finally:
            os.chdir(here)


def test_an_annotated_document_is_read_again_when_its_notes_change(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ["a.md", "b.md"]:
        (corpus / name).write_text(name, encoding="utf-8")
    store = AnnotationStore(tmp_path / "annotations")
    store.folder.mkdir()
    store.file_for(corpus / "b.md").write_text("notes", encoding="utf-8")
    sources, _ = discover([corpus])
    notes = index_plan.Notes(store.folder)
    indexed = {
        s.id: entry(s.id, s.location, s.size, s.mtime_ns, annotations=notes.signature(s.path))
        for s in sources
    }
    assert indexed["b.md"].annotations != ""
    plan = index_plan.make_plan(Catalog(1, indexed), sources, [], notes)
    assert (plan.to_read, plan.unchanged) == ([], 2)
    store.file_for(corpus / "b.md").write_text("notes, longer now", encoding="utf-8")
    plan = index_plan.make_plan(Catalog(1, indexed), sources, [], index_plan.Notes(store.folder))
    assert [s.id for s in plan.to_read] == ["b.md"]
