"""The one bounded YAML loader (``tui.core.safe_yaml.load_yaml_safely``): alias bombs, recursive
aliases, deep nesting and numbers Python cannot print are refused or kept as text, through every
reader that uses it (front matter, annotation files), while ordinary YAML reads as ``safe_load``."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import safe_yaml
from tui.core.annotation_format import load_yaml
from tui.core.annotation_store import AnnotationStore
from tui.core.discovery import SourceFile
from tui.core.documents import MAX_FRONT_MATTER_CHARS, parse_document, split_front_matter
from tui.core.safe_yaml import MAX_ALIAS_NODES, MAX_DEPTH, YAMLRefused, bounded_loader, load_yaml_safely

REPO = Path(__file__).resolve().parents[2]
HANG = 30
"""Seconds after which a case counts as hung (each takes milliseconds; the bugs took minutes)."""


@contextlib.contextmanager
def no_hang(seconds: int = HANG) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs for ``seconds``: a blow-up, not a timing."""

    def expired(signum: int, frame: Any) -> None:
        raise AssertionError(f"still running after {seconds} s: unbounded work")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def laughs(levels: int = 9, fan: int = 9) -> str:
    """The billion laughs: each level a list of ``fan`` aliases to the level below."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * fan)}]"]
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


def nested(depth: int, kind: str) -> str:
    """``depth`` levels of one kind of collection (block mappings indent: keep their depth modest)."""
    if kind == "flow sequence":
        return "[" * depth + "]" * depth + "\n"
    if kind == "flow mapping":
        return "{a: " * depth + "x" + "}" * depth + "\n"
    if kind == "block sequence":
        return "- " * depth + "x\n"  # "- - x" is a sequence in a sequence
    return "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "x\n"


BOMBS = {
    "billion laughs": laughs(),
    "laughs under a key": laughs() + "tags: *l8\n",
    "recursive sequence": "&a [*a]\n",
    "recursive mapping": "&a {self: *a}\n",
    "recursive through a child": "a: &a\n  b: [1, {c: *a}]\n",
    "one long string many times": 'a: &a "' + "x" * 20_000 + '"\nb: [' + ", ".join(["*a"] * 200) + "]\n",
    "merge keys": "a: &a {"
    + ", ".join(f"k{i}: {i}" for i in range(1_000))
    + "}\n"
    + "".join(f"m{i}: {{<<: *a}}\n" for i in range(30)),
    "deep through an alias": "a: &a "
    + nested(60, "flow sequence")
    + "\nb: "
    + "[" * 60
    + "*a"
    + "]" * 60
    + "\n",
}
DEEP_KINDS = ["flow sequence", "flow mapping", "block sequence", "block mapping"]


# --------------------------------------------------------------------------- the loader itself


@pytest.mark.parametrize("text", BOMBS.values(), ids=BOMBS.keys())
def test_alias_bombs_and_recursive_aliases_are_refused_with_a_reason(text: str) -> None:
    with no_hang(), pytest.raises(YAMLRefused) as refused:
        load_yaml_safely(text)
    assert isinstance(refused.value, yaml.YAMLError)  # every caller already reports YAML errors
    assert "refused" in str(refused.value) and "YAML" in str(refused.value)


def test_the_bomb_message_names_the_limit() -> None:
    with pytest.raises(YAMLRefused, match=r"YAML aliases expand to more than [\d,]+ nodes; refused"):
        load_yaml_safely(laughs())
    with pytest.raises(YAMLRefused, match="refer to themselves"):
        load_yaml_safely("&a [*a]")


def test_aliases_within_the_limit_are_read_as_safe_load_reads_them() -> None:
    fan = MAX_ALIAS_NODES // 3 - 5  # each alias adds 3 nodes ({k: v}): just under the limit
    text = "base: &b {k: v}\nmany: [" + ", ".join(["*b"] * fan) + "]\n"
    assert load_yaml_safely(text) == yaml.safe_load(text)
    over = "base: &b {k: v}\nmany: [" + ", ".join(["*b"] * (fan + 20)) + "]\n"
    with pytest.raises(YAMLRefused):
        load_yaml_safely(over)


LOADERS = {"libyaml": safe_yaml._BoundedLoader, "pure Python": bounded_loader(yaml.SafeLoader)}


@pytest.fixture(params=list(LOADERS), ids=list(LOADERS))
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each case runs through libyaml's loader and through PyYAML's pure-Python one."""
    monkeypatch.setattr(safe_yaml, "_BoundedLoader", LOADERS[request.param])
    return str(request.param)


