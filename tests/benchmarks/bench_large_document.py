"""Large-document benchmark, run by hand: ``python tests/benchmarks/bench_large_document.py``.

A 5 MB document must open about as fast as anything can be shown on a terminal, and ``n``/``N``
must answer within a frame however many hits it has. Everything is measured beside a peer in the
same run (the machine is shared, so only ratios travel), on two generated documents: a 5 MB
Markdown file (wrapped prose, headings, lists, code blocks with tabs, CJK, accents, one stray
ANSI escape sequence far down: untrusted text) and the same body as a ``.txt``.

- ``sanitize``: ``sanitize.visible`` over each document (with its escape sequence, and without)
  beside one compiled-regex scan of the same text (``re.search`` of a pattern that never matches);
- ``layout``: what ``Reader.load`` costs on the UI thread, headless, split into its parts;
- ``open``: headless (``App.run_test``, 120x36), from the list's ``enter`` (``DocumentList.Opened``)
  to the end of the reader's first painted frame; peer: a minimal Textual app that mounts a
  ``Static`` of the same first screenful and paints it (from the mount to its first frame);
- ``n``/``N``: ``Reader.action_next_hit`` / ``action_previous_hit`` timed with perf_counter over
  many presses on the 5 MB document with thousands of hits (the search's hits, then a find),
  median and p95; the ``render_line`` calls of the frame that follows (``frame``), and the two
  added (``+ frame``: what the user waits for, but Textual's compositing);
- ``terminal`` (``--terminal``, needs tmux): ``python -m tui DOC`` in a fresh 120x36 tmux session
  until ``tmux capture-pane`` shows the document's first words, beside a minimal Textual app
  showing a ``Static`` of the same first screenful, started the same way, alternating, medians of
  ``--runs``. The target is 2x the minimal app. lectern opening a one-line document is measured
  too: what lectern's own start-up takes before any document is read, and the large documents'
  figures less that one are what opening them costs.

Nothing asserts on time. ``--keep DIR`` keeps the generated files.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import shlex
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.strip import Strip  # noqa: E402
from textual.widgets import Static  # noqa: E402

from tests.benchmarks.bench_ui import Tmux  # noqa: E402
from tests.benchmarks.common import Row, median, percentile, table  # noqa: E402
from tests.benchmarks.corpus import vocabulary  # noqa: E402
from tests.benchmarks.pilot import RenderClock, main_screen, wait_for  # noqa: E402
from tui.core.documents import count_words  # noqa: E402
from tui.core.paths import Paths  # noqa: E402
from tui.core.sanitize import visible  # noqa: E402
from tui.ui.app import make_app  # noqa: E402
from tui.ui.text.blocks import markdown_chunks, plain_chunks, references  # noqa: E402
from tui.ui.text.document import DocumentLayout  # noqa: E402
from tui.ui.widgets.document_list import DocumentList  # noqa: E402
from tui.ui.widgets.reader import Header, Reader  # noqa: E402

SIZE = (120, 36)
MEGABYTES = 5.0
TERMINAL_RATIO = 2.0
"""The document's first screen within this many times the minimal app's, in the same terminal."""
STEP_TARGET = 0.016
"""``n``/``N``: one frame."""
OPEN_RUNS = 7
PRESSES = 400
TERMINAL_RUNS = 7
ESCAPE = "\x1b[31mred\x1b[0m"
"""The stray escape sequence planted far down the document (shown as ␛, never sent)."""
SMALL_TEXT = "A small document between two opens."
"""The text of ``small.md``: opened between two opens of a large one, and in tmux as lectern's floor."""
MINIMAL_SCRIPT = """
import sys
from pathlib import Path
from textual.app import App
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self):
        yield Static(Path(sys.argv[1]).read_text(encoding="utf-8"), markup=False)


Minimal().run()
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the documents


def _paragraph(rng: random.Random, vocab: list[str], weights: list[float]) -> str:
    sentences = []
    for _ in range(rng.randint(2, 7)):
        words = rng.choices(vocab, cum_weights=weights, k=rng.randint(6, 24))
        if rng.random() < 0.05:
            words[rng.randrange(len(words))] = rng.choice(("café", "naïve", "中文文本", "日本語", "Ωmega"))
        sentences.append(" ".join(words).capitalize() + ".")
    return textwrap.fill(" ".join(sentences), 76)


def body_text(megabytes: float = MEGABYTES, seed: int = 16) -> tuple[str, str]:
    """About ``megabytes`` MB of Markdown (wrapped paragraphs, headings, lists, code with tabs,
    one escape sequence two-thirds down) and its first paragraph (what the first screen shows)."""
    rng = random.Random(seed)
    vocab = vocabulary(30_000, random.Random(7))
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    parts: list[str] = []
    size, target, section, planted = 0, int(megabytes * 1_000_000), 0, False
    while size < target:
        roll = rng.random()
        if roll < 0.03:
            section += 1
            part = f"## Section {section}: {' '.join(rng.choices(vocab[:300], k=3)).title()}"
        elif roll < 0.08:
            part = "\n".join(f"- {_paragraph(rng, vocab, weights)[:70]}" for _ in range(rng.randint(2, 6)))
        elif roll < 0.10:
            part = "```\n" + "\n".join(f"\tvalue_{i} = compute({i})\t# {i}" for i in range(8)) + "\n```"
        else:
            part = _paragraph(rng, vocab, weights)
        if not planted and size > target * 2 // 3:
            part += f" {ESCAPE} and a carriage\r return."
            planted = True
        parts.append(part)
        size += len(part) + 2
    first = parts[0]
    return "\n\n".join(parts) + "\n", first


def write_documents(folder: Path) -> tuple[Path, Path, str]:
    """``large.md`` (front matter, a title, the body) and ``large.txt`` (the body); the words the
    first screen of both shows."""
    body, first = body_text()
    folder.mkdir(parents=True, exist_ok=True)
    front = "---\ntitle: A Very Long Report\ndate: 2031-01-01\ntags: [report]\n---\n\n"
    markdown = folder / "large.md"
    markdown.write_text(front + body, encoding="utf-8")
    plain = folder / "large.txt"
    plain.write_text(body, encoding="utf-8")
    return markdown, plain, first


def first_words(first: str) -> str:
    """A marker of the first screen: the start of its first line (no wrap can cut it)."""
    return first.split("\n", maxsplit=1)[0][:30]


# --------------------------------------------------------------------------- sanitize and layout


def best_of(runs: int, call: Any) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return median(times)


def sanitize_rows(markdown: Path, plain: Path) -> list[Row]:
    rows = []
    scan = re.compile("never\x00matches")
    for path in (markdown, plain):
        text = path.read_text(encoding="utf-8")
        clean = text.replace(ESCAPE, "").replace("\r", "")
        peer = best_of(9, lambda text=text: scan.search(text))
        for name, sample in (("an escape inside", text), ("clean", clean)):
            rows.append(
                Row(f"visible, {path.name} ({name})", best_of(9, lambda s=sample: visible(s)), peer, None)
            )
    return rows


def first_screen(text: str, markdown: bool) -> None:
    """What the reader needs of a new document before it can paint: a layout and 34 rows."""
    layout = DocumentLayout(text, None, 88, markdown)
    for line in range(SIZE[1] - 2):
        layout.row(line)


def layout_rows(markdown: Path, plain: Path) -> list[Row]:
    """The parts of laying a document out, each on its own (the peer: one regex scan)."""
    rows = []
    scan = re.compile("never\x00matches")
    for path, is_md in ((markdown, True), (plain, False)):
        text = path.read_text(encoding="utf-8")
        peer = best_of(5, lambda text=text: scan.search(text))
        cut = markdown_chunks if is_md else plain_chunks
        rows.append(Row(f"{cut.__name__}, {path.name}", best_of(5, lambda c=cut, t=text: c(t)), peer, None))
        if is_md:
            rows.append(Row(f"references, {path.name}", best_of(5, lambda t=text: references(t)), peer, None))
        rows.append(Row(f"count_words, {path.name}", best_of(5, lambda t=text: count_words(t)), peer, None))
        rows.append(
            Row(
                f"DocumentLayout + first screen, {path.name}",
                best_of(5, lambda t=text, m=is_md: first_screen(t, m)),
                peer,
                None,
                note="the whole text cut here; the app cuts the first 64 KB in its reading worker, the rest when idle",
            )
        )
    return rows


# --------------------------------------------------------------------------- headless: open and n/N


class PaintedStatic(Static):
    painted_at: float | None = None

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        self.painted_at = time.perf_counter()
        return strip


class ScreenfulApp(App[None]):
    """The peer: a Static of the first screenful, mounted on demand."""

    async def show(self, text: str) -> PaintedStatic:
        static = PaintedStatic(text, markup=False)
        await self.mount(static)
        return static


async def peer_open(screenful: str) -> list[float]:
    times = []
    app = ScreenfulApp()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(OPEN_RUNS):
            started = time.perf_counter()
            static = await app.show(screenful)

            def painted(static: PaintedStatic = static) -> bool:
                return static.painted_at is not None

            await wait_for(pilot, painted)
            await pilot.pause(0.05)
            assert static.painted_at is not None
            times.append(static.painted_at - started)
            await static.remove()
    return times


async def lectern_open(home: Path, folder: Path, doc_id: str) -> tuple[list[float], list[float]]:
    """Open ``doc_id`` OPEN_RUNS times (a small document between): enter to the end of the first
    frame, and the part of it spent in ``Reader.load`` (the UI thread's share)."""
    opens, loads = [], []
    app = make_app(Paths.from_environment({"LECTERN_HOME": str(home)}), [folder])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main_screen(app) is not None)
        screen = main_screen(app)
        assert screen is not None
        await wait_for(pilot, lambda: doc_id in screen.entries and "small.md" in screen.entries)
        listed = screen.query_one(DocumentList)
        reader = screen.query_one(Reader)
        clock = RenderClock()
        clock.install(reader)
        marks: dict[str, float] = {}
        original = reader.load

        def load(*args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            original(*args, **kwargs)
            marks["load"] = time.perf_counter() - started

        reader.load = load  # type: ignore[method-assign]
        for _ in range(OPEN_RUNS):
            listed.post_message(DocumentList.Opened(listed, "small.md"))
            await wait_for(pilot, lambda: reader.doc_id == "small.md" and reader.lines_rendered > 0)
            await pilot.pause(0.1)
            await app.workers.wait_for_complete()
            clock.reset()
            started = time.perf_counter()
            listed.post_message(DocumentList.Opened(listed, doc_id))
            await wait_for(pilot, lambda: reader.doc_id == doc_id and reader.lines_rendered > 0)
            await pilot.pause(0.05)
            opens.append(clock.last_end - started)
            loads.append(marks["load"])
    return opens, loads


async def hit_steps(text: str, doc_id: str, word: str) -> dict[str, list[float]]:
    """``n`` and ``N`` over the hits of ``word`` (set as search hits), then over a find."""

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield Reader(id="reader")

    found: dict[str, list[float]] = {}
    app = One()
    async with app.run_test(size=SIZE) as pilot:
        reader = app.query_one(Reader)
        reader.load(doc_id, text, Header("A Very Long Report", ""))
        reader.focus()
        await pilot.pause(0.1)
        spans = [(m.start(), m.end()) for m in re.finditer(rf"\b{word}\b", text)]
        reader.set_hits(spans, jump=False)
        await pilot.pause()
        clock = RenderClock()
        clock.install(reader)
        for kind in ("hits", "find"):
            if kind == "find":
                reader.find(word)
                await pilot.pause()
            for name, action in (("n", reader.action_next_hit), ("N", reader.action_previous_hit)):
                key = f"{name} ({kind}: {len(reader.marks.spans):,})"
                found[key], found[key + " frame"], found[key + " + frame"] = [], [], []
                for _ in range(PRESSES):
                    clock.reset()
                    started = time.perf_counter()
                    action()
                    acted = time.perf_counter() - started
                    await pilot.pause()
                    found[key].append(acted)
                    found[key + " frame"].append(clock.seconds)
                    found[key + " + frame"].append(acted + clock.seconds)
    return found


# --------------------------------------------------------------------------- a real terminal


def terminal(work: Path, documents: list[Path], first: str, runs: int) -> dict[str, list[float]]:
    """Seconds to the first screen of each document in tmux; ``minimal`` is the minimal app with
    the same first screenful, ``small.md`` lectern opening a one-line document (its own start-up,
    which any document waits for)."""
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed: --terminal needs it")
    script = work / "minimal_app.py"
    script.write_text(MINIMAL_SCRIPT, encoding="utf-8")
    screenful = work / "screenful.txt"
    screenful.write_text(
        "\n".join(documents[1].read_text(encoding="utf-8").split("\n")[:34]), encoding="utf-8"
    )
    python = shlex.quote(sys.executable)
    env = (
        "env -u PYTHONDONTWRITEBYTECODE"
        f" PYTHONPYCACHEPREFIX={shlex.quote(str(work / 'pycache'))}"
        f" LECTERN_HOME={shlex.quote(str(work / 'terminal-home'))} LECTERN_WATCH=0"
    )
    marker = first_words(first)
    commands = {
        "minimal": (f"{env} {python} {shlex.quote(str(script))} {shlex.quote(str(screenful))}", marker)
    }
    small = documents[0].parent / "small.md"
    for path, shows in ((small, SMALL_TEXT), *((path, marker) for path in documents)):
        commands[path.name] = (
            f"cd {shlex.quote(str(ROOT))} && {env} {python} -m tui {shlex.quote(str(path))}",
            shows,
        )
    times: dict[str, list[float]] = {name: [] for name in commands}
    with Tmux(work) as tmux:
        for name, (command, shows) in commands.items():
            log(f"terminal: warming up {name} …")
            tmux.paint(command, shows)
        for run in range(runs):
            for name, (command, shows) in commands.items():
                times[name].append(tmux.paint(command, shows)[0])
            log(f"  run {run + 1}/{runs}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items()))
    return times


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="write the documents and homes here and keep them")
    parser.add_argument("--terminal", action="store_true", help="also measure first paint in tmux")
    parser.add_argument("--terminal-only", action="store_true", help="only the tmux measure")
    parser.add_argument("--runs", type=int, default=TERMINAL_RUNS, help="tmux runs of each app")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="lectern-large-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["LECTERN_HOME"] = str(work / "home")
    os.environ["LECTERN_WATCH"] = "0"
    try:
        folder = work / "docs"
        markdown, plain, first = write_documents(folder)
        (folder / "small.md").write_text(f"# Small\n\n{SMALL_TEXT}\n", encoding="utf-8")
        log(
            f"documents: {markdown.stat().st_size / 1e6:.1f} MB .md, {plain.stat().st_size / 1e6:.1f} MB .txt"
        )
        rows: list[Row] = []
        notes: list[str] = []
        if not args.terminal_only:
            log("sanitize and layout …")
            rows += sanitize_rows(markdown, plain)
            rows += layout_rows(markdown, plain)
            screenful = "\n".join(plain.read_text(encoding="utf-8").split("\n")[:34])
            log("headless open …")
            peer = asyncio.run(peer_open(screenful))
            for path in (markdown, plain):
                opens, loads = asyncio.run(lectern_open(work / "home", folder, path.name))
                rows.append(Row(f"open {path.name}: enter to first frame", median(opens), median(peer), None))
                rows.append(
                    Row(f"open {path.name}: Reader.load (UI thread)", median(loads), median(peer), None)
                )
            log("n and N …")
            text = markdown.read_text(encoding="utf-8")
            for key, samples in asyncio.run(hit_steps(text, "large.md", "the")).items():
                target = STEP_TARGET if not key.endswith(" frame") or key.endswith("+ frame") else None
                rows.append(Row(f"{key} median", median(samples), None, target))
                rows.append(Row(f"{key} p95", percentile(samples, 95), None, target))
        if args.terminal or args.terminal_only:
            log("terminal first paint …")
            times = terminal(work, [markdown, plain], first, args.runs)
            floor = median(times["minimal"])
            for name in (markdown.name, plain.name, "small.md"):
                rows.append(
                    Row(f"tmux: {name} first screen", median(times[name]), floor, TERMINAL_RATIO * floor, "s")
                )
            own = median(times["small.md"])
            notes += [
                f"tmux {name}: {1000 * (median(times[name]) - own):.0f} ms more than lectern showing small.md"
                for name in (markdown.name, plain.name)
            ]
            notes += [
                f"tmux {name}: median {median(v):.3f} s, min {min(v):.3f}, max {max(v):.3f}"
                + (f", {median(v) / floor:.2f}x the minimal app" if name != "minimal" else "")
                for name, v in times.items()
            ]
        print(table(rows, "peer"))
        for note in notes:
            print(note)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
