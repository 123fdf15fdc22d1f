"""Small EPUB, HTML and PDF files built in the test itself (no binary fixtures).

The PDF writer is a few lines of the format by hand: Helvetica text drawn with ``Tj`` gives a
real text layer that any PDF reader extracts, pages without text stand in for scans, and a
standard security handler whose password check fails stands in for an encrypted file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

PdfPage = Sequence[str] | None
"""A page's lines of text; None draws a filled rectangle and no text (a scanned page)."""


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_bytes(
    pages: Sequence[PdfPage],
    info: dict[str, str] | None = None,
    *,
    encrypted: bool = False,
) -> bytes:
    """A PDF of ``pages``, each a list of lines drawn top-down in Helvetica 11 pt."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree exists
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids: list[int] = []
    for lines in pages:
        if lines is None:
            stream = b"0.5 g 72 72 400 600 re f"
        else:
            stream = (
                b"BT /F1 11 Tf 14 TL 72 740 Td "
                + b" ".join(_pdf_string(line) + b" Tj T*" for line in lines)
                + b" ET"
            )
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (tree, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    info_ref = add(
        b"<< "
        + b" ".join(b"/" + k.encode() + b" " + _pdf_string(v) for k, v in (info or {}).items())
        + b" >>"
    )
    encrypt_ref = 0
    if encrypted:  # a password is needed: the empty user password does not match /U
        encrypt_ref = add(
            b"<< /Filter /Standard /V 1 /R 2 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> /P -44 >>"
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = (
        b"<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>]"
        % (
            len(objects) + 1,
            catalog,
            info_ref,
        )
    )
    if encrypt_ref:
        trailer += b" /Encrypt %d 0 R" % encrypt_ref
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def xhtml(title: str, body: str) -> str:
    """An EPUB content document."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        f"<head><title>{title}</title></head><body>{body}</body></html>"
    )


def epub_bytes(
    chapters: Sequence[tuple[str, str]],
    *,
    spine: Sequence[str] | None = None,
    metadata: str = "",
    nav: str | None = None,
    ncx: str | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """An EPUB of ``chapters`` (file name under OEBPS/, XHTML text) in ``spine`` order (file names;
    the chapters' order by default), with ``metadata`` (Dublin Core elements) and a TOC given as
    an EPUB 3 ``nav`` body and/or an EPUB 2 NCX ``navMap`` body."""
    names = [name for name, _ in chapters]
    order = list(names if spine is None else spine)
    ids = {name: f"item{i}" for i, name in enumerate(names)}
    items = "".join(
        f'<item id="{ids[name]}" href="{name}" media-type="application/xhtml+xml"/>' for name in names
    )
    if nav is not None:
        items += '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
    if ncx is not None:
        items += '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
    toc = ' toc="ncx"' if ncx is not None else ""
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">'
        f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">{metadata}</metadata>'
        f"<manifest>{items}</manifest>"
        f"<spine{toc}>" + "".join(f'<itemref idref="{ids[name]}"/>' for name in order) + "</spine></package>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")  # stored, first
        book.writestr("META-INF/container.xml", CONTAINER)
        book.writestr("OEBPS/content.opf", opf, compress_type=zipfile.ZIP_DEFLATED)
        for name, text in chapters:
            book.writestr(f"OEBPS/{name}", text, compress_type=zipfile.ZIP_DEFLATED)
        if nav is not None:
            book.writestr("OEBPS/nav.xhtml", xhtml("Contents", f'<nav epub:type="toc">{nav}</nav>'))
        if ncx is not None:
            book.writestr(
                "OEBPS/toc.ncx",
                '<?xml version="1.0" encoding="utf-8"?>'
                f'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>{ncx}</navMap></ncx>',
            )
        for name, data in (extra or {}).items():
            book.writestr(name, data)
    return buffer.getvalue()
