"""Label sets: the labels a corpus is labelled with, in a YAML file the user edits.

One file per corpus, in the config folder: ``<config>/labels/<corpus key>.yaml``, the corpus key
being the name of the corpus's index folder (``paths.corpus_key``); ``lectern labels`` prints the
path. Each label has a name (the tag its spans carry), a key (one character: pressed in labelling
mode, it labels the selection), a colour of the highlight palette and an optional description:

```yaml
labels:
  - name: claim
    key: c
    color: green
    description: What the author argues
  - name: evidence
    key: f            # colour left out: the next one in turn
```

A label without a key or a colour gets one: the first free letter of its name (else of the home
row), and the palette's colours in turn. What cannot be used is reported, as a broken
``config.yaml`` is, and the file is left as the user wrote it: a name used twice (the second is
left out), a key used twice or one labelling mode uses itself (another is given), an unknown
colour (the next one in turn is used). A file that does not parse is set aside
(``*.corrupt-<time>``) and reported; the corpus then has no labels until some are added. While
the file has problems lectern does not write it (``lectern labels add`` and the app's dialog say
so), so a hand edit is never overwritten by a repaired copy.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tui.core.colors import COLORS
from tui.core.paths import corpus_key
from tui.core.storage import atomic_write_text, set_aside

FOLDER = "labels"
MAX_FILE_CHARS = 1024 * 1024
"""Largest label file read: a few hundred labels take a few KB."""
MAX_NAME_CHARS = 60
MAX_DESCRIPTION_CHARS = 500
RESERVED_KEYS: dict[str, str] = {
    "w": "a motion (next word)",
    "b": "a motion (word back)",
    "e": "a motion (end of word)",
    "(": "a motion (sentence back)",
    ")": "a motion (next sentence)",
    "{": "a motion (paragraph back)",
    "}": "a motion (next paragraph)",
    "0": "a motion (start of the line)",
    "$": "a motion (end of the line)",
    "j": "a motion (line down)",
    "k": "a motion (line up)",
    "g": "a motion (start of the document)",
    "G": "a motion (end of the document)",
    "v": "the selection key",
    "y": "the copy key",
    "u": "the undo key",
    "x": "the key that rejects a suggestion",
    "n": "the next-hit key",
    "N": "the previous-hit key",
    "[": "the previous-annotation key",
    "]": "the next-annotation key",
    "L": "the key that turns labelling mode on and off",
    "P": "the pre-annotation key",
    "?": "the help key",
    "q": "the quit key",
    "/": "the search key",
}
"""Keys labelling mode uses itself, and what for: no label can have one."""
FALLBACK_KEYS = "asdfhl;'qrtiopzcm,.123456789ASDFHJKQWERTYUIOZXCVBM"
"""Where a default key is looked for when no letter of the name is free: the home row first."""


class LabelError(ValueError):
    """A label (or a change to a set) that cannot be used; the message says why."""


@dataclass(frozen=True)
class Label:
    """One label of a set."""

    name: str
    """What the spans labelled with it are tagged."""
    key: str
    """The one character that labels the selection with it in labelling mode."""
    color: str
    """One of ``COLORS``."""
    description: str = ""


@dataclass(frozen=True)
class LabelSet:
    """The labels of a corpus, in the order of the file."""

    labels: tuple[Label, ...] = ()

    def __iter__(self) -> Iterator[Label]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def get(self, name: str) -> Label | None:
        """The label called ``name`` (compared as typed, inner blanks folded)."""
        wanted = clean_name(name)
        return next((label for label in self.labels if label.name == wanted), None)

    def by_key(self, key: str) -> Label | None:
        """The label pressed with ``key``."""
        return next((label for label in self.labels if label.key == key), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def add(self, name: str, key: str = "", color: str = "", description: str = "") -> LabelSet:
        """The set with a new label (its key and colour chosen when not given); ``LabelError``
        when it cannot be added."""
        label = make_label(name, key, color, description, self.labels)
        return LabelSet((*self.labels, label))

    def edit(
        self, old_name: str, name: str, key: str = "", color: str = "", description: str = ""
    ) -> LabelSet:
        """The set with the label ``old_name`` changed (in place); ``LabelError`` when it cannot be."""
        old = self.get(old_name)
        if old is None:
            raise LabelError(f"there is no label {clean_name(old_name)!r}")
        others = tuple(label for label in self.labels if label is not old)
        label = make_label(name, key or old.key, color or old.color, description, others)
        return LabelSet(tuple(label if item is old else item for item in self.labels))

    def remove(self, name: str) -> LabelSet:
        """The set without the label ``name``; ``LabelError`` when there is none."""
        old = self.get(name)
        if old is None:
            raise LabelError(f"there is no label {clean_name(name)!r}")
        return LabelSet(tuple(label for label in self.labels if label is not old))


@dataclass(frozen=True)
class LabelFile:
    """A corpus's label set as read from its file, with what was wrong with the file."""

    path: Path
    labels: LabelSet = field(default_factory=LabelSet)
    problems: tuple[str, ...] = ()
    """What could not be used as written (the file is left as it is), or that it was set aside."""
    writable: bool = True
    """Whether lectern may write the file: not while it has problems the user has to fix."""
    signature: tuple[int, int] | None = None
    """The file's (mtime, size) when read: a later read of an unchanged file can be skipped."""


