"""The merge policy: a commit merges its smallest segments, never more postings than a bound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.search.whoosh import merging
from tui.core.search.whoosh.merging import smallest_within, tidy_indexes


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


@given(st.lists(st.integers(1, 100), max_size=40))
def test_tidying_joins_three_or_two_alike_and_stops_only_when_none_are_left(sizes: list[int]) -> None:
    """Merged as the tidying step merges, until nothing is chosen: every merge fits the bound,
    joins three or more or two alike; what is left has no three that fit and no two alike."""
    bound, pair = 120, merging.TIDY_PAIR
    left = list(sizes)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(merging, "TIDY_BYTES", bound)
        while chosen := tidy_indexes(left):
            merged = sorted(left[i] for i in chosen)
            assert sum(merged) <= bound
            assert len(merged) >= merging.TIDY_LEAST or (len(merged) == 2 and merged[1] <= pair * merged[0])
            left = [size for i, size in enumerate(left) if i not in chosen] + [sum(merged)]
        smallest = sorted(left)
        assert len(smallest) < 3 or sum(smallest[:3]) > bound
        for i, small in enumerate(smallest):  # no two alike that fit, anywhere among the sizes
            for large in smallest[i + 1 :]:
                assert small + large > bound or large > pair * small


def test_a_run_of_alike_segments_too_large_for_three_is_halved() -> None:
    """38 segments of 4.3 MB under a 12 MB bound (what a busy machine's run left) become 19."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(merging, "TIDY_BYTES", 12_000_000)
        left = [4_300_000 + i * 1000 for i in range(38)]
        while chosen := tidy_indexes(left):
            left = [size for i, size in enumerate(left) if i not in chosen] + [sum(left[i] for i in chosen)]
    assert len(left) == 19
    assert tidy_indexes([100, 4_300_000]) == []  # an update's small one: kept


def test_a_small_leftover_does_not_keep_the_alike_pairs_behind_it_apart() -> None:
    """A run's last, short batch is alike with none: the pairs of full batches still join."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(merging, "TIDY_BYTES", 12_000_000)
        left = [2_000_000] + [5_500_000 + i for i in range(10)]
        while chosen := tidy_indexes(left):
            left = [size for i, size in enumerate(left) if i not in chosen] + [sum(left[i] for i in chosen)]
    assert sorted(left)[0] == 2_000_000 and len(left) == 6
