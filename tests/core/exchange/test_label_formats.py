"""The labelling tools' formats: Label Studio, spaCy/Prodigy, brat, CoNLL and doccano.

Each is written and read back (export, import into an empty store, export again: the same), a
second import changes nothing, and importing what lectern exported into the store it came from
adds no copies. Files as each tool writes them are read (hand-written samples of their real
shapes), malformed ones are refused with the reason and the place and change nothing. A property
test over random documents (CJK, emoji, combining marks, CRLF) and random, overlapping and
nested spans holds every format to its spans' text being the text at its offsets.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.core.exchange.helpers import ALPHA, bare, from_store, make_doc, on, store_state, with_annotations
from tui.core.annotation_store import AnnotationStore
from tui.core.annotations import Annotation, reference
from tui.core.documents import text_sha256
from tui.core.exchange import (
    FOLDERS,
    FORMATS,
    ExportDocument,
    ImportFormatError,
    export,
    export_files,
    file_uri,
    import_annotations,
    left_out,
    read_input,
    write_folder,
)
from tui.core.exchange.brat import fragments, type_names
from tui.core.exchange.words import align, words_of

LABEL_FORMATS = ("label-studio", "spacy", "brat", "conll", "doccano")


def exported(docs: list[ExportDocument], fmt: str) -> str | dict[str, bytes]:
    """An export as an import reads it: a text, or a folder's files."""
    if fmt in FOLDERS:
        return {name: text.encode("utf-8") for name, text in export_files(docs, fmt).items()}
    return export(docs, fmt)


def again(docs: list[ExportDocument], fmt: str) -> str | dict[str, str]:
    return export_files(docs, fmt) if fmt in FOLDERS else export(docs, fmt)


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


# --------------------------------------------------------------------------- the registry


def test_every_label_format_is_exported_and_brat_is_a_folder(docs: list[ExportDocument]) -> None:
    assert set(LABEL_FORMATS) <= set(FORMATS)
    assert {"brat"} == FOLDERS
    listing = export(docs, "brat")  # a folder's files as one text to read
    assert listing.startswith("==> annotation.conf <==\n")
    assert "==> reports/alpha.md.ann <==\nT1\tpolicy " in listing
    assert set(export_files(docs, "conll")) == {"conll.conll"}


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", LABEL_FORMATS)
def test_export_import_export_is_the_same_and_a_second_import_changes_nothing(
    fmt: str, docs: list[ExportDocument], store: AnnotationStore
) -> None:
    first = exported(docs, fmt)
    report = import_annotations(first, bare(docs), store)
    assert report.added > 0 and not report.orphaned and report.updated == 0
    assert again(from_store(store, bare(docs)), fmt) == again(docs, fmt)
    before = store_state(store)
    second = import_annotations(first, bare(docs), store)
    assert (second.added, second.updated, second.unchanged) == (0, 0, report.added)
    assert store_state(store) == before


@pytest.mark.parametrize("fmt", LABEL_FORMATS)
def test_importing_an_export_into_the_store_it_came_from_adds_no_copies(
    fmt: str, docs: list[ExportDocument], store: AnnotationStore
) -> None:
    for doc in docs:
        for a in doc.annotations:
            store.save(doc.ref, a)
    import_annotations(export(docs, "json"), bare(docs), store)  # brings the orphan's status in
    before = store_state(store)
    report = import_annotations(exported(docs, fmt), bare(docs), store)
    assert report.added == 0 and report.updated == 0 and report.unchanged > 0
    assert store_state(store) == before