# --------------------------------------------------------------------------- checking one label


def clean_name(name: str) -> str:
    """A name as stored: blanks around it dropped, inner runs of blanks one space."""
    return " ".join(str(name).split())


def name_problem(name: str) -> str | None:
    """Why ``name`` (cleaned) cannot name a label, or None."""
    if not name:
        return "a label needs a name"
    if len(name) > MAX_NAME_CHARS:
        return f"the label name {name[:20]!r}… is longer than {MAX_NAME_CHARS} characters"
    if "," in name:
        return f"the label name {name!r} holds a comma (tags are separated by commas)"
    if not _printable(name):
        return f"the label name {name!r} holds a control or unencodable character"
    return None


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a label's key, or None."""
    if len(key) != 1:
        return f"the key {key!r} is not one character"
    if key.isspace() or not _printable(key) or unicodedata.category(key).startswith(("M", "C")):
        return f"the key {key!r} is not a visible character"
    reserved = RESERVED_KEYS.get(key)
    if reserved:
        return f"the key {key!r} is {reserved} in labelling mode"
    return None


def color_problem(color: str) -> str | None:
    """Why ``color`` is not a label colour, or None."""
    if color not in COLORS:
        return f"unknown colour {color!r} (the colours are {', '.join(COLORS)})"
    return None


def _printable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029\x85" for ch in text)


def make_label(name: str, key: str, color: str, description: str, others: Sequence[Label]) -> Label:
    """A label that fits beside ``others``: ``LabelError`` for a bad or taken name, key or colour;
    a key and a colour are chosen when not given."""
    name = clean_name(name)
    problem = name_problem(name)
    if problem:
        raise LabelError(problem)
    if any(label.name == name for label in others):
        raise LabelError(f"there is a label {name!r} already")
    if key:
        problem = key_problem(key)
        if problem:
            raise LabelError(problem)
        taken = next((label for label in others if label.key == key), None)
        if taken is not None:
            raise LabelError(f"the key {key!r} labels {taken.name!r} already")
    else:
        key = default_key(name, others)
        if not key:
            raise LabelError(f"no free key for {name!r}: give one")
    if color:
        problem = color_problem(color)
        if problem:
            raise LabelError(problem)
    else:
        color = default_color(others)
    description = str(description).strip()
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise LabelError(f"the description of {name!r} is longer than {MAX_DESCRIPTION_CHARS} characters")
    if not _printable(description.replace("\n", " ").replace("\t", " ")):
        raise LabelError(f"the description of {name!r} holds a control or unencodable character")
    return Label(name, key, color, description)


def default_key(name: str, others: Iterable[Label]) -> str:
    """The first letter of ``name`` (lower case first) no label has and labelling mode leaves
    free, else the first free key of ``FALLBACK_KEYS``; '' when none is free."""
    taken = {label.key for label in others}
    letters = [ch for ch in name.lower() + name if ch.isalnum()]
    return next((k for k in (*letters, *FALLBACK_KEYS) if k not in taken and key_problem(k) is None), "")


def default_color(others: Iterable[Label]) -> str:
    """The palette's colours in turn: the first of those least used."""
    used = [label.color for label in others]
    return min(COLORS, key=lambda color: (used.count(color), COLORS.index(color)))


# --------------------------------------------------------------------------- the file


def labels_file(config: Path, roots: Sequence[Path]) -> Path:
    """The label file of the corpus of ``roots``: ``<config>/labels/<corpus key>.yaml``."""
    return config / FOLDER / f"{corpus_key(roots)}.yaml"


def parse_labels(raw: Any) -> tuple[LabelSet, list[str]]:
    """The labels of a parsed file, and what could not be used as written (``LabelError`` when the
    file is not a label file at all)."""
    if raw is None:
        return LabelSet(), []
    entries = raw.get("labels") if isinstance(raw, dict) else raw
    if isinstance(raw, dict) and entries is None:
        return LabelSet(), []
    if not isinstance(entries, list):
        raise LabelError("not a label file ('labels' must be a list of labels)")
    labels: list[Label] = []
    problems: list[str] = []
    pending: list[tuple[int, str, str, str, str]] = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"label {number} is not a mapping of name, key, color, description (left out)")
            continue
        name, key = clean_name(_text(entry.get("name"))), _text(entry.get("key"))
        color = _text(entry.get("color", entry.get("colour")))
        description = _text(entry.get("description"))
        problem = name_problem(name)
        if problem:
            problems.append(f"label {number}: {problem} (left out)")
            continue
        if any(p[1] == name for p in pending):
            problems.append(f"the label name {name!r} is used twice (the second is left out)")
            continue
        pending.append((number, name, key, color, description))
    # keys the user wrote are kept first, so a default key never takes a key written further down
    written = [Label("", key, "") for _, _, key, _, _ in pending if key and key_problem(key) is None]
    for _number, name, key, color, description in pending:
        label, problem = _place(name, key, color, description, labels, written)
        if problem:
            problems.append(problem)
        if label is not None:
            labels.append(label)
    return LabelSet(tuple(labels)), problems


