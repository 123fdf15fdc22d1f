"""Label sets: reading, checking, default keys and colours, writing, damaged files set aside, and
save then load giving back any valid set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.annotations import COLORS
from tui.core.labels import (
    FALLBACK_KEYS,
    RESERVED_KEYS,
    Label,
    LabelError,
    LabelFile,
    LabelSet,
    change_labels,
    dump_labels,
    labels_file,
    load_labels,
    save_labels,
)
from tui.core.paths import corpus_key


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labels.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_is_per_corpus_in_the_config_folder(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    found = labels_file(tmp_path / "config", [corpus])
    assert found == tmp_path / "config" / "labels" / f"{corpus_key([corpus])}.yaml"
    assert labels_file(tmp_path / "config", [tmp_path]) != found


def test_no_file_is_an_empty_set_that_can_be_written(tmp_path: Path) -> None:
    found = load_labels(tmp_path / "labels.yaml")
    assert found.labels == LabelSet() and found.problems == () and found.writable
    written = change_labels(found, found.labels.add("claim"))
    assert load_labels(tmp_path / "labels.yaml").labels == written.labels


def test_a_file_is_read_with_keys_and_colours_filled_in(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "labels:\n"
        "  - name: claim\n"
        "    description: What the author argues\n"
        "  - {name: evidence, key: c, colour: blue}\n"
        "  - name: '  counter   claim '\n"
        "    key: 1\n",
    )
    found = load_labels(path)
    assert found.problems == () and found.writable
    assert found.labels.labels == (
        Label("claim", "l", "yellow", "What the author argues"),  # c is written below: not taken
        Label("evidence", "c", "blue"),
        Label("counter claim", "1", "green"),
    )
    assert found.labels.by_key("c") == found.labels.get("evidence")
    assert found.labels.get(" counter  claim") is not None


def test_a_bare_list_of_labels_is_read_too(tmp_path: Path) -> None:
    found = load_labels(write(tmp_path, "- name: claim\n  key: a\n"))
    assert found.labels.labels == (Label("claim", "a", "yellow"),)


def test_what_cannot_be_used_is_reported_and_the_file_kept_as_written(tmp_path: Path) -> None:
    text = (
        "labels:\n"
        "  - {name: claim, key: a}\n"
        "  - {name: claim, key: b}\n"  # a name twice: the second left out
        "  - {name: evidence, key: a}\n"  # a key twice: another given
        "  - {name: method, key: j}\n"  # a motion
        "  - {name: place, color: red}\n"  # no such colour
        "  - {name: 'a, b'}\n"  # a comma
        "  - 3\n"
    )
    path = write(tmp_path, text)
    found = load_labels(path)
    assert found.labels.names == ("claim", "evidence", "method", "place")
    assert [label.key for label in found.labels] == ["a", "i", "m", "p"]  # e and v are the mode's
    problems = "\n".join(found.problems)
    assert "the label name 'claim' is used twice (the second is left out)" in problems
    assert "'evidence': the key 'a' is used twice" in problems
    assert "'method': the key 'j' is a motion (line down) in labelling mode" in problems
    assert "'place': unknown colour 'red' (the colours are yellow, green, blue, pink, orange)" in problems
    assert "holds a comma" in problems and "label 7 is not a mapping" in problems
    assert all(p.startswith(f"{path}: ") for p in found.problems)  # named as a config error is
    assert not found.writable
    with pytest.raises(LabelError, match="fix the label file first"):
        change_labels(found, found.labels.add("new"))
    assert path.read_text(encoding="utf-8") == text  # never rewritten
    assert list(tmp_path.iterdir()) == [path]  # nor set aside: it parses


@pytest.mark.parametrize(
    "text",
    [
        "labels: [unclosed\n",
        "labels: 3\n",
        "just a sentence\n",
        "a: &a [*a, *a]\n",
        "a: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"b{n}: &b{n} [{', '.join([f'*b{n - 1}'] * 10)}]\n" for n in range(1, 8)),
    ],
)
def test_a_damaged_file_is_set_aside_and_reported(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    found = load_labels(path)
    assert found.labels == LabelSet() and found.writable
    assert len(found.problems) == 1 and "was unreadable" in found.problems[0]
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("labels.yaml.corrupt-")]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == text
    assert kept[0].name in found.problems[0]
    assert not path.exists()
    change_labels(found, found.labels.add("claim"))  # a new file is written in its place
    assert load_labels(path).labels.names == ("claim",)


def test_a_file_that_is_not_utf8_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "labels.yaml"
    path.write_bytes(b"labels:\n  - name: \xff\xfe\n")
    found = load_labels(path)
    assert "was unreadable" in found.problems[0] and not path.exists()


def test_an_unreadable_file_is_left_in_place_and_not_written(tmp_path: Path) -> None:
    path = tmp_path / "labels.yaml"
    path.mkdir()  # read as a file, it fails as a permission error would (and even for root)
    found = load_labels(path)
    assert "cannot be read" in found.problems[0] and not found.writable and path.is_dir()
    with pytest.raises(LabelError, match="fix the label file first"):
        change_labels(found, found.labels.add("claim"))


def test_adding_checks_the_name_the_key_and_the_colour() -> None:
    labels = LabelSet().add("claim", "a")
    cases = {
        ("claim", "", ""): "there is a label 'claim' already",
        (" claim ", "", ""): "there is a label 'claim' already",
        ("other", "a", ""): "the key 'a' labels 'claim' already",
        ("other", "j", ""): "the key 'j' is a motion (line down) in labelling mode",
        ("other", "u", ""): "the key 'u' is the undo key in labelling mode",
        ("other", "ab", ""): "the key 'ab' is not one character",
        ("other", " ", ""): "the key ' ' is not a visible character",
        ("other", "\x07", ""): "is not a visible character",
        ("other", "", "red"): "unknown colour 'red'",
        ("", "", ""): "a label needs a name",
        ("a,b", "", ""): "holds a comma",
        ("x" * 61, "", ""): "longer than 60 characters",
        ("bell\x07", "", ""): "control or unencodable",
        ("\udc80", "", ""): "control or unencodable",
    }
    for (name, key, color), message in cases.items():
        with pytest.raises(LabelError, match=message.replace("(", r"\(").replace(")", r"\)")):
            labels.add(name, key, color)


def test_keys_labelling_mode_uses_cannot_be_label_keys() -> None:
    for key in "wbe(){}0$jkgGnNvyuxLP?q/[]":
        assert key in RESERVED_KEYS
        with pytest.raises(LabelError, match="in labelling mode"):
            LabelSet().add("label", key)


def test_default_keys_and_colours() -> None:
    labels = LabelSet()
    for name in ("person", "place", "organisation", "event", "vehicle", "other"):
        labels = labels.add(name)
    assert [label.key for label in labels] == ["p", "l", "o", "t", "h", "r"]  # e, v are the mode's
    assert [label.color for label in labels] == [*COLORS, COLORS[0]]
    assert labels.remove("place").add("food").labels[-1].color == "green"  # the least used first
    full = LabelSet(tuple(Label(f"x{n}", key, "yellow") for n, key in enumerate(FALLBACK_KEYS)))
    with pytest.raises(LabelError, match="no free key for 'as': give one"):
        full.add("as")
    assert full.add("ß").labels[-1].key == "ß"  # a letter of its name is free
    assert full.add("as", "ß").labels[-1].key == "ß"


def test_editing_keeps_what_is_not_given_and_checks_the_rest() -> None:
    labels = LabelSet().add("claim", "a", "green", "old").add("evidence", "s")
    changed = labels.edit("claim", "thesis", description="new")
    assert changed.labels[0] == Label("thesis", "a", "green", "new")  # in place, key and colour kept
    with pytest.raises(LabelError, match="the key 's' labels 'evidence' already"):
        changed.edit("thesis", "thesis", "s")
    with pytest.raises(LabelError, match="there is a label 'evidence' already"):
        changed.edit("thesis", "evidence")
    with pytest.raises(LabelError, match="there is no label 'nothing'"):
        changed.edit("nothing", "x")
    with pytest.raises(LabelError, match="there is no label 'nothing'"):
        changed.remove("nothing")
    assert changed.remove("thesis").names == ("evidence",)


def test_a_file_changed_since_it_was_read_is_not_written_over(tmp_path: Path) -> None:
    path = tmp_path / "labels.yaml"
    save_labels(path, LabelSet().add("claim"))
    found = load_labels(path)
    save_labels(path, LabelSet().add("other"))  # another lectern, or an editor
    os.utime(path, ns=(1, 1))
    with pytest.raises(LabelError, match="changed since it was read"):
        change_labels(found, found.labels.add("new"))
    assert load_labels(path).labels.names == ("other",)


def test_saving_is_atomic_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "labels.yaml"
    found = change_labels(LabelFile(path), LabelSet().add("claim", description="What is argued"))
    assert [p.name for p in path.parent.iterdir()] == ["labels.yaml"]
    assert path.read_text(encoding="utf-8") == dump_labels(found.labels)
    assert path.read_text(encoding="utf-8").startswith("# lectern label set")


# ---------------------------------------------------------------------- save, then load: the same set

NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
    | st.sampled_from(":#-'\"&*!|>%@` "),
    min_size=1,
    max_size=20,
)
KEYS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp", "M")) | st.sampled_from(
    ":#'\",&*!|>%@`-~"
)
DESCRIPTIONS = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\n\t "), max_size=40
)


@st.composite
def label_sets(draw: st.DrawFn) -> LabelSet:
    labels = LabelSet()
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.sampled_from(["yes", "null", "~", "1.5", "true", "- x", "  spaced  out "]) | NAMES)
        key = draw(st.just("") | KEYS)
        color = draw(st.sampled_from(["", *COLORS]))
        try:
            labels = labels.add(name, key, color, draw(DESCRIPTIONS))
        except LabelError:
            continue
    return labels


@settings(max_examples=200, deadline=None)
@given(label_sets())
def test_save_then_load_gives_back_any_valid_set(labels: LabelSet) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "labels.yaml"
        save_labels(path, labels)
        found = load_labels(path)
        assert found.problems == ()
        assert found.labels == labels
