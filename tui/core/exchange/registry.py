"""The one list of exchange formats: what each is called, its file ending, its writer and reader.

Everything that names formats (the CLI's choices, the palette's export commands, file names, which
reader takes an imported file, the message for a file no reader takes) is derived from
``REGISTRY``, so a format is added or dropped here and in its own module, nowhere else.

An import is told apart by its shape, each reader asked in order whether it claims it: a JSON
object (lectern, W3C, Hypothesis), a JSON list as a whole (Label Studio's tasks) or entry by
entry (W3C, Hypothesis), JSON lines (doccano, spaCy/Prodigy; a file of one line is also a JSON
object), plain text (CoNLL), or a set of files read from a folder or beside the file named
(brat's .ann and .txt). Most exports are one text; brat's is a folder (``write_files``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.exchange import (
    brat,
    conll,
    doccano,
    hypothesis,
    label_studio,
    labelled,
    lectern_json,
    markdown,
    readwise_csv,
    spacy_jsonl,
    w3c,
)
from tui.core.exchange.corpus import ExportDocument
from tui.core.exchange.incoming import ImportFormatError, Incoming, fail, json_kind, json_object
from tui.core.exchange.passages import in_order

Writer = Callable[[list[ExportDocument]], str]
"""Documents (in id order, passages in order) to the text of an export."""
FilesWriter = Callable[[list[ExportDocument]], dict[str, str]]
"""Documents to the files of an export that is a folder: relative name (with ``/``) to text."""
Lines = list[tuple[str, dict[str, Any]]]
"""The objects of a file of JSON lines, each with where it is (``line 3``)."""


def _anything(_: Any) -> bool:
    return True


def _nothing(_: Any) -> bool:
    return False


@dataclass(frozen=True)
class Reader:
    """How an import tells a format apart by its shape, and reads it. Each ``read_*`` is None
    when the format has no files of that shape, and its ``claims_*`` says whether one is its."""

    label: str
    """The format's name in the message for a file that no reader takes."""
    claims: Callable[[dict[str, Any]], bool] = _nothing
    """Whether a file whose JSON is an object is in this format."""
    read: Callable[[dict[str, Any]], list[Incoming]] | None = None
    read_entry: Callable[[dict[str, Any], str], Incoming] | None = None
    """Reads one annotation of a file whose JSON is a plain list."""
    claims_entry: Callable[[dict[str, Any]], bool] = _anything
    """Whether a list's entry is in this format (by default: any entry no reader before took)."""
    read_list: Callable[[list[Any]], list[Incoming]] | None = None
    """Reads a file whose JSON is a list of this format's own (Label Studio's tasks), as a whole."""
    claims_list: Callable[[list[Any]], bool] = _nothing
    read_lines: Callable[[Lines], list[Incoming]] | None = None
    """Reads a file of JSON lines, each an object (or a JSON list of such objects)."""
    claims_line: Callable[[dict[str, Any]], bool] = _nothing
    """Whether the first line's object is this format's."""
    read_text: Callable[[str], list[Incoming]] | None = None
    """Reads a file that is plain text, not JSON."""
    claims_text: Callable[[str], bool] = _nothing
    read_files: Callable[[Mapping[str, bytes]], list[Incoming]] | None = None
    """Reads a set of files (by name relative to the folder or file given), as ``gather`` found."""
    claims_files: Callable[[Mapping[str, bytes]], bool] = _nothing
    gather: Callable[[Path], dict[str, bytes] | None] | None = None
    """The files an import of this path reads (a folder, or a file with others beside it); None
    when the path is not this format's. Raises OSError."""


@dataclass(frozen=True)
class Format:
    """One exchange format. A format without ``write`` is imported only."""

    name: str
    suffix: str
    """The ending of the files it writes, without the dot."""
    write: Writer | None = None
    write_full_text: Writer | None = None
    """Writes whole documents with their passages marked; None: ``write`` serves for full text."""
    left_out: Callable[[list[ExportDocument]], list[str]] | None = None
    """What ``write`` leaves out or changes, one line per document (or tag), for the caller to report."""
    read: Reader | None = None
    write_files: FilesWriter | None = None
    """Writes a folder rather than one text (brat's .txt and .ann pairs); ``suffix`` then ends the
    folder's name."""


