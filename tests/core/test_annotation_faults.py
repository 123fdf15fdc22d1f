"""Annotation files that are damaged, hand-edited or hostile never stop lectern and never lose a
user's annotations: every field of every entry is validated (impossible numbers, wrong types, huge
values), bad entries are reported and kept aside byte for byte while the readable ones load;
files of documents that vanished stay listed and untouched; temp files of killed writers are
cleaned only when clearly stale."""

from __future__ import annotations

import errno
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core import annotation_store, storage
from tui.core.anchoring import STATUSES
from tui.core.annotation_format import (
    HEADER,
    MAX_OFFSET,
    MAX_SHORT_CHARS,
    MAX_TAGS,
    AnnotationError,
    load_lines,
)
from tui.core.annotation_store import AnnotationStore
from tui.core.annotation_tracking import corpus_annotations
from tui.core.annotations import COLORS, Annotation, AnnotationSet, DocumentRef, reference
from tui.core.documents import text_sha256
from tui.core.storage import STALE_TEMP_SECONDS, atomic_write_text, sweep_stale_temps

DOCUMENT = {"id": "d.md", "path": "/nowhere/d.md", "sha256": "0" * 64, "title": "T"}
TEXT = "The first paragraph talks about rivers.\n\nA second one is about mountains and roads.\n"
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def aside(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.corrupt-*"))


def lectern_file(document: Any, entries: list[str], version: str = "1") -> str:
    """A file in lectern's own line format, entries given as their JSON text."""
    lines = [f"- {entry}\n" for entry in entries]
    head = f"{HEADER}version: {version}\ndocument: {json.dumps(document)}\n"
    return head + ("annotations:\n" if lines else "annotations: []\n") + "".join(lines)


def store_in(folder: Path) -> AnnotationStore:
    return AnnotationStore(folder / "annotations")


def write(store: AnnotationStore, text: str | bytes, path: str = DOCUMENT["path"]) -> Path:
    file = store.file_for(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_bytes(text.encode("utf-8"))
    return file


def contents(folder: Path) -> set[bytes]:
    return {p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.endswith(".lock")}


# --------------------------------------------------------------------------- entries: strategies

NAMES = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
"""Any text a name may hold, markup and control characters included."""
YAML_NAMES = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20)
"""Text PyYAML's own writer round-trips (it writes a lone NEL raw, which then reads as a space)."""


@st.composite
def valid_entries(draw: st.DrawFn, names: st.SearchStrategy[str] = NAMES) -> dict[str, Any]:
    """An entry ``from_dict`` must accept: right types, offsets within any text's reach."""
    start = draw(st.integers(-50, MAX_OFFSET))
    return {
        "id": draw(st.uuids().map(str)),
        "created": "2024-01-02T03:04:05+00:00",  # fixed: an empty one would read as "now"
        "modified": draw(st.sampled_from(["2024-01-02T03:04:05+00:00", "2024-01-03T00:00:00+00:00"])),
        "color": draw(st.sampled_from([*COLORS, None, ""])),
        "note": draw(st.one_of(st.none(), names)),
        "tags": draw(
            st.one_of(st.none(), names, st.lists(st.one_of(names, st.integers(0, 9999)), max_size=4))
        ),
        "target": {
            "exact": draw(names),
            "prefix": draw(st.one_of(st.none(), names)),
            "suffix": draw(st.one_of(st.none(), names)),
            "start": start,
            "end": draw(st.one_of(st.none(), st.integers(-50, MAX_OFFSET))),
        },
        "anchor": draw(st.sampled_from([*STATUSES, "lost", None])),
        "sha256": draw(st.sampled_from(["", "ab" * 32, None])),
    }


NOT_A_NUMBER = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 1.5, 0.0, True, False, "12", "twelve", [1], {"a": 1}]),
    st.integers(MAX_OFFSET + 1, 10**300),
    st.floats(),
)
"""What an offset can never be (``None`` is absent: 0)."""
NOT_TEXT = st.one_of(
    st.sampled_from([math.nan, math.inf, 1.5, True, False, 7, [], ["a"], {}, {"a": "b"}, [[["deep"]]]]),
    st.integers(-(10**90), 10**90),  # longer, YAML reads a number as its text: see below
    st.recursive(
        st.none() | st.booleans() | NAMES, lambda inner: st.lists(inner, min_size=1, max_size=3)
    ).filter(lambda v: isinstance(v, list)),
)
"""What a text field can never be (a number for ``note``, ``color``, ``anchor``, ``sha256``)."""
NOT_A_TAG = st.one_of(
    st.sampled_from([math.nan, 1.5, True, None, [], ["nested"], {"a": 1}]), st.integers(10**18, 10**90)
)


