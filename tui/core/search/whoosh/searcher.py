"""``Index``: the ``SearchIndex`` over a Whoosh index folder, safe to share between threads.

It opens a fresh searcher whenever the indexer has committed, checks each file's CRC once per
process before believing it, and turns any failure while reading into ``IndexDamaged``. A
search ranks whole posting lists (``bulk``), builds hits with snippets and matched fields, and
suggests spellings from the corpus vocabulary when nothing is found.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from whoosh import index, query
from whoosh.index import EmptyIndexError
from whoosh.reading import ReaderClosed

from tui.core import catalog as catalog_format
from tui.core import index_files
from tui.core.documents import read_body, text_sha256
from tui.core.search import VOCABULARY_NAME
from tui.core.search.analysis import stem
from tui.core.search.highlight import offsets_in_text, snippet_of, span_pairs
from tui.core.search.near_words import WordsByLength
from tui.core.search.query import plain_words
from tui.core.search.types import Hit, IndexDamaged, IndexUnavailable, QueryError, Results, Span, TextLoader
from tui.core.search.whoosh import FOLDER, term_lists
from tui.core.search.whoosh.bulk import Segment, sorted_documents, top_documents
from tui.core.search.whoosh.lexicon import Lexicon
from tui.core.search.whoosh.parse import make_parser, parse_query, to_tree, use_lexicon
from tui.core.search.whoosh.schema import schema_mark
from tui.core.search.whoosh.scoring import Weighting
from tui.core.search.whoosh.spans import DocumentOccurrences, Elsewhere, QueryTerms

_T = TypeVar("_T")
MOVES = 20
"""Tries of one search while the indexer keeps committing under it (a commit every few seconds
while a large corpus is indexed; a fresh searcher's files take up to a second to check)."""


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
        self._parser: Any = None
        self._lexicon: Lexicon | None = None
        self._segments: list[Segment] | None = None
        self._verified: set[str] = set()
        """Index files whose checksum this process has checked."""
        self._check: _FileCheck | None = None
        """The check of a new searcher's files, read while its first search runs."""

    def close(self) -> None:
        """Release the searcher's files."""
        with self._lock:
            self._drop_searcher()

    def _current(self) -> Any:
        try:
            if self._ix is None:
                self._ix = index.open_dir(str(self.folder / FOLDER))
                if schema_mark() not in self._ix.schema:  # postings it would misread
                    self._drop_searcher()
                    raise IndexUnavailable("the index has an older format: it is rebuilt at the next update")
            if self._searcher is None or not self._searcher.up_to_date():
                self._release_searcher()
                self._check = self._file_check()
                self._searcher = self._ix.searcher(weighting=Weighting())
                self._vocabulary = self._parser = None
                reader = self._searcher.reader()
                saved = functools.partial(term_lists.load, self.folder, *term_lists.commit_of(reader))
                self._lexicon = Lexicon(reader, self._surface_words, saved, self._surface_by_length)
        except IndexUnavailable:
            self._drop_searcher()
            raise
        except EmptyIndexError as error:
            self._drop_searcher()
            raise IndexUnavailable("there is no index yet") from error
        except Exception as error:
            self._drop_searcher()
            raise IndexDamaged(f"{type(error).__name__}: {error}") from error
        return self._searcher

    def _file_check(self) -> _FileCheck | None:
        """Start checking, once per file, that each index file the catalog lists is byte for byte
        what was written (CRC), so that no search believes a damaged file. Whoosh's files are
        written once under their name; the vocabulary is rewritten in place, so it is checked
        only while its size and mtime are still those the catalog recorded."""
        generation = index_files.toc_generation(self.folder)  # before the list: a commit after shows
        listed = catalog_format.read_files(self.folder) or {}
        stats = index_files.index_stats(self.folder)
        names = [
            name
            for name, state in listed.items()
            if name not in self._verified
            and name in stats
            and (name.startswith(f"{FOLDER}/") or tuple(state[:2]) == stats[name])
        ]
        if not names:
            return None
        return _FileCheck(
            lambda: index_files.verify_files(self.folder, listed, names), names, (generation, listed)
        )

    def _settle_check(self) -> None:
        """Wait for the files' check: IndexDamaged when one is not as written."""
        check, self._check = self._check, None
        if check is None:
            return
        problem = check.verdict()
        if problem is not None:
            self._drop_searcher()
            if self._moved_on(check):
                raise _IndexMoved(problem)
            raise IndexDamaged(problem)
        self._verified.update(check.names)

    def _moved_on(self, check: _FileCheck) -> bool:
        """Whether the indexer committed while ``check`` read the files: a file it replaced or
        let go (an old commit's, the vocabulary rewritten) is then no sign of damage."""
        now = (index_files.toc_generation(self.folder), catalog_format.read_files(self.folder) or {})
        return now != check.commit

    def _query(self, searcher: Any, text: str) -> Any:
        """``parse_query``, then lectern's own fuzzy, prefix and phrase queries swapped in."""
        if self._parser is None:
            self._parser = make_parser(searcher.schema)
        return use_lexicon(parse_query(text, searcher.schema, self._parser), self._lexicon_of())

    def _lexicon_of(self) -> Lexicon:
        assert self._lexicon is not None  # set with the searcher
        return self._lexicon

    def doc_count(self) -> int:
        """Documents in the index now."""
        return self._run(lambda searcher: int(searcher.doc_count()))

    def search(self, text: str, limit: int = 20, sort: str = "relevance") -> Results:
        """Run a query: ranked (or sorted) hits with snippets, and a suggestion when few hit."""
        options: dict[str, Any] = {"limit": limit}
        if sort == "date":
            options.update(sortedby="date", reverse=True)
        elif sort == "title":
            options.update(sortedby="title_sort", reverse=False)
        elif sort != "relevance":
            raise QueryError(f"unknown sort {sort!r}: use relevance, date or title")
        return self._run(lambda searcher: self._search(searcher, text, options))

    def _search(self, searcher: Any, text: str, options: dict[str, Any]) -> Results:
        q = self._query(searcher, text)
        tree = to_tree(q)
        if not searcher.doc_count_all():  # no segment yet (an empty corpus, a fresh rebuild)
            return Results(query=text, hits=(), total=0)
        segments = self._segments_of(searcher)
        try:
            if "sortedby" in options:
                found, total = sorted_documents(
                    tree, segments, options["sortedby"], options["reverse"], options["limit"]
                )
            else:
                found, total = top_documents(tree, segments, options["limit"])
        except query.QueryError as error:
            raise QueryError(f"cannot run that query: {error}") from error
        lexicon = self._lexicon_of()
        hits = self._hits(searcher, QueryTerms(tree, lexicon), found, Elsewhere(tree, lexicon))
        # A misspelling~ that found something needs no "did you mean"; one that found nothing does.
        wanted = total == 0 if "~" in text else total < 3
        suggestion = self._suggest(searcher, text) if wanted else None
        return Results(query=text, hits=hits, total=total, suggestion=suggestion)

    def _segments_of(self, searcher: Any) -> list[Segment]:
        if self._segments is None:
            self._segments = [
                Segment(searcher, sub, offset, self._lexicon_of())
                for sub, offset in searcher.leaf_searchers()
            ]
        return self._segments

    def hit_spans(self, doc_id: str, text: str, query_text: str) -> list[Span]:
        """Where ``query_text`` matches in ``text`` (the current text of ``doc_id``)."""
        return self._run(lambda searcher: self._hit_spans(searcher, doc_id, text, query_text))

    def _hit_spans(self, searcher: Any, doc_id: str, text: str, query_text: str) -> list[Span]:
        terms = QueryTerms(to_tree(self._query(searcher, query_text)), self._lexicon_of())
        docnum = searcher.document_number(id=doc_id) if searcher.doc_count_all() else None
        if docnum is not None:
            stored = stored_of(searcher, docnum)
            if stored.get("sha256") == text_sha256(text):
                found = terms.occurrences_in(self._segments_of(searcher), [docnum]).get(docnum, {})
                return span_pairs(terms.spans(found.get))
        return span_pairs(terms.spans(offsets_in_text(text)))

    def _run(self, action: Callable[[Any], _T]) -> _T:
        """``action`` on the current searcher, under the lock; again on a fresh searcher if a
        segment file vanished under it, or the files' check failed while the indexer committed
        (``MOVES`` tries at most). Any other failure to read the index is IndexDamaged.

        Segments are not compound, so a searcher opens some of their files only when first
        needed; a merge committed by the indexer meanwhile deletes the files it replaced. A new
        searcher's files are checked while the action runs; nothing is returned before they pass.
        """
        with self._lock:
            missing = 0
            for _ in range(MOVES):
                try:
                    try:
                        result = action(self._current())
                    finally:
                        self._settle_check()  # a damaged file explains whatever the action met
                    return result
                except (QueryError, IndexUnavailable):
                    raise
                except _IndexMoved:
                    self._drop_searcher()  # not counted: each try opens the newest commit
                except FileNotFoundError as error:
                    self._drop_searcher()
                    missing += 1
                    if missing > 1:
                        raise IndexDamaged(f"an index file is missing: {error}") from error
                except Exception as error:  # damage shows as any exception type (zlib, struct, ...)
                    self._drop_searcher()
                    self._verified.clear()
                    raise IndexDamaged(f"{type(error).__name__}: {error}") from error
        raise IndexUnavailable("the index changed under each search tried: results will follow")

    def _drop_searcher(self) -> None:
        self._release_searcher()
        self._ix = None

    def _release_searcher(self) -> None:
        """Close the searcher and its segments, forgotten first: a failure while reopening
        (the index rebuilt or damaged meanwhile) releases again, and nothing is closed twice."""
        searcher, self._searcher = self._searcher, None
        if searcher is not None:
            with contextlib.suppress(ReaderClosed, OSError):  # released either way
                searcher.close()
        self._forget_segments()

    def _forget_segments(self) -> None:
        segments, self._segments = self._segments, None
        for segment in segments or ():
            segment.close()

    def _hits(
        self, searcher: Any, terms: QueryTerms, found: list[tuple[int, Any]], elsewhere: Elsewhere
    ) -> tuple[Hit, ...]:
        docnums = sorted(docnum for docnum, _ in found)
        occurrences = terms.occurrences_in(self._segments_of(searcher), docnums)
        return tuple(
            self._hit(stored_of(searcher, docnum), score, terms, occurrences.get(docnum, {}), elsewhere)
            for docnum, score in found
        )

    def _hit(
        self,
        stored: dict[str, Any],
        score: Any,
        terms: QueryTerms,
        found: DocumentOccurrences,
        elsewhere: Elsewhere,
    ) -> Hit:
        text = self._text_of(stored)
        hits = 0
        snippet: str = ""
        marks: tuple[Span, ...] = ()
        matched = ""
        if text is not None:  # None: changed or gone since indexing; show no stale offsets
            starts, ends = terms.spans(found.get)
            snippet, marks = snippet_of(text, starts, ends)
            hits = len(starts)
            matched = "body" if hits else ""
        if not hits:  # found through its title, tags or notes: show that, not the opening lines
            where = elsewhere.match(stored)
            if where is not None:
                matched, snippet, marks = where
        date = stored.get("date")
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            path=stored["path"],
            date=date.date().isoformat() if isinstance(date, datetime) else "",
            source=stored.get("source", ""),
            tags=tuple(t for t in stored.get("tags", "").split(",") if t),
            score=float(score) if isinstance(score, (int, float)) else 0.0,  # sort keys are not scores
            hits=hits,
            snippet=snippet,
            marks=marks,
            matched=matched,
        )

    def _text_of(self, stored: dict[str, Any]) -> str | None:
        """The document's text if its file is still the indexed version, else None.

        An unchanged size and mtime (what the catalog trusts too) spare parsing the front matter
        and hashing the text; a touched file is compared by content.
        """
        path = stored["path"]
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if (stat.st_size, stat.st_mtime_ns) == (stored.get("size"), stored.get("mtime_ns")):
            return read_body(Path(path))
        return self._load_text(path, stored["sha256"])

    def _surface_words(self) -> list[str]:
        """The vocabulary (words as written in the bodies), sorted; read once per searcher."""
        if self._vocabulary is None:
            self._vocabulary = sorted(read_vocabulary(self.folder))
        return self._vocabulary

    def _surface_by_length(self) -> WordsByLength:
        """The vocabulary by length, for fuzzy words: from the file's text, or the words
        already read (no Python pass over 300,000 words)."""
        if self._vocabulary is not None:
            return WordsByLength.of(self._vocabulary)
        try:
            return WordsByLength.of_text((self.folder / VOCABULARY_NAME).read_text(encoding="utf-8"), "\n")
        except OSError:
            return WordsByLength({})

    def _suggest(self, searcher: Any, text: str) -> str | None:
        from rapidfuzz import fuzz

        vocabulary = self._lexicon_of().surface_words()
        segments = self._segments_of(searcher)

        @functools.cache
        def frequency(word: str) -> int:
            term = stem(word).encode("utf-8")
            return sum(s.documents_with(field, term) for s in segments for field in ("body", "title"))

        most = 2 * int(searcher.doc_count())  # a word in every body and every title
        changed = text
        for word in plain_words(text):
            own = frequency(word)
            if 3 * own >= most:  # no other word can be three times as common
                continue
            found = vocabulary.similar(word, score_cutoff=75, limit=8)
            # A rarer word is only worth replacing by one that is clearly more common.
            better = [c for c in found if stem(c) != stem(word) and frequency(c) > 3 * own]
            if better:
                best = max(better, key=lambda c: (fuzz.ratio(word, c), frequency(c)))
                changed = re.sub(rf"(?<![\w:]){re.escape(word)}\b", best, changed, count=1, flags=re.I)
        return changed if changed != text else None


