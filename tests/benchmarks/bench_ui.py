"""UI benchmark, run by hand: ``python tests/benchmarks/bench_ui.py`` (from the repo root).

Runs the real app headless (``App.run_test``, 120x36) under a throw-away LECTERN_HOME and
measures, beside a Textual peer run in the same process and the same run:

- first paint (from ``make_app`` until the DocumentList has rendered rows) on the bundled seeds
  and on a generated corpus of 3,000 documents / 25 MB, with the index built and cold (no index);
  peer: a minimal App with one Static (the floor of any Textual app);
- keystroke to repainted list: the last key of a query typed into the search bar until the
  DocumentList has repainted with that query's results, with and without the debounce
  (``SEARCH_DELAY``); peer: an Input whose value a Static echoes;
- a 5 MB document: time to the reader's first paint after asking to open it, and a page down
  (``Reader.action_page_down`` plus the ``render_line`` calls of the next frame); peer:
  Textual's TextArea (read-only, soft wrap) loading the same text and paging down;
- resident memory (``ru_maxrss``) after opening the corpus and the 5 MB document, measured in
  a separate process; peer: the minimal app, also in its own process;
- first paint in a real terminal: ``lectern`` (``python -m tui`` on the bundled seeds, index
  built) and a minimal Textual app, each started in a fresh tmux session of 120x36; the time from
  starting the command until ``tmux capture-pane`` shows its first screen (a seed title, or the
  minimal app's text). This is what a user waits for: interpreter start, imports, the app's
  start-up and the terminal drawing, which the headless figures above leave out. Both get
  bytecode caches (in a temporary ``PYTHONPYCACHEPREFIX``, as an installed package has them)
  and one warm-up run; the target is 1.5x the minimal app. ``--terminal-only`` runs just this.

Every timing is the median of several runs unless it says p95. Nothing asserts on time.
Options: ``--documents N --mb M`` for another corpus size, ``--keep DIR`` to keep the files.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.css.query import NoMatches  # noqa: E402
from textual.strip import Strip  # noqa: E402
from textual.widgets import Input, Static, TextArea  # noqa: E402
from textual.worker import WorkerCancelled  # noqa: E402

from tests.benchmarks.common import Row, median, percentile, table  # noqa: E402
from tests.benchmarks.corpus import generate, phrases, write_large_document  # noqa: E402
from tests.benchmarks.pilot import POLL, RenderClock, main_screen, wait_for  # noqa: E402
from tui.core.library import Library  # noqa: E402
from tui.core.paths import Paths  # noqa: E402
from tui.ui.app import LecternApp, make_app  # noqa: E402
from tui.ui.controllers.search import SEARCH_DELAY  # noqa: E402
from tui.ui.screens.main import MainScreen  # noqa: E402
from tui.ui.widgets.document_list import DocumentList  # noqa: E402
from tui.ui.widgets.reader import Reader  # noqa: E402

SIZE = (120, 36)
TARGETS = {
    "paint_seeds": 0.5,
    "paint_corpus": 0.6,
    "keystroke_p95": 0.050,
    "reader_open": 0.3,
    "page_down": 0.016,
    "memory_mb": 150.0,
}
TERMINAL_RATIO = 1.5
"""lectern on screen within this many times the minimal Textual app, in the same terminal."""
TERMINAL_RUNS = 9
TERMINAL_POLL = 0.01
"""Seconds between two ``tmux capture-pane`` calls (each is a process: polling harder steals CPU)."""
SEED_TITLE = "China Shifts Focus"
SEARCH_BOX = "Search:"
"""The search box's placeholder: the reading room is on screen (its list may still be filling)."""
MINIMAL_TEXT = "Hello from a minimal Textual app."
MINIMAL_SCRIPT = f"""
from textual.app import App
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self):
        yield Static({MINIMAL_TEXT!r})


Minimal().run()
"""
PAINT_RUNS = 5
COLD_RUNS = 3
KEY_ROUNDS = 2
OPEN_RUNS = 5
PAGE_DOWNS = 20
PEER_OPEN_RUNS = 3
LARGE_ID = "large/report-5mb.md"
TYPED_QUERIES = [
    "government",
    "climate energy",
    "railway",
    "bank loan",
    "parliament",
    "tra*",
    "currency",
    "river OR ocean",
    "court law",
    "goverment~",
    "evidence",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def paths_under(home: Path) -> Paths:
    """lectern's three folders under ``home`` (what LECTERN_HOME=home gives)."""
    return Paths.from_environment({"LECTERN_HOME": str(home)})


def list_painted(app: App[Any]) -> bool:
    """The main screen's DocumentList has rendered at least one line of a row."""
    screen = main_screen(app)
    if screen is None:
        return False
    try:
        return screen.query_one(DocumentList).lines_rendered > 0
    except NoMatches:
        return False


def index_idle(screen: MainScreen) -> bool:
    return screen._index_ready and not screen.indexing and bool(screen.entries)


# --------------------------------------------------------------------------- peers


class PaintedStatic(Static):
    """A Static that notes when it was first painted."""

    painted_at: float | None = None

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if self.painted_at is None:
            self.painted_at = time.perf_counter()
        return strip


class MinimalApp(App[None]):
    """The floor: an App with one Static."""

    def compose(self) -> ComposeResult:
        yield PaintedStatic("Hello from a minimal Textual app.")


class EchoApp(App[None]):
    """An Input whose value a Static shows: the floor of keystroke-to-repaint."""

    def compose(self) -> ComposeResult:
        yield Input(id="echo-input")
        yield PaintedStatic("", id="echo")

    def on_input_changed(self, event: Input.Changed) -> None:
        echo = self.query_one("#echo", PaintedStatic)
        echo.update(event.value)
        echo.painted_at = None


class TextAreaApp(App[None]):
    """Textual's TextArea, read-only and soft-wrapped: the peer of the reader."""

    def compose(self) -> ComposeResult:
        yield TextArea(read_only=True, soft_wrap=True, id="peer")


async def floor_first_paint() -> float:
    started = time.perf_counter()
    app = MinimalApp()
    async with app.run_test(size=SIZE) as pilot:
        static = app.query_one(PaintedStatic)
        await wait_for(pilot, lambda: static.painted_at is not None)
        return time.perf_counter() - started


async def echo_keystrokes(words: list[str]) -> list[float]:
    samples = []
    app = EchoApp()
    async with app.run_test(size=SIZE) as pilot:
        field_ = app.query_one(Input)
        echo = app.query_one("#echo", PaintedStatic)
        field_.focus()
        await pilot.pause()
        for word in words:
            field_.value = ""
            await pilot.pause()
            await pilot.press(*word[:-1])
            echo.painted_at = None
            pressed = time.perf_counter()
            await pilot.press(word[-1])
            await wait_for(pilot, lambda: echo.painted_at is not None and str(echo.content) == field_.value)
            assert echo.painted_at is not None
            samples.append(echo.painted_at - pressed)
    return samples


async def text_area_peer(text_path: Path) -> tuple[list[float], list[float]]:
    """TextArea: read + load_text + first paint times, and page-down render times."""
    opens: list[float] = []
    pages: list[float] = []
    app = TextAreaApp()
    async with app.run_test(size=SIZE) as pilot:
        area = app.query_one(TextArea)
        clock = RenderClock()
        clock.install(area)
        area.focus()
        await pilot.pause()
        for _ in range(PEER_OPEN_RUNS):
            area.load_text("")
            await pilot.pause()
            clock.reset()
            started = time.perf_counter()
            area.load_text(text_path.read_text(encoding="utf-8"))
            loaded = time.perf_counter()
            await wait_for(pilot, lambda loaded=loaded: clock.lines > 0 and clock.last_end > loaded)
            opens.append(clock.last_end - started)
        await pilot.pause()
        for _ in range(PAGE_DOWNS):
            clock.reset()
            started = time.perf_counter()
            area.action_cursor_page_down()
            action = time.perf_counter() - started
            await wait_for(pilot, lambda: clock.lines > 0)
            await pilot.pause(POLL)
            pages.append(action + clock.seconds)
    return opens, pages


# --------------------------------------------------------------------------- lectern


async def finish_indexer(app: App[Any], cancel: bool) -> None:
    """Let the app's indexer worker end (or cancel it, which kills its child) before the app exits.

    Otherwise the child outlives the run and its event loop and competes with the next one.
    """
    workers = [w for w in app.workers if w.group == "indexer"]
    for worker in workers:
        if cancel:
            worker.cancel()
        with contextlib.suppress(Exception):
            await worker.wait()


async def lectern_first_paint(paths: Paths, inputs: list[Path], cold: bool = False) -> float:
    started = time.perf_counter()
    app = make_app(paths, inputs)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: list_painted(app))
        elapsed = time.perf_counter() - started
        await finish_indexer(app, cancel=cold)
    return elapsed


