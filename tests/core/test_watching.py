"""Which documents a burst of file changes touched, and what they came to (``tui.core.watching``).

The central property: whatever a burst did to a corpus (files written, rewritten, deleted,
renamed; folders moved in, moved out, deleted), and in whatever order the watcher hands its
changes over, updating the listing from before the burst with what ``resolve`` finds gives what
a full ``discover`` lists afterwards.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core import watching
from tui.core.discovery import Skipped, SourceFile, discover
from tui.core.watching import Batch, Kind, Watched, coalesce, follow, resolve, updates

# ---------------------------------------------------------------------- the filter


def test_wants_documents_and_folders_under_the_roots_not_temp_files_hidden_or_lectern(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "cache").mkdir(parents=True)
    watched = Watched.of([root], [root / "cache", tmp_path / "elsewhere"])
    assert watched.ignored == (str(root / "cache"),)  # lectern's folders outside the roots are not ours
    wanted = ["a.md", "sub/b.txt", "sub", "new folder", "book.epub"]
    unwanted = [
        ".a.md.swp",  # vim's swap file (hidden as well)
        "a.md.swp",
        "a.md~",  # emacs backup
        "#a.md#",  # emacs autosave
        ".#a.md",  # emacs lock
        "4913",  # vim's probe
        "download.pdf.part",
        ".git/HEAD",
        ".hidden/a.md",
        "sub/.draft.md",
        "cache/converted/x.md",
    ]
    assert all(watched.wants(str(root / p)) for p in wanted)
    assert not any(watched.wants(str(root / p)) for p in unwanted)
    assert not watched.wants(str(tmp_path / "outside.md"))
    assert not watched.wants(str(tmp_path / "corpus-two" / "a.md"))  # a sibling sharing the prefix


def test_a_root_that_is_a_file_is_watched_through_its_folder(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    single = tmp_path / "one.md"
    single.write_text("one", encoding="utf-8")
    watched = Watched.of([single])
    assert watched.watch_paths() == ([], [str(tmp_path)])
    assert watched.wants(str(single)) and watched.document_id(str(single)) == "one.md"
    assert not watched.wants(str(tmp_path / "two.md"))  # its neighbours are not the corpus
    both = Watched.of([tmp_path / "notes", single])
    assert both.watch_paths() == ([str(tmp_path / "notes")], [str(tmp_path)])
    inside = Watched.of([tmp_path, single])  # its folder is watched anyway
    assert inside.watch_paths() == ([str(tmp_path)], [])


def test_document_ids_are_the_ones_discover_gives(tmp_path: Path) -> None:
    for root in (tmp_path / "one", tmp_path / "two"):
        (root / "sub").mkdir(parents=True)
        (root / "a.md").write_text("a", encoding="utf-8")
        (root / "sub" / "b.txt").write_text("b", encoding="utf-8")
    for roots in ([tmp_path / "one"], [tmp_path / "one", tmp_path / "two"]):
        watched = Watched.of(roots)
        found, _ = discover(roots)
        assert {s.id for s in found} == {watched.document_id(str(s.path)) for s in found}


# ---------------------------------------------------------------------- coalescing


def test_a_burst_coalesces_to_each_path_once(tmp_path: Path) -> None:
    watched = Watched.of([tmp_path])
    note = str(tmp_path / "note.md")
    changes: list[tuple[Kind, str]] = [
        ("added", str(tmp_path / ".note.md.swp")),
        ("modified", str(tmp_path / ".note.md.swp")),
        ("added", str(tmp_path / "4913")),
        ("deleted", str(tmp_path / "4913")),
        ("deleted", note),
        ("added", note),
        ("modified", note),
        ("modified", str(tmp_path / "sub")),  # a folder whose file changed: the file names itself
        ("added", str(tmp_path / "moved-in")),
        ("deleted", str(tmp_path / "moved-out")),
    ]
    batch = coalesce(changes, watched)
    assert batch.documents == {note}
    assert batch.others == {str(tmp_path / "moved-in"), str(tmp_path / "moved-out")}
    assert batch.events == len(changes)
    assert not coalesce([("added", str(tmp_path / "a.md~"))], watched)


@given(
    st.lists(
        st.tuples(st.sampled_from(["added", "modified", "deleted"]), st.sampled_from(["a.md", "b", "c.txt"]))
    )
)
def test_coalescing_ignores_order_and_repeats_and_merging_is_a_union(
    changes: list[tuple[Kind, str]],
) -> None:
    watched = Watched(("/r",), (True,))
    raw = [(kind, f"/r/{name}") for kind, name in changes]
    batch = coalesce(raw, watched)
    shuffled = raw * 2
    random.Random(len(raw)).shuffle(shuffled)
    again = coalesce(shuffled, watched)
    assert (again.documents, again.others) == (batch.documents, batch.others)
    half = len(raw) // 2
    merged = coalesce(raw[:half], watched).merged(coalesce(raw[half:], watched))
    assert merged == batch


# ---------------------------------------------------------------------- against the disk

NAMES = ["x.md", "y.txt", "z.rst", "w.md", ".hidden.md", "x.md.swp", "notes~", "data.json"]
FOLDERS = ["", "a", "a/b", "c"]
Op = tuple[str, int, int, int]


def _operation() -> st.SearchStrategy[Op]:
    return st.tuples(
        st.sampled_from(["write", "delete", "rename", "rmtree", "move-out", "move-in", "replace"]),
        st.integers(0, len(FOLDERS) - 1),
        st.integers(0, len(NAMES) - 1),
        st.integers(0, 3),
    )


class Recorder:
    """Does what a burst does to the corpus, and reports what a watcher could report of it:
    sometimes every file of a folder removed whole, sometimes only the folder (``mv``)."""

    def __init__(self, root: Path, outside: Path, thorough: bool) -> None:
        self.root, self.thorough = root, thorough
        self.outside = Path(tempfile.mkdtemp(dir=outside))  # its own: two recorders never clash
        self.changes: list[tuple[Kind, str]] = []
        self.count = 0

    def _note(self, kind: Kind, path: Path) -> None:
        self.changes.append((kind, str(path)))

    def write(self, path: Path, text: str) -> None:
        for parent in reversed([p for p in path.parents if not p.exists() and self.root in p.parents]):
            parent.mkdir()
            self._note("added", parent)
        self._note("modified" if path.exists() else "added", path)
        path.write_text(text, encoding="utf-8")

    def remove_tree(self, folder: Path, kind: Kind = "deleted") -> None:
        if self.thorough:
            for inner in sorted(folder.rglob("*"), reverse=True):
                self._note("deleted", inner)
        self._note(kind, folder)

    def apply(self, op: Op) -> None:
        action, folder_index, name_index, size = op
        folder = self.root / FOLDERS[folder_index]
        path = folder / NAMES[name_index]
        self.count += 1
        if action == "write":
            self.write(path, "word " * size + str(self.count))
        elif action == "delete" and path.is_file():
            path.unlink()
            self._note("deleted", path)
        elif action == "rename" and path.is_file():
            target = (
                self.root
                / FOLDERS[(folder_index + 1) % len(FOLDERS)]
                / NAMES[(name_index + size) % len(NAMES)]
            )
            if target.parent.is_dir() and not target.is_dir():
                path.replace(target)
                self._note("deleted", path)
                self._note("added", target)
        elif action == "replace":  # an editor's atomic save: a temp file renamed over the document
            temp = path.with_name(path.name + "~")
            if folder.is_dir():
                temp.write_text("saved " * size, encoding="utf-8")
                self._note("added", temp)
                temp.replace(path)
                self._note("deleted", temp)
                self._note("added", path)
        elif action in ("rmtree", "move-out") and FOLDERS[folder_index] and folder.is_dir():
            if action == "rmtree":
                self.remove_tree(folder)
                shutil.rmtree(folder)
            else:
                self._note("deleted", folder)  # a folder moved away: one event, whatever it held
                folder.rename(self.outside / f"gone-{self.count}")
        elif action == "move-in" and FOLDERS[folder_index] and not folder.exists() and folder.parent.is_dir():
            staged = self.outside / f"staged-{self.count}"
            (staged / "inner").mkdir(parents=True)
            (staged / NAMES[name_index]).write_text("moved in", encoding="utf-8")
            (staged / "inner" / "deep.md").write_text("deep", encoding="utf-8")
            (staged / ".hidden").mkdir()
            (staged / ".hidden" / "no.md").write_text("hidden", encoding="utf-8")
            staged.rename(folder)
            self._note("added", folder)  # files already inside when it came: not reported


def _listing(roots: list[Path]) -> dict[str, tuple[str, int, int]]:
    found, _ = discover(roots)
    return {s.id: (str(s.path), s.size, s.mtime_ns) for s in found}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.lists(_operation(), max_size=8),
    burst=st.lists(_operation(), min_size=1, max_size=12),
    thorough=st.booleans(),
    two_roots=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_a_burst_applied_to_the_listing_gives_what_a_rescan_gives(
    before: list[Op], burst: list[Op], thorough: bool, two_roots: bool, seed: int
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        outside = base / "outside"
        outside.mkdir()
        roots = [base / "one"] + ([base / "two"] if two_roots else [])
        for root in roots:
            root.mkdir()
        setup = Recorder(roots[0], outside, thorough)
        for op in before:
            setup.apply(op)
        listing = _listing(roots)
        recorder = Recorder(roots[-1], outside, thorough)
        for op in burst:
            recorder.apply(op)
        changes = list(recorder.changes)
        random.Random(seed).shuffle(changes)  # watchfiles hands a burst over as a set
        watched = Watched.of(roots)
        found = resolve(coalesce(changes, watched), watched)
        present, dropped = updates({i: path for i, (path, _, _) in listing.items()}, found)
        for doc_id in dropped:
            del listing[doc_id]
        listing.update({s.id: (str(s.path), s.size, s.mtime_ns) for s in present})
        assert listing == _listing(roots)


def test_a_folder_moved_in_is_walked_alone_and_one_moved_out_takes_its_documents(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "kept").mkdir(parents=True)
    (root / "kept" / "k.md").write_text("kept", encoding="utf-8")
    (root / "old").mkdir()
    (root / "old" / "o.md").write_text("old", encoding="utf-8")
    watched = Watched.of([root])
    (root / "old").rename(tmp_path / "old")
    (tmp_path / "new" / "deep").mkdir(parents=True)
    (tmp_path / "new" / "deep" / "n.md").write_text("new", encoding="utf-8")
    (tmp_path / "new").rename(root / "new")
    batch = Batch(others=frozenset({str(root / "old"), str(root / "new")}))
    found = resolve(batch, watched)
    assert [s.id for s in found.present] == ["new/deep/n.md"]
    known = {"kept/k.md": str(root / "kept" / "k.md"), "old/o.md": str(root / "old" / "o.md")}
    assert updates(known, found)[1] == ["old/o.md"]


def test_a_saved_pages_folder_is_not_the_corpus_and_a_folder_named_like_a_document_is_not_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "page_files").mkdir()
    (tmp_path / "page.html").write_text("<p>page</p>", encoding="utf-8")
    (tmp_path / "page_files" / "frame.html").write_text("<p>frame</p>", encoding="utf-8")
    (tmp_path / "odd.md").mkdir()
    watched = Watched.of([tmp_path])
    batch = Batch(
        documents=frozenset({str(tmp_path / "page_files" / "frame.html"), str(tmp_path / "odd.md")})
    )
    found = resolve(batch, watched)
    assert found.present == () and found.gone == {str(tmp_path / "odd.md")}
    assert resolve(Batch(others=frozenset({str(tmp_path / "page_files")})), watched).present == ()


def test_nothing_is_walked_for_a_burst_of_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    walks: list[list[Path]] = []
    real = watching.discover

    def counted(paths: list[Path]) -> tuple[list[SourceFile], list[Skipped]]:
        walks.append(paths)
        return real(paths)

    monkeypatch.setattr(watching, "discover", counted)
    for n in range(50):
        (tmp_path / f"{n}.md").write_text(str(n), encoding="utf-8")
    watched = Watched.of([tmp_path])
    changes: list[tuple[Kind, str]] = [("added", str(tmp_path / f"{n}.md")) for n in range(50)]
    found = resolve(coalesce(changes, watched), watched)
    assert len(found.present) == 50 and walks == []


# ---------------------------------------------------------------------- following the cursor


def test_follow_keeps_offsets_before_an_edit_and_shifts_those_after() -> None:
    old = "alpha beta gamma delta"
    new = "alpha INSERTED beta gamma delta"
    assert follow(old, new, old.index("alpha")) == 0
    assert new[follow(old, new, old.index("gamma")) :].startswith("gamma")
    assert follow(old, "", 10) == 0
    assert follow("", new, 0) == 0
    shorter = "alpha delta"
    assert shorter[follow(old, shorter, old.index("delta")) :] == "delta"
    assert follow(old, shorter, old.index("gamma")) <= len("alpha ")  # inside what was cut: its start


@given(
    st.text(alphabet="ab \n", max_size=300),
    st.integers(0, 300),
    st.integers(0, 300),
    st.text(alphabet="abc\n", max_size=40),
    st.integers(0, 300),
)
def test_follow_stays_in_the_text_and_keeps_offsets_before_any_edit(
    text: str, at: int, cut: int, inserted: str, offset: int
) -> None:
    at = min(at, len(text))
    new = text[:at] + inserted + text[min(at + cut, len(text)) :]
    offset = min(offset, len(text))
    moved = follow(text, new, offset)
    assert 0 <= moved <= len(new)
    if offset <= at:
        assert moved == offset


@given(
    st.lists(st.characters(codec="utf-8", exclude_characters="XYZ"), unique=True, max_size=200),
    st.integers(0, 200),
    st.integers(0, 200),
    st.text(alphabet="XYZ", max_size=40),
    st.integers(0, 200),
)
def test_follow_shifts_offsets_after_an_edit_by_its_growth(
    characters: list[str], at: int, cut: int, inserted: str, offset: int
) -> None:
    text = "".join(characters)  # no repeats: the edit is where it was made, not a lookalike
    at = min(at, len(text))
    end = min(at + cut, len(text))
    new = text[:at] + inserted + text[end:]
    offset = min(offset, len(text))
    moved = follow(text, new, offset)
    if offset <= at:  # at an insertion point too: the cursor stays before what was inserted
        assert moved == offset
    elif offset >= end:
        assert moved == offset + len(inserted) - (end - at) and new[moved:] == text[offset:]
    else:  # inside what was replaced: in the new stretch
        assert at <= moved <= at + len(inserted)


def test_follow_is_quick_on_a_big_document() -> None:
    big = "word " * 1_000_000
    edited = big[:2_500_000] + "NEW " + big[2_500_000:]
    assert follow(big, edited, 4_000_000) == 4_000_004
    assert follow(big, big, 123) == 123


def test_ids_of_many_roots_take_the_root_name(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    watched = Watched.of([one, two])
    assert watched.document_id(os.path.join(two, "sub", "a.md")) == "two/sub/a.md"
    assert watched.document_id(str(two)) is None


@pytest.mark.skipif(os.name != "posix", reason="POSIX names are bytes")
def test_a_file_whose_name_is_not_utf8_is_not_wanted(tmp_path: Path) -> None:
    """Discovery skips it (with the reason); a change to it is no change to the corpus."""
    watched = Watched.of([tmp_path])
    path = os.fspath(tmp_path / os.fsdecode(b"caf\xe9.md"))
    assert not watched.wants(path) and watched.document_id(path) is None
    assert watched.wants(os.fspath(tmp_path / "café.md"))
