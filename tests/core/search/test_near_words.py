"""``near_words``: the words within a few edits of a misspelling, found through letter masks,
are exactly those a comparison with every word finds, whatever the words (letters, digits,
identifiers, accents, CJK, emoji), however they are kept (joined by length, or one text), and
whatever a damaged list holds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from tui.core.search import near_words
from tui.core.search.near_words import SEPARATOR, WordsByLength

ALPHABET = "aeinorst_019xéü区块😀"
words = st.text(alphabet=ALPHABET, min_size=1, max_size=9)


def everything(word: str, vocabulary: list[str], maxdist: int) -> dict[str, int]:
    found = {w: OSA.distance(word, w) for w in vocabulary}
    return {w: d for w, d in found.items() if d <= maxdist}


def by_length(vocabulary: list[str]) -> dict[int, str]:
    groups: dict[int, list[str]] = {}
    for w in vocabulary:
        groups.setdefault(len(w), []).append(w)
    return {n: SEPARATOR.join(group) for n, group in groups.items()}


@settings(max_examples=300, deadline=None)
@given(
    vocabulary=st.lists(words, max_size=60, unique=True), word=words, maxdist=st.sampled_from([0, 1, 2, 3])
)
def test_the_masks_rule_out_no_word_within_the_edits(vocabulary: list[str], word: str, maxdist: int) -> None:
    vocabulary.sort()
    expected = everything(word, vocabulary, maxdist)
    assert WordsByLength(by_length(vocabulary)).near(word, maxdist) == expected
    assert WordsByLength.of(vocabulary).near(word, maxdist) == expected
    assert WordsByLength.of_text("\n".join(vocabulary), "\n").near(word, maxdist) == expected


@settings(max_examples=100, deadline=None)
@given(vocabulary=st.lists(words, max_size=40, unique=True))
def test_every_word_is_kept_once_under_its_length(vocabulary: list[str]) -> None:
    vocabulary.sort()
    for kept in (WordsByLength(by_length(vocabulary)), WordsByLength.of(vocabulary)):
        assert sorted(w for n in kept.lengths() for w in kept.of_length(n)) == vocabulary
        assert all(len(w) == n for n in kept.lengths() for w in kept.of_length(n))


def test_a_word_of_the_wrong_length_in_a_saved_list_is_left_out_not_misread() -> None:
    """Saved lists are checked by a CRC; should one hold a word of another length all the same,
    the words of the right length are still found, and nothing is misaligned."""
    kept = WordsByLength({5: "house mouse cat louse", 3: "cat"})
    assert kept.of_length(5) == ["house", "mouse", "louse"]
    assert kept.near("hous", 1) == {"house": 1}
    assert kept.near("cat", 0) == {"cat": 0}


def test_a_word_that_holds_the_separator_is_kept_whole() -> None:
    kept = WordsByLength.of(["a b", "abc", ""])
    assert kept.near("a c", 1) == {"a b": 1, "abc": 1}


def test_most_words_are_ruled_out_before_they_are_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the masks: of 20,000 words of the right lengths, only those sharing nearly
    all their letters with the word reach the comparison."""
    rng = np.random.default_rng(7)
    letters = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
    vocabulary = sorted({"".join(rng.choice(letters, size=rng.integers(7, 12))) for _ in range(20_000)})
    compared: list[int] = []
    from rapidfuzz import process

    extract = process.extract

    def counting(word: str, choices: list[str], **options: object) -> object:
        compared.append(len(choices))
        return extract(word, choices, **options)  # type: ignore[call-overload]

    monkeypatch.setattr(process, "extract", counting)
    found = WordsByLength.of(vocabulary).near("goverment", 2)
    assert found == everything("goverment", vocabulary, 2)
    assert 0 < sum(compared) < len(vocabulary) // 10


def test_without_numpy_2_the_bits_are_counted_all_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.array([0, 1, 3, 2**63, 2**64 - 1, 0xF0F0], dtype=np.uint64)
    expected = [bin(int(v)).count("1") for v in values]
    assert near_words._popcount(values).tolist() == expected
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert near_words._popcount(values).tolist() == expected


@settings(max_examples=300, deadline=None)
@given(
    vocabulary=st.lists(words, max_size=60, unique=True),
    word=words,
    cutoff=st.sampled_from([50, 75, 90]),
    limit=st.sampled_from([1, 3, 8]),
)
def test_similar_words_are_those_a_comparison_with_every_word_ranks_first(
    vocabulary: list[str], word: str, cutoff: int, limit: int
) -> None:
    """The suggestions' candidates ("did you mean"): the same words, in the same order, as
    ``process.extract`` over the whole sorted vocabulary."""
    from rapidfuzz import fuzz, process

    vocabulary.sort()
    found = process.extract(word, vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
    expected = [w for w, _, _ in found]
    for kept in (WordsByLength(by_length(vocabulary)), WordsByLength.of(vocabulary)):
        assert kept.similar(word, cutoff, limit) == expected


def test_the_saved_lists_join_words_as_they_are_read() -> None:
    from tui.core.search.whoosh import term_lists

    assert term_lists.SEPARATOR == SEPARATOR
