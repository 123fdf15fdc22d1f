"""``lectern agreement``: how far the annotators of a corpus agree, pair by pair, and where not.

The figures come from ``tui.core.agreement`` (its docstring defines them: span precision, recall
and F1 by exact and by overlap matching, Cohen's kappa over lectern's tokens); this module reads
the corpus as the other annotation subcommands do (index brought up to date, annotations
re-anchored) and prints a table per pair, then the disagreements, or all of it as JSON. Labels,
names and quotes come from files and are printed through ``visible`` (no terminal escapes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Literal

from tui.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say, update_index
from tui.cli_report import counted
from tui.core.agreement import OUTSIDE, Disagreement, Figures, Pair, Report, Span, agreement, shown
from tui.core.annotations import DocumentRef
from tui.core.library import Library, read_text
from tui.core.paths import Paths
from tui.core.sanitize import visible

Matching = Literal["exact", "overlap"]
QUOTE_WIDTH = 40


def agreement_arguments(parser: argparse.ArgumentParser) -> None:
    """``lectern agreement [PATH...] [--label L]... [--annotators A,B] [--exact|--overlap] [--json]``."""
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="folders or files (default: bundled seeds)"
    )
    parser.add_argument("--label", action="append", default=[], metavar="L", help="only this label (a tag)")
    parser.add_argument(
        "--annotators",
        type=_names,
        metavar="A,B",
        help="compare these (two or more, comma-separated; default: everyone but gold)",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--exact", action="store_true", help="only the figures of exact matching")
    which.add_argument("--overlap", action="store_true", help="only the figures of overlap matching")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _names(text: str) -> list[str]:
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if len(names) < 2:
        raise argparse.ArgumentTypeError("name two annotators or more, comma-separated (ada,bob)")
    return names


def agreement_command(args: argparse.Namespace, paths: Paths) -> int:
    library = Library.open(paths, args.paths)
    if update_index(library) is None:
        return EXIT_FAILED
    store = library.annotation_store()
    sets = library.annotated(store)
    for problem in store.problems:
        say(visible(problem))
    everyone = agreement(sets, _text_of, labels=args.label, annotators=[]).annotators
    unknown = [name for name in args.annotators or () if name not in everyone]
    if unknown:
        known = ", ".join(visible(n) for n in everyone) or "none yet"
        say(f"no annotations by {visible(', '.join(unknown))} in this corpus (annotators: {known})")
        return EXIT_USAGE
    report = agreement(sets, _text_of, labels=args.label, annotators=args.annotators)
    matchings: tuple[Matching, ...] = ("exact",) if args.exact else ("overlap",) if args.overlap else ()
    matchings = matchings or ("exact", "overlap")
    if args.json:
        json.dump(report_json(report, matchings, args.label), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for number, pair in enumerate(report.pairs):
            if number:
                sys.stdout.write("\n")
            sys.stdout.write(pair_text(pair, matchings))
    _say_left_out(report)
    return EXIT_OK


def _text_of(document: DocumentRef) -> str | None:
    return read_text(document.path)


def _say_left_out(report: Report) -> None:
    if not report.pairs:
        found = ", ".join(visible(n) for n in report.annotators)
        have = f"found {len(report.annotators)}: {found}" if report.annotators else "found none"
        say(f"agreement needs annotations by two annotators or more ({have}); add some with --as NAME")
    left = []
    if report.suggested:
        left.append(counted(report.suggested, "suggested annotation"))
    if report.unattributed:
        left.append(counted(report.unattributed, "annotation") + " without an annotator")
    if left:
        print(f"left out: {' and '.join(left)}", file=sys.stderr)


# --------------------------------------------------------------------------- text


def pair_text(pair: Pair, matchings: tuple[Matching, ...]) -> str:
    """The table of one pair, the documents skipped, and its disagreements."""
    first, second = visible(pair.first), visible(pair.second)
    skipped = f" ({len(pair.skipped):,} skipped: annotated by one of them only)" if pair.skipped else ""
    documents = f"{counted(len(pair.documents), 'document')}, {counted(pair.overall.tokens, 'token')}"
    lines = [f"{first} vs {second}: {documents}{skipped}"]
    header = ["label", first, second]
    for matching in matchings:
        header += [matching, "P", "R", "F1"]
    header.append("kappa")
    rows = [_row(f, matchings) for f in (*pair.labels, pair.overall)]
    lines += _columns([header, *rows])
    for doc_id, who in pair.skipped:
        lines.append(f"  skipped {visible(doc_id)}: only {visible(who)} annotated it")
    if pair.disagreements:
        lines.append("")
        lines.append(f"{counted(len(pair.disagreements), 'disagreement')}:")
        table = [_disagreement_cells(d, pair) for d in pair.disagreements]
        lines += ["  " + line for line in _columns(table, header_rule=False)]
    return "\n".join(lines) + "\n"


def _row(figures: Figures, matchings: tuple[Matching, ...]) -> list[str]:
    cells = [visible(figures.label) if figures.label is not None else "all"]
    cells += [f"{figures.first_spans:,}", f"{figures.second_spans:,}"]
    for matching in matchings:
        cells.append(f"{getattr(figures, matching):,}")
        cells += [shown(figures.precision(matching)), shown(figures.recall(matching))]
        cells.append(shown(figures.f1(matching)))
    cells.append(shown(figures.kappa))
    return cells


def _columns(rows: list[list[str]], header_rule: bool = True) -> list[str]:
    """Rows as aligned columns: the first left-aligned, numbers right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            numeric = header_rule and i > 0
            cells.append(cell.rjust(widths[i]) if numeric else cell.ljust(widths[i]))
        lines.append("  ".join(cells).rstrip())
        if header_rule and n == 0:
            lines.append("-" * len(lines[-1]))
    return lines