@st.composite
def invalid_entries(draw: st.DrawFn, names: st.SearchStrategy[str] = NAMES) -> dict[str, Any] | Any:
    """A valid entry with one field made impossible: ``from_dict`` must refuse it."""
    entry = draw(valid_entries(names))
    target = entry["target"]
    spoil = draw(
        st.sampled_from(
            [
                "start", "end", "exact", "prefix", "suffix", "note", "color", "anchor", "sha256",
                "created", "modified", "tags", "tag", "id", "target", "entry", "too many tags", "long tag",
            ]
        )
    )  # fmt: skip
    if spoil in ("start", "end"):
        target[spoil] = draw(NOT_A_NUMBER)
    elif spoil in ("exact", "prefix", "suffix"):
        target[spoil] = draw(NOT_TEXT)
    elif spoil in ("note", "color", "anchor", "sha256", "created", "modified"):
        entry[spoil] = draw(NOT_TEXT)
    elif spoil == "tags":
        entry["tags"] = draw(st.sampled_from([{"a": 1}, math.nan, 1.5, True, [[["x"]]]]))
    elif spoil == "tag":
        entry["tags"] = [*(entry["tags"] if isinstance(entry["tags"], list) else []), draw(NOT_A_TAG)]
    elif spoil == "id":
        entry["id"] = draw(st.sampled_from([1.5, math.inf, True, [], {"a": 1}, 10**40]))
    elif spoil == "target":
        entry["target"] = draw(st.sampled_from([None, "quote", ["quote"], 5, {"start": 1}]))
    elif spoil == "too many tags":
        entry["tags"] = [f"t{n}" for n in range(MAX_TAGS + 1)]
    elif spoil == "long tag":
        entry["tags"] = ["x" * (MAX_SHORT_CHARS + 1)]
    else:
        return draw(st.one_of(st.none(), st.integers(), NAMES, st.lists(st.integers(), max_size=2)))
    return entry


# --------------------------------------------------------------------------- from_dict


@SETTINGS
@given(valid_entries())
def test_every_valid_entry_is_accepted_with_sane_fields(raw: dict[str, Any]) -> None:
    a = Annotation.from_dict(raw)
    assert isinstance(a.id, str) and a.id and isinstance(a.note, str) and isinstance(a.color, str)
    assert 0 <= a.start <= a.end <= MAX_OFFSET and type(a.start) is int and type(a.end) is int
    assert all(isinstance(t, str) and t for t in a.tags) and a.anchor in STATUSES
    assert a.target.exact == raw["target"]["exact"]
    json.dumps(a.to_dict(), allow_nan=False)  # writable as lectern writes it
    assert Annotation.from_dict(a.to_dict()) == a  # and read back the same


@SETTINGS
@given(invalid_entries())
def test_every_impossible_entry_is_refused_with_the_validation_error_only(raw: Any) -> None:
    with pytest.raises(AnnotationError) as refused:
        Annotation.from_dict(raw)
    assert str(refused.value)  # a reason


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("start", math.inf, "not a finite number"),
        ("start", math.nan, "not a finite number"),
        ("start", -math.inf, "not a finite number"),
        ("start", 10**40, "an integer of about 41 digits, beyond any text"),
        ("end", 10**5000, "beyond any text"),
        ("start", 2.0, "a fraction"),
        ("start", True, "a boolean"),
        ("start", "12", "text, not a whole number"),
        ("start", "9" * 5000, "a number of 5,000 digits"),
        ("end", [1, 2], "a list"),
        ("end", {"a": 1}, "a mapping"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 60 else type(v).__name__,
)
def test_impossible_offsets_give_their_reason(field: str, value: Any, reason: str) -> None:
    with pytest.raises(AnnotationError, match=reason):
        Annotation.from_dict({"target": {"exact": "q", "start": 0, "end": 1, field: value}})


