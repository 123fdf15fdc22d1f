"""The ``lectern`` command: open the reader, or script the index from a shell.

``lectern [PATH...]`` opens the Textual app (imported only in that branch, so the scripting
subcommands start fast and never load Textual). ``index``, ``search`` and ``paths`` work on the
same index and the same rules as the app. With no PATH, the bundled seeds are used. Options and
paths come in any order (``lectern search foo ~/notes --limit 3``), as people type them.

Scripts and pipelines depend on the exit status and on stderr being one readable line, so
``main`` turns every failure into ``lectern: ...`` and a status, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui import __version__
from tui.cli_report import counted, print_report, remember_report, report_lines, reported
from tui.core.colors import COLORS
from tui.core.library import Library
from tui.core.paths import HOME_VARIABLE, Paths
from tui.core.sanitize import visible

if TYPE_CHECKING:
    from tui.core.search import Results

SUBCOMMANDS = ("index", "search", "paths", "annotations", "export", "import", "agreement", "labels")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT: what a shell reports for a command stopped by Ctrl-C."""
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell reports for ``cat`` or ``grep`` when the reader of their output
(``head``) has gone, so ``set -o pipefail`` scripts treat lectern like any other tool."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lectern`` console script and ``python -m tui``.

    Every failure becomes one ``lectern: ...`` line on stderr and an exit status: 0 ok, 1 failed,
    2 bad input, 130 Ctrl-C, 141 output closed early. ``python -X dev`` shows the traceback of
    an unexpected error instead.
    """
    if argv is None:  # the real command: a SIGTERM (``timeout``, a service) unwinds like Ctrl-C
        signal.signal(signal.SIGTERM, _terminated)
    try:
        code = _dispatch(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # a closed pipe is found here, not by the interpreter at exit
    except BrokenPipeError:
        _discard_output()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:
        if sys.flags.dev_mode:
            raise
        say(os_reason(error) if isinstance(error, OSError) else unexpected(error))
        return EXIT_FAILED
    return code


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through every ``finally``: the indexer child is stopped


def _dispatch(args: list[str]) -> int:
    if not args or args[0] not in SUBCOMMANDS:
        return _open_reader(_reader_parser().parse_intermixed_args(args).paths)
    if args[0] == "labels":  # list, add, remove: its own arguments (no action means list)
        from tui.cli_labels import labels_command

        return labels_command(args[1:], Paths.from_environment())
    parsed = _parse_subcommand(args)
    problem = _input_problem(getattr(parsed, "paths", ()))
    if problem is not None:
        say(problem)
        return EXIT_USAGE
    return _handler(parsed.command)(parsed, Paths.from_environment())


def _handler(command: str) -> Callable[[argparse.Namespace, Paths], int]:
    """The function that runs ``command``; only its own module is imported (``index`` and
    ``search`` need none of the annotation and agreement modules)."""
    if command == "agreement":
        from tui.cli_agreement import agreement_command

        return agreement_command
    if command in ("annotations", "export", "import"):
        from tui import cli_annotations

        return {
            "annotations": cli_annotations.annotations_command,
            "export": cli_annotations.export_command,
            "import": cli_annotations.import_command,
        }[command]
    return {"index": _index, "search": _search, "paths": _paths}[command]


def say(message: str) -> None:
    print(f"lectern: {message}", file=sys.stderr)


def unexpected(error: Exception) -> str:
    where = "python -X dev -m tui shows where"
    return f"unexpected error: {type(error).__name__}: {visible(str(error))} ({where})"


def os_reason(error: OSError, where: object = None) -> str:
    """``PATH: reason`` as Unix tools print it (``where`` when the error names no file)."""
    reason = error.strerror or str(error) or type(error).__name__
    place = error.filename if error.filename is not None else where
    return f"{visible(str(place))}: {reason}" if place is not None else reason


def write_failure(error: OSError, folder: Path) -> str:
    """Why a folder could not be written; its lock and temp files mean nothing to the user."""
    return f"cannot write in {visible(str(folder))}: {error.strerror or error}"


def _discard_output() -> None:
    """Point stdout and stderr at the null device: the interpreter flushes them at exit, and a
    second broken pipe there would print a traceback after all."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # io.UnsupportedOperation is both
            os.dup2(devnull, stream.fileno())


