"""The annotation store: the model, the file format, damaged files, documents that changed or moved,
crashes and concurrent writers, and the notes and tags the indexer picks up."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.seeds import CHINA
from tui.core import annotation_store, indexer
from tui.core import annotations as annotations_module
from tui.core.anchoring import Target, target_at
from tui.core.annotation_format import HEADER, clean_tags, dump_yaml, load_lines, load_yaml
from tui.core.annotation_store import AnnotationStore
from tui.core.annotation_tracking import corpus_annotations, open_annotations
from tui.core.annotations import COLORS, Annotation, AnnotationSet, DocumentRef, reference
from tui.core.documents import text_sha256
from tui.core.library import Library, read_text
from tui.core.paths import Paths
from tui.core.search.whoosh import WhooshBackend
from tui.core.storage import atomic_write_text

REPO = Path(__file__).resolve().parents[2]
TEXT = (
    "# Field notes\n\n"
    "The first paragraph talks about rivers and the bridges across them.\n\n"
    "A second paragraph, about mountains, glaciers and the long winter roads.\n\n"
    "The last paragraph closes with a remark on maps that are never finished.\n"
)
QUOTES = ("rivers and the bridges", "glaciers and the long winter roads", "maps that are never finished")


@pytest.fixture
def store(tmp_path: Path) -> AnnotationStore:
    return AnnotationStore(tmp_path / "data" / "annotations")


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "docs" / "notes.md"
    path.parent.mkdir()
    path.write_text(TEXT, encoding="utf-8")
    return path


def ref_of(path: Path, text: str, title: str = "Field notes", doc_id: str | None = None) -> DocumentRef:
    return reference(doc_id or path.name, path, text_sha256(text), title)


def annotate(text: str, quote: str, **kw: Any) -> Annotation:
    start = text.index(quote)
    return Annotation.create(text, start, start + len(quote), sha256=text_sha256(text), **kw)


def annotate_all(
    store: AnnotationStore, path: Path, text: str, quotes: tuple[str, ...] = QUOTES
) -> DocumentRef:
    ref = ref_of(path, text)
    for n, quote in enumerate(quotes):
        store.save(ref, annotate(text, quote, note=f"note {n}", tags=[f"t{n}"]))
    return ref


def aside(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.corrupt-*"))


# --------------------------------------------------------------------------- the model


def test_create_fills_every_field() -> None:
    a = annotate(
        TEXT, "rivers and the bridges", note="  a note \n", tags=[" b  c ", "x,y", "", "b c"], color="green"
    )
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", a.id)
    assert a.created == a.modified and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", a.created)
    assert (a.color, a.note, a.tags, a.anchor) == ("green", "a note", ("b c", "x y"), "anchored")
    start = TEXT.index("rivers")
    assert a.target == target_at(TEXT, start, start + 22) and (a.start, a.end) == (start, start + 22)
    assert a.sha256 == text_sha256(TEXT)
    assert annotate(TEXT, "rivers", color="purple").color == COLORS[0]
    assert annotate(TEXT, "rivers").id != annotate(TEXT, "rivers").id


def test_clean_tags_keeps_order_and_drops_duplicates() -> None:
    assert clean_tags(["b", " a ", "b", "", "  ", "c,d", "x\ty"]) == ("b", "a", "c d", "x y")


def test_edited_sets_modified_and_cleans_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    a = annotate(TEXT, "rivers", tags=["one"])
    monkeypatch.setattr(annotations_module, "now", lambda: "2099-01-01T00:00:00+00:00")
    b = a.edited(note="  new note ", tags=["x", "x", " y "], color="blue")
    assert (b.note, b.tags, b.color, b.modified) == (
        "new note",
        ("x", "y"),
        "blue",
        "2099-01-01T00:00:00+00:00",
    )
    assert (b.id, b.created, b.target) == (a.id, a.created, a.target)
    assert a.note == "" and a.tags == ("one",)  # frozen: the original is unchanged


def test_to_dict_from_dict_round_trip() -> None:
    a = annotate(TEXT, "glaciers and the long winter roads", note="cold\nnote", tags=["geo", "winter"])
    a = a.edited(anchor="fuzzy")
    raw = a.to_dict()
    assert raw["target"] == {
        "exact": a.target.exact,
        "prefix": a.target.prefix,
        "suffix": a.target.suffix,
        "start": a.start,
        "end": a.end,
    }
    assert raw["tags"] == ["geo", "winter"] and raw["anchor"] == "fuzzy"
    assert Annotation.from_dict(raw) == a
    assert Annotation.from_dict(yaml.safe_load(dump_yaml(payload_of([a])))["annotations"][0]) == a


def test_from_dict_fills_defaults_and_repairs_small_mistakes() -> None:
    a = Annotation.from_dict(
        {
            "target": {"exact": "quote", "start": 9, "end": 4},
            "anchor": "lost",
            "tags": "single",
            "color": None,
        }
    )
    assert a.target == Target("quote", "", "", 9, 9)
    assert a.anchor == "anchored" and a.tags == ("single",) and a.color == COLORS[0]
    assert a.id and a.created and a.modified == a.created and a.note == "" and a.sha256 == ""


def test_from_dict_never_gives_a_negative_or_reversed_span() -> None:
    a = Annotation.from_dict({"target": {"exact": "quote", "start": -4, "end": -9}})
    assert 0 <= a.start <= a.end


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "a string",
        ["a", "list"],
        {"id": "x"},
        {"target": "not a mapping"},
        {"target": {"exact": 12}},
        {"target": {"exact": "q", "start": "twelve"}},
    ],
)
def test_from_dict_rejects_what_is_not_an_annotation(raw: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        Annotation.from_dict(raw)


# --------------------------------------------------------------------------- the file format


def payload_of(items: list[Annotation], document: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "version": 1,
        "document": document or {"id": "d.md", "path": "/x/d.md", "sha256": "0" * 64, "title": "T"},
        "annotations": [a.to_dict() for a in items],
    }


SPECIALS = [
    *"\x00\x1b\x7f\x85\u2028\u2029\ufeff\ufffe\uffff😀\"'\\\r\t#{}[],",
    "\r\n",
    ": ",
    "- ",
    "&a",
    "*a",
]
SPECIALS += ["👩\u200d👩\u200d👧", "\\n", "\\u0041", "!!python/object:os.system"]
TRICKY = st.lists(
    st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(SPECIALS)),
    max_size=30,
).map("".join)
"""Any text, with the characters and sequences YAML, JSON or line splitting treat specially."""


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    document = {k: draw(TRICKY) for k in ("id", "path", "sha256", "title")}
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, 10**9))
        entries.append(
            {
                "id": draw(TRICKY),
                "created": draw(TRICKY),
                "modified": draw(TRICKY),
                "color": draw(TRICKY),
                "note": draw(TRICKY),
                "tags": draw(st.lists(TRICKY, max_size=3)),
                "target": {
                    "exact": draw(TRICKY),
                    "prefix": draw(TRICKY),
                    "suffix": draw(TRICKY),
                    "start": start,
                    "end": start + draw(st.integers(0, 1000)),
                },
                "anchor": draw(st.sampled_from(["anchored", "moved", "fuzzy", "orphaned"])),
                "sha256": draw(TRICKY),
            }
        )
    return {"version": 1, "document": document, "annotations": entries}


@settings(max_examples=150, deadline=None)
@given(payloads())
def test_dump_then_load_gives_the_same_dict_through_both_readers(payload: dict[str, Any]) -> None:
    text = dump_yaml(payload)
    assert text.startswith(HEADER)
    assert text.count("\n") == 4 + len(payload["annotations"])  # one annotation a line, always
    assert load_lines(text) == payload  # the fast reader took it
    assert load_yaml(text) == payload
    assert yaml.safe_load(text) == payload  # pure-Python SafeLoader
    assert yaml.load(text, Loader=yaml.CSafeLoader) == payload  # libyaml


@settings(max_examples=60, deadline=None)
@given(TRICKY, TRICKY, st.lists(TRICKY, max_size=3))
def test_store_round_trips_arbitrary_text(
    tmp_path_factory: pytest.TempPathFactory, title: str, note: str, tags: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("store")
    text = "before " + note + " after"
    ref = DocumentRef(id=title, path=str(folder / "doc.md"), sha256=text_sha256(text), title=title)
    a = Annotation.create(text, 0, len(text), sha256=ref.sha256, note=note, tags=tags)
    AnnotationStore(folder).save(ref, a)
    loaded = AnnotationStore(folder).load(ref.path)
    assert loaded == AnnotationSet(ref, (a,))


def test_hand_written_block_yaml_is_read_through_the_yaml_fallback(store: AnnotationStore, doc: Path) -> None:
    file = store.file_for(doc)
    file.parent.mkdir(parents=True)
    file.write_text(
        textwrap.dedent(
            f"""\
            # my own notes, written by hand
            version: 1
            document:
              id: notes.md
              path: {doc}
              sha256: "{text_sha256(TEXT)}"
              title: Field notes
            annotations:
              - id: 0b6f-hand
                created: "2026-11-22T10:15:00+00:00"
                color: green
                note: >-
                  folded
                  note
                tags: [geo, "two words"]
                target:
                  exact: rivers and the bridges
                  prefix: 'talks about '
                  suffix: " across them."
                  start: {TEXT.index("rivers")}
                  end: {TEXT.index("rivers") + 22}
                anchor: anchored
              - target: {{exact: "maps", start: 0, end: 4}}
            """
        ),
        encoding="utf-8",
    )
    assert load_lines(file.read_text(encoding="utf-8")) is None
    found = store.load(doc)
    assert found is not None and store.problems == [] and aside(file.parent) == []
    assert found.document == DocumentRef("notes.md", str(doc), text_sha256(TEXT), "Field notes")
    first = next(a for a in found.annotations if a.id == "0b6f-hand")
    assert (first.color, first.note, first.tags) == ("green", "folded note", ("geo", "two words"))
    assert first.modified == first.created == "2026-11-22T10:15:00+00:00"
    start = TEXT.index("rivers")
    assert first.target == Target(
        "rivers and the bridges", "talks about ", " across them.", start, start + 22
    )
    assert len(found.annotations) == 2
    # Opening the unchanged document does not rewrite the user's file.
    before = file.read_bytes()
    assert open_annotations(store, ref_of(doc, TEXT, doc_id="notes.md"), TEXT).annotations == found
    assert file.read_bytes() == before


def test_unquoted_timestamps_written_by_hand_stay_iso_8601(store: AnnotationStore, doc: Path) -> None:
    file = store.file_for(doc)
    file.parent.mkdir(parents=True)
    file.write_text(
        "version: 1\n"
        f"document: {{id: notes.md, path: '{doc}', sha256: x, title: t}}\n"
        "annotations:\n"
        "  - created: 2026-11-22T10:15:00+00:00\n"
        "    modified: 2026-11-23T08:00:00Z\n"
        "    target: {exact: rivers, start: 0, end: 6}\n",
        encoding="utf-8",
    )
    found = store.load(doc)
    assert found is not None
    a = found.annotations[0]
    assert a.created == "2026-11-22T10:15:00+00:00"
    assert a.modified == "2026-11-23T08:00:00+00:00"


# --------------------------------------------------------------------------- transact, save, delete


def test_save_load_replace_and_delete(store: AnnotationStore, doc: Path) -> None:
    ref = ref_of(doc, TEXT)
    late, early = annotate(TEXT, QUOTES[2]), annotate(TEXT, QUOTES[0], note="first")
    assert store.load(doc) is None
    store.save(ref, late)
    saved = store.save(ref, early)
    assert saved.annotations == (early, late)  # ordered by position
    assert AnnotationStore(store.folder).load(doc) == saved  # a fresh store reads what was written
    changed = early.edited(note="changed", tags=["x"])
    assert store.save(ref, changed).annotations == (changed, late)
    assert [a.id for a in AnnotationStore(store.folder).load(doc).annotations] == [early.id, late.id]  # type: ignore[union-attr]
    assert store.delete(ref, early.id).annotations == (late,)
    assert store.delete(ref, "no-such-id").annotations == (late,)
    assert store.delete(ref, late.id).annotations == ()
    emptied = AnnotationStore(store.folder).load(doc)
    assert emptied is not None and emptied.annotations == () and emptied.document == ref


def test_file_is_plain_yaml_with_the_documented_shape(store: AnnotationStore, doc: Path) -> None:
    ref = annotate_all(store, doc, TEXT)
    file = store.file_for(doc)
    assert file.parent == store.folder and file.suffix == ".yaml"
    raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert raw["version"] == 1
    assert raw["document"] == {
        "id": "notes.md",
        "path": str(doc),
        "sha256": ref.sha256,
        "title": "Field notes",
    }
    assert [a["target"]["exact"] for a in raw["annotations"]] == list(QUOTES)
    assert [a["note"] for a in raw["annotations"]] == ["note 0", "note 1", "note 2"]
    assert raw["annotations"] == [a.to_dict() for a in store.load(doc).annotations]  # type: ignore[union-attr]
    assert not [p for p in store.folder.iterdir() if p.name.endswith(".tmp")]


def test_transact_sees_what_another_store_wrote(store: AnnotationStore, doc: Path) -> None:
    ref = ref_of(doc, TEXT)
    other = AnnotationStore(store.folder)
    a, b = annotate(TEXT, QUOTES[0]), annotate(TEXT, QUOTES[1])
    store.save(ref, a)
    other.save(ref, b)
    assert {x.id for x in store.save(ref, annotate(TEXT, QUOTES[2])).annotations} >= {a.id, b.id}
    seen: list[list[str]] = []
    store.transact(ref, lambda items: seen.append([x.id for x in items]) or items)
    assert len(seen[0]) == 3


def test_a_change_that_changes_nothing_writes_nothing(store: AnnotationStore, doc: Path) -> None:
    ref = annotate_all(store, doc, TEXT)
    file = store.file_for(doc)
    before = file.stat()
    store.transact(ref, list)
    store.transact(ref, reversed)
    after = file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_no_annotations_no_file(store: AnnotationStore, doc: Path) -> None:
    store.transact(ref_of(doc, TEXT), list)
    store.delete(ref_of(doc, TEXT), "nothing")
    assert not store.file_for(doc).exists()


def test_files_are_named_per_document_path(store: AnnotationStore, tmp_path: Path) -> None:
    a, b = tmp_path / "x" / "same.md", tmp_path / "y" / "same.md"
    assert store.file_for(a) != store.file_for(b)
    assert store.file_for(a).name.startswith("same-")
    assert store.file_for(a) == store.file_for(str(a))


# --------------------------------------------------------------------------- damaged files


DAMAGED = {
    "invalid yaml": b"version: 1\ndocument: {id: [unclosed\n  - : :\n",
    "a list at top level": b"- one\n- two\n",
    "binary garbage": bytes(range(256)) * 3,
    "not utf-8": b"version: 1\ndocument: {id: caf\xe9}\nannotations: []\n",
    "annotations not a list": b"version: 1\ndocument: {id: a}\nannotations: {a: 1}\n",
    "newer format": b"version: 99\ndocument: {id: a}\nannotations: []\n",
    "a python tag": b"version: 1\ndocument: !!python/object/apply:os.system ['true']\nannotations: []\n",
}


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
def test_damaged_file_is_moved_aside_intact_and_never_overwritten(
    store: AnnotationStore, doc: Path, content: bytes
) -> None:
    file = store.file_for(doc)
    file.parent.mkdir(parents=True)
    file.write_bytes(content)
    assert store.load(doc) is None
    assert not file.exists()
    kept = aside(store.folder)
    assert len(kept) == 1 and kept[0].name.startswith(file.name + ".corrupt-")
    assert kept[0].read_bytes() == content
    assert len(store.problems) == 1 and file.name in store.problems[0] and kept[0].name in store.problems[0]
    # A new annotation starts a new file; the kept copy is left alone.
    ref = ref_of(doc, TEXT)
    store.save(ref, annotate(TEXT, QUOTES[0]))
    assert len(store.load(doc).annotations) == 1  # type: ignore[union-attr]
    assert aside(store.folder) == kept and kept[0].read_bytes() == content
    # Damaged again (same second): a second copy, the first one still intact.
    file.write_bytes(content + b"\x00again")
    fresh = AnnotationStore(store.folder)
    assert fresh.load(doc) is None and len(fresh.problems) == 1
    kept_now = aside(store.folder)
    assert len(kept_now) == 2 and kept[0].read_bytes() == content
    assert {p.read_bytes() for p in kept_now} == {content, content + b"\x00again"}


def test_saving_over_a_damaged_file_keeps_it_first(store: AnnotationStore, doc: Path) -> None:
    file = store.file_for(doc)
    file.parent.mkdir(parents=True)
    file.write_bytes(DAMAGED["invalid yaml"])
    store.save(ref_of(doc, TEXT), annotate(TEXT, QUOTES[1]))
    [kept] = aside(store.folder)
    assert kept.read_bytes() == DAMAGED["invalid yaml"] and len(store.problems) == 1
    assert yaml.safe_load(file.read_text(encoding="utf-8"))["annotations"][0]["target"]["exact"] == QUOTES[1]


def test_one_malformed_entry_keeps_the_readable_ones_and_a_copy(store: AnnotationStore, doc: Path) -> None:
    ref = annotate_all(store, doc, TEXT)
    file = store.file_for(doc)
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(5, '- {"id": "broken", "target": {"prefix": "no exact quote"}}\n')
    content = "".join(lines).encode("utf-8")
    file.write_bytes(content)
    fresh = AnnotationStore(store.folder)
    found = fresh.load(doc)
    assert found is not None and [a.target.exact for a in found.annotations] == list(QUOTES)
    # the readable entries are written back; the whole original is kept aside, byte for byte
    assert [
        a["target"]["exact"] for a in yaml.safe_load(file.read_text(encoding="utf-8"))["annotations"]
    ] == list(QUOTES)
    [kept] = aside(store.folder)
    assert kept.read_bytes() == content
    assert (
        len(fresh.problems) == 1 and "1 annotation(s)" in fresh.problems[0] and kept.name in fresh.problems[0]
    )
    fresh.save(ref, annotate(TEXT, "mountains"))
    assert len(AnnotationStore(store.folder).load(doc).annotations) == 4  # type: ignore[union-attr]
    assert aside(store.folder) == [kept] and kept.read_bytes() == content


def test_a_file_with_an_unreadable_entry_is_copied_aside_only_once(store: AnnotationStore, doc: Path) -> None:
    annotate_all(store, doc, TEXT)
    file = store.file_for(doc)
    file.write_text(file.read_text(encoding="utf-8") + '- {"id": "broken"}\n', encoding="utf-8")
    first = AnnotationStore(store.folder)
    assert len(first.load(doc).annotations) == 3 and len(first.problems) == 1  # type: ignore[union-attr]
    second = AnnotationStore(store.folder)  # the next run of lectern
    assert len(second.load(doc).annotations) == 3  # type: ignore[union-attr]
    assert len(aside(store.folder)) == 1 and second.problems == []


def test_a_hand_edited_line_in_a_lectern_file_falls_back_to_yaml(store: AnnotationStore, doc: Path) -> None:
    annotate_all(store, doc, TEXT)
    file = store.file_for(doc)
    text = file.read_text(encoding="utf-8")
    edited = text + "- {id: by-hand, note: added in an editor, target: {exact: maps, start: 0, end: 4}}\n"
    assert load_lines(edited) is None
    file.write_text(edited, encoding="utf-8")
    found = AnnotationStore(store.folder).load(doc)
    assert found is not None and len(found.annotations) == 4
    assert found.get("by-hand") is not None and found.get("by-hand").note == "added in an editor"  # type: ignore[union-attr]
    assert aside(store.folder) == []


def test_keep_aside_false_never_moves_or_copies(store: AnnotationStore, doc: Path) -> None:
    reader = AnnotationStore(store.folder, keep_aside=False)
    file = store.file_for(doc)
    file.parent.mkdir(parents=True)
    file.write_bytes(DAMAGED["invalid yaml"])
    assert reader.load(doc) is None
    assert file.read_bytes() == DAMAGED["invalid yaml"] and aside(store.folder) == []
    file.unlink()
    annotate_all(store, doc, TEXT)
    file.write_text(file.read_text(encoding="utf-8") + "- {}\n", encoding="utf-8")
    found = reader.load(doc)
    assert found is not None and len(found.annotations) == 3
    assert aside(store.folder) == [] and reader.problems == []


def test_summaries_skip_damaged_and_hidden_files(store: AnnotationStore, doc: Path, tmp_path: Path) -> None:
    annotate_all(store, doc, TEXT)
    other = tmp_path / "docs" / "other.md"
    damaged = store.file_for(other)
    damaged.write_bytes(b"[[[")
    (store.folder / ".hidden.yaml").write_text("not: [valid", encoding="utf-8")
    found = store.summaries()
    assert [s.document.path for s in found] == [str(doc)]
    assert len(store.problems) == 1 and (store.folder / ".hidden.yaml").exists()


# --------------------------------------------------------------------------- opening a document


def test_open_without_annotations_writes_nothing(store: AnnotationStore, doc: Path) -> None:
    opened = open_annotations(store, ref_of(doc, TEXT), TEXT)
    assert opened.annotations == AnnotationSet(ref_of(doc, TEXT)) and opened.moved_from is None
    assert not store.folder.exists() or not list(store.folder.glob("*.yaml"))


def test_open_unchanged_document_returns_it_as_is(store: AnnotationStore, doc: Path) -> None:
    ref = annotate_all(store, doc, TEXT)
    file = store.file_for(doc)
    before = file.stat()
    opened = open_annotations(AnnotationStore(store.folder), ref, TEXT)
    assert opened.annotations == store.load(doc)
    assert (opened.moved_from, opened.reanchored) == (None, {})
    assert all(a.anchor == "anchored" for a in opened.annotations.annotations)
    assert (file.stat().st_ino, file.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_changed_text_is_reanchored_once_and_written_back(store: AnnotationStore, doc: Path) -> None:
    annotate_all(store, doc, TEXT)
    new_text = (
        "# Field notes\n\nA new introduction, inserted above everything else.\n\n"
        + TEXT.split("\n\n", 1)[1].replace("glaciers and the long", "glaciers and the very long")
    ).replace("maps that are never finished", "atlases")
    doc.write_text(new_text, encoding="utf-8")
    ref = ref_of(doc, new_text)
    opened = open_annotations(AnnotationStore(store.folder), ref, new_text)
    assert opened.reanchored == {"moved": 1, "fuzzy": 1, "orphaned": 1}
    by_quote = {a.target.original_quote: a for a in opened.annotations.annotations}
    moved, fuzzy, orphan = (by_quote[q] for q in QUOTES)
    assert (moved.anchor, new_text[moved.start : moved.end]) == ("moved", QUOTES[0])
    assert fuzzy.anchor == "fuzzy" and new_text[fuzzy.start : fuzzy.end] == fuzzy.target.exact
    assert fuzzy.target.exact == "glaciers and the very long winter roads"  # the passage as it is now
    assert fuzzy.target.original == QUOTES[1]
    assert orphan.anchor == "orphaned" and orphan.target.exact == QUOTES[2]
    assert [a.id for a in opened.annotations.annotations][-1] == orphan.id  # orphans last
    on_disk = AnnotationStore(store.folder).load(doc)
    assert on_disk == opened.annotations and on_disk.document.sha256 == ref.sha256  # type: ignore[union-attr]
    assert {a.note for a in on_disk.annotations} == {"note 0", "note 1", "note 2"}  # type: ignore[union-attr]
    file = store.file_for(doc)
    before = file.stat()
    again = open_annotations(AnnotationStore(store.folder), ref, new_text)
    assert again.reanchored == {} and again.annotations == opened.annotations
    assert (file.stat().st_ino, file.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_new_title_same_text_updates_the_document_without_reanchoring(
    store: AnnotationStore, doc: Path
) -> None:
    annotate_all(store, doc, TEXT)
    renamed = ref_of(doc, TEXT, title="A new title")
    opened = open_annotations(store, renamed, TEXT)
    assert opened.reanchored == {} and opened.annotations.document == renamed
    assert AnnotationStore(store.folder).load(doc).document.title == "A new title"  # type: ignore[union-attr]


def test_renamed_document_finds_its_annotations_by_content(store: AnnotationStore, doc: Path) -> None:
    old_ref = annotate_all(store, doc, TEXT)
    old_file = store.file_for(doc)
    ids = [a.id for a in store.load(doc).annotations]  # type: ignore[union-attr]
    new_path = doc.parent / "moved" / "renamed.md"
    new_path.parent.mkdir()
    doc.rename(new_path)
    new_ref = ref_of(new_path, TEXT, title="Another title entirely", doc_id="moved/renamed.md")
    opened = open_annotations(AnnotationStore(store.folder), new_ref, TEXT)
    assert opened.moved_from == str(doc)
    assert opened.annotations.document == new_ref
    assert [a.id for a in opened.annotations.annotations] == ids
    assert not old_file.exists() and store.file_for(new_path).exists()
    loaded = AnnotationStore(store.folder).load(new_path)
    assert loaded is not None and [a.target.exact for a in loaded.annotations] == list(QUOTES)
    assert all(a.anchor == "anchored" for a in loaded.annotations)
    assert old_ref.sha256 == new_ref.sha256
    # Found once: opening again is a plain load.
    assert open_annotations(AnnotationStore(store.folder), new_ref, TEXT).moved_from is None


def test_adopting_writes_the_new_file_before_removing_the_old(
    store: AnnotationStore, doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    annotate_all(store, doc, TEXT)
    old_file = store.file_for(doc)
    old_bytes = old_file.read_bytes()
    new_path = doc.with_name("renamed.md")
    doc.rename(new_path)
    new_ref = ref_of(new_path, TEXT)

    def failing_write(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(annotation_store, "atomic_write_text", failing_write)
    full = AnnotationStore(store.folder)
    shown = open_annotations(full, new_ref, TEXT)  # a full disk: shown, reported, nothing moved
    assert shown.annotations.annotations and any("could not be moved" in p for p in full.problems)
    assert old_file.read_bytes() == old_bytes and not store.file_for(new_path).exists()

    seen: list[bool] = []

    def spying_write(path: Path, text: str) -> None:
        seen.append(old_file.exists())
        atomic_write_text(path, text)

    monkeypatch.setattr(annotation_store, "atomic_write_text", spying_write)
    opened = open_annotations(AnnotationStore(store.folder), new_ref, TEXT)
    assert seen == [True]
    assert opened.moved_from == str(doc) and not old_file.exists()


def moved_and_edited(store: AnnotationStore, doc: Path) -> tuple[Path, str]:
    annotate_all(store, doc, TEXT)
    edited = "Prologue.\n\n" + TEXT.replace("maps that are never finished", "maps")
    new_path = doc.with_name("moved.md")
    doc.unlink()
    new_path.write_text(edited, encoding="utf-8")
    return new_path, edited


def test_moved_and_edited_document_is_found_by_title_and_quotes(store: AnnotationStore, doc: Path) -> None:
    new_path, edited = moved_and_edited(store, doc)
    opened = open_annotations(AnnotationStore(store.folder), ref_of(new_path, edited), edited)
    assert opened.moved_from == str(doc)
    assert [a.target.exact for a in opened.annotations.annotations] == list(QUOTES)
    assert not store.file_for(doc).exists()
    loaded = AnnotationStore(store.folder).load(new_path)
    assert loaded is not None and loaded.document == ref_of(new_path, edited)
    assert len(loaded.annotations) == 3


def test_moved_and_edited_document_is_reanchored(store: AnnotationStore, doc: Path) -> None:
    new_path, edited = moved_and_edited(store, doc)
    opened = open_annotations(AnnotationStore(store.folder), ref_of(new_path, edited), edited)
    assert opened.reanchored == {"moved": 2, "orphaned": 1}
    loaded = AnnotationStore(store.folder).load(new_path)
    assert loaded is not None
    for a in loaded.annotations:
        if a.anchor == "moved":
            assert edited[a.start : a.end] == a.target.exact
        else:
            assert (a.anchor, a.target.exact) == ("orphaned", QUOTES[2])


@pytest.mark.parametrize(
    ("title", "kept_quotes"),
    [("Another title", 3), ("Field notes", 1)],
    ids=["title differs", "most quotes gone"],
)
def test_moved_edited_document_is_not_matched_on_weak_evidence(
    store: AnnotationStore, doc: Path, title: str, kept_quotes: int
) -> None:
    annotate_all(store, doc, TEXT)
    edited = "Changed. " + TEXT
    for quote in QUOTES[kept_quotes:]:
        edited = edited.replace(quote, "gone")
    new_path = doc.with_name("moved.md")
    doc.unlink()
    new_path.write_text(edited, encoding="utf-8")
    opened = open_annotations(store, ref_of(new_path, edited, title=title), edited)
    assert opened.annotations.annotations == () and opened.moved_from is None
    assert store.file_for(doc).exists() and not store.file_for(new_path).exists()


def test_a_copy_does_not_steal_the_annotations(store: AnnotationStore, doc: Path) -> None:
    annotate_all(store, doc, TEXT)
    copy = doc.with_name("copy.md")
    shutil.copy(doc, copy)
    opened = open_annotations(store, ref_of(copy, TEXT), TEXT)
    assert opened.annotations.annotations == () and opened.moved_from is None
    assert len(AnnotationStore(store.folder).load(doc).annotations) == 3  # type: ignore[union-attr]
    assert not store.file_for(copy).exists()


def test_corpus_annotations_over_annotated_unannotated_moved_and_changed(
    store: AnnotationStore, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    texts = {
        "kept.md": TEXT,
        "plain.md": "# Plain\n\nNobody annotated this one.\n",
        "old.md": "# Travelling\n\nThis document will move to a new name, with its notes.\n",
        "edited.md": "# Edited\n\nThe quote in here will shift down by one line.\n",
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    annotate_all(store, folder / "kept.md", TEXT)
    annotate_all(store, folder / "old.md", texts["old.md"], ("will move to a new name",))
    annotate_all(store, folder / "edited.md", texts["edited.md"], ("will shift down by one line",))
    (folder / "old.md").rename(folder / "new.md")
    texts["new.md"] = texts.pop("old.md")
    texts["edited.md"] = texts["edited.md"].replace("# Edited\n", "# Edited\n\nNew line.\n")
    (folder / "edited.md").write_text(texts["edited.md"], encoding="utf-8")
    titles = {"kept.md": "Field notes", "plain.md": "Plain", "new.md": "Travelling", "edited.md": "Edited"}
    refs = [ref_of(folder / n, t, title=titles[n]) for n, t in texts.items()]
    read: list[str] = []

    def read_text_of(ref: DocumentRef) -> str | None:
        read.append(ref.id)
        return texts[ref.id]

    found = corpus_annotations(AnnotationStore(store.folder), refs, read_text_of)
    by_id = {s.document.id: s for s in found}
    assert set(by_id) == {"kept.md", "new.md", "edited.md"}
    assert sorted(read) == ["edited.md", "new.md"]  # neither the current nor the unannotated one is read
    assert [a.anchor for a in by_id["edited.md"].annotations] == ["moved"]
    assert [a.anchor for a in by_id["new.md"].annotations] == ["anchored"]
    assert not store.file_for(folder / "old.md").exists()
    assert by_id["kept.md"] == store.load(folder / "kept.md")
    # A second pass finds everything current and reads nothing.
    read.clear()
    assert {
        s.document.id for s in corpus_annotations(AnnotationStore(store.folder), refs, read_text_of)
    } == set(by_id)
    assert read == []


# --------------------------------------------------------------------------- crashes and concurrency


CHILD_PRELUDE = """
import sys
from pathlib import Path
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
folder, doc = Path(sys.argv[1]), Path(sys.argv[2])
text = doc.read_text(encoding="utf-8")
ref = reference("doc.md", doc, "sha", "Title")
store = AnnotationStore(folder)
"""

CRASH_WRITER = (
    CHILD_PRELUDE
    + """
