"""The command line under faults: bad paths, closed pipes, folders it cannot write, an index it
cannot update or read, no terminal, odd encodings, a ``tui`` in the working folder, Ctrl-C.

Each case checks the exit status, that stderr is a ``lectern: ...`` line and never a traceback,
and, where the user's annotations are at stake, that they are intact afterwards.

Read-only and full folders are real: a bind mount remounted read-only, or a small tmpfs, in a
private mount namespace (``unshare -rm``), which binds root too (the tests run as root in CI,
where ``chmod`` binds nobody). Without namespaces a non-root run falls back to ``chmod``; a root
run without them skips those cases. In-process tests beside them cover the same paths by
making a write fail, so they run everywhere.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import REPO, lectern
from tests.seeds import CHINA
from tui.cli import main
from tui.core.discovery import EXTENSIONS
from tui.core.library import Library
from tui.core.paths import HOME_VARIABLE, Paths
from tui.core.search import IndexUnavailable

TUI = [sys.executable, "-m", "tui"]
EMPTY_EXPORT = '{"format": "lectern", "version": 1, "documents": []}'
TYPES = ", ".join(sorted(EXTENSIONS))
GUARD_SECONDS = 120
"""Only so that a regression (a reader that never exits) fails instead of hanging the run."""

COMMANDS: dict[str, list[str]] = {
    "index": ["index", "{path}"],
    "search": ["search", "blockchain", "{path}"],
    "annotations list": ["annotations", "list", "{path}"],
    "annotations add": ["annotations", "add", CHINA, "{path}", "--exact", "blockchain"],
    "annotations verify": ["annotations", "verify", "{path}"],
    "export": ["export", "{path}", "--format", "json"],
    "import": ["import", "{file}", "{path}"],
    "reader": ["{path}"],
}


# ---------------------------------------------------------------------- helpers


def command(name: str, path: Path, file: Path | None = None) -> list[str]:
    return [arg.format(path=path, file=file) for arg in COMMANDS[name]]


def clean(result: subprocess.CompletedProcess[str]) -> None:
    """stderr is lectern's own lines: no traceback, no interpreter noise."""
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    for line in result.stderr.splitlines():
        assert not line.startswith(("Error", "OSError", "PermissionError", "RuntimeError")), line


def run(*args: str, home: Path | None = None, **options: Any) -> subprocess.CompletedProcess[str]:
    """``python -m tui ARGS`` with stdin closed (no terminal), like a script or a cron job."""
    env = {**os.environ, "NO_COLOR": "1"}
    if home is not None:
        env[HOME_VARIABLE] = str(home)
    options.setdefault("stdin", subprocess.DEVNULL)
    options.setdefault("cwd", REPO)
    return subprocess.run(
        [*TUI, *args], capture_output=True, text=True, timeout=GUARD_SECONDS, env=env, **options
    )


def add(corpus: Path, quote: str, *extra: str, home: Path | None = None) -> dict[str, Any]:
    result = lectern("annotations", "add", CHINA, str(corpus), "--exact", quote, *extra, home=home)
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def listed(corpus: Path, home: Path | None = None) -> list[dict[str, Any]]:
    result = lectern("annotations", "list", str(corpus), "--json", home=home)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ---------------------------------------------------------------------- real read-only and full folders

READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
FULL = """
data=$1 spare=$2 corpus=$3; shift 3
cp -a "$data/." "$spare" && mount -t tmpfs -o size=256k tmpfs "$data" && cp -a "$spare/." "$data" || exit 99
head -c 1000000 /dev/zero > "$data/filler" 2>/dev/null
"$@"; echo "status=$?" >&2
exec "$1" -m tui annotations list "$corpus" --json
"""
"""``sh -c FULL sh DATA SPARE CORPUS COMMAND...``: COMMAND with DATA a full tmpfs holding a copy of
DATA, then the annotations listed from that same full folder."""


