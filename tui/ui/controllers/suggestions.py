"""Pre-annotation and review: suggest a label on every occurrence of a phrase (or every hit),
then accept or reject each suggestion from the keyboard.

``P`` in labelling mode (or the palette) asks, in a small dialog, for a label and a phrase
(``/regex/`` as in ``ctrl+f``; literal text as whole words), or takes the current search hits (or
find matches) when the phrase is left empty; in the open document, or in every document the search
matches. Each occurrence becomes a suggestion: an annotation tagged with the label, in its colour,
with ``suggested`` set (drawn paler, italic). A passage that carries the label already (suggested
or not) is left alone, checked against the file as it is on disk when it is written. The whole
pre-annotation is one ``u``. On a suggestion ``enter`` accepts it (``suggested`` dropped) and
``x`` rejects it (it is deleted); the cursor then moves to the next suggestion.

The phrases are matched and the other documents read on the annotation saver thread, never the
UI thread; the answer comes back as ``AnnotationsSaved`` with what was done.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.actions import SkipAction
from textual.screen import Screen

from tui.core.discovery import SourceFile
from tui.ui.controllers.annotations import AnnotationController, Step, document_ref
from tui.ui.widgets.document_list import DocumentList
from tui.ui.widgets.lookup import reader_of
from tui.ui.wording import counted

if TYPE_CHECKING:
    from tui.core.annotations import Annotation, AnnotationSet, DocumentRef
    from tui.core.documents import Document
    from tui.core.labels import Label
    from tui.ui.controllers.labelling import LabellingController
    from tui.ui.screens.labels import PreannotateForm
    from tui.ui.widgets.reader import Reader

Span = tuple[int, int]


def occurrences(text: str, phrase: str) -> list[Span]:
    """Where ``phrase`` occurs in ``text``, as find (``ctrl+f``) finds it: ``/regex/`` or literal
    text, case ignored unless it has a capital; literal text only as whole words. A bad pattern
    is a ``FindError`` (a ``ValueError``) saying why."""
    from tui.ui.text.find import find_all, parse  # the reader's find: loaded with the reader

    query = parse(phrase)
    found = find_all(text, query)
    if query.regex:
        return found
    first, last = phrase[:1], phrase[-1:]

    def whole(span: Span) -> bool:
        start, end = span
        before = start > 0 and _word(first) and _word(text[start - 1])
        after = end < len(text) and _word(last) and _word(text[end])
        return not (before or after)

    return [span for span in found if whole(span)]


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def suggested(doc: Document, spans: Sequence[Span], label: Label, annotator: str) -> list[Annotation]:
    """Suggestions of ``label`` on ``spans`` of ``doc``, by ``annotator``."""
    from tui.core.annotations import Annotation  # with the first suggestion, not at start-up

    return [
        Annotation.create(
            doc.text,
            s,
            e,
            sha256=doc.sha256,
            tags=(label.name,),
            color=label.color,
            annotator=annotator,
            suggested=True,
        )
        for s, e in spans
        if e > s
    ]


def add_new(
    ref: DocumentRef, step: Step, items: list[Annotation], proposals: Sequence[Annotation]
) -> list[Annotation]:
    """``items`` with each of ``proposals`` whose passage does not carry its label already (each
    one added is recorded in ``step``, for ``u``)."""
    have = {(a.start, a.end, tag) for a in items if a.anchor != "orphaned" for tag in a.tags}
    added = []
    for proposal in proposals:
        key = (proposal.start, proposal.end, proposal.tags[0])
        if key not in have:
            have.add(key)
            added.append(proposal)
    step.extend((ref, None, a) for a in added)
    return items + added


def _read(path: str, doc_id: str) -> Document | None:
    from tui.core.documents import Document, read_document  # a worker's: not on the way to the first frame

    file = Path(path)
    try:
        stat = file.stat()
    except OSError:
        return None
    found = read_document(SourceFile(doc_id, file, stat.st_size, stat.st_mtime_ns))
    return found if isinstance(found, Document) else None


class SuggestionController:
    """Pre-annotation and the review of suggestions, for labelling mode."""

    def __init__(
        self, screen: Screen[Any], annotating: AnnotationController, labelling: LabellingController
    ) -> None:
        self._screen = screen
        self._annotating = annotating
        self._labelling = labelling

    @property
    def _reader(self) -> Reader:
        return reader_of(self._screen)

    def _notify(self, message: str, severity: str = "information", timeout: float = 4) -> None:
        self._screen.notify(message, severity=severity, timeout=timeout)  # type: ignore[arg-type]

    def review(self, accept: bool) -> None:
        """Accept (``enter``) or reject (``x``) the suggestion under the cursor, then go to the next."""
        reader = self._reader
        if not reader.has_focus:
            raise SkipAction()
        here = [a for a in reader.annotations_between(reader.cursor, reader.cursor + 1) if a.suggested]
        if not here:
            raise SkipAction()  # enter and x mean what they meant before
        found = min(here, key=lambda a: a.end - a.start)
        if accept:
            self._annotating.change(found, found.edited(suggested=False), "")
        else:
            self._annotating.change(found, None, "")
        later = [a for a in reader.annotations if a.suggested and a.id != found.id and a.start > found.start]
        if later:
            reader.go_to(later[0].start)
            return
        left = sum(a.suggested for a in reader.annotations) - 1
        said = f"{counted(left, 'suggestion')} left before this one ([ goes back)"
        self._notify(said if left else "All suggestions reviewed", timeout=3)

    def ask(self) -> None:
        """Ask for a label and a phrase (or take the current hits), then suggest the label on
        every occurrence."""
        annotating, reader, labels = self._annotating, self._reader, self._labelling.labels
        document = annotating.document
        if document is None or reader.doc_id != document.id:
            self._notify("Open a document first", "warning", 3)
            return
        if not len(labels):
            self._notify("No labels yet: add some first", "warning", 4)
            self._labelling.edit_labels()
            return
        from tui.ui.screens.labels import PreannotateDialog

        query = str(getattr(self._screen, "active_query", ""))
        results = [row.id for row in self._screen.query_one(DocumentList).rows] if query else []
        hits = list(reader.marks.spans)
        under = reader.annotation_under_cursor
        chosen = next((t for t in under.tags if labels.get(t)), None) if under else None
        span = reader.passage if reader.selection_anchor is not None else None
        phrase = reader.text[span[0] : span[1]] if span and span[1] - span[0] <= 80 else ""
        dialog = PreannotateDialog(
            labels,
            chosen or self._labelling.last_label,
            phrase=phrase,
            hits=len(hits),
            query=query,
            documents=len(results),
        )

        def done(form: PreannotateForm | None) -> None:
            if form is not None:
                self.suggest(form, document, hits, query, results)

        self._screen.app.push_screen(dialog, done)

    def suggest(
        self, form: PreannotateForm, document: Document, hits: list[Span], query: str, results: list[str]
    ) -> None:
        """Suggest ``form.label`` on the phrase's occurrences (no phrase: on ``hits``) in
        ``document``, and with ``form.everywhere`` in the documents of ``results`` too."""
        label = self._labelling.labels.get(form.label)
        if label is None:
            return
        self._labelling.last_label = label.name
        annotating = self._annotating
        store, annotator, opened = annotating.store, annotating.annotator, document_ref(document)
        entries = dict(getattr(self._screen, "entries", {}))
        searching = getattr(self._screen, "searching", None)
        counts = [0, 0, 0]  # suggested, there already, documents

        def spans_in(doc: Document) -> list[Span]:
            if form.phrase:
                return occurrences(doc.text, form.phrase)
            if doc.id == document.id:
                return hits
            if searching is None:
                return []
            found: list[Span] = searching.open_index().hit_spans(doc.id, doc.text, query)
            return found

        def documents() -> Iterator[Document]:
            yield document
            for doc_id in results if form.everywhere else ():
                entry = entries.get(doc_id)
                if doc_id != document.id and entry is not None:
                    found = _read(entry.path, doc_id)
                    if found is not None:
                        yield found

        def job(step: Step) -> AnnotationSet:  # on the saver thread
            from tui.core.annotation_tracking import open_annotations
            from tui.core.annotations import AnnotationSet

            shown: AnnotationSet | None = None
            for doc in documents():
                ref = document_ref(doc)
                if doc is not document:
                    open_annotations(store, ref, doc.text)  # re-anchored before comparing passages
                proposals = suggested(doc, spans_in(doc), label, annotator)
                if not proposals:
                    continue
                before = len(step)

                def add(
                    items: list[Annotation], ref: DocumentRef = ref, p: list[Annotation] = proposals
                ) -> list[Annotation]:
                    return add_new(ref, step, items, p)

                result = store.transact(ref, add)
                counts[0] += len(step) - before
                counts[1] += len(proposals) - (len(step) - before)
                counts[2] += 1
                if doc is document or shown is None:
                    shown = result
            return shown or store.load(opened.path) or AnnotationSet(opened)

        def report() -> str:
            made, there, docs = counts
            where = f" in {counted(docs, 'document')}" if form.everywhere else ""
            already = f"; {counted(there, 'passage')} had it already" if there else ""
            if not made:
                return f"No new suggestion of {label.name}{where}{already}"
            return f"{counted(made, 'suggestion')} of {label.name}{where}{already}: enter accepts, x rejects"

        annotating.run_step(job, report)