@dataclass
class KeySample:
    total: float
    """Last key press until the list's repaint with the results ended (includes the debounce)."""
    after_debounce: float
    """From the debounced search starting until the repaint ended."""
    search: float
    """From the debounced search starting until the list got the rows (the worker)."""
    paint: float
    """From set_rows until the repaint ended."""


async def lectern_keystrokes(paths: Paths, corpus: Path, queries: list[str]) -> list[KeySample]:
    samples: list[KeySample] = []
    app = make_app(paths, [corpus])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main_screen(app) is not None)
        screen = main_screen(app)
        assert screen is not None
        await wait_for(pilot, lambda: index_idle(screen))
        listed = screen.query_one(DocumentList)
        search = screen.query_one("#search", Input)
        clock = RenderClock()
        clock.install(listed)
        marks: dict[str, Any] = {}
        original_set_rows = listed.set_rows
        original_start = screen.searching.start

        def set_rows(rows: Any, snippets: bool, empty_message: str = "No documents.") -> None:
            marks["rows"] = (time.perf_counter(), screen.active_query, snippets)
            clock.reset()
            original_set_rows(rows, snippets, empty_message)

        def start_search(text: str) -> None:
            marks["fired"] = (time.perf_counter(), text)
            original_start(text)

        listed.set_rows = set_rows  # type: ignore[method-assign]
        screen.searching.start = start_search  # type: ignore[method-assign]
        await pilot.press("slash")
        await wait_for(pilot, lambda: search.has_focus)

        def shown(text: str) -> bool:
            rows = marks.get("rows")
            return rows is not None and rows[1] == text and rows[2] and clock.lines > 0

        for round_ in range(KEY_ROUNDS + 1):  # the first round warms up (imports Whoosh, opens the index)
            for text in queries:
                search.value = ""
                await wait_for(pilot, lambda: not screen.active_query)
                await pilot.pause()
                await app.workers.wait_for_complete()
                marks.clear()
                await pilot.press(*text[:-1])
                marks.clear()
                pressed = time.perf_counter()
                await pilot.press(text[-1])
                await wait_for(pilot, lambda text=text: shown(text))
                fired, fired_text = marks["fired"]
                assert fired_text == text, (fired_text, text)
                rows_at = marks["rows"][0]
                if round_:
                    samples.append(
                        KeySample(
                            clock.last_end - pressed,
                            clock.last_end - fired,
                            rows_at - fired,
                            clock.last_end - rows_at,
                        )
                    )
        search.value = ""
        await pilot.pause()
    return samples


