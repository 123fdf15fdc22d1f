"""The reader keeps rows as drawn and draws again only what changed (``DocumentView._drawn``):
after any sequence of keys, hits, finds, annotations, selections, focus moves, resizes, theme and
source-view changes, every row on screen is what drawing it afresh gives."""

from __future__ import annotations

import random
import re

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from tui.core.annotations import COLORS, Annotation
from tui.core.documents import text_sha256
from tui.ui.text import document
from tui.ui.widgets.reader import Header, Reader

WORDS = [
    "the",
    "river",
    "bank",
    "of",
    "clay",
    "and",
    "stone",
    "under",
    "a",
    "low",
    "grey",
    "sky",
    "where",
    "herons",
    "wait",
]


def markdown_text(rng: random.Random) -> str:
    parts = []
    for n in range(60):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
        kind = rng.random()
        if kind < 0.1:
            parts.append(f"## Part {n} of the river")
        elif kind < 0.2:
            parts.append(f"- {words}\n- *{words[:30]}* and **{words[:20]}**")
        elif kind < 0.25:
            parts.append(f"> {words}")
        else:
            parts.append(words)
    return "\n\n".join(parts) + "\n"


class OneReader(App[None]):
    def compose(self) -> ComposeResult:
        yield Reader(id="reader")


def showing(app: OneReader, text: str) -> Reader:
    """The app's reader, showing ``text`` as a Markdown document, focused."""
    reader = app.query_one(Reader)
    document.prepare(text, True)
    reader.load("river.md", text, Header("River", ""))
    reader.focus()
    return reader


class Screenful:
    """What the reader last gave Textual for each line of its view: what the screen shows."""

    def __init__(self, reader: Reader) -> None:
        self.lines: dict[int, Strip] = {}
        self.render = reader.render_line

        def spied(y: int) -> Strip:
            strip = self.lines[y] = self.render(y)
            return strip

        reader.render_line = spied  # type: ignore[method-assign]

    def drawn_afresh(self, reader: Reader, y: int) -> Strip:
        reader._drawn.clear()
        return self.render(y)


async def check_screen(pilot: Pilot[None], reader: Reader, screen: Screenful) -> None:
    await pilot.pause()
    await pilot.pause()
    for y in range(reader.scrollable_content_region.height):
        assert screen.lines.get(y) == screen.drawn_afresh(reader, y), f"line {y}"


def annotation(text: str, rng: random.Random, near: int) -> Annotation:
    """One annotation, often around ``near`` (the cursor), often over several rows."""
    start = max(near - rng.randint(0, 300), 0) if rng.random() < 0.7 else rng.randrange(len(text) - 40)
    end = start + rng.randint(1, 400)
    return Annotation.create(
        text,
        start,
        min(end, len(text)),
        sha256=text_sha256(text),
        note=rng.choice(["", "a note"]),
        color=rng.choice(COLORS),
    )


KEYS = [
    "j",
    "k",
    "n",
    "N",
    "space",
    "pageup",
    "w",
    "v",
    "shift+down",
    "shift+right",
    "escape",
    "right_curly_bracket",
    "left",
    "right",
    "G",
    "g",
    "0",
    "dollar_sign",
    "right_square_bracket",
    "left_square_bracket",
]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rows_kept_as_drawn_are_the_rows_drawn_afresh(seed: int) -> None:
    rng = random.Random(seed)
    text = markdown_text(rng)
    app = OneReader()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = showing(app, text)
        hits = [(m.start(), m.end()) for m in re.finditer(r"\bheron\w*", text)]
        reader.set_hits(hits, jump=False)
        screen = Screenful(reader)
        reader.refresh()
        await check_screen(pilot, reader, screen)
        for _ in range(120):
            roll = rng.random()
            if roll < 0.6:
                await pilot.press(rng.choice(KEYS))
            elif roll < 0.68:
                reader.set_annotations(
                    [annotation(text, rng, reader.cursor) for _ in range(rng.randint(0, 6))]
                )
            elif roll < 0.74:
                reader.find(rng.choice(["clay", "stone", "sky"]))
            elif roll < 0.8:
                reader.set_hits(rng.sample(hits, k=len(hits) // 2) if hits else [], jump=False)
            elif roll < 0.85:
                reader.blur() if reader.has_focus else reader.focus()
            elif roll < 0.9:
                await pilot.resize_terminal(rng.choice([60, 80, 100, 130]), rng.choice([20, 30]))
            elif roll < 0.95:
                app.theme = rng.choice(["textual-dark", "textual-light", "nord"])
            else:
                await pilot.press("m")  # the Markdown source, and back
            await check_screen(pilot, reader, screen)


async def test_a_key_that_moves_the_cursor_draws_only_the_rows_it_touches() -> None:
    text = markdown_text(random.Random(7))
    app = OneReader()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = showing(app, text)
        await pilot.pause()
        drawn: list[int] = []
        render = reader._render_row

        def counted(line: int, *rest: object) -> Strip:
            drawn.append(line)
            return render(line, *rest)  # type: ignore[arg-type]

        reader._render_row = counted  # type: ignore[method-assign]
        await pilot.press("j")
        await pilot.pause()
        assert 1 <= len(set(drawn)) <= 2  # the row the cursor left, the one it is on
