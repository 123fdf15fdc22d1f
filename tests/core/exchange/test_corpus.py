"""The documents of an exchange: gathered from a real library, filtered by tags, colour and
document, read from files with front matter, a BOM and CRLF line endings, and file URIs that round
trip."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from tests.core.exchange.helpers import on, with_annotations
from tui.core import indexer
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.documents import text_sha256
from tui.core.exchange import (
    ExportDocument,
    export,
    file_uri,
    gather,
    import_annotations,
    path_of_uri,
    read_document_file,
    select,
)
from tui.core.library import Library
from tui.core.paths import Paths


def test_select_filters_by_tags_colour_and_document(docs: list[ExportDocument]) -> None:
    def quotes(chosen: list[ExportDocument]) -> list[str]:
        return [a.target.exact for d in chosen for a in d.annotations]

    assert quotes(select(docs, tags=["policy", "money"])) == ["It agreed that blockchain pilots"]
    assert len(quotes(select(docs, tags=["money"]))) == 2
    assert quotes(select(docs, color="green")) == ["blockchain pilots deserve more funding"]
    assert [d.ref.id for d in select(docs, doc_id="beta.md")] == ["beta.md"]
    assert select(docs, tags=["money"], doc_id="beta.md")[0].ref.id == "beta.md"
    assert select(docs, tags=["nothing"]) == []


def test_file_uris_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "a folder" / "100% ré#sumé?.md"
    uri = file_uri(path)
    assert uri.startswith("file:///") and " " not in uri and "#" not in uri.removeprefix("file://")
    assert path_of_uri(uri) == str(path)
    assert path_of_uri("https://example.com/a.md") is None


def test_gather_builds_export_documents_for_a_library(corpus: Path, paths: Paths) -> None:
    library = Library.open(paths, [corpus])
    indexer.sync(library.index_dir, library.inputs, False, lambda _: None, library.annotations_dir)
    store = library.annotation_store()
    refs = {r.id: r for r in library.references()}
    belt_id = next(i for i in refs if "belt" in i)
    belt = refs[belt_id]
    text = Path(belt.path).read_text(encoding="utf-8").split("---\n", 2)[2]
    start = text.index("Conflux Network")
    store.save(belt, Annotation.create(text, start, start + 15, sha256=belt.sha256, tags=["company"]))

    annotated = gather(library, store)
    assert [d.ref.id for d in annotated] == [belt_id]
    (doc,) = annotated
    assert (
        doc.source == "Iolite" and doc.text == text and doc.annotations[0].target.exact == "Conflux Network"
    )
    everything = gather(library, store, annotated_only=False, with_text=False)
    assert sorted(d.ref.id for d in everything) == sorted(refs) and all(d.text is None for d in everything)
    # and the export of a library imports back into a fresh store unchanged
    fresh = AnnotationStore(corpus.parent / "fresh")
    import_annotations(export(annotated, "w3c"), gather(library, fresh, annotated_only=False), fresh)
    assert export(gather(library, fresh), "json") == export(annotated, "json")


def test_front_matter_bom_and_crlf_count_in_file_offsets_only(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    raw = (
        "---\r\ntitle: Ledger\r\nauthor: Ada Lovelace\r\n---\r\n# Ledger\r\n\r\nThe 😀 blockchain ledger.\r\n"
    )
    path.write_bytes(codecs.BOM_UTF8 + raw.encode("utf-8"))
    file = read_document_file(path)
    assert file is not None
    assert file.text == "# Ledger\n\nThe 😀 blockchain ledger.\n" and file.author == "Ada Lovelace"
    assert file.text_start == len("---\ntitle: Ledger\nauthor: Ada Lovelace\n---\n")  # the BOM is not counted
    doc = ExportDocument(
        reference("crlf.md", path, text_sha256(file.text), "Ledger"),
        text=file.text,
        text_start=file.text_start,
    )
    doc = with_annotations(doc, on(doc, "blockchain"))
    row = json.loads(export([doc], "jsonl"))
    assert path.read_text(encoding="utf-8-sig")[row["start"] : row["end"]] == "blockchain"
    assert (row["start"], row["end"]) == (file.text_start + 16, file.text_start + 26)  # 😀 is one