async def lectern_reader(
    paths: Paths, corpus: Path
) -> tuple[list[float], list[float], list[float], dict[str, float]]:
    """Open the 5 MB document OPEN_RUNS times (a small one between), then page down."""
    opens: list[float] = []
    pages: list[float] = []
    renders: list[float] = []
    split: dict[str, list[float]] = {"read": [], "load": []}
    app = make_app(paths, [corpus])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main_screen(app) is not None)
        screen = main_screen(app)
        assert screen is not None
        await wait_for(pilot, lambda: index_idle(screen) and LARGE_ID in screen.entries)
        listed = screen.query_one(DocumentList)
        reader = screen.query_one(Reader)
        small = next(doc_id for doc_id in sorted(screen.entries) if doc_id != LARGE_ID)
        clock = RenderClock()
        clock.install(reader)
        loads: dict[str, float] = {}
        original_load = reader.load

        def load(*args: Any, **kwargs: Any) -> None:
            loads["start"] = time.perf_counter()
            original_load(*args, **kwargs)
            loads["end"] = time.perf_counter()

        reader.load = load  # type: ignore[method-assign]
        for _ in range(OPEN_RUNS):
            listed.post_message(DocumentList.Opened(listed, small))
            await wait_for(pilot, lambda: reader.doc_id == small and reader.lines_rendered > 0)
            await pilot.pause()
            await app.workers.wait_for_complete()
            clock.reset()
            loads.clear()
            started = time.perf_counter()
            listed.post_message(DocumentList.Opened(listed, LARGE_ID))
            await wait_for(pilot, lambda: reader.doc_id == LARGE_ID and reader.lines_rendered > 0)
            opens.append(clock.last_end - started)
            split["read"].append(loads["start"] - started)
            split["load"].append(loads["end"] - loads["start"])
        reader.focus()
        await pilot.pause()
        await app.workers.wait_for_complete()
        for _ in range(PAGE_DOWNS):
            await pilot.pause()
            clock.reset()
            started = time.perf_counter()
            reader.action_page_down()
            action = time.perf_counter() - started
            await wait_for(pilot, lambda: clock.lines > 0)
            await pilot.pause(POLL)
            pages.append(action + clock.seconds)
            renders.append(clock.seconds)
        assert reader.top_offset > 0, "the page downs should have moved through the document"
    return opens, pages, renders, {k: median(v) for k, v in split.items()}


