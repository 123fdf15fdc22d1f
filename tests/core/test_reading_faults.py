"""The reading-positions file under faults: read in the app's workers, so whatever is wrong with it
is reported (``problem``), never raised. A damaged file is kept aside; one that cannot be read, or
cannot be kept aside, is left exactly as it is and never written over."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.read_only import read_only
from tui.core.reading import Position, ReadingPositions

GOOD = b"a.md:\n  top: 3\n  cursor: 5\n  last: true\n"
DAMAGED = {
    "top is .inf": b"a.md:\n  top: .inf\n  cursor: 0\n",
    "cursor is -.inf": b"a.md:\n  top: 0\n  cursor: -.inf\n",
    "not a mapping": b"- a.md\n- b.md\n",
    "an entry not a mapping": b"a.md: 7\n",
    "no cursor": b"a.md:\n  top: 2\n",
    "not UTF-8": b"a.md:\n  top: \xff\xfe\n",
    "not YAML": b"a.md: {top: [\n",
}


def positions_in(folder: Path, content: bytes) -> ReadingPositions:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.yaml").write_bytes(content)
    return ReadingPositions(folder / "corpus.yaml")


def aside(folder: Path) -> list[Path]:
    return sorted(folder.glob("corpus.yaml.corrupt-*"))


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_file_is_kept_aside_and_reported(tmp_path: Path, content: bytes) -> None:
    positions = positions_in(tmp_path, content)
    assert positions.last is None and positions.get("a.md") is None
    assert positions.problem is not None and "kept as corpus.yaml.corrupt-" in positions.problem
    [kept] = aside(tmp_path)
    assert kept.read_bytes() == content
    positions.set("a.md", Position(1, 2))  # a fresh file, the damaged one still kept aside
    assert ReadingPositions(positions.path).get("a.md") == Position(1, 2)


@pytest.mark.parametrize("content", [DAMAGED["top is .inf"], DAMAGED["not YAML"]], ids=["inf", "yaml"])
def test_a_damaged_file_that_cannot_be_kept_aside_is_left_and_never_written(
    tmp_path: Path, content: bytes
) -> None:
    positions = positions_in(tmp_path, content)
    with read_only(tmp_path):
        assert positions.get("a.md") is None
        positions.set("a.md", Position(1, 2))
        positions.set_last("a.md")
    assert positions.problem is not None and "could not be kept aside" in positions.problem
    positions.set("b.md", Position(3, 4))  # writable again: still never written over
    assert (tmp_path / "corpus.yaml").read_bytes() == content and aside(tmp_path) == []


def test_a_file_that_cannot_be_read_is_left_where_it_is(tmp_path: Path) -> None:
    """A folder where the file should be (an unreadable file, as root reads any): not damage."""
    (tmp_path / "corpus.yaml").mkdir(parents=True)
    (tmp_path / "corpus.yaml" / "inside").write_bytes(GOOD)
    positions = ReadingPositions(tmp_path / "corpus.yaml")
    assert positions.last is None
    positions.set("a.md", Position(1, 2))
    assert positions.problem is not None and "cannot be read" in positions.problem
    assert (tmp_path / "corpus.yaml" / "inside").read_bytes() == GOOD and aside(tmp_path) == []


def test_a_sound_file_reads_and_reports_nothing(tmp_path: Path) -> None:
    positions = positions_in(tmp_path, GOOD)
    assert positions.last == "a.md" and positions.get("a.md") == Position(3, 5)
    assert positions.problem is None
