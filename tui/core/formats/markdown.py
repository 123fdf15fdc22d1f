"""HTML (a web page's article, an EPUB chapter) written as the Markdown the reader shows.

One walk over an lxml tree: headings, paragraphs, lists (nested), block quotes, code blocks, GFM
tables, emphasis, code spans, links (``[text](url)`` for web links, or their text only), images as
their alt text, note references as ``[1]``. Scripts, styles, forms and hidden elements are dropped;
a table of one column is written as paragraphs (a layout table, not data). lectern writes this
itself rather than through an HTML-to-Markdown library because the text is what annotations anchor
to: it may change only when ``Format.version`` says so, and it must parse in the reader exactly as
intended (text from the page is escaped, see ``text``).

The walk recurses per nesting level; lxml's parser caps nesting (256 levels), and deeper content is
flattened to its text (``MAX_DEPTH``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from lxml import html as lxml_html

from tui.core.formats.text import escape_inline, escape_line_start

Element = lxml_html.HtmlElement
MAX_DEPTH = 200
MAX_COLUMNS = 64
_BREAK = "\ue000"  # a hard line break inside a paragraph, until the paragraph is assembled
_SPACES = re.compile(r"[ \t\n\r\f]+")
_BREAKS = re.compile(f" *{_BREAK}[ {_BREAK}]*")
_LIST_ITEM = re.compile(r"(?:[-+*]|[0-9]{1,9}[.)])(?: |$)")
_NOTE_LABEL = re.compile(r"\A[\[(]?\s*([^\s\[\]()]{1,12})\s*[\])]?\Z")

DROPPED = frozenset({
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "base", "iframe",
    "frame", "frameset", "object", "embed", "applet", "canvas", "video", "audio", "source", "track",
    "map", "area", "button", "input", "select", "option", "optgroup", "textarea", "form", "datalist",
    "output", "progress", "meter", "dialog", "svg", "math",
})  # fmt: skip
"""Elements whose content is not the document's text (scripts, forms, media, embedded frames)."""
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "ul", "menu", "dir", "listing",
    "plaintext", "xmp",
})  # fmt: skip
"""Elements that start a block of their own; the rest is inline."""
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
HEADINGS = {f"h{n}": n for n in range(1, 7)}
_EMPHASIS = {"em": "*", "i": "*", "cite": "*", "dfn": "*", "var": "*", "strong": "**", "b": "**"}
_STRIKE = frozenset({"s", "del", "strike"})
_CODE = frozenset({"code", "kbd", "samp", "tt"})
_WEB_LINK = re.compile(r"\A(?:https?://|mailto:)[^\s<>]+\Z", re.IGNORECASE)


