"""PDFs: the text layer, page by page, as paragraphs under ``## Page N`` markers.

PDFium (through pypdfium2: fast, Apache/BSD-licensed, the engine of Chrome's viewer, a binary
wheel with no program to install) extracts each page's text in reading order. A page becomes
``pages.marker(n)`` and its paragraphs: lines are joined into a paragraph until one ends short
(a paragraph's last line, a heading), a word hyphenated at a line end is joined again (PDFium
marks the hyphens it recognises; a ``-`` at a line end before a lowercase letter is taken for
one too), and text that would read as Markdown markup is escaped. Title, author, date and
keywords come from the document information, the title else from the first line of text.

A PDF with no text at all (a scan without OCR) is refused with "no text layer: scanned?"; one
whose text is missing on some pages is read, noting which. An encrypted PDF that needs a
password, and a file PDFium cannot parse, are refused with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from statistics import median
from typing import Any

from tui.core.formats import ConversionError, Converted
from tui.core.formats.pages import marker
from tui.core.formats.text import clean_text, escape_inline, escape_line_start, iso_day, one_line

SHORT_LINE = 0.7
"""A line shorter than this share of the page's usual line length ends its paragraph."""
_PDFIUM_HYPHEN = re.compile("\ufffe(?P<next>.?)")
_HYPHENS = "-\u00ad\u2010"
_JUNK_TITLE = re.compile(
    r"(?i)\A(?:microsoft (?:word|powerpoint) - |untitled\b)|\.(?:docx?|pdf|indd|tex|odt|pages|rtf)\Z"
)


def convert(path: Path) -> Converted:
    """Convert the PDF at ``path``."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]  # ships no type information

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        message = str(error)
        if "password" in message.lower():
            raise ConversionError("encrypted: needs a password to open") from None
        detail = message.rsplit("(PDFium: ", 1)[-1].rstrip(").")
        raise ConversionError(f"not a readable PDF ({one_line(detail, 120)})") from None
    try:
        pages, unreadable, first_line = _pages(document, pdfium.PdfiumError)
        info = _info(document)
    finally:
        document.close()
    if not any(text for text in pages):
        raise ConversionError("no text layer: scanned?" if pages else "no pages")
    problems = []
    empty = [n for n, text in enumerate(pages, 1) if not text and n not in unreadable]
    if empty:
        problems.append(f"no text layer on {_pages_named(empty)} (scanned?)")
    if unreadable:
        problems.append(f"could not read {_pages_named(unreadable)}")
    body = "\n\n".join(f"{marker(n)}\n\n{text}" if text else marker(n) for n, text in enumerate(pages, 1))
    title = info.get("Title", "")
    if not title or _JUNK_TITLE.search(title):
        title = first_line if len(first_line) <= 200 else ""
    return Converted(
        text=body,
        title=title,
        author=info.get("Author", ""),
        date=iso_day(info.get("CreationDate", "")),
        tags=tuple(t.strip() for t in re.split("[,;]", info.get("Keywords", "")) if t.strip()),
        problems=tuple(problems),
    )


def _pages(document: Any, error_type: type[Exception]) -> tuple[list[str], list[int], str]:
    """Each page's text, the pages that could not be read, and the first line of text."""
    pages: list[str] = []
    unreadable: list[int] = []
    first_line = ""
    for index in range(len(document)):
        try:
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    raw = textpage.get_text_range()
                finally:
                    textpage.close()
            finally:
                page.close()
        except error_type:
            unreadable.append(index + 1)
            raw = ""
        pages.append(page_text(raw))
        if not first_line:
            first_line = next((" ".join(line.split()) for line in raw.splitlines() if line.strip()), "")
    return pages, unreadable, first_line


def _info(document: Any) -> dict[str, str]:
    try:
        raw = document.get_metadata_dict(skip_empty=True)
    except Exception:  # a damaged information dictionary: the text is still worth reading
        return {}
    return {str(k): one_line(str(v)) for k, v in raw.items() if isinstance(v, str)}


def page_text(raw: str) -> str:
    """One page's extracted text as Markdown paragraphs."""
    text = clean_text(raw.replace("\x02", "\ufffe"))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    # PDFium joins a line it saw hyphenated with the next: its pieces are the lines as printed.
    widths = [len(piece) for line in lines for piece in line.split("\ufffe") if piece]
    if not widths:
        return ""
    usual = median(widths) if len(widths) >= 3 else max(widths)
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append(line)
        if len(line.rsplit("\ufffe", 1)[-1]) < SHORT_LINE * usual:
            paragraphs.append([])
    return "\n\n".join(_paragraph(lines) for lines in paragraphs if lines)


def _paragraph(lines: list[str]) -> str:
    parts = [lines[0]]
    for line in lines[1:]:  # a word split at a line end, before a lowercase letter, is one word
        last = parts[-1]
        if line[:1].islower() and last[-1:] in _HYPHENS and last[-2:-1].isalpha():
            parts[-1] = last[:-1]
        else:
            parts.append(" ")
        parts.append(line)
    text = _PDFIUM_HYPHEN.sub(lambda m: m["next"] if m["next"].islower() else "-" + m["next"], "".join(parts))
    return escape_line_start(escape_inline(text))


def _pages_named(numbers: list[int]) -> str:
    """``page 3`` or ``pages 3-5, 9``."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    named = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:20]) + (
        "…" if len(runs) > 20 else ""
    )
    return f"page{'s' if len(numbers) > 1 else ''} {named}"
