"""Anchoring: the target of a passage, and finding it again after the document text changed.

Unit tests pin the documented rules (context length, exact occurrences chosen by context fit then
nearness, fuzzy matching only for long quotes, orphans keep their target); hypothesis checks that
edits outside a quote never lose it and edits inside a quote never pass for an exact match.
"""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tui.core.anchoring import (
    CONTEXT,
    MIN_FUZZY_QUOTE,
    NEARBY,
    Target,
    reanchor,
    reanchor_all,
    target_at,
)
from tui.core.paths import bundled_seeds

PROPERTY = settings(max_examples=150, deadline=None)
SEED = next(p for p in bundled_seeds().glob("2020-01-19-*.md")).read_text(encoding="utf-8")
ALPHABET = "abcdefghij \n.,é中😀"
"""Small enough for repeats and near-repeats, with multi-byte characters (offsets are code points)."""
DENSE = string.ascii_letters + string.digits + " "
"""High-entropy text: no passage elsewhere looks like the quote by chance."""


def unique(text: str, quote: str) -> bool:
    return bool(quote) and text.find(quote) == text.rfind(quote) >= 0


def dense_text(seed: int, length: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(DENSE) for _ in range(length))


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


# --------------------------------------------------------------------------- target_at


def test_target_at_keeps_32_characters_of_context() -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(200))
    target = target_at(text, 100, 120)
    assert CONTEXT == 32
    assert target == Target(text[100:120], text[68:100], text[120:152], 100, 120)
    assert len(target.prefix) == len(target.suffix) == 32


def test_target_at_clips_context_at_the_ends_of_the_text() -> None:
    text = "short text here"
    assert target_at(text, 0, 5) == Target("short", "", " text here", 0, 5)
    assert target_at(text, 11, 15) == Target("here", "short text ", "", 11, 15)


def test_target_at_normalises_reversed_and_out_of_range_offsets() -> None:
    text = "0123456789"
    assert target_at(text, 7, 3) == target_at(text, 3, 7)
    assert target_at(text, -5, 4) == Target("0123", "", "456789", 0, 4)
    assert target_at(text, 8, 99) == Target("89", "01234567", "", 8, 10)


def test_offsets_are_code_points_not_bytes() -> None:
    text = "😀😀 中文 quote é"
    start = text.index("quote")
    target = target_at(text, start, start + 5)
    assert target.exact == "quote" and target.prefix == "😀😀 中文 " and target.suffix == " é"


