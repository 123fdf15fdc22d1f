"""The full-text index: the only module in lectern that imports Whoosh.

It holds the schema, the analyzer (Latin words stemmed, Han/Kana/Hangul runs as overlapping
bigrams), writing batches of documents, parsing and running queries, snippets, spelling
suggestions, and *hit spans*: where a query's matches lie in a document's text. Hit spans come
from the character offsets stored in the body postings (``chars=True``), so what the search
matched is exactly what the reader highlights; when a text is newer than the index, the same
analyzer finds them in the text instead.

Indexing speed: Whoosh spends most of its time per token and per posting in Python. The body
field therefore uses ``BodyFormat``, whose ``word_values`` tokenises with one regular
expression pass instead of Whoosh's token-object pipeline; the query side uses the same
``tokens`` function through ``LecternAnalyzer``, so both always agree.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import fields, formats, index, qparser, query
from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter import stem as porter_stem

from tui.core.documents import text_sha256
from tui.core.results import Hit, IndexUnavailable, QueryError, Results, Span

SCHEMA_VERSION = 2
"""Bump when the schema or analyzer changes: existing indexes are then rebuilt."""
MAX_QUERY_CHARS = 400
MAX_WORD_CHARS = 80
"""Whoosh's parser and fuzzy expansion are quadratic in word length; longer words are refused."""
SNIPPET_CHARS = 180
DATE_HELP = "date: takes a year (date:2020), a day (date:2020-01-19) or a range (date:[2019 to 2021])"
WHOOSH_DIR = "whoosh"
VOCABULARY_NAME = "vocabulary.txt"
SEARCH_FIELDS = ("title", "body", "tags", "note")
FIELD_ALIASES = {"tags": ["tag"], "language": ["lang"], "note": ["notes"]}

_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)
_TOKEN = re.compile(f"([{_CJK}]+)|[^\\W{_CJK}]+")
_LATIN_WORD = re.compile(f"[^\\W\\d_{_CJK}]{{3,30}}")
_PLAIN_WORD = re.compile(r"(?<![\w:*?~-])([^\W\d_]{3,})(?![\w:*?~])")
_stems: dict[str, str] = {}


def stem(word: str) -> str:
    """Porter stem of a lower-case word, memoised (the vocabulary is small, tokens are many)."""
    try:
        return _stems[word]
    except KeyError:
        result = _stems[word] = porter_stem(word) if len(word) <= 40 else word
        return result


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """Index terms of ``text`` as (term, start, end): stemmed Latin words and CJK bigrams."""
    for match in _TOKEN.finditer(text):
        run = match.group(1)
        start = match.start()
        if run is None:
            yield stem(match.group().lower()), start, match.end()
        elif len(run) == 1:
            yield run, start, start + 1
        else:
            for i in range(len(run) - 1):
                yield run[i : i + 2], start + i, start + i + 2


def occurrences(text: str) -> dict[str, list[tuple[int, int, int]]]:
    """Each term of ``text`` with its (position, start, end) occurrences."""
    found: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for pos, (term, start, end) in enumerate(tokens(text)):
        found[term].append((pos, start, end))
    return found


