"""Pilot tests: text from files is shown, never obeyed, and an empty corpus is a state, not an error.

Titles, sources, tags, file names, notes, colour names and the problems quoting them carry
markup (``[/bold]`` ends a style that was never opened: Textual raises; ``[@click=app.quit]``
would make a click quit) and terminal controls (escape sequences, OSC 8 links, bell, C1, bidi
overrides, zero-width characters). Every place that shows them (the list, the reader's header,
toasts, the status line, the palette, the panel, the dialogs, the help) shows them literally,
and the app goes on running whatever is clicked or pressed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static, TextArea

from tests.ui.helpers import SIZE, app_for, main_screen, ready, search, settle, wait_until
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.paths import Paths
from tui.ui.screens.annotate import AnnotationDialog
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.main import MainScreen
from tui.ui.screens.rename import RenameTagDialog
from tui.ui.widgets.annotation_panel import AnnotationPanel
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.motions import previous_word
from tui.ui.widgets.reader import Reader

MARKUP = "[/bold] [@click=app.quit]"
RED = "[red]x[/]"
LINK = "[link=file:///etc]here[/link]"
NAMED = "[red]x[@click=app.quit].md"
BINARY = "[bold]bin[@click=app.quit].md"
ESCAPED = "esc\x1b[2J\u202ename.md"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""What must never reach the terminal from a label."""


def hostile_corpus(root: Path) -> Path:
    folder = root / "hostile"
    folder.mkdir()
    (folder / "markup.md").write_text(
        f'---\ntitle: "{MARKUP}"\nsource: "{LINK}"\ntags: ["{MARKUP}", "{RED}"]\ndate: "{MARKUP}"\n---\n'
        f"weasel body {MARKUP} {RED} {LINK}\n",
        encoding="utf-8",
    )
    (folder / NAMED).write_text("---\ndate: 2020-13-01\n---\nweasel named by its file\n", encoding="utf-8")
    (folder / "controls.md").write_text(
        '---\ntitle: "\\e]8;;http://evil\\aosc\\e]8;;\\a \\e[31mred \\u202eabc \\u200bzero \\x9b2J \\a end"\n'
        "---\nweasel controls\n",
        encoding="utf-8",
    )
    (folder / ESCAPED).write_text("---\ndate: nope\n---\nweasel escaped name\n", encoding="utf-8")
    (folder / BINARY).write_bytes(b"\x00\x01 binary")
    return folder


def shown(widget: Widget) -> str:
    """The text a Line API widget puts on screen, line by line."""
    return "\n".join("".join(s.text for s in widget.render_line(y)) for y in range(widget.size.height))


def plain(widget: Widget) -> str:
    rendered: Any = widget.render()
    return str(getattr(rendered, "plain", rendered))


def toasts(pilot: Pilot[Any]) -> list[Widget]:
    return list(pilot.app.screen.query("Toast"))


def row_lines(listed: DocumentList, doc_id: str) -> str:
    """The lines of one document's row (the list is short: every row is on screen)."""
    top = [r.id for r in listed.rows].index(doc_id) * listed.row_height - round(listed.scroll_y)
    return "\n".join(
        "".join(s.text for s in listed.render_line(y)) for y in range(top, top + listed.row_height)
    )


async def click_on(pilot: Pilot[Any], widget: Widget, text: str) -> None:
    """Click where ``text`` is drawn in ``widget`` (where a parsed ``[@click]`` would act)."""
    await wait_until(pilot, lambda: text in shown(widget))
    content, region = widget.content_region, widget.region
    for y, line in enumerate(shown(widget).splitlines()):
        x = line.find(text)
        if x >= 0:
            await pilot.click(widget, offset=(x + content.x - region.x, y + content.y - region.y))
            return
    raise AssertionError(f"{text!r} is not shown in {widget!r}: {shown(widget)!r}")


