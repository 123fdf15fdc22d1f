"""``lectern agreement`` through a real subprocess: two annotators' sets imported with ``--as``,
the table and the disagreements, ``--json``, the filters, fewer than two annotators; and the
annotator options of ``annotations add --as``, ``import --as`` and ``export --annotator``."""

from __future__ import annotations

import getpass
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import lectern
from tui.core.library import read_text

LOVELACE = """---
title: Notes on the Analytical Engine
---
Ada Lovelace met Charles Babbage in London in 1833.
"""
TURING = """---
title: Computing Machinery
---
Alan Turing worked at Bletchley Park.
"""
HOPPER = """---
title: Grace Hopper
---
Grace Hopper joined the Navy.
"""
ADA = [
    ("lovelace.md", "Ada Lovelace", "PER"),
    ("lovelace.md", "Charles Babbage", "PER"),
    ("lovelace.md", "London", "LOC"),
    ("turing.md", "Alan Turing", "PER"),
    ("turing.md", "Bletchley Park", "LOC"),
    ("hopper.md", "Grace Hopper", "PER"),  # bob never read this one: skipped
]
BOB = [
    ("lovelace.md", "Ada", "PER"),
    ("lovelace.md", "Charles Babbage", "PER"),
    ("lovelace.md", "London", "ORG"),
    ("lovelace.md", "1833", "DATE"),
    ("turing.md", "Alan Turing", "PER"),
    ("turing.md", "Bletchley Park", "LOC"),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in (("lovelace.md", LOVELACE), ("turing.md", TURING), ("hopper.md", HOPPER)):
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def ok(*args: str) -> subprocess.CompletedProcess[str]:
    result = lectern(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def export_file(
    corpus: Path, tmp_path: Path, name: str, spans: list[tuple[str, str, str]], **extra: Any
) -> Path:
    """A lectern JSON export of ``spans`` (as another lectern would write it: no annotator unless
    ``extra`` gives one)."""
    documents: dict[str, list[dict[str, Any]]] = {}
    for n, (doc, quote, label) in enumerate(spans):
        text = read_text(str(corpus / doc))
        assert text is not None
        start = text.index(quote)
        documents.setdefault(doc, []).append(
            {
                "id": f"{name}-{n}",
                "created": "2026-01-02T03:04:05+00:00",
                "tags": [label],
                "target": {"exact": quote, "start": start, "end": start + len(quote)},
                **extra,
            }
        )
    payload = {
        "format": "lectern",
        "version": 1,
        "documents": [
            {"id": doc, "path": str((corpus / doc).resolve()), "annotations": items}
            for doc, items in documents.items()
        ],
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


@pytest.fixture
def two(folder: Path, tmp_path: Path) -> Path:
    """ada's and bob's sets imported with --as."""
    first = ok("import", str(export_file(folder, tmp_path, "ada", ADA)), str(folder), "--as", "ada")
    assert first.stdout.startswith("imported 6: 6 added")
    ok("import", str(export_file(folder, tmp_path, "bob", BOB)), str(folder), "--as", "bob")
    return folder


def test_agreement_prints_a_table_per_pair_and_the_disagreements(two: Path) -> None:
    # Spans (hopper.md skipped): ada PER 3, LOC 2; bob PER 3, LOC 1, ORG 1, DATE 1.
    # Exact: PER 2 (Charles Babbage, Alan Turing), LOC 1 (Bletchley Park): P 3/5, R 3/6, F1 6/11.
    # Overlap adds Ada Lovelace ~ Ada: P 4/5, R 4/6, F1 8/11.
    # Tokens (15):   Ada Lovelace met Charles Babbage in London in 1833 | Alan Turing worked at Bletchley Park
    #   ada:         PER PER      O   PER     PER     O  LOC    O  O    | PER  PER    O      O  LOC       LOC
    #   bob:         PER O        O   PER     PER     O  ORG    O  DATE | PER  PER    O      O  LOC       LOC
    # all: pₒ = 12/15; ada PER 6, O 6, LOC 3; bob PER 5, O 6, LOC 2, ORG 1, DATE 1
    #      pₑ·225 = 6·5 + 6·6 + 3·2 = 72 -> κ = (180 − 72)/(225 − 72) = 108/153 = 0.71
    # PER: yes ada 6, bob 5; pₒ = 14/15; pₑ·225 = 6·5 + 9·10 = 120 -> κ = (210 − 120)/105 = 0.86
    # LOC: yes ada 3, bob 2; pₒ = 14/15; pₑ·225 = 3·2 + 12·13 = 162 -> κ = (210 − 162)/63 = 0.76
    # ORG, DATE: yes ada 0, bob 1; pₒ = 14/15 = pₑ -> κ = 0
    result = ok("agreement", str(two))
    assert result.stdout.splitlines() == [
        "ada vs bob: 2 documents, 15 tokens (1 skipped: annotated by one of them only)",
        "label  ada  bob  exact     P     R    F1  overlap     P     R    F1  kappa",
        "--------------------------------------------------------------------------",
        "DATE     0    1      0     –  0.00  0.00        0     –  0.00  0.00   0.00",
        "LOC      2    1      1  0.50  1.00  0.67        1  0.50  1.00  0.67   0.76",
        "ORG      0    1      0     –  0.00  0.00        0     –  0.00  0.00   0.00",
        "PER      3    3      2  0.67  0.67  0.67        3  1.00  1.00  1.00   0.86",
        "all      5    6      3  0.60  0.50  0.55        4  0.80  0.67  0.73   0.71",
        "  skipped hopper.md: only ada annotated it",
        "",
        "3 disagreements:",
        "  boundary  lovelace.md  PER      ada 0-12 “Ada Lovelace”  bob 0-3 “Ada”",
        "  label     lovelace.md  LOC/ORG  ada 36-42 “London”       bob 36-42 “London”",
        "  missing   lovelace.md  DATE     ada —                    bob 46-50 “1833”",
    ]
    assert result.stderr == ""
    figures = json.loads(ok("agreement", str(two), "--json").stdout)["pairs"][0]["overall"]
    assert figures["kappa"] == pytest.approx(108 / 153)
    assert figures["overlap"]["f1"] == pytest.approx(8 / 11)


def test_json_filters_and_pairs(two: Path) -> None:
    report = json.loads(ok("agreement", str(two), "--json", "--label", "PER", "--exact").stdout)
    assert report["annotators"] == ["ada", "bob"] and report["labels"] == ["PER"]
    (pair,) = report["pairs"]
    assert (pair["first"], pair["second"]) == ("ada", "bob")
    assert pair["documents"] == ["lovelace.md", "turing.md"]
    assert pair["skipped"] == [{"document": "hopper.md", "annotated_by": "ada"}]
    overall = pair["overall"]
    assert "overlap" not in overall  # --exact: only exact matching's figures
    assert overall["exact"] == {"matched": 2, "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3}
    assert [f["label"] for f in pair["per_label"]] == ["PER"]
    (boundary,) = pair["disagreements"]
    assert boundary["kind"] == "boundary" and boundary["title"] == "Notes on the Analytical Engine"
    assert (boundary["first"]["quote"], boundary["second"]["quote"]) == ("Ada Lovelace", "Ada")

    reversed_pair = json.loads(ok("agreement", str(two), "--json", "--annotators", "bob,ada").stdout)[
        "pairs"
    ][0]
    assert (reversed_pair["first"], reversed_pair["second"]) == ("bob", "ada")
    assert reversed_pair["overall"]["exact"]["precision"] == 3 / 6  # ada's recall, seen from bob

    text = ok("agreement", str(two), "--overlap").stdout
    assert text.splitlines()[1].split() == [
        "label",
        "ada",
        "bob",
        "overlap",
        "P",
        "R",
        "F1",
        "kappa",
    ]


def test_fewer_than_two_annotators_says_so_and_exits_0(folder: Path, tmp_path: Path) -> None:
    none = ok("agreement", str(folder))
    assert none.stdout == ""
    assert "agreement needs annotations by two annotators or more (found none)" in none.stderr
    ok("import", str(export_file(folder, tmp_path, "ada", ADA)), str(folder), "--as", "ada")
    one = ok("agreement", str(folder))
    assert "agreement needs annotations by two annotators or more (found 1: ada)" in one.stderr
    as_json = json.loads(ok("agreement", str(folder), "--json").stdout)
    assert as_json["annotators"] == ["ada"] and as_json["pairs"] == []


def test_unknown_annotator_and_bad_names_exit_2(two: Path) -> None:
    unknown = lectern("agreement", str(two), "--annotators", "ada,carl")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "lectern: no annotations by carl in this corpus (annotators: ada, bob)"
    alone = lectern("agreement", str(two), "--annotators", "ada")
    assert alone.returncode == 2 and "name two annotators or more" in alone.stderr
    both = lectern("agreement", str(two), "--exact", "--overlap")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_one_file_imported_for_two_annotators_is_two_sets(folder: Path, tmp_path: Path) -> None:
    same = export_file(folder, tmp_path, "shared", ADA)
    ok("import", str(same), str(folder), "--as", "ada")
    second = ok("import", str(same), str(folder), "--as", "bob")
    assert second.stdout.startswith("imported 6: 6 added")  # bob's copies, not "unchanged"
    again = ok("import", str(same), str(folder), "--as", "bob")
    assert again.stdout.startswith("imported 6: 0 added, 0 updated, 6 unchanged")
    report = json.loads(ok("agreement", str(folder), "--json").stdout)
    overall = report["pairs"][0]["overall"]
    assert overall["exact"]["f1"] == 1.0 and overall["kappa"] == 1.0
    assert report["pairs"][0]["disagreements"] == []


def test_import_keeps_the_files_annotator_and_export_filters_by_annotator(
    folder: Path, tmp_path: Path
) -> None:
    named = export_file(folder, tmp_path, "named", ADA[:2], annotator="carol")
    ok("import", str(named), str(folder), "--as", "dave")  # the file names carol: kept
    ok("import", str(export_file(folder, tmp_path, "bob", BOB[:1])), str(folder), "--as", "bob")
    listed = json.loads(ok("annotations", "list", str(folder), "--json").stdout)
    assert sorted(r["annotator"] for r in listed) == ["bob", "carol", "carol"]

    exported = json.loads(ok("export", str(folder), "-f", "json", "--annotator", "carol").stdout)
    quotes = [a["target"]["exact"] for d in exported["documents"] for a in d["annotations"]]
    assert quotes == ["Ada Lovelace", "Charles Babbage"]
    assert {a["annotator"] for d in exported["documents"] for a in d["annotations"]} == {"carol"}
    nobody = ok("export", str(folder), "-f", "jsonl", "--annotator", "nobody")
    assert nobody.stdout == "" and "exported 0 passages" in nobody.stderr


def test_add_records_the_annotator_given_or_the_login_name(folder: Path, lectern_home: Path) -> None:
    added = json.loads(
        ok("annotations", "add", "turing.md", str(folder), "--exact", "Alan", "--as", "eve").stdout
    )
    assert added["annotator"] == "eve"
    default = json.loads(ok("annotations", "add", "turing.md", str(folder), "--exact", "Turing").stdout)
    assert default["annotator"] == getpass.getuser()
    (lectern_home / "config").mkdir(exist_ok=True)
    (lectern_home / "config" / "config.yaml").write_text("annotator: frank\n", encoding="utf-8")
    configured = json.loads(ok("annotations", "add", "turing.md", str(folder), "--exact", "Park").stdout)
    assert configured["annotator"] == "frank"


def test_options_and_paths_in_any_order() -> None:
    from tui.cli import _parse_subcommand

    orders = [
        ["agreement", "--label", "PER", "--annotators", "ada, bob", "--exact", "--json", "a", "b"],
        ["agreement", "a", "--label", "PER", "b", "--json", "--annotators", "ada,bob", "--exact"],
    ]
    parsed = [vars(_parse_subcommand(args)) for args in orders]
    assert parsed[0] == parsed[1]
    assert parsed[0] == {
        "command": "agreement",
        "paths": [Path("a"), Path("b")],
        "label": ["PER"],
        "annotators": ["ada", "bob"],
        "exact": True,
        "overlap": False,
        "json": True,
    }
    added = vars(_parse_subcommand(["annotations", "add", "--as", "ada", "x.md", "--exact", "q"]))
    assert added["annotator"] == "ada"
    imported = vars(_parse_subcommand(["import", "f.json", "--as", "bob", "a"]))
    assert (imported["annotator"], imported["paths"]) == ("bob", [Path("a")])
    exported = vars(_parse_subcommand(["export", "-f", "jsonl", "--annotator", "gold"]))
    assert exported["annotator"] == "gold"