def _input_problem(inputs: Iterable[Path]) -> str | None:
    """Why these paths cannot be read as a corpus (missing, unreadable, not a document), or None."""
    for path in inputs:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            return f"no such file or folder: {visible(str(path))}"
        except OSError as error:
            return f"cannot open {os_reason(error, path)}"
        if not stat.S_ISDIR(mode) and not (stat.S_ISREG(mode) and path.suffix.lower() in _extensions()):
            return f"not a folder or a document lectern reads ({_document_types()}): {visible(str(path))}"
    return None


def _extensions() -> frozenset[str]:
    from tui.core.discovery import EXTENSIONS  # (its formats: imported once the child is started)

    return frozenset(EXTENSIONS)


def _document_types() -> str:
    return ", ".join(sorted(_extensions()))


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
    """Every subcommand, for ``lectern --help`` and for argparse's own errors (an unknown action)."""
    parser = argparse.ArgumentParser(prog="lectern")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (summary, build) in _LEAVES.items():
        if name == "annotations":
            actions = commands.add_parser(name, help=summary).add_subparsers(dest="action", required=True)
            for action, (action_summary, action_build) in _ANNOTATION_LEAVES.items():
                action_build(actions.add_parser(action, help=action_summary))
        else:
            build(commands.add_parser(name, help=summary))
    return parser


def _parse_subcommand(args: list[str]) -> argparse.Namespace:
    """Parse ``lectern SUBCOMMAND ...`` with options and paths in any order.

    argparse's subparsers stop a ``PATH...`` list at the first option, so ``search foo --limit 3
    ~/notes`` would leave ``~/notes`` unrecognised; ``parse_intermixed_args`` takes them in any
    order but refuses subparsers. So the subcommand (and the ``annotations`` action) is read by
    hand and its own parser, standalone, reads the rest.
    """
    command, rest = args[0], args[1:]
    summary, build = _LEAVES[command]
    prog, action = f"lectern {command}", None
    if command == "annotations":
        if not rest or rest[0] not in _ANNOTATION_LEAVES:
            return _subcommand_parser().parse_args(args)  # argparse says what is missing
        action, rest = rest[0], rest[1:]
        summary, build = _ANNOTATION_LEAVES[action]
        prog = f"{prog} {action}"
    parser = argparse.ArgumentParser(prog=prog, description=summary)
    build(parser)
    parsed = parser.parse_intermixed_args(rest)
    parsed.command = command
    if action is not None:
        parsed.action = action
    return parsed


def _paths_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="folders or files (default: bundled seeds)"
    )


def _index_arguments(parser: argparse.ArgumentParser) -> None:
    _paths_argument(parser)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index from scratch")


def _search_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query")
    _paths_argument(parser)
    parser.add_argument("--limit", type=_positive, default=10)
    parser.add_argument("--sort", choices=("relevance", "date", "title"), default="relevance")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print the index report on stderr (else only when a file is skipped for the first time)",
    )


def _no_arguments(_: argparse.ArgumentParser) -> None:
    pass


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    from tui.core.exchange import FORMATS  # the formats' modules load only for a subcommand

    _paths_argument(parser)
    parser.add_argument("--format", "-f", required=True, choices=FORMATS)
    parser.add_argument("--tag", action="append", default=[], metavar="T", help="only passages with this tag")
    parser.add_argument("--color", choices=COLORS, help="only passages in this colour")
    parser.add_argument("--doc", metavar="ID", help="only this document")
    parser.add_argument(
        "--annotator", metavar="NAME", help="only passages by this annotator (gold: the review's)"
    )
    parser.add_argument("--full-text", action="store_true", help="markdown: whole documents, passages marked")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE")
    _paths_argument(parser)
    _as_argument(
        parser,
        "recorded on the annotations the file names no annotator of (default: none, the file as it is)",
    )


def _as_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--as", dest="annotator", metavar="NAME", help=f"who annotated: {help_text}")


def _agreement_arguments(parser: argparse.ArgumentParser) -> None:
    from tui.cli_agreement import agreement_arguments  # it imports this module

    agreement_arguments(parser)


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    _paths_argument(parser)
    parser.add_argument("--doc", metavar="ID", help="only this document")
    parser.add_argument("--tag", action="append", default=[], metavar="T", help="only with this tag")
    parser.add_argument("--json", action="store_true", help="print a JSON list")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("doc", metavar="DOC_ID")
    _paths_argument(parser)
    parser.add_argument("--exact", required=True, help="the passage, quoted exactly")
    parser.add_argument("--occurrence", type=_positive, default=1, metavar="N", help="which occurrence (1)")
    parser.add_argument("--note", default="")
    parser.add_argument("--tag", action="append", default=[], metavar="T")
    parser.add_argument("--color", choices=COLORS, default=COLORS[0])
    _as_argument(parser, "recorded with it (default: 'annotator' in config.yaml, else the login name)")