async def open_doc(pilot: Pilot[Any], doc_id: str) -> Reader:
    screen = main_screen(pilot)
    listed = screen.query_one(DocumentList)
    listed.focus()
    await pilot.press("g")
    await wait_until(pilot, lambda: listed.cursor == 0)
    await pilot.press(*["j"] * [r.id for r in listed.rows].index(doc_id))
    await wait_until(pilot, lambda: listed.highlighted is not None and listed.highlighted.id == doc_id)
    await pilot.press("enter")
    reader = screen.query_one(Reader)
    await wait_until(pilot, lambda: screen.document is not None and screen.document.id == doc_id)
    await settle(pilot)
    await pilot.pause()
    return reader


def still_running(pilot: Pilot[Any]) -> None:
    assert pilot.app.is_running and pilot.app.return_code is None


# ---------------------------------------------------------------------- markup


async def test_markup_in_titles_sources_tags_and_file_names_is_shown_literally(tmp_path: Path) -> None:
    folder = hostile_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        assert {r.id for r in listed.rows} == {"markup.md", NAMED, "controls.md", ESCAPED}
        row = row_lines(listed, "markup.md")
        assert "[/bold] [@click=" in row and "[link=file:///etc]" in row

        # The skipped binary file's name is in a warning: shown as written, and clicking it quits nothing.
        await wait_until(pilot, lambda: any(BINARY in plain(t) for t in toasts(pilot)))
        skipped = next(t for t in toasts(pilot) if BINARY in plain(t))
        await click_on(pilot, skipped, ".md: binary")
        still_running(pilot)

        reader = await open_doc(pilot, "markup.md")
        header = shown(reader)
        assert MARKUP in header.splitlines()[0]
        assert f"{LINK} · {MARKUP}, [red]x" in header  # the source, then the tags (cut at the width)
        assert f"weasel body {MARKUP} {RED} {LINK}" in header

        # Its malformed date is reported, quoting the markup, in a toast titled with its id.
        await wait_until(pilot, lambda: any("not an ISO 8601 day" in plain(t) for t in toasts(pilot)))
        warning = next(t for t in toasts(pilot) if "not an ISO 8601 day" in plain(t))
        assert MARKUP in plain(warning) and "markup.md" in plain(warning)
        await click_on(pilot, warning, "' is not")
        await click_on(pilot, reader, f"{RED} [link")
        await click_on(pilot, reader, MARKUP)
        await pilot.press("j", "k", "n", "escape", "j", "k")
        still_running(pilot)

        reader = await open_doc(pilot, NAMED)
        await wait_until(pilot, lambda: any(NAMED in plain(t) for t in toasts(pilot)))
        assert "weasel named by its file" in shown(reader).splitlines()[0]
        still_running(pilot)


async def test_control_characters_in_titles_never_reach_the_screen(tmp_path: Path) -> None:
    folder = hostile_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        row = row_lines(listed, "controls.md")
        assert not RAW.search(row) and "␛]8;;" in row
        reader = await open_doc(pilot, "controls.md")
        title = shown(reader).splitlines()[0]
        assert not RAW.search(title)
        assert "␛]8;;http://evil␇osc␛]8;;␇ ␛[31mred abc zero �2J ␇ end" in title

        # The palette lists every title as text: matched letters styled, nothing read as markup.
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
        await pilot.press(*"open")
        commands = pilot.app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count >= 3)
        prompts = [plain_prompt(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        assert any(MARKUP in p for p in prompts) and any(NAMED in p for p in prompts)
        assert not any(RAW.search(p) for p in prompts) and any("esc␛[2Jname.md" in p for p in prompts)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))

        # A file name with controls titles the warning about its date: shown, not sent.
        await open_doc(pilot, ESCAPED)
        await wait_until(pilot, lambda: any("'nope'" in plain(t) for t in toasts(pilot)))
        warning = next(t for t in toasts(pilot) if "'nope'" in plain(t))
        assert "esc␛[2Jname.md" in plain(warning) and not RAW.search(plain(warning))
        assert not RAW.search(shown(warning))
        still_running(pilot)


def plain_prompt(prompt: Any) -> str:
    return str(getattr(prompt, "plain", prompt))


