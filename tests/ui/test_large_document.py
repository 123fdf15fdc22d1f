"""The shortcuts that let a 5 MB document open at once give what the careful paths give: the
fast pass that cuts Markdown into chunks, the bisection that cuts source into pieces, the layout
that sanitizes a chunk at a time and takes the chunks its reader's worker cut (tui.ui.text, no
app)."""

from __future__ import annotations

import random
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.sanitize import has_unsafe, visible
from tui.ui.text import blocks, document
from tui.ui.text.blocks import Chunks, plain_chunks
from tui.ui.text.document import DocumentLayout
from tui.ui.text.rows import Row

LINES = st.sampled_from(
    [
        "",
        "",
        "Prose at the margin",
        "more prose",
        "# Heading",
        "## Heading ##",
        "Title",
        "===",
        "---",
        "- item",
        "* item",
        "+ item",
        "1. item",
        "2) item",
        "  continued",
        "    code",
        "\tcode",
        "```",
        "```python",
        "~~~",
        "<!-- comment",
        "-->",
        "<!-- whole -->",
        "> quote",
        "| a | b |",
        "|---|---|",
        "[ref]: http://example.com",
        "see [ref] and *emph*",
        "Zed \x1b[31mred\x1b[0m",
        "carriage\r return",
        "中文 and café",
        "e\u0301 \U0001f600",
    ]
)
DOCUMENTS = st.lists(LINES, max_size=60).map("\n".join)


@settings(max_examples=400)
@given(DOCUMENTS)
def test_the_fast_markdown_cut_is_the_careful_one(text: str) -> None:
    assert blocks._markdown_chunks(text, fast=True) == blocks._markdown_chunks(text, fast=False)


def _pieces_line_by_line(text: str) -> Chunks:
    """Source cut into pieces as it was, a line at a time (the reference for the bisection)."""
    chunks = Chunks(line_lengths=[len(line) for line in text.split("\n")])
    offsets = blocks._line_offsets(chunks.line_lengths)
    line, last = 0, len(chunks.line_lengths)
    while line < last:
        stop, size = line, 0
        while (
            stop < last and stop - line < blocks.PIECE_LINES and (size < blocks.PIECE_CHARS or stop == line)
        ):
            size += chunks.line_lengths[stop] + 1
            stop += 1
        chunks._add(offsets[line], offsets[stop] if stop < len(offsets) else offsets[-1], False, line)
        line = stop
    blocks._close(chunks, len(text))
    return chunks


@settings(max_examples=300)
@given(
    st.lists(st.text(alphabet="ab \t", max_size=30), max_size=40).map("\n".join),
    st.integers(1, 5),
    st.integers(1, 40),
)
def test_source_pieces_by_bisection_are_those_line_by_line(text: str, lines: int, chars: int) -> None:
    with mock.patch.multiple(blocks, PIECE_LINES=lines, PIECE_CHARS=chars):
        assert plain_chunks(text) == _pieces_line_by_line(text)


def _all_rows(layout: DocumentLayout, order: list[int]) -> list[Row]:
    for chunk in order:  # laid out in this order: some before the whole display is made, some after
        layout.links_in(chunk)
    return [layout.row(line) for line in range(layout.line_count)]


@settings(max_examples=200)
@given(DOCUMENTS, st.booleans(), st.integers(8, 60), st.randoms(use_true_random=False))
def test_a_layout_sanitizing_by_chunk_draws_what_the_whole_display_draws(
    text: str, markdown: bool, width: int, rng: random.Random
) -> None:
    careful = DocumentLayout(text, visible(text), width, markdown)
    lazy = DocumentLayout(text, None, width, markdown)
    order = list(range(len(lazy.chunks.starts)))
    rng.shuffle(order)
    rows = _all_rows(lazy, order)
    assert rows == _all_rows(careful, list(range(len(careful.chunks.starts))))
    assert not any(char in row.text for row in rows for char in "\x1b\r")


@given(DOCUMENTS, st.booleans())
def test_a_layout_carries_on_the_cut_prepared_for_its_text(text: str, markdown: bool) -> None:
    document.prepare(text, markdown)
    prepared = DocumentLayout(text, None, 40, markdown)
    assert prepared._cutter is document._prepared[markdown]
    cut_now = DocumentLayout("".join(list(text)), None, 40, markdown)  # an equal text, another object
    assert (cut_now._cutter is prepared._cutter) == (cut_now.text is text)  # ("" is one object)
    assert prepared.chunks == cut_now.chunks
    assert prepared._cutter.references == cut_now._cutter.references


@given(DOCUMENTS, st.booleans())
def test_no_control_character_reaches_a_row_even_when_a_chunk_is_misjudged(text: str, markdown: bool) -> None:
    """The last guard: were a chunk judged clean wrongly (or the layout to look past it), a row
    holding a control character is drawn again from the sanitized text."""
    real = has_unsafe

    def chunk_always_clean(text: str, start: int = 0, end: int | None = None) -> bool:
        return False if end is not None else real(text, start, end)

    with mock.patch.object(document, "has_unsafe", chunk_always_clean):
        layout = DocumentLayout(text, None, 40, markdown)
        rows = [layout.row(line) for line in range(layout.line_count)]
    assert rows == _all_rows(DocumentLayout(text, visible(text), 40, markdown), [])
    assert not any(real(row.text) for row in rows)
