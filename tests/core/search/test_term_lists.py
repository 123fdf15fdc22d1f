"""The searched fields' terms saved per commit (``term_lists``): exactly the union the segments
hold, used by a searcher of that commit only, and ignored (the terms joined from the segments
as before) when missing, stale or damaged in any way; fuzzy answers are the same either way."""

from __future__ import annotations

import json
import os
import subprocess
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core import indexer, indexer_client
from tui.core.catalog import Catalog
from tui.core.faults import VARIABLE
from tui.core.library import load_text
from tui.core.search.query import SEARCH_FIELDS
from tui.core.search.whoosh import FOLDER, term_lists
from tui.core.search.whoosh.lexicon import Lexicon
from tui.core.search.whoosh.searcher import Index

FUZZY = ["goverment~", "blokchain~", "technolgy~2", "parlament~", "chna~2", "区块~"]


def build(folder: Path, corpus: Path) -> indexer.Report:
    return indexer.sync(folder, [corpus], False, lambda _: None)


def saved_files(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / FOLDER).glob("lectern_terms_*.json"))


def write_lists(path: Path, generation: int | None, segments: list[str], groups: object, words: str) -> None:
    """A file of saved lists as ``term_lists`` writes them, with these groups and words."""
    body = json.dumps(groups) + "\n" + words
    header = {"generation": generation, "segments": segments, "crc": zlib.crc32(body.encode())}
    path.write_text(json.dumps({**header, "format": term_lists.FORMAT}) + "\n" + body)


def fuzzy_answers(folder: Path) -> list[tuple[str, int, list[tuple[str, int]]]]:
    ix = Index(folder, load_text)
    try:
        found = []
        for q in FUZZY:
            results = ix.search(q, limit=1_000)
            found.append((q, results.total, sorted((h.id, h.hits) for h in results.hits)))
        return found
    finally:
        ix.close()


def commit(folder: Path) -> tuple[int | None, list[str]]:
    """The index's current commit and its segments, as a searcher reads them."""
    ix = Index(folder, load_text)
    try:
        return term_lists.commit_of(ix._current().reader())
    finally:
        ix.close()


def lexicon_terms(folder: Path) -> tuple[dict[str, list[str]], dict[str, list[str]], bool]:
    """What a searcher's lexicon uses for each field, what the segments hold, and whether the
    lexicon took the saved lists."""
    ix = Index(folder, load_text)
    try:
        ix.search("anything")
        lexicon = ix._lexicon_of()
        used = {name: lexicon.field_terms(name) for name in SEARCH_FIELDS}
        held = {name: term_lists.joined(lexicon._flats, name) for name in SEARCH_FIELDS}
        return used, held, bool(lexicon._saved())
    finally:
        ix.close()


@pytest.fixture
def indexed(tmp_path: Path, corpus: Path) -> tuple[Path, Path]:
    (corpus / "cjk.md").write_text(
        "---\ntitle: 区块链\n---\n中国正在推动区块链技术的发展。\n", encoding="utf-8"
    )
    folder = tmp_path / "index"
    build(folder, corpus)
    return folder, corpus


def test_a_run_saves_exactly_the_terms_its_segments_hold(indexed: tuple[Path, Path]) -> None:
    folder, _ = indexed
    (name,) = saved_files(folder)
    assert name == f"lectern_terms_{Index(folder, load_text)._current().reader().generation()}.json"
    used, held, from_file = lexicon_terms(folder)
    assert from_file and used == held and len(held["body"]) > 300 and held["tags"]


def test_the_saved_terms_follow_each_commit_and_the_old_ones_go(indexed: tuple[Path, Path]) -> None:
    folder, corpus = indexed
    before = saved_files(folder)
    (corpus / "new.md").write_text("---\ntitle: Zanzibar\n---\nquixotic zanzibar xylophones\n")
    build(folder, corpus)
    after = saved_files(folder)
    assert len(after) == 1 and after != before
    used, held, from_file = lexicon_terms(folder)
    assert from_file and used == held and "zanzibar" in held["body"] and "zanzibar" in held["title"]
    assert Index(folder, load_text).search("zanziber~").total == 1
    build(folder, corpus)  # unchanged: nothing written
    assert saved_files(folder) == after


def test_a_saved_file_of_another_commit_is_never_believed(indexed: tuple[Path, Path]) -> None:
    folder, corpus = indexed
    (old,) = saved_files(folder)
    stale = (folder / FOLDER / old).read_bytes()
    (corpus / "new.md").write_text("---\ntitle: New\n---\nquixotic zanzibar xylophones\n")
    build(folder, corpus)
    (current,) = saved_files(folder)
    (folder / FOLDER / current).write_bytes(stale)  # an old file under the current name
    used, held, from_file = lexicon_terms(folder)
    assert not from_file and used == held and "zanzibar" in used["body"]