def test_label_studio_keeps_ids_annotators_suggestions_notes_and_colours(
    docs: list[ExportDocument], store: AnnotationStore
) -> None:
    alpha, beta = docs
    by_ada = replace(alpha.annotations[0], annotator="ada")
    proposed = replace(alpha.annotations[1], annotator="ner-model", suggested=True)
    docs = [with_annotations(alpha, by_ada, proposed, *alpha.annotations[2:]), beta]
    tasks = json.loads(export(docs, "label-studio"))
    assert [t["data"]["document"] for t in tasks] == ["beta.md", "reports/alpha.md"]
    task = tasks[1]
    assert task["data"]["text"] == ALPHA and task["meta"]["sha256"] == alpha.ref.sha256
    assert task["meta"]["uri"] == file_uri(alpha.ref.path) and task["meta"]["offsets"] == "text"
    assert [a["completed_by"] for a in task["annotations"]] == ["lectern-anonymous", "ada"]
    assert [p["model_version"] for p in task["predictions"]] == ["ner-model"]
    (ada_result,) = task["annotations"][1]["result"]
    assert ada_result["id"] == by_ada.id and ada_result["meta"] == {"text": ["Key decision.\nSee minutes."]}
    value = ada_result["value"]
    assert value == {**value, "labels": ["policy", "money"], "text": "It agreed that blockchain pilots"}
    assert ALPHA[value["start"] : value["end"]] == value["text"]

    import_annotations(export(docs, "label-studio"), bare(docs), store)
    stored = {a.id: a for a in from_store(store, bare(docs))[0].annotations}
    assert stored[by_ada.id].annotator == "ada" and not stored[by_ada.id].suggested
    assert stored[proposed.id].annotator == "ner-model" and stored[proposed.id].suggested
    assert stored[by_ada.id].note == "Key decision.\nSee minutes."
    assert stored[alpha.annotations[2].id].color == "pink" and stored[alpha.annotations[2].id].annotator == ""
    assert stored[by_ada.id].created == by_ada.created and stored[by_ada.id].modified == by_ada.modified


def test_spacy_writes_a_line_per_annotator_and_suggestions_without_an_answer(
    docs: list[ExportDocument], store: AnnotationStore
) -> None:
    alpha, _ = docs
    by_ada = replace(alpha.annotations[0], annotator="ada")
    proposed = replace(alpha.annotations[1], annotator="ner-model", suggested=True)
    docs = [with_annotations(alpha, by_ada, proposed, alpha.annotations[2])]
    lines = jsonl(export(docs, "spacy"))
    assert [(line.get("_annotator_id"), line.get("answer")) for line in lines] == [
        (None, "accept"),
        ("ada", "accept"),
        ("ner-model", None),
    ]
    ada = lines[1]
    assert ada["_session_id"] == "ada" and ada["meta"]["document"] == "reports/alpha.md"
    assert [(s["label"], s["id"]) for s in ada["spans"]] == [("policy", by_ada.id), ("money", by_ada.id)]
    for line in lines:
        for span in line["spans"]:
            assert line["text"][span["start"] : span["end"]] == span["text"]
    import_annotations(export(docs, "spacy"), bare(docs), store)
    stored = {a.id: a for a in from_store(store, bare(docs))[0].annotations}
    assert stored[by_ada.id].tags == ("policy", "money") and stored[by_ada.id].annotator == "ada"
    assert stored[proposed.id].suggested and stored[proposed.id].annotator == "ner-model"


def test_brat_writes_a_collection_with_types_brat_accepts(docs: list[ExportDocument]) -> None:
    alpha, beta = docs
    spaced = on(alpha, "The committee met", tags=["named entity", "Ωmega"], note="one\ntwo")
    docs = [with_annotations(alpha, *alpha.annotations, spaced), beta]
    files = export_files(docs, "brat")
    assert set(files) == {
        "annotation.conf",
        "visual.conf",
        "beta.md.ann",
        "beta.md.txt",
        "reports/alpha.md.ann",
        "reports/alpha.md.txt",
    }
    assert files["reports/alpha.md.txt"] == ALPHA
    ann = files["reports/alpha.md.ann"].splitlines()
    start = ALPHA.index("The committee met")
    assert ann[0] == f"T1\tnamed_entity {start} {start + 17}\tThe committee met"
    assert ann[1] == "#1\tAnnotatorNotes T1\tone two"
    assert ann[2] == f"T2\t_mega {start} {start + 17}\tThe committee met"
    assert "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>" in files["annotation.conf"]
    assert (
        "named_entity | named entity\n" in files["visual.conf"] and "_mega | Ωmega\n" in files["visual.conf"]
    )
    assert left_out(docs, "brat") == [
        "reports/alpha.md: left out 2 untagged passage(s)",
        "tag 'named entity' is brat type named_entity (visual.conf names it)",
        "tag 'Ωmega' is brat type _mega (visual.conf names it)",
        "reports/alpha.md: 2 note(s) written on one line (a brat note is one line)",
    ]
    for name, text in files.items():
        if name.endswith(".ann"):
            assert all(
                line.split("\t")[1].split(" ")[0].replace("_", "").replace("-", "").isalnum()
                for line in text.splitlines()
                if line.startswith("T")
            )


