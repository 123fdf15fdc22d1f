"""EPUB books (2 and 3): the chapters in reading order as one Markdown document.

An EPUB is a zip archive: ``META-INF/container.xml`` names the package document (OPF), whose
metadata gives title, authors, date, language, subjects and publisher, whose manifest lists
the files and whose spine orders the chapters. Each chapter (XHTML) is written by
``markdown.MarkdownWriter`` (links as their text: they point into the book), one after the
other. The table of contents (the EPUB 3 navigation document, else the EPUB 2 NCX) becomes the
outline: every entry is a heading at the place it points to, at its depth in the contents (a
heading already there takes that level; otherwise the entry's label is inserted). Footnotes stay
where the book has them, their references written ``[1]``; images are their alt text.

Read with the standard library's ``zipfile`` and lxml (ebooklib would do the same work and is
AGPL-licensed). Nothing in a book is fetched or run: XML is parsed without DTDs, entities or
network, every member's size is capped before it is read (a zip bomb is refused), and a book
whose content is encrypted (DRM) is reported as such.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree
from lxml import html as lxml_html

from tui.core.formats import ConversionError, Converted
from tui.core.formats.markdown import BLOCKS, Element, MarkdownWriter, tag_of, types_of
from tui.core.formats.text import iso_day, one_line

MAX_MEMBER = 64 * 1024 * 1024
"""A file inside the book larger than this (uncompressed) is refused: no chapter is that long."""
MAX_TOTAL = 512 * 1024 * 1024
MAX_TOC_DEPTH = 6
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
"""Algorithms that only obscure fonts (the text is readable): any other one is DRM."""
_XML_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml[^>]{0,200}\?>")
_XML_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._\-]{1,40})""")
_CONTENT_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}


@dataclass(frozen=True)
class _Entry:
    """One table-of-contents entry."""

    level: int
    label: str
    file: str
    fragment: str


def convert(path: Path) -> Converted:
    """Convert the book at ``path``."""
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as error:
        raise ConversionError(f"not a valid EPUB (not a zip archive: {one_line(str(error), 120)})") from None
    with book:
        return _Book(book).convert()


class _Book:
    def __init__(self, book: zipfile.ZipFile) -> None:
        self.zip = book
        self.names = {info.filename: info for info in book.infolist()}
        self.read_total = 0

    def convert(self) -> Converted:
        self._refuse_drm()
        opf_path = self._package_path()
        opf = _xml(self.read(opf_path))
        base = posixpath.dirname(opf_path)
        manifest: dict[str, tuple[str, str, str]] = {}  # id -> (path, media type, properties)
        for item in opf.iterfind(".//{*}manifest/{*}item"):
            href = item.get("href")
            if item.get("id") and href:
                manifest[item.get("id", "")] = (
                    _join(base, href),
                    (item.get("media-type") or "").strip().lower(),
                    item.get("properties") or "",
                )
        spine_element = opf.find(".//{*}spine")
        spine = [
            manifest[ref.get("idref", "")][0]
            for ref in (spine_element.iterfind("{*}itemref") if spine_element is not None else ())
            if ref.get("idref") in manifest and manifest[ref.get("idref", "")][1] in _CONTENT_TYPES
        ]
        if not spine:
            raise ConversionError("not a valid EPUB (its spine lists no chapters)")
        toc = self._toc(manifest, spine_element)
        chapters = [self._chapter(name, toc) for name in dict.fromkeys(spine)]
        text = "\n\n".join(chapter for chapter in chapters if chapter.strip())
        if not text.strip():
            raise ConversionError("no text in this book (images only?)")
        return _metadata(opf, text)

    # ------------------------------------------------------------------ members

    def read(self, name: str) -> bytes:
        info = self.names.get(name)
        if info is None:
            raise ConversionError(f"not a valid EPUB ({name!r} is missing)")
        if info.file_size > MAX_MEMBER or self.read_total + info.file_size > MAX_TOTAL:
            raise ConversionError(
                f"{name!r} is too large uncompressed ({info.file_size:,} bytes): a zip bomb?"
            )
        self.read_total += info.file_size
        try:
            return self.zip.read(info)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError) as error:
            raise ConversionError(f"not a valid EPUB ({name!r}: {one_line(str(error), 120)})") from None

    def _refuse_drm(self) -> None:
        if "META-INF/rights.xml" in self.names:
            raise ConversionError("encrypted (DRM-protected book): cannot be read")
        if "META-INF/encryption.xml" not in self.names:
            return
        encryption = _xml(self.read("META-INF/encryption.xml"))
        for method in encryption.iterfind(".//{*}EncryptionMethod"):
            if (method.get("Algorithm") or "") not in _FONT_OBFUSCATION:
                raise ConversionError("encrypted (DRM-protected book): cannot be read")

    def _package_path(self) -> str:
        if "META-INF/container.xml" in self.names:
            container = _xml(self.read("META-INF/container.xml"))
            for rootfile in container.iterfind(".//{*}rootfile"):
                full = rootfile.get("full-path")
                if full and unquote(full) in self.names:
                    return unquote(full)
        found = sorted(name for name in self.names if name.lower().endswith(".opf"))
        if not found:
            raise ConversionError("not a valid EPUB (no package document)")
        return found[0]

    # ------------------------------------------------------------------ contents

    def _toc(self, manifest: dict[str, tuple[str, str, str]], spine: etree._Element | None) -> list[_Entry]:
        """The table of contents: the EPUB 3 navigation document, else the EPUB 2 NCX."""
        nav = next((p for p, _, props in manifest.values() if "nav" in props.split()), None)
        if nav is not None and nav in self.names:
            page = _page(self.read(nav))
            for element in page.iter("nav"):
                if "toc" in types_of(element):
                    found = list(_nav_entries(element, posixpath.dirname(nav)))
                    if found:
                        return found
        ncx_id = spine.get("toc") if spine is not None else None
        ncx = manifest.get(ncx_id or "") or next(
            (m for m in manifest.values() if m[1] == "application/x-dtbncx+xml"), None
        )
        if ncx is not None and ncx[0] in self.names:
            tree = _xml(self.read(ncx[0]))
            nav_map = tree.find(".//{*}navMap")
            if nav_map is not None:
                return list(_ncx_entries(nav_map, posixpath.dirname(ncx[0]), 1))
        return []

    def _chapter(self, name: str, toc: list[_Entry]) -> str:
        if name not in self.names:
            return ""
        page = _page(self.read(name))
        body = page.find("body")
        root = body if body is not None else page
        marks: dict[Element, list[tuple[int, str]]] = {}
        entries = [entry for entry in toc if entry.file == name]
        ids = _ids(page) if any(entry.fragment for entry in entries) else {}
        for entry in entries:
            target = ids.get(entry.fragment, root) if entry.fragment else root
            block = _block_of(target, root)
            marks.setdefault(block, []).append((entry.level, entry.label))
        return MarkdownWriter(links=False, marks=marks).convert(root)


