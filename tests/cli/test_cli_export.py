"""``lectern export``, ``lectern import`` and ``lectern annotations verify`` through a real
subprocess: every format to stdout and to a file, the filters, lossless round trips through an
empty LECTERN_HOME, idempotent re-import, Hypothesis import, refused files that change nothing,
and verify after the text changed; offsets that index each file (BOM, CRLF, front matter) and
survive import; two corpora in one home, each with its own copy of an import. Annotations are made
with the real store API."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import lectern
from tests.seeds import BELT, CHINA, GARDEN, GARDEN_TEXT
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.discovery import SourceFile
from tui.core.documents import Document, read_document
from tui.core.exchange import path_of_uri
from tui.core.paths import Paths

CSV_HEAD = [
    "Highlight",
    "Title",
    "Author",
    "URL",
    "Note",
    "Location",
    "Tags",
    "Color",
    "Document",
    "Start (file)",
    "End (file)",
    "Date",
    "SHA256",
    "Original",
    "Offsets",
    "Extractor",
]
W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


# ---------------------------------------------------------------------- helpers


def ok(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = lectern(*args, home=home)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def file_text(corpus: Path, doc_id: str) -> str:
    """A document file's text as the exports that name the file index it (and Python reads it)."""
    return (corpus / doc_id).read_text(encoding="utf-8-sig")


def read(corpus: Path, doc_id: str) -> Document:
    path = (corpus / doc_id).resolve()
    stat = path.stat()
    doc = read_document(SourceFile(doc_id, path, stat.st_size, stat.st_mtime_ns))
    assert isinstance(doc, Document)
    return doc


def annotate(corpus: Path, doc_id: str, quote: str, **fields: Any) -> Annotation:
    """Annotate the first occurrence of ``quote`` through the store, as the app does."""
    doc = read(corpus, doc_id)
    start = doc.text.index(quote)
    annotation = Annotation.create(doc.text, start, start + len(quote), sha256=doc.sha256, **fields)
    store = AnnotationStore.under(Paths.from_environment().data)
    store.save(reference(doc.id, doc.path, doc.sha256, doc.title), annotation)
    return annotation


def folder_state(home: Path) -> dict[str, bytes]:
    """Every file of the annotation store (hidden lock files too), by name, with its bytes."""
    folder = home / "data" / "annotations"
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def quotes(rows: Iterable[dict[str, Any]], key: str = "text") -> set[str]:
    return {r[key] for r in rows}


@pytest.fixture
def annotated(corpus: Path) -> dict[str, Annotation]:
    """The seeds plus a garden note: six annotations, in three documents, one of them orphaned."""
    (corpus / "notes").mkdir()
    (corpus / GARDEN).write_text(GARDEN_TEXT, encoding="utf-8")
    made = {
        "corruption": annotate(
            corpus, CHINA, "reduce corruption", tags=["graft", "policy"], note="key claim"
        ),
        "exception": annotate(corpus, CHINA, "China is no exception", tags=["policy"], color="green"),
        "conflux": annotate(
            corpus, BELT, "Conflux Network", tags=["crypto"], color="blue", note="the company"
        ),
        "wu": annotate(corpus, BELT, "Wu Blockchain", color="pink"),
        "tomatoes": annotate(corpus, GARDEN, "Tomatoes need sun", tags=["garden", "policy"]),
        "soil": annotate(corpus, GARDEN, "The soil was dry in August", tags=["garden"], color="orange"),
    }
    garden = corpus / GARDEN  # the soil passage is cut: that annotation is orphaned
    garden.write_text(GARDEN_TEXT.replace("\nThe soil was dry in August.\n", ""), encoding="utf-8")
    return made


ALL_QUOTES = {
    "reduce corruption",
    "China is no exception",
    "Conflux Network",
    "Wu Blockchain",
    "Tomatoes need sun",
    "The soil was dry in August",
}


# ---------------------------------------------------------------------- every format