@pytest.mark.parametrize("kind", DEEP_KINDS)
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 100_000])
def test_deep_nesting_is_a_yaml_error_never_a_recursion_error(loader: str, kind: str, depth: int) -> None:
    if kind == "block mapping":
        depth = min(depth, 3_000)  # its text grows with the square of the depth
    with no_hang(), pytest.raises(yaml.YAMLError):
        load_yaml_safely(nested(depth, kind))


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_nesting_up_to_the_limit_is_read(loader: str, kind: str) -> None:
    text = nested(MAX_DEPTH - 1, kind)
    assert load_yaml_safely(text) == yaml.safe_load(text)


NUMBERS_AS_TEXT = {
    "5,000 digits": "9" * 5_000,
    "negative 5,000 digits": "-" + "9" * 5_000,
    "hexadecimal": "0x" + "f" * 5_000,
    "binary": "0b" + "1" * 20_000,
    "sexagesimal": "1" + ":59" * 5_000,
    "impossible day": "2020-02-30",
    "impossible month": "2020-13-01",
    "impossible time": "2020-01-01 25:61:61",
}


@pytest.mark.parametrize("value", NUMBERS_AS_TEXT.values(), ids=NUMBERS_AS_TEXT.keys())
def test_numbers_and_dates_python_cannot_build_are_kept_as_their_text(loader: str, value: str) -> None:
    loaded = load_yaml_safely(f"a: {value}\nb: [{value}]\n")
    assert loaded == {"a": value, "b": [value]}
    json.dumps(loaded)  # and anything can use them: print, serialise, compare


def test_ordinary_numbers_and_dates_are_still_numbers_and_dates(loader: str) -> None:
    text = "a: 12\nb: -3\nc: 0x1f\nd: 1:30\ne: 2020-01-02\nf: 1.5\ng: .nan\nh: 2020-01-02 10:00:00\n"
    assert load_yaml_safely(text) == yaml.safe_load(text)


def test_a_value_an_explicit_tag_cannot_build_is_a_yaml_error(loader: str) -> None:
    with pytest.raises(YAMLRefused, match="cannot be read"):
        load_yaml_safely("a: !!float not-a-number\n")
    with pytest.raises(yaml.YAMLError):
        load_yaml_safely("x: !!python/object/apply:os.system ['true']\n")


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
)


@st.composite
def shared_structures(draw: st.DrawFn) -> Any:
    """Nested data in which some lists and mappings appear more than once (dumped as aliases)."""
    leaves = st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=15,
    )
    parts = draw(st.lists(leaves, min_size=1, max_size=4))
    picks = draw(st.lists(st.integers(0, len(parts) - 1), max_size=12))
    return {"parts": parts, "again": [parts[i] for i in picks]}


@settings(max_examples=150, deadline=None)
@given(shared_structures())
def test_any_reasonable_document_reads_exactly_as_safe_load(data: Any) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    assert load_yaml_safely(text) == yaml.safe_load(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"&*ab[]{},:- \n'\"!<>|9.0x\x00\x85", "\ud800"]), max_size=200))
def test_any_text_loads_or_raises_a_yaml_error_only(text: str) -> None:
    with contextlib.suppress(yaml.YAMLError):  # any other exception fails the test
        load_yaml_safely(text)


# --------------------------------------------------------------------------- front matter


def front(block: str, body: str = "# Heading\n\nThe body.\n") -> str:
    return f"---\n{block}---\n{body}"


@pytest.mark.parametrize("text", BOMBS.values(), ids=BOMBS.keys())
def test_a_bomb_in_front_matter_is_reported_and_the_body_kept(text: str) -> None:
    assert len(text) < MAX_FRONT_MATTER_CHARS
    with no_hang():
        meta, body, problem = split_front_matter(front(text))
    assert meta == {} and body == "# Heading\n\nThe body.\n"
    assert problem is not None and problem.startswith("malformed front matter") and "refused" in problem


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_deep_front_matter_is_reported(kind: str) -> None:
    block = nested(MAX_DEPTH + 5 if kind == "block mapping" else 10_000, kind)
    assert len(block) < MAX_FRONT_MATTER_CHARS
    with no_hang():
        meta, body, problem = split_front_matter(front(block))
    assert meta == {} and body.startswith("# Heading") and problem is not None


