"""brat standoff, written as a folder and read back from one (or from a lone .ann file).

Written (``write_files``): what brat reads as a collection. For each document with reviewed,
tagged passages in its current text, ``<document id>.txt`` (its text, exactly: brat counts code
points into it) and ``<document id>.ann``, a line ``T1<TAB>Type start end<TAB>text`` per tag of
each passage and ``#1<TAB>AnnotatorNotes T1<TAB>note`` for its note; ``annotation.conf``
declares the types (and lets passages overlap and nest, as lectern's do) and ``visual.conf``
names each type after its tag. brat's types are ``[A-Za-z0-9_-]``: a tag is written as brat
itself stores a label (spaces as ``_``, accents dropped, anything else ``_``, a number added when
two tags meet), and ``visual.conf`` gives the tag back, so the folder reads back with the tags
it had; each changed name is reported (``left_out``). An .ann line is one line: a passage across
line breaks is written as brat writes one, in fragments (``0 5;6 10``, its text the fragments
joined by a space), and a note's line breaks become spaces (reported). Suggestions not yet
reviewed, untagged passages and orphans are left out (reported).

Read: a folder's ``.ann`` files (each with the ``.txt`` beside it, and the nearest ``visual.conf``
naming types), or one .ann file. A text-bound annotation (``T``) is a passage from its first
fragment's start to its last one's end, checked against the .txt as brat checks it; notes attach
to it; the ``T``s of one passage are one annotation with their types as tags (a ``T`` with a note
starts an annotation, as lectern writes them). Relations, events, attributes and normalizations
are not passages and are left alone. brat records no annotator: the import's own (``--as``)
stands. Documents are found by the .txt (its sha256, else the quotes).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from tui.core.annotations import Annotation
from tui.core.exchange import spans
from tui.core.exchange.corpus import ExportDocument
from tui.core.exchange.incoming import ImportFormatError, Incoming, fail, utf8_text
from tui.core.exchange.spans import Source, Span

ANN, TXT = ".ann", ".txt"
ANNOTATION_CONF, VISUAL_CONF = "annotation.conf", "visual.conf"
NOTE = "AnnotatorNotes"
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""What ``str.splitlines`` breaks on, as brat (Python) reads an .ann file."""
_NOT_IN_TYPE = re.compile(r"[^A-Za-z0-9_-]")
_NOT_IN_NAME = re.compile(r'[<>:"\\|?*\x00-\x1f\x7f]')
_MAX_FILES = 200_000
_MAX_BYTES = 2 * 1024**3
_OTHER_KINDS = "RAEMN*"
"""Relations, attributes, events, modifications, normalizations, equivalences: not passages."""

# --------------------------------------------------------------------------- writing


def write_files(docs: list[ExportDocument]) -> dict[str, str]:
    """The collection: file name (relative, with ``/``) to its text."""
    chosen = [(doc, found) for doc in docs if (found := _written(doc))]
    types = type_names(sorted({tag for _, found in chosen for a in found for tag in a.tags}))
    files: dict[str, str] = {}
    for name, (doc, found) in zip(_file_names([d for d, _ in chosen]), chosen, strict=True):
        files[name + TXT] = doc.text or ""
        files[name + ANN] = _standoff(doc.text or "", found, types)
    if files:
        files[ANNOTATION_CONF] = _annotation_conf(sorted(set(types.values())))
        files[VISUAL_CONF] = _visual_conf(types)
    return files


def _written(doc: ExportDocument) -> list[Annotation]:
    """The passages written: reviewed, tagged, in the current text, not line breaks only."""
    text = doc.text
    return [a for a in spans.labelled(doc) if fragments(text, a.start, a.end)] if text is not None else []


def type_names(tags: list[str]) -> dict[str, str]:
    """Each tag's brat type: brat's own storage form of a label, unique among them."""
    wanted = {tag: _storage_form(tag) for tag in tags}
    # a tag that is already its type keeps it; the others get a number in tag order
    taken = {form for tag, form in wanted.items() if tag == form}
    types: dict[str, str] = {}
    for tag in tags:
        form = wanted[tag]
        if tag != form:
            base, n = form, 1
            while form in taken:
                n += 1
                form = f"{base}-{n}"
            taken.add(form)
        types[tag] = form
    return types