def test_a_reason_never_quotes_the_value() -> None:
    hostile = "[/bold] [@click=app.quit] \x1b[2J" + "x" * 10_000
    for raw in (
        {"target": {"exact": "q", "start": hostile}},
        {"note": {hostile: hostile}, "target": {"exact": "q"}},
        {"tags": [[hostile]], "target": {"exact": "q"}},
    ):
        with pytest.raises(AnnotationError) as refused:
            Annotation.from_dict(raw)
        assert (
            len(str(refused.value)) < 120
            and "\x1b" not in str(refused.value)
            and "[@" not in str(refused.value)
        )


def test_small_mistakes_are_still_repaired() -> None:
    a = Annotation.from_dict(
        {"id": 42, "tags": [2020, "x"], "target": {"exact": "q", "start": -3, "end": None}}
    )
    assert (a.id, a.tags, a.start, a.end) == ("42", ("2020", "x"), 0, 0)
    huge_note = "n" * 2_000_000  # long prose is a note, not damage
    assert Annotation.from_dict({"note": huge_note, "target": {"exact": "q"}}).note == huge_note


# --------------------------------------------------------------------------- files with bad entries


def check_store_kept(
    folder: Path, file: Path, original: bytes, valid: list[dict[str, Any]], bad: int, doc_path: str
) -> None:
    """What a file with ``bad`` unreadable entries must become, read by a fresh store."""
    store = AnnotationStore(folder)
    found = store.load(doc_path)
    assert found is not None
    expected = {a.id: a for a in map(Annotation.from_dict, valid)}
    assert {a.id: a for a in found.annotations} == expected  # every valid entry, as it was
    if bad:
        [kept] = aside(folder)
        assert kept.read_bytes() == original  # the whole original, byte for byte
        assert len(store.problems) == 1 and f"{bad} annotation(s)" in store.problems[0]
        assert kept.name in store.problems[0]
    else:
        assert aside(folder) == [] and store.problems == []
    again = AnnotationStore(folder)  # the next run: the same annotations, nothing more to report
    reread = again.load(doc_path)
    assert reread is not None and {a.id: a for a in reread.annotations} == expected
    assert again.problems == [] and len(aside(folder)) == (1 if bad else 0)
    assert file.exists()


