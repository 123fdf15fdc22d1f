"""``lectern annotations list|add`` through a real subprocess, on a writable copy of the seeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.helpers import lectern
from tests.seeds import BELT, CHINA
from tui.core.library import read_text


def add(corpus: Path, doc: str, exact: str, *options: str) -> dict[str, Any]:
    result = lectern("annotations", "add", doc, str(corpus), "--exact", exact, *options)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def listing(corpus: Path, *options: str) -> list[dict[str, Any]]:
    result = lectern("annotations", "list", str(corpus), "--json", *options)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def text_of(path: Path) -> str:
    text = read_text(str(path))
    assert text is not None
    return text


def annotation_files(home: Path) -> list[Path]:
    folder = home / "data" / "annotations"
    return sorted(folder.glob("*.yaml")) if folder.exists() else []


def test_add_with_every_option_then_list(corpus: Path, lectern_home: Path) -> None:
    text = text_of(corpus / CHINA)
    second = text.index("blockchain", text.index("blockchain") + 1)
    added = add(
        corpus, CHINA, "blockchain", "--occurrence", "2", "--note", " Second  mention ", "--tag", "policy",
        "--tag", "reading list", "--tag", "policy", "--color", "green",
    )  # fmt: skip
    assert added["document"] == CHINA and added["title"] == "China Shifts Focus to Blockchain Technology"
    assert added["path"] == str((corpus / CHINA).resolve())
    assert added["target"]["exact"] == "blockchain"
    assert (added["target"]["start"], added["target"]["end"]) == (second, second + 10)
    assert added["target"]["prefix"] == text[second - 32 : second]
    assert (added["note"], added["tags"], added["color"], added["anchor"]) == (
        "Second  mention",
        ["policy", "reading list"],
        "green",
        "anchored",
    )
    belt = add(corpus, BELT, "Conflux Network", "--tag", "crypto")
    assert (belt["color"], belt["note"], belt["tags"]) == ("yellow", "", ["crypto"])

    result = lectern("annotations", "list", str(corpus))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "2 annotations"
    lines = result.stdout.splitlines()
    assert f"{CHINA}:{second}-{second + 10}  [green, anchored]  #policy #reading list" in lines
    assert "    “blockchain”" in lines and "    note: Second mention" in lines
    start = text_of(corpus / BELT).index("Conflux Network")
    assert f"{BELT}:{start}-{start + 15}  [yellow, anchored]  #crypto" in lines

    rows = listing(corpus)
    assert {r["document"] for r in rows} == {CHINA, BELT}
    by_doc = {r["document"]: r for r in rows}
    assert by_doc[CHINA]["id"] == added["id"] and by_doc[BELT]["id"] == belt["id"]
    assert {
        "document",
        "title",
        "path",
        "id",
        "created",
        "modified",
        "color",
        "note",
        "tags",
        "target",
    } <= set(rows[0])
    assert [r["id"] for r in listing(corpus, "--doc", BELT)] == [belt["id"]]
    assert [r["id"] for r in listing(corpus, "--tag", "policy")] == [added["id"]]
    assert [r["id"] for r in listing(corpus, "--tag", "policy", "--tag", "reading list")] == [added["id"]]
    assert listing(corpus, "--tag", "policy", "--tag", "crypto") == []  # every tag given must match
    assert listing(corpus, "--doc", "no-such.md") == []
    assert len(annotation_files(lectern_home)) == 2


def test_long_quote_and_note_are_shortened_in_text_listing(corpus: Path) -> None:
    text = text_of(corpus / CHINA)
    start = text.index("While the Chinese government")
    quote = text[start : text.index(".", start) + 1]
    add(corpus, CHINA, quote, "--note", "line one\nline two")
    result = lectern("annotations", "list", str(corpus))
    quoted = next(line for line in result.stdout.splitlines() if line.startswith("    “"))
    assert quoted.endswith("…”") and len(quoted) == 4 + 1 + 70 + 1
    assert "    note: line one line two" in result.stdout.splitlines()
    assert result.stderr.strip() == "1 annotation"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["no-such-doc.md", "--exact", "blockchain"],
            "lectern: no readable document 'no-such-doc.md' in this corpus",
        ),
        (
            [CHINA, "--exact", "this passage is nowhere"],
            f"lectern: {CHINA} has fewer than 1 occurrence of that passage",
        ),
        (
            [CHINA, "--exact", "corruption", "--occurrence", "99"],
            f"lectern: {CHINA} has fewer than 99 occurrences of that passage",
        ),
        ([CHINA, "--exact", ""], f"lectern: {CHINA} has fewer than 1 occurrence of that passage"),
    ],
    ids=["unknown doc", "missing passage", "too few occurrences", "empty passage"],
)
def test_add_refuses_with_exit_2_and_a_clear_message(
    corpus: Path, lectern_home: Path, args: list[str], message: str
) -> None:
    doc, *rest = args
    result = lectern("annotations", "add", doc, str(corpus), *rest)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert annotation_files(lectern_home) == []


@pytest.mark.parametrize(
    "options",
    [["--color", "purple"], ["--occurrence", "0"], []],
    ids=["bad colour", "occurrence 0", "no --exact"],
)
def test_add_usage_errors_exit_2(corpus: Path, lectern_home: Path, options: list[str]) -> None:
    result = lectern(
        "annotations", "add", CHINA, str(corpus), *(["--exact", "blockchain"] if options else []), *options
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert annotation_files(lectern_home) == []


def test_annotations_persist_across_runs_and_are_searchable(corpus: Path, lectern_home: Path) -> None:
    first = add(corpus, CHINA, "accept bribes", "--note", "xylophone remark", "--tag", "graft")
    second = add(corpus, CHINA, "root out waste and fraud", "--color", "pink")
    rows = listing(corpus)
    assert [r["id"] for r in rows] == [first["id"], second["id"]]  # in document order
    assert [r["color"] for r in rows] == ["yellow", "pink"]
    [file] = annotation_files(lectern_home)
    raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert {a["id"] for a in raw["annotations"]} == {first["id"], second["id"]}
    result = lectern("search", "note:xylophone", str(corpus), "--json")
    assert result.returncode == 0, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)] == [CHINA]
    result = lectern("search", "tag:graft", str(corpus), "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == [CHINA]


def test_editing_the_document_between_runs_reanchors(corpus: Path, lectern_home: Path) -> None:
    path = corpus / CHINA
    kept = add(corpus, CHINA, "As blockchain technology continues to mature")
    changed = add(
        corpus, CHINA, "blockchain makes it difficult for government officials to tamper with records"
    )
    lost = add(corpus, CHINA, "which has a large and growing economy")
    raw = path.read_text(encoding="utf-8")
    raw = raw.replace("19 Jan. 2020\n", "19 Jan. 2020\n\nAn editor's note added at the top of the article.\n")
    raw = raw.replace("makes it difficult for", "makes it hard for")
    raw = raw.replace(", which has a large and growing economy", "")
    path.write_text(raw, encoding="utf-8")
    text = text_of(path)

    rows = {r["id"]: r for r in listing(corpus)}
    assert [rows[a["id"]]["anchor"] for a in (kept, changed, lost)] == ["moved", "fuzzy", "orphaned"]
    moved = rows[kept["id"]]["target"]
    assert moved["start"] == kept["target"]["start"] + len(
        "\nAn editor's note added at the top of the article.\n"
    )
    assert text[moved["start"] : moved["end"]] == kept["target"]["exact"]
    fuzzy = rows[changed["id"]]["target"]
    assert "makes it hard for government officials" in text[fuzzy["start"] : fuzzy["end"]]
    assert fuzzy["original"] == changed["target"]["exact"]  # the quote as the user made it is kept
    assert fuzzy["exact"] == text[fuzzy["start"] : fuzzy["end"]]  # and exact is what it covers now
    assert rows[lost["id"]]["target"] == lost["target"]  # orphans are listed, unchanged

    [file] = annotation_files(lectern_home)
    on_disk = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert {a["id"]: a["anchor"] for a in on_disk["annotations"]} == {
        kept["id"]: "moved",
        changed["id"]: "fuzzy",
        lost["id"]: "orphaned",
    }
    before = file.stat()
    assert {r["id"]: r["anchor"] for r in listing(corpus)} == {k: r["anchor"] for k, r in rows.items()}
    assert (file.stat().st_ino, file.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not again

    text_listing = lectern("annotations", "list", str(corpus)).stdout
    assert "[yellow, moved]" in text_listing and "[yellow, fuzzy]" in text_listing
    assert "[yellow, orphaned]" in text_listing


def test_adding_after_an_edit_reanchors_the_others_first(corpus: Path) -> None:
    path = corpus / CHINA
    old = add(corpus, CHINA, "China is no exception")
    path.write_text(
        path.read_text(encoding="utf-8").replace("19 Jan. 2020", "19 January 2020"), encoding="utf-8"
    )
    new = add(corpus, CHINA, "highly secure")
    text = text_of(path)
    rows = {r["id"]: r for r in listing(corpus)}
    assert rows[old["id"]]["anchor"] == "moved" and rows[new["id"]]["anchor"] == "anchored"
    for row in rows.values():
        assert text[row["target"]["start"] : row["target"]["end"]] == row["target"]["exact"]


def test_renaming_the_document_keeps_its_annotations(corpus: Path, lectern_home: Path) -> None:
    added = add(corpus, CHINA, "decentralized ledger", "--note", "keep me", "--tag", "moved")
    (corpus / "archive").mkdir()
    new_path = corpus / "archive" / "china.md"
    (corpus / CHINA).rename(new_path)
    rows = listing(corpus)
    assert len(rows) == 1
    row = rows[0]
    assert (row["id"], row["document"], row["path"]) == (
        added["id"],
        "archive/china.md",
        str(new_path.resolve()),
    )
    assert (row["note"], row["tags"], row["anchor"]) == ("keep me", ["moved"], "anchored")
    assert row["target"] == added["target"]
    [file] = annotation_files(lectern_home)  # the old file is gone, the new one holds the annotation
    assert yaml.safe_load(file.read_text(encoding="utf-8"))["document"]["path"] == str(new_path.resolve())
    assert [r["id"] for r in listing(corpus, "--doc", "archive/china.md")] == [added["id"]]
    more = add(corpus, "archive/china.md", "tamper-proof record")
    assert {r["id"] for r in listing(corpus)} == {added["id"], more["id"]}


def test_a_damaged_annotation_file_is_reported_and_kept(corpus: Path, lectern_home: Path) -> None:
    add(corpus, CHINA, "blockchain")
    [file] = annotation_files(lectern_home)
    file.write_bytes(b"version: 1\ndocument: [this is not\n")
    result = lectern("annotations", "list", str(corpus))
    assert result.returncode == 0
    assert "lectern: annotation file" in result.stderr and "damaged" in result.stderr
    kept = list(file.parent.glob("*.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"version: 1\ndocument: [this is not\n"
    assert listing(corpus) == []
    add(corpus, CHINA, "blockchain")
    assert len(listing(corpus)) == 1 and kept[0].read_bytes() == b"version: 1\ndocument: [this is not\n"


def test_renaming_and_editing_the_document_reanchors_its_annotations(corpus: Path) -> None:
    added = add(corpus, CHINA, "decentralized ledger")
    path = corpus / CHINA
    raw = path.read_text(encoding="utf-8").replace(
        "19 Jan. 2020\n", "19 Jan. 2020\n\nA new first paragraph.\n"
    )
    path.unlink()
    new_path = corpus / "china-edited.md"
    new_path.write_text(raw, encoding="utf-8")
    [row] = listing(corpus)
    assert (row["id"], row["document"]) == (added["id"], "china-edited.md")
    assert row["anchor"] == "moved"
    text = text_of(new_path)
    assert text[row["target"]["start"] : row["target"]["end"]] == "decentralized ledger"


# ---------------------------------------------------------------------- hostile files, vanished documents


def laughs(levels: int = 9) -> str:
    """A billion laughs: nine levels of nine aliases to the level below."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def snapshot(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in annotation_files(home)}