class LecternAnalyzer(Analyzer):  # type: ignore[misc]
    """Whoosh analyzer over ``tokens``; used for titles and for parsing queries."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # prefix, wildcard and fuzzy texts: lower-cased, not stemmed
            token.original = token.text = value.lower()
            token.boost, token.pos = 1.0, start_pos
            token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, (term, start, end) in enumerate(tokens(value), start_pos):
            token.text, token.boost, token.stopped = term, 1.0, False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token

    def has_morph(self) -> bool:
        return True


class BodyFormat(formats.Characters):  # type: ignore[misc]
    """Positions and character offsets, computed in one pass of ``occurrences``."""

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        boost = self.field_boost
        for word, postings in occurrences(value).items():
            yield word, len(postings), len(postings) * boost, self.encode(postings)


def make_schema() -> fields.Schema:
    """The index schema (see design.md, section 3)."""
    analyzer = LecternAnalyzer()
    body = fields.TEXT(analyzer=analyzer, chars=True, multitoken_query="phrase")
    body.format = BodyFormat(field_boost=1.0)
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        path=fields.STORED(),
        title=fields.TEXT(analyzer=analyzer, stored=True, field_boost=3.0, multitoken_query="phrase"),
        title_sort=fields.ID(sortable=True),
        body=body,
        note=fields.TEXT(analyzer=analyzer, multitoken_query="phrase"),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        date=fields.DATETIME(stored=True, sortable=True),
        language=fields.ID(stored=True),
        source=fields.STORED(),
        sha256=fields.STORED(),
    )


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class IndexedDocument:
    """What the writer needs of a document (a ``documents.Document`` fits)."""

    id: str
    path: Path
    title: str
    date: str
    source: str
    language: str
    tags: tuple[str, ...]
    text: str
    sha256: str


def create(folder: Path) -> None:
    """Create an empty index in ``folder/whoosh``, replacing whatever was there."""
    target = folder / WHOOSH_DIR
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if old.is_file():
            old.unlink()
    index.create_in(str(target), make_schema())


def check(folder: Path) -> int:
    """Open the index and read its segments; the document count, or IndexUnavailable."""
    try:
        ix = index.open_dir(str(folder / WHOOSH_DIR))
        with ix.reader() as reader:
            count = int(reader.doc_count())
            for _ in reader.iter_docs():  # touches the stored fields of every segment
                break
        return count
    except Exception as error:  # any damage surfaces as a different exception type
        raise IndexUnavailable(f"{type(error).__name__}: {error}") from error


def write(
    folder: Path,
    remove: Iterable[str],
    add: Sequence[Any],
    procs: int = 1,
    merge: bool = True,
    notes: Callable[[Any], tuple[str, tuple[str, ...]]] | None = None,
) -> None:
    """One commit: delete ``remove`` ids, then add (or replace) the ``add`` documents.

    ``notes`` gives a document's annotation notes and tags, indexed with it (``note:``, ``tag:``).
    """
    ix = index.open_dir(str(folder / WHOOSH_DIR))
    options: dict[str, Any] = {"limitmb": 128}
    if procs > 1:
        options.update(procs=procs, multisegment=True)
    writer = ix.writer(**options)
    try:
        for doc_id in remove:
            writer.delete_by_term("id", doc_id)
        for doc in add:
            writer.add_document(**_fields_of(doc, *(notes(doc) if notes else ("", ()))))
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=merge)


def _fields_of(doc: Any, note: str, labels: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": doc.id,
        "path": str(doc.path),
        "title": doc.title,
        "title_sort": doc.title.casefold()[:200],
        "body": doc.text,
        "tags": ",".join(dict.fromkeys((*doc.tags, *labels))),
        "note": note,
        "date": datetime.fromisoformat(doc.date),
        "language": doc.language.lower(),
        "source": doc.source,
        "sha256": doc.sha256,
    }


def vocabulary_of(text: str) -> set[str]:
    """Surface forms of the Latin words in ``text``, for spelling suggestions."""
    return set(_LATIN_WORD.findall(text.lower()))


# --------------------------------------------------------------------------- searching

TextLoader = Callable[[str, str], str | None]
"""(path, sha256) -> the document text if it is still that version, else None."""


class Index:
    """A read-only view of one corpus index; safe to share between threads.

    Opens a new searcher whenever the indexer has committed since (never ``refresh()``).
    """

    def __init__(self, folder: Path, load_text: TextLoader) -> None:
        self.folder = folder
        self._load_text = load_text
        self._lock = threading.Lock()
        self._ix: Any = None
        self._searcher: Any = None
        self._vocabulary: list[str] | None = None

    def close(self) -> None:
        """Release the searcher's files."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = self._ix = None

    def _current(self) -> Any:
        try:
            if self._ix is None:
                self._ix = index.open_dir(str(self.folder / WHOOSH_DIR))
            if self._searcher is None or not self._searcher.up_to_date():
                if self._searcher is not None:
                    self._searcher.close()
                self._searcher = self._ix.searcher()
                self._vocabulary = None
        except Exception as error:
            self._searcher = self._ix = None
            raise IndexUnavailable(f"{type(error).__name__}: {error}") from error
        return self._searcher

    def doc_count(self) -> int:
        """Documents in the index now."""
        with self._lock:
            return int(self._current().doc_count())

    def search(self, text: str, limit: int = 20, sort: str = "relevance") -> Results:
        """Run a query: ranked (or sorted) hits with snippets, and a suggestion when few hit."""
        with self._lock:
            searcher = self._current()
            q = parse_query(text, searcher.schema)
            options: dict[str, Any] = {"limit": limit}
            if sort == "date":
                options.update(sortedby="date", reverse=True)
            elif sort == "title":
                options.update(sortedby="title_sort")
            elif sort != "relevance":
                raise QueryError(f"unknown sort {sort!r}: use relevance, date or title")
            try:
                results = searcher.search(q, **options)
            except query.QueryError as error:
                raise QueryError(f"cannot run that query: {error}") from error
            total = len(results)
            terms = _QueryTerms(q, searcher.reader())
            hits = tuple(self._hit(searcher, terms, r.docnum, r.score) for r in results)
            suggestion = self._suggest(searcher, text) if total < 3 else None
        return Results(query=text, hits=hits, total=total, suggestion=suggestion)

    def hit_spans(self, doc_id: str, text: str, query_text: str) -> list[Span]:
        """Where ``query_text`` matches in ``text`` (the current text of ``doc_id``)."""
        with self._lock:
            searcher = self._current()
            q = parse_query(query_text, searcher.schema)
            terms = _QueryTerms(q, searcher.reader())
            docnum = searcher.document_number(id=doc_id)
            if docnum is not None:
                stored = searcher.stored_fields(docnum)
                if stored.get("sha256") == text_sha256(text):
                    return terms.spans(lambda t: _postings(searcher, t, docnum))
            return terms.spans(occurrences(text).get)

    def _hit(self, searcher: Any, terms: _QueryTerms, docnum: int, score: Any) -> Hit:
        stored = searcher.stored_fields(docnum)
        text = self._load_text(stored["path"], stored["sha256"])
        spans: list[Span] = []
        snippet: str = ""
        marks: tuple[Span, ...] = ()
        if text is not None:  # None: changed or gone since indexing; show no stale offsets
            spans = terms.spans(lambda t: _postings(searcher, t, docnum))
            snippet, marks = make_snippet(text, spans)
        date = stored.get("date")
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            path=stored["path"],
            date=date.date().isoformat() if isinstance(date, datetime) else "",
            source=stored.get("source", ""),
            tags=tuple(t for t in stored.get("tags", "").split(",") if t),
            score=float(score) if isinstance(score, (int, float)) else 0.0,  # sort keys are not scores
            hits=len(spans),
            snippet=snippet,
            marks=marks,
        )

    def _suggest(self, searcher: Any, text: str) -> str | None:
        from rapidfuzz import fuzz, process

        if self._vocabulary is None:
            self._vocabulary = _read_vocabulary(self.folder)
        reader = searcher.reader()

        def frequency(word: str) -> int:
            return int(reader.doc_frequency("body", stem(word)) + reader.doc_frequency("title", stem(word)))

        changed = text
        for word in _plain_words(text):
            own = frequency(word)
            found = process.extract(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=75, limit=8)
            # A rarer word is only worth replacing by one that is clearly more common.
            better = [c for c, _, _ in found if stem(c) != stem(word) and frequency(c) > 3 * own]
            if better:
                best = max(better, key=lambda c: (fuzz.ratio(word, c), frequency(c)))
                changed = re.sub(rf"(?<![\w:]){re.escape(word)}\b", best, changed, count=1, flags=re.I)
        return changed if changed != text else None