def _metadata(opf: etree._Element, text: str) -> Converted:
    metadata = opf.find(".//{*}metadata")

    def values(name: str) -> list[str]:
        if metadata is None:
            return []
        found = (one_line("".join(e.itertext())) for e in metadata.iterfind(f".//{{*}}{name}"))
        return [v for v in found if v]

    dates = values("date")
    day = next((d for d in (iso_day(x) for x in dates) if d), "")
    return Converted(
        text=text,
        title=next(iter(values("title")), ""),
        author=", ".join(dict.fromkeys(values("creator"))),
        date=day,
        language=next(iter(values("language")), ""),
        tags=tuple(dict.fromkeys(values("subject"))),
        source=next(iter(values("source") or values("publisher")), ""),
    )


def _nav_entries(nav: Element, base: str) -> Iterator[_Entry]:
    def walk(ordered: Element, level: int) -> Iterator[_Entry]:
        for item in ordered:
            if tag_of(item) != "li":
                continue
            link = next((c for c in item if tag_of(c) in ("a", "span")), None)
            if link is not None:
                label = one_line(link.text_content())
                file, fragment = _target(base, link.get("href") or "")
                if label and file:
                    yield _Entry(min(level, MAX_TOC_DEPTH), label, file, fragment)
            for child in item:
                if tag_of(child) == "ol":
                    yield from walk(child, level + 1)

    for child in nav.iter("ol"):
        yield from walk(child, 1)
        return


def _ncx_entries(parent: etree._Element, base: str, level: int) -> Iterator[_Entry]:
    for point in parent.iterfind("{*}navPoint"):
        label_element = point.find("{*}navLabel/{*}text")
        content = point.find("{*}content")
        label = one_line("".join(label_element.itertext())) if label_element is not None else ""
        file, fragment = _target(base, (content.get("src") or "") if content is not None else "")
        if label and file:
            yield _Entry(min(level, MAX_TOC_DEPTH), label, file, fragment)
        yield from _ncx_entries(point, base, level + 1)


def _target(base: str, href: str) -> tuple[str, str]:
    where, _, fragment = href.partition("#")
    return (_join(base, where) if where else ""), unquote(fragment)


def _join(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0]))).lstrip("/")


def _ids(page: Element) -> dict[str, Element]:
    """Every element by its id (or an ``<a name>``), the first of a repeated one."""
    found: dict[str, Element] = {}
    for element in page.iter():
        name = element.get("id") or (element.get("name") if tag_of(element) == "a" else None)
        if name and name not in found:
            found[name] = element
    return found


def _block_of(target: Element, root: Element) -> Element:
    """The block a table-of-contents target lies in (an anchor inside a paragraph: the paragraph)."""
    current: Element | None = target
    while current is not None and current is not root:
        if tag_of(current) in BLOCKS:
            return current
        current = current.getparent()
    return root


def _xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ConversionError(f"not a valid EPUB (unreadable XML: {one_line(str(error), 120)})") from None
    if root is None:
        raise ConversionError("not a valid EPUB (an empty XML file)")
    return root


def _page(data: bytes) -> Element:
    """A content document parsed as HTML (lenient, knows HTML entities), decoded as EPUB says:
    UTF-8 or UTF-16, else what its XML declaration names."""
    text = _decode(data)
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        return lxml_html.document_fromstring(text or "<html></html>")
    except (etree.ParserError, ValueError):
        return lxml_html.document_fromstring("<html></html>")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    declared = _XML_ENCODING.match(data)
    name = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    try:
        return data.decode(name, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")
