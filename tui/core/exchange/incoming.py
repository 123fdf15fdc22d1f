"""What an import reads from a file, and the checks every field of it passes.

A malformed file must change nothing and say why, so every reader validates each field it uses
with these helpers, which name where in the file the problem is, before the import saves anything.
Each validated annotation becomes an ``Incoming``: the annotation and what the file says about its
document, for the import to find that document by.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tui.core.anchoring import STATUSES, Status
from tui.core.annotations import Annotation
from tui.core.colors import COLORS

UNKNOWN_TIME = "1970-01-01T00:00:00+00:00"
"""Stands for a time a foreign annotation does not give: fixed, so a re-import changes nothing."""


class ImportFormatError(ValueError):
    """The file is not one lectern can import (the message says why); nothing was changed."""


@dataclass(frozen=True)
class Incoming:
    """One validated annotation from the file, with what the file says about its document."""

    annotation: Annotation
    doc_id: str = ""
    title: str = ""
    path: str = ""
    """The document's local path (from lectern's JSON or a file:// URI); '' when unknown."""
    uri: str = ""
    doc_sha256: str = ""
    """The sha256 of the text the offsets were anchored to; '' when unknown."""
    trusted_anchor: bool = False
    """Whether the file is lectern's and gives the anchor status for that text."""


@dataclass(frozen=True)
class ContentKeyed(Incoming):
    """An annotation from a file that gives it no id (brat, CoNLL, doccano): its id is derived
    from its content, and one already stored on the same passage, with every tag it has, counts
    as it, so what lectern exported does not come back as copies."""

    words: Words | None = None
    """The file gives its document only as words (CoNLL): the passage is found by them."""


@dataclass(frozen=True, eq=False)
class Words:
    """A document a file gives only as its words, in order (CoNLL), and which of them a passage
    covers: ``words[first:last]``. Its offsets are where those words are once the whole sequence
    is matched, word by word, in a corpus document's text."""

    words: tuple[str, ...]
    """Every word of the document in the file (one tuple, shared by its passages)."""
    first: int
    last: int


def json_kind(value: Any) -> str:
    """What a JSON value is, for a message: "an object", "a number"..."""
    if isinstance(value, bool):
        return "a boolean"
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), "null")


def fail(where: str, problem: str) -> ImportFormatError:
    """The error for a field at ``where`` (a path into the file, such as ``items[3].target``)."""
    return ImportFormatError(f"{where}: {problem}")


def json_object(value: Any, where: str) -> dict[str, Any]:
    """``value`` when it is a JSON object."""
    if not isinstance(value, dict):
        raise fail(where, f"is {json_kind(value)}, not an object")
    return value


def json_list(value: Any, where: str) -> list[Any]:
    """``value`` when it is a JSON list."""
    if not isinstance(value, list):
        raise fail(where, f"is {json_kind(value)}, not a list")
    return value


def string(raw: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    """A string field, '' when absent (an error when ``required``)."""
    value = raw.get(key)
    if value is None:
        if required:
            raise fail(where, f"has no {key!r}")
        return ""
    if not isinstance(value, str):
        raise fail(f"{where}.{key}", f"is {json_kind(value)}, not a string")
    return value


def strings(raw: dict[str, Any], key: str, where: str) -> list[str]:
    """A list of strings (a lone string counts as a list of one)."""
    value = raw.get(key)
    if value is None:
        return []
    items = [value] if isinstance(value, str) else json_list(value, f"{where}.{key}")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise fail(f"{where}.{key}[{i}]", f"is {json_kind(item)}, not a string")
    return items


def offset(raw: dict[str, Any], key: str, where: str) -> int:
    """A code-point offset: a whole number, not negative."""
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise fail(f"{where}.{key}", f"is {json_kind(value)}, not a whole number")
    if value < 0:
        raise fail(f"{where}.{key}", f"{value} is negative")
    return value


def start_end(raw: dict[str, Any], where: str) -> tuple[int, int]:
    """The ``start`` and ``end`` offsets of a passage, in order."""
    start, end = offset(raw, "start", where), offset(raw, "end", where)
    if end < start:
        raise fail(where, f"ends ({end}) before it starts ({start})")
    return start, end


def iso_time(raw: dict[str, Any], key: str, where: str) -> str:
    """An ISO 8601 time as written, or '' when absent."""
    value = string(raw, key, where)
    if value and instant(value) is None:
        raise fail(f"{where}.{key}", f"{value[:40]!r} is not an ISO 8601 time")
    return value


def instant(value: str) -> datetime | None:
    """The moment an ISO 8601 time names (UTC when it has no zone); None when it is not one."""
    text = value.strip()
    text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text  # Python 3.10 reads no "Z"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def created_modified(created: str, modified: str) -> tuple[str, str]:
    """Created and modified, each standing in for the other, else a fixed unknown time."""
    created = created or modified or UNKNOWN_TIME
    return created, modified or created


def palette_color(value: str) -> str:
    """A palette colour; any other (another tool's, a newer lectern's) becomes the default."""
    return value if value in COLORS else COLORS[0]


def anchor_status(raw: dict[str, Any], key: str, where: str) -> Status | None:
    """An anchor status, or None when absent."""
    value = string(raw, key, where)
    if not value:
        return None
    for status in STATUSES:
        if value == status:
            return status
    raise fail(f"{where}.{key}", f"{value[:40]!r} is not one of {', '.join(STATUSES)}")


def utf8_text(data: bytes, where: str) -> str:
    """A file of a format that counts in code points of its exact text (brat's .txt): UTF-8,
    nothing translated (a byte-order mark is a character there, as it is to brat)."""
    if bytes(1) in data:
        raise fail(where, f"binary data (a NUL byte at offset {data.find(bytes(1))}), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise fail(
            where, f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def kept_id(value: str, seed: Any) -> str:
    """A lectern id for an annotation a file names ``value``: a uuid is kept as it is (lectern's
    own, written out and read back); any other is local to its file (Label Studio's "Dx_aB91ISN"),
    so it becomes a uuid5 of itself and ``seed`` (what it is local to); none, a uuid5 of ``seed``."""
    if value:
        with contextlib.suppress(ValueError):
            return str(uuid.UUID(value.removeprefix("urn:uuid:")))
    key = json.dumps([value, seed], sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "lectern:kept:" + key))


def foreign_id(value: str, fallback: Any) -> str:
    """A lectern id for a foreign annotation: its uuid when it has one, else a stable uuid5."""
    if value.lower().startswith("urn:uuid:"):
        try:
            return str(uuid.UUID(value[len("urn:uuid:") :]))
        except ValueError:
            pass
    seed = value or "lectern:content:" + json.dumps(fallback, sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
