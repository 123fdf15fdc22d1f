"""Markdown layout without an app (tui.ui.text): every drawn character maps back to its offset in the
document, markers are hidden, hits and highlights land on the right characters; chunking, the lazy
document layout, headings, find and cursor navigation."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.sanitize import visible
from tui.ui.text import markdown, navigate
from tui.ui.text.blocks import markdown_chunks, plain_chunks
from tui.ui.text.document import DocumentLayout
from tui.ui.text.find import FindError, Targets, describe, find_all, parse
from tui.ui.text.markdown_blocks import ChunkRenderer
from tui.ui.text.rows import NOWHERE, Row
from tui.ui.widgets import motions

MARKERS = set("*_`[]()<>~#|!\\")


def render(text: str, width: int = 60) -> list[Row]:
    return markdown.render(text, visible(text), 0, len(text), width)


def layout_rows(text: str, width: int = 60, is_markdown: bool = True) -> list[Row]:
    layout = DocumentLayout(text, visible(text), width, is_markdown)
    rows, line = [], 0
    while line < layout.line_count:  # the count becomes exact as rows are laid out
        rows.append(layout.row(line))
        line += 1
    return rows


def shown(rows: list[Row]) -> list[str]:
    return [row.text.rstrip() for row in rows]


def drawn_for(rows: list[Row], low: int, high: int) -> str:
    """The characters drawn for offsets ``[low, high)``, in order (what a hit or highlight paints)."""
    return "".join(row.text[a:b] for row in rows for a, b in row.spans(low, high))


def check_map(text: str, rows: list[Row]) -> None:
    """Every drawn character stands for its source (or for a newline or tab as blanks), offsets grow,
    and no Markdown marker is drawn unless escaped."""
    last = -1
    for row in rows:
        assert len(row.text) == len(row.sources)
        drawn = [s for s in row.sources if s != NOWHERE]
        if drawn:
            assert (row.start, row.end) == (drawn[0], drawn[-1] + 1)
        if isinstance(row.sources, range):
            code = set(range(len(row.text)))  # drawn as written (a table too wide for the measure)
        else:
            code = {i for a, b, c in row.styles if c == "reader--code" for i in range(a, b)}
        for i, (char, source) in enumerate(zip(row.text, row.sources, strict=True)):
            if source == NOWHERE:
                continue
            assert source >= last, "offsets only grow"
            last = source
            original = text[source]
            if original in "\n\t":
                assert char == " "
            elif original == "&":
                continue  # an entity: its characters stand on its first
            else:
                assert char == visible(original)
                if original in MARKERS and i not in code:
                    assert source > 0 and text[source - 1] == "\\", f"marker {original!r} drawn at {source}"


# ---------------------------------------------------------------------- generated documents


@dataclass
class Doc:
    text: str = ""
    words: list[tuple[int, str]] = field(default_factory=list)
    """Each content word and where it starts: every one must be drawn, whole, on its offsets."""

    def add(self, piece: str, words: list[tuple[int, str]]) -> None:
        self.words += [(len(self.text) + at, word) for at, word in words]
        self.text += piece


WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=8)


@st.composite
def inline(draw: st.DrawFn, lines: int = 1) -> tuple[str, list[tuple[int, str]]]:
    """Inline Markdown (one or more lines) and its words with their offsets."""
    text, words = "", []
    for line in range(lines):
        if line:
            text += "\n"
        for n in range(draw(st.integers(1, 6))):
            word = draw(WORDS)
            kind = draw(
                st.sampled_from(["plain", "em", "strong", "code", "link", "strike", "escape", "entity"])
            )
            if n:
                text += " "
            before, after = {
                "plain": ("", ""),
                "em": ("*", "*"),
                "strong": ("**", "**"),
                "code": ("`", "`"),
                "link": ("[", "](http://example.org/x)"),
                "strike": ("~~", "~~"),
                "escape": ("\\*", ""),
                "entity": ("&amp;", ""),
            }[kind]
            words.append((len(text) + len(before), word))
            text += before + word + after
    return text, words


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    doc = Doc()
    for n in range(draw(st.integers(1, 7))):
        if n:
            doc.add("\n\n", [])
        kind = draw(
            st.sampled_from(["heading", "paragraph", "bullets", "numbers", "quote", "code", "table", "rule"])
        )
        if kind == "heading":
            body, words = draw(inline())
            marks = "#" * draw(st.integers(1, 6)) + " "
            doc.add(marks + body, [(at + len(marks), w) for at, w in words])
        elif kind == "paragraph":
            doc.add(*draw(inline(draw(st.integers(1, 3)))))
        elif kind in ("bullets", "numbers", "quote"):
            for item in range(draw(st.integers(1, 3))):
                marker = {"bullets": "- ", "numbers": f"{item + 1}. ", "quote": "> "}[kind]
                nested = kind == "bullets" and item > 0 and draw(st.booleans())
                marker = ("  " + marker) if nested else marker
                body, words = draw(inline())
                doc.add(
                    ("\n" if item else "") + marker + body,
                    [(at + len(marker) + (1 if item else 0), w) for at, w in words],
                )
        elif kind == "code":
            lines = draw(st.lists(st.text(alphabet="abc \t*#[", max_size=12), min_size=1, max_size=3))
            body = "\n".join(lines)
            start = len("```\n")
            doc.add(
                "```\n" + body + "\n```",
                [(start + body.index(w), w) for w in lines if w.strip() and "\t" not in w and w.strip() == w],
            )
        elif kind == "table":
            head = [draw(WORDS) for _ in range(draw(st.integers(1, 3)))]
            cells = [draw(WORDS) for _ in head]
            row1 = "| " + " | ".join(head) + " |"
            row2 = "|" + "|".join("---" for _ in head) + "|"
            row3 = "| " + " | ".join(cells) + " |"
            table = "\n".join((row1, row2, row3))
            found, pos = [], 0
            for word in [*head, *cells]:
                pos = table.index(word, pos if word not in head or pos else 0)
                found.append((pos, word))
                pos += len(word)
            doc.add(table, found)
        else:
            doc.add("---", [])
    return doc


@settings(max_examples=200, deadline=None)
@given(documents(), st.integers(20, 90))
def test_generated_markdown_maps_every_cell_back_and_hides_every_marker(doc: Doc, width: int) -> None:
    rows = render(doc.text, width)
    check_map(doc.text, rows)
    for at, word in doc.words:
        assert drawn_for(rows, at, at + len(word)) == word, (word, at)


@settings(max_examples=100, deadline=None)
@given(documents(), st.integers(20, 90))
def test_chunked_layout_draws_what_one_parse_draws(doc: Doc, width: int) -> None:
    whole = shown(render(doc.text, width))
    chunked = layout_rows(doc.text, width)
    check_map(doc.text, chunked)
    assert shown(chunked) == whole + [""] * (len(chunked) - len(whole))


@settings(max_examples=100, deadline=None)
@given(documents(), st.data())
def test_hits_and_highlights_cover_exactly_the_drawn_characters_of_their_range(
    doc: Doc, data: st.DataObject
) -> None:
    rows = layout_rows(doc.text, 50)
    if not doc.words:
        return
    at, word = data.draw(st.sampled_from(doc.words))
    low = data.draw(st.integers(at, at + len(word) - 1))
    high = data.draw(st.integers(low + 1, at + len(word)))
    assert drawn_for(rows, low, high) == doc.text[low:high]  # a piece of a word: exactly its letters
    start = max(0, at - data.draw(st.integers(0, 30)))
    end = min(len(doc.text), at + len(word) + data.draw(st.integers(0, 30)))
    assert word in drawn_for(rows, start, end)
    painted = "".join(  # what the range paints outside code (which shows its markers)
        row.text[i]
        for row in rows
        if not isinstance(row.sources, range)
        for a, b in row.spans(start, end)
        for i in range(a, b)
        if not any(c == "reader--code" and x <= i < y for x, y, c in row.styles)
    )
    assert not set(painted) & (MARKERS - {"*", "&"})  # escaped stars and entities are text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"ab *_`[]()<>!#-+>|~\\&;\n\t1.", "区", "\x1b"]), max_size=200))
def test_any_text_renders_without_a_wrong_map(text: str) -> None:
    rows = layout_rows(text, 30)
    for row in rows:
        for char, source in zip(row.text, row.sources, strict=True):
            if source != NOWHERE and text[source] not in "\n\t&":
                assert char == visible(text[source]) or text[source] in MARKERS
    sources = [s for row in rows for s in row.sources if s != NOWHERE]
    assert sources == sorted(sources)
    assert "\x1b" not in "".join(row.text for row in rows)


# ---------------------------------------------------------------------- what a reader sees


def test_headings_emphasis_links_and_code_are_shown_without_markers() -> None:
    text = '# Title *here* ##\n\nSome **bold**, _it_, `code` and a [link](http://x.org "t").\n'
    rows = render(text)
    assert shown(rows) == ["Title here", "", "Some bold, it, code and a link."]
    assert ("reader--heading" in {c for _, _, c in rows[0].styles}) and rows[0].start == text.index("Title")
    styles = {text[rows[2].sources[a] : rows[2].sources[b - 1] + 1]: c for a, b, c in rows[2].styles}
    assert styles == {
        "bold": "reader--strong",
        "it": "reader--emphasis",
        "code": "reader--code",
        "link": "reader--link",
    }


def test_lists_hang_their_indent_and_number() -> None:
    text = "- one two three four five six\n- seven\n  1. eight\n  2. nine\n\n10. ten\n11. eleven\n"
    rows = render(text, 20)
    assert shown(rows) == [
        "• one two three four",
        "  five six",
        "• seven",
        "  1. eight",
        "  2. nine",
        "",
        "10. ten",
        "11. eleven",
    ]
    assert drawn_for(rows, text.index("five"), text.index("five") + 4) == "five"


def test_quotes_code_blocks_tables_and_rules() -> None:
    text = (
        "> quoted *words*\n> go on\n\n```py\nif x:\n\treturn [1]\n```\n\n"
        "| a | bb |\n|--:|:-:|\n| 1 | 2 |\n\n---\n"
    )
    rows = render(text, 24)
    assert shown(rows) == [
        "▎ quoted words go on",
        "",
        "if x:",
        "        return [1]",
        "",
        "a │ bb",
        "──┼───",
        "1 │ 2",
        "",
        "─" * 24,
    ]
    assert len(rows[2].text) == 24  # a code block is a box as wide as the measure
    assert drawn_for(rows, text.index("return"), text.index("]") + 1) == "return [1]"
    assert drawn_for(rows, text.index("\treturn"), text.index("\treturn") + 1) == " " * 8  # a tab: its stop


def test_escapes_entities_autolinks_images_html_and_references() -> None:
    text = "\\*not em\\* &amp; <https://a.b/c> ![alt](i.png) <b>bold</b> [ref]\n\n[ref]: http://r.example\n"
    rows = layout_rows(text)
    assert shown(rows)[0] == "*not em* & https://a.b/c alt bold ref"
    assert drawn_for(rows, text.index("&amp;"), text.index("&amp;") + 5) == "&"
    assert drawn_for(rows, 0, 2) == "*"  # the backslash is hidden, the star drawn on its own offset


def test_a_reference_defined_in_another_chunk_is_still_a_link() -> None:
    text = "Start [term] here.\n\nMiddle.\n\n[term]: http://far.example\n"
    row = layout_rows(text)[0]
    assert row.text == "Start term here." and any(c == "reader--link" for _, _, c in row.styles)


def test_a_block_that_cannot_be_mapped_is_shown_as_its_source() -> None:
    text = "a | b\n-|-\nx | y\n"  # a table without outer pipes maps fine; break it by hand:
    rows = render(text)
    check_map(text, rows)
    broken = ChunkRenderer(text, text, 0, len(text), 40)
    assert shown(broken.lines_as_source(0, 3)) == ["a | b", "-|-", "x | y"]


@pytest.mark.parametrize(
    "line",
    [
        "[" * 1_000_000,
        "[x](" * 250_000,
        "[a](" + "(" * 1_000_000,
        "[a](b " + "c " * 500_000,
        "`" * 1_000_000,
        "*a" * 500_000,
        "_a" * 500_000,
        "*_`[<" * 12_000,  # small enough to be parsed, full of delimiters
        "**a*" * 7_000,
    ],
)
def test_a_long_line_of_delimiters_lays_out_at_once(line: str) -> None:
    # markdown-it pairs delimiters up: a line of nothing else took it seconds, so a chunk that
    # costly is shown as its source.
    started = time.perf_counter()
    layout = DocumentLayout(line + "\n", line + "\n", 80, True)
    rows = [layout.row(n) for n in range(40)]
    assert time.perf_counter() - started < 2 and rows[0].text


def test_control_characters_are_shown_as_pictures_and_markup_stays_text() -> None:
    text = "[bold red]not bold[/] \x1b[31m\n"
    rows = render(text)
    assert rows[0].text.startswith("[bold red]not bold[/] ␛[31m") or "␛" in rows[0].text


# ---------------------------------------------------------------------- chunks, headings, size


def test_chunks_start_at_top_level_blocks_and_keep_fences_and_list_items_whole() -> None:
    text = "# A\n\npara\n\n```\ncode\n\nmore\n```\n\n- item\n\n  continued\n\nlast\n"
    chunks = markdown_chunks(text)
    pieces = [text[s:e] for s, e in zip(chunks.starts, chunks.ends, strict=True)]
    assert pieces == [
        "# A\n\n",
        "para\n\n",
        "```\ncode\n\nmore\n```\n\n",
        "- item\n\n  continued\n\n",
        "last\n",
    ]
    assert [(h.level, h.source, text[h.offset : h.offset + len(h.source)]) for h in chunks.headings] == [
        (1, "A", "A")
    ]


def test_headings_atx_and_setext_not_in_code() -> None:
    text = "Intro\n=====\n\n## Two *b* ##\n\n```\n# not one\n```\n\nThird\n---\n\n####### seven\n"
    found = [(h.level, h.title, h.offset) for h in markdown_chunks(text).headings]
    assert found == [(1, "Intro", 0), (2, "Two b", text.index("Two")), (2, "Third", text.index("Third"))]


def test_a_huge_block_is_shown_as_source_in_pieces() -> None:
    text = "```\n" + "x = 1\n" * 40_000 + "```\n\nafter\n"
    chunks = markdown_chunks(text)
    assert not chunks.markdown[0] and chunks.markdown[-1] and len(chunks.starts) > 10
    assert plain_chunks("a\nb\n").starts == [0]


def test_a_five_megabyte_document_lays_out_only_what_is_asked() -> None:
    block = "## Part {n}\n\nSome *words* and a [link](http://x/{n}) over\ntwo lines.\n\n- a\n- b\n\n"
    text = "".join(block.replace("{n}", str(n)) for n in range(5_000_000 // len(block)))
    started = time.perf_counter()
    layout = DocumentLayout(text, text, 88, True)
    rows = [layout.row(line) for line in range(40)]
    middle = layout.row(layout.line_count // 2)
    assert time.perf_counter() - started < 3  # the scan of the lines, and a few chunks
    assert len(layout._cache) < 50 and not layout.complete
    assert rows[0].text == "Part 0" and (middle.has_stops or middle.text == "")
    offset = text.index("Part 40000")
    line = layout.line_of(offset)
    assert layout.row(line).text == "Part 40000"
    assert len(layout.headings) == 5_000_000 // len(block)


def test_row_numbers_stay_consistent_as_estimates_become_exact() -> None:
    text = "".join(f"Paragraph {n} " + "word " * 40 + "\n\n" for n in range(300))
    layout = DocumentLayout(text, text, 50, True)
    far = text.index("Paragraph 250")
    chunk, index = layout.locate(layout.line_of(far))
    assert layout.row(layout.line_at(chunk, index)).start == far
    while not layout.complete:
        layout.lay_out_pending(0.01)
    assert layout.row(layout.line_at(chunk, index)).start == far  # the same row, wherever it moved
    assert layout.line_count == len(render(text, 50))


# ---------------------------------------------------------------------- cursor and find


def test_the_cursor_stops_only_on_drawn_characters() -> None:
    text = "a **bold** [link](http://x) end\n\nnext line\n"
    layout = DocumentLayout(text, text, 40, True)
    assert layout.snap(text.index("**")) == text.index("bold")
    assert layout.snap(text.index("](") + 2) == text.index(" end")
    assert layout.snap(text.index("](") + 2, forward=False) == text.index("k]")
    assert layout.stop_at_or_after(text.index("end") + 3) == text.index("next")
    assert navigate.by_motion(layout, text, 0, motions.next_word, True) == text.index("bold")
    assert navigate.by_motion(layout, text, text.index("link"), motions.previous_word, False) == text.index(
        "bold"
    )
    # Down from the "o" of "bold", drawn on cell 3: cell 3 of the next row with text (past the blank one).
    assert navigate.by_rows(layout, text.index("bold") + 1, 1) == text.index("t line")
    assert navigate.row_start(layout, text.index("end")) == 0
    assert navigate.row_end(layout, text.index("bold")) == text.index("end") + 2


def test_zero_and_dollar_follow_rows_on_screen() -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa\n"
    layout = DocumentLayout(text, text, 20, True)
    second = layout.row(1)
    inside = second.start + 3
    assert navigate.row_start(layout, inside) == second.start != 0
    assert navigate.row_end(layout, inside) == second.end - 1 != len(text) - 2


def test_find_literal_regex_smartcase_and_bad_patterns() -> None:
    text = "Alpha beta. alpha? ALPHA (x+y)\n"
    assert find_all(text, parse("alpha")) == [(0, 5), (12, 17), (19, 24)]
    assert find_all(text, parse("Alpha")) == [(0, 5)]  # a capital: case matters
    assert find_all(text, parse("(x+y)")) == [(25, 30)]  # literal: punctuation is itself
    assert find_all(text, parse("/al\\w+\\?/")) == [(12, 18)]
    assert find_all(text, parse("/ALPHA/i")) == [(0, 5), (12, 17), (19, 24)]
    assert find_all(text, parse("/x*/")) == [(25 + 1, 25 + 2)]  # empty matches are skipped
    with pytest.raises(FindError, match="bad regular expression: missing \\)"):
        parse("/(a/")
    assert describe(0) == "no match" and describe(1) == "1 match" and describe(10_000) == "10,000+ matches"


def test_targets_step_from_the_current_match_or_from_the_cursor() -> None:
    marks = Targets(hits=[(1, 2), (10, 12), (20, 21)])
    assert marks.step(5, True) == 1 and marks.step(5, False) == 0 and marks.step(25, True) == 0
    marks.current, marks.landed = 1, 11  # the last jump snapped past a hidden marker: n goes on
    assert marks.step(11, True) == 2 and marks.step(11, False) == 0
    marks.find("abcabc", "b")
    assert marks.spans == [(1, 2), (4, 5)] and marks.kind == "match" and marks.first_after(2) == 1
    marks.drop_find()
    assert marks.kind == "hit" and marks.spans == [(1, 2), (10, 12), (20, 21)]


def test_a_pattern_that_backtracks_is_stopped_with_a_message() -> None:
    from tui.ui.text.find import FIND_SECONDS, FindError, find_all, parse

    text = "a" * 40 + "!"
    try:
        find_all(text * 2000, parse("/(a+)+b/"))
    except FindError as error:
        assert "too long" in str(error) and str(FIND_SECONDS) in str(error)
    else:
        raise AssertionError("a catastrophic pattern ran to the end")
