"""Saved web pages (``.html``, ``.htm``): the article, without the page around it, as Markdown.

A saved page is mostly not the article: menus, sidebars, cookie notices, footers. The article is
found as a readability tool finds it (readability-lxml, a port of Arc90's Readability: paragraphs
scored by text and commas, link-dense and negatively named blocks dropped), then written by
``markdown.MarkdownWriter`` with its headings, lists, tables and web links. readability's last
pass also drops short lists and tables inside the article ("fishy" blocks); a table of figures or
a three-item list is content, so only empty ones are dropped here. Navigation, headers, footers,
asides and forms outside ``<article>``/``<main>`` are removed first; a page in which readability
finds no article (or too little of it) is written whole, less those.

The charset is what the page says it is: a byte-order mark, else ``<meta charset>`` (or the
``http-equiv`` form) in the first 4 KB, else UTF-8 when the bytes are valid UTF-8, else
Windows-1252 (what browsers assume), noted as a problem. Metadata comes from OpenGraph and
``<meta>`` tags, JSON-LD, ``<title>`` and the first ``<h1>``; the page's URL from
``og:url``, the canonical link, or the "saved from" comment browsers write.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from tui.core.formats import ConversionError, Converted
from tui.core.formats.markdown import Element, MarkdownWriter, tag_of
from tui.core.formats.text import iso_day, one_line

PRESCAN = 4096
MAX_JSON_LD = 1_000_000
MIN_ARTICLE = 0.2
"""An article shorter than this share of the page's text is taken for a miss: the page is then
written whole, less its boilerplate."""
_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"""\A\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._\-]{1,40})""")
XML_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml[^>]{0,200}\?>")
_SAVED_FROM = re.compile(r"<!--\s*(?:saved from url=\(\d+\)|Page saved with SingleFile\s*\n?\s*url:)\s*(\S+)")
_WEB_URL = re.compile(r"\Ahttps?://\S+\Z", re.IGNORECASE)
_BOILERPLATE = frozenset({"nav", "header", "footer", "aside", "form", "menu"})
_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"})
AUTHOR_KEYS = ("author", "article:author", "dc.creator", "dcterms.creator", "byl", "parsely-author")
"""``<meta>`` names and properties that give the author, in order of trust (a URL is no name)."""
DATE_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "date", "dc.date", "dc.date.issued",
    "dcterms.date", "dcterms.issued", "dcterms.created", "citation_publication_date", "pubdate",
    "publish-date", "publication_date", "parsely-pub-date",
)  # fmt: skip
"""``<meta>`` names and properties that give the publication date, in order of trust."""
_LEGACY = {
    "latin1": "cp1252", "latin-1": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "x-user-defined": "cp1252",
    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8", "utf-32": "utf-8",
}  # fmt: skip
"""WHATWG's rules: Latin-1 and ASCII mean Windows-1252; a UTF-16 label without a BOM means UTF-8."""


def convert(path: Path) -> Converted:
    """Convert the saved page at ``path``."""
    text, problem = decode_html(path.read_bytes())
    text = XML_DECLARATION.sub("", text, count=1)  # lxml refuses decoded text that names an encoding
    try:
        page = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ConversionError(f"not a readable HTML page ({one_line(str(error), 120) or 'empty'})") from None
    meta = page_metadata(page, text)
    article = _article(page)
    markdown = MarkdownWriter(links=True).convert(article)
    if not markdown.strip():
        raise ConversionError("no text in this page")
    title = meta["title"] or _first_heading(page)
    problems = (problem,) if problem else ()
    return Converted(
        text=markdown,
        title=title,
        author=meta["author"],
        date=meta["date"],
        language=meta["language"],
        tags=tuple(meta["tags"]),
        source=meta["source"],
        problems=problems,
    )