def test_front_matter_with_impossible_values_still_gives_a_document(tmp_path: Path) -> None:
    raw = front("title: " + "9" * 5_000 + "\ndate: 2020-02-30\ntags: [" + "1" + ":59" * 2_000 + "]\n")
    doc = parse_document(SourceFile("d.md", tmp_path / "d.md", len(raw), 0), raw)
    assert doc.title.startswith("9" * 100) and set(doc.title.rstrip("…")) == {"9"}  # digits, as text
    assert len(doc.tags) == 1 and doc.tags[0].startswith("1:59:59")
    assert any("2020-02-30" in p for p in doc.problems)  # the date is explained, the file's date used


# --------------------------------------------------------------------------- annotation files


def test_the_annotation_fallback_reader_is_the_bounded_loader() -> None:
    with pytest.raises(YAMLRefused):
        load_yaml("version: 1\ndocument: {id: a}\n" + laughs() + "annotations: *l8\n")
    with pytest.raises(yaml.YAMLError):
        load_yaml(nested(100_000, "flow sequence"))


BOMB_FILES = {
    "laughs as the annotations": "version: 1\ndocument: {id: a, path: /x/a.md}\n"
    + laughs()
    + "annotations: *l8\n",
    "laughs as a tag list": "version: 1\ndocument: {id: a, path: /x/a.md}\n"
    + laughs()
    + "annotations:\n- {id: x, target: {exact: q, start: 0, end: 1}, tags: *l8}\n",
    "laughs in a note": "version: 1\ndocument: {id: a, path: /x/a.md}\n"
    + laughs()
    + "annotations:\n- {id: x, note: *l8, target: {exact: q}}\n",
    "recursive": "version: 1\ndocument: &d {id: a, self: *d}\nannotations: []\n",
    "deep": "version: 1\ndocument: {id: a}\nannotations: " + nested(100_000, "flow sequence") + "\n",
}


def test_bombs_in_annotation_files_are_kept_aside_and_reported(tmp_path: Path) -> None:
    """In a child with a memory cap and a timeout: a regression fails the test, not the machine."""
    folder = tmp_path / "annotations"
    folder.mkdir()
    for n, text in enumerate(BOMB_FILES.values()):
        (folder / f"bomb-{n}.yaml").write_text(text, encoding="utf-8")
    code = textwrap.dedent(
        """
        import json, resource, sys
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        from tui.core.annotation_store import AnnotationStore
        store = AnnotationStore(Path(sys.argv[1]))
        found = store.summaries()
        print(json.dumps({"found": len(found), "problems": store.problems}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["found"] == 0 and len(report["problems"]) == len(BOMB_FILES)
    assert all("is damaged" in p for p in report["problems"])
    kept = {p.name.split(".corrupt-")[0]: p.read_text(encoding="utf-8") for p in folder.glob("*.corrupt-*")}
    assert kept == {f"bomb-{n}.yaml": text for n, text in enumerate(BOMB_FILES.values())}  # byte for byte
    assert sorted(folder.glob("*.yaml")) == []
    again = AnnotationStore(folder)
    assert again.summaries() == [] and again.problems == []  # reported once, kept aside once


def test_the_indexer_indexes_documents_whose_front_matter_is_a_bomb(tmp_path: Path) -> None:
    """The reported case: the indexer grew to gigabytes on one such document. Now: a warning."""
    from tests.cli.helpers import lectern

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bomb.md").write_text(f"---\n{laughs()}title: *l8\ntags: *l8\n---\n# Bomb\n\nA zebra.\n")
    (corpus / "deep.md").write_text(
        f"---\ntitle: {nested(20_000, 'flow sequence')}---\n# Deep\n\nA quagga.\n"
    )
    (corpus / "self.md").write_text("---\ntags: &a [*a]\n---\n# Itself\n\nAn okapi.\n")
    result = lectern("index", str(corpus))
    assert result.returncode == 0, result.stderr
    report = result.stdout + result.stderr
    assert "indexed 3" in report and "aliases expand" in report and "refer to themselves" in report
    for word, doc in (("zebra", "bomb.md"), ("quagga", "deep.md"), ("okapi", "self.md")):
        found = lectern("search", word, str(corpus), "--json")
        assert found.returncode == 0 and [r["id"] for r in json.loads(found.stdout)] == [doc]
