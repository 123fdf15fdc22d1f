"""Converter benchmark, run by hand: ``python tests/benchmarks/bench_formats.py`` (from the repo root).

It generates, under a throw-away LECTERN_HOME, the same English-like prose (``corpus.make_text``)
as a 300-page PDF (40 lines a page), a 1 MB EPUB (2 MB of text in 30 chapters with a table of
contents), a 1 MB saved web page (the article inside menus, a sidebar and a footer) and a plain ``.txt``, and
measures, beside reading the ``.txt`` (the peer: what a document costs without conversion):

- conversion throughput of each format, in the worker process as the indexer runs it
  (``WorkerPool.convert``: the request, the conversion, the answer over the pipe) and in
  process (``formats.convert_file``), in MB of text and pages per second;
- the first open of the PDF and of the EPUB from the cache (``read_document``, as the reader
  opens a document) in a fresh process, and warm (median of 5 in this process).

It prints a table with ratios and asserts nothing about wall-clock time.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.common import Row, table  # noqa: E402
from tests.benchmarks.corpus import make_text, vocabulary  # noqa: E402
from tests.core.formats.builders import epub_bytes, pdf_bytes, xhtml  # noqa: E402

PDF_PAGES = 300
LINES_PER_PAGE = 40
EPUB_CHAPTERS = 30
EPUB_TEXT = 2_100_000
"""Characters of prose in the EPUB: about 1 MB once zipped."""
PAGE_TEXT = 1_000_000
WARM_RUNS = 5


def prose(size: int, seed: int) -> str:
    rng = random.Random(seed)
    vocab = vocabulary(30_000, random.Random(7))
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    return make_text(size, vocab, weights, rng)


def pdf_pages(text: str) -> list[list[str]]:
    """The text set as lines of about 80 characters, ``LINES_PER_PAGE`` a page, ``PDF_PAGES`` pages."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in itertools.cycle(words):
        if len(line) + len(word) + 1 > 80:
            lines.append(line)
            line = ""
            if len(lines) == PDF_PAGES * LINES_PER_PAGE:
                break
        line = f"{line} {word}" if line else word
    return [lines[n : n + LINES_PER_PAGE] for n in range(0, len(lines), LINES_PER_PAGE)]


def epub_book(text: str) -> bytes:
    paragraphs = text.split("\n\n")
    per = max(1, len(paragraphs) // EPUB_CHAPTERS)
    chapters = []
    for n in range(EPUB_CHAPTERS):
        body = "".join(f"<p>{p}</p>" for p in paragraphs[n * per : (n + 1) * per])
        chapters.append((f"ch{n:02d}.xhtml", xhtml(f"Chapter {n + 1}", f"<h1>Chapter {n + 1}</h1>{body}")))
    nav = (
        "<ol>"
        + "".join(f'<li><a href="{name}">Chapter {n + 1}</a></li>' for n, (name, _) in enumerate(chapters))
        + "</ol>"
    )
    return epub_bytes(chapters, metadata="<dc:title>Benchmark Book</dc:title>", nav=nav)


def web_page(text: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    menu = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(40))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Benchmark page</title></head><body>"
        f"<header><nav><ul>{menu}</ul></nav></header><div class='sidebar'><ul>{menu}</ul></div>"
        f"<article><h1>Benchmark page</h1>{body}</article><footer><p>Copyright, privacy, terms.</p></footer>"
        "</body></html>"
    )


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="lectern-bench-formats-"))
    os.environ["LECTERN_HOME"] = str(home)
    from tui.core.discovery import Skipped, SourceFile
    from tui.core.documents import Document, read_document
    from tui.core.formats import FORMATS, Converted, convert_file, worker

    folder = home / "docs"
    folder.mkdir()
    text = prose(PAGE_TEXT, seed=3)
    pages = pdf_pages(text)
    pdf_text = "\n\n".join(" ".join(lines) for lines in pages)
    files = {
        "pdf": folder / "report.pdf",
        "epub": folder / "book.epub",
        "html": folder / "page.html",
        "txt": folder / "plain.txt",
    }
    files["pdf"].write_bytes(pdf_bytes(pages, {"Title": "Benchmark report"}))
    files["epub"].write_bytes(epub_book(prose(EPUB_TEXT, seed=5)))
    files["html"].write_text(web_page(text), encoding="utf-8")
    files["txt"].write_text(pdf_text, encoding="utf-8")

    def source(path: Path) -> SourceFile:
        stat = path.stat()
        return SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns)

    def timed(call: Callable[..., Any], *args: Any) -> tuple[float, Any]:
        started = time.perf_counter()
        result = call(*args)
        return time.perf_counter() - started, result

    def reading(path: Path) -> Document | Skipped:
        return read_document(source(path))

    txt_seconds = statistics.median(timed(reading, files["txt"])[0] for _ in range(WARM_RUNS))
    txt_mb = len(pdf_text.encode()) / 1e6
    rows: list[Row] = []
    figures: list[str] = []
    pool = worker.WorkerPool()
    pool.convert(files["html"], FORMATS["html"], 120)  # start the worker and load its libraries first
    for name in ("pdf", "epub", "html"):
        path, fmt = files[name], FORMATS[name]
        in_worker, converted = min(
            (timed(pool.convert, path, fmt, 600) for _ in range(3)), key=lambda pair: pair[0]
        )
        in_process = min(timed(convert_file, path, fmt)[0] for _ in range(3))
        assert isinstance(converted, Converted), converted
        mb = len(converted.text.encode()) / 1e6
        unit = f"{PDF_PAGES / in_worker:,.0f} pages/s, " if name == "pdf" else ""
        figures.append(
            f"- {name}: {path.stat().st_size / 1e6:.2f} MB file -> {mb:.2f} MB of Markdown; worker {in_worker:.3f} s "
            f"({unit}{mb / in_worker:.2f} MB/s), in process {in_process:.3f} s ({mb / in_process:.2f} MB/s); "
            f".txt read {txt_mb / txt_seconds:.1f} MB/s"
        )
        rows.append(
            Row(f"convert {name} ({mb:.2f} MB text), worker", in_worker, txt_seconds * mb / txt_mb, None)
        )
    pool.close()

    for name in ("pdf", "epub"):
        doc = read_document(source(files[name]))  # converted and cached (the default worker)
        assert isinstance(doc, Document), doc
        probe = (
            "import sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "from tui.core.documents import SourceFile, read_document; p = Path(sys.argv[2]); s = p.stat(); "
            "t = time.perf_counter(); d = read_document(SourceFile(p.name, p, s.st_size, s.st_mtime_ns)); "
            "print(time.perf_counter() - t, len(d.text))"
        )
        fresh = float(
            subprocess.run(
                [sys.executable, "-c", probe, str(ROOT), str(files[name])],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[0]
        )
        fresh_txt = float(
            subprocess.run(
                [sys.executable, "-c", probe, str(ROOT), str(files["txt"])],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[0]
        )
        warm = statistics.median(timed(reading, files[name])[0] for _ in range(WARM_RUNS))
        what = f"{PDF_PAGES}-page PDF" if name == "pdf" else f"{files[name].stat().st_size / 1e6:.1f} MB EPUB"
        rows.append(Row(f"first open of the {what} from cache, fresh process", fresh, fresh_txt, None))
        rows.append(Row(f"open of the {what} from cache, warm", warm, txt_seconds, None))
    print(table(rows, "plain .txt"))
    print()
    print("\n".join(figures))
    print(f"\n(files and cache in {home})")


if __name__ == "__main__":
    main()