def _verify_arguments(parser: argparse.ArgumentParser) -> None:
    _paths_argument(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON list")


_Build = Callable[[argparse.ArgumentParser], None]
_LEAVES: dict[str, tuple[str, _Build]] = {
    "index": ("bring the index up to date and report", _index_arguments),
    "search": ("search the corpus", _search_arguments),
    "paths": ("where config, data and cache live", _no_arguments),
    "annotations": ("list, add or verify annotations", _no_arguments),
    "export": ("export annotations (the --format choices list the formats)", _export_arguments),
    "import": (
        "import annotations: lectern json, W3C JSON-LD, Hypothesis, Label Studio, spaCy JSONL, doccano,"
        " brat (a folder) or CoNLL",
        _import_arguments,
    ),
    "agreement": (
        "agreement between annotators, pair by pair, and their disagreements",
        _agreement_arguments,
    ),
}
"""Each subcommand: its summary and what adds its arguments (``annotations`` has actions)."""
_ANNOTATION_LEAVES: dict[str, tuple[str, _Build]] = {
    "list": ("every annotation of the corpus", _list_arguments),
    "add": ("annotate a passage of a document", _add_arguments),
    "verify": ("annotations whose document changed since they were made", _verify_arguments),
}


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _open_reader(inputs: Sequence[Path]) -> int:
    problem = _input_problem(inputs)
    if problem is None and not (_is_terminal(sys.stdin) and _is_terminal(sys.stdout)):
        # Textual without a terminal would wait for keys that never come, using a CPU meanwhile.
        problem = (
            "the reader needs a terminal; in scripts use 'lectern search QUERY [PATH...]', "
            "'lectern index [PATH...]' or 'lectern export'"
        )
    if problem is not None:
        say(problem)
        return EXIT_USAGE
    # Start-up allocates a great deal and frees little, and the cyclic collector's passes over it
    # were a sixth of the time to the first paint: it is paused until the app's first frame, when
    # the app freezes what start-up made (it lives as long as the app) and turns it back on.
    gc.disable()
    from tui.ui.app import run_app  # the only place the CLI loads Textual

    return run_app(Paths.from_environment(), inputs)


def _is_terminal(stream: TextIO | None) -> bool:
    return stream is not None and stream.isatty()


# --------------------------------------------------------------------------- index


def _index(args: argparse.Namespace, paths: Paths) -> int:
    library = Library.open(paths, args.paths)
    outcome = run_indexer(library, args.rebuild, progress=sys.stderr.isatty())
    if outcome["event"] != "done":
        say(f"indexing failed: {visible(outcome['message'])}")
        return EXIT_FAILED
    print_report(outcome, sys.stdout)
    remember_report(library, report_lines(outcome))
    _note_if_empty(library, outcome["documents"])
    return EXIT_OK


def update_index(library: Library, progress: bool = False) -> dict[str, Any] | None:
    """Bring the index up to date before reading it: the indexer's report, or None (said on
    stderr) when there is no index to read.

    When the indexer fails but an earlier run left an index (a read-only cache, say), that index
    is read as it stands, with one warning: an old answer beats none.
    """
    outcome = run_indexer(library, rebuild=False, progress=progress)
    if outcome["event"] != "done":
        catalog = library.catalog()
        if catalog is None:
            say(f"indexing failed: {visible(outcome['message'])}")
            return None
        say(f"the index could not be updated ({visible(outcome['message'])}); results may be out of date")
        outcome = {"event": "done", "documents": len(catalog.entries), "skipped": [], "problems": []}
    _note_if_empty(library, outcome["documents"])
    return outcome


def _note_if_empty(library: Library, documents: int) -> None:
    if not documents:
        where = ", ".join(visible(str(p)) for p in library.inputs)
        say(f"no documents in {where} (lectern reads {_document_types()})")


def run_indexer(library: Library, rebuild: bool, progress: bool) -> dict[str, Any]:
    """Run the indexer child (a progress bar when ``progress``); its last event, ``done`` or
    ``error``. Closing the events stops the child, so it never outlives an early exit."""
    with contextlib.closing(library.update(rebuild)) as events:
        return _follow(events, progress)


def _follow(events: Iterable[dict[str, Any]], progress: bool) -> dict[str, Any]:
    """Read the child's events until ``done`` or ``error`` (returned), showing progress."""
    bar: Any = None
    try:
        for event in events:
            kind = event["event"]
            if kind in ("done", "error"):
                return event
            if kind == "start" and progress and event["total"]:
                bar = _progress_bar(event["bytes"], event["total"])
            elif kind == "progress" and bar is not None:
                bar.update(event["bytes"] - bar.n)
                committing = ", committing" if event.get("phase") == "committing" else ""
                bar.set_postfix_str(f"docs {event['done']}/{event['total']}{committing}", refresh=True)
    finally:
        if bar is not None:
            bar.close()
    return {"event": "error", "message": "the indexer stopped without a report"}


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
            "{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{rate_fmt}, {remaining} left{postfix}]"
        ),
    )