def unique(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({e["id"]: e for e in entries}.values())


@SETTINGS
@given(
    st.lists(valid_entries(), max_size=5).map(unique), st.lists(invalid_entries(), max_size=4), st.randoms()
)
def test_lectern_line_files_with_hostile_entries(
    tmp_path_factory: pytest.TempPathFactory, valid: list[dict[str, Any]], bad: list[Any], rnd: Any
) -> None:
    folder = tmp_path_factory.mktemp("store") / "annotations"
    mixed = [*valid, *bad]
    rnd.shuffle(mixed)
    # json writes nan and inf as NaN and Infinity, which json.loads (the fast reader) accepts
    text = lectern_file(DOCUMENT, [json.dumps(e, ensure_ascii=False) for e in mixed])
    file = write(AnnotationStore(folder), text)
    check_store_kept(folder, file, text.encode("utf-8"), valid, len(bad), DOCUMENT["path"])


@SETTINGS
@given(
    st.lists(valid_entries(YAML_NAMES), max_size=5).map(unique),
    st.lists(invalid_entries(YAML_NAMES), max_size=4),
    st.randoms(),
)
def test_block_yaml_files_with_hostile_entries(
    tmp_path_factory: pytest.TempPathFactory, valid: list[dict[str, Any]], bad: list[Any], rnd: Any
) -> None:
    folder = tmp_path_factory.mktemp("store") / "annotations"
    mixed = [*valid, *bad]
    rnd.shuffle(mixed)
    text = yaml.safe_dump({"version": 1, "document": DOCUMENT, "annotations": mixed}, allow_unicode=True)
    file = write(AnnotationStore(folder), text)
    # YAML reads a huge number back as its text, and .nan / .inf as floats: all still refused
    check_store_kept(folder, file, text.encode("utf-8"), valid, len(bad), DOCUMENT["path"])


LITERAL_LINES = {
    "NaN start": '{"id": "b", "target": {"exact": "q", "start": NaN, "end": 3}}',
    "Infinity end": '{"id": "b", "target": {"exact": "q", "start": 1, "end": Infinity}}',
    "-Infinity start": '{"id": "b", "target": {"exact": "q", "start": -Infinity, "end": 3}}',
    "1e400 start": '{"id": "b", "target": {"exact": "q", "start": 1e400, "end": 3}}',
    "5,000-digit start": '{"id": "b", "target": {"exact": "q", "start": ' + "9" * 5000 + ', "end": 3}}',
    "40-digit end": '{"id": "b", "target": {"exact": "q", "start": 1, "end": ' + "1" * 40 + "}}",
    "note is a mapping": '{"id": "b", "note": {"a": [1, 2]}, "target": {"exact": "q"}}',
    "tags nested": '{"id": "b", "tags": [["a", ["b"]]], "target": {"exact": "q"}}',
    "deeply nested note": '{"id": "b", "note": '
    + "[" * 50_000
    + "]" * 50_000
    + ', "target": {"exact": "q"}}',
    "a bare number": "12",
}


@pytest.mark.parametrize("line", LITERAL_LINES.values(), ids=LITERAL_LINES.keys())
def test_hostile_literal_lines_are_reported_and_the_good_ones_kept(tmp_path: Path, line: str) -> None:
    folder = tmp_path / "annotations"
    good = Annotation.create(TEXT, 4, 9, sha256=text_sha256(TEXT), note="kept", tags=["t"]).to_dict()
    text = lectern_file(DOCUMENT, [json.dumps(good), line])
    file = write(AnnotationStore(folder), text)
    check_store_kept(folder, file, text.encode("utf-8"), [good], 1, DOCUMENT["path"])


HEADERS = {
    "version .inf": ("version: .inf\ndocument: {id: a, path: /x/a.md}\nannotations: []\n", "version"),
    "version 1e400 in a lectern file": (lectern_file(DOCUMENT, [], version="1e400"), "version"),
    "version huge": ("version: " + "9" * 5000 + "\ndocument: {id: a}\nannotations: []\n", "version"),
    "version true": ("version: true\ndocument: {id: a}\nannotations: []\n", "version"),
    "title a mapping": ("version: 1\ndocument: {id: a, title: {x: 1}}\nannotations: []\n", "title"),
    "path a list": ("version: 1\ndocument: {id: a, path: [1]}\nannotations: []\n", "path"),
    "id a float": ("version: 1\ndocument: {id: .nan}\nannotations: []\n", "id"),
    "annotations a number": ("version: 1\ndocument: {id: a}\nannotations: 5\n", "not a list"),
}


@pytest.mark.parametrize(("text", "reason"), HEADERS.values(), ids=HEADERS.keys())
def test_a_bad_header_moves_the_file_aside_with_its_reason(tmp_path: Path, text: str, reason: str) -> None:
    store = store_in(tmp_path)
    file = write(store, text)
    assert store.load(DOCUMENT["path"]) is None and store.summaries() == []
    [kept] = aside(store.folder)
    assert kept.read_bytes() == text.encode("utf-8") and not file.exists()
    assert len(store.problems) == 1 and "is damaged" in store.problems[0] and reason in store.problems[0]


JUNK = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers(-(10**60), 10**60) | NAMES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=20,
)