REGISTRY: tuple[Format, ...] = (
    Format("markdown", "md", markdown.write, write_full_text=markdown.write_full_text),
    Format(
        "json",
        "json",
        lectern_json.write,
        read=Reader("lectern", lectern_json.claims, lectern_json.read),
    ),
    Format("jsonl", "jsonl", labelled.write_jsonl),
    Format(
        "doccano",
        "doccano.jsonl",
        doccano.write,
        left_out=doccano.left_out,
        read=Reader("doccano", read_lines=doccano.read_lines, claims_line=doccano.claims_line),
    ),
    Format(
        "label-studio",
        "label-studio.json",
        label_studio.write,
        left_out=label_studio.left_out,
        read=Reader("Label Studio", read_list=label_studio.read_list, claims_list=label_studio.claims_list),
    ),
    Format(
        "spacy",
        "spacy.jsonl",
        spacy_jsonl.write,
        left_out=spacy_jsonl.left_out,
        read=Reader("spaCy/Prodigy", read_lines=spacy_jsonl.read_lines, claims_line=spacy_jsonl.claims_line),
    ),
    Format(
        "brat",
        "brat",
        left_out=brat.left_out,
        read=Reader("brat", read_files=brat.read_files, claims_files=brat.claims_files, gather=brat.gather),
        write_files=brat.write_files,
    ),
    Format(
        "conll",
        "conll",
        conll.write,
        left_out=conll.left_out,
        read=Reader("CoNLL", read_text=conll.read_text, claims_text=conll.claims_text),
    ),
    Format("csv", "csv", readwise_csv.write),
    Format(
        "w3c",
        "jsonld",
        w3c.write,
        read=Reader("W3C Web Annotation", w3c.claims, w3c.read, w3c.read_entry, w3c.claims_entry),
    ),
    Format(
        "hypothesis",
        "json",
        read=Reader("Hypothesis", hypothesis.claims, hypothesis.read, hypothesis.read_entry),
    ),
)
"""Every format, in the order menus list them; readers are tried in this order too."""

_EXPORTS = {f.name: f for f in REGISTRY if f.write is not None or f.write_files is not None}
_READERS = tuple(f.read for f in REGISTRY if f.read is not None)

FORMATS = tuple(_EXPORTS)
"""The names of the formats lectern exports to."""
SUFFIXES = {name: f.suffix for name, f in _EXPORTS.items()}
"""The file name ending for each export format (the folder's, for a format that writes one)."""
FOLDERS = frozenset(name for name, f in _EXPORTS.items() if f.write_files is not None)
"""The formats whose export is a folder of files (``export_files``), not one text."""


def _format(fmt: str) -> Format:
    found = _EXPORTS.get(fmt)
    if found is None:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return found


def export(docs: Sequence[ExportDocument], fmt: str, *, full_text: bool = False) -> str:
    """The documents' annotations in format ``fmt`` (one of ``FORMATS``); ``full_text`` where the
    format has a full-text form (Markdown), else ignored. A format that writes a folder gives its
    files as one text to read, each under a ``==> name <==`` line (as ``head`` shows files)."""
    found = _format(fmt)
    if found.write is None:
        return "".join(f"==> {name} <==\n{text}\n" for name, text in export_files(docs, fmt).items())
    write = found.write_full_text if full_text and found.write_full_text else found.write
    return write(in_order(docs))


def export_files(docs: Sequence[ExportDocument], fmt: str) -> dict[str, str]:
    """The files of an export that is a folder (``fmt`` in ``FOLDERS``), by relative name, in
    order; the one file ``<fmt>.<suffix>`` of any other."""
    found = _format(fmt)
    if found.write_files is None:
        return {f"{fmt}.{found.suffix}": export(docs, fmt)}
    return dict(sorted(found.write_files(in_order(docs)).items()))


