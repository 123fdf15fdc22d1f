"""The index never claims what it does not hold: the indexer killed for real at every named point
(SIGKILL, SIGINT, SIGTERM), and at random moments, then run again, answers a fixed query set
exactly as a clean rebuild does; no document is ever in the index twice.

The indexer runs as the child process the app and the command line start; ``LECTERN_FAULT``
(``tui.core.faults``) makes it signal itself at a named point.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.core.fault_corpus import answers, make_corpus
from tui.core import catalog as catalog_format
from tui.core import index_files, indexer, indexer_client
from tui.core.faults import VARIABLE
from tui.core.search.whoosh.writing import stored_entries


def run_indexer(index_dir: Path, corpus: Path, rebuild: bool = False, fault: str | None = None) -> int:
    """The indexer child, as the app starts it; its exit code."""
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    if fault:
        env[VARIABLE] = fault
    argv = indexer_client.command(index_dir, [corpus], rebuild)
    return subprocess.run(argv, env=env, capture_output=True, timeout=300).returncode


def index_ids(index_dir: Path) -> list[str]:

    return sorted(doc_id for doc_id, _ in stored_entries(index_dir))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """A corpus, a clean index of it, and that index's answers."""
    base = tmp_path_factory.mktemp("faults")
    corpus = make_corpus(base / "corpus")
    index_dir = base / "index"
    assert run_indexer(index_dir, corpus) == 0
    return corpus, index_dir, answers(index_dir)


def expected_after_edits(corpus: Path, tmp: Path) -> Any:
    index_dir = tmp / "clean"
    assert run_indexer(index_dir, corpus, rebuild=True) == 0
    return answers(index_dir)


def edit_some(corpus: Path) -> None:
    """Edits the user makes between runs: a change, an addition, a removal."""
    first = corpus / "d005.md"
    first.write_text(first.read_text(encoding="utf-8") + "\nharbour parliament harbour\n", encoding="utf-8")
    (corpus / "new.md").write_text("---\ntitle: New\ndate: 2021-02-02\n---\nriver harbour bridge\n")
    (corpus / "d010.md").unlink()


POINTS = [
    "wipe",
    "before-commit@1",
    "segment-postings@1",  # a segment's .lps written, its table of contents not yet
    "after-commit@1",
    "catalog-write@1",  # the catalog's rows written in its transaction, not yet committed
    "after-catalog@1",
    "before-commit@2",
    "catalog-write@2",
    "segment-postings@2",
    "after-commit@2",
    "terms-write@1",  # everything committed; the fuzzy queries' term lists not yet saved
]
SIGNALS = ["KILL", "INT", "TERM"]


@pytest.mark.parametrize("signame", SIGNALS)
@pytest.mark.parametrize("point", POINTS)
def test_a_killed_rebuild_then_a_normal_run_answers_as_a_clean_rebuild(
    pristine: tuple[Path, Path, Any], tmp_path: Path, point: str, signame: str
) -> None:
    corpus, clean, expected = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    code = run_indexer(index_dir, corpus, rebuild=True, fault=f"{point}:{signame}")
    assert code != 0, "the fault point was never reached"
    assert run_indexer(index_dir, corpus) == 0
    assert answers(index_dir) == expected
    assert index_ids(index_dir) == sorted(p.name for p in corpus.glob("*.md"))


@pytest.mark.parametrize("signame", SIGNALS)
@pytest.mark.parametrize("point", ["before-commit@1", "after-commit@1", "catalog-write@1", "after-catalog@1"])
def test_a_killed_update_after_edits_then_a_normal_run_answers_as_a_clean_rebuild(
    pristine: tuple[Path, Path, Any], tmp_path: Path, point: str, signame: str
) -> None:
    corpus_src, _, _ = pristine
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_src, corpus)
    index_dir = tmp_path / "index"
    assert run_indexer(index_dir, corpus) == 0
    edit_some(corpus)
    assert run_indexer(index_dir, corpus, fault=f"{point}:{signame}") != 0
    edit_some_more = corpus / "d020.md"
    edit_some_more.write_text("---\ntitle: Rewritten\ndate: 2021-03-03\n---\nmuseum ledger\n")
    assert run_indexer(index_dir, corpus) == 0
    assert answers(index_dir) == expected_after_edits(corpus, tmp_path)


