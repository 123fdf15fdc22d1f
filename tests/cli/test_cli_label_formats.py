"""``lectern export --format label-studio|spacy|brat|conll|doccano`` and ``lectern import`` of what
they wrote, through a real subprocess: each round trip through an empty LECTERN_HOME exports the
same again, a second import changes nothing, and importing into the home it came from adds no
copies; brat writes a folder (and refuses to write over one), is read back from it with ``--as``
naming its annotator; annotators and suggestions survive Label Studio; a malformed file or a
folder without brat files changes nothing and says why. The palette's writer puts brat in a new
folder each time."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import lectern
from tests.seeds import BELT, CHINA
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.paths import Paths

FORMATS = ("label-studio", "spacy", "brat", "conll", "doccano")


def ok(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = lectern(*args, home=home)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def annotate(corpus: Path, doc_id: str, quote: str, **fields: Any) -> Annotation:
    """Annotate the first occurrence of ``quote`` through the store, as the app does."""
    path = (corpus / doc_id).resolve()
    stat = path.stat()
    doc = read_document(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    start = doc.text.index(quote)
    annotation = Annotation.create(doc.text, start, start + len(quote), sha256=doc.sha256, **fields)
    store = AnnotationStore.under(Paths.from_environment().data)
    store.save(reference(doc.id, doc.path, doc.sha256, doc.title), annotation)
    return annotation


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def listed(corpus: Path, home: Path | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        ok("annotations", "list", str(corpus), "--json", home=home).stdout
    )
    return rows


@pytest.fixture
def annotated(corpus: Path) -> dict[str, Annotation]:
    """Five passages in two documents: several tags, a note, a tag with a space, an annotator,
    a suggestion not yet reviewed, and an untagged highlight."""
    return {
        "corruption": annotate(
            corpus, CHINA, "reduce corruption", tags=["graft", "policy"], note="key\nclaim"
        ),
        "exception": annotate(corpus, CHINA, "China is no exception", tags=["named entity"], annotator="ada"),
        "conflux": annotate(corpus, BELT, "Conflux Network", tags=["ORG"], color="blue", annotator="ada"),
        "suggested": annotate(corpus, BELT, "Wu Blockchain", tags=["ORG"], annotator="ner", suggested=True),
        "plain": annotate(corpus, BELT, "One Belt, One Road", color="pink"),
    }


def written(path: Path) -> str | dict[str, bytes]:
    return files_in(path) if path.is_dir() else path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_import_into_an_empty_home_exports_the_same(
    fmt: str, corpus: Path, annotated: dict[str, Annotation], lectern_home: Path, tmp_path: Path
) -> None:
    out = tmp_path / f"out.{fmt}"
    first = ok("export", str(corpus), "--format", fmt, "-o", str(out))
    assert f"as {fmt} to {out}" in first.stderr
    assert f"{BELT}: left out 1 untagged passage(s)" in first.stderr
    assert first.stderr.rstrip().endswith("(not all of them written: see above)")  # the summary says so too
    kept = {"label-studio": 4, "spacy": 4, "doccano": 3, "brat": 3, "conll": 3}[fmt]  # annotations
    other = tmp_path / "other-home"
    imported = ok("import", str(out), str(corpus), home=other)
    assert imported.stdout.startswith(
        f"imported {kept}: {kept} added, 0 updated, 0 unchanged, 0 kept as orphans"
    )
    again = tmp_path / f"again.{fmt}"
    ok("export", str(corpus), "--format", fmt, "-o", str(again), home=other)
    assert written(again) == written(out)
    twice = ok("import", str(out), str(corpus), home=other)
    assert twice.stdout.startswith(f"imported {kept}: 0 added, 0 updated, {kept} unchanged")
    home_again = ok("import", str(out), str(corpus))  # into the home it came from: no copies
    assert f": 0 added, 0 updated, {kept} unchanged" in home_again.stdout
    assert len(listed(corpus)) == 5


def test_label_studio_keeps_annotators_and_suggestions(
    corpus: Path, annotated: dict[str, Annotation], tmp_path: Path
) -> None:
    out = tmp_path / "tasks.json"
    ok("export", str(corpus), "-f", "label-studio", "-o", str(out))
    tasks = json.loads(out.read_text(encoding="utf-8"))
    belt = next(t for t in tasks if t["data"]["document"] == BELT)
    assert [a["completed_by"] for a in belt["annotations"]] == ["ada"]
    assert [p["model_version"] for p in belt["predictions"]] == ["ner"]
    other = tmp_path / "other-home"
    ok("import", str(out), str(corpus), home=other)
    rows = {r["target"]["exact"]: r for r in listed(corpus, other)}
    assert rows["Conflux Network"]["annotator"] == "ada" and "suggested" not in rows["Conflux Network"]
    assert rows["Wu Blockchain"]["annotator"] == "ner" and rows["Wu Blockchain"]["suggested"] is True
    assert rows["reduce corruption"]["note"] == "key\nclaim" and rows["reduce corruption"]["tags"] == [
        "graft",
        "policy",
    ]


def test_brat_writes_a_folder_and_never_over_one(
    corpus: Path, annotated: dict[str, Annotation], tmp_path: Path
) -> None:
    to_stdout = lectern("export", str(corpus), "-f", "brat")
    assert to_stdout.returncode == 2 and to_stdout.stdout == ""
    assert (
        "brat writes a folder of files (a .txt and an .ann per document): give -o FOLDER" in to_stdout.stderr
    )
    out = tmp_path / "collection"
    result = ok("export", str(corpus), "-f", "brat", "-o", str(out))
    assert "tag 'named entity' is brat type named_entity (visual.conf names it)" in result.stderr
    files = files_in(out)
    assert set(files) == {
        "annotation.conf",
        "visual.conf",
        f"{CHINA}.ann",
        f"{CHINA}.txt",
        f"{BELT}.ann",
        f"{BELT}.txt",
    }
    assert b"named_entity | named entity\n" in files["visual.conf"]
    refused = lectern("export", str(corpus), "-f", "brat", "-o", str(out))
    assert refused.returncode == 1 and "already there (an export replaces no file)" in refused.stderr
    assert files_in(out) == files


def test_brat_is_imported_from_a_folder_or_an_ann_file_as_the_annotator_named(
    corpus: Path, annotated: dict[str, Annotation], tmp_path: Path
) -> None:
    out = tmp_path / "collection"
    ok("export", str(corpus), "-f", "brat", "-o", str(out))
    other = tmp_path / "other-home"
    one = ok("import", str(out / f"{BELT}.ann"), str(corpus), home=other)
    assert one.stdout.startswith("imported 1: 1 added")
    folder = ok("import", str(out), str(corpus), "--as", "bo", home=other)
    assert folder.stdout.startswith("imported 3: 2 added, 0 updated, 1 unchanged")
    rows = {r["target"]["exact"]: r for r in listed(corpus, other)}
    assert rows["reduce corruption"]["annotator"] == "bo" and rows["reduce corruption"]["note"] == "key claim"
    assert rows["China is no exception"]["tags"] == ["named entity"]  # visual.conf gave the tag back
    assert "annotator" not in rows["Conflux Network"]  # the .ann alone, without --as


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.conll", "Conflux\tB-ORG\nNetwork\n", "line 2: has a word but no tag"),
        (
            "bad.jsonl",
            '{"text": "x", "spans": [{"start": 0, "end": "1", "label": "X"}]}\n',
            "line 1.spans[0].end: is a string, not a whole number",
        ),
        (
            "bad.json",
            '[{"data": {"text": "x"}, "predictions": [{"result": 3}]}]',
            "task 0.predictions[0].result: is a number, not a list",
        ),
    ],
    ids=["conll", "spacy", "label-studio"],
)
def test_a_malformed_file_changes_nothing_and_says_where(
    name: str,
    content: str,
    reason: str,
    corpus: Path,
    annotated: dict[str, Annotation],
    lectern_home: Path,
    tmp_path: Path,
) -> None:
    before = files_in(lectern_home / "data" / "annotations")
    bad = tmp_path / name
    bad.write_text(content, encoding="utf-8")
    result = lectern("import", str(bad), str(corpus))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"lectern: nothing imported: {reason}")
    assert files_in(lectern_home / "data" / "annotations") == before


def test_a_folder_without_brat_files_is_refused(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = lectern("import", str(tmp_path / "empty"), str(corpus))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "lectern: nothing imported: a folder without brat .ann files; name the export file to import"
    )


def test_the_palette_writes_brat_as_a_new_folder_each_time(
    corpus: Path, annotated: dict[str, Annotation], tmp_path: Path
) -> None:
    from tui.core.library import Library
    from tui.ui.screens.export import write_export

    library = Library.open(Paths.from_environment(), [corpus])
    assert [event["event"] for event in library.update(False)][-1] == "done"
    first = write_export(library, "brat", tmp_path / "exports")
    second = write_export(library, "brat", tmp_path / "exports")
    assert first.path != second.path and first.path.is_dir() and first.path.name.endswith(".brat")
    assert first.count == second.count == 5
    assert files_in(first.path) == files_in(second.path)
    assert f"{CHINA}.ann" in files_in(first.path)