def check_markdown(text: str, corpus: Path) -> None:
    assert text.startswith("# Annotations\n")
    assert "## China Shifts Focus to Blockchain Technology" in text and "## Garden notes" in text
    for quote in ALL_QUOTES:
        assert f"> {quote}" in text
    assert "key claim" in text and "tags: graft, policy" in text
    assert "not found in the current text" in text  # the orphan is still exported
    assert f"<{(corpus / CHINA).resolve().as_uri()}>" in text


def check_json(text: str, corpus: Path) -> None:
    payload = json.loads(text)
    assert (payload["format"], payload["version"]) == ("lectern", 1)
    docs = {d["id"]: d for d in payload["documents"]}
    assert list(docs) == sorted(docs) == [CHINA, BELT, GARDEN]
    assert {a["target"]["exact"] for d in docs.values() for a in d["annotations"]} == ALL_QUOTES
    assert {a["target"]["exact"]: a["anchor"] for a in docs[GARDEN]["annotations"]} == {
        "Tomatoes need sun": "anchored",
        "The soil was dry in August": "orphaned",
    }
    assert docs[BELT]["uri"] == (corpus / BELT).resolve().as_uri() and docs[BELT]["source"] == "Iolite"


def check_jsonl(text: str, corpus: Path) -> None:
    rows = jsonl(text)
    assert len(rows) == 6 and quotes(rows) == ALL_QUOTES
    by_quote = {r["text"]: r for r in rows}
    row = by_quote["reduce corruption"]
    assert (row["document"], row["labels"], row["note"], row["color"]) == (
        CHINA,
        ["graft", "policy"],
        "key claim",
        "yellow",
    )
    assert row["offsets"] == "file" and row["uri"] == (corpus / CHINA).resolve().as_uri()
    assert file_text(corpus, CHINA)[row["start"] : row["end"]] == "reduce corruption"
    for passage in rows:
        if passage["start"] is not None:
            assert (
                file_text(corpus, passage["document"])[passage["start"] : passage["end"]] == passage["text"]
            )
    orphan = by_quote["The soil was dry in August"]
    assert (orphan["anchor"], orphan["start"], orphan["end"]) == ("orphaned", None, None)


def check_doccano(text: str, corpus: Path) -> None:
    lines = jsonl(text)
    by_doc = {line["document"]: line for line in lines}
    assert set(by_doc) == {CHINA, BELT, GARDEN}
    spans = {
        (doc_id, line["text"][start:end], label)
        for doc_id, line in by_doc.items()
        for start, end, label in line["label"]
    }
    # untagged (Wu Blockchain) and orphaned (the soil) passages are left out
    assert spans == {
        (CHINA, "reduce corruption", "graft"),
        (CHINA, "reduce corruption", "policy"),
        (CHINA, "China is no exception", "policy"),
        (BELT, "Conflux Network", "crypto"),
        (GARDEN, "Tomatoes need sun", "garden"),
        (GARDEN, "Tomatoes need sun", "policy"),
    }
    assert by_doc[CHINA]["text"] == read(corpus, CHINA).text


def check_csv(text: str, corpus: Path) -> None:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert list(reader.fieldnames or []) == CSV_HEAD
    assert len(rows) == 6 and quotes(rows, "Highlight") == ALL_QUOTES
    row = next(r for r in rows if r["Highlight"] == "Conflux Network")
    belt = read(corpus, BELT)
    start = file_text(corpus, BELT).index("Conflux Network")
    assert start > belt.text.index("Conflux Network")  # the front matter counts: the file is named
    assert row == {
        **row,
        "Title": belt.title,
        "Author": "Editors of Iolite",  # its front matter's author (the source, Iolite, is no URL)
        "URL": (corpus / BELT).resolve().as_uri(),
        "Note": "the company",
        "Location": str(start),
        "Tags": "crypto",
        "Color": "blue",
        "Document": BELT,
        "Start (file)": str(start),
        "End (file)": str(start + len("Conflux Network")),
    }
    china = next(r for r in rows if r["Document"] == CHINA)
    assert china["Author"] == ""  # the front matter names no author
    assert next(r for r in rows if r["Highlight"] == "reduce corruption")["Tags"] == "graft,policy"


