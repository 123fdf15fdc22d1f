"""The merge policy: a commit merges its smallest segments, never more postings than a bound."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui.core.search.whoosh.merging import smallest_within


@given(st.lists(st.integers(0, 100), max_size=12), st.integers(0, 300))
def test_the_smallest_segments_merge_up_to_the_bound(sizes: list[int], limit: int) -> None:
    chosen = smallest_within(sizes, limit)
    merged = [sizes[i] for i in chosen]
    kept = sorted(sizes[i] for i in range(len(sizes)) if i not in chosen)
    assert len(set(chosen)) == len(chosen) != 1  # one segment alone is never rewritten
    assert sum(merged) <= limit
    assert not merged or not kept or max(merged) <= kept[0]  # the smallest go first
    if merged and kept:
        assert sum(merged) + kept[0] > limit  # as many as fit
    if not merged:
        smallest = sorted(sizes)[:2]
        assert len(smallest) < 2 or sum(smallest) > limit


@given(st.lists(st.integers(0, 100), max_size=12), st.integers(0, 300), st.integers(2, 5))
def test_a_merge_joins_at_least_as_many_segments_as_asked(sizes: list[int], limit: int, least: int) -> None:
    chosen = smallest_within(sizes, limit, least)
    assert chosen == [] or (len(chosen) >= least and chosen == smallest_within(sizes, limit))
    if not chosen:
        assert len(smallest_within(sizes, limit)) < least