def test_list_works_beside_a_bomb_and_impossible_numbers(corpus: Path, lectern_home: Path) -> None:
    china = add(corpus, CHINA, "blockchain", "--note", "good one", "--tag", "kept")
    belt = add(corpus, BELT, "Conflux Network")
    folder = lectern_home / "data" / "annotations"
    bomb = folder / "bomb-0000000000000000.yaml"
    bomb.write_text(f"version: 1\ndocument: {{id: b.md, path: {corpus}/b.md}}\n{laughs()}annotations: *l8\n")
    [china_file] = [p for p in annotation_files(lectern_home) if p.name.startswith("2020-01-19")]
    bad_lines = [
        '- {"id": "inf", "target": {"exact": "q", "start": 1e400, "end": Infinity}}\n',
        '- {"id": "nan", "target": {"exact": "q", "start": NaN, "end": 3}}\n',
        '- {"id": "big", "target": {"exact": "q", "start": ' + "1" * 40 + ', "end": 3}}\n',
        '- {"id": "huge", "target": {"exact": "q", "start": 1, "end": ' + "9" * 5000 + "}}\n",
        '- {"id": "map", "note": {"a": 1}, "tags": [["x"]], "target": {"exact": "q"}}\n',
    ]
    damaged = china_file.read_text(encoding="utf-8") + "".join(bad_lines)
    china_file.write_text(damaged, encoding="utf-8")
    (corpus / "bomb.md").write_text(f"---\n{laughs()}title: *l8\n---\n# A bomb in front matter\n\nText.\n")

    result = lectern("annotations", "list", str(corpus))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert f"{CHINA}:{china['target']['start']}-{china['target']['end']}  [yellow, anchored]  #kept" in (
        result.stdout.splitlines()
    )
    assert "    note: good one" in result.stdout and "Conflux Network" in result.stdout
    assert f"5 annotation(s) in {china_file.name} could not be read" in result.stderr
    assert "not a finite number" in result.stderr and f"{bomb.name} is damaged" in result.stderr
    assert "aliases expand" in result.stderr
    assert "2 annotations" in result.stderr.splitlines()
    kept = {p.name.split(".corrupt-")[0]: p.read_text(encoding="utf-8") for p in folder.glob("*.corrupt-*")}
    assert kept[china_file.name] == damaged and set(kept) == {china_file.name, bomb.name}

    rows = listing(corpus)  # the next run: the good ones, nothing more to report
    assert sorted(r["id"] for r in rows) == sorted([china["id"], belt["id"]])
    again = lectern("annotations", "list", str(corpus), "--json")
    assert "could not be read" not in again.stderr and "damaged" not in again.stderr


