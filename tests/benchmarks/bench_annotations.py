"""Annotation benchmark, run by hand: ``python tests/benchmarks/bench_annotations.py`` (from the repo root).

Everything runs under a throw-away LECTERN_HOME on a generated ~1 MB document carrying 2,000
annotations (five colours, a quarter with notes, one in ten overlapping the one before), and
measures, beside a peer run in the same process and the same run:

(a) the reader, headless (``App.run_test``, 120x36): from asking to open the document until its
    first paint, and page downs (``Reader.action_page_down`` plus the ``render_line`` calls of the
    next frame, median and p95); peer: the same document without annotations, opened and paged
    in the same app. Target: as fast as the peer (10 % allowed for noise);
(b) ``AnnotationStore.save`` of one annotation into a file already holding 2,000 (p50/p95,
    target 20 ms); peer: ``yaml.safe_dump`` of the same payload plus the same atomic write (what
    a naive YAML store costs). And a cold first load (a new store: read, parse, build the
    annotations) of that file; peer: ``yaml.safe_load`` of the same file;
(c) re-anchoring the 2,000 annotations after an edit through ``open_annotations`` (load,
    re-anchor, write back; target 0.5 s), once after a paragraph inserted near the top and once
    after scattered edits inside 5 % of the quotes; peer: ``text.find`` of every quote from the
    start of the text (no hints, no fuzzy matching, no I/O).

Nothing asserts on time. ``--keep DIR`` keeps the files.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.benchmarks.common import Row, median, percentile, table  # noqa: E402
from tests.benchmarks.corpus import write_large_document  # noqa: E402
from tests.benchmarks.pilot import POLL, RenderClock, main_screen, wait_for  # noqa: E402
from tui.core.anchoring import reanchor_all  # noqa: E402
from tui.core.annotation_format import FORMAT_VERSION  # noqa: E402
from tui.core.annotation_store import AnnotationStore  # noqa: E402
from tui.core.annotation_tracking import open_annotations  # noqa: E402
from tui.core.annotations import COLORS, Annotation, DocumentRef, reference  # noqa: E402
from tui.core.discovery import SourceFile  # noqa: E402
from tui.core.documents import Document, read_document, text_sha256  # noqa: E402
from tui.core.library import Library  # noqa: E402
from tui.core.paths import Paths  # noqa: E402
from tui.core.storage import atomic_write_text  # noqa: E402
from tui.ui.app import make_app  # noqa: E402
from tui.ui.widgets.annotation_panel import AnnotationPanel  # noqa: E402
from tui.ui.widgets.reader import Reader  # noqa: E402

SIZE = (120, 36)
DOC_MB = 1.0
ANNOTATIONS = 2_000
NOTED = 0.25
OVERLAPPING = 0.10
EDITED = 0.05
OPEN_RUNS = 15
PAGE_DOWNS = 30
PAGE_ROUNDS = 3
SAVE_RUNS = 40
PEER_SAVE_RUNS = 5
LOAD_RUNS = 15
PEER_LOAD_RUNS = 3
REANCHOR_RUNS = 5
NOISE = 1.10
"""Slack over the peer allowed for "as fast as without annotations"."""
TARGETS = {"save": 0.020, "reanchor": 0.5}
ANNOTATED, PLAIN = "annotated.md", "plain.md"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


# --------------------------------------------------------------------------- data


def load_doc(path: Path, doc_id: str) -> Document:
    stat = path.stat()
    doc = read_document(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document), doc
    return doc


def _word_start(text: str, at: int) -> int:
    while 0 < at < len(text) and not text[at - 1].isspace():
        at += 1
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _word_end(text: str, at: int) -> int:
    while at < len(text) and not text[at].isspace():
        at += 1
    return at


def make_annotations(
    text: str, sha256: str, rng: random.Random, count: int = ANNOTATIONS
) -> list[Annotation]:
    """``count`` annotations spread over ``text``: quotes of 12-400 characters on word boundaries."""
    words = text.split()
    made: list[Annotation] = []
    usable = len(text) - 500
    for number in range(count):
        previous = made[-1] if made else None
        if previous is not None and rng.random() < OVERLAPPING:  # starts inside the one before
            start = rng.randint(previous.start + 1, max(previous.start + 1, previous.end - 8))
        else:
            start = int((number + rng.random()) * usable / count)
        start = _word_start(text, start)
        size = int(min(max(rng.lognormvariate(4.3, 0.6), 12), 400))
        end = _word_end(text, start + size)
        note = " ".join(rng.choices(words, k=rng.randint(4, 30))) if rng.random() < NOTED else ""
        tags = rng.sample(["evidence", "todo", "quote", "method", "reread"], k=rng.randint(0, 2))
        made.append(
            Annotation.create(text, start, end, sha256=sha256, note=note, tags=tags, color=rng.choice(COLORS))
        )
    return made


def payload(ref: DocumentRef, annotations: list[Annotation]) -> dict[str, Any]:
    """What ``AnnotationStore._write`` serialises."""
    return {
        "version": FORMAT_VERSION,
        "document": {"id": ref.id, "path": ref.path, "sha256": ref.sha256, "title": ref.title},
        "annotations": [a.to_dict() for a in annotations],
    }


# --------------------------------------------------------------------------- (a) the reader


@dataclass
class ReaderResult:
    opens: dict[str, list[float]] = field(default_factory=lambda: {ANNOTATED: [], PLAIN: []})
    pages: dict[str, list[float]] = field(default_factory=lambda: {ANNOTATED: [], PLAIN: []})
    renders: dict[str, list[float]] = field(default_factory=lambda: {ANNOTATED: [], PLAIN: []})
    shown: int = 0
    """Annotations the reader placed."""
    on_pages: int = 0
    """Annotations within the paged-through part of the annotated document."""
    panel: float = 0.0
    """The annotation panel's first show (builds 2,000 entries) until painted."""