def _damaged(data: bytes, at: int, byte: int) -> bytes:
    at %= len(data)
    flipped = data[at] ^ (byte or 1)
    return data[:at] + bytes([flipped]) + data[at + 1 :]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.integers(min_value=0), byte=st.integers(min_value=0, max_value=255), cut=st.booleans())
def test_a_damaged_saved_file_is_ignored_and_fuzzy_answers_do_not_change(
    indexed: tuple[Path, Path], at: int, byte: int, cut: bool
) -> None:
    folder, _ = indexed
    (name,) = saved_files(folder)
    path = folder / FOLDER / name
    good = path.read_bytes()
    lists = term_lists.load(folder, *commit(folder))
    assert lists is not None
    expected = fuzzy_answers(folder)
    try:
        path.write_bytes(good[: at % len(good)] if cut else _damaged(good, at, byte))
        # (a byte of the header's layout may change and leave it meaning the same)
        assert term_lists.load(folder, *commit(folder)) in (None, lists)
        used, held, _ = lexicon_terms(folder)
        assert used == held
        assert fuzzy_answers(folder) == expected
    finally:
        path.write_bytes(good)


@pytest.mark.parametrize(
    "groups",
    [
        "not a list",
        [["body", 5]],  # not triples
        [["body", 5, 11, 0]],
        [["body", -5, 11]],
        [["body", 5, -11]],
        [["body", True, 11]],
        [[7, 5, 11]],  # a field that is not a name
        [["body", 5, 10]],  # sizes that do not add up to the body's
        [["body", 5, 6], [None, 5, 6]],
    ],
)
def test_a_well_formed_file_of_the_wrong_shape_is_ignored(indexed: tuple[Path, Path], groups: object) -> None:
    folder, _ = indexed
    (name,) = saved_files(folder)
    generation, segments = commit(folder)
    write_lists(folder / FOLDER / name, generation, segments, groups, "house mouse")
    assert term_lists.load(folder, generation, segments) is None
    used, held, from_file = lexicon_terms(folder)
    assert not from_file and used == held


def test_a_file_that_says_where_its_words_are_is_read_a_length_at_a_time(indexed: tuple[Path, Path]) -> None:
    """The same header, with sizes that add up: believed, each length decoded when asked for."""
    folder, _ = indexed
    (name,) = saved_files(folder)
    generation, segments = commit(folder)
    write_lists(
        folder / FOLDER / name, generation, segments, [["body", 5, 11], [None, 3, 3]], "house mouse" + "cat"
    )
    saved = term_lists.load(folder, generation, segments)
    assert saved is not None and list(saved.fields) == ["body"]
    assert dict(saved.fields["body"]) == {5: "house mouse"} and dict(saved.words) == {3: "cat"}


def test_a_file_of_the_first_shape_is_not_believed_and_the_next_run_rewrites_it(
    indexed: tuple[Path, Path],
) -> None:
    """The lists were saved whole (one sorted list per field) before they were saved by length:
    such a file, intact, is of no use to a searcher, which joins the terms itself, and the next
    run writes the current shape."""
    folder, corpus = indexed
    (name,) = saved_files(folder)
    path = folder / FOLDER / name
    current = path.read_bytes()
    generation, segments = commit(folder)
    used, held, _ = lexicon_terms(folder)
    body = json.dumps(held, ensure_ascii=False).encode()
    header = json.dumps({"generation": generation, "segments": segments, "crc": zlib.crc32(body)})
    path.write_bytes(header.encode() + b"\n" + body)
    assert term_lists.load(folder, generation, segments) is None
    used, held, from_file = lexicon_terms(folder)
    assert not from_file and used == held
    build(folder, corpus)
    assert path.read_bytes() == current and lexicon_terms(folder)[2]