def test_brat_types_are_unique_and_a_passage_across_lines_is_in_fragments() -> None:
    assert type_names(["a b", "a_b", "a-b", "été"]) == {
        "a b": "a_b-2",
        "a_b": "a_b",
        "a-b": "a-b",
        "été": "ete",
    }
    text = "first line\r\nsecond\u2028third"
    assert [text[s:e] for s, e in fragments(text, 6, len(text))] == ["line", "second", "third"]


def test_conll_writes_words_with_iob2_tags_and_says_what_it_could_not(docs: list[ExportDocument]) -> None:
    alpha, _ = docs
    inside = on(alpha, "ockchain pil", tags=["part"])  # starts and ends inside words
    lines = export([with_annotations(alpha, *alpha.annotations)], "conll").split("\n")
    assert lines[:3] == ["-DOCSTART- -X- O O", "", "#\tO"]
    tagged = [line for line in lines if "\t" in line and not line.endswith("\tO")]
    assert tagged[:5] == [
        "It\tB-policy",
        "agreed\tI-policy",
        "that\tI-policy",
        "blockchain\tI-policy",
        "pilots\tI-policy",
    ]
    assert tagged[5:] == [f"{c}\t{'B' if i == 0 else 'I'}-cjk" for i, c in enumerate("区块链技术的发展")]
    assert left_out([with_annotations(alpha, *alpha.annotations)], "conll") == [
        "reports/alpha.md: left out 2 untagged passage(s)",
        "reports/alpha.md: left out 1 passage(s) sharing words with another (a word has one label): "
        "“blockchain pilots deserve more funding”",
        "reports/alpha.md: wrote 1 passage(s) with their first tag only (a word has one label): "
        "“It agreed that blockchain pilots”",
    ]
    widened = export([with_annotations(alpha, inside)], "conll")
    assert "blockchain\tB-part\npilots\tI-part\n" in widened
    assert left_out([with_annotations(alpha, inside)], "conll") == [
        "reports/alpha.md: widened 1 passage(s) that start or end inside a word to whole words: “ockchain pil”"
    ]


def test_conll_sentences_end_at_line_breaks_and_full_stops_never_inside_a_passage(tmp_path: Path) -> None:
    doc = make_doc(tmp_path, "s.md", "One two. Three\nfour. Five six.", "S")
    out = export([with_annotations(doc, on(doc, "two. Three", tags=["x"]))], "conll")
    assert out == (
        "-DOCSTART- -X- O O\n\nOne\tO\ntwo\tB-x\n.\tI-x\nThree\tI-x\n\nfour\tO\n.\tO\n\n"
        "Five\tO\nsix\tO\n.\tO\n\n"
    )


# --------------------------------------------------------------------------- other tools' files