def tag_of(element: object) -> str:
    """The element's tag, lower case, without a namespace prefix ('' for comments and PIs)."""
    tag = getattr(element, "tag", None)
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def is_hidden(element: Element) -> bool:
    """Hidden by the page itself: the ``hidden`` attribute, ``aria-hidden``, ``display:none``."""
    get = element.get
    if get("hidden") is not None or (get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = (get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def types_of(element: Element) -> set[str]:
    """The element's EPUB ``epub:type`` and ARIA ``role`` words (``noteref``, ``doc-footnote``)."""
    words: set[str] = set()
    for name, value in element.items():
        local = str(name).rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if local in ("role", "type") and value:
            words.update(str(value).lower().split())
    return words


class MarkdownWriter:
    """Writes one tree as Markdown.

    ``links``: web links as ``[text](url)`` (else their text only). ``marks``: headings to place at
    elements (an EPUB's table of contents: element -> [(level, label)]): a marked element that is,
    or starts with, a heading gets that heading's level; otherwise the labels are inserted as
    headings before it.
    """

    def __init__(
        self, *, links: bool, marks: Mapping[Element, Sequence[tuple[int, str]]] | None = None
    ) -> None:
        self.links = links
        self.marks = dict(marks or {})
        self.levels: dict[Element, int] = {}
        self._containers: set[Element] = set()

    def convert(self, root: Element) -> str:
        """The Markdown of ``root`` and everything in it."""
        self._containers = _with_blocks(root)
        return "\n\n".join(block for block in self._block(root, 0) if block)

    # ------------------------------------------------------------------ blocks

    def _block(self, element: Element, depth: int) -> list[str]:
        marks = self.marks.pop(element, None)
        inserted: list[str] = []
        if marks:
            heading = _leading_heading(element)
            *before, last = marks
            if heading is not None:
                self.levels[heading] = last[0]
            else:
                before.append(last)
            inserted = [_heading(level, escape_inline(label)) for level, label in before if label.strip()]
        return inserted + self._block_body(element, depth)

    def _block_body(self, element: Element, depth: int) -> list[str]:
        tag = tag_of(element)
        if depth > MAX_DEPTH:
            return self._paragraphs([_text_piece(element.text_content())])
        if tag in HEADINGS:
            text = " ".join(self._inline_text(element).split())
            return [_heading(self.levels.get(element, HEADINGS[tag]), text)] if text else []
        if tag in ("ul", "ol", "menu", "dir"):
            return self._list(element, depth)
        if tag in ("pre", "listing", "plaintext", "xmp"):
            return _code_block(element.text_content())
        if tag == "table":
            return self._table(element, depth)
        if tag == "blockquote":
            inner = "\n\n".join(self._blocks(element, depth))
            return ["\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))] if inner else []
        if tag == "hr":
            return ["---"]
        if tag == "dt":
            text = " ".join(self._inline_text(element).split())
            return [f"**{text}**"] if text else []
        return self._blocks(element, depth)

    def _blocks(self, element: Element, depth: int) -> list[str]:
        """The blocks of an element's content: block children, and inline runs as paragraphs."""
        out: list[str] = []
        pieces: list[str] = []
        if element.text:
            pieces.append(_text_piece(element.text))
        for child in element:
            tag = tag_of(child)
            if tag and tag not in DROPPED and not is_hidden(child):
                if tag in BLOCKS or child in self._containers:
                    out.extend(self._paragraphs(pieces))
                    pieces = []
                    out.extend(self._block(child, depth + 1))
                else:
                    self._inline(child, pieces, depth + 1)
            if child.tail:
                pieces.append(_text_piece(child.tail))
        out.extend(self._paragraphs(pieces))
        return out

    def _paragraphs(self, pieces: list[str]) -> list[str]:
        text = _assemble(pieces)
        if not text:
            return []
        return ["\\\n".join(escape_line_start(line) for line in text.split("\n"))]

    def _list(self, element: Element, depth: int) -> list[str]:
        ordered = tag_of(element) == "ol"
        try:
            number = max(0, min(int(element.get("start") or 1), 999_999_999))
        except ValueError:
            number = 1
        groups: list[list[str]] = []  # each item's blocks

        def stray(blocks: list[str]) -> None:
            """Text or an element outside any ``<li>`` belongs to the item before it (or is one)."""
            if groups:
                groups[-1].extend(blocks)
            elif blocks:
                groups.append(blocks)

        stray(self._paragraphs([_text_piece(element.text or "")]))
        for child in element:
            tag = tag_of(child)
            if tag and tag not in DROPPED and not is_hidden(child):
                if tag == "li":
                    groups.append(self._block(child, depth + 1))
                elif tag in BLOCKS or child in self._containers:
                    stray(self._block(child, depth + 1))
                else:
                    pieces: list[str] = []
                    self._inline(child, pieces, depth + 1)
                    stray(self._paragraphs(pieces))
            stray(self._paragraphs([_text_piece(child.tail or "")]))
        items: list[str] = []
        for blocks in groups:
            marker = f"{number}." if ordered else "-"
            number += 1
            body = ""
            for block in blocks:
                joiner = "\n" if _LIST_ITEM.match(block) else "\n\n"  # a nested list stays tight
                body = f"{body}{joiner}{block}" if body else block
            items.append(marker + (" " + _indent(body, " " * (len(marker) + 1)).lstrip(" ") if body else ""))
        if not items:
            return []
        tight = all("\n\n" not in item for item in items)
        return [("\n" if tight else "\n\n").join(items)]

    def _table(self, element: Element, depth: int) -> list[str]:
        rows: list[list[str]] = []
        caption: list[str] = []
        for part in element:
            tag = tag_of(part)
            if tag == "caption":
                caption = self._paragraphs([self._inline_text(part)])
            elif tag in ("thead", "tbody", "tfoot"):
                rows.extend(self._row(row, depth) for row in part if tag_of(row) == "tr")
            elif tag == "tr":
                rows.append(self._row(part, depth))
        rows = [row for row in rows if any(cell for cell in row)]
        columns = max((len(row) for row in rows), default=0)
        if columns < 2 or _is_layout(element):  # a layout table: its cells are the page's blocks
            return caption + [
                block
                for cell in _cells(element)
                if not is_hidden(cell)
                for block in self._blocks(cell, depth + 1)
            ]
        lines = []
        for n, row in enumerate(rows):
            cells = [cell or " " for cell in row] + [" "] * (columns - len(row))
            lines.append("| " + " | ".join(cells) + " |")
            if n == 0:
                lines.append("|" + "|".join([" --- "] * columns) + "|")
        return [*caption, "\n".join(lines)]

    def _row(self, row: Element, depth: int) -> list[str]:
        cells: list[str] = []
        for cell in row:
            if tag_of(cell) not in ("td", "th") or len(cells) >= MAX_COLUMNS:
                continue
            text = " ".join(self._inline_text(cell).split())
            cells.append(text.replace("|", "\\|"))
            try:
                span = min(int(cell.get("colspan") or 1), MAX_COLUMNS)
            except ValueError:
                span = 1
            cells.extend([""] * max(0, min(span - 1, MAX_COLUMNS - len(cells))))
        return cells

    # ------------------------------------------------------------------ inline

    def _inline_text(self, element: Element) -> str:
        pieces: list[str] = []
        if element.text:
            pieces.append(_text_piece(element.text))
        for child in element:
            tag = tag_of(child)
            if tag and tag not in DROPPED and not is_hidden(child):
                spaced = tag in BLOCKS  # two paragraphs in a cell: their words stay apart
                pieces.extend([" "] if spaced else [])
                self._inline(child, pieces, 1)
                pieces.extend([" "] if spaced else [])
            if child.tail:
                pieces.append(_text_piece(child.tail))
        return _assemble(pieces)

    def _inline(self, element: Element, pieces: list[str], depth: int) -> None:
        tag = tag_of(element)
        if depth > MAX_DEPTH:
            pieces.append(_text_piece(element.text_content()))
            return
        if tag == "br":
            pieces.append(_BREAK)
            return
        if tag == "img":
            alt = " ".join((element.get("alt") or "").split())
            if alt:
                pieces.append(escape_inline(alt))
            return
        if tag in _CODE:
            pieces.append(_code_span(element.text_content()))
            return
        types = types_of(element)
        if _is_note_reference(element, tag, types):
            label = _NOTE_LABEL.match(" ".join(element.text_content().split()))
            if label:
                pieces.append(f"[{escape_inline(label.group(1))}]")
                return
        inner: list[str] = []
        if element.text:
            inner.append(_text_piece(element.text))
        for child in element:
            child_tag = tag_of(child)
            if child_tag and child_tag not in DROPPED and not is_hidden(child):
                if child_tag in BLOCKS:  # a block inside an inline element: keep its words apart
                    inner.append(" ")
                    self._inline(child, inner, depth + 1)
                    inner.append(" ")
                else:
                    self._inline(child, inner, depth + 1)
            if child.tail:
                inner.append(_text_piece(child.tail))
        text = "".join(inner)
        if tag in _EMPHASIS:
            pieces.append(_wrap(text, _EMPHASIS[tag]))
        elif tag in _STRIKE:
            pieces.append(_wrap(text, "~~"))
        elif tag == "a":
            pieces.append(self._link(element, text))
        elif tag == "sup" and text.strip():
            pieces.append("^" + text.strip() if len(text.strip()) <= 3 else text)
        else:
            pieces.append(text)

    def _link(self, element: Element, text: str) -> str:
        href = (element.get("href") or "").strip()
        core = text.strip()
        if not self.links or not core or not _WEB_LINK.match(href) or _BREAK in core:
            return text
        url = href.replace("(", "%28").replace(")", "%29")
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        return f"{lead}[{core}]({url}){trail}"


def _with_blocks(root: Element) -> set[Element]:
    """Non-block elements that hold a block (``<a><div>..</div></a>``): walked as blocks. One pass
    from each block element up to the first ancestor already marked."""
    marked: set[Element] = set()
    for element in root.iter():
        if tag_of(element) not in BLOCKS:
            continue
        parent = element.getparent()
        while parent is not None and parent not in marked:
            if tag_of(parent) not in BLOCKS:
                marked.add(parent)
            parent = parent.getparent()
    return marked


_LAYOUT = frozenset({
    "p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "section", "article",
})  # fmt: skip


def _is_layout(table: Element) -> bool:
    """A table that lays out a page (its cells hold paragraphs, lists, tables), not data."""
    return any(tag_of(inner) in _LAYOUT for cell in _cells(table) for inner in cell.iterdescendants())


def _cells(table: Element) -> Iterator[Element]:
    """The table's own cells (not those of a table nested in one), row by row."""
    for part in table:
        tag = tag_of(part)
        rows = [part] if tag == "tr" else [r for r in part if tag_of(r) == "tr"] if tag in _SECTIONS else []
        for row in rows:
            yield from (cell for cell in row if tag_of(cell) in ("td", "th"))


def _leading_heading(element: Element) -> Element | None:
    """``element`` if it is a heading, else the heading its content starts with (no text before it)."""
    current: Element | None = element
    while current is not None:
        if tag_of(current) in HEADINGS:
            return current
        if (current.text or "").strip():
            return None
        current = next((c for c in current if tag_of(c) and tag_of(c) not in DROPPED), None)
    return None


def _is_note_reference(element: Element, tag: str, types: set[str]) -> bool:
    if "noteref" in types or "doc-noteref" in types:
        return True
    if tag == "sup":
        children = [c for c in element if tag_of(c)]
        return len(children) == 1 and tag_of(children[0]) == "a" and not (element.text or "").strip()
    return False


def _text_piece(text: str) -> str:
    return escape_inline(_SPACES.sub(" ", text))


def _assemble(pieces: Iterable[str]) -> str:
    """An inline run as paragraph text: spaces collapsed, hard breaks as newlines."""
    text = re.sub(" {2,}", " ", "".join(pieces))
    text = _BREAKS.sub(_BREAK, text).strip(f" {_BREAK}")
    return text.replace(_BREAK, "\n") if text.strip() else ""


def _wrap(text: str, marker: str) -> str:
    core = text.strip()
    if not core or _BREAK in core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{marker}{core}{marker}{trail}"


def _code_span(text: str) -> str:
    content = " ".join(text.split())
    if not content:
        return ""
    ticks = "`" * (max((len(run) for run in re.findall("`+", content)), default=0) + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def _code_block(text: str) -> list[str]:
    text = text.strip("\n")
    if not text.strip():
        return []
    fence = "`" * max(3, max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return [f"{fence}\n{text}\n{fence}"]


def _heading(level: int, text: str) -> str:
    text = " ".join(text.split())
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    return f"{'#' * max(1, min(level, 6))} {text}"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.split("\n"))
