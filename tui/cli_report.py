"""What ``lectern index`` and ``search`` say about a run of the indexer: the counts, the files
skipped and the warnings (the first thousand named, the rest counted), and the record of what
was last said, so a script searching in a loop is not told the same skipped files each time.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, TextIO

from tui.core.library import Library
from tui.core.sanitize import visible


def print_report(done: dict[str, Any], out: TextIO) -> None:
    """The run's counts in one line, then a line for each file skipped and each warning."""
    if done.get("rebuilt") and done["rebuilt"] not in ("no index yet", "rebuild requested"):
        out.write(f"note: index rebuilt: {done['rebuilt']}\n")
    out.write(
        f"indexed {done['indexed']:,}, updated {done['updated']:,}, removed {done['removed']:,}, "
        f"unchanged {done['unchanged']:,}, skipped {_total(done, 'skipped'):,} "
        f"({counted(done['documents'], 'document')} in the index, {done['seconds']:,.2f} s)\n"
    )
    for item in done["skipped"]:
        out.write(f"  skipped {visible(item['path'])}: {item['reason']}\n")
    if _total(done, "skipped") > len(done["skipped"]):
        out.write(f"  and {_total(done, 'skipped') - len(done['skipped']):,} more files skipped\n")
    for item in done["problems"]:
        out.write(f"  warning {visible(item['path'])}: {visible(item['problem'])}\n")
    if _total(done, "problems") > len(done["problems"]):
        out.write(f"  and {_total(done, 'problems') - len(done['problems']):,} more warnings\n")


def _total(done: dict[str, Any], listed: str) -> int:
    """How many skipped files (or problems) the report counts; it names the first thousand."""
    return max(int(done.get(f"{listed}_total", 0)), len(done[listed]))


def report_lines(done: dict[str, Any]) -> set[str]:
    """What a report says about single files (skipped, warnings): what ``reported`` remembers."""
    return {f"skipped {item['path']}: {item['reason']}" for item in done["skipped"]} | {
        f"warning {item['path']}: {item['problem']}" for item in done["problems"]
    }


def reported_file(library: Library) -> Path:
    return library.paths.cache / "reported" / f"{library.index_dir.name}.json"


def reported(library: Library) -> set[str]:
    """The file lines the last report of this corpus's index showed (empty when unknown)."""
    try:
        lines = json.loads(reported_file(library).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {line for line in lines if isinstance(line, str)} if isinstance(lines, list) else set()


def remember_report(library: Library, lines: set[str]) -> None:
    """Keep what this report showed, so the next ``search`` does not repeat it.

    The same skipped files are found on every run; a script that searches in a loop wants its
    stderr for news. Not being able to write the record (a read-only cache) only means the
    report is shown again.
    """
    if lines == reported(library):
        return
    from tui.core.storage import atomic_write_text

    with contextlib.suppress(OSError):
        atomic_write_text(reported_file(library), json.dumps(sorted(lines)))  # names may hold surrogates


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 hit``, ``2 hits``, ``400,000 hits``: a count as people write it."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
