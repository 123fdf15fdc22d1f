"""The one list of exchange formats: what each is called, its file ending, its writer and reader.

Everything that names formats (the CLI's choices, the palette's export commands, file names, which
reader takes an imported file, the message for a file no reader takes) is derived from
``REGISTRY``, so a format is added or dropped here and in its own module, nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.core.exchange import hypothesis, labelled, lectern_json, markdown, readwise_csv, w3c
from tui.core.exchange.corpus import ExportDocument
from tui.core.exchange.incoming import ImportFormatError, Incoming, fail, json_kind, json_object
from tui.core.exchange.passages import in_order

Writer = Callable[[list[ExportDocument]], str]
"""Documents (in id order, passages in order) to the text of an export."""


def _anything(_: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Reader:
    """How an import tells a format apart by its JSON's shape, and reads it."""

    label: str
    """The format's name in the message for a file that no reader takes."""
    claims: Callable[[dict[str, Any]], bool]
    """Whether a file whose JSON is an object is in this format."""
    read: Callable[[dict[str, Any]], list[Incoming]]
    read_entry: Callable[[dict[str, Any], str], Incoming] | None = None
    """Reads one annotation of a file whose JSON is a plain list; None: the format has no such files."""
    claims_entry: Callable[[dict[str, Any]], bool] = _anything
    """Whether a list's entry is in this format (by default: any entry no reader before took)."""


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
    """What ``write`` leaves out, one line per document, for the caller to report."""
    read: Reader | None = None


REGISTRY: tuple[Format, ...] = (
    Format("markdown", "md", markdown.write, write_full_text=markdown.write_full_text),
    Format(
        "json",
        "json",
        lectern_json.write,
        read=Reader("lectern", lectern_json.claims, lectern_json.read),
    ),
    Format("jsonl", "jsonl", labelled.write_jsonl),
    Format("doccano", "doccano.jsonl", labelled.write_doccano, left_out=labelled.doccano_left_out),
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

_EXPORTS = {f.name: f for f in REGISTRY if f.write is not None}
_READERS = tuple(f.read for f in REGISTRY if f.read is not None)

FORMATS = tuple(_EXPORTS)
"""The names of the formats lectern exports to."""
SUFFIXES = {name: f.suffix for name, f in _EXPORTS.items()}
"""The file name ending for each export format."""


def export(docs: Sequence[ExportDocument], fmt: str, *, full_text: bool = False) -> str:
    """The documents' annotations in format ``fmt`` (one of ``FORMATS``); ``full_text`` where the
    format has a full-text form (Markdown), else ignored."""
    found = _EXPORTS.get(fmt)
    if found is None or found.write is None:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    write = found.write_full_text if full_text and found.write_full_text else found.write
    return write(in_order(docs))


def left_out(docs: Sequence[ExportDocument], fmt: str) -> list[str]:
    """What format ``fmt`` leaves out, one line per document, for the caller to report."""
    found = _EXPORTS.get(fmt)
    if found is None or found.left_out is None:
        return []
    return found.left_out(in_order(docs))


def read_json(raw: Any) -> list[Incoming]:
    """The annotations of a file's parsed JSON, by the first reader that claims its shape."""
    if isinstance(raw, dict):
        for reader in _READERS:
            if reader.claims(raw):
                return reader.read(raw)
        keys = f"keys {', '.join(sorted(raw)[:8])}" if raw else "no keys"
        raise ImportFormatError(
            f"not a {_either(r.label for r in _READERS)} export (a JSON object with {keys})"
        )
    if isinstance(raw, list):
        return [_read_entry(entry, f"item {i}") for i, entry in enumerate(raw)]
    raise ImportFormatError(f"not an annotation export (the file's JSON is {json_kind(raw)})")


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