def _namespaces_work(probe: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        result = subprocess.run(
            [
                "unshare",
                "-rm",
                "sh",
                "-c",
                READ_ONLY,
                "sh",
                str(probe),
                "sh",
                "-c",
                '! touch "$0/x"',
                str(probe),
            ],
            capture_output=True,
            timeout=GUARD_SECONDS,
        )
    except OSError:
        return False
    return result.returncode == 0 and not (probe / "x").exists()


@pytest.fixture(scope="session")
def namespaces(tmp_path_factory: pytest.TempPathFactory) -> bool:
    """Whether this machine lets a test mount in a private namespace."""
    return _namespaces_work(tmp_path_factory.mktemp("probe"))


@pytest.fixture
def read_only(namespaces: bool) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``read_only(folder, *args, home=)``: lectern with ``folder`` read-only for it."""

    def through_mount(folder: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NO_COLOR": "1", **({HOME_VARIABLE: str(home)} if home else {})}
        return subprocess.run(
            ["unshare", "-rm", "sh", "-c", READ_ONLY, "sh", str(folder), *TUI, *args],
            capture_output=True,
            text=True,
            timeout=GUARD_SECONDS,
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
        )

    def through_modes(folder: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for path, mode in modes.items():
            path.chmod(mode & ~0o222)
        try:
            return run(*args, home=home)
        finally:
            for path, mode in modes.items():
                path.chmod(mode)

    if namespaces:
        return through_mount
    if os.geteuid() != 0:
        return through_modes
    pytest.skip("needs mount namespaces (unshare -rm) for a read-only folder that binds root")


# ---------------------------------------------------------------------- 1. paths that cannot be a corpus


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    file = tmp_path / "export.json"
    file.write_text(EMPTY_EXPORT, encoding="utf-8")
    return file


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_missing_path_is_bad_input(name: str, tmp_path: Path, export_file: Path) -> None:
    missing = tmp_path / "no-such-folder"
    result = run(*command(name, missing, export_file))
    clean(result)
    assert result.returncode == 2
    assert result.stderr == f"lectern: no such file or folder: {missing}\n"
    assert result.stdout == ""


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("kind", ["zip", "device"])
def test_a_path_that_is_no_document_is_bad_input(
    name: str, kind: str, tmp_path: Path, export_file: Path
) -> None:
    path = Path(os.devnull) if kind == "device" else tmp_path / "archive.zip"
    if kind == "zip":
        path.write_bytes(b"PK\x03\x04")
    result = run(*command(name, path, export_file))
    clean(result)
    assert result.returncode == 2
    assert result.stderr.startswith(f"lectern: not a folder or a document lectern reads ({TYPES}): ")
    assert result.stderr.rstrip().endswith(str(path))


EMPTY_STATUS = {
    "index": 0,
    "search": 0,
    "annotations list": 0,
    "annotations add": 2,
    "annotations verify": 0,
    "export": 0,
    "import": 0,
}


@pytest.mark.parametrize("name", list(EMPTY_STATUS))
def test_an_empty_folder_says_it_has_no_documents(name: str, tmp_path: Path, export_file: Path) -> None:
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "archive.zip").write_bytes(b"PK\x03\x04")
    result = run(*command(name, empty, export_file))
    clean(result)
    assert result.returncode == EMPTY_STATUS[name]
    assert f"lectern: no documents in {empty} (lectern reads {TYPES})\n" in result.stderr
    if name == "search":
        assert result.stdout.startswith("0 results for 'blockchain'")
    if name == "index":
        assert "indexed 0, updated 0, removed 0, unchanged 0, skipped 0" in result.stdout


def test_import_of_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = run("import", str(tmp_path / "gone.json"))
    clean(result)
    assert result.returncode == 2
    assert result.stderr.startswith(f"lectern: cannot read {tmp_path / 'gone.json'}")


def test_paths_takes_no_path() -> None:
    result = run("paths", "/somewhere")
    clean(result)
    assert result.returncode == 2
    assert "unrecognized arguments: /somewhere" in result.stderr


# ---------------------------------------------------------------------- 2. output closed early


@pytest.mark.parametrize(
    "args",
    [
        ["search", "blockchain", "{corpus}"],
        ["annotations", "list", "{corpus}"],
        ["annotations", "list", "{corpus}", "--json"],
        ["export", "{corpus}", "--format", "markdown"],
        ["index", "{corpus}"],
        ["paths"],
    ],
    ids=lambda args: " ".join(a for a in args if a != "{corpus}"),
)
def test_output_closed_before_lectern_writes_exits_quietly(args: list[str], corpus: Path) -> None:
    add(corpus, "blockchain")
    child = subprocess.Popen(
        [*TUI, *(a.format(corpus=corpus) for a in args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader has gone before lectern prints anything
    stderr = child.stderr.read()
    assert child.wait(timeout=GUARD_SECONDS) == 141
    clean(subprocess.CompletedProcess(args, 141, "", stderr))
    assert "BrokenPipe" not in stderr


def test_search_piped_into_head(tmp_path: Path) -> None:
    """A real pipeline: far more output than a pipe holds, and ``head -1`` leaves after a line."""
    folder = tmp_path / "many"
    folder.mkdir()
    filler = "ledger entries are kept in order and read by everyone " * 6
    for n in range(600):
        (folder / f"note-{n:03}.md").write_text(
            f"# Ledger note {n}\n\n{filler}the blockchain {n}, {filler}\n"
        )
    assert lectern("index", str(folder)).returncode == 0
    with subprocess.Popen(
        [*TUI, "search", "blockchain", str(folder), "--limit", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
    ) as search:
        head = subprocess.run(["head", "-1"], stdin=search.stdout, capture_output=True, timeout=GUARD_SECONDS)
        assert search.stdout is not None and search.stderr is not None
        search.stdout.close()
        stderr = search.stderr.read().decode()
        status = search.wait(timeout=GUARD_SECONDS)
    assert head.stdout.decode() == "600 results for 'blockchain' (by relevance)\n"
    assert status == 141
    assert "Traceback" not in stderr and "Exception ignored" not in stderr


# ---------------------------------------------------------------------- 3. folders lectern cannot write


def test_adding_into_a_read_only_data_folder_loses_nothing(
    corpus: Path, lectern_home: Path, read_only: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    add(corpus, "blockchain", "--note", "mine")
    before = files_under(lectern_home / "data")
    result = read_only(lectern_home / "data", "annotations", "add", CHINA, str(corpus), "--exact", "ledger")
    clean(result)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"lectern: the annotation was not saved: cannot write in {lectern_home / 'data' / 'annotations'}: "
    )
    assert len(result.stderr.splitlines()) == 1
    assert files_under(lectern_home / "data") == before
    assert [a["note"] for a in listed(corpus)] == ["mine"]


def test_importing_into_a_read_only_data_folder_loses_nothing(
    corpus: Path,
    lectern_home: Path,
    tmp_path: Path,
    read_only: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    other = tmp_path / "other-home"
    add(corpus, "ledger", "--note", "from elsewhere", home=other)
    exported = tmp_path / "export.json"
    assert lectern("export", str(corpus), "-f", "json", "-o", str(exported), home=other).returncode == 0
    add(corpus, "blockchain", "--note", "mine")
    before = files_under(lectern_home / "data")
    result = read_only(lectern_home / "data", "import", str(exported), str(corpus))
    clean(result)
    assert result.returncode == 1
    assert result.stderr.startswith("lectern: import stopped: cannot write in ")
    assert result.stderr.rstrip().endswith("(what it saved is kept; importing again is safe)")
    assert files_under(lectern_home / "data") == before


def test_adding_into_a_full_data_folder_loses_nothing(
    corpus: Path, lectern_home: Path, namespaces: bool
) -> None:
    if not namespaces:
        pytest.skip("needs mount namespaces (unshare -rm) for a small tmpfs")
    add(corpus, "blockchain", "--note", "mine")
    data = lectern_home / "data"
    spare = lectern_home.parent / f"{lectern_home.name}-spare"
    spare.mkdir()
    adding = [*TUI, "annotations", "add", CHINA, str(corpus), "--exact", "ledger", "--note", "theirs"]
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", FULL, "sh", str(data), str(spare), str(corpus), *adding],
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )
    clean(result)
    assert "lectern: the annotation was not saved: cannot write in " in result.stderr
    assert "No space left on device" in result.stderr
    assert "status=1" in result.stderr
    assert [a["note"] for a in json.loads(result.stdout)] == ["mine"]  # listed inside the full folder


def test_a_failed_write_says_why_and_keeps_the_annotations(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process twin of the full-folder case: the disk fills while the annotation is written."""
    add(corpus, "blockchain", "--note", "mine")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:  # not monkeypatch.undo(): that would drop LECTERN_HOME too
        patch.setattr(os, "fsync", full)
        code = main(["annotations", "add", CHINA, str(corpus), "--exact", "ledger"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("lectern: the annotation was not saved: cannot write in ")
    assert err.rstrip().endswith(": No space left on device")
    assert [a["note"] for a in listed(corpus)] == ["mine"]


@pytest.mark.parametrize("where", ["full device", "missing folder", "a folder", "read-only folder"])
def test_export_into_an_unwritable_place_fails_clearly(
    where: str, corpus: Path, tmp_path: Path, read_only: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    add(corpus, "blockchain")
    target = {
        "full device": Path("/dev/full"),
        "missing folder": tmp_path / "nowhere" / "out.json",
        "a folder": tmp_path,
        "read-only folder": tmp_path / "locked" / "out.json",
    }[where]
    args = ["export", str(corpus), "-f", "json", "-o", str(target)]
    if where == "full device" and not target.exists():
        pytest.skip("no /dev/full here")
    if where == "read-only folder":
        target.parent.mkdir()
        result = read_only(target.parent, *args)
    else:
        result = run(*args)
    clean(result)
    assert result.returncode == 1
    assert result.stderr.startswith(f"lectern: cannot write {target}: ")
    assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------------- 4. an index lectern cannot update


@pytest.mark.parametrize("name", ["search", "annotations list", "export"])
def test_a_read_only_cache_still_answers_from_the_index_there(
    name: str, corpus: Path, lectern_home: Path, read_only: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    add(corpus, "blockchain", "--note", "mine")
    result = read_only(lectern_home / "cache", *command(name, corpus))
    clean(result)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "could not be updated" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("lectern: the index could not be updated (")
    assert warnings[0].endswith("); results may be out of date")
    assert "mine" in result.stdout if name != "search" else "2 results for 'blockchain'" in result.stdout


def test_index_into_a_read_only_cache_fails(
    corpus: Path, lectern_home: Path, read_only: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    assert lectern("index", str(corpus)).returncode == 0
    result = read_only(lectern_home / "cache", "index", str(corpus))
    clean(result)
    assert result.returncode == 1
    assert result.stderr.startswith("lectern: indexing failed: ")


def test_search_without_an_index_and_a_read_only_cache_fails(
    corpus: Path, lectern_home: Path, read_only: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    (lectern_home / "cache").mkdir()
    result = read_only(lectern_home / "cache", "search", "blockchain", str(corpus))
    clean(result)
    assert result.returncode == 1
    assert result.stderr.startswith("lectern: indexing failed: ")


# ---------------------------------------------------------------------- 5. a damaged index


@pytest.fixture
def rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The ``rebuild`` flag of every indexer run the command line starts."""
    seen: list[bool] = []
    original = Library.update

    def spy(self: Library, rebuild: bool = False) -> Any:
        seen.append(rebuild)
        return original(self, rebuild)

    monkeypatch.setattr(Library, "update", spy)
    return seen


def damaged_searches(monkeypatch: pytest.MonkeyPatch, failures: int) -> None:
    """``Index.search`` raises IndexUnavailable for its first ``failures`` calls."""
    from tui.core.search.whoosh.searcher import Index

    original = Index.search
    calls = iter(range(failures + 1000))

    def search(self: Index, *args: Any, **kwargs: Any) -> Any:
        if next(calls) < failures:
            raise IndexUnavailable("segment MAIN_x.trm: checksum mismatch")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Index, "search", search)


def test_search_rebuilds_a_damaged_index_once_and_answers(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], rebuilds: list[bool]
) -> None:
    damaged_searches(monkeypatch, failures=1)
    assert main(["search", "blockchain", str(corpus), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == "lectern: the index was damaged (segment MAIN_x.trm: checksum mismatch); rebuilt\n"
    assert len(json.loads(out)) == 2
    assert rebuilds == [False, True]


def test_search_on_an_index_that_stays_damaged_fails_after_one_rebuild(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], rebuilds: list[bool]
) -> None:
    damaged_searches(monkeypatch, failures=2)
    assert main(["search", "blockchain", str(corpus)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "lectern: the index was damaged (segment MAIN_x.trm: checksum mismatch); rebuilt",
        "lectern: the index cannot be read (segment MAIN_x.trm: checksum mismatch)",
    ]
    assert rebuilds == [False, True]


def test_search_on_an_index_damaged_on_disk_answers(corpus: Path, lectern_home: Path) -> None:
    assert lectern("index", str(corpus)).returncode == 0
    whoosh = next((lectern_home / "cache" / "indexes").glob("*/whoosh"))
    for file in whoosh.iterdir():
        if file.suffix in (".toc", ".trm", ".pst"):
            file.write_bytes(b"\x00garbage" * 3)
    result = run("search", "blockchain", str(corpus))
    clean(result)
    assert result.returncode == 0, result.stderr
    assert "2 results for 'blockchain'" in result.stdout
    assert "rebuilt" in result.stderr


# ---------------------------------------------------------------------- 6. the reader


@pytest.mark.parametrize("missing", ["stdin", "stdout"])
def test_the_reader_refuses_to_start_without_a_terminal(missing: str, corpus: Path) -> None:
    main_fd, terminal = pty.openpty()
    try:
        tty = {"stdin": terminal} if missing == "stdout" else {"stdout": terminal}
        streams: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, **tty}
        result = subprocess.run(
            [*TUI, str(corpus)], stderr=subprocess.PIPE, text=True, timeout=GUARD_SECONDS, cwd=REPO, **streams
        )
    finally:
        os.close(main_fd)
        os.close(terminal)
    assert result.returncode == 2
    assert result.stderr.startswith("lectern: the reader needs a terminal; in scripts use 'lectern search")
    assert "Traceback" not in result.stderr


def run_headless(monkeypatch: pytest.MonkeyPatch, on_mount: Callable[[Any], None], corpus: Path) -> int:
    from textual.app import App

    from tui.ui import app as app_module

    original = App.run

    def headless(self: App[Any], **kwargs: Any) -> Any:
        return original(self, headless=True)

    monkeypatch.setattr(app_module.LecternApp, "run", headless)
    monkeypatch.setattr(app_module.LecternApp, "on_mount", on_mount)
    return app_module.run_app(Paths.from_environment(), [corpus])


def test_the_reader_exits_1_after_a_crash(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crash(self: Any) -> None:
        raise RuntimeError("a bug in the reader")

    assert run_headless(monkeypatch, crash, corpus) == 1
    capsys.readouterr()  # Textual's own crash report


def test_the_reader_exits_0_when_the_user_quits(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def quit_at_once(self: Any) -> None:
        self.exit()

    assert run_headless(monkeypatch, quit_at_once, corpus) == 0


# ---------------------------------------------------------------------- 7. import encodings


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.encode("utf-16"),
        lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
        lambda text: text.encode("utf-32"),
        lambda text: b"\x00\x00\xfe\xff" + text.encode("utf-32-be"),
    ],
    ids=["utf-8 bom", "utf-16 le bom", "utf-16 be bom", "utf-32 le bom", "utf-32 be bom"],
)
def test_import_reads_an_export_saved_with_a_byte_order_mark(
    encode: Callable[[str], bytes], corpus: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other-home"
    add(corpus, "blockchain", "--note", "naïve café ✓", home=other)
    exported = lectern("export", str(corpus), "-f", "json", home=other)
    file = tmp_path / "export.json"
    file.write_bytes(encode(exported.stdout))
    result = run("import", str(file), str(corpus))
    clean(result)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 1: 1 added")
    assert [a["note"] for a in listed(corpus)] == ["naïve café ✓"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary data (a NUL byte at offset 7), not JSON"),
        (EMPTY_EXPORT.encode("utf-16-le"), "binary data (a NUL byte at offset 1), not JSON"),
        (b"\xff\xfe{\x00x", "not readable text: invalid utf-16 (truncated data)"),
        (b"caf\xe9 au lait", "not UTF-8 text (byte 0xe9 at offset 3)"),
    ],
    ids=["binary", "utf-16 without a bom", "broken utf-16", "latin-1"],
)
def test_import_of_a_file_that_is_no_export_text_says_why(
    content: bytes, reason: str, corpus: Path, lectern_home: Path, tmp_path: Path
) -> None:
    add(corpus, "blockchain")
    before = files_under(lectern_home / "data")
    file = tmp_path / "odd.json"
    file.write_bytes(content)
    result = run("import", str(file), str(corpus))
    clean(result)
    assert result.returncode == 2
    assert result.stderr == f"lectern: nothing imported: {reason}\n"
    assert files_under(lectern_home / "data") == before


# ---------------------------------------------------------------------- 8. a tui of the user's own


@pytest.fixture
def console_script() -> Path:
    script = Path(sys.executable).parent / "lectern"
    if not script.exists():
        pytest.skip("the lectern console script is not installed beside this interpreter")
    return script


@pytest.mark.parametrize("hostile", ["tui.py", "tui/__init__.py"])
def test_a_tui_in_the_working_folder_is_never_imported(
    hostile: str, corpus: Path, tmp_path: Path, console_script: Path
) -> None:
    work = tmp_path / "work"
    (work / hostile).parent.mkdir(parents=True, exist_ok=True)
    (work / hostile).write_text('raise SystemExit("the tui in the working folder was imported")\n')
    for args in (["index", str(corpus)], ["search", "blockchain", str(corpus)]):
        result = subprocess.run(
            [str(console_script), *args],
            capture_output=True,
            text=True,
            cwd=work,
            timeout=GUARD_SECONDS,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr
        assert "working folder" not in result.stderr + result.stdout
    assert "2 results for 'blockchain'" in result.stdout


def test_the_indexer_child_ignores_a_tui_in_the_working_folder(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same without the console script: this process runs ``main``, the child is real."""
    (tmp_path / "tui").mkdir()
    (tmp_path / "tui" / "__init__.py").write_text('raise SystemExit("the tui of the working folder")\n')
    (tmp_path / "tui.py").write_text('raise SystemExit("the tui.py of the working folder")\n')
    monkeypatch.chdir(tmp_path)
    assert main(["search", "blockchain", str(corpus)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("2 results for 'blockchain'")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="python -P needs 3.11")
def test_python_dash_p_runs_lectern_beside_a_tui_folder(corpus: Path, tmp_path: Path) -> None:
    """``python -m tui`` imports the working folder's ``tui`` first (that is Python's rule, the
    README says so); ``python -P -m tui`` does not."""
    (tmp_path / "tui").mkdir()
    (tmp_path / "tui" / "__init__.py").write_text('raise SystemExit("imported")\n')
    result = subprocess.run(
        [sys.executable, "-P", "-m", "tui", "search", "blockchain", str(corpus)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=GUARD_SECONDS,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "2 results" in result.stdout


# ---------------------------------------------------------------------- 9. Ctrl-C


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def holds_open(pid: int, name: str) -> bool:
    try:
        return any(os.readlink(fd).endswith(name) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


@pytest.fixture
def indexer_kept_waiting(corpus: Path) -> Iterator[Path]:
    """Hold the index's writer lock, so lectern's indexer child waits on it for as long as the test
    needs (a second indexer waits for the first: the lock is the real one)."""
    folder = Library.open(Paths.from_environment(), [corpus]).index_dir
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "indexer.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="finds the child through /proc")
@pytest.mark.parametrize("args", [["index"], ["search", "blockchain"]], ids=["index", "search"])
@pytest.mark.parametrize(
    ("target", "signum", "status"),
    [
        ("lectern only", signal.SIGINT, 130),
        ("the whole process group", signal.SIGINT, 130),
        ("lectern only", signal.SIGTERM, 143),
        ("the whole process group", signal.SIGTERM, 143),
    ],
)
def test_ctrl_c_or_sigterm_exits_and_stops_the_indexer(
    args: list[str], target: str, signum: int, status: int, corpus: Path, indexer_kept_waiting: Path
) -> None:
    lectern_process = subprocess.Popen(
        [*TUI, *args, str(corpus)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
    )
    deadline = time.monotonic() + GUARD_SECONDS
    child = None
    while child is None or not holds_open(child, "indexer.lock"):
        assert time.monotonic() < deadline, "the indexer child never reached the lock"
        child = next(iter(children_of(lectern_process.pid)), None)
        time.sleep(0.02)
    if target == "lectern only":
        os.kill(lectern_process.pid, signum)
    else:
        os.killpg(lectern_process.pid, signum)
    out, err = lectern_process.communicate(timeout=GUARD_SECONDS)
    assert lectern_process.returncode == status
    assert err == "" and out == ""
    assert not running(child)  # stopped while the lock it waits for is still held