@st.composite
def junk_files(draw: st.DrawFn) -> bytes:
    """Whole files: random bytes, random YAML, or a lectern-like file with random parts."""
    kind = draw(st.sampled_from(["bytes", "yaml", "shaped", "lines"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "yaml":
        return yaml.safe_dump(draw(JUNK), allow_unicode=True).encode("utf-8")
    if kind == "shaped":
        payload = {
            "version": draw(st.one_of(st.just(1), JUNK)),
            "document": draw(JUNK),
            "annotations": draw(JUNK),
        }
        return yaml.safe_dump(payload, allow_unicode=True).encode("utf-8")
    entries = [json.dumps(e) for e in draw(st.lists(JUNK, max_size=4))]
    return lectern_file(draw(st.one_of(st.just(DOCUMENT), JUNK)), entries).encode("utf-8")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk_files())
def test_any_file_loads_without_raising_and_its_bytes_survive(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    store = store_in(tmp_path_factory.mktemp("store"))
    file = write(store, data)
    found = store.load(DOCUMENT["path"])
    store.summaries()
    assert data in contents(store.folder)  # in place, or kept aside: never gone
    if found is None:
        assert not file.exists() and len(store.problems) == 1
    else:
        assert isinstance(found, AnnotationSet) and all(isinstance(a, Annotation) for a in found.annotations)


# --------------------------------------------------------------------------- size cap


def test_a_file_over_the_cap_is_kept_aside_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(annotation_store, "MAX_FILE_CHARS", 1_000)
    store = store_in(tmp_path)
    text = lectern_file(
        DOCUMENT, [json.dumps(Annotation.from_dict({"target": {"exact": "x" * 2_000}}).to_dict())]
    )
    file = write(store, text)
    assert store.load(DOCUMENT["path"]) is None and not file.exists()
    [kept] = aside(store.folder)
    assert kept.read_bytes() == text.encode("utf-8") and "larger than" in store.problems[0]


def test_a_save_that_would_pass_the_cap_is_refused_and_the_file_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_in(tmp_path)
    ref = reference("d.md", tmp_path / "d.md", text_sha256(TEXT), "T")
    store.save(ref, Annotation.create(TEXT, 0, 5, sha256=ref.sha256))
    file = store.file_for(ref.path)
    before = file.read_bytes()
    monkeypatch.setattr(annotation_store, "MAX_FILE_CHARS", len(before) + 50)
    with pytest.raises(OSError) as refused:
        store.save(ref, Annotation.create(TEXT, 6, 40, sha256=ref.sha256, note="n" * 500))
    assert refused.value.errno == errno.EFBIG and "would exceed" in str(refused.value.strerror)
    assert file.read_bytes() == before and aside(store.folder) == []


def test_a_large_file_of_lectern_s_own_loads_through_the_fast_reader() -> None:
    entries = [
        json.dumps(Annotation.create(TEXT, n % 40, n % 40 + 10, sha256="s", note="w " * 40).to_dict())
        for n in range(2_000)
    ]
    text = lectern_file(DOCUMENT, entries)
    assert len(text) < annotation_store.MAX_FILE_CHARS // 10
    parsed = load_lines(text)
    assert parsed is not None and len(parsed["annotations"]) == 2_000


# --------------------------------------------------------------------------- stale temp files


def temp_of(folder: Path, name: str, age: float, suffix: str = "abcd_123") -> Path:
    path = folder / f".{name}.{suffix}.tmp"
    path.write_text("half a file", encoding="utf-8")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_the_store_removes_only_stale_temp_files_of_killed_writers(tmp_path: Path) -> None:
    folder = tmp_path / "annotations"
    folder.mkdir()
    stale = [
        temp_of(folder, "a-1.yaml", STALE_TEMP_SECONDS + 60),
        temp_of(folder, "b.yaml", 86_400, "zz9_zz9z"),
    ]
    fresh = temp_of(folder, "c.yaml", 5)  # another lectern may be writing it right now
    old = STALE_TEMP_SECONDS * 10
    keep = [
        fresh,
        temp_of(folder, "d.yaml.corrupt-20240101T000000", old),  # never touch what was kept aside
        folder / "e.yaml.corrupt-20240101T000000",
        folder / ".e.yaml.lock",
        folder / "notes.tmp",
        folder / ".short.tmp",
    ]
    for path in keep[2:]:
        path.write_text("keep me", encoding="utf-8")
        os.utime(path, (time.time() - old, time.time() - old))
    (folder / ".dir.yaml.abcdefgh.tmp").mkdir()  # not a file: left alone
    os.utime(folder / ".dir.yaml.abcdefgh.tmp", (time.time() - old, time.time() - old))

    store = AnnotationStore(folder)
    assert store.summaries() == []
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in keep) and (folder / ".dir.yaml.abcdefgh.tmp").is_dir()
    reader = AnnotationStore(folder, keep_aside=False)  # a read-only reader removes nothing
    late = temp_of(folder, "f.yaml", old)
    reader.summaries()
    assert late.exists()


def test_a_folder_written_atomically_is_swept_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reading positions and the settings go through atomic_write_text: their folders too."""
    monkeypatch.setattr(storage, "_swept", set())
    folder = tmp_path / "reading"
    folder.mkdir()
    stale = temp_of(folder, "corpus-1.yaml", STALE_TEMP_SECONDS * 2)
    fresh = temp_of(folder, "corpus-1.yaml", 1, "fresh_00")
    atomic_write_text(folder / "corpus-1.yaml", "a: 1\n")
    assert not stale.exists() and fresh.exists()
    assert sorted(p.name for p in folder.iterdir()) == [fresh.name, "corpus-1.yaml"]
    assert sweep_stale_temps(folder, older_than=0) == [fresh]


# --------------------------------------------------------------------------- vanished documents


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.yaml")}


def make_corpus(tmp_path: Path) -> tuple[Path, AnnotationStore, dict[str, DocumentRef]]:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    store = store_in(tmp_path)
    refs = {}
    for name, folder in (
        ("kept.md", corpus),
        ("gone.md", corpus),
        ("sub/broken.md", corpus),
        ("other.md", elsewhere),
    ):
        path = folder / name
        body = f"# {name}\n\nSome words about {name} to quote.\n"
        path.write_text(body, encoding="utf-8")
        refs[name] = reference(name, path, text_sha256(body), name)
        store.save(refs[name], Annotation.create(body, 2, 6, sha256=refs[name].sha256, note=f"on {name}"))
    return corpus, store, refs


def reader_of(refs: dict[str, DocumentRef]) -> Callable[[DocumentRef], str | None]:
    def read(ref: DocumentRef) -> str | None:
        try:
            data = Path(ref.path).read_bytes()
        except OSError:
            return None
        return None if b"\x00" in data else data.decode("utf-8")

    return read


def test_annotations_of_vanished_and_unreadable_documents_are_listed_marked_and_untouched(
    tmp_path: Path,
) -> None:
    corpus, store, refs = make_corpus(tmp_path)
    Path(refs["gone.md"].path).unlink()
    Path(refs["sub/broken.md"].path).write_bytes(b"\x00binary now")
    before = snapshot(store.folder)
    in_catalog = [refs["kept.md"]]  # the indexer dropped the other two
    fresh = AnnotationStore(store.folder)
    found = corpus_annotations(fresh, in_catalog, reader_of(refs), roots=[corpus])
    by_id = {s.document.id: s for s in found}
    assert set(by_id) == {"kept.md", "gone.md", "sub/broken.md"}  # not other.md: another corpus
    assert {k: s.document_status for k, s in by_id.items()} == {
        "kept.md": "present",
        "gone.md": "missing",
        "sub/broken.md": "unreadable",
    }
    assert by_id["gone.md"].annotations[0].note == "on gone.md"
    assert snapshot(store.folder) == before and fresh.problems == []  # read, never rewritten
    assert corpus_annotations(fresh, in_catalog, reader_of(refs)) == [
        by_id["kept.md"]
    ]  # without roots: as before
    assert snapshot(store.folder) == before


def test_a_document_still_in_the_catalog_but_gone_is_marked_missing(tmp_path: Path) -> None:
    corpus, store, refs = make_corpus(tmp_path)
    Path(refs["kept.md"].path).unlink()
    before = snapshot(store.folder)
    found = corpus_annotations(AnnotationStore(store.folder), [refs["kept.md"]], reader_of(refs), [corpus])
    statuses = {s.document.id: s.document_status for s in found}
    assert statuses == {"kept.md": "missing", "gone.md": "present", "sub/broken.md": "present"}
    assert snapshot(store.folder) == before


def test_a_moved_document_is_adopted_not_listed_as_missing(tmp_path: Path) -> None:
    corpus, store, refs = make_corpus(tmp_path)
    old = Path(refs["gone.md"].path)
    new = corpus / "renamed.md"
    old.rename(new)
    moved = reference("renamed.md", new, refs["gone.md"].sha256, "gone.md")
    found = corpus_annotations(
        AnnotationStore(store.folder), [refs["kept.md"], moved], reader_of(refs), [corpus]
    )
    by_id = {s.document.id: s for s in found}
    assert by_id["renamed.md"].document_status == "present" and by_id["renamed.md"].annotations
    assert "gone.md" not in by_id  # its file was adopted, not left behind as missing
    assert not store.file_for(old).exists()


def test_a_whole_corpus_folder_gone_keeps_every_file(tmp_path: Path) -> None:
    corpus, store, refs = make_corpus(tmp_path)
    before = snapshot(store.folder)
    for name in ("kept.md", "gone.md", "sub/broken.md"):
        Path(refs[name].path).unlink()
    (corpus / "sub").rmdir()
    corpus.rmdir()
    found = corpus_annotations(AnnotationStore(store.folder), [], reader_of(refs), [corpus])
    assert sorted(s.document.id for s in found) == ["gone.md", "kept.md", "sub/broken.md"]
    assert {s.document_status for s in found} == {"missing"}
    assert snapshot(store.folder) == before


def test_a_file_given_directly_is_its_own_root(tmp_path: Path) -> None:
    _, store, refs = make_corpus(tmp_path)
    gone = Path(refs["gone.md"].path)
    gone.unlink()
    found = corpus_annotations(AnnotationStore(store.folder), [], reader_of(refs), [gone])
    assert [(s.document.id, s.document_status) for s in found] == [("gone.md", "missing")]


def test_in_hand_written_yaml_a_number_too_long_to_be_one_is_its_text(tmp_path: Path) -> None:
    """YAML has no quotes to tell: 200 digits are a quote or a note as written, never an offset."""
    digits = "9" * 200
    store = store_in(tmp_path)
    text = (
        "version: 1\ndocument: {id: d.md, path: /nowhere/d.md}\nannotations:\n"
        f"- {{id: a, note: {digits}, target: {{exact: {digits}, start: 1, end: 2}}}}\n"
        f"- {{id: b, target: {{exact: q, start: {digits}}}}}\n"
    )
    write(store, text)
    found = store.load(DOCUMENT["path"])
    assert found is not None and [(a.id, a.note, a.target.exact) for a in found.annotations] == [
        ("a", digits, digits)
    ]
    assert "target start is a number of 200 digits" in store.problems[0]


@pytest.mark.parametrize("error", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_a_changed_document_in_an_unwritable_store_is_shown_reanchored_and_nothing_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: int
) -> None:
    """Re-anchoring writes the new offsets back; a read-only or full data folder must not stop
    the listing: the annotations are shown as found now, the file stays as it was."""
    from tui.core.annotation_tracking import open_annotations

    store = store_in(tmp_path / "annotations")
    ref = reference("d.md", tmp_path / "d.md", text_sha256(TEXT), "T")
    start = TEXT.index("mountains")
    store.save(ref, Annotation.create(TEXT, start, start + len("mountains"), sha256=ref.sha256, note="n"))
    before = snapshot(store.folder)
    edited = "A new opening line.\n\n" + TEXT

    def refuse(*_: Any, **__: Any) -> None:
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(annotation_store, "atomic_write_text", refuse)
    fresh = AnnotationStore(store.folder)
    opened = open_annotations(fresh, reference("d.md", ref.path, text_sha256(edited), "T"), edited)
    [found] = opened.annotations.annotations
    assert edited[found.start : found.end] == "mountains" and found.anchor == "moved"
    assert any("could not be saved" in p for p in fresh.problems)
    assert snapshot(store.folder) == before
