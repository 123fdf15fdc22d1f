"""A run's last step (``writing.tidy``): the segments its batches left are merged, a commit at a
time, each described in the catalog at once. The answers are those of the index before; the
copy of each merged segment's stored fields, lengths and columns is Whoosh's own; and a run
killed for real anywhere in that step is followed by one that answers as a clean build does.

The bounds are made small here so that a corpus of 3 MB has many segments to tidy.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from whoosh import index
from whoosh.writing import SegmentWriter

from tests.core.fault_corpus import answers, make_corpus
from tui.core import catalog as catalog_format
from tui.core import indexer
from tui.core.faults import VARIABLE
from tui.core.search.whoosh import FOLDER, merging
from tui.core.search.whoosh.codec import FastWriter
from tui.core.search.whoosh.writing import stored_entries

NEVER = 10**9


def segment_sizes(folder: Path) -> list[int]:
    ix = index.open_dir(str(folder / FOLDER))
    return [merging.postings_bytes(ix.storage, s) for s in ix._segments()]


def build(folder: Path, corpus: Path, events: list[dict[str, Any]] | None = None) -> indexer.Report:
    return indexer.sync(folder, [corpus], True, (events if events is not None else []).append)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A batch of some 250 KB, and no merge at a run's last commit: a dozen segments."""
    monkeypatch.setattr(indexer, "FIRST_BATCH_BYTES", 100_000)
    monkeypatch.setattr(indexer, "BATCH_BYTES", 250_000)
    monkeypatch.setattr(merging, "MERGE_BYTES", 1)
    return monkeypatch


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("tidy") / "corpus")


@pytest.fixture
def untidy(small_batches: pytest.MonkeyPatch, corpus: Path, tmp_path: Path) -> tuple[Path, list[int], Any]:
    """The index as the batches leave it (no tidying): its folder, segment sizes and answers;
    the tidying bound then set to about four of its segments."""
    small_batches.setattr(merging, "TIDY_BYTES", 0)
    folder = tmp_path / "untidy"
    build(folder, corpus)
    sizes = segment_sizes(folder)
    assert len(sizes) >= 8
    small_batches.setattr(merging, "TIDY_BYTES", sum(sorted(sizes)[-4:]))
    return folder, sizes, answers(folder)


def test_tidying_merges_the_small_segments_and_answers_as_before(
    untidy: tuple[Path, list[int], Any], corpus: Path, tmp_path: Path
) -> None:
    _, sizes, expected = untidy
    folder = tmp_path / "tidy"
    events: list[dict[str, Any]] = []
    report = build(folder, corpus, events)
    after = segment_sizes(folder)
    assert len(after) <= len(sizes) - 4, "several merges, of three segments or more"
    assert not merging.tidy_indexes(after), "until none is left"
    assert answers(folder) == expected
    assert sorted(doc_id for doc_id, _ in stored_entries(folder)) == sorted(
        p.stem + ".md" for p in corpus.glob("*.md")
    )
    catalog = catalog_format.Catalog.read(folder)
    assert catalog.describes(folder), "each commit is described at once: the next start trusts it"
    phases = [e.get("phase", e["event"]) for e in events if e["event"] in ("progress", "commit")]
    last_batch = max(i for i, p in enumerate(phases) if p == "committed")
    tidied = phases[last_batch + 1 :]
    assert tidied[0] == "merging" and tidied.count("commit") >= 2
    assert report.indexed == len(list(corpus.glob("*.md")))
    again = indexer.sync(folder, [corpus], False, lambda _: None)
    assert again.unchanged == report.indexed and segment_sizes(folder) == after, "nothing more to merge"


def test_a_merged_segment_holds_what_whooshs_own_copy_holds(
    untidy: tuple[Path, list[int], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored fields, every field's lengths, the date and title columns: ``FastWriter``'s copy
    (lengths read a column at a time) against Whoosh's (a look-up per document and field)."""
    untidy_folder, _, _ = untidy
    copies = {}
    for name, write_per_doc in (("ours", FastWriter.write_per_doc), ("whoosh", SegmentWriter.write_per_doc)):
        folder = tmp_path / name
        (folder / FOLDER).mkdir(parents=True)
        for path in (untidy_folder / FOLDER).iterdir():
            (folder / FOLDER / path.name).write_bytes(path.read_bytes())
        monkeypatch.setattr(FastWriter, "write_per_doc", write_per_doc)
        writer = FastWriter(index.open_dir(str(folder / FOLDER)))
        writer.commit_segments(writer.write_segment(policy=merging.merge_tidy))
        copies[name] = per_document(folder)
    assert copies["ours"] == copies["whoosh"]


def per_document(folder: Path) -> list[Any]:
    ix = index.open_dir(str(folder / FOLDER))
    found = []
    with ix.reader() as reader:
        names = [n for n in ix.schema.names() if ix.schema[n].column_type]
        for sub, _ in reader.leaf_readers():
            columns = {n: sub.column_reader(n) for n in names if sub.has_column(n)}
            for docnum, stored in sub.iter_docs():
                lengths = {n: sub.doc_field_length(docnum, n) for n in ix.schema.names()}
                found.append((stored, lengths, {n: c[docnum] for n, c in columns.items()}))
    return sorted(found, key=lambda item: item[0]["id"])


@pytest.mark.parametrize("signame", ["KILL", "INT", "TERM"])
@pytest.mark.parametrize(
    "point", ["segment-merged@1", "tidy-commit@1", "after-tidy@1", "tidy-commit@2", "after-tidy@2"]
)
def test_a_run_killed_while_tidying_is_followed_by_one_that_answers_as_before(
    untidy: tuple[Path, list[int], Any], corpus: Path, tmp_path: Path, point: str, signame: str
) -> None:
    _, _, expected = untidy
    folder = tmp_path / "killed"
    pid = os.fork()
    if pid == 0:  # the child: the run, stopped for real at the point (the bounds are inherited)
        code = 0
        try:
            os.environ[VARIABLE] = f"{point}:{signame}"
            build(folder, corpus)
        except BaseException:  # SIGINT: KeyboardInterrupt, through the writer's cancel
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if signame == "INT":
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3, "never reached"
    else:
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == getattr(signal, f"SIG{signame}"), (
            "never reached"
        )
    indexer.sync(folder, [corpus], False, lambda _: None)
    assert answers(folder) == expected
    ids = [doc_id for doc_id, _ in stored_entries(folder)]
    assert sorted(ids) == sorted(set(ids)) == sorted(p.name for p in corpus.glob("*.md"))
    assert catalog_format.Catalog.read(folder).describes(folder)
