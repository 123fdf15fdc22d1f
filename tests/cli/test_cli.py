"""The ``lectern`` command through a real subprocess: paths, index, search, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import lectern
from tui.core.paths import HOME_VARIABLE, Paths


def test_paths_are_under_lectern_home(lectern_home: Path) -> None:
    result = lectern("paths")
    assert result.returncode == 0
    for name in ("config", "data", "cache"):
        assert f"{name}" in result.stdout and str(lectern_home / name) in result.stdout
    converted = next(line for line in result.stdout.splitlines() if line.startswith("converted "))
    assert converted.split()[1] == str(Paths.from_environment({HOME_VARIABLE: str(lectern_home)}).converted)


def test_index_reports_and_is_incremental(corpus: Path) -> None:
    first = lectern("index", str(corpus))
    assert first.returncode == 0, first.stderr
    assert "indexed 2, updated 0, removed 0, unchanged 0, skipped 0" in first.stdout
    (corpus / "extra.md").write_text("# Extra\n\nmarmalade\n")
    second = lectern("index", str(corpus))
    assert "indexed 1, updated 0, removed 0, unchanged 2" in second.stdout
    rebuilt = lectern("index", str(corpus), "--rebuild")
    assert "indexed 3" in rebuilt.stdout


def test_search_json_has_the_documented_fields(corpus: Path) -> None:
    result = lectern("search", "blockchains corruption", str(corpus), "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["2020-01-19-china-shifts-focus-to-blockchain-technology.md"]
    row = rows[0]
    assert {"id", "title", "path", "date", "score", "hits", "snippet"} <= row.keys()
    assert row["hits"] > 5 and row["date"] == "2020-01-19"
    for start, end in row["marks"]:
        assert row["snippet"][start:end].lower() in ("blockchain", "corruption")


def test_search_text_output_limit_and_sort(corpus: Path) -> None:
    result = lectern("search", "blockchain", str(corpus), "--limit", "1", "--sort", "date")
    assert result.returncode == 0
    assert "2 results for 'blockchain' (showing 1, by date)" in result.stdout
    assert "One Belt" in result.stdout and "Shifts Focus" not in result.stdout
    assert "[blockchain]" in result.stdout.lower()


def test_default_corpus_is_the_bundled_seeds() -> None:
    result = lectern("search", "プロジェクト", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 1


@pytest.mark.parametrize("query", ["NOT china", "*chain", "date:banana", "x" * 300])
def test_bad_query_exits_2_with_a_message(corpus: Path, query: str) -> None:
    result = lectern("search", query, str(corpus))
    assert result.returncode == 2
    assert result.stderr.startswith("lectern: ") and "Traceback" not in result.stderr


def test_suggestion_is_printed(corpus: Path) -> None:
    assert "did you mean: corruption" in lectern("search", "corruptoin", str(corpus)).stdout


def test_broken_files_are_skipped_with_reasons_and_exit_0(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "binary.md").write_bytes(b"\x89PNG\x00\x00\x00")
    (folder / "latin.txt").write_bytes(b"caf\xe9 au lait\n")
    (folder / "front.md").write_text("---\ntitle: [oops\n---\nstill readable\n")
    (folder / "utf16.md").write_bytes("# Wide\n\nutf sixteen text\n".encode("utf-16"))
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "secret.md").write_text("hidden")
    result = lectern("index", str(folder))
    assert result.returncode == 0, result.stderr
    assert "indexed 3" in result.stdout and "skipped 1" in result.stdout
    assert "binary.md: binary file" in result.stdout
    assert "latin.txt: not valid UTF-8" in result.stdout
    assert "front.md: malformed front matter" in result.stdout
    found = json.loads(lectern("search", "sixteen OR readable OR café", str(folder), "--json").stdout)
    assert {r["id"] for r in found} == {"utf16.md", "front.md", "latin.txt"}


@pytest.mark.skipif(os.name != "posix", reason="POSIX names are bytes")
@pytest.mark.parametrize("errors", ["surrogateescape", "strict"])
def test_a_file_name_that_is_not_utf8_is_skipped_and_the_rest_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errors: str
) -> None:
    """Under the C.UTF-8 locale Python's output passes lone surrogates through; under another
    UTF-8 locale (``en_US.UTF-8``) it refuses them: neither the child's report nor the
    remembered one may fail then."""
    monkeypatch.setenv("PYTHONIOENCODING", f"utf-8:{errors}")
    folder = tmp_path / "names"
    (folder / "sub").mkdir(parents=True)
    (folder / "fine.md").write_text("readable harbour\n")
    (folder / os.fsdecode(b"caf\xe9.md")).write_text("latin one harbour\n")
    (folder / "sub" / os.fsdecode(b"\xff.md")).write_text("stray byte harbour\n")
    for _ in range(2):  # and again, once the first run's report is remembered
        result = lectern("index", str(folder))
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    found = json.loads(lectern("search", "harbour", str(folder), "--json").stdout)
    assert [r["id"] for r in found] == ["fine.md"]
    reported = lectern("search", "harbour", str(folder), "--verbose").stderr
    assert reported.count("its name is not UTF-8 text") == 2 and "\ufffd" in reported


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "evil.md").write_text("# Title \x1b]0;pwned\x07\n\nweasel \x1b[31mred\x1b[0m weasel\n")
    result = lectern("search", "weasel", str(folder))
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "␛" in result.stdout


def test_scripting_paths_never_import_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, tui.cli, tui.core;"
        "[importlib.import_module('tui.core.' + m.name) for m in pkgutil.iter_modules(tui.core.__path__)];"
        "tui.cli._subcommand_parser();"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'));"
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold() -> None:
    root = Path(__file__).resolve().parents[2]
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=root, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["skipped", "problems"])
def test_a_report_names_the_first_thousand_files_and_counts_the_rest(tmp_path: Path, kind: str) -> None:
    """However many files are skipped (or warned about), the report the reading room reads is one
    line of bounded size: the first ``LISTED`` named, the rest counted, and said."""
    from tui.core import indexer

    folder = tmp_path / "many"
    folder.mkdir()
    count = indexer.LISTED + 7
    for n in range(count):
        if kind == "skipped":
            (folder / f"b{n:04}.md").write_bytes(b"\x89PNG\x00\x00")
        else:
            (folder / f"f{n:04}.md").write_text("---\ntitle: [oops\n---\nreadable\n")
    events: list[dict[str, object]] = []
    report = indexer.sync(tmp_path / "index", [folder], False, events.append)
    listed, total = getattr(report, kind), getattr(report, f"{kind}_total")
    assert len(listed) == indexer.LISTED and total == count
    assert len([e for e in events if e["event"] in ("skipped", "problem")]) == indexer.LISTED
    assert len(json.dumps({"event": "done", **report.__dict__})) < 200 * indexer.LISTED
    said = lectern("index", str(folder), "--rebuild").stdout
    more = "more files skipped" if kind == "skipped" else "more warnings"
    assert f"and 7 {more}" in said
    if kind == "skipped":
        assert f"skipped {count:,} " in said