def _storage_form(tag: str) -> str:
    """As brat stores a label: spaces as ``_``, accents dropped, any other character ``_``."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", tag) if not unicodedata.combining(c))
    return _NOT_IN_TYPE.sub("_", plain.replace(" ", "_")) or "label"


def _file_names(docs: list[ExportDocument]) -> list[str]:
    """Each document's file name without ending: its id, with what a file name cannot hold
    replaced, unique even on a file system that ignores case."""
    names, seen = [], set()
    for doc in docs:
        parts = [_NOT_IN_NAME.sub("_", part) for part in doc.ref.id.split("/")]
        parts = ["_" + p[1:] if p.startswith(".") else p or "_" for p in parts]
        base = name = "/".join(parts)
        n = 1
        while name.lower() in seen or name in (ANNOTATION_CONF, VISUAL_CONF):
            n += 1
            name = f"{base}-{n}"
        seen.add(name.lower())
        names.append(name)
    return names


def _standoff(text: str, found: list[Annotation], types: dict[str, str]) -> str:
    lines = []
    notes = 0
    for number, (pieces, tag, note) in enumerate(_canonical_lines(text, found), 1):
        where = ";".join(f"{start} {end}" for start, end in pieces)
        quote = " ".join(text[start:end] for start, end in pieces)
        lines.append(f"T{number}\t{types[tag]} {where}\t{quote}\n")
        if note:
            notes += 1
            lines.append(f"#{notes}\t{NOTE} T{number}\t{note}\n")
    return "".join(lines)


Pieces = tuple[tuple[int, int], ...]
Passage = tuple[Pieces, tuple[str, ...], str]
"""What a passage writes: its fragments, its tags in order, its note."""
Line = tuple[Pieces, str, str]
"""One ``T`` line: the fragments, one tag, and the passage's note on its first tag's line."""


def _canonical_lines(text: str, found: list[Annotation]) -> list[Line]:
    """The ``T`` lines in the order of what is written (a span that starts on a line break is
    written from the next line, so its own start would not survive a round trip), passages
    sorted by their tags, each passage's lines together.

    brat has one tag per line; an import groups a passage's lines back as lectern writes them
    (``spans.incoming``), and two passages on the same words may come back grouped otherwise
    (one tag, then another's two). So the lines are regrouped as an import would and written
    again until they no longer change (twice at most in practice): then what an import reads
    is written the same way, and export, import, export is export.
    """
    passages = [(tuple(fragments(text, a.start, a.end)), a.tags, one_line(a.note).strip()) for a in found]
    lines = _lines(passages)
    for _ in range(10):
        again = _lines(_as_imported(lines))
        if again == lines:
            break
        lines = again
    return lines


def _lines(passages: list[Passage]) -> list[Line]:
    return [
        (pieces, tag, note if i == 0 else "")
        for pieces, tags, note in sorted(passages)
        for i, tag in enumerate(tags)
    ]


def _as_imported(lines: list[Line]) -> list[Passage]:
    """The passages an import makes of the lines: a line with a note starts one, and one
    without joins the last one on the same words that lacks its tag (``spans.incoming``)."""
    passages: list[tuple[Pieces, list[str], str]] = []
    last: dict[Pieces, tuple[Pieces, list[str], str]] = {}
    for pieces, tag, note in lines:
        passage = last.get(pieces)
        if passage is None or note or tag in passage[1]:
            passage = last[pieces] = (pieces, [], note)
            passages.append(passage)
        passage[1].append(tag)
    return [(pieces, tuple(tags), note) for pieces, tags, note in passages]


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` in pieces without line breaks (the empty ones dropped)."""
    pieces, at = [], start
    for i in range(start, end + 1):
        if i == end or text[i] in LINE_BREAKS:
            if i > at:
                pieces.append((at, i))
            at = i + 1
    return pieces


def one_line(note: str) -> str:
    """A note on one line: its line breaks as spaces."""
    return " ".join(note.splitlines())


def _annotation_conf(types: list[str]) -> str:
    entities = "".join(f"{t}\n" for t in types)
    return (
        "# Written by lectern: one entity type per tag (visual.conf gives each its tag).\n"
        f"[entities]\n{entities}\n"
        "[relations]\n"
        "# lectern's passages may overlap and nest\n"
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n\n"
        "[events]\n\n"
        "[attributes]\n"
    )


def _visual_conf(types: dict[str, str]) -> str:
    labels = "".join(
        f"{form} | {tag}\n" for tag, form in sorted(types.items(), key=lambda t: t[1]) if "|" not in tag
    )
    return f"# Written by lectern: each type's tag.\n[labels]\n{labels}\n[drawing]\n"


def left_out(docs: list[ExportDocument]) -> list[str]:
    """What the brat export leaves out or changes, one line per document or tag."""
    lines = spans.left_out(docs, suggestions=True)
    chosen = [doc for doc in docs if _written(doc)]
    tags = sorted({tag for doc in chosen for a in _written(doc) for tag in a.tags})
    for tag, form in type_names(tags).items():
        if "|" in tag:
            lines.append(f"tag {tag!r} is brat type {form} (a brat label cannot hold '|')")
        elif form != tag:
            lines.append(f"tag {tag!r} is brat type {form} (visual.conf names it)")
    for doc in docs:
        found = _written(doc)
        folded = sum(1 for a in found if a.note and one_line(a.note) != a.note)
        empty = len(spans.labelled(doc)) - len(found) if doc.text is not None else 0
        if folded:
            lines.append(f"{doc.ref.id}: {folded} note(s) written on one line (a brat note is one line)")
        if empty:
            lines.append(f"{doc.ref.id}: left out {empty} passage(s) of line breaks only")
    return lines


# --------------------------------------------------------------------------- reading


def gather(path: Path) -> dict[str, bytes] | None:
    """The files a brat import reads from ``path`` (a folder, or one .ann file), by name relative
    to it; None when it is neither a folder holding .ann files nor an .ann file. Raises OSError."""
    if path.is_dir():
        anns = sorted(p for p in path.rglob(f"*{ANN}") if p.is_file())
        if not anns:
            return None
        root = path
        found = [*anns, *(p.with_suffix(TXT) for p in anns), *path.rglob(VISUAL_CONF)]
    elif path.suffix.lower() == ANN and path.is_file():
        root = path.parent
        found = [path, path.with_suffix(TXT), path.parent / VISUAL_CONF]
    else:
        return None
    files: dict[str, bytes] = {}
    total = 0
    for file in found:
        if not file.is_file():
            continue
        if len(files) >= _MAX_FILES:
            raise ImportFormatError(f"more than {_MAX_FILES:,} brat files: import the folder in parts")
        data = file.read_bytes()
        total += len(data)
        if total > _MAX_BYTES:
            raise ImportFormatError("more than 2 GB of brat files: import the folder in parts")
        files[file.relative_to(root).as_posix()] = data
    return files


def claims_files(files: Mapping[str, bytes]) -> bool:
    """Whether the files are brat's: they hold an .ann file."""
    return any(name.endswith(ANN) for name in files)


def read_files(files: Mapping[str, bytes]) -> list[Incoming]:
    """The passages of every .ann file."""
    found: list[Incoming] = []
    for name in sorted(n for n in files if n.endswith(ANN)):
        base = name[: -len(ANN)]
        raw_text = files.get(base + TXT)
        text = utf8_text(raw_text, base + TXT) if raw_text is not None else None
        standoff = utf8_text(files[name], name).removeprefix("\ufeff")
        tags = _labels(files, name)
        source = Source(text, name, doc_id=base)
        found.extend(spans.incoming(source, _read_standoff(standoff, text, name, tags)))
    return found


def _labels(files: Mapping[str, bytes], name: str) -> dict[str, str]:
    """Type to tag, from the ``[labels]`` of the visual.conf nearest the .ann file."""
    folder = posixpath.dirname(name)
    while True:
        conf = posixpath.join(folder, VISUAL_CONF) if folder else VISUAL_CONF
        if conf in files:
            return _visual_labels(utf8_text(files[conf], conf))
        if not folder:
            return {}
        folder = posixpath.dirname(folder)


def _visual_labels(conf: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    section = ""
    for raw in conf.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
            continue
        if section == "labels":
            names = [part.strip() for part in line.split("|")]
            if len(names) > 1 and names[0] and names[1]:
                labels[names[0]] = names[1]
    return labels


def _read_standoff(standoff: str, text: str | None, name: str, tags: dict[str, str]) -> list[Span]:
    bound: dict[str, Span] = {}
    notes: dict[str, str] = {}
    for n, raw in enumerate(standoff.split("\n"), 1):
        line = raw.removesuffix("\r")
        where = f"{name} line {n}"
        if not line.strip():
            continue
        ident, tab, rest = line.partition("\t")
        kind = ident[:1]
        if not tab or not ident or kind not in "T#" + _OTHER_KINDS:
            raise fail(where, "is not a brat annotation (an id such as T1, a tab, then what it marks)")
        if kind == "T":
            if ident in bound:
                raise fail(where, f"{ident} is given twice")
            bound[ident] = _text_bound(rest, text, where, tags)
        elif kind == "#":
            what, _, note = rest.partition("\t")
            note_kind, _, target = what.partition(" ")
            if note_kind == NOTE and note.strip():
                target = target.strip()
                notes[target] = f"{notes[target]} {note.strip()}" if target in notes else note.strip()
    return [
        Span(s.start, s.end, s.labels, s.where, s.quote, note=notes.get(ident, ""))
        for ident, s in bound.items()
    ]


def _text_bound(rest: str, text: str | None, where: str, tags: dict[str, str]) -> Span:
    """A ``T`` line after its id: ``Type start end[;start end...]<TAB>text``."""
    marks, tab, quote = rest.partition("\t")
    kind, _, places = marks.partition(" ")
    if not kind or not places.strip():
        raise fail(where, "has no type and offsets (Type start end)")
    pieces: list[tuple[int, int]] = []
    for piece in places.split(";"):
        numbers = piece.split()
        if len(numbers) != 2 or not all(n.isascii() and n.isdigit() for n in numbers):
            raise fail(where, f"{piece.strip()[:30]!r} is not a start and an end offset")
        start, end = int(numbers[0]), int(numbers[1])
        if end < start:
            raise fail(where, f"ends ({end}) before it starts ({start})")
        pieces.append((start, end))
    first, last = pieces[0][0], max(end for _, end in pieces)
    label = tags.get(kind, kind)
    if text is None:
        return Span(first, last, (label,), where, quote if tab else None)
    if last > len(text):
        raise fail(where, f"ends at {last}, after the end of the .txt ({len(text)} characters)")
    marked = " ".join(text[start:end] for start, end in pieces)
    if tab and quote != marked:
        raise fail(
            where, f"says it marks {spans.quoted(quote)}, but the .txt has {spans.quoted(marked)} there"
        )
    return Span(first, last, (label,), where, text[first:last])