FROM_RECORD = ("path", "source", "sha256", "size", "mtime_ns")
"""Stored in the document's catalog record alone (``writing.fields_of``); a segment written
before kept them as fields of their own too (the record is then not read)."""


def stored_of(searcher: Any, docnum: int) -> dict[str, Any]:
    """A document's stored fields, with those its catalog record keeps (a damaged record raises,
    and the index is called damaged)."""
    stored = dict(searcher.stored_fields(docnum))
    if "path" not in stored:
        record = json.loads(stored["record"])
        stored.update((name, record[name]) for name in FROM_RECORD)
    return stored


def read_vocabulary(folder: Path) -> list[str]:
    try:
        return (folder / VOCABULARY_NAME).read_text(encoding="utf-8").split()
    except OSError:
        return []


class _IndexMoved(Exception):
    """A file check failed while the indexer committed: search again on the new commit."""


class _FileCheck:
    """``verify`` on a thread: the CRCs are read (the GIL released) while the first search runs."""

    def __init__(
        self, verify: Callable[[], str | None], names: list[str], commit: tuple[int | None, dict[str, Any]]
    ) -> None:
        self.names = names
        self.commit = commit
        """The index's generation and the catalog's files when the check began."""
        self._problem: str | None = None
        self._thread = threading.Thread(target=self._run, args=(verify,), name="index-check", daemon=True)
        self._thread.start()

    def _run(self, verify: Callable[[], str | None]) -> None:
        try:
            self._problem = verify()
        except Exception as error:  # any failure to read is damage
            self._problem = f"index files cannot be checked: {type(error).__name__}: {error}"

    def verdict(self) -> str | None:
        """The first problem found, or None: every file as written."""
        self._thread.join()
        return self._problem