def check_w3c(text: str, corpus: Path) -> None:
    collection = json.loads(text)
    assert collection["@context"] == W3C_CONTEXT
    assert (collection["type"], collection["total"]) == ("AnnotationCollection", 6)
    items = collection["first"]["items"]
    assert len(items) == 6
    sources = set()
    for item in items:
        assert item["type"] == "Annotation"
        selectors = {s["type"]: s for s in item["target"]["selector"]}
        if item["lectern:anchor"] == "orphaned":  # in no text: no position to give
            assert set(selectors) == {"TextQuoteSelector"}
        else:  # the position indexes the file the source names
            assert set(selectors) == {"TextQuoteSelector", "TextPositionSelector"}
            position, quote = selectors["TextPositionSelector"], selectors["TextQuoteSelector"]
            source = Path(str(path_of_uri(item["target"]["source"])))
            assert (
                source.read_text(encoding="utf-8-sig")[position["start"] : position["end"]] == quote["exact"]
            )
        sources.add(item["target"]["source"])
    assert sources == {(corpus / d).resolve().as_uri() for d in (CHINA, BELT, GARDEN)}
    assert all(s.startswith("file://") for s in sources)
    exacts = {i["target"]["selector"][0]["exact"] for i in items}
    assert exacts == ALL_QUOTES
    conflux = next(i for i in items if i["target"]["selector"][0]["exact"] == "Conflux Network")
    bodies = {(b["purpose"], b["value"]) for b in conflux["body"]}
    assert bodies == {("commenting", "the company"), ("tagging", "crypto")}
    assert conflux["target"]["styleClass"] == "lectern-blue"


CHECKS = {
    "markdown": check_markdown,
    "json": check_json,
    "jsonl": check_jsonl,
    "doccano": check_doccano,
    "csv": check_csv,
    "w3c": check_w3c,
}


@pytest.mark.parametrize("fmt", list(CHECKS))
def test_export_every_format_to_stdout_and_to_a_file(
    fmt: str, corpus: Path, annotated: dict[str, Annotation], tmp_path: Path
) -> None:
    printed = ok("export", str(corpus), "-f", fmt)
    CHECKS[fmt](printed.stdout, corpus)
    assert "exported 6 passages from 3 documents" in printed.stderr
    if fmt == "doccano":
        assert f"{BELT}: left out 1 untagged passage(s)" in printed.stderr
        assert f"{GARDEN}: left out 1 passage(s) no longer in the text" in printed.stderr

    target = tmp_path / f"out.{fmt}"
    written = ok("export", str(corpus), "--format", fmt, "-o", str(target))
    assert written.stdout == ""
    assert f"as {fmt} to {target}" in written.stderr
    raw = target.read_bytes().decode("utf-8")
    assert raw.replace("\r\n", "\n") == printed.stdout  # the same export, stdout or file
    CHECKS[fmt](raw, corpus)
    if fmt == "csv":
        assert raw.count("\r\n") == 7  # RFC 4180 row ends kept in the file: header and six rows

    if fmt == "markdown":
        full = ok("export", str(corpus), "-f", "markdown", "--full-text").stdout
        # footnotes are numbered through the whole export, in document then text order
        assert "<mark>China is no exception</mark>[^1]" in full and "[^1]: (highlight)" in full
        assert "<mark>reduce corruption</mark>[^2]" in full and "[^2]: key claim" in full
        assert "<mark>Conflux Network</mark>[^3]" in full and "[^3]: the company" in full
        assert "<mark>Tomatoes need sun</mark>[^5]" in full and "Basil grows well beside them." in full
        assert "[^6]" not in full  # the orphan is not marked: it is listed after its document's text
        garden = full.split("## Garden notes")[1]
        assert "### Not found in the current text" in garden and "> The soil was dry in August" in garden