# --------------------------------------------------------------------------- search


def _search(args: argparse.Namespace, paths: Paths) -> int:
    from tui.core.search import IndexUnavailable, QueryError, Results

    library = Library.open(paths, args.paths)
    done = update_index(library, progress=sys.stderr.isatty())
    if done is None:
        return EXIT_FAILED
    lines = report_lines(done)
    news = bool(lines - reported(library)) or (done.get("rebuilt") or "").startswith("index was")
    if args.verbose or news:
        print_report(done, sys.stderr)
    remember_report(library, lines)
    try:
        results = _query(library, args) if done["documents"] else Results(args.query, (), 0)
    except QueryError as error:
        say(visible(str(error)))
        return EXIT_USAGE
    except IndexUnavailable as error:
        say(f"the index cannot be read ({visible(str(error))})")
        return EXIT_FAILED
    if args.json:
        json.dump([_as_json(hit) for hit in results.hits], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_results(results, args.sort, sys.stdout)
    return EXIT_OK


def _query(library: Library, args: argparse.Namespace) -> Results:
    """The results of the query; a damaged index is rebuilt once and the query run again."""
    from tui.core.search import IndexUnavailable

    try:
        return _query_once(library, args)
    except IndexUnavailable as error:
        damage = visible(str(error))
    outcome = run_indexer(library, rebuild=True, progress=sys.stderr.isatty())
    if outcome["event"] != "done":
        raise IndexUnavailable(f"{damage}; rebuilding it failed: {visible(outcome['message'])}")
    say(f"the index was damaged ({damage}); rebuilt")
    return _query_once(library, args)


def _query_once(library: Library, args: argparse.Namespace) -> Results:
    index = library.open_index()
    try:
        return index.search(args.query, limit=args.limit, sort=args.sort)
    finally:
        index.close()


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
        "matched": hit.matched,
    }


def _print_results(results: Any, sort: str, out: TextIO) -> None:
    color = out.isatty() and "NO_COLOR" not in os.environ
    shown = len(results.hits)
    out.write(f"{counted(results.total, 'result')} for {visible(results.query)!r}")
    out.write(f" (showing {shown:,}, by {sort})\n" if shown < results.total else f" (by {sort})\n")
    if results.suggestion:
        out.write(f"did you mean: {visible(results.suggestion)}\n")
    for number, hit in enumerate(results.hits, 1):
        hits = counted(hit.hits, "hit") if hit.hits else ""  # a title or tag match has none in the text
        meta = " · ".join(x for x in (hit.date, visible(hit.source), hits) if x)
        out.write(f"\n{number:>3}. {_bold(visible(hit.title), color)}  {meta}\n")
        out.write(f"     {visible(hit.id)}\n")
        if hit.snippet:
            where = f"in {hit.matched}: " if hit.matched not in ("", "body") else ""
            out.write(f"     {where}{_marked(hit.snippet, hit.marks, color)}\n")


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


# --------------------------------------------------------------------------- paths


def _paths(_: argparse.Namespace, paths: Paths) -> int:
    redirected = os.environ.get(HOME_VARIABLE)
    print(f"config     {paths.config}")
    print(f"data       {paths.data}")
    print(f"cache      {paths.cache}")
    print(f"converted  {paths.converted}  (EPUB, HTML and PDF texts, part of the cache)")
    if redirected:
        print(f"(all three under {HOME_VARIABLE}={redirected})")
    return EXIT_OK
