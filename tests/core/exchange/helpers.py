"""Small real corpora for the exchange tests: documents written to files, annotations made on their
text with the real API, and the shapes of W3C and Hypothesis annotations other tools send."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.documents import text_sha256
from tui.core.exchange import ExportDocument, read_document_file
from tui.core.exchange.w3c import W3C_CONTEXT

ALPHA = """# Alpha report

The committee met on Tuesday to discuss the budget.
It agreed that blockchain pilots deserve more funding.

## Details

区块链技术的发展 was noted. Everyone agreed — even the sceptics 🙂.
The budget will be reviewed next year.
"""
BETA = """# Beta notes

Some unrelated prose about gardening and tomatoes.
The budget will be reviewed next year.
Tomatoes need sun.
"""


def make_doc(folder: Path, name: str, text: str, title: str, source: str = "") -> ExportDocument:
    """A real file and the ExportDocument a corpus would give for it."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    file = read_document_file(path)
    assert file is not None and file.text == text
    ref = reference(name, path, text_sha256(text), title)
    return ExportDocument(ref, source, text, author=file.author, text_start=file.text_start)


def on(doc: ExportDocument, quote: str, occurrence: int = 1, **fields: Any) -> Annotation:
    """An annotation on the n-th occurrence of ``quote`` in the document."""
    assert doc.text is not None
    start = -1
    for _ in range(occurrence):
        start = doc.text.index(quote, start + 1)
    return Annotation.create(doc.text, start, start + len(quote), sha256=doc.ref.sha256, **fields)


def with_annotations(doc: ExportDocument, *annotations: Annotation) -> ExportDocument:
    return replace(doc, annotations=annotations)


def from_store(store: AnnotationStore, corpus: list[ExportDocument]) -> list[ExportDocument]:
    """What an export would see: each corpus document with its stored annotations."""
    found = []
    for doc in corpus:
        stored = store.load(doc.ref.path)
        if stored is not None and stored.annotations:
            found.append(replace(doc, ref=stored.document, annotations=stored.annotations))
    return found


def bare(docs: list[ExportDocument]) -> list[ExportDocument]:
    return [replace(d, annotations=()) for d in docs]


def store_state(store: AnnotationStore) -> dict[str, bytes]:
    folder = store.folder
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def w3c_annotation(source: str, exact: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": W3C_CONTEXT,
        "id": extra.pop("id", f"urn:uuid:{uuid.uuid4()}"),
        "type": "Annotation",
        "created": "2024-01-01T10:00:00Z",
        "modified": extra.pop("modified", "2024-01-01T10:00:00Z"),
        "body": [{"type": "TextualBody", "value": "from elsewhere", "purpose": "commenting"}],
        "target": {"source": source, "selector": {"type": "TextQuoteSelector", "exact": exact}},
        **extra,
    }


def hypothesis_row(**fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "Ab12Cd34",
        "created": "2023-03-01T12:00:00.000000+00:00",
        "updated": "2023-03-02T12:00:00.000000+00:00",
        "user": "acct:reader@hypothes.is",
        "uri": "https://news.example.com/alpha",
        "text": "Hypothesis note",
        "tags": ["web", "policy"],
        "group": "__world__",
        "document": {"title": ["Alpha report | News"]},
        "target": [
            {
                "source": "https://news.example.com/alpha",
                "selector": [
                    {
                        "type": "RangeSelector",
                        "startContainer": "/div[1]/p[2]",
                        "startOffset": 0,
                        "endContainer": "/div[1]/p[2]",
                        "endOffset": 33,
                    },
                    {"type": "TextPositionSelector", "start": 912, "end": 945},
                    {
                        "type": "TextQuoteSelector",
                        "exact": "It agreed that blockchain pilots",
                        "prefix": "et on Tuesday to discuss the budget.\n",
                        "suffix": " deserve more",
                    },
                ],
            }
        ],
    }
    row.update(fields)
    return row