async def test_a_query_with_markup_is_shown_as_typed(tmp_path: Path) -> None:
    folder = hostile_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        screen = await search(pilot, "weasel")
        listed = screen.query_one(DocumentList)
        box, note = screen.query_one("#search", Input), screen.query_one("#search-message")
        box.value = MARKUP
        await wait_until(pilot, lambda: screen.active_query == MARKUP and "1 result" in plain(note))
        await settle(pilot)
        assert "weasel body [/bold] [@click" in row_lines(listed, "markup.md")
        box.value = "date:[/bold]"  # the explanation quotes the syntax: date:[2019 to 2021]
        await wait_until(pilot, lambda: "-error" in note.classes)
        assert "date:[2019 to 2021]" in plain(note)
        await pilot.click(DocumentList, offset=(3, 1))
        still_running(pilot)


# ---------------------------------------------------------------------- annotations, colours, dialogs


def annotate(folder: Path, doc_id: str, quote: str, **fields: Any) -> Annotation:
    path = (folder / doc_id).resolve()
    stat = path.stat()
    doc = read_document(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    start = doc.text.index(quote)
    annotation = Annotation.create(doc.text, start, start + len(quote), sha256=doc.sha256, **fields)
    AnnotationStore.under(Paths.from_environment().data).save(
        reference(doc.id, doc.path, doc.sha256, doc.title), annotation
    )
    return annotation


async def test_notes_tags_and_colour_names_are_shown_literally(tmp_path: Path) -> None:
    folder = hostile_corpus(tmp_path)
    annotate(folder, "markup.md", "weasel body", note=f"{MARKUP} note \x1b[2J", tags=[MARKUP, RED])
    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(yaml.safe_dump({"colors": {"yellow": MARKUP, "green": RED}}))
    async with app_for([folder]).run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        reader = await open_doc(pilot, "markup.md")
        screen = main_screen(pilot)
        reader.focus()
        await pilot.press("2", "1")  # "Highlight colour: yellow ([/bold] [@click=app.quit])"
        await wait_until(pilot, lambda: any(f"yellow ({MARKUP})" in plain(t) for t in toasts(pilot)))
        reader.go_to(0)
        await wait_until(pilot, lambda: reader.annotation_under_cursor is not None)
        status = plain(screen.query_one("#status-note"))
        assert MARKUP in status and f"#{RED}" in status and "␛[2J" in status

        await pilot.press("A")
        panel = screen.query_one(AnnotationPanel)
        await wait_until(pilot, lambda: panel.option_count == 1)
        entry = plain_prompt(panel.get_option_at_index(0).prompt)
        assert MARKUP in entry and f"#{RED}" in entry and not RAW.search(entry)
        await pilot.press("A")

        reader.focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AnnotationDialog))
        form = pilot.app.screen
        await pilot.pause()
        assert MARKUP in form.query_one("#dialog-note", TextArea).text
        assert not RAW.search(form.query_one("#dialog-note", TextArea).text.replace("\n", ""))
        assert form.query_one("#dialog-tags", Input).value == f"{MARKUP}, {RED}"
        assert plain(form.query_one("#dialog-color", Select).query_one("#label")) == f"1 yellow ({MARKUP})"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        still_running(pilot)


async def test_rename_and_help_dialogs_show_data_as_text(tmp_path: Path) -> None:
    folder = hostile_corpus(tmp_path)
    async with app_for([folder]).run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        result: list[tuple[str, str] | None] = []
        pilot.app.push_screen(RenameTagDialog([MARKUP, RED, "\x1b[2Jtag"], MARKUP), result.append)
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RenameTagDialog))
        await pilot.pause()
        dialog = pilot.app.screen
        assert dialog.query_one("#rename-new", Input).value == MARKUP
        await pilot.click("#rename-old")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("escape")
        await wait_until(pilot, lambda: result == [None])

        keymap = {"app.quit": MARKUP}
        pilot.app.push_screen(HelpScreen([("x", [Binding("q", "quit", "Quit", id="app.quit")])], keymap))
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause()
        assert "[/bold]" in pilot.app.export_screenshot().replace("&#160;", " ")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        still_running(pilot)


# ---------------------------------------------------------------------- nothing to read


