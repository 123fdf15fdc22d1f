"""``lectern labels``: the corpus's label set (``tui.core.labels``), listed, added to, removed from.

``lectern labels [PATH...]`` lists each label (key, name, colour, how many spans in the corpus
carry it, description) and prints where the file is; ``lectern labels add NAME [--key K]
[--color C] [--description D] [PATH...]`` and ``lectern labels remove NAME [PATH...]`` change it.
The file is the one the reading room uses for the same corpus. A file with problems is reported
(stderr) and used as far as it can be, and left as it is: ``add`` and ``remove`` refuse to write
it until it is fixed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from tui.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _input_problem, say, update_index, write_failure
from tui.core.colors import COLORS
from tui.core.labels import LabelError, LabelFile, LabelSet, change_labels, labels_file, load_labels
from tui.core.library import Library
from tui.core.paths import Paths
from tui.core.sanitize import visible

ACTIONS = ("list", "add", "remove")


def labels_command(args: list[str], paths: Paths) -> int:
    """``lectern labels [list|add|remove] ...``: the arguments after ``labels``."""
    action = args[0] if args and args[0] in ACTIONS else "list"
    rest = args[1:] if args and args[0] in ACTIONS else args
    parsed = _parser(action).parse_intermixed_args(rest)
    problem = _input_problem(parsed.paths)
    if problem is not None:
        say(problem)
        return EXIT_USAGE
    library = Library.open(paths, parsed.paths)
    found = load_labels(labels_file(paths.config, library.inputs))
    for line in found.problems:
        say(visible(line))
    if action == "list":
        return _list(parsed, library, found)
    return _change(parsed, action, found)


def _parser(action: str) -> argparse.ArgumentParser:
    prog = "lectern labels" + ("" if action == "list" else f" {action}")
    summaries = {
        "list": "the corpus's labels, how many spans carry each, and where the label file is",
        "add": "add a label (its key and colour are chosen when not given)",
        "remove": "remove a label (the spans labelled with it keep their tag)",
    }
    parser = argparse.ArgumentParser(prog=prog, description=summaries[action])
    if action != "list":
        parser.add_argument("name", metavar="NAME")
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="folders or files (default: bundled seeds)"
    )
    if action == "add":
        parser.add_argument("--key", default="", metavar="K", help="one character (default: a free one)")
        parser.add_argument("--color", choices=COLORS, default="", help="default: the next in turn")
        parser.add_argument("--description", default="", metavar="D")
    if action == "list":
        parser.add_argument("--json", action="store_true", help="print a JSON object")
    return parser


def _list(args: argparse.Namespace, library: Library, found: LabelFile) -> int:
    counts, suggested = _counts(library, found.labels)
    if counts is None:
        return EXIT_FAILED
    if args.json:
        listed = [
            {
                "name": label.name,
                "key": label.key,
                "color": label.color,
                "description": label.description,
                "spans": counts[label.name],
                "suggested": suggested[label.name],
            }
            for label in found.labels
        ]
        json.dump({"file": str(found.path), "labels": listed}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not len(found.labels):
        print(f"no labels yet ('lectern labels add NAME'); label file: {visible(str(found.path))}")
        return EXIT_OK
    width = max(len(visible(label.name)) for label in found.labels)
    print(f"key  {'label':<{width}}  colour  spans  description")
    for label in found.labels:
        spans = f"{counts[label.name]:>5,}"
        if suggested[label.name]:
            spans += f" (+{suggested[label.name]:,} suggested)"
        name, description = visible(label.name), visible(" ".join(label.description.split()))
        print(f"{visible(label.key):<4} {name:<{width}}  {label.color:<6}  {spans}  {description}".rstrip())
    print(f"label file: {visible(str(found.path))}")
    return EXIT_OK


def _counts(library: Library, labels: LabelSet) -> tuple[Counter[str] | None, Counter[str]]:
    """How many spans (annotations) of the corpus carry each label, accepted and suggested."""
    counts: Counter[str] = Counter()
    suggested: Counter[str] = Counter()
    if not len(labels):
        return counts, suggested
    if update_index(library) is None:
        return None, suggested
    store = library.annotation_store()
    names = set(labels.names)
    for found in library.annotated(store):
        for annotation in found.annotations:
            for tag in names.intersection(annotation.tags):
                (suggested if annotation.suggested else counts)[tag] += 1
    for problem in store.problems:
        say(visible(problem))
    return counts, suggested


def _change(args: argparse.Namespace, action: str, found: LabelFile) -> int:
    try:
        if action == "add":
            labels = found.labels.add(args.name, args.key, args.color, args.description)
        else:
            labels = found.labels.remove(args.name)
    except LabelError as error:
        say(visible(str(error)))
        return EXIT_USAGE
    try:
        change_labels(found, labels)
    except LabelError as error:
        say(visible(str(error)))
        return EXIT_FAILED
    except OSError as error:
        say(f"the labels were not saved: {write_failure(error, found.path.parent)}")
        return EXIT_FAILED
    if action == "add":
        label = labels.labels[-1]
        print(f"added {visible(label.name)}: key {visible(label.key)}, {label.color}")
    else:
        print(f"removed {visible(args.name.strip())} (spans labelled with it keep their tag)")
    print(f"label file: {visible(str(found.path))}")
    return EXIT_OK