def test_label_studio_export_as_label_studio_writes_it(tmp_path: Path, store: AnnotationStore) -> None:
    text = "😀 Acme hired Jane Doe in Paris."
    doc = make_doc(tmp_path / "corpus", "news.md", text, "News")
    jane = text.index("Jane Doe")
    tasks = [
        {
            "id": 7,
            "data": {"my_text": text},
            "annotations": [
                {
                    "id": 12,
                    "completed_by": {"id": 3, "email": "jo@example.org", "first_name": "Jo"},
                    "was_cancelled": False,
                    "created_at": "2024-03-09T21:52:49.513742Z",
                    "updated_at": "2024-03-09T22:16:08.746926Z",
                    "result": [
                        # offsets counted in UTF-16 units by the browser: the emoji is two
                        {
                            "id": "Dx_aB91ISN",
                            "from_name": "label",
                            "to_name": "text",
                            "type": "labels",
                            "value": {
                                "start": jane + 1,
                                "end": jane + 9,
                                "text": "Jane Doe",
                                "labels": ["PER"],
                            },
                        },
                        {
                            "id": "Dx_aB91ISN",
                            "from_name": "note",
                            "to_name": "text",
                            "type": "textarea",
                            "value": {"start": jane + 1, "end": jane + 9, "text": ["the new hire"]},
                        },
                        {
                            "id": "c1",
                            "from_name": "sentiment",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["Positive"]},
                        },
                    ],
                },
                {
                    "id": 13,
                    "completed_by": 4,
                    "was_cancelled": True,
                    "result": [
                        {"id": "x", "type": "labels", "value": {"start": 0, "end": 1, "labels": ["X"]}}
                    ],
                },
            ],
            "predictions": [
                {
                    "model_version": "ner-v2",
                    "score": 0.9,
                    "result": [
                        {
                            "id": "p1",
                            "from_name": "label",
                            "to_name": "text",
                            "type": "labels",
                            "value": {"start": 3, "end": 7, "text": "Acme", "labels": ["ORG"]},
                        }
                    ],
                }
            ],
        }
    ]
    report = import_annotations(json.dumps(tasks), [doc], store)
    assert (report.added, report.orphaned) == (2, ())
    stored = {a.target.exact: a for a in from_store(store, [doc])[0].annotations}
    person, org = stored["Jane Doe"], stored["Acme"]
    assert (person.start, person.tags, person.note, person.annotator) == (
        jane,
        ("PER",),
        "the new hire",
        "jo@example.org",
    )
    assert person.modified == "2024-03-09T22:16:08.746926Z" and not person.suggested
    assert (org.tags, org.annotator, org.suggested) == (("ORG",), "ner-v2", True)


def test_a_prediction_accepted_in_label_studio_is_two_annotations(
    tmp_path: Path, store: AnnotationStore
) -> None:
    doc = make_doc(tmp_path / "corpus", "acme.md", "Acme hired Jane.", "Acme")
    region = {
        "id": "p1",
        "type": "labels",
        "value": {"start": 0, "end": 4, "text": "Acme", "labels": ["ORG"]},
    }
    task = {
        "data": {"text": "Acme hired Jane."},
        "predictions": [{"model_version": "ner-v2", "result": [region]}],
        "annotations": [{"completed_by": 3, "result": [region]}],  # Label Studio copies the region's id
    }
    report = import_annotations(json.dumps([task]), [doc], store)
    assert report.added == 2
    stored = sorted((a.annotator, a.suggested) for a in from_store(store, [doc])[0].annotations)
    assert stored == [("3", False), ("ner-v2", True)]