# --------------------------------------------------------------------------- memory (own process)


def memory_child(kind: str, home: Path, corpus: Path) -> None:
    """Run in a fresh process: print the peak resident set after the scenario, as JSON."""

    async def scenario() -> None:
        if kind == "floor":
            app: App[Any] = MinimalApp()
            async with app.run_test(size=SIZE) as pilot:
                static = app.query_one(PaintedStatic)
                await wait_for(pilot, lambda: static.painted_at is not None)
                await pilot.pause(0.2)
            return
        lectern: LecternApp = make_app(paths_under(home), [corpus])
        async with lectern.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: list_painted(lectern))
            screen = main_screen(lectern)
            assert screen is not None
            await wait_for(pilot, lambda: index_idle(screen) and LARGE_ID in screen.entries)
            listed = screen.query_one(DocumentList)
            reader = screen.query_one(Reader)
            listed.post_message(DocumentList.Opened(listed, LARGE_ID))
            await wait_for(pilot, lambda: reader.doc_id == LARGE_ID and reader.lines_rendered > 0)
            await settle(lectern)
            if kind == "lectern-search":  # the first search opens the Whoosh index in this process
                screen.query_one("#search", Input).value = "government"
                await wait_for(pilot, lambda: screen.active_query == "government" and listed.snippets)
                await settle(lectern)
            await pilot.pause(0.2)

    asyncio.run(scenario())
    status: dict[str, float] = {}
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                status[key] = int(value.split()[0]) / 1024
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KB on Linux
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    print(
        json.dumps(
            {
                # Linux carries ru_maxrss over from the forking parent across exec, so a child started
                # by a big benchmark process reports at least the parent's size: VmHWM (this process's
                # own address space since exec) is the peak to trust there; ru_maxrss elsewhere.
                "peak_mb": status.get("VmHWM", maxrss),
                "maxrss_mb": maxrss,
                "rss_mb": status.get("VmRSS", 0.0),
                "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale,
            }
        )
    )


async def settle(app: Any) -> None:
    """Wait for the app's workers; a worker superseded by a newer one (exclusive) is fine."""
    with contextlib.suppress(WorkerCancelled):
        await app.workers.wait_for_complete()