def _read_vocabulary(folder: Path) -> list[str]:
    try:
        return (folder / VOCABULARY_NAME).read_text(encoding="utf-8").split()
    except OSError:
        return []


def parse_query(text: str, schema: Any) -> Any:
    """Parse with lectern's syntax; QueryError explains anything that cannot run."""
    stripped = " ".join(text.split())
    if not stripped:
        raise QueryError("type something to search for")
    if len(stripped) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(stripped)} characters; the limit is {MAX_QUERY_CHARS})")
    longest = max(stripped.split(), key=len)
    if len(longest) > MAX_WORD_CHARS:
        raise QueryError(
            f"a word of {len(longest)} characters is too long to search (limit {MAX_WORD_CHARS})"
        )
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    try:
        q = parser.parse(stripped)
    except Exception as error:  # Whoosh raises assorted types on odd input
        problem: str | None = f"cannot understand the query: {error}"
    else:
        problem = _first_error(q)
    if problem:
        raise QueryError(DATE_HELP if "date:" in stripped.lower() else problem)
    q = q.accept(_drop_phrases_on_keywords).normalize()
    if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
        raise QueryError("nothing to search for in that query (only operators or stop characters)")
    if _only_negative(q):
        raise QueryError("a query cannot only exclude: add a word to look for")
    for node in _walk(q):
        if isinstance(node, query.Wildcard) and str(node.text).startswith(("*", "?")):
            raise QueryError("a wildcard cannot come first in a word: type a few letters before *")
    return q


def _drop_phrases_on_keywords(q: Any) -> Any:
    """A phrase spread over the fields also lands on ``tags``, which has no positions."""
    if isinstance(q, query.Phrase) and q.fieldname == "tags":
        return query.NullQuery
    return q


def _walk(q: Any) -> Iterator[Any]:
    yield q
    if q.is_leaf():
        return
    for child in q.children():
        yield from _walk(child)


