"""Keys as people see them and settings that say when they are wrong.

The help screen (``?``) lists the real bindings, keys as they are typed (``)`` ``$`` ``]``, never
``right_parenthesis``), the keymap applied, and the colour keys with the user's names for the
colours. The footer fits an 80-column terminal and shows the palette key once. An unknown theme
or key binding id in ``config.yaml`` is reported as a broken file is (and the file left alone).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Footer

from tests.ui.helpers import SIZE, app_for, ready, wait_until
from tui.core.paths import Paths
from tui.ui.screens.browser import AnnotationBrowser
from tui.ui.screens.help import HelpScreen, known_binding_ids


def write_config(settings: dict[str, Any]) -> Path:
    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return paths.config_file


def screen_text(pilot: Pilot[Any]) -> str:
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


async def open_help(pilot: Pilot[Any]) -> HelpScreen:
    await ready(pilot)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
    help_screen = pilot.app.screen
    assert isinstance(help_screen, HelpScreen)
    return help_screen


def help_rows(help_screen: HelpScreen) -> list[tuple[str, str, str, str]]:
    """(where, keys, what, ids) as the help table shows them."""
    return [(where, *row) for where, bindings in help_screen.groups for row in help_screen.rows(bindings)]


# ---------------------------------------------------------------------- help


async def test_help_names_keys_as_they_are_typed() -> None:
    async with app_for().run_test(size=(150, 200)) as pilot:
        help_screen = await open_help(pilot)
        await pilot.pause()
        keys = {ids: keys for _, keys, _, ids in help_rows(help_screen)}
        assert keys["reader.sentence"] == ")" and keys["reader.sentence_back"] == "("
        assert keys["reader.paragraph"] == "}" and keys["reader.line_end"] == "$"
        assert keys["reader.next_annotation"] == "]" and keys["reader.previous_annotation"] == "["
        assert keys["app.help"] == "?" and keys["browser.filter"] == "/"
        assert keys["reader.down"] == "j, ↓" and keys["app.palette"] == "^p"
        text = screen_text(pilot)
        for name in ("right_parenthesis", "dollar_sign", "question_mark", "square_bracket", "slash"):
            assert name not in text
        assert "│ )" in text and "│ $" in text and "│ ]" in text


async def test_help_lists_every_binding_from_the_real_bindings() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        help_screen = await open_help(pilot)
        listed = " ".join(ids for *_, ids in help_rows(help_screen))
        declared = {b.id for _, bindings in help_screen.groups for b in bindings if b.id}
        for binding_id in declared:  # the five colour keys share a row: main.color_1 … main.color_5
            assert binding_id in listed or re.fullmatch(r"main\.color_[2-4]", binding_id), binding_id
        assert declared <= known_binding_ids()  # the keymap check knows every id the help shows
        assert {"browser.rename", "export.cancel", "rename.cancel", "help.close"} <= known_binding_ids()


async def test_help_describes_the_colour_keys_with_the_users_names() -> None:
    write_config({"colors": {"yellow": "evidence", "green": "claim"}})
    async with app_for().run_test(size=(150, 200)) as pilot:
        help_screen = await open_help(pilot)
        [colour_row] = [row for row in help_rows(help_screen) if row[1] == "1–5"]
        _, _, what, ids = colour_row
        assert what == "Highlight colour: 1 yellow (evidence), 2 green (claim), 3 blue, 4 pink, 5 orange"
        assert ids.startswith("main.color_1") and ids.endswith("main.color_5")
        assert not [row for row in help_rows(help_screen) if re.fullmatch(r"Colour \d", row[2])]
        assert "1 yellow (evidence)" in screen_text(pilot)


async def test_help_shows_the_keymap_the_user_set() -> None:
    write_config({"keymap": {"reader.next_hit": "x,ctrl+n", "main.color_2": "f2"}})
    async with app_for().run_test(size=SIZE) as pilot:
        help_screen = await open_help(pilot)
        rows = help_rows(help_screen)
        keys = {ids: keys for _, keys, _, ids in rows}
        assert keys["reader.next_hit"] == "x, ^n"
        [colour_keys] = [keys for _, keys, what, _ in rows if what.startswith("Highlight colour")]
        assert colour_keys == "1 f2 3 4 5"  # no longer a run 1–5
        assert not pilot.app._notifications  # known ids: nothing to report


# ---------------------------------------------------------------------- settings


async def test_an_unknown_theme_and_binding_id_are_reported_and_the_defaults_used() -> None:
    written = write_config(
        {"theme": "no-such-theme", "keymap": {"reader.nxt_hit": "x", "reader.next_hit": "n,ctrl+n"}}
    )
    before = written.read_bytes()
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        notes = pilot.app._notifications
        await wait_until(pilot, lambda: any("unknown theme" in n.message for n in notes))
        [note] = [n for n in notes if "unknown theme" in n.message]
        assert note.message.startswith(f"{written}: unknown theme 'no-such-theme' (using the default)")
        assert "unknown key binding id 'reader.nxt_hit' (ignored; ? lists the ids)" in note.message
        assert "reader.next_hit" not in note.message  # a real id is not reported
        assert note.severity == "warning" and note.markup is False
        assert pilot.app.theme == "textual-dark"
    assert written.read_bytes() == before  # reported, never set aside or rewritten
    assert not list(written.parent.glob("*.corrupt-*"))


async def test_a_known_theme_is_used_and_nothing_is_reported() -> None:
    write_config({"theme": "textual-light", "keymap": {"reader.next_hit": "x"}})
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert pilot.app.theme == "textual-light"
        assert not pilot.app._notifications


# ---------------------------------------------------------------------- footer


def footer_keys(pilot: Pilot[Any]) -> list[Widget]:
    return list(pilot.app.screen.query_one(Footer).query("FooterKey"))


async def assert_footer_fits(pilot: Pilot[Any], width: int) -> None:
    await pilot.pause()
    keys = footer_keys(pilot)
    palette = [k for k in keys if k.has_class("-command-palette")]
    assert len(palette) == 1, "the palette key once, at the right end"
    others = [k for k in keys if k not in palette]
    assert sum(1 for k in others if getattr(k, "action", "") == "command_palette") == 0
    right = palette[0].region.x
    for key in others:
        assert key.region.right <= right, (getattr(key, "description", ""), key.region, right)
    assert palette[0].region.right <= width


async def test_the_browser_footer_fits_80_columns_with_one_palette_key() -> None:
    async with app_for().run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("B")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotationBrowser))
        await assert_footer_fits(pilot, 80)
        assert "Commands" in screen_text(pilot).splitlines()[-1]
        assert screen_text(pilot).splitlines()[-1].count("Commands") == 1


async def test_the_reading_room_shows_the_palette_key_once() -> None:
    async with app_for().run_test(size=(200, 24)) as pilot:
        await ready(pilot)
        await pilot.pause()
        assert screen_text(pilot).splitlines()[-1].count("^p") == 1


async def test_the_reading_room_footer_fits_80_columns() -> None:
    async with app_for().run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await assert_footer_fits(pilot, 80)
        await pilot.press("enter")  # a document open, the reader focused
        await pilot.pause()
        await assert_footer_fits(pilot, 80)
