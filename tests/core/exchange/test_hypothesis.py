"""Hypothesis exports: an annotation of a web page found in the corpus by its quote, a reply kept
as an orphan beside it, and a plain list of rows read as the same file."""

from __future__ import annotations

import json

from tests.core.exchange.helpers import ALPHA, bare, hypothesis_row
from tui.core.annotation_store import AnnotationStore
from tui.core.exchange import ExportDocument, import_annotations


def test_import_a_hypothesis_export(docs: list[ExportDocument], store: AnnotationStore) -> None:
    reply = hypothesis_row(
        id="Re1",
        text="I agree",
        tags=[],
        references=["Ab12Cd34"],
        target=[{"source": "https://news.example.com/alpha"}],
    )
    export_file = {
        "export_date": "2023-04-01T00:00:00Z",
        "client_version": "1.0",
        "annotations": [hypothesis_row(), reply],
    }
    report = import_annotations(json.dumps(export_file), bare(docs), store)
    assert report.added == 2
    (reason,) = report.orphaned
    # the reply marks no passage: it goes where the page's other annotation was found
    assert (
        reason == "a note without a passage: it marks no passage of reports/alpha.md; kept there as an orphan"
    )
    stored = store.load(docs[0].ref.path)
    assert stored is not None
    a, kept_reply = stored.annotations
    assert (kept_reply.note, kept_reply.anchor) == ("I agree", "orphaned")
    assert (a.note, a.tags, a.color, a.anchor) == ("Hypothesis note", ("web", "policy"), "yellow", "moved")
    assert ALPHA[a.start : a.end] == "It agreed that blockchain pilots"
    assert (a.created, a.modified) == ("2023-03-01T12:00:00.000000+00:00", "2023-03-02T12:00:00.000000+00:00")
    # a plain list of rows is the same file: nothing new
    again = import_annotations(json.dumps([hypothesis_row(), reply]), bare(docs), store)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
