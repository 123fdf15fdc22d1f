"""Options and paths in any order, for every subcommand; the index report that ``search`` prints
only when it has news (or ``--verbose``); counts worded as people write them.

The order tests parse in-process (``_parse_subcommand`` is what ``main`` runs) and compare the
namespaces; a few run the real command to show that the parsed order reaches the work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import lectern
from tui.cli import _parse_subcommand, main
from tui.cli_report import reported_file
from tui.core.library import Library
from tui.core.paths import Paths

ORDERS = {
    "index": [
        ["index", "--rebuild", "a", "b"],
        ["index", "a", "--rebuild", "b"],
        ["index", "a", "b", "--rebuild"],
    ],
    "search": [
        ["search", "--limit", "3", "--sort", "date", "--json", "-v", "foo", "a", "b"],
        ["search", "foo", "--limit", "3", "a", "--sort", "date", "b", "--json", "-v"],
        ["search", "foo", "a", "b", "--limit", "3", "--sort", "date", "--json", "--verbose"],
    ],
    "annotations list": [
        ["annotations", "list", "--doc", "x.md", "--tag", "t", "--json", "a", "b"],
        ["annotations", "list", "a", "--doc", "x.md", "b", "--tag", "t", "--json"],
    ],
    "annotations add": [
        ["annotations", "add", "--exact", "q", "--note", "n", "--tag", "t", "x.md", "a", "b"],
        ["annotations", "add", "x.md", "--exact", "q", "a", "--note", "n", "b", "--tag", "t"],
        ["annotations", "add", "x.md", "a", "b", "--exact", "q", "--note", "n", "--tag", "t"],
    ],
    "annotations verify": [
        ["annotations", "verify", "--json", "a", "b"],
        ["annotations", "verify", "a", "--json", "b"],
    ],
    "export": [
        ["export", "-f", "csv", "--tag", "t", "-o", "out.csv", "a", "b"],
        ["export", "a", "-f", "csv", "b", "--tag", "t", "-o", "out.csv"],
        ["export", "a", "b", "--format", "csv", "--tag", "t", "--output", "out.csv"],
    ],
    "import": [
        ["import", "backup.json", "a", "b"],
    ],
    "paths": [["paths"]],
}


@pytest.mark.parametrize("command", sorted(ORDERS))
def test_every_order_of_options_and_paths_parses_the_same(command: str) -> None:
    parsed = [vars(_parse_subcommand(list(args))) for args in ORDERS[command]]
    assert all(p == parsed[0] for p in parsed), parsed
    first = parsed[0]
    assert first["command"] == command.split(maxsplit=1)[0]
    if "paths" in first:
        assert first["paths"] == [Path("a"), Path("b")]


def test_the_positional_before_the_paths_stays_first() -> None:
    parsed = _parse_subcommand(["search", "--limit", "3", "needle", "x", "--json", "y"])
    assert (parsed.query, parsed.paths, parsed.limit, parsed.json) == (
        "needle",
        [Path("x"), Path("y")],
        3,
        True,
    )
    added = _parse_subcommand(["annotations", "add", "--exact", "q", "doc.md"])
    assert (added.doc, added.paths, added.action) == ("doc.md", [], "add")
    imported = _parse_subcommand(["import", "f.json"])
    assert (imported.file, imported.paths) == (Path("f.json"), [])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search"], "the following arguments are required: query"),
        (["search", "x", "--limit", "0"], "must be 1 or more"),
        (["search", "x", "--bogus"], "unrecognized arguments: --bogus"),
        (["annotations"], "required: action"),
        (["annotations", "frob"], "invalid choice: 'frob'"),
        (["export", "a"], "required: --format/-f"),
        (["annotations", "add", "doc.md"], "required: --exact"),
    ],
)
def test_bad_arguments_exit_2_with_argparse_words(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _parse_subcommand(args)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_the_usage_names_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parse_subcommand(["annotations", "add", "--help"])
    assert capsys.readouterr().out.startswith("usage: lectern annotations add ")


def test_reader_paths_and_version_in_any_order(capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import _reader_parser

    assert _reader_parser().parse_intermixed_args(["a", "b"]).paths == [Path("a"), Path("b")]
    with pytest.raises(SystemExit) as stopped:
        _reader_parser().parse_intermixed_args(["a", "--version"])
    assert stopped.value.code == 0 and capsys.readouterr().out.startswith("lectern ")


# ---------------------------------------------------------------------- the real command


def test_search_with_options_between_query_and_paths(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "extra.md").write_text("# Extra\n\nblockchain marmalade\n", encoding="utf-8")
    result = lectern("search", "blockchain", "--limit", "5", str(corpus), "--json", str(other))
    assert result.returncode == 0, result.stderr
    ids = [r["id"] for r in json.loads(result.stdout)]  # two roots: ids start with the root's name
    assert len(ids) == 3 and "other/extra.md" in ids


def test_export_and_annotations_with_options_first_or_last(corpus: Path, tmp_path: Path) -> None:
    china = "2020-01-19-china-shifts-focus-to-blockchain-technology.md"
    added = lectern(
        "annotations", "add", china, "--exact", "reduce corruption", str(corpus), "--tag", "policy"
    )
    assert added.returncode == 0, added.stderr
    listed = lectern("annotations", "list", str(corpus), "--json", "--tag", "policy")
    assert [a["document"] for a in json.loads(listed.stdout)] == [china]
    out = tmp_path / "out.csv"
    exported = lectern("export", str(corpus), "--format", "csv", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "reduce corruption" in out.read_text(encoding="utf-8")
    assert "exported 1 passage from 1 document as csv" in exported.stderr


# ---------------------------------------------------------------------- the index report on stderr


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A folder with one readable document and one binary file the indexer skips."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "fine.md").write_text("# Fine\n\nneedle here\n", encoding="utf-8")
    (folder / "binary.md").write_bytes(b"\x89PNG\x00\x00")
    return folder


def search(folder: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["search", "needle", str(folder), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_search_reports_a_skipped_file_once_then_only_with_verbose(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = search(broken, capsys=capsys)
    assert code == 0 and out.startswith("1 result for 'needle'")
    assert "skipped" in err and "binary.md: binary file" in err  # the first time: news

    code, out, err = search(broken, capsys=capsys)
    assert code == 0 and out.startswith("1 result for 'needle'")
    assert err == ""  # the same file skipped again is not news

    code, _, err = search(broken, "--verbose", capsys=capsys)
    assert "indexed 0, updated 0, removed 0, unchanged 1, skipped 1" in err
    assert "binary.md: binary file" in err

    (broken / "another.md").write_bytes(b"\x00\x01")
    _, _, err = search(broken, capsys=capsys)
    assert "another.md: binary file" in err  # a new one is news again (and the report is whole)
    assert "binary.md: binary file" in err
    _, _, err = search(broken, capsys=capsys)
    assert err == ""

    (broken / "binary.md").unlink()  # fixed, then broken again: reported again
    _, _, err = search(broken, capsys=capsys)
    assert err == ""
    (broken / "binary.md").write_bytes(b"\x89PNG\x00\x00")
    _, _, err = search(broken, capsys=capsys)
    assert "binary.md: binary file" in err


def test_index_shows_the_report_so_search_does_not_repeat_it(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(broken)]) == 0
    assert "binary.md: binary file" in capsys.readouterr().out
    _, _, err = search(broken, capsys=capsys)
    assert err == ""


def test_a_clean_corpus_prints_no_report_unless_verbose(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "blockchain", str(corpus)]) == 0
    assert capsys.readouterr().err == ""
    assert main(["search", "blockchain", str(corpus), "-v"]) == 0
    err = capsys.readouterr().err
    assert "skipped 0 (2 documents in the index" in err


def test_an_unwritable_record_only_means_the_report_comes_again(
    broken: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path, text: str) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("tui.core.storage.atomic_write_text", refuse)
    for _ in range(2):
        code, out, err = search(broken, capsys=capsys)
        assert code == 0 and "binary.md: binary file" in err and out.startswith("1 result")
        assert "Permission denied" not in err


def test_the_record_is_small_json_in_the_cache_and_a_damaged_one_reads_as_empty(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    search(broken, capsys=capsys)
    paths = Paths.from_environment()
    path = reported_file(Library.open(paths, [broken]))
    assert path.is_relative_to(paths.cache)
    [line] = json.loads(path.read_text(encoding="utf-8"))
    assert line.startswith(f"skipped {broken / 'binary.md'}: binary file")
    assert not list(path.parent.glob(".*.tmp"))  # written atomically: no temp file left
    path.write_text("{not json", encoding="utf-8")
    _, _, err = search(broken, capsys=capsys)
    assert "binary.md: binary file" in err  # unknown what was shown: shown again, record mended
    assert json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- counts


def test_counts_are_singular_for_one_and_grouped_by_thousands(corpus: Path) -> None:
    one = lectern("search", "conflux", str(corpus))
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("1 result for 'conflux' (by relevance)")
    assert " hits" in one.stdout or " hit" in one.stdout
    assert "1 hits" not in one.stdout and "1 results" not in one.stdout


def test_the_cli_counted_helper() -> None:
    from tui.cli_report import counted

    assert counted(1, "hit") == "1 hit"
    assert counted(0, "hit") == "0 hits"
    assert counted(400_000, "hit") == "400,000 hits"
    assert counted(2, "match", "matches") == "2 matches"
