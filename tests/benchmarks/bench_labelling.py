"""Labelling benchmark, run by hand: ``python tests/benchmarks/bench_labelling.py`` (repo root).

Labels 50 spans of one document from the keyboard in the real app, headless (``App.run_test``,
120x36), under a throw-away LECTERN_HOME, the way a labeller would: ``L``, then one label key a
sentence (labelling moves on to the next sentence by itself), a ``)`` now and then to skip one,
and five single words selected with ``v e`` before their key. It reports:

- keystrokes for the 50 spans, and per span;
- the time for the whole run when the keys come one at a time and each is waited for (a person
  typing: Pilot lets the app settle after each key);
- per label, the latency from the key (posted as the terminal delivers it) to the next passage
  proposed (what the labeller waits for before the next key), and to the label saved and shown
  (the file written and fsynced on the saver thread, the answer back in the reader): median and
  p95, over the same keys typed again from no labels;
- the time for the same 50 keys typed ahead all at once (the terminal delivering a burst), until
  all 50 labels are saved;
- the core's cost of one label's transaction on a file of 50 annotations (re-read, write, fsync).

Nothing asserts on time.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from tests.benchmarks.common import median, percentile  # noqa: E402
from tests.benchmarks.pilot import wait_for  # noqa: E402
from tui.core.annotation_store import AnnotationStore  # noqa: E402
from tui.core.annotations import Annotation, reference  # noqa: E402
from tui.core.labels import LabelSet, labels_file, save_labels  # noqa: E402
from tui.core.paths import HOME_VARIABLE, Paths  # noqa: E402

SIZE = (120, 36)
LABELS = (
    LabelSet().add("claim", "a").add("evidence", "s", "green").add("method", "d", "blue").add("entity", "f")
)
WORDS = ("tomatoes", "basil", "onions", "carrots", "leeks", "beans", "squash", "garlic", "peas", "kale")


def document() -> str:
    sentences = [
        f"{WORDS[n % 10].capitalize()} in bed {n} grew {n + 3} centimetres after the rain of week {n // 5}."
        for n in range(80)
    ]
    return "# Field notes\n\n" + "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, 80, 5)) + "\n"


def plan() -> list[str]:
    """The keys for 50 spans after ``L``: 45 sentences (3 skipped first), then 5 words."""
    keys = ["right_parenthesis"]  # past the heading
    for n in range(45):
        if n in (10, 20, 30):
            keys.append("right_parenthesis")
        keys.append("asd"[n % 3])
    for _ in range(5):
        keys += ["v", "e", "f"]
    return keys


async def open_notes(pilot: Pilot[Any]) -> Any:
    from tests.ui.helpers import ready
    from tui.ui.widgets.document_list import DocumentList
    from tui.ui.widgets.reader import Reader

    screen = await ready(pilot)
    screen.query_one(DocumentList).focus()
    await pilot.press("g", "enter")
    reader = screen.query_one(Reader)
    await wait_for(pilot, lambda: reader.doc_id is not None and screen.document is not None)
    await wait_for(pilot, lambda: len(screen.labelling.labels) == len(LABELS))
    await pilot.pause()
    return screen


async def clear(pilot: Pilot[Any], screen: Any) -> None:
    """Start again from no labels (an earlier run's are in the same store)."""
    store = screen.annotating.store
    ref = screen.annotating.annotations.document if screen.annotating.annotations else None
    if ref is not None:
        screen.annotating.show(store.transact(ref, lambda items: []))
    await pilot.pause()


def count(screen: Any) -> int:
    found = screen.annotating.annotations
    return len(found.annotations) if found else 0


async def one_at_a_time(folder: Path) -> tuple[int, float, list[tuple[float, float]]]:
    """Keystrokes, seconds for the run, and each label's latencies: to the next passage
    proposed, and to the label saved and shown."""
    from tui.ui.app import make_app
    from tui.ui.widgets.reader import Reader

    app = make_app(Paths.from_environment(), [folder])
    latencies: list[tuple[float, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_notes(pilot)
        keys = ["L", *plan()]
        started = time.perf_counter()
        for key in keys:
            await pilot.press(key)
        elapsed = time.perf_counter() - started
        assert count(screen) == 50 or await wait_for(pilot, lambda: count(screen) == 50)
        await pilot.press("escape", "g")
        await clear(pilot, screen)
        reader = screen.query_one(Reader)
        for key in ["L", *plan()]:  # again, each key posted as a terminal delivers it, then waited for
            if key in "asdf" and len(key) == 1:
                saved, proposed = screen.annotating.annotations, reader.selection
                pressed = time.perf_counter()
                app.post_message(events.Key(key, key))
                moved = await wait_for(pilot, lambda proposed=proposed: reader.selection != proposed)
                done = await wait_for(pilot, lambda saved=saved: screen.annotating.annotations is not saved)
                latencies.append((moved - pressed, done - pressed))
            else:
                await pilot.press(key)
    return len(keys), elapsed, latencies


async def typed_ahead(folder: Path) -> float:
    """Seconds from a burst of all the keys to the 50th label saved."""
    from tests.ui.helpers import CHARACTERS
    from tui.ui.app import make_app

    app = make_app(Paths.from_environment(), [folder])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_notes(pilot)
        await clear(pilot, screen)
        started = time.perf_counter()
        for key in ["L", *plan()]:
            character = {"right_parenthesis": ")"}.get(key, key if len(key) == 1 else CHARACTERS.get(key))
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: count(screen) == 50)
        return time.perf_counter() - started


def core_transaction(folder: Path) -> float:
    """Median seconds of one label's transaction on a file that holds 50 annotations."""
    text = document()
    store = AnnotationStore(folder / "store")
    ref = reference("notes.md", folder / "notes.md", "0" * 64, "Field notes")
    times = []
    for n in range(50):
        start = text.index(f"bed {n} ")
        made = Annotation.create(text, start, start + 5, sha256="0" * 64, tags=("claim",))
        began = time.perf_counter()
        store.save(ref, made)
        times.append(time.perf_counter() - began)
    return median(times[-20:])


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ[HOME_VARIABLE] = home
        folder = Path(home) / "notes"
        folder.mkdir()
        (folder / "field-notes.md").write_text(document(), encoding="utf-8")
        save_labels(labels_file(Paths.from_environment().config, [folder.resolve()]), LABELS)
        keys, elapsed, latencies = asyncio.run(one_at_a_time(folder))
        burst = asyncio.run(typed_ahead(folder))
        transaction = core_transaction(Path(home))
    print(f"keystrokes for 50 spans:            {keys} ({keys / 50:.2f} a span, L included)")
    print(f"one key at a time, each waited for: {elapsed:.2f} s ({elapsed / 50 * 1000:.0f} ms a span)")
    for what, samples in (
        ("key to the next passage proposed", [moved for moved, _ in latencies]),
        ("key to the label saved and shown", [done for _, done in latencies]),
    ):
        print(
            f"{what + ':':<36}median {median(samples) * 1000:.1f} ms, p95 {percentile(samples, 95) * 1000:.1f} ms"
        )
    print(f"all keys typed ahead at once:       {burst:.2f} s until the 50th label is saved")
    print(f"one label's transaction (core):     {transaction * 1000:.2f} ms (file of 50 annotations)")


if __name__ == "__main__":
    main()
