"""A large document is cut into chunks only as far as it is shown (``blocks.Cutter``), and the
rest when the reader is idle or a jump needs it: whatever the steps, the chunks, headings, rows
and the map from every drawn character to its offset are those of a cut made at once; and the
first screen of a large document neither cuts, nor sanitizes, nor lays out the whole text."""

from __future__ import annotations

import random
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.ui.test_large_document import DOCUMENTS
from tui.core.sanitize import visible
from tui.ui.text import blocks, document, markdown
from tui.ui.text.blocks import Cutter, markdown_chunks, plain_chunks
from tui.ui.text.document import DocumentLayout
from tui.ui.text.outline import Outline
from tui.ui.widgets.reader import Header, Reader

ESCAPE = "\x1b[31mred\x1b[0m"


def _cut_in_steps(text: str, markdown: bool, rng: random.Random) -> Cutter:
    cut = Cutter(text, markdown)
    while not cut.complete:
        cut.advance(cut.cut_to + rng.randint(0, 12))
        assert cut.chunks.ends[-1] == cut.cut_to and cut.chunks.starts[0] == 0
    return cut


@settings(max_examples=300)
@given(DOCUMENTS, st.booleans(), st.integers(1, 40), st.randoms(use_true_random=False))
def test_a_cut_in_any_steps_is_the_cut_made_at_once(
    text: str, markdown: bool, segment: int, rng: random.Random
) -> None:
    whole = markdown_chunks(text) if markdown else plain_chunks(text)
    with mock.patch.object(blocks, "SEGMENT", segment):
        assert _cut_in_steps(text, markdown, rng).chunks == whole


@settings(max_examples=60)
@given(st.integers(1, 6), st.integers(1, 50), st.randoms(use_true_random=False))
def test_source_pieces_cut_in_steps_are_the_pieces_cut_at_once(
    lines: int, segment: int, rng: random.Random
) -> None:
    text = "\n".join("ab " * rng.randint(0, 5) for _ in range(rng.randint(0, 30)))
    with mock.patch.multiple(blocks, PIECE_LINES=lines, PIECE_CHARS=rng.randint(1, 30)):
        whole = plain_chunks(text)
        with mock.patch.object(blocks, "SEGMENT", segment):
            assert _cut_in_steps(text, False, rng).chunks == whole


@settings(max_examples=150)
@given(DOCUMENTS, st.booleans(), st.integers(8, 60), st.randoms(use_true_random=False))
def test_rows_and_their_offsets_are_right_however_far_the_text_is_cut(
    text: str, markdown: bool, width: int, rng: random.Random
) -> None:
    """Rows asked for in any order (some in the part not cut yet) are the rows of a layout of
    the whole cut: the same characters, each mapped to the same offset in the text."""
    reference = DocumentLayout(text, None, width, markdown)
    reference.chunks  # noqa: B018 - cut whole first
    while not reference.complete:
        reference.lay_out_pending(1)
    expected = [reference.row(line) for line in range(reference.line_count)]
    with mock.patch.object(blocks, "SEGMENT", rng.randint(1, 30)):
        lazy = DocumentLayout("".join(list(text)), None, width, markdown)  # its own cut
        probes = [rng.randrange(len(text) + 1) for _ in range(3)]
        for offset in probes:  # a jump into the part not cut: it is cut on to there
            lazy.row(lazy.line_of(offset))
            assert lazy.cut_complete or lazy._cutter.cut_to > offset
        while not lazy.complete:
            lazy.lay_out_pending(1)
    assert [lazy.row(line) for line in range(lazy.line_count)] == expected
    for offset in range(len(text)):
        stop = reference.stop_at_or_after(offset)
        assert lazy.stop_at_or_after(offset) == stop
        if stop is not None:
            assert lazy.row(lazy.line_of(stop)).position_of(stop) is not None


@settings(max_examples=100)
@given(DOCUMENTS, st.randoms(use_true_random=False))
def test_the_outline_knows_every_heading_before_the_cursor(text: str, rng: random.Random) -> None:
    headings = markdown_chunks(text).headings
    with mock.patch.object(blocks, "SEGMENT", 5):
        outline = Outline(Cutter("".join(list(text)), True))
        for offset in sorted(rng.randrange(len(text) + 1) for _ in range(4)):
            before = [h for h in headings if h.offset <= offset]
            section = outline.section_at(offset)
            assert section == len(before) - 1
            assert outline.title(section) == (before[-1].title if before else None)
        assert outline.all() == headings


