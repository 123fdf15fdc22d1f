"""A stand-in for a newer HTML converter whose output differs (a paragraph added on top): what a
converter upgrade does to the text annotations are anchored in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tui.core.formats import Converted
from tui.core.formats import html as current

PREFACE = "A paragraph a newer converter finds above the article.\n\n"


def convert(path: Path) -> Converted:
    converted = current.convert(path)
    return replace(converted, text=PREFACE + converted.text)
