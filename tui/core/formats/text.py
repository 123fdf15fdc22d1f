"""Small text helpers the converters share: clean text, one-line fields, dates, Markdown escapes.

Converted text is lectern's own output, so it is made plain: no control characters (a PDF's
text layer carries NULs and form feeds, a web page stray C1 bytes), no lone surrogates, ``\\n``
newlines, at most one blank line in a row. Text that came from a document is escaped where
the reader's Markdown parser would otherwise take it as markup (a ``#`` starting a line, ``*``
around words, ``<tag``), so the reader shows it as written; what lectern adds (headings, list
markers, ``[1]`` note references) is the only markup.
"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

MAX_FIELD = 1000
"""Characters of a one-line field (title, author, ...) kept from a file; the model trims further."""

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_BLANKS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TRAILING = re.compile(r"[ \t]+\n")
_ISO_DAY = re.compile(r"\s*([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(?![0-9])")
_COMPACT_DAY = re.compile(
    r"\s*([0-9]{4})([0-9]{2})([0-9]{2})(?=(?:[0-9]{2}){0,3}(?![0-9]))"
)  # a time may follow

# Inline escapes: what CommonMark (with tables and strikethrough, as the reader parses) would read
# as markup in running text.
_INLINE = re.compile(
    r"""\\"""  # a backslash: whatever ends up after it (a marker lectern adds) it would escape
    r"""|[*`\[\]]"""  # emphasis, code spans, link brackets
    r"""|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])"""  # underscore emphasis (never inside a word)
    r"""|<(?=[A-Za-z/!?])"""  # HTML tags and autolinks
    r"""|&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)"""  # entities
    r"""|~(?=~)"""  # strikethrough
)
_LINE_START = re.compile(
    r"(?P<lead>[ \t]*)(?:"
    r"(?P<mark>#{1,6}|>|[-+*]|=+|-+)(?=[ \t]|$)"  # headings, quotes, bullets, setext underlines
    r"|(?P<number>[0-9]{1,9})(?P<dot>[.)])(?=[ \t]|$)"  # ordered list items
    r"|(?P<other>[|>])"  # table rows, quotes without a space
    r")"
)


def clean_text(text: str) -> str:
    """``text`` with ``\\n`` newlines, no control characters but tab and newline, no lone
    surrogates, no trailing blanks on a line, at most one blank line in a row; stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _CONTROLS.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", text)
    text = _TRAILING.sub("\n", text)
    return _BLANKS.sub("\n\n", text).strip("\n")


def one_line(text: str, limit: int = MAX_FIELD) -> str:
    """``text`` as one line of at most ``limit`` characters, without control characters."""
    flat = " ".join(_CONTROLS.sub(" ", text).split())
    return flat[:limit].rstrip()


def iso_day(text: str) -> str:
    """The day a date string names, as ``YYYY[-MM[-DD]]``; '' when it names none.

    ISO 8601 (``2020-01-19T10:00Z``), PDF dates (``D:20200119...``), compact days and RFC 2822
    (``Sun, 19 Jan 2020 10:00:00 GMT``) are understood; anything else is no date.
    """
    text = text.strip()
    if text[:2] == "D:":
        text = text[2:]
    compact = _COMPACT_DAY.match(text)
    found = compact or _ISO_DAY.match(text)
    if found is not None:
        parts = [p for p in found.groups() if p]
        try:
            date(*(int(p) for p in parts), *[1] * (3 - len(parts)))
        except ValueError:
            return ""
        return "-".join(parts)
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return ""


def escape_inline(text: str) -> str:
    """Document text made literal inside a Markdown paragraph."""
    return _INLINE.sub(lambda m: "\\" + m.group(), text)


def escape_line_start(line: str) -> str:
    """``line`` with a leading block marker (``#``, ``>``, ``-``, ``1.``, ``|``) escaped."""
    found = _LINE_START.match(line)
    if found is None:
        return line
    lead = found.group("lead")
    rest = line[len(lead) :]
    if found.group("number"):
        number = found.group("number")
        return lead + number + "\\" + rest[len(number) :]
    return lead + "\\" + rest