def _disagreement_cells(d: Disagreement, pair: Pair) -> list[str]:
    return [
        d.kind,
        visible(d.doc_id),
        visible("/".join(d.labels)),
        f"{visible(pair.first)} {_span_text(d.first)}",
        f"{visible(pair.second)} {_span_text(d.second)}",
    ]


def _span_text(span: Span | None) -> str:
    if span is None:
        return "—"
    quote = " ".join(span.quote.split())
    quote = quote if len(quote) <= QUOTE_WIDTH else quote[: QUOTE_WIDTH - 1] + "…"
    return f"{span.start}-{span.end} “{visible(quote)}”"


# --------------------------------------------------------------------------- JSON


def report_json(report: Report, matchings: tuple[Matching, ...], labels: list[str]) -> dict[str, Any]:
    """The whole report for machines: every pair's figures, skipped documents and disagreements."""
    return {
        "annotators": list(report.annotators),
        "labels": list(labels),
        "outside": OUTSIDE,
        "left_out": {"suggested": report.suggested, "without_annotator": report.unattributed},
        "pairs": [_pair_json(pair, report, matchings) for pair in report.pairs],
    }


def _pair_json(pair: Pair, report: Report, matchings: tuple[Matching, ...]) -> dict[str, Any]:
    return {
        "first": pair.first,
        "second": pair.second,
        "documents": list(pair.documents),
        "skipped": [{"document": d, "annotated_by": who} for d, who in pair.skipped],
        "overall": _figures_json(pair.overall, matchings),
        "per_label": [_figures_json(f, matchings) for f in pair.labels],
        "disagreements": [_disagreement_json(d, report) for d in pair.disagreements],
    }


def _figures_json(figures: Figures, matchings: tuple[Matching, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "label": figures.label,
        "first_spans": figures.first_spans,
        "second_spans": figures.second_spans,
    }
    for matching in matchings:
        found[matching] = {
            "matched": getattr(figures, matching),
            "precision": figures.precision(matching),
            "recall": figures.recall(matching),
            "f1": figures.f1(matching),
        }
    found.update(kappa=figures.kappa, tokens=figures.tokens)
    return found


def _disagreement_json(d: Disagreement, report: Report) -> dict[str, Any]:
    ref = report.documents.get(d.doc_id)
    return {
        "document": d.doc_id,
        "title": ref.title if ref else "",
        "kind": d.kind,
        "labels": list(d.labels),
        "first": _span_json(d.first),
        "second": _span_json(d.second),
    }


def _span_json(span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "quote": span.quote,
        "annotation": span.annotation.id,
    }