def measure_memory(kind: str, home: Path, corpus: Path) -> dict[str, float]:
    argv = [sys.executable, __file__, "--memory-child", kind, "--home", str(home), "--corpus", str(corpus)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"memory child {kind} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- main


def repeat(runs: int, make: Callable[[], Coroutine[Any, Any, float]], warm_up: bool = True) -> list[float]:
    """Median-ready samples of ``runs`` fresh event loops, after one discarded warm-up run."""
    if warm_up:
        asyncio.run(make())
    return [asyncio.run(make()) for _ in range(runs)]


def index_now(library: Library, rebuild: bool = False) -> dict[str, Any]:
    done: dict[str, Any] = {}
    for event in library.update(rebuild=rebuild):
        if event["event"] in ("done", "error"):
            done = event
    if done.get("event") != "done":
        raise SystemExit(f"the indexer failed: {done}")
    return done


# --------------------------------------------------------------------------- a real terminal


class Tmux:
    """Sessions on a private tmux server (its own socket), so the user's tmux is never touched."""

    def __init__(self, work: Path) -> None:
        self.socket = str(work / "tmux.sock")
        self.count = 0

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=False)

    def __enter__(self) -> Tmux:
        # a server that stays up between runs: starting one is not part of an app's start-up
        self.run("new-session", "-d", "-s", "keep", "-x", "40", "-y", "10", "sleep 3600")
        return self

    def __exit__(self, *_: object) -> None:
        self.run("kill-server")

    def paint(self, command: str, *markers: str, timeout: float = 30.0) -> list[float]:
        """Seconds from starting ``command`` in a 120x36 session until each of ``markers`` is on
        screen (in the order given)."""
        self.count += 1
        name = f"paint-{self.count}"
        seen: list[float] = []
        started = time.perf_counter()
        self.run("new-session", "-d", "-s", name, "-x", "120", "-y", "36", command)
        try:
            while len(seen) < len(markers):
                shown = self.run("capture-pane", "-p", "-t", name).stdout
                while len(seen) < len(markers) and markers[len(seen)] in shown:
                    seen.append(time.perf_counter() - started)
                if time.perf_counter() - started > timeout:
                    raise SystemExit(f"{markers[len(seen)]!r} never appeared; the screen was:\n{shown}")
                time.sleep(TERMINAL_POLL)
        finally:
            self.run("kill-session", "-t", name)
            time.sleep(0.5)  # let the app and its indexer child go before the next run
        return seen


def terminal_first_paint(work: Path, runs: int = TERMINAL_RUNS) -> dict[str, list[float]]:
    """First-paint times in tmux, ``runs`` of each app, alternating: ``minimal``; ``lectern``, its
    reading room on screen (the search box); ``lectern titles``, the documents listed."""
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed: the terminal first paint needs it")
    script = work / "minimal_app.py"
    script.write_text(MINIMAL_SCRIPT, encoding="utf-8")
    home = work / "terminal-home"
    python = shlex.quote(sys.executable)
    env = (
        "env -u PYTHONDONTWRITEBYTECODE"
        f" PYTHONPYCACHEPREFIX={shlex.quote(str(work / 'pycache'))}"
        f" LECTERN_HOME={shlex.quote(str(home))}"
    )
    commands = {
        "lectern": (f"cd {shlex.quote(str(ROOT))} && {env} {python} -m tui", (SEARCH_BOX, SEED_TITLE)),
        "minimal": (f"{env} {python} {shlex.quote(str(script))}", (MINIMAL_TEXT,)),
    }
    index_now(Library.open(paths_under(home), []))
    times: dict[str, list[float]] = {"lectern": [], "lectern titles": [], "minimal": []}
    with Tmux(work) as tmux:
        for name, (command, markers) in commands.items():
            log(f"terminal first paint: warming up {name} (bytecode cache) …")
            tmux.paint(command, *markers)
        for run in range(runs):
            for name, (command, markers) in commands.items():
                seen = tmux.paint(command, *markers)
                times[name].append(seen[0])
                if name == "lectern":
                    times["lectern titles"].append(seen[1])
            log(
                f"  run {run + 1}/{runs}: lectern {times['lectern'][-1]:.3f} s"
                f" (titles {times['lectern titles'][-1]:.3f} s), minimal {times['minimal'][-1]:.3f} s"
            )
    return times


def terminal_rows(work: Path, runs: int = TERMINAL_RUNS) -> tuple[list[Row], str]:
    times = terminal_first_paint(work, runs)
    floor = median(times["minimal"])
    rows = [
        Row(
            f"first paint in tmux {name}",
            median(times[key]),
            floor,
            TERMINAL_RATIO * floor,
            "s",
            note=f"median of {runs}; target {TERMINAL_RATIO}x the minimal app",
        )
        for key, name in (("lectern", "(reading room on screen)"), ("lectern titles", "(seed titles listed)"))
    ]
    lines = [
        f"{key}: median {median(values):.3f} s, min {min(values):.3f}, max {max(values):.3f}"
        + (f", {median(values) / floor:.2f}x the minimal app" if key != "minimal" else "")
        for key, values in times.items()
    ]
    ratio = median(times["lectern"]) / floor
    verdict = f"target {TERMINAL_RATIO:.1f}x: {'met' if ratio <= TERMINAL_RATIO else 'missed'}"
    return rows, "terminal first paint (tmux 120x36): " + "; ".join(lines) + f" ({verdict})"