@PROPERTY
@given(st.text(ALPHABET, max_size=120), st.data())
def test_target_at_is_the_slice_and_its_context(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    target = target_at(text, start, end)
    assert (target.start, target.end) == (start, end)
    assert target.exact == text[start:end]
    assert target.prefix == text[max(0, start - CONTEXT) : start]
    assert target.suffix == text[end : end + CONTEXT]
    assert text[start - len(target.prefix) :].startswith(target.prefix + target.exact + target.suffix)


# --------------------------------------------------------------------------- unchanged and simple moves


@PROPERTY
@given(st.text(ALPHABET, min_size=1, max_size=150), st.data())
def test_unchanged_text_is_anchored_in_place(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    target = target_at(text, start, end)
    assert reanchor(target, text) == (target, "anchored")


def test_empty_quote_is_orphaned() -> None:
    target = Target("", "a", "b", 3, 3)
    assert reanchor(target, "abcabc") == (target, "orphaned")


def test_insertion_above_moves_the_passage_and_keeps_its_quote_and_context() -> None:
    quote = "blockchain makes it difficult for government officials"
    start = SEED.index(quote)
    target = target_at(SEED, start, start + len(quote))
    new_text = "A new opening paragraph.\n\n" + SEED
    found, status = reanchor(target, new_text)
    assert status == "moved"
    assert found.start == start + 26 and new_text[found.start : found.end] == quote
    assert (found.exact, found.prefix, found.suffix) == (target.exact, target.prefix, target.suffix)


def test_deleted_quote_is_orphaned_with_the_target_unchanged() -> None:
    quote = "By creating a decentralized ledger, blockchain makes it difficult"
    start = SEED.index(quote)
    target = target_at(SEED, start, start + len(quote))
    sentence_end = SEED.index(".", start + len(quote)) + 1
    new_text = SEED[:start] + SEED[sentence_end:]
    assert reanchor(target, new_text) == (target, "orphaned")


def test_quote_deleted_from_a_shorter_text_is_orphaned() -> None:
    text = "keep this, then the passage to lose, then the end"
    start = text.index("the passage")
    target = target_at(text, start, start + len("the passage to lose"))
    assert reanchor(target, "keep this") == (target, "orphaned")
    assert reanchor(target, "") == (target, "orphaned")


# --------------------------------------------------------------------------- several exact occurrences


def test_context_fit_beats_nearness() -> None:
    passage = "left CCC the quote DDD right"
    text = "." * 1000 + passage + "." * 2000
    old = text.index("the quote")
    target = target_at(text, old, old + 9)
    # A badly fitting occurrence appears just before the old place, the well fitting one far away.
    new_text = "." * (old - 10) + "xx the quote yy" + "." * 1000 + passage + "." * 1000
    near, far = new_text.index("the quote"), new_text.rindex("the quote")
    assert abs(near - old) < 10 and far - old > NEARBY
    found, status = reanchor(target, new_text)
    assert status == "moved" and found.start == far


def test_partial_context_fit_chooses_the_better_fitting_occurrence() -> None:
    text = "alpha beta gamma QUOTE delta epsilon"
    start = text.index("QUOTE")
    target = target_at(text, start, start + 5)
    new_text = "zz alpha beta gammx QUOTE zelta ZZ " + "-" * 10 + " beta gamma QUOTE delta xx"
    found, status = reanchor(target, new_text)
    assert status == "moved" and found.start == new_text.rindex("QUOTE")


def test_equal_fit_chooses_the_occurrence_nearest_the_old_place() -> None:
    text = "-" * 600 + "|" + "x" * 200 + "QUOTE" + "y" * 200 + "|" + "-" * 600
    old = text.index("QUOTE")
    target = target_at(text, old, old + 5)
    # No occurrence keeps any context: the one closest to the old offset wins, before or after it.
    for offsets in ((old - 400, old + 30), (old - 30, old + 400)):
        chars = ["#"] * (len(text) + 10)
        for at in offsets:
            chars[at : at + 5] = "QUOTE"
        new_text = "".join(chars)
        found, status = reanchor(target, new_text)
        nearest = min(offsets, key=lambda at: abs(at - old))
        assert status == "moved" and found.start == nearest, offsets


REFRAIN = "one two three four five six seven eight nine ten. "  # 50 characters, repeated verbatim


@pytest.mark.parametrize("inserted", [7, 30, 57])
def test_reanchor_all_keeps_each_annotation_on_its_own_repeated_passage(inserted: int) -> None:
    text = "HEAD\n" + REFRAIN * 6
    starts = [i for i in range(len(text)) if text.startswith("five six", i)]
    targets = [target_at(text, s, s + 8) for s in starts]
    new_text = "X" * inserted + text
    found = reanchor_all(targets, new_text)
    assert [(t.start, s) for t, s in found] == [(s + inserted, "moved") for s in starts]


def test_small_shift_of_a_repeated_passage_stays_on_the_nearest_occurrence() -> None:
    text = "HEAD\n" + REFRAIN * 6
    start = [i for i in range(len(text)) if text.startswith("five six", i)][3]
    found, status = reanchor(target_at(text, start, start + 8), "X" * 7 + text)
    assert (found.start, status) == (start + 7, "moved")


# --------------------------------------------------------------------------- reanchor_all


def test_reanchor_all_follows_insertions_and_deletions_between_passages() -> None:
    quotes = [
        "As blockchain technology continues to mature",
        "China is no exception",
        "One reason for this shift is the potential for blockchain",
        "making it easier to identify and root out waste and fraud",
        "highly secure",
    ]
    targets = []
    for quote in quotes:
        at = SEED.index(quote)
        targets.append(target_at(SEED, at, at + len(quote)))
    cut_from = SEED.index("This move signals")
    cut_to = SEED.index("## The Chinese government's recent pivot")
    new_text = (
        "Preface.\n\n" + SEED[:cut_from] + SEED[cut_to:].replace("In addition,", "Also, and in addition,")
    )
    found = reanchor_all(targets, new_text)
    for (target, status), quote in zip(found, quotes, strict=True):
        assert status == "moved"
        assert new_text[target.start : target.end] == quote
        assert target.start == new_text.index(quote)


def test_reanchor_all_reports_each_status_and_keeps_orphans() -> None:
    text = "first quote here. second long quote is right here. third one. " + "tail " * 20
    spans = [("first quote", "moved"), ("second long quote is right", "fuzzy"), ("third one", "orphaned")]
    targets = []
    for quote, _ in spans:
        at = text.index(quote)
        targets.append(target_at(text, at, at + len(quote)))
    new_text = "NEW " + text.replace("second long", "second longer").replace("third one", "3rd")
    found = reanchor_all(targets, new_text)
    assert [s for _, s in found] == [s for _, s in spans]
    assert found[2][0] == targets[2]
    fuzzy = found[1][0]
    assert overlap((fuzzy.start, fuzzy.end), (new_text.index("second"), new_text.index("right") + 5)) > 20


# --------------------------------------------------------------------------- fuzzy


def test_one_word_changed_in_a_long_quote_is_fuzzy_at_its_place() -> None:
    quote = "blockchain makes it difficult for government officials to tamper with records"
    start = SEED.index(quote)
    target = target_at(SEED, start, start + len(quote))
    new_text = SEED.replace("difficult for government", "hard for government")
    found, status = reanchor(target, new_text)
    assert status == "fuzzy"
    edited = (new_text.index("blockchain makes it hard"), new_text.index("with records") + 12)
    assert overlap((found.start, found.end), edited) >= len(quote) - 20
    assert (found.exact, found.prefix, found.suffix) == (target.exact, target.prefix, target.suffix)


def test_min_fuzzy_quote_is_the_boundary() -> None:
    text = "Some words before. ABCDEFGHIJKL and more words after it, quite a few of them."
    long_start = text.index("ABCDEFGHIJKL")
    long_quote = target_at(text, long_start, long_start + MIN_FUZZY_QUOTE)
    short_quote = target_at(text, long_start, long_start + MIN_FUZZY_QUOTE - 1)
    new_text = text.replace("EFG", "EXG")
    assert reanchor(long_quote, new_text)[1] == "fuzzy"
    assert reanchor(short_quote, new_text) == (short_quote, "orphaned")


@PROPERTY
@given(
    st.text(ALPHABET, max_size=150), st.text(ALPHABET, min_size=1, max_size=MIN_FUZZY_QUOTE - 1), st.data()
)
def test_short_quotes_are_never_fuzzy(text: str, quote: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(text)))
    original = text[:at] + quote + text[at:]
    target = target_at(original, at, at + len(quote))
    new_text = data.draw(st.text(ALPHABET, max_size=150))
    assume(quote not in new_text)
    assert reanchor(target, new_text) == (target, "orphaned")


# --------------------------------------------------------------------------- properties of edits


@st.composite
def edit(draw: st.DrawFn, text: str, low: int, high: int, alphabet: str) -> tuple[int, int, str]:
    """An insertion, deletion or replacement of ``text[a:b]`` with ``low <= a <= b <= high``."""
    kind = draw(st.sampled_from(["insert", "delete", "replace"]))
    a = draw(st.integers(low, high))
    if kind == "insert":
        return a, a, draw(st.text(alphabet, min_size=1, max_size=40))
    b = draw(st.integers(a, high))
    return a, b, "" if kind == "delete" else draw(st.text(alphabet, min_size=1, max_size=40))


@PROPERTY
@given(st.text(ALPHABET, min_size=1, max_size=200), st.data())
def test_edits_outside_the_quote_keep_it(text: str, data: st.DataObject) -> None:
    qs = data.draw(st.integers(0, len(text) - 1))
    qe = data.draw(st.integers(qs + 1, min(len(text), qs + 60)))
    quote = text[qs:qe]
    assume(unique(text, quote))
    before = data.draw(st.booleans())
    a, b, inserted = data.draw(edit(text, 0, qs, ALPHABET) if before else edit(text, qe, len(text), ALPHABET))
    new_text = text[:a] + inserted + text[b:]
    assume(unique(new_text, quote))
    expected = qs + len(inserted) - (b - a) if before else qs
    found, status = reanchor(target_at(text, qs, qe), new_text)
    assert new_text[found.start : found.end] == quote
    assert (found.start, found.end) == (expected, expected + len(quote))
    assert status == ("anchored" if expected == qs else "moved")


@PROPERTY
@given(
    st.integers(0, 2**32),
    st.integers(0, 300),
    st.integers(MIN_FUZZY_QUOTE, 80),
    st.integers(0, 300),
    st.data(),
)
def test_edits_inside_the_quote_are_never_exact(
    seed: int, before: int, length: int, after: int, data: st.DataObject
) -> None:
    text = dense_text(seed, before + length + after)
    qs, qe = before, before + length
    quote = text[qs:qe]
    assume(unique(text, quote))
    a, b, inserted = data.draw(edit(text, qs + 1, qe - 1, DENSE + "\n"))
    new_text = text[:a] + inserted + text[b:]
    assume(quote not in new_text)
    target = target_at(text, qs, qe)
    found, status = reanchor(target, new_text)
    assert status in ("fuzzy", "orphaned")
    if status == "orphaned":
        assert found == target
    else:
        new_place = (qs, qe + len(inserted) - (b - a))
        assert overlap((found.start, found.end), new_place) > 0, (found, new_place)
        assert overlap((found.start, found.end), new_place) * 2 >= min(length, new_place[1] - qs)


@PROPERTY
@given(st.integers(0, 2**32), st.integers(0, 300), st.integers(24, 80), st.integers(0, 300), st.data())
def test_one_character_typo_in_a_long_quote_is_found_fuzzily_in_place(
    seed: int, before: int, length: int, after: int, data: st.DataObject
) -> None:
    text = dense_text(seed, before + length + after)
    qs, qe = before, before + length
    at = data.draw(st.integers(qs + 1, qe - 2))
    replacement = "#" if text[at] != "#" else "%"
    new_text = text[:at] + replacement + text[at + 1 :]
    found, status = reanchor(target_at(text, qs, qe), new_text)
    assert status == "fuzzy"
    assert overlap((found.start, found.end), (qs, qe)) >= length - 4
    assert abs(found.start - qs) <= 4 and abs(found.end - qe) <= 4
