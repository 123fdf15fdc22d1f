"""Each searched field's terms and the corpus's words, saved once per commit for the first fuzzy
query of a process.

A fuzzy word is compared against every term of a field, and the index holds those terms once per
segment: 32 segments at 100,000 documents, 850,000 terms to split, hash and join into 29,000,
some 0.15 s before the first fuzzy query of each process can answer. The indexer joins them once,
at the end of a run, into ``lectern_terms_<generation>.json`` beside the segments (no Whoosh file
is named so), with the vocabulary's words, each by length as ``near_words`` takes them; a
searcher of that generation reads them instead. A line of JSON says where each field's and
length's words are in the rest, UTF-8 text decoded only when a fuzzy word needs that length:
a technical corpus's 10 MB took 20 ms to decode as JSON.

The file is only a shortcut, checked by its own CRC-32 (on its first line), not the catalog's:
one of another commit, missing or damaged is ignored (the terms are joined from the segments as
before, and the next run writes it again), never a reason to rebuild. Written under a temporary
name and renamed: a killed run leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from tui.core.faults import checkpoint
from tui.core.search import VOCABULARY_NAME
from tui.core.search.whoosh import BACKEND, FOLDER, TERM_LISTS

_NAME = "lectern_terms_{}.json"

FORMAT = 4
"""The body's shape, in the header: a line of its ``groups`` (``[field, length, bytes]`` in
order, the field null for the words), then their words. A file of another shape is rewritten
by the next run, and not believed meanwhile."""
SEPARATOR = " "
"""``near_words.SEPARATOR`` (not imported: the unchanged check, which saves these, imports no numpy)."""

TermLists = dict[str, Mapping[int, str]]
"""Each searched field's terms by their length in characters, sorted and joined by
``SEPARATOR``: a fuzzy word looks only at the lengths within its edits (a technical corpus
holds half a million terms)."""


class Saved(NamedTuple):
    """What a commit's file holds."""

    fields: TermLists
    words: Mapping[int, str]
    """The vocabulary's words (as written, ``VOCABULARY_NAME``) by length, as ``TermLists``."""


class _Decoded(Mapping[int, str]):
    """Words by length, each length's decoded from the file's bytes when first asked for."""

    def __init__(self, body: bytes, spans: dict[int, tuple[int, int]]) -> None:
        self._body, self._spans = body, spans

    def __getitem__(self, length: int) -> str:
        start, end = self._spans[length]
        return self._body[start:end].decode("utf-8", "replace")  # (checked by the CRC)

    def __iter__(self) -> Iterator[int]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


def by_length(terms: Iterable[str]) -> dict[int, list[str]]:
    """``terms`` grouped by length, in the order they come."""
    found: dict[int, list[str]] = {}
    for term in terms:
        found.setdefault(len(term), []).append(term)
    return found


def flats_of(reader: Any) -> list[Any]:
    """The sorted term tables (``tui.core.search.flat``) of a reader's segments."""
    return [leaf._terms.flat for leaf, _ in reader.leaf_readers() if hasattr(leaf, "_terms")]


def joined(flats: Iterable[Any], fieldname: str) -> list[str]:
    """Every term of ``fieldname`` in any of the segments, sorted; one segment's list at a time
    (only the union is kept: every list at once held each term once per segment)."""
    held: set[bytes] = set()
    for flat in flats:
        held.update(flat.field_terms(fieldname))
    return sorted(term.decode("utf-8") for term in held)


def commit_of(reader: Any) -> tuple[int | None, list[str]]:
    """The commit a reader reads and its segments' names (the commit None for an empty index's
    reader). Generations start again when an index is made anew: the names tell two apart."""
    try:
        generation = reader.generation()
    except AttributeError:
        generation = None
    found = [leaf.segment() for leaf, _ in reader.leaf_readers() if hasattr(leaf, "segment")]
    segments = sorted(segment.segment_id() for segment in found if segment is not None)  # none: empty
    return (generation if isinstance(generation, int) else None), segments


