"""Annotation editing for the reading room: make, change, undo, and show the open document's
annotations.

``AnnotationController`` is owned by the main screen, which forwards it the keys ``h a t e d u
c 1-5``, the panel's requests and the save results. Every change is one transaction on
``tui.core.annotations.AnnotationStore``, run in order on a single saver thread; the result comes
back to the screen as ``AnnotationsSaved`` and only then is shown, so what the reader draws is
always what is on disk. The controller also keeps the corpus-wide counts and tags current
(``Corpus.counts``/``tags``) and tells the screen through two callbacks when they, or a note,
changed. Messages it shows carry data from files; the screen's ``notify`` shows them literally.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from tui.core.colors import COLORS
from tui.core.library import Library
from tui.core.sanitize import visible_line
from tui.core.settings import Settings, login_name
from tui.ui.controllers.listing import Corpus
from tui.ui.messages import AnnotationsFailed, AnnotationsListed, AnnotationsSaved
from tui.ui.widgets.lookup import panel_of, reader_of
from tui.ui.widgets.status_bar import StatusBar
from tui.ui.wording import counted

if TYPE_CHECKING:
    from tui.core.annotation_store import AnnotationStore
    from tui.core.annotation_tracking import Opened
    from tui.core.annotations import Annotation, AnnotationSet, DocumentRef
    from tui.core.documents import Document
    from tui.ui.screens.annotate import AnnotationForm
    from tui.ui.widgets.annotation_panel import AnnotationPanel
    from tui.ui.widgets.reader import Reader

BINDINGS = [
    Binding("h", "highlight", "Highlight", id="main.highlight", tooltip="Highlight the selection"),
    Binding(
        "a", "annotate", "Annotate", id="main.annotate", tooltip="Note, tags and colour for the selection"
    ),
    Binding("t", "tag", "Tag", show=False, id="main.tag", tooltip="Tags for the selection"),
    Binding("e", "edit", "Edit", show=False, id="main.edit", tooltip="Edit the annotation under the cursor"),
    Binding(
        "d",
        "delete",
        "Delete",
        show=False,
        id="main.delete",
        tooltip="Delete the annotation under the cursor",
    ),
    Binding("u", "undo", "Undo", show=False, id="main.undo", tooltip="Undo the last annotation change"),
    Binding(
        "c",
        "cycle_color",
        "Colour",
        show=False,
        id="main.cycle_color",
        tooltip="Next colour for the annotation under the cursor",
    ),
    *(
        Binding(
            str(n),
            f"choose_color({n})",
            f"Colour {n}",
            show=False,
            id=f"main.color_{n}",
            tooltip=f"Highlight in {color}",
        )
        for n, color in enumerate(COLORS, 1)
    ),
    Binding(
        "A",
        "toggle_panel",
        "Annotations",
        id="main.panel",
        tooltip="Show or hide the annotation panel",
        show=False,
    ),
]
"""The annotating keys of the main screen (its actions forward them to the controller)."""


def _excerpt(text: str, limit: int = 120) -> str:
    """A passage on one line, shortened, safe to show."""
    flat = visible_line(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def document_ref(doc: Document) -> DocumentRef:
    """How the annotation store names a document as it is now."""
    from tui.core.annotations import reference

    return reference(doc.id, doc.path, doc.sha256, doc.title)


def no_document() -> DocumentRef:
    """The document of a change that touches none (an undo step with nothing in it)."""
    from tui.core.annotations import DocumentRef

    return DocumentRef("", "", "", "")


INDEX_DELAY = 1.5
"""Seconds without a change before the notes and tags saved are indexed."""
Change = tuple["DocumentRef", "Annotation | None", "Annotation | None"]
"""(document, before, after) of one change: no ``before`` for an addition, no ``after`` for a
deletion."""
Step = list[Change]
"""What one ``u`` undoes: one change, or the many of a pre-annotation (filled on the saver thread,
which also runs the undo, so an undo always sees the whole step)."""


def _reverted(items: list[Annotation], changes: Sequence[Change]) -> list[Annotation]:
    """``items`` with ``changes`` undone, the last first."""
    for _, before, after in reversed(changes):
        if after is not None:
            items = [a for a in items if a.id != after.id]
        if before is not None:
            items = [a for a in items if a.id != before.id] + [before]
    return items


class AnnotationController:
    """Makes and changes the open document's annotations, for one screen with a ``Reader``, an
    ``AnnotationPanel`` and a ``#status-note`` label."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        corpus: Corpus,
        color_names: dict[str, str] | None = None,
        *,
        counts_changed: Callable[[], None],
        saved: Callable[[], None],
    ) -> None:
        self._screen = screen
        self.library = library
        self._store: AnnotationStore | None = None
        self._store_lock = threading.Lock()
        self.corpus = corpus
        self.color_names = dict(color_names or {})
        """The user's names for the highlight colours."""
        self.color = COLORS[0]
        """The colour ``h`` highlights in (``1``-``5`` choose)."""
        self.document: Document | None = None
        """The document open in the reader."""
        self.annotations: AnnotationSet | None = None
        """The open document's annotations as last saved."""
        self.undo_stack: list[Step] = []
        """Each change (or pre-annotation), newest last."""
        self.undone: Callable[[Step], None] = lambda step: None
        """Told what ``u`` undid (labelling puts the cursor back on it)."""
        self.cursor_shown: Callable[[], bool] = lambda: False
        """Asked first whether another role showed what is under the cursor (labelling mode does)."""
        self._counts_changed = counts_changed
        self._saved = saved
        self._index_timer: Timer | None = None
        self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="annotations")

    # ------------------------------------------------------------------ plumbing

    @property
    def store(self) -> AnnotationStore:
        """The annotation store, opened on first use: the first paint needs none of
        ``tui.core.annotations`` (this property is read from worker threads too)."""
        with self._store_lock:
            if self._store is None:
                self._store = self.library.annotation_store()
            return self._store

    @property
    def _reader(self) -> Reader:
        return reader_of(self._screen)

    @property
    def _panel(self) -> AnnotationPanel:
        return panel_of(self._screen)

    def _notify(
        self, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None
    ) -> None:
        self._screen.notify(message, severity=severity, timeout=timeout)

    def flush(self) -> None:
        """Wait until every change queued has been written (on unmount: none is lost)."""
        self._saver.shutdown(wait=True)

    def wait_for_saves(self) -> None:
        """Block until the changes queued so far are written (tests, and nothing else)."""
        self._saver.submit(lambda: None).result()

    def _save(
        self, document: DocumentRef, change: Callable[[], AnnotationSet], report: str | Callable[[], str]
    ) -> None:
        """Run one change on the saver thread (changes stay in order); the answer comes as a message."""
        post = self._screen.post_message

        def run() -> None:
            try:
                result = change()
            except OSError as error:
                post(AnnotationsFailed(f"Could not save the annotation: {error.strerror or error}"))
                return
            except ValueError as error:  # what a pre-annotation's plan could not do (a bad pattern)
                post(AnnotationsFailed(str(error)))
                return
            post(AnnotationsSaved(result, report if isinstance(report, str) else report()))

        self._saver.submit(run)

    # ------------------------------------------------------------------ reading (worker threads)

    def read_for(self, doc: Document) -> tuple[Opened | None, tuple[str, ...]]:
        """The annotations of ``doc`` (found again, re-anchored) and any damaged files met; called
        in a worker thread."""
        if self._store is None and not self.library.any_annotations():
            return None, ()  # nothing annotated yet, here or at a moved document's old place
        from tui.core.annotation_tracking import open_annotations

        try:
            opened = open_annotations(self.store, document_ref(doc), doc.text)
        except OSError as error:
            opened = None
            self.store.problems.append(
                f"annotations of {doc.id} could not be read: {error.strerror or error}"
            )
        return opened, self.drain_problems()

    def drain_problems(self) -> tuple[str, ...]:
        """The store's problems since last asked (damaged files kept aside)."""
        problems, self.store.problems[:] = tuple(self.store.problems), []
        return problems

    def list_corpus(self) -> None:
        """Count every annotated document of the corpus again, in a worker (``AnnotationsListed``)."""

        def run() -> None:
            if self._store is None and not self.library.any_annotations():
                # Nothing annotated: the store's modules are not imported for it (some 100 ms
                # of the GIL as the index becomes ready, when the first query is often typed).
                self._screen.post_message(AnnotationsListed([], []))
                return
            sets = self.library.annotated(self.store)
            self._screen.post_message(AnnotationsListed(sets, list(self.drain_problems())))

        self._screen.run_worker(run, thread=True, exclusive=True, group="annotation-list")

    def listed(self, message: AnnotationsListed) -> None:
        """Take the corpus's counts and tags from a listing."""
        self.corpus.counts = {s.document.id: len(s.annotations) for s in message.sets}
        self.corpus.tags = {s.document.id: {t for a in s.annotations for t in a.tags} for s in message.sets}
        self._counts_changed()
        for problem in message.problems:
            self._notify(problem, severity="warning", timeout=12)

    # ------------------------------------------------------------------ showing

    def open(self, doc: Document, opened: Opened | None) -> None:
        """The reader now shows ``doc``: show its annotations and report what changed since."""
        self.document = doc
        self.show(opened.annotations if opened else None)
        if opened is not None:
            self._report_opened(opened.moved_from, opened.reanchored)

    def show(self, annotations: AnnotationSet | None) -> None:
        """Draw the open document's annotations (in the reader and the panel)."""
        self.annotations = annotations
        items = annotations.annotations if annotations else ()
        self._reader.set_annotations(items)
        self._panel.show(items, self.color_names)
        if annotations is not None and self.document is not None:
            self._count(self.document.id, annotations)

    def _count(self, doc_id: str, annotations: AnnotationSet) -> None:
        count = len(annotations.annotations)
        tags = {t for a in annotations.annotations for t in a.tags}
        if self.corpus.counts.get(doc_id, 0) == count and self.corpus.tags.get(doc_id, set()) == tags:
            return
        self.corpus.counts[doc_id] = count
        self.corpus.tags[doc_id] = tags
        self._counts_changed()

    def _report_opened(self, moved_from: str | None, reanchored: dict[str, int]) -> None:
        orphans = sum(a.anchor == "orphaned" for a in self.annotations.annotations) if self.annotations else 0
        if orphans and "orphaned" not in reanchored:  # re-anchored earlier (e.g. by the corpus listing)
            self._notify(
                f"{counted(orphans, 'orphaned annotation')}: their passage is gone. "
                "A lists them; select the new passage, then r re-attaches",
                severity="warning",
                timeout=10,
            )
        if moved_from:
            self._notify(f"Annotations found from the document's old place: {moved_from}", timeout=8)
        changed = {k: v for k, v in reanchored.items() if k != "anchored"}
        if changed:
            summary = ", ".join(f"{v:,} {k}" for k, v in sorted(changed.items()))
            worry = "orphaned" in changed or "fuzzy" in changed
            self._notify(
                f"The document changed; annotations re-anchored: {summary}",
                severity="warning" if worry else "information",
                timeout=10,
            )

    def saved(self, message: AnnotationsSaved) -> None:
        """A change was written: show the file as it now is."""
        saved = message.annotations
        if self.document is not None and saved.document.path == document_ref(self.document).path:
            self.show(saved)
        if message.report:
            self._notify(message.report, timeout=3)
        # Indexed once the changes pause: labelling saves one a keystroke, and an indexer run for
        # each would compete with the typing for the CPU.
        if self._index_timer is not None:
            self._index_timer.stop()
        self._index_timer = self._screen.set_timer(INDEX_DELAY, self._saved)

    def failed(self, message: AnnotationsFailed) -> None:
        """A change could not be written (the file is as it was)."""
        self._notify(message.reason, severity="error", timeout=10)

    def cursor_on(self, found: Annotation | None) -> None:
        """The reader's cursor entered ``found`` (None: left every annotation): its note and tags
        go to the status line, the tags where a long note cannot push them off."""
        status = self._screen.query_one(StatusBar)
        if found is not None:
            self._panel.highlight(found.id)
        if self.cursor_shown():
            return
        if found is None:
            status.show_note("")
            return
        note = f"✎ {' '.join(found.note.split())}" if found.note else self._color_name(found.color)
        status.show_note(note, found.tags)

    # ------------------------------------------------------------------ changing

    def _change(self, before: Annotation | None, after: Annotation | None, report: str) -> None:
        """Save one change (add: no ``before``; delete: no ``after``) and remember it for undo."""
        if self.document is None:
            return
        ref = document_ref(self.document)
        self.undo_stack.append([(ref, before, after)])
        if after is not None:
            self._save(ref, lambda: self.store.save(ref, after), report)
        elif before is not None:
            self._save(ref, lambda: self.store.delete(ref, before.id), report)

    def _selection_or_hint(self) -> tuple[int, int] | None:
        """The passage the reader's selection means (its words: ``Reader.passage``), or a hint."""
        reader = self._reader
        if self.document is None or reader.doc_id != self.document.id:
            self._notify("Open a document first", severity="warning", timeout=3)
            return None
        span = reader.passage
        if span is None:
            blank = reader.selection is not None
            self._notify(
                "The selection holds only blanks: select some words"
                if blank
                else "Select a passage first: v, then move (or drag with the mouse)",
                severity="warning",
                timeout=4,
            )
        return span

    def _annotation_or_hint(self) -> Annotation | None:
        found = self._reader.annotation_under_cursor
        if found is None:
            self._notify(
                "The cursor is not in an annotation (] and [ move between them)",
                severity="warning",
                timeout=4,
            )
        return found

    def change(self, before: Annotation | None, after: Annotation | None, report: str) -> None:
        """Save one change of the open document's annotations (``u`` undoes it)."""
        self._change(before, after, report)

    @property
    def annotator(self) -> str:
        """Who the annotations made here are by (``annotator`` in the settings, or the login name)."""
        settings = getattr(self._screen.app, "settings", None)  # lectern's app has them; a test app may not
        return settings.annotator_name() if isinstance(settings, Settings) else login_name()

    def new_annotation(
        self,
        span: tuple[int, int],
        *,
        note: str = "",
        tags: Iterable[str] = (),
        color: str | None = None,
        suggested: bool = False,
    ) -> Annotation:
        """A new annotation of the open document on ``span`` (not saved), by the annotator."""
        assert self.document is not None
        from tui.core.annotations import Annotation

        return Annotation.create(
            self.document.text,
            span[0],
            span[1],
            sha256=self.document.sha256,
            note=note,
            tags=tags,
            color=color or self.color,
            annotator=self.annotator,
            suggested=suggested,
        )

    def _new(self, span: tuple[int, int], form: AnnotationForm | None = None) -> Annotation:
        if form is None:
            return self.new_annotation(span)
        return self.new_annotation(span, note=form.note, tags=form.tags, color=form.color)

    def run_step(self, job: Callable[[Step], AnnotationSet], report: Callable[[], str]) -> None:
        """Run ``job`` on the saver thread as one undo step (a pre-annotation): it makes its
        changes, records each in the step it is given, and returns what the reader should show."""
        step: Step = []
        self.undo_stack.append(step)
        self._save(no_document(), lambda: job(step), report)

    def highlight(self) -> None:
        """Highlight the selection in the current colour."""
        span = self._selection_or_hint()
        if span is not None:
            self._change(None, self._new(span), f"Highlighted in {self._color_name(self.color)}")
            self._reader.clear_selection()

    def annotate(self, tags_only: bool = False) -> None:
        """Ask for a note, tags and a colour (or the tags only) for the selection, then save."""
        span = self._selection_or_hint()
        if span is None or self.document is None:
            return
        from tui.ui.screens.annotate import AnnotationDialog  # dialogs load when used, not on start

        def done(form: AnnotationForm | None) -> None:
            if form is not None:
                self._change(None, self._new(span, form), "Annotation saved")
                self._reader.clear_selection()

        dialog = AnnotationDialog(
            self.document.text[span[0] : span[1]],
            color=self.color,
            known_tags=self.corpus.known_tags(),
            color_names=self.color_names,
            tags_only=tags_only,
            title="Tag the passage" if tags_only else "Annotate the passage",
        )
        self._screen.app.push_screen(dialog, done)

    def edit(self) -> None:
        """Edit the annotation under the cursor in the dialog."""
        annotation = self._annotation_or_hint()
        if annotation is None:
            return
        from tui.ui.screens.annotate import AnnotationDialog

        def done(form: AnnotationForm | None) -> None:
            if form is not None:
                edited = annotation.edited(note=form.note, tags=form.tags, color=form.color)
                self._change(annotation, edited, "Annotation saved")

        dialog = AnnotationDialog(
            annotation.target.exact,
            note=annotation.note,
            tags=annotation.tags,
            color=annotation.color,
            known_tags=self.corpus.known_tags(),
            color_names=self.color_names,
            title="Edit the annotation",
        )
        self._screen.app.push_screen(dialog, done)

    def delete(self, annotation: Annotation | None = None) -> None:
        """Delete ``annotation`` (by default the one under the cursor); ``u`` undoes it."""
        annotation = annotation or self._annotation_or_hint()
        if annotation is not None:
            self._change(annotation, None, "Annotation deleted (u undoes)")

    def undo(self) -> None:
        """Undo the last change (or pre-annotation: all of it)."""
        if not self.undo_stack:
            self._notify("Nothing to undo", timeout=2)
            return
        step = self.undo_stack.pop()
        opened = document_ref(self.document) if self.document is not None else None

        def revert() -> AnnotationSet:  # on the saver thread, after the step was filled
            shown: AnnotationSet | None = None
            refs = {ref.path: ref for ref, _, _ in step}
            for path, ref in refs.items():
                changes = [c for c in step if c[0].path == path]

                def undo(items: list[Annotation], changes: Step = changes) -> list[Annotation]:
                    return _reverted(items, changes)

                result = self.store.transact(ref, undo)
                if shown is None or (opened is not None and path == opened.path):
                    shown = result
            if shown is not None:
                return shown
            if opened is None:  # a pre-annotation that added nothing, and no document open now
                raise ValueError("Nothing to undo")
            from tui.core.annotations import AnnotationSet

            return self.store.load(opened.path) or AnnotationSet(opened)

        report = lambda: "Undone" if step else "Nothing to undo: the pre-annotation added nothing"  # noqa: E731
        self._save(step[0][0] if step else no_document(), revert, report)
        self.undone(step)

    def cycle_color(self) -> None:
        """The next colour for the annotation under the cursor."""
        annotation = self._annotation_or_hint()
        if annotation is not None:
            color = (
                COLORS[(COLORS.index(annotation.color) + 1) % len(COLORS)]
                if annotation.color in COLORS
                else COLORS[0]
            )
            self._change(annotation, annotation.edited(color=color), f"Colour: {self._color_name(color)}")

    def choose_color(self, number: int) -> None:
        """Highlight in colour ``number`` (1-5) from now on."""
        self.color = COLORS[number - 1]
        self._notify(f"Highlight colour: {self._color_name(self.color)}", timeout=2)

    def color_name(self, color: str) -> str:
        """A colour as the user names it: ``green (claim)``."""
        return self._color_name(color)

    def _color_name(self, color: str) -> str:
        name = self.color_names.get(color)
        return f"{color} ({visible_line(name)})" if name and name != color else color

    def jump_to(self, annotation: Annotation) -> None:
        """Put the reader on ``annotation`` (the panel's ``enter``)."""
        if annotation.anchor == "orphaned":
            self._notify("This annotation lost its passage: select the new one, then press r here", timeout=6)
            return
        reader = self._reader
        reader.go_to(annotation.start)
        reader.focus()

    def reattach(self, old: Annotation) -> None:
        """Move an annotation onto the selection: at once for an orphan (its passage is gone), after
        a yes for an annotation that still has its passage (its quote would be replaced)."""
        span = self._selection_or_hint()
        document = self.document
        if span is None or document is None:
            return

        def attach(confirmed: bool | None = True) -> None:
            if not confirmed or self.document is not document:
                return
            from tui.core.anchoring import retarget

            target = retarget(old.target, document.text, *span)  # the first quote is kept
            moved = replace(old, target=target, anchor="anchored").edited()
            self._change(old, moved, "Annotation re-attached (u undoes)")
            self._reader.clear_selection()

        if old.anchor == "orphaned":
            attach()
            return
        from tui.ui.screens.confirm import ConfirmDialog

        question = Text.assemble(
            "This annotation still has its passage:\n",
            (f"“{_excerpt(old.target.exact)}”", "italic"),
            "\nMove it to the selection, replacing its quote with\n",
            (f"“{_excerpt(document.text[span[0] : span[1]])}”", "italic"),
            "?",
        )
        self._screen.app.push_screen(ConfirmDialog("Re-attach the annotation?", question, "Move it"), attach)