def test_a_file_of_another_index_at_the_same_commit_is_never_believed(
    indexed: tuple[Path, Path], tmp_path: Path
) -> None:
    """Generations start again when an index is made anew (a rebuild, a copy): the segments'
    names in the header tell two indexes at the same commit apart."""
    folder, _ = indexed
    other_corpus = tmp_path / "other"
    other_corpus.mkdir()
    (other_corpus / "z.md").write_text("# Zanzibar\n\nquixotic xylophones\n", encoding="utf-8")
    other = tmp_path / "other-index"
    build(other, other_corpus)
    (other_name,) = saved_files(other)
    body = (other / FOLDER / other_name).read_bytes().partition(b"\n")[2]
    generation, segments = commit(folder)
    _, other_segments = commit(other)
    assert other_segments != segments
    header = json.dumps(
        {
            "generation": generation,
            "segments": other_segments,
            "crc": zlib.crc32(body),
            "format": term_lists.FORMAT,
        }
    )
    (name,) = saved_files(folder)
    (folder / FOLDER / name).write_bytes(header.encode() + b"\n" + body)  # as after a rebuild
    assert term_lists.load(folder, generation, other_segments) is not None  # whole, of the other
    assert term_lists.load(folder, generation, segments) is None
    used, held, from_file = lexicon_terms(folder)
    assert not from_file and used == held and "zanzibar" not in used["body"]


def test_without_the_file_the_terms_are_joined_from_the_segments(indexed: tuple[Path, Path]) -> None:
    folder, _ = indexed
    expected = fuzzy_answers(folder)
    for name in saved_files(folder):
        (folder / FOLDER / name).unlink()
    used, held, from_file = lexicon_terms(folder)
    assert not from_file and used == held
    assert fuzzy_answers(folder) == expected
    build(folder, indexed[1])  # the next run, even with nothing to index, saves it again
    assert len(saved_files(folder)) == 1 and lexicon_terms(folder)[2]


def run_indexer(folder: Path, corpus: Path, fault: str | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    if fault:
        env[VARIABLE] = fault
    argv = indexer_client.command(folder, [corpus], False)
    return subprocess.run(argv, env=env, capture_output=True, timeout=300).returncode


@pytest.mark.parametrize("fault", ["terms-write:KILL", "terms-write:TERM", "terms-write:ENOSPC"])
def test_a_run_stopped_while_saving_the_terms_leaves_correct_answers(
    tmp_path: Path, corpus: Path, fault: str
) -> None:
    """Killed where the file is about to be written: the index and catalog are committed, the
    file is not there, and the next run saves it. A full disk there fails nothing: the run ends
    well and searches join the terms themselves."""
    folder = tmp_path / "index"
    code = run_indexer(folder, corpus, fault)
    assert (code == 0) == fault.endswith("ENOSPC")
    assert saved_files(folder) == []
    expected = fuzzy_answers(folder)
    assert run_indexer(folder, corpus) == 0
    assert len(saved_files(folder)) == 1 and fuzzy_answers(folder) == expected
    clean = tmp_path / "clean"
    assert run_indexer(clean, corpus) == 0
    assert fuzzy_answers(clean) == expected


def test_a_damaged_file_is_no_damage_to_the_index_and_the_next_run_writes_it_again(
    indexed: tuple[Path, Path],
) -> None:
    """The catalog does not list it (its own CRC checks it): a searcher opens the index as it
    is, and the next run, with nothing to index, replaces it; a temporary file of a killed
    write is neither read nor listed."""
    folder, corpus = indexed
    (name,) = saved_files(folder)
    path = folder / FOLDER / name
    good = path.read_bytes()
    catalog = Catalog.load(folder)
    assert catalog is not None and catalog.files is not None
    assert not any("lectern_terms" in listed for listed in catalog.files)
    path.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # the body's last byte
    (folder / FOLDER / f".{name}.abc123.tmp").write_text("half")
    used, held, from_file = lexicon_terms(folder)
    assert not from_file and used == held
    report = build(folder, corpus)
    assert report.rebuilt is None and report.repaired is None and report.unchanged > 0
    assert path.read_bytes() == good and saved_files(folder) == [name]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.text(alphabet="abcehilnorstuz区块", min_size=1, max_size=12), maxdist=st.sampled_from([1, 2]))
def test_a_fuzzy_word_compared_by_length_finds_what_comparing_every_term_finds(
    indexed: tuple[Path, Path], word: str, maxdist: int
) -> None:
    """Only the terms whose length is within the word's edits are compared (an edit changes the
    length by one at most): the same terms and distances as against the whole field."""
    folder, _ = indexed
    ix = Index(folder, load_text)
    try:
        ix.search("anything")
        lexicon = ix._lexicon_of()
        for name in ("body", "title", "tags"):
            everything = Lexicon._near(word, lexicon.field_terms(name), maxdist)
            assert lexicon._near_terms(name, word, "", maxdist) == everything
        surface = Lexicon._near(word, lexicon._surface_with(""), maxdist)
        assert lexicon._near_surface(word, "", maxdist) == surface
    finally:
        ix.close()
