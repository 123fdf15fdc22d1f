"""The ``lectern`` command: open the reader, or script the index from a shell.

``lectern [PATH...]`` opens the Textual app (imported only in that branch, so the scripting
subcommands start fast and never load Textual). ``index``, ``search`` and ``paths`` work on the
same index and the same rules as the app. With no PATH, the bundled seeds are used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from tui import __version__
from tui.core.annotations import COLORS, Annotation, AnnotationStore, DocumentRef, open_annotations
from tui.core.export import FORMATS
from tui.core.library import Library, read_text
from tui.core.paths import HOME_VARIABLE, Paths
from tui.core.sanitize import visible

SUBCOMMANDS = ("index", "search", "paths", "annotations", "export", "import")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lectern`` console script and ``python -m tui``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        parsed = _subcommand_parser().parse_args(args)
        handlers = {
            "index": _index,
            "search": _search,
            "paths": _paths,
            "annotations": _annotations,
            "export": _export,
            "import": _import,
        }
        handler = handlers[parsed.command]
        try:
            return handler(parsed, Paths.from_environment())
        except KeyboardInterrupt:
            return 130
    parsed = _reader_parser().parse_args(args)
    return _open_reader(parsed.paths)


def _reader_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lectern",
        description="An offline reading room for a folder of documents. "
        f"Subcommands: {', '.join(SUBCOMMANDS)} (lectern SUBCOMMAND --help).",
    )
    parser.add_argument("--version", action="version", version=f"lectern {__version__}")
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="folders or files (default: bundled seeds)"
    )
    return parser


def _subcommand_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lectern")
    commands = parser.add_subparsers(dest="command", required=True)
    index = commands.add_parser("index", help="bring the index up to date and report")
    index.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    index.add_argument("--rebuild", action="store_true", help="rebuild the index from scratch")
    search = commands.add_parser("search", help="search the corpus")
    search.add_argument("query")
    search.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    search.add_argument("--limit", type=_positive, default=10)
    search.add_argument("--sort", choices=("relevance", "date", "title"), default="relevance")
    search.add_argument("--json", action="store_true", help="print a JSON list of results")
    commands.add_parser("paths", help="where config, data and cache live")
    _annotations_parser(commands.add_parser("annotations", help="list, add or verify annotations"))
    export = commands.add_parser(
        "export", help="export annotations (markdown, json, jsonl, doccano, csv, w3c)"
    )
    export.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    export.add_argument("--format", "-f", required=True, choices=FORMATS)
    export.add_argument("--tag", action="append", default=[], metavar="T", help="only passages with this tag")
    export.add_argument("--color", choices=COLORS, help="only passages in this colour")
    export.add_argument("--doc", metavar="ID", help="only this document")
    export.add_argument("--full-text", action="store_true", help="markdown: whole documents, passages marked")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")
    imported = commands.add_parser("import", help="import lectern json, W3C JSON-LD or a Hypothesis export")
    imported.add_argument("file", type=Path, metavar="FILE")
    imported.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    return parser


def _annotations_parser(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every annotation of the corpus")
    listing.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    listing.add_argument("--doc", metavar="ID", help="only this document")
    listing.add_argument("--tag", action="append", default=[], metavar="T", help="only with this tag")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    add = actions.add_parser("add", help="annotate a passage of a document")
    add.add_argument("doc", metavar="DOC_ID")
    add.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    add.add_argument("--exact", required=True, help="the passage, quoted exactly")
    add.add_argument("--occurrence", type=_positive, default=1, metavar="N", help="which occurrence (1)")
    add.add_argument("--note", default="")
    add.add_argument("--tag", action="append", default=[], metavar="T")
    add.add_argument("--color", choices=COLORS, default=COLORS[0])
    verify = actions.add_parser("verify", help="annotations whose document changed since they were made")
    verify.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    verify.add_argument("--json", action="store_true", help="print a JSON list")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _open_reader(inputs: Sequence[Path]) -> int:
    from tui.ui.app import run_app  # the only place the CLI loads Textual

    return run_app(Paths.from_environment(), inputs)


# --------------------------------------------------------------------------- index


def _index(args: argparse.Namespace, paths: Paths) -> int:
    library = Library.open(paths, args.paths)
    done = _run_indexer(library, args.rebuild, progress=sys.stderr.isatty())
    if done is None:
        return EXIT_FAILED
    _print_report(done, sys.stdout)
    return EXIT_OK


def _run_indexer(library: Library, rebuild: bool, progress: bool) -> dict[str, Any] | None:
    """Run the indexer with a progress bar; the ``done`` event, or None after an error."""
    bar: Any = None
    done: dict[str, Any] | None = None
    try:
        for event in library.update(rebuild):
            kind = event["event"]
            if kind == "start" and progress and event["total"]:
                bar = _progress_bar(event["bytes"], event["total"])
            elif kind == "progress" and bar is not None:
                bar.update(event["bytes"] - bar.n)
                bar.set_postfix_str(f"docs {event['done']}/{event['total']}", refresh=True)
            elif kind == "done":
                done = event
            elif kind == "error":
                print(f"lectern: indexing failed: {event['message']}", file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
    return done


def _progress_bar(total_bytes: int, total_docs: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total_bytes,
        unit="B",
        unit_scale=True,
        unit_divisor=1000,
        desc="indexing",
        file=sys.stderr,
        postfix=f"docs 0/{total_docs}",
        bar_format=(
            "{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{rate_fmt}, {remaining} left, {postfix}]"
        ),
    )


def _print_report(done: dict[str, Any], out: TextIO) -> None:
    if done.get("rebuilt") and done["rebuilt"] not in ("no index yet", "rebuild requested"):
        out.write(f"note: index rebuilt: {done['rebuilt']}\n")
    out.write(
        f"indexed {done['indexed']}, updated {done['updated']}, removed {done['removed']}, "
        f"unchanged {done['unchanged']}, skipped {len(done['skipped'])} "
        f"({done['documents']} documents in the index, {done['seconds']:.2f} s)\n"
    )
    for item in done["skipped"]:
        out.write(f"  skipped {visible(item['path'])}: {item['reason']}\n")
    for item in done["problems"]:
        out.write(f"  warning {visible(item['path'])}: {visible(item['problem'])}\n")


# --------------------------------------------------------------------------- search


def _search(args: argparse.Namespace, paths: Paths) -> int:
    from tui.core.results import IndexUnavailable, QueryError

    library = Library.open(paths, args.paths)
    done = _run_indexer(library, rebuild=False, progress=sys.stderr.isatty())
    if done is None:
        return EXIT_FAILED
    if done["skipped"] or done["problems"] or (done.get("rebuilt") or "").startswith("index was"):
        _print_report(done, sys.stderr)
    index = library.open_index()
    try:
        results = index.search(args.query, limit=args.limit, sort=args.sort)
    except QueryError as error:
        print(f"lectern: {error}", file=sys.stderr)
        return EXIT_USAGE
    except IndexUnavailable as error:
        print(f"lectern: the index cannot be read ({error}); run 'lectern index --rebuild'", file=sys.stderr)
        return EXIT_FAILED
    finally:
        index.close()
    if args.json:
        json.dump([_as_json(hit) for hit in results.hits], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_results(results, args.sort, sys.stdout)
    return EXIT_OK


def _as_json(hit: Any) -> dict[str, Any]:
    return {
        "id": hit.id,
        "title": hit.title,
        "path": hit.path,
        "date": hit.date,
        "source": hit.source,
        "tags": list(hit.tags),
        "score": round(hit.score, 4),
        "hits": hit.hits,
        "snippet": hit.snippet,
        "marks": [list(m) for m in hit.marks],
    }


def _print_results(results: Any, sort: str, out: TextIO) -> None:
    color = out.isatty() and "NO_COLOR" not in os.environ
    shown = len(results.hits)
    noun = "result" if results.total == 1 else "results"
    out.write(f"{results.total} {noun} for {visible(results.query)!r}")
    out.write(f" (showing {shown}, by {sort})\n" if shown < results.total else f" (by {sort})\n")
    if results.suggestion:
        out.write(f"did you mean: {visible(results.suggestion)}\n")
    for number, hit in enumerate(results.hits, 1):
        meta = " · ".join(x for x in (hit.date, visible(hit.source), f"{hit.hits} hits") if x)
        out.write(f"\n{number:>3}. {_bold(visible(hit.title), color)}  {meta}\n")
        out.write(f"     {visible(hit.id)}\n")
        if hit.snippet:
            out.write(f"     {_marked(hit.snippet, hit.marks, color)}\n")


def _bold(text: str, color: bool) -> str:
    return f"\x1b[1m{text}\x1b[0m" if color else text


def _marked(snippet: str, marks: Iterable[tuple[int, int]], color: bool) -> str:
    """The snippet, with hits in reverse video on a terminal and [brackets] elsewhere."""
    safe = visible(snippet)
    opening, closing = ("\x1b[7m", "\x1b[27m") if color else ("[", "]")
    pieces, last = [], 0
    for start, end in marks:
        pieces += [safe[last:start], opening, safe[start:end], closing]
        last = end
    pieces.append(safe[last:])
    return "".join(pieces)


# --------------------------------------------------------------------------- annotations


def _annotations(args: argparse.Namespace, paths: Paths) -> int:
    library = Library.open(paths, args.paths)
    if _run_indexer(library, rebuild=False, progress=False) is None:
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
    """List the annotations made on another version of their document's text, and how each fared."""
    rows = [
        (found.document, a)
        for found in library.annotated(store)
        for a in found.annotations
        if a.sha256 != found.document.sha256 or a.anchor != "anchored"
    ]
    if args.json:
        return _print_json(rows)
    for doc, a in rows:
        quote = _one_line(a.target.exact, 60)
        where = f"{a.start}-{a.end}" if a.anchor != "orphaned" else "no longer in the text"
        print(f"{a.anchor:<9} {visible(doc.id)}:{where}  “{visible(quote)}”")
    statuses = sorted({a.anchor for _, a in rows})
    counts = ", ".join(f"{sum(a.anchor == s for _, a in rows)} {s}" for s in statuses)
    print(
        f"{len(rows)} annotation(s) made on another version of their document"
        + (f": {counts}" if rows else ""),
        file=sys.stderr,
    )
    return EXIT_OK