def bench(work: Path, documents: int, megabytes: float) -> None:
    started = time.perf_counter()
    rows: list[Row] = []
    notes: list[str] = []
    home = work / "home"
    os.environ["LECTERN_HOME"] = str(home)  # the app and its indexer child never see the real home
    paths = paths_under(home)

    # First paint: floor and seeds --------------------------------------------------------------
    log("first paint: minimal app and bundled seeds …")
    floor = repeat(PAINT_RUNS, floor_first_paint)
    index_now(Library.open(paths, []))
    seeds = repeat(PAINT_RUNS, lambda: lectern_first_paint(paths, []))
    rows.append(
        Row(
            "first paint, bundled seeds (index built)",
            median(seeds),
            median(floor),
            TARGETS["paint_seeds"],
            "s",
        )
    )

    # The corpus ---------------------------------------------------------------------------------
    corpus = work / "corpus"
    log(f"generating {documents:,} documents / {megabytes:g} MB and indexing them …")
    generate(corpus, documents=documents, total_mb=megabytes)
    library = Library.open(paths, [corpus])
    built = index_now(library, rebuild=True)
    log("first paint on the corpus, index built …")
    warm = repeat(PAINT_RUNS, lambda: lectern_first_paint(paths, [corpus]))
    rows.append(
        Row(
            f"first paint, {built['documents']:,} docs (index built)",
            median(warm),
            median(floor),
            TARGETS["paint_corpus"],
            "s",
        )
    )
    log("first paint on the corpus, cold (no index, a fresh LECTERN_HOME each run) …")
    cold = []
    for run in range(COLD_RUNS):
        cold.append(
            asyncio.run(lectern_first_paint(paths_under(work / f"cold-home-{run}"), [corpus], cold=True))
        )
    rows.append(
        Row(
            f"first paint, {built['documents']:,} docs (cold, no index)",
            median(cold),
            median(floor),
            TARGETS["paint_corpus"],
            "s",
            note=f"median of {COLD_RUNS}; the indexer child starts a full build alongside",
        )
    )

    # A real terminal --------------------------------------------------------------------------
    terminal, terminal_summary = terminal_rows(work)
    rows.extend(terminal)
    notes.append(terminal_summary)

    # Keystrokes -------------------------------------------------------------------------------
    queries = [*TYPED_QUERIES, *phrases(corpus, 1)]
    log(f"keystroke to repainted list: {len(queries)} queries x {KEY_ROUNDS} (after a warm-up round) …")
    keys = asyncio.run(lectern_keystrokes(paths, corpus, queries))
    echo = asyncio.run(echo_keystrokes(queries * KEY_ROUNDS))
    total = [k.total for k in keys]
    after = [k.after_debounce for k in keys]
    rows.append(
        Row(
            f"keystroke -> list repainted p95, incl. {SEARCH_DELAY * 1e3:.0f} ms debounce",
            percentile(total, 95),
            percentile(echo, 95),
            TARGETS["keystroke_p95"],
        )
    )
    rows.append(
        Row(
            "keystroke -> list repainted p95, excl. debounce",
            percentile(after, 95),
            percentile(echo, 95),
            TARGETS["keystroke_p95"],
            note=(
                f"{len(keys)} samples; p50 {percentile(total, 50) * 1e3:.0f} ms incl. / "
                f"{percentile(after, 50) * 1e3:.0f} ms excl. debounce; medians: search worker "
                f"{median([k.search for k in keys]) * 1e3:.0f} ms, list paint {median([k.paint for k in keys]) * 1e3:.1f} ms"
                f" (results limit 200 in the UI)"
            ),
        )
    )
    by_query: dict[str, list[float]] = {}
    for text, sample in zip(queries * KEY_ROUNDS, keys, strict=True):
        by_query.setdefault(text, []).append(sample.after_debounce)
    notes.append("keystroke -> repaint excl. debounce, median ms per query:")
    notes.append("  " + ", ".join(f"{q!r} {median(v) * 1e3:.0f}" for q, v in by_query.items()))

    # The 5 MB document ------------------------------------------------------------------------
    large = write_large_document(corpus / LARGE_ID, megabytes=5.0)
    log(f"indexing a {large.stat().st_size / 1e6:.1f} MB document, then opening it in the reader …")
    index_now(library)
    opens, pages, renders, split = asyncio.run(lectern_reader(paths, corpus))
    log("peer: TextArea with the same text …")
    peer_opens, peer_pages = asyncio.run(text_area_peer(large))
    rows.append(
        Row(
            "open 5 MB document -> reader first paint",
            median(opens),
            median(peer_opens),
            TARGETS["reader_open"],
            "s",
            note=(
                f"median of {OPEN_RUNS}: worker read {split['read'] * 1e3:.0f} ms, Reader.load "
                f"{split['load'] * 1e3:.0f} ms, rest is the paint; TextArea peer: read_text + load_text + paint, "
                f"median of {PEER_OPEN_RUNS}"
            ),
        )
    )
    rows.append(
        Row(
            "page down, 5 MB doc: action + render (median)",
            median(pages),
            median(peer_pages),
            TARGETS["page_down"],
            note=f"{PAGE_DOWNS} page downs; render_line time alone: median {median(renders) * 1e3:.2f} ms",
        )
    )
    rows.append(
        Row(
            "page down, 5 MB doc: action + render (p95)",
            percentile(pages, 95),
            percentile(peer_pages, 95),
            TARGETS["page_down"],
        )
    )

    # Memory -----------------------------------------------------------------------------------
    log("resident memory, each in its own process …")
    memory = measure_memory("lectern", home, corpus)
    searched = measure_memory("lectern-search", home, corpus)
    floor_memory = measure_memory("floor", home, corpus)
    rows.append(
        Row(
            "peak RSS after corpus + 5 MB document",
            memory["peak_mb"],
            floor_memory["peak_mb"],
            TARGETS["memory_mb"],
            "MB",
            note=(
                f"peak of the app process (VmHWM; current RSS {memory['rss_mb']:.0f} MB; ru_maxrss "
                f"{memory['maxrss_mb']:.0f} MB includes the parent's size at fork); the indexer child peaked "
                f"at {memory['children_maxrss_mb']:.0f} MB (not counted); peer: the minimal app"
            ),
        )
    )
    rows.append(
        Row(
            "peak RSS, the same and then one search",
            searched["peak_mb"],
            floor_memory["peak_mb"],
            TARGETS["memory_mb"],
            "MB",
            note=f"current RSS {searched['rss_mb']:.0f} MB; the search opens the Whoosh index in the app process",
        )
    )

    print()
    print(
        f"lectern UI benchmark · {os.cpu_count()} CPUs · Python {sys.version.split()[0]} · headless {SIZE[0]}x{SIZE[1]}"
    )
    print("peer: minimal Textual app for first paint and memory, Input+Static echo for keystrokes,")
    print("TextArea(read_only, soft_wrap) for the 5 MB document. Timings are medians unless p95.")
    print()
    print(table(rows, "peer"))
    print()
    print("\n".join(notes))
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--mb", type=float, default=25.0)
    parser.add_argument("--keep", type=Path, help="write everything under this folder and keep it")
    parser.add_argument(
        "--memory-child", choices=("lectern", "lectern-search", "floor"), help=argparse.SUPPRESS
    )
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--terminal-only", action="store_true", help="only the first paint in tmux (lectern vs minimal app)"
    )
    parser.add_argument("--runs", type=int, default=TERMINAL_RUNS, help="runs of each app in tmux")
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        os.environ["LECTERN_HOME"] = str(args.home)
        memory_child(args.memory_child, args.home, args.corpus)
    elif args.terminal_only:
        with tempfile.TemporaryDirectory(prefix="lectern-bench-tmux-") as work:
            os.environ["LECTERN_HOME"] = str(Path(work) / "terminal-home")
            terminal, summary = terminal_rows(Path(work), args.runs)
            print(table(terminal, "minimal app"))
            print(summary)
    elif args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        bench(args.keep, args.documents, args.mb)
    else:
        with tempfile.TemporaryDirectory(prefix="lectern-bench-ui-") as work:
            bench(Path(work), args.documents, args.mb)


if __name__ == "__main__":
    main()