def load(folder: Path, generation: int | None, segments: list[str]) -> Saved | None:
    """The lists saved for the commit ``generation`` of these ``segments`` of the index in
    ``folder``; None when there are none, or they cannot be believed."""
    found = _intact_body(folder, generation, segments)
    if found is None:
        return None
    groups, body = found
    spans: dict[str | None, dict[int, tuple[int, int]]] = {}
    at = 0
    try:
        for field, length, size in groups:
            if not (field is None or isinstance(field, str)) or not _count(length) or not _count(size):
                return None
            spans.setdefault(field, {})[length] = (at, at + size)
            at += size
    except (TypeError, ValueError):  # not a list of triples
        return None
    if at != len(body):
        return None
    fields: TermLists = {name: _Decoded(body, held) for name, held in spans.items() if name is not None}
    return Saved(fields, _Decoded(body, spans.get(None, {})))


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _intact_body(
    folder: Path, generation: int | None, segments: list[str] | None
) -> tuple[Any, bytes] | None:
    """The saved lists' groups (the body's first line) and words (the rest) when the file of
    ``generation`` is there, of these ``segments`` (any, for None), and its CRC-32 is right."""
    if generation is None:
        return None
    try:
        head, _, body = (folder / FOLDER / _NAME.format(generation)).read_bytes().partition(b"\n")
        header = json.loads(head)
        if header["generation"] != generation or header["crc"] != zlib.crc32(body):
            return None
        if header.get("format") != FORMAT:
            return None
        recorded = header["segments"]  # (a file without them is of no use to a searcher)
        if not isinstance(recorded, list) or (segments is not None and recorded != segments):
            return None
        listed, _, words = body.partition(b"\n")
        groups = json.loads(listed)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return (groups, words) if isinstance(groups, list) else None


def save(folder: Path) -> None:
    """Save the term lists of the index's current commit, unless they are there intact; remove
    those of other commits. One listing and a CRC of the file (no Whoosh) when nothing is to do."""
    engine = folder / FOLDER
    try:
        names = os.listdir(engine)
    except OSError:
        return
    current = BACKEND.generation(names)
    for name in names:
        found = TERM_LISTS.match(name)
        if found and int(found.group(1)) != current:
            with contextlib.suppress(OSError):
                (engine / name).unlink()
    if current is None or _intact_body(folder, current, None) is not None:
        return
    try:
        _write(folder, current)
    except Exception:  # a shortcut: without it the terms are joined as before (a damaged
        return  # index is the searcher's to report, a full disk the next write's)


def _write(folder: Path, expected: int) -> None:
    from whoosh import index

    from tui.core.search.query import SEARCH_FIELDS
    from tui.core.storage import atomic_write_text

    ix = index.open_dir(str(folder / FOLDER))
    with ix.reader() as reader:
        generation, segments = commit_of(reader)
        if generation is None:  # an empty index's reader
            generation = ix.latest_generation()
        if generation != expected:  # committed meanwhile: never, only the indexer commits
            return
        flats = flats_of(reader)
        lists: dict[str | None, dict[int, str] | None] = {
            name: _by_length_joined(joined(flats, name)) for name in SEARCH_FIELDS
        }
        lists[None] = _by_length_joined(_vocabulary(folder))
    groups, parts = [], []
    for field, held in lists.items():
        for length, words in (held or {}).items():
            data = words.encode("utf-8")
            groups.append([field, length, len(data)])
            parts.append(data)
    body = json.dumps(groups).encode() + b"\n" + b"".join(parts)
    header = {"generation": generation, "segments": segments, "crc": zlib.crc32(body), "format": FORMAT}
    text = json.dumps(header) + "\n" + body.decode("utf-8")
    checkpoint("terms-write")
    atomic_write_text(folder / FOLDER / _NAME.format(generation), text)


def _vocabulary(folder: Path) -> list[str]:
    try:
        return sorted(set((folder / VOCABULARY_NAME).read_text(encoding="utf-8").split()))
    except (OSError, ValueError):  # (then fuzzy words read the vocabulary themselves)
        return []


def _by_length_joined(terms: list[str]) -> dict[int, str] | None:
    """A field's terms (or the words) as the file keeps them; None (not kept: joined from the
    segments when needed) should a term hold ``SEPARATOR`` (a tag might)."""
    if any(SEPARATOR in term for term in terms):
        return None
    return {n: SEPARATOR.join(group) for n, group in sorted(by_length(terms).items())}