def decode_html(data: bytes) -> tuple[str, str | None]:
    """The page's text and a problem (None when its charset was certain)."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _decode(data, name)
    head = data[:PRESCAN]
    declared = _CHARSET.search(head) or _XML_DECLARATION.search(head)
    if declared is not None:
        label = declared.group(1).decode("ascii").strip().lower()
        name = _LEGACY.get(label, label)
        try:
            return _decode(data, name)
        except LookupError:  # an unknown label, or a codec that is not a text encoding
            pass
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        where = f"byte 0x{data[error.start]:02x} at offset {error.start}"
        reason = (
            f"charset {declared.group(1).decode('ascii')!r} unknown" if declared else "no charset declared"
        )
        return data.decode(
            "cp1252", "replace"
        ), f"{reason} and not valid UTF-8 ({where}); read as Windows-1252"


def _decode(data: bytes, name: str) -> tuple[str, str | None]:
    try:
        return data.decode(name), None
    except UnicodeDecodeError as error:
        return data.decode(name, "replace"), f"invalid {name} bytes ({error.reason} at offset {error.start})"


def page_metadata(page: Element, text: str) -> dict[str, Any]:
    """Title, author, date, language, tags and source URL of a page (each '' when not found)."""
    meta: dict[str, list[str]] = {}
    for element in page.iter("meta"):
        key = (
            (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        )
        content = element.get("content")
        if key and content and content.strip():
            meta.setdefault(key, []).append(content.strip())
    linked = _json_ld(page)

    def first(*keys: str) -> str:
        return next((meta[k][0] for k in keys if k in meta), "")

    title_element = page.find(".//title")
    title = first("og:title", "twitter:title", "dc.title", "dcterms.title") or (
        title_element.text_content() if title_element is not None else ""
    )
    authors = [a for key in AUTHOR_KEYS for a in meta.get(key, []) if not _WEB_URL.match(a)]
    authors = authors or linked["author"]
    dates = [meta[key][0] for key in DATE_KEYS if key in meta] + linked["date"]
    for element in page.iter("time"):
        if element.get("pubdate") is not None or element.get("itemprop") == "datePublished":
            dates.append(element.get("datetime") or element.text_content())
    day = next((d for d in (iso_day(x) for x in dates) if d), "")
    language = (
        page.get("lang") or page.get("xml:lang") or first("content-language", "og:locale", "dc.language")
    )
    tags = [t.strip() for k in ("keywords", "news_keywords") for v in meta.get(k, []) for t in v.split(",")]
    tags += meta.get("article:tag", [])
    source = first("og:url")
    if not _WEB_URL.match(source):
        canonical = next(
            (link.get("href", "") for link in page.iter("link") if "canonical" in (link.get("rel") or "")), ""
        )
        saved = _SAVED_FROM.search(text[:PRESCAN])
        source = next((u for u in (canonical, saved.group(1) if saved else "") if _WEB_URL.match(u)), "")
    return {
        "title": one_line(title),
        "author": one_line(", ".join(dict.fromkeys(one_line(a) for a in authors if one_line(a)))),
        "date": day,
        "language": one_line(language.replace("_", "-")),
        "tags": [t for t in dict.fromkeys(one_line(t) for t in tags) if t],
        "source": source,
    }


def _json_ld(page: Element) -> dict[str, list[str]]:
    """Authors and publication dates from the page's JSON-LD (data only: parsed, never run)."""
    found: dict[str, list[str]] = {"author": [], "date": []}
    for script in page.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = script.text or ""
        if len(raw) > MAX_JSON_LD:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        seen = 0
        while stack and seen < 10_000:
            item = stack.pop()
            seen += 1
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                found["author"] += _names(item.get("author"))
                if isinstance(item.get("datePublished"), str):
                    found["date"].append(item["datePublished"])
                if "@graph" in item:
                    stack.append(item["@graph"])
    return found


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = [i.get("name") if isinstance(i, dict) else i for i in items[:20]]
    return [n for n in names if isinstance(n, str) and n.strip() and not _WEB_URL.match(n.strip())]


def _article(page: Element) -> Element:
    """The article element: readability's choice within the page less its navigation, header,
    footer, asides and forms (outside ``<article>``/``<main>``); or that whole page when
    readability finds nothing or too little of it."""
    body = page.find("body")
    root = body if body is not None else page
    _drop_boilerplate(root)
    whole = _text_length(root)
    try:  # readability takes text: its retry after a too-short first pass re-parses its input
        summary = _Readable(lxml_html.tostring(page, encoding="unicode")).summary(html_partial=True)
        article = lxml_html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # readability's own failures (Unparseable, odd trees): use the whole page
        return root
    if _text_length(article) >= MIN_ARTICLE * whole:
        return article
    return root


def _drop_boilerplate(root: Element) -> None:
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element is root:
            continue
        landmark = tag_of(element) in _BOILERPLATE or (element.get("role") or "").strip().lower() in _ROLES
        if landmark and element.getparent() is not None and not _in_content(element):
            element.drop_tree()


def _in_content(element: Element) -> bool:
    parent = element.getparent()
    while parent is not None:
        if tag_of(parent) in ("article", "main") or (parent.get("role") or "").strip().lower() == "main":
            return True
        parent = parent.getparent()
    return False


def _text_length(element: Element | None) -> int:
    return len("".join(element.text_content().split())) if element is not None else 0


def _first_heading(page: Element) -> str:
    for element in page.iter("h1", "h2"):
        text = one_line(element.text_content())
        if text:
            return text
    return ""


def _readability() -> Any:
    from readability import Document  # type: ignore[import-untyped]  # no type information shipped

    return Document


class _Readable(_readability()):  # type: ignore[misc]
    """readability's Document, keeping the article's short lists and tables (see the docstring)."""

    min_text_length: int

    def sanitize(self, node: Any, candidates: Any, keep_all_images: bool = False) -> Any:
        saved = self.min_text_length
        self.min_text_length = 1  # only the "too short" test reads it here: empty blocks still go
        try:
            return super().sanitize(node, candidates, keep_all_images)
        finally:
            self.min_text_length = saved
