"""The Whoosh backend: the only package in lectern that imports Whoosh.

Whoosh 2.7 is unmaintained, and lectern reaches into its internals for speed (its codec, segment
writer and posting blocks); all of that sits here, where an upgrade or a replacement has to look.
This file stays light (no Whoosh import): the start-up check reads the layout from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.documents import Document
    from tui.core.search import Notes, SearchIndex
    from tui.core.search.types import TextLoader

SCHEMA_VERSION = 9
"""Bump with any change to what is written (schema, analyzer, codec, ``.lps``, the classes the
table of contents pickles) and every existing index is rebuilt."""
FOLDER = "whoosh"
_TOC = re.compile(r"_MAIN_(\d+)\.toc\Z")
TERM_LISTS = re.compile(r"lectern_terms_(\d+)\.json\Z")
"""``term_lists``'s files: derived, checked by their own CRC, never a reason to rebuild."""


class WhooshBackend:
    """``tui.core.search.IndexBackend`` over Whoosh; each call imports what it needs."""

    schema_version = SCHEMA_VERSION
    folder = FOLDER

    def generation(self, names: Iterable[str]) -> int | None:
        found = [int(m.group(1)) for m in map(_TOC.match, names) if m]
        return max(found) if found else None

    def part_of_commit(self, name: str) -> bool:
        return "LOCK" not in name.upper() and not name.endswith(".tmp") and not TERM_LISTS.match(name)

    def create(self, folder: Path) -> None:
        from tui.core.search.whoosh import writing

        writing.create(folder)

    def check(self, folder: Path) -> int:
        from tui.core.search.whoosh import writing

        return writing.check(folder)

    def collect_garbage(self, folder: Path) -> None:
        from tui.core.search.whoosh import writing

        writing.collect_garbage(folder)

    def tidy(self, folder: Path, merging: Callable[[], None] = lambda: None) -> bool:
        from tui.core.search.whoosh import writing

        return writing.tidy(folder, merging)

    def finish(self, folder: Path) -> None:
        from tui.core.search.whoosh import term_lists

        term_lists.save(folder)

    def stored_entries(self, folder: Path) -> list[tuple[str, str]]:
        from tui.core.search.whoosh import writing

        return writing.stored_entries(folder)

    def write(
        self,
        folder: Path,
        remove: Iterable[str],
        add: Sequence[Document],
        procs: int = 1,
        merge: bool = True,
        notes: Notes | None = None,
        records: Mapping[str, str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> set[str]:
        from tui.core.search.whoosh import writing

        return writing.write(folder, remove, add, procs, merge, notes, records, progress)

    def open(self, folder: Path, load_text: TextLoader) -> SearchIndex:
        from tui.core.search.whoosh.searcher import Index

        return Index(folder, load_text)


BACKEND = WhooshBackend()