n = int(sys.argv[3])
base = [
    Annotation.create(text, i % 400, i % 400 + 40, sha256="sha", note=f"note {i} " + "words " * 30, tags=["a", "b"])
    for i in range(n)
]
small, big = tuple(base), tuple(base + [Annotation.create(text, 0, 10, sha256="sha", note="extra")])
store.transact(ref, lambda items: small)
print("ready", flush=True)
while True:
    store.transact(ref, lambda items: big)
    store.transact(ref, lambda items: small)
"""
)

CONCURRENT_WRITER = (
    CHILD_PRELUDE
    + """
name, count = sys.argv[3], int(sys.argv[4])
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    store.save(ref, Annotation.create(text, i, i + 5, sha256="sha", note=f"{name}-{i}"))
"""
)


def child(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def check_whole(file: Path, n: int) -> dict[str, Any]:
    text = file.read_text(encoding="utf-8")
    raw = load_yaml(text)
    assert isinstance(raw, dict) and len(raw["annotations"]) in (n, n + 1)
    return raw


def test_a_writer_killed_mid_save_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    folder = tmp_path / "annotations"
    document = tmp_path / "doc.md"
    document.write_text(TEXT * 8, encoding="utf-8")
    n = 1500
    file = AnnotationStore(folder).file_for(document)
    rng = random.Random(1234)
    for _ in range(8):
        writer = child(CRASH_WRITER, str(folder), str(document), str(n))
        try:
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n", writer.stderr
            # Readers meanwhile always see a whole file; how many reads decides when the writer dies.
            for _ in range(rng.randint(0, 25)):
                check_whole(file, n)
        finally:
            writer.kill()
            writer.communicate()
        assert writer.returncode == -9
        raw = check_whole(file, n)
        assert yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) == raw
        fresh = AnnotationStore(folder)
        [summary] = fresh.summaries()  # left-over temp files are not annotation files
        assert len(summary.annotations) in (n, n + 1) and fresh.problems == [] and aside(folder) == []
    assert sorted(p.name for p in folder.glob("*.yaml")) == [file.name]


@pytest.mark.parametrize("workers", [2, 3])
def test_concurrent_processes_lose_no_annotation(tmp_path: Path, workers: int) -> None:
    folder = tmp_path / "annotations"
    document = tmp_path / "doc.md"
    document.write_text(TEXT, encoding="utf-8")
    each = 100 // workers if workers == 2 else 30
    children = [
        child(CONCURRENT_WRITER, str(folder), str(document), f"p{w}", str(each)) for w in range(workers)
    ]
    try:
        for c in children:
            assert c.stdout is not None and c.stdout.readline() == "ready\n"
        for c in children:  # release them together
            assert c.stdin is not None
            c.stdin.write("go\n")
            c.stdin.flush()
        for c in children:
            _, errors = c.communicate(timeout=120)
            assert c.returncode == 0, errors
    finally:
        for c in children:
            c.kill()
    found = AnnotationStore(folder).load(document)
    assert found is not None
    notes = sorted(a.note for a in found.annotations)
    assert notes == sorted(f"p{w}-{i}" for w in range(workers) for i in range(each))
    assert len({a.id for a in found.annotations}) == workers * each


def test_concurrent_threads_with_separate_stores_lose_no_annotation(tmp_path: Path, doc: Path) -> None:
    folder = tmp_path / "annotations"
    ref = ref_of(doc, TEXT)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def add(name: str) -> None:
        store = AnnotationStore(folder)
        start.wait()
        try:
            for i in range(40):
                store.save(ref, Annotation.create(TEXT, i, i + 3, sha256=ref.sha256, note=f"{name}-{i}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(f"t{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(AnnotationStore(folder).load(doc).annotations) == 120  # type: ignore[union-attr]


# --------------------------------------------------------------------------- notes and tags in the index


def sync(library: Library) -> indexer.Report:
    return indexer.sync(
        library.index_dir, list(library.inputs), False, lambda _: None, library.annotations_dir
    )


def hits(library: Library, query: str) -> list[str]:
    ix = library.open_index()
    try:
        return [h.id for h in ix.search(query).hits]
    finally:
        ix.close()


def test_any_annotations_is_whether_the_store_holds_a_file(paths: Paths, corpus: Path) -> None:
    """What lets a document open without loading the store: the same files the store reads
    (``*.yaml``, not hidden), nothing else; a folder that cannot be listed is left to the store."""
    library = Library.open(paths, [corpus])
    folder = library.annotations_dir
    assert not folder.exists() and not library.any_annotations()
    folder.mkdir(parents=True)
    (folder / ".x.yaml.tmp").write_text("- half written", encoding="utf-8")
    (folder / ".hidden.yaml").write_text("[]", encoding="utf-8")
    (folder / "doc-1234.yaml.corrupt-20261127").write_text("{", encoding="utf-8")
    assert not library.any_annotations()
    sync(library)
    ref = next(r for r in library.references() if r.id == CHINA)
    text = read_text(ref.path)
    assert text is not None
    library.annotation_store().save(ref, annotate(text, "accept bribes"))
    assert library.any_annotations()
    if os.geteuid() != 0:  # (root lists any folder)
        folder.chmod(0o000)
        try:
            assert library.any_annotations()
        finally:
            folder.chmod(0o755)


def test_notes_and_tags_are_indexed_with_their_document(
    paths: Paths, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = Library.open(paths, [corpus])
    first = sync(library)
    assert (first.indexed, first.updated) == (2, 0)
    assert hits(library, "note:zeppelin") == [] and hits(library, "tag:sprocket") == []
    ref = next(r for r in library.references() if r.id == CHINA)
    text = read_text(ref.path)
    assert text is not None
    store = library.annotation_store()
    a = annotate(text, "accept bribes", note="A zeppelin of bribery", tags=["sprocket", "Policy Notes"])
    store.save(ref, a)
    second = sync(library)
    assert (second.indexed, second.updated, second.unchanged, second.removed) == (0, 1, 1, 0)
    assert hits(library, "note:zeppelin") == [CHINA]
    assert hits(library, "notes:zeppelin") == [CHINA]
    assert hits(library, "tag:sprocket") == [CHINA]
    assert hits(library, "zeppelin") == [CHINA]  # notes are searched by default
    assert hits(library, "tag:anti-corruption") == [CHINA]  # the document's own tags are kept

    catalog = library.index_dir / "catalog.db"
    before = catalog.stat()
    calls: list[str] = []

    def no_writer(*args: Any, **kw: Any) -> None:
        calls.append("writer")
        raise AssertionError("an unchanged run must not open a writer")

    monkeypatch.setattr(WhooshBackend, "write", no_writer)
    monkeypatch.setattr(WhooshBackend, "create", no_writer)
    third = sync(library)
    assert (third.indexed, third.updated, third.unchanged, third.removed) == (0, 0, 2, 0) and calls == []
    assert (catalog.stat().st_mtime_ns, catalog.stat().st_ino) == (before.st_mtime_ns, before.st_ino)
    monkeypatch.undo()

    store.delete(ref, a.id)
    fourth = sync(library)
    assert (fourth.updated, fourth.unchanged) == (1, 1)
    assert hits(library, "note:zeppelin") == [] and hits(library, "tag:sprocket") == []


def test_the_indexer_child_process_indexes_notes(paths: Paths, corpus: Path) -> None:
    library = Library.open(paths, [corpus])
    done = [e for e in library.update() if e["event"] in ("done", "error")]
    assert done[-1]["event"] == "done" and done[-1]["indexed"] == 2
    ref = next(r for r in library.references() if r.id == CHINA)
    text = read_text(ref.path)
    assert text is not None
    library.annotation_store().save(
        ref, annotate(text, "root out waste", note="quixotic remark", tags=["gadfly"])
    )
    done = [e for e in library.update() if e["event"] in ("done", "error")]
    assert done[-1]["event"] == "done" and (done[-1]["updated"], done[-1]["unchanged"]) == (1, 1)
    assert hits(library, "note:quixotic") == [CHINA] and hits(library, "tag:gadfly") == [CHINA]


def test_a_damaged_annotation_file_does_not_stop_indexing_and_is_left_alone(
    paths: Paths, corpus: Path
) -> None:
    library = Library.open(paths, [corpus])
    file = library.annotation_store().file_for(corpus / CHINA)
    file.parent.mkdir(parents=True)
    file.write_bytes(b"version: 1\ndocument: [broken\n")
    report = sync(library)
    assert report.indexed == 2
    assert file.read_bytes() == b"version: 1\ndocument: [broken\n" and aside(file.parent) == []
    assert os.listdir(file.parent) == [file.name]


def test_annotator_and_suggested_round_trip_and_stay_absent_when_unset() -> None:
    text = "The quick brown fox."
    plain = Annotation.create(text, 4, 9, sha256="x")
    assert "annotator" not in plain.to_dict() and "suggested" not in plain.to_dict()
    made = Annotation.create(text, 4, 9, sha256="x", annotator=" ada ", suggested=True)
    back = Annotation.from_dict(made.to_dict())
    assert (back.annotator, back.suggested) == ("ada", True)
    assert Annotation.from_dict({**plain.to_dict(), "annotator": 42}).annotator == "42"
    assert Annotation.from_dict({**plain.to_dict(), "suggested": "yes"}).suggested is False


def test_a_corpus_without_annotation_files_lists_none_without_reading_its_catalog(
    store: AnnotationStore, paths: Paths, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 100,000 documents the catalog's names take 0.2 s to read, at every indexer run's end.
    library = Library.open(paths, [corpus])

    def unread(self: Library) -> list[DocumentRef]:
        raise AssertionError("the catalog was read")

    monkeypatch.setattr(Library, "references", unread)
    assert library.annotated(store) == []
    store.save(ref_of(corpus / "a.md", "some text"), annotate("some text", "some"))
    with pytest.raises(AssertionError, match="the catalog was read"):
        library.annotated(store)
