"""Discovery (``discovery.discover``): the same files, ids, order and skips as ``os.walk`` gives.

``discover`` lists folders with ``os.scandir`` and keeps each file's path as text until
something asks for its ``Path`` (the start-up check of 100,000 files compares text alone). The
central property: on any tree of files, folders and symlinks (hidden names, suffixes in any
case, saved-page folders, loops, broken links) and any roots, it gives exactly what the
``os.walk`` implementation it replaced gave (kept below as the reference).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.discovery import EXTENSIONS, Skipped, SourceFile, _saved_page_folder, _scan, discover

# ---------------------------------------------------------------------- the reference


def reference_discover(paths: Sequence[Path]) -> tuple[list[SourceFile], list[Skipped]]:
    """``discover`` as it was: ``os.walk`` and a ``Path`` per file."""
    found: list[SourceFile] = []
    skipped: list[Skipped] = []
    roots = [Path(p) for p in paths]
    seen_ids: set[str] = set()
    for root in roots:
        prefix = f"{root.name}/" if len(roots) > 1 and root.is_dir() else ""
        if not root.exists():
            skipped.append(Skipped(root, "does not exist"))
            continue
        for path, rel in _reference_walk(root, skipped):
            try:
                stat = path.stat()
            except OSError as error:
                skipped.append(Skipped(path, f"cannot be read: {error.strerror or error}"))
                continue
            doc_id = _reference_unique(prefix + rel, seen_ids)
            found.append(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    return found, skipped


def _reference_unique(doc_id: str, seen: set[str]) -> str:
    candidate, n = doc_id, 2
    while candidate in seen:
        candidate, n = f"{doc_id}~{n}", n + 1
    seen.add(candidate)
    return candidate


def _reference_walk(root: Path, skipped: list[Skipped]) -> Iterator[tuple[Path, str]]:
    if root.is_file():
        if root.suffix.lower() in EXTENSIONS:
            yield root, root.name
        else:
            skipped.append(Skipped(root, f"not a document type ({', '.join(sorted(EXTENSIONS))})"))
        return
    visited: set[tuple[int, int]] = set()
    for folder, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            stat = os.stat(folder)
        except OSError:
            continue
        key = (stat.st_dev, stat.st_ino)
        if key in visited:
            dirnames.clear()
            continue
        visited.add(key)
        pages = {
            os.path.splitext(n)[0] for n in filenames if os.path.splitext(n)[1].lower() in (".html", ".htm")
        }
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not _saved_page_folder(d, pages)
        )
        base = Path(folder)
        relative = base.relative_to(root).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        for name in sorted(filenames):
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in EXTENSIONS:
                continue
            yield base / name, prefix + name


def shown(found: list[SourceFile]) -> list[tuple[str, Path, int, int]]:
    return [(s.id, s.path, s.size, s.mtime_ns) for s in found]


def assert_same(roots: Sequence[Path]) -> tuple[list[SourceFile], list[Skipped]]:
    found, skipped = discover(roots)
    expected, expected_skipped = reference_discover(roots)
    assert shown(found) == shown(expected)
    assert found == expected
    assert skipped == expected_skipped
    for source in found:
        assert source.location == str(source.path)
        assert isinstance(source.path, Path)
    return found, skipped


# ---------------------------------------------------------------------- random trees

FOLDERS = ["a", "b", "B", ".hidden", "page_files", "x_files", "notes.md", "two words", "é"]
STEMS = ["page", "x", "a", "b.c", "Z", "é", "two words", "notes"]
SUFFIXES = [
    ".md", ".MD", ".Md", ".markdown", ".txt", ".TXT", ".rst", ".html", ".HTM", ".htm", ".pdf",
    ".epub", ".json", "", ".md.swp", ".md~", ".", ".md.",
]  # fmt: skip

folder_paths = st.lists(st.sampled_from(FOLDERS), min_size=0, max_size=3).map(tuple)
file_names = st.builds(
    lambda hidden, stem, suffix: ("." if hidden else "") + stem + suffix,
    st.booleans(),
    st.sampled_from(STEMS),
    st.sampled_from(SUFFIXES),
)
files = st.tuples(folder_paths, file_names, st.integers(0, 40))
# A link in a folder, to: a folder (absolute, from the tree's root: maybe an ancestor, a loop),
# a file, or nothing.
links = st.tuples(
    folder_paths,
    st.one_of(st.sampled_from(FOLDERS), file_names),
    st.one_of(
        folder_paths.map(lambda p: ("folder", p)),
        st.tuples(folder_paths, file_names).map(lambda p: ("file", p)),
        st.just(("missing", ())),
    ),
)
root_choices = st.one_of(
    folder_paths.map(lambda p: ("folder", p)),
    st.tuples(folder_paths, file_names).map(lambda p: ("file", p)),
    st.just(("missing", ("nowhere",))),
)


def build(top: Path, tree_files: list[Any], tree_links: list[Any]) -> None:
    for folder, name, size in tree_files:
        where = top.joinpath(*folder)
        try:
            where.mkdir(parents=True, exist_ok=True)
            (where / name).write_bytes(b"x" * size)
        except OSError:  # a file where a folder was wanted, or the other way round
            continue
    for folder, name, (kind, target) in tree_links:
        where = top.joinpath(*folder)
        if kind == "folder":
            aim = top.joinpath(*target)
        elif kind == "file":
            aim = top.joinpath(*target[0], target[1])
        else:
            aim = top / "missing" / "target.md"
        try:
            where.mkdir(parents=True, exist_ok=True)
            (where / name).symlink_to(aim)
        except OSError:
            continue


def root_path(top: Path, choice: tuple[str, Any], relative: bool) -> Path:
    kind, parts = choice
    if kind == "file":
        folder, name = parts
        parts = (*folder, name)
    if relative:
        return Path(*parts) if parts else Path(".")
    return top.joinpath(*parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(files, max_size=25),
    st.lists(links, max_size=4),
    st.lists(root_choices, min_size=1, max_size=3),
    st.booleans(),
    st.booleans(),
)
def test_discovery_finds_what_the_os_walk_reference_finds(
    tree_files: list[Any], tree_links: list[Any], roots: list[Any], relative: bool, by_folder: bool
) -> None:
    """Whether each file is stat'ed in its open folder (``dir_fd``) or by its whole path."""
    import tui.core.discovery as discovery_module

    saved = discovery_module._BY_FOLDER
    discovery_module._BY_FOLDER = by_folder and saved
    try:
        _same_as_the_reference(tree_files, tree_links, roots, relative)
    finally:
        discovery_module._BY_FOLDER = saved


