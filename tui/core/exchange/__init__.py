"""Annotations out of lectern and back in: exports for people and tools, and import.

Highlights, notes and tags are the user's own work, so they must be able to leave lectern: to be
read elsewhere (Markdown), to become labelled data (JSONL, doccano, Label Studio, spaCy/Prodigy,
brat, CoNLL), to go to Readwise-style services (CSV) or to any tool that speaks the W3C Web
Annotation model; and to come back in, from lectern's own JSON (a lossless backup), from W3C
JSON-LD, from a Hypothesis export, or from the labelling tools' formats (all but JSONL).

Each format's module holds its writer and its reader together, so the two halves of a round trip
are read side by side; ``registry`` lists the formats once (in a module of its own rather than
here, because ``importing`` asks it which reader takes a file).

Exporting is pure: ``gather`` builds ``ExportDocument``s for a Library, ``select`` filters them,
``export(docs, fmt)`` returns the text. A consumer has the file, not lectern's text without front
matter, so an export that names the file indexes the file (``passages.FILE_TEXT``); one that
embeds a text indexes that text. An EPUB, HTML or PDF file's bytes are not text: its passages
index the text lectern extracted from it (``passages.EXTRACTED_TEXT``), and the export says so
("extracted") and names the extractor and its version beside the original file. Importing
(``import_annotations``) validates the whole file, then finds, re-anchors and merges each
annotation (``importing``).
"""

from __future__ import annotations

from tui.core.exchange.corpus import ExportDocument, file_uri, gather, path_of_uri, read_document_file, select
from tui.core.exchange.folder import write_folder
from tui.core.exchange.importing import ImportReport, import_annotations, read_input
from tui.core.exchange.incoming import ImportFormatError
from tui.core.exchange.registry import (
    FOLDERS,
    FORMATS,
    REGISTRY,
    SUFFIXES,
    Format,
    export,
    export_files,
    left_out,
)

__all__ = [
    "FOLDERS",
    "FORMATS",
    "REGISTRY",
    "SUFFIXES",
    "ExportDocument",
    "Format",
    "ImportFormatError",
    "ImportReport",
    "export",
    "export_files",
    "file_uri",
    "gather",
    "import_annotations",
    "left_out",
    "path_of_uri",
    "read_document_file",
    "read_input",
    "select",
    "write_folder",
]