@pytest.mark.parametrize("signame", SIGNALS)
def test_a_merge_killed_then_a_normal_run_answers_as_a_clean_rebuild(
    pristine: tuple[Path, Path, Any], tmp_path: Path, signame: str
) -> None:
    """Runs that each change a document add small segments that the merge policy merges (the
    searched fields' postings read back whole from each ``.lps`` file); a run is killed
    in the merge, and the next one answers as a clean rebuild does."""
    corpus_src, clean, _ = pristine
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_src, corpus)
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    for n in range(12):
        changed = corpus / f"d{n:03d}.md"
        changed.write_text(changed.read_text(encoding="utf-8") + f"\nmuseum ledger {n}\n", encoding="utf-8")
        if run_indexer(index_dir, corpus, fault=f"segment-merged@1:{signame}") != 0:
            break
    else:
        raise AssertionError("no run merged segments")
    assert run_indexer(index_dir, corpus) == 0
    assert answers(index_dir) == expected_after_edits(corpus, tmp_path)


def test_a_commit_whose_catalog_was_lost_indexes_nothing_twice(
    pristine: tuple[Path, Path, Any], tmp_path: Path
) -> None:
    """The old failure: killed between a commit and the catalog save, the next run added every
    document of that batch again. Now the catalog is rebuilt from the index first."""
    corpus, _, expected = pristine
    index_dir = tmp_path / "index"
    assert run_indexer(index_dir, corpus, fault="after-commit@2:KILL") != 0
    catalog = catalog_format.Catalog.load(index_dir)
    assert catalog is not None and catalog.generation != index_files.toc_generation(index_dir)
    events: list[dict[str, Any]] = []
    report = indexer.sync(index_dir, [corpus], False, events.append)
    assert report.repaired is not None and "catalog rebuilt from the index" in report.repaired
    assert answers(index_dir) == expected
    assert len(index_ids(index_dir)) == len(set(index_ids(index_dir))) == 120


def test_a_catalog_save_killed_before_its_commit_is_repaired_from_the_index(
    pristine: tuple[Path, Path, Any], tmp_path: Path
) -> None:
    """Killed inside the catalog's transaction: the database holds the save before (a
    generation behind), the next run repairs it from the index and adds nothing twice."""
    corpus, _, expected = pristine
    index_dir = tmp_path / "index"
    assert run_indexer(index_dir, corpus, fault="catalog-write@3:KILL") != 0
    catalog = catalog_format.Catalog.load(index_dir)  # read-only, with the killed save's journal beside it
    assert catalog is not None and catalog.generation != index_files.toc_generation(index_dir)
    report = indexer.sync(index_dir, [corpus], False, lambda _: None)
    assert report.repaired is not None and "catalog rebuilt from the index" in report.repaired
    assert answers(index_dir) == expected
    assert len(index_ids(index_dir)) == len(set(index_ids(index_dir))) == 120
    assert not (index_dir / f"{catalog_format.CATALOG_NAME}-journal").exists()


def test_a_rebuild_clears_the_catalog_before_it_wipes_the_index(
    pristine: tuple[Path, Path, Any], tmp_path: Path
) -> None:
    corpus, clean, expected = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    assert run_indexer(index_dir, corpus, rebuild=True, fault="wipe:KILL") != 0
    assert catalog_format.Catalog.load(index_dir) is None  # nothing claims documents now
    report = indexer.sync(index_dir, [corpus], False, lambda _: None)
    assert report.rebuilt == "index catalog missing or damaged"
    assert answers(index_dir) == expected


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.4, 0.7, 1.0])
def test_a_rebuild_killed_at_a_random_moment_in_its_first_second(
    pristine: tuple[Path, Path, Any], tmp_path: Path, delay: float
) -> None:
    corpus, clean, expected = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    child = subprocess.Popen(
        indexer_client.command(index_dir, [corpus], rebuild=True),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert run_indexer(index_dir, corpus) == 0
    assert answers(index_dir) == expected
    assert not list(index_dir.glob("*.tmp")) and not list(index_dir.glob("whoosh/*.tmp"))


def test_temp_files_of_a_killed_run_are_removed(pristine: tuple[Path, Path, Any], tmp_path: Path) -> None:
    corpus, clean, _ = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    (index_dir / ".vocabulary.txt.abc.tmp").write_text("half")
    (index_dir / "whoosh" / "x.tmp").write_text("half")
    (index_dir / "whoosh" / "MAIN.tmp").mkdir()  # Whoosh's own temp folder
    (index_dir / "whoosh" / "MAIN.tmp" / "pool").write_text("half")
    assert run_indexer(index_dir, corpus) == 0
    assert not list(index_dir.glob("*.tmp")) and not list((index_dir / "whoosh").glob("*.tmp"))


def test_the_catalog_names_the_generation_and_every_file_it_describes(
    pristine: tuple[Path, Path, Any],
) -> None:
    _, index_dir, _ = pristine
    catalog = catalog_format.Catalog.load(index_dir)
    assert catalog is not None and catalog.files is not None
    assert catalog.generation == index_files.toc_generation(index_dir)
    assert set(catalog.files) == set(index_files.index_stats(index_dir))
    assert index_files.verify_files(index_dir, catalog.files) is None
    assert catalog.describes(index_dir)
