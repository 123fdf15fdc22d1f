"""The registry: every format exports the same text whatever order documents and passages come
in, and an unknown format is refused."""

from __future__ import annotations

import pytest

from tests.core.exchange.helpers import with_annotations
from tui.core.exchange import FORMATS, ExportDocument, export


def test_export_order_is_stable_and_unknown_formats_are_refused(docs: list[ExportDocument]) -> None:
    reordered = [with_annotations(d, *d.annotations[::-1]) for d in docs[::-1]]
    for fmt in FORMATS:
        assert export(reordered, fmt) == export(docs, fmt)
    with pytest.raises(ValueError, match="unknown export format"):
        export(docs, "pdf")
