"""Conversions are cached by content and converter version, and run in a worker with caps: a
second read converts nothing, a converter upgrade converts again, a hung or crashing converter
costs one file, and a damaged or unwritable cache is only a miss."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.core.formats.builders import pdf_bytes
from tui.core import formats
from tui.core.discovery import Skipped, SourceFile
from tui.core.documents import Document, read_body, read_document
from tui.core.formats import FORMATS, Converted, Failure, worker
from tui.core.paths import Paths

PAGE = ["The harbour master keeps the tide tables up to date for every ship that calls."]


def source(path: Path) -> SourceFile:
    stat = path.stat()
    return SourceFile(path.name, path, stat.st_size, stat.st_mtime_ns)


def test_a_second_read_converts_nothing(tmp_path: Path, in_process: worker.InProcess) -> None:
    path = tmp_path / "tides.pdf"
    path.write_bytes(pdf_bytes([PAGE]))
    first = read_document(source(path))
    second = read_document(source(path))
    assert isinstance(first, Document) and first == second and in_process.conversions == 1
    assert read_body(path) == first.text and in_process.conversions == 1
    os.utime(path, ns=(1, 1_000_000_000))  # touched: the content hash finds the same conversion
    copy = tmp_path / "copy.pdf"
    shutil.copyfile(path, copy)
    touched = read_document(source(path))
    assert isinstance(touched, Document) and (touched.text, touched.sha256) == (first.text, first.sha256)
    assert isinstance(read_document(source(copy)), Document) and in_process.conversions == 1
    path.write_bytes(pdf_bytes([["Changed: the tide tables moved online."]]))
    changed = read_document(source(path))
    assert isinstance(changed, Document) and "moved online" in changed.text and in_process.conversions == 2


def test_failures_are_cached_too(tmp_path: Path, in_process: worker.InProcess) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_bytes([None]))
    assert (
        read_document(source(path)) == read_document(source(path)) == Skipped(path, "no text layer: scanned?")
    )
    assert in_process.conversions == 1


def test_a_new_converter_version_converts_again(
    tmp_path: Path, in_process: worker.InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tides.pdf"
    path.write_bytes(pdf_bytes([PAGE]))
    doc = read_document(source(path))
    assert isinstance(doc, Document)
    converted = Paths.from_environment().converted
    assert formats.current_sha256(path, doc.size, doc.mtime_ns, converted) == doc.sha256
    monkeypatch.setitem(FORMATS, "pdf", replace(FORMATS["pdf"], version=FORMATS["pdf"].version + 1))
    assert formats.current_sha256(path, doc.size, doc.mtime_ns, converted) is None
    assert read_document(source(path)) == doc and in_process.conversions == 2
    assert formats.current_sha256(path, doc.size, doc.mtime_ns, converted) == doc.sha256


def test_the_version_key_names_the_extraction_libraries() -> None:
    key = formats.version_key(FORMATS["pdf"])
    assert key.startswith("pdf-") and "pypdfium2=" in key and "missing" not in key


def test_a_damaged_or_unwritable_cache_is_a_miss(tmp_path: Path, in_process: worker.InProcess) -> None:
    path = tmp_path / "tides.pdf"
    path.write_bytes(pdf_bytes([PAGE]))
    doc = read_document(source(path))
    for entry in Paths.from_environment().converted.rglob("*.json"):
        entry.write_text('{"key": 1, "converted": {"text": 5}}', encoding="utf-8")
    assert read_document(source(path)) == doc and in_process.conversions == 2
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    assert read_document(source(path), cache=blocked) == doc and in_process.conversions == 3


def test_the_worker_converts_in_another_process(tmp_path: Path) -> None:
    pool = worker.WorkerPool()
    try:
        path = tmp_path / "tides.pdf"
        path.write_bytes(pdf_bytes([PAGE]))
        found = pool.convert(path, FORMATS["pdf"], 30)
        assert isinstance(found, Converted) and "tide tables" in found.text
        child = pool._child
        assert child is not None and child.pid != os.getpid()
        assert (
            isinstance(pool.convert(path, FORMATS["pdf"], 30), Converted) and pool._child is child
        )  # reused
    finally:
        pool.close()


def test_a_hung_converter_is_stopped_and_the_next_file_converts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tides.pdf"
    path.write_bytes(pdf_bytes([PAGE]))
    monkeypatch.setenv("LECTERN_FAULT", "convert:STOP")  # the worker stops itself mid-conversion
    pool = worker.WorkerPool()
    try:
        hung = pool.convert(path, FORMATS["pdf"], 1.5)
        assert hung == Failure("conversion took longer than 2 s; stopped")
        monkeypatch.delenv("LECTERN_FAULT")
        assert isinstance(pool.convert(path, FORMATS["pdf"], 30), Converted)
    finally:
        pool.close()


def test_a_crashing_converter_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tides.pdf"
    path.write_bytes(pdf_bytes([PAGE]))
    monkeypatch.setenv("LECTERN_FAULT", "convert:KILL")
    pool = worker.WorkerPool()
    try:
        assert pool.convert(path, FORMATS["pdf"], 30) == Failure(
            "the converter crashed on this file (signal 9)"
        )
    finally:
        pool.close()


def test_a_conversion_over_the_memory_cap_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    path.write_bytes(b"<html><body>" + b"<p>tide</p>" * 2_000_000 + b"</body></html>")  # 22 MB, ~2M elements
    pool = worker.WorkerPool(memory_limit=400 * 1024 * 1024)
    try:
        found = pool.convert(path, FORMATS["html"], 120)
        assert isinstance(found, Failure) and "memory" in found.reason
        small = tmp_path / "small.html"
        small.write_text("<p>The tide turns.</p>", encoding="utf-8")
        assert isinstance(pool.convert(small, FORMATS["html"], 30), Converted)
    finally:
        pool.close()


def test_files_over_the_size_cap_are_skipped_unread(tmp_path: Path, in_process: worker.InProcess) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(pdf_bytes([PAGE]))
    assert read_document(source(path), max_bytes=100) == Skipped(path, "larger than the 0 MB cap")
    assert in_process.conversions == 0
    assert formats.MAX_BYTES == 200 * 1024 * 1024


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_killed_parent_leaves_no_worker_behind(tmp_path: Path) -> None:
    path = tmp_path / "tides.pdf"
    path.write_bytes(pdf_bytes([PAGE]))
    script = (
        "import sys, time; from pathlib import Path; from tui.core.formats import FORMATS, worker;"
        "pool = worker.WorkerPool(); pool.convert(Path(sys.argv[1]), FORMATS['pdf'], 30);"
        "print(pool._child.pid, flush=True); time.sleep(60)"
    )
    root = Path(__file__).resolve().parents[3]
    parent = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True, cwd=root
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; whoever adopted it reaps it