def test_export_filters_by_tag_colour_and_document(corpus: Path, annotated: dict[str, Annotation]) -> None:
    def exported(*options: str) -> set[str]:
        return quotes(jsonl(ok("export", str(corpus), "-f", "jsonl", *options).stdout))

    assert exported("--tag", "policy") == {"reduce corruption", "China is no exception", "Tomatoes need sun"}
    assert exported("--tag", "policy", "--tag", "graft", "--color", "yellow") == {"reduce corruption"}
    assert exported("--color", "green") == {"China is no exception"}
    assert exported("--doc", BELT) == {"Conflux Network", "Wu Blockchain"}
    nothing = ok("export", str(corpus), "-f", "csv", "--tag", "no-such-tag")
    assert nothing.stdout.splitlines() == [",".join(CSV_HEAD)]
    assert "exported 0 passages from 0 documents" in nothing.stderr


# ---------------------------------------------------------------------- round trips and import


def test_json_export_import_into_an_empty_home_exports_the_same(
    corpus: Path, annotated: dict[str, Annotation], tmp_path: Path
) -> None:
    first = ok("export", str(corpus), "-f", "json", "-o", str(tmp_path / "backup.json"))
    assert "exported 6 passages" in first.stderr
    other = tmp_path / "other-home"
    imported = ok("import", str(tmp_path / "backup.json"), str(corpus), home=other)
    lines = imported.stdout.splitlines()
    assert lines[0] == "imported 6: 6 added, 0 updated, 0 unchanged, 1 kept as orphans"
    assert lines[1].startswith("  orphan: “The soil was dry in August”") and GARDEN in lines[1]
    again = ok("export", str(corpus), "-f", "json", home=other)
    assert again.stdout == (tmp_path / "backup.json").read_text(encoding="utf-8")


def test_w3c_export_import_into_an_empty_home_is_equal_and_importing_twice_changes_nothing(
    corpus: Path, annotated: dict[str, Annotation], tmp_path: Path
) -> None:
    exported = tmp_path / "annotations.jsonld"
    ok("export", str(corpus), "-f", "w3c", "-o", str(exported))
    other = tmp_path / "other-home"
    first = ok("import", str(exported), str(corpus), home=other)
    assert first.stdout.startswith("imported 6: 6 added, 0 updated, 0 unchanged, 1 kept as orphans")
    before = folder_state(other)
    second = ok("import", str(exported), str(corpus), home=other)
    assert second.stdout.startswith("imported 6: 0 added, 0 updated, 6 unchanged, 1 kept as orphans")
    assert folder_state(other) == before

    def items(text: str) -> list[dict[str, Any]]:
        collection = json.loads(text)
        return sorted(collection["first"]["items"], key=lambda item: item["id"])

    again = ok("export", str(corpus), "-f", "w3c", home=other).stdout
    original = exported.read_text(encoding="utf-8")
    assert items(again) == items(original)
    assert json.loads(again)["total"] == 6