def _place(
    name: str, key: str, color: str, description: str, placed: list[Label], written: list[Label]
) -> tuple[Label | None, str | None]:
    """A label read from the file, fitted beside those ``placed`` before it (a written key that
    cannot be used, or an unknown colour, replaced), and what was replaced or why it is left out.
    ``written``: the keys written in the file, which a default key never takes."""
    note = []
    if key:
        problem = key_problem(key)
        if problem is None and any(label.key == key for label in placed):
            problem = f"the key {key!r} is used twice"
        if problem:
            note.append(problem)
    usable_key = key if key and not note else default_key(name, [*placed, *written])
    if not usable_key:
        return None, f"no free key for {name!r} (left out)"
    wrong_color = color_problem(color) if color else None
    if wrong_color:
        note.append(wrong_color)
    try:
        label = make_label(name, usable_key, "" if wrong_color else color, description, placed)
    except LabelError as error:
        return None, f"{name!r}: {error} (left out)"
    if note:
        return label, f"{name!r}: {'; '.join(note)}; using key {label.key!r}, {label.color}"
    return label, None


def _text(value: Any) -> str:
    """A scalar as text ('' for none): ``key: 1`` is the key "1"."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def load_labels(path: Path) -> LabelFile:
    """The label set in ``path`` (none when there is no file); a file that does not parse is set
    aside and reported, one with labels that cannot be used is reported and left as it is."""
    import yaml  # loaded with the label set, after the first frame, not with the reading room

    from tui.core.safe_yaml import load_yaml_safely

    try:
        stat = path.stat()
        with open(path, encoding="utf-8") as handle:
            text = handle.read(MAX_FILE_CHARS + 1)
        if len(text) > MAX_FILE_CHARS:
            raise LabelError(f"larger than {MAX_FILE_CHARS // 1024} KB")
        labels, problems = parse_labels(load_yaml_safely(text))
    except FileNotFoundError:
        return LabelFile(path)
    except OSError as error:  # unreadable, not damaged: left where it is, and not written over
        return LabelFile(
            path, problems=(f"{path} cannot be read ({_reason(error)}); no labels",), writable=False
        )
    except (UnicodeDecodeError, yaml.YAMLError, LabelError, RecursionError) as error:
        return _set_aside(path, _reason(error))
    signature = (stat.st_mtime_ns, stat.st_size)
    where = f"{path}: " if problems else ""
    return LabelFile(path, labels, tuple(where + p for p in problems), not problems, signature)


def _set_aside(path: Path, reason: str) -> LabelFile:
    try:
        moved = set_aside(path)
    except OSError:
        return LabelFile(path, problems=(f"{path} is unreadable ({reason}); no labels",), writable=False)
    return LabelFile(path, problems=(f"{path} was unreadable ({reason}); kept as {moved.name}, no labels",))


def _reason(error: BaseException) -> str:
    import yaml

    if isinstance(error, yaml.MarkedYAMLError) and error.problem:
        mark = error.problem_mark
        return error.problem + (f" at line {mark.line + 1}" if mark is not None else "")
    if isinstance(error, OSError):
        return str(error.strerror or error)
    return (str(error).splitlines() or [type(error).__name__])[0][:160]


HEADER = """\
# lectern label set: each label's name (the tag of its spans), key (pressed in labelling mode,
# L in the reader), color (yellow, green, blue, pink or orange) and an optional description.
"""


def dump_labels(labels: LabelSet) -> str:
    """The file's text for ``labels``."""
    import yaml

    entries = []
    for label in labels.labels:
        entry: dict[str, str] = {"name": label.name, "key": label.key, "color": label.color}
        if label.description:
            entry["description"] = label.description
        entries.append(entry)
    body = yaml.safe_dump({"labels": entries}, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def save_labels(path: Path, labels: LabelSet) -> None:
    """Write ``labels`` to ``path`` atomically."""
    atomic_write_text(path, dump_labels(labels))


def change_labels(found: LabelFile, labels: LabelSet) -> LabelFile:
    """Write a changed set over the file it was read from: ``LabelError`` while that file has
    problems to fix (so a hand edit is never overwritten), ``OSError`` when it cannot be written."""
    if not found.writable:
        problems = "; ".join(found.problems) or f"{found.path} cannot be read"
        raise LabelError(f"fix the label file first ({problems})")
    current = load_labels(found.path)
    if current.signature != found.signature and current.labels != found.labels:
        raise LabelError(f"{found.path} changed since it was read: look again and repeat the change")
    save_labels(found.path, labels)
    stat = found.path.stat()
    return replace(found, labels=labels, problems=(), signature=(stat.st_mtime_ns, stat.st_size))