def test_annotations_of_a_vanished_or_unreadable_document_stay_listed_and_marked(
    corpus: Path, lectern_home: Path
) -> None:
    gone = add(corpus, CHINA, "blockchain", "--note", "keep me", "--tag", "policy")
    binary = add(corpus, BELT, "Conflux Network")
    (corpus / "notes").mkdir()
    (corpus / "notes" / "here.md").write_text("# Here\n\nStill here and readable.\n", encoding="utf-8")
    present = add(corpus, "notes/here.md", "Still here")
    before = snapshot(lectern_home)
    (corpus / CHINA).unlink()
    (corpus / BELT).write_bytes(b"binary now\x00\x01")

    rows = {r["id"]: r for r in listing(corpus)}
    assert {i: (r["document_status"], r["note"]) for i, r in rows.items()} == {
        gone["id"]: ("missing", "keep me"),
        binary["id"]: ("unreadable", ""),
        present["id"]: ("present", ""),
    }
    assert rows[gone["id"]]["target"] == gone["target"] and rows[gone["id"]]["document"] == CHINA
    assert [r["id"] for r in listing(corpus, "--tag", "policy")] == [gone["id"]]
    assert [r["id"] for r in listing(corpus, "--doc", CHINA)] == [gone["id"]]

    text = lectern("annotations", "list", str(corpus))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    start, end = gone["target"]["start"], gone["target"]["end"]
    assert f"{CHINA}:{start}-{end}  [yellow, anchored]  #policy  [document missing]" in lines
    assert any(line.startswith(f"{BELT}:") and line.endswith("[document unreadable]") for line in lines)
    assert any(line.startswith("notes/here.md:") and "[document" not in line for line in lines)
    assert "3 annotations (2 of a missing or unreadable document)" in text.stderr.splitlines()

    verify = lectern("annotations", "verify", str(corpus))
    assert verify.returncode == 0, verify.stderr
    assert sorted(line.split()[0] for line in verify.stdout.splitlines()) == ["missing", "unreadable"]
    assert f"missing   {CHINA}:{start}-{end}  “blockchain”  [document missing]" in verify.stdout.splitlines()
    assert "2 annotations of a missing or unreadable document" in verify.stderr
    as_json = json.loads(lectern("annotations", "verify", str(corpus), "--json").stdout)
    assert sorted(r["document_status"] for r in as_json) == ["missing", "unreadable"]
    assert snapshot(lectern_home) == before  # listed, never rewritten or deleted

    (corpus / CHINA).write_text(text_of_seed(CHINA), encoding="utf-8")  # it comes back: present again
    rows = {r["id"]: r for r in listing(corpus)}
    assert rows[gone["id"]]["document_status"] == "present" and rows[gone["id"]]["anchor"] == "anchored"


def text_of_seed(name: str) -> str:
    from tui.core.paths import bundled_seeds

    return (bundled_seeds() / name).read_text(encoding="utf-8")


def test_a_vanished_document_of_another_corpus_is_not_listed(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "elsewhere.md").write_text("# Elsewhere\n\nA passage elsewhere.\n", encoding="utf-8")
    add(other, "elsewhere.md", "A passage")
    (other / "elsewhere.md").unlink()
    mine = add(corpus, CHINA, "blockchain")
    assert [r["id"] for r in listing(corpus)] == [mine["id"]]
    [row] = listing(other)
    assert row["document_status"] == "missing"
