"""One bad document never blocks the rest: ``parse_document`` is total, and linear.

Front matter whose values PyYAML cannot build (month 13, year 0, hour 25, a 5,000-digit int, a
timezone of +99:00) or builds as something unexpected (binary data, sets, nested lists) still
gives a Document with a valid ISO day, a one-line bounded title and bounded tags, and says what
was wrong; a corpus holding such files is indexed whole. Adversarial shapes (a line of a million
characters, thousands of ``---``, runs of ``#`` or spaces) cost what their size costs. And the
labels built from such files never carry a control, bidi or zero-width character to the screen.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core import documents
from tui.core.discovery import SourceFile
from tui.core.documents import (
    MAX_TAG,
    MAX_TAGS,
    MAX_TITLE,
    Document,
    fallback_title,
    parse_day,
    parse_document,
    read_body,
    read_document,
    split_front_matter,
    text_sha256,
)
from tui.core.library import Library
from tui.core.paths import Paths
from tui.core.sanitize import visible, visible_line, visible_line_spans

MTIME = 1_600_000_000 * 10**9  # 2020-09-13
MTIME_DAY = "2020-09-13"
LINE_BREAKS = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def source(mtime_ns: int = MTIME, name: str = "doc.md") -> SourceFile:
    return SourceFile(name, Path("/corpus") / name, 10, mtime_ns)


def parse(front_matter: str, body: str = "# Heading\n\nthe body text\n", mtime_ns: int = MTIME) -> Document:
    return parse_document(source(mtime_ns), f"---\n{front_matter}\n---\n{body}")


def assert_sound(doc: Document) -> None:
    """What the index and the UI rely on, whatever the file held."""
    assert isinstance(doc, Document)
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", doc.date), doc.date
    datetime.fromisoformat(doc.date)  # what the search schema does with it
    for label, limit in ((doc.title, MAX_TITLE), (doc.source, 500), (doc.language, 500)):
        assert isinstance(label, str) and len(label) <= limit
        assert not LINE_BREAKS.search(label) and label == label.strip()
        label.encode("utf-8")  # no lone surrogate reaches the index
    assert doc.title
    assert isinstance(doc.tags, tuple) and len(doc.tags) <= MAX_TAGS
    for tag in doc.tags:
        assert isinstance(tag, str) and tag and len(tag) <= MAX_TAG and not LINE_BREAKS.search(tag)
        tag.encode("utf-8")
    assert all(isinstance(p, str) and p for p in doc.problems)
    assert doc.sha256 == text_sha256(doc.text)


# --------------------------------------------------------------------------- values PyYAML cannot build

BAD_DATES = {
    "month 13": ("2020-13-01", "month must be in 1..12"),
    "year 0": ("0000-01-01", "year 0 is out of range"),
    "day 32": ("2020-01-32", "day is out of range"),
    "30 February": ("2021-02-30", "day is out of range"),
    "a 5-digit year": ("99999-01-01", "not an ISO 8601 day"),
}


@pytest.mark.parametrize("value, reason", BAD_DATES.values(), ids=list(BAD_DATES))
def test_an_impossible_date_falls_back_and_keeps_the_other_fields(value: str, reason: str) -> None:
    doc = parse(f"title: Kept title\ndate: {value}\ntags: [a, b]\nsource: The Source")
    assert_sound(doc)
    assert (doc.title, doc.tags, doc.source, doc.date) == ("Kept title", ("a", "b"), "The Source", MTIME_DAY)
    assert doc.text == "# Heading\n\nthe body text\n"
    [problem] = doc.problems
    assert value in problem and reason in problem and "modification date" in problem


IMPOSSIBLE_TIMES = [
    "2020-01-01 25:00:00",
    "2020-01-01T23:61:00",
    "2020-01-01 12:00:60",
    "2001-12-14 21:59:43 +99:00",
]


@pytest.mark.parametrize("value", IMPOSSIBLE_TIMES)
def test_an_impossible_time_keeps_its_day_and_is_reported(value: str) -> None:
    doc = parse(f"title: Kept\ndate: {value}")
    assert_sound(doc)
    assert doc.title == "Kept" and doc.date == value[:10]
    [problem] = doc.problems
    assert value in problem and "impossible time" in problem


@pytest.mark.parametrize(
    "value, day",
    [
        ("2020-01-19", "2020-01-19"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14"),
        ("2001-12-14 21:59:43.10 -5", "2001-12-14"),
        ("2020-1-5 10:00:00", "2020-01-05"),
        ("'2020-01-19 a note'", "2020-01-19"),
        ("2020", "2020-01-01"),
        ("20200119", "2020-01-19"),
        ("2020-05", "2020-05-01"),
        ("0001-01-01", "0001-01-01"),
        ("9999-12-31 23:59:59 -23:59", "9999-12-31"),
    ],
)
def test_good_dates_are_read(value: str, day: str) -> None:
    doc = parse(f"date: {value}")
    assert_sound(doc)
    assert doc.date == day and doc.problems == ()


def test_numbers_too_long_to_print_are_kept_as_text() -> None:
    digits = "9" * 5000
    doc = parse(f"title: {digits}\nsource: {digits}\ntags: [{digits}]\ndate: {digits}")
    assert_sound(doc)
    assert doc.title.startswith("9999") and doc.title.endswith("…") and doc.source.startswith("9999")
    assert doc.date == MTIME_DAY and any("date" in p for p in doc.problems)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("month must be in 1..12"),
        OverflowError("date value out of range"),
        TypeError("unhashable"),
        RecursionError("maximum recursion depth exceeded"),
        MemoryError(),
        KeyError("x"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_any_failure_to_build_a_value_is_survived(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    real = documents.load_yaml_safely

    def fail(text: str, *, plain: bool = False) -> object:
        if plain:  # the plain reading (every value a string) still works
            return real(text, plain=True)
        raise error

    monkeypatch.setattr(documents, "load_yaml_safely", fail)
    doc = parse("title: Still here\ndate: 2020-02-02")
    assert_sound(doc)
    assert (doc.title, doc.date, doc.problems) == ("Still here", "2020-02-02", ())


def test_when_even_the_plain_reading_fails_the_body_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object, **__: object) -> object:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(documents, "load_yaml_safely", fail)
    doc = parse("title: Lost")
    assert_sound(doc)
    assert doc.title == "Heading" and doc.text == "# Heading\n\nthe body text\n"
    assert doc.problems == ("malformed front matter: RecursionError",)


def test_a_yaml_error_without_a_message_is_still_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(_: str, **__: object) -> object:
        raise yaml.YAMLError()

    monkeypatch.setattr(documents, "load_yaml_safely", fail)
    doc = parse("title: x")
    assert_sound(doc)
    assert doc.problems == ("malformed front matter: YAMLError",)


# --------------------------------------------------------------------------- every field, every YAML type

YAML_VALUES = {
    "int": "42",
    "negative int": "-7",
    "hex int": "0x1F",
    "float": "3.14",
    "inf": ".inf",
    "-inf": "-.inf",
    "nan": ".nan",
    "float overflow": "1.0e400",
    "true": "true",
    "yes": "yes",
    "null": "null",
    "tilde": "~",
    "empty": "''",
    "list": "[a, b]",
    "empty list": "[]",
    "dict": "{a: 1}",
    "nested": "[[a, [b, {c: [d]}]], {e: f}]",
    "datetime": "2001-12-14 21:59:43.10",
    "datetime tz": "2001-12-14t21:59:43.10-05:00",
    "date": "2002-12-14",
    "binary": "!!binary aGVsbG8gd29ybGQ=",
    "set": "!!set {x, y}",
    "month 13": "2020-13-01",
    "hour 25": "2020-01-01 25:00:00",
    "huge int": "9" * 5000,
    "long string": "word " * 12_000,
    "multi-line": '"one\\ntwo\\r\\nthree\\u2028four\\x85five"',
    "block scalar": "|\n  line one\n  line two",
    "surrogate": '"\\ud800 half"',
    "controls": '"\\e[31mred\\a \\x9b2J"',
    "markup": '"[/bold] [@click=app.quit]"',
    "str tag": "!!str 2020-13-01",
    "unknown tag": "!custom thing",
    "anchor": "&a [x, y]",
    "recursive": "&r [*r]",
}
FIELDS = ["title", "date", "source", "language", "lang", "tags"]


@pytest.mark.parametrize("value", YAML_VALUES.values(), ids=list(YAML_VALUES))
@pytest.mark.parametrize("field", FIELDS)
def test_every_field_survives_every_yaml_type(field: str, value: str) -> None:
    doc = parse(f"{field}: {value}")
    assert_sound(doc)
    assert doc.text == "# Heading\n\nthe body text\n"


@pytest.mark.parametrize("value", ["[a, b]", "{a: 1}", "!!binary aGVsbG8=", "!!set {x}", "[[a]]"])
def test_a_title_that_is_not_text_is_reported_and_replaced(value: str) -> None:
    doc = parse(f"title: {value}")
    assert doc.title == "Heading"
    assert any("title is" in p for p in doc.problems)


def test_tags_take_many_shapes_and_stay_bounded() -> None:
    assert parse("tags: a, b ,, c").tags == ("a", "b", "c")
    assert parse("tags: [x, 2, true, 2020-01-02, [nested], {k: v}]").tags == ("x", "2", "true", "2020-01-02")
    assert parse("tags: !!set {b, a}").tags == ("a", "b")
    assert parse("tags: 7").tags == ("7",)
    many = parse("tags: [" + ", ".join(f"t{i}" for i in range(MAX_TAGS + 50)) + "]")
    assert len(many.tags) == MAX_TAGS and any("only the first" in p for p in many.problems)
    long = parse(f'tags: [{"x" * 5000}, "a\\nb"]')
    assert len(long.tags[0]) == MAX_TAG and long.tags[1] == "a b"
    assert any("tags" in p for p in parse("tags: {a: b}").problems)


def test_language_falls_back_to_lang() -> None:
    assert parse("lang: en").language == "en"
    assert parse("language: fr\nlang: en").language == "fr"


@pytest.mark.parametrize("mtime_ns", [10**30, -(10**30), 0, -1, 253402300800 * 10**9])
def test_any_modification_time_gives_a_day(mtime_ns: int) -> None:
    doc = parse_document(source(mtime_ns), "text")
    assert_sound(doc)


def test_parse_day_explains_itself() -> None:
    assert parse_day("2020-02-29") == (datetime(2020, 2, 29).date(), "")
    assert parse_day("2021-02-29")[0] is None
    assert parse_day("x" * 10_000) == (None, "is not a date")
    assert parse_day("２０２０-01-01")[0] is None  # full-width digits are not ISO 8601


# --------------------------------------------------------------------------- arbitrary front matter (Hypothesis)

TOKENS = [
    *(v for v in YAML_VALUES.values() if len(v) < 100),  # long ones are tested above; a repr stays short
    "0o17",
    "1_000",
    "-0",
    "on",
    "off",
    "*a",
    "*undefined",
    "<<: *a",
    "'",
    '"',
    "{",
    "[",
]
KEYS = st.sampled_from([*FIELDS, "other", "1", "null", "? [a]", "<<", "title", "date"])


def _quoted(text: str) -> str:
    return json.dumps(text)  # a YAML double-quoted scalar (surrogates come out as \udxxx escapes)


scalars = st.one_of(
    st.sampled_from(TOKENS),
    st.text(max_size=30).map(_quoted),
    st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=30),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
    st.datetimes().map(str),
    st.tuples(st.integers(0, 99999), st.integers(0, 99), st.integers(0, 99)).map(
        lambda ymd: "{:04}-{:02}-{:02}".format(*ymd)
    ),
)
TAGS = [
    "",
    "!!binary ",
    "!!set ",
    "!!timestamp ",
    "!!int ",
    "!!float ",
    "!!str ",
    "!!map ",
    "!!seq ",
    "!foo ",
]
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.dictionaries(st.text("abc", max_size=3), children, max_size=3).map(
            lambda d: "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"
        ),
    ),
    max_leaves=12,
)
tagged = st.tuples(st.sampled_from(["", "", "&a "]), st.sampled_from(TAGS), values).map("".join)
front_matter = st.lists(st.tuples(KEYS, tagged).map(lambda kv: f"{kv[0]}: {kv[1]}"), max_size=8).map(
    "\n".join
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    front_matter,
    st.text(max_size=300),
    st.sampled_from(["---", "...", "--- ", "---\t"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.integers(-(2**80), 2**80),
)
def test_parse_document_is_total_on_arbitrary_front_matter(
    meta: str, body: str, closing: str, newline: str, mtime_ns: int
) -> None:
    raw = newline.join(["---", meta, closing, body])
    doc = parse_document(source(mtime_ns), raw)
    assert_sound(doc)
    assert raw.replace("\r\n", "\n").replace("\r", "\n").endswith(doc.text)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(-(2**80), 2**80))
def test_parse_document_is_total_on_any_text(raw: str, mtime_ns: int) -> None:
    for text in (raw, "---\n" + raw, "---\n" + raw + "\n---\n" + raw):
        assert_sound(parse_document(source(mtime_ns), text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="-.\n \tab:#", max_size=60))
def test_read_body_removes_exactly_what_parse_document_removes(
    tmp_path_factory: pytest.TempPathFactory, raw: str
) -> None:
    path = tmp_path_factory.mktemp("body") / "doc.md"
    path.write_bytes(raw.encode("utf-8"))
    doc = read_document(SourceFile("doc.md", path, len(raw), MTIME))
    assert isinstance(doc, Document)
    assert read_body(path) == doc.text


# --------------------------------------------------------------------------- a whole corpus is indexed


def test_a_corpus_with_bad_front_matter_is_indexed_whole(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    bad = {
        "month13.md": "date: 2020-13-01",
        "year0.md": "date: 0000-01-01",
        "hour25.md": "date: 2020-01-01 25:00:00",
        "bigint.md": "title: " + "9" * 5000,
        "zone.md": "date: 2001-12-14 21:59:43 +99:00",
        "binary.md": "title: !!binary aGVsbG8=",
        "markup.md": 'date: "[/bold] [@click=app.quit]"',
    }
    for name, meta in bad.items():
        (folder / name).write_text(
            f"---\n{meta}\n---\nweasel {name.removesuffix('.md')} body\n", encoding="utf-8"
        )
    (folder / "good.md").write_text(
        "---\ntitle: Good\ndate: 2020-01-01\n---\nweasel good body\n", encoding="utf-8"
    )
    library = Library.open(Paths.from_environment(), [folder])
    events = list(library.update())
    assert not [e for e in events if e["event"] == "error"], events
    done = events[-1]
    assert done["event"] == "done" and done["indexed"] == len(bad) + 1
    reported = {Path(e["path"]).name for e in events if e["event"] == "problem"}
    assert reported == set(bad) - {"bigint.md"}  # a long number is a fine title
    found = library.open_index().search("weasel", limit=50)
    assert found.total == len(bad) + 1


# --------------------------------------------------------------------------- linear work per document


def within(seconds: float, run: Callable[[], object]) -> None:
    """Run ``run``; fail only when it takes far longer than linear work could (a hang, a blow-up)."""
    start = time.monotonic()
    run()
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"took {elapsed:.1f} s: super-linear work?"


MILLION = 1_000_000
ADVERSARIAL = {
    "one long word": "a" * MILLION,
    "spaces": " " * MILLION,
    "hashes": "#" * MILLION,
    "heading of spaces": "# " + " " * MILLION + "x",
    "heading of words": "# " + "a " * (MILLION // 2),
    "heading then hashes": "# a" + " #" * (MILLION // 2),
    "underline candidate": "x" * MILLION + "\n" + "=" * MILLION + " y",
    "many dashes lines": "---\n" + "---x\n" * (MILLION // 5),
    "unclosed front matter": "---\n" + "a: b\n" * (MILLION // 5),
    "front matter of spaces": "---\n" + " " * MILLION,
    "closing then spaces": "---\n---" + " " * MILLION + "x",
    "carriage returns": "\r" * MILLION,
    "mixed newlines": "\r\n\r" * (MILLION // 3),
    "dots": "---\n" + "...x\n" * (MILLION // 5),
    "controls": "\x1b[31m" * (MILLION // 5),
    "setext everywhere": "a\n-\n" * (MILLION // 4),
}


@pytest.mark.parametrize("raw", ADVERSARIAL.values(), ids=list(ADVERSARIAL))
def test_adversarial_documents_cost_linear_time(raw: str) -> None:
    within(20, lambda: assert_sound(parse_document(source(), raw)))


def test_fifty_megabytes_on_one_line_is_read_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    path.write_bytes(b"# " + b"word " * (10 * 1024 * 1024 - 1))
    within(60, lambda: assert_sound(read_document(SourceFile("huge.md", path, path.stat().st_size, MTIME))))


def test_long_first_lines_do_not_make_titles_slow() -> None:
    # The heading patterns backtracked quadratically: 20,000 characters took seconds per document.
    shapes = ["a" * 20_000, "#" * 20_000, "# " + "a " * 10_000, "# " + " " * 20_000, "x" * 19_000 + "\n="]
    corpus = [shape + f" {n}" for n in range(5) for shape in shapes]
    within(10, lambda: [fallback_title(text) for text in corpus])


def test_sanitizing_is_linear() -> None:
    text = ("é \x1b[31m\u202e\u200b" * (MILLION // 4))[:MILLION]
    within(20, lambda: (visible(text), visible_line(text), visible_line_spans(text, [(0, 5)])))


# --------------------------------------------------------------------------- fallback titles: the same answers as before

_OLD_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_OLD_SETEXT = re.compile(r"^([^\n]*\S[^\n]*)\n(?:=+|-+|~+|\*+)[ \t]*$", re.M)


def old_fallback_title(text: str) -> str:
    """The regular-expression version this module replaced (quadratic on long lines)."""
    head = text[:20_000]
    candidates = [m for m in (_OLD_ATX.search(head), _OLD_SETEXT.search(head)) if m]
    if candidates:
        return min(candidates, key=lambda m: m.start()).group(1).strip()[:200]
    for line in head.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


@pytest.mark.parametrize(
    "text, title",
    [
        ("# Title\n\nbody", "Title"),
        ("   ### Deep heading ###  \nx", "Deep heading"),
        ("#\tTabbed", "Tabbed"),
        ("####### seven\n## Six", "Six"),
        ("    # code\nplain", "# code"),
        ("#NoSpace\n", "#NoSpace"),
        ("# #", "#"),
        ("#   ", ""),
        ("Underlined\n==========\n", "Underlined"),
        ("Dashed\n---  \n", "Dashed"),
        ("Tilde\n~~~\n", "Tilde"),
        ("Stars\n***\n", "Stars"),
        ("Mixed\n=-=\nnext", "Mixed"),
        ("\n\n  first line  \nsecond", "first line"),
        ("# One\nTwo\n===", "One"),
        ("Two\n===\n# One", "Two"),
        ("", ""),
        ("x" * 300, "x" * 200),
    ],
)
def test_fallback_title_examples(text: str, title: str) -> None:
    assert fallback_title(text) == title == old_fallback_title(text)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(list(" \t#\n=-~*ab.\x0b\x85\u2028\u00a0")), max_size=40).map("".join))
def test_fallback_title_agrees_with_the_old_patterns(text: str) -> None:
    assert fallback_title(text) == old_fallback_title(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_fallback_title_agrees_on_any_text(text: str) -> None:
    assert fallback_title(text) == old_fallback_title(text)


# --------------------------------------------------------------------------- labels never carry controls


HOSTILE = "\x1b]8;;http://x\x07link\x1b]8;;\x07 \x1b[2J \x9b31m \u202egnp.exe \u2066iso\u2069 zero\u200bwidth\ufeff \ud800"


def test_visible_keeps_offsets_and_shows_every_control() -> None:
    shown = visible(HOSTILE)
    assert len(shown) == len(HOSTILE)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]", shown)
    assert "␛]8;;http://x␇link" in shown
    assert visible("plain\ttext\n") == "plain\ttext\n"


def test_visible_line_drops_bidi_and_zero_width_characters() -> None:
    shown = visible_line(HOSTILE + "\nnext\tcell")
    assert not re.search(
        "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]", shown
    )
    assert "gnp.exe" in shown and "zerowidth" in shown and "␊next cell" in shown


@given(st.text(), st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=4))
def test_visible_line_spans_move_with_the_text(text: str, spans: list[tuple[int, int]]) -> None:
    spans = [(min(s, len(text)), min(max(s, e), len(text))) for s, e in spans]
    shown, moved = visible_line_spans(text, spans)
    assert shown == visible_line(text)
    for (start, end), (new_start, new_end) in zip(spans, moved, strict=True):
        assert shown[new_start:new_end] == visible_line(text[start:end])


def test_titles_are_one_line_even_from_headings_and_file_names() -> None:
    doc = parse_document(source(name="a\nb.md"), "# Head\u2028ing \x0b here\n")
    assert doc.title == "Head ing here"
    nameless = parse_document(SourceFile("x", Path("/c/\n\t.md"), 1, MTIME), "\n\n")
    assert_sound(nameless)


def test_split_front_matter_keeps_only_string_keys() -> None:
    meta, body, problem = split_front_matter("---\n1: one\nnull: none\ntitle: t\n---\nbody")
    assert meta == {"title": "t"} and body == "body" and problem is None
