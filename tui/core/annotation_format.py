"""How an annotation file is written and read back, and the check of every field it holds.

One annotation a line of JSON-style flow YAML under a header: any YAML parser reads it, and a
fast path reads it as JSON lines. Every field read back is checked (type, size, range) and a bad
one is an ``AnnotationError`` naming it, so one damaged entry never hides the others.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any

from tui.core.safe_yaml import load_yaml_safely

FORMAT_VERSION = 1
HEADER = "# lectern annotations: YAML, one annotation a line (JSON-style flow mappings, fast to read)\n"
MAX_OFFSET = 10**12
"""No text has a position beyond this: a larger offset is damage, not a place in a document."""
MAX_ID_CHARS = 1_000
MAX_SHORT_CHARS = 1_000
"""Longest colour, time stamp, sha256 or tag: these are names, never prose."""
MAX_TAGS = 1_000


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags trimmed, inner whitespace folded, empty ones and duplicates dropped, order kept."""
    cleaned = (" ".join(str(t).replace(",", " ").split()) for t in tags)
    return tuple(dict.fromkeys(t for t in cleaned if t))


class AnnotationError(ValueError):
    """An annotation entry (or a file's header) that cannot be used; the message says why."""


_NOT_YAML_PRINTABLE = re.compile(  # and the characters YAML or str.splitlines take as line breaks
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def describe(value: object) -> str:
    """What a value is, for a message: never its text (it may be huge, or hostile)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        digits = math.floor(value.bit_length() * math.log10(2)) + 1
        return str(value) if digits <= 18 else f"an integer of about {digits:,} digits"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f"not a finite number ({value!r})"
        return f"a fraction ({value!r})"
    if isinstance(value, str):
        number = value.lstrip("+-")
        return f"a number of {len(number):,} digits" if number.isdigit() and len(number) > 18 else "text"
    if isinstance(value, Unreadable):
        return value.what
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__}"


def offset_field(target: dict[Any, Any], key: str) -> int:
    """A code-point offset: a whole number no text is too short for; negative ones count as 0."""
    value = target.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnnotationError(f"target {key} is {describe(value)}, not a whole number")
    if value > MAX_OFFSET:
        raise AnnotationError(f"target {key} is {describe(value)}, beyond any text")
    return max(0, value)


def text_field(raw: dict[Any, Any], key: str, limit: int | None = None) -> str:
    """A text field ('' when absent or empty)."""
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AnnotationError(f"{key} is {describe(value)}, not text")
    if limit is not None and len(value) > limit:
        raise AnnotationError(f"{key} is longer than {limit:,} characters")
    return value


def name_field(raw: dict[Any, Any], key: str) -> str:
    """An identifier: text, or a whole number as a hand-written YAML file may give it."""
    value = raw.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
        return str(value)
    return text_field(raw, key, MAX_ID_CHARS)


def stamp_field(raw: dict[Any, Any], key: str) -> str:
    """A time as ISO 8601 text ('' when absent); unquoted YAML times arrive as datetime or date."""
    value = raw.get(key)
    if isinstance(value, (datetime, date)):
        return timestamp(value)
    return text_field(raw, key, MAX_SHORT_CHARS)


def tags_field(value: object) -> tuple[str, ...]:
    """Tags: a list of names, or a single name."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_TAGS:
        raise AnnotationError(f"tags hold more than {MAX_TAGS:,} names")
    names = [tag_name(item) for item in items]
    return clean_tags(names)


def tag_name(item: object) -> str:
    if isinstance(item, int) and not isinstance(item, bool) and abs(item) < 10**18:
        return str(item)  # tags: [2020] written by hand
    if not isinstance(item, str):
        raise AnnotationError(f"a tag is {describe(item)}, not a name")
    if len(item) > MAX_SHORT_CHARS:
        raise AnnotationError(f"a tag is longer than {MAX_SHORT_CHARS:,} characters")
    return item


def timestamp(value: object) -> str:
    """ISO 8601 text for a time as YAML may have parsed it (unquoted: a datetime or a date)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.isoformat(timespec="seconds")
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).isoformat(timespec="seconds")
    return str(value) if value else ""


def dump_yaml(payload: dict[str, Any]) -> str:
    """The file text: YAML whose values are JSON-style flow collections, one annotation a line.

    Every JSON value is a valid YAML flow value once the characters YAML does not allow raw are
    escaped, so any YAML tool reads the file, while ``load_yaml`` reads it line by line with the
    json module: 2,000 annotations save and load in milliseconds instead of a quarter second.
    """
    return file_text(payload["document"], [f"- {flow(a)}\n" for a in payload["annotations"]])


def file_text(document: dict[str, Any], lines: list[str]) -> str:
    head = f"{HEADER}version: {FORMAT_VERSION}\ndocument: {flow(document)}\n"
    return head + ("annotations:\n" if lines else "annotations: []\n") + "".join(lines)


def flow(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def load_yaml(text: str) -> Any:
    """Parse an annotation file: the fast line reader for files lectern wrote, else YAML.

    Either way no YAML tag is honoured: the fallback is the shared bounded safe loader
    (``tui.core.safe_yaml.load_yaml_safely``: libyaml's SafeLoader, aliases and nesting bounded).
    """
    fast = load_lines(text)
    return fast if fast is not None else load_yaml_safely(text)


class Unreadable:
    """A value in a line of an annotation file that cannot be held: a JSON integer too long for
    anything lectern stores (Python refuses over 4,300 digits), or a line nested past the
    recursion limit. Kept as what it is, so that ``from_dict`` refuses that entry alone, with why."""

    def __init__(self, what: str) -> None:
        self.what = what


def _json_int(text: str) -> int | Unreadable:
    return int(text) if len(text) <= 40 else Unreadable(f"a number of {len(text.lstrip('-')):,} digits")


_DECODER = json.JSONDecoder(parse_int=_json_int)
"""Built once: ``json.loads`` with options would build a decoder for every line."""


def load_lines(text: str) -> dict[str, Any] | None:
    lines = text.rstrip("\n").split("\n")
    if len(lines) < 4 or lines[0] != HEADER.rstrip("\n"):
        return None
    try:
        version = int(lines[1].removeprefix("version: "))
        if not lines[2].startswith("document: ") or lines[3] not in ("annotations:", "annotations: []"):
            return None
        document = _DECODER.decode(lines[2].removeprefix("document: "))
        entries = [_entry(line[2:]) for line in lines[4:] if line.startswith("- ")]
    except (ValueError, RecursionError):  # not lectern's own lines: YAML decides
        return None
    if len(entries) != sum(1 for line in lines[4:] if line.strip()):
        return None
    return {"version": version, "document": document, "annotations": entries}


def _entry(line: str) -> Any:
    """One entry line; one nested too deeply to decode is that entry's problem, not the file's."""
    try:
        return _DECODER.decode(line)
    except RecursionError:
        return Unreadable("nested too deeply")
