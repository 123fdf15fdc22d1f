"""Importing annotations: read a whole file, find each annotation's document, merge, report.

The whole file is decoded, parsed and validated first (by the reader of its format, which the
registry picks by the file's shape: JSON, JSON lines, plain text, or a folder's files as
``read_input`` gathers them), so a malformed one raises ``ImportFormatError`` with the reason and
changes nothing. Then each annotation's document is found: by its source path (a file:// URI or
lectern's path), then by content hash (of its document in the file, or the annotation's own), then
by its words (a CoNLL file gives a document only as its words: the text that holds them all, in
order), then by its quote occurring in exactly one document (or fitting its context best);
annotations the file gives one source share the document their siblings were found in. Each is re-anchored to
that document's current text (unless the file says it is anchored to this very text) and saved
with ``AnnotationStore.transact``. What matches no document is kept as an orphan under a reference
made from what the file says (its path, or ``<store>/unmatched/<name>``) and reported: nothing is
dropped.

Importing is idempotent by annotation id within a corpus: a newer ``modified`` replaces, anything
else is left as it is. A file without ids (brat, CoNLL, doccano) gets ids derived from its
content, and an annotation of it counts as one already stored on the same passage with every tag
it has (``ContentKeyed``), so what lectern exported comes back without copies. The store is
shared by every corpus, and an id is unique within a corpus, not across corpora: an annotation
stored for another corpus's document is a copy there, never "already imported" here and never
moved away (``_in_this_corpus``). Foreign ids become stable lectern ids (``urn:uuid:`` ids are
kept, others are hashed with uuid5), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import hashlib
import json
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tui.core.anchoring import Target, reanchor, target_at
from tui.core.annotation_store import AnnotationStore
from tui.core.annotation_tracking import open_annotations
from tui.core.annotations import Annotation, AnnotationSet, DocumentRef
from tui.core.documents import BinaryFileError, decode
from tui.core.exchange.corpus import ExportDocument
from tui.core.exchange.incoming import ContentKeyed, ImportFormatError, Incoming, instant
from tui.core.exchange.registry import gather_files, read_files, read_json, read_json_lines, read_plain_text
from tui.core.exchange.words import align, words_of

UNMATCHED = "unmatched"
"""Folder (under the store) named in the synthetic path of an orphan that says where it came from."""
_MAX_OCCURRENCES = 1_000
_UNICODE_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
"""The byte-order marks ``decode`` honours (UTF-32 LE's starts with UTF-16 LE's)."""


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    added: int = 0
    updated: int = 0
    """Annotations replaced by a newer version from the file (or found again after being orphaned)."""
    unchanged: int = 0
    orphaned: tuple[str, ...] = ()
    """One line per annotation kept as an orphan, saying why (no document, quote not found)."""

    @property
    def total(self) -> int:
        """How many annotations the file held (after duplicates by id)."""
        return self.added + self.updated + self.unchanged


def read_input(path: Path) -> bytes | dict[str, bytes]:
    """What an import of ``path`` reads: a file's bytes, or the files of a format that spreads over
    several (a brat folder, an .ann file with the .txt beside it), by relative name. Raises OSError,
    and ImportFormatError for a folder that holds nothing lectern imports."""
    files = gather_files(path)
    if files is not None:
        return files
    if path.is_dir():
        raise ImportFormatError("a folder without brat .ann files; name the export file to import")
    return path.read_bytes()


def import_annotations(
    data: str | bytes | Mapping[str, bytes],
    corpus: Sequence[ExportDocument],
    store: AnnotationStore,
    annotator: str = "",
) -> ImportReport:
    """Import an export (of any format the registry reads: a file's text or bytes, or the files
    ``read_input`` gathered) into ``store``.

    ``corpus`` is every document annotations may belong to, with its text (``gather`` with
    ``annotated_only=False``). ``annotator`` is recorded on the annotations the file names no
    annotator of (``_attributed``). Raises ImportFormatError, before anything is saved, when the
    file is malformed.
    """
    incoming = _newest_by_id(_parse(data))
    if annotator.strip():
        incoming = _attributed(incoming, annotator.strip(), _in_this_corpus(store, corpus))
    finder = _Finder(corpus)
    found = _documents(incoming, finder)
    plan: dict[str, _Destination] = {}
    orphaned: list[str] = []
    for item in incoming:
        doc, why = found[item.annotation.id]
        if doc is None:
            ref = _unmatched_ref(item, store)
            annotation = replace(item.annotation, anchor="orphaned")
            orphaned.append(f"{_describe(item)}: {why}; kept as an orphan")
        else:
            ref, annotation = doc.ref, _placed(item, doc, finder)
            if annotation.anchor == "orphaned":
                missing = "not found in" if item.annotation.target.exact else "it marks no passage of"
                orphaned.append(f"{_describe(item, False)}: {missing} {doc.ref.id}; kept there as an orphan")
        dest = plan.setdefault(str(store.file_for(ref.path)), _Destination(ref, doc))
        dest.annotations.append(annotation)
        if isinstance(item, ContentKeyed):
            dest.by_content[annotation.id] = item.words is not None
    tally = _save(list(plan.values()), store, corpus)
    return ImportReport(tally.added, tally.updated, tally.unchanged, tuple(orphaned))


def _attributed(items: list[Incoming], annotator: str, stored: dict[str, AnnotationSet]) -> list[Incoming]:
    """The annotations with ``annotator`` recorded where the file names none.

    One file imported for two annotators (``--as ada``, then ``--as bob``) is two sets: an id this
    corpus already holds by another annotator becomes a stable id of its own for this one (uuid5),
    so the second import adds its copies rather than finding the first's "unchanged", and
    importing again still changes nothing.
    """
    found = []
    for item in items:
        a = item.annotation
        if a.annotator:
            found.append(item)
            continue
        held = stored[a.id].get(a.id) if a.id in stored else None
        taken = held is not None and held.annotator not in ("", annotator)
        new_id = (
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"lectern:{a.id}:annotator:{annotator}")) if taken else a.id
        )
        found.append(replace(item, annotation=replace(a, id=new_id, annotator=annotator)))
    return found


@dataclass
class _Destination:
    """One annotation file the import writes to, and what goes into it."""

    ref: DocumentRef
    doc: ExportDocument | None
    annotations: list[Annotation] = field(default_factory=list)
    by_content: dict[str, bool] = field(default_factory=dict)
    """The ids of annotations from a file without ids (``ContentKeyed``): whether by words."""


@dataclass
class _Tally:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def _newest_by_id(items: list[Incoming]) -> list[Incoming]:
    """One entry per annotation id: a file may hold two versions of one annotation."""
    newest: dict[str, Incoming] = {}
    for item in items:
        known = newest.get(item.annotation.id)
        if known is None or not _newer(item.annotation, known.annotation):  # ties: the later one
            newest[item.annotation.id] = item
    return list(newest.values())


def _documents(items: list[Incoming], finder: _Finder) -> dict[str, tuple[ExportDocument | None, str]]:
    """Each annotation's document (or why it has none), by annotation id.

    Annotations the file gives one source share a document: one whose quote is gone from the
    text goes where its siblings' quotes were found, and is kept there as an orphan.
    """
    found = {item.annotation.id: finder.find(item) for item in items}
    groups: dict[tuple[str, ...], list[str]] = {}
    for item in items:
        key = (item.path, item.uri, item.doc_id, item.doc_sha256)
        if any(key):
            groups.setdefault(key, []).append(item.annotation.id)
    for ids in groups.values():
        shared = _most_found([found[i][0] for i in ids])
        for i in ids:
            if shared is not None and found[i][0] is None:
                found[i] = (shared, "")
    return found


def _most_found(docs: list[ExportDocument | None]) -> ExportDocument | None:
    """The document most of a group's annotations were found in, when one leads."""
    counts: dict[str, tuple[int, ExportDocument]] = {}
    for doc in docs:
        if doc is not None:
            counts[doc.ref.path] = (counts.get(doc.ref.path, (0, doc))[0] + 1, doc)
    ranked = sorted(counts.values(), key=lambda c: -c[0])
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]


