"""``lectern labels``, ``labels add`` and ``labels remove`` through a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import lectern
from tests.seeds import CHINA
from tui.core.labels import labels_file, load_labels
from tui.core.paths import Paths


def label_path(corpus: Path) -> Path:
    return labels_file(Paths.from_environment().config, [corpus.resolve()])


def test_no_labels_yet_says_where_the_file_goes(corpus: Path) -> None:
    result = lectern("labels", str(corpus))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"no labels yet ('lectern labels add NAME'); label file: {label_path(corpus)}\n"
    assert not label_path(corpus).exists()


def test_add_list_and_remove_with_span_counts(corpus: Path) -> None:
    added = lectern("labels", "add", "claim", str(corpus), "--description", "What the author argues")
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines() == ["added claim: key c, yellow", f"label file: {label_path(corpus)}"]
    added = lectern("labels", "add", "evidence", "--key", "s", "--color", "blue", str(corpus))
    assert added.returncode == 0, added.stderr
    assert load_labels(label_path(corpus)).labels.names == ("claim", "evidence")
    for exact in ("blockchain", "China"):  # two spans carry claim, one evidence
        made = lectern("annotations", "add", CHINA, str(corpus), "--exact", exact, "--tag", "claim")
        assert made.returncode == 0, made.stderr
    made = lectern("annotations", "add", CHINA, str(corpus), "--exact", "corruption", "--tag", "evidence")
    assert made.returncode == 0, made.stderr

    listed = lectern("labels", str(corpus))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "key  label     colour  spans  description",
        "c    claim     yellow      2  What the author argues",
        "s    evidence  blue        1",
        f"label file: {label_path(corpus)}",
    ]
    as_json = json.loads(lectern("labels", "list", str(corpus), "--json").stdout)
    assert as_json["file"] == str(label_path(corpus))
    assert as_json["labels"][1] == {
        "name": "evidence",
        "key": "s",
        "color": "blue",
        "description": "",
        "spans": 1,
        "suggested": 0,
    }

    removed = lectern("labels", "remove", "claim", str(corpus))
    assert removed.returncode == 0, removed.stderr
    assert "spans labelled with it keep their tag" in removed.stdout
    assert load_labels(label_path(corpus)).labels.names == ("evidence",)


def test_bad_labels_are_refused_with_the_reason(corpus: Path) -> None:
    assert lectern("labels", "add", "claim", "--key", "a", str(corpus)).returncode == 0
    cases = {
        ("add", "claim"): "lectern: there is a label 'claim' already",
        ("add", "other", "--key", "a"): "lectern: the key 'a' labels 'claim' already",
        ("add", "other", "--key", "j"): "lectern: the key 'j' is a motion (line down) in labelling mode",
        ("add", "a,b"): "lectern: the label name 'a,b' holds a comma (tags are separated by commas)",
        ("remove", "nothing"): "lectern: there is no label 'nothing'",
    }
    for args, message in cases.items():
        result = lectern("labels", *args, str(corpus))
        assert (result.returncode, result.stderr.strip()) == (2, message), args
    wrong = lectern("labels", "add", "other", "--color", "red", str(corpus))
    assert wrong.returncode == 2 and "invalid choice: 'red'" in wrong.stderr
    assert load_labels(label_path(corpus)).labels.names == ("claim",)


def test_a_file_with_problems_is_reported_used_and_not_written(corpus: Path) -> None:
    path = label_path(corpus)
    path.parent.mkdir(parents=True)
    text = "labels:\n  - {name: claim, key: j}\n  - {name: evidence, key: s, color: red}\n"
    path.write_text(text, encoding="utf-8")
    listed = lectern("labels", str(corpus))
    assert listed.returncode == 0
    assert f"lectern: {path}: 'claim': the key 'j' is a motion (line down) in labelling mode" in listed.stderr
    assert "'evidence': unknown colour 'red'" in listed.stderr
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:3]] == [
        ["c", "claim"],
        ["s", "evidence"],
    ]
    refused = lectern("labels", "add", "method", str(corpus))
    assert refused.returncode == 1 and "fix the label file first" in refused.stderr
    assert path.read_text(encoding="utf-8") == text


def test_a_damaged_file_is_set_aside_and_reported(corpus: Path) -> None:
    path = label_path(corpus)
    path.parent.mkdir(parents=True)
    path.write_text("labels: [unclosed\n", encoding="utf-8")
    listed = lectern("labels", str(corpus))
    assert listed.returncode == 0
    assert "was unreadable" in listed.stderr
    kept = list(path.parent.glob(f"{path.name}.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "labels: [unclosed\n"
    assert kept[0].name in listed.stderr
    assert lectern("labels", "add", "claim", str(corpus)).returncode == 0  # a new file in its place


def test_a_path_that_is_not_a_corpus_is_a_usage_error(tmp_path: Path) -> None:
    result = lectern("labels", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and result.stderr.startswith("lectern: no such file or folder")