async def wait_indexed(pilot: Pilot[Any]) -> MainScreen:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    screen = main_screen(pilot)
    await wait_until(pilot, lambda: screen._index_ready and not screen.indexing)
    await settle(pilot)
    await pilot.pause()
    return screen


async def assert_nothing_to_read(pilot: Pilot[Any], screen: MainScreen, folder: Path) -> None:
    listed = screen.query_one(DocumentList)
    await wait_until(pilot, lambda: "No documents in" in shown(listed))
    assert listed.rows == [] and str(folder.resolve()) in "".join(shown(listed).split())
    assert plain(screen.query_one("#status-corpus")).startswith("no documents")
    await pilot.press("slash", *"weasel")
    note = screen.query_one("#search-message")
    await wait_until(pilot, lambda: screen.active_query == "weasel" and "No documents in" in plain(note))
    await settle(pilot)
    assert "No documents in" in shown(listed) and "-error" not in note.classes
    await pilot.press(*["backspace"] * 6, "escape", "j", "k", "enter", "s")
    await wait_until(pilot, lambda: screen.active_query == "")
    assert "No documents in" in shown(listed)
    assert not any(n.severity == "error" for n in pilot.app._notifications)
    still_running(pilot)


async def test_an_empty_folder_says_so_and_keeps_working(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    async with app_for([folder]).run_test(size=SIZE, notifications=True) as pilot:
        screen = await wait_indexed(pilot)
        await assert_nothing_to_read(pilot, screen, folder)


async def test_a_folder_of_skipped_files_says_so_and_keeps_working(tmp_path: Path) -> None:
    folder = tmp_path / "binaries"
    folder.mkdir()
    (folder / "one.md").write_bytes(b"\x00\x01")
    (folder / BINARY).write_bytes(b"PK\x03\x04\x00\x00")
    async with app_for([folder]).run_test(size=SIZE, notifications=True) as pilot:
        screen = await wait_indexed(pilot)
        await assert_nothing_to_read(pilot, screen, folder)
        skipped = [n.message for n in pilot.app._notifications if n.message.startswith("Skipped")]
        assert skipped and BINARY in skipped[0]


# ---------------------------------------------------------------------- adversarial lines in the reader

MILLION = 1_000_000
INLINE_SHAPES = {
    "unclosed brackets": "[" * MILLION,
    "unclosed links": "[x](" * (MILLION // 4),
    "a long label": "[a" + "a" * MILLION,
    "a long url": "[a](" + "b" * MILLION,
    "a long link title": "[a](b " + "c " * (MILLION // 2),
    "open parentheses": "[a](" + "(" * MILLION,
    "backticks": "`" * MILLION,
    "stars": "*a" * (MILLION // 2),
    "underscores": "_a" * (MILLION // 2),
}


def test_markdown_styling_of_a_long_line_is_linear() -> None:
    # The link pattern backtracked cubically: a few thousand "[x](" hung the reader. A child
    # process, so a regression fails on the timeout instead of hanging the test run.
    code = (
        "from tui.ui.text.document import DocumentLayout\n"
        "import tests.ui.test_hostile_text as t\n"
        "for line in t.INLINE_SHAPES.values():\n"
        "    layout = DocumentLayout(line, line, 80, True)\n"
        "    [layout.row(n) for n in range(40)]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=Path(__file__).parents[2])


def reference_previous_word(text: str, offset: int) -> int:
    """The start of the run of word (or punctuation) characters before ``offset``, blanks skipped."""
    i = offset
    while i > 0 and text[i - 1].isspace():
        i -= 1
    if i == 0:
        return 0
    word = bool(re.match(r"\w", text[i - 1]))
    while i > 0 and not text[i - 1].isspace() and bool(re.match(r"\w", text[i - 1])) == word:
        i -= 1
    return i


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab_ .,!\n\t\u00a0é1中")), max_size=300), st.data())
def test_previous_word_is_the_start_of_the_run_before(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    assert previous_word(text, offset) == reference_previous_word(text, offset)


async def test_long_lines_open_and_move_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "wide"
    folder.mkdir()
    # Quadratic before: the brackets took minutes to style, a word back over the blanks as long.
    (folder / "wide.md").write_text(
        "[" * 200_000 + "\n" + "word" + " " * MILLION + "\nend\n", encoding="utf-8"
    )
    async with app_for([folder]).run_test(size=SIZE) as pilot:
        await ready(pilot)
        start = time.monotonic()
        reader = await open_doc(pilot, "wide.md")
        assert "[[[[" in shown(reader)
        reader.go_to(reader.text.index("\nend"))
        await pilot.press("v", "b")
        await wait_until(pilot, lambda: reader.cursor == reader.text.index("word"))
        assert time.monotonic() - start < 30, "styling or moving over a long line is super-linear"


# ---------------------------------------------------------------------- one-line labels: tabs, bidi, zero-width

LABEL_RAW = re.compile(RAW.pattern[:-1] + "\t\u2066-\u2069\u200b-\u200d\u2060]")
"""What must never reach the terminal in a label: controls, tabs, bidi controls, zero-width characters."""
TRICKY = "tab\t\u202ename.md"


async def test_tabs_bidi_and_zero_width_characters_never_reach_a_label(tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / TRICKY).write_text(
        '---\ntitle: "Tab\\there \\u202eevil\\u200b title"\nsource: "a\\tsource\\u2066x"\n'
        'date: "no\\tpe"\ntags: ["t\\tag", "\\u202erev"]\n---\nweasel body\n',
        encoding="utf-8",
    )
    annotate(folder, TRICKY, "weasel body", note="note\twith\u202e a tab", tags=["n\u200bote", "t\tab"])
    async with app_for([folder]).run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        listed = screen.query_one(DocumentList)
        for y in range(listed.row_height):  # every line of the row: one line of the list's width
            strip = listed.render_line(y)
            assert strip.cell_length == listed.size.width
            assert not LABEL_RAW.search("".join(s.text for s in strip))
        assert "Tab here evil title" in row_lines(listed, TRICKY)

        reader = await open_doc(pilot, TRICKY)
        header = shown(reader).splitlines()[:2]
        assert not LABEL_RAW.search("\n".join(header)) and "Tab here evil title" in header[0]
        await wait_until(pilot, lambda: any("no" in plain(t) and "pe" in plain(t) for t in toasts(pilot)))
        for toast in toasts(pilot):  # the date warning is titled with the file's name
            assert not LABEL_RAW.search(plain(toast)) and not LABEL_RAW.search(shown(toast))
        reader.go_to(0)
        await wait_until(pilot, lambda: reader.annotation_under_cursor is not None)
        assert not LABEL_RAW.search(plain(screen.query_one("#status-note")))

        await pilot.press("A")
        panel = screen.query_one(AnnotationPanel)
        await wait_until(pilot, lambda: panel.option_count == 1)
        assert not LABEL_RAW.search(plain_prompt(panel.get_option_at_index(0).prompt))
        await pilot.press("A")

        await pilot.press("ctrl+p", *"open tab")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
        commands = pilot.app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count >= 1)
        prompts = [plain_prompt(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        assert any("Tab here evil title" in p for p in prompts)
        assert not any(LABEL_RAW.search(p) for p in prompts)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))

        await pilot.press("B")
        await wait_until(pilot, lambda: len(getattr(pilot.app.screen, "records", ())) == 1)
        browser = pilot.app.screen
        table = browser.query_one("#browser-table", DataTable)
        cells = [str(getattr(c, "plain", c)) for c in table.get_row_at(0)]
        # cells are cut to their column's width (…): the start of each says the tab became a space
        assert any(c.startswith("Tab here ev") for c in cells) and any(
            c.startswith("note with ") for c in cells
        )
        chart = plain(browser.query_one("#browser-chart", Static))
        assert "t ab" in chart
        assert not any(LABEL_RAW.search(c) for c in [*cells, chart])
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RenameTagDialog))
        await pilot.press("ctrl+u", *"renamed", "enter")  # the toast quotes the old tag
        await wait_until(pilot, lambda: any("Renamed" in plain(t) for t in toasts(pilot)))
        assert not any(LABEL_RAW.search(plain(t)) for t in toasts(pilot))
        still_running(pilot)