def _parse(data: str | bytes | Mapping[str, bytes]) -> list[Incoming]:
    """Every annotation the file (or files) holds, validated; nothing is saved yet."""
    if isinstance(data, Mapping):
        return read_files(data)
    text = _decode(data)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        found = read_json_lines(text)
        found = found if found is not None else read_plain_text(text)
        if found is not None:
            return found
        raise ImportFormatError(
            f"not JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except (RecursionError, ValueError) as error:
        raise ImportFormatError(f"not JSON lectern can read: {error}") from None
    return read_json(raw)


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        data = _decode_bytes(data)
    if "\x00" in data:
        raise ImportFormatError("binary data (a NUL character), not JSON")
    return data.removeprefix("\ufeff")


def _decode_bytes(data: bytes) -> str:
    """Decoded as documents are: a byte-order mark chooses UTF-8, UTF-16 or UTF-32 (tools on
    Windows write exports that way), else UTF-8. Never the Windows-1252 guess documents fall back
    to: an export is written in Unicode, and a guessed encoding would change the quotes that
    find each passage."""
    try:
        text, problem = decode(data)
    except BinaryFileError:
        nul = data.find(bytes(1))
        raise ImportFormatError(f"binary data (a NUL byte at offset {nul}), not JSON") from None
    if problem is None:
        return text
    if not data.startswith(_UNICODE_BOMS):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            where = f"byte 0x{data[error.start]:02x} at offset {error.start}"
            raise ImportFormatError(f"not UTF-8 text ({where})") from None
    raise ImportFormatError(f"not readable text: {problem}")


class _Finder:
    """Finds an incoming annotation's document in the corpus: by path, by content hash, by quote."""

    def __init__(self, corpus: Sequence[ExportDocument]) -> None:
        self.docs = sorted(corpus, key=lambda d: (d.ref.id, d.ref.path))
        self.aligned: dict[tuple[int, str], tuple[tuple[str, ...], list[tuple[int, int]] | None]] = {}
        """Where a file's words are in a document's text, by the words' identity and the path."""
        self.by_words: dict[int, tuple[tuple[str, ...], ExportDocument | None]] = {}
        self.by_path: dict[str, ExportDocument] = {}
        self.by_sha: dict[str, list[ExportDocument]] = {}
        for doc in self.docs:
            for key in _path_keys(doc.ref.path):
                self.by_path.setdefault(key, doc)
            if doc.ref.sha256:
                self.by_sha.setdefault(doc.ref.sha256, []).append(doc)

    def find(self, item: Incoming) -> tuple[ExportDocument | None, str]:
        """The document, or None and why there is none."""
        if item.path:
            found = next((self.by_path[k] for k in _path_keys(item.path) if k in self.by_path), None)
            if found is not None:
                return found, ""
        for sha in (item.doc_sha256, item.annotation.sha256):
            same = self.by_sha.get(sha, []) if sha else []
            if same:  # copies of one text: the one with the same id or title, else the first
                return max(same, key=lambda d: (d.ref.id == item.doc_id, d.ref.title == item.title)), ""
        words = item.words if isinstance(item, ContentKeyed) else None
        if words is not None:
            by_words = self._by_words(words.words)
            if by_words is not None:
                return by_words, ""
            found, why = self._by_quote(item)
            return found, why if found else "no document in this corpus holds its document's words, in order"
        return self._by_quote(item)

    def word_spans(self, words: tuple[str, ...], doc: ExportDocument) -> list[tuple[int, int]] | None:
        """Where ``words`` are in the document's text, in order; None when it does not hold them."""
        key = (id(words), doc.ref.path)
        if key not in self.aligned:  # the words are kept with the answer, so their id stays theirs
            self.aligned[key] = (words, align(words, doc.text) if doc.text is not None else None)
        return self.aligned[key][1]

    def _by_words(self, words: tuple[str, ...]) -> ExportDocument | None:
        """The document whose text holds a file's document's words (the first of copies)."""
        if id(words) not in self.by_words:
            head = words[:8]
            found = next(
                (
                    d
                    for d in self.docs
                    if d.text is not None and all(w in d.text for w in head) and self.word_spans(words, d)
                ),
                None,
            )
            self.by_words[id(words)] = (words, found)
        return self.by_words[id(words)][1]

    def _by_quote(self, item: Incoming) -> tuple[ExportDocument | None, str]:
        target = item.annotation.target
        if not target.exact:
            return None, "it has no quoted passage, and no document in this corpus has its path or hash"
        scored = [
            ((_fit(target, d.text), d.ref.id == item.doc_id, d.ref.title == item.title), d)
            for d in self.docs
            if d.text is not None and target.exact in d.text
        ]
        if not scored:
            return None, "no document in this corpus has its path, its hash or its quote"
        best = max(score for score, _ in scored)
        top = [d for score, d in scored if score == best]
        if len(top) == 1:
            return top[0], ""
        names = ", ".join(d.ref.id for d in top[:3]) + (", ..." if len(top) > 3 else "")
        return None, f"its quote occurs in {len(top)} documents and fits them equally well ({names})"


def _path_keys(path: str) -> list[str]:
    """The forms a path may be compared in: absolute, and with symbolic links resolved."""
    if not path:
        return []
    keys = [os.path.normpath(os.path.abspath(path))]
    with contextlib.suppress(OSError, RuntimeError):  # a loop of links, a folder we may not read
        keys.append(str(Path(path).resolve()))
    return list(dict.fromkeys(keys))


def _fit(target: Target, text: str | None) -> int:
    """Characters of the quote's stored prefix and suffix that match at its best occurrence."""
    if not text:
        return 0
    best, at, seen = 0, text.find(target.exact), 0
    while at >= 0 and seen < _MAX_OCCURRENCES:
        end = at + len(target.exact)
        before = text[max(0, at - len(target.prefix)) : at]
        after = text[end : end + len(target.suffix)]
        best = max(best, _common(before[::-1], target.prefix[::-1]) + _common(after, target.suffix))
        at, seen = text.find(target.exact, at + 1), seen + 1
    return best


def _common(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _placed(item: Incoming, doc: ExportDocument, finder: _Finder) -> Annotation:
    """The annotation anchored in the document's current text."""
    a, text = item.annotation, doc.text
    if text is None:  # nothing to anchor against: opening the document re-anchors it later
        return a
    words = item.words if isinstance(item, ContentKeyed) else None
    spans = finder.word_spans(words.words, doc) if words is not None else None
    if words is not None and spans is not None:  # a passage given by its words: where they are
        start, end = spans[words.first][0], spans[words.last - 1][1]
        return replace(a, target=target_at(text, start, end), anchor="anchored")
    if item.trusted_anchor and item.doc_sha256 == doc.ref.sha256 and _holds(a, text):
        return a  # lectern anchored it in this very text: keep it as it was, status and all
    target = a.target
    if not target.exact:  # a position without a quote (another tool's): take the passage there
        if target.start < target.end <= len(text):
            return replace(a, target=target_at(text, target.start, target.end), anchor="anchored")
        return replace(a, anchor="orphaned")
    found, status = reanchor(target, text)
    if status == "moved" and target.end == 0:  # it gave no position: found as quoted is anchored
        status = "anchored"
    return replace(a, target=found, anchor=status)


def _holds(a: Annotation, text: str) -> bool:
    if a.anchor == "orphaned":
        return True
    if a.anchor == "fuzzy":
        return a.end <= len(text)
    return text[a.start : a.end] == a.target.exact


def _unmatched_ref(item: Incoming, store: AnnotationStore) -> DocumentRef:
    """Where an orphan is kept: its own path when it has one, else a name under the store."""
    key = item.doc_id or item.uri or item.title or "unknown"
    path = item.path or str((store.folder / UNMATCHED / _safe_name(key)).absolute())
    existing = store.load(path)
    if existing is not None:  # that file already names its document: keep what it says
        return existing.document
    sha = item.doc_sha256 or item.annotation.sha256
    return DocumentRef(id=item.doc_id or item.uri or Path(path).name, path=path, sha256=sha, title=item.title)


def _safe_name(key: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", key).strip("._")[:60] or "document"
    return f"{stem}-{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


def _describe(item: Incoming, with_source: bool = True) -> str:
    """The annotation for a message: its quote, shortened, and where the file says it was."""
    quote = " ".join(item.annotation.target.exact.split())
    what = f"“{quote[:59]}…”" if len(quote) > 60 else f"“{quote}”" if quote else "a note without a passage"
    where = (item.doc_id or item.uri or item.title) if with_source else ""
    return f"{what} ({where})" if where else what


def _save(
    destinations: list[_Destination], store: AnnotationStore, corpus: Sequence[ExportDocument]
) -> _Tally:
    # Bring each document's stored annotations current first (re-anchored, a moved file adopted),
    # so what is there and what comes in are compared on the same text.
    for dest in destinations:
        if dest.doc is not None and dest.doc.text is not None:
            open_annotations(store, dest.ref, dest.doc.text)
    elsewhere = _in_this_corpus(store, corpus)
    tally = _Tally()
    for dest in destinations:
        merge = _Merge(dest, elsewhere, store.file_for(dest.ref.path), store, tally)
        store.transact(dest.ref, merge)
        for path, ids in merge.moved.items():  # saved in its new document first, so never lost
            _remove(store, path, ids)
    return tally


def _in_this_corpus(store: AnnotationStore, corpus: Sequence[ExportDocument]) -> dict[str, AnnotationSet]:
    """The annotations an import may find already stored, by id, with the file that holds them.

    The store is shared by every corpus, and ids are unique within a corpus, not across them: the
    same annotation imported into two corpora (two folders holding the same documents) is one
    copy in each, and a copy in another corpus is neither "already there" nor moved away. So only
    the files of this corpus's documents count, and orphans kept for documents that exist
    nowhere (where an earlier import kept what it could not place), which move to their document
    once a corpus has it.
    """
    mine = {key for doc in corpus for key in _path_keys(doc.ref.path)}
    found: dict[str, AnnotationSet] = {}
    for stored in store.summaries():
        ours = any(key in mine for key in _path_keys(stored.document.path))
        kept = not ours and not Path(stored.document.path).exists()
        for a in stored.annotations:
            if ours or (kept and a.anchor == "orphaned"):
                found[a.id] = stored
    return found


class _Merge:
    """The change ``transact`` applies to one file: add new ids, replace older versions."""

    def __init__(
        self,
        dest: _Destination,
        elsewhere: dict[str, AnnotationSet],
        file: Path,
        store: AnnotationStore,
        tally: _Tally,
    ) -> None:
        self.incoming, self.by_content = dest.annotations, dest.by_content
        self.text = dest.doc.text if dest.doc is not None else None
        self.words: list[tuple[int, int]] | None = None
        self.elsewhere, self.file, self.store, self.tally = elsewhere, file, store, tally
        self.moved: dict[str, set[str]] = {}
        """Ids that moved here, by the path of the document whose file they leave."""

    def __call__(self, items: list[Annotation]) -> list[Annotation]:
        mine = {a.id: a for a in items}
        named = {a.id for a in self.incoming}
        unclaimed = [a for a in items if a.id not in named]
        """What an annotation of a file without ids may be: stored ones the file does not name,
        each the match of one annotation at most (a passage marked twice is two)."""
        for new in self.incoming:
            old = mine.get(new.id)
            other = self.elsewhere.get(new.id) if old is None else None
            if other is not None and self.store.file_for(other.document.path) == self.file:
                other = None  # the same file, changed since the summary: ``mine`` is the truth
            current = old if old is not None else other.get(new.id) if other is not None else None
            if current is None and new.id in self.by_content and self._claimed(new, unclaimed):
                self.tally.unchanged += 1
            elif current is None:
                mine[new.id] = new
                self.tally.added += 1
            elif _supersedes(new, current):
                mine[new.id] = new
                self.tally.updated += 1
                if other is not None:
                    self.moved.setdefault(other.document.path, set()).add(new.id)
            else:
                self.tally.unchanged += 1
        return list(mine.values())

    def _claimed(self, new: Annotation, unclaimed: list[Annotation]) -> bool:
        """Whether an annotation from a file without ids is one already stored (which is then
        claimed): on the same passage (the same words, for a file that gives words: CoNLL widens
        a passage to whole words), with every tag it has (a format may keep fewer: CoNLL one; a
        space may be ``_``, as CoNLL and brat write it), by the same annotator when it names one."""
        if new.anchor == "orphaned":
            return False
        place = self._words_of if self.by_content[new.id] else _span_of
        tags = {_loose(t) for t in new.tags}
        for i, a in enumerate(unclaimed):
            if (
                a.anchor != "orphaned"
                and place(a) == (new.start, new.end)
                and tags <= {_loose(t) for t in a.tags}
                and new.annotator in ("", a.annotator)
            ):
                del unclaimed[i]
                return True
        return False

    def _words_of(self, a: Annotation) -> tuple[int, int]:
        """The passage widened to the words it touches."""
        if self.text is None:
            return _span_of(a)
        if self.words is None:
            self.words = words_of(self.text)
        starts, ends = [s for s, _ in self.words], [e for _, e in self.words]
        first, last = bisect.bisect_right(ends, a.start), bisect.bisect_left(starts, a.end)
        return (self.words[first][0], self.words[last - 1][1]) if first < last else _span_of(a)


def _span_of(a: Annotation) -> tuple[int, int]:
    return a.start, a.end


def _loose(tag: str) -> str:
    """A tag as formats without spaces in labels give it back."""
    return tag.replace(" ", "_")


def _remove(store: AnnotationStore, path: str, ids: set[str]) -> None:
    """Take annotations that moved to another document out of the file of ``path``."""
    current = store.load(path)
    if current is not None:
        store.transact(current.document, lambda items: [a for a in items if a.id not in ids])


def _newer(a: Annotation, b: Annotation) -> bool:
    """Whether ``b`` was modified after ``a`` (times compared as moments when both parse)."""
    first, second = instant(a.modified), instant(b.modified)
    if first is None or second is None:
        return b.modified > a.modified
    return second > first


def _supersedes(new: Annotation, old: Annotation) -> bool:
    """A newer version wins; the same version found again where the stored one is lost wins too."""
    if new == old:
        return False
    if _newer(old, new):
        return True
    same_version = not _newer(new, old)
    return same_version and old.anchor == "orphaned" and new.anchor != "orphaned"
