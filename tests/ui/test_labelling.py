"""Pilot tests of labelling mode: 50 spans labelled from the keyboard (keystrokes counted, time
printed), undo, overlapping labels drawn apart, pre-annotation with accept and reject, the label
set dialog, the footer, the help and a label file with problems."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.style import Style
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select

from tests.seeds import CHINA
from tests.ui.helpers import SIZE, app_for, ready, search, wait_until
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation
from tui.core.labels import LabelSet, labels_file, load_labels, save_labels
from tui.core.paths import Paths, bundled_seeds
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.labels import LabelSetDialog, PreannotateDialog
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.reader import Reader
from tui.ui.widgets.status_bar import NoteLabel

LABELS = (
    LabelSet().add("claim", "a").add("evidence", "s", "green").add("method", "d", "blue").add("entity", "f")
)
WORDS = ("tomatoes", "basil", "onions", "carrots", "leeks", "beans", "squash", "garlic", "peas", "kale")


def field_notes() -> tuple[str, list[str]]:
    """A document of 60 sentences in 12 paragraphs, and its sentences."""
    sentences = [
        f"{WORDS[n % 10].capitalize()} in bed {n} grew {n + 3} centimetres after the rain of week {n // 5}."
        for n in range(60)
    ]
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, 60, 5)]
    return "# Field notes\n\n" + "\n\n".join(paragraphs) + "\n", sentences


@pytest.fixture
def notes_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    text, _ = field_notes()
    (folder / "field-notes.md").write_text(text, encoding="utf-8")
    return folder


def use_labels(roots: list[Path], labels: LabelSet = LABELS) -> Path:
    path = labels_file(Paths.from_environment().config, [r.resolve() for r in roots])
    save_labels(path, labels)
    return path


def saved(screen: MainScreen) -> tuple[Annotation, ...]:
    annotations = screen.annotating.annotations
    return annotations.annotations if annotations else ()


async def open_doc(pilot: Pilot[Any], doc_id: str) -> tuple[MainScreen, Reader]:
    screen = await ready(pilot)
    listed = screen.query_one(DocumentList)
    listed.focus()
    index = [r.id for r in listed.rows].index(doc_id)
    await pilot.press("g", *["j"] * index, "enter")
    reader = screen.query_one(Reader)
    await wait_until(pilot, lambda: reader.doc_id == doc_id and screen.document is not None)
    await wait_until(pilot, lambda: len(screen.labelling.labels) > 0 or not labels_exist(screen))
    await pilot.pause()
    return screen, reader


def labels_exist(screen: MainScreen) -> bool:
    return screen.labelling.file.path.exists()


def selected(reader: Reader) -> str:
    span = reader.selection
    return reader.text[span[0] : span[1]] if span else ""


def cell_style(reader: Reader, offset: int) -> Style:
    line = reader.line_of(offset)
    strip = reader.render_line(line + reader.header_lines - round(reader.scroll_y))
    column = reader.text_column + reader.row(line).cell_of(offset)
    cells = 0
    for segment in strip:
        if cells <= column < cells + segment.cell_length:
            return segment.style or Style()
        cells += segment.cell_length
    raise AssertionError(f"offset {offset} is not drawn")


def status_note(screen: MainScreen) -> tuple[str, tuple[str, ...]]:
    label = screen.query_one(NoteLabel)
    return label._note, label._tags


def footer_keys(screen: MainScreen) -> dict[str, str]:
    return {key: b.binding.description for key, b in screen.active_bindings.items() if b.binding.show}


# ---------------------------------------------------------------------- labelling 50 spans


async def test_fifty_spans_are_labelled_from_the_keyboard(notes_corpus: Path) -> None:
    use_labels([notes_corpus])
    text, sentences = field_notes()
    async with app_for([notes_corpus]).run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot, "field-notes.md")
        keys: list[str] = []

        async def press(*typed: str) -> None:
            keys.extend(typed)
            await pilot.press(*typed)

        started = time.perf_counter()
        await press("L")
        assert screen.labelling.active and selected(reader) == "Field notes"  # the heading, proposed
        await press("right_parenthesis")  # ) skips it: the first sentence is proposed
        assert selected(reader) == sentences[0]
        expected: list[tuple[str, str]] = []
        cycle = "asd"
        for n in range(45):  # 45 sentences, one key each, three of them skipped first with )
            if n in (10, 20, 30):
                await press("right_parenthesis")
            index = n + sum(n >= skip for skip in (10, 20, 30))
            assert selected(reader) == sentences[index], n
            key = cycle[n % 3]
            await press(key)
            expected.append((sentences[index], LABELS.by_key(key).name))  # type: ignore[union-attr]
        for n in range(5):  # then five words: v, e to the end of the word, f
            word = sentences[48 + n].split()[0]
            assert reader.text.startswith(word, reader.cursor)
            await press("v", "e", "f")
            expected.append((word, "entity"))
        await wait_until(pilot, lambda: len(saved(screen)) == 50)
        elapsed = time.perf_counter() - started
        stored = AnnotationStore.under(Paths.from_environment().data).load(notes_corpus / "field-notes.md")
        assert stored is not None and len(stored.annotations) == 50
        got = sorted(
            ((a.target.exact, a.tags[0]) for a in stored.annotations), key=lambda p: text.index(p[0])
        )
        assert got == sorted(expected, key=lambda p: text.index(p[0]))
        for annotation in stored.annotations:
            assert text[annotation.start : annotation.end] == annotation.target.exact
            label = LABELS.get(annotation.tags[0])
            assert label is not None and annotation.color == label.color
            assert not annotation.suggested and annotation.annotator
        print(  # the figures the issue asks for (no assertion on time)
            f"\nlabelled 50 spans with {len(keys)} keystrokes ({len(keys) / 50:.2f} a span) "
            f"in {elapsed:.2f} s under Pilot ({elapsed / 50 * 1000:.0f} ms a span, saving included)"
        )
        assert len(keys) == 1 + 1 + 3 + 45 + 15


async def test_labels_are_made_by_the_configured_annotator_and_undone_with_u() -> None:
    paths = Paths.from_environment()
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(yaml.safe_dump({"annotator": "ada"}), encoding="utf-8")
    use_labels([bundled_seeds()])
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot, CHINA)
        await pilot.press("L", "right_curly_bracket", "right_curly_bracket")  # } } to the first paragraph
        first = selected(reader)
        assert first.startswith("As blockchain technology")
        await pilot.press("a")
        second = selected(reader)
        await pilot.press("s")
        await wait_until(pilot, lambda: len(saved(screen)) == 2)
        assert {a.annotator for a in saved(screen)} == {"ada"}
        assert [(a.target.exact, a.tags) for a in saved(screen)] == [
            (first, ("claim",)),
            (second, ("evidence",)),
        ]
        await pilot.press("u")  # the last label goes, and the cursor is back on its sentence
        await wait_until(pilot, lambda: len(saved(screen)) == 1)
        assert selected(reader) == second
        await pilot.press("d")  # labelled again, differently
        await wait_until(pilot, lambda: len(saved(screen)) == 2)
        assert saved(screen)[1].tags == ("method",) and saved(screen)[1].target.exact == second


async def test_footer_status_line_and_escape_say_when_the_mode_is_on() -> None:
    use_labels([bundled_seeds()])
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot, CHINA)
        assert footer_keys(screen).get("a") == "Annotate" and not screen.query_one("#status-mode").display
        await pilot.press("L")
        shown = footer_keys(screen)
        assert (shown["a"], shown["s"], shown["d"], shown["f"]) == ("claim", "evidence", "method", "entity")
        assert shown["escape"] == "End labelling"
        mode = screen.query_one("#status-mode")
        assert mode.display and str(mode.render()) == "LABELLING"
        await pilot.press("v", "w")  # a selection of my own: escape drops it first
        assert reader.selection_anchor is not None
        await pilot.press("escape")
        assert reader.selection_anchor is None and screen.labelling.active
        assert selected(reader)  # the proposal is back
        await pilot.press("escape")
        assert not screen.labelling.active and reader.selection is None and not mode.display
        assert footer_keys(screen).get("a") == "Annotate" and screen.focused is reader


async def test_help_lists_the_label_keys() -> None:
    use_labels([bundled_seeds()])
    async with app_for().run_test(size=(150, 200)) as pilot:
        await open_doc(pilot, CHINA)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = [(where, *row) for where, bindings in help_screen.groups for row in help_screen.rows(bindings)]
        labelling = {keys: what for where, keys, what, _ in rows if where == "labelling"}
        assert labelling["a"] == "Label claim (yellow)" and labelling["s"] == "Label evidence (green)"
        assert labelling["L"].startswith("Labelling mode on or off")
        assert "P" in labelling and "x" in labelling and "esc" in labelling


# ---------------------------------------------------------------------- overlapping labels


async def test_nested_and_overlapping_labels_are_drawn_apart_and_all_listed() -> None:
    use_labels([bundled_seeds()])
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot, CHINA)
        await pilot.press("L", "right_curly_bracket", "right_curly_bracket")
        sentence = selected(reader)
        start = reader.text.index(sentence)
        await pilot.press("a")  # the sentence: claim
        await wait_until(pilot, lambda: len(saved(screen)) == 1)
        reader.go_to(start + 3)  # "blockchain technology", inside it: evidence
        await pilot.press("v", "e", "w", "e", "s")
        await wait_until(pilot, lambda: len(saved(screen)) == 2)
        inner = next(a for a in saved(screen) if a.tags == ("evidence",))
        assert inner.target.exact == "blockchain technology"
        reader.go_to(0)  # out of both: neither is current (drawn bold and underlined)
        await pilot.pause()
        outside, nested = cell_style(reader, start), cell_style(reader, inner.start + 2)
        assert not outside.underline and nested.underline  # where two overlap: underlined
        claim, evidence = (
            reader.get_component_rich_style(f"reader--{c}").bgcolor for c in ("yellow", "green")
        )
        assert outside.bgcolor == claim and nested.bgcolor == evidence
        reader.go_to(inner.start + 2)
        await pilot.pause()
        assert status_note(screen)[1] == ("claim", "evidence")  # every label under the cursor, outer first


# ---------------------------------------------------------------------- pre-annotation


async def preannotate(
    pilot: Pilot[Any], phrase: str, label: str | None = None, everywhere: bool = False
) -> None:
    await pilot.press("P")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PreannotateDialog))
    dialog = pilot.app.screen
    assert isinstance(dialog, PreannotateDialog)
    await pilot.pause()
    if label is not None:
        dialog.query_one("#pre-label", Select).value = label
    if everywhere:
        dialog.query_one("#pre-everywhere", Checkbox).value = True
    dialog.query_one("#pre-phrase", Input).value = phrase
    dialog.query_one("#pre-phrase", Input).focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


async def test_preannotation_suggests_then_enter_accepts_and_x_rejects() -> None:
    use_labels([bundled_seeds()])
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot, CHINA)
        text = reader.text
        lower = text.lower()
        whole = [
            i
            for i in range(len(text))
            if lower.startswith("blockchain", i) and not lower[i + 10 : i + 11].isalpha()
        ]
        await pilot.press("L")
        await preannotate(pilot, "blockchain", "method")
        await wait_until(pilot, lambda: len(saved(screen)) == len(whole))
        assert all(a.suggested and a.tags == ("method",) and a.color == "blue" for a in saved(screen))
        assert sorted(a.start for a in saved(screen)) == whole  # whole words only ("blockchains" is not)
        assert all(text[a.start : a.end].lower() == "blockchain" for a in saved(screen))
        first, second, third = sorted(saved(screen), key=lambda a: a.start)[:3]
        reader.go_to(first.start)
        await pilot.pause()
        style = cell_style(reader, first.start + 1)
        assert style.italic and style.bgcolor != reader.get_component_rich_style("reader--blue").bgcolor
        assert "enter accepts" in status_note(screen)[0] and status_note(screen)[1] == ("method?",)
        await pilot.press("enter")  # accepted, and on to the next suggestion
        await wait_until(pilot, lambda: not next(a for a in saved(screen) if a.id == first.id).suggested)
        assert reader.cursor == second.start
        await pilot.press("x")  # rejected: deleted
        await wait_until(pilot, lambda: all(a.id != second.id for a in saved(screen)))
        assert reader.cursor == third.start
        assert not cell_style(reader, first.start + 1).italic
        count = len(saved(screen))
        await preannotate(pilot, "blockchain", "method")  # again: only the rejected one comes back
        said = f"1 suggestion of method; {len(whole) - 1} passages had it already"
        await wait_until(pilot, lambda: any(said in n.message for n in pilot.app._notifications))
        await wait_until(pilot, lambda: len(saved(screen)) == count + 1)
        count += 1
        await preannotate(pilot, "China", "entity")
        await wait_until(pilot, lambda: any(a.tags == ("entity",) for a in saved(screen)))
        entities = sum(a.tags == ("entity",) for a in saved(screen))
        assert entities == len(
            [i for i in range(len(text)) if text.startswith("China", i) and not text[i + 5].isalpha()]
        )
        await pilot.press("u")  # the whole pre-annotation is one undo
        await wait_until(pilot, lambda: len(saved(screen)) == count)


async def test_preannotation_takes_the_search_hits_when_no_phrase_is_given() -> None:
    use_labels([bundled_seeds()])
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "government")
        listed = screen.query_one(DocumentList)
        listed.focus()
        index = [r.id for r in listed.rows].index(CHINA)
        await pilot.press(*["down"] * index, "enter")
        reader = screen.query_one(Reader)
        await wait_until(
            pilot, lambda: reader.doc_id == CHINA and bool(reader.hits) and screen.document is not None
        )
        hits = list(reader.hits)
        reader.focus()
        await pilot.press("L")
        assert selected(reader).lower().startswith("government")  # on a hit: the hit is proposed
        await preannotate(pilot, "", "claim", everywhere=True)
        await wait_until(pilot, lambda: len(saved(screen)) == len(hits))
        assert sorted((a.start, a.end) for a in saved(screen)) == sorted(hits)
        others = [r.id for r in listed.rows if r.id != CHINA]
        store = AnnotationStore.under(Paths.from_environment().data)
        for doc_id in others:  # every document the search matched got its suggestions too
            found = store.load(bundled_seeds() / doc_id)
            assert found is not None and found.annotations and all(a.suggested for a in found.annotations)


async def test_with_hits_labelling_moves_from_hit_to_hit() -> None:
    use_labels([bundled_seeds()])
    async with app_for().run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await search(pilot, "government")
        listed = screen.query_one(DocumentList)
        listed.focus()
        await pilot.press(*["down"] * [r.id for r in listed.rows].index(CHINA), "enter")
        reader = screen.query_one(Reader)
        await wait_until(
            pilot, lambda: reader.doc_id == CHINA and bool(reader.hits) and screen.document is not None
        )
        hits = list(reader.hits)
        reader.focus()
        await pilot.press("L", "f", "f", "f")
        await wait_until(pilot, lambda: len(saved(screen)) == 3)
        assert [(a.start, a.end) for a in saved(screen)] == hits[:3]


# ---------------------------------------------------------------------- the label set


async def test_the_label_set_dialog_adds_changes_and_removes_labels() -> None:
    async with app_for().run_test(size=SIZE) as pilot:
        screen, reader = await open_doc(pilot, CHINA)
        await pilot.press("L")  # no labels yet: the dialog opens
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, LabelSetDialog))
        dialog = pilot.app.screen
        assert isinstance(dialog, LabelSetDialog)
        await pilot.pause()
        await pilot.press(*"claim", "tab", "c", "enter")
        await pilot.press(*"evidence", "tab", "j", "enter")  # j is a motion: refused
        assert "the key 'j' is a motion" in str(dialog.query_one("#labels-error").render())
        dialog.query_one("#label-key", Input).value = "s"
        await pilot.press("enter")
        assert dialog.labels.names == ("claim", "evidence")
        table = dialog.query_one(DataTable)
        table.focus()
        await pilot.press("down")  # evidence: in the form, to change
        assert dialog.editing == "evidence"
        dialog.query_one("#label-description", Input).value = "What supports a claim"
        await pilot.press("enter", "enter")  # to the form, then apply
        assert dialog.labels.get("evidence").description == "What supports a claim"  # type: ignore[union-attr]
        dialog.query_one(DataTable).focus()
        await pilot.press("up", "ctrl+d")  # claim removed
        assert dialog.labels.names == ("evidence",)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.labelling.labels.names == ("evidence",))
        found = load_labels(screen.labelling.file.path)
        assert [(x.name, x.key, x.description) for x in found.labels] == [
            ("evidence", "s", "What supports a claim")
        ]
        assert footer_keys(screen)["s"] == "evidence"  # bound at once
        reader.focus()
        await pilot.press("s")
        await wait_until(pilot, lambda: len(saved(screen)) == 1)


async def test_a_label_file_with_problems_is_reported_and_not_changed_from_the_app() -> None:
    path = labels_file(Paths.from_environment().config, [bundled_seeds()])
    path.parent.mkdir(parents=True)
    text = "labels:\n  - {name: claim, key: j}\n  - {name: evidence, key: s}\n"
    path.write_text(text, encoding="utf-8")
    async with app_for().run_test(size=SIZE) as pilot:
        screen, _ = await open_doc(pilot, CHINA)
        await wait_until(pilot, lambda: any("is a motion" in n.message for n in pilot.app._notifications))
        assert screen.labelling.labels.names == ("claim", "evidence")  # used as far as it can be
        screen.labelling.edit_labels()
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, LabelSetDialog))
        await pilot.pause()
        dialog = pilot.app.screen
        assert dialog.query_one("#label-name", Input).disabled
        assert "Fix the file" in str(dialog.query_one("#labels-problems").render())
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
        assert path.read_text(encoding="utf-8") == text
