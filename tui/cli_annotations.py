"""The annotation subcommands: ``lectern annotations list|add|verify``, ``export`` and ``import``.

They work on the same store, with the same re-anchoring, as the reading room; ``tui.cli``
parses the command line and hands them the arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tui.cli import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    os_reason,
    run_indexer,
    say,
    update_index,
    write_failure,
)
from tui.cli_report import counted
from tui.core.annotation_store import AnnotationStore
from tui.core.annotation_tracking import open_annotations
from tui.core.annotations import Annotation, AnnotationSet, DocumentRef
from tui.core.library import Library, read_text
from tui.core.paths import Paths
from tui.core.sanitize import visible

# --------------------------------------------------------------------------- annotations


def annotations_command(args: argparse.Namespace, paths: Paths) -> int:
    library = Library.open(paths, args.paths)
    if update_index(library) is None:
        return EXIT_FAILED
    store = library.annotation_store()
    action = {"add": _add_annotation, "list": _list_annotations, "verify": _verify_annotations}[args.action]
    code = action(args, library, store)
    _report_problems(store)
    return code


def _report_problems(store: AnnotationStore) -> None:
    for problem in store.problems:
        print(f"lectern: {visible(problem)}", file=sys.stderr)
    store.problems.clear()


def _verify_annotations(args: argparse.Namespace, library: Library, store: AnnotationStore) -> int:
    """List the annotations made on another version of their document's text, and how each fared,
    and those whose document is missing or unreadable (kept, never dropped)."""
    rows = [
        (found, a)
        for found in library.annotated(store, with_missing=True)
        for a in found.annotations
        if found.document_status != "present" or a.sha256 != found.document.sha256 or a.anchor != "anchored"
    ]
    if args.json:
        return _print_json(rows)
    for found, a in rows:
        quote = _one_line(a.target.exact, 60)
        where = f"{a.start}-{a.end}" if a.anchor != "orphaned" else "no longer in the text"
        kept = found.document_status
        status, mark = (a.anchor, "") if kept == "present" else (kept, f"  [document {kept}]")
        print(f"{status:<9} {visible(found.document.id)}:{where}  “{visible(quote)}”{mark}")
    changed = [a.anchor for found, a in rows if found.document_status == "present"]
    counts = ", ".join(f"{changed.count(s):,} {s}" for s in sorted(set(changed)))
    print(
        f"{counted(len(changed), 'annotation')} made on another version of their document"
        + (f": {counts}" if changed else ""),
        file=sys.stderr,
    )
    if len(rows) > len(changed):
        gone = len(rows) - len(changed)
        print(f"{counted(gone, 'annotation')} of a missing or unreadable document", file=sys.stderr)
    return EXIT_OK


def _list_annotations(args: argparse.Namespace, library: Library, store: AnnotationStore) -> int:
    wanted = set(args.tag)
    rows = [
        (found, a)
        for found in library.annotated(store, with_missing=True)
        if args.doc in (None, found.document.id)
        for a in found.annotations
        if wanted <= set(a.tags)
    ]
    if args.json:
        return _print_json(rows)
    for found, a in rows:
        quote = _one_line(a.target.exact, 70)
        tags = f"  #{' #'.join(a.tags)}" if a.tags else ""
        gone = "" if found.document_status == "present" else f"  [document {found.document_status}]"
        print(visible(f"{found.document.id}:{a.start}-{a.end}  [{a.color}, {a.anchor}]{tags}{gone}"))
        print(f"    “{visible(quote)}”")
        if a.note:
            print(f"    note: {visible(' '.join(a.note.split()))}")
    missing = sum(found.document_status != "present" for found, _ in rows)
    print(
        counted(len(rows), "annotation")
        + (f" ({missing:,} of a missing or unreadable document)" if missing else ""),
        file=sys.stderr,
    )
    return EXIT_OK


def _print_json(rows: list[tuple[AnnotationSet, Annotation]]) -> int:
    listed = [_annotation_json(found.document, a, found.document_status) for found, a in rows]
    json.dump(listed, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _annotation_json(doc: DocumentRef, a: Annotation, status: str = "present") -> dict[str, Any]:
    """An annotation and its document; ``document_status``: present, missing or unreadable."""
    return {
        "document": doc.id,
        "title": doc.title,
        "path": doc.path,
        "document_status": status,
        **a.to_dict(),
    }


def annotator_name(args: argparse.Namespace, paths: Paths) -> str:
    """Who the command's annotations are by: ``--as NAME``, else ``annotator`` in config.yaml, else
    the login name (as in the app)."""
    from tui.core.settings import Settings

    if args.annotator and args.annotator.strip():
        return str(args.annotator).strip()
    settings = Settings.load(paths.config_file)
    if settings.problem:
        say(visible(settings.problem))
    return settings.annotator_name()


def _add_annotation(args: argparse.Namespace, library: Library, store: AnnotationStore) -> int:
    ref = next((r for r in library.references() if r.id == args.doc), None)
    text = read_text(ref.path) if ref else None
    if ref is None or text is None:
        say(f"no readable document {visible(repr(args.doc))} in this corpus (see 'lectern search')")
        return EXIT_USAGE
    start = -1
    for _ in range(args.occurrence):
        start = text.find(args.exact, start + 1) if args.exact else -1
        if start < 0:
            fewer = counted(args.occurrence, "occurrence")
            say(f"{visible(args.doc)} has fewer than {fewer} of that passage")
            return EXIT_USAGE
    annotation = Annotation.create(
        text,
        start,
        start + len(args.exact),
        sha256=ref.sha256,
        note=args.note,
        tags=args.tag,
        color=args.color,
        annotator=annotator_name(args, library.paths),
    )
    try:
        open_annotations(store, ref, text)  # re-anchor what is there before adding
        store.save(ref, annotation)
    except OSError as error:  # each write is atomic: the annotations already there are intact
        say(f"the annotation was not saved: {write_failure(error, store.folder)}")
        return EXIT_FAILED
    json.dump(_annotation_json(ref, annotation), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


# --------------------------------------------------------------------------- export and import


def export_command(args: argparse.Namespace, paths: Paths) -> int:
    from tui.core.exchange import FOLDERS, export, export_files, gather, left_out, select, write_folder

    if args.format in FOLDERS and args.output is None:
        say(f"{args.format} writes a folder of files (a .txt and an .ann per document): give -o FOLDER")
        return EXIT_USAGE
    library = Library.open(paths, args.paths)
    if update_index(library) is None:
        return EXIT_FAILED
    store = library.annotation_store()
    docs = select(
        gather(library, store), tags=args.tag, color=args.color, doc_id=args.doc, annotator=args.annotator
    )
    folder = args.format in FOLDERS
    text = "" if folder else export(docs, args.format, full_text=args.full_text)
    _report_problems(store)
    notes = left_out(docs, args.format)
    for line in notes:
        print(f"lectern: {visible(line)}", file=sys.stderr)
    some_left = " (not all of them written: see above)" if any("left out" in n for n in notes) else ""
    passages = sum(len(d.annotations) for d in docs)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            if folder:  # brat: a .txt and an .ann per document, none replacing a file there
                write_folder(args.output, export_files(docs, args.format))
            else:
                args.output.write_text(text, encoding="utf-8", newline="")
        except OSError as error:
            say(f"cannot write {os_reason(error, args.output)}")
            return EXIT_FAILED
    where = f" to {args.output}" if args.output else ""
    print(
        f"exported {counted(passages, 'passage')} from {counted(len(docs), 'document')}"
        f" as {args.format}{where}{some_left}",
        file=sys.stderr,
    )
    return EXIT_OK


def import_command(args: argparse.Namespace, paths: Paths) -> int:
    from tui.core.exchange import ImportFormatError, gather, import_annotations, read_input

    try:  # a file, or a folder of brat files
        data = read_input(args.file)
    except OSError as error:
        say(f"cannot read {os_reason(error, args.file)}")
        return EXIT_USAGE
    except ImportFormatError as error:
        say(f"nothing imported: {visible(str(error))}")
        return EXIT_USAGE
    library = Library.open(paths, args.paths)
    if update_index(library) is None:
        return EXIT_FAILED
    store = library.annotation_store()
    try:
        corpus = gather(library, store, annotated_only=False)
        report = import_annotations(data, corpus, store, annotator=(args.annotator or "").strip())
    except ImportFormatError as error:
        say(f"nothing imported: {visible(str(error))}")
        return EXIT_USAGE
    except OSError as error:  # each document's file is written atomically: none is left half-done
        kept = "what it saved is kept; importing again is safe"
        say(f"import stopped: {write_failure(error, store.folder)} ({kept})")
        return EXIT_FAILED
    _report_problems(store)
    print(
        f"imported {report.total:,}: {report.added:,} added, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged, {len(report.orphaned):,} kept as orphans"
    )
    for line in report.orphaned:
        print(f"  orphan: {visible(line)}")
    if report.added or report.updated:  # notes and tags are searchable at once
        outcome = run_indexer(library, rebuild=False, progress=False)
        if outcome["event"] != "done":
            reason = visible(outcome["message"])
            say(f"the index could not be updated ({reason}); searched notes may be out of date")
    return EXIT_OK
