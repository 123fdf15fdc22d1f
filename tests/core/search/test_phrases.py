"""The one phrase matcher against the obvious one, in both look-up modes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.search import phrases
from tui.core.search.phrases import phrase_anchor, phrase_starts

TEXTS = st.lists(st.sampled_from("abc"), max_size=40)
PHRASES = st.lists(st.sampled_from("abc"), min_size=1, max_size=4)


def naive(text: list[str], phrase: list[str]) -> list[int]:
    return [p for p in range(len(text) - len(phrase) + 1) if text[p : p + len(phrase)] == phrase]


@pytest.mark.parametrize("limit", [0, 10**9], ids=["binary search", "bitmap"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS, phrase=PHRASES)
def test_phrase_starts_are_where_the_words_stand(
    monkeypatch: pytest.MonkeyPatch, limit: int, text: list[str], phrase: list[str]
) -> None:
    monkeypatch.setattr(phrases, "_SEARCH_LIMIT", limit)
    where = {w: np.asarray([p for p, t in enumerate(text) if t == w], dtype=np.int64) for w in "abc"}
    positions = [where[w] for w in phrase]
    if not all(len(p) for p in positions):
        return
    assert phrase_starts(positions).tolist() == naive(text, phrase)
    anchor, found = phrase_anchor(positions, span=len(text))
    assert bool(found.any()) == bool(naive(text, phrase)) and 0 <= anchor < len(phrase)
