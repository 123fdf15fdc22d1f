"""CSV: Readwise's columns first, one row a passage, offsets into the file; author and URL from
the front matter."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.core.exchange.helpers import ALPHA, on, with_annotations
from tui.core.annotations import reference
from tui.core.documents import text_sha256
from tui.core.exchange import ExportDocument, export, file_uri, read_document_file
from tui.core.exchange.readwise_csv import CSV_COLUMNS


def test_csv_has_the_readwise_columns_and_one_row_per_passage(docs: list[ExportDocument]) -> None:
    rows = list(csv.reader(io.StringIO(export(docs, "csv"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0][:6] == ["Highlight", "Title", "Author", "URL", "Note", "Location"]  # Readwise's
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == sum(len(d.annotations) for d in docs)
    decision = next(r for r in records if r["Highlight"] == "It agreed that blockchain pilots")
    alpha = docs[0]
    start = ALPHA.index("It agreed that blockchain pilots")
    assert decision == {
        "Highlight": "It agreed that blockchain pilots",
        "Title": "Alpha report",
        "Author": "",  # the front matter names none; the source is a publisher, not an author
        "URL": file_uri(alpha.ref.path),  # the source is no web address
        "Note": "Key decision.\nSee minutes.",
        "Location": str(start),
        "Tags": "policy,money",
        "Color": "yellow",
        "Document": "reports/alpha.md",
        "Start (file)": str(start),
        "End (file)": str(start + len("It agreed that blockchain pilots")),
        "Date": decision["Date"],
        "SHA256": alpha.ref.sha256,
        "Original": "",
        "Offsets": "file",  # Start and End index the file itself
        "Extractor": "",
    }
    orphan = next(r for r in records if r["Highlight"] == "a passage since deleted")
    assert (orphan["Location"], orphan["Start (file)"], orphan["End (file)"]) == ("", "", "")
    assert any(r["Note"] == "“quoted” note, with, commas" for r in records)


def test_csv_author_and_url_come_from_the_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    front = (
        "---\ntitle: A\nsource: https://example.org/a?b=1\nauthors: [Ada Lovelace, Charles  Babbage]\n---\n"
    )
    path.write_text(front + "Engines compute.\n", encoding="utf-8")
    file = read_document_file(path)
    assert file is not None and file.author == "Ada Lovelace, Charles Babbage"
    doc = ExportDocument(
        reference("a.md", path, text_sha256(file.text), "A"),
        "https://example.org/a?b=1",
        file.text,
        author=file.author,
        text_start=file.text_start,
    )
    (row,) = csv.DictReader(
        io.StringIO(export([with_annotations(doc, on(doc, "compute"))], "csv"), newline="")
    )
    assert (row["Author"], row["URL"]) == ("Ada Lovelace, Charles Babbage", "https://example.org/a?b=1")
