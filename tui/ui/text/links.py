"""The links of a rendered document, and where a link's destination leads.

The Markdown layout (``markdown``) draws a link as its text and hides ``(url "title")``; while it
walks a chunk it notes each link here: the source span it came from (``[`` to the end of its
destination or reference label, or an autolink's ``<`` to ``>``) and its destination as
markdown-it resolves it (reference links through their ``[label]: url`` definition, wherever it
is in the document). The cursor only ever stops on drawn characters, so "the cursor is on a link"
is "the cursor's offset lies in a link's source span", answered per laid-out chunk (``Links``).

``resolve`` says what a destination means for a reading room that never goes online: another
file (a relative path, against the linking document's folder, or a ``file://`` URI; fragment
dropped, percent-escapes decoded), a heading of this document (``#fragment``), or something
outside (a web address, a mail address). It does not touch the disk: the screen looks the path
up among the corpus's documents.

Destinations are untrusted text: ``shown`` is for a label and still goes through
``sanitize.visible_line`` where it is drawn.
"""

from __future__ import annotations

import os
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"\A[A-Za-z][A-Za-z0-9+.\-]*:")
_SLUG_DROP = re.compile(r"[^\w\- ]")


@dataclass(frozen=True, slots=True)
class Link:
    """One link of the document."""

    start: int
    """Where its source starts (``[`` of ``[text](url)``, ``<`` of an autolink)."""
    end: int
    """One past its source's last character (the ``)``, the ``]`` of a reference, the ``>``)."""
    destination: str
    """The URL as markdown-it resolves it (percent-encoded; '' for a link without one)."""
    title: str = ""

    @property
    def shown(self) -> str:
        """The destination as a person reads it: percent-escapes and punycode decoded."""
        if not self.destination:
            return ""
        from tui.ui.text.markdown import link_text

        return link_text(self.destination)


class Links:
    """Links sorted by start (a chunk's, or any others'), with a lookup by offset."""

    __slots__ = ("_starts", "all")

    def __init__(self, links: Iterable[Link] = ()) -> None:
        self.all = tuple(sorted(links, key=lambda link: link.start))
        self._starts = [link.start for link in self.all]

    def __len__(self) -> int:
        return len(self.all)

    def at(self, offset: int) -> Link | None:
        """The link whose source holds ``offset`` (links never nest)."""
        index = bisect_right(self._starts, offset) - 1
        if index >= 0 and offset < self.all[index].end:
            return self.all[index]
        return None


NO_LINKS = Links()


@dataclass(frozen=True)
class Target:
    """What a destination leads to, from one document."""

    kind: Literal["file", "anchor", "outside", "none"]
    """``file``: a path on this machine (``path``); ``anchor``: a place in this same document
    (``fragment``); ``outside``: a web address or any other URL; ``none``: no destination."""
    path: str = ""
    """For ``file``: the absolute, normalised path (not checked against the disk)."""
    fragment: str = ""
    """The part after ``#``, percent-decoded."""


def resolve(destination: str, document: str) -> Target:
    """What ``destination`` means in the document at path ``document`` (absolute)."""
    if not destination.strip():
        return Target("none")
    try:
        parts = urlsplit(destination.strip())
    except ValueError:  # a malformed authority ("http://[oops")
        return Target("outside")
    fragment = unquote(parts.fragment)
    if parts.scheme and _SCHEME.match(destination.strip()):
        if parts.scheme.lower() != "file" or parts.netloc.lower() not in ("", "localhost"):
            return Target("outside")
        path = unquote(parts.path)
        return Target("file", _normal(path), fragment) if path else Target("outside")
    if parts.netloc:  # //host/path: another machine
        return Target("outside")
    path = unquote(parts.path)
    if not path:
        return Target("anchor", fragment=fragment) if fragment else Target("none")
    if not os.path.isabs(path):
        path = os.path.join(os.path.dirname(document), path)
    return Target("file", _normal(path), fragment)


def path_key(path: str) -> str:
    """``path`` as compared with the corpus's paths: absolute, ``..`` folded, case as the system
    compares it."""
    return os.path.normcase(_normal(path))


def _normal(path: str) -> str:
    return os.path.normpath(path)


def slug(title: str) -> str:
    """A heading's anchor as GitHub (and most Markdown tools) make it: lower case, punctuation
    dropped, spaces as hyphens (``## Why it matters!`` is ``#why-it-matters``)."""
    lowered = unicodedata.normalize("NFC", title).strip().lower()
    return _SLUG_DROP.sub("", lowered).replace(" ", "-")