def test_prodigy_examples_are_read_and_rejected_ones_left_out(tmp_path: Path, store: AnnotationStore) -> None:
    text = "Apple is looking at buying U.K. startup."
    doc = make_doc(tmp_path / "corpus", "apple.md", text, "Apple")
    tokens = [{"text": "Apple", "start": 0, "end": 5, "id": 0, "ws": True}]
    lines = [
        {
            "text": text,
            "_input_hash": 1,
            "_task_hash": 2,
            "tokens": tokens,
            "spans": [
                {"start": 0, "end": 5, "token_start": 0, "token_end": 0, "label": "ORG"},
                {"start": 27, "end": 31, "token_start": 5, "token_end": 5, "label": "GPE"},
            ],
            "meta": {"source": "news"},
            "answer": "accept",
            "_timestamp": 1700000000,
            "_annotator_id": "ner_news-alex",
            "_session_id": "ner_news-alex",
        },
        {
            "text": text,
            "spans": [{"start": 0, "end": 5, "label": "PERSON"}],
            "answer": "reject",
            "_annotator_id": "ner_news-sam",
        },
    ]
    report = import_annotations("\n".join(json.dumps(line) for line in lines) + "\n", [doc], store)
    assert report.added == 2
    stored = sorted((a.target.exact, a.tags, a.annotator) for a in from_store(store, [doc])[0].annotations)
    assert stored == [("Apple", ("ORG",), "ner_news-alex"), ("U.K.", ("GPE",), "ner_news-alex")]


def test_doccano_lines_old_and_new_are_read(tmp_path: Path, store: AnnotationStore) -> None:
    text = "EU rejects German call to boycott British lamb."
    doc = make_doc(tmp_path / "corpus", "eu.md", text, "EU")
    old = {"id": 1, "text": text, "label": [[0, 2, "ORG"], [11, 17, "MISC"], [11, 17, "ADJ"]], "Comments": []}
    new = {
        "id": 2,
        "text": text,
        "entities": [{"id": 9, "label": "MISC", "start_offset": 34, "end_offset": 41}],
        "relations": [],
        "Comments": ["checked"],
    }
    report = import_annotations(f"{json.dumps(old)}\n{json.dumps(new)}\n", [doc], store)
    assert report.added == 3
    stored = sorted((a.target.exact, a.tags) for a in from_store(store, [doc])[0].annotations)
    assert stored == [("British", ("MISC",)), ("EU", ("ORG",)), ("German", ("MISC", "ADJ"))]
    one_line = import_annotations(json.dumps(old), [doc], store)  # a file of one line is JSON too
    assert one_line.unchanged == 2


def test_brat_collection_from_brat_is_read(tmp_path: Path, store: AnnotationStore) -> None:
    text = "Protein A binds\nprotein B in cells.\n"
    doc = make_doc(tmp_path / "corpus", "bio.md", text, "Bio")
    folder = tmp_path / "collection"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "bio.txt").write_text(text, encoding="utf-8", newline="")
    (folder / "sub" / "bio.ann").write_text(
        "T1\tProtein 0 9\tProtein A\n"
        "T2\tProtein 16 25\tprotein B\n"
        "T3\tBinding_event 10 15;16 25\tbinds protein B\n"
        "E1\tBinding:T3 Theme:T1 Theme2:T2\n"
        "R1\tPart-of Arg1:T1 Arg2:T2\n"
        "A1\tNegated E1\n"
        "N1\tReference T1 Uniprot:P12345\tProtein A\n"
        "#1\tAnnotatorNotes T1\tcheck the name\n",
        encoding="utf-8",
    )
    (folder / "visual.conf").write_text(
        "[labels]\nBinding_event | Binding event | Binding\n", encoding="utf-8"
    )
    (folder / "sub" / "notes.md").write_text("not brat", encoding="utf-8")
    files = read_input(folder)
    assert set(files) == {"sub/bio.ann", "sub/bio.txt", "visual.conf"}
    report = import_annotations(files, [doc], store, annotator="bo")
    assert report.added == 3 and not report.orphaned
    stored = {a.target.exact: a for a in from_store(store, [doc])[0].annotations}
    assert stored["Protein A"].note == "check the name" and stored["Protein A"].annotator == "bo"
    assert stored["binds\nprotein B"].tags == ("Binding event",)  # visual.conf names the type
    lone = read_input(folder / "sub" / "bio.ann")  # one .ann file: the .txt beside it comes too
    assert set(lone) == {"bio.ann", "bio.txt"}