def test_hypothesis_export_is_matched_to_documents_by_quote(corpus: Path, tmp_path: Path) -> None:
    def row(hypothesis_id: str, uri: str, exact: str, note: str, tags: list[str]) -> dict[str, Any]:
        return {
            "id": hypothesis_id,
            "created": "2024-02-03T10:00:00.000000+00:00",
            "updated": "2024-02-03T11:00:00.000000+00:00",
            "uri": uri,
            "text": note,
            "tags": tags,
            "document": {"title": ["A page on the web"]},
            "target": [{"source": uri, "selector": [{"type": "TextQuoteSelector", "exact": exact}]}],
        }

    hypothesis = {
        "total": 3,
        "annotations": [
            row("hyp-china", "https://example.org/china", "highly secure", "security claim", ["security"]),
            row(
                "hyp-belt",
                "https://example.org/belt",
                "Super Large Blockchain Infrastructure Platform",
                "",
                [],
            ),
            row("hyp-none", "https://example.org/none", "a quote found nowhere at all", "lost", []),
        ],
    }
    file = tmp_path / "hypothesis.json"
    file.write_text(json.dumps(hypothesis), encoding="utf-8")
    imported = ok("import", str(file), str(corpus))
    lines = imported.stdout.splitlines()
    assert lines[0] == "imported 3: 3 added, 0 updated, 0 unchanged, 1 kept as orphans"
    assert any("a quote found nowhere at all" in line and "orphan" in line for line in lines[1:])

    listed = json.loads(ok("annotations", "list", str(corpus), "--json").stdout)
    by_quote = {r["target"]["exact"]: r for r in listed}
    assert set(by_quote) == {"highly secure", "Super Large Blockchain Infrastructure Platform"}
    china = by_quote["highly secure"]
    text = read(corpus, CHINA).text
    assert (china["document"], china["note"], china["tags"], china["anchor"]) == (
        CHINA,
        "security claim",
        ["security"],
        "anchored",
    )
    assert (china["target"]["start"], china["target"]["end"]) == (
        text.index("highly secure"),
        text.index("highly secure") + len("highly secure"),
    )
    assert by_quote["Super Large Blockchain Infrastructure Platform"]["document"] == BELT


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is plain prose, not an export\n", "not JSON: Expecting value (line 1, column 1)"),
        (b'{"format": "lect\x00ern"}\x00\x01\x02', "binary data (a NUL byte at offset 16), not JSON"),
        (b"", "not JSON: Expecting value (line 1, column 1)"),
        (b"42\n", "not an annotation export (the file's JSON is a number)"),
        (
            b'{"title": "a book", "highlights": []}',
            "not a lectern, W3C Web Annotation or Hypothesis export (a JSON object with keys highlights, title)",
        ),
        (
            b'{"format": "lectern", "version": 1, "documents": {"id": "x"}}',
            "documents: is an object, not a list",
        ),
    ],
    ids=["garbage text", "binary", "empty", "json number", "wrong object", "lectern documents not a list"],
)
def test_importing_a_file_that_is_no_export_changes_nothing(
    content: bytes,
    reason: str,
    corpus: Path,
    annotated: dict[str, Annotation],
    lectern_home: Path,
    tmp_path: Path,
) -> None:
    ok("annotations", "list", str(corpus))  # the orphan is found and saved before the snapshot
    before = folder_state(lectern_home)
    file = tmp_path / "not-an-export.json"
    file.write_bytes(content)
    result = lectern("import", str(file), str(corpus))
    assert result.returncode == 2
    assert result.stderr.strip() == f"lectern: nothing imported: {reason}"
    assert result.stdout == ""
    assert folder_state(lectern_home) == before


# ---------------------------------------------------------------------- verify, empty corpus


def test_verify_lists_annotations_whose_document_changed(corpus: Path, lectern_home: Path) -> None:
    annotate(corpus, CHINA, "As blockchain technology continues to mature")
    annotate(corpus, CHINA, "blockchain makes it difficult for government officials to tamper with records")
    annotate(corpus, CHINA, "which has a large and growing economy")
    annotate(corpus, BELT, "Conflux Network")
    unchanged = ok("annotations", "verify", str(corpus))
    assert unchanged.stdout == ""
    assert unchanged.stderr.strip() == "0 annotations made on another version of their document"

    path = corpus / CHINA
    raw = path.read_text(encoding="utf-8")
    raw = raw.replace("19 Jan. 2020\n", "19 Jan. 2020\n\nAn editor's note added at the top.\n")
    raw = raw.replace("makes it difficult for", "makes it hard for")
    raw = raw.replace(", which has a large and growing economy", "")
    path.write_text(raw, encoding="utf-8")

    edited = ok("annotations", "verify", str(corpus))
    lines = edited.stdout.splitlines()
    assert len(lines) == 3 and all(CHINA in line for line in lines)
    statuses = {line.split()[0]: line for line in lines}
    assert set(statuses) == {"moved", "fuzzy", "orphaned"}
    assert "“As blockchain technology continues to mature”" in statuses["moved"]
    assert f"{CHINA}:no longer in the text" in statuses["orphaned"]
    assert edited.stderr.strip() == (
        "3 annotations made on another version of their document: 1 fuzzy, 1 moved, 1 orphaned"
    )
    as_json = json.loads(ok("annotations", "verify", str(corpus), "--json").stdout)
    assert sorted(r["anchor"] for r in as_json) == ["fuzzy", "moved", "orphaned"]
    assert {r["document"] for r in as_json} == {CHINA}


