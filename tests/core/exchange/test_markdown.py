"""Markdown: each passage quoted with its note, tags and offsets; with full text, every passage
marked, overlapping ones included, marks never nested and footnotes numbered through the export."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.exchange.helpers import ALPHA, BETA, with_annotations
from tui.core.annotations import Annotation, DocumentRef
from tui.core.documents import text_sha256
from tui.core.exchange import ExportDocument, export, file_uri


def test_markdown_lists_each_passage_with_note_and_tags(docs: list[ExportDocument]) -> None:
    out = export(docs, "markdown")
    assert "## Alpha report" in out and "## Beta notes" in out
    assert "- Source: Committee Press" in out
    assert f"<{file_uri(docs[0].ref.path)}>" in out
    assert "> It agreed that blockchain pilots\n\nKey decision.\nSee minutes.\n" in out
    assert "tags: policy, money" in out
    assert "> a passage since deleted" in out and "not found in the current text" in out
    for doc in docs:
        for a in doc.annotations:  # offsets and provenance travel with every passage
            if a.anchor == "orphaned":
                assert f'"id": "{a.id}", "document": "{doc.ref.id}", "start": null, "end": null' in out
                continue
            assert f'"id": "{a.id}", "document": "{doc.ref.id}", "start": {a.start}, "end": {a.end}' in out
            assert f"characters {a.start}–{a.end} of the file" in out


def test_markdown_full_text_marks_every_passage_even_overlapping_ones(docs: list[ExportDocument]) -> None:
    out = export(docs, "markdown", full_text=True)
    plain = re.sub(r"</?mark>|\[\^\d+\]", "", out)
    assert ALPHA.rstrip("\n") in plain and BETA.rstrip("\n") in plain
    # the overlapping pair: "It agreed that blockchain pilots" and "blockchain pilots deserve more funding"
    assert (
        "<mark>It agreed that </mark><mark>blockchain pilots</mark>[^2]<mark> deserve more funding</mark>[^3]."
        in out
    )  # beta.md comes first, so its passage is note 1
    assert "[^2]: Key decision.\n    See minutes.\n" in out
    assert "## Details" in out and "<mark>##" not in out  # block syntax stays outside the marks
    notes = re.findall(r"^\[\^(\d+)\]:", out, re.M)
    assert notes == [str(n) for n in range(1, 6)]  # numbered once across the whole export
    assert "### Not found in the current text\n\n> a passage since deleted" in out


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(st.sampled_from("ab #>\n-*`|é区"), min_size=1, max_size=60),
    spans=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20)), max_size=6),
)
def test_marked_full_text_keeps_the_text_and_never_nests_marks(
    tmp_path: Path, text: str, spans: list[tuple[int, int]]
) -> None:
    doc = ExportDocument(DocumentRef("d.md", str(tmp_path / "d.md"), text_sha256(text), "D"), "", text)
    notes = tuple(
        Annotation.create(text, s, min(len(text), s + n), sha256=doc.ref.sha256)
        for s, n in spans
        if s < len(text) and text[s : s + n].strip()
    )
    out = export([with_annotations(doc, *notes)], "markdown", full_text=True)
    body = out.split("- Text sha256: ", 1)[1].split("\n", 3)[3]
    assert re.sub(r"</?mark>|\[\^\d+\]", "", body).startswith(text.rstrip("\n"))
    depth = 0
    for tag in re.findall(r"</?mark>", out):
        depth += 1 if tag == "<mark>" else -1
        assert depth in (0, 1)
    assert depth == 0
    assert len(re.findall(r"^\[\^\d+\]:", out, re.M)) == len(notes)