def test_conll_2003_with_four_columns_and_iob1_is_matched_to_its_document(
    tmp_path: Path, store: AnnotationStore
) -> None:
    text = "EU rejects German call to boycott British lamb .\nPeter Blackburn\n"
    doc = make_doc(tmp_path / "corpus", "conll.md", text, "CoNLL")
    other = make_doc(tmp_path / "corpus", "other.md", "Nothing alike.\n", "Other")
    sample = (
        "-DOCSTART- -X- -X- O\n\n"
        "EU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\ncall NN I-NP O\nto TO B-VP O\n"
        "boycott VB I-VP O\nBritish JJ B-NP I-MISC\nlamb NN I-NP O\n. . O O\n\n"
        "Peter NNP B-NP I-PER\nBlackburn NNP I-NP I-PER\n"
    )
    report = import_annotations(sample, [other, doc], store)
    assert report.added == 4 and not report.orphaned
    stored = sorted((a.target.exact, a.tags, a.anchor) for a in from_store(store, [doc])[0].annotations)
    assert stored == [
        ("British", ("MISC",), "anchored"),
        ("EU", ("ORG",), "anchored"),
        ("German", ("MISC",), "anchored"),
        ("Peter Blackburn", ("PER",), "anchored"),
    ]


def test_conll_words_no_document_holds_are_kept_as_orphans(tmp_path: Path, store: AnnotationStore) -> None:
    doc = make_doc(tmp_path / "corpus", "a.md", "Something else entirely.\n", "A")
    report = import_annotations("Jane\tB-PER\nDoe\tI-PER\nsmiled\tO\n", [doc], store)
    assert report.added == 1
    assert report.orphaned == (
        "“Jane Doe” (CoNLL document at line 1): no document in this corpus holds its document's words, "
        "in order; kept as an orphan",
    )


# --------------------------------------------------------------------------- malformed files


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            '[{"data": {"text": "abc"}, "annotations": [{"result": [{"id": "r", "type": "labels", '
            '"value": {"start": "0", "end": 2, "labels": ["X"]}}]}]}]',
            "task 0.annotations[0].result[0].value.start: is a string, not a whole number",
        ),
        ('[{"data": {"a": "x", "b": "y"}}]', "task 0.data: has no 'text' (the text its passages index)"),
        (
            '{"text": "abc", "spans": [{"start": 0, "end": 2, "label": "X"}]}\n{"text": "abc", "spans": [}\n',
            "line 2: not JSON: Expecting value (column 27)",
        ),
        (
            '{"text": "abc", "spans": [{"start": 2, "end": 1, "label": "X"}]}',
            "line 1.spans[0]: ends (1) before it starts (2)",
        ),
        (
            '{"text": "abc", "spans": [{"start": 0, "end": 9, "label": "X"}]}',
            "line 1.spans[0]: ends at 9, after the end of its text (3 characters)",
        ),
        (
            '{"text": "abc", "label": ["positive"]}\n',
            "line 1.label[0]: is a text classification label, not a span: doccano spans are [start, end, label]",
        ),
        (
            '{"text": "abc", "entities": [{"start_offset": 0, "label": "X"}]}\n',
            "line 1.entities[0].end_offset: is null, not a whole number",
        ),
        (
            '{"labels": ["x"], "text": "abc"}\n{"labels": []}\n',
            "not a doccano or spaCy/Prodigy export (JSON lines, the first an object with keys labels, text)",
        ),
        ("Jane\tB-PER\nDoe\n", "line 2: has a word but no tag (a word, then its tag: O, B-LABEL or I-LABEL)"),
        ("Jane\tB-PER\nDoe\tPER\n", "line 2: 'PER' is not a tag (O, or B-, I-, E- or S- and a label)"),
    ],
    ids=[
        "ls offset",
        "ls no text",
        "spacy not json",
        "spacy reversed",
        "spacy past the end",
        "doccano classification",
        "doccano entity",
        "jsonl of no tool",
        "conll no tag",
        "conll bad tag",
    ],
)
def test_malformed_files_are_refused_with_the_place_and_change_nothing(
    content: str, reason: str, docs: list[ExportDocument], store: AnnotationStore
) -> None:
    import_annotations(export(docs, "json"), bare(docs), store)
    before = store_state(store)
    with pytest.raises(ImportFormatError) as refused:
        import_annotations(content, bare(docs), store)
    assert str(refused.value) == reason
    assert store_state(store) == before