@pytest.mark.parametrize("fmt", list(CHECKS))
def test_export_without_annotations_is_empty_but_valid(fmt: str, corpus: Path) -> None:
    result = ok("export", str(corpus), "-f", fmt)
    assert "exported 0 passages from 0 documents" in result.stderr
    text = result.stdout
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows == [CSV_HEAD]
    elif fmt == "w3c":
        collection = json.loads(text)
        assert collection["@context"] == W3C_CONTEXT and collection["total"] == 0
        assert collection["first"]["items"] == []
    elif fmt == "json":
        assert json.loads(text) == {"format": "lectern", "version": 1, "offsets": "document", "documents": []}
    elif fmt == "markdown":
        assert text.strip() == "# Annotations"
    else:
        assert text == ""


# ---------------------------------------------------------------------- two corpora, one home; offsets in files


@pytest.mark.parametrize("fmt", ["json", "w3c"])
def test_importing_into_a_second_corpus_in_the_same_home_adds_there(
    fmt: str, corpus: Path, annotated: dict[str, Annotation], lectern_home: Path, tmp_path: Path
) -> None:
    second = tmp_path / "second"
    shutil.copytree(corpus, second)  # the same documents in another folder: another corpus
    exported = tmp_path / f"annotations.{fmt}"
    ok("export", str(corpus), "-f", fmt, "-o", str(exported))
    ok("annotations", "list", str(corpus))  # the first corpus's orphan is saved before the snapshot
    first_corpus = folder_state(lectern_home)

    imported = ok("import", str(exported), str(second))
    assert imported.stdout.startswith("imported 6: 6 added, 0 updated, 0 unchanged, 1 kept as orphans")
    after = folder_state(lectern_home)
    assert {name: after[name] for name in first_corpus} == first_corpus  # the first corpus is untouched
    again = ok("import", str(exported), str(second))
    assert again.stdout.startswith("imported 6: 0 added, 0 updated, 6 unchanged, 1 kept as orphans")
    assert folder_state(lectern_home) == after
    into_first = ok("import", str(exported), str(corpus))
    assert into_first.stdout.startswith("imported 6: 0 added, 0 updated, 6 unchanged")

    def listed(folder: Path) -> dict[str, tuple[str, int, int, str]]:
        rows = json.loads(ok("annotations", "list", str(folder), "--json").stdout)
        assert all(Path(r["path"]).is_relative_to(folder.resolve()) for r in rows)
        return {r["id"]: (r["document"], r["target"]["start"], r["target"]["end"], r["anchor"]) for r in rows}

    assert listed(second) == listed(corpus) and len(listed(second)) == 6  # the same ids, one copy each


def test_offsets_of_a_file_with_a_bom_crlf_and_front_matter_survive_export_and_import(
    corpus: Path, tmp_path: Path
) -> None:
    raw = "---\r\ntitle: Ledger 😀\r\nauthor: Ada\r\n---\r\n# Ledger\r\n\r\nThe 𝔸 ledger keeps records.\r\n"
    (corpus / "ledger.md").write_bytes(b"\xef\xbb\xbf" + raw.encode("utf-8"))
    annotate(corpus, "ledger.md", "ledger keeps", note="crlf")
    as_read = file_text(corpus, "ledger.md")
    row = next(r for r in jsonl(ok("export", str(corpus), "-f", "jsonl").stdout) if r["note"] == "crlf")
    assert as_read[row["start"] : row["end"]] == "ledger keeps"
    (record,) = [r for r in csv.DictReader(io.StringIO(ok("export", str(corpus), "-f", "csv").stdout))]
    assert (record["Author"], as_read[int(record["Location"]) :].startswith("ledger keeps")) == ("Ada", True)
    exported = tmp_path / "ledger.jsonld"
    ok("export", str(corpus), "-f", "w3c", "-o", str(exported))
    (item,) = json.loads(exported.read_text(encoding="utf-8"))["first"]["items"]
    quote, position = item["target"]["selector"]
    assert as_read[position["start"] : position["end"]] == quote["exact"] == "ledger keeps"
    other = tmp_path / "other-home"
    ok("import", str(exported), str(corpus), home=other)
    assert (
        ok("export", str(corpus), "-f", "json", home=other).stdout
        == ok("export", str(corpus), "-f", "json").stdout
    )