def left_out(docs: Sequence[ExportDocument], fmt: str) -> list[str]:
    """What format ``fmt`` leaves out or changes, one line per document, for the caller to report."""
    found = _EXPORTS.get(fmt)
    if found is None or found.left_out is None:
        return []
    return found.left_out(in_order(docs))


def read_json(raw: Any) -> list[Incoming]:
    """The annotations of a file's parsed JSON, by the first reader that claims its shape."""
    if isinstance(raw, dict):
        for reader in _READERS:
            if reader.read is not None and reader.claims(raw):
                return reader.read(raw)
        lines = _read_lines([("line 1", raw)])  # a file of JSON lines that has one line
        if lines is not None:
            return lines
        keys = f"keys {', '.join(sorted(raw)[:8])}" if raw else "no keys"
        objects = (r.label for r in _READERS if r.read is not None)
        raise ImportFormatError(f"not a {_either(objects)} export (a JSON object with {keys})")
    if isinstance(raw, list):
        for reader in _READERS:
            if reader.read_list is not None and reader.claims_list(raw):
                return reader.read_list(raw)
        if raw and all(isinstance(entry, dict) for entry in raw):
            lines = _read_lines([(f"item {i}", entry) for i, entry in enumerate(raw)])
            if lines is not None:
                return lines
        return [_read_entry(entry, f"item {i}") for i, entry in enumerate(raw)]
    raise ImportFormatError(f"not an annotation export (the file's JSON is {json_kind(raw)})")


def read_json_lines(text: str) -> list[Incoming] | None:
    """The annotations of a file of JSON lines; None when its first line is not a JSON object."""
    numbered = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    if not numbered or _object(numbered[0][1]) is None:
        return None
    lines: Lines = []
    for n, line in numbered:
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise ImportFormatError(f"line {n}: not JSON: {error.msg} (column {error.colno})") from None
        except (RecursionError, ValueError) as error:
            raise ImportFormatError(f"line {n}: not JSON lectern can read: {error}") from None
        lines.append((f"line {n}", json_object(value, f"line {n}")))
    found = _read_lines(lines)
    if found is None:
        first = lines[0][1]
        keys = f"keys {', '.join(sorted(first)[:8])}" if first else "no keys"
        labels = (r.label for r in _READERS if r.read_lines is not None)
        raise ImportFormatError(
            f"not a {_either(labels)} export (JSON lines, the first an object with {keys})"
        )
    return found


def _object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (RecursionError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _read_lines(lines: Lines) -> list[Incoming] | None:
    for reader in _READERS:
        if reader.read_lines is not None and reader.claims_line(lines[0][1]):
            return reader.read_lines(lines)
    return None


def read_plain_text(text: str) -> list[Incoming] | None:
    """The annotations of a file that is plain text (CoNLL); None when no reader claims it."""
    for reader in _READERS:
        if reader.read_text is not None and reader.claims_text(text):
            return reader.read_text(text)
    return None


def gather_files(path: Path) -> dict[str, bytes] | None:
    """The files an import of ``path`` reads when a format spreads over several (a brat folder,
    or an .ann file and the .txt beside it); None when it is one file to read as it is."""
    for reader in _READERS:
        if reader.gather is not None:
            found = reader.gather(path)
            if found is not None:
                return found
    return None


def read_files(files: Mapping[str, bytes]) -> list[Incoming]:
    """The annotations of a set of files, by the first reader that claims them."""
    for reader in _READERS:
        if reader.read_files is not None and reader.claims_files(files):
            return reader.read_files(files)
    labels = (r.label for r in _READERS if r.read_files is not None)
    raise ImportFormatError(f"no {_either(labels)} files among {len(files):,} file(s)")


def _read_entry(raw: Any, where: str) -> Incoming:
    entry = json_object(raw, where)
    for reader in _READERS:
        if reader.read_entry is not None and reader.claims_entry(entry):
            return reader.read_entry(entry, where)
    raise fail(where, "is not an annotation of any format lectern imports")


def _either(labels: Iterable[str]) -> str:
    """The labels as a list in prose: "a, b or c"."""
    *rest, last = labels
    return f"{', '.join(rest)} or {last}" if rest else last