@pytest.mark.parametrize(
    ("ann", "reason"),
    [
        ("T1\tPER 0 x\tJane\n", "a.ann line 1: '0 x' is not a start and an end offset"),
        ("T1\tPER 0 4\tJane\nT1\tPER 5 8\tDoe\n", "a.ann line 2: T1 is given twice"),
        ("T1\tPER 0 4\tJone\n", "a.ann line 1: says it marks “Jone”, but the .txt has “Jane” there"),
        ("T1\tPER 0 40\tJane\n", "a.ann line 1: ends at 40, after the end of the .txt (12 characters)"),
        (
            "hello there\n",
            "a.ann line 1: is not a brat annotation (an id such as T1, a tab, then what it marks)",
        ),
        ("T1\tPER\tJane\n", "a.ann line 1: has no type and offsets (Type start end)"),
    ],
    ids=["offsets", "twice", "text", "past the end", "no annotation", "no offsets"],
)
def test_malformed_brat_files_are_refused(
    ann: str, reason: str, store: AnnotationStore, tmp_path: Path
) -> None:
    doc = make_doc(tmp_path / "corpus", "a.md", "Jane Doe ran", "A")
    files = {"a.ann": ann.encode(), "a.txt": b"Jane Doe ran"}
    with pytest.raises(ImportFormatError, match="^" + reason.replace("(", r"\(").replace(")", r"\)") + "$"):
        import_annotations(files, [doc], store)
    assert store_state(store) == {}
    with pytest.raises(ImportFormatError, match=r"a.txt: not UTF-8 text \(byte 0xff at offset 0\)"):
        import_annotations({"a.ann": b"", "a.txt": b"\xff"}, [doc], store)


def test_a_folder_without_brat_files_is_refused_and_a_folder_export_replaces_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportFormatError, match=r"a folder without brat \.ann files"):
        read_input(tmp_path / "empty")
    target = tmp_path / "out"
    (target / "reports").mkdir(parents=True)
    (target / "reports" / "a.ann").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_folder(target, {"b.txt": "x", "reports/a.ann": "theirs"})
    assert (
        not (target / "b.txt").exists()
        and (target / "reports" / "a.ann").read_text(encoding="utf-8") == "mine"
    )


# --------------------------------------------------------------------------- properties