def _large(megabytes: float = 3.0) -> str:
    """Markdown prose with headings, a link reference at its end and an escape two-thirds down."""
    block = "## Part {n}\n\nSome *words* and a [link][ref] over\ntwo lines, the end.\n\n- a\n- b\n\n"
    parts = [block.replace("{n}", str(n)) for n in range(int(megabytes * 1_000_000) // len(block))]
    parts[len(parts) * 2 // 3] += f"A stray {ESCAPE} here.\n\n"
    return "".join(parts) + "[ref]: http://example.org/ref\n"


def test_the_first_screen_cuts_sanitizes_and_lays_out_only_the_start() -> None:
    text = _large()
    with (
        mock.patch("tui.ui.text.document.visible", wraps=visible) as sanitized,
        mock.patch("tui.ui.text.markdown.render", wraps=markdown.render) as rendered,
    ):
        document.prepare(text, True)
        layout = DocumentLayout(text, None, 88, True)
        rows = [layout.row(line) for line in range(34)]
        assert rows[0].text == "Part 0" and any(r.text.startswith("Some words and a link") for r in rows)
        assert layout._cutter.cut_to < len(text) // 20 and not layout.cut_complete
        assert sanitized.call_count == 0 and rendered.call_count < 20
        assert layout.line_count > 30 * len(text) // 1000  # the rest estimated, not dropped
        # the reference defined at the very end already makes a link of the first screen's [link][ref]
        assert layout.link_at(text.index("[link]")) is not None
        far = text.index(ESCAPE)
        row = layout.row(layout.line_of(far))  # a jump past the cut: cut on, sanitized there
        assert "␛" in row.text and "\x1b" not in row.text and row.position_of(far) is not None
        assert sanitized.call_count == 1


class OneReader(App[None]):
    def compose(self) -> ComposeResult:
        yield Reader(id="reader")


async def opened(pilot: Pilot[None], text: str) -> Reader:
    """The reader of ``OneReader``, showing ``text`` (prepared, as the reading worker does)."""
    document.prepare(text, True)
    reader = pilot.app.query_one(Reader)
    reader.load("large.md", text, Header("Large", ""))
    reader.focus()
    await pilot.pause()
    return reader


async def test_the_reader_paints_a_large_document_before_cutting_it_and_cuts_the_rest_when_idle() -> None:
    async with OneReader().run_test(size=(120, 36)) as pilot:
        reader = await opened(pilot, _large())
        assert reader.lines_rendered > 0
        layout: Any = reader._layout
        assert not layout.cut_complete  # painted from the start's chunks
        for _ in range(200):
            if layout.cut_complete:
                break
            await pilot.pause(0.02)
        assert layout.cut_complete and layout is reader._layout


async def test_n_and_N_land_on_hits_past_the_part_cut() -> None:
    text = _large()
    async with OneReader().run_test(size=(120, 36)) as pilot:
        reader = await opened(pilot, text)
        hits = [(at, at + 3) for at in (text.index("the end", len(text) * k // 5) for k in range(1, 5))]
        reader.set_hits(hits, jump=False)
        assert not reader._layout.cut_complete
        reader.action_previous_hit()  # from the top: round to the last hit, far past the cut
        assert reader.cursor == hits[-1][0] and reader.current_hit == len(hits) - 1
        for index in range(len(hits)):
            reader.action_next_hit()
            assert reader.cursor == hits[index][0] and reader.current_hit == index
            row = reader.row(reader.line_of(reader.cursor))
            assert row.position_of(reader.cursor) is not None
            assert "the end" in row.text
        await pilot.pause()


async def test_the_first_frame_of_a_large_document_is_its_only_one() -> None:
    """The rows of the first screen are laid out before the scrollbar's size is taken, so their
    exact counts do not call for a second frame right after the first."""
    text = _large()
    document.prepare(text, True)
    app = OneReader()
    async with app.run_test(size=(120, 36)) as pilot:
        reader = app.query_one(Reader)
        await pilot.pause()
        reader.load("large.md", text, Header("Large", ""))
        await pilot.pause(0.05)  # (before the idle steps, which may resize the scrollbar)
        assert 0 < reader.lines_rendered <= reader.size.height
