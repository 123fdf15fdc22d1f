"""lectern's own JSON: export, import into an empty store and export again gives the same string."""

from __future__ import annotations

from tests.core.exchange.helpers import bare, from_store
from tui.core.annotation_store import AnnotationStore
from tui.core.exchange import ExportDocument, export, import_annotations


def test_json_export_import_export_is_identical(docs: list[ExportDocument], store: AnnotationStore) -> None:
    first = export(docs, "json")
    report = import_annotations(first, bare(docs), store)
    assert (report.added, report.updated, report.unchanged) == (6, 0, 0)
    assert len(report.orphaned) == 1 and "a passage since deleted" in report.orphaned[0]
    assert export(from_store(store, bare(docs)), "json") == first