PIECES = [*"ab yz.,;!?\n\t—_Ω区块😀", "\r\n", "é", "e\u0301", "👍🏽", "Jane"]
"""What the random texts are made of: words, CJK, emoji with a skin tone, combining marks, CRLF."""
TEXT = (
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=30)
    .map("".join)
    .map(lambda s: s if s.strip() else s + "x")
)
TAGS = st.lists(st.sampled_from(["PER", "named entity", "a_b", "Ωmega", "x-y", "O"]), min_size=1, max_size=2)
NOTES = st.sampled_from(["", "a note", "two\nlines", "tab\there"])


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, list[str], str]]]:
    text = draw(TEXT)
    spans = []
    for _ in range(draw(st.integers(1, 5))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append((start, end, draw(TAGS), draw(NOTES)))
    return text, spans


def as_doc(folder: Path, text: str, spans: list[tuple[int, int, list[str], str]]) -> ExportDocument:
    path = folder / "doc.md"
    path.write_text(text, encoding="utf-8", newline="")
    sha = text_sha256(text)
    made = [Annotation.create(text, s, e, sha256=sha, tags=tags, note=note) for s, e, tags, note in spans]
    made = [a for a in made if a.tags]
    return ExportDocument(
        reference("doc.md", path, sha, "Doc"), text=text, annotations=tuple(made), text_start=0
    )


def spans_in(fmt: str, docs: list[ExportDocument]) -> list[tuple[str, int, int, str]]:
    """Every span the export gives, as (the text it was given, start, end, the span's own text)."""
    found = []
    if fmt == "label-studio":
        for task in json.loads(export(docs, fmt)):
            for made in task["annotations"] + task["predictions"]:
                for r in made["result"]:
                    found.append(
                        (task["data"]["text"], r["value"]["start"], r["value"]["end"], r["value"]["text"])
                    )
    elif fmt == "spacy":
        for line in jsonl(export(docs, fmt)):
            found += [(line["text"], s["start"], s["end"], s["text"]) for s in line["spans"]]
    elif fmt == "doccano":  # doccano's [start, end, label] has no text: the passage's is checked
        quotes = {(d.ref.id, a.start, a.end): a.target.exact for d in docs for a in d.annotations}
        for line in jsonl(export(docs, fmt)):
            found += [(line["text"], s, e, quotes[(line["document"], s, e)]) for s, e, _ in line["label"]]
    elif fmt == "brat":
        files = export_files(docs, fmt)
        for name, ann in files.items():
            if name.endswith(".ann"):
                text = files[name[:-4] + ".txt"]
                for line in ann.splitlines():
                    if line.startswith("T"):
                        _, marks, quote = line.split("\t", 2)
                        pieces = [tuple(map(int, p.split())) for p in marks.split(" ", 1)[1].split(";")]
                        assert " ".join(text[s:e] for s, e in pieces) == quote
                        found += [(text, s, e, text[s:e]) for s, e in pieces]
    elif fmt == "conll":
        for block in export(docs, fmt).split("-DOCSTART- -X- O O\n")[1:]:
            rows = [line.split("\t") for line in block.split("\n") if line]
            words = [word for word, _ in rows]
            # the words are a document's words, all of them, in order
            text = next(d.text or "" for d in docs if align(words, d.text or "") == words_of(d.text or ""))
            places = words_of(text)
            found += [(text, s, e, word) for (word, _), (s, e) in zip(rows, places, strict=True)]
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), min_size=1, max_size=2))
def test_every_exported_span_is_the_text_at_its_offsets(
    made: list[tuple[str, list[tuple[int, int, list[str], str]]]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        docs = []
        for i, (text, spans) in enumerate(made):
            (Path(folder) / str(i)).mkdir()
            doc = as_doc(Path(folder) / str(i), text, spans)
            docs.append(replace(doc, ref=replace(doc.ref, id=f"d{i}.md")))
        for fmt in LABEL_FORMATS:
            for text, start, end, quote in spans_in(fmt, docs):
                assert 0 <= start < end <= len(text) and text[start:end] == quote, fmt


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
# spans starting on a line break: brat writes them from the next line, and its order must hold
@example(("a\r\naa", [(1, 5, ["PER"], ""), (0, 1, ["PER"], ""), (2, 4, ["PER"], "")]))
# two passages on the same words, the second with the first's tag after another: an import groups
# brat's lines otherwise, and the export must not change for it
@example(("a", [(0, 1, ["PER"], ""), (0, 1, ["named entity", "PER"], "")]))
@example(("ab", [(0, 2, ["B"], ""), (0, 2, ["A", "B"], "x"), (0, 2, ["C", "A"], ""), (0, 2, ["A"], "y\nz")]))
def test_every_label_format_survives_export_import_export(
    made: tuple[str, list[tuple[int, int, list[str], str]]],
) -> None:
    text, spans = made
    with tempfile.TemporaryDirectory() as folder:
        docs = [as_doc(Path(folder), text, spans)]
        for fmt in LABEL_FORMATS:
            store = AnnotationStore(Path(folder) / f"store-{fmt}")
            first = exported(docs, fmt)
            if not first:  # nothing to write (a passage of only whitespace, in CoNLL)
                continue
            import_annotations(first, bare(docs), store)
            back = from_store(store, bare(docs))
            assert again(back, fmt) == again(docs, fmt), fmt
