"""Fixtures of the exchange tests: two annotated documents in real files, and an empty store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.core.exchange.helpers import ALPHA, BETA, make_doc, on, with_annotations
from tui.core.annotation_store import AnnotationStore
from tui.core.exchange import ExportDocument


@pytest.fixture
def docs(tmp_path: Path) -> list[ExportDocument]:
    """Two annotated documents: notes, tags, colours, overlaps, CJK and an emoji, odd statuses."""
    alpha = make_doc(tmp_path / "corpus", "reports/alpha.md", ALPHA, "Alpha report", "Committee Press")
    beta = make_doc(tmp_path / "corpus", "beta.md", BETA, "Beta notes")
    overlap = on(alpha, "blockchain pilots deserve more funding", tags=["policy"], color="green")
    orphan = on(alpha, "The committee met")
    orphan = replace(
        orphan, target=replace(orphan.target, exact="a passage since deleted"), anchor="orphaned"
    )
    alpha_notes = (
        on(
            alpha,
            "It agreed that blockchain pilots",
            note="Key decision.\nSee minutes.",
            tags=["policy", "money"],
        ),
        overlap,
        replace(on(alpha, "区块链技术的发展", tags=["cjk"], color="pink"), anchor="moved"),
        on(alpha, "even the sceptics 🙂", note="“quoted” note, with, commas"),
        orphan,
    )
    beta_notes = (on(beta, "The budget will be reviewed next year.", tags=["money"], color="blue"),)
    return [with_annotations(alpha, *alpha_notes), with_annotations(beta, *beta_notes)]


@pytest.fixture
def store(tmp_path: Path) -> AnnotationStore:
    return AnnotationStore(tmp_path / "data" / "annotations")
