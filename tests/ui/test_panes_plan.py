"""Unit tests, without an app, of who gets the width (``controllers.panes.plan_panes``), of the
snippet window a narrow list shows (``document_list.fit_snippet``), of counts as labels say them
(``wording.counted``) and of the pane sizes kept in ``config.yaml`` (``settings.Panes``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tui.core.settings import Panes, Settings
from tui.ui.controllers.panes import (
    LIST_MIN,
    READER_MIN,
    READER_MIN_SEARCHING,
    Plan,
    default_list,
    plan_panes,
)
from tui.ui.widgets.document_list import fit_snippet
from tui.ui.wording import counted

SIZES = (80, 120)


def used(plan: Plan) -> int:
    """Columns the plan gives out (the divider is one)."""
    return plan.list + plan.panel + (1 if plan.divider else 0)


@pytest.mark.parametrize("width", SIZES)
def test_with_no_document_the_list_takes_the_whole_width(width: int) -> None:
    for focus in (None, "search", "list"):
        plan = plan_panes(width, focus, document=False, query=focus == "search", panel=False, panes=Panes())
        assert plan.mode == "library" and plan.list == width and not plan.reader and not plan.divider
        assert plan.snippet_lines >= 2


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize(("focus", "query"), [("search", False), ("search", True), ("list", True)])
def test_while_searching_the_results_get_the_room(width: int, focus: str, query: bool) -> None:
    plan = plan_panes(width, focus, document=True, query=query, panel=False, panes=Panes())  # type: ignore[arg-type]
    reading = plan_panes(width, "reader", document=True, query=query, panel=False, panes=Panes())
    assert plan.mode == "searching" and plan.list > reading.list and plan.reader
    assert width - used(plan) >= READER_MIN_SEARCHING
    assert plan.snippet_lines > reading.snippet_lines


@pytest.mark.parametrize("width", SIZES)
def test_while_reading_the_list_is_narrower_and_the_reader_readable(width: int) -> None:
    for focus in ("reader", "panel", None, "list"):
        plan = plan_panes(width, focus, document=True, query=False, panel=False, panes=Panes())  # type: ignore[arg-type]
        assert plan.mode == "reading" and plan.list == default_list(width) >= LIST_MIN
        assert width - used(plan) >= READER_MIN


def test_the_users_sizes_are_used_within_bounds() -> None:
    sized = Panes(list=50, results=90)
    assert plan_panes(120, "reader", document=True, query=False, panel=False, panes=sized).list == 50
    assert plan_panes(120, "search", document=True, query=True, panel=False, panes=sized).list == 90
    huge = Panes(list=500, results=500)
    reading = plan_panes(120, "reader", document=True, query=False, panel=False, panes=huge)
    assert 120 - used(reading) == READER_MIN
    searching = plan_panes(120, "search", document=True, query=True, panel=False, panes=huge)
    assert 120 - used(searching) == READER_MIN_SEARCHING
    tiny = Panes(list=3, results=3)
    assert plan_panes(120, "reader", document=True, query=False, panel=False, panes=tiny).list == LIST_MIN


def test_a_hidden_list_shows_again_when_the_focus_comes_back_to_it() -> None:
    hidden = Panes(list_hidden=True)
    reading = plan_panes(120, "reader", document=True, query=False, panel=False, panes=hidden)
    assert reading.list == 0 and not reading.divider and reading.reader
    assert plan_panes(120, "list", document=True, query=False, panel=False, panes=hidden).list > 0
    assert plan_panes(120, "search", document=True, query=False, panel=False, panes=hidden).list > 0
    assert plan_panes(120, None, document=False, query=False, panel=False, panes=hidden).list == 120


@pytest.mark.parametrize("width", SIZES)
def test_the_panel_takes_the_lists_place_when_the_three_do_not_fit(width: int) -> None:
    plan = plan_panes(width, "panel", document=True, query=False, panel=True, panes=Panes())
    assert plan.panel > 0 and plan.list == 0 and plan.reader
    assert width - used(plan) >= READER_MIN  # the document stays readable beside the panel
    back = plan_panes(width, "list", document=True, query=False, panel=True, panes=Panes())
    assert back.list > 0 and width - used(back) >= READER_MIN  # the list focused: it shows


def test_a_wide_terminal_keeps_the_list_beside_the_panel() -> None:
    plan = plan_panes(200, "reader", document=True, query=False, panel=True, panes=Panes())
    assert plan.list > 0 and plan.panel > 0 and 200 - used(plan) >= READER_MIN


# ---------------------------------------------------------------------- snippets, counts


def test_a_snippet_that_fits_is_shown_whole() -> None:
    assert fit_snippet("a short one", ((2, 7),), 40) == ("a short one", ((2, 7),))


def test_a_long_snippet_starts_a_few_words_before_its_first_hit() -> None:
    text = "word " * 30 + "HIT and then some more words"
    start = text.index("HIT")
    shown, marks = fit_snippet(text, ((start, start + 3),), 40)
    assert shown.startswith("…") and len(shown) < len(text)
    ((low, high),) = marks
    assert shown[low:high] == "HIT" and low < 40 * 3 // 4
    assert shown[1:].startswith("word")  # from the start of a word


def test_counts_read_as_people_write_them() -> None:
    assert counted(1, "hit") == "1 hit"
    assert counted(0, "hit") == "0 hits"
    assert counted(400_000, "hit") == "400,000 hits"
    assert counted(2, "match", "matches") == "2 matches"


# ---------------------------------------------------------------------- kept in config.yaml


def test_pane_sizes_survive_a_save_and_a_load(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    settings = Settings(theme="textual-light", panes=Panes(list=37, results=70, list_hidden=True))
    settings.save(path)
    assert yaml.safe_load(path.read_text())["panes"] == {"list": 37, "results": 70, "list_hidden": True}
    assert Settings.load(path).panes == Panes(37, 70, True)


def test_bad_pane_sizes_cost_only_the_default(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("theme: textual-light\npanes: {list: wide, results: -3, list_hidden: maybe}\n")
    loaded = Settings.load(path)
    assert loaded.panes == Panes() and loaded.theme == "textual-light" and loaded.problem is None
    path.write_text("panes: [1, 2]\n")
    assert Settings.load(path).panes == Panes()