def _same_as_the_reference(
    tree_files: list[Any], tree_links: list[Any], roots: list[Any], relative: bool
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        top = Path(temp) / "corpus"
        top.mkdir()
        build(top, tree_files, tree_links)
        here = os.getcwd()
        if relative:
            os.chdir(top)
        try:
            assert_same([root_path(top, choice, relative) for choice in roots])
        finally:
            os.chdir(here)


# ---------------------------------------------------------------------- cases by hand


def test_hidden_names_suffixes_and_order(tmp_path: Path) -> None:
    for rel in [
        "b.md",
        "a.MD",
        "c.txt",
        ".hidden.md",
        "notes.json",
        "z.rst",
        "sub/y.md",
        ".dot/x.md",
        "sub/a b.md",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel, encoding="utf-8")
    found, skipped = assert_same([tmp_path])
    assert [s.id for s in found] == ["a.MD", "b.md", "c.txt", "z.rst", "sub/a b.md", "sub/y.md"]
    assert skipped == []


def test_discovery_leaves_no_folder_open(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"sub{n}").mkdir()
        (tmp_path / f"sub{n}" / "a.md").write_text("a", encoding="utf-8")
    open_files = Path("/proc/self/fd")
    before = len(list(open_files.iterdir())) if open_files.is_dir() else None
    found, _ = discover([tmp_path])
    walk = _scan(tmp_path, "", [], None)
    next(walk)  # a walk left half-way, its folder open ...
    walk.close()  # ... and closed: the folder with it
    assert len(found) == 3
    if before is not None:
        assert len(list(open_files.iterdir())) == before


def test_a_broken_link_is_reported_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    found, skipped = assert_same([tmp_path])
    assert found == []
    assert skipped == [Skipped(tmp_path / "gone.md", "cannot be read: No such file or directory")]


def test_linked_folders_are_followed_once_and_loops_cut(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "doc.md").write_text("doc", encoding="utf-8")
    (tmp_path / "real" / "loop").symlink_to(tmp_path)
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    found, _ = assert_same([tmp_path])
    assert [s.id for s in found] == ["alias/doc.md"]  # 'alias' comes first; 'real' is the same folder


def test_a_saved_page_folder_is_passed_over_only_beside_its_page(tmp_path: Path) -> None:
    for rel in ["page.HTML", "page_files/inner.md", "other_files/kept.md", ".x.html", ".x_files/no.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("<p>x</p>", encoding="utf-8")
    found, _ = assert_same([tmp_path])
    assert [s.id for s in found] == ["page.HTML", "other_files/kept.md"]


@pytest.mark.parametrize("written", [".", "./corpus", "corpus/", "corpus", "corpus//sub/.."])
def test_locations_are_the_text_of_the_paths_however_the_root_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.md").write_text("a", encoding="utf-8")
    (corpus / "sub" / "b.md").write_text("b", encoding="utf-8")
    monkeypatch.chdir(corpus if written == "." else tmp_path)
    found, _ = assert_same([Path(written)])
    assert {s.location for s in found} >= {str(Path(written) / "sub" / "b.md")}


def test_several_roots_prefix_ids_and_keep_them_unique(tmp_path: Path) -> None:
    for rel in ["one/notes/a.md", "two/notes/a.md", "two/notes/b.md", "a.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel, encoding="utf-8")
    roots = [tmp_path / "one" / "notes", tmp_path / "two" / "notes", tmp_path / "a.md", tmp_path / "a.md"]
    found, _ = assert_same([*roots, tmp_path / "missing"])
    assert [s.id for s in found] == ["notes/a.md", "notes/a.md~2", "notes/b.md", "a.md", "a.md~2"]


# ---------------------------------------------------------------------- SourceFile


def test_a_discovered_file_is_a_source_file_like_any_other(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("a", encoding="utf-8")
    (found,), _ = discover([tmp_path])
    stat = (tmp_path / "a.md").stat()
    made = SourceFile("a.md", tmp_path / "a.md", stat.st_size, stat.st_mtime_ns)
    assert found.location == made.location == str(tmp_path / "a.md")
    assert found == made and hash(found) == hash(made) and repr(found) == repr(made)
    assert pickle.loads(pickle.dumps(found)) == made
    assert found.path == tmp_path / "a.md" and found.path is found.path  # made once
    with pytest.raises(AttributeError):
        found.path = tmp_path  # type: ignore[misc]  # frozen, as before


def test_a_source_file_made_by_hand_keeps_its_path() -> None:
    source = SourceFile("x", Path("/c/x.md"), 1, 2)
    assert source.path == Path("/c/x.md") and source.location == "/c/x.md"
    assert SourceFile("x", Path("/c/x.md"), 1, 3) != source
    given_as_text = SourceFile("x", "/c//x.md", 1, 2)  # type: ignore[arg-type]
    assert given_as_text == source and given_as_text.location == "/c/x.md"


NOT_UTF8 = [b"caf\xe9", b"\xff\xfe", b"ok\x80", b"\xc3"]
"""Names as a Latin-1 system, a stray byte or a cut UTF-8 sequence writes them."""


@pytest.mark.skipif(os.name != "posix", reason="POSIX names are bytes")
@pytest.mark.parametrize("raw", NOT_UTF8)
@pytest.mark.parametrize("where", ["file", "folder", "nested folder", "file in a nested folder"])
def test_a_name_that_is_not_utf8_is_skipped_with_its_reason_and_the_rest_is_found(
    tmp_path: Path, raw: bytes, where: str
) -> None:
    root = tmp_path / "corpus"
    (root / "fine").mkdir(parents=True)
    (root / "fine" / "kept.md").write_text("kept")
    bad = os.fsdecode(raw)
    target = {
        "file": root / f"{bad}.md",
        "folder": root / bad / "inner.md",
        "nested folder": root / "fine" / bad / "inner.md",
        "file in a nested folder": root / "fine" / f"{bad}.md",
    }[where]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("not reached")
    found, skipped = discover([root])
    assert [s.id for s in found] == ["fine/kept.md"]
    named = target if where.startswith("file") else target.parent
    assert skipped == [Skipped(named, "its name is not UTF-8 text: rename it to read it")]
    for source in found:  # everything found can be written as UTF-8
        source.id.encode("utf-8"), source.location.encode("utf-8")


@pytest.mark.skipif(os.name != "posix", reason="POSIX names are bytes")
def test_a_root_whose_path_is_not_utf8_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / os.fsdecode(b"caf\xe9")
    root.mkdir()
    (root / "a.md").write_text("a")
    assert discover([root]) == ([], [Skipped(root, "its name is not UTF-8 text: rename it to read it")])