async def reader_run(paths: Paths, corpus: Path) -> ReaderResult:
    result = ReaderResult()
    app = make_app(paths, [corpus])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main_screen(app) is not None)
        screen = main_screen(app)
        assert screen is not None
        await wait_for(
            pilot,
            lambda: screen._index_ready and not screen.indexing and {ANNOTATED, PLAIN} <= set(screen.entries),
        )
        await app.workers.wait_for_complete()
        reader = screen.query_one(Reader)
        clock = RenderClock()
        clock.install(reader)

        async def open_doc(doc_id: str) -> float:
            assert reader.doc_id != doc_id, "opening the document already shown paints nothing new"
            await pilot.pause()
            await app.workers.wait_for_complete()
            clock.reset()
            started = time.perf_counter()
            screen._open(doc_id)
            await wait_for(pilot, lambda: reader.doc_id == doc_id and reader.lines_rendered > 0)
            return clock.last_end - started

        for run in range(OPEN_RUNS + 1):  # the first round warms up (and reads the annotation file)
            for doc_id in (ANNOTATED, PLAIN):  # alternating, so each open really changes the document
                elapsed = await open_doc(doc_id)
                if run:
                    result.opens[doc_id].append(elapsed)

        for round_ in range(PAGE_ROUNDS):  # alternating documents, so drift in the machine hits both alike
            for doc_id in (ANNOTATED, PLAIN):  # the open rounds ended on PLAIN
                await open_doc(doc_id)  # resumes where the previous round left this document
                reader.focus()
                if not round_:
                    reader.action_top()
                await pilot.pause()
                await app.workers.wait_for_complete()
                top = reader.top_offset
                for _ in range(PAGE_DOWNS // PAGE_ROUNDS):
                    await pilot.pause()
                    clock.reset()
                    started = time.perf_counter()
                    reader.action_page_down()
                    action = time.perf_counter() - started
                    await wait_for(pilot, lambda: clock.lines > 0)
                    await pilot.pause(POLL)
                    result.pages[doc_id].append(action + clock.seconds)
                    result.renders[doc_id].append(clock.seconds)
                assert reader.top_offset > top, "the page downs should have moved on through the document"
                if doc_id == ANNOTATED:
                    result.shown = len(reader.annotations)
                    result.on_pages = len(reader.annotations_between(0, reader.top_offset))

        await open_doc(ANNOTATED)
        panel = screen.query_one(AnnotationPanel)
        panel_clock = RenderClock()
        panel_clock.install(panel)
        await pilot.pause()
        started = time.perf_counter()
        screen.action_toggle_panel()
        await wait_for(pilot, lambda: panel_clock.lines > 0)
        result.panel = panel_clock.last_end - started
        screen.action_toggle_panel()
        await pilot.pause()
        for worker in app.workers:  # let the indexer child end before the app and its loop go
            if worker.group == "indexer":
                worker.cancel()
            with contextlib.suppress(Exception):
                await worker.wait()
    return result


# --------------------------------------------------------------------------- (b) save and load


@dataclass
class StoreResult:
    saves: list[float]
    peer_saves: list[float]
    loads: list[float]
    peer_loads: list[float]
    peer_block_load: float
    file_kb: float
    peer_file_kb: float


def store_run(work: Path, text: str, annotations: list[Annotation], rng: random.Random) -> StoreResult:
    store = AnnotationStore(work / "store-save" / "annotations")
    ref = reference("bench/save.md", work / "save.md", text_sha256(text), "Save Bench")
    store.transact(ref, lambda _: annotations)
    file = store.file_for(ref.path)
    assert store.load(ref.path) is not None

    saves = []
    for _ in range(SAVE_RUNS + 1):  # the first one warms up
        at = rng.randrange(0, len(text) - 200)
        new = Annotation.create(text, at, at + 60, sha256=ref.sha256, note="a new note", color="green")
        saves.append(timed(lambda new=new: store.save(ref, new))[0])
    saves = saves[1:]
    current = store.load(ref.path)
    assert current is not None and len(current.annotations) == ANNOTATIONS + SAVE_RUNS + 1

    peer_file = file.with_name("peer-safe-dump.yaml")
    items = list(current.annotations)

    def naive_save() -> None:
        atomic_write_text(
            peer_file, yaml.safe_dump(payload(ref, items), allow_unicode=True, sort_keys=False, width=1_000)
        )

    peer_saves = [timed(naive_save)[0] for _ in range(PEER_SAVE_RUNS)]

    loads = []
    for _ in range(LOAD_RUNS):
        cold = AnnotationStore(file.parent)
        elapsed, loaded = timed(lambda cold=cold: cold.load(ref.path))
        assert loaded is not None and len(loaded.annotations) == len(items)
        loads.append(elapsed)
    peer_loads = []
    for _ in range(PEER_LOAD_RUNS):
        elapsed, raw = timed(lambda: yaml.safe_load(file.read_text(encoding="utf-8")))
        assert len(raw["annotations"]) == len(items)
        peer_loads.append(elapsed)
    peer_block_load = timed(lambda: yaml.safe_load(peer_file.read_text(encoding="utf-8")))[0]
    return StoreResult(
        saves,
        peer_saves,
        loads,
        peer_loads,
        peer_block_load,
        file.stat().st_size / 1024,
        peer_file.stat().st_size / 1024,
    )


# --------------------------------------------------------------------------- (c) re-anchoring


def insert_paragraph(text: str, rng: random.Random) -> tuple[str, list[tuple[int, int, int]]]:
    """A new paragraph after the first one of the body: the text and its edit (at, old length, delta)."""
    at = text.find("\n\n", 200) + 2
    words = text[at : at + 20_000].split()
    paragraph = " ".join(rng.choices(words, k=110)).capitalize() + ".\n\n"
    return text[:at] + paragraph + text[at:], [(at, 0, len(paragraph))]


def scattered_edit(
    text: str, annotations: list[Annotation], rng: random.Random
) -> tuple[str, list[tuple[int, int, int]]]:
    """One word replaced inside ``EDITED`` of the quotes: the text and its edits (at, old length, delta)."""
    edits: dict[int, tuple[int, str]] = {}
    for annotation in rng.sample(annotations, int(len(annotations) * EDITED)):
        middle = (annotation.start + annotation.end) // 2
        low = text.rfind(" ", annotation.start, middle) + 1
        high = text.find(" ", middle, annotation.end)
        if low <= annotation.start or high < 0 or high <= low:
            continue
        if any(low < at + size + 1 and at < high + 1 for at, (size, _) in edits.items()):
            continue
        word = text[low:high]
        edits[low] = (len(word), "revised" if word != "revised" else "amended")
    out = text
    for at in sorted(edits, reverse=True):
        size, replacement = edits[at]
        out = out[:at] + replacement + out[at + size :]
    return out, sorted((at, size, len(new) - size) for at, (size, new) in edits.items())


def expected_start(start: int, edits: list[tuple[int, int, int]]) -> int:
    """Where a passage that started at ``start`` starts after ``edits`` (an insertion at it pushes it on)."""
    return start + sum(delta for at, size, delta in edits if at < start or (at == start and not size))


def untouched(annotation: Annotation, edits: list[tuple[int, int, int]]) -> bool:
    """The quote's text is still in the new text unchanged (no edit falls inside it)."""
    return not any(
        annotation.start < at < annotation.end or (at == annotation.start and size) for at, size, _ in edits
    )


@dataclass
class AnchorResult:
    seconds: list[float]
    peer: list[float]
    reanchor_only: float
    statuses: dict[str, int]
    misplaced: int
    """Annotations with an unchanged quote that lectern put anywhere but where it now is."""
    peer_misplaced: int
    peer_missing: int


def anchor_run(
    work: Path,
    name: str,
    text: str,
    annotations: list[Annotation],
    edited: str,
    edits: list[tuple[int, int, int]],
) -> AnchorResult:
    folder = work / f"store-{name}" / "annotations"
    original = reference(f"bench/{name}.md", work / f"{name}.md", text_sha256(text), "Re-anchor Bench")
    changed = reference(original.id, original.path, text_sha256(edited), original.title)
    AnnotationStore(folder).transact(original, lambda _: annotations)
    file = AnnotationStore(folder).file_for(original.path)
    pristine = file.read_bytes()

    seconds = []
    opened = None
    for _ in range(REANCHOR_RUNS + 1):  # the first one warms up
        file.write_bytes(pristine)
        store = AnnotationStore(folder)  # cold: the file is read as on opening the document
        elapsed, opened = timed(lambda store=store: open_annotations(store, changed, edited))
        seconds.append(elapsed)
    assert opened is not None and len(opened.annotations.annotations) == len(annotations)
    by_id = {a.id: a for a in opened.annotations.annotations}
    misplaced = sum(
        1 for a in annotations if untouched(a, edits) and by_id[a.id].start != expected_start(a.start, edits)
    )

    ordered = sorted(annotations, key=lambda a: (a.start, a.end))
    reanchor_only = min(timed(lambda: reanchor_all([a.target for a in ordered], edited))[0] for _ in range(2))

    quotes = [a.target.exact for a in annotations]
    peer = []
    found: list[int] = []
    for _ in range(REANCHOR_RUNS):
        elapsed, found = timed(lambda: [edited.find(q) for q in quotes])
        peer.append(elapsed)
    peer_missing = sum(1 for at in found if at < 0)
    peer_misplaced = sum(
        1
        for a, at in zip(annotations, found, strict=True)
        if at >= 0 and untouched(a, edits) and at != expected_start(a.start, edits)
    )
    return AnchorResult(
        seconds[1:], peer, reanchor_only, dict(opened.reanchored), misplaced, peer_misplaced, peer_missing
    )


# --------------------------------------------------------------------------- main


def index_now(library: Library) -> None:
    done: dict[str, Any] = {}
    for event in library.update(rebuild=True):
        if event["event"] in ("done", "error"):
            done = event
    if done.get("event") != "done":
        raise SystemExit(f"the indexer failed: {done}")


def bench(work: Path) -> None:
    started = time.perf_counter()
    rng = random.Random(2024)
    rows: list[Row] = []
    home = work / "home"
    os.environ["LECTERN_HOME"] = str(home)  # the app and its indexer child never see the real home
    paths = Paths.from_environment({"LECTERN_HOME": str(home)})

    corpus = work / "corpus"
    annotated_path = write_large_document(corpus / ANNOTATED, megabytes=DOC_MB, title="An Annotated Report")
    write_large_document(corpus / PLAIN, megabytes=DOC_MB, title="A Plain Report")
    doc = load_doc(annotated_path, ANNOTATED)
    log(f"generating {ANNOTATIONS:,} annotations on a {len(doc.text) / 1e6:.2f} M-character document …")
    annotations = make_annotations(doc.text, doc.sha256, rng)
    library = Library.open(paths, [corpus])
    library.annotation_store().transact(
        reference(doc.id, doc.path, doc.sha256, doc.title), lambda _: annotations
    )
    log("indexing the two documents …")
    index_now(library)

    # (a) ------------------------------------------------------------------------------------------
    log(f"reader: opening each document {OPEN_RUNS} times, then {PAGE_DOWNS} page downs in each …")
    ui = asyncio.run(reader_run(paths, corpus))
    open_target = median(ui.opens[PLAIN]) * NOISE
    rows.append(
        Row(
            f"open ~{DOC_MB:g} MB doc with {ANNOTATIONS:,} annotations -> first paint",
            median(ui.opens[ANNOTATED]),
            median(ui.opens[PLAIN]),
            open_target,
            note=(
                f"median of {OPEN_RUNS} (after a warm-up); worker read + open_annotations + Reader.load + "
                f"set_annotations + paint; target: the plain document's median x {NOISE:.2f}; "
                f"{ui.shown:,} annotations placed"
            ),
        )
    )
    for label, pick in (("median", median), ("p95", lambda s: percentile(s, 95))):
        rows.append(
            Row(
                f"page down with annotations: action + render ({label})",
                pick(ui.pages[ANNOTATED]),
                pick(ui.pages[PLAIN]),
                pick(ui.pages[PLAIN]) * NOISE,
                note=(
                    f"{PAGE_DOWNS} page downs from the top in {PAGE_ROUNDS} rounds ({ui.on_pages} annotations on the pages passed); "
                    f"render_line alone: median {median(ui.renders[ANNOTATED]) * 1e3:.2f} ms vs "
                    f"{median(ui.renders[PLAIN]) * 1e3:.2f} ms; target: the plain document's x {NOISE:.2f}"
                )
                if label == "median"
                else "",
            )
        )
    rows.append(
        Row(
            f"annotation panel first shown ({ANNOTATIONS:,} entries) -> painted",
            ui.panel,
            None,
            None,
            note="one sample: the entries are built the first time the panel is shown (A)",
        )
    )

    # (b) ------------------------------------------------------------------------------------------
    log(
        f"saving one annotation into a file of {ANNOTATIONS:,}, {SAVE_RUNS} times; the peer {PEER_SAVE_RUNS} times …"
    )
    saved = store_run(work, doc.text, annotations, rng)
    rows.append(
        Row(
            f"save one annotation into {ANNOTATIONS:,} (p50)",
            percentile(saved.saves, 50),
            percentile(saved.peer_saves, 50),
            TARGETS["save"],
            note=(
                f"AnnotationStore.save (lock, re-read check, write {saved.file_kb:,.0f} KB with fsync), "
                f"{SAVE_RUNS} saves; peer: to_dict + yaml.safe_dump + the same atomic write "
                f"({saved.peer_file_kb:,.0f} KB), {PEER_SAVE_RUNS} runs"
            ),
        )
    )
    rows.append(
        Row(
            f"save one annotation into {ANNOTATIONS:,} (p95)",
            percentile(saved.saves, 95),
            percentile(saved.peer_saves, 95),
            TARGETS["save"],
        )
    )
    rows.append(
        Row(
            f"cold load of a file of {ANNOTATIONS:,} annotations",
            median(saved.loads),
            median(saved.peer_loads),
            None,
            note=(
                f"a new AnnotationStore's load (read, parse, build and order), median of {LOAD_RUNS}; "
                f"peer: yaml.safe_load of the same file, median of {PEER_LOAD_RUNS} "
                f"(of the peer's block-style file: {saved.peer_block_load * 1e3:,.0f} ms)"
            ),
        )
    )

    # (c) ------------------------------------------------------------------------------------------
    log(f"re-anchoring {ANNOTATIONS:,} annotations after two kinds of edit, {REANCHOR_RUNS} times each …")
    for name, label, (edited, edits) in (
        ("insert", "paragraph inserted near the top", insert_paragraph(doc.text, rng)),
        ("scatter", f"edits inside {EDITED:.0%} of the quotes", scattered_edit(doc.text, annotations, rng)),
    ):
        anchored = anchor_run(work, name, doc.text, annotations, edited, edits)
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(anchored.statuses.items()))
        rows.append(
            Row(
                f"re-anchor {ANNOTATIONS:,} after {label}",
                median(anchored.seconds),
                median(anchored.peer),
                TARGETS["reanchor"],
                "s",
                note=(
                    f"open_annotations (cold load, reanchor_all, write-back), median of {REANCHOR_RUNS}; "
                    f"reanchor_all alone {anchored.reanchor_only * 1e3:,.0f} ms; {len(edits)} edit(s); "
                    f"result: {statuses}; {anchored.misplaced} unchanged quote(s) misplaced. "
                    f"Peer (text.find from the start, no I/O): {anchored.peer_missing} not found, "
                    f"{anchored.peer_misplaced} unchanged quote(s) at the wrong occurrence"
                ),
            )
        )

    print()
    print(
        f"lectern annotation benchmark · {os.cpu_count()} CPUs · Python {sys.version.split()[0]} · "
        f"headless {SIZE[0]}x{SIZE[1]} · {ANNOTATIONS:,} annotations on a ~{DOC_MB:g} MB document"
    )
    print(
        "peer: the same document without annotations (reader); yaml.safe_dump/safe_load (store); "
        "text.find from the start (re-anchoring)."
    )
    print()
    print(table(rows, "peer"))
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write everything under this folder and keep it")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        bench(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="lectern-bench-annotations-") as work:
            bench(Path(work))


if __name__ == "__main__":
    main()
