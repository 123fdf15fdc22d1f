"""What the reading room knows of the corpus, and the list rows made from it.

``Corpus`` is the state the search, the list and the annotation counts share: every document by
id, whether the indexer is running, whether an index answers, and the annotation counts and tags
per document. The functions turn it (or a search's results) into ``DocumentList.Row``s, and list
the files of a corpus no index holds yet. Nothing here touches a widget or the disk, except
``discover_entries``, which the screen runs in a worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.core.catalog import Entry
from tui.core.documents import EXTENSIONS, SourceFile, discover, mtime_day
from tui.core.library import Library
from tui.core.search import Results
from tui.ui.widgets.document_list import Row


@dataclass
class Corpus:
    """The corpus as the reading room currently knows it."""

    entries: dict[str, Entry] = field(default_factory=dict)
    """Every document of the corpus, by id."""
    indexing: bool = False
    """Whether the indexer child is running."""
    index_ready: bool = False
    """Whether an index answers searches (a commit or a finished run has been seen)."""
    counts: dict[str, int] = field(default_factory=dict)
    """Annotations per document id."""
    tags: dict[str, set[str]] = field(default_factory=dict)
    """Annotation tags per document id."""
    tag_filter: str | None = None
    """When set, browsing lists only the documents with an annotation carrying this tag."""
    vanished: set[str] = field(default_factory=set)
    """Ids whose files the watcher saw go since the index last caught up: a catalog read while
    indexing may still hold them, and must not list them again."""

    @property
    def empty(self) -> bool:
        """Indexed, and nothing to search (an empty folder, or only skipped files)."""
        return not self.entries and self.index_ready and not self.indexing

    def known_tags(self) -> list[str]:
        """Every annotation tag used in the corpus, sorted as people read them."""
        return sorted({t for tags in self.tags.values() for t in tags}, key=str.casefold)

    def no_documents(self, library: Library) -> str:
        """What an empty corpus lists: still looking, or where nothing readable was found."""
        where = ", ".join(str(p) for p in library.inputs)
        if self.indexing:
            return f"Looking for documents in {where}…"
        return f"No documents in {where}: lectern reads {', '.join(sorted(EXTENSIONS))} files."


def browse_rows(corpus: Corpus, sort: str) -> list[Row]:
    """Every document (or those with the filtered tag), newest first or by title."""
    entries = list(corpus.entries.values())
    if sort == "title":
        entries.sort(key=lambda e: e.title.casefold())
    else:
        entries.sort(key=lambda e: (e.date, e.title.casefold()), reverse=True)
    if corpus.tag_filter:
        entries = [e for e in entries if corpus.tag_filter in corpus.tags.get(e.id, ())]
    return [
        Row(
            e.id,
            e.title,
            e.date,
            e.author or e.source,  # a book or a page names its author; notes name their source
            e.words,
            annotations=corpus.counts.get(e.id, 0),
            indexed=not is_placeholder(e),
        )
        for e in entries
    ]


def result_rows(results: Results, corpus: Corpus) -> list[Row]:
    """One row per hit, with its snippet and where it matched."""
    return [
        Row(
            h.id,
            h.title,
            h.date,
            _byline(corpus, h.id, h.source),
            corpus.entries[h.id].words if h.id in corpus.entries else 0,
            h.hits,
            h.snippet,
            h.marks,
            corpus.counts.get(h.id, 0),
            matched=h.matched,
        )
        for h in results.hits
    ]


def _byline(corpus: Corpus, doc_id: str, source: str) -> str:
    entry = corpus.entries.get(doc_id)
    return (entry.author if entry is not None else "") or source


def merge_entries(corpus: Corpus, entries: Iterable[Entry], partial: bool) -> None:
    """Take a catalog's entries: all of them, or (while indexing) over those already known."""
    fresh = {e.id: e for e in entries if not (partial and e.id in corpus.vanished)}
    # While indexing, the catalog holds only what is committed so far: keep the rest listed.
    corpus.entries = {**corpus.entries, **fresh} if partial else fresh
    if not partial:
        corpus.vanished.clear()


def update_entries(corpus: Corpus, entries: Iterable[Entry], removed: Iterable[str]) -> bool:
    """Take what the watcher found: ``entries`` listed or refreshed, ``removed`` ids gone (a
    new dict: a worker may be reading the old one). Whether the listing changed."""
    updated = dict(corpus.entries)
    for doc_id in removed:
        updated.pop(doc_id, None)
        corpus.vanished.add(doc_id)
    for entry in entries:
        updated[entry.id] = entry
        corpus.vanished.discard(entry.id)
    changed = updated != corpus.entries
    corpus.entries = updated
    return changed


def discover_entries(library: Library) -> list[Entry]:
    """Entries straight from the file names, for the first run before any index exists.

    Nothing is read, so a corpus of any size lists at once; the indexer's commits replace these
    with the real titles, dates and lengths as it goes.
    """
    sources, _ = discover(list(library.inputs))
    return [placeholder(source) for source in sources]


def placeholder(source: SourceFile) -> Entry:
    """A file found on disk, before the index holds it: no sha256 (and no length) yet."""
    day = mtime_day(source.mtime_ns)
    title = " ".join(source.path.stem.replace("_", " ").replace("-", " ").split()) or source.path.name
    return Entry(source.id, str(source.path), source.size, source.mtime_ns, "", title, day, "", "", (), 0)


def is_placeholder(entry: Entry) -> bool:
    """Whether ``entry`` came from discovery (``placeholder``), not from the catalog: every indexed
    document has a sha256, the empty one included."""
    return not entry.sha256
