"""CoNLL with IOB2 tags, written and read back: one word a line with its label.

Written: for each document with reviewed, tagged passages on words of its current text, a
``-DOCSTART- -X- O O`` line (as CoNLL-2003 starts one, which spaCy's converter and the usual
loaders split documents on), a blank line, then every word of the text (``words.words_of``:
lectern's tokeniser's words as written, each other character that is not whitespace a word of
its own) as ``word<TAB>tag``: ``B-LABEL`` on a passage's first word, ``I-LABEL`` on the rest,
``O`` outside. A blank line ends a sentence: at a line break of the text, or after ``.``, ``!``,
``?`` and their CJK forms, never inside a passage. A word has one label, so what IOB cannot say
is reported (``left_out``) rather than written wrong: of passages that share words the first
(then the longest) is kept; a passage with several tags is written with its first; one that
starts or ends inside a word is widened to whole words; a label's spaces are ``_`` (a CoNLL
column has none).

Read: such a file, or another tool's (several columns: the word first, the tag last; IOB1,
IOB2, BIOES or BILOU tags), each ``-DOCSTART-`` starting a document. The words carry no offsets,
so each document's words are matched, in order, to a corpus document's text (``words.align``:
only whitespace may lie between them) and each passage is where its words are; a document whose
words no text holds keeps its passages as orphans, quoted with their words. The file has no ids:
each passage's id is derived from its document's words and its place, so importing it twice adds
nothing.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field

from tui.core.anchoring import Target
from tui.core.annotation_format import clean_tags
from tui.core.annotations import Annotation
from tui.core.colors import COLORS
from tui.core.exchange import spans
from tui.core.exchange.corpus import ExportDocument
from tui.core.exchange.incoming import UNKNOWN_TIME, ContentKeyed, Incoming, Words, fail, kept_id
from tui.core.exchange.words import words_of

DOCSTART = "-DOCSTART- -X- O O"
OUTSIDE = "O"
_DOCSTART = "-DOCSTART-"
_ENDS_SENTENCE = frozenset(".!?。！？")
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_TAG = re.compile(r"(?:[BIESLU]-\S+|O)")
_EXAMPLES = 3

# --------------------------------------------------------------------------- writing


@dataclass
class _Plan:
    """A document as CoNLL writes it: its words, their tags, where sentences end, and what
    could not be said."""

    doc: ExportDocument
    words: list[tuple[int, int]]
    tags: list[str]
    overlapping: list[str] = field(default_factory=list)
    widened: list[str] = field(default_factory=list)
    more_tags: list[str] = field(default_factory=list)
    wordless: list[str] = field(default_factory=list)


def label_of(tag: str) -> str:
    """A tag as a CoNLL label: its spaces as ``_``."""
    return tag.replace(" ", "_")


def write(docs: list[ExportDocument]) -> str:
    """Every word of each document with tagged passages, one a line, with its IOB2 tag."""
    return "".join(_written(plan) for plan in _plans(docs) if any(t != OUTSIDE for t in plan.tags))


def _plans(docs: list[ExportDocument]) -> list[_Plan]:
    plans = []
    for doc in docs:
        found = spans.labelled(doc)
        if doc.text is not None and found:
            plans.append(_plan(doc, doc.text, found))
    return plans


def _plan(doc: ExportDocument, text: str, found: list[Annotation]) -> _Plan:
    words = words_of(text)
    plan = _Plan(doc, words, [OUTSIDE] * len(words))
    starts, ends = [s for s, _ in words], [e for _, e in words]
    placed = []
    for a in found:
        first, last = bisect.bisect_right(ends, a.start), bisect.bisect_left(starts, a.end)
        if first >= last:
            plan.wordless.append(spans.quoted(a.target.exact))
        else:
            placed.append((first, last, a))
    # the first passage, then the longest, of those that share words
    placed.sort(key=lambda p: (p[0], -(p[1] - p[0]), p[2].start, p[2].start - p[2].end))
    covered = 0
    for first, last, a in placed:
        quote = spans.quoted(a.target.exact)
        if first < covered:
            plan.overlapping.append(quote)
            continue
        covered = last
        if (words[first][0], words[last - 1][1]) != (a.start, a.end):
            plan.widened.append(quote)
        if len(a.tags) > 1:
            plan.more_tags.append(quote)
        label = label_of(a.tags[0])
        plan.tags[first] = f"B-{label}"
        for i in range(first + 1, last):
            plan.tags[i] = f"I-{label}"
    return plan


def _written(plan: _Plan) -> str:
    text = plan.doc.text or ""
    lines = [DOCSTART, ""]
    words, tags = plan.words, plan.tags
    for i, (start, end) in enumerate(words):
        lines.append(f"{text[start:end]}\t{tags[i]}")
        if i + 1 == len(words) or _ends_sentence(text, end, words[i + 1][0], tags[i + 1]):
            lines.append("")
    return "\n".join(lines) + "\n"


def _ends_sentence(text: str, end: int, next_start: int, next_tag: str) -> bool:
    """Whether a sentence ends between a word ending at ``end`` and the next (never inside a passage)."""
    if next_tag.startswith("I-"):
        return False
    gap = text[end:next_start]
    return any(c in _LINE_BREAKS for c in gap) or (bool(gap) and text[end - 1] in _ENDS_SENTENCE)


def left_out(docs: list[ExportDocument]) -> list[str]:
    """What the CoNLL export leaves out or changes, one line per document and kind, then per label."""
    lines = spans.left_out(docs, suggestions=True)
    plans = _plans(docs)
    for plan in plans:
        doc_id = plan.doc.ref.id
        for found, what in (
            (plan.wordless, "left out {} passage(s) without a word"),
            (plan.overlapping, "left out {} passage(s) sharing words with another (a word has one label)"),
            (plan.more_tags, "wrote {} passage(s) with their first tag only (a word has one label)"),
            (plan.widened, "widened {} passage(s) that start or end inside a word to whole words"),
        ):
            if found:
                examples = ", ".join(found[:_EXAMPLES]) + (", …" if len(found) > _EXAMPLES else "")
                lines.append(f"{doc_id}: {what.format(len(found))}: {examples}")
    tags = sorted({a.tags[0] for plan in plans for a in spans.labelled(plan.doc)})
    lines += [
        f"tag {tag!r} is written {label_of(tag)} (a CoNLL label has no spaces)" for tag in tags if " " in tag
    ]
    return lines


# --------------------------------------------------------------------------- reading


def claims_text(text: str) -> bool:
    """Whether a text is CoNLL: its first line that is not blank is ``-DOCSTART-`` or a word
    followed by a tag."""
    for raw in text.split("\n"):
        columns = raw.split()
        if columns:
            return columns[0] == _DOCSTART or (len(columns) > 1 and _TAG.fullmatch(columns[-1]) is not None)
    return False


@dataclass
class _Block:
    """One document of the file: its words, their tags, and the line of each."""

    line: int
    words: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    starts_sentence: list[bool] = field(default_factory=list)


def read_text(text: str) -> list[Incoming]:
    """The passages of a CoNLL file, found later by their words."""
    found: list[Incoming] = []
    for block in _blocks(text):
        found.extend(_passages(block))
    return found


def _blocks(text: str) -> list[_Block]:
    blocks = [_Block(1)]
    new_sentence = True
    for n, raw in enumerate(text.split("\n"), 1):
        columns = raw.split()
        if not columns:
            new_sentence = True
            continue
        if columns[0] == _DOCSTART:
            blocks.append(_Block(n))
            new_sentence = True
            continue
        if len(columns) < 2:
            raise fail(f"line {n}", "has a word but no tag (a word, then its tag: O, B-LABEL or I-LABEL)")
        if _TAG.fullmatch(columns[-1]) is None:
            raise fail(f"line {n}", f"{columns[-1][:30]!r} is not a tag (O, or B-, I-, E- or S- and a label)")
        block = blocks[-1]
        block.words.append(columns[0])
        block.tags.append(columns[-1])
        block.lines.append(n)
        block.starts_sentence.append(new_sentence)
        new_sentence = False
    return [b for b in blocks if b.words]


def _passages(block: _Block) -> list[Incoming]:
    words = tuple(block.words)
    key = hashlib.sha256("\x1f".join(words).encode("utf-8", "surrogatepass")).hexdigest()
    title = f"CoNLL document at line {block.line}"
    found: list[Incoming] = []
    for first, last, label in _runs(block):
        tags = clean_tags([label])
        if not tags:
            continue
        quote = " ".join(words[first:last])
        annotation = Annotation(
            id=kept_id("", ("conll", key, first, last, label)),
            created=UNKNOWN_TIME,
            modified=UNKNOWN_TIME,
            color=COLORS[0],
            note="",
            tags=tags,
            target=Target(quote, "", "", 0, 0),
        )
        found.append(ContentKeyed(annotation, title=title, words=Words(words, first, last)))
    return found


def _runs(block: _Block) -> list[tuple[int, int, str]]:
    """The labelled runs of words: (first, last, label), from any IOB scheme."""
    runs: list[tuple[int, int, str]] = []
    open_at, label = -1, ""

    def close(at: int) -> None:
        nonlocal open_at
        if open_at >= 0:
            runs.append((open_at, at, label))
        open_at = -1

    for i, tag in enumerate(block.tags):
        kind, name = (tag[0], tag[2:]) if tag != OUTSIDE else ("O", "")
        continues = open_at >= 0 and name == label and not block.starts_sentence[i]
        if kind == "O":
            close(i)
        elif kind in "IEL" and continues:
            if kind in "EL":
                close(i + 1)
        else:  # B, S, U, or an I (E, L) that starts a run (IOB1)
            close(i)
            open_at, label = i, name
            if kind in "SUEL":
                close(i + 1)
    close(len(block.tags))
    return runs