def _first_error(q: Any) -> str | None:
    for node in _walk(q):
        error = getattr(node, "error", None)
        if error:
            return f"cannot understand part of the query: {error}"
    return None


def _only_negative(q: Any) -> bool:
    if isinstance(q, query.Not):
        return True
    if isinstance(q, query.And):
        return all(_only_negative(c) for c in q.children())
    return False


def _plain_words(text: str) -> list[str]:
    """The words of a query as typed, without operators, field names, wildcards or negations."""
    words = [m.group(1) for m in _PLAIN_WORD.finditer(text)]
    return list(dict.fromkeys(w.lower() for w in words if w not in ("AND", "OR", "NOT", "ANDNOT")))


def _positive_leaves(q: Any) -> Iterator[tuple[str, str, Any]]:
    """(field, kind, payload) for each leaf not under a NOT: kind is term, phrase or multi."""
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from _positive_leaves(q.a)
        return
    if isinstance(q, query.Phrase):
        yield q.fieldname, "phrase", tuple(q.words)
    elif isinstance(q, (query.MultiTerm, query.FuzzyTerm)):
        yield q.fieldname, "multi", q
    elif isinstance(q, query.Term):
        yield q.fieldname, "term", q.text
    elif not q.is_leaf():
        for child in q.children():
            yield from _positive_leaves(child)


Postings = Callable[[str], "Sequence[tuple[int, int, int]] | None"]


class _QueryTerms:
    """The body terms and phrases a query looks for, with wildcards expanded in the index."""

    def __init__(self, q: Any, reader: Any) -> None:
        self.terms: set[str] = set()
        self.phrases: list[tuple[str, ...]] = []
        for field, kind, payload in _positive_leaves(q):
            if field != "body":
                continue
            if kind == "term":
                self.terms.add(payload)
            elif kind == "phrase":
                self.phrases.append(payload)
            else:
                self.terms.update(_expand(payload, reader))

    def spans(self, postings: Postings) -> list[Span]:
        """Merged, sorted hit spans given a term -> occurrences lookup."""
        found: list[Span] = []
        for term in self.terms:
            found.extend((s, e) for _, s, e in postings(term) or ())
        for words in self.phrases:
            found.extend(_phrase_spans(words, postings))
        return merge_spans(found)


def _expand(q: Any, reader: Any) -> list[str]:
    try:
        return [t.decode("utf-8") if isinstance(t, bytes) else t for t in q._btexts(reader)]
    except Exception:  # an expansion that cannot run simply finds nothing to highlight
        return []


def _phrase_spans(words: Sequence[str], postings: Postings) -> list[Span]:
    per_word = [{pos: (s, e) for pos, s, e in postings(w) or ()} for w in words]
    if not per_word or not all(per_word):
        return []
    spans = []
    for pos, (start, _) in per_word[0].items():
        if all(pos + i in per_word[i] for i in range(1, len(words))):
            spans.append((start, per_word[-1][pos + len(words) - 1][1]))
    return spans


def _postings(searcher: Any, term: str, docnum: int) -> list[tuple[int, int, int]]:
    try:
        matcher = searcher.postings("body", term)
    except Exception:  # TermNotFound
        return []
    if matcher.is_active() and matcher.id() < docnum:
        matcher.skip_to(docnum)
    if matcher.is_active() and matcher.id() == docnum:
        return list(matcher.value_as("characters"))
    return []


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sort and merge overlapping spans."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def make_snippet(
    text: str, spans: Sequence[Span], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[Span, ...]]:
    """The window of ``text`` with the most hits (anywhere in the text), and their marks."""
    if not spans:
        head = text[:width]
        return _fold(head) + ("…" if len(text) > width else ""), ()
    best, best_count, j = 0, 0, 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + width:
            j += 1
        if j - i > best_count:
            best, best_count = i, j - i
    first = spans[best][0]
    lead = min(40, max(0, (width - (spans[best + best_count - 1][1] - first)) // 2))
    begin = max(0, first - lead)
    space = text.rfind(" ", max(0, begin - 15), begin + 1)
    begin = space + 1 if space >= 0 and begin > 0 else begin
    end = min(len(text), begin + width)
    marks = tuple(
        (max(s, begin) - begin, min(e, end) - begin) for s, e in spans[best : best + best_count] if s < end
    )
    prefix = "…" if begin > 0 else ""
    body = _fold(text[begin:end]) + ("…" if end < len(text) else "")
    return prefix + body, tuple((s + len(prefix), e + len(prefix)) for s, e in marks)


def _fold(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ")