def _list_annotations(args: argparse.Namespace, library: Library, store: AnnotationStore) -> int:
    wanted = set(args.tag)
    rows = [
        (found.document, a)
        for found in library.annotated(store)
        if args.doc in (None, found.document.id)
        for a in found.annotations
        if wanted <= set(a.tags)
    ]
    if args.json:
        return _print_json(rows)
    for doc, a in rows:
        quote = _one_line(a.target.exact, 70)
        tags = f"  #{' #'.join(a.tags)}" if a.tags else ""
        print(f"{visible(doc.id)}:{a.start}-{a.end}  [{a.color}, {a.anchor}]{visible(tags)}")
        print(f"    “{visible(quote)}”")
        if a.note:
            print(f"    note: {visible(' '.join(a.note.split()))}")
    print(f"{len(rows)} annotation{'s' if len(rows) != 1 else ''}", file=sys.stderr)
    return EXIT_OK


def _print_json(rows: list[tuple[DocumentRef, Annotation]]) -> int:
    json.dump([_annotation_json(doc, a) for doc, a in rows], sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _annotation_json(doc: DocumentRef, a: Annotation) -> dict[str, Any]:
    return {"document": doc.id, "title": doc.title, "path": doc.path, **a.to_dict()}


def _add_annotation(args: argparse.Namespace, library: Library, store: AnnotationStore) -> int:
    ref = next((r for r in library.references() if r.id == args.doc), None)
    text = read_text(ref.path) if ref else None
    if ref is None or text is None:
        print(
            f"lectern: no readable document {args.doc!r} in this corpus (see 'lectern search')",
            file=sys.stderr,
        )
        return EXIT_USAGE
    start = -1
    for _ in range(args.occurrence):
        start = text.find(args.exact, start + 1) if args.exact else -1
        if start < 0:
            print(
                f"lectern: {args.doc} has fewer than {args.occurrence} occurrence(s) of that passage",
                file=sys.stderr,
            )
            return EXIT_USAGE
    open_annotations(store, ref, text)  # re-anchor what is there before adding
    annotation = Annotation.create(
        text,
        start,
        start + len(args.exact),
        sha256=ref.sha256,
        note=args.note,
        tags=args.tag,
        color=args.color,
    )
    store.save(ref, annotation)
    json.dump(_annotation_json(ref, annotation), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


# --------------------------------------------------------------------------- export and import


def _export(args: argparse.Namespace, paths: Paths) -> int:
    from tui.core.export import export, gather, left_out, select

    library = Library.open(paths, args.paths)
    if _run_indexer(library, rebuild=False, progress=False) is None:
        return EXIT_FAILED
    store = library.annotation_store()
    docs = select(gather(library, store), tags=args.tag, color=args.color, doc_id=args.doc)
    text = export(docs, args.format, full_text=args.full_text)
    _report_problems(store)
    for line in left_out(docs, args.format):
        print(f"lectern: {visible(line)}", file=sys.stderr)
    passages = sum(len(d.annotations) for d in docs)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8", newline="")
        except OSError as error:
            print(f"lectern: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
            return EXIT_FAILED
    where = f" to {args.output}" if args.output else ""
    print(
        f"exported {passages} passage(s) from {len(docs)} document(s) as {args.format}{where}",
        file=sys.stderr,
    )
    return EXIT_OK


def _import(args: argparse.Namespace, paths: Paths) -> int:
    from tui.core.export import ImportFormatError, gather, import_annotations

    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"lectern: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    library = Library.open(paths, args.paths)
    if _run_indexer(library, rebuild=False, progress=False) is None:
        return EXIT_FAILED
    store = library.annotation_store()
    try:
        report = import_annotations(data, gather(library, store, annotated_only=False), store)
    except ImportFormatError as error:
        print(f"lectern: nothing imported: {visible(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    _report_problems(store)
    print(
        f"imported {report.total}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.orphaned)} kept as orphans"
    )
    for line in report.orphaned:
        print(f"  orphan: {visible(line)}")
    if report.added or report.updated:
        _run_indexer(library, rebuild=False, progress=False)  # notes and tags are searchable at once
    return EXIT_OK


# --------------------------------------------------------------------------- paths


def _paths(_: argparse.Namespace, paths: Paths) -> int:
    redirected = os.environ.get(HOME_VARIABLE)
    print(f"config  {paths.config}")
    print(f"data    {paths.data}")
    print(f"cache   {paths.cache}")
    if redirected:
        print(f"(all three under {HOME_VARIABLE}={redirected})")
    return EXIT_OK
